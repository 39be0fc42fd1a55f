// SPDX-License-Identifier: GPL-2.0
/*
 * mcsctl - administer an mcs global region.
 *
 * With a FILE, mcsctl works on a region in a file (a file in /dev/shm is
 * what the torture test and the demo use as their fabric); it maps the
 * file and inspects it as an observer, without joining the cluster.
 * Without one, it works on this node's live fabric through the membership
 * control device of mcs_node.ko (device.c).
 *
 *   mcsctl format [FILE] --size SIZE --nodes N [--lease MS] [--key KEYFILE]
 *                 [--force]
 *   mcsctl keygen KEYFILE | key load KEYFILE | key forget
 *          | key check KEYFILE FILE      the cluster key (key.c)
 *   mcsctl [--json] status [FILE]
 *   mcsctl [--json] check [FILE]   gmm tables and the gns name table
 *   mcsctl [--json] ls [FILE]      the names, every segment, and every
 *                                  mutex and event with its lock's holder
 *   mcsctl [--json] limit [--uid UID|all] [--segments N] [--pages N]
 *                         [--names N] [--syncs N]   per-uid limits (limit.c)
 *   mcsctl [--device DEV] join NODE | down NODE INCARNATION [--memory-lost]
 *          | recover NODE | freeze | thaw
 *
 * --json (before the command or after it) makes status, check and ls
 * print one JSON object (json.c, fields in mcsctl.8) instead of columns.
 *
 * Exit status: 0 success (check: no violation), 1 check found violations
 * (ls on a file: a table is locked by a dead node), 2 bad usage or an
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "gmm/gmm.h"
#include "gns/gns.h"
#include "member/list.h"
#include "member/member.h"
#include "mcsctl.h"

const char *prog = "mcsctl";
static const char *device = "/dev/mcs-control";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--device DEV] [--json] COMMAND\n"
		"  on a region in FILE, or without FILE on the live fabric:\n"
		"       format [FILE] --size SIZE[K|M|G] --nodes N [--lease MS] [--key KEYFILE]\n"
		"              [--force]  (on the fabric, --size is optional: all of it)\n"
		"       status [--json] [FILE]\n"
		"       check [--json] [FILE]\n"
		"       ls [--json] [FILE]  (names, segments, mutexes and events)\n"
		"  per-uid limits, on the live fabric (N: a count, none, default):\n"
		"       limit [--json] [--uid UID|all] [--segments N] [--pages N]\n"
		"             [--names N] [--syncs N]\n"
		"  the cluster key (64 hex digits in KEYFILE):\n"
		"       keygen KEYFILE           a new random key, never over a file\n"
		"       key load KEYFILE | key forget   (this node's kernel)\n"
		"       key check KEYFILE FILE   is it the region's key?\n"
		"  membership, on the live fabric (DEV: /dev/mcs-control):\n"
		"       join NODE\n"
		"       down NODE INCARNATION [--memory-lost]\n"
		"       recover NODE\n"
		"       freeze | thaw\n",
		prog);
}

/* What an attach error means, in words. */
static const char *attach_error(int err)
{
	switch (err) {
	case -EINVAL:
		return "too small to hold a region";
	case -EMEDIUMTYPE:
		return "not an mcs region (no magic)";
	case -EPROTONOSUPPORT:
		return "an mcs region of another format version";
	case -EBADMSG:
		return "superblock is torn or corrupt (bad CRC)";
	case -ERANGE:
		return "region is larger than the file (truncated?)";
	case -EUCLEAN:
		return "superblock geometry is inconsistent";
	default:
		return strerror(-err);
	}
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K':
		v <<= 10, end++;
		break;
	case 'm': case 'M':
		v <<= 20, end++;
		break;
	case 'g': case 'G':
		v <<= 30, end++;
		break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/*
 * The file mapped (map_region()): if it shrinks under the mapping (another
 * process truncated it), an access past its new end raises SIGBUS, which
 * ends mcsctl with an error that says so rather than a crash.
 */
static const char *mapped_path;
static uintptr_t mapped_lo, mapped_hi;

static void mapped_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = ": the fabric file shrank while mapped\n";
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uc;
	if (a < mapped_lo || a >= mapped_hi) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	/* Only async-signal-safe calls here. */
	if (write(STDERR_FILENO, prog, strlen(prog)) < 0 ||
	    write(STDERR_FILENO, ": ", 2) < 0 ||
	    write(STDERR_FILENO, mapped_path, strlen(mapped_path)) < 0 ||
	    write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(2);
}

static void mapped_watch(const char *path, void *base, uint64_t size)
{
	struct sigaction sa;

	mapped_path = path;
	mapped_lo = (uintptr_t)base;
	mapped_hi = (uintptr_t)base + size;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = mapped_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

int map_region(const char *path, struct mapped *m)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	m->size = (uint64_t)st.st_size;
	m->base = m->size ? mmap(NULL, m->size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0) : MAP_FAILED;
	close(fd);
	if (m->base == MAP_FAILED) {
		fprintf(stderr, "%s: %s: cannot map: %s\n", prog, path,
			m->size ? strerror(errno) : "empty file");
		return -1;
	}
	mapped_watch(path, m->base, m->size);
	ret = gmm_attach(m->base, m->size, &m->r);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, attach_error(ret));
		munmap(m->base, m->size);
		return -1;
	}
	return 0;
}

void unmap_region(struct mapped *m)
{
	gmm_detach(m->r);
	munmap(m->base, m->size);
}

/* Does the open file @fd hold an attachable region? */
static bool region_in_file(const char *path, int fd)
{
	struct gmm_region *r;
	struct stat st;
	bool found;
	void *base;

	if (fstat(fd, &st) || !st.st_size)
		return false;
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return false;
	mapped_watch(path, base, (uint64_t)st.st_size);
	found = gmm_attach(base, (uint64_t)st.st_size, &r) == 0;
	if (found)
		gmm_detach(r);
	munmap(base, (size_t)st.st_size);
	return found;
}

static int cmd_format(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "lease", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct gmm_format_params fp = { 0 };
	uint64_t size = 0, nodes = 0, lease = 0;
	int opt, fd, ret, force = 0;
	uint8_t key[MCS_KEY_BYTES];
	const char *path, *keyfile = NULL;
	void *base;
	FILE *ur;

	while ((opt = getopt_long(argc, argv, "s:n:l:f", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (parse_size(optarg, &size)) {
				fprintf(stderr, "%s: bad size '%s'\n", prog, optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_size(optarg, &nodes) || nodes > MCS_MAX_NODES) {
				fprintf(stderr, "%s: bad node count '%s'\n", prog, optarg);
				return 2;
			}
			break;
		case 'l':
			/* Judged before anything is touched. */
			if (parse_size(optarg, &lease) || lease < MCS_LEASE_MS_MIN ||
			    lease > MCS_LEASE_MS_MAX) {
				fprintf(stderr, "%s: bad lease '%s' (%u to %u ms)\n",
					prog, optarg, MCS_LEASE_MS_MIN, MCS_LEASE_MS_MAX);
				return 2;
			}
			break;
		case 'f':
			force = 1;
			break;
		case 'k':
			keyfile = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* On the fabric the kernel makes the check: give it the key first. */
	if (optind == argc && nodes)
		return keyfile && dev_key_load(device, keyfile, false) ? 2 :
		       dev_format(device, size, nodes, (uint32_t)lease, force);
	if (keyfile && key_read(keyfile, key))
		return 2;
	if (optind != argc - 1 || !size || !nodes) {
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 2;
	}
	/* Never destroy a region by accident, not even by resizing its file. */
	if (!force && region_in_file(path, fd)) {
		close(fd);
		fprintf(stderr, "%s: %s already holds an mcs region; use --force to erase it\n",
			prog, path);
		return 2;
	}
	if (ftruncate(fd, (off_t)size)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return 2;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 2;
	}
	mapped_watch(path, base, size);
	fp.nr_parts = (uint32_t)nodes;
	fp.lease_ms = (uint32_t)lease;
	ur = fopen("/dev/urandom", "r");
	if (!ur || fread(fp.uuid, sizeof(fp.uuid), 1, ur) != 1) {
		fprintf(stderr, "%s: cannot make a cluster UUID\n", prog);
		if (ur)
			fclose(ur);
		munmap(base, size);
		return 2;
	}
	fclose(ur);
	fp.uuid[6] = (fp.uuid[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	fp.uuid[8] = (fp.uuid[8] & 0x3f) | 0x80;
	if (keyfile) {
		key_check_for(key, fp.uuid, fp.key_check);
		sodium_memzero(key, sizeof(key));
	}
	ret = gmm_format(base, size, &fp);
	munmap(base, size);
	if (ret) {
		fprintf(stderr, "%s: cannot format %s: %s\n", prog, path,
			ret == -ENOSPC ? "too small for that many nodes" :
			ret == -EINVAL ? "need 2 to 64 nodes" : strerror(-ret));
		return 2;
	}
	printf("formatted %s: %" PRIu64 " bytes, %" PRIu64 " nodes\n", path,
	       size, nodes);
	return 0;
}

const char *node_state(uint32_t s)
{
	static const char *const names[] = { "absent", "alive", "down",
					     "recovering", "clean" };

	return s < 5 ? names[s] : "bad";
}

static int cmd_status(int argc, char **argv)
{
	struct gmm_geometry g;
	struct gmm_node_info ni;
	struct gmm_part_info pi;
	struct mapped m;
	uint32_t n;
	int i;

	if (argc == 1)
		return dev_status(device);
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (map_region(argv[1], &m))
		return 2;
	if (json_output) {
		int ret = json_status_file(m.r);

		unmap_region(&m);
		return ret;
	}
	gmm_get_geometry(m.r, &g);
	printf("region  %" PRIu64 " bytes, %u partitions of %" PRIu64
	       " bytes (%u data pages)\n", g.region_size, g.nr_parts,
	       g.part_size, g.part_data_pages);
	printf("tables  master %u entries in %u stripes, %u sections and %u sharers per partition\n",
	       g.master_entries, g.nr_stripes, g.sections_per_part,
	       g.sharers_per_part);
	printf("names   %u entries\n", g.gns_entries);
	printf("uuid    ");
	for (i = 0; i < 16; i++)
		printf("%02x%s", g.uuid[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	printf("\n\nnode  state       incarnation  partition  manager  used/total pages  sections  master\n");
	for (n = 0; n < g.nr_parts; n++) {
		gmm_node_info(m.r, n, &ni);
		printf("%-5u %-11s %-12u ", n, node_state(ni.state), ni.incarnation);
		if (gmm_part_info(m.r, n, &pi)) {
			printf("(locked by a dead node: recovery pending)\n");
			continue;
		}
		if (pi.state == GMM_PART_LOST) {
			printf("%-10s %-8u %-17s %-9s %s\n", "lost", pi.manager, "-", "-",
			       pi.master_primary ? "primary" : pi.master_replica ? "replica" : "");
			continue;
		}
		printf("%-10s %-8u %7u/%-9u %-9u %s\n", "online", pi.manager,
		       pi.data_pages - pi.free_pages, pi.data_pages,
		       pi.sections_used,
		       pi.master_primary ? "primary" : pi.master_replica ? "replica" : "");
	}
	unmap_region(&m);
	return 0;
}

static void print_violation(void *arg, const char *msg)
{
	(void)arg;
	printf("violation: %s\n", msg);
}

static int cmd_check(int argc, char **argv)
{
	struct gmm_check_report rep = { .violation = print_violation };
	struct gns_check_report nrep = { .violation = print_violation };
	struct mapped m;
	int ret;

	if (argc == 1)
		return dev_check(device);
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (map_region(argv[1], &m))
		return 2;
	if (json_output)
		rep.violation = nrep.violation = json_violation;
	ret = member_check(m.r, &rep, &nrep);
	unmap_region(&m);
	if (ret) {
		json_violations_free();
		fprintf(stderr, "%s: check failed: %s\n", prog, attach_error(ret));
		return 2;
	}
	if (json_output)
		return json_check_file(&rep, &nrep);
	rep.violations += nrep.violations;
	printf("check: %u segments, %u sharers, %u free pages, %u names, %u violations\n",
	       rep.segments, rep.sharers, rep.free_pages, nrep.names,
	       rep.violations);
	return rep.violations ? 1 : 0;
}

/*
 * Every entry of one list of a region in a file (drivers/member/list.c, the
 * code the kernel lists the live fabric with); NULL on an error, with
 * *err set (-EOWNERDEAD: a table is locked by a dead node).
 */
static struct mcs_list_entry *file_list(struct gmm_region *r, uint32_t what,
					uint32_t *n, int *err)
{
	struct mcs_list_entry *all = NULL, *more;
	uint32_t cursor = 0, cap = 0;

	*n = 0;
	for (;;) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			more = realloc(all, cap * sizeof(*all));
			if (!more) {
				*err = -ENOMEM;
				break;
			}
			all = more;
		}
		*err = mcs_list_next(r, what, &cursor, &all[*n]);
		if (*err == -ENOENT)
			return all;
		if (*err)
			break;
		(*n)++;
	}
	free(all);
	return NULL;
}

static int cmd_ls(int argc, char **argv)
{
	struct mcs_list_entry *names, *segs = NULL, *sync = NULL;
	uint32_t nn, ns, ny;
	struct mapped m;
	int err, ret = 0;

	if (argc == 1)
		return dev_ls(device);
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (map_region(argv[1], &m))
		return 2;
	names = file_list(m.r, MCS_LIST_NAMES, &nn, &err);
	if (names)
		segs = file_list(m.r, MCS_LIST_SEGMENTS, &ns, &err);
	if (segs)
		sync = file_list(m.r, MCS_LIST_SYNC, &ny, &err);
	unmap_region(&m);
	if (sync)
		ret = ls_print(names, nn, segs, ns, sync, ny);
	free(names);
	free(segs);
	free(sync);
	if (sync)
		return ret;
	if (err == -EOWNERDEAD) {
		/* Not an error of the tool: on stdout, unless that is JSON. */
		fprintf(json_output ? stderr : stdout,
			"(a table is locked by a dead node: recovery pending)\n");
		return 1;
	}
	fprintf(stderr, "%s: ls: %s\n", prog, strerror(-err));
	return 2;
}

/* The membership commands exist only on the live fabric. */
static int cmd_membership(int argc, char **argv)
{
	int ret;

	if (!strcmp(argv[0], "join"))
		ret = dev_join(device, argc, argv);
	else if (!strcmp(argv[0], "down"))
		ret = dev_down(device, argc, argv);
	else if (!strcmp(argv[0], "recover"))
		ret = dev_recover(device, argc, argv);
	else if (!strcmp(argv[0], "freeze"))
		ret = dev_freeze(device, argc, argv, 1);
	else if (!strcmp(argv[0], "thaw"))
		ret = dev_freeze(device, argc, argv, 0);
	else
		ret = -2;
	if (ret == -2)
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[0]);
	if (ret < 0) {
		usage(stderr);
		return 2;
	}
	return ret;
}

/* Take every --json out of a command's arguments; true if there was one. */
static bool take_json(int *argc, char **argv)
{
	bool found = false;
	int i, o = 1;

	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--json"))
			found = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return found;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium cannot start\n", prog);
		return 2;
	}
	/* Global options, in any order, before the command. */
	for (;;) {
		if (argc >= 3 && !strcmp(argv[1], "--device")) {
			device = argv[2];
			argc -= 2;
			argv += 2;
		} else if (argc >= 2 && !strcmp(argv[1], "--json")) {
			json_output = true;
			argc--;
			argv++;
		} else {
			break;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	cmd = argv[0];
	if (!strcmp(cmd, "status") || !strcmp(cmd, "check") || !strcmp(cmd, "ls") ||
	    !strcmp(cmd, "limit")) {
		if (take_json(&argc, argv))
			json_output = true;
		if (!strcmp(cmd, "limit")) {
			int ret = dev_limit(device, argc, argv);

			if (ret < 0)
				usage(stderr);
			return ret < 0 ? 2 : ret;
		}
		if (!strcmp(cmd, "status"))
			return cmd_status(argc, argv);
		if (!strcmp(cmd, "check"))
			return cmd_check(argc, argv);
		return cmd_ls(argc, argv);
	}
	if (json_output) {
		fprintf(stderr, "%s: --json is for status, check, ls and limit, not '%s'\n",
			prog, cmd);
		return 2;
	}
	if (!strcmp(cmd, "format"))
		return cmd_format(argc, argv);
	if (!strcmp(cmd, "keygen") || !strcmp(cmd, "key")) {
		int ret = cmd_key(device, argc, argv);

		if (ret < 0)
			usage(stderr);
		return ret < 0 ? 2 : ret;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	return cmd_membership(argc, argv);
}
