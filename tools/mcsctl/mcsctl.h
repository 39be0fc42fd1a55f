/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcsctl.h - what the parts of mcsctl share.
 */
#ifndef MCSCTL_H
#define MCSCTL_H

#include <stdint.h>

struct mcs_list_entry;

extern const char *prog;

int parse_size(const char *s, uint64_t *out);
const char *node_state(uint32_t s);

/*
 * device.c: the commands on the live fabric, through /dev/mcs-control.
 * Each returns an exit status, or -1 for bad usage.
 */
int dev_format(const char *dev, uint64_t size, uint64_t nodes, int force);
int dev_join(const char *dev, int argc, char **argv);
int dev_down(const char *dev, int argc, char **argv);
int dev_recover(const char *dev, int argc, char **argv);
int dev_freeze(const char *dev, int argc, char **argv, int freeze);
int dev_status(const char *dev);
int dev_check(const char *dev);
int dev_ls(const char *dev);

/* ls.c: print what mcsctl ls lists, from the kernel or from a file. */
void ls_print(const struct mcs_list_entry *names, uint32_t nn,
	      const struct mcs_list_entry *segs, uint32_t ns,
	      const struct mcs_list_entry *sync, uint32_t ny);

#endif /* MCSCTL_H */
