// SPDX-License-Identifier: GPL-2.0
/*
 * region_fill - give "mcsctl ls" on a region in a file something to list.
 *
 * usage: region_fill FILE NODE           joins as NODE, makes a 64 KiB
 *                                        segment named "db" and a mutex
 *                                        named "m", locks it and exits
 *                                        holding it
 *        region_fill FILE NODE --hostile joins as NODE, makes two lock
 *                                        names, then overwrites their
 *                                        bytes with what no gns call
 *                                        accepts (quote, backslash,
 *                                        control bytes, a byte that is
 *                                        not UTF-8; and UTF-8 "café"):
 *                                        what a corrupt fabric may hold
 *
 * Prints "db GID", "m GID PID" or "hostile GID GID" (hex GIDs) for the
 * test (tests/tools/mcsctl.sh) to compare mcsctl --json with.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gns/gns_internal.h"
#include "gsync/gsync.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "region_fill: %s: %s\n", what, strerror(-err));
	exit(2);
}

/* Replace the bytes of name entry @idx by @len bytes of @bytes. */
static void plant(struct gmm_region *r, u32 idx, const char *bytes, u16 len)
{
	struct gns_entry *e = gns_entry(r, idx);

	memset(e->name, 0, sizeof(e->name));
	memcpy(e->name, bytes, len);
	mcs_wr16(&e->len, len);
}

int main(int argc, char **argv)
{
	static const char evil[] = "q\"b\\s\x01\n\tz\xff";
	static const char cafe[] = "caf\xc3\xa9";
	struct gsync_handle mh;
	struct gmm_seg_info si;
	struct gns_info a, b;
	struct gmm_region *r;
	struct gsync_table t;
	struct stat st;
	void *base;
	int fd, ret;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--hostile"))) {
		fprintf(stderr, "usage: region_fill FILE NODE [--hostile]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		die(argv[1], -errno);
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap", -errno);
	ret = gmm_attach(base, (u64)st.st_size, &r);
	if (ret)
		die("attach", ret);
	ret = gmm_node_join(r, (u32)atoi(argv[2]));
	if (ret)
		die("join", ret);
	if (argc == 4) {
		ret = gns_create(r, "h1", GNS_TYPE_LOCK, &a);
		if (!ret)
			ret = gns_create(r, "h2", GNS_TYPE_LOCK, &b);
		if (ret)
			die("gns_create", ret);
		plant(r, a.index, evil, sizeof(evil) - 1);
		plant(r, b.index, cafe, sizeof(cafe) - 1);
		printf("hostile %" PRIx64 " %" PRIx64 "\n", a.gid, b.gid);
		gmm_detach(r);
		return 0;
	}
	ret = gns_seg_create(r, "db", 16 * GMM_PAGE_SIZE, GMM_PLACE_NEAREST,
			     (u32)getpid(), &si, &a);
	if (ret)
		die("gns_seg_create", ret);
	ret = gns_create(r, "m", GNS_TYPE_LOCK, &b);
	if (ret)
		die("gns_create", ret);
	gsync_table_of(r, &t);
	ret = gsync_create(&t, b.gid, GSYNC_MUTEX, false, &mh);
	if (!ret)
		ret = gsync_mutex_lock(&t, &mh, GSYNC_INFINITE);
	if (ret)
		die("mutex", ret);
	printf("db %" PRIx64 "\nm %" PRIx64 " %d\n", a.gid, b.gid, getpid());
	/* Detaching leaves the node joined and the mutex held in the fabric. */
	gmm_detach(r);
	return 0;
}
