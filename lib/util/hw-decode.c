// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoding IOMMU hardware info (the driver data of IOMMU_GET_HW_INFO).
 * Pure: bytes in, struct out; tested on the host with made-up registers.
 *
 * The kernel hands out each driver's capability registers verbatim; what a
 * VMM wants to know (can it force snooping, track dirty pages, nest, use
 * PASIDs) is spread over vendor-specific bits.  The decoders below read
 * those bits from the register layouts in the vendors' specifications (bit
 * positions as the Linux drivers use them) and report them in one form.
 * Besides the features, each decoder says which of them its registers can
 * tell at all (features_known): e.g. an SMMUv3's snoop forcing depends on
 * firmware tables, not on an ID register.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "util/hw-decode.h"
#include "uapi/iommufd.h"

/* The public numbers are the kernel's: data passes through unchanged. */
_Static_assert(LIBIOMMU_HW_TYPE_INTEL_VTD == LX_IOMMU_HW_INFO_TYPE_INTEL_VTD &&
		       LIBIOMMU_HW_TYPE_ARM_SMMUV3 == LX_IOMMU_HW_INFO_TYPE_ARM_SMMUV3 &&
		       LIBIOMMU_HW_TYPE_TEGRA241_CMDQV == LX_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV &&
		       LIBIOMMU_HW_TYPE_AMD == LX_IOMMU_HW_INFO_TYPE_AMD,
	       "hw info types must be the kernel's");
_Static_assert(LIBIOMMU_HW_CAP_DIRTY_TRACKING == LX_IOMMU_HW_CAP_DIRTY_TRACKING &&
		       LIBIOMMU_HW_CAP_PCI_PASID_EXEC == LX_IOMMU_HW_CAP_PCI_PASID_EXEC &&
		       LIBIOMMU_HW_CAP_PCI_PASID_PRIV == LX_IOMMU_HW_CAP_PCI_PASID_PRIV &&
		       LIBIOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED == LX_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED,
	       "hw capability bits must be the kernel's");

/* The selftest mock's data (drivers/iommu/iommufd/iommufd_test.h). */
struct lu_hw_info_selftest {
	uint32_t flags;
	uint32_t test_reg;
};

#define BIT64(n) (UINT64_C(1) << (n))
#define FIELD(v, hi, lo) (((v) >> (lo)) & ((UINT64_C(1) << ((hi) - (lo) + 1)) - 1))

#define FEAT_ALL \
	(LIBIOMMU_HW_FEAT_SNOOP_CONTROL | LIBIOMMU_HW_FEAT_DIRTY_TRACKING | \
	 LIBIOMMU_HW_FEAT_NESTING | LIBIOMMU_HW_FEAT_PASID | \
	 LIBIOMMU_HW_FEAT_PRI | LIBIOMMU_HW_FEAT_ATS)

static void set_feat(struct libiommu_hw_info *info, uint32_t feat, bool on)
{
	info->features_known |= feat;
	if (on)
		info->features |= feat;
}

/* ---- Intel VT-d: Capability and Extended Capability registers ------------ */

/* CAP */
#define VTD_CAP_SAGAW_SHIFT 8
#define VTD_CAP_MGAW(c) (FIELD(c, 21, 16) + 1)
#define VTD_CAP_SLLPS(c) FIELD(c, 37, 34) /* bit 0: 2 MiB, bit 1: 1 GiB */
/* ECAP */
#define VTD_ECAP_DT BIT64(2)		 /* device TLB (ATS) */
#define VTD_ECAP_SC BIT64(7)		 /* snoop control */
#define VTD_ECAP_NEST BIT64(26)		 /* nested translation */
#define VTD_ECAP_PRS BIT64(29)		 /* page requests */
#define VTD_ECAP_PSS(e) FIELD(e, 39, 35) /* PASID size - 1 */
#define VTD_ECAP_PASID BIT64(40)
#define VTD_ECAP_SLADS BIT64(45) /* second-stage accessed/dirty bits */

static void decode_vtd(const struct lx_iommu_hw_info_vtd *v,
		       struct libiommu_hw_info *info)
{
	uint64_t cap = v->cap_reg, ecap = v->ecap_reg, sllps;

	info->regs.vtd.flags = v->flags;
	info->regs.vtd.cap_reg = cap;
	info->regs.vtd.ecap_reg = ecap;

	set_feat(info, LIBIOMMU_HW_FEAT_SNOOP_CONTROL, ecap & VTD_ECAP_SC);
	set_feat(info, LIBIOMMU_HW_FEAT_DIRTY_TRACKING, ecap & VTD_ECAP_SLADS);
	set_feat(info, LIBIOMMU_HW_FEAT_NESTING, ecap & VTD_ECAP_NEST);
	set_feat(info, LIBIOMMU_HW_FEAT_PASID, ecap & VTD_ECAP_PASID);
	set_feat(info, LIBIOMMU_HW_FEAT_PRI, ecap & VTD_ECAP_PRS);
	set_feat(info, LIBIOMMU_HW_FEAT_ATS, ecap & VTD_ECAP_DT);
	if (ecap & VTD_ECAP_PASID)
		info->pasid_bits = (uint32_t)VTD_ECAP_PSS(ecap) + 1;
	info->addr_bits = (uint32_t)VTD_CAP_MGAW(cap);
	/* Second-stage page sizes: 4 KiB always, larger per SLLPS. */
	sllps = VTD_CAP_SLLPS(cap);
	info->pgsize_bitmap = BIT64(12);
	if (sllps & 1)
		info->pgsize_bitmap |= BIT64(21);
	if (sllps & 2)
		info->pgsize_bitmap |= BIT64(30);
}

/* ---- AMD-Vi: Extended Feature Registers ------------------------------------- */

#define AMD_EFR_PPR BIT64(1)
#define AMD_EFR_GT BIT64(4)		   /* guest translation (PASID, v2 tables) */
#define AMD_EFR_HATS(e) FIELD(e, 11, 10)   /* host page table levels - 4 */
#define AMD_EFR_PASMAX(e) FIELD(e, 36, 32) /* PASID width - 1 */
#define AMD_EFR_GIOSUP BIT64(48)	   /* guest I/O protection */
#define AMD_EFR_HDSUP BIT64(52)		   /* host dirty bits */
#define AMD_EFR2_GCR3TRPMODE BIT64(3)	   /* GCR3 table root pointer as GPA */

static void decode_amd(const struct lx_iommu_hw_info_amd *a,
		       struct libiommu_hw_info *info)
{
	uint64_t efr = a->efr, efr2 = a->efr2;
	unsigned int hats = (unsigned int)AMD_EFR_HATS(efr);

	info->regs.amd.efr = efr;
	info->regs.amd.efr2 = efr2;

	/* The architecture lets every AMD IOMMU force coherent DMA. */
	set_feat(info, LIBIOMMU_HW_FEAT_SNOOP_CONTROL, true);
	set_feat(info, LIBIOMMU_HW_FEAT_DIRTY_TRACKING, efr & AMD_EFR_HDSUP);
	set_feat(info, LIBIOMMU_HW_FEAT_NESTING,
		 (efr & AMD_EFR_GT) && (efr & AMD_EFR_GIOSUP) &&
			 (efr2 & AMD_EFR2_GCR3TRPMODE));
	set_feat(info, LIBIOMMU_HW_FEAT_PASID, efr & AMD_EFR_GT);
	set_feat(info, LIBIOMMU_HW_FEAT_PRI, efr & AMD_EFR_PPR);
	/* ATS support is per device (IVRS), not in the EFR: unknown here. */
	if (efr & AMD_EFR_GT)
		info->pasid_bits = (uint32_t)AMD_EFR_PASMAX(efr) + 1;
	/* 4, 5 or 6 levels of the v1 host table: 48, 57 or 64 bits. */
	if (hats <= 2)
		info->addr_bits = hats == 2 ? 64 : 48 + 9 * hats;
	/* The v1 host table maps every power of two from 4 KiB up, but 512 GiB. */
	info->pgsize_bitmap = (~UINT64_C(0) << 12) & (BIT64(52) - 1) & ~BIT64(39);
}

/* ---- ARM SMMUv3: ID registers ------------------------------------------------ */

#define SMMU_IDR0_S2P (UINT32_C(1) << 0)
#define SMMU_IDR0_S1P (UINT32_C(1) << 1)
#define SMMU_IDR0_COHACC (UINT32_C(1) << 4)
#define SMMU_IDR0_HTTU(r) FIELD(r, 7, 6) /* 2, 3: access + dirty */
#define SMMU_IDR0_ATS (UINT32_C(1) << 10)
#define SMMU_IDR0_PRI (UINT32_C(1) << 16)
#define SMMU_IDR1_SSIDSIZE(r) FIELD(r, 10, 6)
#define SMMU_IDR5_GRAN4K (UINT32_C(1) << 4)
#define SMMU_IDR5_GRAN16K (UINT32_C(1) << 5)
#define SMMU_IDR5_GRAN64K (UINT32_C(1) << 6)
#define SMMU_IDR5_VAX(r) FIELD(r, 11, 10) /* 1: 52-bit stage-1 input */

static void decode_smmuv3(const struct lx_iommu_hw_info_arm_smmuv3 *s,
			  struct libiommu_hw_info *info)
{
	uint32_t idr0 = s->idr[0], idr1 = s->idr[1], idr5 = s->idr[5];
	uint32_t ssid = (uint32_t)SMMU_IDR1_SSIDSIZE(idr1);
	unsigned int i;

	info->regs.smmuv3.flags = s->flags;
	for (i = 0; i < 6; i++)
		info->regs.smmuv3.idr[i] = s->idr[i];
	info->regs.smmuv3.iidr = s->iidr;
	info->regs.smmuv3.aidr = s->aidr;

	/* Snoop forcing comes from firmware's coherency description: unknown. */
	set_feat(info, LIBIOMMU_HW_FEAT_DIRTY_TRACKING,
		 SMMU_IDR0_HTTU(idr0) >= 2 && (idr0 & SMMU_IDR0_COHACC));
	set_feat(info, LIBIOMMU_HW_FEAT_NESTING,
		 (idr0 & SMMU_IDR0_S1P) && (idr0 & SMMU_IDR0_S2P));
	set_feat(info, LIBIOMMU_HW_FEAT_PASID, (idr0 & SMMU_IDR0_S1P) && ssid);
	set_feat(info, LIBIOMMU_HW_FEAT_PRI, idr0 & SMMU_IDR0_PRI);
	set_feat(info, LIBIOMMU_HW_FEAT_ATS, idr0 & SMMU_IDR0_ATS);
	if ((idr0 & SMMU_IDR0_S1P) && ssid)
		info->pasid_bits = ssid;
	info->addr_bits = SMMU_IDR5_VAX(idr5) == 1 ? 52 : 48;
	if (idr5 & SMMU_IDR5_GRAN4K)
		info->pgsize_bitmap |= BIT64(12) | BIT64(21) | BIT64(30);
	if (idr5 & SMMU_IDR5_GRAN16K)
		info->pgsize_bitmap |= BIT64(14) | BIT64(25);
	if (idr5 & SMMU_IDR5_GRAN64K)
		info->pgsize_bitmap |= BIT64(16) | BIT64(29);
}

static void decode_tegra241(const struct lx_iommu_hw_info_tegra241_cmdqv *t,
			    struct libiommu_hw_info *info)
{
	/* Command-queue virtualisation sizes only; no translation features. */
	info->regs.tegra241_cmdqv.flags = t->flags;
	info->regs.tegra241_cmdqv.version = t->version;
	info->regs.tegra241_cmdqv.log2vcmdqs = t->log2vcmdqs;
	info->regs.tegra241_cmdqv.log2vsids = t->log2vsids;
}

static void decode_selftest(const struct lu_hw_info_selftest *t,
			    struct libiommu_hw_info *info)
{
	/* The mock has no capability registers: its features are not known. */
	info->regs.selftest.flags = t->flags;
	info->regs.selftest.test_reg = t->test_reg;
}

int lu_hw_info_decode(uint32_t type, const void *data, size_t len,
		      struct libiommu_hw_info *info)
{
	union {
		struct lx_iommu_hw_info_vtd vtd;
		struct lx_iommu_hw_info_amd amd;
		struct lx_iommu_hw_info_arm_smmuv3 smmuv3;
		struct lx_iommu_hw_info_tegra241_cmdqv tegra;
		struct lu_hw_info_selftest selftest;
		uint64_t raw[8];
	} u;
	size_t need;

	memset(info, 0, sizeof(*info));
	info->type = type;
	info->data_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;

	switch (type) {
	case LIBIOMMU_HW_TYPE_NONE:
		return 0;
	case LIBIOMMU_HW_TYPE_INTEL_VTD:
		need = sizeof(u.vtd);
		break;
	case LIBIOMMU_HW_TYPE_AMD:
		need = sizeof(u.amd);
		break;
	case LIBIOMMU_HW_TYPE_ARM_SMMUV3:
		need = sizeof(u.smmuv3);
		break;
	case LIBIOMMU_HW_TYPE_TEGRA241_CMDQV:
		need = sizeof(u.tegra);
		break;
	case LIBIOMMU_HW_TYPE_SELFTEST:
		need = sizeof(u.selftest);
		break;
	default:
		if (data && len)
			memcpy(info->regs.raw, data,
			       len < sizeof(info->regs.raw) ? len : sizeof(info->regs.raw));
		return -EOPNOTSUPP;
	}
	if (len < need)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	memcpy(&u, data, need);

	switch (type) {
	case LIBIOMMU_HW_TYPE_INTEL_VTD:
		decode_vtd(&u.vtd, info);
		break;
	case LIBIOMMU_HW_TYPE_AMD:
		decode_amd(&u.amd, info);
		break;
	case LIBIOMMU_HW_TYPE_ARM_SMMUV3:
		decode_smmuv3(&u.smmuv3, info);
		break;
	case LIBIOMMU_HW_TYPE_TEGRA241_CMDQV:
		decode_tegra241(&u.tegra, info);
		break;
	case LIBIOMMU_HW_TYPE_SELFTEST:
		decode_selftest(&u.selftest, info);
		break;
	}
	return 0;
}

const char *lu_hw_type_name(uint32_t type)
{
	switch (type) {
	case LIBIOMMU_HW_TYPE_NONE:
		return "none";
	case LIBIOMMU_HW_TYPE_INTEL_VTD:
		return "intel-vtd";
	case LIBIOMMU_HW_TYPE_ARM_SMMUV3:
		return "arm-smmuv3";
	case LIBIOMMU_HW_TYPE_TEGRA241_CMDQV:
		return "tegra241-cmdqv";
	case LIBIOMMU_HW_TYPE_AMD:
		return "amd";
	case LIBIOMMU_HW_TYPE_SELFTEST:
		return "selftest";
	}
	return NULL;
}
