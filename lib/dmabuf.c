// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A slice of a device region (a PCI BAR) as a dma-buf
 * (VFIO_DEVICE_FEATURE_DMA_BUF): the way to map a BAR into an IOAS for
 * peer-to-peer DMA (IOMMU_IOAS_MAP_FILE takes the dma-buf), since an
 * mmap() of a BAR is PFNMAP memory that IOMMU_IOAS_MAP cannot pin.
 */
#include <fcntl.h>
#include <stdio.h>

#include "backend/backend.h"
#include "uapi/vfio.h"

LIBIOMMU_API int libiommu_dev_dmabuf_export(struct libiommu_dev *dev,
					    uint32_t index, uint64_t offset,
					    uint64_t len, int *fd)
{
	struct {
		struct lx_vfio_device_feature hdr;
		struct lx_vfio_device_feature_dma_buf buf;
		struct lx_vfio_region_dma_range range;
	} cmd;
	struct libiommu_ctx *ctx;
	int rc;

	if (fd)
		*fd = -1;
	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (!fd)
		return lu_fail(ctx, -EINVAL, "%s: fd is NULL", __func__);
	if (len == 0 || offset % lu_page_size() || len % lu_page_size())
		return lu_fail(ctx, -EINVAL,
			       "%s: offset 0x%" PRIx64 " and length 0x%" PRIx64 " must be page aligned, the length not 0",
			       __func__, offset, len);
	rc = lu_backend_need(ctx, LU_OP_DEV_IOCTL, __func__);
	if (rc)
		return rc;
	rc = lu_dev_need_fd(dev, __func__);
	if (rc)
		return rc;
	memset(&cmd, 0, sizeof(cmd));
	cmd.hdr.argsz = sizeof(cmd);
	cmd.hdr.flags = LX_VFIO_DEVICE_FEATURE_GET |
			LX_VFIO_DEVICE_FEATURE_DMA_BUF;
	cmd.buf.region_index = index;
	cmd.buf.open_flags = O_RDWR | O_CLOEXEC;
	cmd.buf.nr_ranges = 1;
	cmd.range.offset = offset;
	cmd.range.length = len;
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_FEATURE, &cmd);
	if (rc >= 0) {
		*fd = rc;
		return 0;
	}
	if (rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_FEATURE(DMA_BUF) on device %" PRIu32 ": the kernel has no VFIO dma-buf export (CONFIG_VFIO_PCI_DMABUF) or the device's driver does not offer it",
			       dev->id);
	if (rc == -EOPNOTSUPP)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_FEATURE(DMA_BUF) on device %" PRIu32 ": the device cannot provide peer-to-peer memory (no PCI P2PDMA provider for it: CONFIG_PCI_P2PDMA, or its BAR cannot be used)",
			       dev->id);
	if (rc == -ENODEV) /* the kernel's answer for a region that is no BAR */
		return lu_fail(ctx, -EINVAL,
			       "VFIO_DEVICE_FEATURE(DMA_BUF) on device %" PRIu32 ": region %" PRIu32 " is not a BAR and cannot be exported",
			       dev->id, index);
	if (rc == -EINVAL)
		return lu_fail(ctx, -EINVAL,
			       "VFIO_DEVICE_FEATURE(DMA_BUF) on device %" PRIu32 ": region %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64 ") cannot be exported: not an mmap()able BAR, or the range is outside it",
			       dev->id, index, offset, len);
	return lu_fail(ctx, rc,
		       "VFIO_DEVICE_FEATURE(DMA_BUF) on region %" PRIu32 " of device %" PRIu32 " failed: %s",
		       index, dev->id, strerror(-rc));
}
