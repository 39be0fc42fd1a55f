// SPDX-License-Identifier: GPL-2.0
/*
 * gsync_kmod.c - global mutexes and events (gsync) as a kernel module.
 *
 * A library for the uapi driver, which gives them to applications and
 * calls gsync_process_exit() when a process goes away, and for the
 * membership layer, which recovers a dead node's objects.
 */
#include <linux/module.h>

#include "gsync.h"

EXPORT_SYMBOL_GPL(gsync_create);
EXPORT_SYMBOL_GPL(gsync_create_owned);
EXPORT_SYMBOL_GPL(gsync_owner);
EXPORT_SYMBOL_GPL(gsync_open);
EXPORT_SYMBOL_GPL(gsync_destroy);
EXPORT_SYMBOL_GPL(gsync_destroy_owned);
EXPORT_SYMBOL_GPL(gsync_mutex_lock);
EXPORT_SYMBOL_GPL(gsync_mutex_unlock);
EXPORT_SYMBOL_GPL(gsync_mutex_consistent);
EXPORT_SYMBOL_GPL(gsync_event_set);
EXPORT_SYMBOL_GPL(gsync_event_reset);
EXPORT_SYMBOL_GPL(gsync_event_wait);
EXPORT_SYMBOL_GPL(gsync_process_exit);
EXPORT_SYMBOL_GPL(gsync_node_down);
EXPORT_SYMBOL_GPL(gsync_table_of);
EXPORT_SYMBOL_GPL(gsync_recover);
EXPORT_SYMBOL_GPL(gsync_check);

static int __init gsync_module_init(void)
{
	pr_info("mcs_gsync: global mutexes and events\n");
	return 0;
}

static void __exit gsync_module_exit(void)
{
}

module_init(gsync_module_init);
module_exit(gsync_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs global mutexes and events");
