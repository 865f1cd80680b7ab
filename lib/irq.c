// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interrupts of a VFIO device: what each index has
 * (VFIO_DEVICE_GET_IRQ_INFO, kept per handle) and what signals them
 * (VFIO_DEVICE_SET_IRQS): eventfds for the vectors, disable, mask, unmask,
 * INTx's resample eventfd.  Ranges are checked against the kept count, so
 * a bad one is named before the kernel sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "uapi/vfio.h"

static const char *irq_name(uint32_t index)
{
	static const char *const names[] = { "INTx", "MSI", "MSI-X", "ERR",
					     "REQ" };

	return index < LU_ARRAY_SIZE(names) ? names[index] : "interrupt";
}

/* Entry checks shared by every function here. */
static int irq_begin(struct libiommu_dev *dev, const char *fn)
{
	int rc = lu_backend_need(dev->ctx, LU_OP_DEV_IOCTL, fn);

	return rc ? rc : lu_dev_need_fd(dev, fn);
}

/* Whether the device counts @index among its num_irqs. */
static bool irq_index_exists(struct libiommu_dev *dev, uint32_t index)
{
	struct lx_vfio_device_info info = { .argsz = sizeof(info) };

	return dev->ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_INFO, &info) >=
		       0 &&
	       index < info.num_irqs;
}

/* The index's info, asked once per handle. */
static int irq_get(struct libiommu_dev *dev, const char *fn, uint32_t index,
		   struct lu_irq *out)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lx_vfio_irq_info cmd = {
		.argsz = sizeof(cmd),
		.index = index,
	};
	bool cached = false;
	int rc;

	if (index < LU_IRQ_CACHE) {
		lu_lock(ctx);
		if (dev->irqs[index].valid) {
			*out = dev->irqs[index];
			cached = true;
		}
		lu_unlock(ctx);
		if (cached)
			return 0;
	}
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_IRQ_INFO, &cmd);
	if (rc == -EINVAL && irq_index_exists(dev, index)) {
		/* an index the device has but the kernel will not describe:
		 * no vectors (6.12's vfio-pci: ERR on a device that is not
		 * PCIe) */
		cmd.flags = 0;
		cmd.count = 0;
		rc = 0;
	}
	if (rc == -EINVAL)
		return lu_fail(ctx, -EINVAL,
			       "%s: device %" PRIu32 " has no interrupt index %" PRIu32 " (libiommu_dev_get_info() gives num_irqs)",
			       fn, dev->id, index);
	if (rc < 0)
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_GET_IRQ_INFO(%" PRIu32 ") on device %" PRIu32 " failed: %s",
			       index, dev->id, strerror(-rc));
	out->valid = true;
	out->flags = cmd.flags &
		     (LIBIOMMU_IRQ_EVENTFD | LIBIOMMU_IRQ_MASKABLE |
		      LIBIOMMU_IRQ_AUTOMASKED | LIBIOMMU_IRQ_NORESIZE);
	out->count = cmd.count;
	if (index < LU_IRQ_CACHE) {
		lu_lock(ctx);
		dev->irqs[index] = *out;
		lu_unlock(ctx);
	}
	return 0;
}

LIBIOMMU_API int libiommu_dev_get_irq_info(struct libiommu_dev *dev,
					   uint32_t index,
					   struct libiommu_irq_info *info)
{
	struct libiommu_irq_info r;
	struct lu_irq irq;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (!info)
		return lu_fail(dev->ctx, -EINVAL, "%s: info is NULL", __func__);
	rc = lu_result_check(dev->ctx, __func__, "info", info->sz,
			     "libiommu_irq_info");
	if (rc)
		return rc;
	rc = irq_begin(dev, __func__);
	if (rc)
		return rc;
	rc = irq_get(dev, __func__, index, &irq);
	if (rc)
		return rc;
	memset(&r, 0, sizeof(r));
	r.index = index;
	r.flags = irq.flags;
	r.count = irq.count;
	lu_result_copy(info, info->sz, &r,
		       lu_offsetofend(struct libiommu_irq_info, count));
	return 0;
}

/*
 * Check [start, start + count) against the index (count 0: the whole
 * index, for disable) and that it can do @need (LIBIOMMU_IRQ_* bits).
 */
static int irq_range(struct libiommu_dev *dev, const char *fn, uint32_t index,
		     uint32_t start, uint32_t count, uint32_t need,
		     const char *what)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lu_irq irq;
	int rc;

	rc = irq_get(dev, fn, index, &irq);
	if (rc)
		return rc;
	if (irq.count == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: device %" PRIu32 " has no %s vectors (interrupt index %" PRIu32 " has count 0)",
			       fn, dev->id, irq_name(index), index);
	if (start >= irq.count || count > irq.count - start)
		return lu_fail(ctx, -EINVAL,
			       "%s: vectors [%" PRIu32 ", %" PRIu64 ") are past the %" PRIu32 " %s vector(s) of device %" PRIu32,
			       fn, start, (uint64_t)start + count, irq.count,
			       irq_name(index), dev->id);
	if ((irq.flags & need) != need)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: %s of device %" PRIu32 " cannot be %s (VFIO_DEVICE_GET_IRQ_INFO flags 0x%" PRIx32 ")",
			       fn, irq_name(index), dev->id, what, irq.flags);
	return 0;
}

/* One VFIO_DEVICE_SET_IRQS; @data holds @len bytes for @count items. */
static int set_irqs(struct libiommu_dev *dev, const char *fn, uint32_t flags,
		    uint32_t index, uint32_t start, uint32_t count,
		    const void *data, size_t len, const char *what)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lx_vfio_irq_set *cmd;
	int rc;

	cmd = calloc(1, sizeof(*cmd) + len);
	if (!cmd)
		return lu_fail(ctx, -ENOMEM, "%s: out of memory", fn);
	cmd->argsz = (uint32_t)(sizeof(*cmd) + len);
	cmd->flags = flags;
	cmd->index = index;
	cmd->start = start;
	cmd->count = count;
	if (len)
		memcpy(cmd->data, data, len);
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_SET_IRQS, cmd);
	free(cmd);
	if (rc >= 0)
		return 0;
	if (rc == -EBADF)
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_SET_IRQS(%s, %s, vectors %" PRIu32 "..%" PRIu64 ") on device %" PRIu32 ": an fd passed is not open",
			       irq_name(index), what, start,
			       (uint64_t)start + count - 1, dev->id);
	if (rc == -EINVAL && (flags & LX_VFIO_IRQ_SET_DATA_EVENTFD))
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_SET_IRQS(%s, %s, vectors %" PRIu32 "..%" PRIu64 ") on device %" PRIu32 ": an fd passed is not an eventfd, or the index is enabled with fewer vectors or not enabled at all (disable it, then set all its vectors in one call)",
			       irq_name(index), what, start,
			       (uint64_t)start + count - 1, dev->id);
	if (rc == -ENOTTY || rc == -EOPNOTSUPP)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_SET_IRQS(%s, %s) on device %" PRIu32 ": the device's driver does not implement it",
			       irq_name(index), what, dev->id);
	return lu_fail(ctx, rc,
		       "VFIO_DEVICE_SET_IRQS(%s, %s, vectors %" PRIu32 "..%" PRIu64 ") on device %" PRIu32 " failed: %s",
		       irq_name(index), what, start,
		       (uint64_t)start + count - 1, dev->id, strerror(-rc));
}

static int check_fds(struct libiommu_dev *dev, const char *fn,
		     uint32_t count, const int *fds)
{
	uint32_t i;

	if (!fds)
		return lu_fail(dev->ctx, -EINVAL, "%s: fds is NULL", fn);
	for (i = 0; i < count; i++)
		if (fds[i] < -1)
			return lu_fail(dev->ctx, -EBADF,
				       "%s: fds[%" PRIu32 "] is %d: an eventfd, or -1 to remove one",
				       fn, i, fds[i]);
	return 0;
}

static int set_eventfds(struct libiommu_dev *dev, const char *fn,
			uint32_t index, uint32_t start, uint32_t count,
			const int *fds)
{
	int32_t *data;
	uint32_t i;
	int rc;

	rc = irq_range(dev, fn, index, start, count, LIBIOMMU_IRQ_EVENTFD,
		       "signalled through an eventfd");
	if (rc)
		return rc;
	data = calloc(count, sizeof(*data));
	if (!data)
		return lu_fail(dev->ctx, -ENOMEM, "%s: out of memory", fn);
	for (i = 0; i < count; i++)
		data[i] = fds[i];
	rc = set_irqs(dev, fn,
		      LX_VFIO_IRQ_SET_DATA_EVENTFD |
			      LX_VFIO_IRQ_SET_ACTION_TRIGGER,
		      index, start, count, data, count * sizeof(*data),
		      "trigger eventfds");
	free(data);
	return rc;
}

LIBIOMMU_API int libiommu_dev_irq_set_eventfds(struct libiommu_dev *dev,
					       uint32_t index, uint32_t start,
					       uint32_t count, const int *fds)
{
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (count == 0)
		return lu_fail(dev->ctx, -EINVAL,
			       "%s: count is 0 (libiommu_dev_irq_disable() disables an index)",
			       __func__);
	rc = check_fds(dev, __func__, count, fds);
	if (rc)
		return rc;
	rc = irq_begin(dev, __func__);
	if (rc)
		return rc;
	return set_eventfds(dev, __func__, index, start, count, fds);
}

LIBIOMMU_API int libiommu_dev_irq_new_eventfds(struct libiommu_dev *dev,
					       uint32_t index, uint32_t start,
					       uint32_t count, int *fds)
{
	uint32_t i, n;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (count == 0)
		return lu_fail(dev->ctx, -EINVAL,
			       "%s: count is 0 (libiommu_dev_irq_disable() disables an index)",
			       __func__);
	if (!fds)
		return lu_fail(dev->ctx, -EINVAL, "%s: fds is NULL", __func__);
	rc = irq_begin(dev, __func__);
	if (rc)
		return rc;
	/* Check the range before making anything. */
	rc = irq_range(dev, __func__, index, start, count, LIBIOMMU_IRQ_EVENTFD,
		       "signalled through an eventfd");
	if (rc)
		return rc;
	for (n = 0; n < count; n++) {
		fds[n] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[n] < 0) {
			rc = lu_fail(dev->ctx, -errno,
				     "%s: eventfd() for vector %" PRIu32 " failed: %s",
				     __func__, start + n, strerror(errno));
			break;
		}
	}
	if (!rc)
		rc = set_eventfds(dev, __func__, index, start, count, fds);
	if (rc) {
		for (i = 0; i < n; i++) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	return rc;
}

LIBIOMMU_API int libiommu_dev_irq_disable(struct libiommu_dev *dev,
					  uint32_t index)
{
	struct lu_irq irq;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	rc = irq_begin(dev, __func__);
	if (rc)
		return rc;
	rc = irq_get(dev, __func__, index, &irq);
	if (rc)
		return rc;
	return set_irqs(dev, __func__,
			LX_VFIO_IRQ_SET_DATA_NONE | LX_VFIO_IRQ_SET_ACTION_TRIGGER,
			index, 0, 0, NULL, 0, "disable");
}

static int mask_or_unmask(struct libiommu_dev *dev, const char *fn,
			  uint32_t index, uint32_t start, uint32_t count,
			  bool mask)
{
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, fn);
	if (count == 0)
		return lu_fail(dev->ctx, -EINVAL, "%s: count is 0", fn);
	rc = irq_begin(dev, fn);
	if (rc)
		return rc;
	rc = irq_range(dev, fn, index, start, count, LIBIOMMU_IRQ_MASKABLE,
		       mask ? "masked" : "unmasked");
	if (rc)
		return rc;
	return set_irqs(dev, fn,
			LX_VFIO_IRQ_SET_DATA_NONE |
				(mask ? LX_VFIO_IRQ_SET_ACTION_MASK : LX_VFIO_IRQ_SET_ACTION_UNMASK),
			index, start, count, NULL, 0, mask ? "mask" : "unmask");
}

LIBIOMMU_API int libiommu_dev_irq_mask(struct libiommu_dev *dev,
				       uint32_t index, uint32_t start,
				       uint32_t count)
{
	return mask_or_unmask(dev, __func__, index, start, count, true);
}

LIBIOMMU_API int libiommu_dev_irq_unmask(struct libiommu_dev *dev,
					 uint32_t index, uint32_t start,
					 uint32_t count)
{
	return mask_or_unmask(dev, __func__, index, start, count, false);
}

LIBIOMMU_API int libiommu_dev_irq_set_unmask_eventfd(struct libiommu_dev *dev,
						     uint32_t index,
						     uint32_t start, int fd)
{
	int32_t data = fd;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (fd < -1)
		return lu_fail(dev->ctx, -EBADF,
			       "%s: fd is %d: an eventfd, or -1 to remove it",
			       __func__, fd);
	rc = irq_begin(dev, __func__);
	if (rc)
		return rc;
	rc = irq_range(dev, __func__, index, start, 1, LIBIOMMU_IRQ_MASKABLE,
		       "unmasked through an eventfd");
	if (rc)
		return rc;
	return set_irqs(dev, __func__,
			LX_VFIO_IRQ_SET_DATA_EVENTFD | LX_VFIO_IRQ_SET_ACTION_UNMASK,
			index, start, 1, &data, sizeof(data), "unmask eventfd");
}
