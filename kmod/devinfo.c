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
 * Getting from a VFIO device file to its struct device needs VFIO
 * internals: file->private_data of a device file is a struct
 * vfio_device_file, and a group's device list lives in struct vfio_group;
 * both are declared only in drivers/vfio/vfio.h.  The module is built for
 * one exact kernel tree (Kbuild adds -I$(srctree) and the include names
 * the private header by its path in the tree), so using that header is
 * acceptable.  The file's type is checked first with the exported
 * vfio_file_is_valid() and vfio_file_is_group() - together true exactly for
 * files whose f_op is VFIO's (unexported) vfio_device_fops - so the private
 * layout is only ever applied to a file VFIO itself created.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "drivers/vfio/vfio.h"	/* vfio_device_file, vfio_group */
#include "lik.h"

#define DEV_INFO_FLAGS LIBIOMMU_KMOD_DEV_INFO_GROUP

u64 lik_devinfo_features(void)
{
	u64 f = LIBIOMMU_KMOD_FEAT_DEV_INFO;

	if (IS_ENABLED(CONFIG_VFIO_GROUP))
		f |= LIBIOMMU_KMOD_FEAT_DEV_INFO_GROUP;
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

/*
 * A device file (cdev or group-opened): the file holds a registration
 * reference on its vfio_device until it is released, and we hold the
 * file, so df->device and its struct device stay valid throughout.
 */
static void devinfo_device_file(struct file *file,
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
}

#if IS_ENABLED(CONFIG_VFIO_GROUP)
/* A group file plus a device name, as for VFIO_GROUP_GET_DEVICE_FD. */
static int devinfo_group_file(struct file *file, const char *name,
			      struct libiommu_kmod_dev_info *info)
{
	struct vfio_group *group = file->private_data;
	struct vfio_device *device, *found = NULL;

	mutex_lock(&group->device_lock);
	list_for_each_entry(device, &group->device_list, group_next) {
		if (!strcmp(dev_name(device->dev), name) &&
		    vfio_device_try_get_registration(device)) {
			found = device;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	if (!found)
		return -ENODEV;

	info->out_flags |= LIBIOMMU_KMOD_DEV_GROUP_FD;
	devinfo_device(found->dev, info);
	vfio_device_put_registration(found);
	return 0;
}
#else
static int devinfo_group_file(struct file *file, const char *name,
			      struct libiommu_kmod_dev_info *info)
{
	return -EOPNOTSUPP;
}
#endif

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
		devinfo_device_file(file, info);
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
