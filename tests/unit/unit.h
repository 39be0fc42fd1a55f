/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - what the CUnit programs in tests/unit/ share, kept here once
 * so that no test carries its own copy of a fixture:
 *
 *   - a fabric: one memfd that every node maps at its own address, so a
 *     table holding a pointer instead of an offset is caught;
 *   - the cluster on it (unit_setup(), unit_node_up(), unit_node_dies(),
 *     unit_finish()): an observer and up to NODES nodes, each attached on
 *     a mapping of its own;
 *   - nodes in other processes: unit_child_join() in a forked child,
 *     reap(), and bounded waits (now_ns(), wait_at_least(), WAIT_NS);
 *   - segment content: unit_fill() and unit_verify();
 *   - a node "dying" at a crash point in-process (unit_crash_hook()) and
 *     the check that every crash point was died at
 *     (unit_assert_crash_points());
 *   - ASSERT_CLEAN(r): gmm_check() and gns_check() run and find no
 *     violation (each one is printed); ASSERT_EQ(a, b);
 *   - unit_run(): the CUnit Basic runner; the program's exit status is 0
 *     only if no assertion and no suite failed.
 *
 * Header-only on purpose: every tests/unit/test_<name>.c is one program,
 * with its own copy of the cluster's state below.
 */
#ifndef MCS_TESTS_UNIT_H
#define MCS_TESTS_UNIT_H

#include <CUnit/Basic.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gmm/gmm.h"
#include "gns/gns.h"
#include "member/member.h"
#include "os/crashpoint.h"

#define MiB (1024ULL * 1024)
#define PG GMM_PAGE_SIZE

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

/* ------------------------------------------------------------ the cluster */

/*
 * The cluster the tests run on: one fabric; an observer attached on a
 * mapping of its own (omap, obs), which a test may also join as a node;
 * node n attached on another mapping (nmap[n], h[n]; NULL while not up).
 * The tests that fork nodes (glock, events) join them in the children
 * with unit_child_join(). Every test set this up in its own copy before;
 * unit_setup_with() is the one now.
 */
#define NODES 4

static struct fabric fab __attribute__((unused));
static void *omap __attribute__((unused));
static struct gmm_region *obs __attribute__((unused));
static void *nmap[NODES] __attribute__((unused));
static struct gmm_region *h[NODES] __attribute__((unused)); /* node n, NULL while dead */
static struct gmm_geometry geo __attribute__((unused));

/* Node n's handle on a mapping of its own, attached, not joined. */
static inline struct gmm_region *unit_node_attach(int n)
{
	nmap[n] = fabric_map(&fab);
	CU_ASSERT_FATAL(nmap[n] != NULL);
	CU_ASSERT_FATAL(gmm_attach(nmap[n], fab.size, &h[n]) == 0);
	return h[n];
}

/* Node n attaches and joins (the join's error is printed if it fails). */
static inline void unit_node_up(int n)
{
	int ret;

	unit_node_attach(n);
	ret = gmm_node_join(h[n], (u32)n);
	ASSERT_EQ(ret, 0);
	CU_ASSERT_FATAL(ret == 0);
}

/* The handle is gone; the node's state in the fabric stays as it was. */
static inline void unit_node_forget(int n)
{
	if (h[n])
		gmm_detach(h[n]);
	h[n] = NULL;
	fabric_unmap(&fab, nmap[n]);
	nmap[n] = NULL;
}

static inline struct gmm_node_info unit_node_info(int n)
{
	struct gmm_node_info ni;

	CU_ASSERT_FATAL(gmm_node_info(obs, (u32)n, &ni) == 0);
	return ni;
}

/* Membership says node n died (its handle dies with it). */
static inline void unit_node_dies(int n, bool lost)
{
	ASSERT_EQ(gmm_node_down(obs, (u32)n, unit_node_info(n).incarnation,
				lost), 0);
	unit_node_forget(n);
}

/* Every node that has a partition joins. */
#define UNIT_ALL_NODES ((1U << NODES) - 1)

/*
 * A fabric of @size formatted with @fp, the observer attached (geo filled
 * in), and the nodes of @join_mask that have a partition up.
 */
static inline void unit_setup_with(u64 size, const struct gmm_format_params *fp,
				   u32 join_mask)
{
	u32 n;

	CU_ASSERT_FATAL(fabric_open(&fab, size) == 0);
	omap = fabric_map(&fab);
	CU_ASSERT_FATAL(omap != NULL);
	CU_ASSERT_FATAL(gmm_format(omap, size, fp) == 0);
	CU_ASSERT_FATAL(gmm_attach(omap, size, &obs) == 0);
	gmm_get_geometry(obs, &geo);
	for (n = 0; n < NODES && n < fp->nr_parts; n++)
		if (join_mask & (1U << n))
			unit_node_up((int)n);
}

/* The common case: 16 MiB, a partition for each of NODES nodes, all up. */
static inline void unit_setup(void)
{
	struct gmm_format_params fp = { .nr_parts = NODES };

	unit_setup_with(16 * MiB, &fp, UNIT_ALL_NODES);
}

/* Every handle detached, every mapping gone, the fabric closed. */
static inline void unit_release(void)
{
	int n;

	for (n = 0; n < NODES; n++)
		unit_node_forget(n);
	if (obs)
		gmm_detach(obs);
	obs = NULL;
	fabric_unmap(&fab, omap);
	omap = NULL;
	fabric_close(&fab);
}

/* The end of a test: the region is consistent, then unit_release(). */
static inline void unit_finish(void)
{
	ASSERT_CLEAN(obs);
	unit_release();
}

/* ------------------------------------------------- nodes in other processes */

/* How long any wait for another process may take before it fails. */
#define WAIT_NS (20ULL * 1000000000ULL)

static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* Wait (bounded by WAIT_NS) until *v >= want; false if it never was. */
static inline bool wait_at_least(atomic_int *v, int want)
{
	u64 end = now_ns() + WAIT_NS;

	while (atomic_load(v) < want) {
		if (now_ns() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* A child's exit status, 128 + the signal if one killed it, -1: not ours. */
static inline int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * In a forked child: join the region as @node on a mapping of its own,
 * as a real node must. The child exits with status 90 if it cannot.
 */
static inline struct gmm_region *unit_child_join(u32 node)
{
	void *map = fabric_map(&fab);
	struct gmm_region *r;

	if (!map || gmm_attach(map, fab.size, &r) || gmm_node_join(r, node))
		_exit(90);
	return r;
}

/* Memory the test's processes share (anonymous, not the fabric); NULL on failure. */
static inline void *unit_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* --------------------------------------------------------- segment content */

/* Word i of a segment filled for @seed. */
static inline u64 unit_word(u64 seed, u64 i)
{
	return seed * 0x9e3779b97f4a7c15ULL + i;
}

static inline void unit_fill(void *ptr, u64 size, u64 seed)
{
	u64 *w = ptr, i;

	for (i = 0; i < size / 8; i++)
		w[i] = unit_word(seed, i);
}

/* Returns the number of words that differ from unit_fill()'s. */
static inline u64 unit_verify(const void *ptr, u64 size, u64 seed)
{
	const u64 *w = ptr;
	u64 i, bad = 0;

	for (i = 0; i < size / 8; i++)
		bad += w[i] != unit_word(seed, i);
	return bad;
}

/* ------------------------------------------------- dying at a crash point */

/*
 * The crash matrices (test_recovery, test_gns) kill a node in-process: a
 * test sets armed_cp and armed, installs unit_crash_hook() as
 * mcs_crash_hook with commit_cp the commit point of the operations it
 * runs, and calls the operation after sigsetjmp(crash_env). At armed_cp
 * the hook siglongjmps back, leaving the core exactly where it was (locks
 * held, entries pending), as a dead node leaves it; or, if armed_action
 * is set, calls that instead of dying. passed_commit says whether
 * commit_cp was passed while armed.
 */
static sigjmp_buf crash_env __attribute__((unused));
static volatile int armed_cp __attribute__((unused)) = -1;
static volatile int commit_cp __attribute__((unused)) = -1;
static volatile bool armed __attribute__((unused));
static volatile bool passed_commit __attribute__((unused));
static void (*volatile armed_action)(void) __attribute__((unused));

static inline void unit_crash_hook(enum mcs_crash_point cp)
{
	if (!armed)
		return;
	if ((int)cp == commit_cp)
		passed_commit = true;
	if ((int)cp != armed_cp)
		return;
	armed = false;
	if (armed_action) {
		armed_action();
		return;
	}
	siglongjmp(crash_env, 1);
}

/*
 * Every crash point in [@from, @to) was @what ("died at", "reached"):
 * @hits[cp] is not 0; each one that was not is printed.
 */
static inline void unit_assert_crash_points(const unsigned int *hits, int from,
					    int to, const char *what)
{
	unsigned int missing = 0;
	int cp;

	for (cp = from; cp < to; cp++) {
		if (hits[cp])
			continue;
		printf("    crash point %s was never %s\n",
		       mcs_crash_point_names[cp], what);
		missing++;
	}
	ASSERT_EQ(missing, 0);
}

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
