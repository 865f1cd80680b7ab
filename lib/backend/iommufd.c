// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The iommufd backend: IOMMU_IOAS_* and IOMMU_HWPT_* objects on /dev/iommu
 * and VFIO device cdevs bound to it.  The handle files (ioas.c, dev.c,
 * hwpt.c, ...) have checked every argument the library can check; what is
 * left is the kernel call and turning its errno into a message that says
 * what happened and what to do.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"
#include "util/sysfs.h"

/* Our public range struct is handed to the kernel as is: same layout. */
_Static_assert(sizeof(struct libiommu_iova_range) == sizeof(struct lx_iommu_iova_range),
	       "libiommu_iova_range must match the kernel's iova range");
_Static_assert(offsetof(struct libiommu_iova_range, start) ==
			       offsetof(struct lx_iommu_iova_range, start) &&
		       offsetof(struct libiommu_iova_range, last) ==
			       offsetof(struct lx_iommu_iova_range, last),
	       "libiommu_iova_range must match the kernel's iova range");

static int destroy_object(struct libiommu_ctx *ctx, uint32_t id)
{
	struct lx_iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return lu_ioctl(ctx->fd, LX_IOMMU_DESTROY, &cmd);
}

/* ---- error translation ------------------------------------------------- */

/*
 * ENOTTY: the kernel's iommufd does not know the command, which is how a
 * call learns that a feature is missing (it issues the command it needs,
 * and nothing before it).
 */
static int fail_no_cmd(struct libiommu_ctx *ctx, const char *cmd,
		       enum libiommu_feature feat)
{
	return lu_fail(ctx, -EOPNOTSUPP,
		       "%s: the running kernel's iommufd does not have this command (feature \"%s\"): a newer kernel is needed",
		       cmd, lu_feature_name(feat));
}

/* A kernel errno the per-call code did not explain. */
static int fail_generic(struct libiommu_ctx *ctx, int err, const char *cmd,
			uint32_t ioas_id)
{
	switch (-err) {
	case ENOTTY:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: the running kernel's iommufd does not have this command: a newer kernel is needed",
			       cmd);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, err, cmd);
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "%s: IOAS %" PRIu32 " does not exist in the kernel any more (destroyed through the raw fd?)",
			       cmd, ioas_id);
	case EOVERFLOW:
		return lu_fail(ctx, -EOVERFLOW,
			       "%s: an address or length is too large for this kernel",
			       cmd);
	default:
		return lu_fail(ctx, err, "%s on IOAS %" PRIu32 " failed: %s", cmd,
			       ioas_id, strerror(-err));
	}
}

static int query_ranges(struct libiommu_ctx *ctx, uint32_t id,
			struct libiommu_iova_range *ranges, uint32_t *nr,
			uint64_t *alignment)
{
	struct lx_iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = id,
		.num_iovas = *nr,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int rc;

	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_IOVA_RANGES, &cmd);
	if (rc == 0 || rc == -EMSGSIZE) {
		*nr = cmd.num_iovas;
		if (alignment)
			*alignment = cmd.out_iova_alignment;
	}
	return rc;
}

/*
 * The kernel answers EINVAL to a fixed IOVA for two reasons it does not
 * tell apart: the IOVA breaks the IOAS's alignment, or the range is not
 * inside one usable range (it touches a reserved region).  Asking it for
 * the ranges would tell, but a map issues its own command and nothing
 * else (a seccomp filter that allows IOMMU_IOAS_MAP need not allow
 * IOMMU_IOAS_IOVA_RANGES): name both and the call that tells.
 */
static int fail_fixed_einval(struct libiommu_ctx *ctx, const char *cmd,
			     uint32_t id, uint64_t iova, uint64_t length)
{
	return lu_fail(ctx, -EINVAL,
		       "%s: the kernel rejected IOVA range [0x%" PRIx64 ", 0x%" PRIx64 "] of IOAS %" PRIu32 ": it is not inside one usable range (it touches a reserved region) or not aligned to the IOAS's IOVA alignment; libiommu_ioas_get_ranges() gives both",
		       cmd, iova, iova + length - 1, id);
}

/*
 * Does anything pin @ioas's pages: a device or a HWPT on it (through this
 * library; a borrowed iommufd may have others)?  Failure paths only.
 */
static bool ioas_pins(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	const struct libiommu_hwpt *h;
	bool pins = !ctx->owns_fd;

	lu_lock(ctx);
	pins |= ioas->users > 0;
	lu_list_for_each(h, &ctx->hwpt_list, node)
		pins |= h->ioas == ioas;
	lu_unlock(ctx);
	return pins;
}

/* Errors common to MAP, MAP_FILE and COPY once the pages are found. */
#define NOPIN_NO_DOMAIN "no device or HWPT uses this IOAS (through this library), so nothing is pinned"

static int fail_map(struct libiommu_ioas *ioas, int err, const char *cmd,
		    uint64_t iova, uint64_t length, uint32_t flags,
		    const char *nopin)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	uint32_t id = ioas->id;

	bool fixed = flags & LIBIOMMU_MAP_FIXED_IOVA;

	switch (-err) {
	case EEXIST:
		return lu_fail(ctx, -EEXIST,
			       "%s: an existing mapping overlaps [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32 "; unmap it first or let the kernel choose the IOVA",
			       cmd, iova, iova + length - 1, id);
	case EINVAL:
		if (fixed)
			return fail_fixed_einval(ctx, cmd, id, iova, length);
		return lu_fail(ctx, -EINVAL,
			       "%s: the kernel rejected the request (length 0x%" PRIx64 " not a multiple of the IOAS's IOVA alignment?)",
			       cmd, length);
	case ENOSPC:
		return lu_fail(ctx, -ENOSPC,
			       "%s: no free IOVA range of %" PRIu64 " bytes in IOAS %" PRIu32 " (within the allowed ranges, if set); unmap something or widen libiommu_ioas_allow_iovas()",
			       cmd, length, id);
	case ENOMEM:
		return lu_fail_nomem(ctx, cmd, length, LU_ACCT_IOMMUFD, nopin);
	case EFAULT:
		if (strcmp(cmd, "IOMMU_IOAS_MAP") == 0)
			return lu_fail(ctx, -EFAULT,
				       "%s: the memory to map is not (all) mapped in this process, or it is read-only and LIBIOMMU_MAP_WRITE was asked for, or it is device memory that cannot be pinned (an mmap()ed PCI BAR is PFNMAP): for peer-to-peer DMA to a BAR export it with libiommu_dev_dmabuf_export() and map the dma-buf with libiommu_ioas_map_file()",
				       cmd);
		return lu_fail(ctx, -EFAULT,
			       "%s: the memory to map is not (all) mapped in this process, or it is read-only and LIBIOMMU_MAP_WRITE was asked for",
			       cmd);
	case EPERM:
		/* Only COPY has pages that may be read-only (the source's). */
		if (strcmp(cmd, "IOMMU_IOAS_COPY") == 0)
			return lu_fail(ctx, -EPERM,
				       "%s: LIBIOMMU_MAP_WRITE asked for but the source range was mapped without it; copy it read-only or map it writable",
				       cmd);
		return lu_fail_refused(ctx, err, cmd);
	default:
		return fail_generic(ctx, err, cmd, id);
	}
}

/* The kernel's map flags for the library's (checked: no other bits). */
static uint32_t to_kernel_flags(uint32_t flags)
{
#define K(f) \
	(((f)&LIBIOMMU_MAP_READ ? LX_IOMMU_IOAS_MAP_READABLE : 0) | \
	 ((f)&LIBIOMMU_MAP_WRITE ? LX_IOMMU_IOAS_MAP_WRITEABLE : 0) | \
	 ((f)&LIBIOMMU_MAP_FIXED_IOVA ? LX_IOMMU_IOAS_MAP_FIXED_IOVA : 0))
	/* one load on the map path instead of three tests */
	static const uint8_t k[8] = { K(0), K(1), K(2), K(3),
				      K(4), K(5), K(6), K(7) };
#undef K
	_Static_assert((LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
			LIBIOMMU_MAP_FIXED_IOVA) == 7,
		       "the table covers every map flag");

	return k[flags & 7];
}

/* ---- context ------------------------------------------------------------- */

/*
 * A context needs nothing from the kernel until it is used: no ctx_init,
 * so that creating one issues no ioctl (a VMM's seccomp filter allows only
 * what it uses).  Features are probed when asked (lib/backend/probe.c).
 */

static int option_rlimit(struct libiommu_ctx *ctx, uint16_t op, uint64_t *val)
{
	struct lx_iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = LX_IOMMU_OPTION_RLIMIT_MODE,
		.op = op,
		.object_id = 0,
		.val64 = *val,
	};
	int rc = lu_ioctl(ctx->fd, LX_IOMMU_OPTION, &cmd);

	if (rc == 0)
		*val = cmd.val64;
	return rc;
}

static int ifd_memlock_mode(struct libiommu_ctx *ctx, bool set,
			    enum libiommu_memlock_mode *mode)
{
	uint64_t val = (uint64_t)*mode;
	int rc;

	rc = option_rlimit(ctx, set ? LX_IOMMU_OPTION_OP_SET : LX_IOMMU_OPTION_OP_GET,
			   &val);
	/* No IOMMU_OPTION at all, or no such option in it. */
	if (rc == -ENOTTY || rc == -EOPNOTSUPP)
		return fail_no_cmd(ctx, "IOMMU_OPTION(IOMMU_OPTION_RLIMIT_MODE)",
				   LIBIOMMU_FEAT_OPTION_RLIMIT_MODE);
	if (!set) {
		if (lu_refused(rc))
			return lu_fail_refused(ctx, rc, "IOMMU_OPTION(RLIMIT_MODE) get");
		if (rc)
			return lu_fail(ctx, rc, "IOMMU_OPTION(RLIMIT_MODE) get failed: %s",
				       strerror(-rc));
		*mode = val ? LIBIOMMU_MEMLOCK_MM : LIBIOMMU_MEMLOCK_USER;
		return 0;
	}
	switch (rc) {
	case 0:
		return 0;
	case -EPERM:
		return lu_fail(ctx, rc,
			       "setting the memlock accounting mode needs CAP_SYS_RESOURCE: run as root or grant the process that capability");
	case -EBUSY:
		return lu_fail(ctx, rc,
			       "the memlock accounting mode can only be set before any object (IOAS, device, HWPT) exists on the iommufd: set it right after creating the context");
	default:
		return lu_fail(ctx, rc,
			       "IOMMU_OPTION(RLIMIT_MODE) set to %d failed: %s",
			       (int)*mode, strerror(-rc));
	}
}

/* ---- IOAS ------------------------------------------------------------------ */

static int huge_pages_option(struct libiommu_ioas *ioas, uint16_t op,
			     uint64_t *val)
{
	struct lx_iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = LX_IOMMU_OPTION_HUGE_PAGES,
		.op = op,
		.object_id = ioas->id,
		.val64 = *val,
	};
	int rc;

	rc = lu_ioctl(ioas->ctx->fd, LX_IOMMU_OPTION, &cmd);
	if (rc == 0)
		*val = cmd.val64;
	return rc;
}

static int ifd_set_huge_pages(struct libiommu_ioas *ioas, bool enable)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	uint64_t val = enable;
	int rc;

	rc = huge_pages_option(ioas, LX_IOMMU_OPTION_OP_SET, &val);
	if (rc == -EINVAL && !enable)
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_OPTION(HUGE_PAGES): cannot disable huge pages on IOAS %" PRIu32 " while a device is attached and memory is mapped; unmap everything first",
			       ioas->id);
	if (rc == -EOPNOTSUPP || rc == -ENOTTY)
		return fail_no_cmd(ctx, "IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES)",
				   LIBIOMMU_FEAT_OPTION_HUGE_PAGES);
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_OPTION(HUGE_PAGES)", ioas->id);
	return 0;
}

static int ifd_get_huge_pages(struct libiommu_ioas *ioas, bool *enabled)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	uint64_t val = 0;
	int rc;

	rc = huge_pages_option(ioas, LX_IOMMU_OPTION_OP_GET, &val);
	if (rc == -EOPNOTSUPP || rc == -ENOTTY)
		return fail_no_cmd(ctx, "IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES)",
				   LIBIOMMU_FEAT_OPTION_HUGE_PAGES);
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_OPTION(HUGE_PAGES)", ioas->id);
	*enabled = val != 0;
	return 0;
}

static int ifd_ioas_alloc(struct libiommu_ioas *ioas, uint32_t flags)
{
	struct lx_iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = ioas->ctx;
	int rc;

	/* No probe first: the command says itself whether the kernel has it. */
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_ALLOC, &cmd);
	if (rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_IOAS_ALLOC: the running kernel's iommufd has no IOAS commands (feature \"%s\"): a newer kernel is needed",
			       lu_feature_name(LIBIOMMU_FEAT_IOAS));
	if (rc == -ENOMEM)
		return lu_fail(ctx, -ENOMEM,
			       "IOMMU_IOAS_ALLOC: the kernel is out of memory (or the memory cgroup limit is reached)");
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_IOAS_ALLOC", 0);
	ioas->id = cmd.out_ioas_id;

	if (flags & LIBIOMMU_IOAS_NO_HUGE_PAGES) {
		rc = ifd_set_huge_pages(ioas, false);
		if (rc) {
			destroy_object(ctx, ioas->id);
			return rc;
		}
	}
	return 0;
}

static int ifd_ioas_destroy(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	int rc;

	rc = destroy_object(ctx, ioas->id);
	if (rc == -EBUSY)
		return lu_fail(ctx, -EBUSY,
			       "IOMMU_DESTROY: the kernel says IOAS %" PRIu32 " is still in use (a device, HWPT or access made outside this library is attached to it); detach it first",
			       ioas->id);
	if (rc && rc != -ENOENT)
		return fail_generic(ctx, rc, "IOMMU_DESTROY", ioas->id);
	/* ENOENT: already gone behind our back; the handle is all that is left. */
	if (rc == -ENOENT)
		lu_warn(ctx, "IOMMU_DESTROY: IOAS %" PRIu32 " was already destroyed outside the library",
			ioas->id);
	return 0;
}

/* ---- the record of process memory (IOMMU_IOAS_CHANGE_PROCESS) -------------- */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* [iova, iova + length) of @ioas maps process memory (@vaddr 0: a copy). */
static inline void anon_set(struct libiommu_ioas *ioas, uint64_t iova,
			    uint64_t length, uintptr_t vaddr)
{
	STORE(ioas->anon_iova, iova);
	STORE(ioas->anon_vaddr, vaddr);
	STORE(ioas->anon_length, length);
}

/*
 * A successful unmap of [iova, iova + length): forget the record when it
 * starts inside (the kernel unmaps whole mappings only, so all of it went).
 */
static inline void anon_unmapped(struct libiommu_ioas *ioas, uint64_t iova,
				 uint64_t length)
{
	if (LOAD(ioas->anon_iova) - iova < length)
		STORE(ioas->anon_length, 0);
}

/* Does [iova, iova + length) of @ioas hold the recorded process memory? */
static bool anon_overlaps(struct libiommu_ioas *ioas, uint64_t iova,
			  uint64_t length)
{
	uint64_t a = LOAD(ioas->anon_iova), n = LOAD(ioas->anon_length);

	return n && a <= iova + length - 1 && iova <= a + n - 1;
}

/* Name a recorded mapping of process memory in @ctx (ctx->lock held). */
static bool anon_describe(struct libiommu_ctx *ctx, char *buf, size_t len)
{
	struct libiommu_ioas *ioas;

	lu_list_for_each(ioas, &ctx->ioas_list, node) {
		uint64_t a = LOAD(ioas->anon_iova), n = LOAD(ioas->anon_length);
		uintptr_t va = LOAD(ioas->anon_vaddr);

		if (!n)
			continue;
		if (va)
			snprintf(buf, len,
				 "IOAS %" PRIu32 " IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] (process memory at 0x%" PRIxPTR ")",
				 ioas->id, a, a + n - 1, va);
		else
			snprintf(buf, len,
				 "IOAS %" PRIu32 " IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] (a copy of process memory)",
				 ioas->id, a, a + n - 1);
		return true;
	}
	return false;
}

static int ifd_ioas_adopt_id(struct libiommu_ioas *ioas, uint32_t id)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	uint32_t nr = 0;
	int rc;

	/* A read only an IOAS answers: EMSGSIZE (or 0) with no room given. */
	rc = query_ranges(ctx, id, NULL, &nr, NULL);
	if (rc == -ENOENT)
		return lu_fail(ctx, -ENOENT,
			       "libiommu_ioas_adopt_id: object %" PRIu32 " of this context's iommufd is not an IOAS (IOMMU_IOAS_IOVA_RANGES: no such IOAS); pass the id the IOAS's maker got from IOMMU_IOAS_ALLOC or libiommu_ioas_id()",
			       id);
	if (rc && rc != -EMSGSIZE)
		return fail_generic(ctx, rc, "IOMMU_IOAS_IOVA_RANGES (libiommu_ioas_adopt_id checks that the id is an IOAS with it)",
				    id);
	ioas->id = id;
	return 0;
}

static int ifd_change_process(struct libiommu_ctx *ctx)
{
	struct lx_iommu_ioas_change_process cmd = { .size = sizeof(cmd) };
	char anon[160];
	int rc;

	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_CHANGE_PROCESS, &cmd);
	switch (-rc) {
	case 0:
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_IOAS_CHANGE_PROCESS",
				   LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS);
	case EINVAL:
		if (anon_describe(ctx, anon, sizeof(anon)))
			return lu_fail(ctx, -EINVAL,
				       "IOMMU_IOAS_CHANGE_PROCESS: the kernel moves only mappings of files (memfd, made with libiommu_ioas_map_file()), and %s maps process memory (libiommu_ioas_map()); unmap it, or map guest memory from a memfd",
				       anon);
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_IOAS_CHANGE_PROCESS: the kernel moves only mappings of files (memfd, libiommu_ioas_map_file()), and an IOAS of this iommufd maps process memory that this context has no record of (a mapping by the iommufd's previous user, or one made here before the last mapping of process memory was unmapped); unmap it, or map guest memory from a memfd");
	case EBUSY:
		return lu_fail(ctx, -EBUSY,
			       "IOMMU_IOAS_CHANGE_PROCESS: an IOAS of this iommufd has an area whose pages are not held (a mapping being unmapped, or an in-kernel access); try again once it is done");
	case ENOMEM:
		return lu_fail(ctx, -ENOMEM,
			       "IOMMU_IOAS_CHANGE_PROCESS: the pinned pages cannot be charged to this process (RLIMIT_MEMLOCK, or the iommufd's accounting mode's limit, is lower than what is pinned), or the kernel is out of memory; raise the limit of the new process");
	default:
		return fail_generic(ctx, rc, "IOMMU_IOAS_CHANGE_PROCESS", 0);
	}
}

static void ifd_ioas_release(struct libiommu_ioas *ioas)
{
	/*
	 * Closing an owned fd destroys every kernel object; a borrowed fd
	 * stays open, so give back what we made on it.
	 */
	if (!ioas->ctx->owns_fd)
		destroy_object(ioas->ctx, ioas->id);
}

/* IOMMU_IOAS_MAP failed: out of line, off the map path. */
static __attribute__((cold, noinline)) int
map_failed(struct libiommu_ioas *ioas, int rc,
	   const struct lx_iommu_ioas_map *cmd)
{
	uint32_t flags = (cmd->flags & LX_IOMMU_IOAS_MAP_FIXED_IOVA) ? LIBIOMMU_MAP_FIXED_IOVA : 0;

	return fail_map(ioas, rc, "IOMMU_IOAS_MAP", cmd->iova, cmd->length,
			flags, ioas_pins(ioas) ? NULL : NOPIN_NO_DOMAIN);
}

static int ifd_map(struct libiommu_ioas *ioas, void *vaddr, uint64_t length,
		   uint64_t *iova, uint32_t flags)
{
	struct lx_iommu_ioas_map cmd = { .size = sizeof(cmd) };
	int rc;

	cmd.flags = to_kernel_flags(flags);
	cmd.ioas_id = ioas->id;
	cmd.user_va = (uintptr_t)vaddr;
	cmd.length = length;
	cmd.iova = (flags & LIBIOMMU_MAP_FIXED_IOVA) ? *iova : 0;
	rc = lu_ioctl(ioas->ctx->fd, LX_IOMMU_IOAS_MAP, &cmd);
	if (__builtin_expect(rc != 0, 0))
		return map_failed(ioas, rc, &cmd);
	*iova = cmd.iova;
	anon_set(ioas, cmd.iova, length, (uintptr_t)vaddr);
	return 0;
}

static int ifd_map_file(struct libiommu_ioas *ioas, int fd, uint64_t offset,
			uint64_t length, uint64_t *iova, uint32_t flags)
{
	struct lx_iommu_ioas_map_file cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = ioas->ctx;
	int rc;

	cmd.flags = to_kernel_flags(flags);
	cmd.ioas_id = ioas->id;
	cmd.fd = fd;
	cmd.start = offset;
	cmd.length = length;
	cmd.iova = (flags & LIBIOMMU_MAP_FIXED_IOVA) ? *iova : 0;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_MAP_FILE, &cmd);
	if (rc == -ENOTTY)
		return fail_no_cmd(ctx, "IOMMU_IOAS_MAP_FILE",
				   LIBIOMMU_FEAT_IOAS_MAP_FILE);
	if (rc == -EBADF)
		return lu_fail(ctx, -EBADF,
			       "IOMMU_IOAS_MAP_FILE: the kernel refused fd %d (it takes a memfd or a supported dma-buf)",
			       fd);
	if (rc)
		return fail_map(ioas, rc, "IOMMU_IOAS_MAP_FILE", cmd.iova,
				length, flags,
				ioas_pins(ioas) ? NULL : NOPIN_NO_DOMAIN);
	*iova = cmd.iova;
	return 0;
}

static int ifd_copy(struct libiommu_ioas *dst, struct libiommu_ioas *src,
		    uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
		    uint32_t flags)
{
	struct lx_iommu_ioas_copy cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = dst->ctx;
	int rc;

	cmd.flags = to_kernel_flags(flags);
	cmd.dst_ioas_id = dst->id;
	cmd.src_ioas_id = src->id;
	cmd.length = length;
	cmd.src_iova = src_iova;
	cmd.dst_iova = (flags & LIBIOMMU_MAP_FIXED_IOVA) ? *dst_iova : 0;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_COPY, &cmd);
	if (rc == -ENOENT)
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_IOAS_COPY: [0x%" PRIx64 ", 0x%" PRIx64 "] is not fully mapped in source IOAS %" PRIu32 " (or an IOAS no longer exists)",
			       src_iova, src_iova + length - 1, src->id);
	if (rc)
		/*
		 * The copy shares the source's pages: it pins (and charges)
		 * only when the destination has a domain and the source had
		 * none to pin them for.
		 */
		return fail_map(dst, rc, "IOMMU_IOAS_COPY", cmd.dst_iova,
				length, flags,
				!ioas_pins(dst)	 ? NOPIN_NO_DOMAIN
				: ioas_pins(src) ? "the source IOAS has a device or HWPT, so its pages are pinned and charged already and the copy pins nothing new"
						 : NULL);
	*dst_iova = cmd.dst_iova;
	if (anon_overlaps(src, src_iova, length))
		anon_set(dst, cmd.dst_iova, length, 0);
	return 0;
}

/* IOMMU_IOAS_UNMAP of [iova, +length) failed: out of line, off the unmap path. */
static __attribute__((cold, noinline)) int
unmap_failed(struct libiommu_ioas *ioas, int rc, uint64_t iova,
	     uint64_t length)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	uint64_t last = iova + length - 1;

	switch (-rc) {
	case ENOENT:
		/*
		 * The kernel says ENOENT both for an empty range and for one
		 * that cuts a mapping; areas before the cut may be gone.
		 */
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_IOAS_UNMAP: nothing is mapped at [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32 ", or the range splits a mapping (unmap whole mappings as they were mapped)",
			       iova, last, ioas->id);
	case EBUSY:
		return lu_fail(ctx, -EBUSY,
			       "IOMMU_IOAS_UNMAP: a mapping in [0x%" PRIx64 ", 0x%" PRIx64 "] is in use (being mapped by another thread, or held by an in-kernel access); retry later",
			       iova, last);
	default:
		return fail_generic(ctx, rc, "IOMMU_IOAS_UNMAP", ioas->id);
	}
}

static int ifd_unmap(struct libiommu_ioas *ioas, uint64_t iova,
		     uint64_t length, uint64_t *unmapped)
{
	struct lx_iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	int rc;

	cmd.ioas_id = ioas->id;
	cmd.iova = iova;
	cmd.length = length;
	rc = lu_ioctl(ioas->ctx->fd, LX_IOMMU_IOAS_UNMAP, &cmd);
	if (__builtin_expect(rc != 0, 0))
		return unmap_failed(ioas, rc, iova, length);
	anon_unmapped(ioas, iova, length);
	if (unmapped)
		*unmapped = cmd.length;
	return 0;
}

static int ifd_unmap_all(struct libiommu_ioas *ioas, uint64_t *unmapped)
{
	struct lx_iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = ioas->ctx;
	int rc;

	/* iova 0, length U64_MAX is the kernel's "everything". */
	cmd.ioas_id = ioas->id;
	cmd.iova = 0;
	cmd.length = UINT64_MAX;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_UNMAP, &cmd);
	if (rc == -EBUSY)
		return lu_fail(ctx, -EBUSY,
			       "IOMMU_IOAS_UNMAP (all): a mapping of IOAS %" PRIu32 " is in use (being mapped by another thread, or held by an in-kernel access); retry later",
			       ioas->id);
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_IOAS_UNMAP (all)", ioas->id);
	STORE(ioas->anon_length, 0);
	*unmapped = cmd.length;
	return 0;
}

static int ifd_get_ranges(struct libiommu_ioas *ioas,
			  struct libiommu_iova_range *ranges, uint32_t *nr,
			  uint64_t *alignment)
{
	int rc = query_ranges(ioas->ctx, ioas->id, ranges, nr, alignment);

	if (rc && rc != -EMSGSIZE)
		return fail_generic(ioas->ctx, rc, "IOMMU_IOAS_IOVA_RANGES",
				    ioas->id);
	return rc;
}

static int ifd_allow_iovas(struct libiommu_ioas *ioas,
			   const struct libiommu_iova_range *ranges,
			   uint32_t nr)
{
	struct lx_iommu_ioas_allow_iovas cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = ioas->ctx;
	int rc;

	cmd.ioas_id = ioas->id;
	cmd.num_iovas = nr;
	cmd.allowed_iovas = (uintptr_t)ranges;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_ALLOW_IOVAS, &cmd);
	if (rc == -EADDRINUSE)
		return lu_fail(ctx, -EADDRINUSE,
			       "IOMMU_IOAS_ALLOW_IOVAS: a range intersects a reserved IOVA region of IOAS %" PRIu32 " (one an attached device cannot use); keep the ranges inside libiommu_ioas_get_ranges()",
			       ioas->id);
	if (rc == -EINVAL)
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_IOAS_ALLOW_IOVAS: the kernel rejected the ranges as inverted or overlapping");
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_IOAS_ALLOW_IOVAS", ioas->id);
	return 0;
}

/* ---- HWPTs ------------------------------------------------------------------ */

static uint32_t hwpt_kernel_flags(uint32_t flags)
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
static void hwpt_flag_names(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 flags & LIBIOMMU_HWPT_NEST_PARENT ? " NEST_PARENT" : "",
		 flags & LIBIOMMU_HWPT_DIRTY_TRACKING ? " DIRTY_TRACKING" : "",
		 flags & LIBIOMMU_HWPT_PASID ? " PASID" : "");
}

static int fail_hwpt_alloc(struct libiommu_dev *dev, int rc, bool nested,
			   uint32_t pt_id, uint32_t flags, uint32_t data_type,
			   bool fault)
{
	struct libiommu_ctx *ctx = dev->ctx;
	const char *what = nested ? "nested" : "paging";
	char names[64];

	hwpt_flag_names(flags, names, sizeof(names));
	switch (-rc) {
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_HWPT_ALLOC",
				   LIBIOMMU_FEAT_HWPT_ALLOC);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_HWPT_ALLOC");
	case EOPNOTSUPP:
		/* 6.12 takes a fault queue on nested HWPTs only */
		if (fault && !nested)
			return lu_fail(ctx, -EOPNOTSUPP,
				       "IOMMU_HWPT_ALLOC: the kernel or the IOMMU of device %" PRIu32 " cannot give a paging HWPT a fault queue (flags [%s ], data type %" PRIu32 "): older kernels (6.12) take a fault queue on nested HWPTs only",
				       dev->id, names, data_type);
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_HWPT_ALLOC: the IOMMU of device %" PRIu32 " cannot make a %s HWPT with flags [%s ] and data type %" PRIu32 " (dirty tracking needs hardware dirty bits, nest parent needs nesting support: see libiommu_dev_get_hw_info())",
			       dev->id, what, names, data_type);
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_HWPT_ALLOC: device %" PRIu32 " or object %" PRIu32 " does not exist in the kernel any more",
			       dev->id, pt_id);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_HWPT_ALLOC: the kernel rejected a %s HWPT on object %" PRIu32 " for device %" PRIu32 " (flags [%s ], data type %" PRIu32 "): invalid driver data, or a parent that is not a nest parent of this IOMMU",
			       what, pt_id, dev->id, names, data_type);
	case ENOMEM:
		return lu_fail(ctx, -ENOMEM,
			       "IOMMU_HWPT_ALLOC: out of memory (mapping the IOAS into a new HWPT pins its pages against RLIMIT_MEMLOCK)");
	default:
		return lu_fail(ctx, rc, "IOMMU_HWPT_ALLOC for device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	}
}

static int ifd_hwpt_alloc(struct libiommu_dev *dev, uint32_t pt_id,
			  uint32_t flags, uint32_t data_type, const void *data,
			  uint32_t data_len, bool nested, uint32_t fault_id,
			  uint32_t *out_id)
{
	struct lx_iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	cmd.flags = hwpt_kernel_flags(flags);
	cmd.dev_id = dev->id;
	cmd.pt_id = pt_id;
	cmd.data_type = data_type;
	cmd.data_len = data_len;
	cmd.data_uptr = (uintptr_t)data;
	if (fault_id) {
		cmd.flags |= LX_IOMMU_HWPT_FAULT_ID_VALID;
		cmd.fault_id = fault_id;
	}
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_ALLOC, &cmd);
	if (rc)
		return fail_hwpt_alloc(dev, rc, nested, pt_id, flags, data_type,
				       fault_id != 0);
	*out_id = cmd.out_hwpt_id;
	return 0;
}

static int ifd_hwpt_destroy(struct libiommu_hwpt *hwpt, bool quiet)
{
	struct libiommu_ctx *ctx = hwpt->ctx;
	int rc = destroy_object(ctx, hwpt->id);

	if (quiet)
		return rc == -ENOENT ? 0 : rc;
	if (rc == -EBUSY)
		return lu_fail(ctx, -EBUSY,
			       "IOMMU_DESTROY: the kernel says HWPT %" PRIu32 " is still in use (a device or object attached outside this library); detach it first",
			       hwpt->id);
	if (rc == -ENOENT) {
		lu_warn(ctx, "IOMMU_DESTROY: HWPT %" PRIu32 " was already destroyed outside the library",
			hwpt->id);
		return 0;
	}
	if (rc)
		return lu_fail(ctx, rc, "IOMMU_DESTROY of HWPT %" PRIu32 " failed: %s",
			       hwpt->id, strerror(-rc));
	return 0;
}

static int ifd_hwpt_set_dirty(struct libiommu_hwpt *hwpt, bool enable)
{
	struct lx_iommu_hwpt_set_dirty_tracking cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = hwpt->ctx;
	int rc;

	cmd.flags = enable ? LX_IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
	cmd.hwpt_id = hwpt->id;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
	if (rc == -ENOTTY)
		return fail_no_cmd(ctx, "IOMMU_HWPT_SET_DIRTY_TRACKING",
				   LIBIOMMU_FEAT_DIRTY_TRACKING);
	if (lu_refused(rc))
		return lu_fail_refused(ctx, rc, "IOMMU_HWPT_SET_DIRTY_TRACKING");
	if (rc == -EOPNOTSUPP)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_HWPT_SET_DIRTY_TRACKING: the IOMMU domain of HWPT %" PRIu32 " has no dirty tracking",
			       hwpt->id);
	if (rc)
		return lu_fail(ctx, rc,
			       "IOMMU_HWPT_SET_DIRTY_TRACKING(%s) on HWPT %" PRIu32 " failed: %s",
			       enable ? "on" : "off", hwpt->id, strerror(-rc));
	return 0;
}

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP into @bitmap, which the caller cleared: the
 * kernel only sets bits, so several HWPTs can report into one bitmap.
 */
static int hwpt_dirty_read(struct libiommu_hwpt *hwpt, uint64_t iova,
			   uint64_t length, uint64_t page_size,
			   uint64_t *bitmap, uint32_t flags)
{
	struct lx_iommu_hwpt_get_dirty_bitmap cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = hwpt->ctx;
	int rc;

	cmd.hwpt_id = hwpt->id;
	cmd.flags = (flags & LIBIOMMU_DIRTY_NO_CLEAR) ? LX_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0;
	cmd.iova = iova;
	cmd.length = length;
	cmd.page_size = page_size;
	cmd.data = (uintptr_t)bitmap;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
	switch (-rc) {
	case 0:
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_HWPT_GET_DIRTY_BITMAP",
				   LIBIOMMU_FEAT_DIRTY_TRACKING);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_HWPT_GET_DIRTY_BITMAP");
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_HWPT_GET_DIRTY_BITMAP: [0x%" PRIx64 ", 0x%" PRIx64 "] of HWPT %" PRIu32 " is not aligned to its IOAS's IOVA alignment (see libiommu_ioas_get_ranges())",
			       iova, iova + length - 1, hwpt->id);
	case EOPNOTSUPP:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_HWPT_GET_DIRTY_BITMAP: the IOMMU domain of HWPT %" PRIu32 " cannot report dirty pages",
			       hwpt->id);
	case EOVERFLOW:
		return lu_fail(ctx, -EOVERFLOW,
			       "IOMMU_HWPT_GET_DIRTY_BITMAP: [0x%" PRIx64 ", +0x%" PRIx64 ") is beyond what the kernel can address",
			       iova, length);
	default:
		return lu_fail(ctx, rc,
			       "IOMMU_HWPT_GET_DIRTY_BITMAP on HWPT %" PRIu32 " failed: %s",
			       hwpt->id, strerror(-rc));
	}
}

static size_t bitmap_bytes(uint64_t length, uint64_t page_size)
{
	return (size_t)((length / page_size + 63) / 64) * sizeof(uint64_t);
}

static int ifd_hwpt_get_dirty(struct libiommu_hwpt *hwpt, uint64_t iova,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags)
{
	memset(bitmap, 0, bitmap_bytes(length, page_size));
	return hwpt_dirty_read(hwpt, iova, length, page_size, bitmap, flags);
}

static int ifd_hwpt_adopt_id(struct libiommu_hwpt *hwpt, uint32_t id)
{
	struct lx_iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = id,
	};
	struct libiommu_ctx *ctx = hwpt->ctx;
	int rc;

	/*
	 * Only a paging HWPT gets past the lookup, to the check that
	 * refuses a length of 0 (EINVAL): a read that changes nothing.
	 */
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
	switch (-rc) {
	case EINVAL:
		hwpt->id = id;
		return 0;
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "libiommu_hwpt_adopt_id: object %" PRIu32 " of this context's iommufd is not a paging HWPT (IOMMU_HWPT_GET_DIRTY_BITMAP: no such HWPT; nested HWPTs are not adopted)",
			       id);
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_HWPT_GET_DIRTY_BITMAP (libiommu_hwpt_adopt_id checks the id with it)",
				   LIBIOMMU_FEAT_DIRTY_TRACKING);
	case 0:
		return lu_fail(ctx, -EPROTO,
			       "IOMMU_HWPT_GET_DIRTY_BITMAP of length 0 on object %" PRIu32 " succeeded: the kernel does not check what the library relies on to tell a HWPT",
			       id);
	default:
		if (lu_refused(rc))
			return lu_fail_refused(ctx, rc, "IOMMU_HWPT_GET_DIRTY_BITMAP (libiommu_hwpt_adopt_id checks the id with it)");
		return lu_fail(ctx, rc, "IOMMU_HWPT_GET_DIRTY_BITMAP on object %" PRIu32 " failed: %s",
			       id, strerror(-rc));
	}
}

/* IOMMU_HWPT_INVALIDATE on object @id, a @what (a nested HWPT or a vIOMMU). */
static int invalidate(struct libiommu_ctx *ctx, uint32_t id, const char *what,
		      uint32_t data_type, const void *entries,
		      uint32_t entry_len, uint32_t *entry_num)
{
	struct lx_iommu_hwpt_invalidate cmd = { .size = sizeof(cmd) };
	uint32_t n = *entry_num;
	int rc;

	*entry_num = 0;
	cmd.hwpt_id = id;
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
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_HWPT_INVALIDATE",
				   LIBIOMMU_FEAT_HWPT_INVALIDATE);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_HWPT_INVALIDATE");
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_HWPT_INVALIDATE on %s %" PRIu32 ": entry %" PRIu32 " of %" PRIu32 " (or the data type %" PRIu32 ", or entry_len %" PRIu32 ") was rejected by the driver",
			       what, id, *entry_num, n, data_type, entry_len);
	case EOPNOTSUPP:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_HWPT_INVALIDATE on %s %" PRIu32 ": the driver does not support this data type (%" PRIu32 ") or entry %" PRIu32 "'s flags",
			       what, id, data_type, *entry_num);
	default:
		return lu_fail(ctx, rc,
			       "IOMMU_HWPT_INVALIDATE on %s %" PRIu32 " failed after %" PRIu32 " of %" PRIu32 " entries: %s",
			       what, id, *entry_num, n, strerror(-rc));
	}
}

static int ifd_hwpt_invalidate(struct libiommu_hwpt *hwpt, uint32_t data_type,
			       const void *entries, uint32_t entry_len,
			       uint32_t *entry_num)
{
	return invalidate(hwpt->ctx, hwpt->id, "HWPT", data_type, entries,
			  entry_len, entry_num);
}

/* ---- vIOMMUs and vDEVICEs ------------------------------------------------ */

static int ifd_viommu_alloc(struct libiommu_dev *dev, uint32_t hwpt_id,
			    uint32_t type, void *data, uint32_t data_len,
			    uint32_t *out_id)
{
	struct lx_iommu_viommu_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	cmd.type = type;
	cmd.dev_id = dev->id;
	cmd.hwpt_id = hwpt_id;
	cmd.data_len = data_len;
	cmd.data_uptr = (uintptr_t)data;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_VIOMMU_ALLOC, &cmd);
	switch (-rc) {
	case 0:
		*out_id = cmd.out_viommu_id;
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_VIOMMU_ALLOC",
				   LIBIOMMU_FEAT_VIOMMU);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_VIOMMU_ALLOC");
	case EOPNOTSUPP:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_VIOMMU_ALLOC: the IOMMU of device %" PRIu32 " has no vIOMMU of type %" PRIu32 " (0x%" PRIx32 "); see libiommu_dev_get_hw_info() for what it is",
			       dev->id, type, type);
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_VIOMMU_ALLOC: device %" PRIu32 " or HWPT %" PRIu32 " does not exist in the kernel any more",
			       dev->id, hwpt_id);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_VIOMMU_ALLOC: the kernel rejected a vIOMMU of type %" PRIu32 " on HWPT %" PRIu32 " for device %" PRIu32 ": invalid driver data (%" PRIu32 " bytes), or a HWPT that is not a nest parent",
			       type, hwpt_id, dev->id, data_len);
	default:
		return lu_fail(ctx, rc, "IOMMU_VIOMMU_ALLOC for device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	}
}

/* IOMMU_DESTROY of a @what with id @id: quiet (context free) or explained. */
static int destroy_explained(struct libiommu_ctx *ctx, uint32_t id,
			     const char *what, const char *users, bool quiet)
{
	int rc = destroy_object(ctx, id);

	if (quiet)
		return rc == -ENOENT ? 0 : rc;
	if (rc == -EBUSY)
		return lu_fail(ctx, -EBUSY,
			       "IOMMU_DESTROY: the kernel says %s %" PRIu32 " is still in use: %s made outside this library",
			       what, id, users);
	if (rc == -ENOENT) {
		lu_warn(ctx, "IOMMU_DESTROY: %s %" PRIu32 " was already destroyed outside the library",
			what, id);
		return 0;
	}
	if (lu_refused(rc))
		return lu_fail_refused(ctx, rc, "IOMMU_DESTROY");
	if (rc)
		return lu_fail(ctx, rc, "IOMMU_DESTROY of %s %" PRIu32 " failed: %s",
			       what, id, strerror(-rc));
	return 0;
}

static int ifd_viommu_destroy(struct libiommu_viommu *viommu, bool quiet)
{
	return destroy_explained(viommu->ctx, viommu->id, "vIOMMU",
				 "a mapping of its region (munmap it), or a vDEVICE, vEVENTQ, HW queue or nested HWPT",
				 quiet);
}

static int ifd_viommu_invalidate(struct libiommu_viommu *viommu,
				 uint32_t data_type, const void *entries,
				 uint32_t entry_len, uint32_t *entry_num)
{
	return invalidate(viommu->ctx, viommu->id, "vIOMMU", data_type,
			  entries, entry_len, entry_num);
}

static int ifd_viommu_mmap(struct libiommu_viommu *viommu, uint64_t offset,
			   size_t length, int prot, void **addr)
{
	struct libiommu_ctx *ctx = viommu->ctx;
	void *p;

	if (offset > (uint64_t)INT64_MAX)
		return lu_fail(ctx, -EINVAL,
			       "mmap of vIOMMU %" PRIu32 ": offset 0x%" PRIx64 " is not one the driver gives",
			       viommu->id, offset);
	p = mmap(NULL, length, prot, MAP_SHARED, ctx->fd, (off_t)offset);
	if (p == MAP_FAILED) {
		int rc = -errno;

		return lu_fail(ctx, rc,
			       "mmap of vIOMMU %" PRIu32 " (offset 0x%" PRIx64 ", length %zu) on the iommufd failed: %s (offset and length must be exactly those the driver returned in its data)",
			       viommu->id, offset, length, strerror(-rc));
	}
	*addr = p;
	return 0;
}

static int ifd_vdevice_alloc(struct libiommu_viommu *viommu,
			     struct libiommu_dev *dev, uint64_t virt_id,
			     uint32_t *out_id)
{
	struct lx_iommu_vdevice_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = viommu->ctx;
	int rc;

	cmd.viommu_id = viommu->id;
	cmd.dev_id = dev->id;
	cmd.virt_id = virt_id;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_VDEVICE_ALLOC, &cmd);
	switch (-rc) {
	case 0:
		*out_id = cmd.out_vdevice_id;
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_VDEVICE_ALLOC",
				   LIBIOMMU_FEAT_VDEVICE);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_VDEVICE_ALLOC");
	case EEXIST:
		return lu_fail(ctx, -EEXIST,
			       "IOMMU_VDEVICE_ALLOC: device %" PRIu32 " already has a vDEVICE, or virtual id 0x%" PRIx64 " is taken in vIOMMU %" PRIu32 " (made outside this library)",
			       dev->id, virt_id, viommu->id);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_VDEVICE_ALLOC: device %" PRIu32 " is not behind the IOMMU of vIOMMU %" PRIu32 ", or virtual id 0x%" PRIx64 " is out of range",
			       dev->id, viommu->id, virt_id);
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_VDEVICE_ALLOC: device %" PRIu32 " or vIOMMU %" PRIu32 " does not exist in the kernel any more",
			       dev->id, viommu->id);
	default:
		return lu_fail(ctx, rc, "IOMMU_VDEVICE_ALLOC of device %" PRIu32 " in vIOMMU %" PRIu32 " failed: %s",
			       dev->id, viommu->id, strerror(-rc));
	}
}

static int ifd_veventq_alloc(struct libiommu_viommu *viommu, uint32_t type,
			     uint32_t depth, uint32_t *out_id, int *out_fd)
{
	struct lx_iommu_veventq_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = viommu->ctx;
	int rc;

	cmd.viommu_id = viommu->id;
	cmd.type = type;
	cmd.veventq_depth = depth;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_VEVENTQ_ALLOC, &cmd);
	switch (-rc) {
	case 0:
		/* iommufd opens it O_CLOEXEC */
		*out_id = cmd.out_veventq_id;
		*out_fd = (int)cmd.out_veventq_fd;
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_VEVENTQ_ALLOC",
				   LIBIOMMU_FEAT_VEVENTQ);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_VEVENTQ_ALLOC");
	case EEXIST:
		return lu_fail(ctx, -EEXIST,
			       "IOMMU_VEVENTQ_ALLOC: vIOMMU %" PRIu32 " has a vEVENTQ of type %" PRIu32 " (0x%" PRIx32 ") already (made outside this library); one per type",
			       viommu->id, type, type);
	case EOPNOTSUPP:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_VEVENTQ_ALLOC: the kernel refused vEVENTQ type %" PRIu32 " (0x%" PRIx32 ")",
			       type, type);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "IOMMU_VEVENTQ_ALLOC: the kernel rejected depth %" PRIu32 " for vIOMMU %" PRIu32,
			       depth, viommu->id);
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_VEVENTQ_ALLOC: vIOMMU %" PRIu32 " does not exist in the kernel any more",
			       viommu->id);
	case EMFILE:
	case ENFILE:
		return lu_fail(ctx, rc,
			       "IOMMU_VEVENTQ_ALLOC: no file descriptor left for the queue's fd (%s)",
			       strerror(-rc));
	default:
		return lu_fail(ctx, rc, "IOMMU_VEVENTQ_ALLOC on vIOMMU %" PRIu32 " failed: %s",
			       viommu->id, strerror(-rc));
	}
}

static int ifd_veventq_destroy(struct libiommu_veventq *q, bool quiet)
{
	return destroy_explained(q->viommu->ctx, q->id, "vEVENTQ",
				 "an object", quiet);
}

static int ifd_hw_queue_alloc(struct libiommu_viommu *viommu, uint32_t type,
			      uint32_t index, uint64_t iova, uint64_t length,
			      uint32_t *out_id)
{
	struct lx_iommu_hw_queue_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx = viommu->ctx;
	int rc;

	cmd.viommu_id = viommu->id;
	cmd.type = type;
	cmd.index = index;
	cmd.nesting_parent_iova = iova;
	cmd.length = length;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_HW_QUEUE_ALLOC, &cmd);
	switch (-rc) {
	case 0:
		*out_id = cmd.out_hw_queue_id;
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_HW_QUEUE_ALLOC",
				   LIBIOMMU_FEAT_HW_QUEUE);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_HW_QUEUE_ALLOC");
	case EOPNOTSUPP:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_HW_QUEUE_ALLOC: vIOMMU %" PRIu32 " has no HW queue of type %" PRIu32 " (0x%" PRIx32 ")",
			       viommu->id, type, type);
	case EEXIST:
		return lu_fail(ctx, -EEXIST,
			       "IOMMU_HW_QUEUE_ALLOC: vIOMMU %" PRIu32 " has a HW queue at index %" PRIu32 " already",
			       viommu->id, index);
	case ENOENT:
	case ERANGE:
	case EOVERFLOW:
		return lu_fail(ctx, rc,
			       "IOMMU_HW_QUEUE_ALLOC: [0x%" PRIx64 ", +0x%" PRIx64 ") is not mapped in the IOAS of vIOMMU %" PRIu32 "'s parent (%s); map the guest memory first",
			       iova, length, viommu->id, strerror(-rc));
	case EFAULT:
		return lu_fail(ctx, -EFAULT,
			       "IOMMU_HW_QUEUE_ALLOC: the memory at 0x%" PRIx64 " (+0x%" PRIx64 ") is not physically contiguous, or not where the driver reads it",
			       iova, length);
	case EIO:
	case EINVAL:
		return lu_fail(ctx, rc,
			       "IOMMU_HW_QUEUE_ALLOC: the driver refused index %" PRIu32 " or length 0x%" PRIx64 " on vIOMMU %" PRIu32 " (%s; a queue may need the one before it)",
			       index, length, viommu->id, strerror(-rc));
	default:
		return lu_fail(ctx, rc, "IOMMU_HW_QUEUE_ALLOC on vIOMMU %" PRIu32 " failed: %s",
			       viommu->id, strerror(-rc));
	}
}

static int ifd_hw_queue_destroy(struct libiommu_hw_queue *q, bool quiet)
{
	return destroy_explained(q->viommu->ctx, q->id, "HW queue",
				 "a HW queue that depends on it, or one",
				 quiet);
}

static int ifd_fault_queue_alloc(struct libiommu_ctx *ctx, uint32_t *out_id,
				 int *out_fd)
{
	struct lx_iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int rc = lu_ioctl(ctx->fd, LX_IOMMU_FAULT_QUEUE_ALLOC, &cmd);

	switch (-rc) {
	case 0:
		/* iommufd opens it O_CLOEXEC */
		*out_id = cmd.out_fault_id;
		*out_fd = (int)cmd.out_fault_fd;
		return 0;
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_FAULT_QUEUE_ALLOC",
				   LIBIOMMU_FEAT_FAULT_QUEUE);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_FAULT_QUEUE_ALLOC");
	case EMFILE:
	case ENFILE:
		return lu_fail(ctx, rc,
			       "IOMMU_FAULT_QUEUE_ALLOC: no file descriptor left for the queue's fd (%s)",
			       strerror(-rc));
	default:
		return lu_fail(ctx, rc, "IOMMU_FAULT_QUEUE_ALLOC failed: %s",
			       strerror(-rc));
	}
}

static int ifd_fault_queue_destroy(struct libiommu_fault_queue *fq,
				   bool quiet)
{
	return destroy_explained(fq->ctx, fq->id, "fault queue",
				 "a HWPT or a duplicate of its fd", quiet);
}

static int ifd_fault_queue_respond(struct libiommu_fault_queue *fq,
				   uint32_t cookie, uint32_t code)
{
	struct lx_iommu_hwpt_page_response r = { .cookie = cookie,
						 .code = code };
	ssize_t n;

	do {
		n = write(fq->fd, &r, sizeof(r));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(r))
		return 0;
	if (n >= 0)
		return lu_fail(fq->ctx, -EIO,
			       "answering fault group %" PRIu32 " on fault queue %" PRIu32 ": a short write (%zd bytes)",
			       cookie, fq->id, n);
	/* the code was checked: EINVAL is a cookie no read group has */
	if (errno == EINVAL)
		return -ENOENT;
	return lu_fail(fq->ctx, -errno,
		       "answering fault group %" PRIu32 " on fault queue %" PRIu32 " (fd %d) failed: %s",
		       cookie, fq->id, fq->fd, strerror(errno));
}

static int ifd_vdevice_destroy(struct libiommu_vdevice *vdev, bool quiet)
{
	return destroy_explained(vdev->viommu->ctx, vdev->id, "vDEVICE",
				 "an object", quiet);
}

/*
 * Dirty tracking of an IOAS: iommufd tracks per HWPT, so the IOAS's answer
 * is that of every HWPT of it that can track.  A device attached to the
 * IOAS directly uses a HWPT the kernel made without tracking: its writes
 * would be missed, so refuse rather than under-report.  ctx->lock held.
 */
static int dirty_hwpts(struct libiommu_ioas *ioas, const char *fn,
		       struct libiommu_hwpt **out, size_t cap, size_t *nr)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct libiommu_hwpt *h;
	struct libiommu_dev *d;
	size_t i;

	lu_list_for_each(d, &ctx->dev_list, node) {
		bool direct = d->rid_attached && d->rid.ioas == ioas;

		for (i = 0; i < d->nr_pasids && !direct; i++)
			direct = d->pasids[i].ioas == ioas;
		if (direct)
			return lu_fail(ctx, -EOPNOTSUPP,
				       "%s: device %" PRIu32 " is attached to IOAS %" PRIu32 " itself, so it runs on a HWPT without dirty tracking (one the library placed it on, or the kernel's); iommufd tracks dirty pages per HWPT: allocate one with LIBIOMMU_HWPT_DIRTY_TRACKING on this IOAS and attach the devices to it",
				       fn, d->id, ioas->id);
	}
	*nr = 0;
	lu_list_for_each(h, &ctx->hwpt_list, node) {
		if (h->nested || h->ioas != ioas ||
		    !(h->flags & LIBIOMMU_HWPT_DIRTY_TRACKING))
			continue;
		if (*nr < cap)
			out[*nr] = h;
		(*nr)++;
	}
	if (*nr == 0)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: IOAS %" PRIu32 " has no HWPT allocated with LIBIOMMU_HWPT_DIRTY_TRACKING; iommufd tracks dirty pages per HWPT: allocate one on this IOAS (libiommu_hwpt_alloc) and attach the devices to it",
			       fn, ioas->id);
	if (*nr > cap)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: IOAS %" PRIu32 " has %zu dirty-tracking HWPTs, more than the %zu this library handles per IOAS",
			       fn, ioas->id, *nr, cap);
	return 0;
}

#define LU_MAX_DIRTY_HWPTS 16

static int ifd_ioas_dirty_tracking(struct libiommu_ioas *ioas, bool enable)
{
	struct libiommu_hwpt *h[LU_MAX_DIRTY_HWPTS];
	size_t nr, i;
	int rc;

	rc = dirty_hwpts(ioas, "libiommu_ioas_set_dirty_tracking", h,
			 LU_ARRAY_SIZE(h), &nr);
	if (rc)
		return rc;
	for (i = 0; i < nr; i++) {
		rc = ifd_hwpt_set_dirty(h[i], enable);
		if (rc) {
			while (i--)
				ifd_hwpt_set_dirty(h[i], !enable);
			return rc;
		}
	}
	return 0;
}

static int ifd_ioas_dirty_bitmap(struct libiommu_ioas *ioas, uint64_t iova,
				 uint64_t length, uint64_t page_size,
				 uint64_t *bitmap, uint32_t flags)
{
	struct libiommu_hwpt *h[LU_MAX_DIRTY_HWPTS];
	size_t nr, i;
	int rc;

	rc = dirty_hwpts(ioas, "libiommu_ioas_get_dirty_bitmap", h,
			 LU_ARRAY_SIZE(h), &nr);
	if (rc)
		return rc;
	/* One clear; then every HWPT ORs its dirty bits into the same bitmap. */
	memset(bitmap, 0, bitmap_bytes(length, page_size));
	for (i = 0; i < nr && !rc; i++)
		rc = hwpt_dirty_read(h[i], iova, length, page_size, bitmap,
				     flags);
	return rc;
}

/* ---- devices ----------------------------------------------------------------- */

/* Did an earlier bind or a VFIO group already grant access to this fd? */
static bool fd_has_access(int fd)
{
	struct lx_vfio_device_info info = { .argsz = sizeof(info) };

	return lu_ioctl(fd, LX_VFIO_DEVICE_GET_INFO, &info) == 0;
}

/*
 * The bind's EPERM has three causes: another device of the IOMMU group is
 * bound to a host driver (the group is not viable), or to another iommufd
 * (a group has one owner), or the IOMMU cannot isolate the device's MSIs.
 * sysfs tells the first apart; a group of one device rules out the second.
 */
static int fail_bind_eperm(struct libiommu_ctx *ctx, int fd, const char *what)
{
	char num[32], blockers[512] = "";
	int devices = 0;

	if (lu_cdev_group_num(fd, num, sizeof(num)) == 0)
		devices = lu_group_blockers(num, blockers, sizeof(blockers));
	else
		snprintf(num, sizeof(num), "?");
	if (*blockers)
		return lu_fail(ctx, -EPERM,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: its IOMMU group %s is not viable: every device of an IOMMU group must be bound to vfio-pci (or to no driver) before one of them can be used; these are not: %s; bind them to vfio-pci (driver_override + drivers_probe) or unbind them",
			       what, num, blockers);
	if (devices > 1)
		return lu_fail(ctx, -EPERM,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: refused: another device of its IOMMU group %s (%d devices) is bound to another iommufd (a group belongs to one iommufd at a time: bind all its devices to the same context), or the IOMMU cannot isolate the device's MSIs (no interrupt remapping: enable it, or accept the risk with the iommufd.allow_unsafe_interrupts=1 kernel parameter)",
			       what, num, devices);
	return lu_fail(ctx, -EPERM,
		       "VFIO_DEVICE_BIND_IOMMUFD on %s: the device's IOMMU cannot isolate its MSIs (no interrupt remapping); enable IRQ remapping, or accept the risk with the iommufd.allow_unsafe_interrupts=1 kernel parameter",
		       what);
}

#define NOT_A_CDEV \
	"VFIO_DEVICE_BIND_IOMMUFD on %s: not a VFIO device cdev (expected /dev/vfio/devices/vfioN; the kernel needs CONFIG_VFIO_DEVICE_CDEV)"

static int fail_bind(struct libiommu_ctx *ctx, int rc, int fd, const char *what,
		     bool token)
{
	/*
	 * Other drivers answer an ioctl they do not know with EINVAL (KVM,
	 * a VFIO container) or anything else: only a cdev's errno means
	 * what the cases below say.
	 */
	if (rc == -ENOTTY || lu_is_vfio_cdev(fd) == 0)
		return lu_fail(ctx, -ENOTTY, NOT_A_CDEV, what);
	switch (-rc) {
	case EINVAL:
		if (fd_has_access(fd))
			return lu_fail(ctx, -EINVAL,
				       "VFIO_DEVICE_BIND_IOMMUFD on %s: the fd is already bound to an iommufd, or was obtained from a VFIO group (legacy); a device bound to this context by other means can be adopted with libiommu_dev_adopt_fd() and its device id",
				       what);
		if (token)
			return lu_fail(ctx, -EINVAL,
				       "VFIO_DEVICE_BIND_IOMMUFD on %s: the kernel rejected the bind: the device is already open through another cdev fd (it can be bound once), the VF token does not match the PF's, or this device takes no VF token",
				       what);
		return lu_fail(ctx, -EINVAL,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: the kernel rejected the bind: the device is already open through another cdev fd (a VFIO device can be bound once at a time), or it is a VF whose PF is bound to vfio-pci and needs the PF's VF token (LIBIOMMU_DEV_VF_TOKEN)",
			       what);
	case EACCES:
		return lu_fail(ctx, -EACCES,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: the device needs a VF token (it is a VF whose PF is bound to vfio-pci, or a PF with VFs in use) and none or a wrong one was given: set LIBIOMMU_DEV_VF_TOKEN and the PF's token",
			       what);
	case EPERM:
		return fail_bind_eperm(ctx, fd, what);
	case EBUSY:
		return lu_fail(ctx, -EBUSY,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: the device is in use through its VFIO group (/dev/vfio/<group>); close that first",
			       what);
	case EBADF:
		return lu_fail(ctx, -EBADF,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: the context's iommufd (fd %d) is not open any more",
			       what, ctx->fd);
	case ENODEV:
		return lu_fail(ctx, -ENODEV,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: the device is going away (unbound from its driver)",
			       what);
	case ENOMEM:
		return lu_fail(ctx, -ENOMEM,
			       "VFIO_DEVICE_BIND_IOMMUFD on %s: the kernel is out of memory",
			       what);
	default:
		return lu_fail(ctx, rc, "VFIO_DEVICE_BIND_IOMMUFD on %s failed: %s",
			       what, strerror(-rc));
	}
}

/* Bind dev->fd (already set) to the context's iommufd. */
static int ifd_dev_open_fd(struct libiommu_dev *dev, int fd, bool owns_fd,
			   const struct libiommu_dev_opts *opts, const char *what)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lx_vfio_device_bind_iommufd cmd = {
		.argsz = sizeof(cmd),
		.iommufd = ctx->fd,
	};
	bool token = LU_OPTS_GET(opts, flags, 0) & LIBIOMMU_DEV_VF_TOKEN;
	int rc;

	if (token) {
		cmd.flags |= LX_VFIO_DEVICE_BIND_FLAG_TOKEN;
		cmd.token_uuid_ptr = (uintptr_t)opts->vf_token;
	}
	rc = lu_ioctl(fd, LX_VFIO_DEVICE_BIND_IOMMUFD, &cmd);
	if (rc)
		return fail_bind(ctx, rc, fd, what, token);
	dev->fd = fd;
	dev->owns_fd = owns_fd;
	dev->id = cmd.out_devid;
	return 0;
}

static int ifd_dev_open(struct libiommu_dev *dev, const char *path,
			const struct libiommu_dev_opts *opts)
{
	struct libiommu_ctx *ctx = dev->ctx;
	int fd, rc;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		switch (err) {
		case ENOENT:
			return lu_fail(ctx, -err,
				       "%s does not exist (VFIO device cdevs are /dev/vfio/devices/vfioN: bind the device to vfio-pci; the kernel needs CONFIG_VFIO_DEVICE_CDEV, without it use the type1 backend)",
				       path);
		case EACCES:
		case EPERM:
			return lu_fail(ctx, -err,
				       "cannot open %s: %s: read+write permission on the device node is needed",
				       path, strerror(err));
		default:
			/* a directory (EISDIR), a VFIO group in use (EBUSY), ... */
			if (lu_path_is_vfio_cdev(path) == 0)
				return lu_fail(ctx, -ENOTTY,
					       "%s is not a VFIO device cdev (/dev/vfio/devices/vfioN); opening it failed: %s",
					       path, strerror(err));
			return lu_fail(ctx, -err, "cannot open %s: %s", path,
				       strerror(err));
		}
	}
	rc = ifd_dev_open_fd(dev, fd, true, opts, path);
	if (rc)
		close(fd);
	return rc;
}

static int fail_attach(struct libiommu_dev *dev, int rc, uint32_t pasid,
		       const char *target, uint32_t pt_id)
{
	struct libiommu_ctx *ctx = dev->ctx;
	char where[40] = "";

	if (pasid != LIBIOMMU_NO_PASID)
		snprintf(where, sizeof(where), " (PASID %" PRIu32 ")", pasid);
	switch (-rc) {
	case ENOTTY:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT: the kernel's VFIO has no cdev attach ioctl (needs CONFIG_VFIO_DEVICE_CDEV)");
	case EOPNOTSUPP:
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT%s: device %" PRIu32 " (or its driver, or its IOMMU) cannot be attached to %s %" PRIu32 "%s",
			       where, dev->id, target, pt_id,
			       pasid != LIBIOMMU_NO_PASID ? ": no PASID attach support" : "");
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT%s: %s %" PRIu32 " does not exist in the kernel any more (destroyed through the raw fd?)",
			       where, target, pt_id);
	case EADDRINUSE:
		return lu_fail(ctx, -EADDRINUSE,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT%s: a mapping of %s %" PRIu32 " overlaps a reserved IOVA region of device %" PRIu32 " (e.g. its MSI window); unmap it first",
			       where, target, pt_id, dev->id);
	case EINVAL:
		if (pasid != LIBIOMMU_NO_PASID)
			return lu_fail(ctx, -EINVAL,
				       "VFIO_DEVICE_ATTACH_IOMMUFD_PT%s: the kernel rejected the attach to %s %" PRIu32 ": the HWPT is not PASID-capable (allocate it with LIBIOMMU_HWPT_PASID), the PASID is out of range, or the kernel predates PASID attach",
				       where, target, pt_id);
		return lu_fail(ctx, -EINVAL,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT: the IOMMU rejected attaching device %" PRIu32 " to %s %" PRIu32 " (a HWPT made for another IOMMU instance or with incompatible flags, or PASIDs attached to a HWPT that is not PASID-capable)",
			       dev->id, target, pt_id);
	case ENOMEM:
		return lu_fail(ctx, -ENOMEM,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT%s: out of memory (pinning pages for a new HWPT counts against RLIMIT_MEMLOCK)",
			       where);
	default:
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT%s of device %" PRIu32 " to %s %" PRIu32 " failed: %s",
			       where, dev->id, target, pt_id, strerror(-rc));
	}
}

static int dev_attach_pt(struct libiommu_dev *dev, uint32_t pasid,
			 struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt,
			 uint32_t *hwpt_id, bool quiet)
{
	struct lx_vfio_device_attach_iommufd_pt cmd = { .argsz = sizeof(cmd) };
	const char *target = ioas ? "IOAS" : "HWPT";
	uint32_t pt_id = ioas ? ioas->id : hwpt->id;
	int rc;

	if (pasid != LIBIOMMU_NO_PASID) {
		cmd.flags = LX_VFIO_DEVICE_ATTACH_PASID;
		cmd.pasid = pasid;
	}
	cmd.pt_id = pt_id;
	rc = lu_ioctl(dev->fd, LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);
	if (rc == -EINVAL && quiet)
		return rc;
	if (rc)
		return fail_attach(dev, rc, pasid, target, pt_id);
	*hwpt_id = cmd.pt_id;
	return 0;
}

static int dev_detach_pt(struct libiommu_dev *dev, uint32_t pasid)
{
	struct lx_vfio_device_detach_iommufd_pt cmd = {
		.argsz = sizeof(cmd),
	};
	struct libiommu_ctx *ctx = dev->ctx;
	int rc;

	if (pasid != LIBIOMMU_NO_PASID) {
		cmd.flags = LX_VFIO_DEVICE_DETACH_PASID;
		cmd.pasid = pasid;
	}
	rc = lu_ioctl(dev->fd, LX_VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd);
	if (rc == -ENOTTY)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "VFIO_DEVICE_DETACH_IOMMUFD_PT: the kernel's VFIO has no cdev detach ioctl");
	if (rc)
		return lu_fail(ctx, rc,
			       "VFIO_DEVICE_DETACH_IOMMUFD_PT of device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	return 0;
}

static int ifd_dev_attach(struct libiommu_dev *dev, struct libiommu_ioas *ioas,
			  struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
			  bool quiet)
{
	return dev_attach_pt(dev, LIBIOMMU_NO_PASID, ioas, hwpt, hwpt_id, quiet);
}

static int ifd_dev_detach(struct libiommu_dev *dev)
{
	return dev_detach_pt(dev, LIBIOMMU_NO_PASID);
}

static int ifd_dev_pasid_attach(struct libiommu_dev *dev, uint32_t pasid,
				struct libiommu_ioas *ioas,
				struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
				bool quiet)
{
	return dev_attach_pt(dev, pasid, ioas, hwpt, hwpt_id, quiet);
}

static int ifd_dev_pasid_detach(struct libiommu_dev *dev, uint32_t pasid)
{
	return dev_detach_pt(dev, pasid);
}

/* ---- IOMMU hardware info --------------------------------------------------- */

static int get_hw_info(struct libiommu_dev *dev, uint32_t flags,
		       uint32_t type, void *data, uint32_t len,
		       struct lx_iommu_hw_info *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->flags = flags;
	cmd->dev_id = dev->id;
	cmd->data_len = len;
	cmd->data_uptr = (uintptr_t)data;
	cmd->in_data_type = type;
	return lu_ioctl(dev->ctx->fd, LX_IOMMU_GET_HW_INFO, cmd);
}

static int fail_hw_info(struct libiommu_dev *dev, int rc, uint32_t type)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lx_iommu_hw_info probe;
	const char *name;

	switch (-rc) {
	case ENOTTY:
		return fail_no_cmd(ctx, "IOMMU_GET_HW_INFO",
				   LIBIOMMU_FEAT_GET_HW_INFO);
	case EPERM:
	case EACCES:
		return lu_fail_refused(ctx, rc, "IOMMU_GET_HW_INFO");
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "IOMMU_GET_HW_INFO: device %" PRIu32 " is not bound to this context any more",
			       dev->id);
	case EOPNOTSUPP:
		if (type == LIBIOMMU_HW_TYPE_DEFAULT)
			return lu_fail(ctx, -EOPNOTSUPP,
				       "IOMMU_GET_HW_INFO: device %" PRIu32 " has no IOMMU hardware info (a device without IOMMU translation?)",
				       dev->id);
		/* Tell "kernel too old for a typed request" from "driver says no". */
		if (get_hw_info(dev, LX_IOMMU_HW_INFO_FLAG_INPUT_TYPE, 0, NULL,
				0, &probe) == -EOPNOTSUPP)
			return lu_fail(ctx, -EOPNOTSUPP,
				       "IOMMU_GET_HW_INFO: the kernel cannot report a chosen data type (no IOMMU_HW_INFO_FLAG_INPUT_TYPE; a newer kernel is needed): only LIBIOMMU_HW_TYPE_DEFAULT works");
		name = lu_hw_type_name(type);
		return lu_fail(ctx, -EOPNOTSUPP,
			       "IOMMU_GET_HW_INFO: the IOMMU driver of device %" PRIu32 " does not report data of type %s (0x%" PRIx32 ")",
			       dev->id, name ? name : "unknown", type);
	default:
		return lu_fail(ctx, rc, "IOMMU_GET_HW_INFO on device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	}
}

static int ifd_hw_info(struct libiommu_dev *dev, uint32_t type, void *data,
		       uint32_t len, struct lu_hw_info_out *out, bool quiet)
{
	struct lx_iommu_hw_info cmd;
	int rc;

	rc = get_hw_info(dev, type ? LX_IOMMU_HW_INFO_FLAG_INPUT_TYPE : 0, type,
			 len ? data : NULL, len, &cmd);
	/* Quietly, a kernel without the command has no info to give. */
	if (rc && quiet)
		return rc == -ENOTTY ? -EOPNOTSUPP : rc;
	if (rc)
		return fail_hw_info(dev, rc, type);
	out->data_len = cmd.data_len;
	out->data_type = cmd.out_data_type;
	out->caps = cmd.out_capabilities;
	out->max_pasid_log2 = cmd.out_max_pasid_log2;
	return 0;
}

/* Is @dev_id a device bound to this iommufd?  @fn: the public function. */
static int check_dev_id(struct libiommu_dev *dev, uint32_t dev_id,
			const char *fn)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lu_hw_info_out out;
	int rc;

	dev->id = dev_id;
	/* A harmless question only a bound device of this iommufd answers. */
	rc = ifd_hw_info(dev, 0, NULL, 0, &out, LU_QUIET);
	if (rc == -ENOENT)
		return lu_fail(ctx, -ENOENT,
			       "%s: object %" PRIu32 " of this context's iommufd is not a bound device (IOMMU_GET_HW_INFO: no such device); pass the id VFIO_DEVICE_BIND_IOMMUFD gave the device (libiommu_dev_id() of its handle)",
			       fn, dev_id);
	if (lu_refused(rc))
		return lu_fail_refused(ctx, rc, "IOMMU_GET_HW_INFO (the library checks that the id is a bound device with it)");
	/*
	 * Other answers (a device without IOMMU info, a kernel without the
	 * command) still prove it is one, or cannot tell.
	 */
	return 0;
}

static int ifd_dev_adopt_id(struct libiommu_dev *dev, uint32_t dev_id)
{
	return check_dev_id(dev, dev_id, "libiommu_dev_adopt_id");
}

static int ifd_dev_adopt_fd(struct libiommu_dev *dev, int fd, bool owns_fd,
			    uint32_t dev_id)
{
	struct libiommu_ctx *ctx = dev->ctx;
	uint32_t flags;
	int rc;

	rc = check_dev_id(dev, dev_id, "libiommu_dev_adopt_fd");
	if (rc)
		return rc;
	dev->fd = fd;
	/* VFIO answers GET_INFO on a cdev fd only once it is bound. */
	rc = lu_vfio_dev_info_flags(dev, &flags);
	if (rc) {
		dev->fd = -1;
		/*
		 * Not every other file answers ENOTTY: /dev/kvm and a VFIO
		 * container without an IOMMU say EINVAL, as an unbound cdev
		 * does.  Only a VFIO device cdev can be "not bound yet".
		 */
		if (rc == -EINVAL && lu_is_vfio_cdev(fd) == 0)
			rc = -ENOTTY;
		if (rc == -EINVAL)
			return lu_fail(ctx, -EINVAL,
				       "VFIO_DEVICE_GET_INFO on fd %d: the VFIO device is not bound to an iommufd yet; bind it with libiommu_dev_open_fd()",
				       fd);
		if (rc == -ENOTTY)
			return lu_fail(ctx, -ENOTTY,
				       "VFIO_DEVICE_GET_INFO on fd %d: not a VFIO device fd (a VFIO device cdev, /dev/vfio/devices/vfioN, bound to this context's iommufd)",
				       fd);
		if (lu_refused(rc))
			return lu_fail_refused(ctx, rc, "VFIO_DEVICE_GET_INFO");
		return lu_fail(ctx, rc, "VFIO_DEVICE_GET_INFO on fd %d failed: %s",
			       fd, strerror(-rc));
	}
	dev->owns_fd = owns_fd;
	return 0;
}

/* Devices bound to the iommufd prove themselves: no group fds. */
static int ifd_hot_reset_fds(struct libiommu_ctx *ctx, int32_t *fds,
			     uint32_t max)
{
	(void)ctx;
	(void)fds;
	(void)max;
	return 0;
}

const struct lu_backend_ops lu_backend_iommufd = {
	.kind = LIBIOMMU_BACKEND_IOMMUFD,
	.name = "iommufd",
	.has_feature = lu_iommufd_probe,
	.memlock_mode = ifd_memlock_mode,
	.ioas_alloc = ifd_ioas_alloc,
	.ioas_destroy = ifd_ioas_destroy,
	.ioas_release = ifd_ioas_release,
	.ioas_adopt_id = ifd_ioas_adopt_id,
	.change_process = ifd_change_process,
	.map = ifd_map,
	.map_file = ifd_map_file,
	.copy = ifd_copy,
	.unmap = ifd_unmap,
	.unmap_all = ifd_unmap_all,
	.get_ranges = ifd_get_ranges,
	.allow_iovas = ifd_allow_iovas,
	.set_huge_pages = ifd_set_huge_pages,
	.get_huge_pages = ifd_get_huge_pages,
	.ioas_dirty_tracking = ifd_ioas_dirty_tracking,
	.ioas_dirty_bitmap = ifd_ioas_dirty_bitmap,
	.dev_open = ifd_dev_open,
	.dev_open_fd = ifd_dev_open_fd,
	.dev_adopt_id = ifd_dev_adopt_id,
	.dev_adopt_fd = ifd_dev_adopt_fd,
	.dev_attach = ifd_dev_attach,
	.dev_detach = ifd_dev_detach,
	.dev_pasid_attach = ifd_dev_pasid_attach,
	.dev_pasid_detach = ifd_dev_pasid_detach,
	.dev_kvm_file = lu_vfio_dev_kvm_file,
	.hw_info = ifd_hw_info,
	.region_info = lu_vfio_region_info,
	.region_pio = lu_vfio_region_pio,
	.region_mmap = lu_vfio_region_mmap,
	.dev_info_flags = lu_vfio_dev_info_flags,
	.dev_ioctl = lu_vfio_dev_ioctl,
	.hot_reset_fds = ifd_hot_reset_fds,
	.dev_feature = lu_vfio_dev_feature,
	.hwpt_alloc = ifd_hwpt_alloc,
	.hwpt_destroy = ifd_hwpt_destroy,
	.hwpt_adopt_id = ifd_hwpt_adopt_id,
	.hwpt_set_dirty = ifd_hwpt_set_dirty,
	.hwpt_get_dirty = ifd_hwpt_get_dirty,
	.hwpt_invalidate = ifd_hwpt_invalidate,
	.viommu_alloc = ifd_viommu_alloc,
	.viommu_destroy = ifd_viommu_destroy,
	.viommu_invalidate = ifd_viommu_invalidate,
	.viommu_mmap = ifd_viommu_mmap,
	.vdevice_alloc = ifd_vdevice_alloc,
	.vdevice_destroy = ifd_vdevice_destroy,
	.veventq_alloc = ifd_veventq_alloc,
	.veventq_destroy = ifd_veventq_destroy,
	.hw_queue_alloc = ifd_hw_queue_alloc,
	.hw_queue_destroy = ifd_hw_queue_destroy,
	.fault_queue_alloc = ifd_fault_queue_alloc,
	.fault_queue_destroy = ifd_fault_queue_destroy,
	.fault_queue_respond = ifd_fault_queue_respond,
	.why_not = {
		[LU_OP_DEV_OPEN_GROUP] =
			"VFIO groups belong to the legacy container interface: create the context with LIBIOMMU_BACKEND_TYPE1 or LIBIOMMU_BACKEND_IOMMUFD_COMPAT, or open the device's cdev with libiommu_dev_open()",
	},
};
