// SPDX-License-Identifier: LGPL-2.1-or-later
// A C++ user of the installed library (tests/test-consumer.sh): the header
// must compile as C++ and link with C linkage.
#include <cerrno>
#include <cstdio>

#include <libiommu/libiommu.h>

int main()
{
	libiommu_ctx_opts opts = {};
	libiommu_ctx *ctx = nullptr;

	opts.sz = sizeof(opts);
	opts.path = "/nonexistent/libiommu-consumer/iommu";
	std::printf("libiommu %s\n", libiommu_version());
	int rc = libiommu_ctx_new(&opts, &ctx);
	if (rc != -ENOENT || errno != ENOENT || ctx) {
		std::fprintf(stderr, "libiommu_ctx_new on a missing path: %d\n", rc);
		return 1;
	}
	libiommu_ctx_free(ctx);
	return 0;
}
