// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the backends share: their names, the "not on this backend" error,
 * and the coherency question the legacy backends answer (see internal.h).
 */
#include "internal.h"

static const char *const backend_names[] = {
	[LIBIOMMU_BACKEND_AUTO] = "auto",
	[LIBIOMMU_BACKEND_IOMMUFD] = "iommufd",
	[LIBIOMMU_BACKEND_TYPE1] = "type1",
	[LIBIOMMU_BACKEND_IOMMUFD_COMPAT] = "iommufd-compat",
};

LIBIOMMU_API const char *libiommu_backend_name(enum libiommu_backend backend)
{
	if ((unsigned int)backend >= ARRAY_SIZE(backend_names))
		return NULL;
	return backend_names[backend];
}

int lu_backend_unsupported(struct libiommu_ctx *ctx, const char *what,
			   const char *why)
{
	return lu_fail(ctx, -EOPNOTSUPP,
		       "%s is not available on the %s backend: %s", what,
		       ctx->ops->name, why);
}

int lu_backend_cc_enforced(struct libiommu_ctx *ctx)
{
	if (!ctx || !ctx->ops->cc_enforced)
		return -EOPNOTSUPP;
	return ctx->ops->cc_enforced(ctx);
}
