// SPDX-License-Identifier: LGPL-2.1
/*
 * fastlock.c - the user-space fast path of global mutexes (fastlock.h).
 *
 * The lock word is a struct mcs_lock in the region's sync area; the fast
 * paths its ABI allows (struct mcs_lock in linux/mcs.h, lockword.h) run
 * here on a mapping of its page. The owner tag is this node's
 * (node, incarnation) when the mutex was opened and this process's pid:
 * the kernel abandons what that tag holds when the file is released, and
 * a tag of an incarnation that died is taken over like any dead owner's.
 *
 * The pid in the tag and the tid beside it are the kernel's, those of the
 * initial PID namespace, which MCS_IOC_INFO tells (MCS_FEAT_TASK_IDS): in
 * a PID namespace getpid() and gettid() name other processes to the
 * kernel, which would abandon a container's lock when a host process of
 * that number exits, and never when the holder does. The tid is learned
 * once per thread (again in a forked child), the pid when a mutex is
 * mapped. A kernel without the feature: getpid() and gettid() in the
 * initial PID namespace only; elsewhere no lock word is mapped, every
 * lock goes through the kernel and the thread-exit walk abandons nothing
 * (process exit still does).
 *
 * Lookups are lock-free: a fixed open-addressed table of GIDs, each slot
 * published with a release store after its lock pointer and tag are
 * written. A context that fills the table, or a forked child (the pages
 * are not inherited: VM_DONTCOPY), simply uses the kernel's ioctls.
 *
 * Death is decided per thread, as for POSIX robust mutexes. A pthread
 * key's destructor, armed by a thread's first lock and run when it
 * returns, calls pthread_exit() or is cancelled (in the last round of
 * destructors), abandons every mutex whose lock word still names this
 * node, process and thread (mcs_lock_fast_abandon()): it reads the words
 * of every mutex the open contexts map, so the fast path records
 * nothing. A mutex no context maps is locked through the kernel; those
 * the thread records in thread-local storage, written down before the
 * ioctl and counted in after it (glibc's list_op_pending), and the walk
 * maps them to read their words. Whatever instant a thread ends at, the
 * word says whether it held the mutex. A fatal signal ends the whole
 * process, which the kernel's per-file abandonment covers.
 * Documentation/glock.md, "Thread exit".
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fastlock.h"
#include "lockword.h"
#include <linux/mcs.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define MCS_FAST_SLOTS 1024 /* power of two */
#define MCS_HOLDS_INLINE 8  /* unmapped mutexes a thread records without malloc */
/* mcs_tid of a thread whose ids the kernel would not know (see the top) */
#define MCS_TID_UNKNOWN UINT32_MAX
/* The inode of the initial PID namespace (PROC_PID_INIT_INO, fixed). */
#define MCS_INIT_PIDNS_INO 0xeffffffcU

struct mcs_fast_slot {
	_Atomic uint64_t gid; /* 0: empty; published last */
	struct mcs_sync_obj *obj;
	uint64_t tag;
};

struct mcs_fast_page {
	struct mcs_fast_page *next;
	uint64_t mmap_offset;
	void *addr;
};

struct mcs_fastlocks {
	unsigned int fork_gen; /* mcs_fork_gen when made */
	int fd;                /* the context's /dev/mcs file */
	struct mcs_fastlocks *live_next; /* on mcs_live, under mcs_live_lock */
	struct mcs_fast_page *pages;
	struct mcs_fast_slot slot[MCS_FAST_SLOTS];
};

/*
 * The mutexes a thread holds that no context maps (locked by GID, a full
 * table, a forked child), by GID: hold[0 .. nr). hold[nr] is the one
 * being locked through the kernel while pending is set: written before
 * the ioctl, counted in after it. A GID is enough: the walk maps the
 * word through any open context and asks it. Written only by the kernel
 * path (which pays an ioctl anyway) and by the thread itself, so compiler
 * barriers order it (a thread ends inside a lock only from a signal
 * handler).
 */
struct mcs_thread_holds {
	unsigned int nr;
	unsigned int cap;  /* of hold */
	uint64_t pending;  /* hold[nr]'s GID while its lock is under way */
	uint64_t *hold;    /* inline_hold or malloc'd */
	uint64_t inline_hold[MCS_HOLDS_INLINE];
};

static atomic_uint mcs_fork_gen;
/*
 * initial-exec: no __tls_get_addr() call at every lock. The kernel's ids
 * of this thread and its process (see the top); mcs_tid 0: not learned
 * yet, MCS_TID_UNKNOWN: not to be had (mcs_pid 0 then).
 */
static __thread uint32_t mcs_tid __attribute__((tls_model("initial-exec")));
static __thread uint32_t mcs_pid __attribute__((tls_model("initial-exec")));
static __thread struct mcs_thread_holds mcs_holds
	__attribute__((tls_model("initial-exec")));
/* Calls of the destructor so far (once a round), at thread exit only. */
static __thread unsigned int mcs_exit_round
	__attribute__((tls_model("initial-exec")));
static pthread_once_t mcs_fork_once = PTHREAD_ONCE_INIT;
static pthread_key_t mcs_thread_key;
/* Every context's table not yet freed: the exit walk uses only those. */
static pthread_mutex_t mcs_live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcs_fastlocks *mcs_live;

static void mcs_thread_exit(void *arg);

static void mcs_fastlock_prefork(void)
{
	pthread_mutex_lock(&mcs_live_lock);
}

static void mcs_fastlock_parent(void)
{
	pthread_mutex_unlock(&mcs_live_lock);
}

/*
 * In a child: the pages are gone, the thread id changed (the next lock
 * learns it and arms the destructor again), and what the forking thread
 * holds is its parent's (the lock words name the parent).
 */
static void mcs_fastlock_forked(void)
{
	atomic_fetch_add(&mcs_fork_gen, 1);
	mcs_tid = 0;
	mcs_pid = 0;
	mcs_holds.nr = 0;
	mcs_holds.pending = 0;
	pthread_mutex_unlock(&mcs_live_lock);
}

static void mcs_fastlock_init_once(void)
{
	pthread_atfork(mcs_fastlock_prefork, mcs_fastlock_parent,
		       mcs_fastlock_forked);
	pthread_key_create(&mcs_thread_key, mcs_thread_exit);
}

/* Is this process in the initial PID namespace? No if it cannot tell. */
static bool mcs_init_pidns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) &&
	       st.st_ino == MCS_INIT_PIDNS_INO;
}

/*
 * MCS_IOC_INFO through @fd into @info, and the ids the kernel knows the
 * calling thread and its process by (see the top); 0 for both if they are
 * not to be had. -errno if INFO fails.
 */
static int mcs_kernel_ids(int fd, struct mcs_info *info, uint32_t *pid,
			  uint32_t *tid)
{
	if (ioctl(fd, MCS_IOC_INFO, info))
		return -errno;
	if ((info->features & MCS_FEAT_TASK_IDS) && info->pid && info->tid) {
		*pid = info->pid;
		*tid = info->tid;
	} else if (mcs_init_pidns()) {
		*pid = (uint32_t)getpid();
		*tid = (uint32_t)syscall(SYS_gettid);
	} else {
		*pid = 0;
		*tid = 0;
	}
	return 0;
}

/*
 * The thread's first lock (or its first after the walk, or in a forked
 * child): learn its ids from the kernel through @fd and arm the
 * destructor; -ENOMEM if it cannot be, INFO's error if it fails.
 */
static __attribute__((noinline, cold)) int mcs_thread_start(int fd)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	uint32_t pid, tid;
	int ret;

	pthread_once(&mcs_fork_once, mcs_fastlock_init_once);
	ret = mcs_kernel_ids(fd, &info, &pid, &tid);
	if (ret)
		return ret;
	if (pthread_setspecific(mcs_thread_key, &mcs_holds))
		return -ENOMEM;
	/* Locked by another key's destructor after our walk: walk again. */
	if (mcs_exit_round)
		mcs_exit_round = PTHREAD_DESTRUCTOR_ITERATIONS - 1;
	mcs_pid = pid;
	mcs_tid = tid ? tid : MCS_TID_UNKNOWN;
	return 0;
}

static unsigned int mcs_fast_hash(uint64_t gid)
{
	gid ^= gid >> 33;
	gid *= 0xff51afd7ed558ccdULL;
	gid ^= gid >> 33;
	return (unsigned int)gid & (MCS_FAST_SLOTS - 1);
}

static struct mcs_fast_slot *mcs_fast_find(struct mcs_fastlocks *fl,
					   uint64_t gid)
{
	unsigned int i, h;
	uint64_t g;

	if (fl->fork_gen != atomic_load_explicit(&mcs_fork_gen,
							 memory_order_relaxed))
		return NULL;
	h = mcs_fast_hash(gid);
	for (i = 0; i < MCS_FAST_SLOTS; i++) {
		struct mcs_fast_slot *s = &fl->slot[(h + i) & (MCS_FAST_SLOTS - 1)];

		g = atomic_load_explicit(&s->gid, memory_order_acquire);
		if (g == gid)
			return s;
		if (!g)
			return NULL;
	}
	return NULL;
}

/* The page at @mmap_offset, mapped once per context. */
static void *mcs_fast_page(struct mcs_fastlocks *fl, int fd,
			   uint64_t mmap_offset)
{
	struct mcs_fast_page *p;
	void *addr;

	for (p = fl->pages; p; p = p->next)
		if (p->mmap_offset == mmap_offset)
			return p->addr;
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	addr = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, (off_t)mmap_offset);
	if (addr == MAP_FAILED) {
		free(p);
		return NULL;
	}
	p->mmap_offset = mmap_offset;
	p->addr = addr;
	p->next = fl->pages;
	fl->pages = p;
	return addr;
}

struct mcs_fastlocks *mcs_fastlocks_new(int fd)
{
	struct mcs_fastlocks *fl;

	pthread_once(&mcs_fork_once, mcs_fastlock_init_once);
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->fork_gen = atomic_load(&mcs_fork_gen);
	fl->fd = fd;
	pthread_mutex_lock(&mcs_live_lock);
	fl->live_next = mcs_live;
	mcs_live = fl;
	pthread_mutex_unlock(&mcs_live_lock);
	return fl;
}

int mcs_fastlocks_add(struct mcs_fastlocks *fl, int fd, uint64_t gid,
		      uint64_t mmap_offset, uint32_t lock_offset)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	struct mcs_fast_slot *s;
	uint32_t pid, tid;
	unsigned int i, h;
	uint8_t *page;
	int ret;

	if (lock_offset > (uint32_t)sysconf(_SC_PAGESIZE) -
			  sizeof(struct mcs_sync_obj))
		return -EINVAL;
	if (mcs_fast_find(fl, gid))
		return 0;
	ret = mcs_kernel_ids(fd, &info, &pid, &tid);
	if (ret)
		return ret;
	/* No tag the kernel would know: the kernel's ioctls only. */
	if (!pid)
		return -EOPNOTSUPP;
	h = mcs_fast_hash(gid);
	for (i = 0; i < MCS_FAST_SLOTS; i++) {
		s = &fl->slot[(h + i) & (MCS_FAST_SLOTS - 1)];
		if (!atomic_load_explicit(&s->gid, memory_order_relaxed))
			break;
	}
	if (i == MCS_FAST_SLOTS)
		return -ENOSPC;
	page = mcs_fast_page(fl, fd, mmap_offset);
	if (!page)
		return -errno;
	s->obj = (struct mcs_sync_obj *)(page + lock_offset);
	s->tag = MCS_LOCK_TAG(info.node, info.incarnation, pid);
	atomic_store_explicit(&s->gid, gid, memory_order_release);
	return 0;
}

/* Keeps the exit walk's view of the holds in program order (see above). */
#define mcs_holds_barrier() atomic_signal_fence(memory_order_seq_cst)

/*
 * Kernel path, before the ioctl: @gid, which no context maps, is the lock
 * under way (unless the thread has it recorded already); -ENOMEM without
 * room for it. Out of line: the fast path then needs fewer registers.
 */
static __attribute__((noinline)) int
mcs_holds_pend(struct mcs_thread_holds *t, uint64_t gid)
{
	uint64_t *h;
	unsigned int i;

	if (!t->hold) {
		t->hold = t->inline_hold;
		t->cap = MCS_HOLDS_INLINE;
	}
	for (i = 0; i < t->nr; i++)
		if (t->hold[i] == gid)
			return 0;
	if (t->nr == t->cap) {
		h = malloc(2 * t->cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		memcpy(h, t->hold, t->nr * sizeof(*h));
		t->cap *= 2;
		mcs_holds_barrier();
		if (t->hold != t->inline_hold) {
			uint64_t *old = t->hold;

			t->hold = h;
			mcs_holds_barrier();
			free(old);
		} else {
			t->hold = h;
		}
	}
	t->hold[t->nr] = gid;
	mcs_holds_barrier();
	t->pending = gid;
	mcs_holds_barrier();
	return 0;
}

/*
 * Released through the kernel: forget it. The last hold is copied over
 * it before nr drops, so a held mutex is never out of the walk's sight.
 */
static void mcs_holds_drop(struct mcs_thread_holds *t, uint64_t gid)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		if (t->hold[i] != gid)
			continue;
		t->hold[i] = t->hold[t->nr - 1];
		mcs_holds_barrier();
		t->nr--;
		return;
	}
}

int mcs_fastlock_lock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_fast_slot *s = mcs_fast_find(fl, gid);
	uint32_t tid = mcs_tid;
	bool wake;
	int ret;

	if (unlikely(!tid)) {
		ret = mcs_thread_start(fl->fd);
		if (ret)
			return ret;
		tid = mcs_tid;
	}
	if (!s || unlikely(tid == MCS_TID_UNKNOWN)) {
		/* The walk cannot see this word: record it. */
		ret = mcs_holds_pend(&mcs_holds, gid);
		return ret ? ret : -EAGAIN;
	}
	if (!mcs_lock_fast_lock(&s->obj->lock, s->tag, tid))
		return -EAGAIN;
	/* Destroyed and its slot reused: not ours to take. */
	if (likely(mcs_rd64(&s->obj->gid) == gid))
		return 0;
	mcs_lock_fast_unlock(&s->obj->lock, s->tag, tid, &wake);
	return -EAGAIN;
}

void mcs_fastlock_locked(struct mcs_fastlocks *fl, uint64_t gid, int ret)
{
	struct mcs_thread_holds *t = &mcs_holds;

	(void)fl;
	if (t->pending != gid)
		return;
	mcs_holds_barrier();
	if (!ret || ret == -EOWNERDEAD)
		t->nr++;
	mcs_holds_barrier();
	t->pending = 0;
}

int mcs_fastlock_unlock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_fast_slot *s = mcs_fast_find(fl, gid);
	uint32_t tid = mcs_tid;
	bool wake; /* kernel sleepers poll wseq, which the release moved */

	/*
	 * No id yet: this thread locked nothing here (a word's tid may be 0);
	 * MCS_TID_UNKNOWN is no word's tid.
	 */
	if (!s || unlikely(!tid) ||
	    mcs_lock_fast_unlock(&s->obj->lock, s->tag, tid, &wake))
		return -EAGAIN;
	return 0;
}

void mcs_fastlock_unlocked(struct mcs_fastlocks *fl, uint64_t gid, int ret)
{
	(void)fl;
	/* -EPERM: the lock word does not name this thread (any more). */
	if (!ret || ret == -EPERM)
		mcs_holds_drop(&mcs_holds, gid);
}

/*
 * The thread ends: abandon @o's lock if its word names this process (the
 * node and pid of @self; the incarnation is the kernel's or the opener's)
 * and this thread, and @o is still mutex @gid.
 */
static void mcs_abandon_word(struct mcs_sync_obj *o, uint64_t gid,
			     uint64_t self, uint32_t tid)
{
	uint64_t cur = mcs_lock_rd64_acquire(&o->lock.owner);

	if (mcs_rd64(&o->gid) != gid || !cur ||
	    MCS_LOCK_TAG_NODE(cur) != MCS_LOCK_TAG_NODE(self) ||
	    MCS_LOCK_TAG_PID(cur) != MCS_LOCK_TAG_PID(self))
		return;
	/* Kernel sleepers poll wseq, which this moved on. */
	mcs_lock_fast_abandon(&o->lock, cur, tid);
}

/*
 * A mutex this context has no mapping of (used by GID, the table full, a
 * forked child): open it by GID to map its page for the walk. If that
 * fails, the mutex stays held until the process exits. @pid and @tid:
 * the kernel's ids of the thread.
 */
static void mcs_abandon_unmapped(struct mcs_fastlocks *fl, uint64_t gid,
				 uint32_t pid, uint32_t tid)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	struct mcs_mutex a = { .argsz = sizeof(a), .gid = gid };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *p;

	if (ioctl(fl->fd, MCS_IOC_INFO, &info) ||
	    ioctl(fl->fd, MCS_IOC_MUTEX_OPEN, &a) ||
	    a.lock_offset > page - sizeof(struct mcs_sync_obj))
		return;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fl->fd,
		 (off_t)a.mmap_offset);
	if (p == MAP_FAILED)
		return;
	mcs_abandon_word((struct mcs_sync_obj *)(p + a.lock_offset), gid,
			 MCS_LOCK_TAG(info.node, info.incarnation, pid), tid);
	munmap(p, page);
}


/* Under mcs_live_lock: does an open context map @gid's lock word? */
static bool mcs_mapped(uint64_t gid)
{
	struct mcs_fastlocks *fl;

	for (fl = mcs_live; fl; fl = fl->live_next)
		if (mcs_fast_find(fl, gid))
			return true;
	return false;
}

/*
 * The key's destructor: the thread returned, called pthread_exit() or was
 * cancelled. Other keys' destructors (in any order) may still unlock
 * what it holds, as the kernel walks a robust list only after them all:
 * so it sets the key again to be called in the next round and walks in
 * the last one glibc runs. Every mutex whose word names this thread then
 * is abandoned; the others are left alone.
 */
static void mcs_thread_exit(void *arg)
{
	struct mcs_thread_holds *t = arg;
	unsigned int i, n = t->nr + (t->pending ? 1 : 0);
	unsigned int fork_gen = atomic_load(&mcs_fork_gen);
	struct mcs_fastlocks *fl;
	uint32_t tid = mcs_tid;
	uint64_t g;

	if (++mcs_exit_round < PTHREAD_DESTRUCTOR_ITERATIONS &&
	    !pthread_setspecific(mcs_thread_key, t))
		return;
	/* Without the kernel's ids no word can be told to be this thread's. */
	if (tid == MCS_TID_UNKNOWN)
		n = 0;
	pthread_mutex_lock(&mcs_live_lock);
	/* Every mapped word (an inherited table maps nothing in a child). */
	for (fl = mcs_live; fl && tid != MCS_TID_UNKNOWN; fl = fl->live_next) {
		if (fl->fork_gen != fork_gen)
			continue;
		for (i = 0; i < MCS_FAST_SLOTS; i++) {
			g = atomic_load_explicit(&fl->slot[i].gid,
						 memory_order_acquire);
			if (g)
				mcs_abandon_word(fl->slot[i].obj, g,
						 fl->slot[i].tag, tid);
		}
	}
	/* The ones taken without a mapping: map them now, through any. */
	for (i = 0; i < n && mcs_live; i++) {
		g = i < t->nr ? t->hold[i] : t->pending;
		if (!mcs_mapped(g))
			mcs_abandon_unmapped(mcs_live, g, mcs_pid, tid);
	}
	pthread_mutex_unlock(&mcs_live_lock);
	t->nr = 0;
	t->pending = 0;
	if (t->hold != t->inline_hold)
		free(t->hold);
	t->hold = NULL;
	/* A lock in a later destructor learns the ids and arms us again. */
	mcs_tid = 0;
	mcs_pid = 0;
}

void mcs_fastlocks_free(struct mcs_fastlocks *fl)
{
	struct mcs_fastlocks **pp;
	struct mcs_fast_page *p, *next;

	if (!fl)
		return;
	/* First: an exiting thread's walk must not use it from now on. */
	pthread_mutex_lock(&mcs_live_lock);
	for (pp = &mcs_live; *pp; pp = &(*pp)->live_next)
		if (*pp == fl) {
			*pp = fl->live_next;
			break;
		}
	pthread_mutex_unlock(&mcs_live_lock);
	for (p = fl->pages; p; p = next) {
		next = p->next;
		/* A child never had them: the addresses may be others' now. */
		if (fl->fork_gen == atomic_load(&mcs_fork_gen))
			munmap(p->addr, (size_t)sysconf(_SC_PAGESIZE));
		free(p);
	}
	free(fl);
}
