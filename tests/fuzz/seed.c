// SPDX-License-Identifier: GPL-2.0
/*
 * seed.c - the fabric fuzzer's seed corpus, made by the project's own code.
 *
 * Usage: seed DIR
 *
 * Formats small regions (FUZZ_REGION_SIZE bytes, 3 partitions: nodes 0
 * and 1 join, node 2 never does, so the fuzzer can join as it) and fills
 * them with segments (one shared by both nodes, one destroyed but still
 * shared), names of segments, a lock and an event, a mutex held by node
 * 1, an event set, and cluster events. Then node 1 dies in the middle of
 * an operation: at a crash point of a segment allocation, of a gns
 * create, of a release, or holding only the mutex. Its death is declared
 * (gmm_node_down()) and left unrecovered, so the fuzzer's recovery has
 * all of it to do. Writes DIR/seed-<n>, one image each.
 *
 * With --apply REG DIR OUT: writes OUT, the seed of DIR that regression
 * REG names with its bytes changed (tests/fuzz/regressions/README).
 */
#include "gmm/gmm.h"
#include "gns/gns.h"
#include "gsync/gsync.h"
#include "events/events.h"
#include "member/member.h"
#include "os/crashpoint.h"
#include "fuzz.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf died;
static enum mcs_crash_point die_at = MCS_CP_COUNT;

/* Node 1 "dies" at its crash point: it never runs another instruction. */
static void seed_crash(enum mcs_crash_point cp)
{
	if (cp == die_at) {
		mcs_crash_hook = NULL;
		longjmp(died, 1);
	}
}

static void must(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "seed: %s: %d\n", what, ret);
		exit(1);
	}
}

static void seed_one(const char *dir, int n, enum mcs_crash_point cp)
{
	struct gmm_format_params fp = {
		.nr_parts = 3,
		.master_entries = 64 * 2,
		.sections_per_part = 16,
		.sharers_per_part = 32,
		.sync_objects = 16, /* a lock page each */
		.gns_entries = 64,
	};
	struct gmm_region *a, *b;
	struct gmm_seg_info si;
	struct gsync_handle mh, eh;
	struct gsync_table ta, tb;
	struct mcs_events *es;
	struct gns_info ni;
	char path[4096];
	FILE *f;
	u8 *img;

	img = aligned_alloc(4096, FUZZ_REGION_SIZE);
	if (!img)
		exit(1);
	memset(img, 0, FUZZ_REGION_SIZE);
	must(gmm_format(img, FUZZ_REGION_SIZE, &fp), "format");
	must(gmm_attach(img, FUZZ_REGION_SIZE, &a), "attach 0");
	must(gmm_attach(img, FUZZ_REGION_SIZE, &b), "attach 1");
	must(gmm_node_join(a, 0), "join 0");
	must(gmm_node_join(b, 1), "join 1");
	gsync_table_of(a, &ta);
	gsync_table_of(b, &tb);

	must(gmm_alloc(a, 0x100, 2 * GMM_PAGE_SIZE, 0, 10, &si), "alloc");
	must(gmm_acquire(b, 0x100, 20, &si), "acquire");
	must(gmm_alloc(b, 0x101, GMM_PAGE_SIZE, 1, 20, &si), "alloc 2");
	must(gmm_acquire(a, 0x101, 10, &si), "acquire 2");
	must(gmm_destroy(b, 0x101), "destroy");
	must(gns_seg_create(a, "seg-a", GMM_PAGE_SIZE, 0, 10, &si, &ni),
	     "name a");
	must(gns_seg_create(b, "/seg-b", GMM_PAGE_SIZE, 1, 20, &si, &ni),
	     "name b");
	must(gns_create(a, "lock", GNS_TYPE_LOCK, &ni), "name lock");
	must(gsync_create(&ta, ni.gid, GSYNC_MUTEX, false, &mh), "mutex");
	must(gns_create(b, "event", GNS_TYPE_EVENT, &ni), "name event");
	must(gsync_create(&tb, ni.gid, GSYNC_EVENT_AUTO, false, &eh), "event");
	must(gsync_event_set(&tb, &eh), "set");
	must(gsync_open(&tb, mh.gid, &mh), "open mutex");
	must(gsync_mutex_lock(&tb, &mh, GSYNC_INFINITE), "lock");
	must(cev_region_open(a, &es), "events");
	must(member_post(es, MCS_EV_NODE_UP, 0, gmm_self_incarnation(a), 0, 0),
	     "post");
	must(member_post(es, MCS_EV_NODE_UP, 1, gmm_self_incarnation(b), 0, 0),
	     "post");
	cev_close(es);

	/* Node 1 dies in the middle of one more operation. */
	die_at = cp;
	if (!setjmp(died)) {
		mcs_crash_hook = seed_crash;
		if (n % 3 == 0)
			gmm_alloc(b, 0x200, GMM_PAGE_SIZE, 1, 20, NULL);
		else if (n % 3 == 1)
			gns_seg_create(b, "dying", GMM_PAGE_SIZE, 1, 20, &si, &ni);
		else
			gmm_release(b, 0x100, 20, GMM_SHARER_ANY);
		mcs_crash_hook = NULL;
	}
	must(gmm_node_down(a, 1, gmm_self_incarnation(b), n == 3), "down");
	gmm_detach(b);
	gmm_detach(a);

	snprintf(path, sizeof(path), "%s/seed-%d", dir, n);
	f = fopen(path, "wb");
	if (!f || fwrite(img, FUZZ_REGION_SIZE, 1, f) != 1 || fclose(f)) {
		perror(path);
		exit(1);
	}
	free(img);
}

/*
 * A regression (tests/fuzz/regressions/README): "seed N", then lines of
 * "OFFSET HEXBYTES", offsets in hex, applied to seed N of @dir.
 */
static int apply(const char *reg, const char *dir, const char *out)
{
	char path[4096], line[8192], hex[8000];
	unsigned long long off;
	unsigned int b;
	int seed = -1;
	size_t i;
	FILE *f, *o;
	u8 *img;

	img = malloc(FUZZ_REGION_SIZE);
	f = fopen(reg, "r");
	if (!img || !f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "seed %d", &seed) != 1) {
		fprintf(stderr, "seed: %s: no \"seed N\" line\n", reg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/seed-%d", dir, seed);
	o = fopen(path, "rb");
	if (!o || fread(img, FUZZ_REGION_SIZE, 1, o) != 1) {
		perror(path);
		return 1;
	}
	fclose(o);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%llx %7999s", &off, hex) != 2) {
			fprintf(stderr, "seed: %s: bad line %s", reg, line);
			return 1;
		}
		for (i = 0; hex[2 * i] && hex[2 * i + 1]; i++) {
			if (off + i >= FUZZ_REGION_SIZE ||
			    sscanf(hex + 2 * i, "%2x", &b) != 1) {
				fprintf(stderr, "seed: %s: bad line %s", reg, line);
				return 1;
			}
			img[off + i] = (u8)b;
		}
	}
	fclose(f);
	o = fopen(out, "wb");
	if (!o || fwrite(img, FUZZ_REGION_SIZE, 1, o) != 1 || fclose(o)) {
		perror(out);
		return 1;
	}
	free(img);
	return 0;
}

int main(int argc, char **argv)
{
	static const enum mcs_crash_point points[] = {
		MCS_CP_COUNT, /* holding only the mutex */
		MCS_CP_GNS_GID_TAKEN,
		MCS_CP_SHARER_TAGGED,
		MCS_CP_SECTION_TAGGED,
		MCS_CP_MASTER_FILLED,
		MCS_CP_COMMITTED,
	};
	unsigned int i;

	if (argc == 5 && !strcmp(argv[1], "--apply"))
		return apply(argv[2], argv[3], argv[4]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR | --apply REG DIR OUT\n", argv[0]);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(points); i++)
		seed_one(argv[1], (int)i, points[i]);
	return 0;
}
