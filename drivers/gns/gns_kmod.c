// SPDX-License-Identifier: GPL-2.0
/*
 * gns_kmod.c - the gns core as a kernel module.
 *
 * A library for the other mcs drivers, like mcs_gmm: it exports the gns
 * internal API (documented where each function is defined) and owns no
 * device of its own.
 */
#include <linux/module.h>

#include "gns.h"

EXPORT_SYMBOL_GPL(gns_name_check);
EXPORT_SYMBOL_GPL(gns_gid_alloc);
EXPORT_SYMBOL_GPL(gns_create);
EXPORT_SYMBOL_GPL(gns_seg_create);
EXPORT_SYMBOL_GPL(gns_seg_create_prepared);
EXPORT_SYMBOL_GPL(gns_lookup);
EXPORT_SYMBOL_GPL(gns_seg_open);
EXPORT_SYMBOL_GPL(gns_unlink);
EXPORT_SYMBOL_GPL(gns_unlink_gid);
EXPORT_SYMBOL_GPL(gns_list);
EXPORT_SYMBOL_GPL(gns_recover);
EXPORT_SYMBOL_GPL(gns_check);

static int __init gns_module_init(void)
{
	pr_info("mcs_gns: global name service, names up to %u bytes\n",
		GNS_NAME_MAX);
	return 0;
}

static void __exit gns_module_exit(void)
{
}

module_init(gns_module_init);
module_exit(gns_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs global name service core");
