/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * lockword.h - libmcs-internal: the three things user space may do with a
 * mapped lock word, by the rules of struct mcs_lock in <linux/mcs.h> (the
 * ABI; the kernel's struct glock has the same layout). Taking a free,
 * consistent lock, releasing a consistent one, and a thread that ends
 * passing on what it holds; anything else is the kernel's
 * (MCS_IOC_MUTEX_LOCK/UNLOCK).
 *
 * The words are little-endian and shared with other nodes: every access
 * is atomic, every compare-and-swap a full barrier (a lock-prefixed
 * instruction on x86, whatever the number of CPUs).
 */
#ifndef LIBMCS_LOCKWORD_H
#define LIBMCS_LOCKWORD_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/mcs.h>

static inline uint64_t mcs_rd64(const __u64 *p)
{
	return le64toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline uint64_t mcs_lock_rd64_acquire(const __u64 *p)
{
	return le64toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline uint32_t mcs_lock_rd32(const __u32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void mcs_lock_wr32(__u32 *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELAXED);
}

/* Full-barrier compare-and-swap; true if *p was @old and is @new now. */
static inline bool mcs_lock_cas64(__u64 *p, uint64_t old, uint64_t new)
{
	__u64 o = htole64(old);

	return __atomic_compare_exchange_n(p, &o, htole64(new), false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline bool mcs_lock_cas32(__u32 *p, uint32_t old, uint32_t new)
{
	__u32 o = htole32(old);

	return __atomic_compare_exchange_n(p, &o, htole32(new), false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Add 1 to a little-endian counter (wseq): a CAS loop, as it is LE. */
static inline void mcs_lock_inc32(__u32 *p)
{
	uint32_t v = mcs_lock_rd32(p);

	while (!mcs_lock_cas32(p, v, v + 1))
		v = mcs_lock_rd32(p);
}

/*
 * Take a free lock nobody asked to be handed: true with the lock held
 * (consistent); false if the kernel must decide.
 */
static inline bool mcs_lock_fast_lock(struct mcs_lock *l, uint64_t me,
				      uint32_t tid)
{
	if (mcs_lock_rd64_acquire(&l->owner) || mcs_lock_rd32(&l->handoff) ||
	    !mcs_lock_cas64(&l->owner, 0, me))
		return false;
	mcs_lock_wr32(&l->tid, tid);
	/* Only an unlock while owner-dead leaves a free lock not consistent. */
	if (mcs_lock_rd32(&l->state) == MCS_LOCK_CONSISTENT)
		return true;
	mcs_lock_wr32(&l->tid, 0);
	mcs_lock_cas64(&l->owner, me, 0);
	/* Somebody may have gone to sleep seeing it held: let him look. */
	mcs_lock_wr32(&l->need_wake, 0);
	mcs_lock_inc32(&l->wseq);
	return false;
}

/*
 * Release a consistent lock the caller holds: 0; -EPERM if it does not
 * hold it (or recovery or process cleanup replaced its tag); -EAGAIN if
 * it is owner-dead, which the kernel handles. *@wake: sleepers were told
 * (wseq moved); the kernel's sleepers need nothing more.
 */
static inline int mcs_lock_fast_unlock(struct mcs_lock *l, uint64_t me,
				       uint32_t tid, bool *wake)
{
	if (mcs_rd64(&l->owner) != me || mcs_lock_rd32(&l->tid) != tid)
		return -EPERM;
	if (mcs_lock_rd32(&l->state) != MCS_LOCK_CONSISTENT)
		return -EAGAIN;
	mcs_lock_wr32(&l->tid, 0);
	/* A full barrier: the wake flag read below cannot pass the release. */
	if (!mcs_lock_cas64(&l->owner, me, 0))
		return -EPERM;
	*wake = mcs_lock_rd32(&l->need_wake) &&
		mcs_lock_cas32(&l->need_wake, 1, 0);
	if (*wake)
		mcs_lock_inc32(&l->wseq);
	return 0;
}

/*
 * The holding thread ends (fastlock.c's thread-exit walk, run by the
 * thread itself): hand the lock on as its process's when that exits, the
 * MCS_OWNER_ABANDONED tag every acquirer on every node takes over with
 * -EOWNERDEAD; tid cleared first, so a thread that later gets the same id
 * is not taken for the holder. The kernel's glock_fast_abandon() is the
 * same, and is what the lock's model check runs. True if this thread held
 * @l and passed it on; false: not ours, left alone.
 */
static inline bool mcs_lock_fast_abandon(struct mcs_lock *l, uint64_t me,
					 uint32_t tid)
{
	if (mcs_lock_rd64_acquire(&l->owner) != me || mcs_lock_rd32(&l->tid) != tid)
		return false;
	mcs_lock_wr32(&l->tid, 0);
	/* A full barrier: the next holder sees the tid cleared. */
	if (!mcs_lock_cas64(&l->owner, me,
			    MCS_LOCK_TAG(MCS_OWNER_ABANDONED, 0,
					 MCS_LOCK_TAG_PID(me))))
		return false;
	mcs_lock_wr32(&l->need_wake, 0);
	mcs_lock_inc32(&l->wseq);
	return true;
}

#endif /* LIBMCS_LOCKWORD_H */
