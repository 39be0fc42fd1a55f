// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz.c - libFuzzer harness: a mutated region image through the portable
 * core, as a node's kernel would meet it in the fabric.
 *
 * The input is the region (seeds: tests/fuzz/seed.c). Nothing else runs,
 * so, as the membership service would, every node the image says is
 * alive is declared dead first. As an observer: list
 * names, segments and sync objects (mcs_list_next()), describe partitions
 * and nodes, check the whole region (member_check()). Then the handle
 * joins as the first node free to join, and every dead node is recovered
 * (member_recover()). Then as a node: look
 * up, open (acquire), allocate, release and destroy segments, create,
 * look up, open and unlink names, lock a mutex and set an event, read
 * the cluster events, and check again. Nothing may read or write out of
 * the image, hang or crash; errors are fine.
 *
 * Three kinds of lock word are made sane first (see Documentation/testing.md,
 * "The fabric fuzzer"): ticket counters (a waiter queued behind 2^31
 * tickets waits for each to be skipped), owner tags that name the
 * incarnation this handle joins as (it would wait for itself), and owner
 * tags of observers (never dead: each lock costs GMM_OBSERVE_WAIT_NS).
 */
#include "gmm/gmm_internal.h"
#include "gns/gns_internal.h"
#include "gsync/gsync.h"
#include "events/events.h"
#include "member/member.h"
#include "member/list.h"
#include "fuzz.h"

#include <stdlib.h>

#define FUZZ_LIST_MAX 4096

static void fuzz_glock(struct glock *l, u32 node, u32 inc)
{
	u64 tag = mcs_rd64(&l->owner);

	mcs_wr32(&l->serving, mcs_rd32(&l->next));
	/* An observer is never dead: it waits GMM_OBSERVE_WAIT_NS each time. */
	if (tag && GLOCK_TAG_NODE(tag) == GMM_OBSERVER_NODE)
		mcs_wr64(&l->owner, GLOCK_TAG(0, 0, 1));
	if (node != GMM_OBSERVER_NODE && tag &&
	    GLOCK_TAG_NODE(tag) == node && GLOCK_TAG_INC(tag) == (inc & GMM_INC_MASK))
		mcs_wr64(&l->owner, GLOCK_TAG(node, inc - 1, 1));
}

/* Every lock word of the region (its geometry was validated at attach). */
static void fuzz_glocks(struct gmm_region *r, u32 node, u32 inc)
{
	struct gsync_table t;
	u32 i;

	for (i = 0; i < GMM_NR_STRIPES; i++)
		fuzz_glock(&r->ctl->stripe_lock[i], node, inc);
	for (i = 0; i < GMM_MAX_NODES; i++)
		fuzz_glock(&r->ctl->part_lock[i], node, inc);
	fuzz_glock(&gns_hdr(r)->lock, node, inc);
	fuzz_glock(&cev_log(r)->lock, node, inc);
	gsync_table_of(r, &t);
	fuzz_glock(&t.hdr->lock, node, inc);
	for (i = 0; i < t.nr; i++)
		fuzz_glock(gsync_lock(&t, i), node, inc);
}

static void fuzz_observe(struct gmm_region *r)
{
	struct gns_check_report nrep = { 0 };
	struct gmm_check_report rep = { 0 };
	struct gmm_node_info ni;
	struct gmm_part_info pi;
	struct mcs_list_entry e;
	struct gmm_geometry g;
	u32 what, cursor, k;
	int ret;

	for (what = MCS_LIST_NAMES; what <= MCS_LIST_SYNC; what++) {
		cursor = 0;
		for (k = 0; k < FUZZ_LIST_MAX; k++) {
			ret = mcs_list_next(r, what, &cursor, &e);
			if (ret && ret != -EUCLEAN)
				break;
		}
	}
	gmm_get_geometry(r, &g);
	for (k = 0; k < g.nr_parts; k++) {
		gmm_part_info(r, k, &pi);
		gmm_node_info(r, k, &ni);
	}
	member_check(r, &rep, &nrep);
}

static void fuzz_segments(struct gmm_region *r)
{
	struct gmm_seg_info si;
	u32 cursor = 0, k, tries;
	u64 gids[8];
	u32 n = 0;

	for (tries = 0; n < ARRAY_SIZE(gids) && tries < FUZZ_LIST_MAX; tries++) {
		int ret = gmm_seg_list(r, &cursor, &si);

		if (ret == -EUCLEAN)
			continue;
		if (ret)
			break;
		gids[n++] = si.gid;
	}
	for (k = 0; k < n; k++) {
		if (!gmm_lookup(r, gids[k], &si))
			(void)*(volatile u8 *)gmm_seg_ptr(r, &si);
		if (!gmm_acquire(r, gids[k], 77, &si)) {
			*(volatile u8 *)gmm_seg_ptr(r, &si) = 1;
			gmm_release(r, gids[k], 77, si.sharer);
		}
	}
	if (!gmm_alloc(r, 0x7000, GMM_PAGE_SIZE, GMM_PLACE_NEAREST, 77, &si)) {
		*(volatile u8 *)gmm_seg_ptr(r, &si) = 1;
		gmm_release(r, 0x7000, 77, si.sharer);
	}
	gmm_destroy(r, 0x7000);
	if (n)
		gmm_destroy(r, gids[0]);
}

static void fuzz_names(struct gmm_region *r)
{
	static const char *const names[] = { "seg-a", "seg-b", "lock",
					     "event", "dying", "fuzz" };
	struct gmm_seg_info si;
	struct gns_info ni;
	u32 cursor = 0, k;

	for (k = 0; k < FUZZ_LIST_MAX && !gns_list(r, &cursor, &ni); k++)
		;
	for (k = 0; k < ARRAY_SIZE(names); k++) {
		gns_lookup(r, names[k], &ni);
		if (!gns_seg_open(r, names[k], 78, &si))
			gmm_release(r, si.gid, 78, si.sharer);
	}
	if (!gns_seg_create(r, "fuzz", GMM_PAGE_SIZE, GMM_PLACE_NEAREST, 78,
			    &si, &ni))
		gmm_release(r, si.gid, 78, si.sharer);
	gns_unlink(r, "fuzz");
	gns_unlink(r, "seg-b");
}

static void fuzz_sync(struct gmm_region *r)
{
	struct gsync_handle h;
	struct gsync_table t;
	struct mcs_events *es;
	u32 i, n = 0;
	u64 gid;
	int ret;

	gsync_table_of(r, &t);
	for (i = 0; i < t.nr && n < 8; i++) {
		gid = mcs_rd64(&t.objs[i].gid);
		if (!gid || gsync_open(&t, gid, &h))
			continue;
		n++;
		ret = gsync_mutex_lock(&t, &h, 0);
		if (ret == -EOWNERDEAD)
			gsync_mutex_consistent(&t, &h);
		if (!ret || ret == -EOWNERDEAD)
			gsync_mutex_unlock(&t, &h);
		if (!gsync_event_set(&t, &h))
			gsync_event_wait(&t, &h, 0);
	}
	if (!cev_region_open(r, &es)) {
		for (i = 0; i < 4 && cev_dispatch(es) > 0; i++)
			;
		cev_close(es);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/* Every corrupt input logs its first finding: keep the fuzzer's log. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mcs_os_log_level = -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct member_recovery rec;
	struct gmm_node_info ni;
	struct gmm_geometry g;
	struct gmm_region *r;
	u32 n, me = GMM_OBSERVER_NODE;
	u8 *img;

	if (size < sizeof(struct gmm_super) || size > 4 * FUZZ_REGION_SIZE)
		return 0;
	/* A mapping is page-aligned; so is this copy. */
	img = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
	if (!img)
		return 0;
	memcpy(img, data, size);
	if (gmm_attach(img, size, &r)) {
		free(img);
		return 0;
	}
	/* Nobody else runs: a lock of a live node would never be released. */
	gmm_get_geometry(r, &g);
	for (n = 0; n < g.nr_parts; n++)
		if (!gmm_node_info(r, n, &ni) && ni.state == GMM_NODE_ALIVE)
			gmm_node_down(r, n, ni.incarnation, n & 1);
	fuzz_glocks(r, GMM_OBSERVER_NODE, 0);
	fuzz_observe(r);
	for (n = 0; n < g.nr_parts; n++) {
		if (gmm_node_info(r, n, &ni))
			continue;
		fuzz_glocks(r, n, (ni.incarnation + 1) & GMM_INC_MASK ?
				       (ni.incarnation + 1) & GMM_INC_MASK : 1);
		if (!gmm_node_join(r, n)) {
			me = n;
			break;
		}
	}
	if (me != GMM_OBSERVER_NODE) {
		for (n = 0; n < g.nr_parts; n++) {
			if (n == me)
				continue;
			memset(&rec, 0, sizeof(rec));
			member_recover(r, n, &rec);
		}
		fuzz_segments(r);
		fuzz_names(r);
		fuzz_sync(r);
		fuzz_observe(r);
	}
	gmm_detach(r);
	free(img);
	return 0;
}
