/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what the fabric fuzzer's seed generator and harness share.
 */
#ifndef MCS_FUZZ_H
#define MCS_FUZZ_H

/* Small, so that a mutation lands in a table often. */
#define FUZZ_REGION_SIZE (1024u * 1024)

#endif /* MCS_FUZZ_H */
