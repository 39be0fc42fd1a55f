// SPDX-License-Identifier: GPL-2.0
/*
 * glock_model - a model check of the global mutex: the real glock and
 * gsync code (drivers/glock, built with MCS_OS_MODEL) run by a scheduler
 * that interleaves its actors at every access to a fabric word, over a
 * bounded random search of schedules.
 *
 * Each schedule has 2 or 3 contenders on 2 or 3 nodes (so sometimes two
 * processes of one node), each doing a few critical sections through a
 * randomly chosen path per lock: libmcs's fast path falling back to the
 * kernel (glock_fast_lock/unlock, then gsync in slices as /dev/mcs does),
 * the kernel's slow path, trylock, timed lock. At one step chosen at
 * random, a node or a process dies; a survivor then recovers it the way
 * the product does (the node word goes down, then gsync_node_down(); or
 * the file's release runs gsync_process_exit()), and a dead node rejoins
 * with a new incarnation and contends again. Or a thread of a process of
 * two contending threads ends, at the first point from that step on where
 * libmcs lets a thread end (before a lock, after a lock returned, inside
 * the critical section, after a release): its exit walk abandons the
 * lock if the word names it (glock_fast_abandon(), as libmcs does for
 * every word it maps), and a new thread of the process, sometimes with
 * the dead one's thread id, contends on. It
 * proves, after every step:
 *
 *   - mutual exclusion: nobody enters while a live actor is inside;
 *   - a lock returned 0 or -EOWNERDEAD is recorded as the caller's (owner
 *     tag and thread), and the caller's unlock and consistent succeed;
 *   - owner-dead is delivered exactly once per death of a holder, and
 *     never when no holder died (a final lock collects one still owed);
 *   - the data is consistent: two counters updated under the lock with an
 *     undo record, repaired on -EOWNERDEAD, always equal the number of
 *     committed critical sections;
 *   - no lost wake-up: sleepers re-check the owner only every 10 s of
 *     virtual time, so a schedule that needs longer than MODEL_LIMIT_NS
 *     has a waiter that nobody woke.
 *
 * Usage: glock-model [--schedules N] [--seed S] [--only I] [--trace]
 *                    [--split-cas] [--exit-any-thread]
 * Prints the seed; a failure names the schedule, which --only replays
 * (with --trace, every lock call and death is printed). --split-cas is
 * the model's self-check: compare-and-swap becomes a load and a store
 * (what a cmpxchg without its lock prefix is between nodes, as the
 * kernel's cmpxchg() was on a one-CPU guest); the model must then find a
 * violation, and exits 0 only if it does. --exit-any-thread is the same
 * for the thread-exit walk: it abandons a word its process holds whatever
 * thread the word names (what it would do without comparing the tid).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gsync/gsync.h"
#include "os/crashpoint.h"

#define MAX_ACTORS 8
#define MAX_NODES 3
#define STACK_SIZE (256 * 1024)
#define MODEL_GID 0x4d4f44454cULL
#define STEP_NS 20ULL
#define PAUSE_NS 10ULL
#define RECHECK_NS 10000000000ULL
#define MODEL_LIMIT_NS 5000000000ULL
#define ITERS 3

/* ------------------------------------------------ actors and switching */

enum actor_state { A_RUNNABLE, A_BLOCKED, A_DONE, A_DEAD };

struct actor;
typedef void (*actor_fn)(struct actor *a);

struct actor {
	void *sp;
	enum actor_state st;
	actor_fn fn;
	char name[16];
	u32 node, inc, pid, tid;
	struct glock_ctx ctx;
	struct gsync_table tab;
	/* mcs_os_wait32(): asleep while *wait_word == wait_val */
	const __le32 *wait_word;
	u32 wait_val;
	u64 wait_until;
	bool cleanup; /* a recoverer, not a contender */
	bool exited;  /* a thread that ended (its process lives on) */
	char *stack;
};

/*
 * Switch stacks: push the callee-saved registers, save the stack pointer
 * in *save, load @load and pop the other side's. A new actor's stack is
 * laid out as if it had switched away just before actor_start().
 */
void model_switch(void **save, void *load);
__asm__(".text\n"
	".globl model_switch\n"
	".type model_switch, @function\n"
	"model_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size model_switch, .-model_switch\n");

/* ------------------------------------------------------- the model */

struct model {
	/* the fabric: a sync table of one mutex */
	struct gsync_hdr hdr;
	struct gsync_obj obj;
	struct gsync_lockpage lp; /* its lock page (one is enough here) */
	/* membership, as gmm's node words say it */
	bool alive[MAX_NODES];
	u32 inc[MAX_NODES];

	/* the data the mutex protects, and its undo record */
	u64 a, b, undo_a, undo_b;
	bool undo_valid;
	u64 committed;

	/* bookkeeping of the checks */
	int holder;       /* actor inside the critical section, or -1 */
	int owed;         /* deaths of a lock holder not yet reported */
	int deaths;
	bool dead_held;   /* the death left the lock word held */

	struct actor actors[MAX_ACTORS];
	int nr_actors;
	struct actor *cur;
	void *sched_sp;
	u64 now, steps;

	/* this schedule */
	u64 rng;
	int nr_nodes, nr_contenders;
	u64 death_step; /* 0: none */
	bool node_death;
	struct actor *thread_victim; /* a thread death: the thread that ends */
	u64 slice_ns;
	bool trace;
	const char *violation;
	char why[256];
};

static struct model m;
static char *stacks[MAX_ACTORS];

static u64 rnd(void)
{
	/* splitmix64: every schedule's choices follow from its seed */
	u64 z = (m.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!m.trace)
		return;
	va_start(ap, fmt);
	printf("%8" PRIu64 " %10" PRIu64 "ns %-6s ", m.steps, m.now,
	       m.cur ? m.cur->name : "-");
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A check failed: stop the schedule and say why. */
static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	va_list ap;

	if (m.violation)
		return;
	va_start(ap, fmt);
	vsnprintf(m.why, sizeof(m.why), fmt, ap);
	va_end(ap);
	m.violation = m.why;
	trace("VIOLATION: %s", m.why);
}

static void yield_to_scheduler(void)
{
	model_switch(&m.cur->sp, m.sched_sp);
}

/* Every fabric access: the scheduler decides who runs next. */
void mcs_model_step(void)
{
	if (!m.cur)
		return;
	m.now += STEP_NS;
	m.steps++;
	yield_to_scheduler();
}

void mcs_model_pause(void)
{
	m.now += PAUSE_NS;
}

static void actor_start(void)
{
	struct actor *a = m.cur;

	a->fn(a);
	a->st = A_DONE;
	yield_to_scheduler();
	abort(); /* a finished actor is never resumed */
}

/* ------------------------------------------------- the OS shim's host */

void (*mcs_crash_hook)(enum mcs_crash_point cp);
bool mcs_model_split_cas;
static bool exit_any_thread;
int mcs_os_log_level = MCS_LOG_ERR;

void *mcs_os_zalloc(size_t size)
{
	return calloc(1, size);
}

void mcs_os_free(void *p)
{
	free(p);
}

void mcs_os_relax(unsigned int spins)
{
	(void)spins;
	mcs_model_pause();
}

u64 mcs_os_now_ns(void)
{
	return m.now;
}

u32 mcs_os_thread_id(void)
{
	return m.cur ? m.cur->tid : 0;
}

u32 mcs_os_process_id(void)
{
	return m.cur ? m.cur->pid : 0;
}

/*
 * The kernel's sleep: it polls, so a change of the word wakes it even
 * when nobody calls mcs_os_wake_all() (a user-space release does not).
 */
void mcs_os_wait32(__le32 *word, u32 val, u64 timeout_ns)
{
	if (mcs_rd32(word) != val)
		return;
	m.cur->wait_word = word;
	m.cur->wait_val = val;
	m.cur->wait_until = m.now + timeout_ns;
	m.cur->st = A_BLOCKED;
	yield_to_scheduler();
}

void mcs_os_wake_all(__le32 *word)
{
	(void)word;
}

u32 mcs_os_crc32(const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return 0;
}

void mcs_os_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > mcs_os_log_level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* gmm_id_dead(), on the model's node words (a fabric read: a step). */
static bool model_owner_dead(void *arg, u64 tag)
{
	u32 node = GLOCK_TAG_NODE(tag);

	(void)arg;
	mcs_model_step();
	if (node >= (u32)m.nr_nodes)
		return true;
	return !m.alive[node] || m.inc[node] != GLOCK_TAG_INC(tag);
}

/* ------------------------------------------------------------ actors */

static struct actor *actor_new(const char *name, u32 node, u32 pid,
			       actor_fn fn)
{
	struct actor *a = &m.actors[m.nr_actors];
	void **sp;

	a->stack = stacks[m.nr_actors];
	m.nr_actors++;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->fn = fn;
	a->node = node;
	a->inc = m.inc[node];
	a->pid = pid;
	a->tid = pid; /* single-threaded processes */
	a->st = A_RUNNABLE;
	a->cleanup = false;
	a->exited = false;
	a->ctx = (struct glock_ctx){
		.node = node,
		.incarnation = a->inc,
		.owner_dead = model_owner_dead,
		.recheck_ns = RECHECK_NS,
	};
	a->tab = (struct gsync_table){
		.hdr = &m.hdr,
		.objs = &m.obj,
		.nr = 1,
		.locks = (u8 *)&m.lp,
		.lock_stride = sizeof(m.lp),
		.ctx = &a->ctx,
	};
	/* As if switched away just before actor_start(), 16-byte aligned. */
	sp = (void **)(a->stack + STACK_SIZE) - 8;
	memset(sp, 0, 8 * sizeof(*sp));
	sp[6] = (void *)actor_start;
	a->sp = sp;
	return a;
}

static int actor_index(const struct actor *a)
{
	return (int)(a - m.actors);
}

static u64 actor_tag(const struct actor *a)
{
	return GLOCK_TAG(a->node, a->inc, a->pid);
}

static bool actor_dead(int i)
{
	return i >= 0 && (m.actors[i].st == A_DEAD || m.actors[i].exited);
}

enum lock_path { P_LIBMCS, P_KERNEL, P_TRY, P_TIMED, P_NR };
static const char *const path_name[P_NR] = { "libmcs", "kernel", "try",
					      "timed" };

static const struct gsync_handle model_handle = { .idx = 0,
						  .gid = MODEL_GID };

/*
 * MUTEX_LOCK of /dev/mcs: gsync_mutex_lock() in slices until taken, a
 * slice of 0 being a trylock; a timed lock gives up at its deadline.
 */
static int kernel_lock(struct actor *a, enum lock_path p)
{
	u64 deadline = p == P_TIMED ? m.now + 1 + rnd_below(200000) : ~0ULL;
	int ret;

	for (;;) {
		u64 slice = p == P_TRY ? 0 :
			    deadline - m.now < m.slice_ns ? deadline - m.now :
							    m.slice_ns;

		if (p != P_TRY && m.now >= deadline)
			slice = 0;
		ret = gsync_mutex_lock(&a->tab, &model_handle, slice);
		if (!ret || ret == -EOWNERDEAD)
			return ret;
		if (ret != -ETIMEDOUT && ret != -EBUSY)
			return ret;
		if (p == P_TRY || m.now >= deadline)
			return -ETIMEDOUT;
	}
}

/* libmcs: the fast path on the mapped word, else the kernel. */
static int model_lock(struct actor *a, enum lock_path p)
{
	if (p == P_LIBMCS) {
		if (glock_fast_lock(&m.lp.lock, actor_tag(a), a->tid)) {
			if (mcs_rd64(&m.lp.gid) == MODEL_GID)
				return 0;
			violation("%s: the mutex vanished", a->name);
			return -ENOENT;
		}
		return kernel_lock(a, P_KERNEL);
	}
	return kernel_lock(a, p);
}

static int model_unlock(struct actor *a, bool fast)
{
	bool wake;
	int ret;

	if (fast) {
		ret = glock_fast_unlock(&m.lp.lock, actor_tag(a), a->tid, &wake);
		if (ret != -EAGAIN)
			return ret;
	}
	return gsync_mutex_unlock(&a->tab, &model_handle);
}

/*
 * libmcs's thread-exit walk, for the mutex's word (it reads every mapped
 * word): abandon it if it names this process on this node and this
 * thread.
 */
static void exit_walk(struct actor *a)
{
	u64 cur = mcs_rd64_acquire(&m.lp.lock.owner);
	u32 tid = exit_any_thread ? mcs_rd32(&m.lp.lock.tid) : a->tid;

	if (!cur || GLOCK_TAG_NODE(cur) != a->node ||
	    GLOCK_TAG_PID(cur) != a->pid)
		return;
	if (glock_fast_abandon(&m.lp.lock, cur, tid))
		trace("abandoned by its thread's exit");
}

static void contender(struct actor *a);

/*
 * Does thread @a end here? Only the thread victim, once the death step
 * has come. @held: it holds the lock (owner-dead is then owed).
 */
static bool thread_ends(struct actor *a, bool held)
{
	struct actor *t;

	if (a != m.thread_victim || !m.death_step || m.steps < m.death_step)
		return false;
	m.death_step = 0;
	m.deaths++;
	a->exited = true;
	if (held) {
		m.owed++;
		m.dead_held = true;
	}
	trace("THREAD END %s (pid %u tid %u)%s", a->name, a->pid, a->tid,
	      held ? ", holding the lock" : "");
	exit_walk(a);
	/* The process goes on: a new thread, maybe with the same id. */
	t = actor_new("thread", a->node, a->pid, contender);
	t->tid = rnd_below(2) ? a->tid : a->tid + 50;
	return true;
}

/* A step of the critical section: a store the schedule may interrupt. */
static void cs_store(u64 *p, u64 v)
{
	mcs_model_step();
	*p = v;
}

/*
 * The lock is ours now: check who else thinks so, repair, update.
 * Return: true if the thread ended inside (the section stays open).
 */
static bool critical_section(struct actor *a, int ret)
{
	int me = actor_index(a);
	u64 owner = le64_to_cpu(m.lp.lock.owner);
	u32 tid = le32_to_cpu(m.lp.lock.tid);

	if (owner != actor_tag(a) || tid != a->tid)
		violation("%s: lock returned %d but the word names %#" PRIx64
			  " tid %u, not %#" PRIx64 " tid %u",
			  a->name, ret, owner, tid, actor_tag(a), a->tid);
	if (m.holder >= 0 && !actor_dead(m.holder))
		violation("%s: entered while %s is inside", a->name,
			  m.actors[m.holder].name);
	if (ret == -EOWNERDEAD) {
		if (m.owed <= 0)
			violation("%s: -EOWNERDEAD but no holder died",
				  a->name);
		m.owed--;
	} else if (actor_dead(m.holder)) {
		violation("%s: lock returned 0 while dead %s's section was open",
			  a->name, m.actors[m.holder].name);
	}
	m.holder = me;
	if (thread_ends(a, true))
		return true;
	if (ret == -EOWNERDEAD) {
		if (m.undo_valid) {
			cs_store(&m.a, m.undo_a);
			cs_store(&m.b, m.undo_b);
			m.undo_valid = false;
		}
		if (thread_ends(a, true))
			return true;
		ret = gsync_mutex_consistent(&a->tab, &model_handle);
		if (ret)
			violation("%s: consistent returned %d", a->name, ret);
	}
	if (m.a != m.b || m.a != m.committed)
		violation("%s: data %" PRIu64 "/%" PRIu64 ", %" PRIu64
			  " sections committed", a->name, m.a, m.b, m.committed);
	cs_store(&m.undo_a, m.a);
	cs_store(&m.undo_b, m.b);
	m.undo_valid = true;
	cs_store(&m.a, m.a + 1);
	if (thread_ends(a, true))
		return true;
	cs_store(&m.b, m.b + 1);
	mcs_model_step();
	m.undo_valid = false;
	m.committed++;
	m.holder = -1;
	return false;
}

static void contender(struct actor *a)
{
	int i, ret;

	for (i = 0; i < ITERS && !m.violation; i++) {
		enum lock_path p = (enum lock_path)rnd_below(P_NR);

		if (thread_ends(a, false))
			return;
		trace("lock (%s)", path_name[p]);
		ret = model_lock(a, p);
		trace("lock (%s) -> %d", path_name[p], ret);
		/* Ended as soon as the lock returned. */
		if (thread_ends(a, !ret || ret == -EOWNERDEAD))
			return;
		if (ret == -ETIMEDOUT && (p == P_TRY || p == P_TIMED))
			continue;
		if (ret && ret != -EOWNERDEAD) {
			violation("%s: lock (%s) returned %d", a->name,
				  path_name[p], ret);
			return;
		}
		if (critical_section(a, ret))
			return;
		ret = model_unlock(a, p == P_LIBMCS);
		trace("unlock -> %d", ret);
		if (ret)
			violation("%s: unlock returned %d after lock", a->name,
				  ret);
		/* Released: the walk must leave the word alone. */
		if (thread_ends(a, false))
			return;
	}
}

static struct actor *victim;
static u32 victim_inc;

static void rejoined(struct actor *a)
{
	contender(a);
}

/* A survivor recovers the dead node: down, then break its locks. */
static void node_recoverer(struct actor *a)
{
	u32 node = victim->node;

	mcs_model_step();
	m.alive[node] = false;
	trace("node %u down", node);
	while (rnd_below(4))
		mcs_model_step();
	gsync_node_down(&a->tab, node, victim_inc);
	trace("node %u recovered", node);
	/* It boots again, a new incarnation, and contends once more. */
	mcs_model_step();
	m.inc[node] = (m.inc[node] + 1) & 0xffffff;
	m.alive[node] = true;
	actor_new("rejoin", node, victim->pid, rejoined);
}

/* The node's release of the dead process's file abandons its locks. */
static void process_cleanup(struct actor *a)
{
	gsync_process_exit(&a->tab, victim->node, victim->inc, victim->pid);
	trace("pid %u abandoned", victim->pid);
	actor_new("reborn", victim->node, victim->pid + 100, contender);
}

/* The last word: a lock must collect an owner-dead still owed. */
static void final_lock(struct actor *a)
{
	int ret = kernel_lock(a, P_KERNEL);

	trace("final lock -> %d", ret);
	if (ret && ret != -EOWNERDEAD) {
		violation("final lock returned %d", ret);
		return;
	}
	if (m.owed > (ret == -EOWNERDEAD))
		violation("owner-dead owed %d, final lock returned %d", m.owed,
			  ret);
	critical_section(a, ret);
	ret = model_unlock(a, false);
	if (ret)
		violation("final unlock returned %d", ret);
}

/* Kill @v now: its node (all its actors) or its process. */
static void kill_now(struct actor *v)
{
	u64 owner = le64_to_cpu(m.lp.lock.owner);
	int i;

	victim = v;
	victim_inc = v->inc;
	m.deaths++;
	for (i = 0; i < m.nr_actors; i++) {
		struct actor *a = &m.actors[i];

		if (a->st == A_DONE || a->cleanup)
			continue;
		if (m.node_death ? a->node == v->node : a == v)
			a->st = A_DEAD;
	}
	if (m.node_death ? GLOCK_TAG_NODE(owner) == v->node &&
				   GLOCK_TAG_INC(owner) == v->inc :
			   owner == actor_tag(v)) {
		m.owed++;
		m.dead_held = true;
	}
	trace("KILL %s %s (node %u pid %u)%s", m.node_death ? "node" : "process",
	      v->name, v->node, v->pid, m.dead_held ? ", holding the lock" : "");
	{
		u32 rnode = m.node_death ? (v->node + 1) % (u32)m.nr_nodes :
					   v->node;
		struct actor *r = actor_new(m.node_death ? "recov" : "cleanup",
					    rnode, 900,
					    m.node_death ? node_recoverer :
							   process_cleanup);

		r->cleanup = true;
	}
}

/* May a blocked actor run again: its word changed or its time came? */
static bool wakes(struct actor *a)
{
	return le32_to_cpu(*a->wait_word) != a->wait_val ||
	       m.now >= a->wait_until;
}

/* Run the actors to the end: a random one at each step. */
static void run_actors(void)
{
	struct actor *run[MAX_ACTORS];
	int i, n;
	u64 next_wake;

	while (!m.violation) {
		n = 0;
		next_wake = ~0ULL;
		for (i = 0; i < m.nr_actors; i++) {
			struct actor *a = &m.actors[i];

			if (a->st == A_BLOCKED && wakes(a))
				a->st = A_RUNNABLE;
			if (a->st == A_RUNNABLE)
				run[n++] = a;
			else if (a->st == A_BLOCKED && a->wait_until < next_wake)
				next_wake = a->wait_until;
		}
		if (!n) {
			if (next_wake == ~0ULL)
				return; /* everybody finished or died */
			m.now = next_wake;
			continue;
		}
		if (m.now > MODEL_LIMIT_NS) {
			violation("no progress after %" PRIu64
				  " ms of virtual time: a lost wake-up (owner %#"
				  PRIx64 " next %u serving %u handoff %u)",
				  m.now / 1000000,
				  le64_to_cpu(m.lp.lock.owner),
				  le32_to_cpu(m.lp.lock.next),
				  le32_to_cpu(m.lp.lock.serving),
				  le32_to_cpu(m.lp.lock.handoff));
			return;
		}
		m.cur = run[rnd_below((u64)n)];
		if (m.death_step && m.steps >= m.death_step && !m.cur->cleanup &&
		    !m.thread_victim) {
			m.death_step = 0;
			kill_now(m.cur);
			m.cur = NULL;
			continue;
		}
		model_switch(&m.sched_sp, m.cur->sp);
		m.cur = NULL;
	}
}

/* One schedule, all of whose choices follow from @seed. */
static const char *run_schedule(u64 seed, u64 avg_steps, u64 *steps)
{
	u32 pid = 100;
	int i, k;

	memset(&m.hdr, 0, sizeof(m.hdr));
	memset(&m.obj, 0, sizeof(m.obj));
	memset(&m.lp, 0, sizeof(m.lp));
	m.nr_actors = 0;
	m.cur = NULL;
	m.now = 1000;
	m.steps = 0;
	m.a = m.b = m.undo_a = m.undo_b = m.committed = 0;
	m.undo_valid = false;
	m.holder = -1;
	m.owed = 0;
	m.deaths = 0;
	m.dead_held = false;
	m.violation = NULL;
	m.rng = seed;

	m.nr_nodes = 2 + (int)rnd_below(2);
	m.nr_contenders = 2 + (int)rnd_below(2);
	/* A node (half the schedules), a process, or a thread dies. */
	k = (int)rnd_below(4);
	m.node_death = k < 2;
	m.thread_victim = NULL;
	/* kernel slices: short ones exercise leaving the queue */
	switch (rnd_below(3)) {
	case 0:
		m.slice_ns = 2000 + rnd_below(50000);
		break;
	case 1:
		m.slice_ns = 1000000;
		break;
	default:
		m.slice_ns = RECHECK_NS;
	}
	m.death_step = 1 + rnd_below(avg_steps + avg_steps / 4);
	for (i = 0; i < m.nr_nodes; i++) {
		m.alive[i] = true;
		m.inc[i] = 1;
	}
	{
		struct gsync_table t = { .hdr = &m.hdr, .objs = &m.obj, .nr = 1,
					 .locks = (u8 *)&m.lp,
					 .lock_stride = sizeof(m.lp) };
		struct glock_ctx c = { .node = 0, .incarnation = 1 };
		struct gsync_handle h;

		t.ctx = &c;
		if (gsync_create(&t, MODEL_GID, GSYNC_MUTEX, false, &h) ||
		    h.idx != 0) {
			fprintf(stderr, "glock-model: cannot make the mutex\n");
			exit(1);
		}
	}
	for (i = 0; i < m.nr_contenders; i++) {
		char name[16];
		struct actor *a;

		snprintf(name, sizeof(name), "c%d", i);
		/* A thread death: c0 and c1 are two threads of one process. */
		if (k == 3 && i == 1) {
			/* Thread ids unique but for reuse inside the process. */
			a = actor_new(name, 0, m.actors[0].pid, contender);
			a->tid = a->pid + 10;
			continue;
		}
		actor_new(name, (u32)(k == 3 ? i / 2 : i % m.nr_nodes), pid++,
			  contender);
	}
	if (k == 3)
		m.thread_victim = &m.actors[rnd_below(2)];
	run_actors();
	*steps = m.steps;
	if (m.violation)
		return m.violation;
	/* Everything ran: one more lock, on a live node, collects the rest. */
	for (i = 0; i < m.nr_nodes && !m.alive[i]; i++)
		;
	m.death_step = 0;
	actor_new("final", (u32)i, 999, final_lock);
	run_actors();
	if (!m.violation && le64_to_cpu(m.lp.lock.owner))
		violation("the lock is held after everybody finished");
	if (!m.violation && le32_to_cpu(m.lp.lock.state) != GLOCK_CONSISTENT)
		violation("the lock is left in state %u",
			  le32_to_cpu(m.lp.lock.state));
	return m.violation;
}

static u64 schedule_seed(u64 base, u64 i)
{
	u64 z = base + (i + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 31)) * 0xd6e8feb86659fd93ULL;
	return z ^ (z >> 32);
}

int main(int argc, char **argv)
{
	u64 schedules = 200000, seed = (u64)time(NULL), only = ~0ULL;
	u64 i, steps, total = 0, avg = 2000, deaths = 0, held = 0;
	u64 failed = 0;
	bool trace_on = false;
	int k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--schedules") && k + 1 < argc)
			schedules = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--seed") && k + 1 < argc)
			seed = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--only") && k + 1 < argc)
			only = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--trace"))
			trace_on = true;
		else if (!strcmp(argv[k], "--split-cas"))
			mcs_model_split_cas = true;
		else if (!strcmp(argv[k], "--exit-any-thread"))
			exit_any_thread = true;
		else {
			fprintf(stderr,
				"usage: %s [--schedules N] [--seed S] [--only I] [--trace] [--split-cas] [--exit-any-thread]\n",
				argv[0]);
			return 2;
		}
	}
	for (k = 0; k < MAX_ACTORS; k++) {
		stacks[k] = aligned_alloc(64, STACK_SIZE);
		if (!stacks[k])
			return 1;
	}
	printf("glock-model: seed %" PRIu64 ", %" PRIu64 " schedules\n", seed,
	       only == ~0ULL ? schedules : 1);
	for (i = 0; i < schedules; i++) {
		const char *why;

		/* a replay runs those before it too: they set the death range */
		m.trace = trace_on && i == only;
		why = run_schedule(schedule_seed(seed, i), avg, &steps);
		total += steps;
		/* deaths land anywhere in a schedule of the usual length */
		avg = (avg * 15 + steps) / 16;
		deaths += (u64)m.deaths;
		held += m.dead_held;
		if (why && (only == ~0ULL || i == only)) {
			failed++;
			printf("glock-model: schedule %" PRIu64 " (--seed %" PRIu64
			       " --only %" PRIu64 "): %s\n",
			       i, seed, i, why);
			if (failed >= 5)
				break;
		}
		if (i == only)
			break;
	}
	printf("glock-model: %" PRIu64 " steps, %" PRIu64 " deaths (%" PRIu64
	       " holding the lock), %" PRIu64 " violations\n",
	       total, deaths, held, failed);
	if (mcs_model_split_cas) {
		printf("glock-model: self-check: %s\n",
		       failed ? "a non-atomic compare-and-swap is caught" :
				"a non-atomic compare-and-swap went unseen");
		return failed ? 0 : 1;
	}
	if (exit_any_thread) {
		printf("glock-model: self-check: %s\n",
		       failed ? "an exit walk that ignores the thread is caught" :
				"an exit walk that ignores the thread went unseen");
		return failed ? 0 : 1;
	}
	return failed ? 1 : 0;
}
