/* SPDX-License-Identifier: GPL-2.0 */
/*
 * base_internal.h - the state of mcs_base.ko, shared by its files only.
 */
#ifndef MCS_BASE_INTERNAL_H
#define MCS_BASE_INTERNAL_H

#include <linux/mutex.h>
#include <linux/rwsem.h>

#include "mcs_base.h"

/*
 * @access: read side held by everyone touching shared state; the write
 * side changes what the shared state is (fabric, region, identity) or
 * freezes it, and so waits for every toucher to leave.
 * @ctl_mutex: serializes membership commands against each other.
 */
struct mcs_state {
	struct rw_semaphore access;
	struct mutex ctl_mutex;
	struct device *dev;	    /* the fabric's device, NULL without one */
	void *base;
	u64 size;
	struct gmm_region *region;  /* NULL until the fabric holds a region */
	bool joined;
	bool frozen;
};

extern struct mcs_state mcs_state;

int mcs_region_attach_locked(void);
void mcs_region_detach_locked(void);

#endif /* MCS_BASE_INTERNAL_H */
