// SPDX-License-Identifier: GPL-2.0
/*
 * list.c - list a region's names, segments or sync objects.
 *
 * Portable: mcs_base.ko answers MCS_CTL_LIST with it on the live fabric,
 * and mcsctl lists a region in a file with it. Names and segments are
 * read under their table locks, a name or a master-table stripe at a time
 * (gns_list(), gmm_seg_list(); observers too); a sync object's lock word
 * is read without taking the lock. A listing is therefore no atomic
 * snapshot: what exists throughout is listed once, what changes meanwhile
 * may or may not be.
 */
#include "list.h"
#include "../gsync/gsync.h"
#include "../gns/gns.h"

/**
 * mcs_list_next - the next entry of a list
 * @r: a handle (observers too)
 * @what: MCS_LIST_NAMES, MCS_LIST_SEGMENTS or MCS_LIST_SYNC
 * @cursor: 0 to start; advanced past the entry returned
 * @e: the entry, every field not described for @what zero
 *
 * Names: gid, type (MCS_NAME_T_*), name and name_len, and for a segment's
 * name its size, home partition and sharers. Segments: gid, size, part,
 * nr_sharers. Sync objects: gid, type (MCS_SYNC_T_*), and the lock's
 * holder (owner_node MCS_NODE_NONE when free, MCS_OWNER_ABANDONED when
 * its process exited holding it), owner_incarnation, owner_pid and
 * lock_state (MCS_LOCK_*).
 *
 * Return: 0; -ENOENT at the end; -EINVAL for an unknown @what; the errors
 * of gns_list() and gmm_seg_list() (-EOWNERDEAD for an observer when a
 * dead node holds a table lock).
 */
int mcs_list_next(struct gmm_region *r, u32 what, u32 *cursor,
		  struct mcs_list_entry *e)
{
	struct gmm_seg_info si;
	struct gsync_table t;
	struct gns_info ni;
	u64 tag;
	int ret;

	memset(e, 0, sizeof(*e));
	switch (what) {
	case MCS_LIST_NAMES:
		ret = gns_list(r, cursor, &ni);
		if (ret)
			return ret;
		e->gid = ni.gid;
		e->type = ni.type;
		e->name_len = (u32)strnlen(ni.name, sizeof(ni.name));
		memcpy(e->name, ni.name, e->name_len);
		if (ni.type == GNS_TYPE_SEGMENT && !gmm_lookup(r, ni.gid, &si)) {
			e->size = si.size;
			e->part = si.part;
			e->nr_sharers = si.nr_sharers;
		}
		return 0;
	case MCS_LIST_SEGMENTS:
		ret = gmm_seg_list(r, cursor, &si);
		if (ret)
			return ret;
		e->gid = si.gid;
		e->size = si.size;
		e->part = si.part;
		e->nr_sharers = si.nr_sharers;
		return 0;
	case MCS_LIST_SYNC:
		gsync_table_of(r, &t);
		for (; *cursor < t.nr; (*cursor)++) {
			struct gsync_obj *o = &t.objs[*cursor];
			struct glock *l = gsync_lock(&t, *cursor);

			e->gid = mcs_rd64_acquire(&o->gid);
			if (!e->gid)
				continue;
			e->type = mcs_rd32(&o->type);
			tag = mcs_rd64(&l->owner);
			e->owner_node = tag ? GLOCK_TAG_NODE(tag) : MCS_NODE_NONE;
			e->owner_incarnation = GLOCK_TAG_INC(tag);
			e->owner_pid = GLOCK_TAG_PID(tag);
			e->lock_state = mcs_rd32(&l->state);
			(*cursor)++;
			return 0;
		}
		return -ENOENT;
	default:
		return -EINVAL;
	}
}
