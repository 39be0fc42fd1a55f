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
 * Lookups are lock-free: a fixed open-addressed table of GIDs, each slot
 * published with a release store after its lock pointer and tag are
 * written. A context that fills the table, or a forked child (the pages
 * are not inherited: VM_DONTCOPY), simply uses the kernel's ioctls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fastlock.h"
#include "lockword.h"
#include <linux/mcs.h>

#define MCS_FAST_SLOTS 1024 /* power of two */

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
	struct mcs_fast_page *pages;
	struct mcs_fast_slot slot[MCS_FAST_SLOTS];
};

static atomic_uint mcs_fork_gen;
/* initial-exec: no __tls_get_addr() call at every lock. */
static __thread uint32_t mcs_tid __attribute__((tls_model("initial-exec")));
static pthread_once_t mcs_fork_once = PTHREAD_ONCE_INIT;

/* In a child: the pages are gone, the thread id changed. */
static void mcs_fastlock_forked(void)
{
	atomic_fetch_add(&mcs_fork_gen, 1);
	mcs_tid = 0;
}

static void mcs_fastlock_init_once(void)
{
	pthread_atfork(NULL, NULL, mcs_fastlock_forked);
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

struct mcs_fastlocks *mcs_fastlocks_new(void)
{
	struct mcs_fastlocks *fl;

	pthread_once(&mcs_fork_once, mcs_fastlock_init_once);
	fl = calloc(1, sizeof(*fl));
	if (fl)
		fl->fork_gen = atomic_load(&mcs_fork_gen);
	return fl;
}

int mcs_fastlocks_add(struct mcs_fastlocks *fl, int fd, uint64_t gid,
		      uint64_t mmap_offset, uint32_t lock_offset)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	struct mcs_fast_slot *s;
	unsigned int i, h;
	uint8_t *page;

	if (lock_offset > (uint32_t)sysconf(_SC_PAGESIZE) -
			  sizeof(struct mcs_sync_obj))
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
	s->obj = (struct mcs_sync_obj *)(page + lock_offset);
	s->tag = MCS_LOCK_TAG(info.node, info.incarnation, getpid());
	atomic_store_explicit(&s->gid, gid, memory_order_release);
	return 0;
}

int mcs_fastlock_lock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_fast_slot *s = mcs_fast_find(fl, gid);
	bool wake;

	if (!s || !mcs_lock_fast_lock(&s->obj->lock, s->tag, mcs_thread_id()))
		return -EAGAIN;
	/* Destroyed and its slot reused: not ours to take. */
	if (mcs_rd64(&s->obj->gid) == gid)
		return 0;
	mcs_lock_fast_unlock(&s->obj->lock, s->tag, mcs_thread_id(), &wake);
	return -EAGAIN;
}

int mcs_fastlock_unlock(struct mcs_fastlocks *fl, uint64_t gid)
{
	struct mcs_fast_slot *s = mcs_fast_find(fl, gid);
	bool wake; /* kernel sleepers poll wseq, which the release moved */

	if (!s || mcs_lock_fast_unlock(&s->obj->lock, s->tag, mcs_thread_id(),
				    &wake))
		return -EAGAIN;
	return 0;
}

void mcs_fastlocks_free(struct mcs_fastlocks *fl)
{
	struct mcs_fast_page *p, *next;

	if (!fl)
		return;
	for (p = fl->pages; p; p = next) {
		next = p->next;
		/* A child never had them: the addresses may be others' now. */
		if (fl->fork_gen == atomic_load(&mcs_fork_gen))
			munmap(p->addr, (size_t)sysconf(_SC_PAGESIZE));
		free(p);
	}
	free(fl);
}
