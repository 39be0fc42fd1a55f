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

#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/stddef.h>
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
u64 mcs_node_epoch(void);
struct notifier_block;
int mcs_freeze_notifier_register(struct notifier_block *nb);
int mcs_freeze_notifier_unregister(struct notifier_block *nb);
int mcs_mapping_wait(u64 epoch);
bool mcs_mapping_frozen(void);

static inline bool mcs_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/* The head every ioctl argument of include/uapi/linux/mcs.h starts with. */
struct mcs_abi_head {
	u32 argsz;
	u32 flags;
};

/*
 * A command without its size bits: the argument's argsz says how big it
 * is, so a program built with a newer (larger) structure still reaches
 * its command. Every mcs device dispatches on this.
 */
#define MCS_IOC_CMD(cmd) \
	((unsigned int)(cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/*
 * Copy in an ioctl argument that grows by size (Documentation/abi.md):
 * argsz below @ver0 is -EINVAL; a smaller structure than the kernel's is
 * zero-extended, a larger one must be zero past the kernel's (-E2BIG, as
 * copy_struct_from_user()); unknown flags are -EINVAL. The kernel copy's
 * argsz is the caller's size, read once. 0 or a negative errno. Every
 * mcs device uses it, so every ioctl refuses the same things alike;
 * reserved fields inside a structure are the caller's to check.
 */
static inline int mcs_abi_copy_in(void *karg, size_t ksize, size_t ver0,
				  const void __user *uarg, u32 allowed_flags)
{
	struct mcs_abi_head *h = karg;
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;
	h->argsz = usize;
	return h->flags & ~allowed_flags ? -EINVAL : 0;
}

/* Copy back what the kernel filled in, up to the caller's argsz. */
static inline int mcs_abi_copy_out(void __user *uarg, const void *karg,
				   size_t ksize)
{
	const struct mcs_abi_head *h = karg;

	return copy_to_user(uarg, karg, min_t(size_t, h->argsz, ksize)) ?
		       -EFAULT : 0;
}

#define MCS_ABI_COPY_IN(arg, uptr, ver0, allowed_flags)                    \
	({                                                                  \
		BUILD_BUG_ON(offsetof(typeof(arg), argsz) != 0 ||           \
			     offsetof(typeof(arg), flags) != 4 ||           \
			     (ver0) > sizeof(arg));                         \
		mcs_abi_copy_in(&(arg), sizeof(arg), (ver0), (uptr),        \
				(u32)(allowed_flags));                      \
	})
#define MCS_ABI_COPY_OUT(uptr, arg) \
	mcs_abi_copy_out((uptr), &(arg), sizeof(arg))

/* Inside mcs_node: fabric_kmod.c hands the mapped fabric to base_kmod.c. */
int mcs_fabric_register(struct device *dev, void *base, phys_addr_t phys,
			u64 size);
void mcs_fabric_unregister(struct device *dev);
int mcs_fabric_init(void);
void mcs_fabric_exit(void);
int mcs_control_init(void);
void mcs_control_exit(void);

#endif /* MCS_NODE_H */
