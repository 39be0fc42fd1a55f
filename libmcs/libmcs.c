// SPDX-License-Identifier: LGPL-2.1
/*
 * libmcs.c - the procedural API of mcs over /dev/mcs.
 *
 * A context is one open file of /dev/mcs: the kernel keeps the shares of
 * that file and gives them back when it is closed (or the process dies).
 * The library adds what user space does best: the list of segments held
 * (their mmap offsets and sizes), the mappings made and the address
 * ranges reserved, so that unmapping inside a reservation keeps it
 * reserved and remapping keeps the address. One mutex per context makes
 * it thread-safe; the kernel serialises each file's commands anyway.
 *
 * Reservations are PROT_NONE anonymous mappings. Mapping into one is an
 * mmap(MAP_FIXED) of the segment over part of it; unmapping puts PROT_NONE
 * back. Remapping is an mmap(MAP_FIXED) of the other segment over the same
 * range: the kernel swaps them under the address space lock, so no other
 * mapping can take the range in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fastlock.h"
#include "libmcs.h"

#define MCS_EXPORT __attribute__((visibility("default")))
#define MCS_DEVICE "/dev/mcs"

struct mcs_held {
	struct mcs_held *next;
	uint64_t gid;
	uint64_t mmap_offset;
	uint64_t size;
	int writable;
};

struct mcs_range {
	struct mcs_range *next;
	uintptr_t addr;
	size_t len;
	/* mappings only */
	uint64_t gid;
	uint64_t offset;
	int prot;
	struct mcs_range *resv; /* the reservation it lies in, or NULL */
};

struct mcs_ctx {
	int fd;
	pthread_mutex_t lock;
	struct mcs_held *held;
	struct mcs_range *maps;
	struct mcs_range *resvs;
	struct mcs_fastlocks *fastlocks; /* mutexes opened: their lock words */
	uint64_t features;		 /* MCS_FEAT_* of the kernel */
};

/*
 * What a context needs of the kernel; without MCS_FEAT_MUTEX_MAP mutexes
 * still work, through the kernel every time.
 */
#define MCS_CTX_NEEDS (MCS_FEAT_SEG | MCS_FEAT_NAME | MCS_FEAT_MUTEX | \
		       MCS_FEAT_GEVENT)

static long mcs_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static int mcs_ioctl(struct mcs_ctx *ctx, unsigned long cmd, void *arg)
{
	return ioctl(ctx->fd, cmd, arg) ? -errno : 0;
}

/*
 * The kernel's features, checked against @needs: -EOPNOTSUPP if one is
 * missing; -ENOTTY from a /dev/mcs without MCS_IOC_INFO of this ABI (an
 * older driver, or not mcs at all).
 */
static int mcs_info_check(int fd, uint64_t needs, struct mcs_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	if (ioctl(fd, MCS_IOC_INFO, info))
		return -errno;
	return (info->features & needs) == needs ? 0 : -EOPNOTSUPP;
}

MCS_EXPORT int mcs_open(struct mcs_ctx **ctxp, const char *device)
{
	struct mcs_info info;
	struct mcs_ctx *ctx;
	int ret;

	if (!ctxp)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->fd = open(device ? device : MCS_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctx->fd < 0) {
		ret = -errno;
		goto out_free;
	}
	ret = mcs_info_check(ctx->fd, MCS_CTX_NEEDS, &info);
	if (ret)
		goto out_close;
	ctx->features = info.features;
	ctx->fastlocks = mcs_fastlocks_new(ctx->fd);
	if (!ctx->fastlocks) {
		ret = -ENOMEM;
		goto out_close;
	}
	ret = pthread_mutex_init(&ctx->lock, NULL);
	if (ret) {
		ret = -ret;
		goto out_fastlocks;
	}
	*ctxp = ctx;
	return 0;

out_fastlocks:
	mcs_fastlocks_free(ctx->fastlocks);
out_close:
	close(ctx->fd);
out_free:
	free(ctx);
	return ret;
}

static void mcs_free_ranges(struct mcs_range *r)
{
	struct mcs_range *next;

	for (; r; r = next) {
		next = r->next;
		free(r);
	}
}

MCS_EXPORT void mcs_close(struct mcs_ctx *ctx)
{
	struct mcs_range *m;

	if (!ctx)
		return;
	for (m = ctx->maps; m; m = m->next)
		munmap((void *)m->addr, m->len);
	for (m = ctx->resvs; m; m = m->next)
		munmap((void *)m->addr, m->len);
	/* Before the file: exiting threads' walks may use its descriptor. */
	mcs_fastlocks_free(ctx->fastlocks);
	/* The kernel gives back every share of the file. */
	close(ctx->fd);
	while (ctx->held) {
		struct mcs_held *h = ctx->held;

		ctx->held = h->next;
		free(h);
	}
	mcs_free_ranges(ctx->maps);
	mcs_free_ranges(ctx->resvs);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

MCS_EXPORT int mcs_node(struct mcs_ctx *ctx, uint32_t *node,
			uint32_t *incarnation)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	int ret;

	if (!ctx)
		return -EINVAL;
	ret = mcs_ioctl(ctx, MCS_IOC_INFO, &info);
	if (ret)
		return ret;
	if (info.node == MCS_NODE_NONE)
		return -ENOTCONN;
	if (node)
		*node = info.node;
	if (incarnation)
		*incarnation = info.incarnation;
	return 0;
}

static struct mcs_held *mcs_held_find(struct mcs_ctx *ctx, uint64_t gid)
{
	struct mcs_held *h;

	for (h = ctx->held; h; h = h->next)
		if (h->gid == gid)
			return h;
	return NULL;
}

/* Record a share the kernel granted; ctx->lock held. */
static int mcs_held_add(struct mcs_ctx *ctx, const struct mcs_seg *a)
{
	struct mcs_held *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->gid = a->gid;
	h->mmap_offset = a->mmap_offset;
	h->size = a->size;
	h->writable = !!(a->state & MCS_SEG_S_WRITABLE);
	h->next = ctx->held;
	ctx->held = h;
	return 0;
}

/* A share was granted but cannot be recorded: give it back. */
static int mcs_grant_failed(struct mcs_ctx *ctx, uint64_t gid, int ret)
{
	struct mcs_seg a = { .argsz = sizeof(a), .gid = gid };

	mcs_ioctl(ctx, MCS_IOC_SEG_RELEASE, &a);
	return ret;
}

MCS_EXPORT int mcs_seg_create(struct mcs_ctx *ctx, uint64_t gid,
			      uint64_t size, int place, unsigned int mode)
{
	struct mcs_seg a = {
		.argsz = sizeof(a),
		.gid = gid,
		.size = size,
		.place = place,
		.mode = mode,
	};
	int ret;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	ret = mcs_ioctl(ctx, MCS_IOC_SEG_CREATE, &a);
	if (!ret) {
		ret = mcs_held_add(ctx, &a);
		if (ret)
			ret = mcs_grant_failed(ctx, gid, ret);
	}
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

MCS_EXPORT int mcs_seg_open(struct mcs_ctx *ctx, uint64_t gid,
			    unsigned int flags)
{
	struct mcs_seg a = {
		.argsz = sizeof(a),
		.flags = flags,
		.gid = gid,
	};
	int ret;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	ret = mcs_ioctl(ctx, MCS_IOC_SEG_OPEN, &a);
	if (!ret) {
		ret = mcs_held_add(ctx, &a);
		if (ret)
			ret = mcs_grant_failed(ctx, gid, ret);
	}
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

MCS_EXPORT int mcs_seg_release(struct mcs_ctx *ctx, uint64_t gid)
{
	struct mcs_seg a = { .argsz = sizeof(a), .gid = gid };
	struct mcs_held **hp, *h;
	int ret;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	/* -EBUSY from the kernel while a mapping of it is left. */
	ret = mcs_ioctl(ctx, MCS_IOC_SEG_RELEASE, &a);
	if (!ret) {
		for (hp = &ctx->held; (h = *hp); hp = &h->next) {
			if (h->gid == gid) {
				*hp = h->next;
				free(h);
				break;
			}
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

MCS_EXPORT int mcs_seg_destroy(struct mcs_ctx *ctx, uint64_t gid)
{
	struct mcs_seg a = { .argsz = sizeof(a), .gid = gid };

	if (!ctx)
		return -EINVAL;
	return mcs_ioctl(ctx, MCS_IOC_SEG_DESTROY, &a);
}

MCS_EXPORT int mcs_seg_stat(struct mcs_ctx *ctx, uint64_t gid,
			    struct mcs_seg_stat *st)
{
	struct mcs_seg a = { .argsz = sizeof(a), .gid = gid };
	int ret;

	if (!ctx || !st)
		return -EINVAL;
	ret = mcs_ioctl(ctx, MCS_IOC_SEG_STAT, &a);
	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	st->gid = gid;
	st->size = a.size;
	st->owner_uid = a.owner_uid;
	st->owner_gid = a.owner_gid;
	st->mode = a.mode;
	st->home = a.home;
	st->nr_sharers = a.nr_sharers;
	st->state = a.state;
	return 0;
}

/* Fill the name fields of an argument; -EINVAL without a name. */
static int mcs_name_arg(struct mcs_name *a, const char *name)
{
	if (!name)
		return -EINVAL;
	a->argsz = sizeof(*a);
	a->name = (uintptr_t)name;
	a->name_len = (uint32_t)strnlen(name, MCS_NAME_MAX + 2);
	return 0;
}

/* Record a share granted by name, as mcs_held_add() does; lock held. */
static int mcs_held_add_named(struct mcs_ctx *ctx, const struct mcs_name *n)
{
	struct mcs_seg a = {
		.argsz = sizeof(a),
		.gid = n->gid,
		.size = n->size,
		.mmap_offset = n->mmap_offset,
		.state = n->state,
	};

	return mcs_held_add(ctx, &a);
}

/* Create or open by name, and track the share the kernel granted. */
static int mcs_seg_grant_named(struct mcs_ctx *ctx, unsigned long cmd,
			      struct mcs_name *a, uint64_t *gid)
{
	int ret;

	pthread_mutex_lock(&ctx->lock);
	ret = mcs_ioctl(ctx, cmd, a);
	if (!ret) {
		ret = mcs_held_add_named(ctx, a);
		if (ret)
			ret = mcs_grant_failed(ctx, a->gid, ret);
	}
	pthread_mutex_unlock(&ctx->lock);
	if (!ret && gid)
		*gid = a->gid;
	return ret;
}

MCS_EXPORT int mcs_seg_create_name(struct mcs_ctx *ctx, const char *name,
				   uint64_t size, int place, unsigned int mode,
				   uint64_t *gid)
{
	struct mcs_name a = { .size = size, .place = place, .mode = mode };
	int ret;

	if (!ctx)
		return -EINVAL;
	ret = mcs_name_arg(&a, name);
	if (ret)
		return ret;
	return mcs_seg_grant_named(ctx, MCS_IOC_NAME_SEG_CREATE, &a, gid);
}

MCS_EXPORT int mcs_seg_open_name(struct mcs_ctx *ctx, const char *name,
				 unsigned int flags, uint64_t *gid)
{
	struct mcs_name a = { .flags = flags };
	int ret;

	if (!ctx)
		return -EINVAL;
	ret = mcs_name_arg(&a, name);
	if (ret)
		return ret;
	return mcs_seg_grant_named(ctx, MCS_IOC_NAME_SEG_OPEN, &a, gid);
}

MCS_EXPORT int mcs_name_unlink(struct mcs_ctx *ctx, const char *name)
{
	struct mcs_name a = { 0 };
	int ret;

	if (!ctx)
		return -EINVAL;
	ret = mcs_name_arg(&a, name);
	if (ret)
		return ret;
	return mcs_ioctl(ctx, MCS_IOC_NAME_UNLINK, &a);
}

MCS_EXPORT int mcs_name_lookup(struct mcs_ctx *ctx, const char *name,
			       uint64_t *gid, uint32_t *type)
{
	struct mcs_name a = { 0 };
	int ret;

	if (!ctx)
		return -EINVAL;
	ret = mcs_name_arg(&a, name);
	if (ret)
		return ret;
	ret = mcs_ioctl(ctx, MCS_IOC_NAME_LOOKUP, &a);
	if (ret)
		return ret;
	if (gid)
		*gid = a.gid;
	if (type)
		*type = a.type;
	return 0;
}

/* The name of a mutex or event argument; -EINVAL for none or "". */
static int mcs_sync_name(const char *name, __u64 *uname, __u32 *name_len)
{
	if (!name)
		return -EINVAL;
	*uname = (uintptr_t)name;
	*name_len = (uint32_t)strnlen(name, MCS_NAME_MAX + 2);
	return *name_len ? 0 : -EINVAL;
}

/* Create or open a mutex (@a names it) and map its lock word. */
static int mcs_mutex_opened(struct mcs_ctx *ctx, unsigned long cmd,
			    struct mcs_mutex *a, uint64_t *gid)
{
	int ret = mcs_ioctl(ctx, cmd, a);

	if (ret)
		return ret;
	if (gid)
		*gid = a->gid;
	if (!(ctx->features & MCS_FEAT_MUTEX_MAP))
		return 0;
	/* Without its lock word mapped, the mutex still works (ioctls). */
	pthread_mutex_lock(&ctx->lock);
	mcs_fastlocks_add(ctx->fastlocks, ctx->fd, a->gid, a->mmap_offset,
			  a->lock_offset);
	pthread_mutex_unlock(&ctx->lock);
	return 0;
}

MCS_EXPORT int mcs_mutex_create(struct mcs_ctx *ctx, uint64_t gid,
				unsigned int mode)
{
	struct mcs_mutex a = { .argsz = sizeof(a), .mode = mode, .gid = gid };

	if (!ctx)
		return -EINVAL;
	return mcs_mutex_opened(ctx, MCS_IOC_MUTEX_CREATE, &a, NULL);
}

MCS_EXPORT int mcs_mutex_create_name(struct mcs_ctx *ctx, const char *name,
				     unsigned int mode, uint64_t *gid)
{
	struct mcs_mutex a = { .argsz = sizeof(a), .mode = mode };

	if (!ctx || mcs_sync_name(name, &a.name, &a.name_len))
		return -EINVAL;
	return mcs_mutex_opened(ctx, MCS_IOC_MUTEX_CREATE, &a, gid);
}

MCS_EXPORT int mcs_mutex_open(struct mcs_ctx *ctx, uint64_t gid)
{
	struct mcs_mutex a = { .argsz = sizeof(a), .gid = gid };

	if (!ctx)
		return -EINVAL;
	return mcs_mutex_opened(ctx, MCS_IOC_MUTEX_OPEN, &a, NULL);
}

MCS_EXPORT int mcs_mutex_open_name(struct mcs_ctx *ctx, const char *name,
				   uint64_t *gid)
{
	struct mcs_mutex a = { .argsz = sizeof(a) };

	if (!ctx || mcs_sync_name(name, &a.name, &a.name_len))
		return -EINVAL;
	return mcs_mutex_opened(ctx, MCS_IOC_MUTEX_OPEN, &a, gid);
}

static int mcs_mutex_cmd(struct mcs_ctx *ctx, unsigned long cmd, uint64_t gid,
			 uint32_t flags, uint64_t timeout_ns)
{
	struct mcs_mutex a = {
		.argsz = sizeof(a),
		.flags = flags,
		.gid = gid,
		.timeout_ns = timeout_ns,
	};

	if (!ctx)
		return -EINVAL;
	return mcs_ioctl(ctx, cmd, &a);
}

MCS_EXPORT int mcs_mutex_destroy(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_mutex_cmd(ctx, MCS_IOC_MUTEX_DESTROY, gid, 0, 0);
}

/*
 * Lock: the free lock in user space first, else the kernel waits. Either
 * way the calling thread records what it holds (fastlock.c).
 */
static int mcs_mutex_acquire(struct mcs_ctx *ctx, uint64_t gid, uint32_t flags,
			     uint64_t timeout_ns)
{
	int ret;

	if (!ctx)
		return -EINVAL;
	ret = mcs_fastlock_lock(ctx->fastlocks, gid);
	if (ret != -EAGAIN)
		return ret;
	ret = mcs_mutex_cmd(ctx, MCS_IOC_MUTEX_LOCK, gid, flags, timeout_ns);
	mcs_fastlock_locked(ctx->fastlocks, gid, ret);
	return ret;
}

MCS_EXPORT int mcs_mutex_lock(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_mutex_acquire(ctx, gid, 0, 0);
}

MCS_EXPORT int mcs_mutex_trylock(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_mutex_acquire(ctx, gid, MCS_MUTEX_TRY, 0);
}

MCS_EXPORT int mcs_mutex_timedlock(struct mcs_ctx *ctx, uint64_t gid,
				   uint64_t timeout_ns)
{
	return mcs_mutex_acquire(ctx, gid, MCS_MUTEX_TIMED, timeout_ns);
}

MCS_EXPORT int mcs_mutex_unlock(struct mcs_ctx *ctx, uint64_t gid)
{
	int ret;

	if (!ctx)
		return -EINVAL;
	if (!mcs_fastlock_unlock(ctx->fastlocks, gid))
		return 0;
	ret = mcs_mutex_cmd(ctx, MCS_IOC_MUTEX_UNLOCK, gid, 0, 0);
	mcs_fastlock_unlocked(ctx->fastlocks, gid, ret);
	return ret;
}

MCS_EXPORT int mcs_mutex_consistent(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_mutex_cmd(ctx, MCS_IOC_MUTEX_CONSISTENT, gid, 0, 0);
}

/* Create or open a global event (@a names it). */
static int mcs_event_opened(struct mcs_ctx *ctx, unsigned long cmd,
			    struct mcs_gevent *a, uint64_t *gid)
{
	int ret = mcs_ioctl(ctx, cmd, a);

	if (!ret && gid)
		*gid = a->gid;
	return ret;
}

#define MCS_EVENT_CREATE_FLAGS (MCS_GEVENT_AUTO | MCS_GEVENT_SIGNALED)

MCS_EXPORT int mcs_event_create(struct mcs_ctx *ctx, uint64_t gid,
				unsigned int flags, unsigned int mode)
{
	struct mcs_gevent a = {
		.argsz = sizeof(a),
		.flags = flags,
		.mode = mode,
		.gid = gid,
	};

	if (!ctx || flags & ~MCS_EVENT_CREATE_FLAGS)
		return -EINVAL;
	return mcs_event_opened(ctx, MCS_IOC_GEVENT_CREATE, &a, NULL);
}

MCS_EXPORT int mcs_event_create_name(struct mcs_ctx *ctx, const char *name,
				     unsigned int flags, unsigned int mode,
				     uint64_t *gid)
{
	struct mcs_gevent a = {
		.argsz = sizeof(a),
		.flags = flags,
		.mode = mode,
	};

	if (!ctx || flags & ~MCS_EVENT_CREATE_FLAGS ||
	    mcs_sync_name(name, &a.name, &a.name_len))
		return -EINVAL;
	return mcs_event_opened(ctx, MCS_IOC_GEVENT_CREATE, &a, gid);
}

MCS_EXPORT int mcs_event_open(struct mcs_ctx *ctx, uint64_t gid)
{
	struct mcs_gevent a = { .argsz = sizeof(a), .gid = gid };

	if (!ctx)
		return -EINVAL;
	return mcs_event_opened(ctx, MCS_IOC_GEVENT_OPEN, &a, NULL);
}

MCS_EXPORT int mcs_event_open_name(struct mcs_ctx *ctx, const char *name,
				   uint64_t *gid)
{
	struct mcs_gevent a = { .argsz = sizeof(a) };

	if (!ctx || mcs_sync_name(name, &a.name, &a.name_len))
		return -EINVAL;
	return mcs_event_opened(ctx, MCS_IOC_GEVENT_OPEN, &a, gid);
}

static int mcs_event_cmd(struct mcs_ctx *ctx, unsigned long cmd, uint64_t gid,
			 uint32_t flags, uint64_t timeout_ns)
{
	struct mcs_gevent a = {
		.argsz = sizeof(a),
		.flags = flags,
		.gid = gid,
		.timeout_ns = timeout_ns,
	};

	if (!ctx)
		return -EINVAL;
	return mcs_ioctl(ctx, cmd, &a);
}

MCS_EXPORT int mcs_event_destroy(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_event_cmd(ctx, MCS_IOC_GEVENT_DESTROY, gid, 0, 0);
}

MCS_EXPORT int mcs_event_set(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_event_cmd(ctx, MCS_IOC_GEVENT_SET, gid, 0, 0);
}

MCS_EXPORT int mcs_event_reset(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_event_cmd(ctx, MCS_IOC_GEVENT_RESET, gid, 0, 0);
}

MCS_EXPORT int mcs_event_wait(struct mcs_ctx *ctx, uint64_t gid)
{
	return mcs_event_cmd(ctx, MCS_IOC_GEVENT_WAIT, gid, 0, 0);
}

MCS_EXPORT int mcs_event_timedwait(struct mcs_ctx *ctx, uint64_t gid,
				   uint64_t timeout_ns)
{
	return mcs_event_cmd(ctx, MCS_IOC_GEVENT_WAIT, gid, MCS_GEVENT_TIMED,
			     timeout_ns);
}

/*
 * A notifier is an open file of /dev/mcs of its own, subscribed to
 * cluster events and non-blocking: mcs_notify_read() waits with poll().
 * It holds no other state, so it is thread-safe without a lock (the
 * kernel hands each record to one reader).
 */
struct mcs_notifier {
	int fd;
	uint64_t features; /* MCS_FEAT_* of the kernel */
};

MCS_EXPORT int mcs_notify_open(struct mcs_notifier **nfp, const char *device,
			       uint32_t mask, uint64_t *seq)
{
	struct mcs_info info;
	struct mcs_notify a = {
		.argsz = sizeof(a),
		.mask = mask,
	};
	struct mcs_notifier *nf;
	uint64_t needs = MCS_FEAT_NOTIFY;
	int ret;

	if (!nfp)
		return -EINVAL;
	if (mask & MCS_EV_MASK(MCS_EV_LEAVING))
		needs |= MCS_FEAT_NOTIFY_LEAVE;
	nf = calloc(1, sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	nf->fd = open(device ? device : MCS_DEVICE,
		      O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (nf->fd < 0) {
		ret = -errno;
		goto out_free;
	}
	ret = mcs_info_check(nf->fd, needs, &info);
	nf->features = info.features;
	if (!ret)
		ret = ioctl(nf->fd, MCS_IOC_NOTIFY_SUBSCRIBE, &a) ? -errno : 0;
	if (!ret && a.record_size != sizeof(struct mcs_notify_rec))
		ret = -EPROTO;
	if (ret)
		goto out_close;
	if (seq)
		*seq = a.seq;
	*nfp = nf;
	return 0;

out_close:
	close(nf->fd);
out_free:
	free(nf);
	return ret;
}

MCS_EXPORT void mcs_notify_close(struct mcs_notifier *nf)
{
	if (!nf)
		return;
	close(nf->fd);
	free(nf);
}

MCS_EXPORT int mcs_notify_fd(struct mcs_notifier *nf)
{
	return nf ? nf->fd : -EINVAL;
}

MCS_EXPORT int mcs_notify_ack(struct mcs_notifier *nf, uint64_t seq)
{
	struct mcs_notify_ack a = {
		.argsz = sizeof(a),
		.seq = seq,
	};

	if (!nf)
		return -EINVAL;
	if (!(nf->features & MCS_FEAT_NOTIFY_LEAVE))
		return -EOPNOTSUPP;
	return ioctl(nf->fd, MCS_IOC_NOTIFY_ACK, &a) ? -errno : 0;
}

MCS_EXPORT int mcs_notify_read(struct mcs_notifier *nf, struct mcs_notice *ev,
			       int timeout_ms)
{
	struct mcs_notify_rec rec;
	struct pollfd pfd;
	ssize_t n;
	int ret;

	if (!nf || !ev)
		return -EINVAL;
	for (;;) {
		n = read(nf->fd, &rec, sizeof(rec));
		if (n == (ssize_t)sizeof(rec))
			break;
		if (n >= 0)
			return -EIO; /* the kernel writes whole records */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !timeout_ms)
			return -errno;
		pfd.fd = nf->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* Waits are restarted whole after a signal: fine for an event. */
		ret = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		if (pfd.revents & (POLLERR | POLLNVAL))
			return -EIO;
	}
	memset(ev, 0, sizeof(*ev));
	ev->seq = rec.seq;
	ev->type = rec.type;
	ev->node = rec.node;
	ev->incarnation = rec.incarnation;
	ev->flags = rec.flags;
	ev->arg = rec.arg;
	return 0;
}

static struct mcs_range *mcs_range_at(struct mcs_range *list, uintptr_t addr)
{
	for (; list; list = list->next)
		if (list->addr == addr)
			return list;
	return NULL;
}

/* The reservation that holds [addr, addr + len), or NULL. */
static struct mcs_range *mcs_resv_holding(struct mcs_ctx *ctx, uintptr_t addr,
					  size_t len)
{
	struct mcs_range *r;

	for (r = ctx->resvs; r; r = r->next)
		if (addr >= r->addr && addr - r->addr < r->len &&
		    len <= r->len - (addr - r->addr))
			return r;
	return NULL;
}

static int mcs_overlaps_map(struct mcs_ctx *ctx, uintptr_t addr, size_t len)
{
	struct mcs_range *m;

	for (m = ctx->maps; m; m = m->next)
		if (addr < m->addr + m->len && m->addr < addr + len)
			return 1;
	return 0;
}

/* Can the held segment back [offset, offset + len) with prot? */
static int mcs_map_check(struct mcs_held *h, uint64_t offset, size_t len,
			 int prot)
{
	if (!h)
		return -ENOENT;
	if (offset >= h->size || len > h->size - offset)
		return -EINVAL;
	if ((prot & PROT_WRITE) && !h->writable)
		return -EACCES;
	return 0;
}

MCS_EXPORT int mcs_seg_map(struct mcs_ctx *ctx, uint64_t gid, uint64_t offset,
			   size_t length, int prot, void *addr, void **mapped)
{
	uintptr_t a = (uintptr_t)addr;
	long page = mcs_page_size();
	struct mcs_range *m, *resv = NULL;
	struct mcs_held *h;
	void *p;
	int ret;

	if (!ctx || !mapped || !length || offset % page || length % page ||
	    a % page || prot & ~(PROT_READ | PROT_WRITE))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_lock(&ctx->lock);
	h = mcs_held_find(ctx, gid);
	ret = mcs_map_check(h, offset, length, prot);
	if (ret)
		goto out_unlock;
	if (addr) {
		/* Only into a reservation of this context, not over a map. */
		ret = -EINVAL;
		resv = mcs_resv_holding(ctx, a, length);
		if (!resv)
			goto out_unlock;
		ret = -EBUSY;
		if (mcs_overlaps_map(ctx, a, length))
			goto out_unlock;
	}
	p = mmap(addr, length, prot, MAP_SHARED | (addr ? MAP_FIXED : 0),
		 ctx->fd, h->mmap_offset + offset);
	if (p == MAP_FAILED) {
		ret = -errno;
		/* A failed MAP_FIXED may have taken the reservation away. */
		if (addr)
			mmap(addr, length, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				     MAP_FIXED, -1, 0);
		goto out_unlock;
	}
	m->addr = (uintptr_t)p;
	m->len = length;
	m->gid = gid;
	m->offset = offset;
	m->prot = prot;
	m->resv = resv;
	m->next = ctx->maps;
	ctx->maps = m;
	*mapped = p;
	pthread_mutex_unlock(&ctx->lock);
	return 0;

out_unlock:
	pthread_mutex_unlock(&ctx->lock);
	free(m);
	return ret;
}

MCS_EXPORT int mcs_seg_unmap(struct mcs_ctx *ctx, void *addr)
{
	struct mcs_range **mp, *m;
	int ret = -EINVAL;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	for (mp = &ctx->maps; (m = *mp); mp = &m->next) {
		if (m->addr != (uintptr_t)addr)
			continue;
		if (m->resv)
			/* Back to reserved: nobody else may take the range. */
			ret = mmap(addr, m->len, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
					   MAP_FIXED, -1, 0) == MAP_FAILED ?
				      -errno : 0;
		else
			ret = munmap(addr, m->len) ? -errno : 0;
		if (!ret) {
			*mp = m->next;
			free(m);
		}
		break;
	}
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

MCS_EXPORT int mcs_seg_remap(struct mcs_ctx *ctx, void *addr, uint64_t gid,
			     uint64_t offset)
{
	struct mcs_held *h, *old;
	struct mcs_range *m;
	int ret;

	if (!ctx || offset % mcs_page_size())
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	ret = -EINVAL;
	m = mcs_range_at(ctx->maps, (uintptr_t)addr);
	if (!m)
		goto out_unlock;
	/* Check everything first: a failed MAP_FIXED leaves a hole. */
	h = mcs_held_find(ctx, gid);
	ret = mcs_map_check(h, offset, m->len, m->prot);
	if (ret)
		goto out_unlock;
	if (mmap(addr, m->len, m->prot, MAP_SHARED | MAP_FIXED, ctx->fd,
		 h->mmap_offset + offset) == MAP_FAILED) {
		ret = -errno;
		/* Put the old segment back, or at least the reservation. */
		old = mcs_held_find(ctx, m->gid);
		if (mmap(addr, m->len, m->prot, MAP_SHARED | MAP_FIXED, ctx->fd,
			 old->mmap_offset + m->offset) != MAP_FAILED)
			goto out_unlock;
		if (m->resv)
			mmap(addr, m->len, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				     MAP_FIXED, -1, 0);
		for (struct mcs_range **mp = &ctx->maps; *mp; mp = &(*mp)->next) {
			if (*mp == m) {
				*mp = m->next;
				free(m);
				break;
			}
		}
		goto out_unlock;
	}
	m->gid = gid;
	m->offset = offset;
out_unlock:
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

/* Reserve [addr, addr + len) exactly, or fail with -EEXIST. */
static int mcs_reserve_fixed(struct mcs_ctx *ctx, void *addr, size_t len,
			     void **out)
{
	struct mcs_range *r;
	void *p;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	p = mmap(addr, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 (addr ? MAP_FIXED_NOREPLACE : 0), -1, 0);
	if (p == MAP_FAILED) {
		free(r);
		return -errno;
	}
	/* A kernel before 4.17 ignores MAP_FIXED_NOREPLACE. */
	if (addr && p != addr) {
		munmap(p, len);
		free(r);
		return -EEXIST;
	}
	r->addr = (uintptr_t)p;
	r->len = len;
	pthread_mutex_lock(&ctx->lock);
	r->next = ctx->resvs;
	ctx->resvs = r;
	pthread_mutex_unlock(&ctx->lock);
	*out = p;
	return 0;
}

MCS_EXPORT int mcs_va_reserve(struct mcs_ctx *ctx, void *addr, size_t length,
			      unsigned int flags, void **reserved)
{
	long page = mcs_page_size();
	int ret;

	if (!ctx || !reserved || !length || length % page ||
	    (uintptr_t)addr % page || flags & ~MCS_VA_FIXED ||
	    ((flags & MCS_VA_FIXED) && !addr))
		return -EINVAL;
	if (flags & MCS_VA_FIXED)
		return mcs_reserve_fixed(ctx, addr, length, reserved);
	/* A hint: try it, else anywhere. */
	ret = addr ? mcs_reserve_fixed(ctx, addr, length, reserved) : -EEXIST;
	if (ret == -EEXIST)
		ret = mcs_reserve_fixed(ctx, NULL, length, reserved);
	return ret;
}

/* Spread keys over the window: a 64-bit finaliser (splitmix64). */
static uint64_t mcs_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

MCS_EXPORT int mcs_va_reserve_shared(struct mcs_ctx *ctx, uint64_t key,
				     size_t length, void **reserved)
{
	uint64_t slot = mcs_mix(key) % MCS_VA_SHARED_SLOTS;
	void *addr = (void *)(uintptr_t)(MCS_VA_SHARED_BASE +
					 slot * MCS_VA_SHARED_SLOT);

	if (!ctx || !reserved || !length || length % mcs_page_size() ||
	    length > MCS_VA_SHARED_SLOT)
		return -EINVAL;
	return mcs_reserve_fixed(ctx, addr, length, reserved);
}

MCS_EXPORT int mcs_va_unreserve(struct mcs_ctx *ctx, void *addr)
{
	struct mcs_range **rp, *r;
	int ret = -EINVAL;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	for (rp = &ctx->resvs; (r = *rp); rp = &r->next) {
		if (r->addr != (uintptr_t)addr)
			continue;
		ret = -EBUSY;
		if (mcs_overlaps_map(ctx, r->addr, r->len))
			break;
		ret = munmap(addr, r->len) ? -errno : 0;
		if (!ret) {
			*rp = r->next;
			free(r);
		}
		break;
	}
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}
