// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Devices (the seed's device_handle): a VFIO device cdev bound to an
 * iommufd, or (type1 backends) a device fd from a VFIO group whose group is
 * in the context's container.  The backend does the kernel part
 * (lib/backend-*.c); the checks, bookkeeping and region access are here.
 *
 * A handle remembers what it attached its RID and PASIDs to, so that it can
 * answer "attached to what?", keep the IOAS/HWPT use counts that make their
 * destroy refuse with -EBUSY, and undo its attachments when freed.  Only
 * attachments made through the handle are known: a device attached by other
 * means (another fd holder, an adopted id) is invisible here.
 */
#include <fcntl.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

/* Log, set errno and return the negative errno, in one expression. */
#define FAIL(ctx, err, ...) lu_ret(lu_fail(ctx, err, __VA_ARGS__))

/* The first ordinary PASID; 0 is the RID's (the kernel's IOMMU_NO_PASID). */
#define LU_FIRST_PASID 1u

/* ---- attachment bookkeeping ------------------------------------------------ */

static void take_target(struct lu_attach *a)
{
	if (a->ioas)
		a->ioas->users++;
	else if (a->hwpt)
		a->hwpt->users++;
}

static void put_target(struct lu_attach *a)
{
	if (a->ioas && a->ioas->users)
		a->ioas->users--;
	else if (a->hwpt && a->hwpt->users)
		a->hwpt->users--;
	a->ioas = NULL;
	a->hwpt = NULL;
	a->hwpt_id = 0;
}

/* The attachment of @pasid (LIBIOMMU_NO_PASID: the RID), or NULL. */
static struct lu_attach *find_attach(const struct libiommu_dev *dev,
				     uint32_t pasid)
{
	size_t i;

	if (pasid == LIBIOMMU_NO_PASID)
		return dev->rid_attached ? (struct lu_attach *)&dev->rid : NULL;
	for (i = 0; i < dev->nr_pasids; i++)
		if (dev->pasids[i].pasid == pasid)
			return &dev->pasids[i];
	return NULL;
}

/* Room for one more PASID entry, made before the kernel call can succeed. */
static int reserve_pasid_slot(struct libiommu_dev *dev)
{
	struct lu_attach *p;
	size_t cap;

	if (dev->nr_pasids < dev->cap_pasids)
		return 0;
	cap = dev->cap_pasids ? dev->cap_pasids * 2 : 4;
	p = realloc(dev->pasids, cap * sizeof(*p));
	if (!p)
		return FAIL(dev->ctx, ENOMEM, "out of memory for a PASID attachment");
	dev->pasids = p;
	dev->cap_pasids = cap;
	return 0;
}

static void drop_pasid(struct libiommu_dev *dev, struct lu_attach *a)
{
	put_target(a);
	*a = dev->pasids[--dev->nr_pasids];
}

/* ---- creation and destruction ------------------------------------------------ */

/* Undo every attachment the handle made (best effort: used when freeing). */
static void detach_all(struct libiommu_dev *dev)
{
	int (*detach)(struct libiommu_dev *, uint32_t) = dev->ctx->ops->dev_detach;

	while (dev->nr_pasids) {
		struct lu_attach *a = &dev->pasids[dev->nr_pasids - 1];

		if (dev->fd >= 0 && detach)
			detach(dev, a->pasid);
		drop_pasid(dev, a);
	}
	if (dev->rid_attached) {
		if (dev->fd >= 0 && detach)
			detach(dev, LIBIOMMU_NO_PASID);
		put_target(&dev->rid);
		dev->rid_attached = false;
	}
}

static int check_new(struct libiommu_ctx *ctx, const char *fn,
		     const struct libiommu_dev_opts *opts,
		     struct libiommu_dev **out)
{
	uint32_t flags;
	int rc;

	if (!ctx)
		return FAIL(NULL, EINVAL, "%s: ctx is NULL", fn);
	if (!out)
		return FAIL(ctx, EINVAL, "%s: out is NULL", fn);
	*out = NULL;
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_dev_opts);
	if (rc)
		return lu_ret(rc);
	flags = LU_OPTS_GET(opts, flags, 0);
	if (flags & ~LIBIOMMU_DEV_VF_TOKEN)
		return FAIL(ctx, EINVAL, "%s: unknown flag bits 0x%" PRIx32, fn,
			    flags & ~LIBIOMMU_DEV_VF_TOKEN);
	if ((flags & LIBIOMMU_DEV_VF_TOKEN) && !LU_OPTS_HAS(opts, vf_token))
		return FAIL(ctx, EINVAL,
			    "%s: LIBIOMMU_DEV_VF_TOKEN set but opts->sz (%zu) does not cover vf_token",
			    fn, opts->sz);
	return 0;
}

static int check_mode(struct libiommu_ctx *ctx, const char *fn,
		      enum libiommu_fd_mode mode, int fd)
{
	if (mode != LIBIOMMU_FD_BORROW && mode != LIBIOMMU_FD_OWN)
		return FAIL(ctx, EINVAL,
			    "%s: mode %d is neither LIBIOMMU_FD_BORROW nor LIBIOMMU_FD_OWN",
			    fn, (int)mode);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return FAIL(ctx, EBADF, "%s: fd %d is not an open file descriptor",
			    fn, fd);
	return 0;
}

/* A new handle, not listed yet: the backend fills fd, owns_fd, id, group. */
static struct libiommu_dev *dev_new(struct libiommu_ctx *ctx)
{
	struct libiommu_dev *dev = calloc(1, sizeof(*dev));

	if (!dev) {
		FAIL(ctx, ENOMEM, "out of memory for a device handle");
		return NULL;
	}
	dev->ctx = ctx;
	dev->fd = -1;
	return dev;
}

/* List the handle the backend filled in (@rc 0), or free it. */
static int dev_finish(struct libiommu_dev *dev, int rc, const char *what,
		      struct libiommu_dev **out)
{
	struct libiommu_ctx *ctx = dev->ctx;

	if (rc) {
		free(dev);
		return lu_ret(rc);
	}
	LU_LIST_PUSH(ctx->dev_list, dev);
	lu_dbg(ctx, "opened %s as device %" PRIu32 " (%s backend)", what,
	       dev->id, ctx->ops->name);
	*out = dev;
	return 0;
}

LIBIOMMU_API int libiommu_dev_open(struct libiommu_ctx *ctx, const char *path,
				   const struct libiommu_dev_opts *opts,
				   struct libiommu_dev **out)
{
	struct libiommu_dev *dev;
	int rc;

	rc = check_new(ctx, "libiommu_dev_open", opts, out);
	if (rc)
		return rc;
	if (!path)
		return FAIL(ctx, EINVAL, "libiommu_dev_open: path is NULL");
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	return dev_finish(dev, ctx->ops->dev_open(dev, path, opts), path, out);
}

LIBIOMMU_API int libiommu_dev_open_fd(struct libiommu_ctx *ctx, int fd,
				      enum libiommu_fd_mode mode,
				      const struct libiommu_dev_opts *opts,
				      struct libiommu_dev **out)
{
	static const char fn[] = "libiommu_dev_open_fd";
	struct libiommu_dev *dev;
	char what[32];
	int rc;

	rc = check_new(ctx, fn, opts, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, dev_open_fd, fn,
			     "a legacy VFIO device fd comes from its group: use libiommu_dev_open_group_fd() with the group fd, or libiommu_dev_open() with the cdev path");
	if (rc)
		return lu_ret(rc);
	rc = check_mode(ctx, fn, mode, fd);
	if (rc)
		return rc;
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	snprintf(what, sizeof(what), "fd %d", fd);
	return dev_finish(dev, ctx->ops->dev_open_fd(dev, fd,
						     mode == LIBIOMMU_FD_OWN,
						     opts, what),
			  what, out);
}

#define NO_GROUP_WHY \
	"VFIO groups belong to the legacy container interface: create the context with LIBIOMMU_BACKEND_TYPE1 or LIBIOMMU_BACKEND_IOMMUFD_COMPAT, or open the device's cdev with libiommu_dev_open()"

static int open_group(struct libiommu_ctx *ctx, const char *fn,
		      const char *group_path, int group_fd, bool owns,
		      const char *name, const struct libiommu_dev_opts *opts,
		      struct libiommu_dev **out)
{
	struct libiommu_dev *dev;
	int rc;

	if (!name || !*name)
		return FAIL(ctx, EINVAL,
			    "%s: name is %s; give the device's name in its group, e.g. \"0000:00:03.0\" (see /sys/kernel/iommu_groups/N/devices)",
			    fn, name ? "empty" : "NULL");
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	rc = ctx->ops->dev_open_group(dev, group_path, group_fd, owns, name,
				      opts);
	return dev_finish(dev, rc, name, out);
}

LIBIOMMU_API int libiommu_dev_open_group(struct libiommu_ctx *ctx,
					 const char *group_path,
					 const char *name,
					 const struct libiommu_dev_opts *opts,
					 struct libiommu_dev **out)
{
	static const char fn[] = "libiommu_dev_open_group";
	int rc;

	rc = check_new(ctx, fn, opts, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, dev_open_group, fn, NO_GROUP_WHY);
	if (rc)
		return lu_ret(rc);
	if (!group_path)
		return FAIL(ctx, EINVAL, "%s: group_path is NULL", fn);
	return open_group(ctx, fn, group_path, -1, true, name, opts, out);
}

LIBIOMMU_API int libiommu_dev_open_group_fd(struct libiommu_ctx *ctx,
					    int group_fd,
					    enum libiommu_fd_mode mode,
					    const char *name,
					    const struct libiommu_dev_opts *opts,
					    struct libiommu_dev **out)
{
	static const char fn[] = "libiommu_dev_open_group_fd";
	int rc;

	rc = check_new(ctx, fn, opts, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, dev_open_group, fn, NO_GROUP_WHY);
	if (rc)
		return lu_ret(rc);
	rc = check_mode(ctx, fn, mode, group_fd);
	if (rc)
		return rc;
	return open_group(ctx, fn, NULL, group_fd, mode == LIBIOMMU_FD_OWN,
			  name, opts, out);
}

LIBIOMMU_API int libiommu_dev_adopt_id(struct libiommu_ctx *ctx,
				       uint32_t dev_id,
				       struct libiommu_dev **out)
{
	struct libiommu_dev *dev, *d;
	int rc;

	rc = check_new(ctx, "libiommu_dev_adopt_id", NULL, out);
	if (rc)
		return rc;
	if (!lu_is_iommufd(ctx))
		return lu_ret(lu_backend_unsupported(ctx, "libiommu_dev_adopt_id",
						     "devices have no iommufd id there"));
	if (dev_id == 0)
		return FAIL(ctx, EINVAL,
			    "libiommu_dev_adopt_id: 0 is not an iommufd object id");
	for (d = ctx->dev_list; d; d = d->next)
		if (d->id == dev_id)
			return FAIL(ctx, EEXIST,
				    "libiommu_dev_adopt_id: device %" PRIu32 " already has a handle in this context",
				    dev_id);

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return FAIL(ctx, ENOMEM, "out of memory for a device handle");
	dev->ctx = ctx;
	dev->fd = -1;
	dev->id = dev_id;

	/* A harmless question only a bound device of this iommufd answers. */
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_GET_HW_INFO) == 1) {
		rc = lu_hw_info_caps(dev, NULL, NULL);
		if (rc == -ENOENT) {
			free(dev);
			return FAIL(ctx, ENOENT,
				    "libiommu_dev_adopt_id: object %" PRIu32 " of this context's iommufd is not a bound device",
				    dev_id);
		}
		/* Other answers (a device without IOMMU info) still prove it is one. */
	}
	LU_LIST_PUSH(ctx->dev_list, dev);
	lu_dbg(ctx, "adopted device %" PRIu32, dev_id);
	*out = dev;
	return 0;
}

static void dev_release(struct libiommu_dev *dev)
{
	lu_kvm_forget_dev(dev);	/* KVM holds the file: delete it first (lib/kvm.c) */
	detach_all(dev);
	if (dev->owns_fd && dev->fd >= 0)
		close(dev->fd);
	/* after the device fd: a VFIO group leaves its container only then */
	if (dev->ctx->ops->dev_release)
		dev->ctx->ops->dev_release(dev);
	free(dev->pasids);
	free(dev);
}

LIBIOMMU_API void libiommu_dev_free(struct libiommu_dev *dev)
{
	int saved_errno = errno;

	if (!dev)
		return;
	LU_LIST_UNLINK(dev->ctx->dev_list, dev);
	lu_dbg(dev->ctx, "freeing device %" PRIu32, dev->id);
	dev_release(dev);
	errno = saved_errno;
}

void lu_dev_free_all(struct libiommu_ctx *ctx)
{
	LU_LIST_RELEASE_ALL(ctx->dev_list, dev_release);
}

LIBIOMMU_API uint32_t libiommu_dev_id(const struct libiommu_dev *dev)
{
	if (!dev) {
		errno = EINVAL;
		return 0;
	}
	return dev->id;
}

LIBIOMMU_API int libiommu_dev_fd(const struct libiommu_dev *dev)
{
	if (!dev)
		return lu_ret(-EINVAL);
	if (dev->fd < 0)
		return lu_ret(-EBADF);
	return dev->fd;
}

LIBIOMMU_API struct libiommu_ctx *libiommu_dev_ctx(const struct libiommu_dev *dev)
{
	if (!dev) {
		errno = EINVAL;
		return NULL;
	}
	return dev->ctx;
}

/* ---- attach / detach ---------------------------------------------------------- */

static int need_fd(struct libiommu_dev *dev, const char *fn)
{
	if (dev->fd >= 0)
		return 0;
	return FAIL(dev->ctx, EBADF,
		    "%s: device %" PRIu32 " was adopted by id and has no VFIO device fd (an adopted handle can only read hardware info and allocate HWPTs; attach it through whoever bound it)",
		    fn, dev->id);
}

/* Is @pasid one the device can use?  Asks the kernel for its PASID width. */
static int check_pasid(struct libiommu_dev *dev, const char *fn,
		       uint32_t pasid)
{
	struct libiommu_ctx *ctx = dev->ctx;
	uint8_t log2 = 0;
	int rc;

	if (pasid < LU_FIRST_PASID || pasid == LIBIOMMU_NO_PASID)
		return FAIL(ctx, EINVAL,
			    "%s: PASID %" PRIu32 " is not a PASID (0 is the device's RID: use the non-PASID call)",
			    fn, pasid);
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_GET_HW_INFO) != 1)
		return 0; /* cannot tell: let the kernel decide */
	rc = lu_hw_info_caps(dev, NULL, &log2);
	if (rc)
		return 0;
	if (log2 == 0)
		return FAIL(ctx, EOPNOTSUPP,
			    "%s: device %" PRIu32 " cannot use PASIDs: the kernel reports no PASID support for it (device without the PCI PASID capability, or an IOMMU without PASID support)",
			    fn, dev->id);
	if (log2 < 32 && pasid >= (UINT32_C(1) << log2))
		return FAIL(ctx, EINVAL,
			    "%s: PASID %" PRIu32 " is out of range: device %" PRIu32 " supports PASIDs 1..%" PRIu32,
			    fn, pasid, dev->id, (UINT32_C(1) << log2) - 1);
	return 0;
}

/*
 * Attach (or replace) @pasid of @dev to exactly one of @ioas / @hwpt.  The
 * kernel treats an attach while attached as an atomic replace; so do we.
 */
static int dev_attach(struct libiommu_dev *dev, const char *fn, uint32_t pasid,
		      struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt)
{
	struct libiommu_ctx *ctx, *tctx;
	const char *target = ioas ? "IOAS" : "HWPT";
	struct lu_attach *cur, next = { .pasid = pasid };
	uint32_t pt_id, hwpt_id = 0;
	int rc;

	if (!dev)
		return FAIL(NULL, EINVAL, "%s: dev is NULL", fn);
	ctx = dev->ctx;
	if (!ioas && !hwpt)
		return FAIL(ctx, EINVAL, "%s: %s is NULL", fn,
			    strstr(fn, "ioas") ? "ioas" : "hwpt");
	tctx = ioas ? ioas->ctx : hwpt->ctx;
	pt_id = ioas ? ioas->id : hwpt->id;
	if (tctx != ctx)
		return FAIL(ctx, EXDEV,
			    "%s: %s %" PRIu32 " belongs to another context (iommufd) than device %" PRIu32,
			    fn, target, pt_id, dev->id);
	rc = need_fd(dev, fn);
	if (rc)
		return rc;

	cur = find_attach(dev, pasid);
	if (cur && cur->ioas == ioas && cur->hwpt == hwpt) {
		lu_dbg(ctx, "%s: device %" PRIu32 " already attached to %s %" PRIu32,
		       fn, dev->id, target, pt_id);
		return 0;
	}
	if (pasid != LIBIOMMU_NO_PASID && !lu_is_iommufd(ctx))
		return lu_ret(lu_backend_unsupported(ctx, fn,
			"PASIDs are attached through iommufd only"));
	if (pasid != LIBIOMMU_NO_PASID) {
		rc = check_pasid(dev, fn, pasid);
		if (rc)
			return rc;
		if (hwpt && !(hwpt->flags & LIBIOMMU_HWPT_PASID))
			return FAIL(ctx, EINVAL,
				    "%s: HWPT %" PRIu32 " was not allocated with LIBIOMMU_HWPT_PASID, which PASID attachment needs",
				    fn, hwpt->id);
		if (!cur) {
			rc = reserve_pasid_slot(dev);
			if (rc)
				return rc;
		}
	}

	/* The target IOAS's coherency policy (lib/coherency.c). */
	rc = lu_coh_check_attach(dev, fn, ioas, hwpt);
	if (rc)
		return rc;

	rc = ctx->ops->dev_attach(dev, pasid, ioas, hwpt, &hwpt_id);
	if (rc)
		return lu_ret(rc);

	next.ioas = ioas;
	next.hwpt = hwpt;
	next.hwpt_id = hwpt_id;
	take_target(&next);
	if (cur) {
		put_target(cur);
		*cur = next;
	} else if (pasid == LIBIOMMU_NO_PASID) {
		dev->rid = next;
		dev->rid_attached = true;
	} else {
		dev->pasids[dev->nr_pasids++] = next;
	}
	lu_dbg(ctx, "device %" PRIu32 " %s %s %" PRIu32 " (HWPT %" PRIu32 ")",
	       dev->id, cur ? "replaced onto" : "attached to", target, pt_id,
	       hwpt_id);
	return 0;
}

LIBIOMMU_API int libiommu_dev_attach_ioas(struct libiommu_dev *dev,
					  struct libiommu_ioas *ioas)
{
	return dev_attach(dev, "libiommu_dev_attach_ioas", LIBIOMMU_NO_PASID,
			  ioas, NULL);
}

LIBIOMMU_API int libiommu_dev_attach_hwpt(struct libiommu_dev *dev,
					  struct libiommu_hwpt *hwpt)
{
	return dev_attach(dev, "libiommu_dev_attach_hwpt", LIBIOMMU_NO_PASID,
			  NULL, hwpt);
}

LIBIOMMU_API int libiommu_dev_pasid_attach_ioas(struct libiommu_dev *dev,
						uint32_t pasid,
						struct libiommu_ioas *ioas)
{
	if (pasid == LIBIOMMU_NO_PASID)
		return FAIL(dev ? dev->ctx : NULL, EINVAL,
			    "libiommu_dev_pasid_attach_ioas: LIBIOMMU_NO_PASID is not a PASID");
	return dev_attach(dev, "libiommu_dev_pasid_attach_ioas", pasid, ioas,
			  NULL);
}

LIBIOMMU_API int libiommu_dev_pasid_attach_hwpt(struct libiommu_dev *dev,
						uint32_t pasid,
						struct libiommu_hwpt *hwpt)
{
	if (pasid == LIBIOMMU_NO_PASID)
		return FAIL(dev ? dev->ctx : NULL, EINVAL,
			    "libiommu_dev_pasid_attach_hwpt: LIBIOMMU_NO_PASID is not a PASID");
	return dev_attach(dev, "libiommu_dev_pasid_attach_hwpt", pasid, NULL,
			  hwpt);
}

static int dev_detach(struct libiommu_dev *dev, const char *fn, uint32_t pasid)
{
	struct libiommu_ctx *ctx;
	struct lu_attach *cur;
	int rc;

	if (!dev)
		return FAIL(NULL, EINVAL, "%s: dev is NULL", fn);
	ctx = dev->ctx;
	rc = lu_backend_need(ctx, dev_detach, fn,
			     "a device stays in its container's address space until libiommu_dev_free() closes it");
	if (rc)
		return lu_ret(rc);
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	cur = find_attach(dev, pasid);
	if (!cur) {
		if (pasid == LIBIOMMU_NO_PASID)
			return FAIL(ctx, ENOENT,
				    "%s: device %" PRIu32 " is not attached (through this handle)",
				    fn, dev->id);
		return FAIL(ctx, ENOENT,
			    "%s: PASID %" PRIu32 " of device %" PRIu32 " is not attached (through this handle)",
			    fn, pasid, dev->id);
	}
	rc = ctx->ops->dev_detach(dev, pasid);
	if (rc)
		return lu_ret(rc);
	if (pasid == LIBIOMMU_NO_PASID) {
		put_target(cur);
		dev->rid_attached = false;
	} else {
		drop_pasid(dev, cur);
	}
	lu_dbg(ctx, "device %" PRIu32 " detached", dev->id);
	return 0;
}

LIBIOMMU_API int libiommu_dev_detach(struct libiommu_dev *dev)
{
	return dev_detach(dev, "libiommu_dev_detach", LIBIOMMU_NO_PASID);
}

LIBIOMMU_API int libiommu_dev_pasid_detach(struct libiommu_dev *dev,
					   uint32_t pasid)
{
	if (dev && (pasid < LU_FIRST_PASID || pasid == LIBIOMMU_NO_PASID))
		return FAIL(dev->ctx, EINVAL,
			    "libiommu_dev_pasid_detach: %" PRIu32 " is not a PASID (0 is the RID: use libiommu_dev_detach)",
			    pasid);
	return dev_detach(dev, "libiommu_dev_pasid_detach", pasid);
}

LIBIOMMU_API int libiommu_dev_get_attached(const struct libiommu_dev *dev,
					   uint32_t pasid,
					   struct libiommu_ioas **ioas,
					   struct libiommu_hwpt **hwpt,
					   uint32_t *hwpt_id)
{
	const struct lu_attach *a;

	if (!dev)
		return FAIL(NULL, EINVAL, "libiommu_dev_get_attached: dev is NULL");
	a = find_attach(dev, pasid);
	if (ioas)
		*ioas = a ? a->ioas : NULL;
	if (hwpt)
		*hwpt = a ? a->hwpt : NULL;
	if (hwpt_id)
		*hwpt_id = a ? a->hwpt_id : 0;
	return a != NULL;
}

/* ---- VFIO regions ---------------------------------------------------------- */

static int region_query(struct libiommu_dev *dev, const char *fn,
			uint32_t index, struct lu_region *out)
{
	struct lx_vfio_region_info cmd = {
		.argsz = sizeof(cmd),
		.index = index,
	};
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	if (index < LU_REGION_CACHE && dev->regions[index].valid) {
		*out = dev->regions[index];
		return 0;
	}
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	rc = lu_ioctl(dev->fd, LX_VFIO_DEVICE_GET_REGION_INFO, &cmd);
	if (rc == -EINVAL)
		return FAIL(ctx, EINVAL, "%s: device %" PRIu32 " has no region %" PRIu32,
			    fn, dev->id, index);
	if (rc)
		return FAIL(ctx, -rc,
			    "VFIO_DEVICE_GET_REGION_INFO(%" PRIu32 ") on device %" PRIu32 " failed: %s",
			    index, dev->id, strerror(-rc));
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
	if (index < LU_REGION_CACHE)
		dev->regions[index] = *out;
	return 0;
}

LIBIOMMU_API int libiommu_dev_region_info(struct libiommu_dev *dev,
					  uint32_t index,
					  struct libiommu_region_info *info)
{
	static const char fn[] = "libiommu_dev_region_info";
	struct libiommu_region_info r;
	struct lu_region reg;
	size_t n;
	int rc;

	if (!dev)
		return FAIL(NULL, EINVAL, "%s: dev is NULL", fn);
	if (!info)
		return FAIL(dev->ctx, EINVAL, "%s: info is NULL", fn);
	if (info->sz < sizeof(size_t))
		return FAIL(dev->ctx, EINVAL,
			    "%s: info->sz is %zu; set it to sizeof(struct libiommu_region_info)",
			    fn, info->sz);
	rc = region_query(dev, fn, index, &reg);
	if (rc)
		return rc;
	memset(&r, 0, sizeof(r));
	r.index = index;
	r.flags = reg.flags;
	r.size = reg.size;
	r.offset = reg.offset;
	/*
	 * A result struct: fill what the caller's (maybe older) struct has;
	 * fields of a newer caller's struct that we do not know read as zero.
	 */
	n = info->sz < sizeof(r) ? info->sz : sizeof(r);
	r.sz = info->sz;
	if (info->sz > n)
		memset((char *)info + n, 0, info->sz - n);
	memcpy(info, &r, n);
	return 0;
}

/* The region, checked to hold [offset, offset + len) and allow @need. */
static int region_span(struct libiommu_dev *dev, const char *fn,
		       uint32_t index, uint64_t offset, uint64_t len,
		       uint32_t need, struct lu_region *reg)
{
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	rc = region_query(dev, fn, index, reg);
	if (rc)
		return rc;
	if ((reg->flags & need) != need)
		return FAIL(ctx, EINVAL,
			    "%s: region %" PRIu32 " of device %" PRIu32 " cannot be %s",
			    fn, index, dev->id,
			    need & LIBIOMMU_REGION_MMAP ? "mmap()ed" :
			    need & LIBIOMMU_REGION_WRITE ? "written" : "read");
	if (offset > reg->size || len > reg->size - offset)
		return FAIL(ctx, EINVAL,
			    "%s: [0x%" PRIx64 ", +0x%" PRIx64 ") is outside region %" PRIu32 " of device %" PRIu32 " (0x%" PRIx64 " bytes)",
			    fn, offset, len, index, dev->id, reg->size);
	return 0;
}

/* pread/pwrite until done: VFIO may split accesses to config space. */
static int region_rw(struct libiommu_dev *dev, const char *fn, uint32_t index,
		     uint64_t offset, void *buf, size_t len, bool write)
{
	struct lu_region reg;
	size_t done = 0;
	int rc;

	if (!buf && len)
		return FAIL(dev->ctx, EINVAL, "%s: buf is NULL", fn);
	rc = region_span(dev, fn, index, offset, len,
			 write ? LIBIOMMU_REGION_WRITE : LIBIOMMU_REGION_READ,
			 &reg);
	if (rc)
		return rc;
	while (done < len) {
		off_t pos = (off_t)(reg.offset + offset + done);
		ssize_t n;

		if (write)
			n = pwrite(dev->fd, (const char *)buf + done, len - done, pos);
		else
			n = pread(dev->fd, (char *)buf + done, len - done, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FAIL(dev->ctx, errno == EINVAL ? EINVAL : EIO,
				    "%s: %s at 0x%" PRIx64 " of region %" PRIu32 " failed: %s",
				    fn, write ? "pwrite" : "pread",
				    offset + done, index, strerror(errno));
		if (n == 0)
			return FAIL(dev->ctx, EIO,
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
		return FAIL(NULL, EINVAL, "libiommu_dev_region_read: dev is NULL");
	return region_rw(dev, "libiommu_dev_region_read", index, offset, buf,
			 len, false);
}

LIBIOMMU_API int libiommu_dev_region_write(struct libiommu_dev *dev,
					   uint32_t index, uint64_t offset,
					   const void *buf, size_t len)
{
	if (!dev)
		return FAIL(NULL, EINVAL, "libiommu_dev_region_write: dev is NULL");
	return region_rw(dev, "libiommu_dev_region_write", index, offset,
			 (void *)buf, len, true);
}

LIBIOMMU_API int libiommu_dev_region_mmap(struct libiommu_dev *dev,
					  uint32_t index, uint64_t offset,
					  size_t len, uint32_t prot,
					  void **addr)
{
	static const char fn[] = "libiommu_dev_region_mmap";
	const uint32_t known = LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE;
	struct libiommu_ctx *ctx;
	struct lu_region reg;
	int mprot = 0, rc;
	void *p;

	if (!dev)
		return FAIL(NULL, EINVAL, "%s: dev is NULL", fn);
	ctx = dev->ctx;
	if (!addr)
		return FAIL(ctx, EINVAL, "%s: addr is NULL", fn);
	*addr = NULL;
	if (!prot || (prot & ~known))
		return FAIL(ctx, EINVAL,
			    "%s: prot 0x%" PRIx32 " must be LIBIOMMU_REGION_READ and/or LIBIOMMU_REGION_WRITE",
			    fn, prot);
	if (len == 0 || offset % lu_page_size())
		return FAIL(ctx, EINVAL,
			    "%s: length is 0 or offset 0x%" PRIx64 " is not page aligned",
			    fn, offset);
	rc = region_span(dev, fn, index, offset, len,
			 prot | LIBIOMMU_REGION_MMAP, &reg);
	if (rc)
		return rc;
	if (prot & LIBIOMMU_REGION_READ)
		mprot |= PROT_READ;
	if (prot & LIBIOMMU_REGION_WRITE)
		mprot |= PROT_WRITE;
	p = mmap(NULL, len, mprot, MAP_SHARED, dev->fd,
		 (off_t)(reg.offset + offset));
	if (p == MAP_FAILED)
		return FAIL(ctx, errno,
			    "%s: mmap of region %" PRIu32 " of device %" PRIu32 " failed: %s (a sparse region can only be mapped where the driver allows)",
			    fn, index, dev->id, strerror(errno));
	*addr = p;
	return 0;
}
