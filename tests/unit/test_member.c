// SPDX-License-Identifier: GPL-2.0
/*
 * test_member - proves the one recovery sequence, member_recover()
 * (drivers/member/recovery.c):
 *
 *   - its stages run and are logged in order, each timed, each component
 *     recovering its own state: the dead node's share, its held global
 *     mutexes (next acquirer: owner-dead), its named segment's name when its
 *     memory is lost; the events are told, and only then is the node
 *     clean;
 *   - it restarts at any stage: a recoverer "dies" (siglongjmp out of the
 *     core) at every crash point of the sequence, with the victim's memory
 *     kept and lost; another survivor recovers the recoverer and the
 *     victim; the region is clean and the victim's NODE_DOWN and
 *     RECOVERY_DONE (and RESOURCE_LOST when its memory was lost) were
 *     told at least once. Every crash point of the sequence must be died
 *     at.
 */
#include "unit.h"
#include "os/crashpoint.h"

#define VICTIM 2
#define HELPER 1 /* the recoverer that dies */
#define REC 0	 /* the one that finishes */
#define MUTEX_GID 0x77

static void setup(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES, .sync_objects = 64 };

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
}

/*
 * The victim holds a share, a named segment and two locked global mutexes
 * (two, so that a recoverer can die between breaking one and the other).
 */
static void victim_holds(int v)
{
	struct gmm_seg_info si;
	struct gsync_table t;
	struct gsync_handle m;
	u64 gid;

	ASSERT_EQ(gmm_alloc(h[v], 0x1000 + (u64)v, PG, GMM_PLACE_NEAREST, 7,
			    &si),
		  0);
	ASSERT_EQ(gns_seg_create(h[v], "on-victim", PG, GMM_PLACE_NEAREST, 7,
				 NULL, NULL),
		  0);
	gsync_table_of(h[v], &t);
	for (gid = MUTEX_GID; gid < MUTEX_GID + 2; gid++) {
		ASSERT_EQ(gsync_create(&t, gid, GSYNC_MUTEX, false, &m), 0);
		ASSERT_EQ(gsync_mutex_lock(&t, &m, GSYNC_INFINITE), 0);
	}
}

/* What node 3's subscriber heard, in order. */
struct heard {
	u32 n;
	struct mcs_event ev[32];
};

static void hear(void *arg, const struct mcs_event *ev)
{
	struct heard *hd = arg;

	if (hd->n < ARRAY_SIZE(hd->ev))
		hd->ev[hd->n++] = *ev;
}

static int heard_count(const struct heard *hd, u32 type, u32 node)
{
	int c = 0;
	u32 i;

	for (i = 0; i < hd->n; i++)
		if (hd->ev[i].type == type && hd->ev[i].node == node)
			c++;
	return c;
}

/* ---- stages in order ---- */

struct stage_log {
	u32 n;
	u32 stage[MEMBER_NR_STAGES * 2];
};

static void log_stage(void *arg, u32 node, u32 stage, u64 ns, const char *what)
{
	struct stage_log *l = arg;

	(void)ns;
	CU_ASSERT(node == VICTIM);
	CU_ASSERT(what != NULL && what[0] != '\0');
	if (l->n < ARRAY_SIZE(l->stage))
		l->stage[l->n++] = stage;
}

static void test_stages(void)
{
	struct stage_log log = { 0 };
	struct member_recovery rec = { .log = log_stage, .log_arg = &log };
	struct gsync_handle m;
	struct gsync_table t;
	struct gmm_node_info ni;
	struct mcs_events *es;
	struct mcs_event_sub *sub;
	struct heard hd = { 0 };
	u64 t0, total, sum = 0;
	u32 i;

	setup();
	CU_ASSERT_FATAL(cev_region_open(h[3], &es) == 0);
	CU_ASSERT_FATAL(cev_subscribe(es, MCS_EV_ALL, hear, &hd, &sub) == 0);
	victim_holds(VICTIM);
	unit_node_dies(VICTIM, true);
	t0 = mcs_os_now_ns();
	ASSERT_EQ(member_recover(h[REC], VICTIM, &rec), 0);
	total = mcs_os_now_ns() - t0;

	/* Every stage once, in order, each timed within the whole. */
	ASSERT_EQ(log.n, MEMBER_NR_STAGES);
	for (i = 0; i < log.n; i++)
		ASSERT_EQ(log.stage[i], i);
	for (i = 0; i < MEMBER_NR_STAGES; i++)
		sum += rec.stage_ns[i];
	CU_ASSERT(sum <= total);
	ASSERT_EQ(rec.runs, 1);
	CU_ASSERT(strcmp(member_stage_name(MEMBER_STAGE_SYNC), "sync") == 0);
	CU_ASSERT(strcmp(member_stage_name(MEMBER_NR_STAGES), "?") == 0);

	/* Each component recovered its own state. */
	CU_ASSERT(rec.memory_lost);
	ASSERT_EQ(rec.gmm.sections_revoked, 2);
	ASSERT_EQ(rec.sync_locks_broken, 2);
	ASSERT_EQ(rec.gns.dangling_removed, 1);
	CU_ASSERT(rec.told);
	CU_ASSERT_FATAL(gmm_node_info(obs, VICTIM, &ni) == 0);
	ASSERT_EQ(ni.state, GMM_NODE_CLEAN);
	gsync_table_of(h[3], &t);
	ASSERT_EQ(gsync_open(&t, MUTEX_GID, &m), 0);
	ASSERT_EQ(gsync_mutex_lock(&t, &m, 0), -EOWNERDEAD);
	ASSERT_EQ(gsync_mutex_consistent(&t, &m), 0);
	ASSERT_EQ(gsync_mutex_unlock(&t, &m), 0);
	ASSERT_EQ(gns_lookup(obs, "on-victim", NULL), -ENOENT);

	/* Told once, in the crash order. */
	ASSERT_EQ(cev_dispatch(es), 3);
	ASSERT_EQ(hd.n, 3);
	ASSERT_EQ(hd.ev[0].type, MCS_EV_NODE_DOWN);
	ASSERT_EQ(hd.ev[1].type, MCS_EV_RESOURCE_LOST);
	ASSERT_EQ(hd.ev[1].arg, 2);
	ASSERT_EQ(hd.ev[2].type, MCS_EV_RECOVERY_DONE);

	/*
	 * Many segments on a lost partition: the revocation walks the master
	 * table instead of the home index (recover.c); both find them all.
	 */
	for (i = 0; i < 80; i++)
		ASSERT_EQ(gmm_alloc(h[1], 0x5000 + i, PG, 1, 9, NULL), 0);
	unit_node_dies(1, true);
	memset(&rec, 0, sizeof(rec));
	ASSERT_EQ(member_recover(h[REC], 1, &rec), 0);
	ASSERT_EQ(rec.gmm.sections_revoked, 80);
	ASSERT_EQ(cev_dispatch(es), 3);
	hd.n = 0;
	unit_node_up(1);
	unit_node_up(VICTIM);

	/* Nothing left to do: a second call tells nobody. */
	unit_node_dies(VICTIM, false);
	ASSERT_EQ(member_recover(h[3], VICTIM, NULL), 0);
	ASSERT_EQ(cev_dispatch(es), 2);
	memset(&rec, 0, sizeof(rec));
	ASSERT_EQ(member_recover(h[3], VICTIM, &rec), 0);
	ASSERT_EQ(rec.incarnation, 0);
	ASSERT_EQ(cev_dispatch(es), 0);
	ASSERT_CLEAN(obs);
	cev_unsubscribe(es, sub);
	cev_close(es);
	unit_release();
}

/* ---- a recoverer dies at every stage ---- */

/* The crash points inside the sequence, and what the victim needs. */
static bool in_sequence(int cp)
{
	return (cp >= MCS_CP_RECOVERY_CLAIMED && cp <= MCS_CP_RECOVERY_TOLD) ||
	       cp == MCS_CP_GNS_RECOVERY_SETTLED;
}

/* One scenario; true if the helper died at @cp. */
static bool restart_at(int cp, bool lost)
{
	/* The rebuild of a master copy needs its holder to die, lost. */
	int victim = cp == MCS_CP_RECOVERY_MASTER_HALF_COPIED ? 0 : VICTIM;
	int helper = HELPER, rec = victim == 0 ? 3 : REC;
	struct mcs_events *es;
	struct mcs_event_sub *sub;
	struct heard hd = { 0 };
	struct gmm_node_info ni;
	volatile bool died = false;

	setup();
	CU_ASSERT_FATAL(cev_region_open(h[rec], &es) == 0);
	CU_ASSERT_FATAL(cev_subscribe(es, MCS_EV_ALL, hear, &hd, &sub) == 0);
	victim_holds(victim);
	unit_node_dies(victim, lost);
	armed_cp = cp;
	if (sigsetjmp(crash_env, 0)) {
		died = true;
	} else {
		armed = true;
		ASSERT_EQ(member_recover(h[helper], (u32)victim, NULL), 0);
		armed = false;
	}
	if (died) {
		/* The recoverer is dead too: its own recovery, then the rest. */
		unit_node_dies(helper, false);
		ASSERT_EQ(member_recover(h[rec], (u32)helper, NULL), 0);
		ASSERT_EQ(member_recover(h[rec], (u32)victim, NULL), 0);
	}
	CU_ASSERT_FATAL(gmm_node_info(obs, (u32)victim, &ni) == 0);
	ASSERT_EQ(ni.state, GMM_NODE_CLEAN);
	ASSERT_CLEAN(obs);
	while (cev_dispatch(es) > 0)
		;
	CU_ASSERT(heard_count(&hd, MCS_EV_NODE_DOWN, (u32)victim) >= 1);
	CU_ASSERT(heard_count(&hd, MCS_EV_RECOVERY_DONE, (u32)victim) >= 1);
	if (lost)
		CU_ASSERT(heard_count(&hd, MCS_EV_RESOURCE_LOST, (u32)victim) >=
			  1);
	ASSERT_EQ(gns_lookup(obs, "on-victim", NULL), lost ? -ENOENT : 0);
	cev_unsubscribe(es, sub);
	cev_close(es);
	unit_release();
	return died;
}

static void test_restart(void)
{
	unsigned int died[MCS_CP_COUNT] = { 0 }, scenarios = 0;
	int cp, lost;

	mcs_crash_hook = unit_crash_hook;
	for (cp = 0; cp < MCS_CP_COUNT; cp++) {
		if (!in_sequence(cp))
			continue;
		for (lost = 0; lost < 2; lost++) {
			scenarios++;
			if (restart_at(cp, lost))
				died[cp]++;
		}
	}
	mcs_crash_hook = NULL;
	printf("\n    recovery restarts: %u scenarios\n", scenarios);
	unit_assert_crash_points(died, MCS_CP_RECOVERY_CLAIMED,
				 MCS_CP_RECOVERY_TOLD + 1, "died at");
	unit_assert_crash_points(died, MCS_CP_GNS_RECOVERY_SETTLED,
				 MCS_CP_GNS_RECOVERY_SETTLED + 1, "died at");
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "stages in order, each component its own", test_stages },
		{ "a recoverer dies at every stage", test_restart },
	};

	return unit_run("member", tests, ARRAY_SIZE(tests));
}
