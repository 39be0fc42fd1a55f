// SPDX-License-Identifier: GPL-2.0
/*
 * features - libmcs against kernels that offer less, without a kernel:
 * this program defines ioctl() itself, which the dynamic linker prefers
 * to libc's for libmcs's calls, and plays a /dev/mcs whose MCS_IOC_INFO
 * reports a chosen feature mask (or is missing). mcs_open() must refuse
 * a kernel without segments, names, mutexes or global events
 * (-EOPNOTSUPP) and one without this INFO (-ENOTTY), must not map lock
 * words without MCS_FEAT_MUTEX_MAP, and mcs_notify_open() must refuse a
 * kernel without MCS_FEAT_NOTIFY, and a mask with MCS_EV_LEAVING (as
 * mcs_notify_ack() must) one without MCS_FEAT_NOTIFY_LEAVE. Every
 * argument libmcs passes must carry argsz = the size its command number
 * says.
 *
 * Lock words (mmap() is played too: an anonymous page per mutex): with
 * MCS_FEAT_TASK_IDS the fast path tags a lock with the pid INFO tells and
 * writes the tid INFO tells the locking thread, in another thread its
 * own, in a forked child the child's (asked again); without the feature
 * getpid() and gettid() in the initial PID namespace, and in another
 * (when this test may make one) no lock word at all: the kernel locks.
 *
 * Usage: features    (no device needed; /dev/null stands in)
 * Exit 0 if every expectation held, 1 otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmcs.h>

#define ALL_FEATURES                                                       \
	(MCS_FEAT_SEG | MCS_FEAT_NAME | MCS_FEAT_MUTEX | MCS_FEAT_MUTEX_MAP | \
	 MCS_FEAT_NOTIFY | MCS_FEAT_GEVENT | MCS_FEAT_NOTIFY_LEAVE |       \
	 MCS_FEAT_TASK_IDS)

/* The pretend kernel's ids: never a namespace's getpid() or gettid(). */
#define KPID(pid) (1000000U + (uint32_t)(pid))
#define KTID(tid) (2000000U + (uint32_t)(tid))

static uint64_t features;     /* what the pretend kernel offers */
static int no_info;	      /* it has no MCS_IOC_INFO of this ABI */
static int info_calls, bad_argsz, fails;
static int lock_calls;	      /* MCS_IOC_MUTEX_LOCK and _UNLOCK */
/* Mutex GID n's sync object where mmap() placed it (n < MAX_GID). */
#define MAX_GID 64
static struct mcs_sync_obj *pages[MAX_GID];

/* The pretend /dev/mcs's lock word pages: mmap of /dev/null, by GID. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct stat st;
	long p;

	if (fd >= 0 && !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3)) {
		fd = -1;
		flags = MAP_SHARED | MAP_ANONYMOUS;
	}
	p = syscall(SYS_mmap, addr, len, prot, flags, fd,
		    fd < 0 ? 0 : off);
	if (p < 0 && p > -4096) {
		errno = (int)-p;
		return MAP_FAILED;
	}
	/* Each mutex's page at mmap_offset GID pages: its sync object. */
	if (fd < 0 && off && (uint64_t)off / MCS_PAGE_SIZE < MAX_GID) {
		pages[off / MCS_PAGE_SIZE] = (struct mcs_sync_obj *)p;
		pages[off / MCS_PAGE_SIZE]->gid = (uint64_t)off / MCS_PAGE_SIZE;
	}
	return (void *)p;
}

/* The pretend /dev/mcs: INFO and the few commands the checks use. */
int ioctl(int fd, unsigned long cmd, ...)
{
	struct mcs_info *info;
	struct mcs_mutex *mx;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(cmd) != MCS_IOC_TYPE)
		return (int)syscall(SYS_ioctl, fd, cmd, arg);
	if (*(uint32_t *)arg != _IOC_SIZE(cmd))
		bad_argsz++;
	if (cmd == MCS_IOC_INFO && !no_info) {
		info_calls++;
		info = arg;
		info->node = 0;
		info->incarnation = 1;
		info->page_size = MCS_PAGE_SIZE;
		info->features = features;
		if (features & MCS_FEAT_TASK_IDS) {
			info->pid = KPID(getpid());
			info->tid = KTID(syscall(SYS_gettid));
		}
		return 0;
	}
	if (cmd == MCS_IOC_MUTEX_CREATE) {
		mx = arg;
		mx->mmap_offset = mx->gid * MCS_PAGE_SIZE;
		mx->lock_offset = 0;
		return 0;
	}
	if (cmd == MCS_IOC_MUTEX_LOCK || cmd == MCS_IOC_MUTEX_UNLOCK) {
		lock_calls++;
		return 0;
	}
	if (cmd == MCS_IOC_NOTIFY_SUBSCRIBE) {
		((struct mcs_notify *)arg)->record_size =
			sizeof(struct mcs_notify_rec);
		return 0;
	}
	if (cmd == MCS_IOC_NOTIFY_ACK)
		return 0;
	errno = ENOTTY;
	return -1;
}

static void expect(const char *what, int got, int want)
{
	if (got == want) {
		printf("ok: %s -> %d\n", what, got);
		return;
	}
	printf("FAIL: %s -> %d (%s), wanted %d (%s)\n", what, got,
	       strerror(-got), want, strerror(-want));
	fails++;
}

/* mcs_open() on a kernel offering @feat; 0 or the error. */
static int open_with(uint64_t feat, struct mcs_ctx **ctx)
{
	features = feat;
	return mcs_open(ctx, "/dev/null");
}

static struct mcs_ctx *locker_ctx;
static uint64_t locker_gid;
static uint64_t locker_owner;
static uint32_t locker_tid, locker_ktid;

/* Another thread locks and reports what its word says, then unlocks. */
static void *locker(void *arg)
{
	struct mcs_lock *w = arg;

	locker_ktid = KTID(syscall(SYS_gettid));
	if (!mcs_mutex_lock(locker_ctx, locker_gid)) {
		locker_owner = w->owner;
		locker_tid = w->tid;
		mcs_mutex_unlock(locker_ctx, locker_gid);
	}
	return NULL;
}

/* Is this process in the initial PID namespace (PROC_PID_INIT_INO)? */
static int init_pidns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == 0xeffffffcU;
}

/*
 * Mutex @gid made through a context on a kernel offering @feat, locked
 * and unlocked by this thread: the lock word must say @pid and @tid, or
 * (@pid 0) no word is mapped and the kernel locks. 0 if so.
 */
static int lock_tags(const char *what, uint64_t feat, uint64_t gid,
		     uint32_t pid, uint32_t tid)
{
	struct mcs_sync_obj *o;
	struct mcs_ctx *ctx;
	int before = fails, calls;
	uint64_t owner;
	uint32_t wtid;

	expect(what, open_with(feat, &ctx), 0);
	if (fails != before)
		return 1;
	expect("  mutex create", mcs_mutex_create(ctx, gid, 0600), 0);
	o = pages[gid];
	calls = lock_calls;
	expect("  lock", mcs_mutex_lock(ctx, gid), 0);
	owner = o ? o->lock.owner : 0;
	wtid = o ? o->lock.tid : 0;
	expect("  unlock", mcs_mutex_unlock(ctx, gid), 0);
	if (pid) {
		expect("  in user space (no lock ioctl)", lock_calls - calls, 0);
		expect("  the tag's pid is the one asked for",
		       owner == MCS_LOCK_TAG(0, 1, pid), 1);
		expect("  the word's tid is the one asked for", wtid == tid, 1);
	} else {
		expect("  through the kernel (no lock word)",
		       lock_calls - calls, 2);
		expect("  no lock word mapped", o == NULL, 1);
	}
	mcs_close(ctx);
	return fails != before;
}

/* Run @fn in a child (in a new PID namespace if @newns); its result. */
static int in_child(int (*fn)(void), int newns)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (newns) {
			if (unshare(CLONE_NEWPID))
				_exit(77);
			fflush(stdout);
			pid = fork();
			if (pid < 0)
				_exit(1);
			if (pid) {
				if (waitpid(pid, &status, 0) != pid)
					_exit(1);
				_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
			}
		}
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

/* A forked child's thread asks again: its own ids. */
static int forked_ids(void)
{
	return lock_tags("task ids, in a forked child", ALL_FEATURES, 12,
			 KPID(getpid()), KTID(syscall(SYS_gettid)));
}

/*
 * Without MCS_FEAT_TASK_IDS: getpid() and gettid() in the initial PID
 * namespace, no lock word in another. (Each in a child of its own: a
 * thread learns its ids once, and one kernel does not change features.)
 */
static int no_ids(void)
{
	if (init_pidns())
		return lock_tags("no task ids, the initial PID namespace",
				 ALL_FEATURES & ~MCS_FEAT_TASK_IDS, 13,
				 (uint32_t)getpid(),
				 (uint32_t)syscall(SYS_gettid));
	return lock_tags("no task ids, in a PID namespace (this test's)",
			 ALL_FEATURES & ~MCS_FEAT_TASK_IDS, 13, 0, 0);
}

static int pidns_no_ids(void)
{
	return lock_tags("no task ids, in a new PID namespace",
			 ALL_FEATURES & ~MCS_FEAT_TASK_IDS, 14, 0, 0);
}

static int pidns_ids(void)
{
	return lock_tags("task ids, in a new PID namespace", ALL_FEATURES, 15,
			 KPID(getpid()), KTID(syscall(SYS_gettid)));
}

/* Lock words: the tags and tids the fast path writes (see the top). */
static void task_ids(void)
{
	struct mcs_ctx *ctx;
	pthread_t t;
	int ret;

	lock_tags("task ids, this thread", ALL_FEATURES, 10, KPID(getpid()),
		  KTID(syscall(SYS_gettid)));
	expect("task ids, another thread", open_with(ALL_FEATURES, &ctx), 0);
	if (fails)
		return;
	locker_ctx = ctx;
	locker_gid = 11;
	expect("  mutex create", mcs_mutex_create(ctx, 11, 0600), 0);
	if (!pages[11] || pthread_create(&t, NULL, locker, &pages[11]->lock)) {
		expect("  the thread", -EIO, 0);
		return;
	}
	pthread_join(t, NULL);
	expect("  its tag's pid is the process's",
	       locker_owner == MCS_LOCK_TAG(0, 1, KPID(getpid())), 1);
	expect("  its word's tid is its own", locker_tid == locker_ktid, 1);
	mcs_close(ctx);
	expect("task ids, a forked child", in_child(forked_ids, 0), 0);
	expect("no task ids", in_child(no_ids, 0), 0);
	ret = in_child(pidns_no_ids, 1);
	if (ret == 77) {
		printf("skip: no new PID namespace here (unshare)\n");
		return;
	}
	expect("no task ids, a new PID namespace", ret, 0);
	expect("task ids, a new PID namespace", in_child(pidns_ids, 1), 0);
}

int main(void)
{
	struct mcs_notifier *nf;
	struct mcs_ctx *ctx;
	int before;

	setvbuf(stdout, NULL, _IOLBF, 0);
	expect("mcs_open, every feature", open_with(ALL_FEATURES, &ctx), 0);
	if (!fails) {
		before = info_calls;
		expect("mutex create with MUTEX_MAP", mcs_mutex_create(ctx, 7, 0600),
		       0);
		expect("  its lock word is looked at (INFO for the tag)",
		       info_calls - before, 1);
		mcs_close(ctx);
	}
	expect("mcs_open, no MUTEX_MAP",
	       open_with(ALL_FEATURES & ~MCS_FEAT_MUTEX_MAP, &ctx), 0);
	if (!fails) {
		before = info_calls;
		expect("mutex create without MUTEX_MAP",
		       mcs_mutex_create(ctx, 7, 0600), 0);
		expect("  no lock word mapped", info_calls - before, 0);
		mcs_close(ctx);
	}
	task_ids();
	expect("mcs_open, no segments",
	       open_with(ALL_FEATURES & ~MCS_FEAT_SEG, &ctx), -EOPNOTSUPP);
	expect("mcs_open, no names",
	       open_with(ALL_FEATURES & ~MCS_FEAT_NAME, &ctx), -EOPNOTSUPP);
	expect("mcs_open, no mutexes",
	       open_with(ALL_FEATURES & ~MCS_FEAT_MUTEX, &ctx), -EOPNOTSUPP);
	expect("mcs_open, no global events",
	       open_with(ALL_FEATURES & ~MCS_FEAT_GEVENT, &ctx), -EOPNOTSUPP);
	expect("mcs_open, a VER0 kernel (no feature mask)", open_with(0, &ctx),
	       -EOPNOTSUPP);
	expect("mcs_open, only cluster events",
	       open_with(MCS_FEAT_NOTIFY, &ctx), -EOPNOTSUPP);
	features = ALL_FEATURES & ~MCS_FEAT_NOTIFY;
	expect("mcs_notify_open, no NOTIFY",
	       mcs_notify_open(&nf, "/dev/null", MCS_EV_APP_MASK, NULL),
	       -EOPNOTSUPP);
	features = MCS_FEAT_NOTIFY;
	expect("mcs_notify_open, NOTIFY alone",
	       mcs_notify_open(&nf, "/dev/null", MCS_EV_APP_MASK, NULL), 0);
	if (!fails)
		mcs_notify_close(nf);
	features = ALL_FEATURES & ~MCS_FEAT_NOTIFY_LEAVE;
	expect("mcs_notify_open LEAVING, no NOTIFY_LEAVE",
	       mcs_notify_open(&nf, "/dev/null", MCS_EV_MASK(MCS_EV_LEAVING),
			       NULL),
	       -EOPNOTSUPP);
	expect("mcs_notify_open, no NOTIFY_LEAVE",
	       mcs_notify_open(&nf, "/dev/null", MCS_EV_APP_MASK, NULL), 0);
	if (!fails) {
		expect("  mcs_notify_ack, no NOTIFY_LEAVE", mcs_notify_ack(nf, 1),
		       -EOPNOTSUPP);
		mcs_notify_close(nf);
	}
	features = ALL_FEATURES;
	expect("mcs_notify_open LEAVING",
	       mcs_notify_open(&nf, "/dev/null",
			       MCS_EV_APP_MASK | MCS_EV_MASK(MCS_EV_LEAVING),
			       NULL),
	       0);
	if (!fails) {
		expect("  mcs_notify_ack", mcs_notify_ack(nf, 1), 0);
		mcs_notify_close(nf);
	}
	no_info = 1;
	expect("mcs_open, no MCS_IOC_INFO", open_with(ALL_FEATURES, &ctx),
	       -ENOTTY);
	expect("every argument's argsz is its command's size", bad_argsz, 0);
	printf("features: %d failures\n", fails);
	return fails ? 1 : 0;
}
