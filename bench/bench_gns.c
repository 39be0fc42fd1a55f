// SPDX-License-Identifier: GPL-2.0
/*
 * bench_gns - the cost of the global name service against POSIX shm names.
 *
 *   name   gns_create (a lock name: no memory behind it) + gns_lookup +
 *          gns_unlink of one name
 *                         vs shm_open(O_CREAT|O_EXCL) + close
 *                            + shm_open(existing) + close + shm_unlink
 *   seg    gns_seg_create of a 4 KiB segment (name + gmm allocation in one
 *          atomic step) + gns_seg_open from a second process id +
 *          gns_unlink + the two gmm_release()s that free it
 *                         vs shm_open(O_CREAT|O_EXCL) + ftruncate + close
 *                            + shm_open(existing) + close + shm_unlink
 *
 * One run does BATCH creates, then BATCH lookups (opens), then BATCH
 * unlinks, of gns on a freshly formatted region and of shm, the order
 * alternating from run to run; every figure is the median of RUNS runs,
 * in ns per name for the whole cycle. Ratio = shm time / gns time (> 1:
 * gns is faster); the target is >= 2. The per-step figures
 * (create, lookup, unlink) of the name case are reported too.
 *
 * Neither side touches segment memory: this is the cost of the names and
 * the bookkeeping. gns runs single-threaded on one node, so its table lock
 * is never contended here.
 */
#include "bench.h"
#include "gns/gns.h"

#define RUNS 9
#define BATCH 1000
#define NODE 0

static struct bench_fabric fab;
static char names[BATCH][48];
static char shm_names[BATCH][64];
static struct gmm_seg_info segs[BATCH], opened[BATCH];

/* A name table four times the batch: a realistic load factor. */
static const struct gmm_format_params params = {
	.nr_parts = 2,
	.master_entries = 8192,
	.sections_per_part = 2048,
	.sharers_per_part = 4096,
	.gns_entries = 4 * 1024,
};

struct steps {
	double create, lookup, unlink;
};

static void gns_names(struct gmm_region *r, struct steps *s)
{
	struct gns_info info;
	u64 t0, t1, t2, t3;
	int i, ret;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		ret = gns_create(r, names[i], GNS_TYPE_LOCK, NULL);
		if (ret)
			bench_die("gns_create", ret);
	}
	t1 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		ret = gns_lookup(r, names[i], &info);
		if (ret)
			bench_die("gns_lookup", ret);
	}
	t2 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		ret = gns_unlink(r, names[i]);
		if (ret)
			bench_die("gns_unlink", ret);
	}
	t3 = bench_now_ns();
	s->create = (double)(t1 - t0) / BATCH;
	s->lookup = (double)(t2 - t1) / BATCH;
	s->unlink = (double)(t3 - t2) / BATCH;
}

static double gns_segs(struct gmm_region *r)
{
	u64 t0, t1;
	int i, ret;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		ret = gns_seg_create(r, names[i], 4 * KiB, GMM_PLACE_NEAREST, 1,
				     &segs[i], NULL);
		if (ret)
			bench_die("gns_seg_create", ret);
	}
	for (i = 0; i < BATCH; i++) {
		ret = gns_seg_open(r, names[i], 2, &opened[i]);
		if (ret)
			bench_die("gns_seg_open", ret);
	}
	for (i = 0; i < BATCH; i++) {
		ret = gns_unlink(r, names[i]);
		if (!ret)
			ret = gmm_release(r, segs[i].gid, 1, segs[i].sharer);
		if (!ret)
			ret = gmm_release(r, segs[i].gid, 2, opened[i].sharer);
		if (ret)
			bench_die("gns_unlink/gmm_release", ret);
	}
	t1 = bench_now_ns();
	return (double)(t1 - t0) / BATCH;
}

static void shm_names_cycle(u64 size, struct steps *s)
{
	u64 t0, t1, t2, t3;
	int i, fd;

	t0 = bench_now_ns();
	for (i = 0; i < BATCH; i++)
		bench_shm_create(shm_names[i], size);
	t1 = bench_now_ns();
	for (i = 0; i < BATCH; i++) {
		fd = shm_open(shm_names[i], O_RDWR, 0);
		if (fd < 0)
			bench_die(shm_names[i], errno);
		close(fd);
	}
	t2 = bench_now_ns();
	for (i = 0; i < BATCH; i++)
		if (shm_unlink(shm_names[i]))
			bench_die("shm_unlink", errno);
	t3 = bench_now_ns();
	s->create = (double)(t1 - t0) / BATCH;
	s->lookup = (double)(t2 - t1) / BATCH;
	s->unlink = (double)(t3 - t2) / BATCH;
}

static void report(const char *name, const double *g, const double *b,
		   const char *baseline)
{
	double gm = bench_median(g, RUNS), bm = bench_median(b, RUNS);
	char extra[160];

	snprintf(extra, sizeof(extra),
		 "\"target\": \">= 2\", \"runs\": %d, \"batch\": %d, "
		 "\"min\": %.0f, \"max\": %.0f",
		 RUNS, BATCH, bench_min(g, RUNS), bench_max(g, RUNS));
	bench_result(name, gm, "ns/op", baseline, bm, bm / gm, extra);
}

int main(void)
{
	double gc[RUNS], gl[RUNS], gu[RUNS], gn[RUNS], gs[RUNS];
	double bc[RUNS], bl[RUNS], bu[RUNS], bn[RUNS], bs[RUNS];
	struct gmm_region *r;
	struct steps g, b;
	int i, run;

	bench_fabric_create(&fab, "gns", 64 * MiB);
	for (i = 0; i < BATCH; i++) {
		snprintf(names[i], sizeof(names[i]), "/bench-name-%d", i);
		bench_shm_name(shm_names[i], sizeof(shm_names[i]), "gns", i);
	}
	/* Warm up both sides (code, allocator, dentry caches). */
	r = bench_fresh_region(&fab, &params, NODE);
	gns_names(r, &g);
	gns_segs(r);
	gmm_detach(r);
	shm_names_cycle(0, &b);

	for (run = 0; run < RUNS; run++) {
		if (run % 2) {
			shm_names_cycle(0, &b);
			bn[run] = b.create + b.lookup + b.unlink;
			bc[run] = b.create;
			bl[run] = b.lookup;
			bu[run] = b.unlink;
			shm_names_cycle(4 * KiB, &b);
			bs[run] = b.create + b.lookup + b.unlink;
		}
		r = bench_fresh_region(&fab, &params, NODE);
		gns_names(r, &g);
		gn[run] = g.create + g.lookup + g.unlink;
		gc[run] = g.create;
		gl[run] = g.lookup;
		gu[run] = g.unlink;
		gs[run] = gns_segs(r);
		gmm_detach(r);
		if (!(run % 2)) {
			shm_names_cycle(0, &b);
			bn[run] = b.create + b.lookup + b.unlink;
			bc[run] = b.create;
			bl[run] = b.lookup;
			bu[run] = b.unlink;
			shm_names_cycle(4 * KiB, &b);
			bs[run] = b.create + b.lookup + b.unlink;
		}
	}
	report("gns_name_create_lookup_unlink", gn, bn,
	       "shm_open(excl)+close+shm_open+close+shm_unlink");
	report("gns_name_create", gc, bc, "shm_open(excl)+close");
	report("gns_name_lookup", gl, bl, "shm_open+close");
	report("gns_name_unlink", gu, bu, "shm_unlink");
	report("gns_seg_create_open_unlink_4k", gs, bs,
	       "shm_open(excl)+ftruncate+close+shm_open+close+shm_unlink");
	bench_fabric_destroy(&fab);
	return 0;
}
