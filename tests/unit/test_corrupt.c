// SPDX-License-Identifier: GPL-2.0
/*
 * test_corrupt - proves that a corrupt value in each table of the fabric
 * costs an error, -EUCLEAN (counted by gmm_corruptions()), never an access
 * outside the region, a hang or an operation without its lock:
 *
 *   - a section whose pages lie outside its partition: lookup, open
 *     (acquire), destroy, release and the segment iterator fail, nothing
 *     maps memory past the partition, and the checker names the section;
 *   - a master entry naming a partition or section that does not exist;
 *   - a master location naming a partition that does not exist: the
 *     recovery of a dead node fails instead of indexing the partition
 *     table with it, and the node stays RECOVERING;
 *   - a home index entry past the master table, during revocation;
 *   - a transaction slot table full of ids of another incarnation fails
 *     at once, one full of this node's own busy slots fails with -EBUSY
 *     after GMM_TXN_WAIT_NS instead of spinning for ever;
 *   - a table lock left not recoverable (gmm's stripe and partition
 *     locks, gns's table lock): the operation fails, the lock is not
 *     bypassed;
 *   - a sharer naming another section: its holder's release fails
 *     instead of saying the share is not there;
 *   - a partition's free page count past its size: the allocation goes
 *     elsewhere (or fails, -EUCLEAN, if every partition's is), the count
 *     is not computed with;
 *   - a sync object of no type: open, lock, set, wait and destroy fail;
 *     the sync table header's object count, which nothing uses, is found
 *     by the checker only;
 *   - the event log: a sequence number at U64_MAX is dispatched in
 *     bounded time, a record of an unknown type is not delivered (and
 *     never shifted into a mask), a sequence number that went back is
 *     taken as it is; the checker finds a record of an unknown type and
 *     a sequence number its records do not match;
 *   - destroying a mutex by GID never destroys an event, and back.
 */
#include "unit.h"
#include "gmm/gmm_internal.h"
#include "gns/gns_internal.h"

static char seen_msg[4096];

static void remember_violation(void *arg, const char *msg)
{
	(void)arg;
	if (strlen(seen_msg) + strlen(msg) + 2 < sizeof(seen_msg)) {
		strcat(seen_msg, msg);
		strcat(seen_msg, "\n");
	}
}

/* gmm_check() finds violations, one of them mentioning @what. */
static void assert_check_names(const char *what)
{
	struct gmm_check_report rep = { .violation = remember_violation };

	seen_msg[0] = '\0';
	gmm_check(obs, &rep);
	CU_ASSERT(rep.violations > 0);
	if (!strstr(seen_msg, what))
		fprintf(stderr, "    no violation names '%s':\n%s", what, seen_msg);
	CU_ASSERT(strstr(seen_msg, what) != NULL);
}

/* The same for member_check(): gmm's, gsync's and the event log's. */
static void assert_member_check_names(const char *what)
{
	struct gmm_check_report rep = { .violation = remember_violation };
	struct gns_check_report nrep = { 0 };

	seen_msg[0] = '\0';
	ASSERT_EQ(member_check(obs, &rep, &nrep), 0);
	CU_ASSERT(rep.violations > 0);
	if (!strstr(seen_msg, what))
		fprintf(stderr, "    no violation names '%s':\n%s", what, seen_msg);
	CU_ASSERT(strstr(seen_msg, what) != NULL);
}

static struct gmm_section *section_of(const struct gmm_seg_info *si)
{
	return gmm_section(h[0], si->part, si->section);
}

static void test_section_pages(void)
{
	struct gmm_seg_info si, li;
	struct gmm_section *s;
	u64 before;
	u32 cursor = 0;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[0], 0x10, PG, 0, 1, &si), 0);
	s = section_of(&si);
	before = gmm_corruptions(h[1]);
	mcs_wr32(&s->first_page, 0x7fffffff);
	ASSERT_EQ(gmm_lookup(h[1], 0x10, &li), -EUCLEAN);
	ASSERT_EQ(gmm_acquire(h[1], 0x10, 2, &li), -EUCLEAN);
	ASSERT_EQ(gmm_destroy(h[1], 0x10), -EUCLEAN);
	ASSERT_EQ(gmm_release(h[0], 0x10, 1, si.sharer), -EUCLEAN);
	ASSERT_EQ(gmm_seg_list(h[1], &cursor, &li), -EUCLEAN);
	CU_ASSERT(cursor > 0); /* past the bad entry: a listing may go on */
	ASSERT_EQ(gmm_seg_list(h[1], &cursor, &li), -ENOENT);
	CU_ASSERT(gmm_corruptions(h[1]) >= before + 4);
	assert_check_names("has pages outside the partition");

	/* Fits the partition's start but runs past its end. */
	mcs_wr32(&s->first_page, 1);
	mcs_wr32(&s->npages, geo.part_data_pages);
	ASSERT_EQ(gmm_lookup(h[1], 0x10, &li), -EUCLEAN);
	mcs_wr32(&s->npages, 0);
	ASSERT_EQ(gmm_acquire(h[1], 0x10, 2, &li), -EUCLEAN);
	assert_check_names("has pages outside the partition");

	/* Put right, it works again. */
	mcs_wr32(&s->first_page, (u32)((si.offset - geo.parts_off -
					 si.part * geo.part_size) / PG) -
				       (u32)(geo.part_size / PG - geo.part_data_pages));
	mcs_wr32(&s->npages, 1);
	ASSERT_EQ(gmm_lookup(h[1], 0x10, &li), 0);
	ASSERT_EQ(li.offset, si.offset);
	ASSERT_EQ(gmm_release(h[0], 0x10, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x10), 0);
	unit_finish();
}

static void test_master_entry(void)
{
	struct gmm_master_entry *m;
	struct gmm_seg_info si, li;
	u32 idx, free_idx;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[0], 0x11, PG, 0, 1, &si), 0);
	ASSERT_EQ(gmm_lock_stripe(h[0], gmm_stripe_of(0x11)), 0);
	ASSERT_EQ(gmm_master_find(h[0], 0x11, &idx, &free_idx), 0);
	gmm_unlock_stripe(h[0], gmm_stripe_of(0x11));
	m = gmm_master_read_copy(h[0]) + idx;
	mcs_wr16(&m->part, 0xfff0);
	ASSERT_EQ(gmm_lookup(h[1], 0x11, &li), -EUCLEAN);
	ASSERT_EQ(gmm_acquire(h[1], 0x11, 2, &li), -EUCLEAN);
	mcs_wr16(&m->part, (u16)si.part);
	mcs_wr32(&m->section, 0xfffffff0);
	ASSERT_EQ(gmm_destroy(h[1], 0x11), -EUCLEAN);
	mcs_wr32(&m->section, si.section);
	/* The replica has it right; so has the primary again. */
	ASSERT_EQ(gmm_lookup(h[1], 0x11, &li), 0);
	ASSERT_EQ(gmm_release(h[0], 0x11, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x11), 0);
	unit_finish();
}

static void test_master_location(void)
{
	struct gmm_recovery_report rep = { 0 };
	u64 loc;

	unit_setup();
	loc = mcs_rd64(&h[0]->ctl->master_loc);
	unit_node_dies(3, true);
	mcs_wr64(&h[0]->ctl->master_loc,
		 GMM_ML(0xffff, GMM_ML_REPLICA(loc), GMM_ML_EPOCH(loc)));
	ASSERT_EQ(unit_recover(h[0], 3, &rep), -EUCLEAN);
	ASSERT_EQ(rep.error, -EUCLEAN);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_RECOVERING);
	assert_check_names("master location");
	/* Repaired by hand: the next recovery completes. */
	mcs_wr64(&h[0]->ctl->master_loc, loc);
	ASSERT_EQ(unit_recover(h[0], 3, NULL), 0);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_CLEAN);
	unit_finish();
}

static void test_home_index(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES,
					.master_entries = 64 * 1024 };
	struct gmm_seg_info si;

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
	ASSERT_EQ(gmm_alloc(h[3], 0x12, PG, 3, 1, &si), 0);
	mcs_wr32(&gmm_home(h[0], 3)[si.section], 0xfffffff0);
	unit_node_dies(3, true);
	ASSERT_EQ(unit_recover(h[0], 3, NULL), -EUCLEAN);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_RECOVERING);
	/* By the table walk it is found anyway, once the index is right. */
	mcs_wr32(&gmm_home(h[0], 3)[si.section], 0);
	ASSERT_EQ(unit_recover(h[0], 3, NULL), 0);
	ASSERT_EQ(unit_node_info(3).state, GMM_NODE_CLEAN);
	unit_release();
}

static void test_txn_slots_full(void)
{
	struct gmm_txn_slot *slots;
	struct gmm_seg_info si;
	u64 t0;
	u32 i;

	unit_setup();
	slots = h[0]->ctl->txn[0];
	/* Ids of another incarnation: nobody will ever release them. */
	for (i = 0; i < GMM_TXN_SLOTS; i++)
		mcs_wr64(&slots[i].txn, GMM_ID(0, h[0]->inc + 5, i + 1));
	t0 = now_ns();
	ASSERT_EQ(gmm_alloc(h[0], 0x13, PG, 0, 1, &si), -EUCLEAN);
	CU_ASSERT(now_ns() - t0 < GMM_TXN_WAIT_NS);
	/* Its own, busy for good: it waits a bounded time, then -EBUSY. */
	for (i = 0; i < GMM_TXN_SLOTS; i++)
		mcs_wr64(&slots[i].txn, GMM_ID(0, h[0]->inc, i + 1));
	t0 = now_ns();
	ASSERT_EQ(gmm_alloc(h[0], 0x13, PG, 0, 1, &si), -EBUSY);
	CU_ASSERT(now_ns() - t0 >= GMM_TXN_WAIT_NS);
	CU_ASSERT(now_ns() - t0 < 20 * GMM_TXN_WAIT_NS);
	for (i = 0; i < GMM_TXN_SLOTS; i++)
		mcs_wr64(&slots[i].txn, 0);
	ASSERT_EQ(gmm_alloc(h[0], 0x13, PG, 0, 1, &si), 0);
	ASSERT_EQ(gmm_release(h[0], 0x13, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x13), 0);
	unit_finish();
}

static void test_table_locks(void)
{
	struct gmm_seg_info si;
	struct gns_info ni;
	struct glock *l;

	unit_setup();
	l = &h[0]->ctl->stripe_lock[gmm_stripe_of(0x14)];
	mcs_wr32(&l->state, GLOCK_NOTRECOVERABLE);
	ASSERT_EQ(gmm_alloc(h[0], 0x14, PG, 0, 1, &si), -EUCLEAN);
	ASSERT_EQ(gmm_lookup(h[1], 0x14, &si), -EUCLEAN);
	glock_init(l);
	l = &h[0]->ctl->part_lock[0];
	mcs_wr32(&l->state, GLOCK_NOTRECOVERABLE);
	ASSERT_EQ(gmm_alloc(h[0], 0x14, PG, 0, 1, &si), -EUCLEAN);
	glock_init(l);

	l = &gns_hdr(h[0])->lock;
	mcs_wr32(&l->state, GLOCK_NOTRECOVERABLE);
	ASSERT_EQ(gns_create(h[0], "name", GNS_TYPE_LOCK, &ni), -EUCLEAN);
	ASSERT_EQ(gns_lookup(h[1], "name", &ni), -EUCLEAN);
	glock_init(l);
	ASSERT_EQ(gns_lookup(h[1], "name", &ni), -ENOENT);
	unit_finish();
}

static void test_sharer_section(void)
{
	struct gmm_seg_info si;
	struct gmm_sharer *sh;
	u64 before;

	unit_setup();
	ASSERT_EQ(gmm_alloc(h[0], 0x15, PG, 0, 1, &si), 0);
	sh = gmm_sharer(h[0], si.part, si.sharer);
	before = gmm_corruptions(h[0]);
	mcs_wr32(&sh->section, 0x7fffffff);
	/* Its own share, live, naming another section: not "not found". */
	ASSERT_EQ(gmm_release(h[0], 0x15, 1, si.sharer), -EUCLEAN);
	CU_ASSERT(gmm_corruptions(h[0]) > before);
	assert_check_names("names no live section");
	/* Others' operations do not read it. */
	ASSERT_EQ(gmm_lookup(h[1], 0x15, &si), 0);
	mcs_wr32(&sh->section, si.section);
	ASSERT_EQ(gmm_release(h[0], 0x15, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x15), 0);
	unit_finish();
}

static void test_free_count(void)
{
	u32 old[NODES], p;
	__le32 *fp;
	struct gmm_seg_info si;

	unit_setup();
	fp = &h[0]->ctl->part[0].free_pages;
	old[0] = mcs_rd32(fp);
	mcs_wr32(fp, 0xffffffff);
	/* More than the partition has: placed elsewhere, nothing counted. */
	ASSERT_EQ(gmm_alloc(h[0], 0x16, PG, 0, 1, &si), 0);
	CU_ASSERT(si.part != 0);
	ASSERT_EQ(mcs_rd32(fp), 0xffffffff);
	assert_check_names("partition 0 counts 4294967295 free pages");
	ASSERT_EQ(gmm_release(h[0], 0x16, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x16), 0);
	/* On every partition: -EUCLEAN, not -ENOSPC. */
	for (p = 1; p < geo.nr_parts; p++) {
		old[p] = mcs_rd32(&h[0]->ctl->part[p].free_pages);
		mcs_wr32(&h[0]->ctl->part[p].free_pages, 0xfffffff0);
	}
	ASSERT_EQ(gmm_alloc(h[0], 0x16, PG, 0, 1, &si), -EUCLEAN);
	for (p = 0; p < geo.nr_parts; p++)
		mcs_wr32(&h[0]->ctl->part[p].free_pages, old[p]);
	ASSERT_EQ(gmm_alloc(h[0], 0x16, PG, 0, 1, &si), 0);
	ASSERT_EQ(si.part, 0);
	ASSERT_EQ(gmm_release(h[0], 0x16, 1, si.sharer), 0);
	ASSERT_EQ(gmm_destroy(h[0], 0x16), 0);
	unit_finish();
}

static void test_sync_type(void)
{
	struct gsync_handle mh, eh, d;
	struct gsync_table t;
	u64 before;

	unit_setup();
	gsync_table_of(h[1], &t);
	ASSERT_EQ(gsync_create(&t, 0x23, GSYNC_MUTEX, false, &mh), 0);
	ASSERT_EQ(gsync_create(&t, 0x24, GSYNC_EVENT_AUTO, false, &eh), 0);
	before = gmm_corruptions(h[1]);
	mcs_wr32(&t.objs[mh.idx].type, 0x7f);
	mcs_wr32(&t.objs[eh.idx].type, 0x7f);
	/* No type: neither a mutex nor an event, whoever asks. */
	ASSERT_EQ(gsync_open(&t, 0x23, &d), -EUCLEAN);
	ASSERT_EQ(gsync_mutex_lock(&t, &mh, 0), -EUCLEAN);
	ASSERT_EQ(gsync_event_set(&t, &eh), -EUCLEAN);
	ASSERT_EQ(gsync_event_wait(&t, &eh, 0), -EUCLEAN);
	ASSERT_EQ(gsync_destroy(&t, 0x23), -EUCLEAN);
	CU_ASSERT(gmm_corruptions(h[1]) >= before + 5);
	assert_member_check_names("sync object 0 has a bad type 127");
	mcs_wr32(&t.objs[mh.idx].type, GSYNC_MUTEX);
	mcs_wr32(&t.objs[eh.idx].type, GSYNC_EVENT_AUTO);
	ASSERT_EQ(gsync_open(&t, 0x23, &d), 0);
	ASSERT_EQ(gsync_mutex_lock(&t, &mh, 0), 0);
	ASSERT_EQ(gsync_mutex_unlock(&t, &mh), 0);
	ASSERT_EQ(gsync_event_set(&t, &eh), 0);
	ASSERT_EQ(gsync_event_wait(&t, &eh, 0), 0);
	ASSERT_EQ(gsync_destroy(&t, 0x23), 0);
	ASSERT_EQ(gsync_destroy(&t, 0x24), 0);

	/* The header's count is never used: only the checker minds it. */
	mcs_wr32(&t.hdr->nr_objs, 0xffffffff);
	ASSERT_EQ(gsync_create(&t, 0x23, GSYNC_MUTEX, false, &mh), 0);
	assert_member_check_names("sync table holds 4294967295 objects");
	mcs_wr32(&t.hdr->nr_objs, t.nr);
	ASSERT_EQ(gsync_destroy(&t, 0x23), 0);
	unit_finish();
}

static int delivered;

static void count_event(void *arg, const struct mcs_event *ev)
{
	(void)arg;
	(void)ev;
	delivered++;
}

static void test_event_log(void)
{
	struct mcs_event_log *log;
	struct mcs_events *es;
	u64 seq;
	int k;

	unit_setup();
	log = cev_log(h[0]);
	ASSERT_EQ(cev_region_open(h[0], &es), 0);
	ASSERT_EQ(cev_subscribe(es, MCS_EV_ALL, count_event, NULL, NULL), 0);

	/* An unknown type is skipped, never shifted into a mask. */
	ASSERT_EQ(member_post(es, MCS_EV_NODE_UP, 1, 1, 0, 0), 0);
	seq = cev_seq(es);
	mcs_wr32(&log->rec[seq & (MCS_EVENT_LOG_LEN - 1)].type, 200);
	delivered = 0;
	ASSERT_EQ(cev_dispatch(es), 0);
	ASSERT_EQ(delivered, 0);
	ASSERT_EQ(cev_corruptions(es), 1);

	/* Near U64_MAX: every call ends, the last record is reached. */
	mcs_wr64(&log->seq, ~0ULL - 3);
	for (k = 0; k < 4 && cev_seen(es) != ~0ULL - 3; k++)
		cev_dispatch(es);
	ASSERT_EQ(cev_seen(es), ~0ULL - 3);
	ASSERT_EQ(member_post(es, MCS_EV_NODE_UP, 1, 1, 0, 0), 0);
	ASSERT_EQ(member_post(es, MCS_EV_NODE_UP, 1, 1, 0, 0), 0);
	ASSERT_EQ(member_post(es, MCS_EV_NODE_UP, 1, 1, 0, 0), 0);
	delivered = 0;
	ASSERT_EQ(cev_dispatch(es), 3);
	ASSERT_EQ(delivered, 3);
	ASSERT_EQ(cev_seen(es), ~0ULL);
	ASSERT_EQ(cev_dispatch(es), 0);
	/* The log cannot go on: posting fails rather than wrapping to 0. */
	CU_ASSERT(member_post(es, MCS_EV_NODE_UP, 1, 1, 0, 0) != 0);

	/* Back: taken as it is, counted. */
	mcs_wr64(&log->seq, 5);
	ASSERT_EQ(cev_dispatch(es), 0);
	ASSERT_EQ(cev_seen(es), 5);
	CU_ASSERT(cev_corruptions(es) >= 3);
	cev_close(es);
	unit_release();
}

static void test_event_log_check(void)
{
	struct mcs_event_log *log;
	struct mcs_events *es;
	u64 seq;

	unit_setup();
	log = cev_log(h[0]);
	ASSERT_EQ(cev_region_open(h[0], &es), 0);
	ASSERT_EQ(member_post(es, MCS_EV_NODE_UP, 1, 1, 0, 0), 0);
	ASSERT_EQ(member_post(es, MCS_EV_NODE_UP, 2, 1, 0, 0), 0);
	seq = cev_seq(es);
	mcs_wr32(&log->rec[seq & (MCS_EVENT_LOG_LEN - 1)].type, 200);
	assert_member_check_names("has a bad type 200");
	mcs_wr32(&log->rec[seq & (MCS_EVENT_LOG_LEN - 1)].type, MCS_EV_NODE_UP);
	/* Ahead of its records, and behind them. */
	mcs_wr64(&log->seq, ~0ULL);
	assert_member_check_names("event log is at record 18446744073709551615");
	/* One past the log is a post in flight; two are not. */
	mcs_wr64(&log->seq, seq - 1);
	ASSERT_CLEAN(obs);
	mcs_wr64(&log->seq, seq - 2);
	assert_member_check_names("holds record");
	mcs_wr64(&log->seq, seq);
	cev_close(es);
	unit_finish();
}

static void test_destroy_kind(void)
{
	struct gsync_handle mh, eh;
	struct gsync_table t;

	unit_setup();
	gsync_table_of(h[0], &t);
	ASSERT_EQ(gsync_create(&t, 0x21, GSYNC_MUTEX, false, &mh), 0);
	ASSERT_EQ(gsync_create(&t, 0x22, GSYNC_EVENT_MANUAL, false, &eh), 0);
	ASSERT_EQ(gsync_destroy_owned(&t, 0x22, GSYNC_ANY_UID, GSYNC_MUTEX),
		  -EMEDIUMTYPE);
	ASSERT_EQ(gsync_destroy_owned(&t, 0x21, GSYNC_ANY_UID,
				      GSYNC_EVENT_AUTO), -EMEDIUMTYPE);
	ASSERT_EQ(gsync_open(&t, 0x22, &eh), 0);
	ASSERT_EQ(gsync_destroy_owned(&t, 0x22, GSYNC_ANY_UID,
				      GSYNC_EVENT_MANUAL), 0);
	ASSERT_EQ(gsync_destroy_owned(&t, 0x21, GSYNC_ANY_UID, GSYNC_MUTEX), 0);
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "a section's pages outside its partition", test_section_pages },
		{ "a master entry naming nothing", test_master_entry },
		{ "a master location naming no partition", test_master_location },
		{ "a home index entry past the master table", test_home_index },
		{ "a full transaction slot table", test_txn_slots_full },
		{ "table locks not recoverable", test_table_locks },
		{ "a sharer naming another section", test_sharer_section },
		{ "a free page count past the partition", test_free_count },
		{ "a sync object of no type, a wrong object count", test_sync_type },
		{ "the event log's types and sequence", test_event_log },
		{ "the checker of the event log", test_event_log_check },
		{ "destroy by GID keeps to its kind", test_destroy_kind },
	};

	return unit_run("corrupt", tests, ARRAY_SIZE(tests));
}
