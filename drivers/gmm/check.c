// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - the consistency checker.
 *
 * Takes every table lock (never taking one over: a lock a dead node still
 * holds is itself a violation) and proves the invariants:
 *
 *   - the superblock still matches the geometry attached;
 *   - primary and replica master copies are on two different, readable
 *     partitions and agree entry by entry;
 *   - no entry, lock or transaction slot belongs to a dead incarnation and
 *     no node is left half recovered;
 *   - every live master entry is reachable by lookup, unique, and names a
 *     live section of the same GID and size on an online partition, and
 *     every live section is named by exactly one master entry;
 *   - every data page is free in the bitmap or in exactly one section;
 *   - sharers are live, name live sections and live node incarnations;
 *   - sharer counts and free page counts match the tables;
 *   - no destroyed segment is left without sharers;
 *   - the home index names every live master entry at its section;
 *   - a partition marked master-clean holds no copy and only FREE entries,
 *     and every master entry in use is marked used;
 *   - no table lock names a dead incarnation or is in a state outside
 *     enum glock_state; table locks are never owner-dead or unrecoverable.
 *
 * The components above gmm check their own structures with
 * gmm_check_lock() and gmm_check_violation() (drivers/member runs all).
 */
#include "gmm_internal.h"

#ifdef __KERNEL__
#include <linux/stdarg.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

struct gmm_checker {
	struct gmm_region *r;
	struct gmm_check_report *rep;
	u8 *section_seen; /* per partition x section: named by master */
	u32 *page_owner;  /* per data page of the partition being checked */
	u32 *sharers;     /* per section of that partition: live sharers */
};

static void gmm_vviolation(struct gmm_check_report *rep, const char *fmt,
			   va_list ap) __attribute__((format(printf, 2, 0)));

static void gmm_vviolation(struct gmm_check_report *rep, const char *fmt,
			   va_list ap)
{
	char msg[160];

	rep->violations++;
	if (!rep->violation)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	rep->violation(rep->arg, msg);
}

/**
 * gmm_check_violation - count and report one violation
 * @rep: the report of the check that found it
 * @fmt: printf-style one-line description
 */
void gmm_check_violation(struct gmm_check_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gmm_vviolation(rep, fmt, ap);
	va_end(ap);
}

static void gmm_violation(struct gmm_checker *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void gmm_violation(struct gmm_checker *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gmm_vviolation(c->rep, fmt, ap);
	va_end(ap);
}

static void gmm_check_nodes(struct gmm_checker *c)
{
	struct gmm_region *r = c->r;
	u32 n, i, st;
	u64 w, txn;

	for (n = 0; n < r->g.nr_parts; n++) {
		w = mcs_rd64_acquire(&r->ctl->node[n]);
		st = GMM_NW_STATE(w);
		if (st == GMM_NODE_DOWN || st == GMM_NODE_RECOVERING)
			gmm_violation(c, "node %u incarnation %u is dead but not recovered",
				      n, GMM_NW_INC(w));
		else if (st > GMM_NODE_CLEAN)
			gmm_violation(c, "node %u has a bad state %u", n, st);
		for (i = 0; i < GMM_TXN_SLOTS; i++) {
			txn = mcs_rd64_acquire(&r->ctl->txn[n][i].txn);
			if (txn && gmm_id_dead(r, txn))
				gmm_violation(c, "node %u slot %u holds transaction %llx of a dead incarnation",
					      n, i, (unsigned long long)txn);
		}
	}
}

/**
 * gmm_check_lock - a lock held by a dead incarnation must have been broken
 * @r: the handle
 * @rep: the report to count violations in
 * @l: the lock
 * @what: what it protects, for the message
 * @i: its index, for the message
 * @table: a table lock, which is never owner-dead or unrecoverable
 */
void gmm_check_lock(struct gmm_region *r, struct gmm_check_report *rep,
		    struct glock *l, const char *what, u32 i, bool table)
{
	u64 owner = glock_owner(l);
	u32 st = glock_state(l);

	if (owner && GLOCK_TAG_NODE(owner) != GLOCK_NODE_ABANDONED &&
	    gmm_id_dead(r, owner))
		gmm_check_violation(rep, "%s lock %u is held by dead incarnation %llx",
				    what, i, (unsigned long long)owner);
	if (st > GLOCK_NOTRECOVERABLE || (table && st == GLOCK_NOTRECOVERABLE))
		gmm_check_violation(rep, "%s lock %u is in state %u", what, i, st);
}

static void gmm_check_master(struct gmm_checker *c)
{
	struct gmm_region *r = c->r;
	u64 loc = mcs_rd64_acquire(&r->ctl->master_loc);
	u32 pp = GMM_ML_PRIMARY(loc), rp = GMM_ML_REPLICA(loc);
	u32 per = r->g.per_stripe, n = per * GMM_NR_STRIPES;
	struct gmm_master_entry *m, *q;
	u32 i, j, st, qst, p, sec, k;
	struct gmm_section *s;
	u64 gid;

	if (pp >= r->g.nr_parts || rp >= r->g.nr_parts || pp == rp) {
		gmm_violation(c, "master location %llx is invalid",
			      (unsigned long long)loc);
		return;
	}
	if (gmm_part_state(r, pp) == GMM_PART_LOST ||
	    gmm_part_state(r, rp) == GMM_PART_LOST)
		gmm_violation(c, "a master copy is on a lost partition (primary %u, replica %u)",
			      pp, rp);
	/* A rebuilt copy writes only the entries in use into a clean area. */
	for (p = 0; p < r->g.nr_parts; p++) {
		/* A lost partition's memory is gone; its return zeroes it. */
		if (!(mcs_rd64(&r->ctl->part[p].flags) & GMM_PC_MASTER_CLEAN) ||
		    gmm_part_state(r, p) == GMM_PART_LOST)
			continue;
		if (p == pp || p == rp)
			gmm_violation(c, "partition %u holds a master copy but is marked clean", p);
		m = gmm_master_copy(r, p);
		for (i = 0; i < n; i++)
			if (mcs_rd32(&m[i].st) || mcs_rd64(&m[i].txn)) {
				gmm_violation(c, "partition %u is marked clean, its master entry %u is not free",
					      p, i);
				break;
			}
	}
	m = gmm_master_read_copy(r);
	if (!m)
		return;
	q = gmm_part_state(r, rp) == GMM_PART_LOST ? NULL : gmm_master_copy(r, rp);
	if (q == m)
		q = gmm_part_state(r, pp) == GMM_PART_LOST ? NULL :
							      gmm_master_copy(r, pp);

	for (i = 0; i < n; i++) {
		st = mcs_rd32(&m[i].st);
		if (mcs_rd64(&m[i].txn) || (q && mcs_rd64(&q[i].txn)))
			gmm_violation(c, "master entry %u is still pending", i);
		if (q) {
			qst = mcs_rd32(&q[i].st);
			if (qst != st ||
			    (GMM_ST_STATE(st) == GMM_E_LIVE &&
			     (mcs_rd64(&q[i].gid) != mcs_rd64(&m[i].gid) ||
			      mcs_rd16(&q[i].part) != mcs_rd16(&m[i].part) ||
			      mcs_rd32(&q[i].section) != mcs_rd32(&m[i].section) ||
			      mcs_rd32(&q[i].npages) != mcs_rd32(&m[i].npages))))
				gmm_violation(c, "master entry %u differs between primary and replica",
					      i);
		}
		if (GMM_ST_STATE(st) > GMM_E_TOMBSTONE || GMM_ST_PEND(st))
			gmm_violation(c, "master entry %u has a bad state %x", i, st);
		/* Else a copy rebuilt into a clean area would miss it. */
		if (GMM_ST_STATE(st) != GMM_E_FREE &&
		    !(mcs_rd64(&gmm_master_used(r)[i / 64]) & (1ULL << (i % 64))))
			gmm_violation(c, "master entry %u is in use but not marked used", i);
		if (GMM_ST_STATE(st) != GMM_E_LIVE)
			continue;
		c->rep->segments++;
		gid = mcs_rd64(&m[i].gid);
		/* Reachable: no free slot between its home slot and itself. */
		if (gmm_stripe_of(gid) != i / per) {
			gmm_violation(c, "gid %llx is in the wrong stripe",
				      (unsigned long long)gid);
		} else {
			if (gmm_master_find(r, gid, &j, &k) || j != i)
				gmm_violation(c, "gid %llx at %u is not found by lookup (or is duplicated)",
					      (unsigned long long)gid, i);
		}
		p = mcs_rd16(&m[i].part);
		sec = mcs_rd32(&m[i].section);
		if (p >= r->g.nr_parts || sec >= r->g.sections) {
			gmm_violation(c, "gid %llx points outside the region",
				      (unsigned long long)gid);
			continue;
		}
		/* Else revoking its partition would miss it. */
		if (mcs_rd32(&gmm_home(r, p)[sec]) != i + 1)
			gmm_violation(c, "gid %llx is not in the home index of section %u/%u",
				      (unsigned long long)gid, p, sec);
		if (gmm_part_state(r, p) == GMM_PART_LOST) {
			gmm_violation(c, "gid %llx lives on lost partition %u",
				      (unsigned long long)gid, p);
			continue;
		}
		s = gmm_section(r, p, sec);
		if (GMM_ST_STATE(mcs_rd32(&s->st)) != GMM_E_LIVE ||
		    mcs_rd64(&s->gid) != gid ||
		    mcs_rd32(&s->npages) != mcs_rd32(&m[i].npages) ||
		    (GMM_ST_FLAGS(mcs_rd32(&s->st)) & GMM_F_DESTROYED) !=
			    (GMM_ST_FLAGS(st) & GMM_F_DESTROYED)) {
			gmm_violation(c, "gid %llx and section %u/%u disagree",
				      (unsigned long long)gid, p, sec);
			continue;
		}
		if (c->section_seen[(u64)p * r->g.sections + sec]++)
			gmm_violation(c, "section %u/%u is named by two master entries",
				      p, sec);
	}
}

static void gmm_check_partition(struct gmm_checker *c, u32 p)
{
	struct gmm_region *r = c->r;
	struct gmm_part_ctl *pc = &r->ctl->part[p];
	u32 nsec = mcs_rd32(&pc->section_hwm), nshr = mcs_rd32(&pc->sharer_hwm);
	u32 i, j, st, first, np, sec, freep = 0;
	__le64 *bm = gmm_bitmap(r, p);
	struct gmm_sharer *sh;
	struct gmm_section *s;
	bool used;
	u64 owner;

	if (nsec > r->g.sections || nshr > r->g.sharers) {
		gmm_violation(c, "partition %u has a bad high-water mark", p);
		nsec = nsec > r->g.sections ? r->g.sections : nsec;
		nshr = nshr > r->g.sharers ? r->g.sharers : nshr;
	}
	for (i = 0; i < r->g.sections; i++) {
		s = gmm_section(r, p, i);
		st = mcs_rd32(&s->st);
		if (mcs_rd64(&s->txn))
			gmm_violation(c, "section %u/%u is still pending", p, i);
		if (GMM_ST_STATE(st) == GMM_E_FREE)
			continue;
		if (i >= nsec)
			gmm_violation(c, "section %u/%u is above the high-water mark", p, i);
		if (GMM_ST_STATE(st) != GMM_E_LIVE || GMM_ST_PEND(st)) {
			gmm_violation(c, "section %u/%u has a bad state %x", p, i, st);
			continue;
		}
		if (!c->section_seen[(u64)p * r->g.sections + i])
			gmm_violation(c, "section %u/%u (gid %llx) has no master entry",
				      p, i, (unsigned long long)mcs_rd64(&s->gid));
		first = mcs_rd32(&s->first_page);
		np = mcs_rd32(&s->npages);
		if (!np || first >= r->g.data_pages ||
		    np > r->g.data_pages - first) {
			gmm_violation(c, "section %u/%u has pages outside the partition",
				      p, i);
			continue;
		}
		for (j = first; j < first + np; j++) {
			if (c->page_owner[j])
				gmm_violation(c, "page %u/%u is in sections %u and %u",
					      p, j, c->page_owner[j] - 1, i);
			c->page_owner[j] = i + 1;
		}
	}
	for (j = 0; j < r->g.data_pages; j++) {
		used = mcs_rd64(&bm[j / 64]) >> (j % 64) & 1;
		if (used != !!c->page_owner[j])
			gmm_violation(c, "page %u/%u is %s in the bitmap but %s",
				      p, j, used ? "used" : "free",
				      c->page_owner[j] ? "in a section" : "in no section");
		freep += !used;
	}
	c->rep->free_pages += freep;
	if (freep != mcs_rd32(&pc->free_pages))
		gmm_violation(c, "partition %u counts %u free pages, the bitmap %u",
			      p, mcs_rd32(&pc->free_pages), freep);

	for (i = 0; i < r->g.sharers; i++) {
		sh = gmm_sharer(r, p, i);
		st = mcs_rd32(&sh->st);
		if (mcs_rd64(&sh->txn))
			gmm_violation(c, "sharer %u/%u is still pending", p, i);
		if (GMM_ST_STATE(st) == GMM_E_FREE)
			continue;
		if (i >= nshr)
			gmm_violation(c, "sharer %u/%u is above the high-water mark", p, i);
		if (GMM_ST_STATE(st) != GMM_E_LIVE || GMM_ST_PEND(st)) {
			gmm_violation(c, "sharer %u/%u has a bad state %x", p, i, st);
			continue;
		}
		c->rep->sharers++;
		sec = mcs_rd32(&sh->section);
		owner = mcs_rd64(&sh->owner);
		if (sec < r->g.sections)
			c->sharers[sec]++;
		if (sec >= r->g.sections ||
		    GMM_ST_STATE(mcs_rd32(&gmm_section(r, p, sec)->st)) != GMM_E_LIVE ||
		    mcs_rd64(&gmm_section(r, p, sec)->gid) != mcs_rd64(&sh->gid))
			gmm_violation(c, "sharer %u/%u names no live section", p, i);
		if (gmm_id_dead(r, owner) || GMM_ID_NODE(owner) == GMM_OBSERVER_NODE)
			gmm_violation(c, "sharer %u/%u belongs to dead node %u incarnation %u",
				      p, i, GMM_ID_NODE(owner), GMM_ID_INC(owner));
	}
	for (i = 0; i < nsec; i++) {
		s = gmm_section(r, p, i);
		st = mcs_rd32(&s->st);
		if (GMM_ST_STATE(st) != GMM_E_LIVE)
			continue;
		if (c->sharers[i] != mcs_rd32(&s->nr_sharers))
			gmm_violation(c, "section %u/%u counts %u sharers, the table %u",
				      p, i, mcs_rd32(&s->nr_sharers), c->sharers[i]);
		if (!c->sharers[i] && (GMM_ST_FLAGS(st) & GMM_F_DESTROYED))
			gmm_violation(c, "section %u/%u is destroyed and unshared but not freed",
				      p, i);
	}
}

/**
 * gmm_check - prove the invariants of the region's tables
 * @r: any attached handle
 * @report: filled with counts; @report->violation is called per problem
 *
 * Return: 0 if the check ran (violations are counted in @report), -ENOMEM,
 * or an error of gmm_attach() if the superblock changed.
 */
int gmm_check(struct gmm_region *r, struct gmm_check_report *report)
{
	struct gmm_checker c = { .r = r, .rep = report };
	u64 stripes_held = 0, parts_held = 0;
	u32 s, p;
	int ret;

	report->violations = report->segments = report->sharers = 0;
	report->free_pages = 0;
	ret = gmm_region_revalidate(r);
	if (ret)
		return ret;
	c.section_seen = mcs_os_zalloc((size_t)r->g.nr_parts * r->g.sections);
	c.page_owner = mcs_os_zalloc((size_t)r->g.data_pages * sizeof(u32));
	c.sharers = mcs_os_zalloc((size_t)r->g.sections * sizeof(u32));
	if (!c.section_seen || !c.page_owner || !c.sharers) {
		ret = -ENOMEM;
		goto out_free;
	}

	for (s = 0; s < GMM_NR_STRIPES; s++) {
		if (gmm_lock_observe(r, &r->ctl->stripe_lock[s]))
			gmm_violation(&c, "stripe lock %u is held by a dead node", s);
		else
			stripes_held |= 1ULL << s;
	}
	for (p = 0; p < r->g.nr_parts; p++) {
		if (gmm_lock_observe(r, &r->ctl->part_lock[p])) {
			if (gmm_part_state(r, p) != GMM_PART_LOST)
				gmm_violation(&c, "partition lock %u is held by a dead node", p);
		} else {
			parts_held |= 1ULL << p;
		}
	}

	gmm_check_nodes(&c);
	gmm_check_master(&c);
	for (p = 0; p < r->g.nr_parts; p++) {
		if (gmm_part_state(r, p) == GMM_PART_LOST)
			continue;
		memset(c.page_owner, 0, (size_t)r->g.data_pages * sizeof(u32));
		memset(c.sharers, 0, (size_t)r->g.sections * sizeof(u32));
		gmm_check_partition(&c, p);
	}

	for (p = 0; p < r->g.nr_parts; p++)
		if (parts_held & (1ULL << p))
			gmm_unlock_part(r, p);
	for (s = 0; s < GMM_NR_STRIPES; s++)
		if (stripes_held & (1ULL << s))
			gmm_unlock_stripe(r, s);
out_free:
	mcs_os_free(c.section_seen);
	mcs_os_free(c.page_owner);
	mcs_os_free(c.sharers);
	return ret;
}
