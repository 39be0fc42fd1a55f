/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crashpoint.h - named places where a node can be made to die on purpose.
 *
 * Every step of a transaction, of lock repair and of recovery that leaves
 * the fabric in an intermediate state has a crash point after it. The
 * user-space torture test arms one point in one process and the process
 * kills itself (SIGKILL) when it gets there, so every intermediate state is
 * proven recoverable, not only the ones a random kill happens to hit.
 *
 * The kernel build compiles crash points to nothing.
 */
#ifndef MCS_CRASHPOINT_H
#define MCS_CRASHPOINT_H

#define MCS_CRASH_POINTS(X)                                                \
	X(TXN_BEGUN)            /* transaction slot claimed */              \
	X(MASTER_PRIMARY_TAGGED) /* primary master entry pending, replica not */ \
	X(MASTER_TAGGED)        /* both master copies pending */            \
	X(SECTION_TAGGED)       /* section descriptor pending */            \
	X(PAGES_HALF_TAKEN)     /* some of the run's bitmap words set */    \
	X(PAGES_TAKEN)          /* whole run marked used */                 \
	X(SHARER_TAGGED)        /* sharer descriptor pending */             \
	X(MASTER_FILLED)        /* master entries point at the section */   \
	X(COMMITTED)            /* commit record written */                 \
	X(FINAL_MASTER_PRIMARY) /* primary settled, replica still pending */ \
	X(FINAL_MASTER)         /* both master copies settled */            \
	X(FINAL_PARTITION)      /* partition entries settled */             \
	X(PAGES_HALF_FREED)     /* some of a freed run's bits cleared */    \
	X(TXN_SETTLED)          /* all settled, slot not yet released */    \
	X(ABORT_HALF_DONE)      /* in-process abort halfway */              \
	X(GLOCK_QUEUED)         /* glock ticket taken, lock not held */     \
	X(GLOCK_ADMITTED)       /* glock taken in turn, queue not advanced */ \
	X(GLOCK_RELEASED)       /* glock free, waiters not yet woken */     \
	X(APP_CRITICAL)         /* inside an application's global mutex */  \
	X(LOCK_STOLEN)          /* dead owner's lock taken, not repaired */ \
	X(REPAIR_HALF_DONE)     /* repair of a stolen structure halfway */  \
	X(RECOVERY_CLAIMED)     /* this node took on a recovery */          \
	X(RECOVERY_SHARERS_HALF) /* sharers stage halfway */                \
	X(RECOVERY_SHARERS)     /* sharers stage done */                    \
	X(RECOVERY_INFLIGHT)    /* inflight stage done */                   \
	X(RECOVERY_MASTER_HALF_COPIED) /* master stage, copy half written */ \
	X(RECOVERY_MASTER)      /* master stage done */                     \
	X(RECOVERY_FREE)        /* free stage done */                       \
	X(RECOVERY_REVOKE_HALF) /* partition stage on loss, halfway */      \
	X(RECOVERY_PARTITION)   /* partition stage done */                  \
	X(RECOVERY_LOCKS_HALF)  /* sync stage, some of its locks broken */  \
	X(RECOVERY_TOLD)        /* events posted, node not yet clean */     \
	X(JOIN_REFORMAT_HALF)   /* rejoin after loss, partition half reset */ \
	X(GNS_GID_TAKEN)        /* gns: GID issued, no entry tagged yet */  \
	X(GNS_TAGGED)           /* gns: name entry pending */               \
	X(GNS_SEG_DONE)         /* gns: gmm alloc/destroy done, not committed */ \
	X(GNS_COMMITTED)        /* gns: commit record written */            \
	X(GNS_SETTLED)          /* gns: entry settled, record not cleared */ \
	X(GNS_REPAIR_HALF)      /* gns: dead owner's entry settled, record not cleared */ \
	X(GNS_RECOVERY_SETTLED) /* gns_recover: lock cycled, sweep not done */

enum mcs_crash_point {
#define MCS_CP_ENUM(name) MCS_CP_##name,
	MCS_CRASH_POINTS(MCS_CP_ENUM)
#undef MCS_CP_ENUM
	MCS_CP_COUNT
};

#ifdef __KERNEL__
#define mcs_crash_point(cp) do { } while (0)
#else
/* Set by a test harness; NULL in every other program. */
extern void (*mcs_crash_hook)(enum mcs_crash_point cp);
extern const char *const mcs_crash_point_names[MCS_CP_COUNT];

#define mcs_crash_point(cp)                                                \
	do {                                                               \
		if (unlikely(mcs_crash_hook))                              \
			mcs_crash_hook(MCS_CP_##cp);                       \
	} while (0)
#endif

#endif /* MCS_CRASHPOINT_H */
