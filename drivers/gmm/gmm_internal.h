/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gmm_internal.h - what the files of the gmm core share with each other.
 */
#ifndef GMM_INTERNAL_H
#define GMM_INTERNAL_H

#include "gmm.h"
#include "../os/crashpoint.h"

/* Geometry, computed from a few numbers; attach recomputes and compares. */
struct gmm_geom {
	u64 region_size;
	u32 nr_parts;
	u32 nr_stripes;
	u32 per_stripe;
	u32 sections;
	u32 sharers;
	u32 data_pages;
	u32 sync_objs;
	u64 control_off;
	u64 control_size;
	u64 sync_off;
	u64 sync_size;
	u64 gns_off;
	u64 gns_size;
	u32 gns_entries;
	u64 usage_off;
	u64 usage_size;
	u64 home_off;
	u64 home_size;
	u64 parts_off;
	u64 part_size;
	u64 master_off;
	u64 section_off;
	u64 sharer_off;
	u64 bitmap_off;
	u64 data_off;
	u32 lease_ms;
};

struct gmm_region {
	u8 *base;
	u64 size;
	/* Validated at attach and never re-read from the fabric. */
	struct gmm_geom g;
	u8 uuid[16];
	u8 key_check[GMM_KEY_CHECK_BYTES]; /* from the superblock (CRC'd) */
	struct gmm_control *ctl;
	u32 node; /* GMM_OBSERVER_NODE until gmm_node_join() */
	u32 inc;
	struct glock_ctx glk; /* node and inc as above */
	__le64 txn_seq; /* process-local counter, atomically incremented */
	/* Corrupt fabric values met (gmm_corrupt()), process-local. */
	__le64 corrupt;
};

int gmm_geom_compute(u64 size, u32 nr_parts, u32 master_entries,
		     u32 sections, u32 sharers, u32 sync_objs, u32 gns_entries,
		     struct gmm_geom *g);
void gmm_reset_partition(u8 *base, const struct gmm_geom *g, u32 p);

/* Fabric addressing; every index must have been bounds-checked. */
static inline u8 *gmm_part_base(struct gmm_region *r, u32 p)
{
	return r->base + r->g.parts_off + (u64)p * r->g.part_size;
}

static inline struct gmm_master_entry *gmm_master_copy(struct gmm_region *r,
							u32 p)
{
	return (struct gmm_master_entry *)(gmm_part_base(r, p) + r->g.master_off);
}

/* Partition @p's home index: 1 + master index per section, 0 = none. */
static inline __le32 *gmm_home(struct gmm_region *r, u32 p)
{
	return (__le32 *)(r->base + r->g.home_off) + (u64)p * r->g.sections;
}

/*
 * After the home index: a bit per master entry that was ever used (live
 * or tombstone), so a master copy is rebuilt by copying only those.
 */
static inline __le64 *gmm_master_used(struct gmm_region *r)
{
	return (__le64 *)(gmm_home(r, 0) + (u64)r->g.nr_parts * r->g.sections);
}

static inline struct gmm_section *gmm_section(struct gmm_region *r, u32 p,
					      u32 i)
{
	return (struct gmm_section *)(gmm_part_base(r, p) + r->g.section_off) + i;
}

static inline struct gmm_sharer *gmm_sharer(struct gmm_region *r, u32 p, u32 i)
{
	return (struct gmm_sharer *)(gmm_part_base(r, p) + r->g.sharer_off) + i;
}

static inline __le64 *gmm_bitmap(struct gmm_region *r, u32 p)
{
	return (__le64 *)(gmm_part_base(r, p) + r->g.bitmap_off);
}

static inline u64 gmm_data_offset(struct gmm_region *r, u32 p, u32 page)
{
	return r->g.parts_off + (u64)p * r->g.part_size + r->g.data_off +
	       ((u64)page << GMM_PAGE_SHIFT);
}

static inline u32 gmm_bitmap_words(const struct gmm_geom *g)
{
	return (g->data_pages + 63) / 64;
}

static inline u32 gmm_part_state(struct gmm_region *r, u32 p)
{
	return GMM_PW_STATE(mcs_rd64_acquire(&r->ctl->part[p].word));
}

static inline bool gmm_joined(const struct gmm_region *r)
{
	return r->node != GMM_OBSERVER_NODE;
}

/* lock.c: the table locks are glocks; owner-dead means repair */
bool gmm_id_dead(struct gmm_region *r, u64 id);
void gmm_glock_setup(struct gmm_region *r);
int __must_check gmm_lock_stripe(struct gmm_region *r, u32 s);
void gmm_unlock_stripe(struct gmm_region *r, u32 s);
int __must_check gmm_lock_part(struct gmm_region *r, u32 p);
void gmm_unlock_part(struct gmm_region *r, u32 p);
int __must_check gmm_lock_stripes(struct gmm_region *r);
void gmm_unlock_stripes(struct gmm_region *r);
/*
 * For observers: take a lock or fail with -EOWNERDEAD, never steal; wait
 * at most GMM_OBSERVE_WAIT_NS (-ETIMEDOUT).
 */
#define GMM_OBSERVE_WAIT_NS 1000000000ULL
int gmm_lock_observe(struct gmm_region *r, struct glock *l);


/* repair.c: settle what a dead owner left pending */
enum gmm_decision { GMM_KEEP, GMM_BACK, GMM_FORWARD };
enum gmm_decision gmm_decide(struct gmm_region *r, u64 txn);
void gmm_repair_stripe(struct gmm_region *r, u32 s);
void gmm_repair_part(struct gmm_region *r, u32 p);
void gmm_recount_part(struct gmm_region *r, u32 p);

/* master.c: the replicated GID table */
u32 gmm_stripe_of(u64 gid);
struct gmm_master_entry *gmm_master_read_copy(struct gmm_region *r);
void gmm_master_mark_used(struct gmm_region *r, u32 idx);
int gmm_master_find(struct gmm_region *r, u64 gid, u32 *idx, u32 *free_idx);
void gmm_master_write(struct gmm_region *r, u32 idx,
		      const struct gmm_master_entry *e);
void gmm_master_tag(struct gmm_region *r, u32 idx, u64 txn, u32 pend);
void gmm_master_settle(struct gmm_region *r, u32 idx, bool forward);
void gmm_master_clone(struct gmm_region *r, u32 to);

/* entry.c: settling one table entry, shared by commit, abort and repair */
u32 gmm_settled_st(u32 st, bool forward, bool master);
void gmm_settle_section(struct gmm_region *r, u32 p, u32 i, bool forward);
void gmm_settle_sharer(struct gmm_region *r, u32 p, u32 i, bool forward);
void gmm_pages_set(struct gmm_region *r, u32 p, u32 first, u32 n, bool used);

/* txn.c: transaction slots and the commit point */
struct gmm_txn {
	u64 id;
	u32 slot;
};
/* How long gmm_txn_begin() waits for a slot of this node's to come free. */
#define GMM_TXN_WAIT_NS 1000000000ULL
int __must_check gmm_txn_begin(struct gmm_region *r, struct gmm_txn *t,
			       u64 gid);
void gmm_txn_commit(struct gmm_region *r, struct gmm_txn *t);
void gmm_txn_end(struct gmm_region *r, struct gmm_txn *t);

static inline void gmm_tag(__le64 *txnw, __le32 *stw, u64 txn, u32 st)
{
	/*
	 * The transaction first: a crash between the two stores leaves its id
	 * over an unchanged state, which repair settles to that same state.
	 * The other order left pending bits with no transaction to settle
	 * them (the checker's "bad state", a copy differing from its twin).
	 */
	mcs_wr64(txnw, txn);
	mcs_os_mb();
	mcs_wr32(stw, st);
}

#endif /* GMM_INTERNAL_H */
