// SPDX-License-Identifier: GPL-2.0
/*
 * mutexloop - a recoverable application's loop on one global mutex, for
 * the guest test vm-mutex-death (tests/vm/mutex-death.sh).
 *
 *   mutexloop init SEG MUTEX      make the named segment (a table of 512
 *                                 counters and an undo record) and the
 *                                 named mutex that protects it
 *   mutexloop run SEG MUTEX FILE  lock, update two counters, unlock, for
 *                                 ever; on -EOWNERDEAD repair from the
 *                                 undo record and mark it consistent.
 *                                 Every 64 sections the count of sections
 *                                 and of owner-dead repairs goes to FILE.
 *                                 Any other result of lock, consistent or
 *                                 unlock ends it: "FAIL ..." and exit 1.
 *   mutexloop verify SEG MUTEX    under the mutex (repairing if need be):
 *                                 every counter pair agrees and their sum
 *                                 is the number of sections committed
 *
 * Exit 0 on success, 1 on a failed check or error (message on stdout).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmcs.h"

#define PAIRS 256
#define SEG_SIZE 8192 /* whole pages, room for struct table */

/* The segment: what the mutex protects, and the record that undoes it. */
struct table {
	volatile uint64_t sections; /* committed critical sections */
	uint64_t inside;	    /* holders right now: 0 or 1 */
	volatile uint64_t undo_valid;
	volatile uint64_t undo_idx;
	volatile uint64_t undo_a, undo_b, undo_sections;
	volatile uint64_t c[2 * PAIRS]; /* c[i] == c[i + PAIRS] */
};

static struct mcs_ctx *ctx;
static uint64_t seg, mtx;
static struct table *tb;

static int fail(const char *what, int err)
{
	printf("FAIL %s: %s (%d)\n", what, strerror(-err), err);
	fflush(stdout);
	return 1;
}

/*
 * After -EOWNERDEAD: put back what an unfinished section changed. The
 * dead holder may have died inside the section, its mark on `inside`
 * left behind: that mark is the dead's, and only the dead's (a live
 * holder now would make a later count go below zero, which the next
 * section reports).
 */
static void repair(void)
{
	__atomic_store_n(&tb->inside, 0, __ATOMIC_SEQ_CST);
	if (!tb->undo_valid)
		return;
	tb->c[tb->undo_idx] = tb->undo_a;
	tb->c[tb->undo_idx + PAIRS] = tb->undo_b;
	tb->sections = tb->undo_sections;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tb->undo_valid = 0;
}

/* Lock, repairing after a dead owner: 1 if there was one, or -errno. */
static int lock(void)
{
	int ret = mcs_mutex_lock(ctx, mtx);

	if (ret == -EOWNERDEAD) {
		repair();
		ret = mcs_mutex_consistent(ctx, mtx);
		if (ret)
			return fail("consistent", ret) ? -EPROTO : 0;
		return 1;
	}
	if (ret)
		return fail("lock", ret) ? -EPROTO : 0;
	return 0;
}

static int section(unsigned int i)
{
	uint64_t others = __atomic_fetch_add(&tb->inside, 1, __ATOMIC_SEQ_CST);

	if (others) {
		printf("FAIL mutual exclusion: %llu other holders inside\n",
		       (unsigned long long)others);
		fflush(stdout);
		return -1;
	}
	tb->undo_idx = i;
	tb->undo_a = tb->c[i];
	tb->undo_b = tb->c[i + PAIRS];
	tb->undo_sections = tb->sections;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tb->undo_valid = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tb->c[i]++;
	tb->c[i + PAIRS]++;
	tb->sections++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tb->undo_valid = 0;
	__atomic_fetch_sub(&tb->inside, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int run(const char *file)
{
	uint64_t n = 0, dead = 0;
	unsigned int seed = (unsigned int)getpid();
	int ret;

	for (;;) {
		ret = lock();
		if (ret < 0)
			return 1;
		dead += (uint64_t)ret;
		if (section((unsigned int)rand_r(&seed) % PAIRS))
			return 1;
		ret = mcs_mutex_unlock(ctx, mtx);
		if (ret) {
			printf("FAIL unlock after section %llu (lock %s): %s (%d)\n",
			       (unsigned long long)n,
			       dead && ret ? "after owner-dead" : "returned 0",
			       strerror(-ret), ret);
			fflush(stdout);
			return 1;
		}
		if (!(++n % 64)) {
			FILE *f = fopen(file, "w");

			if (f) {
				fprintf(f, "%llu %llu\n", (unsigned long long)n,
					(unsigned long long)dead);
				fclose(f);
			}
		}
	}
}

static int verify(void)
{
	uint64_t sum = 0, sections;
	int ret = lock(), i, bad = 0;

	if (ret < 0)
		return 1;
	for (i = 0; i < PAIRS; i++) {
		if (tb->c[i] != tb->c[i + PAIRS])
			bad++;
		sum += tb->c[i];
	}
	sections = tb->sections;
	/* judged under the mutex: the loops go on once it is released */
	if (bad || sum != sections)
		printf("FAIL verify: %d pairs disagree, sum %llu, %llu sections\n",
		       bad, (unsigned long long)sum,
		       (unsigned long long)sections);
	else
		printf("consistent: %llu sections%s\n",
		       (unsigned long long)sections,
		       ret ? " (repaired after a dead owner)" : "");
	ret = mcs_mutex_unlock(ctx, mtx);
	if (ret)
		return fail("unlock", ret);
	return bad || sum != sections;
}

int main(int argc, char **argv)
{
	void *p;
	int ret;

	if (argc < 4 || (!strcmp(argv[1], "run") && argc < 5)) {
		fprintf(stderr, "usage: mutexloop init|run|verify SEG MUTEX [FILE]\n");
		return 2;
	}
	ret = mcs_open(&ctx, NULL);
	if (ret)
		return fail("open", ret);
	if (!strcmp(argv[1], "init")) {
		ret = mcs_seg_create_name(ctx, argv[2], SEG_SIZE,
					  MCS_PLACE_NEAREST, 0600, &seg);
		if (ret)
			return fail("segment", ret);
		ret = mcs_mutex_create_name(ctx, argv[3], 0600, &mtx);
		if (ret)
			return fail("mutex", ret);
		printf("made %s and %s\n", argv[2], argv[3]);
		return 0;
	}
	ret = mcs_seg_open_name(ctx, argv[2], 0, &seg);
	if (!ret)
		ret = mcs_seg_map(ctx, seg, 0, SEG_SIZE,
				  PROT_READ | PROT_WRITE, NULL, &p);
	if (ret)
		return fail("segment", ret);
	tb = p;
	ret = mcs_mutex_open_name(ctx, argv[3], &mtx);
	if (ret)
		return fail("mutex", ret);
	if (!strcmp(argv[1], "run"))
		return run(argv[4]);
	if (!strcmp(argv[1], "verify"))
		return verify();
	fprintf(stderr, "mutexloop: unknown command %s\n", argv[1]);
	return 2;
}
