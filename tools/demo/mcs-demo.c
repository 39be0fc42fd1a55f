// SPDX-License-Identifier: GPL-2.0
/*
 * mcs-demo - nodes as processes sharing one fabric file; some die in the
 * middle of transactions; the survivors recover and nothing committed is
 * lost. (The cluster of Linux guests replaces the processes when the
 * drivers arrive.)
 *
 * usage: mcs-demo FABRIC   (a region formatted by mcsctl with 4 nodes)
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gmm/gmm.h"
#include "member/member.h"
#include "os/crashpoint.h"

#define NODES 4
#define PER_NODE 8
#define MAX_GIDS (NODES * PER_NODE * 4)
#define RUN_TIMEOUT_S 60 /* no step takes more than milliseconds */

enum { C_NONE, C_CREATE, C_SHARE, C_CREATE_DIE, C_RECOVER, C_EXIT };

struct node_ctl {
	_Atomic int pid;
	_Atomic uint32_t inc;
	_Atomic int cmd;
	_Atomic uint64_t arg, arg2;
	_Atomic uint64_t seq, done;
	_Atomic int result;
	struct member_recovery rec;
	double ms;
};

struct demo {
	struct node_ctl n[NODES];
	_Atomic uint64_t committed[MAX_GIDS]; /* gids whose alloc returned 0 */
	_Atomic uint32_t ncommitted;
	_Atomic int armed_cp;
	_Atomic uint32_t revoked;
};

static struct demo *d;
static const char *fabric;
static uint64_t fabric_size;

static void say(const char *who, const char *fmt, ...)
{
	va_list ap;

	printf("[%-7s] ", who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void *map_fabric(void)
{
	int fd = open(fabric, O_RDWR);
	struct stat st;
	void *p;

	if (fd < 0 || fstat(fd, &st)) {
		perror(fabric);
		exit(2);
	}
	fabric_size = (uint64_t)st.st_size;
	p = mmap(NULL, fabric_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/* Content a creator writes and everybody verifies: derived from the GID. */
static void fill(void *base, const struct gmm_seg_info *si)
{
	uint64_t *w = (uint64_t *)((char *)base + si->offset), i;

	for (i = 0; i < si->size / 8; i++)
		w[i] = si->gid * 0x9e3779b97f4a7c15ULL + i;
}

static bool intact(void *base, const struct gmm_seg_info *si)
{
	uint64_t *w = (uint64_t *)((char *)base + si->offset), i;

	for (i = 0; i < si->size / 8; i++)
		if (w[i] != si->gid * 0x9e3779b97f4a7c15ULL + i)
			return false;
	return true;
}

static int me;

static void die_here(enum mcs_crash_point cp)
{
	if (atomic_load(&d->armed_cp) == (int)cp && atomic_load(&d->n[me].cmd) == C_CREATE_DIE)
		raise(SIGKILL);
}

static void node_main(int node)
{
	struct node_ctl *c = &d->n[node];
	void *base = map_fabric();
	struct gmm_seg_info si;
	struct gmm_region *r;
	uint64_t seen = 0, gid;
	char who[24];
	int ret, i, ok;

	me = node;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(who, sizeof(who), "node %d", node);
	mcs_crash_hook = die_here;
	ret = gmm_attach(base, fabric_size, &r);
	if (!ret)
		ret = gmm_node_join(r, (uint32_t)node);
	if (ret) {
		say(who, "cannot join: %s", strerror(-ret));
		_exit(1);
	}
	atomic_store(&c->inc, gmm_self_incarnation(r));
	say(who, "joined the cluster, incarnation %u", gmm_self_incarnation(r));
	atomic_store(&c->done, atomic_load(&c->seq));
	seen = atomic_load(&c->seq);

	for (;;) {
		while (atomic_load(&c->seq) == seen)
			sched_yield();
		seen = atomic_load(&c->seq);
		ret = 0;
		switch (atomic_load(&c->cmd)) {
		case C_CREATE:
			for (i = 0; i < PER_NODE; i++) {
				gid = (uint64_t)(node + 1) << 32 |
				      (uint64_t)gmm_self_incarnation(r) << 16 | (uint64_t)i;
				ret = gmm_alloc(r, gid, (uint64_t)(1 + i * 3) * GMM_PAGE_SIZE,
						GMM_PLACE_NEAREST, (uint32_t)getpid(), &si);
				if (ret)
					break;
				fill(base, &si);
				d->committed[atomic_fetch_add(&d->ncommitted, 1)] = gid;
			}
			say(who, "created %d segments of 4 to %d KiB in partition %u and wrote them",
			    i, (1 + (PER_NODE - 1) * 3) * 4, node);
			break;
		case C_SHARE:
			ok = 0;
			for (i = 0; i < (int)atomic_load(&d->ncommitted); i++) {
				gid = d->committed[i];
				if ((int)(gid >> 32) - 1 == node || i % 3)
					continue;
				ret = gmm_acquire(r, gid, (uint32_t)getpid(), &si);
				if (ret)
					break;
				ok += intact(base, &si);
			}
			say(who, "acquired %d segments of other nodes, %d verified intact", ok, ok);
			break;
		case C_CREATE_DIE:
			gid = atomic_load(&c->arg);
			say(who, "allocating gid %" PRIx64 " ... (armed to die at %s)", gid,
			    mcs_crash_point_names[atomic_load(&d->armed_cp)]);
			ret = gmm_alloc(r, gid, 16 * GMM_PAGE_SIZE, GMM_PLACE_NEAREST,
					(uint32_t)getpid(), &si);
			say(who, "allocation returned %d: the crash point was not reached", ret);
			break;
		case C_RECOVER: {
			struct timespec a, b;

			memset(&c->rec, 0, sizeof(c->rec));
			clock_gettime(CLOCK_MONOTONIC, &a);
			ret = member_recover(r, (uint32_t)atomic_load(&c->arg), &c->rec);
			clock_gettime(CLOCK_MONOTONIC, &b);
			c->ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
			break;
		}
		case C_EXIT:
			_exit(0);
		}
		atomic_store(&c->result, ret);
		atomic_store(&c->done, seen);
	}
}

static void start(int node)
{
	pid_t pid;

	atomic_store(&d->n[node].seq, 0);
	atomic_store(&d->n[node].done, 1);
	pid = fork();
	if (pid == 0)
		node_main(node);
	atomic_store(&d->n[node].pid, pid);
	while (atomic_load(&d->n[node].done) != 0)
		sched_yield();
}

/* Run a command on a node; false if the node died doing it. */
static bool run(int node, int cmd, uint64_t arg)
{
	struct node_ctl *c = &d->n[node];
	uint64_t seq = atomic_load(&c->seq) + 1;
	struct timespec t0, t;
	int status;

	atomic_store(&c->cmd, cmd);
	atomic_store(&c->arg, arg);
	atomic_store(&c->seq, seq);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&c->done) != seq) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			return false;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > RUN_TIMEOUT_S) {
			say("demo", "node %d is stuck: giving up", node);
			kill(0, SIGKILL);
		}
		sched_yield();
	}
	return true;
}

static void mcsctl(const char *tool, const char *what)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s %s | sed 's/^/          /'", tool, what,
		 fabric);
	fflush(stdout);
	if (system(cmd) == -1)
		perror("system");
}

/* What the membership service does when a node dies. */
static void declare_dead(struct gmm_region *r, int dead, bool lost)
{
	int ret = gmm_node_down(r, (uint32_t)dead, atomic_load(&d->n[dead].inc), lost);

	if (ret) {
		say("demo", "gmm_node_down(%d): %s", dead, strerror(-ret));
		exit(1);
	}
}

static void recover(int dead, int by)
{
	struct node_ctl *c = &d->n[by];
	const struct gmm_recovery_report *rep = &c->rec.gmm;
	char who[24];
	uint32_t st;

	snprintf(who, sizeof(who), "node %d", by);
	if (!run(by, C_RECOVER, (uint64_t)dead) || c->result) {
		say(who, "recovery of node %d failed: %s", dead, strerror(-c->result));
		exit(1);
	}
	say(who, "recovered node %d in %.3f ms: %u sharers removed, %u transactions completed, "
		 "%u aborted, %u master copies rebuilt, %u freed, %u revoked, partition %s",
	    dead, c->ms, rep->sharers_removed, rep->txns_rolled_forward,
	    rep->txns_rolled_back, rep->master_copies_rebuilt,
	    rep->sections_freed, rep->sections_revoked,
	    rep->partition_taken_over ? "taken over" : "revoked (memory lost)");
	for (st = 0; st < MEMBER_NR_STAGES; st++)
		say(who, "  stage %-9s %8.1f us", member_stage_name(st),
		    c->rec.stage_ns[st] / 1e3);
}

/* Every committed segment exists with its content, unless revoked with lost memory. */
static int audit(struct gmm_region *r, void *base, int lost_node)
{
	struct gmm_seg_info si;
	uint32_t i, n = atomic_load(&d->ncommitted), present = 0, revoked = 0, bad = 0;

	for (i = 0; i < n; i++) {
		if (gmm_lookup(r, d->committed[i], &si) == 0 && intact(base, &si))
			present++;
		else if ((int)(d->committed[i] >> 32) - 1 == lost_node)
			revoked++;
		else
			bad++;
	}
	say("demo", "audit: %u of %u committed segments present and intact, %u revoked with lost memory, %u lost",
	    present, n, revoked, bad);
	return bad;
}

int main(int argc, char **argv)
{
	struct gmm_check_report rep = { 0 };
	struct gns_check_report nrep = { 0 };
	const char *tool = getenv("MCSCTL") ? getenv("MCSCTL") : "mcsctl";
	struct gmm_seg_info si;
	struct gmm_region *r;
	uint64_t gid_commit, gid_abort;
	void *base;
	int n, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FABRIC\n", argv[0]);
		return 2;
	}
	fabric = argv[1];
	d = mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	base = map_fabric();
	if (d == MAP_FAILED || gmm_attach(base, fabric_size, &r)) {
		fprintf(stderr, "%s: %s is not a formatted region\n", argv[0], fabric);
		return 2;
	}
	atomic_store(&d->armed_cp, -1);

	say("demo", "four nodes (processes) share the fabric %s", fabric);
	for (n = 0; n < NODES; n++)
		start(n);
	for (n = 0; n < NODES; n++)
		run(n, C_CREATE, 0);
	for (n = 0; n < NODES; n++)
		run(n, C_SHARE, 0);
	mcsctl(tool, "status");

	gid_commit = 0xC0FFEE;
	gid_abort = 0xDEAD;
	say("demo", "node 2 will die just after the commit point of an allocation,");
	say("demo", "node 3 just after taking the pages of one, before its commit:");
	atomic_store(&d->armed_cp, MCS_CP_COMMITTED);
	if (run(2, C_CREATE_DIE, gid_commit))
		return 1;
	say("demo", "node 2 is dead (SIGKILL inside gmm_alloc), its locks still held");
	atomic_store(&d->armed_cp, MCS_CP_PAGES_TAKEN);
	if (run(3, C_CREATE_DIE, gid_abort))
		return 1;
	say("demo", "node 3 is dead too; membership tells the survivors");
	declare_dead(r, 2, false);
	declare_dead(r, 3, false);
	recover(2, 0);
	recover(3, 1);
	say("demo", "gid %x (committed as node 2 died): %s", (unsigned)gid_commit,
	    gmm_lookup(r, gid_commit, &si) == 0 ? "exists (completed)" : "MISSING");
	say("demo", "gid %x (node 3 died before commit): %s", (unsigned)gid_abort,
	    gmm_lookup(r, gid_abort, &si) == -ENOENT ? "absent (rolled back)" : "STILL THERE");
	bad += gmm_lookup(r, gid_commit, &si) != 0;
	bad += gmm_lookup(r, gid_abort, &si) != -ENOENT;
	bad += audit(r, base, -1);
	mcsctl(tool, "check");

	say("demo", "nodes 2 and 3 reboot and rejoin with new incarnations");
	start(2);
	start(3);
	say("demo", "node 1 crashes and its memory is lost with it (resource loss)");
	kill(d->n[1].pid, SIGKILL);
	waitpid(d->n[1].pid, NULL, 0);
	d->n[1].pid = 0;
	declare_dead(r, 1, true);
	recover(1, 2);
	bad += audit(r, base, 1);
	mcsctl(tool, "status");
	mcsctl(tool, "check");
	member_check(r, &rep, &nrep);
	bad += rep.violations + nrep.violations;

	for (n = 0; n < NODES; n++)
		if (d->n[n].pid > 0)
			run(n, C_EXIT, 0);
	while (wait(NULL) > 0)
		;
	gmm_detach(r);
	say("demo", bad ? "FAILED: %d problems" : "OK: every crash recovered, nothing committed was lost", bad);
	return bad ? 1 : 0;
}
