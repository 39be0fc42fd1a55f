/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what the programs in bench/ share.
 *
 *   - time (CLOCK_MONOTONIC, comparable between processes) and medians;
 *   - a fabric: a file in /dev/shm (shm_open + ftruncate + mmap MAP_SHARED)
 *     that every node maps at its own address, unlinked at exit, also on
 *     SIGINT/SIGTERM; a fresh region on it (bench_fresh_region());
 *   - the POSIX baselines' objects (bench_shm_name(), bench_shm_create())
 *     and memory the benchmark's processes share (bench_shared());
 *   - results: a human-readable line on stderr and one line
 *     "RESULT {json}" on stdout, which scripts/run-bench.sh collects.
 *
 * Every figure is the median of several runs, and the baseline is measured
 * in the same run, interleaved with the measured thing, so a noisy machine
 * moves both. "ratio" > 1 always means mcs is better.
 *
 * Header-only on purpose: every bench/bench_<name>.c is one program. What
 * more than one benchmark does is here once, not copied into each.
 */
#ifndef MCS_BENCH_H
#define MCS_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "member/member.h"

#define KiB (1024ULL)
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)

/* No libm: the benchmarks link with -lz -lpthread -lrt only. */
#define BENCH_NAN __builtin_nan("")
#define bench_isnan(v) __builtin_isnan(v)

static inline u64 bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values (not changed); the mean of the middle two if even. */
static inline double bench_median(const double *v, int n)
{
	double s[64];
	int i;

	if (n <= 0 || n > 64)
		return BENCH_NAN;
	for (i = 0; i < n; i++)
		s[i] = v[i];
	qsort(s, (size_t)n, sizeof(s[0]), bench_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static inline double bench_min(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static inline double bench_max(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static inline void bench_die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* ------------------------------------------------------------ the fabric */

/* Room for a fabric name and a suffix (bench_fabric.name is shorter). */
#define BENCH_NAME_MAX 96

struct bench_fabric {
	char name[48];
	u64 size;
	void *base;
};

/* Names this process created and must unlink before it exits. */
#define BENCH_MAX_NAMES 8
static char bench_names[BENCH_MAX_NAMES][BENCH_NAME_MAX];
static pid_t bench_owner_pid;

static inline void bench_unlink_all(void)
{
	int i;

	if (getpid() != bench_owner_pid)
		return; /* a forked child: the parent cleans up */
	for (i = 0; i < BENCH_MAX_NAMES; i++)
		if (bench_names[i][0]) {
			shm_unlink(bench_names[i]);
			bench_names[i][0] = 0;
		}
}

static inline void bench_on_signal(int sig)
{
	bench_unlink_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline void bench_remember_name(const char *name)
{
	static int registered;
	int i;

	if (!registered) {
		registered = 1;
		bench_owner_pid = getpid();
		atexit(bench_unlink_all);
		signal(SIGINT, bench_on_signal);
		signal(SIGTERM, bench_on_signal);
		signal(SIGHUP, bench_on_signal);
	}
	if (strlen(name) >= BENCH_NAME_MAX)
		bench_die(name, ENAMETOOLONG);
	for (i = 0; i < BENCH_MAX_NAMES; i++)
		if (!bench_names[i][0]) {
			memcpy(bench_names[i], name, strlen(name) + 1);
			return;
		}
	bench_die(name, EMFILE);
}

/* Map an existing fabric (every node, also a forked one, maps its own). */
static inline void *bench_fabric_map(const char *name, u64 size)
{
	int fd = shm_open(name, O_RDWR, 0);
	void *p;

	if (fd < 0)
		bench_die(name, errno);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		bench_die("mmap", errno);
	return p;
}

/*
 * Create a fabric file of @size bytes in /dev/shm (sparse: only what the
 * tables touch uses memory) and map it. It is unlinked at exit.
 */
static inline void bench_fabric_create(struct bench_fabric *f, const char *tag,
				       u64 size)
{
	int fd;

	snprintf(f->name, sizeof(f->name), "/mcs-bench-%s-%d", tag,
		 (int)getpid());
	f->size = size;
	fd = shm_open(f->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		bench_die(f->name, errno);
	bench_remember_name(f->name);
	if (ftruncate(fd, (off_t)size))
		bench_die("ftruncate fabric", errno);
	close(fd);
	f->base = bench_fabric_map(f->name, size);
}

static inline void bench_fabric_destroy(struct bench_fabric *f)
{
	int i;

	munmap(f->base, f->size);
	shm_unlink(f->name);
	for (i = 0; i < BENCH_MAX_NAMES; i++)
		if (!strcmp(bench_names[i], f->name))
			bench_names[i][0] = 0;
}

/* Attach a handle to a formatted region and join it as @node. */
static inline struct gmm_region *bench_attach(void *base, u64 size, u32 node)
{
	struct gmm_region *r;
	int ret;

	ret = gmm_attach(base, size, &r);
	if (ret)
		bench_die("gmm_attach", ret);
	ret = gmm_node_join(r, node);
	if (ret)
		bench_die("gmm_node_join", ret);
	return r;
}

static inline void bench_format(void *base, u64 size,
				const struct gmm_format_params *fp)
{
	int ret = gmm_format(base, size, fp);

	if (ret)
		bench_die("gmm_format", ret);
}

/*
 * A fresh region: the fabric formatted with @fp (which touches every table
 * page: no faults later), attached and joined as @node.
 */
static inline struct gmm_region *bench_fresh_region(struct bench_fabric *f,
						    const struct gmm_format_params *fp,
						    u32 node)
{
	bench_format(f->base, f->size, fp);
	return bench_attach(f->base, f->size, node);
}

/* Memory the benchmark's processes share (anonymous, not the fabric). */
static inline void *bench_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap", errno);
	return p;
}

/* ------------------------------------------------------ POSIX baselines */

/* The name of POSIX shm object @i of benchmark @tag, unique to this process. */
static inline void bench_shm_name(char *buf, size_t len, const char *tag, int i)
{
	snprintf(buf, len, "/mcs-bench-%s-shm-%d-%d", tag, (int)getpid(), i);
}

/* shm_open(O_CREAT | O_EXCL), ftruncate to @size (0: none), close. */
static inline void bench_shm_create(const char *name, u64 size)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		bench_die(name, errno);
	if (size && ftruncate(fd, (off_t)size))
		bench_die("ftruncate", errno);
	close(fd);
}

/* ------------------------------------------------------------- results */

/* A JSON number, or null for NaN. */
static inline const char *bench_num(char *buf, size_t len, double v)
{
	if (bench_isnan(v) || __builtin_isinf(v))
		snprintf(buf, len, "null");
	else if (v >= 1000 || v <= -1000 || v == (double)(long long)v)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

/*
 * One result. @baseline NULL means "none" (baseline_value and ratio null).
 * @ratio is given by the caller (it knows which direction is better).
 * @extra: more JSON members, already formatted ("\"target\": \">= 5\""),
 * or NULL.
 */
static inline void bench_result(const char *name, double value,
				const char *unit, const char *baseline,
				double baseline_value, double ratio,
				const char *extra)
{
	char v[32], bv[32], rt[32];

	if (!baseline) {
		baseline = "none";
		baseline_value = BENCH_NAN;
		ratio = BENCH_NAN;
	}
	bench_num(v, sizeof(v), value);
	bench_num(bv, sizeof(bv), baseline_value);
	bench_num(rt, sizeof(rt), ratio);
	if (bench_isnan(baseline_value))
		fprintf(stderr, "%-34s %12s %-8s\n", name, v, unit);
	else
		fprintf(stderr, "%-34s %12s %-8s  %s: %s  ratio %s\n", name, v,
			unit, baseline, bv, rt);
	printf("RESULT {\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\", "
	       "\"baseline\": \"%s\", \"baseline_value\": %s, \"ratio\": %s%s%s}\n",
	       name, v, unit, baseline, bv, rt, extra ? ", " : "",
	       extra ? extra : "");
	fflush(stdout);
}

#endif /* MCS_BENCH_H */
