// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency, policy and KVM calls given NULL handles and pointers, and the
 * name/reason tables (host tier: no kernel needed).  Calls that can fail
 * return -EINVAL and set errno; getters and destructors accept NULL.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

START_TEST(null_reports_are_einval)
{
	struct libiommu_coherency *c = (struct libiommu_coherency *)1;
	struct libiommu_nosnoop_result r = { .sz = sizeof(r) };
	enum libiommu_coherency_reason why = LIBIOMMU_COHERENCY_REASON_ALREADY;
	char buf[8];

	tu_assert_err(libiommu_coherency_get_dev(NULL, &c), -EINVAL);
	tu_assert_err(libiommu_coherency_get_ioas(NULL, &c), -EINVAL);
	tu_assert_err(libiommu_coherency_get_kvm(NULL, &c), -EINVAL);
	tu_assert_err(libiommu_coherency_format(NULL, buf, sizeof(buf)), -EINVAL);
	tu_assert_err(libiommu_coherency_write(NULL, 1), -EINVAL);
	tu_assert_err(libiommu_coherency_set_nosnoop(NULL, false, &r), -EINVAL);
	tu_assert_err(libiommu_coherency_force_enable(NULL, "/dev/null", true, &why),
		      -EINVAL);
	ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_NONE);

	errno = 1234;
	libiommu_coherency_free(NULL);
	ck_assert_int_eq(errno, 1234);
}
END_TEST

START_TEST(null_report_getters_say_unknown)
{
	enum libiommu_coherency_answer needed = LIBIOMMU_COHERENCY_ANSWER_YES;
	enum libiommu_coherency_reason why = LIBIOMMU_COHERENCY_REASON_ALREADY;
	const char *text = NULL, *detail = NULL;
	uint32_t count = 7;

	ck_assert_str_eq(libiommu_coherency_name(NULL), "");
	ck_assert_uint_eq(libiommu_coherency_nr_members(NULL), 0);
	errno = 0;
	ck_assert_ptr_null(libiommu_coherency_member(NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(libiommu_coherency_iommu_can_block(NULL), LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(NULL), LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_int_eq(libiommu_coherency_dev_nosnoop(NULL), LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_int_eq(libiommu_coherency_box(NULL), 0);
	ck_assert_int_eq(libiommu_coherency_dma_coherent(NULL), LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(NULL, &needed),
			 LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_int_eq(needed, LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_int_eq(libiommu_coherency_default_policy(NULL),
			 LIBIOMMU_COHERENCY_POLICY_UNKNOWN);
	ck_assert_int_eq(libiommu_coherency_kvm_noncoherent(NULL, &count),
			 LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_uint_eq(count, 0);
	errno = 0;
	ck_assert_int_eq(libiommu_coherency_source(NULL, LIBIOMMU_COHERENCY_FIELD_BOX, &detail),
			 LIBIOMMU_COHERENCY_SOURCE_NONE);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(detail);
	errno = 0;
	ck_assert_int_eq(libiommu_coherency_change(NULL, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE,
						   &why, &text),
			 LIBIOMMU_COHERENCY_VERDICT_UNKNOWN);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_NONE);
	ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(null_kvm_calls_are_einval)
{
	struct libiommu_kvm *k = (struct libiommu_kvm *)1;
	uint32_t count;

	tu_assert_err(libiommu_kvm_new(NULL, 0, NULL, &k), -EINVAL);
	tu_assert_err(libiommu_kvm_add_dev(NULL, NULL), -EINVAL);
	tu_assert_err(libiommu_kvm_del_dev(NULL, NULL), -EINVAL);
	tu_assert_err(libiommu_kvm_noncoherent(NULL, &count), -EINVAL);
	tu_assert_err(libiommu_kvm_fd(NULL), -EINVAL);
	errno = 1234;
	libiommu_kvm_free(NULL);
	ck_assert_int_eq(errno, 1234);
}
END_TEST

START_TEST(every_name_and_reason_has_text)
{
	int i;

	for (i = LIBIOMMU_COHERENCY_ANSWER_UNKNOWN; i <= LIBIOMMU_COHERENCY_ANSWER_MIXED; i++)
		ck_assert_ptr_nonnull(libiommu_coherency_answer_name(i));
	ck_assert_str_eq(libiommu_coherency_answer_name(LIBIOMMU_COHERENCY_ANSWER_YES), "yes");
	ck_assert_ptr_null(libiommu_coherency_answer_name(LIBIOMMU_COHERENCY_ANSWER_MIXED + 1));
	for (i = LIBIOMMU_COHERENCY_SOURCE_NONE; i < LIBIOMMU_COHERENCY_SOURCE__COUNT; i++)
		ck_assert_msg(libiommu_coherency_source_name(i), "source %d has no name", i);
	ck_assert_str_eq(libiommu_coherency_source_name(LIBIOMMU_COHERENCY_SOURCE_HW_INFO), "hw-info");
	ck_assert_ptr_null(libiommu_coherency_source_name(LIBIOMMU_COHERENCY_SOURCE__COUNT));
	ck_assert_ptr_null(libiommu_coherency_source_name(-1));
	for (i = 0; i < LIBIOMMU_COHERENCY_CHANGE__COUNT; i++)
		ck_assert_ptr_nonnull(libiommu_coherency_change_name(i));
	ck_assert_ptr_null(libiommu_coherency_change_name(LIBIOMMU_COHERENCY_CHANGE__COUNT));
	for (i = LIBIOMMU_COHERENCY_VERDICT_UNKNOWN; i <= LIBIOMMU_COHERENCY_VERDICT_ALREADY; i++)
		ck_assert_ptr_nonnull(libiommu_coherency_verdict_name(i));
	ck_assert_ptr_null(libiommu_coherency_verdict_name(LIBIOMMU_COHERENCY_VERDICT_ALREADY + 1));
	for (i = 0; i < LIBIOMMU_COHERENCY_REASON__COUNT; i++) {
		const char *s = libiommu_coherency_reason_str(i);

		ck_assert_msg(s && *s, "reason %d has no text", i);
	}
	ck_assert_ptr_null(libiommu_coherency_reason_str(LIBIOMMU_COHERENCY_REASON__COUNT));
	ck_assert_ptr_null(libiommu_coherency_reason_str(-1));
	/* The RFC's rule in the kernel's words, verbatim: callers may look for it. */
	ck_assert_str_eq(libiommu_coherency_reason_str(LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES),
			 "iommufd enforces snoop whenever the IOMMU can; no uAPI lets user space opt out");
}
END_TEST

START_TEST(policy_values_match_the_module)
{
	/* The kernel default policy's numbers are the module's (kmod/). */
	ck_assert_int_eq(LIBIOMMU_COHERENCY_POLICY_UNKNOWN, 0);
	ck_assert_int_eq(LIBIOMMU_COHERENCY_POLICY_DISABLE, 1);
	ck_assert_int_eq(LIBIOMMU_COHERENCY_POLICY_ENABLE, 2);
	/* Coherency IOAS flags do not collide with the older one. */
	ck_assert_uint_eq(LIBIOMMU_IOAS_NONCOHERENT & LIBIOMMU_IOAS_NO_HUGE_PAGES, 0);
	ck_assert_uint_eq(LIBIOMMU_IOAS_REQUIRE_COHERENT &
				  (LIBIOMMU_IOAS_NO_HUGE_PAGES | LIBIOMMU_IOAS_NONCOHERENT),
			  0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("coh-args");
	TCase *tc = tu_tcase(s, "args");

	tcase_add_test(tc, null_reports_are_einval);
	tcase_add_test(tc, null_report_getters_say_unknown);
	tcase_add_test(tc, null_kvm_calls_are_einval);
	tcase_add_test(tc, every_name_and_reason_has_text);
	tcase_add_test(tc, policy_values_match_the_module);
	return tu_run(s);
}
