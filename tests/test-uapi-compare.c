/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compare libiommu's own uAPI definitions (lib/uapi/{iommufd,vfio,kvm}.h)
 * with real kernel uAPI headers, in one translation unit.
 *
 * Build:  $CC -I<kernel headers> -I<top_srcdir>/lib test-uapi-compare.c
 * (tests/test-uapi-compare.sh does this for $KERNEL_HEADERS and for
 * /usr/include when it has linux/iommufd.h.)
 *
 * Every check is a _Static_assert, so a mismatch is a compile error that
 * names the constant, struct or field; the program itself only reports how
 * much was compared.  Each of our names is the kernel's with LX_/lx_ in
 * front, which is what the SAME_* macros rely on.
 *
 * Older headers: the full comparison needs headers at least as new as what
 * lib/uapi describes (Linux 7.3).  Against an older header (a distro's
 * /usr/include, say) we compare what is known not to have changed since it
 * first appeared, and say so in the output, rather than failing on things
 * the header is merely too old to have.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <linux/kvm.h>
#include <linux/magic.h>
#include <linux/fcntl.h>

#include "uapi/iommufd.h"
#include "uapi/vfio.h"
#include "uapi/kvm.h"
#include "uapi/fs.h"

/* The newest item of each header that lib/uapi covers: "header is new enough". */
#ifdef IOMMU_IOAS_NOIOMMU_GET_PA
#define FULL_IOMMUFD 1
#else
#define FULL_IOMMUFD 0
#endif
#ifdef VFIO_DEVICE_FEATURE_ZPCI_ERROR
#define FULL_VFIO 1
#else
#define FULL_VFIO 0
#endif
#ifdef KVM_DEV_VFIO_FILE
#define FULL_KVM 1
#else
#define FULL_KVM 0
#endif

static unsigned int n_const, n_struct, n_field;

#define CHECK(cond, what, counter) \
	do { \
		_Static_assert(cond, "uapi mismatch: " what); \
		(counter)++; \
	} while (0)

/*
 * LX_name == name (ioctl numbers, enum values, flags).  The casts make
 * values of two different enum types comparable without -Wenum-compare.
 */
#define SAME(name) \
	CHECK((long long)(LX_##name) == (long long)(name), #name, n_const)

/* For a flag in a u32 field whose kernel spelling is the int 1 << 31. */
#define SAME_U32(name) \
	CHECK((uint32_t)(LX_##name) == (uint32_t)(name), #name, n_const)

/* struct lx_s has the size and alignment of struct s */
#define SAME_STRUCT(s) \
	CHECK(sizeof(struct lx_##s) == sizeof(struct s) && \
		      _Alignof(struct lx_##s) == _Alignof(struct s), \
	      "size/alignment of struct " #s, n_struct)

#define FIELD_SZ(type, f) sizeof(((type *)0)->f)

/* same offset and same size of field f */
#define SAME_FIELD(s, f) \
	CHECK(offsetof(struct lx_##s, f) == offsetof(struct s, f) && \
		      FIELD_SZ(struct lx_##s, f) == FIELD_SZ(struct s, f), \
	      "offset/size of " #s "." #f, n_field)

/* flexible array member: same offset and same element size */
#define SAME_FLEX(s, f) \
	CHECK(offsetof(struct lx_##s, f) == offsetof(struct s, f) && \
		      FIELD_SZ(struct lx_##s, f[0]) == FIELD_SZ(struct s, f[0]), \
	      "offset/element size of " #s "." #f "[]", n_field)

/* ------------------------------------------------------------ iommufd */

/* Present in every iommufd.h since Linux 6.2 and never changed since. */
static void check_iommufd_core(void)
{
	SAME(IOMMUFD_TYPE);
	SAME(IOMMUFD_CMD_BASE);

	SAME(IOMMUFD_CMD_DESTROY);
	SAME(IOMMU_DESTROY);
	SAME_STRUCT(iommu_destroy);
	SAME_FIELD(iommu_destroy, size);
	SAME_FIELD(iommu_destroy, id);

	SAME(IOMMUFD_CMD_IOAS_ALLOC);
	SAME(IOMMU_IOAS_ALLOC);
	SAME_STRUCT(iommu_ioas_alloc);
	SAME_FIELD(iommu_ioas_alloc, size);
	SAME_FIELD(iommu_ioas_alloc, flags);
	SAME_FIELD(iommu_ioas_alloc, out_ioas_id);

	SAME_STRUCT(iommu_iova_range);
	SAME_FIELD(iommu_iova_range, start);
	SAME_FIELD(iommu_iova_range, last);

	SAME(IOMMUFD_CMD_IOAS_IOVA_RANGES);
	SAME(IOMMU_IOAS_IOVA_RANGES);
	SAME_STRUCT(iommu_ioas_iova_ranges);
	SAME_FIELD(iommu_ioas_iova_ranges, size);
	SAME_FIELD(iommu_ioas_iova_ranges, ioas_id);
	SAME_FIELD(iommu_ioas_iova_ranges, num_iovas);
	SAME_FIELD(iommu_ioas_iova_ranges, __reserved);
	SAME_FIELD(iommu_ioas_iova_ranges, allowed_iovas);
	SAME_FIELD(iommu_ioas_iova_ranges, out_iova_alignment);

	SAME(IOMMUFD_CMD_IOAS_ALLOW_IOVAS);
	SAME(IOMMU_IOAS_ALLOW_IOVAS);
	SAME_STRUCT(iommu_ioas_allow_iovas);
	SAME_FIELD(iommu_ioas_allow_iovas, size);
	SAME_FIELD(iommu_ioas_allow_iovas, ioas_id);
	SAME_FIELD(iommu_ioas_allow_iovas, num_iovas);
	SAME_FIELD(iommu_ioas_allow_iovas, __reserved);
	SAME_FIELD(iommu_ioas_allow_iovas, allowed_iovas);

	SAME(IOMMU_IOAS_MAP_FIXED_IOVA);
	SAME(IOMMU_IOAS_MAP_WRITEABLE);
	SAME(IOMMU_IOAS_MAP_READABLE);

	SAME(IOMMUFD_CMD_IOAS_MAP);
	SAME(IOMMU_IOAS_MAP);
	SAME_STRUCT(iommu_ioas_map);
	SAME_FIELD(iommu_ioas_map, size);
	SAME_FIELD(iommu_ioas_map, flags);
	SAME_FIELD(iommu_ioas_map, ioas_id);
	SAME_FIELD(iommu_ioas_map, __reserved);
	SAME_FIELD(iommu_ioas_map, user_va);
	SAME_FIELD(iommu_ioas_map, length);
	SAME_FIELD(iommu_ioas_map, iova);

	SAME(IOMMUFD_CMD_IOAS_COPY);
	SAME(IOMMU_IOAS_COPY);
	SAME_STRUCT(iommu_ioas_copy);
	SAME_FIELD(iommu_ioas_copy, size);
	SAME_FIELD(iommu_ioas_copy, flags);
	SAME_FIELD(iommu_ioas_copy, dst_ioas_id);
	SAME_FIELD(iommu_ioas_copy, src_ioas_id);
	SAME_FIELD(iommu_ioas_copy, length);
	SAME_FIELD(iommu_ioas_copy, dst_iova);
	SAME_FIELD(iommu_ioas_copy, src_iova);

	SAME(IOMMUFD_CMD_IOAS_UNMAP);
	SAME(IOMMU_IOAS_UNMAP);
	SAME_STRUCT(iommu_ioas_unmap);
	SAME_FIELD(iommu_ioas_unmap, size);
	SAME_FIELD(iommu_ioas_unmap, ioas_id);
	SAME_FIELD(iommu_ioas_unmap, iova);
	SAME_FIELD(iommu_ioas_unmap, length);

	SAME(IOMMU_OPTION_RLIMIT_MODE);
	SAME(IOMMU_OPTION_HUGE_PAGES);
	SAME(IOMMU_OPTION_OP_SET);
	SAME(IOMMU_OPTION_OP_GET);
	SAME(IOMMUFD_CMD_OPTION);
	SAME(IOMMU_OPTION);
	SAME_STRUCT(iommu_option);
	SAME_FIELD(iommu_option, size);
	SAME_FIELD(iommu_option, option_id);
	SAME_FIELD(iommu_option, op);
	SAME_FIELD(iommu_option, __reserved);
	SAME_FIELD(iommu_option, object_id);
	SAME_FIELD(iommu_option, val64);

	SAME(IOMMU_VFIO_IOAS_GET);
	SAME(IOMMU_VFIO_IOAS_SET);
	SAME(IOMMU_VFIO_IOAS_CLEAR);
	SAME(IOMMUFD_CMD_VFIO_IOAS);
	SAME(IOMMU_VFIO_IOAS);
	SAME_STRUCT(iommu_vfio_ioas);
	SAME_FIELD(iommu_vfio_ioas, size);
	SAME_FIELD(iommu_vfio_ioas, ioas_id);
	SAME_FIELD(iommu_vfio_ioas, op);
	SAME_FIELD(iommu_vfio_ioas, __reserved);
}

/*
 * Command numbers never change once released, so against an older header
 * we still compare those of the commands it has.
 */
static void check_iommufd_cmd_numbers(void)
{
#if FULL_IOMMUFD || defined(IOMMU_HWPT_ALLOC)
	SAME(IOMMUFD_CMD_HWPT_ALLOC);
	SAME(IOMMU_HWPT_ALLOC);
#endif
#if FULL_IOMMUFD || defined(IOMMU_GET_HW_INFO)
	SAME(IOMMUFD_CMD_GET_HW_INFO);
	SAME(IOMMU_GET_HW_INFO);
#endif
#if FULL_IOMMUFD || defined(IOMMU_HWPT_SET_DIRTY_TRACKING)
	SAME(IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING);
	SAME(IOMMU_HWPT_SET_DIRTY_TRACKING);
#endif
#if FULL_IOMMUFD || defined(IOMMU_HWPT_GET_DIRTY_BITMAP)
	SAME(IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP);
	SAME(IOMMU_HWPT_GET_DIRTY_BITMAP);
#endif
#if FULL_IOMMUFD || defined(IOMMU_HWPT_INVALIDATE)
	SAME(IOMMUFD_CMD_HWPT_INVALIDATE);
	SAME(IOMMU_HWPT_INVALIDATE);
#endif
#if FULL_IOMMUFD || defined(IOMMU_FAULT_QUEUE_ALLOC)
	SAME(IOMMUFD_CMD_FAULT_QUEUE_ALLOC);
	SAME(IOMMU_FAULT_QUEUE_ALLOC);
#endif
#if FULL_IOMMUFD || defined(IOMMU_IOAS_MAP_FILE)
	SAME(IOMMUFD_CMD_IOAS_MAP_FILE);
	SAME(IOMMU_IOAS_MAP_FILE);
#endif
#if FULL_IOMMUFD || defined(IOMMU_VIOMMU_ALLOC)
	SAME(IOMMUFD_CMD_VIOMMU_ALLOC);
	SAME(IOMMU_VIOMMU_ALLOC);
#endif
#if FULL_IOMMUFD || defined(IOMMU_VDEVICE_ALLOC)
	SAME(IOMMUFD_CMD_VDEVICE_ALLOC);
	SAME(IOMMU_VDEVICE_ALLOC);
#endif
#if FULL_IOMMUFD || defined(IOMMU_IOAS_CHANGE_PROCESS)
	SAME(IOMMUFD_CMD_IOAS_CHANGE_PROCESS);
	SAME(IOMMU_IOAS_CHANGE_PROCESS);
#endif
#if FULL_IOMMUFD || defined(IOMMU_VEVENTQ_ALLOC)
	SAME(IOMMUFD_CMD_VEVENTQ_ALLOC);
	SAME(IOMMU_VEVENTQ_ALLOC);
#endif
#if FULL_IOMMUFD || defined(IOMMU_HW_QUEUE_ALLOC)
	SAME(IOMMUFD_CMD_HW_QUEUE_ALLOC);
	SAME(IOMMU_HW_QUEUE_ALLOC);
#endif
#if FULL_IOMMUFD
	SAME(IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA);
	SAME(IOMMU_IOAS_NOIOMMU_GET_PA);
#endif
}

#if FULL_IOMMUFD
/* Everything added after 6.2; compared only against a 7.3-level header. */
static void check_iommufd_full(void)
{
	SAME_STRUCT(iommu_ioas_noiommu_get_pa);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, size);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, flags);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, ioas_id);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, __reserved);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, iova);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, length);
	SAME_FIELD(iommu_ioas_noiommu_get_pa, out_phys);

	SAME_STRUCT(iommu_ioas_map_file);
	SAME_FIELD(iommu_ioas_map_file, size);
	SAME_FIELD(iommu_ioas_map_file, flags);
	SAME_FIELD(iommu_ioas_map_file, ioas_id);
	SAME_FIELD(iommu_ioas_map_file, fd);
	SAME_FIELD(iommu_ioas_map_file, start);
	SAME_FIELD(iommu_ioas_map_file, length);
	SAME_FIELD(iommu_ioas_map_file, iova);

	/* HWPT allocation and its driver data */
	SAME(IOMMU_HWPT_ALLOC_NEST_PARENT);
	SAME(IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	SAME(IOMMU_HWPT_FAULT_ID_VALID);
	SAME(IOMMU_HWPT_ALLOC_PASID);

	SAME(IOMMU_VTD_S1_SRE);
	SAME(IOMMU_VTD_S1_EAFE);
	SAME(IOMMU_VTD_S1_WPE);
	SAME_STRUCT(iommu_hwpt_vtd_s1);
	SAME_FIELD(iommu_hwpt_vtd_s1, flags);
	SAME_FIELD(iommu_hwpt_vtd_s1, pgtbl_addr);
	SAME_FIELD(iommu_hwpt_vtd_s1, addr_width);
	SAME_FIELD(iommu_hwpt_vtd_s1, __reserved);

	SAME_STRUCT(iommu_hwpt_arm_smmuv3);
	SAME_FIELD(iommu_hwpt_arm_smmuv3, ste);

	SAME_STRUCT(iommu_hwpt_amd_guest);
	SAME_FIELD(iommu_hwpt_amd_guest, dte);

	SAME(IOMMU_HWPT_DATA_NONE);
	SAME(IOMMU_HWPT_DATA_VTD_S1);
	SAME(IOMMU_HWPT_DATA_ARM_SMMUV3);
	SAME(IOMMU_HWPT_DATA_AMD_GUEST);

	SAME_STRUCT(iommu_hwpt_alloc);
	SAME_FIELD(iommu_hwpt_alloc, size);
	SAME_FIELD(iommu_hwpt_alloc, flags);
	SAME_FIELD(iommu_hwpt_alloc, dev_id);
	SAME_FIELD(iommu_hwpt_alloc, pt_id);
	SAME_FIELD(iommu_hwpt_alloc, out_hwpt_id);
	SAME_FIELD(iommu_hwpt_alloc, __reserved);
	SAME_FIELD(iommu_hwpt_alloc, data_type);
	SAME_FIELD(iommu_hwpt_alloc, data_len);
	SAME_FIELD(iommu_hwpt_alloc, data_uptr);
	SAME_FIELD(iommu_hwpt_alloc, fault_id);
	SAME_FIELD(iommu_hwpt_alloc, __reserved2);

	/* hardware info */
	SAME(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
	SAME_STRUCT(iommu_hw_info_vtd);
	SAME_FIELD(iommu_hw_info_vtd, flags);
	SAME_FIELD(iommu_hw_info_vtd, __reserved);
	SAME_FIELD(iommu_hw_info_vtd, cap_reg);
	SAME_FIELD(iommu_hw_info_vtd, ecap_reg);

	SAME(IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI);
	SAME_STRUCT(iommu_hw_info_arm_smmuv3);
	SAME_FIELD(iommu_hw_info_arm_smmuv3, flags);
	SAME_FIELD(iommu_hw_info_arm_smmuv3, __reserved);
	SAME_FIELD(iommu_hw_info_arm_smmuv3, idr);
	SAME_FIELD(iommu_hw_info_arm_smmuv3, iidr);
	SAME_FIELD(iommu_hw_info_arm_smmuv3, aidr);

	SAME_STRUCT(iommu_hw_info_tegra241_cmdqv);
	SAME_FIELD(iommu_hw_info_tegra241_cmdqv, flags);
	SAME_FIELD(iommu_hw_info_tegra241_cmdqv, version);
	SAME_FIELD(iommu_hw_info_tegra241_cmdqv, log2vcmdqs);
	SAME_FIELD(iommu_hw_info_tegra241_cmdqv, log2vsids);
	SAME_FIELD(iommu_hw_info_tegra241_cmdqv, __reserved);

	SAME_STRUCT(iommu_hw_info_amd);
	SAME_FIELD(iommu_hw_info_amd, efr);
	SAME_FIELD(iommu_hw_info_amd, efr2);

	SAME(IOMMU_HW_INFO_TYPE_NONE);
	SAME(IOMMU_HW_INFO_TYPE_DEFAULT);
	SAME(IOMMU_HW_INFO_TYPE_INTEL_VTD);
	SAME(IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	SAME(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV);
	SAME(IOMMU_HW_INFO_TYPE_AMD);

	SAME(IOMMU_HW_CAP_DIRTY_TRACKING);
	SAME(IOMMU_HW_CAP_PCI_PASID_EXEC);
	SAME(IOMMU_HW_CAP_PCI_PASID_PRIV);
	SAME(IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
	SAME(IOMMU_HW_INFO_FLAG_INPUT_TYPE);

	SAME_STRUCT(iommu_hw_info);
	SAME_FIELD(iommu_hw_info, size);
	SAME_FIELD(iommu_hw_info, flags);
	SAME_FIELD(iommu_hw_info, dev_id);
	SAME_FIELD(iommu_hw_info, data_len);
	SAME_FIELD(iommu_hw_info, data_uptr);
	SAME_FIELD(iommu_hw_info, in_data_type);
	SAME_FIELD(iommu_hw_info, out_data_type);
	SAME_FIELD(iommu_hw_info, out_max_pasid_log2);
	SAME_FIELD(iommu_hw_info, __reserved);
	SAME_FIELD(iommu_hw_info, out_capabilities);

	/* dirty tracking */
	SAME(IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	SAME_STRUCT(iommu_hwpt_set_dirty_tracking);
	SAME_FIELD(iommu_hwpt_set_dirty_tracking, size);
	SAME_FIELD(iommu_hwpt_set_dirty_tracking, flags);
	SAME_FIELD(iommu_hwpt_set_dirty_tracking, hwpt_id);
	SAME_FIELD(iommu_hwpt_set_dirty_tracking, __reserved);

	SAME(IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	SAME_STRUCT(iommu_hwpt_get_dirty_bitmap);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, size);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, hwpt_id);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, flags);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, __reserved);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, iova);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, length);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, page_size);
	SAME_FIELD(iommu_hwpt_get_dirty_bitmap, data);

	/* invalidation */
	SAME(IOMMU_HWPT_INVALIDATE_DATA_VTD_S1);
	SAME(IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);
	SAME(IOMMU_VTD_INV_FLAGS_LEAF);
	SAME_STRUCT(iommu_hwpt_vtd_s1_invalidate);
	SAME_FIELD(iommu_hwpt_vtd_s1_invalidate, addr);
	SAME_FIELD(iommu_hwpt_vtd_s1_invalidate, npages);
	SAME_FIELD(iommu_hwpt_vtd_s1_invalidate, flags);
	SAME_FIELD(iommu_hwpt_vtd_s1_invalidate, __reserved);

	SAME_STRUCT(iommu_viommu_arm_smmuv3_invalidate);
	SAME_FIELD(iommu_viommu_arm_smmuv3_invalidate, cmd);

	SAME_STRUCT(iommu_hwpt_invalidate);
	SAME_FIELD(iommu_hwpt_invalidate, size);
	SAME_FIELD(iommu_hwpt_invalidate, hwpt_id);
	SAME_FIELD(iommu_hwpt_invalidate, data_uptr);
	SAME_FIELD(iommu_hwpt_invalidate, data_type);
	SAME_FIELD(iommu_hwpt_invalidate, entry_len);
	SAME_FIELD(iommu_hwpt_invalidate, entry_num);
	SAME_FIELD(iommu_hwpt_invalidate, __reserved);

	/* I/O page faults */
	SAME(IOMMU_PGFAULT_FLAGS_PASID_VALID);
	SAME(IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	SAME(IOMMU_PGFAULT_PERM_READ);
	SAME(IOMMU_PGFAULT_PERM_WRITE);
	SAME(IOMMU_PGFAULT_PERM_EXEC);
	SAME(IOMMU_PGFAULT_PERM_PRIV);
	SAME_STRUCT(iommu_hwpt_pgfault);
	SAME_FIELD(iommu_hwpt_pgfault, flags);
	SAME_FIELD(iommu_hwpt_pgfault, dev_id);
	SAME_FIELD(iommu_hwpt_pgfault, pasid);
	SAME_FIELD(iommu_hwpt_pgfault, grpid);
	SAME_FIELD(iommu_hwpt_pgfault, perm);
	SAME_FIELD(iommu_hwpt_pgfault, __reserved);
	SAME_FIELD(iommu_hwpt_pgfault, addr);
	SAME_FIELD(iommu_hwpt_pgfault, length);
	SAME_FIELD(iommu_hwpt_pgfault, cookie);

	SAME(IOMMUFD_PAGE_RESP_SUCCESS);
	SAME(IOMMUFD_PAGE_RESP_INVALID);
	SAME_STRUCT(iommu_hwpt_page_response);
	SAME_FIELD(iommu_hwpt_page_response, cookie);
	SAME_FIELD(iommu_hwpt_page_response, code);

	SAME_STRUCT(iommu_fault_alloc);
	SAME_FIELD(iommu_fault_alloc, size);
	SAME_FIELD(iommu_fault_alloc, flags);
	SAME_FIELD(iommu_fault_alloc, out_fault_id);
	SAME_FIELD(iommu_fault_alloc, out_fault_fd);

	/* vIOMMU, vDEVICE */
	SAME(IOMMU_VIOMMU_TYPE_DEFAULT);
	SAME(IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
	SAME(IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV);
	SAME_STRUCT(iommu_viommu_tegra241_cmdqv);
	SAME_FIELD(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_offset);
	SAME_FIELD(iommu_viommu_tegra241_cmdqv, out_vintf_mmap_length);

	SAME_STRUCT(iommu_viommu_alloc);
	SAME_FIELD(iommu_viommu_alloc, size);
	SAME_FIELD(iommu_viommu_alloc, flags);
	SAME_FIELD(iommu_viommu_alloc, type);
	SAME_FIELD(iommu_viommu_alloc, dev_id);
	SAME_FIELD(iommu_viommu_alloc, hwpt_id);
	SAME_FIELD(iommu_viommu_alloc, out_viommu_id);
	SAME_FIELD(iommu_viommu_alloc, data_len);
	SAME_FIELD(iommu_viommu_alloc, __reserved);
	SAME_FIELD(iommu_viommu_alloc, data_uptr);

	SAME_STRUCT(iommu_vdevice_alloc);
	SAME_FIELD(iommu_vdevice_alloc, size);
	SAME_FIELD(iommu_vdevice_alloc, viommu_id);
	SAME_FIELD(iommu_vdevice_alloc, dev_id);
	SAME_FIELD(iommu_vdevice_alloc, out_vdevice_id);
	SAME_FIELD(iommu_vdevice_alloc, virt_id);

	SAME_STRUCT(iommu_ioas_change_process);
	SAME_FIELD(iommu_ioas_change_process, size);
	SAME_FIELD(iommu_ioas_change_process, __reserved);

	/* vEVENTQ */
	SAME(IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	SAME_STRUCT(iommufd_vevent_header);
	SAME_FIELD(iommufd_vevent_header, flags);
	SAME_FIELD(iommufd_vevent_header, sequence);

	SAME(IOMMU_VEVENTQ_TYPE_DEFAULT);
	SAME(IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
	SAME(IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV);
	SAME_STRUCT(iommu_vevent_arm_smmuv3);
	SAME_FIELD(iommu_vevent_arm_smmuv3, evt);
	SAME_STRUCT(iommu_vevent_tegra241_cmdqv);
	SAME_FIELD(iommu_vevent_tegra241_cmdqv, lvcmdq_err_map);

	SAME_STRUCT(iommu_veventq_alloc);
	SAME_FIELD(iommu_veventq_alloc, size);
	SAME_FIELD(iommu_veventq_alloc, flags);
	SAME_FIELD(iommu_veventq_alloc, viommu_id);
	SAME_FIELD(iommu_veventq_alloc, type);
	SAME_FIELD(iommu_veventq_alloc, veventq_depth);
	SAME_FIELD(iommu_veventq_alloc, out_veventq_id);
	SAME_FIELD(iommu_veventq_alloc, out_veventq_fd);
	SAME_FIELD(iommu_veventq_alloc, __reserved);

	/* HW queue */
	SAME(IOMMU_HW_QUEUE_TYPE_DEFAULT);
	SAME(IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV);
	SAME_STRUCT(iommu_hw_queue_alloc);
	SAME_FIELD(iommu_hw_queue_alloc, size);
	SAME_FIELD(iommu_hw_queue_alloc, flags);
	SAME_FIELD(iommu_hw_queue_alloc, viommu_id);
	SAME_FIELD(iommu_hw_queue_alloc, type);
	SAME_FIELD(iommu_hw_queue_alloc, index);
	SAME_FIELD(iommu_hw_queue_alloc, out_hw_queue_id);
	SAME_FIELD(iommu_hw_queue_alloc, nesting_parent_iova);
	SAME_FIELD(iommu_hw_queue_alloc, length);
}
#endif /* FULL_IOMMUFD */

/* ------------------------------------------------------------ VFIO */

/*
 * VFIO constants are macros, so each later addition is guarded by its own
 * #ifdef; with a 7.3-level header (FULL_VFIO) all of them must be there.
 *
 * Padding: after Linux 6.1 several VFIO structs got their implicit tail
 * padding spelled out as a named field (and 64-bit members made 8-byte
 * aligned), which changed sizeof on some ABIs.  The kernel copies only up
 * to the last meaningful field, so both are compatible; against an older
 * header we compare the meaningful fields and leave size and pad alone.
 */
static void check_vfio(void)
{
	SAME(VFIO_API_VERSION);
	SAME(VFIO_TYPE1_IOMMU);
	SAME(VFIO_SPAPR_TCE_IOMMU);
	SAME(VFIO_TYPE1v2_IOMMU);
	SAME(VFIO_DMA_CC_IOMMU);
	SAME(VFIO_EEH);
	SAME(VFIO_SPAPR_TCE_v2_IOMMU);
	SAME(VFIO_NOIOMMU_IOMMU);
#if FULL_VFIO || defined(VFIO_UPDATE_VADDR)
	SAME(VFIO_UNMAP_ALL);
	SAME(VFIO_UPDATE_VADDR);
#endif
	SAME(VFIO_TYPE);
	SAME(VFIO_BASE);

	SAME_STRUCT(vfio_info_cap_header);
	SAME_FIELD(vfio_info_cap_header, id);
	SAME_FIELD(vfio_info_cap_header, version);
	SAME_FIELD(vfio_info_cap_header, next);

	SAME(VFIO_GET_API_VERSION);
	SAME(VFIO_CHECK_EXTENSION);
	SAME(VFIO_SET_IOMMU);

	/* group */
	SAME_STRUCT(vfio_group_status);
	SAME_FIELD(vfio_group_status, argsz);
	SAME_FIELD(vfio_group_status, flags);
	SAME(VFIO_GROUP_FLAGS_VIABLE);
	SAME(VFIO_GROUP_FLAGS_CONTAINER_SET);
	SAME(VFIO_GROUP_GET_STATUS);
	SAME(VFIO_GROUP_SET_CONTAINER);
	SAME(VFIO_GROUP_UNSET_CONTAINER);
	SAME(VFIO_GROUP_GET_DEVICE_FD);

	/* device */
	SAME_FIELD(vfio_device_info, argsz);
	SAME_FIELD(vfio_device_info, flags);
	SAME_FIELD(vfio_device_info, num_regions);
	SAME_FIELD(vfio_device_info, num_irqs);
	SAME_FIELD(vfio_device_info, cap_offset);
#if FULL_VFIO
	/* Linux 6.1 had no "pad" (size 20), see the note on padding above */
	SAME_STRUCT(vfio_device_info);
	SAME_FIELD(vfio_device_info, pad);
#endif
	SAME(VFIO_DEVICE_FLAGS_RESET);
	SAME(VFIO_DEVICE_FLAGS_PCI);
	SAME(VFIO_DEVICE_FLAGS_PLATFORM);
	SAME(VFIO_DEVICE_FLAGS_AMBA);
	SAME(VFIO_DEVICE_FLAGS_CCW);
	SAME(VFIO_DEVICE_FLAGS_AP);
	SAME(VFIO_DEVICE_FLAGS_FSL_MC);
	SAME(VFIO_DEVICE_FLAGS_CAPS);
#if FULL_VFIO || defined(VFIO_DEVICE_FLAGS_CDX)
	SAME(VFIO_DEVICE_FLAGS_CDX);
#endif
	SAME(VFIO_DEVICE_GET_INFO);

	SAME(VFIO_DEVICE_INFO_CAP_ZPCI_BASE);
	SAME(VFIO_DEVICE_INFO_CAP_ZPCI_GROUP);
	SAME(VFIO_DEVICE_INFO_CAP_ZPCI_UTIL);
	SAME(VFIO_DEVICE_INFO_CAP_ZPCI_PFIP);
#if FULL_VFIO || defined(VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP)
	SAME(VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP);
	SAME_STRUCT(vfio_device_info_cap_pci_atomic_comp);
	SAME_FIELD(vfio_device_info_cap_pci_atomic_comp, header);
	SAME_FIELD(vfio_device_info_cap_pci_atomic_comp, flags);
	SAME_FIELD(vfio_device_info_cap_pci_atomic_comp, reserved);
	SAME(VFIO_PCI_ATOMIC_COMP32);
	SAME(VFIO_PCI_ATOMIC_COMP64);
	SAME(VFIO_PCI_ATOMIC_COMP128);
#endif

	/* regions */
	SAME_STRUCT(vfio_region_info);
	SAME_FIELD(vfio_region_info, argsz);
	SAME_FIELD(vfio_region_info, flags);
	SAME_FIELD(vfio_region_info, index);
	SAME_FIELD(vfio_region_info, cap_offset);
	SAME_FIELD(vfio_region_info, size);
	SAME_FIELD(vfio_region_info, offset);
	SAME(VFIO_REGION_INFO_FLAG_READ);
	SAME(VFIO_REGION_INFO_FLAG_WRITE);
	SAME(VFIO_REGION_INFO_FLAG_MMAP);
	SAME(VFIO_REGION_INFO_FLAG_CAPS);
	SAME(VFIO_DEVICE_GET_REGION_INFO);

	SAME(VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	SAME_STRUCT(vfio_region_sparse_mmap_area);
	SAME_FIELD(vfio_region_sparse_mmap_area, offset);
	SAME_FIELD(vfio_region_sparse_mmap_area, size);
	SAME_STRUCT(vfio_region_info_cap_sparse_mmap);
	SAME_FIELD(vfio_region_info_cap_sparse_mmap, header);
	SAME_FIELD(vfio_region_info_cap_sparse_mmap, nr_areas);
	SAME_FIELD(vfio_region_info_cap_sparse_mmap, reserved);
	SAME_FLEX(vfio_region_info_cap_sparse_mmap, areas);

	SAME(VFIO_REGION_INFO_CAP_TYPE);
	SAME_STRUCT(vfio_region_info_cap_type);
	SAME_FIELD(vfio_region_info_cap_type, header);
	SAME_FIELD(vfio_region_info_cap_type, type);
	SAME_FIELD(vfio_region_info_cap_type, subtype);
	SAME_U32(VFIO_REGION_TYPE_PCI_VENDOR_TYPE);
	SAME(VFIO_REGION_TYPE_PCI_VENDOR_MASK);
	SAME(VFIO_REGION_TYPE_GFX);
	SAME(VFIO_REGION_TYPE_CCW);
#if FULL_VFIO || defined(VFIO_REGION_TYPE_MIGRATION_DEPRECATED)
	SAME(VFIO_REGION_TYPE_MIGRATION_DEPRECATED);
#endif
	SAME(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	SAME(VFIO_REGION_INFO_CAP_NVLINK2_SSATGT);
	SAME(VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD);

	/* interrupts */
	SAME_STRUCT(vfio_irq_info);
	SAME_FIELD(vfio_irq_info, argsz);
	SAME_FIELD(vfio_irq_info, flags);
	SAME_FIELD(vfio_irq_info, index);
	SAME_FIELD(vfio_irq_info, count);
	SAME(VFIO_IRQ_INFO_EVENTFD);
	SAME(VFIO_IRQ_INFO_MASKABLE);
	SAME(VFIO_IRQ_INFO_AUTOMASKED);
	SAME(VFIO_IRQ_INFO_NORESIZE);
	SAME(VFIO_DEVICE_GET_IRQ_INFO);

	SAME_STRUCT(vfio_irq_set);
	SAME_FIELD(vfio_irq_set, argsz);
	SAME_FIELD(vfio_irq_set, flags);
	SAME_FIELD(vfio_irq_set, index);
	SAME_FIELD(vfio_irq_set, start);
	SAME_FIELD(vfio_irq_set, count);
	SAME_FLEX(vfio_irq_set, data);
	SAME(VFIO_IRQ_SET_DATA_NONE);
	SAME(VFIO_IRQ_SET_DATA_BOOL);
	SAME(VFIO_IRQ_SET_DATA_EVENTFD);
	SAME(VFIO_IRQ_SET_ACTION_MASK);
	SAME(VFIO_IRQ_SET_ACTION_UNMASK);
	SAME(VFIO_IRQ_SET_ACTION_TRIGGER);
	SAME(VFIO_IRQ_SET_DATA_TYPE_MASK);
	SAME(VFIO_IRQ_SET_ACTION_TYPE_MASK);
	SAME(VFIO_DEVICE_SET_IRQS);
	SAME(VFIO_DEVICE_RESET);

	/* vfio-pci */
	SAME(VFIO_PCI_BAR0_REGION_INDEX);
	SAME(VFIO_PCI_BAR1_REGION_INDEX);
	SAME(VFIO_PCI_BAR2_REGION_INDEX);
	SAME(VFIO_PCI_BAR3_REGION_INDEX);
	SAME(VFIO_PCI_BAR4_REGION_INDEX);
	SAME(VFIO_PCI_BAR5_REGION_INDEX);
	SAME(VFIO_PCI_ROM_REGION_INDEX);
	SAME(VFIO_PCI_CONFIG_REGION_INDEX);
	SAME(VFIO_PCI_VGA_REGION_INDEX);
	SAME(VFIO_PCI_NUM_REGIONS);
	SAME(VFIO_PCI_INTX_IRQ_INDEX);
	SAME(VFIO_PCI_MSI_IRQ_INDEX);
	SAME(VFIO_PCI_MSIX_IRQ_INDEX);
	SAME(VFIO_PCI_ERR_IRQ_INDEX);
	SAME(VFIO_PCI_REQ_IRQ_INDEX);
	SAME(VFIO_PCI_NUM_IRQS);

	SAME_STRUCT(vfio_pci_dependent_device);
	SAME_FIELD(vfio_pci_dependent_device, group_id);
#if FULL_VFIO || defined(VFIO_PCI_HOT_RESET_FLAG_DEV_ID)
	SAME_FIELD(vfio_pci_dependent_device, devid);
	SAME(VFIO_PCI_DEVID_OWNED);
	SAME(VFIO_PCI_DEVID_NOT_OWNED);
	SAME(VFIO_PCI_HOT_RESET_FLAG_DEV_ID);
	SAME(VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
#endif
	SAME_FIELD(vfio_pci_dependent_device, segment);
	SAME_FIELD(vfio_pci_dependent_device, bus);
	SAME_FIELD(vfio_pci_dependent_device, devfn);

	SAME_STRUCT(vfio_pci_hot_reset_info);
	SAME_FIELD(vfio_pci_hot_reset_info, argsz);
	SAME_FIELD(vfio_pci_hot_reset_info, flags);
	SAME_FIELD(vfio_pci_hot_reset_info, count);
	SAME_FLEX(vfio_pci_hot_reset_info, devices);
	SAME(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO);

	SAME_STRUCT(vfio_pci_hot_reset);
	SAME_FIELD(vfio_pci_hot_reset, argsz);
	SAME_FIELD(vfio_pci_hot_reset, flags);
	SAME_FIELD(vfio_pci_hot_reset, count);
	SAME_FLEX(vfio_pci_hot_reset, group_fds);
	SAME(VFIO_DEVICE_PCI_HOT_RESET);

	SAME_FIELD(vfio_device_ioeventfd, argsz);
	SAME_FIELD(vfio_device_ioeventfd, flags);
	SAME_FIELD(vfio_device_ioeventfd, offset);
	SAME_FIELD(vfio_device_ioeventfd, data);
	SAME_FIELD(vfio_device_ioeventfd, fd);
#if FULL_VFIO
	SAME_STRUCT(vfio_device_ioeventfd);
	SAME_FIELD(vfio_device_ioeventfd, reserved);
#endif
	SAME(VFIO_DEVICE_IOEVENTFD_8);
	SAME(VFIO_DEVICE_IOEVENTFD_16);
	SAME(VFIO_DEVICE_IOEVENTFD_32);
	SAME(VFIO_DEVICE_IOEVENTFD_64);
	SAME(VFIO_DEVICE_IOEVENTFD_SIZE_MASK);
	SAME(VFIO_DEVICE_IOEVENTFD);

	/* VFIO_DEVICE_FEATURE */
	SAME_STRUCT(vfio_device_feature);
	SAME_FIELD(vfio_device_feature, argsz);
	SAME_FIELD(vfio_device_feature, flags);
	SAME_FLEX(vfio_device_feature, data);
	SAME(VFIO_DEVICE_FEATURE_MASK);
	SAME(VFIO_DEVICE_FEATURE_GET);
	SAME(VFIO_DEVICE_FEATURE_SET);
	SAME(VFIO_DEVICE_FEATURE_PROBE);
	SAME(VFIO_DEVICE_FEATURE);
	SAME(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN);

#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_MIGRATION)
	SAME(VFIO_DEVICE_FEATURE_MIGRATION);
	SAME_STRUCT(vfio_device_feature_migration);
	SAME_FIELD(vfio_device_feature_migration, flags);
	SAME(VFIO_MIGRATION_STOP_COPY);
	SAME(VFIO_MIGRATION_P2P);

	SAME(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
	SAME_STRUCT(vfio_device_feature_mig_state);
	SAME_FIELD(vfio_device_feature_mig_state, device_state);
	SAME_FIELD(vfio_device_feature_mig_state, data_fd);
	SAME(VFIO_DEVICE_STATE_ERROR);
	SAME(VFIO_DEVICE_STATE_STOP);
	SAME(VFIO_DEVICE_STATE_RUNNING);
	SAME(VFIO_DEVICE_STATE_STOP_COPY);
	SAME(VFIO_DEVICE_STATE_RESUMING);
	SAME(VFIO_DEVICE_STATE_RUNNING_P2P);
#endif
#if FULL_VFIO || defined(VFIO_MIGRATION_PRE_COPY)
	SAME(VFIO_MIGRATION_PRE_COPY);
	SAME(VFIO_DEVICE_STATE_PRE_COPY);
	SAME(VFIO_DEVICE_STATE_PRE_COPY_P2P);
	SAME(VFIO_DEVICE_STATE_NR);
	SAME_STRUCT(vfio_precopy_info);
	SAME_FIELD(vfio_precopy_info, argsz);
	SAME_FIELD(vfio_precopy_info, flags);
	SAME_FIELD(vfio_precopy_info, initial_bytes);
	SAME_FIELD(vfio_precopy_info, dirty_bytes);
	SAME(VFIO_MIG_GET_PRECOPY_INFO);
#endif
#if FULL_VFIO || defined(VFIO_PRECOPY_INFO_REINIT)
	SAME(VFIO_PRECOPY_INFO_REINIT);
	SAME(VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY)
	SAME(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	SAME(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP);
	SAME(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
	SAME_STRUCT(vfio_device_low_power_entry_with_wakeup);
	SAME_FIELD(vfio_device_low_power_entry_with_wakeup, wakeup_eventfd);
	SAME_FIELD(vfio_device_low_power_entry_with_wakeup, reserved);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_DMA_LOGGING_START)
	SAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
	SAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP);
	SAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
	SAME_STRUCT(vfio_device_feature_dma_logging_control);
	SAME_FIELD(vfio_device_feature_dma_logging_control, page_size);
	SAME_FIELD(vfio_device_feature_dma_logging_control, num_ranges);
	SAME_FIELD(vfio_device_feature_dma_logging_control, __reserved);
	SAME_FIELD(vfio_device_feature_dma_logging_control, ranges);
	SAME_STRUCT(vfio_device_feature_dma_logging_range);
	SAME_FIELD(vfio_device_feature_dma_logging_range, iova);
	SAME_FIELD(vfio_device_feature_dma_logging_range, length);
	SAME_STRUCT(vfio_device_feature_dma_logging_report);
	SAME_FIELD(vfio_device_feature_dma_logging_report, iova);
	SAME_FIELD(vfio_device_feature_dma_logging_report, length);
	SAME_FIELD(vfio_device_feature_dma_logging_report, page_size);
	SAME_FIELD(vfio_device_feature_dma_logging_report, bitmap);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE)
	SAME(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE);
	SAME_STRUCT(vfio_device_feature_mig_data_size);
	SAME_FIELD(vfio_device_feature_mig_data_size, stop_copy_length);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_BUS_MASTER)
	SAME(VFIO_DEVICE_FEATURE_BUS_MASTER);
	SAME(VFIO_DEVICE_FEATURE_CLEAR_MASTER);
	SAME(VFIO_DEVICE_FEATURE_SET_MASTER);
	SAME_STRUCT(vfio_device_feature_bus_master);
	SAME_FIELD(vfio_device_feature_bus_master, op);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_DMA_BUF)
	SAME(VFIO_DEVICE_FEATURE_DMA_BUF);
	SAME_STRUCT(vfio_region_dma_range);
	SAME_FIELD(vfio_region_dma_range, offset);
	SAME_FIELD(vfio_region_dma_range, length);
	SAME_STRUCT(vfio_device_feature_dma_buf);
	SAME_FIELD(vfio_device_feature_dma_buf, region_index);
	SAME_FIELD(vfio_device_feature_dma_buf, open_flags);
	SAME_FIELD(vfio_device_feature_dma_buf, flags);
	SAME_FIELD(vfio_device_feature_dma_buf, nr_ranges);
	SAME_FLEX(vfio_device_feature_dma_buf, dma_ranges);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_FEATURE_ZPCI_ERROR)
	SAME(VFIO_DEVICE_FEATURE_ZPCI_ERROR);
	SAME_STRUCT(vfio_device_feature_zpci_err);
	SAME_FIELD(vfio_device_feature_zpci_err, data);
#endif

	/* cdev: bind to iommufd, attach/detach page tables */
#if FULL_VFIO || defined(VFIO_DEVICE_BIND_IOMMUFD)
	SAME(VFIO_DEVICE_BIND_IOMMUFD);
	SAME_FIELD(vfio_device_bind_iommufd, argsz);
	SAME_FIELD(vfio_device_bind_iommufd, flags);
	SAME_FIELD(vfio_device_bind_iommufd, iommufd);
	SAME_FIELD(vfio_device_bind_iommufd, out_devid);

	SAME(VFIO_DEVICE_ATTACH_IOMMUFD_PT);
	SAME_FIELD(vfio_device_attach_iommufd_pt, argsz);
	SAME_FIELD(vfio_device_attach_iommufd_pt, flags);
	SAME_FIELD(vfio_device_attach_iommufd_pt, pt_id);

	SAME(VFIO_DEVICE_DETACH_IOMMUFD_PT);
	SAME_FIELD(vfio_device_detach_iommufd_pt, argsz);
	SAME_FIELD(vfio_device_detach_iommufd_pt, flags);
#endif
	/* fields added to those structs later, with the flag that uses them */
#if FULL_VFIO || defined(VFIO_DEVICE_BIND_FLAG_TOKEN)
	SAME(VFIO_DEVICE_BIND_FLAG_TOKEN);
	SAME_STRUCT(vfio_device_bind_iommufd);
	SAME_FIELD(vfio_device_bind_iommufd, token_uuid_ptr);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_ATTACH_PASID)
	SAME(VFIO_DEVICE_ATTACH_PASID);
	SAME_STRUCT(vfio_device_attach_iommufd_pt);
	SAME_FIELD(vfio_device_attach_iommufd_pt, pasid);
#endif
#if FULL_VFIO || defined(VFIO_DEVICE_DETACH_PASID)
	SAME(VFIO_DEVICE_DETACH_PASID);
	SAME_STRUCT(vfio_device_detach_iommufd_pt);
	SAME_FIELD(vfio_device_detach_iommufd_pt, pasid);
#endif

	/* type1 IOMMU */
	SAME_FIELD(vfio_iommu_type1_info, argsz);
	SAME_FIELD(vfio_iommu_type1_info, flags);
	SAME_FIELD(vfio_iommu_type1_info, iova_pgsizes);
	SAME_FIELD(vfio_iommu_type1_info, cap_offset);
#if FULL_VFIO
	SAME_STRUCT(vfio_iommu_type1_info);
	SAME_FIELD(vfio_iommu_type1_info, pad);
#endif
	SAME(VFIO_IOMMU_INFO_PGSIZES);
	SAME(VFIO_IOMMU_INFO_CAPS);

	SAME(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	SAME_STRUCT(vfio_iova_range);
	SAME_FIELD(vfio_iova_range, start);
	SAME_FIELD(vfio_iova_range, end);
	SAME_STRUCT(vfio_iommu_type1_info_cap_iova_range);
	SAME_FIELD(vfio_iommu_type1_info_cap_iova_range, header);
	SAME_FIELD(vfio_iommu_type1_info_cap_iova_range, nr_iovas);
	SAME_FIELD(vfio_iommu_type1_info_cap_iova_range, reserved);
	SAME_FLEX(vfio_iommu_type1_info_cap_iova_range, iova_ranges);

	SAME(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	SAME_STRUCT(vfio_iommu_type1_info_cap_migration);
	SAME_FIELD(vfio_iommu_type1_info_cap_migration, header);
	SAME_FIELD(vfio_iommu_type1_info_cap_migration, flags);
	SAME_FIELD(vfio_iommu_type1_info_cap_migration, pgsize_bitmap);
	SAME_FIELD(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size);

	SAME(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	SAME_STRUCT(vfio_iommu_type1_info_dma_avail);
	SAME_FIELD(vfio_iommu_type1_info_dma_avail, header);
	SAME_FIELD(vfio_iommu_type1_info_dma_avail, avail);

	SAME(VFIO_IOMMU_GET_INFO);

	SAME_STRUCT(vfio_iommu_type1_dma_map);
	SAME_FIELD(vfio_iommu_type1_dma_map, argsz);
	SAME_FIELD(vfio_iommu_type1_dma_map, flags);
	SAME_FIELD(vfio_iommu_type1_dma_map, vaddr);
	SAME_FIELD(vfio_iommu_type1_dma_map, iova);
	SAME_FIELD(vfio_iommu_type1_dma_map, size);
	SAME(VFIO_DMA_MAP_FLAG_READ);
	SAME(VFIO_DMA_MAP_FLAG_WRITE);
#if FULL_VFIO || defined(VFIO_DMA_MAP_FLAG_VADDR)
	SAME(VFIO_DMA_MAP_FLAG_VADDR);
#endif
	SAME(VFIO_IOMMU_MAP_DMA);

	SAME_STRUCT(vfio_bitmap);
	SAME_FIELD(vfio_bitmap, pgsize);
	SAME_FIELD(vfio_bitmap, size);
	SAME_FIELD(vfio_bitmap, data);

	SAME_STRUCT(vfio_iommu_type1_dma_unmap);
	SAME_FIELD(vfio_iommu_type1_dma_unmap, argsz);
	SAME_FIELD(vfio_iommu_type1_dma_unmap, flags);
	SAME_FIELD(vfio_iommu_type1_dma_unmap, iova);
	SAME_FIELD(vfio_iommu_type1_dma_unmap, size);
	SAME_FLEX(vfio_iommu_type1_dma_unmap, data);
	SAME(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP);
#if FULL_VFIO || defined(VFIO_DMA_UNMAP_FLAG_ALL)
	SAME(VFIO_DMA_UNMAP_FLAG_ALL);
	SAME(VFIO_DMA_UNMAP_FLAG_VADDR);
#endif
	SAME(VFIO_IOMMU_UNMAP_DMA);

	SAME_STRUCT(vfio_iommu_type1_dirty_bitmap);
	SAME_FIELD(vfio_iommu_type1_dirty_bitmap, argsz);
	SAME_FIELD(vfio_iommu_type1_dirty_bitmap, flags);
	SAME_FLEX(vfio_iommu_type1_dirty_bitmap, data);
	SAME(VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
	SAME(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	SAME(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP);
	SAME_STRUCT(vfio_iommu_type1_dirty_bitmap_get);
	SAME_FIELD(vfio_iommu_type1_dirty_bitmap_get, iova);
	SAME_FIELD(vfio_iommu_type1_dirty_bitmap_get, size);
	SAME_FIELD(vfio_iommu_type1_dirty_bitmap_get, bitmap);
	SAME(VFIO_IOMMU_DIRTY_PAGES);
}

/* ------------------------------------------------------------ KVM */

static void check_kvm(void)
{
	SAME(KVMIO);
	SAME(KVM_API_VERSION);
	SAME(KVM_GET_API_VERSION);
	SAME(KVM_CREATE_VM);
	SAME(KVM_CHECK_EXTENSION);
	SAME(KVM_CAP_DEVICE_CTRL);

	SAME_STRUCT(kvm_create_device);
	SAME_FIELD(kvm_create_device, type);
	SAME_FIELD(kvm_create_device, fd);
	SAME_FIELD(kvm_create_device, flags);
	SAME(KVM_CREATE_DEVICE_TEST);

	SAME_STRUCT(kvm_device_attr);
	SAME_FIELD(kvm_device_attr, flags);
	SAME_FIELD(kvm_device_attr, group);
	SAME_FIELD(kvm_device_attr, attr);
	SAME_FIELD(kvm_device_attr, addr);

	SAME(KVM_CREATE_DEVICE);
	SAME(KVM_SET_DEVICE_ATTR);
	SAME(KVM_GET_DEVICE_ATTR);
	SAME(KVM_HAS_DEVICE_ATTR);

	SAME(KVM_DEV_TYPE_VFIO);
#if FULL_KVM
	SAME(KVM_DEV_VFIO_FILE);
	SAME(KVM_DEV_VFIO_FILE_ADD);
	SAME(KVM_DEV_VFIO_FILE_DEL);
#endif
	SAME(KVM_DEV_VFIO_GROUP);
	SAME(KVM_DEV_VFIO_GROUP_ADD);
	SAME(KVM_DEV_VFIO_GROUP_DEL);
	SAME(KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE);
}

static void check_fs(void)
{
	SAME(TMPFS_MAGIC);
	SAME(HUGETLBFS_MAGIC);
	SAME(DMA_BUF_MAGIC);
	SAME(F_LINUX_SPECIFIC_BASE);
	SAME(F_GET_SEALS);
	SAME(F_SEAL_WRITE);
	SAME(F_SEAL_FUTURE_WRITE);
}

static void report(const char *what, int full, const char *newest)
{
	static unsigned int c0, s0, f0;

	printf("%-8s %u constants, %u structs, %u fields: %s\n", what,
	       n_const - c0, n_struct - s0, n_field - f0,
	       full ? "compared in full" : "header older than lib/uapi, compared the stable subset");
	if (!full)
		printf("         (the header lacks %s, the newest item covered)\n",
		       newest);
	c0 = n_const;
	s0 = n_struct;
	f0 = n_field;
}

int main(void)
{
	check_iommufd_core();
	check_iommufd_cmd_numbers();
#if FULL_IOMMUFD
	check_iommufd_full();
#endif
	report("iommufd:", FULL_IOMMUFD, "IOMMU_IOAS_NOIOMMU_GET_PA");

	check_vfio();
	report("vfio:", FULL_VFIO, "VFIO_DEVICE_FEATURE_ZPCI_ERROR");

	check_kvm();
	report("kvm:", FULL_KVM, "KVM_DEV_VFIO_FILE");

	check_fs();
	report("fs:", 1, "");

	printf("uapi-compare: OK, %u checks (%u constants, %u struct sizes, "
	       "%u fields)\n",
	       n_const + n_struct + n_field, n_const, n_struct,
	       n_field);
	return 0;
}
