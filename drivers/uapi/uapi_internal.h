/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uapi_internal.h - what the parts of mcs_uapi.ko share: the open file
 * (struct mcs_client) and its bookkeeping, and the commands each part
 * offers the ioctl dispatch in uapi_kmod.c (whose top comment documents
 * them all).
 */
#ifndef MCS_UAPI_INTERNAL_H
#define MCS_UAPI_INTERNAL_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
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

#include <linux/mcs.h>

#include "../gsync/gsync.h"
#include "../gmm/gmm.h"
#include "../gns/gns.h"
#include "../events/events.h"
#include "../node/mcs_node.h"
#include "../events/notifyq.h"

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
	u64 epoch;	/* mcs_node_epoch() of its file */
	/* What its mappings must still find at each fault (revocation). */
	struct gmm_seg_stamp stamp;
};

/*
 * One global mutex an open file opened or locked: it may hold it, through
 * the ioctls or through a mapping of its lock word (the fast path).
 */
struct mcs_file_mutex {
	struct list_head node;
	struct hlist_node by_proc; /* in the index of uapi_kmod.c */
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
 * The LEAVING records a file was given, as many as the cluster log holds:
 * an older one is overwritten there and can no longer be acknowledged.
 */
#define MCS_NOTIFY_LEAVES MCS_EVENT_LOG_LEN

struct uapi_leave {
	u64 seq;
	bool acked;
};

/*
 * A file's subscription to cluster events: MCS_NOTIFYQ_LEN records are
 * kept, more become one MCS_EV_OVERRUN (notifyq.c).
 */
struct uapi_notifier {
	struct mcs_event_sub *sub;	/* in mcs_notify_svc.es */
	u32 mask;			/* MCS_EV_MASK() bits subscribed to */
	/* Under mcs_notify_svc.lock: the newest at (nr_leaves - 1) % LEAVES. */
	u32 nr_leaves;
	struct uapi_leave leaves[MCS_NOTIFY_LEAVES];
	spinlock_t qlock;		/* q */
	wait_queue_head_t wq;		/* readers and pollers */
	struct mutex rlock;		/* one reader at a time */
	struct mcs_notifyq q;
};

struct mcs_client {
	struct mutex lock;	/* shares, mutexes, notify */
	struct list_head shares;
	struct list_head mutexes;
	u32 pid;		/* tgid of the opener: the gmm sharer owner */
	u64 epoch;		/* mcs_node_epoch() at open: older is dead */
	phys_addr_t lock_phys;	/* the fabric's, once a lock page is mapped */
	struct work_struct release_work;
	struct uapi_notifier *notify; /* set once, by NOTIFY_SUBSCRIBE */
};

extern struct workqueue_struct *mcs_uapi_wq;

/* uapi_kmod.c */
int mcs_enter(struct gmm_region **r);
void mcs_proc_mutex_add(struct mcs_file_mutex *m);

/* seg.c */
extern const struct gmm_seg_prep mcs_desc_prep;
void mcs_owner_read(struct gmm_region *r,
		    const struct gmm_seg_info *info,
		    struct mcs_seg_owner *o);
int mcs_permit(const struct mcs_seg_owner *o, u32 want);
bool mcs_is_owner(const struct mcs_seg_owner *o);
struct mcs_share *mcs_share_find(struct mcs_client *c, u64 gid);
void mcs_share_made(struct mcs_client *c, struct mcs_share *s,
		    struct gmm_region *r, const struct gmm_seg_info *info,
		    u64 size, u32 mode, struct mcs_seg_owner *o);
int mcs_share_judged(struct mcs_client *c, struct mcs_share *s,
		     struct gmm_region *r, const struct gmm_seg_info *info,
		     bool writable, struct mcs_seg_owner *o);
int uapi_seg_create(struct mcs_client *c, void __user *uarg);
int uapi_seg_open(struct mcs_client *c, void __user *uarg);
int uapi_seg_release(struct mcs_client *c, void __user *uarg);
int uapi_seg_destroy(void __user *uarg);
int uapi_seg_stat(struct mcs_client *c, void __user *uarg);

/* name.c */
int uapi_name_seg_create(struct mcs_client *c, void __user *uarg);
int uapi_name_seg_open(struct mcs_client *c, void __user *uarg);
int uapi_name_unlink(void __user *uarg);
int uapi_name_lookup(void __user *uarg);

/* sync.c */
int uapi_mutex_create(struct mcs_client *c, void __user *uarg);
int uapi_mutex_open(struct mcs_client *c, void __user *uarg);
int uapi_mutex_destroy(void __user *uarg);
int uapi_mutex_lock(struct mcs_client *c, void __user *uarg);
int uapi_mutex_unlock(struct mcs_client *c, void __user *uarg,
		     bool consistent);
int mcs_sync_owner_uid(struct gmm_region *r, u64 gid, u32 *uid);
int uapi_gevent_create(void __user *uarg);
int uapi_gevent_open(void __user *uarg);
int uapi_gevent_cmd(void __user *uarg, unsigned int cmd);
int uapi_gevent_wait(void __user *uarg);

/* usage.c: per-uid limits */
u32 mcs_usage_me(void);
int mcs_usage_lock(struct gmm_region *r, u32 uid, u32 *idx);
void mcs_usage_credit(struct gmm_region *r, u32 idx, const s64 *delta);
int mcs_usage_begin(struct gmm_region *r, u32 uid, const s64 *cost, u32 *idx);
void mcs_usage_made(struct gmm_region *r, u32 idx, const s64 *cost, int made);
void mcs_usage_of_seg(s64 *delta, u64 bytes, bool named);
void mcs_usage_of_sync(s64 *delta, bool named);

/* notify.c */
int uapi_notify_subscribe(struct mcs_client *c, void __user *uarg);
int uapi_notify_ack(struct mcs_client *c, void __user *uarg);
void uapi_notify_unsubscribe(struct uapi_notifier *n, u64 epoch);
ssize_t mcs_uapi_read(struct file *file, char __user *buf, size_t len,
		      loff_t *ppos);
__poll_t mcs_uapi_poll(struct file *file, poll_table *wait);
void mcs_notify_init(void);
void mcs_notify_exit(void);

#endif /* MCS_UAPI_INTERNAL_H */
