/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iommufd's runtime feature probe: one feature at a time, when first asked,
 * cached per context.  Code paths choose by what the kernel answers here,
 * never by its version string: distributions backport.
 *
 * An iommufd command is probed by issuing it with a buffer whose leading
 * u32 `size` is 4.  The kernel reads that size before anything else and
 * rejects it as below the command's minimum (-EINVAL) when the command
 * exists; an unknown command number is -ENOTTY.  Nothing is created or
 * changed either way.
 */
#include <sys/ioctl.h>

#include "backend/backend.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

struct lu_feature_info {
	const char *name;
	const char *ioctl;     /* what the user would look for in the kernel */
	unsigned char cmds[6]; /* iommufd command numbers; 0 ends the list */
};

static const struct lu_feature_info features[LIBIOMMU_FEAT__COUNT] = {
	[LIBIOMMU_FEAT_IOAS] = { "ioas", "IOMMU_IOAS_ALLOC/MAP/UNMAP/COPY", { LX_IOMMUFD_CMD_IOAS_ALLOC, LX_IOMMUFD_CMD_IOAS_ALLOW_IOVAS, LX_IOMMUFD_CMD_IOAS_COPY, LX_IOMMUFD_CMD_IOAS_IOVA_RANGES, LX_IOMMUFD_CMD_IOAS_MAP, LX_IOMMUFD_CMD_IOAS_UNMAP } },
	[LIBIOMMU_FEAT_OPTION_RLIMIT_MODE] = { "option_rlimit_mode",
					       "IOMMU_OPTION(IOMMU_OPTION_RLIMIT_MODE)",
					       { 0 } },
	[LIBIOMMU_FEAT_OPTION_HUGE_PAGES] = { "option_huge_pages",
					      "IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES)",
					      { 0 } },
	[LIBIOMMU_FEAT_VFIO_COMPAT] = { "vfio_compat",
					"the VFIO type1 compatibility ioctls on /dev/iommu",
					{ 0 } },
	[LIBIOMMU_FEAT_HWPT_ALLOC] = { "hwpt_alloc", "IOMMU_HWPT_ALLOC", { LX_IOMMUFD_CMD_HWPT_ALLOC } },
	[LIBIOMMU_FEAT_GET_HW_INFO] = { "get_hw_info", "IOMMU_GET_HW_INFO", { LX_IOMMUFD_CMD_GET_HW_INFO } },
	[LIBIOMMU_FEAT_DIRTY_TRACKING] = { "dirty_tracking",
					   "IOMMU_HWPT_SET_DIRTY_TRACKING/GET_DIRTY_BITMAP",
					   { LX_IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING,
					     LX_IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP } },
	[LIBIOMMU_FEAT_HWPT_INVALIDATE] = { "hwpt_invalidate",
					    "IOMMU_HWPT_INVALIDATE",
					    { LX_IOMMUFD_CMD_HWPT_INVALIDATE } },
	[LIBIOMMU_FEAT_FAULT_QUEUE] = { "fault_queue",
					"IOMMU_FAULT_QUEUE_ALLOC",
					{ LX_IOMMUFD_CMD_FAULT_QUEUE_ALLOC } },
	[LIBIOMMU_FEAT_IOAS_MAP_FILE] = { "ioas_map_file",
					  "IOMMU_IOAS_MAP_FILE",
					  { LX_IOMMUFD_CMD_IOAS_MAP_FILE } },
	[LIBIOMMU_FEAT_VIOMMU] = { "viommu", "IOMMU_VIOMMU_ALLOC", { LX_IOMMUFD_CMD_VIOMMU_ALLOC } },
	[LIBIOMMU_FEAT_VDEVICE] = { "vdevice", "IOMMU_VDEVICE_ALLOC", { LX_IOMMUFD_CMD_VDEVICE_ALLOC } },
	[LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS] = { "ioas_change_process",
						"IOMMU_IOAS_CHANGE_PROCESS",
						{ LX_IOMMUFD_CMD_IOAS_CHANGE_PROCESS } },
	[LIBIOMMU_FEAT_VEVENTQ] = { "veventq", "IOMMU_VEVENTQ_ALLOC", { LX_IOMMUFD_CMD_VEVENTQ_ALLOC } },
	[LIBIOMMU_FEAT_HW_QUEUE] = { "hw_queue", "IOMMU_HW_QUEUE_ALLOC", { LX_IOMMUFD_CMD_HW_QUEUE_ALLOC } },
	[LIBIOMMU_FEAT_NOIOMMU_GET_PA] = { "noiommu_get_pa",
					   "IOMMU_IOAS_NOIOMMU_GET_PA",
					   { LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA } },
};

/* Does the kernel know iommufd command @nr?  See the comment at the top. */
static bool probe_cmd(const struct libiommu_ctx *ctx, unsigned int nr)
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
static int probe_option(const struct libiommu_ctx *ctx, uint32_t option)
{
	struct lx_iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option,
		.op = LX_IOMMU_OPTION_OP_GET,
		.object_id = 0,
	};

	return lu_ioctl(ctx->fd, LX_IOMMU_OPTION, &cmd);
}

/* Ask the kernel about @feat: true when it has it. */
static bool probe_one(const struct libiommu_ctx *ctx, enum libiommu_feature feat)
{
	const struct lu_feature_info *fi = &features[feat];
	unsigned int i;
	int rc;

	switch (feat) {
	case LIBIOMMU_FEAT_OPTION_RLIMIT_MODE:
		/* RLIMIT_MODE works on object 0, the ctx: a GET succeeds. */
		return probe_option(ctx, LX_IOMMU_OPTION_RLIMIT_MODE) == 0;
	case LIBIOMMU_FEAT_OPTION_HUGE_PAGES:
		/*
		 * HUGE_PAGES is per IOAS; object 0 never exists (ids start at
		 * 1), so a kernel that knows the option answers -ENOENT, one
		 * that does not answers -EOPNOTSUPP.
		 */
		rc = probe_option(ctx, LX_IOMMU_OPTION_HUGE_PAGES);
		return rc == 0 || rc == -ENOENT;
	case LIBIOMMU_FEAT_VFIO_COMPAT:
		/* Without the compat layer this is an unknown ioctl (-ENOTTY). */
		return lu_ioctl(ctx->fd, LX_VFIO_GET_API_VERSION, NULL) >= 0;
	case LIBIOMMU_FEAT_NOIOMMU_GET_PA: {
		/*
		 * The kernel always knows NOIOMMU_GET_PA but answers -EOPNOTSUPP
		 * to every call when built without CONFIG_IOMMUFD_NOIOMMU.
		 * With it, a well-formed call on object 0 fails -ENOENT (or
		 * -EPERM without CAP_SYS_RAWIO) before touching anything.
		 */
		struct lx_iommu_ioas_noiommu_get_pa pa = {
			.size = sizeof(pa),
			.ioas_id = 0,
			.length = 1,
		};

		return probe_cmd(ctx, LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA) &&
		       lu_ioctl(ctx->fd, LX_IOMMU_IOAS_NOIOMMU_GET_PA, &pa) !=
			       -EOPNOTSUPP;
	}
	default:
		for (i = 0; i < ARRAY_SIZE(fi->cmds) && fi->cmds[i]; i++)
			if (!probe_cmd(ctx, fi->cmds[i]))
				return false;
		return fi->cmds[0] != 0;
	}
}

int lu_iommufd_probe(struct libiommu_ctx *ctx, enum libiommu_feature feat)
{
	uint64_t bit = UINT64_C(1) << feat;
	bool present;

	if (__atomic_load_n(&ctx->feat_probed, __ATOMIC_ACQUIRE) & bit)
		return !!(__atomic_load_n(&ctx->feat_present, __ATOMIC_RELAXED) & bit);
	/* Two threads may both ask; the kernel gives both the same answer. */
	present = probe_one(ctx, feat);
	if (present)
		__atomic_fetch_or(&ctx->feat_present, bit, __ATOMIC_RELAXED);
	__atomic_fetch_or(&ctx->feat_probed, bit, __ATOMIC_RELEASE);
	lu_dbg(ctx, "feature %s: %s", features[feat].name,
	       present ? "present" : "absent");
	return present;
}

const char *lu_feature_name(enum libiommu_feature feat)
{
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return NULL;
	return features[feat].name;
}

const char *lu_feature_ioctl(enum libiommu_feature feat)
{
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return NULL;
	return features[feat].ioctl;
}
