// SPDX-License-Identifier: GPL-2.0
/*
 * test_recovery - proves that gmm survives the death of a node, in-process
 * and deterministically:
 *
 *   - membership rules: join twice (-EALREADY), join an alive node
 *     (-EBUSY), join while recovery is pending (-EAGAIN), node_down with a
 *     wrong incarnation (-ESTALE), recover an alive node (-EBUSY), recover
 *     oneself (-EINVAL), recovery already claimed by a live node
 *     (-EINPROGRESS) and continued by its claimer;
 *   - recovery removes the dead node's sharers, frees destroyed segments
 *     it was the last sharer of, takes its partition over when the memory
 *     survived, revokes (and reports through the callback) the segments
 *     homed on a partition whose memory was lost, rebuilds a master copy
 *     that was on a dead node's partition (and the rebuilt copy is
 *     complete), and a node that rejoins after a loss gets its partition
 *     back empty, in a new generation;
 *   - the crash-point matrix: for every crash point and every operation
 *     that can reach it (alloc, an alloc that aborts, acquire, release,
 *     the last release of a destroyed segment, destroy with and without
 *     sharers, an operation that takes a dead node's lock over, recovery
 *     itself, rejoin after loss, and an application's global mutex held
 *     by the victim that recovery breaks; each with the victim's memory kept and
 *     lost), the victim node "dies" exactly at that instruction (the crash
 *     hook siglongjmps out of the core, leaving the fabric as a dead node
 *     leaves it), survivors recover, gmm_check() finds nothing, the
 *     operation is visible if and only if it had committed, and the victim
 *     rejoins with a new incarnation. Every crash point must be hit.
 *
 * The "regression:" tests reproduce defects found and fixed in
 * drivers/gmm; the comment above each says what went wrong.
 */
#include <setjmp.h>

#include "unit.h"
#include "gmm/gmm_internal.h"
#include "os/crashpoint.h"

#define BIG 70 /* pages: a run always spans two bitmap words */

/* ---- partitions and segments ---- */

static struct gmm_part_info part_info(u32 p)
{
	struct gmm_part_info pi;

	CU_ASSERT_FATAL(gmm_part_info(obs, p, &pi) == 0);
	return pi;
}

static struct gmm_seg_info lookup(u64 gid, int *ret)
{
	struct gmm_seg_info si;

	memset(&si, 0, sizeof(si));
	*ret = gmm_lookup(obs, gid, &si);
	return si;
}

/* ---- the revoked callback ---- */

static u64 revoked[1024];
static u32 nrevoked;

static void on_revoked(void *arg, u64 gid)
{
	(void)arg;
	if (nrevoked < ARRAY_SIZE(revoked))
		revoked[nrevoked++] = gid;
}

static u32 times_revoked(u64 gid)
{
	u32 i, n = 0;

	for (i = 0; i < nrevoked; i++)
		n += revoked[i] == gid;
	return n;
}

static struct gmm_recovery_report new_report(void)
{
	return (struct gmm_recovery_report){ .revoked = on_revoked };
}

/* ---- dying at a crash point (unit_crash_hook(), unit.h) ---- */

static int op_ret;

typedef int (*op_fn)(void *);

/*
 * Run @fn with crash point @cp armed. Returns true if the caller "died"
 * there: the core was left exactly where it was, locks held and entries
 * pending. Otherwise op_ret holds what @fn returned.
 */
static bool run_armed(int cp, op_fn fn, void *arg)
{
	armed_cp = cp;
	passed_commit = false;
	op_ret = -12345;
	if (sigsetjmp(crash_env, 0))
		return true;
	armed = true;
	op_ret = fn(arg);
	armed = false;
	return false;
}

struct op {
	struct gmm_region *r;
	u64 gid;
	u64 size;
	int place;
	u32 pid;
	u32 node;
	struct gmm_recovery_report *rep;
};

static int do_alloc(void *a)
{
	struct op *o = a;

	return gmm_alloc(o->r, o->gid, o->size, o->place, o->pid, NULL);
}

static int do_acquire(void *a)
{
	struct op *o = a;

	return gmm_acquire(o->r, o->gid, o->pid, NULL);
}

static int do_release(void *a)
{
	struct op *o = a;

	return gmm_release(o->r, o->gid, o->pid, GMM_SHARER_ANY);
}

static int do_destroy(void *a)
{
	struct op *o = a;

	return gmm_destroy(o->r, o->gid);
}

static int do_recover(void *a)
{
	struct op *o = a;

	return unit_recover(o->r, o->node, o->rep);
}

static int do_join(void *a)
{
	struct op *o = a;

	return gmm_node_join(o->r, o->node);
}

/* ================= membership and recovery semantics ================= */

static void test_join_errors(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };
	struct gmm_region *x;
	struct op o;
	u32 inc1;

	unit_setup_with(16 * MiB, &fp, 0x7); /* node 3 never joins */
	ASSERT_EQ(gmm_node_join(h[0], 0), -EALREADY);
	ASSERT_EQ(gmm_node_join(h[0], 3), -EALREADY);
	ASSERT_EQ(gmm_self_node(h[1]), 1);
	inc1 = gmm_self_incarnation(h[1]);
	ASSERT_EQ(inc1, 1);
	ASSERT_EQ(unit_node_info(1).state, GMM_NODE_ALIVE);
	ASSERT_EQ(unit_node_info(1).incarnation, inc1);

	CU_ASSERT_FATAL(gmm_attach(omap, fab.size, &x) == 0);
	ASSERT_EQ(gmm_node_join(x, 1), -EBUSY);
	ASSERT_EQ(gmm_node_join(x, NODES), -EINVAL);
	ASSERT_EQ(gmm_node_join(x, 200), -EINVAL);
	ASSERT_EQ(gmm_self_node(x), GMM_OBSERVER_NODE);

	/* Down, not recovered: no rejoin yet. */
	unit_node_dies(1, false);
	ASSERT_EQ(unit_node_info(1).state, GMM_NODE_DOWN);
	ASSERT_EQ(gmm_node_join(x, 1), -EAGAIN);

	/* Recovering: node 2 claimed the recovery and has not finished. */
	o = (struct op){ .r = h[2], .node = 1 };
	CU_ASSERT(run_armed(MCS_CP_RECOVERY_CLAIMED, do_recover, &o));
	ASSERT_EQ(unit_node_info(1).state, GMM_NODE_RECOVERING);
	ASSERT_EQ(unit_node_info(1).recoverer, 2);
	ASSERT_EQ(gmm_node_join(x, 1), -EAGAIN);
	ASSERT_EQ(member_recover(h[0], 1, NULL), -EINPROGRESS);
	/* The claimer carries on where it stopped. */
	ASSERT_EQ(member_recover(h[2], 1, NULL), 0);
	ASSERT_EQ(unit_node_info(1).state, GMM_NODE_CLEAN);
	ASSERT_EQ(gmm_node_join(x, 1), 0);
	ASSERT_EQ(gmm_self_incarnation(x), inc1 + 1);
	ASSERT_EQ(unit_node_info(1).state, GMM_NODE_ALIVE);
	ASSERT_EQ(unit_node_info(1).incarnation, inc1 + 1);
	ASSERT_EQ(part_info(1).manager, 1);
	h[1] = x;
	nmap[1] = NULL; /* x lives on the observer's mapping */

	/* A node that never joined may join. */
	unit_node_up(3);
	ASSERT_EQ(gmm_self_incarnation(h[3]), 1);
	unit_finish();
}

static void test_node_down_errors(void)
{
	u32 inc;

	unit_setup();
	unit_node_forget(3);
	inc = unit_node_info(3).incarnation;
	ASSERT_EQ(gmm_node_down(obs, NODES, 1, false), -EINVAL);
	ASSERT_EQ(gmm_node_down(obs, 3, inc + 1, false), -ESTALE);
	ASSERT_EQ(gmm_node_down(obs, 3, inc - 1, false), -ESTALE);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_ALIVE);
	ASSERT_EQ(gmm_node_down(obs, 3, inc, false), 0);
	ASSERT_EQ(gmm_node_down(h[0], 3, inc, false), 0); /* idempotent */
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_DOWN);
	ASSERT_EQ(member_recover(h[0], 3, NULL), 0);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_CLEAN);
	ASSERT_EQ(gmm_node_down(obs, 3, inc, false), 0);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_CLEAN);
	unit_node_up(3);
	ASSERT_EQ(gmm_node_down(obs, 3, inc, false), -ESTALE);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_ALIVE);
	unit_finish();

	/* A node that never joined cannot die. */
	{
		struct gmm_format_params fp = { .nr_parts = NODES };

		unit_setup_with(16 * MiB, &fp, 0x3);
		ASSERT_EQ(gmm_node_down(obs, 2, 0, false), -ENOENT);
		ASSERT_EQ(gmm_node_down(obs, 2, 1, true), -ENOENT);
		ASSERT_EQ(part_info(2).state, GMM_PART_ONLINE);
		unit_finish();
	}
}

static void test_recover_errors(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };
	struct gmm_recovery_report rep = { 0 };

	unit_setup_with(16 * MiB, &fp, 0x7);
	ASSERT_EQ(unit_recover(h[0], 1, &rep), -EBUSY);
	ASSERT_EQ(unit_recover(h[0], 0, &rep), -EINVAL);
	ASSERT_EQ(unit_recover(h[0], NODES, &rep), -EINVAL);
	ASSERT_EQ(unit_recover(obs, 1, &rep), -ENOTCONN);
	/* Nothing to do for a node that never joined. */
	ASSERT_EQ(unit_recover(h[0], 3, &rep), 0);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_ABSENT);
	unit_node_dies(2, false);
	ASSERT_EQ(member_recover(h[1], 2, NULL), 0);
	/* A second recovery of a clean node does nothing. */
	rep = (struct gmm_recovery_report){ 0 };
	ASSERT_EQ(unit_recover(h[0], 2, &rep), 0);
	ASSERT_EQ(rep.sharers_removed + rep.txns_rolled_back +
		  rep.txns_rolled_forward + rep.sections_freed +
		  rep.sections_revoked + rep.master_copies_rebuilt, 0);
	ASSERT_EQ(part_info(2).manager, 1);
	unit_finish();
}

static void test_recover_sharers_and_destroyed(void)
{
	struct gmm_recovery_report rep = new_report();
	struct gmm_seg_info si, ci;
	u32 free0, free1;
	int ret;

	unit_setup();
	free1 = part_info(1).free_pages;
	ASSERT_EQ(gmm_alloc(h[0], 1, PG, 0, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[0], 2, PG, 1, 1, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[2], 1, 1, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[2], 1, 2, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[2], 2, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[2], 3, 4 * PG, GMM_PLACE_NEAREST, 1, &ci), 0);
	ASSERT_EQ(ci.part, 2);
	unit_fill(gmm_seg_ptr(h[2], &ci), ci.size, 3);
	free0 = part_info(0).free_pages;
	/* Destroyed while node 2 still shares it. */
	ASSERT_EQ(gmm_alloc(h[0], 4, BIG * PG, 0, 1, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[2], 4, 1, NULL), 0);
	ASSERT_EQ(gmm_release(h[0], 4, 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_destroy(h[0], 4), 0);
	ASSERT_EQ(part_info(0).free_pages, free0 - BIG);
	ASSERT_CLEAN(obs);

	unit_node_dies(2, false);
	/* Until recovered, the dead node's shares are still counted. */
	si = lookup(1, &ret);
	ASSERT_EQ(si.nr_sharers, 3);
	ASSERT_EQ(unit_recover(h[1], 2, &rep), 0);
	ASSERT_EQ(rep.node, 2);
	ASSERT_EQ(rep.incarnation, 1);
	ASSERT_EQ(rep.sharers_removed, 5);
	ASSERT_EQ(rep.sections_freed, 1);
	ASSERT_EQ(rep.sections_revoked, 0);
	ASSERT_EQ(rep.txns_rolled_back + rep.txns_rolled_forward, 0);
	ASSERT_EQ(rep.partition_taken_over, true);
	ASSERT_EQ(unit_node_info(2).state, GMM_NODE_CLEAN);
	ASSERT_CLEAN(obs);

	si = lookup(1, &ret);
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(si.nr_sharers, 1);
	si = lookup(2, &ret);
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(si.nr_sharers, 1);
	ASSERT_EQ(part_info(1).free_pages, free1 - 1);
	/* Its own segment outlives it (not destroyed), with no sharer. */
	si = lookup(3, &ret);
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(si.nr_sharers, 0);
	ASSERT_EQ(si.part, 2);
	lookup(4, &ret);
	ASSERT_EQ(ret, -ENOENT);
	ASSERT_EQ(part_info(0).free_pages, free0);

	/* Partition 2 survived: node 1 manages it, its memory is intact. */
	ASSERT_EQ(part_info(2).manager, 1);
	ASSERT_EQ(part_info(2).state, GMM_PART_ONLINE);
	ASSERT_EQ(part_info(2).generation, 1);
	ASSERT_EQ(gmm_acquire(h[0], 3, 5, &si), 0);
	ASSERT_EQ(unit_verify(gmm_seg_ptr(h[0], &si), si.size, 3), 0);
	ASSERT_EQ(gmm_alloc(h[3], 5, PG, 2, 1, &si), 0);
	ASSERT_EQ(si.part, 2);

	/* Node 2 comes back: its partition, as it was, under its management. */
	unit_node_up(2);
	ASSERT_EQ(gmm_self_incarnation(h[2]), 2);
	ASSERT_EQ(part_info(2).manager, 2);
	ASSERT_EQ(part_info(2).generation, 1);
	ASSERT_EQ(part_info(2).sections_used, 2);
	ASSERT_EQ(gmm_acquire(h[2], 3, 1, &si), 0);
	ASSERT_EQ(unit_verify(gmm_seg_ptr(h[2], &si), si.size, 3), 0);
	ASSERT_EQ(si.nr_sharers, 2);
	unit_finish();
}

static void test_recover_lost_partition(void)
{
	struct gmm_recovery_report rep = new_report();
	struct gmm_seg_info si;
	u64 gen;
	int ret;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[2], 11, PG, 2, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[2], 12, BIG * PG, 2, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[0], 13, 2 * PG, 2, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[2], 14, PG, 0, 1, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[0], 11, 1, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[1], 12, 1, NULL), 0);
	gen = part_info(2).generation;

	unit_node_dies(2, true);
	ASSERT_EQ(part_info(2).state, GMM_PART_LOST);
	ASSERT_EQ(unit_node_info(2).memory_lost, true);
	/* Its segments are unreachable at once. */
	lookup(11, &ret);
	ASSERT_EQ(ret, -ENXIO);
	ASSERT_EQ(gmm_acquire(h[1], 13, 1, &si), -ENXIO);
	ASSERT_EQ(gmm_release(h[0], 11, 1, GMM_SHARER_ANY), -ENXIO);
	ASSERT_EQ(gmm_destroy(h[0], 13), -ENXIO);
	/* Nothing is placed there any more. */
	ASSERT_EQ(gmm_alloc(h[0], 15, PG, 2, 1, &si), 0);
	CU_ASSERT(si.part != 2);

	nrevoked = 0;
	ASSERT_EQ(unit_recover(h[3], 2, &rep), 0);
	ASSERT_EQ(rep.sections_revoked, 3);
	ASSERT_EQ(nrevoked, 3);
	ASSERT_EQ(times_revoked(11), 1);
	ASSERT_EQ(times_revoked(12), 1);
	ASSERT_EQ(times_revoked(13), 1);
	ASSERT_EQ(rep.partition_taken_over, false);
	/* Its sharer of a segment elsewhere is gone, the segment stays. */
	ASSERT_EQ(rep.sharers_removed, 1);
	si = lookup(14, &ret);
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(si.nr_sharers, 0);
	ASSERT_CLEAN(obs);
	lookup(11, &ret);
	ASSERT_EQ(ret, -ENOENT);
	lookup(13, &ret);
	ASSERT_EQ(ret, -ENOENT);
	ASSERT_EQ(gmm_release(h[0], 11, 1, GMM_SHARER_ANY), -ENOENT);
	ASSERT_EQ(gmm_release(h[1], 12, 1, GMM_SHARER_ANY), -ENOENT);
	ASSERT_EQ(gmm_destroy(h[0], 13), -ENOENT);
	/* The GIDs are free again. */
	ASSERT_EQ(gmm_alloc(h[0], 13, PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 0);
	ASSERT_EQ(part_info(2).state, GMM_PART_LOST);

	/* Rejoin: an empty partition in a new generation. */
	unit_node_up(2);
	{
		struct gmm_part_info pi = part_info(2);

		ASSERT_EQ(pi.state, GMM_PART_ONLINE);
		ASSERT_EQ(pi.generation, gen + 1);
		ASSERT_EQ(pi.manager, 2);
		ASSERT_EQ(pi.free_pages, geo.part_data_pages);
		ASSERT_EQ(pi.sections_used, 0);
	}
	ASSERT_EQ(unit_node_info(2).memory_lost, false);
	ASSERT_CLEAN(obs);
	ASSERT_EQ(gmm_alloc(h[2], 12, 3 * PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 2);
	ASSERT_EQ(si.generation, gen + 1);
	unit_finish();
}

static u32 master_holders(bool primary)
{
	u32 p, mask = 0;

	for (p = 0; p < geo.nr_parts; p++) {
		struct gmm_part_info pi = part_info(p);

		if (primary ? pi.master_primary : pi.master_replica)
			mask |= 1U << p;
	}
	return mask;
}

static void test_rebuild_master(void)
{
	struct gmm_recovery_report rep = new_report();
	u32 i, pm, rm, p, inc;
	int ret;

	unit_setup();
	ASSERT_EQ(master_holders(true), 1U << 0);
	ASSERT_EQ(master_holders(false), 1U << 1);
	for (i = 1; i <= 40; i++)
		ASSERT_EQ(gmm_alloc(h[2 + i % 2], i, PG, GMM_PLACE_NEAREST, 1, NULL), 0);

	/* The replica's node dies, memory kept: the replica stays usable. */
	inc = unit_node_info(1).incarnation;
	unit_node_dies(1, false);
	ASSERT_EQ(unit_recover(h[2], 1, &rep), 0);
	ASSERT_EQ(rep.master_copies_rebuilt, 0);
	ASSERT_EQ(master_holders(true), 1U << 0);
	ASSERT_EQ(master_holders(false), 1U << 1);
	ASSERT_CLEAN(obs);

	/* Its memory is found lost later: recovery runs again, it moves. */
	rep = new_report();
	ASSERT_EQ(gmm_node_down(obs, 1, inc, true), 0);
	ASSERT_EQ(unit_node_info(1).state, GMM_NODE_DOWN);
	ASSERT_EQ(unit_recover(h[2], 1, &rep), 0);
	ASSERT_EQ(rep.master_copies_rebuilt, 1);
	pm = master_holders(true);
	rm = master_holders(false);
	ASSERT_EQ(pm, 1U << 0);
	CU_ASSERT(rm == (1U << 2) || rm == (1U << 3));
	ASSERT_CLEAN(obs);

	/* The primary's node dies with its memory: rebuilt from the replica. */
	rep = new_report();
	unit_node_dies(0, true);
	ASSERT_EQ(unit_recover(h[3], 0, &rep), 0);
	ASSERT_EQ(rep.master_copies_rebuilt, 1);
	pm = master_holders(true);
	rm = master_holders(false);
	CU_ASSERT((pm | rm) == ((1U << 2) | (1U << 3)));
	CU_ASSERT(pm != rm);
	ASSERT_CLEAN(obs);
	for (i = 1; i <= 40; i++) {
		lookup(i, &ret);
		ASSERT_EQ(ret, 0);
	}

	/*
	 * Both copies are now rebuilt ones. Nodes 0 and 1 come back; the
	 * primary's node then dies with its memory, so every lookup goes to
	 * the other rebuilt copy: it must be complete.
	 */
	unit_node_up(0);
	unit_node_up(1);
	ASSERT_EQ(gmm_alloc(h[0], 41, PG, GMM_PLACE_NEAREST, 1, NULL), 0);
	for (p = 0; !(pm & (1U << p)); p++)
		;
	unit_node_dies((int)p, true);
	ASSERT_EQ(member_recover(h[p == 2 ? 3 : 2], p, NULL), 0);
	ASSERT_CLEAN(obs);
	for (i = 1; i <= 41; i++) {
		struct gmm_seg_info si = lookup(i, &ret);

		if (i <= 40 && 2 + i % 2 == p)
			ASSERT_EQ(ret, -ENOENT); /* revoked with partition p */
		else
			ASSERT_EQ(ret, 0);
		if (!ret)
			ASSERT_EQ(si.gid, i);
	}
	CU_ASSERT(!(master_holders(true) & (1U << p)));
	CU_ASSERT(!(master_holders(false) & (1U << p)));
	unit_node_up((int)p);
	unit_finish();
}

/*
 * Recovery that is interrupted and then finished by another node, also
 * when the first recoverer survives (it was only slow): -EINPROGRESS for
 * others, and the claimer may finish.
 */
static void test_recovery_restart(void)
{
	struct op o;
	int ret;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[3], 1, PG, 3, 1, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[3], 1, 2, NULL), 0);
	unit_node_dies(3, false);
	/* Node 1 stops halfway through stage 1 and dies there. */
	o = (struct op){ .r = h[1], .node = 3 };
	CU_ASSERT(run_armed(MCS_CP_RECOVERY_SHARERS_HALF, do_recover, &o));
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_RECOVERING);
	unit_node_dies(1, false);
	ASSERT_EQ(member_recover(h[0], 3, NULL), 0);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_CLEAN);
	ASSERT_EQ(member_recover(h[0], 1, NULL), 0);
	ASSERT_CLEAN(obs);
	{
		struct gmm_seg_info si = lookup(1, &ret);

		ASSERT_EQ(ret, 0);
		ASSERT_EQ(si.nr_sharers, 0);
	}
	ASSERT_EQ(part_info(3).manager, 0);
	unit_node_up(1);
	unit_node_up(3);
	unit_finish();
}

/* ========================= regressions ========================= */

/*
 * Regression (fixed in drivers/gmm/recover.c, gmm_recover_master(), "nowhere better: keep
 * it where it is"; drivers/gmm/node.c, gmm_node_join()/
 * gmm_reformat_partition()): when no other usable partition exists, a
 * master copy stays on a lost partition. While the partition is lost,
 * gmm_master_write()/gmm_master_tag() skip that copy, so it goes stale;
 * when the node rejoins, gmm_reformat_partition() resets only the section,
 * sharer and bitmap areas and puts the partition back ONLINE, and the stale
 * copy is used again as a master copy: primary and replica disagree (and a
 * later loss of the other copy would lose or resurrect segments).
 */
static void test_regression_master_copy_on_rejoined_partition(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };
	int ret;

	unit_setup_with(16 * MiB, &fp, 0x3); /* only nodes 0 and 1 */
	ASSERT_EQ(gmm_alloc(h[0], 1, PG, 0, 1, NULL), 0);
	unit_node_dies(1, true); /* the replica's node, memory lost */
	ASSERT_EQ(member_recover(h[0], 1, NULL), 0);
	/* Changes while the replica is unreachable. */
	ASSERT_EQ(gmm_alloc(h[0], 2, PG, 0, 1, NULL), 0);
	ASSERT_EQ(gmm_release(h[0], 1, 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_destroy(h[0], 1), 0);
	unit_node_up(1);
	ASSERT_CLEAN(obs);
	/* And if node 0 now loses its memory, node 1's copy is all there is. */
	unit_node_dies(0, true);
	ASSERT_EQ(member_recover(h[1], 0, NULL), 0);
	lookup(1, &ret);
	ASSERT_EQ(ret, -ENOENT);
	unit_node_up(0);
	unit_finish();
}

/*
 * Regression (fixed in drivers/gmm/recover.c, gmm_recover_revoke()): the revoked callback
 * is the only way users learn that a segment was lost. Revoke tags every
 * entry of a stripe, commits, then settles and reports them one by one. If
 * the recovering node dies after reporting the first, the other committed
 * entries of that stripe are settled forward by lock repair (repair.c) and
 * the restarted recovery finds nothing left to revoke: those segments are
 * never reported by anyone.
 */
static void test_regression_revoke_report_lost_on_restart(void)
{
	struct gmm_recovery_report rep1 = new_report(), rep2 = new_report(),
				   rep3 = new_report();
	u64 g[3], x;
	u32 k = 0, i;
	struct op o;

	unit_setup();
	for (x = 1; k < 3; x++)
		if (gmm_stripe_of(x) == gmm_stripe_of(1))
			g[k++] = x;
	for (i = 0; i < 3; i++)
		ASSERT_EQ(gmm_alloc(h[2], g[i], PG, 2, 1, NULL), 0);
	unit_node_dies(2, true);
	nrevoked = 0;
	o = (struct op){ .r = h[1], .node = 2, .rep = &rep1 };
	CU_ASSERT(run_armed(MCS_CP_RECOVERY_REVOKE_HALF, do_recover, &o));
	unit_node_dies(1, false);
	ASSERT_EQ(unit_recover(h[3], 1, &rep2), 0);
	ASSERT_EQ(unit_recover(h[3], 2, &rep3), 0);
	ASSERT_CLEAN(obs);
	for (i = 0; i < 3; i++) {
		if (times_revoked(g[i]) != 1)
			fprintf(stderr, "    gid %" PRIu64 " reported %u times\n",
				g[i], times_revoked(g[i]));
		ASSERT_EQ(times_revoked(g[i]), 1);
	}
	unit_node_up(1);
	unit_node_up(2);
	unit_finish();
}

/*
 * Regression (fixed in drivers/gmm/recover.c, gmm_recovery_finish(), the final mcs_cas64() on the
 * node word): its result is ignored. If the node word changes while
 * recovery runs -- gmm_node_down(..., memory_lost=true) adds GMM_NW_LOST
 * when membership learns later that the memory is gone too -- the CAS
 * fails, recovery still returns 0, and the node stays RECOVERING for
 * good: it can never rejoin (-EAGAIN), other nodes get -EINPROGRESS, and
 * gmm_check() reports "dead but not recovered".
 */
static u32 late_loss_inc;

static void late_loss(void)
{
	ASSERT_EQ(gmm_node_down(obs, 2, late_loss_inc, true), 0);
}

static void test_regression_loss_reported_during_recovery(void)
{
	int ret;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[2], 1, PG, 2, 1, NULL), 0);
	late_loss_inc = unit_node_info(2).incarnation;
	unit_node_dies(2, false);
	armed_action = late_loss;
	armed_cp = MCS_CP_RECOVERY_SHARERS;
	armed = true;
	ret = member_recover(h[1], 2, NULL);
	armed = false;
	armed_action = NULL;
	/* Success must mean recovered; an error may ask for another try. */
	if (ret)
		ASSERT_EQ(member_recover(h[1], 2, NULL), 0);
	ASSERT_EQ(unit_node_info(2).state, GMM_NODE_CLEAN);
	ASSERT_EQ(unit_node_info(2).memory_lost, true);
	ASSERT_EQ(member_recover(h[0], 2, NULL), 0);
	ASSERT_CLEAN(obs);
	lookup(1, &ret);
	ASSERT_EQ(ret, -ENOENT);
	/* Let the test end cleanly whatever happened above. */
	if (unit_node_info(2).state != GMM_NODE_CLEAN)
		member_recover(h[1], 2, NULL);
	unit_node_up(2);
	unit_finish();
}

/*
 * Regression (fixed in drivers/gmm/node.c, gmm_node_down()): memory_lost is accepted for
 * a node that is already CLEAN (its partition survived and was taken
 * over). The partition becomes LOST but nothing revokes the segments homed
 * there -- recovery has nothing to do for a clean node -- so the
 * master table points into a lost partition: gmm_check() reports
 * violations and, after the node rejoins and its partition is reformatted,
 * master entries name sections that no longer exist.
 */
static void test_regression_loss_after_recovery(void)
{
	u32 inc;
	int ret;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[2], 1, PG, 2, 1, NULL), 0);
	inc = unit_node_info(2).incarnation;
	unit_node_dies(2, false);
	ASSERT_EQ(member_recover(h[1], 2, NULL), 0);
	ret = gmm_node_down(obs, 2, inc, true);
	if (ret == 0) {
		ASSERT_EQ(member_recover(h[1], 2, NULL), 0);
		ASSERT_CLEAN(obs);
		lookup(1, &ret);
		ASSERT_EQ(ret, -ENOENT);
	}
	unit_node_up(2);
	ASSERT_CLEAN(obs);
	unit_finish();
}

/*
 * Regression (fixed in drivers/gmm/recover.c, gmm_recover_partition()): only the dead
 * node's own partition is taken over. A partition it was managing for an
 * earlier dead node keeps a dead manager for good (until that node
 * rejoins), so no live node manages it.
 */
static void test_regression_managed_partition_orphaned(void)
{
	unit_setup();
	unit_node_dies(3, false);
	ASSERT_EQ(member_recover(h[1], 3, NULL), 0);
	ASSERT_EQ(part_info(3).manager, 1);
	unit_node_dies(1, false);
	ASSERT_EQ(member_recover(h[0], 1, NULL), 0);
	ASSERT_EQ(part_info(1).manager, 0);
	CU_ASSERT(part_info(3).manager == 0 || part_info(3).manager == 2);
	if (part_info(3).manager == 1)
		fprintf(stderr, "    partition 3 is still managed by dead node 1\n");
	unit_node_up(1);
	unit_node_up(3);
	unit_finish();
}

/* ========================= the crash-point matrix ========================= */

static const char *m_op;
static int m_cp;
static bool m_lost;
static u64 m_gid = 1ULL << 32;
static unsigned int m_hits[MCS_CP_COUNT];
static unsigned int m_scenarios, m_crashes;

#define M_EQ(a, b)                                                         \
	do {                                                               \
		long long me_a_ = (long long)(a), me_b_ = (long long)(b);  \
		if (me_a_ != me_b_)                                        \
			fprintf(stderr, "    [%s at %s, memory %s] %s:%d: %s == %lld, expected %lld\n", \
				m_op, mcs_crash_point_names[m_cp],         \
				m_lost ? "lost" : "kept", __FILE__, __LINE__, \
				#a, me_a_, me_b_);                         \
		CU_ASSERT(me_a_ == me_b_);                                 \
	} while (0)

static void m_clean(int line)
{
	int ret;
	struct gmm_check_report rep = unit_check(obs, &ret);

	if (ret || rep.violations)
		fprintf(stderr, "    [%s at %s, memory %s] line %d: gmm_check %d, %u violations\n",
			m_op, mcs_crash_point_names[m_cp],
			m_lost ? "lost" : "kept", line, ret, rep.violations);
	CU_ASSERT(ret == 0 && rep.violations == 0);
}
#define M_CLEAN() m_clean(__LINE__)

static u64 new_gid(void)
{
	return ++m_gid;
}

static u64 new_gid_in_stripe(u32 stripe)
{
	while (gmm_stripe_of(++m_gid) != stripe)
		;
	return m_gid;
}

static u32 pfree(int p)
{
	return part_info((u32)p).free_pages;
}

static int m_lookup(u64 gid, struct gmm_seg_info *si)
{
	return gmm_lookup(obs, gid, si);
}

/* Recover @n from @by and check the recovery's own results. */
static void m_recover(int by, int n, struct gmm_recovery_report *rep)
{
	M_EQ(unit_recover(h[by], (u32)n, rep), 0);
	M_EQ(unit_node_info(n).state, GMM_NODE_CLEAN);
}

/* Give up every share and GID of a scenario. */
static void m_cleanup(const u64 *gids, int n)
{
	int i, node, ret;
	u32 pid;

	for (i = 0; i < n; i++) {
		for (node = 0; node < NODES; node++)
			for (pid = 1; pid <= 3 && h[node]; pid++)
				while (!gmm_release(h[node], gids[i], pid,
						    GMM_SHARER_ANY))
					;
		ret = gmm_destroy(h[0], gids[i]);
		if (ret && ret != -ENOENT)
			M_EQ(ret, 0);
	}
}

/* Between scenarios: all nodes alive, nothing allocated, all clean. */
static void m_assert_empty(void)
{
	int ret, n;
	struct gmm_check_report rep = unit_check(obs, &ret);

	M_EQ(ret, 0);
	M_EQ(rep.violations, 0);
	M_EQ(rep.segments, 0);
	M_EQ(rep.sharers, 0);
	M_EQ(rep.free_pages, (u64)geo.nr_parts * geo.part_data_pages);
	for (n = 0; n < NODES; n++)
		M_EQ(unit_node_info(n).state, GMM_NODE_ALIVE);
}

/* After a crash that killed @v with memory @lost: recover it from @r. */
static void m_crash_recover(int v, int r, struct gmm_recovery_report *rep)
{
	unit_node_dies(v, m_lost);
	m_recover(r, v, rep);
	M_CLEAN();
}

static void m_rolled(const struct gmm_recovery_report *rep, bool committed)
{
	M_EQ(rep->txns_rolled_forward, committed);
	M_EQ(rep->txns_rolled_back, !committed);
}

static bool scen_alloc(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, ret;
	u64 g = new_gid(), gen = part_info((u32)v).generation;
	struct gmm_recovery_report rep = new_report();
	struct op o = { h[v], g, BIG * PG, v, 1, 0, NULL };
	struct gmm_seg_info si;
	bool died, c;

	died = run_armed(cp, do_alloc, &o);
	if (!died) {
		M_EQ(op_ret, 0);
		M_EQ(m_lookup(g, &si), 0);
		M_EQ(si.part, v);
	} else {
		c = passed_commit;
		nrevoked = 0;
		m_crash_recover(v, r, &rep);
		m_rolled(&rep, c);
		ret = m_lookup(g, &si);
		if (!m_lost) {
			M_EQ(ret, c ? 0 : -ENOENT);
			if (!ret) {
				M_EQ(si.nr_sharers, 0);
				M_EQ(si.part, v);
				M_EQ(si.size, BIG * PG);
			}
			M_EQ(rep.sharers_removed, c);
		} else {
			M_EQ(ret, -ENOENT);
			M_EQ(times_revoked(g), c);
			M_EQ(rep.sections_revoked, c);
		}
		unit_node_up(v);
		M_EQ(part_info((u32)v).generation, gen + m_lost);
	}
	m_cleanup(&g, 1);
	return died;
}

/* An alloc that finds no room anywhere and aborts what it reserved. */
static bool scen_alloc_abort(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, p;
	u64 g[NODES + 1];
	struct gmm_recovery_report rep = new_report();
	struct op o;
	struct gmm_seg_info si;
	bool died;

	for (p = 0; p < NODES; p++) {
		g[p] = new_gid();
		M_EQ(gmm_alloc(h[r], g[p], (u64)(geo.part_data_pages - 40) * PG,
			       p, 1, NULL), 0);
	}
	g[NODES] = new_gid();
	o = (struct op){ h[v], g[NODES], 50 * PG, GMM_PLACE_NEAREST, 1, 0, NULL };
	died = run_armed(cp, do_alloc, &o);
	if (!died) {
		M_EQ(op_ret, -ENOSPC);
	} else {
		M_EQ(passed_commit, false);
		m_crash_recover(v, r, &rep);
		m_rolled(&rep, false);
		unit_node_up(v);
	}
	M_EQ(m_lookup(g[NODES], &si), -ENOENT);
	M_CLEAN();
	m_cleanup(g, NODES + 1);
	return died;
}

static bool scen_acquire(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, s = (k + 2) % NODES;
	u64 g = new_gid();
	struct gmm_recovery_report rep = new_report();
	struct op o = { h[v], g, 0, 0, 2, 0, NULL };
	struct gmm_seg_info si;
	bool died, c;

	M_EQ(gmm_alloc(h[s], g, 5 * PG, s, 1, NULL), 0);
	died = run_armed(cp, do_acquire, &o);
	if (!died) {
		M_EQ(op_ret, 0);
		M_EQ(m_lookup(g, &si), 0);
		M_EQ(si.nr_sharers, 2);
	} else {
		c = passed_commit;
		m_crash_recover(v, r, &rep);
		m_rolled(&rep, c);
		M_EQ(rep.sharers_removed, c);
		M_EQ(m_lookup(g, &si), 0);
		M_EQ(si.nr_sharers, 1);
		unit_node_up(v);
	}
	m_cleanup(&g, 1);
	return died;
}

static bool scen_release(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, s = (k + 2) % NODES;
	u64 g = new_gid();
	struct gmm_recovery_report rep = new_report();
	struct op o = { h[v], g, 0, 0, 2, 0, NULL };
	struct gmm_seg_info si;
	bool died, c;

	M_EQ(gmm_alloc(h[s], g, 5 * PG, s, 1, NULL), 0);
	M_EQ(gmm_acquire(h[v], g, 2, NULL), 0);
	died = run_armed(cp, do_release, &o);
	if (!died) {
		M_EQ(op_ret, 0);
	} else {
		c = passed_commit;
		m_crash_recover(v, r, &rep);
		m_rolled(&rep, c);
		M_EQ(rep.sharers_removed, !c);
		unit_node_up(v);
	}
	M_EQ(m_lookup(g, &si), 0);
	M_EQ(si.nr_sharers, 1);
	m_cleanup(&g, 1);
	return died;
}

/* The last sharer of a destroyed segment releases it: it is freed. */
static bool scen_release_last(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, s = (k + 2) % NODES;
	u64 g = new_gid();
	u32 before = pfree(s);
	struct gmm_recovery_report rep = new_report();
	struct op o = { h[v], g, 0, 0, 2, 0, NULL };
	struct gmm_seg_info si;
	bool died, c;

	M_EQ(gmm_alloc(h[s], g, BIG * PG, s, 1, NULL), 0);
	M_EQ(gmm_acquire(h[v], g, 2, NULL), 0);
	M_EQ(gmm_release(h[s], g, 1, GMM_SHARER_ANY), 0);
	M_EQ(gmm_destroy(h[s], g), 0);
	M_EQ(pfree(s), before - BIG);
	died = run_armed(cp, do_release, &o);
	if (!died) {
		M_EQ(op_ret, 0);
	} else {
		c = passed_commit;
		m_crash_recover(v, r, &rep);
		m_rolled(&rep, c);
		M_EQ(rep.sharers_removed, !c);
		M_EQ(rep.sections_freed, !c);
		unit_node_up(v);
	}
	M_EQ(m_lookup(g, &si), -ENOENT);
	M_EQ(pfree(s), before);
	m_cleanup(&g, 1);
	return died;
}

static bool scen_destroy(int cp, int k, bool shared)
{
	int v = k % NODES, r = (k + 1) % NODES, s = (k + 2) % NODES, ret;
	u64 g = new_gid();
	u32 before = pfree(s);
	struct gmm_recovery_report rep = new_report();
	struct op o = { h[v], g, 0, 0, 0, 0, NULL };
	struct gmm_seg_info si;
	bool died, c = true;

	M_EQ(gmm_alloc(h[s], g, BIG * PG, s, 1, NULL), 0);
	if (!shared)
		M_EQ(gmm_release(h[s], g, 1, GMM_SHARER_ANY), 0);
	died = run_armed(cp, do_destroy, &o);
	if (!died) {
		M_EQ(op_ret, 0);
	} else {
		c = passed_commit;
		m_crash_recover(v, r, &rep);
		m_rolled(&rep, c);
		M_EQ(rep.sections_freed, 0);
		unit_node_up(v);
	}
	ret = m_lookup(g, &si);
	M_EQ(ret, c ? -ENOENT : 0);
	if (!ret) {
		M_EQ(si.destroyed, false);
		M_EQ(si.nr_sharers, shared);
	}
	/* Destroyed with a sharer: the memory stays until it releases. */
	M_EQ(pfree(s), before - (c && !shared ? 0 : BIG));
	if (c && shared) {
		M_EQ(gmm_release(h[s], g, 1, GMM_SHARER_ANY), 0);
		M_EQ(pfree(s), before);
	}
	m_cleanup(&g, 1);
	return died;
}

static bool scen_destroy_unshared(int cp, int k)
{
	return scen_destroy(cp, k, false);
}

static bool scen_destroy_shared(int cp, int k)
{
	return scen_destroy(cp, k, true);
}

/*
 * Node x dies in the middle of an alloc, holding a stripe lock and its
 * partition lock; before anyone recovers it, the victim allocates in the
 * same stripe on x's partition, so it takes both locks over and repairs
 * what x left.
 */
static bool scen_steal(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, x = (k + 2) % NODES, ret;
	u64 gx = new_gid(), g = new_gid_in_stripe(gmm_stripe_of(gx));
	struct gmm_recovery_report rep = new_report();
	struct op o = { h[x], gx, BIG * PG, x, 1, 0, NULL };
	struct gmm_seg_info si;
	bool died, c;
	u64 gids[2] = { gx, g };

	CU_ASSERT(run_armed(MCS_CP_SECTION_TAGGED, do_alloc, &o));
	unit_node_dies(x, false);
	o = (struct op){ h[v], g, BIG * PG, x, 1, 0, NULL };
	died = run_armed(cp, do_alloc, &o);
	if (!died) {
		M_EQ(op_ret, 0);
		M_EQ(m_lookup(g, &si), 0);
		M_EQ(si.part, x);
		m_recover(r, x, NULL);
	} else {
		c = passed_commit;
		unit_node_dies(v, m_lost);
		if (cp % 2) {
			m_recover(r, x, NULL);
			m_recover(r, v, &rep);
		} else {
			m_recover(r, v, &rep);
			m_recover(r, x, NULL);
		}
		m_rolled(&rep, c);
		ret = m_lookup(g, &si);
		M_EQ(ret, c ? 0 : -ENOENT);
		if (!ret)
			M_EQ(si.part, x);
		unit_node_up(v);
	}
	M_CLEAN();
	M_EQ(m_lookup(gx, &si), -ENOENT);
	unit_node_up(x);
	m_cleanup(gids, 2);
	return died;
}

static int primary_node(void)
{
	u32 p;

	for (p = 0; p < geo.nr_parts; p++)
		if (part_info(p).master_primary)
			return (int)p;
	CU_FAIL("no master primary");
	return 0;
}

/*
 * Recovery itself crashes: node x (holding the master primary) dies in the
 * middle of an alloc, with shares, a destroyed segment it was the last
 * sharer of and a segment of its own; the victim recovers x and dies at
 * the crash point; a third node recovers both.
 */
static bool scen_recover(int cp, int k)
{
	int x = primary_node(), v = (x + 1) % NODES, r = (x + 2) % NODES,
	    s = (x + 3) % NODES, ret;
	u64 gs = new_gid(), gx = new_gid(), gd = new_gid(), gc = new_gid();
	u64 gids[4] = { gs, gx, gd, gc }, gen = part_info((u32)x).generation;
	u32 before = pfree(s);
	struct gmm_recovery_report rep1 = new_report(), rep2 = new_report(),
				   rep3 = new_report();
	struct op o;
	struct gmm_seg_info si;
	bool died;

	(void)k;
	M_EQ(gmm_alloc(h[s], gs, 3 * PG, s, 1, NULL), 0);
	M_EQ(gmm_acquire(h[x], gs, 1, NULL), 0);
	M_EQ(gmm_alloc(h[x], gx, 4 * PG, x, 1, &si), 0);
	unit_fill(gmm_seg_ptr(h[x], &si), si.size, gx);
	M_EQ(gmm_acquire(h[s], gx, 1, NULL), 0);
	M_EQ(gmm_alloc(h[s], gd, BIG * PG, s, 2, NULL), 0);
	M_EQ(gmm_acquire(h[x], gd, 2, NULL), 0);
	M_EQ(gmm_release(h[s], gd, 2, GMM_SHARER_ANY), 0);
	M_EQ(gmm_destroy(h[s], gd), 0);
	o = (struct op){ h[x], gc, BIG * PG, x, 3, 0, NULL };
	CU_ASSERT(run_armed(MCS_CP_SECTION_TAGGED, do_alloc, &o));
	unit_node_dies(x, m_lost);

	nrevoked = 0;
	o = (struct op){ .r = h[v], .node = (u32)x, .rep = &rep1 };
	died = run_armed(cp, do_recover, &o);
	if (!died) {
		M_EQ(op_ret, 0);
	} else {
		unit_node_dies(v, false);
		if (cp % 2) {
			m_recover(r, v, &rep2);
			m_recover(r, x, &rep3);
		} else {
			m_recover(r, x, &rep3);
			m_recover(r, v, &rep2);
		}
	}
	M_EQ(unit_node_info(x).state, GMM_NODE_CLEAN);
	M_EQ(member_recover(h[r], (u32)x, NULL), 0);
	M_CLEAN();

	M_EQ(m_lookup(gc, &si), -ENOENT);
	M_EQ(m_lookup(gd, &si), -ENOENT);
	M_EQ(m_lookup(gs, &si), 0);
	M_EQ(si.nr_sharers, 1);
	M_EQ(pfree(s), before - 3);
	ret = m_lookup(gx, &si);
	if (m_lost) {
		M_EQ(ret, -ENOENT);
		M_EQ(times_revoked(gx), 1);
		M_EQ(nrevoked, 1);
	} else {
		M_EQ(ret, 0);
		M_EQ(si.nr_sharers, 1);
		M_EQ(unit_verify(gmm_seg_ptr(obs, &si), si.size, gx), 0);
		M_EQ(nrevoked, 0);
		M_EQ(part_info((u32)x).manager, died ? r : v);
	}
	/* A lost partition holds no master copy any more. */
	if (m_lost) {
		M_EQ(part_info((u32)x).master_primary, false);
		M_EQ(part_info((u32)x).master_replica, false);
	}

	unit_node_up(x);
	if (died)
		unit_node_up(v);
	M_EQ(part_info((u32)x).generation, gen + m_lost);
	if (m_lost)
		M_EQ(part_info((u32)x).sections_used, 0);
	m_cleanup(gids, 4);
	return died;
}

static struct gsync_handle app_mutex;

/* An application's critical section under a global mutex. */
static int do_app_critical(void *a)
{
	struct op *o = a;
	struct gsync_table t;
	int ret;

	gsync_table_of(o->r, &t);
	ret = gsync_mutex_lock(&t, &app_mutex, GSYNC_INFINITE);
	if (ret)
		return ret;
	mcs_crash_point(APP_CRITICAL);
	return gsync_mutex_unlock(&t, &app_mutex);
}

/*
 * A node dies holding an application's global mutex (inside the critical
 * section, or after it took the mutex); recovery, armed at the crash
 * point, breaks the mutex; the next locker gets -EOWNERDEAD.
 */
static bool scen_app_mutex(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, r2 = (k + 2) % NODES;
	struct op o = { .r = h[v] };
	struct gsync_table t;
	u64 g = new_gid();
	bool died, rdied;
	int expect = -EOWNERDEAD;

	gsync_table_of(h[v], &t);
	M_EQ(gsync_create(&t, g, GSYNC_MUTEX, false, &app_mutex), 0);
	died = run_armed(cp, do_app_critical, &o);
	if (!died) {
		M_EQ(op_ret, 0);
		M_EQ(gsync_mutex_lock(&t, &app_mutex, GSYNC_INFINITE), 0);
	} else if (cp == MCS_CP_GLOCK_RELEASED) {
		expect = 0; /* died after the release */
	}
	unit_node_dies(v, m_lost);
	o = (struct op){ .r = h[r], .node = (u32)v };
	rdied = run_armed(died ? -1 : cp, do_recover, &o);
	if (rdied) {
		unit_node_dies(r, false);
		m_recover(r2, r, NULL);
		m_recover(r2, v, NULL);
	} else {
		M_EQ(op_ret, 0);
	}
	M_CLEAN();
	gsync_table_of(h[r2], &t);
	M_EQ(gsync_mutex_lock(&t, &app_mutex, 0), expect);
	if (expect)
		M_EQ(gsync_mutex_consistent(&t, &app_mutex), 0);
	M_EQ(gsync_mutex_unlock(&t, &app_mutex), 0);
	M_EQ(gsync_mutex_lock(&t, &app_mutex, 0), 0);
	M_EQ(gsync_mutex_unlock(&t, &app_mutex), 0);
	unit_node_up(v);
	if (rdied)
		unit_node_up(r);
	M_EQ(gsync_destroy(&t, g), 0);
	M_CLEAN();
	return died || rdied;
}

/* A node whose memory was lost rejoins, and dies while reformatting. */
static bool scen_join(int cp, int k)
{
	int v = k % NODES, r = (k + 1) % NODES, ret;
	u64 g = new_gid(), gen = part_info((u32)v).generation;
	struct op o;
	struct gmm_seg_info si;
	struct gmm_part_info pi;
	bool died;

	M_EQ(gmm_alloc(h[v], g, 5 * PG, v, 1, NULL), 0);
	unit_node_dies(v, m_lost);
	m_recover(r, v, NULL);
	o = (struct op){ .r = unit_node_attach(v), .node = (u32)v };
	died = run_armed(cp, do_join, &o);
	if (!died) {
		M_EQ(op_ret, 0);
	} else {
		M_EQ(m_lost, true);
		unit_node_dies(v, false);
		m_recover(r, v, NULL);
		M_CLEAN();
		unit_node_up(v);
	}
	pi = part_info((u32)v);
	M_EQ(pi.state, GMM_PART_ONLINE);
	M_EQ(pi.manager, v);
	M_EQ(pi.generation, gen + m_lost);
	ret = m_lookup(g, &si);
	if (m_lost) {
		M_EQ(ret, -ENOENT);
		M_EQ(pi.free_pages, geo.part_data_pages);
		M_EQ(pi.sections_used, 0);
	} else {
		M_EQ(ret, 0);
		M_EQ(si.nr_sharers, 0);
	}
	M_CLEAN();
	m_cleanup(&g, 1);
	return died;
}

static const struct {
	const char *name;
	bool (*run)(int cp, int k);
} m_ops[] = {
	{ "alloc", scen_alloc },
	{ "alloc that aborts", scen_alloc_abort },
	{ "acquire", scen_acquire },
	{ "release", scen_release },
	{ "last release after destroy", scen_release_last },
	{ "destroy without sharers", scen_destroy_unshared },
	{ "destroy with sharers", scen_destroy_shared },
	{ "alloc taking a dead node's locks over", scen_steal },
	{ "recovery", scen_recover },
	{ "join after loss", scen_join },
	{ "application mutex held by the dead", scen_app_mutex },
};

static void test_crash_matrix(void)
{
	unsigned int op, lost, pass, died[ARRAY_SIZE(m_ops)][2];
	int cp, k = 0;

	unit_setup();
	memset(m_hits, 0, sizeof(m_hits));
	memset(died, 0, sizeof(died));
	/* Two passes: the second gives each case another victim node. */
	for (pass = 0; pass < 2; pass++, k++)
	for (op = 0; op < ARRAY_SIZE(m_ops); op++) {
		for (lost = 0; lost < 2; lost++) {
			for (cp = 0; cp < MCS_CP_COUNT; cp++, k++) {
				m_op = m_ops[op].name;
				m_cp = cp;
				m_lost = lost;
				m_scenarios++;
				if (m_ops[op].run(cp, k)) {
					m_hits[cp]++;
					m_crashes++;
					died[op][lost]++;
				}
				m_assert_empty();
			}
		}
	}
	printf("\n    crash matrix: %u scenarios, %u crashes\n", m_scenarios,
	       m_crashes);
	for (op = 0; op < ARRAY_SIZE(m_ops); op++)
		printf("      %-40s died %2u times (memory kept), %2u (lost)\n",
		       m_ops[op].name, died[op][0], died[op][1]);
	/* gmm operations never reach gns points: tests/unit/test_gns.c. */
	unit_assert_crash_points(m_hits, 0, MCS_CP_GNS_GID_TAKEN, "reached");
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "join errors", test_join_errors },
		{ "node_down errors", test_node_down_errors },
		{ "recover errors", test_recover_errors },
		{ "recovery removes sharers, frees destroyed, takes over",
		  test_recover_sharers_and_destroyed },
		{ "recovery revokes a lost partition; rejoin reformats",
		  test_recover_lost_partition },
		{ "recovery rebuilds master copies", test_rebuild_master },
		{ "recovery restarts after its recoverer dies", test_recovery_restart },
		{ "crash-point matrix", test_crash_matrix },
		{ "regression: master copy on a partition that was lost and rejoined",
		  test_regression_master_copy_on_rejoined_partition },
		{ "regression: revoked segments not reported after a restart",
		  test_regression_revoke_report_lost_on_restart },
		{ "regression: memory loss reported while recovery runs",
		  test_regression_loss_reported_during_recovery },
		{ "regression: memory loss reported after recovery",
		  test_regression_loss_after_recovery },
		{ "regression: partition managed by a dead node", test_regression_managed_partition_orphaned },
	};

	commit_cp = MCS_CP_COMMITTED;
	mcs_crash_hook = unit_crash_hook;
	return unit_run("recovery", tests, ARRAY_SIZE(tests));
}
