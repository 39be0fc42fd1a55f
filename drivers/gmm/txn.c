// SPDX-License-Identifier: GPL-2.0
/*
 * txn.c - transaction slots and the commit point.
 *
 * Each node has GMM_TXN_SLOTS slots in the control area. A transaction
 * claims one (its id names node, incarnation and a sequence number), tags
 * every entry it reserves with that id, and commits with one store of
 * GMM_TXN_COMMITTED into its slot. Whoever later finds an entry tagged by a
 * dead incarnation settles it forward if that slot says committed, back
 * otherwise. A slot is released only after all its entries are settled.
 */
#include "gmm_internal.h"

static u32 gmm_next_seq(struct gmm_region *r)
{
	u64 v;

	do {
		v = mcs_rd64(&r->txn_seq);
	} while (mcs_cas64(&r->txn_seq, v, v + 1) != v);
	return (u32)(v + 1);
}

/*
 * Is slot id @id one this incarnation can have written? Only its own
 * threads claim its slots; recovery released the last incarnation's.
 */
static bool gmm_txn_ours(struct gmm_region *r, u64 id)
{
	return GMM_ID_NODE(id) == r->node && GMM_ID_INC(id) == r->inc;
}

/**
 * gmm_txn_begin - claim one of this node's transaction slots
 * @r: a joined handle
 * @t: gets the transaction id and slot
 * @gid: recorded for diagnostics
 *
 * Waits while every slot is busy with this node's other threads, at most
 * GMM_TXN_WAIT_NS.
 *
 * Return: 0; -EBUSY if no slot came free in time; -EUCLEAN if a slot
 * names another node or incarnation (nobody would ever release it).
 */
int gmm_txn_begin(struct gmm_region *r, struct gmm_txn *t, u64 gid)
{
	struct gmm_txn_slot *slots = r->ctl->txn[r->node];
	unsigned int spins = 0;
	u64 end = 0, id;
	u32 i;

	t->id = GMM_ID(r->node, r->inc, gmm_next_seq(r));
	for (;;) {
		for (i = 0; i < GMM_TXN_SLOTS; i++) {
			id = mcs_rd64(&slots[i].txn);
			if (id && !gmm_txn_ours(r, id))
				return gmm_corrupt(r, "node %u transaction slot %u: id %llx",
						   r->node, i,
						   (unsigned long long)id);
			if (id)
				continue;
			if (mcs_cas64(&slots[i].txn, 0, t->id) == 0) {
				t->slot = i;
				mcs_wr64(&slots[i].gid, gid);
				mcs_wr64_release(&slots[i].state, GMM_TXN_ACTIVE);
				mcs_crash_point(TXN_BEGUN);
				return 0;
			}
		}
		/* All slots busy with this node's other threads. */
		if (!end)
			end = mcs_os_now_ns() + GMM_TXN_WAIT_NS;
		else if (mcs_os_now_ns() > end)
			return -EBUSY;
		mcs_os_relax(spins++);
	}
}

void gmm_txn_commit(struct gmm_region *r, struct gmm_txn *t)
{
	mcs_wr64_release(&r->ctl->txn[r->node][t->slot].state,
			 GMM_TXN_COMMITTED);
	mcs_crash_point(COMMITTED);
}

void gmm_txn_end(struct gmm_region *r, struct gmm_txn *t)
{
	struct gmm_txn_slot *slot = &r->ctl->txn[r->node][t->slot];

	mcs_crash_point(TXN_SETTLED);
	mcs_wr64(&slot->state, 0);
	mcs_wr64_release(&slot->txn, 0);
}
