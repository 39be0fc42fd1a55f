// SPDX-License-Identifier: GPL-2.0
/*
 * stale - the stale-descriptor attack, for the isolation test
 * (tests/vm/isolation.sh). Before a new segment's descriptor page was
 * cleared ahead of its commit, a user could leave forged descriptors in
 * pages it freed and open the next segment made there while its creator
 * was still writing it:
 *
 *   stale forge GID BYTES BASE   as uid 1000: on each of partitions 0 and
 *                                1, make segment BASE+p of BYTES + 64 KiB,
 *                                write at the start of every page a
 *                                descriptor naming GID (mode 0666, owner
 *                                uid 1000, BYTES mappable), then give it
 *                                back and destroy it: the first segment
 *                                of BYTES made next on that partition
 *                                lands on those pages, its descriptor
 *                                page on a forged one
 *   stale open GID FLAG          as uid 1000: open GID read-write over
 *                                and over until the file FLAG exists;
 *                                prints "opened N of T"
 *
 * Exit 0 unless something other than the expected refusals failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmcs.h"

/* The descriptor page's layout (drivers/uapi/uapi_internal.h). */
struct forged_desc {
	uint64_t magic;
	uint64_t gid;
	uint64_t size;
	uint32_t uid, gid_owner, mode, reserved;
};
#define DESC_MAGIC 0x3143534544534d43ULL

static int fail(const char *what, int err)
{
	printf("%s: %s\n", what, strerror(-err));
	return 1;
}

static int forge(struct mcs_ctx *c, uint64_t gid, uint64_t bytes,
		 uint64_t base)
{
	const struct forged_desc d = {
		.magic = DESC_MAGIC, .gid = gid, .size = bytes,
		.uid = 1000, .gid_owner = 1000, .mode = 0666,
	};
	uint64_t len = bytes + 65536, off;
	unsigned char *p;
	int part, ret;

	for (part = 0; part < 2; part++) {
		ret = mcs_seg_create(c, base + part, len, part, 0600);
		if (ret)
			return fail("create", ret);
		ret = mcs_seg_map(c, base + part, 0, len,
				  PROT_READ | PROT_WRITE, NULL, (void **)&p);
		if (ret)
			return fail("map", ret);
		for (off = 0; off < len; off += 4096)
			memcpy(p + off, &d, sizeof(d));
		ret = mcs_seg_unmap(c, p);
		if (!ret)
			ret = mcs_seg_release(c, base + part);
		if (!ret)
			ret = mcs_seg_destroy(c, base + part);
		if (ret)
			return fail("give back", ret);
	}
	printf("forged\n");
	return 0;
}

static int open_loop(struct mcs_ctx *c, uint64_t gid, const char *flag)
{
	unsigned long tries = 0, opened = 0;
	int ret;

	while (access(flag, F_OK)) {
		tries++;
		ret = mcs_seg_open(c, gid, 0);
		if (!ret) {
			opened++;
			mcs_seg_release(c, gid);
		} else if (ret != -ENOENT && ret != -EACCES) {
			return fail("open", ret);
		}
	}
	printf("opened %lu of %lu\n", opened, tries);
	return 0;
}

int main(int argc, char **argv)
{
	struct mcs_ctx *c;
	uint64_t gid;
	int ret;

	if (argc < 4) {
		fprintf(stderr, "usage: stale forge GID BYTES BASE | open GID FLAG\n");
		return 1;
	}
	gid = strtoull(argv[2], NULL, 0);
	if (setgid(1000) || setuid(1000))
		return fail("setuid 1000", -errno);
	ret = mcs_open(&c, NULL);
	if (ret)
		return fail("mcs_open", ret);
	if (!strcmp(argv[1], "forge") && argc == 5)
		ret = forge(c, gid, strtoull(argv[3], NULL, 0),
			    strtoull(argv[4], NULL, 0));
	else if (!strcmp(argv[1], "open") && argc == 4)
		ret = open_loop(c, gid, argv[3]);
	else
		ret = fail("usage", -EINVAL);
	mcs_close(c);
	return ret;
}
