// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - the sync object table of a gmm region: where it is, its
 * recovery stage and its checker. Apart from gsync.c, which knows only a
 * table (the lock model check builds gsync.c without gmm).
 */
#include "gsync.h"
#include "../gmm/gmm.h"
#include "../os/crashpoint.h"

_Static_assert(sizeof(struct gsync_hdr) == GMM_SYNC_HDR_SIZE,
	       "gmm sizes the sync table header");
_Static_assert(__builtin_offsetof(struct gsync_hdr, nr_objs) ==
		       GMM_SYNC_HDR_NR_OFF,
	       "gmm stamps the object count at format");
_Static_assert(sizeof(struct gsync_obj) == GMM_SYNC_OBJ_SIZE,
	       "gmm sizes the sync objects");

static int gsync_region_corrupt(void *arg, u32 idx, u32 type)
{
	return gmm_corrupt(arg, "sync object %u: type %u", idx, type);
}

/**
 * gsync_table_of - the region's table of global mutexes and events
 * @r: the handle (its glock context is used for the table's locks; a
 *     corrupt object is counted in it, gmm_corrupt())
 * @t: filled in
 */
void gsync_table_of(struct gmm_region *r, struct gsync_table *t)
{
	t->hdr = gmm_sync_area(r, &t->nr);
	t->objs = (struct gsync_obj *)(t->hdr + 1);
	t->ctx = gmm_glock_ctx(r);
	t->opened = (__le64 *)(t->objs + t->nr);
	t->locks = gmm_sync_locks(r);
	t->lock_stride = GMM_PAGE_SIZE;
	t->corrupt = gsync_region_corrupt;
	t->corrupt_arg = r;
}

/**
 * gsync_recover - recovery stage: break every sync lock a dead node held
 * @r: the recoverer's handle
 * @node: the dead node
 * @incarnation: its dead incarnation
 *
 * The next acquirer of a mutex it held gets -EOWNERDEAD; an event's guard
 * is simply free again. Idempotent.
 *
 * Return: how many locks it held.
 */
u32 gsync_recover(struct gmm_region *r, u32 node, u32 incarnation)
{
	struct gsync_table t;

	gsync_table_of(r, &t);
	return (u32)gsync_node_down(&t, node, incarnation);
}

/**
 * gsync_check - the sync table's invariants
 * @r: the handle
 * @rep: the report violations are counted in (gmm_check_violation())
 *
 * The header records the superblock's object count; no lock names a dead
 * incarnation; objects have a known type; the table lock is never
 * owner-dead or unrecoverable; a lock held by a node is marked opened by
 * that node (else its recovery would miss it); a dead, recovered node has
 * no bits left.
 */
void gsync_check(struct gmm_region *r, struct gmm_check_report *rep)
{
	u64 words, owner;
	struct gsync_table t;
	struct gmm_node_info ni;
	u32 i, ty, n;

	gsync_table_of(r, &t);
	if (mcs_rd32(&t.hdr->nr_objs) != t.nr)
		gmm_check_violation(
			rep,
			"sync table holds %u objects, the superblock says %u",
			mcs_rd32(&t.hdr->nr_objs), t.nr);
	gmm_check_lock(r, rep, &t.hdr->lock, "sync table", 0, true);
	for (i = 0; i < t.nr; i++) {
		if (!mcs_rd64_acquire(&t.objs[i].gid))
			continue;
		ty = mcs_rd32(&t.objs[i].type);
		if (ty < GSYNC_MUTEX || ty > GSYNC_EVENT_AUTO)
			gmm_check_violation(
				rep, "sync object %u has a bad type %u", i, ty);
		gmm_check_lock(r, rep, gsync_lock(&t, i), "sync object", i,
			       ty != GSYNC_MUTEX);
		owner = glock_owner(gsync_lock(&t, i));
		n = GLOCK_TAG_NODE(owner);
		if (owner && n < MCS_MAX_NODES &&
		    !(mcs_rd64(&gsync_opened_of(&t, n)[i / 64]) &
		      (1ULL << (i % 64))))
			gmm_check_violation(
				rep,
				"sync object %u is held by node %u, which has not opened it",
				i, n);
	}
	words = gsync_opened_words(&t);
	for (n = 0; n < MCS_MAX_NODES; n++) {
		/* Recovery clears a dead node's bits before it is CLEAN. */
		if (gmm_node_info(r, n, &ni) || ni.state != GMM_NODE_CLEAN)
			continue;
		for (i = 0; i < words; i++)
			if (mcs_rd64(&gsync_opened_of(&t, n)[i])) {
				gmm_check_violation(
					rep,
					"node %u is not alive but has opened sync objects",
					n);
				break;
			}
	}
}
