// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LIBIOMMU_BACKEND_AUTO's rule (host tier, white-box): only "there is no
 * iommufd here" (no /dev/iommu, or one no driver answers), "this process
 * may not use it" (EACCES, EPERM) or "VFIO has no device cdevs" takes the
 * legacy type1 container; any other failure is an error of
 * libiommu_ctx_new(), never a downgrade; and "cannot tell" is an error
 * too.  The rule is lu_backend_auto(), pure; tests/ctx-auto.c runs it on
 * the real kernel (VM tier).
 */
#include <string.h>

#include "backend/backend.h"
#include "testutil.h"

#define IOMMUFD LIBIOMMU_BACKEND_IOMMUFD
#define TYPE1 LIBIOMMU_BACKEND_TYPE1
#define ERROR LIBIOMMU_BACKEND_AUTO

static const struct {
	struct lu_auto_facts f;
	enum libiommu_backend want;
	int err;	   /* with ERROR */
	const char *words; /* in the reason ("" for open()'s own error) */
} cases[] = {
	/* /dev/iommu opened */
	{ { 0, 1, 0 }, IOMMUFD, 0, "device cdevs" },
	{ { 0, 1, ENOENT }, IOMMUFD, 0, "device cdevs" },
	{ { 0, 1, ENOMEM }, IOMMUFD, 0, "device cdevs" }, /* not needed: not asked */
	{ { 0, 0, 0 }, TYPE1, 0, "CONFIG_VFIO_DEVICE_CDEV" },
	{ { 0, 0, ENOENT }, IOMMUFD, 0, "no VFIO container either" },
	{ { 0, 0, ENOMEM }, ERROR, -ENOMEM, "does not guess" },
	{ { 0, -ENOMEM, 0 }, ERROR, -ENOMEM, "does not guess" },
	{ { 0, -EACCES, 0 }, ERROR, -EACCES, "/proc/devices" },
	/* no iommufd here */
	{ { ENOENT, 0, 0 }, TYPE1, 0, "no iommufd" },
	{ { ENODEV, 0, 0 }, TYPE1, 0, "no iommufd" },
	{ { ENXIO, 0, 0 }, TYPE1, 0, "no iommufd" },
	{ { ENOENT, 0, ENOENT }, ERROR, -ENOENT, "" },
	{ { ENXIO, 0, ENOENT }, ERROR, -ENXIO, "" },
	/* not allowed: a choice of whoever set the permissions */
	{ { EACCES, 0, 0 }, TYPE1, 0, "may not use iommufd" },
	{ { EPERM, 0, 0 }, TYPE1, 0, "read+write permission on /dev/iommu" },
	{ { EACCES, 0, ENOENT }, ERROR, -EACCES, "" },
	/* anything else is an error, whatever else exists */
	{ { ENOMEM, 1, 0 }, ERROR, -ENOMEM, "never on this error" },
	{ { EMFILE, 1, 0 }, ERROR, -EMFILE, "never on this error" },
	{ { ENFILE, 0, 0 }, ERROR, -ENFILE, "never on this error" },
	{ { EIO, 0, 0 }, ERROR, -EIO, "never on this error" },
	{ { EBUSY, 0, 0 }, ERROR, -EBUSY, "never on this error" },
	{ { EINTR, 0, 0 }, ERROR, -EINTR, "never on this error" },
	{ { ENOMEM, 0, ENOENT }, ERROR, -ENOMEM, "never on this error" },
};

START_TEST(auto_chooses_by_the_rule)
{
	struct lu_auto a;
	size_t i = (size_t)_i;

	memset(&a, 0x5a, sizeof(a));
	lu_backend_auto(&cases[i].f, &a);
	ck_assert_msg(a.backend == cases[i].want,
		      "case %zu {%d, %d, %d}: backend %d, want %d (%s)", i,
		      cases[i].f.iommufd, cases[i].f.cdevs, cases[i].f.container,
		      a.backend, cases[i].want, a.why);
	ck_assert_int_eq(a.err, cases[i].err);
	if (*cases[i].words)
		ck_assert_msg(strstr(a.why, cases[i].words), "case %zu: \"%s\" lacks \"%s\"",
			      i, a.why, cases[i].words);
	else
		ck_assert_str_eq(a.why, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-auto");
	TCase *tc = tu_tcase(s, "auto");

	tcase_add_loop_test(tc, auto_chooses_by_the_rule, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	return tu_run(s);
}
