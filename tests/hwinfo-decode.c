// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hardware info decoders on register values made up here (host tier:
 * no kernel needed).  Each vendor's bits are set one at a time and the
 * decoded feature must follow; the register images use the kernel's uAPI
 * layouts, written out by hand.
 */
#include <stdint.h>
#include <string.h>

#include "testutil.h"

#define B(n) (UINT64_C(1) << (n))

struct vtd_data {
	uint32_t flags, reserved;
	uint64_t cap, ecap;
};

struct amd_data {
	uint64_t efr, efr2;
};

struct smmu_data {
	uint32_t flags, reserved;
	uint32_t idr[6];
	uint32_t iidr, aidr;
};

static struct libiommu_hw_info info;

static int decode(uint32_t type, const void *data, size_t len)
{
	memset(&info, 0x77, sizeof(info)); /* every field must be written */
	info.sz = sizeof(info);
	return libiommu_hw_info_decode(type, data, len, &info);
}

static uint32_t vtd_features(uint64_t cap, uint64_t ecap)
{
	struct vtd_data d = { .cap = cap, .ecap = ecap };

	ck_assert_int_eq(decode(1, &d, sizeof(d)), 0);
	ck_assert_uint_eq(info.type, LIBIOMMU_HW_TYPE_INTEL_VTD);
	ck_assert_uint_eq(info.regs.vtd.cap_reg, cap);
	ck_assert_uint_eq(info.regs.vtd.ecap_reg, ecap);
	return info.features;
}

START_TEST(vtd_bits)
{
	/* QEMU's VT-d (snoop-control=on), as read in the VM tier. */
	ck_assert_uint_eq(vtd_features(0, B(7)), LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
	ck_assert_uint_eq(vtd_features(0, 0), 0);
	ck_assert_uint_eq(vtd_features(0, B(45)), LIBIOMMU_HW_FEAT_DIRTY_TRACKING);
	ck_assert_uint_eq(vtd_features(0, B(26)), LIBIOMMU_HW_FEAT_NESTING);
	ck_assert_uint_eq(vtd_features(0, B(29)), LIBIOMMU_HW_FEAT_PRI);
	ck_assert_uint_eq(vtd_features(0, B(2)), LIBIOMMU_HW_FEAT_ATS);
	ck_assert_uint_eq(vtd_features(0, B(40) | (UINT64_C(19) << 35)),
			  LIBIOMMU_HW_FEAT_PASID);
	ck_assert_uint_eq(info.pasid_bits, 20);
	/* Without the PASID bit the PASID size field means nothing. */
	vtd_features(0, UINT64_C(19) << 35);
	ck_assert_uint_eq(info.pasid_bits, 0);
	ck_assert_uint_eq(info.features_known, 0x3f);
	/* MGAW 47 -> 48 bits; SLLPS 2M + 1G. */
	vtd_features((UINT64_C(47) << 16) | (UINT64_C(3) << 34), 0);
	ck_assert_uint_eq(info.addr_bits, 48);
	ck_assert_uint_eq(info.pgsize_bitmap, B(12) | B(21) | B(30));
	vtd_features(UINT64_C(38) << 16, 0);
	ck_assert_uint_eq(info.addr_bits, 39);
	ck_assert_uint_eq(info.pgsize_bitmap, B(12));
	/* Unrelated bits change nothing. */
	ck_assert_uint_eq(vtd_features(~0ull & ~(B(7) | B(45) | B(26) | B(29) |
						 B(2) | B(40)),
				       ~0ull & ~(B(7) | B(45) | B(26) | B(29) |
						 B(2) | B(40))),
			  0);
	ck_assert_uint_eq(info.caps, 0);
	ck_assert_uint_eq(info.max_pasid_log2, 0);
}
END_TEST

static uint32_t amd_features(uint64_t efr, uint64_t efr2)
{
	struct amd_data d = { efr, efr2 };

	ck_assert_int_eq(decode(4, &d, sizeof(d)), 0);
	ck_assert_uint_eq(info.regs.amd.efr, efr);
	ck_assert_uint_eq(info.regs.amd.efr2, efr2);
	return info.features;
}

START_TEST(amd_bits)
{
	const uint32_t sc = LIBIOMMU_HW_FEAT_SNOOP_CONTROL;

	ck_assert_uint_eq(amd_features(0, 0), sc); /* architectural */
	ck_assert_uint_eq(info.features_known & LIBIOMMU_HW_FEAT_ATS, 0);
	ck_assert_uint_eq(amd_features(B(52), 0), sc | LIBIOMMU_HW_FEAT_DIRTY_TRACKING);
	ck_assert_uint_eq(amd_features(B(1), 0), sc | LIBIOMMU_HW_FEAT_PRI);
	ck_assert_uint_eq(amd_features(B(4) | (UINT64_C(15) << 32), 0),
			  sc | LIBIOMMU_HW_FEAT_PASID);
	ck_assert_uint_eq(info.pasid_bits, 16);
	/* Nesting needs GT, GIOSUP and EFR2.GCR3TRPMODE together. */
	ck_assert_uint_eq(amd_features(B(4) | B(48), 0), sc | LIBIOMMU_HW_FEAT_PASID);
	ck_assert_uint_eq(amd_features(B(4) | B(48), B(3)),
			  sc | LIBIOMMU_HW_FEAT_PASID | LIBIOMMU_HW_FEAT_NESTING);
	ck_assert_uint_eq(amd_features(B(48), B(3)), sc);
	/* HATS: 4, 5, 6 levels. */
	amd_features(0, 0);
	ck_assert_uint_eq(info.addr_bits, 48);
	amd_features(UINT64_C(1) << 10, 0);
	ck_assert_uint_eq(info.addr_bits, 57);
	amd_features(UINT64_C(2) << 10, 0);
	ck_assert_uint_eq(info.addr_bits, 64);
	ck_assert(info.pgsize_bitmap & B(12));
	ck_assert(!(info.pgsize_bitmap & B(39)));
}
END_TEST

static uint32_t smmu_features(uint32_t idr0, uint32_t idr1, uint32_t idr5)
{
	struct smmu_data d = { .idr = { idr0, idr1, 0, 0, 0, idr5 }, .iidr = 0x43b, .aidr = 2 };

	ck_assert_int_eq(decode(2, &d, sizeof(d)), 0);
	ck_assert_uint_eq(info.regs.smmuv3.idr[0], idr0);
	ck_assert_uint_eq(info.regs.smmuv3.idr[5], idr5);
	ck_assert_uint_eq(info.regs.smmuv3.iidr, 0x43b);
	ck_assert_uint_eq(info.regs.smmuv3.aidr, 2);
	return info.features;
}

START_TEST(smmuv3_bits)
{
	ck_assert_uint_eq(smmu_features(0, 0, 0), 0);
	/* Snoop forcing is a firmware property, never decoded. */
	ck_assert_uint_eq(info.features_known & LIBIOMMU_HW_FEAT_SNOOP_CONTROL, 0);
	/* Dirty: HTTU = 2 (access + dirty) and coherent table walks. */
	ck_assert_uint_eq(smmu_features((2u << 6) | B(4), 0, 0),
			  LIBIOMMU_HW_FEAT_DIRTY_TRACKING);
	ck_assert_uint_eq(smmu_features(2u << 6, 0, 0), 0);
	ck_assert_uint_eq(smmu_features((1u << 6) | B(4), 0, 0), 0);
	ck_assert_uint_eq(smmu_features(B(0) | B(1), 0, 0), LIBIOMMU_HW_FEAT_NESTING);
	ck_assert_uint_eq(smmu_features(B(1), 20u << 6, 0), LIBIOMMU_HW_FEAT_PASID);
	ck_assert_uint_eq(info.pasid_bits, 20);
	ck_assert_uint_eq(smmu_features(B(16) | B(10), 0, 0),
			  LIBIOMMU_HW_FEAT_PRI | LIBIOMMU_HW_FEAT_ATS);
	smmu_features(0, 0, B(4) | B(6) | (1u << 10));
	ck_assert_uint_eq(info.pgsize_bitmap,
			  B(12) | B(21) | B(30) | B(16) | B(29));
	ck_assert_uint_eq(info.addr_bits, 52);
}
END_TEST

START_TEST(other_types)
{
	uint32_t st[2] = { 0, 0xdeadbeef };
	uint8_t tegra[8] = { 0, 0, 0, 0, 1, 2, 3, 0 };
	uint8_t future[40];

	ck_assert_int_eq(decode(0xfeedbeef, st, sizeof(st)), 0);
	ck_assert_str_eq(libiommu_hw_type_name(info.type), "selftest");
	ck_assert_uint_eq(info.regs.selftest.test_reg, 0xdeadbeef);
	ck_assert_uint_eq(info.features_known, 0);

	ck_assert_int_eq(decode(3, tegra, sizeof(tegra)), 0);
	ck_assert_uint_eq(info.regs.tegra241_cmdqv.version, 1);
	ck_assert_uint_eq(info.regs.tegra241_cmdqv.log2vcmdqs, 2);
	ck_assert_uint_eq(info.regs.tegra241_cmdqv.log2vsids, 3);

	ck_assert_int_eq(decode(0, NULL, 0), 0);
	ck_assert_uint_eq(info.type, 0);
	ck_assert_uint_eq(info.features | info.features_known, 0);

	/* A type this libiommu does not know: raw bytes only. */
	memset(future, 0x42, sizeof(future));
	tu_assert_err(decode(99, future, sizeof(future)), -EOPNOTSUPP);
	ck_assert_uint_eq(info.type, 99);
	ck_assert_uint_eq(info.data_len, 40);
	ck_assert_uint_eq(info.regs.raw[0], 0x4242424242424242ull);
	ck_assert_uint_eq(info.regs.raw[5], 0);
	ck_assert_ptr_null(libiommu_hw_type_name(99));
}
END_TEST

START_TEST(bad_input)
{
	struct vtd_data d = { 0 };
	struct libiommu_hw_info small;

	tu_assert_err(decode(1, &d, sizeof(d) - 1), -EINVAL); /* too short */
	tu_assert_err(decode(1, NULL, 24), -EINVAL);
	tu_assert_err(libiommu_hw_info_decode(1, &d, sizeof(d), NULL), -EINVAL);
	small.sz = 0;
	tu_assert_err(libiommu_hw_info_decode(1, &d, sizeof(d), &small), -EINVAL);
	/* Longer data (a newer kernel's) is fine. */
	{
		uint64_t longer[8] = { 0, 0, B(7) };

		ck_assert_int_eq(decode(1, longer, sizeof(longer)), 0);
		ck_assert(info.features & LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
	}
}
END_TEST

START_TEST(result_struct_sz_is_respected)
{
	struct vtd_data d = { .ecap = B(7) };
	struct libiommu_hw_info r;

	memset(&r, 0xee, sizeof(r));
	r.sz = offsetof(struct libiommu_hw_info, features_known);
	ck_assert_int_eq(libiommu_hw_info_decode(1, &d, sizeof(d), &r), 0);
	ck_assert_uint_eq(r.sz, offsetof(struct libiommu_hw_info, features_known));
	ck_assert_uint_eq(r.features, LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
	ck_assert_uint_eq(r.features_known, 0xeeeeeeee);
}
END_TEST

START_TEST(newer_result_struct_gets_zeros)
{
	struct vtd_data d = { .ecap = B(7) };
	struct {
		struct libiommu_hw_info i;
		uint64_t future[2];
	} big;

	memset(&big, 0xee, sizeof(big));
	big.i.sz = sizeof(big); /* a caller built against a larger struct */
	ck_assert_int_eq(libiommu_hw_info_decode(1, &d, sizeof(d), &big.i), 0);
	ck_assert_uint_eq(big.i.sz, sizeof(big));
	ck_assert_uint_eq(big.i.features, LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
	ck_assert_uint_eq(big.future[0], 0);
	ck_assert_uint_eq(big.future[1], 0);
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(libiommu_hw_type_name(LIBIOMMU_HW_TYPE_NONE), "none");
	ck_assert_str_eq(libiommu_hw_type_name(LIBIOMMU_HW_TYPE_INTEL_VTD), "intel-vtd");
	ck_assert_str_eq(libiommu_hw_type_name(LIBIOMMU_HW_TYPE_ARM_SMMUV3), "arm-smmuv3");
	ck_assert_str_eq(libiommu_hw_type_name(LIBIOMMU_HW_TYPE_TEGRA241_CMDQV),
			 "tegra241-cmdqv");
	ck_assert_str_eq(libiommu_hw_type_name(LIBIOMMU_HW_TYPE_AMD), "amd");
	ck_assert_str_eq(libiommu_hw_type_name(LIBIOMMU_HW_TYPE_SELFTEST), "selftest");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hwinfo-decode");
	TCase *tc = tu_tcase(s, "decode");

	tcase_add_test(tc, vtd_bits);
	tcase_add_test(tc, amd_bits);
	tcase_add_test(tc, smmuv3_bits);
	tcase_add_test(tc, other_types);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, result_struct_sz_is_respected);
	tcase_add_test(tc, newer_result_struct_gets_zeros);
	tcase_add_test(tc, type_names);
	return tu_run(s);
}
