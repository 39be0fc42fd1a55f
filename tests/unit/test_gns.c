// SPDX-License-Identifier: GPL-2.0
/*
 * test_gns - proves the global name service does what gns.h documents:
 *
 *   - name rules: empty, ".", "..", '/' inside, bytes outside 0x21..0x7e
 *     (-EINVAL), longer than GNS_NAME_MAX (-ENAMETOOLONG), exactly
 *     GNS_NAME_MAX, and "/x" naming the same as "x";
 *   - create / lookup / unlink / list of lock and event names, from
 *     different nodes (each maps the fabric at its own address), observers
 *     read-only (-ENOTCONN), -EEXIST, -ENOENT, a wrong type (-EINVAL,
 *     -EMEDIUMTYPE), a full table (-ENFILE) that works again after an
 *     unlink, and long churn through tombstones;
 *   - GIDs: unique and never reused across unlink and re-create, across
 *     nodes and from racing threads;
 *   - segments by name: create + gmm allocation in one call, opened from
 *     another node with the content visible; a failed allocation leaves no
 *     name; unlink while in use removes the name at once and the memory
 *     stays until the last share is released;
 *   - the checker finds a torn entry, a dead holder of the table lock and a
 *     name whose segment is gone; the names stage of recovery removes
 *     names of segments revoked with a lost partition, and only sweeps
 *     when that partition homed a named segment;
 *   - the crash matrix: for every crash point and every gns operation
 *     (create, segment create, an aborting segment create, unlink, unlink
 *     of a shared segment, taking over a dead holder's lock, recovery),
 *     with the victim's memory kept and lost, the node "dies" exactly
 *     there (siglongjmp out of the core); survivors run member_recover()
 *     (whose names stage is gns_recover()); both checkers are clean; a name and its segment exist
 *     both or neither; a committed create exists and a committed unlink is
 *     gone. Every gns crash point must be died at.
 */
#include <pthread.h>
#include <setjmp.h>

#include "unit.h"
#include "gmm/gmm_internal.h"
#include "gns/gns_internal.h"
#include "os/crashpoint.h"

static u32 count_names(struct gmm_region *r)
{
	struct gns_info info;
	u32 cursor = 0, n = 0;

	while (gns_list(r, &cursor, &info) == 0)
		n++;
	return n;
}

static u32 count_segments(void)
{
	struct gmm_check_report rep = { .violation = unit_print_violation };

	CU_ASSERT(gmm_check(obs, &rep) == 0);
	return rep.segments;
}

/* ============================ name rules ============================ */

static void test_name_rules(void)
{
	static const char *const bad[] = {
		"", "/", ".", "..", "/.", "a/b", "//a", "a b", "tab\there",
		"\x7f", "caf\xc3\xa9", "new\nline",
	};
	static const char *const good[] = {
		"a", "/a", "...", ".a", "a.", "~!@#$%^&*()_+-={}[]|\\:;\"'<>,.?`",
		"0", "Z",
	};
	char name[GNS_NAME_MAX + 3];
	struct gns_info info;
	unsigned int i;

	unit_setup();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(gns_name_check(bad[i]), -EINVAL);
		ASSERT_EQ(gns_create(h[0], bad[i], GNS_TYPE_LOCK, NULL), -EINVAL);
		ASSERT_EQ(gns_lookup(h[0], bad[i], NULL), -EINVAL);
		ASSERT_EQ(gns_unlink(h[0], bad[i]), -EINVAL);
	}
	ASSERT_EQ(gns_name_check(NULL), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(gns_name_check(good[i]), 0);
		ASSERT_EQ(gns_create(h[i % NODES], good[i], GNS_TYPE_EVENT, NULL),
			  i == 1 ? -EEXIST : 0); /* "/a" is "a" */
	}
	ASSERT_EQ(count_names(obs), ARRAY_SIZE(good) - 1);

	memset(name, 'n', sizeof(name));
	name[GNS_NAME_MAX] = '\0';
	ASSERT_EQ(gns_create(h[1], name, GNS_TYPE_LOCK, &info), 0);
	ASSERT_EQ(strcmp(info.name, name), 0);
	name[GNS_NAME_MAX] = 'n';
	name[GNS_NAME_MAX + 1] = '\0';
	ASSERT_EQ(gns_name_check(name), -ENAMETOOLONG);
	ASSERT_EQ(gns_create(h[1], name, GNS_TYPE_LOCK, NULL), -ENAMETOOLONG);
	ASSERT_EQ(gns_lookup(h[1], name, NULL), -ENAMETOOLONG);
	/* A leading '/' does not count. */
	name[0] = '/';
	ASSERT_EQ(gns_lookup(h[2], name, &info), 0);
	ASSERT_EQ(strlen(info.name), GNS_NAME_MAX);
	unit_finish();
}

/* ====================== create / lookup / unlink ====================== */

static void test_create_lookup_unlink(void)
{
	struct gns_info a, b;
	u64 gid;

	unit_setup();
	ASSERT_EQ(gns_create(h[0], "/lock0", GNS_TYPE_LOCK, &a), 0);
	ASSERT_EQ(a.type, GNS_TYPE_LOCK);
	CU_ASSERT((a.gid & GNS_GID_BASE) != 0);
	ASSERT_EQ(strcmp(a.name, "lock0"), 0);
	/* Seen from every node and the observer, with or without '/'. */
	ASSERT_EQ(gns_lookup(h[3], "lock0", &b), 0);
	ASSERT_EQ(b.gid, a.gid);
	ASSERT_EQ(b.type, GNS_TYPE_LOCK);
	ASSERT_EQ(gns_lookup(obs, "/lock0", &b), 0);
	ASSERT_EQ(b.gid, a.gid);

	ASSERT_EQ(gns_create(h[2], "lock0", GNS_TYPE_EVENT, NULL), -EEXIST);
	ASSERT_EQ(gns_create(h[2], "/lock0", GNS_TYPE_LOCK, NULL), -EEXIST);
	ASSERT_EQ(gns_create(h[2], "x", 0, NULL), -EINVAL);
	ASSERT_EQ(gns_create(h[2], "x", 4, NULL), -EINVAL);
	ASSERT_EQ(gns_create(h[2], "x", GNS_TYPE_SEGMENT, NULL), -EINVAL);
	ASSERT_EQ(gns_seg_open(h[2], "lock0", 1, NULL), -EMEDIUMTYPE);
	ASSERT_EQ(gns_lookup(h[2], "nothing", NULL), -ENOENT);
	ASSERT_EQ(gns_unlink(h[2], "nothing"), -ENOENT);
	ASSERT_EQ(gns_seg_open(h[2], "nothing", 1, NULL), -ENOENT);

	/* Observers read, never write. */
	ASSERT_EQ(gns_create(obs, "o", GNS_TYPE_LOCK, NULL), -ENOTCONN);
	ASSERT_EQ(gns_seg_create(obs, "o", PG, GMM_PLACE_NEAREST, 1, NULL, NULL),
		  -ENOTCONN);
	ASSERT_EQ(gns_unlink(obs, "lock0"), -ENOTCONN);
	ASSERT_EQ(gns_seg_open(obs, "lock0", 1, NULL), -ENOTCONN);
	ASSERT_EQ(gns_recover(obs, GNS_NO_PART, NULL), -ENOTCONN);
	ASSERT_EQ(gns_gid_alloc(h[0], &gid), 0);

	/* Unlink of what a name named before: refused, nothing changes. */
	ASSERT_EQ(gns_unlink_gid(h[1], "lock0", a.gid + 1), -ESTALE);
	ASSERT_EQ(gns_lookup(h[0], "lock0", &b), 0);
	CU_ASSERT_EQUAL(b.gid, a.gid);

	/* Unlink is immediate, from any node; the name can come back. */
	ASSERT_EQ(gns_unlink_gid(h[1], "/lock0", a.gid), 0);
	ASSERT_EQ(gns_lookup(h[0], "lock0", NULL), -ENOENT);
	ASSERT_EQ(gns_unlink(h[0], "lock0"), -ENOENT);
	ASSERT_EQ(gns_create(h[3], "lock0", GNS_TYPE_EVENT, &b), 0);
	CU_ASSERT(b.gid != a.gid && b.gid > gid);
	ASSERT_EQ(b.type, GNS_TYPE_EVENT);
	ASSERT_EQ(count_names(obs), 1);
	ASSERT_CLEAN(obs);
	unit_finish();
}

static void test_list(void)
{
	bool seen[40] = { false };
	struct gns_info info;
	u32 cursor = 0, n = 0;
	char name[16];
	int i, k;

	unit_setup();
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "list-%d", i);
		ASSERT_EQ(gns_create(h[i % NODES], name, GNS_TYPE_LOCK, NULL), 0);
	}
	for (i = 0; i < 40; i += 3) {
		snprintf(name, sizeof(name), "list-%d", i);
		ASSERT_EQ(gns_unlink(h[(i + 1) % NODES], name), 0);
	}
	while (gns_list(obs, &cursor, &info) == 0) {
		n++;
		CU_ASSERT_FATAL(sscanf(info.name, "list-%d", &k) == 1);
		CU_ASSERT(k >= 0 && k < 40 && k % 3 && !seen[k]);
		seen[k] = true;
		ASSERT_EQ(info.type, GNS_TYPE_LOCK);
	}
	ASSERT_EQ(n, 40 - 14);
	/* The end stays the end. */
	ASSERT_EQ(gns_list(h[0], &cursor, &info), -ENOENT);
	unit_finish();
}

/* ============================ the table ============================ */

static void test_table_full(void)
{
	char name[32];
	u64 gids[GMM_GNS_MIN_ENTRIES];
	struct gns_info info;
	struct gmm_format_params fp = { .nr_parts = NODES,
					.gns_entries = GMM_GNS_MIN_ENTRIES };
	int i, j, round;

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
	for (i = 0; i < GMM_GNS_MIN_ENTRIES; i++) {
		snprintf(name, sizeof(name), "full-%d", i);
		ASSERT_EQ(gns_create(h[i % NODES], name, GNS_TYPE_LOCK, &info), 0);
		gids[i] = info.gid;
	}
	ASSERT_EQ(gns_create(h[0], "one-more", GNS_TYPE_LOCK, NULL), -ENFILE);
	ASSERT_EQ(gns_seg_create(h[0], "one-more", PG, GMM_PLACE_NEAREST, 1,
				 NULL, NULL), -ENFILE);
	ASSERT_EQ(count_segments(), 0); /* no segment without its name */
	/* Every name is still found in a full table. */
	for (i = 0; i < GMM_GNS_MIN_ENTRIES; i++) {
		snprintf(name, sizeof(name), "full-%d", i);
		ASSERT_EQ(gns_lookup(h[1], name, &info), 0);
		ASSERT_EQ(info.gid, gids[i]);
	}
	ASSERT_EQ(gns_unlink(h[2], "full-17"), 0);
	ASSERT_EQ(gns_create(h[0], "one-more", GNS_TYPE_LOCK, NULL), 0);
	ASSERT_EQ(gns_create(h[0], "two-more", GNS_TYPE_LOCK, NULL), -ENFILE);
	ASSERT_CLEAN(obs);

	/* Churn: tombstones everywhere, lookups and inserts still right. */
	for (round = 0; round < 50; round++) {
		for (i = 0; i < GMM_GNS_MIN_ENTRIES / 2; i++) {
			snprintf(name, sizeof(name), "full-%d", (i * 7 + round) %
				 GMM_GNS_MIN_ENTRIES);
			j = gns_unlink(h[round % NODES], name);
			CU_ASSERT(j == 0 || j == -ENOENT);
		}
		for (i = 0; i < GMM_GNS_MIN_ENTRIES; i++) {
			snprintf(name, sizeof(name), "full-%d", i);
			j = gns_create(h[(round + 1) % NODES], name,
				       GNS_TYPE_EVENT, NULL);
			CU_ASSERT(j == 0 || j == -EEXIST || j == -ENFILE);
		}
	}
	ASSERT_EQ(count_names(obs), GMM_GNS_MIN_ENTRIES);
	unit_finish();
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

#define GID_THREADS 4
#define GID_EACH 5000
static u64 tgids[GID_THREADS][GID_EACH];

static void *gid_thread(void *arg)
{
	long t = (long)arg;
	int i;

	for (i = 0; i < GID_EACH; i++)
		if (gns_gid_alloc(h[t], &tgids[t][i]))
			tgids[t][i] = 0;
	return NULL;
}

static void test_gid_unique(void)
{
	static u64 all[GID_THREADS * GID_EACH + 600];
	pthread_t th[GID_THREADS];
	struct gns_info info;
	u32 n = 0, i;
	long t;

	unit_setup();
	/* Names come and go: every one gets a GID never seen before. */
	for (i = 0; i < 600; i++) {
		ASSERT_EQ(gns_create(h[i % NODES], "again", GNS_TYPE_LOCK, &info), 0);
		all[n++] = info.gid;
		ASSERT_EQ(gns_unlink(h[(i + 1) % NODES], "again"), 0);
	}
	for (t = 0; t < GID_THREADS; t++)
		CU_ASSERT_FATAL(pthread_create(&th[t], NULL, gid_thread, (void *)t) == 0);
	for (t = 0; t < GID_THREADS; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < GID_THREADS; t++)
		for (i = 0; i < GID_EACH; i++)
			all[n++] = tgids[t][i];
	qsort(all, n, sizeof(all[0]), cmp_u64);
	CU_ASSERT(all[0] > GNS_GID_BASE);
	for (i = 1; i < n; i++)
		if (all[i] == all[i - 1]) {
			fprintf(stderr, "    gid %" PRIx64 " issued twice\n", all[i]);
			CU_FAIL("duplicate gid");
			break;
		}
	/* A node's death does not make its GIDs available again. */
	unit_node_dies(2, false);
	ASSERT_EQ(member_recover(h[0], 2, NULL), 0);
	unit_node_up(2);
	ASSERT_EQ(gns_create(h[2], "after", GNS_TYPE_LOCK, &info), 0);
	CU_ASSERT(info.gid > all[n - 1]);
	unit_finish();
}

/* ======================== segments by name ======================== */

static void test_seg_by_name(void)
{
	struct gmm_seg_info s0, s1, s2;
	struct gns_info info, again;
	struct gmm_part_info pi;
	u32 free_before;
	u64 *p;

	unit_setup();
	CU_ASSERT_FATAL(gmm_part_info(obs, 1, &pi) == 0);
	free_before = pi.free_pages;
	ASSERT_EQ(gns_seg_create(h[1], "/db", 4 * PG, 1, 100, &s0, &info), 0);
	ASSERT_EQ(info.type, GNS_TYPE_SEGMENT);
	ASSERT_EQ(s0.gid, info.gid);
	ASSERT_EQ(s0.size, 4 * PG);
	ASSERT_EQ(s0.part, 1);
	ASSERT_EQ(s0.nr_sharers, 1);
	p = gmm_seg_ptr(h[1], &s0);
	p[0] = 0x1234567890abcdefULL;
	p[4 * PG / 8 - 1] = 42;

	ASSERT_EQ(gns_seg_create(h[2], "db", PG, GMM_PLACE_NEAREST, 1, NULL, NULL),
		  -EEXIST);
	ASSERT_EQ(gns_lookup(h[3], "db", &again), 0);
	ASSERT_EQ(again.gid, s0.gid);
	ASSERT_EQ(gns_seg_open(h[3], "db", 300, &s1), 0);
	ASSERT_EQ(s1.gid, s0.gid);
	ASSERT_EQ(s1.nr_sharers, 2);
	p = gmm_seg_ptr(h[3], &s1);
	ASSERT_EQ(p[0], 0x1234567890abcdefULL);
	ASSERT_EQ(p[4 * PG / 8 - 1], 42);

	/* A failed allocation leaves no name and no segment. */
	ASSERT_EQ(gns_seg_create(h[0], "bad", 3, GMM_PLACE_NEAREST, 1, NULL, NULL),
		  -EINVAL);
	ASSERT_EQ(gns_seg_create(h[0], "huge", 1ULL << 40, GMM_PLACE_NEAREST, 1,
				 NULL, NULL), -EFBIG);
	ASSERT_EQ(gns_lookup(obs, "bad", NULL), -ENOENT);
	ASSERT_EQ(gns_lookup(obs, "huge", NULL), -ENOENT);
	ASSERT_EQ(count_segments(), 1);

	/* Unlink while in use: the name goes now, the memory later. */
	ASSERT_EQ(gns_unlink(h[0], "db"), 0);
	ASSERT_EQ(gns_lookup(obs, "db", NULL), -ENOENT);
	ASSERT_EQ(gns_seg_open(h[2], "db", 1, NULL), -ENOENT);
	ASSERT_EQ(gmm_lookup(obs, s0.gid, NULL), -ENOENT);
	ASSERT_EQ(count_segments(), 1);
	ASSERT_EQ(p[0], 0x1234567890abcdefULL);
	ASSERT_CLEAN(obs);
	/* A new segment under the old name is another segment. */
	ASSERT_EQ(gns_seg_create(h[2], "db", PG, 2, 7, &s2, &again), 0);
	CU_ASSERT(s2.gid != s0.gid);
	ASSERT_EQ(gmm_release(h[1], s0.gid, 100, s0.sharer), 0);
	ASSERT_EQ(count_segments(), 2);
	ASSERT_EQ(gmm_release(h[3], s1.gid, 300, s1.sharer), 0);
	ASSERT_EQ(count_segments(), 1);
	CU_ASSERT_FATAL(gmm_part_info(obs, 1, &pi) == 0);
	ASSERT_EQ(pi.free_pages, free_before);

	/* Unlinking an unshared segment frees it at once. */
	ASSERT_EQ(gmm_release(h[2], s2.gid, 7, s2.sharer), 0);
	ASSERT_EQ(gns_lookup(obs, "db", NULL), 0);
	ASSERT_EQ(gns_unlink(h[1], "db"), 0);
	ASSERT_EQ(count_segments(), 0);
	unit_finish();
}

/* ============================ the checker ============================ */

static u32 checked_violations(void)
{
	struct gns_check_report rep = { 0 };

	CU_ASSERT(gns_check(obs, &rep) == 0);
	return rep.violations;
}

static void test_checker_and_dangling(void)
{
	struct gns_recovery_report rep = { 0 };
	struct member_recovery rec = { 0 };
	struct gns_info info;
	struct gns_entry *e;
	char c;

	unit_setup();
	ASSERT_EQ(gns_create(h[0], "victim", GNS_TYPE_LOCK, &info), 0);
	ASSERT_EQ(checked_violations(), 0);
	/* A torn name byte: the name is not found, the checker sees it. */
	e = gns_entry(obs, info.index);
	c = e->name[2];
	e->name[2] = 'X';
	CU_ASSERT(checked_violations() >= 1);
	ASSERT_EQ(gns_lookup(h[1], "victim", NULL), -ENOENT);
	e->name[2] = c;
	ASSERT_EQ(checked_violations(), 0);
	/* A torn GID: found by name, refused by its CRC. */
	e->gid = cpu_to_le64(info.gid ^ 0x100);
	CU_ASSERT(checked_violations() >= 1);
	ASSERT_EQ(gns_lookup(h[1], "victim", NULL), -EUCLEAN);
	/* A GID gns never issued. */
	e->gid = cpu_to_le64(GNS_GID_BASE + 1000000);
	e->crc = cpu_to_le32(gns_entry_crc(e));
	CU_ASSERT(checked_violations() >= 1);
	e->gid = cpu_to_le64(info.gid);
	e->crc = cpu_to_le32(gns_entry_crc(e));

	/* A dead node holding the table lock: observers see, nodes repair. */
	ASSERT_EQ(glock_lock(gmm_glock_ctx(h[3]), &gns_hdr(obs)->lock), 0);
	unit_node_dies(3, false);
	CU_ASSERT(checked_violations() >= 1);
	ASSERT_EQ(gns_lookup(obs, "victim", NULL), -EOWNERDEAD);
	ASSERT_EQ(gns_lookup(h[1], "victim", NULL), 0);
	ASSERT_EQ(glock_state(&gns_hdr(obs)->lock), GLOCK_CONSISTENT);
	ASSERT_EQ(member_recover(h[1], 3, NULL), 0);
	unit_node_up(3);
	/* Recovery alone settles it: no lock names a dead incarnation. */
	ASSERT_EQ(glock_lock(gmm_glock_ctx(h[3]), &gns_hdr(obs)->lock), 0);
	unit_node_dies(3, false);
	ASSERT_EQ(member_recover(h[1], 3, NULL), 0);
	ASSERT_EQ(glock_owner(&gns_hdr(obs)->lock), 0);
	ASSERT_EQ(glock_state(&gns_hdr(obs)->lock), GLOCK_CONSISTENT);
	ASSERT_EQ(checked_violations(), 0);
	unit_node_up(3);

	/* Segments revoked with a lost partition lose their names. */
	ASSERT_EQ(gns_seg_create(h[2], "on-2", PG, 2, 1, NULL, NULL), 0);
	ASSERT_EQ(gns_seg_create(h[1], "on-1", PG, 1, 1, NULL, NULL), 0);
	unit_node_dies(2, true);
	/* The names stage of the recovery sequence removes them. */
	ASSERT_EQ(member_recover(h[0], 2, &rec), 0);
	ASSERT_EQ(rec.gns.dangling_removed, 1);
	ASSERT_EQ(checked_violations(), 0);
	ASSERT_EQ(gns_lookup(obs, "on-2", NULL), -ENOENT);
	ASSERT_EQ(gns_lookup(obs, "on-1", NULL), 0);
	ASSERT_EQ(gns_recover(h[1], 2, &rep), 0); /* idempotent */
	ASSERT_EQ(rep.dangling_removed, 0);
	/* The sweep made the counts exact: "on-1" is partition 1's one. */
	ASSERT_EQ(mcs_rd32(&gns_hdr(obs)->seg_names[1]), 1);
	ASSERT_EQ(mcs_rd32(&gns_hdr(obs)->seg_names[2]), 0);
	/* A count too low would skip a sweep: the checker says so. */
	mcs_wr32(&gns_hdr(obs)->seg_names[1], 0);
	CU_ASSERT(checked_violations() >= 1);
	mcs_wr32(&gns_hdr(obs)->seg_names[1], 1);
	ASSERT_EQ(checked_violations(), 0);
	unit_node_up(2);
	unit_finish();
}

/* ========================= the crash matrix ========================= */

static int m_ret;

/* Run @fn armed at @cp; true if the node "died" there. */
#define RUN_ARMED(cp, call)                         \
	({                                          \
		volatile bool died_ = false;        \
		armed_cp = (cp);                    \
		passed_commit = false;              \
		if (sigsetjmp(crash_env, 0)) {      \
			died_ = true;               \
		} else {                            \
			armed = true;               \
			m_ret = (call);             \
			armed = false;              \
		}                                   \
		died_;                              \
	})

#define VICTIM 3
#define HELPER 2 /* dies in repair / recovery scenarios */
#define REC 0

static unsigned int m_died[MCS_CP_COUNT];
static unsigned int m_k, m_failures;

/* The survivors recover everybody in @dead; then all rejoin. */
static void m_recover(u32 dead, bool lost)
{
	int n;

	for (n = 0; n < NODES; n++)
		if (dead & (1U << n))
			unit_node_dies(n, lost && n == VICTIM);
	for (n = 0; n < NODES; n++)
		if (dead & (1U << n))
			ASSERT_EQ(member_recover(h[REC], (u32)n, NULL), 0);
	ASSERT_CLEAN(obs);
	for (n = 0; n < NODES; n++)
		if (dead & (1U << n))
			unit_node_up(n);
}

/* A name and its segment exist both or neither. */
static int m_state(const char *name, struct gns_info *info)
{
	int ret = gns_lookup(obs, name, info);

	if (!ret && info->type == GNS_TYPE_SEGMENT)
		ASSERT_EQ(gmm_lookup(obs, info->gid, NULL), 0);
	return ret;
}

enum m_op { M_CREATE, M_SEG_CREATE, M_SEG_ABORT, M_UNLINK, M_SEG_UNLINK,
	    M_SEG_UNLINK_SHARED, M_REPAIR, M_RECOVER, M_NR_OPS };

static const char *const m_names[M_NR_OPS] = {
	"create", "segment create", "segment create that aborts", "unlink",
	"segment unlink", "unlink of a shared segment",
	"taking over a dead holder's lock", "recovery",
};

static void m_scenario(enum m_op op, int cp, bool lost)
{
	struct gmm_seg_info share = { 0 };
	struct gns_info before = { 0 }, after;
	u32 segs = count_segments(), dead = 0;
	char name[32];
	bool died, exists_before;
	int ret;

	memset(&after, 0, sizeof(after));

	snprintf(name, sizeof(name), "m-%u", m_k++);
	/* Unlinks need a name: made by the victim, placed on its partition. */
	if (op == M_UNLINK)
		ASSERT_EQ(gns_create(h[VICTIM], name, GNS_TYPE_LOCK, NULL), 0);
	if (op == M_SEG_UNLINK || op == M_SEG_UNLINK_SHARED) {
		ASSERT_EQ(gns_seg_create(h[VICTIM], name, PG, VICTIM, 5, NULL, NULL),
			  0);
		segs++;
	}
	if (op == M_SEG_UNLINK_SHARED)
		ASSERT_EQ(gns_seg_open(h[1], name, 9, &share), 0);
	exists_before = gns_lookup(obs, name, &before) == 0;

	switch (op) {
	case M_CREATE:
		died = RUN_ARMED(cp, gns_create(h[VICTIM], name,
						GNS_TYPE_EVENT, NULL));
		break;
	case M_SEG_CREATE:
		died = RUN_ARMED(cp, gns_seg_create(h[VICTIM], name, 2 * PG,
						    (m_k % 2) ? VICTIM : 1, 5,
						    NULL, NULL));
		break;
	case M_SEG_ABORT:
		died = RUN_ARMED(cp, gns_seg_create(h[VICTIM], name, 1ULL << 30,
						    VICTIM, 5, NULL, NULL));
		break;
	case M_REPAIR:
	case M_RECOVER:
		/*
		 * The victim dies holding the lock, its entry pending and its
		 * segment allocated; the helper dies at @cp taking the lock
		 * over (repair) or recovering the victim.
		 */
		died = RUN_ARMED(MCS_CP_GNS_SEG_DONE,
				 gns_seg_create(h[VICTIM], name, PG, 1, 5, NULL,
						NULL));
		CU_ASSERT_FATAL(died);
		m_died[MCS_CP_GNS_SEG_DONE]++;
		unit_node_dies(VICTIM, lost);
		if (op == M_REPAIR)
			died = RUN_ARMED(cp, gns_lookup(h[HELPER], name, NULL));
		else
			died = RUN_ARMED(cp, member_recover(h[HELPER], VICTIM, NULL));
		if (died) {
			m_died[cp]++;
			unit_node_dies(HELPER, false);
			ASSERT_EQ(member_recover(h[REC], HELPER, NULL), 0);
		}
		ASSERT_EQ(member_recover(h[REC], VICTIM, NULL), 0);
		unit_node_up(VICTIM);
		if (died)
			unit_node_up(HELPER);
		goto check;
	default:
		died = RUN_ARMED(cp, gns_unlink(h[VICTIM], name));
		break;
	}
	if (!died)
		ASSERT_EQ(m_ret, op == M_SEG_ABORT ? -EFBIG : 0);
	if (died) {
		m_died[cp]++;
		dead |= 1U << VICTIM;
	}
	m_recover(dead, lost);
check:
	ASSERT_CLEAN(obs);
	ret = m_state(name, &after);
	switch (op) {
	case M_CREATE:
	case M_SEG_CREATE:
		if (passed_commit && !(lost && op == M_SEG_CREATE))
			ASSERT_EQ(ret, 0);
		break;
	case M_SEG_ABORT:
		ASSERT_EQ(ret, -ENOENT);
		break;
	case M_REPAIR:
	case M_RECOVER:
		/* Its segment (not on the victim's partition) was committed. */
		ASSERT_EQ(ret, 0);
		break;
	case M_UNLINK:
	case M_SEG_UNLINK:
	case M_SEG_UNLINK_SHARED:
		CU_ASSERT(exists_before);
		if (passed_commit || !died)
			ASSERT_EQ(ret, -ENOENT);
		if (!ret)
			ASSERT_EQ(after.gid, before.gid);
		break;
	default:
		break;
	}
	/* Leave nothing behind: the next scenario starts from the same place. */
	if (!ret || exists_before)
		gmm_release(h[VICTIM], !ret ? after.gid : before.gid, 5,
			    GMM_SHARER_ANY);
	if (!ret)
		ASSERT_EQ(gns_unlink(h[1], name), 0);
	if (share.gid)
		gmm_release(h[1], share.gid, 9, share.sharer);
	ASSERT_EQ(count_segments(), segs - (op == M_SEG_UNLINK ||
					    op == M_SEG_UNLINK_SHARED ? 1 : 0));
	ASSERT_CLEAN(obs);
	if (CU_get_number_of_failures() != m_failures)
		fprintf(stderr, "    (after: %s at %s, memory %s)\n", m_names[op],
			mcs_crash_point_names[cp], lost ? "lost" : "kept");
}

static void test_crash_matrix(void)
{
	unsigned int scenarios = 0, crashes = 0;
	int op, cp, lost;

	unit_setup();
	m_failures = CU_get_number_of_failures();
	commit_cp = MCS_CP_GNS_COMMITTED;
	mcs_crash_hook = unit_crash_hook;
	for (op = 0; op < M_NR_OPS; op++)
		for (lost = 0; lost < 2; lost++)
			for (cp = 0; cp < MCS_CP_COUNT; cp++) {
				scenarios++;
				m_scenario(op, cp, lost);
				if (CU_get_number_of_failures() != m_failures)
					goto out;
			}
out:
	mcs_crash_hook = NULL;
	for (cp = 0; cp < MCS_CP_COUNT; cp++)
		crashes += m_died[cp];
	printf("\n    gns crash matrix: %u scenarios, %u crashes\n", scenarios,
	       crashes);
	unit_assert_crash_points(m_died, MCS_CP_GNS_GID_TAKEN, MCS_CP_COUNT,
				 "died at");
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "name rules", test_name_rules },
		{ "create, lookup, unlink", test_create_lookup_unlink },
		{ "list", test_list },
		{ "table full, tombstone churn", test_table_full },
		{ "GIDs unique, never reused", test_gid_unique },
		{ "segments by name, unlink while in use", test_seg_by_name },
		{ "checker; names of revoked segments", test_checker_and_dangling },
		{ "crash matrix", test_crash_matrix },
	};

	return unit_run("gns", tests, ARRAY_SIZE(tests));
}
