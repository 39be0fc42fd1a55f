// SPDX-License-Identifier: GPL-2.0
/*
 * repair.c - settle what a dead incarnation left pending.
 *
 * Called by whoever takes a lock over from a dead owner, before it uses the
 * structure the lock protects. Settling is idempotent, so a repairer that
 * dies halfway leaves work its own successor redoes.
 */
#include "gmm_internal.h"

/**
 * gmm_decide - what to do with an entry tagged by @txn
 * @r: the handle
 * @txn: the tag
 *
 * Return: GMM_KEEP if the owner is alive (it will settle it), GMM_FORWARD
 * if a dead owner had committed, GMM_BACK otherwise.
 */
enum gmm_decision gmm_decide(struct gmm_region *r, u64 txn)
{
	struct gmm_txn_slot *slots;
	u32 node = GMM_ID_NODE(txn), i;

	if (!txn || !gmm_id_dead(r, txn))
		return GMM_KEEP;
	if (node >= r->g.nr_parts)
		return GMM_BACK;
	slots = r->ctl->txn[node];
	for (i = 0; i < GMM_TXN_SLOTS; i++)
		if (mcs_rd64_acquire(&slots[i].txn) == txn)
			return mcs_rd64(&slots[i].state) == GMM_TXN_COMMITTED ?
				       GMM_FORWARD : GMM_BACK;
	return GMM_BACK;
}

void gmm_repair_stripe(struct gmm_region *r, u32 s)
{
	struct gmm_master_entry *primary = NULL, *replica = NULL;
	u64 loc = mcs_rd64_acquire(&r->ctl->master_loc);
	u32 i, end = (s + 1) * r->g.per_stripe;
	enum gmm_decision d;
	bool half = false;
	u64 txn;

	if (GMM_ML_PRIMARY(loc) < r->g.nr_parts &&
	    gmm_part_state(r, GMM_ML_PRIMARY(loc)) != GMM_PART_LOST)
		primary = gmm_master_copy(r, GMM_ML_PRIMARY(loc));
	if (GMM_ML_REPLICA(loc) < r->g.nr_parts &&
	    gmm_part_state(r, GMM_ML_REPLICA(loc)) != GMM_PART_LOST)
		replica = gmm_master_copy(r, GMM_ML_REPLICA(loc));

	for (i = s * r->g.per_stripe; i < end; i++) {
		txn = primary ? mcs_rd64(&primary[i].txn) : 0;
		if (!txn && replica)
			txn = mcs_rd64(&replica[i].txn);
		d = gmm_decide(r, txn);
		if (d == GMM_KEEP)
			continue;
		gmm_master_settle(r, i, d == GMM_FORWARD);
		if (!half) {
			half = true;
			mcs_crash_point(REPAIR_HALF_DONE);
		}
	}
}

static u32 gmm_hwm(__le32 *hwm, u32 max)
{
	u32 v = mcs_rd32(hwm);

	return v > max ? max : v;
}

void gmm_repair_part(struct gmm_region *r, u32 p)
{
	struct gmm_part_ctl *pc = &r->ctl->part[p];
	u32 i, n = gmm_hwm(&pc->section_hwm, r->g.sections);
	enum gmm_decision d;
	bool half = false;

	for (i = 0; i < n; i++) {
		d = gmm_decide(r, mcs_rd64(&gmm_section(r, p, i)->txn));
		if (d == GMM_KEEP)
			continue;
		gmm_settle_section(r, p, i, d == GMM_FORWARD);
		if (!half) {
			half = true;
			mcs_crash_point(REPAIR_HALF_DONE);
		}
	}
	n = gmm_hwm(&pc->sharer_hwm, r->g.sharers);
	for (i = 0; i < n; i++) {
		d = gmm_decide(r, mcs_rd64(&gmm_sharer(r, p, i)->txn));
		if (d != GMM_KEEP)
			gmm_settle_sharer(r, p, i, d == GMM_FORWARD);
	}
	gmm_recount_part(r, p);
}

/**
 * gmm_recount_part - recompute the caches of a partition from its tables
 * @r: the handle
 * @p: the partition, whose lock the caller holds
 *
 * Sharer counts, free page count and search hints are caches that a crash
 * can leave stale; the tables and bitmap are the truth.
 */
void gmm_recount_part(struct gmm_region *r, u32 p)
{
	struct gmm_part_ctl *pc = &r->ctl->part[p];
	u32 nsec = gmm_hwm(&pc->section_hwm, r->g.sections);
	u32 nshr = gmm_hwm(&pc->sharer_hwm, r->g.sharers);
	u32 words = gmm_bitmap_words(&r->g), used = 0, i, sec;
	__le64 *bm = gmm_bitmap(r, p);
	struct gmm_sharer *sh;
	u64 v;

	for (i = 0; i < nsec; i++)
		mcs_wr32(&gmm_section(r, p, i)->nr_sharers, 0);
	for (i = 0; i < nshr; i++) {
		sh = gmm_sharer(r, p, i);
		if (GMM_ST_STATE(mcs_rd32(&sh->st)) != GMM_E_LIVE)
			continue;
		sec = mcs_rd32(&sh->section);
		if (sec < nsec) {
			__le32 *cnt = &gmm_section(r, p, sec)->nr_sharers;

			mcs_wr32(cnt, mcs_rd32(cnt) + 1);
		}
	}
	for (i = 0; i < words; i++) {
		v = mcs_rd64(&bm[i]);
		if (i == words - 1 && r->g.data_pages % 64)
			v &= (1ULL << (r->g.data_pages % 64)) - 1;
		used += mcs_popcount64(v);
	}
	mcs_wr32(&pc->free_pages, r->g.data_pages - used);
	mcs_wr32(&pc->section_hint, 0);
	mcs_wr32(&pc->sharer_hint, 0);
	mcs_wr32(&pc->page_hint, 0);
}
