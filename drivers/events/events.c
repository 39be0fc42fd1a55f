// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - the cluster event log and the per-node event service.
 *
 * Posting: under the log's glock, write the record at seq+1, then its
 * sequence number (release), then the log's sequence number (release),
 * then wake sleepers. A poster that dies leaves at most a record whose
 * number is not yet published: the next poster overwrites it.
 *
 * Reading takes no lock: a record is copied, then its sequence number is
 * read again; if it changed, a poster lapped this reader and the missed
 * records are reported as one MCS_EV_OVERRUN.
 *
 * A struct mcs_events is used by one thread at a time (in the kernel,
 * under the base driver's mutex).
 */
#include "events.h"

struct mcs_event_sub {
	struct mcs_event_sub *next;
	u32 mask;
	mcs_event_fn fn;
	void *arg;
};

struct mcs_events {
	struct mcs_event_log *log;
	const struct glock_ctx *ctx;
	u64 seen; /* last sequence number delivered here */
	struct mcs_event_sub *subs;
	u64 corrupt; /* bad records and sequence numbers met */
};

/* A value of the log cannot be right: count it, log the first. */
static int cev_corrupt(struct mcs_events *es, const char *what, u64 v)
{
	if (!es->corrupt++)
		mcs_err("corrupt event log: %s %llu (further ones are only counted)\n",
			what, (unsigned long long)v);
	return -EUCLEAN;
}

/**
 * cev_corruptions - how many corrupt log values this service has met
 * @es: the service
 *
 * Records of an unknown type are skipped, a sequence number that went
 * back or cannot advance is not followed (Documentation/events.md).
 */
u64 cev_corruptions(struct mcs_events *es)
{
	return es->corrupt;
}

/**
 * cev_open - start a node's event service on a region's event log
 * @log: the log, in the fabric
 * @ctx: the node's glock context (posting takes the log's lock)
 * @out: the new service
 *
 * Events posted before the open are not delivered.
 *
 * Return: 0 or -ENOMEM.
 */
int cev_open(struct mcs_event_log *log, const struct glock_ctx *ctx,
	     struct mcs_events **out)
{
	struct mcs_events *es = mcs_os_zalloc(sizeof(*es));

	if (!es)
		return -ENOMEM;
	es->log = log;
	es->ctx = ctx;
	es->seen = mcs_rd64_acquire(&log->seq);
	*out = es;
	return 0;
}

/**
 * cev_close - stop the service; every subscription is dropped
 * @es: the service
 */
void cev_close(struct mcs_events *es)
{
	while (es->subs)
		cev_unsubscribe(es, es->subs);
	mcs_os_free(es);
}

static void mcs_leave_subs_add(struct mcs_events *es, u32 mask, s32 delta)
{
	if (!(mask & MCS_EV_MASK(MCS_EV_LEAVING)) ||
	    es->ctx->node >= MCS_MAX_NODES)
		return;
	mcs_fadd32(&es->log->leave_subs[es->ctx->node], (u32)delta);
}

/**
 * cev_subscribe - be called for events of the types in @mask
 * @es: the service
 * @mask: MCS_EV_MASK() of each type wanted, or MCS_EV_ALL
 * @fn: called by cev_dispatch(), in sequence order
 * @arg: passed to @fn
 * @out: the subscription, for cev_unsubscribe()
 *
 * A subscriber to MCS_EV_LEAVING is counted in the fabric: a planned
 * leave waits for its cev_ack() (or the grace period).
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int cev_subscribe(struct mcs_events *es, u32 mask, mcs_event_fn fn, void *arg,
		  struct mcs_event_sub **out)
{
	struct mcs_event_sub *sub;

	if (!fn || !(mask & MCS_EV_ALL) || (mask & ~MCS_EV_ALL))
		return -EINVAL;
	sub = mcs_os_zalloc(sizeof(*sub));
	if (!sub)
		return -ENOMEM;
	sub->mask = mask;
	sub->fn = fn;
	sub->arg = arg;
	sub->next = es->subs;
	es->subs = sub;
	mcs_leave_subs_add(es, mask, 1);
	if (out)
		*out = sub;
	return 0;
}

static void mcs_event_unlink(struct mcs_events *es, struct mcs_event_sub *sub,
			     bool uncount)
{
	struct mcs_event_sub **pp;

	for (pp = &es->subs; *pp; pp = &(*pp)->next) {
		if (*pp != sub)
			continue;
		*pp = sub->next;
		if (uncount)
			mcs_leave_subs_add(es, sub->mask, -1);
		mcs_os_free(sub);
		return;
	}
}

/**
 * cev_unsubscribe - drop a subscription
 * @es: the service
 * @sub: a subscription of @es
 *
 * A subscriber to MCS_EV_LEAVING is uncounted in the fabric.
 */
void cev_unsubscribe(struct mcs_events *es, struct mcs_event_sub *sub)
{
	mcs_event_unlink(es, sub, true);
}

/**
 * cev_unsubscribe_local - drop a subscription without touching the fabric
 * @es: the service
 * @sub: a subscription of @es
 *
 * For a node that may not touch the fabric (frozen): a subscriber to
 * MCS_EV_LEAVING stays counted until the node is recovered, which zeroes
 * its count (cev_recover()); planned leaves meanwhile wait out their
 * grace period.
 */
void cev_unsubscribe_local(struct mcs_events *es, struct mcs_event_sub *sub)
{
	mcs_event_unlink(es, sub, false);
}

static void mcs_event_wake(struct mcs_event_log *log)
{
	mcs_fadd32(&log->wake, 1);
	mcs_os_wake_all(&log->wake);
}

/* Subscribers to planned leave, on every node, at the time of posting. */
static u32 mcs_leave_expected(struct mcs_event_log *log)
{
	u32 i, n = 0;

	for (i = 0; i < MCS_MAX_NODES; i++)
		n += mcs_rd32(&log->leave_subs[i]);
	return n;
}

/**
 * cev_post - append an event to the cluster log
 * @es: the service
 * @ev: type, node, incarnation, flags, arg (its seq is ignored)
 * @seq: if not NULL, the sequence number it got
 *
 * Every node's service delivers it at its next cev_dispatch(),
 * this one's included.
 *
 * Return: 0, -EINVAL, an error of the log's lock, or -EUCLEAN if the
 * log's sequence number cannot advance.
 */
int cev_post(struct mcs_events *es, const struct mcs_event *ev, u64 *seq)
{
	struct mcs_event_log *log = es->log;
	struct mcs_event_rec *rec;
	int ret;
	u64 n;

	if (!cev_type_ok(ev->type))
		return -EINVAL;
	ret = glock_lock(es->ctx, &log->lock);
	/* An unpublished record is all a dead poster can leave. */
	if (ret == -EOWNERDEAD)
		ret = glock_consistent(es->ctx, &log->lock);
	if (ret)
		return ret;
	n = mcs_rd64(&log->seq) + 1;
	if (!n) {
		glock_unlock(es->ctx, &log->lock);
		return cev_corrupt(es, "sequence number", n - 1);
	}
	rec = &log->rec[n & (MCS_EVENT_LOG_LEN - 1)];
	mcs_wr64(&rec->seq, 0);
	mcs_os_mb();
	mcs_wr32(&rec->type, ev->type);
	mcs_wr32(&rec->node, ev->node);
	mcs_wr32(&rec->incarnation, ev->incarnation);
	mcs_wr32(&rec->flags, ev->flags);
	mcs_wr64(&rec->arg, ev->arg);
	mcs_wr32(&rec->acks, 0);
	mcs_wr32(&rec->expected,
		 ev->type == MCS_EV_LEAVING ? mcs_leave_expected(log) : 0);
	mcs_wr64_release(&rec->seq, n);
	mcs_wr64_release(&log->seq, n);
	glock_unlock(es->ctx, &log->lock);
	mcs_event_wake(log);
	if (seq)
		*seq = n;
	return 0;
}

static void mcs_event_deliver(struct mcs_events *es, const struct mcs_event *ev)
{
	struct mcs_event_sub *sub, *next;

	/* Only known types: MCS_EV_MASK() shifts by the type. */
	for (sub = es->subs; sub; sub = next) {
		next = sub->next; /* a callback may unsubscribe itself */
		if (ev->type == MCS_EV_OVERRUN ||
		    (cev_type_ok(ev->type) &&
		     (sub->mask & MCS_EV_MASK(ev->type))))
			sub->fn(sub->arg, ev);
	}
}

/* Copy record @n; false if it has been overwritten (or is not there). */
static bool mcs_event_read(struct mcs_event_log *log, u64 n,
			   struct mcs_event *ev)
{
	struct mcs_event_rec *rec = &log->rec[n & (MCS_EVENT_LOG_LEN - 1)];

	if (mcs_rd64_acquire(&rec->seq) != n)
		return false;
	ev->seq = n;
	ev->type = mcs_rd32(&rec->type);
	ev->node = mcs_rd32(&rec->node);
	ev->incarnation = mcs_rd32(&rec->incarnation);
	ev->flags = mcs_rd32(&rec->flags);
	ev->arg = mcs_rd64(&rec->arg);
	mcs_os_mb();
	return mcs_rd64(&rec->seq) == n;
}

/**
 * cev_dispatch - deliver every event posted since the last call
 * @es: the service
 *
 * Subscribers are called in sequence order, from this thread. Records
 * overwritten before they were read are reported as one MCS_EV_OVERRUN
 * (arg: how many), delivered to every subscriber. A call handles at most
 * one lap of the log (MCS_EVENT_LOG_LEN records and an overrun), so a
 * sequence number that runs ahead cannot keep it here: call again while
 * cev_wait() says events are waiting. A record of an unknown type is
 * skipped, a sequence number that went back is taken as it is; both
 * count as corrupt (cev_corruptions()).
 *
 * Return: the number of events delivered.
 */
int cev_dispatch(struct mcs_events *es)
{
	u64 last = mcs_rd64_acquire(&es->log->seq), n, oldest, to;
	u32 rounds = 0;
	struct mcs_event ev;
	int count = 0;

	if (last < es->seen) {
		cev_corrupt(es, "sequence number went back to", last);
		es->seen = last;
		return 0;
	}
	while (es->seen < last && rounds++ <= MCS_EVENT_LOG_LEN) {
		n = es->seen + 1;
		if (last - n < MCS_EVENT_LOG_LEN &&
		    mcs_event_read(es->log, n, &ev)) {
			es->seen = n;
			if (!cev_type_ok(ev.type)) {
				cev_corrupt(es, "type of record", n);
				continue;
			}
			count++;
			mcs_event_deliver(es, &ev);
			continue;
		}
		/* Lapped: resume after the oldest slot, which may be in use. */
		last = mcs_rd64_acquire(&es->log->seq);
		oldest = last >= MCS_EVENT_LOG_LEN ?
				 last - MCS_EVENT_LOG_LEN + 1 :
				 1;
		to = oldest > n ? oldest : n; /* missed n..to */
		memset(&ev, 0, sizeof(ev));
		ev.seq = n;
		ev.type = MCS_EV_OVERRUN;
		ev.arg = to - n + 1;
		es->seen = to;
		count++;
		mcs_event_deliver(es, &ev);
	}
	return count;
}

/**
 * cev_wait - sleep until an event may have been posted or acked
 * @es: the service
 * @timeout_ns: at most this long
 *
 * Return: 1 if events are waiting for cev_dispatch(), else 0.
 */
int cev_wait(struct mcs_events *es, u64 timeout_ns)
{
	u32 w = mcs_rd32_acquire(&es->log->wake);

	if (mcs_rd64_acquire(&es->log->seq) != es->seen)
		return 1;
	mcs_os_wait32(&es->log->wake, w, timeout_ns);
	return mcs_rd64_acquire(&es->log->seq) != es->seen;
}

/**
 * cev_seq - the sequence number of the last event in the log
 * @es: the service
 */
u64 cev_seq(struct mcs_events *es)
{
	return mcs_rd64_acquire(&es->log->seq);
}

/**
 * cev_seen - the sequence number of the last event dispatched here
 * @es: the service
 *
 * A subscription added now receives exactly the events after it (and
 * OVERRUN if it is lapped).
 */
u64 cev_seen(struct mcs_events *es)
{
	return es->seen;
}

static struct mcs_event_rec *mcs_leave_rec(struct mcs_events *es, u64 seq)
{
	struct mcs_event_rec *rec =
		&es->log->rec[seq & (MCS_EVENT_LOG_LEN - 1)];

	if (!seq || mcs_rd64_acquire(&rec->seq) != seq ||
	    mcs_rd32(&rec->type) != MCS_EV_LEAVING)
		return NULL;
	return rec;
}

/**
 * cev_ack - a subscriber is ready for a planned leave to proceed
 * @es: the service
 * @seq: the MCS_EV_LEAVING event's sequence number
 *
 * Return: 0, or -ENOENT if the record is gone (the leave went ahead).
 */
int cev_ack(struct mcs_events *es, u64 seq)
{
	struct mcs_event_rec *rec = mcs_leave_rec(es, seq);

	if (!rec)
		return -ENOENT;
	mcs_fadd32(&rec->acks, 1);
	mcs_event_wake(es->log);
	return 0;
}

/**
 * cev_leave_status - acknowledgements of a planned leave so far
 * @es: the service
 * @seq: the MCS_EV_LEAVING event's sequence number
 * @acks: subscribers that acknowledged
 * @expected: subscribers there were when it was posted
 *
 * Return: 0 or -ENOENT.
 */
int cev_leave_status(struct mcs_events *es, u64 seq, u32 *acks, u32 *expected)
{
	struct mcs_event_rec *rec = mcs_leave_rec(es, seq);

	if (!rec)
		return -ENOENT;
	*acks = mcs_rd32(&rec->acks);
	*expected = mcs_rd32(&rec->expected);
	return 0;
}
