// SPDX-License-Identifier: GPL-2.0
/*
 * test_glock - proves the glock semantics across "nodes": separate
 * processes that each map the fabric file and join the region as their
 * own node (or, for the process cases, processes of one node that share
 * its handle), on the global mutexes of the sync table (each one glock):
 *
 *   - plain rules: relock by the owner -EDEADLK, unlock by a non-owner
 *     -EPERM, consistent on a healthy lock -EINVAL;
 *   - trylock: -EBUSY while another process holds it, 0 when free;
 *   - timed lock: -ETIMEDOUT after at least the timeout while held, 0 once
 *     the holder lets go within the timeout;
 *   - owner node dies (declared dead in the gmm node words, not yet
 *     recovered): the next acquirer gets -EOWNERDEAD and holds the lock;
 *     after recovery (which breaks the lock) likewise;
 *   - owner process exits on a live node: nothing changes until the host
 *     cleanup (gsync_process_exit) runs, then -EOWNERDEAD;
 *   - unlock without consistent: -ENOTRECOVERABLE for every later lock,
 *     trylock and timed lock, from every process;
 *   - mutual exclusion: 4 processes x 2 threads increment a plain counter
 *     under one lock; the total equals the number of increments;
 *   - no lost wake-ups: 16 sleepers in 8 processes queue behind a held
 *     lock with a liveness re-check of 60 s, so only wake-ups can move
 *     them; all must finish within a bounded wait;
 *   - FIFO: three processes queued in a known order get the lock in it;
 *   - global events: a manual-reset event releases all 6 waiters of 3
 *     processes; an auto-reset event released by 6 sets lets exactly 6
 *     waits through; a wait on an unset event times out.
 *
 * Every wait for another process is a bounded wait on a condition.
 */
#include <pthread.h>
#include <signal.h>

#include "unit.h"

/* The parent is node 0 on the observer's handle (obs). */
static struct gsync_table tab;

/* Shared with the children (anonymous shared memory, not the fabric). */
struct shared {
	atomic_int step;
	atomic_int ready;
	atomic_int done;
	atomic_int order[8];
	atomic_int norder;
	atomic_int result;
	volatile u64 plain; /* incremented under the lock only */
};
static struct shared *sh;

static u64 gid_seq = 0x100;

static struct gsync_handle new_mutex(void)
{
	struct gsync_handle hm;

	ASSERT_EQ(gsync_create(&tab, ++gid_seq, GSYNC_MUTEX, false, &hm), 0);
	return hm;
}

static void setup(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES, .sync_objects = 64 };

	unit_setup_with(8 * MiB, &fp, 0);
	CU_ASSERT_FATAL(gmm_node_join(obs, 0) == 0);
	gsync_table_of(obs, &tab);
	memset(sh, 0, sizeof(*sh));
}

static void teardown(void)
{
	unit_finish();
}

/* A child process joined as its own node; exits with the body's result. */
struct node_child {
	struct gmm_region *r;
	struct gsync_table t;
};

/* Join as @node and open @hm there (may be NULL), as a real node must. */
static void node_enter(struct node_child *nc, u32 node, struct gsync_handle *hm)
{
	nc->r = unit_child_join(node);
	gsync_table_of(nc->r, &nc->t);
	if (hm && gsync_open(&nc->t, hm->gid, hm))
		_exit(91);
}

static void node_recovered(u32 node)
{
	struct gmm_node_info ni;

	CU_ASSERT_FATAL(gmm_node_info(obs, node, &ni) == 0);
	if (ni.state == GMM_NODE_ALIVE)
		ASSERT_EQ(gmm_node_down(obs, node, ni.incarnation, false), 0);
	ASSERT_EQ(member_recover(obs, node, NULL), 0);
}

/* ---- plain rules, trylock, timed lock ---- */

static void test_rules(void)
{
	struct gsync_handle m;
	pid_t pid;
	u64 t0;

	setup();
	m = new_mutex();
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE), 0);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE), -EDEADLK);
	ASSERT_EQ(gsync_mutex_consistent(&tab, &m), -EINVAL);

	/* Another node: busy, times out, may not unlock; gets it later. */
	pid = fork();
	if (!pid) {
		struct node_child nc;
		int ret;
		u64 s;

		node_enter(&nc, 1, &m);
		if (gsync_mutex_lock(&nc.t, &m, 0) != -EBUSY)
			_exit(1);
		if (gsync_mutex_unlock(&nc.t, &m) != -EPERM)
			_exit(2);
		s = now_ns();
		if (gsync_mutex_lock(&nc.t, &m, 50000000ULL) != -ETIMEDOUT ||
		    now_ns() - s < 50000000ULL)
			_exit(3);
		atomic_store(&sh->ready, 1);
		/* The parent releases within this (long) timeout. */
		ret = gsync_mutex_lock(&nc.t, &m, WAIT_NS);
		if (ret)
			_exit(4);
		atomic_store(&sh->done, 1);
		if (gsync_mutex_unlock(&nc.t, &m))
			_exit(5);
		gmm_detach(nc.r);
		_exit(0);
	}
	CU_ASSERT(wait_at_least(&sh->ready, 1));
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	ASSERT_EQ(reap(pid), 0);
	ASSERT_EQ(atomic_load(&sh->done), 1);
	node_recovered(1);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), -EPERM);
	t0 = now_ns();
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), 0);
	CU_ASSERT(now_ns() - t0 < WAIT_NS);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	teardown();
}

/* ---- owner death ---- */

/* Node @node takes @m and dies holding it (exits without unlocking). */
static u32 die_holding(u32 node, struct gsync_handle m)
{
	struct gmm_node_info ni;
	pid_t pid = fork();

	if (!pid) {
		struct node_child nc;

		node_enter(&nc, node, &m);
		_exit(gsync_mutex_lock(&nc.t, &m, GSYNC_INFINITE) ? 1 : 0);
	}
	ASSERT_EQ(reap(pid), 0);
	CU_ASSERT_FATAL(gmm_node_info(obs, node, &ni) == 0);
	return ni.incarnation;
}

static void test_owner_node_dies(void)
{
	struct gsync_handle m;
	u32 inc;

	setup();
	m = new_mutex();
	inc = die_holding(1, m);
	/* Its node is alive as far as membership knows: the lock is busy. */
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), -EBUSY);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 20000000ULL), -ETIMEDOUT);
	ASSERT_EQ(gmm_node_down(obs, 1, inc, false), 0);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE), -EOWNERDEAD);
	ASSERT_EQ(gsync_mutex_consistent(&tab, &m), 0);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), 0);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	ASSERT_EQ(member_recover(obs, 1, NULL), 0);

	/* Again, but recovery breaks the lock before anybody asks. */
	inc = die_holding(1, m);
	ASSERT_EQ(gmm_node_down(obs, 1, inc, false), 0);
	ASSERT_EQ(member_recover(obs, 1, NULL), 0);
	ASSERT_CLEAN(obs); /* the checker: no lock names a dead incarnation */
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), -EOWNERDEAD);
	ASSERT_EQ(gsync_mutex_consistent(&tab, &m), 0);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	teardown();
}

static void test_owner_process_dies(void)
{
	struct gsync_handle m = { 0 };
	pid_t pid;

	setup();
	m = new_mutex();
	/* A process of node 0 (it shares the node's handle) dies holding m. */
	pid = fork();
	if (!pid)
		_exit(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE) ? 1 : 0);
	ASSERT_EQ(reap(pid), 0);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), -EBUSY);
	ASSERT_EQ(gsync_process_exit(&tab, 0, gmm_self_incarnation(obs),
				     (u32)pid + 1), 0); /* not the owner */
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), -EBUSY);
	ASSERT_EQ(gsync_process_exit(&tab, 0, gmm_self_incarnation(obs),
				     (u32)pid), 1);
	ASSERT_CLEAN(obs);
	/* Another node is the next acquirer. */
	pid = fork();
	if (!pid) {
		struct node_child nc;

		node_enter(&nc, 2, &m);
		if (gsync_mutex_lock(&nc.t, &m, GSYNC_INFINITE) != -EOWNERDEAD)
			_exit(1);
		if (gsync_mutex_consistent(&nc.t, &m) ||
		    gsync_mutex_unlock(&nc.t, &m))
			_exit(2);
		gmm_detach(nc.r);
		_exit(0);
	}
	ASSERT_EQ(reap(pid), 0);
	node_recovered(2);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), 0);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	teardown();
}

static void test_not_recoverable(void)
{
	struct gsync_handle m;
	pid_t pid;
	u32 inc;

	setup();
	m = new_mutex();
	inc = die_holding(3, m);
	ASSERT_EQ(gmm_node_down(obs, 3, inc, false), 0);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE), -EOWNERDEAD);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0); /* without consistent */
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE), -ENOTRECOVERABLE);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), -ENOTRECOVERABLE);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 1000000ULL), -ENOTRECOVERABLE);
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), -EPERM);
	ASSERT_EQ(member_recover(obs, 3, NULL), 0);
	pid = fork();
	if (!pid) {
		struct node_child nc;

		node_enter(&nc, 1, &m);
		if (gsync_mutex_lock(&nc.t, &m, GSYNC_INFINITE) != -ENOTRECOVERABLE ||
		    gsync_mutex_lock(&nc.t, &m, 0) != -ENOTRECOVERABLE)
			_exit(1);
		gmm_detach(nc.r);
		_exit(0);
	}
	ASSERT_EQ(reap(pid), 0);
	node_recovered(1);
	/* Still so after a while and after recovery: it is for ever. */
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, 0), -ENOTRECOVERABLE);
	ASSERT_CLEAN(obs);
	teardown();
}

/* ---- contention ---- */

#define INCS 20000
#define CONT_THREADS 2

struct cont_arg {
	struct gsync_table *t;
	struct gsync_handle m;
	int bad;
};

static void *cont_thread(void *a)
{
	struct cont_arg *ca = a;
	int i;

	for (i = 0; i < INCS; i++) {
		if (gsync_mutex_lock(ca->t, &ca->m, GSYNC_INFINITE)) {
			ca->bad++;
			continue;
		}
		sh->plain = sh->plain + 1;
		if (gsync_mutex_unlock(ca->t, &ca->m))
			ca->bad++;
	}
	return NULL;
}

/* CONT_THREADS threads on table @t; returns the number of failed calls. */
static int cont_run(struct gsync_table *t, struct gsync_handle m)
{
	struct cont_arg ca[CONT_THREADS];
	pthread_t th[CONT_THREADS];
	int i, bad = 0;

	for (i = 0; i < CONT_THREADS; i++) {
		ca[i] = (struct cont_arg){ .t = t, .m = m };
		pthread_create(&th[i], NULL, cont_thread, &ca[i]);
	}
	for (i = 0; i < CONT_THREADS; i++) {
		pthread_join(th[i], NULL);
		bad += ca[i].bad;
	}
	return bad;
}

static void test_contention(void)
{
	struct gsync_handle m;
	pid_t pid[NODES - 1];
	int n;

	setup();
	m = new_mutex();
	for (n = 1; n < NODES; n++) {
		pid[n - 1] = fork();
		if (!pid[n - 1]) {
			struct node_child nc;
			int bad;

			node_enter(&nc, (u32)n, &m);
			atomic_fetch_add(&sh->ready, 1);
			wait_at_least(&sh->step, 1);
			bad = cont_run(&nc.t, m);
			gmm_detach(nc.r);
			_exit(bad ? 1 : 0);
		}
	}
	CU_ASSERT(wait_at_least(&sh->ready, NODES - 1));
	atomic_store(&sh->step, 1);
	ASSERT_EQ(cont_run(&tab, m), 0);
	for (n = 1; n < NODES; n++)
		ASSERT_EQ(reap(pid[n - 1]), 0);
	ASSERT_EQ(sh->plain, (u64)NODES * CONT_THREADS * INCS);
	for (n = 1; n < NODES; n++)
		node_recovered((u32)n);
	teardown();
}

/* ---- no lost wake-ups ---- */

#define SLEEPER_PROCS 8
#define SLEEPER_THREADS 2

static struct gsync_table *sleep_tab;
static struct gsync_handle sleep_m;

static void *sleeper(void *a)
{
	(void)a;
	if (gsync_mutex_lock(sleep_tab, &sleep_m, GSYNC_INFINITE) == 0) {
		sh->plain = sh->plain + 1;
		if (gsync_mutex_unlock(sleep_tab, &sleep_m) == 0)
			atomic_fetch_add(&sh->done, 1);
	}
	return NULL;
}

static void test_no_lost_wakeups(void)
{
	const int total = SLEEPER_PROCS * SLEEPER_THREADS;
	struct glock *l;
	pid_t pid[SLEEPER_PROCS];
	int p;

	setup();
	sleep_m = new_mutex();
	l = gsync_lock(&tab, sleep_m.idx);
	ASSERT_EQ(gsync_mutex_lock(&tab, &sleep_m, GSYNC_INFINITE), 0);
	for (p = 0; p < SLEEPER_PROCS; p++) {
		pid[p] = fork();
		if (!pid[p]) {
			/* Processes of node 0, with a 60 s liveness re-check. */
			struct glock_ctx ctx = *tab.ctx;
			struct gsync_table t = tab;
			pthread_t th[SLEEPER_THREADS];
			int i;

			ctx.recheck_ns = 60ULL * 1000000000ULL;
			t.ctx = &ctx;
			sleep_tab = &t;
			for (i = 0; i < SLEEPER_THREADS; i++)
				pthread_create(&th[i], NULL, sleeper, NULL);
			for (i = 0; i < SLEEPER_THREADS; i++)
				pthread_join(th[i], NULL);
			_exit(0);
		}
	}
	/* All of them queued (a ticket each) behind the held lock. */
	{
		u64 end = now_ns() + WAIT_NS;

		while ((s32)(mcs_rd32(&l->next) - mcs_rd32(&l->serving)) < total &&
		       now_ns() < end)
			sched_yield();
		ASSERT_EQ((s32)(mcs_rd32(&l->next) - mcs_rd32(&l->serving)), total);
	}
	ASSERT_EQ(gsync_mutex_unlock(&tab, &sleep_m), 0);
	CU_ASSERT(wait_at_least(&sh->done, total));
	ASSERT_EQ(atomic_load(&sh->done), total);
	for (p = 0; p < SLEEPER_PROCS; p++)
		ASSERT_EQ(reap(pid[p]), 0);
	ASSERT_EQ(sh->plain, (u64)total);
	teardown();
}

/* ---- FIFO ---- */

static void test_fifo(void)
{
	struct glock *l;
	struct gsync_handle m;
	pid_t pid[3];
	int i;

	setup();
	m = new_mutex();
	l = gsync_lock(&tab, m.idx);
	ASSERT_EQ(gsync_mutex_lock(&tab, &m, GSYNC_INFINITE), 0);
	for (i = 0; i < 3; i++) {
		u32 before = mcs_rd32(&l->next);

		pid[i] = fork();
		if (!pid[i]) {
			struct node_child nc;

			node_enter(&nc, (u32)i + 1, &m);
			if (gsync_mutex_lock(&nc.t, &m, GSYNC_INFINITE))
				_exit(1);
			atomic_store(&sh->order[atomic_fetch_add(&sh->norder, 1)], i);
			gsync_mutex_unlock(&nc.t, &m);
			gmm_detach(nc.r);
			_exit(0);
		}
		/* Queue the next one only once this one has its ticket. */
		{
			u64 end = now_ns() + WAIT_NS;

			while (mcs_rd32(&l->next) == before && now_ns() < end)
				sched_yield();
			CU_ASSERT(mcs_rd32(&l->next) != before);
		}
	}
	ASSERT_EQ(gsync_mutex_unlock(&tab, &m), 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(reap(pid[i]), 0);
	ASSERT_EQ(atomic_load(&sh->norder), 3);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(atomic_load(&sh->order[i]), i);
	for (i = 1; i <= 3; i++)
		node_recovered((u32)i);
	teardown();
}

/* ---- global events ---- */

#define EV_PROCS 3
#define EV_THREADS 2

static struct gsync_handle ev_h;
static struct gsync_table *ev_tab;

static void *ev_waiter(void *a)
{
	(void)a;
	atomic_fetch_add(&sh->ready, 1);
	if (gsync_event_wait(ev_tab, &ev_h, WAIT_NS) == 0)
		atomic_fetch_add(&sh->done, 1);
	return NULL;
}

static void ev_children(pid_t *pid)
{
	int p;

	for (p = 0; p < EV_PROCS; p++) {
		pid[p] = fork();
		if (!pid[p]) {
			struct node_child nc;
			pthread_t th[EV_THREADS];
			int i;

			node_enter(&nc, (u32)p + 1, &ev_h);
			ev_tab = &nc.t;
			for (i = 0; i < EV_THREADS; i++)
				pthread_create(&th[i], NULL, ev_waiter, NULL);
			for (i = 0; i < EV_THREADS; i++)
				pthread_join(th[i], NULL);
			gmm_detach(nc.r);
			_exit(0);
		}
	}
}

static void test_events(void)
{
	const int total = EV_PROCS * EV_THREADS;
	pid_t pid[EV_PROCS];
	int p, i;

	setup();
	/* Manual reset: one set releases every waiter, and stays set. */
	ASSERT_EQ(gsync_create(&tab, ++gid_seq, GSYNC_EVENT_MANUAL, false, &ev_h), 0);
	ASSERT_EQ(gsync_event_wait(&tab, &ev_h, 0), -ETIMEDOUT);
	ASSERT_EQ(gsync_event_wait(&tab, &ev_h, 10000000ULL), -ETIMEDOUT);
	ev_children(pid);
	CU_ASSERT(wait_at_least(&sh->ready, total));
	ASSERT_EQ(atomic_load(&sh->done), 0);
	ASSERT_EQ(gsync_event_set(&tab, &ev_h), 0);
	CU_ASSERT(wait_at_least(&sh->done, total));
	for (p = 0; p < EV_PROCS; p++)
		ASSERT_EQ(reap(pid[p]), 0);
	ASSERT_EQ(gsync_event_wait(&tab, &ev_h, 0), 0);
	ASSERT_EQ(gsync_event_reset(&tab, &ev_h), 0);
	ASSERT_EQ(gsync_event_wait(&tab, &ev_h, 0), -ETIMEDOUT);
	for (p = 1; p <= EV_PROCS; p++)
		node_recovered((u32)p);

	/* Auto reset: each set lets exactly one wait through. */
	atomic_store(&sh->ready, 0);
	atomic_store(&sh->done, 0);
	ASSERT_EQ(gsync_create(&tab, ++gid_seq, GSYNC_EVENT_AUTO, false, &ev_h), 0);
	ev_children(pid);
	CU_ASSERT(wait_at_least(&sh->ready, total));
	for (i = 1; i <= total; i++) {
		ASSERT_EQ(gsync_event_set(&tab, &ev_h), 0);
		CU_ASSERT(wait_at_least(&sh->done, i));
		ASSERT_EQ(atomic_load(&sh->done), i);
	}
	for (p = 0; p < EV_PROCS; p++)
		ASSERT_EQ(reap(pid[p]), 0);
	/* Consumed: nothing left set. */
	ASSERT_EQ(gsync_event_wait(&tab, &ev_h, 0), -ETIMEDOUT);
	ASSERT_EQ(gsync_destroy(&tab, ev_h.gid), 0);
	ASSERT_EQ(gsync_event_set(&tab, &ev_h), -ENOENT);
	for (p = 1; p <= EV_PROCS; p++)
		node_recovered((u32)p);
	teardown();
}

/* Owners are kept with the object; destroy_owned judges under the lock. */
static void test_owners(void)
{
	const struct gsync_owner alice = { .uid = 1000, .gid = 100,
					   .mode = 0640 };
	struct gsync_owner o;
	struct gsync_handle h, d;

	setup();
	ASSERT_EQ(gsync_create_owned(&tab, ++gid_seq, GSYNC_MUTEX, false,
				     &alice, &h), 0);
	ASSERT_EQ(gsync_owner(&tab, &h, &o), 0);
	CU_ASSERT(o.uid == 1000 && o.gid == 100 && o.mode == 0640);
	ASSERT_EQ(gsync_destroy_owned(&tab, h.gid, 1001, 0), -EPERM);
	ASSERT_EQ(gsync_open(&tab, h.gid, &d), 0);
	ASSERT_EQ(gsync_destroy_owned(&tab, h.gid, 1000, 0), 0);
	ASSERT_EQ(gsync_owner(&tab, &h, &o), -ENOENT);
	ASSERT_EQ(gsync_destroy_owned(&tab, h.gid, 1000, 0), -ENOENT);

	/* The default owner: root, 0600; any owner will do for destroy. */
	ASSERT_EQ(gsync_create(&tab, ++gid_seq, GSYNC_EVENT_AUTO, false, &h), 0);
	ASSERT_EQ(gsync_owner(&tab, &h, &o), 0);
	CU_ASSERT(o.uid == 0 && o.gid == 0 && o.mode == 0600);
	ASSERT_EQ(gsync_destroy_owned(&tab, h.gid, GSYNC_ANY_UID, 0), 0);
	teardown();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "rules, trylock, timed lock across nodes", test_rules },
		{ "owner node dies: EOWNERDEAD", test_owner_node_dies },
		{ "owner process exits: EOWNERDEAD after cleanup", test_owner_process_dies },
		{ "unlock without consistent: ENOTRECOVERABLE for ever", test_not_recoverable },
		{ "mutual exclusion: 4 processes x 2 threads", test_contention },
		{ "no lost wake-ups: 16 sleepers in 8 processes", test_no_lost_wakeups },
		{ "FIFO order of queued processes", test_fifo },
		{ "global events: manual and auto reset", test_events },
		{ "owners and modes of sync objects", test_owners },
	};

	sh = unit_shared(sizeof(*sh));
	if (!sh)
		return 2;
	return unit_run("glock", tests, ARRAY_SIZE(tests));
}
