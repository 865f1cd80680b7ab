// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The VFIO device fd, the same on every kernel backend (a cdev bound to an
 * iommufd, or a device fd from a VFIO group): region info, region I/O by
 * pread/pwrite and mmap, the device's info flags, VFIO_DEVICE_FEATURE
 * (and the PRE_COPY query on a migration data fd it returned), and its
 * other ioctls (interrupts, reset).  Never logs: the handle layer
 * (lib/region.c, lib/devinfo.c, lib/irq.c, lib/reset.c, lib/migration.c)
 * words the errors.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/backend.h"
#include "uapi/vfio.h"

int lu_vfio_region_info(struct libiommu_dev *dev, uint32_t index,
			struct lu_region *out)
{
	struct lx_vfio_region_info cmd = {
		.argsz = sizeof(cmd),
		.index = index,
	};
	int rc;

	rc = lu_ioctl(dev->fd, LX_VFIO_DEVICE_GET_REGION_INFO, &cmd);
	if (rc)
		return rc;
	out->valid = true;
	out->flags = 0;
	if (cmd.flags & LX_VFIO_REGION_INFO_FLAG_READ)
		out->flags |= LIBIOMMU_REGION_READ;
	if (cmd.flags & LX_VFIO_REGION_INFO_FLAG_WRITE)
		out->flags |= LIBIOMMU_REGION_WRITE;
	if (cmd.flags & LX_VFIO_REGION_INFO_FLAG_MMAP)
		out->flags |= LIBIOMMU_REGION_MMAP;
	out->size = cmd.size;
	out->offset = cmd.offset;
	return 0;
}

long lu_vfio_region_pio(struct libiommu_dev *dev, void *buf, size_t len,
			uint64_t pos, bool write)
{
	ssize_t n;

	do {
		n = write ? pwrite(dev->fd, buf, len, (off_t)pos) : pread(dev->fd, buf, len, (off_t)pos);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (long)n;
}

int lu_vfio_region_mmap(struct libiommu_dev *dev, uint64_t pos, size_t len,
			int prot, void **addr)
{
	void *p = mmap(*addr, len, prot, MAP_SHARED | (*addr ? MAP_FIXED : 0),
		       dev->fd, (off_t)pos);

	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

int lu_vfio_dev_info_flags(struct libiommu_dev *dev, uint32_t *flags)
{
	struct lx_vfio_device_info info = { .argsz = sizeof(info) };
	int rc = lu_ioctl(dev->fd, LX_VFIO_DEVICE_GET_INFO, &info);

	if (rc == 0)
		*flags = info.flags;
	return rc;
}

int lu_vfio_dev_kvm_file(const struct libiommu_dev *dev)
{
	return dev->fd;
}

int lu_vfio_dev_ioctl(struct libiommu_dev *dev, unsigned long req, void *arg)
{
	return lu_ioctl(dev->fd, req, arg);
}

int lu_vfio_dev_feature(struct libiommu_dev *dev, uint32_t flags, void *data,
			size_t len)
{
	struct lx_vfio_device_feature *f;
	size_t sz = sizeof(*f) + len;
	int rc;

	if (len > UINT32_MAX - sizeof(*f))
		return -EINVAL;
	f = calloc(1, sz);
	if (!f)
		return -ENOMEM;
	f->argsz = (uint32_t)sz;
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	rc = lu_ioctl(dev->fd, LX_VFIO_DEVICE_FEATURE, f);
	if (rc >= 0 && len)
		memcpy(data, f->data, len);
	free(f);
	return rc < 0 ? rc : 0;
}

int lu_vfio_precopy_info(int data_fd, uint64_t *initial_bytes,
			 uint64_t *dirty_bytes)
{
	struct lx_vfio_precopy_info info = { .argsz = sizeof(info) };
	int rc = lu_ioctl(data_fd, LX_VFIO_MIG_GET_PRECOPY_INFO, &info);

	if (rc < 0)
		return rc;
	*initial_bytes = info.initial_bytes;
	*dirty_bytes = info.dirty_bytes;
	return 0;
}
