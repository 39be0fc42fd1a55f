// SPDX-License-Identifier: GPL-2.0
/*
 * sync.c - /dev/mcs global mutexes and events: their owners and modes,
 * the bookkeeping behind the mutex fast path, waits cut in slices. The
 * commands are documented at the top of uapi_kmod.c.
 */
#include "uapi_internal.h"

/* What a sync object argument may carry (mcs_mutex, mcs_gevent). */
#define MCS_SYNC_BY_NAME 0x1 /* a name instead of a GID */
#define MCS_SYNC_CREATE 0x2  /* a mode */

/*
 * The name or GID of a sync object argument: by GID (no name) or, with
 * MCS_SYNC_BY_NAME, by name (no GID), copied into @name ("" for a GID).
 */
static int mcs_sync_name_in(u64 uname, u32 name_len, u64 gid,
			    unsigned int how, char *name)
{
	name[0] = '\0';
	if (!uname && !name_len) {
		if (gid == MCS_GID_NONE || gid == MCS_GID_INVALID)
			return -EINVAL;
		return 0;
	}
	if (!(how & MCS_SYNC_BY_NAME) || gid || !name_len)
		return -EINVAL;
	if (name_len > MCS_NAME_MAX + 1)
		return -ENAMETOOLONG;
	if (copy_from_user(name, u64_to_user_ptr(uname), name_len))
		return -EFAULT;
	name[name_len] = '\0';
	if (strlen(name) != name_len)
		return -EINVAL;
	return gns_name_check(name);
}

/* The mode a CREATE may give (@how), or none. */
static int mcs_sync_mode_in(u32 mode, unsigned int how)
{
	return mode & ~(how & MCS_SYNC_CREATE ? MCS_SEG_MODE_MASK : 0) ?
	       -EINVAL : 0;
}

/* The caller, as the owner of a sync object it creates with @mode. */
static void mcs_sync_owner_new(struct gsync_owner *o, u32 mode)
{
	o->uid = from_kuid_munged(&init_user_ns, current_fsuid());
	o->gid = from_kgid_munged(&init_user_ns, current_fsgid());
	o->mode = mode;
}

/* What mcs_sync_permit() asks: bits of a mode, or either of two. */
#define MCS_SYNC_READ 4
#define MCS_SYNC_WRITE 2
#define MCS_SYNC_EITHER 0x10 /* read or write will do */

/*
 * May the caller do @want (MCS_SYNC_*; 0: nothing to judge) with sync
 * object @h? -ENOENT if it is gone. Inside mcs_enter().
 */
static int mcs_sync_permit(struct gsync_table *t,
			   const struct gsync_handle *h, u32 want)
{
	struct mcs_seg_owner o = { 0 };
	struct gsync_owner so;
	int ret;

	ret = gsync_owner(t, h, &so);
	if (ret || !want)
		return ret;
	o.uid = so.uid;
	o.gid = so.gid;
	o.mode = so.mode;
	if (!(want & MCS_SYNC_EITHER))
		return mcs_permit(&o, want);
	return mcs_permit(&o, MCS_SYNC_READ) &&
	       mcs_permit(&o, MCS_SYNC_WRITE) ? -EACCES : 0;
}

/*
 * Destroy the mutex (GSYNC_MUTEX) or event (another type) @gid: its owner
 * or CAP_SYS_ADMIN (-EPERM); the owner is credited. Inside mcs_enter().
 */
static int mcs_sync_destroy(struct gmm_region *r, struct gsync_table *t,
			    u64 gid, u32 type)
{
	u32 uid = capable(CAP_SYS_ADMIN) ? GSYNC_ANY_UID : mcs_usage_me();
	s64 cost[GMM_USAGE_KINDS];
	u32 owner, uidx;
	int ret;

	ret = mcs_sync_owner_uid(r, gid, &owner);
	if (ret)
		return ret;
	ret = mcs_usage_lock(r, owner, &uidx);
	if (ret)
		return ret;
	ret = gsync_destroy_owned(t, gid, uid, type);
	if (!ret) {
		mcs_usage_of_sync(cost, false);
		mcs_usage_credit(r, uidx, cost);
	}
	gmm_usage_unlock(r, uidx);
	return ret;
}

/*
 * Make sync object *@gid of @type or, with a name, the one gns issues a
 * GID for as a @gns_type (the name goes again if the object cannot be
 * made); the caller owns it, with @mode. Inside mcs_enter().
 */
static int mcs_sync_make(struct gmm_region *r, struct gsync_table *t,
			 const char *name, u32 gns_type, u32 type,
			 bool signaled, u32 mode, u64 *gid,
			 struct gsync_handle *h)
{
	s64 cost[GMM_USAGE_KINDS];
	struct gsync_owner owner;
	struct gns_info ni;
	u32 uidx;
	int ret;

	mcs_sync_owner_new(&owner, mode);
	mcs_usage_of_sync(cost, name[0]);
	ret = mcs_usage_begin(r, owner.uid, cost, &uidx);
	if (ret)
		return ret;
	if (name[0]) {
		ret = gns_create(r, name, gns_type, &ni);
		if (ret)
			goto out;
		*gid = ni.gid;
	}
	ret = gsync_create_owned(t, *gid, type, signaled, &owner, h);
	if (ret && name[0] && gns_unlink(r, name))
		pr_warn("mcs_uapi: name of %#llx left behind\n", *gid);
out:
	mcs_usage_made(r, uidx, cost, ret);
	return ret;
}

/*
 * The GID a sync object argument names: a name's (-EMEDIUMTYPE unless it
 * names a @gns_type), or *@gid as given. Inside mcs_enter().
 */
static int mcs_sync_lookup(struct gmm_region *r, const char *name,
			   u32 gns_type, u64 *gid)
{
	struct gns_info ni;
	int ret;

	if (!name[0])
		return 0;
	ret = gns_lookup(r, name, &ni);
	if (ret)
		return ret;
	if (ni.type != gns_type)
		return -EMEDIUMTYPE;
	*gid = ni.gid;
	return 0;
}

/*
 * Waits are cut in slices of at most MCS_MUTEX_SLICE_NS, each inside one
 * mcs_enter(): the deadline of a wait (U64_MAX without a timeout), and the
 * slice to wait now (0, a mere look, once the deadline has passed).
 */
static u64 mcs_wait_deadline(bool timed, u64 timeout_ns)
{
	return timed ? ktime_get_ns() + min_t(u64, timeout_ns, U64_MAX / 2) :
		       U64_MAX;
}

static u64 mcs_wait_slice(u64 deadline)
{
	u64 now = ktime_get_ns();

	return now >= deadline ? 0 :
			       min_t(u64, deadline - now, MCS_MUTEX_SLICE_NS);
}

/* Copy in a mutex argument; @how says what it may carry. */
static int mcs_mutex_copy_in(struct mcs_mutex *a, void __user *uarg,
			     u32 flags, unsigned int how, char *name)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, MCS_MUTEX_SIZE_VER0, flags);

	if (ret)
		return ret;
	if (a->mmap_offset || a->lock_offset || a->reserved0 ||
	    (a->timeout_ns && !(a->flags & MCS_MUTEX_TIMED)))
		return -EINVAL;
	if ((a->flags & MCS_MUTEX_TRY) && (a->flags & MCS_MUTEX_TIMED))
		return -EINVAL;
	ret = mcs_sync_mode_in(a->mode, how);
	if (ret)
		return ret;
	return mcs_sync_name_in(a->name, a->name_len, a->gid, how, name);
}

static struct mcs_file_mutex *mcs_mutex_find(struct mcs_client *c, u64 gid)
{
	struct mcs_file_mutex *m;

	list_for_each_entry(m, &c->mutexes, node)
		if (m->gid == gid)
			return m;
	return NULL;
}

/*
 * What @c must know of mutex @h, taken or opened now: slot, this node's
 * tag, where its lock word maps. Inside mcs_enter().
 */
static int mcs_mutex_describe(struct gsync_table *t,
			      const struct gsync_handle *h,
			      struct mcs_file_mutex *d)
{
	phys_addr_t phys;
	u64 size, off;
	void *base;
	int ret;

	ret = mcs_fabric_get(&base, &size);
	if (!ret)
		ret = mcs_fabric_phys(&phys);
	if (!ret)
		ret = mcs_node_identity(&d->owner_node, &d->owner_inc);
	if (ret)
		return ret;
	off = (u8 *)gsync_lockpage(t, h->idx) - (u8 *)base;
	d->gid = h->gid;
	d->idx = h->idx;
	d->owner_pid = task_tgid_nr(current);
	d->page_off = round_down(off, PAGE_SIZE);
	d->lock_offset = (u32)(off - d->page_off);
	d->page_phys = phys + d->page_off;
	return 0;
}

/*
 * Record @d in @c's mutexes (or refresh its entry); outside the access,
 * as c->lock is taken before it elsewhere. @spare: a free entry, allocated
 * before the mutex was made or taken so that recording cannot fail;
 * consumed (set to NULL) if used.
 */
static void mcs_mutex_record(struct mcs_client *c,
			     const struct mcs_file_mutex *d,
			     struct mcs_file_mutex **spare)
{
	struct mcs_file_mutex *m;

	mutex_lock(&c->lock);
	list_for_each_entry(m, &c->mutexes, node)
		if (m->gid == d->gid && m->owner_pid == d->owner_pid)
			goto found;
	m = *spare;
	*spare = NULL;
	m->gid = d->gid;
	m->owner_pid = d->owner_pid;
	list_add(&m->node, &c->mutexes);
	mcs_proc_mutex_add(m);
found:
	/* gid and owner_pid are its key in the index: set once. */
	m->idx = d->idx;
	m->owner_node = d->owner_node;
	m->owner_inc = d->owner_inc;
	m->lock_offset = d->lock_offset;
	m->page_off = d->page_off;
	m->page_phys = d->page_phys;
	mutex_unlock(&c->lock);
}

/* The end of CREATE and OPEN: record the mutex, tell where it maps. */
static int mcs_mutex_opened(struct mcs_client *c, void __user *uarg,
			    struct mcs_mutex *a,
			    const struct mcs_file_mutex *d,
			    struct mcs_file_mutex **spare)
{
	mcs_mutex_record(c, d, spare);
	a->gid = d->gid;
	a->mmap_offset = d->page_off;
	a->lock_offset = d->lock_offset;
	return MCS_ABI_COPY_OUT(uarg, *a);
}

int uapi_mutex_create(struct mcs_client *c, void __user *uarg)
{
	struct mcs_file_mutex d, *spare;
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_mutex a;
	int ret;

	ret = mcs_mutex_copy_in(&a, uarg, 0,
				MCS_SYNC_BY_NAME | MCS_SYNC_CREATE, name);
	if (ret)
		return ret;
	if (!name[0] && (a.gid & GNS_GID_BASE))
		return -EINVAL;
	/* Allocated first: a mutex made must not be lost to -ENOMEM. */
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	ret = mcs_enter(&r);
	if (ret)
		goto out_free;
	gsync_table_of(r, &t);
	ret = mcs_sync_make(r, &t, name, GNS_TYPE_LOCK, GSYNC_MUTEX, false,
			    a.mode, &a.gid, &h);
	/* Joined (inside mcs_enter()): describing it cannot fail. */
	if (!ret)
		ret = mcs_mutex_describe(&t, &h, &d);
	mcs_access_end();
	if (!ret)
		ret = mcs_mutex_opened(c, uarg, &a, &d, &spare);
out_free:
	kfree(spare);
	return ret;
}

int uapi_mutex_open(struct mcs_client *c, void __user *uarg)
{
	struct mcs_file_mutex d, *spare;
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_mutex a;
	int ret;

	ret = mcs_mutex_copy_in(&a, uarg, 0, MCS_SYNC_BY_NAME, name);
	if (ret)
		return ret;
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	ret = mcs_enter(&r);
	if (ret)
		goto out_free;
	gsync_table_of(r, &t);
	ret = mcs_sync_lookup(r, name, GNS_TYPE_LOCK, &a.gid);
	if (!ret)
		ret = gsync_open(&t, a.gid, &h);
	if (!ret)
		ret = mcs_sync_permit(&t, &h, MCS_SYNC_READ | MCS_SYNC_WRITE);
	if (!ret)
		ret = mcs_mutex_describe(&t, &h, &d);
	mcs_access_end();
	if (!ret)
		ret = mcs_mutex_opened(c, uarg, &a, &d, &spare);
out_free:
	kfree(spare);
	return ret;
}

int uapi_mutex_destroy(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_mutex a;
	int ret;

	ret = mcs_mutex_copy_in(&a, uarg, 0, 0, name);
	if (ret)
		return ret;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	gsync_table_of(r, &t);
	ret = mcs_sync_destroy(r, &t, a.gid, GSYNC_MUTEX);
	mcs_access_end();
	return ret;
}

int uapi_mutex_lock(struct mcs_client *c, void __user *uarg)
{
	struct mcs_file_mutex d, *spare;
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_mutex a;
	u64 deadline;
	int ret;

	ret = mcs_mutex_copy_in(&a, uarg, MCS_MUTEX_TRY | MCS_MUTEX_TIMED, 0,
				name);
	if (ret)
		return ret;
	/* Allocated first: a lock taken must be recorded. */
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	deadline = mcs_wait_deadline(a.flags & MCS_MUTEX_TIMED, a.timeout_ns);
	for (;;) {
		ret = mcs_enter(&r);
		if (ret)
			break;
		gsync_table_of(r, &t);
		ret = gsync_open(&t, a.gid, &h);
		if (!ret)
			ret = mcs_sync_permit(&t, &h, MCS_SYNC_READ | MCS_SYNC_WRITE);
		/* A slice of 0 is a trylock: -EBUSY. */
		if (!ret)
			ret = gsync_mutex_lock(&t, &h,
					       a.flags & MCS_MUTEX_TRY ? 0 :
					       mcs_wait_slice(deadline));
		/* Held: describing it cannot fail (the node is joined). */
		if (!ret || ret == -EOWNERDEAD)
			mcs_mutex_describe(&t, &h, &d);
		mcs_access_end();
		if (!ret || ret == -EOWNERDEAD) {
			/* The file cannot be released during this ioctl. */
			mcs_mutex_record(c, &d, &spare);
			break;
		}
		if (ret != -ETIMEDOUT && ret != -EBUSY)
			break;
		if (a.flags & MCS_MUTEX_TRY)
			break;
		if (ktime_get_ns() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(spare);
	return ret;
}

int uapi_mutex_unlock(struct mcs_client *c, void __user *uarg,
		     bool consistent)
{
	char name[MCS_NAME_MAX + 2];
	struct mcs_file_mutex *m;
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_mutex a;
	int ret;

	ret = mcs_mutex_copy_in(&a, uarg, 0, 0, name);
	if (ret)
		return ret;
	mutex_lock(&c->lock);
	ret = -EPERM;
	m = mcs_mutex_find(c, a.gid);
	if (!m)
		goto out_unlock;
	ret = mcs_enter(&r);
	if (ret)
		goto out_unlock;
	gsync_table_of(r, &t);
	h.idx = m->idx;
	h.gid = m->gid;
	if (consistent)
		ret = gsync_mutex_consistent(&t, &h);
	else
		ret = gsync_mutex_unlock(&t, &h);
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	return ret;
}

/* The owner of the mutex or event @gid, or -ENOENT. Inside mcs_enter(). */
int mcs_sync_owner_uid(struct gmm_region *r, u64 gid, u32 *uid)
{
	struct gsync_owner so;
	struct gsync_handle h;
	struct gsync_table t;
	int ret;

	gsync_table_of(r, &t);
	ret = gsync_open(&t, gid, &h);
	if (!ret)
		ret = gsync_owner(&t, &h, &so);
	if (!ret)
		*uid = so.uid;
	return ret;
}

/* Copy in a global event argument; as mcs_mutex_copy_in() for mutexes. */
static int mcs_gevent_copy_in(struct mcs_gevent *a, void __user *uarg,
			      u32 flags, unsigned int how, char *name)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, MCS_GEVENT_SIZE_VER0, flags);

	if (ret)
		return ret;
	if (a->timeout_ns && !(a->flags & MCS_GEVENT_TIMED))
		return -EINVAL;
	ret = mcs_sync_mode_in(a->mode, how);
	if (ret)
		return ret;
	return mcs_sync_name_in(a->name, a->name_len, a->gid, how, name);
}

/*
 * The handle of event @gid, if the caller may @want it (as
 * mcs_sync_permit()); -EMEDIUMTYPE if @gid is a mutex's.
 */
static int mcs_gevent_get(struct gsync_table *t, u64 gid, u32 want,
			  struct gsync_handle *h)
{
	int ret = gsync_open(t, gid, h);

	if (ret)
		return ret;
	if (mcs_rd32(&t->objs[h->idx].type) == GSYNC_MUTEX)
		return -EMEDIUMTYPE;
	return mcs_sync_permit(t, h, want);
}

int uapi_gevent_create(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_gevent a;
	int ret;

	ret = mcs_gevent_copy_in(&a, uarg,
				 MCS_GEVENT_AUTO | MCS_GEVENT_SIGNALED,
				 MCS_SYNC_BY_NAME | MCS_SYNC_CREATE, name);
	if (ret)
		return ret;
	if (!name[0] && (a.gid & GNS_GID_BASE))
		return -EINVAL;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	gsync_table_of(r, &t);
	ret = mcs_sync_make(r, &t, name, GNS_TYPE_EVENT,
			    a.flags & MCS_GEVENT_AUTO ? GSYNC_EVENT_AUTO :
						       GSYNC_EVENT_MANUAL,
			    a.flags & MCS_GEVENT_SIGNALED, a.mode, &a.gid, &h);
	mcs_access_end();
	if (ret)
		return ret;
	return MCS_ABI_COPY_OUT(uarg, a);
}

int uapi_gevent_open(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_gevent a;
	int ret;

	ret = mcs_gevent_copy_in(&a, uarg, 0, MCS_SYNC_BY_NAME, name);
	if (ret)
		return ret;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	gsync_table_of(r, &t);
	ret = mcs_sync_lookup(r, name, GNS_TYPE_EVENT, &a.gid);
	if (!ret)
		ret = mcs_gevent_get(&t, a.gid, MCS_SYNC_EITHER, &h);
	mcs_access_end();
	if (ret)
		return ret;
	return MCS_ABI_COPY_OUT(uarg, a);
}

/* DESTROY, SET, RESET: by GID, no waiting. */
int uapi_gevent_cmd(void __user *uarg, unsigned int cmd)
{
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_gevent a;
	int ret;

	ret = mcs_gevent_copy_in(&a, uarg, 0, 0, name);
	if (ret)
		return ret;
	ret = mcs_enter(&r);
	if (ret)
		return ret;
	gsync_table_of(r, &t);
	/* Destroy is the owner's (judged by gsync), set and reset writers'. */
	ret = mcs_gevent_get(&t, a.gid,
			     cmd == MCS_IOC_CMD(MCS_IOC_GEVENT_DESTROY) ? 0 : MCS_SYNC_WRITE,
			     &h);
	if (!ret) {
		if (cmd == MCS_IOC_CMD(MCS_IOC_GEVENT_DESTROY))
			ret = mcs_sync_destroy(r, &t, a.gid, GSYNC_EVENT_MANUAL);
		else if (cmd == MCS_IOC_CMD(MCS_IOC_GEVENT_SET))
			ret = gsync_event_set(&t, &h);
		else
			ret = gsync_event_reset(&t, &h);
	}
	mcs_access_end();
	return ret;
}

int uapi_gevent_wait(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_gevent a;
	u64 deadline;
	int ret;

	ret = mcs_gevent_copy_in(&a, uarg, MCS_GEVENT_TIMED, 0, name);
	if (ret)
		return ret;
	deadline = mcs_wait_deadline(a.flags & MCS_GEVENT_TIMED, a.timeout_ns);
	for (;;) {
		ret = mcs_enter(&r);
		if (ret)
			break;
		gsync_table_of(r, &t);
		ret = mcs_gevent_get(&t, a.gid, MCS_SYNC_READ, &h);
		/* A slice of 0 is a poll: -ETIMEDOUT unless set. */
		if (!ret)
			ret = gsync_event_wait(&t, &h,
					       mcs_wait_slice(deadline));
		mcs_access_end();
		if (ret != -ETIMEDOUT || ktime_get_ns() >= deadline)
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	return ret;
}
