// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_kmod.c - find the fabric and map it.
 *
 * Two sources, one fabric per node:
 *
 *   - a QEMU ivshmem-plain PCI device (1af4:1110), the shared memory in
 *     BAR 2: the development test bed (Documentation/testbed.md);
 *   - a physical range given as module parameters fabric_phys= and
 *     fabric_size=: RAM kept from the kernel with memmap=SIZE$ADDR, or a
 *     CXL shared-memory range no other driver uses. When fabric_size is
 *     set, the PCI device is not looked for.
 *
 * The mapping is write-back cacheable: the code assumes a cache-coherent
 * fabric (CXL 3.x, ivshmem on one host); see drivers/os/mcs_os.h. On x86
 * an MTRR that makes the range uncachable turns the write-back request
 * into uncached-minus without failing it (SeaBIOS does that to the 32-bit
 * PCI hole, where it puts the ivshmem BAR: Documentation/testbed.md); the
 * driver looks at the mapping it got and says so.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>

#include "node_internal.h"

#define IVSHMEM_BAR 2

#ifdef CONFIG_X86
/*
 * Is the kernel mapping at @base write-back? Linux programs PAT entry 0
 * as write-back, so a page whose PAT, PCD and PWT bits are all clear is.
 */
static void mcs_fabric_check_wb(struct device *dev, void *base)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)base, &level);
	pteval_t mask = level == PG_LEVEL_4K ? _PAGE_CACHE_MASK :
					       _PAGE_LARGE_CACHE_MASK;

	if (pte && (pte_flags(*pte) & mask))
		dev_warn(dev, "fabric not mapped write-back (cache bits %#llx): an MTRR makes it uncachable; correct, but every access is uncached\n",
			 (unsigned long long)(pte_flags(*pte) & mask));
}
#else
static void mcs_fabric_check_wb(struct device *dev, void *base)
{
}
#endif

static unsigned long long fabric_phys;
module_param(fabric_phys, ullong, 0444);
MODULE_PARM_DESC(fabric_phys, "physical address of the fabric (with fabric_size)");

static unsigned long long fabric_size;
module_param(fabric_size, ullong, 0444);
MODULE_PARM_DESC(fabric_size, "size of a physical-range fabric; 0: use the ivshmem PCI device");

static int mcs_ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	resource_size_t start, len;
	void *base;
	int ret;

	ret = pci_enable_device_mem(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, IVSHMEM_BAR, KBUILD_MODNAME);
	if (ret)
		goto out_disable;
	start = pci_resource_start(pdev, IVSHMEM_BAR);
	len = pci_resource_len(pdev, IVSHMEM_BAR);
	if (!len) {
		ret = -ENODEV;
		goto out_release;
	}
	base = memremap(start, len, MEMREMAP_WB);
	if (!base) {
		ret = -ENOMEM;
		goto out_release;
	}
	mcs_fabric_check_wb(&pdev->dev, base);
	ret = mcs_fabric_register(&pdev->dev, base, start, len);
	if (ret)
		goto out_unmap;
	pci_set_drvdata(pdev, base);
	return 0;

out_unmap:
	memunmap(base);
out_release:
	pci_release_region(pdev, IVSHMEM_BAR);
out_disable:
	pci_disable_device(pdev);
	return ret;
}

static void mcs_ivshmem_remove(struct pci_dev *pdev)
{
	mcs_fabric_unregister(&pdev->dev);
	memunmap(pci_get_drvdata(pdev));
	pci_release_region(pdev, IVSHMEM_BAR);
	pci_disable_device(pdev);
}

static const struct pci_device_id mcs_ivshmem_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mcs_ivshmem_ids);

static struct pci_driver mcs_ivshmem_driver = {
	.name = "mcs_ivshmem",
	.id_table = mcs_ivshmem_ids,
	.probe = mcs_ivshmem_probe,
	.remove = mcs_ivshmem_remove,
};

/* The physical-range fabric: a platform device stands for it. */
static struct platform_device *mcs_phys_pdev;
static void *mcs_phys_base;

static int mcs_phys_init(void)
{
	int ret;

	if (!PAGE_ALIGNED(fabric_phys) || !PAGE_ALIGNED(fabric_size) ||
	    fabric_phys + fabric_size < fabric_phys)
		return -EINVAL;
	mcs_phys_pdev = platform_device_register_simple("mcs_fabric", -1,
							NULL, 0);
	if (IS_ERR(mcs_phys_pdev))
		return PTR_ERR(mcs_phys_pdev);
	/* Not system RAM (memmap= took it away), so no struct pages: memremap. */
	mcs_phys_base = memremap(fabric_phys, fabric_size, MEMREMAP_WB);
	if (!mcs_phys_base) {
		ret = -ENOMEM;
		goto out_unregister_pdev;
	}
	mcs_fabric_check_wb(&mcs_phys_pdev->dev, mcs_phys_base);
	ret = mcs_fabric_register(&mcs_phys_pdev->dev, mcs_phys_base,
				  fabric_phys, fabric_size);
	if (ret)
		goto out_unmap;
	return 0;

out_unmap:
	memunmap(mcs_phys_base);
out_unregister_pdev:
	platform_device_unregister(mcs_phys_pdev);
	return ret;
}

int mcs_fabric_init(void)
{
	if (fabric_size)
		return mcs_phys_init();
	return pci_register_driver(&mcs_ivshmem_driver);
}

void mcs_fabric_exit(void)
{
	if (fabric_size) {
		mcs_fabric_unregister(&mcs_phys_pdev->dev);
		memunmap(mcs_phys_base);
		platform_device_unregister(mcs_phys_pdev);
		return;
	}
	pci_unregister_driver(&mcs_ivshmem_driver);
}
