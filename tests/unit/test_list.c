// SPDX-License-Identifier: GPL-2.0
/*
 * test_list - proves mcs_list_next() (drivers/member/list.c), the listing
 * behind MCS_CTL_LIST and "mcsctl ls", on a region shared by two nodes,
 * read by an observer:
 *
 *   - an empty region lists nothing; an unknown list is -EINVAL;
 *   - names: a segment's name with the segment's size, home partition and
 *     sharers (one share on each node), a lock's name without;
 *   - segments: the named one and one made by GID, nothing destroyed;
 *   - sync objects: a mutex held by this process on node 1 (node,
 *     incarnation, pid, consistent), the same after the process is
 *     declared exited (abandoned, its pid), then owner-dead while the next
 *     holder has it, free once made consistent and unlocked; an event,
 *     free;
 *   - every list is complete when the cursor runs out, and stays empty.
 *
 * The checker finds the region consistent at the end.
 */
#include "unit.h"
#include "gsync/gsync.h"
#include "member/list.h"

/* Two nodes and the observer. */
static void setup(void)
{
	struct gmm_format_params fp = { .nr_parts = 2 };

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
}

/* All of one list, into @e (room for @cap); returns how many. */
static u32 list_all(u32 what, struct mcs_list_entry *e, u32 cap)
{
	u32 cursor = 0, n = 0;
	int ret;

	while (n < cap && (ret = mcs_list_next(obs, what, &cursor, &e[n])) == 0)
		n++;
	CU_ASSERT(n < cap);
	ASSERT_EQ(ret, -ENOENT);
	/* At the end it stays at the end. */
	ASSERT_EQ(mcs_list_next(obs, what, &cursor, &e[n]), -ENOENT);
	return n;
}

/* The sync entry of @gid among @n entries, or NULL. */
static const struct mcs_list_entry *find(const struct mcs_list_entry *e,
					 u32 n, u64 gid)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (e[i].gid == gid)
			return &e[i];
	return NULL;
}

static void test_empty(void)
{
	struct mcs_list_entry e[4];
	u32 cursor = 0;

	setup();
	ASSERT_EQ(list_all(MCS_LIST_NAMES, e, 4), 0);
	ASSERT_EQ(list_all(MCS_LIST_SEGMENTS, e, 4), 0);
	ASSERT_EQ(list_all(MCS_LIST_SYNC, e, 4), 0);
	ASSERT_EQ(mcs_list_next(obs, 0, &cursor, e), -EINVAL);
	ASSERT_EQ(mcs_list_next(obs, MCS_LIST_SYNC + 1, &cursor, e), -EINVAL);
	unit_finish();
}

static void test_lists(void)
{
	struct mcs_list_entry e[8];
	const struct mcs_list_entry *x;
	struct gsync_table t0, t1;
	struct gsync_handle mh, eh;
	struct gmm_seg_info si;
	struct gns_info db, m;
	u32 n, pid = (u32)getpid();

	setup();
	gsync_table_of(h[0], &t0);
	gsync_table_of(h[1], &t1);
	ASSERT_EQ(gns_seg_create(h[0], "db", 3 * PG, GMM_PLACE_NEAREST, 1, &si,
				 &db), 0);
	ASSERT_EQ(gmm_acquire(h[1], db.gid, 2, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[1], 0x900, PG, GMM_PLACE_NEAREST, 1, NULL), 0);
	ASSERT_EQ(gmm_alloc(h[1], 0x901, PG, GMM_PLACE_NEAREST, 1, NULL), 0);
	ASSERT_EQ(gmm_destroy(h[1], 0x901), 0);
	ASSERT_EQ(gns_create(h[1], "m", GNS_TYPE_LOCK, &m), 0);
	ASSERT_EQ(gsync_create(&t1, m.gid, GSYNC_MUTEX, false, &mh), 0);
	ASSERT_EQ(gsync_create(&t0, 0x77, GSYNC_EVENT_MANUAL, false, &eh), 0);
	ASSERT_EQ(gsync_mutex_lock(&t1, &mh, GSYNC_INFINITE), 0);

	n = list_all(MCS_LIST_NAMES, e, 8);
	ASSERT_EQ(n, 2);
	x = find(e, n, db.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->type, MCS_NAME_T_SEGMENT);
	ASSERT_EQ(x->name_len, 2);
	CU_ASSERT(!strcmp((const char *)x->name, "db"));
	ASSERT_EQ(x->size, 3 * PG);
	ASSERT_EQ(x->part, 0);
	ASSERT_EQ(x->nr_sharers, 2);
	x = find(e, n, m.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->type, MCS_NAME_T_LOCK);
	CU_ASSERT(!strcmp((const char *)x->name, "m"));
	ASSERT_EQ(x->size, 0);
	ASSERT_EQ(x->nr_sharers, 0);

	n = list_all(MCS_LIST_SEGMENTS, e, 8);
	ASSERT_EQ(n, 2);
	x = find(e, n, db.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->size, 3 * PG);
	ASSERT_EQ(x->nr_sharers, 2);
	x = find(e, n, 0x900);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->size, PG);
	ASSERT_EQ(x->part, 1);
	ASSERT_EQ(x->nr_sharers, 1);
	CU_ASSERT(find(e, n, 0x901) == NULL);

	n = list_all(MCS_LIST_SYNC, e, 8);
	ASSERT_EQ(n, 2);
	x = find(e, n, m.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->type, MCS_SYNC_T_MUTEX);
	ASSERT_EQ(x->owner_node, 1);
	ASSERT_EQ(x->owner_incarnation, 1);
	ASSERT_EQ(x->owner_pid, pid);
	ASSERT_EQ(x->lock_state, MCS_LOCK_CONSISTENT);
	x = find(e, n, 0x77);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->type, MCS_SYNC_T_EVENT_MANUAL);
	ASSERT_EQ(x->owner_node, MCS_NODE_NONE);

	/* The holder "exits": abandoned; the next holder: owner-dead. */
	ASSERT_EQ(gsync_process_exit(&t1, 1, 1, pid), 1);
	n = list_all(MCS_LIST_SYNC, e, 8);
	x = find(e, n, m.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->owner_node, MCS_OWNER_ABANDONED);
	ASSERT_EQ(x->owner_pid, pid);
	ASSERT_EQ(gsync_mutex_lock(&t0, &mh, GSYNC_INFINITE), -EOWNERDEAD);
	n = list_all(MCS_LIST_SYNC, e, 8);
	x = find(e, n, m.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->owner_node, 0);
	ASSERT_EQ(x->lock_state, MCS_LOCK_OWNERDEAD);
	ASSERT_EQ(gsync_mutex_consistent(&t0, &mh), 0);
	ASSERT_EQ(gsync_mutex_unlock(&t0, &mh), 0);
	n = list_all(MCS_LIST_SYNC, e, 8);
	x = find(e, n, m.gid);
	CU_ASSERT_FATAL(x != NULL);
	ASSERT_EQ(x->owner_node, MCS_NODE_NONE);
	ASSERT_EQ(x->lock_state, MCS_LOCK_CONSISTENT);
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "an empty region", test_empty },
		{ "names, segments and sync objects", test_lists },
	};

	return unit_run("list", tests, ARRAY_SIZE(tests));
}
