// SPDX-License-Identifier: GPL-2.0
/*
 * glock_kmod.c - the glock core as a kernel module.
 *
 * A library for the other mcs drivers: gmm and gns protect their tables
 * with glocks, gsync builds global mutexes and events on them. Sleepers
 * poll with backoff in the kernel (see mcs_os_wait32()).
 */
#include <linux/module.h>

#include "glock.h"

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
