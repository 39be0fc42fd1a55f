/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcs_base.h - what mcs_base.ko offers the other mcs drivers.
 *
 * mcs_base owns the fabric (found as an ivshmem PCI device or given as a
 * physical range), the gmm region handle attached to it and this node's
 * identity, and the membership control device /dev/mcs-control through
 * which mcsd feeds membership into the kernel.
 *
 * A driver touches shared state only between mcs_access_begin() and
 * mcs_access_end(): that is how a freeze (mcsd lost, quorum lost) stops
 * every writer to the fabric, and how the fabric can go away safely.
 */
#ifndef MCS_BASE_H
#define MCS_BASE_H

#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#include <uapi/linux/mcs.h>

struct device;
struct gmm_region;

int mcs_access_begin(void);
void mcs_access_end(void);
int mcs_fabric_get(void **base, u64 *size);
int mcs_fabric_phys(phys_addr_t *phys);
int mcs_node_identity(u32 *node, u32 *incarnation);
struct gmm_region *mcs_region(void);

/*
 * Membership changes made through this node's control device, for the
 * drivers that tell others (mcs_events.ko posts the cluster events).
 * Notifier callbacks run inside mcs_access_begin()/end(), in the thread
 * of the command, after the change is complete; @data is a
 * struct mcs_member_change.
 */
#define MCS_MEMBER_JOINED 1    /* this node joined (node, incarnation) */
#define MCS_MEMBER_RECOVERED 2 /* this node recovered a dead incarnation */

struct mcs_member_change {
	struct gmm_region *region;
	u32 node;
	u32 incarnation;
	bool memory_lost; /* RECOVERED: its partition's memory died */
	u32 revoked;	  /* RECOVERED: segments revoked with it */
};

struct notifier_block;
int mcs_member_notifier_register(struct notifier_block *nb);
int mcs_member_notifier_unregister(struct notifier_block *nb);

static inline bool mcs_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/*
 * Copy in an ioctl argument of include/uapi/linux/mcs.h and check its
 * header (ABI version, flags) and reserved fields; 0 or a negative errno.
 * Every mcs device uses it, so every ioctl refuses the same things alike.
 */
#define MCS_ABI_COPY_IN(arg, uptr, allowed_flags)                           \
	({                                                                  \
		int __r = 0;                                                \
		if (copy_from_user(&(arg), (uptr), sizeof(arg)))            \
			__r = -EFAULT;                                      \
		else if ((arg).abi_version != MCS_ABI_VERSION)              \
			__r = -EPROTO;                                      \
		else if ((arg).flags & ~(u32)(allowed_flags))               \
			__r = -EINVAL;                                      \
		else if (!mcs_zero((arg).reserved, sizeof((arg).reserved))) \
			__r = -EINVAL;                                      \
		__r;                                                        \
	})

/* Inside mcs_base: fabric_kmod.c hands the mapped fabric to base_kmod.c. */
int mcs_fabric_register(struct device *dev, void *base, phys_addr_t phys,
			u64 size);
void mcs_fabric_unregister(struct device *dev);
int mcs_fabric_init(void);
void mcs_fabric_exit(void);
int mcs_control_init(void);
void mcs_control_exit(void);

#endif /* MCS_BASE_H */
