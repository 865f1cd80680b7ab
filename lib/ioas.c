// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * I/O address spaces (the /dev/ioasid RFC's IOASID): the public IOAS
 * functions, for every backend.
 *
 * Everything the library can know is checked here, once, before the
 * backend is asked (lib/backend/), so that the caller gets a message
 * naming the argument at fault whatever the backend; what only the kernel
 * knows (overlaps, reserved regions, memlock accounting) is translated by
 * the backend, which knows the ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "backend/backend.h"
#include "uapi/fs.h"

#define MAP_KNOWN_FLAGS \
	(LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA)
#define IOAS_KNOWN_FLAGS \
	(LIBIOMMU_IOAS_NO_HUGE_PAGES | LU_IOAS_COH_FLAGS | LIBIOMMU_IOAS_KERNEL_HWPT)

/*
 * A NULL handle has no context to log to: only the return value tells.
 * An IOAS of another process's context is not changed (lu_foreign()).
 */
#define CHECK_IOAS(ioas, fn) \
	do { \
		if (!(ioas)) \
			return lu_ret(-EINVAL); \
		LU_OWNER_CHECK((ioas)->ctx, fn); \
	} while (0)

/* ---- handle list ---------------------------------------------------------- */

/* A new handle on @ctx, not listed, no id yet; NULL (logged) on ENOMEM. */
static struct libiommu_ioas *ioas_new(struct libiommu_ctx *ctx, const char *fn)
{
	struct libiommu_ioas *ioas = calloc(1, sizeof(*ioas));

	if (!ioas) {
		lu_fail(ctx, -ENOMEM, "%s: out of memory", fn);
		return NULL;
	}
	ioas->ctx = ctx;
	lu_list_init(&ioas->node);
	return ioas;
}

static void ioas_free_mem(struct libiommu_ioas *ioas)
{
	free(ioas);
}

void lu_ioas_free_all(struct libiommu_ctx *ctx)
{
	struct libiommu_ioas *ioas, *tmp;

	lu_list_for_each_safe(ioas, tmp, &ctx->ioas_list, node) {
		/*
		 * In another process: the memory only (lu_foreign()).  An
		 * adopted IOAS is its maker's to destroy.
		 */
		if (ctx->ops->ioas_release && !lu_foreign(ctx) && !ioas->adopted)
			ctx->ops->ioas_release(ioas);
		lu_list_unlink(&ioas->node);
		ioas_free_mem(ioas);
	}
}

/* ---- argument checks ------------------------------------------------- */

static int check_map_flags(struct libiommu_ctx *ctx, const char *fn,
			   uint32_t flags)
{
	if (flags & ~MAP_KNOWN_FLAGS)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       fn, flags & ~MAP_KNOWN_FLAGS);
	if (!(flags & (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)))
		return lu_fail(ctx, -EINVAL,
			       "%s: flags need LIBIOMMU_MAP_READ, LIBIOMMU_MAP_WRITE or both",
			       fn);
	return 0;
}

/*
 * Is [start, start + length) a non-empty run of whole pages that does not
 * wrap?  The hot path's one test (map, unmap); check_span() works out
 * which rule failed and says so.
 */
static inline bool span_ok(const struct libiommu_ctx *ctx, uint64_t start,
			   uint64_t length)
{
	return length && !((start | length) & ctx->page_mask) &&
	       start + length - 1 >= start;
}

/* length non-zero and page aligned, [start, start + length) not wrapping. */
static __attribute__((cold)) int check_span(struct libiommu_ctx *ctx,
					    const char *fn, const char *what,
					    uint64_t start, uint64_t length)
{
	uint64_t ps = ctx->page_mask + 1;

	if (length == 0)
		return lu_fail(ctx, -EINVAL, "%s: length is 0", fn);
	if (length & ctx->page_mask)
		return lu_fail(ctx, -EINVAL,
			       "%s: length 0x%" PRIx64 " is not a multiple of the page size (0x%" PRIx64 ")",
			       fn, length, ps);
	if (start & ctx->page_mask)
		return lu_fail(ctx, -EINVAL,
			       "%s: %s 0x%" PRIx64 " is not page aligned (page size 0x%" PRIx64 ")",
			       fn, what, start, ps);
	if (start + length - 1 < start)
		return lu_fail(ctx, -EINVAL,
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

	if (out)
		*out = NULL;
	if (!ctx)
		return lu_ret(-EINVAL);
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_ioas_opts, flags);
	if (rc)
		return rc;
	flags = LU_OPTS_GET(opts, flags, 0);
	if (flags & ~IOAS_KNOWN_FLAGS)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       __func__, flags & ~IOAS_KNOWN_FLAGS);
	/* Coherency policy (lib/coherency/policy.c checks it at attach). */
	if ((flags & LU_IOAS_COH_FLAGS) == LU_IOAS_COH_FLAGS)
		return lu_fail(ctx, -EINVAL,
			       "%s: LIBIOMMU_IOAS_NONCOHERENT and LIBIOMMU_IOAS_REQUIRE_COHERENT exclude each other",
			       __func__);
	if ((flags & LU_IOAS_COH_FLAGS) && (flags & LIBIOMMU_IOAS_KERNEL_HWPT))
		return lu_fail(ctx, -EINVAL,
			       "%s: LIBIOMMU_IOAS_KERNEL_HWPT cannot go with a coherency policy: the kernel would choose HWPTs the policy must choose (it reuses any compatible one, enforcing or not)",
			       __func__);

	ioas = ioas_new(ctx, __func__);
	if (!ioas)
		return lu_ret(-ENOMEM);
	ioas->coh_flags = flags & LU_IOAS_COH_FLAGS;
	ioas->kernel_hwpt = flags & LIBIOMMU_IOAS_KERNEL_HWPT;

	lu_lock(ctx);
	rc = ctx->ops->ioas_alloc(ioas, flags);
	if (rc == 0)
		lu_list_push(&ctx->ioas_list, &ioas->node);
	lu_unlock(ctx);
	if (rc) {
		ioas_free_mem(ioas);
		return rc;
	}
	lu_dbg(ctx, "allocated IOAS %" PRIu32 " (%s backend)", ioas->id,
	       ctx->ops->name);
	*out = ioas;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_destroy(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!ioas)
		return 0;
	ctx = ioas->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	if (ioas->users) {
		rc = lu_fail(ctx, -EBUSY,
			     "%s: IOAS %" PRIu32 " is still attached to %u device(s)/HWPT(s); detach or free them first",
			     __func__, ioas->id, ioas->users);
		goto out;
	}
	rc = ctx->ops->ioas_destroy(ioas);
	if (rc == 0)
		lu_list_unlink(&ioas->node);
out:
	lu_unlock(ctx);
	if (rc)
		return rc;
	id = ioas->id;
	ioas_free_mem(ioas);
	lu_dbg(ctx, "destroyed IOAS %" PRIu32, id);
	return 0;
}

LIBIOMMU_API int libiommu_ioas_adopt_id(struct libiommu_ctx *ctx,
					uint32_t ioas_id,
					struct libiommu_ioas **out)
{
	struct libiommu_ioas *ioas, *i;
	int rc;

	if (out)
		*out = NULL;
	if (!ctx)
		return lu_ret(-EINVAL);
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	rc = lu_backend_need(ctx, LU_OP_IOAS_ADOPT_ID, __func__);
	if (rc)
		return rc;
	if (ioas_id == 0)
		return lu_fail(ctx, -EINVAL,
			       "%s: 0 is not an iommufd object id", __func__);
	ioas = ioas_new(ctx, __func__);
	if (!ioas)
		return lu_ret(-ENOMEM);
	ioas->adopted = true;
	lu_lock(ctx);
	lu_list_for_each(i, &ctx->ioas_list, node) {
		if (i->id == ioas_id) {
			rc = lu_fail(ctx, -EEXIST,
				     "%s: IOAS %" PRIu32 " already has a handle in this context",
				     __func__, ioas_id);
			break;
		}
	}
	if (rc == 0)
		rc = ctx->ops->ioas_adopt_id(ioas, ioas_id);
	if (rc == 0)
		lu_list_push(&ctx->ioas_list, &ioas->node);
	lu_unlock(ctx);
	if (rc) {
		ioas_free_mem(ioas);
		return lu_ret(rc);
	}
	lu_dbg(ctx, "adopted IOAS %" PRIu32, ioas_id);
	*out = ioas;
	return 0;
}

LIBIOMMU_API int libiommu_ctx_change_process(struct libiommu_ctx *ctx)
{
	int rc;

	if (!ctx)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(ctx, __func__);
	rc = lu_backend_need(ctx, LU_OP_CHANGE_PROCESS, __func__);
	if (rc)
		return rc;
	lu_lock(ctx);
	rc = ctx->ops->change_process(ctx);
	lu_unlock(ctx);
	if (rc == 0)
		lu_dbg(ctx, "moved the iommufd's pinned pages to process %ld",
		       (long)getpid());
	return lu_ret(rc);
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
		return lu_fail(ctx, -EINVAL, "%s: iova is NULL", fn);
	rc = check_map_flags(ctx, fn, flags);
	if (rc)
		return rc;
	if (flags & LIBIOMMU_MAP_FIXED_IOVA)
		return check_span(ctx, fn, "fixed IOVA", *iova, length);
	return 0;
}

/* Every check of libiommu_ioas_map(), in order, each with its message. */
static __attribute__((cold, noinline)) int
check_map(struct libiommu_ctx *ctx, const char *fn, void *vaddr,
	  uint64_t length, const uint64_t *iova, uint32_t flags)
{
	int rc;

	if (!vaddr)
		return lu_fail(ctx, -EINVAL, "%s: vaddr is NULL", fn);
	rc = check_dst(ctx, fn, length, iova, flags);
	if (rc)
		return rc;
	return check_span(ctx, fn, "vaddr", (uintptr_t)vaddr, length);
}

LIBIOMMU_API int libiommu_ioas_map(struct libiommu_ioas *ioas, void *vaddr,
				   uint64_t length, uint64_t *iova,
				   uint32_t flags)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	/*
	 * The hot path: all of check_map() in one test, which works out
	 * the message only when an argument is wrong.
	 */
	if (__builtin_expect(
		    !vaddr || !iova || (flags & ~MAP_KNOWN_FLAGS) ||
			    !(flags & (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)) ||
			    !span_ok(ctx, (uintptr_t)vaddr, length) ||
			    ((flags & LIBIOMMU_MAP_FIXED_IOVA) &&
			     !span_ok(ctx, *iova, length)),
		    0)) {
		rc = check_map(ctx, __func__, vaddr, length, iova, flags);
		if (rc)
			return rc;
	}
	return lu_ret(ctx->ops->map(ioas, vaddr, length, iova, flags));
}

/* What a file descriptor is, for a message: "a pipe", "a regular file on ext4 (...)". */
static const char *file_kind(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFIFO:
		return "a pipe";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFDIR:
		return "a directory";
	case S_IFREG:
		return "a regular file";
	default:
		return "an anonymous file (eventfd, timerfd, ...)";
	}
}

/*
 * The kernel takes any fd for IOMMU_IOAS_MAP_FILE and finds out only when
 * it pins the pages (once a device is attached), and it does not check
 * that a writable mapping may write the file.  Checked here: the kind of
 * file (shmem or hugetlbfs - a memfd - or a dma-buf), that a writable
 * mapping has a writable, unsealed file, and the size.
 */
static int check_file(struct libiommu_ctx *ctx, const char *fn, int fd,
		      uint64_t offset, uint64_t length, uint32_t flags)
{
	struct statfs sfs;
	struct stat st;
	bool mem;
	int fl, seals;

	if (fd < 0 || fstat(fd, &st) < 0)
		return lu_fail(ctx, -EBADF, "%s: fd %d is not an open file", fn, fd);
	if (fstatfs(fd, &sfs) < 0)
		return lu_fail(ctx, -errno, "%s: fstatfs(fd %d) failed: %s", fn, fd,
			       strerror(errno));
	if ((unsigned long)sfs.f_type == LX_DMA_BUF_MAGIC)
		return 0; /* no size, no seals: the exporter decides */
	mem = S_ISREG(st.st_mode) && ((unsigned long)sfs.f_type == LX_TMPFS_MAGIC ||
				      (unsigned long)sfs.f_type == LX_HUGETLBFS_MAGIC);
	if (!mem)
		return lu_fail(ctx, -EBADF,
			       "%s: fd %d is %s%s (file system magic 0x%lx): IOMMU_IOAS_MAP_FILE takes a memfd (a file on shmem or hugetlbfs) or a dma-buf",
			       fn, fd, file_kind(&st),
			       S_ISREG(st.st_mode) ? " on a file system whose pages cannot be pinned" : "",
			       (unsigned long)sfs.f_type);
	if (flags & LIBIOMMU_MAP_WRITE) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			return lu_fail(ctx, -errno, "%s: fcntl(fd %d, F_GETFL) failed: %s",
				       fn, fd, strerror(errno));
		if ((fl & O_ACCMODE) == O_RDONLY)
			return lu_fail(ctx, -EACCES,
				       "%s: LIBIOMMU_MAP_WRITE on fd %d, which is open read-only: the device would write a file this fd may not write; open it O_RDWR or map it without LIBIOMMU_MAP_WRITE",
				       fn, fd);
		seals = fcntl(fd, LX_F_GET_SEALS);
		if (seals > 0 && (seals & (LX_F_SEAL_WRITE | LX_F_SEAL_FUTURE_WRITE)))
			return lu_fail(ctx, -EPERM,
				       "%s: LIBIOMMU_MAP_WRITE on fd %d, a memfd sealed against writing (%s): the device would write it behind the seal; map it without LIBIOMMU_MAP_WRITE",
				       fn, fd,
				       seals & LX_F_SEAL_WRITE ? "F_SEAL_WRITE" : "F_SEAL_FUTURE_WRITE");
	}
	/* The kernel only finds a short file when it pins the pages. */
	if ((uint64_t)st.st_size < offset + length)
		return lu_fail(ctx, -EINVAL,
			       "%s: the file is %lld bytes, shorter than offset 0x%" PRIx64 " + length 0x%" PRIx64 "; grow it first (ftruncate)",
			       fn, (long long)st.st_size, offset, length);
	return 0;
}

LIBIOMMU_API int libiommu_ioas_map_file(struct libiommu_ioas *ioas, int fd,
					uint64_t offset, uint64_t length,
					uint64_t *iova, uint32_t flags)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, LU_OP_MAP_FILE, __func__);
	if (rc)
		return rc;
	rc = check_dst(ctx, __func__, length, iova, flags);
	if (rc)
		return rc;
	rc = check_span(ctx, __func__, "file offset", offset, length);
	if (rc)
		return rc;
	rc = check_file(ctx, __func__, fd, offset, length, flags);
	if (rc)
		return rc;
	return lu_ret(ctx->ops->map_file(ioas, fd, offset, length, iova, flags));
}

LIBIOMMU_API int libiommu_ioas_copy(struct libiommu_ioas *dst,
				    struct libiommu_ioas *src,
				    uint64_t src_iova, uint64_t length,
				    uint64_t *dst_iova, uint32_t flags)
{
	struct libiommu_ctx *ctx;
	int rc;

	if (!dst)
		return lu_fail(src ? src->ctx : NULL, -EINVAL,
			       "%s: dst is NULL", __func__);
	ctx = dst->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	rc = lu_backend_need(ctx, LU_OP_IOAS_COPY, __func__);
	if (rc)
		return rc;
	if (!src)
		return lu_fail(ctx, -EINVAL, "%s: src is NULL", __func__);
	if (src->ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: source IOAS %" PRIu32 " and destination IOAS %" PRIu32 " belong to different contexts (iommufds); copy works within one",
			       __func__, src->id, dst->id);
	rc = check_dst(ctx, __func__, length, dst_iova, flags);
	if (rc)
		return rc;
	rc = check_span(ctx, __func__, "source IOVA", src_iova, length);
	if (rc)
		return rc;
	return lu_ret(ctx->ops->copy(dst, src, src_iova, length, dst_iova, flags));
}

/* ---- unmapping ------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_unmap(struct libiommu_ioas *ioas, uint64_t iova,
				     uint64_t length, uint64_t *unmapped)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	if (__builtin_expect(!span_ok(ctx, iova, length), 0)) {
		rc = check_span(ctx, __func__, "IOVA", iova, length);
		if (rc)
			return rc;
	}
	/* the backend writes *unmapped on success only */
	return ctx->ops->unmap(ioas, iova, length, unmapped);
}

LIBIOMMU_API int libiommu_ioas_unmap_all(struct libiommu_ioas *ioas,
					 uint64_t *unmapped)
{
	uint64_t n = 0;
	int rc;

	CHECK_IOAS(ioas, __func__);
	rc = ioas->ctx->ops->unmap_all(ioas, &n);
	if (rc)
		return rc;
	if (unmapped)
		*unmapped = n;
	return 0;
}

/* ---- IOVA ranges ------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_get_ranges(struct libiommu_ioas *ioas,
					  struct libiommu_iova_range *ranges,
					  size_t *nr, uint64_t *alignment)
{
	struct libiommu_ctx *ctx;
	uint64_t align = 0;
	uint32_t n;
	size_t cap;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	if (!nr)
		return lu_fail(ctx, -EINVAL, "%s: nr is NULL", __func__);
	cap = *nr;
	if (cap && !ranges)
		return lu_fail(ctx, -EINVAL,
			       "%s: ranges is NULL but *nr (capacity) is %zu",
			       __func__, cap);

	n = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	/* *alignment on success only: ENOSPC fills *nr and the entries that fit */
	rc = ctx->ops->get_ranges(ioas, cap ? ranges : NULL, &n, &align);
	if (rc == -EMSGSIZE) {
		*nr = n;
		/* Asking with capacity 0 is the normal way to size the array. */
		if (cap == 0) {
			lu_dbg(ctx, "%s: IOAS %" PRIu32 " has %" PRIu32 " range(s)",
			       __func__, ioas->id, n);
			return lu_ret(-ENOSPC);
		}
		return lu_fail(ctx, -ENOSPC,
			       "%s: IOAS %" PRIu32 " has %" PRIu32 " range(s), more than the capacity %zu; *nr now says how many",
			       __func__, ioas->id, n, cap);
	}
	if (rc)
		return lu_ret(rc);
	*nr = n;
	if (alignment)
		*alignment = align;
	return 0;
}

LIBIOMMU_API int libiommu_ioas_allow_iovas(struct libiommu_ioas *ioas,
					   const struct libiommu_iova_range *ranges,
					   size_t nr)
{
	struct libiommu_ctx *ctx;
	size_t i, j;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, LU_OP_ALLOW_IOVAS, __func__);
	if (rc)
		return rc;
	if (nr && !ranges)
		return lu_fail(ctx, -EINVAL, "%s: ranges is NULL but nr is %zu",
			       __func__, nr);
	if (nr > UINT32_MAX)
		return lu_fail(ctx, -EINVAL,
			       "%s: %zu ranges is more than the kernel takes",
			       __func__, nr);
	for (i = 0; i < nr; i++) {
		/* The kernel rejects start == last too: a range must span >1 byte. */
		if (ranges[i].start >= ranges[i].last)
			return lu_fail(ctx, -EINVAL,
				       "%s: range %zu [0x%" PRIx64 ", 0x%" PRIx64 "] is inverted or a single byte (start must be below last)",
				       __func__, i, ranges[i].start,
				       ranges[i].last);
		for (j = 0; j < i; j++)
			if (ranges[i].start <= ranges[j].last &&
			    ranges[j].start <= ranges[i].last)
				return lu_fail(ctx, -EINVAL,
					       "%s: ranges %zu and %zu overlap",
					       __func__, j, i);
	}
	return lu_ret(ctx->ops->allow_iovas(ioas, ranges, (uint32_t)nr));
}

/* ---- options ------------------------------------------------------------------ */

LIBIOMMU_API int libiommu_ioas_set_huge_pages(struct libiommu_ioas *ioas,
					      bool enable)
{
	int rc;

	CHECK_IOAS(ioas, __func__);
	rc = lu_backend_need(ioas->ctx, LU_OP_SET_HUGE_PAGES, __func__);
	if (rc)
		return rc;
	return lu_ret(ioas->ctx->ops->set_huge_pages(ioas, enable));
}

LIBIOMMU_API int libiommu_ioas_get_huge_pages(struct libiommu_ioas *ioas,
					      bool *enabled)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	if (!enabled)
		return lu_fail(ctx, -EINVAL, "%s: enabled is NULL", __func__);
	rc = lu_backend_need(ctx, LU_OP_GET_HUGE_PAGES, __func__);
	if (rc)
		return rc;
	return lu_ret(ctx->ops->get_huge_pages(ioas, enabled));
}

/* ---- dirty page tracking ------------------------------------------------------ */

int lu_check_dirty_args(struct libiommu_ctx *ctx, const char *fn,
			uint64_t iova, uint64_t length, uint64_t page_size,
			const uint64_t *bitmap, uint32_t flags)
{
	if (flags & ~LIBIOMMU_DIRTY_NO_CLEAR)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       fn, flags & ~LIBIOMMU_DIRTY_NO_CLEAR);
	if (!bitmap)
		return lu_fail(ctx, -EINVAL, "%s: bitmap is NULL", fn);
	if (!page_size || (page_size & (page_size - 1)))
		return lu_fail(ctx, -EINVAL,
			       "%s: page_size 0x%" PRIx64 " is not a power of two",
			       fn, page_size);
	if (!length || (iova | length) & (page_size - 1))
		return lu_fail(ctx, -EINVAL,
			       "%s: IOVA 0x%" PRIx64 " and length 0x%" PRIx64 " must be non-zero multiples of page_size 0x%" PRIx64,
			       fn, iova, length, page_size);
	if (iova + length - 1 < iova)
		return lu_fail(ctx, -EINVAL,
			       "%s: IOVA 0x%" PRIx64 " + length 0x%" PRIx64 " overflows 64 bits",
			       fn, iova, length);
	if ((length / page_size + 63) / 64 > SIZE_MAX / sizeof(uint64_t))
		return lu_fail(ctx, -EINVAL,
			       "%s: bitmap of %" PRIu64 " bits is too large", fn,
			       length / page_size);
	return 0;
}

LIBIOMMU_API int libiommu_ioas_set_dirty_tracking(struct libiommu_ioas *ioas,
						  bool enable)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, LU_OP_IOAS_DIRTY_TRACKING, __func__);
	if (rc)
		return rc;
	lu_lock(ctx);
	rc = ctx->ops->ioas_dirty_tracking(ioas, enable);
	lu_unlock(ctx);
	return rc;
}

LIBIOMMU_API int libiommu_ioas_get_dirty_bitmap(struct libiommu_ioas *ioas,
						uint64_t iova, uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_IOAS(ioas, __func__);
	ctx = ioas->ctx;
	rc = lu_backend_need(ctx, LU_OP_IOAS_DIRTY_BITMAP, __func__);
	if (rc)
		return rc;
	rc = lu_check_dirty_args(ctx, __func__, iova, length, page_size,
				 bitmap, flags);
	if (rc)
		return rc;
	lu_lock(ctx);
	rc = ctx->ops->ioas_dirty_bitmap(ioas, iova, length, page_size, bitmap,
					 flags);
	lu_unlock(ctx);
	return rc;
}
