/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoding a VFIO region's capability chain (lib/util/vfio-caps.c): the
 * bytes VFIO_DEVICE_GET_REGION_INFO returned, into struct
 * libiommu_region_caps and its sparse areas.  Pure: bytes in, struct out.
 */
#ifndef LIBIOMMU_UTIL_VFIO_CAPS_H
#define LIBIOMMU_UTIL_VFIO_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "libiommu/libiommu.h"

/*
 * Walk the chain starting at byte @off of @buf (@len bytes, the whole
 * answer): fill @caps (flags, type, subtype, nr_areas; zeroed first except
 * sz and index) and the first @max of @areas.  A chain that runs backwards
 * or past @len, or a capability shorter than its kind, is -EPROTO.
 */
int lu_vfio_region_caps_decode(const void *buf, size_t len, uint32_t off,
			       struct libiommu_region_caps *caps,
			       struct libiommu_region_area *areas,
			       uint32_t max);

#endif
