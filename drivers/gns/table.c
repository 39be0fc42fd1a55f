// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - names, hashing, the table lock and its owner-dead repair.
 *
 * The table is one open-addressing hash of gns_entries (a power of two)
 * fixed-size entries, probed linearly from hash & (entries - 1) and
 * wrapping around the table. Removed names become tombstones so probe
 * chains stay intact; inserts reuse them. One lock protects the table and
 * its commit record, so at most one gns transaction is in flight in the
 * whole cluster and its record sits in the table header.
 *
 * Every transaction holds the lock from the first tag to the last settle,
 * so an entry is pending only while its owner holds the lock. Whoever
 * takes the lock over from a dead owner settles that owner's entry first
 * (gns_repair()), by the commit record: forward if it says committed, back
 * otherwise; except that for a segment name the gmm allocation (or
 * destruction) is what decides, since it commits in its own transaction
 * first: a name is created if its segment exists, removed if it does not.
 */
#include "gns_internal.h"

/**
 * gns_name_check - is @name a valid gns name?
 * @name: a NUL-terminated string
 *
 * Return: 0; -EINVAL if it is empty, ".", "..", or holds a byte outside
 * 0x21..0x7e or a '/' after the first byte; -ENAMETOOLONG if it is longer
 * than GNS_NAME_MAX bytes (not counting a leading '/').
 */
int gns_name_check(const char *name)
{
	struct gns_name nm;

	return gns_name_parse(name, &nm);
}

int gns_name_parse(const char *name, struct gns_name *nm)
{
	u32 i;

	if (!name)
		return -EINVAL;
	if (name[0] == '/')
		name++;
	nm->s = name;
	nm->len = (u32)strnlen(name, GNS_NAME_MAX + 1);
	if (!nm->len)
		return -EINVAL;
	if (nm->len > GNS_NAME_MAX)
		return -ENAMETOOLONG;
	if ((nm->len == 1 && name[0] == '.') ||
	    (nm->len == 2 && name[0] == '.' && name[1] == '.'))
		return -EINVAL;
	for (i = 0; i < nm->len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/')
			return -EINVAL;
	nm->hash = gns_hash(name, nm->len);
	return 0;
}

/* FNV-1a, then a splitmix64 finalizer so similar names spread. */
u64 gns_hash(const char *s, u32 len)
{
	u64 h = 0xcbf29ce484222325ULL;
	u32 i;

	for (i = 0; i < len; i++) {
		h ^= (u8)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* CRC-32 of gid, type, len and the name bytes of an entry. */
u32 gns_entry_crc(struct gns_entry *e)
{
	u8 buf[12 + GNS_NAME_MAX];
	u32 len = mcs_rd16(&e->len);
	__le64 gid = cpu_to_le64(mcs_rd64(&e->gid));
	__le16 type = cpu_to_le16(mcs_rd16(&e->type));
	__le16 len16 = cpu_to_le16((u16)len);

	if (len > GNS_NAME_MAX)
		len = GNS_NAME_MAX;
	memcpy(buf, &gid, 8);
	memcpy(buf + 8, &type, 2);
	memcpy(buf + 10, &len16, 2);
	memcpy(buf + 12, e->name, len);
	return mcs_os_crc32(buf, 12 + len);
}

/**
 * gns_find - look a name up; the caller holds the table lock
 * @r: the handle
 * @nm: the parsed name
 * @idx: the entry, if found
 * @free_idx: where it could be inserted if not found (~0U: table full)
 *
 * Return: 0 if a LIVE entry has the name, -ENOENT if not.
 */
int gns_find(struct gmm_region *r, const struct gns_name *nm, u32 *idx,
	     u32 *free_idx)
{
	u32 n = r->g.gns_entries, k, i, state;
	struct gns_entry *e;

	*free_idx = ~0U;
	for (k = 0; k < n; k++) {
		i = (u32)(nm->hash + k) & (n - 1);
		e = gns_entry(r, i);
		state = GMM_ST_STATE(mcs_rd32(&e->st));
		if (state == GMM_E_FREE) {
			if (*free_idx == ~0U)
				*free_idx = i;
			return -ENOENT;
		}
		if (state != GMM_E_LIVE) {
			if (*free_idx == ~0U)
				*free_idx = i;
			continue;
		}
		if (mcs_rd64(&e->hash) == nm->hash &&
		    mcs_rd16(&e->len) == nm->len &&
		    !memcmp(e->name, nm->s, nm->len)) {
			*idx = i;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Count a segment name of partition @part up or down, under the lock
 * (gns_format.h: the count may be too high, never too low).
 */
void gns_count_seg_name(struct gmm_region *r, u32 part, int delta)
{
	__le32 *c;
	u32 n;

	if (part >= MCS_MAX_NODES)
		return;
	c = &gns_hdr(r)->seg_names[part];
	n = mcs_rd32(c);
	if (delta > 0 && n != ~0U)
		mcs_wr32(c, n + 1);
	else if (delta < 0 && n)
		mcs_wr32(c, n - 1);
}

/* Is the segment behind a name there and not destroyed? Its home too. */
static bool gns_seg_usable(struct gmm_region *r, u64 gid, u32 *part)
{
	struct gmm_seg_info si;

	if (gmm_lookup(r, gid, &si))
		return false;
	*part = si.part;
	return true;
}

/*
 * Settle a dead owner's pending entry. A create undone leaves the slot as
 * it was before (free or tombstone); nothing saw it in between.
 */
static bool gns_repair_entry(struct gmm_region *r, u32 idx, bool committed)
{
	struct gns_entry *e = gns_entry(r, idx);
	u32 st = mcs_rd32(&e->st), to, part = ~0U;
	bool forward = committed;

	if (!committed && mcs_rd16(&e->type) == GNS_TYPE_SEGMENT) {
		if (GMM_ST_PEND(st) == GMM_P_ALLOC) {
			forward = gns_seg_usable(r, mcs_rd64(&e->gid), &part);
			/*
			 * Its creator may have died before counting it: count
			 * it again (too high is allowed, too low is not).
			 */
			if (forward)
				gns_count_seg_name(r, part, 1);
		} else if (GMM_ST_PEND(st) == GMM_P_FREE) {
			forward = !gns_seg_usable(r, mcs_rd64(&e->gid), &part);
		}
	}
	if (GMM_ST_PEND(st) == GMM_P_ALLOC && !forward)
		to = GMM_ST(GMM_ST_STATE(st), 0, 0);
	else
		to = gmm_settled_st(st, forward, true);
	mcs_wr32(&e->st, to);
	mcs_wr64_release(&e->txn, 0);
	return forward;
}

/*
 * Called by whoever took the lock over from a dead owner: settle its
 * entry by the commit record, then clear the record. Idempotent: a
 * repairer that dies here leaves the same work to its successor.
 * Return: 1 if a transaction went forward, 2 if back, 0 if none was open.
 */
static int gns_repair(struct gmm_region *r)
{
	struct gns_header *h = gns_hdr(r);
	u64 txn = mcs_rd64_acquire(&h->txn);
	u32 idx = mcs_rd32(&h->idx);
	bool committed, forward = false;

	if (!txn || !gmm_id_dead(r, txn))
		return 0;
	committed = mcs_rd64(&h->state) == GNS_TXN_COMMITTED;
	if (idx < r->g.gns_entries &&
	    mcs_rd64(&gns_entry(r, idx)->txn) == txn) {
		forward = gns_repair_entry(r, idx, committed);
		mcs_crash_point(GNS_REPAIR_HALF);
	} else {
		forward = committed;
	}
	mcs_wr64(&h->state, 0);
	mcs_wr64_release(&h->txn, 0);
	return forward ? 1 : 2;
}

/**
 * gns_lock - take the table lock, repairing after a dead owner
 * @r: a joined handle
 *
 * The lock is a glock: -EOWNERDEAD hands it over from a dead owner, whose
 * transaction is settled here before glock_consistent(), as gmm does for
 * its table locks. A repairer that dies before that leaves the lock
 * owner-dead for the next acquirer, and repair is idempotent.
 *
 * gns never leaves its lock unrecoverable nor takes it twice: any other
 * error means a corrupt lock word, and the caller goes on without it.
 *
 * Return: with the lock held, what gns_repair() did (0 if the lock was
 * not taken over); else -EUCLEAN, the lock not held.
 */
int gns_lock(struct gmm_region *r)
{
	const struct glock_ctx *c = gmm_glock_ctx(r);
	struct glock *l = &gns_hdr(r)->lock;
	int ret = glock_lock(c, l);

	if (ret != -EOWNERDEAD) {
		if (ret)
			return gmm_corrupt(r, "gns table lock: error %d", ret);
		return 0;
	}
	ret = gns_repair(r);
	glock_consistent(c, l);
	return ret;
}

/*
 * For observers: 0 with the lock held; -EOWNERDEAD if a dead owner holds
 * it (never taken over, never repaired); -ENOTRECOVERABLE.
 */
int gns_lock_observe(struct gmm_region *r)
{
	return gmm_lock_observe(r, &gns_hdr(r)->lock);
}

void gns_unlock(struct gmm_region *r)
{
	glock_unlock(gmm_glock_ctx(r), &gns_hdr(r)->lock);
}
