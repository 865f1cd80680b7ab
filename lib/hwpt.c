// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hardware page tables (HWPTs): IOMMU_HWPT_ALLOC, dirty tracking, nested
 * cache invalidation.
 *
 * A paging HWPT is an IOMMU domain that mirrors an IOAS; a nested HWPT is a
 * guest-owned stage-1 table on top of a nest-parent paging HWPT.  Handles
 * count their users (attached devices, nested children) so that destroy
 * can refuse with -EBUSY before the kernel has to.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "uapi/iommufd.h"

#define FAIL(ctx, err, ...) lu_ret(lu_fail(ctx, err, __VA_ARGS__))

#define HWPT_KNOWN_FLAGS \
	(LIBIOMMU_HWPT_NEST_PARENT | LIBIOMMU_HWPT_DIRTY_TRACKING | LIBIOMMU_HWPT_PASID)

_Static_assert(LIBIOMMU_HWPT_DATA_VTD_S1 == LX_IOMMU_HWPT_DATA_VTD_S1 &&
	       LIBIOMMU_HWPT_DATA_ARM_SMMUV3 == LX_IOMMU_HWPT_DATA_ARM_SMMUV3 &&
	       LIBIOMMU_HWPT_DATA_AMD_GUEST == LX_IOMMU_HWPT_DATA_AMD_GUEST &&
	       LIBIOMMU_HWPT_INVALIDATE_DATA_VTD_S1 == LX_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
	       "HWPT data types must be the kernel's");

#define CHECK_HWPT(hwpt, fn)                                              \
	do {                                                              \
		if (!(hwpt))                                              \
			return FAIL(NULL, EINVAL, fn ": hwpt is NULL");    \
	} while (0)

static int destroy_object(struct libiommu_ctx *ctx, uint32_t id)
{
	struct lx_iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return lu_ioctl(ctx->fd, LX_IOMMU_DESTROY, &cmd);
}

/* Drop the references the HWPT holds on what it was made from. */
static void release(struct libiommu_hwpt *hwpt)
{
	if (hwpt->ioas && hwpt->ioas->users)
		hwpt->ioas->users--;
	if (hwpt->parent && hwpt->parent->users)
		hwpt->parent->users--;
	free(hwpt);
}

/* On a borrowed iommufd the kernel objects outlive the context: destroy them. */
static void destroy_and_release(struct libiommu_hwpt *hwpt)
{
	if (!hwpt->ctx->owns_fd)
		destroy_object(hwpt->ctx, hwpt->id);
	release(hwpt);
}

void lu_hwpt_free_all(struct libiommu_ctx *ctx)
{
	/* Newest first: nested HWPTs go before their parents. */
	LU_LIST_RELEASE_ALL(ctx->hwpt_list, destroy_and_release);
}

/* ---- allocation ------------------------------------------------------------- */

static uint32_t to_kernel_flags(uint32_t flags)
{
	uint32_t k = 0;

	if (flags & LIBIOMMU_HWPT_NEST_PARENT)
		k |= LX_IOMMU_HWPT_ALLOC_NEST_PARENT;
	if (flags & LIBIOMMU_HWPT_DIRTY_TRACKING)
		k |= LX_IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	if (flags & LIBIOMMU_HWPT_PASID)
		k |= LX_IOMMU_HWPT_ALLOC_PASID;
	return k;
}

/* Name the flags that an IOMMU may not support, for messages. */
static void flag_names(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 flags & LIBIOMMU_HWPT_NEST_PARENT ? " NEST_PARENT" : "",
		 flags & LIBIOMMU_HWPT_DIRTY_TRACKING ? " DIRTY_TRACKING" : "",
		 flags & LIBIOMMU_HWPT_PASID ? " PASID" : "");
}

static int fail_alloc(struct libiommu_dev *dev, int rc, const char *what,
		      uint32_t pt_id, uint32_t flags, uint32_t data_type)
{
	struct libiommu_ctx *ctx = dev->ctx;
	char names[64];

	flag_names(flags, names, sizeof(names));
	switch (-rc) {
	case EOPNOTSUPP:
		return FAIL(ctx, EOPNOTSUPP,
			    "IOMMU_HWPT_ALLOC: the IOMMU of device %" PRIu32 " cannot make a %s HWPT with flags [%s ] and data type %" PRIu32 " (dirty tracking needs hardware dirty bits, nest parent needs nesting support: see libiommu_dev_get_hw_info())",
			    dev->id, what, names, data_type);
	case ENOENT:
		return FAIL(ctx, ENOENT,
			    "IOMMU_HWPT_ALLOC: device %" PRIu32 " or object %" PRIu32 " does not exist in the kernel any more",
			    dev->id, pt_id);
	case EINVAL:
		return FAIL(ctx, EINVAL,
			    "IOMMU_HWPT_ALLOC: the kernel rejected a %s HWPT on object %" PRIu32 " for device %" PRIu32 " (flags [%s ], data type %" PRIu32 "): invalid driver data, or a parent that is not a nest parent of this IOMMU",
			    what, pt_id, dev->id, names, data_type);
	case ENOMEM:
		return FAIL(ctx, ENOMEM,
			    "IOMMU_HWPT_ALLOC: out of memory (mapping the IOAS into a new HWPT pins its pages against RLIMIT_MEMLOCK)");
	default:
		return FAIL(ctx, -rc, "IOMMU_HWPT_ALLOC for device %" PRIu32 " failed: %s",
			    dev->id, strerror(-rc));
	}
}

/* Common checks of the opts; fills the kernel command's flags and data. */
static int prepare(struct libiommu_ctx *ctx, const char *fn,
		   const struct libiommu_hwpt_opts *opts,
		   struct lx_iommu_hwpt_alloc *cmd, uint32_t *flags)
{
	const void *data = LU_OPTS_GET(opts, data, NULL);
	size_t data_len = LU_OPTS_GET(opts, data_len, 0);
	uint32_t data_type = LU_OPTS_GET(opts, data_type, 0);
	int rc;

	rc = LU_OPTS_CHECK(ctx, opts, libiommu_hwpt_opts);
	if (rc)
		return lu_ret(rc);
	*flags = LU_OPTS_GET(opts, flags, 0);
	if (*flags & ~HWPT_KNOWN_FLAGS)
		return FAIL(ctx, EINVAL, "%s: unknown flag bits 0x%" PRIx32, fn,
			    *flags & ~HWPT_KNOWN_FLAGS);
	if (data_type == LIBIOMMU_HWPT_DATA_NONE && (data || data_len))
		return FAIL(ctx, EINVAL,
			    "%s: data given but data_type is LIBIOMMU_HWPT_DATA_NONE", fn);
	if (data_type != LIBIOMMU_HWPT_DATA_NONE && (!data || !data_len))
		return FAIL(ctx, EINVAL,
			    "%s: data_type %" PRIu32 " needs data and data_len", fn,
			    data_type);
	if (data_len > UINT32_MAX)
		return FAIL(ctx, EINVAL, "%s: data_len %zu is too large", fn,
			    data_len);
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_HWPT_ALLOC, "IOMMU_HWPT_ALLOC");
	if (rc)
		return lu_ret(rc);
	if (*flags & LIBIOMMU_HWPT_DIRTY_TRACKING) {
		rc = lu_need_feature(ctx, LIBIOMMU_FEAT_DIRTY_TRACKING,
				     "LIBIOMMU_HWPT_DIRTY_TRACKING");
		if (rc)
			return lu_ret(rc);
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->flags = to_kernel_flags(*flags);
	cmd->data_type = data_type;
	cmd->data_len = (uint32_t)data_len;
	cmd->data_uptr = (uintptr_t)data;
	return 0;
}

static int create(struct libiommu_dev *dev, struct lx_iommu_hwpt_alloc *cmd,
		  uint32_t flags, struct libiommu_ioas *ioas,
		  struct libiommu_hwpt *parent, struct libiommu_hwpt **out)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct libiommu_hwpt *hwpt;
	int rc;

	hwpt = calloc(1, sizeof(*hwpt));
	if (!hwpt)
		return FAIL(ctx, ENOMEM, "out of memory for a HWPT handle");
	cmd->dev_id = dev->id;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_ALLOC, cmd);
	if (rc) {
		free(hwpt);
		return fail_alloc(dev, rc, parent ? "nested" : "paging",
				  cmd->pt_id, flags, cmd->data_type);
	}
	hwpt->ctx = ctx;
	hwpt->id = cmd->out_hwpt_id;
	hwpt->flags = flags;
	hwpt->nested = parent != NULL;
	hwpt->ioas = ioas;
	hwpt->parent = parent;
	if (ioas)
		ioas->users++;
	if (parent)
		parent->users++;
	LU_LIST_PUSH(hwpt->ctx->hwpt_list, hwpt);
	lu_dbg(ctx, "allocated %s HWPT %" PRIu32 " on %s %" PRIu32,
	       parent ? "nested" : "paging", hwpt->id, parent ? "HWPT" : "IOAS",
	       cmd->pt_id);
	*out = hwpt;
	return 0;
}

/*
 * The checks both allocators start with: a device, an out pointer (cleared),
 * and the argument @arg (an @what with id @target_id) in the device's
 * context.  Fills *ctxp; 0 or a logged -errno.
 */
static int alloc_args(struct libiommu_dev *dev, struct libiommu_hwpt **out,
		      const char *arg, const void *target, const char *what,
		      uint32_t target_id, const struct libiommu_ctx *target_ctx,
		      const char *fn, struct libiommu_ctx **ctxp)
{
	struct libiommu_ctx *ctx;

	if (!dev)
		return FAIL(NULL, EINVAL, "%s: dev is NULL", fn);
	*ctxp = ctx = dev->ctx;
	if (!out)
		return FAIL(ctx, EINVAL, "%s: out is NULL", fn);
	*out = NULL;
	if (!target)
		return FAIL(ctx, EINVAL, "%s: %s is NULL", fn, arg);
	if (target_ctx != ctx)
		return FAIL(ctx, EXDEV,
			    "%s: %s %" PRIu32 " belongs to another context (iommufd) than device %" PRIu32,
			    fn, what, target_id, dev->id);
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_alloc(struct libiommu_dev *dev,
				     struct libiommu_ioas *ioas,
				     const struct libiommu_hwpt_opts *opts,
				     struct libiommu_hwpt **out)
{
	static const char fn[] = "libiommu_hwpt_alloc";
	struct lx_iommu_hwpt_alloc cmd;
	struct libiommu_ctx *ctx;
	uint32_t flags;
	int rc;

	rc = alloc_args(dev, out, "ioas", ioas, "IOAS", ioas ? ioas->id : 0,
			ioas ? ioas->ctx : NULL, fn, &ctx);
	if (rc)
		return rc;
	rc = prepare(ctx, fn, opts, &cmd, &flags);
	if (rc)
		return rc;
	cmd.pt_id = ioas->id;
	return create(dev, &cmd, flags, ioas, NULL, out);
}

LIBIOMMU_API int libiommu_hwpt_alloc_nested(struct libiommu_dev *dev,
					    struct libiommu_hwpt *parent,
					    const struct libiommu_hwpt_opts *opts,
					    struct libiommu_hwpt **out)
{
	static const char fn[] = "libiommu_hwpt_alloc_nested";
	struct lx_iommu_hwpt_alloc cmd;
	struct libiommu_ctx *ctx;
	uint32_t flags;
	int rc;

	rc = alloc_args(dev, out, "parent", parent, "HWPT", parent ? parent->id : 0,
			parent ? parent->ctx : NULL, fn, &ctx);
	if (rc)
		return rc;
	if (parent->nested || !(parent->flags & LIBIOMMU_HWPT_NEST_PARENT))
		return FAIL(ctx, EINVAL,
			    "%s: HWPT %" PRIu32 " is not a nest parent (allocate it with LIBIOMMU_HWPT_NEST_PARENT)",
			    fn, parent->id);
	if (!opts || LU_OPTS_GET(opts, data_type, 0) == LIBIOMMU_HWPT_DATA_NONE)
		return FAIL(ctx, EINVAL,
			    "%s: a nested HWPT needs driver data (opts->data_type, data, data_len) describing its stage-1 table",
			    fn);
	rc = prepare(ctx, fn, opts, &cmd, &flags);
	if (rc)
		return rc;
	if (flags & ~LIBIOMMU_HWPT_PASID)
		return FAIL(ctx, EINVAL,
			    "%s: only LIBIOMMU_HWPT_PASID applies to a nested HWPT (flags 0x%" PRIx32 ")",
			    fn, flags);
	cmd.pt_id = parent->id;
	return create(dev, &cmd, flags, NULL, parent, out);
}

LIBIOMMU_API int libiommu_hwpt_destroy(struct libiommu_hwpt *hwpt)
{
	struct libiommu_ctx *ctx;
	int rc;

	if (!hwpt)
		return 0;
	ctx = hwpt->ctx;
	if (hwpt->users)
		return FAIL(ctx, EBUSY,
			    "libiommu_hwpt_destroy: HWPT %" PRIu32 " is still used by %u device attachment(s)/nested HWPT(s); detach or destroy them first",
			    hwpt->id, hwpt->users);
	rc = destroy_object(ctx, hwpt->id);
	if (rc == -EBUSY)
		return FAIL(ctx, EBUSY,
			    "IOMMU_DESTROY: the kernel says HWPT %" PRIu32 " is still in use (a device or object attached outside this library); detach it first",
			    hwpt->id);
	if (rc == -ENOENT)
		lu_warn(ctx, "IOMMU_DESTROY: HWPT %" PRIu32 " was already destroyed outside the library",
			hwpt->id);
	else if (rc)
		return FAIL(ctx, -rc, "IOMMU_DESTROY of HWPT %" PRIu32 " failed: %s",
			    hwpt->id, strerror(-rc));
	LU_LIST_UNLINK(hwpt->ctx->hwpt_list, hwpt);
	lu_dbg(ctx, "destroyed HWPT %" PRIu32, hwpt->id);
	release(hwpt);
	return 0;
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
	int rc;

	if (hwpt->nested)
		return FAIL(ctx, EINVAL,
			    "%s: HWPT %" PRIu32 " is nested; dirty tracking works on paging HWPTs (its parent)",
			    fn, hwpt->id);
	if (!(hwpt->flags & LIBIOMMU_HWPT_DIRTY_TRACKING))
		return FAIL(ctx, EINVAL,
			    "%s: HWPT %" PRIu32 " was not allocated with LIBIOMMU_HWPT_DIRTY_TRACKING",
			    fn, hwpt->id);
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_DIRTY_TRACKING, fn);
	return rc ? lu_ret(rc) : 0;
}

LIBIOMMU_API int libiommu_hwpt_set_dirty_tracking(struct libiommu_hwpt *hwpt,
						  bool enable)
{
	static const char fn[] = "libiommu_hwpt_set_dirty_tracking";
	struct lx_iommu_hwpt_set_dirty_tracking cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_HWPT(hwpt, "libiommu_hwpt_set_dirty_tracking");
	ctx = hwpt->ctx;
	rc = check_dirty_hwpt(hwpt, fn);
	if (rc)
		return rc;
	cmd.flags = enable ? LX_IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
	cmd.hwpt_id = hwpt->id;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
	if (rc == -EOPNOTSUPP)
		return FAIL(ctx, EOPNOTSUPP,
			    "IOMMU_HWPT_SET_DIRTY_TRACKING: the IOMMU domain of HWPT %" PRIu32 " has no dirty tracking",
			    hwpt->id);
	if (rc)
		return FAIL(ctx, -rc,
			    "IOMMU_HWPT_SET_DIRTY_TRACKING(%s) on HWPT %" PRIu32 " failed: %s",
			    enable ? "on" : "off", hwpt->id, strerror(-rc));
	lu_dbg(ctx, "HWPT %" PRIu32 ": dirty tracking %s", hwpt->id,
	       enable ? "on" : "off");
	return 0;
}

LIBIOMMU_API int libiommu_hwpt_get_dirty_bitmap(struct libiommu_hwpt *hwpt,
						uint64_t iova, uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags)
{
	static const char fn[] = "libiommu_hwpt_get_dirty_bitmap";
	struct lx_iommu_hwpt_get_dirty_bitmap cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	uint64_t nbits, words;
	int rc;

	CHECK_HWPT(hwpt, "libiommu_hwpt_get_dirty_bitmap");
	ctx = hwpt->ctx;
	rc = lu_check_dirty_args(ctx, fn, iova, length, page_size, bitmap,
				 flags);
	if (rc)
		return rc;
	rc = check_dirty_hwpt(hwpt, fn);
	if (rc)
		return rc;

	/* The kernel only sets bits: start from a clean bitmap. */
	nbits = length / page_size;
	words = (nbits + 63) / 64;
	memset(bitmap, 0, (size_t)words * sizeof(uint64_t));

	cmd.hwpt_id = hwpt->id;
	cmd.flags = (flags & LIBIOMMU_DIRTY_NO_CLEAR) ?
			    LX_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0;
	cmd.iova = iova;
	cmd.length = length;
	cmd.page_size = page_size;
	cmd.data = (uintptr_t)bitmap;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
	switch (-rc) {
	case 0:
		return 0;
	case EINVAL:
		return FAIL(ctx, EINVAL,
			    "IOMMU_HWPT_GET_DIRTY_BITMAP: [0x%" PRIx64 ", 0x%" PRIx64 "] of HWPT %" PRIu32 " is not aligned to its IOAS's IOVA alignment (see libiommu_ioas_get_ranges())",
			    iova, iova + length - 1, hwpt->id);
	case EOPNOTSUPP:
		return FAIL(ctx, EOPNOTSUPP,
			    "IOMMU_HWPT_GET_DIRTY_BITMAP: the IOMMU domain of HWPT %" PRIu32 " cannot report dirty pages",
			    hwpt->id);
	case EOVERFLOW:
		return FAIL(ctx, EOVERFLOW,
			    "IOMMU_HWPT_GET_DIRTY_BITMAP: [0x%" PRIx64 ", +0x%" PRIx64 ") is beyond what the kernel can address",
			    iova, length);
	default:
		return FAIL(ctx, -rc,
			    "IOMMU_HWPT_GET_DIRTY_BITMAP on HWPT %" PRIu32 " failed: %s",
			    hwpt->id, strerror(-rc));
	}
}

/* ---- cache invalidation ------------------------------------------------------ */

LIBIOMMU_API int libiommu_hwpt_invalidate(struct libiommu_hwpt *hwpt,
					  uint32_t data_type,
					  const void *entries,
					  uint32_t entry_len,
					  uint32_t *entry_num)
{
	static const char fn[] = "libiommu_hwpt_invalidate";
	struct lx_iommu_hwpt_invalidate cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	uint32_t n;
	int rc;

	CHECK_HWPT(hwpt, "libiommu_hwpt_invalidate");
	ctx = hwpt->ctx;
	if (!entry_num)
		return FAIL(ctx, EINVAL, "%s: entry_num is NULL", fn);
	n = *entry_num;
	*entry_num = 0;
	if (n && (!entries || !entry_len))
		return FAIL(ctx, EINVAL,
			    "%s: %" PRIu32 " entries but entries is NULL or entry_len is 0",
			    fn, n);
	if (!hwpt->nested)
		return FAIL(ctx, EINVAL,
			    "%s: HWPT %" PRIu32 " is a paging HWPT; only nested HWPTs have caches user space invalidates",
			    fn, hwpt->id);
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_HWPT_INVALIDATE,
			     "IOMMU_HWPT_INVALIDATE");
	if (rc)
		return lu_ret(rc);

	cmd.hwpt_id = hwpt->id;
	cmd.data_uptr = (uintptr_t)entries;
	cmd.data_type = data_type;
	cmd.entry_len = entry_len;
	cmd.entry_num = n;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_INVALIDATE, &cmd);
	/* The kernel reports how far it got, also on failure. */
	*entry_num = cmd.entry_num <= n ? cmd.entry_num : 0;
	switch (-rc) {
	case 0:
		return 0;
	case EINVAL:
		return FAIL(ctx, EINVAL,
			    "IOMMU_HWPT_INVALIDATE on HWPT %" PRIu32 ": entry %" PRIu32 " of %" PRIu32 " (or the data type %" PRIu32 ", or entry_len %" PRIu32 ") was rejected by the driver",
			    hwpt->id, *entry_num, n, data_type, entry_len);
	case EOPNOTSUPP:
		return FAIL(ctx, EOPNOTSUPP,
			    "IOMMU_HWPT_INVALIDATE on HWPT %" PRIu32 ": the driver does not support this data type (%" PRIu32 ") or entry %" PRIu32 "'s flags",
			    hwpt->id, data_type, *entry_num);
	default:
		return FAIL(ctx, -rc,
			    "IOMMU_HWPT_INVALIDATE on HWPT %" PRIu32 " failed after %" PRIu32 " of %" PRIu32 " entries: %s",
			    hwpt->id, *entry_num, n, strerror(-rc));
	}
}
