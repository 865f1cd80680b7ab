/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Version string and feature names (host tier). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

START_TEST(version_matches_header_macros)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", LIBIOMMU_VERSION_MAJOR,
		 LIBIOMMU_VERSION_MINOR, LIBIOMMU_VERSION_PATCH);
	ck_assert_str_eq(libiommu_version(), want);
}
END_TEST

START_TEST(every_feature_has_a_lowercase_name)
{
	int f;
	const char *p;

	for (f = 0; f < LIBIOMMU_FEAT__COUNT; f++) {
		const char *name = libiommu_feature_name(f);

		ck_assert_msg(name && *name, "feature %d has no name", f);
		for (p = name; *p; p++)
			ck_assert_msg(islower((unsigned char)*p) || *p == '_',
				      "feature name \"%s\"", name);
	}
}
END_TEST

START_TEST(feature_names_are_unique)
{
	int a, b;

	for (a = 0; a < LIBIOMMU_FEAT__COUNT; a++)
		for (b = a + 1; b < LIBIOMMU_FEAT__COUNT; b++)
			ck_assert_str_ne(libiommu_feature_name(a),
					 libiommu_feature_name(b));
}
END_TEST

START_TEST(known_feature_names)
{
	ck_assert_str_eq(libiommu_feature_name(LIBIOMMU_FEAT_IOAS), "ioas");
	ck_assert_str_eq(libiommu_feature_name(LIBIOMMU_FEAT_IOAS_MAP_FILE),
			 "ioas_map_file");
	ck_assert_str_eq(libiommu_feature_name(LIBIOMMU_FEAT_HWPT_ALLOC),
			 "hwpt_alloc");
	ck_assert_str_eq(libiommu_feature_name(LIBIOMMU_FEAT_VFIO_COMPAT),
			 "vfio_compat");
}
END_TEST

START_TEST(unknown_feature_name_is_null)
{
	ck_assert_ptr_null(libiommu_feature_name(LIBIOMMU_FEAT__COUNT));
	ck_assert_ptr_null(libiommu_feature_name((enum libiommu_feature) - 1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tu_tcase(s, "names");

	tcase_add_test(tc, version_matches_header_macros);
	tcase_add_test(tc, every_feature_has_a_lowercase_name);
	tcase_add_test(tc, feature_names_are_unique);
	tcase_add_test(tc, known_feature_names);
	tcase_add_test(tc, unknown_feature_name_is_null);
	return tu_run(s);
}
