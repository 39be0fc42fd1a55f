// SPDX-License-Identifier: GPL-2.0
/*
 * glock.c - recoverable global locks (see glock.h, Documentation/glock.md).
 *
 * Mutual exclusion and ownership come from one word: the owner tag, set by
 * compare-and-swap from 0 (free) or from a dead owner's tag (takeover).
 * Fairness comes from tickets: a locker that cannot take the lock at once
 * takes a ticket and may compete for the lock word only when its ticket is
 * being served (or has been passed over). Newcomers may take a free lock
 * ahead of the queue until the waiter in turn has spun for a while and
 * asks for a handoff; then they queue too. A waiter that dies keeps its
 * ticket forever, so the next ticket holder skips a turn that nobody takes
 * for GLOCK_SKIP_NS while the lock is free. Tickets only order the
 * waiters; skipping one never lets two processes in.
 */
#include "glock.h"
#include "../os/crashpoint.h"

/**
 * glock_init - make a lock free, consistent and without waiters
 * @l: the lock, in fabric memory nobody else is using yet
 */
void glock_init(struct glock *l)
{
	memset(l, 0, sizeof(*l));
	mcs_os_mb();
}

/**
 * glock_owner_is_dead - may a lock held by @tag be taken over?
 * @c: the caller's context
 * @tag: an owner tag (not 0)
 *
 * Return: true if its process was abandoned by the host's cleanup or its
 * node incarnation is dead according to @c->owner_dead.
 */
bool glock_owner_is_dead(const struct glock_ctx *c, u64 tag)
{
	if (GLOCK_TAG_NODE(tag) == GLOCK_NODE_ABANDONED)
		return true;
	return c->owner_dead && c->owner_dead(c->arg, tag);
}

static u64 glock_self(const struct glock_ctx *c)
{
	return GLOCK_TAG(c->node, c->incarnation, mcs_os_process_id());
}

/* Wake every sleeper (rare paths: skips, departures, dead owners). */
static void glock_wake(struct glock *l)
{
	mcs_wr32(&l->need_wake, 0);
	mcs_fadd32(&l->wseq, 1);
	mcs_os_wake_all(&l->wseq);
}

/*
 * Sleep on @w, the wseq read before the lock state the caller decided on.
 * need_wake is set before a last look at the owner: a holder seen then
 * releases later and finds need_wake set; a release before it changed the
 * owner (seen here, so no sleep) or consumed need_wake and bumped wseq
 * (so the futex does not sleep on @w).
 */
static void glock_sleep(struct glock *l, u32 w, u64 timeout_ns, bool in_turn)
{
	if (!mcs_rd32(&l->need_wake))
		mcs_cas32(&l->need_wake, 0, 1);
	mcs_os_mb();
	if (!mcs_rd64_acquire(&l->owner)) {
		if (in_turn)
			return;
		/* Free, but the turn is another's: poll for it. */
		timeout_ns = GLOCK_POLL_NS;
	}
	mcs_os_wait32(&l->wseq, w, timeout_ns);
}

/* Stay off the lock's line for a while (see GLOCK_BACKOFF_MAX). */
static void glock_backoff(unsigned int pauses)
{
	while (pauses--)
		mcs_os_cpu_relax();
}

/* Move the queue on to @t + 1 unless somebody already moved it further. */
static void glock_serve_after(struct glock *l, u32 t)
{
	u32 s = mcs_rd32(&l->serving), seen;

	while ((s32)(t + 1 - s) > 0) {
		seen = mcs_cas32(&l->serving, s, t + 1);
		if (seen == s)
			break;
		s = seen;
	}
}

/* The lock word is ours: record the thread, apply the recovery state. */
static int glock_got(struct glock *l, u64 me, bool took_over)
{
	u32 st = mcs_rd32(&l->state);

	mcs_wr32(&l->tid, mcs_os_thread_id());
	if (st == GLOCK_NOTRECOVERABLE) {
		mcs_wr32(&l->tid, 0);
		mcs_cas64(&l->owner, me, 0);
		glock_wake(l);
		return -ENOTRECOVERABLE;
	}
	if (took_over) {
		mcs_crash_point(LOCK_STOLEN);
		mcs_wr32(&l->state, GLOCK_OWNERDEAD);
		return -EOWNERDEAD;
	}
	/*
	 * A free lock is never owner-dead: that state is left only by
	 * glock_consistent() or, on unlock, for NOTRECOVERABLE.
	 */
	return 0;
}

/* Try the lock word once: 1 taken, 0 not, or -EOWNERDEAD (no takeover). */
static int glock_try_word(const struct glock_ctx *c, struct glock *l, u64 me,
			  u64 cur, unsigned int flags, int *ret)
{
	if (!cur) {
		if (mcs_cas64(&l->owner, 0, me) != 0)
			return 0;
		*ret = glock_got(l, me, false);
		return 1;
	}
	if (!glock_owner_is_dead(c, cur))
		return 0;
	if (flags & GLOCK_F_NO_TAKEOVER)
		return -EOWNERDEAD;
	if (mcs_cas64(&l->owner, cur, me) != cur)
		return 0;
	*ret = glock_got(l, me, true);
	return 1;
}

/**
 * glock_acquire - take a lock, waiting in FIFO order
 * @c: the caller's context
 * @l: the lock
 * @timeout_ns: give up after this long (0: wait for ever)
 * @flags: GLOCK_F_TRY, GLOCK_F_NO_TAKEOVER
 *
 * Return: 0 with the lock held; -EOWNERDEAD with the lock held, after its
 * owner died: make the protected state consistent and call
 * glock_consistent(), or the unlock makes it unrecoverable; with
 * GLOCK_F_NO_TAKEOVER, -EOWNERDEAD means a dead owner holds it and the
 * lock is not taken. Without the lock: -ENOTRECOVERABLE; -EDEADLK if this
 * thread holds it; -EBUSY (GLOCK_F_TRY); -ETIMEDOUT.
 */
int glock_acquire(const struct glock_ctx *c, struct glock *l, u64 timeout_ns,
		  unsigned int flags)
{
	u64 me = glock_self(c), cur, deadline = 0, now, since, spun, wait;
	u64 turn_since = 0;
	u32 t, s, w, last_s;
	unsigned int pauses = GLOCK_BACKOFF_MIN;
	int ret = 0, got;
	bool in_turn, dead, asked = false;

	/* Fast path: free, and the waiter in turn has not asked for it. */
	if (glock_fast_lock(l, me, mcs_os_thread_id()))
		return 0;
	cur = mcs_rd64_acquire(&l->owner);
	if (mcs_rd32(&l->state) == GLOCK_NOTRECOVERABLE) {
		mcs_os_wake_all(&l->wseq); /* see glock_fast_lock() */
		return -ENOTRECOVERABLE;
	}
	if (cur == me && mcs_rd32(&l->tid) == mcs_os_thread_id())
		return -EDEADLK;
	if (flags & GLOCK_F_TRY) {
		got = glock_try_word(c, l, me, mcs_rd64_acquire(&l->owner),
				     flags, &ret);
		if (got < 0)
			return got;
		return got ? ret : -EBUSY;
	}

	if (timeout_ns)
		deadline = mcs_os_now_ns() + timeout_ns;
	t = mcs_fadd32(&l->next, 1);
	mcs_crash_point(GLOCK_QUEUED);
	last_s = mcs_rd32(&l->serving);
	since = spun = mcs_os_now_ns();
	for (;;) {
		/* wseq before the state it guards: a wake in between is seen. */
		w = mcs_rd32_acquire(&l->wseq);
		s = mcs_rd32(&l->serving);
		cur = mcs_rd64_acquire(&l->owner);
		in_turn = (s32)(s - t) >= 0;
		dead = cur && glock_owner_is_dead(c, cur);
		/*
		 * A dead owner's lock any waiter may take over: the ticket in
		 * turn may be a dead or departed waiter's, and nobody else
		 * would take it before that turn is skipped.
		 */
		if (in_turn || dead) {
			got = glock_try_word(c, l, me, cur, flags, &ret);
			if (got > 0)
				break;
			if (got < 0) {
				ret = got;
				goto leave;
			}
		}
		now = mcs_os_now_ns();
		if (s != last_s) {
			last_s = s;
			since = now;
		} else if ((!cur || dead) && now - since >= GLOCK_SKIP_NS) {
			/* The ticket in turn is not taking a free lock. */
			if (mcs_cas32(&l->serving, s, s + 1) == s)
				glock_wake(l);
			continue;
		}
		if (deadline && now >= deadline) {
			ret = -ETIMEDOUT;
			goto leave;
		}
		if (in_turn && !asked) {
			if (!turn_since)
				turn_since = now;
			/* In turn for a while: newcomers must queue behind us. */
			if (now - turn_since >= GLOCK_BARGE_NS) {
				if (!mcs_rd32(&l->handoff))
					mcs_wr32(&l->handoff, 1);
				asked = true;
				pauses = 1; /* the release is due: watch closely */
			}
		}
		/* Critical sections are short: spin a while before sleeping. */
		if (now - spun < GLOCK_SPIN_NS) {
			glock_backoff(pauses);
			if (!asked && pauses < GLOCK_BACKOFF_MAX)
				pauses <<= 1;
			continue;
		}
		wait = c->recheck_ns;
		if (deadline && deadline - now < wait)
			wait = deadline - now;
		glock_sleep(l, w, wait, in_turn);
		spun = mcs_os_now_ns();
	}
	mcs_crash_point(GLOCK_ADMITTED);
	if (mcs_rd32(&l->handoff))
		mcs_wr32(&l->handoff, 0);
	glock_serve_after(l, t);
	return ret;
leave:
	if (mcs_rd32(&l->handoff))
		mcs_wr32(&l->handoff, 0); /* a waiter still in turn asks again */
	/* Hand our turn on at once rather than make the next one skip it. */
	if (mcs_cas32(&l->serving, t, t + 1) == t)
		glock_wake(l);
	return ret;
}

/**
 * glock_lock - take a lock, waiting as long as it takes
 * @c: the caller's context
 * @l: the lock
 *
 * Return: as glock_acquire().
 */
int glock_lock(const struct glock_ctx *c, struct glock *l)
{
	return glock_acquire(c, l, 0, 0);
}

/**
 * glock_trylock - take a lock if that needs no waiting
 * @c: the caller's context
 * @l: the lock
 *
 * A free lock is taken even if others are queued for it.
 *
 * Return: as glock_acquire(), -EBUSY if a live owner holds it.
 */
int glock_trylock(const struct glock_ctx *c, struct glock *l)
{
	return glock_acquire(c, l, 0, GLOCK_F_TRY);
}

/**
 * glock_timedlock - take a lock, waiting at most @timeout_ns
 * @c: the caller's context
 * @l: the lock
 * @timeout_ns: how long to wait (0 behaves like glock_trylock())
 *
 * Return: as glock_acquire(), -ETIMEDOUT when the time ran out.
 */
int glock_timedlock(const struct glock_ctx *c, struct glock *l,
		    u64 timeout_ns)
{
	return glock_acquire(c, l, timeout_ns, timeout_ns ? 0 : GLOCK_F_TRY);
}

/**
 * glock_unlock - release a lock this thread holds
 * @c: the caller's context
 * @l: the lock
 *
 * A lock still owner-dead (glock_consistent() not called) becomes not
 * recoverable: every later acquire fails with -ENOTRECOVERABLE.
 *
 * Return: 0, or -EPERM if this thread does not hold @l.
 */
int glock_unlock(const struct glock_ctx *c, struct glock *l)
{
	u64 me = glock_self(c);

	if (mcs_rd64(&l->owner) != me ||
	    mcs_rd32(&l->tid) != mcs_os_thread_id())
		return -EPERM;
	if (mcs_rd32(&l->state) == GLOCK_OWNERDEAD)
		mcs_wr32(&l->state, GLOCK_NOTRECOVERABLE);
	mcs_wr32(&l->tid, 0);
	/* A full barrier: the ticket read below cannot pass the release. */
	if (mcs_cas64(&l->owner, me, 0) != me)
		return -EPERM;
	mcs_crash_point(GLOCK_RELEASED);
	/* Claim the wake: sleepers woken once, not at every release. */
	if (glock_claim_wake(l))
		mcs_os_wake_all(&l->wseq);
	return 0;
}

/**
 * glock_consistent - the holder repaired what a dead owner left
 * @c: the caller's context
 * @l: a lock taken with -EOWNERDEAD
 *
 * Return: 0, -EPERM if this thread does not hold @l, -EINVAL if @l is not
 * owner-dead.
 */
int glock_consistent(const struct glock_ctx *c, struct glock *l)
{
	if (mcs_rd64(&l->owner) != glock_self(c) ||
	    mcs_rd32(&l->tid) != mcs_os_thread_id())
		return -EPERM;
	if (mcs_rd32(&l->state) != GLOCK_OWNERDEAD)
		return -EINVAL;
	mcs_wr32(&l->state, GLOCK_CONSISTENT);
	return 0;
}

/* Replace the owner tag by an abandoned one if @match says so. */
static int glock_abandon_if(struct glock *l, u64 mask, u64 want)
{
	u64 cur = mcs_rd64_acquire(&l->owner);

	while (cur && GLOCK_TAG_NODE(cur) != GLOCK_NODE_ABANDONED &&
	       (cur & mask) == want) {
		u64 seen = mcs_cas64(&l->owner, cur,
				     GLOCK_TAG_ABANDONED(GLOCK_TAG_PID(cur)));

		if (seen == cur) {
			glock_wake(l);
			return 1;
		}
		cur = seen;
	}
	return 0;
}

/**
 * glock_abandon - a process exited: its lock passes on as owner-dead
 * @l: a lock
 * @node: the node the process ran on
 * @incarnation: that node's incarnation
 * @pid: the process
 *
 * Called by the host's per-process cleanup (the uapi driver when a
 * process closes the device; a test harness after waitpid()) for every
 * lock the process may hold. Sleepers are woken; the next acquirer gets
 * -EOWNERDEAD.
 *
 * Return: 1 if @l was held by that process, else 0.
 */
int glock_abandon(struct glock *l, u32 node, u32 incarnation, u32 pid)
{
	return glock_abandon_if(l, ~0ULL, GLOCK_TAG(node, incarnation, pid));
}

/**
 * glock_break - recovery of a dead node breaks a lock it held
 * @l: a lock
 * @node: the dead node
 * @incarnation: its dead incarnation
 *
 * The next acquirer gets -EOWNERDEAD, as if it had found the dead owner
 * itself, but sleepers learn it at once and the lock no longer names the
 * dead incarnation (the checker insists on that after recovery).
 *
 * Return: 1 if @l was held by any process of that incarnation, else 0.
 */
int glock_break(struct glock *l, u32 node, u32 incarnation)
{
	return glock_abandon_if(l, ~0ULL << 32, GLOCK_TAG(node, incarnation, 0));
}
