// SPDX-License-Identifier: LGPL-2.1
/*
 * fastlock.c - the user-space fast path of global mutexes (fastlock.h).
 *
 * The lock word is a struct glock in the region's sync area; the same
 * inline fast paths the kernel uses (glock_fast_lock/unlock in glock.h)
 * run here on a mapping of its page. The owner tag is this node's
 * (node, incarnation) when the mutex was opened and this process's pid:
 * the kernel abandons what that tag holds when the file is released, and
 * a tag of an incarnation that died is taken over like any dead owner's.
 *
 * Lookups are lock-free: a fixed open-addressed table of GIDs, each slot
 * published with a release store after its lock pointer and tag are
 * written. A context that fills the table, or a forked child (the pages
 * are not inherited: VM_DONTCOPY), simply uses the kernel's ioctls.
 *
 * Death is decided per thread, as for POSIX robust mutexes: every thread
 * keeps the mutexes it holds in thread-local storage (no system call),
 * and a pthread key's destructor, which runs when the thread returns,
 * calls pthread_exit() or is cancelled, abandons (in the last round of
 * destructors) each one the lock word still names this thread for
 * (glock_fast_abandon()). The lock being taken is written down before
 * the attempt and counted in after it (glibc's list_op_pending), so a
 * thread that ends in between leaves no
 * mutex unknown: the walk asks the lock word. A fatal signal ends the
 * whole process, which the kernel's per-file abandonment covers.
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
#include <sys/syscall.h>
#include <unistd.h>

#include "fastlock.h"
#include "gsync/gsync.h"
#include <linux/mcs.h>

#define MCS_FAST_SLOTS 1024 /* power of two */
#define MCS_HOLDS_INLINE 8  /* held mutexes a thread records without malloc */

struct mcs_fast_slot {
	_Atomic uint64_t gid; /* 0: empty; published last */
	struct gsync_obj *obj;
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
 * The GIDs of the mutexes this thread holds: hold[0 .. nr). A GID is
 * enough: every context of the process maps the same lock word, and the
 * walk asks the word. hold[nr] (there is always room) is written before
 * every lock attempt, and an attempt that succeeds only counts it in:
 * glibc's list_op_pending, without a flag, as the walk asks every
 * entry's word, hold[nr]'s too, whether it names this thread. Only this
 * thread writes it and the walk runs in this thread, so compiler barriers
 * order it (a thread ends inside a lock only from a signal handler). nr
 * and the room are one word: one load to check, one add to count.
 */
struct mcs_thread_holds {
	uint64_t nr_lim;               /* nr (low 32 bits) < lim: room; lim 0: not armed */
	uint64_t *hold;                /* inline_hold or malloc'd; NULL at first */
	unsigned int cap;              /* of hold */
	unsigned int exit_round;       /* destructor rounds waited through */
	uint64_t inline_hold[MCS_HOLDS_INLINE];
};

#define MCS_HOLDS_NR(nl) ((uint32_t)(nl))
#define MCS_HOLDS_LIM(nl) ((uint32_t)((nl) >> 32))
#define MCS_HOLDS_ARM(nr, lim) ((uint64_t)(lim) << 32 | (nr))

static atomic_uint mcs_fork_gen;
/* initial-exec: no __tls_get_addr() call at every lock. */
static __thread uint32_t mcs_tid __attribute__((tls_model("initial-exec")));
static __thread struct mcs_thread_holds mcs_holds
	__attribute__((tls_model("initial-exec")));
static pthread_once_t mcs_fork_once = PTHREAD_ONCE_INIT;
static pthread_key_t mcs_holds_key;
/* Every context's table not yet freed: the exit walk uses only those. */
static pthread_mutex_t mcs_live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mcs_fastlocks *mcs_live;

static void mcs_holds_exit(void *arg);

static void mcs_fastlock_prefork(void)
{
	pthread_mutex_lock(&mcs_live_lock);
}

static void mcs_fastlock_parent(void)
{
	pthread_mutex_unlock(&mcs_live_lock);
}

/*
 * In a child: the pages are gone, the thread id changed, and what the
 * forking thread holds is its parent's (the lock words name the parent).
 */
static void mcs_fastlock_forked(void)
{
	atomic_fetch_add(&mcs_fork_gen, 1);
	mcs_tid = 0;
	mcs_holds.nr_lim = MCS_HOLDS_ARM(0, MCS_HOLDS_LIM(mcs_holds.nr_lim));
	pthread_mutex_unlock(&mcs_live_lock);
}

static void mcs_fastlock_init_once(void)
{
	pthread_atfork(mcs_fastlock_prefork, mcs_fastlock_parent,
		       mcs_fastlock_forked);
	pthread_key_create(&mcs_holds_key, mcs_holds_exit);
}

static uint32_t mcs_thread_id(void)
{
	if (!mcs_tid)
		mcs_tid = (uint32_t)syscall(SYS_gettid);
	return mcs_tid;
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
	struct mcs_info info = { .abi_version = MCS_ABI_VERSION };
	struct mcs_fast_slot *s;
	unsigned int i, h;
	uint8_t *page;

	if (lock_offset > (uint32_t)sysconf(_SC_PAGESIZE) -
			  sizeof(struct gsync_obj))
		return -EINVAL;
	if (mcs_fast_find(fl, gid))
		return 0;
	if (ioctl(fd, MCS_IOC_INFO, &info))
		return -errno;
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
	s->obj = (struct gsync_obj *)(page + lock_offset);
	s->tag = GLOCK_TAG(info.node, info.incarnation, getpid());
	atomic_store_explicit(&s->gid, gid, memory_order_release);
	return 0;
}

/* Keeps the exit walk's view of the holds in program order (see above). */
#define mcs_holds_barrier() atomic_signal_fence(memory_order_seq_cst)

/*
 * Slow half of mcs_holds_pend(): arm the destructor (first lock of the
 * thread, or a lock taken by another key's destructor after ours ran;
 * glibc then runs ours again) and make room for one more hold.
 */
static __attribute__((noinline, cold)) int
mcs_holds_grow(struct mcs_thread_holds *t)
{
	uint32_t nr = MCS_HOLDS_NR(t->nr_lim);
	uint64_t *h, *old = t->hold;

	if (!old) {
		t->hold = t->inline_hold;
		t->cap = MCS_HOLDS_INLINE;
	}
	if (!MCS_HOLDS_LIM(t->nr_lim)) {
		pthread_once(&mcs_fork_once, mcs_fastlock_init_once);
		if (pthread_setspecific(mcs_holds_key, t))
			return -ENOMEM;
	}
	if (nr >= t->cap) {
		/* Zeroed: the walk reads hold[nr] before a lock writes it. */
		h = calloc(2 * t->cap, sizeof(*h));
		if (!h)
			return -ENOMEM;
		memcpy(h, t->hold, nr * sizeof(*h));
		t->cap *= 2;
		mcs_holds_barrier();
		t->hold = h;
		mcs_holds_barrier();
		if (old != t->inline_hold)
			free(old);
	}
	t->nr_lim = MCS_HOLDS_ARM(nr, t->cap);
	return 0;
}

/*
 * Before the attempt: room for hold[nr] (or -ENOMEM), the destructor
 * armed, and @gid written there as the lock under way.
 */
static inline int mcs_holds_pend(struct mcs_thread_holds *t, uint64_t gid)
{
	uint64_t nl = t->nr_lim;

	if (unlikely(MCS_HOLDS_NR(nl) >= MCS_HOLDS_LIM(nl))) {
		int ret = mcs_holds_grow(t);

		if (ret)
			return ret;
		nl = t->nr_lim;
	}
	t->hold[MCS_HOLDS_NR(nl)] = gid;
	mcs_holds_barrier();
	return 0;
}

/* The attempt succeeded: it stays recorded (nr < lim: no carry). */
static inline void mcs_holds_count(struct mcs_thread_holds *t)
{
	mcs_holds_barrier();
	t->nr_lim++;
}

/*
 * Released: forget it. The last hold is copied over it before nr drops,
 * so at no instant is a held mutex out of the walk's sight.
 */
static inline void mcs_holds_drop(struct mcs_thread_holds *t, uint64_t gid)
{
	uint32_t nr = MCS_HOLDS_NR(t->nr_lim), i = nr;
	uint64_t *h = t->hold;

	while (i--) {
		if (h[i] != gid)
			continue;
		if (i != nr - 1) {
			h[i] = h[nr - 1];
			mcs_holds_barrier();
		}
		t->nr_lim--;
		return;
	}
}

int mcs_fastlock_lock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_thread_holds *t = &mcs_holds;
	struct mcs_fast_slot *s;
	bool wake;
	int ret;

	s = mcs_fast_find(fl, gid);
	ret = mcs_holds_pend(t, gid);
	if (unlikely(ret))
		return ret;
	/* Left in hold[nr]: mcs_fastlock_locked() counts the kernel's answer. */
	if (!s || !glock_fast_lock(&s->obj->lock, s->tag, mcs_thread_id()))
		return -EAGAIN;
	/* Destroyed and its slot reused: not ours to take. */
	if (likely(mcs_rd64(&s->obj->gid) == gid)) {
		mcs_holds_count(t);
		return 0;
	}
	glock_fast_unlock(&s->obj->lock, s->tag, mcs_thread_id(), &wake);
	return -EAGAIN;
}

void mcs_fastlock_locked(struct mcs_fastlocks *fl, uint64_t gid, int ret)
{
	(void)fl;
	(void)gid;
	if (!ret || ret == -EOWNERDEAD)
		mcs_holds_count(&mcs_holds);
}

int mcs_fastlock_unlock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_fast_slot *s = mcs_fast_find(fl, gid);
	bool wake; /* kernel sleepers poll wseq, which the release moved */

	/* Still recorded until released: a thread ending here is asked. */
	if (!s || glock_fast_unlock(&s->obj->lock, s->tag, mcs_thread_id(),
				    &wake))
		return -EAGAIN;
	mcs_holds_drop(&mcs_holds, gid);
	return 0;
}

void mcs_fastlock_unlocked(struct mcs_fastlocks *fl, uint64_t gid, int ret)
{
	/* -EPERM: the lock word does not name this thread (any more). */
	(void)fl;
	if (!ret || ret == -EPERM)
		mcs_holds_drop(&mcs_holds, gid);
}

/*
 * The thread ends: abandon @o's lock if its word names this process (the
 * node and pid of @self; the incarnation is the kernel's or the opener's)
 * and this thread, and @o is still mutex @gid.
 */
static void mcs_abandon_word(struct gsync_obj *o, uint64_t gid, uint64_t self,
			     uint32_t tid)
{
	uint64_t cur = mcs_rd64_acquire(&o->lock.owner);

	if (mcs_rd64(&o->gid) != gid || !cur ||
	    GLOCK_TAG_NODE(cur) != GLOCK_TAG_NODE(self) ||
	    GLOCK_TAG_PID(cur) != GLOCK_TAG_PID(self))
		return;
	/* Kernel sleepers poll wseq, which this moved on. */
	glock_fast_abandon(&o->lock, cur, tid);
}

/*
 * A mutex this context has no mapping of (used by GID, the table full, a
 * forked child): open it by GID to map its page for the walk. If that
 * fails, the mutex stays held until the process exits.
 */
static void mcs_abandon_unmapped(struct mcs_fastlocks *fl, uint64_t gid,
				 uint32_t tid)
{
	struct mcs_info info = { .abi_version = MCS_ABI_VERSION };
	struct mcs_mutex a = { .abi_version = MCS_ABI_VERSION, .gid = gid };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *p;

	if (ioctl(fl->fd, MCS_IOC_INFO, &info) ||
	    ioctl(fl->fd, MCS_IOC_MUTEX_OPEN, &a) ||
	    a.lock_offset > page - sizeof(struct gsync_obj))
		return;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fl->fd,
		 (off_t)a.mmap_offset);
	if (p == MAP_FAILED)
		return;
	mcs_abandon_word((struct gsync_obj *)(p + a.lock_offset), gid,
			 GLOCK_TAG(info.node, info.incarnation, getpid()), tid);
	munmap(p, page);
}

/*
 * Under mcs_live_lock: abandon mutex @gid if it is this thread's, through
 * any open context that maps it, else through the first open one. With
 * none open, the files' releases abandoned what they had to.
 */
static void mcs_abandon_hold(uint64_t gid, uint32_t tid)
{
	struct mcs_fastlocks *fl;
	struct mcs_fast_slot *s;

	if (!gid)
		return;
	for (fl = mcs_live; fl; fl = fl->live_next) {
		s = mcs_fast_find(fl, gid);
		if (s) {
			mcs_abandon_word(s->obj, gid, s->tag, tid);
			return;
		}
	}
	if (mcs_live)
		mcs_abandon_unmapped(mcs_live, gid, tid);
}

/*
 * The key's destructor: the thread returned, called pthread_exit() or was
 * cancelled. Every hold, and the lock under way, whose word still names
 * this thread is abandoned; the others are left alone (released, taken
 * by another since, or never taken).
 */
static void mcs_holds_exit(void *arg)
{
	struct mcs_thread_holds *t = arg;
	uint32_t i, nr = MCS_HOLDS_NR(t->nr_lim);
	uint32_t n = nr < t->cap ? nr + 1 : nr;
	uint32_t tid = mcs_thread_id();
	uint64_t *h = t->hold;

	t->nr_lim = MCS_HOLDS_ARM(nr, 0);
	/*
	 * Other keys' destructors (in any order) may still unlock what the
	 * thread holds, as the kernel walks a robust list only after them
	 * all: set the key again to be called in the next round, and walk
	 * in the last one glibc runs.
	 */
	if (nr && ++t->exit_round < PTHREAD_DESTRUCTOR_ITERATIONS &&
	    !pthread_setspecific(mcs_holds_key, t)) {
		t->nr_lim = MCS_HOLDS_ARM(nr, t->cap);
		return;
	}
	if (h) {
		pthread_mutex_lock(&mcs_live_lock);
		for (i = 0; i < n; i++)
			mcs_abandon_hold(h[i], tid);
		pthread_mutex_unlock(&mcs_live_lock);
	}
	t->nr_lim = 0;
	if (h != t->inline_hold)
		free(h);
	t->hold = NULL;
	t->cap = 0;
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
