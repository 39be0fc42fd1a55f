// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - the consistency checker of the name table.
 *
 * Takes the table lock without ever taking it over (a lock a dead node
 * still holds is itself a violation) and proves:
 *
 *   - no entry is pending and the commit record is closed (an open record
 *     of a dead incarnation is a transaction nobody settled);
 *   - every live entry is well formed: a valid name, NUL-terminated, its
 *     hash and CRC match, a known type, a GID gns issued;
 *   - every live name is found by lookup at its own entry, so no name is
 *     there twice and none is unreachable;
 *   - no two names share a GID;
 *   - every segment name names a gmm segment that exists and was not
 *     destroyed.
 */
#include "gns_internal.h"

#ifdef __KERNEL__
#include <linux/stdarg.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

static void gns_violation(struct gns_check_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void gns_violation(struct gns_check_report *rep, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	rep->violations++;
	if (!rep->violation)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep->violation(rep->arg, msg);
}

/* Heapsort: the checker needs to find duplicate GIDs in any host. */
static void gns_sift(u64 *a, u32 i, u32 n)
{
	u32 c;
	u64 t;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[i] >= a[c])
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

static void gns_sort(u64 *a, u32 n)
{
	u32 i;
	u64 t;

	for (i = n / 2; i-- > 0;)
		gns_sift(a, i, n);
	for (i = n; i-- > 1;) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		gns_sift(a, 0, i);
	}
}

static void gns_check_entry(struct gmm_region *r, struct gns_check_report *rep,
			    u32 i, u64 issued, u64 *gids, u32 *ngids,
			    u32 *seg_names)
{
	struct gns_entry *e = gns_entry(r, i);
	struct gmm_seg_info si;
	u32 st = mcs_rd32(&e->st), len, type, found, free_idx;
	struct gns_name nm;
	u64 gid, txn;
	int ret;

	txn = mcs_rd64(&e->txn);
	if (txn)
		gns_violation(rep, "name entry %u is pending (transaction %llx%s)",
			      i, (unsigned long long)txn,
			      gmm_id_dead(r, txn) ? " of a dead incarnation" : "");
	if (GMM_ST_STATE(st) > GMM_E_TOMBSTONE || (GMM_ST_PEND(st) && !txn)) {
		gns_violation(rep, "name entry %u has a bad state %x", i, st);
		return;
	}
	if (GMM_ST_STATE(st) != GMM_E_LIVE)
		return;
	rep->names++;
	len = mcs_rd16(&e->len);
	if (len > GNS_NAME_MAX || e->name[len] != '\0') {
		gns_violation(rep, "name entry %u has a bad length %u", i, len);
		return;
	}
	if (mcs_rd32(&e->crc) != gns_entry_crc(e)) {
		gns_violation(rep, "name entry %u is torn (CRC)", i);
		return;
	}
	if (gns_name_parse(e->name, &nm) || nm.len != len || e->name[0] == '/') {
		gns_violation(rep, "name entry %u holds an invalid name", i);
		return;
	}
	if (nm.hash != mcs_rd64(&e->hash))
		gns_violation(rep, "name \"%s\" has a wrong hash", e->name);
	else if (gns_find(r, &nm, &found, &free_idx) || found != i)
		gns_violation(rep, "name \"%s\" at %u is not found by lookup (or is there twice)",
			      e->name, i);
	type = mcs_rd16(&e->type);
	gid = mcs_rd64(&e->gid);
	if (type < GNS_TYPE_SEGMENT || type > GNS_TYPE_EVENT)
		gns_violation(rep, "name \"%s\" has a bad type %u", e->name, type);
	if (!(gid & GNS_GID_BASE) || (gid & ~GNS_GID_BASE) == 0 ||
	    (gid & ~GNS_GID_BASE) > issued)
		gns_violation(rep, "name \"%s\" has a GID %llx gns never issued",
			      e->name, (unsigned long long)gid);
	gids[(*ngids)++] = gid;
	if (type != GNS_TYPE_SEGMENT)
		return;
	ret = gmm_lookup(r, gid, &si);
	if (ret)
		gns_violation(rep, "segment name \"%s\" names gid %llx, which gmm cannot find (%d)",
			      e->name, (unsigned long long)gid, ret);
	else if (si.part < MCS_MAX_NODES)
		seg_names[si.part]++;
}

/**
 * gns_check - prove the invariants of the name table
 * @r: any attached handle
 * @report: filled with counts; @report->violation is called per problem
 *
 * Return: 0 if the check ran (violations are counted in @report), -ENOMEM.
 */
int gns_check(struct gmm_region *r, struct gns_check_report *report)
{
	struct gns_header *h = gns_hdr(r);
	u32 seg_names[MCS_MAX_NODES] = { 0 };
	u32 i, ngids = 0;
	bool held;
	u64 *gids, txn, issued;

	report->violations = report->names = 0;
	gids = mcs_os_zalloc((size_t)r->g.gns_entries * sizeof(*gids));
	if (!gids)
		return -ENOMEM;
	held = !gns_lock_observe(r);
	if (!held)
		gns_violation(report, "the name table lock is held by a dead node");
	txn = mcs_rd64_acquire(&h->txn);
	if (txn && (held || gmm_id_dead(r, txn)))
		gns_violation(report, "the name table's commit record is open (transaction %llx%s)",
			      (unsigned long long)txn,
			      gmm_id_dead(r, txn) ? " of a dead incarnation" : "");
	issued = mcs_rd64_acquire(&h->gid_next);
	for (i = 0; i < r->g.gns_entries; i++)
		gns_check_entry(r, report, i, issued, gids, &ngids, seg_names);
	/* Too high is allowed (a crash); too low would skip a sweep. */
	for (i = 0; held && i < MCS_MAX_NODES; i++)
		if (mcs_rd32(&h->seg_names[i]) < seg_names[i])
			gns_violation(report, "partition %u homes %u named segments, the name table counts %u",
				      i, seg_names[i], mcs_rd32(&h->seg_names[i]));
	gns_sort(gids, ngids);
	for (i = 1; i < ngids; i++)
		if (gids[i] == gids[i - 1])
			gns_violation(report, "two names share gid %llx",
				      (unsigned long long)gids[i]);
	if (held)
		gns_unlock(r);
	mcs_os_free(gids);
	return 0;
}
