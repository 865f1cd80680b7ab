// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mock backend: iommufd's objects and rules in memory, for the host
 * tier's tests (see mock.h).  Built only into lib/libiommu-internal.la.
 *
 * Its state has a lock of its own, like a kernel: the handle code above it
 * must be correct however the calls interleave, and TSan checks that.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/iova-map.h"
#include "backend/mock.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

#define MK_PAGE 4096u
#define MK_LAST_IOVA ((UINT64_C(1) << 48) - 1)
#define MK_MAX_PASIDS 8
#define MK_CFG_SIZE 256
#define MK_PCIE_CAP 0x40

struct mk_ioas {
	uint32_t id;
	struct lu_iova_map map;
	struct libiommu_iova_range *allowed;
	uint32_t nr_allowed;
	bool huge;
	unsigned int refs; /* HWPTs made from it */
};

struct mk_hwpt {
	uint32_t id;
	uint32_t ioas_id;   /* paging */
	uint32_t parent_id; /* nested */
	unsigned int iommu;
	bool enforce;	/* fixed at allocation */
	bool auto_made; /* made by an attach to the IOAS */
	bool nested, dirty_cap, dirty_on;
	/*
	 * Not a HWPT but a vIOMMU (on HWPT @parent_id) or a vDEVICE (in
	 * vIOMMU @parent_id): listed with the HWPTs, so that the stats count
	 * them and a HWPT nested on a vIOMMU finds its parent.
	 */
	bool viommu, vdevice;
	unsigned int refs; /* attachments and nested children */
	uint64_t *dirty;   /* IOVAs of dirty pages */
	size_t nr_dirty, cap_dirty;
};

struct mk_pasid {
	uint32_t pasid;
	uint32_t pt; /* the HWPT in use */
};

struct mk_dev {
	struct lu_mock_dev_cfg cfg;
	char name[64];
	uint32_t id; /* while bound */
	bool bound;
	uint32_t rid_pt; /* the HWPT of the RID, 0: not attached */
	struct mk_pasid pasids[MK_MAX_PASIDS];
	unsigned int nr_pasids;
	uint8_t cfgspace[MK_CFG_SIZE];
};

struct mk_state {
	pthread_mutex_t lock;
	uint32_t next_id;
	struct mk_ioas **ioas;
	size_t nr_ioas, cap_ioas;
	struct mk_hwpt **hwpts; /* oldest first, as iommufd's IOAS lists them */
	size_t nr_hwpts, cap_hwpts;
	struct mk_dev **devs;
	size_t nr_devs, cap_devs;
	unsigned long calls, fail_at;
	int fail_err;
	struct lu_mock_stats *fini_stats; /* lu_mock_stats_at_fini() */
};

static struct mk_state *mk(const struct libiommu_ctx *ctx)
{
	return ctx->bpriv;
}

/* Append @p to a pointer array: 0 or -ENOMEM. */
static int push(void ***arr, size_t *nr, size_t *cap, void *p)
{
	if (*nr == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		void **n = realloc(*arr, c * sizeof(*n));

		if (!n)
			return -ENOMEM;
		*arr = n;
		*cap = c;
	}
	(*arr)[(*nr)++] = p;
	return 0;
}

/* Remove element @i, keeping the order. */
static void drop(void **arr, size_t *nr, size_t i)
{
	memmove(&arr[i], &arr[i + 1], (*nr - i - 1) * sizeof(*arr));
	(*nr)--;
}

/* Count a backend call; true when this one is to fail (st->lock held). */
static bool inject(struct mk_state *st)
{
	st->calls++;
	if (st->fail_at && st->calls == st->fail_at) {
		st->fail_at = 0;
		return true;
	}
	return false;
}

static int injected(struct libiommu_ctx *ctx, const char *what)
{
	return lu_fail(ctx, mk(ctx)->fail_err, "mock: %s failed (injected)",
		       what);
}

static struct mk_ioas *find_ioas(struct mk_state *st, uint32_t id, size_t *at)
{
	size_t i;

	for (i = 0; i < st->nr_ioas; i++)
		if (st->ioas[i]->id == id) {
			if (at)
				*at = i;
			return st->ioas[i];
		}
	return NULL;
}

static struct mk_hwpt *find_hwpt(struct mk_state *st, uint32_t id, size_t *at)
{
	size_t i;

	for (i = 0; i < st->nr_hwpts; i++)
		if (st->hwpts[i]->id == id) {
			if (at)
				*at = i;
			return st->hwpts[i];
		}
	return NULL;
}

static struct mk_dev *find_dev(struct mk_state *st, uint32_t id)
{
	size_t i;

	for (i = 0; i < st->nr_devs; i++)
		if (st->devs[i]->bound && st->devs[i]->id == id)
			return st->devs[i];
	return NULL;
}

/* ---- context -------------------------------------------------------------------- */

static int mk_ctx_init(struct libiommu_ctx *ctx)
{
	struct mk_state *st = calloc(1, sizeof(*st));

	if (!st)
		return lu_fail(ctx, -ENOMEM, "mock: out of memory");
	pthread_mutex_init(&st->lock, NULL);
	st->next_id = 1;
	st->fail_err = -ENOMEM;
	ctx->bpriv = st;
	return 0;
}

/* What the mock holds (st->lock held). */
static void stats_of(struct mk_state *st, struct lu_mock_stats *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->ioas = (unsigned int)st->nr_ioas;
	s->hwpts = (unsigned int)st->nr_hwpts;
	for (i = 0; i < st->nr_ioas; i++)
		s->mapped += lu_iova_total(&st->ioas[i]->map);
	for (i = 0; i < st->nr_devs; i++) {
		s->bound += st->devs[i]->bound;
		s->attached += (st->devs[i]->rid_pt != 0) + st->devs[i]->nr_pasids;
	}
}

static void free_hwpt(struct mk_hwpt *h)
{
	free(h->dirty);
	free(h);
}

static void mk_ctx_fini(struct libiommu_ctx *ctx)
{
	struct mk_state *st = mk(ctx);
	unsigned int bound = 0;
	size_t i;

	if (!st)
		return;
	if (st->fini_stats)
		stats_of(st, st->fini_stats);
	/*
	 * What the library should have destroyed on a borrowed fd (in another
	 * process nothing: the objects are the creator's).
	 */
	for (i = 0; i < st->nr_devs; i++)
		bound += st->devs[i]->bound;
	if (!ctx->owns_fd && !lu_foreign(ctx) &&
	    (st->nr_ioas || st->nr_hwpts || bound))
		lu_err(ctx, "mock: the context was freed with %zu IOAS, %zu HWPTs and %u bound devices left behind",
		       st->nr_ioas, st->nr_hwpts, bound);
	for (i = 0; i < st->nr_ioas; i++) {
		lu_iova_map_fini(&st->ioas[i]->map);
		free(st->ioas[i]->allowed);
		free(st->ioas[i]);
	}
	for (i = 0; i < st->nr_hwpts; i++)
		free_hwpt(st->hwpts[i]);
	for (i = 0; i < st->nr_devs; i++)
		free(st->devs[i]);
	free(st->ioas);
	free(st->hwpts);
	free(st->devs);
	if (!lu_foreign(ctx))
		pthread_mutex_destroy(&st->lock);
	free(st);
	ctx->bpriv = NULL;
}

static int mk_has_feature(struct libiommu_ctx *ctx, enum libiommu_feature feat)
{
	(void)ctx;
	switch (feat) {
	case LIBIOMMU_FEAT_IOAS:
	case LIBIOMMU_FEAT_OPTION_HUGE_PAGES:
	case LIBIOMMU_FEAT_HWPT_ALLOC:
	case LIBIOMMU_FEAT_GET_HW_INFO:
	case LIBIOMMU_FEAT_DIRTY_TRACKING:
	case LIBIOMMU_FEAT_HWPT_INVALIDATE:
	case LIBIOMMU_FEAT_IOAS_MAP_FILE:
		return 1;
	default:
		return 0;
	}
}

/* ---- IOAS ------------------------------------------------------------------------ */

static int mk_ioas_alloc(struct libiommu_ioas *ioas, uint32_t flags)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_ioas *a;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (inject(st)) {
		rc = injected(ctx, "IOMMU_IOAS_ALLOC");
		goto out;
	}
	a = calloc(1, sizeof(*a));
	if (!a || push((void ***)&st->ioas, &st->nr_ioas, &st->cap_ioas, a)) {
		free(a);
		rc = lu_fail(ctx, -ENOMEM, "mock: out of memory for an IOAS");
		goto out;
	}
	a->id = st->next_id++;
	a->huge = !(flags & LIBIOMMU_IOAS_NO_HUGE_PAGES);
	ioas->id = a->id;
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Is IOAS @id used by a HWPT (all devices attach through HWPTs)?  Locked. */
static bool ioas_busy(struct mk_state *st, const struct mk_ioas *a)
{
	return a->refs != 0;
}

static int mk_ioas_destroy(struct libiommu_ioas *ioas)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_ioas *a;
	size_t at;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	a = find_ioas(st, ioas->id, &at);
	if (!a) {
		rc = lu_fail(ctx, -ENOENT, "mock: IOMMU_DESTROY: no IOAS %" PRIu32,
			     ioas->id);
	} else if (ioas_busy(st, a)) {
		rc = lu_fail(ctx, -EBUSY, "mock: IOMMU_DESTROY: IOAS %" PRIu32 " is in use",
			     ioas->id);
	} else {
		drop((void **)st->ioas, &st->nr_ioas, at);
		lu_iova_map_fini(&a->map);
		free(a->allowed);
		free(a);
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static void mk_ioas_release(struct libiommu_ioas *ioas)
{
	/* A mock context borrows its "fd": like iommufd, destroy the object. */
	struct mk_state *st = mk(ioas->ctx);
	struct mk_ioas *a;
	size_t at;

	pthread_mutex_lock(&st->lock);
	a = find_ioas(st, ioas->id, &at);
	if (a && !a->refs) {
		drop((void **)st->ioas, &st->nr_ioas, at);
		lu_iova_map_fini(&a->map);
		free(a->allowed);
		free(a);
	}
	pthread_mutex_unlock(&st->lock);
}

static const struct libiommu_iova_range mk_usable = { 0, MK_LAST_IOVA };

static int map_locked(struct libiommu_ctx *ctx, struct mk_ioas *a,
		      uint64_t vaddr, uint64_t length, uint64_t *iova,
		      uint32_t flags, const char *cmd)
{
	struct lu_map m = {
		.vaddr = vaddr,
		.length = length,
		.flags = flags & (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE),
	};
	int rc;

	if (flags & LIBIOMMU_MAP_FIXED_IOVA) {
		m.iova = *iova;
		if ((m.iova | length) & (MK_PAGE - 1) ||
		    !lu_iova_inside_one(&mk_usable, 1, m.iova, m.iova + length - 1))
			return lu_fail(ctx, -EINVAL,
				       "mock: %s: IOVA range [0x%" PRIx64 ", +0x%" PRIx64 ") is not usable",
				       cmd, m.iova, length);
		if (lu_iova_overlaps(&a->map, m.iova, m.iova + length - 1))
			return lu_fail(ctx, -EEXIST,
				       "mock: %s: an existing mapping overlaps [0x%" PRIx64 ", 0x%" PRIx64 "] in IOAS %" PRIu32,
				       cmd, m.iova, m.iova + length - 1, a->id);
	} else if (!lu_iova_pick(&a->map, &mk_usable, 1, a->allowed,
				 a->nr_allowed, MK_PAGE, vaddr, length, &m.iova)) {
		return lu_fail(ctx, -ENOSPC,
			       "mock: %s: no free IOVA range of %" PRIu64 " bytes in IOAS %" PRIu32,
			       cmd, length, a->id);
	}
	rc = lu_iova_insert(&a->map, &m);
	if (rc)
		return lu_fail(ctx, rc, "mock: %s: out of memory", cmd);
	*iova = m.iova;
	return 0;
}

static int map_common(struct libiommu_ioas *ioas, uint64_t vaddr,
		      uint64_t length, uint64_t *iova, uint32_t flags,
		      const char *cmd)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_ioas *a;
	int rc;

	pthread_mutex_lock(&st->lock);
	if (inject(st))
		rc = injected(ctx, cmd);
	else if (!(a = find_ioas(st, ioas->id, NULL)))
		rc = lu_fail(ctx, -ENOENT, "mock: %s: no IOAS %" PRIu32, cmd,
			     ioas->id);
	else
		rc = map_locked(ctx, a, vaddr, length, iova, flags, cmd);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_map(struct libiommu_ioas *ioas, void *vaddr, uint64_t length,
		  uint64_t *iova, uint32_t flags)
{
	return map_common(ioas, (uintptr_t)vaddr, length, iova, flags,
			  "IOMMU_IOAS_MAP");
}

static int mk_map_file(struct libiommu_ioas *ioas, int fd, uint64_t offset,
		       uint64_t length, uint64_t *iova, uint32_t flags)
{
	(void)fd;
	return map_common(ioas, offset, length, iova, flags,
			  "IOMMU_IOAS_MAP_FILE");
}

static int mk_copy(struct libiommu_ioas *dst, struct libiommu_ioas *src,
		   uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
		   uint32_t flags)
{
	struct libiommu_ctx *ctx = dst->ctx;
	struct mk_state *st = mk(ctx);
	const struct lu_map *split;
	struct mk_ioas *d, *s;
	uint64_t bytes, vaddr;
	size_t first, n;
	int rc;

	pthread_mutex_lock(&st->lock);
	d = find_ioas(st, dst->id, NULL);
	s = find_ioas(st, src->id, NULL);
	if (inject(st)) {
		rc = injected(ctx, "IOMMU_IOAS_COPY");
	} else if (!d || !s ||
		   lu_iova_find_whole(&s->map, src_iova, src_iova + length - 1,
				      &first, &n, &bytes, &split) ||
		   bytes != length) {
		rc = lu_fail(ctx, -ENOENT,
			     "mock: IOMMU_IOAS_COPY: [0x%" PRIx64 ", +0x%" PRIx64 ") is not fully mapped in IOAS %" PRIu32,
			     src_iova, length, src->id);
	} else {
		vaddr = s->map.maps[first].vaddr;
		rc = map_locked(ctx, d, vaddr, length, dst_iova, flags,
				"IOMMU_IOAS_COPY");
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_unmap(struct libiommu_ioas *ioas, uint64_t iova, uint64_t length,
		    uint64_t *unmapped)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct mk_state *st = mk(ctx);
	const struct lu_map *split;
	struct mk_ioas *a;
	size_t first, n;
	uint64_t bytes;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	a = find_ioas(st, ioas->id, NULL);
	if (!a || lu_iova_find_whole(&a->map, iova, iova + length - 1, &first,
				     &n, &bytes, &split)) {
		rc = lu_fail(ctx, -ENOENT,
			     "mock: IOMMU_IOAS_UNMAP: nothing is mapped at [0x%" PRIx64 ", +0x%" PRIx64 ") in IOAS %" PRIu32 ", or the range splits a mapping",
			     iova, length, ioas->id);
	} else {
		lu_iova_remove(&a->map, first, n);
		if (unmapped)
			*unmapped = bytes;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_unmap_all(struct libiommu_ioas *ioas, uint64_t *unmapped)
{
	struct mk_state *st = mk(ioas->ctx);
	struct mk_ioas *a;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	a = find_ioas(st, ioas->id, NULL);
	if (!a) {
		rc = lu_fail(ioas->ctx, -ENOENT, "mock: no IOAS %" PRIu32, ioas->id);
	} else {
		*unmapped = lu_iova_total(&a->map);
		a->map.nr = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_get_ranges(struct libiommu_ioas *ioas,
			 struct libiommu_iova_range *ranges, uint32_t *nr,
			 uint64_t *alignment)
{
	uint32_t cap = *nr;

	if (ranges && cap)
		ranges[0] = mk_usable;
	if (alignment)
		*alignment = MK_PAGE;
	*nr = 1;
	(void)ioas;
	return cap < 1 ? -EMSGSIZE : 0;
}

static int mk_allow_iovas(struct libiommu_ioas *ioas,
			  const struct libiommu_iova_range *ranges, uint32_t nr)
{
	struct libiommu_ctx *ctx = ioas->ctx;
	struct mk_state *st = mk(ctx);
	struct libiommu_iova_range *copy = NULL;
	struct mk_ioas *a;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	a = find_ioas(st, ioas->id, NULL);
	if (inject(st)) {
		rc = injected(ctx, "IOMMU_IOAS_ALLOW_IOVAS");
	} else if (!a) {
		rc = lu_fail(ctx, -ENOENT, "mock: no IOAS %" PRIu32, ioas->id);
	} else if (nr && !(copy = malloc(nr * sizeof(*copy)))) {
		rc = lu_fail(ctx, -ENOMEM, "mock: out of memory");
	} else {
		if (nr)
			memcpy(copy, ranges, nr * sizeof(*copy));
		free(a->allowed);
		a->allowed = copy;
		a->nr_allowed = nr;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_huge_pages(struct libiommu_ioas *ioas, bool set, bool *val)
{
	struct mk_state *st = mk(ioas->ctx);
	struct mk_ioas *a;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	a = find_ioas(st, ioas->id, NULL);
	if (!a)
		rc = lu_fail(ioas->ctx, -ENOENT, "mock: no IOAS %" PRIu32, ioas->id);
	else if (set)
		a->huge = *val;
	else
		*val = a->huge;
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_set_huge_pages(struct libiommu_ioas *ioas, bool enable)
{
	return mk_huge_pages(ioas, true, &enable);
}

static int mk_get_huge_pages(struct libiommu_ioas *ioas, bool *enabled)
{
	return mk_huge_pages(ioas, false, enabled);
}

/* ---- HWPTs ------------------------------------------------------------------- */

/* A new HWPT, listed (st->lock held): its id, or -errno (not logged). */
static int new_hwpt(struct mk_state *st, struct mk_hwpt **out)
{
	struct mk_hwpt *h = calloc(1, sizeof(*h));

	if (!h || push((void ***)&st->hwpts, &st->nr_hwpts, &st->cap_hwpts, h)) {
		free(h);
		return -ENOMEM;
	}
	h->id = st->next_id++;
	*out = h;
	return 0;
}

/* Drop a reference; an auto-HWPT without users goes away (st->lock held). */
static void put_hwpt(struct mk_state *st, uint32_t id)
{
	struct mk_hwpt *h;
	size_t at;

	h = find_hwpt(st, id, &at);
	if (!h || !h->refs)
		return;
	if (--h->refs || !h->auto_made)
		return;
	if (h->ioas_id) {
		struct mk_ioas *a = find_ioas(st, h->ioas_id, NULL);

		if (a && a->refs)
			a->refs--;
	}
	drop((void **)st->hwpts, &st->nr_hwpts, at);
	free_hwpt(h);
}

static int mk_hwpt_alloc(struct libiommu_dev *dev, uint32_t pt_id,
			 uint32_t flags, uint32_t data_type, const void *data,
			 uint32_t data_len, bool nested, uint32_t fault_id,
			 uint32_t *out_id)
{
	(void)fault_id; /* no fault queues here (LU_OP_FAULT_QUEUE_ALLOC) */
	struct libiommu_ctx *ctx = dev->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_hwpt *h, *parent = NULL;
	struct mk_ioas *a = NULL;
	struct mk_dev *d;
	int rc = 0;

	(void)data;
	(void)data_len;
	pthread_mutex_lock(&st->lock);
	d = find_dev(st, dev->id);
	if (nested)
		parent = find_hwpt(st, pt_id, NULL);
	else
		a = find_ioas(st, pt_id, NULL);
	if (inject(st)) {
		rc = injected(ctx, "IOMMU_HWPT_ALLOC");
	} else if (!d || (nested ? !parent : !a)) {
		rc = lu_fail(ctx, -ENOENT,
			     "mock: IOMMU_HWPT_ALLOC: device %" PRIu32 " or object %" PRIu32 " does not exist",
			     dev->id, pt_id);
	} else if ((flags & LIBIOMMU_HWPT_DIRTY_TRACKING) && !d->cfg.dirty) {
		rc = lu_fail(ctx, -EOPNOTSUPP,
			     "mock: IOMMU_HWPT_ALLOC: the IOMMU of device %" PRIu32 " has no dirty tracking",
			     dev->id);
	} else if (nested && (parent->nested || parent->vdevice || !data_type ||
			      parent->iommu != d->cfg.iommu)) {
		rc = lu_fail(ctx, -EINVAL,
			     "mock: IOMMU_HWPT_ALLOC: HWPT %" PRIu32 " cannot be a parent for device %" PRIu32,
			     pt_id, dev->id);
	} else if ((rc = new_hwpt(st, &h))) {
		rc = lu_fail(ctx, rc, "mock: IOMMU_HWPT_ALLOC: out of memory");
	} else {
		h->iommu = d->cfg.iommu;
		h->nested = nested;
		h->dirty_cap = flags & LIBIOMMU_HWPT_DIRTY_TRACKING;
		if (nested) {
			h->parent_id = parent->id;
			h->enforce = parent->enforce;
			parent->refs++;
		} else {
			/* iommufd enforces whenever the device's IOMMU can */
			h->ioas_id = a->id;
			h->enforce = d->cfg.can_enforce;
			a->refs++;
		}
		*out_id = h->id;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_hwpt_destroy(struct libiommu_hwpt *hwpt, bool quiet)
{
	struct libiommu_ctx *ctx = hwpt->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_hwpt *h;
	size_t at;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	h = find_hwpt(st, hwpt->id, &at);
	if (!h) {
		rc = -ENOENT;
	} else if (h->refs) {
		rc = -EBUSY;
	} else {
		if (h->nested || h->viommu || h->vdevice) {
			struct mk_hwpt *p = find_hwpt(st, h->parent_id, NULL);

			if (p && p->refs)
				p->refs--;
		} else {
			struct mk_ioas *a = find_ioas(st, h->ioas_id, NULL);

			if (a && a->refs)
				a->refs--;
		}
		drop((void **)st->hwpts, &st->nr_hwpts, at);
		free_hwpt(h);
	}
	pthread_mutex_unlock(&st->lock);
	if (rc && !quiet)
		return lu_fail(ctx, rc, "mock: IOMMU_DESTROY of HWPT %" PRIu32 ": %s",
			       hwpt->id, strerror(-rc));
	return rc;
}

/* ---- vIOMMUs and vDEVICEs: objects on a parent (st->lock not held) -------- */

static int mk_child_alloc(struct libiommu_ctx *ctx, const char *cmd,
			  uint32_t parent_id, bool viommu, uint32_t *out_id)
{
	struct mk_state *st = mk(ctx);
	struct mk_hwpt *p, *h;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	p = find_hwpt(st, parent_id, NULL);
	if (inject(st)) {
		rc = injected(ctx, cmd);
	} else if (!p || (viommu ? p->nested || p->viommu || p->vdevice
				 : !p->viommu)) {
		rc = lu_fail(ctx, -EINVAL, "mock: %s: object %" PRIu32 " is no %s",
			     cmd, parent_id, viommu ? "paging HWPT" : "vIOMMU");
	} else if ((rc = new_hwpt(st, &h))) {
		rc = lu_fail(ctx, rc, "mock: %s: out of memory", cmd);
	} else {
		h->viommu = viommu;
		h->vdevice = !viommu;
		h->parent_id = p->id;
		h->iommu = p->iommu;
		h->enforce = p->enforce; /* a vIOMMU has its parent's */
		p->refs++;
		*out_id = h->id;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_viommu_alloc(struct libiommu_dev *dev, uint32_t hwpt_id,
			   uint32_t type, void *data, uint32_t data_len,
			   uint32_t *out_id)
{
	(void)data;
	(void)data_len;
	if (type != LIBIOMMU_VIOMMU_TYPE_SELFTEST)
		return lu_fail(dev->ctx, -EOPNOTSUPP,
			       "mock: IOMMU_VIOMMU_ALLOC: no vIOMMU of type %" PRIu32,
			       type);
	return mk_child_alloc(dev->ctx, "IOMMU_VIOMMU_ALLOC", hwpt_id, true,
			      out_id);
}

static int mk_vdevice_alloc(struct libiommu_viommu *viommu,
			    struct libiommu_dev *dev, uint64_t virt_id,
			    uint32_t *out_id)
{
	(void)dev;
	(void)virt_id;
	return mk_child_alloc(viommu->ctx, "IOMMU_VDEVICE_ALLOC", viommu->id,
			      false, out_id);
}

/* IOMMU_DESTROY of a vIOMMU or vDEVICE: the HWPT path's bookkeeping. */
static int mk_object_destroy(struct libiommu_ctx *ctx, uint32_t id, bool quiet)
{
	struct libiommu_hwpt h = { .ctx = ctx, .id = id };

	return mk_hwpt_destroy(&h, quiet);
}

static int mk_viommu_destroy(struct libiommu_viommu *viommu, bool quiet)
{
	return mk_object_destroy(viommu->ctx, viommu->id, quiet);
}

static int mk_vdevice_destroy(struct libiommu_vdevice *vdev, bool quiet)
{
	return mk_object_destroy(vdev->viommu->ctx, vdev->id, quiet);
}

static int mk_viommu_invalidate(struct libiommu_viommu *viommu,
				uint32_t data_type, const void *entries,
				uint32_t entry_len, uint32_t *entry_num)
{
	(void)data_type;
	(void)entries;
	(void)entry_len;
	*entry_num = 0;
	return lu_fail(viommu->ctx, -EOPNOTSUPP,
		       "mock: IOMMU_HWPT_INVALIDATE: the mock vIOMMU has no caches");
}

static int mk_viommu_mmap(struct libiommu_viommu *viommu, uint64_t offset,
			  size_t length, int prot, void **addr)
{
	(void)offset;
	(void)length;
	(void)prot;
	(void)addr;
	return lu_fail(viommu->ctx, -ENXIO,
		       "mock: mmap: the mock vIOMMU has no region");
}

static int mk_hwpt_set_dirty(struct libiommu_hwpt *hwpt, bool enable)
{
	struct mk_state *st = mk(hwpt->ctx);
	struct mk_hwpt *h;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	h = find_hwpt(st, hwpt->id, NULL);
	if (!h || !h->dirty_cap) {
		rc = lu_fail(hwpt->ctx, -EOPNOTSUPP,
			     "mock: HWPT %" PRIu32 " has no dirty tracking", hwpt->id);
	} else {
		h->dirty_on = enable;
		h->nr_dirty = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Set the bits of @h's dirty pages in [iova, +length) (st->lock held). */
static void dirty_read(struct mk_hwpt *h, uint64_t iova, uint64_t length,
		       uint64_t page_size, uint64_t *bitmap, bool clear)
{
	size_t i, keep = 0;

	for (i = 0; i < h->nr_dirty; i++) {
		uint64_t p = h->dirty[i];

		if (p >= iova && p - iova < length) {
			uint64_t bit = (p - iova) / page_size;

			bitmap[bit / 64] |= UINT64_C(1) << (bit % 64);
			if (clear)
				continue;
		}
		h->dirty[keep++] = p;
	}
	h->nr_dirty = keep;
}

static int mk_ioas_dirty_bitmap(struct libiommu_ioas *ioas, uint64_t iova,
				uint64_t length, uint64_t page_size,
				uint64_t *bitmap, uint32_t flags)
{
	struct mk_state *st = mk(ioas->ctx);
	size_t i;

	memset(bitmap, 0, (size_t)((length / page_size + 63) / 64) * 8);
	pthread_mutex_lock(&st->lock);
	/* Every tracking HWPT of the IOAS ORs into the one bitmap. */
	for (i = 0; i < st->nr_hwpts; i++)
		if (st->hwpts[i]->ioas_id == ioas->id && st->hwpts[i]->dirty_on)
			dirty_read(st->hwpts[i], iova, length, page_size, bitmap,
				   !(flags & LIBIOMMU_DIRTY_NO_CLEAR));
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int mk_hwpt_get_dirty(struct libiommu_hwpt *hwpt, uint64_t iova,
			     uint64_t length, uint64_t page_size,
			     uint64_t *bitmap, uint32_t flags)
{
	struct mk_state *st = mk(hwpt->ctx);
	struct mk_hwpt *h;

	memset(bitmap, 0, (size_t)((length / page_size + 63) / 64) * 8);
	pthread_mutex_lock(&st->lock);
	h = find_hwpt(st, hwpt->id, NULL);
	if (h)
		dirty_read(h, iova, length, page_size, bitmap,
			   !(flags & LIBIOMMU_DIRTY_NO_CLEAR));
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int mk_ioas_dirty_tracking(struct libiommu_ioas *ioas, bool enable)
{
	struct libiommu_hwpt *h;
	int rc;

	/* ctx->lock held (backend.h): the HWPT handles of the IOAS */
	lu_list_for_each(h, &ioas->ctx->hwpt_list, node) {
		if (h->ioas != ioas || !(h->flags & LIBIOMMU_HWPT_DIRTY_TRACKING))
			continue;
		rc = mk_hwpt_set_dirty(h, enable);
		if (rc)
			return rc;
	}
	return 0;
}

static int mk_hwpt_invalidate(struct libiommu_hwpt *hwpt, uint32_t data_type,
			      const void *entries, uint32_t entry_len,
			      uint32_t *entry_num)
{
	(void)hwpt;
	(void)data_type;
	(void)entries;
	(void)entry_len;
	(void)entry_num; /* every entry handled */
	return 0;
}

/* ---- devices ----------------------------------------------------------------- */

int lu_mock_add_dev(struct libiommu_ctx *ctx, const struct lu_mock_dev_cfg *cfg)
{
	struct mk_state *st = mk(ctx);
	struct mk_dev *d = calloc(1, sizeof(*d));
	uint8_t *c;

	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	snprintf(d->name, sizeof(d->name), "%s", cfg->name);
	d->cfg.name = d->name;
	c = d->cfgspace;
	c[0] = 0x34;
	c[1] = 0x12; /* vendor 1234 */
	c[2] = 0xee;
	c[3] = 0xee; /* device eeee */
	if (cfg->pcie) {
		c[0x06] = 0x10; /* status: capability list */
		c[0x34] = MK_PCIE_CAP;
		c[MK_PCIE_CAP] = 0x10; /* PCI Express */
		c[MK_PCIE_CAP + 1] = 0;
		c[MK_PCIE_CAP + 8] = (uint8_t)cfg->devctl;
		c[MK_PCIE_CAP + 9] = (uint8_t)(cfg->devctl >> 8);
	}
	pthread_mutex_lock(&st->lock);
	if (push((void ***)&st->devs, &st->nr_devs, &st->cap_devs, d)) {
		pthread_mutex_unlock(&st->lock);
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int mk_dev_open(struct libiommu_dev *dev, const char *path,
		       const struct libiommu_dev_opts *opts)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_dev *d = NULL;
	size_t i;
	int rc = 0, fd;

	(void)opts;
	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->nr_devs && strncmp(path, "mock:", 5) == 0; i++)
		if (!strcmp(st->devs[i]->name, path + 5))
			d = st->devs[i];
	if (inject(st)) {
		rc = injected(ctx, "VFIO_DEVICE_BIND_IOMMUFD");
	} else if (!d) {
		rc = lu_fail(ctx, -ENOENT, "mock: %s does not exist", path);
	} else if (d->bound) {
		rc = lu_fail(ctx, -EINVAL, "mock: %s is bound already", path);
	} else if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		rc = lu_fail(ctx, -errno, "mock: open: %s", strerror(errno));
	} else {
		d->bound = true;
		d->id = st->next_id++;
		dev->fd = fd;
		dev->owns_fd = true;
		dev->id = d->id;
		dev->bpriv = d;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* The HWPT an attachment to @ioas / @hwpt uses, referenced; st->lock held. */
static int pick_pt(struct libiommu_ctx *ctx, struct mk_state *st,
		   struct mk_dev *d, struct libiommu_ioas *ioas,
		   struct libiommu_hwpt *hwpt, uint32_t *pt, bool quiet)
{
	struct mk_hwpt *h;
	struct mk_ioas *a;
	size_t i;
	int rc;

	if (hwpt) {
		h = find_hwpt(st, hwpt->id, NULL);
		if (!h)
			return lu_fail(ctx, -ENOENT, "mock: no HWPT %" PRIu32, hwpt->id);
		if (h->iommu != d->cfg.iommu || (h->enforce && !d->cfg.can_enforce))
			return quiet ? -EINVAL : lu_fail(ctx, -EINVAL, "mock: VFIO_DEVICE_ATTACH_IOMMUFD_PT: the IOMMU of device %" PRIu32 " rejects HWPT %" PRIu32, d->id, h->id);
		h->refs++;
		*pt = h->id;
		return 0;
	}
	a = find_ioas(st, ioas->id, NULL);
	if (!a)
		return lu_fail(ctx, -ENOENT, "mock: no IOAS %" PRIu32, ioas->id);
	/*
	 * iommufd reuses any auto-HWPT of the IOAS the device's IOMMU takes,
	 * enforcing or not: it never upgrades one.  An enforcing one does not
	 * take a device whose IOMMU cannot enforce.
	 */
	for (i = 0; i < st->nr_hwpts; i++) {
		h = st->hwpts[i];
		if (!h->auto_made || h->ioas_id != a->id ||
		    h->iommu != d->cfg.iommu || (h->enforce && !d->cfg.can_enforce))
			continue;
		h->refs++;
		*pt = h->id;
		return 0;
	}
	rc = new_hwpt(st, &h);
	if (rc)
		return lu_fail(ctx, rc, "mock: out of memory for a HWPT");
	h->auto_made = true;
	h->ioas_id = a->id;
	h->iommu = d->cfg.iommu;
	h->enforce = d->cfg.can_enforce;
	h->refs = 1;
	a->refs++;
	*pt = h->id;
	return 0;
}

static int attach_pt(struct libiommu_dev *dev, uint32_t pasid,
		     struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt,
		     uint32_t *hwpt_id, bool quiet)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct mk_state *st = mk(ctx);
	struct mk_dev *d = dev->bpriv;
	uint32_t pt = 0, *slot = NULL;
	unsigned int i;
	int rc;

	pthread_mutex_lock(&st->lock);
	if (inject(st)) {
		rc = injected(ctx, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
		goto out;
	}
	if (pasid == LIBIOMMU_NO_PASID) {
		slot = &d->rid_pt;
	} else {
		for (i = 0; i < d->nr_pasids; i++)
			if (d->pasids[i].pasid == pasid)
				slot = &d->pasids[i].pt;
		if (!slot && d->nr_pasids == MK_MAX_PASIDS) {
			rc = lu_fail(ctx, -ENOSPC, "mock: too many PASIDs");
			goto out;
		}
	}
	rc = pick_pt(ctx, st, d, ioas, hwpt, &pt, quiet);
	if (rc)
		goto out;
	if (!slot) {
		d->pasids[d->nr_pasids].pasid = pasid;
		slot = &d->pasids[d->nr_pasids++].pt;
		*slot = 0;
	}
	if (*slot)
		put_hwpt(st, *slot); /* a replace */
	*slot = pt;
	*hwpt_id = pt;
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int detach_pt(struct libiommu_dev *dev, uint32_t pasid)
{
	struct mk_state *st = mk(dev->ctx);
	struct mk_dev *d = dev->bpriv;
	unsigned int i;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (pasid == LIBIOMMU_NO_PASID) {
		if (d->rid_pt)
			put_hwpt(st, d->rid_pt);
		else
			rc = -ENOENT;
		d->rid_pt = 0;
	} else {
		rc = -ENOENT;
		for (i = 0; i < d->nr_pasids; i++) {
			if (d->pasids[i].pasid != pasid)
				continue;
			put_hwpt(st, d->pasids[i].pt);
			d->pasids[i] = d->pasids[--d->nr_pasids];
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	if (rc)
		return lu_fail(dev->ctx, rc, "mock: VFIO_DEVICE_DETACH_IOMMUFD_PT: not attached");
	return 0;
}

static int mk_dev_attach(struct libiommu_dev *dev, struct libiommu_ioas *ioas,
			 struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
			 bool quiet)
{
	return attach_pt(dev, LIBIOMMU_NO_PASID, ioas, hwpt, hwpt_id, quiet);
}

static int mk_dev_detach(struct libiommu_dev *dev)
{
	return detach_pt(dev, LIBIOMMU_NO_PASID);
}

static int mk_dev_pasid_attach(struct libiommu_dev *dev, uint32_t pasid,
			       struct libiommu_ioas *ioas,
			       struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
			       bool quiet)
{
	return attach_pt(dev, pasid, ioas, hwpt, hwpt_id, quiet);
}

static int mk_dev_pasid_detach(struct libiommu_dev *dev, uint32_t pasid)
{
	return detach_pt(dev, pasid);
}

/*
 * The device fd closed: the kernel detaches and unbinds it (not when
 * another process still holds the file: the creator of the context).
 */
static void mk_dev_release(struct libiommu_dev *dev)
{
	struct mk_state *st = mk(dev->ctx);
	struct mk_dev *d = dev->bpriv;

	dev->bpriv = NULL;
	if (!d || lu_foreign(dev->ctx))
		return;
	pthread_mutex_lock(&st->lock);
	if (d->rid_pt)
		put_hwpt(st, d->rid_pt);
	while (d->nr_pasids)
		put_hwpt(st, d->pasids[--d->nr_pasids].pt);
	d->rid_pt = 0;
	d->bound = false;
	pthread_mutex_unlock(&st->lock);
}

static int mk_hw_info(struct libiommu_dev *dev, uint32_t type, void *data,
		      uint32_t len, struct lu_hw_info_out *out, bool quiet)
{
	struct lx_iommu_hw_info_vtd v = { 0 };
	struct mk_state *st = mk(dev->ctx);
	struct mk_dev *d;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	d = find_dev(st, dev->id);
	if (inject(st))
		rc = quiet ? st->fail_err : injected(dev->ctx, "IOMMU_GET_HW_INFO");
	else if (!d)
		rc = quiet ? -ENOENT : lu_fail(dev->ctx, -ENOENT, "mock: no device %" PRIu32, dev->id);
	else if (type && type != LIBIOMMU_HW_TYPE_INTEL_VTD)
		rc = quiet ? -EOPNOTSUPP : lu_fail(dev->ctx, -EOPNOTSUPP, "mock: type %" PRIu32, type);
	if (!rc) {
		/* VT-d: ECAP.SC (bit 7) says whether it can force snooping */
		v.ecap_reg = d->cfg.can_enforce ? UINT64_C(1) << 7 : 0;
		v.cap_reg = UINT64_C(47) << 16; /* MGAW: 48 bits */
		if (data && len)
			memcpy(data, &v, len < sizeof(v) ? len : sizeof(v));
		out->data_len = sizeof(v);
		out->data_type = LIBIOMMU_HW_TYPE_INTEL_VTD;
		out->caps = d->cfg.dirty ? LIBIOMMU_HW_CAP_DIRTY_TRACKING : 0;
		out->max_pasid_log2 = d->cfg.max_pasid_log2;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_dev_adopt_id(struct libiommu_dev *dev, uint32_t dev_id)
{
	struct mk_state *st = mk(dev->ctx);
	bool known;

	pthread_mutex_lock(&st->lock);
	known = find_dev(st, dev_id) != NULL;
	pthread_mutex_unlock(&st->lock);
	if (!known)
		return lu_fail(dev->ctx, -ENOENT,
			       "libiommu_dev_adopt_id: object %" PRIu32 " is not a bound device",
			       dev_id);
	dev->id = dev_id;
	return 0;
}

/* ---- the VFIO device fd: region 7 is the config space ------------------------ */

static int mk_region_info(struct libiommu_dev *dev, uint32_t index,
			  struct lu_region *out)
{
	(void)dev;
	if (index != LIBIOMMU_PCI_CONFIG_REGION)
		return -EINVAL;
	out->valid = true;
	out->flags = LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE;
	out->size = MK_CFG_SIZE;
	out->offset = (uint64_t)LIBIOMMU_PCI_CONFIG_REGION << 40;
	return 0;
}

static long mk_region_pio(struct libiommu_dev *dev, void *buf, size_t len,
			  uint64_t pos, bool write)
{
	struct mk_state *st = mk(dev->ctx);
	struct mk_dev *d = dev->bpriv;
	uint64_t off = pos - ((uint64_t)LIBIOMMU_PCI_CONFIG_REGION << 40);
	const unsigned int dc = MK_PCIE_CAP + 8;
	size_t i;

	if (!d || off >= MK_CFG_SIZE)
		return -EINVAL;
	if (len > MK_CFG_SIZE - off)
		len = MK_CFG_SIZE - off;
	pthread_mutex_lock(&st->lock);
	if (inject(st)) {
		pthread_mutex_unlock(&st->lock);
		return st->fail_err;
	}
	for (i = 0; i < len; i++) {
		uint8_t *b = &d->cfgspace[off + i], v;

		if (!write) {
			((uint8_t *)buf)[i] = *b;
			continue;
		}
		v = ((uint8_t *)buf)[i];
		/* only Device Control is writable; Enable No Snoop is bit 11 */
		if (!d->cfg.pcie || off + i < dc || off + i > dc + 1)
			continue;
		if (off + i == dc + 1 && !d->cfg.nosnoop_writable)
			v = (uint8_t)((v & ~0x08) | (*b & 0x08));
		*b = v;
	}
	pthread_mutex_unlock(&st->lock);
	return (long)len;
}

static int mk_region_mmap(struct libiommu_dev *dev, uint64_t pos, size_t len,
			  int prot, void **addr)
{
	(void)dev;
	(void)pos;
	(void)len;
	(void)prot;
	(void)addr;
	return -EINVAL;
}

static int mk_dev_info_flags(struct libiommu_dev *dev, uint32_t *flags)
{
	(void)dev;
	*flags = LX_VFIO_DEVICE_FLAGS_PCI;
	return 0;
}

/* The mock device has no VFIO device features (no migration, no logging). */
static int mk_dev_feature(struct libiommu_dev *dev, uint32_t flags, void *data,
			  size_t len)
{
	(void)dev;
	(void)flags;
	(void)data;
	(void)len;
	return -ENOTTY;
}

/* ---- controls for the tests ---------------------------------------------------- */

unsigned long lu_mock_fail_nth(struct libiommu_ctx *ctx, unsigned long nth,
			       int err)
{
	struct mk_state *st = mk(ctx);
	unsigned long calls;

	pthread_mutex_lock(&st->lock);
	calls = st->calls;
	st->calls = 0;
	st->fail_at = nth;
	st->fail_err = err < 0 ? err : -ENOMEM;
	pthread_mutex_unlock(&st->lock);
	return calls;
}

void lu_mock_stats(struct libiommu_ctx *ctx, struct lu_mock_stats *s)
{
	struct mk_state *st = mk(ctx);

	pthread_mutex_lock(&st->lock);
	stats_of(st, s);
	pthread_mutex_unlock(&st->lock);
}

void lu_mock_stats_at_fini(struct libiommu_ctx *ctx, struct lu_mock_stats *s)
{
	struct mk_state *st = mk(ctx);

	pthread_mutex_lock(&st->lock);
	st->fini_stats = s;
	pthread_mutex_unlock(&st->lock);
}

int lu_mock_dma_write(struct libiommu_ctx *ctx, uint32_t dev_id, uint64_t iova,
		      uint64_t len)
{
	struct mk_state *st = mk(ctx);
	struct mk_hwpt *h = NULL;
	struct mk_dev *d;
	uint64_t p;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	d = find_dev(st, dev_id);
	if (d && d->rid_pt)
		h = find_hwpt(st, d->rid_pt, NULL);
	if (!h) {
		rc = -ENOENT;
		goto out;
	}
	for (p = iova & ~(uint64_t)(MK_PAGE - 1); h->dirty_on && p < iova + len;
	     p += MK_PAGE) {
		if (h->nr_dirty == h->cap_dirty) {
			size_t c = h->cap_dirty ? h->cap_dirty * 2 : 16;
			uint64_t *n = realloc(h->dirty, c * sizeof(*n));

			if (!n) {
				rc = -ENOMEM;
				goto out;
			}
			h->dirty = n;
			h->cap_dirty = c;
		}
		h->dirty[h->nr_dirty++] = p;
	}
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int lu_mock_dev_enforced(struct libiommu_ctx *ctx, uint32_t dev_id,
			 uint32_t *hwpt_id)
{
	struct mk_state *st = mk(ctx);
	struct mk_hwpt *h = NULL;
	struct mk_dev *d;
	int rc;

	pthread_mutex_lock(&st->lock);
	d = find_dev(st, dev_id);
	if (d && d->rid_pt)
		h = find_hwpt(st, d->rid_pt, NULL);
	rc = h ? h->enforce : -ENOENT;
	if (h && hwpt_id)
		*hwpt_id = h->id;
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int mk_dev_kvm_file(const struct libiommu_dev *dev)
{
	return dev->fd;
}

const struct lu_backend_ops lu_backend_mock = {
	.kind = (enum libiommu_backend)LU_BACKEND_MOCK,
	.name = "mock",
	.ctx_init = mk_ctx_init,
	.ctx_fini = mk_ctx_fini,
	.has_feature = mk_has_feature,
	.ioas_alloc = mk_ioas_alloc,
	.ioas_destroy = mk_ioas_destroy,
	.ioas_release = mk_ioas_release,
	.map = mk_map,
	.map_file = mk_map_file,
	.copy = mk_copy,
	.unmap = mk_unmap,
	.unmap_all = mk_unmap_all,
	.get_ranges = mk_get_ranges,
	.allow_iovas = mk_allow_iovas,
	.set_huge_pages = mk_set_huge_pages,
	.get_huge_pages = mk_get_huge_pages,
	.ioas_dirty_tracking = mk_ioas_dirty_tracking,
	.ioas_dirty_bitmap = mk_ioas_dirty_bitmap,
	.dev_open = mk_dev_open,
	.dev_adopt_id = mk_dev_adopt_id,
	.dev_attach = mk_dev_attach,
	.dev_detach = mk_dev_detach,
	.dev_pasid_attach = mk_dev_pasid_attach,
	.dev_pasid_detach = mk_dev_pasid_detach,
	.dev_release = mk_dev_release,
	.dev_kvm_file = mk_dev_kvm_file,
	.hw_info = mk_hw_info,
	.region_info = mk_region_info,
	.region_pio = mk_region_pio,
	.region_mmap = mk_region_mmap,
	.dev_info_flags = mk_dev_info_flags,
	.dev_feature = mk_dev_feature,
	.hwpt_alloc = mk_hwpt_alloc,
	.hwpt_destroy = mk_hwpt_destroy,
	.hwpt_set_dirty = mk_hwpt_set_dirty,
	.hwpt_get_dirty = mk_hwpt_get_dirty,
	.hwpt_invalidate = mk_hwpt_invalidate,
	.viommu_alloc = mk_viommu_alloc,
	.viommu_destroy = mk_viommu_destroy,
	.viommu_invalidate = mk_viommu_invalidate,
	.viommu_mmap = mk_viommu_mmap,
	.vdevice_alloc = mk_vdevice_alloc,
	.vdevice_destroy = mk_vdevice_destroy,
	.why_not = {
		[LU_OP_DEV_OPEN_FD] = "mock devices are opened by name (\"mock:NAME\")",
		[LU_OP_DEV_OPEN_GROUP] = "it has no VFIO groups",
		[LU_OP_MEMLOCK_MODE] = "it pins no memory",
		[LU_OP_DEV_IOCTL] = "mock devices have only regions (no device info, interrupts, reset or dma-buf)",
		[LU_OP_HOT_RESET] = "mock devices have no PCI slot or bus to reset",
		[LU_OP_VEVENTQ_ALLOC] = "its vIOMMUs report no events (the kernel's selftest mock does)",
		[LU_OP_HW_QUEUE_ALLOC] = "its vIOMMUs take no HW queues (the kernel's selftest mock does)",
		[LU_OP_FAULT_QUEUE_ALLOC] = "it simulates no page faults (the kernel's selftest mock does)",
		[LU_OP_DEV_ADOPT_FD] = "mock devices have no VFIO fd",
		[LU_OP_IOAS_ADOPT_ID] = "it has no IOAS made outside the library",
		[LU_OP_CHANGE_PROCESS] = "it pins no memory",
		[LU_OP_HWPT_ADOPT_ID] = "it has no HWPT made outside the library",
	},
};
