// SPDX-License-Identifier: GPL-2.0
/*
 * ls.c - how mcsctl ls prints a region's names, segments and sync
 * objects, whether the kernel listed them (the live fabric, device.c) or
 * mcsctl did with the same code on a region in a file (mcsctl.c); both
 * fill struct mcs_list_entry (drivers/member/list.c).
 */
#include <inttypes.h>
#include <stdio.h>

#include <linux/mcs.h>

#include "mcsctl.h"

static const char *sync_type(uint32_t t)
{
	switch (t) {
	case MCS_SYNC_T_MUTEX:
		return "mutex";
	case MCS_SYNC_T_EVENT_MANUAL:
		return "event-manual";
	case MCS_SYNC_T_EVENT_AUTO:
		return "event-auto";
	default:
		return "?";
	}
}

static const char *lock_state(uint32_t s)
{
	switch (s) {
	case MCS_LOCK_CONSISTENT:
		return "consistent";
	case MCS_LOCK_OWNERDEAD:
		return "owner-dead";
	case MCS_LOCK_NOTRECOVERABLE:
		return "not-recoverable";
	default:
		return "?";
	}
}

/*
 * A name as read from the fabric, which nothing keeps to the rule of gns
 * names: printable ASCII as it is, a backslash doubled, any other byte
 * (control bytes, terminal escapes, bytes that are not ASCII) as \xHH.
 */
static void print_name(const unsigned char *s, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\')
			fputs("\\\\", stdout);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			putchar(s[i]);
		else
			printf("\\x%02x", s[i]);
	}
}

/*
 * The names (GID, type, bytes, home partition, sharers, name), then every
 * segment, then every mutex and event with its lock's state and holder.
 */
int ls_print(const struct mcs_list_entry *names, uint32_t nn,
	     const struct mcs_list_entry *segs, uint32_t ns,
	     const struct mcs_list_entry *sync, uint32_t ny)
{
	static const char *const types[] = { "?", "segment", "lock", "event" };
	uint32_t i;

	if (json_output)
		return json_ls(names, nn, segs, ns, sync, ny);

	printf("%-18s %-8s %10s %5s %7s  %s\n", "gid", "type", "bytes", "part",
	       "sharers", "name");
	for (i = 0; i < nn; i++) {
		const struct mcs_list_entry *e = &names[i];

		printf("%-18llx %-8s ", (unsigned long long)e->gid,
		       types[e->type < 4 ? e->type : 0]);
		if (e->size)
			printf("%10llu %5u %7u", (unsigned long long)e->size,
			       e->part, e->nr_sharers);
		else
			printf("%10s %5s %7s", "-", "-", "-");
		fputs("  /", stdout);
		print_name((const unsigned char *)e->name,
			   e->name_len < sizeof(e->name) ? e->name_len :
							   (uint32_t)sizeof(e->name));
		putchar('\n');
	}
	printf("%u names\n\n", nn);
	printf("%-18s %10s %5s %7s\n", "segment", "bytes", "part", "sharers");
	for (i = 0; i < ns; i++)
		printf("%-18llx %10llu %5u %7u\n",
		       (unsigned long long)segs[i].gid,
		       (unsigned long long)segs[i].size, segs[i].part,
		       segs[i].nr_sharers);
	printf("%u segments\n\n", ns);
	printf("%-18s %-12s %-15s %s\n", "sync object", "type", "state", "holder");
	for (i = 0; i < ny; i++) {
		const struct mcs_list_entry *e = &sync[i];

		printf("%-18llx %-12s %-15s ", (unsigned long long)e->gid,
		       sync_type(e->type), lock_state(e->lock_state));
		if (e->owner_node == MCS_NODE_NONE)
			printf("free\n");
		else if (e->owner_node == MCS_OWNER_ABANDONED)
			printf("abandoned by pid %u\n", e->owner_pid);
		else
			printf("node %u incarnation %u pid %u\n", e->owner_node,
			       e->owner_incarnation, e->owner_pid);
	}
	printf("%u sync objects\n", ny);
	return 0;
}
