// SPDX-License-Identifier: GPL-2.0
/*
 * pidns - PID namespaces, for the guest test vm-pidns (tests/vm/pidns.sh).
 *
 *   pidns run PID CMD [ARG...]  run CMD in a new PID namespace as its
 *                               process PID (0: the next free one), and
 *                               wait for it; the namespace's init (pid 1)
 *                               only waits too. CMD's pids, outside and
 *                               inside, are printed first ("NSpid: 1234
 *                               56"). Killing this process kills the
 *                               namespace. Exit: CMD's status.
 *   pidns open NAME SEG         a process of the initial namespace opens
 *                               mutex NAME and creates segment SEG (a GID)
 *                               through one context and says "opened NAME
 *                               as pid P"; on SIGUSR1 it closes that
 *                               context, waits until the kernel has
 *                               released the file (SEG's share gone, which
 *                               comes after the file's mutexes), says
 *                               "released NAME" and exits
 *
 * Exit 0 on success, 1 on a failure (message on stdout).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmcs.h"

/* clone3()'s argument up to set_tid_size (CLONE_ARGS_SIZE_VER1). */
struct clone3_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
};

static int fail(const char *what, int err)
{
	printf("FAIL: %s: %s\n", what, strerror(err < 0 ? -err : err));
	fflush(stdout);
	return 1;
}

/* A child that is process @want of this namespace (0: any), as fork(). */
static pid_t fork_as(pid_t want)
{
	pid_t set_tid[1] = { want };
	struct clone3_args a = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)set_tid,
		.set_tid_size = 1,
	};

	if (!want)
		return fork();
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/* In the child: print our NSpid line, then become @argv. */
static void exec_cmd(char **argv)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			dprintf(1, "%s", line);
	if (f)
		fclose(f);
	execvp(argv[0], argv);
	dprintf(1, "FAIL: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int status_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run(pid_t want, char **argv)
{
	pid_t init, pid;
	int status;

	fflush(stdout);
	if (unshare(CLONE_NEWPID))
		return fail("unshare(CLONE_NEWPID)", errno);
	init = fork();
	if (init < 0)
		return fail("fork the namespace's init", errno);
	if (!init) {
		/* Our death kills the init, and the namespace with it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL))
			_exit(fail("PR_SET_PDEATHSIG", errno));
		pid = fork_as(want);
		if (pid < 0)
			_exit(fail("fork as the pid asked for", errno));
		if (!pid)
			exec_cmd(argv);
		if (waitpid(pid, &status, 0) != pid)
			_exit(fail("waitpid", errno));
		_exit(status_of(status));
	}
	if (waitpid(init, &status, 0) != init)
		return fail("waitpid", errno);
	return status_of(status);
}

static int open_and_wait(const char *name, uint64_t seg)
{
	struct mcs_seg_stat st;
	struct mcs_ctx *ctx, *c2;
	uint64_t gid;
	sigset_t usr1;
	int ret, sig, i;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL))
		return fail("block SIGUSR1", errno);
	ret = mcs_open(&ctx, NULL);
	if (!ret)
		ret = mcs_open(&c2, NULL);
	if (ret)
		return fail("mcs_open", ret);
	ret = mcs_mutex_open_name(ctx, name, &gid);
	if (!ret)
		ret = mcs_seg_create(ctx, seg, 4096, MCS_PLACE_NEAREST, 0600);
	if (!ret)
		ret = mcs_seg_open(c2, seg, 0);
	if (ret)
		return fail("open the mutex, make and share the segment", ret);
	printf("opened %s as pid %d\n", name, (int)getpid());
	fflush(stdout);
	if (sigwait(&usr1, &sig))
		return fail("sigwait", EINVAL);
	mcs_close(ctx);
	/* The release runs in a worker: its share goes after the mutexes. */
	for (i = 0; i < 1000; i++) {
		ret = mcs_seg_stat(c2, seg, &st);
		if (ret || st.nr_sharers == 1)
			break;
		usleep(10000);
	}
	if (ret || st.nr_sharers != 1)
		return fail("the context's release", ret ? ret : -ETIMEDOUT);
	ret = mcs_seg_release(c2, seg);
	if (!ret)
		ret = mcs_seg_destroy(c2, seg);
	if (ret)
		return fail("segment clean-up", ret);
	mcs_close(c2);
	printf("released %s\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "run"))
		return run((pid_t)atoi(argv[2]), argv + 3);
	if (argc == 4 && !strcmp(argv[1], "open"))
		return open_and_wait(argv[2], strtoull(argv[3], NULL, 0));
	fprintf(stderr, "usage: pidns run PID CMD [ARG...] | pidns open NAME SEG\n");
	return 2;
}
