/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcs_os_user.h - the shim for the user-space build of the portable core
 * (unit tests, crash torture, benchmarks, mcsctl on a fabric file).
 */
#ifndef MCS_OS_USER_H
#define MCS_OS_USER_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

/*
 * The lock model checker (tests/model) builds the core with MCS_OS_MODEL:
 * every access to a fabric word is then a point where its scheduler may
 * run another actor or kill this one, and a CPU pause only passes
 * virtual time. In every other build these hooks are nothing.
 */
#ifdef MCS_OS_MODEL
void mcs_model_step(void);
void mcs_model_pause(void);
#define MCS_OS_STEP() mcs_model_step()
/*
 * Its self-check makes a compare-and-swap two steps, load then store, as
 * an unlocked cmpxchg is between nodes: the model must then find two
 * owners of one lock.
 */
extern bool mcs_model_split_cas;
#define MCS_OS_CAS_SPLIT(p, old, new)                                     \
	do {                                                              \
		if (mcs_model_split_cas) {                                \
			__typeof__(*(p)) cur_ = *(p);                     \
									  \
			mcs_model_step();                                 \
			if (cur_ == (old))                                \
				*(p) = (new);                             \
			return cur_;                                      \
		}                                                         \
	} while (0)
#else
#define MCS_OS_STEP() ((void)0)
#define MCS_OS_CAS_SPLIT(p, old, new) do { } while (0)
#endif

#define READ_ONCE(x) (MCS_OS_STEP(), *(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)                                                  \
	(MCS_OS_STEP(), *(volatile __typeof__(x) *)&(x) = (v))

#define le16_to_cpu(x) ((u16)le16toh((u16)(x)))
#define le32_to_cpu(x) ((u32)le32toh((u32)(x)))
#define le64_to_cpu(x) ((u64)le64toh((u64)(x)))
#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))

#define __must_check __attribute__((warn_unused_result))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static inline __le64 mcs_os_load_acquire64(const __le64 *p)
{
	MCS_OS_STEP();
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void mcs_os_store_release64(__le64 *p, __le64 v)
{
	MCS_OS_STEP();
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline __le64 mcs_os_cas64(__le64 *p, __le64 old, __le64 new)
{
	MCS_OS_STEP();
	MCS_OS_CAS_SPLIT(p, old, new);
	__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return old;
}

static inline __le32 mcs_os_cas32(__le32 *p, __le32 old, __le32 new)
{
	MCS_OS_STEP();
	MCS_OS_CAS_SPLIT(p, old, new);
	__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return old;
}

static inline __le32 mcs_os_load_acquire32(const __le32 *p)
{
	MCS_OS_STEP();
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline unsigned int mcs_popcount64(u64 v)
{
	return (unsigned int)__builtin_popcountll(v);
}

static inline void mcs_os_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void mcs_os_cpu_relax(void)
{
#ifdef MCS_OS_MODEL
	mcs_model_pause();
#else
	__builtin_ia32_pause();
#endif
}

void *mcs_os_zalloc(size_t size);
void mcs_os_free(void *p);
/* Called in every spin-wait iteration: yields the CPU. */
void mcs_os_relax(unsigned int spins);
/* Called between the chunks of long work (zeroing): lets others run. */
void mcs_os_resched(void);
u64 mcs_os_now_ns(void);
/* Thread and process identity recorded in lock owner words (cached). */
u32 mcs_os_thread_id(void);
u32 mcs_os_process_id(void);
/*
 * Sleep while the fabric word *@word still holds @val, at most @timeout_ns;
 * may return early. A futex on the shared mapping (not private), so any
 * process mapping the same memory can wake the sleeper.
 */
void mcs_os_wait32(__le32 *word, u32 val, u64 timeout_ns);
/* Wake every sleeper of mcs_os_wait32() on @word. */
void mcs_os_wake_all(__le32 *word);
/* CRC-32 (IEEE 802.3), the value zlib's crc32() and the kernel's crc32_le() agree on. */
u32 mcs_os_crc32(const void *buf, size_t len);

extern int mcs_os_log_level;
void mcs_os_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define MCS_LOG_ERR 0
#define MCS_LOG_INFO 1
#define MCS_LOG_DEBUG 2
#define mcs_err(fmt, ...) mcs_os_log(MCS_LOG_ERR, fmt, ##__VA_ARGS__)
#define mcs_info(fmt, ...) mcs_os_log(MCS_LOG_INFO, fmt, ##__VA_ARGS__)
#define mcs_dbg(fmt, ...) mcs_os_log(MCS_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* MCS_OS_USER_H */
