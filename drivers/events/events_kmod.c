// SPDX-License-Identifier: GPL-2.0
/*
 * events_kmod.c - the cluster event service as a kernel module.
 *
 * A library: the membership layer (drivers/member) posts the events of
 * membership changes, the uapi driver turns subscriptions into pollable
 * files (drivers/uapi/notify.c).
 */
#include <linux/module.h>

#include "events.h"
#include "notifyq.h"

EXPORT_SYMBOL_GPL(cev_open);
EXPORT_SYMBOL_GPL(cev_close);
EXPORT_SYMBOL_GPL(cev_corruptions);
EXPORT_SYMBOL_GPL(cev_subscribe);
EXPORT_SYMBOL_GPL(cev_unsubscribe);
EXPORT_SYMBOL_GPL(cev_unsubscribe_local);
EXPORT_SYMBOL_GPL(cev_post);
EXPORT_SYMBOL_GPL(cev_dispatch);
EXPORT_SYMBOL_GPL(cev_wait);
EXPORT_SYMBOL_GPL(cev_ack);
EXPORT_SYMBOL_GPL(cev_seq);
EXPORT_SYMBOL_GPL(cev_seen);
EXPORT_SYMBOL_GPL(cev_leave_status);
EXPORT_SYMBOL_GPL(cev_log);
EXPORT_SYMBOL_GPL(cev_region_open);
EXPORT_SYMBOL_GPL(cev_recover);
EXPORT_SYMBOL_GPL(cev_check);
EXPORT_SYMBOL_GPL(mcs_notifyq_push);
EXPORT_SYMBOL_GPL(mcs_notifyq_peek);
EXPORT_SYMBOL_GPL(mcs_notifyq_pop);

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
