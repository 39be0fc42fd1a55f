// SPDX-License-Identifier: GPL-2.0
/*
 * usage.c - per-uid limits on what a user holds in the cluster: segments,
 * their pages, names, and global mutexes and events (Documentation/uapi.md,
 * "Limits"). The counts and limits live in the fabric's usage table
 * (drivers/gmm/usage.c), so every node judges a uid by the same numbers.
 *
 * A user's objects are charged to their owner before they are made and
 * credited after they are gone, under the owner's usage lock, taken
 * before any table lock. A crash leaves a count too high, never too low;
 * the count is made again from the tables when the lock comes back from
 * a dead holder, and before a user is refused at a limit, so a count left
 * high (a crash, a segment revoked with a lost partition, a name whose
 * object went first) never refuses anybody. That recount walks the
 * tables; only a user at a limit pays for it.
 *
 * CAP_SYS_RESOURCE is not held to the limits; its objects are counted.
 */
#include "uapi_internal.h"

/* Is a name's object @uid's? Inside mcs_enter(). */
static bool mcs_name_owned(struct gmm_region *r, struct gsync_table *t,
			   const struct gns_info *ni, u32 uid)
{
	struct gmm_seg_info info;
	struct mcs_seg_owner o;
	struct gsync_handle h;
	struct gsync_owner so;

	if (ni->type == GNS_TYPE_SEGMENT) {
		if (gmm_lookup(r, ni->gid, &info))
			return false;
		mcs_owner_read(r, &info, &o);
		return o.uid == uid;
	}
	return !gsync_open(t, ni->gid, &h) && !gsync_owner(t, &h, &so) &&
	       so.uid == uid;
}

/* Count what @uid holds, from the tables; inside mcs_enter(). */
static void mcs_usage_count(struct gmm_region *r, u32 uid, u64 *used)
{
	struct gmm_seg_info info;
	struct mcs_seg_owner o;
	struct gsync_handle h;
	struct gsync_owner so;
	struct gsync_table t;
	struct gns_info ni;
	u32 cur;
	int ret;

	memset(used, 0, GMM_USAGE_KINDS * sizeof(*used));
	for (cur = 0; (ret = gmm_seg_list(r, &cur, &info)) != -ENOENT;) {
		/* A corrupt entry: the cursor is past it. Else give up. */
		if (ret == -EUCLEAN)
			continue;
		if (ret)
			break;
		mcs_owner_read(r, &info, &o);
		if (o.uid != uid)
			continue;
		used[GMM_USAGE_SEGMENTS]++;
		used[GMM_USAGE_PAGES] += info.size >> PAGE_SHIFT;
	}
	gsync_table_of(r, &t);
	for (h.idx = 0; h.idx < t.nr; h.idx++) {
		h.gid = le64_to_cpu(READ_ONCE(t.objs[h.idx].gid));
		if (h.gid && !gsync_owner(&t, &h, &so) && so.uid == uid)
			used[GMM_USAGE_SYNCS]++;
	}
	for (cur = 0; !gns_list(r, &cur, &ni);)
		if (mcs_name_owned(r, &t, &ni, uid))
			used[GMM_USAGE_NAMES]++;
}

/*
 * Take @uid's usage lock, counting again if a holder died; inside
 * mcs_enter(), before any table lock.
 */
int mcs_usage_lock(struct gmm_region *r, u32 uid, u32 *idx)
{
	u64 used[GMM_USAGE_KINDS];
	int ret = gmm_usage_lock(r, uid, idx);

	if (ret != -EOWNERDEAD)
		return ret;
	mcs_usage_count(r, uid, used);
	gmm_usage_set(r, *idx, used);
	return 0;
}

/*
 * Charge @uid (locked as @idx) for what it is about to make: -EDQUOT past
 * a limit, once the count is made again. Inside mcs_enter().
 */
static int mcs_usage_charge(struct gmm_region *r, u32 uid, u32 idx,
			    const s64 *delta)
{
	bool enforce = !capable(CAP_SYS_RESOURCE);
	u64 used[GMM_USAGE_KINDS];
	int ret;

	ret = gmm_usage_charge(r, idx, delta, enforce);
	if (ret != -EDQUOT)
		return ret;
	mcs_usage_count(r, uid, used);
	gmm_usage_set(r, idx, used);
	return gmm_usage_charge(r, idx, delta, enforce);
}

/*
 * Before making an object worth @cost for @uid: its usage lock, then the
 * charge (-EDQUOT past a limit). On success the lock is held until
 * mcs_usage_made(). Inside mcs_enter(), before any table lock.
 */
int mcs_usage_begin(struct gmm_region *r, u32 uid, const s64 *cost, u32 *idx)
{
	int ret = mcs_usage_lock(r, uid, idx);

	if (ret)
		return ret;
	ret = mcs_usage_charge(r, uid, *idx, cost);
	if (ret)
		gmm_usage_unlock(r, *idx);
	return ret;
}

/* After mcs_usage_begin(): @made is how the making ended (0: made). */
void mcs_usage_made(struct gmm_region *r, u32 idx, const s64 *cost, int made)
{
	if (made)
		mcs_usage_credit(r, idx, cost);
	gmm_usage_unlock(r, idx);
}

/* Give @uid back what it was charged (@delta, as charged); locked. */
void mcs_usage_credit(struct gmm_region *r, u32 idx, const s64 *delta)
{
	s64 back[GMM_USAGE_KINDS];
	u32 k;

	for (k = 0; k < GMM_USAGE_KINDS; k++)
		back[k] = -delta[k];
	gmm_usage_charge(r, idx, back, false);
}

/* What a segment of @bytes (its descriptor page too) and a name cost. */
void mcs_usage_of_seg(s64 *delta, u64 bytes, bool named)
{
	memset(delta, 0, GMM_USAGE_KINDS * sizeof(*delta));
	delta[GMM_USAGE_SEGMENTS] = 1;
	delta[GMM_USAGE_PAGES] = bytes >> PAGE_SHIFT;
	delta[GMM_USAGE_NAMES] = named;
}

void mcs_usage_of_sync(s64 *delta, bool named)
{
	memset(delta, 0, GMM_USAGE_KINDS * sizeof(*delta));
	delta[GMM_USAGE_SYNCS] = 1;
	delta[GMM_USAGE_NAMES] = named;
}

/* The caller's uid, as objects record it. */
u32 mcs_usage_me(void)
{
	return from_kuid_munged(&init_user_ns, current_fsuid());
}
