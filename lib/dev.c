// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Devices (the /dev/ioasid RFC's device_handle): a VFIO device cdev bound
 * to an iommufd, or (legacy backends) a device fd from a VFIO group whose
 * group is in the context's container.  The backend does the kernel part
 * (lib/backend/); the checks and bookkeeping are here, region access in
 * lib/region.c.
 *
 * A handle remembers what it attached its RID and PASIDs to, so that it can
 * answer "attached to what?", keep the IOAS/HWPT use counts that make their
 * destroy refuse with -EBUSY, and undo its attachments when freed.  Only
 * attachments made through the handle are known: a device attached by other
 * means (another fd holder, an adopted id) is invisible here.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/backend.h"

/* The first ordinary PASID; 0 is the RID's (the kernel's IOMMU_NO_PASID). */
#define LU_FIRST_PASID 1u

/* ---- attachment bookkeeping (ctx->lock held) -------------------------------- */

static void take_target(struct lu_attach *a)
{
	if (a->ioas)
		a->ioas->users++;
	else if (a->hwpt)
		a->hwpt->users++;
	if (a->managed)
		a->managed->users++;
}

/* Drop what @a holds; a placed HWPT goes with its last device. */
static void put_target(struct lu_attach *a)
{
	uint32_t pasid;

	if (a->ioas && a->ioas->users)
		a->ioas->users--;
	else if (a->hwpt && a->hwpt->users)
		a->hwpt->users--;
	if (a->managed) {
		if (a->managed->users)
			a->managed->users--;
		lu_hwpt_unplace(a->managed);
	}
	pasid = a->pasid;
	memset(a, 0, sizeof(*a));
	a->pasid = pasid;
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
		return lu_fail(dev->ctx, -ENOMEM,
			       "out of memory for a PASID attachment");
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

/*
 * Undo every attachment the handle made (best effort: used when freeing).
 * In another process than the context's only the records go: the device
 * file is shared, and detaching it would detach the owner's device.
 */
static void detach_all(struct libiommu_dev *dev)
{
	const struct lu_backend_ops *ops = dev->ctx->ops;
	bool kernel = dev->fd >= 0 && !lu_foreign(dev->ctx);

	while (dev->nr_pasids) {
		struct lu_attach *a = &dev->pasids[dev->nr_pasids - 1];

		if (kernel && ops->dev_pasid_detach)
			ops->dev_pasid_detach(dev, a->pasid);
		drop_pasid(dev, a);
	}
	if (dev->rid_attached) {
		if (kernel && ops->dev_detach)
			ops->dev_detach(dev);
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

	if (out)
		*out = NULL;
	if (!ctx)
		return lu_ret(-EINVAL);
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", fn);
	LU_OWNER_CHECK(ctx, fn);
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_dev_opts, vf_token);
	if (rc)
		return rc;
	flags = LU_OPTS_GET(opts, flags, 0);
	if (flags & ~LIBIOMMU_DEV_VF_TOKEN)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       fn, flags & ~LIBIOMMU_DEV_VF_TOKEN);
	if ((flags & LIBIOMMU_DEV_VF_TOKEN) && !LU_OPTS_HAS(opts, vf_token))
		return lu_fail(ctx, -EINVAL,
			       "%s: LIBIOMMU_DEV_VF_TOKEN set but opts->sz (%zu) does not cover vf_token",
			       fn, opts->sz);
	return 0;
}

static int check_mode(struct libiommu_ctx *ctx, const char *fn,
		      enum libiommu_fd_mode mode, int fd)
{
	if (mode != LIBIOMMU_FD_BORROW && mode != LIBIOMMU_FD_OWN)
		return lu_fail(ctx, -EINVAL,
			       "%s: mode %d is neither LIBIOMMU_FD_BORROW nor LIBIOMMU_FD_OWN",
			       fn, (int)mode);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: fd %d is not an open file descriptor", fn, fd);
	return 0;
}

/* A new handle, not listed yet: the backend fills fd, owns_fd, id, bpriv. */
static struct libiommu_dev *dev_new(struct libiommu_ctx *ctx)
{
	struct libiommu_dev *dev = calloc(1, sizeof(*dev));

	if (!dev) {
		lu_fail(ctx, -ENOMEM, "out of memory for a device handle");
		return NULL;
	}
	dev->ctx = ctx;
	dev->fd = -1;
	dev->cap = LU_CAP_UNASKED;
	dev->nosnoop_writable = LU_ENF_UNKNOWN;
	lu_list_init(&dev->node);
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
	lu_lock(ctx);
	lu_list_push(&ctx->dev_list, &dev->node);
	lu_unlock(ctx);
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

	rc = check_new(ctx, __func__, opts, out);
	if (rc)
		return rc;
	if (!path)
		return lu_fail(ctx, -EINVAL, "%s: path is NULL", __func__);
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	lu_lock(ctx); /* a legacy backend joins groups to its container */
	rc = ctx->ops->dev_open(dev, path, opts);
	lu_unlock(ctx);
	return dev_finish(dev, rc, path, out);
}

LIBIOMMU_API int libiommu_dev_open_fd(struct libiommu_ctx *ctx, int fd,
				      enum libiommu_fd_mode mode,
				      const struct libiommu_dev_opts *opts,
				      struct libiommu_dev **out)
{
	struct libiommu_dev *dev;
	char what[32];
	int rc;

	rc = check_new(ctx, __func__, opts, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_DEV_OPEN_FD, __func__);
	if (rc)
		return rc;
	rc = check_mode(ctx, __func__, mode, fd);
	if (rc)
		return rc;
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	snprintf(what, sizeof(what), "fd %d", fd);
	rc = ctx->ops->dev_open_fd(dev, fd, mode == LIBIOMMU_FD_OWN, opts, what);
	return dev_finish(dev, rc, what, out);
}

static int open_group(struct libiommu_ctx *ctx, const char *fn,
		      const char *group_path, int group_fd, bool owns,
		      const char *name, const struct libiommu_dev_opts *opts,
		      struct libiommu_dev **out)
{
	struct libiommu_dev *dev;
	int rc;

	if (!name || !*name)
		return lu_fail(ctx, -EINVAL,
			       "%s: name is %s; give the device's name in its group, e.g. \"0000:00:03.0\" (see /sys/kernel/iommu_groups/N/devices)",
			       fn, name ? "empty" : "NULL");
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	lu_lock(ctx);
	rc = ctx->ops->dev_open_group(dev, group_path, group_fd, owns, name,
				      opts);
	lu_unlock(ctx);
	return dev_finish(dev, rc, name, out);
}

LIBIOMMU_API int libiommu_dev_open_group(struct libiommu_ctx *ctx,
					 const char *group_path,
					 const char *name,
					 const struct libiommu_dev_opts *opts,
					 struct libiommu_dev **out)
{
	int rc;

	rc = check_new(ctx, __func__, opts, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_DEV_OPEN_GROUP, __func__);
	if (rc)
		return rc;
	if (!group_path)
		return lu_fail(ctx, -EINVAL, "%s: group_path is NULL", __func__);
	return open_group(ctx, __func__, group_path, -1, true, name, opts,
			  out);
}

LIBIOMMU_API int libiommu_dev_open_group_fd(struct libiommu_ctx *ctx,
					    int group_fd,
					    enum libiommu_fd_mode mode,
					    const char *name,
					    const struct libiommu_dev_opts *opts,
					    struct libiommu_dev **out)
{
	int rc;

	rc = check_new(ctx, __func__, opts, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_DEV_OPEN_GROUP, __func__);
	if (rc)
		return rc;
	rc = check_mode(ctx, __func__, mode, group_fd);
	if (rc)
		return rc;
	return open_group(ctx, __func__, NULL, group_fd,
			  mode == LIBIOMMU_FD_OWN, name, opts, out);
}

/* -EEXIST, logged, when a handle of @ctx has @dev_id (ctx->lock held). */
static int check_no_handle(struct libiommu_ctx *ctx, const char *fn,
			   uint32_t dev_id)
{
	struct libiommu_dev *d;

	lu_list_for_each(d, &ctx->dev_list, node)
		if (d->id == dev_id)
			return lu_fail(ctx, -EEXIST,
				       "%s: device %" PRIu32 " already has a handle in this context",
				       fn, dev_id);
	return 0;
}

LIBIOMMU_API int libiommu_dev_adopt_id(struct libiommu_ctx *ctx,
				       uint32_t dev_id,
				       struct libiommu_dev **out)
{
	struct libiommu_dev *dev;
	int rc;

	rc = check_new(ctx, __func__, NULL, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_DEV_ADOPT_ID, __func__);
	if (rc)
		return rc;
	if (dev_id == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: 0 is not an iommufd object id", __func__);
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	lu_lock(ctx);
	rc = check_no_handle(ctx, __func__, dev_id);
	if (rc == 0)
		rc = ctx->ops->dev_adopt_id(dev, dev_id);
	if (rc == 0)
		lu_list_push(&ctx->dev_list, &dev->node);
	lu_unlock(ctx);
	if (rc) {
		free(dev);
		return lu_ret(rc);
	}
	lu_dbg(ctx, "adopted device %" PRIu32, dev_id);
	*out = dev;
	return 0;
}

LIBIOMMU_API int libiommu_dev_adopt_fd(struct libiommu_ctx *ctx, int fd,
				       enum libiommu_fd_mode mode,
				       uint32_t dev_id,
				       struct libiommu_dev **out)
{
	struct libiommu_dev *dev;
	int rc;

	rc = check_new(ctx, __func__, NULL, out);
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_DEV_ADOPT_FD, __func__);
	if (rc)
		return rc;
	rc = check_mode(ctx, __func__, mode, fd);
	if (rc)
		return rc;
	if (dev_id == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: 0 is not an iommufd object id", __func__);
	dev = dev_new(ctx);
	if (!dev)
		return lu_ret(-ENOMEM);
	lu_lock(ctx);
	rc = check_no_handle(ctx, __func__, dev_id);
	if (rc == 0)
		rc = ctx->ops->dev_adopt_fd(dev, fd, mode == LIBIOMMU_FD_OWN,
					    dev_id);
	if (rc == 0)
		lu_list_push(&ctx->dev_list, &dev->node);
	lu_unlock(ctx);
	if (rc) {
		free(dev);
		return lu_ret(rc);
	}
	lu_dbg(ctx, "adopted device %" PRIu32 " on fd %d", dev_id, fd);
	*out = dev;
	return 0;
}

/*
 * ctx->lock held (in another process: not, see libiommu_ctx_free()); the
 * handle is unlisted.  Closing this process's copy of the device fd does
 * not release the device while another process holds the file.
 */
static void dev_release(struct libiommu_dev *dev)
{
	lu_kvm_forget_dev(dev); /* KVM holds the file: delete it first */
	detach_all(dev);
	lu_vdevice_forget_dev(dev); /* it holds the device */
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
	struct libiommu_ctx *ctx;
	int saved_errno = errno;
	bool foreign;

	if (!dev)
		return;
	ctx = dev->ctx;
	lu_dbg(ctx, "freeing device %" PRIu32, dev->id);
	foreign = lu_foreign(ctx);
	if (!foreign)
		lu_lock(ctx);
	lu_list_unlink(&dev->node);
	dev_release(dev);
	if (!foreign)
		lu_unlock(ctx);
	errno = saved_errno;
}

void lu_dev_free_all(struct libiommu_ctx *ctx)
{
	struct libiommu_dev *dev, *tmp;

	lu_list_for_each_safe(dev, tmp, &ctx->dev_list, node) {
		lu_list_unlink(&dev->node);
		dev_release(dev);
	}
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
		return lu_fail(dev->ctx, -EBADF,
			       "%s: device %" PRIu32 " was adopted by id and has no VFIO device fd",
			       __func__, dev->id);
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
	return lu_fail(dev->ctx, -EBADF,
		       "%s: device %" PRIu32 " was adopted by id and has no VFIO device fd (an adopted handle can only read hardware info and allocate HWPTs; attach it through whoever bound it)",
		       fn, dev->id);
}

/* Is @pasid one the device can use?  Asks the kernel for its PASID width. */
static int check_pasid(struct libiommu_dev *dev, const char *fn,
		       uint32_t pasid)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lu_hw_info_out hw;
	uint8_t log2;

	if (pasid < LU_FIRST_PASID || pasid == LIBIOMMU_NO_PASID)
		return lu_fail(ctx, -EINVAL,
			       "%s: PASID %" PRIu32 " is not a PASID (0 is the device's RID: use the non-PASID call)",
			       fn, pasid);
	if (!ctx->ops->hw_info ||
	    ctx->ops->hw_info(dev, 0, NULL, 0, &hw, LU_QUIET))
		return 0; /* cannot tell: let the kernel decide */
	log2 = hw.max_pasid_log2;
	if (log2 == 0)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: device %" PRIu32 " cannot use PASIDs: the kernel reports no PASID support for it (device without the PCI PASID capability, or an IOMMU without PASID support)",
			       fn, dev->id);
	if (log2 < 32 && pasid >= (UINT32_C(1) << log2))
		return lu_fail(ctx, -EINVAL,
			       "%s: PASID %" PRIu32 " is out of range: device %" PRIu32 " supports PASIDs 1..%" PRIu32,
			       fn, pasid, dev->id, (UINT32_C(1) << log2) - 1);
	return 0;
}

static int backend_attach(struct libiommu_dev *dev, uint32_t pasid,
			  struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt,
			  uint32_t *hwpt_id, bool quiet)
{
	const struct lu_backend_ops *ops = dev->ctx->ops;

	if (pasid == LIBIOMMU_NO_PASID)
		return ops->dev_attach(dev, ioas, hwpt, hwpt_id, quiet);
	return ops->dev_pasid_attach(dev, pasid, ioas, hwpt, hwpt_id, quiet);
}

/*
 * Does the library choose the HWPT of a device attached to @ioas?  1 or 0;
 * a negative errno (logged) when the kernel could not be asked whether it
 * has IOMMU_HWPT_ALLOC: leaving the choice to the kernel then would be a
 * silent change of what the attach guarantees.
 */
static int library_places(const struct libiommu_ioas *ioas)
{
	const struct lu_backend_ops *ops = ioas->ctx->ops;

	if (ioas->kernel_hwpt || ops->implicit_attach || !ops->hwpt_alloc)
		return 0;
	return ops->has_feature(ioas->ctx, LIBIOMMU_FEAT_HWPT_ALLOC);
}

/*
 * Place @pasid of @dev in @ioas on a HWPT that forces snooping exactly
 * when its IOMMU can (@cap): one the library placed another device on
 * (when the IOMMU takes it), else a new one.  The kernel alone would reuse
 * any compatible HWPT of the IOAS, also one that does not enforce, for a
 * device whose IOMMU can.  @cur: the current attachment (a replace).
 */
static int place(struct libiommu_dev *dev, const char *fn, uint32_t pasid,
		 struct libiommu_ioas *ioas, int cap, struct lu_attach *cur,
		 struct lu_attach *next)
{
	struct libiommu_ctx *ctx = dev->ctx;
	bool want_pasid = pasid != LIBIOMMU_NO_PASID;
	struct libiommu_hwpt *h, *made = NULL;
	uint32_t hwpt_id = 0;
	int rc;

	lu_list_for_each(h, &ctx->hwpt_list, node) {
		if (!h->managed || h->ioas != ioas ||
		    (want_pasid && !(h->flags & LIBIOMMU_HWPT_PASID)))
			continue;
		/* An unknown capability shares only the HWPT made for it. */
		if (cap == LU_ENF_UNKNOWN ? h->made_for != dev->id : h->enforce != cap)
			continue;
		if (cur && cur->managed == h) {
			*next = *cur;
			return 1; /* there already */
		}
		rc = backend_attach(dev, pasid, NULL, h, &hwpt_id, true);
		if (rc == -EINVAL)
			continue; /* another IOMMU instance: it does not take h */
		if (rc)
			return rc;
		goto done;
	}
	rc = lu_hwpt_place(dev, ioas, want_pasid, cap, &made);
	if (rc)
		return rc;
	h = made;
	rc = backend_attach(dev, pasid, NULL, h, &hwpt_id, false);
	if (rc) {
		lu_hwpt_unplace(h);
		return rc;
	}
done:
	next->ioas = ioas;
	next->managed = h;
	next->hwpt_id = hwpt_id;
	lu_dbg(ctx, "%s: device %" PRIu32 " placed on HWPT %" PRIu32 " (%s, %s snooping) in IOAS %" PRIu32,
	       fn, dev->id, h->id, made ? "allocated for it" : "shared",
	       cap == LU_ENF_YES ? "forces" : cap == LU_ENF_NO ? "does not force"
							       : "may force",
	       ioas->id);
	return 0;
}

/*
 * What the library can tell of the HWPT the kernel chose (@next->hwpt_id):
 * a HWPT another live attachment of the context is on is the same one (a
 * live attachment keeps it, so its id is not reused); a new id on an
 * iommufd the context owns was made for this attach, with the device's
 * enforcement.  ctx->lock held.
 */
static void kernel_placed(struct libiommu_dev *dev, int cap,
			  struct lu_attach *next)
{
	struct libiommu_ctx *ctx = dev->ctx;
	const struct libiommu_dev *d;
	const struct lu_attach *a;
	size_t i;

	next->pt_enforce = LU_ENF_UNKNOWN;
	lu_list_for_each(d, &ctx->dev_list, node) {
		for (i = 0; i <= d->nr_pasids; i++) {
			a = i ? &d->pasids[i - 1] : d->rid_attached ? &d->rid
								    : NULL;
			if (!a || a->hwpt || a->managed ||
			    a->hwpt_id != next->hwpt_id || !a->pt_made_for)
				continue;
			next->pt_enforce = a->pt_enforce;
			next->pt_made_for = a->pt_made_for;
			return;
		}
	}
	if (ctx->owns_fd) {
		next->pt_enforce = cap;
		next->pt_made_for = dev->id;
	}
}

/*
 * Attach (or replace) @pasid of @dev to exactly one of @ioas / @hwpt.  The
 * kernel treats an attach while attached as an atomic replace; so do we.
 * The target IOAS's coherency policy holds first (a refusal attaches
 * nothing).  ctx->lock held.
 */
static int attach_locked(struct libiommu_dev *dev, const char *fn,
			 uint32_t pasid, struct libiommu_ioas *ioas,
			 struct libiommu_hwpt *hwpt)
{
	struct libiommu_ctx *ctx = dev->ctx;
	const char *target = ioas ? "IOAS" : "HWPT";
	struct lu_attach *cur, next = { .pasid = pasid };
	uint32_t pt_id = ioas ? ioas->id : hwpt->id, hwpt_id = 0;
	int places = ioas ? library_places(ioas) : 0;
	char what[64];
	int rc, cap = LU_ENF_UNKNOWN;

	if (places < 0)
		return places;
	cur = find_attach(dev, pasid);
	if (cur && cur->ioas == ioas && cur->hwpt == hwpt && !places) {
		lu_dbg(ctx, "%s: device %" PRIu32 " already attached to %s %" PRIu32,
		       fn, dev->id, target, pt_id);
		return 0;
	}
	if (pasid != LIBIOMMU_NO_PASID) {
		rc = check_pasid(dev, fn, pasid);
		if (rc)
			return rc;
		if (hwpt && !(hwpt->flags & LIBIOMMU_HWPT_PASID))
			return lu_fail(ctx, -EINVAL,
				       "%s: HWPT %" PRIu32 " was not allocated with LIBIOMMU_HWPT_PASID, which PASID attachment needs",
				       fn, hwpt->id);
		if (!cur) {
			rc = reserve_pasid_slot(dev);
			if (rc)
				return rc;
		}
	}

	/*
	 * The target IOAS's coherency policy, against the enforcement of the
	 * HWPT the device would run on (lib/coherency/policy.c).
	 */
	if (!ctx->ops->implicit_attach) {
		rc = lu_coh_dev_cap(dev, &cap);
		if (rc)
			return lu_fail(ctx, rc, "%s: asking device %" PRIu32 "'s IOMMU failed: %s",
				       fn, dev->id, strerror(-rc));
	}
	if (hwpt) {
		snprintf(what, sizeof(what), "HWPT %" PRIu32, hwpt->id);
		rc = lu_coh_check_policy(dev, fn, lu_hwpt_ioas(hwpt),
					 hwpt->enforce, what);
	} else {
		rc = lu_coh_check_policy(dev, fn, ioas, cap,
					 "the HWPT the library places it on");
	}
	if (rc)
		return rc;

	if (places) {
		rc = place(dev, fn, pasid, ioas, cap, cur, &next);
		if (rc == 1) {
			lu_dbg(ctx, "%s: device %" PRIu32 " already attached to IOAS %" PRIu32,
			       fn, dev->id, ioas->id);
			return 0;
		}
		if (rc)
			return rc;
		hwpt_id = next.hwpt_id;
	} else {
		rc = backend_attach(dev, pasid, ioas, hwpt, &hwpt_id, false);
		if (rc)
			return rc;
		next.ioas = ioas;
		next.hwpt = hwpt;
		next.hwpt_id = hwpt_id;
		if (ioas && !ctx->ops->implicit_attach)
			kernel_placed(dev, cap, &next);
	}

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

static int dev_attach(struct libiommu_dev *dev, const char *fn, uint32_t pasid,
		      struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt,
		      const char *arg)
{
	struct libiommu_ctx *ctx, *tctx;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, fn);
	if (!ioas && !hwpt)
		return lu_fail(ctx, -EINVAL, "%s: %s is NULL", fn, arg);
	tctx = ioas ? ioas->ctx : hwpt->ctx;
	if (tctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: %s %" PRIu32 " belongs to another context (iommufd) than device %" PRIu32,
			       fn, ioas ? "IOAS" : "HWPT",
			       ioas ? ioas->id : hwpt->id, dev->id);
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	if (pasid != LIBIOMMU_NO_PASID) {
		rc = lu_backend_need(ctx, LU_OP_DEV_PASID_ATTACH, fn);
		if (rc)
			return rc;
	}
	lu_lock(ctx);
	rc = attach_locked(dev, fn, pasid, ioas, hwpt);
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_dev_attach_ioas(struct libiommu_dev *dev,
					  struct libiommu_ioas *ioas)
{
	return dev_attach(dev, __func__, LIBIOMMU_NO_PASID, ioas, NULL, "ioas");
}

LIBIOMMU_API int libiommu_dev_attach_hwpt(struct libiommu_dev *dev,
					  struct libiommu_hwpt *hwpt)
{
	return dev_attach(dev, __func__, LIBIOMMU_NO_PASID, NULL, hwpt, "hwpt");
}

/* 0 (the RID) and LIBIOMMU_NO_PASID are never PASIDs, on any backend. */
static int check_pasid_value(struct libiommu_dev *dev, const char *fn,
			     uint32_t pasid)
{
	if (pasid >= LU_FIRST_PASID && pasid != LIBIOMMU_NO_PASID)
		return 0;
	return lu_fail(dev ? dev->ctx : NULL, -EINVAL,
		       "%s: %s is not a PASID (0 is the device's RID: use the non-PASID call)",
		       fn, pasid ? "LIBIOMMU_NO_PASID" : "0");
}

LIBIOMMU_API int libiommu_dev_pasid_attach_ioas(struct libiommu_dev *dev,
						uint32_t pasid,
						struct libiommu_ioas *ioas)
{
	int rc = check_pasid_value(dev, __func__, pasid);

	if (rc)
		return rc;
	return dev_attach(dev, __func__, pasid, ioas, NULL, "ioas");
}

LIBIOMMU_API int libiommu_dev_pasid_attach_hwpt(struct libiommu_dev *dev,
						uint32_t pasid,
						struct libiommu_hwpt *hwpt)
{
	int rc = check_pasid_value(dev, __func__, pasid);

	if (rc)
		return rc;
	return dev_attach(dev, __func__, pasid, NULL, hwpt, "hwpt");
}

static int dev_detach(struct libiommu_dev *dev, const char *fn, uint32_t pasid)
{
	struct libiommu_ctx *ctx;
	struct lu_attach *cur;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, fn);
	rc = lu_backend_need(ctx, pasid == LIBIOMMU_NO_PASID ? LU_OP_DEV_DETACH : LU_OP_DEV_PASID_DETACH, fn);
	if (rc)
		return rc;
	rc = need_fd(dev, fn);
	if (rc)
		return rc;
	lu_lock(ctx);
	cur = find_attach(dev, pasid);
	if (!cur) {
		if (pasid == LIBIOMMU_NO_PASID)
			rc = lu_fail(ctx, -ENOENT,
				     "%s: device %" PRIu32 " is not attached (through this handle)",
				     fn, dev->id);
		else
			rc = lu_fail(ctx, -ENOENT,
				     "%s: PASID %" PRIu32 " of device %" PRIu32 " is not attached (through this handle)",
				     fn, pasid, dev->id);
		goto out;
	}
	if (pasid == LIBIOMMU_NO_PASID)
		rc = ctx->ops->dev_detach(dev);
	else
		rc = ctx->ops->dev_pasid_detach(dev, pasid);
	if (rc)
		goto out;
	if (pasid == LIBIOMMU_NO_PASID) {
		put_target(cur);
		dev->rid_attached = false;
	} else {
		drop_pasid(dev, cur);
	}
	lu_dbg(ctx, "device %" PRIu32 " detached", dev->id);
out:
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_dev_detach(struct libiommu_dev *dev)
{
	return dev_detach(dev, __func__, LIBIOMMU_NO_PASID);
}

LIBIOMMU_API int libiommu_dev_pasid_detach(struct libiommu_dev *dev,
					   uint32_t pasid)
{
	if (dev && (pasid < LU_FIRST_PASID || pasid == LIBIOMMU_NO_PASID))
		return lu_fail(dev->ctx, -EINVAL,
			       "%s: %" PRIu32 " is not a PASID (0 is the RID: use libiommu_dev_detach)",
			       __func__, pasid);
	return dev_detach(dev, __func__, pasid);
}

LIBIOMMU_API int libiommu_dev_get_attached(const struct libiommu_dev *dev,
					   uint32_t pasid,
					   struct libiommu_ioas **ioas,
					   struct libiommu_hwpt **hwpt,
					   uint32_t *hwpt_id)
{
	const struct lu_attach *a;
	struct lu_attach copy = { 0 };
	bool found;

	if (!dev)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(dev->ctx, __func__);
	lu_lock(dev->ctx);
	a = find_attach(dev, pasid);
	found = a != NULL;
	if (a)
		copy = *a;
	lu_unlock(dev->ctx);
	if (ioas)
		*ioas = copy.ioas;
	if (hwpt)
		*hwpt = copy.hwpt;
	if (hwpt_id)
		*hwpt_id = copy.hwpt_id;
	return found;
}
