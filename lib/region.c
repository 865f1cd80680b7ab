// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VFIO regions of a device: info (cached per handle), its capability chain
 * (sparse mmap areas, type, MSI-X mappable), read/write, mmap of a range
 * and of a whole region laid out as a VMM needs it.
 * PCI config space is one of them; the coherency report reads and writes
 * the device's Device Control register through here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "uapi/vfio.h"
#include "util/vfio-caps.h"

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

/* The region's capabilities: GET_REGION_INFO again with room for them. */
static int region_caps(struct libiommu_dev *dev, const char *fn,
		       uint32_t index, struct libiommu_region_caps *caps,
		       struct libiommu_region_area *areas, uint32_t max)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lx_vfio_region_info head = {
		.argsz = sizeof(head),
		.index = index,
	};
	struct lx_vfio_region_info *full;
	uint32_t len;
	int rc;

	rc = lu_backend_need(ctx, LU_OP_DEV_IOCTL, fn);
	if (rc)
		return rc;
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	caps->index = index;
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_REGION_INFO, &head);
	if (rc == -EINVAL)
		return lu_fail(ctx, -EINVAL,
			       "%s: device %" PRIu32 " has no region %" PRIu32,
			       fn, dev->id, index);
	if (rc < 0)
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") on device %" PRIu32 " failed: %s",
			       index, dev->id, strerror(-rc));
	if (!(head.flags & LX_VFIO_REGION_INFO_FLAG_CAPS) ||
	    head.argsz <= sizeof(head))
		return lu_vfio_region_caps_decode(&head, sizeof(head), 0, caps,
						  areas, max);
	len = head.argsz;
	if (len > (1u << 20))
		return lu_fail(ctx, -EPROTO,
			       "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") on device %" PRIu32 ": the kernel asks for %" PRIu32 " bytes of capabilities",
			       index, dev->id, len);
	full = calloc(1, len);
	if (!full)
		return lu_fail(ctx, -ENOMEM,
			       "%s: no memory for the %" PRIu32 "-byte capability chain of region %" PRIu32,
			       fn, len, index);
	full->argsz = len;
	full->index = index;
	rc = ctx->ops->dev_ioctl(dev, LX_VFIO_DEVICE_GET_REGION_INFO, full);
	if (rc < 0)
		rc = lu_fail(ctx, rc,
			     "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") with its capabilities on device %" PRIu32 " failed: %s",
			     index, dev->id, strerror(-rc));
	else if (full->argsz > len) /* grew in between: not a VFIO answer */
		rc = lu_fail(ctx, -EPROTO,
			     "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") on device %" PRIu32 ": the capability chain grew between two calls",
			     index, dev->id);
	else if (!(full->flags & LX_VFIO_REGION_INFO_FLAG_CAPS))
		rc = lu_vfio_region_caps_decode(full, len, 0, caps, areas, max);
	else {
		rc = lu_vfio_region_caps_decode(full, len, full->cap_offset,
						caps, areas, max);
		if (rc)
			rc = lu_fail(ctx, rc,
				     "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") on device %" PRIu32 ": the capability chain is malformed",
				     index, dev->id);
	}
	free(full);
	return rc;
}

LIBIOMMU_API int libiommu_dev_region_get_caps(struct libiommu_dev *dev,
					      uint32_t index,
					      struct libiommu_region_caps *caps,
					      struct libiommu_region_area *areas,
					      uint32_t max)
{
	struct libiommu_region_caps r;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	if (!caps)
		return lu_fail(dev->ctx, -EINVAL, "%s: caps is NULL", __func__);
	if (max && !areas)
		return lu_fail(dev->ctx, -EINVAL,
			       "%s: areas is NULL but max is %" PRIu32, __func__,
			       max);
	rc = lu_result_check(dev->ctx, __func__, "caps", caps->sz,
			     "libiommu_region_caps");
	if (rc)
		return rc;
	memset(&r, 0, sizeof(r));
	rc = region_caps(dev, __func__, index, &r, areas, max);
	if (rc)
		return rc;
	lu_result_copy(caps, caps->sz, &r,
		       lu_offsetofend(struct libiommu_region_caps, nr_areas));
	return 0;
}

LIBIOMMU_API int libiommu_dev_region_mmap_all(struct libiommu_dev *dev,
					      uint32_t index, uint32_t prot,
					      void **addr, size_t *len)
{
	const uint32_t known = LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE;
	struct libiommu_region_caps caps = { .sz = sizeof(caps) };
	struct libiommu_region_area whole, *areas = &whole;
	struct libiommu_ctx *ctx;
	uint64_t pg = lu_page_size(), size;
	struct lu_region reg;
	int mprot = 0, rc;
	uint32_t i, n = 1;
	uint8_t *base;

	if (addr)
		*addr = NULL;
	if (len)
		*len = 0;
	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (!addr || !len)
		return lu_fail(ctx, -EINVAL, "%s: addr or len is NULL", __func__);
	if (!prot || (prot & ~known))
		return lu_fail(ctx, -EINVAL,
			       "%s: prot 0x%" PRIx32 " must be LIBIOMMU_REGION_READ and/or LIBIOMMU_REGION_WRITE",
			       __func__, prot);
	rc = region_span(dev, __func__, index, 0, 0, prot | LIBIOMMU_REGION_MMAP,
			 &reg);
	if (rc)
		return rc;
	if (reg.size == 0 || reg.size > SIZE_MAX - pg)
		return lu_fail(ctx, -EINVAL,
			       "%s: region %" PRIu32 " of device %" PRIu32 " has size 0x%" PRIx64,
			       __func__, index, dev->id, reg.size);
	rc = region_caps(dev, __func__, index, &caps, NULL, 0);
	if (rc)
		return rc;
	whole.offset = 0;
	whole.size = reg.size;
	if (caps.flags & LIBIOMMU_REGION_CAP_SPARSE) {
		n = caps.nr_areas;
		areas = n ? calloc(n, sizeof(*areas)) : NULL;
		if (n && !areas)
			return lu_fail(ctx, -ENOMEM, "%s: out of memory", __func__);
		rc = region_caps(dev, __func__, index, &caps, areas, n);
		if (!rc && caps.nr_areas != n)
			rc = lu_fail(ctx, -EAGAIN,
				     "%s: the sparse areas of region %" PRIu32 " changed while being read; try again",
				     __func__, index);
		if (rc) {
			free(areas);
			return rc;
		}
	}
	for (i = 0; i < n; i++)
		if (areas[i].offset % pg || areas[i].size % pg ||
		    areas[i].offset > reg.size ||
		    areas[i].size > reg.size - areas[i].offset) {
			rc = lu_fail(ctx, -EPROTO,
				     "%s: sparse area %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64 ") of region %" PRIu32 " is not page aligned inside the region",
				     __func__, i, areas[i].offset, areas[i].size,
				     index);
			goto out;
		}
	size = (reg.size + pg - 1) / pg * pg;
	base = mmap(NULL, (size_t)size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		rc = lu_fail(ctx, -errno,
			     "%s: reserving 0x%" PRIx64 " bytes for region %" PRIu32 " failed: %s",
			     __func__, size, index, strerror(errno));
		goto out;
	}
	if (prot & LIBIOMMU_REGION_READ)
		mprot |= PROT_READ;
	if (prot & LIBIOMMU_REGION_WRITE)
		mprot |= PROT_WRITE;
	for (i = 0; i < n; i++) {
		void *at = base + areas[i].offset;

		if (!areas[i].size)
			continue;
		rc = ctx->ops->region_mmap(dev, reg.offset + areas[i].offset,
					   (size_t)areas[i].size, mprot, &at);
		if (rc) {
			munmap(base, (size_t)size);
			rc = lu_fail(ctx, rc,
				     "%s: mmap of [0x%" PRIx64 ", +0x%" PRIx64 ") of region %" PRIu32 " of device %" PRIu32 " failed: %s",
				     __func__, areas[i].offset, areas[i].size,
				     index, dev->id, strerror(-rc));
			goto out;
		}
	}
	*addr = base;
	*len = (size_t)size;
out:
	if (areas != &whole)
		free(areas);
	return rc;
}
