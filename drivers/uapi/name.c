// SPDX-License-Identifier: GPL-2.0
/*
 * name.c - /dev/mcs names: segments created and opened by name, unlink
 * and lookup of any name. The commands are documented at the top of
 * uapi_kmod.c.
 */
#include "uapi_internal.h"

/* Copy in a name argument and its name; everything after mode is output. */
static int mcs_name_copy_in(struct mcs_name *a, void __user *uarg, u32 flags,
			    bool create, char *name)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, MCS_NAME_SIZE_VER0, flags);

	if (ret)
		return ret;
	if (a->type || a->gid ||
	    !mcs_zero(&a->mmap_offset,
		      sizeof(*a) - offsetof(struct mcs_name, mmap_offset)))
		return -EINVAL;
	if (!create && (a->size || a->place || a->mode))
		return -EINVAL;
	if (!a->name_len)
		return -EINVAL;
	/* One more byte for a leading '/', which is not part of the name. */
	if (a->name_len > MCS_NAME_MAX + 1)
		return -ENAMETOOLONG;
	if (copy_from_user(name, u64_to_user_ptr(a->name), a->name_len))
		return -EFAULT;
	name[a->name_len] = '\0';
	if (strlen(name) != a->name_len)
		return -EINVAL;
	return gns_name_check(name);
}

static void mcs_name_out(struct mcs_name *a, const struct gmm_seg_info *info,
			 const struct mcs_seg_owner *o, bool writable)
{
	a->type = MCS_NAME_T_SEGMENT;
	a->gid = info->gid;
	a->size = o->size;
	a->mmap_offset = info->offset;
	a->owner_uid = o->uid;
	a->owner_gid = o->gid;
	a->mode = o->mode;
	a->home = info->part;
	a->nr_sharers = info->nr_sharers;
	a->state = writable ? MCS_SEG_S_WRITABLE : 0;
}

int uapi_name_seg_create(struct mcs_client *c, void __user *uarg)
{
	s64 cost[GMM_USAGE_KINDS];
	u32 uid = mcs_usage_me(), uidx;
	char name[MCS_NAME_MAX + 2];
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_share *s;
	struct mcs_name a;
	int ret;

	ret = mcs_name_copy_in(&a, uarg, 0, true, name);
	if (ret)
		return ret;
	if (!a.size || !PAGE_ALIGNED(a.size) || a.size > U64_MAX - PAGE_SIZE ||
	    a.mode & ~MCS_SEG_MODE_MASK || a.place < MCS_PLACE_MOST_FREE)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;

	mutex_lock(&c->lock);
	ret = mcs_enter(&r);
	if (ret)
		goto out_unlock;
	/* One more page for the descriptor, out of reach of mmap. */
	mcs_usage_of_seg(cost, a.size + PAGE_SIZE, true);
	ret = mcs_usage_begin(r, uid, cost, &uidx);
	if (ret)
		goto out_end;
	ret = gns_seg_create_prepared(r, name, a.size + PAGE_SIZE, a.place,
				      c->pid, &mcs_desc_prep, &info, NULL);
	mcs_usage_made(r, uidx, cost, ret);
	if (ret)
		goto out_end;
	mcs_share_made(c, s, r, &info, a.size, a.mode, &o);
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_name_out(&a, &info, &o, true);
	return MCS_ABI_COPY_OUT(uarg, a);

out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

int uapi_name_seg_open(struct mcs_client *c, void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_share *s;
	struct mcs_name a;
	bool writable;
	int ret;

	ret = mcs_name_copy_in(&a, uarg, MCS_SEG_RDONLY, false, name);
	if (ret)
		return ret;
	writable = !(a.flags & MCS_SEG_RDONLY);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;

	mutex_lock(&c->lock);
	ret = mcs_enter(&r);
	if (ret)
		goto out_unlock;
	/* The GID is known once the share is: acquire, then judge. */
	ret = gns_seg_open(r, name, c->pid, &info);
	if (ret)
		goto out_end;
	ret = -EALREADY;
	if (mcs_share_find(c, info.gid))
		goto out_release;
	ret = mcs_share_judged(c, s, r, &info, writable, &o);
	if (ret)
		goto out_end;
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_name_out(&a, &info, &o, writable);
	return MCS_ABI_COPY_OUT(uarg, a);

out_release:
	gmm_release(r, info.gid, c->pid, info.sharer);
out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

/* A name made again this often during one unlink: -EAGAIN. */
#define MCS_UNLINK_TRIES 16

int uapi_name_unlink(void __user *uarg)
{
	s64 cost[GMM_USAGE_KINDS];
	char name[MCS_NAME_MAX + 2];
	bool owned;
	u32 uidx;
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gns_info ni;
	struct gmm_region *r;
	struct mcs_name a;
	int ret, tries;

	ret = mcs_name_copy_in(&a, uarg, 0, false, name);
	if (ret)
		return ret;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	/*
	 * Judge what the name names, unlink only if it still names that;
	 * credit the owner of what it named (none: its object went first).
	 */
	for (tries = 0; tries < MCS_UNLINK_TRIES; tries++) {
		ret = gns_lookup(r, name, &ni);
		if (ret)
			break;
		ret = -EPERM;
		owned = false;
		memset(cost, 0, sizeof(cost));
		if (ni.type == GNS_TYPE_SEGMENT &&
		    !gmm_lookup(r, ni.gid, &info)) {
			mcs_owner_read(r, &info, &o);
			owned = true;
			mcs_usage_of_seg(cost, info.size, true);
			if (mcs_is_owner(&o))
				ret = 0;
		} else if (ni.type != GNS_TYPE_SEGMENT &&
			   !mcs_sync_owner_uid(r, ni.gid, &o.uid)) {
			owned = true;
			cost[GMM_USAGE_NAMES] = 1;
			if (capable(CAP_SYS_ADMIN) || o.uid == mcs_usage_me())
				ret = 0;
		} else if (capable(CAP_SYS_ADMIN)) {
			ret = 0;
		}
		if (ret)
			break;
		if (owned) {
			ret = mcs_usage_lock(r, o.uid, &uidx);
			if (ret)
				break;
		}
		ret = gns_unlink_gid(r, name, ni.gid);
		if (owned) {
			if (!ret)
				mcs_usage_credit(r, uidx, cost);
			gmm_usage_unlock(r, uidx);
		}
		if (ret != -ESTALE)
			break;
	}
	mcs_access_end();
	return ret == -ESTALE ? -EAGAIN : ret;
}

int uapi_name_lookup(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct gns_info ni;
	struct gmm_region *r;
	struct mcs_name a;
	int ret;

	ret = mcs_name_copy_in(&a, uarg, 0, false, name);
	if (ret)
		return ret;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	ret = gns_lookup(r, name, &ni);
	mcs_access_end();
	if (ret)
		return ret;
	a.type = ni.type;
	a.gid = ni.gid;
	return MCS_ABI_COPY_OUT(uarg, a);
}
