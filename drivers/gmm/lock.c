// SPDX-License-Identifier: GPL-2.0
/*
 * lock.c - the table locks, kept in the fabric.
 *
 * A lock word holds its owner's tag (node, incarnation, thread) or 0. A
 * waiter that finds the owner's incarnation dead takes the lock over with a
 * compare-and-swap and, before doing anything else, repairs the structure
 * the lock protects: this is the owner-dead path every recovery goes
 * through. Only one waiter can win the swap, so only one repairs.
 *
 * Transactions hold their locks from the first tag to the last settle, so
 * an entry is pending only while its owner holds the lock, and anybody who
 * holds a lock sees only settled entries (or repairs them first).
 */
#include "gmm_internal.h"

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

u64 gmm_self_owner(struct gmm_region *r)
{
	return GMM_OWNER(r->node, r->inc, mcs_os_thread_id());
}

/**
 * gmm_lock_word - take a fabric lock, taking it over from a dead owner
 * @r: a joined handle
 * @word: the lock word
 *
 * Also used by gns for its name table lock.
 *
 * Return: true when the lock was taken over from a dead owner: the caller
 * must repair what the lock protects before using it.
 */
bool gmm_lock_word(struct gmm_region *r, __le64 *word)
{
	u64 me = gmm_self_owner(r);
	unsigned int spins = 0;
	u64 cur;

	for (;;) {
		cur = mcs_rd64_acquire(word);
		if (!cur) {
			if (mcs_cas64(word, 0, me) == 0)
				return false;
		} else if (gmm_id_dead(r, cur)) {
			if (mcs_cas64(word, cur, me) == cur) {
				mcs_crash_point(LOCK_STOLEN);
				return true;
			}
		}
		mcs_os_relax(spins++);
	}
}

void gmm_unlock_word(__le64 *word)
{
	mcs_wr64_release(word, 0);
}

/**
 * gmm_lock_observe - take a lock without ever taking it over
 * @r: the handle
 * @word: the lock word
 *
 * Return: 0 with the lock held, or -EOWNERDEAD if a dead incarnation holds
 * it (the structure needs repair that an observer must not do).
 */
int gmm_lock_observe(struct gmm_region *r, __le64 *word)
{
	u64 me = gmm_self_owner(r);
	unsigned int spins = 0;
	u64 cur;

	for (;;) {
		cur = mcs_rd64_acquire(word);
		if (!cur) {
			if (mcs_cas64(word, 0, me) == 0)
				return 0;
		} else if (gmm_id_dead(r, cur)) {
			return -EOWNERDEAD;
		}
		mcs_os_relax(spins++);
	}
}

void gmm_lock_stripe(struct gmm_region *r, u32 s)
{
	if (gmm_lock_word(r, &r->ctl->stripe_lock[s].owner))
		gmm_repair_stripe(r, s);
}

void gmm_unlock_stripe(struct gmm_region *r, u32 s)
{
	gmm_unlock_word(&r->ctl->stripe_lock[s].owner);
}

void gmm_lock_part(struct gmm_region *r, u32 p)
{
	/* A lost partition's tables are garbage: nothing to repair there. */
	if (gmm_lock_word(r, &r->ctl->part_lock[p].owner) &&
	    gmm_part_state(r, p) != GMM_PART_LOST)
		gmm_repair_part(r, p);
}

void gmm_unlock_part(struct gmm_region *r, u32 p)
{
	gmm_unlock_word(&r->ctl->part_lock[p].owner);
}
