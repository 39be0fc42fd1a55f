// SPDX-License-Identifier: GPL-2.0
/*
 * ops.c - segment operations, each a two-phase transaction.
 *
 * Every operation: claim a transaction slot; lock the GID's master stripe,
 * then the home partition (always in that order); reserve every entry it
 * changes by tagging it pending with the transaction id; commit with one
 * store; settle the entries forward; unlock. If a resource is missing it
 * settles what it reserved back instead. A crash anywhere leaves tagged
 * entries under locks held by a dead incarnation; the next locker repairs
 * them (repair.c) according to the commit record.
 */
#include "gmm_internal.h"

/* What one transaction reserved, so it can settle or abort it. */
struct gmm_op {
	struct gmm_txn t;
	u32 stripe;
	u32 midx;
	u32 part;
	u32 sec;
	u32 shr;
	bool master, part_locked, section, sharer;
};

static int gmm_op_begin(struct gmm_region *r, struct gmm_op *op, u64 gid)
{
	int ret;

	memset(op, 0, sizeof(*op));
	ret = gmm_txn_begin(r, &op->t, gid);
	if (ret)
		return ret;
	op->stripe = gmm_stripe_of(gid);
	ret = gmm_lock_stripe(r, op->stripe);
	if (ret)
		gmm_txn_end(r, &op->t);
	return ret;
}

static int gmm_op_lock_part(struct gmm_region *r, struct gmm_op *op, u32 p)
{
	int ret = gmm_lock_part(r, p);

	if (ret)
		return ret;
	op->part = p;
	op->part_locked = true;
	return 0;
}

static void gmm_op_unlock_part(struct gmm_region *r, struct gmm_op *op)
{
	if (op->part_locked)
		gmm_unlock_part(r, op->part);
	op->part_locked = false;
}

static void gmm_op_settle(struct gmm_region *r, struct gmm_op *op, bool forward)
{
	if (op->master) {
		gmm_master_settle(r, op->midx, forward);
		if (!forward)
			mcs_crash_point(ABORT_HALF_DONE);
	}
	if (op->sharer)
		gmm_settle_sharer(r, op->part, op->shr, forward);
	if (op->section)
		gmm_settle_section(r, op->part, op->sec, forward);
	if (forward && (op->sharer || op->section))
		mcs_crash_point(FINAL_PARTITION);
}

/* Commit (ret == 0) or abort, unlock and release the slot. */
static int gmm_op_finish(struct gmm_region *r, struct gmm_op *op, int ret)
{
	bool reserved = op->master || op->section || op->sharer;

	if (reserved) {
		if (!ret)
			gmm_txn_commit(r, &op->t);
		gmm_op_settle(r, op, !ret);
	}
	gmm_op_unlock_part(r, op);
	gmm_unlock_stripe(r, op->stripe);
	gmm_txn_end(r, &op->t);
	return ret;
}

static bool gmm_valid_gid(u64 gid)
{
	return gid != MCS_GID_NONE && gid != MCS_GID_INVALID;
}

/* Find a free entry of a partition table, starting at the hint. */
static int gmm_find_free(struct gmm_region *r, u32 p, bool sharer, u32 *out)
{
	struct gmm_part_ctl *pc = &r->ctl->part[p];
	u32 n = sharer ? r->g.sharers : r->g.sections;
	u32 hint = mcs_rd32(sharer ? &pc->sharer_hint : &pc->section_hint);
	u32 k, i, st;

	if (hint >= n)
		hint = 0;
	for (k = 0, i = hint; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
		st = sharer ? mcs_rd32(&gmm_sharer(r, p, i)->st) :
			      mcs_rd32(&gmm_section(r, p, i)->st);
		if (GMM_ST_STATE(st) == GMM_E_FREE) {
			*out = i;
			return 0;
		}
	}
	return -ENFILE;
}

static bool gmm_page_used(const __le64 *bm, u32 i)
{
	return mcs_rd64(&bm[i / 64]) >> (i % 64) & 1;
}

/* First fit of @n free pages in [lo, hi). */
static bool gmm_find_run_in(const __le64 *bm, u32 lo, u32 hi, u32 n,
			    u32 *out)
{
	u32 i = lo, j;

	while (i < hi && hi - i >= n) {
		if (i % 64 == 0 && hi - i >= 64 && mcs_rd64(&bm[i / 64]) == ~0ULL) {
			i += 64;
			continue;
		}
		if (gmm_page_used(bm, i)) {
			i++;
			continue;
		}
		for (j = i; j < hi && j - i < n;) {
			if (j % 64 == 0 && hi - j >= 64 && n - (j - i) >= 64 &&
			    mcs_rd64(&bm[j / 64]) == 0) {
				j += 64;
				continue;
			}
			if (gmm_page_used(bm, j))
				break;
			j++;
		}
		if (j - i >= n) {
			*out = i;
			return true;
		}
		i = j + 1;
	}
	return false;
}

static int gmm_find_run(struct gmm_region *r, u32 p, u32 n, u32 *out)
{
	const __le64 *bm = gmm_bitmap(r, p);
	u32 hint = mcs_rd32(&r->ctl->part[p].page_hint);
	u32 total = r->g.data_pages;
	u32 free = mcs_rd32(&r->ctl->part[p].free_pages);

	/* A count the partition cannot have: never do arithmetic with it. */
	if (free > total)
		return gmm_corrupt(r, "partition %u: %u free pages of %u",
				   p, free, total);
	if (free < n)
		return -ENOSPC;
	if (hint >= total)
		hint = 0;
	if (gmm_find_run_in(bm, hint, total, n, out) ||
	    gmm_find_run_in(bm, 0, total, n, out))
		return 0;
	return -ENOSPC;
}

static void gmm_raise_hwm(__le32 *hwm, u32 i)
{
	if (mcs_rd32(hwm) <= i)
		mcs_wr32(hwm, i + 1);
}

/* Reserve a sharer entry in the locked partition. */
static int gmm_reserve_sharer(struct gmm_region *r, struct gmm_op *op,
			      u64 gid, u32 sec, u32 pid)
{
	struct gmm_part_ctl *pc = &r->ctl->part[op->part];
	struct gmm_sharer *sh;
	u32 i;
	int ret;

	ret = gmm_find_free(r, op->part, true, &i);
	if (ret)
		return ret;
	sh = gmm_sharer(r, op->part, i);
	gmm_raise_hwm(&pc->sharer_hwm, i);
	mcs_wr32(&pc->sharer_hint, i + 1);
	mcs_wr64(&sh->gid, gid);
	mcs_wr32(&sh->section, sec);
	mcs_wr64(&sh->owner, GMM_OWNER(r->node, r->inc, pid));
	gmm_tag(&sh->txn, &sh->st, op->t.id, GMM_ST(GMM_E_FREE, GMM_P_ALLOC, 0));
	op->shr = i;
	op->sharer = true;
	mcs_crash_point(SHARER_TAGGED);
	return 0;
}

/* Reserve section, pages and creator's sharer in the locked partition. */
static int gmm_reserve_segment(struct gmm_region *r, struct gmm_op *op,
			       u64 gid, u32 npages, u32 pid)
{
	u32 p = op->part, sec, shr, first;
	struct gmm_part_ctl *pc = &r->ctl->part[p];
	struct gmm_section *s;
	int ret;

	if (gmm_part_state(r, p) != GMM_PART_ONLINE)
		return -ENXIO;
	/* Check everything first: nothing to undo if this partition can't. */
	ret = gmm_find_run(r, p, npages, &first);
	if (!ret)
		ret = gmm_find_free(r, p, false, &sec);
	if (!ret)
		ret = gmm_find_free(r, p, true, &shr);
	if (ret)
		return ret;

	s = gmm_section(r, p, sec);
	gmm_raise_hwm(&pc->section_hwm, sec);
	mcs_wr32(&pc->section_hint, sec + 1);
	mcs_wr64(&s->gid, gid);
	mcs_wr32(&s->first_page, first);
	mcs_wr32(&s->npages, npages);
	mcs_wr32(&s->nr_sharers, 0);
	gmm_tag(&s->txn, &s->st, op->t.id, GMM_ST(GMM_E_FREE, GMM_P_ALLOC, 0));
	op->sec = sec;
	op->section = true;
	mcs_crash_point(SECTION_TAGGED);

	gmm_pages_set(r, p, first, npages, true);
	mcs_wr32(&pc->free_pages, mcs_rd32(&pc->free_pages) - npages);
	mcs_wr32(&pc->page_hint, first + npages);
	mcs_crash_point(PAGES_TAKEN);

	return gmm_reserve_sharer(r, op, gid, sec, pid);
}

/* Partitions to try, best first, for a placement policy. */
static u32 gmm_candidates(struct gmm_region *r, int place, u32 *cand)
{
	u32 n = 0, p, q, best;
	u64 taken = 0;
	s64 most;

	if (place >= 0)
		cand[n++] = (u32)place;
	if (place == GMM_PLACE_NEAREST) {
		cand[n++] = r->node;
		for (p = 0; p < r->g.nr_parts; p++)
			if (p != r->node &&
			    GMM_PW_MANAGER(mcs_rd64(&r->ctl->part[p].word)) == r->node)
				cand[n++] = p;
	}
	for (q = 0; q < n; q++)
		taken |= 1ULL << cand[q];
	/* The rest by most free pages (a racy read: only a preference). */
	for (;;) {
		most = -1;
		best = 0;
		for (p = 0; p < r->g.nr_parts; p++) {
			if (taken & (1ULL << p))
				continue;
			if ((s64)mcs_rd32(&r->ctl->part[p].free_pages) > most) {
				most = mcs_rd32(&r->ctl->part[p].free_pages);
				best = p;
			}
		}
		if (most < 0)
			break;
		taken |= 1ULL << best;
		cand[n++] = best;
	}
	return n;
}

/*
 * Section @sec of partition @p (both in range) as a segment: its pages
 * must lie in the partition's data pages, whatever the fabric says.
 */
static int gmm_fill_info(struct gmm_region *r, u32 p, u32 sec, u32 shr,
			 struct gmm_seg_info *info)
{
	struct gmm_section *s = gmm_section(r, p, sec);
	u32 first = mcs_rd32(&s->first_page), n = mcs_rd32(&s->npages);

	if (!n || first >= r->g.data_pages || n > r->g.data_pages - first)
		return gmm_corrupt(r, "partition %u section %u: pages %u+%u",
				   p, sec, first, n);
	if (!info)
		return 0;
	info->gid = mcs_rd64(&s->gid);
	info->size = (u64)n << GMM_PAGE_SHIFT;
	info->offset = gmm_data_offset(r, p, first);
	info->part = p;
	info->section = sec;
	info->sharer = shr;
	info->nr_sharers = mcs_rd32(&s->nr_sharers);
	info->destroyed = GMM_ST_FLAGS(mcs_rd32(&s->st)) & GMM_F_DESTROYED;
	info->generation = GMM_PW_GEN(mcs_rd64(&r->ctl->part[p].word));
	return 0;
}

/**
 * gmm_alloc - create a segment and become its first sharer
 * @r: a joined handle
 * @gid: its global id (not 0 or ~0)
 * @size: bytes, a non-zero multiple of GMM_PAGE_SIZE
 * @place: a partition to try first, GMM_PLACE_NEAREST or GMM_PLACE_MOST_FREE;
 *	   other partitions are tried when the first choices are full
 * @pid: the process that will hold the creator's share
 * @info: filled in on success (may be NULL)
 *
 * Return: 0; -EINVAL for a bad gid, size or placement; -EFBIG if no
 * partition could ever hold @size; -EEXIST if @gid exists; -ENFILE if a
 * table (master stripe, sections, sharers) is full; -ENOSPC if no online
 * partition has @size contiguous free bytes; -ENOTCONN if not joined;
 * -EBUSY if no transaction slot came free (gmm_txn_begin()); -EUCLEAN for
 * a corrupt region.
 */
int gmm_alloc(struct gmm_region *r, u64 gid, u64 size, int place, u32 pid,
	      struct gmm_seg_info *info)
{
	return gmm_alloc_prepared(r, gid, size, place, pid, NULL, info);
}

/**
 * gmm_alloc_prepared - gmm_alloc(), with the pages prepared first
 * @r: a joined handle
 * @gid: as gmm_alloc()
 * @size: as gmm_alloc()
 * @place: as gmm_alloc()
 * @pid: as gmm_alloc()
 * @prep: called with the new segment's info (its sharer not yet usable)
 *	after its pages are reserved and before the commit: before anybody
 *	can find the segment, so what it writes there (a descriptor over
 *	whatever the pages held before) is seen by every opener. May be NULL.
 *
 * @info: as gmm_alloc()
 *
 * A crash before the commit frees the pages again; @prep must be content
 * with writing into them.
 *
 * Return: as gmm_alloc().
 */
int gmm_alloc_prepared(struct gmm_region *r, u64 gid, u64 size, int place,
		       u32 pid, const struct gmm_seg_prep *prep,
		       struct gmm_seg_info *info)
{
	struct gmm_seg_info new_seg;
	u32 cand[GMM_MAX_NODES + 2], n, k, idx, free_idx, npages;
	struct gmm_master_entry e;
	struct gmm_op op;
	int ret, err = -ENOSPC;
	bool any_space = false;

	if (!gmm_joined(r))
		return -ENOTCONN;
	if (!gmm_valid_gid(gid) || !size || size % GMM_PAGE_SIZE ||
	    (place < 0 && place != GMM_PLACE_NEAREST &&
	     place != GMM_PLACE_MOST_FREE) ||
	    (place >= 0 && (u32)place >= r->g.nr_parts))
		return -EINVAL;
	if (size >> GMM_PAGE_SHIFT > r->g.data_pages)
		return -EFBIG;
	npages = (u32)(size >> GMM_PAGE_SHIFT);

	ret = gmm_op_begin(r, &op, gid);
	if (ret)
		return ret;
	ret = gmm_master_find(r, gid, &idx, &free_idx);
	if (ret != -ENOENT)
		return gmm_op_finish(r, &op, ret ? ret : -EEXIST);
	if (free_idx == ~0U)
		return gmm_op_finish(r, &op, -ENFILE);

	memset(&e, 0, sizeof(e));
	e.gid = cpu_to_le64(gid);
	e.part = cpu_to_le16(0xffff);
	e.section = cpu_to_le32(~0U);
	e.npages = cpu_to_le32(npages);
	gmm_master_mark_used(r, free_idx);
	gmm_master_write(r, free_idx, &e);
	gmm_master_tag(r, free_idx, op.t.id, GMM_P_ALLOC);
	op.midx = free_idx;
	op.master = true;

	n = gmm_candidates(r, place, cand);
	ret = -ENOSPC;
	for (k = 0; k < n; k++) {
		if (gmm_part_state(r, cand[k]) != GMM_PART_ONLINE)
			continue;
		ret = gmm_op_lock_part(r, &op, cand[k]);
		if (ret) {
			err = ret;
			break;
		}
		ret = gmm_reserve_segment(r, &op, gid, npages, pid);
		if (!ret)
			break;
		if (ret == -ENOSPC)
			any_space = true;
		else
			err = ret;
		if (op.section || op.sharer)
			break; /* partly reserved: abort below */
		gmm_op_unlock_part(r, &op);
	}
	if (ret)
		return gmm_op_finish(r, &op,
				     any_space && err != -EUCLEAN ? -ENOSPC : err);

	if (prep) {
		ret = gmm_fill_info(r, op.part, op.sec, op.shr, &new_seg);
		if (ret)
			return gmm_op_finish(r, &op, ret);
		prep->fn(r, &new_seg, prep->arg);
	}
	e.part = cpu_to_le16(op.part);
	e.section = cpu_to_le32(op.sec);
	gmm_master_write(r, op.midx, &e);
	/* Before the commit: a committed segment is always in the index. */
	mcs_wr32(&gmm_home(r, op.part)[op.sec], op.midx + 1);
	mcs_crash_point(MASTER_FILLED);
	gmm_txn_commit(r, &op.t);
	gmm_op_settle(r, &op, true);
	op.master = op.section = op.sharer = false;
	return gmm_op_finish(r, &op,
			     gmm_fill_info(r, op.part, op.sec, op.shr, info));
}

/*
 * Look @gid up under its stripe lock and lock its home partition.
 * Return: 0 with op->midx, op->part, op->sec set and the partition locked.
 */
static int gmm_op_find_segment(struct gmm_region *r, struct gmm_op *op,
			       u64 gid, bool want_destroyed)
{
	struct gmm_master_entry *m;
	struct gmm_section *s;
	u32 free_idx, p, sec, st;
	int ret;

	ret = gmm_master_find(r, gid, &op->midx, &free_idx);
	if (ret)
		return ret;
	m = gmm_master_read_copy(r) + op->midx;
	st = mcs_rd32(&m->st);
	if ((GMM_ST_FLAGS(st) & GMM_F_DESTROYED) && !want_destroyed)
		return -ENOENT;
	p = mcs_rd16(&m->part);
	sec = mcs_rd32(&m->section);
	if (p >= r->g.nr_parts || sec >= r->g.sections)
		return gmm_corrupt(r, "master entry %u: partition %u section %u",
				   op->midx, p, sec);
	if (gmm_part_state(r, p) != GMM_PART_ONLINE)
		return -ENXIO;
	ret = gmm_op_lock_part(r, op, p);
	if (ret)
		return ret;
	s = gmm_section(r, p, sec);
	if (GMM_ST_STATE(mcs_rd32(&s->st)) != GMM_E_LIVE ||
	    mcs_rd64(&s->gid) != gid)
		return gmm_corrupt(r, "master entry %u: partition %u section %u is not its segment",
				   op->midx, p, sec);
	op->sec = sec;
	return gmm_fill_info(r, p, sec, GMM_SHARER_ANY, NULL);
}

/**
 * gmm_acquire - share an existing segment from this node and @pid
 * @r: a joined handle
 * @gid: the segment
 * @pid: the process that holds the share
 * @info: filled in on success (may be NULL)
 *
 * Return: 0; -ENOENT if there is no such segment or it was destroyed;
 * -ENFILE if the home partition's sharer table is full; -ENXIO if its
 * partition was lost; -EUCLEAN if the tables disagree or a value read
 * from them is out of range; -EBUSY (gmm_txn_begin()); -ENOTCONN.
 */
int gmm_acquire(struct gmm_region *r, u64 gid, u32 pid,
		struct gmm_seg_info *info)
{
	struct gmm_op op;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	if (!gmm_valid_gid(gid))
		return -EINVAL;
	ret = gmm_op_begin(r, &op, gid);
	if (ret)
		return ret;
	ret = gmm_op_find_segment(r, &op, gid, false);
	if (!ret)
		ret = gmm_reserve_sharer(r, &op, gid, op.sec, pid);
	if (ret)
		return gmm_op_finish(r, &op, ret);
	gmm_txn_commit(r, &op.t);
	gmm_op_settle(r, &op, true);
	op.sharer = false;
	return gmm_op_finish(r, &op,
			     gmm_fill_info(r, op.part, op.sec, op.shr, info));
}

static bool gmm_sharer_is(struct gmm_region *r, u32 p, u32 i, u64 gid,
			  u32 sec, u64 owner)
{
	struct gmm_sharer *sh = gmm_sharer(r, p, i);

	return GMM_ST_STATE(mcs_rd32(&sh->st)) == GMM_E_LIVE &&
	       mcs_rd64(&sh->gid) == gid && mcs_rd32(&sh->section) == sec &&
	       mcs_rd64(&sh->owner) == owner;
}

/* Tag the entries that free the segment of @op (sections & master). */
static void gmm_tag_free(struct gmm_region *r, struct gmm_op *op, u32 pend)
{
	struct gmm_section *s = gmm_section(r, op->part, op->sec);
	u32 st = mcs_rd32(&s->st);

	gmm_tag(&s->txn, &s->st, op->t.id,
		GMM_ST(GMM_ST_STATE(st), pend, GMM_ST_FLAGS(st)));
	op->section = true;
	mcs_crash_point(SECTION_TAGGED);
	gmm_master_tag(r, op->midx, op->t.id, pend);
	op->master = true;
}

/**
 * gmm_release - give up one share of a segment held by this node and @pid
 * @r: a joined handle
 * @gid: the segment
 * @pid: the process whose share it is
 * @sharer: the sharer index from gmm_seg_info, or GMM_SHARER_ANY to search
 *
 * If the segment was destroyed and this was its last share, it is freed
 * in the same transaction (the shm_unlink rule).
 *
 * Return: 0; -ENOENT if the segment or this share does not exist; -ENXIO
 * if its partition was lost; -EUCLEAN (also if the share at @sharer is
 * this process's but names another section); -EBUSY; -ENOTCONN.
 */
int gmm_release(struct gmm_region *r, u64 gid, u32 pid, u32 sharer)
{
	u64 owner = GMM_OWNER(r->node, r->inc, pid);
	struct gmm_sharer *sh;
	struct gmm_op op;
	u32 i, n, st, sec;
	bool last;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	if (!gmm_valid_gid(gid))
		return -EINVAL;
	ret = gmm_op_begin(r, &op, gid);
	if (ret)
		return ret;
	ret = gmm_op_find_segment(r, &op, gid, true);
	if (ret)
		return gmm_op_finish(r, &op, ret);
	/*
	 * The share this caller was given, live and its own, names another
	 * section: a live sharer's section never changes, so the table is
	 * corrupt (searching on would only say the share is not there).
	 */
	if (sharer < r->g.sharers) {
		sec = mcs_rd32(&gmm_sharer(r, op.part, sharer)->section);
		if (sec != op.sec &&
		    gmm_sharer_is(r, op.part, sharer, gid, sec, owner))
			return gmm_op_finish(r, &op,
					     gmm_corrupt(r, "partition %u sharer %u: section %u, not %u",
							 op.part, sharer, sec, op.sec));
	}
	if (sharer >= r->g.sharers ||
	    !gmm_sharer_is(r, op.part, sharer, gid, op.sec, owner)) {
		n = mcs_rd32(&r->ctl->part[op.part].sharer_hwm);
		n = n > r->g.sharers ? r->g.sharers : n;
		for (i = 0; i < n; i++)
			if (gmm_sharer_is(r, op.part, i, gid, op.sec, owner))
				break;
		if (i == n)
			return gmm_op_finish(r, &op, -ENOENT);
		sharer = i;
	}
	last = mcs_rd32(&gmm_section(r, op.part, op.sec)->nr_sharers) <= 1;
	st = mcs_rd32(&gmm_master_read_copy(r)[op.midx].st);

	sh = gmm_sharer(r, op.part, sharer);
	gmm_tag(&sh->txn, &sh->st, op.t.id,
		GMM_ST(GMM_E_LIVE, GMM_P_FREE, 0));
	op.shr = sharer;
	op.sharer = true;
	mcs_crash_point(SHARER_TAGGED);
	if (last && (GMM_ST_FLAGS(st) & GMM_F_DESTROYED))
		gmm_tag_free(r, &op, GMM_P_FREE);
	return gmm_op_finish(r, &op, 0);
}

/**
 * gmm_destroy - remove a segment's GID; free it when its last share goes
 * @r: a joined handle
 * @gid: the segment
 *
 * Like shm_unlink(): the GID can no longer be acquired; the memory stays
 * until the last sharer releases it, and is freed at once if there is none.
 *
 * Return: 0; -ENOENT if there is no such segment or it was already
 * destroyed; -ENXIO; -EUCLEAN; -EBUSY; -ENOTCONN.
 */
int gmm_destroy(struct gmm_region *r, u64 gid)
{
	struct gmm_op op;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	if (!gmm_valid_gid(gid))
		return -EINVAL;
	ret = gmm_op_begin(r, &op, gid);
	if (ret)
		return ret;
	ret = gmm_op_find_segment(r, &op, gid, false);
	if (ret)
		return gmm_op_finish(r, &op, ret);
	if (mcs_rd32(&gmm_section(r, op.part, op.sec)->nr_sharers))
		gmm_tag_free(r, &op, GMM_P_DESTROY);
	else
		gmm_tag_free(r, &op, GMM_P_FREE);
	return gmm_op_finish(r, &op, 0);
}

/**
 * gmm_seg_list - iterate over the segments
 * @r: a handle (observers too)
 * @cursor: 0 to start; advanced past the segment returned
 * @info: the next segment (sharer: GMM_SHARER_ANY)
 *
 * Walks the master table a stripe at a time, each under its stripe lock.
 * Segments created or destroyed during an iteration may or may not be
 * seen; every segment that exists throughout is seen exactly once.
 * Destroyed segments still shared, and segments of lost partitions, are
 * skipped (gmm_lookup() does not find them either).
 *
 * Return: 0; -ENOENT at the end; -EOWNERDEAD for an observer when a dead
 * node holds a stripe lock; -EIO if no copy of the master table is readable;
 * -EUCLEAN for a corrupt entry (the cursor is past it: the listing may go
 * on) or lock.
 */
int gmm_seg_list(struct gmm_region *r, u32 *cursor, struct gmm_seg_info *info)
{
	u32 per = r->g.per_stripe, n = per * GMM_NR_STRIPES, s, i, p, sec;
	struct gmm_master_entry *m;
	int ret;

	while (*cursor < n) {
		s = *cursor / per;
		ret = gmm_joined(r) ?
			      gmm_lock_stripe(r, s) :
			      gmm_lock_observe(r, &r->ctl->stripe_lock[s]);
		if (ret)
			return ret;
		m = gmm_master_read_copy(r);
		ret = m ? -ENOENT : -EIO;
		for (i = *cursor; m && i < (s + 1) * per; i++) {
			u32 st = mcs_rd32(&m[i].st);

			if (GMM_ST_STATE(st) != GMM_E_LIVE ||
			    (GMM_ST_FLAGS(st) & GMM_F_DESTROYED))
				continue;
			p = mcs_rd16(&m[i].part);
			sec = mcs_rd32(&m[i].section);
			if (p >= r->g.nr_parts || sec >= r->g.sections) {
				ret = gmm_corrupt(r, "master entry %u: partition %u section %u",
						  i, p, sec);
				break;
			}
			if (gmm_part_state(r, p) != GMM_PART_ONLINE)
				continue;
			ret = gmm_fill_info(r, p, sec, GMM_SHARER_ANY, info);
			break;
		}
		gmm_unlock_stripe(r, s);
		if (ret != -ENOENT) {
			if (ret != -EIO)
				*cursor = i + 1;
			return ret;
		}
		*cursor = (s + 1) * per;
	}
	return -ENOENT;
}

/**
 * gmm_lookup - describe a segment by GID
 * @r: a handle (observers too)
 * @gid: the segment
 * @info: filled in (sharer is GMM_SHARER_ANY)
 *
 * Return: 0; -ENOENT if there is none or it was destroyed; -ENXIO; -EUCLEAN;
 * -EOWNERDEAD for an observer when a dead node holds a lock it needs.
 */
int gmm_lookup(struct gmm_region *r, u64 gid, struct gmm_seg_info *info)
{
	u32 s = gmm_stripe_of(gid), idx, free_idx, p, sec;
	struct gmm_master_entry *m;
	int ret;

	if (!gmm_valid_gid(gid))
		return -EINVAL;
	ret = gmm_joined(r) ? gmm_lock_stripe(r, s) :
			      gmm_lock_observe(r, &r->ctl->stripe_lock[s]);
	if (ret)
		return ret;
	ret = gmm_master_find(r, gid, &idx, &free_idx);
	if (ret)
		goto out;
	m = gmm_master_read_copy(r) + idx;
	p = mcs_rd16(&m->part);
	sec = mcs_rd32(&m->section);
	ret = -ENOENT;
	if (GMM_ST_FLAGS(mcs_rd32(&m->st)) & GMM_F_DESTROYED)
		goto out;
	if (p >= r->g.nr_parts || sec >= r->g.sections) {
		ret = gmm_corrupt(r, "master entry %u: partition %u section %u",
				  idx, p, sec);
		goto out;
	}
	ret = -ENXIO;
	if (gmm_part_state(r, p) != GMM_PART_ONLINE)
		goto out;
	/* Read without the partition lock: the section's placement is fixed
	 * while the stripe lock keeps it from being freed. */
	ret = gmm_fill_info(r, p, sec, GMM_SHARER_ANY, info);
	if (!ret && info && info->gid != gid)
		ret = gmm_corrupt(r, "master entry %u: section %u of partition %u names %llx",
				  idx, sec, p, (unsigned long long)info->gid);
out:
	gmm_unlock_stripe(r, s);
	return ret;
}

/* Zeroed a chunk at a time, letting others run in between. */
#define GMM_ZERO_CHUNK (2ULL << 20)

/**
 * gmm_seg_zero - zero a segment's memory
 * @r: the region handle
 * @info: the segment, as gmm_alloc() (or gmm_acquire()) said
 *
 * A segment may be as large as a partition (gigabytes): it is zeroed
 * GMM_ZERO_CHUNK bytes at a time with mcs_os_resched() between, so the
 * CPU is never held for the whole of it.
 */
void gmm_seg_zero(struct gmm_region *r, const struct gmm_seg_info *info)
{
	u8 *p = gmm_seg_ptr(r, info);
	u64 done, n;

	for (done = 0; done < info->size; done += n) {
		n = info->size - done < GMM_ZERO_CHUNK ? info->size - done :
							 GMM_ZERO_CHUNK;
		memset(p + done, 0, (size_t)n);
		if (done + n < info->size)
			mcs_os_resched();
	}
}

/**
 * gmm_seg_ptr - where a segment lies in this node's mapping of the region
 * @r: the region handle
 * @info: the segment, as gmm_alloc(), gmm_acquire() or gmm_lookup() said
 *
 * Return: the address of its first byte.
 */
void *gmm_seg_ptr(struct gmm_region *r, const struct gmm_seg_info *info)
{
	return r->base + info->offset;
}
