// SPDX-License-Identifier: GPL-2.0
/*
 * test_ops - proves the segment operations of gmm (alloc, acquire,
 * release, destroy, lookup) do what gmm.h documents, on every table and
 * every error path:
 *
 *   - results: the segment info, its place inside its partition's data
 *     area, sharer counts, free page accounting;
 *   - errors: region full (-ENOSPC, also when free pages are fragmented),
 *     master stripe / section table / sharer table full (-ENFILE),
 *     duplicate GID (-EEXIST), unknown or destroyed GID (-ENOENT), bad
 *     GID, size or placement (-EINVAL), larger than a partition (-EFBIG),
 *     a handle that has not joined (-ENOTCONN), destroy twice, release of
 *     a share that is not held;
 *   - the shm_unlink rule: a destroyed segment's memory stays until its
 *     last sharer releases it;
 *   - placement: explicit partition, nearest (own partition, then the
 *     ones the node manages), most free, and falling back when full;
 *   - content written through gmm_seg_ptr() on one node is read through
 *     another node's mapping (every node maps the fabric at a different
 *     address), and segments of 4 KiB up to a whole partition never
 *     overlap;
 *   - a random sequence of operations agrees with a simple model, and
 *     gmm_seg_list() lists exactly the model's undestroyed segments,
 *     each once, to an observer and to a joined node; so it does over a
 *     crowded master table with tombstones and destroyed shared segments.
 *
 * gmm_seg_zero() zeroes a segment larger than its chunk, and nothing else.
 *
 * Every test ends with gmm_check() finding no violation.
 */
#include "unit.h"
#include "gmm/gmm_internal.h"

static u32 part_free(u32 p)
{
	struct gmm_part_info pi;

	CU_ASSERT_FATAL(gmm_part_info(obs, p, &pi) == 0);
	return pi.free_pages;
}

static u32 part_sections(u32 p)
{
	struct gmm_part_info pi;

	CU_ASSERT_FATAL(gmm_part_info(obs, p, &pi) == 0);
	return pi.sections_used;
}

/* The segment lies inside its partition's data pages. */
static void assert_in_partition(const struct gmm_seg_info *si)
{
	u64 pstart = geo.parts_off + (u64)si->part * geo.part_size;
	u64 dend = pstart + geo.part_size;
	u64 dstart = dend - (u64)geo.part_data_pages * PG;

	CU_ASSERT(si->part < geo.nr_parts);
	CU_ASSERT(si->offset % PG == 0);
	/* The data pages are the partition's last part_data_pages pages, or
	 * close to: at least they start after its tables. */
	CU_ASSERT(si->offset >= pstart);
	CU_ASSERT(si->offset + si->size <= dend);
	CU_ASSERT(si->offset + si->size <= geo.region_size);
	(void)dstart;
}

static void test_alloc_lookup_basic(void)
{
	struct gmm_seg_info si, li, ai;
	u32 free0;
	int n;

	unit_setup();
	free0 = part_free(0);
	ASSERT_EQ(free0, geo.part_data_pages);
	ASSERT_EQ(gmm_alloc(h[0], 0x100, PG, GMM_PLACE_NEAREST, 7, &si), 0);
	ASSERT_EQ(si.gid, 0x100);
	ASSERT_EQ(si.size, PG);
	ASSERT_EQ(si.part, 0);
	ASSERT_EQ(si.nr_sharers, 1);
	ASSERT_EQ(si.destroyed, false);
	ASSERT_EQ(si.generation, 1);
	CU_ASSERT(si.section < geo.sections_per_part);
	CU_ASSERT(si.sharer < geo.sharers_per_part);
	assert_in_partition(&si);
	ASSERT_EQ(part_free(0), free0 - 1);
	ASSERT_EQ(part_sections(0), 1);

	/* Every node and the observer see the same segment. */
	for (n = 0; n < NODES; n++) {
		memset(&li, 0xff, sizeof(li));
		ASSERT_EQ(gmm_lookup(h[n], 0x100, &li), 0);
		ASSERT_EQ(li.gid, 0x100);
		ASSERT_EQ(li.offset, si.offset);
		ASSERT_EQ(li.size, si.size);
		ASSERT_EQ(li.part, 0);
		ASSERT_EQ(li.section, si.section);
		ASSERT_EQ(li.sharer, GMM_SHARER_ANY);
		ASSERT_EQ(li.nr_sharers, 1);
	}
	ASSERT_EQ(gmm_lookup(obs, 0x100, &li), 0);
	ASSERT_EQ(li.offset, si.offset);
	ASSERT_EQ(gmm_lookup(obs, 0x100, NULL), 0);

	/* A share from another node: same memory, a second sharer. */
	ASSERT_EQ(gmm_acquire(h[2], 0x100, 9, &ai), 0);
	ASSERT_EQ(ai.offset, si.offset);
	ASSERT_EQ(ai.size, PG);
	ASSERT_EQ(ai.nr_sharers, 2);
	CU_ASSERT(ai.sharer != si.sharer);
	ASSERT_EQ(gmm_lookup(obs, 0x100, &li), 0);
	ASSERT_EQ(li.nr_sharers, 2);
	/* The mappings differ, the memory is the same. */
	CU_ASSERT(gmm_seg_ptr(h[0], &si) != gmm_seg_ptr(h[2], &ai));
	unit_fill(gmm_seg_ptr(h[0], &si), PG, 0x100);
	ASSERT_EQ(unit_verify(gmm_seg_ptr(h[2], &ai), PG, 0x100), 0);
	ASSERT_EQ(unit_verify(gmm_seg_ptr(obs, &li), PG, 0x100), 0);
	ASSERT_EQ(part_free(0), free0 - 1);

	/* Release by index and by search; then the segment has no sharer
	 * but still exists (it was not destroyed). */
	ASSERT_EQ(gmm_release(h[2], 0x100, 9, ai.sharer), 0);
	ASSERT_EQ(gmm_release(h[0], 0x100, 7, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_lookup(obs, 0x100, &li), 0);
	ASSERT_EQ(li.nr_sharers, 0);
	ASSERT_EQ(part_free(0), free0 - 1);
	ASSERT_CLEAN(obs);

	/* Destroy with no sharer frees it at once. */
	ASSERT_EQ(gmm_destroy(h[3], 0x100), 0);
	ASSERT_EQ(gmm_lookup(obs, 0x100, &li), -ENOENT);
	ASSERT_EQ(part_free(0), free0);
	ASSERT_EQ(part_sections(0), 0);
	/* The GID can be used again. */
	ASSERT_EQ(gmm_alloc(h[1], 0x100, 2 * PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 1);
	ASSERT_EQ(si.size, 2 * PG);
	unit_finish();
}

static void test_bad_arguments(void)
{
	static const u64 bad_gids[] = { 0, ~0ULL };
	static const u64 bad_sizes[] = { 0, 1, 100, PG - 1, PG + 1, 3 * PG / 2 };
	static const int bad_places[] = { -3, -100, NODES, 64, 1000 };
	struct gmm_seg_info si;
	size_t i;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[0], 5, PG, GMM_PLACE_NEAREST, 1, &si), 0);
	for (i = 0; i < ARRAY_SIZE(bad_gids); i++) {
		ASSERT_EQ(gmm_alloc(h[0], bad_gids[i], PG, GMM_PLACE_NEAREST, 1, &si), -EINVAL);
		ASSERT_EQ(gmm_acquire(h[0], bad_gids[i], 1, &si), -EINVAL);
		ASSERT_EQ(gmm_release(h[0], bad_gids[i], 1, GMM_SHARER_ANY), -EINVAL);
		ASSERT_EQ(gmm_destroy(h[0], bad_gids[i]), -EINVAL);
		ASSERT_EQ(gmm_lookup(h[0], bad_gids[i], &si), -EINVAL);
		ASSERT_EQ(gmm_lookup(obs, bad_gids[i], &si), -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(bad_sizes); i++)
		ASSERT_EQ(gmm_alloc(h[0], 6, bad_sizes[i], GMM_PLACE_NEAREST, 1, &si), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_places); i++)
		ASSERT_EQ(gmm_alloc(h[0], 6, PG, bad_places[i], 1, &si), -EINVAL);
	/* Larger than any partition could ever hold, however empty. */
	ASSERT_EQ(gmm_alloc(h[0], 6, (u64)(geo.part_data_pages + 1) * PG,
			    GMM_PLACE_NEAREST, 1, &si), -EFBIG);
	ASSERT_EQ(gmm_alloc(h[0], 6, 1ULL << 44, GMM_PLACE_MOST_FREE, 1, &si), -EFBIG);
	/* 2^32 pages would wrap a 32-bit page count. */
	ASSERT_EQ(gmm_alloc(h[0], 6, (1ULL << 32) * PG, 0, 1, &si), -EFBIG);
	ASSERT_EQ(gmm_alloc(h[0], 6, (1ULL << 32) * PG + PG, 0, 1, &si), -EFBIG);
	/* Nothing of that left a trace. */
	ASSERT_EQ(gmm_lookup(obs, 6, &si), -ENOENT);
	ASSERT_EQ(part_free(0), geo.part_data_pages - 1);
	/* A bad sharer index is only a hint: the share is searched. */
	ASSERT_EQ(gmm_release(h[0], 5, 1, 0x7fffffff), 0);
	ASSERT_EQ(member_recover(h[0], NODES, NULL), -EINVAL);
	unit_finish();
}

static void test_not_joined(void)
{
	struct gmm_seg_info si;
	struct gmm_part_info pi;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[1], 42, PG, GMM_PLACE_NEAREST, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(obs, 43, PG, GMM_PLACE_NEAREST, 1, &si), -ENOTCONN);
	ASSERT_EQ(gmm_alloc(obs, 42, PG, GMM_PLACE_NEAREST, 1, &si), -ENOTCONN);
	ASSERT_EQ(gmm_acquire(obs, 42, 1, &si), -ENOTCONN);
	ASSERT_EQ(gmm_release(obs, 42, 1, GMM_SHARER_ANY), -ENOTCONN);
	ASSERT_EQ(gmm_destroy(obs, 42), -ENOTCONN);
	ASSERT_EQ(member_recover(obs, 1, NULL), -ENOTCONN);
	/* Observers may look. */
	ASSERT_EQ(gmm_lookup(obs, 42, &si), 0);
	ASSERT_EQ(si.part, 1);
	ASSERT_EQ(gmm_lookup(obs, 43, &si), -ENOENT);
	ASSERT_EQ(gmm_part_info(obs, 1, &pi), 0);
	ASSERT_EQ(pi.sections_used, 1);
	ASSERT_EQ(gmm_self_node(obs), GMM_OBSERVER_NODE);
	ASSERT_EQ(gmm_self_node(h[3]), 3);
	ASSERT_EQ(gmm_lookup(obs, 43, &si), -ENOENT);
	unit_finish();
}

static void test_duplicate_and_unknown(void)
{
	struct gmm_seg_info si;
	u32 f1, f2;
	int n;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[1], 77, 3 * PG, 2, 1, &si), 0);
	ASSERT_EQ(si.part, 2);
	f1 = part_free(1);
	f2 = part_free(2);
	for (n = 0; n < NODES; n++) {
		ASSERT_EQ(gmm_alloc(h[n], 77, 3 * PG, 2, 1, NULL), -EEXIST);
		ASSERT_EQ(gmm_alloc(h[n], 77, PG, GMM_PLACE_NEAREST, 2, NULL), -EEXIST);
		ASSERT_EQ(gmm_alloc(h[n], 77, 5 * PG, GMM_PLACE_MOST_FREE, 2, NULL), -EEXIST);
	}
	ASSERT_EQ(part_free(1), f1);
	ASSERT_EQ(part_free(2), f2);
	ASSERT_EQ(gmm_lookup(obs, 77, &si), 0);
	ASSERT_EQ(si.nr_sharers, 1);
	ASSERT_EQ(si.size, 3 * PG);

	for (n = 0; n < NODES; n++) {
		ASSERT_EQ(gmm_acquire(h[n], 78, 1, &si), -ENOENT);
		ASSERT_EQ(gmm_release(h[n], 78, 1, GMM_SHARER_ANY), -ENOENT);
		ASSERT_EQ(gmm_release(h[n], 78, 1, 0), -ENOENT);
		ASSERT_EQ(gmm_destroy(h[n], 78), -ENOENT);
		ASSERT_EQ(gmm_lookup(h[n], 78, &si), -ENOENT);
	}
	ASSERT_EQ(gmm_lookup(obs, 78, &si), -ENOENT);
	unit_finish();
}

static void test_release_and_destroy_errors(void)
{
	struct gmm_seg_info a, b, li;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[0], 9, PG, 0, 100, &a), 0);
	ASSERT_EQ(gmm_acquire(h[1], 9, 100, &b), 0);
	/* Not held by this pid, or by this pid on another node. */
	ASSERT_EQ(gmm_release(h[0], 9, 101, GMM_SHARER_ANY), -ENOENT);
	ASSERT_EQ(gmm_release(h[2], 9, 100, GMM_SHARER_ANY), -ENOENT);
	/* Another node's share index does not release another's share. */
	ASSERT_EQ(gmm_release(h[2], 9, 100, b.sharer), -ENOENT);
	ASSERT_EQ(gmm_release(h[0], 9, 100, b.sharer), 0);
	ASSERT_EQ(gmm_lookup(obs, 9, &li), 0);
	ASSERT_EQ(li.nr_sharers, 1);
	/* That was node 0's share: it is gone, node 1's is not. */
	ASSERT_EQ(gmm_release(h[0], 9, 100, a.sharer), -ENOENT);
	ASSERT_EQ(gmm_release(h[0], 9, 100, GMM_SHARER_ANY), -ENOENT);

	ASSERT_EQ(gmm_destroy(h[3], 9), 0);
	ASSERT_EQ(gmm_destroy(h[3], 9), -ENOENT);
	ASSERT_EQ(gmm_destroy(h[1], 9), -ENOENT);
	ASSERT_EQ(gmm_acquire(h[2], 9, 1, &li), -ENOENT);
	ASSERT_EQ(gmm_lookup(obs, 9, &li), -ENOENT);
	/* The remaining share is still released normally, once. */
	ASSERT_EQ(gmm_release(h[1], 9, 100, b.sharer), 0);
	ASSERT_EQ(gmm_release(h[1], 9, 100, b.sharer), -ENOENT);
	ASSERT_EQ(gmm_release(h[1], 9, 100, GMM_SHARER_ANY), -ENOENT);
	ASSERT_EQ(part_free(0), geo.part_data_pages);
	unit_finish();
}

/* Destroy is shm_unlink(): the memory stays until the last release. */
static void test_shm_unlink_rule(void)
{
	struct gmm_seg_info a, b, c, li;
	u32 before;

	unit_setup();
	before = part_free(3);
	ASSERT_EQ(gmm_alloc(h[3], 500, 10 * PG, GMM_PLACE_NEAREST, 1, &a), 0);
	ASSERT_EQ(gmm_acquire(h[0], 500, 1, &b), 0);
	ASSERT_EQ(gmm_acquire(h[0], 500, 2, &c), 0);
	ASSERT_EQ(c.nr_sharers, 3);
	ASSERT_EQ(part_free(3), before - 10);
	unit_fill(gmm_seg_ptr(h[3], &a), a.size, 500);

	ASSERT_EQ(gmm_destroy(h[1], 500), 0);
	ASSERT_EQ(gmm_lookup(obs, 500, &li), -ENOENT);
	ASSERT_EQ(gmm_acquire(h[2], 500, 1, &li), -ENOENT);
	ASSERT_EQ(part_free(3), before - 10);
	ASSERT_EQ(part_sections(3), 1);
	ASSERT_CLEAN(obs);
	/* Existing sharers still reach the memory. */
	ASSERT_EQ(unit_verify(gmm_seg_ptr(h[0], &b), b.size, 500), 0);

	ASSERT_EQ(gmm_release(h[3], 500, 1, a.sharer), 0);
	ASSERT_EQ(part_free(3), before - 10);
	ASSERT_EQ(gmm_release(h[0], 500, 2, GMM_SHARER_ANY), 0);
	ASSERT_EQ(part_free(3), before - 10);
	ASSERT_CLEAN(obs);
	/* The last release frees it. */
	ASSERT_EQ(gmm_release(h[0], 500, 1, b.sharer), 0);
	ASSERT_EQ(part_free(3), before);
	ASSERT_EQ(part_sections(3), 0);
	ASSERT_EQ(gmm_release(h[0], 500, 1, b.sharer), -ENOENT);
	ASSERT_EQ(gmm_alloc(h[2], 500, PG, 3, 1, &li), 0);
	ASSERT_EQ(li.part, 3);
	unit_finish();
}

static void test_region_full(void)
{
	struct gmm_seg_info si[NODES], x;
	u32 p;

	unit_setup();
	/* One whole-partition segment per partition. */
	for (p = 0; p < NODES; p++) {
		ASSERT_EQ(gmm_alloc(h[p], 1000 + p, (u64)geo.part_data_pages * PG,
				    GMM_PLACE_NEAREST, 1, &si[p]), 0);
		ASSERT_EQ(si[p].part, p);
		assert_in_partition(&si[p]);
		ASSERT_EQ(part_free(p), 0);
	}
	ASSERT_EQ(gmm_alloc(h[0], 2000, PG, GMM_PLACE_NEAREST, 1, &x), -ENOSPC);
	ASSERT_EQ(gmm_alloc(h[1], 2000, PG, GMM_PLACE_MOST_FREE, 1, &x), -ENOSPC);
	ASSERT_EQ(gmm_alloc(h[2], 2000, PG, 3, 1, &x), -ENOSPC);
	ASSERT_EQ(gmm_lookup(obs, 2000, &x), -ENOENT);
	ASSERT_CLEAN(obs);

	/* Free one: exactly that room comes back, wherever asked from. */
	ASSERT_EQ(gmm_release(h[2], 1002, 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_destroy(h[2], 1002), 0);
	ASSERT_EQ(part_free(2), geo.part_data_pages);
	ASSERT_EQ(gmm_alloc(h[0], 2000, PG, GMM_PLACE_NEAREST, 1, &x), 0);
	ASSERT_EQ(x.part, 2);
	ASSERT_EQ(gmm_alloc(h[0], 2001, (u64)(geo.part_data_pages - 1) * PG,
			    0, 1, &x), 0);
	ASSERT_EQ(x.part, 2);
	ASSERT_EQ(gmm_alloc(h[0], 2002, PG, GMM_PLACE_NEAREST, 1, &x), -ENOSPC);
	unit_finish();
}

/* Free pages that are not contiguous do not make room. */
static void test_fragmented_full(void)
{
	/* One section per page: the section table must not run out first. */
	struct gmm_format_params fp = { .nr_parts = NODES,
					.sections_per_part = 1024 };
	u32 p, i, n;
	struct gmm_seg_info x;

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
	CU_ASSERT_FATAL(geo.part_data_pages <= 1024);
	n = geo.part_data_pages;
	for (p = 1; p < NODES; p++)
		ASSERT_EQ(gmm_alloc(h[p], 100 + p, (u64)n * PG, p, 1, NULL), 0);
	for (i = 0; i < n; i++)
		ASSERT_EQ(gmm_alloc(h[0], 10000 + i, PG, 0, 1, NULL), 0);
	for (i = 0; i < n; i += 2) {
		ASSERT_EQ(gmm_release(h[0], 10000 + i, 1, GMM_SHARER_ANY), 0);
		ASSERT_EQ(gmm_destroy(h[0], 10000 + i), 0);
	}
	ASSERT_EQ(part_free(0), (n + 1) / 2);
	ASSERT_EQ(gmm_alloc(h[0], 5, 2 * PG, GMM_PLACE_NEAREST, 1, &x), -ENOSPC);
	ASSERT_CLEAN(obs);
	/* Free page 5 between the holes at 4 and 6: three pages in a row. */
	ASSERT_EQ(gmm_release(h[0], 10000 + 5, 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_destroy(h[0], 10000 + 5), 0);
	ASSERT_EQ(gmm_alloc(h[0], 5, 3 * PG, GMM_PLACE_NEAREST, 1, &x), 0);
	ASSERT_EQ(x.part, 0);
	ASSERT_EQ(gmm_alloc(h[0], 6, 2 * PG, GMM_PLACE_NEAREST, 1, &x), -ENOSPC);
	ASSERT_EQ(gmm_alloc(h[0], 6, PG, GMM_PLACE_NEAREST, 1, &x), 0);
	ASSERT_EQ(x.part, 0);
	ASSERT_EQ(part_free(0), (n + 1) / 2 - 3);
	unit_finish();
}

/*
 * First fit over random holes: with every other partition full, the
 * longest run of free pages in partition 0 can be allocated, one page
 * more cannot. Sparse and dense patterns exercise the whole-word skips.
 */
static void test_first_fit_runs(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES,
					.sections_per_part = 1024 };
	static const u32 density[] = { 3, 50, 97, 99, 10, 70, 0, 0, 0 };
	/* Fixed patterns for the last rounds: free page ranges [lo, hi). */
	static const u32 ranges[3][3][2] = {
		/* a whole free word, a used page, then a shorter run */
		{ { 64, 128 }, { 129, 200 }, { 0, 0 } },
		/* runs ending exactly at a word boundary / at the last page */
		{ { 10, 64 }, { 300, 320 }, { 0, 0 } },
		{ { 1, 2 }, { 3, 5 }, { 6, 9 } },
	};
	static u64 seg_at[1024]; /* the 1-page segment on each page, 0: free */
	struct gmm_seg_info x;
	u32 p, i, n, round, best, cur, freep;
	u64 state = 42, gid = 10000, data0 = 0;

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
	n = geo.part_data_pages;
	CU_ASSERT_FATAL(n <= 1024);
	for (p = 1; p < NODES; p++)
		ASSERT_EQ(gmm_alloc(h[p], 100 + p, (u64)n * PG, p, 1, NULL), 0);
	memset(seg_at, 0, sizeof(seg_at));
	for (round = 0; round <= ARRAY_SIZE(density); round++) {
		/* Fill every free page of partition 0 with a 1-page segment
		 * (first fit from a hint: not necessarily in page order). */
		for (freep = 0, i = 0; i < n; i++)
			freep += !seg_at[i];
		for (i = 0; i < freep; i++) {
			ASSERT_EQ(gmm_alloc(h[0], ++gid, PG, 0, 1, &x), 0);
			if (!data0)
				data0 = x.offset; /* the first is on page 0 */
			CU_ASSERT_FATAL(x.offset >= data0 &&
					(x.offset - data0) / PG < n);
			CU_ASSERT_FATAL(!seg_at[(x.offset - data0) / PG]);
			seg_at[(x.offset - data0) / PG] = gid;
		}
		ASSERT_EQ(part_free(0), 0);
		if (round == ARRAY_SIZE(density))
			break;
		/* Free a random subset, or a fixed pattern. */
		for (i = 0; i < n; i++) {
			bool drop = false;

			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			if (density[round]) {
				drop = (state >> 33) % 100 < density[round];
			} else {
				const u32 (*rg)[2] = ranges[round - 6];

				for (p = 0; p < 3; p++)
					drop |= i >= rg[p][0] && i < rg[p][1];
				/* and the partition's last page */
				drop |= round == 7 && i == n - 1;
			}
			if (drop) {
				ASSERT_EQ(gmm_release(h[0], seg_at[i], 1, GMM_SHARER_ANY), 0);
				ASSERT_EQ(gmm_destroy(h[0], seg_at[i]), 0);
				seg_at[i] = 0;
			}
		}
		best = cur = freep = 0;
		for (i = 0; i < n; i++) {
			cur = seg_at[i] ? 0 : cur + 1;
			best = cur > best ? cur : best;
			freep += !seg_at[i];
		}
		ASSERT_EQ(part_free(0), freep);
		if (best < n)
			ASSERT_EQ(gmm_alloc(h[1], 1, (u64)(best + 1) * PG,
					    GMM_PLACE_MOST_FREE, 1, &x), -ENOSPC);
		if (!best)
			continue;
		ASSERT_EQ(gmm_alloc(h[1], 1, (u64)best * PG, GMM_PLACE_MOST_FREE, 1, &x), 0);
		ASSERT_EQ(x.part, 0);
		for (i = 0; i < best; i++)
			ASSERT_EQ(seg_at[(x.offset - data0) / PG + i], 0);
		ASSERT_CLEAN(obs);
		ASSERT_EQ(gmm_release(h[1], 1, 1, GMM_SHARER_ANY), 0);
		ASSERT_EQ(gmm_destroy(h[1], 1), 0);
	}
	unit_finish();
}

/* GIDs that fall in the same master stripe. */
static u32 same_stripe_gids(u32 stripe, u64 *out, u32 n, u64 from)
{
	u32 k = 0;
	u64 g;

	for (g = from; k < n; g++)
		if (gmm_stripe_of(g) == stripe)
			out[k++] = g;
	return k;
}

static void test_master_stripe_full(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES, .master_entries = 256 };
	u64 gids[6], other;
	struct gmm_seg_info si;
	u32 i, per;

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
	ASSERT_EQ(geo.master_entries, 256);
	per = geo.master_entries / geo.nr_stripes;
	ASSERT_EQ(per, 4);
	same_stripe_gids(gmm_stripe_of(1), gids, per + 2, 1);
	for (i = 0; i < per; i++)
		ASSERT_EQ(gmm_alloc(h[i % NODES], gids[i], PG, GMM_PLACE_NEAREST, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[0], gids[per], PG, GMM_PLACE_NEAREST, 1, &si), -ENFILE);
	ASSERT_EQ(gmm_alloc(h[1], gids[per + 1], PG, 2, 1, &si), -ENFILE);
	ASSERT_EQ(gmm_lookup(obs, gids[per], &si), -ENOENT);
	/* Another stripe is not affected. */
	for (other = 2; gmm_stripe_of(other) == gmm_stripe_of(1); other++)
		;
	ASSERT_EQ(gmm_alloc(h[0], other, PG, GMM_PLACE_NEAREST, 1, NULL), 0);
	ASSERT_CLEAN(obs);
	/* A freed entry (a tombstone now) is reused; the others stay found. */
	ASSERT_EQ(gmm_release(h[1], gids[1], 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_destroy(h[1], gids[1]), 0);
	ASSERT_EQ(gmm_alloc(h[0], gids[per], PG, GMM_PLACE_NEAREST, 1, &si), 0);
	for (i = 0; i <= per; i++)
		ASSERT_EQ(gmm_lookup(obs, gids[i], &si), i == 1 ? -ENOENT : 0);
	ASSERT_EQ(gmm_alloc(h[0], gids[per + 1], PG, GMM_PLACE_NEAREST, 1, &si), -ENFILE);
	/* Destroyed but still shared keeps its entry (and its GID). */
	ASSERT_EQ(gmm_destroy(h[2], gids[2]), 0);
	ASSERT_EQ(gmm_alloc(h[0], gids[per + 1], PG, GMM_PLACE_NEAREST, 1, &si), -ENFILE);
	ASSERT_EQ(gmm_release(h[2], gids[2], 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_alloc(h[0], gids[per + 1], PG, GMM_PLACE_NEAREST, 1, &si), 0);
	unit_finish();
}

static void test_section_table_full(void)
{
	struct gmm_format_params fp = { .nr_parts = 2, .sections_per_part = 4,
					.sharers_per_part = 8 };
	struct gmm_seg_info si;
	u32 i, f0, f1;

	unit_setup_with(4 * MiB, &fp, UNIT_ALL_NODES);
	ASSERT_EQ(geo.sections_per_part, 4);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(gmm_alloc(h[i % 2], 1 + i, PG, 0, 1, &si), 0);
		ASSERT_EQ(si.part, i < 4 ? 0 : 1);
	}
	f0 = part_free(0);
	f1 = part_free(1);
	CU_ASSERT(f0 > 100 && f1 > 100);
	ASSERT_EQ(gmm_alloc(h[0], 100, PG, GMM_PLACE_NEAREST, 1, &si), -ENFILE);
	ASSERT_EQ(gmm_alloc(h[1], 100, PG, GMM_PLACE_MOST_FREE, 1, &si), -ENFILE);
	ASSERT_EQ(gmm_alloc(h[1], 100, PG, 1, 1, &si), -ENFILE);
	ASSERT_EQ(part_free(0), f0);
	ASSERT_EQ(part_free(1), f1);
	ASSERT_EQ(gmm_lookup(obs, 100, &si), -ENOENT);
	ASSERT_CLEAN(obs);
	/* Region full beats table full: -ENOSPC when no partition has room. */
	ASSERT_EQ(gmm_alloc(h[0], 100, (u64)geo.part_data_pages * PG, 0, 1, &si), -ENOSPC);
	/* A freed section is reused. */
	ASSERT_EQ(gmm_release(h[1], 6, 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_destroy(h[1], 6), 0);
	ASSERT_EQ(gmm_alloc(h[0], 100, PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 1);
	ASSERT_EQ(gmm_alloc(h[0], 101, PG, GMM_PLACE_NEAREST, 1, &si), -ENFILE);
	unit_finish();
}

static void test_sharer_table_full(void)
{
	struct gmm_format_params fp = { .nr_parts = 2, .sections_per_part = 4,
					.sharers_per_part = 4 };
	struct gmm_seg_info si, li;
	u32 i;

	unit_setup_with(4 * MiB, &fp, UNIT_ALL_NODES);
	ASSERT_EQ(gmm_alloc(h[0], 1, PG, 0, 1, &si), 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(gmm_acquire(h[i % 2], 1, 10 + i, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[1], 1, 20, &li), -ENFILE);
	ASSERT_EQ(gmm_lookup(obs, 1, &li), 0);
	ASSERT_EQ(li.nr_sharers, 4);
	ASSERT_CLEAN(obs);
	/* No sharer left in partition 0: alloc goes to partition 1 ... */
	ASSERT_EQ(gmm_alloc(h[0], 2, PG, 0, 1, &si), 0);
	ASSERT_EQ(si.part, 1);
	ASSERT_EQ(part_sections(0), 1);
	/* ... until partition 1's sharers are used up too. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(gmm_acquire(h[0], 2, 10 + i, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[0], 3, PG, GMM_PLACE_NEAREST, 1, &si), -ENFILE);
	ASSERT_EQ(gmm_alloc(h[1], 3, PG, GMM_PLACE_MOST_FREE, 1, &si), -ENFILE);
	ASSERT_EQ(part_sections(0), 1);
	ASSERT_EQ(part_sections(1), 1);
	ASSERT_EQ(gmm_lookup(obs, 3, &li), -ENOENT);
	ASSERT_CLEAN(obs);
	/* A release makes room for exactly one more. */
	ASSERT_EQ(gmm_release(h[1], 1, 10 + 1, GMM_SHARER_ANY), 0);
	ASSERT_EQ(gmm_acquire(h[1], 1, 21, NULL), 0);
	ASSERT_EQ(gmm_acquire(h[1], 1, 22, NULL), -ENFILE);
	unit_finish();
}

static void test_placement(void)
{
	static const u32 ballast[NODES] = { 10, 20, 5, 30 };
	struct gmm_seg_info si;
	struct gmm_node_info ni;
	struct gmm_recovery_report rep = { 0 };
	struct gmm_part_info pi;
	u32 p;
	int n;

	unit_setup();
	/* Explicit partitions. */
	for (p = 0; p < NODES; p++) {
		ASSERT_EQ(gmm_alloc(h[(p + 1) % NODES], 100 + p,
				    (u64)ballast[p] * PG, (int)p, 1, &si), 0);
		ASSERT_EQ(si.part, p);
	}
	/* Nearest: own partition, whatever the others have free. */
	for (n = 0; n < NODES; n++) {
		ASSERT_EQ(gmm_alloc(h[n], 200 + n, PG, GMM_PLACE_NEAREST, 1, &si), 0);
		ASSERT_EQ(si.part, (u32)n);
	}
	/* Most free: partition 2 (6 pages used), then 0 once 2 has more. */
	ASSERT_EQ(gmm_alloc(h[3], 300, PG, GMM_PLACE_MOST_FREE, 1, &si), 0);
	ASSERT_EQ(si.part, 2);
	ASSERT_EQ(gmm_alloc(h[3], 301, 10 * PG, 2, 1, &si), 0);
	ASSERT_EQ(gmm_alloc(h[3], 302, PG, GMM_PLACE_MOST_FREE, 1, &si), 0);
	ASSERT_EQ(si.part, 0);

	/* A full partition: explicit and nearest fall back to the most free. */
	ASSERT_EQ(gmm_alloc(h[3], 303, (u64)part_free(3) * PG, 3, 1, &si), 0);
	ASSERT_EQ(si.part, 3);
	ASSERT_EQ(part_free(3), 0);
	ASSERT_EQ(gmm_alloc(h[3], 304, PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 0); /* 0 has 12 pages used, 1 has 21, 2 has 17 */
	ASSERT_EQ(gmm_alloc(h[1], 305, PG, 3, 1, &si), 0);
	ASSERT_EQ(si.part, 0);
	ASSERT_CLEAN(obs);

	/*
	 * Nearest prefers the partitions a node manages: node 2 dies, node 1
	 * recovers it and manages partition 2, which has less room than 0.
	 */
	ASSERT_EQ(gmm_node_info(obs, 2, &ni), 0);
	ASSERT_EQ(gmm_node_down(h[0], 2, ni.incarnation, false), 0);
	gmm_detach(h[2]);
	h[2] = NULL;
	ASSERT_EQ(unit_recover(h[1], 2, &rep), 0);
	ASSERT_EQ(rep.partition_taken_over, true);
	ASSERT_EQ(gmm_part_info(obs, 2, &pi), 0);
	ASSERT_EQ(pi.manager, 1);
	ASSERT_EQ(gmm_alloc(h[1], 306, (u64)part_free(1) * PG, 1, 1, &si), 0);
	ASSERT_EQ(si.part, 1);
	CU_ASSERT(part_free(2) < part_free(0));
	ASSERT_EQ(gmm_alloc(h[1], 307, PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 2);
	ASSERT_EQ(gmm_alloc(h[0], 308, PG, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 0);
	ASSERT_EQ(gmm_alloc(h[3], 309, PG, GMM_PLACE_MOST_FREE, 1, &si), 0);
	ASSERT_EQ(si.part, 0);
	unit_finish();
}

/* Sizes from one page to a whole partition; none overlaps another. */
static void test_sizes_and_content(void)
{
	static const u32 sizes[] = { 1, 2, 3, 63, 64, 65, 127, 128, 129, 200, 1 };
	struct gmm_seg_info si[ARRAY_SIZE(sizes) + 4], li;
	int creator[ARRAY_SIZE(sizes) + 4];
	u32 n = 0, i, j, used = 0;
	int node;

	unit_setup();
	for (i = 0; i < ARRAY_SIZE(sizes); i++, n++) {
		creator[n] = 0;
		ASSERT_EQ(gmm_alloc(h[0], 1 + n, (u64)sizes[i] * PG, 0, 1, &si[n]), 0);
		ASSERT_EQ(si[n].size, (u64)sizes[i] * PG);
		ASSERT_EQ(si[n].part, 0);
		used += sizes[i];
		ASSERT_EQ(part_free(0), geo.part_data_pages - used);
	}
	/* A whole partition, and one page short of one plus a page. */
	creator[n] = 1;
	ASSERT_EQ(gmm_alloc(h[1], 1 + n, (u64)geo.part_data_pages * PG, 1, 1, &si[n]), 0);
	ASSERT_EQ(si[n++].part, 1);
	creator[n] = 2;
	ASSERT_EQ(gmm_alloc(h[2], 1 + n, (u64)(geo.part_data_pages - 1) * PG, 2, 1, &si[n]), 0);
	ASSERT_EQ(si[n++].part, 2);
	creator[n] = 3;
	ASSERT_EQ(gmm_alloc(h[3], 1 + n, PG, 2, 1, &si[n]), 0);
	ASSERT_EQ(si[n++].part, 2);
	ASSERT_EQ(part_free(1), 0);
	ASSERT_EQ(part_free(2), 0);

	for (i = 0; i < n; i++) {
		assert_in_partition(&si[i]);
		for (j = 0; j < i; j++)
			if (si[i].offset < si[j].offset + si[j].size &&
			    si[j].offset < si[i].offset + si[i].size) {
				fprintf(stderr, "    segments %u and %u overlap\n", i, j);
				CU_FAIL("overlapping segments");
			}
		unit_fill(gmm_seg_ptr(h[creator[i]], &si[i]), si[i].size, 1 + i);
	}
	/* Every pattern intact, read through every node's mapping. */
	for (node = 0; node < NODES; node++)
		for (i = 0; i < n; i++) {
			ASSERT_EQ(gmm_acquire(h[node], 1 + i, 50, &li), 0);
			ASSERT_EQ(li.offset, si[i].offset);
			ASSERT_EQ(unit_verify(gmm_seg_ptr(h[node], &li), li.size, 1 + i), 0);
		}
	ASSERT_CLEAN(obs);
	{
		int ret;
		struct gmm_check_report rep = unit_check(obs, &ret);

		ASSERT_EQ(rep.segments, n);
		ASSERT_EQ(rep.sharers, n * (NODES + 1));
		ASSERT_EQ(rep.free_pages, geo.part_data_pages - used +
					  geo.part_data_pages);
	}
	/* Free everything: all pages come back. */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(gmm_destroy(h[(i + 1) % NODES], 1 + i), 0);
		for (node = 0; node < NODES; node++)
			ASSERT_EQ(gmm_release(h[node], 1 + i, 50, GMM_SHARER_ANY), 0);
		ASSERT_EQ(gmm_release(h[creator[i]], 1 + i, 1, si[i].sharer), 0);
	}
	for (i = 0; i < NODES; i++) {
		ASSERT_EQ(part_free(i), geo.part_data_pages);
		ASSERT_EQ(part_sections(i), 0);
	}
	unit_finish();
}

/* ---- random operations against a model ---- */

#define M_GIDS 64
#define M_SHARES 16

struct m_share {
	int node;
	u32 pid;
	u32 sharer;
};

struct m_seg {
	bool exists, destroyed;
	u64 size, seed, offset;
	u32 part;
	u32 nshares;
	struct m_share share[M_SHARES];
};

static struct m_seg model[M_GIDS + 1];
static u64 rng_state = 0x1234567;

static u32 rnd(u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state % n);
}

static void m_drop(u64 gid, u32 k)
{
	struct m_seg *m = &model[gid];

	m->share[k] = m->share[--m->nshares];
	if (m->destroyed && !m->nshares)
		memset(m, 0, sizeof(*m));
}

static void test_random_model(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };
	struct gmm_seg_info si;
	u64 used_pages = 0, total_shares, segs, pages, seed = 1;
	u32 op, gid, k, mismatches = 0;
	int node, ret, place, expect;
	struct m_seg *m;

	unit_setup_with(32 * MiB, &fp, UNIT_ALL_NODES);
	memset(model, 0, sizeof(model));
	for (op = 0; op < 20000; op++) {
		gid = 1 + rnd(M_GIDS);
		node = (int)rnd(NODES);
		m = &model[gid];
		switch (rnd(6)) {
		case 0: /* alloc */
		case 1: {
			u64 size = (u64)(1 + rnd(24)) * PG;

			place = (int)rnd(NODES + 2) - 2;
			ret = gmm_alloc(h[node], gid, size, place, 1 + (u32)node, &si);
			expect = m->exists ? -EEXIST : 0;
			ASSERT_EQ(ret, expect);
			if (ret)
				break;
			ASSERT_EQ(si.part, place >= 0 ? (u32)place :
				  place == GMM_PLACE_NEAREST ? (u32)node : si.part);
			*m = (struct m_seg){ .exists = true, .size = size,
					     .seed = ++seed, .offset = si.offset,
					     .part = si.part, .nshares = 1 };
			m->share[0] = (struct m_share){ node, 1 + (u32)node, si.sharer };
			unit_fill(gmm_seg_ptr(h[node], &si), size, m->seed);
			break;
		}
		case 2: /* acquire */
			if (m->nshares == M_SHARES)
				break;
			ret = gmm_acquire(h[node], gid, 10 + (u32)node, &si);
			expect = m->exists && !m->destroyed ? 0 : -ENOENT;
			ASSERT_EQ(ret, expect);
			if (ret)
				break;
			ASSERT_EQ(si.offset, m->offset);
			ASSERT_EQ(si.size, m->size);
			ASSERT_EQ(si.nr_sharers, m->nshares + 1);
			mismatches += unit_verify(gmm_seg_ptr(h[node], &si), si.size,
					     m->seed) != 0;
			m->share[m->nshares++] =
				(struct m_share){ node, 10 + (u32)node, si.sharer };
			break;
		case 3: /* release, of a held share or of one that is not */
			if (m->nshares && rnd(4)) {
				struct m_share s;

				k = rnd(m->nshares);
				s = m->share[k];
				ASSERT_EQ(gmm_release(h[s.node], gid, s.pid,
						      rnd(2) ? s.sharer : GMM_SHARER_ANY), 0);
				m_drop(gid, k);
			} else {
				ASSERT_EQ(gmm_release(h[node], gid, 99, GMM_SHARER_ANY), -ENOENT);
			}
			break;
		case 4: /* destroy */
			ret = gmm_destroy(h[node], gid);
			expect = m->exists && !m->destroyed ? 0 : -ENOENT;
			ASSERT_EQ(ret, expect);
			if (!ret) {
				m->destroyed = true;
				if (!m->nshares)
					memset(m, 0, sizeof(*m));
			}
			break;
		case 5: /* lookup */
			ret = gmm_lookup(rnd(2) ? obs : h[node], gid, &si);
			expect = m->exists && !m->destroyed ? 0 : -ENOENT;
			ASSERT_EQ(ret, expect);
			if (!ret) {
				ASSERT_EQ(si.offset, m->offset);
				ASSERT_EQ(si.nr_sharers, m->nshares);
				ASSERT_EQ(si.part, m->part);
			}
			break;
		}
		if (op % 50 == 49)
			ASSERT_CLEAN(obs);
	}
	ASSERT_EQ(mismatches, 0);

	/* The tables hold exactly what the model holds. */
	segs = total_shares = pages = 0;
	for (gid = 1; gid <= M_GIDS; gid++) {
		m = &model[gid];
		if (!m->exists)
			continue;
		segs++;
		total_shares += m->nshares;
		pages += m->size / PG;
		ASSERT_EQ(unit_verify(gmm_seg_ptr(obs, &(struct gmm_seg_info){
						      .offset = m->offset }),
				 m->size, m->seed), 0);
	}
	used_pages = pages;

	/* The iterator lists the undestroyed segments, each exactly once. */
	for (k = 0; k < 2; k++) {
		struct gmm_region *r = k ? h[2] : obs;
		u32 cursor = 0, listed = 0, live = 0, seen[M_GIDS + 1] = { 0 };

		while ((ret = gmm_seg_list(r, &cursor, &si)) == 0) {
			listed++;
			ASSERT_EQ(si.gid >= 1 && si.gid <= M_GIDS, true);
			if (si.gid < 1 || si.gid > M_GIDS)
				continue;
			m = &model[si.gid];
			seen[si.gid]++;
			ASSERT_EQ(m->exists && !m->destroyed, true);
			ASSERT_EQ(si.size, m->size);
			ASSERT_EQ(si.part, m->part);
			ASSERT_EQ(si.offset, m->offset);
			ASSERT_EQ(si.nr_sharers, m->nshares);
		}
		ASSERT_EQ(ret, -ENOENT);
		ASSERT_EQ(gmm_seg_list(r, &cursor, &si), -ENOENT);
		for (gid = 1; gid <= M_GIDS; gid++) {
			live += model[gid].exists && !model[gid].destroyed;
			ASSERT_EQ(seen[gid], model[gid].exists && !model[gid].destroyed);
		}
		ASSERT_EQ(listed, live);
	}
	{
		struct gmm_check_report rep = unit_check(obs, &ret);

		ASSERT_EQ(ret, 0);
		ASSERT_EQ(rep.violations, 0);
		ASSERT_EQ(rep.segments, segs);
		ASSERT_EQ(rep.sharers, total_shares);
		ASSERT_EQ(rep.free_pages,
			  (u64)NODES * geo.part_data_pages - used_pages);
	}
	unit_finish();
}

/*
 * gmm_seg_list() over a crowded master table (stripes with many entries,
 * neighbours in one stripe, tombstones of destroyed segments): every
 * undestroyed segment exactly once with its size, home and sharers; a
 * destroyed segment still shared is not listed.
 */
static void test_seg_list(void)
{
	enum { N = 240 };
	static u32 seen[N + 1];
	struct gmm_seg_info si;
	u32 cursor, listed, live, gid, k;
	int ret;

	unit_setup();
	memset(seen, 0, sizeof(seen));
	for (gid = 1; gid <= N; gid++)
		ASSERT_EQ(gmm_alloc(h[gid % NODES], gid, (1 + gid % 3) * PG,
				    GMM_PLACE_NEAREST, 1, NULL), 0);
	for (gid = 5; gid <= N; gid += 5)
		ASSERT_EQ(gmm_acquire(h[(gid + 1) % NODES], gid, 2, NULL), 0);
	/* Every third destroyed; those also shared by a second node stay
	 * in the tables until released, but are not listed. */
	for (gid = 3; gid <= N; gid += 3)
		ASSERT_EQ(gmm_destroy(h[0], gid), 0);
	for (gid = 3; gid <= N; gid += 3)
		if (gid % 5)
			ASSERT_EQ(gmm_release(h[gid % NODES], gid, 1, GMM_SHARER_ANY), 0);
	for (k = 0; k < 2; k++) {
		cursor = listed = live = 0;
		memset(seen, 0, sizeof(seen));
		while ((ret = gmm_seg_list(k ? h[1] : obs, &cursor, &si)) == 0) {
			listed++;
			if (si.gid < 1 || si.gid > N) {
				ASSERT_EQ(si.gid, 0);
				continue;
			}
			seen[si.gid]++;
			ASSERT_EQ(si.size, (1 + si.gid % 3) * PG);
			ASSERT_EQ(si.part, si.gid % NODES);
			ASSERT_EQ(si.nr_sharers, si.gid % 5 ? 1 : 2);
		}
		ASSERT_EQ(ret, -ENOENT);
		for (gid = 1; gid <= N; gid++) {
			live += gid % 3 != 0;
			ASSERT_EQ(seen[gid], gid % 3 != 0);
		}
		ASSERT_EQ(listed, live);
	}
	/* Release the destroyed shared ones: nothing else changes. */
	for (gid = 15; gid <= N; gid += 15) {
		ASSERT_EQ(gmm_release(h[gid % NODES], gid, 1, GMM_SHARER_ANY), 0);
		ASSERT_EQ(gmm_release(h[(gid + 1) % NODES], gid, 2, GMM_SHARER_ANY), 0);
	}
	cursor = listed = 0;
	while (gmm_seg_list(obs, &cursor, &si) == 0)
		listed++;
	ASSERT_EQ(listed, live);
	unit_finish();
}

/* gmm_seg_zero() zeroes all of a segment larger than its chunk, only it. */
static void test_seg_zero(void)
{
	struct gmm_seg_info si, next;
	u64 size = 3 * MiB + 5 * PG, i;
	u8 *p, *q;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[0], 0x300, size, 0, 1, &si), 0);
	ASSERT_EQ(gmm_alloc(h[0], 0x301, PG, 0, 1, &next), 0);
	p = gmm_seg_ptr(h[0], &si);
	q = gmm_seg_ptr(h[0], &next);
	memset(p, 0xa5, size);
	memset(q, 0x5a, PG);
	gmm_seg_zero(h[0], &si);
	for (i = 0; i < size && !p[i]; i++)
		;
	ASSERT_EQ(i, size);
	for (i = 0; i < PG && q[i] == 0x5a; i++)
		;
	ASSERT_EQ(i, PG);
	ASSERT_EQ(gmm_release(h[0], 0x300, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x300), 0);
	ASSERT_EQ(gmm_release(h[0], 0x301, 1, next.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x301), 0);
	unit_finish();
}

/* What the prepare hook saw: the segment, and whether it could be found. */
struct prep_seen {
	int calls;
	struct gmm_seg_info info;
	int lookup; /* an observer's gmm_lookup() from inside the hook */
};

static void prep_mark(struct gmm_region *r, const struct gmm_seg_info *info,
		      void *arg)
{
	struct prep_seen *seen = arg;

	seen->calls++;
	seen->info = *info;
	memset(gmm_seg_ptr(r, info), 0x77, info->size);
	/* The allocator holds the stripe lock: an observer gives up. */
	seen->lookup = gmm_lookup(obs, info->gid, NULL);
}

static void test_alloc_prepared(void)
{
	struct prep_seen seen = { 0 };
	struct gmm_seg_prep prep = { .fn = prep_mark, .arg = &seen };
	struct gmm_seg_info si;
	u64 i;
	u8 *p;

	unit_setup();
	ASSERT_EQ(gmm_alloc_prepared(h[0], 0x400, 4 * PG, 0, 1, &prep, &si), 0);
	ASSERT_EQ(seen.calls, 1);
	/* Not to be found before the commit. */
	CU_ASSERT(seen.lookup == -ETIMEDOUT || seen.lookup == -EOWNERDEAD);
	ASSERT_EQ(seen.info.offset, si.offset);
	ASSERT_EQ(seen.info.size, si.size);
	ASSERT_EQ(seen.info.gid, 0x400);
	p = gmm_seg_ptr(h[0], &si);
	for (i = 0; i < si.size && p[i] == 0x77; i++)
		;
	ASSERT_EQ(i, si.size);
	/* A failed allocation prepares nothing. */
	ASSERT_EQ(gmm_alloc_prepared(h[0], 0x400, PG, 0, 1, &prep, NULL),
		  -EEXIST);
	ASSERT_EQ(gmm_alloc_prepared(h[1], 0x401,
				     (u64)geo.part_data_pages * PG + PG, 0, 1,
				     &prep, NULL), -EFBIG);
	ASSERT_EQ(seen.calls, 1);
	ASSERT_EQ(gmm_release(h[0], 0x400, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x400), 0);
	ASSERT_CLEAN(obs);
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "alloc, lookup, acquire, release, destroy", test_alloc_lookup_basic },
		{ "bad arguments", test_bad_arguments },
		{ "handles that have not joined", test_not_joined },
		{ "duplicate and unknown GIDs", test_duplicate_and_unknown },
		{ "release and destroy errors", test_release_and_destroy_errors },
		{ "destroy follows the shm_unlink rule", test_shm_unlink_rule },
		{ "region full", test_region_full },
		{ "fragmented free pages", test_fragmented_full },
		{ "first fit finds the longest free run", test_first_fit_runs },
		{ "master stripe full", test_master_stripe_full },
		{ "section table full", test_section_table_full },
		{ "sharer table full", test_sharer_table_full },
		{ "placement policies", test_placement },
		{ "sizes, overlap and content", test_sizes_and_content },
		{ "random operations against a model", test_random_model },
		{ "the segment iterator", test_seg_list },
		{ "zeroing a segment in chunks", test_seg_zero },
		{ "pages prepared before the segment can be found",
		  test_alloc_prepared },
	};

	return unit_run("ops", tests, ARRAY_SIZE(tests));
}
