// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a VFIO device says of itself (VFIO_DEVICE_GET_INFO): its kind, its
 * reset, how many regions and interrupt indexes it has, and the
 * capability chain behind it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "uapi/vfio.h"

/* Walk the chain of @buf (@len bytes) for what we decode. */
static void decode_caps(const uint8_t *buf, uint32_t len, uint32_t off,
			struct libiommu_dev_info *r)
{
	unsigned int hops = 0;

	while (off && off <= len - sizeof(struct lx_vfio_info_cap_header) &&
	       hops++ < 64) {
		struct lx_vfio_info_cap_header h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.id == LX_VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP &&
		    off + sizeof(struct lx_vfio_device_info_cap_pci_atomic_comp) <= len) {
			struct lx_vfio_device_info_cap_pci_atomic_comp c;

			memcpy(&c, buf + off, sizeof(c));
			r->pci_atomic = c.flags &
					(LIBIOMMU_DEV_PCI_ATOMIC_COMP32 |
					 LIBIOMMU_DEV_PCI_ATOMIC_COMP64 |
					 LIBIOMMU_DEV_PCI_ATOMIC_COMP128);
		}
		if (h.next <= off) /* a chain only runs forward */
			break;
		off = h.next;
	}
}

LIBIOMMU_API int libiommu_dev_get_info(struct libiommu_dev *dev,
				       struct libiommu_dev_info *info)
{
	struct lx_vfio_device_info head = { .argsz = sizeof(head) };
	struct libiommu_dev_info r;
	struct libiommu_ctx *ctx;
	uint8_t *buf = NULL;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (!info)
		return lu_fail(ctx, -EINVAL, "%s: info is NULL", __func__);
	rc = lu_result_check(ctx, __func__, "info", info->sz,
			     "libiommu_dev_info");
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_DEV_IOCTL, __func__);
	if (rc)
		return rc;
	rc = lu_dev_need_fd(dev, __func__);
	if (rc)
		return rc;
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_INFO, &head);
	if (rc < 0)
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_GET_INFO on device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	memset(&r, 0, sizeof(r));
	r.flags = head.flags;
	r.num_regions = head.num_regions;
	r.num_irqs = head.num_irqs;
	/* The chain follows the struct: ask again with room for it. */
	if ((head.flags & LX_VFIO_DEVICE_FLAGS_CAPS) &&
	    head.argsz > sizeof(head) && head.argsz <= 65536) {
		uint32_t len = head.argsz;
		struct lx_vfio_device_info *full;

		buf = calloc(1, len);
		if (!buf)
			return lu_fail(ctx, -ENOMEM,
				       "%s: no memory for the %" PRIu32 "-byte capability chain of device %" PRIu32,
				       __func__, len, dev->id);
		full = (struct lx_vfio_device_info *)buf;
		full->argsz = len;
		rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_INFO, full);
		if (rc < 0) {
			free(buf);
			return lu_fail(ctx, rc,
				       "VFIO_DEVICE_GET_INFO with its capability chain on device %" PRIu32 " failed: %s",
				       dev->id, strerror(-rc));
		}
		if (full->argsz <= len && (full->flags & LX_VFIO_DEVICE_FLAGS_CAPS))
			decode_caps(buf, len, full->cap_offset, &r);
		free(buf);
	}
	lu_result_copy(info, info->sz, &r,
		       lu_offsetofend(struct libiommu_dev_info, pci_atomic));
	return 0;
}

/* The device side's public structs have no implicit padding. */
#define NO_PADDING(type, last) \
	_Static_assert(sizeof(struct type) == lu_offsetofend(struct type, last), \
		       "struct " #type " has implicit padding")
NO_PADDING(libiommu_dev_info, pci_atomic);
NO_PADDING(libiommu_irq_info, reserved);
NO_PADDING(libiommu_region_caps, reserved);
NO_PADDING(libiommu_region_area, size);
NO_PADDING(libiommu_hot_reset_dev, devfn);
