// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_errors - every ioctl of /dev/mcs-control, good input and bad, in a
 * guest whose fabric is empty: bad pointers, argument sizes (below
 * SIZE_VER0, above a page, larger with a non-zero tail), flags, reserved
 * fields, unknown commands and commands out of order all fail with the
 * documented errno, and the good ones do what they say.
 *
 * Usage: ctl_errors [DEVICE]    (run as root, mcs_node loaded, fabric
 *                                never formatted; leaves it formatted for
 *                                4 nodes with node 0 joined)
 * Exit 0 if every expectation held, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mcs.h>

static int fd, fails;

/* expect(WANT_ERRNO, CMD, ARG, what): the ioctl fails with it, or works. */
static void expect(int want, unsigned long cmd, void *arg, const char *what)
{
	int ret = ioctl(fd, cmd, arg);
	int got = ret ? errno : 0;

	if (got == want) {
		printf("ok: %s -> %s\n", what, want ? strerror(want) : "0");
		return;
	}
	printf("FAIL: %s -> %s, wanted %s\n", what, got ? strerror(got) : "0",
	       want ? strerror(want) : "0");
	fails++;
}

static void check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAIL", what);
	if (!cond)
		fails++;
}

/*
 * The header checks, common to every command taking struct T (SIZE_VER0
 * @ver0); none of them reaches the command itself.
 */
#define HEADER_CHECKS(cmd, T, ver0, name)                                  \
	do {                                                               \
		struct {                                                   \
			T a;                                               \
			__u64 tail[2];                                     \
		} big;                                                     \
		T a = { .argsz = sizeof(T) };                              \
		expect(EFAULT, cmd, NULL, name " NULL pointer");           \
		expect(EFAULT, cmd, (void *)8, name " bad pointer");       \
		a.argsz = 0;                                               \
		expect(EINVAL, cmd, &a, name " argsz 0");                  \
		a.argsz = (ver0) - 1;                                      \
		expect(EINVAL, cmd, &a, name " argsz below SIZE_VER0");    \
		a.argsz = 4097;                                            \
		expect(E2BIG, cmd, &a, name " argsz above a page");        \
		a.argsz = sizeof(T);                                       \
		a.flags = 0x80000000U;                                     \
		expect(EINVAL, cmd, &a, name " unknown flag");             \
		memset(&big, 0, sizeof(big));                              \
		big.a.argsz = sizeof(big);                                 \
		big.tail[1] = 1;                                           \
		expect(E2BIG, cmd, &big, name " larger, non-zero tail");   \
	} while (0)

static struct mcs_list_entry ents[MCS_LIST_MAX + 1];

/* A list argument for @what into ents, @cap entries. */
static struct mcs_ctl_list list_arg(unsigned int what, unsigned int cap)
{
	struct mcs_ctl_list a = {
		.argsz = sizeof(a),
		.what = what,
		.entries = (unsigned long)ents,
		.entries_cap = cap,
	};

	return a;
}

/* LIST: bad arguments, then each list of the empty region. */
static void list_checks(void)
{
	struct mcs_ctl_list a;
	unsigned int w;

	a = list_arg(0, 4);
	expect(EINVAL, MCS_CTL_LIST, &a, "list what 0");
	a = list_arg(MCS_LIST_SYNC + 1, 4);
	expect(EINVAL, MCS_CTL_LIST, &a, "list an unknown what");
	a = list_arg(MCS_LIST_NAMES, 0);
	expect(EINVAL, MCS_CTL_LIST, &a, "list into 0 entries");
	a = list_arg(MCS_LIST_NAMES, MCS_LIST_MAX + 1);
	expect(EINVAL, MCS_CTL_LIST, &a, "list into more than MCS_LIST_MAX");
	a = list_arg(MCS_LIST_NAMES, 4);
	a.nr = 1;
	expect(EINVAL, MCS_CTL_LIST, &a, "list with nr set");
	a = list_arg(MCS_LIST_NAMES, 4);
	a.entry_size = 1;
	expect(EINVAL, MCS_CTL_LIST, &a, "list with entry_size set");
	a = list_arg(MCS_LIST_NAMES, 4);
	a.reserved0 = 1;
	expect(EINVAL, MCS_CTL_LIST, &a, "list with reserved0 set");
	for (w = MCS_LIST_NAMES; w <= MCS_LIST_SYNC; w++) {
		a = list_arg(w, MCS_LIST_MAX);
		expect(0, MCS_CTL_LIST, &a, "list of an empty region");
		check(a.nr == 0 && a.entry_size == sizeof(struct mcs_list_entry),
		      "list: nothing, entries of the ABI size");
	}
}

static void not_admin(const char *dev)
{
	pid_t pid = fork();
	int status, err;

	if (!pid) {
		if (setuid(65534))
			_exit(2);
		err = open(dev, O_RDWR) < 0 ? errno : 0;
		_exit(err == EPERM || err == EACCES ? 0 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "an unprivileged user cannot open the device");
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/mcs-control";
	struct mcs_node_status nodes[4];
	struct mcs_ctl_format fmt = { .argsz = sizeof(fmt), .nr_nodes = 4 };
	struct mcs_ctl_join join = { .argsz = sizeof(join) };
	struct mcs_ctl_node_down down = { .argsz = sizeof(down) };
	struct mcs_ctl_recover rec = { .argsz = sizeof(rec) };
	struct mcs_ctl_freeze frz = { .argsz = sizeof(frz) };
	struct mcs_ctl_status st = { .argsz = sizeof(st) };
	struct mcs_ctl_check chk = { .argsz = sizeof(chk) };
	struct {
		struct mcs_ctl_status st;
		__u64 tail[4];
	} stbig;

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		printf("FAIL: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	not_admin(dev);
	expect(ENOTTY, _IO(MCS_IOC_TYPE, 0xff), NULL, "unknown command");
	expect(ENOTTY, _IOR(MCS_IOC_TYPE, 0x87, struct mcs_ctl_status), &st,
	       "known number, wrong direction");
	expect(ENOTTY, _IOWR(MCS_IOC_TYPE, 0x01, struct mcs_info), &st,
	       "a /dev/mcs command");
	HEADER_CHECKS(MCS_CTL_FORMAT, struct mcs_ctl_format,
		      MCS_CTL_FORMAT_SIZE_VER0, "format");
	HEADER_CHECKS(MCS_CTL_JOIN, struct mcs_ctl_join, MCS_CTL_JOIN_SIZE_VER0,
		      "join");
	HEADER_CHECKS(MCS_CTL_NODE_DOWN, struct mcs_ctl_node_down,
		      MCS_CTL_NODE_DOWN_SIZE_VER0, "down");
	HEADER_CHECKS(MCS_CTL_RECOVER, struct mcs_ctl_recover,
		      MCS_CTL_RECOVER_SIZE_VER0, "recover");
	HEADER_CHECKS(MCS_CTL_FREEZE, struct mcs_ctl_freeze,
		      MCS_CTL_FREEZE_SIZE_VER0, "freeze");
	HEADER_CHECKS(MCS_CTL_THAW, struct mcs_ctl_freeze,
		      MCS_CTL_FREEZE_SIZE_VER0, "thaw");
	HEADER_CHECKS(MCS_CTL_STATUS, struct mcs_ctl_status,
		      MCS_CTL_STATUS_SIZE_VER0, "status");
	HEADER_CHECKS(MCS_CTL_CHECK, struct mcs_ctl_check,
		      MCS_CTL_CHECK_SIZE_VER0, "check");
	HEADER_CHECKS(MCS_CTL_LIST, struct mcs_ctl_list, MCS_CTL_LIST_SIZE_VER0,
		      "list");

	/*
	 * A newer, larger structure whose tail is zero is accepted, with the
	 * command number of its size; only the kernel's part is written.
	 */
	memset(&stbig, 0xa5, sizeof(stbig));
	memset(&stbig.st, 0, sizeof(stbig.st));
	memset(stbig.tail, 0, sizeof(stbig.tail) / 2);
	stbig.st.argsz = sizeof(stbig.st) + sizeof(stbig.tail) / 2;
	expect(0, _IOWR(MCS_IOC_TYPE, 0x87, struct mcs_ctl_status[2]), &stbig,
	       "status, larger structure with a zero tail, another size");
	check(stbig.st.state == MCS_STATE_FABRIC && stbig.tail[0] == 0 &&
	      stbig.tail[2] == 0xa5a5a5a5a5a5a5a5ULL,
	      "status: filled in, the tail left as it was, nothing past argsz");

	/* Before format: a fabric, no region. */
	expect(0, MCS_CTL_STATUS, &st, "status before format");
	check(st.state == MCS_STATE_FABRIC && st.nr_nodes == 0 &&
	      st.self_node == MCS_NODE_NONE && st.fabric_size > 0,
	      "status: fabric found, no region, not joined");
	expect(ENOMEDIUM, MCS_CTL_JOIN, &join, "join before format");
	expect(ENOMEDIUM, MCS_CTL_CHECK, &chk, "check before format");
	{
		struct mcs_ctl_list l = list_arg(MCS_LIST_NAMES, 4);

		expect(ENOMEDIUM, MCS_CTL_LIST, &l, "list before format");
	}
	expect(ENOTCONN, MCS_CTL_NODE_DOWN, &down, "down before join");
	expect(ENOTCONN, MCS_CTL_RECOVER, &rec, "recover before join");

	/* Format: bad geometry, then good, then not twice. */
	fmt.nr_nodes = 1;
	expect(EINVAL, MCS_CTL_FORMAT, &fmt, "format 1 node");
	fmt.nr_nodes = MCS_MAX_NODES + 1;
	expect(EINVAL, MCS_CTL_FORMAT, &fmt, "format 65 nodes");
	fmt.nr_nodes = 4;
	fmt.region_size = st.fabric_size + 4096;
	expect(EINVAL, MCS_CTL_FORMAT, &fmt, "format larger than the fabric");
	fmt.region_size = 64 * 1024;
	expect(ENOSPC, MCS_CTL_FORMAT, &fmt, "format too small a region");
	fmt.region_size = 0;
	fmt.lease_ms = MCS_LEASE_MS_MIN - 1;
	expect(EINVAL, MCS_CTL_FORMAT, &fmt, "format with too short a lease");
	fmt.lease_ms = MCS_LEASE_MS_MAX + 1;
	expect(EINVAL, MCS_CTL_FORMAT, &fmt, "format with too long a lease");
	fmt.lease_ms = 0;
	expect(0, MCS_CTL_FORMAT, &fmt, "format 4 nodes");
	expect(EEXIST, MCS_CTL_FORMAT, &fmt, "format again");
	fmt.flags = MCS_FORMAT_FORCE;
	expect(0, MCS_CTL_FORMAT, &fmt, "format again, forced");
	fmt.nr_nodes = 1;
	expect(EINVAL, MCS_CTL_FORMAT, &fmt, "forced format with a bad geometry");
	fmt.nr_nodes = 4;
	st.nodes_cap = 0;
	expect(0, MCS_CTL_STATUS, &st, "status after a refused format");
	check(st.nr_nodes == 4, "a refused format leaves the region attached");

	/* Join. */
	join.node = 4;
	expect(EINVAL, MCS_CTL_JOIN, &join, "join node 4 of 4");
	join.node = 0;
	join.incarnation = 7;
	expect(EINVAL, MCS_CTL_JOIN, &join, "join with an incarnation given");
	join.incarnation = 0;
	expect(0, MCS_CTL_JOIN, &join, "join node 0");
	check(join.incarnation == 1, "first incarnation is 1");
	join.incarnation = 0;
	expect(EALREADY, MCS_CTL_JOIN, &join, "join twice");
	expect(EBUSY, MCS_CTL_FORMAT, &fmt, "format while joined");

	/* Membership commands on impossible nodes. */
	down.node = 0;
	down.incarnation = 1;
	expect(EINVAL, MCS_CTL_NODE_DOWN, &down, "down self");
	down.node = 1;
	expect(ENOENT, MCS_CTL_NODE_DOWN, &down, "down a node that never joined");
	down.node = 9;
	expect(EINVAL, MCS_CTL_NODE_DOWN, &down, "down node 9 of 4");
	rec.node = 0;
	expect(EINVAL, MCS_CTL_RECOVER, &rec, "recover self");
	rec.node = 9;
	expect(EINVAL, MCS_CTL_RECOVER, &rec, "recover node 9 of 4");
	rec.node = 1;
	rec.sharers_removed = 1;
	expect(EINVAL, MCS_CTL_RECOVER, &rec, "recover with output fields set");
	rec.sharers_removed = 0;
	expect(0, MCS_CTL_RECOVER, &rec, "recover a node that never joined");
	check(rec.result == MCS_RECOVER_NOTHING && rec.incarnation == 0,
	      "recover: nothing to do");

	/* Status into a short array: only that much is written. */
	memset(nodes, 0xa5, sizeof(nodes));
	st.nodes = (unsigned long)nodes;
	st.nodes_cap = 2;
	expect(0, MCS_CTL_STATUS, &st, "status, room for 2 nodes");
	check(st.nr_nodes == 4 && st.self_node == 0 && st.self_incarnation == 1 &&
	      st.state == (MCS_STATE_FABRIC | MCS_STATE_REGION | MCS_STATE_JOINED) &&
	      st.node_status_size == sizeof(struct mcs_node_status),
	      "status: 4 nodes, self node 0 incarnation 1, joined");
	check(nodes[0].state == MCS_NODE_ALIVE && (nodes[0].flags & MCS_NODE_F_SELF) &&
	      (nodes[0].flags & MCS_NODE_F_MASTER_PRIMARY) &&
	      nodes[1].state == MCS_NODE_ABSENT &&
	      (nodes[1].flags & MCS_NODE_F_MASTER_REPLICA) &&
	      nodes[0].data_pages > 0 && nodes[0].free_pages == nodes[0].data_pages,
	      "status: node 0 alive (self, primary), node 1 absent (replica)");
	check(nodes[2].node == 0xa5a5a5a5U, "status: entries beyond nodes_cap untouched");
	st.nodes = 8;
	expect(EFAULT, MCS_CTL_STATUS, &st, "status into a bad array");
	st.nodes = 0;
	expect(EFAULT, MCS_CTL_STATUS, &st, "status, NULL array with room");
	st.nodes_cap = 0;
	expect(0, MCS_CTL_STATUS, &st, "status, no array");

	expect(0, MCS_CTL_CHECK, &chk, "check");
	check(chk.violations == 0, "check: no violations");
	chk.segments = 1;
	expect(EINVAL, MCS_CTL_CHECK, &chk, "check with output fields set");
	list_checks();

	/* Freeze: nothing touches the fabric until thaw. */
	expect(0, MCS_CTL_FREEZE, &frz, "freeze");
	expect(0, MCS_CTL_FREEZE, &frz, "freeze again (idempotent)");
	memset(&chk, 0, sizeof(chk));
	chk.argsz = sizeof(chk);
	expect(ESHUTDOWN, MCS_CTL_CHECK, &chk, "check while frozen");
	{
		struct mcs_ctl_list l = list_arg(MCS_LIST_SEGMENTS, 4);

		expect(ESHUTDOWN, MCS_CTL_LIST, &l, "list while frozen");
	}
	down.node = 1;
	expect(ESHUTDOWN, MCS_CTL_NODE_DOWN, &down, "down while frozen");
	rec.result = 0;
	expect(ESHUTDOWN, MCS_CTL_RECOVER, &rec, "recover while frozen");
	st.nodes = (unsigned long)nodes;
	st.nodes_cap = 4;
	expect(0, MCS_CTL_STATUS, &st, "status while frozen");
	check((st.state & MCS_STATE_FROZEN) && nodes[0].state == MCS_NODE_ALIVE &&
	      (nodes[0].flags & MCS_NODE_F_PART_UNKNOWN),
	      "status while frozen: node words only");
	expect(0, MCS_CTL_THAW, &frz, "thaw");
	expect(0, MCS_CTL_THAW, &frz, "thaw again (idempotent)");
	expect(0, MCS_CTL_CHECK, &chk, "check after thaw");
	check(chk.violations == 0, "check after thaw: no violations");

	close(fd);
	printf("ctl_errors: %d failures\n", fails);
	return fails ? 1 : 0;
}
