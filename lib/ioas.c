// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * I/O address spaces: IOMMU_IOAS_* on an iommufd.
 *
 * Everything the library can know is checked before the ioctl, so that the
 * caller gets a message naming the argument at fault; what only the kernel
 * knows (overlaps, reserved regions, memlock accounting) is translated from
 * its errno into a message saying what happened and what to do about it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "uapi/iommufd.h"

/* Our public range struct is handed to the kernel as is: same layout. */
_Static_assert(sizeof(struct libiommu_iova_range) == sizeof(struct lx_iommu_iova_range),
	       "libiommu_iova_range must match the kernel's iova range");
_Static_assert(offsetof(struct libiommu_iova_range, start) ==
		       offsetof(struct lx_iommu_iova_range, start) &&
	       offsetof(struct libiommu_iova_range, last) ==
		       offsetof(struct lx_iommu_iova_range, last),
	       "libiommu_iova_range must match the kernel's iova range");

#define MAP_KNOWN_FLAGS \
	(LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA)
#define IOAS_KNOWN_FLAGS LIBIOMMU_IOAS_NO_HUGE_PAGES

/* Log, set errno and return the negative errno, in one expression. */
#define FAIL(ctx, err, ...) lu_ret(lu_fail(ctx, err, __VA_ARGS__))

/*
 * A NULL handle has no context to log to; lu_fail() with a NULL ctx only
 * sets the return value, which is all that can be done.
 */
#define CHECK_IOAS(ioas, fn)                                              \
	do {                                                              \
		if (!(ioas))                                              \
			return FAIL(NULL, EINVAL, fn ": ioas is NULL");    \
	} while (0)

static uint64_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (uint64_t)ps : 4096;
}

static bool aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

/* ---- handle list ---------------------------------------------------------- */

/*
 * The ctx keeps every IOAS handle so that libiommu_ctx_free() can free the
 * ones the caller forgot.  The list is not locked: see the thread-safety
 * notes in libiommu_ioas_alloc(3).
 */
static void list_add(struct libiommu_ioas *ioas)
{
	ioas->next = ioas->ctx->ioas_list;
	ioas->ctx->ioas_list = ioas;
}

static void list_del(struct libiommu_ioas *ioas)
{
	struct libiommu_ioas **pp;

	for (pp = &ioas->ctx->ioas_list; *pp; pp = &(*pp)->next) {
		if (*pp == ioas) {
			*pp = ioas->next;
			return;
		}
	}
}

static int destroy_object(struct libiommu_ctx *ctx, uint32_t id)
{
	struct lx_iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return lu_ioctl(ctx->fd, LX_IOMMU_DESTROY, &cmd);
}

void lu_ioas_free_all(struct libiommu_ctx *ctx)
{
	struct libiommu_ioas *ioas, *next;

	for (ioas = ctx->ioas_list; ioas; ioas = next) {
		next = ioas->next;
		/*
		 * Closing an owned fd destroys every kernel object; a borrowed
		 * fd stays open, so give back what we made on it.
		 */
		if (!ctx->owns_fd)
			destroy_object(ctx, ioas->id);
		free(ioas);
	}
	ctx->ioas_list = NULL;
}

/* ---- error translation ------------------------------------------------- */

/* A kernel errno the per-call code did not explain. */
static int fail_generic(struct libiommu_ctx *ctx, int err, const char *cmd,
			uint32_t ioas_id)
{
	switch (-err) {
	case ENOTTY:
		return FAIL(ctx, EOPNOTSUPP,
			    "%s: the kernel does not know this command (needs a newer iommufd)",
			    cmd);
	case ENOENT:
		return FAIL(ctx, ENOENT,
			    "%s: IOAS %" PRIu32 " does not exist in the kernel any more (destroyed through the raw fd?)",
			    cmd, ioas_id);
	case EOVERFLOW:
		return FAIL(ctx, EOVERFLOW,
			    "%s: an address or length is too large for this kernel",
			    cmd);
	default:
		return FAIL(ctx, -err, "%s on IOAS %" PRIu32 " failed: %s", cmd,
			    ioas_id, strerror(-err));
	}
}

/*
 * ENOMEM when mapping is nearly always RLIMIT_MEMLOCK: iommufd charges
 * pinned pages to the user's locked memory once a device is attached.
 */
static int fail_nomem(struct libiommu_ctx *ctx, const char *cmd,
		      uint64_t length)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		return FAIL(ctx, ENOMEM,
			    "%s: cannot pin %" PRIu64 " bytes: RLIMIT_MEMLOCK is %llu bytes and counts every page already pinned by this user; raise it (ulimit -l, setrlimit, LimitMEMLOCK=) or map less",
			    cmd, length, (unsigned long long)rl.rlim_cur);
	return FAIL(ctx, ENOMEM,
		    "%s: cannot pin %" PRIu64 " bytes: the kernel is out of memory (RLIMIT_MEMLOCK is unlimited)",
		    cmd, length);
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
 * tell apart: the IOVA breaks the IOAS's alignment, or the range touches a
 * reserved region.  Ask it for the ranges and say which.
 */
static int fail_fixed_einval(struct libiommu_ctx *ctx, const char *cmd,
			     uint32_t id, uint64_t iova, uint64_t length)
{
	struct libiommu_iova_range r[16];
	uint32_t nr = ARRAY_SIZE(r), i;
	uint64_t align = 0, last = iova + length - 1;

	if (query_ranges(ctx, id, r, &nr, &align) == 0) {
		if (align > 1 && (!aligned(iova, align) || !aligned(length, align)))
			return FAIL(ctx, EINVAL,
				    "%s: IOVA 0x%" PRIx64 "/length 0x%" PRIx64 " not aligned to 0x%" PRIx64 ", the IOAS's minimum alignment",
				    cmd, iova, length, align);
		for (i = 0; i < nr; i++)
			if (iova >= r[i].start && last <= r[i].last)
				break;
		if (i == nr)
			return FAIL(ctx, EINVAL,
				    "%s: IOVA range [0x%" PRIx64 ", 0x%" PRIx64 "] is not inside one usable range (it touches a reserved region); pick one from libiommu_ioas_get_ranges()",
				    cmd, iova, last);
	}
	return FAIL(ctx, EINVAL,
		    "%s: the kernel rejected IOVA range [0x%" PRIx64 ", 0x%" PRIx64 "] (alignment or reserved region)",
		    cmd, iova, last);
}

/* Errors common to MAP, MAP_FILE and COPY once the pages are found. */
static int fail_map(struct libiommu_ctx *ctx, int err, const char *cmd,
		    uint32_t id, uint64_t iova, uint64_t length, uint32_t flags)
{
	bool fixed = flags & LIBIOMMU_MAP_FIXED_IOVA;

	switch (-err) {
	case EEXIST:
		return FAIL(ctx, EEXIST,
			    "%s: an existing mapping overlaps [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32 "; unmap it first or let the kernel choose the IOVA",
			    cmd, iova, iova + length - 1, id);
	case EINVAL:
		if (fixed)
			return fail_fixed_einval(ctx, cmd, id, iova, length);
		return FAIL(ctx, EINVAL,
			    "%s: the kernel rejected the request (length 0x%" PRIx64 " not a multiple of the IOAS's IOVA alignment?)",
			    cmd, length);
	case ENOSPC:
		return FAIL(ctx, ENOSPC,
			    "%s: no free IOVA range of %" PRIu64 " bytes in IOAS %" PRIu32 " (within the allowed ranges, if set); unmap something or widen libiommu_ioas_allow_iovas()",
			    cmd, length, id);
	case ENOMEM:
		return fail_nomem(ctx, cmd, length);
	case EFAULT:
		return FAIL(ctx, EFAULT,
			    "%s: the memory to map is not (all) mapped in this process, or it is read-only and LIBIOMMU_MAP_WRITE was asked for",
			    cmd);
	case EPERM:
		return FAIL(ctx, EPERM,
			    "%s: LIBIOMMU_MAP_WRITE asked for but the source range was mapped without it; copy it read-only or map it writable",
			    cmd);
	default:
		return fail_generic(ctx, err, cmd, id);
	}
}

/* ---- argument checks ------------------------------------------------- */

static int check_map_flags(struct libiommu_ctx *ctx, const char *fn,
			   uint32_t flags)
{
	if (flags & ~MAP_KNOWN_FLAGS)
		return FAIL(ctx, EINVAL, "%s: unknown flag bits 0x%" PRIx32, fn,
			    flags & ~MAP_KNOWN_FLAGS);
	if (!(flags & (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)))
		return FAIL(ctx, EINVAL,
			    "%s: flags need LIBIOMMU_MAP_READ, LIBIOMMU_MAP_WRITE or both",
			    fn);
	return 0;
}

/* length non-zero and page aligned, [start, start + length) not wrapping. */
static int check_span(struct libiommu_ctx *ctx, const char *fn,
		      const char *what, uint64_t start, uint64_t length)
{
	uint64_t ps = page_size();

	if (length == 0)
		return FAIL(ctx, EINVAL, "%s: length is 0", fn);
	if (!aligned(length, ps))
		return FAIL(ctx, EINVAL,
			    "%s: length 0x%" PRIx64 " is not a multiple of the page size (0x%" PRIx64 ")",
			    fn, length, ps);
	if (!aligned(start, ps))
		return FAIL(ctx, EINVAL,
			    "%s: %s 0x%" PRIx64 " is not page aligned (page size 0x%" PRIx64 ")",
			    fn, what, start, ps);
	if (start + length - 1 < start)
		return FAIL(ctx, EINVAL,
			    "%s: %s 0x%" PRIx64 " + length 0x%" PRIx64 " overflows 64 bits",
			    fn, what, start, length);
	return 0;
}

static uint32_t to_kernel_flags(uint32_t flags)
{
	uint32_t k = 0;

	if (flags & LIBIOMMU_MAP_READ)
		k |= LX_IOMMU_IOAS_MAP_READABLE;
	if (flags & LIBIOMMU_MAP_WRITE)
		k |= LX_IOMMU_IOAS_MAP_WRITEABLE;
	if (flags & LIBIOMMU_MAP_FIXED_IOVA)
		k |= LX_IOMMU_IOAS_MAP_FIXED_IOVA;
	return k;
}

/* ---- allocation ----------------------------------------------------------- */

static int set_huge_pages(struct libiommu_ioas *ioas, bool enable);

LIBIOMMU_API int libiommu_ioas_alloc(struct libiommu_ctx *ctx,
				     const struct libiommu_ioas_opts *opts,
				     struct libiommu_ioas **out)
{
	struct lx_iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	struct libiommu_ioas *ioas;
	uint32_t flags;
	int rc;

	if (!ctx)
		return FAIL(NULL, EINVAL, "libiommu_ioas_alloc: ctx is NULL");
	if (!out)
		return FAIL(ctx, EINVAL, "libiommu_ioas_alloc: out is NULL");
	*out = NULL;
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_ioas_opts);
	if (rc)
		return lu_ret(rc);
	flags = LU_OPTS_GET(opts, flags, 0);
	if (flags & ~IOAS_KNOWN_FLAGS)
		return FAIL(ctx, EINVAL,
			    "libiommu_ioas_alloc: unknown flag bits 0x%" PRIx32,
			    flags & ~IOAS_KNOWN_FLAGS);
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_IOAS, "IOMMU_IOAS_ALLOC");
	if (rc)
		return lu_ret(rc);
	if (flags & LIBIOMMU_IOAS_NO_HUGE_PAGES) {
		rc = lu_need_feature(ctx, LIBIOMMU_FEAT_OPTION_HUGE_PAGES,
				     "IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES) for LIBIOMMU_IOAS_NO_HUGE_PAGES");
		if (rc)
			return lu_ret(rc);
	}

	ioas = calloc(1, sizeof(*ioas));
	if (!ioas)
		return FAIL(ctx, ENOMEM, "libiommu_ioas_alloc: out of memory");
	ioas->ctx = ctx;

	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_ALLOC, &cmd);
	if (rc) {
		free(ioas);
		if (rc == -ENOMEM)
			return FAIL(ctx, ENOMEM,
				    "IOMMU_IOAS_ALLOC: the kernel is out of memory (or the memory cgroup limit is reached)");
		return fail_generic(ctx, rc, "IOMMU_IOAS_ALLOC", 0);
	}
	ioas->id = cmd.out_ioas_id;

	if (flags & LIBIOMMU_IOAS_NO_HUGE_PAGES) {
		rc = set_huge_pages(ioas, false);
		if (rc) {
			destroy_object(ctx, ioas->id);
			free(ioas);
			return lu_ret(rc);
		}
	}

	list_add(ioas);
	lu_dbg(ctx, "allocated IOAS %" PRIu32, ioas->id);
	*out = ioas;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_destroy(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx;
	int rc;

	if (!ioas)
		return 0;
	ctx = ioas->ctx;
	if (ioas->users)
		return FAIL(ctx, EBUSY,
			    "libiommu_ioas_destroy: IOAS %" PRIu32 " is still attached to %u device(s)/HWPT(s); detach or free them first",
			    ioas->id, ioas->users);

	rc = destroy_object(ctx, ioas->id);
	if (rc == -EBUSY)
		return FAIL(ctx, EBUSY,
			    "IOMMU_DESTROY: the kernel says IOAS %" PRIu32 " is still in use (a device, HWPT or access made outside this library is attached to it); detach it first",
			    ioas->id);
	if (rc && rc != -ENOENT)
		return fail_generic(ctx, rc, "IOMMU_DESTROY", ioas->id);
	/* ENOENT: already gone behind our back; the handle is all that is left. */
	if (rc == -ENOENT)
		lu_warn(ctx, "IOMMU_DESTROY: IOAS %" PRIu32 " was already destroyed outside the library",
			ioas->id);

	list_del(ioas);
	lu_dbg(ctx, "destroyed IOAS %" PRIu32, ioas->id);
	free(ioas);
	return 0;
}

LIBIOMMU_API uint32_t libiommu_ioas_id(const struct libiommu_ioas *ioas)
{
	if (!ioas) {
		errno = EINVAL;
		return 0; /* iommufd never hands out object id 0 */
	}
	return ioas->id;
}

LIBIOMMU_API struct libiommu_ctx *libiommu_ioas_ctx(const struct libiommu_ioas *ioas)
{
	if (!ioas) {
		errno = EINVAL;
		return NULL;
	}
	return ioas->ctx;
}

/* ---- mapping ---------------------------------------------------------------- */

/* Checks shared by map, map_file and copy on the destination side. */
static int check_dst(struct libiommu_ctx *ctx, const char *fn,
		     uint64_t length, const uint64_t *iova, uint32_t flags)
{
	int rc;

	if (!iova)
		return FAIL(ctx, EINVAL, "%s: iova is NULL", fn);
	rc = check_map_flags(ctx, fn, flags);
	if (rc)
		return rc;
	if (flags & LIBIOMMU_MAP_FIXED_IOVA)
		return check_span(ctx, fn, "fixed IOVA", *iova, length);
	return 0;
}

LIBIOMMU_API int libiommu_ioas_map(struct libiommu_ioas *ioas, void *vaddr,
				   uint64_t length, uint64_t *iova,
				   uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_map";
	struct lx_iommu_ioas_map cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_map");
	ctx = ioas->ctx;
	if (!vaddr)
		return FAIL(ctx, EINVAL, "%s: vaddr is NULL", fn);
	rc = check_dst(ctx, fn, length, iova, flags);
	if (rc)
		return rc;
	rc = check_span(ctx, fn, "vaddr", (uintptr_t)vaddr, length);
	if (rc)
		return rc;

	cmd.flags = to_kernel_flags(flags);
	cmd.ioas_id = ioas->id;
	cmd.user_va = (uintptr_t)vaddr;
	cmd.length = length;
	cmd.iova = (flags & LIBIOMMU_MAP_FIXED_IOVA) ? *iova : 0;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_MAP, &cmd);
	if (rc)
		return fail_map(ctx, rc, "IOMMU_IOAS_MAP", ioas->id, cmd.iova,
				length, flags);
	*iova = cmd.iova;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_map_file(struct libiommu_ioas *ioas, int fd,
					uint64_t offset, uint64_t length,
					uint64_t *iova, uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_map_file";
	struct lx_iommu_ioas_map_file cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	struct stat st;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_map_file");
	ctx = ioas->ctx;
	rc = check_dst(ctx, fn, length, iova, flags);
	if (rc)
		return rc;
	rc = check_span(ctx, fn, "file offset", offset, length);
	if (rc)
		return rc;
	if (fd < 0 || fstat(fd, &st) < 0)
		return FAIL(ctx, EBADF, "%s: fd %d is not an open file", fn, fd);
	/*
	 * The kernel only finds a short file when it pins the pages, which
	 * with no device attached is never.  A dma-buf is not a regular file
	 * and has no size to check here.
	 */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < offset + length)
		return FAIL(ctx, EINVAL,
			    "%s: the file is %lld bytes, shorter than offset 0x%" PRIx64 " + length 0x%" PRIx64 "; grow it first (ftruncate)",
			    fn, (long long)st.st_size, offset, length);
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE,
			     "IOMMU_IOAS_MAP_FILE");
	if (rc)
		return lu_ret(rc);

	cmd.flags = to_kernel_flags(flags);
	cmd.ioas_id = ioas->id;
	cmd.fd = fd;
	cmd.start = offset;
	cmd.length = length;
	cmd.iova = (flags & LIBIOMMU_MAP_FIXED_IOVA) ? *iova : 0;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_MAP_FILE, &cmd);
	if (rc == -EBADF)
		return FAIL(ctx, EBADF,
			    "IOMMU_IOAS_MAP_FILE: the kernel refused fd %d (it takes a memfd or a supported dma-buf)",
			    fd);
	if (rc)
		return fail_map(ctx, rc, "IOMMU_IOAS_MAP_FILE", ioas->id,
				cmd.iova, length, flags);
	*iova = cmd.iova;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_copy(struct libiommu_ioas *dst,
				    struct libiommu_ioas *src,
				    uint64_t src_iova, uint64_t length,
				    uint64_t *dst_iova, uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_copy";
	struct lx_iommu_ioas_copy cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	int rc;

	if (!dst)
		return FAIL(src ? src->ctx : NULL, EINVAL, "%s: dst is NULL", fn);
	ctx = dst->ctx;
	if (!src)
		return FAIL(ctx, EINVAL, "%s: src is NULL", fn);
	if (src->ctx != ctx)
		return FAIL(ctx, EXDEV,
			    "%s: source IOAS %" PRIu32 " and destination IOAS %" PRIu32 " belong to different contexts (iommufds); copy works within one",
			    fn, src->id, dst->id);
	rc = check_dst(ctx, fn, length, dst_iova, flags);
	if (rc)
		return rc;
	rc = check_span(ctx, fn, "source IOVA", src_iova, length);
	if (rc)
		return rc;

	cmd.flags = to_kernel_flags(flags);
	cmd.dst_ioas_id = dst->id;
	cmd.src_ioas_id = src->id;
	cmd.length = length;
	cmd.src_iova = src_iova;
	cmd.dst_iova = (flags & LIBIOMMU_MAP_FIXED_IOVA) ? *dst_iova : 0;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_COPY, &cmd);
	if (rc == -ENOENT)
		return FAIL(ctx, ENOENT,
			    "IOMMU_IOAS_COPY: [0x%" PRIx64 ", 0x%" PRIx64 "] is not fully mapped in source IOAS %" PRIu32 " (or an IOAS no longer exists)",
			    src_iova, src_iova + length - 1, src->id);
	if (rc)
		return fail_map(ctx, rc, "IOMMU_IOAS_COPY", dst->id,
				cmd.dst_iova, length, flags);
	*dst_iova = cmd.dst_iova;
	return 0;
}

/* ---- unmapping ------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_unmap(struct libiommu_ioas *ioas, uint64_t iova,
				     uint64_t length, uint64_t *unmapped)
{
	static const char fn[] = "libiommu_ioas_unmap";
	struct lx_iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	uint64_t last;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_unmap");
	ctx = ioas->ctx;
	if (unmapped)
		*unmapped = 0;
	rc = check_span(ctx, fn, "IOVA", iova, length);
	if (rc)
		return rc;
	last = iova + length - 1;

	cmd.ioas_id = ioas->id;
	cmd.iova = iova;
	cmd.length = length;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_UNMAP, &cmd);
	switch (-rc) {
	case 0:
		break;
	case ENOENT:
		/*
		 * The kernel says ENOENT both for an empty range and for one
		 * that cuts a mapping; areas before the cut may be gone.
		 */
		return FAIL(ctx, ENOENT,
			    "IOMMU_IOAS_UNMAP: nothing is mapped at [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32 ", or the range splits a mapping (unmap whole mappings as they were mapped)",
			    iova, last, ioas->id);
	case EBUSY:
		return FAIL(ctx, EBUSY,
			    "IOMMU_IOAS_UNMAP: a mapping in [0x%" PRIx64 ", 0x%" PRIx64 "] is in use (being mapped by another thread, or held by an in-kernel access); retry later",
			    iova, last);
	default:
		return fail_generic(ctx, rc, "IOMMU_IOAS_UNMAP", ioas->id);
	}
	if (unmapped)
		*unmapped = cmd.length;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_unmap_all(struct libiommu_ioas *ioas,
					 uint64_t *unmapped)
{
	struct lx_iommu_ioas_unmap cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_unmap_all");
	ctx = ioas->ctx;
	if (unmapped)
		*unmapped = 0;
	/* iova 0, length U64_MAX is the kernel's "everything". */
	cmd.ioas_id = ioas->id;
	cmd.iova = 0;
	cmd.length = UINT64_MAX;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_UNMAP, &cmd);
	if (rc == -EBUSY)
		return FAIL(ctx, EBUSY,
			    "IOMMU_IOAS_UNMAP (all): a mapping of IOAS %" PRIu32 " is in use (being mapped by another thread, or held by an in-kernel access); retry later",
			    ioas->id);
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_IOAS_UNMAP (all)", ioas->id);
	if (unmapped)
		*unmapped = cmd.length;
	return 0;
}

/* ---- IOVA ranges ------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_get_ranges(struct libiommu_ioas *ioas,
					  struct libiommu_iova_range *ranges,
					  size_t *nr, uint64_t *alignment)
{
	static const char fn[] = "libiommu_ioas_get_ranges";
	struct libiommu_ctx *ctx;
	uint32_t n;
	size_t cap;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_get_ranges");
	ctx = ioas->ctx;
	if (!nr)
		return FAIL(ctx, EINVAL, "%s: nr is NULL", fn);
	cap = *nr;
	if (cap && !ranges)
		return FAIL(ctx, EINVAL,
			    "%s: ranges is NULL but *nr (capacity) is %zu", fn,
			    cap);

	n = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	rc = query_ranges(ctx, ioas->id, cap ? ranges : NULL, &n, alignment);
	if (rc == -EMSGSIZE) {
		*nr = n;
		/* Asking with capacity 0 is the normal way to size the array. */
		if (cap == 0) {
			lu_dbg(ctx, "%s: IOAS %" PRIu32 " has %" PRIu32 " range(s)",
			       fn, ioas->id, n);
			return lu_ret(-ENOSPC);
		}
		return FAIL(ctx, ENOSPC,
			    "%s: IOAS %" PRIu32 " has %" PRIu32 " range(s), more than the capacity %zu; *nr now says how many",
			    fn, ioas->id, n, cap);
	}
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_IOAS_IOVA_RANGES", ioas->id);
	*nr = n;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_allow_iovas(struct libiommu_ioas *ioas,
					   const struct libiommu_iova_range *ranges,
					   size_t nr)
{
	static const char fn[] = "libiommu_ioas_allow_iovas";
	struct lx_iommu_ioas_allow_iovas cmd = { .size = sizeof(cmd) };
	struct libiommu_ctx *ctx;
	size_t i, j;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_allow_iovas");
	ctx = ioas->ctx;
	if (nr && !ranges)
		return FAIL(ctx, EINVAL, "%s: ranges is NULL but nr is %zu", fn,
			    nr);
	if (nr > UINT32_MAX)
		return FAIL(ctx, EINVAL, "%s: %zu ranges is more than the kernel takes",
			    fn, nr);
	for (i = 0; i < nr; i++) {
		/* The kernel rejects start == last too: a range must span >1 byte. */
		if (ranges[i].start >= ranges[i].last)
			return FAIL(ctx, EINVAL,
				    "%s: range %zu [0x%" PRIx64 ", 0x%" PRIx64 "] is inverted or a single byte (start must be below last)",
				    fn, i, ranges[i].start, ranges[i].last);
		for (j = 0; j < i; j++)
			if (ranges[i].start <= ranges[j].last &&
			    ranges[j].start <= ranges[i].last)
				return FAIL(ctx, EINVAL,
					    "%s: ranges %zu and %zu overlap", fn,
					    j, i);
	}

	cmd.ioas_id = ioas->id;
	cmd.num_iovas = (uint32_t)nr;
	cmd.allowed_iovas = (uintptr_t)ranges;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_IOAS_ALLOW_IOVAS, &cmd);
	if (rc == -EADDRINUSE)
		return FAIL(ctx, EADDRINUSE,
			    "IOMMU_IOAS_ALLOW_IOVAS: a range intersects a reserved IOVA region of IOAS %" PRIu32 " (one an attached device cannot use); keep the ranges inside libiommu_ioas_get_ranges()",
			    ioas->id);
	if (rc == -EINVAL)
		return FAIL(ctx, EINVAL,
			    "IOMMU_IOAS_ALLOW_IOVAS: the kernel rejected the ranges as inverted or overlapping");
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_IOAS_ALLOW_IOVAS", ioas->id);
	return 0;
}

/* ---- options ------------------------------------------------------------------ */

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

static int set_huge_pages(struct libiommu_ioas *ioas, bool enable)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	uint64_t val = enable;
	int rc;

	rc = huge_pages_option(ioas, LX_IOMMU_OPTION_OP_SET, &val);
	if (rc == -EINVAL && !enable)
		return FAIL(ctx, EINVAL,
			    "IOMMU_OPTION(HUGE_PAGES): cannot disable huge pages on IOAS %" PRIu32 " while a device is attached and memory is mapped; unmap everything first",
			    ioas->id);
	if (rc == -EOPNOTSUPP)
		return FAIL(ctx, EOPNOTSUPP,
			    "IOMMU_OPTION(HUGE_PAGES): the kernel has no per-IOAS huge page option");
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_OPTION(HUGE_PAGES)", ioas->id);
	return 0;
}

LIBIOMMU_API int libiommu_ioas_set_huge_pages(struct libiommu_ioas *ioas,
					      bool enable)
{
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_set_huge_pages");
	rc = lu_need_feature(ioas->ctx, LIBIOMMU_FEAT_OPTION_HUGE_PAGES,
			     "IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES)");
	if (rc)
		return lu_ret(rc);
	return set_huge_pages(ioas, enable);
}

LIBIOMMU_API int libiommu_ioas_get_huge_pages(struct libiommu_ioas *ioas,
					      bool *enabled)
{
	struct libiommu_ctx *ctx;
	uint64_t val = 0;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_get_huge_pages");
	ctx = ioas->ctx;
	if (!enabled)
		return FAIL(ctx, EINVAL,
			    "libiommu_ioas_get_huge_pages: enabled is NULL");
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_OPTION_HUGE_PAGES,
			     "IOMMU_OPTION(IOMMU_OPTION_HUGE_PAGES)");
	if (rc)
		return lu_ret(rc);
	rc = huge_pages_option(ioas, LX_IOMMU_OPTION_OP_GET, &val);
	if (rc == -EOPNOTSUPP)
		return FAIL(ctx, EOPNOTSUPP,
			    "IOMMU_OPTION(HUGE_PAGES): the kernel has no per-IOAS huge page option");
	if (rc)
		return fail_generic(ctx, rc, "IOMMU_OPTION(HUGE_PAGES)", ioas->id);
	*enabled = val != 0;
	return 0;
}
