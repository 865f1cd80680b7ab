/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging through the public API (host tier): the library is silent unless
 * given a callback, errors reach the callback at error level, and the
 * ready-made stderr callback prints the documented format.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MISSING "/nonexistent/libiommu-test/iommu"

START_TEST(silent_by_default_with_null_opts)
{
	struct libiommu_ctx *ctx = NULL;
	char buf[256];
	int rc;

	tu_stderr_begin();
	rc = libiommu_ctx_new(NULL, &ctx); /* on the host: /dev/iommu missing */
	ck_assert_uint_eq(tu_stderr_end(buf, sizeof(buf)), 0);
	libiommu_ctx_free(ctx);
	(void)rc;
}
END_TEST

START_TEST(silent_by_default_on_errors)
{
	struct libiommu_ctx_opts opts = { .sz = sizeof(opts), .path = MISSING };
	struct libiommu_ctx *ctx;
	char buf[256];

	tu_stderr_begin();
	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_int_eq(libiommu_ctx_new(NULL, NULL), -EINVAL);
	ck_assert_int_eq(libiommu_ctx_new_from_fd(-1, LIBIOMMU_FD_BORROW,
						  NULL, &ctx),
			 -EBADF);
	ck_assert_int_eq(libiommu_ctx_new_from_fd(STDIN_FILENO, 7, NULL, &ctx),
			 -EINVAL);
	ck_assert_uint_eq(tu_stderr_end(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(error_reaches_callback_at_error_level)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, MISSING);
	struct libiommu_ctx *ctx;

	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_int_eq(log.count, 1);
	ck_assert_int_eq(log.level, LIBIOMMU_LOG_ERR);
	tu_assert_logged(&log, MISSING);
}
END_TEST

START_TEST(message_has_no_trailing_newline)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, MISSING);
	struct libiommu_ctx *ctx;

	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_ptr_null(strchr(log.msg, '\n'));
}
END_TEST

START_TEST(error_max_level_still_gets_errors)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts =
		tu_ctx_opts(&log, LIBIOMMU_LOG_ERR, MISSING);
	struct libiommu_ctx *ctx;

	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_int_eq(log.count, 1);
}
END_TEST

START_TEST(userdata_is_passed_to_callback)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, "/dev/null");
	struct libiommu_ctx *ctx;

	/* tu_log_capture writes through userdata: a count proves it. */
	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOTTY);
	ck_assert_int_ge(log.count, 1);
}
END_TEST

START_TEST(log_stderr_prints_prefix_level_and_newline)
{
	char buf[256];

	tu_stderr_begin();
	libiommu_log_stderr(NULL, LIBIOMMU_LOG_WARN, "hello");
	tu_stderr_end(buf, sizeof(buf));
	ck_assert_str_eq(buf, "libiommu: warning: hello\n");
}
END_TEST

START_TEST(log_stderr_as_ctx_callback)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.path = MISSING,
		.log_fn = libiommu_log_stderr,
	};
	struct libiommu_ctx *ctx;
	char buf[1024];

	tu_stderr_begin();
	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	tu_stderr_end(buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "libiommu: error: ", 17) == 0, "got: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "CONFIG_IOMMUFD"));
}
END_TEST

START_TEST(level_names)
{
	ck_assert_str_eq(libiommu_log_level_name(LIBIOMMU_LOG_ERR), "error");
	ck_assert_str_eq(libiommu_log_level_name(LIBIOMMU_LOG_WARN), "warning");
	ck_assert_str_eq(libiommu_log_level_name(LIBIOMMU_LOG_INFO), "info");
	ck_assert_str_eq(libiommu_log_level_name(LIBIOMMU_LOG_DEBUG), "debug");
}
END_TEST

START_TEST(unknown_level_name_is_not_null)
{
	ck_assert_str_eq(libiommu_log_level_name((enum libiommu_log_level)99),
			 "unknown");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tu_tcase(s, "log");

	tcase_add_test(tc, silent_by_default_with_null_opts);
	tcase_add_test(tc, silent_by_default_on_errors);
	tcase_add_test(tc, error_reaches_callback_at_error_level);
	tcase_add_test(tc, message_has_no_trailing_newline);
	tcase_add_test(tc, error_max_level_still_gets_errors);
	tcase_add_test(tc, userdata_is_passed_to_callback);
	tcase_add_test(tc, log_stderr_prints_prefix_level_and_newline);
	tcase_add_test(tc, log_stderr_as_ctx_callback);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, unknown_level_name_is_not_null);
	return tu_run(s);
}
