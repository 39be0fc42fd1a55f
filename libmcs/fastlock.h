/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * fastlock.h - libmcs-internal: the user-space fast path of global
 * mutexes. A context maps the page of each mutex it opens and takes and
 * releases a free, consistent lock there with one compare-and-swap each;
 * everything else (waiting, owner-dead, not recoverable, a process that
 * forked) is left to the kernel's ioctls. A thread that ends abandons
 * the mutexes it still holds.
 */
#ifndef LIBMCS_FASTLOCK_H
#define LIBMCS_FASTLOCK_H

#include <stdint.h>

struct mcs_fastlocks;

/* A context's table for its file @fd, empty; NULL without memory. */
struct mcs_fastlocks *mcs_fastlocks_new(int fd);
/*
 * Under the context's lock: map @gid's lock word, as OPEN/CREATE said;
 * -EOPNOTSUPP (nothing mapped) if the kernel cannot tell this process's
 * pid as it tags owners (fastlock.c).
 */
int mcs_fastlocks_add(struct mcs_fastlocks *fl, int fd, uint64_t gid,
		      uint64_t mmap_offset, uint32_t lock_offset);
/*
 * Lock-free: 0 taken; -EAGAIN: ask the kernel, then tell
 * mcs_fastlock_locked() its answer; -ENOMEM: no memory to arm the
 * thread's exit walk or to record a mutex no context maps (not taken);
 * MCS_IOC_INFO's error if the thread's first lock cannot learn its ids.
 */
int mcs_fastlock_lock(struct mcs_fastlocks *fl, uint64_t gid);
void mcs_fastlock_locked(struct mcs_fastlocks *fl, uint64_t gid, int ret);
/*
 * Lock-free: 0 released; -EAGAIN: ask the kernel, then tell
 * mcs_fastlock_unlocked() its answer.
 */
int mcs_fastlock_unlock(struct mcs_fastlocks *fl, uint64_t gid);
void mcs_fastlock_unlocked(struct mcs_fastlocks *fl, uint64_t gid, int ret);
/* When the context closes, before its file: unmap every page. */
void mcs_fastlocks_free(struct mcs_fastlocks *fl);

#endif /* LIBMCS_FASTLOCK_H */
