// SPDX-License-Identifier: GPL-2.0
/*
 * handoff - how fast a global mutex passes between two guests when the
 * waiter sleeps in the kernel (run by tests/vm/bench-handoff.sh).
 *
 *   handoff b ROUNDS     start first: make the mutex, say "ready", serve
 *   handoff a ROUNDS     then: measure
 *
 * Each round A holds the mutex and tells B (a word of a named segment
 * both map) to take it; B asks and goes to sleep in the kernel. A gives
 * B 2 ms to get deep into its sleep (the kernel's waiters poll with a
 * growing interval, glock.md), then releases it in user space and waits
 * for B's answer, written as soon as B holds it. So a round is one wake-up
 * of a kernel sleeper on another guest plus one store seen across guests.
 * A prints the median and 90th percentile as a RESULT line
 * (scripts/run-bench.sh). Exit 0, or 1 on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <libmcs.h>

#define PAGE 4096UL

static struct mcs_ctx *ctx;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int die(const char *what, int err)
{
	printf("FAIL: %s: %s\n", what, strerror(-err));
	return 1;
}

/* Open (B creates) the mutex and the word. */
static int setup(int creator, uint64_t *gid, volatile uint64_t **word)
{
	uint64_t sgid;
	void *p;
	int ret;

	ret = creator ? mcs_mutex_create_name(ctx, "handoff", 0600, gid) :
			mcs_mutex_open_name(ctx, "handoff", gid);
	if (ret)
		return die("mutex", ret);
	ret = creator ? mcs_seg_create_name(ctx, "handoff-word", 2 * PAGE,
					    MCS_PLACE_NEAREST, 0600, &sgid) :
			mcs_seg_open_name(ctx, "handoff-word", 0, &sgid);
	if (!ret)
		ret = mcs_seg_map(ctx, sgid, 0, PAGE, PROT_READ | PROT_WRITE,
				  NULL, &p);
	if (ret)
		return die("segment", ret);
	*word = p;
	return 0;
}

static void wait_for(volatile uint64_t *word, uint64_t v)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != v)
		;
}

static int serve(uint64_t gid, volatile uint64_t *word, int rounds)
{
	int ret, i;

	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < rounds; i++) {
		wait_for(word, 2 * i + 1);
		ret = mcs_mutex_lock(ctx, gid);
		if (ret)
			return die("lock", ret);
		__atomic_store_n(word, 2 * i + 2, __ATOMIC_RELEASE);
		ret = mcs_mutex_unlock(ctx, gid);
		if (ret)
			return die("unlock", ret);
	}
	return 0;
}

static int measure(uint64_t gid, volatile uint64_t *word, int rounds)
{
	double *rt, t0;
	int ret, i;

	rt = calloc(rounds, sizeof(*rt));
	if (!rt)
		return die("calloc", -ENOMEM);
	for (i = 0; i < rounds; i++) {
		ret = mcs_mutex_lock(ctx, gid);
		if (ret)
			return die("lock", ret);
		__atomic_store_n(word, 2 * i + 1, __ATOMIC_RELEASE);
		t0 = now_us();
		while (now_us() - t0 < 2000)
			;
		t0 = now_us();
		ret = mcs_mutex_unlock(ctx, gid);
		if (ret)
			return die("unlock", ret);
		wait_for(word, 2 * i + 2);
		rt[i] = now_us() - t0;
	}
	qsort(rt, rounds, sizeof(*rt), cmp);
	printf("RESULT {\"name\": \"glock_cross_guest_wake_of_kernel_sleeper\", "
	       "\"value\": %.1f, \"unit\": \"us\", \"p90\": %.1f, "
	       "\"rounds\": %d}\n", rt[rounds / 2], rt[rounds * 9 / 10],
	       rounds);
	free(rt);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc == 3 ? atoi(argv[2]) : 0, a, ret;
	volatile uint64_t *word = NULL;
	uint64_t gid = 0;

	if (rounds <= 0 || (strcmp(argv[1], "a") && strcmp(argv[1], "b"))) {
		fprintf(stderr, "usage: handoff a|b ROUNDS\n");
		return 2;
	}
	a = !strcmp(argv[1], "a");
	ret = mcs_open(&ctx, NULL);
	if (ret)
		return die("mcs_open", ret);
	if (setup(!a, &gid, &word))
		return 1;
	ret = a ? measure(gid, word, rounds) : serve(gid, word, rounds);
	mcs_close(ctx);
	return ret;
}
