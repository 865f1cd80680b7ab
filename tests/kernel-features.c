// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How the library degrades on a kernel that lacks a feature (kernel tier,
 * QEMU's edu device bound to vfio-pci; no selftest mock, so it also runs on
 * Linux 6.12, where the mock cannot attach devices).  For each feature of
 * libiommu_ctx_has_feature() that a public function needs, the case asks
 * the probe and calls the function:
 *
 *   - feature absent: the call fails -EOPNOTSUPP and its logged message
 *     names the kernel command and the feature;
 *   - feature present: the call gets past the command to the next
 *     documented result for the input given (success, or the error the man
 *     page documents), and never the "feature missing" message.
 *
 * The vIOMMU family: libiommu_viommu_alloc() issues IOMMU_VIOMMU_ALLOC only
 * on a nest-parent HWPT (it returns -EINVAL for any other before the
 * ioctl, libiommu_viommu_alloc(3)).  QEMU's intel-iommu as the VM tier
 * configures it has no nesting, so no nest parent can be allocated for edu
 * and the command cannot be reached there: the case then asserts the
 * documented -EINVAL.  libiommu_vdevice_alloc(), libiommu_veventq_alloc()
 * and libiommu_hw_queue_alloc() need a vIOMMU handle, which nothing gives
 * without IOMMU_VIOMMU_ALLOC: their cases check that the probe answers
 * them consistently with "viommu" (all four came together after 6.12; none
 * can be present without it) and that the handle is required (-EINVAL);
 * where a vIOMMU can be had, the calls are made and checked as above.
 *
 * Each case prints one line "kernel-features: <release> <feature> has=<0|1>
 * rc=<return> msg=<the last logged message>" for the record.
 */
#include <sys/utsname.h>

#include "test-dev.h"

static struct libiommu_dev *dev;
static struct libiommu_hwpt *paging; /* a paging HWPT of edu on ioas */
static struct libiommu_hwpt *parent; /* a nest parent, NULL if none */
static int fds_before;

static void setup(void)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o) };
	int rc;

	fds_before = tu_count_fds();
	ioas_setup();
	dev = open_edu(ctx);
	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &paging));
	o.flags = LIBIOMMU_HWPT_NEST_PARENT;
	log_reset(&lg);
	rc = libiommu_hwpt_alloc(dev, ioas, &o, &parent);
	/* Only an IOMMU without nesting may refuse it. */
	ck_assert_msg(rc == 0 || rc == -EOPNOTSUPP,
		      "nest parent HWPT: %d (%s); log:\n%s", rc, strerror(-rc),
		      lg.all);
	if (rc)
		parent = NULL;
}

static void teardown(void)
{
	ioas_teardown(); /* frees the device and the HWPTs too */
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static const char *release(void)
{
	static struct utsname u;

	if (!u.release[0])
		ck_assert_int_eq(uname(&u), 0);
	return u.release;
}

static int has(enum libiommu_feature f)
{
	int h = libiommu_ctx_has_feature(ctx, f);

	ck_assert_msg(h == 0 || h == 1, "has_feature(%s): %d",
		      libiommu_feature_name(f), h);
	return h;
}

static void note(enum libiommu_feature f, int h, const char *call, int rc)
{
	printf("kernel-features: %s %s has=%d %s rc=%d (%s) msg=\"%s\"\n",
	       release(), libiommu_feature_name(f), h, call, rc,
	       rc ? strerror(-rc) : "ok", lg.count ? lg.msg : "");
	fflush(stdout);
}

/*
 * The call that needs @f (kernel command @cmd) returned @rc, its last
 * message in lg: absent -> -EOPNOTSUPP naming both; present -> @want and
 * no "feature missing" message.
 */
static void check(enum libiommu_feature f, int h, const char *cmd, int rc,
		  int want)
{
	char feat[64];

	snprintf(feat, sizeof(feat), "feature \"%s\"", libiommu_feature_name(f));
	if (!h) {
		ck_assert_msg(rc == -EOPNOTSUPP,
			      "%s absent: want -EOPNOTSUPP, got %d; log:\n%s",
			      feat, rc, lg.all);
		ck_assert_msg(lg.count > 0 && lg.level == LIBIOMMU_LOG_ERR,
			      "%s absent: no error logged; log:\n%s", feat,
			      lg.all);
		ck_assert_msg(strstr(lg.msg, feat) && strstr(lg.msg, cmd),
			      "%s absent: message lacks \"%s\" or \"%s\": %s",
			      feat, feat, cmd, lg.msg);
		return;
	}
	ck_assert_msg(!strstr(lg.all, feat),
		      "%s present, yet a message says it is missing:\n%s", feat,
		      lg.all);
	ck_assert_msg(rc == want, "%s present: %s returned %d (%s), want %d; log:\n%s",
		      feat, cmd, rc, strerror(-rc), want, lg.all);
}

/* vdevice, veventq and hw_queue came with viommu: none without it. */
static void check_with_viommu(enum libiommu_feature f, int h)
{
	int hv = has(LIBIOMMU_FEAT_VIOMMU);

	ck_assert_msg(hv || !h, "%s present without viommu",
		      libiommu_feature_name(f));
}

/* A vIOMMU of a type edu's IOMMU has not, on the nest parent, or NULL. */
static struct libiommu_viommu *some_viommu(void)
{
	struct libiommu_viommu_opts o = {
		.sz = sizeof(o),
		.type = LIBIOMMU_VIOMMU_TYPE_ARM_SMMUV3,
	};
	struct libiommu_viommu *v = NULL;

	if (!parent || !has(LIBIOMMU_FEAT_VIOMMU))
		return NULL;
	if (libiommu_viommu_alloc(dev, parent, &o, &v))
		return NULL;
	return v;
}

START_TEST(viommu_alloc_fails_eopnotsupp_only_when_the_kernel_lacks_viommu)
{
	struct libiommu_viommu_opts o = {
		.sz = sizeof(o),
		.type = LIBIOMMU_VIOMMU_TYPE_ARM_SMMUV3,
	};
	struct libiommu_viommu *v = NULL;
	int h = has(LIBIOMMU_FEAT_VIOMMU);
	int rc;

	/* A paging HWPT that is no nest parent: -EINVAL on every kernel. */
	log_reset(&lg);
	rc = libiommu_viommu_alloc(dev, paging, &o, &v);
	note(LIBIOMMU_FEAT_VIOMMU, h, "viommu_alloc(paging)", rc);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(v);
	tu_assert_logged(&lg, "not a nest parent");

	if (!parent) {
		printf("kernel-features: %s viommu: no nest parent HWPT (the IOMMU has no nesting): IOMMU_VIOMMU_ALLOC not reachable\n",
		       release());
		return;
	}
	/*
	 * On the nest parent the command is issued: absent -> the feature;
	 * present -> the kernel's answer for an SMMUv3 vIOMMU on VT-d.
	 */
	log_reset(&lg);
	rc = libiommu_viommu_alloc(dev, parent, &o, &v);
	note(LIBIOMMU_FEAT_VIOMMU, h, "viommu_alloc(nest parent)", rc);
	check(LIBIOMMU_FEAT_VIOMMU, h, "IOMMU_VIOMMU_ALLOC", rc,
	      rc == 0 ? 0 : -EOPNOTSUPP);
	if (h && rc)
		tu_assert_logged(&lg, "has no vIOMMU of type");
	libiommu_viommu_destroy(v);
}
END_TEST

START_TEST(vdevice_alloc_needs_a_viommu_and_degrades_with_it)
{
	struct libiommu_vdevice *vd = NULL;
	struct libiommu_viommu *v;
	int h = has(LIBIOMMU_FEAT_VDEVICE);
	int rc;

	check_with_viommu(LIBIOMMU_FEAT_VDEVICE, h);
	v = some_viommu();
	log_reset(&lg);
	rc = libiommu_vdevice_alloc(v, dev, 1, &vd);
	note(LIBIOMMU_FEAT_VDEVICE, h, v ? "vdevice_alloc" : "vdevice_alloc(no vIOMMU)",
	     rc);
	if (!v) {
		ck_assert_int_eq(rc, -EINVAL);
		return;
	}
	check(LIBIOMMU_FEAT_VDEVICE, h, "IOMMU_VDEVICE_ALLOC", rc, rc);
	libiommu_vdevice_destroy(vd);
}
END_TEST

START_TEST(veventq_alloc_needs_a_viommu_and_degrades_with_it)
{
	struct libiommu_veventq_opts o = {
		.sz = sizeof(o),
		.type = LIBIOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
		.depth = 16,
	};
	struct libiommu_veventq *q = NULL;
	struct libiommu_viommu *v;
	int h = has(LIBIOMMU_FEAT_VEVENTQ);
	int rc;

	check_with_viommu(LIBIOMMU_FEAT_VEVENTQ, h);
	v = some_viommu();
	log_reset(&lg);
	rc = libiommu_veventq_alloc(v, &o, &q);
	note(LIBIOMMU_FEAT_VEVENTQ, h, v ? "veventq_alloc" : "veventq_alloc(no vIOMMU)",
	     rc);
	if (!v) {
		ck_assert_int_eq(rc, -EINVAL);
		return;
	}
	check(LIBIOMMU_FEAT_VEVENTQ, h, "IOMMU_VEVENTQ_ALLOC", rc, rc);
	libiommu_veventq_destroy(q);
}
END_TEST

START_TEST(hw_queue_alloc_needs_a_viommu_and_degrades_with_it)
{
	struct libiommu_hw_queue_opts o = {
		.sz = sizeof(o),
		.type = LIBIOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV,
		.iova = 0x100000,
		.length = 0x1000,
	};
	struct libiommu_hw_queue *q = NULL;
	struct libiommu_viommu *v;
	int h = has(LIBIOMMU_FEAT_HW_QUEUE);
	int rc;

	check_with_viommu(LIBIOMMU_FEAT_HW_QUEUE, h);
	v = some_viommu();
	log_reset(&lg);
	rc = libiommu_hw_queue_alloc(v, &o, &q);
	note(LIBIOMMU_FEAT_HW_QUEUE, h,
	     v ? "hw_queue_alloc" : "hw_queue_alloc(no vIOMMU)", rc);
	if (!v) {
		ck_assert_int_eq(rc, -EINVAL);
		return;
	}
	check(LIBIOMMU_FEAT_HW_QUEUE, h, "IOMMU_HW_QUEUE_ALLOC", rc, rc);
	libiommu_hw_queue_destroy(q);
}
END_TEST

START_TEST(fault_queue_alloc_succeeds_or_names_fault_queue)
{
	struct libiommu_fault_queue *fq = NULL;
	int h = has(LIBIOMMU_FEAT_FAULT_QUEUE);
	int rc;

	log_reset(&lg);
	rc = libiommu_fault_queue_alloc(ctx, &fq);
	note(LIBIOMMU_FEAT_FAULT_QUEUE, h, "fault_queue_alloc", rc);
	check(LIBIOMMU_FEAT_FAULT_QUEUE, h, "IOMMU_FAULT_QUEUE_ALLOC", rc, 0);
	if (!rc)
		ck_assert_int_ge(libiommu_fault_queue_fd(fq), 0);
	libiommu_fault_queue_destroy(fq);
}
END_TEST

START_TEST(ioas_map_file_maps_a_memfd_or_names_ioas_map_file)
{
	int h = has(LIBIOMMU_FEAT_IOAS_MAP_FILE);
	uint64_t iova = 0;
	int fd, rc;

	fd = memfd_create("kernel-features", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)pgsz()), 0);
	log_reset(&lg);
	rc = libiommu_ioas_map_file(ioas, fd, 0, pgsz(), &iova,
				    LIBIOMMU_MAP_READ);
	note(LIBIOMMU_FEAT_IOAS_MAP_FILE, h, "ioas_map_file", rc);
	check(LIBIOMMU_FEAT_IOAS_MAP_FILE, h, "IOMMU_IOAS_MAP_FILE", rc, 0);
	if (!rc)
		expect_ok(libiommu_ioas_unmap(ioas, iova, pgsz(), NULL));
	close(fd);
}
END_TEST

START_TEST(change_process_succeeds_or_names_ioas_change_process)
{
	int h = has(LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS);
	int rc;

	/* Nothing is mapped: nothing to move, nothing in the way. */
	log_reset(&lg);
	rc = libiommu_ctx_change_process(ctx);
	note(LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS, h, "ctx_change_process", rc);
	check(LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS, h, "IOMMU_IOAS_CHANGE_PROCESS",
	      rc, 0);
}
END_TEST

START_TEST(set_dirty_tracking_reaches_the_hwpt_or_names_dirty_tracking)
{
	int h = has(LIBIOMMU_FEAT_DIRTY_TRACKING);
	int rc;

	/* Stopping on a HWPT without dirty tracking: documented -EINVAL. */
	log_reset(&lg);
	rc = libiommu_hwpt_set_dirty_tracking(paging, false);
	note(LIBIOMMU_FEAT_DIRTY_TRACKING, h, "hwpt_set_dirty_tracking", rc);
	check(LIBIOMMU_FEAT_DIRTY_TRACKING, h, "IOMMU_HWPT_SET_DIRTY_TRACKING",
	      rc, -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel-features");
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	if (!tu_backend_is_iommufd()) {
		printf("SKIP: the features are iommufd's; the %s backend has none of them\n",
		       tu_backend_label());
		return TU_EXIT_SKIP;
	}
	tc = tu_tcase(s, "kernel-features");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, viommu_alloc_fails_eopnotsupp_only_when_the_kernel_lacks_viommu);
	tcase_add_test(tc, vdevice_alloc_needs_a_viommu_and_degrades_with_it);
	tcase_add_test(tc, veventq_alloc_needs_a_viommu_and_degrades_with_it);
	tcase_add_test(tc, hw_queue_alloc_needs_a_viommu_and_degrades_with_it);
	tcase_add_test(tc, fault_queue_alloc_succeeds_or_names_fault_queue);
	tcase_add_test(tc, ioas_map_file_maps_a_memfd_or_names_ioas_map_file);
	tcase_add_test(tc, change_process_succeeds_or_names_ioas_change_process);
	tcase_add_test(tc, set_dirty_tracking_reaches_the_hwpt_or_names_dirty_tracking);
	return tu_run(s);
}
