/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options structs carry their size (host tier: no kernel needed).  The
 * checks run before the device is opened, so a path that does not exist
 * turns "options accepted" into -ENOENT and "rejected" into -EINVAL/-E2BIG.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MISSING "/nonexistent/libiommu-test/iommu"

/* What a caller built against a newer libiommu passes. */
struct newer_ctx_opts {
	struct libiommu_ctx_opts base;
	uint64_t future_field;
};

static int never_called_count;

static void never_called(void *userdata, enum libiommu_log_level level,
			 const char *msg)
{
	never_called_count++;
}

START_TEST(full_size_opts_are_accepted)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, MISSING);
	struct libiommu_ctx *ctx = (void *)1;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_ptr_null(ctx);
}
END_TEST

START_TEST(older_smaller_struct_is_accepted)
{
	struct libiommu_ctx_opts opts;

	/* An older caller that only knew sz and path. */
	memset(&opts, 0, sizeof(opts));
	opts.sz = offsetof(struct libiommu_ctx_opts, path) + sizeof(opts.path);
	opts.path = MISSING;
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOENT);
}
END_TEST

START_TEST(fields_beyond_sz_are_not_read)
{
	struct libiommu_ctx_opts opts = {
		.sz = offsetof(struct libiommu_ctx_opts, log_fn),
		.path = MISSING,
		/* Beyond sz: must be ignored, as if it were stack garbage. */
		.log_fn = never_called,
		.log_level = LIBIOMMU_LOG_DEBUG,
	};
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_int_eq(never_called_count, 0);
}
END_TEST

START_TEST(larger_struct_with_zero_tail_is_accepted)
{
	struct tu_log log;
	struct newer_ctx_opts opts = { .base = tu_ctx_opts(&log, 0, MISSING) };
	struct libiommu_ctx *ctx;

	opts.base.sz = sizeof(opts);
	opts.future_field = 0;
	tu_assert_err(libiommu_ctx_new(&opts.base, &ctx), -ENOENT);
}
END_TEST

START_TEST(unknown_nonzero_tail_is_e2big)
{
	struct tu_log log;
	struct newer_ctx_opts opts = { .base = tu_ctx_opts(&log, 0, MISSING) };
	struct libiommu_ctx *ctx = (void *)1;

	opts.base.sz = sizeof(opts);
	opts.future_field = 1;
	tu_assert_err(libiommu_ctx_new(&opts.base, &ctx), -E2BIG);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(log.level, LIBIOMMU_LOG_ERR);
	tu_assert_logged(&log, "libiommu_ctx_opts");
	tu_assert_logged(&log, "newer libiommu");
}
END_TEST

START_TEST(unknown_nonzero_tail_is_e2big_for_from_fd)
{
	struct tu_log log;
	struct newer_ctx_opts opts = { .base = tu_ctx_opts(&log, 0, NULL) };
	struct libiommu_ctx *ctx;

	opts.base.sz = sizeof(opts);
	opts.future_field = UINT64_C(1) << 63;
	tu_assert_err(libiommu_ctx_new_from_fd(0, LIBIOMMU_FD_BORROW,
					       &opts.base, &ctx),
		      -E2BIG);
}
END_TEST

START_TEST(sz_zero_is_einval)
{
	struct libiommu_ctx_opts opts = { .sz = 0, .path = MISSING };
	struct libiommu_ctx *ctx = (void *)1;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -EINVAL);
	ck_assert_ptr_null(ctx);
}
END_TEST

START_TEST(sz_smaller_than_sz_field_is_einval)
{
	struct libiommu_ctx_opts opts = { .sz = sizeof(size_t) - 1,
					  .path = MISSING };
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -EINVAL);
}
END_TEST

START_TEST(sz_too_small_is_einval_for_from_fd)
{
	struct libiommu_ctx_opts opts = { .sz = 4 };
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new_from_fd(0, LIBIOMMU_FD_BORROW, &opts,
					       &ctx),
		      -EINVAL);
}
END_TEST

START_TEST(sz_zero_does_not_read_log_fn)
{
	/* With sz 0 not even the log callback is known: nothing is called. */
	struct libiommu_ctx_opts opts = { .sz = 0, .path = MISSING, .log_fn = never_called };
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -EINVAL);
	ck_assert_int_eq(never_called_count, 0);
}
END_TEST

START_TEST(null_opts_mean_defaults)
{
	struct libiommu_ctx *ctx = NULL;
	int rc = libiommu_ctx_new(NULL, &ctx);

	/* Defaults: /dev/iommu, which is either there or not. */
	if (rc == 0)
		libiommu_ctx_free(ctx);
	else
		ck_assert_msg(rc == -ENOENT || rc == -EACCES,
			      "libiommu_ctx_new(NULL) = %d (%s)", rc,
			      strerror(-rc));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-opts");
	TCase *tc = tu_tcase(s, "opts");

	tcase_add_test(tc, full_size_opts_are_accepted);
	tcase_add_test(tc, older_smaller_struct_is_accepted);
	tcase_add_test(tc, fields_beyond_sz_are_not_read);
	tcase_add_test(tc, larger_struct_with_zero_tail_is_accepted);
	tcase_add_test(tc, unknown_nonzero_tail_is_e2big);
	tcase_add_test(tc, unknown_nonzero_tail_is_e2big_for_from_fd);
	tcase_add_test(tc, sz_zero_is_einval);
	tcase_add_test(tc, sz_smaller_than_sz_field_is_einval);
	tcase_add_test(tc, sz_too_small_is_einval_for_from_fd);
	tcase_add_test(tc, sz_zero_does_not_read_log_fn);
	tcase_add_test(tc, null_opts_mean_defaults);
	return tu_run(s);
}
