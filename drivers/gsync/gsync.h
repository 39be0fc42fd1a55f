/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gsync.h - global mutexes and events for applications, built on glock.
 *
 * A table of sync objects lives in the region (its size is chosen at
 * format time and recorded in the superblock). Each object is named by a
 * 64-bit GID (the name service maps names to these GIDs) and is one of:
 *
 *   - a mutex: a glock with owner-dead semantics (Win32 WAIT_ABANDONED is
 *     -EOWNERDEAD here; the holder calls gsync_mutex_consistent()),
 *   - a manual-reset event: once set, releases every waiter until reset,
 *   - an auto-reset event: each set releases exactly one waiter (or the
 *     next one to wait) and resets itself.
 *
 * Usable from any node that attached the region. Timeouts: 0 polls,
 * GSYNC_INFINITE waits for ever. See Documentation/events.md.
 */
#ifndef GSYNC_H
#define GSYNC_H

#include "../glock/glock.h"
#include "../gmm/gmm_format.h"
#include <linux/mcs.h>

enum gsync_type {
	GSYNC_MUTEX = 1,
	GSYNC_EVENT_MANUAL = 2,
	GSYNC_EVENT_AUTO = 3,
};

#define GSYNC_INFINITE (~0ULL)

/*
 * One object: a cache line of identity and state; its lock is on a page of
 * its own (struct gsync_lockpage), which the owner of a mutex may map.
 */
struct gsync_obj {
	__le64 reserved0[8];
	__le64 gid;        /* 0 = free slot; published last on create */
	__le32 type;       /* enum gsync_type */
	__le32 signaled;   /* events: 1 = set */
	__le32 seq;        /* events: sleepers wait on it; bumped by set */
	__le32 mode;       /* struct gsync_owner, written before gid */
	__le32 uid;
	__le32 gid_owner;
	__le64 reserved[4];
};

/* The region format: two cache lines an object. */
_Static_assert(sizeof(struct gsync_obj) == 128, "gsync_obj is 128 bytes");

/*
 * An object's lock page: the mutex, or the guard of an event's state, and
 * a copy of the GID for user space (struct mcs_sync_obj: libmcs checks a
 * mapped lock is still its mutex). Nothing else is on the page, so what a
 * process writes through a mapping of it reaches that lock only. The
 * kernel never believes the copy: a mapping may have changed it.
 */
struct gsync_lockpage {
	struct glock lock;
	__le64 gid;
	__le32 kernel[14];
};

_Static_assert(sizeof(struct gsync_lockpage) == sizeof(struct mcs_sync_obj) &&
		       offsetof(struct gsync_lockpage, lock) ==
			       offsetof(struct mcs_sync_obj, lock) &&
		       offsetof(struct gsync_lockpage, gid) ==
			       offsetof(struct mcs_sync_obj, gid),
	       "a lock page begins as mcs_sync_obj");

/*
 * Who made an object and what others may do with it (file-like rwx bits,
 * judged by the host: the uapi driver). The core only keeps it, and lets
 * gsync_destroy_owned() remove an object only for its owner.
 */
struct gsync_owner {
	u32 uid;
	u32 gid;
	u32 mode;
};

/* What gsync_create() records: root's, 0600. */
#define GSYNC_OWNER_DEFAULT_MODE 0600
/* gsync_destroy_owned(): any owner will do. */
#define GSYNC_ANY_UID (~0U)

struct gsync_hdr {
	struct glock lock; /* serialises create and destroy */
	__le32 nr_objs;
	__le32 reserved0;
	__le64 reserved[7];
};

_Static_assert(sizeof(struct gsync_hdr) == 128, "gsync_hdr is 128 bytes");

/* A node's view of the table (process-local, built by the region owner). */
struct gsync_table {
	struct gsync_hdr *hdr;
	struct gsync_obj *objs;
	u32 nr;
	/* Object i's lock page at locks + i * lock_stride. */
	u8 *locks;
	u64 lock_stride;
	const struct glock_ctx *ctx;
	/*
	 * Per node, a bit per object it opened (or created) in its current
	 * incarnation, set before it can hold the object's lock: recovery
	 * breaks only those. NULL: not kept (the lock model check).
	 */
	__le64 *opened;
	/*
	 * Called with an object whose type is none of enum gsync_type (a
	 * wild write): counts and logs it, returns -EUCLEAN (a region's
	 * table: gmm_corrupt()). NULL: -EUCLEAN, nothing counted.
	 */
	int (*corrupt)(void *arg, u32 idx, u32 type);
	void *corrupt_arg;
};

/* Node @node's bitmap of opened objects, in the words gmm sized. */
static inline u32 gsync_opened_words(const struct gsync_table *t)
{
	return (u32)GMM_SYNC_OPEN_WORDS(t->nr);
}

static inline __le64 *gsync_opened_of(const struct gsync_table *t, u32 node)
{
	return t->opened + (u64)node * gsync_opened_words(t);
}

static inline struct gsync_lockpage *gsync_lockpage(const struct gsync_table *t,
						     u32 idx)
{
	return (struct gsync_lockpage *)(t->locks + idx * t->lock_stride);
}

/* Object @idx's lock; @idx < t->nr. */
static inline struct glock *gsync_lock(const struct gsync_table *t, u32 idx)
{
	return &gsync_lockpage(t, idx)->lock;
}

/* What an open object is known by: its slot and GID (checked each use). */
struct gsync_handle {
	u32 idx;
	u64 gid;
};

int gsync_create(struct gsync_table *t, u64 gid, u32 type, bool signaled,
		 struct gsync_handle *h);
int gsync_create_owned(struct gsync_table *t, u64 gid, u32 type,
		       bool signaled, const struct gsync_owner *owner,
		       struct gsync_handle *h);
int gsync_owner(struct gsync_table *t, const struct gsync_handle *h,
		struct gsync_owner *owner);
int gsync_open(struct gsync_table *t, u64 gid, struct gsync_handle *h);
int gsync_destroy(struct gsync_table *t, u64 gid);
int gsync_destroy_owned(struct gsync_table *t, u64 gid, u32 uid, u32 type);

int gsync_mutex_lock(struct gsync_table *t, const struct gsync_handle *h,
		     u64 timeout_ns);
int gsync_mutex_unlock(struct gsync_table *t, const struct gsync_handle *h);
int gsync_mutex_consistent(struct gsync_table *t,
			   const struct gsync_handle *h);

int gsync_event_set(struct gsync_table *t, const struct gsync_handle *h);
int gsync_event_reset(struct gsync_table *t, const struct gsync_handle *h);
int gsync_event_wait(struct gsync_table *t, const struct gsync_handle *h,
		     u64 timeout_ns);

int gsync_process_exit(struct gsync_table *t, u32 node, u32 incarnation,
		       u32 pid);
int gsync_node_down(struct gsync_table *t, u32 node, u32 incarnation);

/* The table of a gmm region (region.c). */
struct gmm_region;
struct gmm_check_report;
void gsync_table_of(struct gmm_region *r, struct gsync_table *t);
u32 gsync_recover(struct gmm_region *r, u32 node, u32 incarnation);
void gsync_check(struct gmm_region *r, struct gmm_check_report *rep);

#endif /* GSYNC_H */
