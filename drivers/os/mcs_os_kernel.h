/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcs_os_kernel.h - the shim for the kernel build of the portable core.
 */
#ifndef MCS_OS_KERNEL_H
#define MCS_OS_KERNEL_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

static inline __le64 mcs_os_load_acquire64(const __le64 *p)
{
	return (__force __le64)smp_load_acquire((const u64 *)p);
}

static inline void mcs_os_store_release64(__le64 *p, __le64 v)
{
	smp_store_release((u64 *)p, (__force u64)v);
}

/*
 * Compare-and-swap on a fabric word must be atomic against the other
 * nodes, whatever this kernel knows of its own CPUs. The kernel's
 * cmpxchg() carries LOCK_PREFIX, which the x86 SMP alternatives patch
 * out when only one CPU is present (a one-vCPU guest, maxcpus=1, a
 * single-core machine), in modules too: the instruction then stays
 * atomic on this CPU but not against another node sharing the memory,
 * and two nodes can both take a free glock. On x86 the lock prefix is
 * spelt out; other architectures do not patch their atomics away.
 */
#ifdef CONFIG_X86_64
static inline __le64 mcs_os_cas64(__le64 *p, __le64 old, __le64 new)
{
	asm volatile("lock cmpxchgq %2, %1"
		     : "+a"(old), "+m"(*p)
		     : "r"(new)
		     : "memory", "cc");
	return old;
}

static inline __le32 mcs_os_cas32(__le32 *p, __le32 old, __le32 new)
{
	asm volatile("lock cmpxchgl %2, %1"
		     : "+a"(old), "+m"(*p)
		     : "r"(new)
		     : "memory", "cc");
	return old;
}
#elif defined(CONFIG_X86)
#error "mcs needs x86-64 on x86: its fabric atomics are 64-bit"
#else
static inline __le64 mcs_os_cas64(__le64 *p, __le64 old, __le64 new)
{
	return (__force __le64)cmpxchg64((u64 *)p, (__force u64)old,
					 (__force u64)new);
}

static inline __le32 mcs_os_cas32(__le32 *p, __le32 old, __le32 new)
{
	return (__force __le32)cmpxchg((u32 *)p, (__force u32)old,
				       (__force u32)new);
}
#endif

static inline __le32 mcs_os_load_acquire32(const __le32 *p)
{
	return (__force __le32)smp_load_acquire((const u32 *)p);
}

static inline unsigned int mcs_popcount64(u64 v)
{
	return hweight64(v);
}

static inline void mcs_os_mb(void)
{
	smp_mb();
}

static inline void *mcs_os_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static inline void mcs_os_free(void *p)
{
	kvfree(p);
}

static inline void mcs_os_cpu_relax(void)
{
	cpu_relax();
}

/* Remote holders cannot be woken by us: spin politely, let others run. */
static inline void mcs_os_relax(unsigned int spins)
{
	if (spins & 63)
		cpu_relax();
	else
		cond_resched();
}

/* Between the chunks of long work (zeroing): let others run. */
static inline void mcs_os_resched(void)
{
	cond_resched();
}

static inline u64 mcs_os_now_ns(void)
{
	return ktime_get_ns();
}

static inline u32 mcs_os_thread_id(void)
{
	return (u32)current->pid;
}

static inline u32 mcs_os_process_id(void)
{
	return (u32)current->tgid;
}

/*
 * Sleep while *@word == @val, at most @timeout_ns. The waker may be on
 * another node, which cannot interrupt us until cross-node doorbells
 * exist: poll with backoff, spinning briefly, then yielding, then
 * sleeping 50..200 us between looks.
 */
static inline void mcs_os_wait32(__le32 *word, u32 val, u64 timeout_ns)
{
	u64 end = ktime_get_ns() + timeout_ns;
	unsigned int spins = 0;

	while (le32_to_cpu(READ_ONCE(*word)) == val && ktime_get_ns() < end) {
		if (spins < 64)
			cpu_relax();
		else if (spins < 256)
			cond_resched();
		else
			usleep_range(50, 200);
		spins++;
	}
}

/* Sleepers poll (see mcs_os_wait32()): nothing to signal. */
static inline void mcs_os_wake_all(__le32 *word)
{
}

static inline u32 mcs_os_crc32(const void *buf, size_t len)
{
	return crc32_le(~0U, buf, len) ^ ~0U;
}

#define mcs_err(fmt, ...) pr_err("mcs: " fmt, ##__VA_ARGS__)
#define mcs_info(fmt, ...) pr_info("mcs: " fmt, ##__VA_ARGS__)
#define mcs_dbg(fmt, ...) pr_debug("mcs: " fmt, ##__VA_ARGS__)

#endif /* MCS_OS_KERNEL_H */
