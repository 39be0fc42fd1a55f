/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libmcs.h - the user library of mcs: global memory segments shared by the
 * nodes of a multi computer system, over /dev/mcs.
 *
 * Every function returns 0 (or a documented non-negative value) on
 * success and a negative errno on failure; errno itself is not used.
 * A context is safe to use from several threads at once.
 *
 * Naming: mcs_<object>_<verb>(ctx, gid, ...) works on the object with
 * that GID; mcs_<object>_<verb>_name(ctx, name, ..., &gid) finds or makes
 * it by its global name and returns its GID (segments, mutexes, events).
 * The structures the library fills in (mcs_seg_stat, mcs_notice) keep
 * their size; new fields take their reserved space, which is zeroed.
 *
 * Three independent groups (Documentation/libmcs.md, the man pages):
 *   - mcs_va_*: reserve and unreserve virtual address ranges, at the same
 *     address on every node when asked;
 *   - mcs_seg_create/open/release/destroy/stat: hold global segments
 *     (create and open by GID, or by name with mcs_seg_create_name/
 *     mcs_seg_open_name);
 *   - mcs_seg_map/unmap/remap: map a part of a held segment, into a
 *     reserved range or anywhere, and switch a mapping to another segment
 *     without losing its address;
 *   - mcs_name_unlink, mcs_name_lookup: the global names themselves (of
 *     segments, mutexes and events; like shm_unlink()), the same on
 *     every node;
 *   - mcs_mutex_*: global mutexes with robust (owner-dead) semantics;
 *   - mcs_event_*: global events, manual-reset or auto-reset (Win32-like);
 *   - mcs_notify_*: cluster events (node down, node up, resource lost,
 *     recovery done, and a planned leave announced, which subscribers
 *     acknowledge) on a file descriptor one can poll.
 */
#ifndef LIBMCS_H
#define LIBMCS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/mcs.h> /* MCS_PLACE_*, MCS_SEG_*, MCS_EV_*, MCS_GEVENT_* */

#ifdef __cplusplus
extern "C" {
#endif

struct mcs_ctx;

/* Context */
int mcs_open(struct mcs_ctx **ctx, const char *device);
void mcs_close(struct mcs_ctx *ctx);
int mcs_node(struct mcs_ctx *ctx, uint32_t *node, uint32_t *incarnation);

/* Segments */
struct mcs_seg_stat {
	uint64_t gid;
	uint64_t size;	     /* mappable bytes */
	uint32_t owner_uid;
	uint32_t owner_gid;
	uint32_t mode;	     /* permission bits, as for files */
	uint32_t home;	     /* partition (node) holding its memory */
	uint32_t nr_sharers; /* shares held, on every node */
	uint32_t state;	     /* MCS_SEG_S_* */
	uint64_t reserved[4]; /* zero: room for new fields */
};

int mcs_seg_create(struct mcs_ctx *ctx, uint64_t gid, uint64_t size,
		   int place, unsigned int mode);
int mcs_seg_create_name(struct mcs_ctx *ctx, const char *name, uint64_t size,
			int place, unsigned int mode, uint64_t *gid);
int mcs_seg_open(struct mcs_ctx *ctx, uint64_t gid, unsigned int flags);
int mcs_seg_open_name(struct mcs_ctx *ctx, const char *name,
		      unsigned int flags, uint64_t *gid);
int mcs_seg_release(struct mcs_ctx *ctx, uint64_t gid);
int mcs_seg_destroy(struct mcs_ctx *ctx, uint64_t gid);
int mcs_seg_stat(struct mcs_ctx *ctx, uint64_t gid, struct mcs_seg_stat *st);

/* Names */
int mcs_name_unlink(struct mcs_ctx *ctx, const char *name);
int mcs_name_lookup(struct mcs_ctx *ctx, const char *name, uint64_t *gid,
		    uint32_t *type);

/* Global mutexes */
int mcs_mutex_create(struct mcs_ctx *ctx, uint64_t gid, unsigned int mode);
int mcs_mutex_create_name(struct mcs_ctx *ctx, const char *name,
			  unsigned int mode, uint64_t *gid);
int mcs_mutex_open(struct mcs_ctx *ctx, uint64_t gid);
int mcs_mutex_open_name(struct mcs_ctx *ctx, const char *name, uint64_t *gid);
int mcs_mutex_destroy(struct mcs_ctx *ctx, uint64_t gid);
int mcs_mutex_lock(struct mcs_ctx *ctx, uint64_t gid);
int mcs_mutex_trylock(struct mcs_ctx *ctx, uint64_t gid);
int mcs_mutex_timedlock(struct mcs_ctx *ctx, uint64_t gid,
			uint64_t timeout_ns);
int mcs_mutex_unlock(struct mcs_ctx *ctx, uint64_t gid);
int mcs_mutex_consistent(struct mcs_ctx *ctx, uint64_t gid);

/* Global events */
int mcs_event_create(struct mcs_ctx *ctx, uint64_t gid, unsigned int flags,
		     unsigned int mode);
int mcs_event_create_name(struct mcs_ctx *ctx, const char *name,
			  unsigned int flags, unsigned int mode, uint64_t *gid);
int mcs_event_open(struct mcs_ctx *ctx, uint64_t gid);
int mcs_event_open_name(struct mcs_ctx *ctx, const char *name, uint64_t *gid);
int mcs_event_destroy(struct mcs_ctx *ctx, uint64_t gid);
int mcs_event_set(struct mcs_ctx *ctx, uint64_t gid);
int mcs_event_reset(struct mcs_ctx *ctx, uint64_t gid);
int mcs_event_wait(struct mcs_ctx *ctx, uint64_t gid);
int mcs_event_timedwait(struct mcs_ctx *ctx, uint64_t gid,
			uint64_t timeout_ns);

/* Cluster events */
struct mcs_notifier;

struct mcs_notice {
	uint64_t seq;	      /* cluster-wide, increasing */
	uint32_t type;	      /* MCS_EV_* */
	uint32_t node;	      /* the node it is about */
	uint32_t incarnation; /* of that node */
	uint32_t flags;	      /* MCS_EVF_* */
	uint64_t arg;	      /* LEAVING: grace period (ns);
				 RESOURCE_LOST: segments revoked;
				 OVERRUN: records missed */
	uint64_t reserved[4]; /* zero: room for new fields */
};

int mcs_notify_open(struct mcs_notifier **nf, const char *device,
		    uint32_t mask, uint64_t *seq);
void mcs_notify_close(struct mcs_notifier *nf);
int mcs_notify_fd(struct mcs_notifier *nf);
int mcs_notify_read(struct mcs_notifier *nf, struct mcs_notice *ev,
		    int timeout_ms);
int mcs_notify_ack(struct mcs_notifier *nf, uint64_t seq);

/* Mappings */
int mcs_seg_map(struct mcs_ctx *ctx, uint64_t gid, uint64_t offset,
		size_t length, int prot, void *addr, void **mapped);
int mcs_seg_unmap(struct mcs_ctx *ctx, void *addr);
int mcs_seg_remap(struct mcs_ctx *ctx, void *addr, uint64_t gid,
		  uint64_t offset);

/* Virtual address reservations */
#define MCS_VA_FIXED (1U << 0) /* exactly at addr, or -EEXIST */

/* The window of same-address reservations (mcs_va_reserve_shared). */
#define MCS_VA_SHARED_BASE 0x100000000000ULL /* 16 TiB */
#define MCS_VA_SHARED_SLOT (1ULL << 30)	     /* 1 GiB per key */
#define MCS_VA_SHARED_SLOTS 16384ULL

int mcs_va_reserve(struct mcs_ctx *ctx, void *addr, size_t length,
		   unsigned int flags, void **reserved);
int mcs_va_reserve_shared(struct mcs_ctx *ctx, uint64_t key, size_t length,
			  void **reserved);
int mcs_va_unreserve(struct mcs_ctx *ctx, void *addr);

#ifdef __cplusplus
}
#endif

#endif /* LIBMCS_H */
