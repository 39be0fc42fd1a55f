// SPDX-License-Identifier: GPL-2.0
/*
 * test_mcsd - mcsd's membership state machine (daemons/mcsd/membership.c)
 * in a fake cluster: up to four state machines share a totally ordered
 * message bus (as CPG delivers), configuration changes with ring ids and
 * quorum, and a fake fabric whose JOIN, NODE_DOWN and RECOVER answer as
 * the kernel's do (-EBUSY alive, -EAGAIN lease not lapsed / recovery not
 * finished). It proves:
 *
 *   - nothing is done until the membership settles: quorate, the CPG ring
 *     equal to the quorum ring, a START from every member;
 *   - the first node formats and joins; later ones are admitted one at a
 *     time, the next only after the previous one said "joined";
 *   - only the lowest joined member declares and recovers a failed node,
 *     retrying while RECOVER says -EAGAIN; a crash is declared without
 *     flags, a planned leave with MEMORY_LOST | PLANNED;
 *   - the recoverer dying mid-recovery (a second failure) hands both
 *     recoveries to the next lowest member;
 *   - a stale incarnation of a restarted node (JOIN -EBUSY) is recovered
 *     by the admitter first; a node beyond the region's slots never joins;
 *   - quorum loss freezes, quorum back thaws, a fenced node rejoins;
 *   - mcsd.conf: defaults, values, an unknown key and bad values refused.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemons/mcsd/membership.h"

#define N 4

struct fnode {
	struct mcsd_sm sm;
	uint32_t id;
	bool up;
	bool retry;
	bool hb;
	int freezes, thaws, formats, joins;
	int node_downs[N + 1], recovers[N + 1];
	uint32_t down_flags[N + 1];
	uint32_t kstate; /* MCS_STATE_FENCED etc. beyond REGION */
};

struct fslot {
	uint32_t state, inc;
	bool lapsed; /* its lease expired (or was released) */
	uint32_t recovered_by;
};

static struct fnode nodes[N + 1];
static struct fslot fab[N];
static bool region;
static uint32_t slots;
static uint64_t now;
static uint64_t ring_seq;
static uint32_t expected_votes;
static bool verbose;

#define QMAX 4096
static struct mcsd_msg q[QMAX];
static unsigned int qh, qt;
static struct mcsd_msg held[64];
static unsigned int nheld;
static uint32_t hold_starts_of;

/* What was delivered, in order: (type, node). */
static uint32_t seen_type[QMAX], seen_node[QMAX];
static unsigned int nseen;

static int f_send(void *ctx, const struct mcsd_msg *m)
{
	struct fnode *f = ctx;
	struct mcsd_msg c = *m;

	c.from = f->id;
	if (m->type == MCSD_MSG_START && f->id == hold_starts_of) {
		held[nheld++] = c;
		return 0;
	}
	CU_ASSERT_FATAL(qt < QMAX);
	q[qt++] = c;
	return 0;
}

static int f_status(void *ctx, struct mcsd_kstatus *st)
{
	struct fnode *f = ctx;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->state = MCS_STATE_FABRIC | (region ? MCS_STATE_REGION : 0) | f->kstate;
	st->nr_nodes = region ? slots : 0;
	for (i = 0; i < st->nr_nodes; i++) {
		st->node_state[i] = fab[i].state;
		st->node_inc[i] = fab[i].inc;
	}
	return 0;
}

static int f_format(void *ctx)
{
	struct fnode *f = ctx;

	if (region)
		return -EEXIST;
	f->formats++;
	region = true;
	return 0;
}

static int f_join(void *ctx, uint32_t node, uint32_t *inc)
{
	struct fnode *f = ctx;

	CU_ASSERT_EQUAL(node, f->id - 1);
	if (!region)
		return -ENOMEDIUM;
	if (fab[node].state == MCS_NODE_ALIVE)
		return -EBUSY;
	if (fab[node].state == MCS_NODE_DOWN ||
	    fab[node].state == MCS_NODE_RECOVERING)
		return -EAGAIN;
	f->joins++;
	f->kstate = 0;
	fab[node].state = MCS_NODE_ALIVE;
	fab[node].lapsed = false;
	*inc = ++fab[node].inc;
	return 0;
}

static int f_node_down(void *ctx, uint32_t node, uint32_t inc, uint32_t flags)
{
	struct fnode *f = ctx;

	CU_ASSERT(node != f->id - 1);
	if (fab[node].state != MCS_NODE_ALIVE)
		return 0; /* idempotent */
	if (fab[node].inc != inc)
		return -ESTALE;
	f->node_downs[node + 1]++;
	f->down_flags[node + 1] = flags;
	fab[node].state = MCS_NODE_DOWN;
	return 0;
}

static int f_recover(void *ctx, uint32_t node, struct mcsd_recovered *r)
{
	struct fnode *f = ctx;

	if (fab[node].state == MCS_NODE_ALIVE)
		return -EBUSY;
	if (fab[node].state == MCS_NODE_CLEAN || fab[node].state == MCS_NODE_ABSENT) {
		r->result = MCS_RECOVER_NOTHING;
		r->incarnation = fab[node].inc;
		return 0;
	}
	f->recovers[node + 1]++;
	if (!fab[node].lapsed)
		return -EAGAIN;
	fab[node].state = MCS_NODE_CLEAN;
	fab[node].recovered_by = f->id;
	r->incarnation = fab[node].inc;
	r->total_ns = 1000;
	return 0;
}

static int f_freeze(void *ctx)
{
	((struct fnode *)ctx)->freezes++;
	return 0;
}

static int f_thaw(void *ctx)
{
	struct fnode *f = ctx;

	if (f->kstate & MCS_STATE_FENCED)
		return -ESTALE;
	f->thaws++;
	return 0;
}

static void f_heartbeat(void *ctx, bool on)
{
	((struct fnode *)ctx)->hb = on;
}

static void f_retry(void *ctx, uint32_t ms)
{
	(void)ms;
	((struct fnode *)ctx)->retry = true;
}

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return now;
}

static void f_log(void *ctx, int prio, const char *msg)
{
	(void)prio;
	if (verbose)
		printf("  [node %u] %s\n", ((struct fnode *)ctx)->id - 1, msg);
}

static const struct mcsd_ops fops = {
	.send = f_send, .status = f_status, .format = f_format,
	.join = f_join, .node_down = f_node_down, .recover = f_recover,
	.freeze = f_freeze, .thaw = f_thaw, .heartbeat = f_heartbeat,
	.retry = f_retry, .now_ms = f_now, .log = f_log,
};

static void reset(uint32_t nr_slots, uint32_t votes)
{
	uint32_t i;

	memset(nodes, 0, sizeof(nodes));
	memset(fab, 0, sizeof(fab));
	region = false;
	slots = nr_slots;
	now = 1000;
	ring_seq = 100;
	expected_votes = votes;
	qh = qt = nheld = nseen = 0;
	hold_starts_of = 0;
	for (i = 1; i <= N; i++) {
		nodes[i].id = i;
		mcsd_sm_init(&nodes[i].sm, &fops, &nodes[i], i);
	}
}

/* Deliver everything queued to every member, in one order. */
static void pump(void)
{
	uint32_t i;

	while (qh < qt) {
		struct mcsd_msg m = q[qh++];

		if (nseen < QMAX) {
			seen_type[nseen] = m.type;
			seen_node[nseen++] = m.node;
		}
		for (i = 1; i <= N; i++)
			if (nodes[i].up)
				mcsd_sm_message(&nodes[i].sm, &m);
	}
	qh = qt = 0;
}

static void release_held(void)
{
	unsigned int i;

	hold_starts_of = 0;
	for (i = 0; i < nheld; i++)
		q[qt++] = held[i];
	nheld = 0;
	pump();
}

static uint32_t nr_up(void)
{
	uint32_t i, n = 0;

	for (i = 1; i <= N; i++)
		n += nodes[i].up;
	return n;
}

/*
 * One membership change: CPG's confchg, the new totem ring, then quorum
 * (quorate with a majority of expected_votes) on every member.
 */
static void change(uint32_t joined, uint32_t left, uint32_t reason, bool with_quorum)
{
	uint32_t mem[N], lft[N], rsn[N], jn[N], nm = 0, nl = 0, nj = 0, i;

	for (i = 1; i <= N; i++) {
		if (joined & (1U << i)) {
			nodes[i].up = true;
			jn[nj++] = i;
		}
		if (left & (1U << i)) {
			nodes[i].up = false;
			lft[nl] = i;
			rsn[nl++] = reason;
		}
	}
	for (i = 1; i <= N; i++)
		if (nodes[i].up)
			mem[nm++] = i;
	ring_seq++;
	for (i = 1; i <= N; i++) {
		if (!nodes[i].up)
			continue;
		mcsd_sm_confchg(&nodes[i].sm, mem, nm, lft, rsn, nl, jn, nj);
		mcsd_sm_totem(&nodes[i].sm, 1, ring_seq);
		if (with_quorum)
			mcsd_sm_quorum(&nodes[i].sm, nr_up() * 2 > expected_votes,
				       1, ring_seq);
	}
	pump();
}

/* Fire every armed retry timer once. */
static void tick(void)
{
	uint32_t i;

	for (i = 1; i <= N; i++)
		if (nodes[i].up && nodes[i].retry) {
			nodes[i].retry = false;
			mcsd_sm_tick(&nodes[i].sm);
		}
	pump();
}

static int seen_index(uint32_t type, uint32_t node)
{
	unsigned int i;

	for (i = 0; i < nseen; i++)
		if (seen_type[i] == type && seen_node[i] == node)
			return (int)i;
	return -1;
}

static unsigned int seen_count(uint32_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < nseen; i++)
		n += seen_type[i] == type;
	return n;
}

/* A cluster of the nodes in mask, all joined, one at a time. */
static void boot(uint32_t mask)
{
	uint32_t i, votes = expected_votes;

	expected_votes = 1; /* each one quorate on its own while booting */
	for (i = 1; i <= N; i++)
		if (mask & (1U << i))
			change(1U << i, 0, 0, true);
	for (i = 1; i <= N; i++)
		if (mask & (1U << i))
			CU_ASSERT_EQUAL_FATAL(nodes[i].sm.phase, MCSD_PH_JOINED);
	expected_votes = votes;
}

static void test_settle(void)
{
	uint32_t mem[1] = { 1 }, jn[1] = { 1 };

	reset(N, 1);
	nodes[1].up = true;
	mcsd_sm_confchg(&nodes[1].sm, mem, 1, NULL, NULL, 0, jn, 1);
	mcsd_sm_totem(&nodes[1].sm, 1, 7);
	pump();
	/* No quorum information yet: nothing. */
	CU_ASSERT_FALSE(mcsd_sm_settled(&nodes[1].sm));
	CU_ASSERT_EQUAL(seen_count(MCSD_MSG_JOIN_REQ), 0);
	/* Quorate, but the quorum's ring is another one. */
	mcsd_sm_quorum(&nodes[1].sm, true, 1, 6);
	pump();
	CU_ASSERT_FALSE(mcsd_sm_settled(&nodes[1].sm));
	CU_ASSERT_EQUAL(seen_count(MCSD_MSG_JOIN_REQ), 0);
	/* The same ring, not quorate. */
	mcsd_sm_quorum(&nodes[1].sm, false, 1, 7);
	pump();
	CU_ASSERT_FALSE(mcsd_sm_settled(&nodes[1].sm));
	CU_ASSERT_EQUAL(nodes[1].freezes, 1);
	CU_ASSERT_EQUAL(fab[0].state, MCS_NODE_ABSENT);
	/* Quorate on the same ring: format, join. */
	mcsd_sm_quorum(&nodes[1].sm, true, 1, 7);
	pump();
	CU_ASSERT_TRUE(mcsd_sm_settled(&nodes[1].sm));
	CU_ASSERT_TRUE(nodes[1].hb);
	CU_ASSERT_EQUAL(nodes[1].formats, 1);
	CU_ASSERT_EQUAL(nodes[1].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT_EQUAL(fab[0].state, MCS_NODE_ALIVE);
	CU_ASSERT_EQUAL(fab[0].inc, 1);

	/* A START missing: not settled until it comes. */
	expected_votes = 3;
	hold_starts_of = 2;
	change(1U << 2, 0, 0, true);
	CU_ASSERT_FALSE(mcsd_sm_settled(&nodes[1].sm));
	CU_ASSERT_FALSE(mcsd_sm_settled(&nodes[2].sm));
	CU_ASSERT_EQUAL(nodes[2].sm.phase, MCSD_PH_BOOT);
	CU_ASSERT_EQUAL(seen_index(MCSD_MSG_GRANT, 2), -1);
	release_held();
	CU_ASSERT_TRUE(mcsd_sm_settled(&nodes[1].sm));
	CU_ASSERT_EQUAL(nodes[2].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT_EQUAL(nodes[2].formats, 0);
	CU_ASSERT_EQUAL(fab[1].state, MCS_NODE_ALIVE);
}

static void test_admission(void)
{
	reset(N, 4);
	boot(1U << 1);
	/* Node 1's old incarnation is still being recovered: -EAGAIN. */
	fab[1].state = MCS_NODE_RECOVERING;
	fab[1].inc = 4;
	nseen = 0;
	change(1U << 2 | 1U << 3, 0, 0, true);
	CU_ASSERT_EQUAL(seen_count(MCSD_MSG_GRANT), 1);
	CU_ASSERT_NOT_EQUAL(seen_index(MCSD_MSG_GRANT, 2), -1);
	CU_ASSERT_EQUAL(nodes[2].sm.phase, MCSD_PH_JOINING);
	CU_ASSERT_TRUE(nodes[2].retry);
	tick();
	tick();
	/* Still one grant: node 3 waits for node 2. */
	CU_ASSERT_EQUAL(seen_count(MCSD_MSG_GRANT), 1);
	CU_ASSERT_EQUAL(nodes[3].sm.phase, MCSD_PH_WAITING);
	fab[1].state = MCS_NODE_CLEAN;
	tick();
	CU_ASSERT_EQUAL(nodes[2].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT_EQUAL(fab[1].inc, 5);
	CU_ASSERT_EQUAL(nodes[3].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT(seen_index(MCSD_MSG_JOINED, 2) < seen_index(MCSD_MSG_GRANT, 3));
	CU_ASSERT_EQUAL(seen_count(MCSD_MSG_GRANT), 2);
	/* Every node agrees: queue empty, nobody granted. */
	CU_ASSERT_EQUAL(nodes[1].sm.queue_len, 0);
	CU_ASSERT_EQUAL(nodes[3].sm.granted, 0);
}

static void test_recover_lowest_eagain(void)
{
	uint32_t i;

	reset(N, 3);
	boot(1U << 1 | 1U << 2 | 1U << 3);
	change(0, 1U << 3, 2 /* CPG_REASON_NODEDOWN is 3 */ + 1, true);
	/* Node 0 declares node 2 down, its lease holds: -EAGAIN, retry. */
	CU_ASSERT_EQUAL(nodes[1].node_downs[3], 1);
	CU_ASSERT_EQUAL(nodes[1].down_flags[3], 0);
	CU_ASSERT_EQUAL(nodes[1].recovers[3], 1);
	CU_ASSERT_TRUE(nodes[1].retry);
	CU_ASSERT_EQUAL(nodes[2].node_downs[3], 0);
	CU_ASSERT_EQUAL(nodes[2].recovers[3], 0);
	tick();
	CU_ASSERT_EQUAL(nodes[1].recovers[3], 2);
	CU_ASSERT_EQUAL(fab[2].state, MCS_NODE_DOWN);
	now += 3000;
	fab[2].lapsed = true;
	tick();
	CU_ASSERT_EQUAL(fab[2].state, MCS_NODE_CLEAN);
	CU_ASSERT_EQUAL(fab[2].recovered_by, 1);
	CU_ASSERT_EQUAL(nodes[2].recovers[3], 0);
	CU_ASSERT_EQUAL(seen_count(MCSD_MSG_RECOVERED), 1);
	for (i = 1; i <= 2; i++)
		CU_ASSERT_EQUAL(nodes[i].sm.failed, 0);
	/* It comes back (a new mcsd): admitted, a new incarnation. */
	mcsd_sm_init(&nodes[3].sm, &fops, &nodes[3], 3);
	change(1U << 3, 0, 0, true);
	CU_ASSERT_EQUAL(nodes[3].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT_EQUAL(fab[2].inc, 2);
	CU_ASSERT_EQUAL(nodes[1].node_downs[3], 1);
}

static void test_recoverer_dies(void)
{
	reset(N, 3);
	boot(1U << 1 | 1U << 2 | 1U << 3 | 1U << 4);
	change(0, 1U << 4, 3, true);
	CU_ASSERT_EQUAL(nodes[1].recovers[4], 1);
	CU_ASSERT_EQUAL(fab[3].state, MCS_NODE_DOWN);
	/* Node 0 is in the middle of it and dies too. */
	fab[3].state = MCS_NODE_RECOVERING;
	change(0, 1U << 1, 3, true);
	CU_ASSERT_EQUAL(nodes[2].sm.failed, mcsd_bit(1) | mcsd_bit(4));
	CU_ASSERT_EQUAL(mcsd_sm_recoverer(&nodes[2].sm), 2);
	CU_ASSERT_EQUAL(nodes[2].node_downs[1], 1);
	CU_ASSERT_EQUAL(nodes[3].node_downs[1], 0);
	fab[3].lapsed = true;
	tick();
	/* Node 0's lease still holds: node 3's recovery does not wait for it. */
	CU_ASSERT_EQUAL(fab[3].state, MCS_NODE_CLEAN);
	CU_ASSERT_NOT_EQUAL(fab[0].state, MCS_NODE_CLEAN);
	fab[0].lapsed = true;
	tick();
	CU_ASSERT_EQUAL(fab[0].state, MCS_NODE_CLEAN);
	CU_ASSERT_EQUAL(fab[3].state, MCS_NODE_CLEAN);
	CU_ASSERT_EQUAL(fab[0].recovered_by, 2);
	CU_ASSERT_EQUAL(fab[3].recovered_by, 2);
	/* The half-done one was repeated, not declared again. */
	CU_ASSERT_EQUAL(nodes[2].node_downs[4], 0);
	CU_ASSERT_EQUAL(nodes[3].recovers[1] + nodes[3].recovers[4], 0);
	CU_ASSERT_EQUAL(nodes[3].sm.failed, 0);
}

static void test_planned_leave(void)
{
	reset(N, 3);
	boot(1U << 1 | 1U << 2 | 1U << 3);
	CU_ASSERT_EQUAL(mcsd_sm_leave(&nodes[3].sm), 0);
	pump();
	CU_ASSERT_TRUE(nodes[1].sm.m[3].leaving);
	/* LEAVE released its lease; the group leave follows. */
	fab[2].lapsed = true;
	change(0, 1U << 3, 2 /* CPG_REASON_LEAVE */, true);
	CU_ASSERT_EQUAL(nodes[1].node_downs[3], 1);
	CU_ASSERT_EQUAL(nodes[1].down_flags[3],
			MCS_DOWN_MEMORY_LOST | MCS_DOWN_PLANNED);
	CU_ASSERT_EQUAL(fab[2].state, MCS_NODE_CLEAN);
	CU_ASSERT_EQUAL(nodes[2].node_downs[3], 0);
	/* Leaving the group without saying LEAVING first is no plan. */
	fab[1].lapsed = true;
	change(0, 1U << 2, 2, true);
	CU_ASSERT_EQUAL(nodes[1].down_flags[2], 0);
}

static void test_stale_self(void)
{
	reset(N, 3);
	boot(1U << 1);
	/* Node 1 died before; nobody saw it (its slot is alive, lease gone). */
	fab[1].state = MCS_NODE_ALIVE;
	fab[1].inc = 7;
	fab[1].lapsed = true;
	change(1U << 2, 0, 0, true);
	CU_ASSERT_NOT_EQUAL(seen_index(MCSD_MSG_STALE, 2), -1);
	CU_ASSERT_EQUAL(nodes[1].node_downs[2], 1);
	CU_ASSERT_EQUAL(fab[1].recovered_by, 1);
	CU_ASSERT_EQUAL(nodes[2].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT_EQUAL(fab[1].inc, 8);
}

static void test_nodeid_beyond(void)
{
	reset(2, 3);
	boot(1U << 1 | 1U << 2);
	change(1U << 3, 0, 0, true);
	CU_ASSERT_EQUAL(nodes[3].sm.phase, MCSD_PH_FAILED);
	CU_ASSERT_EQUAL(nodes[3].sm.exit_code, MCSD_EXIT_NODEID);
	CU_ASSERT_EQUAL(nodes[3].joins, 0);
	CU_ASSERT_EQUAL(nodes[3].formats, 0);
	CU_ASSERT_EQUAL(nodes[1].sm.granted, 0);
	CU_ASSERT_EQUAL(nodes[1].sm.queue_len, 0);
}

static void test_quorum_fence(void)
{
	reset(N, 3);
	boot(1U << 1 | 1U << 2);
	mcsd_sm_quorum(&nodes[1].sm, false, 1, ring_seq);
	CU_ASSERT_FALSE(nodes[1].hb);
	CU_ASSERT_EQUAL(nodes[1].freezes, 1);
	mcsd_sm_quorum(&nodes[1].sm, true, 1, ring_seq);
	CU_ASSERT_TRUE(nodes[1].hb);
	CU_ASSERT_EQUAL(nodes[1].thaws, 1);
	/* Cut off long enough for the kernel to fence it: no thaw. */
	mcsd_sm_quorum(&nodes[2].sm, false, 1, ring_seq);
	nodes[2].kstate = MCS_STATE_FENCED | MCS_STATE_FROZEN;
	mcsd_sm_quorum(&nodes[2].sm, true, 1, ring_seq);
	pump();
	CU_ASSERT_EQUAL(nodes[2].thaws, 0);
	CU_ASSERT_NOT_EQUAL(seen_index(MCSD_MSG_FENCED, 2), -1);
	/* Node 0 recovers it once its lease lapsed; it rejoins. */
	CU_ASSERT_EQUAL(nodes[1].node_downs[2], 1);
	fab[1].lapsed = true;
	tick();
	tick();
	CU_ASSERT_EQUAL(fab[1].recovered_by, 1);
	CU_ASSERT_EQUAL(nodes[2].sm.phase, MCSD_PH_JOINED);
	CU_ASSERT_EQUAL(fab[1].inc, 2);
}

static void test_conf(void)
{
	struct mcsd_conf c;
	char err[256];

	mcsd_conf_defaults(&c);
	CU_ASSERT_EQUAL(c.deadline_ms, MCS_DEADLINE_MS_DEFAULT);
	CU_ASSERT_EQUAL(c.lease_ms, MCS_LEASE_MS_DEFAULT);
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "# c\n deadline_ms = 500\nlease_ms=2000 # x\n\ngrace_ms=100\nnodes=8\n",
					err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.deadline_ms, 500);
	CU_ASSERT_EQUAL(c.lease_ms, 2000);
	CU_ASSERT_EQUAL(c.grace_ms, 100);
	CU_ASSERT_EQUAL(c.nodes, 8);
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "lease=1\n", err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'lease'"));
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "nodes=65\n", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "grace_ms=1x\n", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "deadline_ms\n", err, sizeof(err)), -EINVAL);
	mcsd_conf_defaults(&c);
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "deadline_ms=2000\n", err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lease_ms / 2"));
	/* The cluster key's file: an absolute path, none by default. */
	mcsd_conf_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.key_file, "");
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "key_file = /etc/mcs/cluster.key\n",
					err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.key_file, "/etc/mcs/cluster.key");
	CU_ASSERT_EQUAL(mcsd_conf_parse(&c, "key_file = cluster.key\n", err,
					sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "absolute path"));
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "settle: quorum, ring id, every START", test_settle },
		{ "admission one at a time, JOIN -EAGAIN", test_admission },
		{ "lowest recovers, RECOVER -EAGAIN retried", test_recover_lowest_eagain },
		{ "the recoverer dies: the next takes both", test_recoverer_dies },
		{ "planned leave flags", test_planned_leave },
		{ "stale incarnation of a joining node", test_stale_self },
		{ "node id beyond the region's slots", test_nodeid_beyond },
		{ "quorum loss freezes; fenced rejoins", test_quorum_fence },
		{ "mcsd.conf", test_conf },
	};
	CU_pSuite s;
	unsigned int i, failed;

	verbose = getenv("MCSD_TEST_VERBOSE") != NULL;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("mcsd", NULL, NULL);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
