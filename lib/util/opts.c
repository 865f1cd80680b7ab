/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options structs carry their own size (libbpf's OPTS_VALID): a caller built
 * against an older libiommu passes a smaller struct and gets defaults for the
 * fields it does not know; a caller built against a newer one may pass a
 * larger struct as long as it leaves the fields we do not know zero.
 */
#include "internal.h"

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
				       "struct %s: byte %zu is non-zero but this libiommu knows only the first %zu of its %zu bytes: the caller was built against a newer libiommu and set a field this version does not support; leave that field zero or use a newer libiommu",
				       type_name, i, known_sz, user_sz);
	}
	return 0;
}
