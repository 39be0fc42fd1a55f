/* SPDX-License-Identifier: GPL-2.0 */
/*
 * list.h - what a region holds, one entry at a time, in the shape of the
 * ABI's struct mcs_list_entry: the kernel's MCS_CTL_LIST and "mcsctl ls
 * FILE" use the same code (Documentation/control.md).
 */
#ifndef MCS_LIST_H
#define MCS_LIST_H

#include "../gmm/gmm.h"

int mcs_list_next(struct gmm_region *r, u32 what, u32 *cursor,
		  struct mcs_list_entry *e);

#endif /* MCS_LIST_H */
