/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.h - cluster events: node-down, node-up, resource-lost,
 * recovery-done and planned leave, for components and applications.
 *
 * Events are records in a ring in the fabric with a cluster-wide sequence
 * number, so a node learns of events it did not witness (posted on other
 * nodes) in the order they were posted. Each node runs a process-local
 * service (struct mcs_events) that reads new records and calls its
 * subscribers in sequence order. The ordering rules (crash: recover first,
 * then tell; planned leave: tell first, grace period, then revoke) are
 * kept by the membership layer (drivers/member).
 *
 * See Documentation/events.md.
 */
#ifndef MCS_EVENTS_H
#define MCS_EVENTS_H

#include "../glock/glock.h"
#include <linux/mcs.h>

/*
 * The event types (MCS_EV_*), MCS_EV_MASK(), MCS_EV_ALL and
 * MCS_EVF_PLANNED are part of the ABI: include/uapi/linux/mcs.h.
 */

#define MCS_EVENT_LOG_LEN 64 /* power of two */

/* A type a record may carry (MCS_EV_OVERRUN is never posted). */
static inline bool cev_type_ok(u32 type)
{
	return type >= MCS_EV_NODE_DOWN && type <= MCS_EV_LEAVING;
}

struct mcs_event_rec {
	__le64 seq; /* its sequence number; written last (release) */
	__le32 type;
	__le32 node;
	__le32 incarnation;
	__le32 flags;
	__le64 arg; /* LEAVING: grace ns; RESOURCE_LOST: segments revoked */
	__le32 acks; /* LEAVING: subscribers that acknowledged */
	__le32 expected; /* LEAVING: subscribers there were to tell */
	__le64 reserved[3];
};

struct mcs_event_log {
	struct glock lock; /* serialises posts */
	__le64 seq; /* of the last record posted; 0 = none yet */
	__le32 wake; /* sleepers wait on it: bumped by posts and acks */
	__le32 reserved0;
	__le64 reserved[6];
	/* Per node: subscribers to MCS_EV_LEAVING (they are waited for). */
	__le32 leave_subs[MCS_MAX_NODES];
	struct mcs_event_rec rec[MCS_EVENT_LOG_LEN];
};

/* An event as subscribers see it. */
struct mcs_event {
	u64 seq;
	u32 type;
	u32 node;
	u32 incarnation;
	u32 flags;
	u64 arg;
};

typedef void (*mcs_event_fn)(void *arg, const struct mcs_event *ev);

struct mcs_event_sub;
struct mcs_events;

int cev_open(struct mcs_event_log *log, const struct glock_ctx *ctx,
	     struct mcs_events **out);
void cev_close(struct mcs_events *es);
int cev_subscribe(struct mcs_events *es, u32 mask, mcs_event_fn fn, void *arg,
		  struct mcs_event_sub **out);
void cev_unsubscribe(struct mcs_events *es, struct mcs_event_sub *sub);
void cev_unsubscribe_local(struct mcs_events *es, struct mcs_event_sub *sub);
int cev_post(struct mcs_events *es, const struct mcs_event *ev, u64 *seq);
int cev_dispatch(struct mcs_events *es);
int cev_wait(struct mcs_events *es, u64 timeout_ns);
int cev_ack(struct mcs_events *es, u64 seq);
u64 cev_seq(struct mcs_events *es);
u64 cev_seen(struct mcs_events *es);
u64 cev_corruptions(struct mcs_events *es);
/* The log of a gmm region (region.c). */
struct gmm_region;
struct gmm_check_report;
struct mcs_event_log *cev_log(struct gmm_region *r);
int cev_region_open(struct gmm_region *r, struct mcs_events **out);
u32 cev_recover(struct gmm_region *r, u32 node, u32 incarnation);
void cev_check(struct gmm_region *r, struct gmm_check_report *rep);

int cev_leave_status(struct mcs_events *es, u64 seq, u32 *acks, u32 *expected);

#endif /* MCS_EVENTS_H */
