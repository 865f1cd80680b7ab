// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Resetting a VFIO device: its function reset (VFIO_DEVICE_RESET), and a
 * PCI hot reset of its slot or bus (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
 * VFIO_DEVICE_PCI_HOT_RESET), which resets every function there and so
 * needs proof that the caller owns them all: on iommufd the devices bound
 * to it, on the legacy backends the VFIO groups of the context (the
 * backend's hot_reset_fds op).
 */
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "uapi/vfio.h"

static int reset_begin(struct libiommu_dev *dev, const char *fn)
{
	int rc = lu_backend_need(dev->ctx, LU_OP_DEV_IOCTL, fn);

	return rc ? rc : lu_dev_need_fd(dev, fn);
}

LIBIOMMU_API int libiommu_dev_reset(struct libiommu_dev *dev)
{
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	rc = reset_begin(dev, __func__);
	if (rc)
		return rc;
	rc = dev->ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_RESET, NULL);
	if (rc == -EINVAL || rc == -ENOTTY)
		return lu_fail(dev->ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_RESET on device %" PRIu32 ": the device has no function reset of its own (no FLR, PM reset or slot/bus reset that touches it alone: LIBIOMMU_DEV_INFO_RESET is clear); libiommu_dev_hot_reset() resets its slot or bus",
			       dev->id);
	if (rc < 0)
		return lu_fail(dev->ctx, rc,
			       "VFIO_DEVICE_RESET on device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	return 0;
}

static struct lx_vfio_pci_hot_reset_info *info_new(uint32_t n)
{
	size_t sz = sizeof(struct lx_vfio_pci_hot_reset_info) +
		    (size_t)n * sizeof(struct lx_vfio_pci_dependent_device);
	struct lx_vfio_pci_hot_reset_info *h = calloc(1, sz);

	if (h)
		h->argsz = (uint32_t)sz;
	return h;
}

static int hot_reset_info(struct libiommu_dev *dev, const char *fn,
			  struct lx_vfio_pci_hot_reset_info **out)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lx_vfio_pci_hot_reset_info *h;
	uint32_t n = 8;
	int rc;

	for (;;) {
		h = info_new(n);
		if (!h)
			return lu_fail(ctx, -ENOMEM, "%s: out of memory", fn);
		rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h);
		if (rc != -ENOSPC || h->count <= n || h->count > 65536)
			break;
		n = h->count;
		free(h);
	}
	if (rc >= 0) {
		*out = h;
		return 0;
	}
	free(h);
	if (rc == -ENODEV || rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on device %" PRIu32 ": it cannot be hot reset (neither its slot nor its bus can be reset, e.g. it sits on a root bus)",
			       dev->id);
	return lu_fail(ctx, rc,
		       "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on device %" PRIu32 " failed: %s",
		       dev->id, strerror(-rc));
}

LIBIOMMU_API int
libiommu_dev_get_hot_reset_info(struct libiommu_dev *dev, uint32_t *flags,
				struct libiommu_hot_reset_dev *devs,
				uint32_t max)
{
	struct lx_vfio_pci_hot_reset_info *h = NULL;
	uint32_t i;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (max && !devs)
		return lu_fail(dev->ctx, -EINVAL, "%s: devs is NULL", __func__);
	rc = reset_begin(dev, __func__);
	if (rc)
		return rc;
	rc = hot_reset_info(dev, __func__, &h);
	if (rc)
		return rc;
	for (i = 0; i < h->count && i < max; i++) {
		const struct lx_vfio_pci_dependent_device *d = &h->devices[i];

		devs[i].id = d->group_id;
		devs[i].segment = d->segment;
		devs[i].bus = d->bus;
		devs[i].devfn = d->devfn;
	}
	if (flags)
		*flags = h->flags & (LIBIOMMU_HOT_RESET_DEV_ID |
				     LIBIOMMU_HOT_RESET_OWNED);
	rc = (int)h->count;
	free(h);
	return rc;
}

LIBIOMMU_API int libiommu_dev_hot_reset(struct libiommu_dev *dev)
{
	struct lx_vfio_pci_hot_reset *cmd = NULL;
	struct libiommu_ctx *ctx;
	int n, rc;

	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	rc = lu_backend_need(ctx, LU_OP_HOT_RESET, __func__);
	if (rc)
		return rc;
	rc = reset_begin(dev, __func__);
	if (rc)
		return rc;
	/* The groups may not change between proving and resetting. */
	lu_lock(ctx);
	n = ctx->ops->hot_reset_fds(ctx, NULL, 0);
	cmd = calloc(1, sizeof(*cmd) + (size_t)n * sizeof(int32_t));
	if (!cmd) {
		lu_unlock(ctx);
		return lu_fail(ctx, -ENOMEM, "%s: out of memory", __func__);
	}
	cmd->argsz = (uint32_t)(sizeof(*cmd) + (size_t)n * sizeof(int32_t));
	cmd->count = (uint32_t)ctx->ops->hot_reset_fds(ctx, cmd->group_fds,
						       (uint32_t)n);
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_PCI_HOT_RESET, cmd);
	lu_unlock(ctx);
	free(cmd);
	if (rc >= 0)
		return 0;
	if (rc == -ENODEV || rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_PCI_HOT_RESET on device %" PRIu32 ": it cannot be hot reset (neither its slot nor its bus can be reset, e.g. it sits on a root bus)",
			       dev->id);
	if (rc == -EPERM || (rc == -EINVAL && n > 0))
		return lu_fail(ctx, -EPERM,
			       "VFIO_DEVICE_PCI_HOT_RESET on device %" PRIu32 ": the reset would touch a device this context does not own: open every device libiommu_dev_get_hot_reset_info() lists (LIBIOMMU_HOT_RESET_NOT_OWNED, or a group not open here) in this context first",
			       dev->id);
	if (rc == -EBUSY)
		return lu_fail(ctx, -EBUSY,
			       "VFIO_DEVICE_PCI_HOT_RESET on device %" PRIu32 ": an affected device is in use (open elsewhere, or its driver cannot be reset now)",
			       dev->id);
	return lu_fail(ctx, rc,
		       "VFIO_DEVICE_PCI_HOT_RESET on device %" PRIu32 " failed: %s",
		       dev->id, strerror(-rc));
}
