/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gmm_format.h - the layout of the global region in the fabric.
 *
 * Every node maps the region at its own address, so the region holds
 * offsets and indexes only, in fixed-width little-endian fields. The layout
 * (see Documentation/region-format.md):
 *
 *   offset 0          struct gmm_super      geometry, immutable, CRC-protected
 *   control_off       struct gmm_control    node words, locks, partition words,
 *                                           transaction slots, master location
 *   sync_off          the cluster event log (drivers/events)
 *     + GMM_SYNC_TABLE_OFF  the sync object table (drivers/gsync): a
 *                           header and sync_objects objects, global
 *                           mutexes and events (format-time count)
 *     + GMM_SYNC_LOCKS_OFF  their lock pages, one per object
 *   gns_off           the name table of gns (drivers/gns/gns_format.h):
 *                     outside every partition, so no node's death (not
 *                     even with loss of its partition) takes names with it
 *   usage_off         the usage table: per owner (a uid), what it holds and
 *                     may hold (struct gmm_usage_entry), outside every
 *                     partition
 *   home_off          per partition, per section: 1 + the master index of
 *                     the segment homed there (0: none), outside every
 *                     partition, so that revoking a lost partition's
 *                     segments visits only its sections
 *   parts_off + p * part_size               partition p (one per node):
 *        + part_master_off    one master table copy (used when p holds
 *                             the primary or the replica)
 *        + part_section_off   section table
 *        + part_sharer_off    sharer table
 *        + part_bitmap_off    free page bitmap (bit set = page in use)
 *        + part_data_off      data pages
 *
 * Torn writes: every table entry carries a transaction id while it is being
 * changed; single 64-bit words (node, lock, partition, master location,
 * transaction state) change with one atomic store or compare-and-swap.
 */
#ifndef GMM_FORMAT_H
#define GMM_FORMAT_H

#include "../os/mcs_os.h"
#include "../glock/glock.h"
#include <linux/mcs.h>

#define GMM_MAGIC 0x314d4d47534d434dULL /* "MCSGMM1" + 0x31, little-endian */
/*
 * 2: glock table locks, sync area; 3: and the gns area; 4: 64-byte
 * glocks, sync object owners; 5: per-node bitmaps of opened sync objects,
 * per-partition counts of segment names, the home index; 6: the fabric
 * leases of the nodes and their duration; 7: the usage table (per-owner
 * counts and limits), a page of its own for each sync object's lock, and
 * the check of the cluster key.
 */
#define GMM_VERSION 7
/* What the key check of the superblock is an HMAC of, before the UUID. */
#define GMM_KEY_CHECK_LABEL "mcs cluster key check v1"
#define GMM_KEY_CHECK_BYTES 32
#define GMM_PAGE_SHIFT MCS_PAGE_SHIFT
#define GMM_PAGE_SIZE MCS_PAGE_SIZE
#define GMM_MAX_NODES MCS_MAX_NODES
#define GMM_NR_STRIPES 64 /* master table lock stripes */
#define GMM_TXN_SLOTS 32  /* concurrent transactions per node */
#define GMM_INC_MASK 0xffffffU /* incarnations are 24-bit, never 0 when alive */

/*
 * The gns area: a header and a power-of-two number of fixed-size name
 * entries. gmm only sizes, zeroes and validates it; drivers/gns owns the
 * layout (gns_format.h asserts it matches these sizes).
 */
#define GMM_GNS_HDR_SIZE (320 + 4 * MCS_MAX_NODES)
#define GMM_GNS_ENTRY_SIZE 320
#define GMM_GNS_MIN_ENTRIES 64
#define GMM_GNS_MAX_ENTRIES (1U << 20)

struct gmm_super {
	__le64 magic;
	__le32 version;
	__le32 super_size;
	__le64 region_size;
	__le32 page_size;
	__le32 nr_parts;
	__le32 nr_stripes;
	__le32 master_per_stripe; /* power of two */
	__le32 sections_per_part;
	__le32 sharers_per_part;
	__le64 control_off;
	__le64 control_size;
	__le64 parts_off;
	__le64 part_size;
	__le64 part_master_off;
	__le64 part_section_off;
	__le64 part_sharer_off;
	__le64 part_bitmap_off;
	__le64 part_data_off;
	__le32 part_data_pages;
	__le32 lease_ms; /* every node's fabric lease (drivers/member/lease.c) */
	__u8 uuid[16];
	__le64 sync_off;     /* event log, then the sync object table */
	__le64 sync_size;
	__le32 sync_objects; /* global mutexes and events */
	__le32 reserved1;
	__le64 gns_off;
	__le64 gns_size;
	__le32 gns_entries; /* power of two */
	__le32 gns_entry_size;
	__le64 home_off;
	__le64 home_size;
	__le64 usage_off;   /* per-owner usage and limits (usage.c) */
	__le64 usage_size;
	/*
	 * HMAC-SHA-256 of GMM_KEY_CHECK_LABEL and uuid under the cluster key
	 * (drivers/node/key.c); all zero: a region without a key.
	 */
	__u8 key_check[32];
	__le64 reserved[2];
	__le32 crc; /* CRC-32 of the bytes from version up to this field */
	__le32 pad;
};

/*
 * The sync area: the cluster event log, then the sync object table. gmm
 * only sizes, zeroes and validates it and stamps the table's object count
 * at format; drivers/events and drivers/gsync own the layouts and assert
 * they match these sizes.
 */
#define GMM_EVENT_LOG_SIZE 4480
#define GMM_SYNC_TABLE_OFF ((GMM_EVENT_LOG_SIZE + 63) & ~63)
#define GMM_SYNC_HDR_SIZE 128
#define GMM_SYNC_HDR_NR_OFF 64 /* __le32 object count, after the table lock */
#define GMM_SYNC_OBJ_SIZE 128
/* After the objects: per node, one bit per object it opened (gsync). */
#define GMM_SYNC_OPEN_WORDS(nr) (((u64)(nr) + 63) / 64)
#define GMM_SYNC_TABLE_SIZE(nr)                                        \
	(GMM_SYNC_HDR_SIZE + (u64)(nr) * GMM_SYNC_OBJ_SIZE +            \
	 (u64)MCS_MAX_NODES * GMM_SYNC_OPEN_WORDS(nr) * 8)
/*
 * Then, page aligned, one page per object holding its lock word: the
 * only part of the region user space may map (the mutex fast path), so a
 * process that maps one mutex's lock reaches nothing else.
 */
#define GMM_SYNC_LOCKS_OFF(nr)                                           \
	(((u64)GMM_SYNC_TABLE_OFF + GMM_SYNC_TABLE_SIZE(nr) +             \
	  GMM_PAGE_SIZE - 1) & ~(u64)(GMM_PAGE_SIZE - 1))
#define GMM_SYNC_AREA_SIZE(nr)                                           \
	(GMM_SYNC_LOCKS_OFF(nr) + (u64)(nr) * GMM_PAGE_SIZE)

/*
 * The usage table: what each owner (a uid; gmm knows no more of it) holds
 * of segments, pages, names and sync objects, and the limits on them.
 * Counts change under the entry's lock, raised before an object is made
 * and lowered after one is gone, so a crash leaves them too high, never
 * too low (drivers/gmm/quota.c).
 */
enum gmm_usage_kind {
	GMM_USAGE_SEGMENTS,
	GMM_USAGE_PAGES,
	GMM_USAGE_NAMES,
	GMM_USAGE_SYNCS,
	GMM_USAGE_KINDS
};

#define GMM_USAGE_ENTRIES 1024 /* owners with a count or a limit */

struct gmm_usage_header {
	/* The limits of owners without their own; 0: the built-in default. */
	__le64 limit[GMM_USAGE_KINDS];
	__le64 reserved[12];
};

struct gmm_usage_entry {
	struct glock lock;
	__le32 owner;	/* 1 + uid; 0: a free entry. Claimed by CAS, kept. */
	__le32 reserved0;
	__le64 used[GMM_USAGE_KINDS];
	/* This owner's limits; 0: the header's. */
	__le64 limit[GMM_USAGE_KINDS];
	__le64 reserved[7];
};

/* Per partition; changed under the partition lock unless noted. */
struct gmm_part_ctl {
	__le64 word;        /* state | manager | generation, atomic (GMM_PW_*) */
	__le32 section_hwm; /* no section at or above this index is in use */
	__le32 sharer_hwm;
	__le32 section_hint; /* where to start looking for a free entry */
	__le32 sharer_hint;
	__le32 page_hint;
	__le32 free_pages;
	__le64 flags; /* GMM_PC_*, under every stripe lock */
	__le64 reserved[3];
};

/*
 * The partition's master area is all FREE entries: a master copy rebuilt
 * there needs only the entries in use written. Set where the area is
 * zeroed (format, the reformat of a lost partition's return), cleared
 * before a copy is written into it; meaningless while the partition is
 * lost (never a target then, and zeroed again when it returns).
 */
#define GMM_PC_MASTER_CLEAN 0x1ULL

struct gmm_txn_slot {
	__le64 txn;   /* transaction id, 0 = slot free */
	__le64 state; /* GMM_TXN_ACTIVE or GMM_TXN_COMMITTED: the commit point */
	__le64 gid;   /* for diagnostics */
	__le64 reserved;
};

struct gmm_control {
	__le64 master_loc; /* primary | replica << 16 | epoch << 32 */
	__le64 reserved[7];
	__le64 node[GMM_MAX_NODES]; /* node words (GMM_NW_*) */
	__le64 lease[GMM_MAX_NODES]; /* lease words (drivers/member/lease.c) */
	struct glock stripe_lock[GMM_NR_STRIPES]; /* see Documentation/glock.md */
	struct glock part_lock[GMM_MAX_NODES];
	struct gmm_part_ctl part[GMM_MAX_NODES];
	struct gmm_txn_slot txn[GMM_MAX_NODES][GMM_TXN_SLOTS];
};

/*
 * Table entries share one shape of state word: a settled state, the
 * pending change (if txn != 0) and flags.
 */
#define GMM_ST_STATE(st) ((st) & 0xff)
#define GMM_ST_PEND(st) (((st) >> 8) & 0xff)
#define GMM_ST_FLAGS(st) ((st) >> 16)
#define GMM_ST(state, pend, flags) ((u32)(state) | (u32)(pend) << 8 | (u32)(flags) << 16)

enum gmm_entry_state {
	GMM_E_FREE = 0,      /* never used (master: end of a probe chain) */
	GMM_E_LIVE = 1,
	GMM_E_TOMBSTONE = 2, /* master only: freed, probe chains continue */
};

enum gmm_pending {
	GMM_P_NONE = 0,
	GMM_P_ALLOC = 1,   /* forward: LIVE; back: freed */
	GMM_P_FREE = 2,    /* forward: freed; back: LIVE */
	GMM_P_DESTROY = 3, /* forward: DESTROYED flag set; back: cleared */
};

#define GMM_F_DESTROYED 0x1

struct gmm_master_entry {
	__le64 gid;
	__le64 txn;
	__le32 st;
	__le16 part;
	__le16 reserved;
	__le32 section;
	__le32 npages;
};

struct gmm_section {
	__le64 gid;
	__le64 txn;
	__le32 st;
	__le32 first_page;
	__le32 npages;
	__le32 nr_sharers; /* cache of the LIVE sharers naming this section */
};

struct gmm_sharer {
	__le64 gid;
	__le64 txn;
	__le32 st;
	__le32 section;
	__le64 owner; /* GMM_OWNER(node, incarnation, pid) */
};

/* Node words: incarnation, who recovers it, state, memory-lost flag. */
#define GMM_NW_INC(w) ((u32)((w) & GMM_INC_MASK))
#define GMM_NW_REC_INC(w) ((u32)(((w) >> 24) & GMM_INC_MASK))
#define GMM_NW_REC_NODE(w) ((u32)(((w) >> 48) & 0xff))
#define GMM_NW_STATE(w) ((u32)(((w) >> 56) & 0xf))
#define GMM_NW_LOST 0x1000000000000000ULL
#define GMM_NW(state, inc, rnode, rinc)                                   \
	((u64)(inc) | (u64)(rinc) << 24 | (u64)(rnode) << 48 | (u64)(state) << 56)

enum gmm_node_state {
	GMM_NODE_ABSENT = 0,     /* never joined since format */
	GMM_NODE_ALIVE = 1,
	GMM_NODE_DOWN = 2,       /* dead, recovery not started */
	GMM_NODE_RECOVERING = 3, /* dead, being recovered by REC_NODE/REC_INC */
	GMM_NODE_CLEAN = 4,      /* dead and fully recovered: may rejoin */
};

/* Partition words. */
#define GMM_PW_STATE(w) ((u32)((w) & 0xff))
#define GMM_PW_MANAGER(w) ((u32)(((w) >> 8) & 0xff))
#define GMM_PW_GEN(w) ((w) >> 16)
#define GMM_PW(state, manager, gen) ((u64)(state) | (u64)(manager) << 8 | (u64)(gen) << 16)

enum gmm_part_state {
	GMM_PART_ONLINE = 1,
	GMM_PART_LOST = 2, /* its memory died with its node */
};

/* Transaction ids and lock owners: node:8 | incarnation:24 | low:32. */
#define GMM_ID(node, inc, low) ((u64)(node) << 56 | (u64)((inc) & GMM_INC_MASK) << 32 | (u32)(low))
#define GMM_ID_NODE(id) ((u32)((id) >> 56))
#define GMM_ID_INC(id) ((u32)(((id) >> 32) & GMM_INC_MASK))
#define GMM_OWNER(node, inc, pid) GMM_ID(node, inc, pid)
#define GMM_OWNER_PID(id) ((u32)(id))
/* Tools that inspect a region without joining it use this node number. */
#define GMM_OBSERVER_NODE 0xff

#define GMM_TXN_ACTIVE 1
#define GMM_TXN_COMMITTED 2

#define GMM_ML_PRIMARY(w) ((u32)((w) & 0xffff))
#define GMM_ML_REPLICA(w) ((u32)(((w) >> 16) & 0xffff))
#define GMM_ML_EPOCH(w) ((u32)((w) >> 32))
#define GMM_ML(primary, replica, epoch) ((u64)(primary) | (u64)(replica) << 16 | (u64)(epoch) << 32)

#endif /* GMM_FORMAT_H */
