/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gns_internal.h - what the files of the gns core share with each other.
 */
#ifndef GNS_INTERNAL_H
#define GNS_INTERNAL_H

#include "gns.h"
#include "../gmm/gmm_internal.h"

/* gmm sizes the area from these; the layout must agree. */
_Static_assert(sizeof(struct gns_header) == GMM_GNS_HDR_SIZE,
	       "gns header size");
_Static_assert(sizeof(struct gns_entry) == GMM_GNS_ENTRY_SIZE,
	       "gns entry size");

static inline struct gns_header *gns_hdr(struct gmm_region *r)
{
	return (struct gns_header *)(r->base + r->g.gns_off);
}

static inline struct gns_entry *gns_entry(struct gmm_region *r, u32 i)
{
	return (struct gns_entry *)(r->base + r->g.gns_off +
				    GMM_GNS_HDR_SIZE) + i;
}

/* A validated name: the bytes after an optional leading '/'. */
struct gns_name {
	const char *s;
	u32 len;
	u64 hash;
};

int gns_name_parse(const char *name, struct gns_name *nm);
u64 gns_hash(const char *s, u32 len);
u32 gns_entry_crc(struct gns_entry *e);
void gns_count_seg_name(struct gmm_region *r, u32 part, int delta);
int gns_find(struct gmm_region *r, const struct gns_name *nm, u32 *idx,
	     u32 *free_idx);

/*
 * The table lock: a glock in the table header. These three are the only
 * places that know it; gns_lock() repairs when glock says -EOWNERDEAD.
 */
int __must_check gns_lock(struct gmm_region *r);
int gns_lock_observe(struct gmm_region *r);
void gns_unlock(struct gmm_region *r);

#endif /* GNS_INTERNAL_H */
