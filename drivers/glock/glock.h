/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glock.h - recoverable global locks whose whole state lives in the fabric.
 *
 * A struct glock is one cache line of fixed-width little-endian words and
 * no pointers, so any node (and any process that maps it) can use it at
 * whatever address it is mapped. The lock word is the owner tag: taking a
 * free lock is one compare-and-swap 0 -> tag, which also records who holds
 * it, so there is no instant at which a lock is held by nobody known.
 *
 * Waiters queue by ticket (FIFO) and sleep through the OS shim. When the
 * owner's node incarnation is dead (asked through glock_ctx->owner_dead)
 * or its process exited (glock_abandon(), called by the host's
 * per-process cleanup), the next acquirer gets the lock with -EOWNERDEAD
 * and must call glock_consistent() before unlocking, or the lock becomes
 * not recoverable for good: POSIX robust mutex semantics, across nodes.
 *
 * Layout, wait/wake and limits: Documentation/glock.md.
 */
#ifndef GLOCK_H
#define GLOCK_H

#include "../os/mcs_os.h"

#include <linux/mcs.h>

/*
 * A lock word is mapped into user space (the mutex fast path), so its
 * layout, owner tags and states are the ABI's: struct mcs_lock,
 * MCS_LOCK_TAG() and MCS_LOCK_* of include/uapi/linux/mcs.h. Here they
 * get the kernel's names and little-endian types; the asserts below keep
 * the two alike.
 *
 * Owner tags: node:8 | incarnation:24 | process:32 (the same shape as gmm
 * transaction ids). 0 is a free lock: a live incarnation is never 0.
 */
#define GLOCK_TAG(node, inc, pid) MCS_LOCK_TAG(node, inc, pid)
#define GLOCK_TAG_NODE(t) MCS_LOCK_TAG_NODE(t)
#define GLOCK_TAG_INC(t) MCS_LOCK_TAG_INC(t)
#define GLOCK_TAG_PID(t) MCS_LOCK_TAG_PID(t)
/* The node number of a tag whose process exited holding the lock. */
#define GLOCK_NODE_ABANDONED MCS_OWNER_ABANDONED
#define GLOCK_TAG_ABANDONED(pid) GLOCK_TAG(GLOCK_NODE_ABANDONED, 0, pid)

enum glock_state {
	GLOCK_CONSISTENT = MCS_LOCK_CONSISTENT,
	/* held after a takeover, not yet consistent */
	GLOCK_OWNERDEAD = MCS_LOCK_OWNERDEAD,
	/* unlocked while owner-dead: unusable */
	GLOCK_NOTRECOVERABLE = MCS_LOCK_NOTRECOVERABLE,
};

struct glock {
	__le64 owner;     /* the lock word: owner tag, 0 = free */
	__le32 next;      /* next ticket handed to a waiter */
	__le32 serving;   /* the ticket whose turn it is */
	__le32 wseq;      /* sleepers wait on it; bumped by every wake */
	__le32 state;     /* enum glock_state, written only by the holder */
	__le32 tid;       /* the owning thread, written by the holder */
	__le32 need_wake; /* a waiter sleeps: the next release wakes */
	__le32 handoff;   /* the waiter in turn waited long: no barging */
	__le32 reserved0;
	__le64 reserved[3];
};

/* The region format, and the ABI of a lock word mapped into user space. */
_Static_assert(sizeof(struct glock) == 64, "a glock is one cache line");
#define GLOCK_ABI_SAME(f)                                                  \
	_Static_assert(offsetof(struct glock, f) ==                        \
			       offsetof(struct mcs_lock, f) &&             \
		       sizeof(((struct glock *)0)->f) ==                   \
			       sizeof(((struct mcs_lock *)0)->f),          \
		       "glock." #f " is mcs_lock." #f)
GLOCK_ABI_SAME(owner);
GLOCK_ABI_SAME(next);
GLOCK_ABI_SAME(serving);
GLOCK_ABI_SAME(wseq);
GLOCK_ABI_SAME(state);
GLOCK_ABI_SAME(tid);
GLOCK_ABI_SAME(need_wake);
GLOCK_ABI_SAME(handoff);
_Static_assert(sizeof(struct glock) == sizeof(struct mcs_lock),
	       "a glock is a struct mcs_lock");

/* The per-node (user space: per-process) context every call takes. */
struct glock_ctx {
	u32 node;
	u32 incarnation;
	/* Is the node incarnation of @tag dead? (membership, e.g. gmm) */
	bool (*owner_dead)(void *arg, u64 tag);
	void *arg;
	/* A sleeper re-checks the owner's liveness at least this often. */
	u64 recheck_ns;
};

/* A ticket holder that lets a free lock sit this long loses its turn. */
#define GLOCK_SKIP_NS 20000000ULL
#define GLOCK_RECHECK_NS 2000000ULL
/*
 * A waiter spins before it sleeps, looking at the lock line less and less
 * often (from GLOCK_BACKOFF_MIN up to GLOCK_BACKOFF_MAX CPU pauses between
 * looks) so that it does not steal the line from the holder at every look
 * (and see it free for an instant and take it). The waiter in turn lets
 * newcomers (typically the holder, coming straight back) barge for
 * GLOCK_BARGE_NS before it asks for a handoff: bursts keep a contended
 * lock's line in one cache, the handoff bounds what the waiter loses.
 */
#define GLOCK_BARGE_NS 20000ULL
#define GLOCK_SPIN_NS 50000ULL
#define GLOCK_BACKOFF_MIN 64
#define GLOCK_BACKOFF_MAX 128
/* A waiter that is not in turn and finds the lock free sleeps this long. */
#define GLOCK_POLL_NS 1000000ULL

/* glock_acquire() flags */
#define GLOCK_F_TRY 0x1         /* never wait: -EBUSY */
#define GLOCK_F_NO_TAKEOVER 0x2 /* a dead owner: -EOWNERDEAD, lock not taken */

void glock_init(struct glock *l);
int glock_acquire(const struct glock_ctx *c, struct glock *l, u64 timeout_ns,
		  unsigned int flags);
int glock_lock(const struct glock_ctx *c, struct glock *l);
int glock_trylock(const struct glock_ctx *c, struct glock *l);
int glock_timedlock(const struct glock_ctx *c, struct glock *l,
		    u64 timeout_ns);
int glock_unlock(const struct glock_ctx *c, struct glock *l);
int glock_consistent(const struct glock_ctx *c, struct glock *l);
int glock_abandon(struct glock *l, u32 node, u32 incarnation, u32 pid);
int glock_break(struct glock *l, u32 node, u32 incarnation);
bool glock_owner_is_dead(const struct glock_ctx *c, u64 tag);

/*
 * The uncontended paths, shared by glock.c and by user space taking a
 * lock through a mapping of its word (libmcs over /dev/mcs), where the
 * slow path is the kernel's: anything not simple is left to it.
 */

/**
 * glock_fast_lock - take a free lock nobody is waiting to be handed
 * @l: the lock
 * @me: the caller's owner tag
 * @tid: the caller's thread id
 *
 * Return: true with the lock held (consistent); false if the slow path
 * must decide (held, a handoff asked for, or not recoverable).
 */
static inline bool glock_fast_lock(struct glock *l, u64 me, u32 tid)
{
	if (mcs_rd64_acquire(&l->owner) || mcs_rd32(&l->handoff) ||
	    mcs_cas64(&l->owner, 0, me) != 0)
		return false;
	mcs_wr32(&l->tid, tid);
	/* Only an unlock while owner-dead leaves a free lock not consistent. */
	if (likely(mcs_rd32(&l->state) == GLOCK_CONSISTENT))
		return true;
	mcs_wr32(&l->tid, 0);
	mcs_cas64(&l->owner, me, 0);
	/* Somebody may have gone to sleep seeing it held: let him look. */
	mcs_wr32(&l->need_wake, 0);
	mcs_fadd32(&l->wseq, 1);
	return false;
}

/**
 * glock_claim_wake - after a release: must the releaser wake sleepers?
 * @l: the lock just released
 *
 * Claims the wake (sleepers are woken once, not at every release) and
 * moves wseq on, which is all a polling sleeper needs.
 *
 * Return: true if the caller must also wake futex sleepers on wseq.
 */
static inline bool glock_claim_wake(struct glock *l)
{
	if (!mcs_rd32(&l->need_wake) || mcs_cas32(&l->need_wake, 1, 0) != 1)
		return false;
	mcs_fadd32(&l->wseq, 1);
	return true;
}

/**
 * glock_fast_unlock - release a consistent lock the caller holds
 * @l: the lock
 * @me: the caller's owner tag
 * @tid: the caller's thread id
 * @wake: set to glock_claim_wake()'s answer
 *
 * Return: 0 released; -EPERM if the caller does not hold it (or recovery
 * or process cleanup replaced its tag); -EAGAIN if it is owner-dead, which
 * the slow path (glock_unlock()) handles.
 */
static inline int glock_fast_unlock(struct glock *l, u64 me, u32 tid,
				    bool *wake)
{
	if (mcs_rd64(&l->owner) != me || mcs_rd32(&l->tid) != tid)
		return -EPERM;
	if (mcs_rd32(&l->state) != GLOCK_CONSISTENT)
		return -EAGAIN;
	mcs_wr32(&l->tid, 0);
	/* A full barrier: the wake flag read below cannot pass the release. */
	if (mcs_cas64(&l->owner, me, 0) != me)
		return -EPERM;
	*wake = glock_claim_wake(l);
	return 0;
}

/**
 * glock_fast_abandon - the holding thread ends: pass the lock on as dead
 * @l: the lock
 * @me: the caller's owner tag, as the lock word names it
 * @tid: the caller's thread id
 *
 * Run by the thread itself on its way out (libmcs's thread-exit walk), so
 * it writes tid as the holder it still is, like glock_fast_unlock(). The
 * abandoned tag is what the host's cleanup leaves when a process exits:
 * every acquirer, on every node, takes it over with -EOWNERDEAD; the
 * state stays as it was (owner-dead again if never made consistent).
 * Sleepers' wseq is moved on, which the kernel's polling sleepers need.
 *
 * Return: true if the caller held @l and abandoned it (callers whose
 * sleepers wait on a futex must wake them); false if @l is not this
 * thread's, which is left alone.
 */
static inline bool glock_fast_abandon(struct glock *l, u64 me, u32 tid)
{
	if (mcs_rd64_acquire(&l->owner) != me || mcs_rd32(&l->tid) != tid)
		return false;
	mcs_wr32(&l->tid, 0);
	/* A full barrier: the next holder sees the tid cleared. */
	if (mcs_cas64(&l->owner, me, GLOCK_TAG_ABANDONED(GLOCK_TAG_PID(me))) !=
	    me)
		return false;
	mcs_wr32(&l->need_wake, 0);
	mcs_fadd32(&l->wseq, 1);
	return true;
}

static inline u64 glock_owner(const struct glock *l)
{
	return mcs_rd64_acquire(&l->owner);
}

static inline u32 glock_state(const struct glock *l)
{
	return mcs_rd32(&l->state);
}

#endif /* GLOCK_H */
