// SPDX-License-Identifier: GPL-2.0
/*
 * test_usage - proves the usage table of drivers/gmm/usage.c, on which
 * the per-uid limits of /dev/mcs rest (Documentation/uapi.md, "Limits"):
 *
 *   - a charge past a limit in force is refused (-EDQUOT) and changes
 *     nothing; a credit never goes below zero; without enforcing, no
 *     limit refuses;
 *   - limits come from the owner's own, else those set for all, else the
 *     built-in quarter of each table, and 0 goes back to the default;
 *   - every node sees the same counts (they are in the fabric);
 *   - a node dying with an entry locked leaves it owner-dead for the next
 *     taker, which sets the counts it made again and goes on;
 *   - the table holds GMM_USAGE_ENTRIES owners, then refuses (-EDQUOT),
 *     and lists each owner once;
 *   - garbage written over it costs refusals, and -EUCLEAN for a lock
 *     left not recoverable, never an access out of bounds.
 */
#include "unit.h"
#include "gmm/gmm_internal.h"

static const s64 one_seg[GMM_USAGE_KINDS] = { 1, 4, 1, 0 };

static void test_charge(void)
{
	s64 back[GMM_USAGE_KINDS] = { -1, -4, -1, 0 };
	u64 lim[GMM_USAGE_KINDS] = { 2, GMM_USAGE_UNLIMITED, 0, 0 };
	s64 huge[GMM_USAGE_KINDS] = { 0, 0, 0, INT64_MAX };
	struct gmm_usage u;
	u32 idx;

	unit_setup();
	ASSERT_EQ(gmm_usage_set_limit(h[0], 1000, lim), 0);
	ASSERT_EQ(gmm_usage_lock(h[0], 1000, &idx), 0);
	ASSERT_EQ(gmm_usage_charge(h[0], idx, one_seg, true), 0);
	ASSERT_EQ(gmm_usage_charge(h[0], idx, one_seg, true), 0);
	ASSERT_EQ(gmm_usage_charge(h[0], idx, one_seg, true), -EDQUOT);
	/* Past the built-in sync limit at once: refused, nothing changed. */
	ASSERT_EQ(gmm_usage_charge(h[0], idx, huge, true), -EDQUOT);
	gmm_usage_unlock(h[0], idx);
	/* Another node sees the same counts. */
	gmm_usage_get(h[1], 1000, &u);
	ASSERT_EQ(u.used[GMM_USAGE_SEGMENTS], 2);
	ASSERT_EQ(u.used[GMM_USAGE_PAGES], 8);
	ASSERT_EQ(u.used[GMM_USAGE_SYNCS], 0);
	ASSERT_EQ(u.limit[GMM_USAGE_SEGMENTS], 2);
	ASSERT_EQ(u.limit[GMM_USAGE_PAGES], GMM_USAGE_UNLIMITED);
	/* Not enforced: the limit does not refuse. */
	ASSERT_EQ(gmm_usage_lock(h[1], 1000, &idx), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, one_seg, false), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, back, false), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, back, false), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, back, false), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, back, false), 0);
	gmm_usage_unlock(h[1], idx);
	gmm_usage_get(h[0], 1000, &u);
	ASSERT_EQ(u.used[GMM_USAGE_SEGMENTS], 0);
	ASSERT_EQ(u.used[GMM_USAGE_PAGES], 0);
	ASSERT_CLEAN(obs);
	unit_finish();
}

static void test_limits(void)
{
	u64 all[GMM_USAGE_KINDS] = { 5, 50, 0, 7 };
	u64 own[GMM_USAGE_KINDS] = { 0, 0, 3, 0 };
	u64 builtin[GMM_USAGE_KINDS];
	struct gmm_usage u;

	unit_setup();
	gmm_usage_builtin_limits(obs, builtin);
	ASSERT_EQ(builtin[GMM_USAGE_SEGMENTS],
		  (u64)geo.nr_parts * geo.sections_per_part / 4);
	ASSERT_EQ(builtin[GMM_USAGE_PAGES],
		  (u64)geo.nr_parts * geo.part_data_pages / 4);
	ASSERT_EQ(builtin[GMM_USAGE_NAMES], geo.gns_entries / 4);
	ASSERT_EQ(builtin[GMM_USAGE_SYNCS], geo.sync_objects / 4);
	gmm_usage_get(obs, 42, &u);
	ASSERT_EQ(memcmp(u.limit, builtin, sizeof(builtin)), 0);
	/* Observers may not set; the joined may. */
	ASSERT_EQ(gmm_usage_set_limit(obs, GMM_USAGE_ALL, all), -ENOTCONN);
	ASSERT_EQ(gmm_usage_set_limit(h[2], GMM_USAGE_ALL, all), 0);
	ASSERT_EQ(gmm_usage_set_limit(h[2], 42, own), 0);
	gmm_usage_get(h[0], 42, &u);
	ASSERT_EQ(u.limit[GMM_USAGE_SEGMENTS], 5);
	ASSERT_EQ(u.limit[GMM_USAGE_PAGES], 50);
	ASSERT_EQ(u.limit[GMM_USAGE_NAMES], 3);
	ASSERT_EQ(u.limit[GMM_USAGE_SYNCS], 7);
	ASSERT_EQ(u.own_limit[GMM_USAGE_NAMES], 3);
	ASSERT_EQ(u.own_limit[GMM_USAGE_SEGMENTS], 0);
	gmm_usage_get(h[0], GMM_USAGE_ALL, &u);
	ASSERT_EQ(u.own_limit[GMM_USAGE_NAMES], 0);
	ASSERT_EQ(u.limit[GMM_USAGE_NAMES], builtin[GMM_USAGE_NAMES]);
	ASSERT_EQ(u.own_limit[GMM_USAGE_SYNCS], 7);
	/* Back to the defaults. */
	memset(all, 0, sizeof(all));
	ASSERT_EQ(gmm_usage_set_limit(h[2], GMM_USAGE_ALL, all), 0);
	ASSERT_EQ(gmm_usage_set_limit(h[2], 42, all), 0);
	gmm_usage_get(h[0], 42, &u);
	ASSERT_EQ(memcmp(u.limit, builtin, sizeof(builtin)), 0);
	unit_finish();
}

static void test_holder_dies(void)
{
	u64 counted[GMM_USAGE_KINDS] = { 1, 4, 1, 0 };
	struct gmm_usage u;
	u32 idx;

	unit_setup();
	/* Node 1 charges, then dies before it could credit or unlock. */
	ASSERT_EQ(gmm_usage_lock(h[1], 7, &idx), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, one_seg, true), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, one_seg, true), 0);
	unit_node_dies(1, false);
	/* The next taker is told, and sets what it counted. */
	ASSERT_EQ(gmm_usage_lock(h[0], 7, &idx), -EOWNERDEAD);
	gmm_usage_set(h[0], idx, counted);
	gmm_usage_unlock(h[0], idx);
	ASSERT_EQ(gmm_usage_lock(h[2], 7, &idx), 0);
	gmm_usage_unlock(h[2], idx);
	gmm_usage_get(obs, 7, &u);
	ASSERT_EQ(u.used[GMM_USAGE_SEGMENTS], 1);
	ASSERT_EQ(u.used[GMM_USAGE_PAGES], 4);
	ASSERT_EQ(unit_recover(h[0], 1, NULL), 0);
	ASSERT_CLEAN(obs);
	unit_finish();
}

static void test_full(void)
{
	u32 owner, idx, cursor = 0, seen = 0;
	struct gmm_usage u;

	unit_setup();
	for (owner = 0; owner < GMM_USAGE_ENTRIES; owner++) {
		ASSERT_EQ(gmm_usage_lock(h[owner % NODES], owner, &idx), 0);
		gmm_usage_unlock(h[owner % NODES], idx);
	}
	ASSERT_EQ(gmm_usage_lock(h[0], GMM_USAGE_ENTRIES, &idx), -EDQUOT);
	/* The last uid has no entry: it is GMM_USAGE_ALL. */
	ASSERT_EQ(gmm_usage_lock(h[0], GMM_USAGE_ALL, &idx), -EINVAL);
	/* Those already in find theirs. */
	ASSERT_EQ(gmm_usage_lock(h[0], 17, &idx), 0);
	gmm_usage_unlock(h[0], idx);
	while (!gmm_usage_list(obs, &cursor, &u)) {
		CU_ASSERT(u.owner < GMM_USAGE_ENTRIES);
		seen++;
	}
	ASSERT_EQ(seen, GMM_USAGE_ENTRIES);
	unit_finish();
}

/* Garbage over the table: refusals and -EUCLEAN, never a wild access. */
static void test_corrupt(void)
{
	struct gmm_usage_entry *e;
	struct gmm_usage_header *hdr;
	struct gmm_usage u;
	u32 idx, cursor = 0;

	unit_setup();
	ASSERT_EQ(gmm_usage_lock(h[0], 1000, &idx), 0);
	ASSERT_EQ(gmm_usage_charge(h[0], idx, one_seg, true), 0);
	gmm_usage_unlock(h[0], idx);
	hdr = (struct gmm_usage_header *)((u8 *)omap + obs->g.usage_off);
	e = (struct gmm_usage_entry *)(hdr + 1) + idx;
	/* Counts and limits are only compared: a wild one refuses, no more. */
	mcs_wr64(&e->used[GMM_USAGE_SEGMENTS], ~0ULL);
	ASSERT_EQ(gmm_usage_lock(h[1], 1000, &idx), 0);
	ASSERT_EQ(gmm_usage_charge(h[1], idx, one_seg, true), -EDQUOT);
	gmm_usage_unlock(h[1], idx);
	mcs_wr64(&hdr->limit[GMM_USAGE_PAGES], 1);
	gmm_usage_get(obs, 1000, &u);
	ASSERT_EQ(u.limit[GMM_USAGE_PAGES], 1);
	/* A lock left not recoverable (usage locks never are): -EUCLEAN. */
	mcs_wr32(&e->lock.state, GLOCK_NOTRECOVERABLE);
	ASSERT_EQ(gmm_usage_lock(h[1], 1000, &idx), -EUCLEAN);
	/* Owner words of garbage: entries of other owners, listed, bounded. */
	memset(e + 1, 0xa5, 4 * sizeof(*e));
	while (!gmm_usage_list(obs, &cursor, &u))
		;
	ASSERT_EQ(cursor, GMM_USAGE_ENTRIES);
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "charges stop at limits, credits at zero", test_charge },
		{ "own, set-for-all and built-in limits", test_limits },
		{ "a holder that dies leaves the counts to be made again",
		  test_holder_dies },
		{ "a full table refuses new owners only", test_full },
		{ "garbage in the table costs refusals and -EUCLEAN",
		  test_corrupt },
	};

	return unit_run("usage", tests, ARRAY_SIZE(tests));
}
