// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * I/O address spaces: the public IOAS functions, for every backend.
 *
 * Everything the library can know is checked here, once, before the
 * backend is asked (lib/backend-iommufd.c, lib/backend-type1.c), so that the
 * caller gets a message naming the argument at fault whatever the backend;
 * what only the kernel knows (overlaps, reserved regions, memlock
 * accounting) is translated by the backend, which knows the ioctl.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MAP_KNOWN_FLAGS \
	(LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA)
#define IOAS_KNOWN_FLAGS (LIBIOMMU_IOAS_NO_HUGE_PAGES | LU_IOAS_COH_FLAGS)

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

uint64_t lu_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (uint64_t)ps : 4096;
}

static bool aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

/*
 * ENOMEM when mapping is nearly always RLIMIT_MEMLOCK: iommufd charges
 * pinned pages to the user's locked memory once a device is attached, VFIO
 * type1 to the process's.
 */
int lu_fail_nomem(struct libiommu_ctx *ctx, const char *cmd, uint64_t length)
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

/* ---- handle list ---------------------------------------------------------- */

/*
 * The ctx keeps every IOAS handle (LU_LIST_*) so that libiommu_ctx_free()
 * can free the ones the caller forgot.  The list is not locked: see the
 * thread-safety notes in libiommu_ioas_alloc(3).
 */
static void ioas_release(struct libiommu_ioas *ioas)
{
	if (ioas->ctx->ops->ioas_release)
		ioas->ctx->ops->ioas_release(ioas);
	free(ioas);
}

void lu_ioas_free_all(struct libiommu_ctx *ctx)
{
	LU_LIST_RELEASE_ALL(ctx->ioas_list, ioas_release);
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
	uint64_t ps = lu_page_size();

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

/* ---- allocation ----------------------------------------------------------- */

LIBIOMMU_API int libiommu_ioas_alloc(struct libiommu_ctx *ctx,
				     const struct libiommu_ioas_opts *opts,
				     struct libiommu_ioas **out)
{
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
	/* Coherency policy (lib/coherency.c checks it at attach). */
	if ((flags & LU_IOAS_COH_FLAGS) == LU_IOAS_COH_FLAGS)
		return FAIL(ctx, EINVAL,
			    "libiommu_ioas_alloc: LIBIOMMU_IOAS_NONCOHERENT and LIBIOMMU_IOAS_REQUIRE_COHERENT exclude each other");

	ioas = calloc(1, sizeof(*ioas));
	if (!ioas)
		return FAIL(ctx, ENOMEM, "libiommu_ioas_alloc: out of memory");
	ioas->ctx = ctx;
	ioas->coh_flags = flags & LU_IOAS_COH_FLAGS;

	rc = ctx->ops->ioas_alloc(ioas, flags);
	if (rc) {
		free(ioas);
		return lu_ret(rc);
	}
	LU_LIST_PUSH(ctx->ioas_list, ioas);
	lu_dbg(ctx, "allocated IOAS %" PRIu32 " (%s backend)", ioas->id,
	       ctx->ops->name);
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

	rc = ctx->ops->ioas_destroy(ioas);
	if (rc)
		return lu_ret(rc);
	LU_LIST_UNLINK(ctx->ioas_list, ioas);
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
	return lu_ret(ctx->ops->map(ioas, vaddr, length, iova, flags));
}

LIBIOMMU_API int libiommu_ioas_map_file(struct libiommu_ioas *ioas, int fd,
					uint64_t offset, uint64_t length,
					uint64_t *iova, uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_map_file";
	struct libiommu_ctx *ctx;
	struct stat st;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_map_file");
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, map_file, fn,
			     "VFIO_IOMMU_MAP_DMA maps process memory only; mmap() the file and use libiommu_ioas_map()");
	if (rc)
		return lu_ret(rc);
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
	return lu_ret(ctx->ops->map_file(ioas, fd, offset, length, iova, flags));
}

LIBIOMMU_API int libiommu_ioas_copy(struct libiommu_ioas *dst,
				    struct libiommu_ioas *src,
				    uint64_t src_iova, uint64_t length,
				    uint64_t *dst_iova, uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_copy";
	struct libiommu_ctx *ctx;
	int rc;

	if (!dst)
		return FAIL(src ? src->ctx : NULL, EINVAL, "%s: dst is NULL", fn);
	ctx = dst->ctx;
	rc = lu_backend_need(ctx, copy, fn,
			     "a VFIO container has one address space, so there is nothing to copy between");
	if (rc)
		return lu_ret(rc);
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
	return lu_ret(ctx->ops->copy(dst, src, src_iova, length, dst_iova, flags));
}

/* ---- unmapping ------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_unmap(struct libiommu_ioas *ioas, uint64_t iova,
				     uint64_t length, uint64_t *unmapped)
{
	static const char fn[] = "libiommu_ioas_unmap";
	struct libiommu_ctx *ctx;
	uint64_t n = 0;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_unmap");
	ctx = ioas->ctx;
	if (unmapped)
		*unmapped = 0;
	rc = check_span(ctx, fn, "IOVA", iova, length);
	if (rc)
		return rc;
	rc = ctx->ops->unmap(ioas, iova, length, &n);
	if (rc)
		return lu_ret(rc);
	if (unmapped)
		*unmapped = n;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_unmap_all(struct libiommu_ioas *ioas,
					 uint64_t *unmapped)
{
	uint64_t n = 0;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_unmap_all");
	if (unmapped)
		*unmapped = 0;
	rc = ioas->ctx->ops->unmap_all(ioas, &n);
	if (rc)
		return lu_ret(rc);
	if (unmapped)
		*unmapped = n;
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
	rc = ctx->ops->get_ranges(ioas, cap ? ranges : NULL, &n, alignment);
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
		return lu_ret(rc);
	*nr = n;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_allow_iovas(struct libiommu_ioas *ioas,
					   const struct libiommu_iova_range *ranges,
					   size_t nr)
{
	static const char fn[] = "libiommu_ioas_allow_iovas";
	struct libiommu_ctx *ctx;
	size_t i, j;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_allow_iovas");
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, allow_iovas, fn, "no way to restrict IOVAs");
	if (rc)
		return lu_ret(rc);
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
	return lu_ret(ctx->ops->allow_iovas(ioas, ranges, (uint32_t)nr));
}

/* ---- options ------------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_set_huge_pages(struct libiommu_ioas *ioas,
					      bool enable)
{
	static const char fn[] = "libiommu_ioas_set_huge_pages";
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_set_huge_pages");
	rc = lu_backend_need(ioas->ctx, set_huge_pages, fn,
			     "it always maps with the largest IOMMU pages it can");
	if (rc)
		return lu_ret(rc);
	return lu_ret(ioas->ctx->ops->set_huge_pages(ioas, enable));
}

LIBIOMMU_API int libiommu_ioas_get_huge_pages(struct libiommu_ioas *ioas,
					      bool *enabled)
{
	static const char fn[] = "libiommu_ioas_get_huge_pages";
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_get_huge_pages");
	ctx = ioas->ctx;
	if (!enabled)
		return FAIL(ctx, EINVAL,
			    "libiommu_ioas_get_huge_pages: enabled is NULL");
	rc = lu_backend_need(ctx, get_huge_pages, fn, "no huge page option");
	if (rc)
		return lu_ret(rc);
	return lu_ret(ctx->ops->get_huge_pages(ioas, enabled));
}

/* ---- dirty page tracking ------------------------------------------------------ */

int lu_check_dirty_args(struct libiommu_ctx *ctx, const char *fn,
			uint64_t iova, uint64_t length, uint64_t page_size,
			const uint64_t *bitmap, uint32_t flags)
{
	if (flags & ~LIBIOMMU_DIRTY_NO_CLEAR)
		return FAIL(ctx, EINVAL, "%s: unknown flag bits 0x%" PRIx32, fn,
			    flags & ~LIBIOMMU_DIRTY_NO_CLEAR);
	if (!bitmap)
		return FAIL(ctx, EINVAL, "%s: bitmap is NULL", fn);
	if (!page_size || (page_size & (page_size - 1)))
		return FAIL(ctx, EINVAL,
			    "%s: page_size 0x%" PRIx64 " is not a power of two", fn,
			    page_size);
	if (!length || (iova | length) & (page_size - 1))
		return FAIL(ctx, EINVAL,
			    "%s: IOVA 0x%" PRIx64 " and length 0x%" PRIx64 " must be non-zero multiples of page_size 0x%" PRIx64,
			    fn, iova, length, page_size);
	if (iova + length - 1 < iova)
		return FAIL(ctx, EINVAL,
			    "%s: IOVA 0x%" PRIx64 " + length 0x%" PRIx64 " overflows 64 bits",
			    fn, iova, length);
	if ((length / page_size + 63) / 64 > SIZE_MAX / sizeof(uint64_t))
		return FAIL(ctx, EINVAL, "%s: bitmap of %" PRIu64 " bits is too large",
			    fn, length / page_size);
	return 0;
}

LIBIOMMU_API int libiommu_ioas_set_dirty_tracking(struct libiommu_ioas *ioas,
						  bool enable)
{
	static const char fn[] = "libiommu_ioas_set_dirty_tracking";
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_set_dirty_tracking");
	rc = lu_backend_need(ioas->ctx, dirty_tracking, fn,
			     "iommufd's VFIO compatibility layer has no VFIO_IOMMU_DIRTY_PAGES; use the iommufd backend and a HWPT with LIBIOMMU_HWPT_DIRTY_TRACKING");
	if (rc)
		return lu_ret(rc);
	return lu_ret(ioas->ctx->ops->dirty_tracking(ioas, enable));
}

LIBIOMMU_API int libiommu_ioas_get_dirty_bitmap(struct libiommu_ioas *ioas,
						uint64_t iova, uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_get_dirty_bitmap";
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, "libiommu_ioas_get_dirty_bitmap");
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, dirty_bitmap, fn,
			     "iommufd's VFIO compatibility layer has no VFIO_IOMMU_DIRTY_PAGES; use the iommufd backend and a HWPT with LIBIOMMU_HWPT_DIRTY_TRACKING");
	if (rc)
		return lu_ret(rc);
	rc = lu_check_dirty_args(ctx, fn, iova, length, page_size, bitmap,
				 flags);
	if (rc)
		return rc;
	return lu_ret(ctx->ops->dirty_bitmap(ioas, iova, length, page_size,
					     bitmap, flags));
}
