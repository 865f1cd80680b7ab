// SPDX-License-Identifier: LGPL-2.1-or-later
/* A VFIO region's capability chain, decoded: see vfio-caps.h. */
#include <errno.h>
#include <string.h>

#include "uapi/vfio.h"
#include "util/vfio-caps.h"

int lu_vfio_region_caps_decode(const void *buf, size_t len, uint32_t off,
			       struct libiommu_region_caps *caps,
			       struct libiommu_region_area *areas,
			       uint32_t max)
{
	const uint8_t *b = buf;
	unsigned int hops = 0;

	caps->flags = 0;
	caps->type = 0;
	caps->subtype = 0;
	caps->nr_areas = 0;
	caps->reserved = 0;
	while (off) {
		struct lx_vfio_info_cap_header h;

		if (off < sizeof(struct lx_vfio_region_info) ||
		    len < sizeof(h) || off > len - sizeof(h) || ++hops > 64)
			return -EPROTO;
		memcpy(&h, b + off, sizeof(h));
		switch (h.id) {
		case LX_VFIO_REGION_INFO_CAP_SPARSE_MMAP: {
			struct lx_vfio_region_info_cap_sparse_mmap s;
			uint32_t i;

			if (len - off < sizeof(s))
				return -EPROTO;
			memcpy(&s, b + off, sizeof(s));
			if ((len - off - sizeof(s)) / sizeof(struct lx_vfio_region_sparse_mmap_area) < s.nr_areas)
				return -EPROTO;
			caps->flags |= LIBIOMMU_REGION_CAP_SPARSE;
			caps->nr_areas = s.nr_areas;
			for (i = 0; i < s.nr_areas && i < max; i++) {
				struct lx_vfio_region_sparse_mmap_area a;

				memcpy(&a, b + off + sizeof(s) + i * sizeof(a), sizeof(a));
				areas[i].offset = a.offset;
				areas[i].size = a.size;
			}
			break;
		}
		case LX_VFIO_REGION_INFO_CAP_TYPE: {
			struct lx_vfio_region_info_cap_type t;

			if (len - off < sizeof(t))
				return -EPROTO;
			memcpy(&t, b + off, sizeof(t));
			caps->flags |= LIBIOMMU_REGION_CAP_TYPE;
			caps->type = t.type;
			caps->subtype = t.subtype;
			break;
		}
		case LX_VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
			caps->flags |= LIBIOMMU_REGION_CAP_MSIX_MAPPABLE;
			break;
		default: /* e.g. NVLink2's: not decoded here */
			break;
		}
		if (h.next && h.next <= off)
			return -EPROTO;
		off = h.next;
	}
	return 0;
}
