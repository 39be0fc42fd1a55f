// SPDX-License-Identifier: GPL-2.0
/*
 * bench_glock - the cost of a glock against a process-shared robust
 * pthread mutex (PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST, the
 * nearest POSIX thing: it too survives its owner's death, but only within
 * one OS instance).
 *
 *   uncontended  one process, lock + unlock in a loop        (ns per pair)
 *   contended    two processes (two nodes for glock) on one lock, each
 *                lock + increment a shared counter + unlock  (ns per pair,
 *                wall time of both / pairs of both)
 *
 * Both locks live in the same shared file (the glock in the region's sync
 * table, the pthread mutex in a page of its own). Every figure is the
 * median of RUNS runs, glock and pthread alternating in each run. Ratio =
 * pthread time / glock time (> 1: glock is faster); the targets
 * are >= 0.67 uncontended and >= 0.8 contended.
 *
 * In the contended case the two processes are pinned to two CPUs when the
 * machine has them; the share of glock acquisitions that took the slow
 * path (a ticket) is reported with the result, to show how contended the
 * run really was (on a busy machine one process is often descheduled).
 *
 * The pthread mutex lets the releasing process take the lock straight
 * back, which is fast for a throughput loop like this one and unfair to
 * the waiter. The glock lets it too, but only until the waiter in turn
 * has waited GLOCK_BARGE_NS (20 us); then it is handed the lock.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "bench.h"

#define RUNS 7
#define UNCONTENDED_PAIRS 2000000
#define CONTENDED_PAIRS 300000
#define FABRIC_SIZE (8 * MiB)

struct bench_shared {
	pthread_mutex_t pm;
	atomic_int go;
	atomic_int ready;
	volatile u64 counter;
};

static struct bench_fabric fab;
static struct gmm_region *reg;
static struct glock *gl;
static const struct glock_ctx *gctx;
static struct bench_shared *bs;
static u64 slow_paths, contended_pairs;

static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void setup(void)
{
	struct gmm_format_params fp = { .nr_parts = 2, .sync_objects = 64 };
	pthread_mutexattr_t ma;
	struct gsync_handle h;
	struct gsync_table t;
	int ret;

	bench_fabric_create(&fab, "glock", FABRIC_SIZE);
	reg = bench_fresh_region(&fab, &fp, 0);
	gsync_table_of(reg, &t);
	ret = gsync_create(&t, 1, GSYNC_MUTEX, false, &h);
	if (ret)
		bench_die("gsync_create", ret);
	gl = gsync_lock(&t, h.idx);
	gctx = gmm_glock_ctx(reg);

	bs = bench_shared(sizeof(*bs));
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&bs->pm, &ma);
	pthread_mutexattr_destroy(&ma);
}

static void glock_loop(const struct glock_ctx *c, int n, bool count)
{
	int i;

	for (i = 0; i < n; i++) {
		if (glock_lock(c, gl))
			bench_die("glock_lock", EIO);
		if (count)
			bs->counter = bs->counter + 1;
		glock_unlock(c, gl);
	}
}

static void pthread_loop(int n, bool count)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pthread_mutex_lock(&bs->pm))
			bench_die("pthread_mutex_lock", EIO);
		if (count)
			bs->counter = bs->counter + 1;
		pthread_mutex_unlock(&bs->pm);
	}
}

static double uncontended(bool use_glock)
{
	u64 t0 = bench_now_ns();

	if (use_glock)
		glock_loop(gctx, UNCONTENDED_PAIRS, false);
	else
		pthread_loop(UNCONTENDED_PAIRS, false);
	return (double)(bench_now_ns() - t0) / UNCONTENDED_PAIRS;
}

/* Two processes, the child a node of its own for glock. */
static double contended(bool use_glock)
{
	struct gmm_region *r1 = NULL;
	u32 next0 = mcs_rd32(&gl->next);
	int status;
	pid_t pid;
	u64 t0;

	atomic_store(&bs->go, 0);
	atomic_store(&bs->ready, 0);
	bs->counter = 0;
	pid = fork();
	if (pid < 0)
		bench_die("fork", errno);
	if (!pid) {
		void *m = use_glock ? bench_fabric_map(fab.name, fab.size) : NULL;

		if (use_glock)
			r1 = bench_attach(m, fab.size, 1);
		pin(1);
		atomic_store(&bs->ready, 1);
		while (!atomic_load(&bs->go))
			;
		if (use_glock)
			glock_loop(gmm_glock_ctx(r1), CONTENDED_PAIRS, true);
		else
			pthread_loop(CONTENDED_PAIRS, true);
		_exit(0);
	}
	pin(0);
	while (!atomic_load(&bs->ready))
		sched_yield();
	t0 = bench_now_ns();
	atomic_store(&bs->go, 1);
	if (use_glock)
		glock_loop(gctx, CONTENDED_PAIRS, true);
	else
		pthread_loop(CONTENDED_PAIRS, true);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		bench_die("contended child", EIO);
	t0 = bench_now_ns() - t0;
	if (bs->counter != 2ULL * CONTENDED_PAIRS)
		bench_die("lost increments: mutual exclusion broken", EIO);
	if (use_glock) {
		slow_paths += (u32)(mcs_rd32(&gl->next) - next0);
		contended_pairs += 2ULL * CONTENDED_PAIRS;
		/* The child node is gone: recover it for the next run. */
		struct gmm_node_info ni;

		gmm_node_info(reg, 1, &ni);
		gmm_node_down(reg, 1, ni.incarnation, false);
		member_recover(reg, 1, NULL);
	}
	return (double)t0 / (2.0 * CONTENDED_PAIRS);
}

int main(void)
{
	double ug[RUNS], up[RUNS], cg[RUNS], cp[RUNS], g, p;
	char extra[96];
	int i;

	setup();
	for (i = 0; i < RUNS; i++) {
		if (i % 2) {
			up[i] = uncontended(false);
			ug[i] = uncontended(true);
			cp[i] = contended(false);
			cg[i] = contended(true);
		} else {
			ug[i] = uncontended(true);
			up[i] = uncontended(false);
			cg[i] = contended(true);
			cp[i] = contended(false);
		}
	}
	g = bench_median(ug, RUNS);
	p = bench_median(up, RUNS);
	bench_result("glock_uncontended_lock_unlock", g, "ns",
		     "pthread_mutex_robust_pshared", p, p / g,
		     "\"target\": \">= 0.67\"");
	g = bench_median(cg, RUNS);
	p = bench_median(cp, RUNS);
	snprintf(extra, sizeof(extra),
		 "\"target\": \">= 0.8\", \"glock_slow_path_share\": %.3f",
		 (double)slow_paths / (double)contended_pairs);
	bench_result("glock_contended_2proc_lock_unlock", g, "ns",
		     "pthread_mutex_robust_pshared", p, p / g, extra);
	gmm_detach(reg);
	bench_fabric_destroy(&fab);
	return 0;
}
