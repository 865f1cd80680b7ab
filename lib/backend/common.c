// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the backends share: the answer for an op a backend lacks, the
 * explanation of a failure to pin memory, and of an ioctl the process was
 * not allowed to issue.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>

#include "backend/backend.h"
#include "util/proc.h"

/* ---- optional ops ----------------------------------------------------------- */

/* Where each optional op sits in the ops table. */
static const size_t op_offset[LU_OP__COUNT] = {
	[LU_OP_MAP_FILE] = offsetof(struct lu_backend_ops, map_file),
	[LU_OP_IOAS_COPY] = offsetof(struct lu_backend_ops, copy),
	[LU_OP_ALLOW_IOVAS] = offsetof(struct lu_backend_ops, allow_iovas),
	[LU_OP_SET_HUGE_PAGES] = offsetof(struct lu_backend_ops, set_huge_pages),
	[LU_OP_GET_HUGE_PAGES] = offsetof(struct lu_backend_ops, get_huge_pages),
	[LU_OP_IOAS_DIRTY_TRACKING] = offsetof(struct lu_backend_ops, ioas_dirty_tracking),
	[LU_OP_IOAS_DIRTY_BITMAP] = offsetof(struct lu_backend_ops, ioas_dirty_bitmap),
	[LU_OP_DEV_OPEN_FD] = offsetof(struct lu_backend_ops, dev_open_fd),
	[LU_OP_DEV_OPEN_GROUP] = offsetof(struct lu_backend_ops, dev_open_group),
	[LU_OP_DEV_ADOPT_ID] = offsetof(struct lu_backend_ops, dev_adopt_id),
	[LU_OP_DEV_DETACH] = offsetof(struct lu_backend_ops, dev_detach),
	[LU_OP_DEV_PASID_ATTACH] = offsetof(struct lu_backend_ops, dev_pasid_attach),
	[LU_OP_DEV_PASID_DETACH] = offsetof(struct lu_backend_ops, dev_pasid_detach),
	[LU_OP_HW_INFO] = offsetof(struct lu_backend_ops, hw_info),
	[LU_OP_HWPT_ALLOC] = offsetof(struct lu_backend_ops, hwpt_alloc),
	[LU_OP_MEMLOCK_MODE] = offsetof(struct lu_backend_ops, memlock_mode),
	[LU_OP_DEV_IOCTL] = offsetof(struct lu_backend_ops, dev_ioctl),
	[LU_OP_HOT_RESET] = offsetof(struct lu_backend_ops, hot_reset_fds),
	[LU_OP_VIOMMU_ALLOC] = offsetof(struct lu_backend_ops, viommu_alloc),
	[LU_OP_VDEVICE_ALLOC] = offsetof(struct lu_backend_ops, vdevice_alloc),
	[LU_OP_VEVENTQ_ALLOC] = offsetof(struct lu_backend_ops, veventq_alloc),
	[LU_OP_FAULT_QUEUE_ALLOC] = offsetof(struct lu_backend_ops, fault_queue_alloc),
	[LU_OP_HW_QUEUE_ALLOC] = offsetof(struct lu_backend_ops, hw_queue_alloc),
	[LU_OP_DEV_ADOPT_FD] = offsetof(struct lu_backend_ops, dev_adopt_fd),
	[LU_OP_IOAS_ADOPT_ID] = offsetof(struct lu_backend_ops, ioas_adopt_id),
	[LU_OP_CHANGE_PROCESS] = offsetof(struct lu_backend_ops, change_process),
	[LU_OP_HWPT_ADOPT_ID] = offsetof(struct lu_backend_ops, hwpt_adopt_id),
};

bool lu_backend_has(const struct lu_backend_ops *ops, enum lu_op op)
{
	void (*fn)(void);

	if ((unsigned int)op >= LU_OP__COUNT)
		return false;
	memcpy(&fn, (const char *)ops + op_offset[op], sizeof(fn));
	return fn != NULL;
}

int lu_backend_unsupported(struct libiommu_ctx *ctx, const char *what,
			   const char *why)
{
	return lu_fail(ctx, -EOPNOTSUPP,
		       "%s is not available on the %s backend: %s", what,
		       ctx->ops->name, why);
}

int lu_backend_need(struct libiommu_ctx *ctx, enum lu_op op, const char *fn)
{
	const char *why;

	if (lu_backend_has(ctx->ops, op))
		return 0;
	why = (unsigned int)op < LU_OP__COUNT ? ctx->ops->why_not[op] : NULL;
	return lu_backend_unsupported(ctx, fn,
				      why ? why : "it has no such operation");
}

#define CAP_IPC_LOCK_BIT 14 /* linux/capability.h: CAP_IPC_LOCK */

int lu_fail_nomem(struct libiommu_ctx *ctx, const char *cmd, uint64_t length,
		  enum lu_acct acct, const char *nopin)
{
	bool per_process = acct == LU_ACCT_TYPE1 ||
			   ctx->memlock_mode == LIBIOMMU_MEMLOCK_MM;
	uint64_t lck = 0, pin = 0, used, limit;
	const char *who, *field;
	char diag[512];
	struct rlimit rl;

	if (lu_proc_has_cap(CAP_IPC_LOCK_BIT))
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for %" PRIu64 " bytes: memlock accounting is off for this process (it has CAP_IPC_LOCK), so RLIMIT_MEMLOCK does not apply: the kernel or the memory cgroup is out of memory",
			       cmd, length);
	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for %" PRIu64 " bytes: RLIMIT_MEMLOCK is unlimited: the kernel or the memory cgroup is out of memory",
			       cmd, length);
	limit = rl.rlim_cur;
	lu_proc_status_bytes("VmLck", &lck);
	lu_proc_status_bytes("VmPin", &pin);
	if (per_process) {
		/* VFIO type1 and iommufd's mm mode charge mm->locked_vm (VmLck) */
		who = acct == LU_ACCT_TYPE1 ? "to this process (VFIO type1 accounting)" : "to this process (the context's LIBIOMMU_MEMLOCK_MM accounting)";
		field = "locked (VmLck)";
		used = lck;
	} else {
		/* iommufd's user mode: the user's locked_vm, not in /proc */
		who = ctx->memlock_mode == LIBIOMMU_MEMLOCK_USER ? "to the user: every process of this uid counts (iommufd's default LIBIOMMU_MEMLOCK_USER accounting)" : "to the user, or to this process if the iommufd's owner switched it to mm accounting (the library did not set the mode)";
		field = "pinned (VmPin)";
		used = pin;
	}
	if (used + length <= limit)
		snprintf(diag, sizeof(diag),
			 "RLIMIT_MEMLOCK is %" PRIu64 " bytes, charged %s; this process has %" PRIu64 " bytes %s, which leaves room: %s",
			 limit, who, used, field,
			 per_process ? "the kernel or the memory cgroup is out of memory" : "other processes of this uid hold the rest, or the kernel or the memory cgroup is out of memory");
	else
		snprintf(diag, sizeof(diag),
			 "RLIMIT_MEMLOCK is %" PRIu64 " bytes, charged %s, and this process already has %" PRIu64 " bytes %s; raise the limit (ulimit -l, setrlimit, LimitMEMLOCK=) or map less",
			 limit, who, used, field);
	/*
	 * The library knows only what it attached: a device attached to the
	 * IOAS outside it (adopted by id, or the caller's raw ioctls) pins.
	 */
	if (nopin)
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for %" PRIu64 " bytes: %s (no memlock limit applies): the kernel or the memory cgroup is out of memory; unless a device was attached to it outside this library, for which: %s",
			       cmd, length, nopin, diag);
	return lu_fail(ctx, -ENOMEM, "%s: cannot pin %" PRIu64 " bytes: %s", cmd,
		       length, diag);
}

/*
 * EPERM or EACCES from a command the kernel never answers so: not the
 * kernel's answer but a refusal before it (a seccomp filter returning an
 * errno, or a security module).  Saying "kernel too old" or "failed" would
 * send the user looking in the wrong place.
 */
int lu_fail_refused(struct libiommu_ctx *ctx, int err, const char *cmd)
{
	return lu_fail(ctx, err,
		       "%s was refused (%s) before it reached the kernel, which never answers this command so: a seccomp filter or a security module (LSM) of this process refuses the ioctl; allow it (libiommu_ioctls(3) lists what each call issues)",
		       cmd, strerror(-err));
}
