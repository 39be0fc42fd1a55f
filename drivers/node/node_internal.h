/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node_internal.h - the state of mcs_node.ko, shared by its files only.
 */
#ifndef MCS_NODE_INTERNAL_H
#define MCS_NODE_INTERNAL_H

#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "mcs_node.h"

/*
 * @access: read side held by everyone touching shared state; the write
 * side changes what the shared state is (fabric, region, identity) or
 * freezes it, and so waits for every toucher to leave.
 * @state_lock: also held to change @base, @region, @joined or @frozen;
 * held alone only by NODE_DOWN. A gmm call may spin on a fabric lock held
 * by a node that died but is not declared down yet, and only NODE_DOWN
 * releases it: NODE_DOWN must never wait for @access, and nobody may hold
 * @state_lock across a call that can spin.
 */
struct mcs_state {
	struct rw_semaphore access;
	struct mutex state_lock;
	struct device *dev;	    /* the fabric's device, NULL without one */
	void *base;
	phys_addr_t phys;	    /* physical address of base */
	u64 size;
	struct gmm_region *region;  /* NULL until the fabric holds a region */
	bool joined;
	bool frozen;
};

extern struct mcs_state mcs_state;

/* Both locks, for changing the state. */
static inline void mcs_state_lock_all(void)
{
	down_write(&mcs_state.access);
	mutex_lock(&mcs_state.state_lock);
}

static inline void mcs_state_unlock_all(void)
{
	mutex_unlock(&mcs_state.state_lock);
	up_write(&mcs_state.access);
}

int mcs_region_attach_locked(void);
void mcs_region_detach_locked(void);

#endif /* MCS_NODE_INTERNAL_H */
