// SPDX-License-Identifier: GPL-2.0
/*
 * bench_recovery - how long member_recover() takes for a dead node holding N
 * allocations, N = 1, 64, 1000, 10000, 100000.
 *
 * A region of 4 partitions of 512 MiB (tables sized for 100000 4 KiB
 * segments in one partition) is formatted; nodes 0..3 join (all alive, as
 * in a running cluster), node A = 2 allocates N 4 KiB segments with
 * GMM_PLACE_NEAREST (so they are homed in its own partition), then
 * gmm_node_down(A) and node B = 3 runs member_recover(A), which alone is
 * timed. Two variants:
 *
 *   survive  A's memory survived: its shares are dropped, B takes over
 *            the management of A's partition;
 *   lost     A's memory died with it: every segment homed there is
 *            revoked (the revocation path).
 *
 * Every run formats the region again and pushes the tables out of the
 * recoverer's L2 cache, as a dead node's tables would be (not timed). Each figure is the
 * median of RUNS runs, the N interleaved. The target: <= 1 ms at
 * 1000 allocations, growth no worse than linear; the per-allocation
 * slopes between consecutive N are printed so linearity can be judged.
 *
 * Also, for N = 1000, the case where A holds the primary master table copy
 * (A = 0): recovery then rebuilds that copy on a live node's partition.
 */
#include "bench.h"

#define RUNS 7
#define NODES 4
#define PART_SIZE (512 * MiB)
#define MAX_N 100000
#define MASTER_HOLDER_N 1000

static const u32 counts[] = { 1, 64, 1000, 10000, 100000 };
#define NCOUNTS ARRAY_SIZE(counts)

static const struct gmm_format_params params = {
	.nr_parts = NODES,
	.master_entries = 262144, /* 64 stripes x 4096: 100000 fill ~38% */
	.sections_per_part = 131072,
	.sharers_per_part = 131072,
};

static struct bench_fabric fab;
static u64 revoked_count;
/* Per stage, of the last run: member_recover()'s own times. */
static u64 last_stage_ns[MEMBER_NR_STAGES];

static void count_revoked(void *arg, u64 gid)
{
	(void)arg;
	(void)gid;
	revoked_count++;
}

static void print_violation(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "bench_recovery: gmm_check: %s\n", msg);
}

/* More than this machine's L2 caches hold: written through, then read. */
#define EVICT_BYTES (32 * MiB)

static void evict_caches(void)
{
	static volatile u8 *buf;
	static u64 sum;
	size_t i;

	if (!buf) {
		buf = malloc(EVICT_BYTES);
		if (!buf)
			bench_die("malloc", ENOMEM);
	}
	for (i = 0; i < EVICT_BYTES; i += 64)
		buf[i] = (u8)i;
	for (i = 0; i < EVICT_BYTES; i += 64)
		sum += buf[i];
}

/*
 * One run: fresh region, A allocates @n, A dies, B recovers it (timed).
 * Returns microseconds. @check: also prove the tables clean afterwards.
 */
static double one_run(u32 a, u32 b, u32 n, bool lost, bool check)
{
	struct gmm_region *h[NODES];
	struct member_recovery rec = { .gmm.revoked = count_revoked };
	const struct gmm_recovery_report *rep = &rec.gmm;
	struct gmm_node_info ni;
	struct gmm_seg_info si;
	u64 t0, t1;
	u32 i;
	int ret;

	bench_format(fab.base, fab.size, &params);
	for (i = 0; i < NODES; i++)
		h[i] = bench_attach(fab.base, fab.size, i);
	for (i = 0; i < n; i++) {
		ret = gmm_alloc(h[a], ((u64)a + 1) << 32 | (i + 1), 4 * KiB,
				GMM_PLACE_NEAREST, 100 + i % 7, &si);
		if (ret)
			bench_die("gmm_alloc", ret);
		if (si.part != a)
			bench_die("segment not homed in its creator's partition",
				  EINVAL);
	}
	ret = gmm_node_down(h[b], a, gmm_self_incarnation(h[a]), lost);
	if (ret)
		bench_die("gmm_node_down", ret);
	revoked_count = 0;
	/*
	 * The recoverer did not write the dead node's tables: they are not in
	 * its caches. Without this the small cases ran from the cache the
	 * allocations just filled and the large ones did not.
	 */
	evict_caches();

	t0 = bench_now_ns();
	ret = member_recover(h[b], a, &rec);
	t1 = bench_now_ns();
	memcpy(last_stage_ns, rec.stage_ns, sizeof(last_stage_ns));

	if (ret)
		bench_die("member_recover", ret);
	if (gmm_node_info(h[b], a, &ni) || ni.state != GMM_NODE_CLEAN)
		bench_die("node not clean after recovery", EINVAL);
	if (lost ? rep->sections_revoked != n || revoked_count != n :
		   rep->sharers_removed != n) {
		fprintf(stderr, "bench_recovery: N=%u: %u sharers removed, %u revoked\n",
			n, rep->sharers_removed, rep->sections_revoked);
		exit(1);
	}
	if (check) {
		struct gmm_check_report cr = { .violation = print_violation };
		struct gns_check_report nr = { .violation = print_violation };

		ret = member_check(h[b], &cr, &nr);
		if (ret || cr.violations || nr.violations)
			bench_die("member_check after recovery",
				  ret ? ret : EUCLEAN);
	}
	for (i = 0; i < NODES; i++)
		gmm_detach(h[i]);
	return (double)(t1 - t0) / 1000.0;
}

static void report_variant(const char *variant, double us[][RUNS])
{
	double med[NCOUNTS], slope_small, slope_big;
	char name[64], extra[256];
	size_t k;

	fprintf(stderr, "-- recovery, memory %s: median of %d runs\n",
		variant, RUNS);
	fprintf(stderr, "   %8s %12s %14s %22s\n", "N", "us", "us/alloc",
		"slope from previous N");
	for (k = 0; k < NCOUNTS; k++) {
		med[k] = bench_median(us[k], RUNS);
		if (k)
			fprintf(stderr, "   %8u %12.1f %14.4f %17.2f ns/alloc\n",
				counts[k], med[k], med[k] / counts[k],
				(med[k] - med[k - 1]) * 1000.0 /
					(counts[k] - counts[k - 1]));
		else
			fprintf(stderr, "   %8u %12.1f %14.4f %22s\n", counts[k],
				med[k], med[k] / counts[k], "-");
	}
	for (k = 0; k < NCOUNTS; k++) {
		snprintf(name, sizeof(name), "recovery_%s_%u", variant,
			 counts[k]);
		snprintf(extra, sizeof(extra),
			 "%s\"allocations\": %u, \"per_alloc_ns\": %.1f, "
			 "\"runs\": %d, \"min\": %.1f, \"max\": %.1f",
			 counts[k] == 1000 ? "\"target\": \"<= 1000 us\", " : "",
			 counts[k], med[k] * 1000.0 / counts[k], RUNS,
			 bench_min(us[k], RUNS), bench_max(us[k], RUNS));
		bench_result(name, med[k], "us", NULL, 0, 0, extra);
	}
	/*
	 * Growth: the cost of one more allocation between 10000 and 100000,
	 * against the same between 1000 and 10000. Linear growth gives
	 * equal slopes (superlinearity 1); the fixed cost cancels out.
	 */
	slope_small = (med[3] - med[2]) * 1000.0 / (counts[3] - counts[2]);
	slope_big = (med[4] - med[3]) * 1000.0 / (counts[4] - counts[3]);
	snprintf(name, sizeof(name), "recovery_%s_ns_per_alloc", variant);
	snprintf(extra, sizeof(extra),
		 "\"target\": \"growth no worse than linear\", "
		 "\"slope_1000_10000\": %.2f, \"superlinearity\": %.3f, "
		 "\"fixed_us\": %.1f",
		 slope_small, slope_big / slope_small, med[0]);
	bench_result(name, slope_big, "ns/alloc", NULL, 0, 0, extra);
	fprintf(stderr, "   growth: %.2f ns/alloc (10000..100000) vs %.2f (1000..10000): x%.2f\n",
		slope_big, slope_small, slope_big / slope_small);
}

/* Per-stage times of one case (medians of its runs), printed and kept. */
static void report_stages(const char *label, double st[][RUNS])
{
	char name[96], extra[64];
	u32 i;

	fprintf(stderr, "   stages of %s (median us):", label);
	for (i = 0; i < MEMBER_NR_STAGES; i++)
		fprintf(stderr, " %s %.1f", member_stage_name(i),
			bench_median(st[i], RUNS));
	fprintf(stderr, "\n");
	for (i = 0; i < MEMBER_NR_STAGES; i++) {
		snprintf(name, sizeof(name), "%s_stage_%s", label,
			 member_stage_name(i));
		snprintf(extra, sizeof(extra), "\"runs\": %d", RUNS);
		bench_result(name, bench_median(st[i], RUNS), "us", NULL, 0, 0,
			     extra);
	}
}

static void keep_stages(double st[][RUNS], int run)
{
	u32 i;

	for (i = 0; i < MEMBER_NR_STAGES; i++)
		st[i][run] = last_stage_ns[i] / 1000.0;
}

/* The cases whose stages are reported: 1 and 1000 allocations. */
static int stage_case(size_t k)
{
	return counts[k] == 1 ? 0 : counts[k] == 1000 ? 1 : -1;
}

int main(void)
{
	static double us[2][NCOUNTS][RUNS], holder[2][RUNS];
	static double st[2][2][MEMBER_NR_STAGES][RUNS];
	static double holder_st[2][MEMBER_NR_STAGES][RUNS];
	char extra[256], name[64];
	int run, v;
	size_t k;

	bench_fabric_create(&fab, "recovery", 64 * MiB + NODES * PART_SIZE);

	/* Warm up: page in the tables, the code. */
	one_run(2, 3, 1000, false, true);
	one_run(2, 3, 1000, true, true);

	for (run = 0; run < RUNS; run++) {
		for (k = 0; k < NCOUNTS; k++)
			for (v = 0; v < 2; v++) {
				us[v][k][run] = one_run(2, 3, counts[k], v,
							!run && counts[k] < MAX_N);
				if (stage_case(k) >= 0)
					keep_stages(st[v][stage_case(k)], run);
			}
		for (v = 0; v < 2; v++) {
			holder[v][run] = one_run(0, 3, MASTER_HOLDER_N, v, !run);
			keep_stages(holder_st[v], run);
		}
	}
	report_variant("survive", us[0]);
	report_stages("recovery_survive_1", st[0][0]);
	report_stages("recovery_survive_1000", st[0][1]);
	report_variant("lost", us[1]);
	report_stages("recovery_lost_1", st[1][0]);
	report_stages("recovery_lost_1000", st[1][1]);
	report_stages("recovery_survive_master_holder_1000", holder_st[0]);
	report_stages("recovery_lost_master_holder_1000", holder_st[1]);
	for (v = 0; v < 2; v++) {
		snprintf(name, sizeof(name), "recovery_%s_master_holder_%u",
			 v ? "lost" : "survive", MASTER_HOLDER_N);
		snprintf(extra, sizeof(extra),
			 "\"target\": \"<= 1000 us\", \"allocations\": %u, "
			 "\"master_entries\": %u, \"runs\": %d, \"min\": %.1f, "
			 "\"max\": %.1f",
			 MASTER_HOLDER_N, params.master_entries, RUNS,
			 bench_min(holder[v], RUNS), bench_max(holder[v], RUNS));
		bench_result(name, bench_median(holder[v], RUNS), "us", NULL, 0,
			     0, extra);
	}
	bench_fabric_destroy(&fab);
	return 0;
}
