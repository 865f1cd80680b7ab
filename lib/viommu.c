// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vIOMMUs and vDEVICEs: the per-VM instance of a physical IOMMU that a
 * VMM presents to its guest, on the nest-parent HWPT holding the guest's
 * stage-2 translation, and the guest-visible (virtual) ids of the devices
 * behind it.
 *
 * The handles count their users so that destroy can refuse with -EBUSY
 * before the kernel has to: a vIOMMU holds its parent HWPT; vDEVICEs and
 * HWPTs nested on a vIOMMU hold the vIOMMU.  A device has at most one
 * vDEVICE; freeing the device destroys it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "uapi/iommufd.h"

_Static_assert(LIBIOMMU_VIOMMU_TYPE_ARM_SMMUV3 == LX_IOMMU_VIOMMU_TYPE_ARM_SMMUV3 &&
		       LIBIOMMU_VIOMMU_TYPE_TEGRA241_CMDQV == LX_IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV,
	       "vIOMMU types must be the kernel's");

#define VIOMMU_KNOWN_FLAGS 0u

/* A NULL handle has no context to log to: only the return value tells. */
#define CHECK_VIOMMU(v, fn) \
	do { \
		if (!(v)) \
			return lu_ret(-EINVAL); \
		LU_OWNER_CHECK((v)->ctx, fn); \
	} while (0)

/* ---- vIOMMU ---------------------------------------------------------------- */

static void viommu_release(struct libiommu_viommu *viommu)
{
	if (viommu->parent->users)
		viommu->parent->users--;
	lu_list_unlink(&viommu->node);
	free(viommu);
}

static void vdevice_release(struct libiommu_vdevice *vdev)
{
	if (vdev->viommu->users)
		vdev->viommu->users--;
	lu_list_unlink(&vdev->node);
	free(vdev);
}

static void hw_queue_release(struct libiommu_hw_queue *q)
{
	if (q->viommu->users)
		q->viommu->users--;
	lu_list_unlink(&q->node);
	free(q);
}

static void veventq_release(struct libiommu_veventq *q)
{
	if (q->viommu->users)
		q->viommu->users--;
	lu_list_unlink(&q->node);
	free(q);
}

void lu_viommu_free_all(struct libiommu_ctx *ctx)
{
	struct libiommu_viommu *viommu, *vtmp;
	struct libiommu_vdevice *vdev, *dtmp;
	struct libiommu_veventq *q, *qtmp;
	struct libiommu_hw_queue *hq, *htmp;
	/* an owned fd's close destroys them; another process's are not ours */
	bool kernel = !ctx->owns_fd && !lu_foreign(ctx);

	/* HW queues hold their vIOMMU; newest first (they may depend). */
	lu_list_for_each_safe(hq, htmp, &ctx->hw_queue_list, node) {
		if (kernel)
			ctx->ops->hw_queue_destroy(hq, LU_QUIET);
		hw_queue_release(hq);
	}
	/* A vEVENTQ's fd goes first: the file holds the object. */
	lu_list_for_each_safe(q, qtmp, &ctx->veventq_list, node) {
		if (q->fd >= 0)
			close(q->fd);
		if (kernel)
			ctx->ops->veventq_destroy(q, LU_QUIET);
		veventq_release(q);
	}

	/* vDEVICEs hold their vIOMMU; its nested HWPTs went before. */
	lu_list_for_each_safe(vdev, dtmp, &ctx->vdevice_list, node) {
		if (kernel)
			ctx->ops->vdevice_destroy(vdev, LU_QUIET);
		vdevice_release(vdev);
	}
	lu_list_for_each_safe(viommu, vtmp, &ctx->viommu_list, node) {
		if (kernel)
			ctx->ops->viommu_destroy(viommu, LU_QUIET);
		viommu_release(viommu);
	}
}

void lu_vdevice_forget_dev(struct libiommu_dev *dev)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct libiommu_vdevice *vdev, *tmp;

	lu_list_for_each_safe(vdev, tmp, &ctx->vdevice_list, node) {
		if (vdev->dev != dev)
			continue;
		if (!lu_foreign(ctx))
			ctx->ops->vdevice_destroy(vdev, LU_QUIET);
		vdevice_release(vdev);
	}
}

/* The checks of libiommu_viommu_opts: *type, *data, *data_len set. */
static int check_viommu_opts(struct libiommu_ctx *ctx, const char *fn,
			     const struct libiommu_viommu_opts *opts,
			     uint32_t *type, void **data, uint32_t *data_len)
{
	size_t len = LU_OPTS_GET(opts, data_len, 0);
	uint32_t flags;
	int rc;

	rc = LU_OPTS_CHECK(ctx, opts, libiommu_viommu_opts, data_len);
	if (rc)
		return rc;
	*type = LU_OPTS_GET(opts, type, 0);
	flags = LU_OPTS_GET(opts, flags, 0);
	*data = LU_OPTS_GET(opts, data, NULL);
	if (*type == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: opts->type is 0; a vIOMMU needs a type (LIBIOMMU_VIOMMU_TYPE_*) that the device's IOMMU implements",
			       fn);
	if (flags & ~VIOMMU_KNOWN_FLAGS)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       fn, flags & ~VIOMMU_KNOWN_FLAGS);
	if (!*data != !len)
		return lu_fail(ctx, -EINVAL,
			       "%s: opts->data and opts->data_len must be both set or both empty",
			       fn);
	if (len > UINT32_MAX)
		return lu_fail(ctx, -EINVAL, "%s: data_len %zu is too large", fn,
			       len);
	*data_len = (uint32_t)len;
	return 0;
}

LIBIOMMU_API int libiommu_viommu_alloc(struct libiommu_dev *dev,
				       struct libiommu_hwpt *parent,
				       const struct libiommu_viommu_opts *opts,
				       struct libiommu_viommu **out)
{
	struct libiommu_viommu *viommu;
	struct libiommu_ctx *ctx;
	uint32_t type = 0, data_len = 0, id;
	void *data;
	int rc;

	if (out)
		*out = NULL;
	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	if (!parent)
		return lu_fail(ctx, -EINVAL, "%s: parent is NULL", __func__);
	if (parent->ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: HWPT %" PRIu32 " belongs to another context (iommufd) than device %" PRIu32,
			       __func__, parent->id, dev->id);
	rc = check_viommu_opts(ctx, __func__, opts, &type, &data, &data_len);
	if (rc)
		return rc;
	if (parent->nested || !(parent->flags & LIBIOMMU_HWPT_NEST_PARENT))
		return lu_fail(ctx, -EINVAL,
			       "%s: HWPT %" PRIu32 " is not a nest parent; a vIOMMU sits on the paging HWPT of the VM's stage-2 (allocate it with LIBIOMMU_HWPT_NEST_PARENT)",
			       __func__, parent->id);
	rc = lu_backend_need(ctx, LU_OP_VIOMMU_ALLOC, __func__);
	if (rc)
		return rc;
	viommu = calloc(1, sizeof(*viommu));
	if (!viommu)
		return lu_fail(ctx, -ENOMEM, "%s: out of memory for a vIOMMU handle",
			       __func__);
	lu_lock(ctx);
	rc = ctx->ops->viommu_alloc(dev, parent->id, type, data, data_len, &id);
	if (rc) {
		lu_unlock(ctx);
		free(viommu);
		return lu_ret(rc);
	}
	viommu->ctx = ctx;
	viommu->id = id;
	viommu->type = type;
	viommu->parent = parent;
	parent->users++;
	lu_list_push(&ctx->viommu_list, &viommu->node);
	lu_unlock(ctx);
	lu_dbg(ctx, "allocated vIOMMU %" PRIu32 " (type 0x%" PRIx32 ") on HWPT %" PRIu32,
	       id, type, parent->id);
	*out = viommu;
	return 0;
}

LIBIOMMU_API int libiommu_viommu_destroy(struct libiommu_viommu *viommu)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!viommu)
		return 0;
	ctx = viommu->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	if (viommu->users) {
		rc = lu_fail(ctx, -EBUSY,
			     "%s: vIOMMU %" PRIu32 " is still used by %u vDEVICE(s)/vEVENTQ(s)/HW queue(s)/nested HWPT(s); destroy them first",
			     __func__, viommu->id, viommu->users);
		goto out;
	}
	rc = ctx->ops->viommu_destroy(viommu, LU_LOUD);
	if (rc)
		goto out;
	id = viommu->id;
	viommu_release(viommu);
	lu_dbg(ctx, "destroyed vIOMMU %" PRIu32, id);
out:
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API uint32_t libiommu_viommu_id(const struct libiommu_viommu *viommu)
{
	if (!viommu) {
		errno = EINVAL;
		return 0;
	}
	return viommu->id;
}

LIBIOMMU_API int
libiommu_viommu_alloc_hwpt(struct libiommu_viommu *viommu,
			   struct libiommu_dev *dev,
			   const struct libiommu_hwpt_opts *opts,
			   struct libiommu_hwpt **out)
{
	struct libiommu_ctx *ctx;
	struct lu_hwpt_req req;
	char what[64];
	int rc;

	if (out)
		*out = NULL;
	CHECK_VIOMMU(viommu, __func__);
	ctx = viommu->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	if (!dev)
		return lu_fail(ctx, -EINVAL, "%s: dev is NULL", __func__);
	if (dev->ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: device %" PRIu32 " belongs to another context (iommufd) than vIOMMU %" PRIu32,
			       __func__, dev->id, viommu->id);
	rc = lu_hwpt_nested_opts(ctx, __func__, opts, &req);
	if (rc)
		return rc;
	lu_lock(ctx);
	snprintf(what, sizeof(what), "a HWPT nested in vIOMMU %" PRIu32,
		 viommu->id);
	rc = lu_coh_check_policy(dev, __func__, lu_hwpt_ioas(viommu->parent),
				 viommu->parent->enforce, what);
	if (!rc)
		rc = lu_hwpt_create_on_viommu(dev, viommu, &req, out);
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_viommu_invalidate(struct libiommu_viommu *viommu,
					    uint32_t data_type,
					    const void *entries,
					    uint32_t entry_len,
					    uint32_t *entry_num)
{
	struct libiommu_ctx *ctx;
	uint32_t n;

	CHECK_VIOMMU(viommu, __func__);
	ctx = viommu->ctx;
	if (!entry_num)
		return lu_fail(ctx, -EINVAL, "%s: entry_num is NULL", __func__);
	n = *entry_num;
	if (n && (!entries || !entry_len)) {
		*entry_num = 0;
		return lu_fail(ctx, -EINVAL,
			       "%s: %" PRIu32 " entries but entries is NULL or entry_len is 0",
			       __func__, n);
	}
	return lu_ret(ctx->ops->viommu_invalidate(viommu, data_type, entries,
						  entry_len, entry_num));
}

LIBIOMMU_API int libiommu_viommu_mmap(struct libiommu_viommu *viommu,
				      uint64_t offset, size_t length, int prot,
				      void **addr)
{
	struct libiommu_ctx *ctx;

	CHECK_VIOMMU(viommu, __func__);
	ctx = viommu->ctx;
	if (!addr)
		return lu_fail(ctx, -EINVAL, "%s: addr is NULL", __func__);
	*addr = NULL;
	if (!length)
		return lu_fail(ctx, -EINVAL, "%s: length is 0", __func__);
	if (prot & ~(PROT_READ | PROT_WRITE))
		return lu_fail(ctx, -EINVAL,
			       "%s: prot 0x%x: only PROT_READ and PROT_WRITE apply",
			       __func__, (unsigned int)prot);
	return lu_ret(ctx->ops->viommu_mmap(viommu, offset, length, prot, addr));
}

/* ---- vDEVICE --------------------------------------------------------------- */

LIBIOMMU_API int libiommu_vdevice_alloc(struct libiommu_viommu *viommu,
					struct libiommu_dev *dev,
					uint64_t virt_id,
					struct libiommu_vdevice **out)
{
	struct libiommu_vdevice *vdev, *v;
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (out)
		*out = NULL;
	CHECK_VIOMMU(viommu, __func__);
	ctx = viommu->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	if (!dev)
		return lu_fail(ctx, -EINVAL, "%s: dev is NULL", __func__);
	if (dev->ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: device %" PRIu32 " belongs to another context (iommufd) than vIOMMU %" PRIu32,
			       __func__, dev->id, viommu->id);
	rc = lu_backend_need(ctx, LU_OP_VDEVICE_ALLOC, __func__);
	if (rc)
		return rc;
	vdev = calloc(1, sizeof(*vdev));
	if (!vdev)
		return lu_fail(ctx, -ENOMEM, "%s: out of memory for a vDEVICE handle",
			       __func__);
	lu_lock(ctx);
	lu_list_for_each(v, &ctx->vdevice_list, node) {
		if (v->dev == dev) {
			rc = lu_fail(ctx, -EEXIST,
				     "%s: device %" PRIu32 " already has vDEVICE %" PRIu32 " (virtual id 0x%" PRIx64 " in vIOMMU %" PRIu32 "); a device has one: destroy it first",
				     __func__, dev->id, v->id, v->virt_id,
				     v->viommu->id);
			goto fail;
		}
		if (v->viommu == viommu && v->virt_id == virt_id) {
			rc = lu_fail(ctx, -EEXIST,
				     "%s: virtual id 0x%" PRIx64 " of vIOMMU %" PRIu32 " already names device %" PRIu32 " (vDEVICE %" PRIu32 ")",
				     __func__, virt_id, viommu->id, v->dev->id,
				     v->id);
			goto fail;
		}
	}
	rc = ctx->ops->vdevice_alloc(viommu, dev, virt_id, &id);
	if (rc)
		goto fail;
	vdev->viommu = viommu;
	vdev->dev = dev;
	vdev->id = id;
	vdev->virt_id = virt_id;
	viommu->users++;
	lu_list_push(&ctx->vdevice_list, &vdev->node);
	lu_unlock(ctx);
	lu_dbg(ctx, "allocated vDEVICE %" PRIu32 ": device %" PRIu32 " is 0x%" PRIx64 " in vIOMMU %" PRIu32,
	       id, dev->id, virt_id, viommu->id);
	*out = vdev;
	return 0;
fail:
	lu_unlock(ctx);
	free(vdev);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_vdevice_destroy(struct libiommu_vdevice *vdev)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!vdev)
		return 0;
	ctx = vdev->viommu->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	rc = ctx->ops->vdevice_destroy(vdev, LU_LOUD);
	if (!rc) {
		id = vdev->id;
		vdevice_release(vdev);
		lu_dbg(ctx, "destroyed vDEVICE %" PRIu32, id);
	}
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API uint32_t libiommu_vdevice_id(const struct libiommu_vdevice *vdev)
{
	if (!vdev) {
		errno = EINVAL;
		return 0;
	}
	return vdev->id;
}

LIBIOMMU_API int libiommu_vdevice_lookup(struct libiommu_viommu *viommu,
					 uint64_t virt_id,
					 struct libiommu_vdevice **out)
{
	struct libiommu_vdevice *v, *found = NULL;
	struct libiommu_ctx *ctx;

	if (out)
		*out = NULL;
	if (!viommu)
		return lu_ret(-EINVAL);
	ctx = viommu->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	lu_list_for_each(v, &ctx->vdevice_list, node) {
		if (v->viommu == viommu && v->virt_id == virt_id) {
			found = v;
			break;
		}
	}
	lu_unlock(ctx);
	if (!found)
		return lu_fail(ctx, -ENOENT,
			       "%s: vIOMMU %" PRIu32 " has no vDEVICE with virtual id 0x%" PRIx64 " (libiommu_vdevice_alloc() declares one)",
			       __func__, viommu->id, virt_id);
	*out = found;
	return 0;
}

/* ---- vEVENTQ --------------------------------------------------------------- */

_Static_assert(LIBIOMMU_VEVENTQ_TYPE_ARM_SMMUV3 == LX_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 &&
		       LIBIOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV == LX_IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV &&
		       LIBIOMMU_VEVENT_LOST == LX_IOMMU_VEVENTQ_FLAG_LOST_EVENTS,
	       "vEVENTQ types and flags must be the kernel's");

#define VEVENTQ_MAX_DEPTH (1u << 19) /* the kernel's bound */
#define VEVENT_SEQ_MASK 0x7fffffffu  /* sequences wrap at INT_MAX */

/* The event size of a type the library knows, or 0. */
static uint32_t known_event_len(uint32_t type)
{
	switch (type) {
	case LIBIOMMU_VEVENTQ_TYPE_ARM_SMMUV3:
		return sizeof(struct lx_iommu_vevent_arm_smmuv3);
	case LIBIOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV:
		return sizeof(struct lx_iommu_vevent_tegra241_cmdqv);
	case LIBIOMMU_VEVENTQ_TYPE_SELFTEST:
		return 4; /* the mock's virtual id */
	default:
		return 0;
	}
}

LIBIOMMU_API int libiommu_veventq_alloc(struct libiommu_viommu *viommu,
					const struct libiommu_veventq_opts *opts,
					struct libiommu_veventq **out)
{
	struct libiommu_veventq *q, *o;
	struct libiommu_ctx *ctx;
	uint32_t type, depth, len, known, id;
	int rc, fd;

	if (out)
		*out = NULL;
	CHECK_VIOMMU(viommu, __func__);
	ctx = viommu->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_veventq_opts, flags);
	if (rc)
		return rc;
	type = LU_OPTS_GET(opts, type, 0);
	depth = LU_OPTS_GET(opts, depth, 0);
	len = LU_OPTS_GET(opts, event_len, 0);
	known = known_event_len(type);
	if (type == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: opts->type is 0; a vEVENTQ needs a type (LIBIOMMU_VEVENTQ_TYPE_*)",
			       __func__);
	if (LU_OPTS_GET(opts, flags, 0))
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       __func__, LU_OPTS_GET(opts, flags, 0));
	if (depth == 0 || depth > VEVENTQ_MAX_DEPTH)
		return lu_fail(ctx, -EINVAL,
			       "%s: depth %" PRIu32 " is not in 1..%u (events the kernel queues)",
			       __func__, depth, VEVENTQ_MAX_DEPTH);
	if (!len)
		len = known;
	if (!len)
		return lu_fail(ctx, -EINVAL,
			       "%s: the library does not know the events of type %" PRIu32 " (0x%" PRIx32 "): give their size in opts->event_len",
			       __func__, type, type);
	if ((known && len != known) || len > LIBIOMMU_VEVENT_MAX_DATA)
		return lu_fail(ctx, -EINVAL,
			       "%s: event_len %" PRIu32 " is not the size of type %" PRIu32 "'s events (%" PRIu32 "; at most %d)",
			       __func__, len, type, known, LIBIOMMU_VEVENT_MAX_DATA);
	rc = lu_backend_need(ctx, LU_OP_VEVENTQ_ALLOC, __func__);
	if (rc)
		return rc;
	q = calloc(1, sizeof(*q));
	if (!q)
		return lu_fail(ctx, -ENOMEM, "%s: out of memory for a vEVENTQ handle",
			       __func__);
	lu_lock(ctx);
	lu_list_for_each(o, &ctx->veventq_list, node) {
		if (o->viommu == viommu && o->type == type) {
			rc = lu_fail(ctx, -EEXIST,
				     "%s: vIOMMU %" PRIu32 " has vEVENTQ %" PRIu32 " of type 0x%" PRIx32 " already; one per type",
				     __func__, viommu->id, o->id, type);
			goto fail;
		}
	}
	rc = ctx->ops->veventq_alloc(viommu, type, depth, &id, &fd);
	if (rc)
		goto fail;
	q->viommu = viommu;
	q->id = id;
	q->fd = fd;
	q->type = type;
	q->event_len = len;
	viommu->users++;
	lu_list_push(&ctx->veventq_list, &q->node);
	lu_unlock(ctx);
	lu_dbg(ctx, "allocated vEVENTQ %" PRIu32 " (type 0x%" PRIx32 ", depth %" PRIu32 ", fd %d) on vIOMMU %" PRIu32,
	       id, type, depth, fd, viommu->id);
	*out = q;
	return 0;
fail:
	lu_unlock(ctx);
	free(q);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_veventq_destroy(struct libiommu_veventq *q)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!q)
		return 0;
	ctx = q->viommu->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	/* The file holds the object: the kernel destroys it only once closed. */
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
	rc = ctx->ops->veventq_destroy(q, LU_LOUD);
	if (!rc) {
		id = q->id;
		veventq_release(q);
		lu_dbg(ctx, "destroyed vEVENTQ %" PRIu32, id);
	}
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_veventq_fd(const struct libiommu_veventq *q)
{
	if (!q)
		return lu_ret(-EINVAL);
	if (q->fd < 0)
		return lu_ret(-EBADF);
	return q->fd;
}

/* Refill the buffer: 1, 0 when the kernel has nothing, or -errno logged. */
static int veventq_fill(struct libiommu_veventq *q, const char *fn)
{
	struct libiommu_ctx *ctx = q->viommu->ctx;
	ssize_t n;

	do {
		n = read(q->fd, q->buf, sizeof(q->buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int rc = -errno;

		if (rc == -EAGAIN)
			return 0;
		return lu_fail(ctx, rc, "%s: reading vEVENTQ %" PRIu32 " (fd %d) failed: %s",
			       fn, q->id, q->fd, strerror(-rc));
	}
	q->buf_len = (size_t)n;
	q->buf_off = 0;
	return n > 0;
}

LIBIOMMU_API int libiommu_veventq_read(struct libiommu_veventq *q,
				       struct libiommu_vevent *ev)
{
	struct lx_iommufd_vevent_header hdr;
	struct libiommu_vevent e;
	struct libiommu_ctx *ctx;
	uint32_t len;
	int rc;

	CHECK_VIOMMU(q ? q->viommu : NULL, __func__);
	ctx = q->viommu->ctx;
	if (!ev)
		return lu_fail(ctx, -EINVAL, "%s: ev is NULL", __func__);
	rc = lu_result_check(ctx, __func__, "ev", ev->sz, "libiommu_vevent");
	if (rc)
		return rc;
	if (q->fd < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: vEVENTQ %" PRIu32 " has no fd any more (a destroy closed it)",
			       __func__, q->id);
	if (q->buf_off >= q->buf_len) {
		rc = veventq_fill(q, __func__);
		if (rc <= 0)
			return rc;
	}
	if (q->buf_len - q->buf_off < sizeof(hdr))
		goto torn;
	memcpy(&hdr, q->buf + q->buf_off, sizeof(hdr));
	len = hdr.flags & LX_IOMMU_VEVENTQ_FLAG_LOST_EVENTS ? 0 : q->event_len;
	if (q->buf_len - q->buf_off - sizeof(hdr) < len)
		goto torn;
	memset(&e, 0, sizeof(e));
	e.flags = hdr.flags & LIBIOMMU_VEVENT_LOST;
	e.sequence = hdr.sequence;
	e.gap = q->seen ? (hdr.sequence - q->last_seq - 1) & VEVENT_SEQ_MASK : 0;
	e.data_len = len;
	memcpy(e.data, q->buf + q->buf_off + sizeof(hdr), len);
	q->buf_off += sizeof(hdr) + len;
	q->seen = true;
	q->last_seq = hdr.sequence;
	if (e.gap)
		lu_warn(ctx, "vEVENTQ %" PRIu32 ": %" PRIu32 " sequence number(s) missing before %" PRIu32,
			q->id, e.gap, e.sequence);
	lu_result_copy(ev, ev->sz, &e, lu_offsetofend(struct libiommu_vevent, data));
	return 1;
torn:
	/* Not whole records: the events are not event_len bytes long. */
	q->buf_off = q->buf_len = 0;
	return lu_fail(ctx, -EIO,
		       "%s: vEVENTQ %" PRIu32 " returned a record that is not a %zu-byte header plus %" PRIu32 " bytes of event (type 0x%" PRIx32 "); opts->event_len does not match the kernel's events",
		       __func__, q->id, sizeof(hdr), q->event_len, q->type);
}

/* ---- HW queue -------------------------------------------------------------- */

_Static_assert(LIBIOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV == LX_IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV,
	       "HW queue types must be the kernel's");

LIBIOMMU_API int libiommu_hw_queue_alloc(struct libiommu_viommu *viommu,
					 const struct libiommu_hw_queue_opts *opts,
					 struct libiommu_hw_queue **out)
{
	struct libiommu_hw_queue *q;
	struct libiommu_ctx *ctx;
	uint64_t iova, length;
	uint32_t type, index;
	int rc;

	if (out)
		*out = NULL;
	CHECK_VIOMMU(viommu, __func__);
	ctx = viommu->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_hw_queue_opts, length);
	if (rc)
		return rc;
	type = LU_OPTS_GET(opts, type, 0);
	index = LU_OPTS_GET(opts, index, 0);
	iova = LU_OPTS_GET(opts, iova, 0);
	length = LU_OPTS_GET(opts, length, 0);
	if (!type)
		return lu_fail(ctx, -EINVAL,
			       "%s: opts->type is 0; a HW queue needs a type (LIBIOMMU_HW_QUEUE_TYPE_*)",
			       __func__);
	if (!length)
		return lu_fail(ctx, -EINVAL, "%s: opts->length is 0", __func__);
	if (iova + (length - 1) < iova)
		return lu_fail(ctx, -EOVERFLOW,
			       "%s: [0x%" PRIx64 ", +0x%" PRIx64 ") wraps around the IOVA space",
			       __func__, iova, length);
	rc = lu_backend_need(ctx, LU_OP_HW_QUEUE_ALLOC, __func__);
	if (rc)
		return rc;
	q = calloc(1, sizeof(*q));
	if (!q)
		return lu_fail(ctx, -ENOMEM, "%s: out of memory for a HW queue handle",
			       __func__);
	lu_lock(ctx);
	rc = ctx->ops->hw_queue_alloc(viommu, type, index, iova, length, &q->id);
	if (!rc) {
		q->viommu = viommu;
		viommu->users++;
		lu_list_push(&ctx->hw_queue_list, &q->node);
	}
	lu_unlock(ctx);
	if (rc) {
		free(q);
		return lu_ret(rc);
	}
	lu_dbg(ctx, "allocated HW queue %" PRIu32 " (type 0x%" PRIx32 ", index %" PRIu32 ") at 0x%" PRIx64 " on vIOMMU %" PRIu32,
	       q->id, type, index, iova, viommu->id);
	*out = q;
	return 0;
}

LIBIOMMU_API int libiommu_hw_queue_destroy(struct libiommu_hw_queue *q)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!q)
		return 0;
	ctx = q->viommu->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	rc = ctx->ops->hw_queue_destroy(q, LU_LOUD);
	if (!rc) {
		id = q->id;
		hw_queue_release(q);
		lu_dbg(ctx, "destroyed HW queue %" PRIu32, id);
	}
	lu_unlock(ctx);
	return lu_ret(rc);
}
