/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mcs.h - the ABI between mcs and its users.
 *
 * Rules (Documentation/abi.md): fixed-width __u8..__u64 types only, user
 * pointers as __u64, no enums, size_t or pointers; every structure has
 * room to grow; sizes are asserted at compile time. Values defined here
 * never change meaning; new ones are added.
 *
 * So far the ABI is the vocabulary shared by the kernel, libmcs and the
 * tools: limits, granularity and placement policies. The /dev/mcs ioctls
 * join it with the uapi driver.
 */
#ifndef _UAPI_LINUX_MCS_H
#define _UAPI_LINUX_MCS_H

#include <linux/types.h>

#define MCS_ABI_VERSION 1

/* Nodes (and partitions) a region can have; node ids are 0..MCS_MAX_NODES-1. */
#define MCS_MAX_NODES 64

/* Segments are sized and placed in whole pages of this size. */
#define MCS_PAGE_SHIFT 12
#define MCS_PAGE_SIZE (1U << MCS_PAGE_SHIFT)

/* A global id names a segment, lock or event; these two are never valid. */
#define MCS_GID_NONE 0ULL
#define MCS_GID_INVALID (~0ULL)

/* Where a new segment's memory comes from (or a partition number >= 0). */
#define MCS_PLACE_NEAREST (-1)	 /* own partition, then ones it manages */
#define MCS_PLACE_MOST_FREE (-2) /* the online partition with most free pages */

#endif /* _UAPI_LINUX_MCS_H */
