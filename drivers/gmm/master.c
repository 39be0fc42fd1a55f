// SPDX-License-Identifier: GPL-2.0
/*
 * master.c - the master table: GID -> (partition, section, size, state).
 *
 * Two copies, primary and replica, live in the master areas of two
 * partitions named by the master location word; every change writes the
 * primary, then the replica, at the same index. A copy on a lost partition
 * is neither read nor written until recovery rebuilds it elsewhere.
 *
 * The table is an open-addressing hash split into GMM_NR_STRIPES stripes,
 * each with its own lock; probing wraps within the stripe. Freed entries
 * become tombstones so probe chains stay intact; inserts reuse them.
 */
#include "gmm_internal.h"

static u64 gmm_hash(u64 x)
{
	/* splitmix64 finalizer: GIDs are often sequential. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

u32 gmm_stripe_of(u64 gid)
{
	return (u32)(gmm_hash(gid) % GMM_NR_STRIPES);
}

/* Which copies can be used: a copy on a lost partition cannot. */
static void gmm_master_copies(struct gmm_region *r,
			      struct gmm_master_entry **primary,
			      struct gmm_master_entry **replica)
{
	u64 loc = mcs_rd64_acquire(&r->ctl->master_loc);
	u32 p = GMM_ML_PRIMARY(loc), q = GMM_ML_REPLICA(loc);

	*primary = p < r->g.nr_parts && gmm_part_state(r, p) != GMM_PART_LOST ?
			   gmm_master_copy(r, p) : NULL;
	*replica = q < r->g.nr_parts && q != p &&
			   gmm_part_state(r, q) != GMM_PART_LOST ?
			   gmm_master_copy(r, q) : NULL;
}

struct gmm_master_entry *gmm_master_read_copy(struct gmm_region *r)
{
	struct gmm_master_entry *primary, *replica;

	gmm_master_copies(r, &primary, &replica);
	return primary ? primary : replica;
}

/**
 * gmm_master_find - look a GID up; the caller holds its stripe lock
 * @r: the handle
 * @gid: the GID
 * @idx: the entry's table index, if found
 * @free_idx: where it could be inserted if not found (~0U if the stripe is full)
 *
 * Return: 0 if a LIVE entry has @gid, -ENOENT if not, -EIO if no copy of
 * the master table is readable.
 */
int gmm_master_find(struct gmm_region *r, u64 gid, u32 *idx, u32 *free_idx)
{
	struct gmm_master_entry *m = gmm_master_read_copy(r);
	u32 per = r->g.per_stripe;
	u64 h = gmm_hash(gid);
	u32 base = (u32)(h % GMM_NR_STRIPES) * per;
	u32 start = (u32)(h >> 32) & (per - 1);
	u32 k, i, state;

	*free_idx = ~0U;
	if (!m)
		return -EIO;
	for (k = 0; k < per; k++) {
		i = base + ((start + k) & (per - 1));
		state = GMM_ST_STATE(mcs_rd32(&m[i].st));
		if (state == GMM_E_FREE) {
			if (*free_idx == ~0U)
				*free_idx = i;
			return -ENOENT;
		}
		if (state == GMM_E_TOMBSTONE) {
			if (*free_idx == ~0U)
				*free_idx = i;
			continue;
		}
		if (mcs_rd64(&m[i].gid) == gid) {
			*idx = i;
			return 0;
		}
	}
	return -ENOENT;
}

static void gmm_entry_copy(struct gmm_master_entry *dst,
			   const struct gmm_master_entry *src)
{
	mcs_wr64(&dst->gid, mcs_rd64(&src->gid));
	mcs_wr16(&dst->part, mcs_rd16(&src->part));
	mcs_wr32(&dst->section, mcs_rd32(&src->section));
	mcs_wr32(&dst->npages, mcs_rd32(&src->npages));
}

/*
 * Entry @idx is about to be used: mark it before anything is written, so
 * a rebuilt copy includes it (a mark on an entry rolled back is harmless).
 * Words are shared between small stripes: an atomic OR.
 */
void gmm_master_mark_used(struct gmm_region *r, u32 idx)
{
	__le64 *w = &gmm_master_used(r)[idx / 64];
	u64 old, bit = 1ULL << (idx % 64);

	do {
		old = mcs_rd64(w);
	} while (!(old & bit) && mcs_cas64(w, old, old | bit) != old);
}

/* Write the fields of a pending entry (not st, not txn) to both copies. */
void gmm_master_write(struct gmm_region *r, u32 idx,
		      const struct gmm_master_entry *e)
{
	struct gmm_master_entry *primary, *replica;

	gmm_master_copies(r, &primary, &replica);
	if (primary)
		gmm_entry_copy(&primary[idx], e);
	if (replica)
		gmm_entry_copy(&replica[idx], e);
}

/* Mark an entry pending in both copies, primary first. */
void gmm_master_tag(struct gmm_region *r, u32 idx, u64 txn, u32 pend)
{
	struct gmm_master_entry *primary, *replica, *m;
	u32 st;

	gmm_master_copies(r, &primary, &replica);
	m = primary ? primary : replica;
	st = mcs_rd32(&m[idx].st);
	st = GMM_ST(GMM_ST_STATE(st), pend, GMM_ST_FLAGS(st));
	if (primary) {
		gmm_tag(&primary[idx].txn, &primary[idx].st, txn, st);
		mcs_crash_point(MASTER_PRIMARY_TAGGED);
	}
	if (replica)
		gmm_tag(&replica[idx].txn, &replica[idx].st, txn, st);
	mcs_crash_point(MASTER_TAGGED);
}

static void gmm_settle_one(struct gmm_master_entry *e, u32 st)
{
	mcs_wr32(&e->st, st);
	mcs_wr64_release(&e->txn, 0);
}

/*
 * Settle an entry in both copies. The outcome is computed from whichever
 * copy is still pending, so settling twice, or after a crash between the
 * copies, gives the same result.
 */
void gmm_master_settle(struct gmm_region *r, u32 idx, bool forward)
{
	struct gmm_master_entry *primary, *replica, *p = NULL, *q = NULL, *src;
	u32 st;

	gmm_master_copies(r, &primary, &replica);
	if (primary)
		p = &primary[idx];
	if (replica)
		q = &replica[idx];
	src = p && mcs_rd64(&p->txn) ? p : q && mcs_rd64(&q->txn) ? q : p ? p : q;
	if (!src)
		return;
	st = gmm_settled_st(mcs_rd32(&src->st), forward, true);
	if (p) {
		if (src != p)
			gmm_entry_copy(p, src);
		gmm_settle_one(p, st);
		mcs_crash_point(FINAL_MASTER_PRIMARY);
	}
	if (q) {
		if (src != q)
			gmm_entry_copy(q, src);
		gmm_settle_one(q, st);
	}
	mcs_crash_point(FINAL_MASTER);
}

/*
 * Copy the readable master copy into partition @to's master area; the
 * caller holds every stripe lock and then points the master location (or
 * puts the partition back online) at the new copy. Only the entries ever
 * used are written (gmm_master_mark_used()), into an area that is all FREE
 * (GMM_PC_MASTER_CLEAN); in two halves, so a recoverer can die with the
 * copy half written.
 */
void gmm_master_clone(struct gmm_region *r, u32 to)
{
	u32 i, k, half, n = r->g.per_stripe * GMM_NR_STRIPES;
	struct gmm_master_entry *src = gmm_master_read_copy(r);
	__le64 *used;
	u64 bits;
	struct gmm_master_entry *dst = gmm_master_copy(r, to);
	__le64 *flags = &r->ctl->part[to].flags;
	bool clean = mcs_rd64(flags) & GMM_PC_MASTER_CLEAN;

	/* Not clean from the first entry written on, whatever happens next. */
	mcs_wr64(flags, mcs_rd64(flags) & ~GMM_PC_MASTER_CLEAN);
	mcs_os_mb();
	/* Both copies lost (a double failure): never resurrect a stale one. */
	if (!src) {
		memset(dst, 0, (size_t)n * sizeof(*dst));
		mcs_os_mb();
		return;
	}
	/* Never used since it was zeroed, by construction; if not, zero it. */
	if (!clean)
		memset(dst, 0, (size_t)n * sizeof(*dst));
	half = n / 2;
	/* Clean: only the entries ever used, found by their marks. */
	used = gmm_master_used(r);
	for (k = 0; k < n / 64; k++) {
		if (k == half / 64)
			mcs_crash_point(RECOVERY_MASTER_HALF_COPIED);
		for (bits = mcs_rd64(&used[k]); bits; bits &= bits - 1) {
			i = k * 64 + (u32)__builtin_ctzll(bits);
			dst[i] = src[i];
		}
	}
	mcs_os_mb();
}
