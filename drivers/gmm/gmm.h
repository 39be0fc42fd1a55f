/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gmm.h - the global memory manager: the internal API other components use.
 *
 * A region is formatted once, then attached by every node. A handle that
 * has joined as node N allocates, shares, releases and destroys segments
 * named by 64-bit GIDs; every operation is a two-phase transaction in the
 * fabric that survives the death of its node at any instruction. When
 * membership says a node died, a survivor calls gmm_node_down() and then
 * gmm_recover(). gmm_check() proves the invariants of the tables.
 *
 * All functions return 0 or a negative errno. Errors are listed in
 * Documentation/gmm.md.
 */
#ifndef GMM_H
#define GMM_H

#include "../os/mcs_os.h"
#include "gmm_format.h"

struct gmm_region;

struct gmm_format_params {
	u32 nr_parts;          /* partitions = node slots, 2..GMM_MAX_NODES */
	u32 master_entries;    /* 0: derived from the region size */
	u32 sections_per_part; /* 0: derived */
	u32 sharers_per_part;  /* 0: derived */
	u32 sync_objects;      /* global mutexes and events; 0: derived */
	u32 gns_entries;       /* name table entries (power of two), 0: derived */
	u8 uuid[16];           /* cluster UUID, recorded in the superblock */
	u32 lease_ms;          /* the nodes' fabric lease; 0: MCS_LEASE_MS_DEFAULT */
	/* The cluster key's check for this uuid (gmm_format.h); 0: no key. */
	u8 key_check[GMM_KEY_CHECK_BYTES];
};

struct gmm_geometry {
	u64 region_size;
	u32 nr_parts;
	u32 nr_stripes;
	u32 master_entries;
	u32 sections_per_part;
	u32 sharers_per_part;
	u32 part_data_pages;
	u32 sync_objects;
	u32 gns_entries;
	u64 parts_off;	/* partition p starts at parts_off + p * part_size */
	u64 part_size;
	u64 gns_off;	/* the gns name table area, outside the partitions */
	u32 lease_ms;
	u8 uuid[16];
	u8 key_check[GMM_KEY_CHECK_BYTES]; /* all zero: a region without a key */
};

int gmm_format(void *base, u64 size, const struct gmm_format_params *params);
int gmm_attach(void *base, u64 size, struct gmm_region **out);
int gmm_region_revalidate(struct gmm_region *r);
void gmm_detach(struct gmm_region *r);
void gmm_get_geometry(const struct gmm_region *r, struct gmm_geometry *g);
__le64 *gmm_lease_word(struct gmm_region *r, u32 node);

/* Membership (fed by the membership service) */
int gmm_node_join(struct gmm_region *r, u32 node);
u32 gmm_self_node(const struct gmm_region *r);
u32 gmm_self_incarnation(const struct gmm_region *r);
int gmm_node_down(struct gmm_region *r, u32 node, u32 incarnation,
		  bool memory_lost);

struct gmm_node_info {
	u32 state; /* enum gmm_node_state */
	u32 incarnation;
	bool memory_lost;
	u32 recoverer;
};
int gmm_node_info(struct gmm_region *r, u32 node, struct gmm_node_info *info);

/*
 * A dead node's recovery, for the membership layer that runs it
 * (drivers/member/recovery.c): claim, the stages in this order, finish.
 */
struct gmm_recovery_report {
	u32 node, incarnation;
	u64 claim;	  /* the node word as claimed */
	bool memory_lost; /* its partition's memory died with it */
	bool restarted;	  /* claimed from an earlier recovery: recount all */
	u64 parts_touched; /* partitions where its sharers were removed */
	u32 sharers_removed;
	u32 txns_rolled_back;
	u32 txns_rolled_forward;
	u32 master_copies_rebuilt;
	u32 sections_freed;
	u32 sections_revoked;
	bool partition_taken_over;
	/*
	 * The first error of a stage (-EUCLEAN, -EBUSY): the stage skipped
	 * what it could not lock, and gmm_recovery_finish() fails with it.
	 */
	int error;
	/* Called for every segment lost with a partition (may be NULL). */
	void (*revoked)(void *arg, u64 gid);
	void *arg;
};
int gmm_recovery_claim(struct gmm_region *r, u32 node,
		       struct gmm_recovery_report *rep);
void gmm_recover_sharers(struct gmm_region *r, struct gmm_recovery_report *rep);
void gmm_recover_inflight(struct gmm_region *r,
			  struct gmm_recovery_report *rep);
void gmm_recover_master(struct gmm_region *r, struct gmm_recovery_report *rep);
void gmm_recover_free(struct gmm_region *r, struct gmm_recovery_report *rep);
void gmm_recover_partition(struct gmm_region *r,
			   struct gmm_recovery_report *rep);
int gmm_recovery_finish(struct gmm_region *r, struct gmm_recovery_report *rep);

/* Segments */
#define GMM_PLACE_NEAREST MCS_PLACE_NEAREST
#define GMM_PLACE_MOST_FREE MCS_PLACE_MOST_FREE

struct gmm_seg_info {
	u64 gid;
	u64 size;
	u64 offset; /* of the first byte, from the start of the region */
	u32 part;
	u32 section;
	u32 sharer;	/* this share's index, for gmm_release() */
	u32 nr_sharers;
	bool destroyed;
	u64 generation;	/* of the home partition: changes if it is lost */
};

#define GMM_SHARER_ANY (~0U)

int gmm_alloc(struct gmm_region *r, u64 gid, u64 size, int place, u32 pid,
	      struct gmm_seg_info *info);
/* What gmm_alloc_prepared() calls before a new segment can be found. */
struct gmm_seg_prep {
	void (*fn)(struct gmm_region *r, const struct gmm_seg_info *info,
		   void *arg);
	void *arg;
};
int gmm_alloc_prepared(struct gmm_region *r, u64 gid, u64 size, int place,
		       u32 pid, const struct gmm_seg_prep *prep,
		       struct gmm_seg_info *info);
int gmm_acquire(struct gmm_region *r, u64 gid, u32 pid,
		struct gmm_seg_info *info);
int gmm_release(struct gmm_region *r, u64 gid, u32 pid, u32 sharer);
int gmm_destroy(struct gmm_region *r, u64 gid);
int gmm_lookup(struct gmm_region *r, u64 gid, struct gmm_seg_info *info);
int gmm_seg_list(struct gmm_region *r, u32 *cursor, struct gmm_seg_info *info);
void *gmm_seg_ptr(struct gmm_region *r, const struct gmm_seg_info *info);
void gmm_seg_zero(struct gmm_region *r, const struct gmm_seg_info *info);

/*
 * Revocation: what a mapping of a segment must still find true, checked
 * without a handle or a lock (a page fault checks it).
 */
struct gmm_seg_stamp {
	u64 pw_off;	/* its home partition's word, from the region's start */
	u64 gen;	/* that partition's generation */
	u8 uuid[16];	/* the region's */
};
void gmm_seg_stamp(struct gmm_region *r, const struct gmm_seg_info *info,
		   struct gmm_seg_stamp *st);
bool gmm_seg_stamp_valid(const void *base, u64 size,
			 const struct gmm_seg_stamp *st);
u64 gmm_parts_signature(struct gmm_region *r);

/* Partition usage, for status tools and placement. */
struct gmm_part_info {
	u32 state; /* enum gmm_part_state */
	u32 manager;
	u32 free_pages;
	u32 data_pages;
	u32 sections_used;
	u64 generation;
	bool master_primary;
	bool master_replica;
};
int gmm_part_info(struct gmm_region *r, u32 part, struct gmm_part_info *info);

/*
 * Per-owner usage and limits (usage.c, the usage table of gmm_format.h):
 * counts the caller keeps, gmm only stores and compares them.
 */
#define GMM_USAGE_ALL (~0U)		/* gmm_usage_set_limit(): everyone's */
#define GMM_USAGE_UNLIMITED (~0ULL)	/* a limit that never refuses */
struct gmm_usage {
	u32 owner;
	u64 used[GMM_USAGE_KINDS];
	u64 limit[GMM_USAGE_KINDS];	/* in force */
	u64 own_limit[GMM_USAGE_KINDS];	/* set for this owner; 0: none */
};
int gmm_usage_lock(struct gmm_region *r, u32 owner, u32 *idx);
void gmm_usage_unlock(struct gmm_region *r, u32 idx);
void gmm_usage_set(struct gmm_region *r, u32 idx, const u64 *used);
int gmm_usage_charge(struct gmm_region *r, u32 idx, const s64 *delta,
		     bool enforce);
void gmm_usage_get(struct gmm_region *r, u32 owner, struct gmm_usage *u);
int gmm_usage_list(struct gmm_region *r, u32 *cursor, struct gmm_usage *u);
void gmm_usage_builtin_limits(struct gmm_region *r, u64 *builtin);
int gmm_usage_set_limit(struct gmm_region *r, u32 owner, const u64 *limit);

/*
 * Locks, events and sync objects. The glock context names this handle's
 * node and incarnation (an observer's until gmm_node_join()) and asks the
 * node words whether a lock owner is dead.
 */
const struct glock_ctx *gmm_glock_ctx(struct gmm_region *r);
void *gmm_event_area(struct gmm_region *r);
void *gmm_sync_area(struct gmm_region *r, u32 *nr_objs);
void *gmm_sync_locks(struct gmm_region *r);

/*
 * A fabric value out of range: counted, the first one logged; returns
 * -EUCLEAN (Documentation/gmm.md, "Corrupt regions").
 */
int gmm_corrupt(struct gmm_region *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
u64 gmm_corruptions(struct gmm_region *r);

/* Consistency checker */
struct gmm_check_report {
	u32 violations;
	u32 segments;
	u32 sharers;
	u32 free_pages;
	/* Called with a one-line description of every violation (may be NULL). */
	void (*violation)(void *arg, const char *msg);
	void *arg;
};
int gmm_check(struct gmm_region *r, struct gmm_check_report *report);
/* For the checkers of the components above gmm: one violation more. */
void gmm_check_violation(struct gmm_check_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gmm_check_lock(struct gmm_region *r, struct gmm_check_report *rep,
		    struct glock *l, const char *what, u32 i, bool table);

#endif /* GMM_H */
