// SPDX-License-Identifier: GPL-2.0
/*
 * mcsd - the mcs membership daemon, one per node (Documentation/mcsd.md,
 * mcsd.8). It follows Corosync's CPG group "mcs" and quorum and drives
 * this node's kernel through /dev/mcs-control; what to do is decided in
 * membership.c, this file is the plumbing: configuration, Corosync, the
 * ioctls, the qb_loop main loop, the heartbeat and the planned leave.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cfg.h>
#include <corosync/cmap.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <qb/qbdefs.h>
#include <qb/qbloop.h>
#include <qb/qblog.h>
#include <sodium.h>

#include "membership.h"

_Static_assert(CPG_REASON_LEAVE == 2, "membership.c's MCSD_REASON_LEAVE");

#define MCSD_GROUP "mcs"
/* --probe joins a group of its own: it must not disturb a running cluster. */
#define MCSD_PROBE_GROUP "mcs-probe"
#define MCSD_WIRE_MAGIC 0x6d637364U /* "mcsd" */
#define MCSD_WIRE_VERSION 1
#define MAX_STAGES 16

/* A message on the wire: little-endian, fixed layout. */
struct mcsd_wire {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	uint32_t node;
	uint32_t incarnation;
	uint32_t phase;
	uint32_t ring_node;
	uint32_t pad;
	uint64_t ring_seq;
	uint64_t members;
	uint64_t failed;
	uint64_t planned;
	uint64_t value;
};
_Static_assert(sizeof(struct mcsd_wire) == 72, "wire size");

struct mcsd {
	struct mcsd_conf conf;
	const char *conf_path;
	const char *device;
	const char *pidfile;
	bool foreground, debug, probe;
	int exit_code;

	qb_loop_t *loop;
	corosync_cfg_handle_t cfg;
	cmap_handle_t cmap;
	cpg_handle_t cpg;
	quorum_handle_t quorum;
	bool cfg_up, cmap_up, cpg_up, quorum_up;
	uint32_t nodeid;
	uint32_t token_ms;
	uint32_t nodelist;
	uint32_t nodes;		/* slots to format with */
	int fd;			/* /dev/mcs-control, our daemon file */

	struct mcsd_sm sm;
	bool heartbeat_on;
	qb_loop_timer_handle hb_timer, retry_timer, leave_timer;
	bool leaving;
	bool fenced_seen;
};

static struct mcsd d = { .fd = -1 };

/* ------------------------------------------------------------- kernel */

static int ctl(unsigned long cmd, void *arg)
{
	return ioctl(d.fd, cmd, arg) ? -errno : 0;
}

/*
 * Give the kernel the cluster key of key_file (64 hex digits, as "mcsctl
 * keygen" writes it) before it formats or joins: a node without the
 * region's key is refused at join (control.md, "The cluster key").
 */
static int load_key(void)
{
	struct mcs_ctl_key a = { .argsz = sizeof(a) };
	char hex[2 * MCS_KEY_BYTES + 2];
	size_t bin_len = 0;
	ssize_t n = -1;
	int fd, ret;

	if (!d.conf.key_file[0])
		return 0;
	fd = open(d.conf.key_file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, hex, sizeof(hex));
		close(fd);
	}
	if (n < 2 * MCS_KEY_BYTES || n > 2 * MCS_KEY_BYTES + 1 ||
	    sodium_hex2bin(a.key, sizeof(a.key), hex, 2 * MCS_KEY_BYTES, NULL,
			   &bin_len, NULL) || bin_len != sizeof(a.key) ||
	    sodium_is_zero(a.key, sizeof(a.key))) {
		fprintf(stderr, "mcsd: %s: %s\n", d.conf.key_file,
			fd < 0 ? strerror(errno) :
				 "not a cluster key (see mcsctl keygen)");
		ret = MCSD_EXIT_KEY;
		goto out;
	}
	ret = ctl(MCS_CTL_KEY, &a);
	if (ret) {
		fprintf(stderr, "mcsd: MCS_CTL_KEY: %s\n", strerror(-ret));
		ret = MCSD_EXIT_KEY;
		goto out;
	}
	qb_log(LOG_INFO, "cluster key of %s given to the kernel", d.conf.key_file);
out:
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(&a, sizeof(a));
	return ret;
}

static int k_status(void *ctx, struct mcsd_kstatus *st)
{
	static struct mcs_node_status nodes[MCSD_MAX_NODES];
	struct mcs_ctl_status s = {
		.argsz = sizeof(s),
		.nodes = (uintptr_t)nodes,
		.nodes_cap = MCSD_MAX_NODES,
	};
	uint32_t i;
	int ret;

	(void)ctx;
	ret = ctl(MCS_CTL_STATUS, &s);
	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	st->state = s.state;
	st->nr_nodes = (s.state & MCS_STATE_REGION) ? s.nr_nodes : 0;
	st->self_node = s.self_node;
	st->self_incarnation = s.self_incarnation;
	for (i = 0; i < st->nr_nodes && i < MCSD_MAX_NODES; i++) {
		st->node_state[i] = nodes[i].state;
		st->node_inc[i] = nodes[i].incarnation;
	}
	return 0;
}

static int k_format(void *ctx)
{
	struct mcs_ctl_format f = {
		.argsz = sizeof(f),
		.nr_nodes = d.nodes,
		.lease_ms = d.conf.lease_ms,
	};
	int ret;

	(void)ctx;
	ret = ctl(MCS_CTL_FORMAT, &f);
	if (!ret)
		qb_log(LOG_NOTICE, "formatted the fabric for %u nodes, lease %u ms",
		       d.nodes, d.conf.lease_ms);
	return ret;
}

static int k_join(void *ctx, uint32_t node, uint32_t *inc)
{
	struct mcs_ctl_join j = { .argsz = sizeof(j), .node = node };
	int ret;

	(void)ctx;
	ret = ctl(MCS_CTL_JOIN, &j);
	if (!ret)
		*inc = j.incarnation;
	return ret;
}

static int k_node_down(void *ctx, uint32_t node, uint32_t inc, uint32_t flags)
{
	struct mcs_ctl_node_down n = {
		.argsz = sizeof(n), .flags = flags, .node = node,
		.incarnation = inc,
	};

	(void)ctx;
	return ctl(MCS_CTL_NODE_DOWN, &n);
}

static int k_recover(void *ctx, uint32_t node, struct mcsd_recovered *r)
{
	struct mcs_recover_stage stages[MAX_STAGES];
	struct mcs_ctl_recover rc = {
		.argsz = MCS_CTL_RECOVER_SIZE_VER1,
		.node = node,
		.stages_cap = MAX_STAGES,
		.stages = (uintptr_t)stages,
	};
	uint32_t i;
	int ret;

	(void)ctx;
	memset(stages, 0, sizeof(stages));
	ret = ctl(MCS_CTL_RECOVER, &rc);
	if (ret)
		return ret;
	r->incarnation = rc.incarnation;
	r->result = rc.result;
	r->total_ns = 0;
	for (i = 0; i < rc.nr_stages && i < MAX_STAGES; i++) {
		qb_log(LOG_INFO, "recovery of node %u stage %.16s: %llu us", node,
		       stages[i].name, (unsigned long long)(stages[i].ns / 1000));
		r->total_ns += stages[i].ns;
	}
	qb_log(LOG_INFO,
	       "recovery of node %u incarnation %u: %u stages, sharers %u, rolled back %u, forward %u, masters %u, sections freed %u revoked %u%s",
	       node, rc.incarnation, rc.nr_stages, rc.sharers_removed,
	       rc.txns_rolled_back, rc.txns_rolled_forward,
	       rc.master_copies_rebuilt, rc.sections_freed, rc.sections_revoked,
	       (rc.result & MCS_RECOVER_NOTHING) ? " (nothing to do)" : "");
	return 0;
}

static int k_freeze(void *ctx)
{
	struct mcs_ctl_freeze f = { .argsz = sizeof(f) };

	(void)ctx;
	return ctl(MCS_CTL_FREEZE, &f);
}

static int k_thaw(void *ctx)
{
	struct mcs_ctl_freeze f = { .argsz = sizeof(f) };

	(void)ctx;
	return ctl(MCS_CTL_THAW, &f);
}

/* ------------------------------------------------------------- timers */

static uint32_t hb_interval(void)
{
	uint32_t ms = d.conf.deadline_ms / 4;

	return ms ? ms : 1;
}

static void hb_fire(void *data)
{
	struct mcs_ctl_heartbeat h = { .argsz = sizeof(h) };
	struct mcsd_kstatus st;
	int ret;

	(void)data;
	if (!d.heartbeat_on)
		return;
	ret = ctl(MCS_CTL_HEARTBEAT, &h);
	if (ret && !d.fenced_seen) {
		qb_log(LOG_WARNING, "MCS_CTL_HEARTBEAT failed: %s", strerror(-ret));
		if (k_status(NULL, &st) == 0 && (st.state & MCS_STATE_FENCED)) {
			d.fenced_seen = true;
			mcsd_sm_fenced(&d.sm);
		}
	} else if (!ret) {
		d.fenced_seen = false;
	}
	qb_loop_timer_add(d.loop, QB_LOOP_HIGH, hb_interval() * QB_TIME_NS_IN_MSEC,
			  NULL, hb_fire, &d.hb_timer);
}

static void o_heartbeat(void *ctx, bool on)
{
	(void)ctx;
	if (on == d.heartbeat_on)
		return;
	d.heartbeat_on = on;
	if (on) {
		qb_log(LOG_INFO, "heartbeat every %u ms (deadline %u ms)",
		       hb_interval(), d.conf.deadline_ms);
		hb_fire(NULL);
	} else {
		qb_loop_timer_del(d.loop, d.hb_timer);
		qb_log(LOG_INFO, "heartbeat stopped");
	}
}

static void retry_fire(void *data)
{
	(void)data;
	mcsd_sm_tick(&d.sm);
	if (d.sm.phase == MCSD_PH_FAILED)
		qb_loop_stop(d.loop);
}

static void o_retry(void *ctx, uint32_t ms)
{
	(void)ctx;
	qb_loop_timer_add(d.loop, QB_LOOP_MED, (uint64_t)ms * QB_TIME_NS_IN_MSEC,
			  NULL, retry_fire, &d.retry_timer);
}

static uint64_t o_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void o_log(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	qb_log(prio, "%s", msg);
}

/* ---------------------------------------------------------------- CPG */

static int o_send(void *ctx, const struct mcsd_msg *m)
{
	struct mcsd_wire w = {
		.magic = htole32(MCSD_WIRE_MAGIC),
		.version = htole32(MCSD_WIRE_VERSION),
		.type = htole32(m->type),
		.node = htole32(m->node),
		.incarnation = htole32(m->incarnation),
		.phase = htole32(m->phase),
		.ring_node = htole32(m->ring_node),
		.ring_seq = htole64(m->ring_seq),
		.members = htole64(m->members),
		.failed = htole64(m->failed),
		.planned = htole64(m->planned),
		.value = htole64(m->value),
	};
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct timespec backoff = { 0, 10 * 1000 * 1000 };
	cs_error_t err;
	int tries;

	(void)ctx;
	qb_log(LOG_DEBUG, "send %s node %u inc %u", mcsd_msg_name(m->type),
	       m->node, m->incarnation);
	/* TRY_AGAIN is Corosync's flow control: it clears within a token. */
	for (tries = 0; tries < 500; tries++) {
		err = cpg_mcast_joined(d.cpg, CPG_TYPE_AGREED, &iov, 1);
		if (err != CS_ERR_TRY_AGAIN)
			break;
		nanosleep(&backoff, NULL);
	}
	return err == CS_OK ? 0 : -ECOMM;
}

static void cpg_deliver(cpg_handle_t h, const struct cpg_name *group,
			uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	const struct mcsd_wire *w = msg;
	struct mcsd_msg m;

	(void)h;
	(void)group;
	if (len != sizeof(*w) || le32toh(w->magic) != MCSD_WIRE_MAGIC ||
	    le32toh(w->version) != MCSD_WIRE_VERSION) {
		qb_log(LOG_WARNING, "ignoring a bad message of %zu bytes from nodeid %u",
		       len, nodeid);
		return;
	}
	if (nodeid == d.nodeid && pid != (uint32_t)getpid())
		return; /* a second mcsd of this node, about to be refused */
	m = (struct mcsd_msg){
		.type = le32toh(w->type),
		.from = nodeid,
		.node = le32toh(w->node),
		.incarnation = le32toh(w->incarnation),
		.phase = le32toh(w->phase),
		.ring_node = le32toh(w->ring_node),
		.ring_seq = le64toh(w->ring_seq),
		.members = le64toh(w->members),
		.failed = le64toh(w->failed),
		.planned = le64toh(w->planned),
		.value = le64toh(w->value),
	};
	qb_log(LOG_DEBUG, "deliver %s from %u node %u inc %u",
	       mcsd_msg_name(m.type), nodeid, m.node, m.incarnation);
	mcsd_sm_message(&d.sm, &m);
}

/* Keep entries of other nodeids and of our own process only. */
static uint32_t filter(const struct cpg_address *a, size_t n, uint32_t *ids,
		       uint32_t *reasons)
{
	uint32_t i, k = 0;

	for (i = 0; i < n && k < MCSD_MAX_NODES; i++) {
		if (a[i].nodeid == d.nodeid && a[i].pid != (uint32_t)getpid())
			continue;
		ids[k] = a[i].nodeid;
		if (reasons)
			reasons[k] = a[i].reason;
		k++;
	}
	return k;
}

static void cpg_confchg(cpg_handle_t h, const struct cpg_name *group,
			const struct cpg_address *members, size_t n_members,
			const struct cpg_address *left, size_t n_left,
			const struct cpg_address *joined, size_t n_joined)
{
	uint32_t mid[MCSD_MAX_NODES], lid[MCSD_MAX_NODES], lr[MCSD_MAX_NODES];
	uint32_t jid[MCSD_MAX_NODES], nm, nl, nj;
	size_t i;
	bool self_joined = false;

	(void)h;
	(void)group;
	for (i = 0; i < n_joined; i++)
		if (joined[i].nodeid == d.nodeid && joined[i].pid == (uint32_t)getpid())
			self_joined = true;
	for (i = 0; i < n_members; i++) {
		if (members[i].nodeid == d.nodeid &&
		    members[i].pid != (uint32_t)getpid() && self_joined) {
			qb_log(LOG_ERR,
			       "another mcsd (pid %u) is already a member of group %s for Corosync nodeid %u",
			       members[i].pid, MCSD_GROUP, d.nodeid);
			d.exit_code = MCSD_EXIT_RUNNING;
			qb_loop_stop(d.loop);
			return;
		}
		if (members[i].nodeid > MCSD_MAX_NODES)
			qb_log(LOG_WARNING,
			       "Corosync nodeid %u is beyond mcs's %u nodes: ignored",
			       members[i].nodeid, MCSD_MAX_NODES);
	}
	nm = filter(members, n_members, mid, NULL);
	nl = filter(left, n_left, lid, lr);
	nj = filter(joined, n_joined, jid, NULL);
	qb_log(LOG_INFO, "configuration change: %u members, %u left, %u joined",
	       nm, nl, nj);
	mcsd_sm_confchg(&d.sm, mid, nm, lid, lr, nl, jid, nj);
	if (d.leaving && !d.sm.in_group)
		qb_loop_stop(d.loop);
	if (d.sm.phase == MCSD_PH_FAILED)
		qb_loop_stop(d.loop);
}

static void cpg_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
		      const uint32_t *members)
{
	(void)h;
	(void)members;
	qb_log(LOG_INFO, "totem ring %u.%llu, %u nodes", ring.nodeid,
	       (unsigned long long)ring.seq, n);
	mcsd_sm_totem(&d.sm, ring.nodeid, ring.seq);
	if (d.sm.phase == MCSD_PH_FAILED)
		qb_loop_stop(d.loop);
}

static void quorum_notify(quorum_handle_t h, uint32_t quorate,
			  struct quorum_ring_id ring, uint32_t n,
			  const uint32_t *members)
{
	(void)h;
	(void)members;
	qb_log(LOG_INFO, "quorum: %s, ring %u.%llu, %u nodes",
	       quorate ? "quorate" : "not quorate", ring.nodeid,
	       (unsigned long long)ring.seq, n);
	mcsd_sm_quorum(&d.sm, quorate, ring.nodeid, ring.seq);
	if (d.sm.phase == MCSD_PH_FAILED)
		qb_loop_stop(d.loop);
}

static int32_t cpg_ready(int32_t fd, int32_t revents, void *data)
{
	(void)fd;
	(void)data;
	if ((revents & (POLLERR | POLLHUP)) ||
	    cpg_dispatch(d.cpg, CS_DISPATCH_ALL) != CS_OK) {
		if (!d.leaving) {
			qb_log(LOG_ERR, "lost the connection to Corosync (CPG)");
			d.exit_code = MCSD_EXIT_COROSYNC;
		}
		qb_loop_stop(d.loop);
		return -1;
	}
	return 0;
}

static int32_t quorum_ready(int32_t fd, int32_t revents, void *data)
{
	(void)fd;
	(void)data;
	if ((revents & (POLLERR | POLLHUP)) ||
	    quorum_dispatch(d.quorum, CS_DISPATCH_ALL) != CS_OK) {
		if (!d.leaving) {
			qb_log(LOG_ERR, "lost the connection to Corosync (quorum)");
			d.exit_code = MCSD_EXIT_COROSYNC;
		}
		qb_loop_stop(d.loop);
		return -1;
	}
	return 0;
}

/* --------------------------------------------------------------- leave */

static void leave_timeout(void *data)
{
	(void)data;
	qb_log(LOG_WARNING, "our leave from the group was not confirmed; exiting");
	qb_loop_stop(d.loop);
}

/* SIGTERM / SIGINT (mcsd --leave, systemctl stop): the planned leave. */
static int32_t on_signal(int32_t sig, void *data)
{
	struct mcs_ctl_leave l = { .argsz = sizeof(l), .grace_ms = d.conf.grace_ms };
	struct cpg_name name;
	int ret;

	(void)data;
	if (d.leaving)
		return 0;
	d.leaving = true;
	qb_log(LOG_NOTICE, "signal %d: leaving the cluster (grace %u ms)", sig,
	       d.conf.grace_ms);
	if (d.sm.phase == MCSD_PH_JOINED) {
		/* Blocks up to grace_ms; the kernel keeps our deadline alive. */
		ret = ctl(MCS_CTL_LEAVE, &l);
		if (ret)
			qb_log(LOG_ERR, "MCS_CTL_LEAVE failed: %s", strerror(-ret));
		else
			qb_log(LOG_NOTICE, "left: %u of %u subscribers acknowledged%s",
			       l.acks, l.expected,
			       (l.result & MCS_LEAVE_GRACE_EXPIRED) ?
			       ", the grace period expired" : "");
	}
	o_heartbeat(NULL, false);
	if (!d.sm.in_group) {
		qb_loop_stop(d.loop);
		return 0;
	}
	mcsd_sm_leave(&d.sm);
	strcpy(name.value, MCSD_GROUP);
	name.length = strlen(MCSD_GROUP);
	if (cpg_leave(d.cpg, &name) != CS_OK) {
		qb_loop_stop(d.loop);
		return 0;
	}
	/* Our own leave comes back as a configuration change. */
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 10000ULL * QB_TIME_NS_IN_MSEC,
			  NULL, leave_timeout, &d.leave_timer);
	return 0;
}

/* mcsd --leave: signal the running daemon and wait until it has gone. */
static int leave_running(void)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	char buf[32];
	long pid, waited = 0, limit;
	FILE *f;

	f = fopen(d.pidfile, "r");
	if (!f) {
		fprintf(stderr, "mcsd: no running mcsd: %s: %s\n", d.pidfile,
			strerror(errno));
		return MCSD_EXIT_USAGE;
	}
	if (!fgets(buf, sizeof(buf), f) || (pid = strtol(buf, NULL, 10)) <= 0) {
		fclose(f);
		fprintf(stderr, "mcsd: %s holds no pid\n", d.pidfile);
		return MCSD_EXIT_USAGE;
	}
	fclose(f);
	if (kill((pid_t)pid, SIGTERM)) {
		fprintf(stderr, "mcsd: cannot signal mcsd pid %ld: %s\n", pid,
			strerror(errno));
		return MCSD_EXIT_USAGE;
	}
	/* It needs up to grace_ms for LEAVE, then its group leave. */
	limit = d.conf.grace_ms + 15000;
	while (kill((pid_t)pid, 0) == 0 && waited < limit) {
		nanosleep(&step, NULL);
		waited += 50;
	}
	if (waited >= limit) {
		fprintf(stderr, "mcsd: pid %ld still runs after %ld ms\n", pid, limit);
		return MCSD_EXIT_JOIN;
	}
	printf("mcsd: pid %ld left the cluster\n", pid);
	return 0;
}

/* ------------------------------------------------------------- set-up */

static int load_conf(void)
{
	char text[8192], err[256];
	size_t n;
	FILE *f;

	mcsd_conf_defaults(&d.conf);
	f = fopen(d.conf_path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "mcsd: %s: %s\n", d.conf_path, strerror(errno));
		return -errno;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (mcsd_conf_parse(&d.conf, text, err, sizeof(err))) {
		fprintf(stderr, "mcsd: %s: %s\n", d.conf_path, err);
		return -EINVAL;
	}
	return 0;
}

static void cmap_settings(void)
{
	cmap_iter_handle_t it;
	char key[CMAP_KEYNAME_MAXLEN + 1];
	cmap_value_types_t type;
	size_t len;
	const char *tail;

	if (cmap_get_uint32(d.cmap, "runtime.config.totem.token", &d.token_ms) != CS_OK &&
	    cmap_get_uint32(d.cmap, "totem.token", &d.token_ms) != CS_OK)
		d.token_ms = 0;
	d.nodelist = 0;
	if (cmap_iter_init(d.cmap, "nodelist.node.", &it) == CS_OK) {
		while (cmap_iter_next(d.cmap, it, key, &len, &type) == CS_OK) {
			tail = strrchr(key, '.');
			if (tail && !strcmp(tail, ".nodeid"))
				d.nodelist++;
		}
		cmap_iter_finalize(d.cmap, it);
	}
	d.nodes = d.conf.nodes ? d.conf.nodes : d.nodelist;
	if (d.nodes < 2)
		d.nodes = 2; /* the region's smallest */
}

static int connect_corosync(void)
{
	cs_error_t err;

	err = corosync_cfg_initialize(&d.cfg, NULL);
	if (err != CS_OK) {
		fprintf(stderr,
			"mcsd: cannot connect to Corosync (is corosync running?): %s\n",
			cs_strerror(err));
		return -ENOTCONN;
	}
	d.cfg_up = true;
	err = corosync_cfg_local_get(d.cfg, &d.nodeid);
	if (err != CS_OK) {
		fprintf(stderr, "mcsd: Corosync does not tell our nodeid: %s\n",
			cs_strerror(err));
		return -ENOTCONN;
	}
	err = cmap_initialize(&d.cmap);
	if (err != CS_OK) {
		fprintf(stderr, "mcsd: cannot connect to Corosync's cmap: %s\n",
			cs_strerror(err));
		return -ENOTCONN;
	}
	d.cmap_up = true;
	cmap_settings();
	return 0;
}

static int check_nodeid(void)
{
	if (d.nodeid < 1 || d.nodeid > MCSD_MAX_NODES) {
		fprintf(stderr,
			"mcsd: Corosync nodeid %u cannot be an mcs node: mcs node = nodeid - 1, nodeids 1..%u\n",
			d.nodeid, MCSD_MAX_NODES);
		return -ERANGE;
	}
	/* An explicit "nodes" that excludes us is wrong whatever the fabric. */
	if (d.conf.nodes && mcsd_mcs_id(d.nodeid) >= d.conf.nodes) {
		fprintf(stderr,
			"mcsd: node %u (Corosync nodeid %u) does not fit %u node slots (nodes in %s)\n",
			mcsd_mcs_id(d.nodeid), d.nodeid, d.conf.nodes, d.conf_path);
		return -ERANGE;
	}
	return 0;
}

/* Open the device, refuse what cannot work before writing anything. */
static int open_device(bool register_daemon)
{
	struct mcs_ctl_daemon dm = { .argsz = sizeof(dm) };
	struct mcsd_kstatus st;
	uint32_t my = mcsd_mcs_id(d.nodeid);
	int ret;

	d.fd = open(d.device, O_RDWR | O_CLOEXEC);
	if (d.fd < 0) {
		ret = -errno;
		fprintf(stderr, "mcsd: cannot open %s: %s%s\n", d.device,
			strerror(-ret), ret == -ENOENT ?
			" (is the mcs_node module loaded?)" : "");
		return MCSD_EXIT_DEVICE;
	}
	ret = k_status(NULL, &st);
	if (ret) {
		fprintf(stderr, "mcsd: %s: MCS_CTL_STATUS: %s\n", d.device,
			strerror(-ret));
		return MCSD_EXIT_DEVICE;
	}
	if ((st.state & MCS_STATE_REGION) && my >= st.nr_nodes) {
		fprintf(stderr,
			"mcsd: node %u (Corosync nodeid %u) does not fit the region's %u node slots; nothing written\n",
			my, d.nodeid, st.nr_nodes);
		return MCSD_EXIT_NODEID;
	}
	if (!(st.state & MCS_STATE_REGION) && my >= d.nodes) {
		fprintf(stderr,
			"mcsd: node %u (Corosync nodeid %u) does not fit the %u node slots this node would format (the nodelist's size; set nodes in %s); nothing written\n",
			my, d.nodeid, d.nodes, d.conf_path);
		return MCSD_EXIT_NODEID;
	}
	if (!register_daemon)
		return 0;
	dm.deadline_ms = d.conf.deadline_ms;
	ret = ctl(MCS_CTL_DAEMON, &dm);
	if (ret == -EBUSY) {
		fprintf(stderr, "mcsd: another mcsd is this node's daemon already\n");
		return MCSD_EXIT_RUNNING;
	}
	if (ret) {
		fprintf(stderr, "mcsd: MCS_CTL_DAEMON (deadline %u ms): %s\n",
			d.conf.deadline_ms, strerror(-ret));
		return MCSD_EXIT_DEVICE;
	}
	qb_log(LOG_INFO, "registered as the daemon of %s, deadline %u ms, lease %u ms",
	       d.device, d.conf.deadline_ms, dm.lease_ms);
	return load_key();
}

static const char *group(void)
{
	return d.probe ? MCSD_PROBE_GROUP : MCSD_GROUP;
}

static int join_group(void)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = cpg_deliver,
		.cpg_confchg_fn = cpg_confchg,
		.cpg_totem_confchg_fn = cpg_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	quorum_model_v1_data_t qmodel = {
		.model = QUORUM_MODEL_V1,
		.quorum_notify_fn = quorum_notify,
	};
	struct cpg_name name;
	uint32_t qtype;
	cs_error_t err;
	int fd;

	err = quorum_model_initialize(&d.quorum, QUORUM_MODEL_V1,
				      (quorum_model_data_t *)&qmodel, &qtype, NULL);
	if (err != CS_OK) {
		fprintf(stderr, "mcsd: cannot connect to Corosync's quorum: %s\n",
			cs_strerror(err));
		return -ENOTCONN;
	}
	d.quorum_up = true;
	if (!qtype)
		qb_log(LOG_WARNING, "Corosync has no quorum provider: always quorate");
	err = quorum_trackstart(d.quorum, CS_TRACK_CURRENT | CS_TRACK_CHANGES);
	if (err != CS_OK) {
		fprintf(stderr, "mcsd: quorum_trackstart: %s\n", cs_strerror(err));
		return -ENOTCONN;
	}
	err = cpg_model_initialize(&d.cpg, CPG_MODEL_V1,
				   (cpg_model_data_t *)&model, NULL);
	if (err != CS_OK) {
		fprintf(stderr, "mcsd: cannot connect to Corosync's CPG: %s\n",
			cs_strerror(err));
		return -ENOTCONN;
	}
	d.cpg_up = true;
	strcpy(name.value, group());
	name.length = strlen(group());
	err = cpg_join(d.cpg, &name);
	if (err != CS_OK) {
		fprintf(stderr, "mcsd: cpg_join %s: %s\n", group(),
			cs_strerror(err));
		return -ENOTCONN;
	}
	if (cpg_fd_get(d.cpg, &fd) != CS_OK ||
	    qb_loop_poll_add(d.loop, QB_LOOP_HIGH, fd, POLLIN, NULL, cpg_ready))
		return -ENOTCONN;
	if (quorum_fd_get(d.quorum, &fd) != CS_OK ||
	    qb_loop_poll_add(d.loop, QB_LOOP_HIGH, fd, POLLIN, NULL, quorum_ready))
		return -ENOTCONN;
	return 0;
}

static void disconnect(void)
{
	if (d.cpg_up)
		cpg_finalize(d.cpg);
	if (d.quorum_up)
		quorum_finalize(d.quorum);
	if (d.cmap_up)
		cmap_finalize(d.cmap);
	if (d.cfg_up)
		corosync_cfg_finalize(d.cfg);
	if (d.fd >= 0)
		close(d.fd);
}

/* --probe: what Corosync says, without the kernel. */
static void probe_check(void *data)
{
	(void)data;
	if (mcsd_sm_settled(&d.sm))
		qb_loop_stop(d.loop);
	else
		qb_loop_timer_add(d.loop, QB_LOOP_LOW, 20 * QB_TIME_NS_IN_MSEC,
				  NULL, probe_check, NULL);
}

static void probe_timeout(void *data)
{
	(void)data;
	qb_loop_stop(d.loop);
}

static int probe(void)
{
	struct mcsd_kstatus st;
	int fd;

	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 0, NULL, probe_check, NULL);
	qb_loop_timer_add(d.loop, QB_LOOP_LOW, 10000ULL * QB_TIME_NS_IN_MSEC, NULL,
			  probe_timeout, NULL);
	qb_loop_run(d.loop);
	printf("nodeid %u = mcs node %u\n", d.nodeid, mcsd_mcs_id(d.nodeid));
	printf("token %u ms, nodelist %u nodes, format with %u slots\n",
	       d.token_ms, d.nodelist, d.nodes);
	printf("member of group %s: %s\n", group(), d.sm.in_group ? "yes" : "no");
	printf("members: %u\n", (unsigned int)__builtin_popcountll(d.sm.members));
	printf("quorate: %s\n", d.sm.have_quorum_info ?
	       (d.sm.quorate ? "yes" : "no") : "unknown");
	printf("ring: cpg %u.%llu quorum %u.%llu\n", d.sm.cpg_ring_node,
	       (unsigned long long)d.sm.cpg_ring_seq, d.sm.q_ring_node,
	       (unsigned long long)d.sm.q_ring_seq);
	printf("settled: %s\n", mcsd_sm_settled(&d.sm) ? "yes" : "no");
	fd = open(d.device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("device %s: %s\n", d.device, strerror(errno));
	} else {
		d.fd = fd;
		if (k_status(NULL, &st) == 0)
			printf("device %s: state %#x, %u node slots\n", d.device,
			       st.state, st.nr_nodes);
		else
			printf("device %s: MCS_CTL_STATUS: %s\n", d.device, strerror(errno));
	}
	return d.sm.in_group && d.sm.have_quorum_info ? 0 : MCSD_EXIT_COROSYNC;
}

static int write_pidfile(void)
{
	FILE *f = fopen(d.pidfile, "w");

	if (!f) {
		qb_log(LOG_ERR, "%s: %s", d.pidfile, strerror(errno));
		return -errno;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mcsd [-f] [-d] [-c CONF] [-D DEVICE] [-p PIDFILE]\n"
		"       mcsd --leave [-c CONF] [-p PIDFILE]\n"
		"       mcsd --probe [-D DEVICE]\n"
		"  -f, --foreground  stay in the foreground, log to stderr too\n"
		"  -d, --debug       log debug messages\n"
		"  -c, --config CONF configuration (default /etc/mcs/mcsd.conf)\n"
		"  -D, --device DEV  control device (default /dev/mcs-control)\n"
		"  -p, --pidfile F   pid file (default /run/mcsd.pid)\n"
		"      --leave       make the running mcsd leave the cluster\n"
		"      --probe       show what Corosync says and exit\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'D' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "leave", no_argument, NULL, 'L' },
		{ "probe", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct mcsd_ops ops = {
		.send = o_send,
		.status = k_status,
		.format = k_format,
		.join = k_join,
		.node_down = k_node_down,
		.recover = k_recover,
		.freeze = k_freeze,
		.thaw = k_thaw,
		.heartbeat = o_heartbeat,
		.retry = o_retry,
		.now_ms = o_now_ms,
		.log = o_log,
	};
	bool leave = false;
	int c, ret;

	if (sodium_init() < 0) {
		fprintf(stderr, "mcsd: libsodium cannot start\n");
		return MCSD_EXIT_USAGE;
	}
	d.conf_path = "/etc/mcs/mcsd.conf";
	d.device = "/dev/mcs-control";
	d.pidfile = "/run/mcsd.pid";
	while ((c = getopt_long(argc, argv, "fdc:D:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': d.foreground = true; break;
		case 'd': d.debug = true; break;
		case 'c': d.conf_path = optarg; break;
		case 'D': d.device = optarg; break;
		case 'p': d.pidfile = optarg; break;
		case 'L': leave = true; break;
		case 'P': d.probe = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return MCSD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return MCSD_EXIT_USAGE;
	}
	if (load_conf())
		return MCSD_EXIT_USAGE;
	if (leave)
		return leave_running();

	qb_log_init("mcsd", LOG_DAEMON, d.debug ? LOG_DEBUG : LOG_INFO);
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", d.debug ? LOG_DEBUG : LOG_INFO);
	if (d.foreground || d.probe) {
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD,
				  QB_LOG_FILTER_FILE, "*",
				  d.debug ? LOG_DEBUG : LOG_INFO);
		qb_log_format_set(QB_LOG_STDERR, "%t mcsd [%p] %b");
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	if (d.probe)
		qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);

	ret = MCSD_EXIT_COROSYNC;
	if (connect_corosync())
		goto out;
	ret = MCSD_EXIT_NODEID;
	if (check_nodeid())
		goto out;
	d.loop = qb_loop_create();
	mcsd_sm_init(&d.sm, &ops, &d, d.nodeid);
	if (d.probe) {
		d.sm.observer = true;
		ret = MCSD_EXIT_COROSYNC;
		if (join_group())
			goto out;
		ret = probe();
		goto out;
	}
	ret = open_device(true);
	if (ret)
		goto out;
	if (!d.foreground && daemon(0, 0)) {
		ret = MCSD_EXIT_USAGE;
		goto out;
	}
	write_pidfile();
	qb_log(LOG_NOTICE,
	       "mcsd: Corosync nodeid %u = mcs node %u, token %u ms, deadline %u ms, lease %u ms",
	       d.nodeid, mcsd_mcs_id(d.nodeid), d.token_ms, d.conf.deadline_ms,
	       d.conf.lease_ms);
	ret = MCSD_EXIT_COROSYNC;
	if (join_group())
		goto out_pid;
	qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGTERM, NULL, on_signal, NULL);
	qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGINT, NULL, on_signal, NULL);
	qb_loop_run(d.loop);
	ret = d.sm.phase == MCSD_PH_FAILED ? d.sm.exit_code : d.exit_code;
	qb_log(ret ? LOG_ERR : LOG_NOTICE, "mcsd exits with %d", ret);
out_pid:
	unlink(d.pidfile);
out:
	disconnect();
	qb_log_fini();
	return ret;
}
