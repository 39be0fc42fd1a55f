// SPDX-License-Identifier: GPL-2.0
/*
 * entry.c - settling a pending table entry forward (commit) or back (abort).
 *
 * One function per table decides the outcome from the entry's pending
 * change alone, so the committing node, an aborting node and a repairing
 * survivor all do the same thing, and doing it twice changes nothing:
 * side effects (bitmap bits) come before the state store, the state store
 * before the tag is cleared.
 */
#include "gmm_internal.h"

/**
 * gmm_settled_st - the state word an entry settles to
 * @st: its current state word
 * @forward: commit (true) or abort (false)
 * @master: master entries become tombstones when freed, others become free
 */
u32 gmm_settled_st(u32 st, bool forward, bool master)
{
	u32 state = GMM_ST_STATE(st), flags = GMM_ST_FLAGS(st);
	u32 gone = master ? GMM_E_TOMBSTONE : GMM_E_FREE;

	switch (GMM_ST_PEND(st)) {
	case GMM_P_ALLOC:
		return forward ? GMM_ST(GMM_E_LIVE, 0, 0) : GMM_ST(gone, 0, 0);
	case GMM_P_FREE:
		return forward ? GMM_ST(gone, 0, 0) : GMM_ST(GMM_E_LIVE, 0, flags);
	case GMM_P_DESTROY:
		return GMM_ST(GMM_E_LIVE, 0,
			      forward ? flags | GMM_F_DESTROYED :
					flags & ~GMM_F_DESTROYED);
	default:
		return GMM_ST(state, 0, flags);
	}
}

/* Mark pages used or free; only under the partition lock. */
void gmm_pages_set(struct gmm_region *r, u32 p, u32 first, u32 n, bool used)
{
	__le64 *bm = gmm_bitmap(r, p);
	u32 end = first + n, i = first, w, bits;
	u64 mask, v;
	bool half = false;

	while (i < end) {
		w = i / 64;
		bits = 64 - i % 64 < end - i ? 64 - i % 64 : end - i;
		mask = (bits == 64 ? ~0ULL : ((1ULL << bits) - 1)) << (i % 64);
		v = mcs_rd64(&bm[w]);
		mcs_wr64(&bm[w], used ? v | mask : v & ~mask);
		i += bits;
		if (!half && i < end) {
			half = true;
			if (used)
				mcs_crash_point(PAGES_HALF_TAKEN);
			else
				mcs_crash_point(PAGES_HALF_FREED);
		}
	}
}

static void gmm_free_pages_add(struct gmm_region *r, u32 p, u32 n)
{
	__le32 *fp = &r->ctl->part[p].free_pages;

	mcs_wr32(fp, mcs_rd32(fp) + n);
}

void gmm_settle_section(struct gmm_region *r, u32 p, u32 i, bool forward)
{
	struct gmm_section *s = gmm_section(r, p, i);
	u32 st = mcs_rd32(&s->st);
	u32 to = gmm_settled_st(st, forward, false);
	u32 first = mcs_rd32(&s->first_page), n = mcs_rd32(&s->npages);
	/* A pending allocation may hold some of its pages: give all back. */
	bool held = GMM_ST_PEND(st) == GMM_P_ALLOC ||
		    GMM_ST_STATE(st) == GMM_E_LIVE;

	if (held && GMM_ST_STATE(to) == GMM_E_FREE &&
	    first < r->g.data_pages && n <= r->g.data_pages - first) {
		gmm_pages_set(r, p, first, n, false);
		gmm_free_pages_add(r, p, n);
		if (first < mcs_rd32(&r->ctl->part[p].page_hint))
			mcs_wr32(&r->ctl->part[p].page_hint, first);
	}
	if (GMM_ST_STATE(to) == GMM_E_FREE &&
	    i < mcs_rd32(&r->ctl->part[p].section_hint))
		mcs_wr32(&r->ctl->part[p].section_hint, i);
	mcs_wr32(&s->st, to);
	mcs_wr64_release(&s->txn, 0);
}

void gmm_settle_sharer(struct gmm_region *r, u32 p, u32 i, bool forward)
{
	struct gmm_sharer *sh = gmm_sharer(r, p, i);
	u32 st = mcs_rd32(&sh->st);
	u32 to = gmm_settled_st(st, forward, false);
	u32 sec = mcs_rd32(&sh->section);

	/* Keep the section's sharer count in step; repair recounts anyway. */
	if (sec < r->g.sections && GMM_ST_STATE(to) != GMM_ST_STATE(st)) {
		__le32 *cnt = &gmm_section(r, p, sec)->nr_sharers;
		u32 c = mcs_rd32(cnt);

		if (GMM_ST_STATE(to) == GMM_E_LIVE)
			mcs_wr32(cnt, c + 1);
		else if (c)
			mcs_wr32(cnt, c - 1);
	}
	if (GMM_ST_STATE(to) == GMM_E_FREE &&
	    i < mcs_rd32(&r->ctl->part[p].sharer_hint))
		mcs_wr32(&r->ctl->part[p].sharer_hint, i);
	mcs_wr32(&sh->st, to);
	mcs_wr64_release(&sh->txn, 0);
}
