// SPDX-License-Identifier: GPL-2.0
/*
 * member_kmod.c - the membership layer as a kernel module.
 *
 * A library for the control device (drivers/node), which runs membership
 * changes and checks through it, and for the listing of the region.
 */
#include <linux/module.h>

#include "list.h"
#include "member.h"

EXPORT_SYMBOL_GPL(member_recover);
EXPORT_SYMBOL_GPL(member_stage_name);
EXPORT_SYMBOL_GPL(member_check);
EXPORT_SYMBOL_GPL(member_crashed);
EXPORT_SYMBOL_GPL(member_planned_leave);
EXPORT_SYMBOL_GPL(member_joined);
EXPORT_SYMBOL_GPL(member_leave_announce);
EXPORT_SYMBOL_GPL(member_lease_set);
EXPORT_SYMBOL_GPL(member_lease_renew);
EXPORT_SYMBOL_GPL(member_lease_observe);
EXPORT_SYMBOL_GPL(member_lease_wait_ns);
EXPORT_SYMBOL_GPL(mcs_list_next);

static int __init member_module_init(void)
{
	pr_info("mcs_member: membership changes\n");
	return 0;
}

static void __exit member_module_exit(void)
{
}

module_init(member_module_init);
module_exit(member_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs membership changes");
