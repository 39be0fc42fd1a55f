/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcs_node.h - what mcs_node.ko offers the other mcs drivers.
 *
 * mcs_node owns the fabric (found as an ivshmem PCI device or given as a
 * physical range), the gmm region handle attached to it and this node's
 * identity, and the membership control device /dev/mcs-control through
 * which mcsd feeds membership into the kernel.
 *
 * A driver touches shared state only between mcs_access_begin() and
 * mcs_access_end(): that is how a freeze (mcsd lost, quorum lost) stops
 * every writer to the fabric, and how the fabric can go away safely.
 */
#ifndef MCS_NODE_H
#define MCS_NODE_H

#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#include <linux/mcs.h>

struct device;
struct gmm_region;

int mcs_access_begin(void);
void mcs_access_end(void);
int mcs_fabric_get(void **base, u64 *size);
int mcs_fabric_phys(phys_addr_t *phys);
int mcs_node_identity(u32 *node, u32 *incarnation);
struct gmm_region *mcs_region(void);

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

/* Inside mcs_node: fabric_kmod.c hands the mapped fabric to base_kmod.c. */
int mcs_fabric_register(struct device *dev, void *base, phys_addr_t phys,
			u64 size);
void mcs_fabric_unregister(struct device *dev);
int mcs_fabric_init(void);
void mcs_fabric_exit(void);
int mcs_control_init(void);
void mcs_control_exit(void);

#endif /* MCS_NODE_H */
