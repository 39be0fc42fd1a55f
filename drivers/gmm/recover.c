// SPDX-License-Identifier: GPL-2.0
/*
 * recover.c - gmm's part of a dead node's recovery, as stages that the
 * membership layer runs in order (drivers/member/recovery.c):
 *
 *   claim      the node word names this node as recoverer (a recoverer
 *              that dies is replaced by the next one to call)
 *   sharers    remove the dead incarnation's sharer entries everywhere
 *   inflight   cycle every lock: locks it held are taken over and its
 *              pending entries settled by the commit record; then its
 *              transaction slots are released
 *   master     a master copy on a lost partition is rebuilt on another
 *              partition
 *   free       destroyed segments nobody shares any more are freed
 *   partition  memory lost: every segment homed there is revoked;
 *              every surviving partition the dead node managed is
 *              taken over by this node
 *   finish     the node word says CLEAN; the node may rejoin
 *
 * Every stage is idempotent, so a recovery interrupted by another death
 * simply runs again from the claim. gmm repairs only its own tables; the
 * components above it break their own locks in their own stages.
 */
#include "gmm_internal.h"

/* A stage could not do all of its work: finish will say so. */
static void gmm_stage_error(struct gmm_recovery_report *rep, int err)
{
	if (err && !rep->error)
		rep->error = err;
}

static int gmm_claim(struct gmm_region *r, u32 node, u64 *word,
		     bool *restarted)
{
	__le64 *nw = &r->ctl->node[node];
	u64 w, mine;

	for (;;) {
		w = mcs_rd64_acquire(nw);
		switch (GMM_NW_STATE(w)) {
		case GMM_NODE_ABSENT:
		case GMM_NODE_CLEAN:
			*word = w;
			return 1; /* nothing to do */
		case GMM_NODE_ALIVE:
			return -EBUSY;
		case GMM_NODE_RECOVERING:
			if (GMM_NW_REC_NODE(w) == r->node &&
			    GMM_NW_REC_INC(w) == r->inc) {
				*restarted = true;
				goto claimed;
			}
			if (!gmm_id_dead(r, GMM_ID(GMM_NW_REC_NODE(w),
						   GMM_NW_REC_INC(w), 0)))
				return -EINPROGRESS;
			break;
		default:
			break;
		}
		mine = GMM_NW(GMM_NODE_RECOVERING, GMM_NW_INC(w), r->node, r->inc) |
		       (w & GMM_NW_LOST);
		if (mcs_cas64(nw, w, mine) == w) {
			/* Not from DOWN: an earlier recoverer died anywhere. */
			*restarted = GMM_NW_STATE(w) == GMM_NODE_RECOVERING;
			w = mine;
			goto claimed;
		}
	}
claimed:
	*word = w;
	mcs_crash_point(RECOVERY_CLAIMED);
	return 0;
}

/**
 * gmm_recover_sharers - recovery stage: the dead incarnation shares nothing
 * @r: the recoverer's handle
 * @rep: as filled by gmm_recovery_claim(); counts sharers_removed
 */
void gmm_recover_sharers(struct gmm_region *r, struct gmm_recovery_report *rep)
{
	u32 node = rep->node, inc = rep->incarnation;
	struct gmm_sharer *sh;
	u32 p, i, n, sec, cnt, removed;
	u64 owner;
	int ret;

	for (p = 0; p < r->g.nr_parts; p++) {
		if (gmm_part_state(r, p) == GMM_PART_LOST)
			continue;
		ret = gmm_lock_part(r, p);
		if (ret) {
			gmm_stage_error(rep, ret);
			continue;
		}
		n = mcs_rd32(&r->ctl->part[p].sharer_hwm);
		n = n > r->g.sharers ? r->g.sharers : n;
		removed = 0;
		for (i = 0; i < n; i++) {
			sh = gmm_sharer(r, p, i);
			if (GMM_ST_STATE(mcs_rd32(&sh->st)) != GMM_E_LIVE)
				continue;
			owner = mcs_rd64(&sh->owner);
			if (GMM_ID_NODE(owner) != node || GMM_ID_INC(owner) != inc)
				continue;
			mcs_wr32(&sh->st, GMM_ST(GMM_E_FREE, 0, 0));
			/*
			 * Its section's count, a cache of its live sharers:
			 * one less. A recoverer that dies between the two
			 * writes leaves it one too high; its successor is a
			 * restart, which counts the partition again.
			 */
			sec = mcs_rd32(&sh->section);
			if (sec < r->g.sections) {
				cnt = mcs_rd32(&gmm_section(r, p, sec)->nr_sharers);
				if (cnt)
					mcs_wr32(&gmm_section(r, p, sec)->nr_sharers,
						 cnt - 1);
			}
			if (!removed++)
				mcs_crash_point(RECOVERY_SHARERS_HALF);
		}
		if (removed)
			rep->parts_touched |= 1ULL << p;
		if (rep->restarted)
			gmm_recount_part(r, p);
		rep->sharers_removed += removed;
		gmm_unlock_part(r, p);
	}
	mcs_crash_point(RECOVERY_SHARERS);
}

/**
 * gmm_recover_inflight - recovery stage: its table locks and transactions
 * @r: the recoverer's handle
 * @rep: as filled by gmm_recovery_claim(); counts txns_rolled_*
 *
 * Every table lock it held is taken over and what it protected repaired by
 * the commit record; then its transaction slots are released.
 */
void gmm_recover_inflight(struct gmm_region *r,
			  struct gmm_recovery_report *rep)
{
	u32 node = rep->node, inc = rep->incarnation;
	struct gmm_txn_slot *slots = r->ctl->txn[node];
	u32 s, p, i;
	u64 txn;
	int ret;

	for (s = 0; s < GMM_NR_STRIPES; s++) {
		ret = gmm_lock_stripe(r, s);
		gmm_stage_error(rep, ret);
		if (!ret)
			gmm_unlock_stripe(r, s);
	}
	for (p = 0; p < r->g.nr_parts; p++) {
		ret = gmm_lock_part(r, p);
		gmm_stage_error(rep, ret);
		if (!ret)
			gmm_unlock_part(r, p);
	}
	/* A lock it may hold is not repaired: its slots must stay. */
	if (rep->error)
		return;
	for (i = 0; i < GMM_TXN_SLOTS; i++) {
		txn = mcs_rd64_acquire(&slots[i].txn);
		if (!txn || GMM_ID_NODE(txn) != node || GMM_ID_INC(txn) != inc)
			continue;
		if (mcs_rd64(&slots[i].state) == GMM_TXN_COMMITTED)
			rep->txns_rolled_forward++;
		else
			rep->txns_rolled_back++;
		mcs_wr64(&slots[i].state, 0);
		mcs_cas64(&slots[i].txn, txn, 0);
	}
	mcs_crash_point(RECOVERY_INFLIGHT);
}

/*
 * A master copy needs a new home only when its partition's memory is lost:
 * memory that survived its node stays readable and is managed by a
 * survivor. A new home is preferably the partition of a live node (less
 * likely to be lost next), else any partition whose memory is there.
 */
static u32 gmm_master_target(struct gmm_region *r, u32 from, u32 keep)
{
	u32 to, pass;
	u64 w;

	for (pass = 0; pass < 2; pass++) {
		for (to = 0; to < r->g.nr_parts; to++) {
			if (to == keep || to == from ||
			    gmm_part_state(r, to) != GMM_PART_ONLINE)
				continue;
			w = mcs_rd64_acquire(&r->ctl->node[to]);
			if (pass || GMM_NW_STATE(w) == GMM_NODE_ALIVE)
				return to;
		}
	}
	return r->g.nr_parts;
}

/**
 * gmm_recover_master - recovery stage: no master copy on a lost partition
 * @r: the recoverer's handle
 * @rep: counts master_copies_rebuilt
 *
 * A copy on a lost partition is rebuilt elsewhere, if there is anywhere.
 */
void gmm_recover_master(struct gmm_region *r, struct gmm_recovery_report *rep)
{
	u32 copy, keep, from, to;
	u64 loc;
	int ret;

	ret = gmm_lock_stripes(r);
	if (ret) {
		gmm_stage_error(rep, ret);
		return;
	}
	for (copy = 0; copy < 2; copy++) {
		loc = mcs_rd64_acquire(&r->ctl->master_loc);
		from = copy ? GMM_ML_REPLICA(loc) : GMM_ML_PRIMARY(loc);
		keep = copy ? GMM_ML_PRIMARY(loc) : GMM_ML_REPLICA(loc);
		if (from >= r->g.nr_parts || keep >= r->g.nr_parts ||
		    from == keep) {
			gmm_stage_error(rep, gmm_corrupt(r, "master location %llx",
							 (unsigned long long)loc));
			break;
		}
		if (gmm_part_state(r, from) != GMM_PART_LOST)
			continue;
		to = gmm_master_target(r, from, keep);
		/*
		 * Nowhere else: the copy stays on the lost partition, unused,
		 * and gmm_node_join() rebuilds it when the partition returns.
		 */
		if (to == r->g.nr_parts)
			continue;
		if (!gmm_master_read_copy(r))
			break; /* both copies lost: nothing to rebuild from */
		gmm_master_clone(r, to);
		mcs_wr64_release(&r->ctl->master_loc,
				 GMM_ML(copy ? keep : to, copy ? to : keep,
					GMM_ML_EPOCH(loc) + 1));
		rep->master_copies_rebuilt++;
	}
	gmm_unlock_stripes(r);
	mcs_crash_point(RECOVERY_MASTER);
}

/*
 * Free a destroyed segment if nobody shares it; its own transaction.
 * Return: 1 if freed, 0 if not, or an error of a lock or a slot.
 */
static int gmm_free_if_unshared(struct gmm_region *r, u64 gid, u32 p,
				u32 sec)
{
	u32 st = gmm_stripe_of(gid), idx, free_idx, est;
	struct gmm_master_entry *m;
	struct gmm_section *s;
	struct gmm_txn t;
	int ret;

	ret = gmm_txn_begin(r, &t, gid);
	if (ret)
		return ret;
	ret = gmm_lock_stripe(r, st);
	if (ret)
		goto out_txn;
	if (gmm_master_find(r, gid, &idx, &free_idx))
		goto out;
	m = gmm_master_read_copy(r) + idx;
	if (mcs_rd16(&m->part) != p || mcs_rd32(&m->section) != sec)
		goto out;
	ret = gmm_lock_part(r, p);
	if (ret)
		goto out;
	s = gmm_section(r, p, sec);
	est = mcs_rd32(&s->st);
	if (GMM_ST_STATE(est) == GMM_E_LIVE && mcs_rd64(&s->gid) == gid &&
	    (GMM_ST_FLAGS(est) & GMM_F_DESTROYED) &&
	    !mcs_rd32(&s->nr_sharers)) {
		gmm_tag(&s->txn, &s->st, t.id,
			GMM_ST(GMM_E_LIVE, GMM_P_FREE, GMM_ST_FLAGS(est)));
		gmm_master_tag(r, idx, t.id, GMM_P_FREE);
		gmm_txn_commit(r, &t);
		gmm_master_settle(r, idx, true);
		gmm_settle_section(r, p, sec, true);
		ret = 1;
	}
	gmm_unlock_part(r, p);
out:
	gmm_unlock_stripe(r, st);
out_txn:
	gmm_txn_end(r, &t);
	return ret;
}

/**
 * gmm_recover_free - recovery stage: destroyed, unshared segments are freed
 * @r: the recoverer's handle
 * @rep: counts sections_freed
 */
void gmm_recover_free(struct gmm_region *r, struct gmm_recovery_report *rep)
{
	struct gmm_section *s;
	u32 p, i, n, st;
	u64 gid;
	int ret;

	for (p = 0; p < r->g.nr_parts; p++) {
		/* Only where it shared: elsewhere nothing lost its last one. */
		if (!rep->restarted && !(rep->parts_touched & (1ULL << p)))
			continue;
		n = mcs_rd32(&r->ctl->part[p].section_hwm);
		n = n > r->g.sections ? r->g.sections : n;
		for (i = 0; i < n; i++) {
			if (gmm_part_state(r, p) == GMM_PART_LOST)
				break;
			/* An unlocked look; gmm_free_if_unshared() re-checks. */
			s = gmm_section(r, p, i);
			st = mcs_rd32(&s->st);
			if (GMM_ST_STATE(st) != GMM_E_LIVE ||
			    !(GMM_ST_FLAGS(st) & GMM_F_DESTROYED) ||
			    mcs_rd32(&s->nr_sharers))
				continue;
			gid = mcs_rd64(&s->gid);
			ret = gmm_free_if_unshared(r, gid, p, i);
			if (ret > 0)
				rep->sections_freed++;
			gmm_stage_error(rep, ret < 0 ? ret : 0);
		}
	}
	mcs_crash_point(RECOVERY_FREE);
}

/*
 * The partition stage on resource loss revokes every segment homed in the
 * lost partition, one transaction each, reporting it between tag and
 * commit. A recoverer that dies before its commit has its tag rolled back
 * and the segment is reported again by its successor; after the commit,
 * it was reported. So every revoked segment is reported at least once,
 * and twice only when a recoverer dies in that window.
 *
 * Two ways to find them, the cheaper is taken: the home index names the
 * master entry of each of the partition's sections (a visit per section
 * in use, each a cache miss in the master copies), or a walk of the whole
 * master table, stripe by stripe (a sequential read of every entry).
 */
#define GMM_REVOKE_WALK_RATIO 32 /* a home visit costs ~32 walked entries */

/*
 * Revoke live master entry @idx of locked stripe @s in transaction @t,
 * reporting it between tag and commit; unlocks and ends @t.
 */
static void gmm_revoke_entry(struct gmm_region *r, u32 s, u32 idx,
			     struct gmm_txn *t, struct gmm_recovery_report *rep)
{
	u64 gid = mcs_rd64(&gmm_master_read_copy(r)[idx].gid);

	gmm_master_tag(r, idx, t->id, GMM_P_FREE);
	if (rep->revoked)
		rep->revoked(rep->arg, gid);
	gmm_txn_commit(r, t);
	gmm_master_settle(r, idx, true);
	rep->sections_revoked++;
	gmm_unlock_stripe(r, s);
	gmm_txn_end(r, t);
	mcs_crash_point(RECOVERY_REVOKE_HALF);
}

/* By the home index: an entry is trusted only if its master entry agrees. */
static void gmm_revoke_by_home(struct gmm_region *r, u32 lost, u32 n,
			       struct gmm_recovery_report *rep)
{
	u32 total = r->g.per_stripe * GMM_NR_STRIPES;
	__le32 *home = gmm_home(r, lost);
	struct gmm_master_entry *m;
	u32 sec, idx, s;
	struct gmm_txn t;
	int ret;

	for (sec = 0; sec < n; sec++) {
		idx = mcs_rd32(&home[sec]);
		if (!idx--)
			continue;
		if (idx >= total) {
			gmm_stage_error(rep, gmm_corrupt(r, "home index of partition %u section %u: %u",
							 lost, sec, idx + 1));
			continue;
		}
		s = idx / r->g.per_stripe;
		ret = gmm_txn_begin(r, &t, 0);
		if (ret) {
			gmm_stage_error(rep, ret);
			return;
		}
		ret = gmm_lock_stripe(r, s);
		if (ret) {
			gmm_stage_error(rep, ret);
			gmm_txn_end(r, &t);
			continue;
		}
		m = gmm_master_read_copy(r);
		if (!m || GMM_ST_STATE(mcs_rd32(&m[idx].st)) != GMM_E_LIVE ||
		    mcs_rd16(&m[idx].part) != lost ||
		    mcs_rd32(&m[idx].section) != sec) {
			gmm_unlock_stripe(r, s);
			gmm_txn_end(r, &t);
			continue;
		}
		gmm_revoke_entry(r, s, idx, &t, rep);
	}
}

static void gmm_revoke_by_table(struct gmm_region *r, u32 lost,
				struct gmm_recovery_report *rep)
{
	struct gmm_master_entry *m;
	u32 s, i, end;
	struct gmm_txn t;
	int ret;

	for (s = 0; s < GMM_NR_STRIPES; s++) {
		i = s * r->g.per_stripe;
		end = i + r->g.per_stripe;
		/* One entry revoked a round, the next round starts after it. */
		for (; i < end; i++) {
			ret = gmm_txn_begin(r, &t, 0);
			if (ret) {
				gmm_stage_error(rep, ret);
				return;
			}
			ret = gmm_lock_stripe(r, s);
			if (ret) {
				gmm_stage_error(rep, ret);
				gmm_txn_end(r, &t);
				break;
			}
			m = gmm_master_read_copy(r);
			for (; m && i < end; i++)
				if (GMM_ST_STATE(mcs_rd32(&m[i].st)) ==
					    GMM_E_LIVE &&
				    mcs_rd16(&m[i].part) == lost)
					break;
			if (!m || i == end) {
				gmm_unlock_stripe(r, s);
				gmm_txn_end(r, &t);
				break;
			}
			gmm_revoke_entry(r, s, i, &t, rep);
		}
	}
}

static void gmm_recover_revoke(struct gmm_region *r, u32 lost,
			       struct gmm_recovery_report *rep)
{
	u32 n = mcs_rd32(&r->ctl->part[lost].section_hwm);

	n = n > r->g.sections ? r->g.sections : n;
	if ((u64)n * GMM_REVOKE_WALK_RATIO <
	    (u64)r->g.per_stripe * GMM_NR_STRIPES)
		gmm_revoke_by_home(r, lost, n, rep);
	else
		gmm_revoke_by_table(r, lost, rep);
}

/**
 * gmm_recover_partition - recovery stage: its partitions change hands
 * @r: the recoverer's handle
 * @rep: as filled by gmm_recovery_claim(); counts sections_revoked and
 *	calls rep->revoked for each, sets partition_taken_over
 *
 * The dead node's partition is revoked if its memory is lost, and every
 * surviving partition it managed (its own, and any it had taken over from
 * nodes that died before) is taken over by this node.
 */
void gmm_recover_partition(struct gmm_region *r,
			   struct gmm_recovery_report *rep)
{
	u32 node = rep->node;
	__le64 *pw;
	u32 p;
	u64 w;

	if (gmm_part_state(r, node) == GMM_PART_LOST)
		gmm_recover_revoke(r, node, rep);
	for (p = 0; p < r->g.nr_parts; p++) {
		pw = &r->ctl->part[p].word;
		do {
			w = mcs_rd64_acquire(pw);
			if (GMM_PW_STATE(w) != GMM_PART_ONLINE ||
			    GMM_PW_MANAGER(w) != node)
				break;
		} while (mcs_cas64(pw, w, GMM_PW(GMM_PART_ONLINE, r->node,
						  GMM_PW_GEN(w))) != w);
		if (p == node && GMM_PW_STATE(w) == GMM_PART_ONLINE)
			rep->partition_taken_over = true;
	}
	mcs_crash_point(RECOVERY_PARTITION);
}

/**
 * gmm_recovery_claim - become the recoverer of a dead node's last incarnation
 * @r: a joined handle of a live node
 * @node: the dead node (gmm_node_down() was called for it)
 * @rep: zeroed by the caller; gets node, incarnation and the claim
 *
 * Return: 0 when claimed (run the stages, then gmm_recovery_finish()); 1
 * if there is nothing to do (never joined, or clean already); -EBUSY if
 * @node is alive; -EINPROGRESS if another live node is recovering it;
 * -EINVAL; -ENOTCONN.
 */
int gmm_recovery_claim(struct gmm_region *r, u32 node,
		       struct gmm_recovery_report *rep)
{
	u64 w;
	int ret;

	if (!gmm_joined(r))
		return -ENOTCONN;
	if (node >= r->g.nr_parts || node == r->node)
		return -EINVAL;
	ret = gmm_claim(r, node, &w, &rep->restarted);
	if (ret)
		return ret;
	rep->node = node;
	rep->incarnation = GMM_NW_INC(w);
	rep->claim = w;
	rep->memory_lost = w & GMM_NW_LOST;
	return 0;
}

/**
 * gmm_recovery_finish - the claimed node is recovered: it may rejoin
 * @r: the recoverer's handle
 * @rep: as filled by gmm_recovery_claim() and the stages
 *
 * Membership may learn that the memory is lost too while the stages run
 * (the node word gains GMM_NW_LOST): then the claim is updated and the
 * stages must run again; being idempotent they only add the revocation.
 *
 * Return: 0 when the node word says CLEAN; -EAGAIN when the stages must
 * run again (memory_lost is now set); -EINPROGRESS if the claim was lost;
 * a stage's error (rep->error: -EUCLEAN for a corrupt region, -EBUSY):
 * the node stays RECOVERING under this claim, for a later call to redo.
 */
int gmm_recovery_finish(struct gmm_region *r, struct gmm_recovery_report *rep)
{
	u64 w = rep->claim, cur;

	if (rep->error)
		return rep->error;
	cur = mcs_cas64(&r->ctl->node[rep->node], w,
			GMM_NW(GMM_NODE_CLEAN, rep->incarnation, 0, 0) |
				(w & GMM_NW_LOST));
	if (cur == w)
		return 0;
	if (cur != (w | GMM_NW_LOST))
		return -EINPROGRESS; /* not ours any more */
	rep->claim = cur;
	rep->memory_lost = true;
	return -EAGAIN;
}
