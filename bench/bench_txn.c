// SPDX-License-Identifier: GPL-2.0
/*
 * bench_txn - the cost of one segment transaction against POSIX shm.
 *
 *   alloc  gmm_alloc() of a segment (create + commit, the creator becomes
 *          its first sharer)                    vs shm_open(O_CREAT|O_EXCL)
 *                                                  + ftruncate + close
 *   free   gmm_destroy() + gmm_release() of it (two transactions: the GID
 *          goes, then the last share, which frees the memory)
 *                                               vs shm_unlink
 *   pair   alloc + free                         vs the sum of both
 *
 * for 4 KiB and 2 MiB segments. One run times a batch of BATCH allocs,
 * then the BATCH frees, of gmm on a freshly formatted region and of shm,
 * the order alternating from run to run; every figure is the median of
 * RUNS runs, in ns per operation. Ratio = shm time / gmm time (> 1: gmm is
 * faster); the target is >= 5.
 *
 * Neither side touches the memory: this is the cost of the bookkeeping.
 *
 * "aged" repeats the 4 KiB case on a region whose master table has seen
 * AGE_FACTOR x master_entries distinct GIDs come and go (untimed): freed
 * master entries stay tombstones, so probe chains lengthen until a lookup
 * of a new GID scans the whole stripe (master_entries / 64 entries). The
 * tables here are small (16384 master entries), so this shows the shape of
 * the effect, not its size on a region with derived (larger) tables.
 */
#include "bench.h"

#define RUNS 9
#define BATCH 2000
#define NODE 0
#define AGE_FACTOR 8

struct size_case {
	const char *tag;
	u64 size;
};

static const struct size_case cases[] = {
	{ "4k", 4 * KiB },
	{ "2m", 2 * MiB },
};

static struct bench_fabric fab;
static struct gmm_seg_info infos[BATCH];
static char shm_names[BATCH][48];

/* Tables for BATCH live segments and then some; data for BATCH x 2 MiB. */
static const struct gmm_format_params params = {
	.nr_parts = 2,
	.master_entries = 16384,
	.sections_per_part = 4096,
	.sharers_per_part = 4096,
};

static u64 region_size(void)
{
	/* Two partitions, each holding BATCH 2 MiB segments plus tables. */
	return 2 * (BATCH * 2 * MiB + 64 * MiB);
}

static u64 gmm_alloc_batch(struct gmm_region *r, u64 gid0, u64 size)
{
	u64 t0, t1;
	int i, ret;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		ret = gmm_alloc(r, gid0 + (u64)i, size, GMM_PLACE_NEAREST,
				1, &infos[i]);
		if (ret)
			bench_die("gmm_alloc", ret);
	}
	t1 = bench_now_ns();
	return t1 - t0;
}

static u64 gmm_free_batch(struct gmm_region *r, u64 gid0)
{
	u64 t0, t1;
	int i, ret;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		ret = gmm_destroy(r, gid0 + (u64)i);
		if (!ret)
			ret = gmm_release(r, gid0 + (u64)i, 1, infos[i].sharer);
		if (ret)
			bench_die("gmm_destroy/gmm_release", ret);
	}
	t1 = bench_now_ns();
	return t1 - t0;
}

static u64 shm_alloc_batch(u64 size)
{
	u64 t0, t1;
	int i;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++)
		bench_shm_create(shm_names[i], size);
	t1 = bench_now_ns();
	return t1 - t0;
}

static u64 shm_free_batch(void)
{
	u64 t0, t1;
	int i;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++)
		if (shm_unlink(shm_names[i]))
			bench_die("shm_unlink", errno);
	t1 = bench_now_ns();
	return t1 - t0;
}

static void report(const char *what, const char *tag, const double *g,
		   const double *b, const char *baseline, bool aged)
{
	double gm = bench_median(g, RUNS), bm = bench_median(b, RUNS);
	char name[64], extra[256], aged_extra[96];

	snprintf(aged_extra, sizeof(aged_extra),
		 ", \"master_entries\": %u, \"gids_churned\": %u",
		 params.master_entries, AGE_FACTOR * params.master_entries);
	snprintf(name, sizeof(name), "txn_%s_%s%s", what, tag,
		 aged ? "_aged" : "");
	snprintf(extra, sizeof(extra),
		 "\"target\": \">= 5\", \"runs\": %d, \"batch\": %d, "
		 "\"min\": %.0f, \"max\": %.0f%s",
		 RUNS, BATCH, bench_min(g, RUNS), bench_max(g, RUNS),
		 aged ? aged_extra : "");
	bench_result(name, gm, "ns/op", baseline, bm, bm / gm, extra);
}

/* Churn @n distinct GIDs through alloc and free (untimed). */
static void age_region(struct gmm_region *r, u64 *gid, u32 n)
{
	u32 k;

	for (k = 0; k < n; k += BATCH) {
		gmm_alloc_batch(r, *gid, 4 * KiB);
		gmm_free_batch(r, *gid);
		*gid += BATCH;
	}
}

/* RUNS interleaved runs of one case, then its three results. */
static void measure(const struct size_case *sc, bool aged, u64 *gid)
{
	double ga[RUNS], gf[RUNS], gp[RUNS], ba[RUNS], bf[RUNS], bp[RUNS];
	struct gmm_region *r = NULL;
	int run;

	/* Warm up both sides (code, allocator, dentry caches). */
	r = bench_fresh_region(&fab, &params, NODE);
	gmm_alloc_batch(r, *gid, sc->size);
	gmm_free_batch(r, *gid);
	*gid += BATCH;
	if (aged)
		age_region(r, gid, AGE_FACTOR * params.master_entries);
	else
		gmm_detach(r);
	shm_alloc_batch(sc->size);
	shm_free_batch();

	for (run = 0; run < RUNS; run++) {
		if (!aged)
			r = bench_fresh_region(&fab, &params, NODE);
		if (run % 2) {
			ba[run] = (double)shm_alloc_batch(sc->size) / BATCH;
			bf[run] = (double)shm_free_batch() / BATCH;
		}
		ga[run] = (double)gmm_alloc_batch(r, *gid, sc->size) / BATCH;
		gf[run] = (double)gmm_free_batch(r, *gid) / BATCH;
		*gid += BATCH;
		if (!(run % 2)) {
			ba[run] = (double)shm_alloc_batch(sc->size) / BATCH;
			bf[run] = (double)shm_free_batch() / BATCH;
		}
		gp[run] = ga[run] + gf[run];
		bp[run] = ba[run] + bf[run];
		if (!aged)
			gmm_detach(r);
	}
	if (aged)
		gmm_detach(r);
	report("alloc", sc->tag, ga, ba, "shm_open+ftruncate+close", aged);
	report("free", sc->tag, gf, bf, "shm_unlink", aged);
	report("pair", sc->tag, gp, bp, "shm_open+ftruncate+close+shm_unlink",
	       aged);
}

int main(void)
{
	u64 gid = 1;
	size_t c;
	int i;

	bench_fabric_create(&fab, "txn", region_size());
	for (i = 0; i < BATCH; i++)
		bench_shm_name(shm_names[i], sizeof(shm_names[i]), "txn", i);

	for (c = 0; c < ARRAY_SIZE(cases); c++)
		measure(&cases[c], false, &gid);
	measure(&cases[0], true, &gid);
	bench_fabric_destroy(&fab);
	return 0;
}
