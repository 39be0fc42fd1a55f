// SPDX-License-Identifier: GPL-2.0
/*
 * limit.c - mcsctl limit: what each uid holds in the cluster and the
 * limits on it, shown and set through the control device
 * (MCS_CTL_LIMIT; Documentation/uapi.md, "Limits").
 *
 *   mcsctl [--json] limit [--uid UID|all] [--segments N] [--pages N]
 *                         [--names N] [--syncs N]
 *
 * N is a count, "none" (never refuse) or "default" (the limit of every
 * uid without its own; for "all", the built-in quarter of each table).
 * Setting needs --uid. Without a setting, --uid shows that uid; without
 * --uid, the defaults and every uid that holds something or has a limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/mcs.h>

#include "mcsctl.h"

static const char *const kind_names[MCS_LIMIT_KINDS] = {
	"segments", "pages", "names", "syncs"
};

/* A limit on the command line: a count, "none" or "default" (0). */
static int parse_limit(const char *s, __u64 *out)
{
	char *end;

	if (!strcmp(s, "none")) {
		*out = MCS_LIMIT_NONE;
		return 0;
	}
	if (!strcmp(s, "default")) {
		*out = 0;
		return 0;
	}
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !*out ||
	    *out == MCS_LIMIT_NONE) {
		fprintf(stderr, "%s: bad limit '%s' (a count above 0, none or default)\n",
			prog, s);
		return -1;
	}
	return 0;
}

static void limit_text(char *buf, size_t len, __u64 v)
{
	if (v == MCS_LIMIT_NONE)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void print_row(const struct mcs_ctl_limit *a, bool all)
{
	char who[16], lim[24], cell[48];
	int k;

	if (all)
		snprintf(who, sizeof(who), "default");
	else
		snprintf(who, sizeof(who), "%u", a->uid);
	printf("%-10s", who);
	for (k = 0; k < MCS_LIMIT_KINDS; k++) {
		limit_text(lim, sizeof(lim), a->limit[k]);
		if (all)
			snprintf(cell, sizeof(cell), "%s%s", lim,
				 a->own[k] ? "" : "*");
		else
			snprintf(cell, sizeof(cell), "%llu/%s%s",
				 (unsigned long long)a->used[k], lim,
				 a->own[k] ? "" : "*");
		printf(" %18s", cell);
	}
	printf("\n");
}

/* A limit in JSON: a number, or null for none. */
static json_t *jlimit(__u64 v)
{
	return v == MCS_LIMIT_NONE ? json_null() : json_integer((json_int_t)v);
}

static json_t *jkinds(const __u64 *v, bool limits)
{
	json_t *o = json_object();
	int k;

	for (k = 0; o && k < MCS_LIMIT_KINDS; k++)
		json_object_set_new(o, kind_names[k],
				    limits ? jlimit(v[k]) :
					     json_integer((json_int_t)v[k]));
	return o;
}

static json_t *jrow(const struct mcs_ctl_limit *a, bool all)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (!all) {
		json_object_set_new(o, "uid", json_integer(a->uid));
		json_object_set_new(o, "used", jkinds(a->used, false));
	}
	json_object_set_new(o, "limit", jkinds(a->limit, true));
	/* "set": what was set here; 0: nothing (the default applies). */
	json_object_set_new(o, "set", jkinds(a->own, true));
	return o;
}

static int limit_call(int fd, struct mcs_ctl_limit *a, const char *what)
{
	a->argsz = sizeof(*a);
	if (!ioctl(fd, MCS_CTL_LIMIT, a))
		return 0;
	if (errno != ENOENT)
		fprintf(stderr, "%s: limit %s: %s\n", prog, what,
			strerror(errno));
	return -errno;
}

static int limit_show(int fd, bool one, uint32_t uid)
{
	struct mcs_ctl_limit a = { .uid = MCS_LIMIT_ALL };
	json_t *root = NULL, *uids = NULL;
	int ret;

	if (limit_call(fd, &a, "defaults"))
		return 2;
	if (json_output) {
		root = json_object();
		uids = json_array();
		if (!root || !uids)
			return 2;
		json_object_set_new(root, "default", jrow(&a, true));
		json_object_set_new(root, "builtin", jkinds(a.builtin, true));
	} else {
		printf("%-10s %18s %18s %18s %18s\n", "uid", "segments",
		       "pages", "names", "syncs");
		print_row(&a, true);
	}
	for (;;) {
		uint32_t cursor = a.cursor;

		memset(&a, 0, sizeof(a));
		if (one) {
			a.uid = uid;
		} else {
			a.flags = MCS_LIMIT_NEXT;
			a.cursor = cursor;
		}
		ret = limit_call(fd, &a, "show");
		if (ret == -ENOENT)
			break;
		if (ret)
			return 2;
		if (json_output)
			json_array_append_new(uids, jrow(&a, false));
		else
			print_row(&a, false);
		if (one)
			break;
	}
	if (json_output) {
		json_object_set_new(root, "uids", uids);
		ret = json_dumpf(root, stdout, JSON_INDENT(2)) ? 2 : 0;
		printf("\n");
		json_decref(root);
		return ret;
	}
	printf("(used/limit; * : the default)\n");
	return 0;
}

int dev_limit(const char *dev, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "segments", required_argument, NULL, 's' },
		{ "pages", required_argument, NULL, 'p' },
		{ "names", required_argument, NULL, 'n' },
		{ "syncs", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	struct mcs_ctl_limit a = { 0 };
	bool given[MCS_LIMIT_KINDS] = { false };
	bool have_uid = false, set = false;
	uint64_t v;
	char *end;
	int c, fd, ret, k;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			have_uid = true;
			if (!strcmp(optarg, "all")) {
				a.uid = MCS_LIMIT_ALL;
				break;
			}
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' ||
			    v >= MCS_LIMIT_ALL) {
				fprintf(stderr, "%s: bad uid '%s'\n", prog,
					optarg);
				return -1;
			}
			a.uid = (uint32_t)v;
			break;
		case 's':
		case 'p':
		case 'n':
		case 'y':
			k = c == 's' ? MCS_LIMIT_SEGMENTS :
			    c == 'p' ? MCS_LIMIT_PAGES :
			    c == 'n' ? MCS_LIMIT_NAMES : MCS_LIMIT_SYNCS;
			if (parse_limit(optarg, &a.set[k]))
				return -1;
			given[k] = set = true;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: limit: unexpected '%s'\n", prog,
			argv[optind]);
		return -1;
	}
	if (set && !have_uid) {
		fprintf(stderr, "%s: limit: setting needs --uid UID or --uid all\n",
			prog);
		return -1;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dev, strerror(errno));
		return 2;
	}
	if (set) {
		struct mcs_ctl_limit cur = { .uid = a.uid };

		/* Limits not given stay as they are. */
		if (limit_call(fd, &cur, "show")) {
			close(fd);
			return 2;
		}
		for (k = 0; k < MCS_LIMIT_KINDS; k++)
			if (!given[k])
				a.set[k] = cur.own[k];
		a.flags = MCS_LIMIT_SET;
		if (limit_call(fd, &a, "set")) {
			close(fd);
			return 2;
		}
	}
	ret = limit_show(fd, have_uid && a.uid != MCS_LIMIT_ALL, a.uid);
	close(fd);
	return ret;
}
