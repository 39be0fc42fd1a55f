// SPDX-License-Identifier: GPL-2.0
/*
 * test_threads - proves that gmm operations are safe when they run
 * concurrently: four nodes (each its own handle on its own mapping of the
 * fabric), two threads per node, run a bounded number of random alloc /
 * acquire / release / destroy / lookup operations on one shared GID space,
 * while an observer thread keeps running gmm_check(). It proves:
 *
 *   - every result is one the API allows at that moment (a share a thread
 *     holds can always be released; alloc fails only with -EEXIST, acquire,
 *     destroy and lookup only with -ENOENT);
 *   - every gmm_check() taken during the run finds no violation (it takes
 *     every lock, so it sees a consistent cut of the tables);
 *   - afterwards the tables add up: segments left = successful allocs -
 *     successful destroys (all shares released), no sharer is left, free
 *     pages and used sections per partition match the segments left;
 *   - no two live segments ever overlapped: each creator filled its segment
 *     with its own pattern, and every segment left still holds it.
 *
 * Three rounds, each on a fresh region. Races are found by chance, not by
 * construction: a lock that lost its mutual exclusion is usually, not
 * always, caught by one run (the crash matrix in test_recovery is the
 * deterministic part).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "unit.h"

#define THREADS_PER_NODE 2
#define NTHREADS (NODES * THREADS_PER_NODE)
#define OPS_PER_THREAD 20000
#define ROUNDS 3 /* each on a fresh region, with other random seeds */
#define GIDS 64
#define MAX_PAGES 8
#define MAX_SHARES 48

static atomic_int stop_checker;

struct share {
	u64 gid;
	u32 sharer;
};

struct worker {
	pthread_t tid;
	int node;
	u32 pid;
	u64 rng;
	struct share shares[MAX_SHARES];
	u32 nshares;
	/* counts */
	u64 allocs, destroys, acquires, releases, lookups;
	u64 unexpected, bad_info;
};

static struct worker workers[NTHREADS];

struct checker {
	pthread_t tid;
	u64 runs, violations, errors;
};

static u32 rnd(struct worker *w, u32 n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (u32)(w->rng % n);
}

static u64 pattern(u64 gid, u32 pid)
{
	return gid << 32 | pid;
}

static void fill(void *ptr, u64 size, u64 word)
{
	u64 *p = ptr, i;

	for (i = 0; i < size / 8; i++)
		p[i] = word;
}

static void unexpected(struct worker *w, const char *op, u64 gid, int ret)
{
	w->unexpected++;
	fprintf(stderr, "    node %d pid %u: %s(%" PRIu64 ") returned %d\n",
		w->node, w->pid, op, gid, ret);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct gmm_region *r = h[w->node];
	struct gmm_seg_info si;
	u32 i, k;
	u64 gid;
	int ret;

	for (i = 0; i < OPS_PER_THREAD; i++) {
		gid = 1 + rnd(w, GIDS);
		switch (rnd(w, 8)) {
		case 0:
		case 1: { /* alloc */
			u64 size = (u64)(1 + rnd(w, MAX_PAGES)) * PG;
			int place = (int)rnd(w, NODES + 2) - 2;

			if (w->nshares == MAX_SHARES)
				break;
			ret = gmm_alloc(r, gid, size, place, w->pid, &si);
			if (ret == -EEXIST)
				break;
			if (ret) {
				unexpected(w, "alloc", gid, ret);
				break;
			}
			w->allocs++;
			if (si.gid != gid || si.size != size || si.nr_sharers != 1 ||
			    (place >= 0 && si.part != (u32)place))
				w->bad_info++;
			fill(gmm_seg_ptr(r, &si), size, pattern(gid, w->pid));
			w->shares[w->nshares++] = (struct share){ gid, si.sharer };
			break;
		}
		case 2:
		case 3: /* acquire */
			if (w->nshares == MAX_SHARES)
				break;
			ret = gmm_acquire(r, gid, w->pid, &si);
			if (ret == -ENOENT)
				break;
			if (ret) {
				unexpected(w, "acquire", gid, ret);
				break;
			}
			w->acquires++;
			if (si.gid != gid || !si.nr_sharers || si.destroyed)
				w->bad_info++;
			w->shares[w->nshares++] = (struct share){ gid, si.sharer };
			break;
		case 4:
		case 5: /* release one of our shares: it must work */
			if (!w->nshares)
				break;
			k = rnd(w, w->nshares);
			ret = gmm_release(r, w->shares[k].gid, w->pid,
					  rnd(w, 2) ? w->shares[k].sharer :
						      GMM_SHARER_ANY);
			if (ret) {
				unexpected(w, "release", w->shares[k].gid, ret);
				break;
			}
			w->releases++;
			w->shares[k] = w->shares[--w->nshares];
			break;
		case 6: /* destroy */
			ret = gmm_destroy(r, gid);
			if (ret == -ENOENT)
				break;
			if (ret) {
				unexpected(w, "destroy", gid, ret);
				break;
			}
			w->destroys++;
			break;
		case 7: /* lookup */
			ret = gmm_lookup(r, gid, &si);
			if (ret == -ENOENT)
				break;
			if (ret) {
				unexpected(w, "lookup", gid, ret);
				break;
			}
			w->lookups++;
			if (si.gid != gid || si.destroyed)
				w->bad_info++;
			break;
		}
	}
	/* Give every share back. */
	while (w->nshares) {
		k = --w->nshares;
		ret = gmm_release(r, w->shares[k].gid, w->pid, w->shares[k].sharer);
		if (ret)
			unexpected(w, "final release", w->shares[k].gid, ret);
		else
			w->releases++;
	}
	return NULL;
}

static void print_violation(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "    concurrent gmm_check: %s\n", msg);
}

static void *checker_main(void *arg)
{
	struct checker *c = arg;
	struct gmm_check_report rep = { .violation = print_violation };

	do {
		if (gmm_check(obs, &rep))
			c->errors++;
		c->violations += rep.violations;
		c->runs++;
		sched_yield(); /* a cut now and then; let the workers race */
	} while (!atomic_load(&stop_checker));
	return NULL;
}

static void run_round(int round)
{
	struct gmm_format_params fp = { .nr_parts = NODES };
	u64 allocs = 0, destroys = 0, acquires = 0, releases = 0, lookups = 0;
	u64 unexp = 0, bad = 0, segs = 0, pages = 0, bad_content = 0;
	u32 part_pages[NODES] = { 0 }, part_segs[NODES] = { 0 };
	struct checker chk = { 0 };
	struct gmm_seg_info si;
	int n, t, ret;
	u64 gid;

	unit_setup_with(32 * MiB, &fp, UNIT_ALL_NODES);

	atomic_store(&stop_checker, 0);
	CU_ASSERT_FATAL(pthread_create(&chk.tid, NULL, checker_main, &chk) == 0);
	for (t = 0; t < NTHREADS; t++) {
		struct worker *w = &workers[t];

		memset(w, 0, sizeof(*w));
		w->node = t % NODES;
		w->pid = 1 + (u32)t;
		w->rng = 0x9e3779b97f4a7c15ULL * (u64)(t + 1 + NTHREADS * round);
		CU_ASSERT_FATAL(pthread_create(&w->tid, NULL, worker_main, w) == 0);
	}
	for (t = 0; t < NTHREADS; t++) {
		struct worker *w = &workers[t];

		pthread_join(w->tid, NULL);
		allocs += w->allocs;
		destroys += w->destroys;
		acquires += w->acquires;
		releases += w->releases;
		lookups += w->lookups;
		unexp += w->unexpected;
		bad += w->bad_info;
	}
	atomic_store(&stop_checker, 1);
	pthread_join(chk.tid, NULL);

	printf("\n    round %d: %" PRIu64 " allocs, %" PRIu64 " acquires, %" PRIu64
	       " releases, %" PRIu64 " destroys, %" PRIu64 " lookups; %"
	       PRIu64 " concurrent checks\n",
	       round, allocs, acquires, releases, destroys, lookups, chk.runs);
	ASSERT_EQ(unexp, 0);
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(chk.errors, 0);
	ASSERT_EQ(chk.violations, 0);
	CU_ASSERT(chk.runs > 0);
	/* Every share taken was given back. */
	ASSERT_EQ(releases, allocs + acquires);
	/* The run did real work of every kind. */
	CU_ASSERT(allocs > 100 && destroys > 100 && acquires > 100);

	/* What is left: exactly the segments not destroyed. */
	for (gid = 1; gid <= GIDS; gid++) {
		const u64 *p;
		u64 i;

		ret = gmm_lookup(obs, gid, &si);
		if (ret == -ENOENT)
			continue;
		ASSERT_EQ(ret, 0);
		if (ret)
			continue;
		segs++;
		pages += si.size / PG;
		ASSERT_EQ(si.nr_sharers, 0);
		CU_ASSERT_FATAL(si.part < NODES);
		part_pages[si.part] += (u32)(si.size / PG);
		part_segs[si.part]++;
		/* Its creator's pattern, whole. */
		p = gmm_seg_ptr(obs, &si);
		for (i = 0; i < si.size / 8; i++)
			if (p[i] != p[0] || p[i] >> 32 != gid)
				break;
		if (i != si.size / 8) {
			fprintf(stderr, "    gid %" PRIu64 ": word %" PRIu64
				" is %" PRIx64 "\n", gid, i, p[i]);
			bad_content++;
		}
	}
	ASSERT_EQ(bad_content, 0);
	ASSERT_EQ(segs, allocs - destroys);
	{
		struct gmm_check_report rep = unit_check(obs, &ret);

		ASSERT_EQ(ret, 0);
		ASSERT_EQ(rep.violations, 0);
		ASSERT_EQ(rep.segments, segs);
		ASSERT_EQ(rep.sharers, 0);
		ASSERT_EQ(rep.free_pages, (u64)NODES * geo.part_data_pages - pages);
	}
	for (n = 0; n < NODES; n++) {
		struct gmm_part_info pi;

		ASSERT_EQ(gmm_part_info(obs, (u32)n, &pi), 0);
		ASSERT_EQ(pi.free_pages, geo.part_data_pages - part_pages[n]);
		ASSERT_EQ(pi.sections_used, part_segs[n]);
	}

	/* Destroy what is left: everything comes back. */
	for (gid = 1; gid <= GIDS; gid++) {
		ret = gmm_destroy(h[gid % NODES], gid);
		if (ret != -ENOENT)
			ASSERT_EQ(ret, 0);
	}
	{
		struct gmm_check_report rep = unit_check(obs, &ret);

		ASSERT_EQ(rep.violations, 0);
		ASSERT_EQ(rep.segments, 0);
		ASSERT_EQ(rep.free_pages, (u64)NODES * geo.part_data_pages);
	}

	unit_release();
}

static void test_concurrent_ops(void)
{
	int round;

	for (round = 0; round < ROUNDS; round++)
		run_round(round);
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "concurrent operations on shared GIDs", test_concurrent_ops },
	};

	return unit_run("threads", tests, ARRAY_SIZE(tests));
}
