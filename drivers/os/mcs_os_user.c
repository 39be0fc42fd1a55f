// SPDX-License-Identifier: GPL-2.0
/*
 * mcs_os_user.c - user-space implementation of the OS shim.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
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

void mcs_os_resched(void)
{
	sched_yield();
}

u64 mcs_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/*
 * gettid() and getpid() are system calls and lock owners are tagged on
 * every lock: cache them (the thread id per thread). A forked child
 * inherits the parent's cache, so fork clears it in the child.
 */
static __thread u32 mcs_cached_tid;
static u32 mcs_cached_pid;

static void mcs_forget_ids(void)
{
	mcs_cached_tid = 0;
	__atomic_store_n(&mcs_cached_pid, 0, __ATOMIC_RELAXED);
}

static void __attribute__((constructor)) mcs_os_user_init(void)
{
	pthread_atfork(NULL, NULL, mcs_forget_ids);
}

u32 mcs_os_thread_id(void)
{
	if (unlikely(!mcs_cached_tid))
		mcs_cached_tid = (u32)gettid();
	return mcs_cached_tid;
}

u32 mcs_os_process_id(void)
{
	u32 pid = __atomic_load_n(&mcs_cached_pid, __ATOMIC_RELAXED);

	if (unlikely(!pid)) {
		pid = (u32)getpid();
		__atomic_store_n(&mcs_cached_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

void mcs_os_wait32(__le32 *word, u32 val, u64 timeout_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(timeout_ns / 1000000000ULL),
		.tv_nsec = (long)(timeout_ns % 1000000000ULL),
	};

	syscall(SYS_futex, word, FUTEX_WAIT, cpu_to_le32(val), &ts, NULL, 0);
}

void mcs_os_wake_all(__le32 *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
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
