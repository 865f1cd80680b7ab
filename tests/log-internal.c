/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * White-box test of lu_log()/lu_fail() (lib/log.c compiled into this
 * program): level filtering, NULL contexts, errno, long messages.
 */
#include <string.h>

#include "internal.h"
#include "testutil.h"

static struct tu_log cap;
static struct libiommu_ctx ctx;

static void setup(void)
{
	memset(&cap, 0, sizeof(cap));
	memset(&ctx, 0, sizeof(ctx));
	ctx.fd = -1;
	ctx.log.fn = tu_log_capture;
	ctx.log.userdata = &cap;
	ctx.log.level = LIBIOMMU_LOG_WARN;
}

static void clobber_errno(void *userdata, enum libiommu_log_level level,
			  const char *msg)
{
	errno = ENOSPC;
}

START_TEST(message_is_formatted_and_has_its_level)
{
	lu_log(&ctx, LIBIOMMU_LOG_WARN, "value %d in %s", 42, "here");
	ck_assert_int_eq(cap.count, 1);
	ck_assert_int_eq(cap.level, LIBIOMMU_LOG_WARN);
	ck_assert_str_eq(cap.msg, "value 42 in here");
}
END_TEST

START_TEST(levels_above_max_are_dropped)
{
	lu_info(&ctx, "info");
	lu_dbg(&ctx, "debug");
	ck_assert_int_eq(cap.count, 0);
}
END_TEST

START_TEST(levels_up_to_max_are_delivered)
{
	lu_err(&ctx, "e");
	lu_warn(&ctx, "w");
	ck_assert_int_eq(cap.count, 2);
	ck_assert_str_eq(cap.all, "e\nw\n");
}
END_TEST

START_TEST(debug_max_delivers_everything)
{
	ctx.log.level = LIBIOMMU_LOG_DEBUG;
	lu_err(&ctx, "e");
	lu_warn(&ctx, "w");
	lu_info(&ctx, "i");
	lu_dbg(&ctx, "d");
	ck_assert_int_eq(cap.count, 4);
	ck_assert_int_eq(cap.max_seen, LIBIOMMU_LOG_DEBUG);
}
END_TEST

START_TEST(null_ctx_is_silent)
{
	lu_err(NULL, "nobody hears this");
	tu_assert_err(lu_fail(NULL, EIO, "nor this"), -EIO);
	ck_assert_int_eq(cap.count, 0);
}
END_TEST

START_TEST(no_callback_is_silent)
{
	char buf[64];

	ctx.log.fn = NULL;
	tu_stderr_begin();
	lu_err(&ctx, "nobody hears this");
	ck_assert_uint_eq(tu_stderr_end(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(fail_accepts_positive_or_negative_errno)
{
	tu_assert_err(lu_fail(&ctx, EBUSY, "busy"), -EBUSY);
	tu_assert_err(lu_fail(&ctx, -EBUSY, "busy"), -EBUSY);
	ck_assert_int_eq(cap.count, 2);
	ck_assert_int_eq(cap.level, LIBIOMMU_LOG_ERR);
}
END_TEST

START_TEST(callback_cannot_change_errno)
{
	ctx.log.fn = clobber_errno;
	tu_assert_err(lu_fail(&ctx, EPERM, "x"), -EPERM);
	errno = EXDEV;
	lu_warn(&ctx, "y");
	ck_assert_int_eq(errno, EXDEV);
}
END_TEST

START_TEST(long_message_is_cut_with_ellipsis)
{
	char big[4000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lu_err(&ctx, "%s", big);
	ck_assert_int_eq(cap.count, 1);
	ck_assert_uint_lt(strlen(cap.msg), sizeof(big) - 1);
	ck_assert_str_eq(cap.msg + strlen(cap.msg) - 3, "...");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log-internal");
	TCase *tc = tu_tcase(s, "lu_log");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, message_is_formatted_and_has_its_level);
	tcase_add_test(tc, levels_above_max_are_dropped);
	tcase_add_test(tc, levels_up_to_max_are_delivered);
	tcase_add_test(tc, debug_max_delivers_everything);
	tcase_add_test(tc, null_ctx_is_silent);
	tcase_add_test(tc, no_callback_is_silent);
	tcase_add_test(tc, fail_accepts_positive_or_negative_errno);
	tcase_add_test(tc, callback_cannot_change_errno);
	tcase_add_test(tc, long_message_is_cut_with_ellipsis);
	return tu_run(s);
}
