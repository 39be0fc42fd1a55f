// SPDX-License-Identifier: GPL-2.0
/*
 * mcs_os_user.c - user-space implementation of the OS shim.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "mcs_os.h"
#include "crashpoint.h"

int mcs_os_log_level = MCS_LOG_ERR;

void (*mcs_crash_hook)(enum mcs_crash_point cp);

const char *const mcs_crash_point_names[MCS_CP_COUNT] = {
#define MCS_CP_NAME(name) #name,
	MCS_CRASH_POINTS(MCS_CP_NAME)
#undef MCS_CP_NAME
};

void *mcs_os_zalloc(size_t size)
{
	return calloc(1, size);
}

void mcs_os_free(void *p)
{
	free(p);
}

void mcs_os_relax(unsigned int spins)
{
	if (spins < 16)
		__builtin_ia32_pause();
	else
		sched_yield();
}

u64 mcs_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/*
 * gettid() is a system call and lock owners are tagged on every lock: cache
 * it per thread. A forked child inherits the parent's cache, so fork clears
 * it in the child.
 */
static __thread u32 mcs_cached_tid;

static void mcs_forget_tid(void)
{
	mcs_cached_tid = 0;
}

static void __attribute__((constructor)) mcs_os_user_init(void)
{
	pthread_atfork(NULL, NULL, mcs_forget_tid);
}

u32 mcs_os_thread_id(void)
{
	if (unlikely(!mcs_cached_tid))
		mcs_cached_tid = (u32)gettid();
	return mcs_cached_tid;
}

u32 mcs_os_crc32(const void *buf, size_t len)
{
	return (u32)crc32(0L, buf, (uInt)len);
}

void mcs_os_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > mcs_os_log_level)
		return;
	va_start(ap, fmt);
	fputs("mcs: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
