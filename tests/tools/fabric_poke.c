// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_poke - write one wrong value into a table of a live region, as a
 * wild write of another kernel would (the corrupted-fabric guest test,
 * tests/vm/corrupt.sh, runs it on the host on the guests' fabric file).
 * It takes no lock and joins nothing: it only reads the tables to find
 * the word and writes that one word.
 *
 * usage: fabric_poke FILE WHAT OBJECT VALUE
 *
 * OBJECT is a GID, or a global name (the name table says its GID), or "-"
 * where WHAT needs none. WHAT:
 *
 *   section-first   the first page of OBJECT's section (its pages' place)
 *   master-part     the partition OBJECT's master entry names, in the copy
 *                   of the master table that readers read
 *   name-crc        the CRC of name OBJECT's entry in the name table
 *   sharer-section  the section a live sharer of OBJECT names (the first
 *                   of OBJECT in its partition's sharer table)
 *   part-free       the free page count of OBJECT's partition
 *   page-hint       where OBJECT's partition starts looking for free pages
 *   section-hwm     the high-water mark of OBJECT's partition's sections
 *   bitmap          the 64-bit word of OBJECT's partition's free page
 *                   bitmap that holds OBJECT's first page
 *   sync-type       the type of global mutex or event OBJECT
 *   sync-count      the object count in the sync table's header (-)
 *   event-seq       the cluster event log's sequence number (-)
 *   event-type      the type of the log's last record (-)
 *
 * Prints the word's old value ("was N"), to write back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events/events.h"
#include "gmm/gmm_internal.h"
#include "gns/gns_internal.h"
#include "gsync/gsync.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "fabric_poke: %s: %s\n", what, strerror(-err));
	exit(2);
}

/* The word to write: one of these is set. */
struct word {
	__le16 *w16;
	__le32 *w32;
	__le64 *w64;
};

/* Name @name's entry in the name table. */
static struct gns_entry *name_entry(struct gmm_region *r, const char *name)
{
	struct gns_name nm;
	u32 idx, free_idx;
	int ret;

	ret = gns_name_parse(name, &nm);
	if (!ret)
		ret = gns_find(r, &nm, &idx, &free_idx);
	if (ret)
		die("find the name", ret);
	return gns_entry(r, idx);
}

/* OBJECT as a GID: a number, or the GID a name names. */
static u64 object_gid(struct gmm_region *r, const char *obj)
{
	char *end;
	u64 gid = strtoull(obj, &end, 0);

	if (*obj && !*end)
		return gid;
	return mcs_rd64(&name_entry(r, obj)->gid);
}

/* Segment @gid's partition and section, from the master table. */
static void segment_of(struct gmm_region *r, u64 gid, u32 *part, u32 *sec)
{
	struct gmm_master_entry *m;
	u32 idx, free_idx;
	int ret;

	ret = gmm_master_find(r, gid, &idx, &free_idx);
	if (ret)
		die("find the GID", ret);
	m = gmm_master_read_copy(r) + idx;
	*part = mcs_rd16(&m->part);
	*sec = mcs_rd32(&m->section);
	if (*part >= r->g.nr_parts || *sec >= r->g.sections)
		die("its master entry", -EUCLEAN);
}

static void find_word(struct gmm_region *r, const char *what, const char *obj,
		      struct word *w)
{
	struct mcs_event_log *log = cev_log(r);
	struct gmm_part_ctl *pc;
	struct gsync_table t;
	struct gmm_section *s;
	u32 part, sec, i, first;
	u64 gid;

	if (!strcmp(what, "name-crc")) {
		w->w32 = &name_entry(r, obj)->crc;
		return;
	}
	if (!strcmp(what, "sync-count") || !strcmp(what, "sync-type")) {
		gsync_table_of(r, &t);
		if (!strcmp(what, "sync-count")) {
			w->w32 = &t.hdr->nr_objs;
			return;
		}
		gid = object_gid(r, obj);
		for (i = 0; i < t.nr; i++)
			if (mcs_rd64(&t.objs[i].gid) == gid) {
				w->w32 = &t.objs[i].type;
				return;
			}
		die("find the sync object", -ENOENT);
	}
	if (!strcmp(what, "event-seq")) {
		w->w64 = &log->seq;
		return;
	}
	if (!strcmp(what, "event-type")) {
		w->w32 = &log->rec[mcs_rd64(&log->seq) &
				   (MCS_EVENT_LOG_LEN - 1)].type;
		return;
	}
	gid = object_gid(r, obj);
	if (!strcmp(what, "master-part")) {
		if (gmm_master_find(r, gid, &i, &first))
			die("find the GID", -ENOENT);
		w->w16 = &gmm_master_read_copy(r)[i].part;
		return;
	}
	segment_of(r, gid, &part, &sec);
	pc = &r->ctl->part[part];
	s = gmm_section(r, part, sec);
	if (!strcmp(what, "section-first")) {
		w->w32 = &s->first_page;
	} else if (!strcmp(what, "sharer-section")) {
		for (i = 0; i < r->g.sharers; i++) {
			struct gmm_sharer *sh = gmm_sharer(r, part, i);

			/* Not by its section: that is what is poked. */
			if (GMM_ST_STATE(mcs_rd32(&sh->st)) == GMM_E_LIVE &&
			    mcs_rd64(&sh->gid) == gid) {
				w->w32 = &sh->section;
				return;
			}
		}
		die("find a sharer", -ENOENT);
	} else if (!strcmp(what, "part-free")) {
		w->w32 = &pc->free_pages;
	} else if (!strcmp(what, "page-hint")) {
		w->w32 = &pc->page_hint;
	} else if (!strcmp(what, "section-hwm")) {
		w->w32 = &pc->section_hwm;
	} else if (!strcmp(what, "bitmap")) {
		first = mcs_rd32(&s->first_page);
		if (first >= r->g.data_pages)
			die("its section", -EUCLEAN);
		w->w64 = &gmm_bitmap(r, part)[first / 64];
	} else {
		die(what, -EINVAL);
	}
}

int main(int argc, char **argv)
{
	unsigned long long value;
	struct gmm_region *r;
	struct word w = { 0 };
	struct stat st;
	char *end;
	void *base;
	int fd, ret;

	if (argc != 5) {
		fprintf(stderr, "usage: fabric_poke FILE WHAT GID|NAME|- VALUE (see its source)\n");
		return 2;
	}
	value = strtoull(argv[4], &end, 0);
	if (!*argv[4] || *end)
		die("VALUE", -EINVAL);
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		die(argv[1], -errno);
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (base == MAP_FAILED)
		die("mmap", -errno);
	close(fd);
	ret = gmm_attach(base, (u64)st.st_size, &r);
	if (ret)
		die("attach", ret);
	find_word(r, argv[2], argv[3], &w);
	if (w.w16) {
		printf("was %u\n", mcs_rd16(w.w16));
		mcs_wr16(w.w16, (u16)value);
	} else if (w.w32) {
		printf("was %u\n", mcs_rd32(w.w32));
		mcs_wr32(w.w32, (u32)value);
	} else {
		printf("was %llu\n", (unsigned long long)mcs_rd64(w.w64));
		mcs_wr64(w.w64, value);
	}
	gmm_detach(r);
	munmap(base, (size_t)st.st_size);
	return 0;
}
