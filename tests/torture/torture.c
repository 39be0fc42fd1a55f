// SPDX-License-Identifier: GPL-2.0
/*
 * torture - proves that gmm survives the death of any node at any step.
 *
 * Four worker processes, each joined as a node, map one shared file as the
 * fabric and run random mixes of alloc / acquire / release / destroy /
 * lookup, and of gns name create (segments by name, locks, events) /
 * open / unlink. Every segment's content is written by its creator and
 * verified by every process that acquires it. A controller (the membership service
 * of this test) kills nodes:
 *
 *   - at random moments (SIGKILL while the victim is mid-operation),
 *   - at every named crash point of the transaction code (the victim is
 *     armed and kills itself when it reaches the point),
 *   - at every crash point of lock repair and recovery (a survivor is
 *     armed, then asked to recover a victim, and dies doing so; another
 *     survivor recovers both),
 *   - sometimes with the victim's memory lost (its partition is scribbled
 *     after recovery, so anything still reading it is caught),
 *   - inside the glock slow path (queued, admitted, released) and inside
 *     an application critical section under a global mutex (gsync): the
 *     protected pair of counters must be equal for every locker that gets
 *     0, and the one that gets -EOWNERDEAD repairs it.
 *
 * After every crash the survivors recover (member_recover(), the one
 * recovery sequence), all nodes are paused and the controller checks:
 * gmm_check() and gns_check() find no violation; every segment a node
 * committed and did not destroy still exists (unless its partition was
 * lost) and still holds its creator's content; every name whose create
 * returned and that was not unlinked still names the same GID (unless it
 * named a segment revoked with a lost partition). Then the dead node restarts
 * with a new incarnation.
 *
 * Prints "torture: <crashes> crashes, <violations> violations" and fails
 * if there was any violation or a crash point was never crashed at.
 *
 * With --mutex, the mutex mode instead (mutex.c): several processes per
 * node contend one global mutex while nodes and processes die.
 *
 * Usage: torture [--crashes N] [--seed S] [--verbose] [--mutex]
 */
#include <errno.h>
#include <getopt.h>
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
#include <time.h>
#include <unistd.h>

#include "gmm/gmm_internal.h"
#include "member/member.h"
#include "os/crashpoint.h"
#include "torture.h"

#define NODES 4
#define FABRIC_SIZE (12ULL << 20)
#define JOURNAL 48	/* own segments a node keeps at most */
#define HELD 24		/* shares of others' segments a node holds at most */
#define PUBLISHED 64
#define NAMES 8		/* own names a node keeps at most */
#define MAX_PAGES 16
#define SEG_MAGIC 0x5345474d454e5453ULL
#define SEG_READY 0x5245414459524459ULL
#define APP_MUTEXES 4
#define APP_GID(i) (0xa990000000000000ULL + (i))

enum { J_NONE, J_CREATING, J_LIVE, J_DESTROYING };
enum { N_NONE, N_CREATING, N_LIVE, N_UNLINKING };
enum { CMD_RUN, CMD_PAUSE, CMD_RECOVER, CMD_EXIT };

struct journal_entry {
	_Atomic uint64_t gid;
	_Atomic uint32_t state;
	_Atomic uint32_t part;
	_Atomic uint64_t gen;
	_Atomic uint32_t creator_share; /* sharer index, ~0 when released */
	_Atomic uint32_t written;	/* content complete */
};

/* A name this node made: "t<node>.<incarnation>.<counter>" (id packs them). */
struct name_entry {
	_Atomic uint64_t id;
	_Atomic uint32_t state;
	_Atomic uint32_t type;
	_Atomic uint64_t gid;
	_Atomic uint32_t part;
	_Atomic uint64_t gen;
	_Atomic uint32_t share; /* the creator's sharer index, ~0 if none */
};

struct worker {
	_Atomic int pid;
	_Atomic uint32_t inc;
	_Atomic int armed_cp;		/* -1: none */
	_Atomic uint32_t armed_skip;	/* hits to let pass first */
	_Atomic int dying_at;		/* crash point it killed itself at */
	struct torture_mailbox mb;	/* the controller's commands */
	_Atomic uint64_t recover_mask;
	_Atomic uint64_t ops;
	_Atomic uint32_t violations;
	_Atomic uint32_t ready;		/* attached and joined */
	char msg[256];
	struct journal_entry journal[JOURNAL];
	struct name_entry names[NAMES];
};

struct shared {
	struct worker w[NODES];
	_Atomic uint64_t published[PUBLISHED];
	_Atomic uint64_t published_names[PUBLISHED];
	_Atomic uint64_t cp_hits[MCS_CP_COUNT];
	/* What each application mutex protects: a == b outside it. */
	struct {
		_Atomic uint64_t a, b;
	} app[APP_MUTEXES];
	_Atomic uint64_t app_ownerdead;
};

static struct shared *sh;
static int fabric_fd;
static int verbose;

static uint64_t pattern(uint64_t gid, uint64_t nonce, uint64_t i)
{
	uint64_t s = gid ^ (nonce << 1) ^ (i * 0x9e3779b97f4a7c15ULL);

	return rng_next(&s);
}

static uint64_t name_id(uint32_t node, uint32_t inc, uint32_t ctr)
{
	return (uint64_t)(node + 1) << 56 | (uint64_t)inc << 32 | ctr;
}

static void name_of(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "/t%u.%u.%u", (unsigned int)(id >> 56) - 1,
		 (unsigned int)(id >> 32) & 0xffffff, (unsigned int)id);
}

/*
 * Is the segment's content what its creator wrote? -1: not written (yet).
 * A creator that died between commit and writing leaves whatever the pages
 * held before, so a header naming another GID only counts as corruption
 * when the caller knows the content was written (@written).
 */
static int content_ok(void *base, const struct gmm_seg_info *si, bool written)
{
	uint64_t *w = (uint64_t *)((char *)base + si->offset);
	uint64_t n = si->size / 8, i, step;

	if (__atomic_load_n(&w[3], __ATOMIC_ACQUIRE) != SEG_READY ||
	    w[0] != SEG_MAGIC || w[1] != si->gid)
		return written ? 0 : -1;
	step = n > 4096 ? 7 : 1;
	for (i = 4; i < n; i += step)
		if (w[i] != pattern(si->gid, w[2], i))
			return 0;
	return w[n - 1] == pattern(si->gid, w[2], n - 1);
}

/* ---- worker ---- */

struct held {
	struct gmm_seg_info si;
};

static struct worker *me;
static int my_node;

static void crash_hook(enum mcs_crash_point cp)
{
	atomic_fetch_add(&sh->cp_hits[cp], 1);
	if (atomic_load(&me->armed_cp) != (int)cp)
		return;
	if (atomic_load(&me->armed_skip)) {
		atomic_fetch_sub(&me->armed_skip, 1);
		return;
	}
	atomic_store(&me->dying_at, (int)cp);
	raise(SIGKILL);
}

static void wviolation(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&me->violations, 1);
	va_start(ap, fmt);
	vsnprintf(me->msg, sizeof(me->msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "torture: node %d: VIOLATION %s\n", my_node, me->msg);
}

/* A share or segment that vanished is fine only if its partition was lost. */
static bool revoked(struct gmm_region *r, uint32_t part, uint64_t gen)
{
	struct gmm_part_info pi;

	if (gmm_part_info(r, part, &pi))
		return false;
	return pi.state == GMM_PART_LOST || pi.generation != gen;
}

static void write_content(void *base, const struct gmm_seg_info *si,
			  uint64_t nonce)
{
	uint64_t *w = (uint64_t *)((char *)base + si->offset);
	uint64_t n = si->size / 8, i;

	/* The pages may hold an older segment's header: unready it first. */
	__atomic_store_n(&w[3], 0, __ATOMIC_RELEASE);
	w[0] = SEG_MAGIC;
	w[1] = si->gid;
	w[2] = nonce;
	for (i = 4; i < n; i++)
		w[i] = pattern(si->gid, nonce, i);
	__atomic_store_n(&w[3], SEG_READY, __ATOMIC_RELEASE);
}

static void check_content(struct gmm_region *r, void *base,
			  const struct gmm_seg_info *si, const char *when)
{
	if (content_ok(base, si, false) == 0 && !revoked(r, si->part, si->generation))
		wviolation("gid %" PRIx64 " content corrupt %s", si->gid, when);
}

static void worker_recover(struct gmm_region *r)
{
	uint64_t mask = atomic_load(&me->recover_mask);
	int ret = 0, n;

	for (n = 0; n < NODES; n++) {
		if (!(mask & (1ULL << n)))
			continue;
		ret = member_recover(r, (uint32_t)n, NULL);
		if (ret == -EINPROGRESS)
			n--; /* somebody else is at it: wait for them */
		else if (ret)
			break;
	}
	atomic_store(&me->mb.cmd_result, ret);
}

/* Adopt what a previous incarnation of this node left in the journal. */
static void adopt_journal(struct gmm_region *r)
{
	struct gmm_seg_info si;
	int j;

	for (j = 0; j < JOURNAL; j++) {
		struct journal_entry *e = &me->journal[j];
		uint32_t st = atomic_load(&e->state);

		if (st == J_NONE)
			continue;
		atomic_store(&e->creator_share, ~0U);
		if (gmm_lookup(r, atomic_load(&e->gid), &si) == 0) {
			atomic_store(&e->part, si.part);
			atomic_store(&e->gen, si.generation);
			atomic_store(&e->state, J_LIVE);
		} else {
			atomic_store(&e->state, J_NONE);
		}
	}
	for (j = 0; j < NAMES; j++) {
		struct name_entry *e = &me->names[j];
		struct gns_info info;
		char name[64];

		if (atomic_load(&e->state) == N_NONE)
			continue;
		atomic_store(&e->share, ~0U);
		name_of(atomic_load(&e->id), name, sizeof(name));
		if (gns_lookup(r, name, &info)) {
			atomic_store(&e->state, N_NONE);
			continue;
		}
		atomic_store(&e->gid, info.gid);
		atomic_store(&e->type, info.type);
		if (info.type == GNS_TYPE_SEGMENT) {
			/* Its segment is being revoked: the name will go too. */
			if (gmm_lookup(r, info.gid, &si)) {
				atomic_store(&e->state, N_NONE);
				continue;
			}
			atomic_store(&e->part, si.part);
			atomic_store(&e->gen, si.generation);
		}
		atomic_store(&e->state, N_LIVE);
	}
}

static void op_alloc(struct gmm_region *r, void *base, uint64_t *rng,
		     uint64_t *counter)
{
	struct journal_entry *e = NULL;
	struct gmm_seg_info si;
	uint64_t gid, size;
	int j, ret, place;

	for (j = 0; j < JOURNAL; j++)
		if (atomic_load(&me->journal[j].state) == J_NONE) {
			e = &me->journal[j];
			break;
		}
	if (!e)
		return;
	gid = (uint64_t)(my_node + 1) << 56 |
	      (uint64_t)gmm_self_incarnation(r) << 32 | ++*counter;
	size = (1 + rng_next(rng) % MAX_PAGES) * GMM_PAGE_SIZE;
	if (rng_next(rng) % 32 == 0) {
		/* Now and then half a partition or more: often -ENOSPC (abort). */
		struct gmm_geometry g;

		gmm_get_geometry(r, &g);
		size = (g.part_data_pages / 2 +
			rng_next(rng) % (g.part_data_pages / 2)) * (uint64_t)GMM_PAGE_SIZE;
	}
	place = (int)(rng_next(rng) % (NODES + 2)) - 2;
	atomic_store(&e->gid, gid);
	atomic_store(&e->written, 0);
	atomic_store(&e->state, J_CREATING);
	ret = gmm_alloc(r, gid, size, place, (uint32_t)getpid(), &si);
	if (ret) {
		atomic_store(&e->state, J_NONE);
		if (ret != -ENOSPC && ret != -ENFILE)
			wviolation("alloc %" PRIx64 ": %d", gid, ret);
		return;
	}
	atomic_store(&e->part, si.part);
	atomic_store(&e->gen, si.generation);
	atomic_store(&e->creator_share, si.sharer);
	atomic_store(&e->state, J_LIVE);
	write_content(base, &si, rng_next(rng));
	atomic_store(&e->written, 1);
	atomic_store(&sh->published[rng_next(rng) % PUBLISHED], gid);
}

static void op_destroy(struct gmm_region *r, void *base, uint64_t *rng)
{
	struct journal_entry *e = &me->journal[rng_next(rng) % JOURNAL];
	uint32_t share = atomic_load(&e->creator_share);
	uint64_t gid = atomic_load(&e->gid);
	struct gmm_seg_info si;
	int ret;

	if (atomic_load(&e->state) != J_LIVE)
		return;
	if (gmm_lookup(r, gid, &si) == 0 &&
	    content_ok(base, &si, atomic_load(&e->written)) == 0 &&
	    !revoked(r, si.part, si.generation))
		wviolation("gid %" PRIx64 " content corrupt before destroy", gid);
	/* Sometimes drop the creator's share first: destroy then frees. */
	if (share != ~0U && rng_next(rng) % 2) {
		ret = gmm_release(r, gid, (uint32_t)getpid(), share);
		if (ret && !revoked(r, atomic_load(&e->part), atomic_load(&e->gen)))
			wviolation("release own %" PRIx64 ": %d", gid, ret);
		atomic_store(&e->creator_share, ~0U);
		share = ~0U;
	}
	atomic_store(&e->state, J_DESTROYING);
	ret = gmm_destroy(r, gid);
	if (ret && !revoked(r, atomic_load(&e->part), atomic_load(&e->gen)))
		wviolation("destroy %" PRIx64 ": %d", gid, ret);
	if (share != ~0U) {
		ret = gmm_release(r, gid, (uint32_t)getpid(), share);
		if (ret && !revoked(r, atomic_load(&e->part), atomic_load(&e->gen)))
			wviolation("release after destroy %" PRIx64 ": %d", gid, ret);
	}
	atomic_store(&e->creator_share, ~0U);
	atomic_store(&e->state, J_NONE);
}

static void op_acquire(struct gmm_region *r, void *base, uint64_t *rng,
		       struct held *held, int *nheld)
{
	uint64_t gid = atomic_load(&sh->published[rng_next(rng) % PUBLISHED]);
	struct gmm_seg_info si;
	int ret;

	if (!gid || *nheld >= HELD)
		return;
	ret = gmm_acquire(r, gid, (uint32_t)getpid(), &si);
	if (ret == -ENOENT || ret == -ENFILE || ret == -ENXIO)
		return;
	if (ret) {
		wviolation("acquire %" PRIx64 ": %d", gid, ret);
		return;
	}
	check_content(r, base, &si, "at acquire");
	held[(*nheld)++].si = si;
}

static void op_release(struct gmm_region *r, void *base, uint64_t *rng,
		       struct held *held, int *nheld)
{
	struct gmm_seg_info si;
	int i, ret;

	if (!*nheld)
		return;
	i = (int)(rng_next(rng) % *nheld);
	si = held[i].si;
	held[i] = held[--*nheld];
	/* Held, so the memory cannot have been freed under us. */
	check_content(r, base, &si, "at release");
	ret = gmm_release(r, si.gid, (uint32_t)getpid(), si.sharer);
	if (ret && !revoked(r, si.part, si.generation))
		wviolation("release %" PRIx64 ": %d", si.gid, ret);
}

static void op_name_create(struct gmm_region *r, uint64_t *rng,
			   uint32_t *counter)
{
	struct name_entry *e = NULL;
	struct gmm_seg_info si;
	struct gns_info info;
	uint32_t type;
	char name[64];
	int j, ret;

	for (j = 0; j < NAMES; j++)
		if (atomic_load(&me->names[j].state) == N_NONE) {
			e = &me->names[j];
			break;
		}
	if (!e)
		return;
	type = rng_next(rng) % 3 ? GNS_TYPE_SEGMENT :
	       rng_next(rng) % 2 ? GNS_TYPE_LOCK : GNS_TYPE_EVENT;
	atomic_store(&e->id, name_id((uint32_t)my_node,
				     gmm_self_incarnation(r), ++*counter));
	atomic_store(&e->type, type);
	atomic_store(&e->share, ~0U);
	atomic_store(&e->state, N_CREATING);
	name_of(atomic_load(&e->id), name, sizeof(name));
	if (type == GNS_TYPE_SEGMENT)
		ret = gns_seg_create(r, name, (1 + rng_next(rng) % 2) * GMM_PAGE_SIZE,
				     (int)(rng_next(rng) % (NODES + 2)) - 2,
				     (uint32_t)getpid(), &si, &info);
	else
		ret = gns_create(r, name, type, &info);
	if (ret) {
		atomic_store(&e->state, N_NONE);
		if (ret != -ENOSPC && ret != -ENFILE)
			wviolation("create name %s: %d", name, ret);
		return;
	}
	atomic_store(&e->gid, info.gid);
	if (type == GNS_TYPE_SEGMENT) {
		atomic_store(&e->part, si.part);
		atomic_store(&e->gen, si.generation);
		atomic_store(&e->share, si.sharer);
	}
	atomic_store(&e->state, N_LIVE);
	atomic_store(&sh->published_names[rng_next(rng) % PUBLISHED],
		     atomic_load(&e->id));
}

/* A named segment revoked with its lost partition (asked after a failure). */
static bool named_gone(struct gmm_region *r, struct name_entry *e)
{
	return atomic_load(&e->type) == GNS_TYPE_SEGMENT &&
	       revoked(r, atomic_load(&e->part), atomic_load(&e->gen));
}

/* Unlink one of ours; a segment's creator share goes before or after. */
static void op_name_unlink(struct gmm_region *r, uint64_t *rng)
{
	struct name_entry *e = &me->names[rng_next(rng) % NAMES];
	uint32_t share = atomic_load(&e->share);
	uint64_t gid = atomic_load(&e->gid);
	char name[64];
	int ret;

	if (atomic_load(&e->state) != N_LIVE)
		return;
	name_of(atomic_load(&e->id), name, sizeof(name));
	if (share != ~0U && rng_next(rng) % 2) {
		ret = gmm_release(r, gid, (uint32_t)getpid(), share);
		if (ret && !named_gone(r, e))
			wviolation("release own named %" PRIx64 ": %d", gid, ret);
		atomic_store(&e->share, ~0U);
		share = ~0U;
	}
	atomic_store(&e->state, N_UNLINKING);
	ret = gns_unlink(r, name);
	/* A revoked segment's name is removed by gns_recover(). */
	if (ret && !(ret == -ENOENT && named_gone(r, e)))
		wviolation("unlink %s: %d", name, ret);
	if (share != ~0U) {
		ret = gmm_release(r, gid, (uint32_t)getpid(), share);
		if (ret && !named_gone(r, e))
			wviolation("release after unlink %" PRIx64 ": %d", gid, ret);
	}
	atomic_store(&e->share, ~0U);
	atomic_store(&e->state, N_NONE);
}

/* Open somebody's name; a segment's share joins the held ones. */
static void op_name_open(struct gmm_region *r, void *base, uint64_t *rng,
			 struct held *held, int *nheld)
{
	uint64_t id = atomic_load(&sh->published_names[rng_next(rng) % PUBLISHED]);
	struct gmm_seg_info si;
	struct gns_info info;
	char name[64];
	int ret;

	if (!id)
		return;
	name_of(id, name, sizeof(name));
	if (*nheld >= HELD || rng_next(rng) % 2) {
		ret = gns_lookup(r, name, &info);
		if (ret && ret != -ENOENT)
			wviolation("lookup name %s: %d", name, ret);
		return;
	}
	ret = gns_seg_open(r, name, (uint32_t)getpid(), &si);
	if (ret == -ENOENT || ret == -EMEDIUMTYPE || ret == -ENFILE ||
	    ret == -ENXIO)
		return;
	if (ret) {
		wviolation("open name %s: %d", name, ret);
		return;
	}
	check_content(r, base, &si, "at open by name");
	held[(*nheld)++].si = si;
}

/* An application critical section under a global mutex. */
static void op_app(struct gmm_region *r, uint64_t *rng)
{
	uint32_t i = (uint32_t)(rng_next(rng) % APP_MUTEXES);
	struct gsync_handle hm;
	struct gsync_table t;
	int ret;

	gsync_table_of(r, &t);
	ret = gsync_open(&t, APP_GID(i), &hm);
	if (!ret)
		ret = gsync_mutex_lock(&t, &hm, GSYNC_INFINITE);
	if (ret == -EOWNERDEAD) {
		/* The dead owner was between the two increments, or not. */
		atomic_store(&sh->app[i].b, atomic_load(&sh->app[i].a));
		atomic_fetch_add(&sh->app_ownerdead, 1);
		ret = gsync_mutex_consistent(&t, &hm);
	} else if (!ret && atomic_load(&sh->app[i].a) != atomic_load(&sh->app[i].b)) {
		wviolation("app mutex %u: protected data torn without owner-dead", i);
	}
	if (ret) {
		wviolation("app mutex %u: lock %d", i, ret);
		return;
	}
	atomic_fetch_add(&sh->app[i].a, 1);
	mcs_crash_point(APP_CRITICAL);
	atomic_fetch_add(&sh->app[i].b, 1);
	ret = gsync_mutex_unlock(&t, &hm);
	if (ret)
		wviolation("app mutex %u: unlock %d", i, ret);
}

static void worker_main(int node, uint64_t seed)
{
	struct held held[HELD];
	uint64_t rng = seed, counter = 0, seen = 0;
	uint32_t name_counter = 0;
	struct gmm_region *r;
	int nheld = 0, ret, cmd;
	void *base, *spacer;

	my_node = node;
	me = &sh->w[node];
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Map the fabric at an address of its own: only offsets may be shared. */
	spacer = mmap(NULL, (1 + rng_next(&rng) % 64) << 12, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)spacer;
	base = torture_map(fabric_fd, FABRIC_SIZE);
	mcs_crash_hook = crash_hook;
	ret = gmm_attach(base, FABRIC_SIZE, &r);
	if (!ret)
		ret = gmm_node_join(r, (uint32_t)node);
	if (ret) {
		wviolation("attach/join: %d", ret);
		_exit(3);
	}
	atomic_store(&me->inc, gmm_self_incarnation(r));
	adopt_journal(r);
	atomic_store(&me->ready, 1);

	for (;;) {
		if (torture_mail(&me->mb, &seen)) {
			cmd = atomic_load(&me->mb.cmd);
			if (cmd == CMD_RECOVER)
				worker_recover(r);
			if (cmd == CMD_EXIT)
				_exit(0);
			torture_mail_done(&me->mb, seen);
		}
		if (atomic_load(&me->mb.cmd) == CMD_PAUSE) {
			nap();
			continue;
		}
		switch (rng_next(&rng) % 14) {
		case 13:
			op_app(r, &rng);
			break;
		case 0: case 1: case 2:
			op_alloc(r, base, &rng, &counter);
			break;
		case 3: case 4:
			op_acquire(r, base, &rng, held, &nheld);
			break;
		case 5: case 6:
			op_release(r, base, &rng, held, &nheld);
			break;
		case 7: case 8:
			op_destroy(r, base, &rng);
			break;
		case 10:
			op_name_create(r, &rng, &name_counter);
			break;
		case 11:
			op_name_unlink(r, &rng);
			break;
		case 12:
			op_name_open(r, base, &rng, held, &nheld);
			break;
		case 9: {
			/* No share is held: the content may change under us. */
			struct gmm_seg_info si;
			uint64_t gid = atomic_load(&sh->published[rng_next(&rng) % PUBLISHED]);

			ret = gid ? gmm_lookup(r, gid, &si) : 0;
			if (ret && ret != -ENOENT && ret != -ENXIO)
				wviolation("lookup %" PRIx64 ": %d", gid, ret);
		}
		}
		atomic_fetch_add(&me->ops, 1);
	}
}

/* ---- controller ---- */

struct controller {
	struct gmm_region *r;
	void *base;
	uint64_t rng;
	uint64_t crashes, violations, rounds;
	uint64_t kills_at[MCS_CP_COUNT];
	uint64_t lost_rounds, random_rounds;
	uint64_t misses[MCS_CP_COUNT]; /* armed, not reached in time */
};

static struct gmm_region *diag_r;

static void dump_lock(const char *what, u32 i, struct glock *l)
{
	u64 owner = glock_owner(l);

	if (!owner && mcs_rd32(&l->next) == mcs_rd32(&l->serving))
		return;
	fprintf(stderr, "torture:   %s %u: owner %" PRIx64 " tid %u state %u next %u serving %u need_wake %u handoff %u\n",
		what, i, owner, mcs_rd32(&l->tid), glock_state(l),
		mcs_rd32(&l->next), mcs_rd32(&l->serving),
		mcs_rd32(&l->need_wake), mcs_rd32(&l->handoff));
}

/* What a hang looks like: every lock that is held or has a queue. */
static void fail_stuck(const char *what)
{
	struct gsync_table t;
	u32 i;

	fprintf(stderr, "torture: stuck waiting for %s\n", what);
	if (diag_r) {
		for (i = 0; i < NODES; i++)
			fprintf(stderr, "torture:   node %u word %" PRIx64 " pid %d\n", i,
				mcs_rd64(&diag_r->ctl->node[i]),
				atomic_load(&sh->w[i].pid));
		for (i = 0; i < GMM_NR_STRIPES; i++)
			dump_lock("stripe", i, &diag_r->ctl->stripe_lock[i]);
		for (i = 0; i < NODES; i++)
			dump_lock("partition", i, &diag_r->ctl->part_lock[i]);
		gsync_table_of(diag_r, &t);
		for (i = 0; i < t.nr; i++)
			dump_lock("sync object", i, gsync_lock(&t, i));
	}
	exit(1);
}

static bool alive(int node)
{
	return atomic_load(&sh->w[node].pid) > 0;
}

static void spawn(struct controller *c, int node, int armed_cp)
{
	struct worker *w = &sh->w[node];
	uint64_t seed = rng_next(&c->rng);
	uint64_t t0 = now_ns();
	pid_t pid;

	atomic_store(&w->armed_cp, armed_cp);
	atomic_store(&w->armed_skip, 0);
	atomic_store(&w->dying_at, -1);
	atomic_store(&w->ready, 0);
	atomic_store(&w->mb.cmd, CMD_RUN);
	atomic_store(&w->mb.cmd_seq, 0);
	atomic_store(&w->mb.ack_seq, 0);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid)
		worker_main(node, seed);
	atomic_store(&w->pid, pid);
	/* Wait until it joined (or died trying, at an armed join point). */
	while (!atomic_load(&w->ready)) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			atomic_store(&w->pid, -pid);
			return;
		}
		if (now_ns() - t0 > TORTURE_WAIT_NS)
			fail_stuck("a node to join");
		nap();
	}
}

/* Send a command and wait until the worker has done it (or died). */
static bool command(int node, int cmd)
{
	struct worker *w = &sh->w[node];

	return torture_command(&w->mb, cmd, atomic_load(&w->pid), fail_stuck);
}

/* Reap a node that died; account for where it died. */
static void reaped(struct controller *c, int node)
{
	struct worker *w = &sh->w[node];
	int cp = atomic_load(&w->dying_at);

	atomic_store(&w->pid, 0);
	c->crashes++;
	if (cp >= 0)
		c->kills_at[cp]++;
	if (verbose)
		fprintf(stderr, "torture: node %d died at %s\n", node,
			cp >= 0 ? mcs_crash_point_names[cp] : "a random moment");
}

/* Wait for a node's death; false if it outlives the deadline. */
static bool wait_death(struct controller *c, int node, uint64_t deadline)
{
	struct worker *w = &sh->w[node];
	int status;

	while (waitpid(atomic_load(&w->pid), &status, WNOHANG) != atomic_load(&w->pid)) {
		if (now_ns() > deadline)
			return false;
		nap();
	}
	reaped(c, node);
	return true;
}

static void kill_now(struct controller *c, int node)
{
	int status;

	kill(atomic_load(&sh->w[node].pid), SIGKILL);
	waitpid(atomic_load(&sh->w[node].pid), &status, 0);
	atomic_store(&sh->w[node].dying_at, -1);
	reaped(c, node);
}

/* Membership: tell the fabric, then have live nodes recover the dead. */
static void recover_dead(struct controller *c, uint64_t dead, bool lost,
			 int armed_cp)
{
	uint64_t t0 = now_ns();
	int n, rec, start, first_dead = __builtin_ctzll(dead);

	for (;;) {
		for (n = 0; n < NODES; n++) {
			struct gmm_node_info ni;

			/* The fabric has the incarnation a node joined with. */
			if (!(dead & (1ULL << n)) ||
			    gmm_node_info(c->r, (uint32_t)n, &ni))
				continue;
			gmm_node_down(c->r, (uint32_t)n, ni.incarnation,
				      lost && n == first_dead);
		}
		/* A random survivor recovers; an armed one may die doing it. */
		rec = -1;
		start = (int)(rng_next(&c->rng) % NODES);
		for (n = 0; n < NODES && rec < 0; n++)
			if (alive((start + n) % NODES))
				rec = (start + n) % NODES;
		if (rec < 0)
			fail_stuck("a survivor");
		if (armed_cp >= 0) {
			atomic_store(&sh->w[rec].armed_cp, armed_cp);
			armed_cp = -1;
		}
		atomic_store(&sh->w[rec].recover_mask, dead);
		if (command(rec, CMD_RECOVER)) {
			atomic_store(&sh->w[rec].armed_cp, -1);
			if (atomic_load(&sh->w[rec].mb.cmd_result))
				torture_violation(&c->violations, "recovery failed");
			break;
		}
		/* The recoverer died: it needs recovering too. */
		reaped(c, rec);
		dead |= 1ULL << rec;
		if (now_ns() - t0 > TORTURE_WAIT_NS)
			fail_stuck("recovery");
	}
	for (n = 0; n < NODES; n++)
		if (dead & (1ULL << n))
			torture_check_clean(c->r, (uint32_t)n, &c->violations);
}

/* Lost memory really is gone: anything that still reads it is caught. */
static void scribble(struct controller *c, int node)
{
	struct gmm_geometry g;
	uint64_t *p, i, n, off;

	gmm_get_geometry(c->r, &g);
	off = g.parts_off + (uint64_t)node * g.part_size;
	p = (uint64_t *)((char *)c->base + off);
	n = g.part_size / 8;
	for (i = 0; i < n; i++)
		p[i] = rng_next(&c->rng);
}

/* Every name whose create returned, and not unlinked since, is there. */
static void verify_names(struct controller *c)
{
	struct gns_info info;
	char name[64], msg[200];
	int n, j, ret;

	for (n = 0; n < NODES; n++) {
		for (j = 0; j < NAMES; j++) {
			struct name_entry *e = &sh->w[n].names[j];

			if (atomic_load(&e->state) != N_LIVE)
				continue;
			name_of(atomic_load(&e->id), name, sizeof(name));
			ret = gns_lookup(c->r, name, &info);
			if (!ret && info.gid == atomic_load(&e->gid))
				continue;
			if (atomic_load(&e->type) == GNS_TYPE_SEGMENT &&
			    revoked(c->r, atomic_load(&e->part), atomic_load(&e->gen)))
				continue;
			snprintf(msg, sizeof(msg),
				 "committed name %s of node %d is lost (%d)",
				 name, n, ret);
			torture_violation(&c->violations, msg);
		}
	}
}

static void verify_all(struct controller *c)
{
	struct gmm_check_report rep = { .violation = torture_check_violation,
					.arg = &c->violations };
	struct gns_check_report nrep = { .violation = torture_check_violation,
					 .arg = &c->violations };
	struct gmm_seg_info si;
	char msg[200];
	int n, j, ret;

	/* Every component's invariants (gmm, gsync, events, gns). */
	ret = member_check(c->r, &rep, &nrep);
	if (ret) {
		snprintf(msg, sizeof(msg), "member_check failed: %d", ret);
		torture_violation(&c->violations, msg);
	}
	verify_names(c);
	/* Nothing committed is lost, nothing is corrupted. */
	for (n = 0; n < NODES; n++) {
		for (j = 0; j < JOURNAL; j++) {
			struct journal_entry *e = &sh->w[n].journal[j];
			uint64_t gid = atomic_load(&e->gid);

			if (atomic_load(&e->state) != J_LIVE)
				continue;
			ret = gmm_lookup(c->r, gid, &si);
			if (ret) {
				struct gmm_part_info pi;

				gmm_part_info(c->r, atomic_load(&e->part), &pi);
				if (pi.generation != atomic_load(&e->gen) ||
				    pi.state == GMM_PART_LOST)
					continue; /* revoked with its lost partition */
				snprintf(msg, sizeof(msg),
					 "committed gid %" PRIx64 " of node %d is lost (%d)",
					 gid, n, ret);
				torture_violation(&c->violations, msg);
			} else if (content_ok(c->base, &si,
					      atomic_load(&e->written)) == 0) {
				uint64_t *w = (uint64_t *)((char *)c->base + si.offset);

				snprintf(msg, sizeof(msg),
					 "gid %" PRIx64 " content corrupt (part %u page offset %" PRIu64
					 " size %" PRIu64 "; header gid %" PRIx64 " ready %d)",
					 gid, si.part, si.offset, si.size, w[1],
					 w[3] == SEG_READY);
				torture_violation(&c->violations, msg);
			}
		}
	}
}

static void pause_all(bool on)
{
	int n;

	for (n = 0; n < NODES; n++)
		if (alive(n) && !command(n, on ? CMD_PAUSE : CMD_RUN))
			fail_stuck("a pause (a node died unarmed)");
}

static bool is_recovery_point(int cp)
{
	return cp == MCS_CP_LOCK_STOLEN || cp == MCS_CP_REPAIR_HALF_DONE ||
	       (cp >= MCS_CP_RECOVERY_CLAIMED && cp <= MCS_CP_RECOVERY_TOLD) ||
	       cp == MCS_CP_GNS_REPAIR_HALF || cp == MCS_CP_GNS_RECOVERY_SETTLED;
}

static int master_holder(struct controller *c)
{
	struct gmm_part_info pi;
	int n;

	for (n = 0; n < NODES; n++)
		if (!gmm_part_info(c->r, (uint32_t)n, &pi) &&
		    (pi.master_primary || pi.master_replica))
			return n;
	return 0;
}

/* Points a victim reaches inside an operation while holding locks. */
static const int holding_points[] = {
	MCS_CP_MASTER_TAGGED, MCS_CP_SECTION_TAGGED, MCS_CP_PAGES_TAKEN,
	MCS_CP_SHARER_TAGGED, MCS_CP_MASTER_FILLED, MCS_CP_COMMITTED,
	MCS_CP_FINAL_MASTER,
};

/* Points where a victim holds the gns lock with its entry pending. */
static const int gns_holding_points[] = {
	MCS_CP_GNS_TAGGED, MCS_CP_GNS_SEG_DONE, MCS_CP_GNS_COMMITTED,
};

static void round_once(struct controller *c, int cp)
{
	uint64_t dead, deadline;
	int victim = (int)(rng_next(&c->rng) % NODES), n;
	bool lost = rng_next(&c->rng) % 8 == 0, died;
	int rec_cp = -1, join_cp = -1;

	if (cp == MCS_CP_RECOVERY_MASTER_HALF_COPIED)
		victim = master_holder(c);
	if (cp == MCS_CP_RECOVERY_REVOKE_HALF || cp == MCS_CP_JOIN_REFORMAT_HALF)
		lost = true;
	if (cp == MCS_CP_JOIN_REFORMAT_HALF)
		join_cp = cp;

	if (cp >= 0 && is_recovery_point(cp)) {
		/* Quiet the others, so the armed recoverer is the one to act. */
		pause_all(true);
		rec_cp = cp;
		/*
		 * The sync stage has work only if the victim held a sync lock; repair
		 * of the name table needs a victim that holds its lock.
		 */
		if (cp == MCS_CP_RECOVERY_LOCKS_HALF)
			cp = MCS_CP_APP_CRITICAL;
		else if (cp == MCS_CP_GNS_REPAIR_HALF || rng_next(&c->rng) % 4 == 0)
			cp = gns_holding_points[rng_next(&c->rng) %
						ARRAY_SIZE(gns_holding_points)];
		else
			cp = holding_points[rng_next(&c->rng) %
					    ARRAY_SIZE(holding_points)];
		command(victim, CMD_RUN);
	}
	if (cp >= 0 && join_cp < 0) {
		atomic_store(&sh->w[victim].armed_skip,
			     (uint32_t)(rng_next(&c->rng) % 3));
		atomic_store(&sh->w[victim].armed_cp, cp);
		deadline = now_ns() + 2000000000ULL;
		died = wait_death(c, victim, deadline);
		if (!died) { /* never got there this time: kill it anyway */
			c->misses[cp]++;
			atomic_store(&sh->w[victim].armed_cp, -1);
			kill_now(c, victim);
		}
	} else {
		/* A random moment: after a random number of its operations. */
		uint64_t until = atomic_load(&sh->w[victim].ops) +
				 rng_next(&c->rng) % 40;
		unsigned int spin = (unsigned int)(rng_next(&c->rng) % 20000);

		deadline = now_ns() + TORTURE_WAIT_NS;
		while (atomic_load(&sh->w[victim].ops) < until &&
		       now_ns() < deadline)
			nap();
		for (volatile unsigned int i = 0; i < spin; i++)
			;
		kill_now(c, victim);
		c->random_rounds++;
	}
	dead = 1ULL << victim;
	recover_dead(c, dead, lost, rec_cp);
	for (n = 0; n < NODES; n++)
		if (!alive(n) && n != victim)
			dead |= 1ULL << n;
	if (lost) {
		c->lost_rounds++;
		scribble(c, victim);
	}

	pause_all(true);
	verify_all(c);
	for (n = 0; n < NODES; n++) {
		if (!(dead & (1ULL << n)))
			continue;
		spawn(c, n, n == victim ? join_cp : -1);
		while (!alive(n) || atomic_load(&sh->w[n].pid) < 0) {
			/* Died while joining (armed): recover and try again. */
			atomic_store(&sh->w[n].pid, 0);
			reaped(c, n);
			pause_all(false);
			recover_dead(c, 1ULL << n, false, -1);
			pause_all(true);
			verify_all(c);
			spawn(c, n, -1);
		}
		command(n, CMD_PAUSE);
	}
	pause_all(false);
	c->rounds++;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "crashes", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "mutex", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct controller c = { 0 };
	uint64_t target = 2000, seed = (uint64_t)time(NULL), t0;
	uint32_t wv = 0;
	int opt, n, cp, uncovered = 0;
	bool mutex_mode = false;

	while ((opt = getopt_long(argc, argv, "c:s:vm", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			target = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'm':
			mutex_mode = true;
			break;
		default:
			fprintf(stderr, "usage: %s [--crashes N] [--seed S] [--verbose] [--mutex]\n",
				argv[0]);
			return 2;
		}
	}
	printf("torture: seed %" PRIu64 ", target %" PRIu64 " crashes\n", seed,
	       target);
	fflush(stdout);
	if (mutex_mode)
		return torture_mutex(target, seed);
	c.rng = seed;

	sh = torture_shared(sizeof(*sh));
	fabric_fd = torture_fabric("mcs-torture-fabric", FABRIC_SIZE);
	c.base = torture_map(fabric_fd, FABRIC_SIZE);
	if (torture_format(c.base, FABRIC_SIZE, NODES, &c.r))
		return 2;
	{
		struct gsync_handle hm;
		struct gsync_table t;

		gsync_table_of(c.r, &t);
		for (n = 0; n < APP_MUTEXES; n++)
			if (gsync_create(&t, APP_GID(n), GSYNC_MUTEX, false, &hm)) {
				fprintf(stderr, "torture: cannot create the mutexes\n");
				return 2;
			}
	}
	diag_r = c.r;
	for (n = 0; n < NODES; n++)
		spawn(&c, n, -1);

	t0 = now_ns();
	cp = 0;
	while (c.crashes < target) {
		/* Half the rounds walk the crash points, half are random. */
		if (c.rounds % 2 == 0) {
			round_once(&c, cp);
			cp = (cp + 1) % MCS_CP_COUNT;
		} else {
			round_once(&c, -1);
		}
	}
	/* Keep walking until every point has been crashed at (bounded). */
	for (n = 0; n < 20 * MCS_CP_COUNT && now_ns() - t0 < TORTURE_WAIT_NS * 5; n++) {
		for (cp = 0; cp < MCS_CP_COUNT; cp++)
			if (!c.kills_at[cp])
				break;
		if (cp == MCS_CP_COUNT)
			break;
		round_once(&c, cp);
	}

	pause_all(true);
	verify_all(&c);
	for (n = 0; n < NODES; n++) {
		wv += atomic_load(&sh->w[n].violations);
		if (alive(n))
			command(n, CMD_EXIT);
	}
	while (wait(NULL) > 0)
		;
	c.violations += wv;
	for (cp = 0; cp < MCS_CP_COUNT; cp++) {
		if (verbose || !c.kills_at[cp])
			printf("torture: %-28s hits %-9" PRIu64 " crashes %-6" PRIu64 " missed %" PRIu64 "\n",
			       mcs_crash_point_names[cp],
			       (uint64_t)atomic_load(&sh->cp_hits[cp]),
			       c.kills_at[cp], c.misses[cp]);
		if (!c.kills_at[cp])
			uncovered++;
	}
	printf("torture: %" PRIu64 " rounds (%" PRIu64 " random kills, %" PRIu64
	       " with memory lost) in %.1f s, %d of %d crash points never crashed at\n",
	       c.rounds, c.random_rounds, c.lost_rounds,
	       (double)(now_ns() - t0) / 1e9, uncovered, MCS_CP_COUNT);
	printf("torture: %" PRIu64 " application mutexes taken owner-dead\n",
	       (uint64_t)atomic_load(&sh->app_ownerdead));
	printf("torture: %" PRIu64 " crashes, %" PRIu64 " violations\n",
	       c.crashes, c.violations);
	gmm_detach(c.r);
	return c.violations || uncovered ? 1 : 0;
}
