// SPDX-License-Identifier: LGPL-2.1-or-later
/* Mappings kept in user space and an IOVA allocator: see iova-map.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/iova-map.h"

size_t lu_iova_first_at(const struct lu_iova_map *m, uint64_t iova)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct lu_map *e = &m->maps[mid];

		if (e->iova + e->length - 1 < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool lu_iova_overlaps(const struct lu_iova_map *m, uint64_t iova,
		      uint64_t last)
{
	size_t i = lu_iova_first_at(m, iova);

	return i < m->nr && m->maps[i].iova <= last;
}

int lu_iova_insert(struct lu_iova_map *m, const struct lu_map *e)
{
	size_t i = lu_iova_first_at(m, e->iova);

	if (m->nr == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct lu_map *p = realloc(m->maps, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->maps = p;
		m->cap = cap;
	}
	memmove(&m->maps[i + 1], &m->maps[i], (m->nr - i) * sizeof(*e));
	m->maps[i] = *e;
	m->nr++;
	return 0;
}

void lu_iova_remove(struct lu_iova_map *m, size_t i, size_t n)
{
	memmove(&m->maps[i], &m->maps[i + n],
		(m->nr - i - n) * sizeof(*m->maps));
	m->nr -= n;
}

uint64_t lu_iova_total(const struct lu_iova_map *m)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < m->nr; i++)
		total += m->maps[i].length;
	return total;
}

int lu_iova_find_whole(const struct lu_iova_map *m, uint64_t iova,
		       uint64_t last, size_t *first, size_t *count,
		       uint64_t *bytes, const struct lu_map **split)
{
	size_t i = lu_iova_first_at(m, iova), j;
	uint64_t total = 0;

	*split = NULL;
	for (j = i; j < m->nr && m->maps[j].iova <= last; j++) {
		const struct lu_map *e = &m->maps[j];

		if (e->iova < iova || e->iova + e->length - 1 > last) {
			*split = e;
			return -ENOENT;
		}
		total += e->length;
	}
	if (j == i)
		return -ENOENT;
	*first = i;
	*count = j - i;
	*bytes = total;
	return 0;
}

bool lu_iova_inside_one(const struct libiommu_iova_range *r, uint32_t nr,
			uint64_t iova, uint64_t last)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (iova >= r[i].start && last <= r[i].last)
			return true;
	return false;
}

/* Lowest @align-aligned IOVA in [start, last] with @length free bytes. */
static bool fit_in(const struct lu_iova_map *m, uint64_t start, uint64_t last,
		   uint64_t length, uint64_t align, uint64_t *out)
{
	uint64_t cur = (start + align - 1) & ~(align - 1);
	size_t i;

	if (cur < start)
		return false;
	for (i = lu_iova_first_at(m, cur);; i++) {
		uint64_t end;

		if (cur > last || last - cur < length - 1)
			return false;
		end = cur + length - 1;
		if (i >= m->nr || m->maps[i].iova > end) {
			*out = cur;
			return true;
		}
		end = m->maps[i].iova + m->maps[i].length; /* first byte after */
		if (end == 0)
			return false; /* the mapping reaches the top */
		cur = (end + align - 1) & ~(align - 1);
		if (cur < end)
			return false;
	}
}

bool lu_iova_pick(const struct lu_iova_map *m,
		  const struct libiommu_iova_range *r, uint32_t nr,
		  const struct libiommu_iova_range *allowed,
		  uint32_t nr_allowed, uint64_t minp, uint64_t vaddr,
		  uint64_t length, uint64_t *iova)
{
	uint64_t align = LU_IOVA_MAX_ALIGN, a;
	uint32_t i, j;

	if (!length)
		return false;
	while (align > length)
		align >>= 1;
	if (vaddr && (vaddr & -vaddr) < align)
		align = vaddr & -vaddr;
	if (align < minp)
		align = minp;
	/* The wanted alignment first, then the smallest the IOMMU takes. */
	for (a = align;; a = minp) {
		for (i = 0; i < nr; i++) {
			if (!nr_allowed) {
				if (fit_in(m, r[i].start, r[i].last, length, a, iova))
					return true;
				continue;
			}
			for (j = 0; j < nr_allowed; j++) {
				uint64_t s = r[i].start > allowed[j].start ? r[i].start : allowed[j].start;
				uint64_t l = r[i].last < allowed[j].last ? r[i].last : allowed[j].last;

				if (s <= l && fit_in(m, s, l, length, a, iova))
					return true;
			}
		}
		if (a == minp)
			return false;
	}
}

void lu_iova_map_fini(struct lu_iova_map *m)
{
	free(m->maps);
	m->maps = NULL;
	m->nr = m->cap = 0;
}
