/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * fastlock.h - libmcs-internal: the user-space fast path of global
 * mutexes. A context maps the page of each mutex it opens and takes and
 * releases a free, consistent lock there with one compare-and-swap each;
 * everything else (waiting, owner-dead, not recoverable, a process that
 * forked) is left to the kernel's ioctls.
 */
#ifndef LIBMCS_FASTLOCK_H
#define LIBMCS_FASTLOCK_H

#include <stdint.h>

struct mcs_fastlocks;

/* A context's table, empty; NULL without memory. */
struct mcs_fastlocks *mcs_fastlocks_new(void);
/* Under the context's lock: map @gid's lock word, as OPEN/CREATE said. */
int mcs_fastlocks_add(struct mcs_fastlocks *fl, int fd, uint64_t gid,
		      uint64_t mmap_offset, uint32_t lock_offset);
/* Lock-free: 0 taken; -EAGAIN: ask the kernel. */
int mcs_fastlock_lock(struct mcs_fastlocks *fl, uint64_t gid);
/* Lock-free: 0 released; -EAGAIN: ask the kernel. */
int mcs_fastlock_unlock(struct mcs_fastlocks *fl, uint64_t gid);
/* When the context closes: unmap every page. */
void mcs_fastlocks_free(struct mcs_fastlocks *fl);

#endif /* LIBMCS_FASTLOCK_H */
