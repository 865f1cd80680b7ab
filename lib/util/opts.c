/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options and result structs carry their own size: a caller built against
 * an older libiommu passes a smaller struct and gets defaults for the fields
 * it does not know; a caller built against a newer one may pass a larger
 * struct as long as it leaves what we do not know zero.  Results are copied
 * out as far as the caller's struct reaches.  See opts.h.
 */
#include <string.h>

#include "util/log.h"
#include "util/opts.h"

int lu_opts_check(const struct libiommu_ctx *ctx, const void *opts,
		  size_t user_sz, size_t known_sz, const char *type_name)
{
	const unsigned char *p = opts;
	size_t i;

	if (!opts)
		return 0;
	if (user_sz < sizeof(size_t))
		return lu_fail(ctx, -EINVAL,
			       "struct %s: sz is %zu, smaller than the sz field itself; set sz = sizeof(struct %s)",
			       type_name, user_sz, type_name);
	for (i = known_sz; i < user_sz; i++) {
		if (p[i])
			return lu_fail(ctx, -E2BIG,
				       "struct %s: byte %zu is non-zero but this libiommu gives meaning only to the first %zu of its %zu bytes (the rest is reserved or padding, or a field of a newer libiommu): leave it zero (LIBIOMMU_OPTS() does), or use a newer libiommu",
				       type_name, i, known_sz, user_sz);
	}
	return 0;
}

int lu_result_check(const struct libiommu_ctx *ctx, const char *fn,
		    const char *what, size_t user_sz, const char *type_name)
{
	if (user_sz >= sizeof(size_t))
		return 0;
	return lu_fail(ctx, -EINVAL,
		       "%s: %s->sz is %zu; set it to sizeof(struct %s)", fn,
		       what, user_sz, type_name);
}

void lu_result_copy(void *dst, size_t dst_sz, const void *src,
		    size_t known_sz)
{
	size_t n = dst_sz < known_sz ? dst_sz : known_sz;

	/* sz is the first member of every result struct: keep the caller's */
	if (n > sizeof(size_t))
		memcpy((char *)dst + sizeof(size_t),
		       (const char *)src + sizeof(size_t), n - sizeof(size_t));
	if (dst_sz > n)
		memset((char *)dst + n, 0, dst_sz - n);
}

/* The public options structs have no implicit padding (see libiommu.h). */
#define NO_PADDING(type, last) \
	_Static_assert(sizeof(struct type) == lu_offsetofend(struct type, last), \
		       "struct " #type " has implicit padding")
NO_PADDING(libiommu_ctx_opts, backend);
NO_PADDING(libiommu_ioas_opts, reserved);
NO_PADDING(libiommu_dev_opts, reserved);
NO_PADDING(libiommu_hwpt_opts, fault_queue);
NO_PADDING(libiommu_kvm_opts, kvm_vfio_fd);
NO_PADDING(libiommu_viommu_opts, data_len);
NO_PADDING(libiommu_veventq_opts, flags);
NO_PADDING(libiommu_vevent, data);
NO_PADDING(libiommu_hw_queue_opts, length);
