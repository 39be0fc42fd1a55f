/* SPDX-License-Identifier: GPL-2.0 */
/*
 * member.h - what membership changes do, in which order.
 *
 * The membership service (mcsd through the control device; the torture,
 * the demos and the tests in user space) calls these on one surviving
 * node:
 *
 *   crash          member_crashed(): gmm_node_down(), then the one
 *                  recovery sequence member_recover() (recovery.c), which
 *                  recovers every component's state in its own stage and
 *                  only then posts NODE_DOWN, RESOURCE_LOST (if its memory
 *                  died), RECOVERY_DONE.
 *   planned leave  member_planned_leave(): member_leave_announce() posts
 *                  LEAVING (with the grace
 *                  period), wait until every subscriber acknowledged or
 *                  the grace period ran out, then declare it down with its
 *                  memory gone and run member_recover() (events flagged
 *                  MCS_EVF_PLANNED).
 *   join           gmm_node_join() by the node itself, then
 *                  member_joined() posts NODE_UP.
 */
#ifndef MCS_MEMBER_H
#define MCS_MEMBER_H

#include "../events/events.h"
#include "../gmm/gmm.h"
#include "../gns/gns.h"
#include "../gsync/gsync.h"

enum member_stage {
	MEMBER_STAGE_CLAIM,
	MEMBER_STAGE_SHARERS,
	MEMBER_STAGE_INFLIGHT,
	MEMBER_STAGE_MASTER,
	MEMBER_STAGE_FREE,
	MEMBER_STAGE_PARTITION,
	MEMBER_STAGE_SYNC,
	MEMBER_STAGE_EVENTS,
	MEMBER_STAGE_NAMES,
	MEMBER_STAGE_TELL,
	MEMBER_STAGE_FINISH,
	MEMBER_NR_STAGES
};

/* Told after every stage: its accumulated time and what it did. */
typedef void (*member_log_fn)(void *arg, u32 node, u32 stage, u64 ns,
			      const char *what);

struct member_recovery {
	/* in */
	u32 flags; /* MCS_EVF_PLANNED at the end of a planned leave */
	member_log_fn log; /* may be NULL */
	void *log_arg;
	/* out */
	u32 node;
	u32 incarnation; /* 0: there was nothing to do */
	bool memory_lost;
	bool told;
	u32 runs; /* the stages ran again when memory loss came late */
	struct gmm_recovery_report gmm; /* in: gmm.revoked, gmm.arg */
	u32 sync_locks_broken;
	u32 event_locks_broken;
	struct gns_recovery_report gns;
	u64 stage_ns[MEMBER_NR_STAGES];
};

int member_recover(struct gmm_region *r, u32 node, struct member_recovery *rec);
int member_check(struct gmm_region *r, struct gmm_check_report *rep,
		 struct gns_check_report *names);
const char *member_stage_name(u32 stage);

struct member_leave_report {
	u64 seq; /* of the MCS_EV_LEAVING event */
	u32 acks; /* acknowledgements received in time */
	u32 expected; /* subscribers told */
	bool grace_expired; /* revoked without every acknowledgement */
	u32 revoked; /* segments lost with its partition */
};

/* A node's memory of another's lease word (lease.c). */
struct member_lease_view {
	u64 word;
	u64 since_ns; /* when this node first saw it hold that value */
	bool seen;
};

int member_lease_set(struct gmm_region *r, bool held);
int member_lease_renew(struct gmm_region *r);
int member_lease_observe(struct gmm_region *r, u32 node,
			 struct member_lease_view *view, u64 now_ns);
u64 member_lease_wait_ns(struct gmm_region *r, u32 node, u32 inc,
			 struct member_lease_view *view, u64 now_ns);

int member_leave_announce(struct mcs_events *es, u32 node, u32 incarnation,
			  u64 grace_ns, struct member_leave_report *report);
int member_crashed(struct gmm_region *r, u32 node, u32 incarnation,
		   bool memory_lost, struct member_recovery *rec);
int member_planned_leave(struct gmm_region *r, struct mcs_events *es, u32 node,
			 u64 grace_ns, struct member_leave_report *report);
int member_joined(struct gmm_region *r);

/* Inside the layer: post one event. */
int member_post(struct mcs_events *es, u32 type, u32 node, u32 inc, u32 flags,
		u64 arg);

#endif /* MCS_MEMBER_H */
