/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NULL handles and pointers (host tier): -EINVAL with errno set, never a
 * crash; destructors and setters accept NULL.
 */
#include <unistd.h>

#include "testutil.h"

START_TEST(ctx_new_null_out_is_einval)
{
	tu_assert_err(libiommu_ctx_new(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(ctx_new_from_fd_null_out_is_einval)
{
	tu_assert_err(libiommu_ctx_new_from_fd(STDIN_FILENO, LIBIOMMU_FD_BORROW,
					       NULL, NULL),
		      -EINVAL);
}
END_TEST

START_TEST(ctx_free_null_is_noop)
{
	errno = 1234;
	libiommu_ctx_free(NULL);
	ck_assert_int_eq(errno, 1234);
}
END_TEST

START_TEST(ctx_fd_null_is_einval)
{
	tu_assert_err(libiommu_ctx_fd(NULL), -EINVAL);
}
END_TEST

START_TEST(ctx_set_log_null_is_noop)
{
	libiommu_ctx_set_log(NULL, tu_log_capture, NULL, LIBIOMMU_LOG_DEBUG);
}
END_TEST

START_TEST(has_feature_null_ctx_is_einval)
{
	tu_assert_err(libiommu_ctx_has_feature(NULL, LIBIOMMU_FEAT_IOAS),
		      -EINVAL);
}
END_TEST

START_TEST(set_memlock_mode_null_ctx_is_einval)
{
	tu_assert_err(libiommu_ctx_set_memlock_mode(NULL, LIBIOMMU_MEMLOCK_MM),
		      -EINVAL);
}
END_TEST

START_TEST(get_memlock_mode_null_ctx_is_einval)
{
	enum libiommu_memlock_mode mode;

	tu_assert_err(libiommu_ctx_get_memlock_mode(NULL, &mode), -EINVAL);
	tu_assert_err(libiommu_ctx_get_memlock_mode(NULL, NULL), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-null-args");
	TCase *tc = tu_tcase(s, "null");

	tcase_add_test(tc, ctx_new_null_out_is_einval);
	tcase_add_test(tc, ctx_new_from_fd_null_out_is_einval);
	tcase_add_test(tc, ctx_free_null_is_noop);
	tcase_add_test(tc, ctx_fd_null_is_einval);
	tcase_add_test(tc, ctx_set_log_null_is_noop);
	tcase_add_test(tc, has_feature_null_ctx_is_einval);
	tcase_add_test(tc, set_memlock_mode_null_ctx_is_einval);
	tcase_add_test(tc, get_memlock_mode_null_ctx_is_einval);
	return tu_run(s);
}
