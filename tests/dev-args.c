// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device, hardware-info and HWPT calls given NULL handles and pointers
 * (host tier: no kernel needed).  Each fails with -EINVAL and sets errno;
 * destructors and getters accept NULL.
 */
#include <stdint.h>
#include <string.h>

#include "testutil.h"

START_TEST(null_dev)
{
	struct libiommu_region_info ri = { .sz = sizeof(ri) };
	struct libiommu_hw_info hi = { .sz = sizeof(hi) };
	struct libiommu_dev *d = (struct libiommu_dev *)1;
	uint32_t len = 0;
	char buf[4];
	void *p;

	tu_assert_err(libiommu_dev_open(NULL, "/dev/null", NULL, &d), -EINVAL);
	tu_assert_err(libiommu_dev_open_fd(NULL, 0, LIBIOMMU_FD_BORROW, NULL, &d),
		      -EINVAL);
	tu_assert_err(libiommu_dev_adopt_id(NULL, 1, &d), -EINVAL);
	tu_assert_err(libiommu_dev_attach_ioas(NULL, NULL), -EINVAL);
	tu_assert_err(libiommu_dev_attach_hwpt(NULL, NULL), -EINVAL);
	tu_assert_err(libiommu_dev_detach(NULL), -EINVAL);
	tu_assert_err(libiommu_dev_pasid_attach_ioas(NULL, 1, NULL), -EINVAL);
	tu_assert_err(libiommu_dev_pasid_attach_hwpt(NULL, 1, NULL), -EINVAL);
	tu_assert_err(libiommu_dev_pasid_detach(NULL, 1), -EINVAL);
	tu_assert_err(libiommu_dev_get_attached(NULL, LIBIOMMU_NO_PASID, NULL,
						NULL, NULL),
		      -EINVAL);
	tu_assert_err(libiommu_dev_region_info(NULL, 0, &ri), -EINVAL);
	tu_assert_err(libiommu_dev_region_read(NULL, 0, 0, buf, 1), -EINVAL);
	tu_assert_err(libiommu_dev_region_write(NULL, 0, 0, buf, 1), -EINVAL);
	tu_assert_err(libiommu_dev_region_mmap(NULL, 0, 0, 4096,
					       LIBIOMMU_REGION_READ, &p),
		      -EINVAL);
	tu_assert_err(libiommu_dev_get_hw_info(NULL, &hi), -EINVAL);
	tu_assert_err(libiommu_dev_get_hw_info_raw(NULL, 0, NULL, &len, NULL),
		      -EINVAL);
	tu_assert_err(libiommu_dev_fd(NULL), -EINVAL);

	errno = 0;
	ck_assert_uint_eq(libiommu_dev_id(NULL), 0);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(libiommu_dev_ctx(NULL));
	ck_assert_int_eq(errno, EINVAL);

	errno = 1234;
	libiommu_dev_free(NULL); /* no-op, errno kept */
	ck_assert_int_eq(errno, 1234);
}
END_TEST

START_TEST(null_hwpt)
{
	struct libiommu_hwpt *h = (struct libiommu_hwpt *)1;
	uint64_t bm[1];
	uint32_t n = 0;

	tu_assert_err(libiommu_hwpt_alloc(NULL, NULL, NULL, &h), -EINVAL);
	tu_assert_err(libiommu_hwpt_alloc_nested(NULL, NULL, NULL, &h), -EINVAL);
	tu_assert_err(libiommu_hwpt_set_dirty_tracking(NULL, true), -EINVAL);
	tu_assert_err(libiommu_hwpt_get_dirty_bitmap(NULL, 0, 4096, 4096, bm, 0),
		      -EINVAL);
	tu_assert_err(libiommu_hwpt_invalidate(NULL, 0, NULL, 0, &n), -EINVAL);

	ck_assert_int_eq(libiommu_hwpt_destroy(NULL), 0);
	errno = 0;
	ck_assert_uint_eq(libiommu_hwpt_id(NULL), 0);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/*
 * On failure a handle output is NULL (libiommu.h), also when the handle the
 * call works on is the NULL: a caller that frees *out on every path must
 * not free what was there before.
 */
START_TEST(a_null_parent_handle_leaves_the_handle_output_null)
{
	struct libiommu_ioas *a;
	struct libiommu_dev *d;
	struct libiommu_hwpt *h;
	struct libiommu_kvm *k;
	struct libiommu_coherency *c;
	void *p;

#define STALE(x) ((x) = (void *)(uintptr_t)0x5e5e5e50)
	STALE(a);
	tu_assert_err(libiommu_ioas_alloc(NULL, NULL, &a), -EINVAL);
	ck_assert_ptr_null(a);
	STALE(d);
	tu_assert_err(libiommu_dev_open(NULL, "/dev/null", NULL, &d), -EINVAL);
	ck_assert_ptr_null(d);
	STALE(d);
	tu_assert_err(libiommu_dev_open_fd(NULL, 0, LIBIOMMU_FD_BORROW, NULL, &d),
		      -EINVAL);
	ck_assert_ptr_null(d);
	STALE(d);
	tu_assert_err(libiommu_dev_open_group(NULL, "/dev/vfio/0", "0000:00:03.0",
					      NULL, &d),
		      -EINVAL);
	ck_assert_ptr_null(d);
	STALE(d);
	tu_assert_err(libiommu_dev_open_group_fd(NULL, 0, LIBIOMMU_FD_BORROW,
						 "0000:00:03.0", NULL, &d),
		      -EINVAL);
	ck_assert_ptr_null(d);
	STALE(d);
	tu_assert_err(libiommu_dev_adopt_id(NULL, 1, &d), -EINVAL);
	ck_assert_ptr_null(d);
	STALE(h);
	tu_assert_err(libiommu_hwpt_alloc(NULL, NULL, NULL, &h), -EINVAL);
	ck_assert_ptr_null(h);
	STALE(h);
	tu_assert_err(libiommu_hwpt_alloc_nested(NULL, NULL, NULL, &h), -EINVAL);
	ck_assert_ptr_null(h);
	STALE(k);
	tu_assert_err(libiommu_kvm_new(NULL, 0, NULL, &k), -EINVAL);
	ck_assert_ptr_null(k);
	STALE(c);
	tu_assert_err(libiommu_coherency_get_dev(NULL, &c), -EINVAL);
	ck_assert_ptr_null(c);
	STALE(c);
	tu_assert_err(libiommu_coherency_get_ioas(NULL, &c), -EINVAL);
	ck_assert_ptr_null(c);
	STALE(c);
	tu_assert_err(libiommu_coherency_get_kvm(NULL, &c), -EINVAL);
	ck_assert_ptr_null(c);
	/* libiommu_dev_region_mmap(3): "*addr set to NULL" on failure */
	STALE(p);
	tu_assert_err(libiommu_dev_region_mmap(NULL, 0, 0, 4096,
					       LIBIOMMU_REGION_READ, &p),
		      -EINVAL);
	ck_assert_ptr_null(p);
#undef STALE
}
END_TEST

START_TEST(no_pasid_is_not_a_pasid)
{
	/* The sentinel can never be a real PASID (those are 20 bits). */
	ck_assert_uint_eq(LIBIOMMU_NO_PASID, UINT32_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dev-args");
	TCase *tc = tu_tcase(s, "args");

	tcase_add_test(tc, null_dev);
	tcase_add_test(tc, null_hwpt);
	tcase_add_test(tc, a_null_parent_handle_leaves_the_handle_output_null);
	tcase_add_test(tc, no_pasid_is_not_a_pasid);
	return tu_run(s);
}
