// SPDX-License-Identifier: GPL-2.0
/*
 * fence_kmod.c - the node fences itself (Documentation/control.md,
 * "Fencing").
 *
 * There is no fence device between kernels that share memory, so a node
 * that may no longer be a member stops writing the fabric by itself:
 *
 * - MCS_CTL_DAEMON makes a control file the membership daemon's. When it
 *   is closed (the daemon exited or died) or no MCS_CTL_HEARTBEAT came
 *   from it within its deadline (a kernel timer, not the daemon's
 *   goodwill), the node is fenced: nobody enters shared state any more,
 *   the drivers' user mappings of the fabric are zapped (the freeze
 *   notifier chain) and their faults fail, and once every driver has
 *   left, the node is frozen for good. Only a new JOIN, after the others
 *   have recovered this incarnation, brings it back.
 * - A joined node with a daemon holds a lease in the fabric
 *   (drivers/member/lease.c), renewed by each heartbeat. Before every
 *   access, mcs_access_begin() checks that the last renewal is younger
 *   than the deadline, so a kernel that stalled and wakes up late does
 *   not write; survivors recover the node only once they have seen its
 *   lease word unchanged for the region's lease time (MCS_CTL_RECOVER:
 *   -EAGAIN until then), which is at least twice the deadline.
 *
 * A manual FREEZE also zaps the mappings; their faults wait until THAW.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "node_internal.h"
#include "../events/events.h"
#include "../gmm/gmm.h"
#include "../member/member.h"

static BLOCKING_NOTIFIER_HEAD(mcs_freeze_chain);
static DEFINE_MUTEX(mcs_lease_lock); /* lease_view[], renewals */
static const char *mcs_fence_why;    /* under state_lock */
static bool mcs_leaving;	     /* MCS_CTL_LEAVE is waiting */

/**
 * mcs_freeze_notifier_register - be told to zap user mappings of the fabric
 * @nb: called (process context) when the node freezes or is fenced
 *
 * Return: 0.
 */
int mcs_freeze_notifier_register(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&mcs_freeze_chain, nb);
}
EXPORT_SYMBOL_GPL(mcs_freeze_notifier_register);

int mcs_freeze_notifier_unregister(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&mcs_freeze_chain, nb);
}
EXPORT_SYMBOL_GPL(mcs_freeze_notifier_unregister);

/**
 * mcs_node_epoch - which of this kernel's identities is the current one
 *
 * Bumped when a fenced node joins again: what a file or mapping holds of
 * an older identity was recovered by the others and must not be used.
 *
 * Return: the epoch.
 */
u64 mcs_node_epoch(void)
{
	return READ_ONCE(mcs_state.epoch);
}
EXPORT_SYMBOL_GPL(mcs_node_epoch);

/**
 * mcs_mapping_frozen - may a user mapping of the fabric be populated now
 *
 * A driver that inserts a page at fault time checks this again after
 * inserting it (with a full barrier between) and zaps the page if the
 * node froze meanwhile: the freeze sets its flag before it zaps.
 *
 * Return: true while frozen or being fenced.
 */
bool mcs_mapping_frozen(void)
{
	return READ_ONCE(mcs_state.frozen) || READ_ONCE(mcs_state.fencing);
}
EXPORT_SYMBOL_GPL(mcs_mapping_frozen);

/**
 * mcs_mapping_wait - a user mapping made in @epoch faults: may it go on
 * @epoch: mcs_node_epoch() when the mapping was made
 *
 * Waits (killable) while the node is frozen by a manual FREEZE.
 *
 * Context: process context, mmap_lock held for reading.
 * Return: 0 to insert the page; -ESTALE if the node was fenced, or joined
 * again since, or has no fabric; -EINTR on a fatal signal.
 */
int mcs_mapping_wait(u64 epoch)
{
	if (wait_event_killable(mcs_state.thaw_wait,
				!mcs_mapping_frozen() ||
					READ_ONCE(mcs_state.fenced) ||
					READ_ONCE(mcs_state.epoch) != epoch))
		return -EINTR;
	if (READ_ONCE(mcs_state.fenced) || READ_ONCE(mcs_state.epoch) != epoch ||
	    !READ_ONCE(mcs_state.base))
		return -ESTALE;
	return 0;
}
EXPORT_SYMBOL_GPL(mcs_mapping_wait);

/* After the frozen or fencing flag is set: zap every user mapping. */
static void mcs_zap_mappings(void)
{
	smp_mb(); /* the flag before the zap: see mcs_mapping_frozen() */
	blocking_notifier_call_chain(&mcs_freeze_chain, 0, NULL);
}

/**
 * mcs_frozen_set - FREEZE or THAW; both state locks held
 * @frozen: the new state
 */
void mcs_frozen_set(bool frozen)
{
	mcs_state.frozen = frozen;
	if (frozen)
		mcs_zap_mappings();
	else
		wake_up_all(&mcs_state.thaw_wait);
}

/**
 * mcs_lease_lapsed - has this node's own lease run out
 * @now: ktime_get_ns()
 *
 * Return: true if this incarnation holds a lease it last renewed at least
 * a heartbeat deadline ago: it must not touch the fabric.
 */
bool mcs_lease_lapsed(u64 now)
{
	return READ_ONCE(mcs_state.lease_held) &&
	       now - READ_ONCE(mcs_state.renewed_ns) >=
		       READ_ONCE(mcs_state.deadline_ns);
}

/* Fence the node: nobody new enters, mappings go, then wait for the rest. */
static void mcs_fence(void)
{
	const char *why;

	WRITE_ONCE(mcs_state.fencing, true);
	mcs_zap_mappings();
	down_write(&mcs_state.access);
	mutex_lock(&mcs_state.state_lock);
	why = mcs_fence_why;
	mcs_fence_why = NULL;
	if (why && !mcs_state.fenced && mcs_state.dev)
		dev_warn(mcs_state.dev,
			 "fenced (%s): no fabric access until this node joins again\n",
			 why);
	if (why) {
		mcs_state.frozen = true;
		mcs_state.fenced = true;
		WRITE_ONCE(mcs_state.lease_held, false);
	}
	WRITE_ONCE(mcs_state.fencing, false);
	mcs_state_unlock_all();
	wake_up_all(&mcs_state.thaw_wait);
}

/* Ask for a fence now; under state_lock. */
static void mcs_fence_soon_locked(const char *why)
{
	if (!mcs_fence_why)
		mcs_fence_why = why;
	mod_delayed_work(system_wq, &mcs_state.fence_work, 0);
}

/**
 * mcs_fence_request - fence this node as soon as possible
 * @why: for the kernel log
 *
 * Context: any process context; takes no lock that an access holds.
 */
static void mcs_fence_request(const char *why)
{
	mutex_lock(&mcs_state.state_lock);
	mcs_fence_soon_locked(why);
	mutex_unlock(&mcs_state.state_lock);
}

/* Renew this node's lease, and note every other node's; 0 or -ESHUTDOWN. */
static int mcs_lease_tick(void)
{
	struct gmm_region *r;
	struct gmm_geometry g;
	u64 now;
	u32 n;
	int ret;

	ret = mcs_access_begin();
	if (ret)
		return ret == -ESHUTDOWN ? ret : 0; /* no fabric: nothing to do */
	r = mcs_state.region;
	mutex_lock(&mcs_lease_lock);
	now = ktime_get_ns();
	if (mcs_state.joined && READ_ONCE(mcs_state.lease_held)) {
		ret = member_lease_renew(r);
		if (ret)
			mcs_fence_request("the fabric lease word was overwritten");
		else
			WRITE_ONCE(mcs_state.renewed_ns, now);
	}
	if (r) {
		gmm_get_geometry(r, &g);
		for (n = 0; n < g.nr_parts; n++)
			member_lease_observe(r, n, &mcs_state.lease_view[n], now);
	}
	mutex_unlock(&mcs_lease_lock);
	mcs_access_end();
	return ret ? -ESHUTDOWN : 0;
}

static void mcs_fence_work(struct work_struct *work)
{
	u64 now = ktime_get_ns();
	bool fence = false;

	mutex_lock(&mcs_state.state_lock);
	if (mcs_fence_why) {
		fence = true;
	} else if (mcs_state.daemon && !mcs_state.fenced &&
		   now - mcs_state.heartbeat_ns >= mcs_state.deadline_ns) {
		if (READ_ONCE(mcs_leaving)) {
			/* The daemon waits in LEAVE: it is there. */
			mod_delayed_work(system_wq, &mcs_state.fence_work,
					 nsecs_to_jiffies(mcs_state.deadline_ns / 4));
			mutex_unlock(&mcs_state.state_lock);
			mcs_lease_tick();
			return;
		}
		mcs_fence_why = "the membership daemon's heartbeat is late";
		fence = true;
	}
	mutex_unlock(&mcs_state.state_lock);
	if (fence)
		mcs_fence();
}

/* This node just joined: it holds a lease if a daemon watches it. */
void mcs_joined_locked(void)
{
	bool held = mcs_state.daemon != NULL;

	mutex_lock(&mcs_lease_lock);
	member_lease_set(mcs_state.region, held);
	WRITE_ONCE(mcs_state.renewed_ns, ktime_get_ns());
	WRITE_ONCE(mcs_state.lease_held, held);
	mutex_unlock(&mcs_lease_lock);
}

/**
 * mcs_rejoin_locked - may a fenced node join again; both state locks held
 *
 * Return: 0 once the old incarnation is recovered (its identity is then
 * dropped and the epoch bumped), -EAGAIN while the others have not
 * recovered it yet, -ESHUTDOWN if the node is frozen but not fenced.
 */
int mcs_rejoin_locked(void)
{
	struct gmm_node_info ni;
	u32 self;

	if (!mcs_state.frozen)
		return 0;
	if (!mcs_state.fenced)
		return -ESHUTDOWN;
	if (mcs_state.joined) {
		self = gmm_self_node(mcs_state.region);
		if (gmm_node_info(mcs_state.region, self, &ni))
			return -EAGAIN;
		if (ni.incarnation == gmm_self_incarnation(mcs_state.region) &&
		    ni.state != GMM_NODE_CLEAN)
			return -EAGAIN;
		mcs_state.joined = false;
		mcs_region_detach_locked();
	}
	WRITE_ONCE(mcs_state.epoch, mcs_state.epoch + 1);
	mcs_state.fenced = false;
	mcs_state.frozen = false;
	wake_up_all(&mcs_state.thaw_wait);
	return mcs_region_attach_locked();
}

int mcs_ctl_daemon(struct file *file, void __user *uarg)
{
	struct mcs_ctl_daemon a;
	struct gmm_geometry g;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_DAEMON_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.lease_ms || a.reserved)
		return -EINVAL;
	if (!a.deadline_ms)
		a.deadline_ms = MCS_DEADLINE_MS_DEFAULT;
	if (a.deadline_ms < 10)
		return -EINVAL;
	if (down_read_killable(&mcs_state.access))
		return -EINTR;
	mutex_lock(&mcs_state.state_lock);
	if (mcs_state.region) {
		gmm_get_geometry(mcs_state.region, &g);
		a.lease_ms = g.lease_ms;
	}
	ret = -EINVAL;
	if (a.deadline_ms > (a.lease_ms ? a.lease_ms : MCS_LEASE_MS_MAX) / 2)
		goto out_unlock;
	ret = -EBUSY;
	if (mcs_state.daemon && mcs_state.daemon != file)
		goto out_unlock;
	mcs_state.daemon = file;
	mcs_state.deadline_ns = (u64)a.deadline_ms * NSEC_PER_MSEC;
	mcs_state.heartbeat_ns = ktime_get_ns();
	mod_delayed_work(system_wq, &mcs_state.fence_work,
			 nsecs_to_jiffies(mcs_state.deadline_ns));
	if (mcs_state.dev)
		dev_info(mcs_state.dev, "membership daemon pid %d, deadline %u ms\n",
			 task_tgid_nr(current), a.deadline_ms);
	ret = 0;
out_unlock:
	mutex_unlock(&mcs_state.state_lock);
	up_read(&mcs_state.access);
	if (ret)
		return ret;
	return MCS_ABI_COPY_OUT(uarg, a);
}

int mcs_ctl_heartbeat(struct file *file, void __user *uarg)
{
	struct mcs_ctl_heartbeat a;
	bool start_lease = false;
	u64 now;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_HEARTBEAT_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.reserved)
		return -EINVAL;
	if (mutex_lock_killable(&mcs_state.state_lock))
		return -EINTR;
	if (mcs_state.daemon != file) {
		mutex_unlock(&mcs_state.state_lock);
		return -EPERM;
	}
	now = ktime_get_ns();
	if (mcs_lease_lapsed(now)) {
		/* Too late to renew: the others may be recovering us. */
		mcs_fence_soon_locked("the fabric lease lapsed");
		mutex_unlock(&mcs_state.state_lock);
		return -ESHUTDOWN;
	}
	mcs_state.heartbeat_ns = now;
	mod_delayed_work(system_wq, &mcs_state.fence_work,
			 nsecs_to_jiffies(mcs_state.deadline_ns));
	if (mcs_state.joined && !mcs_state.frozen && !mcs_state.lease_held)
		start_lease = true;
	mutex_unlock(&mcs_state.state_lock);
	if (start_lease) {
		/* A node joined by hand before its daemon came. */
		if (down_write_killable(&mcs_state.access))
			return -EINTR;
		mutex_lock(&mcs_state.state_lock);
		if (mcs_state.joined && !mcs_state.frozen &&
		    !mcs_state.lease_held && mcs_state.daemon == file)
			mcs_joined_locked();
		mcs_state_unlock_all();
	}
	ret = mcs_lease_tick();
	/* Frozen by FREEZE: the heartbeat still counts, nothing to renew. */
	return ret == -ESHUTDOWN && !mcs_state.fenced ? 0 : ret;
}

/**
 * mcs_ctl_daemon_closed - a control file is being released
 * @file: the file
 */
void mcs_ctl_daemon_closed(struct file *file)
{
	mutex_lock(&mcs_state.state_lock);
	if (mcs_state.daemon == file) {
		mcs_state.daemon = NULL;
		if (!mcs_state.fenced)
			mcs_fence_soon_locked("the membership daemon closed its control file");
	}
	mutex_unlock(&mcs_state.state_lock);
}

int mcs_ctl_leave(struct file *file, void __user *uarg)
{
	struct member_leave_report rep = { 0 };
	struct mcs_ctl_leave a;
	struct mcs_events *es;
	u32 node, inc;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_LEAVE_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.acks || a.expected || a.result || a.reserved || !a.grace_ms ||
	    a.grace_ms > 600000)
		return -EINVAL;
	ret = mcs_access_begin();
	if (ret)
		return ret;
	ret = mcs_node_identity(&node, &inc);
	if (!ret)
		ret = cev_region_open(mcs_state.region, &es);
	if (ret) {
		mcs_access_end();
		return ret;
	}
	WRITE_ONCE(mcs_leaving, true);
	ret = member_leave_announce(es, node, inc,
				    (u64)a.grace_ms * NSEC_PER_MSEC, &rep);
	WRITE_ONCE(mcs_leaving, false);
	cev_close(es);
	mcs_access_end();
	if (ret)
		return ret;

	/* Stop writing, then give the lease back: the others may go on. */
	WRITE_ONCE(mcs_state.fencing, true);
	mcs_zap_mappings();
	down_write(&mcs_state.access);
	mutex_lock(&mcs_state.state_lock);
	mutex_lock(&mcs_lease_lock);
	if (mcs_state.joined)
		member_lease_set(mcs_state.region, false);
	WRITE_ONCE(mcs_state.lease_held, false);
	mutex_unlock(&mcs_lease_lock);
	mcs_state.frozen = true;
	mcs_state.fenced = true;
	WRITE_ONCE(mcs_state.fencing, false);
	if (mcs_state.dev)
		dev_info(mcs_state.dev,
			 "left the cluster as node %u: %u of %u acknowledged%s\n",
			 node, rep.acks, rep.expected,
			 rep.grace_expired ? ", grace period expired" : "");
	mcs_state_unlock_all();
	wake_up_all(&mcs_state.thaw_wait);
	a.acks = rep.acks;
	a.expected = rep.expected;
	a.result = rep.grace_expired ? MCS_LEAVE_GRACE_EXPIRED : 0;
	return MCS_ABI_COPY_OUT(uarg, a);
}

/**
 * mcs_recover_lease_wait - may a survivor recover @node's incarnation @inc
 * @node: the dead node
 * @inc: its incarnation
 *
 * Context: between mcs_access_begin() and mcs_access_end().
 * Return: 0 once its lease has lapsed (or it held none), -EAGAIN before.
 */
int mcs_recover_lease_wait(u32 node, u32 inc)
{
	u64 wait;

	if (node >= MCS_MAX_NODES)
		return 0; /* member_recover() refuses it */
	mutex_lock(&mcs_lease_lock);
	wait = member_lease_wait_ns(mcs_state.region, node, inc,
				    &mcs_state.lease_view[node], ktime_get_ns());
	mutex_unlock(&mcs_lease_lock);
	return wait ? -EAGAIN : 0;
}

int mcs_fence_init(void)
{
	INIT_DELAYED_WORK(&mcs_state.fence_work, mcs_fence_work);
	init_waitqueue_head(&mcs_state.thaw_wait);
	return 0;
}

void mcs_fence_exit(void)
{
	cancel_delayed_work_sync(&mcs_state.fence_work);
}
