/* SPDX-License-Identifier: GPL-2.0 */
/*
 * torture.h - what the torture's two modes (torture.c, mutex.c) share,
 * kept here once so that neither carries a copy: its random numbers, its
 * clock, its polite wait and the bound of every wait, the fabric and the
 * shared state of its processes, a node's mailbox for the controller's
 * commands, the controller's violations, and the entry of the mutex mode.
 */
#ifndef TORTURE_H
#define TORTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gmm/gmm.h"

static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s += 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Between two looks at a condition another process will change: leave
 * the CPU to the ones doing the work (sched_yield() alone keeps five
 * pollers runnable on a small machine).
 */
static inline void nap(void)
{
	struct timespec ts = { .tv_nsec = 20000 };

	nanosleep(&ts, NULL);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* How long the controller waits for a node before it calls it stuck. */
#define TORTURE_WAIT_NS (60ULL * 1000000000ULL)

/* ------------------------------------------------ fabric and shared state */

/* State the run's processes share (anonymous, not the fabric); exits 2 if not. */
static inline void *torture_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("setup");
		exit(2);
	}
	return p;
}

/* The fabric: a memfd of @size that every node maps; exits 2 if not. */
static inline int torture_fabric(const char *name, uint64_t size)
{
	int fd = memfd_create(name, 0);

	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror("setup");
		exit(2);
	}
	return fd;
}

/* A mapping of the fabric of its own (only offsets may be shared). */
static inline void *torture_map(int fd, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		perror("mmap fabric");
		exit(2);
	}
	return p;
}

/*
 * Format the fabric mapped at @base for @nr_parts nodes and attach the
 * controller there as an observer; 0, or 2 (the exit status) if not.
 */
static inline int torture_format(void *base, uint64_t size, uint32_t nr_parts,
				 struct gmm_region **r)
{
	struct gmm_format_params fp = { .nr_parts = nr_parts };

	if (gmm_format(base, size, &fp) || gmm_attach(base, size, r)) {
		fprintf(stderr, "torture: cannot format the fabric\n");
		return 2;
	}
	return 0;
}

/* ------------------------------------------------------ a node's mailbox */

/*
 * In the shared state of each node: the controller posts a command
 * (torture_command()), the node takes it (torture_mail()), does it and
 * acknowledges it (torture_mail_done()).
 */
struct torture_mailbox {
	_Atomic int cmd;
	_Atomic uint64_t cmd_seq;	/* bumped with every command */
	_Atomic uint64_t ack_seq;	/* the command seen and done */
	_Atomic int cmd_result;
};

/*
 * Post @cmd and wait until it is done: true. False if @watch (a child of
 * the caller; 0: none) died first. After TORTURE_WAIT_NS, @stuck("a node
 * to obey"), which does not return.
 */
static inline bool torture_command(struct torture_mailbox *mb, int cmd,
				   pid_t watch, void (*stuck)(const char *what))
{
	uint64_t seq = atomic_load(&mb->cmd_seq) + 1, t0 = now_ns();
	int status;

	atomic_store(&mb->cmd, cmd);
	atomic_store(&mb->cmd_seq, seq);
	while (atomic_load(&mb->ack_seq) != seq) {
		if (watch && waitpid(watch, &status, WNOHANG) == watch)
			return false;
		if (now_ns() - t0 > TORTURE_WAIT_NS)
			stuck("a node to obey");
		nap();
	}
	return true;
}

/* The node's side: true if a command came since *@seen (then taken). */
static inline bool torture_mail(struct torture_mailbox *mb, uint64_t *seen)
{
	uint64_t seq = atomic_load(&mb->cmd_seq);

	if (seq == *seen)
		return false;
	*seen = seq;
	return true;
}

static inline void torture_mail_done(struct torture_mailbox *mb, uint64_t seen)
{
	atomic_store(&mb->ack_seq, seen);
}

/* ------------------------------------------------ the controller's checks */

/* A violation the controller found: counted in *@count and printed. */
static inline void torture_violation(uint64_t *count, const char *msg)
{
	(*count)++;
	fprintf(stderr, "torture: VIOLATION %s\n", msg);
}

/* The checkers' violation callback; @arg is the controller's count. */
static inline void torture_check_violation(void *arg, const char *msg)
{
	torture_violation(arg, msg);
}

/* After its recovery, a dead node must be CLEAN. */
static inline void torture_check_clean(struct gmm_region *r, uint32_t node,
				       uint64_t *count)
{
	struct gmm_node_info ni;

	gmm_node_info(r, node, &ni);
	if (ni.state != GMM_NODE_CLEAN)
		torture_violation(count, "a dead node is not clean after recovery");
}

int torture_mutex(uint64_t crashes, uint64_t seed);

#endif /* TORTURE_H */
