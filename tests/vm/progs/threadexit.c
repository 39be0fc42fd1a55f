// SPDX-License-Identifier: GPL-2.0
/*
 * threadexit - a thread that ends holding a global mutex abandons it, for
 * the guest test vm-thread-exit (tests/vm/thread-exit.sh).
 *
 *   threadexit local NAME    every case in one process, on the mutexes
 *                            NAME-0 .. NAME-9 (made if need be): a thread
 *                            locks and ends (returns, pthread_exit,
 *                            cancelled in pause(), the lock taken in the
 *                            kernel because the mutex was held, a mutex
 *                            used by GID through a context that never
 *                            opened it, or that no context maps, ten
 *                            mutexes at once); the next
 *                            lock, from another thread, gets EOWNERDEAD
 *                            (also again when the taker ends without
 *                            consistent); a thread that unlocked before
 *                            it ended, or whose own thread-specific data
 *                            destructor unlocks it, leaves the mutex
 *                            consistent; a
 *                            thread that ends does not take a sibling's
 *                            lock with it; 16 threads of 2,000 sections
 *                            each leave it free and consistent. Prints
 *                            "ok: CASE" for each, then "all cases passed"
 *   threadexit hold NAME HOW a thread locks NAME and ends (HOW: return,
 *                            exit, cancel, kernel), the process stays:
 *                            "ended holding NAME", then it sleeps until
 *                            killed
 *   threadexit signal NAME   a thread locks NAME and raises SIGTERM: the
 *                            fatal signal kills the process
 *
 * Exit 0 on success, 1 on a failed check (message on stdout).
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libmcs.h"

#define NR_MUTEXES 10
#define WAIT_NS 200000000ULL /* the 200 ms timed lock */

static struct mcs_ctx *ctx;
static uint64_t gids[NR_MUTEXES];
static sem_t ready, go;

static int fail(const char *what, int err)
{
	printf("FAIL: %s: %s\n", what, strerror(-err));
	exit(1);
}

static void expect(const char *what, int ret, int want)
{
	if (ret != want) {
		printf("FAIL: %s: %s, wanted %s\n", what, strerror(-ret),
		       want ? strerror(-want) : "Success");
		exit(1);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* What a thread that is about to end does with the mutex it locked. */
enum how { H_RETURN, H_EXIT, H_CANCEL, H_KERNEL, H_UNLOCK, H_SIGNAL };

struct job {
	enum how how;
	struct mcs_ctx *ctx;
	uint64_t gid;
	int want;      /* what its lock must return */
	int ret;
	uint64_t locked_at;
};

static void end_by_exit(void)
{
	pthread_exit(NULL);
}

static void *locker(void *arg)
{
	struct job *j = arg;

	if (j->how == H_KERNEL)
		sem_post(&ready); /* about to wait for the held mutex */
	j->ret = j->ctx == ctx ? mcs_mutex_lock(j->ctx, j->gid) :
				 mcs_mutex_timedlock(j->ctx, j->gid, 10 * WAIT_NS);
	j->locked_at = now_ns();
	if (j->ret != j->want)
		return NULL;
	switch (j->how) {
	case H_EXIT:
		end_by_exit();
		break;
	case H_CANCEL:
		sem_post(&ready);
		for (;;)
			pause(); /* a cancellation point */
	case H_UNLOCK:
		j->ret = mcs_mutex_unlock(j->ctx, j->gid);
		break;
	case H_SIGNAL:
		fflush(stdout);
		pthread_kill(pthread_self(), SIGTERM);
		pause();
		break;
	default:
		break;
	}
	return NULL;
}

/* Run a thread that locks @gid (wanting @want) and ends as @how. */
static void run_locker(enum how how, struct mcs_ctx *c, uint64_t gid, int want)
{
	struct job j = { .how = how, .ctx = c, .gid = gid, .want = want };
	uint64_t released = 0;
	pthread_t t;
	void *res;
	int ret;

	if (how == H_KERNEL) {
		/* Held here, so that the thread's lock waits in the kernel. */
		expect("lock before the thread", mcs_mutex_lock(ctx, gid), 0);
	}
	ret = pthread_create(&t, NULL, locker, &j);
	if (ret)
		fail("pthread_create", -ret);
	if (how == H_KERNEL) {
		sem_wait(&ready);
		usleep(100000);
		released = now_ns();
		expect("unlock for the waiting thread", mcs_mutex_unlock(ctx, gid), 0);
	}
	if (how == H_CANCEL) {
		sem_wait(&ready);
		pthread_cancel(t);
	}
	pthread_join(t, &res);
	if (how == H_CANCEL && res != PTHREAD_CANCELED)
		fail("the thread was not cancelled", -EINVAL);
	expect("the thread's lock", j.ret, want);
	/* It got the lock only once it was free: it waited, in the kernel. */
	if (how == H_KERNEL && j.locked_at < released)
		fail("the thread's lock did not wait", -EINVAL);
}

/* The next lock, from this thread, is owner-dead: repair, unlock. */
static void expect_abandoned(const char *what, struct mcs_ctx *c, uint64_t gid)
{
	uint64_t t0 = now_ns();
	int ret = mcs_mutex_timedlock(c, gid, WAIT_NS);

	if (ret != -EOWNERDEAD) {
		printf("FAIL: %s: the next lock returned %s after %llu ms, wanted %s\n",
		       what, strerror(-ret),
		       (unsigned long long)((now_ns() - t0) / 1000000),
		       strerror(EOWNERDEAD));
		exit(1);
	}
	expect("consistent", mcs_mutex_consistent(c, gid), 0);
	expect("unlock", mcs_mutex_unlock(c, gid), 0);
	expect("lock after repair", mcs_mutex_lock(c, gid), 0);
	expect("unlock after repair", mcs_mutex_unlock(c, gid), 0);
}

static void expect_free(const char *what, uint64_t gid)
{
	int ret = mcs_mutex_trylock(ctx, gid);

	if (ret) {
		printf("FAIL: %s: trylock returned %s, wanted a free consistent mutex\n",
		       what, strerror(-ret));
		exit(1);
	}
	expect("unlock", mcs_mutex_unlock(ctx, gid), 0);
}

static void *sibling_holder(void *arg)
{
	uint64_t gid = *(uint64_t *)arg;

	expect("sibling: lock", mcs_mutex_lock(ctx, gid), 0);
	sem_post(&ready);
	sem_wait(&go);
	expect("sibling: unlock", mcs_mutex_unlock(ctx, gid), 0);
	return NULL;
}

static void *sibling_leaver(void *arg)
{
	uint64_t gid = *(uint64_t *)arg;

	expect("leaver: timed lock of the held mutex",
	       mcs_mutex_timedlock(ctx, gid, WAIT_NS / 2), -ETIMEDOUT);
	expect("leaver: trylock of the held mutex",
	       mcs_mutex_trylock(ctx, gid), -EBUSY);
	expect("leaver: lock another", mcs_mutex_lock(ctx, gids[1]), 0);
	expect("leaver: unlock it", mcs_mutex_unlock(ctx, gids[1]), 0);
	return NULL;
}

/* Through @arg, a context that never opened them: the kernel's path. */
static void *holder_of_all(void *arg)
{
	int i;

	for (i = 0; i < NR_MUTEXES; i++)
		expect("lock of one of ten", mcs_mutex_lock(arg, gids[i]), 0);
	return NULL;
}

static void *hammer(void *arg)
{
	int i, ret;

	(void)arg;
	for (i = 0; i < 2000; i++) {
		ret = mcs_mutex_lock(ctx, gids[i & 1]);
		if (ret)
			fail("hammer: lock", ret);
		ret = mcs_mutex_unlock(ctx, gids[i & 1]);
		if (ret)
			fail("hammer: unlock", ret);
	}
	return NULL;
}

static void open_mutexes(const char *base)
{
	char name[64];
	int i, ret;

	for (i = 0; i < NR_MUTEXES; i++) {
		snprintf(name, sizeof(name), "%s-%d", base, i);
		ret = mcs_mutex_create_name(ctx, name, 0600, &gids[i]);
		if (ret == -EEXIST)
			ret = mcs_mutex_open_name(ctx, name, &gids[i]);
		if (ret)
			fail("mutex create or open", ret);
	}
}

/* The application's own thread-exit cleanup, run after libmcs's is armed. */
static pthread_key_t app_key;

static void app_cleanup(void *arg)
{
	uint64_t gid = *(uint64_t *)arg;

	expect("unlock in the application's destructor",
	       mcs_mutex_unlock(ctx, gid), 0);
}

static void *cleaned_up(void *arg)
{
	expect("lock", mcs_mutex_lock(ctx, *(uint64_t *)arg), 0);
	pthread_setspecific(app_key, arg);
	return NULL;
}

static int local(const char *base)
{
	struct mcs_ctx *c2, *c3;
	pthread_t t[16];
	uint64_t g, gx;
	char name[64];
	int i, ret;

	open_mutexes(base);
	g = gids[0];

	run_locker(H_RETURN, ctx, g, 0);
	expect_abandoned("return", ctx, g);
	printf("ok: a thread returned holding it: EOWNERDEAD\n");

	run_locker(H_EXIT, ctx, g, 0);
	expect_abandoned("pthread_exit", ctx, g);
	printf("ok: pthread_exit holding it: EOWNERDEAD\n");

	run_locker(H_CANCEL, ctx, g, 0);
	expect_abandoned("cancel", ctx, g);
	printf("ok: cancelled in pause() holding it: EOWNERDEAD\n");

	run_locker(H_KERNEL, ctx, g, 0);
	expect_abandoned("kernel path", ctx, g);
	printf("ok: taken in the kernel (contended), the thread returned: EOWNERDEAD\n");

	/* Taken owner-dead, ended without consistent: owner-dead again. */
	run_locker(H_RETURN, ctx, g, 0);
	run_locker(H_RETURN, ctx, g, -EOWNERDEAD);
	expect_abandoned("owner-dead twice", ctx, g);
	printf("ok: taken owner-dead and ended without consistent: EOWNERDEAD again\n");

	/* By GID through a context that never opened it: the kernel's path. */
	ret = mcs_open(&c2, NULL);
	if (ret)
		fail("second context", ret);
	run_locker(H_RETURN, c2, g, 0);
	expect_abandoned("by GID", c2, g);
	printf("ok: by GID through a context that never opened it: EOWNERDEAD\n");

	/* ... and one no context of the process maps at all. */
	ret = mcs_open(&c3, NULL);
	if (ret)
		fail("third context", ret);
	snprintf(name, sizeof(name), "%s-unmapped", base);
	ret = mcs_mutex_create_name(c3, name, 0600, &gx);
	if (ret == -EEXIST)
		ret = mcs_mutex_open_name(c3, name, &gx);
	if (ret)
		fail("mutex create or open", ret);
	mcs_close(c3);
	run_locker(H_RETURN, c2, gx, 0);
	expect_abandoned("unmapped", c2, gx);
	mcs_close(c2);
	printf("ok: by GID, mapped by no context of the process: EOWNERDEAD\n");

	run_locker(H_UNLOCK, ctx, g, 0);
	expect_free("unlocked, then returned", g);
	printf("ok: unlocked before it returned: free and consistent\n");

	/* A key made after libmcs's: its destructor may run after ours. */
	if (pthread_key_create(&app_key, app_cleanup) ||
	    pthread_create(&t[0], NULL, cleaned_up, &g))
		fail("pthread_key_create, pthread_create", -EAGAIN);
	pthread_join(t[0], NULL);
	expect_free("unlocked by a thread-specific data destructor", g);
	printf("ok: unlocked by the application's own thread-exit destructor: free and consistent\n");

	/* A sibling that ends leaves a live thread's lock alone. */
	if (pthread_create(&t[0], NULL, sibling_holder, &g))
		fail("pthread_create", -EAGAIN);
	sem_wait(&ready);
	if (pthread_create(&t[1], NULL, sibling_leaver, &g))
		fail("pthread_create", -EAGAIN);
	pthread_join(t[1], NULL);
	expect("timed lock while the live sibling holds it",
	       mcs_mutex_timedlock(ctx, g, WAIT_NS), -ETIMEDOUT);
	sem_post(&go);
	pthread_join(t[0], NULL);
	expect_free("after the live sibling's unlock", g);
	printf("ok: a sibling that ended left a live thread's lock held\n");

	/* More than libmcs records without malloc, by GID. */
	ret = mcs_open(&c2, NULL);
	if (ret || pthread_create(&t[0], NULL, holder_of_all, c2))
		fail("context, pthread_create", ret ? ret : -EAGAIN);
	pthread_join(t[0], NULL);
	for (i = 0; i < NR_MUTEXES; i++)
		expect_abandoned("ten at once", ctx, gids[i]);
	mcs_close(c2);
	printf("ok: a thread returned holding ten, taken by GID: EOWNERDEAD on each\n");

	for (i = 0; i < 16; i++)
		if (pthread_create(&t[i], NULL, hammer, NULL))
			fail("pthread_create", -EAGAIN);
	for (i = 0; i < 16; i++)
		pthread_join(t[i], NULL);
	expect_free("after 16 threads of lock/unlock", gids[0]);
	expect_free("after 16 threads of lock/unlock", gids[1]);
	printf("ok: 16 threads locked and unlocked 2000 times each and ended: free and consistent\n");
	printf("all cases passed\n");
	return 0;
}

static int hold(const char *name, const char *how_s)
{
	static const char *const hows[] = { "return", "exit", "cancel",
					    "kernel" };
	uint64_t gid;
	unsigned int how;
	int ret;

	for (how = 0; how < 4 && strcmp(how_s, hows[how]); how++)
		;
	if (how == 4)
		fail("HOW is return, exit, cancel or kernel", -EINVAL);
	ret = mcs_mutex_open_name(ctx, name, &gid);
	if (ret)
		fail("mutex open", ret);
	run_locker((enum how)how, ctx, gid, 0);
	printf("ended holding %s (%s)\n", name, how_s);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static int die_by_signal(const char *name)
{
	uint64_t gid;
	int ret;

	ret = mcs_mutex_open_name(ctx, name, &gid);
	if (ret)
		fail("mutex open", ret);
	run_locker(H_SIGNAL, ctx, gid, 0);
	printf("FAIL: the process survived its thread's fatal signal\n");
	return 1;
}

int main(int argc, char **argv)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: threadexit local NAME | hold NAME HOW | signal NAME\n");
		return 2;
	}
	sem_init(&ready, 0, 0);
	sem_init(&go, 0, 0);
	ret = mcs_open(&ctx, NULL);
	if (ret)
		fail("mcs_open", ret);
	if (!strcmp(argv[1], "local"))
		return local(argv[2]);
	if (!strcmp(argv[1], "hold") && argc == 4)
		return hold(argv[2], argv[3]);
	if (!strcmp(argv[1], "signal"))
		return die_by_signal(argv[2]);
	fprintf(stderr, "threadexit: unknown command %s\n", argv[1]);
	return 2;
}
