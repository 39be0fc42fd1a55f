// SPDX-License-Identifier: GPL-2.0
/*
 * base_kmod.c - mcs_node.ko: the fabric, this node's identity and the
 * region handle, for the other mcs drivers.
 *
 * The fabric is found by fabric_kmod.c; membership is fed in through
 * /dev/mcs-control (control_kmod.c). This file keeps the state they share
 * and exports the small internal API of mcs_node.h.
 */
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/timekeeping.h>

#include "node_internal.h"
#include "../gmm/gmm.h"

struct mcs_state mcs_state = {
	.access = __RWSEM_INITIALIZER(mcs_state.access),
	.state_lock = __MUTEX_INITIALIZER(mcs_state.state_lock),
};

/**
 * mcs_access_begin - start touching shared state
 *
 * Pairs with mcs_access_end(). In between, mcs_region() and the fabric
 * mapping stay valid, and a freeze waits for the caller to finish.
 *
 * Context: process context; may sleep.
 * Return: 0; -ESHUTDOWN if the node is frozen or fenced, or its fabric
 * lease has lapsed (fence_kmod.c); -ENODEV without a fabric;
 * -EINTR if a fatal signal arrived while waiting.
 */
int mcs_access_begin(void)
{
	if (down_read_killable(&mcs_state.access))
		return -EINTR;
	if (mcs_state.frozen || READ_ONCE(mcs_state.fencing)) {
		up_read(&mcs_state.access);
		return -ESHUTDOWN;
	}
	/* A kernel that stalled past its lease must not write on waking. */
	if (mcs_lease_lapsed(ktime_get_ns())) {
		up_read(&mcs_state.access);
		return -ESHUTDOWN;
	}
	if (!mcs_state.base) {
		up_read(&mcs_state.access);
		return -ENODEV;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(mcs_access_begin);

/**
 * mcs_access_end - stop touching shared state
 *
 * Ends a successful mcs_access_begin().
 */
void mcs_access_end(void)
{
	up_read(&mcs_state.access);
}
EXPORT_SYMBOL_GPL(mcs_access_end);

/**
 * mcs_fabric_get - where the fabric is mapped on this node
 * @base: set to the kernel address of its first byte
 * @size: set to its size in bytes
 *
 * Context: between mcs_access_begin() and mcs_access_end().
 * Return: 0, or -ENODEV without a fabric.
 */
int mcs_fabric_get(void **base, u64 *size)
{
	if (!mcs_state.base)
		return -ENODEV;
	*base = mcs_state.base;
	*size = mcs_state.size;
	return 0;
}
EXPORT_SYMBOL_GPL(mcs_fabric_get);

/**
 * mcs_fabric_phys - the physical address of the fabric's first byte
 * @phys: set to it
 *
 * For drivers that map fabric pages into user space (the /dev/mcs mmap);
 * the pages are mapped write-back, as the kernel maps them.
 *
 * Context: between mcs_access_begin() and mcs_access_end().
 * Return: 0, or -ENODEV without a fabric.
 */
int mcs_fabric_phys(phys_addr_t *phys)
{
	if (!mcs_state.base)
		return -ENODEV;
	*phys = mcs_state.phys;
	return 0;
}
EXPORT_SYMBOL_GPL(mcs_fabric_phys);

/**
 * mcs_node_identity - this node's id and incarnation in the cluster
 * @node: set to the node id membership joined it as
 * @incarnation: set to the incarnation the fabric gave it
 *
 * Context: between mcs_access_begin() and mcs_access_end().
 * Return: 0, or -ENOTCONN if the node has not joined.
 */
int mcs_node_identity(u32 *node, u32 *incarnation)
{
	if (!mcs_state.joined)
		return -ENOTCONN;
	*node = gmm_self_node(mcs_state.region);
	*incarnation = gmm_self_incarnation(mcs_state.region);
	return 0;
}
EXPORT_SYMBOL_GPL(mcs_node_identity);

/**
 * mcs_region - the gmm handle of this node
 *
 * Context: between mcs_access_begin() and mcs_access_end().
 * Return: the handle, joined if mcs_node_identity() succeeds, an observer
 * otherwise; NULL if the fabric holds no region yet.
 */
struct gmm_region *mcs_region(void)
{
	return mcs_state.region;
}
EXPORT_SYMBOL_GPL(mcs_region);

/* Attach whatever region the fabric holds; both state locks held. */
int mcs_region_attach_locked(void)
{
	if (mcs_state.region)
		return 0;
	return gmm_attach(mcs_state.base, mcs_state.size, &mcs_state.region);
}

/*
 * An unjoined node's attachment only remembers what the fabric held when it
 * last looked; another node may have formatted it again since (FORMAT
 * --force), with another geometry. Attach anew only then: the handle stays
 * the same while the region does.
 */
int mcs_region_refresh_locked(void)
{
	if (mcs_state.region && !mcs_state.joined &&
	    gmm_region_revalidate(mcs_state.region))
		mcs_region_detach_locked();
	return mcs_region_attach_locked();
}

void mcs_region_detach_locked(void)
{
	if (!mcs_state.region)
		return;
	if (mcs_state.joined)
		dev_warn(mcs_state.dev,
			 "leaving the fabric as node %u: membership must declare it down\n",
			 gmm_self_node(mcs_state.region));
	gmm_detach(mcs_state.region);
	mcs_state.region = NULL;
	mcs_state.joined = false;
}

/**
 * mcs_fabric_register - fabric_kmod.c found and mapped the fabric
 * @dev: the device it belongs to
 * @base: its mapping
 * @phys: its physical address
 * @size: its size
 *
 * Return: 0, or -EBUSY if this node already has a fabric.
 */
int mcs_fabric_register(struct device *dev, void *base, phys_addr_t phys,
			u64 size)
{
	int ret;

	mcs_state_lock_all();
	if (mcs_state.base) {
		mcs_state_unlock_all();
		return -EBUSY;
	}
	mcs_state.dev = dev;
	mcs_state.base = base;
	mcs_state.phys = phys;
	mcs_state.size = size;
	ret = mcs_region_attach_locked();
	mcs_state_unlock_all();
	dev_info(dev, "fabric of %llu bytes, %s\n", size,
		 ret ? "no region yet" : "region attached");
	return 0;
}

/**
 * mcs_fabric_unregister - the fabric of @dev is going away
 * @dev: the device passed to mcs_fabric_register()
 *
 * Waits for everyone inside mcs_access_begin() to leave.
 */
void mcs_fabric_unregister(struct device *dev)
{
	mcs_state_lock_all();
	if (mcs_state.dev == dev) {
		mcs_region_detach_locked();
		mcs_state.base = NULL;
		mcs_state.phys = 0;
		mcs_state.size = 0;
		mcs_state.dev = NULL;
	}
	mcs_state_unlock_all();
}

static int __init mcs_node_init(void)
{
	int ret;

	ret = mcs_fence_init();
	if (ret)
		return ret;
	ret = mcs_fabric_init();
	if (ret)
		return ret;
	ret = mcs_control_init();
	if (ret)
		goto out_fabric;
	return 0;

out_fabric:
	mcs_fabric_exit();
	return ret;
}

static void __exit mcs_node_exit(void)
{
	mcs_control_exit();
	mcs_fence_exit();
	mcs_fabric_exit();
	mcs_key_exit();
}

module_init(mcs_node_init);
module_exit(mcs_node_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mcs base: fabric discovery, node identity, membership control");
