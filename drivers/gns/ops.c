// SPDX-License-Identifier: GPL-2.0
/*
 * ops.c - name operations, each a two-phase transaction, and recovery.
 *
 * A change: take the table lock; write the new fields into a free entry
 * (readers skip it: it is not LIVE); open the commit record (entry index,
 * ACTIVE, then the transaction id); tag the entry pending with the id;
 * for a segment, gmm_alloc() or gmm_destroy() it (a transaction of gmm's
 * own); commit with one store of COMMITTED into the record; settle the
 * entry; clear the record; unlock. A crash anywhere leaves the lock held
 * by a dead incarnation; its next taker settles the entry (table.c).
 *
 * Lock order: the gns table lock, then gmm's (stripe, then partition);
 * gmm never takes the gns lock.
 */
#include "gns_internal.h"

struct gns_txn {
	u64 id;
	u32 idx;
};

static void gns_txn_begin(struct gmm_region *r, struct gns_txn *t, u32 idx,
			  u32 pend)
{
	struct gns_header *h = gns_hdr(r);
	struct gns_entry *e = gns_entry(r, idx);
	u64 seq = mcs_rd64(&h->txn_seq) + 1;
	u32 st = mcs_rd32(&e->st);

	mcs_wr64(&h->txn_seq, seq);
	t->id = GMM_ID(r->node, r->inc, (u32)seq);
	t->idx = idx;
	mcs_wr32(&h->idx, idx);
	mcs_wr64(&h->state, GNS_TXN_ACTIVE);
	mcs_wr64_release(&h->txn, t->id);
	gmm_tag(&e->txn, &e->st, t->id, GMM_ST(GMM_ST_STATE(st), pend, 0));
	mcs_crash_point(GNS_TAGGED);
}

/* Commit (forward) or abort, settle the entry, close the record. */
static void gns_txn_end(struct gmm_region *r, struct gns_txn *t, bool forward)
{
	struct gns_header *h = gns_hdr(r);
	struct gns_entry *e = gns_entry(r, t->idx);
	u32 st = mcs_rd32(&e->st);

	if (forward) {
		mcs_wr64_release(&h->state, GNS_TXN_COMMITTED);
		mcs_crash_point(GNS_COMMITTED);
		st = gmm_settled_st(st, true, true);
	} else {
		/* An aborted create leaves the slot as it was. */
		st = GMM_ST_PEND(st) == GMM_P_ALLOC ?
			     GMM_ST(GMM_ST_STATE(st), 0, 0) :
			     gmm_settled_st(st, false, true);
	}
	mcs_wr32(&e->st, st);
	mcs_wr64_release(&e->txn, 0);
	mcs_crash_point(GNS_SETTLED);
	mcs_wr64(&h->state, 0);
	mcs_wr64_release(&h->txn, 0);
}

/**
 * gns_gid_alloc - issue a new GID, unique for the life of the region
 * @r: a handle
 * @gid: the GID
 *
 * GIDs are GNS_GID_BASE plus a counter in the table header that only
 * ever grows (compare-and-swap, no lock needed), so no GID is issued
 * twice until the region is formatted again. A GID issued to a node that
 * died before using it is simply never used.
 *
 * Return: 0; -EOVERFLOW when 2^62 - 1 GIDs have been issued.
 */
int gns_gid_alloc(struct gmm_region *r, u64 *gid)
{
	__le64 *next = &gns_hdr(r)->gid_next;
	u64 v;

	do {
		v = mcs_rd64_acquire(next);
		if (v + 1 >= GNS_GID_BASE - 1)
			return -EOVERFLOW;
	} while (mcs_cas64(next, v, v + 1) != v);
	*gid = GNS_GID_BASE | (v + 1);
	mcs_crash_point(GNS_GID_TAKEN);
	return 0;
}

static void gns_fill_info(struct gmm_region *r, u32 idx, struct gns_info *info)
{
	struct gns_entry *e = gns_entry(r, idx);
	u32 len = mcs_rd16(&e->len);

	if (!info)
		return;
	if (len > GNS_NAME_MAX)
		len = GNS_NAME_MAX;
	info->gid = mcs_rd64(&e->gid);
	info->type = mcs_rd16(&e->type);
	info->index = idx;
	memcpy(info->name, e->name, len);
	info->name[len] = '\0';
}

static int gns_do_create(struct gmm_region *r, const char *name, u32 type,
			 u64 size, int place, u32 pid,
			 const struct gmm_seg_prep *prep,
			 struct gmm_seg_info *seg, struct gns_info *info)
{
	struct gmm_seg_info local;
	struct gns_name nm;
	struct gns_entry *e;
	struct gns_txn t;
	u32 idx, free_idx;
	u64 gid;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	ret = gns_name_parse(name, &nm);
	if (ret)
		return ret;
	if (type < GNS_TYPE_SEGMENT || type > GNS_TYPE_EVENT)
		return -EINVAL;

	ret = gns_lock(r);
	if (ret < 0)
		return ret;
	ret = -EEXIST;
	if (!gns_find(r, &nm, &idx, &free_idx))
		goto out_unlock;
	ret = -ENFILE;
	if (free_idx == ~0U)
		goto out_unlock;
	ret = gns_gid_alloc(r, &gid);
	if (ret)
		goto out_unlock;

	e = gns_entry(r, free_idx);
	mcs_wr64(&e->gid, gid);
	mcs_wr16(&e->type, (u16)type);
	mcs_wr16(&e->len, (u16)nm.len);
	mcs_wr64(&e->hash, nm.hash);
	memcpy(e->name, nm.s, nm.len);
	e->name[nm.len] = '\0';
	mcs_wr32(&e->crc, gns_entry_crc(e));
	gns_txn_begin(r, &t, free_idx, GMM_P_ALLOC);

	if (type == GNS_TYPE_SEGMENT) {
		if (!seg)
			seg = &local;
		ret = gmm_alloc_prepared(r, gid, size, place, pid, prep, seg);
		if (ret) {
			gns_txn_end(r, &t, false);
			goto out_unlock;
		}
		mcs_crash_point(GNS_SEG_DONE);
		/* Before the name is live: a crash leaves the count high. */
		gns_count_seg_name(r, seg->part, 1);
	}
	gns_txn_end(r, &t, true);
	gns_fill_info(r, free_idx, info);
out_unlock:
	gns_unlock(r);
	return ret;
}

/**
 * gns_create - create a name for a new lock or event GID, exclusively
 * @r: a joined handle
 * @name: the name (see gns.h)
 * @type: GNS_TYPE_LOCK or GNS_TYPE_EVENT (segments: gns_seg_create())
 * @info: filled with the new GID (may be NULL)
 *
 * The object behind the GID is made by its own service (glock, events);
 * gns only names it.
 *
 * Return: 0; -EINVAL for a bad name or type; -ENAMETOOLONG; -EEXIST if the
 * name exists; -ENFILE if the table is full; -EOVERFLOW; -ENOTCONN.
 */
int gns_create(struct gmm_region *r, const char *name, u32 type,
	       struct gns_info *info)
{
	if (type == GNS_TYPE_SEGMENT)
		return -EINVAL;
	return gns_do_create(r, name, type, 0, 0, 0, NULL, NULL, info);
}

/**
 * gns_seg_create - create a named segment in one atomic step
 * @r: a joined handle
 * @name: the name (see gns.h)
 * @size: bytes, a non-zero multiple of GMM_PAGE_SIZE
 * @place: placement, as for gmm_alloc()
 * @pid: the process that holds the creator's share
 * @seg: the new segment, as gmm_alloc() fills it (may be NULL)
 * @info: the name and its new GID (may be NULL)
 *
 * A crash at any point leaves both the name and the segment, or neither.
 *
 * Return: 0; the errors of gns_create(); any error of gmm_alloc() (then
 * nothing was created).
 */
int gns_seg_create(struct gmm_region *r, const char *name, u64 size,
		   int place, u32 pid, struct gmm_seg_info *seg,
		   struct gns_info *info)
{
	return gns_do_create(r, name, GNS_TYPE_SEGMENT, size, place, pid, NULL,
			     seg, info);
}

/**
 * gns_seg_create_prepared - gns_seg_create(), the pages prepared first
 * @r: a joined handle
 * @name: as gns_seg_create()
 * @size: as gns_seg_create()
 * @place: as gns_seg_create()
 * @pid: as gns_seg_create()
 * @prep: called before the segment can be found (gmm_alloc_prepared())
 * @seg: as gns_seg_create()
 * @info: as gns_seg_create()
 *
 * Return: as gns_seg_create().
 */
int gns_seg_create_prepared(struct gmm_region *r, const char *name, u64 size,
			    int place, u32 pid,
			    const struct gmm_seg_prep *prep,
			    struct gmm_seg_info *seg, struct gns_info *info)
{
	return gns_do_create(r, name, GNS_TYPE_SEGMENT, size, place, pid, prep,
			     seg, info);
}

/* Lock for reading: joined handles repair, observers may not. */
static int gns_lock_read(struct gmm_region *r)
{
	int ret;

	if (gmm_joined(r)) {
		ret = gns_lock(r);
		return ret < 0 ? ret : 0;
	}
	return gns_lock_observe(r);
}

/* Find a name under the lock and check its entry is not torn. */
static int gns_find_live(struct gmm_region *r, const struct gns_name *nm,
			 u32 *idx)
{
	struct gns_entry *e;
	u32 free_idx;
	int ret;

	ret = gns_find(r, nm, idx, &free_idx);
	if (ret)
		return ret;
	e = gns_entry(r, *idx);
	if (gns_entry_crc(e) != mcs_rd32(&e->crc))
		return -EUCLEAN;
	return 0;
}

/**
 * gns_lookup - open a name: what GID and type it names
 * @r: a handle (observers too)
 * @name: the name
 * @info: filled in (may be NULL)
 *
 * Return: 0; -EINVAL; -ENAMETOOLONG; -ENOENT if there is no such name;
 * -EUCLEAN if its entry is corrupt; -EOWNERDEAD for an observer when a
 * dead node holds the table lock.
 */
int gns_lookup(struct gmm_region *r, const char *name, struct gns_info *info)
{
	struct gns_name nm;
	u32 idx;
	int ret;

	ret = gns_name_parse(name, &nm);
	if (ret)
		return ret;
	ret = gns_lock_read(r);
	if (ret)
		return ret;
	ret = gns_find_live(r, &nm, &idx);
	if (!ret)
		gns_fill_info(r, idx, info);
	gns_unlock(r);
	return ret;
}

/**
 * gns_seg_open - share the segment a name names
 * @r: a joined handle
 * @name: the name
 * @pid: the process that will hold the share
 * @seg: filled as by gmm_acquire() (release with gmm_release())
 *
 * Return: 0; the errors of gns_lookup(); -EMEDIUMTYPE if the name is not
 * a segment's; the errors of gmm_acquire().
 */
int gns_seg_open(struct gmm_region *r, const char *name, u32 pid,
		 struct gmm_seg_info *seg)
{
	struct gns_name nm;
	u32 idx;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	ret = gns_name_parse(name, &nm);
	if (ret)
		return ret;
	ret = gns_lock(r);
	if (ret < 0)
		return ret;
	ret = gns_find_live(r, &nm, &idx);
	if (!ret && mcs_rd16(&gns_entry(r, idx)->type) != GNS_TYPE_SEGMENT)
		ret = -EMEDIUMTYPE;
	/* Under the lock: no unlink can come between the name and the share. */
	if (!ret)
		ret = gmm_acquire(r, mcs_rd64(&gns_entry(r, idx)->gid), pid, seg);
	gns_unlock(r);
	return ret;
}

/* Remove the name at @idx; for a segment, destroy it in the same step. */
static int gns_remove(struct gmm_region *r, u32 idx)
{
	struct gns_entry *e = gns_entry(r, idx);
	u32 part = ~0U;
	struct gmm_seg_info si;
	struct gns_txn t;
	int ret;

	gns_txn_begin(r, &t, idx, GMM_P_FREE);
	if (mcs_rd16(&e->type) == GNS_TYPE_SEGMENT) {
		if (!gmm_lookup(r, mcs_rd64(&e->gid), &si))
			part = si.part;
		ret = gmm_destroy(r, mcs_rd64(&e->gid));
		/* Gone already (revoked with a lost partition): just the name. */
		if (ret && ret != -ENOENT && ret != -ENXIO) {
			gns_txn_end(r, &t, false);
			return ret;
		}
		mcs_crash_point(GNS_SEG_DONE);
	}
	gns_txn_end(r, &t, true);
	/* After the name is gone: a crash leaves the count high. */
	gns_count_seg_name(r, part, -1);
	return 0;
}

/**
 * gns_unlink - remove a name at once, like shm_unlink()
 * @r: a joined handle
 * @name: the name
 *
 * A segment's name goes with gmm_destroy() of the segment in one atomic
 * step: it can no longer be opened, and its memory is freed when its last
 * sharer releases it (at once if there is none). For a lock or event only
 * the name goes; its object belongs to its own service.
 *
 * Return: 0; -EINVAL; -ENAMETOOLONG; -ENOENT; -EUCLEAN; an error of
 * gmm_destroy() other than -ENOENT or -ENXIO (then nothing changed);
 * -ENOTCONN.
 */
int gns_unlink(struct gmm_region *r, const char *name)
{
	return gns_unlink_gid(r, name, 0);
}

/**
 * gns_unlink_gid - gns_unlink() if the name still names @gid
 * @r: a joined handle
 * @name: the name
 * @gid: the GID the caller looked up and judged (0: whatever it names)
 *
 * For callers that decide whether a name may go by what it names (the
 * owner of its segment): the check and the unlink are one step under the
 * table lock, so a name unlinked and made again in between is not removed
 * on the strength of the old object.
 *
 * Return: as gns_unlink(); -ESTALE if the name names another GID now
 * (nothing changed: look it up again).
 */
int gns_unlink_gid(struct gmm_region *r, const char *name, u64 gid)
{
	struct gns_name nm;
	u32 idx;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	ret = gns_name_parse(name, &nm);
	if (ret)
		return ret;
	ret = gns_lock(r);
	if (ret < 0)
		return ret;
	ret = gns_find_live(r, &nm, &idx);
	if (!ret && gid && mcs_rd64(&gns_entry(r, idx)->gid) != gid)
		ret = -ESTALE;
	if (!ret)
		ret = gns_remove(r, idx);
	gns_unlock(r);
	return ret;
}

/**
 * gns_list - iterate over the names
 * @r: a handle (observers too)
 * @cursor: 0 to start; advanced past the name returned
 * @info: the next name
 *
 * Names created or removed during an iteration may or may not be seen;
 * every name that exists throughout is seen exactly once.
 *
 * Return: 0; -ENOENT at the end; -EOWNERDEAD for an observer when a dead
 * node holds the table lock.
 */
int gns_list(struct gmm_region *r, u32 *cursor, struct gns_info *info)
{
	u32 i;
	int ret;

	ret = gns_lock_read(r);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = *cursor; i < r->g.gns_entries; i++) {
		if (GMM_ST_STATE(mcs_rd32(&gns_entry(r, i)->st)) == GMM_E_LIVE) {
			gns_fill_info(r, i, info);
			*cursor = i + 1;
			ret = 0;
			break;
		}
	}
	if (ret)
		*cursor = r->g.gns_entries;
	gns_unlock(r);
	return ret;
}

/**
 * gns_recover - settle what dead nodes left in the name table
 * @r: a joined handle of a live node
 * @lost_part: the partition whose memory was lost with its node, or
 *	GNS_NO_PART: names of segments revoked with it are looked for (a
 *	walk of the whole table) if it homed any named segment; else the
 *	cost is one lock
 * @report: counts of what was done (may be NULL)
 *
 * Call after gmm's partition stage (so segments revoked with a lost
 * partition are gone). Steps:
 *
 *   settle    take the table lock: a dead holder's transaction is settled
 *             by its commit record on takeover;
 *   dangling  with GNS_RECOVER_DANGLING: remove every segment name whose
 *             segment no longer exists (revoked with a lost partition),
 *             each in its own transaction.
 *
 * Does not depend on which node died: any live node may call it, any
 * number of times, and a recoverer that dies in it leaves work that the
 * next call redoes.
 *
 * Return: 0; -ENOTCONN.
 */
int gns_recover(struct gmm_region *r, u32 lost_part,
		struct gns_recovery_report *report)
{
	u32 counts[MCS_MAX_NODES] = { 0 };
	struct gmm_seg_info si;
	struct gns_recovery_report local = { 0 };
	struct gns_recovery_report *rep = report ? report : &local;
	struct gns_entry *e;
	int ret;
	u32 i;

	if (!gmm_joined(r))
		return -ENOTCONN;
	ret = gns_lock(r);
	if (ret < 0)
		return ret;
	if (ret == 1)
		rep->rolled_forward++;
	else if (ret == 2)
		rep->rolled_back++;
	gns_unlock(r);
	mcs_crash_point(GNS_RECOVERY_SETTLED);
	if (lost_part >= MCS_MAX_NODES)
		return 0;

	ret = gns_lock(r);
	if (ret < 0)
		return ret;
	if (!mcs_rd32(&gns_hdr(r)->seg_names[lost_part])) {
		gns_unlock(r);
		return 0; /* it homed no named segment */
	}
	for (i = 0; i < r->g.gns_entries; i++) {
		e = gns_entry(r, i);
		if (GMM_ST_STATE(mcs_rd32(&e->st)) != GMM_E_LIVE ||
		    mcs_rd16(&e->type) != GNS_TYPE_SEGMENT)
			continue;
		ret = gmm_lookup(r, mcs_rd64(&e->gid), &si);
		if (!ret && si.part < MCS_MAX_NODES)
			counts[si.part]++;
		if (ret != -ENOENT && ret != -ENXIO)
			continue;
		if (!gns_remove(r, i))
			rep->dangling_removed++;
	}
	/* The whole table was seen under the lock: the counts are exact. */
	for (i = 0; i < MCS_MAX_NODES; i++)
		mcs_wr32(&gns_hdr(r)->seg_names[i], counts[i]);
	gns_unlock(r);
	return 0;
}
