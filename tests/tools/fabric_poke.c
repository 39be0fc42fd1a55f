// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_poke - write one wrong value into a table of a live region, as a
 * wild write of another kernel would (the corrupted-fabric guest test,
 * tests/vm/corrupt.sh, runs it on the host on the guests' fabric file).
 * It takes no lock and joins nothing: it only reads the tables to find
 * the word and writes that one word.
 *
 * usage: fabric_poke FILE section-first GID VALUE
 *                     the first page of GID's section (its pages' place)
 *        fabric_poke FILE master-part GID VALUE
 *                     the partition GID's entry names, in the copy of the
 *                     master table that readers read
 *        fabric_poke FILE name-crc NAME VALUE
 *                     the CRC of NAME's entry in the name table
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

#include "gmm/gmm_internal.h"
#include "gns/gns_internal.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "fabric_poke: %s: %s\n", what, strerror(-err));
	exit(2);
}

int main(int argc, char **argv)
{
	struct gmm_master_entry *m;
	unsigned long long value;
	struct gmm_region *r;
	u32 idx, free_idx;
	struct stat st;
	char *end;
	void *base;
	u64 gid;
	int fd, ret;

	if (argc != 5) {
		fprintf(stderr, "usage: fabric_poke FILE section-first|master-part GID VALUE\n"
			"       fabric_poke FILE name-crc NAME VALUE\n");
		return 2;
	}
	gid = strtoull(argv[3], &end, 0);
	if (*end && strcmp(argv[2], "name-crc"))
		die("GID", -EINVAL);
	value = strtoull(argv[4], &end, 0);
	if (*end)
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
	if (!strcmp(argv[2], "name-crc")) {
		struct gns_entry *e;
		struct gns_name nm;

		ret = gns_name_parse(argv[3], &nm);
		if (!ret)
			ret = gns_find(r, &nm, &idx, &free_idx);
		if (ret)
			die("find the name", ret);
		e = gns_entry(r, idx);
		printf("was %u\n", mcs_rd32(&e->crc));
		mcs_wr32(&e->crc, (u32)value);
		goto out;
	}
	ret = gmm_master_find(r, gid, &idx, &free_idx);
	if (ret)
		die("find the GID", ret);
	m = gmm_master_read_copy(r) + idx;
	if (!strcmp(argv[2], "section-first")) {
		u32 part = mcs_rd16(&m->part), sec = mcs_rd32(&m->section);
		struct gmm_section *s;

		if (part >= r->g.nr_parts || sec >= r->g.sections)
			die("its master entry", -EUCLEAN);
		s = gmm_section(r, part, sec);
		printf("was %u\n", mcs_rd32(&s->first_page));
		mcs_wr32(&s->first_page, (u32)value);
	} else if (!strcmp(argv[2], "master-part")) {
		printf("was %u\n", mcs_rd16(&m->part));
		mcs_wr16(&m->part, (u16)value);
	} else {
		die(argv[2], -EINVAL);
	}
out:
	gmm_detach(r);
	munmap(base, (size_t)st.st_size);
	return 0;
}
