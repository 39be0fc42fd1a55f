/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node_internal.h - the state of mcs_node.ko, shared by its files only.
 */
#ifndef MCS_NODE_INTERNAL_H
#define MCS_NODE_INTERNAL_H

#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mcs_node.h"
#include "../member/member.h"

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
	/*
	 * Fencing (fence_kmod.c), under state_lock. @fencing is set, without
	 * locks, before a fence waits for @access: from then on nobody new
	 * enters. @epoch counts the identities this kernel has had since a
	 * fenced node rejoined: what a file holds of an older one is dead.
	 */
	struct file *daemon;
	u64 deadline_ns;
	u64 heartbeat_ns;
	bool lease_held;	/* this incarnation renews a lease */
	u64 renewed_ns;		/* its last renewal */
	bool fencing;
	bool fenced;
	u64 epoch;
	struct delayed_work fence_work;
	wait_queue_head_t thaw_wait;
	struct member_lease_view lease_view[MCS_MAX_NODES];
	bool planned[MCS_MAX_NODES]; /* declared down with MCS_DOWN_PLANNED */
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
int mcs_region_refresh_locked(void);
void mcs_region_detach_locked(void);

/* key_kmod.c: the cluster key */
int mcs_ctl_key(void __user *uarg);
int mcs_key_check_for(const u8 *uuid, u8 *out);
int mcs_key_admits(const struct gmm_geometry *g);
bool mcs_key_loaded(void);
void mcs_key_exit(void);

/* fence_kmod.c */
int mcs_fence_init(void);
void mcs_fence_exit(void);
bool mcs_lease_lapsed(u64 now);
void mcs_frozen_set(bool frozen);
int mcs_ctl_daemon(struct file *file, void __user *uarg);
int mcs_ctl_heartbeat(struct file *file, void __user *uarg);
int mcs_ctl_leave(struct file *file, void __user *uarg);
void mcs_ctl_daemon_closed(struct file *file);
void mcs_joined_locked(void);
int mcs_rejoin_locked(void);
int mcs_recover_lease_wait(u32 node, u32 inc);

#endif /* MCS_NODE_INTERNAL_H */
