// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IOAS argument checks that need no kernel (host tier): every function
 * given a NULL handle fails with -EINVAL and errno set, never crashes;
 * libiommu_ioas_destroy(NULL) is a no-op returning 0.
 */
#include <string.h>

#include "testutil.h"

START_TEST(alloc_null_ctx_is_einval)
{
	struct libiommu_ioas *ioas = (void *)1;

	tu_assert_err(libiommu_ioas_alloc(NULL, NULL, &ioas), -EINVAL);
	tu_assert_err(libiommu_ioas_alloc(NULL, NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(destroy_null_is_noop)
{
	errno = 1234;
	ck_assert_int_eq(libiommu_ioas_destroy(NULL), 0);
	ck_assert_int_eq(errno, 1234);
}
END_TEST

START_TEST(id_null_is_zero_einval)
{
	errno = 0;
	ck_assert_uint_eq(libiommu_ioas_id(NULL), 0);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(ctx_null_is_null_einval)
{
	errno = 0;
	ck_assert_ptr_null(libiommu_ioas_ctx(NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(map_null_ioas_is_einval)
{
	static char buf[8192] __attribute__((aligned(4096)));
	uint64_t iova = 0;

	tu_assert_err(libiommu_ioas_map(NULL, buf, 4096, &iova,
					LIBIOMMU_MAP_READ),
		      -EINVAL);
}
END_TEST

START_TEST(map_file_null_ioas_is_einval)
{
	uint64_t iova = 0;

	tu_assert_err(libiommu_ioas_map_file(NULL, 0, 0, 4096, &iova,
					     LIBIOMMU_MAP_READ),
		      -EINVAL);
}
END_TEST

START_TEST(unmap_null_ioas_is_einval)
{
	uint64_t n = 99;

	tu_assert_err(libiommu_ioas_unmap(NULL, 0, 4096, &n), -EINVAL);
	tu_assert_err(libiommu_ioas_unmap(NULL, 0, 4096, NULL), -EINVAL);
}
END_TEST

START_TEST(unmap_all_null_ioas_is_einval)
{
	uint64_t n = 99;

	tu_assert_err(libiommu_ioas_unmap_all(NULL, &n), -EINVAL);
	tu_assert_err(libiommu_ioas_unmap_all(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(copy_null_ioas_is_einval)
{
	uint64_t iova = 0;

	tu_assert_err(libiommu_ioas_copy(NULL, NULL, 0, 4096, &iova,
					 LIBIOMMU_MAP_READ),
		      -EINVAL);
}
END_TEST

START_TEST(get_ranges_null_ioas_is_einval)
{
	struct libiommu_iova_range r[2];
	size_t nr = 2;
	uint64_t align;

	tu_assert_err(libiommu_ioas_get_ranges(NULL, r, &nr, &align), -EINVAL);
	ck_assert_uint_eq(nr, 2); /* untouched */
	tu_assert_err(libiommu_ioas_get_ranges(NULL, NULL, NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(allow_iovas_null_ioas_is_einval)
{
	struct libiommu_iova_range r = { .start = 0, .last = 0xffff };

	tu_assert_err(libiommu_ioas_allow_iovas(NULL, &r, 1), -EINVAL);
	tu_assert_err(libiommu_ioas_allow_iovas(NULL, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(huge_pages_null_ioas_is_einval)
{
	bool on = true;

	tu_assert_err(libiommu_ioas_set_huge_pages(NULL, false), -EINVAL);
	tu_assert_err(libiommu_ioas_get_huge_pages(NULL, &on), -EINVAL);
	tu_assert_err(libiommu_ioas_get_huge_pages(NULL, NULL), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioas-args");
	TCase *tc = tu_tcase(s, "null-handle");

	tcase_add_test(tc, alloc_null_ctx_is_einval);
	tcase_add_test(tc, destroy_null_is_noop);
	tcase_add_test(tc, id_null_is_zero_einval);
	tcase_add_test(tc, ctx_null_is_null_einval);
	tcase_add_test(tc, map_null_ioas_is_einval);
	tcase_add_test(tc, map_file_null_ioas_is_einval);
	tcase_add_test(tc, unmap_null_ioas_is_einval);
	tcase_add_test(tc, unmap_all_null_ioas_is_einval);
	tcase_add_test(tc, copy_null_ioas_is_einval);
	tcase_add_test(tc, get_ranges_null_ioas_is_einval);
	tcase_add_test(tc, allow_iovas_null_ioas_is_einval);
	tcase_add_test(tc, huge_pages_null_ioas_is_einval);
	return tu_run(s);
}
