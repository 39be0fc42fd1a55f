// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - mcsctl on the live fabric of this node, through the
 * membership control device (/dev/mcs-control, Documentation/control.md).
 *
 * These are the commands mcsd will issue; mcsctl lets an administrator or
 * a test issue them by hand. The check runs the same gmm_check() as on a
 * file, in the kernel (MCS_CTL_CHECK): a user-space observer cannot map
 * the fabric while the driver owns it, and the kernel's handle is the
 * joined node's, whose lock tags die with the node. For the same reasons
 * ls asks the kernel for the names, segments and sync objects
 * (MCS_CTL_LIST) rather than walking the tables itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mcs.h>

#include "mcsctl.h"

static int ctl_open(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "%s: %s: %s\n", prog, dev, strerror(errno));
	return fd;
}

/* One ioctl on a fresh descriptor; prints the error, returns 0 or 2. */
static int ctl_call(const char *dev, unsigned long cmd, void *arg,
		    const char *what)
{
	int fd, ret;

	fd = ctl_open(dev);
	if (fd < 0)
		return 2;
	ret = ioctl(fd, cmd, arg);
	if (ret)
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	close(fd);
	return ret ? 2 : 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_size(s, &v) || v > UINT32_MAX) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int dev_format(const char *dev, uint64_t size, uint64_t nodes,
	       uint32_t lease_ms, int force)
{
	struct mcs_ctl_format a = {
		.argsz = sizeof(a),
		.flags = force ? MCS_FORMAT_FORCE : 0,
		.nr_nodes = (uint32_t)nodes,
		.region_size = size,
		.lease_ms = lease_ms,
	};

	if (ctl_call(dev, MCS_CTL_FORMAT, &a, "format"))
		return 2;
	printf("formatted the fabric: %" PRIu64 " nodes\n", nodes);
	return 0;
}

int dev_join(const char *dev, int argc, char **argv)
{
	struct mcs_ctl_join a = { .argsz = sizeof(a) };

	if (argc != 2 || parse_u32(argv[1], &a.node))
		return -1;
	if (ctl_call(dev, MCS_CTL_JOIN, &a, "join"))
		return 2;
	printf("joined as node %u incarnation %u\n", a.node, a.incarnation);
	return 0;
}

int dev_down(const char *dev, int argc, char **argv)
{
	struct mcs_ctl_node_down a = { .argsz = sizeof(a) };

	if (argc == 4 && !strcmp(argv[3], "--memory-lost")) {
		a.flags = MCS_DOWN_MEMORY_LOST;
		argc--;
	}
	if (argc != 3 || parse_u32(argv[1], &a.node) ||
	    parse_u32(argv[2], &a.incarnation))
		return -1;
	if (ctl_call(dev, MCS_CTL_NODE_DOWN, &a, "down"))
		return 2;
	printf("node %u incarnation %u is down%s\n", a.node, a.incarnation,
	       a.flags ? ", memory lost" : "");
	return 0;
}

/* Room for every stage a kernel may report; more are counted, not shown. */
#define DEV_RECOVER_STAGES 32

int dev_recover(const char *dev, int argc, char **argv)
{
	struct mcs_recover_stage st[DEV_RECOVER_STAGES];
	struct mcs_ctl_recover a = {
		.argsz = sizeof(a),
		.stages = (uintptr_t)st,
		.stages_cap = DEV_RECOVER_STAGES,
	};
	uint32_t i;

	if (argc != 2 || parse_u32(argv[1], &a.node))
		return -1;
	if (ctl_call(dev, MCS_CTL_RECOVER, &a, "recover"))
		return 2;
	if (a.result & MCS_RECOVER_NOTHING) {
		printf("node %u: nothing to recover\n", a.node);
		return 0;
	}
	printf("recovered node %u incarnation %u: %u sharers removed, %u rolled back, %u rolled forward, %u master copies rebuilt, %u sections freed, %u revoked%s\n",
	       a.node, a.incarnation, a.sharers_removed, a.txns_rolled_back,
	       a.txns_rolled_forward, a.master_copies_rebuilt, a.sections_freed,
	       a.sections_revoked,
	       a.result & MCS_RECOVER_TOOK_PARTITION ? ", partition taken over" : "");
	for (i = 0; i < a.nr_stages && i < DEV_RECOVER_STAGES; i++)
		printf("  stage %-10.*s %10.1f us\n", (int)sizeof(st[i].name),
		       st[i].name, st[i].ns / 1e3);
	return 0;
}

int dev_freeze(const char *dev, int argc, char **argv, int freeze)
{
	struct mcs_ctl_freeze a = { .argsz = sizeof(a) };

	(void)argv;
	if (argc != 1)
		return -1;
	if (ctl_call(dev, freeze ? MCS_CTL_FREEZE : MCS_CTL_THAW, &a,
		     freeze ? "freeze" : "thaw"))
		return 2;
	printf("%s\n", freeze ? "frozen" : "thawed");
	return 0;
}

int dev_status(const char *dev)
{
	struct mcs_node_status nodes[MCS_MAX_NODES];
	struct mcs_ctl_status a = {
		.argsz = sizeof(a),
		.nodes = (uintptr_t)nodes,
		.nodes_cap = MCS_MAX_NODES,
	};
	uint32_t n;
	int i;

	if (ctl_call(dev, MCS_CTL_STATUS, &a, "status"))
		return 2;
	if (json_output)
		return json_status_dev(&a, nodes);
	printf("fabric  %llu bytes%s%s%s%s\n", (unsigned long long)a.fabric_size,
	       a.state & MCS_STATE_FABRIC ? "" : " (none found)",
	       a.state & MCS_STATE_FROZEN ? ", frozen" : "",
	       a.state & MCS_STATE_FENCED ? ", fenced" : "",
	       a.state & MCS_STATE_DAEMON ? ", daemon attached" : "");
	if (!(a.state & MCS_STATE_REGION)) {
		printf("region  none (not formatted)\n");
		return 0;
	}
	printf("region  %llu bytes, %u nodes\n",
	       (unsigned long long)a.region_size, a.nr_nodes);
	printf("uuid    ");
	for (i = 0; i < 16; i++)
		printf("%02x%s", a.uuid[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	if (a.state & MCS_STATE_JOINED)
		printf("\nself    node %u incarnation %u\n", a.self_node,
		       a.self_incarnation);
	else
		printf("\nself    not joined\n");
	printf("\nnode  state       incarnation  partition  manager  used/total pages  sections  master\n");
	for (n = 0; n < a.nr_nodes && n < MCS_MAX_NODES; n++) {
		const struct mcs_node_status *e = &nodes[n];

		printf("%-5u %-11s %-12u ", e->node, node_state(e->state),
		       e->incarnation);
		if (e->flags & MCS_NODE_F_PART_UNKNOWN)
			printf("%-10s", "unknown");
		else if (e->flags & MCS_NODE_F_PART_LOST)
			printf("%-10s %-8u %-17s %-9s", "lost", e->part_manager, "-", "-");
		else
			printf("%-10s %-8u %7u/%-9u %-9u", "online", e->part_manager,
			       e->data_pages - e->free_pages, e->data_pages,
			       e->sections_used);
		printf(" %s%s%s\n",
		       e->flags & MCS_NODE_F_MASTER_PRIMARY ? "primary" :
		       e->flags & MCS_NODE_F_MASTER_REPLICA ? "replica" : "",
		       e->flags & MCS_NODE_F_SELF ? " (self)" : "",
		       e->flags & MCS_NODE_F_MEMORY_LOST ? " (memory lost)" : "");
	}
	return 0;
}

int dev_check(const char *dev)
{
	struct mcs_ctl_check a = { .argsz = sizeof(a) };

	if (ctl_call(dev, MCS_CTL_CHECK, &a, "check"))
		return 2;
	if (json_output)
		return json_check_dev(&a);
	printf("check: %u segments, %u sharers, %u free pages, %u violations\n",
	       a.segments, a.sharers, a.free_pages, a.violations);
	return a.violations ? 1 : 0;
}

/* Every entry of one list, a batch per call; returns them or NULL (printed). */
static struct mcs_list_entry *dev_list(int fd, uint32_t what, uint32_t *n)
{
	struct mcs_list_entry *all = NULL, *more;
	struct mcs_ctl_list a = {
		.argsz = sizeof(a),
		.what = what,
		.entries_cap = MCS_LIST_MAX,
	};

	*n = 0;
	do {
		more = realloc(all, (*n + MCS_LIST_MAX) * sizeof(*all));
		if (!more) {
			fprintf(stderr, "%s: ls: out of memory\n", prog);
			free(all);
			return NULL;
		}
		all = more;
		a.entries = (uintptr_t)(all + *n);
		a.nr = 0;
		a.entry_size = 0;
		if (ioctl(fd, MCS_CTL_LIST, &a)) {
			fprintf(stderr, "%s: ls: %s\n", prog,
				errno == EOWNERDEAD ?
				"a table is locked by a dead node: recovery pending" :
				strerror(errno));
			free(all);
			return NULL;
		}
		*n += a.nr;
	} while (a.nr == MCS_LIST_MAX);
	return all;
}

/* The lists of the live fabric, from the kernel (MCS_CTL_LIST). */
int dev_ls(const char *dev)
{
	struct mcs_list_entry *names, *segs, *sync;
	uint32_t nn, ns, ny;
	int fd, ret = 2;

	fd = ctl_open(dev);
	if (fd < 0)
		return 2;
	names = dev_list(fd, MCS_LIST_NAMES, &nn);
	segs = names ? dev_list(fd, MCS_LIST_SEGMENTS, &ns) : NULL;
	sync = segs ? dev_list(fd, MCS_LIST_SYNC, &ny) : NULL;
	close(fd);
	if (sync)
		ret = ls_print(names, nn, segs, ns, sync, ny);
	free(names);
	free(segs);
	free(sync);
	return ret;
}
