// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VFIO migration v2 and device DMA logging on a device handle: the
 * VFIO_DEVICE_FEATURE commands MIGRATION, MIG_DEVICE_STATE (with the data
 * fd a transition returns), MIG_DATA_SIZE, DMA_LOGGING_START/STOP/REPORT,
 * VFIO_MIG_GET_PRECOPY_INFO on a data fd, and one dirty bitmap that merges
 * the IOMMU's dirty tracking of an IOAS with its devices' DMA logs.
 *
 * The state machine is the kernel's (the VFIO core walks a multi-arc
 * request one arc at a time and refuses what the device's migration flags
 * do not allow); the library checks what it can without a kernel call and
 * words the kernel's refusals.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "uapi/vfio.h"

#define NR_STATES 8

static const char *const state_names[NR_STATES] = {
	"ERROR",
	"STOP",
	"RUNNING",
	"STOP_COPY",
	"RESUMING",
	"RUNNING_P2P",
	"PRE_COPY",
	"PRE_COPY_P2P",
};

/* The migration flags a state needs (the kernel's rule). */
static const uint64_t state_needs[NR_STATES] = {
	[LIBIOMMU_MIG_STATE_STOP] = LIBIOMMU_MIG_STOP_COPY,
	[LIBIOMMU_MIG_STATE_RUNNING] = LIBIOMMU_MIG_STOP_COPY,
	[LIBIOMMU_MIG_STATE_STOP_COPY] = LIBIOMMU_MIG_STOP_COPY,
	[LIBIOMMU_MIG_STATE_RESUMING] = LIBIOMMU_MIG_STOP_COPY,
	[LIBIOMMU_MIG_STATE_RUNNING_P2P] = LIBIOMMU_MIG_STOP_COPY |
					   LIBIOMMU_MIG_P2P,
	[LIBIOMMU_MIG_STATE_PRE_COPY] = LIBIOMMU_MIG_STOP_COPY |
					LIBIOMMU_MIG_PRE_COPY,
	[LIBIOMMU_MIG_STATE_PRE_COPY_P2P] = LIBIOMMU_MIG_STOP_COPY |
					    LIBIOMMU_MIG_P2P |
					    LIBIOMMU_MIG_PRE_COPY,
};

static const char *state_name(uint32_t s)
{
	return s < NR_STATES ? state_names[s] : "?";
}

/* A NULL handle has no context to log to: only the return value tells. */
#define CHECK_DEV(dev, fn) \
	do { \
		if (!(dev)) \
			return lu_ret(-EINVAL); \
		LU_OWNER_CHECK((dev)->ctx, fn); \
	} while (0)

static int need_fd(struct libiommu_dev *dev, const char *fn)
{
	if (dev->fd >= 0)
		return 0;
	return lu_fail(dev->ctx, -EBADF,
		       "%s: device %" PRIu32 " was adopted by id and has no VFIO device fd; migration and DMA logging go through the device fd",
		       fn, dev->id);
}

/*
 * VFIO_DEVICE_FEATURE(@feature, @what); errors worded: ENOTTY is "the
 * device (its driver) or the kernel lacks it", EPERM/EACCES a refusal.
 * Other errnos are returned unlogged for the caller to word.
 */
static int feature(struct libiommu_dev *dev, const char *fn, uint32_t flags,
		   const char *name, const char *lacks, void *data, size_t len)
{
	struct libiommu_ctx *ctx = dev->ctx;
	char cmd[96];
	int rc;

	rc = ctx->ops->dev_feature(dev, flags, data, len);
	if (rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: VFIO_DEVICE_FEATURE(%s) on device %" PRIu32 ": not supported: %s",
			       fn, name, dev->id, lacks);
	if (lu_refused(rc)) {
		snprintf(cmd, sizeof(cmd), "VFIO_DEVICE_FEATURE(%s)", name);
		return lu_fail_refused(ctx, rc, cmd);
	}
	if (rc == -ENOMEM)
		return lu_fail(ctx, rc,
			       "%s: VFIO_DEVICE_FEATURE(%s) on device %" PRIu32 ": out of memory",
			       fn, name, dev->id);
	return rc;
}

#define NO_MIG \
	"the device's driver has no VFIO migration (migration v2, VFIO_DEVICE_FEATURE_MIGRATION)"
#define NO_LOG \
	"the device's driver has no DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*); track dirty pages with the IOMMU instead (libiommu_ioas_set_dirty_tracking())"

static int fail_other(struct libiommu_dev *dev, const char *fn,
		      const char *name, int rc)
{
	return lu_fail(dev->ctx, rc,
		       "%s: VFIO_DEVICE_FEATURE(%s) on device %" PRIu32 " failed: %s",
		       fn, name, dev->id, strerror(-rc));
}

/* An error feature() did not word yet gets the generic words. */
static int worded(struct libiommu_dev *dev, const char *fn, const char *name,
		  int rc)
{
	if (rc == 0 || rc == -EOPNOTSUPP || rc == -ENOMEM || lu_refused(rc))
		return rc;
	return fail_other(dev, fn, name, rc);
}

/* ---- migration ------------------------------------------------------------- */

LIBIOMMU_API int libiommu_dev_get_migration(struct libiommu_dev *dev,
					    struct libiommu_mig_info *info)
{
	struct lx_vfio_device_feature_migration m = { 0 };
	struct libiommu_mig_info r;
	uint32_t s;
	int rc;

	CHECK_DEV(dev, __func__);
	if (!info)
		return lu_fail(dev->ctx, -EINVAL, "%s: info is NULL", __func__);
	rc = lu_result_check(dev->ctx, __func__, "info", info->sz,
			     "libiommu_mig_info");
	if (rc)
		return rc;
	rc = need_fd(dev, __func__);
	if (rc)
		return rc;
	rc = feature(dev, __func__,
		     LX_VFIO_DEVICE_FEATURE_GET | LX_VFIO_DEVICE_FEATURE_MIGRATION,
		     "MIGRATION", NO_MIG, &m, sizeof(m));
	if (rc)
		return worded(dev, __func__, "MIGRATION", rc);
	memset(&r, 0, sizeof(r));
	r.flags = m.flags;
	for (s = LIBIOMMU_MIG_STATE_STOP; s < NR_STATES; s++)
		if ((state_needs[s] & r.flags) == state_needs[s])
			r.states |= 1u << s;
	lu_result_copy(info, info->sz, &r,
		       lu_offsetofend(struct libiommu_mig_info, states));
	return 0;
}

LIBIOMMU_API int libiommu_dev_get_mig_state(struct libiommu_dev *dev,
					    enum libiommu_mig_state *state)
{
	struct lx_vfio_device_feature_mig_state m = { .data_fd = -1 };
	int rc;

	CHECK_DEV(dev, __func__);
	if (!state)
		return lu_fail(dev->ctx, -EINVAL, "%s: state is NULL", __func__);
	rc = need_fd(dev, __func__);
	if (rc)
		return rc;
	rc = feature(dev, __func__,
		     LX_VFIO_DEVICE_FEATURE_GET |
			     LX_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		     "MIG_DEVICE_STATE", NO_MIG, &m, sizeof(m));
	if (rc)
		return worded(dev, __func__, "MIG_DEVICE_STATE", rc);
	*state = (enum libiommu_mig_state)m.device_state;
	return 0;
}

/* Why the kernel may refuse a transition to @s (EINVAL): its rules. */
static const char *why_refused(uint32_t s)
{
	switch (s) {
	case LIBIOMMU_MIG_STATE_RUNNING_P2P:
		return "RUNNING_P2P needs LIBIOMMU_MIG_P2P in the device's migration flags; else the device is in ERROR";
	case LIBIOMMU_MIG_STATE_PRE_COPY:
		return "PRE_COPY needs LIBIOMMU_MIG_PRE_COPY in the device's migration flags and cannot be reached from STOP_COPY; else the device is in ERROR";
	case LIBIOMMU_MIG_STATE_PRE_COPY_P2P:
		return "PRE_COPY_P2P needs LIBIOMMU_MIG_PRE_COPY and LIBIOMMU_MIG_P2P in the device's migration flags and cannot be reached from STOP_COPY; else the device is in ERROR";
	case LIBIOMMU_MIG_STATE_STOP:
		return "the device is in ERROR (only a reset leaves it), or it rejected the state written to it in RESUMING (incomplete or not its own)";
	default:
		return "the device is in ERROR (only a reset leaves it), or its driver refused the arc";
	}
}

LIBIOMMU_API int libiommu_dev_set_mig_state(struct libiommu_dev *dev,
					    enum libiommu_mig_state state,
					    int *data_fd)
{
	struct lx_vfio_device_feature_mig_state m = { .data_fd = -1 };
	struct libiommu_ctx *ctx;
	uint32_t s = (uint32_t)state;
	int rc;

	if (data_fd)
		*data_fd = -1;
	CHECK_DEV(dev, __func__);
	ctx = dev->ctx;
	if (!data_fd)
		return lu_fail(ctx, -EINVAL,
			       "%s: data_fd is NULL (STOP_COPY, PRE_COPY and RESUMING return a data fd)",
			       __func__);
	if (s == LIBIOMMU_MIG_STATE_ERROR || s >= NR_STATES)
		return lu_fail(ctx, -EINVAL,
			       "%s: %" PRIu32 " is not a state a device can be asked for (STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P; ERROR is where a failed transition leaves it)",
			       __func__, s);
	rc = need_fd(dev, __func__);
	if (rc)
		return rc;
	m.device_state = s;
	rc = feature(dev, __func__,
		     LX_VFIO_DEVICE_FEATURE_SET |
			     LX_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		     "MIG_DEVICE_STATE", NO_MIG, &m, sizeof(m));
	if (rc == -EINVAL)
		return lu_fail(ctx, rc,
			       "%s: VFIO_DEVICE_FEATURE(MIG_DEVICE_STATE) on device %" PRIu32 ": the device refused the transition to %s: %s (libiommu_dev_get_migration() and libiommu_dev_get_mig_state() say what it has and where it is)",
			       __func__, dev->id, state_name(s), why_refused(s));
	if (rc)
		return worded(dev, __func__, "MIG_DEVICE_STATE", rc);
	*data_fd = m.data_fd;
	lu_dbg(ctx, "device %" PRIu32 ": migration state %s, data fd %d",
	       dev->id, state_name(s), m.data_fd);
	return 0;
}

LIBIOMMU_API int libiommu_dev_get_mig_data_size(struct libiommu_dev *dev,
						uint64_t *stop_copy_length)
{
	struct lx_vfio_device_feature_mig_data_size m = { 0 };
	int rc;

	CHECK_DEV(dev, __func__);
	if (!stop_copy_length)
		return lu_fail(dev->ctx, -EINVAL, "%s: stop_copy_length is NULL",
			       __func__);
	rc = need_fd(dev, __func__);
	if (rc)
		return rc;
	rc = feature(dev, __func__,
		     LX_VFIO_DEVICE_FEATURE_GET |
			     LX_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
		     "MIG_DATA_SIZE",
		     NO_MIG " or the kernel has no VFIO_DEVICE_FEATURE_MIG_DATA_SIZE",
		     &m, sizeof(m));
	if (rc)
		return worded(dev, __func__, "MIG_DATA_SIZE", rc);
	*stop_copy_length = m.stop_copy_length;
	return 0;
}

LIBIOMMU_API int libiommu_dev_get_precopy_info(struct libiommu_dev *dev,
					       int data_fd,
					       struct libiommu_precopy_info *info)
{
	struct libiommu_precopy_info r;
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_DEV(dev, __func__);
	ctx = dev->ctx;
	if (!info)
		return lu_fail(ctx, -EINVAL, "%s: info is NULL", __func__);
	rc = lu_result_check(ctx, __func__, "info", info->sz,
			     "libiommu_precopy_info");
	if (rc)
		return rc;
	if (data_fd < 0)
		return lu_fail(ctx, -EBADF, "%s: data_fd %d is not a descriptor",
			       __func__, data_fd);
	memset(&r, 0, sizeof(r));
	rc = lu_vfio_precopy_info(data_fd, &r.initial_bytes, &r.dirty_bytes);
	if (rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: VFIO_MIG_GET_PRECOPY_INFO on fd %d of device %" PRIu32 ": not supported: the fd is not a PRE_COPY data fd (a RESUMING fd, the data fd of a driver without PRE_COPY, or another file)",
			       __func__, data_fd, dev->id);
	if (rc == -EINVAL)
		return lu_fail(ctx, rc,
			       "%s: VFIO_MIG_GET_PRECOPY_INFO on fd %d of device %" PRIu32 ": the device is not in PRE_COPY or PRE_COPY_P2P",
			       __func__, data_fd, dev->id);
	if (lu_refused(rc))
		return lu_fail_refused(ctx, rc, "VFIO_MIG_GET_PRECOPY_INFO");
	if (rc)
		return lu_fail(ctx, rc,
			       "%s: VFIO_MIG_GET_PRECOPY_INFO on fd %d of device %" PRIu32 " failed: %s",
			       __func__, data_fd, dev->id, strerror(-rc));
	lu_result_copy(info, info->sz, &r,
		       lu_offsetofend(struct libiommu_precopy_info, dirty_bytes));
	return 0;
}

/* ---- DMA logging --------------------------------------------------------- */

LIBIOMMU_API int libiommu_dev_dma_log_start(struct libiommu_dev *dev,
					    uint64_t *page_size,
					    const struct libiommu_iova_range *ranges,
					    uint32_t nr)
{
	struct lx_vfio_device_feature_dma_logging_control c = { 0 };
	struct lx_vfio_device_feature_dma_logging_range *r;
	struct libiommu_ctx *ctx;
	uint64_t ps;
	uint32_t i;
	int rc;

	CHECK_DEV(dev, __func__);
	ctx = dev->ctx;
	if (!page_size || !ranges || !nr)
		return lu_fail(ctx, -EINVAL,
			       "%s: page_size and ranges are needed, and at least one range",
			       __func__);
	ps = *page_size;
	if (ps < 4096 || (ps & (ps - 1)))
		return lu_fail(ctx, -EINVAL,
			       "%s: page_size 0x%" PRIx64 " is not a power of two of at least 4 KiB",
			       __func__, ps);
	for (i = 0; i < nr; i++)
		if (ranges[i].last < ranges[i].start ||
		    (ranges[i].start & (ps - 1)) ||
		    ((ranges[i].last + 1) & (ps - 1)) ||
		    ranges[i].last == UINT64_MAX)
			return lu_fail(ctx, -EINVAL,
				       "%s: range %" PRIu32 " [0x%" PRIx64 ", 0x%" PRIx64 "] is empty or not aligned to page_size 0x%" PRIx64,
				       __func__, i, ranges[i].start,
				       ranges[i].last, ps);
	rc = need_fd(dev, __func__);
	if (rc)
		return rc;
	r = calloc(nr, sizeof(*r));
	if (!r)
		return lu_fail(ctx, -ENOMEM, "%s: out of memory for %" PRIu32 " ranges",
			       __func__, nr);
	for (i = 0; i < nr; i++) {
		r[i].iova = ranges[i].start;
		r[i].length = ranges[i].last - ranges[i].start + 1;
	}
	c.page_size = ps;
	c.num_ranges = nr;
	c.ranges = (uint64_t)(uintptr_t)r;
	rc = feature(dev, __func__,
		     LX_VFIO_DEVICE_FEATURE_SET |
			     LX_VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		     "DMA_LOGGING_START", NO_LOG, &c, sizeof(c));
	free(r);
	if (rc == -E2BIG)
		return lu_fail(ctx, rc,
			       "%s: VFIO_DEVICE_FEATURE(DMA_LOGGING_START) on device %" PRIu32 ": %" PRIu32 " ranges are more than the device can log (too many ranges, or too much IOVA once it combined them); log fewer or smaller ranges, or use IOMMU dirty tracking",
			       __func__, dev->id, nr);
	if (rc == -EBUSY)
		return lu_fail(ctx, rc,
			       "%s: VFIO_DEVICE_FEATURE(DMA_LOGGING_START) on device %" PRIu32 ": the device is logging already; stop it first (libiommu_dev_dma_log_stop())",
			       __func__, dev->id);
	if (rc == -EINVAL)
		return lu_fail(ctx, rc,
			       "%s: VFIO_DEVICE_FEATURE(DMA_LOGGING_START) on device %" PRIu32 ": the kernel or device refused the ranges (overlapping ranges, or a page size it cannot log at)",
			       __func__, dev->id);
	if (rc)
		return worded(dev, __func__, "DMA_LOGGING_START", rc);
	*page_size = c.page_size;
	lu_dbg(ctx, "device %" PRIu32 ": DMA logging of %" PRIu32 " ranges, page size 0x%" PRIx64,
	       dev->id, nr, c.page_size);
	return 0;
}

LIBIOMMU_API int libiommu_dev_dma_log_stop(struct libiommu_dev *dev)
{
	int rc;

	CHECK_DEV(dev, __func__);
	rc = need_fd(dev, __func__);
	if (rc)
		return rc;
	rc = feature(dev, __func__,
		     LX_VFIO_DEVICE_FEATURE_SET |
			     LX_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
		     "DMA_LOGGING_STOP", NO_LOG, NULL, 0);
	return worded(dev, __func__, "DMA_LOGGING_STOP", rc);
}

static size_t bitmap_bytes(uint64_t length, uint64_t page_size)
{
	return (size_t)((length / page_size + 63) / 64 * sizeof(uint64_t));
}

/* The report, into @bitmap (zeroed first); @fn names the caller. */
static int log_report(struct libiommu_dev *dev, const char *fn, uint64_t iova,
		      uint64_t length, uint64_t page_size, uint64_t *bitmap)
{
	struct lx_vfio_device_feature_dma_logging_report r = { 0 };
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	if (page_size < 4096)
		return lu_fail(ctx, -EINVAL,
			       "%s: page_size 0x%" PRIx64 " is below the 4 KiB VFIO reports at",
			       fn, page_size);
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	memset(bitmap, 0, bitmap_bytes(length, page_size));
	r.iova = iova;
	r.length = length;
	r.page_size = page_size;
	r.bitmap = (uint64_t)(uintptr_t)bitmap;
	rc = feature(dev, fn,
		     LX_VFIO_DEVICE_FEATURE_GET |
			     LX_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
		     "DMA_LOGGING_REPORT", NO_LOG, &r, sizeof(r));
	if (rc == -EINVAL)
		return lu_fail(ctx, rc,
			       "%s: VFIO_DEVICE_FEATURE(DMA_LOGGING_REPORT) on device %" PRIu32 ": refused: the device is not logging (libiommu_dev_dma_log_start()), or the range is not one it logs",
			       fn, dev->id);
	return worded(dev, fn, "DMA_LOGGING_REPORT", rc);
}

LIBIOMMU_API int libiommu_dev_dma_log_report(struct libiommu_dev *dev,
					     uint64_t iova, uint64_t length,
					     uint64_t page_size,
					     uint64_t *bitmap)
{
	int rc;

	CHECK_DEV(dev, __func__);
	rc = lu_check_dirty_args(dev->ctx, __func__, iova, length, page_size,
				 bitmap, 0);
	if (rc)
		return rc;
	return log_report(dev, __func__, iova, length, page_size, bitmap);
}

/* ---- one bitmap from the IOMMU and the devices --------------------------- */

LIBIOMMU_API int libiommu_ioas_get_dirty_merged(struct libiommu_ioas *ioas,
						struct libiommu_dev *const *devs,
						uint32_t nr_devs, uint64_t iova,
						uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags)
{
	const uint32_t known = LIBIOMMU_DIRTY_NO_CLEAR |
			       LIBIOMMU_DIRTY_DEVICES_ONLY;
	struct libiommu_ctx *ctx;
	uint64_t *tmp = NULL;
	size_t words, w;
	uint32_t i;
	int rc;

	if (!ioas)
		return lu_ret(-EINVAL);
	ctx = ioas->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (flags & ~known)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       __func__, flags & ~known);
	rc = lu_check_dirty_args(ctx, __func__, iova, length, page_size, bitmap,
				 flags & LIBIOMMU_DIRTY_NO_CLEAR);
	if (rc)
		return rc;
	if (nr_devs && !devs)
		return lu_fail(ctx, -EINVAL, "%s: devs is NULL", __func__);
	if (nr_devs && (flags & LIBIOMMU_DIRTY_NO_CLEAR))
		return lu_fail(ctx, -EINVAL,
			       "%s: LIBIOMMU_DIRTY_NO_CLEAR with devices: a DMA log report always clears what it reads",
			       __func__);
	if (!nr_devs && (flags & LIBIOMMU_DIRTY_DEVICES_ONLY))
		return lu_fail(ctx, -EINVAL,
			       "%s: LIBIOMMU_DIRTY_DEVICES_ONLY without devices reads nothing",
			       __func__);
	lu_lock(ctx);
	for (i = 0; i < nr_devs; i++) {
		if (!devs[i] || devs[i]->ctx != ctx) {
			lu_unlock(ctx);
			return lu_fail(ctx, devs[i] ? -EXDEV : -EINVAL,
				       "%s: device %" PRIu32 " of the list is %s",
				       __func__, i,
				       devs[i] ? "in another context than the IOAS" : "NULL");
		}
		if (!lu_dev_uses_ioas(devs[i], ioas)) {
			lu_unlock(ctx);
			return lu_fail(ctx, -EINVAL,
				       "%s: device %" PRIu32 " is not attached to IOAS %" PRIu32 ": its DMA log is not about this address space",
				       __func__, devs[i]->id, ioas->id);
		}
	}
	lu_unlock(ctx);

	words = bitmap_bytes(length, page_size) / sizeof(uint64_t);
	if (nr_devs) {
		tmp = malloc(words * sizeof(uint64_t));
		if (!tmp)
			return lu_fail(ctx, -ENOMEM,
				       "%s: out of memory for a bitmap of %zu bytes",
				       __func__, words * sizeof(uint64_t));
	}
	if (flags & LIBIOMMU_DIRTY_DEVICES_ONLY) {
		memset(bitmap, 0, words * sizeof(uint64_t));
	} else {
		rc = lu_backend_need(ctx, LU_OP_IOAS_DIRTY_BITMAP, __func__);
		if (rc)
			goto out;
		lu_lock(ctx);
		rc = ctx->ops->ioas_dirty_bitmap(ioas, iova, length, page_size,
						 bitmap,
						 flags & LIBIOMMU_DIRTY_NO_CLEAR);
		lu_unlock(ctx);
		if (rc)
			goto out;
	}
	for (i = 0; i < nr_devs; i++) {
		rc = log_report(devs[i], __func__, iova, length, page_size, tmp);
		if (rc)
			goto out;
		for (w = 0; w < words; w++)
			bitmap[w] |= tmp[w];
	}
out:
	free(tmp);
	return rc;
}
