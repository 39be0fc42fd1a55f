/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - what the CUnit programs in tests/unit/ share.
 *
 *   - a fabric: one memfd that every node maps at its own address, so a
 *     table holding a pointer instead of an offset is caught;
 *   - ASSERT_CLEAN(r): gmm_check() and gns_check() run and find no
 *     violation (each one is printed);
 *   - unit_run(): the CUnit Basic runner; the program's exit status is 0
 *     only if no assertion and no suite failed.
 *
 * Header-only on purpose: every tests/unit/test_<name>.c is one program.
 */
#ifndef MCS_TESTS_UNIT_H
#define MCS_TESTS_UNIT_H

#include <CUnit/Basic.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gmm/gmm.h"
#include "gns/gns.h"
#include "member/member.h"

struct fabric {
	int fd;
	u64 size;
};

static inline int fabric_open(struct fabric *f, u64 size)
{
	f->size = size;
	f->fd = memfd_create("mcs-unit-fabric", MFD_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (ftruncate(f->fd, (off_t)size)) {
		close(f->fd);
		f->fd = -1;
		return -errno;
	}
	return 0;
}

/* Zero the whole fabric (a brand new device). */
static inline int fabric_wipe(struct fabric *f)
{
	if (ftruncate(f->fd, 0) || ftruncate(f->fd, (off_t)f->size))
		return -errno;
	return 0;
}

/* A new mapping of the same memory, at an address of the kernel's choice. */
static inline void *fabric_map(struct fabric *f)
{
	void *p = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       f->fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline void fabric_unmap(struct fabric *f, void *p)
{
	if (p)
		munmap(p, f->size);
}

static inline void fabric_close(struct fabric *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static inline void unit_print_violation(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "    gmm_check: %s\n", msg);
}

/* The whole region's check (member_check()), violations printed, summed. */
static inline struct gmm_check_report unit_check(struct gmm_region *r,
						 int *ret)
{
	struct gmm_check_report rep = { .violation = unit_print_violation };
	struct gns_check_report nrep = { .violation = unit_print_violation };

	*ret = member_check(r, &rep, &nrep);
	rep.violations += nrep.violations;
	return rep;
}

/*
 * The one recovery sequence (member_recover()), with gmm's counts in
 * *rep (which may be NULL, and may name a revoked callback).
 */
static inline int unit_recover(struct gmm_region *r, uint32_t node,
			       struct gmm_recovery_report *rep)
{
	struct member_recovery rec = { 0 };
	int ret;

	if (rep) {
		rec.gmm.revoked = rep->revoked;
		rec.gmm.arg = rep->arg;
	}
	ret = member_recover(r, node, &rec);
	if (rep)
		*rep = rec.gmm;
	return ret;
}

#define ASSERT_CLEAN(r)                                                  \
	do {                                                             \
		int ac_ret_;                                             \
		struct gmm_check_report ac_rep_ = unit_check((r), &ac_ret_); \
		CU_ASSERT_EQUAL(ac_ret_, 0);                             \
		CU_ASSERT_EQUAL(ac_rep_.violations, 0);                  \
	} while (0)

/* Compare ints and print both sides when they differ. */
#define ASSERT_EQ(a, b)                                                  \
	do {                                                             \
		long long ae_a_ = (long long)(a), ae_b_ = (long long)(b); \
		if (ae_a_ != ae_b_)                                      \
			fprintf(stderr, "    %s:%d: %s == %lld, expected %s == %lld\n", \
				__FILE__, __LINE__, #a, ae_a_, #b, ae_b_); \
		CU_ASSERT(ae_a_ == ae_b_);                               \
	} while (0)

struct unit_test {
	const char *name;
	void (*fn)(void);
};

/* Register one suite, run everything, return the process exit status. */
static inline int unit_run(const char *suite, const struct unit_test *tests,
			   size_t n)
{
	unsigned int failures, suites_failed;
	CU_pSuite s;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite(suite, NULL, NULL);
	if (!s)
		goto fail;
	for (i = 0; i < n; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failures = CU_get_number_of_failures();
	suites_failed = CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures == 0 && suites_failed == 0 ? 0 : 1;
fail:
	fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}

#endif /* MCS_TESTS_UNIT_H */
