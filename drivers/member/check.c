// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - the whole region's consistency check: every component's
 * checker, lowest layer first.
 */
#include "member.h"

/**
 * member_check - check every component's invariants in a region
 * @r: the handle (joined or an observer)
 * @rep: gmm's counts; the violations of gmm, gsync and the event log
 * @names: gns's counts and violations
 *
 * Return: 0 (violations are counted, not returned), or an error of
 * gmm_check() or gns_check() (the region could not be checked).
 */
int member_check(struct gmm_region *r, struct gmm_check_report *rep,
		 struct gns_check_report *names)
{
	int ret = gmm_check(r, rep);

	if (ret)
		return ret;
	gsync_check(r, rep);
	cev_check(r, rep);
	return gns_check(r, names);
}
