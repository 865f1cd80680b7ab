/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiommu's own description of the Linux iommufd ioctl interface
 * (/dev/iommu), as of Linux 7.3.
 *
 * Why our own copy: distributions ship uAPI headers that are older than the
 * kernels people run (Debian 12 has none for iommufd at all), and we want to
 * build everywhere and decide at run time what the kernel supports.  Every
 * name is the kernel's with "lx_"/"LX_" in front, so this header can sit in
 * the same translation unit as <linux/iommufd.h>; tests/test-uapi-compare.c
 * does exactly that and checks every number and layout against it.
 *
 * Layout rules we follow, because the kernel's ABI depends on them:
 *  - 64-bit fields that the kernel forces to 8-byte alignment carry
 *    LX_ALIGNED_U64, so i386 lays them out like x86_64;
 *  - every command struct starts with "size", which the caller sets to
 *    sizeof(struct); that is how the kernel tells old callers from new ones,
 *    so structs only ever grow at the end;
 *  - reserved fields must be zero on input.
 * The _Static_asserts after each struct pin the layout we expect.
 */
#ifndef LIBIOMMU_UAPI_IOMMUFD_H
#define LIBIOMMU_UAPI_IOMMUFD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

#ifndef LX_ALIGNED_U64
/* A u64 that is 8-byte aligned on every ABI (i386 would use 4 otherwise). */
#define LX_ALIGNED_U64 uint64_t __attribute__((aligned(8)))
#endif

#ifndef LX_UAPI_SIZE
/* Layout pins: a wrong number here is a build error, not a silent ABI bug. */
#define LX_UAPI_SIZE(type, sz) \
	_Static_assert(sizeof(struct type) == (sz), "sizeof(struct " #type ")")
#define LX_UAPI_OFF(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), \
		       "offsetof(struct " #type ", " #field ")")
#endif

/* All iommufd ioctls are _IO(';', cmd): the payload size travels in ->size. */
#define LX_IOMMUFD_TYPE (';')

enum {
	LX_IOMMUFD_CMD_BASE = 0x80,
	LX_IOMMUFD_CMD_DESTROY = LX_IOMMUFD_CMD_BASE,
	LX_IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	LX_IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	LX_IOMMUFD_CMD_IOAS_COPY = 0x83,
	LX_IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	LX_IOMMUFD_CMD_IOAS_MAP = 0x85,
	LX_IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	LX_IOMMUFD_CMD_OPTION = 0x87,
	LX_IOMMUFD_CMD_VFIO_IOAS = 0x88,
	LX_IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	LX_IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	LX_IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	LX_IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	LX_IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	LX_IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	LX_IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	LX_IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	LX_IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	LX_IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	LX_IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	LX_IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
	LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,
};

/* ------------------------------------------------------------ objects */

/* Drop any object (IOAS, HWPT, fault queue, vIOMMU, ...) by its id. */
struct lx_iommu_destroy {
	uint32_t size;
	uint32_t id;
};
LX_UAPI_SIZE(lx_iommu_destroy, 8);
LX_UAPI_OFF(lx_iommu_destroy, size, 0);
LX_UAPI_OFF(lx_iommu_destroy, id, 4);
#define LX_IOMMU_DESTROY _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_DESTROY)

/* ------------------------------------------------------------ IOAS */

struct lx_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;		/* none defined: 0 */
	uint32_t out_ioas_id;
};
LX_UAPI_SIZE(lx_iommu_ioas_alloc, 12);
LX_UAPI_OFF(lx_iommu_ioas_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_alloc, flags, 4);
LX_UAPI_OFF(lx_iommu_ioas_alloc, out_ioas_id, 8);
#define LX_IOMMU_IOAS_ALLOC _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_ALLOC)

/* Inclusive range: "last" is the last valid byte, not one past it. */
struct lx_iommu_iova_range {
	LX_ALIGNED_U64 start;
	LX_ALIGNED_U64 last;
};
LX_UAPI_SIZE(lx_iommu_iova_range, 16);
LX_UAPI_OFF(lx_iommu_iova_range, start, 0);
LX_UAPI_OFF(lx_iommu_iova_range, last, 8);

/*
 * Usable IOVA ranges of an IOAS.  allowed_iovas points to an array of
 * num_iovas ranges; if it is too small the kernel fails with EMSGSIZE and
 * still writes the needed count, so callers retry with a bigger array.
 */
struct lx_iommu_ioas_iova_ranges {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t __reserved;
	LX_ALIGNED_U64 allowed_iovas;		/* user pointer */
	LX_ALIGNED_U64 out_iova_alignment;
};
LX_UAPI_SIZE(lx_iommu_ioas_iova_ranges, 32);
LX_UAPI_OFF(lx_iommu_ioas_iova_ranges, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_iova_ranges, ioas_id, 4);
LX_UAPI_OFF(lx_iommu_ioas_iova_ranges, num_iovas, 8);
LX_UAPI_OFF(lx_iommu_ioas_iova_ranges, __reserved, 12);
LX_UAPI_OFF(lx_iommu_ioas_iova_ranges, allowed_iovas, 16);
LX_UAPI_OFF(lx_iommu_ioas_iova_ranges, out_iova_alignment, 24);
#define LX_IOMMU_IOAS_IOVA_RANGES \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_IOVA_RANGES)

/* Restrict where the kernel may place automatically chosen IOVAs. */
struct lx_iommu_ioas_allow_iovas {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t __reserved;
	LX_ALIGNED_U64 allowed_iovas;		/* user pointer */
};
LX_UAPI_SIZE(lx_iommu_ioas_allow_iovas, 24);
LX_UAPI_OFF(lx_iommu_ioas_allow_iovas, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_allow_iovas, ioas_id, 4);
LX_UAPI_OFF(lx_iommu_ioas_allow_iovas, num_iovas, 8);
LX_UAPI_OFF(lx_iommu_ioas_allow_iovas, __reserved, 12);
LX_UAPI_OFF(lx_iommu_ioas_allow_iovas, allowed_iovas, 16);
#define LX_IOMMU_IOAS_ALLOW_IOVAS \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Shared by IOAS_MAP, IOAS_MAP_FILE and IOAS_COPY. */
enum lx_iommufd_ioas_map_flags {
	LX_IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,	/* use ->iova, don't pick one */
	LX_IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,	/* device may write */
	LX_IOMMU_IOAS_MAP_READABLE = 1 << 2,	/* device may read */
};

struct lx_iommu_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t __reserved;
	LX_ALIGNED_U64 user_va;
	LX_ALIGNED_U64 length;
	LX_ALIGNED_U64 iova;	/* in with FIXED_IOVA, else out */
};
LX_UAPI_SIZE(lx_iommu_ioas_map, 40);
LX_UAPI_OFF(lx_iommu_ioas_map, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_map, flags, 4);
LX_UAPI_OFF(lx_iommu_ioas_map, ioas_id, 8);
LX_UAPI_OFF(lx_iommu_ioas_map, __reserved, 12);
LX_UAPI_OFF(lx_iommu_ioas_map, user_va, 16);
LX_UAPI_OFF(lx_iommu_ioas_map, length, 24);
LX_UAPI_OFF(lx_iommu_ioas_map, iova, 32);
#define LX_IOMMU_IOAS_MAP _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_MAP)

/*
 * Only for devices without IOMMU translation (noiommu): tells which physical
 * address an already mapped IOVA ended up at, and how many bytes from there
 * are physically contiguous (at most the length asked for).
 */
struct lx_iommu_ioas_noiommu_get_pa {
	uint32_t size;
	uint32_t flags;		/* none defined: 0 */
	uint32_t ioas_id;
	uint32_t __reserved;
	LX_ALIGNED_U64 iova;
	LX_ALIGNED_U64 length;	/* in: max bytes, non-zero; out: contiguous */
	LX_ALIGNED_U64 out_phys;
};
LX_UAPI_SIZE(lx_iommu_ioas_noiommu_get_pa, 40);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, flags, 4);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, ioas_id, 8);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, __reserved, 12);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, iova, 16);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, length, 24);
LX_UAPI_OFF(lx_iommu_ioas_noiommu_get_pa, out_phys, 32);
#define LX_IOMMU_IOAS_NOIOMMU_GET_PA \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

/* Like IOAS_MAP, but the memory is given as (fd, offset) of a memfd etc. */
struct lx_iommu_ioas_map_file {
	uint32_t size;
	uint32_t flags;		/* enum lx_iommufd_ioas_map_flags */
	uint32_t ioas_id;
	int32_t fd;
	LX_ALIGNED_U64 start;	/* offset into the file */
	LX_ALIGNED_U64 length;
	LX_ALIGNED_U64 iova;
};
LX_UAPI_SIZE(lx_iommu_ioas_map_file, 40);
LX_UAPI_OFF(lx_iommu_ioas_map_file, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_map_file, flags, 4);
LX_UAPI_OFF(lx_iommu_ioas_map_file, ioas_id, 8);
LX_UAPI_OFF(lx_iommu_ioas_map_file, fd, 12);
LX_UAPI_OFF(lx_iommu_ioas_map_file, start, 16);
LX_UAPI_OFF(lx_iommu_ioas_map_file, length, 24);
LX_UAPI_OFF(lx_iommu_ioas_map_file, iova, 32);
#define LX_IOMMU_IOAS_MAP_FILE \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_MAP_FILE)

/* Map pages already pinned by one IOAS into another, without re-pinning. */
struct lx_iommu_ioas_copy {
	uint32_t size;
	uint32_t flags;		/* enum lx_iommufd_ioas_map_flags */
	uint32_t dst_ioas_id;
	uint32_t src_ioas_id;
	LX_ALIGNED_U64 length;
	LX_ALIGNED_U64 dst_iova;
	LX_ALIGNED_U64 src_iova;
};
LX_UAPI_SIZE(lx_iommu_ioas_copy, 40);
LX_UAPI_OFF(lx_iommu_ioas_copy, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_copy, flags, 4);
LX_UAPI_OFF(lx_iommu_ioas_copy, dst_ioas_id, 8);
LX_UAPI_OFF(lx_iommu_ioas_copy, src_ioas_id, 12);
LX_UAPI_OFF(lx_iommu_ioas_copy, length, 16);
LX_UAPI_OFF(lx_iommu_ioas_copy, dst_iova, 24);
LX_UAPI_OFF(lx_iommu_ioas_copy, src_iova, 32);
#define LX_IOMMU_IOAS_COPY _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_COPY)

/* iova = 0 and length = UINT64_MAX unmaps everything; length is written back. */
struct lx_iommu_ioas_unmap {
	uint32_t size;
	uint32_t ioas_id;
	LX_ALIGNED_U64 iova;
	LX_ALIGNED_U64 length;
};
LX_UAPI_SIZE(lx_iommu_ioas_unmap, 24);
LX_UAPI_OFF(lx_iommu_ioas_unmap, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_unmap, ioas_id, 4);
LX_UAPI_OFF(lx_iommu_ioas_unmap, iova, 8);
LX_UAPI_OFF(lx_iommu_ioas_unmap, length, 16);
#define LX_IOMMU_IOAS_UNMAP _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_UNMAP)

/* ------------------------------------------------------------ options */

enum lx_iommufd_option {
	LX_IOMMU_OPTION_RLIMIT_MODE = 0,	/* ctx-wide; object_id 0 */
	LX_IOMMU_OPTION_HUGE_PAGES = 1,		/* per IOAS */
};

enum lx_iommufd_option_ops {
	LX_IOMMU_OPTION_OP_SET = 0,
	LX_IOMMU_OPTION_OP_GET = 1,
};

struct lx_iommu_option {
	uint32_t size;
	uint32_t option_id;
	uint16_t op;
	uint16_t __reserved;
	uint32_t object_id;
	LX_ALIGNED_U64 val64;
};
LX_UAPI_SIZE(lx_iommu_option, 24);
LX_UAPI_OFF(lx_iommu_option, size, 0);
LX_UAPI_OFF(lx_iommu_option, option_id, 4);
LX_UAPI_OFF(lx_iommu_option, op, 8);
LX_UAPI_OFF(lx_iommu_option, __reserved, 10);
LX_UAPI_OFF(lx_iommu_option, object_id, 12);
LX_UAPI_OFF(lx_iommu_option, val64, 16);
#define LX_IOMMU_OPTION _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_OPTION)

/* ------------------------------------------------------------ VFIO compat */

/* Which IOAS the VFIO container emulation on /dev/iommu uses. */
enum lx_iommufd_vfio_ioas_op {
	LX_IOMMU_VFIO_IOAS_GET = 0,
	LX_IOMMU_VFIO_IOAS_SET = 1,
	LX_IOMMU_VFIO_IOAS_CLEAR = 2,
};

struct lx_iommu_vfio_ioas {
	uint32_t size;
	uint32_t ioas_id;
	uint16_t op;
	uint16_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_vfio_ioas, 12);
LX_UAPI_OFF(lx_iommu_vfio_ioas, size, 0);
LX_UAPI_OFF(lx_iommu_vfio_ioas, ioas_id, 4);
LX_UAPI_OFF(lx_iommu_vfio_ioas, op, 8);
LX_UAPI_OFF(lx_iommu_vfio_ioas, __reserved, 10);
#define LX_IOMMU_VFIO_IOAS _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_VFIO_IOAS)

/* ------------------------------------------------------------ HWPT */

enum lx_iommufd_hwpt_alloc_flags {
	LX_IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,	/* may be a stage-2 */
	LX_IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	LX_IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,		/* ->fault_id is set */
	LX_IOMMU_HWPT_ALLOC_PASID = 1 << 3,		/* will attach to PASIDs */
};

/* Driver data for an Intel VT-d stage-1 (guest-owned) page table. */
enum lx_iommu_hwpt_vtd_s1_flags {
	LX_IOMMU_VTD_S1_SRE = 1 << 0,
	LX_IOMMU_VTD_S1_EAFE = 1 << 1,
	LX_IOMMU_VTD_S1_WPE = 1 << 2,
};

struct lx_iommu_hwpt_vtd_s1 {
	LX_ALIGNED_U64 flags;
	LX_ALIGNED_U64 pgtbl_addr;
	uint32_t addr_width;
	uint32_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_hwpt_vtd_s1, 24);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1, flags, 0);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1, pgtbl_addr, 8);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1, addr_width, 16);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1, __reserved, 20);

/* Guest stream table entry (little-endian words) for an SMMUv3 nested HWPT. */
struct lx_iommu_hwpt_arm_smmuv3 {
	LX_ALIGNED_U64 ste[2];
};
LX_UAPI_SIZE(lx_iommu_hwpt_arm_smmuv3, 16);
LX_UAPI_OFF(lx_iommu_hwpt_arm_smmuv3, ste, 0);

/* Guest device table entry for an AMD nested HWPT. */
struct lx_iommu_hwpt_amd_guest {
	LX_ALIGNED_U64 dte[4];
};
LX_UAPI_SIZE(lx_iommu_hwpt_amd_guest, 32);
LX_UAPI_OFF(lx_iommu_hwpt_amd_guest, dte, 0);

enum lx_iommu_hwpt_data_type {
	LX_IOMMU_HWPT_DATA_NONE = 0,
	LX_IOMMU_HWPT_DATA_VTD_S1 = 1,
	LX_IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	LX_IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/*
 * pt_id is an IOAS (kernel builds a paging HWPT), a nest-parent HWPT or a
 * vIOMMU (then data_type/data_uptr describe the guest's stage-1).
 */
struct lx_iommu_hwpt_alloc {
	uint32_t size;
	uint32_t flags;		/* enum lx_iommufd_hwpt_alloc_flags */
	uint32_t dev_id;
	uint32_t pt_id;
	uint32_t out_hwpt_id;
	uint32_t __reserved;
	uint32_t data_type;	/* enum lx_iommu_hwpt_data_type */
	uint32_t data_len;
	LX_ALIGNED_U64 data_uptr;
	uint32_t fault_id;	/* with LX_IOMMU_HWPT_FAULT_ID_VALID */
	uint32_t __reserved2;
};
LX_UAPI_SIZE(lx_iommu_hwpt_alloc, 48);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, flags, 4);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, dev_id, 8);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, pt_id, 12);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, out_hwpt_id, 16);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, __reserved, 20);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, data_type, 24);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, data_len, 28);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, data_uptr, 32);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, fault_id, 40);
LX_UAPI_OFF(lx_iommu_hwpt_alloc, __reserved2, 44);
#define LX_IOMMU_HWPT_ALLOC _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_HWPT_ALLOC)

/* ------------------------------------------------------------ HW info */

enum lx_iommu_hw_info_vtd_flags {
	LX_IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/* Raw VT-d capability registers; ECAP bit 7 (SC) is snoop control. */
struct lx_iommu_hw_info_vtd {
	uint32_t flags;
	uint32_t __reserved;
	LX_ALIGNED_U64 cap_reg;
	LX_ALIGNED_U64 ecap_reg;
};
LX_UAPI_SIZE(lx_iommu_hw_info_vtd, 24);
LX_UAPI_OFF(lx_iommu_hw_info_vtd, flags, 0);
LX_UAPI_OFF(lx_iommu_hw_info_vtd, __reserved, 4);
LX_UAPI_OFF(lx_iommu_hw_info_vtd, cap_reg, 8);
LX_UAPI_OFF(lx_iommu_hw_info_vtd, ecap_reg, 16);

enum lx_iommu_hw_info_arm_smmuv3_flags {
	LX_IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0,
};

/* Raw SMMUv3 ID registers (IDR0..IDR5, IIDR, AIDR). */
struct lx_iommu_hw_info_arm_smmuv3 {
	uint32_t flags;
	uint32_t __reserved;
	uint32_t idr[6];
	uint32_t iidr;
	uint32_t aidr;
};
LX_UAPI_SIZE(lx_iommu_hw_info_arm_smmuv3, 40);
LX_UAPI_OFF(lx_iommu_hw_info_arm_smmuv3, flags, 0);
LX_UAPI_OFF(lx_iommu_hw_info_arm_smmuv3, __reserved, 4);
LX_UAPI_OFF(lx_iommu_hw_info_arm_smmuv3, idr, 8);
LX_UAPI_OFF(lx_iommu_hw_info_arm_smmuv3, iidr, 32);
LX_UAPI_OFF(lx_iommu_hw_info_arm_smmuv3, aidr, 36);

/* NVIDIA Tegra241 CMDQV: sizes are log2 counts. */
struct lx_iommu_hw_info_tegra241_cmdqv {
	uint32_t flags;
	uint8_t version;
	uint8_t log2vcmdqs;
	uint8_t log2vsids;
	uint8_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_hw_info_tegra241_cmdqv, 8);
LX_UAPI_OFF(lx_iommu_hw_info_tegra241_cmdqv, flags, 0);
LX_UAPI_OFF(lx_iommu_hw_info_tegra241_cmdqv, version, 4);
LX_UAPI_OFF(lx_iommu_hw_info_tegra241_cmdqv, log2vcmdqs, 5);
LX_UAPI_OFF(lx_iommu_hw_info_tegra241_cmdqv, log2vsids, 6);
LX_UAPI_OFF(lx_iommu_hw_info_tegra241_cmdqv, __reserved, 7);

/* AMD IOMMU extended feature registers. */
struct lx_iommu_hw_info_amd {
	LX_ALIGNED_U64 efr;
	LX_ALIGNED_U64 efr2;
};
LX_UAPI_SIZE(lx_iommu_hw_info_amd, 16);
LX_UAPI_OFF(lx_iommu_hw_info_amd, efr, 0);
LX_UAPI_OFF(lx_iommu_hw_info_amd, efr2, 8);

enum lx_iommu_hw_info_type {
	LX_IOMMU_HW_INFO_TYPE_NONE = 0,
	/* as input (with FLAG_INPUT_TYPE): "whatever the driver reports" */
	LX_IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	LX_IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	LX_IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	LX_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	LX_IOMMU_HW_INFO_TYPE_AMD = 4,
};

enum lx_iommufd_hw_capabilities {
	LX_IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	LX_IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	LX_IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	LX_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

enum lx_iommufd_hw_info_flags {
	LX_IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,	/* in_data_type is valid */
};

struct lx_iommu_hw_info {
	uint32_t size;
	uint32_t flags;		/* enum lx_iommufd_hw_info_flags */
	uint32_t dev_id;
	uint32_t data_len;	/* in: buffer size; out: bytes written */
	LX_ALIGNED_U64 data_uptr;
	union {
		uint32_t in_data_type;
		uint32_t out_data_type;
	};
	uint8_t out_max_pasid_log2;
	uint8_t __reserved[3];
	LX_ALIGNED_U64 out_capabilities;	/* lx_iommufd_hw_capabilities */
};
LX_UAPI_SIZE(lx_iommu_hw_info, 40);
LX_UAPI_OFF(lx_iommu_hw_info, size, 0);
LX_UAPI_OFF(lx_iommu_hw_info, flags, 4);
LX_UAPI_OFF(lx_iommu_hw_info, dev_id, 8);
LX_UAPI_OFF(lx_iommu_hw_info, data_len, 12);
LX_UAPI_OFF(lx_iommu_hw_info, data_uptr, 16);
LX_UAPI_OFF(lx_iommu_hw_info, in_data_type, 24);
LX_UAPI_OFF(lx_iommu_hw_info, out_data_type, 24);
LX_UAPI_OFF(lx_iommu_hw_info, out_max_pasid_log2, 28);
LX_UAPI_OFF(lx_iommu_hw_info, __reserved, 29);
LX_UAPI_OFF(lx_iommu_hw_info, out_capabilities, 32);
#define LX_IOMMU_GET_HW_INFO _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_GET_HW_INFO)

/* ------------------------------------------------------------ dirty tracking */

enum lx_iommufd_hwpt_set_dirty_tracking_flags {
	LX_IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct lx_iommu_hwpt_set_dirty_tracking {
	uint32_t size;
	uint32_t flags;
	uint32_t hwpt_id;
	uint32_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_hwpt_set_dirty_tracking, 16);
LX_UAPI_OFF(lx_iommu_hwpt_set_dirty_tracking, size, 0);
LX_UAPI_OFF(lx_iommu_hwpt_set_dirty_tracking, flags, 4);
LX_UAPI_OFF(lx_iommu_hwpt_set_dirty_tracking, hwpt_id, 8);
LX_UAPI_OFF(lx_iommu_hwpt_set_dirty_tracking, __reserved, 12);
#define LX_IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum lx_iommufd_hwpt_get_dirty_bitmap_flags {
	LX_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,	/* read, keep dirty bits */
};

/* One bit per page_size bytes starting at iova; data is a user pointer. */
struct lx_iommu_hwpt_get_dirty_bitmap {
	uint32_t size;
	uint32_t hwpt_id;
	uint32_t flags;
	uint32_t __reserved;
	LX_ALIGNED_U64 iova;
	LX_ALIGNED_U64 length;
	LX_ALIGNED_U64 page_size;
	LX_ALIGNED_U64 data;
};
LX_UAPI_SIZE(lx_iommu_hwpt_get_dirty_bitmap, 48);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, size, 0);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, hwpt_id, 4);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, flags, 8);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, __reserved, 12);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, iova, 16);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, length, 24);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, page_size, 32);
LX_UAPI_OFF(lx_iommu_hwpt_get_dirty_bitmap, data, 40);
#define LX_IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/* ------------------------------------------------------------ invalidation */

/* Note the two numbering spaces: HWPT-targeted and vIOMMU-targeted. */
enum lx_iommu_hwpt_invalidate_data_type {
	LX_IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	LX_IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

enum lx_iommu_hwpt_vtd_s1_invalidate_flags {
	LX_IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

struct lx_iommu_hwpt_vtd_s1_invalidate {
	LX_ALIGNED_U64 addr;
	LX_ALIGNED_U64 npages;
	uint32_t flags;
	uint32_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_hwpt_vtd_s1_invalidate, 24);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1_invalidate, addr, 0);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1_invalidate, npages, 8);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1_invalidate, flags, 16);
LX_UAPI_OFF(lx_iommu_hwpt_vtd_s1_invalidate, __reserved, 20);

/* One raw SMMUv3 command-queue entry (little-endian words). */
struct lx_iommu_viommu_arm_smmuv3_invalidate {
	LX_ALIGNED_U64 cmd[2];
};
LX_UAPI_SIZE(lx_iommu_viommu_arm_smmuv3_invalidate, 16);
LX_UAPI_OFF(lx_iommu_viommu_arm_smmuv3_invalidate, cmd, 0);

/*
 * hwpt_id may also name a vIOMMU.  entry_num is updated to how many
 * entries were handled, so a partial failure can be resumed.
 */
struct lx_iommu_hwpt_invalidate {
	uint32_t size;
	uint32_t hwpt_id;
	LX_ALIGNED_U64 data_uptr;
	uint32_t data_type;	/* enum lx_iommu_hwpt_invalidate_data_type */
	uint32_t entry_len;
	uint32_t entry_num;
	uint32_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_hwpt_invalidate, 32);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, size, 0);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, hwpt_id, 4);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, data_uptr, 8);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, data_type, 16);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, entry_len, 20);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, entry_num, 24);
LX_UAPI_OFF(lx_iommu_hwpt_invalidate, __reserved, 28);
#define LX_IOMMU_HWPT_INVALIDATE \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_HWPT_INVALIDATE)

/* ------------------------------------------------------------ I/O page faults */

enum lx_iommu_hwpt_pgfault_flags {
	LX_IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,
	LX_IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1,	/* last of its group */
};

enum lx_iommu_hwpt_pgfault_perm {
	LX_IOMMU_PGFAULT_PERM_READ = 1 << 0,
	LX_IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	LX_IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	LX_IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};

/* What read() on a fault queue fd returns, one record per faulting page. */
struct lx_iommu_hwpt_pgfault {
	uint32_t flags;
	uint32_t dev_id;
	uint32_t pasid;
	uint32_t grpid;
	uint32_t perm;
	uint32_t __reserved;
	LX_ALIGNED_U64 addr;
	uint32_t length;
	uint32_t cookie;	/* echo back in the response */
};
LX_UAPI_SIZE(lx_iommu_hwpt_pgfault, 40);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, flags, 0);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, dev_id, 4);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, pasid, 8);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, grpid, 12);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, perm, 16);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, __reserved, 20);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, addr, 24);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, length, 32);
LX_UAPI_OFF(lx_iommu_hwpt_pgfault, cookie, 36);

enum lx_iommufd_page_response_code {
	LX_IOMMUFD_PAGE_RESP_SUCCESS = 0,
	LX_IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* What write() on a fault queue fd takes. */
struct lx_iommu_hwpt_page_response {
	uint32_t cookie;
	uint32_t code;		/* enum lx_iommufd_page_response_code */
};
LX_UAPI_SIZE(lx_iommu_hwpt_page_response, 8);
LX_UAPI_OFF(lx_iommu_hwpt_page_response, cookie, 0);
LX_UAPI_OFF(lx_iommu_hwpt_page_response, code, 4);

struct lx_iommu_fault_alloc {
	uint32_t size;
	uint32_t flags;		/* none defined: 0 */
	uint32_t out_fault_id;
	uint32_t out_fault_fd;
};
LX_UAPI_SIZE(lx_iommu_fault_alloc, 16);
LX_UAPI_OFF(lx_iommu_fault_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_fault_alloc, flags, 4);
LX_UAPI_OFF(lx_iommu_fault_alloc, out_fault_id, 8);
LX_UAPI_OFF(lx_iommu_fault_alloc, out_fault_fd, 12);
#define LX_IOMMU_FAULT_QUEUE_ALLOC \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* ------------------------------------------------------------ vIOMMU */

enum lx_iommu_viommu_type {
	LX_IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	LX_IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	LX_IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/* Output of a Tegra241 CMDQV vIOMMU: where to mmap its VINTF page. */
struct lx_iommu_viommu_tegra241_cmdqv {
	LX_ALIGNED_U64 out_vintf_mmap_offset;
	LX_ALIGNED_U64 out_vintf_mmap_length;
};
LX_UAPI_SIZE(lx_iommu_viommu_tegra241_cmdqv, 16);
LX_UAPI_OFF(lx_iommu_viommu_tegra241_cmdqv, out_vintf_mmap_offset, 0);
LX_UAPI_OFF(lx_iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length, 8);

struct lx_iommu_viommu_alloc {
	uint32_t size;
	uint32_t flags;		/* none defined: 0 */
	uint32_t type;		/* enum lx_iommu_viommu_type */
	uint32_t dev_id;
	uint32_t hwpt_id;	/* a nest-parent HWPT */
	uint32_t out_viommu_id;
	uint32_t data_len;
	uint32_t __reserved;
	LX_ALIGNED_U64 data_uptr;
};
LX_UAPI_SIZE(lx_iommu_viommu_alloc, 40);
LX_UAPI_OFF(lx_iommu_viommu_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_viommu_alloc, flags, 4);
LX_UAPI_OFF(lx_iommu_viommu_alloc, type, 8);
LX_UAPI_OFF(lx_iommu_viommu_alloc, dev_id, 12);
LX_UAPI_OFF(lx_iommu_viommu_alloc, hwpt_id, 16);
LX_UAPI_OFF(lx_iommu_viommu_alloc, out_viommu_id, 20);
LX_UAPI_OFF(lx_iommu_viommu_alloc, data_len, 24);
LX_UAPI_OFF(lx_iommu_viommu_alloc, __reserved, 28);
LX_UAPI_OFF(lx_iommu_viommu_alloc, data_uptr, 32);
#define LX_IOMMU_VIOMMU_ALLOC _IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_VIOMMU_ALLOC)

/* Tell a vIOMMU the guest-visible id (e.g. vSID, vRID) of a device. */
struct lx_iommu_vdevice_alloc {
	uint32_t size;
	uint32_t viommu_id;
	uint32_t dev_id;
	uint32_t out_vdevice_id;
	LX_ALIGNED_U64 virt_id;
};
LX_UAPI_SIZE(lx_iommu_vdevice_alloc, 24);
LX_UAPI_OFF(lx_iommu_vdevice_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_vdevice_alloc, viommu_id, 4);
LX_UAPI_OFF(lx_iommu_vdevice_alloc, dev_id, 8);
LX_UAPI_OFF(lx_iommu_vdevice_alloc, out_vdevice_id, 12);
LX_UAPI_OFF(lx_iommu_vdevice_alloc, virt_id, 16);
#define LX_IOMMU_VDEVICE_ALLOC \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_VDEVICE_ALLOC)

/* ------------------------------------------------------------ change process */

/* Move pinned-page accounting to the calling process (for live update). */
struct lx_iommu_ioas_change_process {
	uint32_t size;
	uint32_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_ioas_change_process, 8);
LX_UAPI_OFF(lx_iommu_ioas_change_process, size, 0);
LX_UAPI_OFF(lx_iommu_ioas_change_process, __reserved, 4);
#define LX_IOMMU_IOAS_CHANGE_PROCESS \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/* ------------------------------------------------------------ vEVENTQ */

enum lx_iommu_veventq_flag {
	LX_IOMMU_VEVENTQ_FLAG_LOST_EVENTS = 1U << 0,
};

/* Precedes every event read() from a vEVENTQ fd. */
struct lx_iommufd_vevent_header {
	uint32_t flags;		/* enum lx_iommu_veventq_flag */
	uint32_t sequence;
};
LX_UAPI_SIZE(lx_iommufd_vevent_header, 8);
LX_UAPI_OFF(lx_iommufd_vevent_header, flags, 0);
LX_UAPI_OFF(lx_iommufd_vevent_header, sequence, 4);

enum lx_iommu_veventq_type {
	LX_IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	LX_IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	LX_IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* A raw SMMUv3 event-queue record, little-endian words. */
struct lx_iommu_vevent_arm_smmuv3 {
	LX_ALIGNED_U64 evt[4];
};
LX_UAPI_SIZE(lx_iommu_vevent_arm_smmuv3, 32);
LX_UAPI_OFF(lx_iommu_vevent_arm_smmuv3, evt, 0);

/* Tegra241 CMDQV: which virtual command queues hit an error (bitmap). */
struct lx_iommu_vevent_tegra241_cmdqv {
	LX_ALIGNED_U64 lvcmdq_err_map[2];
};
LX_UAPI_SIZE(lx_iommu_vevent_tegra241_cmdqv, 16);
LX_UAPI_OFF(lx_iommu_vevent_tegra241_cmdqv, lvcmdq_err_map, 0);

struct lx_iommu_veventq_alloc {
	uint32_t size;
	uint32_t flags;		/* none defined: 0 */
	uint32_t viommu_id;
	uint32_t type;		/* enum lx_iommu_veventq_type */
	uint32_t veventq_depth;
	uint32_t out_veventq_id;
	uint32_t out_veventq_fd;
	uint32_t __reserved;
};
LX_UAPI_SIZE(lx_iommu_veventq_alloc, 32);
LX_UAPI_OFF(lx_iommu_veventq_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_veventq_alloc, flags, 4);
LX_UAPI_OFF(lx_iommu_veventq_alloc, viommu_id, 8);
LX_UAPI_OFF(lx_iommu_veventq_alloc, type, 12);
LX_UAPI_OFF(lx_iommu_veventq_alloc, veventq_depth, 16);
LX_UAPI_OFF(lx_iommu_veventq_alloc, out_veventq_id, 20);
LX_UAPI_OFF(lx_iommu_veventq_alloc, out_veventq_fd, 24);
LX_UAPI_OFF(lx_iommu_veventq_alloc, __reserved, 28);
#define LX_IOMMU_VEVENTQ_ALLOC \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_VEVENTQ_ALLOC)

/* ------------------------------------------------------------ HW queue */

enum lx_iommu_hw_queue_type {
	LX_IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	LX_IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/* A queue the guest drives directly; its memory is guest IPA (stage-2). */
struct lx_iommu_hw_queue_alloc {
	uint32_t size;
	uint32_t flags;		/* none defined: 0 */
	uint32_t viommu_id;
	uint32_t type;		/* enum lx_iommu_hw_queue_type */
	uint32_t index;
	uint32_t out_hw_queue_id;
	LX_ALIGNED_U64 nesting_parent_iova;
	LX_ALIGNED_U64 length;
};
LX_UAPI_SIZE(lx_iommu_hw_queue_alloc, 40);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, size, 0);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, flags, 4);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, viommu_id, 8);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, type, 12);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, index, 16);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, out_hw_queue_id, 20);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, nesting_parent_iova, 24);
LX_UAPI_OFF(lx_iommu_hw_queue_alloc, length, 32);
#define LX_IOMMU_HW_QUEUE_ALLOC \
	_IO(LX_IOMMUFD_TYPE, LX_IOMMUFD_CMD_HW_QUEUE_ALLOC)

#endif /* LIBIOMMU_UAPI_IOMMUFD_H */
