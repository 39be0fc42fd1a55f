// SPDX-License-Identifier: GPL-2.0
/*
 * membership.c - mcsd's membership state machine (membership.h), modelled
 * on dlm_controld: a CPG change is recorded; nothing is done about it until
 * the membership has settled (quorate, the CPG ring is the quorum ring, and
 * every member has sent START for this change); then the lowest joined
 * member declares each failed node down and recovers it, and the lowest
 * joined member admits joining nodes one at a time. Every node keeps the
 * same replicated state (failed nodes, admission queue, phases) from the
 * totally ordered CPG stream; START also carries it to newcomers.
 *
 * No Corosync and no ioctl here: everything outside goes through ops.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "membership.h"

/* CPG_REASON_LEAVE of corosync/cpg.h (mcsd.c asserts it is the same). */
#define MCSD_REASON_LEAVE 2

__attribute__((format(printf, 3, 4)))
static void sm_log(struct mcsd_sm *sm, int prio, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sm->ops->log(sm->ctx, prio, buf);
}

const char *mcsd_phase_name(uint32_t phase)
{
	static const char *const names[] = {
		"boot", "waiting", "joining", "stale",
		"joined", "fenced", "leaving", "failed",
	};

	return phase < sizeof(names) / sizeof(names[0]) ? names[phase] : "?";
}

const char *mcsd_msg_name(uint32_t type)
{
	static const char *const names[] = {
		"?", "start", "join-request", "grant", "joined", "join-failed",
		"recovered", "leaving", "stale", "fenced",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static bool valid_id(uint32_t nodeid)
{
	return nodeid >= 1 && nodeid <= MCSD_MAX_NODES;
}

static void fail(struct mcsd_sm *sm, int code)
{
	sm->phase = MCSD_PH_FAILED;
	sm->exit_code = code;
}

static int send_msg(struct mcsd_sm *sm, uint32_t type, uint32_t node,
		    uint32_t inc, uint64_t value)
{
	struct mcsd_msg m = {
		.type = type,
		.from = sm->self,
		.node = node,
		.incarnation = inc,
		.phase = sm->phase,
		.value = value,
	};
	int ret;

	if (type == MCSD_MSG_START) {
		m.ring_node = sm->cpg_ring_node;
		m.ring_seq = sm->cpg_ring_seq;
		m.members = sm->members;
		m.failed = sm->failed;
		m.planned = sm->planned;
		m.incarnation = sm->incarnation;
	}
	ret = sm->ops->send(sm->ctx, &m);
	if (ret)
		sm_log(sm, LOG_ERR, "sending %s failed: %s", mcsd_msg_name(type),
		       strerror(-ret));
	return ret;
}

static void arm_retry(struct mcsd_sm *sm, uint32_t ms)
{
	if (sm->retry_armed)
		return;
	sm->retry_armed = true;
	sm->ops->retry(sm->ctx, ms);
}

static void dequeue(struct mcsd_sm *sm, uint32_t nodeid)
{
	uint32_t i, j = 0;

	for (i = 0; i < sm->queue_len; i++)
		if (sm->queue[i] != nodeid)
			sm->queue[j++] = sm->queue[i];
	sm->queue_len = j;
	if (sm->granted == nodeid)
		sm->granted = 0;
}

static void enqueue(struct mcsd_sm *sm, uint32_t nodeid)
{
	uint32_t i;

	for (i = 0; i < sm->queue_len; i++)
		if (sm->queue[i] == nodeid)
			return;
	if (sm->queue_len < MCSD_MAX_NODES)
		sm->queue[sm->queue_len++] = nodeid;
}

static void mark_failed(struct mcsd_sm *sm, uint32_t nodeid, bool planned)
{
	uint64_t bit = mcsd_bit(nodeid);

	if (!(sm->failed & bit))
		sm->failed_ms[nodeid] = sm->ops->now_ms(sm->ctx);
	sm->failed |= bit;
	if (planned)
		sm->planned |= bit;
}

/* A member whose kernel is (or may just have become) joined as itself. */
static bool live_member(const struct mcsd_sm *sm, uint32_t nodeid)
{
	const struct mcsd_member *mm = &sm->m[nodeid];

	return mm->in_group && (mm->phase == MCSD_PH_JOINING ||
				mm->phase == MCSD_PH_JOINED);
}

void mcsd_sm_init(struct mcsd_sm *sm, const struct mcsd_ops *ops, void *ctx,
		  uint32_t self)
{
	memset(sm, 0, sizeof(*sm));
	sm->ops = ops;
	sm->ctx = ctx;
	sm->self = self;
	sm->phase = MCSD_PH_BOOT;
}

bool mcsd_sm_settled(const struct mcsd_sm *sm)
{
	uint32_t n;

	if (!sm->in_group || !sm->have_quorum_info || !sm->quorate)
		return false;
	if (sm->cpg_ring_node != sm->q_ring_node ||
	    sm->cpg_ring_seq != sm->q_ring_seq)
		return false;
	for (n = 1; n <= MCSD_MAX_NODES; n++)
		if ((sm->members & mcsd_bit(n)) && !sm->m[n].started)
			return false;
	return true;
}

uint32_t mcsd_sm_recoverer(const struct mcsd_sm *sm)
{
	uint32_t n;

	for (n = 1; n <= MCSD_MAX_NODES; n++)
		if (sm->m[n].in_group && sm->m[n].phase == MCSD_PH_JOINED)
			return n;
	return 0;
}

uint32_t mcsd_sm_admitter(const struct mcsd_sm *sm)
{
	uint32_t n = mcsd_sm_recoverer(sm);

	if (n)
		return n;
	/* Nobody joined yet (a new cluster): the lowest that may join. */
	for (n = 1; n <= MCSD_MAX_NODES; n++)
		if (sm->m[n].in_group && sm->m[n].phase <= MCSD_PH_STALE)
			return n;
	return 0;
}

static void do_join(struct mcsd_sm *sm)
{
	uint32_t my = mcsd_mcs_id(sm->self), inc = 0, n;
	struct mcsd_kstatus st;
	int ret;

	sm->phase = MCSD_PH_JOINING;
	ret = sm->ops->status(sm->ctx, &st);
	if (ret) {
		sm_log(sm, LOG_ERR, "MCS_CTL_STATUS failed: %s; retrying",
		       strerror(-ret));
		arm_retry(sm, 1000);
		return;
	}
	if (!(st.state & MCS_STATE_REGION)) {
		n = mcsd_sm_recoverer(sm);
		if (n && n != sm->self) {
			sm_log(sm, LOG_ERR,
			       "the fabric holds no region, yet node %u has joined one: this kernel sees another fabric",
			       mcsd_mcs_id(n));
			goto fatal;
		}
		ret = sm->ops->format(sm->ctx);
		if (ret && ret != -EEXIST) {
			sm_log(sm, LOG_ERR, "MCS_CTL_FORMAT failed: %s",
			       strerror(-ret));
			goto fatal;
		}
		ret = sm->ops->status(sm->ctx, &st);
		if (ret) {
			sm_log(sm, LOG_ERR, "MCS_CTL_STATUS after FORMAT failed: %s",
			       strerror(-ret));
			goto fatal;
		}
	}
	if (my >= st.nr_nodes) {
		sm_log(sm, LOG_ERR,
		       "node %u (Corosync nodeid %u) does not fit the region's %u node slots",
		       my, sm->self, st.nr_nodes);
		fail(sm, MCSD_EXIT_NODEID);
		send_msg(sm, MCSD_MSG_JOIN_FAILED, sm->self, 0, (uint64_t)-ENOSPC);
		return;
	}
	ret = sm->ops->join(sm->ctx, my, &inc);
	switch (ret) {
	case 0:
		sm->phase = MCSD_PH_JOINED;
		sm->incarnation = inc;
		sm_log(sm, LOG_NOTICE, "joined as node %u incarnation %u", my, inc);
		send_msg(sm, MCSD_MSG_JOINED, sm->self, inc, 0);
		return;
	case -EAGAIN:
		/* Our old incarnation is still being recovered. */
		arm_retry(sm, MCSD_RETRY_MS);
		return;
	case -EBUSY:
		n = mcsd_sm_recoverer(sm);
		if (n && n != sm->self) {
			sm_log(sm, LOG_WARNING,
			       "the fabric still has node %u alive in incarnation %u (an earlier mcsd of this node that nobody saw die); asking node %u to recover it",
			       my, st.node_inc[my], mcsd_mcs_id(n));
			sm->phase = MCSD_PH_STALE;
			sm->incarnation = st.node_inc[my];
			send_msg(sm, MCSD_MSG_STALE, sm->self, st.node_inc[my], 0);
			return;
		}
		sm_log(sm, LOG_ERR,
		       "the fabric still has node %u alive in incarnation %u and no joined member can recover it (the whole cluster restarted on a fabric that kept its region); erase it with \"mcsctl format --force\" once every node is stopped",
		       my, st.node_inc[my]);
		break;
	default:
		sm_log(sm, LOG_ERR, "MCS_CTL_JOIN %u failed: %s", my,
		       strerror(-ret));
		break;
	}
fatal:
	fail(sm, MCSD_EXIT_JOIN);
	send_msg(sm, MCSD_MSG_JOIN_FAILED, sm->self, 0, (uint64_t)(int64_t)ret);
}

/* Recover every failed node we can; the lowest joined member only. */
static void do_recover(struct mcsd_sm *sm)
{
	struct mcsd_kstatus st;
	struct mcsd_recovered r;
	uint32_t n, my, state, inc, flags;
	uint64_t bit, ms, now, lease;
	int ret;

	ret = sm->ops->status(sm->ctx, &st);
	if (ret) {
		sm_log(sm, LOG_ERR, "MCS_CTL_STATUS failed: %s; retrying",
		       strerror(-ret));
		arm_retry(sm, 1000);
		return;
	}
	for (n = 1; n <= MCSD_MAX_NODES; n++) {
		bit = mcsd_bit(n);
		if (!(sm->failed & bit) || (sm->done_local & bit))
			continue;
		my = mcsd_mcs_id(n);
		if (live_member(sm, n) || my >= st.nr_nodes) {
			/* A stale report of a node that is back, or no slot. */
			sm->failed &= ~bit;
			sm->planned &= ~bit;
			continue;
		}
		state = st.node_state[my];
		inc = st.node_inc[my];
		if (sm->m[n].in_group && state == MCS_NODE_ALIVE &&
		    inc != sm->m[n].incarnation) {
			sm_log(sm, LOG_WARNING,
			       "node %u reported incarnation %u dead, the fabric has %u: not declaring it down",
			       my, sm->m[n].incarnation, inc);
			sm->failed &= ~bit;
			continue;
		}
		if (state == MCS_NODE_ABSENT || state == MCS_NODE_CLEAN) {
			sm->done_local |= bit;
			send_msg(sm, MCSD_MSG_RECOVERED, n, inc, 0);
			continue;
		}
		if (state == MCS_NODE_ALIVE) {
			flags = (sm->planned & bit) ?
				MCS_DOWN_MEMORY_LOST | MCS_DOWN_PLANNED : 0;
			ret = sm->ops->node_down(sm->ctx, my, inc, flags);
			if (ret) {
				sm_log(sm, LOG_ERR,
				       "MCS_CTL_NODE_DOWN %u incarnation %u failed: %s; retrying",
				       my, inc, strerror(-ret));
				arm_retry(sm, 1000);
				return;
			}
			sm_log(sm, LOG_NOTICE, "declared node %u incarnation %u down%s",
			       my, inc, flags ? " (planned leave, memory lost)" : "");
		}
		memset(&r, 0, sizeof(r));
		ret = sm->ops->recover(sm->ctx, my, &r);
		if (ret == -EAGAIN || ret == -EINPROGRESS) {
			/* Its lease has not lapsed yet, or a live node is on it. */
			if (ret == -EAGAIN && !sm->lease_wait_ms[n])
				sm->lease_wait_ms[n] = sm->ops->now_ms(sm->ctx);
			if (!(sm->waiting & bit))
				sm_log(sm, LOG_INFO, "node %u: %s; retrying every %u ms",
				       my, ret == -EAGAIN ?
				       "its fabric lease has not expired yet" :
				       "another node is recovering it",
				       MCSD_RETRY_MS);
			/* The others need not wait for this one's lease. */
			sm->waiting |= bit;
			arm_retry(sm, MCSD_RETRY_MS);
			continue;
		}
		if (ret) {
			sm_log(sm, LOG_ERR, "MCS_CTL_RECOVER %u failed: %s; retrying",
			       my, strerror(-ret));
			arm_retry(sm, 1000);
			return;
		}
		now = sm->ops->now_ms(sm->ctx);
		ms = now - sm->failed_ms[n];
		/* How long the node's fabric lease held us back, if at all. */
		lease = sm->lease_wait_ms[n] ? now - sm->lease_wait_ms[n] : 0;
		sm->waiting &= ~bit;
		sm->done_local |= bit;
		sm->lease_wait_ms[n] = 0;
		sm_log(sm, LOG_NOTICE,
		       "recovered node %u incarnation %u: recovery %llu us, %llu ms from the membership change, %llu ms of it waiting for its lease",
		       my, r.incarnation, (unsigned long long)(r.total_ns / 1000),
		       (unsigned long long)ms, (unsigned long long)lease);
		send_msg(sm, MCSD_MSG_RECOVERED, n, r.incarnation, r.total_ns);
	}
}

static void step(struct mcsd_sm *sm)
{
	uint32_t head;

	if (sm->phase == MCSD_PH_FAILED || sm->phase == MCSD_PH_LEAVING ||
	    sm->observer)
		return;
	if (!mcsd_sm_settled(sm))
		return;
	if (sm->phase == MCSD_PH_BOOT) {
		sm->phase = MCSD_PH_WAITING;
		sm_log(sm, LOG_INFO, "asking to join");
		send_msg(sm, MCSD_MSG_JOIN_REQ, sm->self, 0, 0);
	}
	if (mcsd_sm_admitter(sm) == sm->self && !sm->granted &&
	    sm->queue_len) {
		head = sm->queue[0];
		sm->granted = head;
		sm_log(sm, LOG_INFO, "admitting node %u", mcsd_mcs_id(head));
		send_msg(sm, MCSD_MSG_GRANT, head, 0, 0);
	}
	if (mcsd_sm_recoverer(sm) == sm->self && sm->phase == MCSD_PH_JOINED &&
	    (sm->failed & ~sm->done_local))
		do_recover(sm);
}

static void new_change(struct mcsd_sm *sm)
{
	uint32_t n;

	sm->changes++;
	for (n = 1; n <= MCSD_MAX_NODES; n++)
		sm->m[n].started = false;
	if (sm->in_group && sm->phase != MCSD_PH_FAILED)
		send_msg(sm, MCSD_MSG_START, 0, 0, 0);
}

void mcsd_sm_confchg(struct mcsd_sm *sm, const uint32_t *members, uint32_t n,
		     const uint32_t *left, const uint32_t *left_reason,
		     uint32_t n_left, const uint32_t *joined, uint32_t n_joined)
{
	struct mcsd_member *mm;
	uint32_t i, id;
	bool planned;

	for (i = 0; i < n_left; i++) {
		id = left[i];
		if (!valid_id(id))
			continue;
		mm = &sm->m[id];
		if (id == sm->self) {
			sm->in_group = false;
			continue;
		}
		planned = mm->leaving && left_reason[i] == MCSD_REASON_LEAVE;
		sm_log(sm, LOG_NOTICE, "node %u left the group (%s)",
		       mcsd_mcs_id(id), planned ? "planned leave" :
		       left_reason[i] == MCSD_REASON_LEAVE ? "left" : "failed");
		mark_failed(sm, id, planned);
		dequeue(sm, id);
		memset(mm, 0, sizeof(*mm));
	}
	for (i = 0; i < n_joined; i++) {
		id = joined[i];
		if (!valid_id(id))
			continue;
		memset(&sm->m[id], 0, sizeof(sm->m[id]));
		sm->m[id].in_group = true;
		if (id == sm->self)
			sm->in_group = true;
	}
	sm->members = 0;
	for (i = 0; i < n; i++)
		if (valid_id(members[i])) {
			sm->members |= mcsd_bit(members[i]);
			sm->m[members[i]].in_group = true;
		}
	new_change(sm);
	step(sm);
}

void mcsd_sm_totem(struct mcsd_sm *sm, uint32_t ring_node, uint64_t ring_seq)
{
	sm->cpg_ring_node = ring_node;
	sm->cpg_ring_seq = ring_seq;
	new_change(sm);
	step(sm);
}

void mcsd_sm_quorum(struct mcsd_sm *sm, bool quorate, uint32_t ring_node,
		    uint64_t ring_seq)
{
	bool was = sm->have_quorum_info && sm->quorate;
	struct mcsd_kstatus st;
	int ret;

	sm->have_quorum_info = true;
	sm->quorate = quorate;
	sm->q_ring_node = ring_node;
	sm->q_ring_seq = ring_seq;
	if (sm->phase == MCSD_PH_FAILED || sm->phase == MCSD_PH_LEAVING ||
	    sm->observer)
		return;
	if (!quorate && (was || !sm->frozen_by_us)) {
		/* Cut off: stop touching the fabric before anyone recovers us. */
		sm->ops->heartbeat(sm->ctx, false);
		ret = sm->ops->freeze(sm->ctx);
		if (ret)
			sm_log(sm, LOG_ERR, "MCS_CTL_FREEZE failed: %s", strerror(-ret));
		else
			sm_log(sm, LOG_WARNING, "quorum lost: node frozen");
		sm->frozen_by_us = true;
	} else if (quorate && !was) {
		sm->ops->heartbeat(sm->ctx, true);
		if (sm->frozen_by_us) {
			sm->frozen_by_us = false;
			ret = sm->ops->status(sm->ctx, &st);
			if (!ret && (st.state & MCS_STATE_FENCED))
				ret = -ESTALE;
			if (!ret)
				ret = sm->ops->thaw(sm->ctx);
			if (ret == -ESTALE)
				mcsd_sm_fenced(sm);
			else if (ret)
				sm_log(sm, LOG_ERR, "MCS_CTL_THAW failed: %s",
				       strerror(-ret));
			else
				sm_log(sm, LOG_NOTICE, "quorum regained: node thawed");
		}
	}
	step(sm);
}

void mcsd_sm_fenced(struct mcsd_sm *sm)
{
	if (sm->phase != MCSD_PH_JOINED)
		return;
	sm_log(sm, LOG_WARNING,
	       "the kernel fenced node %u incarnation %u; rejoining once it is recovered",
	       mcsd_mcs_id(sm->self), sm->incarnation);
	sm->phase = MCSD_PH_FENCED;
	send_msg(sm, MCSD_MSG_FENCED, sm->self, sm->incarnation, 0);
	arm_retry(sm, MCSD_FENCED_POLL_MS);
}

/* Fenced: once the others have recovered our old self, ask again. */
static void fenced_poll(struct mcsd_sm *sm)
{
	struct mcsd_kstatus st;
	uint32_t my = mcsd_mcs_id(sm->self);

	if (sm->ops->status(sm->ctx, &st) == 0 && my < st.nr_nodes &&
	    st.node_state[my] == MCS_NODE_CLEAN) {
		sm->phase = MCSD_PH_WAITING;
		sm_log(sm, LOG_NOTICE, "old incarnation recovered: asking to join");
		send_msg(sm, MCSD_MSG_JOIN_REQ, sm->self, 0, 0);
		return;
	}
	arm_retry(sm, MCSD_FENCED_POLL_MS);
}

void mcsd_sm_tick(struct mcsd_sm *sm)
{
	sm->retry_armed = false;
	if (sm->phase == MCSD_PH_JOINING && sm->granted == sm->self)
		do_join(sm);
	else if (sm->phase == MCSD_PH_FENCED)
		fenced_poll(sm);
	step(sm);
}

int mcsd_sm_leave(struct mcsd_sm *sm)
{
	sm->phase = MCSD_PH_LEAVING;
	return send_msg(sm, MCSD_MSG_LEAVING, sm->self, sm->incarnation, 0);
}

void mcsd_sm_message(struct mcsd_sm *sm, const struct mcsd_msg *msg)
{
	uint32_t from = msg->from, node = msg->node, n;
	struct mcsd_member *mm;
	uint64_t bits;

	if (!valid_id(from) || !sm->m[from].in_group)
		return;
	mm = &sm->m[from];
	if (msg->type != MCSD_MSG_START && !valid_id(node))
		return;
	switch (msg->type) {
	case MCSD_MSG_START:
		mm->phase = msg->phase;
		mm->incarnation = msg->incarnation;
		if (msg->ring_node == sm->cpg_ring_node &&
		    msg->ring_seq == sm->cpg_ring_seq &&
		    msg->members == sm->members)
			mm->started = true;
		/* What it knows that a newcomer may not. */
		bits = msg->failed & ~sm->failed;
		for (n = 1; n <= MCSD_MAX_NODES; n++)
			if ((bits & mcsd_bit(n)) && !live_member(sm, n) &&
			    n != sm->self)
				mark_failed(sm, n, msg->planned & mcsd_bit(n));
		if (msg->phase == MCSD_PH_WAITING)
			enqueue(sm, from);
		if (msg->phase == MCSD_PH_JOINING && !sm->granted) {
			enqueue(sm, from);
			sm->granted = from;
		}
		break;
	case MCSD_MSG_JOIN_REQ:
		mm->phase = MCSD_PH_WAITING;
		enqueue(sm, from);
		break;
	case MCSD_MSG_GRANT:
		if (!sm->m[node].in_group)
			break;
		sm->granted = node;
		sm->m[node].phase = MCSD_PH_JOINING;
		if (node == sm->self && sm->phase == MCSD_PH_WAITING) {
			sm_log(sm, LOG_INFO, "admitted by node %u",
			       mcsd_mcs_id(from));
			do_join(sm);
		}
		break;
	case MCSD_MSG_JOINED:
		mm->phase = MCSD_PH_JOINED;
		mm->incarnation = msg->incarnation;
		dequeue(sm, from);
		if (from != sm->self)
			sm_log(sm, LOG_NOTICE, "node %u joined incarnation %u",
			       mcsd_mcs_id(from), msg->incarnation);
		break;
	case MCSD_MSG_JOIN_FAILED:
		mm->phase = MCSD_PH_FAILED;
		dequeue(sm, from);
		if (from != sm->self)
			sm_log(sm, LOG_WARNING, "node %u could not join: %s",
			       mcsd_mcs_id(from), strerror((int)-(int64_t)msg->value));
		break;
	case MCSD_MSG_RECOVERED:
		sm->failed &= ~mcsd_bit(node);
		sm->planned &= ~mcsd_bit(node);
		sm->done_local &= ~mcsd_bit(node);
		sm->waiting &= ~mcsd_bit(node);
		sm->lease_wait_ms[node] = 0;
		sm_log(sm, LOG_NOTICE, "recovered %u inc %u (by node %u)",
		       mcsd_mcs_id(node), msg->incarnation, mcsd_mcs_id(from));
		if (node == sm->self && sm->phase == MCSD_PH_STALE)
			do_join(sm);
		else if (node == sm->self && sm->phase == MCSD_PH_FENCED)
			fenced_poll(sm);
		break;
	case MCSD_MSG_LEAVING:
		mm->leaving = true;
		mm->phase = MCSD_PH_LEAVING;
		dequeue(sm, from);
		sm_log(sm, LOG_NOTICE, "leaving %u", mcsd_mcs_id(from));
		break;
	case MCSD_MSG_STALE:
	case MCSD_MSG_FENCED:
		if (node != from)
			break;
		mm->phase = msg->type == MCSD_MSG_STALE ? MCSD_PH_STALE :
			    MCSD_PH_FENCED;
		mm->incarnation = msg->incarnation;
		if (msg->type == MCSD_MSG_FENCED)
			dequeue(sm, from);
		mark_failed(sm, from, false);
		break;
	default:
		return;
	}
	step(sm);
}
