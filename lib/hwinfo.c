// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IOMMU hardware info: IOMMU_GET_HW_INFO (through the backend), raw and
 * decoded (lib/util/hw-decode.c).
 */
#include <inttypes.h>

#include "backend/backend.h"

LIBIOMMU_API int libiommu_hw_info_decode(uint32_t type, const void *data,
					 size_t len,
					 struct libiommu_hw_info *info)
{
	struct libiommu_hw_info full;
	int rc;

	if (!info || info->sz < sizeof(size_t) || (!data && len))
		return lu_ret(-EINVAL);
	rc = lu_hw_info_decode(type, data, len, &full);
	if (rc == -EINVAL)
		return lu_ret(-EINVAL);
	lu_result_copy(info, info->sz, &full, sizeof(full));
	return lu_ret(rc);
}

LIBIOMMU_API const char *libiommu_hw_type_name(uint32_t type)
{
	return lu_hw_type_name(type);
}

LIBIOMMU_API int libiommu_dev_get_hw_info_raw(struct libiommu_dev *dev,
					      uint32_t type, void *data,
					      uint32_t *len,
					      uint32_t *out_type)
{
	struct libiommu_ctx *ctx;
	struct lu_hw_info_out out;
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (!len)
		return lu_fail(ctx, -EINVAL, "%s: len is NULL", __func__);
	if (*len && !data)
		return lu_fail(ctx, -EINVAL,
			       "%s: data is NULL but *len is %" PRIu32, __func__,
			       *len);
	rc = lu_backend_need(ctx, LU_OP_HW_INFO, __func__);
	if (rc)
		return rc;
	rc = ctx->ops->hw_info(dev, type, data, *len, &out, LU_LOUD);
	if (rc)
		return lu_ret(rc);
	*len = out.data_len;
	if (out_type)
		*out_type = out.data_type;
	return 0;
}

LIBIOMMU_API int libiommu_dev_get_hw_info(struct libiommu_dev *dev,
					  struct libiommu_hw_info *info)
{
	struct libiommu_hw_info full;
	struct lu_hw_info_out out;
	struct libiommu_ctx *ctx;
	uint64_t data[16];
	int rc;

	if (!dev)
		return lu_ret(-EINVAL);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (!info)
		return lu_fail(ctx, -EINVAL, "%s: info is NULL", __func__);
	rc = lu_result_check(ctx, __func__, "info", info->sz,
			     "libiommu_hw_info");
	if (rc)
		return rc;
	rc = lu_backend_need(ctx, LU_OP_HW_INFO, __func__);
	if (rc)
		return rc;
	memset(data, 0, sizeof(data));
	rc = ctx->ops->hw_info(dev, 0, data, sizeof(data), &out, LU_LOUD);
	if (rc)
		return lu_ret(rc);
	rc = lu_hw_info_decode(out.data_type, data,
			       out.data_len < sizeof(data) ? out.data_len : sizeof(data),
			       &full);
	if (rc == -EINVAL)
		return lu_fail(ctx, -EPROTO,
			       "IOMMU_GET_HW_INFO: device %" PRIu32 ": %" PRIu32 " bytes of %s data is shorter than that type's registers",
			       dev->id, out.data_len,
			       lu_hw_type_name(out.data_type));
	if (rc == -EOPNOTSUPP)
		lu_info(ctx, "IOMMU_GET_HW_INFO: data type 0x%" PRIx32 " is unknown to this libiommu: only the raw bytes and capabilities are reported",
			out.data_type);
	full.data_len = out.data_len;
	full.caps = out.caps;
	full.max_pasid_log2 = out.max_pasid_log2;
	lu_result_copy(info, info->sz, &full, sizeof(full));
	return 0;
}
