/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "mockutil.h"

static struct libiommu_ctx *new_ctx(struct tu_log *log,
				    enum libiommu_log_level level, bool owns)
{
	struct libiommu_ctx logctx = { .fd = -1 }, *ctx = NULL;
	int rc;

	if (log)
		memset(log, 0, sizeof(*log));
	logctx.log.fn = log ? tu_log_capture : NULL;
	logctx.log.userdata = log;
	logctx.log.level = level;
	rc = lu_ctx_create(&logctx, -1, owns, &lu_backend_mock, &ctx);
	ck_assert_msg(rc == 0, "a mock context: %s", strerror(-rc));
	return ctx;
}

struct libiommu_ctx *mu_ctx(struct tu_log *log, enum libiommu_log_level level)
{
	return new_ctx(log, level, true);
}

struct libiommu_ctx *mu_ctx_borrowed(struct tu_log *log,
				     enum libiommu_log_level level)
{
	return new_ctx(log, level, false);
}

void mu_add_dev(struct libiommu_ctx *ctx, const char *name, unsigned int iommu,
		bool can_enforce)
{
	struct lu_mock_dev_cfg cfg = {
		.name = name,
		.iommu = iommu,
		.can_enforce = can_enforce,
		.pcie = true,
		.nosnoop_writable = true,
		.max_pasid_log2 = 20,
		.dirty = true,
	};

	ck_assert_int_eq(lu_mock_add_dev(ctx, &cfg), 0);
}

struct libiommu_dev *mu_open(struct libiommu_ctx *ctx, const char *name)
{
	struct libiommu_dev *dev = NULL;
	char path[80];
	int rc;

	snprintf(path, sizeof(path), "mock:%s", name);
	rc = libiommu_dev_open(ctx, path, NULL, &dev);
	ck_assert_msg(rc == 0, "libiommu_dev_open(%s): %s", path, strerror(-rc));
	return dev;
}

void mu_assert_empty(struct libiommu_ctx *ctx)
{
	struct lu_mock_stats st;

	lu_mock_stats(ctx, &st);
	ck_assert_msg(st.ioas == 0 && st.hwpts == 0 && st.bound == 0 &&
			      st.attached == 0 && st.mapped == 0,
		      "the mock still holds %u IOAS, %u HWPTs, %u bound devices, %u attachments, %llu bytes mapped",
		      st.ioas, st.hwpts, st.bound, st.attached,
		      (unsigned long long)st.mapped);
}
