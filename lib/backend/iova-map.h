/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mappings of an address space kept in user space, sorted by IOVA,
 * and an IOVA allocator over them (lib/backend/iova-map.c).  No fd, no
 * kernel: the legacy type1 backend (which has neither kernel-chosen IOVAs
 * nor iommufd's unmap rules) and the test mock keep their mappings here,
 * and the host tier tests it directly.
 */
#ifndef LIBIOMMU_BACKEND_IOVA_MAP_H
#define LIBIOMMU_BACKEND_IOVA_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libiommu/libiommu.h"

struct lu_map {
	uint64_t iova, length, vaddr;
	uint32_t flags; /* LIBIOMMU_MAP_READ/WRITE */
};

struct lu_iova_map {
	struct lu_map *maps; /* sorted by iova, never overlapping */
	size_t nr, cap;
};

/* Largest IOVA alignment lu_iova_pick() asks for. */
#define LU_IOVA_MAX_ALIGN (UINT64_C(1) << 30)

/* Index of the first mapping that ends at or after @iova. */
size_t lu_iova_first_at(const struct lu_iova_map *m, uint64_t iova);

/* Does any mapping touch [iova, last]? */
bool lu_iova_overlaps(const struct lu_iova_map *m, uint64_t iova,
		      uint64_t last);

/* Insert @e (not overlapping any): 0 or -ENOMEM. */
int lu_iova_insert(struct lu_iova_map *m, const struct lu_map *e);

/* Remove the @n mappings from index @i. */
void lu_iova_remove(struct lu_iova_map *m, size_t i, size_t n);

/* Total bytes mapped. */
uint64_t lu_iova_total(const struct lu_iova_map *m);

/*
 * The whole mappings inside [iova, last], as iommufd's unmap takes them:
 * 0 with first, count and bytes set; -ENOENT when nothing is mapped there
 * (split NULL) or the range cuts a mapping (split that mapping).
 */
int lu_iova_find_whole(const struct lu_iova_map *m, uint64_t iova,
		       uint64_t last, size_t *first, size_t *count,
		       uint64_t *bytes, const struct lu_map **split);

/* Is [iova, last] inside one of the @nr ranges @r? */
bool lu_iova_inside_one(const struct libiommu_iova_range *r, uint32_t nr,
			uint64_t iova, uint64_t last);

/*
 * Pick the lowest free IOVA for @length bytes inside the @nr_usable
 * @usable ranges (and, when @nr_allowed, inside the allowed ranges too),
 * aligned to the largest power of two up to LU_IOVA_MAX_ALIGN that divides
 * both @length and @vaddr (0: no address), else to @min_align.  False when
 * nothing fits.
 */
bool lu_iova_pick(const struct lu_iova_map *m,
		  const struct libiommu_iova_range *usable, uint32_t nr_usable,
		  const struct libiommu_iova_range *allowed,
		  uint32_t nr_allowed, uint64_t min_align, uint64_t vaddr,
		  uint64_t length, uint64_t *iova);

void lu_iova_map_fini(struct lu_iova_map *m);

#endif
