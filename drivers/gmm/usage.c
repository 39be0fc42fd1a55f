// SPDX-License-Identifier: GPL-2.0
/*
 * usage.c - the usage table: per owner, what it holds of segments, pages,
 * names and sync objects, and the limits on them (gmm_format.h).
 *
 * gmm does not know what an owner is (the uapi driver uses uids) nor what
 * it owns: the caller charges an owner before it makes an object and
 * credits it after the object is gone, under the owner's entry lock. So
 * a crash leaves a count too high, never too low; the caller recounts
 * (gmm_usage_set()) when the lock comes back owner-dead, and before it
 * refuses an owner at its limit, so a count left high heals itself where
 * it matters.
 *
 * Entries are found by open addressing on the owner and never freed: a
 * probe ends at the first free entry. An owner is claimed by CAS, so two
 * nodes cannot claim one twice unless the fabric was written wildly, and
 * then the worst is two counts for one owner (each still bounded).
 */
#include "gmm_internal.h"

/* Whether this node logged a full table yet. */
static __le32 gmm_usage_full_said;

static struct gmm_usage_header *gmm_usage_hdr(struct gmm_region *r)
{
	return (struct gmm_usage_header *)(r->base + r->g.usage_off);
}

static struct gmm_usage_entry *gmm_usage_entry(struct gmm_region *r, u32 i)
{
	return (struct gmm_usage_entry *)(gmm_usage_hdr(r) + 1) + i;
}

/* Where an owner's probe starts: a multiplicative hash of it. */
static u32 gmm_usage_slot(u32 owner)
{
	return (u32)(((u64)owner * 0x9e3779b1ULL) >> 16) % GMM_USAGE_ENTRIES;
}

/*
 * Find @owner's entry; with @claim, claim a free one for it. -ENOENT: no
 * entry (and none claimed); -EDQUOT: the table is full.
 */
static int gmm_usage_find(struct gmm_region *r, u32 owner, bool claim,
			  u32 *idx)
{
	u32 want = owner + 1, n, i, w;

	/* The owner word is 1 + uid: uid 0xffffffff has no entry. */
	if (!want)
		return -EINVAL;
	for (n = 0, i = gmm_usage_slot(owner); n < GMM_USAGE_ENTRIES;
	     n++, i = (i + 1) % GMM_USAGE_ENTRIES) {
		__le32 *ow = &gmm_usage_entry(r, i)->owner;

		w = mcs_rd32(ow);
		if (!w) {
			if (!claim)
				return -ENOENT;
			w = mcs_cas32(ow, 0, want);
			if (!w)
				w = want;
		}
		if (w == want) {
			*idx = i;
			return 0;
		}
	}
	return claim ? -EDQUOT : -ENOENT;
}

/* Built in: an owner may hold a quarter of each table. */
static u64 gmm_usage_builtin(struct gmm_region *r, u32 kind)
{
	switch (kind) {
	case GMM_USAGE_SEGMENTS:
		return (u64)r->g.nr_parts * r->g.sections / 4;
	case GMM_USAGE_PAGES:
		return (u64)r->g.nr_parts * r->g.data_pages / 4;
	case GMM_USAGE_NAMES:
		return r->g.gns_entries / 4;
	default:
		return r->g.sync_objs / 4;
	}
}

/* The limits in force for entry @e (NULL: an owner without one). */
static void gmm_usage_limits(struct gmm_region *r,
			     struct gmm_usage_entry *e, u64 *limit)
{
	struct gmm_usage_header *h = gmm_usage_hdr(r);
	u32 k;

	for (k = 0; k < GMM_USAGE_KINDS; k++) {
		limit[k] = e ? mcs_rd64(&e->limit[k]) : 0;
		if (!limit[k])
			limit[k] = mcs_rd64(&h->limit[k]);
		if (!limit[k])
			limit[k] = gmm_usage_builtin(r, k);
	}
}

/**
 * gmm_usage_lock - take an owner's entry, claiming one if it has none
 * @r: a joined handle
 * @owner: the owner (a uid)
 * @idx: set to its entry
 *
 * Taken before any table lock, never while holding one.
 *
 * Return: 0 with the entry locked; -EOWNERDEAD with it locked but its
 * counts in doubt (a holder died): the caller counts what @owner holds
 * and gives it to gmm_usage_set() before anything else; -EDQUOT when the
 * table has no room for another owner; -EUCLEAN for a corrupt lock.
 */
int gmm_usage_lock(struct gmm_region *r, u32 owner, u32 *idx)
{
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	ret = gmm_usage_find(r, owner, true, idx);
	if (ret == -EDQUOT && !mcs_cas32(&gmm_usage_full_said, 0, 1))
		mcs_err("usage table full: owner %u refused (said once)\n",
			owner);
	if (ret)
		return ret;
	ret = glock_lock(&r->glk, &gmm_usage_entry(r, *idx)->lock);
	if (ret && ret != -EOWNERDEAD)
		return gmm_corrupt(r, "usage entry %u lock: error %d", *idx,
				   ret);
	return ret;
}

void gmm_usage_unlock(struct gmm_region *r, u32 idx)
{
	glock_unlock(&r->glk, &gmm_usage_entry(r, idx)->lock);
}

/**
 * gmm_usage_set - set the counts of a locked entry to what was counted
 * @r: the handle
 * @idx: the entry, locked (gmm_usage_lock())
 * @used: GMM_USAGE_KINDS counts
 *
 * Also makes a lock that came back owner-dead consistent again.
 */
void gmm_usage_set(struct gmm_region *r, u32 idx, const u64 *used)
{
	struct gmm_usage_entry *e = gmm_usage_entry(r, idx);
	u32 k;

	for (k = 0; k < GMM_USAGE_KINDS; k++)
		mcs_wr64(&e->used[k], used[k]);
	if (glock_state(&e->lock) != GLOCK_CONSISTENT)
		glock_consistent(&r->glk, &e->lock);
}

/**
 * gmm_usage_charge - change a locked entry's counts
 * @r: the handle
 * @idx: the entry, locked
 * @delta: GMM_USAGE_KINDS changes
 * @enforce: refuse a rise past a limit in force
 *
 * A fall below zero stops at zero (counts are never too low: the entry
 * was recounted since).
 *
 * Return: 0, or -EDQUOT (nothing changed).
 */
int gmm_usage_charge(struct gmm_region *r, u32 idx, const s64 *delta,
		     bool enforce)
{
	struct gmm_usage_entry *e = gmm_usage_entry(r, idx);
	u64 used[GMM_USAGE_KINDS], limit[GMM_USAGE_KINDS];
	u32 k;

	gmm_usage_limits(r, e, limit);
	for (k = 0; k < GMM_USAGE_KINDS; k++) {
		used[k] = mcs_rd64(&e->used[k]);
		if (delta[k] < 0) {
			u64 down = -(u64)delta[k];

			used[k] = used[k] > down ? used[k] - down : 0;
		} else if (enforce && ((u64)delta[k] > limit[k] ||
				       used[k] > limit[k] - (u64)delta[k])) {
			return -EDQUOT;
		} else {
			used[k] = used[k] + (u64)delta[k] < used[k] ?
				  GMM_USAGE_UNLIMITED : used[k] + (u64)delta[k];
		}
	}
	for (k = 0; k < GMM_USAGE_KINDS; k++)
		mcs_wr64(&e->used[k], used[k]);
	return 0;
}

/**
 * gmm_usage_get - an owner's counts and limits
 * @r: a handle (observers too: it takes no lock)
 * @owner: the owner; GMM_USAGE_ALL: the limits of owners without their
 *	own (own_limit: those set for all; 0: none, the built-in ones)
 * @u: filled in; an owner without an entry holds nothing
 */
void gmm_usage_get(struct gmm_region *r, u32 owner, struct gmm_usage *u)
{
	struct gmm_usage_entry *e = NULL;
	u32 idx, k;

	memset(u, 0, sizeof(*u));
	u->owner = owner;
	gmm_usage_limits(r, NULL, u->limit);
	if (owner == GMM_USAGE_ALL) {
		for (k = 0; k < GMM_USAGE_KINDS; k++)
			u->own_limit[k] = mcs_rd64(&gmm_usage_hdr(r)->limit[k]);
		return;
	}
	if (!gmm_usage_find(r, owner, false, &idx))
		e = gmm_usage_entry(r, idx);
	gmm_usage_limits(r, e, u->limit);
	for (k = 0; e && k < GMM_USAGE_KINDS; k++) {
		u->used[k] = mcs_rd64(&e->used[k]);
		u->own_limit[k] = mcs_rd64(&e->limit[k]);
	}
}

/**
 * gmm_usage_list - iterate over the owners with an entry
 * @r: a handle (observers too)
 * @cursor: 0 to start; advanced past the entry returned
 * @u: the next owner's counts and limits
 *
 * Return: 0, or -ENOENT at the end.
 */
int gmm_usage_list(struct gmm_region *r, u32 *cursor, struct gmm_usage *u)
{
	u32 w;

	for (; *cursor < GMM_USAGE_ENTRIES; (*cursor)++) {
		w = mcs_rd32(&gmm_usage_entry(r, *cursor)->owner);
		if (!w)
			continue;
		(*cursor)++;
		gmm_usage_get(r, w - 1, u);
		return 0;
	}
	return -ENOENT;
}

/**
 * gmm_usage_builtin_limits - the built-in limits (a quarter of each table)
 * @r: a handle
 * @builtin: filled with GMM_USAGE_KINDS limits
 */
void gmm_usage_builtin_limits(struct gmm_region *r, u64 *builtin)
{
	u32 k;

	for (k = 0; k < GMM_USAGE_KINDS; k++)
		builtin[k] = gmm_usage_builtin(r, k);
}

/**
 * gmm_usage_set_limit - set limits, for one owner or for all without one
 * @r: a joined handle
 * @owner: the owner, or GMM_USAGE_ALL
 * @limit: GMM_USAGE_KINDS limits: GMM_USAGE_UNLIMITED for none, 0 to go
 *	back to the default (the built-in one, for GMM_USAGE_ALL)
 *
 * A limit below what an owner holds refuses only its next objects.
 *
 * Return: 0; -EDQUOT when the table has no room for another owner.
 */
int gmm_usage_set_limit(struct gmm_region *r, u32 owner, const u64 *limit)
{
	__le64 *to = gmm_usage_hdr(r)->limit;
	u32 idx, k;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	if (owner != GMM_USAGE_ALL) {
		ret = gmm_usage_find(r, owner, true, &idx);
		if (ret)
			return ret;
		to = gmm_usage_entry(r, idx)->limit;
	}
	for (k = 0; k < GMM_USAGE_KINDS; k++)
		mcs_wr64(&to[k], limit[k]);
	return 0;
}
