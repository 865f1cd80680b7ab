/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiommu_last_error(): the error text for callers without a log callback
 * (host tier: a path that does not exist makes libiommu_ctx_new() fail
 * before any kernel interface is touched).
 */
#include <pthread.h>
#include <string.h>

#include "testutil.h"

#define MISSING "/nonexistent/libiommu-test/iommu"

static int fail_ctx_new(void)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.path = MISSING,
		.backend = tu_backend(),
	};
	struct libiommu_ctx *ctx = NULL;

	return libiommu_ctx_new(&opts, &ctx);
}

START_TEST(failure_without_callback_leaves_its_message)
{
	tu_assert_err(fail_ctx_new(), -ENOENT);
	ck_assert_ptr_nonnull(strstr(libiommu_last_error(), MISSING));
}
END_TEST

START_TEST(failure_with_callback_leaves_the_same_message)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, MISSING);
	struct libiommu_ctx *ctx = NULL;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_int_ge(log.count, 1);
	ck_assert_str_eq(libiommu_last_error(), log.msg);
}
END_TEST

static void *thread_reads_last_error(void *arg)
{
	return (void *)libiommu_last_error();
}

START_TEST(another_thread_does_not_see_the_error)
{
	pthread_t t;
	void *res;

	tu_assert_err(fail_ctx_new(), -ENOENT);
	ck_assert_int_eq(pthread_create(&t, NULL, thread_reads_last_error, NULL),
			 0);
	ck_assert_int_eq(pthread_join(t, &res), 0);
	ck_assert_str_eq((const char *)res, "");
	ck_assert_ptr_nonnull(strstr(libiommu_last_error(), MISSING));
}
END_TEST

START_TEST(nothing_failed_yet_reads_empty)
{
	ck_assert_str_eq(libiommu_last_error(), "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bind-last-error");
	TCase *tc = tu_tcase(s, "libiommu_last_error");

	tcase_add_test(tc, nothing_failed_yet_reads_empty);
	tcase_add_test(tc, failure_without_callback_leaves_its_message);
	tcase_add_test(tc, failure_with_callback_leaves_the_same_message);
	tcase_add_test(tc, another_thread_does_not_see_the_error);
	return tu_run(s);
}
