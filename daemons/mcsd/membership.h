/* SPDX-License-Identifier: GPL-2.0 */
/*
 * membership.h - mcsd's membership decisions, apart from Corosync and the
 * kernel: CPG changes, quorum and the group's messages go in, kernel
 * commands (through struct mcsd_ops) and messages come out. Pure C, so
 * tests/unit/test_mcsd.c drives it with a fake cluster.
 *
 * Node ids here are Corosync's (1..MCSD_MAX_NODES); the kernel's are one
 * less (mcsd_mcs_id()). Documentation/mcsd.md describes the protocol.
 */
#ifndef MCSD_MEMBERSHIP_H
#define MCSD_MEMBERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/mcs.h>

#define MCSD_MAX_NODES MCS_MAX_NODES
#define MCSD_RETRY_MS 100	/* RECOVER -EAGAIN, JOIN -EAGAIN */
#define MCSD_FENCED_POLL_MS 500 /* a fenced node waits for CLEAN */

static inline uint32_t mcsd_mcs_id(uint32_t nodeid)
{
	return nodeid - 1;
}

static inline uint64_t mcsd_bit(uint32_t nodeid)
{
	return 1ULL << (nodeid - 1);
}

/* The group's messages (on the wire little-endian, mcsd.c converts). */
enum mcsd_msg_type {
	MCSD_MSG_START = 1,	 /* I have seen this change (ring, members) */
	MCSD_MSG_JOIN_REQ = 2,	 /* admit me */
	MCSD_MSG_GRANT = 3,	 /* admitter: `node` may join now */
	MCSD_MSG_JOINED = 4,	 /* `node` joined in `incarnation` */
	MCSD_MSG_JOIN_FAILED = 5, /* `node` gave up (error in `value`) */
	MCSD_MSG_RECOVERED = 6,	 /* `node` `incarnation` is recovered */
	MCSD_MSG_LEAVING = 7,	 /* `node` leaves on purpose */
	MCSD_MSG_STALE = 8,	 /* JOIN -EBUSY: recover my old `incarnation` */
	MCSD_MSG_FENCED = 9,	 /* my kernel fenced me: recover `incarnation` */
};

/* A node's own phase, as it announces it. */
enum mcsd_phase {
	MCSD_PH_BOOT = 0,    /* in the group, not yet asked to join */
	MCSD_PH_WAITING = 1, /* asked, not yet granted */
	MCSD_PH_JOINING = 2, /* granted: FORMAT/JOIN under way */
	MCSD_PH_STALE = 3,   /* JOIN said -EBUSY: its old self must be recovered */
	MCSD_PH_JOINED = 4,
	MCSD_PH_FENCED = 5,  /* fenced: waits for its old self to be CLEAN */
	MCSD_PH_LEAVING = 6,
	MCSD_PH_FAILED = 7,  /* a fatal error; mcsd exits */
};

struct mcsd_msg {
	uint32_t type;
	uint32_t from; /* sender's nodeid (the receiver fills it in) */
	uint32_t node;
	uint32_t incarnation;
	uint32_t phase;	   /* START: the sender's phase */
	uint32_t ring_node; /* START: the ring the sender's change was in */
	uint64_t ring_seq;
	uint64_t members; /* START: the change's members, bit nodeid-1 */
	uint64_t failed;  /* START: nodes the sender knows to recover */
	uint64_t planned; /* START: ... of which left on purpose */
	uint64_t value;	  /* RECOVERED: total ns; JOIN_FAILED: -errno */
};

/* What MCS_CTL_STATUS said, as far as membership needs it. */
struct mcsd_kstatus {
	uint32_t state;	   /* MCS_STATE_* */
	uint32_t nr_nodes; /* node slots of the region (0: none) */
	uint32_t self_node;
	uint32_t self_incarnation;
	uint32_t node_state[MCSD_MAX_NODES]; /* MCS_NODE_*, by mcs id */
	uint32_t node_inc[MCSD_MAX_NODES];
};

struct mcsd_recovered {
	uint32_t incarnation;
	uint32_t result; /* MCS_RECOVER_* */
	uint64_t total_ns;
};

/*
 * The outside world. Kernel calls take mcs node ids and return 0 or a
 * negative errno; mcsd.c implements them with ioctls on /dev/mcs-control,
 * the unit test with a fake fabric.
 */
struct mcsd_ops {
	int (*send)(void *ctx, const struct mcsd_msg *m);
	int (*status)(void *ctx, struct mcsd_kstatus *st);
	int (*format)(void *ctx);
	int (*join)(void *ctx, uint32_t node, uint32_t *incarnation);
	int (*node_down)(void *ctx, uint32_t node, uint32_t inc, uint32_t flags);
	int (*recover)(void *ctx, uint32_t node, struct mcsd_recovered *r);
	int (*freeze)(void *ctx);
	int (*thaw)(void *ctx);
	void (*heartbeat)(void *ctx, bool on); /* start/stop the timer */
	void (*retry)(void *ctx, uint32_t ms); /* call mcsd_sm_tick() then */
	uint64_t (*now_ms)(void *ctx);
	void (*log)(void *ctx, int prio, const char *msg); /* LOG_* */
};

struct mcsd_member {
	bool in_group;
	bool started;	/* sent START for the current change */
	uint32_t phase; /* enum mcsd_phase, from its messages */
	uint32_t incarnation;
	bool leaving;	/* its LEAVING arrived */
};

struct mcsd_sm {
	const struct mcsd_ops *ops;
	void *ctx;
	uint32_t self; /* our Corosync nodeid */
	uint32_t phase;
	uint32_t incarnation;
	int exit_code; /* set with MCSD_PH_FAILED */

	struct mcsd_member m[MCSD_MAX_NODES + 1]; /* by nodeid */
	uint64_t members;	   /* current CPG members */
	uint32_t cpg_ring_node;	   /* latest totem ring CPG reported */
	uint64_t cpg_ring_seq;
	uint32_t q_ring_node;	   /* ... and quorum reported */
	uint64_t q_ring_seq;
	bool quorate;
	bool have_quorum_info;
	bool in_group;		   /* our own join has been delivered */
	bool frozen_by_us;	   /* FREEZE on quorum loss, THAW may undo it */
	uint32_t changes;	   /* configuration changes seen */

	/* Recovery: nodes to recover, replicated through the messages. */
	uint64_t failed;
	uint64_t planned;
	uint64_t done_local; /* RECOVER done here, RECOVERED not yet back */
	uint64_t waiting;    /* RECOVER said -EAGAIN (logged once) */
	uint64_t failed_ms[MCSD_MAX_NODES + 1];
	uint64_t lease_wait_ms[MCSD_MAX_NODES + 1]; /* first -EAGAIN */

	/* Admission, replicated: who waits in order, who is granted. */
	uint32_t queue[MCSD_MAX_NODES];
	uint32_t queue_len;
	uint32_t granted;

	bool retry_armed;
	bool observer; /* mcsd --probe: settle, never act */
};

void mcsd_sm_init(struct mcsd_sm *sm, const struct mcsd_ops *ops, void *ctx,
		  uint32_t self);
/* A CPG configuration change (reasons: CPG_REASON_* values). */
void mcsd_sm_confchg(struct mcsd_sm *sm, const uint32_t *members, uint32_t n,
		     const uint32_t *left, const uint32_t *left_reason,
		     uint32_t n_left, const uint32_t *joined, uint32_t n_joined);
void mcsd_sm_totem(struct mcsd_sm *sm, uint32_t ring_node, uint64_t ring_seq);
void mcsd_sm_quorum(struct mcsd_sm *sm, bool quorate, uint32_t ring_node,
		    uint64_t ring_seq);
void mcsd_sm_message(struct mcsd_sm *sm, const struct mcsd_msg *m);
/* The retry timer asked for with ops->retry fired. */
void mcsd_sm_tick(struct mcsd_sm *sm);
/* Planned leave, after MCS_CTL_LEAVE: announce it. */
int mcsd_sm_leave(struct mcsd_sm *sm);
/* The kernel says it fenced this node (heartbeat refused, STATUS). */
void mcsd_sm_fenced(struct mcsd_sm *sm);

bool mcsd_sm_settled(const struct mcsd_sm *sm);
uint32_t mcsd_sm_recoverer(const struct mcsd_sm *sm);
uint32_t mcsd_sm_admitter(const struct mcsd_sm *sm);
const char *mcsd_phase_name(uint32_t phase);
const char *mcsd_msg_name(uint32_t type);

/* Exit codes (mcsd.8, Documentation/mcsd.md). */
#define MCSD_EXIT_OK 0
#define MCSD_EXIT_USAGE 1    /* bad option or configuration */
#define MCSD_EXIT_COROSYNC 2 /* Corosync not reachable, or lost */
#define MCSD_EXIT_DEVICE 3   /* /dev/mcs-control missing or refused */
#define MCSD_EXIT_RUNNING 4  /* another mcsd for this node */
#define MCSD_EXIT_NODEID 5   /* node id not usable with this region */
#define MCSD_EXIT_KEY 7      /* the cluster key unreadable, or refused */
#define MCSD_EXIT_JOIN 6     /* the kernel refused FORMAT/JOIN for good */

/* mcsd.conf */
struct mcsd_conf {
	uint32_t deadline_ms;
	uint32_t lease_ms;
	uint32_t grace_ms;
	uint32_t nodes; /* 0: the Corosync nodelist's size */
	/* The cluster key given to the kernel before FORMAT/JOIN; "": none. */
	char key_file[256];
};

void mcsd_conf_defaults(struct mcsd_conf *c);
/* Parses key=value text; on error -EINVAL and a message in err. */
int mcsd_conf_parse(struct mcsd_conf *c, const char *text, char *err,
		    unsigned int errlen);

#endif
