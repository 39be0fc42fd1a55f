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
 * (glock_fast_abandon()). The lock being
 * taken is recorded before the attempt and counted as held after it
 * (glibc's list_op_pending), so a thread that ends in between leaves no
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
#define MCS_HOLDS_INLINE 4  /* held mutexes a thread records without malloc */

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
	uint64_t serial;       /* never reused: tells a new table at this address */
	struct mcs_fastlocks *live_next; /* on mcs_live, under mcs_live_lock */
	struct mcs_fast_page *pages;
	struct mcs_fast_slot slot[MCS_FAST_SLOTS];
};

/* A mutex a thread holds, or is taking, through the context of @fl. */
struct mcs_thread_hold {
	struct mcs_fastlocks *fl;
	uint64_t serial; /* fl's: the context may be closed by the exit walk */
	uint64_t gid;
};

/*
 * The mutexes this thread holds: hold[0 .. nr). hold[nr] is the one being
 * locked while pending is set: whether it was taken is the lock word's to
 * say at thread exit. Only this thread writes it; the exit walk runs in
 * this thread too, so compiler barriers order it (a thread ends inside
 * the lock only from a signal handler).
 */
struct mcs_thread_holds {
	unsigned int nr;
	unsigned int cap;              /* of hold; 0: inline_hold is used */
	bool pending;
	bool armed;                    /* the key's destructor will run */
	unsigned int exit_round;       /* destructor rounds waited through */
	struct mcs_thread_hold *hold;  /* NULL: inline_hold */
	struct mcs_thread_hold inline_hold[MCS_HOLDS_INLINE];
};

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
static uint64_t mcs_live_serial;

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
	mcs_holds.nr = 0;
	mcs_holds.pending = false;
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
	fl->serial = ++mcs_live_serial;
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

static struct mcs_thread_hold *mcs_holds_array(struct mcs_thread_holds *t)
{
	return t->hold ? t->hold : t->inline_hold;
}

/*
 * Slow half of mcs_holds_room(): arm the destructor (first lock of the
 * thread, or a lock taken by another key's destructor after ours ran;
 * glibc then runs ours again) and make room for one more hold.
 */
static int mcs_holds_grow(struct mcs_thread_holds *t)
{
	unsigned int cap = t->hold ? t->cap : MCS_HOLDS_INLINE;
	struct mcs_thread_hold *h, *old = t->hold;

	if (!t->armed) {
		pthread_once(&mcs_fork_once, mcs_fastlock_init_once);
		if (pthread_setspecific(mcs_holds_key, t))
			return -ENOMEM;
		t->armed = true;
	}
	if (t->nr < cap)
		return 0;
	h = malloc(2 * cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	memcpy(h, mcs_holds_array(t), t->nr * sizeof(*h));
	t->cap = 2 * cap;
	mcs_holds_barrier();
	t->hold = h;
	mcs_holds_barrier();
	free(old);
	return 0;
}

/* Room for hold[nr] and the destructor armed, or -ENOMEM. */
static inline int mcs_holds_room(struct mcs_thread_holds *t)
{
	if (likely(t->armed && t->nr < (t->hold ? t->cap : MCS_HOLDS_INLINE)))
		return 0;
	return mcs_holds_grow(t);
}

/* Before the attempt: @gid through @fl is the lock under way. */
static inline void mcs_holds_pend(struct mcs_thread_holds *t,
				  struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_thread_hold *h = &mcs_holds_array(t)[t->nr];

	h->fl = fl;
	h->serial = fl->serial;
	h->gid = gid;
	mcs_holds_barrier();
	t->pending = true;
	mcs_holds_barrier();
}

/* The attempt is over: held (it stays recorded) or not. */
static inline void mcs_holds_settle(struct mcs_thread_holds *t, bool held)
{
	mcs_holds_barrier();
	if (held)
		t->nr++;
	mcs_holds_barrier();
	t->pending = false;
}

/* Released: forget it (copied over by the last hold before nr drops). */
static void mcs_holds_drop(struct mcs_thread_holds *t,
			   const struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_thread_hold *h = mcs_holds_array(t);
	unsigned int i = t->nr;

	while (i--) {
		if (h[i].gid != gid || h[i].fl != fl)
			continue;
		h[i] = h[t->nr - 1];
		mcs_holds_barrier();
		t->nr--;
		return;
	}
}

int mcs_fastlock_lock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_thread_holds *t = &mcs_holds;
	struct mcs_fast_slot *s;
	bool wake;
	int ret;

	ret = mcs_holds_room(t);
	if (unlikely(ret))
		return ret;
	mcs_holds_pend(t, fl, gid);
	s = mcs_fast_find(fl, gid);
	/* Left pending: mcs_fastlock_locked() settles the kernel's answer. */
	if (!s || !glock_fast_lock(&s->obj->lock, s->tag, mcs_thread_id()))
		return -EAGAIN;
	/* Destroyed and its slot reused: not ours to take. */
	if (likely(mcs_rd64(&s->obj->gid) == gid)) {
		mcs_holds_settle(t, true);
		return 0;
	}
	glock_fast_unlock(&s->obj->lock, s->tag, mcs_thread_id(), &wake);
	return -EAGAIN;
}

void mcs_fastlock_locked(struct mcs_fastlocks *fl, uint64_t gid, int ret)
{
	(void)fl;
	(void)gid;
	mcs_holds_settle(&mcs_holds, !ret || ret == -EOWNERDEAD);
}

int mcs_fastlock_unlock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_fast_slot *s = mcs_fast_find(fl, gid);
	bool wake; /* kernel sleepers poll wseq, which the release moved */

	/* Still recorded until released: a thread ending here is asked. */
	if (!s || glock_fast_unlock(&s->obj->lock, s->tag, mcs_thread_id(),
				    &wake))
		return -EAGAIN;
	mcs_holds_drop(&mcs_holds, fl, gid);
	return 0;
}

void mcs_fastlock_unlocked(struct mcs_fastlocks *fl, uint64_t gid, int ret)
{
	/* -EPERM: the lock word does not name this thread (any more). */
	if (!ret || ret == -EPERM)
		mcs_holds_drop(&mcs_holds, fl, gid);
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

/* Under mcs_live_lock: abandon @h if its context is open and it is ours. */
static void mcs_abandon_hold(const struct mcs_thread_hold *h, uint32_t tid)
{
	struct mcs_fastlocks *fl;
	struct mcs_fast_slot *s;

	for (fl = mcs_live; fl; fl = fl->live_next)
		if (fl == h->fl && fl->serial == h->serial)
			break;
	/* Closed: its file's release abandoned what it had to. */
	if (!fl)
		return;
	s = mcs_fast_find(fl, h->gid);
	if (s)
		mcs_abandon_word(s->obj, h->gid, s->tag, tid);
	else
		mcs_abandon_unmapped(fl, h->gid, tid);
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
	struct mcs_thread_hold *h = mcs_holds_array(t);
	unsigned int i, n = t->nr + (t->pending ? 1 : 0);
	uint32_t tid = mcs_thread_id();

	t->armed = false;
	/*
	 * Other keys' destructors (in any order) may still unlock what the
	 * thread holds, as the kernel walks a robust list only after them
	 * all: set the key again to be called in the next round, and walk
	 * in the last one glibc runs.
	 */
	if (n && ++t->exit_round < PTHREAD_DESTRUCTOR_ITERATIONS &&
	    !pthread_setspecific(mcs_holds_key, t)) {
		t->armed = true;
		return;
	}
	if (n) {
		pthread_mutex_lock(&mcs_live_lock);
		for (i = 0; i < n; i++)
			mcs_abandon_hold(&h[i], tid);
		pthread_mutex_unlock(&mcs_live_lock);
	}
	t->nr = 0;
	t->pending = false;
	free(t->hold);
	t->hold = NULL;
	t->cap = 0;
}

void mcs_fastlocks_free(struct mcs_fastlocks *fl)
{
	struct mcs_fastlocks **pp;
	struct mcs_fast_page *p, *next;
	unsigned int i;

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
	/* What this thread still holds through it is the file's to abandon. */
	for (i = mcs_holds.nr; i--;)
		if (mcs_holds_array(&mcs_holds)[i].fl == fl)
			mcs_holds_drop(&mcs_holds, fl,
				       mcs_holds_array(&mcs_holds)[i].gid);
	for (p = fl->pages; p; p = next) {
		next = p->next;
		/* A child never had them: the addresses may be others' now. */
		if (fl->fork_gen == atomic_load(&mcs_fork_gen))
			munmap(p->addr, (size_t)sysconf(_SC_PAGESIZE));
		free(p);
	}
	free(fl);
}
