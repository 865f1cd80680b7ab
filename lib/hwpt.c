// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hardware page tables (HWPTs): allocation, dirty tracking, nested cache
 * invalidation (the /dev/ioasid RFC's I/O page tables).
 *
 * A paging HWPT is an IOMMU domain that mirrors an IOAS; a nested HWPT is a
 * guest-owned stage-1 table on top of a nest-parent paging HWPT.  Handles
 * count their users (attached devices, nested children) so that destroy
 * can refuse with -EBUSY before the kernel has to.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "uapi/iommufd.h"

#define HWPT_KNOWN_FLAGS \
	(LIBIOMMU_HWPT_NEST_PARENT | LIBIOMMU_HWPT_DIRTY_TRACKING | LIBIOMMU_HWPT_PASID)

_Static_assert(LIBIOMMU_HWPT_DATA_VTD_S1 == LX_IOMMU_HWPT_DATA_VTD_S1 &&
		       LIBIOMMU_HWPT_DATA_ARM_SMMUV3 == LX_IOMMU_HWPT_DATA_ARM_SMMUV3 &&
		       LIBIOMMU_HWPT_DATA_AMD_GUEST == LX_IOMMU_HWPT_DATA_AMD_GUEST &&
		       LIBIOMMU_HWPT_INVALIDATE_DATA_VTD_S1 == LX_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
	       "HWPT data types must be the kernel's");

/*
 * A NULL handle has no context to log to: only the return value tells.
 * A HWPT of another process's context is not changed (lu_foreign()).
 */
#define CHECK_HWPT(hwpt, fn) \
	do { \
		if (!(hwpt)) \
			return lu_ret(-EINVAL); \
		LU_OWNER_CHECK((hwpt)->ctx, fn); \
	} while (0)

/* Drop the references the HWPT holds on what it was made from (locked). */
static void release(struct libiommu_hwpt *hwpt)
{
	if (hwpt->ioas && hwpt->ioas->users && !hwpt->managed)
		hwpt->ioas->users--;
	if (hwpt->fault_queue && hwpt->fault_queue->users)
		hwpt->fault_queue->users--;
	if (hwpt->viommu && hwpt->viommu->users)
		hwpt->viommu->users--;
	else if (!hwpt->viommu && hwpt->parent && hwpt->parent->users)
		hwpt->parent->users--;
	lu_list_unlink(&hwpt->node);
	free(hwpt);
}

static void free_all(struct libiommu_ctx *ctx, bool viommu_children)
{
	struct libiommu_hwpt *hwpt, *tmp;
	bool kernel = !ctx->owns_fd && !lu_foreign(ctx);

	/* Newest first: nested HWPTs go before their parents. */
	lu_list_for_each_safe(hwpt, tmp, &ctx->hwpt_list, node) {
		if (viommu_children && !hwpt->viommu)
			continue;
		/*
		 * On a borrowed fd the kernel objects outlive the context; in
		 * another process they are not this process's to destroy.
		 */
		if (kernel && !hwpt->adopted)
			ctx->ops->hwpt_destroy(hwpt, LU_QUIET);
		release(hwpt);
	}
}

void lu_hwpt_free_all(struct libiommu_ctx *ctx)
{
	free_all(ctx, false);
}

void lu_hwpt_free_on_viommus(struct libiommu_ctx *ctx)
{
	free_all(ctx, true);
}

/* ---- allocation ------------------------------------------------------------- */

/* Common checks of the opts: the flags, driver data and fault queue. */
static int check_opts(struct libiommu_ctx *ctx, const char *fn,
		      const struct libiommu_hwpt_opts *opts,
		      struct lu_hwpt_req *req)
{
	size_t len = LU_OPTS_GET(opts, data_len, 0);
	int rc;

	rc = LU_OPTS_CHECK(ctx, opts, libiommu_hwpt_opts, fault_queue);
	if (rc)
		return rc;
	req->flags = LU_OPTS_GET(opts, flags, 0);
	req->data = LU_OPTS_GET(opts, data, NULL);
	req->data_type = LU_OPTS_GET(opts, data_type, 0);
	req->fq = LU_OPTS_GET(opts, fault_queue, NULL);
	if (req->flags & ~HWPT_KNOWN_FLAGS)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       fn, req->flags & ~HWPT_KNOWN_FLAGS);
	if (req->data_type == LIBIOMMU_HWPT_DATA_NONE && (req->data || len))
		return lu_fail(ctx, -EINVAL,
			       "%s: data given but data_type is LIBIOMMU_HWPT_DATA_NONE",
			       fn);
	if (req->data_type != LIBIOMMU_HWPT_DATA_NONE && (!req->data || !len))
		return lu_fail(ctx, -EINVAL,
			       "%s: data_type %" PRIu32 " needs data and data_len",
			       fn, req->data_type);
	if (len > UINT32_MAX)
		return lu_fail(ctx, -EINVAL, "%s: data_len %zu is too large", fn,
			       len);
	req->data_len = (uint32_t)len;
	if (req->fq && req->fq->ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: fault queue %" PRIu32 " belongs to another context (iommufd)",
			       fn, req->fq->id);
	if (req->fq && (req->flags & LIBIOMMU_HWPT_NEST_PARENT))
		return lu_fail(ctx, -EINVAL,
			       "%s: a nest parent takes no fault queue (its faults are the host's); give it to the nested HWPTs",
			       fn);
	return lu_backend_need(ctx, LU_OP_HWPT_ALLOC, fn);
}

/*
 * Allocate the HWPT in the kernel and list its handle; ctx->lock held.
 * @enforce: what iommufd will fix for it (LU_ENF_*), for the records.
 */
static int create(struct libiommu_dev *dev, const struct lu_hwpt_req *req,
		  struct libiommu_ioas *ioas, struct libiommu_hwpt *parent,
		  struct libiommu_viommu *viommu, int enforce, bool managed,
		  struct libiommu_hwpt **out)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct libiommu_hwpt *hwpt;
	const char *on;
	uint32_t pt_id, id;
	int rc;

	if (viommu) {
		pt_id = viommu->id;
		on = "vIOMMU";
	} else if (parent) {
		pt_id = parent->id;
		on = "HWPT";
	} else {
		pt_id = ioas->id;
		on = "IOAS";
	}
	hwpt = calloc(1, sizeof(*hwpt));
	if (!hwpt)
		return lu_fail(ctx, -ENOMEM, "out of memory for a HWPT handle");
	rc = ctx->ops->hwpt_alloc(dev, pt_id, req->flags, req->data_type,
				  req->data, req->data_len, parent != NULL,
				  req->fq ? req->fq->id : 0, &id);
	if (rc) {
		free(hwpt);
		return rc;
	}
	hwpt->ctx = ctx;
	hwpt->id = id;
	hwpt->flags = req->flags;
	hwpt->nested = parent != NULL;
	hwpt->enforce = enforce;
	hwpt->made_for = parent ? parent->made_for : dev->id;
	hwpt->ioas = ioas;
	hwpt->parent = parent;
	hwpt->viommu = viommu;
	hwpt->fault_queue = req->fq;
	/*
	 * A placed HWPT lives exactly as long as a device is on it, and the
	 * device counts as the IOAS's user: the IOAS counts what callers made.
	 */
	hwpt->managed = managed;
	if (ioas && !managed)
		ioas->users++;
	if (viommu)
		viommu->users++; /* which holds the parent */
	else if (parent)
		parent->users++;
	if (req->fq)
		req->fq->users++;
	lu_list_push(&ctx->hwpt_list, &hwpt->node);
	lu_dbg(ctx, "allocated %s HWPT %" PRIu32 " on %s %" PRIu32 "%s",
	       parent ? "nested" : "paging", hwpt->id, on, pt_id,
	       req->fq ? " with a fault queue" : "");
	*out = hwpt;
	return 0;
}

/*
 * The checks both allocators start with: a device, an out pointer (cleared),
 * and the argument @arg (an @what with id @target_id) in the device's
 * context.
 */
static int alloc_args(struct libiommu_dev *dev, struct libiommu_hwpt **out,
		      const char *arg, const void *target, const char *what,
		      uint32_t target_id, const struct libiommu_ctx *target_ctx,
		      const char *fn)
{
	struct libiommu_ctx *ctx;

	if (out)
		*out = NULL;
	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", fn);
	LU_OWNER_CHECK(ctx, fn);
	if (!target)
		return lu_fail(ctx, -EINVAL, "%s: %s is NULL", fn, arg);
	if (target_ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: %s %" PRIu32 " belongs to another context (iommufd) than device %" PRIu32,
			       fn, what, target_id, dev->id);
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_alloc(struct libiommu_dev *dev,
				     struct libiommu_ioas *ioas,
				     const struct libiommu_hwpt_opts *opts,
				     struct libiommu_hwpt **out)
{
	struct lu_hwpt_req req;
	int rc, cap;

	rc = alloc_args(dev, out, "ioas", ioas, "IOAS", ioas ? ioas->id : 0,
			ioas ? ioas->ctx : NULL, __func__);
	if (rc)
		return rc;
	rc = check_opts(dev->ctx, __func__, opts, &req);
	if (rc)
		return rc;
	lu_lock(dev->ctx);
	/* iommufd makes it enforce exactly when the device's IOMMU can */
	rc = lu_coh_dev_cap(dev, &cap);
	if (rc)
		rc = lu_fail(dev->ctx, rc, "%s: asking device %" PRIu32 "'s IOMMU failed: %s",
			     __func__, dev->id, strerror(-rc));
	if (!rc)
		rc = lu_coh_check_policy(dev, __func__, ioas, cap,
					 "the HWPT it would allocate");
	if (!rc)
		rc = create(dev, &req, ioas, NULL, NULL, cap, false, out);
	lu_unlock(dev->ctx);
	return lu_ret(rc);
}

int lu_hwpt_nested_opts(struct libiommu_ctx *ctx, const char *fn,
			const struct libiommu_hwpt_opts *opts,
			struct lu_hwpt_req *req)
{
	int rc;

	if (!opts || LU_OPTS_GET(opts, data_type, 0) == LIBIOMMU_HWPT_DATA_NONE)
		return lu_fail(ctx, -EINVAL,
			       "%s: a nested HWPT needs driver data (opts->data_type, data, data_len) describing its stage-1 table",
			       fn);
	rc = check_opts(ctx, fn, opts, req);
	if (rc)
		return rc;
	if (req->flags & ~LIBIOMMU_HWPT_PASID)
		return lu_fail(ctx, -EINVAL,
			       "%s: only LIBIOMMU_HWPT_PASID applies to a nested HWPT (flags 0x%" PRIx32 ")",
			       fn, req->flags);
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_adopt_id(struct libiommu_ioas *ioas,
					uint32_t hwpt_id,
					struct libiommu_hwpt **out)
{
	struct libiommu_hwpt *hwpt, *h;
	struct libiommu_ctx *ctx;
	int rc;

	if (out)
		*out = NULL;
	if (!ioas)
		return lu_ret(-EINVAL);
	ctx = ioas->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	rc = lu_backend_need(ctx, LU_OP_HWPT_ADOPT_ID, __func__);
	if (rc)
		return rc;
	if (hwpt_id == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: 0 is not an iommufd object id", __func__);
	hwpt = calloc(1, sizeof(*hwpt));
	if (!hwpt)
		return lu_fail(ctx, -ENOMEM, "out of memory for a HWPT handle");
	hwpt->ctx = ctx;
	hwpt->adopted = true;
	/* what its maker chose is not readable back from the kernel */
	hwpt->enforce = LU_ENF_UNKNOWN;
	hwpt->ioas = ioas;
	lu_lock(ctx);
	lu_list_for_each(h, &ctx->hwpt_list, node) {
		if (h->id == hwpt_id) {
			rc = lu_fail(ctx, -EEXIST,
				     "%s: HWPT %" PRIu32 " already has a handle in this context",
				     __func__, hwpt_id);
			break;
		}
	}
	if (rc == 0)
		rc = ctx->ops->hwpt_adopt_id(hwpt, hwpt_id);
	if (rc == 0) {
		ioas->users++; /* as for a HWPT allocated on it */
		lu_list_push(&ctx->hwpt_list, &hwpt->node);
	}
	lu_unlock(ctx);
	if (rc) {
		free(hwpt);
		return lu_ret(rc);
	}
	lu_dbg(ctx, "adopted HWPT %" PRIu32 " of IOAS %" PRIu32, hwpt_id,
	       ioas->id);
	*out = hwpt;
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_alloc_nested(struct libiommu_dev *dev,
					    struct libiommu_hwpt *parent,
					    const struct libiommu_hwpt_opts *opts,
					    struct libiommu_hwpt **out)
{
	struct libiommu_ctx *ctx;
	struct lu_hwpt_req req;
	char what[64];
	int rc;

	rc = alloc_args(dev, out, "parent", parent, "HWPT",
			parent ? parent->id : 0, parent ? parent->ctx : NULL,
			__func__);
	if (rc)
		return rc;
	ctx = dev->ctx;
	if (parent->nested || !(parent->flags & LIBIOMMU_HWPT_NEST_PARENT))
		return lu_fail(ctx, -EINVAL,
			       "%s: HWPT %" PRIu32 " is not a nest parent (allocate it with LIBIOMMU_HWPT_NEST_PARENT)",
			       __func__, parent->id);
	rc = lu_hwpt_nested_opts(ctx, __func__, opts, &req);
	if (rc)
		return rc;
	lu_lock(ctx);
	/* A nested HWPT has its parent's enforcement. */
	snprintf(what, sizeof(what), "a HWPT nested in HWPT %" PRIu32, parent->id);
	rc = lu_coh_check_policy(dev, __func__, lu_hwpt_ioas(parent),
				 parent->enforce, what);
	if (!rc)
		rc = create(dev, &req, NULL, parent, NULL, parent->enforce,
			    false, out);
	lu_unlock(ctx);
	return lu_ret(rc);
}

int lu_hwpt_place(struct libiommu_dev *dev, struct libiommu_ioas *ioas,
		  bool pasid, int enforce, struct libiommu_hwpt **out)
{
	struct lu_hwpt_req req = { .flags = pasid ? LIBIOMMU_HWPT_PASID : 0 };

	return create(dev, &req, ioas, NULL, NULL, enforce, true, out);
}

int lu_hwpt_create_on_viommu(struct libiommu_dev *dev,
			     struct libiommu_viommu *viommu,
			     const struct lu_hwpt_req *req,
			     struct libiommu_hwpt **out)
{
	/* A HWPT nested on a vIOMMU has the vIOMMU's parent's enforcement. */
	return create(dev, req, NULL, viommu->parent, viommu,
		      viommu->parent->enforce, false, out);
}

void lu_hwpt_unplace(struct libiommu_hwpt *hwpt)
{
	if (!hwpt->managed || hwpt->users)
		return;
	if (!lu_foreign(hwpt->ctx))
		hwpt->ctx->ops->hwpt_destroy(hwpt, LU_QUIET);
	release(hwpt);
}

LIBIOMMU_API int libiommu_hwpt_destroy(struct libiommu_hwpt *hwpt)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!hwpt)
		return 0;
	ctx = hwpt->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	if (hwpt->users) {
		rc = lu_fail(ctx, -EBUSY,
			     "%s: HWPT %" PRIu32 " is still used by %u device attachment(s)/nested HWPT(s)/vIOMMU(s); detach or destroy them first",
			     __func__, hwpt->id, hwpt->users);
		goto out;
	}
	rc = ctx->ops->hwpt_destroy(hwpt, LU_LOUD);
	if (rc)
		goto out;
	id = hwpt->id;
	release(hwpt);
	lu_dbg(ctx, "destroyed HWPT %" PRIu32, id);
out:
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API uint32_t libiommu_hwpt_id(const struct libiommu_hwpt *hwpt)
{
	if (!hwpt) {
		errno = EINVAL;
		return 0;
	}
	return hwpt->id;
}

/* ---- dirty tracking ---------------------------------------------------------- */

static int check_dirty_hwpt(struct libiommu_hwpt *hwpt, const char *fn)
{
	struct libiommu_ctx *ctx = hwpt->ctx;

	if (hwpt->nested)
		return lu_fail(ctx, -EINVAL,
			       "%s: HWPT %" PRIu32 " is nested; dirty tracking works on paging HWPTs (its parent)",
			       fn, hwpt->id);
	if (!(hwpt->flags & LIBIOMMU_HWPT_DIRTY_TRACKING))
		return lu_fail(ctx, -EINVAL,
			       "%s: HWPT %" PRIu32 " was not allocated with LIBIOMMU_HWPT_DIRTY_TRACKING",
			       fn, hwpt->id);
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_set_dirty_tracking(struct libiommu_hwpt *hwpt,
						  bool enable)
{
	int rc;

	CHECK_HWPT(hwpt, __func__);
	rc = check_dirty_hwpt(hwpt, __func__);
	if (rc)
		return rc;
	rc = hwpt->ctx->ops->hwpt_set_dirty(hwpt, enable);
	if (rc)
		return lu_ret(rc);
	lu_dbg(hwpt->ctx, "HWPT %" PRIu32 ": dirty tracking %s", hwpt->id,
	       enable ? "on" : "off");
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_get_dirty_bitmap(struct libiommu_hwpt *hwpt,
						uint64_t iova, uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags)
{
	int rc;

	CHECK_HWPT(hwpt, __func__);
	rc = lu_check_dirty_args(hwpt->ctx, __func__, iova, length, page_size,
				 bitmap, flags);
	if (rc)
		return rc;
	rc = check_dirty_hwpt(hwpt, __func__);
	if (rc)
		return rc;
	return lu_ret(hwpt->ctx->ops->hwpt_get_dirty(hwpt, iova, length,
						     page_size, bitmap, flags));
}

/* ---- cache invalidation ------------------------------------------------------ */

LIBIOMMU_API int libiommu_hwpt_invalidate(struct libiommu_hwpt *hwpt,
					  uint32_t data_type,
					  const void *entries,
					  uint32_t entry_len,
					  uint32_t *entry_num)
{
	struct libiommu_ctx *ctx;
	uint32_t n;

	CHECK_HWPT(hwpt, __func__);
	ctx = hwpt->ctx;
	if (!entry_num)
		return lu_fail(ctx, -EINVAL, "%s: entry_num is NULL", __func__);
	n = *entry_num;
	if (n && (!entries || !entry_len)) {
		*entry_num = 0;
		return lu_fail(ctx, -EINVAL,
			       "%s: %" PRIu32 " entries but entries is NULL or entry_len is 0",
			       __func__, n);
	}
	if (!hwpt->nested) {
		*entry_num = 0;
		return lu_fail(ctx, -EINVAL,
			       "%s: HWPT %" PRIu32 " is a paging HWPT; only nested HWPTs have caches user space invalidates",
			       __func__, hwpt->id);
	}
	return lu_ret(ctx->ops->hwpt_invalidate(hwpt, data_type, entries,
						entry_len, entry_num));
}
