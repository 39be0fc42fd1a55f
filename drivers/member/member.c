// SPDX-License-Identifier: GPL-2.0
/*
 * member.c - membership changes as sequences of recovery and events
 * (see member.h and Documentation/events.md).
 */
#include "member.h"

static int mcs_post(struct mcs_events *es, u32 type, u32 node, u32 inc,
		    u32 flags, u64 arg)
{
	struct mcs_event ev = {
		.type = type, .node = node, .incarnation = inc,
		.flags = flags, .arg = arg,
	};

	return cev_post(es, &ev, NULL);
}

/*
 * Recover @node (the gmm tables, then the gns name table) and tell
 * everybody, after the fact.
 */
static int mcs_recover_and_tell(struct gmm_region *r, struct mcs_events *es,
				u32 node, u32 inc, bool lost, u32 flags,
				u32 *revoked)
{
	struct gmm_recovery_report rep = { 0 };
	int ret;

	ret = gmm_recover(r, node, &rep);
	if (ret)
		return ret;
	/* Names: after gmm, so names of revoked segments go too. */
	ret = gns_recover(r, NULL);
	if (ret)
		return ret;
	if (revoked)
		*revoked = rep.sections_revoked;
	/* Nothing done here: its recoverer posted (or will post) the news. */
	if (!rep.incarnation)
		return 0;
	return mcs_node_recovered(es, node, inc, lost, flags,
				  rep.sections_revoked);
}

/**
 * mcs_node_recovered - tell the cluster a dead node has been recovered
 * @es: the recovering node's event service
 * @node: the recovered node
 * @incarnation: its dead incarnation
 * @memory_lost: its partition's memory died with it
 * @flags: MCS_EVF_PLANNED at the end of a planned leave, else 0
 * @revoked: segments revoked with its partition (RESOURCE_LOST's arg)
 *
 * Posts NODE_DOWN, RESOURCE_LOST (when @memory_lost) and RECOVERY_DONE,
 * consecutively. Call it only after gmm_recover() and gns_recover() have
 * completed for this incarnation, and only if this node did the recovery
 * (a recoverer that found nothing to do does not post): the order of
 * Documentation/events.md is then kept. mcs_node_crashed() calls it; so
 * does the control device's RECOVER, through mcs_events.ko.
 *
 * Return: 0 or an error of cev_post().
 */
int mcs_node_recovered(struct mcs_events *es, u32 node, u32 incarnation,
		       bool memory_lost, u32 flags, u32 revoked)
{
	int ret;

	ret = mcs_post(es, MCS_EV_NODE_DOWN, node, incarnation, flags, 0);
	if (!ret && memory_lost)
		ret = mcs_post(es, MCS_EV_RESOURCE_LOST, node, incarnation,
			       flags, revoked);
	if (!ret)
		ret = mcs_post(es, MCS_EV_RECOVERY_DONE, node, incarnation,
			       flags, 0);
	return ret;
}

/**
 * mcs_node_crashed - a node incarnation died: recover first, then tell
 * @r: a joined handle of a surviving node
 * @es: that node's event service
 * @node: the dead node
 * @incarnation: its dead incarnation
 * @memory_lost: its partition's memory died with it
 *
 * Recovery is gmm_recover(), then gns_recover(). Subscribers on every
 * node receive NODE_DOWN, RESOURCE_LOST (when @memory_lost; arg: segments
 * revoked) and RECOVERY_DONE, in that order, all posted after recovery
 * completed.
 *
 * Return: 0, or an error of gmm_node_down(), gmm_recover() (-EINPROGRESS:
 * another node recovers it and will post), gns_recover() or
 * cev_post().
 */
int mcs_node_crashed(struct gmm_region *r, struct mcs_events *es, u32 node,
		     u32 incarnation, bool memory_lost)
{
	int ret = gmm_node_down(r, node, incarnation, memory_lost);

	if (ret)
		return ret;
	return mcs_recover_and_tell(r, es, node, incarnation, memory_lost, 0,
				    NULL);
}

/**
 * mcs_planned_leave - remove a node on purpose: tell first, then revoke
 * @r: a joined handle of a node that stays
 * @es: that node's event service
 * @node: the node that leaves (alive)
 * @grace_ns: how long subscribers have to let go of its resources
 * @report: filled with what happened (may be NULL)
 *
 * Posts LEAVING (arg: @grace_ns) and dispatches this node's events while
 * it waits, until every subscriber counted at posting time has called
 * cev_ack() or @grace_ns has passed. Only then is the node declared
 * down with its memory gone, recovered, and NODE_DOWN (MCS_EVF_PLANNED),
 * RESOURCE_LOST and RECOVERY_DONE posted. The leaving node must have
 * stopped using the fabric by the end of the grace period.
 *
 * Return: 0; -EINVAL; -ENOENT if @node is not alive; or an error of the
 * steps above.
 */
int mcs_planned_leave(struct gmm_region *r, struct mcs_events *es, u32 node,
		      u64 grace_ns, struct mcs_leave_report *report)
{
	struct mcs_leave_report local = { 0 };
	struct mcs_leave_report *rep = report ? report : &local;
	struct mcs_event ev = { .type = MCS_EV_LEAVING, .node = node };
	struct gmm_node_info ni;
	u64 deadline, now;
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = gmm_node_info(r, node, &ni);
	if (ret)
		return ret;
	if (ni.state != GMM_NODE_ALIVE)
		return -ENOENT;
	ev.incarnation = ni.incarnation;
	ev.arg = grace_ns;
	ret = cev_post(es, &ev, &rep->seq);
	if (ret)
		return ret;
	deadline = mcs_os_now_ns() + grace_ns;
	for (;;) {
		cev_dispatch(es);
		ret = cev_leave_status(es, rep->seq, &rep->acks,
					     &rep->expected);
		if (ret || rep->acks >= rep->expected)
			break;
		now = mcs_os_now_ns();
		if (now >= deadline) {
			rep->grace_expired = true;
			break;
		}
		cev_wait(es, deadline - now);
	}
	/* Lapped by 64 newer events: acks unknown, so the full grace ran. */
	if (ret == -ENOENT) {
		now = mcs_os_now_ns();
		while (now < deadline) {
			cev_wait(es, deadline - now);
			cev_dispatch(es);
			now = mcs_os_now_ns();
		}
		rep->grace_expired = true;
	}
	ret = gmm_node_down(r, node, ni.incarnation, true);
	if (ret)
		return ret;
	return mcs_recover_and_tell(r, es, node, ni.incarnation, true,
				    MCS_EVF_PLANNED, &rep->revoked);
}

/**
 * mcs_node_joined - tell the cluster this node is up
 * @r: the handle that just completed gmm_node_join()
 * @es: its event service
 *
 * Return: 0, -ENOTCONN if @r has not joined, or an error of
 * cev_post().
 */
int mcs_node_joined(struct gmm_region *r, struct mcs_events *es)
{
	if (gmm_self_incarnation(r) == 0)
		return -ENOTCONN;
	return mcs_post(es, MCS_EV_NODE_UP, gmm_self_node(r),
			gmm_self_incarnation(r), 0, 0);
}
