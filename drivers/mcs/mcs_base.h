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

#include <linux/types.h>

struct device;
struct gmm_region;

int mcs_access_begin(void);
void mcs_access_end(void);
int mcs_fabric_get(void **base, u64 *size);
int mcs_fabric_phys(phys_addr_t *phys);
int mcs_node_identity(u32 *node, u32 *incarnation);
struct gmm_region *mcs_region(void);

/* Inside mcs_base: fabric_kmod.c hands the mapped fabric to base_kmod.c. */
int mcs_fabric_register(struct device *dev, void *base, phys_addr_t phys,
			u64 size);
void mcs_fabric_unregister(struct device *dev);
int mcs_fabric_init(void);
void mcs_fabric_exit(void);
int mcs_control_init(void);
void mcs_control_exit(void);

#endif /* MCS_BASE_H */
