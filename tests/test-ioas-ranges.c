// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Usable and allowed IOVA ranges (kernel tier): get_ranges, allow_iovas,
 * and where the kernel places a mapping when it picks the IOVA.  Runs on
 * every backend: on type1 the ranges come from VFIO_IOMMU_GET_INFO and the
 * library itself picks the IOVA, within the allowed ranges.
 */
#include "test-ioas.h"

#define RW (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)
#define FIXED LIBIOMMU_MAP_FIXED_IOVA

START_TEST(get_ranges_of_fresh_ioas)
{
	struct libiommu_iova_range r[8];
	size_t nr = 8, i;
	uint64_t align = 0;

	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, &align));
	ck_assert_uint_ge(nr, 1);
	ck_assert_uint_le(nr, 8);
	ck_assert_uint_ge(align, 1);
	ck_assert_uint_le(align, pgsz());
	for (i = 0; i < nr; i++) {
		ck_assert_uint_le(r[i].start, r[i].last);
		if (i)
			ck_assert_uint_gt(r[i].start, r[i - 1].last);
	}
	/* alignment may be left out */
	nr = 8;
	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, NULL));
}
END_TEST

START_TEST(get_ranges_capacity_zero_gives_count)
{
	struct libiommu_iova_range r[8];
	size_t nr = 0, full = 8;

	expect_ok(libiommu_ioas_get_ranges(ioas, r, &full, NULL));
	log_reset(&lg);
	tu_assert_err(libiommu_ioas_get_ranges(ioas, NULL, &nr, NULL), -ENOSPC);
	ck_assert_uint_eq(nr, full);
	/* sizing the array is the normal protocol: logged, but not as an error */
	ck_assert_int_gt(lg.count, 0);
	ck_assert_int_eq(lg.level, LIBIOMMU_LOG_DEBUG);
}
END_TEST

START_TEST(get_ranges_bad_pointers_are_einval)
{
	size_t nr = 4;

	expect_err(libiommu_ioas_get_ranges(ioas, NULL, NULL, NULL), -EINVAL,
		   "nr is NULL");
	expect_err(libiommu_ioas_get_ranges(ioas, NULL, &nr, NULL), -EINVAL,
		   "ranges is NULL but *nr (capacity) is 4");
}
END_TEST

START_TEST(kernel_iova_lands_inside_reported_ranges)
{
	static const uint64_t pages[] = { 1, 3, 16, 512, 1024 };
	uint64_t align = 0, iova;
	size_t nr = 0, i;
	struct libiommu_iova_range r[8];
	void *buf = xbuf(4 * MiB);

	nr = 8;
	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, &align));
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		uint64_t len = pages[i] * pgsz();

		iova = 0;
		expect_ok(libiommu_ioas_map(ioas, buf, len, &iova, RW));
		ck_assert_msg(in_ranges(ioas, iova, len),
			      "[0x%llx, +0x%llx) outside the usable ranges",
			      (unsigned long long)iova, (unsigned long long)len);
		ck_assert_uint_eq(iova % align, 0);
	}
}
END_TEST

START_TEST(allow_iovas_restricts_kernel_choice)
{
	struct libiommu_iova_range allow = {
		.start = 4 * GiB,
		.last = 4 * GiB + 16 * MiB - 1,
	};
	void *buf = xbuf(2 * MiB);
	uint64_t iova;
	int i;

	expect_ok(libiommu_ioas_allow_iovas(ioas, &allow, 1));
	for (i = 0; i < 4; i++) {
		iova = 0;
		expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova, RW));
		ck_assert_msg(iova >= allow.start &&
				      iova + 2 * MiB - 1 <= allow.last,
			      "iova 0x%llx outside the allowed range",
			      (unsigned long long)iova);
	}
}
END_TEST

START_TEST(allow_iovas_full_is_enospc)
{
	struct libiommu_iova_range allow = {
		.start = 4 * GiB,
		.last = 4 * GiB + 4 * pgsz() - 1,
	};
	void *buf = xbuf(8 * pgsz());
	uint64_t iova = 0;

	expect_ok(libiommu_ioas_allow_iovas(ioas, &allow, 1));
	expect_err(libiommu_ioas_map(ioas, buf, 8 * pgsz(), &iova, RW),
		   -ENOSPC, "no free IOVA range");
	/* what fits, fits, and then the range is full */
	expect_ok(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova, RW));
	ck_assert_uint_eq(iova, allow.start);
	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW), -ENOSPC,
		   "within the allowed ranges");
}
END_TEST

/*
 * The allowed list steers the kernel's choice only: a fixed IOVA outside it
 * is still mapped (only reserved regions refuse one; see test-ioas-mock).
 */
START_TEST(allow_iovas_does_not_refuse_fixed_iova_outside)
{
	struct libiommu_iova_range allow = {
		.start = 4 * GiB,
		.last = 4 * GiB + 16 * MiB - 1,
	};
	void *buf = xbuf(pgsz());
	uint64_t iova = GiB;

	expect_ok(libiommu_ioas_allow_iovas(ioas, &allow, 1));
	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | FIXED));
	ck_assert_uint_eq(iova, GiB);
}
END_TEST

START_TEST(allow_iovas_cleared_by_empty_list)
{
	struct libiommu_iova_range allow = {
		.start = 4 * GiB,
		.last = 4 * GiB + 4 * pgsz() - 1,
	};
	void *buf = xbuf(2 * MiB);
	uint64_t iova = 0;

	expect_ok(libiommu_ioas_allow_iovas(ioas, &allow, 1));
	expect_ok(libiommu_ioas_allow_iovas(ioas, NULL, 0));
	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova, RW));
}
END_TEST

START_TEST(allow_iovas_inverted_or_single_byte_is_einval)
{
	struct libiommu_iova_range r[2] = {
		{ .start = GiB, .last = 2 * GiB },
		{ .start = 4 * GiB, .last = 3 * GiB },
	};

	expect_err(libiommu_ioas_allow_iovas(ioas, r, 2), -EINVAL,
		   "range 1 [0x100000000, 0xc0000000] is inverted");
	r[1].last = r[1].start;
	expect_err(libiommu_ioas_allow_iovas(ioas, r, 2), -EINVAL,
		   "single byte");
}
END_TEST

START_TEST(allow_iovas_overlapping_is_einval)
{
	struct libiommu_iova_range r[3] = {
		{ .start = GiB, .last = 2 * GiB - 1 },
		{ .start = 4 * GiB, .last = 5 * GiB - 1 },
		{ .start = 2 * GiB - MiB, .last = 3 * GiB },
	};

	expect_err(libiommu_ioas_allow_iovas(ioas, r, 3), -EINVAL,
		   "ranges 0 and 2 overlap");
}
END_TEST

START_TEST(allow_iovas_null_ranges_is_einval)
{
	expect_err(libiommu_ioas_allow_iovas(ioas, NULL, 2), -EINVAL,
		   "ranges is NULL but nr is 2");
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	tu_require_iommufd();
	tu_require_backend_device();
	s = suite_create("ioas-ranges");

	tc = tu_tcase(s, "get-ranges");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tcase_add_test(tc, get_ranges_of_fresh_ioas);
	tcase_add_test(tc, get_ranges_capacity_zero_gives_count);
	tcase_add_test(tc, get_ranges_bad_pointers_are_einval);
	tcase_add_test(tc, kernel_iova_lands_inside_reported_ranges);

	tc = tu_tcase(s, "allow-iovas");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tcase_add_test(tc, allow_iovas_restricts_kernel_choice);
	tcase_add_test(tc, allow_iovas_full_is_enospc);
	tcase_add_test(tc, allow_iovas_does_not_refuse_fixed_iova_outside);
	tcase_add_test(tc, allow_iovas_cleared_by_empty_list);
	tcase_add_test(tc, allow_iovas_inverted_or_single_byte_is_einval);
	tcase_add_test(tc, allow_iovas_overlapping_is_einval);
	tcase_add_test(tc, allow_iovas_null_ranges_is_einval);
	return tu_run(s);
}
