// SPDX-License-Identifier: GPL-2.0
/*
 * events_kmod.c - the cluster event service as a kernel module.
 *
 * A library for the base and uapi drivers: the base driver runs one
 * struct mcs_events per node (under its mutex) and calls
 * mcs_node_crashed() / mcs_planned_leave() when mcsd reports membership
 * changes; the uapi driver will turn subscriptions into pollable fds.
 */
#include <linux/module.h>

#include "events.h"
#include "member.h"

EXPORT_SYMBOL_GPL(mcs_events_open);
EXPORT_SYMBOL_GPL(mcs_events_close);
EXPORT_SYMBOL_GPL(mcs_event_subscribe);
EXPORT_SYMBOL_GPL(mcs_event_unsubscribe);
EXPORT_SYMBOL_GPL(mcs_event_post);
EXPORT_SYMBOL_GPL(mcs_event_dispatch);
EXPORT_SYMBOL_GPL(mcs_event_wait);
EXPORT_SYMBOL_GPL(mcs_event_ack);
EXPORT_SYMBOL_GPL(mcs_event_seq);
EXPORT_SYMBOL_GPL(mcs_event_leave_status);
EXPORT_SYMBOL_GPL(mcs_node_crashed);
EXPORT_SYMBOL_GPL(mcs_planned_leave);
EXPORT_SYMBOL_GPL(mcs_node_joined);

static int __init mcs_events_module_init(void)
{
	pr_info("mcs_events: cluster events\n");
	return 0;
}

static void __exit mcs_events_module_exit(void)
{
}

module_init(mcs_events_module_init);
module_exit(mcs_events_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs cluster events");
