// SPDX-License-Identifier: GPL-2.0
/*
 * mutex.c - the torture's mutex mode (torture --mutex): several processes
 * on every node contend one global mutex while nodes and processes die.
 *
 * NODES nodes, each a process group: a leader that joins the region and
 * PROCS application processes forked from it (one node's processes share
 * its node and incarnation; each has its own pid, as under /dev/mcs).
 * Each application process locks and unlocks the mutex for ever through
 * the paths the product has: libmcs's (glock_fast_lock() on the word,
 * else the kernel's), the kernel's (gsync_mutex_lock() in slices, as
 * MUTEX_LOCK of /dev/mcs), trylock and timed lock. Under the mutex it
 * updates a pair of counters and a count of sections, with an undo record
 * that the next owner applies on -EOWNERDEAD.
 *
 * The controller kills, in turn: a whole node at a random moment; a whole
 * node when one of its processes reaches a lock crash point (queued,
 * admitted, stolen, released, inside the critical section); one process
 * at a random moment or at a crash point, which its leader then abandons
 * (gsync_process_exit(), as the release of its /dev/mcs file does). A
 * dead node is declared down and recovered by a survivor (member_recover(),
 * the one recovery sequence), and boots again with a new incarnation.
 *
 * Checked by every process at every lock: nobody else is inside; lock,
 * consistent and unlock return what a mutex must; owner-dead comes only
 * after a death, and repairs a torn section; a section is torn only when
 * owner-dead says so. Checked by the controller after every crash, with
 * every process paused outside the mutex: the mutex is free, the pair
 * agrees and its sum is the number of committed sections, and
 * gmm_check() finds the region consistent (no lock names a dead
 * incarnation).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmm/gmm_internal.h"
#include "member/member.h"
#include "os/crashpoint.h"
#include "torture.h"

#define MT_NODES 3
#define MT_PROCS 3
#define MT_FABRIC (8ULL << 20)
#define MT_GID 0xa99a000000000001ULL
/* Kernel slices: /dev/mcs's, or short ones that test leaving the queue. */
#define MT_SLICE_NS 500000000ULL
#define MT_SHORT_SLICE_NS 200000ULL

enum { MT_RUN, MT_PAUSE, MT_RECOVER };
enum { P_LIBMCS, P_KERNEL, P_TRY, P_TIMED, P_NR };

/* Where a process dies: the node with it, or only the process. */
static const int mt_points[] = {
	MCS_CP_GLOCK_QUEUED, MCS_CP_GLOCK_ADMITTED, MCS_CP_LOCK_STOLEN,
	MCS_CP_GLOCK_RELEASED, MCS_CP_APP_CRITICAL,
};

struct mt_node {
	_Atomic int leader;		/* pid, 0: dead */
	_Atomic uint32_t inc;
	_Atomic int procs[MT_PROCS];	/* pids of its application processes */
	_Atomic int dying_at;		/* the crash point it died at */
	struct torture_mailbox mb;	/* the controller's commands */
	_Atomic uint32_t recover;	/* node to recover */
	_Atomic uint32_t ready;
	_Atomic uint32_t paused;	/* processes standing still */
	_Atomic uint64_t abandoned;	/* process deaths given to cleanup */
};

struct mt_shared {
	struct mt_node node[MT_NODES];
	/* what the mutex protects */
	_Atomic uint64_t a, b, sections;
	_Atomic uint64_t undo_valid, undo_a, undo_b, undo_sections;
	_Atomic int inside;
	/* accounting */
	/* One death per round: the first process at the point claims it. */
	_Atomic int armed_cp;		/* -1: none */
	_Atomic int armed_whole;	/* the crash point kills its node */
	_Atomic uint64_t locks, ownerdead, repaired, violations;
	_Atomic uint64_t hits[MCS_CP_COUNT]; /* crash points passed */
	char msg[256];
};

static struct mt_shared *ms;
static int mt_fd;
static struct mt_node *mt_me;
static uint32_t mt_self;

static void mt_violation(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void mt_violation(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&ms->violations, 1);
	va_start(ap, fmt);
	vsnprintf(ms->msg, sizeof(ms->msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "torture: node %u pid %d: VIOLATION %s\n", mt_self,
		getpid(), ms->msg);
}

/* An armed crash point kills this process, or its whole node. */
static void mt_crash_hook(enum mcs_crash_point cp)
{
	atomic_fetch_add(&ms->hits[cp], 1);
	int armed = (int)cp;

	if (getpid() == atomic_load(&mt_me->leader) ||
	    atomic_load(&ms->armed_cp) != (int)cp ||
	    !atomic_compare_exchange_strong(&ms->armed_cp, &armed, -1))
		return;
	atomic_store(&mt_me->dying_at, (int)cp);
	if (atomic_load(&ms->armed_whole))
		kill(0, SIGKILL);
	raise(SIGKILL);
}

/* MUTEX_LOCK of /dev/mcs: slices until taken; a slice of 0 is a trylock. */
static int mt_kernel_lock(struct gsync_table *t, struct gsync_handle *h,
			  int path, uint64_t *rng)
{
	uint64_t deadline = path == P_TIMED ?
			    now_ns() + rng_next(rng) % 2000000 : ~0ULL;
	uint64_t each = rng_next(rng) % 2 ? MT_SLICE_NS : MT_SHORT_SLICE_NS;
	int ret;

	for (;;) {
		uint64_t now = now_ns(), slice = each;

		if (path == P_TRY || now >= deadline)
			slice = 0;
		else if (deadline - now < slice)
			slice = deadline - now;
		ret = gsync_mutex_lock(t, h, slice);
		if (ret != -ETIMEDOUT && ret != -EBUSY)
			return ret;
		if (path == P_TRY || now_ns() >= deadline)
			return -ETIMEDOUT;
	}
}

static void mt_section(struct gsync_table *t, struct gsync_handle *h, int ret,
		       bool preempted)
{
	if (atomic_fetch_add(&ms->inside, 1)) {
		/* A holder that died inside left its mark: owner-dead clears it. */
		if (ret != -EOWNERDEAD)
			mt_violation("lock returned %d with another process inside",
				     ret);
		atomic_store(&ms->inside, 1);
	}
	if (ret == -EOWNERDEAD) {
		atomic_fetch_add(&ms->ownerdead, 1);
		if (atomic_load(&ms->undo_valid)) {
			atomic_store(&ms->a, atomic_load(&ms->undo_a));
			atomic_store(&ms->b, atomic_load(&ms->undo_b));
			atomic_store(&ms->sections, atomic_load(&ms->undo_sections));
			atomic_store(&ms->undo_valid, 0);
			atomic_fetch_add(&ms->repaired, 1);
		}
		ret = gsync_mutex_consistent(t, h);
		if (ret)
			mt_violation("consistent returned %d", ret);
	} else if (atomic_load(&ms->undo_valid)) {
		mt_violation("a torn section, and lock returned 0");
	}
	if (atomic_load(&ms->a) != atomic_load(&ms->b) ||
	    atomic_load(&ms->a) != atomic_load(&ms->sections))
		mt_violation("data %" PRIu64 "/%" PRIu64 ", %" PRIu64 " sections",
			     atomic_load(&ms->a), atomic_load(&ms->b),
			     atomic_load(&ms->sections));
	atomic_store(&ms->undo_a, atomic_load(&ms->a));
	atomic_store(&ms->undo_b, atomic_load(&ms->b));
	atomic_store(&ms->undo_sections, atomic_load(&ms->sections));
	atomic_store(&ms->undo_valid, 1);
	atomic_fetch_add(&ms->a, 1);
	mcs_crash_point(APP_CRITICAL);
	/* A holder that loses its CPU makes the others queue and sleep. */
	if (preempted)
		sched_yield();
	atomic_fetch_add(&ms->b, 1);
	atomic_fetch_add(&ms->sections, 1);
	atomic_store(&ms->undo_valid, 0);
	atomic_fetch_sub(&ms->inside, 1);
}

/* An application process: lock, section, unlock, for ever. */
static void mt_app(struct gmm_region *r, uint64_t seed)
{
	uint64_t rng = seed, tag;
	struct gsync_handle h;
	struct gsync_table t;
	struct glock *l;
	bool wake;
	int path, ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	gsync_table_of(r, &t);
	if (gsync_open(&t, MT_GID, &h)) {
		mt_violation("the mutex is gone");
		_exit(3);
	}
	l = gsync_lock(&t, h.idx);
	tag = GLOCK_TAG(mt_self, atomic_load(&mt_me->inc), getpid());
	for (;;) {
		if (atomic_load(&mt_me->mb.cmd) == MT_PAUSE) {
			atomic_fetch_add(&mt_me->paused, 1);
			while (atomic_load(&mt_me->mb.cmd) == MT_PAUSE)
				nap();
			atomic_fetch_sub(&mt_me->paused, 1);
		}
		path = (int)(rng_next(&rng) % P_NR);
		if (path == P_LIBMCS && glock_fast_lock(l, tag, mcs_os_thread_id()))
			ret = 0;
		else
			ret = mt_kernel_lock(&t, &h, path, &rng);
		if (ret == -ETIMEDOUT && (path == P_TRY || path == P_TIMED))
			continue;
		if (ret && ret != -EOWNERDEAD) {
			mt_violation("lock returned %d", ret);
			continue;
		}
		atomic_fetch_add(&ms->locks, 1);
		mt_section(&t, &h, ret, rng_next(&rng) % 8 == 0);
		ret = -EAGAIN;
		if (path == P_LIBMCS)
			ret = glock_fast_unlock(l, tag, mcs_os_thread_id(), &wake);
		if (ret == -EAGAIN)
			ret = gsync_mutex_unlock(&t, &h);
		if (ret)
			mt_violation("unlock returned %d after lock", ret);
	}
}

static pid_t mt_fork_app(struct gmm_region *r, int i, uint64_t seed)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		_exit(2);
	}
	if (!pid)
		mt_app(r, seed);
	atomic_store(&mt_me->procs[i], pid);
	return pid;
}

/* A node: join, run the processes, be their host (cleanup), recover. */
static void mt_leader(uint32_t n, uint64_t seed)
{
	uint64_t rng = seed, seen = 0;
	struct gsync_table t;
	struct gmm_region *r;
	int i, status;
	pid_t pid;

	mt_self = n;
	mt_me = &ms->node[n];
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	mcs_crash_hook = mt_crash_hook;
	if (gmm_attach(torture_map(mt_fd, MT_FABRIC), MT_FABRIC, &r) || gmm_node_join(r, n)) {
		mt_violation("attach/join failed");
		_exit(3);
	}
	atomic_store(&mt_me->inc, gmm_self_incarnation(r));
	gsync_table_of(r, &t);
	for (i = 0; i < MT_PROCS; i++)
		mt_fork_app(r, i, rng_next(&rng));
	atomic_store(&mt_me->ready, 1);
	for (;;) {
		/* A process died: its host gives up what it held. */
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (i = 0; i < MT_PROCS; i++)
				if (atomic_load(&mt_me->procs[i]) == pid)
					break;
			gsync_process_exit(&t, n, atomic_load(&mt_me->inc),
					   (u32)pid);
			atomic_fetch_add(&mt_me->abandoned, 1);
			if (i < MT_PROCS)
				mt_fork_app(r, i, rng_next(&rng));
		}
		if (torture_mail(&mt_me->mb, &seen)) {
			if (atomic_load(&mt_me->mb.cmd) == MT_RECOVER) {
				int ret = member_recover(r, atomic_load(&mt_me->recover), NULL);

				atomic_store(&mt_me->mb.cmd_result, ret);
			}
			torture_mail_done(&mt_me->mb, seen);
		}
		nap();
	}
}

/* ---- the controller ---- */

struct mt_ctl {
	struct gmm_region *r;
	uint64_t rng;
	uint64_t crashes, node_deaths, proc_deaths, violations;
	uint64_t kills_at[MCS_CP_COUNT];
};

static void mt_fail(const char *what)
{
	fprintf(stderr, "torture: mutex mode stuck waiting for %s\n", what);
	exit(1);
}

static void mt_spawn(struct mt_ctl *c, uint32_t n)
{
	struct mt_node *w = &ms->node[n];
	uint64_t seed = rng_next(&c->rng), t0 = now_ns();
	pid_t pid;

	atomic_store(&w->dying_at, -1);
	atomic_store(&w->ready, 0);
	atomic_store(&w->paused, 0);
	atomic_store(&w->mb.cmd, MT_RUN);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid)
		mt_leader(n, seed);
	setpgid(pid, pid);
	atomic_store(&w->leader, pid);
	while (!atomic_load(&w->ready)) {
		if (now_ns() - t0 > TORTURE_WAIT_NS)
			mt_fail("a node to join");
		nap();
	}
}

/* A leader is never armed: it does what it is told. */
static bool mt_command(uint32_t n, int cmd)
{
	return torture_command(&ms->node[n].mb, cmd, 0, mt_fail);
}

/* Every process of every live node stands still outside the mutex. */
static void mt_pause(bool on)
{
	uint64_t t0 = now_ns();
	uint32_t n;

	for (n = 0; n < MT_NODES; n++)
		if (atomic_load(&ms->node[n].leader))
			atomic_store(&ms->node[n].mb.cmd, on ? MT_PAUSE : MT_RUN);
	for (n = 0; on && n < MT_NODES; n++) {
		while (atomic_load(&ms->node[n].leader) &&
		       atomic_load(&ms->node[n].paused) < MT_PROCS) {
			if (now_ns() - t0 > TORTURE_WAIT_NS)
				mt_fail("the processes to pause (a lost wake-up?)");
			nap();
		}
	}
}

/* The node's whole process group is gone (the leader reaped, the rest too). */
static void mt_reap_node(struct mt_ctl *c, uint32_t n)
{
	struct mt_node *w = &ms->node[n];
	pid_t leader = atomic_load(&w->leader);
	uint64_t t0 = now_ns();
	int status, cp;

	kill(-leader, SIGKILL);
	waitpid(leader, &status, 0);
	/* Orphans come to us (a subreaper); none may live on. */
	while (kill(-leader, 0) == 0) {
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		if (now_ns() - t0 > TORTURE_WAIT_NS)
			mt_fail("a dead node's processes to go");
		nap();
	}
	atomic_store(&w->leader, 0);
	cp = atomic_load(&w->dying_at);
	if (cp >= 0)
		c->kills_at[cp]++;
	c->crashes++;
	c->node_deaths++;
}

/* Membership: the node is down; a survivor recovers it. */
static void mt_recover(struct mt_ctl *c, uint32_t dead)
{
	struct gmm_node_info ni;
	uint32_t rec = (dead + 1 + (uint32_t)(rng_next(&c->rng) % 2)) % MT_NODES;

	if (gmm_node_info(c->r, dead, &ni) ||
	    gmm_node_down(c->r, dead, ni.incarnation, false))
		torture_violation(&c->violations, "node down refused");
	atomic_store(&ms->node[rec].recover, dead);
	mt_command(rec, MT_RECOVER);
	if (atomic_load(&ms->node[rec].mb.cmd_result))
		torture_violation(&c->violations, "recovery failed");
	torture_check_clean(c->r, dead, &c->violations);
}

/* With everybody outside the mutex: free, data whole, region consistent. */
static void mt_verify(struct mt_ctl *c, struct glock *l)
{
	struct gmm_check_report rep = { .violation = torture_check_violation,
					.arg = &c->violations };
	struct gns_check_report nrep = { .violation = torture_check_violation,
					 .arg = &c->violations };
	char msg[200];

	mt_pause(true);
	if (glock_owner(l) &&
	    GLOCK_TAG_NODE(glock_owner(l)) != GLOCK_NODE_ABANDONED) {
		snprintf(msg, sizeof(msg), "paused, yet the mutex is held by %#" PRIx64,
			 glock_owner(l));
		torture_violation(&c->violations, msg);
	}
	/* Held here only by a dead holder's abandoned tag: repaired later. */
	if (!glock_owner(l) &&
	    (atomic_load(&ms->undo_valid) ||
	     atomic_load(&ms->a) != atomic_load(&ms->b) ||
	     atomic_load(&ms->a) != atomic_load(&ms->sections))) {
		snprintf(msg, sizeof(msg),
			 "free mutex, data %" PRIu64 "/%" PRIu64 ", %" PRIu64
			 " sections, undo %d", atomic_load(&ms->a),
			 atomic_load(&ms->b), atomic_load(&ms->sections),
			 (int)atomic_load(&ms->undo_valid));
		torture_violation(&c->violations, msg);
	}
	if (member_check(c->r, &rep, &nrep))
		torture_violation(&c->violations, "member_check failed");
	mt_pause(false);
}

/* A process dies: its leader abandons what it held (counted here). */
static void mt_proc_died(struct mt_ctl *c, uint32_t n, uint64_t abandoned)
{
	uint64_t t0 = now_ns();

	/* (unless its node dies meanwhile: a takeover at an armed point) */
	while (atomic_load(&ms->node[n].abandoned) == abandoned &&
	       atomic_load(&ms->node[n].dying_at) < 0) {
		if (now_ns() - t0 > TORTURE_WAIT_NS)
			mt_fail("a dead process to be abandoned");
		nap();
	}
	c->crashes++;
	c->proc_deaths++;
}

/* Kill the process that holds the mutex now, so that it is taken over. */
static void mt_kill_holder(struct mt_ctl *c, struct glock *l)
{
	uint64_t t0 = now_ns(), owner, abandoned;
	uint32_t n;
	int i;

	while (now_ns() - t0 < 2000000000ULL) {
		owner = glock_owner(l);
		n = GLOCK_TAG_NODE(owner);
		if (!owner || n >= MT_NODES || !atomic_load(&ms->node[n].leader))
			continue;
		for (i = 0; i < MT_PROCS; i++)
			if (atomic_load(&ms->node[n].procs[i]) ==
			    (int)GLOCK_TAG_PID(owner))
				break;
		if (i == MT_PROCS)
			continue;
		abandoned = atomic_load(&ms->node[n].abandoned);
		kill((pid_t)GLOCK_TAG_PID(owner), SIGKILL);
		mt_proc_died(c, n, abandoned);
		return;
	}
}

/*
 * One death, its recovery and the checks: at crash point @cp (-1: a
 * random moment), of a whole node or (@whole false) of one process.
 */
static void mt_round(struct mt_ctl *c, struct glock *l, int cp, bool whole)
{
	uint32_t victim = (uint32_t)(rng_next(&c->rng) % MT_NODES), n;
	struct mt_node *w = &ms->node[victim];
	uint64_t until = atomic_load(&ms->locks) + 1 + rng_next(&c->rng) % 200;
	uint64_t t0 = now_ns(), abandoned[MT_NODES];
	int i = (int)(rng_next(&c->rng) % MT_PROCS), died, armed;

	/* Takeovers only follow deaths: the stealer dies with its node. */
	if (cp == MCS_CP_LOCK_STOLEN)
		whole = true;
	/* Whichever process gets to the point first dies there. */
	for (n = 0; n < MT_NODES; n++)
		abandoned[n] = atomic_load(&ms->node[n].abandoned);
	atomic_store(&ms->armed_whole, whole);
	atomic_store(&ms->armed_cp, cp);
	if (cp == MCS_CP_LOCK_STOLEN)
		mt_kill_holder(c, l);
	/* Wait for the death at the point; not reached: a random one. */
	died = -1;
	while (cp >= 0 && died < 0 && now_ns() - t0 < 2000000000ULL) {
		for (n = 0; n < MT_NODES && died < 0; n++)
			if (atomic_load(&ms->node[n].dying_at) >= 0)
				died = (int)n;
		if (died < 0)
			nap();
	}
	/* Disarm; if a process claimed the point meanwhile, it is dying. */
	armed = cp;
	if (cp >= 0 && !atomic_compare_exchange_strong(&ms->armed_cp, &armed, -1))
		while (died < 0) {
			for (n = 0; n < MT_NODES && died < 0; n++)
				if (atomic_load(&ms->node[n].dying_at) >= 0)
					died = (int)n;
			if (now_ns() - t0 > TORTURE_WAIT_NS)
				mt_fail("the process at the crash point to die");
		}
	if (died >= 0) {
		victim = (uint32_t)died;
		w = &ms->node[victim];
	}
	while (cp < 0 && atomic_load(&ms->locks) < until &&
	       now_ns() - t0 < TORTURE_WAIT_NS)
		nap();
	if (whole) {
		mt_reap_node(c, victim);
		mt_recover(c, victim);
		mt_verify(c, l);
		mt_spawn(c, victim);
		return;
	}
	if (died < 0)
		kill(atomic_load(&w->procs[i]), SIGKILL);
	else
		c->kills_at[atomic_load(&w->dying_at)]++;
	atomic_store(&w->dying_at, -1);
	mt_proc_died(c, victim, abandoned[victim]);
	mt_verify(c, l);
}

/**
 * torture_mutex - the mutex mode of the torture
 * @crashes: deaths to cause at least
 * @seed: of every random choice
 *
 * Return: 0 if no violation and every lock crash point was died at.
 */
int torture_mutex(uint64_t crashes, uint64_t seed)
{
	struct gsync_handle h;
	struct gsync_table t;
	struct mt_ctl c = { .rng = seed };
	uint64_t t0 = now_ns(), rounds = 0;
	int uncovered = 0;
	uint32_t n;
	size_t k;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	ms = torture_shared(sizeof(*ms));
	mt_fd = torture_fabric("mcs-torture-mutex", MT_FABRIC);
	if (torture_format(torture_map(mt_fd, MT_FABRIC), MT_FABRIC, MT_NODES,
			   &c.r))
		return 2;
	gsync_table_of(c.r, &t);
	if (gsync_create(&t, MT_GID, GSYNC_MUTEX, false, &h)) {
		fprintf(stderr, "torture: cannot create the mutex\n");
		return 2;
	}
	for (n = 0; n < MT_NODES; n++)
		mt_spawn(&c, n);
	while (c.crashes < crashes) {
		int cp = -1;

		/* Half the rounds die at a lock crash point, in turn. */
		if (rounds % 2 == 0)
			cp = mt_points[(rounds / 2) % ARRAY_SIZE(mt_points)];
		mt_round(&c, gsync_lock(&t, h.idx), cp, rounds % 3 != 2);
		rounds++;
	}
	for (n = 0; n < MT_NODES; n++)
		kill(-atomic_load(&ms->node[n].leader), SIGKILL);
	while (wait(NULL) > 0)
		;
	c.violations += atomic_load(&ms->violations);
	for (k = 0; k < ARRAY_SIZE(mt_points); k++) {
		if (c.kills_at[mt_points[k]])
			continue;
		printf("torture: %s never died at (passed %" PRIu64 " times)\n",
		       mcs_crash_point_names[mt_points[k]],
		       atomic_load(&ms->hits[mt_points[k]]));
		uncovered++;
	}
	printf("torture: mutex mode: %" PRIu64 " rounds in %.1f s: %" PRIu64
	       " node and %" PRIu64 " process deaths, %" PRIu64
	       " locks, %" PRIu64 " owner-dead (%" PRIu64 " repairs), %" PRIu64
	       " sections\n",
	       rounds, (double)(now_ns() - t0) / 1e9, c.node_deaths,
	       c.proc_deaths, atomic_load(&ms->locks),
	       atomic_load(&ms->ownerdead), atomic_load(&ms->repaired),
	       atomic_load(&ms->sections));
	printf("torture: %" PRIu64 " crashes, %" PRIu64 " violations\n",
	       c.crashes, c.violations);
	gmm_detach(c.r);
	return c.violations || uncovered ? 1 : 0;
}
