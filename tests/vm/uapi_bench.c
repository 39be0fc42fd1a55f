// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_bench - libmcs against POSIX shared memory, in a guest (run by
 * tests/vm/bench.sh, which "make bench" calls):
 *
 *   - create + map + touch every page of a 2 MiB global segment, against
 *     shm_open + ftruncate + mmap + touch of a 2 MiB POSIX object
 *     (operations per second; ratio > 1: libmcs is faster);
 *   - memcpy bandwidth into a mapped 2 MiB global segment against the
 *     same into anonymous memory (MB/s; about 1 means the fabric mapping
 *     is as cacheable as ordinary memory);
 *   - uncontended lock + unlock of a global mutex (libmcs, the user-space
 *     fast path on the mapped lock word) against a process-shared robust
 *     pthread mutex (ns per pair; ratio = pthread / mcs, target >= 0.67).
 *
 * Runs are interleaved and the median is reported, so a noisy machine
 * moves both sides. Prints "RESULT {json}" lines (scripts/run-bench.sh).
 * Needs a joined node and a tmpfs on /dev/shm. Exit 0, or 1 on an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libmcs.h>

#define SIZE (2UL << 20)
#define PAGE 4096UL
#define RUNS 31
#define COPIES 10
#define PAIRS 100000

static struct mcs_ctx *ctx;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

static void touch(volatile char *p)
{
	for (unsigned long i = 0; i < SIZE; i += PAGE)
		p[i] = 1;
}

static int die(const char *what, int err)
{
	printf("uapi_bench: %s: %s\n", what, strerror(-err));
	return 1;
}

/* Seconds to create, map and touch a global segment; cleanup untimed. */
static double mcs_once(uint64_t gid, int *err)
{
	double t0 = now(), t;
	void *p;

	*err = mcs_seg_create(ctx, gid, SIZE, MCS_PLACE_NEAREST, 0600);
	if (!*err)
		*err = mcs_seg_map(ctx, gid, 0, SIZE, PROT_READ | PROT_WRITE,
				   NULL, &p);
	if (*err)
		return 0;
	touch(p);
	t = now() - t0;
	*err = mcs_seg_unmap(ctx, p);
	if (!*err)
		*err = mcs_seg_destroy(ctx, gid);
	if (!*err)
		*err = mcs_seg_release(ctx, gid);
	return t;
}

static double shm_once(int *err)
{
	double t0 = now(), t;
	void *p;
	int fd;

	*err = 0;
	fd = shm_open("/uapi_bench", O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, SIZE)) {
		*err = -1;
		return 0;
	}
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		*err = -1;
		return 0;
	}
	touch(p);
	t = now() - t0;
	munmap(p, SIZE);
	close(fd);
	shm_unlink("/uapi_bench");
	return t;
}

static double copy_rate(void *dst, const void *src)
{
	double t0 = now();

	for (int i = 0; i < COPIES; i++) {
		memcpy(dst, src, SIZE);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	return COPIES * (SIZE / 1e6) / (now() - t0);
}

static double mcs_pairs(uint64_t gid, int *err)
{
	double t0 = now();

	for (int i = 0; i < PAIRS && !*err; i++) {
		*err = mcs_mutex_lock(ctx, gid);
		if (!*err)
			*err = mcs_mutex_unlock(ctx, gid);
	}
	return (now() - t0) * 1e9 / PAIRS;
}

static double pthread_pairs(pthread_mutex_t *pm)
{
	double t0 = now();

	for (int i = 0; i < PAIRS; i++) {
		pthread_mutex_lock(pm);
		pthread_mutex_unlock(pm);
	}
	return (now() - t0) * 1e9 / PAIRS;
}

static int bench_mutex(void)
{
	double m[RUNS], s[RUNS], mv, sv;
	pthread_mutexattr_t ma;
	pthread_mutex_t *pm;
	uint64_t gid;
	int err = 0, i;

	pm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pm == MAP_FAILED)
		return die("mmap shared", -errno);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(pm, &ma);
	err = mcs_mutex_create(ctx, "bench-mutex", &gid);
	if (err)
		return die("mutex create", err);
	for (i = 0; i < RUNS && !err; i++) {
		m[i] = mcs_pairs(gid, &err);
		s[i] = pthread_pairs(pm);
	}
	if (err)
		return die("mutex lock/unlock", err);
	mv = median(m, RUNS);
	sv = median(s, RUNS);
	printf("RESULT {\"name\": \"uapi_mutex_uncontended_lock_unlock\", "
	       "\"value\": %.1f, \"unit\": \"ns\", "
	       "\"baseline\": \"pthread_mutex_robust_pshared\", "
	       "\"baseline_value\": %.1f, \"ratio\": %.3f, "
	       "\"target\": \">= 0.67\"}\n", mv, sv, sv / mv);
	mcs_name_unlink(ctx, "bench-mutex");
	mcs_mutex_destroy(ctx, gid);
	munmap(pm, PAGE);
	return 0;
}

int main(void)
{
	double m[RUNS], s[RUNS], mv, sv;
	void *src, *anon, *glob;
	int err, i;

	err = mcs_open(&ctx, NULL);
	if (err)
		return die("mcs_open", err);

	for (i = 0; i < RUNS; i++) {
		m[i] = mcs_once(0xbe0000 + i, &err);
		if (err)
			return die("create, map and touch a segment", err);
		s[i] = shm_once(&err);
		if (err)
			return die("shm_open, ftruncate, mmap", -errno);
	}
	mv = 1 / median(m, RUNS);
	sv = 1 / median(s, RUNS);
	printf("RESULT {\"name\": \"uapi_create_map_touch_2M\", \"value\": %.1f, "
	       "\"unit\": \"ops/s\", \"baseline\": \"shm_open+ftruncate+mmap+touch\", "
	       "\"baseline_value\": %.1f, \"ratio\": %.3f}\n", mv, sv, mv / sv);

	src = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	anon = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || anon == MAP_FAILED)
		return die("mmap anonymous", -errno);
	/* 4 KiB pages like the fabric mapping: compare the memory, not the TLB. */
	madvise(anon, SIZE, MADV_NOHUGEPAGE);
	memset(anon, 0, SIZE);
	memset(src, 0x5a, SIZE);
	err = mcs_seg_create(ctx, 0xbf0000, SIZE, MCS_PLACE_NEAREST, 0600);
	if (!err)
		err = mcs_seg_map(ctx, 0xbf0000, 0, SIZE, PROT_READ | PROT_WRITE,
				  NULL, &glob);
	if (err)
		return die("global segment for memcpy", err);
	for (i = 0; i < RUNS; i++) {
		m[i] = copy_rate(glob, src);
		s[i] = copy_rate(anon, src);
	}
	mv = median(m, RUNS);
	sv = median(s, RUNS);
	printf("RESULT {\"name\": \"uapi_memcpy_into_global_2M\", \"value\": %.1f, "
	       "\"unit\": \"MB/s\", \"baseline\": \"memcpy into anonymous memory\", "
	       "\"baseline_value\": %.1f, \"ratio\": %.3f}\n", mv, sv, mv / sv);
	mcs_seg_unmap(ctx, glob);
	mcs_seg_destroy(ctx, 0xbf0000);
	if (bench_mutex())
		return 1;
	mcs_close(ctx);
	return 0;
}
