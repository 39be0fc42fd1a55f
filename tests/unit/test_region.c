// SPDX-License-Identifier: GPL-2.0
/*
 * test_region - proves that a global region is formatted and attached
 * safely:
 *
 *   - a good region attaches and reports the geometry it was formatted
 *     with (derived or explicit table sizes, UUID, partition layout), with
 *     every partition online, empty and managed by its own node;
 *   - bad format parameters are refused with -EINVAL, a too small region
 *     with -ENOSPC, and a refused format leaves an existing region intact;
 *   - attach refuses what is not a usable region with the documented
 *     error: too small for a superblock (-EINVAL), zeroed or foreign
 *     (-EMEDIUMTYPE), another version (-EPROTONOSUPPORT), a torn
 *     superblock (-EBADMSG), a region larger than the mapping (-ERANGE),
 *     a superblock whose CRC is right but whose geometry is not (-EUCLEAN);
 *   - attach never reads beyond the mapping it is given (a superblock
 *     placed right before a PROT_NONE page);
 *   - a region can be formatted again over an old one, and a format that
 *     did not finish (no magic; or one that died part way over an old
 *     region) is refused;
 *   - gmm_check() notices a superblock changed after attach.
 */
#include <setjmp.h>
#include <signal.h>
#include <zlib.h>

#include "unit.h"
#include "gmm/gmm_internal.h"

#define REGION_SIZE (8 * MiB)

static void *region;

static void *new_region(u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CU_ASSERT_FATAL(p != MAP_FAILED);
	return p;
}

static void free_region(void *p, u64 size)
{
	munmap(p, size);
}

static int format4(void *base, u64 size)
{
	struct gmm_format_params fp = { .nr_parts = 4 };

	memcpy(fp.uuid, "0123456789abcdef", 16);
	return gmm_format(base, size, &fp);
}

/* The CRC exactly as region.c computes it: version .. up to crc. */
static void super_recrc(struct gmm_super *sb)
{
	size_t off = offsetof(struct gmm_super, version);
	size_t len = offsetof(struct gmm_super, crc) - off;

	sb->crc = cpu_to_le32((u32)crc32(0L, (const Bytef *)sb + off, (uInt)len));
}

static int attach_rc(void *base, u64 size)
{
	struct gmm_region *r = NULL;
	int ret = gmm_attach(base, size, &r);

	if (!ret)
		gmm_detach(r);
	return ret;
}

static void test_format_attach_good(void)
{
	struct gmm_region *r;
	struct gmm_geometry g;
	struct gmm_part_info pi;
	struct gmm_node_info ni;
	struct gmm_check_report rep = { .violation = unit_print_violation };
	u32 p;

	region = new_region(REGION_SIZE);
	ASSERT_EQ(format4(region, REGION_SIZE), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	gmm_get_geometry(r, &g);
	ASSERT_EQ(g.region_size, REGION_SIZE);
	ASSERT_EQ(g.nr_parts, 4);
	ASSERT_EQ(g.nr_stripes, GMM_NR_STRIPES);
	CU_ASSERT(g.master_entries >= 4 * GMM_NR_STRIPES);
	CU_ASSERT((g.master_entries & (g.master_entries - 1)) == 0);
	/* Derived sizes: enough master entries for two per section. */
	CU_ASSERT(g.master_entries >= 2 * g.nr_parts * g.sections_per_part ||
		  g.master_entries == 1U << 24);
	CU_ASSERT(g.sections_per_part >= 16);
	ASSERT_EQ(g.sharers_per_part, 2 * g.sections_per_part);
	CU_ASSERT(g.part_data_pages > 0);
	ASSERT_EQ(g.part_size % GMM_PAGE_SIZE, 0);
	ASSERT_EQ(g.parts_off % GMM_PAGE_SIZE, 0);
	CU_ASSERT(g.parts_off >= GMM_PAGE_SIZE);
	CU_ASSERT(g.parts_off + g.nr_parts * g.part_size <= REGION_SIZE);
	/* Nearly all of the region is usable: no partition wastes a page. */
	CU_ASSERT(REGION_SIZE - (g.parts_off + g.nr_parts * g.part_size) <
		  g.nr_parts * GMM_PAGE_SIZE);
	CU_ASSERT((u64)g.part_data_pages * GMM_PAGE_SIZE < g.part_size);
	CU_ASSERT(memcmp(g.uuid, "0123456789abcdef", 16) == 0);
	ASSERT_EQ(gmm_self_node(r), GMM_OBSERVER_NODE);

	for (p = 0; p < g.nr_parts; p++) {
		ASSERT_EQ(gmm_part_info(r, p, &pi), 0);
		ASSERT_EQ(pi.state, GMM_PART_ONLINE);
		ASSERT_EQ(pi.manager, p);
		ASSERT_EQ(pi.free_pages, g.part_data_pages);
		ASSERT_EQ(pi.data_pages, g.part_data_pages);
		ASSERT_EQ(pi.sections_used, 0);
		ASSERT_EQ(pi.generation, 1);
		ASSERT_EQ(pi.master_primary, p == 0);
		ASSERT_EQ(pi.master_replica, p == 1);
		ASSERT_EQ(gmm_node_info(r, p, &ni), 0);
		ASSERT_EQ(ni.state, GMM_NODE_ABSENT);
	}
	ASSERT_EQ(gmm_part_info(r, g.nr_parts, &pi), -EINVAL);
	ASSERT_EQ(gmm_node_info(r, g.nr_parts, &ni), -EINVAL);

	ASSERT_EQ(gmm_check(r, &rep), 0);
	ASSERT_EQ(rep.violations, 0);
	ASSERT_EQ(rep.segments, 0);
	ASSERT_EQ(rep.sharers, 0);
	ASSERT_EQ(rep.free_pages, (u64)g.nr_parts * g.part_data_pages);
	gmm_detach(r);

	/* A second attach of the same memory sees the same geometry. */
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	{
		struct gmm_geometry g2;

		gmm_get_geometry(r, &g2);
		CU_ASSERT(memcmp(&g, &g2, sizeof(g)) == 0);
	}
	gmm_detach(r);

	/* A mapping smaller than the region is refused ... */
	ASSERT_EQ(gmm_attach(region, REGION_SIZE / 2, &r), -ERANGE);
	/* ... a larger one is fine: the region says its own size. */
	ASSERT_EQ(format4(region, REGION_SIZE / 2), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	gmm_get_geometry(r, &g);
	ASSERT_EQ(g.region_size, REGION_SIZE / 2);
	CU_ASSERT(g.parts_off + g.nr_parts * g.part_size <= REGION_SIZE / 2);
	ASSERT_CLEAN(r);
	gmm_detach(r);
	free_region(region, REGION_SIZE);
}

static void test_explicit_geometry(void)
{
	struct gmm_format_params fp = { .nr_parts = 3, .master_entries = 512,
					.sections_per_part = 10,
					.sharers_per_part = 21 };
	struct gmm_region *r;
	struct gmm_geometry g;

	region = new_region(REGION_SIZE);
	ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	gmm_get_geometry(r, &g);
	ASSERT_EQ(g.nr_parts, 3);
	ASSERT_EQ(g.master_entries, 512);
	ASSERT_EQ(g.sections_per_part, 10);
	ASSERT_EQ(g.sharers_per_part, 21);
	ASSERT_CLEAN(r);
	gmm_detach(r);

	/* The largest region: 64 partitions, the most there may be. */
	fp = (struct gmm_format_params){ .nr_parts = GMM_MAX_NODES };
	ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	gmm_get_geometry(r, &g);
	ASSERT_EQ(g.nr_parts, GMM_MAX_NODES);
	ASSERT_CLEAN(r);
	gmm_detach(r);
	free_region(region, REGION_SIZE);
}

static void test_format_bad_params(void)
{
	struct gmm_format_params fp = { .nr_parts = 4 };
	static const u32 bad_parts[] = { 0, 1, GMM_MAX_NODES + 1, 1000 };
	static const u32 bad_master[] = { 300, 384, 1000, 4095, 3U << 10,
					  1U << 25 };
	size_t i;

	region = new_region(REGION_SIZE);
	/* A good region first: a refused format must not touch it. */
	ASSERT_EQ(format4(region, REGION_SIZE), 0);

	for (i = 0; i < ARRAY_SIZE(bad_parts); i++) {
		fp = (struct gmm_format_params){ .nr_parts = bad_parts[i] };
		ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(bad_master); i++) {
		fp = (struct gmm_format_params){ .nr_parts = 4,
						 .master_entries = bad_master[i] };
		ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), -EINVAL);
	}
	fp = (struct gmm_format_params){ .nr_parts = 4,
					 .sections_per_part = (1U << 24) + 1 };
	ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), -EINVAL);
	fp = (struct gmm_format_params){ .nr_parts = 4 };
	ASSERT_EQ(gmm_format(NULL, REGION_SIZE, &fp), -EINVAL);
	ASSERT_EQ(gmm_format(region, REGION_SIZE, NULL), -EINVAL);

	/* Too small: not even the control area and four tiny partitions. */
	ASSERT_EQ(gmm_format(region, 64 * 1024, &fp), -ENOSPC);
	ASSERT_EQ(gmm_format(region, 0, &fp), -ENOSPC);
	/* Big enough for the control area, not for these tables. */
	fp.sections_per_part = 1U << 20;
	ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), -ENOSPC);
	fp.sections_per_part = 0;
	fp.master_entries = 1U << 24;
	ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), -ENOSPC);

	/* None of that touched the region. */
	ASSERT_EQ(attach_rc(region, REGION_SIZE), 0);
	free_region(region, REGION_SIZE);
}

static void test_attach_refusals(void)
{
	struct gmm_super *sb, saved;
	struct gmm_region *r = NULL;
	u8 *bytes;
	size_t off;

	region = new_region(REGION_SIZE);
	sb = region;
	bytes = region;

	/* Zeroed memory: no magic. */
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EMEDIUMTYPE);
	ASSERT_EQ(gmm_attach(NULL, REGION_SIZE, &r), -EINVAL);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, NULL), -EINVAL);

	ASSERT_EQ(format4(region, REGION_SIZE), 0);
	saved = *sb;
	ASSERT_EQ(attach_rc(region, REGION_SIZE), 0);

	/* Smaller than a superblock. */
	ASSERT_EQ(attach_rc(region, sizeof(*sb) - 1), -EINVAL);
	ASSERT_EQ(attach_rc(region, 0), -EINVAL);

	/* Another magic. */
	sb->magic = cpu_to_le64(GMM_MAGIC ^ 1);
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EMEDIUMTYPE);
	sb->magic = cpu_to_le64(0x454c4946454c4946ULL);
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EMEDIUMTYPE);
	*sb = saved;

	/* Another version, with and without a matching CRC. */
	sb->version = cpu_to_le32(GMM_VERSION + 1);
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EPROTONOSUPPORT);
	super_recrc(sb);
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EPROTONOSUPPORT);
	sb->version = 0;
	super_recrc(sb);
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EPROTONOSUPPORT);
	*sb = saved;

	/* A flipped byte anywhere the CRC covers (version excepted). */
	for (off = offsetof(struct gmm_super, super_size);
	     off < offsetof(struct gmm_super, crc) + sizeof(sb->crc); off++) {
		bytes[off] ^= 0x20;
		if (attach_rc(region, REGION_SIZE) != -EBADMSG) {
			fprintf(stderr, "    byte %zu flipped: not -EBADMSG\n", off);
			CU_FAIL("flipped superblock byte accepted");
		}
		bytes[off] ^= 0x20;
	}
	ASSERT_EQ(attach_rc(region, REGION_SIZE), 0);

	/* The region is larger than the mapping. */
	ASSERT_EQ(attach_rc(region, REGION_SIZE - GMM_PAGE_SIZE), -ERANGE);
	ASSERT_EQ(attach_rc(region, sizeof(*sb)), -ERANGE);
	sb->region_size = cpu_to_le64(REGION_SIZE * 2);
	super_recrc(sb);
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -ERANGE);
	*sb = saved;

	/* Right CRC, wrong geometry: every field the layout depends on. */
#define EUCLEAN_CASE(field, conv, value)                                   \
	do {                                                               \
		*sb = saved;                                               \
		sb->field = conv(value);                                   \
		super_recrc(sb);                                           \
		if (attach_rc(region, REGION_SIZE) != -EUCLEAN) {          \
			fprintf(stderr, "    %s = %llu: not -EUCLEAN\n", #field, \
				(unsigned long long)(value));              \
			CU_FAIL("inconsistent geometry accepted");         \
		}                                                          \
	} while (0)
	EUCLEAN_CASE(super_size, cpu_to_le32, sizeof(*sb) + 8);
	EUCLEAN_CASE(page_size, cpu_to_le32, 8192);
	EUCLEAN_CASE(nr_stripes, cpu_to_le32, 32);
	EUCLEAN_CASE(nr_parts, cpu_to_le32, 3);
	EUCLEAN_CASE(nr_parts, cpu_to_le32, 1);
	EUCLEAN_CASE(nr_parts, cpu_to_le32, 1000);
	EUCLEAN_CASE(master_per_stripe, cpu_to_le32,
		     le32_to_cpu(saved.master_per_stripe) * 2);
	EUCLEAN_CASE(master_per_stripe, cpu_to_le32, 3);
	EUCLEAN_CASE(master_per_stripe, cpu_to_le32, 0x40000000);
	EUCLEAN_CASE(sections_per_part, cpu_to_le32,
		     le32_to_cpu(saved.sections_per_part) + 1);
	EUCLEAN_CASE(sections_per_part, cpu_to_le32, 0x7fffffff);
	EUCLEAN_CASE(sharers_per_part, cpu_to_le32,
		     le32_to_cpu(saved.sharers_per_part) - 1);
	EUCLEAN_CASE(control_off, cpu_to_le64, 0);
	EUCLEAN_CASE(control_size, cpu_to_le64, GMM_PAGE_SIZE);
	EUCLEAN_CASE(parts_off, cpu_to_le64, le64_to_cpu(saved.parts_off) + 4096);
	EUCLEAN_CASE(part_size, cpu_to_le64, le64_to_cpu(saved.part_size) * 2);
	EUCLEAN_CASE(part_master_off, cpu_to_le64, 64);
	EUCLEAN_CASE(part_section_off, cpu_to_le64, 0);
	EUCLEAN_CASE(part_sharer_off, cpu_to_le64,
		     le64_to_cpu(saved.part_sharer_off) + 32);
	EUCLEAN_CASE(part_bitmap_off, cpu_to_le64, ~0ULL);
	EUCLEAN_CASE(part_data_off, cpu_to_le64, le64_to_cpu(saved.part_data_off) - 4096);
	EUCLEAN_CASE(part_data_pages, cpu_to_le32,
		     le32_to_cpu(saved.part_data_pages) + 1);
	EUCLEAN_CASE(region_size, cpu_to_le64, REGION_SIZE - 2 * MiB);
	EUCLEAN_CASE(region_size, cpu_to_le64, 4096);
#undef EUCLEAN_CASE
	*sb = saved;
	ASSERT_EQ(attach_rc(region, REGION_SIZE), 0);
	free_region(region, REGION_SIZE);
}

/*
 * A superblock that ends exactly where the mapping ends, followed by a
 * PROT_NONE page: attach may read the superblock and nothing else, so
 * every refusal here must come back as an error, never a SIGSEGV.
 */
static void test_attach_no_out_of_bounds(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	u8 *area, *full, *tail;
	struct gmm_super *sb;
	size_t n = sizeof(struct gmm_super), k;

	area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(area != MAP_FAILED);
	CU_ASSERT_FATAL(mprotect(area + pg, pg, PROT_NONE) == 0);
	full = new_region(REGION_SIZE);
	ASSERT_EQ(format4(full, REGION_SIZE), 0);

	/* A whole, valid superblock describing 8 MiB, in a mapping of n bytes. */
	tail = area + pg - n;
	memcpy(tail, full, n);
	ASSERT_EQ(attach_rc(tail, n), -ERANGE);

	/* Truncated superblocks: every length short of a whole one. */
	for (k = 0; k < n; k += 8) {
		memset(area, 0, pg);
		memcpy(area + pg - k, full, k);
		ASSERT_EQ(attach_rc(area + pg - k, k), -EINVAL);
	}

	/* A valid-CRC superblock claiming a region exactly this small. */
	sb = (struct gmm_super *)tail;
	memcpy(tail, full, n);
	sb->region_size = cpu_to_le64(n);
	super_recrc(sb);
	ASSERT_EQ(attach_rc(tail, n), -EUCLEAN);
	/* ... and claiming that its partitions start beyond the mapping. */
	sb->parts_off = cpu_to_le64(1ULL << 40);
	super_recrc(sb);
	ASSERT_EQ(attach_rc(tail, n), -EUCLEAN);

	/* A whole page of superblock, region_size = one page. */
	memset(area, 0, pg);
	memcpy(area, full, n);
	sb = (struct gmm_super *)area;
	sb->region_size = cpu_to_le64(pg);
	super_recrc(sb);
	ASSERT_EQ(attach_rc(area, pg), -EUCLEAN);

	free_region(full, REGION_SIZE);
	munmap(area, 2 * pg);
}

static void test_reformat(void)
{
	struct gmm_format_params fp = { .nr_parts = 2 };
	struct gmm_region *r, *r2;
	struct gmm_seg_info si;
	struct gmm_geometry g;
	struct gmm_node_info ni;
	struct gmm_part_info pi;
	int i;

	region = new_region(REGION_SIZE);
	ASSERT_EQ(format4(region, REGION_SIZE), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	ASSERT_EQ(gmm_node_join(r, 3), 0);
	for (i = 1; i <= 10; i++)
		ASSERT_EQ(gmm_alloc(r, 1000 + i, 3 * GMM_PAGE_SIZE,
				    GMM_PLACE_NEAREST, 1, NULL), 0);
	ASSERT_EQ(gmm_lookup(r, 1005, &si), 0);
	ASSERT_CLEAN(r);
	gmm_detach(r);

	/* Another geometry and UUID over the old tables. */
	memcpy(fp.uuid, "fedcba9876543210", 16);
	ASSERT_EQ(gmm_format(region, REGION_SIZE, &fp), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r2), 0);
	gmm_get_geometry(r2, &g);
	ASSERT_EQ(g.nr_parts, 2);
	CU_ASSERT(memcmp(g.uuid, "fedcba9876543210", 16) == 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(gmm_node_info(r2, i, &ni), 0);
		ASSERT_EQ(ni.state, GMM_NODE_ABSENT);
		ASSERT_EQ(gmm_part_info(r2, i, &pi), 0);
		ASSERT_EQ(pi.free_pages, g.part_data_pages);
		ASSERT_EQ(pi.sections_used, 0);
	}
	ASSERT_EQ(gmm_lookup(r2, 1005, &si), -ENOENT);
	{
		int ret;
		struct gmm_check_report rep = unit_check(r2, &ret);

		ASSERT_EQ(ret, 0);
		ASSERT_EQ(rep.violations, 0);
		ASSERT_EQ(rep.segments, 0);
		ASSERT_EQ(rep.free_pages, 2ULL * g.part_data_pages);
	}
	/* Node 3 no longer exists; node 1 joins a fresh region. */
	ASSERT_EQ(gmm_node_join(r2, 3), -EINVAL);
	ASSERT_EQ(gmm_node_join(r2, 1), 0);
	ASSERT_EQ(gmm_self_incarnation(r2), 1);
	ASSERT_EQ(gmm_alloc(r2, 1005, GMM_PAGE_SIZE, GMM_PLACE_NEAREST, 1, &si), 0);
	ASSERT_EQ(si.part, 1);
	ASSERT_CLEAN(r2);
	gmm_detach(r2);
	free_region(region, REGION_SIZE);
}

static void test_torn_format(void)
{
	struct gmm_super *sb;
	struct gmm_region *r;

	region = new_region(REGION_SIZE);
	sb = region;
	ASSERT_EQ(format4(region, REGION_SIZE), 0);

	/* Everything written but the magic, which format stores last. */
	sb->magic = 0;
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EMEDIUMTYPE);

	/* A format interrupted right after it cleared the old superblock. */
	ASSERT_EQ(format4(region, REGION_SIZE), 0);
	memset(sb, 0, sizeof(*sb));
	ASSERT_EQ(attach_rc(region, REGION_SIZE), -EMEDIUMTYPE);

	/* Finishing the format makes it attachable again. */
	ASSERT_EQ(format4(region, REGION_SIZE), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	ASSERT_CLEAN(r);

	/* gmm_check() re-reads the superblock and refuses a changed one. */
	((u8 *)region)[offsetof(struct gmm_super, sections_per_part)] ^= 1;
	{
		struct gmm_check_report rep = { 0 };

		ASSERT_EQ(gmm_check(r, &rep), -EBADMSG);
	}
	((u8 *)region)[offsetof(struct gmm_super, sections_per_part)] ^= 1;
	ASSERT_CLEAN(r);
	gmm_detach(r);
	free_region(region, REGION_SIZE);
}

/*
 * A format that dies part way, over an old region: a page it writes after
 * clearing the superblock is read-only, so format faults there and the
 * SIGSEGV handler jumps out, as if the formatting node had died. The old
 * superblock must not survive over half-written tables.
 */
static sigjmp_buf segv_env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_env, 1);
}

static void test_format_interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	struct gmm_region *r;
	struct gmm_geometry g;
	u64 targets[3];
	size_t t;

	region = new_region(REGION_SIZE);
	ASSERT_EQ(format4(region, REGION_SIZE), 0);
	ASSERT_EQ(gmm_attach(region, REGION_SIZE, &r), 0);
	gmm_get_geometry(r, &g);
	gmm_detach(r);
	/* The control area, and the section tables of partitions 0 and 3. */
	targets[0] = g.parts_off - GMM_PAGE_SIZE;
	targets[1] = g.parts_off + (u64)g.master_entries *
				   sizeof(struct gmm_master_entry);
	targets[2] = g.parts_off + 3 * g.part_size +
		     (u64)g.master_entries * sizeof(struct gmm_master_entry);
	sigemptyset(&sa.sa_mask);
	CU_ASSERT_FATAL(sigaction(SIGSEGV, &sa, &old) == 0);
	for (t = 0; t < ARRAY_SIZE(targets); t++) {
		u8 *page = (u8 *)region + (targets[t] & ~(u64)(GMM_PAGE_SIZE - 1));
		int died;

		CU_ASSERT_FATAL(mprotect(page, GMM_PAGE_SIZE, PROT_READ) == 0);
		died = sigsetjmp(segv_env, 1);
		if (!died) {
			format4(region, REGION_SIZE);
			CU_FAIL("format did not write the protected page");
		}
		CU_ASSERT_FATAL(mprotect(page, GMM_PAGE_SIZE,
					 PROT_READ | PROT_WRITE) == 0);
		if (died)
			ASSERT_EQ(attach_rc(region, REGION_SIZE), -EMEDIUMTYPE);
		/* Formatting again from scratch works. */
		ASSERT_EQ(format4(region, REGION_SIZE), 0);
		ASSERT_EQ(attach_rc(region, REGION_SIZE), 0);
	}
	sigaction(SIGSEGV, &old, NULL);
	free_region(region, REGION_SIZE);
}

int main(void)
{
	static const struct unit_test tests[] = {
		{ "format and attach a good region", test_format_attach_good },
		{ "explicit table sizes", test_explicit_geometry },
		{ "bad format parameters", test_format_bad_params },
		{ "attach refuses bad superblocks", test_attach_refusals },
		{ "attach reads nothing out of bounds", test_attach_no_out_of_bounds },
		{ "reformat an existing region", test_reformat },
		{ "torn format is refused", test_torn_format },
		{ "interrupted format is refused", test_format_interrupted },
	};

	return unit_run("region", tests, ARRAY_SIZE(tests));
}
