// SPDX-License-Identifier: GPL-2.0
/*
 * test_lease - proves the fabric leases of drivers/member/lease.c, on
 * which fencing rests (Documentation/control.md, "Fencing"):
 *
 *   - a node that holds no lease (joined without a daemon, or released
 *     it) is recoverable at once;
 *   - a held lease makes an observer wait the region's lease time from
 *     when it first saw the word's value, each renewal starting that
 *     wait again, and only that incarnation's lease counts;
 *   - a node whose lease word someone else overwrote may not renew it;
 *   - the lease time is the one given at format, and out-of-range
 *     values are refused.
 */
#include "unit.h"
#include "member/member.h"

#define MS 1000000ULL

static void setup(u32 lease_ms)
{
	struct gmm_format_params fp = { .nr_parts = NODES,
					.lease_ms = lease_ms };

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
}

static void test_unheld(void)
{
	struct member_lease_view v = { 0 };
	u32 inc;

	setup(0);
	inc = gmm_self_incarnation(h[1]);
	/* Joined without a daemon: count 0. */
	ASSERT_EQ(member_lease_set(h[1], false), 0);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, 5 * MS), 0);
	/* Held, then given back when leaving on purpose. */
	ASSERT_EQ(member_lease_set(h[1], true), 0);
	memset(&v, 0, sizeof(v));
	CU_ASSERT(member_lease_wait_ns(h[0], 1, inc, &v, 5 * MS) != 0);
	ASSERT_EQ(member_lease_set(h[1], false), 0);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, 6 * MS), 0);
	unit_finish();
}

static void test_held(void)
{
	struct member_lease_view v = { 0 };
	u64 t0 = 1000 * MS, lease = MCS_LEASE_MS_DEFAULT * MS;
	u32 inc;

	setup(0);
	inc = gmm_self_incarnation(h[1]);
	ASSERT_EQ(member_lease_set(h[1], true), 0);
	/* First sight: the whole lease to wait. */
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, t0), lease);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, t0 + lease / 2),
		  lease - lease / 2);
	/* A renewal starts it again. */
	ASSERT_EQ(member_lease_renew(h[1]), 0);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, t0 + lease - 1), lease);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, t0 + 2 * lease - 2), 1);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc, &v, t0 + 2 * lease - 1), 0);
	/* Another incarnation's lease says nothing about this one. */
	ASSERT_EQ(member_lease_renew(h[1]), 0);
	ASSERT_EQ(member_lease_wait_ns(h[0], 1, inc + 1, &v, t0 + 3 * lease), 0);
	/* Overwritten by someone else: the holder must stop. */
	mcs_wr64(gmm_lease_word(h[0], 1), 0);
	ASSERT_EQ(member_lease_renew(h[1]), -ESTALE);
	ASSERT_EQ(member_lease_wait_ns(h[0], NODES, inc, &v, t0), 0);
	unit_finish();
}

static void test_format(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };
	struct gmm_geometry g;

	setup(250);
	gmm_get_geometry(h[0], &g);
	ASSERT_EQ(g.lease_ms, 250);
	fp.lease_ms = MCS_LEASE_MS_MIN - 1;
	ASSERT_EQ(gmm_format(omap, fab.size, &fp), -EINVAL);
	fp.lease_ms = MCS_LEASE_MS_MAX + 1;
	ASSERT_EQ(gmm_format(omap, fab.size, &fp), -EINVAL);
	unit_finish();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "no lease held: recoverable at once", test_unheld },
		{ "a held lease is waited out, renewals restart it", test_held },
		{ "the lease time comes from the format", test_format },
	};

	return unit_run("lease", tests, ARRAY_SIZE(tests));
}
