// SPDX-License-Identifier: GPL-2.0
/*
 * fence_daemon - the fencing side of a membership daemon, for the VM
 * test fence.sh: registers as the node's daemon on /dev/mcs-control with
 * a heartbeat deadline, says "daemon deadline D ms lease L ms", then
 * sends a heartbeat every quarter deadline until it is killed or stopped
 * (which is what the test does to it). Exits 1 with the error if a
 * command fails, e.g. "heartbeat: Cannot send after transport endpoint
 * shutdown" once the node is fenced.
 *
 *   fence_daemon DEADLINE_MS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/mcs.h>

int main(int argc, char **argv)
{
	struct mcs_ctl_daemon d = { .argsz = sizeof(d) };
	struct mcs_ctl_heartbeat hb = { .argsz = sizeof(hb) };
	struct timespec period;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fence_daemon DEADLINE_MS\n");
		return 2;
	}
	d.deadline_ms = (unsigned int)strtoul(argv[1], NULL, 0);
	fd = open("/dev/mcs-control", O_RDWR);
	if (fd < 0 || ioctl(fd, MCS_CTL_DAEMON, &d)) {
		fprintf(stderr, "daemon: %s\n", strerror(errno));
		return 1;
	}
	printf("daemon deadline %u ms lease %u ms\n", d.deadline_ms, d.lease_ms);
	fflush(stdout);
	period.tv_sec = d.deadline_ms / 4 / 1000;
	period.tv_nsec = (long)(d.deadline_ms / 4 % 1000) * 1000000;
	for (;;) {
		if (ioctl(fd, MCS_CTL_HEARTBEAT, &hb)) {
			fprintf(stderr, "heartbeat: %s\n", strerror(errno));
			return 1;
		}
		nanosleep(&period, NULL);
	}
}
