/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mcs.h - the ABI between mcs and its users.
 *
 * Rules (Documentation/abi.md): fixed-width __u8..__u64 types only, user
 * pointers as __u64, no enums, size_t or pointers; sizes are asserted at
 * compile time. Values defined here never change meaning; new ones are
 * added.
 *
 * Every ioctl argument grows by size, as openat2()'s struct open_how: it
 * starts with argsz, which the caller sets to sizeof the structure it was
 * built with, and flags. The kernel zero-extends a smaller (older)
 * structure, down to the structure's SIZE_VER0 (smaller: -EINVAL), and
 * accepts a larger (newer) one only if every byte it does not know is
 * zero (-E2BIG otherwise; more than a page: -E2BIG). Unknown flags bits
 * and non-zero reserved fields are -EINVAL. What the kernel fills in is
 * copied back only up to argsz. The size bits of the command number are
 * not looked at: argsz is what counts, so a program built with a newer
 * header reaches an older kernel. Records the kernel writes (struct
 * mcs_node_status, mcs_list_entry, mcs_notify_rec) have a fixed size and
 * grow into their reserved fields, which the kernel zeroes.
 *
 * What a kernel offers is the feature mask of MCS_IOC_INFO (MCS_FEAT_*).
 *
 * The ABI is the vocabulary shared by the kernel, libmcs and the tools
 * (limits, granularity and placement policies) and the ioctls of the
 * membership control device /dev/mcs-control (Documentation/control.md;
 * the semantics are documented in drivers/node/control_kmod.c) and of the
 * user device /dev/mcs (drivers/uapi/uapi_kmod.c).
 */
#ifndef _UAPI_LINUX_MCS_H
#define _UAPI_LINUX_MCS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The ioctl type of both devices (Documentation/abi.md says why this one):
 * /dev/mcs uses numbers 0x00-0x7f, /dev/mcs-control 0x80-0xff.
 */
#define MCS_IOC_TYPE 0xD5

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

/* Struct sizes are part of the ABI: a change must fail the build. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define MCS_ABI_SIZE(type, bytes) \
	_Static_assert(sizeof(struct type) == (bytes), "ABI size of " #type)
#else
#define MCS_ABI_SIZE(type, bytes)
#endif

/*
 * The membership control device, /dev/mcs-control (CAP_SYS_ADMIN only).
 *
 * Every argument starts with argsz and flags and grows by size (above).
 * Reserved fields must be zero (-EINVAL), so they can gain a meaning
 * later without a new ioctl.
 */

/* Node states, as the fabric records them. */
#define MCS_NODE_ABSENT 0     /* never joined since the region was formatted */
#define MCS_NODE_ALIVE 1
#define MCS_NODE_DOWN 2       /* dead, recovery not started */
#define MCS_NODE_RECOVERING 3 /* dead, a survivor is recovering it */
#define MCS_NODE_CLEAN 4      /* dead and recovered: may join again */

/* No node: mcs_ctl_status.self_node before this kernel has joined. */
#define MCS_NODE_NONE 0xffffffffU

/* mcs_ctl_format.flags */
#define MCS_FORMAT_FORCE (1U << 0) /* erase a region already there */

struct mcs_ctl_format {
	__u32 argsz;	   /* sizeof(struct mcs_ctl_format) */
	__u32 flags;
	__u32 nr_nodes;	   /* node slots (= partitions), 2..MCS_MAX_NODES */
	__u32 lease_ms;	   /* the fabric lease of every node (control.md,
			    * "Fencing"); 0: MCS_LEASE_MS_DEFAULT */
	__u64 region_size; /* bytes; 0: the whole fabric */
	__u8 uuid[16];	   /* cluster UUID; all zero: the kernel makes one */
};
MCS_ABI_SIZE(mcs_ctl_format, 40);
#define MCS_CTL_FORMAT_SIZE_VER0 40

struct mcs_ctl_join {
	__u32 argsz;
	__u32 flags;
	__u32 node;	   /* in: the node id to join as */
	__u32 incarnation; /* out: the new incarnation, from the fabric */
};
MCS_ABI_SIZE(mcs_ctl_join, 16);
#define MCS_CTL_JOIN_SIZE_VER0 16

/* mcs_ctl_node_down.flags */
#define MCS_DOWN_MEMORY_LOST (1U << 0) /* its partition died with it */
#define MCS_DOWN_PLANNED (1U << 1) /* it left (MCS_CTL_LEAVE): events say so */

struct mcs_ctl_node_down {
	__u32 argsz;
	__u32 flags;
	__u32 node;
	__u32 incarnation; /* the incarnation membership saw die */
};
MCS_ABI_SIZE(mcs_ctl_node_down, 16);
#define MCS_CTL_NODE_DOWN_SIZE_VER0 16

/* mcs_ctl_recover.result */
#define MCS_RECOVER_TOOK_PARTITION (1U << 0) /* this node manages it now */
#define MCS_RECOVER_NOTHING (1U << 1) /* already clean, or never joined */

struct mcs_ctl_recover {
	__u32 argsz;
	__u32 flags;
	__u32 node;	   /* in: the dead node */
	__u32 incarnation; /* out: the incarnation recovered */
	/* out: what recovery did */
	__u32 sharers_removed;
	__u32 txns_rolled_back;
	__u32 txns_rolled_forward;
	__u32 master_copies_rebuilt;
	__u32 sections_freed;
	__u32 sections_revoked;
	__u32 result;
	__u32 stages_cap;  /* in: entries of the array at stages (VER1) */
	/* VER1: the stages, their names and times */
	__u64 stages;	   /* in: user pointer to struct mcs_recover_stage[] */
	__u32 nr_stages;   /* out: stages the recovery has (all, even if
			    * stages_cap is smaller); 0 if nothing was to do */
	__u32 stage_size;  /* out: sizeof(struct mcs_recover_stage) */
};
MCS_ABI_SIZE(mcs_ctl_recover, 64);
#define MCS_CTL_RECOVER_SIZE_VER0 48 /* up to stages_cap: no stages */
#define MCS_CTL_RECOVER_SIZE_VER1 64

/* One stage of a recovery, in the order they ran (control.md). */
struct mcs_recover_stage {
	char name[16];
	__u64 ns; /* time spent in it */
	__u64 reserved;
};
MCS_ABI_SIZE(mcs_recover_stage, 32);

/* MCS_CTL_FREEZE and MCS_CTL_THAW */
struct mcs_ctl_freeze {
	__u32 argsz;
	__u32 flags;
};
MCS_ABI_SIZE(mcs_ctl_freeze, 8);
#define MCS_CTL_FREEZE_SIZE_VER0 8

/*
 * Fencing (control.md, "Fencing"). MCS_CTL_DAEMON makes the calling file
 * the node's membership daemon: when that file is closed, or no
 * MCS_CTL_HEARTBEAT arrives from it within deadline_ms, the kernel freezes
 * the node by itself. Each heartbeat of a joined, thawed node also renews
 * its lease word in the fabric; survivors recover a node only once its
 * lease has expired (MCS_CTL_RECOVER: -EAGAIN until then).
 */
#define MCS_LEASE_MS_DEFAULT 3000
#define MCS_LEASE_MS_MIN 100
#define MCS_LEASE_MS_MAX 600000
#define MCS_DEADLINE_MS_DEFAULT 1000

struct mcs_ctl_daemon {
	__u32 argsz;
	__u32 flags;
	__u32 deadline_ms; /* in: 0: MCS_DEADLINE_MS_DEFAULT; at most
			    * lease_ms / 2 */
	__u32 lease_ms;	   /* out: the region's lease (0: no region yet) */
	__u64 reserved;
};
MCS_ABI_SIZE(mcs_ctl_daemon, 24);
#define MCS_CTL_DAEMON_SIZE_VER0 24

struct mcs_ctl_heartbeat {
	__u32 argsz;
	__u32 flags;
	__u64 reserved;
};
MCS_ABI_SIZE(mcs_ctl_heartbeat, 16);
#define MCS_CTL_HEARTBEAT_SIZE_VER0 16

/*
 * MCS_CTL_LEAVE, on the leaving node: post LEAVING, wait for every LEAVING
 * subscriber's acknowledgement or grace_ms, then freeze this node and
 * release its lease. The survivors then declare it down with
 * MCS_DOWN_MEMORY_LOST | MCS_DOWN_PLANNED and recover it.
 */
struct mcs_ctl_leave {
	__u32 argsz;
	__u32 flags;
	__u32 grace_ms;	   /* in: 1..600000 */
	__u32 acks;	   /* out: acknowledgements received in time */
	__u32 expected;	   /* out: subscribers told */
	__u32 result;	   /* out: MCS_LEAVE_GRACE_EXPIRED */
	__u64 reserved;
};
MCS_ABI_SIZE(mcs_ctl_leave, 32);
#define MCS_CTL_LEAVE_SIZE_VER0 32
#define MCS_LEAVE_GRACE_EXPIRED (1U << 0)

/* mcs_node_status.flags */
#define MCS_NODE_F_SELF (1U << 0)	     /* this kernel is that node */
#define MCS_NODE_F_MEMORY_LOST (1U << 1)     /* declared with its memory */
#define MCS_NODE_F_PART_LOST (1U << 2)	     /* its partition is lost */
#define MCS_NODE_F_MASTER_PRIMARY (1U << 3)  /* partition holds the master */
#define MCS_NODE_F_MASTER_REPLICA (1U << 4)  /* ... or its replica */
#define MCS_NODE_F_PART_UNKNOWN (1U << 5)    /* partition fields not read */

/* Node n and partition n: one entry of the status table (a record). */
struct mcs_node_status {
	__u32 node;
	__u32 state; /* MCS_NODE_* */
	__u32 incarnation;
	__u32 recoverer; /* node recovering it, while RECOVERING */
	__u32 flags;	 /* MCS_NODE_F_* */
	__u32 part_manager;
	__u32 free_pages;
	__u32 data_pages;
	__u32 sections_used;
	__u32 reserved0;
	__u64 part_generation;
	__u64 reserved[2];
};
MCS_ABI_SIZE(mcs_node_status, 64);

/* mcs_ctl_status.state */
#define MCS_STATE_FABRIC (1U << 0) /* a fabric was found and mapped */
#define MCS_STATE_REGION (1U << 1) /* it holds a formatted region */
#define MCS_STATE_JOINED (1U << 2)
#define MCS_STATE_FROZEN (1U << 3)
#define MCS_STATE_DAEMON (1U << 4) /* a file is the daemon (MCS_CTL_DAEMON) */
#define MCS_STATE_FENCED (1U << 5) /* frozen by the kernel itself (daemon
				    * gone, heartbeat late, lease lapsed):
				    * only a new JOIN brings it back */
#define MCS_STATE_KEY (1U << 6)	   /* this kernel holds a cluster key */
#define MCS_STATE_REGION_KEYED (1U << 7) /* the region records a key check */

struct mcs_ctl_status {
	__u32 argsz;
	__u32 flags;
	__u64 nodes;	   /* in: user pointer to nodes_cap mcs_node_status */
	__u32 nodes_cap;   /* in: entries there (0: nodes may be 0) */
	__u32 nr_nodes;	   /* out: node slots of the region */
	__u32 self_node;   /* out: MCS_NODE_NONE until joined */
	__u32 self_incarnation;
	__u32 state;	   /* out: MCS_STATE_* */
	__u32 node_status_size; /* out: sizeof(struct mcs_node_status) */
	__u64 fabric_size;
	__u64 region_size;
	__u8 uuid[16];
};
MCS_ABI_SIZE(mcs_ctl_status, 72);
#define MCS_CTL_STATUS_SIZE_VER0 72

struct mcs_ctl_check {
	__u32 argsz;
	__u32 flags;
	/* out: what gmm_check() found, plus gns_check()'s violations; each
	 * violation is in the kernel log */
	__u32 violations;
	__u32 segments;
	__u32 sharers;
	__u32 free_pages;
};
MCS_ABI_SIZE(mcs_ctl_check, 24);
#define MCS_CTL_CHECK_SIZE_VER0 24

/* mcs_ctl_list.what */
#define MCS_LIST_NAMES 1    /* the gns name table */
#define MCS_LIST_SEGMENTS 2 /* the gmm master table */
#define MCS_LIST_SYNC 3     /* the sync area: mutexes and events */

/* mcs_list_entry.type for MCS_LIST_SYNC (names: MCS_NAME_T_*) */
#define MCS_SYNC_T_MUTEX 1
#define MCS_SYNC_T_EVENT_MANUAL 2
#define MCS_SYNC_T_EVENT_AUTO 3

/* mcs_list_entry.lock_state: the state of a sync object's lock */
#define MCS_LOCK_CONSISTENT 0
#define MCS_LOCK_OWNERDEAD 1	  /* taken over from a dead holder */
#define MCS_LOCK_NOTRECOVERABLE 2 /* unlocked while owner-dead */

/* mcs_list_entry.owner_node of a lock whose holding process exited */
#define MCS_OWNER_ABANDONED 0xfeU

/*
 * One listed object. Names: gid, type, name, name_len, and for a segment
 * name the segment's size, part and nr_sharers. Segments: gid, size, part,
 * nr_sharers. Sync objects: gid, type, and the lock: owner_node
 * (MCS_NODE_NONE when free, MCS_OWNER_ABANDONED), owner_incarnation,
 * owner_pid, lock_state. Unused fields are zero.
 */
struct mcs_list_entry {
	__u64 gid;
	__u64 size;
	__u32 type;
	__u32 part;
	__u32 nr_sharers;
	__u32 owner_node;
	__u32 owner_incarnation;
	__u32 owner_pid;
	__u32 lock_state;
	__u32 name_len;
	__u64 reserved[4];
	__u8 name[256];	   /* name_len bytes and a NUL */
};
MCS_ABI_SIZE(mcs_list_entry, 336);

struct mcs_ctl_list {
	__u32 argsz;
	__u32 flags;
	__u32 what;	   /* in: MCS_LIST_* */
	__u32 cursor;	   /* in/out: 0 to start, then as returned */
	__u64 entries;	   /* in: user pointer to entries_cap entries */
	__u32 entries_cap; /* in: 1..MCS_LIST_MAX */
	__u32 nr;	   /* out: entries filled; fewer than asked: the end */
	__u32 entry_size;  /* out: sizeof(struct mcs_list_entry) */
	__u32 reserved0;
};
MCS_ABI_SIZE(mcs_ctl_list, 40);
#define MCS_CTL_LIST_SIZE_VER0 40

/* Entries one MCS_CTL_LIST call fills at most. */
#define MCS_LIST_MAX 64

/*
 * MCS_CTL_LIMIT: one uid's usage and limits in the cluster, or (uid
 * MCS_LIMIT_ALL) the limits of every uid without its own; with
 * MCS_LIMIT_SET, set them first; with MCS_LIMIT_NEXT, the next uid that
 * has a count or a limit after cursor (-ENOENT at the end). Limits are
 * indexed by MCS_LIMIT_SEGMENTS..MCS_LIMIT_SYNCS; a set limit of 0 goes
 * back to the default, MCS_LIMIT_NONE never refuses (uapi.md, "Limits").
 */
#define MCS_LIMIT_SEGMENTS 0
#define MCS_LIMIT_PAGES 1   /* MCS_PAGE_SIZE pages, descriptor pages too */
#define MCS_LIMIT_NAMES 2
#define MCS_LIMIT_SYNCS 3   /* global mutexes and events */
#define MCS_LIMIT_KINDS 4
#define MCS_LIMIT_ALL 0xffffffffU
#define MCS_LIMIT_NONE (~0ULL)
#define MCS_LIMIT_SET (1U << 0)
#define MCS_LIMIT_NEXT (1U << 1)

struct mcs_ctl_limit {
	__u32 argsz;
	__u32 flags;	/* MCS_LIMIT_SET or MCS_LIMIT_NEXT */
	__u32 uid;	/* in: a uid or MCS_LIMIT_ALL; out with NEXT */
	__u32 cursor;	/* in/out with NEXT: 0 to start */
	__u64 set[MCS_LIMIT_KINDS];	/* in with SET: the limits to set */
	__u64 limit[MCS_LIMIT_KINDS];	/* out: in force */
	__u64 used[MCS_LIMIT_KINDS];	/* out: held (MCS_LIMIT_ALL: 0) */
	__u64 own[MCS_LIMIT_KINDS];	/* out: set for it; 0: none */
	__u64 builtin[MCS_LIMIT_KINDS];	/* out: the built-in defaults */
};
MCS_ABI_SIZE(mcs_ctl_limit, 176);
#define MCS_CTL_LIMIT_SIZE_VER0 176

/*
 * MCS_CTL_KEY: give this kernel the cluster key (control.md, "The cluster
 * key"): a region it formats records the key's check, and it joins only
 * a region whose check its key gives. MCS_KEY_FORGET (key all zero)
 * forgets it. The key is never read back.
 */
#define MCS_KEY_BYTES 32
#define MCS_KEY_FORGET (1U << 0)

struct mcs_ctl_key {
	__u32 argsz;
	__u32 flags;	/* MCS_KEY_FORGET */
	__u8 key[MCS_KEY_BYTES];
};
MCS_ABI_SIZE(mcs_ctl_key, 40);
#define MCS_CTL_KEY_SIZE_VER0 40

#define MCS_CTL_FORMAT _IOW(MCS_IOC_TYPE, 0x81, struct mcs_ctl_format)
#define MCS_CTL_JOIN _IOWR(MCS_IOC_TYPE, 0x82, struct mcs_ctl_join)
#define MCS_CTL_NODE_DOWN _IOW(MCS_IOC_TYPE, 0x83, struct mcs_ctl_node_down)
#define MCS_CTL_RECOVER _IOWR(MCS_IOC_TYPE, 0x84, struct mcs_ctl_recover)
#define MCS_CTL_FREEZE _IOW(MCS_IOC_TYPE, 0x85, struct mcs_ctl_freeze)
#define MCS_CTL_THAW _IOW(MCS_IOC_TYPE, 0x86, struct mcs_ctl_freeze)
#define MCS_CTL_STATUS _IOWR(MCS_IOC_TYPE, 0x87, struct mcs_ctl_status)
#define MCS_CTL_CHECK _IOWR(MCS_IOC_TYPE, 0x88, struct mcs_ctl_check)
#define MCS_CTL_LIST _IOWR(MCS_IOC_TYPE, 0x89, struct mcs_ctl_list)
#define MCS_CTL_DAEMON _IOWR(MCS_IOC_TYPE, 0x8a, struct mcs_ctl_daemon)
#define MCS_CTL_HEARTBEAT _IOW(MCS_IOC_TYPE, 0x8b, struct mcs_ctl_heartbeat)
#define MCS_CTL_LEAVE _IOWR(MCS_IOC_TYPE, 0x8c, struct mcs_ctl_leave)
#define MCS_CTL_LIMIT _IOWR(MCS_IOC_TYPE, 0x8d, struct mcs_ctl_limit)
#define MCS_CTL_KEY _IOW(MCS_IOC_TYPE, 0x8e, struct mcs_ctl_key)

/*
 * The user device, /dev/mcs (Documentation/uapi.md; the semantics are
 * documented in drivers/uapi/uapi_kmod.c). Open to everyone; what a caller
 * may do with a segment is decided by the segment's owner and mode.
 *
 * Every argument starts with argsz and flags and grows by size (above);
 * reserved fields and the output fields must be zero on input (-EINVAL),
 * so they can become inputs later without a new ioctl.
 */

/* mcs_info.features: what this kernel's /dev/mcs offers */
#define MCS_FEAT_SEG (1ULL << 0)       /* MCS_IOC_SEG_*, mmap of segments */
#define MCS_FEAT_NAME (1ULL << 1)      /* MCS_IOC_NAME_* */
#define MCS_FEAT_MUTEX (1ULL << 2)     /* MCS_IOC_MUTEX_* */
#define MCS_FEAT_MUTEX_MAP (1ULL << 3) /* mmap of lock words (struct mcs_lock) */
#define MCS_FEAT_NOTIFY (1ULL << 4)    /* MCS_IOC_NOTIFY_SUBSCRIBE, read, poll */
#define MCS_FEAT_GEVENT (1ULL << 5)    /* MCS_IOC_GEVENT_* */
/* MCS_EV_LEAVING in MCS_IOC_NOTIFY_SUBSCRIBE's mask, MCS_IOC_NOTIFY_ACK */
#define MCS_FEAT_NOTIFY_LEAVE (1ULL << 6)
/*
 * MCS_IOC_INFO's pid and tid (MCS_INFO_SIZE_VER2): the ids lock words must
 * carry, as the kernel records and abandons them.
 */
#define MCS_FEAT_TASK_IDS (1ULL << 7)

/*
 * MCS_IOC_INFO: what this node is and what the kernel offers; works
 * before the node joins. A caller of the VER0 size learns no features.
 *
 * pid and tid (MCS_FEAT_TASK_IDS) are the calling thread's process and
 * thread ids in the initial PID namespace, which is how the kernel names
 * lock owners whatever PID namespace the caller is in: the process part
 * of an owner tag (MCS_LOCK_TAG) and struct mcs_lock's tid, written by
 * the user-space fast path, must be these, not getpid() and gettid() of
 * a PID namespace. They are the caller's, not the file's: a forked child
 * or another thread asks again.
 */
struct mcs_info {
	__u32 argsz;
	__u32 flags;
	/* out */
	__u32 node;	   /* MCS_NODE_NONE until the node joins */
	__u32 incarnation;
	__u32 page_size;   /* MCS_PAGE_SIZE */
	__u32 reserved0;
	__u64 features;	   /* MCS_FEAT_* */
	__u32 pid;	   /* the caller's process, as lock owners are named */
	__u32 tid;	   /* the calling thread, likewise */
};
MCS_ABI_SIZE(mcs_info, 40);
#define MCS_INFO_SIZE_VER0 24 /* up to reserved0: no features */
#define MCS_INFO_SIZE_VER1 32 /* features */
#define MCS_INFO_SIZE_VER2 40 /* pid and tid (MCS_FEAT_TASK_IDS) */

/* mcs_seg.flags */
#define MCS_SEG_RDONLY (1U << 0) /* OPEN: read access only */

/* mcs_seg.state */
#define MCS_SEG_S_WRITABLE (1U << 0) /* this file's share may map writable */

/* Permission bits of mcs_seg.mode (as for files; others are -EINVAL). */
#define MCS_SEG_MODE_MASK 0777U

/*
 * One argument for every segment command. In: argsz, flags, gid; for
 * CREATE also size, place and mode. Every other field is output and must
 * be zero on input.
 */
struct mcs_seg {
	__u32 argsz;
	__u32 flags;
	__u64 gid;
	__u64 size;	    /* bytes, a multiple of MCS_PAGE_SIZE */
	__s32 place;	    /* MCS_PLACE_* or a partition number */
	__u32 mode;	    /* MCS_SEG_MODE_MASK bits */
	__u64 mmap_offset;  /* mmap() offset of the segment's first byte */
	__u32 owner_uid;
	__u32 owner_gid;
	__u32 home;	    /* partition holding its memory */
	__u32 nr_sharers;
	__u32 state;	    /* MCS_SEG_S_* */
	__u32 reserved0;
};
MCS_ABI_SIZE(mcs_seg, 64);
#define MCS_SEG_SIZE_VER0 64

/*
 * Names (the global name service, Documentation/gns.md): 1..MCS_NAME_MAX
 * bytes of printable ASCII (0x21..0x7e) without '/', optionally preceded
 * by one '/' that is not part of the name ("/db" and "db" are the same
 * name); "." and ".." are not names. The name is passed by user pointer
 * and length (no NUL needed, none allowed inside): name_len 0 or a bad
 * byte is -EINVAL; a name longer than MCS_NAME_MAX (after the optional
 * '/') is -ENAMETOOLONG.
 */
#define MCS_NAME_MAX 255

/* mcs_name.type: what a name names */
#define MCS_NAME_T_SEGMENT 1
#define MCS_NAME_T_LOCK 2
#define MCS_NAME_T_EVENT 3

/*
 * One argument for every name command. In: argsz, flags, name, name_len;
 * for SEG_CREATE also size, place and mode. Every other field is output
 * and must be zero on input. SEG_CREATE and SEG_OPEN fill in
 * the segment fields as struct mcs_seg does; LOOKUP fills type and gid.
 */
struct mcs_name {
	__u32 argsz;
	__u32 flags;	    /* MCS_SEG_RDONLY for NAME_SEG_OPEN, else 0 */
	__u64 name;	    /* user pointer to name_len bytes */
	__u32 name_len;
	__u32 type;	    /* out: MCS_NAME_T_* */
	__u64 gid;	    /* out: the GID the name names */
	__u64 size;	    /* bytes, a multiple of MCS_PAGE_SIZE */
	__s32 place;	    /* MCS_PLACE_* or a partition number */
	__u32 mode;	    /* MCS_SEG_MODE_MASK bits */
	__u64 mmap_offset;
	__u32 owner_uid;
	__u32 owner_gid;
	__u32 home;
	__u32 nr_sharers;
	__u32 state;	    /* MCS_SEG_S_* */
	__u32 reserved0;
};
MCS_ABI_SIZE(mcs_name, 80);
#define MCS_NAME_SIZE_VER0 80

/*
 * Global mutexes (the region's sync area, Documentation/glock.md): POSIX
 * robust mutex semantics across nodes. A mutex is named by a GID (chosen
 * by the caller, without bit 62, which gns GIDs carry) or by a name (gns
 * type lock, which then issues the GID). The lock belongs to the thread
 * that took it through an open file; when the file is closed (the process
 * exits or is killed) every mutex it still holds is abandoned, and when a
 * node dies, every mutex its processes held: the next acquirer gets it
 * with -EOWNERDEAD and must call MCS_IOC_MUTEX_CONSISTENT before unlocking,
 * or the mutex becomes not recoverable (-ENOTRECOVERABLE for good).
 *
 * Mutexes and global events have an owner (the creator's fsuid and fsgid)
 * and a mode given at CREATE (file-like bits, MCS_SEG_MODE_MASK): a mutex
 * is opened and locked by who may read and write it, an event is waited
 * for by who may read it and set or reset by who may write it (opened by
 * who may do either); only its owner (or CAP_SYS_ADMIN) destroys one or
 * unlinks its name (-EPERM); -EACCES otherwise.
 */

/* mcs_mutex.flags */
#define MCS_MUTEX_TRY (1U << 0)   /* LOCK: never wait (-EBUSY) */
#define MCS_MUTEX_TIMED (1U << 1) /* LOCK: wait timeout_ns at most */

/*
 * One argument for every mutex command. CREATE and OPEN: by name (name,
 * name_len as for struct mcs_name; gid is output and must be 0) or by
 * GID (name and name_len 0). DESTROY, LOCK, UNLOCK, CONSISTENT: by GID
 * only. timeout_ns: LOCK with MCS_MUTEX_TIMED only, else 0.
 *
 * The user-space fast path (MCS_FEAT_MUTEX_MAP): CREATE and OPEN also
 * return where the mutex's lock word (struct mcs_lock, below) can be
 * mapped: mmap(PROT_READ | PROT_WRITE, MAP_SHARED) of one page at
 * mmap_offset, the struct mcs_sync_obj at lock_offset in it. A free lock
 * is taken there with one compare-and-swap of the owner tag (node,
 * incarnation, process) and released with another; anything else
 * (waiting, owner-dead, not recoverable) goes through
 * MCS_IOC_MUTEX_LOCK/UNLOCK. A mutex opened through a file counts as
 * possibly held by it: when the file is released, it is abandoned if the
 * opener's tag holds it.
 */
struct mcs_mutex {
	__u32 argsz;
	__u32 flags;
	__u64 name;	   /* user pointer to name_len bytes, or 0 */
	__u32 name_len;
	__u32 mode;	   /* CREATE: MCS_SEG_MODE_MASK bits, else 0 */
	__u64 gid;
	__u64 timeout_ns;
	__u64 mmap_offset; /* out (CREATE, OPEN): the lock word's page */
	__u32 lock_offset; /* out (CREATE, OPEN): its offset in that page */
	__u32 reserved0;
};
MCS_ABI_SIZE(mcs_mutex, 56);
#define MCS_MUTEX_SIZE_VER0 56

/*
 * The lock word as user space maps it (MCS_FEAT_MUTEX_MAP): one cache line
 * of little-endian words, at the start of the mutex's lock page. The same
 * layout is the kernel's struct glock (drivers/glock/glock.h, which
 * asserts it). owner is the lock word proper: 0 free, else the holder's
 * tag, MCS_LOCK_TAG(node, incarnation, pid). state is MCS_LOCK_* and is
 * written only by the holder.
 *
 * User space may do two things, and only with atomic (lock-prefixed)
 * instructions; everything else is the kernel's (MCS_IOC_MUTEX_*):
 *   take: if owner == 0 and handoff == 0, compare-and-swap owner 0 -> tag,
 *	then write tid; if state is then not MCS_LOCK_CONSISTENT, undo it
 *	(tid = 0, owner tag -> 0, need_wake = 0, add 1 to wseq) and ask the
 *	kernel;
 *   release: if owner == tag, tid is the caller's and state is
 *	MCS_LOCK_CONSISTENT, write tid = 0, compare-and-swap owner tag -> 0,
 *	then if need_wake is 1, compare-and-swap it 1 -> 0 and, if that
 *	succeeded, add 1 to wseq (the kernel's sleepers watch it).
 * Before trusting a lock taken so, check that gid still names the mutex
 * (a destroyed mutex's slot is reused).
 */
struct mcs_lock {
	__u64 owner;	 /* owner tag, 0 = free */
	__u32 next;	 /* the kernel's: next ticket handed to a waiter */
	__u32 serving;	 /* the kernel's: the ticket whose turn it is */
	__u32 wseq;	 /* bumped by every wake */
	__u32 state;	 /* MCS_LOCK_* */
	__u32 tid;	 /* the holding thread */
	__u32 need_wake; /* a waiter sleeps: the next release wakes */
	__u32 handoff;	 /* a waiter in turn waited long: no taking */
	__u32 reserved0;
	__u64 reserved[3];
};
MCS_ABI_SIZE(mcs_lock, 64);

/*
 * The start of a mutex's lock page (its only content): the lock word and
 * a copy of the mutex's GID (0 once it is destroyed).
 */
struct mcs_sync_obj {
	struct mcs_lock lock;
	__u64 gid;	     /* the mutex or event it is; 0: a free slot */
	__u32 kernel[14];    /* type, state, owner and mode: the kernel's */
};
MCS_ABI_SIZE(mcs_sync_obj, 128);

/* Owner tags: node:8 | incarnation:24 | process:32; never 0 when held. */
#define MCS_LOCK_TAG(node, inc, pid)                                      \
	((__u64)(node) << 56 | (__u64)((inc) & 0xffffffU) << 32 |         \
	 (__u32)(pid))
#define MCS_LOCK_TAG_NODE(t) ((__u32)((t) >> 56))
#define MCS_LOCK_TAG_INC(t) ((__u32)(((t) >> 32) & 0xffffffU))
#define MCS_LOCK_TAG_PID(t) ((__u32)(t))

/*
 * Cluster events (Documentation/events.md): a /dev/mcs file subscribes
 * with MCS_IOC_NOTIFY_SUBSCRIBE to a mask of event types; from then on
 * poll() reports POLLIN while records are pending and read() returns
 * whole struct mcs_notify_rec, in sequence order. Records the file could
 * not keep (its queue was full, or the cluster log lapped this node) are
 * reported as one MCS_EV_OVERRUN record, never dropped silently.
 */
#define MCS_EV_NODE_DOWN 1     /* a node incarnation died or left */
#define MCS_EV_NODE_UP 2       /* a node joined in a new incarnation */
#define MCS_EV_RESOURCE_LOST 3 /* a node's partition memory is gone */
#define MCS_EV_RECOVERY_DONE 4 /* the tables are consistent again */
#define MCS_EV_LEAVING 5       /* planned removal: grace period starts */
#define MCS_EV_OVERRUN 6       /* records were missed (always delivered) */

#define MCS_EV_MASK(type) (1U << (type))
/* Every type one may subscribe to (OVERRUN comes unasked). */
#define MCS_EV_ALL 0x7eU

/* mcs_notify_rec.flags of NODE_DOWN, RESOURCE_LOST, RECOVERY_DONE */
#define MCS_EVF_PLANNED 0x1 /* the end of a planned leave, not a crash */

/*
 * The events that need no answer. MCS_EV_LEAVING is asked for on its own
 * (MCS_FEAT_NOTIFY_LEAVE): a planned leave waits for each of its
 * subscribers to acknowledge it (MCS_IOC_NOTIFY_ACK), or its grace period.
 */
#define MCS_EV_APP_MASK                                                     \
	(MCS_EV_MASK(MCS_EV_NODE_DOWN) | MCS_EV_MASK(MCS_EV_NODE_UP) |      \
	 MCS_EV_MASK(MCS_EV_RESOURCE_LOST) | MCS_EV_MASK(MCS_EV_RECOVERY_DONE))

/*
 * MCS_IOC_NOTIFY_SUBSCRIBE: in mask (MCS_EV_MASK() bits of
 * MCS_EV_APP_MASK and MCS_EV_LEAVING, at least one; MCS_EV_OVERRUN's may
 * be set, it comes anyway); out seq (the last record of the
 * cluster log before the subscription: exactly the later ones are
 * delivered) and record_size (sizeof(struct mcs_notify_rec)). Once per
 * file (-EALREADY); the subscription ends when the file is closed.
 */
struct mcs_notify {
	__u32 argsz;
	__u32 flags;
	__u32 mask;
	__u32 record_size;
	__u64 seq;
};
MCS_ABI_SIZE(mcs_notify, 24);
#define MCS_NOTIFY_SIZE_VER0 24

/*
 * One record, as read() returns it: a fixed size (new fields take the
 * reserved ones, which the kernel zeroes).
 */
struct mcs_notify_rec {
	__u32 size;	   /* sizeof(struct mcs_notify_rec): 64 */
	__u32 type;	   /* MCS_EV_* */
	__u64 seq;	   /* cluster-wide, increasing; OVERRUN: the first missed */
	__u32 node;	   /* the node it is about */
	__u32 incarnation; /* of that node */
	__u32 flags;	   /* MCS_EVF_* */
	__u32 reserved0;
	__u64 arg;	   /* LEAVING: grace ns; RESOURCE_LOST: segments revoked;
			      OVERRUN: records missed */
	__u64 reserved[3];
};
MCS_ABI_SIZE(mcs_notify_rec, 64);

/*
 * MCS_IOC_NOTIFY_ACK: a subscriber to MCS_EV_LEAVING has let go of the
 * leaving node's resources; seq is the LEAVING record's, as read.
 */
struct mcs_notify_ack {
	__u32 argsz;
	__u32 flags;
	__u64 seq;
	__u64 reserved[2];
};
MCS_ABI_SIZE(mcs_notify_ack, 32);
#define MCS_NOTIFY_ACK_SIZE_VER0 32

/*
 * Global events (the region's sync area, Documentation/events.md),
 * Win32-like: a manual-reset event releases every waiter while it is set;
 * an auto-reset event releases one waiter per set and resets itself.
 * Named by a GID (chosen by the caller, without bit 62) or by a name (gns
 * type event, which then issues the GID), as global mutexes are.
 */

/* mcs_gevent.flags */
#define MCS_GEVENT_AUTO (1U << 0)     /* CREATE: auto-reset */
#define MCS_GEVENT_SIGNALED (1U << 1) /* CREATE: start set */
#define MCS_GEVENT_TIMED (1U << 2)    /* WAIT: wait timeout_ns at most */

/*
 * One argument for every global event command. CREATE and OPEN: by name
 * (name, name_len as for struct mcs_name; gid is output and must be 0)
 * or by GID (name and name_len 0). DESTROY, SET, RESET, WAIT: by GID
 * only. timeout_ns: WAIT with MCS_GEVENT_TIMED only, else 0.
 */
struct mcs_gevent {
	__u32 argsz;
	__u32 flags;
	__u64 name;	   /* user pointer to name_len bytes, or 0 */
	__u32 name_len;
	__u32 mode;	   /* CREATE: MCS_SEG_MODE_MASK bits, else 0 */
	__u64 gid;
	__u64 timeout_ns;
};
MCS_ABI_SIZE(mcs_gevent, 40);
#define MCS_GEVENT_SIZE_VER0 40

#define MCS_IOC_INFO _IOWR(MCS_IOC_TYPE, 0x01, struct mcs_info)
#define MCS_IOC_SEG_CREATE _IOWR(MCS_IOC_TYPE, 0x10, struct mcs_seg)
#define MCS_IOC_SEG_OPEN _IOWR(MCS_IOC_TYPE, 0x11, struct mcs_seg)
#define MCS_IOC_SEG_RELEASE _IOW(MCS_IOC_TYPE, 0x12, struct mcs_seg)
#define MCS_IOC_SEG_DESTROY _IOW(MCS_IOC_TYPE, 0x13, struct mcs_seg)
#define MCS_IOC_SEG_STAT _IOWR(MCS_IOC_TYPE, 0x14, struct mcs_seg)
#define MCS_IOC_NAME_SEG_CREATE _IOWR(MCS_IOC_TYPE, 0x20, struct mcs_name)
#define MCS_IOC_NAME_SEG_OPEN _IOWR(MCS_IOC_TYPE, 0x21, struct mcs_name)
#define MCS_IOC_NAME_UNLINK _IOW(MCS_IOC_TYPE, 0x22, struct mcs_name)
#define MCS_IOC_NAME_LOOKUP _IOWR(MCS_IOC_TYPE, 0x23, struct mcs_name)
#define MCS_IOC_MUTEX_CREATE _IOWR(MCS_IOC_TYPE, 0x30, struct mcs_mutex)
#define MCS_IOC_MUTEX_OPEN _IOWR(MCS_IOC_TYPE, 0x31, struct mcs_mutex)
#define MCS_IOC_MUTEX_DESTROY _IOW(MCS_IOC_TYPE, 0x32, struct mcs_mutex)
#define MCS_IOC_MUTEX_LOCK _IOW(MCS_IOC_TYPE, 0x33, struct mcs_mutex)
#define MCS_IOC_MUTEX_UNLOCK _IOW(MCS_IOC_TYPE, 0x34, struct mcs_mutex)
#define MCS_IOC_MUTEX_CONSISTENT _IOW(MCS_IOC_TYPE, 0x35, struct mcs_mutex)
#define MCS_IOC_NOTIFY_SUBSCRIBE _IOWR(MCS_IOC_TYPE, 0x40, struct mcs_notify)
#define MCS_IOC_NOTIFY_ACK _IOW(MCS_IOC_TYPE, 0x41, struct mcs_notify_ack)
#define MCS_IOC_GEVENT_CREATE _IOWR(MCS_IOC_TYPE, 0x50, struct mcs_gevent)
#define MCS_IOC_GEVENT_OPEN _IOWR(MCS_IOC_TYPE, 0x51, struct mcs_gevent)
#define MCS_IOC_GEVENT_DESTROY _IOW(MCS_IOC_TYPE, 0x52, struct mcs_gevent)
#define MCS_IOC_GEVENT_SET _IOW(MCS_IOC_TYPE, 0x53, struct mcs_gevent)
#define MCS_IOC_GEVENT_RESET _IOW(MCS_IOC_TYPE, 0x54, struct mcs_gevent)
#define MCS_IOC_GEVENT_WAIT _IOW(MCS_IOC_TYPE, 0x55, struct mcs_gevent)

#endif /* _UAPI_LINUX_MCS_H */
