/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A C user of the installed library (tests/test-consumer.sh). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libiommu/libiommu.h>

int main(void)
{
	struct libiommu_ctx_opts opts;
	struct libiommu_ctx *ctx = NULL;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.sz = sizeof(opts);
	opts.path = "/nonexistent/libiommu-consumer/iommu";
	printf("libiommu %s\n", libiommu_version());
	rc = libiommu_ctx_new(&opts, &ctx);
	if (rc != -ENOENT || errno != ENOENT || ctx) {
		fprintf(stderr, "libiommu_ctx_new on a missing path: %d\n", rc);
		return 1;
	}
	libiommu_ctx_free(ctx);
	return 0;
}
