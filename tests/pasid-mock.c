// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PASID success paths on the kernel's iommufd selftest mock (kernel tier,
 * CONFIG_IOMMUFD_TEST): QEMU's edu has no PASID, so the HWPTs the library
 * allocates with LIBIOMMU_HWPT_PASID (paging, nested on a HWPT, nested on
 * a vIOMMU) are attached to, replaced on and detached from a PASID of a
 * PASID-capable mock device through the mock's PASID commands (an adopted
 * device has no fd for the library's own PASID calls), and the kernel is
 * asked which HWPT the PASID is on after each step.  The kernel's rule
 * that the device's RID be on a PASID-capable HWPT too is met with a HWPT
 * of the library.  A HWPT made without the flag is refused for a PASID,
 * and one a PASID is on cannot be destroyed.  Skips (77) without /dev/iommu or the mock.
 */
#include "test-dev.h"

#define PASID 0x77

static struct libiommu_dev *dev;
static struct mock_dev md;
static int fds_before;

static const struct mock_hwpt_data nested_data = { .iotlb = MOCK_IOTLB_DEFAULT };

static void setup(void)
{
	int rc;

	fds_before = tu_count_fds();
	ioas_setup();
	/*
	 * A mock before PASID-capable mock devices (6.12's) refuses the flag
	 * with EINVAL: then a plain mock device, and each test checks that the
	 * library's PASID HWPT is refused with -EOPNOTSUPP naming the flag.
	 */
	rc = mock_attach_flags(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas),
			       MOCK_DEV_PASID, &md);
	if (rc == -EINVAL && mock_kernel_before(6, 15)) {
		printf("note: this kernel's mock has no PASID-capable devices\n");
		dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
		return;
	}
	ck_assert_msg(rc == 0, "mock_attach_flags(MOCK_DEV_PASID): %s", strerror(-rc));
	expect_ok(libiommu_dev_adopt_id(ctx, md.idev_id, &dev));
}

static void teardown(void)
{
	ioas_teardown();
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static int pasid(enum mock_pasid_op op, uint32_t pt_id)
{
	return mock_pasid(libiommu_ctx_fd(ctx), &md, op, PASID, pt_id);
}

/* Move the device's RID to @h (NULL: back to the IOAS's own HWPT). */
static void rid_to(struct libiommu_hwpt *h)
{
	ck_assert_int_eq(mock_replace(libiommu_ctx_fd(ctx), &md,
				      h ? libiommu_hwpt_id(h)
					: libiommu_ioas_id(ioas)),
			 0);
}

static void on(struct libiommu_hwpt *h)
{
	ck_assert_msg(pasid(MOCK_PASID_CHECK, h ? libiommu_hwpt_id(h) : 0) == 0,
		      "PASID %#x is not on HWPT %u", PASID,
		      h ? libiommu_hwpt_id(h) : 0);
}

/*
 * A PASID-capable HWPT on the IOAS (@flags more), or NULL when the kernel
 * cannot make one (before IOMMU_HWPT_ALLOC_PASID): then the library's
 * -EOPNOTSUPP names the flag.
 */
static struct libiommu_hwpt *pasid_hwpt(uint32_t flags)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_HWPT_PASID | flags };
	struct libiommu_hwpt *h = NULL;
	int rc;

	log_reset(&lg);
	rc = libiommu_hwpt_alloc(dev, ioas, &o, &h);
	if (rc == -EOPNOTSUPP) {
		ck_assert_msg(strstr(lg.msg, "PASID"), "%s", lg.msg);
		printf("note: the kernel makes no PASID HWPT: %s\n", lg.msg);
		return NULL;
	}
	ck_assert_msg(rc == 0, "%s", lg.all);
	return h;
}

START_TEST(pasid_attach_replace_detach_on_library_hwpts)
{
	struct libiommu_hwpt_opts no = {
		.sz = sizeof(no),
		.flags = LIBIOMMU_HWPT_PASID,
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_hwpt *paging, *parent, *nested = NULL;

	paging = pasid_hwpt(0);
	if (!paging)
		return;
	on(NULL);
	/* The RID on a HWPT that is no PASID HWPT: the kernel refuses. */
	ck_assert_int_eq(pasid(MOCK_PASID_ATTACH, libiommu_hwpt_id(paging)),
			 -EINVAL);
	rid_to(paging);
	ck_assert_int_eq(pasid(MOCK_PASID_ATTACH, libiommu_hwpt_id(paging)), 0);
	on(paging);
	/* The kernel holds the HWPT while a PASID is on it. */
	expect_err(libiommu_hwpt_destroy(paging), -EBUSY, "kernel says");

	parent = pasid_hwpt(LIBIOMMU_HWPT_NEST_PARENT);
	ck_assert_ptr_nonnull(parent);
	expect_ok(libiommu_hwpt_alloc_nested(dev, parent, &no, &nested));
	ck_assert_int_eq(pasid(MOCK_PASID_REPLACE, libiommu_hwpt_id(nested)), 0);
	on(nested);
	ck_assert_int_eq(pasid(MOCK_PASID_REPLACE, libiommu_hwpt_id(paging)), 0);
	on(paging);
	ck_assert_int_eq(pasid(MOCK_PASID_DETACH, 0), 0);
	on(NULL);
	rid_to(NULL);
	expect_ok(libiommu_hwpt_destroy(paging));
	expect_ok(libiommu_hwpt_destroy(nested));
	expect_ok(libiommu_hwpt_destroy(parent));
}
END_TEST

START_TEST(pasid_on_a_hwpt_nested_on_a_viommu)
{
	struct libiommu_viommu_opts vo = { .sz = sizeof(vo),
					   .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST };
	struct libiommu_hwpt_opts no = {
		.sz = sizeof(no),
		.flags = LIBIOMMU_HWPT_PASID,
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_hwpt *parent, *nested = NULL;
	struct libiommu_viommu *v = NULL;
	struct libiommu_vdevice *vd = NULL;

	parent = pasid_hwpt(LIBIOMMU_HWPT_NEST_PARENT);
	if (!parent)
		return;
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VIOMMU) != 1) {
		expect_err(libiommu_viommu_alloc(dev, parent, &vo, &v),
			   -EOPNOTSUPP, "feature \"viommu\"");
		return;
	}
	expect_ok(libiommu_viommu_alloc(dev, parent, &vo, &v));
	expect_ok(libiommu_viommu_alloc_hwpt(v, dev, &no, &nested));
	expect_ok(libiommu_vdevice_alloc(v, dev, 0x5, &vd));
	rid_to(parent);
	ck_assert_int_eq(pasid(MOCK_PASID_ATTACH, libiommu_hwpt_id(nested)), 0);
	on(nested);
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "nested HWPT");
	ck_assert_int_eq(pasid(MOCK_PASID_DETACH, 0), 0);
	on(NULL);
	rid_to(NULL);
	expect_ok(libiommu_hwpt_destroy(nested));
	expect_ok(libiommu_vdevice_destroy(vd));
	expect_ok(libiommu_viommu_destroy(v));
}
END_TEST

START_TEST(a_hwpt_without_the_pasid_flag_is_refused_for_a_pasid)
{
	struct libiommu_hwpt *plain = NULL, *ph = pasid_hwpt(0);

	if (!ph)
		return; /* a kernel without PASID HWPTs refuses none */
	rid_to(ph);
	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &plain));
	ck_assert_int_eq(pasid(MOCK_PASID_ATTACH, libiommu_hwpt_id(plain)),
			 -EINVAL);
	on(NULL);
	rid_to(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pasid-mock");
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	tc = tu_tcase(s, "mock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pasid_attach_replace_detach_on_library_hwpts);
	tcase_add_test(tc, pasid_on_a_hwpt_nested_on_a_viommu);
	tcase_add_test(tc, a_hwpt_without_the_pasid_flag_is_refused_for_a_pasid);
	return tu_run(s);
}
