// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IOMMU hardware info of a real device (kernel tier: edu behind QEMU's
 * VT-d).  The VM tier boots with snoop-control=on and =off and says which
 * in LIBIOMMU_VM_SNOOP; the decoded snoop-control feature must match, and
 * what the library decodes must agree with what the kernel then does
 * (dirty tracking, nesting, PASID).  Skips (77) without /dev/iommu or edu.
 */
#include <stdbool.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "test-dev.h"

static struct libiommu_dev *dev;

static void setup(void)
{
	ioas_setup();
	dev = open_edu(ctx);
}

static void get_info(struct libiommu_hw_info *info)
{
	memset(info, 0, sizeof(*info));
	info->sz = sizeof(*info);
	expect_ok(libiommu_dev_get_hw_info(dev, info));
}

START_TEST(vtd_snoop_control_matches_vm)
{
	const char *snoop = getenv("LIBIOMMU_VM_SNOOP");
	struct libiommu_hw_info info;
	bool sc;

	get_info(&info);
	ck_assert_uint_eq(info.type, LIBIOMMU_HW_TYPE_INTEL_VTD);
	ck_assert_str_eq(libiommu_hw_type_name(info.type), "intel-vtd");
	ck_assert_uint_eq(info.data_len, 24);
	ck_assert(info.features_known & LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
	sc = info.features & LIBIOMMU_HW_FEAT_SNOOP_CONTROL;
	/* ECAP.SC is bit 7 of the raw register, whatever the decoder says. */
	ck_assert_int_eq(sc, (info.regs.vtd.ecap_reg >> 7) & 1);
	printf("VT-d cap 0x%016llx ecap 0x%016llx: snoop control %s, LIBIOMMU_VM_SNOOP=%s\n",
	       (unsigned long long)info.regs.vtd.cap_reg,
	       (unsigned long long)info.regs.vtd.ecap_reg, sc ? "on" : "off",
	       snoop ? snoop : "(unset)");
	if (!snoop) {
		printf("note: LIBIOMMU_VM_SNOOP unset: not comparing with the VM\n");
		return;
	}
	ck_assert_msg(strcmp(snoop, "on") == 0 || strcmp(snoop, "off") == 0,
		      "LIBIOMMU_VM_SNOOP=%s", snoop);
	ck_assert_msg(sc == (strcmp(snoop, "on") == 0),
		      "decoded snoop control %d, VM booted with snoop-control=%s",
		      sc, snoop);
}
END_TEST

START_TEST(vtd_fields_are_sane)
{
	struct libiommu_hw_info info;

	get_info(&info);
	ck_assert_uint_eq(info.features_known,
			  LIBIOMMU_HW_FEAT_SNOOP_CONTROL |
				  LIBIOMMU_HW_FEAT_DIRTY_TRACKING |
				  LIBIOMMU_HW_FEAT_NESTING | LIBIOMMU_HW_FEAT_PASID |
				  LIBIOMMU_HW_FEAT_PRI | LIBIOMMU_HW_FEAT_ATS);
	ck_assert(info.addr_bits >= 39 && info.addr_bits <= 64);
	ck_assert(info.pgsize_bitmap & (UINT64_C(1) << 12));
	/* edu has no PASID capability: no PASIDs whatever the IOMMU has. */
	ck_assert_uint_eq(info.max_pasid_log2, 0);
	ck_assert(!(info.caps & (LIBIOMMU_HW_CAP_PCI_PASID_EXEC |
				 LIBIOMMU_HW_CAP_PCI_PASID_PRIV)));
}
END_TEST

START_TEST(decoded_dirty_and_nesting_match_kernel)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o) };
	struct libiommu_hw_info info;
	struct libiommu_hwpt *h = NULL;
	int rc;

	get_info(&info);
	/* The kernel's dirty capability needs the hardware's dirty bits. */
	if (info.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING)
		ck_assert(info.features & LIBIOMMU_HW_FEAT_DIRTY_TRACKING);

	o.flags = LIBIOMMU_HWPT_DIRTY_TRACKING;
	log_reset(&lg);
	rc = libiommu_hwpt_alloc(dev, ioas, &o, &h);
	if (info.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING)
		ck_assert_msg(rc == 0, "dirty HWPT: %s\n%s", strerror(-rc), lg.all);
	else
		ck_assert_msg(rc == -EOPNOTSUPP && strstr(lg.msg, "cannot make"),
			      "dirty HWPT on an IOMMU without dirty tracking: %d\n%s",
			      rc, lg.all);
	libiommu_hwpt_destroy(h);
	h = NULL;

	o.flags = LIBIOMMU_HWPT_NEST_PARENT;
	rc = libiommu_hwpt_alloc(dev, ioas, &o, &h);
	if (!(info.features & LIBIOMMU_HW_FEAT_NESTING))
		ck_assert_int_eq(rc, -EOPNOTSUPP);
	printf("VT-d: dirty tracking %s (kernel cap %s), nesting %s (nest parent HWPT: %s)\n",
	       info.features & LIBIOMMU_HW_FEAT_DIRTY_TRACKING ? "yes" : "no",
	       info.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING ? "yes" : "no",
	       info.features & LIBIOMMU_HW_FEAT_NESTING ? "yes" : "no",
	       rc ? strerror(-rc) : "ok");
	libiommu_hwpt_destroy(h);
}
END_TEST

/* The running kernel is @major.@minor or newer (uname). */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(sscanf(u.release, "%d.%d", &ma, &mi), 2);
	return ma > major || (ma == major && mi >= minor);
}

START_TEST(raw_info)
{
	uint64_t buf[8];
	uint32_t len = sizeof(buf), type = 0;
	struct libiommu_hw_info info = { .sz = sizeof(info) };

	memset(buf, 0xff, sizeof(buf));
	expect_ok(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_DEFAULT,
					       buf, &len, &type));
	ck_assert_uint_eq(type, LIBIOMMU_HW_TYPE_INTEL_VTD);
	ck_assert_uint_eq(len, 24);
	ck_assert_uint_eq(buf[3], 0); /* the kernel zeroes what it does not fill */
	expect_ok(libiommu_hw_info_decode(type, buf, len, &info));
	ck_assert(info.features_known & LIBIOMMU_HW_FEAT_SNOOP_CONTROL);

	/* Size query: no buffer, the kernel says how much it has. */
	len = 0;
	expect_ok(libiommu_dev_get_hw_info_raw(dev, 0, NULL, &len, NULL));
	ck_assert_uint_eq(len, 24);

	/* A short buffer gets the start; len still says the full size. */
	memset(buf, 0, sizeof(buf));
	len = 8;
	expect_ok(libiommu_dev_get_hw_info_raw(dev, 0, buf, &len, NULL));
	ck_assert_uint_eq(len, 24);
	ck_assert_uint_eq(buf[1], 0);

	/*
	 * A typed request (IOMMU_HW_INFO_FLAG_INPUT_TYPE, 6.17 as far as
	 * known here: 7.3 has it); an older kernel (6.12) cannot, and the
	 * library says which flag it lacks.
	 */
	len = sizeof(buf);
	if (!kernel_at_least(6, 17)) {
		expect_err(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_INTEL_VTD,
							buf, &len, &type),
			   -EOPNOTSUPP, "no IOMMU_HW_INFO_FLAG_INPUT_TYPE");
		return;
	}
	expect_ok(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_INTEL_VTD,
					       buf, &len, &type));
	ck_assert_uint_eq(type, LIBIOMMU_HW_TYPE_INTEL_VTD);
	len = sizeof(buf);
	expect_err(libiommu_dev_get_hw_info_raw(dev, LIBIOMMU_HW_TYPE_AMD, buf,
						&len, &type),
		   -EOPNOTSUPP, "does not report data of type amd");
}
END_TEST

START_TEST(small_result_struct_is_filled_to_its_size)
{
	struct libiommu_hw_info info;
	size_t old = offsetof(struct libiommu_hw_info, features);

	memset(&info, 0xee, sizeof(info));
	info.sz = old; /* a caller built against a smaller struct */
	expect_ok(libiommu_dev_get_hw_info(dev, &info));
	ck_assert_uint_eq(info.sz, old);
	ck_assert_uint_eq(info.type, LIBIOMMU_HW_TYPE_INTEL_VTD);
	ck_assert_uint_eq(info.features, 0xeeeeeeee); /* beyond sz: untouched */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hwinfo-vtd");
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	tc = tu_tcase(s, "vtd");
	tcase_add_checked_fixture(tc, setup, ioas_teardown);
	tcase_add_test(tc, vtd_snoop_control_matches_vm);
	tcase_add_test(tc, vtd_fields_are_sane);
	tcase_add_test(tc, decoded_dirty_and_nesting_match_kernel);
	tcase_add_test(tc, raw_info);
	tcase_add_test(tc, small_result_struct_is_filled_to_its_size);
	return tu_run(s);
}
