// SPDX-License-Identifier: GPL-2.0
/*
 * evtool - cluster events and global events through /dev/mcs and libmcs,
 * in a guest, for the VM test uapi-events.sh.
 *
 *   evtool notify-expect MODE SECS SPEC...
 *                              subscribe to node down, node up, resource
 *                              lost and recovery done, say "subscribed
 *                              seq S", then require exactly the records
 *                              SPEC... (TYPE:NODE:INC, TYPE one of up,
 *                              down, lost, done), in that order, with
 *                              increasing sequence numbers after S,
 *                              within SECS seconds; at each NODE_DOWN
 *                              the node must be CLEAN (recovered) in the
 *                              fabric already. MODE "poll": libmcs
 *                              (mcs_notify_*), poll() on its fd must say
 *                              readable before each record is read, a
 *                              read before the first event must be
 *                              EAGAIN, and a read of the first into a
 *                              bad buffer EFAULT without losing it; MODE
 *                              "block": the raw device,
 *                              blocking read().
 *   evtool leave-app SECS ACK SPEC...
 *                              an application told first of a planned
 *                              leave: subscribe (libmcs) to LEAVING, node
 *                              down and recovery done, say "subscribed
 *                              seq S", then require the records SPEC...
 *                              as notify-expect does (TYPE leaving too; a
 *                              record with MCS_EVF_PLANNED must have
 *                              ":planned" after its SPEC). At LEAVING the
 *                              node must still be ALIVE in the fabric;
 *                              say "leaving seq Q: holding", then, unless
 *                              ACK is "never", wait for the file ACK to
 *                              exist, check that an ack of a record not
 *                              given is EINVAL, acknowledge, say "acked
 *                              seq Q at T" (T: seconds of CLOCK_BOOTTIME,
 *                              as /proc/uptime), and check that a second
 *                              ack is EALREADY
 *   evtool ev-create NAME manual|auto [set]
 *                              create a global event by name, print GID
 *   evtool ev-wait NAME MS     open it by name, say "waiting", wait MS ms
 *                              at most: "woken" (exit 0) or "wait: ..."
 *                              (exit 2 for ETIMEDOUT, else 1); the time
 *                              waited is printed
 *   evtool ev-set NAME | ev-reset NAME | ev-destroy NAME
 *   evtool bad-input           every new command with bad input: the
 *                              right errors, nothing left behind
 *
 * Exit 0 on success, 1 on a failed check or error (message on stdout).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "libmcs.h"

#define APP_MASK MCS_EV_APP_MASK

static int fails;
/* An address no process maps (volatile: the compiler must not judge it). */
static volatile uintptr_t bad_addr = 16;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(const char *what, int err)
{
	printf("%s: %s\n", what, strerror(-err));
	return 1;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case MCS_EV_NODE_DOWN:
		return "down";
	case MCS_EV_NODE_UP:
		return "up";
	case MCS_EV_RESOURCE_LOST:
		return "lost";
	case MCS_EV_RECOVERY_DONE:
		return "done";
	case MCS_EV_LEAVING:
		return "leaving";
	case MCS_EV_OVERRUN:
		return "overrun";
	}
	return "?";
}

/* The state of @node in the fabric (MCS_NODE_*), or a negative errno. */
static int node_state(uint32_t node)
{
	struct mcs_node_status st[MCS_MAX_NODES];
	struct mcs_ctl_status a = {
		.argsz = sizeof(a),
		.nodes = (uintptr_t)st,
		.nodes_cap = MCS_MAX_NODES,
	};
	int fd = open("/dev/mcs-control", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, MCS_CTL_STATUS, &a) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	return node < a.nr_nodes ? (int)st[node].state : -ENOENT;
}

/* Check one record against the next SPEC; 0 if it matches. */
static int check_rec(const struct mcs_notice *ev, const char *spec,
		     uint64_t *last_seq)
{
	char want[64];
	int state;

	printf("event seq %llu %s node %u inc %u flags %#x arg %llu\n",
	       (unsigned long long)ev->seq, type_name(ev->type), ev->node,
	       ev->incarnation, ev->flags, (unsigned long long)ev->arg);
	snprintf(want, sizeof(want), "%s:%u:%u%s", type_name(ev->type),
		 ev->node, ev->incarnation,
		 ev->flags & MCS_EVF_PLANNED ? ":planned" : "");
	if (strcmp(want, spec)) {
		printf("FAIL: got %s, expected %s\n", want, spec);
		return 1;
	}
	if (ev->seq <= *last_seq) {
		printf("FAIL: seq %llu not after %llu\n",
		       (unsigned long long)ev->seq,
		       (unsigned long long)*last_seq);
		return 1;
	}
	*last_seq = ev->seq;
	/* Recovered first, then told: the dead node is clean already. */
	if (ev->type == MCS_EV_NODE_DOWN) {
		state = node_state(ev->node);
		if (state != MCS_NODE_CLEAN) {
			printf("FAIL: node %u in state %d at NODE_DOWN\n",
			       ev->node, state);
			return 1;
		}
		printf("node %u clean at NODE_DOWN\n", ev->node);
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* No SA_RESTART: a blocking call gets EINTR when the alarm rings. */
static void arm_alarm(unsigned int ms)
{
	struct sigaction sa;
	struct itimerval it = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

static int notify_poll(int secs, char **spec, int nspec)
{
	uint64_t end, seq, last;
	struct mcs_notifier *nf;
	struct mcs_notice ev;
	struct pollfd pfd;
	int ret, i;

	ret = mcs_notify_open(&nf, NULL, APP_MASK, &seq);
	if (ret)
		return fail("notify_open", ret);
	printf("subscribed seq %llu\n", (unsigned long long)seq);
	fflush(stdout);
	last = seq;
	ret = mcs_notify_read(nf, &ev, 0);
	if (ret != -EAGAIN) {
		printf("FAIL: read before any event: %d, expected EAGAIN\n",
		       ret);
		return 1;
	}
	end = now_ms() + (uint64_t)secs * 1000;
	for (i = 0; i < nspec; i++) {
		pfd.fd = mcs_notify_fd(nf);
		pfd.events = POLLIN;
		pfd.revents = 0;
		do {
			uint64_t t = now_ms();

			ret = t >= end ? 0 : poll(&pfd, 1, (int)(end - t));
		} while (ret < 0 && errno == EINTR);
		if (ret <= 0 || !(pfd.revents & POLLIN)) {
			printf("FAIL: no record %s within %d s (poll %d)\n",
			       spec[i], secs, ret);
			return 1;
		}
		/* A bad buffer loses nothing: the record stays queued. */
		if (!i && (read(mcs_notify_fd(nf), (void *)bad_addr,
				sizeof(struct mcs_notify_rec)) != -1 ||
			   errno != EFAULT)) {
			printf("FAIL: read into a bad buffer: not EFAULT\n");
			return 1;
		}
		if (!i)
			printf("ok: read into a bad buffer: EFAULT\n");
		/* Readable: the record must be there without waiting. */
		ret = mcs_notify_read(nf, &ev, 0);
		if (ret)
			return fail("read after POLLIN", ret);
		if (check_rec(&ev, spec[i], &last))
			return 1;
		fflush(stdout);
	}
	ret = mcs_notify_read(nf, &ev, 0);
	if (ret != -EAGAIN) {
		printf("FAIL: a record more than expected (%d)\n", ret);
		if (!ret)
			check_rec(&ev, "none", &last);
		return 1;
	}
	mcs_notify_close(nf);
	printf("notify ok: %d records in order\n", nspec);
	return 0;
}

static int notify_block(int secs, char **spec, int nspec)
{
	struct mcs_notify a = {
		.argsz = sizeof(a),
		.mask = APP_MASK,
	};
	struct mcs_notify_rec rec;
	struct mcs_notice ev;
	uint64_t last;
	ssize_t n;
	int fd, i;

	fd = open("/dev/mcs", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a))
		return fail("subscribe", -errno);
	printf("subscribed seq %llu\n", (unsigned long long)a.seq);
	fflush(stdout);
	last = a.seq;
	arm_alarm((unsigned int)secs * 1000);
	for (i = 0; i < nspec; i++) {
		n = read(fd, &rec, sizeof(rec));
		if (n != (ssize_t)sizeof(rec)) {
			printf("FAIL: no record %s within %d s (read %zd: %s)\n",
			       spec[i], secs, n, strerror(errno));
			return 1;
		}
		if (rec.size != sizeof(rec) || rec.reserved0) {
			printf("FAIL: record size %u reserved %u\n",
			       rec.size, rec.reserved0);
			return 1;
		}
		ev.seq = rec.seq;
		ev.type = rec.type;
		ev.node = rec.node;
		ev.incarnation = rec.incarnation;
		ev.flags = rec.flags;
		ev.arg = rec.arg;
		if (check_rec(&ev, spec[i], &last))
			return 1;
		fflush(stdout);
	}
	arm_alarm(0);
	close(fd);
	printf("notify ok: %d records in order\n", nspec);
	return 0;
}

static double boottime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hold the LEAVING record @ev until @ack exists, then acknowledge it. */
static int leave_ack(struct mcs_notifier *nf, const struct mcs_notice *ev,
		     const char *ack, uint64_t end)
{
	int state = node_state(ev->node), ret;

	if (state != MCS_NODE_ALIVE) {
		printf("FAIL: node %u in state %d at LEAVING\n", ev->node,
		       state);
		return 1;
	}
	printf("leaving seq %llu: holding\n", (unsigned long long)ev->seq);
	if (!strcmp(ack, "never"))
		return 0;
	while (access(ack, F_OK)) {
		if (now_ms() >= end) {
			printf("FAIL: no %s in time\n", ack);
			return 1;
		}
		usleep(20000);
	}
	ret = mcs_notify_ack(nf, ev->seq + 1);
	if (ret != -EINVAL) {
		printf("FAIL: ack of a record not given: %d, expected EINVAL\n",
		       ret);
		return 1;
	}
	ret = mcs_notify_ack(nf, ev->seq);
	if (ret)
		return fail("ack", ret);
	printf("acked seq %llu at %.2f\n", (unsigned long long)ev->seq,
	       boottime_s());
	ret = mcs_notify_ack(nf, ev->seq);
	if (ret != -EALREADY) {
		printf("FAIL: second ack: %d, expected EALREADY\n", ret);
		return 1;
	}
	printf("ok: second ack: EALREADY\n");
	return 0;
}

static int leave_app(int secs, const char *ack, char **spec, int nspec)
{
	const uint32_t mask = MCS_EV_MASK(MCS_EV_LEAVING) |
			      MCS_EV_MASK(MCS_EV_NODE_DOWN) |
			      MCS_EV_MASK(MCS_EV_RECOVERY_DONE);
	uint64_t end = now_ms() + (uint64_t)secs * 1000, seq, t;
	struct mcs_notifier *nf;
	struct mcs_notice ev;
	int ret, i;

	ret = mcs_notify_open(&nf, NULL, mask, &seq);
	if (ret)
		return fail("notify_open", ret);
	printf("subscribed seq %llu\n", (unsigned long long)seq);
	for (i = 0; i < nspec; i++) {
		t = now_ms();
		ret = t >= end ? -ETIMEDOUT :
				 mcs_notify_read(nf, &ev, (int)(end - t));
		if (ret) {
			printf("FAIL: no record %s within %d s: %s\n", spec[i],
			       secs, strerror(-ret));
			return 1;
		}
		if (check_rec(&ev, spec[i], &seq))
			return 1;
		if (ev.type == MCS_EV_LEAVING && leave_ack(nf, &ev, ack, end))
			return 1;
	}
	mcs_notify_close(nf);
	printf("leave-app ok: %d records in order\n", nspec);
	return 0;
}

static struct mcs_ctx *ctx;

static int ev_wait(const char *name, uint64_t ms)
{
	uint64_t gid, t0;
	int ret;

	ret = mcs_event_open_name(ctx, name, &gid);
	if (ret)
		return fail("open", ret);
	printf("waiting\n");
	fflush(stdout);
	t0 = now_ms();
	ret = mcs_event_timedwait(ctx, gid, ms * 1000000);
	printf("waited %llu ms\n", (unsigned long long)(now_ms() - t0));
	if (!ret) {
		printf("woken\n");
		return 0;
	}
	fail("wait", ret);
	return ret == -ETIMEDOUT ? 2 : 1;
}

static int ev_cmd(const char *cmd, const char *name)
{
	uint64_t gid;
	int ret;

	ret = mcs_event_open_name(ctx, name, &gid);
	if (ret)
		return fail("open", ret);
	if (!strcmp(cmd, "ev-set"))
		ret = mcs_event_set(ctx, gid);
	else if (!strcmp(cmd, "ev-reset"))
		ret = mcs_event_reset(ctx, gid);
	else
		ret = mcs_event_destroy(ctx, gid);
	if (ret)
		return fail(cmd, ret);
	printf("%s %s: ok\n", cmd, name);
	return 0;
}

/* One expectation: the ioctl (or call) gave -want. */
static void expect(const char *what, int got, int want)
{
	if (got == want) {
		printf("ok: %s: %s\n", what, want ? strerror(-want) : "0");
		return;
	}
	printf("FAIL: %s: got %d (%s), want %d (%s)\n", what, got,
	       strerror(-got), want, strerror(-want));
	fails++;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static struct mcs_notify notify_arg(uint32_t mask)
{
	struct mcs_notify a = {
		.argsz = sizeof(a),
		.mask = mask,
	};

	return a;
}

static struct mcs_gevent gevent_arg(uint64_t gid)
{
	struct mcs_gevent a = { .argsz = sizeof(a), .gid = gid };

	return a;
}

/* Acknowledgements of planned leave, with no leave going on. */
static void bad_ack(void)
{
	struct mcs_notify_ack k = { .argsz = sizeof(k), .seq = 1 };
	struct {
		struct mcs_notify_ack k;
		__u64 tail;
	} big;
	struct mcs_notifier *nf;
	struct mcs_notify a;
	int fd = open("/dev/mcs", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0) {
		printf("FAIL: open /dev/mcs: %s\n", strerror(errno));
		fails++;
		return;
	}
	expect("ack: not subscribed", xioctl(fd, MCS_IOC_NOTIFY_ACK, &k),
	       -EINVAL);
	a = notify_arg(MCS_EV_MASK(MCS_EV_LEAVING));
	expect("subscribe: LEAVING alone",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), 0);
	k.seq = a.seq + 1;
	expect("ack: a record not given", xioctl(fd, MCS_IOC_NOTIFY_ACK, &k),
	       -EINVAL);
	k.seq = a.seq;
	expect("ack: the subscription's seq (not LEAVING)",
	       xioctl(fd, MCS_IOC_NOTIFY_ACK, &k), -EINVAL);
	k.seq = 0;
	expect("ack: seq 0", xioctl(fd, MCS_IOC_NOTIFY_ACK, &k), -EINVAL);
	k.seq = 1;
	k.reserved[1] = 1;
	expect("ack: reserved set", xioctl(fd, MCS_IOC_NOTIFY_ACK, &k),
	       -EINVAL);
	k.reserved[1] = 0;
	k.flags = 1;
	expect("ack: unknown flags", xioctl(fd, MCS_IOC_NOTIFY_ACK, &k),
	       -EINVAL);
	k.flags = 0;
	k.argsz = MCS_NOTIFY_ACK_SIZE_VER0 - 8;
	expect("ack: argsz below SIZE_VER0",
	       xioctl(fd, MCS_IOC_NOTIFY_ACK, &k), -EINVAL);
	memset(&big, 0, sizeof(big));
	big.k.argsz = sizeof(big);
	big.k.seq = 1;
	big.tail = 1;
	expect("ack: larger, non-zero tail",
	       xioctl(fd, MCS_IOC_NOTIFY_ACK, &big), -E2BIG);
	expect("ack: bad pointer", xioctl(fd, MCS_IOC_NOTIFY_ACK, (void *)16),
	       -EFAULT);
	expect("ack: wrong direction",
	       xioctl(fd, _IOWR(MCS_IOC_TYPE, 0x41, struct mcs_notify_ack),
		      &k),
	       -ENOTTY);
	close(fd);

	expect("mcs_notify_ack: NULL", mcs_notify_ack(NULL, 1), -EINVAL);
	ret = mcs_notify_open(&nf, NULL, MCS_EV_MASK(MCS_EV_LEAVING), NULL);
	expect("mcs_notify_open: LEAVING", ret, 0);
	if (!ret) {
		expect("mcs_notify_ack: a record not given",
		       mcs_notify_ack(nf, 1), -EINVAL);
		mcs_notify_close(nf);
	}
}

static void bad_notify(void)
{
	struct mcs_notifier *nf;
	struct mcs_notify_rec rec;
	struct mcs_notify a;
	struct {
		struct mcs_notify a;
		__u64 tail;
	} big;
	struct pollfd pfd;
	uint64_t t0;
	char small[8];
	int fd, fd2;

	fd = open("/dev/mcs", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	fd2 = open("/dev/mcs", O_RDWR | O_CLOEXEC);
	if (fd < 0 || fd2 < 0) {
		printf("FAIL: open /dev/mcs: %s\n", strerror(errno));
		fails++;
		return;
	}
	/* Not subscribed: nothing to read or poll. */
	expect("read before subscribe",
	       read(fd, &rec, sizeof(rec)) < 0 ? -errno : 0, -EINVAL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	expect("poll before subscribe: POLLERR",
	       poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR) ? 0 : -EIO,
	       0);

	a = notify_arg(APP_MASK);
	a.argsz = MCS_NOTIFY_SIZE_VER0 - 4;
	expect("subscribe: argsz below SIZE_VER0",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	memset(&big, 0, sizeof(big));
	big.a = notify_arg(APP_MASK);
	big.a.argsz = sizeof(big);
	big.tail = 1;
	expect("subscribe: larger, non-zero tail",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &big), -E2BIG);
	a = notify_arg(APP_MASK);
	a.flags = 1;
	expect("subscribe: unknown flags",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	a = notify_arg(APP_MASK);
	a.seq = 5;
	expect("subscribe: output seq set",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	a = notify_arg(APP_MASK);
	a.record_size = 64;
	expect("subscribe: output record_size set",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	a = notify_arg(0);
	expect("subscribe: empty mask",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	a = notify_arg(MCS_EV_MASK(MCS_EV_OVERRUN));
	expect("subscribe: only OVERRUN",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	a = notify_arg(APP_MASK | MCS_EV_MASK(7));
	expect("subscribe: unknown type 7",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	a = notify_arg(APP_MASK | 1);
	expect("subscribe: type 0",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), -EINVAL);
	expect("subscribe: bad pointer",
	       xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, (void *)16), -EFAULT);
	expect("subscribe: wrong direction",
	       xioctl(fd, _IOR(MCS_IOC_TYPE, 0x40, struct mcs_notify), &a),
	       -ENOTTY);

	/* A good one, with OVERRUN asked for (it comes anyway). */
	a = notify_arg(APP_MASK | MCS_EV_MASK(MCS_EV_OVERRUN));
	expect("subscribe", xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a), 0);
	if (a.record_size != sizeof(struct mcs_notify_rec)) {
		printf("FAIL: record_size %u\n", a.record_size);
		fails++;
	}
	a = notify_arg(APP_MASK);
	expect("subscribe twice", xioctl(fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a),
	       -EALREADY);
	expect("read: buffer smaller than a record",
	       read(fd, small, sizeof(small)) < 0 ? -errno : 0, -EINVAL);
	expect("read: none pending, O_NONBLOCK",
	       read(fd, &rec, sizeof(rec)) < 0 ? -errno : 0, -EAGAIN);
	pfd.revents = 0;
	expect("poll: none pending", poll(&pfd, 1, 0), 0);

	/* A blocking read sleeps until a signal comes. */
	a = notify_arg(MCS_EV_MASK(MCS_EV_NODE_UP));
	expect("subscribe (blocking file)",
	       xioctl(fd2, MCS_IOC_NOTIFY_SUBSCRIBE, &a), 0);
	t0 = now_ms();
	arm_alarm(300);
	expect("blocking read interrupted by a signal",
	       read(fd2, &rec, sizeof(rec)) < 0 ? -errno : 0, -EINTR);
	if (now_ms() - t0 < 250) {
		printf("FAIL: blocking read returned after %llu ms\n",
		       (unsigned long long)(now_ms() - t0));
		fails++;
	}
	close(fd2);
	close(fd);
	bad_ack();

	expect("mcs_notify_open: mask 0", mcs_notify_open(&nf, NULL, 0, NULL),
	       -EINVAL);
	/* A device that is not /dev/mcs of this ABI has no MCS_IOC_INFO. */
	expect("mcs_notify_open: not an mcs device",
	       mcs_notify_open(&nf, "/dev/null", APP_MASK, NULL), -ENOTTY);
	{
		struct mcs_ctx *c;

		expect("mcs_open: not an mcs device", mcs_open(&c, "/dev/null"),
		       -ENOTTY);
	}
	expect("mcs_notify_read: NULL", mcs_notify_read(NULL, NULL, 0),
	       -EINVAL);
	expect("mcs_notify_open", mcs_notify_open(&nf, NULL, APP_MASK, NULL),
	       0);
	expect("mcs_notify_read: none within 100 ms",
	       mcs_notify_read(nf, (struct mcs_notice[1]){ { 0 } }, 100),
	       -ETIMEDOUT);
	mcs_notify_close(nf);
}

static void bad_gevent(void)
{
	const uint64_t gid = 0x45560001, gid2 = 0x45560002, mgid = 0x45560003;
	char longname[MCS_NAME_MAX + 3];
	struct mcs_gevent a;
	uint64_t t0, g;
	int fd = open("/dev/mcs", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("FAIL: open /dev/mcs: %s\n", strerror(errno));
		fails++;
		return;
	}
	a = gevent_arg(gid);
	a.argsz = 0;
	expect("create: argsz 0", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(gid);
	a.flags = MCS_GEVENT_TIMED;
	expect("create: WAIT's flag", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(gid);
	a.flags = 1U << 31;
	expect("create: unknown flag", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(gid);
	a.mode = 01000;
	expect("create: mode beyond 0777", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(gid);
	a.mode = 0600;
	expect("set: a mode", xioctl(fd, MCS_IOC_GEVENT_SET, &a), -EINVAL);
	{
		struct {
			struct mcs_gevent a;
			__u64 tail[2];
		} big = { .a = gevent_arg(gid), .tail = { 0, 1 } };

		big.a.argsz = sizeof(big);
		expect("create: larger, non-zero tail",
		       xioctl(fd, MCS_IOC_GEVENT_CREATE, &big), -E2BIG);
	}
	a = gevent_arg(gid);
	a.timeout_ns = 1;
	expect("create: timeout_ns set",
	       xioctl(fd, MCS_IOC_GEVENT_CREATE, &a), -EINVAL);
	a = gevent_arg(0);
	expect("create: GID 0", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(~0ULL);
	expect("create: GID ~0", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(gid | (1ULL << 62));
	expect("create: GID of gns", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(0);
	a.name = 16;
	a.name_len = 4;
	expect("create: bad name pointer",
	       xioctl(fd, MCS_IOC_GEVENT_CREATE, &a), -EFAULT);
	a = gevent_arg(gid);
	a.name = (uintptr_t)"x";
	a.name_len = 1;
	expect("create: name and GID", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(0);
	a.name = (uintptr_t)"x";
	expect("create: name_len 0", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	a = gevent_arg(0);
	a.name = (uintptr_t)"a/b";
	a.name_len = 3;
	expect("create: bad name", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EINVAL);
	memset(longname, 'n', sizeof(longname));
	a = gevent_arg(0);
	a.name = (uintptr_t)longname;
	a.name_len = sizeof(longname);
	expect("create: name too long",
	       xioctl(fd, MCS_IOC_GEVENT_CREATE, &a), -ENAMETOOLONG);
	expect("create: bad pointer",
	       xioctl(fd, MCS_IOC_GEVENT_CREATE, (void *)16), -EFAULT);
	expect("unknown command", xioctl(fd, _IOW(MCS_IOC_TYPE, 0x5f,
						  struct mcs_gevent), &a),
	       -ENOTTY);

	/* Made by GID; what exists and what does not. */
	a = gevent_arg(gid);
	expect("create by GID", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a), 0);
	expect("create again", xioctl(fd, MCS_IOC_GEVENT_CREATE, &a),
	       -EEXIST);
	a = gevent_arg(gid2);
	expect("open: none", xioctl(fd, MCS_IOC_GEVENT_OPEN, &a), -ENOENT);
	expect("set: none", xioctl(fd, MCS_IOC_GEVENT_SET, &a), -ENOENT);
	expect("reset: none", xioctl(fd, MCS_IOC_GEVENT_RESET, &a), -ENOENT);
	expect("wait: none", xioctl(fd, MCS_IOC_GEVENT_WAIT, &a), -ENOENT);
	expect("destroy: none", xioctl(fd, MCS_IOC_GEVENT_DESTROY, &a),
	       -ENOENT);
	a = gevent_arg(0);
	a.name = (uintptr_t)"no-such-event";
	a.name_len = 13;
	expect("open: no such name", xioctl(fd, MCS_IOC_GEVENT_OPEN, &a),
	       -ENOENT);
	a = gevent_arg(0);
	a.name = (uintptr_t)"ev-bad";
	a.name_len = 6;
	expect("set: by name", xioctl(fd, MCS_IOC_GEVENT_SET, &a), -EINVAL);
	a = gevent_arg(gid);
	a.flags = MCS_GEVENT_AUTO;
	expect("set: create's flag", xioctl(fd, MCS_IOC_GEVENT_SET, &a),
	       -EINVAL);
	a = gevent_arg(gid);
	a.timeout_ns = 1000;
	expect("wait: timeout_ns without TIMED",
	       xioctl(fd, MCS_IOC_GEVENT_WAIT, &a), -EINVAL);

	/* Not set: a poll and a timed wait time out, on time. */
	a = gevent_arg(gid);
	a.flags = MCS_GEVENT_TIMED;
	expect("wait 0 ns (poll), not set",
	       xioctl(fd, MCS_IOC_GEVENT_WAIT, &a), -ETIMEDOUT);
	a.timeout_ns = 200000000;
	t0 = now_ms();
	expect("wait 200 ms, not set", xioctl(fd, MCS_IOC_GEVENT_WAIT, &a),
	       -ETIMEDOUT);
	if (now_ms() - t0 < 190 || now_ms() - t0 > 5000) {
		printf("FAIL: timed out after %llu ms\n",
		       (unsigned long long)(now_ms() - t0));
		fails++;
	}
	/* An endless wait ends with a signal. */
	a = gevent_arg(gid);
	arm_alarm(300);
	t0 = now_ms();
	expect("endless wait interrupted by a signal",
	       xioctl(fd, MCS_IOC_GEVENT_WAIT, &a), -EINTR);
	if (now_ms() - t0 < 250) {
		printf("FAIL: interrupted after %llu ms\n",
		       (unsigned long long)(now_ms() - t0));
		fails++;
	}
	/* Set: waits return at once, until reset. */
	a = gevent_arg(gid);
	expect("set", xioctl(fd, MCS_IOC_GEVENT_SET, &a), 0);
	expect("wait, set", xioctl(fd, MCS_IOC_GEVENT_WAIT, &a), 0);
	expect("wait again, still set (manual)",
	       xioctl(fd, MCS_IOC_GEVENT_WAIT, &a), 0);
	expect("reset", xioctl(fd, MCS_IOC_GEVENT_RESET, &a), 0);
	a.flags = MCS_GEVENT_TIMED;
	expect("wait after reset", xioctl(fd, MCS_IOC_GEVENT_WAIT, &a),
	       -ETIMEDOUT);

	/* A mutex's GID and name are not an event's. */
	g = mgid;
	expect("mutex create", mcs_mutex_create(ctx, mgid, 0600), 0);
	a = gevent_arg(mgid);
	expect("open: a mutex's GID", xioctl(fd, MCS_IOC_GEVENT_OPEN, &a),
	       -EMEDIUMTYPE);
	expect("set: a mutex's GID", xioctl(fd, MCS_IOC_GEVENT_SET, &a),
	       -EMEDIUMTYPE);
	expect("destroy: a mutex's GID",
	       xioctl(fd, MCS_IOC_GEVENT_DESTROY, &a), -EMEDIUMTYPE);
	expect("mutex destroy", mcs_mutex_destroy(ctx, mgid), 0);
	expect("mutex create by name",
	       mcs_mutex_create_name(ctx, "ev-mtx", 0600, &g), 0);
	expect("event open: a mutex's name",
	       mcs_event_open_name(ctx, "ev-mtx", &g), -EMEDIUMTYPE);
	expect("mutex destroy", mcs_mutex_destroy(ctx, g), 0);
	expect("mutex name unlink", mcs_name_unlink(ctx, "ev-mtx"), 0);

	/* libmcs refuses what it can see is wrong. */
	expect("mcs_event_create_name: unknown flag",
	       mcs_event_create_name(ctx, "x", MCS_GEVENT_TIMED, 0600, &g),
	       -EINVAL);
	expect("mcs_event_create: unknown flag",
	       mcs_event_create(ctx, gid2, MCS_GEVENT_TIMED, 0600), -EINVAL);
	expect("mcs_event_create_name: no name",
	       mcs_event_create_name(ctx, NULL, 0, 0600, &g), -EINVAL);
	expect("mcs_event_open_name: empty name",
	       mcs_event_open_name(ctx, "", &g), -EINVAL);

	/* Destroyed: gone. */
	a = gevent_arg(gid);
	expect("destroy", xioctl(fd, MCS_IOC_GEVENT_DESTROY, &a), 0);
	expect("open after destroy", xioctl(fd, MCS_IOC_GEVENT_OPEN, &a),
	       -ENOENT);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	uint64_t gid;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "leave-app") && argc >= 5)
		return leave_app(atoi(argv[2]), argv[3], argv + 4, argc - 4);
	if (!strcmp(cmd, "notify-expect") && argc >= 4) {
		if (!strcmp(argv[2], "poll"))
			return notify_poll(atoi(argv[3]), argv + 4, argc - 4);
		return notify_block(atoi(argv[3]), argv + 4, argc - 4);
	}
	ret = mcs_open(&ctx, NULL);
	if (ret)
		return fail("mcs_open", ret);
	if (!strcmp(cmd, "ev-create") && argc >= 4) {
		unsigned int flags = !strcmp(argv[3], "auto") ? MCS_GEVENT_AUTO : 0;

		if (argc > 4 && !strcmp(argv[4], "set"))
			flags |= MCS_GEVENT_SIGNALED;
		ret = mcs_event_create_name(ctx, argv[2], flags, 0600, &gid);
		if (ret)
			return fail("create", ret);
		printf("event %s gid %#llx\n", argv[2],
		       (unsigned long long)gid);
		return 0;
	}
	if (!strcmp(cmd, "ev-wait") && argc == 4)
		return ev_wait(argv[2], strtoull(argv[3], NULL, 0));
	if ((!strcmp(cmd, "ev-set") || !strcmp(cmd, "ev-reset") ||
	     !strcmp(cmd, "ev-destroy")) && argc == 3)
		return ev_cmd(cmd, argv[2]);
	if (!strcmp(cmd, "bad-input")) {
		bad_notify();
		bad_gevent();
		printf("bad-input: %d failures\n", fails);
		return fails ? 1 : 0;
	}
	printf("usage: see the comment at the top of evtool.c\n");
	return 1;
}
