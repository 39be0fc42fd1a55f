// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz - random and structure-aware use of /dev/mcs by an
 * unprivileged user, for the ioctl fuzz test (tests/vm/ioctl-fuzz.sh).
 *
 * usage: ioctl_fuzz SECONDS SEED [WORKERS]
 *
 * Drops to uid/gid 65534 (nobody), then runs WORKERS processes (default
 * 3) for SECONDS. Each opens /dev/mcs (sometimes twice) and does, at
 * random: every /dev/mcs ioctl with an argument whose header is mostly
 * valid (argsz right, a little short, a little long with a zero or a
 * non-zero tail, or wrong) and whose fields come from values that matter
 * (a small pool of GIDs and names it also creates, page sizes, places,
 * modes, short timeouts) or are random; mmap of the file at offsets the
 * kernel gave out or at random ones, touching the mapping (SIGBUS and
 * SIGSEGV are caught and counted); munmap; read and poll of a subscribed
 * file; close and reopen; fork (the child does a few calls and exits).
 * The parent kills a random worker now and then and starts another, so
 * that files close with locks held, waiters waiting and mappings live.
 * Nothing here checks results: the kernel must survive it (the test
 * judges the guests' logs, the checker and a normal workload afterwards).
 *
 * Prints "ioctl_fuzz: N calls, N ioctls succeeded, N mappings made, N
 * faults caught, N workers killed".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mcs.h>

#define MAX_FDS 3
#define MAX_MAPS 8
#define MAX_OFFS 16

struct counters {
	uint64_t calls, ok, maps, faults, killed;
};

static struct counters *cnt;
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t in_touch;
static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

#define PICK(a) pick(a, sizeof(a) / sizeof(a[0]))

static const uint64_t gids[] = {
	0, ~0ULL, 0xf000, 0xf001, 0xf002, 0xf003, 0x4000000000000001ULL,
	0x4000000000000002ULL, 1ULL << 62, 0x7fffffffffffffffULL,
};
/*
 * At most 64 KiB each: with the pools of GIDs and names above, what the
 * workers leave behind fits the test's fabric, so the workload after the
 * fuzzing can still allocate. (Without per-user limits, 1 MiB segments
 * filled a partition for good: ENOSPC for everyone after.)
 */
static const uint64_t sizes[] = {
	0, 1, 4096, 8192, 65536, 4095, 1ULL << 40, ~0ULL,
};
static const uint64_t places[] = {
	(uint64_t)-1, (uint64_t)-2, 0, 1, 2, 63, 64, 0x7fffffff,
};
static const uint64_t modes[] = { 0600, 0666, 0644, 0, 07777, 0400 };
static const uint64_t timeouts[] = { 1, 1000, 1000000, 20000000 };
static const char *const names[] = { "fz0", "fz1", "fz2", "/fz3", "fz4" };

static char namebuf[512];
/* mmap offsets the kernel gave out: segments' and lock words' pages. */
static uint64_t offs[2][MAX_OFFS];
static unsigned int nr_offs[2];

struct cmd {
	unsigned long nr;
	size_t size;
	unsigned int kind; /* what its fields are */
};

enum { K_INFO, K_SEG, K_NAME, K_SYNC, K_NOTIFY, K_ACK };

/* Every argument, with room for a tail past the largest. */
union arg {
	uint32_t w[64];
	struct mcs_info info;
	struct mcs_seg seg;
	struct mcs_name name;
	struct mcs_mutex mutex;
	struct mcs_gevent gevent;
	struct mcs_notify notify;
	struct mcs_notify_ack ack;
};

static const struct cmd cmds[] = {
	{ MCS_IOC_INFO, sizeof(struct mcs_info), K_INFO },
	{ MCS_IOC_SEG_CREATE, sizeof(struct mcs_seg), K_SEG },
	{ MCS_IOC_SEG_OPEN, sizeof(struct mcs_seg), K_SEG },
	{ MCS_IOC_SEG_RELEASE, sizeof(struct mcs_seg), K_SEG },
	{ MCS_IOC_SEG_DESTROY, sizeof(struct mcs_seg), K_SEG },
	{ MCS_IOC_SEG_STAT, sizeof(struct mcs_seg), K_SEG },
	{ MCS_IOC_NAME_SEG_CREATE, sizeof(struct mcs_name), K_NAME },
	{ MCS_IOC_NAME_SEG_OPEN, sizeof(struct mcs_name), K_NAME },
	{ MCS_IOC_NAME_UNLINK, sizeof(struct mcs_name), K_NAME },
	{ MCS_IOC_NAME_LOOKUP, sizeof(struct mcs_name), K_NAME },
	{ MCS_IOC_MUTEX_CREATE, sizeof(struct mcs_mutex), K_SYNC },
	{ MCS_IOC_MUTEX_OPEN, sizeof(struct mcs_mutex), K_SYNC },
	{ MCS_IOC_MUTEX_DESTROY, sizeof(struct mcs_mutex), K_SYNC },
	{ MCS_IOC_MUTEX_LOCK, sizeof(struct mcs_mutex), K_SYNC },
	{ MCS_IOC_MUTEX_UNLOCK, sizeof(struct mcs_mutex), K_SYNC },
	{ MCS_IOC_MUTEX_CONSISTENT, sizeof(struct mcs_mutex), K_SYNC },
	{ MCS_IOC_NOTIFY_SUBSCRIBE, sizeof(struct mcs_notify), K_NOTIFY },
	{ MCS_IOC_NOTIFY_ACK, sizeof(struct mcs_notify_ack), K_ACK },
	{ MCS_IOC_GEVENT_CREATE, sizeof(struct mcs_gevent), K_SYNC },
	{ MCS_IOC_GEVENT_OPEN, sizeof(struct mcs_gevent), K_SYNC },
	{ MCS_IOC_GEVENT_DESTROY, sizeof(struct mcs_gevent), K_SYNC },
	{ MCS_IOC_GEVENT_SET, sizeof(struct mcs_gevent), K_SYNC },
	{ MCS_IOC_GEVENT_RESET, sizeof(struct mcs_gevent), K_SYNC },
	{ MCS_IOC_GEVENT_WAIT, sizeof(struct mcs_gevent), K_SYNC },
};

static void on_fault(int sig)
{
	(void)sig;
	if (in_touch)
		siglongjmp(fault_jmp, 1);
	_exit(3);
}

/* A name: one of the pool, or bytes that no name may have. */
static uint64_t name_arg(uint32_t *len)
{
	const char *n = names[rnd() % 5];

	switch (rnd() % 8) {
	case 0:
		*len = (uint32_t)(rnd() % 300);
		for (uint32_t i = 0; i < *len && i < sizeof(namebuf); i++)
			namebuf[i] = (char)rnd();
		return (uintptr_t)namebuf;
	case 1:
		*len = 4;
		return rnd() % 2 ? 16 : (uint64_t)rnd();
	default:
		*len = (uint32_t)strlen(n);
		memcpy(namebuf, n, *len);
		return (uintptr_t)namebuf;
	}
}

static void fill(const struct cmd *c, union arg *u)
{
	uint32_t *w = u->w, len;

	memset(u, 0, sizeof(*u));
	switch (c->kind) {
	case K_SEG: {
		struct mcs_seg *a = &u->seg;

		a->gid = PICK(gids);
		a->size = PICK(sizes);
		a->place = (int32_t)PICK(places);
		a->mode = (uint32_t)PICK(modes);
		a->flags = rnd() % 4 ? 0 : (uint32_t)(rnd() % 4);
		break;
	}
	case K_NAME: {
		struct mcs_name *a = &u->name;

		a->name = name_arg(&len);
		a->name_len = rnd() % 8 ? len : (uint32_t)rnd();
		a->size = PICK(sizes);
		a->place = (int32_t)PICK(places);
		a->mode = (uint32_t)PICK(modes);
		a->flags = rnd() % 4 ? 0 : (uint32_t)(rnd() % 4);
		break;
	}
	case K_SYNC: {
		/* mcs_mutex and mcs_gevent start alike. */
		struct mcs_gevent *a = &u->gevent;

		if (rnd() % 2) {
			a->name = name_arg(&len);
			a->name_len = len;
		} else {
			a->gid = PICK(gids);
		}
		a->mode = c->nr == MCS_IOC_MUTEX_CREATE ||
				  c->nr == MCS_IOC_GEVENT_CREATE ?
			  (uint32_t)PICK(modes) : 0;
		/* Never wait for good: a worker must keep going. */
		a->timeout_ns = PICK(timeouts);
		a->flags = rnd() % 3 ? (c->nr == MCS_IOC_MUTEX_LOCK ? MCS_MUTEX_TIMED :
					c->nr == MCS_IOC_GEVENT_WAIT ? MCS_GEVENT_TIMED : 0) :
				       (uint32_t)(rnd() % 8);
		if (c->nr == MCS_IOC_MUTEX_LOCK || c->nr == MCS_IOC_GEVENT_WAIT)
			a->flags |= c->nr == MCS_IOC_MUTEX_LOCK ? MCS_MUTEX_TIMED :
								  MCS_GEVENT_TIMED;
		break;
	}
	case K_NOTIFY: {
		struct mcs_notify *a = &u->notify;

		a->mask = rnd() % 4 ? (uint32_t)(rnd() % 64) << 1 :
				      (uint32_t)rnd();
		break;
	}
	case K_ACK: {
		struct mcs_notify_ack *a = &u->ack;

		a->seq = rnd() % 8;
		break;
	}
	default:
		break;
	}
	/* Now and then one random word of the fields goes wrong. */
	if (!(rnd() % 4))
		w[1 + rnd() % (c->size / 4 - 1)] = (uint32_t)rnd();
	w[0] = (uint32_t)c->size;
	switch (rnd() % 10) {
	case 0:
		w[0] = (uint32_t)(c->size - 8);
		break;
	case 1:
		w[0] = (uint32_t)(c->size + 8);
		break;
	case 2:
		w[0] = (uint32_t)(c->size + 8);
		w[c->size / 4] = 1; /* a non-zero tail */
		break;
	case 3:
		w[0] = (uint32_t)rnd();
		break;
	default:
		break;
	}
}

static void remember_offset(int lock, uint64_t off)
{
	if (off && !(off & 4095))
		offs[lock][nr_offs[lock]++ % MAX_OFFS] = off;
}

static void do_ioctl(int fd)
{
	const struct cmd *c = &cmds[rnd() % (sizeof(cmds) / sizeof(cmds[0]))];
	union arg u;
	void *arg = &u;

	fill(c, &u);
	if (!(rnd() % 50))
		arg = rnd() % 2 ? NULL : (void *)16;
	if (c->nr == MCS_IOC_MUTEX_UNLOCK && !(rnd() % 2)) {
		/* Sometimes unlock what was just locked (timed: never for good). */
		union arg l = u;

		l.mutex.flags = MCS_MUTEX_TIMED;
		l.mutex.timeout_ns = 1000000;
		ioctl(fd, MCS_IOC_MUTEX_LOCK, &l);
	}
	if (!ioctl(fd, c->nr, arg) && arg == &u) {
		cnt->ok++;
		if (c->kind == K_SEG)
			remember_offset(0, u.seg.mmap_offset);
		else if (c->kind == K_NAME)
			remember_offset(0, u.name.mmap_offset);
		else if (c->nr == MCS_IOC_MUTEX_CREATE || c->nr == MCS_IOC_MUTEX_OPEN)
			remember_offset(1, u.mutex.mmap_offset);
	}
	cnt->calls++;
}

static void do_map(int fd, void **maps, size_t *lens)
{
	static const size_t lens_pool[] = { 4096, 8192, 65536, 1 << 20 };
	unsigned int i = (unsigned int)(rnd() % MAX_MAPS);
	int lock = (int)(rnd() % 2);
	unsigned int nr = nr_offs[lock] < MAX_OFFS ? nr_offs[lock] : MAX_OFFS;
	size_t len = lens_pool[rnd() % 4];
	uint64_t off = nr && rnd() % 4 ? offs[lock][rnd() % nr] :
					 (rnd() % 65536) * 4096;
	/*
	 * A lock word's page is mapped and read, never written: that a write
	 * there reaches nothing but that lock is vm-isolation's; here it
	 * would leave the fuzzer's own mutexes in states the checker, which
	 * expects the lock words the kernel writes, reports.
	 */
	volatile int prot = !lock && rnd() % 2 ? PROT_READ | PROT_WRITE : PROT_READ;
	volatile char *p;
	size_t at = (size_t)(rnd() % len);

	if (maps[i]) {
		munmap(maps[i], lens[i]);
		maps[i] = NULL;
	}
	p = mmap(NULL, len, prot, rnd() % 8 ? MAP_SHARED : MAP_PRIVATE, fd,
		 (off_t)off);
	cnt->calls++;
	if (p == MAP_FAILED)
		return;
	maps[i] = (void *)p;
	lens[i] = len;
	cnt->maps++;
	in_touch = 1;
	if (!sigsetjmp(fault_jmp, 1)) {
		char v = p[at];

		if (prot & PROT_WRITE)
			p[at] = (char)(v + 1);
	} else {
		cnt->faults++;
	}
	in_touch = 0;
}

static void worker(uint64_t seed, uint64_t end_ms, int depth)
{
	int fds[MAX_FDS] = { -1, -1, -1 };
	void *maps[MAX_MAPS] = { 0 };
	size_t lens[MAX_MAPS] = { 0 };
	struct timespec ts;
	unsigned int i;
	char rbuf[256];
	int n = 0;

	rng = seed | 1;
	for (;;) {
		int f = (int)(rnd() % MAX_FDS), op = (int)(rnd() % 100);

		if (!(n++ % 64)) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 >= end_ms)
				break;
		}
		if (depth && n > 40)
			break;
		if (fds[f] < 0) {
			fds[f] = open("/dev/mcs", O_RDWR | O_CLOEXEC);
			cnt->calls++;
			if (fds[f] < 0)
				continue;
		}
		if (op < 75) {
			do_ioctl(fds[f]);
		} else if (op < 88) {
			do_map(fds[f], maps, lens);
		} else if (op < 92) {
			struct pollfd pfd = { .fd = fds[f], .events = POLLIN };

			if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
				(void)!read(fds[f], rbuf, rnd() % 2 ? sizeof(rbuf) : 8);
			cnt->calls++;
		} else if (op < 97) {
			close(fds[f]);
			fds[f] = -1;
			cnt->calls++;
		} else if (!depth) {
			pid_t pid = fork();

			if (!pid) {
				worker(rnd(), end_ms, 1);
				_exit(0);
			}
			cnt->calls++;
		}
	}
	for (i = 0; i < MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	unsigned int workers = 3, i;
	uint64_t seed, end;
	pid_t pids[16];

	if (argc < 3) {
		fprintf(stderr, "usage: ioctl_fuzz SECONDS SEED [WORKERS]\n");
		return 2;
	}
	end = now_ms() + strtoull(argv[1], NULL, 0) * 1000;
	seed = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		workers = (unsigned int)strtoul(argv[3], NULL, 0);
	if (!workers || workers > 16) {
		fprintf(stderr, "ioctl_fuzz: 1 to 16 workers\n");
		return 2;
	}
	cnt = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (cnt == MAP_FAILED)
		return 2;
	if (setgid(65534) || setuid(65534)) {
		perror("ioctl_fuzz: setuid nobody");
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* forked children reap themselves */
	rng = seed | 1;
	for (i = 0; i < workers; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			worker(seed + i + 1, end, 0);
			_exit(0);
		}
	}
	while (now_ms() < end) {
		usleep(200000);
		/* Kill one at a random moment: files close mid-call. */
		if (rnd() % 3)
			continue;
		i = (unsigned int)(rnd() % workers);
		if (kill(pids[i], SIGKILL))
			continue;
		cnt->killed++;
		pids[i] = fork();
		if (!pids[i]) {
			worker(rnd(), end, 0);
			_exit(0);
		}
	}
	/* The workers end by themselves at the deadline; a blocked one is killed. */
	usleep(500000);
	for (i = 0; i < workers; i++)
		kill(pids[i], SIGKILL);
	printf("ioctl_fuzz: %" PRIu64 " calls, %" PRIu64 " ioctls succeeded, %" PRIu64
	       " mappings made, %" PRIu64 " faults caught, %" PRIu64
	       " workers killed\n", cnt->calls, cnt->ok, cnt->maps, cnt->faults,
	       cnt->killed);
	return 0;
}
