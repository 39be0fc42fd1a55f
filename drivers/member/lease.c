// SPDX-License-Identifier: GPL-2.0
/*
 * lease.c - fabric leases: survivors recover a node only once its lease
 * has lapsed, so a node that is hung rather than dead cannot wake up and
 * write behind its recoverer (sanlock's delta lease, kept in the fabric).
 *
 * Each node has one lease word in the fabric: its incarnation and a
 * renewal count, MEMBER_LEASE(inc, count). The node renews it by bumping
 * the count on every heartbeat of its membership daemon and stops
 * touching the fabric when it could not renew for the heartbeat deadline.
 * No clocks are compared between nodes: an observer only measures, on
 * its own monotonic clock, how long the word has stayed unchanged, and
 * calls the lease lapsed once that is at least the region's lease time.
 * The argument (Documentation/control.md, "Fencing"): the holder's last
 * renewal happened before the observer first saw its value; the holder
 * stops within deadline + freeze time of that renewal; the lease time is
 * at least twice the deadline, which covers the freeze and clock rate
 * differences far beyond those of real monotonic clocks.
 *
 * A count of 0 means the incarnation holds no lease: it joined without a
 * daemon (membership is then whoever declares deaths by hand, who vouches
 * for them), or it released its lease when it left on purpose. Such a
 * node is recoverable at once.
 */
#include "member.h"

#define MEMBER_LEASE_COUNT_BITS 40
#define MEMBER_LEASE_COUNT_MASK ((1ULL << MEMBER_LEASE_COUNT_BITS) - 1)
#define MEMBER_LEASE(inc, count) \
	((u64)((inc) & GMM_INC_MASK) << MEMBER_LEASE_COUNT_BITS | ((count) & MEMBER_LEASE_COUNT_MASK))
#define MEMBER_LEASE_INC(w) ((u32)((w) >> MEMBER_LEASE_COUNT_BITS))
#define MEMBER_LEASE_COUNT(w) ((w) & MEMBER_LEASE_COUNT_MASK)

static __le64 *member_own_lease(struct gmm_region *r)
{
	if (!gmm_self_incarnation(r))
		return NULL;
	return gmm_lease_word(r, gmm_self_node(r));
}

/**
 * member_lease_set - start (@held) or give up this node's lease
 * @r: a joined handle
 * @held: true: the incarnation holds a lease from now on (count 1);
 *        false: it holds none (count 0), it is recoverable at once
 *
 * Return: 0, or -ENOTCONN if @r has not joined.
 */
int member_lease_set(struct gmm_region *r, bool held)
{
	__le64 *w = member_own_lease(r);

	if (!w)
		return -ENOTCONN;
	mcs_wr64_release(w, MEMBER_LEASE(gmm_self_incarnation(r), held ? 1 : 0));
	return 0;
}

/**
 * member_lease_renew - renew this node's lease
 * @r: a joined handle whose incarnation holds a lease
 *
 * Return: 0; -ENOTCONN if @r has not joined; -ESTALE if the word is not
 * this incarnation's held lease any more (someone else wrote it: the node
 * must not go on).
 */
int member_lease_renew(struct gmm_region *r)
{
	__le64 *w = member_own_lease(r);
	u64 old, count;

	if (!w)
		return -ENOTCONN;
	old = mcs_rd64_acquire(w);
	if (MEMBER_LEASE_INC(old) != (gmm_self_incarnation(r) & GMM_INC_MASK) ||
	    !MEMBER_LEASE_COUNT(old))
		return -ESTALE;
	count = MEMBER_LEASE_COUNT(old + 1) ? old + 1 : old + 2;
	mcs_wr64_release(w, MEMBER_LEASE(gmm_self_incarnation(r), count));
	return 0;
}

/**
 * member_lease_observe - note the lease word of @node as seen now
 * @r: a handle
 * @node: a node of the region
 * @view: this node's memory of that word (zeroed at first)
 * @now_ns: this node's monotonic time
 *
 * Return: 0, or -EINVAL for a node the region does not have.
 */
int member_lease_observe(struct gmm_region *r, u32 node,
			 struct member_lease_view *view, u64 now_ns)
{
	__le64 *w = gmm_lease_word(r, node);
	u64 v;

	if (!w)
		return -EINVAL;
	v = mcs_rd64_acquire(w);
	if (!view->seen || view->word != v) {
		view->word = v;
		view->since_ns = now_ns;
		view->seen = true;
	}
	return 0;
}

/**
 * member_lease_wait_ns - how long until incarnation @inc of @node has lost
 * its lease, as this node sees it
 * @r: a handle
 * @node: the node
 * @inc: its incarnation declared dead
 * @view: this node's memory of its lease word, updated here
 * @now_ns: this node's monotonic time
 *
 * Return: 0 if the lease has lapsed (or there is none: never held by
 * @inc, or released); otherwise the nanoseconds still to wait, measured
 * from now and assuming the word does not change again.
 */
u64 member_lease_wait_ns(struct gmm_region *r, u32 node, u32 inc,
			 struct member_lease_view *view, u64 now_ns)
{
	struct gmm_geometry g;
	u64 lease_ns, held;

	if (member_lease_observe(r, node, view, now_ns))
		return 0;
	if (MEMBER_LEASE_INC(view->word) != (inc & GMM_INC_MASK) ||
	    !MEMBER_LEASE_COUNT(view->word))
		return 0;
	gmm_get_geometry(r, &g);
	lease_ns = (u64)g.lease_ms * 1000000;
	held = now_ns - view->since_ns;
	return held >= lease_ns ? 0 : lease_ns - held;
}
