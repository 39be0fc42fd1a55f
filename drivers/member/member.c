// SPDX-License-Identifier: GPL-2.0
/*
 * member.c - membership changes: crash, planned leave and join, around
 * the one recovery sequence of recovery.c (see member.h and
 * Documentation/events.md).
 */
#include "member.h"

/**
 * member_post - post one cluster event
 * @es: the posting node's event service
 * @type: MCS_EV_*
 * @node: the node it is about
 * @inc: that node's incarnation
 * @flags: MCS_EVF_*
 * @arg: the type's argument
 *
 * Return: as cev_post().
 */
int member_post(struct mcs_events *es, u32 type, u32 node, u32 inc, u32 flags,
		u64 arg)
{
	struct mcs_event ev = {
		.type = type,
		.node = node,
		.incarnation = inc,
		.flags = flags,
		.arg = arg,
	};

	return cev_post(es, &ev, NULL);
}

/**
 * member_crashed - a node incarnation died: declare it, recover, then tell
 * @r: a joined handle of a surviving node
 * @node: the dead node
 * @incarnation: its dead incarnation
 * @memory_lost: its partition's memory died with it
 * @rec: as for member_recover() (may be NULL)
 *
 * Return: 0, or an error of gmm_node_down() or member_recover()
 * (-EINPROGRESS: another node recovers it and will tell).
 */
int member_crashed(struct gmm_region *r, u32 node, u32 incarnation,
		   bool memory_lost, struct member_recovery *rec)
{
	int ret = gmm_node_down(r, node, incarnation, memory_lost);

	if (ret)
		return ret;
	return member_recover(r, node, rec);
}

/**
 * member_planned_leave - remove a node on purpose: tell first, then revoke
 * @r: a joined handle of a node that stays
 * @es: that node's event service
 * @node: the node that leaves (alive)
 * @grace_ns: how long subscribers have to let go of its resources
 * @report: filled with what happened (may be NULL)
 *
 * member_leave_announce() tells and waits for the subscribers. Only then
 * is the node declared down with its memory gone and recovered by member_recover(), which posts
 * NODE_DOWN (MCS_EVF_PLANNED), RESOURCE_LOST and RECOVERY_DONE. The leaving node must have
 * stopped using the fabric by the end of the grace period.
 *
 * Return: 0; -EINVAL; -ENOENT if @node is not alive; or an error of the
 * steps above.
 */
int member_planned_leave(struct gmm_region *r, struct mcs_events *es, u32 node,
			 u64 grace_ns, struct member_leave_report *report)
{
	struct member_leave_report local = { 0 };
	struct member_leave_report *rep = report ? report : &local;
	struct member_recovery rec = { 0 };
	struct gmm_node_info ni;
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = gmm_node_info(r, node, &ni);
	if (ret)
		return ret;
	if (ni.state != GMM_NODE_ALIVE)
		return -ENOENT;
	ret = member_leave_announce(es, node, ni.incarnation, grace_ns, rep);
	if (ret)
		return ret;
	ret = gmm_node_down(r, node, ni.incarnation, true);
	if (ret)
		return ret;
	rec.flags = MCS_EVF_PLANNED;
	ret = member_recover(r, node, &rec);
	rep->revoked = rec.gmm.sections_revoked;
	return ret;
}

/**
 * member_leave_announce - the first half of a planned leave: tell, wait
 * @es: the event service of the node that runs it (the leaving node
 *      itself in the kernel, MCS_CTL_LEAVE; a survivor in
 *      member_planned_leave())
 * @node: the node that leaves
 * @incarnation: its incarnation
 * @grace_ns: how long subscribers have to let go of its resources
 * @rep: filled with the LEAVING event and its acknowledgements
 *
 * Posts LEAVING (arg: @grace_ns) and dispatches this node's events while
 * it waits, until every subscriber counted at posting time has called
 * cev_ack() or @grace_ns has passed.
 *
 * Return: 0 or an error of cev_post().
 */
int member_leave_announce(struct mcs_events *es, u32 node, u32 incarnation,
			  u64 grace_ns, struct member_leave_report *rep)
{
	struct mcs_event ev = {
		.type = MCS_EV_LEAVING,
		.node = node,
		.incarnation = incarnation,
		.arg = grace_ns,
	};
	u64 deadline, now;
	int ret;

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
	return 0;
}

/**
 * member_joined - tell the cluster this node is up
 * @r: the handle that just completed gmm_node_join()
 *
 * Return: 0, -ENOTCONN if @r has not joined, or an error of cev_post().
 */
int member_joined(struct gmm_region *r)
{
	struct mcs_events *es;
	int ret;

	if (gmm_self_incarnation(r) == 0)
		return -ENOTCONN;
	ret = cev_region_open(r, &es);
	if (ret)
		return ret;
	ret = member_post(es, MCS_EV_NODE_UP, gmm_self_node(r),
			  gmm_self_incarnation(r), 0, 0);
	cev_close(es);
	return ret;
}
