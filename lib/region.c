// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VFIO regions of a device: info (cached per handle), read/write and mmap.
 * PCI config space is one of them; the coherency report reads and writes
 * the device's Device Control register through here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>

#include "backend/backend.h"

static int need_fd(struct libiommu_dev *dev, const char *fn)
{
	if (dev->fd >= 0)
		return 0;
	return lu_fail(dev->ctx, -EBADF,
		       "%s: device %" PRIu32 " was adopted by id and has no VFIO device fd (an adopted handle can only read hardware info and allocate HWPTs; attach it through whoever bound it)",
		       fn, dev->id);
}

int lu_region_get(struct libiommu_dev *dev, const char *fn, uint32_t index,
		  struct lu_region *out)
{
	struct libiommu_ctx *ctx = dev->ctx;
	bool cached = false;
	int rc;

	if (index < LU_REGION_CACHE) {
		lu_lock(ctx);
		if (dev->regions[index].valid) {
			*out = dev->regions[index];
			cached = true;
		}
		lu_unlock(ctx);
		if (cached)
			return 0;
	}
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	rc = ctx->ops->region_info(dev, index, out);
	if (rc == -EINVAL)
		return lu_fail(ctx, -EINVAL,
			       "%s: device %" PRIu32 " has no region %" PRIu32,
			       fn, dev->id, index);
	if (rc)
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") on device %" PRIu32 " failed: %s",
			       index, dev->id, strerror(-rc));
	if (index < LU_REGION_CACHE) {
		lu_lock(ctx);
		dev->regions[index] = *out;
		lu_unlock(ctx);
	}
	return 0;
}

LIBIOMMU_API int libiommu_dev_region_info(struct libiommu_dev *dev,
					  uint32_t index,
					  struct libiommu_region_info *info)
{
	struct libiommu_region_info r;
	struct lu_region reg;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (!info)
		return lu_fail(dev->ctx, -EINVAL, "%s: info is NULL", __func__);
	rc = lu_result_check(dev->ctx, __func__, "info", info->sz,
			     "libiommu_region_info");
	if (rc)
		return rc;
	rc = lu_region_get(dev, __func__, index, &reg);
	if (rc)
		return rc;
	memset(&r, 0, sizeof(r));
	r.index = index;
	r.flags = reg.flags;
	r.size = reg.size;
	r.offset = reg.offset;
	lu_result_copy(info, info->sz, &r,
		       lu_offsetofend(struct libiommu_region_info, offset));
	return 0;
}

/* The region, checked to hold [offset, offset + len) and allow @need. */
static int region_span(struct libiommu_dev *dev, const char *fn,
		       uint32_t index, uint64_t offset, uint64_t len,
		       uint32_t need, struct lu_region *reg)
{
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	rc = lu_region_get(dev, fn, index, reg);
	if (rc)
		return rc;
	if ((reg->flags & need) != need)
		return lu_fail(ctx, -EINVAL,
			       "%s: region %" PRIu32 " of device %" PRIu32 " cannot be %s",
			       fn, index, dev->id,
			       need & LIBIOMMU_REGION_MMAP ? "mmap()ed" : need & LIBIOMMU_REGION_WRITE ? "written"
												       : "read");
	if (offset > reg->size || len > reg->size - offset)
		return lu_fail(ctx, -EINVAL,
			       "%s: [0x%" PRIx64 ", +0x%" PRIx64 ") is outside region %" PRIu32 " of device %" PRIu32 " (0x%" PRIx64 " bytes)",
			       fn, offset, len, index, dev->id, reg->size);
	return 0;
}

/* pread/pwrite until done: VFIO may split accesses to config space. */
int lu_region_rw(struct libiommu_dev *dev, const char *fn, uint32_t index,
		 uint64_t offset, void *buf, size_t len, bool write)
{
	struct lu_region reg;
	size_t done = 0;
	int rc;

	if (!buf && len)
		return lu_fail(dev->ctx, -EINVAL, "%s: buf is NULL", fn);
	rc = region_span(dev, fn, index, offset, len,
			 write ? LIBIOMMU_REGION_WRITE : LIBIOMMU_REGION_READ,
			 &reg);
	if (rc)
		return rc;
	while (done < len) {
		long n = dev->ctx->ops->region_pio(dev, (char *)buf + done,
						   len - done,
						   reg.offset + offset + done,
						   write);

		if (n < 0)
			return lu_fail(dev->ctx, (int)n,
				       "%s: %s at 0x%" PRIx64 " of region %" PRIu32 " failed: %s",
				       fn, write ? "pwrite" : "pread",
				       offset + done, index, strerror((int)-n));
		if (n == 0)
			return lu_fail(dev->ctx, -EIO,
				       "%s: short %s at 0x%" PRIx64 " of region %" PRIu32,
				       fn, write ? "write" : "read", offset + done,
				       index);
		done += (size_t)n;
	}
	return 0;
}

LIBIOMMU_API int libiommu_dev_region_read(struct libiommu_dev *dev,
					  uint32_t index, uint64_t offset,
					  void *buf, size_t len)
{
	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	return lu_region_rw(dev, __func__, index, offset, buf, len, false);
}

LIBIOMMU_API int libiommu_dev_region_write(struct libiommu_dev *dev,
					   uint32_t index, uint64_t offset,
					   const void *buf, size_t len)
{
	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	return lu_region_rw(dev, __func__, index, offset, (void *)buf, len,
			    true);
}

LIBIOMMU_API int libiommu_dev_region_mmap(struct libiommu_dev *dev,
					  uint32_t index, uint64_t offset,
					  size_t len, uint32_t prot,
					  void **addr)
{
	const uint32_t known = LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE;
	struct libiommu_ctx *ctx;
	struct lu_region reg;
	int mprot = 0, rc;

	if (addr)
		*addr = NULL;
	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	if (!addr)
		return lu_fail(ctx, -EINVAL, "%s: addr is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	if (!prot || (prot & ~known))
		return lu_fail(ctx, -EINVAL,
			       "%s: prot 0x%" PRIx32 " must be LIBIOMMU_REGION_READ and/or LIBIOMMU_REGION_WRITE",
			       __func__, prot);
	if (len == 0 || offset % lu_page_size())
		return lu_fail(ctx, -EINVAL,
			       "%s: length is 0 or offset 0x%" PRIx64 " is not page aligned",
			       __func__, offset);
	rc = region_span(dev, __func__, index, offset, len,
			 prot | LIBIOMMU_REGION_MMAP, &reg);
	if (rc)
		return rc;
	if (prot & LIBIOMMU_REGION_READ)
		mprot |= PROT_READ;
	if (prot & LIBIOMMU_REGION_WRITE)
		mprot |= PROT_WRITE;
	rc = ctx->ops->region_mmap(dev, reg.offset + offset, len, mprot, addr);
	if (rc)
		return lu_fail(ctx, rc,
			       "%s: mmap of region %" PRIu32 " of device %" PRIu32 " failed: %s (a sparse region can only be mapped where the driver allows)",
			       __func__, index, dev->id, strerror(-rc));
	return 0;
}
