/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoding IOMMU hardware info (lib/util/hw-decode.c): the driver data of
 * IOMMU_GET_HW_INFO into struct libiommu_hw_info.  Pure: bytes in, struct
 * out; used by the public decoder, the backends' messages and the
 * coherency facts.
 */
#ifndef LIBIOMMU_UTIL_HW_DECODE_H
#define LIBIOMMU_UTIL_HW_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "libiommu/libiommu.h"

/*
 * Decode driver data of @type into the full-size @info (zeroed first):
 * 0, -EINVAL (@len too short for @type) or -EOPNOTSUPP (type unknown to
 * this libiommu; the raw bytes are kept).
 */
int lu_hw_info_decode(uint32_t type, const void *data, size_t len,
		      struct libiommu_hw_info *info);

/* The name of a LIBIOMMU_HW_TYPE_*, or NULL. */
const char *lu_hw_type_name(uint32_t type);

#endif
