/* SPDX-License-Identifier: GPL-2.0 */
/*
 * torture.h - what the torture's two modes share: its random numbers, its
 * clock, its polite wait, and the entry of the mutex mode (mutex.c).
 */
#ifndef TORTURE_H
#define TORTURE_H

#include <stdint.h>
#include <time.h>

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

int torture_mutex(uint64_t crashes, uint64_t seed);

#endif /* TORTURE_H */
