/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcsctl.h - what the parts of mcsctl share.
 */
#ifndef MCSCTL_H
#define MCSCTL_H

#include <stdbool.h>
#include <stdint.h>

struct gmm_check_report;
struct gmm_region;
struct gns_check_report;
struct mcs_ctl_check;
struct mcs_ctl_status;
struct mcs_list_entry;
struct mcs_node_status;

extern const char *prog;
/* --json: status, check and ls print one JSON object (json.c). */
extern bool json_output;

int parse_size(const char *s, uint64_t *out);

/* A region in a file, mapped and attached as an observer (mcsctl.c). */
struct mapped {
	void *base;
	uint64_t size;
	struct gmm_region *r;
};
int map_region(const char *path, struct mapped *m);
void unmap_region(struct mapped *m);

/* The cluster key (key.c). */
struct gmm_geometry;
bool region_keyed(const struct gmm_geometry *g);
int key_read(const char *path, uint8_t *key);
void key_check_for(const uint8_t *key, const uint8_t *uuid, uint8_t *out);
int dev_key_load(const char *dev, const char *path, bool forget);
int cmd_key(const char *dev, int argc, char **argv);
const char *node_state(uint32_t s);

/*
 * device.c: the commands on the live fabric, through /dev/mcs-control.
 * Each returns an exit status, or -1 for bad usage.
 */
int dev_format(const char *dev, uint64_t size, uint64_t nodes,
	       uint32_t lease_ms, int force);
int dev_join(const char *dev, int argc, char **argv);
int dev_down(const char *dev, int argc, char **argv);
int dev_recover(const char *dev, int argc, char **argv);
int dev_freeze(const char *dev, int argc, char **argv, int freeze);
int dev_status(const char *dev);
int dev_check(const char *dev);
int dev_ls(const char *dev);
int dev_limit(const char *dev, int argc, char **argv);

/*
 * ls.c: print what mcsctl ls lists, from the kernel or from a file, as
 * columns or (--json) JSON; returns an exit status.
 */
int ls_print(const struct mcs_list_entry *names, uint32_t nn,
	      const struct mcs_list_entry *segs, uint32_t ns,
	      const struct mcs_list_entry *sync, uint32_t ny);

/*
 * json.c: the --json output of status, check and ls; each prints one
 * object and returns the command's exit status (2 if it cannot).
 */
int json_status_file(struct gmm_region *r);
int json_status_dev(const struct mcs_ctl_status *a,
		    const struct mcs_node_status *nodes);
void json_violation(void *arg, const char *msg);
void json_violations_free(void);
int json_check_file(const struct gmm_check_report *rep,
		    const struct gns_check_report *nrep);
int json_check_dev(const struct mcs_ctl_check *a);
int json_ls(const struct mcs_list_entry *names, uint32_t nn,
	    const struct mcs_list_entry *segs, uint32_t ns,
	    const struct mcs_list_entry *sync, uint32_t ny);

#endif /* MCSCTL_H */
