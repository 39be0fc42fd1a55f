// SPDX-License-Identifier: GPL-2.0
/*
 * glock_kmod.c - the glock core as a kernel module.
 *
 * A library for the other mcs drivers: gmm protects its tables with
 * glocks, the uapi driver will give applications global mutexes and
 * events (gsync) and call gsync_process_exit() when a process goes away.
 * Sleepers poll with backoff in the kernel (see mcs_os_wait32()).
 */
#include <linux/module.h>

#include "glock.h"
#include "gsync.h"

EXPORT_SYMBOL_GPL(glock_init);
EXPORT_SYMBOL_GPL(glock_acquire);
EXPORT_SYMBOL_GPL(glock_lock);
EXPORT_SYMBOL_GPL(glock_trylock);
EXPORT_SYMBOL_GPL(glock_timedlock);
EXPORT_SYMBOL_GPL(glock_unlock);
EXPORT_SYMBOL_GPL(glock_consistent);
EXPORT_SYMBOL_GPL(glock_abandon);
EXPORT_SYMBOL_GPL(glock_break);
EXPORT_SYMBOL_GPL(glock_owner_is_dead);
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

static int __init glock_module_init(void)
{
	pr_info("mcs_glock: recoverable global locks\n");
	return 0;
}

static void __exit glock_module_exit(void)
{
}

module_init(glock_module_init);
module_exit(glock_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs recoverable global locks");
