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
 * Usage: features    (no device needed; /dev/null stands in)
 * Exit 0 if every expectation held, 1 otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libmcs.h>

#define ALL_FEATURES                                                       \
	(MCS_FEAT_SEG | MCS_FEAT_NAME | MCS_FEAT_MUTEX | MCS_FEAT_MUTEX_MAP | \
	 MCS_FEAT_NOTIFY | MCS_FEAT_GEVENT | MCS_FEAT_NOTIFY_LEAVE)

static uint64_t features;     /* what the pretend kernel offers */
static int no_info;	      /* it has no MCS_IOC_INFO of this ABI */
static int info_calls, bad_argsz, fails;

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
		return 0;
	}
	if (cmd == MCS_IOC_MUTEX_CREATE) {
		mx = arg;
		mx->mmap_offset = 0;
		mx->lock_offset = 0;
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
