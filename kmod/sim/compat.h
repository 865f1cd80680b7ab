/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommu_sim.ko on older kernels: the internal kernel APIs the simulation
 * uses that changed between Linux 6.12 LTS (the oldest kernel the VM tier
 * boots) and the newest (7.3).  Each shim gives the module the newer
 * spelling on the older kernel, so that the code above it is written once,
 * against the newest API.  A macro is tested for by its name; a changed
 * function or structure by the kernel version that changed it.  The VM tier
 * builds and loads the module on 6.12 and 7.3 (tests/vm/run.sh --version);
 * a version between them is not tested: where the version that brought a
 * change is not pinned down below, the cutoff may need moving for such a
 * kernel (the build then fails loudly, it does not misbehave).
 */
#ifndef LIBIOMMU_KMOD_SIM_COMPAT_H
#define LIBIOMMU_KMOD_SIM_COMPAT_H

#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <uapi/linux/iommufd.h>	/* (linux/iommu.h includes it since 6.13) */

/* The typed allocators, kzalloc_obj() and friends, are newer than 6.12. */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP) ((typeof(P) *)kzalloc(sizeof(P), GFP))
#endif
#ifndef kvzalloc_obj
#define kvzalloc_obj(P, GFP) ((typeof(P) *)kvzalloc(sizeof(P), GFP))
#endif

/*
 * Before 6.13 a symbol namespace was named by a bare identifier, not a
 * string.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define LISIM_IMPORT_NS_IOMMUFD MODULE_IMPORT_NS(IOMMUFD)
#else
#define LISIM_IMPORT_NS_IOMMUFD MODULE_IMPORT_NS("IOMMUFD")
#endif

/*
 * Before 6.13 iommufd allocated its paging domains through
 * ops->domain_alloc_user(dev, flags, parent, user_data); since, through
 * ops->domain_alloc_paging_flags(dev, flags, user_data) (a nested domain,
 * which had a parent, has its own op).  The simulation has no nesting: a
 * parent is refused as the newer kernel refuses an unknown request.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define LISIM_HAVE_DOMAIN_ALLOC_USER 1
#endif

/*
 * Before VFIO's core answered VFIO_DEVICE_GET_REGION_INFO itself through
 * ops->get_region_info_caps (6.19, as far as known here), the driver's
 * ioctl op did.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)
#define LISIM_REGION_INFO_IN_IOCTL 1
#endif

/*
 * iommu_mock_device_add() (the IOMMU core's test helper: an fwspec naming
 * the IOMMU, then device_add()) is newer than 6.12 (6.19, as far as known
 * here).  There the module does
 * the same with iommu_fwspec_init(), which 6.12 exports, without the core's
 * iommu_probe_device_lock (6.12 does not export it): the device is not
 * added yet, so no probe can race for its dev->iommu.  On a failed
 * device_add() the fwspec is freed with the device's last reference (6.12
 * does not export dev_iommu_free() either; what is left is the small
 * dev_iommu of a device that never came to be).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)
static inline int lisim_mock_device_add(struct device *dev,
					struct iommu_device *iommu)
{
	int rc = iommu_fwspec_init(dev, iommu->fwnode);

	if (rc)
		return rc;
	rc = device_add(dev);
	if (rc)
		iommu_fwspec_free(dev);
	return rc;
}
#else
#define lisim_mock_device_add iommu_mock_device_add
#endif

/*
 * Before 6.18 (as far as known here) a domain's attach_dev op was not told
 * the domain the device leaves; the simulation does not use it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
#define LISIM_ATTACH_OP(fn)                                                 \
	static int fn##_op(struct iommu_domain *domain, struct device *dev) \
	{                                                                   \
		return fn(domain, dev, NULL);                               \
	}
#define LISIM_ATTACH(fn) fn##_op
#else
#define LISIM_ATTACH_OP(fn)
#define LISIM_ATTACH(fn) fn
#endif

#endif /* LIBIOMMU_KMOD_SIM_COMPAT_H */
