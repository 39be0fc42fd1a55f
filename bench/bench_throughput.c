// SPDX-License-Identifier: GPL-2.0
/*
 * bench_throughput - aggregate operation throughput of 1, 2 and 4 nodes,
 * each node a separate process (fork) that maps the same /dev/shm fabric
 * at its own address and joins as its own node.
 *
 * Every process runs ITERS iterations of a fixed mix of five operations:
 *
 *   gmm                                     POSIX shm baseline
 *   gmm_alloc(own new GID, 4 KiB)           shm_open(O_CREAT|O_EXCL) + ftruncate
 *   gmm_acquire(another node's segment)     shm_open(another's object)
 *   gmm_release(that share)                 close(that fd)
 *   gmm_destroy(own GID)                    shm_unlink(own name)
 *   gmm_release(own share: frees it)        close(own fd)
 *
 * "Another node's segment" is homed in the next node's partition (node 4,
 * an idle node that set the shared segments up, when there is only one).
 * All processes start together: they spin on a shared word that the
 * parent sets once every one of them is ready. Throughput = all processes'
 * operations / (last one's end - start). Each figure is the median of RUNS
 * runs; gmm and the baseline alternate within each run. Ratio = gmm ops/s
 * / baseline ops/s (> 1: gmm is better).
 */
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "bench.h"

#define RUNS 5
#define ITERS 20000
#define OPS_PER_ITER 5
#define MAX_WORKERS 4
#define SETUP_NODE MAX_WORKERS /* node 4 */
#define NR_PARTS (MAX_WORKERS + 1)
#define PART_SIZE (64 * MiB)
#define PUB_GID(j) (0xb0b0000000000000ULL | (u64)(j))

static const int nworkers[] = { 1, 2, 4 };
#define NCONFIGS ARRAY_SIZE(nworkers)

static const struct gmm_format_params params = {
	.nr_parts = NR_PARTS,
	/* Room for every GID a run uses (4 x ITERS) without long probes. */
	.master_entries = 262144,
	.sections_per_part = 1024,
	.sharers_per_part = 2048,
};

/* Shared between the parent and its children (anonymous MAP_SHARED). */
struct sync {
	atomic_int ready;
	atomic_int go;
	u64 end_ns[MAX_WORKERS];
};

static struct bench_fabric fab;
static struct sync *sync_page;
static char pub_names[NR_PARTS][BENCH_NAME_MAX];

static void spin_until(atomic_int *word, int value)
{
	unsigned int spins = 0;

	while (atomic_load_explicit(word, memory_order_acquire) < value) {
		/* Spin, but let the other processes on this 2-core box run. */
		if (++spins < 64)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

static void child_fail(const char *what, int err)
{
	fprintf(stderr, "bench_throughput: worker %d: %s: %s\n", (int)getpid(),
		what, strerror(err < 0 ? -err : err));
	_exit(2);
}

static void worker_gmm(int node, int target, int run)
{
	struct gmm_seg_info si, ai;
	struct gmm_region *r;
	u32 pid = (u32)getpid();
	void *base;
	u64 gid;
	int i, ret;

	/* Its own mapping of the fabric, its own node. */
	base = bench_fabric_map(fab.name, fab.size);
	ret = gmm_attach(base, fab.size, &r);
	if (ret)
		child_fail("gmm_attach", ret);
	ret = gmm_node_join(r, (u32)node);
	if (ret)
		child_fail("gmm_node_join", ret);

	atomic_fetch_add(&sync_page->ready, 1);
	spin_until(&sync_page->go, 1);
	for (i = 0; i < ITERS; i++) {
		gid = (u64)(node + 1) << 40 | (u64)run << 24 | (u64)(i + 1);
		ret = gmm_alloc(r, gid, 4 * KiB, GMM_PLACE_NEAREST, pid, &si);
		if (ret)
			child_fail("gmm_alloc", ret);
		ret = gmm_acquire(r, PUB_GID(target), pid, &ai);
		if (ret)
			child_fail("gmm_acquire", ret);
		ret = gmm_release(r, PUB_GID(target), pid, ai.sharer);
		if (ret)
			child_fail("gmm_release (acquired)", ret);
		ret = gmm_destroy(r, gid);
		if (ret)
			child_fail("gmm_destroy", ret);
		ret = gmm_release(r, gid, pid, si.sharer);
		if (ret)
			child_fail("gmm_release (own)", ret);
	}
	sync_page->end_ns[node] = bench_now_ns();
	_exit(0);
}

static void worker_shm(int node, int target)
{
	char name[BENCH_NAME_MAX];
	int i, fd, fd2;

	atomic_fetch_add(&sync_page->ready, 1);
	spin_until(&sync_page->go, 1);
	for (i = 0; i < ITERS; i++) {
		snprintf(name, sizeof(name), "%s-w%d-%d", fab.name, node, i);
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			child_fail(name, errno);
		if (ftruncate(fd, 4 * KiB))
			child_fail("ftruncate", errno);
		fd2 = shm_open(pub_names[target], O_RDWR, 0);
		if (fd2 < 0)
			child_fail(pub_names[target], errno);
		close(fd2);
		if (shm_unlink(name))
			child_fail("shm_unlink", errno);
		close(fd);
	}
	sync_page->end_ns[node] = bench_now_ns();
	_exit(0);
}

/* The segments (or shm objects) the workers acquire: one per partition. */
static struct gmm_region *setup_gmm(void)
{
	struct gmm_region *r;
	struct gmm_seg_info si;
	int j, ret;

	r = bench_fresh_region(&fab, &params, SETUP_NODE);
	for (j = 0; j < NR_PARTS; j++) {
		ret = gmm_alloc(r, PUB_GID(j), 4 * KiB, j, 1, &si);
		if (ret)
			bench_die("gmm_alloc (shared segment)", ret);
		if (si.part != (u32)j)
			bench_die("shared segment not in its partition", EINVAL);
	}
	return r;
}

/* One run of @n workers; returns aggregate operations per second. */
static double one_run(int n, bool gmm, int run)
{
	struct gmm_region *setup = NULL;
	pid_t pids[MAX_WORKERS];
	u64 start, end = 0;
	int i, status, failed = 0;

	if (gmm)
		setup = setup_gmm();
	atomic_store(&sync_page->ready, 0);
	atomic_store(&sync_page->go, 0);
	fflush(NULL);
	for (i = 0; i < n; i++) {
		int target = n > 1 ? (i + 1) % n : SETUP_NODE;

		pids[i] = fork();
		if (pids[i] < 0)
			bench_die("fork", errno);
		if (!pids[i]) {
			if (gmm)
				worker_gmm(i, target, run);
			else
				worker_shm(i, target);
		}
	}
	spin_until(&sync_page->ready, n);
	start = bench_now_ns();
	atomic_store_explicit(&sync_page->go, 1, memory_order_release);
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0)
			bench_die("waitpid", errno);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
		if (sync_page->end_ns[i] > end)
			end = sync_page->end_ns[i];
	}
	if (failed) {
		fprintf(stderr, "bench_throughput: %d worker(s) failed\n", failed);
		exit(1);
	}
	if (setup)
		gmm_detach(setup);
	return (double)n * ITERS * OPS_PER_ITER * 1e9 / (double)(end - start);
}

int main(void)
{
	static double g[NCONFIGS][RUNS], b[NCONFIGS][RUNS];
	char name[64], extra[256];
	int run, j, fd;
	size_t c;

	sync_page = bench_shared(sizeof(*sync_page));
	bench_fabric_create(&fab, "tp", 64 * MiB + NR_PARTS * PART_SIZE);
	for (j = 0; j < NR_PARTS; j++) {
		snprintf(pub_names[j], sizeof(pub_names[j]), "%s-pub%d",
			 fab.name, j);
		fd = shm_open(pub_names[j], O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			bench_die(pub_names[j], errno);
		bench_remember_name(pub_names[j]);
		if (ftruncate(fd, 4 * KiB))
			bench_die("ftruncate", errno);
		close(fd);
	}

	/* Warm up (code, page tables of the fabric, dentry caches). */
	one_run(2, true, 0);
	one_run(2, false, 0);

	for (run = 0; run < RUNS; run++)
		for (c = 0; c < NCONFIGS; c++) {
			if ((run + c) % 2) {
				b[c][run] = one_run(nworkers[c], false, run + 1);
				g[c][run] = one_run(nworkers[c], true, run + 1);
			} else {
				g[c][run] = one_run(nworkers[c], true, run + 1);
				b[c][run] = one_run(nworkers[c], false, run + 1);
			}
		}

	for (c = 0; c < NCONFIGS; c++) {
		double gm = bench_median(g[c], RUNS), bm = bench_median(b[c], RUNS);

		snprintf(name, sizeof(name), "throughput_%dnode%s", nworkers[c],
			 nworkers[c] > 1 ? "s" : "");
		snprintf(extra, sizeof(extra),
			 "\"processes\": %d, \"ops_per_process\": %d, "
			 "\"cpus\": %ld, \"runs\": %d, \"min\": %.0f, \"max\": %.0f",
			 nworkers[c], ITERS * OPS_PER_ITER,
			 sysconf(_SC_NPROCESSORS_ONLN), RUNS,
			 bench_min(g[c], RUNS), bench_max(g[c], RUNS));
		bench_result(name, gm, "ops/s",
			     "shm_open+ftruncate/shm_open/close/shm_unlink/close",
			     bm, gm / bm, extra);
	}
	bench_fabric_destroy(&fab);
	return 0;
}
