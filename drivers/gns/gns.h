/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gns.h - the global name service: the internal API other components use.
 *
 * Names map to (GID, type) in a table in the fabric that survives the death
 * of any node. Like shm_open()/shm_unlink(): create is exclusive, open
 * finds an existing name, unlink removes the name at once while the object
 * lives on until its last user releases it. A segment can be created by
 * name in one call. Every change is a two-phase transaction; a survivor
 * runs gns_recover() in its names stage of the recovery sequence
 * (drivers/member/recovery.c). See Documentation/gns.md.
 *
 * Names: 1..GNS_NAME_MAX bytes of printable ASCII (0x21..0x7e) without
 * '/', optionally preceded by one '/' that is not part of the name ("/db"
 * and "db" are the same name); "." and ".." are not names.
 *
 * All functions return 0 or a negative errno.
 */
#ifndef GNS_H
#define GNS_H

#include "../gmm/gmm.h"
#include "gns_format.h"

enum gns_type {
	GNS_TYPE_SEGMENT = 1,
	GNS_TYPE_LOCK = 2,
	GNS_TYPE_EVENT = 3,
};

/* Every GID gns issues has this bit set; GIDs chosen elsewhere must not. */
#define GNS_GID_BASE (1ULL << 62)

struct gns_info {
	u64 gid;
	u32 type;  /* enum gns_type */
	u32 index; /* table entry; gns_list() continues after it */
	char name[GNS_NAME_MAX + 1];
};

int gns_name_check(const char *name);
int gns_gid_alloc(struct gmm_region *r, u64 *gid);

int gns_create(struct gmm_region *r, const char *name, u32 type,
	       struct gns_info *info);
int gns_seg_create(struct gmm_region *r, const char *name, u64 size,
		   int place, u32 pid, struct gmm_seg_info *seg,
		   struct gns_info *info);
int gns_seg_create_prepared(struct gmm_region *r, const char *name, u64 size,
			    int place, u32 pid,
			    const struct gmm_seg_prep *prep,
			    struct gmm_seg_info *seg, struct gns_info *info);
int gns_lookup(struct gmm_region *r, const char *name, struct gns_info *info);
int gns_seg_open(struct gmm_region *r, const char *name, u32 pid,
		 struct gmm_seg_info *seg);
int gns_unlink(struct gmm_region *r, const char *name);
int gns_unlink_gid(struct gmm_region *r, const char *name, u64 gid);
int gns_list(struct gmm_region *r, u32 *cursor, struct gns_info *info);

struct gns_recovery_report {
	u32 rolled_forward;   /* a dead node's transaction completed */
	u32 rolled_back;      /* a dead node's transaction undone */
	u32 dangling_removed; /* segment names whose segment is gone */
};
#define GNS_NO_PART (~0U) /* gns_recover(): no partition was lost */
int gns_recover(struct gmm_region *r, u32 lost_part,
		struct gns_recovery_report *report);

struct gns_check_report {
	u32 violations;
	u32 names;
	/* Called with a one-line description of every violation (may be NULL). */
	void (*violation)(void *arg, const char *msg);
	void *arg;
};
int gns_check(struct gmm_region *r, struct gns_check_report *report);

#endif /* GNS_H */
