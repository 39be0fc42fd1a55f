// SPDX-License-Identifier: GPL-2.0
/*
 * limittool - make and remove objects as a given uid through libmcs, for
 * the per-uid limits test (tests/vm/limits.sh):
 *
 *   limittool UID segs GID N BYTES   segments GID .. GID+N-1 of BYTES
 *   limittool UID names PREFIX N BYTES   segments named PREFIX0 ..
 *   limittool UID mutexes PREFIX N   global mutexes named PREFIX0 ..
 *   limittool UID events GID N       global events GID .. GID+N-1
 *   limittool UID destroy GID N      destroy segments GID .. GID+N-1
 *   limittool UID unlink PREFIX N    unlink names PREFIX0 ..
 *   limittool UID mutex-destroy PREFIX N   unlink those mutexes' names,
 *                                    then destroy them by their GIDs
 *   limittool UID mutex-drop PREFIX N   destroy them, leave the names
 *                                    (then only root may unlink them)
 *
 * It runs as UID (and gid UID) and stops at the first failure. It prints
 * "made K" (or "removed K"), and after a failure "stopped: <error>";
 * exit 0 if all N were done, 3 if stopped by "Disk quota exceeded", else 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmcs.h"

static int one(struct mcs_ctx *c, const char *cmd, const char *arg,
	       uint64_t base, unsigned long i, uint64_t bytes)
{
	char name[128];
	uint64_t gid;
	uint32_t type;
	int ret;

	snprintf(name, sizeof(name), "%s%lu", arg, i);
	if (!strcmp(cmd, "segs"))
		return mcs_seg_create(c, base + i, bytes, MCS_PLACE_MOST_FREE,
				      0600);
	if (!strcmp(cmd, "names"))
		return mcs_seg_create_name(c, name, bytes, MCS_PLACE_MOST_FREE,
					   0600, &gid);
	if (!strcmp(cmd, "mutexes"))
		return mcs_mutex_create_name(c, name, 0600, &gid);
	if (!strcmp(cmd, "events"))
		return mcs_event_create(c, base + i, 0, 0600);
	if (!strcmp(cmd, "destroy"))
		return mcs_seg_destroy(c, base + i);
	if (!strcmp(cmd, "unlink"))
		return mcs_name_unlink(c, name);
	if (!strcmp(cmd, "mutex-destroy") || !strcmp(cmd, "mutex-drop")) {
		/* The name first: once its object is gone, it is root's. */
		ret = mcs_name_lookup(c, name, &gid, &type);
		if (!ret && !strcmp(cmd, "mutex-destroy"))
			ret = mcs_name_unlink(c, name);
		return ret ? ret : mcs_mutex_destroy(c, gid);
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	unsigned long uid, n, i;
	uint64_t base = 0, bytes = 0;
	const char *cmd, *arg;
	struct mcs_ctx *c;
	int ret = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: limittool UID CMD ARG N [BYTES]\n");
		return 1;
	}
	uid = strtoul(argv[1], NULL, 0);
	cmd = argv[2];
	arg = argv[3];
	n = strtoul(argv[4], NULL, 0);
	if (argc > 5)
		bytes = strtoull(argv[5], NULL, 0);
	if (!strcmp(cmd, "segs") || !strcmp(cmd, "events") ||
	    !strcmp(cmd, "destroy"))
		base = strtoull(arg, NULL, 0);
	if (setgid((gid_t)uid) || setuid((uid_t)uid)) {
		printf("setuid %lu: %s\n", uid, strerror(errno));
		return 1;
	}
	ret = mcs_open(&c, NULL);
	if (ret) {
		printf("mcs_open: %s\n", strerror(-ret));
		return 1;
	}
	for (i = 0; i < n; i++) {
		ret = one(c, cmd, arg, base, i, bytes);
		if (ret)
			break;
	}
	printf("%s %lu\n", strstr(cmd, "destroy") || !strcmp(cmd, "unlink") ||
	       !strcmp(cmd, "mutex-drop") ?
	       "removed" : "made", i);
	if (ret)
		printf("stopped: %s\n", strerror(-ret));
	mcs_close(c);
	return !ret ? 0 : ret == -EDQUOT ? 3 : 1;
}
