// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_errors - every ioctl of /dev/mcs and its mmap, good input and bad:
 * bad pointers, argument sizes (argsz 0, below SIZE_VER0, above a page, a
 * larger structure with a non-zero tail; a smaller old one and a larger
 * one with a zero tail work, with the command number of their size, and
 * get back only argsz bytes), the feature mask and the caller's pid and
 * tid, flags, reserved and
 * output fields, unknown commands, bad sizes, GIDs, modes and
 * placements, wrong order (release while mapped, twice, open after
 * destroy), mappings out of range or
 * private or writable on a read-only share, and an unprivileged caller
 * against the owner/mode rule. The name commands (MCS_IOC_NAME_*) and the
 * mutex commands (MCS_IOC_MUTEX_*) the same way: bad name pointers (NULL,
 * unmapped, running into an unmapped page), name lengths 0 and beyond
 * MCS_NAME_MAX, bad name bytes, a name and a GID at once, bad GIDs, wrong
 * order (unlock of a mutex not held, consistent when not owner-dead,
 * lock twice, destroy while held, destroy of an unknown GID) and an
 * unprivileged caller (unlink of root's names, unlock of root's mutex).
 * Each fails with the documented errno and the good calls do what they
 * say; nothing is left held or named at the end.
 *
 * Usage: uapi_errors prejoin    node not joined yet: commands -ENOTCONN
 *        uapi_errors            node joined (run as root)
 * Exit 0 if every expectation held, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mcs.h>

static int fd, fails;

static void expect(int want, unsigned long cmd, void *arg, const char *what)
{
	int ret = ioctl(fd, cmd, arg);
	int got = ret ? errno : 0;

	if (got == want) {
		printf("ok: %s -> %s\n", what, want ? strerror(want) : "0");
		return;
	}
	printf("FAIL: %s -> %s, wanted %s\n", what, got ? strerror(got) : "0",
	       want ? strerror(want) : "0");
	fails++;
}

static void check(int cond, const char *what)
{
	printf("%s: %s\n", cond ? "ok" : "FAIL", what);
	if (!cond)
		fails++;
}

/* mmap of the device: 0 and the address, or the errno. */
static int try_map(off_t off, size_t len, int prot, int flags, void **p)
{
	*p = mmap(NULL, len, prot, flags, fd, off);
	return *p == MAP_FAILED ? errno : 0;
}

static void expect_map(int want, off_t off, size_t len, int prot, int flags,
		       const char *what)
{
	void *p;
	int got = try_map(off, len, prot, flags, &p);

	if (!got)
		munmap(p, len);
	check(got == want, what);
	if (got != want)
		printf("    got %s, wanted %s\n", strerror(got), strerror(want));
}

#define PG 4096UL

static struct mcs_seg seg(uint64_t gid)
{
	struct mcs_seg a = { .argsz = sizeof(a), .gid = gid };

	return a;
}

static struct mcs_seg seg_new(uint64_t gid, uint64_t size, unsigned int mode)
{
	struct mcs_seg a = seg(gid);

	a.size = size;
	a.place = MCS_PLACE_NEAREST;
	a.mode = mode;
	return a;
}

static struct mcs_name nm(const char *name)
{
	struct mcs_name a = {
		.argsz = sizeof(a),
		.name = (uintptr_t)name,
		.name_len = (uint32_t)strlen(name),
	};

	return a;
}

static struct mcs_name nm_new(const char *name, uint64_t size, unsigned int mode)
{
	struct mcs_name a = nm(name);

	a.size = size;
	a.place = MCS_PLACE_NEAREST;
	a.mode = mode;
	return a;
}

static struct mcs_mutex mx_gid(uint64_t gid)
{
	struct mcs_mutex a = { .argsz = sizeof(a), .gid = gid };

	return a;
}

static struct mcs_mutex mx_name(const char *name)
{
	struct mcs_mutex a = {
		.argsz = sizeof(a),
		.name = (uintptr_t)name,
		.name_len = (uint32_t)strlen(name),
	};

	return a;
}

/*
 * The header checks of every command, on its argument @a (SIZE_VER0
 * @ver0); none of them reaches the command itself.
 */
#define HEADER_CHECKS(cmd, a, ver0, name)                                  \
	do {                                                               \
		typeof(a) __b = (a);                                       \
		struct {                                                   \
			typeof(a) arg;                                     \
			__u64 tail[2];                                     \
		} __big;                                                   \
		expect(EFAULT, cmd, NULL, name " NULL pointer");           \
		expect(EFAULT, cmd, (void *)8, name " bad pointer");       \
		__b.argsz = 0;                                             \
		expect(EINVAL, cmd, &__b, name " argsz 0");                \
		__b.argsz = (ver0) - 1;                                    \
		expect(EINVAL, cmd, &__b, name " argsz below SIZE_VER0");  \
		__b.argsz = 4097;                                          \
		expect(E2BIG, cmd, &__b, name " argsz above a page");      \
		__b = (a);                                                 \
		__b.flags = 0x80000000U;                                   \
		expect(EINVAL, cmd, &__b, name " unknown flag");           \
		memset(&__big, 0, sizeof(__big));                          \
		__big.arg = (a);                                           \
		__big.arg.argsz = sizeof(__big);                           \
		__big.tail[1] = 1;                                         \
		expect(E2BIG, cmd, &__big, name " larger, non-zero tail"); \
	} while (0)

/* Every feature this kernel's /dev/mcs has, as the header knows them. */
#define ALL_FEATURES                                                       \
	(MCS_FEAT_SEG | MCS_FEAT_NAME | MCS_FEAT_MUTEX | MCS_FEAT_MUTEX_MAP | \
	 MCS_FEAT_NOTIFY | MCS_FEAT_GEVENT | MCS_FEAT_NOTIFY_LEAVE |       \
	 MCS_FEAT_TASK_IDS)

/*
 * Sizes: an old (VER0) INFO works and gets back only its 24 bytes; a
 * newer, larger one with a zero tail works, and the kernel writes nothing
 * past its own structure; likewise a larger SEG_STAT, with the command
 * number of its size.
 */
static void size_checks(uint64_t seg_gid)
{
	struct {
		struct mcs_info i;
		__u64 tail[2];
	} big;
	struct {
		struct mcs_seg s;
		__u64 tail[3];
	} sbig;

	memset(&big, 0, sizeof(big));
	big.i.argsz = MCS_INFO_SIZE_VER0;
	big.i.features = 0xa5a5a5a5a5a5a5a5ULL; /* past argsz: not read */
	expect(0, MCS_IOC_INFO, &big, "info, VER0 size");
	check(big.i.node == 0 && big.i.page_size == PG &&
	      big.i.argsz == MCS_INFO_SIZE_VER0 &&
	      big.i.features == 0xa5a5a5a5a5a5a5a5ULL,
	      "info VER0: filled in up to argsz, nothing after it");
	memset(&big, 0, sizeof(big));
	big.i.argsz = MCS_INFO_SIZE_VER1;
	big.i.pid = 0xa5a5a5a5U; /* past argsz: not read */
	expect(0, MCS_IOC_INFO, &big, "info, VER1 size");
	check(big.i.features == ALL_FEATURES && big.i.pid == 0xa5a5a5a5U &&
	      big.i.tid == 0, "info VER1: the features, no pid or tid");
	memset(&big, 0, sizeof(big));
	big.i.argsz = sizeof(big);
	expect(0, _IOWR(MCS_IOC_TYPE, 0x01, typeof(big)), &big,
	       "info, larger with a zero tail, its own command number");
	check(big.i.features == ALL_FEATURES && big.tail[0] == 0 &&
	      big.tail[1] == 0, "info larger: every feature, the tail untouched");
	memset(&sbig, 0, sizeof(sbig));
	sbig.s = seg(seg_gid);
	sbig.s.argsz = sizeof(sbig) - sizeof(sbig.tail[2]);
	sbig.tail[2] = 7; /* past argsz: neither read nor written */
	expect(0, _IOWR(MCS_IOC_TYPE, 0x14, typeof(sbig)), &sbig,
	       "stat, larger with a zero tail");
	check(sbig.s.size == 2 * PG && sbig.tail[0] == 0 && sbig.tail[1] == 0 &&
	      sbig.tail[2] == 7, "stat larger: filled in, the tail untouched");
	sbig.s = seg(seg_gid);
	sbig.s.argsz = MCS_SEG_SIZE_VER0 - 8;
	expect(EINVAL, MCS_IOC_SEG_STAT, &sbig, "stat, shorter than VER0");
}

/* What an unprivileged user (nobody) may do with root's segments. */
static void unprivileged(void)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		struct mcs_seg a;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		/* Its own file: the device is open to everyone. */
		fd = open("/dev/mcs", O_RDWR);
		if (fd < 0)
			_exit(3);
		fails = 0;
		a = seg(0x600);
		expect(EACCES, MCS_IOC_SEG_OPEN, &a, "nobody: open root's 0600");
		a = seg(0x601);
		a.flags = MCS_SEG_RDONLY;
		expect(0, MCS_IOC_SEG_OPEN, &a, "nobody: open root's 0644 read-only");
		a = seg(0x601);
		expect(EALREADY, MCS_IOC_SEG_OPEN, &a, "nobody: open it again");
		expect(0, MCS_IOC_SEG_RELEASE, &a, "nobody: release it");
		expect(EACCES, MCS_IOC_SEG_OPEN, &a, "nobody: open root's 0644 read-write");
		expect(EPERM, MCS_IOC_SEG_DESTROY, &a, "nobody: destroy root's segment");
		a = seg_new(0x602, PG, 0600);
		expect(0, MCS_IOC_SEG_CREATE, &a, "nobody: create its own");
		check(a.owner_uid == 65534 && a.owner_gid == 65534 && a.mode == 0600,
		      "nobody: it owns what it created");
		a = seg(0x602);
		expect(0, MCS_IOC_SEG_DESTROY, &a, "nobody: destroy its own");
		_exit(fails ? 1 : 0);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "unprivileged caller: the mode rules");
}

/* A page whose next page is unmapped: a name at its end runs into it. */
static char *edge_page(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p + PG, PG))
		return NULL;
	return p;
}

/* Every name command gets @want for name pointer @name of @len bytes. */
static void names_expect(int want, const void *name, uint32_t len,
			 const char *what)
{
	char buf[160];
	struct mcs_name a;

	a = nm_new("x", PG, 0600);
	a.name = (uintptr_t)name;
	a.name_len = len;
	snprintf(buf, sizeof(buf), "name create: %s", what);
	expect(want, MCS_IOC_NAME_SEG_CREATE, &a, buf);
	a = nm("x");
	a.name = (uintptr_t)name;
	a.name_len = len;
	snprintf(buf, sizeof(buf), "name open: %s", what);
	expect(want, MCS_IOC_NAME_SEG_OPEN, &a, buf);
	snprintf(buf, sizeof(buf), "name unlink: %s", what);
	expect(want, MCS_IOC_NAME_UNLINK, &a, buf);
	snprintf(buf, sizeof(buf), "name lookup: %s", what);
	expect(want, MCS_IOC_NAME_LOOKUP, &a, buf);
}

/* Set one output field of a name argument: @cmd must refuse it. */
#define NAME_OUTPUT_CHECK(cmd, init, field, what)                          \
	do {                                                               \
		struct mcs_name __b = (init);                              \
		__b.field = 1;                                             \
		expect(EINVAL, cmd, &__b, what " with " #field " set");    \
	} while (0)

/* The name commands: bad input of every kind, then wrong order. */
static void name_errors(uint64_t *seg_gid)
{
	static const char *const bad[] = { ".", "..", "/", "//", "/.", "/..",
					   "a/b", "a b", "tab\t", "del\x7f",
					   "caf\xc3\xa9", "nl\n" };
	char longname[MCS_NAME_MAX + 3], *edge;
	struct mcs_name a, b;
	unsigned int i;

	a = nm("ue-seg");
	expect(ENOTTY, _IOWR(MCS_IOC_TYPE, 0x24, struct mcs_name), &a,
	       "name: unknown command");
	expect(ENOTTY, _IOR(MCS_IOC_TYPE, 0x23, struct mcs_name), &a,
	       "name lookup: known number, wrong direction");
	HEADER_CHECKS(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
		      MCS_NAME_SIZE_VER0, "name create");
	HEADER_CHECKS(MCS_IOC_NAME_SEG_OPEN, nm("ue-seg"), MCS_NAME_SIZE_VER0,
		      "name open");
	HEADER_CHECKS(MCS_IOC_NAME_UNLINK, nm("ue-seg"), MCS_NAME_SIZE_VER0,
		      "name unlink");
	HEADER_CHECKS(MCS_IOC_NAME_LOOKUP, nm("ue-seg"), MCS_NAME_SIZE_VER0,
		      "name lookup");

	/* Flags: only NAME_SEG_OPEN takes one (read-only). */
	a = nm_new("ue-seg", PG, 0600);
	a.flags = MCS_SEG_RDONLY;
	expect(EINVAL, MCS_IOC_NAME_SEG_CREATE, &a, "name create read-only");
	a = nm("ue-seg");
	a.flags = MCS_SEG_RDONLY;
	expect(EINVAL, MCS_IOC_NAME_LOOKUP, &a, "name lookup read-only");
	expect(EINVAL, MCS_IOC_NAME_UNLINK, &a, "name unlink read-only");

	/* Output fields must come in zero; size, place, mode only to create. */
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
			  type, "name create");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
			  gid, "name create");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
			  mmap_offset, "name create");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
			  owner_uid, "name create");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
			  nr_sharers, "name create");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_CREATE, nm_new("ue-seg", PG, 0600),
			  reserved0, "name create");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_OPEN, nm("ue-seg"), home, "name open");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_OPEN, nm("ue-seg"), state, "name open");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_SEG_OPEN, nm("ue-seg"), size, "name open");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_LOOKUP, nm("ue-seg"), gid, "name lookup");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_LOOKUP, nm("ue-seg"), mode, "name lookup");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_UNLINK, nm("ue-seg"), place, "name unlink");
	NAME_OUTPUT_CHECK(MCS_IOC_NAME_UNLINK, nm("ue-seg"), owner_gid, "name unlink");

	/* The segment part of create, as SEG_CREATE. */
	a = nm_new("ue-seg", 0, 0600);
	expect(EINVAL, MCS_IOC_NAME_SEG_CREATE, &a, "name create size 0");
	a = nm_new("ue-seg", 100, 0600);
	expect(EINVAL, MCS_IOC_NAME_SEG_CREATE, &a, "name create size not page-aligned");
	a = nm_new("ue-seg", PG, 01777);
	expect(EINVAL, MCS_IOC_NAME_SEG_CREATE, &a, "name create mode with sticky bit");
	a = nm_new("ue-seg", PG, 0600);
	a.place = -3;
	expect(EINVAL, MCS_IOC_NAME_SEG_CREATE, &a, "name create place -3");

	/* Name pointers and lengths. */
	names_expect(EFAULT, NULL, 5, "NULL name");
	names_expect(EFAULT, (void *)8, 5, "unmapped name");
	edge = edge_page();
	check(edge != NULL, "a page before a hole");
	if (edge) {
		memcpy(edge + PG - 3, "abc", 3);
		names_expect(EFAULT, edge + PG - 3, 5, "name running into an unmapped page");
		munmap(edge, PG);
	}
	names_expect(EINVAL, "ue-seg", 0, "name_len 0");
	names_expect(EINVAL, NULL, 0, "NULL name of length 0");
	memset(longname, 'n', sizeof(longname));
	a = nm("x");
	a.name = (uintptr_t)longname;
	a.name_len = MCS_NAME_MAX;
	expect(ENOENT, MCS_IOC_NAME_LOOKUP, &a, "name lookup: 255 bytes, no such name");
	longname[0] = '/';
	a.name_len = MCS_NAME_MAX + 1;
	expect(ENOENT, MCS_IOC_NAME_LOOKUP, &a, "name lookup: '/' and 255 bytes");
	longname[0] = 'n';
	names_expect(ENAMETOOLONG, longname, MCS_NAME_MAX + 1, "256 bytes");
	names_expect(ENAMETOOLONG, longname, MCS_NAME_MAX + 2, "257 bytes");
	names_expect(ENAMETOOLONG, longname, ~0U, "name_len ~0");
	names_expect(EINVAL, "ab\0cd", 5, "an embedded NUL");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "bad name %u", i);
		names_expect(EINVAL, bad[i], (uint32_t)strlen(bad[i]), what);
	}

	/* Good, then wrong order. */
	a = nm("ue-seg");
	expect(ENOENT, MCS_IOC_NAME_LOOKUP, &a, "name lookup: no such name");
	expect(ENOENT, MCS_IOC_NAME_SEG_OPEN, &a, "name open: no such name");
	expect(ENOENT, MCS_IOC_NAME_UNLINK, &a, "name unlink: no such name");
	a = nm_new("ue-seg", 2 * PG, 0600);
	expect(0, MCS_IOC_NAME_SEG_CREATE, &a, "name create ue-seg");
	check(a.type == MCS_NAME_T_SEGMENT && (a.gid >> 62) == 1 &&
	      a.size == 2 * PG && a.mmap_offset && a.nr_sharers == 1 &&
	      a.state == MCS_SEG_S_WRITABLE && a.mode == 0600,
	      "name create: a segment with a gns GID, one writable share");
	*seg_gid = a.gid;
	b = nm_new("ue-seg", PG, 0600);
	expect(EEXIST, MCS_IOC_NAME_SEG_CREATE, &b, "name create it again");
	b = nm_new("/ue-seg", PG, 0600);
	expect(EEXIST, MCS_IOC_NAME_SEG_CREATE, &b, "name create it again as /ue-seg");
	b = nm("/ue-seg");
	expect(0, MCS_IOC_NAME_LOOKUP, &b, "name lookup /ue-seg");
	check(b.type == MCS_NAME_T_SEGMENT && b.gid == a.gid,
	      "name lookup: the segment and its GID");
	b = nm("ue-seg");
	expect(EALREADY, MCS_IOC_NAME_SEG_OPEN, &b, "name open a segment held already");
}

/* The mutex commands: bad input, then wrong order. */
static void mutex_errors(uint64_t seg_gid)
{
	char longname[MCS_NAME_MAX + 2], *edge;
	struct mcs_mutex a, b;
	struct mcs_name n;
	struct mcs_seg sg;

	a = mx_gid(0x800);
	expect(ENOTTY, _IOW(MCS_IOC_TYPE, 0x36, struct mcs_mutex), &a,
	       "mutex: unknown command");
	expect(ENOTTY, _IOWR(MCS_IOC_TYPE, 0x33, struct mcs_mutex), &a,
	       "mutex lock: known number, wrong direction");
	HEADER_CHECKS(MCS_IOC_MUTEX_CREATE, mx_gid(0x800), MCS_MUTEX_SIZE_VER0,
		      "mutex create");
	HEADER_CHECKS(MCS_IOC_MUTEX_OPEN, mx_gid(0x800), MCS_MUTEX_SIZE_VER0,
		      "mutex open");
	HEADER_CHECKS(MCS_IOC_MUTEX_DESTROY, mx_gid(0x800), MCS_MUTEX_SIZE_VER0,
		      "mutex destroy");
	HEADER_CHECKS(MCS_IOC_MUTEX_LOCK, mx_gid(0x800), MCS_MUTEX_SIZE_VER0,
		      "mutex lock");
	HEADER_CHECKS(MCS_IOC_MUTEX_UNLOCK, mx_gid(0x800), MCS_MUTEX_SIZE_VER0,
		      "mutex unlock");
	HEADER_CHECKS(MCS_IOC_MUTEX_CONSISTENT, mx_gid(0x800),
		      MCS_MUTEX_SIZE_VER0, "mutex consistent");
	a = mx_gid(0x800);
	a.reserved0 = 1;
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create: reserved0 set");
	a = mx_gid(0x800);
	a.mode = 01000;
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create: a mode beyond 0777");
	a = mx_gid(0x800);
	a.mode = 0600;
	expect(EINVAL, MCS_IOC_MUTEX_LOCK, &a, "mutex lock with a mode");
	a = mx_gid(0x800);
	a.mmap_offset = PG;
	expect(EINVAL, MCS_IOC_MUTEX_OPEN, &a, "mutex open with an output field set");
	a = mx_gid(0x800);
	a.flags = MCS_MUTEX_TRY;
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create with the try flag");
	expect(EINVAL, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock with the try flag");
	a = mx_gid(0x800);
	a.flags = MCS_MUTEX_TRY | MCS_MUTEX_TIMED;
	a.timeout_ns = 1000;
	expect(EINVAL, MCS_IOC_MUTEX_LOCK, &a, "mutex lock try and timed");
	a = mx_gid(0x800);
	a.timeout_ns = 1000;
	expect(EINVAL, MCS_IOC_MUTEX_LOCK, &a, "mutex lock: a timeout without the timed flag");

	/* GIDs. */
	a = mx_gid(MCS_GID_NONE);
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create gid 0");
	expect(EINVAL, MCS_IOC_MUTEX_LOCK, &a, "mutex lock gid 0");
	a = mx_gid(MCS_GID_INVALID);
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create gid ~0");
	a = mx_gid(1ULL << 62 | 0x800);
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create with a gns GID");

	/* Names: pointers, lengths, bytes; never a name and a GID at once. */
	a = mx_name("ue-mtx");
	a.gid = 0x800;
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create by name and GID");
	expect(EINVAL, MCS_IOC_MUTEX_OPEN, &a, "mutex open by name and GID");
	a = mx_name("ue-mtx");
	a.gid = 0;
	expect(EINVAL, MCS_IOC_MUTEX_DESTROY, &a, "mutex destroy by name");
	expect(EINVAL, MCS_IOC_MUTEX_LOCK, &a, "mutex lock by name");
	expect(EINVAL, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock by name");
	expect(EINVAL, MCS_IOC_MUTEX_CONSISTENT, &a, "mutex consistent by name");
	a.name_len = 0;
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create: a name of length 0");
	a = mx_name("ue-mtx");
	a.name = 0;
	expect(EFAULT, MCS_IOC_MUTEX_CREATE, &a, "mutex create: NULL name");
	expect(EFAULT, MCS_IOC_MUTEX_OPEN, &a, "mutex open: NULL name");
	a.name = 8;
	expect(EFAULT, MCS_IOC_MUTEX_CREATE, &a, "mutex create: unmapped name");
	edge = edge_page();
	if (edge) {
		memcpy(edge + PG - 3, "abc", 3);
		a.name = (uintptr_t)(edge + PG - 3);
		expect(EFAULT, MCS_IOC_MUTEX_OPEN, &a,
		       "mutex open: name running into an unmapped page");
		munmap(edge, PG);
	}
	memset(longname, 'm', sizeof(longname));
	a.name = (uintptr_t)longname;
	a.name_len = MCS_NAME_MAX + 1;
	expect(ENAMETOOLONG, MCS_IOC_MUTEX_CREATE, &a, "mutex create: 256-byte name");
	a = mx_name("a/b");
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create: bad name");
	a = mx_name("..");
	expect(EINVAL, MCS_IOC_MUTEX_OPEN, &a, "mutex open: bad name");

	/* Good, then wrong order. */
	a = mx_gid(0x801);
	expect(ENOENT, MCS_IOC_MUTEX_OPEN, &a, "mutex open: no such GID");
	expect(ENOENT, MCS_IOC_MUTEX_LOCK, &a, "mutex lock: no such GID");
	expect(ENOENT, MCS_IOC_MUTEX_DESTROY, &a, "mutex destroy: no such GID");
	expect(EPERM, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock: no such GID");
	a = mx_name("ue-none");
	expect(ENOENT, MCS_IOC_MUTEX_OPEN, &a, "mutex open: no such name");
	a = mx_name("ue-seg");
	expect(EMEDIUMTYPE, MCS_IOC_MUTEX_OPEN, &a, "mutex open: the name of a segment");
	expect(EEXIST, MCS_IOC_MUTEX_CREATE, &a, "mutex create: the name of a segment");
	a = mx_gid(0x800);
	expect(0, MCS_IOC_MUTEX_CREATE, &a, "mutex create 0x800");
	check(a.gid == 0x800, "mutex create: its GID");
	a = mx_gid(0x800);
	expect(EEXIST, MCS_IOC_MUTEX_CREATE, &a, "mutex create 0x800 again");
	a = mx_gid(seg_gid);
	expect(EINVAL, MCS_IOC_MUTEX_CREATE, &a, "mutex create: the segment's gns GID");
	b = mx_name("ue-mtx");
	expect(0, MCS_IOC_MUTEX_CREATE, &b, "mutex create ue-mtx");
	check((b.gid >> 62) == 1, "mutex create by name: a gns GID");
	a = mx_name("/ue-mtx");
	expect(0, MCS_IOC_MUTEX_OPEN, &a, "mutex open /ue-mtx");
	check(a.gid == b.gid, "mutex open: the GID create returned");
	n = nm("ue-mtx");
	expect(EMEDIUMTYPE, MCS_IOC_NAME_SEG_OPEN, &n, "name open: the name of a mutex");
	n = nm("ue-mtx");
	expect(0, MCS_IOC_NAME_LOOKUP, &n, "name lookup ue-mtx");
	check(n.type == MCS_NAME_T_LOCK && n.gid == b.gid, "name lookup: a lock");

	a = mx_gid(0x800);
	expect(EPERM, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock: not held");
	expect(EPERM, MCS_IOC_MUTEX_CONSISTENT, &a, "mutex consistent: not held");
	expect(0, MCS_IOC_MUTEX_LOCK, &a, "mutex lock 0x800");
	expect(EDEADLK, MCS_IOC_MUTEX_LOCK, &a, "mutex lock 0x800 again");
	a.flags = MCS_MUTEX_TRY;
	expect(EDEADLK, MCS_IOC_MUTEX_LOCK, &a, "mutex trylock 0x800 again");
	a = mx_gid(0x800);
	expect(EINVAL, MCS_IOC_MUTEX_CONSISTENT, &a, "mutex consistent: not owner-dead");
	expect(EBUSY, MCS_IOC_MUTEX_DESTROY, &a, "mutex destroy while held");
	expect(0, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock 0x800");
	expect(EPERM, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock 0x800 again");
	a.flags = MCS_MUTEX_TIMED;
	a.timeout_ns = 1000000;
	expect(0, MCS_IOC_MUTEX_LOCK, &a, "mutex timedlock 0x800");
	a = mx_gid(0x800);
	expect(0, MCS_IOC_MUTEX_UNLOCK, &a, "mutex unlock 0x800");
	expect(0, MCS_IOC_MUTEX_DESTROY, &a, "mutex destroy 0x800");
	expect(ENOENT, MCS_IOC_MUTEX_DESTROY, &a, "mutex destroy 0x800 again");
	expect(ENOENT, MCS_IOC_MUTEX_LOCK, &a, "mutex lock after destroy");
	expect(ENOENT, MCS_IOC_MUTEX_OPEN, &a, "mutex open after destroy");

	/* A mutex is no segment, and a segment no mutex. */
	sg = seg(b.gid);
	expect(ENOENT, MCS_IOC_SEG_OPEN, &sg, "segment open: a mutex's GID");
	a = mx_gid(b.gid);
	expect(0, MCS_IOC_MUTEX_DESTROY, &a, "mutex destroy ue-mtx");
	n = nm("ue-mtx");
	expect(0, MCS_IOC_NAME_UNLINK, &n, "name unlink ue-mtx (root)");
	expect(ENOENT, MCS_IOC_NAME_LOOKUP, &n, "name lookup ue-mtx after unlink");
}

/* What nobody may do with root's names and mutexes. */
static void unprivileged_names(void)
{
	struct mcs_mutex m = mx_name("ue-rmtx");
	struct mcs_name n = nm_new("ue-root", PG, 0600);
	pid_t pid;
	int status;

	expect(0, MCS_IOC_NAME_SEG_CREATE, &n, "name create ue-root 0600");
	m.mode = 0666; /* nobody may lock it, not unlock it for root */
	expect(0, MCS_IOC_MUTEX_CREATE, &m, "mutex create ue-rmtx 0666");
	m = mx_gid(m.gid);
	expect(0, MCS_IOC_MUTEX_LOCK, &m, "mutex lock ue-rmtx");
	pid = fork();
	if (!pid) {
		struct mcs_mutex a = mx_gid(m.gid);
		struct mcs_name b;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open("/dev/mcs", O_RDWR);
		if (fd < 0)
			_exit(3);
		fails = 0;
		b = nm("ue-root");
		expect(0, MCS_IOC_NAME_LOOKUP, &b, "nobody: look root's name up");
		b = nm("ue-root");
		expect(EACCES, MCS_IOC_NAME_SEG_OPEN, &b, "nobody: open root's 0600 by name");
		expect(EPERM, MCS_IOC_NAME_UNLINK, &b, "nobody: unlink root's segment name");
		b = nm("ue-rmtx");
		expect(EPERM, MCS_IOC_NAME_UNLINK, &b, "nobody: unlink root's lock name");
		expect(EPERM, MCS_IOC_MUTEX_UNLOCK, &a, "nobody: unlock root's mutex");
		expect(EPERM, MCS_IOC_MUTEX_CONSISTENT, &a, "nobody: consistent on root's mutex");
		a.flags = MCS_MUTEX_TRY;
		expect(EBUSY, MCS_IOC_MUTEX_LOCK, &a, "nobody: trylock root's held mutex");
		_exit(fails ? 1 : 0);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "unprivileged caller: names and mutexes");
	expect(0, MCS_IOC_MUTEX_UNLOCK, &m, "mutex unlock ue-rmtx");
	expect(0, MCS_IOC_MUTEX_DESTROY, &m, "mutex destroy ue-rmtx");
	n = nm("ue-rmtx");
	expect(0, MCS_IOC_NAME_UNLINK, &n, "name unlink ue-rmtx");
	n = nm("ue-root");
	expect(0, MCS_IOC_NAME_UNLINK, &n, "name unlink ue-root");
	expect(ENOENT, MCS_IOC_NAME_LOOKUP, &n, "name lookup ue-root after unlink");
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, sig);
}

/* A fork child does not inherit the mapping (it holds no share). */
static void not_inherited(volatile uint64_t *p)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		signal(SIGSEGV, on_segv);
		if (sigsetjmp(segv_jmp, 1))
			_exit(0);
		(void)p[0];
		_exit(1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "fork: the child does not inherit mappings");
}

int main(int argc, char **argv)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	struct mcs_seg a, b;
	volatile uint64_t *p, *q;
	uint64_t gid = 0;
	void *m;

	fd = open("/dev/mcs", O_RDWR);
	if (fd < 0) {
		printf("FAIL: /dev/mcs: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "prejoin")) {
		expect(0, MCS_IOC_INFO, &info, "info before join");
		check(info.node == MCS_NODE_NONE && info.page_size == PG &&
		      info.features == ALL_FEATURES,
		      "info: no node yet, 4 KiB pages, every feature");
		a = seg_new(0x500, PG, 0600);
		expect(ENOTCONN, MCS_IOC_SEG_CREATE, &a, "create before join");
		a = seg(0x500);
		expect(ENOTCONN, MCS_IOC_SEG_OPEN, &a, "open before join");
		expect(ENOTCONN, MCS_IOC_SEG_STAT, &a, "stat before join");
		{
			struct mcs_name n = nm("ue-seg");
			struct mcs_mutex m = mx_gid(0x800);

			expect(ENOTCONN, MCS_IOC_NAME_LOOKUP, &n, "name lookup before join");
			n = nm_new("ue-seg", PG, 0600);
			expect(ENOTCONN, MCS_IOC_NAME_SEG_CREATE, &n, "name create before join");
			expect(ENOTCONN, MCS_IOC_MUTEX_CREATE, &m, "mutex create before join");
			expect(ENOTCONN, MCS_IOC_MUTEX_LOCK, &m, "mutex lock before join");
		}
		printf("uapi_errors prejoin: %d failures\n", fails);
		return fails ? 1 : 0;
	}

	expect(ENOTTY, _IO(MCS_IOC_TYPE, 0x7f), NULL, "unknown command");
	expect(ENOTTY, _IOW(MCS_IOC_TYPE, 0x01, struct mcs_info), &info,
	       "known number, wrong direction");
	expect(ENOTTY, _IOWR(MCS_IOC_TYPE, 0x87, struct mcs_ctl_status), &info,
	       "a /dev/mcs-control command");
	HEADER_CHECKS(MCS_IOC_INFO, info, MCS_INFO_SIZE_VER0, "info");
	HEADER_CHECKS(MCS_IOC_SEG_CREATE, seg_new(0x500, PG, 0600),
		      MCS_SEG_SIZE_VER0, "create");
	HEADER_CHECKS(MCS_IOC_SEG_OPEN, seg(0x500), MCS_SEG_SIZE_VER0, "open");
	HEADER_CHECKS(MCS_IOC_SEG_RELEASE, seg(0x500), MCS_SEG_SIZE_VER0,
		      "release");
	HEADER_CHECKS(MCS_IOC_SEG_DESTROY, seg(0x500), MCS_SEG_SIZE_VER0,
		      "destroy");
	HEADER_CHECKS(MCS_IOC_SEG_STAT, seg(0x500), MCS_SEG_SIZE_VER0, "stat");
	info.node = 1;
	expect(EINVAL, MCS_IOC_INFO, &info, "info with output fields set");
	info.node = 0;
	info.features = MCS_FEAT_SEG;
	expect(EINVAL, MCS_IOC_INFO, &info, "info with features set");
	info.features = 0;
	info.reserved0 = 1;
	expect(EINVAL, MCS_IOC_INFO, &info, "info with reserved0 set");
	info.reserved0 = 0;
	info.pid = 1;
	expect(EINVAL, MCS_IOC_INFO, &info, "info with pid set");
	info.pid = 0;
	info.tid = 1;
	expect(EINVAL, MCS_IOC_INFO, &info, "info with tid set");
	info.tid = 0;
	expect(0, MCS_IOC_INFO, &info, "info");
	check(info.node == 0 && info.incarnation == 1 &&
	      info.features == ALL_FEATURES,
	      "info: node 0, incarnation 1, every feature");
	/* The initial PID namespace: the kernel's ids are getpid()'s. */
	check(info.pid == (uint32_t)getpid() &&
	      info.tid == (uint32_t)syscall(SYS_gettid),
	      "info: the caller's pid and tid");
	a = seg(0x500);
	a.reserved0 = 1;
	expect(EINVAL, MCS_IOC_SEG_STAT, &a, "stat with reserved0 set");

	/* Create: bad input, then good, then not twice. */
	a = seg_new(MCS_GID_NONE, PG, 0600);
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create gid 0");
	a = seg_new(MCS_GID_INVALID, PG, 0600);
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create gid ~0");
	a = seg_new(0x500, 0, 0600);
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create size 0");
	a = seg_new(0x500, 100, 0600);
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create size not page-aligned");
	a = seg_new(0x500, 1ULL << 40, 0600);
	expect(EFBIG, MCS_IOC_SEG_CREATE, &a, "create 1 TiB");
	a = seg_new(0x500, ~0ULL & ~(PG - 1), 0600);
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create size that overflows");
	a = seg_new(0x500, PG, 01777);
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create mode with sticky bit");
	a = seg_new(0x500, PG, 0600);
	a.place = -3;
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create place -3");
	a.place = 9;
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create in partition 9 of 2");
	a = seg_new(0x500, PG, 0600);
	a.mmap_offset = PG;
	expect(EINVAL, MCS_IOC_SEG_CREATE, &a, "create with output fields set");
	a = seg_new(0x500, 4 * PG, 0600);
	expect(0, MCS_IOC_SEG_CREATE, &a, "create 16 KiB");
	check(a.size == 4 * PG && a.mmap_offset && !(a.mmap_offset % PG) &&
	      a.nr_sharers == 1 && a.owner_uid == 0 && a.mode == 0600 &&
	      a.state == MCS_SEG_S_WRITABLE && a.home == 0,
	      "create: size, offset, one sharer, owner, mode, home");
	b = seg_new(0x500, PG, 0600);
	expect(EEXIST, MCS_IOC_SEG_CREATE, &b, "create it again");

	/* Open and stat. */
	b = seg(0x500);
	b.size = PG;
	expect(EINVAL, MCS_IOC_SEG_OPEN, &b, "open with size set");
	b = seg(0x500);
	expect(EALREADY, MCS_IOC_SEG_OPEN, &b, "open a segment held already");
	b = seg(0x501);
	expect(ENOENT, MCS_IOC_SEG_OPEN, &b, "open a segment that does not exist");
	expect(ENOENT, MCS_IOC_SEG_STAT, &b, "stat a segment that does not exist");
	expect(ENOENT, MCS_IOC_SEG_RELEASE, &b, "release a segment not held");
	expect(ENOENT, MCS_IOC_SEG_DESTROY, &b, "destroy a segment that does not exist");
	b = seg(0x500);
	expect(0, MCS_IOC_SEG_STAT, &b, "stat");
	check(b.size == a.size && b.mmap_offset == a.mmap_offset && b.nr_sharers == 1,
	      "stat: what create said");

	/* mmap: the whole, a part, and what is refused. */
	check(!try_map(a.mmap_offset, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, &m),
	      "map all of it");
	p = m;
	check(!try_map(a.mmap_offset + PG, PG, PROT_READ, MAP_SHARED, &m),
	      "map its second page");
	q = m;
	check(p[0] == 0 && p[4 * PG / 8 - 1] == 0, "a new segment is zeroed");
	p[PG / 8] = 0x1234567890abcdefULL;
	check(q[0] == 0x1234567890abcdefULL, "both mappings see the same memory");
	expect_map(EINVAL, a.mmap_offset, PG, PROT_READ, MAP_PRIVATE, "map private");
	expect_map(ENXIO, a.mmap_offset + 4 * PG, PG, PROT_READ, MAP_SHARED,
		   "map the descriptor page");
	expect_map(ENXIO, a.mmap_offset, 8 * PG, PROT_READ, MAP_SHARED,
		   "map beyond its end");
	expect_map(ENXIO, 0, PG, PROT_READ, MAP_SHARED, "map an offset not held");
	check(mremap((void *)p, 4 * PG, 8 * PG, 0) == MAP_FAILED,
	      "a mapping cannot grow");
	not_inherited(p);
	b = seg(0x500);
	expect(EBUSY, MCS_IOC_SEG_RELEASE, &b, "release while mapped");
	munmap((void *)q, PG);
	expect(EBUSY, MCS_IOC_SEG_RELEASE, &b, "release while still mapped once");
	munmap((void *)p, 4 * PG);
	expect(0, MCS_IOC_SEG_RELEASE, &b, "release after unmap");
	expect(ENOENT, MCS_IOC_SEG_RELEASE, &b, "release twice");
	expect_map(ENXIO, a.mmap_offset, PG, PROT_READ, MAP_SHARED,
		   "map after release");

	/* Read-only: no writable mapping, not even later by mprotect. */
	b = seg(0x500);
	b.flags = MCS_SEG_RDONLY;
	expect(0, MCS_IOC_SEG_OPEN, &b, "open read-only");
	check(b.state == 0 && b.nr_sharers == 1, "read-only share, one sharer");
	expect_map(EACCES, b.mmap_offset, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		   "map a read-only share writable");
	check(!try_map(b.mmap_offset + PG, PG, PROT_READ, MAP_SHARED, &m),
	      "map a read-only share for reading");
	check(((volatile uint64_t *)m)[0] == 0x1234567890abcdefULL,
	      "the data is still there after release and open");
	check(mprotect(m, PG, PROT_READ | PROT_WRITE) && errno == EACCES,
	      "mprotect cannot make it writable");
	munmap(m, PG);

	/* Destroy: no new opens; freed with the last share. */
	b = seg(0x500);
	expect(0, MCS_IOC_SEG_DESTROY, &b, "destroy while held");
	expect(ENOENT, MCS_IOC_SEG_STAT, &b, "stat a destroyed segment still held");
	b = seg(0x500);
	expect(0, MCS_IOC_SEG_RELEASE, &b, "release the last share");
	expect(ENOENT, MCS_IOC_SEG_STAT, &b, "stat after the last release");
	expect(ENOENT, MCS_IOC_SEG_OPEN, &b, "open after destroy");

	/* Names and mutexes. */
	name_errors(&gid);
	mutex_errors(gid);
	size_checks(gid);
	unprivileged_names();
	b = seg(gid);
	expect(0, MCS_IOC_SEG_RELEASE, &b, "release ue-seg");
	{
		struct mcs_name n = nm("ue-seg");

		expect(0, MCS_IOC_NAME_UNLINK, &n, "name unlink ue-seg");
		expect(ENOENT, MCS_IOC_NAME_LOOKUP, &n, "name lookup ue-seg after unlink");
	}
	expect(ENOENT, MCS_IOC_SEG_STAT, &b, "stat ue-seg after unlink");

	/* The mode rule, against an unprivileged caller. */
	a = seg_new(0x600, PG, 0600);
	expect(0, MCS_IOC_SEG_CREATE, &a, "create 0x600 mode 0600");
	a = seg_new(0x601, PG, 0644);
	expect(0, MCS_IOC_SEG_CREATE, &a, "create 0x601 mode 0644");
	unprivileged();
	/* Its file's shares are given back by a worker: wait for it. */
	for (int i = 0; i < 100; i++) {
		a = seg(0x602);
		if (ioctl(fd, MCS_IOC_SEG_STAT, &a) && errno == ENOENT)
			break;
		usleep(50000);
	}
	a = seg(0x602);
	expect(ENOENT, MCS_IOC_SEG_STAT, &a, "nobody's segment is gone with its process");
	a = seg(0x600);
	expect(0, MCS_IOC_SEG_DESTROY, &a, "destroy 0x600");
	expect(0, MCS_IOC_SEG_RELEASE, &a, "release 0x600");
	a = seg(0x601);
	expect(0, MCS_IOC_SEG_DESTROY, &a, "destroy 0x601");
	expect(0, MCS_IOC_SEG_RELEASE, &a, "release 0x601");

	close(fd);
	printf("uapi_errors: %d failures\n", fails);
	return fails ? 1 : 0;
}
