// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Migration and DMA logging calls on the mock backend (host tier): a
 * device whose driver has neither answers -EOPNOTSUPP naming what it
 * lacks, the library's own argument checks issue nothing, and foreign
 * processes are refused.
 */
#include <stdio.h>
#include <string.h>

#include "mockutil.h"

static struct tu_log lg;

static struct libiommu_dev *dev(struct libiommu_ctx **ctx)
{
	*ctx = mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(*ctx, "a", 1, true);
	return mu_open(*ctx, "a");
}

START_TEST(a_device_without_migration_is_eopnotsupp_naming_it)
{
	struct libiommu_ctx *ctx;
	struct libiommu_dev *d = dev(&ctx);
	struct libiommu_mig_info mi = { .sz = sizeof(mi) };
	enum libiommu_mig_state st;
	uint64_t size;
	int fd = 5;

	tu_assert_err(libiommu_dev_get_migration(d, &mi), -EOPNOTSUPP);
	tu_assert_logged(&lg, "VFIO_DEVICE_FEATURE(MIGRATION)");
	tu_assert_logged(&lg, "has no VFIO migration");
	tu_assert_err(libiommu_dev_get_mig_state(d, &st), -EOPNOTSUPP);
	tu_assert_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_STOP, &fd),
		      -EOPNOTSUPP);
	ck_assert_int_eq(fd, -1);
	tu_assert_err(libiommu_dev_get_mig_data_size(d, &size), -EOPNOTSUPP);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(a_device_without_dma_logging_is_eopnotsupp_naming_it)
{
	struct libiommu_ctx *ctx;
	struct libiommu_dev *d = dev(&ctx);
	struct libiommu_iova_range r = { 0, 4095 };
	uint64_t ps = 4096, bm[1];

	tu_assert_err(libiommu_dev_dma_log_start(d, &ps, &r, 1), -EOPNOTSUPP);
	tu_assert_logged(&lg, "has no DMA logging");
	tu_assert_err(libiommu_dev_dma_log_report(d, 0, 4096, 4096, bm), -EOPNOTSUPP);
	tu_assert_err(libiommu_dev_dma_log_stop(d), -EOPNOTSUPP);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(bad_arguments_are_refused_before_any_call)
{
	struct libiommu_ctx *ctx;
	struct libiommu_dev *d = dev(&ctx);
	struct libiommu_iova_range r = { 0, 4095 };
	struct libiommu_mig_info mi = { .sz = 0 };
	uint64_t ps = 4096, bm[1];
	int fd;

	tu_assert_err(libiommu_dev_get_migration(NULL, &mi), -EINVAL);
	tu_assert_err(libiommu_dev_get_migration(d, NULL), -EINVAL);
	tu_assert_err(libiommu_dev_get_migration(d, &mi), -EINVAL);
	tu_assert_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_ERROR, &fd), -EINVAL);
	tu_assert_logged(&lg, "is not a state a device can be asked for");
	tu_assert_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_STOP, NULL), -EINVAL);
	ps = 512;
	tu_assert_err(libiommu_dev_dma_log_start(d, &ps, &r, 1), -EINVAL);
	ps = 4096;
	tu_assert_err(libiommu_dev_dma_log_start(d, &ps, &r, 0), -EINVAL);
	r.last = 4094;
	tu_assert_err(libiommu_dev_dma_log_start(d, &ps, &r, 1), -EINVAL);
	tu_assert_err(libiommu_dev_dma_log_report(d, 0, 4096, 1024, bm), -EINVAL);
	tu_assert_err(libiommu_dev_dma_log_report(d, 0, 4096, 4096, NULL), -EINVAL);
	tu_assert_err(libiommu_ioas_get_dirty_merged(NULL, &d, 1, 0, 4096, 4096, bm, 0),
		      -EINVAL);
	tu_assert_err(libiommu_dev_get_precopy_info(d, -1, NULL), -EINVAL);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(the_merged_bitmap_checks_its_devices)
{
	struct libiommu_ctx *ctx, *other;
	struct libiommu_dev *d = dev(&ctx), *o, *null = NULL;
	struct libiommu_ioas *a = NULL;
	uint64_t bm[1];

	other = mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(other, "b", 1, true);
	o = mu_open(other, "b");
	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &a), 0);
	tu_assert_err(libiommu_ioas_get_dirty_merged(a, &o, 1, 0, 4096, 4096, bm,
						     LIBIOMMU_DIRTY_DEVICES_ONLY),
		      -EXDEV);
	tu_assert_err(libiommu_ioas_get_dirty_merged(a, &null, 1, 0, 4096, 4096, bm,
						     LIBIOMMU_DIRTY_DEVICES_ONLY),
		      -EINVAL);
	tu_assert_err(libiommu_ioas_get_dirty_merged(a, &d, 1, 0, 4096, 4096, bm,
						     LIBIOMMU_DIRTY_DEVICES_ONLY),
		      -EINVAL);
	tu_assert_logged(&lg, "is not attached to IOAS");
	tu_assert_err(libiommu_ioas_get_dirty_merged(a, NULL, 0, 0, 4096, 4096, bm,
						     LIBIOMMU_DIRTY_DEVICES_ONLY),
		      -EINVAL);
	tu_assert_err(libiommu_ioas_get_dirty_merged(a, NULL, 0, 0, 4096, 4096, bm, 1u << 7),
		      -EINVAL);
	libiommu_ctx_free(other);
	libiommu_ctx_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mock-migration");
	TCase *tc = tu_tcase(s, "mock");

	tcase_add_test(tc, a_device_without_migration_is_eopnotsupp_naming_it);
	tcase_add_test(tc, a_device_without_dma_logging_is_eopnotsupp_naming_it);
	tcase_add_test(tc, bad_arguments_are_refused_before_any_call);
	tcase_add_test(tc, the_merged_bitmap_checks_its_devices);
	return tu_run(s);
}
