// SPDX-License-Identifier: GPL-2.0
/*
 * lock.c - the table locks are glocks (drivers/glock) in the control area.
 *
 * When a lock's owner dies, the next acquirer gets -EOWNERDEAD and, before
 * doing anything else, repairs the structure the lock protects, then marks
 * the lock consistent: this is the owner-dead path every recovery goes
 * through (DESIGN section 4, point 6). Only one acquirer can win the lock,
 * so only one repairs; one that dies repairing leaves the lock owner-dead
 * for the next, and repair is idempotent.
 *
 * Transactions hold their locks from the first tag to the last settle, so
 * an entry is pending only while its owner holds the lock, and anybody who
 * holds a lock sees only settled entries (or repairs them first).
 */
#include "gmm_internal.h"

#ifdef __KERNEL__
#include <linux/stdarg.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

/**
 * gmm_id_dead - is the node incarnation named by a txn id or owner tag dead?
 * @r: the handle
 * @id: a transaction id or lock owner tag
 *
 * Observers (tools inspecting the region) are never considered dead; a tag
 * naming a node outside the region is garbage and counts as dead.
 */
bool gmm_id_dead(struct gmm_region *r, u64 id)
{
	u32 node = GMM_ID_NODE(id);
	u64 w;

	if (node == GMM_OBSERVER_NODE)
		return false;
	if (node >= r->g.nr_parts)
		return true;
	w = mcs_rd64_acquire(&r->ctl->node[node]);
	return GMM_NW_STATE(w) != GMM_NODE_ALIVE ||
	       GMM_NW_INC(w) != GMM_ID_INC(id);
}

static bool gmm_glock_owner_dead(void *arg, u64 tag)
{
	return gmm_id_dead(arg, tag);
}

/* The glock context follows the handle's identity (attach, then join). */
void gmm_glock_setup(struct gmm_region *r)
{
	r->glk.node = r->node;
	r->glk.incarnation = r->inc;
	r->glk.owner_dead = gmm_glock_owner_dead;
	r->glk.arg = r;
	r->glk.recheck_ns = GLOCK_RECHECK_NS;
}

/**
 * gmm_glock_ctx - the glock context of a handle, for locks in its region
 * @r: the handle
 */
const struct glock_ctx *gmm_glock_ctx(struct gmm_region *r)
{
	return &r->glk;
}

/**
 * gmm_lock_observe - take a lock without ever taking it over
 * @r: the handle
 * @l: the lock
 *
 * An observer waits at most GMM_OBSERVE_WAIT_NS: a table lock is held
 * for microseconds, and one an observer's own kind left behind (observers
 * are never dead) or a corrupt owner tag must not stall a tool for ever.
 *
 * Return: 0 with the lock held, -EOWNERDEAD if a dead incarnation holds
 * it (the structure needs repair that an observer must not do),
 * -ETIMEDOUT, -ENOTRECOVERABLE.
 */
int gmm_lock_observe(struct gmm_region *r, struct glock *l)
{
	return glock_acquire(&r->glk, l, GMM_OBSERVE_WAIT_NS,
			     GLOCK_F_NO_TAKEOVER);
}

/*
 * gmm never leaves a table lock unrecoverable and never takes one twice:
 * any error but owner-dead (repaired, then marked consistent) means the
 * lock word is corrupt, and the operation fails without the lock.
 */
static int gmm_lock(struct gmm_region *r, struct glock *l, const char *what,
		    u32 i, bool *repair)
{
	int ret = glock_lock(&r->glk, l);

	*repair = ret == -EOWNERDEAD;
	if (!ret || *repair)
		return 0;
	return gmm_corrupt(r, "%s lock %u: error %d", what, i, ret);
}

int gmm_lock_stripe(struct gmm_region *r, u32 s)
{
	struct glock *l = &r->ctl->stripe_lock[s];
	bool repair;
	int ret = gmm_lock(r, l, "stripe", s, &repair);

	if (!ret && repair) {
		gmm_repair_stripe(r, s);
		glock_consistent(&r->glk, l);
	}
	return ret;
}

void gmm_unlock_stripe(struct gmm_region *r, u32 s)
{
	glock_unlock(&r->glk, &r->ctl->stripe_lock[s]);
}

/* Every stripe lock in order; on an error none is held. */
int gmm_lock_stripes(struct gmm_region *r)
{
	u32 s;
	int ret;

	for (s = 0; s < GMM_NR_STRIPES; s++) {
		ret = gmm_lock_stripe(r, s);
		if (ret) {
			while (s-- > 0)
				gmm_unlock_stripe(r, s);
			return ret;
		}
	}
	return 0;
}

void gmm_unlock_stripes(struct gmm_region *r)
{
	u32 s;

	for (s = GMM_NR_STRIPES; s-- > 0;)
		gmm_unlock_stripe(r, s);
}

int gmm_lock_part(struct gmm_region *r, u32 p)
{
	struct glock *l = &r->ctl->part_lock[p];
	bool repair;
	int ret = gmm_lock(r, l, "partition", p, &repair);

	if (!ret && repair) {
		/* A lost partition's tables are garbage: nothing to repair. */
		if (gmm_part_state(r, p) != GMM_PART_LOST)
			gmm_repair_part(r, p);
		glock_consistent(&r->glk, l);
	}
	return ret;
}

void gmm_unlock_part(struct gmm_region *r, u32 p)
{
	glock_unlock(&r->glk, &r->ctl->part_lock[p]);
}

/**
 * gmm_corrupt - a value read from the fabric cannot be right
 * @r: the handle that read it
 * @fmt: printf-style name of the bad structure and value
 *
 * Counts it in the handle (gmm_corruptions()) and logs the first one of
 * the handle, so a corrupt region cannot flood the log.
 *
 * Return: -EUCLEAN, the error every check of a fabric value returns
 * (Documentation/gmm.md, "Corrupt regions").
 */
int gmm_corrupt(struct gmm_region *r, const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	u64 n;

	do {
		n = mcs_rd64(&r->corrupt);
	} while (mcs_cas64(&r->corrupt, n, n + 1) != n);
	if (!n) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		mcs_err("corrupt region: %s (further ones are only counted)\n",
			msg);
	}
	return -EUCLEAN;
}

/**
 * gmm_corruptions - how many corrupt fabric values a handle has met
 * @r: the handle
 */
u64 gmm_corruptions(struct gmm_region *r)
{
	return mcs_rd64(&r->corrupt);
}
