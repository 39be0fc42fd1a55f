// SPDX-License-Identifier: GPL-2.0
/*
 * gmm_kmod.c - the gmm core as a kernel module.
 *
 * The module is a library for the other mcs drivers: it exports the gmm
 * internal API (documented where each function is defined) and owns no
 * device of its own. The uapi and base drivers attach it to the fabric.
 */
#include <linux/module.h>

#include "gmm_internal.h"

EXPORT_SYMBOL_GPL(gmm_format);
EXPORT_SYMBOL_GPL(gmm_attach);
EXPORT_SYMBOL_GPL(gmm_region_revalidate);
EXPORT_SYMBOL_GPL(gmm_detach);
EXPORT_SYMBOL_GPL(gmm_get_geometry);
EXPORT_SYMBOL_GPL(gmm_lease_word);
EXPORT_SYMBOL_GPL(gmm_node_join);
EXPORT_SYMBOL_GPL(gmm_self_node);
EXPORT_SYMBOL_GPL(gmm_self_incarnation);
EXPORT_SYMBOL_GPL(gmm_node_down);
EXPORT_SYMBOL_GPL(gmm_node_info);
EXPORT_SYMBOL_GPL(gmm_recovery_claim);
EXPORT_SYMBOL_GPL(gmm_recover_sharers);
EXPORT_SYMBOL_GPL(gmm_recover_inflight);
EXPORT_SYMBOL_GPL(gmm_recover_master);
EXPORT_SYMBOL_GPL(gmm_recover_free);
EXPORT_SYMBOL_GPL(gmm_recover_partition);
EXPORT_SYMBOL_GPL(gmm_recovery_finish);
EXPORT_SYMBOL_GPL(gmm_alloc);
EXPORT_SYMBOL_GPL(gmm_alloc_prepared);
EXPORT_SYMBOL_GPL(gmm_acquire);
EXPORT_SYMBOL_GPL(gmm_release);
EXPORT_SYMBOL_GPL(gmm_destroy);
EXPORT_SYMBOL_GPL(gmm_lookup);
EXPORT_SYMBOL_GPL(gmm_seg_list);
EXPORT_SYMBOL_GPL(gmm_seg_ptr);
EXPORT_SYMBOL_GPL(gmm_seg_zero);
EXPORT_SYMBOL_GPL(gmm_seg_stamp);
EXPORT_SYMBOL_GPL(gmm_seg_stamp_valid);
EXPORT_SYMBOL_GPL(gmm_parts_signature);
EXPORT_SYMBOL_GPL(gmm_part_info);
EXPORT_SYMBOL_GPL(gmm_check);
EXPORT_SYMBOL_GPL(gmm_usage_lock);
EXPORT_SYMBOL_GPL(gmm_usage_unlock);
EXPORT_SYMBOL_GPL(gmm_usage_set);
EXPORT_SYMBOL_GPL(gmm_usage_charge);
EXPORT_SYMBOL_GPL(gmm_usage_get);
EXPORT_SYMBOL_GPL(gmm_usage_list);
EXPORT_SYMBOL_GPL(gmm_usage_builtin_limits);
EXPORT_SYMBOL_GPL(gmm_usage_set_limit);
EXPORT_SYMBOL_GPL(gmm_glock_ctx);
EXPORT_SYMBOL_GPL(gmm_event_area);
EXPORT_SYMBOL_GPL(gmm_sync_area);
EXPORT_SYMBOL_GPL(gmm_sync_locks);
EXPORT_SYMBOL_GPL(gmm_check_violation);
EXPORT_SYMBOL_GPL(gmm_check_lock);
EXPORT_SYMBOL_GPL(gmm_corrupt);
EXPORT_SYMBOL_GPL(gmm_corruptions);

/* The narrow internal interface drivers/gns builds its name table on. */
EXPORT_SYMBOL_GPL(gmm_id_dead);
EXPORT_SYMBOL_GPL(gmm_lock_observe);
EXPORT_SYMBOL_GPL(gmm_settled_st);

static int __init gmm_module_init(void)
{
	pr_info("mcs_gmm: global memory manager core, region format %u\n",
		GMM_VERSION);
	return 0;
}

static void __exit gmm_module_exit(void)
{
}

module_init(gmm_module_init);
module_exit(gmm_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs global memory manager core");
