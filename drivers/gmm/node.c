// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - membership as gmm sees it: node words and partition words.
 *
 * A node word (one atomic 64-bit word per node) says whether the node is
 * alive and in which incarnation, or dead and how far its recovery got.
 * The membership service (mcsd, or a test harness) calls gmm_node_down();
 * a node enters with gmm_node_join(), which gives it a new incarnation, so
 * everything its previous incarnation tagged is recognisably dead.
 */
#include "gmm_internal.h"

/**
 * gmm_self_node - the node this handle joined as
 * @r: the region handle
 *
 * Return: the node id, or GMM_OBSERVER_NODE for a handle that never
 * joined.
 */
u32 gmm_self_node(const struct gmm_region *r)
{
	return r->node;
}

/**
 * gmm_self_incarnation - the incarnation this handle joined in
 * @r: the region handle
 *
 * Return: the incarnation gmm_node_join() gave it (0 before joining).
 */
u32 gmm_self_incarnation(const struct gmm_region *r)
{
	return r->inc;
}

/* Set a partition word's state and manager, bumping its generation if asked. */
static void gmm_part_word_set(struct gmm_region *r, u32 p, u32 state,
			      u32 manager, bool new_gen)
{
	__le64 *pw = &r->ctl->part[p].word;
	u64 w, nw;

	do {
		w = mcs_rd64_acquire(pw);
		nw = GMM_PW(state, manager, GMM_PW_GEN(w) + (new_gen ? 1 : 0));
	} while (w != nw && mcs_cas64(pw, w, nw) != w);
}

/*
 * A partition whose memory was lost starts again empty. A master copy
 * left on it (recovery found nowhere else to put it) is stale and is
 * rebuilt from the other copy before the partition is online again.
 */
static int gmm_reformat_partition(struct gmm_region *r, u32 p)
{
	struct gmm_part_ctl *pc = &r->ctl->part[p];
	u64 loc;
	int ret;

	ret = gmm_lock_stripes(r);
	if (ret)
		return ret;
	ret = gmm_lock_part(r, p); /* never repairs: the partition is lost */
	if (ret) {
		gmm_unlock_stripes(r);
		return ret;
	}
	if (gmm_part_state(r, p) == GMM_PART_LOST) {
		mcs_wr32(&pc->section_hwm, 0);
		mcs_wr32(&pc->sharer_hwm, 0);
		mcs_crash_point(JOIN_REFORMAT_HALF);
		gmm_reset_partition(r->base, &r->g, p);
		mcs_wr32(&pc->free_pages, r->g.data_pages);
		mcs_wr32(&pc->section_hint, 0);
		mcs_wr32(&pc->sharer_hint, 0);
		mcs_wr32(&pc->page_hint, 0);
		/* Its master area too: clean for a copy rebuilt there. */
		memset(gmm_master_copy(r, p), 0,
		       (size_t)r->g.per_stripe * GMM_NR_STRIPES *
			       sizeof(struct gmm_master_entry));
		mcs_os_mb();
		mcs_wr64(&pc->flags, mcs_rd64(&pc->flags) | GMM_PC_MASTER_CLEAN);
		loc = mcs_rd64_acquire(&r->ctl->master_loc);
		if (GMM_ML_PRIMARY(loc) == p || GMM_ML_REPLICA(loc) == p)
			gmm_master_clone(r, p);
		gmm_part_word_set(r, p, GMM_PART_ONLINE, p, true);
	}
	gmm_unlock_part(r, p);
	gmm_unlock_stripes(r);
	return 0;
}

/**
 * gmm_node_join - make this handle node @node, in a new incarnation
 * @r: an attached handle that has not joined yet
 * @node: the node number, which is also its partition's
 *
 * The node must be absent or fully recovered. Its partition comes back
 * under its management; if its memory had been lost, empty.
 *
 * Return: 0; -EINVAL for a bad node; -EALREADY if this handle joined;
 * -EBUSY if the node is alive; -EAGAIN if its recovery has not finished.
 */
int gmm_node_join(struct gmm_region *r, u32 node)
{
	__le64 *nw;
	u64 w;
	u32 inc;

	if (node >= r->g.nr_parts)
		return -EINVAL;
	if (gmm_joined(r))
		return -EALREADY;
	nw = &r->ctl->node[node];
	w = mcs_rd64_acquire(nw);
	switch (GMM_NW_STATE(w)) {
	case GMM_NODE_ABSENT:
	case GMM_NODE_CLEAN:
		break;
	case GMM_NODE_ALIVE:
		return -EBUSY;
	default:
		return -EAGAIN;
	}
	inc = (GMM_NW_INC(w) + 1) & GMM_INC_MASK;
	if (!inc)
		inc = 1;
	if (mcs_cas64(nw, w, GMM_NW(GMM_NODE_ALIVE, inc, 0, 0)) != w)
		return -EBUSY;
	r->node = node;
	r->inc = inc;
	gmm_glock_setup(r);
	/*
	 * Alive first, so the partition lock taken to reformat names a real
	 * incarnation: if this one dies halfway, its successor reformats
	 * again (the partition stays lost until the reset is complete).
	 */
	if (gmm_part_state(r, node) == GMM_PART_LOST) {
		/*
		 * A corrupt lock word (-EUCLEAN, logged) leaves the partition
		 * lost: the node is alive, nothing is placed there.
		 */
		if (gmm_reformat_partition(r, node))
			mcs_err("node %u: its lost partition stays lost\n", node);
	} else
		gmm_part_word_set(r, node, GMM_PART_ONLINE, node, false);
	return 0;
}

/**
 * gmm_node_down - membership says incarnation @inc of @node is dead
 * @r: any attached handle
 * @node: the dead node
 * @inc: its incarnation
 * @memory_lost: its partition's memory died with it
 *
 * Idempotent. From here on its locks can be taken over and its pending
 * entries settled by whoever needs them; gmm_recover() does the rest.
 * Memory can be declared lost later than the death, even after recovery:
 * the node is then down again until gmm_recover() has revoked its
 * segments.
 *
 * Return: 0; -EINVAL; -ESTALE if @node is in another incarnation;
 * -ENOENT if it never joined.
 */
int gmm_node_down(struct gmm_region *r, u32 node, u32 inc, bool memory_lost)
{
	__le64 *nw;
	u64 w, nwv;

	if (node >= r->g.nr_parts)
		return -EINVAL;
	nw = &r->ctl->node[node];
	for (;;) {
		w = mcs_rd64_acquire(nw);
		if (GMM_NW_STATE(w) == GMM_NODE_ABSENT)
			return -ENOENT;
		if (GMM_NW_INC(w) != (inc & GMM_INC_MASK))
			return -ESTALE;
		nwv = GMM_NW_STATE(w) == GMM_NODE_ALIVE ?
			      GMM_NW(GMM_NODE_DOWN, inc, 0, 0) : w;
		/*
		 * Memory found lost after the node was recovered: it is dead
		 * again, so recovery runs again and revokes.
		 */
		if (memory_lost && GMM_NW_STATE(w) == GMM_NODE_CLEAN &&
		    !(w & GMM_NW_LOST))
			nwv = GMM_NW(GMM_NODE_DOWN, inc, 0, 0);
		if (memory_lost)
			nwv |= GMM_NW_LOST;
		if (nwv == w || mcs_cas64(nw, w, nwv) == w)
			break;
	}
	if (memory_lost)
		gmm_part_word_set(r, node, GMM_PART_LOST,
				  GMM_PW_MANAGER(mcs_rd64(&r->ctl->part[node].word)),
				  false);
	return 0;
}

/**
 * gmm_node_info - what the region says of a node
 * @r: the region handle
 * @node: a node id
 * @info: filled with its state and incarnation
 *
 * Return: 0, or -EINVAL for a node the region has no slot for.
 */
int gmm_node_info(struct gmm_region *r, u32 node, struct gmm_node_info *info)
{
	u64 w;

	if (node >= r->g.nr_parts || !info)
		return -EINVAL;
	w = mcs_rd64_acquire(&r->ctl->node[node]);
	info->state = GMM_NW_STATE(w);
	info->incarnation = GMM_NW_INC(w);
	info->memory_lost = w & GMM_NW_LOST;
	info->recoverer = GMM_NW_REC_NODE(w);
	return 0;
}

/**
 * gmm_part_info - usage of one partition
 * @r: any attached handle
 * @part: the partition
 * @info: filled in
 *
 * Return: 0; -EINVAL; -EOWNERDEAD for an observer when a dead node holds
 * the partition's lock.
 */
int gmm_part_info(struct gmm_region *r, u32 part, struct gmm_part_info *info)
{
	struct gmm_part_ctl *pc;
	u64 w, loc;
	u32 i, n;
	int ret;

	if (part >= r->g.nr_parts || !info)
		return -EINVAL;
	pc = &r->ctl->part[part];
	ret = gmm_joined(r) ? gmm_lock_part(r, part) :
			      gmm_lock_observe(r, &r->ctl->part_lock[part]);
	if (ret)
		return ret;
	w = mcs_rd64_acquire(&pc->word);
	loc = mcs_rd64_acquire(&r->ctl->master_loc);
	memset(info, 0, sizeof(*info));
	info->state = GMM_PW_STATE(w);
	info->manager = GMM_PW_MANAGER(w);
	info->generation = GMM_PW_GEN(w);
	info->data_pages = r->g.data_pages;
	info->master_primary = GMM_ML_PRIMARY(loc) == part;
	info->master_replica = GMM_ML_REPLICA(loc) == part;
	if (info->state != GMM_PART_LOST) {
		info->free_pages = mcs_rd32(&pc->free_pages);
		n = mcs_rd32(&pc->section_hwm);
		n = n > r->g.sections ? r->g.sections : n;
		for (i = 0; i < n; i++)
			if (GMM_ST_STATE(mcs_rd32(&gmm_section(r, part, i)->st)) ==
			    GMM_E_LIVE)
				info->sections_used++;
	}
	gmm_unlock_part(r, part);
	return 0;
}
