// SPDX-License-Identifier: GPL-2.0
/*
 * gsync.c - global mutexes and events (see gsync.h).
 *
 * Create and destroy run under the table lock; an object becomes visible
 * by the release store of its GID, after everything else is written, so
 * a creator that dies leaves either a free slot or a complete object and
 * the table lock never needs repair beyond glock_consistent().
 */
#include "gsync.h"
#include "../os/crashpoint.h"

static int gsync_lock_table(struct gsync_table *t)
{
	int ret = glock_lock(t->ctx, &t->hdr->lock);

	if (ret == -EOWNERDEAD)
		ret = glock_consistent(t->ctx, &t->hdr->lock);
	return ret;
}

/* The lock of object @o of @t. */
static struct glock *gsync_olock(const struct gsync_table *t,
				 const struct gsync_obj *o)
{
	return gsync_lock(t, (u32)(o - t->objs));
}

static int gsync_find(struct gsync_table *t, u64 gid)
{
	u32 i;

	for (i = 0; i < t->nr; i++)
		if (mcs_rd64_acquire(&t->objs[i].gid) == gid)
			return (int)i;
	return -ENOENT;
}

static bool gsync_type_ok(u32 type)
{
	return type >= GSYNC_MUTEX && type <= GSYNC_EVENT_AUTO;
}

/* Object @idx has no type of enum gsync_type: the table is corrupt. */
static int gsync_corrupt(struct gsync_table *t, u32 idx, u32 type)
{
	return t->corrupt ? t->corrupt(t->corrupt_arg, idx, type) : -EUCLEAN;
}

/*
 * The object of handle @h, of @type's kind (a mutex, or an event of
 * either kind): -ENOENT if it is gone or of the other kind, -EUCLEAN if
 * its type is none at all.
 */
static int gsync_get(struct gsync_table *t, const struct gsync_handle *h,
		     u32 type, struct gsync_obj **out)
{
	struct gsync_obj *o;
	u32 ty;

	if (!h->gid || h->idx >= t->nr)
		return -ENOENT;
	o = &t->objs[h->idx];
	if (mcs_rd64_acquire(&o->gid) != h->gid)
		return -ENOENT;
	ty = mcs_rd32(&o->type);
	if (!gsync_type_ok(ty))
		return gsync_corrupt(t, h->idx, ty);
	if (type == GSYNC_MUTEX ? ty != GSYNC_MUTEX : ty == GSYNC_MUTEX)
		return -ENOENT;
	*out = o;
	return 0;
}

/**
 * gsync_create - make a global mutex or event, root's with mode 0600
 * @t: the table
 * @gid: its name (not 0)
 * @type: enum gsync_type
 * @signaled: events: start set
 * @h: filled with its handle
 *
 * Return: as gsync_create_owned().
 */
int gsync_create(struct gsync_table *t, u64 gid, u32 type, bool signaled,
		 struct gsync_handle *h)
{
	static const struct gsync_owner root = {
		.mode = GSYNC_OWNER_DEFAULT_MODE,
	};

	return gsync_create_owned(t, gid, type, signaled, &root, h);
}

/*
 * This node may hold @idx's lock from now on: set its bit first, so that
 * its recovery finds it. Only this node sets its bits; recovery clears
 * them once the node is dead.
 */
static void gsync_mark_opened(struct gsync_table *t, u32 idx)
{
	u32 node = t->ctx->node;
	__le64 *w;
	u64 old, bit = 1ULL << (idx % 64);

	if (!t->opened || node >= MCS_MAX_NODES)
		return; /* an observer never locks */
	w = &gsync_opened_of(t, node)[idx / 64];
	do {
		old = mcs_rd64_acquire(w);
	} while (!(old & bit) && mcs_cas64(w, old, old | bit) != old);
}

/**
 * gsync_create_owned - make a global mutex or event with an owner
 * @t: the table
 * @gid: its name (not 0)
 * @type: enum gsync_type
 * @signaled: events: start set
 * @owner: recorded with it, before it can be found
 * @h: filled with its handle
 *
 * Return: 0, -EINVAL, -EEXIST, -ENOSPC (table full), or an error of the
 * table lock.
 */
int gsync_create_owned(struct gsync_table *t, u64 gid, u32 type,
		       bool signaled, const struct gsync_owner *owner,
		       struct gsync_handle *h)
{
	struct gsync_obj *o;
	int ret, i, slot = -1;

	if (!gid || type < GSYNC_MUTEX || type > GSYNC_EVENT_AUTO ||
	    (type == GSYNC_MUTEX && signaled))
		return -EINVAL;
	ret = gsync_lock_table(t);
	if (ret)
		return ret;
	for (i = 0; i < (int)t->nr; i++) {
		u64 g = mcs_rd64_acquire(&t->objs[i].gid);

		if (g == gid) {
			ret = -EEXIST;
			goto out_unlock;
		}
		if (!g && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	o = &t->objs[slot];
	gsync_mark_opened(t, (u32)slot);
	glock_init(gsync_olock(t, o));
	mcs_wr64(&gsync_lockpage(t, (u32)slot)->gid, gid);
	mcs_wr32(&o->type, type);
	mcs_wr32(&o->signaled, signaled ? 1 : 0);
	mcs_wr32(&o->uid, owner->uid);
	mcs_wr32(&o->gid_owner, owner->gid);
	mcs_wr32(&o->mode, owner->mode);
	mcs_wr64_release(&o->gid, gid);
	h->idx = (u32)slot;
	h->gid = gid;
out_unlock:
	glock_unlock(t->ctx, &t->hdr->lock);
	return ret;
}

/**
 * gsync_owner - who owns an object, and its mode
 * @t: the table
 * @h: its handle
 * @owner: filled in
 *
 * Return: 0, or -ENOENT if the object is gone (its slot reused).
 */
int gsync_owner(struct gsync_table *t, const struct gsync_handle *h,
		struct gsync_owner *owner)
{
	struct gsync_obj *o;

	if (!h->gid || h->idx >= t->nr)
		return -ENOENT;
	o = &t->objs[h->idx];
	owner->uid = mcs_rd32(&o->uid);
	owner->gid = mcs_rd32(&o->gid_owner);
	owner->mode = mcs_rd32(&o->mode);
	/* Read after: a slot reused meanwhile shows another GID. */
	mcs_os_mb();
	return mcs_rd64(&o->gid) == h->gid ? 0 : -ENOENT;
}

/**
 * gsync_open - find a global mutex or event by GID
 * @t: the table
 * @gid: its name
 * @h: filled with its handle
 *
 * Return: 0, -ENOENT, or -EUCLEAN if its type is none of enum gsync_type.
 */
int gsync_open(struct gsync_table *t, u64 gid, struct gsync_handle *h)
{
	int i = gid ? gsync_find(t, gid) : -ENOENT;
	u32 ty;

	if (i < 0)
		return i;
	ty = mcs_rd32(&t->objs[i].type);
	if (!gsync_type_ok(ty))
		return gsync_corrupt(t, (u32)i, ty);
	gsync_mark_opened(t, (u32)i);
	h->idx = (u32)i;
	h->gid = gid;
	return 0;
}

/**
 * gsync_destroy - remove a global mutex or event
 * @t: the table
 * @gid: its name
 *
 * Waiters of an event return -ENOENT. A held mutex is not destroyed.
 *
 * Return: 0, -ENOENT, -EBUSY (a live owner holds the mutex), -EUCLEAN
 * (its type is none of enum gsync_type).
 */
int gsync_destroy(struct gsync_table *t, u64 gid)
{
	return gsync_destroy_owned(t, gid, GSYNC_ANY_UID, 0);
}

/**
 * gsync_destroy_owned - gsync_destroy() if @uid owns the object
 * @t: the table
 * @gid: its name
 * @uid: the owner it must have, or GSYNC_ANY_UID
 * @type: GSYNC_MUTEX to destroy only a mutex, GSYNC_EVENT_MANUAL (or
 *	  _AUTO) only an event of either kind, 0 either
 *
 * The owner and type are judged under the table lock, so an object
 * destroyed and made again by another user (or as the other kind)
 * meanwhile is not removed on the old owner's behalf.
 *
 * Return: as gsync_destroy(); -EPERM if another user owns it;
 * -EMEDIUMTYPE if it is not of @type's kind; -EUCLEAN if its type is
 * none of enum gsync_type.
 */
int gsync_destroy_owned(struct gsync_table *t, u64 gid, u32 uid, u32 type)
{
	struct gsync_obj *o;
	u64 owner;
	int ret, i;

	ret = gsync_lock_table(t);
	if (ret)
		return ret;
	i = gid ? gsync_find(t, gid) : -ENOENT;
	if (i < 0) {
		ret = i;
		goto out_unlock;
	}
	o = &t->objs[i];
	/* Else a held mutex of a garbled type would not count as held. */
	if (!gsync_type_ok(mcs_rd32(&o->type))) {
		ret = gsync_corrupt(t, (u32)i, mcs_rd32(&o->type));
		goto out_unlock;
	}
	if (type && (type == GSYNC_MUTEX) !=
			    (mcs_rd32(&o->type) == GSYNC_MUTEX)) {
		ret = -EMEDIUMTYPE;
		goto out_unlock;
	}
	if (uid != GSYNC_ANY_UID && mcs_rd32(&o->uid) != uid) {
		ret = -EPERM;
		goto out_unlock;
	}
	owner = glock_owner(gsync_olock(t, o));
	if (mcs_rd32(&o->type) == GSYNC_MUTEX && owner &&
	    !glock_owner_is_dead(t->ctx, owner)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	mcs_wr64_release(&o->gid, 0);
	mcs_wr64(&gsync_lockpage(t, (u32)i)->gid, 0);
	mcs_fadd32(&o->seq, 1);
	mcs_os_wake_all(&o->seq);
out_unlock:
	glock_unlock(t->ctx, &t->hdr->lock);
	return ret;
}

/**
 * gsync_mutex_lock - take a global mutex
 * @t: the table
 * @h: the mutex
 * @timeout_ns: 0 to poll, GSYNC_INFINITE to wait for ever
 *
 * Return: 0 or -EOWNERDEAD with the mutex held (the latter: its previous
 * owner died; call gsync_mutex_consistent() once the data it protects is
 * repaired); -ENOENT, -ETIMEDOUT, -EDEADLK, -ENOTRECOVERABLE; -EUCLEAN
 * if its type is none of enum gsync_type.
 */
int gsync_mutex_lock(struct gsync_table *t, const struct gsync_handle *h,
		     u64 timeout_ns)
{
	struct gsync_obj *o = NULL;
	int ret = gsync_get(t, h, GSYNC_MUTEX, &o);

	if (ret)
		return ret;
	if (timeout_ns == GSYNC_INFINITE)
		return glock_lock(t->ctx, gsync_olock(t, o));
	return glock_timedlock(t->ctx, gsync_olock(t, o), timeout_ns);
}

/**
 * gsync_mutex_unlock - release a global mutex
 * @t: the table
 * @h: the mutex
 *
 * Return: 0, -ENOENT, -EPERM (not held by this thread), -EUCLEAN.
 */
int gsync_mutex_unlock(struct gsync_table *t, const struct gsync_handle *h)
{
	struct gsync_obj *o = NULL;
	int ret = gsync_get(t, h, GSYNC_MUTEX, &o);

	return ret ? ret : glock_unlock(t->ctx, gsync_olock(t, o));
}

/**
 * gsync_mutex_consistent - the holder repaired what a dead owner left
 * @t: the table
 * @h: the mutex, taken with -EOWNERDEAD
 *
 * Return: 0, -ENOENT, -EPERM, -EINVAL (see glock_consistent()), -EUCLEAN.
 */
int gsync_mutex_consistent(struct gsync_table *t,
			   const struct gsync_handle *h)
{
	struct gsync_obj *o = NULL;
	int ret = gsync_get(t, h, GSYNC_MUTEX, &o);

	return ret ? ret : glock_consistent(t->ctx, gsync_olock(t, o));
}

/* An event's state is two words that are valid at every store. */
static int gsync_ev_lock(struct gsync_table *t, struct gsync_obj *o)
{
	int ret = glock_lock(t->ctx, gsync_olock(t, o));

	if (ret == -EOWNERDEAD)
		ret = glock_consistent(t->ctx, gsync_olock(t, o));
	return ret;
}

/**
 * gsync_event_set - signal an event
 * @t: the table
 * @h: the event
 *
 * A manual-reset event releases every waiter until reset; an auto-reset
 * event releases one waiter (now or the next to come) and resets.
 *
 * Return: 0, -ENOENT, -EUCLEAN.
 */
int gsync_event_set(struct gsync_table *t, const struct gsync_handle *h)
{
	struct gsync_obj *o = NULL;
	int ret = gsync_get(t, h, GSYNC_EVENT_MANUAL, &o);

	if (ret)
		return ret;
	ret = gsync_ev_lock(t, o);
	if (ret)
		return ret;
	mcs_wr32(&o->signaled, 1);
	mcs_fadd32(&o->seq, 1);
	glock_unlock(t->ctx, gsync_olock(t, o));
	mcs_os_wake_all(&o->seq);
	return 0;
}

/**
 * gsync_event_reset - clear an event
 * @t: the table
 * @h: the event
 *
 * Return: 0, -ENOENT, -EUCLEAN.
 */
int gsync_event_reset(struct gsync_table *t, const struct gsync_handle *h)
{
	struct gsync_obj *o = NULL;
	int ret = gsync_get(t, h, GSYNC_EVENT_MANUAL, &o);

	if (ret)
		return ret;
	ret = gsync_ev_lock(t, o);
	if (ret)
		return ret;
	mcs_wr32(&o->signaled, 0);
	glock_unlock(t->ctx, gsync_olock(t, o));
	return 0;
}

/**
 * gsync_event_wait - wait until an event is set
 * @t: the table
 * @h: the event
 * @timeout_ns: 0 to poll, GSYNC_INFINITE to wait for ever
 *
 * Return: 0 (an auto-reset event is consumed), -ETIMEDOUT, -ENOENT (also
 * when the event is destroyed while waiting), -EUCLEAN.
 */
int gsync_event_wait(struct gsync_table *t, const struct gsync_handle *h,
		     u64 timeout_ns)
{
	u64 deadline = 0, now, wait;
	struct gsync_obj *o;
	u32 seq;
	int ret;

	if (timeout_ns && timeout_ns != GSYNC_INFINITE)
		deadline = mcs_os_now_ns() + timeout_ns;
	for (;;) {
		ret = gsync_get(t, h, GSYNC_EVENT_MANUAL, &o);
		if (ret)
			return ret;
		ret = gsync_ev_lock(t, o);
		if (ret)
			return ret;
		seq = mcs_rd32(&o->seq);
		if (mcs_rd32(&o->signaled)) {
			if (mcs_rd32(&o->type) == GSYNC_EVENT_AUTO)
				mcs_wr32(&o->signaled, 0);
			glock_unlock(t->ctx, gsync_olock(t, o));
			return 0;
		}
		glock_unlock(t->ctx, gsync_olock(t, o));
		now = mcs_os_now_ns();
		if (!timeout_ns || (deadline && now >= deadline))
			return -ETIMEDOUT;
		/* Sleep in bounded slices: a setter on another node polls. */
		wait = 1000000000ULL;
		if (deadline && deadline - now < wait)
			wait = deadline - now;
		mcs_os_wait32(&o->seq, seq, wait);
	}
}

/**
 * gsync_process_exit - a process exited: its mutexes become owner-dead
 * @t: the table
 * @node: its node
 * @incarnation: the node's incarnation
 * @pid: the process
 *
 * The host's per-process cleanup calls this (the uapi driver on release
 * of the process's file; a test harness after waitpid()).
 *
 * Return: how many locks it held.
 */
int gsync_process_exit(struct gsync_table *t, u32 node, u32 incarnation,
		       u32 pid)
{
	int n = glock_abandon(&t->hdr->lock, node, incarnation, pid);
	u32 i;

	for (i = 0; i < t->nr; i++)
		n += glock_abandon(gsync_lock(t, (u32)i), node, incarnation, pid);
	return n;
}

/**
 * gsync_node_down - recovery breaks every lock a dead incarnation held
 * @t: the table
 * @node: the dead node
 * @incarnation: its dead incarnation
 *
 * Only the objects it opened can be held by it: with t->opened, only
 * those are looked at, and its bits are cleared once their locks are
 * broken (a recoverer that dies meanwhile leaves the rest set). The cost
 * follows what the node opened, not the size of the table.
 *
 * Return: how many locks it held.
 */
int gsync_node_down(struct gsync_table *t, u32 node, u32 incarnation)
{
	int n = glock_break(&t->hdr->lock, node, incarnation);
	u32 words = gsync_opened_words(t), k, i;
	__le64 *bits;
	u64 w;

	if (!t->opened || node >= MCS_MAX_NODES) {
		for (i = 0; i < t->nr; i++)
			if (glock_break(gsync_lock(t, (u32)i), node, incarnation) &&
			    !n++)
				mcs_crash_point(RECOVERY_LOCKS_HALF);
		return n;
	}
	bits = gsync_opened_of(t, node);
	for (k = 0; k < words; k++) {
		w = mcs_rd64_acquire(&bits[k]);
		for (; w; w &= w - 1) {
			i = k * 64 + (u32)__builtin_ctzll(w);
			if (i >= t->nr)
				break; /* a wild bit: nothing there */
			if (glock_break(gsync_lock(t, (u32)i), node, incarnation) &&
			    !n++)
				mcs_crash_point(RECOVERY_LOCKS_HALF);
		}
		mcs_wr64_release(&bits[k], 0);
	}
	return n;
}
