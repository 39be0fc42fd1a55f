// SPDX-License-Identifier: GPL-2.0
/*
 * events_kmod.c - the cluster event service as a kernel module.
 *
 * A library for the base and uapi drivers, and the poster of the cluster
 * events of membership changes made through /dev/mcs-control: it is told
 * of them by mcs_base (mcs_member_notifier_register()) once they are
 * complete, and posts NODE_UP after a JOIN and NODE_DOWN, RESOURCE_LOST
 * (memory lost) and RECOVERY_DONE after a RECOVER that recovered an
 * incarnation, in the order of member.c. The uapi driver turns
 * subscriptions into pollable files (drivers/uapi/uapi_kmod.c).
 */
#include <linux/module.h>
#include <linux/notifier.h>

#include "events.h"
#include "member.h"
#include "notifyq.h"
#include "mcs_base.h"

EXPORT_SYMBOL_GPL(mcs_events_open);
EXPORT_SYMBOL_GPL(mcs_events_close);
EXPORT_SYMBOL_GPL(mcs_event_subscribe);
EXPORT_SYMBOL_GPL(mcs_event_unsubscribe);
EXPORT_SYMBOL_GPL(mcs_event_post);
EXPORT_SYMBOL_GPL(mcs_event_dispatch);
EXPORT_SYMBOL_GPL(mcs_event_wait);
EXPORT_SYMBOL_GPL(mcs_event_ack);
EXPORT_SYMBOL_GPL(mcs_event_seq);
EXPORT_SYMBOL_GPL(mcs_event_seen);
EXPORT_SYMBOL_GPL(mcs_event_leave_status);
EXPORT_SYMBOL_GPL(mcs_node_crashed);
EXPORT_SYMBOL_GPL(mcs_planned_leave);
EXPORT_SYMBOL_GPL(mcs_node_joined);
EXPORT_SYMBOL_GPL(mcs_node_recovered);
EXPORT_SYMBOL_GPL(mcs_notifyq_push);
EXPORT_SYMBOL_GPL(mcs_notifyq_peek);
EXPORT_SYMBOL_GPL(mcs_notifyq_pop);

/* A membership change made here: post its events (inside the access). */
static int mcs_events_member_change(struct notifier_block *nb,
				    unsigned long what, void *data)
{
	struct mcs_member_change *c = data;
	struct mcs_events *es;
	int ret;

	if (!c->region)
		return NOTIFY_DONE;
	ret = mcs_events_open(gmm_event_log(c->region),
			      gmm_glock_ctx(c->region), &es);
	if (ret)
		goto out;
	if (what == MCS_MEMBER_JOINED)
		ret = mcs_node_joined(c->region, es);
	else if (what == MCS_MEMBER_RECOVERED)
		ret = mcs_node_recovered(es, c->node, c->incarnation,
					 c->memory_lost, 0, c->revoked);
	mcs_events_close(es);
out:
	if (ret)
		pr_warn("mcs_events: events of node %u incarnation %u not posted: %d\n",
			c->node, c->incarnation, ret);
	return NOTIFY_DONE;
}

static struct notifier_block mcs_events_member_nb = {
	.notifier_call = mcs_events_member_change,
};

static int __init mcs_events_module_init(void)
{
	int ret = mcs_member_notifier_register(&mcs_events_member_nb);

	if (ret)
		return ret;
	pr_info("mcs_events: cluster events\n");
	return 0;
}

static void __exit mcs_events_module_exit(void)
{
	mcs_member_notifier_unregister(&mcs_events_member_nb);
}

module_init(mcs_events_module_init);
module_exit(mcs_events_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs cluster events");
