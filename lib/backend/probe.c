/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runtime feature probing, once per context.  Code paths choose by what the
 * kernel answers here, never by its version string: distributions backport.
 *
 * An iommufd command is probed by issuing it with a buffer whose leading
 * u32 `size` is 4.  The kernel reads that size before anything else and
 * rejects it as below the command's minimum (-EINVAL) when the command
 * exists; an unknown command number is -ENOTTY.  Nothing is created or
 * changed either way.
 */
#include <sys/ioctl.h>

#include "internal.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

struct lu_feature_info {
	const char *name;
	const char *ioctl;	/* what the user would look for in the kernel */
	unsigned char cmds[6];	/* iommufd command numbers; 0 ends the list */
};

static const struct lu_feature_info features[LIBIOMMU_FEAT__COUNT] = {
	[LIBIOMMU_FEAT_IOAS] = { "ioas", "IOMMU_IOAS_ALLOC/MAP/UNMAP/COPY",
		{ LX_IOMMUFD_CMD_IOAS_ALLOC, LX_IOMMUFD_CMD_IOAS_ALLOW_IOVAS,
		  LX_IOMMUFD_CMD_IOAS_COPY, LX_IOMMUFD_CMD_IOAS_IOVA_RANGES,
		  LX_IOMMUFD_CMD_IOAS_MAP, LX_IOMMUFD_CMD_IOAS_UNMAP } },
	[LIBIOMMU_FEAT_OPTION_RLIMIT_MODE] = { "option_rlimit_mode",
		"IOMMU_OPTION(IOMMU_OPTION_RLIMIT_MODE)", { 0 } },
	[LIBIOMMU_FEAT_OPTION_HUGE_PAGES] = { "option_huge_pages",
		"IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES)", { 0 } },
	[LIBIOMMU_FEAT_VFIO_COMPAT] = { "vfio_compat",
		"the VFIO type1 compatibility ioctls on /dev/iommu", { 0 } },
	[LIBIOMMU_FEAT_HWPT_ALLOC] = { "hwpt_alloc", "IOMMU_HWPT_ALLOC",
		{ LX_IOMMUFD_CMD_HWPT_ALLOC } },
	[LIBIOMMU_FEAT_GET_HW_INFO] = { "get_hw_info", "IOMMU_GET_HW_INFO",
		{ LX_IOMMUFD_CMD_GET_HW_INFO } },
	[LIBIOMMU_FEAT_DIRTY_TRACKING] = { "dirty_tracking",
		"IOMMU_HWPT_SET_DIRTY_TRACKING/GET_DIRTY_BITMAP",
		{ LX_IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING,
		  LX_IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP } },
	[LIBIOMMU_FEAT_HWPT_INVALIDATE] = { "hwpt_invalidate",
		"IOMMU_HWPT_INVALIDATE", { LX_IOMMUFD_CMD_HWPT_INVALIDATE } },
	[LIBIOMMU_FEAT_FAULT_QUEUE] = { "fault_queue",
		"IOMMU_FAULT_QUEUE_ALLOC", { LX_IOMMUFD_CMD_FAULT_QUEUE_ALLOC } },
	[LIBIOMMU_FEAT_IOAS_MAP_FILE] = { "ioas_map_file",
		"IOMMU_IOAS_MAP_FILE", { LX_IOMMUFD_CMD_IOAS_MAP_FILE } },
	[LIBIOMMU_FEAT_VIOMMU] = { "viommu", "IOMMU_VIOMMU_ALLOC",
		{ LX_IOMMUFD_CMD_VIOMMU_ALLOC } },
	[LIBIOMMU_FEAT_VDEVICE] = { "vdevice", "IOMMU_VDEVICE_ALLOC",
		{ LX_IOMMUFD_CMD_VDEVICE_ALLOC } },
	[LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS] = { "ioas_change_process",
		"IOMMU_IOAS_CHANGE_PROCESS",
		{ LX_IOMMUFD_CMD_IOAS_CHANGE_PROCESS } },
	[LIBIOMMU_FEAT_VEVENTQ] = { "veventq", "IOMMU_VEVENTQ_ALLOC",
		{ LX_IOMMUFD_CMD_VEVENTQ_ALLOC } },
	[LIBIOMMU_FEAT_HW_QUEUE] = { "hw_queue", "IOMMU_HW_QUEUE_ALLOC",
		{ LX_IOMMUFD_CMD_HW_QUEUE_ALLOC } },
	[LIBIOMMU_FEAT_NOIOMMU_GET_PA] = { "noiommu_get_pa",
		"IOMMU_IOAS_NOIOMMU_GET_PA",
		{ LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA } },
};

int lu_ioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do {
		rc = ioctl(fd, req, arg);
	} while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc;
}

/* Does the kernel know iommufd command @nr?  See the comment at the top. */
static bool lu_probe_cmd(const struct libiommu_ctx *ctx, unsigned int nr)
{
	/* Room for any command, in case a kernel ignored the size: none does. */
	uint64_t buf[16] = { 0 };
	uint32_t size = 4;
	int rc;

	memcpy(buf, &size, sizeof(size));
	rc = lu_ioctl(ctx->fd, _IO(LX_IOMMUFD_TYPE, nr), buf);
	if (rc != -EINVAL && rc != -ENOTTY)
		lu_dbg(ctx, "probe of iommufd command 0x%x: unexpected answer %d (%s); taken as absent",
		       nr, rc, strerror(-rc));
	return rc == -EINVAL;
}

/* IOMMU_OPTION GET of @option on object 0 (the ctx itself). */
static int lu_probe_option(const struct libiommu_ctx *ctx, uint32_t option)
{
	struct lx_iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option,
		.op = LX_IOMMU_OPTION_OP_GET,
		.object_id = 0,
	};

	return lu_ioctl(ctx->fd, LX_IOMMU_OPTION, &cmd);
}

void lu_probe(struct libiommu_ctx *ctx)
{
	uint64_t found = 0;
	unsigned int f, i;
	int rc;

	if (ctx->probed)
		return;

	for (f = 0; f < LIBIOMMU_FEAT__COUNT; f++) {
		const struct lu_feature_info *fi = &features[f];
		bool all = fi->cmds[0] != 0;

		for (i = 0; i < ARRAY_SIZE(fi->cmds) && fi->cmds[i]; i++)
			all = all && lu_probe_cmd(ctx, fi->cmds[i]);
		if (all)
			found |= UINT64_C(1) << f;
	}

	/* RLIMIT_MODE works on object 0, the ctx: a GET succeeds. */
	if (lu_probe_option(ctx, LX_IOMMU_OPTION_RLIMIT_MODE) == 0)
		found |= UINT64_C(1) << LIBIOMMU_FEAT_OPTION_RLIMIT_MODE;

	/*
	 * HUGE_PAGES is per IOAS; object 0 never exists (ids start at 1), so
	 * a kernel that knows the option answers -ENOENT, one that does not
	 * answers -EOPNOTSUPP.
	 */
	rc = lu_probe_option(ctx, LX_IOMMU_OPTION_HUGE_PAGES);
	if (rc == 0 || rc == -ENOENT)
		found |= UINT64_C(1) << LIBIOMMU_FEAT_OPTION_HUGE_PAGES;

	/*
	 * The kernel always knows NOIOMMU_GET_PA but answers -EOPNOTSUPP to
	 * every call when built without CONFIG_IOMMUFD_NOIOMMU.  With it, a
	 * well-formed call on object 0 fails -ENOENT (or -EPERM without
	 * CAP_SYS_RAWIO) before touching anything.
	 */
	if (found & (UINT64_C(1) << LIBIOMMU_FEAT_NOIOMMU_GET_PA)) {
		struct lx_iommu_ioas_noiommu_get_pa pa = {
			.size = sizeof(pa),
			.ioas_id = 0,
			.length = 1,
		};

		if (lu_ioctl(ctx->fd, LX_IOMMU_IOAS_NOIOMMU_GET_PA, &pa) ==
		    -EOPNOTSUPP)
			found &= ~(UINT64_C(1) << LIBIOMMU_FEAT_NOIOMMU_GET_PA);
	}

	/* Without the compat layer this is an unknown ioctl (-ENOTTY). */
	if (lu_ioctl(ctx->fd, LX_VFIO_GET_API_VERSION, NULL) >= 0)
		found |= UINT64_C(1) << LIBIOMMU_FEAT_VFIO_COMPAT;

	ctx->features = found;
	ctx->probed = true;

	for (f = 0; f < LIBIOMMU_FEAT__COUNT; f++)
		lu_dbg(ctx, "feature %s: %s", features[f].name,
		       (found >> f) & 1 ? "present" : "absent");
}

LIBIOMMU_API int libiommu_ctx_has_feature(struct libiommu_ctx *ctx,
					  enum libiommu_feature feat)
{
	if (!ctx)
		return lu_ret(-EINVAL);
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return lu_fail(ctx, -EINVAL,
			       "libiommu_ctx_has_feature: unknown feature %d (this libiommu knows 0..%d)",
			       (int)feat, LIBIOMMU_FEAT__COUNT - 1);
	lu_probe(ctx);
	return (ctx->features >> feat) & 1;
}

LIBIOMMU_API const char *libiommu_feature_name(enum libiommu_feature feat)
{
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return NULL;
	return features[feat].name;
}

int lu_need_feature(struct libiommu_ctx *ctx, enum libiommu_feature feat,
		    const char *what)
{
	if (!ctx || (unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return lu_ret(-EINVAL);
	if (!lu_is_iommufd(ctx))
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s is not available on the %s backend: it needs iommufd's \"%s\" (%s); create the context with LIBIOMMU_BACKEND_IOMMUFD",
			       what, ctx->ops->name, features[feat].name,
			       features[feat].ioctl);
	if (libiommu_ctx_has_feature(ctx, feat) == 1)
		return 0;
	return lu_fail(ctx, -EOPNOTSUPP,
		       "%s needs feature \"%s\" (%s), which the running kernel's iommufd does not have: a newer kernel is needed",
		       what, features[feat].name, features[feat].ioctl);
}
