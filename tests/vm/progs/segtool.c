// SPDX-License-Identifier: GPL-2.0
/*
 * segtool - drive global segments through libmcs in a guest, for the VM
 * tests (uapi.sh, uapi-share.sh, uapi-storm.sh). Every segment is filled
 * with a pattern derived from its GID, so any guest can verify that what
 * it maps is what another guest wrote.
 *
 *   segtool create GID SIZE [MODE]   create, map, fill with the pattern
 *   segtool verify GID               open read-only, map, check the pattern
 *   segtool poke GID WORD VALUE      write one 64-bit word
 *   segtool peek GID WORD            print one 64-bit word
 *   segtool count GID WORD           map, say "counting", then add 1 to
 *                                    the word in a loop until killed (or
 *                                    until the mapping faults: SIGBUS)
 *   segtool stat GID                 size, sharers, owner, mode, state
 *   segtool destroy GID
 *   segtool hold GID...              open, map and touch each, say
 *                                    "holding", then sleep until killed
 *   segtool remap GID1 GID2          map GID1 into a reservation, remap it
 *                                    to GID2: same address, GID2's content
 *   segtool va KEY SIZE              reserve the same-address range of KEY,
 *                                    print its address
 *   segtool hold-va KEY SIZE         reserve it, then again from a second
 *                                    context: that one must fail, EEXIST
 *   segtool hold-many BASE N         create N one-page segments BASE+i and
 *                                    hold them, say "holding N", then sleep
 *                                    until killed (failover benchmark)
 *   segtool storm BASE ROUNDS [KEEPFLAG]
 *                                    create+fill+destroy segments BASE+i;
 *                                    one in 64 is kept (not destroyed)
 *                                    and listed; ROUNDS 0 runs until
 *                                    killed. With KEEPFLAG, wait for
 *                                    that file to exist, then verify every
 *                                    kept segment.
 *
 * Names (global, through gns; the pattern is that of the segment's GID):
 *
 *   segtool name-create NAME SIZE [MODE]
 *                                    create a segment by name, map, fill;
 *                                    print its GID
 *   segtool name-verify NAME         open by name read-only, check it
 *   segtool name-lookup NAME         print the GID and type it names
 *   segtool name-unlink NAME [nobody]
 *                                    unlink it (as user nobody if asked)
 *   segtool name-unlink-held NAME    open by name and map, unlink: the
 *                                    name is gone at once (lookup, open by
 *                                    name and by GID: ENOENT, create again
 *                                    by name: a new GID) while the mapping
 *                                    still reads the old content
 *
 * Global mutexes (by name):
 *
 *   segtool mutex-create NAME        create it, print its GID
 *   segtool mutex-lock NAME          lock, say how it went, unlock
 *   segtool mutex-hold NAME          lock, say "locked", sleep until killed
 *   segtool mutex-try NAME           trylock and a 100 ms timedlock: both
 *                                    must fail (EBUSY, ETIMEDOUT)
 *   segtool mutex-recover NAME       lock: must be EOWNERDEAD; consistent,
 *                                    unlock, lock again: must be 0
 *   segtool mutex-unrecovered NAME   lock: must be EOWNERDEAD; unlock
 *                                    without consistent; lock again: must
 *                                    be ENOTRECOVERABLE
 *   segtool mutex-fast NAME          with the lock and unlock ioctls
 *                                    forbidden (seccomp: ENOSYS), 1000
 *                                    lock/unlock pairs must still work (the
 *                                    user-space fast path), trylock too
 *   segtool mutex-fast-held NAME     the same filter, the mutex held by
 *                                    another process: trylock must reach
 *                                    the kernel (ENOSYS from the filter)
 *   segtool mutex-two-ctx NAME       two contexts of one process open the
 *                                    mutex, the first locks it (user
 *                                    space), the second is closed: once
 *                                    its release is done (its segment
 *                                    share gone), another process still
 *                                    finds the mutex held (EBUSY), and the
 *                                    first unlocks it
 *   segtool sync-modes               owners and modes of mutexes and
 *                                    events: root makes some, user nobody
 *                                    may do exactly what their modes say
 *
 * Exit 0 on success, 1 on a failed check or error (message on stdout).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/mcs.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmcs.h>

static struct mcs_ctx *ctx;

static uint64_t pattern(uint64_t gid, uint64_t i)
{
	return gid ^ (i * 0x9e3779b97f4a7c15ULL);
}

static int fail(const char *what, int err)
{
	printf("FAIL: %s: %s\n", what, strerror(-err));
	return 1;
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end == 'K' || *end == 'k')
		v <<= 10;
	else if (*end == 'M' || *end == 'm')
		v <<= 20;
	return v;
}

static int fill(uint64_t gid, uint64_t *p, uint64_t size)
{
	for (uint64_t i = 0; i < size / 8; i++)
		p[i] = pattern(gid, i);
	return 0;
}

static int check(uint64_t gid, const uint64_t *p, uint64_t size)
{
	for (uint64_t i = 0; i < size / 8; i++) {
		if (p[i] != pattern(gid, i)) {
			printf("FAIL: %#llx word %llu is %#llx, wanted %#llx\n",
			       (unsigned long long)gid, (unsigned long long)i,
			       (unsigned long long)p[i],
			       (unsigned long long)pattern(gid, i));
			return 1;
		}
	}
	return 0;
}

static int create(uint64_t gid, uint64_t size, unsigned int mode)
{
	void *p;
	int ret;

	ret = mcs_seg_create(ctx, gid, size, MCS_PLACE_NEAREST, mode);
	if (ret)
		return fail("create", ret);
	ret = mcs_seg_map(ctx, gid, 0, size, PROT_READ | PROT_WRITE, NULL, &p);
	if (ret)
		return fail("map", ret);
	fill(gid, p, size);
	return 0;
}

/* Open read-only and map all of it; 0 or a negative errno. */
static int open_map(uint64_t gid, unsigned int flags, uint64_t **p,
		    uint64_t *size)
{
	struct mcs_seg_stat st;
	int ret;

	ret = mcs_seg_open(ctx, gid, flags);
	if (ret)
		return ret;
	ret = mcs_seg_stat(ctx, gid, &st);
	if (ret)
		return ret;
	*size = st.size;
	return mcs_seg_map(ctx, gid, 0, st.size,
			   PROT_READ | (flags & MCS_SEG_RDONLY ? 0 : PROT_WRITE),
			   NULL, (void **)p);
}

static int verify(uint64_t gid)
{
	uint64_t *p, size;
	int ret;

	ret = open_map(gid, MCS_SEG_RDONLY, &p, &size);
	if (ret)
		return fail("open and map", ret);
	if (check(gid, p, size))
		return 1;
	printf("verified %#llx, %llu bytes\n", (unsigned long long)gid,
	       (unsigned long long)size);
	ret = mcs_seg_unmap(ctx, p);
	return ret ? fail("unmap", ret) : 0;
}

static int stat_cmd(uint64_t gid)
{
	struct mcs_seg_stat st;
	int ret = mcs_seg_stat(ctx, gid, &st);

	if (ret)
		return fail("stat", ret);
	printf("gid %#llx size %llu sharers %u home %u uid %u gid %u mode %o\n",
	       (unsigned long long)gid, (unsigned long long)st.size,
	       st.nr_sharers, st.home, st.owner_uid, st.owner_gid, st.mode);
	return 0;
}

static int remap(uint64_t a, uint64_t b)
{
	uint64_t *pa, *pb, sa, sb, size;
	struct mcs_seg_stat st;
	void *resv, *p;
	int ret;

	ret = mcs_seg_open(ctx, a, MCS_SEG_RDONLY);
	if (!ret)
		ret = mcs_seg_open(ctx, b, MCS_SEG_RDONLY);
	if (ret)
		return fail("open", ret);
	mcs_seg_stat(ctx, a, &st);
	sa = st.size;
	mcs_seg_stat(ctx, b, &st);
	sb = st.size;
	size = sa < sb ? sa : sb;
	ret = mcs_va_reserve(ctx, NULL, 2 * size, 0, &resv);
	if (ret)
		return fail("reserve", ret);
	p = (char *)resv + size;
	ret = mcs_seg_map(ctx, a, 0, size, PROT_READ, p, (void **)&pa);
	if (ret)
		return fail("map into the reservation", ret);
	if ((void *)pa != p || check(a, pa, size))
		return fail("first mapping", -EFAULT);
	ret = mcs_seg_remap(ctx, pa, b, 0);
	if (ret)
		return fail("remap", ret);
	pb = pa;
	if (check(b, pb, size))
		return 1;
	printf("remapped %p from %#llx to %#llx, content of %#llx\n", p,
	       (unsigned long long)a, (unsigned long long)b,
	       (unsigned long long)b);
	/* Unmapping keeps the range reserved: nobody else gets it. */
	ret = mcs_seg_unmap(ctx, pa);
	if (ret)
		return fail("unmap", ret);
	if (mmap(p, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED_NOREPLACE, -1, 0) != MAP_FAILED || errno != EEXIST)
		return fail("range still reserved after unmap", -EFAULT);
	ret = mcs_va_unreserve(ctx, resv);
	if (!ret)
		ret = mcs_seg_release(ctx, a);
	if (!ret)
		ret = mcs_seg_release(ctx, b);
	if (ret)
		return fail("unreserve and release", ret);
	printf("remap ok\n");
	return 0;
}

static int hold_many(uint64_t base, uint64_t n)
{
	uint64_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = mcs_seg_create(ctx, base + i, 4096, MCS_PLACE_NEAREST, 0600);
		if (ret)
			return fail("hold-many create", ret);
	}
	printf("holding %llu\n", (unsigned long long)n);
	fflush(stdout);
	for (;;)
		pause();
}

static int storm(uint64_t base, uint64_t rounds, const char *flag)
{
	uint64_t i, kept = 0, size = 2 * 4096;
	uint64_t *list = calloc(rounds / 64 + 1, sizeof(*list));
	uint64_t *p;
	int ret;

	for (i = 0; !rounds || i < rounds; i++) {
		uint64_t gid = base + i;

		ret = mcs_seg_create(ctx, gid, size, MCS_PLACE_NEAREST, 0600);
		if (ret)
			return fail("storm create", ret);
		ret = mcs_seg_map(ctx, gid, 0, size, PROT_READ | PROT_WRITE,
				  NULL, (void **)&p);
		if (ret)
			return fail("storm map", ret);
		fill(gid, p, size);
		ret = mcs_seg_unmap(ctx, p);
		if (!ret && (!rounds || i % 64))
			ret = mcs_seg_destroy(ctx, gid);
		if (!ret)
			ret = mcs_seg_release(ctx, gid);
		if (ret)
			return fail("storm destroy/release", ret);
		if (rounds && !(i % 64))
			list[kept++] = gid;
		if (i % 10 == 9) {
			printf("storm: %llu rounds\n", (unsigned long long)i + 1);
			fflush(stdout);
		}
	}
	printf("storm: %llu rounds done, %llu kept\n",
	       (unsigned long long)i, (unsigned long long)kept);
	fflush(stdout);
	if (!flag)
		return 0;
	while (access(flag, F_OK))
		usleep(100000);
	for (i = 0; i < kept; i++) {
		if (verify(list[i]))
			return 1;
		ret = mcs_seg_release(ctx, list[i]);
		if (ret)
			return fail("release", ret);
	}
	printf("storm: all %llu kept segments verified\n",
	       (unsigned long long)kept);
	free(list);
	return 0;
}

static int name_create(const char *name, uint64_t size, unsigned int mode)
{
	uint64_t gid;
	void *p;
	int ret;

	ret = mcs_seg_create_name(ctx, name, size, MCS_PLACE_NEAREST, mode,
				  &gid);
	if (ret)
		return fail("name create", ret);
	ret = mcs_seg_map(ctx, gid, 0, size, PROT_READ | PROT_WRITE, NULL, &p);
	if (ret)
		return fail("map", ret);
	fill(gid, p, size);
	printf("created %s gid %#llx\n", name, (unsigned long long)gid);
	return 0;
}

/* Open a name read-only and map all of it; 0 or a negative errno. */
static int name_open_map(const char *name, uint64_t *gid, uint64_t **p,
			 uint64_t *size)
{
	struct mcs_seg_stat st;
	int ret;

	ret = mcs_seg_open_name(ctx, name, MCS_SEG_RDONLY, gid);
	if (ret)
		return ret;
	ret = mcs_seg_stat(ctx, *gid, &st);
	if (ret)
		return ret;
	*size = st.size;
	return mcs_seg_map(ctx, *gid, 0, st.size, PROT_READ, NULL, (void **)p);
}

static int name_verify(const char *name)
{
	uint64_t *p, size, gid;
	int ret;

	ret = name_open_map(name, &gid, &p, &size);
	if (ret)
		return fail("name open and map", ret);
	if (check(gid, p, size))
		return 1;
	printf("verified %s gid %#llx, %llu bytes\n", name,
	       (unsigned long long)gid, (unsigned long long)size);
	ret = mcs_seg_unmap(ctx, p);
	return ret ? fail("unmap", ret) : 0;
}

static int name_lookup(const char *name)
{
	uint64_t gid;
	uint32_t type;
	int ret;

	ret = mcs_name_lookup(ctx, name, &gid, &type);
	if (ret)
		return fail("name lookup", ret);
	printf("name %s gid %#llx type %u\n", name, (unsigned long long)gid,
	       type);
	return 0;
}

static int name_unlink(const char *name, const char *as)
{
	int ret;

	if (as && strcmp(as, "nobody"))
		return fail("unlink: who", -EINVAL);
	if (as && (setgid(65534) || setuid(65534)))
		return fail("setuid nobody", -errno);
	ret = mcs_name_unlink(ctx, name);
	if (ret)
		return fail("name unlink", ret);
	printf("unlinked %s\n", name);
	return 0;
}

/* Expect @ret to be -@want; say what it was. */
static int expect_err(const char *what, int ret, int want)
{
	if (ret != -want) {
		printf("FAIL: %s: %s, wanted %s\n", what, strerror(-ret),
		       strerror(want));
		return 1;
	}
	printf("%s: %s\n", what, strerror(want));
	return 0;
}

static int name_unlink_held(const char *name)
{
	uint64_t *p, size, gid, gid2, g;
	struct mcs_ctx *ctx2;
	int ret, bad = 0;

	ret = name_open_map(name, &gid, &p, &size);
	if (ret)
		return fail("name open and map", ret);
	ret = mcs_name_unlink(ctx, name);
	if (ret)
		return fail("name unlink", ret);
	bad |= expect_err("lookup after unlink",
			  mcs_name_lookup(ctx, name, &g, NULL), ENOENT);
	bad |= expect_err("open by name after unlink",
			  mcs_seg_open_name(ctx, name, MCS_SEG_RDONLY, &g),
			  ENOENT);
	/* From another context: this one holds a share (EALREADY). */
	ret = mcs_open(&ctx2, NULL);
	if (ret)
		return fail("mcs_open", ret);
	bad |= expect_err("open by gid after unlink",
			  mcs_seg_open(ctx2, gid, MCS_SEG_RDONLY), ENOENT);
	mcs_close(ctx2);
	if (bad)
		return 1;
	/* The memory lives on with its last share: ours. */
	if (check(gid, p, size))
		return 1;
	printf("still mapped after unlink: %llu bytes verified\n",
	       (unsigned long long)size);
	ret = mcs_seg_create_name(ctx, name, 4096, MCS_PLACE_NEAREST, 0600,
				  &gid2);
	if (ret)
		return fail("create the name again", ret);
	if (gid2 == gid)
		return fail("new name, old gid", -EEXIST);
	ret = mcs_name_unlink(ctx, name);
	if (!ret)
		ret = mcs_seg_release(ctx, gid2);
	if (!ret)
		ret = mcs_seg_unmap(ctx, p);
	if (!ret)
		ret = mcs_seg_release(ctx, gid);
	if (ret)
		return fail("clean up", ret);
	printf("unlink-held ok\n");
	return 0;
}

/*
 * From now on ioctl(MCS_IOC_MUTEX_LOCK or _UNLOCK) fails with ENOSYS:
 * whatever still works is done in user space.
 */
static int forbid_mutex_ioctls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (uint32_t)MCS_IOC_MUTEX_LOCK, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (uint32_t)MCS_IOC_MUTEX_UNLOCK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

static int mutex_fast(const char *cmd, uint64_t gid)
{
	int ret, i;

	ret = forbid_mutex_ioctls();
	if (ret)
		return fail("seccomp", ret);
	if (!strcmp(cmd, "mutex-fast-held"))
		return expect_err("trylock of a held mutex",
				  mcs_mutex_trylock(ctx, gid), ENOSYS);
	for (i = 0; i < 1000; i++) {
		ret = mcs_mutex_lock(ctx, gid);
		if (!ret)
			ret = mcs_mutex_unlock(ctx, gid);
		if (ret)
			return fail("lock/unlock without the kernel", ret);
	}
	ret = mcs_mutex_trylock(ctx, gid);
	if (!ret)
		ret = mcs_mutex_unlock(ctx, gid);
	if (ret)
		return fail("trylock/unlock without the kernel", ret);
	printf("fast path: 1000 lock/unlock pairs without the kernel\n");
	return 0;
}

/* Is @gid's mutex busy for another process? Its trylock's result. */
static int trylock_elsewhere(uint64_t gid)
{
	int status, ret;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		struct mcs_ctx *c;

		ret = mcs_open(&c, NULL);
		if (!ret)
			ret = mcs_mutex_trylock(c, gid);
		_exit(ret == -EBUSY ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -EIO;
	return WEXITSTATUS(status) ? -EIO : -EBUSY;
}

static int mutex_two_ctx(const char *name)
{
	const uint64_t seg = 0x2c7;
	struct mcs_seg_stat st;
	struct mcs_ctx *c2;
	uint64_t gid, g2;
	int ret, i;

	ret = mcs_mutex_open_name(ctx, name, &gid);
	if (!ret)
		ret = mcs_open(&c2, NULL);
	if (ret)
		return fail("open", ret);
	ret = mcs_mutex_open_name(c2, name, &g2);
	if (!ret)
		ret = mcs_seg_create(c2, seg, 4096, MCS_PLACE_NEAREST, 0600);
	if (!ret)
		ret = mcs_seg_open(ctx, seg, 0);
	if (!ret)
		ret = mcs_mutex_lock(ctx, gid);
	if (ret)
		return fail("second context, segment, lock", ret);
	mcs_close(c2);
	/* The release runs in a worker: its share goes after the mutexes. */
	for (i = 0; i < 1000; i++) {
		ret = mcs_seg_stat(ctx, seg, &st);
		if (ret || st.nr_sharers == 1)
			break;
		usleep(10000);
	}
	if (ret || st.nr_sharers != 1)
		return fail("the second context's release", ret ? ret : -ETIMEDOUT);
	if (expect_err("trylock from another process", trylock_elsewhere(gid),
		       EBUSY))
		return 1;
	ret = mcs_mutex_unlock(ctx, gid);
	if (!ret)
		ret = mcs_seg_destroy(ctx, seg);
	if (ret)
		return fail("unlock through the first context", ret);
	printf("two contexts: the mutex stayed held\n");
	return 0;
}

static int mutex_cmd(const char *cmd, const char *name)
{
	uint64_t gid;
	int ret;

	if (!strcmp(cmd, "mutex-create")) {
		ret = mcs_mutex_create_name(ctx, name, 0600, &gid);
		if (ret)
			return fail("mutex create", ret);
		printf("mutex %s gid %#llx\n", name, (unsigned long long)gid);
		return 0;
	}
	ret = mcs_mutex_open_name(ctx, name, &gid);
	if (ret)
		return fail("mutex open", ret);
	if (!strncmp(cmd, "mutex-fast", 10))
		return mutex_fast(cmd, gid);
	if (!strcmp(cmd, "mutex-two-ctx"))
		return mutex_two_ctx(name);
	if (!strcmp(cmd, "mutex-lock")) {
		ret = mcs_mutex_lock(ctx, gid);
		printf("lock: %s\n", strerror(-ret));
		if (ret)
			return 1;
		ret = mcs_mutex_unlock(ctx, gid);
		return ret ? fail("unlock", ret) : 0;
	}
	if (!strcmp(cmd, "mutex-hold")) {
		ret = mcs_mutex_lock(ctx, gid);
		if (ret)
			return fail("lock", ret);
		printf("locked %s\n", name);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (!strcmp(cmd, "mutex-try")) {
		ret = expect_err("trylock", mcs_mutex_trylock(ctx, gid), EBUSY);
		ret |= expect_err("timedlock 100 ms",
				  mcs_mutex_timedlock(ctx, gid, 100000000), ETIMEDOUT);
		return ret;
	}
	if (!strcmp(cmd, "mutex-recover")) {
		if (expect_err("lock", mcs_mutex_lock(ctx, gid), EOWNERDEAD))
			return 1;
		ret = mcs_mutex_consistent(ctx, gid);
		if (!ret)
			ret = mcs_mutex_unlock(ctx, gid);
		if (!ret)
			ret = mcs_mutex_lock(ctx, gid);
		if (!ret)
			ret = mcs_mutex_unlock(ctx, gid);
		if (ret)
			return fail("consistent, unlock, lock, unlock", ret);
		printf("recovered %s\n", name);
		return 0;
	}
	if (!strcmp(cmd, "mutex-unrecovered")) {
		if (expect_err("lock", mcs_mutex_lock(ctx, gid), EOWNERDEAD))
			return 1;
		ret = mcs_mutex_unlock(ctx, gid);
		if (ret)
			return fail("unlock", ret);
		return expect_err("lock after unlock without consistent",
				  mcs_mutex_lock(ctx, gid), ENOTRECOVERABLE);
	}
	return fail("mutex: command", -EINVAL);
}

/* As user nobody, with a context of its own: what the modes allow. */
static int sync_modes_nobody(uint64_t m600, uint64_t m666, uint64_t e604,
			     uint64_t e602)
{
	struct mcs_ctx *c;
	uint64_t g;
	int bad = 0;

	if (setgid(65534) || setuid(65534))
		return fail("setuid nobody", -errno);
	bad |= mcs_open(&c, NULL) ? 1 : 0;
	if (bad)
		return fail("mcs_open as nobody", -EIO);
	bad |= expect_err("open a 0600 mutex", mcs_mutex_open_name(c, "mode-m600", &g),
			  EACCES);
	bad |= expect_err("lock a 0600 mutex by GID", mcs_mutex_lock(c, m600),
			  EACCES);
	bad |= mcs_mutex_open_name(c, "mode-m666", &g) || g != m666 ||
	       mcs_mutex_lock(c, m666) || mcs_mutex_unlock(c, m666);
	if (bad)
		return fail("open, lock, unlock a 0666 mutex", -EIO);
	printf("0666 mutex: used\n");
	bad |= expect_err("destroy another's mutex",
			  mcs_mutex_destroy(c, m666), EPERM);
	bad |= expect_err("unlink another's mutex name",
			  mcs_name_unlink(c, "mode-m666"), EPERM);
	/* Others may read 0604: wait, not set; 0602 the other way round. */
	bad |= mcs_event_open_name(c, "mode-e604", &g) || g != e604;
	bad |= expect_err("wait for a 0604 event",
			  mcs_event_timedwait(c, e604, 0), ETIMEDOUT);
	bad |= expect_err("set a 0604 event", mcs_event_set(c, e604), EACCES);
	bad |= mcs_event_open_name(c, "mode-e602", &g) || g != e602 ||
	       mcs_event_set(c, e602);
	bad |= expect_err("wait for a 0602 event",
			  mcs_event_timedwait(c, e602, 0), EACCES);
	bad |= expect_err("destroy another's event",
			  mcs_event_destroy(c, e604), EPERM);
	/* Its own, even at mode 0: the owner unlinks and destroys. */
	bad |= mcs_mutex_create_name(c, "mode-own", 0, &g) ||
	       mcs_name_unlink(c, "mode-own") || mcs_mutex_destroy(c, g);
	if (bad)
		return fail("nobody's checks", -EIO);
	printf("own mutex: unlinked and destroyed\n");
	mcs_close(c);
	return 0;
}

static int sync_modes(void)
{
	static const char *const names[] = { "mode-m600", "mode-m666",
					     "mode-e604", "mode-e602" };
	uint64_t g[4];
	int status, ret, i;
	pid_t pid;

	ret = mcs_mutex_create_name(ctx, names[0], 0600, &g[0]);
	if (!ret)
		ret = mcs_mutex_create_name(ctx, names[1], 0666, &g[1]);
	if (!ret)
		ret = mcs_event_create_name(ctx, names[2], 0, 0604, &g[2]);
	if (!ret)
		ret = mcs_event_create_name(ctx, names[3], 0, 0602, &g[3]);
	if (ret)
		return fail("create as root", ret);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork", -errno);
	if (!pid)
		_exit(sync_modes_nobody(g[0], g[1], g[2], g[3]));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return fail("nobody's part", -EIO);
	/* CAP_SYS_ADMIN may remove anyone's. */
	for (i = 0; i < 4; i++) {
		ret = i < 2 ? mcs_mutex_destroy(ctx, g[i]) :
			      mcs_event_destroy(ctx, g[i]);
		if (!ret)
			ret = mcs_name_unlink(ctx, names[i]);
		if (ret)
			return fail(names[i], ret);
	}
	printf("sync modes ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	uint64_t *p, size;
	int ret, i;

	if (argc == 2 && !strcmp(cmd, "sync-modes")) {
		ret = mcs_open(&ctx, NULL);
		if (ret)
			return fail("mcs_open", ret);
		ret = sync_modes();
		mcs_close(ctx);
		return ret;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: segtool COMMAND ARGS (see the source)\n");
		return 2;
	}
	/* Tests watch the output while the program runs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = mcs_open(&ctx, NULL);
	if (ret)
		return fail("mcs_open", ret);
	if (!strcmp(cmd, "create") && argc >= 4)
		ret = create(num(argv[2]), num(argv[3]),
			     argc > 4 ? strtoul(argv[4], NULL, 8) : 0600);
	else if (!strcmp(cmd, "verify"))
		ret = verify(num(argv[2]));
	else if (!strcmp(cmd, "poke") && argc == 5) {
		ret = open_map(num(argv[2]), 0, &p, &size);
		if (ret)
			return fail("open and map", ret);
		p[num(argv[3])] = num(argv[4]);
	} else if (!strcmp(cmd, "count") && argc == 4) {
		volatile uint64_t *w;

		ret = open_map(num(argv[2]), 0, &p, &size);
		if (ret)
			return fail("open and map", ret);
		w = &p[num(argv[3])];
		printf("counting\n");
		fflush(stdout);
		for (;;)
			(*w)++;
	} else if (!strcmp(cmd, "peek") && argc == 4) {
		ret = open_map(num(argv[2]), MCS_SEG_RDONLY, &p, &size);
		if (ret)
			return fail("open and map", ret);
		printf("word %llu = %#llx\n", (unsigned long long)num(argv[3]),
		       (unsigned long long)p[num(argv[3])]);
	} else if (!strcmp(cmd, "stat"))
		ret = stat_cmd(num(argv[2]));
	else if (!strcmp(cmd, "destroy")) {
		ret = mcs_seg_destroy(ctx, num(argv[2]));
		if (ret)
			return fail("destroy", ret);
	} else if (!strcmp(cmd, "hold")) {
		for (i = 2; i < argc; i++) {
			ret = open_map(num(argv[i]), 0, &p, &size);
			if (ret)
				return fail("open and map", ret);
			p[0] = p[0];
		}
		printf("holding\n");
		fflush(stdout);
		for (;;)
			pause();
	} else if (!strcmp(cmd, "remap") && argc == 4)
		ret = remap(num(argv[2]), num(argv[3]));
	else if (!strcmp(cmd, "va") && argc == 4) {
		void *addr;

		ret = mcs_va_reserve_shared(ctx, num(argv[2]), num(argv[3]), &addr);
		if (ret)
			return fail("reserve shared", ret);
		printf("va %p\n", addr);
	} else if (!strcmp(cmd, "hold-va") && argc == 4) {
		struct mcs_ctx *ctx2;
		void *addr, *addr2;

		ret = mcs_va_reserve_shared(ctx, num(argv[2]), num(argv[3]), &addr);
		if (!ret)
			ret = mcs_open(&ctx2, NULL);
		if (ret)
			return fail("reserve shared", ret);
		ret = mcs_va_reserve_shared(ctx2, num(argv[2]), num(argv[3]), &addr2);
		printf("second reservation at %p: %s\n", addr, strerror(-ret));
		ret = ret == -EEXIST ? 0 : 1;
		mcs_close(ctx2);
	} else if (!strcmp(cmd, "name-create") && argc >= 4)
		ret = name_create(argv[2], num(argv[3]),
				  argc > 4 ? strtoul(argv[4], NULL, 8) : 0600);
	else if (!strcmp(cmd, "name-verify") && argc == 3)
		ret = name_verify(argv[2]);
	else if (!strcmp(cmd, "name-lookup") && argc == 3)
		ret = name_lookup(argv[2]);
	else if (!strcmp(cmd, "name-unlink") && argc <= 4)
		ret = name_unlink(argv[2], argc > 3 ? argv[3] : NULL);
	else if (!strcmp(cmd, "name-unlink-held") && argc == 3)
		ret = name_unlink_held(argv[2]);
	else if (!strncmp(cmd, "mutex-", 6) && argc == 3)
		ret = mutex_cmd(cmd, argv[2]);
	else if (!strcmp(cmd, "hold-many") && argc == 4)
		ret = hold_many(num(argv[2]), num(argv[3]));
	else if (!strcmp(cmd, "storm") && argc >= 4)
		ret = storm(num(argv[2]), num(argv[3]), argc > 4 ? argv[4] : NULL);
	else {
		fprintf(stderr, "segtool: bad command\n");
		return 2;
	}
	mcs_close(ctx);
	return ret ? 1 : 0;
}
