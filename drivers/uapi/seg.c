// SPDX-License-Identifier: GPL-2.0
/*
 * seg.c - /dev/mcs segments: create, open, release, destroy and stat; the
 * owner and mode kept in each segment's descriptor page; the shares an
 * open file holds. The commands are documented at the top of uapi_kmod.c.
 */
#include "uapi_internal.h"

static struct mcs_seg_desc *mcs_desc_ptr(struct gmm_region *r,
					 const struct gmm_seg_info *info)
{
	return (struct mcs_seg_desc *)((u8 *)gmm_seg_ptr(r, info) +
				       info->size - PAGE_SIZE);
}

/* Read the owner of a segment; inside mcs_enter(). */
void mcs_owner_read(struct gmm_region *r,
		    const struct gmm_seg_info *info,
		    struct mcs_seg_owner *o)
{
	struct mcs_seg_desc *d;

	o->uid = 0;
	o->gid = 0;
	o->mode = 0600;
	o->size = info->size;
	if (info->size < 2 * PAGE_SIZE)
		return;
	d = mcs_desc_ptr(r, info);
	if (smp_load_acquire(&d->magic) != cpu_to_le64(MCS_DESC_MAGIC) ||
	    le64_to_cpu(READ_ONCE(d->gid)) != info->gid)
		return;
	o->size = le64_to_cpu(READ_ONCE(d->size));
	/* A descriptor is never trusted to widen the mapping. */
	if (o->size > info->size - PAGE_SIZE || !PAGE_ALIGNED(o->size)) {
		o->size = info->size;
		return;
	}
	o->uid = le32_to_cpu(READ_ONCE(d->uid));
	o->gid = le32_to_cpu(READ_ONCE(d->gid_owner));
	o->mode = le32_to_cpu(READ_ONCE(d->mode)) & MCS_SEG_MODE_MASK;
}

/* May the caller read (4) and/or write (2) a segment of this owner? */
int mcs_permit(const struct mcs_seg_owner *o, u32 want)
{
	u32 mode = o->mode;

	if (capable(CAP_SYS_ADMIN))
		return 0;
	if (uid_eq(current_fsuid(), make_kuid(&init_user_ns, o->uid)))
		mode >>= 6;
	else if (in_group_p(make_kgid(&init_user_ns, o->gid)))
		mode >>= 3;
	return (mode & want) == want ? 0 : -EACCES;
}

bool mcs_is_owner(const struct mcs_seg_owner *o)
{
	return capable(CAP_SYS_ADMIN) ||
	       uid_eq(current_fsuid(), make_kuid(&init_user_ns, o->uid));
}

struct mcs_share *mcs_share_find(struct mcs_client *c, u64 gid)
{
	struct mcs_share *s;

	list_for_each_entry(s, &c->shares, node)
		if (s->gid == gid)
			return s;
	return NULL;
}

static void mcs_seg_out(struct mcs_seg *a, const struct gmm_seg_info *info,
			const struct mcs_seg_owner *o, bool writable)
{
	a->size = o->size;
	a->mmap_offset = info->offset;
	a->owner_uid = o->uid;
	a->owner_gid = o->gid;
	a->mode = o->mode;
	a->home = info->part;
	a->nr_sharers = info->nr_sharers;
	a->state = writable ? MCS_SEG_S_WRITABLE : 0;
}

/* Copy in a segment argument; everything after mode is output. */
static int mcs_seg_copy_in(struct mcs_seg *a, void __user *uarg, u32 flags,
			   bool create)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, MCS_SEG_SIZE_VER0, flags);

	if (ret)
		return ret;
	if (!mcs_zero(&a->mmap_offset,
		      sizeof(*a) - offsetof(struct mcs_seg, mmap_offset)))
		return -EINVAL;
	if (!create && (a->size || a->place || a->mode))
		return -EINVAL;
	if (a->gid == MCS_GID_NONE || a->gid == MCS_GID_INVALID)
		return -EINVAL;
	/*
	 * GIDs of the names' range are issued by gns only, and never twice:
	 * a segment made by GID there could take the GID a name still holds
	 * after its segment went, and that name's unlink would destroy it.
	 */
	if (create && (a->gid & GNS_GID_BASE))
		return -EINVAL;
	return 0;
}

/*
 * Before a new segment can be found (gmm_alloc_prepared()): clear its
 * descriptor page, so that no opener believes what the pages held before
 * (another user's descriptor, or one forged to be found there). Until
 * mcs_desc_write() the segment is root's, mode 0600.
 */
static void mcs_desc_clear(struct gmm_region *r,
			   const struct gmm_seg_info *info, void *arg)
{
	memset(mcs_desc_ptr(r, info), 0, PAGE_SIZE);
}

const struct gmm_seg_prep mcs_desc_prep = { .fn = mcs_desc_clear };

/* Write the descriptor of a new segment; inside mcs_enter(). */
static void mcs_desc_write(struct gmm_region *r,
			   const struct gmm_seg_info *info, u64 size, u32 mode)
{
	struct mcs_seg_desc *d;

	gmm_seg_zero(r, info);
	d = mcs_desc_ptr(r, info);
	d->gid = cpu_to_le64(info->gid);
	d->size = cpu_to_le64(size);
	d->uid = cpu_to_le32(from_kuid_munged(&init_user_ns, current_fsuid()));
	d->gid_owner = cpu_to_le32(from_kgid_munged(&init_user_ns,
						    current_fsgid()));
	d->mode = cpu_to_le32(mode);
	smp_store_release(&d->magic, cpu_to_le64(MCS_DESC_MAGIC));
}

/* Record a share granted to @c; inside mcs_enter(), c->lock held. */
static void mcs_share_add(struct mcs_client *c, struct mcs_share *s,
			  struct gmm_region *r, const struct gmm_seg_info *info,
			  const struct mcs_seg_owner *o, bool writable)
{
	mcs_fabric_phys(&s->phys);
	s->phys += info->offset;
	s->gid = info->gid;
	s->sharer = info->sharer;
	s->offset = info->offset;
	s->epoch = c->epoch;
	s->size = o->size;
	s->writable = writable;
	gmm_seg_stamp(r, info, &s->stamp);
	list_add(&s->node, &c->shares);
}

/*
 * A segment just made for @c (@info, @size mappable bytes): write its
 * descriptor with the caller as owner and @mode, and keep the creator's
 * writable share in @s. Inside mcs_enter(), under c->lock.
 */
void mcs_share_made(struct mcs_client *c, struct mcs_share *s,
		    struct gmm_region *r, const struct gmm_seg_info *info,
		    u64 size, u32 mode, struct mcs_seg_owner *o)
{
	mcs_desc_write(r, info, size, mode);
	mcs_owner_read(r, info, o);
	mcs_share_add(c, s, r, info, o, true);
}

/*
 * A share of @info just acquired for @c: judge it by the segment's owner
 * and mode (read, and write if @writable) and keep it in @s, or give it
 * back (-EACCES). Acquired first so that the descriptor read is of what
 * is held. Inside mcs_enter(), under c->lock.
 */
int mcs_share_judged(struct mcs_client *c, struct mcs_share *s,
		     struct gmm_region *r, const struct gmm_seg_info *info,
		     bool writable, struct mcs_seg_owner *o)
{
	int ret;

	mcs_owner_read(r, info, o);
	ret = mcs_permit(o, writable ? 6 : 4);
	if (ret) {
		gmm_release(r, info->gid, c->pid, info->sharer);
		return ret;
	}
	mcs_share_add(c, s, r, info, o, writable);
	return 0;
}

int uapi_seg_create(struct mcs_client *c, void __user *uarg)
{
	s64 cost[GMM_USAGE_KINDS];
	u32 uid = mcs_usage_me(), uidx;
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_share *s;
	struct mcs_seg a;
	int ret;

	ret = mcs_seg_copy_in(&a, uarg, 0, true);
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
	mcs_usage_of_seg(cost, a.size + PAGE_SIZE, false);
	ret = mcs_usage_begin(r, uid, cost, &uidx);
	if (ret)
		goto out_end;
	ret = gmm_alloc_prepared(r, a.gid, a.size + PAGE_SIZE, a.place, c->pid,
				 &mcs_desc_prep, &info);
	mcs_usage_made(r, uidx, cost, ret);
	if (ret)
		goto out_end;
	mcs_share_made(c, s, r, &info, a.size, a.mode, &o);
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_seg_out(&a, &info, &o, true);
	/* The share stays: the caller can still release or destroy it. */
	return MCS_ABI_COPY_OUT(uarg, a);

out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

int uapi_seg_open(struct mcs_client *c, void __user *uarg)
{
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_share *s;
	struct mcs_seg a;
	bool writable;
	int ret;

	ret = mcs_seg_copy_in(&a, uarg, MCS_SEG_RDONLY, false);
	if (ret)
		return ret;
	writable = !(a.flags & MCS_SEG_RDONLY);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;

	mutex_lock(&c->lock);
	ret = -EALREADY;
	if (mcs_share_find(c, a.gid))
		goto out_unlock;
	ret = mcs_enter(&r);
	if (ret)
		goto out_unlock;
	ret = gmm_acquire(r, a.gid, c->pid, &info);
	if (!ret)
		ret = mcs_share_judged(c, s, r, &info, writable, &o);
	if (ret)
		goto out_end;
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_seg_out(&a, &info, &o, writable);
	return MCS_ABI_COPY_OUT(uarg, a);

out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

int uapi_seg_release(struct mcs_client *c, void __user *uarg)
{
	struct gmm_region *r;
	struct mcs_share *s;
	struct mcs_seg a;
	int ret;

	ret = mcs_seg_copy_in(&a, uarg, 0, false);
	if (ret)
		return ret;
	mutex_lock(&c->lock);
	ret = -ENOENT;
	s = mcs_share_find(c, a.gid);
	if (!s)
		goto out_unlock;
	ret = -EBUSY;
	if (atomic_read(&s->maps))
		goto out_unlock;
	ret = mcs_enter(&r);
	if (ret)
		goto out_unlock;
	ret = gmm_release(r, s->gid, c->pid, s->sharer);
	mcs_access_end();
	/* -ENXIO: the memory was lost, and the share with it. */
	if (!ret || ret == -ENXIO) {
		list_del(&s->node);
		kfree(s);
		ret = 0;
	}
out_unlock:
	mutex_unlock(&c->lock);
	return ret;
}

int uapi_seg_destroy(void __user *uarg)
{
	s64 cost[GMM_USAGE_KINDS];
	struct mcs_seg_owner o;
	u32 uidx;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_seg a;
	int ret;

	ret = mcs_seg_copy_in(&a, uarg, 0, false);
	if (ret)
		return ret;
	/*
	 * A named segment goes with its name (NAME_UNLINK): destroyed by GID
	 * it would leave the name naming nothing, which the checker rightly
	 * reports (found by vm-ioctl-fuzz).
	 */
	if (a.gid & GNS_GID_BASE)
		return -EINVAL;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	ret = gmm_lookup(r, a.gid, &info);
	if (ret)
		goto out_end;
	mcs_owner_read(r, &info, &o);
	ret = -EPERM;
	if (!mcs_is_owner(&o))
		goto out_end;
	ret = mcs_usage_lock(r, o.uid, &uidx);
	if (ret)
		goto out_end;
	ret = gmm_destroy(r, a.gid);
	if (!ret) {
		mcs_usage_of_seg(cost, info.size, false);
		mcs_usage_credit(r, uidx, cost);
	}
	gmm_usage_unlock(r, uidx);
out_end:
	mcs_access_end();
	return ret;
}

int uapi_seg_stat(struct mcs_client *c, void __user *uarg)
{
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_share *s;
	struct mcs_seg a;
	bool writable;
	int ret;

	ret = mcs_seg_copy_in(&a, uarg, 0, false);
	if (ret)
		return ret;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	ret = gmm_lookup(r, a.gid, &info);
	if (!ret)
		mcs_owner_read(r, &info, &o);
	mcs_access_end();
	if (ret)
		return ret;
	mutex_lock(&c->lock);
	s = mcs_share_find(c, a.gid);
	writable = s && s->writable;
	mutex_unlock(&c->lock);
	mcs_seg_out(&a, &info, &o, writable);
	return MCS_ABI_COPY_OUT(uarg, a);
}
