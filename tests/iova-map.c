/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The user-space mapping list and IOVA allocator (lib/backend/iova-map.c)
 * that the legacy type1 backend and the mock keep their mappings in:
 * ordering, overlaps, iommufd's unmap rules, and the allocator's choices.
 */
#include <stdlib.h>

#include "backend/iova-map.h"
#include "testutil.h"

#define K4 UINT64_C(0x1000)
#define M2 UINT64_C(0x200000)
#define G1 UINT64_C(0x40000000)

static struct lu_iova_map m;
static const struct libiommu_iova_range all = { 0, UINT64_MAX };

static void add(uint64_t iova, uint64_t len)
{
	struct lu_map e = { .iova = iova, .length = len, .flags = 1 };

	ck_assert(!lu_iova_overlaps(&m, iova, iova + len - 1));
	ck_assert_int_eq(lu_iova_insert(&m, &e), 0);
}

static void reset(void)
{
	lu_iova_map_fini(&m);
}

START_TEST(inserts_stay_sorted)
{
	size_t i;

	add(5 * K4, K4);
	add(1 * K4, K4);
	add(9 * K4, 2 * K4);
	add(3 * K4, K4);
	ck_assert_uint_eq(m.nr, 4);
	for (i = 1; i < m.nr; i++)
		ck_assert_uint_lt(m.maps[i - 1].iova, m.maps[i].iova);
	ck_assert_uint_eq(lu_iova_total(&m), 5 * K4);
	ck_assert(lu_iova_overlaps(&m, 10 * K4, 10 * K4));
	ck_assert(!lu_iova_overlaps(&m, 11 * K4, 20 * K4));
	ck_assert(!lu_iova_overlaps(&m, 2 * K4, 3 * K4 - 1));
	ck_assert(lu_iova_overlaps(&m, 0, UINT64_MAX));
}
END_TEST

START_TEST(unmap_takes_whole_mappings_only)
{
	const struct lu_map *split;
	size_t first, n;
	uint64_t bytes;

	add(K4, 4 * K4);
	add(8 * K4, K4);
	/* a superset takes both, with their bytes */
	ck_assert_int_eq(lu_iova_find_whole(&m, 0, 20 * K4, &first, &n, &bytes, &split), 0);
	ck_assert_uint_eq(first, 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(bytes, 5 * K4);
	/* cutting the first is ENOENT, naming it */
	ck_assert_int_eq(lu_iova_find_whole(&m, 2 * K4, 10 * K4, &first, &n, &bytes, &split), -ENOENT);
	ck_assert_ptr_nonnull(split);
	ck_assert_uint_eq(split->iova, K4);
	/* an empty range is ENOENT without a split */
	ck_assert_int_eq(lu_iova_find_whole(&m, 6 * K4, 7 * K4, &first, &n, &bytes, &split), -ENOENT);
	ck_assert_ptr_null(split);
}
END_TEST

START_TEST(allocator_aligns_to_the_length_and_the_address)
{
	uint64_t iova = 0;

	/* 2 MiB at a 2 MiB-aligned address: 2 MiB aligned */
	ck_assert(lu_iova_pick(&m, &all, 1, NULL, 0, K4, 4 * M2, M2, &iova));
	ck_assert_uint_eq(iova % M2, 0);
	/* but the address is only 4 KiB aligned: 4 KiB is enough */
	add(0, K4);
	ck_assert(lu_iova_pick(&m, &all, 1, NULL, 0, K4, 3 * K4, M2, &iova));
	ck_assert_uint_eq(iova, K4);
	/* 1 GiB aligned at most, whatever the length */
	ck_assert(lu_iova_pick(&m, &all, 1, NULL, 0, K4, 0, 4 * G1, &iova));
	ck_assert_uint_eq(iova, G1);
}
END_TEST

START_TEST(allocator_takes_the_lowest_gap_that_fits)
{
	uint64_t iova = 0;

	add(0, K4);
	add(2 * K4, K4);
	add(4 * K4, 4 * K4);
	ck_assert(lu_iova_pick(&m, &all, 1, NULL, 0, K4, K4, K4, &iova));
	ck_assert_uint_eq(iova, K4);
	ck_assert(lu_iova_pick(&m, &all, 1, NULL, 0, K4, K4, 2 * K4, &iova));
	ck_assert_uint_eq(iova, 8 * K4);
}
END_TEST

START_TEST(allocator_stays_inside_usable_and_allowed_ranges)
{
	const struct libiommu_iova_range usable[] = { { 0, 0xfedfffff }, { 0xfef00000, 0xffffffffffff } };
	const struct libiommu_iova_range allowed[] = { { 0xfe000000, 0xffffffff } };
	uint64_t iova = 0;

	/* 4 MiB fits in the allowed range below the hole ... */
	ck_assert(lu_iova_pick(&m, usable, 2, allowed, 1, K4, 0, 2 * M2, &iova));
	ck_assert_uint_eq(iova, 0xfe000000);
	/* ... 16 MiB does not (14 MiB there), but above it (17 MiB) */
	ck_assert(lu_iova_pick(&m, usable, 2, allowed, 1, K4, 0, 8 * M2, &iova));
	ck_assert_uint_ge(iova, 0xfef00000);
	ck_assert_uint_le(iova + 8 * M2 - 1, 0xffffffff);
	/* 32 MiB fits nowhere in the allowed range */
	ck_assert(!lu_iova_pick(&m, usable, 2, allowed, 1, K4, 0, 16 * M2, &iova));
	ck_assert(lu_iova_inside_one(usable, 2, 0, 0xfedfffff));
	ck_assert(!lu_iova_inside_one(usable, 2, 0xfed00000, 0xfef00000));
}
END_TEST

START_TEST(allocator_does_not_wrap_at_the_top)
{
	const struct libiommu_iova_range top = { UINT64_MAX - 4 * K4 + 1, UINT64_MAX };
	uint64_t iova = 0;

	add(UINT64_MAX - 4 * K4 + 1, 4 * K4);
	ck_assert(!lu_iova_pick(&m, &top, 1, NULL, 0, K4, 0, K4, &iova));
	ck_assert(!lu_iova_pick(&m, &all, 1, NULL, 0, K4, 0, 0, &iova));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iova-map");
	TCase *tc = tu_tcase(s, "iova-map");

	tcase_add_checked_fixture(tc, NULL, reset);
	tcase_add_test(tc, inserts_stay_sorted);
	tcase_add_test(tc, unmap_takes_whole_mappings_only);
	tcase_add_test(tc, allocator_aligns_to_the_length_and_the_address);
	tcase_add_test(tc, allocator_takes_the_lowest_gap_that_fits);
	tcase_add_test(tc, allocator_stays_inside_usable_and_allowed_ranges);
	tcase_add_test(tc, allocator_does_not_wrap_at_the_top);
	return tu_run(s);
}
