// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_kmod.c - mcs_uapi.ko: /dev/mcs, global memory for user space.
 *
 * A misc character device open to every user. Each open file is one
 * client (libmcs opens one per context) and keeps its own bookkeeping:
 * the segment shares it holds and, through them, its mappings. Each
 * ioctl takes one structure of include/uapi/linux/mcs.h; every structure
 * starts with abi_version (MCS_ABI_VERSION, else -EPROTO) and flags
 * (unknown bits: -EINVAL); reserved and output fields must be zero
 * (-EINVAL). Unknown commands fail with -ENOTTY, bad pointers with
 * -EFAULT. Commands that touch the fabric fail with -ENOTCONN before this
 * node joins, -ESHUTDOWN while it is frozen, -ENODEV without a fabric.
 *
 * MCS_IOC_INFO         this node's id and incarnation, the page size.
 *
 * MCS_IOC_SEG_CREATE   gmm_alloc() a segment of `size` bytes (a non-zero
 *                      multiple of MCS_PAGE_SIZE) at `place`, owned by the
 *                      caller's fsuid/fsgid with permission bits `mode`;
 *                      the file holds its first share, writable. The
 *                      memory is zeroed. -EEXIST, -ENOSPC, -EFBIG, -ENFILE
 *                      as gmm; -EINVAL for a bad size, place or mode.
 * MCS_IOC_SEG_OPEN     gmm_acquire() a share of segment `gid`, read-write
 *                      or MCS_SEG_RDONLY; the mode must allow it (-EACCES).
 *                      -EALREADY if this file holds a share of it already,
 *                      -ENOENT (none, or destroyed), -ENXIO (memory lost).
 * MCS_IOC_SEG_RELEASE  give the share back (gmm_release()); -ENOENT if the
 *                      file holds none, -EBUSY while it is mapped.
 * MCS_IOC_SEG_DESTROY  gmm_destroy(), like shm_unlink(): the GID is gone
 *                      at once (open and stat: -ENOENT); the memory is
 *                      freed with the last share, on whichever node. Owner
 *                      or CAP_SYS_ADMIN only (-EPERM).
 * MCS_IOC_SEG_STAT     gmm_lookup(): size, owner, mode, home partition,
 *                      sharers, and whether this file's share is writable.
 *                      Anyone may ask.
 * CREATE, OPEN and STAT return the segment's mmap_offset.
 *
 * Names (struct mcs_name; the name is a user pointer and length, checked
 * by gns_name_check(): -EINVAL, -ENAMETOOLONG):
 *
 * MCS_IOC_NAME_SEG_CREATE  gns_seg_create(): a new segment and its name in
 *                      one atomic step, exclusive (-EEXIST if the name
 *                      exists), with a GID gns issues; otherwise as
 *                      SEG_CREATE (size, place, mode; the file holds the
 *                      first share, writable). Returns gid and the segment.
 * MCS_IOC_NAME_SEG_OPEN    gns_seg_open(): a share of the segment the name
 *                      names, as SEG_OPEN (MCS_SEG_RDONLY, -EACCES,
 *                      -EALREADY); -ENOENT without such a name,
 *                      -EMEDIUMTYPE if it names no segment.
 * MCS_IOC_NAME_UNLINK      gns_unlink(), like shm_unlink(): the name and
 *                      its segment are gone at once (as SEG_DESTROY); the
 *                      memory is freed with the last share. The segment's
 *                      owner or CAP_SYS_ADMIN only (-EPERM); names of locks
 *                      and events: their object's owner or CAP_SYS_ADMIN;
 *                      names whose object is already gone, CAP_SYS_ADMIN
 *                      only. The
 *                      unlink removes the name only if it still names
 *                      the GID whose owner was judged (gns_unlink_gid()),
 *                      else judges again; -EAGAIN if the name was made
 *                      again MCS_UNLINK_TRIES times meanwhile.
 * MCS_IOC_NAME_LOOKUP      gns_lookup(): the type (MCS_NAME_T_*) and gid of
 *                      a name; anyone may ask.
 *
 * Global mutexes (struct mcs_mutex; gsync mutexes in the region's sync area):
 *
 * MCS_IOC_MUTEX_CREATE gsync_create() a mutex, by GID (non-zero, not ~0,
 *                      without GNS_GID_BASE: -EINVAL) or by name (gns
 *                      type lock, then the mutex with the GID gns issued;
 *                      the name is removed again if that fails). -EEXIST,
 *                      -ENFILE (table full). Returns the GID and where
 *                      its lock word maps (mmap_offset, lock_offset).
 * MCS_IOC_MUTEX_OPEN   the GID of an existing mutex, by name or by GID,
 *                      and where its lock word maps; -ENOENT,
 *                      -EMEDIUMTYPE (the name is not a lock's).
 * MCS_IOC_MUTEX_DESTROY gsync_destroy() by GID: -EBUSY while a live owner
 *                      holds it. A name is removed with MCS_IOC_NAME_UNLINK.
 * MCS_IOC_MUTEX_LOCK   gsync_mutex_lock(): 0, or -EOWNERDEAD when its
 *                      holder died (the caller holds it and must make it
 *                      consistent), -ENOTRECOVERABLE, -EDEADLK (this thread
 *                      holds it), -EBUSY (MCS_MUTEX_TRY), -ETIMEDOUT
 *                      (MCS_MUTEX_TIMED), -EINTR when a fatal signal
 *                      comes: the wait is cut in slices of at most
 *                      MCS_MUTEX_SLICE_NS, each inside mcs_access_begin/end
 *                      (a freeze waits no longer than a slice).
 * MCS_IOC_MUTEX_UNLOCK gsync_mutex_unlock(); -EPERM unless this thread
 *                      holds it and this file opened or locked it.
 *                      Unlocked while owner-dead, it becomes not
 *                      recoverable.
 * MCS_IOC_MUTEX_CONSISTENT gsync_mutex_consistent(); -EPERM, -EINVAL.
 *
 * The file records the mutexes opened or taken through it, since its
 * process may take them in user space through a mapping of the lock word
 * (mmap of one page at mmap_offset: the fast path, libmcs); when the file
 * is released, each one its process still holds is abandoned
 * (glock_abandon() with the opener's tag) so that the next acquirer, on
 * any node, gets -EOWNERDEAD.
 *
 * mmap of a mutex: MAP_SHARED, offset = its mmap_offset, one page,
 * readable and writable (the page holds 32 sync objects).
 *
 * Cluster events (struct mcs_notify; records struct mcs_notify_rec):
 *
 * MCS_IOC_NOTIFY_SUBSCRIBE  subscribe this file to the cluster events of
 *                      `mask` (bits of MCS_EV_APP_MASK, at least one, and
 *                      optionally MCS_EV_OVERRUN's, which comes anyway;
 *                      other bits -EINVAL; MCS_EV_LEAVING -EOPNOTSUPP).
 *                      Once per file (-EALREADY); -ESTALE while files
 *                      subscribed to a region attached before are open.
 *                      Returns `seq`, the last event before the
 *                      subscription (exactly the later ones are delivered),
 *                      and `record_size`. From then on poll() reports
 *                      EPOLLIN while records are pending, and read()
 *                      returns as many whole records as fit, oldest first
 *                      (a buffer smaller than one record: -EINVAL; none
 *                      pending: -EAGAIN with O_NONBLOCK, else it sleeps,
 *                      interruptibly). The file keeps MCS_NOTIFYQ_LEN
 *                      records; what it cannot keep, and what the cluster
 *                      log overwrote before this node read it, comes as
 *                      one MCS_EV_OVERRUN record (seq: the first missed,
 *                      arg: how many) in its place. read() or poll() on a
 *                      file that has not subscribed: -EINVAL, EPOLLERR.
 *                      A node-wide service (one struct mcs_events) reads
 *                      the cluster log every MCS_NOTIFY_POLL_MS while
 *                      subscriptions exist, inside mcs_access_begin/end
 *                      (not while frozen: the records wait in the log), and
 *                      its subscriber callbacks queue the records and wake
 *                      the readers and pollers.
 *
 * Global events (struct mcs_gevent; gsync events in the region's sync area):
 *
 * MCS_IOC_GEVENT_CREATE gsync_create() an event, manual-reset or
 *                      MCS_GEVENT_AUTO, initially set with
 *                      MCS_GEVENT_SIGNALED; by GID or by name (gns type
 *                      event), with the rules of MUTEX_CREATE. -EEXIST,
 *                      -ENFILE (table full). Returns the GID.
 * MCS_IOC_GEVENT_OPEN  the GID of an existing event, by name or by GID;
 *                      -ENOENT, -EMEDIUMTYPE (the name is not an event's,
 *                      or the GID is a mutex's).
 * MCS_IOC_GEVENT_DESTROY gsync_destroy() by GID; its waiters return
 *                      -ENOENT. -EMEDIUMTYPE for a mutex's GID.
 * MCS_IOC_GEVENT_SET   gsync_event_set(): a manual-reset event releases
 *                      every waiter until reset; an auto-reset event one
 *                      waiter (waiting or the next to wait), then resets.
 * MCS_IOC_GEVENT_RESET gsync_event_reset().
 * MCS_IOC_GEVENT_WAIT  gsync_event_wait(): 0 once the event is set (an
 *                      auto-reset event is consumed); for ever, or at most
 *                      timeout_ns with MCS_GEVENT_TIMED (0: a poll),
 *                      -ETIMEDOUT. The wait is cut in slices of at most
 *                      MCS_MUTEX_SLICE_NS, each inside mcs_access_begin/end;
 *                      between slices a signal ends it with -EINTR.
 *                      -ENOENT if the event is (or gets) destroyed.
 *
 * mmap: MAP_SHARED, offset = mmap_offset + a page-aligned offset into the
 * segment, length within it; the file must hold a share of the segment
 * (-ENXIO), writable for PROT_WRITE (-EACCES). The fabric pages are
 * mapped with the normal cacheable protection (write-back) and populated
 * at once: no page faults, no struct pages. Mappings are not inherited by
 * fork() (the share belongs to the open file, not to the child) and cannot
 * grow. Remapping is done by mmap(MAP_FIXED) of another segment over the
 * same range (libmcs): the kernel replaces the old mapping atomically.
 *
 * Permissions (until security descriptors come, Documentation/uapi.md):
 * the owner uid/gid and mode live in a descriptor page at the end of the
 * segment, outside what can be mapped, so every node checks the same
 * rule: file-like rwx bits for owner, group, others; CAP_SYS_ADMIN may do
 * anything. A segment without a valid descriptor (not made through
 * /dev/mcs, or its creator died before writing it) is root's, mode 0600.
 *
 * Release: when the file is closed (the process exits or is killed), every
 * share it holds is given back and its subscription ends. Its mappings hold the file open, so they
 * are gone by then. The gmm work is done by a worker thread: the closing
 * task may have a fatal signal pending and must not spin on fabric locks.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/linux/mcs.h>

#include "../glock/gsync.h"
#include "../gmm/gmm.h"
#include "../gns/gns.h"
#include "../mcs/events.h"
#include "../mcs/mcs_base.h"
#include "../mcs/notifyq.h"

/* The descriptor page at the end of every segment made through /dev/mcs. */
#define MCS_DESC_MAGIC 0x3143534544534d43ULL /* "CMSDESC1" */

struct mcs_seg_desc {
	__le64 magic;	/* written last: the rest is valid once it is set */
	__le64 gid;	/* the segment it describes: pages are reused */
	__le64 size;	/* bytes a user may map */
	__le32 uid;
	__le32 gid_owner;
	__le32 mode;
	__le32 reserved;
};

/* What the descriptor says, or the default for a segment without one. */
struct mcs_seg_owner {
	u32 uid, gid, mode;
	u64 size; /* mappable bytes */
};

/* One share held by an open file. */
struct mcs_share {
	struct list_head node;
	u64 gid;
	u32 sharer;	/* gmm sharer index, for gmm_release() */
	u64 offset;	/* of the segment in the region (= the fabric) */
	phys_addr_t phys; /* of its first byte: mmap needs no fabric access */
	u64 size;	/* mappable bytes */
	bool writable;
	atomic_t maps;	/* VMAs mapping it: release refused while > 0 */
};

/*
 * One global mutex an open file opened or locked: it may hold it, through
 * the ioctls or through a mapping of its lock word (the fast path).
 */
struct mcs_file_mutex {
	struct list_head node;
	u64 gid;
	u32 idx;	/* its slot in the sync table */
	u32 owner_node;	/* the owner tag it was last opened or taken with */
	u32 owner_inc;
	u32 owner_pid;	/* the process (a file may be shared after fork) */
	bool keep;	/* release: another file of that process has it */
	u32 lock_offset; /* of its lock word in its page */
	u64 page_off;	/* the fabric offset of that page */
	phys_addr_t page_phys;
};

/* A lock waits at most this long inside one mcs_access_begin/end. */
#define MCS_MUTEX_SLICE_NS (500 * NSEC_PER_MSEC)

/* How often the node's event service reads the cluster log. */
#define MCS_NOTIFY_POLL_MS 50

/*
 * A file's subscription to cluster events: MCS_NOTIFYQ_LEN records are
 * kept, more become one MCS_EV_OVERRUN (notifyq.c).
 */
struct mcs_notifier {
	struct mcs_event_sub *sub;	/* in mcs_notify_svc.es */
	spinlock_t qlock;		/* q */
	wait_queue_head_t wq;		/* readers and pollers */
	struct mutex rlock;		/* one reader at a time */
	struct mcs_notifyq q;
};

struct mcs_client {
	struct mutex lock;	/* shares, mutexes, notify */
	struct list_head shares;
	struct list_head mutexes;
	struct list_head open_node; /* in mcs_open_files until released */
	u32 pid;		/* tgid of the opener: the gmm sharer owner */
	struct work_struct release_work;
	struct mcs_notifier *notify; /* set once, by NOTIFY_SUBSCRIBE */
};

/*
 * The node's cluster event service for subscribed files: one reader of
 * the cluster log, started by the first subscription. @lock is taken
 * before mcs_access_begin() and orders dispatch against (un)subscribe.
 */
static struct {
	struct mutex lock;
	struct mcs_events *es;
	struct gmm_region *region; /* whose log es reads */
	unsigned int nr_subs;
	struct delayed_work work;
} mcs_notify_svc;

static struct workqueue_struct *mcs_uapi_wq;

/*
 * Every open file not yet released. A lock taken in user space carries
 * its process's tag, not its file's, so a file released while its
 * process lives on leaves alone the mutexes another open file of that
 * process has (mcs_client_keep()). Taken before any client's lock.
 */
static LIST_HEAD(mcs_open_files);
static DEFINE_MUTEX(mcs_open_files_lock);

/* Enter shared state as a joined node. */
static int mcs_enter(struct gmm_region **r)
{
	u32 node, inc;
	int ret;

	ret = mcs_access_begin();
	if (ret)
		return ret;
	ret = mcs_node_identity(&node, &inc);
	if (ret) {
		mcs_access_end();
		return ret;
	}
	*r = mcs_region();
	return 0;
}

static struct mcs_seg_desc *mcs_desc_ptr(struct gmm_region *r,
					 const struct gmm_seg_info *info)
{
	return (struct mcs_seg_desc *)((u8 *)gmm_seg_ptr(r, info) +
				       info->size - PAGE_SIZE);
}

/* Read the owner of a segment; inside mcs_enter(). */
static void mcs_owner_read(struct gmm_region *r,
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
static int mcs_permit(const struct mcs_seg_owner *o, u32 want)
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

static bool mcs_is_owner(const struct mcs_seg_owner *o)
{
	return capable(CAP_SYS_ADMIN) ||
	       uid_eq(current_fsuid(), make_kuid(&init_user_ns, o->uid));
}

static struct mcs_share *mcs_share_find(struct mcs_client *c, u64 gid)
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
	int ret = MCS_ABI_COPY_IN(*a, uarg, flags);

	if (ret)
		return ret;
	if (a->reserved0 ||
	    !mcs_zero(&a->mmap_offset, offsetof(struct mcs_seg, reserved0) -
					       offsetof(struct mcs_seg, mmap_offset)))
		return -EINVAL;
	if (!create && (a->size || a->place || a->mode))
		return -EINVAL;
	if (a->gid == MCS_GID_NONE || a->gid == MCS_GID_INVALID)
		return -EINVAL;
	return 0;
}

/* Write the descriptor of a new segment; inside mcs_enter(). */
static void mcs_desc_write(struct gmm_region *r,
			   const struct gmm_seg_info *info, u64 size, u32 mode)
{
	struct mcs_seg_desc *d;

	memset(gmm_seg_ptr(r, info), 0, info->size);
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
			  const struct gmm_seg_info *info,
			  const struct mcs_seg_owner *o, bool writable)
{
	mcs_fabric_phys(&s->phys);
	s->phys += info->offset;
	s->gid = info->gid;
	s->sharer = info->sharer;
	s->offset = info->offset;
	s->size = o->size;
	s->writable = writable;
	list_add(&s->node, &c->shares);
}

static int mcs_seg_create(struct mcs_client *c, void __user *uarg)
{
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
	ret = gmm_alloc(r, a.gid, a.size + PAGE_SIZE, a.place, c->pid, &info);
	if (ret)
		goto out_end;
	mcs_desc_write(r, &info, a.size, a.mode);
	mcs_owner_read(r, &info, &o);
	mcs_share_add(c, s, &info, &o, true);
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_seg_out(&a, &info, &o, true);
	/* The share stays: the caller can still release or destroy it. */
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;

out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

static int mcs_seg_open(struct mcs_client *c, void __user *uarg)
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
	/* Acquire first, then judge: the descriptor read is of what we hold. */
	ret = gmm_acquire(r, a.gid, c->pid, &info);
	if (ret)
		goto out_end;
	mcs_owner_read(r, &info, &o);
	ret = mcs_permit(&o, writable ? 6 : 4);
	if (ret)
		goto out_release;
	mcs_share_add(c, s, &info, &o, writable);
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_seg_out(&a, &info, &o, writable);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;

out_release:
	gmm_release(r, a.gid, c->pid, info.sharer);
out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

static int mcs_seg_release(struct mcs_client *c, void __user *uarg)
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

static int mcs_seg_destroy(void __user *uarg)
{
	struct mcs_seg_owner o;
	struct gmm_seg_info info;
	struct gmm_region *r;
	struct mcs_seg a;
	int ret;

	ret = mcs_seg_copy_in(&a, uarg, 0, false);
	if (ret)
		return ret;
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
	ret = gmm_destroy(r, a.gid);
out_end:
	mcs_access_end();
	return ret;
}

static int mcs_seg_stat(struct mcs_client *c, void __user *uarg)
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
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* Copy in a name argument and its name; everything after mode is output. */
static int mcs_name_copy_in(struct mcs_name *a, void __user *uarg, u32 flags,
			    bool create, char *name)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, flags);

	if (ret)
		return ret;
	if (a->type || a->gid || a->reserved0 ||
	    !mcs_zero(&a->mmap_offset, offsetof(struct mcs_name, reserved0) -
					       offsetof(struct mcs_name, mmap_offset)))
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

static int mcs_name_seg_create(struct mcs_client *c, void __user *uarg)
{
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
	ret = gns_seg_create(r, name, a.size + PAGE_SIZE, a.place, c->pid,
			     &info, NULL);
	if (ret)
		goto out_end;
	mcs_desc_write(r, &info, a.size, a.mode);
	mcs_owner_read(r, &info, &o);
	mcs_share_add(c, s, &info, &o, true);
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_name_out(&a, &info, &o, true);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;

out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

static int mcs_name_seg_open(struct mcs_client *c, void __user *uarg)
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
	mcs_owner_read(r, &info, &o);
	ret = mcs_permit(&o, writable ? 6 : 4);
	if (ret)
		goto out_release;
	mcs_share_add(c, s, &info, &o, writable);
	mcs_access_end();
	mutex_unlock(&c->lock);
	mcs_name_out(&a, &info, &o, writable);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;

out_release:
	gmm_release(r, info.gid, c->pid, info.sharer);
out_end:
	mcs_access_end();
out_unlock:
	mutex_unlock(&c->lock);
	kfree(s);
	return ret;
}

/* Does the caller own the mutex or event @gid? Inside mcs_enter(). */
static bool mcs_sync_is_owner(struct gmm_region *r, u64 gid)
{
	struct gsync_owner so;
	struct gsync_handle h;
	struct gsync_table t;

	gmm_sync_table(r, &t);
	return !gsync_open(&t, gid, &h) && !gsync_owner(&t, &h, &so) &&
	       uid_eq(current_fsuid(), make_kuid(&init_user_ns, so.uid));
}

/* A name made again this often during one unlink: -EAGAIN. */
#define MCS_UNLINK_TRIES 16

static int mcs_name_unlink(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
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
	/* Judge what the name names, unlink only if it still names that. */
	for (tries = 0; tries < MCS_UNLINK_TRIES; tries++) {
		ret = gns_lookup(r, name, &ni);
		if (ret)
			break;
		ret = -EPERM;
		if (ni.type == GNS_TYPE_SEGMENT &&
		    !gmm_lookup(r, ni.gid, &info)) {
			mcs_owner_read(r, &info, &o);
			if (mcs_is_owner(&o))
				ret = 0;
		} else if (capable(CAP_SYS_ADMIN) ||
			   (ni.type != GNS_TYPE_SEGMENT &&
			    mcs_sync_is_owner(r, ni.gid))) {
			ret = 0;
		}
		if (!ret)
			ret = gns_unlink_gid(r, name, ni.gid);
		if (ret != -ESTALE)
			break;
	}
	mcs_access_end();
	return ret == -ESTALE ? -EAGAIN : ret;
}

static int mcs_name_lookup(void __user *uarg)
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
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

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

/* Destroy a sync object: its owner or CAP_SYS_ADMIN (-EPERM). */
static int mcs_sync_destroy(struct gsync_table *t, u64 gid)
{
	u32 uid = capable(CAP_SYS_ADMIN) ?
		  GSYNC_ANY_UID :
		  from_kuid_munged(&init_user_ns, current_fsuid());

	return gsync_destroy_owned(t, gid, uid);
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
	struct gsync_owner owner;
	struct gns_info ni;
	int ret;

	mcs_sync_owner_new(&owner, mode);
	if (name[0]) {
		ret = gns_create(r, name, gns_type, &ni);
		if (ret)
			return ret;
		*gid = ni.gid;
	}
	ret = gsync_create_owned(t, *gid, type, signaled, &owner, h);
	if (ret && name[0] && gns_unlink(r, name))
		pr_warn("mcs_uapi: name of %#llx left behind\n", *gid);
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

/* Copy in a mutex argument; @how says what it may carry. */
static int mcs_mutex_copy_in(struct mcs_mutex *a, void __user *uarg,
			     u32 flags, unsigned int how, char *name)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, flags);

	if (ret)
		return ret;
	if (a->mmap_offset || a->lock_offset || a->reserved1 ||
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
	off = (u8 *)&t->objs[h->idx].lock - (u8 *)base;
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
	list_add(&m->node, &c->mutexes);
found:
	m->gid = d->gid;
	m->idx = d->idx;
	m->owner_node = d->owner_node;
	m->owner_inc = d->owner_inc;
	m->owner_pid = d->owner_pid;
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
	return copy_to_user(uarg, a, sizeof(*a)) ? -EFAULT : 0;
}

static int mcs_mutex_create(struct mcs_client *c, void __user *uarg)
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
	gmm_sync_table(r, &t);
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

static int mcs_mutex_open(struct mcs_client *c, void __user *uarg)
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
	gmm_sync_table(r, &t);
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

static int mcs_mutex_destroy(void __user *uarg)
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
	gmm_sync_table(r, &t);
	ret = mcs_sync_destroy(&t, a.gid);
	mcs_access_end();
	return ret;
}

static int mcs_mutex_lock(struct mcs_client *c, void __user *uarg)
{
	struct mcs_file_mutex d, *spare;
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_mutex a;
	u64 deadline = U64_MAX, now, slice;
	int ret;

	ret = mcs_mutex_copy_in(&a, uarg, MCS_MUTEX_TRY | MCS_MUTEX_TIMED, 0,
				name);
	if (ret)
		return ret;
	/* Allocated first: a lock taken must be recorded. */
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	if (a.flags & MCS_MUTEX_TIMED)
		deadline = ktime_get_ns() + min_t(u64, a.timeout_ns,
						  U64_MAX / 2);
	for (;;) {
		ret = mcs_enter(&r);
		if (ret)
			break;
		gmm_sync_table(r, &t);
		ret = gsync_open(&t, a.gid, &h);
		if (!ret)
			ret = mcs_sync_permit(&t, &h, MCS_SYNC_READ | MCS_SYNC_WRITE);
		if (!ret) {
			now = ktime_get_ns();
			/* 0 is a trylock: -EBUSY. */
			slice = a.flags & MCS_MUTEX_TRY || now >= deadline ? 0 :
				min_t(u64, deadline - now, MCS_MUTEX_SLICE_NS);
			ret = gsync_mutex_lock(&t, &h, slice);
		}
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

static int mcs_mutex_unlock(struct mcs_client *c, void __user *uarg,
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
	gmm_sync_table(r, &t);
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

/*
 * The subscriber callback, called by mcs_event_dispatch() in sequence
 * order with mcs_notify_svc.lock held: queue the record (or count it as
 * missed) and wake the file's readers and pollers.
 */
static void mcs_notify_deliver(void *arg, const struct mcs_event *ev)
{
	struct mcs_notifier *n = arg;

	spin_lock(&n->qlock);
	mcs_notifyq_push(&n->q, ev);
	spin_unlock(&n->qlock);
	wake_up_interruptible(&n->wq);
}

/* The node's reader of the cluster log, every MCS_NOTIFY_POLL_MS. */
static void mcs_notify_work(struct work_struct *work)
{
	mutex_lock(&mcs_notify_svc.lock);
	if (mcs_notify_svc.es && !mcs_access_begin()) {
		/* Not a log of a region this node no longer has mapped. */
		if (mcs_region() == mcs_notify_svc.region)
			mcs_event_dispatch(mcs_notify_svc.es);
		mcs_access_end();
	}
	if (mcs_notify_svc.nr_subs)
		queue_delayed_work(mcs_uapi_wq, &mcs_notify_svc.work,
				   msecs_to_jiffies(MCS_NOTIFY_POLL_MS));
	mutex_unlock(&mcs_notify_svc.lock);
}

static int mcs_notify_subscribe(struct mcs_client *c, void __user *uarg)
{
	struct mcs_notifier *n;
	struct gmm_region *r;
	struct mcs_notify a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, 0);
	if (ret)
		return ret;
	if (a.record_size || a.seq || a.mask & ~MCS_EV_ALL)
		return -EINVAL;
	if (a.mask & MCS_EV_MASK(MCS_EV_LEAVING))
		return -EOPNOTSUPP;
	if (!(a.mask & MCS_EV_APP_MASK))
		return -EINVAL;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	spin_lock_init(&n->qlock);
	init_waitqueue_head(&n->wq);
	mutex_init(&n->rlock);

	mutex_lock(&c->lock);
	ret = -EALREADY;
	if (c->notify)
		goto out_unlock;
	mutex_lock(&mcs_notify_svc.lock);
	ret = mcs_enter(&r);
	if (ret)
		goto out_svc;
	/* A region attached anew: start again once its subscribers left. */
	if (mcs_notify_svc.es && mcs_notify_svc.region != r) {
		ret = -ESTALE;
		if (mcs_notify_svc.nr_subs)
			goto out_end;
		mcs_events_close(mcs_notify_svc.es);
		mcs_notify_svc.es = NULL;
	}
	if (!mcs_notify_svc.es) {
		ret = mcs_events_open(gmm_event_log(r), gmm_glock_ctx(r),
				      &mcs_notify_svc.es);
		if (ret)
			goto out_end;
		mcs_notify_svc.region = r;
	}
	/* What was posted before this call goes to earlier subscribers. */
	mcs_event_dispatch(mcs_notify_svc.es);
	ret = mcs_event_subscribe(mcs_notify_svc.es, a.mask, mcs_notify_deliver,
				  n, &n->sub);
	if (ret)
		goto out_end;
	a.seq = mcs_event_seen(mcs_notify_svc.es);
	if (!mcs_notify_svc.nr_subs++)
		queue_delayed_work(mcs_uapi_wq, &mcs_notify_svc.work,
				   msecs_to_jiffies(MCS_NOTIFY_POLL_MS));
	smp_store_release(&c->notify, n);
	n = NULL;
out_end:
	mcs_access_end();
out_svc:
	mutex_unlock(&mcs_notify_svc.lock);
out_unlock:
	mutex_unlock(&c->lock);
	kfree(n);
	if (ret)
		return ret;
	/* The subscription stays: it ends with the file. */
	a.record_size = sizeof(struct mcs_notify_rec);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* End a closed file's subscription (no fabric access: no LEAVING). */
static void mcs_notify_unsubscribe(struct mcs_notifier *n)
{
	mutex_lock(&mcs_notify_svc.lock);
	mcs_event_unsubscribe(mcs_notify_svc.es, n->sub);
	mcs_notify_svc.nr_subs--;
	mutex_unlock(&mcs_notify_svc.lock);
	kfree(n);
}

static ssize_t mcs_uapi_read(struct file *file, char __user *buf, size_t len,
			     loff_t *ppos)
{
	struct mcs_client *c = file->private_data;
	struct mcs_notifier *n = smp_load_acquire(&c->notify);
	struct mcs_notify_rec rec;
	size_t done = 0;
	bool have;
	int ret;

	if (!n || len < sizeof(rec))
		return -EINVAL;
	if (mutex_lock_interruptible(&n->rlock))
		return -ERESTARTSYS;
	while (len - done >= sizeof(rec)) {
		spin_lock(&n->qlock);
		have = mcs_notifyq_peek(&n->q, &rec);
		spin_unlock(&n->qlock);
		if (!have) {
			if (done)
				break;
			ret = -EAGAIN;
			if (file->f_flags & O_NONBLOCK)
				goto out_unlock;
			ret = wait_event_interruptible(n->wq,
						       mcs_notifyq_pending(&n->q));
			if (ret)
				goto out_unlock;
			continue;
		}
		/* Only this reader takes records: the head is still rec. */
		ret = -EFAULT;
		if (copy_to_user(buf + done, &rec, sizeof(rec))) {
			if (done)
				break;
			goto out_unlock;
		}
		spin_lock(&n->qlock);
		mcs_notifyq_pop(&n->q);
		spin_unlock(&n->qlock);
		done += sizeof(rec);
	}
	ret = 0;
out_unlock:
	mutex_unlock(&n->rlock);
	return ret ? ret : (ssize_t)done;
}

static __poll_t mcs_uapi_poll(struct file *file, poll_table *wait)
{
	struct mcs_client *c = file->private_data;
	struct mcs_notifier *n = smp_load_acquire(&c->notify);

	if (!n)
		return EPOLLERR;
	poll_wait(file, &n->wq, wait);
	return mcs_notifyq_pending(&n->q) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* Copy in a global event argument; as mcs_mutex_copy_in() for mutexes. */
static int mcs_gevent_copy_in(struct mcs_gevent *a, void __user *uarg,
			      u32 flags, unsigned int how, char *name)
{
	int ret = MCS_ABI_COPY_IN(*a, uarg, flags);

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

static int mcs_gevent_create(void __user *uarg)
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
	gmm_sync_table(r, &t);
	ret = mcs_sync_make(r, &t, name, GNS_TYPE_EVENT,
			    a.flags & MCS_GEVENT_AUTO ? GSYNC_EVENT_AUTO :
						       GSYNC_EVENT_MANUAL,
			    a.flags & MCS_GEVENT_SIGNALED, a.mode, &a.gid, &h);
	mcs_access_end();
	if (ret)
		return ret;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

static int mcs_gevent_open(void __user *uarg)
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
	gmm_sync_table(r, &t);
	ret = mcs_sync_lookup(r, name, GNS_TYPE_EVENT, &a.gid);
	if (!ret)
		ret = mcs_gevent_get(&t, a.gid, MCS_SYNC_EITHER, &h);
	mcs_access_end();
	if (ret)
		return ret;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* DESTROY, SET, RESET: by GID, no waiting. */
static int mcs_gevent_cmd(void __user *uarg, unsigned int cmd)
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
	gmm_sync_table(r, &t);
	/* Destroy is the owner's (judged by gsync), set and reset writers'. */
	ret = mcs_gevent_get(&t, a.gid,
			     cmd == MCS_IOC_GEVENT_DESTROY ? 0 : MCS_SYNC_WRITE,
			     &h);
	if (!ret) {
		if (cmd == MCS_IOC_GEVENT_DESTROY)
			ret = mcs_sync_destroy(&t, a.gid);
		else if (cmd == MCS_IOC_GEVENT_SET)
			ret = gsync_event_set(&t, &h);
		else
			ret = gsync_event_reset(&t, &h);
	}
	mcs_access_end();
	return ret;
}

static int mcs_gevent_wait(void __user *uarg)
{
	char name[MCS_NAME_MAX + 2];
	struct gsync_handle h;
	struct gsync_table t;
	struct gmm_region *r;
	struct mcs_gevent a;
	u64 deadline = U64_MAX, now, slice;
	int ret;

	ret = mcs_gevent_copy_in(&a, uarg, MCS_GEVENT_TIMED, 0, name);
	if (ret)
		return ret;
	if (a.flags & MCS_GEVENT_TIMED)
		deadline = ktime_get_ns() + min_t(u64, a.timeout_ns,
						  U64_MAX / 2);
	for (;;) {
		ret = mcs_enter(&r);
		if (ret)
			break;
		gmm_sync_table(r, &t);
		ret = mcs_gevent_get(&t, a.gid, MCS_SYNC_READ, &h);
		if (!ret) {
			now = ktime_get_ns();
			/* 0 is a poll: -ETIMEDOUT unless set. */
			slice = now >= deadline ? 0 :
				min_t(u64, deadline - now, MCS_MUTEX_SLICE_NS);
			ret = gsync_event_wait(&t, &h, slice);
		}
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

static int mcs_get_info(void __user *uarg)
{
	struct mcs_info a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, 0);
	if (ret)
		return ret;
	if (a.node || a.incarnation || a.page_size || a.reserved0)
		return -EINVAL;
	ret = mcs_access_begin();
	if (ret)
		return ret;
	if (mcs_node_identity(&a.node, &a.incarnation))
		a.node = MCS_NODE_NONE;
	mcs_access_end();
	a.page_size = MCS_PAGE_SIZE;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long mcs_uapi_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct mcs_client *c = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MCS_IOC_INFO:
		return mcs_get_info(uarg);
	case MCS_IOC_SEG_CREATE:
		return mcs_seg_create(c, uarg);
	case MCS_IOC_SEG_OPEN:
		return mcs_seg_open(c, uarg);
	case MCS_IOC_SEG_RELEASE:
		return mcs_seg_release(c, uarg);
	case MCS_IOC_SEG_DESTROY:
		return mcs_seg_destroy(uarg);
	case MCS_IOC_SEG_STAT:
		return mcs_seg_stat(c, uarg);
	case MCS_IOC_NAME_SEG_CREATE:
		return mcs_name_seg_create(c, uarg);
	case MCS_IOC_NAME_SEG_OPEN:
		return mcs_name_seg_open(c, uarg);
	case MCS_IOC_NAME_UNLINK:
		return mcs_name_unlink(uarg);
	case MCS_IOC_NAME_LOOKUP:
		return mcs_name_lookup(uarg);
	case MCS_IOC_MUTEX_CREATE:
		return mcs_mutex_create(c, uarg);
	case MCS_IOC_MUTEX_OPEN:
		return mcs_mutex_open(c, uarg);
	case MCS_IOC_MUTEX_DESTROY:
		return mcs_mutex_destroy(uarg);
	case MCS_IOC_MUTEX_LOCK:
		return mcs_mutex_lock(c, uarg);
	case MCS_IOC_MUTEX_UNLOCK:
		return mcs_mutex_unlock(c, uarg, false);
	case MCS_IOC_MUTEX_CONSISTENT:
		return mcs_mutex_unlock(c, uarg, true);
	case MCS_IOC_NOTIFY_SUBSCRIBE:
		return mcs_notify_subscribe(c, uarg);
	case MCS_IOC_GEVENT_CREATE:
		return mcs_gevent_create(uarg);
	case MCS_IOC_GEVENT_OPEN:
		return mcs_gevent_open(uarg);
	case MCS_IOC_GEVENT_DESTROY:
	case MCS_IOC_GEVENT_SET:
	case MCS_IOC_GEVENT_RESET:
		return mcs_gevent_cmd(uarg, cmd);
	case MCS_IOC_GEVENT_WAIT:
		return mcs_gevent_wait(uarg);
	default:
		return -ENOTTY;
	}
}

static void mcs_vm_open(struct vm_area_struct *vma)
{
	struct mcs_share *s = vma->vm_private_data;

	atomic_inc(&s->maps);
}

static void mcs_vm_close(struct vm_area_struct *vma)
{
	struct mcs_share *s = vma->vm_private_data;

	atomic_dec(&s->maps);
}

static const struct vm_operations_struct mcs_vm_ops = {
	.open = mcs_vm_open,
	.close = mcs_vm_close,
};

/*
 * Map the page of a mutex's lock word that this file opened (the fast
 * path); -ENXIO if @off is no such page. Under c->lock. The page holds the
 * sync objects beside it too: see Documentation/uapi.md on what that lets
 * a process do.
 */
static int mcs_mutex_mmap(struct mcs_client *c, struct vm_area_struct *vma,
			  u64 off, unsigned long len)
{
	struct mcs_file_mutex *m;

	list_for_each_entry(m, &c->mutexes, node)
		if (m->page_off == off)
			break;
	if (list_entry_is_head(m, &c->mutexes, node))
		return -ENXIO;
	if (len != PAGE_SIZE)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	return remap_pfn_range(vma, vma->vm_start, PHYS_PFN(m->page_phys), len,
			       vma->vm_page_prot);
}

static int mcs_uapi_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mcs_client *c = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct mcs_share *s;
	int ret;

	/*
	 * No mcs_access_begin() here: mmap_lock is held, and a task of this
	 * process may hold the access semaphore while it faults on user
	 * memory (STATUS copies out under it) behind a queued freeze.
	 */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&c->lock);
	ret = mcs_mutex_mmap(c, vma, off, len);
	if (ret != -ENXIO)
		goto out_unlock;
	list_for_each_entry(s, &c->shares, node)
		if (off >= s->offset && off - s->offset < s->size &&
		    len <= s->size - (off - s->offset))
			break;
	if (list_entry_is_head(s, &c->shares, node))
		goto out_unlock;
	ret = -EACCES;
	if (!s->writable) {
		if (vma->vm_flags & VM_WRITE)
			goto out_unlock;
		vma->vm_flags &= ~VM_MAYWRITE;
	}
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	/* vm_page_prot is left as mmap made it: cacheable, write-back. */
	ret = remap_pfn_range(vma, vma->vm_start,
			      PHYS_PFN(s->phys + (off - s->offset)), len,
			      vma->vm_page_prot);
	if (ret)
		goto out_unlock;
	vma->vm_private_data = s;
	vma->vm_ops = &mcs_vm_ops;
	atomic_inc(&s->maps);
out_unlock:
	mutex_unlock(&c->lock);
	return ret;
}

static int mcs_uapi_open(struct inode *inode, struct file *file)
{
	struct mcs_client *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->shares);
	INIT_LIST_HEAD(&c->mutexes);
	c->pid = task_tgid_nr(current);
	mutex_lock(&mcs_open_files_lock);
	list_add(&c->open_node, &mcs_open_files);
	mutex_unlock(&mcs_open_files_lock);
	file->private_data = c;
	return nonseekable_open(inode, file);
}

/*
 * Mark the mutexes of released file @c that another open file of the same
 * process has too: that file may hold them (in user space nothing says
 * which file took a lock), and abandons them when it goes in turn. Before
 * mcs_enter(): it takes other files' locks.
 */
static void mcs_client_keep(struct mcs_client *c)
{
	struct mcs_file_mutex *m, *o;
	struct mcs_client *other;

	mutex_lock(&mcs_open_files_lock);
	list_for_each_entry(m, &c->mutexes, node) {
		list_for_each_entry(other, &mcs_open_files, open_node) {
			mutex_lock(&other->lock);
			list_for_each_entry(o, &other->mutexes, node)
				if (o->gid == m->gid &&
				    o->owner_pid == m->owner_pid)
					m->keep = true;
			mutex_unlock(&other->lock);
			if (m->keep)
				break;
		}
	}
	mutex_unlock(&mcs_open_files_lock);
}

/* Abandon the mutexes a closed file still holds; inside mcs_enter(). */
static void mcs_client_abandon(struct mcs_client *c, struct gmm_region *r)
{
	struct mcs_file_mutex *m, *tmp;
	struct gsync_table t;

	if (r)
		gmm_sync_table(r, &t);
	list_for_each_entry_safe(m, tmp, &c->mutexes, node) {
		if (r && m->idx < t.nr && !m->keep)
			glock_abandon(&t.objs[m->idx].lock, m->owner_node,
				      m->owner_inc, m->owner_pid);
		list_del(&m->node);
		kfree(m);
	}
}

/* Give back every share of a closed file, in a worker (see the top). */
static void mcs_client_release_work(struct work_struct *work)
{
	struct mcs_client *c = container_of(work, struct mcs_client,
					    release_work);
	struct mcs_share *s, *tmp;
	struct gmm_region *r;
	bool entered = false;
	int ret;

	mcs_client_keep(c);
	if (!list_empty(&c->shares) || !list_empty(&c->mutexes)) {
		ret = mcs_enter(&r);
		if (ret)
			pr_warn("mcs_uapi: shares and mutexes of pid %u left to recovery: %d\n",
				c->pid, ret);
		entered = !ret;
	}
	mcs_client_abandon(c, entered ? r : NULL);
	list_for_each_entry_safe(s, tmp, &c->shares, node) {
		if (entered && gmm_release(r, s->gid, c->pid, s->sharer))
			pr_warn("mcs_uapi: share of %#llx by pid %u not released\n",
				s->gid, c->pid);
		list_del(&s->node);
		kfree(s);
	}
	if (entered)
		mcs_access_end();
	if (c->notify)
		mcs_notify_unsubscribe(c->notify);
	kfree(c);
}

static int mcs_uapi_release(struct inode *inode, struct file *file)
{
	struct mcs_client *c = file->private_data;

	/*
	 * Now, in close order: an exiting process's files are all gone by
	 * the time their workers look for one that keeps a mutex.
	 */
	mutex_lock(&mcs_open_files_lock);
	list_del(&c->open_node);
	mutex_unlock(&mcs_open_files_lock);
	INIT_WORK(&c->release_work, mcs_client_release_work);
	queue_work(mcs_uapi_wq, &c->release_work);
	return 0;
}

static const struct file_operations mcs_uapi_fops = {
	.owner = THIS_MODULE,
	.open = mcs_uapi_open,
	.release = mcs_uapi_release,
	.read = mcs_uapi_read,
	.poll = mcs_uapi_poll,
	.unlocked_ioctl = mcs_uapi_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mcs_uapi_mmap,
	.llseek = no_llseek,
};

static struct miscdevice mcs_uapi_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mcs",
	.fops = &mcs_uapi_fops,
	.mode = 0666,
};

static int __init mcs_uapi_init(void)
{
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != MCS_PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct mcs_seg_desc) > PAGE_SIZE);
	BUILD_BUG_ON(MCS_NAME_MAX != GNS_NAME_MAX);
	BUILD_BUG_ON(MCS_NAME_T_SEGMENT != GNS_TYPE_SEGMENT ||
		     MCS_NAME_T_LOCK != GNS_TYPE_LOCK ||
		     MCS_NAME_T_EVENT != GNS_TYPE_EVENT);
	mutex_init(&mcs_notify_svc.lock);
	INIT_DELAYED_WORK(&mcs_notify_svc.work, mcs_notify_work);
	mcs_uapi_wq = alloc_workqueue("mcs_uapi", WQ_UNBOUND, 0);
	if (!mcs_uapi_wq)
		return -ENOMEM;
	ret = misc_register(&mcs_uapi_dev);
	if (ret)
		goto out_destroy_wq;
	return 0;

out_destroy_wq:
	destroy_workqueue(mcs_uapi_wq);
	return ret;
}

static void __exit mcs_uapi_exit(void)
{
	misc_deregister(&mcs_uapi_dev);
	/* The releases of files closed just before the unload, then the
	 * event service they subscribed to. */
	flush_workqueue(mcs_uapi_wq);
	cancel_delayed_work_sync(&mcs_notify_svc.work);
	if (mcs_notify_svc.es)
		mcs_events_close(mcs_notify_svc.es);
	destroy_workqueue(mcs_uapi_wq);
}

module_init(mcs_uapi_init);
module_exit(mcs_uapi_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs /dev/mcs: global memory segments for user space");
