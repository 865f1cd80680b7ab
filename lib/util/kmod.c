// SPDX-License-Identifier: LGPL-2.1-or-later
/* The companion modules' control nodes, for the library: see kmod.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/ioctl.h"
#include "util/kmod.h"

#define SIM_NOT_TRIED (-2)

/* Open @node and read its features: the fd, or -errno. */
static int node_open(const char *node, uint64_t *features)
{
	struct libiommu_kmod_version v;
	int fd, rc;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	rc = lu_ioctl(fd, LIBIOMMU_KMOD_GET_VERSION, &v);
	if (rc) {
		close(fd);
		return rc == -ENOTTY ? -ENOENT : rc;
	}
	*features |= v.out_features;
	return fd;
}

int lu_kmod_open(struct lu_kmod *km)
{
	int fd;

	km->features = 0;
	km->sim_fd = -1;
	fd = node_open(LIBIOMMU_KMOD_DEVNODE, &km->features);
	if (fd < 0) {
		km->fd = -1;
		return fd;
	}
	km->fd = fd;
	km->sim_fd = SIM_NOT_TRIED;
	return 0;
}

/*
 * The simulator's node, opened when a command first needs it (a KVM
 * read-back never does): its fd, or -EOPNOTSUPP when it is not loaded.
 */
static int sim_fd(struct lu_kmod *km)
{
	if (km->sim_fd == SIM_NOT_TRIED) {
		int fd = node_open(LIBIOMMU_KMOD_SIM_DEVNODE, &km->features);

		km->sim_fd = fd >= 0 ? fd : -1;
	}
	if (km->sim_fd < 0 || !(km->features & LIBIOMMU_KMOD_FEAT_SIM))
		return -EOPNOTSUPP;
	return km->sim_fd;
}

void lu_kmod_close(struct lu_kmod *km)
{
	if (km->fd >= 0)
		close(km->fd);
	if (km->sim_fd >= 0)
		close(km->sim_fd);
	km->fd = km->sim_fd = -1;
}

const char *lu_kmod_why(int err)
{
	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "module not loaded";
	case EACCES:
	case EPERM:
		return "module loaded but " LIBIOMMU_KMOD_DEVNODE " is root-only";
	default:
		return "module did not answer";
	}
}

/*
 * A simulated device is no PCI device to the kernel; its PCIe function
 * lives in the simulator, which says what its config space holds.
 */
static void dev_info_from_sim(struct lu_kmod *km, int vfio_fd,
			      struct libiommu_kmod_dev_info *di)
{
	struct libiommu_kmod_sim_dev_info si;

	if (di->out_flags & LIBIOMMU_KMOD_DEV_PCI ||
	    lu_kmod_sim_info_fd(km, vfio_fd, &si))
		return;
	di->out_flags |= LIBIOMMU_KMOD_DEV_PCI | LIBIOMMU_KMOD_DEV_PCIE |
			 LIBIOMMU_KMOD_DEV_DEVCTL_VALID;
	di->out_pci_vendor = LIBIOMMU_KMOD_SIM_PCI_VENDOR;
	di->out_pci_device = LIBIOMMU_KMOD_SIM_PCI_DEVICE;
	di->out_pcie_devctl = si.out_devctl;
	if (si.out_devctl & LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN) {
		di->out_flags |= LIBIOMMU_KMOD_DEV_NOSNOOP_EN;
		di->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_ENABLED;
	} else {
		di->out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_DISABLED;
	}
}

int lu_kmod_dev_info(struct lu_kmod *km, int vfio_fd,
		     struct libiommu_kmod_dev_info *di)
{
	int rc;

	if (!(km->features & LIBIOMMU_KMOD_FEAT_DEV_INFO))
		return -EOPNOTSUPP;
	memset(di, 0, sizeof(*di));
	di->size = sizeof(*di);
	di->vfio_fd = vfio_fd;
	rc = lu_ioctl(km->fd, LIBIOMMU_KMOD_GET_DEV_INFO, di);
	if (rc == 0 && di->out_nosnoop == LIBIOMMU_KMOD_NOSNOOP_NOT_PCI)
		dev_info_from_sim(km, vfio_fd, di);
	return rc;
}

int lu_kmod_sim_info_fd(struct lu_kmod *km, int vfio_fd,
			struct libiommu_kmod_sim_dev_info *si)
{
	int fd = sim_fd(km);

	if (fd < 0)
		return fd;
	memset(si, 0, sizeof(*si));
	si->size = sizeof(*si);
	si->flags = LIBIOMMU_KMOD_SIM_INFO_BY_FD;
	si->vfio_fd = vfio_fd;
	return lu_ioctl(fd, LIBIOMMU_KMOD_SIM_DEV_INFO, si);
}

int lu_kmod_sim_set(struct lu_kmod *km, uint32_t dev_id, uint32_t dev_flags)
{
	struct libiommu_kmod_sim_dev_set s;
	int fd = sim_fd(km);

	if (fd < 0)
		return fd;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.dev_id = dev_id;
	s.dev_flags = dev_flags;
	return lu_ioctl(fd, LIBIOMMU_KMOD_SIM_DEV_SET, &s);
}

int lu_kmod_kvm(struct lu_kmod *km, int vm_fd,
		struct libiommu_kmod_kvm_noncoherent *kn)
{
	/*
	 * Asked even when the feature bit is clear: the module's errno says
	 * why (EOPNOTSUPP: no KVM or kallsyms; ENOEXEC: built for another
	 * build of the kernel).
	 */
	if (km->fd < 0)
		return -EOPNOTSUPP;
	memset(kn, 0, sizeof(kn[0]));
	kn->size = sizeof(*kn);
	kn->kvm_fd = vm_fd;
	return lu_ioctl(km->fd, LIBIOMMU_KMOD_KVM_NONCOHERENT, kn);
}

int lu_kmod_dom_enforce(const struct libiommu_kmod_dev_info *di)
{
	if (!(di->out_flags & LIBIOMMU_KMOD_DEV_ATTACH_KNOWN))
		return LU_ENF_UNKNOWN;
	return di->out_flags & LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC ? LU_ENF_YES : LU_ENF_NO;
}
