/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * White-box test of lu_opts_check() (lib/opts.c compiled into this
 * program): the size rules every options struct of the library follows.
 */
#include <string.h>

#include "internal.h"
#include "testutil.h"

struct v1_opts {
	size_t sz;
	uint32_t a;
	uint32_t b;
};

struct v2_opts {
	size_t sz;
	uint32_t a;
	uint32_t b;
	uint64_t c;
	uint64_t d;
};

static struct tu_log cap;
static struct libiommu_ctx ctx = {
	.fd = -1,
	.log.fn = tu_log_capture,
	.log.userdata = &cap,
	.log.level = LIBIOMMU_LOG_DEBUG,
};

static int check(const void *opts, size_t sz)
{
	return lu_opts_check(&ctx, opts, sz, sizeof(struct v1_opts), "v1_opts");
}

START_TEST(null_opts_are_valid)
{
	ck_assert_int_eq(check(NULL, 0), 0);
	ck_assert_int_eq(cap.count, 0);
}
END_TEST

START_TEST(exact_size_is_valid)
{
	struct v1_opts o = { .sz = sizeof(o), .a = 1, .b = 2 };

	ck_assert_int_eq(check(&o, o.sz), 0);
	ck_assert_int_eq(cap.count, 0);
}
END_TEST

START_TEST(smaller_size_from_older_caller_is_valid)
{
	struct v1_opts o = { .sz = offsetof(struct v1_opts, b), .a = 1 };

	ck_assert_int_eq(check(&o, o.sz), 0);
}
END_TEST

START_TEST(only_sz_field_is_valid)
{
	struct v1_opts o = { .sz = sizeof(size_t) };

	ck_assert_int_eq(check(&o, o.sz), 0);
}
END_TEST

START_TEST(larger_size_with_zero_tail_is_valid)
{
	struct v2_opts o = { .sz = sizeof(o), .a = 1, .b = 2 };

	ck_assert_int_eq(check(&o, o.sz), 0);
}
END_TEST

START_TEST(nonzero_last_byte_of_tail_is_e2big_and_logged)
{
	struct v2_opts o = { .sz = sizeof(o) };

	((unsigned char *)&o)[sizeof(o) - 1] = 0x80;
	tu_assert_err(check(&o, o.sz), -E2BIG);
	ck_assert_int_eq(cap.count, 1);
	ck_assert_int_eq(cap.level, LIBIOMMU_LOG_ERR);
	tu_assert_logged(&cap, "struct v1_opts");
	tu_assert_logged(&cap, "byte 31");
}
END_TEST

START_TEST(nonzero_first_byte_of_tail_is_e2big)
{
	struct v2_opts o = { .sz = sizeof(o), .c = 1 };

	tu_assert_err(check(&o, o.sz), -E2BIG);
}
END_TEST

START_TEST(nonzero_bytes_beyond_sz_are_not_read)
{
	struct v2_opts o = { .sz = sizeof(struct v1_opts), .c = 1, .d = 2 };

	ck_assert_int_eq(check(&o, o.sz), 0);
}
END_TEST

START_TEST(sz_zero_is_einval_and_logged)
{
	struct v1_opts o = { .sz = 0 };

	tu_assert_err(check(&o, o.sz), -EINVAL);
	ck_assert_int_eq(cap.count, 1);
	ck_assert_int_eq(cap.level, LIBIOMMU_LOG_ERR);
	tu_assert_logged(&cap, "sizeof(struct v1_opts)");
}
END_TEST

START_TEST(sz_below_sizeof_size_t_is_einval)
{
	struct v1_opts o = { .sz = sizeof(size_t) - 1 };

	tu_assert_err(check(&o, o.sz), -EINVAL);
}
END_TEST

START_TEST(macro_check_uses_callers_sz)
{
	struct v2_opts o = { .sz = sizeof(o), .d = 5 };
	const struct v1_opts *p = (const void *)&o;

	/* LU_OPTS_CHECK passes the struct's own sz and the end of its last field. */
	tu_assert_err(LU_OPTS_CHECK(&ctx, p, v1_opts, b), -E2BIG);
}
END_TEST

/* A struct whose last field leaves tail padding: sizeof is 16, 12 known. */
struct padded_opts {
	size_t sz;
	uint32_t flags;
};

START_TEST(garbage_in_tail_padding_is_e2big)
{
	struct padded_opts o;
	const struct padded_opts *p = &o;

	_Static_assert(sizeof(struct padded_opts) == 16, "tail padding");
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	ck_assert_int_eq(LU_OPTS_CHECK(&ctx, p, padded_opts, flags), 0);
	/* A byte no field covers: a field added there later would read it. */
	((unsigned char *)&o)[lu_offsetofend(struct padded_opts, flags)] = 0x5a;
	tu_assert_err(LU_OPTS_CHECK(&ctx, p, padded_opts, flags), -E2BIG);
	tu_assert_logged(&cap, "byte 12");
}
END_TEST

START_TEST(opts_get_returns_default_for_fields_beyond_sz)
{
	struct v1_opts o = { .sz = offsetof(struct v1_opts, b), .a = 7, .b = 9 };
	const struct v1_opts *p = &o;

	ck_assert_int_eq(LU_OPTS_GET(p, a, 1), 7);
	ck_assert_int_eq(LU_OPTS_GET(p, b, 3), 3);
	p = NULL;
	ck_assert_int_eq(LU_OPTS_GET(p, a, 1), 1);
}
END_TEST

static void reset_log(void)
{
	memset(&cap, 0, sizeof(cap));
}

int main(void)
{
	Suite *s = suite_create("opts-check");
	TCase *tc = tu_tcase(s, "lu_opts_check");

	tcase_add_checked_fixture(tc, reset_log, NULL);
	tcase_add_test(tc, null_opts_are_valid);
	tcase_add_test(tc, exact_size_is_valid);
	tcase_add_test(tc, smaller_size_from_older_caller_is_valid);
	tcase_add_test(tc, only_sz_field_is_valid);
	tcase_add_test(tc, larger_size_with_zero_tail_is_valid);
	tcase_add_test(tc, nonzero_last_byte_of_tail_is_e2big_and_logged);
	tcase_add_test(tc, nonzero_first_byte_of_tail_is_e2big);
	tcase_add_test(tc, nonzero_bytes_beyond_sz_are_not_read);
	tcase_add_test(tc, sz_zero_is_einval_and_logged);
	tcase_add_test(tc, sz_below_sizeof_size_t_is_einval);
	tcase_add_test(tc, macro_check_uses_callers_sz);
	tcase_add_test(tc, garbage_in_tail_padding_is_e2big);
	tcase_add_test(tc, opts_get_returns_default_for_fields_beyond_sz);
	return tu_run(s);
}
