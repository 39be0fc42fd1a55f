// SPDX-License-Identifier: GPL-2.0
/*
 * control_kmod.c - /dev/mcs-control, the membership control interface.
 *
 * The kernel never talks to the cluster manager. As with the DLM and
 * dlm_controld, a daemon (mcsd) tracks membership and quorum and tells the
 * kernel what it must know through this misc device; the kernel does the
 * fabric side. The device is open to CAP_SYS_ADMIN only. Each ioctl takes
 * one structure of include/uapi/linux/mcs.h that grows by size: argsz
 * below the structure's SIZE_VER0 is -EINVAL, bytes past what this kernel
 * knows must be zero (-E2BIG), unknown flags bits and non-zero reserved
 * fields are -EINVAL; what is filled in is copied back up to argsz.
 * Unknown commands fail with -ENOTTY, bad pointers with -EFAULT.
 *
 * MCS_CTL_FORMAT   write an empty region into the fabric: nr_nodes node
 *                  slots, region_size bytes (0: all of it), the cluster
 *                  uuid (all zero: a random one). Refused with -EEXIST if
 *                  the fabric already holds a region (even a torn one or
 *                  one of another format version), unless MCS_FORMAT_FORCE; -EBUSY once this node has joined;
 *                  -EINVAL/-ENOSPC for a geometry that does not fit.
 *                  Only the first node of a new cluster formats.
 *
 * MCS_CTL_JOIN     become node `node` of the cluster. The fabric gives the
 *                  incarnation (one more than the node's last), returned
 *                  in `incarnation`; everything an older incarnation left
 *                  is recognisably dead. -ENOMEDIUM if the fabric holds no
 *                  region (an error of gmm_attach() if it holds a bad
 *                  one: -EBADMSG torn, -EPROTONOSUPPORT another version,
 *                  ...), -EALREADY if joined, -EBUSY if that node is
 *                  alive, -EAGAIN if its recovery is not finished.
 *                  Once joined, mcs_events.ko posts NODE_UP.
 *
 * MCS_CTL_NODE_DOWN  membership saw incarnation `incarnation` of `node`
 *                  die; MCS_DOWN_MEMORY_LOST if its partition died too
 *                  (may also be told later). Idempotent. -ENOTCONN before
 *                  JOIN, -EINVAL for this node itself, -ESTALE if the node
 *                  is in another incarnation, -ENOENT if it never joined.
 *
 * MCS_CTL_RECOVER  recover a node declared down with the one recovery
 *                  sequence, member_recover() (drivers/member): gmm's
 *                  stages (sharers, in-flight transactions, master
 *                  copies, free, partition; counts returned), then gsync's,
 *                  the event log's and gns's, then NODE_DOWN,
 *                  RESOURCE_LOST (memory lost) and RECOVERY_DONE are
 *                  posted, and only then is the node clean. Each stage's
 *                  name and time go to the kernel log and, up to
 *                  stages_cap, into the caller's array at `stages`.
 *                  Idempotent and restartable: if the recoverer dies,
 *                  another node repeats it; MCS_RECOVER_NOTHING in
 *                  `result` if the node was clean already (then nobody is
 *                  told). -ENOTCONN before JOIN, -EBUSY if the node is
 *                  alive (not declared down), -EINPROGRESS if another
 *                  live node is recovering it, -EFAULT for stages_cap
 *                  without stages.
 *
 * MCS_CTL_FREEZE   stop touching shared state: waits until every mcs user
 *                  inside mcs_access_begin() has left; from then on they,
 *                  and the commands here that write the fabric, fail with
 *                  -ESHUTDOWN. For a node that lost quorum or its daemon.
 * MCS_CTL_THAW     touch it again. Both are idempotent.
 *
 * MCS_CTL_STATUS   (an unjoined node looks again at what the fabric holds:
 *                  a region another node formatted, or formatted again,
 *                  meanwhile)
 *                  this node's state (fabric, region, joined, frozen,
 *                  identity) and the node table: per node its state and
 *                  incarnation and its partition's usage, into the user
 *                  array `nodes` of `nodes_cap` entries (nr_nodes says how
 *                  many the region has; fewer are copied if the array is
 *                  smaller). While frozen only the node words are read.
 *
 * MCS_CTL_CHECK    run the gmm and gns consistency checkers on the live
 *                  region; gmm's counts and the violations of both
 *                  returned, every violation logged by the kernel.
 *                  -ENOMEDIUM without a region, -ESHUTDOWN when frozen.
 *
 * MCS_CTL_LIST     list what the region holds, `what` at a time: the
 *                  names (MCS_LIST_NAMES: GID, type, name, and for a
 *                  segment name its size, home partition and sharers),
 *                  the segments (MCS_LIST_SEGMENTS: GID, size, home
 *                  partition, sharers) or the sync objects (MCS_LIST_SYNC:
 *                  GID, mutex or event, and its lock word: holder's node,
 *                  incarnation and pid, and state). Fills at most
 *                  entries_cap (1..MCS_LIST_MAX) entries of the user array
 *                  `entries` from `cursor` (0 to start) and returns the
 *                  cursor to continue from; fewer entries than asked mean
 *                  the end (mcs_list_next() of list.c, which mcsctl
 *                  also runs on a region in a file). Names and segments
 *                  are read under their table locks, a stripe or a name
 *                  at a time; a sync object's lock word is read without
 *                  taking it. A listing is
 *                  therefore no atomic snapshot: what changes meanwhile
 *                  may or may not be seen, what exists throughout is seen
 *                  once. Works before JOIN (as an observer: -EOWNERDEAD
 *                  if a dead node holds a table lock). -EINVAL for an
 *                  unknown `what`, a cap of 0 or above MCS_LIST_MAX, or
 *                  non-zero output fields; -ENOMEDIUM without a region,
 *                  -ESHUTDOWN when frozen.
 *
 * Order: FORMAT (first node only), JOIN, then NODE_DOWN/RECOVER as
 * membership changes. STATUS, CHECK and LIST work at any time.
 *
 * Concurrency: commands may run in parallel (mcsd may poll STATUS while
 * it declares a death). FORMAT, JOIN and FREEZE wait for the commands and
 * drivers touching shared state to finish. A command can spin on a fabric
 * lock held by a node that died and is not declared down yet; NODE_DOWN
 * never waits behind any of them, so membership can always unblock it.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>

#include <linux/mcs.h>

#include "node_internal.h"
#include "../member/list.h"
#include "../gsync/gsync.h"
#include "../gmm/gmm.h"
#include "../gns/gns.h"
#include "../member/member.h"

static int mcs_ctl_format(void __user *uarg)
{
	struct gmm_format_params fp = { 0 };
	struct mcs_ctl_format a;
	u64 size;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_FORMAT_SIZE_VER0,
			      MCS_FORMAT_FORCE);
	if (ret)
		return ret;
	fp.nr_parts = a.nr_nodes;
	fp.lease_ms = a.lease_ms; /* gmm_format() checks it, 0: default */
	if (mcs_zero(a.uuid, sizeof(a.uuid)))
		generate_random_uuid(fp.uuid);
	else
		memcpy(fp.uuid, a.uuid, sizeof(fp.uuid));

	mcs_state_lock_all();
	ret = -ESHUTDOWN;
	if (mcs_state.frozen)
		goto out_unlock;
	ret = -ENODEV;
	if (!mcs_state.base)
		goto out_unlock;
	ret = -EBUSY;
	if (mcs_state.joined)
		goto out_unlock;
	/* The lease must outlast the daemon's deadline twice (fence_kmod.c). */
	ret = -EINVAL;
	if (mcs_state.daemon &&
	    (u64)(fp.lease_ms ? fp.lease_ms : MCS_LEASE_MS_DEFAULT) *
			    NSEC_PER_MSEC < 2 * mcs_state.deadline_ns)
		goto out_unlock;
	size = a.region_size ? a.region_size : mcs_state.size;
	ret = -EINVAL;
	if (size > mcs_state.size)
		goto out_unlock;
	/*
	 * Another node may have formatted since this one attached: look
	 * again. Only a fabric without the mcs magic is empty; a region that
	 * is torn or of another version is erased only when forced.
	 */
	ret = -EEXIST;
	if (mcs_region_attach_locked() != -EMEDIUMTYPE &&
	    !(a.flags & MCS_FORMAT_FORCE))
		goto out_unlock;
	/* The cluster key's check for this region, if this node has a key. */
	ret = mcs_key_check_for(fp.uuid, fp.key_check);
	if (ret)
		goto out_unlock;
	mcs_region_detach_locked();
	ret = gmm_format(mcs_state.base, size, &fp);
	if (ret) {
		/* Refused before writing anything: an old region is intact. */
		mcs_region_attach_locked();
		goto out_unlock;
	}
	ret = mcs_region_attach_locked();
	if (!ret)
		dev_info(mcs_state.dev, "formatted a region of %llu bytes for %u nodes\n",
			 size, fp.nr_parts);
out_unlock:
	mcs_state_unlock_all();
	return ret;
}

static int mcs_ctl_join(void __user *uarg)
{
	struct gmm_geometry g;
	struct mcs_ctl_join a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_JOIN_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.incarnation)
		return -EINVAL;

	mcs_state_lock_all();
	ret = -ENODEV;
	if (!mcs_state.base)
		goto out_unlock_all;
	/* A fenced node comes back once the others recovered it. */
	ret = mcs_rejoin_locked();
	if (ret)
		goto out_unlock_all;
	ret = -EALREADY;
	if (mcs_state.joined)
		goto out_unlock_all;
	ret = mcs_region_refresh_locked();
	if (ret == -EMEDIUMTYPE)
		ret = -ENOMEDIUM; /* not formatted yet */
	if (ret)
		goto out_unlock_all;
	/* Only with the cluster's key (or none, where the region has none). */
	gmm_get_geometry(mcs_state.region, &g);
	ret = mcs_key_admits(&g);
	if (ret) {
		dev_warn(mcs_state.dev, "join refused: %s\n",
			 ret == -ENOKEY ? "the region has a cluster key, this node none" :
			 "this node's cluster key is not the region's");
		goto out_unlock_all;
	}
	/* Joining can spin on fabric locks: keep only the write side. */
	mutex_unlock(&mcs_state.state_lock);
	ret = gmm_node_join(mcs_state.region, a.node);
	mutex_lock(&mcs_state.state_lock);
	if (ret)
		goto out_unlock_all;
	mcs_state.joined = true;
	mcs_joined_locked();
	a.incarnation = gmm_self_incarnation(mcs_state.region);
	dev_info(mcs_state.dev, "joined as node %u, incarnation %u\n", a.node,
		 a.incarnation);
out_unlock_all:
	mcs_state_unlock_all();
	/* Told outside state_lock: posting can spin on a fabric lock. */
	if (!ret && !mcs_access_begin()) {
		if (mcs_state.joined && member_joined(mcs_state.region))
			dev_warn(mcs_state.dev, "NODE_UP not posted\n");
		mcs_access_end();
	}
	if (!ret && MCS_ABI_COPY_OUT(uarg, a))
		ret = -EFAULT;
	return ret;
}

/* Enter shared state as a joined node; -ENOTCONN before JOIN. */
static int mcs_ctl_enter_joined(void)
{
	int ret = mcs_access_begin();

	if (ret)
		return ret;
	if (!mcs_state.joined) {
		mcs_access_end();
		return -ENOTCONN;
	}
	return 0;
}

/*
 * Under state_lock alone, never behind a freeze or another command: it is
 * what releases whoever spins on a fabric lock of the dead node.
 */
static int mcs_ctl_node_down(void __user *uarg)
{
	struct mcs_ctl_node_down a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_NODE_DOWN_SIZE_VER0,
			      MCS_DOWN_MEMORY_LOST | MCS_DOWN_PLANNED);
	if (ret)
		return ret;
	if (mutex_lock_killable(&mcs_state.state_lock))
		return -EINTR;
	if (mcs_state.frozen)
		ret = -ESHUTDOWN;
	else if (!mcs_state.joined)
		ret = -ENOTCONN;
	else if (a.node == gmm_self_node(mcs_state.region))
		ret = -EINVAL;
	else
		ret = gmm_node_down(mcs_state.region, a.node, a.incarnation,
				    a.flags & MCS_DOWN_MEMORY_LOST);
	if (!ret && a.node < MCS_MAX_NODES)
		mcs_state.planned[a.node] = a.flags & MCS_DOWN_PLANNED;
	if (!ret)
		dev_info(mcs_state.dev, "node %u incarnation %u is down%s%s\n",
			 a.node, a.incarnation,
			 a.flags & MCS_DOWN_MEMORY_LOST ? ", memory lost" : "",
			 a.flags & MCS_DOWN_PLANNED ? ", planned" : "");
	mutex_unlock(&mcs_state.state_lock);
	return ret;
}

/* Each stage of a recovery into the kernel log. */
static void mcs_ctl_recover_log(void *arg, u32 node, u32 stage, u64 ns,
				const char *what)
{
	dev_info(mcs_state.dev, "recovery of node %u: %s: %s (%llu us)\n", node,
		 member_stage_name(stage), what, ns / 1000);
}

/* The stages' names and times, into the caller's array. */
static int mcs_ctl_recover_stages(struct mcs_ctl_recover *a,
				  const struct member_recovery *rec)
{
	struct mcs_recover_stage __user *ust = u64_to_user_ptr(a->stages);
	struct mcs_recover_stage st;
	u32 i;

	a->nr_stages = MEMBER_NR_STAGES;
	a->stage_size = sizeof(st);
	for (i = 0; i < MEMBER_NR_STAGES && i < a->stages_cap; i++) {
		memset(&st, 0, sizeof(st));
		strscpy(st.name, member_stage_name(i), sizeof(st.name));
		st.ns = rec->stage_ns[i];
		if (copy_to_user(&ust[i], &st, sizeof(st)))
			return -EFAULT;
	}
	return 0;
}

static int mcs_ctl_recover(void __user *uarg)
{
	struct member_recovery rec = {
		.log = mcs_ctl_recover_log,
	};
	const struct gmm_recovery_report *rep = &rec.gmm;
	struct mcs_ctl_recover a;
	struct gmm_node_info ni;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_RECOVER_SIZE_VER0, 0);
	if (ret)
		return ret;
	/* Everything after node is output, the stage array aside. */
	if (!mcs_zero(&a.incarnation,
		      offsetof(struct mcs_ctl_recover, stages_cap) -
			      offsetof(struct mcs_ctl_recover, incarnation)) ||
	    a.nr_stages || a.stage_size)
		return -EINVAL;
	if (a.stages_cap && !a.stages)
		return -EFAULT;
	ret = mcs_ctl_enter_joined();
	if (ret)
		return ret;
	/* Fencing: not before the node's fabric lease has lapsed. */
	ret = gmm_node_info(mcs_state.region, a.node, &ni);
	if (!ret && ni.state != GMM_NODE_ALIVE && ni.state != GMM_NODE_CLEAN)
		ret = mcs_recover_lease_wait(a.node, ni.incarnation);
	if (ret == -EINVAL)
		ret = 0; /* member_recover() names the bad node */
	if (ret) {
		mcs_access_end();
		return ret;
	}
	if (a.node < MCS_MAX_NODES && mcs_state.planned[a.node])
		rec.flags = MCS_EVF_PLANNED;
	/* The one recovery sequence: every component, then the events. */
	ret = member_recover(mcs_state.region, a.node, &rec);
	mcs_access_end();
	if (ret)
		return ret;
	a.incarnation = rec.incarnation;
	a.sharers_removed = rep->sharers_removed;
	a.txns_rolled_back = rep->txns_rolled_back;
	a.txns_rolled_forward = rep->txns_rolled_forward;
	a.master_copies_rebuilt = rep->master_copies_rebuilt;
	a.sections_freed = rep->sections_freed;
	a.sections_revoked = rep->sections_revoked;
	a.result = rep->partition_taken_over ? MCS_RECOVER_TOOK_PARTITION : 0;
	/* Incarnations start at 1: none recorded means nothing was to do. */
	if (!rec.incarnation) {
		a.result |= MCS_RECOVER_NOTHING;
	} else {
		dev_info(mcs_state.dev, "recovered node %u incarnation %u\n",
			 a.node, a.incarnation);
		ret = mcs_ctl_recover_stages(&a, &rec);
		if (ret)
			return ret;
	}
	return MCS_ABI_COPY_OUT(uarg, a);
}

static int mcs_ctl_freeze(void __user *uarg, bool freeze)
{
	struct mcs_ctl_freeze a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_FREEZE_SIZE_VER0, 0);
	if (ret)
		return ret;
	/* The write side waits for everyone touching shared state. */
	if (down_write_killable(&mcs_state.access))
		return -EINTR;
	mutex_lock(&mcs_state.state_lock);
	ret = 0;
	/* A fenced node, or one whose lease lapsed, may be recovered already. */
	if (!freeze && (mcs_state.fenced || mcs_lease_lapsed(ktime_get_ns())))
		ret = -ESTALE;
	else if (mcs_state.frozen != freeze && mcs_state.dev)
		dev_info(mcs_state.dev, "%s\n", freeze ? "frozen" : "thawed");
	if (!ret)
		mcs_frozen_set(freeze);
	mcs_state_unlock_all();
	return ret;
}

static void mcs_ctl_node_entry(struct gmm_region *r, u32 n, bool frozen,
			       struct mcs_node_status *e)
{
	struct gmm_node_info ni;
	struct gmm_part_info pi;

	memset(e, 0, sizeof(*e));
	e->node = n;
	gmm_node_info(r, n, &ni);
	e->state = ni.state;
	e->incarnation = ni.incarnation;
	e->recoverer = ni.recoverer;
	if (ni.memory_lost)
		e->flags |= MCS_NODE_F_MEMORY_LOST;
	if (mcs_state.joined && gmm_self_node(r) == n)
		e->flags |= MCS_NODE_F_SELF;
	/* The partition is read under its fabric lock: a write. */
	if (frozen || gmm_part_info(r, n, &pi)) {
		e->flags |= MCS_NODE_F_PART_UNKNOWN;
		return;
	}
	e->part_manager = pi.manager;
	e->free_pages = pi.free_pages;
	e->data_pages = pi.data_pages;
	e->sections_used = pi.sections_used;
	e->part_generation = pi.generation;
	if (pi.state == GMM_PART_LOST)
		e->flags |= MCS_NODE_F_PART_LOST;
	if (pi.master_primary)
		e->flags |= MCS_NODE_F_MASTER_PRIMARY;
	if (pi.master_replica)
		e->flags |= MCS_NODE_F_MASTER_REPLICA;
}

static int mcs_ctl_status(void __user *uarg)
{
	struct mcs_node_status __user *unodes;
	struct mcs_node_status e;
	struct mcs_ctl_status a;
	struct gmm_geometry g;
	u32 n;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_STATUS_SIZE_VER0, 0);
	if (ret)
		return ret;
	unodes = u64_to_user_ptr(a.nodes);
	if (a.nodes_cap && !a.nodes)
		return -EFAULT;
	if (a.nodes_cap > MCS_MAX_NODES)
		a.nodes_cap = MCS_MAX_NODES;

	/* Another node may have formatted (again) since this one looked. */
	if (!READ_ONCE(mcs_state.joined) && READ_ONCE(mcs_state.base)) {
		if (down_write_killable(&mcs_state.access))
			return -EINTR;
		mutex_lock(&mcs_state.state_lock);
		if (mcs_state.base && !mcs_state.joined)
			mcs_region_refresh_locked();
		mcs_state_unlock_all();
	}
	if (down_read_killable(&mcs_state.access))
		return -EINTR;
	a.nr_nodes = 0;
	a.self_node = MCS_NODE_NONE;
	a.self_incarnation = 0;
	a.state = 0;
	a.node_status_size = sizeof(struct mcs_node_status);
	a.fabric_size = mcs_state.size;
	a.region_size = 0;
	memset(a.uuid, 0, sizeof(a.uuid));
	if (mcs_state.base)
		a.state |= MCS_STATE_FABRIC;
	if (mcs_state.frozen)
		a.state |= MCS_STATE_FROZEN;
	if (mcs_state.fenced)
		a.state |= MCS_STATE_FENCED;
	if (mcs_state.daemon)
		a.state |= MCS_STATE_DAEMON;
	if (mcs_key_loaded())
		a.state |= MCS_STATE_KEY;
	if (mcs_state.joined) {
		a.state |= MCS_STATE_JOINED;
		a.self_node = gmm_self_node(mcs_state.region);
		a.self_incarnation = gmm_self_incarnation(mcs_state.region);
	}
	if (mcs_state.region) {
		a.state |= MCS_STATE_REGION;
		gmm_get_geometry(mcs_state.region, &g);
		a.nr_nodes = g.nr_parts;
		a.region_size = g.region_size;
		memcpy(a.uuid, g.uuid, sizeof(a.uuid));
		if (memchr_inv(g.key_check, 0, sizeof(g.key_check)))
			a.state |= MCS_STATE_REGION_KEYED;
		for (n = 0; n < g.nr_parts && n < a.nodes_cap; n++) {
			mcs_ctl_node_entry(mcs_state.region, n,
					   mcs_state.frozen, &e);
			if (copy_to_user(&unodes[n], &e, sizeof(e))) {
				ret = -EFAULT;
				break;
			}
		}
	}
	up_read(&mcs_state.access);
	if (ret)
		return ret;
	return MCS_ABI_COPY_OUT(uarg, a);
}

static void mcs_ctl_violation(void *arg, const char *msg)
{
	pr_warn_ratelimited("mcs: check: %s\n", msg);
}

static int mcs_ctl_check(void __user *uarg)
{
	struct gns_check_report grep = { .violation = mcs_ctl_violation };
	struct gmm_check_report rep = { .violation = mcs_ctl_violation };
	struct mcs_ctl_check a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_CHECK_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.violations || a.segments || a.sharers || a.free_pages)
		return -EINVAL;
	ret = mcs_access_begin();
	if (ret)
		return ret;
	ret = mcs_state.region ?
		      member_check(mcs_state.region, &rep, &grep) :
		      -ENOMEDIUM;
	mcs_access_end();
	if (ret)
		return ret;
	a.violations = rep.violations + grep.violations;
	a.segments = rep.segments;
	a.sharers = rep.sharers;
	a.free_pages = rep.free_pages;
	return MCS_ABI_COPY_OUT(uarg, a);
}

static int mcs_ctl_list(void __user *uarg)
{
	struct mcs_list_entry __user *uent;
	struct mcs_list_entry e;
	struct mcs_ctl_list a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_LIST_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.what < MCS_LIST_NAMES || a.what > MCS_LIST_SYNC ||
	    !a.entries_cap || a.entries_cap > MCS_LIST_MAX || a.nr ||
	    a.entry_size || a.reserved0)
		return -EINVAL;
	uent = u64_to_user_ptr(a.entries);
	ret = mcs_access_begin();
	if (ret)
		return ret;
	ret = mcs_state.region ? 0 : -ENOMEDIUM;
	while (!ret && a.nr < a.entries_cap) {
		ret = mcs_list_next(mcs_state.region, a.what, &a.cursor, &e);
		if (!ret && copy_to_user(&uent[a.nr++], &e, sizeof(e)))
			ret = -EFAULT;
	}
	mcs_access_end();
	if (ret && ret != -ENOENT)
		return ret;
	a.entry_size = sizeof(e);
	return MCS_ABI_COPY_OUT(uarg, a);
}

/* Usage and limits (uapi.md, "Limits"); a joined node's region. */
static int mcs_ctl_limit(void __user *uarg)
{
	struct mcs_ctl_limit a;
	struct gmm_usage u;
	struct gmm_region *r;
	int ret;

	BUILD_BUG_ON(MCS_LIMIT_KINDS != GMM_USAGE_KINDS);
	BUILD_BUG_ON(MCS_LIMIT_ALL != GMM_USAGE_ALL);
	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_LIMIT_SIZE_VER0,
			      MCS_LIMIT_SET | MCS_LIMIT_NEXT);
	if (ret)
		return ret;
	if ((a.flags & MCS_LIMIT_SET && a.flags & MCS_LIMIT_NEXT) ||
	    (!(a.flags & MCS_LIMIT_SET) && !mcs_zero(a.set, sizeof(a.set))) ||
	    (!(a.flags & MCS_LIMIT_NEXT) && a.cursor) ||
	    (a.flags & MCS_LIMIT_NEXT && a.uid) ||
	    !mcs_zero(a.limit, sizeof(a) - offsetof(struct mcs_ctl_limit, limit)))
		return -EINVAL;
	ret = mcs_ctl_enter_joined();
	if (ret)
		return ret;
	r = mcs_state.region;
	if (a.flags & MCS_LIMIT_SET)
		ret = gmm_usage_set_limit(r, a.uid, a.set);
	if (!ret && a.flags & MCS_LIMIT_NEXT)
		ret = gmm_usage_list(r, &a.cursor, &u);
	else if (!ret)
		gmm_usage_get(r, a.uid, &u);
	gmm_usage_builtin_limits(r, a.builtin);
	mcs_access_end();
	if (ret)
		return ret;
	a.uid = u.owner;
	memcpy(a.limit, u.limit, sizeof(a.limit));
	memcpy(a.used, u.used, sizeof(a.used));
	memcpy(a.own, u.own_limit, sizeof(a.own));
	return MCS_ABI_COPY_OUT(uarg, a);
}

static long mcs_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (MCS_IOC_CMD(cmd)) {
	case MCS_IOC_CMD(MCS_CTL_FORMAT):
		ret = mcs_ctl_format(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_JOIN):
		ret = mcs_ctl_join(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_NODE_DOWN):
		ret = mcs_ctl_node_down(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_RECOVER):
		ret = mcs_ctl_recover(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_FREEZE):
		ret = mcs_ctl_freeze(uarg, true);
		break;
	case MCS_IOC_CMD(MCS_CTL_THAW):
		ret = mcs_ctl_freeze(uarg, false);
		break;
	case MCS_IOC_CMD(MCS_CTL_STATUS):
		ret = mcs_ctl_status(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_CHECK):
		ret = mcs_ctl_check(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_LIST):
		ret = mcs_ctl_list(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_DAEMON):
		ret = mcs_ctl_daemon(file, uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_HEARTBEAT):
		ret = mcs_ctl_heartbeat(file, uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_LEAVE):
		ret = mcs_ctl_leave(file, uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_LIMIT):
		ret = mcs_ctl_limit(uarg);
		break;
	case MCS_IOC_CMD(MCS_CTL_KEY):
		ret = mcs_ctl_key(uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	return ret;
}

static int mcs_ctl_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static int mcs_ctl_release(struct inode *inode, struct file *file)
{
	mcs_ctl_daemon_closed(file);
	return 0;
}

static const struct file_operations mcs_ctl_fops = {
	.owner = THIS_MODULE,
	.open = mcs_ctl_open,
	.release = mcs_ctl_release,
	.unlocked_ioctl = mcs_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice mcs_ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mcs-control",
	.fops = &mcs_ctl_fops,
	.mode = 0600,
};

int mcs_control_init(void)
{
	/* The uapi node states are the fabric's. */
	BUILD_BUG_ON(MCS_NODE_ABSENT != GMM_NODE_ABSENT);
	BUILD_BUG_ON(MCS_NODE_ALIVE != GMM_NODE_ALIVE);
	BUILD_BUG_ON(MCS_NODE_DOWN != GMM_NODE_DOWN);
	BUILD_BUG_ON(MCS_NODE_RECOVERING != GMM_NODE_RECOVERING);
	BUILD_BUG_ON(MCS_NODE_CLEAN != GMM_NODE_CLEAN);
	/* So are the types and lock states LIST reports. */
	BUILD_BUG_ON(MCS_NAME_T_SEGMENT != GNS_TYPE_SEGMENT);
	BUILD_BUG_ON(MCS_NAME_T_LOCK != GNS_TYPE_LOCK);
	BUILD_BUG_ON(MCS_NAME_T_EVENT != GNS_TYPE_EVENT);
	BUILD_BUG_ON(MCS_SYNC_T_MUTEX != GSYNC_MUTEX);
	BUILD_BUG_ON(MCS_SYNC_T_EVENT_MANUAL != GSYNC_EVENT_MANUAL);
	BUILD_BUG_ON(MCS_SYNC_T_EVENT_AUTO != GSYNC_EVENT_AUTO);
	BUILD_BUG_ON(MCS_LOCK_CONSISTENT != GLOCK_CONSISTENT);
	BUILD_BUG_ON(MCS_LOCK_OWNERDEAD != GLOCK_OWNERDEAD);
	BUILD_BUG_ON(MCS_LOCK_NOTRECOVERABLE != GLOCK_NOTRECOVERABLE);
	BUILD_BUG_ON(MCS_OWNER_ABANDONED != GLOCK_NODE_ABANDONED);
	BUILD_BUG_ON(sizeof(((struct mcs_list_entry *)0)->name) <= GNS_NAME_MAX);
	return misc_register(&mcs_ctl_dev);
}

void mcs_control_exit(void)
{
	misc_deregister(&mcs_ctl_dev);
}
