// SPDX-License-Identifier: GPL-2.0
/*
 * uapi_errors - every ioctl of /dev/mcs and its mmap, good input and bad:
 * bad pointers, versions, flags, reserved and output fields, unknown
 * commands, bad sizes, GIDs, modes and placements, wrong order (release
 * while mapped, twice, open after destroy), mappings out of range or
 * private or writable on a read-only share, and an unprivileged caller
 * against the owner/mode rule. Each fails with the documented errno and
 * the good calls do what they say; nothing is left held at the end.
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

#define V MCS_ABI_VERSION
#define PG 4096UL

static struct mcs_seg seg(uint64_t gid)
{
	struct mcs_seg a = { .abi_version = V, .gid = gid };

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

#define HEADER_CHECKS(cmd, a, name)                                        \
	do {                                                               \
		typeof(a) __b = (a);                                       \
		expect(EFAULT, cmd, NULL, name " NULL pointer");           \
		expect(EFAULT, cmd, (void *)8, name " bad pointer");       \
		__b.abi_version = V + 1;                                   \
		expect(EPROTO, cmd, &__b, name " wrong ABI version");      \
		__b = (a);                                                 \
		__b.flags = 0x80000000U;                                   \
		expect(EINVAL, cmd, &__b, name " unknown flag");           \
		__b = (a);                                                 \
		__b.reserved[3] = 1;                                       \
		expect(EINVAL, cmd, &__b, name " reserved field set");     \
	} while (0)

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
	struct mcs_info info = { .abi_version = V };
	struct mcs_seg a, b;
	volatile uint64_t *p, *q;
	void *m;

	fd = open("/dev/mcs", O_RDWR);
	if (fd < 0) {
		printf("FAIL: /dev/mcs: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "prejoin")) {
		expect(0, MCS_IOC_INFO, &info, "info before join");
		check(info.node == MCS_NODE_NONE && info.page_size == PG,
		      "info: no node yet, 4 KiB pages");
		a = seg_new(0x500, PG, 0600);
		expect(ENOTCONN, MCS_IOC_SEG_CREATE, &a, "create before join");
		a = seg(0x500);
		expect(ENOTCONN, MCS_IOC_SEG_OPEN, &a, "open before join");
		expect(ENOTCONN, MCS_IOC_SEG_STAT, &a, "stat before join");
		printf("uapi_errors prejoin: %d failures\n", fails);
		return fails ? 1 : 0;
	}

	expect(ENOTTY, _IO(MCS_IOC_TYPE, 0x7f), NULL, "unknown command");
	expect(ENOTTY, _IOWR(MCS_IOC_TYPE, 0x10, struct mcs_info), &info,
	       "known number, wrong size");
	HEADER_CHECKS(MCS_IOC_INFO, info, "info");
	HEADER_CHECKS(MCS_IOC_SEG_CREATE, seg_new(0x500, PG, 0600), "create");
	HEADER_CHECKS(MCS_IOC_SEG_OPEN, seg(0x500), "open");
	HEADER_CHECKS(MCS_IOC_SEG_RELEASE, seg(0x500), "release");
	HEADER_CHECKS(MCS_IOC_SEG_DESTROY, seg(0x500), "destroy");
	HEADER_CHECKS(MCS_IOC_SEG_STAT, seg(0x500), "stat");
	info.node = 1;
	expect(EINVAL, MCS_IOC_INFO, &info, "info with output fields set");
	info.node = 0;
	expect(0, MCS_IOC_INFO, &info, "info");
	check(info.node == 0 && info.incarnation == 1, "info: node 0, incarnation 1");

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
