// SPDX-License-Identifier: GPL-2.0
/*
 * ledger - a bank ledger in global memory: what "make demo" runs.
 *
 * A branch is a named global segment of accounts with a global mutex of
 * its own (NAME.lock); every node may own branches and every node moves
 * money between the accounts of every branch. A transfer writes an undo
 * record into the branch before it touches a balance and clears it after
 * the second one, all under the branch's mutex. When the mutex's holder
 * dies (its process, or its whole node), the next acquirer gets
 * EOWNERDEAD, finds the undo record, puts both balances back, marks the
 * mutex consistent and carries on: the branch's total never changes.
 *
 *   ledger branch NAME ACCOUNTS BALANCE   create a branch (mode 0666)
 *   ledger run SECONDS NAME...            transfer at random between the
 *                                         accounts of the branches until
 *                                         SECONDS pass (0: until SIGTERM or
 *                                         SIGINT); a progress line a second
 *   ledger stall NAME                     start a transfer and stop in the
 *                                         middle of it, holding the mutex
 *                                         (the demo then crashes the node)
 *   ledger audit NAME...                  every branch's total is its
 *                                         initial total and no transfer is
 *                                         half done; exit 1 if not
 *
 * A run waits at most 200 ms for a branch's mutex and then leaves that
 * branch alone for a second, so a branch whose holder died (the mutex
 * stays held until the holder's node is declared down and recovered)
 * holds no one up.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libmcs.h>

#define LEDGER_MAGIC 0x4c45444745520001ULL /* "LEDGER" v1 */
#define MAX_BRANCHES 16
#define MAX_ACCOUNTS 4096
#define NAME_MAX_LEN 48
#define LOCK_WAIT_NS (200ULL * 1000 * 1000)
#define BUSY_BACKOFF_MS 1000

/*
 * The branch, at the start of its segment. The undo record is valid while
 * undo_state is 1; its other fields are written before undo_state is set
 * and read only after it was seen set.
 */
struct branch_hdr {
	uint64_t magic;
	uint64_t nr_accounts;
	int64_t total;		/* what the balances add up to */
	uint64_t transfers;	/* committed transfers */
	uint64_t repairs;	/* interrupted transfers undone */
	uint32_t undo_state;	/* 0: no transfer under way, 1: under way */
	uint32_t undo_node;	/* who started it, for the log */
	uint64_t undo_from, undo_to;
	int64_t undo_from_balance, undo_to_balance;
	int64_t balance[];
};

struct branch {
	char name[NAME_MAX_LEN];
	uint64_t seg, lock;
	struct branch_hdr *h;
};

static struct mcs_ctx *ctx;
static uint32_t self_node;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int fail(const char *what, const char *name, int err)
{
	fprintf(stderr, "ledger: %s %s: %s\n", what, name, strerror(-err));
	return 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t branch_bytes(uint64_t accounts)
{
	return sizeof(struct branch_hdr) + accounts * sizeof(int64_t);
}

/* Segments come in whole pages. */
static size_t branch_size(uint64_t accounts)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (branch_bytes(accounts) + page - 1) / page * page;
}

static int lock_name(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s.lock", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Open a branch by name and map it; a segment that is no branch is -EINVAL. */
static int branch_open(struct branch *b, const char *name)
{
	char lname[NAME_MAX_LEN + 8];
	struct mcs_seg_stat st;
	void *p;
	int ret;

	if (strlen(name) >= sizeof(b->name))
		return -ENAMETOOLONG;
	strcpy(b->name, name);
	ret = lock_name(lname, sizeof(lname), name);
	if (ret)
		return ret;
	ret = mcs_seg_open_name(ctx, name, 0, &b->seg);
	if (ret)
		return ret;
	ret = mcs_seg_stat(ctx, b->seg, &st);
	if (ret)
		return ret;
	if (st.size < sizeof(struct branch_hdr))
		return -EINVAL;
	ret = mcs_seg_map(ctx, b->seg, 0, st.size, PROT_READ | PROT_WRITE,
			  NULL, &p);
	if (ret)
		return ret;
	b->h = p;
	/* The header is in the fabric: check it before using its counts. */
	if (b->h->magic != LEDGER_MAGIC || !b->h->nr_accounts ||
	    b->h->nr_accounts > MAX_ACCOUNTS ||
	    branch_bytes(b->h->nr_accounts) > st.size)
		return -EINVAL;
	return mcs_mutex_open_name(ctx, lname, &b->lock);
}

/*
 * Under the branch's mutex after EOWNERDEAD: put back what a dead holder's
 * transfer changed. Returns 1 if there was a transfer to undo.
 */
static int branch_repair(struct branch *b)
{
	struct branch_hdr *h = b->h;
	uint64_t from, to;

	if (!__atomic_load_n(&h->undo_state, __ATOMIC_ACQUIRE))
		return 0;
	from = h->undo_from;
	to = h->undo_to;
	if (from >= h->nr_accounts || to >= h->nr_accounts) {
		fprintf(stderr, "ledger: %s: undo record names accounts %" PRIu64
			" and %" PRIu64 " of %" PRIu64 "\n", b->name, from, to,
			h->nr_accounts);
		return -EUCLEAN;
	}
	h->balance[from] = h->undo_from_balance;
	h->balance[to] = h->undo_to_balance;
	h->repairs++;
	__atomic_store_n(&h->undo_state, 0, __ATOMIC_RELEASE);
	printf("%s: the mutex's holder on node %u died mid-transfer: accounts %" PRIu64
	       " and %" PRIu64 " restored to %" PRId64 " and %" PRId64 "\n",
	       b->name, h->undo_node, from, to, h->undo_from_balance,
	       h->undo_to_balance);
	fflush(stdout);
	return 1;
}

/*
 * Take the branch's mutex, waiting at most @wait_ns (0: for good), and
 * repair the branch if its last holder died. 1: locked, 0: busy, <0: error.
 */
static int branch_lock(struct branch *b, uint64_t wait_ns, uint64_t *repaired)
{
	int ret;

	ret = wait_ns ? mcs_mutex_timedlock(ctx, b->lock, wait_ns) :
			mcs_mutex_lock(ctx, b->lock);
	if (ret == -ETIMEDOUT)
		return 0;
	if (ret == -EOWNERDEAD) {
		ret = branch_repair(b);
		if (ret < 0) {
			mcs_mutex_unlock(ctx, b->lock);
			return ret;
		}
		if (ret && repaired)
			(*repaired)++;
		if (!ret) {
			printf("%s: the mutex's holder died between transfers: nothing to undo\n",
			       b->name);
			fflush(stdout);
		}
		ret = mcs_mutex_consistent(ctx, b->lock);
	}
	return ret ? ret : 1;
}

/* Under the mutex: the first half of a transfer, undo record first. */
static void transfer_begin(struct branch_hdr *h, uint64_t from, uint64_t to,
			   int64_t amount)
{
	h->undo_from = from;
	h->undo_to = to;
	h->undo_from_balance = h->balance[from];
	h->undo_to_balance = h->balance[to];
	h->undo_node = self_node;
	__atomic_store_n(&h->undo_state, 1, __ATOMIC_RELEASE);
	h->balance[from] -= amount;
}

static void transfer_end(struct branch_hdr *h, uint64_t to, int64_t amount)
{
	h->balance[to] += amount;
	h->transfers++;
	__atomic_store_n(&h->undo_state, 0, __ATOMIC_RELEASE);
}

static int cmd_branch(const char *name, const char *accounts_s,
		      const char *balance_s)
{
	char lname[NAME_MAX_LEN + 8], *end;
	unsigned long long accounts, balance, i;
	struct branch_hdr *h;
	uint64_t seg, lock;
	void *p;
	int ret;

	accounts = strtoull(accounts_s, &end, 0);
	if (*end || !accounts || accounts > MAX_ACCOUNTS) {
		fprintf(stderr, "ledger: ACCOUNTS must be 1..%d\n", MAX_ACCOUNTS);
		return 2;
	}
	balance = strtoull(balance_s, &end, 0);
	if (*end || balance > 1000000000ULL) {
		fprintf(stderr, "ledger: BALANCE must be 0..1000000000\n");
		return 2;
	}
	if (strlen(name) >= NAME_MAX_LEN || lock_name(lname, sizeof(lname), name))
		return fail("branch", name, -ENAMETOOLONG);
	ret = mcs_seg_create_name(ctx, name, branch_size(accounts),
				  MCS_PLACE_NEAREST, 0666, &seg);
	if (ret)
		return fail("create segment", name, ret);
	ret = mcs_seg_map(ctx, seg, 0, branch_size(accounts),
			  PROT_READ | PROT_WRITE, NULL, &p);
	if (ret)
		return fail("map", name, ret);
	h = p;
	h->nr_accounts = accounts;
	h->total = (int64_t)(accounts * balance);
	for (i = 0; i < accounts; i++)
		h->balance[i] = (int64_t)balance;
	/* Readers check the magic: it goes last. */
	__atomic_store_n(&h->magic, LEDGER_MAGIC, __ATOMIC_RELEASE);
	ret = mcs_mutex_create_name(ctx, lname, 0666, &lock);
	if (ret)
		return fail("create mutex", lname, ret);
	printf("branch %s: segment 0x%" PRIx64 ", mutex 0x%" PRIx64
	       ", %llu accounts, total %lld\n", name, seg, lock, accounts,
	       (long long)h->total);
	return 0;
}

static int open_all(struct branch *b, int n, char **names)
{
	int i, ret;

	if (n > MAX_BRANCHES) {
		fprintf(stderr, "ledger: at most %d branches\n", MAX_BRANCHES);
		return 2;
	}
	for (i = 0; i < n; i++) {
		ret = branch_open(&b[i], names[i]);
		if (ret)
			return fail("open branch", names[i], ret);
	}
	return 0;
}

static int cmd_run(const char *secs_s, int n, char **names)
{
	struct branch b[MAX_BRANCHES];
	uint64_t done = 0, busy = 0, repaired = 0, start, next, end = 0;
	uint64_t skip_until[MAX_BRANCHES] = { 0 };
	unsigned int seed = (unsigned int)getpid() ^ (self_node << 16);
	unsigned long secs;
	char *endp;
	int ret, i;

	ret = open_all(b, n, names);
	if (ret)
		return ret;
	secs = strtoul(secs_s, &endp, 0);
	if (*endp || !*secs_s) {
		fprintf(stderr, "ledger: bad SECONDS %s\n", secs_s);
		return 2;
	}
	start = now_ms();
	next = start + 1000;
	end = secs ? start + secs * 1000 : 0;
	printf("ledger: node %u transferring in %d branches\n", self_node, n);
	fflush(stdout);
	while (!stop && (!end || now_ms() < end)) {
		int k = rand_r(&seed) % n, tries;
		struct branch *br;
		uint64_t nr, from, to;
		int64_t amount;

		/* A branch that was busy is left alone for a while. */
		for (tries = 0; tries < n && skip_until[k] > now_ms(); tries++)
			k = (k + 1) % n;
		br = &b[k];
		ret = branch_lock(br, LOCK_WAIT_NS, &repaired);
		if (ret < 0)
			return fail("lock", br->name, ret);
		if (!ret) {
			busy++;
			skip_until[k] = now_ms() + BUSY_BACKOFF_MS;
			continue;
		}
		/* Re-read under the mutex: only now is the header stable. */
		nr = br->h->nr_accounts;
		if (!nr || nr > MAX_ACCOUNTS) {
			mcs_mutex_unlock(ctx, br->lock);
			return fail("branch", br->name, -EUCLEAN);
		}
		/* Two different accounts; a one-account branch only counts. */
		from = (uint64_t)rand_r(&seed) % nr;
		to = nr > 1 ? (from + 1 + (uint64_t)rand_r(&seed) % (nr - 1)) % nr :
			      from;
		amount = 1 + rand_r(&seed) % 100;
		if (from != to && br->h->balance[from] >= amount) {
			transfer_begin(br->h, from, to, amount);
			transfer_end(br->h, to, amount);
			done++;
		}
		ret = mcs_mutex_unlock(ctx, br->lock);
		if (ret)
			return fail("unlock", br->name, ret);
		if (now_ms() >= next) {
			next += 1000;
			printf("ledger: node %u: %" PRIu64 " transfers, %" PRIu64
			       " busy, %" PRIu64 " repaired\n", self_node, done,
			       busy, repaired);
			fflush(stdout);
		}
	}
	printf("ledger: node %u done: %" PRIu64 " transfers, %" PRIu64
	       " busy, %" PRIu64 " repaired in %" PRIu64 " ms\n", self_node,
	       done, busy, repaired, now_ms() - start);
	for (i = 0; i < n; i++)
		mcs_seg_release(ctx, b[i].seg);
	return 0;
}

static int cmd_stall(const char *name)
{
	struct branch b;
	uint64_t nr;
	int ret;

	ret = branch_open(&b, name);
	if (ret)
		return fail("open branch", name, ret);
	ret = branch_lock(&b, 0, NULL);
	if (ret < 0)
		return fail("lock", name, ret);
	nr = b.h->nr_accounts;
	if (nr < 2 || b.h->balance[0] < 1)
		return fail("stall", name, -EINVAL);
	transfer_begin(b.h, 0, 1, b.h->balance[0]);
	printf("stalled mid-transfer in %s: account 0 debited %" PRId64
	       ", account 1 not yet credited\n", name, b.h->undo_from_balance);
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}

static int cmd_audit(int n, char **names)
{
	struct branch b[MAX_BRANCHES];
	int64_t sum, all = 0, want = 0;
	int ret, i, bad = 0;
	uint64_t a;

	ret = open_all(b, n, names);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = branch_lock(&b[i], 0, NULL);
		if (ret < 0)
			return fail("lock", b[i].name, ret);
		sum = 0;
		for (a = 0; a < b[i].h->nr_accounts && a < MAX_ACCOUNTS; a++)
			sum += b[i].h->balance[a];
		printf("%s: total %" PRId64 " of %" PRId64 ", %" PRIu64
		       " transfers, %" PRIu64 " repaired%s%s\n", b[i].name, sum,
		       b[i].h->total, b[i].h->transfers, b[i].h->repairs,
		       sum == b[i].h->total ? "" : ": NOT CONSERVED",
		       b[i].h->undo_state ? ", a transfer half done" : "");
		bad |= sum != b[i].h->total || b[i].h->undo_state;
		all += sum;
		want += b[i].h->total;
		mcs_mutex_unlock(ctx, b[i].lock);
	}
	printf("ledger: %d branches, total %" PRId64 " of %" PRId64 ": %s\n", n,
	       all, want, bad ? "FAIL" : "conserved");
	return bad;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ledger branch NAME ACCOUNTS BALANCE\n"
		"       ledger run SECONDS NAME...\n"
		"       ledger stall NAME\n"
		"       ledger audit NAME...\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	if (argc < 3) {
		usage();
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ret = mcs_open(&ctx, NULL);
	if (ret)
		return fail("open", "/dev/mcs", ret);
	ret = mcs_node(ctx, &self_node, NULL);
	if (ret)
		return fail("node", "/dev/mcs", ret);
	if (!strcmp(argv[1], "branch") && argc == 5)
		ret = cmd_branch(argv[2], argv[3], argv[4]);
	else if (!strcmp(argv[1], "run") && argc >= 4)
		ret = cmd_run(argv[2], argc - 3, argv + 3);
	else if (!strcmp(argv[1], "stall") && argc == 3)
		ret = cmd_stall(argv[2]);
	else if (!strcmp(argv[1], "audit") && argc >= 3)
		ret = cmd_audit(argc - 2, argv + 2);
	else {
		usage();
		ret = 2;
	}
	mcs_close(ctx);
	return ret;
}
