/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcs_os.h - the small OS shim the portable mcs core is written against.
 *
 * The core (tables, transactions, recovery) is compiled twice: into kernel
 * modules with kbuild and into user space for unit tests, crash torture and
 * benchmarks. Everything host-specific goes through this header:
 *
 *   - fixed-width and little-endian types (u8..u64, __le16..__le64),
 *   - loads, stores and compare-and-swap on fabric words,
 *   - waiting politely in a spin loop,
 *   - sleeping until a 32-bit fabric word changes, and waking such
 *     sleepers (a shared futex in user space; polling with backoff in the
 *     kernel until cross-node doorbells exist),
 *   - time, CRC32, logging,
 *   - crash points (see crashpoint.h), which only the user build arms.
 *
 * Fabric words are little-endian on every host. All atomics are on naturally
 * aligned 64-bit words; the fabric is assumed cache coherent (CXL 3.x shared
 * memory, ivshmem between guests of one host). A non-coherent fabric would
 * need explicit flushes that this code does not issue.
 */
#ifndef MCS_OS_H
#define MCS_OS_H

#ifdef __KERNEL__
#include "mcs_os_kernel.h"
#else
#include "mcs_os_user.h"
#endif

/* Fabric accessors: a single naturally aligned access each, never torn. */
static inline u32 mcs_rd32(const __le32 *p)
{
	return le32_to_cpu(READ_ONCE(*p));
}

static inline void mcs_wr32(__le32 *p, u32 v)
{
	WRITE_ONCE(*p, cpu_to_le32(v));
}

static inline u64 mcs_rd64(const __le64 *p)
{
	return le64_to_cpu(READ_ONCE(*p));
}

static inline void mcs_wr64(__le64 *p, u64 v)
{
	WRITE_ONCE(*p, cpu_to_le64(v));
}

static inline u16 mcs_rd16(const __le16 *p)
{
	return le16_to_cpu(READ_ONCE(*p));
}

static inline void mcs_wr16(__le16 *p, u16 v)
{
	WRITE_ONCE(*p, cpu_to_le16(v));
}

/*
 * Ordered accessors for commit points: everything written before a release
 * store is visible to whoever observes the store with an acquire load.
 */
static inline u64 mcs_rd64_acquire(const __le64 *p)
{
	return le64_to_cpu(mcs_os_load_acquire64(p));
}

static inline void mcs_wr64_release(__le64 *p, u64 v)
{
	mcs_os_store_release64(p, cpu_to_le64(v));
}

static inline u32 mcs_rd32_acquire(const __le32 *p)
{
	return le32_to_cpu(mcs_os_load_acquire32(p));
}

static inline u32 mcs_cas32(__le32 *p, u32 old, u32 new)
{
	return le32_to_cpu(mcs_os_cas32(p, cpu_to_le32(old), cpu_to_le32(new)));
}

/* Add to a fabric word; returns the old value (a CAS loop: endian-safe). */
static inline u32 mcs_fadd32(__le32 *p, u32 v)
{
	u32 old = mcs_rd32(p), seen;

	while ((seen = mcs_cas32(p, old, old + v)) != old)
		old = seen;
	return old;
}

/* Compare-and-swap on a fabric word; returns the value found there. */
static inline u64 mcs_cas64(__le64 *p, u64 old, u64 new)
{
	return le64_to_cpu(mcs_os_cas64(p, cpu_to_le64(old), cpu_to_le64(new)));
}

#endif /* MCS_OS_H */
