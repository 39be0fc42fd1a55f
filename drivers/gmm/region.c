// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - format, validate and attach a global region.
 *
 * The geometry is a pure function of (size, partitions, table sizes), so
 * attach recomputes it from the superblock's inputs and insists every
 * offset matches: a superblock that passes its CRC but describes a layout
 * that does not fit is refused before anything beyond it is read.
 */
#include "gmm_internal.h"

#define GMM_MAX_ENTRIES (1U << 24)

static u64 gmm_page_align(u64 v)
{
	return (v + GMM_PAGE_SIZE - 1) & ~(u64)(GMM_PAGE_SIZE - 1);
}

static u64 gmm_div(u64 a, u32 b)
{
#ifdef __KERNEL__
	return div_u64(a, b);
#else
	return a / b;
#endif
}

static bool gmm_is_pow2(u32 v)
{
	return v && !(v & (v - 1));
}

static u32 gmm_roundup_pow2(u64 v)
{
	u32 p = 1;

	while (p < v && p < GMM_MAX_ENTRIES)
		p <<= 1;
	return p;
}

/* Enough global mutexes and events for a region's size, if not asked. */
#define GMM_SYNC_MIN 64U
#define GMM_SYNC_MAX 65536U

/* Default name table: one entry per 64 KiB of region, a power of two. */
static u32 gmm_gns_entries(u64 size)
{
	u32 n = gmm_roundup_pow2(size >> 16);

	if (n < GMM_GNS_MIN_ENTRIES)
		return GMM_GNS_MIN_ENTRIES;
	return n > GMM_GNS_MAX_ENTRIES ? GMM_GNS_MAX_ENTRIES : n;
}

int gmm_geom_compute(u64 size, u32 nr_parts, u32 master_entries,
		     u32 sections, u32 sharers, u32 sync_objs, u32 gns_entries,
		     struct gmm_geom *g)
{
	u64 part_pages, meta, avail, pages;

	memset(g, 0, sizeof(*g));
	if (nr_parts < 2 || nr_parts > GMM_MAX_NODES)
		return -EINVAL;
	g->region_size = size;
	g->nr_parts = nr_parts;
	g->nr_stripes = GMM_NR_STRIPES;
	g->control_off = gmm_page_align(sizeof(struct gmm_super));
	g->control_size = gmm_page_align(sizeof(struct gmm_control));
	/* One per 128 KiB: each has a page for its lock (3 % of a region). */
	if (!sync_objs) {
		u64 n = size >> 17;

		sync_objs = n < GMM_SYNC_MIN ? GMM_SYNC_MIN :
			    n > GMM_SYNC_MAX ? GMM_SYNC_MAX : (u32)n;
	}
	if (sync_objs > GMM_SYNC_MAX)
		return -EINVAL;
	g->sync_objs = sync_objs;
	g->sync_off = g->control_off + g->control_size;
	g->sync_size = GMM_SYNC_AREA_SIZE(sync_objs);
	if (!gns_entries)
		gns_entries = gmm_gns_entries(size);
	if (!gmm_is_pow2(gns_entries) || gns_entries < GMM_GNS_MIN_ENTRIES ||
	    gns_entries > GMM_GNS_MAX_ENTRIES)
		return -EINVAL;
	g->gns_entries = gns_entries;
	g->gns_off = g->sync_off + g->sync_size;
	g->gns_size = gmm_page_align(GMM_GNS_HDR_SIZE +
				     (u64)gns_entries * GMM_GNS_ENTRY_SIZE);
	g->usage_off = g->gns_off + g->gns_size;
	g->usage_size = gmm_page_align(sizeof(struct gmm_usage_header) +
				       (u64)GMM_USAGE_ENTRIES *
				       sizeof(struct gmm_usage_entry));
	g->home_off = g->usage_off + g->usage_size;
	/* The home index is sized by the sections, which the parts size. */
	if (size < g->home_off + (u64)nr_parts * 4 * GMM_PAGE_SIZE)
		return -ENOSPC;
	part_pages = (gmm_div(size - g->home_off, nr_parts) &
		      ~(u64)(GMM_PAGE_SIZE - 1)) >> GMM_PAGE_SHIFT;
	if (!sections)
		sections = part_pages / 4 < 16 ? 16 :
			   part_pages / 4 > GMM_MAX_ENTRIES ? GMM_MAX_ENTRIES :
							      part_pages / 4;
	if (sections > GMM_MAX_ENTRIES)
		return -EINVAL;
	if (!master_entries)
		master_entries = gmm_roundup_pow2(2ULL * nr_parts * sections);
	if (master_entries < GMM_NR_STRIPES * 4)
		master_entries = GMM_NR_STRIPES * 4;
	if (!gmm_is_pow2(master_entries) || master_entries > GMM_MAX_ENTRIES)
		return -EINVAL;
	/* The home index, then the used bits of the master table. */
	g->home_size = gmm_page_align((u64)nr_parts * sections * 4 +
				      (u64)master_entries / 8);
	g->parts_off = g->home_off + g->home_size;
	if (size < g->parts_off + (u64)nr_parts * 4 * GMM_PAGE_SIZE)
		return -ENOSPC;
	g->part_size = gmm_div(size - g->parts_off, nr_parts) &
		       ~(u64)(GMM_PAGE_SIZE - 1);
	part_pages = g->part_size >> GMM_PAGE_SHIFT;

	if (!sharers)
		sharers = sections > GMM_MAX_ENTRIES / 2 ? GMM_MAX_ENTRIES :
							   2 * sections;
	if (sharers > GMM_MAX_ENTRIES)
		return -EINVAL;
	g->per_stripe = master_entries / GMM_NR_STRIPES;
	g->sections = sections;
	g->sharers = sharers;

	g->master_off = 0;
	g->section_off = (u64)master_entries * sizeof(struct gmm_master_entry);
	g->sharer_off = g->section_off + (u64)sections * sizeof(struct gmm_section);
	g->bitmap_off = g->sharer_off + (u64)sharers * sizeof(struct gmm_sharer);
	meta = g->bitmap_off;
	if (meta + 2 * GMM_PAGE_SIZE > g->part_size)
		return -ENOSPC;
	/* Each data page costs a page plus one bitmap bit. */
	avail = g->part_size - meta;
	pages = gmm_div(avail * 8, GMM_PAGE_SIZE * 8 + 1);
	while (pages &&
	       gmm_page_align(meta + ((pages + 63) / 64) * 8) +
			       (pages << GMM_PAGE_SHIFT) > g->part_size)
		pages--;
	if (!pages)
		return -ENOSPC;
	if (pages > 0xffffffffULL)
		pages = 0xffffffffULL;
	g->data_pages = (u32)pages;
	g->data_off = gmm_page_align(meta + (u64)gmm_bitmap_words(g) * 8);
	return 0;
}

/* Covers everything between the magic (written last) and the CRC. */
static u32 gmm_super_crc(const struct gmm_super *sb)
{
	return mcs_os_crc32(&sb->version, offsetof(struct gmm_super, crc) -
						  offsetof(struct gmm_super, version));
}

/* Empty section and sharer tables, all pages free. */
void gmm_reset_partition(u8 *base, const struct gmm_geom *g, u32 p)
{
	u8 *pb = base + g->parts_off + (u64)p * g->part_size;

	memset(pb + g->section_off, 0, g->data_off - g->section_off);
}

/**
 * gmm_format - write an empty global region
 * @base: where the region is mapped
 * @size: its size in bytes
 * @params: partitions, table sizes (0 = derived) and cluster UUID
 *
 * The superblock is written last, so a region whose format was interrupted
 * is refused by gmm_attach().
 *
 * Return: 0, -EINVAL for bad parameters, -ENOSPC if @size cannot hold them.
 */
int gmm_format(void *base, u64 size, const struct gmm_format_params *params)
{
	struct gmm_super *sb = base;
	struct gmm_control *ctl;
	struct gmm_geom g;
	u32 p;
	int ret;

	if (!base || !params)
		return -EINVAL;
	if (params->lease_ms && (params->lease_ms < MCS_LEASE_MS_MIN ||
				 params->lease_ms > MCS_LEASE_MS_MAX))
		return -EINVAL;
	ret = gmm_geom_compute(size, params->nr_parts, params->master_entries,
			       params->sections_per_part,
			       params->sharers_per_part, params->sync_objects,
			       params->gns_entries, &g);
	if (ret)
		return ret;

	memset(sb, 0, sizeof(*sb));
	mcs_os_mb();
	ctl = (struct gmm_control *)((u8 *)base + g.control_off);
	memset(ctl, 0, g.control_size);
	/* All zero is a valid empty log and table: free, consistent locks. */
	memset((u8 *)base + g.sync_off, 0, g.sync_size);
	*(__le32 *)((u8 *)base + g.sync_off + GMM_SYNC_TABLE_OFF +
		    GMM_SYNC_HDR_NR_OFF) = cpu_to_le32(g.sync_objs);
	/* An all-zero name table is empty, unlocked, with no GID issued. */
	memset((u8 *)base + g.gns_off, 0, g.gns_size);
	/* Nothing counted, no limit set, every entry lock free. */
	memset((u8 *)base + g.usage_off, 0, g.usage_size);
	memset((u8 *)base + g.home_off, 0, g.home_size);
	for (p = 0; p < g.nr_parts; p++) {
		gmm_reset_partition(base, &g, p);
		ctl->part[p].word = cpu_to_le64(GMM_PW(GMM_PART_ONLINE, p, 1));
		ctl->part[p].free_pages = cpu_to_le32(g.data_pages);
	}
	/*
	 * Every master area empty; primary on partition 0, replica on 1, the
	 * others clean for a copy rebuilt there.
	 */
	for (p = 0; p < g.nr_parts; p++) {
		memset(base + g.parts_off + (u64)p * g.part_size + g.master_off,
		       0, g.section_off - g.master_off);
		if (p >= 2)
			ctl->part[p].flags = cpu_to_le64(GMM_PC_MASTER_CLEAN);
	}
	ctl->master_loc = cpu_to_le64(GMM_ML(0, 1, 1));

	sb->version = cpu_to_le32(GMM_VERSION);
	sb->super_size = cpu_to_le32(sizeof(*sb));
	sb->region_size = cpu_to_le64(size);
	sb->page_size = cpu_to_le32(GMM_PAGE_SIZE);
	sb->nr_parts = cpu_to_le32(g.nr_parts);
	sb->lease_ms = cpu_to_le32(params->lease_ms ? params->lease_ms :
						      MCS_LEASE_MS_DEFAULT);
	sb->nr_stripes = cpu_to_le32(g.nr_stripes);
	sb->master_per_stripe = cpu_to_le32(g.per_stripe);
	sb->sections_per_part = cpu_to_le32(g.sections);
	sb->sharers_per_part = cpu_to_le32(g.sharers);
	sb->control_off = cpu_to_le64(g.control_off);
	sb->control_size = cpu_to_le64(g.control_size);
	sb->parts_off = cpu_to_le64(g.parts_off);
	sb->part_size = cpu_to_le64(g.part_size);
	sb->part_master_off = cpu_to_le64(g.master_off);
	sb->part_section_off = cpu_to_le64(g.section_off);
	sb->part_sharer_off = cpu_to_le64(g.sharer_off);
	sb->part_bitmap_off = cpu_to_le64(g.bitmap_off);
	sb->part_data_off = cpu_to_le64(g.data_off);
	sb->part_data_pages = cpu_to_le32(g.data_pages);
	sb->gns_off = cpu_to_le64(g.gns_off);
	sb->gns_size = cpu_to_le64(g.gns_size);
	sb->gns_entries = cpu_to_le32(g.gns_entries);
	sb->gns_entry_size = cpu_to_le32(GMM_GNS_ENTRY_SIZE);
	sb->home_off = cpu_to_le64(g.home_off);
	sb->home_size = cpu_to_le64(g.home_size);
	sb->usage_off = cpu_to_le64(g.usage_off);
	sb->usage_size = cpu_to_le64(g.usage_size);
	memcpy(sb->uuid, params->uuid, sizeof(sb->uuid));
	memcpy(sb->key_check, params->key_check, sizeof(sb->key_check));
	sb->sync_off = cpu_to_le64(g.sync_off);
	sb->sync_size = cpu_to_le64(g.sync_size);
	sb->sync_objects = cpu_to_le32(g.sync_objs);
	sb->crc = cpu_to_le32(gmm_super_crc(sb));
	mcs_os_mb();
	/* The magic last: until it is there, nothing attaches. */
	mcs_wr64_release(&sb->magic, GMM_MAGIC);
	return 0;
}

/* Does the superblock describe exactly the geometry its inputs produce? */
static int gmm_super_check(const struct gmm_super *sb, u64 size,
			   struct gmm_geom *g)
{
	u64 rsize = le64_to_cpu(sb->region_size);
	u32 per_stripe = le32_to_cpu(sb->master_per_stripe);
	int ret;

	if (rsize > size)
		return -ERANGE;
	if (le32_to_cpu(sb->super_size) != sizeof(*sb) ||
	    le32_to_cpu(sb->page_size) != GMM_PAGE_SIZE ||
	    le32_to_cpu(sb->nr_stripes) != GMM_NR_STRIPES ||
	    per_stripe > GMM_MAX_ENTRIES / GMM_NR_STRIPES)
		return -EUCLEAN;
	ret = gmm_geom_compute(rsize, le32_to_cpu(sb->nr_parts),
			       per_stripe * GMM_NR_STRIPES,
			       le32_to_cpu(sb->sections_per_part),
			       le32_to_cpu(sb->sharers_per_part),
			       le32_to_cpu(sb->sync_objects),
			       le32_to_cpu(sb->gns_entries), g);
	if (ret || le32_to_cpu(sb->gns_entry_size) != GMM_GNS_ENTRY_SIZE)
		return -EUCLEAN;
	if (g->per_stripe != per_stripe ||
	    g->control_off != le64_to_cpu(sb->control_off) ||
	    g->control_size != le64_to_cpu(sb->control_size) ||
	    g->parts_off != le64_to_cpu(sb->parts_off) ||
	    g->part_size != le64_to_cpu(sb->part_size) ||
	    g->master_off != le64_to_cpu(sb->part_master_off) ||
	    g->section_off != le64_to_cpu(sb->part_section_off) ||
	    g->sharer_off != le64_to_cpu(sb->part_sharer_off) ||
	    g->bitmap_off != le64_to_cpu(sb->part_bitmap_off) ||
	    g->data_off != le64_to_cpu(sb->part_data_off) ||
	    g->data_pages != le32_to_cpu(sb->part_data_pages) ||
	    !le32_to_cpu(sb->sync_objects) ||
	    g->sync_off != le64_to_cpu(sb->sync_off) ||
	    g->sync_size != le64_to_cpu(sb->sync_size) ||
	    g->gns_off != le64_to_cpu(sb->gns_off) ||
	    g->gns_size != le64_to_cpu(sb->gns_size) ||
	    g->home_off != le64_to_cpu(sb->home_off) ||
	    g->home_size != le64_to_cpu(sb->home_size) ||
	    g->usage_off != le64_to_cpu(sb->usage_off) ||
	    g->usage_size != le64_to_cpu(sb->usage_size))
		return -EUCLEAN;
	g->lease_ms = le32_to_cpu(sb->lease_ms);
	if (g->lease_ms < MCS_LEASE_MS_MIN || g->lease_ms > MCS_LEASE_MS_MAX)
		return -EUCLEAN;
	return 0;
}

/**
 * gmm_validate - check that a mapping holds a region this code can use
 * @base: the mapping
 * @size: its size
 * @g: filled with the geometry on success (may be NULL)
 *
 * Reads nothing beyond the superblock unless the superblock proves the
 * region fits in @size.
 *
 * Return: 0; -EINVAL if @size cannot even hold a superblock; -EMEDIUMTYPE if
 * it is not an mcs region; -EPROTONOSUPPORT for another format version;
 * -EBADMSG if the superblock is torn (CRC); -ERANGE if the region is larger
 * than the mapping; -EUCLEAN if the geometry is inconsistent.
 */
static int gmm_validate(const void *base, u64 size, struct gmm_geom *g)
{
	const struct gmm_super *sb = base;

	if (!base || size < sizeof(*sb))
		return -EINVAL;
	if (mcs_rd64_acquire(&sb->magic) != GMM_MAGIC)
		return -EMEDIUMTYPE;
	if (le32_to_cpu(sb->version) != GMM_VERSION)
		return -EPROTONOSUPPORT;
	if (le32_to_cpu(sb->crc) != gmm_super_crc(sb))
		return -EBADMSG;
	return gmm_super_check(sb, size, g);
}

/**
 * gmm_attach - attach a formatted region as an observer
 * @base: where the region is mapped on this node
 * @size: size of the mapping
 * @out: the new handle
 *
 * The handle may inspect the region (gmm_lookup(), gmm_check()); it must
 * gmm_node_join() before it changes anything.
 *
 * Return: 0, -ENOMEM, or an error of gmm_validate().
 */
int gmm_attach(void *base, u64 size, struct gmm_region **out)
{
	const struct gmm_super *sb = base;
	struct gmm_region *r;
	struct gmm_geom g;
	int ret;

	if (!out)
		return -EINVAL;
	ret = gmm_validate(base, size, &g);
	if (ret)
		return ret;
	r = mcs_os_zalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->base = base;
	r->size = size;
	r->g = g;
	memcpy(r->uuid, sb->uuid, sizeof(r->uuid));
	memcpy(r->key_check, sb->key_check, sizeof(r->key_check));
	r->ctl = (struct gmm_control *)(r->base + g.control_off);
	r->node = GMM_OBSERVER_NODE;
	gmm_glock_setup(r);
	*out = r;
	return 0;
}

/**
 * gmm_detach - forget a handle; the region and this node's state stay
 * @r: the handle
 */
void gmm_detach(struct gmm_region *r)
{
	mcs_os_free(r);
}

/**
 * gmm_get_geometry - describe the region
 * @r: the handle
 * @out: filled in
 */
void gmm_get_geometry(const struct gmm_region *r, struct gmm_geometry *out)
{
	out->region_size = r->g.region_size;
	out->nr_parts = r->g.nr_parts;
	out->nr_stripes = r->g.nr_stripes;
	out->master_entries = r->g.per_stripe * r->g.nr_stripes;
	out->sections_per_part = r->g.sections;
	out->sharers_per_part = r->g.sharers;
	out->part_data_pages = r->g.data_pages;
	out->sync_objects = r->g.sync_objs;
	out->parts_off = r->g.parts_off;
	out->part_size = r->g.part_size;
	out->gns_off = r->g.gns_off;
	out->gns_entries = r->g.gns_entries;
	out->lease_ms = r->g.lease_ms;
	memcpy(out->uuid, r->uuid, sizeof(out->uuid));
	memcpy(out->key_check, r->key_check, sizeof(out->key_check));
}

/**
 * gmm_event_area - where the cluster event log lives
 * @r: the handle
 *
 * Return: GMM_EVENT_LOG_SIZE bytes, zeroed at format, laid out by
 * drivers/events.
 */
void *gmm_event_area(struct gmm_region *r)
{
	return r->base + r->g.sync_off;
}

/**
 * gmm_sync_area - where the table of global mutexes and events lives
 * @r: the handle
 * @nr_objs: set to the number of objects the superblock records
 *
 * Return: GMM_SYNC_TABLE_SIZE(@nr_objs) bytes, laid out by drivers/gsync.
 */
void *gmm_sync_area(struct gmm_region *r, u32 *nr_objs)
{
	*nr_objs = r->g.sync_objs;
	return r->base + r->g.sync_off + GMM_SYNC_TABLE_OFF;
}

/**
 * gmm_seg_stamp - what a mapping of a segment must still find true
 * @r: the handle
 * @info: the segment (gmm_acquire(), gmm_alloc())
 * @st: filled in: the region's UUID, the segment's home partition word
 *	and its generation
 */
void gmm_seg_stamp(struct gmm_region *r, const struct gmm_seg_info *info,
		   struct gmm_seg_stamp *st)
{
	st->pw_off = (u64)((u8 *)&r->ctl->part[info->part].word - r->base);
	st->gen = info->generation;
	memcpy(st->uuid, r->uuid, sizeof(st->uuid));
}

/**
 * gmm_seg_stamp_valid - is a stamped segment's memory still its own?
 * @base: the fabric, the region at its start
 * @size: its bytes
 * @st: the stamp (gmm_seg_stamp())
 *
 * Takes no lock and needs no handle (a page fault asks it): the region is
 * still the one stamped, and the segment's home partition online in the
 * stamped generation. A partition lost since (its segments revoked), or
 * formatted again on its node's return, or a region formatted anew,
 * fails: the memory may be another's now.
 */
bool gmm_seg_stamp_valid(const void *base, u64 size,
			 const struct gmm_seg_stamp *st)
{
	const struct gmm_super *sb = base;
	u64 w;

	if (size < sizeof(*sb) || st->pw_off > size - sizeof(w) ||
	    memcmp(sb->uuid, st->uuid, sizeof(st->uuid)))
		return false;
	w = mcs_rd64_acquire((const __le64 *)((const u8 *)base + st->pw_off));
	return GMM_PW_STATE(w) == GMM_PART_ONLINE && GMM_PW_GEN(w) == st->gen;
}

/**
 * gmm_parts_signature - changes when a partition is lost or formatted
 *	again, or the region is formatted anew
 * @r: a handle (observers too)
 *
 * For a watcher that revalidates mappings (gmm_seg_stamp_valid()) when
 * it changes; a partition only changing manager does not change it.
 */
u64 gmm_parts_signature(struct gmm_region *r)
{
	const struct gmm_super *sb = (const struct gmm_super *)r->base;
	u64 sig = mcs_os_crc32(sb->uuid, sizeof(sb->uuid)), w;
	u32 p;

	for (p = 0; p < r->g.nr_parts; p++) {
		w = mcs_rd64_acquire(&r->ctl->part[p].word);
		sig = sig * 0x100000001b3ULL ^ GMM_PW_STATE(w) ^
		      GMM_PW_GEN(w) << 8;
	}
	return sig;
}

/**
 * gmm_sync_locks - where the sync objects' lock pages are
 * @r: the handle
 *
 * Return: GMM_PAGE_SIZE bytes per sync object, zeroed at format, laid out
 * by drivers/gsync.
 */
void *gmm_sync_locks(struct gmm_region *r)
{
	return r->base + r->g.sync_off + GMM_SYNC_LOCKS_OFF(r->g.sync_objs);
}

/**
 * gmm_region_revalidate - is the fabric still the region @r attached?
 * @r: the handle
 *
 * Another node may have formatted the fabric again since (FORMAT
 * --force): then its superblock no longer matches the handle's geometry
 * or cluster UUID.
 *
 * Return: 0 if it matches; -EUCLEAN if not; an error of the superblock's
 * validation (e.g. -EMEDIUMTYPE: no region any more).
 */
int gmm_region_revalidate(struct gmm_region *r)
{
	const struct gmm_super *sb = (const struct gmm_super *)r->base;
	struct gmm_geom g;
	int ret = gmm_validate(r->base, r->size, &g);

	if (ret)
		return ret;
	return memcmp(&g, &r->g, sizeof(g)) ||
	       memcmp(sb->uuid, r->uuid, sizeof(r->uuid)) ||
	       memcmp(sb->key_check, r->key_check, sizeof(r->key_check)) ?
		       -EUCLEAN : 0;
}

/**
 * gmm_lease_word - where node @node's fabric lease is kept
 * @r: the handle
 * @node: a node of the region
 *
 * The word's meaning is the membership layer's (drivers/member/lease.c).
 *
 * Return: the word, or NULL for a node the region does not have.
 */
__le64 *gmm_lease_word(struct gmm_region *r, u32 node)
{
	if (node >= r->g.nr_parts)
		return NULL;
	return &r->ctl->lease[node];
}
