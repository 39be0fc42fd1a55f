// SPDX-License-Identifier: GPL-2.0
/*
 * lockpage - what a process can reach through the mapping of a mutex's
 * lock word (the fast path), for the isolation test (tests/vm/isolation.sh):
 *
 *   lockpage NAME   as nobody: make mutex NAME (mode 0600), map its lock
 *                   word's page as the kernel says to, and overwrite the
 *                   whole page but the lock word itself with 0xff; write
 *                   a live-looking owner (this node, its incarnation,
 *                   pid 1) into its own lock word; then try to map the
 *                   pages around it and two pages at once, which must
 *                   fail. Prints "wrote N bytes at offset O" and "around:
 *                   refused"; exit 0, or 1 if a mapping that must fail
 *                   did not (or anything else failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmcs.h"

static int fail(const char *what, int err)
{
	printf("%s: %s\n", what, strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	struct mcs_info info = { .argsz = sizeof(info) };
	struct mcs_mutex a = { .argsz = sizeof(a) };
	const long pg = sysconf(_SC_PAGESIZE);
	struct mcs_lock *lw;
	unsigned char *p;
	const char *name;
	int fd, bad = 0;
	void *q;

	if (argc != 2) {
		fprintf(stderr, "usage: lockpage NAME\n");
		return 1;
	}
	name = argv[1];
	if (setgid(65534) || setuid(65534))
		return fail("setuid nobody", errno);
	fd = open("/dev/mcs", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("/dev/mcs", errno);
	if (ioctl(fd, MCS_IOC_INFO, &info))
		return fail("info", errno);
	a.name = (uintptr_t)name;
	a.name_len = (uint32_t)strlen(name);
	a.mode = 0600;
	if (ioctl(fd, MCS_IOC_MUTEX_CREATE, &a))
		return fail("mutex create", errno);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)a.mmap_offset);
	if (p == MAP_FAILED)
		return fail("mmap", errno);
	/* Everything on the page but the lock word: a neighbour's, a table's. */
	memset(p, 0xff, a.lock_offset);
	memset(p + a.lock_offset + sizeof(*lw), 0xff,
	       (size_t)pg - a.lock_offset - sizeof(*lw));
	printf("wrote %ld bytes at offset %llu\n", pg - (long)sizeof(*lw),
	       (unsigned long long)a.mmap_offset);
	/* Its own lock: held, as far as the word says, by a live process. */
	lw = (struct mcs_lock *)(p + a.lock_offset);
	__atomic_store_n(&lw->owner, MCS_LOCK_TAG(info.node, info.incarnation, 1),
			 __ATOMIC_SEQ_CST);
	/* Nothing around it may be mapped, nor more than its page. */
	q = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)(a.mmap_offset - (uint64_t)pg));
	if (q != MAP_FAILED) {
		printf("the page before mapped\n");
		bad = 1;
	}
	q = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)(a.mmap_offset + (uint64_t)pg));
	if (q != MAP_FAILED) {
		printf("the page after mapped\n");
		bad = 1;
	}
	q = mmap(NULL, 2 * (size_t)pg, PROT_READ, MAP_SHARED, fd,
		 (off_t)a.mmap_offset);
	if (q != MAP_FAILED) {
		printf("two pages mapped\n");
		bad = 1;
	}
	if (!bad)
		printf("around: refused\n");
	return bad;
}
