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
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "uapi/vfio.h"

#define FAIL(ctx, err, ...) lu_ret(lu_fail(ctx, err, __VA_ARGS__))

/* The pseudo id of the one IOAS (iommufd never uses 0). */
#define LU_TYPE1_IOAS_ID 1u
/* Largest IOVA alignment the allocator asks for. */
#define LU_MAX_ALIGN (UINT64_C(1) << 30)

struct lu_group {
	int fd;
	bool owns_fd;
	dev_t rdev;		/* identifies the group's node */
	char num[16];		/* N of /dev/vfio/N, for messages and sysfs */
	unsigned int devs;	/* device handles open through it */
	struct lu_group *next;
};

struct lu_map {
	uint64_t iova, length, vaddr;
	uint32_t flags;		/* LIBIOMMU_MAP_READ/WRITE */
};

struct lu_type1 {
	bool compat;
	bool iommu_set;		/* VFIO_SET_IOMMU done (kernel has an IOMMU) */
	bool unmap_all;		/* VFIO_UNMAP_ALL extension */
	bool dirty;		/* VFIO_IOMMU_DIRTY_PAGES started */
	struct libiommu_ioas *ioas; /* the one IOAS handle, if allocated */
	unsigned int nr_devs;	/* device fds open */
	uint32_t next_dev_id;
	uint64_t pgsizes;	/* VFIO_IOMMU_GET_INFO iova_pgsizes */
	struct libiommu_iova_range *valid; /* usable ranges (iommu_set) */
	uint32_t nr_valid;
	struct libiommu_iova_range *allowed; /* allow_iovas, or none */
	uint32_t nr_allowed;
	pthread_mutex_t lock;	/* the map list, for concurrent map/unmap */
	struct lu_map *maps;	/* sorted by iova, never overlapping */
	size_t nr_maps, cap_maps;
	struct lu_group *groups;
};

static const struct libiommu_iova_range full_range = { 0, UINT64_MAX };

static const char *ioctl_prefix(const struct lu_type1 *t)
{
	return t->compat ? " (iommufd compat)" : "";
}

/* ---- the map list ------------------------------------------------------------ */

/* Index of the first mapping that ends at or after @iova. */
static size_t first_at(const struct lu_type1 *t, uint64_t iova)
{
	size_t lo = 0, hi = t->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct lu_map *m = &t->maps[mid];

		if (m->iova + m->length - 1 < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool overlaps(const struct lu_type1 *t, uint64_t iova, uint64_t last)
{
	size_t i = first_at(t, iova);

	return i < t->nr_maps && t->maps[i].iova <= last;
}

static int insert_map(struct libiommu_ctx *ctx, struct lu_type1 *t,
		      const struct lu_map *m)
{
	size_t i = first_at(t, m->iova);

	if (t->nr_maps == t->cap_maps) {
		size_t cap = t->cap_maps ? t->cap_maps * 2 : 16;
		struct lu_map *p = realloc(t->maps, cap * sizeof(*p));

		if (!p)
			return FAIL(ctx, ENOMEM, "out of memory for the IOAS's mapping list");
		t->maps = p;
		t->cap_maps = cap;
	}
	memmove(&t->maps[i + 1], &t->maps[i], (t->nr_maps - i) * sizeof(*m));
	t->maps[i] = *m;
	t->nr_maps++;
	return 0;
}

static void remove_maps(struct lu_type1 *t, size_t i, size_t n)
{
	memmove(&t->maps[i], &t->maps[i + n],
		(t->nr_maps - i - n) * sizeof(*t->maps));
	t->nr_maps -= n;
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
			return FAIL(ctx, ENOMEM, "out of memory for VFIO_IOMMU_GET_INFO");
		info->argsz = argsz;
		rc = lu_ioctl(ctx->fd, LX_VFIO_IOMMU_GET_INFO, info);
		if (rc) {
			free(info);
			return FAIL(ctx, -rc, "VFIO_IOMMU_GET_INFO%s failed: %s",
				    ioctl_prefix(t), strerror(-rc));
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = NULL;
	}
	if (!info)
		return FAIL(ctx, EPROTO, "VFIO_IOMMU_GET_INFO%s: the capability chain keeps growing",
			    ioctl_prefix(t));
	t->pgsizes = (info->flags & LX_VFIO_IOMMU_INFO_PGSIZES) ?
			     info->iova_pgsizes : lu_page_size();
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
				return FAIL(ctx, ENOMEM, "out of memory for the IOVA ranges");
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
			return FAIL(ctx, ENOMEM, "out of memory for the IOVA ranges");
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

static bool inside_one(const struct libiommu_iova_range *r, uint32_t nr,
		       uint64_t iova, uint64_t last)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (iova >= r[i].start && last <= r[i].last)
			return true;
	return false;
}

static uint64_t min_pgsize(const struct lu_type1 *t)
{
	uint64_t p = t->iommu_set ? t->pgsizes : 0;

	return p ? p & -p : lu_page_size();
}

/* ---- IOVA allocation ------------------------------------------------------------ */

/* Lowest @align-aligned IOVA in [start, last] with @length free bytes. */
static bool fit_in(const struct lu_type1 *t, uint64_t start, uint64_t last,
		   uint64_t length, uint64_t align, uint64_t *out)
{
	uint64_t cur = (start + align - 1) & ~(align - 1);
	size_t i;

	if (cur < start)
		return false;
	for (i = first_at(t, cur); ; i++) {
		uint64_t end;

		if (cur > last || last - cur < length - 1)
			return false;
		end = cur + length - 1;
		if (i >= t->nr_maps || t->maps[i].iova > end) {
			*out = cur;
			return true;
		}
		end = t->maps[i].iova + t->maps[i].length; /* first byte after */
		if (end == 0)
			return false; /* the mapping reaches the top */
		cur = (end + align - 1) & ~(align - 1);
		if (cur < end)
			return false;
	}
}

static bool pick_iova(const struct lu_type1 *t, uint64_t vaddr,
		      uint64_t length, uint64_t *iova)
{
	const struct libiommu_iova_range *r;
	uint64_t align = LU_MAX_ALIGN, a, minp = min_pgsize(t);
	uint32_t nr, i, j;

	while (align > length)
		align >>= 1;
	if (vaddr && (vaddr & -vaddr) < align)
		align = vaddr & -vaddr;
	if (align < minp)
		align = minp;
	r = usable(t, &nr);
	/* The wanted alignment first, then the smallest the IOMMU takes. */
	for (a = align;; a = minp) {
		for (i = 0; i < nr; i++) {
			if (!t->nr_allowed) {
				if (fit_in(t, r[i].start, r[i].last, length, a, iova))
					return true;
				continue;
			}
			for (j = 0; j < t->nr_allowed; j++) {
				uint64_t s = r[i].start > t->allowed[j].start ?
						     r[i].start : t->allowed[j].start;
				uint64_t l = r[i].last < t->allowed[j].last ?
						     r[i].last : t->allowed[j].last;

				if (s <= l && fit_in(t, s, l, length, a, iova))
					return true;
			}
		}
		if (a == minp)
			return false;
	}
}

/* ---- errors ------------------------------------------------------------------------ */

static int fail_map(struct libiommu_ctx *ctx, struct lu_type1 *t, int err,
		    uint64_t iova, uint64_t length)
{
	uint64_t last = iova + length - 1;

	switch (-err) {
	case EEXIST:
		return FAIL(ctx, EEXIST,
			    "VFIO_IOMMU_MAP_DMA%s: the container already maps part of [0x%" PRIx64 ", 0x%" PRIx64 "] (mapped through the raw fd?)",
			    ioctl_prefix(t), iova, last);
	case EINVAL:
		return FAIL(ctx, EINVAL,
			    "VFIO_IOMMU_MAP_DMA%s: the kernel rejected [0x%" PRIx64 ", 0x%" PRIx64 "]: outside the IOMMU's usable ranges or not aligned to its smallest page size 0x%" PRIx64,
			    ioctl_prefix(t), iova, last, min_pgsize(t));
	case ENOSPC:
		return FAIL(ctx, ENOSPC,
			    "VFIO_IOMMU_MAP_DMA%s: the container's limit on DMA mappings is reached (vfio_iommu_type1 dma_entry_limit, 65535 by default); map fewer, larger ranges or raise the module parameter",
			    ioctl_prefix(t));
	case ENOMEM:
		return lu_fail_nomem(ctx, "VFIO_IOMMU_MAP_DMA", length);
	case EFAULT:
		return FAIL(ctx, EFAULT,
			    "VFIO_IOMMU_MAP_DMA%s: the memory to map is not (all) mapped in this process, or it is read-only and LIBIOMMU_MAP_WRITE was asked for",
			    ioctl_prefix(t));
	default:
		return FAIL(ctx, -err,
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
	ctx->type1 = t;
	/*
	 * The iommufd features describe native iommufd objects, which these
	 * backends do not use: they read absent (vfio_compat excepted).
	 */
	ctx->features = compat ? UINT64_C(1) << LIBIOMMU_FEAT_VFIO_COMPAT : 0;
	ctx->probed = true;
	lu_dbg(ctx, "%s backend: iommufd features read as absent",
	       ctx->ops->name);
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
	struct lu_type1 *t = ctx->type1;
	struct lu_group *g, *next;

	if (!t)
		return;
	/* Devices were freed first, and with them their groups: leftovers. */
	for (g = t->groups; g; g = next) {
		next = g->next;
		lu_ioctl(g->fd, LX_VFIO_GROUP_UNSET_CONTAINER, NULL);
		if (g->owns_fd)
			close(g->fd);
		free(g);
	}
	pthread_mutex_destroy(&t->lock);
	free(t->maps);
	free(t->valid);
	free(t->allowed);
	free(t);
	ctx->type1 = NULL;
}

/* ---- IOAS ---------------------------------------------------------------------------- */

static int t1_ioas_alloc(struct libiommu_ioas *ioas, uint32_t flags)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = ctx->type1;

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

	for (i = 0; i < t->nr_maps; i++)
		total += t->maps[i].length;
	if (t->iommu_set && t->nr_maps) {
		if (t->unmap_all) {
			rc = kernel_unmap(ctx, 0, 0, true, &k);
		} else {
			for (i = 0; i < t->nr_maps && !rc; i++)
				rc = kernel_unmap(ctx, t->maps[i].iova,
						  t->maps[i].length, false, &k);
		}
	}
	if (rc)
		return FAIL(ctx, -rc, "VFIO_IOMMU_UNMAP_DMA%s (all) failed: %s",
			    ioctl_prefix(t), strerror(-rc));
	t->nr_maps = 0;
	*n = total;
	return 0;
}

static int t1_ioas_destroy(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = ctx->type1;
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
	struct lu_type1 *t = ctx->type1;
	uint64_t n;

	/* A borrowed container stays open: give back what we mapped. */
	if (!ctx->owns_fd) {
		libiommu_log_fn fn = ctx->log_fn;

		ctx->log_fn = NULL; /* quietly: the caller is freeing */
		unmap_everything(ctx, t, &n);
		ctx->log_fn = fn;
	}
	t->nr_maps = 0;
	t->ioas = NULL;
}

static int t1_map(struct libiommu_ioas *ioas, void *vaddr, uint64_t length,
		  uint64_t *iova, uint32_t flags)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = ctx->type1;
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
			rc = FAIL(ctx, EINVAL,
				  "libiommu_ioas_map: IOVA 0x%" PRIx64 "/length 0x%" PRIx64 " not aligned to 0x%" PRIx64 ", the IOMMU's smallest page",
				  m.iova, length, minp);
			goto out;
		}
		if (!inside_one(r, nr, m.iova, m.iova + length - 1)) {
			rc = FAIL(ctx, EINVAL,
				  "libiommu_ioas_map: IOVA range [0x%" PRIx64 ", 0x%" PRIx64 "] is not inside one usable range (it touches a reserved region); pick one from libiommu_ioas_get_ranges()",
				  m.iova, m.iova + length - 1);
			goto out;
		}
		if (overlaps(t, m.iova, m.iova + length - 1)) {
			rc = FAIL(ctx, EEXIST,
				  "libiommu_ioas_map: an existing mapping overlaps [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32 "; unmap it first or let the library choose the IOVA",
				  m.iova, m.iova + length - 1, ioas->id);
			goto out;
		}
	} else if ((length & (minp - 1)) ||
		   !pick_iova(t, m.vaddr, length, &m.iova)) {
		rc = (length & (minp - 1)) ?
			FAIL(ctx, EINVAL,
			     "libiommu_ioas_map: length 0x%" PRIx64 " is not a multiple of 0x%" PRIx64 ", the IOMMU's smallest page",
			     length, minp) :
			FAIL(ctx, ENOSPC,
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
	rc = insert_map(ctx, t, &m);
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
	struct lu_type1 *t = ctx->type1;
	uint64_t last = iova + length - 1, total = 0, k = 0;
	size_t i, j;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	i = first_at(t, iova);
	for (j = i; j < t->nr_maps && t->maps[j].iova <= last; j++) {
		const struct lu_map *m = &t->maps[j];

		if (m->iova < iova || m->iova + m->length - 1 > last) {
			rc = FAIL(ctx, ENOENT,
				  "libiommu_ioas_unmap: [0x%" PRIx64 ", 0x%" PRIx64 "] splits a mapping ([0x%" PRIx64 ", 0x%" PRIx64 "]) in IOAS %" PRIu32 " (unmap whole mappings as they were mapped)",
				  iova, last, m->iova, m->iova + m->length - 1,
				  ioas->id);
			goto out;
		}
		total += m->length;
	}
	if (j == i) {
		rc = FAIL(ctx, ENOENT,
			  "libiommu_ioas_unmap: nothing is mapped at [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32,
			  iova, last, ioas->id);
		goto out;
	}
	if (t->iommu_set) {
		rc = kernel_unmap(ctx, iova, length, false, &k);
		if (rc) {
			rc = FAIL(ctx, -rc,
				  "VFIO_IOMMU_UNMAP_DMA%s of [0x%" PRIx64 ", 0x%" PRIx64 "] failed: %s",
				  ioctl_prefix(t), iova, last, strerror(-rc));
			goto out;
		}
		if (k != total)
			lu_warn(ctx, "VFIO_IOMMU_UNMAP_DMA%s unmapped %" PRIu64 " bytes of [0x%" PRIx64 ", 0x%" PRIx64 "], the library expected %" PRIu64 " (changed through the raw fd?)",
				ioctl_prefix(t), k, iova, last, total);
	}
	remove_maps(t, i, j - i);
	*unmapped = total;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int t1_unmap_all(struct libiommu_ioas *ioas, uint64_t *unmapped)
{
	struct lu_type1 *t = ioas->ctx->type1;
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
	struct lu_type1 *t = ioas->ctx->type1;
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
		if (!inside_one(r, n, a[i].start, a[i].last))
			return FAIL(ctx, EADDRINUSE,
				    "%s: allowed range [0x%" PRIx64 ", 0x%" PRIx64 "] intersects a reserved IOVA region of the container's IOMMU; keep the ranges inside libiommu_ioas_get_ranges()",
				    who, a[i].start, a[i].last);
	return 0;
}

/* The library picks IOVAs on type1, so the allowed list steers it. */
static int t1_allow_iovas(struct libiommu_ioas *ioas,
			  const struct libiommu_iova_range *ranges, uint32_t nr)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = ctx->type1;
	struct libiommu_iova_range *copy = NULL;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = check_allowed(ctx, t, ranges, nr, "libiommu_ioas_allow_iovas");
	if (rc)
		goto out;
	if (nr) {
		copy = malloc(nr * sizeof(*copy));
		if (!copy) {
			rc = FAIL(ctx, ENOMEM, "out of memory for the allowed ranges");
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
	if (ctx->type1->iommu_set)
		return 0;
	return FAIL(ctx, ENODEV,
		    "%s: the container has no IOMMU yet: open a device first (VFIO sets the type1 IOMMU when the first group joins)",
		    fn);
}

static int t1_dirty_tracking(struct libiommu_ioas *ioas, bool enable)
{
	static const char fn[] = "libiommu_ioas_set_dirty_tracking";
	struct libiommu_ctx *ctx = ioas->ctx;
	struct lu_type1 *t = ctx->type1;
	struct lx_vfio_iommu_type1_dirty_bitmap cmd = {
		.argsz = sizeof(cmd),
		.flags = enable ? LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_START :
				  LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
	};
	int rc = need_iommu(ctx, fn);

	if (rc)
		return rc;
	rc = lu_ioctl(ctx->fd, LX_VFIO_IOMMU_DIRTY_PAGES, &cmd);
	if (rc == -ENOTTY)
		return lu_backend_unsupported(ctx, fn,
					      "the kernel's container has no VFIO_IOMMU_DIRTY_PAGES");
	if (rc)
		return FAIL(ctx, -rc, "VFIO_IOMMU_DIRTY_PAGES %s failed: %s",
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
	struct lu_type1 *t = ctx->type1;
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
		return FAIL(ctx, EINVAL,
			    "%s: dirty tracking is not started on IOAS %" PRIu32 " (libiommu_ioas_set_dirty_tracking)",
			    fn, ioas->id);
	if (page_size != min_pgsize(t))
		return FAIL(ctx, EINVAL,
			    "%s: type1 reports dirty pages in its smallest IOMMU page size only: page_size must be 0x%" PRIx64 ", not 0x%" PRIx64,
			    fn, min_pgsize(t), page_size);
	pthread_mutex_lock(&t->lock);
	for (i = first_at(t, iova); i < t->nr_maps && t->maps[i].iova <= last; i++) {
		const struct lu_map *m = &t->maps[i];

		if (m->iova < iova || m->iova + m->length - 1 > last) {
			pthread_mutex_unlock(&t->lock);
			return FAIL(ctx, EINVAL,
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
		return FAIL(ctx, -rc,
			    "VFIO_IOMMU_DIRTY_PAGES GET_BITMAP of [0x%" PRIx64 ", 0x%" PRIx64 "] failed: %s",
			    iova, last, strerror(-rc));
	return 0;
}

/* ---- groups ----------------------------------------------------------------------- */

/* "N" of the group node with device number @rdev (its sysfs name). */
static void group_num(dev_t rdev, char *buf, size_t len)
{
	char path[64], base[NAME_MAX + 1];
	int rc;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", major(rdev),
		 minor(rdev));
	rc = lu_link_base(path, base, sizeof(base));
	snprintf(buf, len, "%.15s", rc && rc != -ENAMETOOLONG ? "?" : base);
}

static struct lu_group *find_group(struct lu_type1 *t, dev_t rdev)
{
	struct lu_group *g;

	for (g = t->groups; g; g = g->next)
		if (g->rdev == rdev)
			return g;
	return NULL;
}

static int fail_group_open(struct libiommu_ctx *ctx, const char *path, int err)
{
	switch (err) {
	case ENOENT:
		return FAIL(ctx, ENOENT,
			    "%s does not exist: VFIO makes /dev/vfio/N for an IOMMU group once its devices are bound to vfio-pci (driver_override + drivers_probe); see /sys/kernel/iommu_groups",
			    path);
	case EBUSY:
		return FAIL(ctx, EBUSY,
			    "cannot open VFIO group %s: it is in use: VFIO allows one opener per group (another process such as a VMM, or another libiommu context of this process, has it open), or one of its devices is open through its cdev (/dev/vfio/devices/vfioN, the iommufd backend)",
			    path);
	case EACCES:
	case EPERM:
		return FAIL(ctx, err,
			    "cannot open VFIO group %s: %s: read+write permission on the group node is needed (noiommu groups need CAP_SYS_RAWIO)",
			    path, strerror(err));
	case ENODEV:
		return FAIL(ctx, ENODEV,
			    "cannot open VFIO group %s: its devices are going away (unbound from vfio-pci)",
			    path);
	default:
		return FAIL(ctx, err, "cannot open VFIO group %s: %s", path,
			    strerror(err));
	}
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
		return FAIL(ctx, -rc,
			    "VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)%s after VFIO group %s joined failed: %s",
			    ioctl_prefix(t), g->num, strerror(-rc));
	rc = refresh_info(ctx, t);
	if (rc)
		return rc;
	t->unmap_all = lu_ioctl(ctx->fd, LX_VFIO_CHECK_EXTENSION,
				(void *)(uintptr_t)LX_VFIO_UNMAP_ALL) > 0;
	t->iommu_set = true;
	for (i = 0; i < t->nr_maps; i++) {
		const struct lu_map *m = &t->maps[i];

		if (!inside_one(t->valid, t->nr_valid, m->iova,
				m->iova + m->length - 1)) {
			rc = FAIL(ctx, EADDRINUSE,
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
			kernel_unmap(ctx, t->maps[i].iova, t->maps[i].length,
				     false, &n);
		t->iommu_set = false;
		return rc;
	}
	lu_dbg(ctx, "VFIO group %s set the type1v2 IOMMU%s; %zu mapping(s) made before it were mapped",
	       g->num, ioctl_prefix(t), t->nr_maps);
	return 0;
}

/* Drop a user of @g; the last one takes it out of the container.  Quiet:
 * it also undoes failed opens, whose error must stay the last message. */
static void group_put(struct libiommu_ctx *ctx, struct lu_group *g)
{
	struct lu_type1 *t = ctx->type1;
	struct lu_group **pp;

	if (--g->devs)
		return;
	lu_ioctl(g->fd, LX_VFIO_GROUP_UNSET_CONTAINER, NULL);
	if (g->owns_fd)
		close(g->fd);
	for (pp = &t->groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	free(g);
	/*
	 * The last group leaving a type1 container takes its IOMMU (and the
	 * kernel's mappings) with it; the library's list stays and is mapped
	 * again when a device comes back.  iommufd's compat IOAS stays.
	 */
	if (!t->groups && !t->compat) {
		t->iommu_set = false;
		t->dirty = false;
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
	struct lu_type1 *t = ctx->type1;
	struct lx_vfio_group_status st = { .argsz = sizeof(st) };
	struct lu_group *g;
	struct stat sb;
	bool first = !t->iommu_set;
	char who[PATH_MAX + 16];
	int rc, cfd = ctx->fd;

	if (path) {
		if (stat(path, &sb) < 0)
			return fail_group_open(ctx, path, errno);
	} else if (fstat(fd, &sb) < 0) {
		return FAIL(ctx, EBADF, "group fd %d: %s", fd, strerror(errno));
	}
	if (!S_ISCHR(sb.st_mode))
		return FAIL(ctx, EINVAL, "%s is not a VFIO group node (/dev/vfio/N)",
			    path ? path : "the group fd");
	*created = false;
	g = find_group(t, sb.st_rdev);
	if (g) {
		g->devs++;
		*out = g;
		return 0;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return FAIL(ctx, ENOMEM, "out of memory for a VFIO group");
	g->rdev = sb.st_rdev;
	group_num(sb.st_rdev, g->num, sizeof(g->num));
	snprintf(who, sizeof(who), "%s", path ? path : g->num);
	if (path) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			rc = fail_group_open(ctx, path, errno);
			free(g);
			return rc;
		}
		owns_fd = true;
	}
	g->fd = fd;
	g->owns_fd = owns_fd;

	rc = lu_ioctl(fd, LX_VFIO_GROUP_GET_STATUS, &st);
	if (rc) {
		rc = FAIL(ctx, rc == -ENOTTY ? ENOTTY : -rc,
			  "VFIO_GROUP_GET_STATUS on %s: %s", who,
			  rc == -ENOTTY ? "not a VFIO group" : strerror(-rc));
		goto err;
	}
	if (st.flags & LX_VFIO_GROUP_FLAGS_CONTAINER_SET) {
		rc = FAIL(ctx, EBUSY,
			  "VFIO group %s is already in a container (set through this fd by someone else); a group can be in one container at a time",
			  g->num);
		goto err;
	}
	if (!(st.flags & LX_VFIO_GROUP_FLAGS_VIABLE)) {
		char blockers[512];

		lu_group_blockers(g->num, blockers, sizeof(blockers));
		rc = FAIL(ctx, EBUSY,
			  "VFIO group %s is not viable: every device of an IOMMU group must be bound to vfio-pci (or to no driver) before the group can be used%s%s; bind them to vfio-pci (driver_override + drivers_probe) or unbind them",
			  g->num, *blockers ? "; these are not: " : "", blockers);
		goto err;
	}
	rc = lu_ioctl(fd, LX_VFIO_GROUP_SET_CONTAINER, &cfd);
	if (rc) {
		switch (-rc) {
		case EBUSY:
			rc = FAIL(ctx, EBUSY,
				  "VFIO_GROUP_SET_CONTAINER of group %s: a device of the group is in use by a kernel driver (the group is not viable any more)",
				  g->num);
			break;
		case EINVAL:
			rc = FAIL(ctx, EINVAL,
				  "VFIO_GROUP_SET_CONTAINER of group %s%s: the container refused it (its IOMMU cannot take this group, or the existing mappings touch the group's reserved IOVA regions)",
				  g->num, ioctl_prefix(t));
			break;
		default:
			rc = FAIL(ctx, -rc, "VFIO_GROUP_SET_CONTAINER of group %s failed: %s",
				  g->num, strerror(-rc));
		}
		goto err;
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
err:
	if (path)
		close(fd);
	free(g);
	return rc;
}

/* ---- devices ---------------------------------------------------------------------- */

static int get_device_fd(struct libiommu_ctx *ctx, struct lu_group *g,
			 const char *name, const struct libiommu_dev_opts *opts)
{
	const unsigned char *u;
	char arg[256];
	int fd;

	if (LU_OPTS_GET(opts, flags, 0) & LIBIOMMU_DEV_VF_TOKEN) {
		u = opts->vf_token;
		snprintf(arg, sizeof(arg),
			 "%s vf_token=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 name, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
			 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	} else {
		snprintf(arg, sizeof(arg), "%s", name);
	}
	fd = lu_ioctl(g->fd, LX_VFIO_GROUP_GET_DEVICE_FD, arg);
	switch (-fd) {
	case ENODEV:
	case ENOENT:
		return FAIL(ctx, ENOENT,
			    "VFIO_GROUP_GET_DEVICE_FD: VFIO group %s has no device named \"%s\" (see /sys/kernel/iommu_groups/%s/devices)",
			    g->num, name, g->num);
	case EACCES:
		return FAIL(ctx, EACCES,
			    "VFIO_GROUP_GET_DEVICE_FD of %s: the device needs a VF token (it is a VF whose PF is bound to vfio-pci, or a PF with VFs in use) and none or a wrong one was given: set LIBIOMMU_DEV_VF_TOKEN",
			    name);
	case EBUSY:
		return FAIL(ctx, EBUSY,
			    "VFIO_GROUP_GET_DEVICE_FD of %s: the device is busy (open through its cdev, or being reset)",
			    name);
	case EADDRINUSE:
		/* iommufd compat: attaching to the IOAS checks reserved regions */
		return FAIL(ctx, EADDRINUSE,
			    "VFIO_GROUP_GET_DEVICE_FD of %s: a mapping of the IOAS overlaps a reserved IOVA region of the device's IOMMU (e.g. the MSI window); unmap it before opening the device",
			    name);
	default:
		if (fd < 0)
			return FAIL(ctx, -fd,
				    "VFIO_GROUP_GET_DEVICE_FD of %s in group %s failed: %s",
				    name, g->num, strerror(-fd));
		return fd;
	}
}

static int t1_dev_open_group(struct libiommu_dev *dev, const char *group_path,
			     int group_fd, bool owns_group_fd, const char *name,
			     const struct libiommu_dev_opts *opts)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct lu_type1 *t = ctx->type1;
	struct lu_group *g;
	bool created;
	int fd, rc;

	rc = group_get(ctx, group_path, group_fd, owns_group_fd, &g, &created);
	if (rc)
		return rc;
	fd = get_device_fd(ctx, g, name, opts);
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
	dev->group = g;
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

/* The device name and IOMMU group of the VFIO cdev @path, from sysfs. */
static int cdev_to_group(struct libiommu_ctx *ctx, const char *path,
			 char *name, size_t nlen, char *group, size_t glen)
{
	char p[128], base[NAME_MAX + 1];
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return FAIL(ctx, ENOENT,
				    "%s does not exist (VFIO device cdevs are /dev/vfio/devices/vfioN: bind the device to vfio-pci; without CONFIG_VFIO_DEVICE_CDEV use libiommu_dev_open_group())",
				    path);
		return FAIL(ctx, errno, "cannot stat %s: %s", path,
			    strerror(errno));
	}
	if (!S_ISCHR(sb.st_mode))
		return FAIL(ctx, ENOTTY,
			    "%s is not a VFIO device cdev (/dev/vfio/devices/vfioN); for a group node use libiommu_dev_open_group()",
			    path);
	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/device", major(sb.st_rdev),
		 minor(sb.st_rdev));
	rc = lu_link_base(p, base, sizeof(base));
	if (rc && rc != -ENAMETOOLONG)
		return FAIL(ctx, ENOTTY,
			    "%s is not a VFIO device cdev: %s does not lead to a device",
			    path, p);
	if (rc || strlen(base) >= nlen)
		return FAIL(ctx, ENAMETOOLONG, "device name %s is too long", base);
	memcpy(name, base, strlen(base) + 1);
	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/device/iommu_group",
		 major(sb.st_rdev), minor(sb.st_rdev));
	rc = lu_link_base(p, base, sizeof(base));
	if (rc && rc != -ENAMETOOLONG)
		return FAIL(ctx, ENODEV,
			    "device %s (%s) has no IOMMU group: it is not behind an IOMMU (noiommu mode is not supported)",
			    name, path);
	snprintf(group, glen, "/dev/vfio/%.15s", base);
	return 0;
}

static int t1_dev_open(struct libiommu_dev *dev, const char *path,
		       const struct libiommu_dev_opts *opts)
{
	char name[NAME_MAX + 1], group[64];
	int rc;

	rc = cdev_to_group(dev->ctx, path, name, sizeof(name), group,
			   sizeof(group));
	if (rc)
		return rc;
	lu_dbg(dev->ctx, "%s is device %s of group %s", path, name, group);
	return t1_dev_open_group(dev, group, -1, true, name, opts);
}

static int t1_dev_attach(struct libiommu_dev *dev, uint32_t pasid,
			 struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt,
			 uint32_t *hwpt_id)
{
	(void)pasid;
	(void)hwpt;
	/* The only IOAS: the device has used it since it was opened. */
	lu_dbg(dev->ctx, "device %" PRIu32 ": on the %s backend it has been in the container's address space (IOAS %" PRIu32 ") since it was opened",
	       dev->id, dev->ctx->ops->name, ioas->id);
	*hwpt_id = 0;
	return 0;
}

static void t1_dev_release(struct libiommu_dev *dev)
{
	struct lu_type1 *t = dev->ctx->type1;

	if (!dev->group)
		return;
	if (t->nr_devs)
		t->nr_devs--;
	if (dev->group->devs == 1)
		lu_dbg(dev->ctx, "VFIO group %s leaves the container with its last device",
		       dev->group->num);
	group_put(dev->ctx, dev->group);
	dev->group = NULL;
	/* its reserved regions went with it: the usable ranges may grow */
	if (t->iommu_set) {
		pthread_mutex_lock(&t->lock);
		refresh_info(dev->ctx, t);
		pthread_mutex_unlock(&t->lock);
	}
}

int lu_dev_group_fd(const struct libiommu_dev *dev)
{
	return dev && dev->group ? dev->group->fd : -1;
}

/*
 * VFIO_DMA_CC_IOMMU: a type1 container answers for its domains once the
 * IOMMU is set; iommufd's compat layer answers for the HWPTs of its IOAS,
 * which exist only while a device is open (before, it says 1).
 */
static int t1_cc_enforced(struct libiommu_ctx *ctx)
{
	struct lu_type1 *t = ctx->type1;
	int rc;

	if (!t->iommu_set || (t->compat && !t->nr_devs))
		return -EAGAIN;
	rc = lu_ioctl(ctx->fd, LX_VFIO_CHECK_EXTENSION,
		      (void *)(uintptr_t)LX_VFIO_DMA_CC_IOMMU);
	return rc < 0 ? rc : rc > 0;
}

#define T1_COMMON_OPS                                   \
	.ioas_alloc = t1_ioas_alloc,                    \
	.ioas_destroy = t1_ioas_destroy,                \
	.ioas_release = t1_ioas_release,                \
	.map = t1_map,                                  \
	.unmap = t1_unmap,                              \
	.unmap_all = t1_unmap_all,                      \
	.get_ranges = t1_get_ranges,                    \
	.allow_iovas = t1_allow_iovas,                  \
	.set_huge_pages = t1_set_huge_pages,            \
	.get_huge_pages = t1_get_huge_pages,            \
	.dev_open = t1_dev_open,                        \
	.dev_open_group = t1_dev_open_group,            \
	.dev_attach = t1_dev_attach,                    \
	.dev_release = t1_dev_release,                  \
	.cc_enforced = t1_cc_enforced,                  \
	.ctx_fini = t1_ctx_fini

const struct lu_backend_ops lu_backend_type1 = {
	.kind = LIBIOMMU_BACKEND_TYPE1,
	.name = "type1",
	.ctx_init = type1_ctx_init,
	.dirty_tracking = t1_dirty_tracking,
	.dirty_bitmap = t1_dirty_bitmap,
	T1_COMMON_OPS,
};

/* iommufd's VFIO compatibility has no VFIO_IOMMU_DIRTY_PAGES. */
const struct lu_backend_ops lu_backend_compat = {
	.kind = LIBIOMMU_BACKEND_IOMMUFD_COMPAT,
	.name = "iommufd-compat",
	.ctx_init = compat_ctx_init,
	T1_COMMON_OPS,
};
