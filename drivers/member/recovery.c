// SPDX-License-Identifier: GPL-2.0
/*
 * recovery.c - the one recovery sequence of a dead node.
 *
 * Like ls_recover() in Linux fs/dlm: one function runs named stages top to
 * bottom, and each component recovers only its own state in its own
 * stage. The stages (Documentation/architecture.md, "Recovery"):
 *
 *   claim      gmm: the node word names this node as the recoverer
 *   sharers    gmm: the dead incarnation shares no segment any more
 *   inflight   gmm: its table locks taken over, its transactions settled
 *   master     gmm: no master copy on a lost partition
 *   free       gmm: destroyed segments nobody shares are freed
 *   partition  gmm: its partitions revoked (memory lost) or taken over
 *   sync       gsync: the global mutexes and events it held are broken
 *   events     events: the event log's lock, its LEAVING subscribers
 *   names      gns: the name table settled, names of revoked segments gone
 *   tell       events: NODE_DOWN, RESOURCE_LOST, RECOVERY_DONE posted
 *   finish     gmm: the node word says CLEAN; the node may rejoin
 *
 * Every stage is idempotent. A recoverer that dies anywhere leaves the
 * node RECOVERING under a dead claim; the next survivor to call claims it
 * and runs every stage again, so the sequence restarts at any stage. The
 * events are told before the node may rejoin, so its NODE_UP always comes
 * after them; a recoverer that dies between tell and finish makes its
 * successor tell again (subscribers see the same incarnation's events
 * twice, never none). If membership declares its memory lost while the
 * stages run, they run again, and tell again with RESOURCE_LOST.
 */
#include "member.h"
#include "../os/crashpoint.h"

#ifndef __KERNEL__
#include <stdio.h>
#endif

static const char *const member_stage_names[MEMBER_NR_STAGES] = {
	[MEMBER_STAGE_CLAIM] = "claim",
	[MEMBER_STAGE_SHARERS] = "sharers",
	[MEMBER_STAGE_INFLIGHT] = "inflight",
	[MEMBER_STAGE_MASTER] = "master",
	[MEMBER_STAGE_FREE] = "free",
	[MEMBER_STAGE_PARTITION] = "partition",
	[MEMBER_STAGE_SYNC] = "sync",
	[MEMBER_STAGE_EVENTS] = "events",
	[MEMBER_STAGE_NAMES] = "names",
	[MEMBER_STAGE_TELL] = "tell",
	[MEMBER_STAGE_FINISH] = "finish",
};

/**
 * member_stage_name - the name of a recovery stage
 * @stage: enum member_stage
 *
 * Return: its name, or "?" for a number that is no stage.
 */
const char *member_stage_name(u32 stage)
{
	return stage < MEMBER_NR_STAGES ? member_stage_names[stage] : "?";
}

/* What a stage did, in a few words, for the log. */
static void member_stage_what(const struct member_recovery *rec, u32 stage,
			      char *buf, size_t len)
{
	const struct gmm_recovery_report *g = &rec->gmm;

	switch (stage) {
	case MEMBER_STAGE_CLAIM:
		snprintf(buf, len, "incarnation %u%s", rec->incarnation,
			 rec->memory_lost ? ", memory lost" : "");
		break;
	case MEMBER_STAGE_SHARERS:
		snprintf(buf, len, "%u sharers removed", g->sharers_removed);
		break;
	case MEMBER_STAGE_INFLIGHT:
		snprintf(buf, len, "%u transactions rolled back, %u forward",
			 g->txns_rolled_back, g->txns_rolled_forward);
		break;
	case MEMBER_STAGE_MASTER:
		snprintf(buf, len, "%u master copies rebuilt",
			 g->master_copies_rebuilt);
		break;
	case MEMBER_STAGE_FREE:
		snprintf(buf, len, "%u segments freed", g->sections_freed);
		break;
	case MEMBER_STAGE_PARTITION:
		snprintf(buf, len, "%u segments revoked%s", g->sections_revoked,
			 g->partition_taken_over ? ", partition taken over" :
						   "");
		break;
	case MEMBER_STAGE_SYNC:
		snprintf(buf, len, "%u locks broken", rec->sync_locks_broken);
		break;
	case MEMBER_STAGE_EVENTS:
		snprintf(buf, len, "%u locks broken", rec->event_locks_broken);
		break;
	case MEMBER_STAGE_NAMES:
		snprintf(buf, len, "%u names removed, %u transactions settled",
			 rec->gns.dangling_removed,
			 rec->gns.rolled_forward + rec->gns.rolled_back);
		break;
	case MEMBER_STAGE_TELL:
		snprintf(buf, len, "%s",
			 rec->told ? "events posted" : "not posted");
		break;
	default:
		snprintf(buf, len, "node clean");
		break;
	}
}

/* Time a stage, keep its time and tell the log what it did. */
static void member_stage_end(struct member_recovery *rec, u32 stage, u64 *t0)
{
	u64 now = mcs_os_now_ns();
	char what[96];

	rec->stage_ns[stage] += now - *t0;
	*t0 = now;
	if (!rec->log)
		return;
	member_stage_what(rec, stage, what, sizeof(what));
	rec->log(rec->log_arg, rec->node, stage, rec->stage_ns[stage], what);
}

/* NODE_DOWN, RESOURCE_LOST (memory lost), RECOVERY_DONE, consecutively. */
static int member_tell(struct gmm_region *r, struct member_recovery *rec)
{
	struct mcs_events *es;
	int ret = cev_region_open(r, &es);

	if (ret)
		return ret;
	ret = member_post(es, MCS_EV_NODE_DOWN, rec->node, rec->incarnation,
			  rec->flags, 0);
	if (!ret && rec->memory_lost)
		ret = member_post(es, MCS_EV_RESOURCE_LOST, rec->node,
				  rec->incarnation, rec->flags,
				  rec->gmm.sections_revoked);
	if (!ret)
		ret = member_post(es, MCS_EV_RECOVERY_DONE, rec->node,
				  rec->incarnation, rec->flags, 0);
	cev_close(es);
	return ret;
}

/* The stages between claim and finish; idempotent as a whole. */
static int member_run_stages(struct gmm_region *r, struct member_recovery *rec,
			     u64 *t0)
{
	int ret;

	gmm_recover_sharers(r, &rec->gmm);
	member_stage_end(rec, MEMBER_STAGE_SHARERS, t0);
	gmm_recover_inflight(r, &rec->gmm);
	member_stage_end(rec, MEMBER_STAGE_INFLIGHT, t0);
	gmm_recover_master(r, &rec->gmm);
	member_stage_end(rec, MEMBER_STAGE_MASTER, t0);
	gmm_recover_free(r, &rec->gmm);
	member_stage_end(rec, MEMBER_STAGE_FREE, t0);
	gmm_recover_partition(r, &rec->gmm);
	/* A partition revoked by an earlier, dead recoverer counts too. */
	rec->memory_lost = rec->gmm.memory_lost || rec->gmm.sections_revoked;
	member_stage_end(rec, MEMBER_STAGE_PARTITION, t0);
	rec->sync_locks_broken += gsync_recover(r, rec->node, rec->incarnation);
	member_stage_end(rec, MEMBER_STAGE_SYNC, t0);
	rec->event_locks_broken += cev_recover(r, rec->node, rec->incarnation);
	member_stage_end(rec, MEMBER_STAGE_EVENTS, t0);
	ret = gns_recover(r, rec->memory_lost ? rec->node : GNS_NO_PART,
			  &rec->gns);
	member_stage_end(rec, MEMBER_STAGE_NAMES, t0);
	if (ret)
		return ret;
	ret = member_tell(r, rec);
	rec->told = !ret;
	member_stage_end(rec, MEMBER_STAGE_TELL, t0);
	if (!ret)
		mcs_crash_point(RECOVERY_TOLD);
	return ret;
}

/**
 * member_recover - recover a dead node's last incarnation, stage by stage
 * @r: a joined handle of a live node
 * @node: the dead node (declared down: gmm_node_down())
 * @rec: zeroed by the caller except flags (MCS_EVF_PLANNED at the end of a
 *	a planned leave), gmm.revoked/gmm.arg (told each revoked segment) and
 *	log/log_arg (told each stage's time and result); gets what every
 *	stage did and how long it took (may be NULL)
 *
 * Return: 0 when the node is recovered, also if there was nothing to do
 * (then rec->incarnation stays 0 and nobody is told); -EBUSY if @node is
 * alive; -EINPROGRESS if another live node is recovering it (and will
 * tell); -EINVAL; -ENOTCONN; or an error of posting the events (the node
 * then stays RECOVERING under this node's claim: call again).
 */
int member_recover(struct gmm_region *r, u32 node, struct member_recovery *rec)
{
	struct member_recovery local = { 0 };
	u64 t0 = mcs_os_now_ns();
	int ret;

	if (!rec)
		rec = &local;
	ret = gmm_recovery_claim(r, node, &rec->gmm);
	if (ret)
		return ret > 0 ? 0 : ret;
	rec->node = node;
	rec->incarnation = rec->gmm.incarnation;
	rec->memory_lost = rec->gmm.memory_lost;
	member_stage_end(rec, MEMBER_STAGE_CLAIM, &t0);
	for (;;) {
		rec->runs++;
		ret = member_run_stages(r, rec, &t0);
		if (ret)
			return ret;
		ret = gmm_recovery_finish(r, &rec->gmm);
		/* -EAGAIN: its memory was declared lost meanwhile: again. */
		if (ret != -EAGAIN)
			break;
	}
	member_stage_end(rec, MEMBER_STAGE_FINISH, &t0);
	return ret;
}
