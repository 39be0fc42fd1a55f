// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - the cluster event log of a gmm region: where it is, its
 * recovery stage and its checker.
 */
#include "events.h"
#include "../gmm/gmm.h"

_Static_assert(sizeof(struct mcs_event_log) == GMM_EVENT_LOG_SIZE,
	       "gmm sizes the event log");

/**
 * cev_log - the region's cluster event log
 * @r: the handle
 */
struct mcs_event_log *cev_log(struct gmm_region *r)
{
	return gmm_event_area(r);
}

/**
 * cev_region_open - open the event service of a region's handle
 * @r: the handle (its glock context names the node)
 * @out: the service
 *
 * Return: as cev_open().
 */
int cev_region_open(struct gmm_region *r, struct mcs_events **out)
{
	return cev_open(cev_log(r), gmm_glock_ctx(r), out);
}

/**
 * cev_recover - recovery stage: what a dead node held in the event log
 * @r: the recoverer's handle
 * @node: the dead node
 * @incarnation: its dead incarnation
 *
 * Breaks the log lock if it held it (a post it was making is dropped or
 * complete, never half visible: the sequence word is written last), and
 * forgets its LEAVING subscribers, which will never acknowledge.
 *
 * Return: how many locks it held (0 or 1).
 */
u32 cev_recover(struct gmm_region *r, u32 node, u32 incarnation)
{
	struct mcs_event_log *log = cev_log(r);
	u32 n = (u32)glock_break(&log->lock, node, incarnation);

	mcs_wr32(&log->leave_subs[node], 0);
	return n;
}

/**
 * cev_check - the event log's invariants
 * @r: the handle
 * @rep: the report violations are counted in
 *
 * The log lock is never owner-dead or unrecoverable; the last record
 * posted is in its slot (a post publishes the record before the log's
 * sequence number); every published record is in the slot of its number,
 * not past the next one to be posted, and of a known type. Taken without
 * the log lock: a post meanwhile may only add the next record.
 */
void cev_check(struct gmm_region *r, struct gmm_check_report *rep)
{
	struct mcs_event_log *log = cev_log(r);
	struct mcs_event_rec *rec;
	u64 seq, n;
	u32 i, ty;

	gmm_check_lock(r, rep, &log->lock, "event log", 0, true);
	seq = mcs_rd64_acquire(&log->seq);
	rec = &log->rec[seq & (MCS_EVENT_LOG_LEN - 1)];
	n = mcs_rd64_acquire(&rec->seq);
	/* Lapped by 64 posts meanwhile, the log is no longer at seq. */
	if (seq && n != seq && mcs_rd64_acquire(&log->seq) == seq)
		gmm_check_violation(rep, "event log is at record %llu, its slot holds record %llu",
				    (unsigned long long)seq,
				    (unsigned long long)n);
	for (i = 0; i < MCS_EVENT_LOG_LEN; i++) {
		rec = &log->rec[i];
		n = mcs_rd64_acquire(&rec->seq);
		if (!n)
			continue; /* never used, or being written */
		ty = mcs_rd32(&rec->type);
		seq = mcs_rd64_acquire(&log->seq);
		if ((n & (MCS_EVENT_LOG_LEN - 1)) != i ||
		    (n > seq && n - seq > 1))
			gmm_check_violation(rep, "event log slot %u holds record %llu, the log is at %llu",
					    i, (unsigned long long)n,
					    (unsigned long long)seq);
		else if (!cev_type_ok(ty) && mcs_rd64(&rec->seq) == n)
			gmm_check_violation(rep, "event record %llu has a bad type %u",
					    (unsigned long long)n, ty);
	}
}
