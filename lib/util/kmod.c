// SPDX-License-Identifier: LGPL-2.1-or-later
/* The companion module's control node, for the library: see kmod.h. */
#include <fcntl.h>
#include <unistd.h>

#include "util/kmod.h"

int lu_kmod_open(struct lu_kmod *km)
{
	struct libiommu_kmod_version v;
	int rc;

	km->features = 0;
	km->fd = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);
	if (km->fd < 0)
		return -errno;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	rc = lu_ioctl(km->fd, LIBIOMMU_KMOD_GET_VERSION, &v);
	if (rc) {
		lu_kmod_close(km);
		return rc == -ENOTTY ? -ENOENT : rc;
	}
	km->features = v.out_features;
	return 0;
}

void lu_kmod_close(struct lu_kmod *km)
{
	if (km->fd >= 0)
		close(km->fd);
	km->fd = -1;
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

int lu_kmod_dev_info(struct lu_kmod *km, int vfio_fd,
		     struct libiommu_kmod_dev_info *di)
{
	if (!(km->features & LIBIOMMU_KMOD_FEAT_DEV_INFO))
		return -EOPNOTSUPP;
	memset(di, 0, sizeof(*di));
	di->size = sizeof(*di);
	di->vfio_fd = vfio_fd;
	return lu_ioctl(km->fd, LIBIOMMU_KMOD_GET_DEV_INFO, di);
}

int lu_kmod_sim_info_fd(struct lu_kmod *km, int vfio_fd,
			struct libiommu_kmod_sim_dev_info *si)
{
	if (!(km->features & LIBIOMMU_KMOD_FEAT_SIM))
		return -EOPNOTSUPP;
	memset(si, 0, sizeof(*si));
	si->size = sizeof(*si);
	si->flags = LIBIOMMU_KMOD_SIM_INFO_BY_FD;
	si->vfio_fd = vfio_fd;
	return lu_ioctl(km->fd, LIBIOMMU_KMOD_SIM_DEV_INFO, si);
}

int lu_kmod_sim_set(struct lu_kmod *km, uint32_t dev_id, uint32_t dev_flags)
{
	struct libiommu_kmod_sim_dev_set s;

	if (!(km->features & LIBIOMMU_KMOD_FEAT_SIM))
		return -EOPNOTSUPP;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.dev_id = dev_id;
	s.dev_flags = dev_flags;
	return lu_ioctl(km->fd, LIBIOMMU_KMOD_SIM_DEV_SET, &s);
}

int lu_kmod_kvm(struct lu_kmod *km, int vm_fd,
		struct libiommu_kmod_kvm_noncoherent *kn)
{
	if (!(km->features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT))
		return -EOPNOTSUPP;
	memset(kn, 0, sizeof(kn[0]));
	kn->size = sizeof(*kn);
	kn->kvm_fd = vm_fd;
	return lu_ioctl(km->fd, LIBIOMMU_KMOD_KVM_NONCOHERENT, kn);
}

int lu_kmod_dom_enforce(const struct libiommu_kmod_dev_info *di)
{
	/* This version of the module does not read the attached domain. */
	(void)di;
	return LU_ENF_UNKNOWN;
}
