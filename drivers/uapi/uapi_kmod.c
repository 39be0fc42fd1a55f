// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_kmod.c - mcs_uapi.ko: /dev/mcs, global memory for user space.
 *
 * A misc character device open to every user. Each open file is one
 * client (libmcs opens one per context) and keeps its own bookkeeping:
 * the segment shares it holds and, through them, its mappings. Each
 * ioctl takes one structure of include/uapi/linux/mcs.h that grows by
 * size (mcs_abi_copy_in(): argsz below its SIZE_VER0 -EINVAL, bytes past
 * what this kernel knows non-zero -E2BIG, unknown flags bits -EINVAL);
 * reserved and output fields must be zero (-EINVAL); what is filled in is
 * copied back up to argsz. Unknown commands fail with -ENOTTY, bad
 * pointers with -EFAULT. Commands that touch the fabric fail with
 * -ENOTCONN before this node joins, -ESHUTDOWN while it is frozen,
 * -ENODEV without a fabric.
 *
 * MCS_IOC_INFO         this node's id and incarnation, the page size and
 *                      the features this kernel offers (MCS_FEAT_*,
 *                      MCS_UAPI_FEATURES), for callers of at least
 *                      MCS_INFO_SIZE_VER1; from MCS_INFO_SIZE_VER2 on the
 *                      caller's pid and tid in the initial PID namespace
 *                      (task_tgid_nr(), task_pid_nr()): the ids lock
 *                      owners carry here (mcs_mutex_describe(), glock's
 *                      mcs_os_process_id() and mcs_os_thread_id()), which
 *                      a fast-path taker in a PID namespace cannot know.
 *
 * MCS_IOC_SEG_CREATE   gmm_alloc() a segment of `size` bytes (a non-zero
 *                      multiple of MCS_PAGE_SIZE) at `place`, owned by the
 *                      caller's fsuid/fsgid with permission bits `mode`;
 *                      the file holds its first share, writable. The
 *                      memory is zeroed. -EEXIST, -ENOSPC, -EFBIG, -ENFILE
 *                      as gmm; -EINVAL for a bad size, place or mode, or
 *                      a GID with GNS_GID_BASE (the names' range).
 * MCS_IOC_SEG_OPEN     gmm_acquire() a share of segment `gid`, read-write
 *                      or MCS_SEG_RDONLY; the mode must allow it (-EACCES).
 *                      -EALREADY if this file holds a share of it already,
 *                      -ENOENT (none, or destroyed), -ENXIO (memory lost).
 * MCS_IOC_SEG_RELEASE  give the share back (gmm_release()); -ENOENT if the
 *                      file holds none, -EBUSY while it is mapped.
 * MCS_IOC_SEG_DESTROY  gmm_destroy(), like shm_unlink(): the GID is gone
 *                      at once (open and stat: -ENOENT); the memory is
 *                      freed with the last share, on whichever node. Owner
 *                      or CAP_SYS_ADMIN only (-EPERM). Not a named
 *                      segment's GID (-EINVAL): NAME_UNLINK destroys it.
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
 *                      `mask` (bits of MCS_EV_APP_MASK and MCS_EV_LEAVING,
 *                      at least one, and optionally MCS_EV_OVERRUN's, which
 *                      comes anyway; other bits -EINVAL). A subscriber to
 *                      LEAVING is counted in the fabric (cev_subscribe()):
 *                      a planned leave waits for its NOTIFY_ACK or the
 *                      grace period. Closing the file uncounts it, inside
 *                      mcs_access_begin/end; if the node may not touch
 *                      the fabric then (frozen, or fenced and joined
 *                      anew), the count stays until the node is
 *                      recovered, which zeroes it, and planned leaves
 *                      meanwhile wait out their grace period.
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
 * MCS_IOC_NOTIFY_ACK   acknowledge the LEAVING record `seq` (struct
 *                      mcs_notify_ack; reserved zero): cev_ack(), the
 *                      planned leave may go on once every subscriber
 *                      counted when it was posted acknowledged. The file
 *                      must have subscribed (-EINVAL) and been given that
 *                      record (-EINVAL otherwise; also for a record it
 *                      lost in an OVERRUN, which it still knows and may
 *                      acknowledge); each record once (-EALREADY);
 *                      -ENOENT once the cluster log overwrote the record
 *                      (the leave went ahead: it waits for nothing that
 *                      old); -ESTALE if the region was attached anew.
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
#include "uapi_internal.h"

struct workqueue_struct *mcs_uapi_wq;

/*
 * Every open file's mutexes, by process and GID. A lock taken in user
 * space carries its process's tag, not its file's, so a file released
 * while its process lives on leaves alone the mutexes another open file
 * of that process has (mcs_client_unlist()). Found by key, a release
 * costs its own mutexes, not every file's.
 */
#define MCS_PROC_MUTEX_BITS 12
static DEFINE_HASHTABLE(mcs_proc_mutexes, MCS_PROC_MUTEX_BITS);
static DEFINE_SPINLOCK(mcs_proc_mutexes_lock);

static u64 mcs_proc_mutex_key(const struct mcs_file_mutex *m)
{
	return m->gid ^ ((u64)m->owner_pid << 40) ^ m->owner_pid;
}

/* A file recorded mutex @m (new in its list); under the file's lock. */
void mcs_proc_mutex_add(struct mcs_file_mutex *m)
{
	spin_lock(&mcs_proc_mutexes_lock);
	hash_add(mcs_proc_mutexes, &m->by_proc, mcs_proc_mutex_key(m));
	spin_unlock(&mcs_proc_mutexes_lock);
}

/* Enter shared state as a joined node. */
int mcs_enter(struct gmm_region **r)
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

/* What this /dev/mcs offers: every command group above. */
#define MCS_UAPI_FEATURES                                                  \
	(MCS_FEAT_SEG | MCS_FEAT_NAME | MCS_FEAT_MUTEX | MCS_FEAT_MUTEX_MAP | \
	 MCS_FEAT_NOTIFY | MCS_FEAT_GEVENT | MCS_FEAT_NOTIFY_LEAVE |          \
	 MCS_FEAT_TASK_IDS)

static int uapi_info(void __user *uarg)
{
	struct mcs_info a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_INFO_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.node || a.incarnation || a.page_size || a.reserved0 ||
	    a.features || a.pid || a.tid)
		return -EINVAL;
	ret = mcs_access_begin();
	if (ret)
		return ret;
	if (mcs_node_identity(&a.node, &a.incarnation))
		a.node = MCS_NODE_NONE;
	mcs_access_end();
	a.page_size = MCS_PAGE_SIZE;
	a.features = MCS_UAPI_FEATURES;
	/* Not the caller's namespace: what the lock words must carry. */
	a.pid = task_tgid_nr(current);
	a.tid = task_pid_nr(current);
	return MCS_ABI_COPY_OUT(uarg, a);
}

static long mcs_uapi_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct mcs_client *c = file->private_data;
	void __user *uarg = (void __user *)arg;

	cmd = MCS_IOC_CMD(cmd);
	if (cmd == MCS_IOC_CMD(MCS_IOC_INFO))
		return uapi_info(uarg);
	/* Opened by an identity of this node that was fenced and recovered. */
	if (c->epoch != mcs_node_epoch())
		return -ESTALE;
	switch (cmd) {
	case MCS_IOC_CMD(MCS_IOC_SEG_CREATE):
		return uapi_seg_create(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_SEG_OPEN):
		return uapi_seg_open(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_SEG_RELEASE):
		return uapi_seg_release(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_SEG_DESTROY):
		return uapi_seg_destroy(uarg);
	case MCS_IOC_CMD(MCS_IOC_SEG_STAT):
		return uapi_seg_stat(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_NAME_SEG_CREATE):
		return uapi_name_seg_create(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_NAME_SEG_OPEN):
		return uapi_name_seg_open(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_NAME_UNLINK):
		return uapi_name_unlink(uarg);
	case MCS_IOC_CMD(MCS_IOC_NAME_LOOKUP):
		return uapi_name_lookup(uarg);
	case MCS_IOC_CMD(MCS_IOC_MUTEX_CREATE):
		return uapi_mutex_create(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_MUTEX_OPEN):
		return uapi_mutex_open(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_MUTEX_DESTROY):
		return uapi_mutex_destroy(uarg);
	case MCS_IOC_CMD(MCS_IOC_MUTEX_LOCK):
		return uapi_mutex_lock(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_MUTEX_UNLOCK):
		return uapi_mutex_unlock(c, uarg, false);
	case MCS_IOC_CMD(MCS_IOC_MUTEX_CONSISTENT):
		return uapi_mutex_unlock(c, uarg, true);
	case MCS_IOC_CMD(MCS_IOC_NOTIFY_SUBSCRIBE):
		return uapi_notify_subscribe(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_NOTIFY_ACK):
		return uapi_notify_ack(c, uarg);
	case MCS_IOC_CMD(MCS_IOC_GEVENT_CREATE):
		return uapi_gevent_create(uarg);
	case MCS_IOC_CMD(MCS_IOC_GEVENT_OPEN):
		return uapi_gevent_open(uarg);
	case MCS_IOC_CMD(MCS_IOC_GEVENT_DESTROY):
	case MCS_IOC_CMD(MCS_IOC_GEVENT_SET):
	case MCS_IOC_CMD(MCS_IOC_GEVENT_RESET):
		return uapi_gevent_cmd(uarg, cmd);
	case MCS_IOC_CMD(MCS_IOC_GEVENT_WAIT):
		return uapi_gevent_wait(uarg);
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

/*
 * The inodes /dev/mcs was opened through (one, unless someone made more
 * device nodes), held until unload: a freeze or fence zaps every user
 * mapping of the fabric through their mappings (mcs_uapi_zap()); faults
 * then insert the pages again after a THAW, or fail with SIGBUS once the
 * node was fenced.
 */
struct mcs_uapi_inode {
	struct list_head node;
	struct inode *inode;
};

static LIST_HEAD(mcs_uapi_inodes);
static DEFINE_MUTEX(mcs_uapi_inodes_lock);

static int mcs_uapi_inode_note(struct inode *inode)
{
	struct mcs_uapi_inode *i;
	int ret = 0;

	mutex_lock(&mcs_uapi_inodes_lock);
	list_for_each_entry(i, &mcs_uapi_inodes, node)
		if (i->inode == inode)
			goto out_unlock;
	ret = -ENOMEM;
	i = kmalloc(sizeof(*i), GFP_KERNEL);
	if (!i)
		goto out_unlock;
	ihold(inode);
	i->inode = inode;
	list_add(&i->node, &mcs_uapi_inodes);
	ret = 0;
out_unlock:
	mutex_unlock(&mcs_uapi_inodes_lock);
	return ret;
}

static int mcs_uapi_zap(struct notifier_block *nb, unsigned long action,
			void *data)
{
	struct mcs_uapi_inode *i;

	mutex_lock(&mcs_uapi_inodes_lock);
	list_for_each_entry(i, &mcs_uapi_inodes, node)
		unmap_mapping_range(i->inode->i_mapping, 0, 0, 1);
	mutex_unlock(&mcs_uapi_inodes_lock);
	return NOTIFY_OK;
}

static void mcs_uapi_inodes_put(void)
{
	struct mcs_uapi_inode *i, *tmp;

	list_for_each_entry_safe(i, tmp, &mcs_uapi_inodes, node) {
		iput(i->inode);
		kfree(i);
	}
}

static struct notifier_block mcs_uapi_freeze_nb = {
	.notifier_call = mcs_uapi_zap,
};

/*
 * Revocation: every MCS_REVOKE_POLL_MS, whether a partition was lost or
 * formatted again, or the region formatted anew, since the last look; if
 * so, every mapping is zapped, and each share's next fault finds whether
 * its memory is still its own (mcs_share_fault()): SIGBUS if not.
 */
#define MCS_REVOKE_POLL_MS 50

static struct {
	struct delayed_work work;
	u64 sig;
	bool have_sig;
} mcs_revoke;

static void mcs_revoke_watch(struct work_struct *work)
{
	struct gmm_region *r;
	bool zap = false;
	u64 sig;

	if (!mcs_access_begin()) {
		r = mcs_region();
		if (r) {
			sig = gmm_parts_signature(r);
			zap = mcs_revoke.have_sig && sig != mcs_revoke.sig;
			mcs_revoke.sig = sig;
			mcs_revoke.have_sig = true;
		}
		mcs_access_end();
	}
	if (zap)
		mcs_uapi_zap(NULL, 0, NULL);
	queue_delayed_work(mcs_uapi_wq, &mcs_revoke.work,
			   msecs_to_jiffies(MCS_REVOKE_POLL_MS));
}

/* Insert the page at @pfn, unless the node freezes meanwhile. */
static vm_fault_t mcs_fault_insert(struct vm_fault *vmf, u64 epoch,
				   unsigned long pfn)
{
	vm_fault_t ret;

	if (mcs_mapping_wait(epoch))
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	smp_mb(); /* the page before the flag: see mcs_mapping_frozen() */
	if (ret == VM_FAULT_NOPAGE && mcs_mapping_frozen())
		zap_vma_ptes(vmf->vma, vmf->address & PAGE_MASK, PAGE_SIZE);
	return ret;
}

/*
 * A share's page faults in only while its memory is still the segment's:
 * not once its partition was lost or formatted again, or the region
 * formatted anew (the watcher below zaps the mappings when that happens).
 */
static vm_fault_t mcs_share_fault(struct vm_fault *vmf)
{
	struct mcs_share *s = vmf->vma->vm_private_data;
	void *base;
	u64 size;

	if (mcs_fabric_get(&base, &size) ||
	    !gmm_seg_stamp_valid(base, size, &s->stamp))
		return VM_FAULT_SIGBUS;
	return mcs_fault_insert(vmf, s->epoch,
				PHYS_PFN(s->phys - s->offset) + vmf->pgoff);
}

static const struct vm_operations_struct mcs_vm_ops = {
	.open = mcs_vm_open,
	.close = mcs_vm_close,
	.fault = mcs_share_fault,
};

static vm_fault_t mcs_lock_fault(struct vm_fault *vmf)
{
	struct mcs_client *c = vmf->vma->vm_private_data;

	return mcs_fault_insert(vmf, c->epoch,
				PHYS_PFN(c->lock_phys) + vmf->pgoff);
}

/* The file outlives its VMAs: c is valid as long as they are. */
static const struct vm_operations_struct mcs_lock_vm_ops = {
	.fault = mcs_lock_fault,
};

/*
 * Map the lock page of a mutex this file opened (the fast path); -ENXIO
 * if @off is no such page. Under c->lock. The page holds that lock and a
 * copy of its GID, nothing else (struct gsync_lockpage).
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
	c->lock_phys = m->page_phys - m->page_off;
	vma->vm_private_data = c;
	vma->vm_ops = &mcs_lock_vm_ops;
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

	if (mcs_uapi_inode_note(inode))
		return -ENOMEM;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->shares);
	INIT_LIST_HEAD(&c->mutexes);
	c->pid = task_tgid_nr(current);
	c->epoch = mcs_node_epoch();
	file->private_data = c;
	return nonseekable_open(inode, file);
}

/*
 * Take released file @c's mutexes out of the index, marking those that
 * another open file of the same process has too: that file may hold them
 * (in user space nothing says which file took a lock), and abandons them
 * when it goes in turn. At release, in close order: of an exiting
 * process's files, the last one closed abandons.
 */
static void mcs_client_unlist(struct mcs_client *c)
{
	struct mcs_file_mutex *m, *o;

	spin_lock(&mcs_proc_mutexes_lock);
	list_for_each_entry(m, &c->mutexes, node) {
		hash_del(&m->by_proc);
		hash_for_each_possible(mcs_proc_mutexes, o, by_proc,
				       mcs_proc_mutex_key(m))
			if (o->gid == m->gid && o->owner_pid == m->owner_pid) {
				m->keep = true;
				break;
			}
	}
	spin_unlock(&mcs_proc_mutexes_lock);
}

/* Abandon the mutexes a closed file still holds; inside mcs_enter(). */
static void mcs_client_abandon(struct mcs_client *c, struct gmm_region *r)
{
	struct mcs_file_mutex *m, *tmp;
	struct gsync_table t;

	if (r)
		gsync_table_of(r, &t);
	list_for_each_entry_safe(m, tmp, &c->mutexes, node) {
		if (r && m->idx < t.nr && !m->keep)
			glock_abandon(gsync_lock(&t, m->idx), m->owner_node,
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

	/* An older identity's shares and locks were recovered by the others. */
	if (c->epoch == mcs_node_epoch() &&
	    (!list_empty(&c->shares) || !list_empty(&c->mutexes))) {
		ret = mcs_enter(&r);
		if (ret)
			pr_warn("mcs_uapi: shares and mutexes of pid %u left to recovery: %d\n",
				c->pid, ret);
		entered = !ret;
	}
	mcs_client_abandon(c, entered ? r : NULL);
	list_for_each_entry_safe(s, tmp, &c->shares, node) {
		/* -ENXIO: revoked with its lost partition, and the share too. */
		ret = entered ? gmm_release(r, s->gid, c->pid, s->sharer) : 0;
		if (ret && ret != -ENXIO)
			pr_warn("mcs_uapi: share of %#llx by pid %u not released: %d\n",
				s->gid, c->pid, ret);
		list_del(&s->node);
		kfree(s);
	}
	if (entered)
		mcs_access_end();
	if (c->notify)
		uapi_notify_unsubscribe(c->notify, c->epoch);
	kfree(c);
}

static int mcs_uapi_release(struct inode *inode, struct file *file)
{
	struct mcs_client *c = file->private_data;

	mcs_client_unlist(c);
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
	mcs_notify_init();
	mcs_uapi_wq = alloc_workqueue("mcs_uapi", WQ_UNBOUND, 0);
	if (!mcs_uapi_wq)
		return -ENOMEM;
	ret = mcs_freeze_notifier_register(&mcs_uapi_freeze_nb);
	if (ret)
		goto out_destroy_wq;
	ret = misc_register(&mcs_uapi_dev);
	if (ret)
		goto out_notifier;
	INIT_DELAYED_WORK(&mcs_revoke.work, mcs_revoke_watch);
	queue_delayed_work(mcs_uapi_wq, &mcs_revoke.work, 0);
	return 0;

out_notifier:
	mcs_freeze_notifier_unregister(&mcs_uapi_freeze_nb);
out_destroy_wq:
	destroy_workqueue(mcs_uapi_wq);
	return ret;
}

static void __exit mcs_uapi_exit(void)
{
	misc_deregister(&mcs_uapi_dev);
	cancel_delayed_work_sync(&mcs_revoke.work);
	mcs_freeze_notifier_unregister(&mcs_uapi_freeze_nb);
	/*
	 * The releases of files closed just before the unload, then the
	 * event service they subscribed to.
	 */
	flush_workqueue(mcs_uapi_wq);
	mcs_notify_exit();
	destroy_workqueue(mcs_uapi_wq);
	mcs_uapi_inodes_put();
}

module_init(mcs_uapi_init);
module_exit(mcs_uapi_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs /dev/mcs: global memory segments for user space");
