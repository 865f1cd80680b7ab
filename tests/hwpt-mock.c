// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * HWPTs and adopted devices on the kernel's iommufd selftest mock (kernel
 * tier, CONFIG_IOMMUFD_TEST): the mock's hardware info, adopting a device
 * by id and what such a handle cannot do, nest-parent and nested HWPTs with
 * driver data, cache invalidation (entries consumed, partial failure),
 * destroy while in use, and a context freed with everything still open.
 * Skips (77) without /dev/iommu or the mock.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "test-dev.h"

static struct libiommu_dev *dev;
static struct mock_dev md;
static int fds_before;

static void setup(void)
{
	fds_before = tu_count_fds();
	ioas_setup();
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
}

static void teardown(void)
{
	ioas_teardown();
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static const struct mock_hwpt_data nested_data = { .iotlb = MOCK_IOTLB_DEFAULT };

static struct libiommu_hwpt *alloc_parent(void)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_HWPT_NEST_PARENT };
	struct libiommu_hwpt *h = NULL;

	expect_ok(libiommu_hwpt_alloc(dev, ioas, &o, &h));
	return h;
}

static struct libiommu_hwpt *alloc_nested(struct libiommu_hwpt *parent)
{
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_hwpt *h = NULL;

	expect_ok(libiommu_hwpt_alloc_nested(dev, parent, &o, &h));
	return h;
}

static void check_iotlb(struct libiommu_hwpt *h, uint32_t entry, uint32_t val)
{
	int rc = mock_check_iotlb(libiommu_ctx_fd(ctx), libiommu_hwpt_id(h),
				  entry, val);

	ck_assert_msg(rc == 0, "IOTLB entry %u of HWPT %u is not 0x%x", entry,
		      libiommu_hwpt_id(h), val);
}

START_TEST(mock_hw_info)
{
	struct libiommu_hw_info info = { .sz = sizeof(info) };
	struct libiommu_dev *pd;
	struct mock_dev md2;
	uint32_t buf[4], len = sizeof(buf), type = 0;

	expect_ok(libiommu_dev_get_hw_info(dev, &info));
	ck_assert_uint_eq(info.type, LIBIOMMU_HW_TYPE_SELFTEST);
	ck_assert_uint_eq(info.regs.selftest.test_reg, MOCK_HW_INFO_REGVAL);
	ck_assert(info.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING);
	ck_assert_uint_eq(info.features_known, 0);
	ck_assert_uint_eq(info.max_pasid_log2, 0);

	expect_ok(libiommu_dev_get_hw_info_raw(dev, 0, buf, &len, &type));
	ck_assert_uint_eq(type, MOCK_HW_INFO_TYPE);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(buf[1], MOCK_HW_INFO_REGVAL);
	len = sizeof(buf);
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VIOMMU) != 1) {
		/*
		 * Of the kernels the VM tier runs, 6.12 (the one without
		 * vIOMMUs) cannot be asked for a chosen type: the library
		 * says so and what still works.
		 */
		expect_err(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_SELFTEST,
							buf, &len, &type),
			   -EOPNOTSUPP, "no IOMMU_HW_INFO_FLAG_INPUT_TYPE");
		ck_assert_msg(strstr(lg.msg, "only LIBIOMMU_HW_TYPE_DEFAULT works"),
			      "%s", lg.msg);
		return;
	}
	expect_ok(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_SELFTEST,
					       buf, &len, &type));
	len = sizeof(buf);
	expect_err(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_INTEL_VTD,
						buf, &len, &type),
		   -EOPNOTSUPP, "does not report data of type intel-vtd");

	/* A mock device with PASID support reports its 20 PASID bits. */
	pd = adopt_mock(ctx, libiommu_ioas_id(ioas), MOCK_DEV_PASID, &md2);
	expect_ok(libiommu_dev_get_hw_info(pd, &info));
	ck_assert_uint_eq(info.max_pasid_log2, 20);
}
END_TEST

START_TEST(adopted_device_limits)
{
	struct libiommu_dev *d2 = (struct libiommu_dev *)1;
	struct libiommu_region_info ri = { .sz = sizeof(ri) };
	char b[4];
	void *p;

	ck_assert_uint_eq(libiommu_dev_id(dev), md.idev_id);
	ck_assert_ptr_eq(libiommu_dev_ctx(dev), ctx);
	tu_assert_err(libiommu_dev_fd(dev), -EBADF);
	expect_err(libiommu_dev_attach_ioas(dev, ioas), -EBADF, "adopted");
	expect_err(libiommu_dev_detach(dev), -EBADF, "adopted");
	expect_err(libiommu_dev_pasid_detach(dev, 1), -EBADF, "adopted");
	expect_err(libiommu_dev_region_info(dev, 0, &ri), -EBADF, "adopted");
	expect_err(libiommu_dev_region_read(dev, 7, 0, b, 1), -EBADF, "adopted");
	expect_err(libiommu_dev_region_mmap(dev, 0, 0, pgsz(),
					    LIBIOMMU_REGION_READ, &p),
		   -EBADF, "adopted");

	expect_err(libiommu_dev_adopt_id(ctx, md.idev_id, &d2), -EEXIST,
		   "already has a handle");
	ck_assert_ptr_null(d2);
	expect_err(libiommu_dev_adopt_id(ctx, libiommu_ioas_id(ioas), &d2),
		   -ENOENT, "not a bound device");
	expect_err(libiommu_dev_adopt_id(ctx, 0, &d2), -EINVAL, "not an iommufd object id");

	/* Freeing the handle leaves the device alone: its owner detaches it. */
	libiommu_dev_free(dev);
	dev = NULL;
	expect_err(libiommu_ioas_destroy(ioas), -EBUSY, "still in use");
	ck_assert_int_eq(mock_detach(libiommu_ctx_fd(ctx), &md), 0);
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

START_TEST(nested_alloc_and_invalidate)
{
	struct libiommu_hwpt *parent = alloc_parent(), *nested = alloc_nested(parent);
	struct mock_invalidate inv[3] = {
		{ .iotlb_id = 1 },
		{ .iotlb_id = 3 },
	};
	uint32_t n, i;

	ck_assert_uint_ne(libiommu_hwpt_id(nested), libiommu_hwpt_id(parent));
	for (i = 0; i < MOCK_IOTLB_ENTRIES; i++)
		check_iotlb(nested, i, MOCK_IOTLB_DEFAULT);

	n = 2;
	expect_ok(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE, inv,
					   sizeof(inv[0]), &n));
	ck_assert_uint_eq(n, 2);
	check_iotlb(nested, 0, MOCK_IOTLB_DEFAULT);
	check_iotlb(nested, 1, 0);
	check_iotlb(nested, 2, MOCK_IOTLB_DEFAULT);
	check_iotlb(nested, 3, 0);

	/* The second entry is bad: one consumed, and it took effect. */
	inv[0].iotlb_id = 0;
	inv[1].iotlb_id = 9;
	inv[2].iotlb_id = 2;
	n = 3;
	expect_err(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE, inv,
					    sizeof(inv[0]), &n),
		   -EINVAL, "entry 1 of 3");
	ck_assert_uint_eq(n, 1);
	check_iotlb(nested, 0, 0);
	check_iotlb(nested, 2, MOCK_IOTLB_DEFAULT);

	/* Zero entries: a valid no-op. */
	n = 0;
	expect_ok(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE,
					   NULL, 0, &n));
	ck_assert_uint_eq(n, 0);

	inv[0].flags = MOCK_INVALIDATE_ALL;
	n = 1;
	expect_ok(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE, inv,
					   sizeof(inv[0]), &n));
	ck_assert_uint_eq(n, 1);
	for (i = 0; i < MOCK_IOTLB_ENTRIES; i++)
		check_iotlb(nested, i, 0);

	/* Destroy order is enforced: nested first. */
	expect_err(libiommu_hwpt_destroy(parent), -EBUSY, "still used");
	expect_err(libiommu_ioas_destroy(ioas), -EBUSY, "still attached");
	expect_ok(libiommu_hwpt_destroy(nested));
	expect_ok(libiommu_hwpt_destroy(parent));
}
END_TEST

START_TEST(invalidate_errors)
{
	struct libiommu_hwpt *parent = alloc_parent(), *nested = alloc_nested(parent);
	struct mock_invalidate inv = { .flags = 1u << 5 };
	uint32_t n;

	n = 1;
	expect_err(libiommu_hwpt_invalidate(parent, MOCK_INVALIDATE_DATA_TYPE,
					    &inv, sizeof(inv), &n),
		   -EINVAL, "paging HWPT");
	ck_assert_uint_eq(n, 0);
	n = 1;
	expect_err(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE,
					    &inv, sizeof(inv), &n),
		   -EOPNOTSUPP, "flags");
	ck_assert_uint_eq(n, 0);
	n = 1;
	expect_err(libiommu_hwpt_invalidate(nested, LIBIOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
					    &inv, sizeof(inv), &n),
		   -EINVAL, "rejected");
	n = 2;
	expect_err(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE,
					    NULL, sizeof(inv), &n),
		   -EINVAL, "entries is NULL");
	expect_err(libiommu_hwpt_invalidate(nested, MOCK_INVALIDATE_DATA_TYPE,
					    &inv, sizeof(inv), NULL),
		   -EINVAL, "entry_num is NULL");
}
END_TEST

START_TEST(nested_alloc_errors)
{
	struct libiommu_hwpt *plain = NULL, *parent = alloc_parent(), *h = NULL;
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};

	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &plain));
	expect_err(libiommu_hwpt_alloc_nested(dev, plain, &o, &h), -EINVAL,
		   "not a nest parent");
	expect_err(libiommu_hwpt_alloc_nested(dev, parent, NULL, &h), -EINVAL,
		   "needs driver data");
	o.flags = LIBIOMMU_HWPT_DIRTY_TRACKING;
	expect_err(libiommu_hwpt_alloc_nested(dev, parent, &o, &h), -EINVAL,
		   "only LIBIOMMU_HWPT_PASID");
	o.flags = 0;
	o.data_type = LIBIOMMU_HWPT_DATA_VTD_S1; /* not the mock's format */
	expect_err(libiommu_hwpt_alloc_nested(dev, parent, &o, &h), -EOPNOTSUPP,
		   "cannot make a nested HWPT");
	ck_assert_ptr_null(h);
	/* A nested HWPT is no parent. */
	o.data_type = MOCK_HWPT_DATA_TYPE;
	expect_ok(libiommu_hwpt_alloc_nested(dev, parent, &o, &h));
	expect_err(libiommu_hwpt_alloc_nested(dev, h, &o, &plain), -EINVAL,
		   "not a nest parent");
	expect_err(libiommu_hwpt_set_dirty_tracking(h, true), -EINVAL, "nested");
}
END_TEST

START_TEST(paging_alloc_errors)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o), .flags = 1u << 9 };
	struct libiommu_hwpt *h = (struct libiommu_hwpt *)1;
	uint32_t x = 0;

	expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EINVAL, "unknown flag");
	ck_assert_ptr_null(h);
	o.flags = 0;
	o.data = &x;
	o.data_len = sizeof(x);
	expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EINVAL,
		   "data_type is LIBIOMMU_HWPT_DATA_NONE");
	o.data_type = 77;
	o.data = NULL;
	expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EINVAL,
		   "needs data and data_len");
	expect_err(libiommu_hwpt_alloc(dev, NULL, NULL, &h), -EINVAL, "ioas is NULL");
	expect_err(libiommu_hwpt_alloc(dev, ioas, NULL, NULL), -EINVAL, "out is NULL");
	/*
	 * 7.3's mock takes its own data type for paging HWPTs too; 6.12's
	 * takes none, and the library passes its refusal on, naming the type.
	 */
	o.data_type = MOCK_HWPT_DATA_TYPE;
	o.data = &nested_data;
	o.data_len = sizeof(nested_data);
	if (mock_kernel_before(6, 19)) {
		expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EOPNOTSUPP,
			   "cannot make a paging HWPT with flags [ ] and data type 57005");
		return;
	}
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &o, &h));
	expect_ok(libiommu_hwpt_destroy(h));
}
END_TEST

START_TEST(destroy_hwpt_used_outside_library_is_ebusy)
{
	struct libiommu_hwpt *h = NULL;
	struct mock_dev other;

	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &h));
	/* Another mock device attached straight to the HWPT by id. */
	ck_assert_int_eq(mock_attach(libiommu_ctx_fd(ctx), libiommu_hwpt_id(h),
				     &other),
			 0);
	expect_err(libiommu_hwpt_destroy(h), -EBUSY, "kernel says");
	ck_assert_int_eq(mock_detach(libiommu_ctx_fd(ctx), &other), 0);
	expect_ok(libiommu_hwpt_destroy(h));
}
END_TEST

/* Does object @id still exist on @fd? (IOMMU_DESTROY of it would succeed.) */
static bool object_exists(int fd, uint32_t id)
{
	struct {
		uint32_t size, id;
	} cmd = { 8, id };

	return ioctl(fd, _IO(';', 0x80), &cmd) == 0 || errno != ENOENT;
}

START_TEST(ctx_free_with_open_handles)
{
	struct libiommu_ctx_opts o = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_hwpt *parent, *nested, *paging = NULL;
	uint32_t pid, nid, gid;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	/* A borrowed fd survives the ctx, so what it left there can be seen. */
	ioas_teardown();
	expect_ok(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, &o, &ctx));
	ioas = new_ioas(ctx);
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	parent = alloc_parent();
	nested = alloc_nested(parent);
	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &paging));
	pid = libiommu_hwpt_id(parent);
	nid = libiommu_hwpt_id(nested);
	gid = libiommu_hwpt_id(paging);

	libiommu_ctx_free(ctx); /* frees dev, HWPTs (nested first) and IOAS handles */
	ctx = NULL;
	ioas = NULL;
	ck_assert(!object_exists(fd, nid));
	ck_assert(!object_exists(fd, pid));
	ck_assert(!object_exists(fd, gid));
	/* The adopted device is not the library's to unbind. */
	ck_assert_int_eq(mock_detach(fd, &md), 0);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hwpt-mock");
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	tc = tu_tcase(s, "mock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mock_hw_info);
	tcase_add_test(tc, adopted_device_limits);
	tcase_add_test(tc, nested_alloc_and_invalidate);
	tcase_add_test(tc, invalidate_errors);
	tcase_add_test(tc, nested_alloc_errors);
	tcase_add_test(tc, paging_alloc_errors);
	tcase_add_test(tc, destroy_hwpt_used_outside_library_is_ebusy);
	tcase_add_test(tc, ctx_free_with_open_handles);
	return tu_run(s);
}
