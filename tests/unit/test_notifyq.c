// SPDX-License-Identifier: GPL-2.0
/*
 * test_notifyq - proves that a subscriber's record queue (the one behind
 * every subscribed /dev/mcs file) loses nothing silently:
 *
 *   - records come out in the order they went in, whole and unchanged;
 *   - with the queue full, the records that do not fit come out as one
 *     MCS_EV_OVERRUN (seq: the first missed, arg: how many) after the
 *     ones kept, and never a record from after the gap before it;
 *   - reading makes room: the gap takes the first free slot as its
 *     OVERRUN record (what comes while it is the only room is a gap of
 *     its own) and newer records queue behind it;
 *   - an OVERRUN of the event service (the cluster log lapped the node)
 *     passes through, and counts as the records it stands for when the
 *     queue is full too;
 *   - pending says whether a read would find something.
 */
#include "unit.h"
#include "events/notifyq.h"

static struct mcs_notifyq q;

static void push(u64 seq, u32 type)
{
	struct mcs_event ev = {
		.seq = seq, .type = type, .node = (u32)seq % 7,
		.incarnation = (u32)seq + 1, .flags = 0, .arg = seq * 3,
	};

	mcs_notifyq_push(&q, &ev);
}

/* Read one record; it must be the event push(seq, type) made. */
static void expect(u64 seq, u32 type)
{
	struct mcs_notify_rec rec;

	CU_ASSERT_FATAL(mcs_notifyq_peek(&q, &rec));
	mcs_notifyq_pop(&q);
	ASSERT_EQ(rec.size, sizeof(struct mcs_notify_rec));
	ASSERT_EQ(rec.seq, seq);
	ASSERT_EQ(rec.type, type);
	ASSERT_EQ(rec.node, (u32)seq % 7);
	ASSERT_EQ(rec.incarnation, (u32)seq + 1);
	ASSERT_EQ(rec.arg, seq * 3);
	ASSERT_EQ(rec.reserved0, 0);
}

static void expect_overrun(u64 seq, u64 missed)
{
	struct mcs_notify_rec rec;

	CU_ASSERT_FATAL(mcs_notifyq_peek(&q, &rec));
	mcs_notifyq_pop(&q);
	ASSERT_EQ(rec.type, MCS_EV_OVERRUN);
	ASSERT_EQ(rec.seq, seq);
	ASSERT_EQ(rec.arg, missed);
}

static void expect_empty(void)
{
	struct mcs_notify_rec rec;

	CU_ASSERT(!mcs_notifyq_pending(&q));
	CU_ASSERT(!mcs_notifyq_peek(&q, &rec));
}

static void test_order(void)
{
	u64 s;

	memset(&q, 0, sizeof(q));
	expect_empty();
	for (s = 1; s <= 3; s++)
		push(s, MCS_EV_NODE_DOWN + (u32)s % 4);
	CU_ASSERT(mcs_notifyq_pending(&q));
	/* A peek leaves the record where it is. */
	{
		struct mcs_notify_rec a, b;

		CU_ASSERT(mcs_notifyq_peek(&q, &a));
		CU_ASSERT(mcs_notifyq_peek(&q, &b));
		CU_ASSERT(!memcmp(&a, &b, sizeof(a)));
	}
	for (s = 1; s <= 3; s++)
		expect(s, MCS_EV_NODE_DOWN + (u32)s % 4);
	expect_empty();
	/* Round and round the ring. */
	for (s = 10; s < 10 + 5 * MCS_NOTIFYQ_LEN; s++) {
		push(s, MCS_EV_NODE_UP);
		expect(s, MCS_EV_NODE_UP);
	}
	expect_empty();
}

static void test_full(void)
{
	u64 s;

	memset(&q, 0, sizeof(q));
	for (s = 1; s <= MCS_NOTIFYQ_LEN + 10; s++)
		push(s, MCS_EV_NODE_DOWN);
	for (s = 1; s <= MCS_NOTIFYQ_LEN; s++)
		expect(s, MCS_EV_NODE_DOWN);
	CU_ASSERT(mcs_notifyq_pending(&q));
	expect_overrun(MCS_NOTIFYQ_LEN + 1, 10);
	expect_empty();
}

static void test_resume_behind_gap(void)
{
	u64 s, last = MCS_NOTIFYQ_LEN + 6;

	memset(&q, 0, sizeof(q));
	for (s = 1; s <= last; s++)
		push(s, MCS_EV_RECOVERY_DONE);
	/* Room for one: the gap takes it, the new record is missed. */
	expect(1, MCS_EV_RECOVERY_DONE);
	push(last + 1, MCS_EV_NODE_UP);
	/* Room for two: that gap, then the newest record behind it. */
	expect(2, MCS_EV_RECOVERY_DONE);
	expect(3, MCS_EV_RECOVERY_DONE);
	push(last + 2, MCS_EV_NODE_UP);
	for (s = 4; s <= MCS_NOTIFYQ_LEN; s++)
		expect(s, MCS_EV_RECOVERY_DONE);
	expect_overrun(MCS_NOTIFYQ_LEN + 1, 6);
	expect_overrun(last + 1, 1);
	expect(last + 2, MCS_EV_NODE_UP);
	expect_empty();
}

static void test_service_overrun(void)
{
	struct mcs_event ev = { .seq = 5, .type = MCS_EV_OVERRUN, .arg = 40 };
	u64 s;

	memset(&q, 0, sizeof(q));
	mcs_notifyq_push(&q, &ev);
	expect_overrun(5, 40);
	expect_empty();
	/* Full: the service's overrun adds what it stands for. */
	for (s = 1; s <= MCS_NOTIFYQ_LEN + 1; s++)
		push(s, MCS_EV_RESOURCE_LOST);
	ev.seq = MCS_NOTIFYQ_LEN + 2;
	mcs_notifyq_push(&q, &ev);
	for (s = 1; s <= MCS_NOTIFYQ_LEN; s++)
		expect(s, MCS_EV_RESOURCE_LOST);
	expect_overrun(MCS_NOTIFYQ_LEN + 1, 41);
	expect_empty();
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "order", test_order },
		{ "full: one overrun after the kept", test_full },
		{ "reading makes room behind the gap", test_resume_behind_gap },
		{ "the service's overrun", test_service_overrun },
	};

	return unit_run("notifyq", tests, ARRAY_SIZE(tests));
}
