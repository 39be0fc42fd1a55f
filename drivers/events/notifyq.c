// SPDX-License-Identifier: GPL-2.0
/*
 * notifyq.c - a subscriber's queue of cluster event records (notifyq.h).
 *
 * While records are being missed, nothing new is queued: a record that
 * came after a gap must come after the OVERRUN that reports the gap. As
 * soon as there is room again (a pop, or the queue read empty) the gap
 * becomes one OVERRUN record and queuing resumes behind it.
 */
#include "notifyq.h"

static void mcs_notifyq_add(struct mcs_notifyq *q,
			    const struct mcs_notify_rec *rec)
{
	q->rec[(q->head + q->count) % MCS_NOTIFYQ_LEN] = *rec;
	q->count++;
}

/* Queue what was missed as one OVERRUN record; there is room. */
static void mcs_notifyq_add_missed(struct mcs_notifyq *q)
{
	struct mcs_notify_rec rec = {
		.size = sizeof(struct mcs_notify_rec),
		.type = MCS_EV_OVERRUN,
		.seq = q->missed_seq,
		.arg = q->missed,
	};

	mcs_notifyq_add(q, &rec);
	q->missed = 0;
}

/**
 * mcs_notifyq_push - queue an event for the subscriber, or count it missed
 * @q: the queue
 * @ev: the event; an MCS_EV_OVERRUN of the event service counts as the
 *	@ev->arg records it stands for
 */
void mcs_notifyq_push(struct mcs_notifyq *q, const struct mcs_event *ev)
{
	struct mcs_notify_rec rec = {
		.size = sizeof(struct mcs_notify_rec),
		.type = ev->type,
		.seq = ev->seq,
		.node = ev->node,
		.incarnation = ev->incarnation,
		.flags = ev->flags,
		.arg = ev->arg,
	};

	if (q->missed && q->count < MCS_NOTIFYQ_LEN)
		mcs_notifyq_add_missed(q);
	if (!q->missed && q->count < MCS_NOTIFYQ_LEN) {
		mcs_notifyq_add(q, &rec);
		return;
	}
	if (!q->missed)
		q->missed_seq = ev->seq;
	q->missed += ev->type == MCS_EV_OVERRUN ? ev->arg : 1;
}

/**
 * mcs_notifyq_peek - the oldest record, left in the queue
 * @q: the queue
 * @rec: filled with it
 *
 * With nothing queued but records missed, the OVERRUN record that reports
 * them is queued first and returned.
 *
 * Return: false if there is nothing to read.
 */
bool mcs_notifyq_peek(struct mcs_notifyq *q, struct mcs_notify_rec *rec)
{
	if (!q->count && q->missed)
		mcs_notifyq_add_missed(q);
	if (!q->count)
		return false;
	*rec = q->rec[q->head];
	return true;
}

/**
 * mcs_notifyq_pop - drop the oldest record (the one peeked at)
 * @q: the queue, not empty
 */
void mcs_notifyq_pop(struct mcs_notifyq *q)
{
	if (!q->count)
		return;
	q->head = (q->head + 1) % MCS_NOTIFYQ_LEN;
	q->count--;
}
