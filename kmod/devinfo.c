// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu.ko: LIBIOMMU_KMOD_GET_DEV_INFO, the kernel's view
 * of one VFIO device for the coherency matrix.
 *
 * Every answer comes from the function the kernel itself uses to decide:
 *  - IOMMU side: device_iommu_capable(IOMMU_CAP_ENFORCE_CACHE_COHERENCY),
 *    which iommufd checks before enforcing snoop on a paging HWPT;
 *  - KVM side: vfio_file_enforced_coherent(), the very call the kvm-vfio
 *    device makes on KVM_DEV_VFIO_FILE_ADD/DEL (virt/kvm/vfio.c);
 *  - device side: the PCIe Device Control register, read with
 *    pcie_capability_read_word() (the same config access lspci's sysfs
 *    read does; no power state is changed: a device in D3cold is reported
 *    as "unknown" rather than woken up).
 *
 * Getting from a VFIO device file to its struct device: a cdev opened
 * through /dev/vfio/devices/vfioN is the device's own character device,
 * embedded in struct vfio_device (<linux/vfio.h>, public).  A device fd
 * from VFIO_GROUP_GET_DEVICE_FD is an anonymous file whose private_data
 * is a struct vfio_device_file, and which fd opened or bound the device
 * is in there too; a group's device list lives in struct vfio_group.  Both
 * are declared only in drivers/vfio/vfio.h, so those answers need a full
 * kernel source tree (Kbuild adds -I$(srctree) and defines
 * LIK_VFIO_PRIVATE when the tree has the header; a headers-only tree,
 * such as a distribution's /lib/modules/$(uname -r)/build, builds a module
 * that answers for cdevs, and for a group fd plus the name of a PCI
 * device through the group's character device, see devinfo_group_file()).
 * The file's type is checked first with the exported vfio_file_is_valid()
 * and vfio_file_is_group() - together true exactly for files whose f_op is
 * VFIO's (unexported) vfio_device_fops - so a layout is only ever applied
 * to a file VFIO itself created.
 *
 * What the device is attached to now (LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH)
 * is iommufd's: for a cdev bound to an iommufd, the group's domain is the
 * one the attached HWPT allocated (iommufd owns the group's DMA), the
 * domain points back to its HWPT (domain->iommufd_hwpt, cookie type
 * IOMMUFD), and a paging HWPT records whether it enforces cache coherency
 * (struct iommufd_hwpt_paging, drivers/iommu/iommufd/iommufd_private.h).
 * iommufd attaches, replaces and detaches a group under its igroup->lock,
 * and VFIO calls it under the device set's lock: holding both, in VFIO's
 * order, the HWPT cannot change or go away while it is read.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vfio.h>

#ifdef LIK_VFIO_PRIVATE
#include "drivers/vfio/vfio.h"	/* vfio_device_file, vfio_group */
#endif
#if defined(LIK_VFIO_PRIVATE) && defined(LIK_IOMMUFD_PRIVATE) && \
	IS_ENABLED(CONFIG_IOMMUFD) && IS_ENABLED(CONFIG_VFIO_DEVICE_CDEV)
#define LIK_ATTACH 1
#include "drivers/iommu/iommufd/iommufd_private.h" /* HWPT, igroup */
/*
 * Older kernels (6.12 LTS; the change came with iommufd's PASID attach,
 * 6.15 as far as known here) kept the group's one HWPT in igroup->hwpt,
 * had no PASID attach and no back pointer from the domain.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define LIK_HWPT_IN_IGROUP 1
#endif
#else
#define LIK_ATTACH 0
#endif
#ifdef LIK_VFIO_PRIVATE
#define LIK_DEVICE_FILES 1	/* every device fd, and its opened state */
#else
#define LIK_DEVICE_FILES 0	/* cdevs only */
#endif
#include "lik.h"

#define DEV_INFO_FLAGS LIBIOMMU_KMOD_DEV_INFO_GROUP

u64 lik_devinfo_features(void)
{
	u64 f = 0;

	if (LIK_DEVICE_FILES || IS_ENABLED(CONFIG_VFIO_DEVICE_CDEV))
		f |= LIBIOMMU_KMOD_FEAT_DEV_INFO;
	if (LIK_DEVICE_FILES)
		f |= LIBIOMMU_KMOD_FEAT_DEV_INFO_OPENED;
	if (IS_ENABLED(CONFIG_VFIO_GROUP))
		f |= LIBIOMMU_KMOD_FEAT_DEV_INFO_GROUP;
	if (LIK_ATTACH)
		f |= LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH;
	return f;
}

/* The device side: PCI identity and the PCIe "Enable No Snoop" control. */
static void devinfo_pci(struct device *dev, struct libiommu_kmod_dev_info *info)
{
	struct pci_dev *pdev;
	u16 devctl;

	if (!dev_is_pci(dev)) {
		/*
		 * No Device Control the kernel knows of; a device that looks
		 * like PCI only through its VFIO regions (libiommu_sim.ko's)
		 * answers for itself there.
		 */
		info->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_NOT_PCI;
		return;
	}
	pdev = to_pci_dev(dev);
	info->out_flags |= LIBIOMMU_KMOD_DEV_PCI;
	info->out_pci_vendor = pdev->vendor;
	info->out_pci_device = pdev->device;

	if (!pci_is_pcie(pdev)) {
		info->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_NO_PCIE;
		return;
	}
	info->out_flags |= LIBIOMMU_KMOD_DEV_PCIE;

	info->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_UNKNOWN;
	if (pdev->current_state == PCI_D3cold || pci_dev_is_disconnected(pdev))
		return;
	if (pcie_capability_read_word(pdev, PCI_EXP_DEVCTL, &devctl) ||
	    PCI_POSSIBLE_ERROR(devctl))
		return;

	info->out_flags |= LIBIOMMU_KMOD_DEV_DEVCTL_VALID;
	info->out_pcie_devctl = devctl;
	if (devctl & PCI_EXP_DEVCTL_NOSNOOP_EN) {
		info->out_flags |= LIBIOMMU_KMOD_DEV_NOSNOOP_EN;
		info->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_ENABLED;
	} else {
		info->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_DISABLED;
	}
}

/* Everything that depends on the struct device alone. */
static void devinfo_device(struct device *dev,
			   struct libiommu_kmod_dev_info *info)
{
	struct iommu_group *grp;

	info->out_iommu_group = -1;
	grp = iommu_group_get(dev);
	if (grp) {
		info->out_flags |= LIBIOMMU_KMOD_DEV_HAS_IOMMU;
		info->out_iommu_group = iommu_group_id(grp);
		iommu_group_put(grp);
	}
	if (device_iommu_capable(dev, IOMMU_CAP_ENFORCE_CACHE_COHERENCY))
		info->out_flags |= LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC;
	if (device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		info->out_flags |= LIBIOMMU_KMOD_DEV_IOMMU_CC;

	strscpy(info->out_name, dev_name(dev), sizeof(info->out_name));
	devinfo_pci(dev, info);
}

#if LIK_ATTACH
/* What the requester ID is attached to when no iommufd HWPT is. */
static u32 devinfo_not_attached(struct iommufd_group *igroup,
				struct iommu_domain *domain)
{
#ifndef LIK_HWPT_IN_IGROUP
	unsigned long pasid = IOMMU_NO_PASID + 1;
#endif

	if (domain && domain->type != IOMMU_DOMAIN_BLOCKED)
		return LIBIOMMU_KMOD_ATTACH_OTHER;
#ifndef LIK_HWPT_IN_IGROUP
	if (xa_find(&igroup->pasid_attach, &pasid, ULONG_MAX, XA_PRESENT))
		return LIBIOMMU_KMOD_ATTACH_PASID_ONLY;
#endif
	return LIBIOMMU_KMOD_ATTACH_NONE;
}

/* The iommufd HWPT the requester ID is attached to (@domain), or NULL. */
static struct iommufd_hw_pagetable *devinfo_hwpt(struct iommufd_group *igroup,
						 struct iommu_domain *domain)
{
#ifdef LIK_HWPT_IN_IGROUP
	return igroup->hwpt;
#else
	if (!domain || domain->cookie_type != IOMMU_COOKIE_IOMMUFD)
		return NULL;
	return domain->iommufd_hwpt;
#endif
}

/* The HWPT a cdev bound through @df is attached to, and its enforcement. */
static void devinfo_attach(struct vfio_device_file *df,
			   struct libiommu_kmod_dev_info *info)
{
	struct vfio_device *vdev = df->device;
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_device *idev;
	struct iommu_domain *domain;

	info->out_attach = LIBIOMMU_KMOD_ATTACH_NOT_BOUND;
	if (df->group)
		return;		/* group-opened: the legacy container decides */

	mutex_lock(&vdev->dev_set->lock);
	idev = vdev->iommufd_device;
	/* pairs with VFIO's smp_store_release() once the fd bound the device */
	if (!smp_load_acquire(&df->access_granted) || !df->iommufd || !idev)
		goto out;
	mutex_lock(&idev->igroup->lock);
	domain = iommu_get_domain_for_dev(vdev->dev);
	hwpt = devinfo_hwpt(idev->igroup, domain);
	if (!hwpt) {
		info->out_attach = devinfo_not_attached(idev->igroup, domain);
	} else {
		info->out_attach_hwpt_id = hwpt->obj.id;
		if (hwpt_is_paging(hwpt)) {
			info->out_attach = LIBIOMMU_KMOD_ATTACH_PAGING;
			info->out_flags |= LIBIOMMU_KMOD_DEV_ATTACH_KNOWN;
			if (to_hwpt_paging(hwpt)->enforce_cache_coherency)
				info->out_flags |=
					LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC;
		} else if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_NESTED) {
			info->out_attach = LIBIOMMU_KMOD_ATTACH_NESTED;
		} else {
			info->out_attach = LIBIOMMU_KMOD_ATTACH_OTHER;
		}
	}
	mutex_unlock(&idev->igroup->lock);
out:
	mutex_unlock(&vdev->dev_set->lock);
}
#elif defined(LIK_VFIO_PRIVATE)
static void devinfo_attach(struct vfio_device_file *df,
			   struct libiommu_kmod_dev_info *info)
{
}
#endif

#ifdef LIK_VFIO_PRIVATE

/*
 * A device file (cdev or group-opened): the file holds a registration
 * reference on its vfio_device until it is released, and we hold the
 * file, so df->device and its struct device stay valid throughout.
 */
static int devinfo_device_file(struct file *file,
			       struct libiommu_kmod_dev_info *info)
{
	struct vfio_device_file *df = file->private_data;

	devinfo_device(df->device->dev, info);

	/*
	 * access_granted is published with smp_store_release() once the
	 * device is opened (cdev bind, or group open); df->iommufd and
	 * df->devid are then stable until the file is released.
	 */
	if (smp_load_acquire(&df->access_granted)) {
		info->out_flags |= LIBIOMMU_KMOD_DEV_OPENED;
		if (df->iommufd) {
			info->out_flags |= LIBIOMMU_KMOD_DEV_IOMMUFD_BOUND;
			info->out_devid = df->devid;
		}
	}
	devinfo_attach(df, info);
	return 0;
}

#if IS_ENABLED(CONFIG_VFIO_GROUP)
/*
 * The device found is kept by its registration reference, which newer
 * kernels export (6.15, as far as known here).  6.12 does not: there the
 * group's device_lock is held until the module is done with the device,
 * since VFIO takes a device off the group's list under that lock before
 * it lets it go (and one whose registration count fell to 0 is going).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
static bool lik_vfio_device_get(struct vfio_device *device)
{
	return refcount_read(&device->refcount) != 0;
}

static void lik_vfio_device_put(struct vfio_device *device)
{
}
#else
#define LIK_VFIO_REGISTRATION 1
#define lik_vfio_device_get vfio_device_try_get_registration
#define lik_vfio_device_put vfio_device_put_registration
#endif

/* A group file plus a device name, as for VFIO_GROUP_GET_DEVICE_FD. */
static int devinfo_group_file(struct file *file, const char *name,
			      struct libiommu_kmod_dev_info *info)
{
	struct vfio_group *group = file->private_data;
	struct vfio_device *device, *found = NULL;

	mutex_lock(&group->device_lock);
	list_for_each_entry(device, &group->device_list, group_next) {
		if (!strcmp(dev_name(device->dev), name) &&
		    lik_vfio_device_get(device)) {
			found = device;
			break;
		}
	}
#ifdef LIK_VFIO_REGISTRATION
	mutex_unlock(&group->device_lock);	/* the reference keeps it */
#endif
	if (found) {
		info->out_flags |= LIBIOMMU_KMOD_DEV_GROUP_FD;
		devinfo_device(found->dev, info);
		lik_vfio_device_put(found);
	}
#ifndef LIK_VFIO_REGISTRATION
	mutex_unlock(&group->device_lock);
#endif
	return found ? 0 : -ENODEV;
}
#else
static int devinfo_group_file(struct file *file, const char *name,
			      struct libiommu_kmod_dev_info *info)
{
	return -EOPNOTSUPP;
}
#endif

#else /* !LIK_VFIO_PRIVATE: public headers only */

/*
 * A device cdev: the file's inode is the device's character device, which
 * struct vfio_device embeds; the file holds a registration reference on
 * the vfio_device until it is released, and we hold the file.  Which fd
 * opened or bound the device would need struct vfio_device_file.
 */
static int devinfo_device_file(struct file *file,
			       struct libiommu_kmod_dev_info *info)
{
#if IS_ENABLED(CONFIG_VFIO_DEVICE_CDEV)
	struct inode *inode = file_inode(file);

	if (!S_ISCHR(inode->i_mode) || !inode->i_cdev)
		return -EOPNOTSUPP;	/* from VFIO_GROUP_GET_DEVICE_FD */
	devinfo_device(container_of(inode->i_cdev, struct vfio_device,
				    cdev)->dev, info);
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

#if IS_ENABLED(CONFIG_VFIO_GROUP) && IS_ENABLED(CONFIG_PCI)
/*
 * A group file plus a device name.  The group file is the group's
 * character device, which VFIO adds with cdev_device_add(): its parent is
 * the group's struct device, named after the IOMMU group's number.  The
 * device is looked up by name on the PCI bus (vfio-pci's, which is what
 * the legacy group interface is used with) and must be in that IOMMU
 * group.
 */
static int devinfo_group_file(struct file *file, const char *name,
			      struct libiommu_kmod_dev_info *info)
{
	struct inode *inode = file_inode(file);
	struct iommu_group *grp;
	struct device *gdev, *dev;
	int id, ret = -ENODEV;

	if (!S_ISCHR(inode->i_mode) || !inode->i_cdev ||
	    !inode->i_cdev->kobj.parent)
		return -EOPNOTSUPP;
	gdev = kobj_to_dev(inode->i_cdev->kobj.parent);
	if (kstrtoint(dev_name(gdev), 10, &id))
		return -ENODEV;		/* a noiommu group: no IOMMU to ask */
	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!dev)
		return -ENODEV;
	grp = iommu_group_get(dev);
	if (grp && iommu_group_id(grp) == id) {
		info->out_flags |= LIBIOMMU_KMOD_DEV_GROUP_FD;
		devinfo_device(dev, info);
		ret = 0;
	}
	iommu_group_put(grp);
	put_device(dev);
	return ret;
}
#else
static int devinfo_group_file(struct file *file, const char *name,
			      struct libiommu_kmod_dev_info *info)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* LIK_VFIO_PRIVATE */

static void devinfo_clear_out(struct libiommu_kmod_dev_info *info)
{
	info->out_flags = 0;
	info->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_UNKNOWN;
	info->out_wbinvd_policy = LIBIOMMU_KMOD_WBINVD_UNKNOWN;
	info->out_iommu_group = -1;
	info->out_devid = 0;
	info->out_pci_vendor = 0;
	info->out_pci_device = 0;
	info->out_pcie_devctl = 0;
	memset(info->out_name, 0, sizeof(info->out_name));
	info->out_attach = LIK_ATTACH ? LIBIOMMU_KMOD_ATTACH_NOT_BOUND :
					LIBIOMMU_KMOD_ATTACH_UNKNOWN;
	info->out_attach_hwpt_id = 0;
}

int lik_get_dev_info(struct libiommu_kmod_dev_info *info)
{
	bool group_mode = info->flags & LIBIOMMU_KMOD_DEV_INFO_GROUP;
	char *name = NULL;
	struct file *file;
	int ret = 0;

	if ((info->flags & ~DEV_INFO_FLAGS) || info->__reserved ||
	    info->__reserved2)
		return -EOPNOTSUPP;
	if (group_mode && !IS_ENABLED(CONFIG_VFIO_GROUP))
		return -EOPNOTSUPP;
	if (group_mode != !!info->name_ptr)
		return -EINVAL;

	CLASS(fd, f)(info->vfio_fd);
	if (fd_empty(f))
		return -EBADF;
	file = fd_file(f);
	if (!vfio_file_is_valid(file) || vfio_file_is_group(file) != group_mode)
		return -EBADFD;

	devinfo_clear_out(info);
	if (group_mode) {
		name = strndup_user(u64_to_user_ptr(info->name_ptr), PAGE_SIZE);
		if (IS_ERR(name))
			return PTR_ERR(name);
		ret = devinfo_group_file(file, name, info);
		kfree(name);
		if (ret)
			return ret;
	} else {
		ret = devinfo_device_file(file, info);
		if (ret)
			return ret;
	}

	/* What kvm-vfio will be told for this very file; it decides alone. */
	if (vfio_file_enforced_coherent(file)) {
		info->out_flags |= LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC;
		info->out_wbinvd_policy = LIBIOMMU_KMOD_WBINVD_DISABLE;
	} else {
		info->out_wbinvd_policy = LIBIOMMU_KMOD_WBINVD_ENABLE;
	}
	return 0;
}
