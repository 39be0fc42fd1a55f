/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notifyq.h - a subscriber's queue of cluster event records, as
 * applications read them (struct mcs_notify_rec), with nothing lost
 * silently: records that do not fit are counted and come out as one
 * MCS_EV_OVERRUN record in their place, after the ones queued before.
 *
 * No locking here: the user serialises pushes, peeks and pops (the uapi
 * driver under a spinlock per file). See Documentation/uapi.md.
 */
#ifndef MCS_NOTIFYQ_H
#define MCS_NOTIFYQ_H

#include "events.h"

#define MCS_NOTIFYQ_LEN 64

struct mcs_notifyq {
	u32 head, count;
	u64 missed;	/* records lost since the queue filled */
	u64 missed_seq;	/* the first of them */
	struct mcs_notify_rec rec[MCS_NOTIFYQ_LEN];
};

void mcs_notifyq_push(struct mcs_notifyq *q, const struct mcs_event *ev);
bool mcs_notifyq_peek(struct mcs_notifyq *q, struct mcs_notify_rec *rec);
void mcs_notifyq_pop(struct mcs_notifyq *q);

/* Is anything to read? (Also fine as a lockless hint.) */
static inline bool mcs_notifyq_pending(const struct mcs_notifyq *q)
{
	return READ_ONCE(q->count) || READ_ONCE(q->missed);
}

#endif /* MCS_NOTIFYQ_H */
