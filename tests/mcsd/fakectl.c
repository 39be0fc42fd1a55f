// SPDX-License-Identifier: GPL-2.0
/*
 * fakectl.c - an LD_PRELOAD stand-in for /dev/mcs-control on the host, so
 * mcsd-host can run the daemon's whole path on one node: open() of
 * $MCSD_FAKE_DEVICE gives a descriptor whose ioctls answer as a one-node
 * kernel does (STATUS, DAEMON, KEY, HEARTBEAT, FORMAT, JOIN, LEAVE, FREEZE,
 * THAW); every command is appended to $MCSD_FAKE_LOG, one line each (a
 * key by its first four bytes).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/mcs.h>

static int fake_fd = -1;
static unsigned int region_nodes, lease, joined_inc, heartbeats;
static int joined = -1, frozen, daemon_set;

static void note(const char *fmt, ...)
{
	const char *path = getenv("MCSD_FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int fake_open(const char *path, int flags, mode_t mode,
		     int (*real)(const char *, int, ...))
{
	const char *dev = getenv("MCSD_FAKE_DEVICE");

	if (dev && !strcmp(path, dev)) {
		fake_fd = real("/dev/null", O_RDWR | (flags & O_CLOEXEC));
		note("open");
		return fake_fd;
	}
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return fake_open(path, flags, mode, real);
}

int open64(const char *path, int flags, ...)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, "open64");
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return fake_open(path, flags, mode, real);
}

static int fake_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case MCS_CTL_STATUS: {
		struct mcs_ctl_status *s = arg;
		struct mcs_node_status *n = (void *)(unsigned long)s->nodes;

		s->state = MCS_STATE_FABRIC | (region_nodes ? MCS_STATE_REGION : 0) |
			   (joined >= 0 ? MCS_STATE_JOINED : 0) |
			   (frozen ? MCS_STATE_FROZEN : 0) |
			   (daemon_set ? MCS_STATE_DAEMON : 0);
		s->nr_nodes = region_nodes;
		s->self_node = joined >= 0 ? (unsigned int)joined : MCS_NODE_NONE;
		s->self_incarnation = joined_inc;
		if (n && s->nodes_cap) {
			memset(n, 0, sizeof(*n) * s->nodes_cap);
			if (joined >= 0 && (unsigned int)joined < s->nodes_cap) {
				n[joined].state = MCS_NODE_ALIVE;
				n[joined].incarnation = joined_inc;
			}
		}
		return 0;
	}
	case MCS_CTL_DAEMON: {
		struct mcs_ctl_daemon *d = arg;

		if (d->argsz != sizeof(*d))
			return -EINVAL;
		daemon_set = 1;
		d->lease_ms = lease;
		note("daemon deadline %u", d->deadline_ms);
		return 0;
	}
	case MCS_CTL_HEARTBEAT:
		if (++heartbeats == 1)
			note("heartbeat");
		return 0;
	case MCS_CTL_FORMAT: {
		struct mcs_ctl_format *f = arg;

		if (region_nodes)
			return -EEXIST;
		region_nodes = f->nr_nodes;
		lease = f->lease_ms;
		note("format nodes %u lease %u", f->nr_nodes, f->lease_ms);
		return 0;
	}
	case MCS_CTL_JOIN: {
		struct mcs_ctl_join *j = arg;

		if (!region_nodes)
			return -ENOMEDIUM;
		if (joined >= 0)
			return -EALREADY;
		joined = (int)j->node;
		j->incarnation = joined_inc = 1;
		note("join %u", j->node);
		return 0;
	}
	case MCS_CTL_LEAVE: {
		struct mcs_ctl_leave *l = arg;

		if (joined < 0)
			return -ENOTCONN;
		frozen = 1;
		l->expected = l->acks = 0;
		note("leave grace %u after %u heartbeats", l->grace_ms, heartbeats);
		return 0;
	}
	case MCS_CTL_KEY: {
		struct mcs_ctl_key *k = arg;

		if (k->argsz != sizeof(*k))
			return -EINVAL;
		note("key %02x%02x%02x%02x", k->key[0], k->key[1], k->key[2],
		     k->key[3]);
		return 0;
	}
	case MCS_CTL_FREEZE:
		frozen = 1;
		note("freeze");
		return 0;
	case MCS_CTL_THAW:
		frozen = 0;
		note("thaw");
		return 0;
	default:
		note("unexpected ioctl %#lx", req);
		return -ENOTTY;
	}
}

int ioctl(int fd, unsigned long req, ...)
{
	int (*real)(int, unsigned long, ...) = dlsym(RTLD_NEXT, "ioctl");
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd || fd < 0)
		return real(fd, req, arg);
	ret = fake_ioctl(req, arg);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}
