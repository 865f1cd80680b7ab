/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Coherency truth on the mock backend, whose "kernel" reuses an auto-HWPT
 * for any compatible device like iommufd does: where the library places a
 * device, that what it reports is the HWPT's real enforcement (the mock's
 * truth), that the IOAS policies hold on every path into an IOAS, what the
 * column says for writable and hard-wired Enable No Snoop, and that a
 * failed read fails the report instead of turning into "unknown".
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mockutil.h"

#define YES LIBIOMMU_COHERENCY_ANSWER_YES
#define NO LIBIOMMU_COHERENCY_ANSWER_NO
#define UNK LIBIOMMU_COHERENCY_ANSWER_UNKNOWN

static struct tu_log lg;
static struct libiommu_ctx *ctx;

/* a: its IOMMU can enforce; b: cannot (same IOMMU instance, like a
 * force-enabled device); c: another instance, can enforce */
static void setup(void)
{
	ctx = mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(ctx, "a", 1, true);
	mu_add_dev(ctx, "b", 1, false);
	mu_add_dev(ctx, "c", 2, true);
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
}

static struct libiommu_ioas *ioas_with(uint32_t flags)
{
	struct libiommu_ioas_opts o = LIBIOMMU_OPTS(libiommu_ioas_opts, .flags = flags);
	struct libiommu_ioas *ioas = NULL;

	ck_assert_int_eq(libiommu_ioas_alloc(ctx, &o, &ioas), 0);
	return ioas;
}

static struct libiommu_coherency *report(struct libiommu_dev *d)
{
	struct libiommu_coherency *c = NULL;
	int rc = libiommu_coherency_get_dev(d, &c);

	ck_assert_msg(rc == 0, "libiommu_coherency_get_dev: %s; log:\n%s",
		      strerror(-rc), lg.all);
	return c;
}

/* The library's answer for "IOMMU blocks no-snoop now" equals the mock's. */
static void assert_truth(struct libiommu_dev *d)
{
	struct libiommu_coherency *c = report(d);
	enum libiommu_coherency_answer enf;
	uint32_t truth_id = 0;
	int truth = lu_mock_dev_enforced(ctx, libiommu_dev_id(d), &truth_id);
	const char *det;

	ck_assert_int_ge(truth, 0);
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), truth ? YES : NO);
	ck_assert_uint_eq(libiommu_coherency_hwpt_id(c, &enf), truth_id);
	ck_assert_int_eq(enf, truth ? YES : NO);
	ck_assert_int_eq(libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, &det),
			 LIBIOMMU_COHERENCY_SOURCE_HWPT);
	libiommu_coherency_free(c);
}

START_TEST(the_library_never_places_a_device_that_can_enforce_on_a_hwpt_that_does_not)
{
	struct libiommu_ioas *ioas = ioas_with(0);
	struct libiommu_dev *b = mu_open(ctx, "b"), *a = mu_open(ctx, "a");
	uint32_t ha = 0, hb = 0;

	/* b first: the kernel alone would make a non-enforcing HWPT for b
	 * and reuse it for a */
	ck_assert_int_eq(libiommu_dev_attach_ioas(b, ioas), 0);
	ck_assert_int_eq(libiommu_dev_attach_ioas(a, ioas), 0);
	ck_assert_int_eq(lu_mock_dev_enforced(ctx, libiommu_dev_id(a), &ha), 1);
	ck_assert_int_eq(lu_mock_dev_enforced(ctx, libiommu_dev_id(b), &hb), 0);
	ck_assert_uint_ne(ha, hb);
	assert_truth(a);
	assert_truth(b);
	libiommu_dev_free(a);
	libiommu_dev_free(b);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(devices_that_can_enforce_share_one_placed_hwpt_per_iommu)
{
	struct libiommu_ioas *ioas = ioas_with(0);
	struct libiommu_dev *a = mu_open(ctx, "a"), *c = mu_open(ctx, "c");
	struct libiommu_dev *a2;
	uint32_t h1 = 0, h2 = 0, h3 = 0;

	mu_add_dev(ctx, "a2", 1, true);
	a2 = mu_open(ctx, "a2");
	ck_assert_int_eq(libiommu_dev_attach_ioas(a, ioas), 0);
	ck_assert_int_eq(libiommu_dev_attach_ioas(c, ioas), 0);
	ck_assert_int_eq(libiommu_dev_attach_ioas(a2, ioas), 0);
	lu_mock_dev_enforced(ctx, libiommu_dev_id(a), &h1);
	lu_mock_dev_enforced(ctx, libiommu_dev_id(c), &h2);
	lu_mock_dev_enforced(ctx, libiommu_dev_id(a2), &h3);
	/* same IOMMU, same enforcement: shared; another IOMMU: its own */
	ck_assert_uint_eq(h1, h3);
	ck_assert_uint_ne(h1, h2);
	/* the placed HWPT goes with its last device */
	libiommu_dev_free(a);
	libiommu_dev_free(a2);
	libiommu_dev_free(c);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(with_the_kernel_placing_the_report_says_the_truth_and_the_hazard)
{
	struct libiommu_ioas *ioas = ioas_with(LIBIOMMU_IOAS_KERNEL_HWPT);
	struct libiommu_dev *b = mu_open(ctx, "b"), *a = mu_open(ctx, "a");
	struct libiommu_coherency *c;
	uint32_t ha = 0, hb = 0;
	const char *det;

	ck_assert_int_eq(libiommu_dev_attach_ioas(b, ioas), 0);
	ck_assert_int_eq(libiommu_dev_attach_ioas(a, ioas), 0);
	/* the mock, like iommufd, reused b's non-enforcing HWPT for a */
	ck_assert_int_eq(lu_mock_dev_enforced(ctx, libiommu_dev_id(a), &ha), 0);
	lu_mock_dev_enforced(ctx, libiommu_dev_id(b), &hb);
	ck_assert_uint_eq(ha, hb);
	assert_truth(a);
	c = report(a);
	ck_assert_int_eq(libiommu_coherency_iommu_can_block(c), YES);
	libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, &det);
	ck_assert_msg(strstr(det, "made for device") != NULL, "%s", det);
	/* Enable No Snoop is writable on the mock: box 3, and VFIO will tell
	 * KVM "coherent" (a's IOMMU can enforce): the hazard */
	ck_assert_int_eq(libiommu_coherency_box(c), 3);
	ck_assert_int_eq(libiommu_coherency_dma_coherent(c), NO);
	ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(c, NULL), NO);
	ck_assert_int_eq(libiommu_coherency_kvm_hazard(c), YES);
	tu_assert_logged(&lg, "coherency hazard");
	libiommu_coherency_free(c);
	libiommu_dev_free(a);
	libiommu_dev_free(b);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
}
END_TEST

START_TEST(a_device_not_attached_is_reported_by_its_capability)
{
	struct libiommu_dev *b = mu_open(ctx, "b");
	struct libiommu_coherency *c = report(b);

	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), UNK);
	ck_assert_int_eq(libiommu_coherency_iommu_can_block(c), NO);
	ck_assert_uint_eq(libiommu_coherency_hwpt_id(c, NULL), 0);
	/* writable Enable No Snoop: "may issue"; box 3, which KVM emulates */
	ck_assert_int_eq(libiommu_coherency_box(c), 3);
	ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(c, NULL), YES);
	ck_assert_int_eq(libiommu_coherency_kvm_hazard(c), NO);
	libiommu_coherency_free(c);
	libiommu_dev_free(b);
}
END_TEST

/* Every way into a REQUIRE_COHERENT IOAS is shut to a device that cannot
 * be forced to snoop, and a refusal leaves nothing attached or allocated. */
START_TEST(require_coherent_holds_on_every_path)
{
	struct libiommu_ioas *req = ioas_with(LIBIOMMU_IOAS_REQUIRE_COHERENT);
	struct libiommu_ioas *plain = ioas_with(0);
	struct libiommu_dev *a = mu_open(ctx, "a"), *b = mu_open(ctx, "b");
	struct libiommu_hwpt *ha = NULL, *hb = NULL, *hp = NULL;
	struct libiommu_hwpt_opts par = LIBIOMMU_OPTS(libiommu_hwpt_opts,
						      .flags = LIBIOMMU_HWPT_NEST_PARENT);
	struct libiommu_ioas *got = NULL;
	struct lu_mock_stats st0, st;

	/* a can: in it goes */
	ck_assert_int_eq(libiommu_dev_attach_ioas(a, req), 0);
	ck_assert_int_eq(libiommu_hwpt_alloc(a, req, &par, &ha), 0);
	lu_mock_stats(ctx, &st0);
	/* b cannot: attach_ioas, hwpt_alloc, attach_hwpt, PASID, replace */
	tu_assert_err(libiommu_dev_attach_ioas(b, req), -EPERM);
	tu_assert_logged(&lg, "requires coherent DMA (LIBIOMMU_IOAS_REQUIRE_COHERENT)");
	tu_assert_err(libiommu_hwpt_alloc(b, req, NULL, &hb), -EPERM);
	ck_assert_ptr_null(hb);
	tu_assert_err(libiommu_dev_pasid_attach_ioas(b, 5, req), -EPERM);
	ck_assert_int_eq(libiommu_dev_attach_ioas(b, plain), 0);
	tu_assert_err(libiommu_dev_attach_ioas(b, req), -EPERM); /* replace */
	ck_assert_int_eq(libiommu_dev_get_attached(b, LIBIOMMU_NO_PASID, &got, NULL, NULL), 1);
	ck_assert_ptr_eq(got, plain);
	/* a HWPT of the IOAS that enforces: the IOMMU itself refuses b */
	ck_assert_int_ne(libiommu_dev_attach_hwpt(b, ha), 0);
	ck_assert_int_eq(libiommu_dev_get_attached(b, LIBIOMMU_NO_PASID, &got, NULL, NULL), 1);
	ck_assert_ptr_eq(got, plain);
	/* a non-enforcing HWPT of another IOAS takes a (the kernel allows
	 * it): the report tells (not this test's business); nothing else
	 * came into req */
	ck_assert_int_eq(libiommu_hwpt_alloc(b, plain, &par, &hp), 0);
	lu_mock_stats(ctx, &st);
	ck_assert_uint_eq(st.hwpts, st0.hwpts + 1 /* hp */ + 1 /* b on plain */);
	libiommu_dev_free(b);
	libiommu_dev_free(a);
	ck_assert_int_eq(libiommu_hwpt_destroy(hp), 0);
	ck_assert_int_eq(libiommu_hwpt_destroy(ha), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(req), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(plain), 0);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(noncoherent_holds_on_every_path)
{
	struct libiommu_ioas *nc = ioas_with(LIBIOMMU_IOAS_NONCOHERENT);
	struct libiommu_dev *a = mu_open(ctx, "a"), *b = mu_open(ctx, "b");
	struct libiommu_hwpt *h = NULL;

	ck_assert_int_eq(libiommu_dev_attach_ioas(b, nc), 0);
	ck_assert_int_eq(libiommu_hwpt_alloc(b, nc, NULL, &h), 0);
	tu_assert_err(libiommu_dev_attach_ioas(a, nc), -EOPNOTSUPP);
	tu_assert_logged(&lg, "LIBIOMMU_IOAS_NONCOHERENT");
	tu_assert_err(libiommu_dev_pasid_attach_ioas(a, 3, nc), -EOPNOTSUPP);
	tu_assert_err(libiommu_hwpt_alloc(a, nc, NULL, &h), -EOPNOTSUPP);
	libiommu_dev_free(a);
	libiommu_dev_free(b);
}
END_TEST

START_TEST(policy_flags_do_not_go_with_kernel_placement)
{
	struct libiommu_ioas_opts o = LIBIOMMU_OPTS(libiommu_ioas_opts,
						    .flags = LIBIOMMU_IOAS_REQUIRE_COHERENT | LIBIOMMU_IOAS_KERNEL_HWPT);
	struct libiommu_ioas *ioas = NULL;

	tu_assert_err(libiommu_ioas_alloc(ctx, &o, &ioas), -EINVAL);
	ck_assert_ptr_null(ioas);
}
END_TEST

START_TEST(the_column_counts_a_writable_bit_and_the_probe_restores_it)
{
	struct lu_mock_dev_cfg hw = { .name = "hw", .iommu = 1, .can_enforce = true, .pcie = true, .nosnoop_writable = false };
	struct lu_mock_dev_cfg np = { .name = "np", .iommu = 1, .can_enforce = true };
	struct libiommu_dev *a, *dh, *dn;
	struct libiommu_coherency *c;
	uint16_t devctl = 0xffff;
	const char *det;

	ck_assert_int_eq(lu_mock_add_dev(ctx, &hw), 0);
	ck_assert_int_eq(lu_mock_add_dev(ctx, &np), 0);
	a = mu_open(ctx, "a");
	dh = mu_open(ctx, "hw");
	dn = mu_open(ctx, "np");
	/* clear but writable: may issue (a guest can set it) */
	c = report(a);
	ck_assert_int_eq(libiommu_coherency_dev_nosnoop(c), YES);
	libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP, &det);
	ck_assert_msg(strstr(det, "writable") != NULL, "%s", det);
	libiommu_coherency_free(c);
	ck_assert_int_eq(libiommu_dev_region_read(a, LIBIOMMU_PCI_CONFIG_REGION, 0x48, &devctl, 2), 0);
	ck_assert_uint_eq(devctl, 0);
	/* hard-wired 0: never */
	c = report(dh);
	ck_assert_int_eq(libiommu_coherency_dev_nosnoop(c), NO);
	ck_assert_int_eq(libiommu_coherency_box(c), 2);
	libiommu_coherency_free(c);
	/* no PCIe capability: not proven */
	c = report(dn);
	ck_assert_int_eq(libiommu_coherency_dev_nosnoop(c), UNK);
	ck_assert_int_eq(libiommu_coherency_box(c), 0);
	libiommu_coherency_free(c);
	libiommu_dev_free(a);
	libiommu_dev_free(dh);
	libiommu_dev_free(dn);
}
END_TEST

/* At every N, a report whose Nth backend call fails fails with that
 * error, or (the call was not on its way) equals the report without it. */
/* force_enable takes a VFIO device cdev, nothing else that opens. */
START_TEST(force_enable_refuses_what_is_not_a_vfio_cdev)
{
	enum libiommu_coherency_reason why;
	char path[] = "/tmp/libiommu-not-a-device-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	tu_assert_err(libiommu_coherency_force_enable(ctx, "/dev/null", true, &why), -ENOTTY);
	ck_assert_msg(strstr(lg.msg, "/dev/null is not a VFIO device cdev"), "%s", lg.msg);
	tu_assert_err(libiommu_coherency_force_enable(ctx, "/dev/null", false, &why), -ENOTTY);
	tu_assert_err(libiommu_coherency_force_enable(ctx, path, false, &why), -ENOTTY);
	unlink(path);
	/* what does not even open read-write: a directory (EISDIR) */
	tu_assert_err(libiommu_coherency_force_enable(ctx, "/", true, &why), -ENOTTY);
	ck_assert_msg(strstr(lg.msg, "/ is not a VFIO device cdev"), "%s", lg.msg);
}
END_TEST

START_TEST(a_failed_read_fails_the_report)
{
	struct libiommu_ioas *ioas = ioas_with(0);
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_coherency *base, *c;
	char want[4096], got[4096];
	unsigned long n, failed = 0;
	int rc;

	ck_assert_int_eq(libiommu_dev_attach_ioas(a, ioas), 0);
	base = report(a);
	libiommu_coherency_format(base, want, sizeof(want));
	for (n = 1; n <= 40; n++) {
		lu_mock_fail_nth(ctx, n, -ENOMEM);
		c = NULL;
		rc = libiommu_coherency_get_dev(a, &c);
		lu_mock_fail_nth(ctx, 0, 0);
		if (rc) {
			ck_assert_int_eq(rc, -ENOMEM);
			ck_assert_ptr_null(c);
			failed++;
			continue;
		}
		libiommu_coherency_format(c, got, sizeof(got));
		ck_assert_str_eq(got, want);
		libiommu_coherency_free(c);
	}
	ck_assert_uint_gt(failed, 0);
	libiommu_coherency_free(base);
	libiommu_dev_free(a);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mock-coherency");
	TCase *tc = tu_tcase(s, "coherency");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_library_never_places_a_device_that_can_enforce_on_a_hwpt_that_does_not);
	tcase_add_test(tc, devices_that_can_enforce_share_one_placed_hwpt_per_iommu);
	tcase_add_test(tc, with_the_kernel_placing_the_report_says_the_truth_and_the_hazard);
	tcase_add_test(tc, a_device_not_attached_is_reported_by_its_capability);
	tcase_add_test(tc, require_coherent_holds_on_every_path);
	tcase_add_test(tc, noncoherent_holds_on_every_path);
	tcase_add_test(tc, policy_flags_do_not_go_with_kernel_placement);
	tcase_add_test(tc, the_column_counts_a_writable_bit_and_the_probe_restores_it);
	tcase_add_test(tc, a_failed_read_fails_the_report);
	tcase_add_test(tc, force_enable_refuses_what_is_not_a_vfio_cdev);
	return tu_run(s);
}
