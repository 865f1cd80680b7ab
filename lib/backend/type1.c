// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The legacy VFIO backends: a VFIO container (/dev/vfio/vfio) with the
 * type1v2 IOMMU, or the same container ioctls on a /dev/iommu fd
 * (iommufd's VFIO compatibility layer, "iommufd-compat").  Devices come
 * from VFIO groups (/dev/vfio/N) that join the container.
 *
 * How type1 is mapped onto the library's handles:
 *  - A container has exactly one I/O address space: one IOAS per context.
 *  - The container has no IOMMU until its first group joins (VFIO_SET_IOMMU
 *    needs one).  The library keeps every mapping of the IOAS itself
 *    (sorted by IOVA), so an IOAS can be mapped before any device exists,
 *    like an iommufd IOAS: the mappings reach the kernel when the first
 *    device is opened (and again if every group left a type1 container,
 *    which drops its IOMMU).
 *  - type1 has no kernel-chosen IOVA: the library picks the lowest free
 *    IOVA of the usable ranges (VFIO_IOMMU_GET_INFO's IOVA range
 *    capability), within libiommu_ioas_allow_iovas() ranges if set,
 *    aligned to the largest power of two that divides both the length and
 *    the user address (up to 1 GiB), so that huge IOMMU pages can be used.
 *  - Its own list also gives the same unmap answers as iommufd (-ENOENT for
 *    an empty range or one that splits a mapping; type1 says 0 bytes or
 *    -EINVAL).
 *  - A device joins the address space when it is opened (VFIO gives no
 *    device fd before its group is in a container with an IOMMU) and leaves
 *    it when freed: attach only records the link, detach is not possible.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/iova-map.h"
#include "backend/vfio-group.h"
#include "uapi/vfio.h"

/* The pseudo id of the one IOAS (iommufd never uses 0). */
#define LU_TYPE1_IOAS_ID 1u

struct lu_type1 {
	bool compat;
	bool iommu_set;		    /* VFIO_SET_IOMMU done (kernel has an IOMMU) */
	bool unmap_all;		    /* VFIO_UNMAP_ALL extension */
	bool dirty;		    /* VFIO_IOMMU_DIRTY_PAGES started */
	struct libiommu_ioas *ioas; /* the one IOAS handle, if allocated */
	unsigned int nr_devs;	    /* device fds open */
	uint32_t next_dev_id;
	uint64_t pgsizes;		   /* VFIO_IOMMU_GET_INFO iova_pgsizes */
	struct libiommu_iova_range *valid; /* usable ranges (iommu_set) */
	uint32_t nr_valid;
	struct libiommu_iova_range *allowed; /* allow_iovas, or none */
	uint32_t nr_allowed;
	pthread_mutex_t lock; /* the map list, for concurrent map/unmap */
	struct lu_iova_map map;
	struct lu_group *groups;
};

static struct lu_type1 *t1_of(const struct libiommu_ctx *ctx)
{
	return ctx->bpriv;
}

static const struct libiommu_iova_range full_range = { 0, UINT64_MAX };

static const char *ioctl_prefix(const struct lu_type1 *t)
{
	return t->compat ? " (iommufd compat)" : "";
}

/* ---- kernel calls -------------------------------------------------------------- */

static uint32_t to_vfio_flags(uint32_t flags)
{
	uint32_t k = 0;

	if (flags & LIBIOMMU_MAP_READ)
		k |= LX_VFIO_DMA_MAP_FLAG_READ;
	if (flags & LIBIOMMU_MAP_WRITE)
		k |= LX_VFIO_DMA_MAP_FLAG_WRITE;
	return k;
}

static int kernel_map(struct libiommu_ctx *ctx, const struct lu_map *m)
{
	struct lx_vfio_iommu_type1_dma_map cmd = {
		.argsz = sizeof(cmd),
		.flags = to_vfio_flags(m->flags),
		.vaddr = m->vaddr,
		.iova = m->iova,
		.size = m->length,
	};

	return lu_ioctl(ctx->fd, LX_VFIO_IOMMU_MAP_DMA, &cmd);
}

/* UNMAP_DMA of [iova, +length) (or everything): bytes unmapped, or -errno. */
static int kernel_unmap(struct libiommu_ctx *ctx, uint64_t iova,
			uint64_t length, bool all, uint64_t *unmapped)
{
	struct lx_vfio_iommu_type1_dma_unmap cmd = {
		.argsz = sizeof(cmd),
		.flags = all ? LX_VFIO_DMA_UNMAP_FLAG_ALL : 0,
		.iova = all ? 0 : iova,
		.size = all ? 0 : length,
	};
	int rc = lu_ioctl(ctx->fd, LX_VFIO_IOMMU_UNMAP_DMA, &cmd);

	if (rc == 0)
		*unmapped = cmd.size;
	return rc;
}

/*
 * VFIO_IOMMU_GET_INFO: page sizes and the usable IOVA ranges into @t.  The
 * capability chain is sized by a first call with just the struct.
 */
static int refresh_info(struct libiommu_ctx *ctx, struct lu_type1 *t)
{
	struct lx_vfio_iommu_type1_info *info;
	struct libiommu_iova_range *valid = NULL;
	uint32_t argsz = sizeof(*info), off, nr = 0, i;
	int rc, tries;

	for (tries = 0; tries < 4; tries++) {
		info = calloc(1, argsz);
		if (!info)
			return lu_fail(ctx, -ENOMEM, "out of memory for VFIO_IOMMU_GET_INFO");
		info->argsz = argsz;
		rc = lu_ioctl(ctx->fd, LX_VFIO_IOMMU_GET_INFO, info);
		if (rc) {
			free(info);
			return lu_fail(ctx, rc, "VFIO_IOMMU_GET_INFO%s failed: %s",
				       ioctl_prefix(t), strerror(-rc));
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = NULL;
	}
	if (!info)
		return lu_fail(ctx, -EPROTO, "VFIO_IOMMU_GET_INFO%s: the capability chain keeps growing",
			       ioctl_prefix(t));
	t->pgsizes = (info->flags & LX_VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes : (uint64_t)lu_page_size();
	off = (info->flags & LX_VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0;
	for (i = 0; off && off + sizeof(struct lx_vfio_info_cap_header) <= argsz && i < 64; i++) {
		const struct lx_vfio_info_cap_header *h =
			(const void *)((const char *)info + off);

		if (h->id == LX_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
		    off + sizeof(struct lx_vfio_iommu_type1_info_cap_iova_range) <= argsz) {
			const struct lx_vfio_iommu_type1_info_cap_iova_range *c =
				(const void *)h;
			uint32_t k;

			nr = c->nr_iovas;
			if (off + sizeof(*c) + (uint64_t)nr * sizeof(c->iova_ranges[0]) > argsz)
				nr = 0;
			valid = calloc(nr ? nr : 1, sizeof(*valid));
			if (!valid) {
				free(info);
				return lu_fail(ctx, -ENOMEM, "out of memory for the IOVA ranges");
			}
			for (k = 0; k < nr; k++) {
				valid[k].start = c->iova_ranges[k].start;
				valid[k].last = c->iova_ranges[k].end;
			}
		}
		off = h->next;
	}
	free(info);
	if (!valid) {
		/* An old kernel without the capability: the whole space. */
		valid = malloc(sizeof(*valid));
		if (!valid)
			return lu_fail(ctx, -ENOMEM, "out of memory for the IOVA ranges");
		valid[0] = full_range;
		nr = 1;
	}
	free(t->valid);
	t->valid = valid;
	t->nr_valid = nr;
	return 0;
}

/* The usable ranges: the kernel's once it has an IOMMU, else everything. */
static const struct libiommu_iova_range *usable(const struct lu_type1 *t,
						uint32_t *nr)
{
	if (t->iommu_set) {
		*nr = t->nr_valid;
		return t->valid;
	}
	*nr = 1;
	return &full_range;
}

static uint64_t min_pgsize(const struct lu_type1 *t)
{
	uint64_t p = t->iommu_set ? t->pgsizes : 0;

	return p ? p & -p : (uint64_t)lu_page_size();
}

/* Lowest free IOVA for @length bytes: see lu_iova_pick(). */
static bool pick_iova(const struct lu_type1 *t, uint64_t vaddr,
		      uint64_t length, uint64_t *iova)
{
	const struct libiommu_iova_range *r;
	uint32_t nr;

	r = usable(t, &nr);
	return lu_iova_pick(&t->map, r, nr, t->allowed, t->nr_allowed,
			    min_pgsize(t), vaddr, length, iova);
}

/* ---- errors ------------------------------------------------------------------------ */

static int fail_map(struct libiommu_ctx *ctx, struct lu_type1 *t, int err,
		    uint64_t iova, uint64_t length)
{
	uint64_t last = iova + length - 1;

	switch (-err) {
	case EEXIST:
		return lu_fail(ctx, -EEXIST,
			       "VFIO_IOMMU_MAP_DMA%s: the container already maps part of [0x%" PRIx64 ", 0x%" PRIx64 "] (mapped through the raw fd?)",
			       ioctl_prefix(t), iova, last);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "VFIO_IOMMU_MAP_DMA%s: the kernel rejected [0x%" PRIx64 ", 0x%" PRIx64 "]: outside the IOMMU's usable ranges or not aligned to its smallest page size 0x%" PRIx64,
			       ioctl_prefix(t), iova, last, min_pgsize(t));
	case ENOSPC:
		return lu_fail(ctx, -ENOSPC,
			       "VFIO_IOMMU_MAP_DMA%s: the container's limit on DMA mappings is reached (vfio_iommu_type1 dma_entry_limit, 65535 by default); map fewer, larger ranges or raise the module parameter",
			       ioctl_prefix(t));
	case ENOMEM:
		return lu_fail_nomem(ctx, "VFIO_IOMMU_MAP_DMA", length,
				     t->compat ? LU_ACCT_IOMMUFD : LU_ACCT_TYPE1,
				     t->iommu_set ? NULL : "the container has no device yet, so nothing is pinned");
	case EFAULT:
		return lu_fail(ctx, -EFAULT,
			       "VFIO_IOMMU_MAP_DMA%s: the memory to map is not (all) mapped in this process, or it is read-only and LIBIOMMU_MAP_WRITE was asked for",
			       ioctl_prefix(t));
	default:
		return lu_fail(ctx, err,
			       "VFIO_IOMMU_MAP_DMA%s of [0x%" PRIx64 ", 0x%" PRIx64 "] failed: %s",
			       ioctl_prefix(t), iova, last, strerror(-err));
	}
}

/* ---- context ------------------------------------------------------------------------ */

static int t1_init(struct libiommu_ctx *ctx, bool compat)
{
	struct lu_type1 *t = calloc(1, sizeof(*t));

	if (!t)
		return lu_fail(ctx, -ENOMEM, "out of memory for a context");
	t->compat = compat;
	t->next_dev_id = 1;
	pthread_mutex_init(&t->lock, NULL);
	ctx->bpriv = t;
	/*
	 * An adopted container may have its IOMMU set already (its owner
	 * added a group): then GET_INFO answers, and no SET_IOMMU is due.
	 * What it maps is not in the library's list.
	 */
	{
		struct lx_vfio_iommu_type1_info info = { .argsz = sizeof(info) };

		if (lu_ioctl(ctx->fd, LX_VFIO_IOMMU_GET_INFO, &info) == 0 &&
		    refresh_info(ctx, t) == 0) {
			t->iommu_set = true;
			t->unmap_all = lu_ioctl(ctx->fd, LX_VFIO_CHECK_EXTENSION,
						(void *)(uintptr_t)LX_VFIO_UNMAP_ALL) > 0;
			lu_dbg(ctx, "the container's IOMMU is set already");
		}
	}
	return 0;
}

static int type1_ctx_init(struct libiommu_ctx *ctx)
{
	return t1_init(ctx, false);
}

static int compat_ctx_init(struct libiommu_ctx *ctx)
{
	return t1_init(ctx, true);
}

static void t1_ctx_fini(struct libiommu_ctx *ctx)
{
	struct lu_type1 *t = t1_of(ctx);
	struct lu_group *g, *next;
	bool foreign = lu_foreign(ctx);

	if (!t)
		return;
	/* Devices were freed first, and with them their groups: leftovers. */
	for (g = t->groups; g; g = next) {
		next = g->next;
		lu_group_close(g, !foreign);
	}
	/* In a child a thread of the parent may have held it: leave it be. */
	if (!foreign)
		pthread_mutex_destroy(&t->lock);
	free(t->map.maps);
	free(t->valid);
	free(t->allowed);
	free(t);
	ctx->bpriv = NULL;
}

/* ---- IOAS ---------------------------------------------------------------------------- */

static int t1_ioas_alloc(struct libiommu_ioas *ioas, uint32_t flags)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);

	if (flags & LU_IOAS_COH_FLAGS)
		return lu_backend_unsupported(ctx, "an IOAS with a coherency policy (LIBIOMMU_IOAS_NONCOHERENT, LIBIOMMU_IOAS_REQUIRE_COHERENT)",
					      "a device is in the container's one address space from the moment it is opened, before an attach could check it: the policy could not keep a device out");
	if (t->ioas)
		return lu_backend_unsupported(ctx, "a second IOAS",
					      "a VFIO container has exactly one I/O address space (one IOAS per context: create another context for another address space)");
	if (flags & LIBIOMMU_IOAS_NO_HUGE_PAGES)
		return lu_backend_unsupported(ctx, "LIBIOMMU_IOAS_NO_HUGE_PAGES",
					      "type1 always maps with the largest IOMMU pages it can and has no switch for it");
	ioas->id = LU_TYPE1_IOAS_ID;
	t->ioas = ioas;
	return 0;
}

/* Unmap everything, in the kernel if it has it; bytes in *n.  Locked. */
static int unmap_everything(struct libiommu_ctx *ctx, struct lu_type1 *t,
			    uint64_t *n)
{
	uint64_t total = 0, k;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->map.nr; i++)
		total += t->map.maps[i].length;
	if (t->iommu_set && t->map.nr) {
		if (t->unmap_all) {
			rc = kernel_unmap(ctx, 0, 0, true, &k);
		} else {
			for (i = 0; i < t->map.nr && !rc; i++)
				rc = kernel_unmap(ctx, t->map.maps[i].iova,
						  t->map.maps[i].length, false, &k);
		}
	}
	if (rc)
		return lu_fail(ctx, rc, "VFIO_IOMMU_UNMAP_DMA%s (all) failed: %s",
			       ioctl_prefix(t), strerror(-rc));
	t->map.nr = 0;
	*n = total;
	return 0;
}

static int t1_ioas_destroy(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	uint64_t n;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = unmap_everything(ctx, t, &n);
	pthread_mutex_unlock(&t->lock);
	if (rc)
		return rc;
	free(t->allowed);
	t->allowed = NULL;
	t->nr_allowed = 0;
	t->ioas = NULL;
	return 0;
}

static void t1_ioas_release(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	uint64_t n;

	/* A borrowed container stays open: give back what we mapped. */
	if (!ctx->owns_fd) {
		libiommu_log_fn fn = ctx->log.fn;

		ctx->log.fn = NULL; /* quietly: the caller is freeing */
		unmap_everything(ctx, t, &n);
		ctx->log.fn = fn;
	}
	t->map.nr = 0;
	t->ioas = NULL;
}

static int t1_map(struct libiommu_ioas *ioas, void *vaddr, uint64_t length,
		  uint64_t *iova, uint32_t flags)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	struct lu_map m = {
		.vaddr = (uintptr_t)vaddr,
		.length = length,
		.flags = flags & (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE),
	};
	const struct libiommu_iova_range *r;
	uint64_t minp;
	uint32_t nr;
	int rc;

	pthread_mutex_lock(&t->lock);
	minp = min_pgsize(t);
	if (flags & LIBIOMMU_MAP_FIXED_IOVA) {
		m.iova = *iova;
		r = usable(t, &nr);
		if ((m.iova | length) & (minp - 1)) {
			rc = lu_fail(ctx, -EINVAL,
				     "libiommu_ioas_map: IOVA 0x%" PRIx64 "/length 0x%" PRIx64 " not aligned to 0x%" PRIx64 ", the IOMMU's smallest page",
				     m.iova, length, minp);
			goto out;
		}
		if (!lu_iova_inside_one(r, nr, m.iova, m.iova + length - 1)) {
			rc = lu_fail(ctx, -EINVAL,
				     "libiommu_ioas_map: IOVA range [0x%" PRIx64 ", 0x%" PRIx64 "] is not inside one usable range (it touches a reserved region); pick one from libiommu_ioas_get_ranges()",
				     m.iova, m.iova + length - 1);
			goto out;
		}
		if (lu_iova_overlaps(&t->map, m.iova, m.iova + length - 1)) {
			rc = lu_fail(ctx, -EEXIST,
				     "libiommu_ioas_map: an existing mapping overlaps [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32 "; unmap it first or let the library choose the IOVA",
				     m.iova, m.iova + length - 1, ioas->id);
			goto out;
		}
	} else if ((length & (minp - 1)) ||
		   !pick_iova(t, m.vaddr, length, &m.iova)) {
		rc = (length & (minp - 1)) ? lu_fail(ctx, -EINVAL,
						     "libiommu_ioas_map: length 0x%" PRIx64 " is not a multiple of 0x%" PRIx64 ", the IOMMU's smallest page",
						     length, minp)
					   : lu_fail(ctx, -ENOSPC,
						     "libiommu_ioas_map: no free IOVA range of %" PRIu64 " bytes in IOAS %" PRIu32 " (within the allowed ranges, if set); unmap something or widen libiommu_ioas_allow_iovas()",
						     length, ioas->id);
		goto out;
	}
	if (t->iommu_set) {
		rc = kernel_map(ctx, &m);
		if (rc) {
			rc = fail_map(ctx, t, rc, m.iova, length);
			goto out;
		}
	}
	rc = lu_iova_insert(&t->map, &m);
	if (rc)
		rc = lu_fail(ctx, rc, "out of memory for the IOAS's mapping list");
	if (rc && t->iommu_set) {
		uint64_t n;

		kernel_unmap(ctx, m.iova, length, false, &n);
	}
	if (!rc)
		*iova = m.iova;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int t1_unmap(struct libiommu_ioas *ioas, uint64_t iova,
		    uint64_t length, uint64_t *unmapped)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	uint64_t last = iova + length - 1, total = 0, k = 0;
	const struct lu_map *split;
	size_t i, n;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = lu_iova_find_whole(&t->map, iova, last, &i, &n, &total, &split);
	if (rc && split) {
		rc = lu_fail(ctx, -ENOENT,
			     "libiommu_ioas_unmap: [0x%" PRIx64 ", 0x%" PRIx64 "] splits a mapping ([0x%" PRIx64 ", 0x%" PRIx64 "]) in IOAS %" PRIu32 " (unmap whole mappings as they were mapped)",
			     iova, last, split->iova, split->iova + split->length - 1,
			     ioas->id);
		goto out;
	}
	if (rc) {
		rc = lu_fail(ctx, -ENOENT,
			     "libiommu_ioas_unmap: nothing is mapped at [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32,
			     iova, last, ioas->id);
		goto out;
	}
	if (t->iommu_set) {
		rc = kernel_unmap(ctx, iova, length, false, &k);
		if (rc) {
			rc = lu_fail(ctx, rc,
				     "VFIO_IOMMU_UNMAP_DMA%s of [0x%" PRIx64 ", 0x%" PRIx64 "] failed: %s",
				     ioctl_prefix(t), iova, last, strerror(-rc));
			goto out;
		}
		if (k != total)
			lu_warn(ctx, "VFIO_IOMMU_UNMAP_DMA%s unmapped %" PRIu64 " bytes of [0x%" PRIx64 ", 0x%" PRIx64 "], the library expected %" PRIu64 " (changed through the raw fd?)",
				ioctl_prefix(t), k, iova, last, total);
	}
	lu_iova_remove(&t->map, i, n);
	if (unmapped)
		*unmapped = total;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int t1_unmap_all(struct libiommu_ioas *ioas, uint64_t *unmapped)
{
	struct lu_type1 *t = t1_of(ioas->ctx);
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = unmap_everything(ioas->ctx, t, unmapped);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int t1_get_ranges(struct libiommu_ioas *ioas,
			 struct libiommu_iova_range *ranges, uint32_t *nr,
			 uint64_t *alignment)
{
	struct lu_type1 *t = t1_of(ioas->ctx);
	const struct libiommu_iova_range *r;
	uint32_t n, cap = *nr;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	r = usable(t, &n);
	if (ranges)
		memcpy(ranges, r, (n < cap ? n : cap) * sizeof(*r));
	if (alignment)
		*alignment = min_pgsize(t);
	if (n > cap)
		rc = -EMSGSIZE;
	*nr = n;
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* -EADDRINUSE (logged) when an allowed range is not usable as a whole. */
static int check_allowed(struct libiommu_ctx *ctx, struct lu_type1 *t,
			 const struct libiommu_iova_range *a, uint32_t nr,
			 const char *who)
{
	const struct libiommu_iova_range *r;
	uint32_t n, i;

	r = usable(t, &n);
	for (i = 0; i < nr; i++)
		if (!lu_iova_inside_one(r, n, a[i].start, a[i].last))
			return lu_fail(ctx, -EADDRINUSE,
				       "%s: allowed range [0x%" PRIx64 ", 0x%" PRIx64 "] intersects a reserved IOVA region of the container's IOMMU; keep the ranges inside libiommu_ioas_get_ranges()",
				       who, a[i].start, a[i].last);
	return 0;
}

/* The library picks IOVAs on type1, so the allowed list steers it. */
static int t1_allow_iovas(struct libiommu_ioas *ioas,
			  const struct libiommu_iova_range *ranges, uint32_t nr)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	struct libiommu_iova_range *copy = NULL;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = check_allowed(ctx, t, ranges, nr, "libiommu_ioas_allow_iovas");
	if (rc)
		goto out;
	if (nr) {
		copy = malloc(nr * sizeof(*copy));
		if (!copy) {
			rc = lu_fail(ctx, -ENOMEM, "out of memory for the allowed ranges");
			goto out;
		}
		memcpy(copy, ranges, nr * sizeof(*copy));
	}
	free(t->allowed);
	t->allowed = copy;
	t->nr_allowed = nr;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int t1_set_huge_pages(struct libiommu_ioas *ioas, bool enable)
{
	if (enable)
		return 0; /* already: type1 uses the largest pages it can */
	return lu_backend_unsupported(ioas->ctx,
				      "turning huge pages off (libiommu_ioas_set_huge_pages)",
				      "type1 always maps with the largest IOMMU pages it can and has no switch for it");
}

static int t1_get_huge_pages(struct libiommu_ioas *ioas, bool *enabled)
{
	(void)ioas;
	*enabled = true;
	return 0;
}

static int need_iommu(struct libiommu_ctx *ctx, const char *fn)
{
	if (t1_of(ctx)->iommu_set)
		return 0;
	return lu_fail(ctx, -ENODEV,
		       "%s: the container has no IOMMU yet: open a device first (VFIO sets the type1 IOMMU when the first group joins)",
		       fn);
}

static int t1_dirty_tracking(struct libiommu_ioas *ioas, bool enable)
{
	static const char fn[] = "libiommu_ioas_set_dirty_tracking";
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	struct lx_vfio_iommu_type1_dirty_bitmap cmd = {
		.argsz = sizeof(cmd),
		.flags = enable ? LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_START : LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
	};
	int rc = need_iommu(ctx, fn);

	if (rc)
		return rc;
	rc = lu_ioctl(ctx->fd, LX_VFIO_IOMMU_DIRTY_PAGES, &cmd);
	if (rc == -ENOTTY)
		return lu_backend_unsupported(ctx, fn,
					      "the kernel's container has no VFIO_IOMMU_DIRTY_PAGES");
	if (rc)
		return lu_fail(ctx, rc, "VFIO_IOMMU_DIRTY_PAGES %s failed: %s",
			       enable ? "START" : "STOP", strerror(-rc));
	t->dirty = enable;
	return 0;
}

static int t1_dirty_bitmap(struct libiommu_ioas *ioas, uint64_t iova,
			   uint64_t length, uint64_t page_size,
			   uint64_t *bitmap, uint32_t flags)
{
	static const char fn[] = "libiommu_ioas_get_dirty_bitmap";
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	struct {
		struct lx_vfio_iommu_type1_dirty_bitmap hdr;
		struct lx_vfio_iommu_type1_dirty_bitmap_get get;
	} cmd;
	uint64_t last = iova + length - 1, words = (length / page_size + 63) / 64;
	size_t i;
	int rc = need_iommu(ctx, fn);

	if (rc)
		return rc;
	if (flags & LIBIOMMU_DIRTY_NO_CLEAR)
		return lu_backend_unsupported(ctx, "LIBIOMMU_DIRTY_NO_CLEAR",
					      "VFIO_IOMMU_DIRTY_PAGES always clears what it reports");
	if (!t->dirty)
		return lu_fail(ctx, -EINVAL,
			       "%s: dirty tracking is not started on IOAS %" PRIu32 " (libiommu_ioas_set_dirty_tracking)",
			       fn, ioas->id);
	if (page_size != min_pgsize(t))
		return lu_fail(ctx, -EINVAL,
			       "%s: type1 reports dirty pages in its smallest IOMMU page size only: page_size must be 0x%" PRIx64 ", not 0x%" PRIx64,
			       fn, min_pgsize(t), page_size);
	pthread_mutex_lock(&t->lock);
	for (i = lu_iova_first_at(&t->map, iova); i < t->map.nr && t->map.maps[i].iova <= last; i++) {
		const struct lu_map *m = &t->map.maps[i];

		if (m->iova < iova || m->iova + m->length - 1 > last) {
			pthread_mutex_unlock(&t->lock);
			return lu_fail(ctx, -EINVAL,
				       "%s: [0x%" PRIx64 ", 0x%" PRIx64 "] splits the mapping [0x%" PRIx64 ", 0x%" PRIx64 "]: type1 reports whole mappings only",
				       fn, iova, last, m->iova, m->iova + m->length - 1);
		}
	}
	memset(bitmap, 0, (size_t)words * sizeof(uint64_t));
	memset(&cmd, 0, sizeof(cmd));
	cmd.hdr.argsz = sizeof(cmd);
	cmd.hdr.flags = LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	cmd.get.iova = iova;
	cmd.get.size = length;
	cmd.get.bitmap.pgsize = page_size;
	cmd.get.bitmap.size = words * sizeof(uint64_t);
	cmd.get.bitmap.data = bitmap;
	rc = lu_ioctl(ctx->fd, LX_VFIO_IOMMU_DIRTY_PAGES, &cmd);
	pthread_mutex_unlock(&t->lock);
	if (rc)
		return lu_fail(ctx, rc,
			       "VFIO_IOMMU_DIRTY_PAGES GET_BITMAP of [0x%" PRIx64 ", 0x%" PRIx64 "] failed: %s",
			       iova, last, strerror(-rc));
	return 0;
}

/* ---- groups ----------------------------------------------------------------------- */

/* Every group of the container proves the context owns its devices. */
static int t1_hot_reset_fds(struct libiommu_ctx *ctx, int32_t *fds,
			    uint32_t max)
{
	struct lu_group *g;
	int n = 0;

	for (g = t1_of(ctx)->groups; g; g = g->next, n++)
		if ((uint32_t)n < max)
			fds[n] = g->fd;
	return n;
}

static struct lu_group *find_group(struct lu_type1 *t, dev_t rdev)
{
	struct lu_group *g;

	for (g = t->groups; g; g = g->next)
		if (g->rdev == rdev)
			return g;
	return NULL;
}

/*
 * The container's IOMMU is set now (first group): learn it, then hand it
 * the mappings made so far.  On failure nothing is left mapped.
 */
static int first_group_joined(struct libiommu_ctx *ctx, struct lu_type1 *t,
			      const struct lu_group *g)
{
	size_t i;
	int rc;

	rc = lu_ioctl(ctx->fd, LX_VFIO_SET_IOMMU,
		      (void *)(uintptr_t)LX_VFIO_TYPE1v2_IOMMU);
	if (rc)
		return lu_fail(ctx, rc,
			       "VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)%s after VFIO group %s joined failed: %s",
			       ioctl_prefix(t), g->num, strerror(-rc));
	rc = refresh_info(ctx, t);
	if (rc)
		return rc;
	t->unmap_all = lu_ioctl(ctx->fd, LX_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)LX_VFIO_UNMAP_ALL) > 0;
	t->iommu_set = true;
	for (i = 0; i < t->map.nr; i++) {
		const struct lu_map *m = &t->map.maps[i];

		if (!lu_iova_inside_one(t->valid, t->nr_valid, m->iova,
					m->iova + m->length - 1)) {
			rc = lu_fail(ctx, -EADDRINUSE,
				     "the IOAS's mapping [0x%" PRIx64 ", 0x%" PRIx64 "] overlaps a reserved IOVA region of VFIO group %s's IOMMU (e.g. the MSI window); unmap it before opening the device",
				     m->iova, m->iova + m->length - 1, g->num);
			break;
		}
		rc = kernel_map(ctx, m);
		if (rc) {
			rc = fail_map(ctx, t, rc, m->iova, m->length);
			break;
		}
	}
	if (!rc)
		rc = check_allowed(ctx, t, t->allowed, t->nr_allowed,
				   "opening a device");
	if (rc) {
		uint64_t n;

		while (i--)
			kernel_unmap(ctx, t->map.maps[i].iova, t->map.maps[i].length,
				     false, &n);
		t->iommu_set = false;
		return rc;
	}
	lu_dbg(ctx, "VFIO group %s set the type1v2 IOMMU%s; %zu mapping(s) made before it were mapped",
	       g->num, ioctl_prefix(t), t->map.nr);
	return 0;
}

/*
 * Drop a user of @g; the last one takes it out of the container.  Quiet:
 * it also undoes failed opens, whose error must stay the last message.
 */
static void group_put(struct libiommu_ctx *ctx, struct lu_group *g)
{
	struct lu_type1 *t = t1_of(ctx);
	struct lu_group **pp;

	if (--g->devs)
		return;
	for (pp = &t->groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	lu_group_close(g, !lu_foreign(ctx));
	/*
	 * The last group leaving a type1 container takes its IOMMU (and the
	 * kernel's mappings) with it; the library's list stays and is mapped
	 * again when a device comes back.  iommufd's compat IOAS stays.
	 */
	if (!t->groups && !t->compat && !lu_foreign(ctx)) {
		/* under the map list's lock: a map in flight reads them */
		pthread_mutex_lock(&t->lock);
		t->iommu_set = false;
		t->dirty = false;
		pthread_mutex_unlock(&t->lock);
	}
}

/*
 * The group for @path / @fd, joined to the container, with one more user.
 * A new group is checked for viability, joins, and (the first) sets the
 * IOMMU.
 */
static int group_get(struct libiommu_ctx *ctx, const char *path, int fd,
		     bool owns_fd, struct lu_group **out, bool *created)
{
	struct lu_type1 *t = t1_of(ctx);
	bool first = !t->iommu_set;
	struct lu_group *g;
	dev_t rdev;
	int rc;

	rc = lu_group_rdev(ctx, path, fd, &rdev);
	if (rc)
		return rc;
	*created = false;
	g = find_group(t, rdev);
	if (g) {
		g->devs++;
		*out = g;
		return 0;
	}
	rc = lu_group_new(ctx, path, fd, owns_fd, rdev, &g);
	if (rc)
		return rc;
	rc = lu_group_join(ctx, g, ctx->fd, ioctl_prefix(t));
	if (rc) {
		if (!path)
			g->owns_fd = false; /* on failure the caller keeps it */
		lu_group_close(g, true);
		return rc;
	}
	g->devs = 1;
	g->next = t->groups;
	t->groups = g;

	pthread_mutex_lock(&t->lock);
	if (first) {
		rc = first_group_joined(ctx, t, g);
	} else {
		rc = refresh_info(ctx, t);
		if (!rc)
			rc = check_allowed(ctx, t, t->allowed, t->nr_allowed,
					   "opening a device");
	}
	pthread_mutex_unlock(&t->lock);
	if (rc) {
		/* Leave the group as it was; an fd the caller owns stays open. */
		g->owns_fd = path != NULL;
		group_put(ctx, g);
		if (!first) {
			pthread_mutex_lock(&t->lock);
			refresh_info(ctx, t);
			pthread_mutex_unlock(&t->lock);
		}
		return rc;
	}
	lu_dbg(ctx, "VFIO group %s joined the container", g->num);
	*out = g;
	*created = true;
	return 0;
}

/* ---- devices ---------------------------------------------------------------------- */

static int t1_dev_open_group(struct libiommu_dev *dev, const char *group_path,
			     int group_fd, bool owns_group_fd, const char *name,
			     const struct libiommu_dev_opts *opts)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lu_type1 *t = t1_of(ctx);
	struct lu_group *g;
	bool created;
	int fd, rc;

	rc = group_get(ctx, group_path, group_fd, owns_group_fd, &g, &created);
	if (rc)
		return rc;
	fd = lu_group_device_fd(ctx, g, name, opts);
	if (fd < 0) {
		if (created && !group_path)
			g->owns_fd = false; /* on failure the caller keeps it */
		group_put(ctx, g);
		return fd;
	}
	/* A caller's fd for a group held already only named it. */
	if (!created && !group_path && owns_group_fd) {
		if (g->fd == group_fd)
			g->owns_fd = true;
		else
			close(group_fd);
	}
	dev->fd = fd;
	dev->owns_fd = true;
	dev->bpriv = g;
	dev->id = t->next_dev_id++;
	t->nr_devs++;
	/*
	 * iommufd compat attaches the device (and learns its reserved
	 * regions) only now: the usable ranges may have shrunk.
	 */
	if (t->compat) {
		pthread_mutex_lock(&t->lock);
		refresh_info(ctx, t);
		pthread_mutex_unlock(&t->lock);
	}
	return 0;
}

static int t1_dev_open(struct libiommu_dev *dev, const char *path,
		       const struct libiommu_dev_opts *opts)
{
	char name[NAME_MAX + 1], group[64];
	int rc;

	rc = lu_cdev_to_group(dev->ctx, path, name, sizeof(name), group,
			      sizeof(group));
	if (rc)
		return rc;
	lu_dbg(dev->ctx, "%s is device %s of group %s", path, name, group);
	return t1_dev_open_group(dev, group, -1, true, name, opts);
}

static int t1_dev_attach(struct libiommu_dev *dev, struct libiommu_ioas *ioas,
			 struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
			 bool quiet)
{
	(void)hwpt;
	(void)quiet;
	/* The only IOAS: the device has used it since it was opened. */
	lu_dbg(dev->ctx, "device %" PRIu32 ": on the %s backend it has been in the container's address space (IOAS %" PRIu32 ") since it was opened",
	       dev->id, dev->ctx->ops->name, ioas->id);
	*hwpt_id = 0;
	return 0;
}

static void t1_dev_release(struct libiommu_dev *dev)
{
	struct lu_type1 *t = t1_of(dev->ctx);
	struct lu_group *g = dev->bpriv;

	if (!g)
		return;
	if (t->nr_devs)
		t->nr_devs--;
	if (g->devs == 1)
		lu_dbg(dev->ctx, "VFIO group %s leaves the container with its last device",
		       g->num);
	group_put(dev->ctx, g);
	dev->bpriv = NULL;
	/* its reserved regions went with it: the usable ranges may grow */
	if (t->iommu_set && !lu_foreign(dev->ctx)) {
		pthread_mutex_lock(&t->lock);
		refresh_info(dev->ctx, t);
		pthread_mutex_unlock(&t->lock);
	}
}

/* KVM gets the device's VFIO group (what a legacy VMM gives). */
static int t1_dev_kvm_file(const struct libiommu_dev *dev)
{
	const struct lu_group *g = dev->bpriv;

	return g ? g->fd : dev->fd;
}

/*
 * VFIO_DMA_CC_IOMMU: a type1 container answers for its domains once the
 * IOMMU is set; iommufd's compat layer answers for the HWPTs of its IOAS,
 * which exist only while a device is open (before, it says 1).
 */
static int t1_cc_enforced(struct libiommu_ioas *ioas, char *where, size_t len)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = t1_of(ctx);
	int rc;

	snprintf(where, len, "the %s container", ctx->ops->name);
	if (!t->iommu_set || (t->compat && !t->nr_devs))
		return -EAGAIN;
	rc = lu_ioctl(ctx->fd, LX_VFIO_CHECK_EXTENSION,
		      (void *)(uintptr_t)LX_VFIO_DMA_CC_IOMMU);
	return rc < 0 ? rc : rc > 0;
}

static int t1_has_feature(struct libiommu_ctx *ctx, enum libiommu_feature feat)
{
	/*
	 * The iommufd features describe native iommufd objects, which these
	 * backends do not use: they read absent (vfio_compat excepted).
	 */
	return t1_of(ctx)->compat && feat == LIBIOMMU_FEAT_VFIO_COMPAT;
}

#define NO_IOMMUFD_OBJECTS \
	"it needs iommufd's native objects; create the context with LIBIOMMU_BACKEND_IOMMUFD"

#define T1_COMMON_OPS \
	.implicit_attach = true, \
	.kvm_gets_group = true, \
	.has_feature = t1_has_feature, \
	.ioas_alloc = t1_ioas_alloc, \
	.ioas_destroy = t1_ioas_destroy, \
	.ioas_release = t1_ioas_release, \
	.map = t1_map, \
	.unmap = t1_unmap, \
	.unmap_all = t1_unmap_all, \
	.get_ranges = t1_get_ranges, \
	.allow_iovas = t1_allow_iovas, \
	.set_huge_pages = t1_set_huge_pages, \
	.get_huge_pages = t1_get_huge_pages, \
	.cc_enforced = t1_cc_enforced, \
	.dev_open = t1_dev_open, \
	.dev_open_group = t1_dev_open_group, \
	.dev_attach = t1_dev_attach, \
	.dev_release = t1_dev_release, \
	.dev_kvm_file = t1_dev_kvm_file, \
	.region_info = lu_vfio_region_info, \
	.region_pio = lu_vfio_region_pio, \
	.region_mmap = lu_vfio_region_mmap, \
	.dev_info_flags = lu_vfio_dev_info_flags, \
	.dev_ioctl = lu_vfio_dev_ioctl, \
	.hot_reset_fds = t1_hot_reset_fds, \
	.dev_feature = lu_vfio_dev_feature, \
	.ctx_fini = t1_ctx_fini

#define T1_WHY_NOT \
	[LU_OP_MAP_FILE] = "VFIO_IOMMU_MAP_DMA maps process memory only; mmap() the file and use libiommu_ioas_map()", \
	[LU_OP_IOAS_COPY] = "a VFIO container has one address space, so there is nothing to copy between", \
	[LU_OP_DEV_OPEN_FD] = "a legacy VFIO device fd comes from its group: use libiommu_dev_open_group_fd() with the group fd, or libiommu_dev_open() with the cdev path", \
	[LU_OP_DEV_ADOPT_ID] = "devices have no iommufd id there", \
	[LU_OP_DEV_DETACH] = "a device stays in its container's address space until libiommu_dev_free() closes it", \
	[LU_OP_DEV_PASID_ATTACH] = "PASIDs are attached through iommufd only", \
	[LU_OP_DEV_PASID_DETACH] = "PASIDs are attached through iommufd only", \
	[LU_OP_HW_INFO] = NO_IOMMUFD_OBJECTS " (IOMMU_GET_HW_INFO)", \
	[LU_OP_HWPT_ALLOC] = NO_IOMMUFD_OBJECTS " (IOMMU_HWPT_ALLOC)", \
	[LU_OP_MEMLOCK_MODE] = NO_IOMMUFD_OBJECTS " (IOMMU_OPTION(RLIMIT_MODE))", \
	[LU_OP_VIOMMU_ALLOC] = NO_IOMMUFD_OBJECTS " (IOMMU_VIOMMU_ALLOC)", \
	[LU_OP_VDEVICE_ALLOC] = NO_IOMMUFD_OBJECTS " (IOMMU_VDEVICE_ALLOC)", \
	[LU_OP_VEVENTQ_ALLOC] = NO_IOMMUFD_OBJECTS " (IOMMU_VEVENTQ_ALLOC)", \
	[LU_OP_FAULT_QUEUE_ALLOC] = NO_IOMMUFD_OBJECTS " (IOMMU_FAULT_QUEUE_ALLOC)", \
	[LU_OP_HW_QUEUE_ALLOC] = NO_IOMMUFD_OBJECTS " (IOMMU_HW_QUEUE_ALLOC)", \
	[LU_OP_DEV_ADOPT_FD] = "devices have no iommufd id there; a legacy device fd is adopted with its group: libiommu_dev_open_group_fd()", \
	[LU_OP_IOAS_ADOPT_ID] = "a VFIO container has one address space and no object ids: create the context on the container fd with libiommu_ctx_new_from_fd()", \
	[LU_OP_HWPT_ADOPT_ID] = NO_IOMMUFD_OBJECTS " (HWPTs)", \
	[LU_OP_CHANGE_PROCESS] = "a VFIO container pins process memory by address and has no IOMMU_IOAS_CHANGE_PROCESS (its VFIO_UPDATE_VADDR flow is not provided); use the iommufd backend and libiommu_ioas_map_file()"

const struct lu_backend_ops lu_backend_type1 = {
	.kind = LIBIOMMU_BACKEND_TYPE1,
	.name = "type1",
	.domains_match_enforcement = true,
	.ctx_init = type1_ctx_init,
	.ioas_dirty_tracking = t1_dirty_tracking,
	.ioas_dirty_bitmap = t1_dirty_bitmap,
	T1_COMMON_OPS,
	.why_not = { T1_WHY_NOT },
};

/* iommufd's VFIO compatibility has no VFIO_IOMMU_DIRTY_PAGES. */
const struct lu_backend_ops lu_backend_compat = {
	.kind = LIBIOMMU_BACKEND_IOMMUFD_COMPAT,
	.name = "iommufd-compat",
	.ctx_init = compat_ctx_init,
	T1_COMMON_OPS,
	.why_not = {
		T1_WHY_NOT,
		[LU_OP_IOAS_DIRTY_TRACKING] = "iommufd's VFIO compatibility layer has no VFIO_IOMMU_DIRTY_PAGES; use the iommufd backend and a HWPT with LIBIOMMU_HWPT_DIRTY_TRACKING",
		[LU_OP_IOAS_DIRTY_BITMAP] = "iommufd's VFIO compatibility layer has no VFIO_IOMMU_DIRTY_PAGES; use the iommufd backend and a HWPT with LIBIOMMU_HWPT_DIRTY_TRACKING",
	},
};
