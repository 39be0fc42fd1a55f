// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_atomic - proves that atomics on the fabric are atomic across
 * guests: each of GUESTS guests adds 1 to one fabric word ITERS times with
 * an atomic instruction; the total must come out exact. The same is done
 * with plain increments on another word, whose losses (reported, not
 * judged) show the guests really ran at the same time. And each guest
 * takes a compare-and-swap spin lock ITERS times (0 -> its tag, released
 * by tag -> 0) around a plain increment of a third word: every release
 * must find the guest's own tag, and that total must be exact too.
 *
 * Usage: fabric_atomic RESOURCE GUESTS ITERS [TIMEOUT_S]
 *
 * RESOURCE is the fabric as user space can map it: the ivshmem BAR, e.g.
 * /sys/bus/pci/devices/0000:00:04.0/resource2, before mcs_base owns it.
 * The words used are the first seven of the fabric's last page, which
 * must be zero when the first guest starts. The guests start together:
 * each waits until all have arrived. Exit 0 if the atomic total
 * is exact, 1 if not (or the other guests never finished), 2 on errors.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait until the counter at @w reaches @n (all guests got there). */
static int wait_for(uint64_t *w, uint64_t n, double timeout, const char *what)
{
	double t0 = now();
	uint64_t v;

	while ((v = __atomic_load_n(w, __ATOMIC_SEQ_CST)) < n) {
		if (now() - t0 > timeout) {
			printf("fabric_atomic: only %llu of %llu guests %s\n",
			       (unsigned long long)v, (unsigned long long)n, what);
			return 1;
		}
		usleep(1000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t guests, iters, i, total;
	volatile uint64_t *plain;
	uint64_t *atomic_w, *done_w, *arrived_w, *lock_w, *lost_w, tag;
	volatile uint64_t *locked;
	double t0, timeout;
	struct stat st;
	void *base;
	int fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: %s RESOURCE GUESTS ITERS [TIMEOUT_S]\n", argv[0]);
		return 2;
	}
	guests = strtoull(argv[2], NULL, 0);
	iters = strtoull(argv[3], NULL, 0);
	timeout = argc == 5 ? strtod(argv[4], NULL) : 120;
	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st) || st.st_size < 4096) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 2;
	}
	base = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    st.st_size - 4096);
	if (base == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", argv[0], strerror(errno));
		return 2;
	}
	atomic_w = base;
	plain = (volatile uint64_t *)base + 1;
	done_w = (uint64_t *)base + 2;
	arrived_w = (uint64_t *)base + 3;
	lock_w = (uint64_t *)base + 4;
	locked = (volatile uint64_t *)base + 5;
	lost_w = (uint64_t *)base + 6; /* releases that did not find the tag */
	tag = ((uint64_t)getpid() << 32 | (uint64_t)(now() * 1e6)) | 1;

	__atomic_fetch_add(arrived_w, 1, __ATOMIC_SEQ_CST);
	if (wait_for(arrived_w, guests, timeout, "started"))
		return 1;
	t0 = now();
	for (i = 0; i < iters; i++) {
		__atomic_fetch_add(atomic_w, 1, __ATOMIC_RELAXED);
		*plain = *plain + 1;
	}
	for (i = 0; i < iters; i++) {
		uint64_t want = 0;

		while (!__atomic_compare_exchange_n(lock_w, &want, tag, false,
						    __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST))
			want = 0;
		*locked = *locked + 1;
		want = tag;
		if (!__atomic_compare_exchange_n(lock_w, &want, 0, false,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST)) {
			__atomic_fetch_add(lost_w, 1, __ATOMIC_SEQ_CST);
			/* not ours: free it if nobody else holds it now */
			want = 0;
			__atomic_compare_exchange_n(lock_w, &want, 0, false,
						    __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
		}
	}
	printf("fabric_atomic: %llu increments in %.2f s\n",
	       (unsigned long long)iters, now() - t0);
	__atomic_fetch_add(done_w, 1, __ATOMIC_SEQ_CST);

	if (wait_for(done_w, guests, timeout, "finished"))
		return 1;
	total = __atomic_load_n(atomic_w, __ATOMIC_SEQ_CST);
	printf("fabric_atomic: atomic total %llu of %llu, plain total %llu (%llu lost)\n",
	       (unsigned long long)total, (unsigned long long)(guests * iters),
	       (unsigned long long)*plain,
	       (unsigned long long)(guests * iters - *plain));
	printf("fabric_atomic: cas-locked total %llu of %llu, %llu releases found another's tag\n",
	       (unsigned long long)*locked,
	       (unsigned long long)(guests * iters),
	       (unsigned long long)__atomic_load_n(lost_w, __ATOMIC_SEQ_CST));
	return total == guests * iters && *locked == guests * iters &&
	       !__atomic_load_n(lost_w, __ATOMIC_SEQ_CST) ? 0 : 1;
}
