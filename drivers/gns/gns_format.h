/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gns_format.h - the gns name table in the fabric.
 *
 * The table lives in the gns area of the region (gmm_format.h): after the
 * gmm control area and before the partitions, so it belongs to no node and
 * survives the death of any node, even with the loss of its partition.
 * gmm sizes, zeroes and validates the area; its layout is defined here:
 *
 *   gns_off                       struct gns_header (GMM_GNS_HDR_SIZE)
 *   gns_off + GMM_GNS_HDR_SIZE    struct gns_entry[gns_entries]
 *
 * Fixed-width little-endian fields, indexes only. All zero is an empty,
 * unlocked table that has issued no GID.
 */
#ifndef GNS_FORMAT_H
#define GNS_FORMAT_H

#include "../gmm/gmm_format.h"

#define GNS_NAME_MAX 255

/* Transaction states of the commit record. */
#define GNS_TXN_ACTIVE 1
#define GNS_TXN_COMMITTED 2

struct gns_header {
	/* The table lock (Documentation/glock.md), padded to 128 bytes. */
	struct glock lock;
	__le64 lock_pad[8];
	/* GIDs issued so far: advanced by compare-and-swap, never lowered. */
	__le64 gid_next;
	/* Transaction sequence number, under the lock. */
	__le64 txn_seq;
	__le64 pad1[6];
	/*
	 * The commit record of the one transaction in flight (under the
	 * lock): its id, ACTIVE or COMMITTED, and the entry it changes.
	 */
	__le64 txn;
	__le64 state;
	__le32 idx;
	__le32 reserved0;
	__le64 pad2[5];
	__le64 reserved[8];
	/*
	 * Per partition, at least the number of live segment names whose
	 * segment is homed there (under the lock; raised before a name goes
	 * live, lowered after one is gone, so a crash leaves it too high,
	 * never too low). Recovery sweeps the table for names of revoked
	 * segments only if the lost partition's count is not 0; the sweep
	 * sets every count exact again.
	 */
	__le32 seg_names[MCS_MAX_NODES];
};

/*
 * One name. st is a gmm state word (GMM_ST): FREE, LIVE or TOMBSTONE, and
 * while txn is set the pending change (GMM_P_ALLOC or GMM_P_FREE). crc
 * covers gid, type, len and the name bytes, against torn writes.
 */
struct gns_entry {
	__le64 txn;
	__le32 st;
	__le16 type; /* enum gns_type */
	__le16 len;  /* bytes of name, without the NUL */
	__le64 gid;
	__le64 hash; /* of the name */
	__le32 crc;
	__le32 reserved0;
	__le64 reserved[3];
	char name[GNS_NAME_MAX + 1]; /* NUL-terminated */
};

#endif /* GNS_FORMAT_H */
