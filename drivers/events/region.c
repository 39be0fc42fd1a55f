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
 */
void cev_check(struct gmm_region *r, struct gmm_check_report *rep)
{
	gmm_check_lock(r, rep, &cev_log(r)->lock, "event log", 0, true);
}
