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
 *
 * Nothing is probed before it is asked: a context is created without an
 * ioctl, and a call that needs a feature issues its own command and reads
 * ENOTTY as "absent" (lib/backend/iommufd.c).  What still asks here is
 * libiommu_ctx_has_feature() and the few decisions that must be taken
 * before the command they choose (whether the library can place a device
 * on a HWPT of its own).
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

static const struct lu_feature_info feature_table[LIBIOMMU_FEAT__COUNT] = {
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

/*
 * The answer of a probe: present, absent, or refused before it reached the
 * kernel (a seccomp filter or a security module returned EPERM or EACCES,
 * which iommufd never answers to these requests).  A refusal is not
 * cached: the feature is still unknown.
 */
#define PRESENT 1
#define ABSENT 0

/* Does the kernel know iommufd command @nr?  See the comment at the top. */
static int probe_cmd(const struct libiommu_ctx *ctx, unsigned int nr)
{
	/* Room for any command, in case a kernel ignored the size: none does. */
	uint64_t buf[16] = { 0 };
	uint32_t size = 4;
	int rc;

	memcpy(buf, &size, sizeof(size));
	rc = lu_ioctl(ctx->fd, _IO(LX_IOMMUFD_TYPE, nr), buf);
	if (rc == -EINVAL)
		return PRESENT;
	if (lu_refused(rc))
		return rc;
	if (rc != -ENOTTY)
		lu_dbg(ctx, "probe of iommufd command 0x%x: unexpected answer %d (%s); taken as absent",
		       nr, rc, strerror(-rc));
	return ABSENT;
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

/* PRESENT, ABSENT or the refusal (-EPERM, -EACCES) of an answer @rc. */
static int probe_answer(int rc, bool present)
{
	if (present)
		return PRESENT;
	return lu_refused(rc) ? rc : ABSENT;
}

/* Ask the kernel about @feat: PRESENT, ABSENT or a refusal. */
static int probe_one(const struct libiommu_ctx *ctx, enum libiommu_feature feat)
{
	const struct lu_feature_info *fi = &feature_table[feat];
	unsigned int i;
	int rc;

	switch (feat) {
	case LIBIOMMU_FEAT_OPTION_RLIMIT_MODE:
		/* RLIMIT_MODE works on object 0, the ctx: a GET succeeds. */
		rc = probe_option(ctx, LX_IOMMU_OPTION_RLIMIT_MODE);
		return probe_answer(rc, rc == 0);
	case LIBIOMMU_FEAT_OPTION_HUGE_PAGES:
		/*
		 * HUGE_PAGES is per IOAS; object 0 never exists (ids start at
		 * 1), so a kernel that knows the option answers -ENOENT, one
		 * that does not answers -EOPNOTSUPP.
		 */
		rc = probe_option(ctx, LX_IOMMU_OPTION_HUGE_PAGES);
		return probe_answer(rc, rc == 0 || rc == -ENOENT);
	case LIBIOMMU_FEAT_VFIO_COMPAT:
		/* Without the compat layer this is an unknown ioctl (-ENOTTY). */
		rc = lu_ioctl(ctx->fd, LX_VFIO_GET_API_VERSION, NULL);
		return probe_answer(rc, rc >= 0);
	case LIBIOMMU_FEAT_NOIOMMU_GET_PA: {
		/*
		 * The kernel always knows NOIOMMU_GET_PA but answers -EOPNOTSUPP
		 * to every call when built without CONFIG_IOMMUFD_NOIOMMU.
		 * With it, a well-formed call on object 0 fails -ENOENT (or
		 * -EPERM without CAP_SYS_RAWIO: a real answer here, after the
		 * command itself went through) before touching anything.
		 */
		struct lx_iommu_ioas_noiommu_get_pa pa = {
			.size = sizeof(pa),
			.ioas_id = 0,
			.length = 1,
		};

		rc = probe_cmd(ctx, LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA);
		if (rc != PRESENT)
			return rc;
		rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_NOIOMMU_GET_PA, &pa);
		return rc == -EOPNOTSUPP ? ABSENT : PRESENT;
	}
	default:
		for (i = 0; i < LU_ARRAY_SIZE(fi->cmds) && fi->cmds[i]; i++) {
			rc = probe_cmd(ctx, fi->cmds[i]);
			if (rc != PRESENT)
				return rc;
		}
		return fi->cmds[0] != 0 ? PRESENT : ABSENT;
	}
}

int lu_iommufd_probe(struct libiommu_ctx *ctx, enum libiommu_feature feat)
{
	uint64_t bit = UINT64_C(1) << feat;
	int rc;

	if (__atomic_load_n(&ctx->feat_probed, __ATOMIC_ACQUIRE) & bit)
		return !!(__atomic_load_n(&ctx->feat_present, __ATOMIC_RELAXED) & bit);
	/* Two threads may both ask; the kernel gives both the same answer. */
	rc = probe_one(ctx, feat);
	if (rc < 0)
		return lu_fail(ctx, rc,
			       "the probe of feature \"%s\" (%s) was refused (%s) before it reached the kernel, which never answers it so: a seccomp filter or a security module (LSM) of this process refuses the ioctl; the feature stays unknown (not cached) until the probe is allowed",
			       feature_table[feat].name, feature_table[feat].ioctl,
			       strerror(-rc));
	if (rc == PRESENT)
		__atomic_fetch_or(&ctx->feat_present, bit, __ATOMIC_RELAXED);
	__atomic_fetch_or(&ctx->feat_probed, bit, __ATOMIC_RELEASE);
	lu_dbg(ctx, "feature %s: %s", feature_table[feat].name,
	       rc == PRESENT ? "present" : "absent");
	return rc;
}

const char *lu_feature_name(enum libiommu_feature feat)
{
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return NULL;
	return feature_table[feat].name;
}

const char *lu_feature_ioctl(enum libiommu_feature feat)
{
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return NULL;
	return feature_table[feat].ioctl;
}
