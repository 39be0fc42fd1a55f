/* SPDX-License-Identifier: GPL-2.0 */
/*
 * member.h - what membership changes do, in which order.
 *
 * The membership service (mcsd through the control device; a test
 * harness in user space) calls these on one surviving node:
 *
 *   crash          gmm_node_down, gmm_recover (every table consistent, its
 *                  locks broken), gns_recover (the name table settled,
 *                  names of revoked segments removed), then post
 *                  NODE_DOWN, RESOURCE_LOST (if its memory died),
 *                  RECOVERY_DONE: subscribers are told only once recovery
 *                  is complete.
 *   planned leave  post LEAVING (with the grace period), wait until every
 *                  subscriber acknowledged or the grace period ran out,
 *                  then revoke and recover as for a crash with its memory
 *                  gone, and post NODE_DOWN (planned), RESOURCE_LOST,
 *                  RECOVERY_DONE.
 *   join           gmm_node_join by the node itself, then post NODE_UP.
 */
#ifndef MCS_MEMBER_H
#define MCS_MEMBER_H

#include "../events/events.h"
#include "../gmm/gmm.h"
#include "../gns/gns.h"

struct mcs_leave_report {
	u64 seq;	    /* of the MCS_EV_LEAVING event */
	u32 acks;	    /* acknowledgements received in time */
	u32 expected;	    /* subscribers told */
	bool grace_expired; /* revoked without every acknowledgement */
	u32 revoked;	    /* segments lost with its partition */
};

int mcs_node_crashed(struct gmm_region *r, struct mcs_events *es, u32 node,
		     u32 incarnation, bool memory_lost);
int mcs_planned_leave(struct gmm_region *r, struct mcs_events *es, u32 node,
		      u64 grace_ns, struct mcs_leave_report *report);
int mcs_node_joined(struct gmm_region *r, struct mcs_events *es);
int mcs_node_recovered(struct mcs_events *es, u32 node, u32 incarnation,
		       bool memory_lost, u32 flags, u32 revoked);

#endif /* MCS_MEMBER_H */
