// SPDX-License-Identifier: GPL-2.0
/*
 * test_events - proves the ordering guarantees of cluster events, with
 * subscribers in other processes joined as other nodes (they learn of
 * events through the log in the fabric, not by witnessing them):
 *
 *   - crash: a node dies with a segment homed on its lost partition; the
 *     remote subscriber receives NODE_DOWN, RESOURCE_LOST (1 segment
 *     revoked) and RECOVERY_DONE in that order, and at NODE_DOWN the dead
 *     node is already recovered (CLEAN), the segment already revoked and
 *     the name of another segment homed there already removed (gmm, then
 *     gns recovery ran before anything was posted);
 *   - planned leave: LEAVING reaches every subscriber (on the leaving
 *     node and on another) while the node is still alive and its segment
 *     still there; both acknowledge, so the leave proceeds before the
 *     grace period ends; then NODE_DOWN (planned), RESOURCE_LOST,
 *     RECOVERY_DONE follow, after the revocation;
 *   - grace period honoured: a subscriber that never acknowledges delays
 *     the revocation by the whole grace period, not longer than needed;
 *   - local delivery: masks filter, unsubscribe stops delivery, NODE_UP is
 *     posted by a joining node, and a reader lapped by more than the log
 *     holds gets one OVERRUN and then the newest events in order; a
 *     LEAVING subscriber dropped without touching the fabric
 *     (cev_unsubscribe_local()) stays counted, cev_unsubscribe() uncounts.
 */
#include "unit.h"
#include "member/member.h"
#include "gns/gns.h"

#define MAXREC 32
#define WATCHED_NAME "node1-segment"

struct rec {
	u32 type, node, flags;
	u64 arg;
	u32 node_state; /* of ev->node when the event was delivered */
	int lookup;	/* gmm_lookup() of the watched GID at delivery */
	int name_lookup; /* gns_lookup() of the watched name at delivery */
	u64 t_ns;
};

struct shared {
	atomic_int ready;
	atomic_int stop;
	atomic_int n[NODES];
	struct rec r[NODES][MAXREC];
	atomic_ullong gid; /* the watched segment */
	atomic_int named;  /* the watched name exists */
	atomic_int ack;    /* subscribers acknowledge LEAVING */
};
static struct shared *sh;

/* The parent is node 0 on the observer's handle (obs). */
static struct mcs_events *es0;

static void setup(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };

	memset(sh, 0, sizeof(*sh));
	unit_setup_with(8 * MiB, &fp, 0);
	CU_ASSERT_FATAL(gmm_node_join(obs, 0) == 0);
	CU_ASSERT_FATAL(cev_region_open(obs, &es0) == 0);
}

static void teardown(void)
{
	ASSERT_CLEAN(obs);
	cev_close(es0);
	unit_release();
}

/* ---- a subscriber node in a child process ---- */

struct sub_node {
	struct gmm_region *r;
	struct mcs_events *es;
	u32 node;
	bool ack;
};

static void sub_record(void *arg, const struct mcs_event *ev)
{
	struct sub_node *sn = arg;
	int i = atomic_load(&sh->n[sn->node]);
	struct gmm_seg_info si;
	struct gmm_node_info ni;
	struct rec *r;

	if (i >= MAXREC)
		return;
	r = &sh->r[sn->node][i];
	r->type = ev->type;
	r->node = ev->node;
	r->flags = ev->flags;
	r->arg = ev->arg;
	r->t_ns = now_ns();
	r->node_state = gmm_node_info(sn->r, ev->node, &ni) ? ~0U : ni.state;
	r->lookup = atomic_load(&sh->gid) ?
			    gmm_lookup(sn->r, atomic_load(&sh->gid), &si) : 0;
	r->name_lookup = atomic_load(&sh->named) ?
				 gns_lookup(sn->r, WATCHED_NAME, NULL) : 0;
	atomic_store(&sh->n[sn->node], i + 1);
	if (ev->type == MCS_EV_LEAVING && sn->ack)
		cev_ack(sn->es, ev->seq);
}

/*
 * Join as @node, subscribe to everything, deliver until told to stop or,
 * if this node is the one leaving, until LEAVING for it was delivered.
 */
static pid_t sub_spawn(u32 node, bool ack)
{
	pid_t pid = fork();

	if (!pid) {
		struct sub_node sn = { .node = node, .ack = ack };
		struct gmm_seg_info si;
		int i;

		sn.r = unit_child_join(node);
		if (cev_region_open(sn.r, &sn.es) ||
		    cev_subscribe(sn.es, MCS_EV_ALL, sub_record, &sn, NULL))
			_exit(90);
		/* Node 1 and the leaving node 3 own the watched segment. */
		if ((node == 1 || node == 3) &&
		    gmm_alloc(sn.r, 0x5e60000 + node, 4 * GMM_PAGE_SIZE,
			      (int)node, (u32)getpid(), &si) == 0)
			atomic_store(&sh->gid, 0x5e60000 + node);
		/* Node 1 also names a segment homed on its partition. */
		if (node == 1 &&
		    gns_seg_create(sn.r, WATCHED_NAME, GMM_PAGE_SIZE, (int)node,
				   (u32)getpid(), NULL, NULL) == 0)
			atomic_store(&sh->named, 1);
		atomic_fetch_add(&sh->ready, 1);
		while (!atomic_load(&sh->stop)) {
			cev_wait(sn.es, 10000000ULL);
			cev_dispatch(sn.es);
			for (i = 0; node == 3 && i < atomic_load(&sh->n[3]); i++)
				if (sh->r[3][i].type == MCS_EV_LEAVING)
					_exit(0); /* stops using the fabric */
		}
		cev_close(sn.es);
		gmm_detach(sn.r);
		_exit(0);
	}
	return pid;
}

static int find(u32 node, u32 type, int from)
{
	int i;

	for (i = from; i < atomic_load(&sh->n[node]); i++)
		if (sh->r[node][i].type == type)
			return i;
	return -1;
}

/* Wait (bounded) until subscriber @node has received an event of @type. */
static int wait_event(u32 node, u32 type)
{
	u64 end = now_ns() + WAIT_NS;
	int i;

	while ((i = find(node, type, 0)) < 0 && now_ns() < end)
		sched_yield();
	return i;
}

/* ---- crash ---- */

static void test_crash_order(void)
{
	struct gmm_node_info ni;
	pid_t victim, watcher;
	int d, l, r;

	setup();
	watcher = sub_spawn(2, false);
	victim = sub_spawn(1, false);
	CU_ASSERT(wait_at_least(&sh->ready, 2));
	CU_ASSERT(atomic_load(&sh->gid) != 0);
	CU_ASSERT(atomic_load(&sh->named) != 0);
	kill(victim, SIGKILL);
	reap(victim);
	CU_ASSERT_FATAL(gmm_node_info(obs, 1, &ni) == 0);
	ASSERT_EQ(member_crashed(obs, 1, ni.incarnation, true, NULL), 0);

	r = wait_event(2, MCS_EV_RECOVERY_DONE);
	d = find(2, MCS_EV_NODE_DOWN, 0);
	l = find(2, MCS_EV_RESOURCE_LOST, 0);
	CU_ASSERT(d >= 0 && l > d && r > l);
	if (d >= 0 && l > d && r > l) {
		/*
		 * Told only once every component is recovered: the segment
		 * and its name already gone. The node word may still say
		 * RECOVERING (it turns CLEAN after the tell, so NODE_UP of a
		 * rejoin always comes after these), never DOWN.
		 */
		ASSERT_EQ(sh->r[2][d].node, 1);
		CU_ASSERT(sh->r[2][d].node_state == GMM_NODE_RECOVERING ||
			  sh->r[2][d].node_state == GMM_NODE_CLEAN);
		ASSERT_EQ(sh->r[2][d].flags & MCS_EVF_PLANNED, 0);
		CU_ASSERT(sh->r[2][d].lookup < 0);
		ASSERT_EQ(sh->r[2][d].name_lookup, -ENOENT);
		ASSERT_EQ(sh->r[2][l].arg, 2);
		CU_ASSERT(sh->r[2][r].node_state == GMM_NODE_RECOVERING ||
			  sh->r[2][r].node_state == GMM_NODE_CLEAN);
	}
	atomic_store(&sh->stop, 1);
	ASSERT_EQ(reap(watcher), 0);
	CU_ASSERT_FATAL(gmm_node_info(obs, 2, &ni) == 0);
	ASSERT_EQ(member_crashed(obs, 2, ni.incarnation, false, NULL), 0);
	teardown();
}

/* ---- planned leave ---- */

static void test_planned_leave(void)
{
	struct member_leave_report rep;
	struct gmm_seg_info si;
	struct gmm_node_info ni;
	pid_t leaver, watcher;
	u64 t0, t1;
	int lv, d, l, r;

	setup();
	watcher = sub_spawn(2, true);
	leaver = sub_spawn(3, true);
	CU_ASSERT(wait_at_least(&sh->ready, 2));
	CU_ASSERT_FATAL(atomic_load(&sh->gid) != 0);
	t0 = now_ns();
	ASSERT_EQ(member_planned_leave(obs, es0, 3, 10ULL * 1000000000ULL, &rep), 0);
	t1 = now_ns();
	/* Both subscribers acknowledged: no need to wait out 10 s. */
	ASSERT_EQ(rep.expected, 2);
	ASSERT_EQ(rep.acks, 2);
	ASSERT_EQ(rep.grace_expired, false);
	ASSERT_EQ(rep.revoked, 1);
	CU_ASSERT(t1 - t0 < 10ULL * 1000000000ULL);
	ASSERT_EQ(reap(leaver), 0);
	ASSERT_EQ(gmm_lookup(obs, atomic_load(&sh->gid), &si), -ENOENT);

	/* The leaving node and the watcher were told while it was alive. */
	lv = find(3, MCS_EV_LEAVING, 0);
	CU_ASSERT(lv >= 0);
	if (lv >= 0) {
		ASSERT_EQ(sh->r[3][lv].node_state, GMM_NODE_ALIVE);
		ASSERT_EQ(sh->r[3][lv].lookup, 0);
	}
	r = wait_event(2, MCS_EV_RECOVERY_DONE);
	lv = find(2, MCS_EV_LEAVING, 0);
	d = find(2, MCS_EV_NODE_DOWN, 0);
	l = find(2, MCS_EV_RESOURCE_LOST, 0);
	CU_ASSERT(lv >= 0 && d > lv && l > d && r > l);
	if (lv >= 0 && d > lv && l > d && r > l) {
		ASSERT_EQ(sh->r[2][lv].node, 3);
		ASSERT_EQ(sh->r[2][lv].arg, 10ULL * 1000000000ULL);
		ASSERT_EQ(sh->r[2][lv].node_state, GMM_NODE_ALIVE);
		ASSERT_EQ(sh->r[2][lv].lookup, 0);
		ASSERT_EQ(sh->r[2][d].flags & MCS_EVF_PLANNED, MCS_EVF_PLANNED);
		CU_ASSERT(sh->r[2][d].node_state == GMM_NODE_RECOVERING ||
			  sh->r[2][d].node_state == GMM_NODE_CLEAN);
		CU_ASSERT(sh->r[2][d].lookup < 0);
		ASSERT_EQ(sh->r[2][l].arg, 1);
	}
	atomic_store(&sh->stop, 1);
	ASSERT_EQ(reap(watcher), 0);
	CU_ASSERT_FATAL(gmm_node_info(obs, 2, &ni) == 0);
	ASSERT_EQ(member_crashed(obs, 2, ni.incarnation, false, NULL), 0);
	teardown();
}

static void test_grace_honoured(void)
{
	const u64 grace = 300000000ULL;
	struct member_leave_report rep;
	struct gmm_node_info ni;
	pid_t leaver, watcher;
	u64 t0, t1;
	int lv, d;

	setup();
	watcher = sub_spawn(2, false); /* never acknowledges */
	leaver = sub_spawn(3, true);
	CU_ASSERT(wait_at_least(&sh->ready, 2));
	t0 = now_ns();
	ASSERT_EQ(member_planned_leave(obs, es0, 3, grace, &rep), 0);
	t1 = now_ns();
	ASSERT_EQ(rep.expected, 2);
	ASSERT_EQ(rep.acks, 1);
	ASSERT_EQ(rep.grace_expired, true);
	CU_ASSERT(t1 - t0 >= grace);
	CU_ASSERT(t1 - t0 < WAIT_NS);
	ASSERT_EQ(reap(leaver), 0);
	wait_event(2, MCS_EV_RECOVERY_DONE);
	lv = find(2, MCS_EV_LEAVING, 0);
	d = find(2, MCS_EV_NODE_DOWN, 0);
	CU_ASSERT(lv >= 0 && d > lv);
	/* Revoked no sooner than the grace period after the warning. */
	if (lv >= 0 && d > lv)
		CU_ASSERT(sh->r[2][d].t_ns - sh->r[2][lv].t_ns >= grace / 2);
	atomic_store(&sh->stop, 1);
	ASSERT_EQ(reap(watcher), 0);
	CU_ASSERT_FATAL(gmm_node_info(obs, 2, &ni) == 0);
	ASSERT_EQ(member_crashed(obs, 2, ni.incarnation, false, NULL), 0);
	teardown();
}

/* ---- local delivery ---- */

struct got {
	int n;
	u32 type[200];
	u64 seq[200];
	u64 arg[200];
};

static void on_event(void *arg, const struct mcs_event *ev)
{
	struct got *g = arg;

	if (g->n < 200) {
		g->type[g->n] = ev->type;
		g->seq[g->n] = ev->seq;
		g->arg[g->n] = ev->arg;
		g->n++;
	}
}

static void test_local(void)
{
	struct got all = { 0 }, up = { 0 };
	struct mcs_event_sub *sa, *su;
	struct mcs_event ev = { .type = MCS_EV_NODE_UP, .node = 1 };
	struct gmm_region *r1;
	__le32 *subs;
	void *m1;
	u32 n0;
	int i;

	setup();
	ASSERT_EQ(cev_subscribe(es0, 0, on_event, &all, &sa), -EINVAL);
	ASSERT_EQ(cev_subscribe(es0, MCS_EV_ALL, on_event, &all, &sa), 0);
	ASSERT_EQ(cev_subscribe(es0, MCS_EV_MASK(MCS_EV_NODE_UP), on_event,
				      &up, &su), 0);
	ev.type = MCS_EV_OVERRUN;
	ASSERT_EQ(cev_post(es0, &ev, NULL), -EINVAL);

	/* A joining node announces itself. */
	m1 = fabric_map(&fab);
	CU_ASSERT_FATAL(gmm_attach(m1, fab.size, &r1) == 0);
	ASSERT_EQ(member_joined(r1), -ENOTCONN);
	CU_ASSERT_FATAL(gmm_node_join(r1, 1) == 0);
	ASSERT_EQ(member_joined(r1), 0);
	ev.type = MCS_EV_RECOVERY_DONE;
	ASSERT_EQ(cev_post(es0, &ev, NULL), 0);
	ASSERT_EQ(cev_dispatch(es0), 2);
	ASSERT_EQ(all.n, 2);
	ASSERT_EQ(up.n, 1);
	ASSERT_EQ(up.type[0], MCS_EV_NODE_UP);
	ASSERT_EQ(all.type[1], MCS_EV_RECOVERY_DONE);
	ASSERT_EQ(cev_dispatch(es0), 0);

	/* Lapped: one OVERRUN, then the newest records in order. */
	cev_unsubscribe(es0, su);
	all.n = 0;
	for (i = 0; i < 100; i++) {
		ev.arg = (u64)i;
		ASSERT_EQ(cev_post(es0, &ev, NULL), 0);
	}
	cev_dispatch(es0);
	CU_ASSERT_FATAL(all.n > 1);
	ASSERT_EQ(all.type[0], MCS_EV_OVERRUN);
	CU_ASSERT(all.arg[0] >= 100 - MCS_EVENT_LOG_LEN);
	ASSERT_EQ(all.seq[0] + all.arg[0], all.seq[1]);
	for (i = 1; i < all.n; i++) {
		ASSERT_EQ(all.type[i], MCS_EV_RECOVERY_DONE);
		if (i > 1)
			ASSERT_EQ(all.seq[i], all.seq[i - 1] + 1);
	}
	ASSERT_EQ(all.arg[all.n - 1], 99);
	ASSERT_EQ(all.seq[all.n - 1], cev_seq(es0));
	ASSERT_EQ(up.n, 1); /* unsubscribed */

	/* A LEAVING subscriber dropped locally stays counted in the fabric. */
	subs = &cev_log(obs)->leave_subs[0];
	n0 = mcs_rd32(subs); /* all's */
	ASSERT_EQ(cev_subscribe(es0, MCS_EV_MASK(MCS_EV_LEAVING), on_event,
				&up, &su), 0);
	ASSERT_EQ(mcs_rd32(subs), n0 + 1);
	cev_unsubscribe_local(es0, su);
	ASSERT_EQ(mcs_rd32(subs), n0 + 1);
	ASSERT_EQ(cev_subscribe(es0, MCS_EV_MASK(MCS_EV_LEAVING), on_event,
				&up, &su), 0);
	cev_unsubscribe(es0, su);
	ASSERT_EQ(mcs_rd32(subs), n0 + 1);
	mcs_wr32(subs, n0);

	ASSERT_EQ(gmm_node_down(obs, 1, gmm_self_incarnation(r1), false), 0);
	ASSERT_EQ(member_recover(obs, 1, NULL), 0);
	gmm_detach(r1);
	fabric_unmap(&fab, m1);
	teardown();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "crash: recovered, then told, in order", test_crash_order },
		{ "planned leave: told, acknowledged, then revoked", test_planned_leave },
		{ "planned leave: grace period honoured", test_grace_honoured },
		{ "local delivery: masks, join, overrun", test_local },
	};

	sh = unit_shared(sizeof(*sh));
	if (!sh)
		return 2;
	return unit_run("events", tests, ARRAY_SIZE(tests));
}
