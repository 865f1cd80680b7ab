/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiommu's own description of the parts of the Linux VFIO ioctl interface
 * that a VMM-side library needs, as of Linux 7.3: the legacy container and
 * group API with the type1 IOMMU, the device API (info, regions, irqs,
 * reset), the cdev/iommufd binding and VFIO_DEVICE_FEATURE.
 *
 * Names are the kernel's with "lx_"/"LX_" in front so this header coexists
 * with <linux/vfio.h>; tests/test-uapi-compare.c checks it against the real
 * header.  VFIO structs start with "argsz": the caller sets it to the size
 * of the buffer it passes, which may be larger than the struct to leave room
 * for capability chains.
 *
 * Unlike iommufd, older VFIO structs use plain 64-bit fields; where that
 * makes the layout differ between ABIs (i386 aligns u64 to 4) the asserts
 * below compute the expected offset instead of hard-coding the x86_64 one.
 */
#ifndef LIBIOMMU_UAPI_VFIO_H
#define LIBIOMMU_UAPI_VFIO_H

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

/* Round x up to the ABI's alignment of a plain uint64_t. */
#define LX_UAPI_U64_ALIGN(x) \
	(((x) + _Alignof(uint64_t) - 1) / _Alignof(uint64_t) * _Alignof(uint64_t))

#define LX_VFIO_API_VERSION 0

/* Extensions, for VFIO_CHECK_EXTENSION and (IOMMU models) VFIO_SET_IOMMU. */
#define LX_VFIO_TYPE1_IOMMU 1
#define LX_VFIO_SPAPR_TCE_IOMMU 2
#define LX_VFIO_TYPE1v2_IOMMU 3
/* Non-zero on a container once every group in it enforces cache coherency. */
#define LX_VFIO_DMA_CC_IOMMU 4
#define LX_VFIO_EEH 5
/* 6 was type1 nesting, never usable, number retired. */
#define LX_VFIO_SPAPR_TCE_v2_IOMMU 7
#define LX_VFIO_NOIOMMU_IOMMU 8
#define LX_VFIO_UNMAP_ALL 9
#define LX_VFIO_UPDATE_VADDR 10

/* VFIO shares ';' with iommufd; VFIO commands start at 100. */
#define LX_VFIO_TYPE (';')
#define LX_VFIO_BASE 100

/*
 * Capability chains: "next" is the offset of the next header from the start
 * of the enclosing info struct; 0 ends the chain.
 */
struct lx_vfio_info_cap_header {
	uint16_t id;
	uint16_t version;
	uint32_t next;
};
LX_UAPI_SIZE(lx_vfio_info_cap_header, 8);
LX_UAPI_OFF(lx_vfio_info_cap_header, id, 0);
LX_UAPI_OFF(lx_vfio_info_cap_header, version, 2);
LX_UAPI_OFF(lx_vfio_info_cap_header, next, 4);

/* ------------------------------------------------------------ container */

#define LX_VFIO_GET_API_VERSION _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 0)
#define LX_VFIO_CHECK_EXTENSION _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 1)
#define LX_VFIO_SET_IOMMU _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 2)

/* ------------------------------------------------------------ group */

struct lx_vfio_group_status {
	uint32_t argsz;
	uint32_t flags;
};
LX_UAPI_SIZE(lx_vfio_group_status, 8);
LX_UAPI_OFF(lx_vfio_group_status, argsz, 0);
LX_UAPI_OFF(lx_vfio_group_status, flags, 4);
/* viable: every device of the group is bound to vfio (or no driver) */
#define LX_VFIO_GROUP_FLAGS_VIABLE (1 << 0)
#define LX_VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1)

#define LX_VFIO_GROUP_GET_STATUS _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 3)
#define LX_VFIO_GROUP_SET_CONTAINER _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 4)
#define LX_VFIO_GROUP_UNSET_CONTAINER _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 5)
/* argument: the device name string, e.g. "0000:00:01.0" */
#define LX_VFIO_GROUP_GET_DEVICE_FD _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 6)

/* ------------------------------------------------------------ device */

struct lx_vfio_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
	uint32_t cap_offset;	/* with LX_VFIO_DEVICE_FLAGS_CAPS */
	uint32_t pad;
};
LX_UAPI_SIZE(lx_vfio_device_info, 24);
LX_UAPI_OFF(lx_vfio_device_info, argsz, 0);
LX_UAPI_OFF(lx_vfio_device_info, flags, 4);
LX_UAPI_OFF(lx_vfio_device_info, num_regions, 8);
LX_UAPI_OFF(lx_vfio_device_info, num_irqs, 12);
LX_UAPI_OFF(lx_vfio_device_info, cap_offset, 16);
LX_UAPI_OFF(lx_vfio_device_info, pad, 20);
#define LX_VFIO_DEVICE_FLAGS_RESET (1 << 0)
#define LX_VFIO_DEVICE_FLAGS_PCI (1 << 1)
#define LX_VFIO_DEVICE_FLAGS_PLATFORM (1 << 2)
#define LX_VFIO_DEVICE_FLAGS_AMBA (1 << 3)
#define LX_VFIO_DEVICE_FLAGS_CCW (1 << 4)
#define LX_VFIO_DEVICE_FLAGS_AP (1 << 5)
#define LX_VFIO_DEVICE_FLAGS_FSL_MC (1 << 6)
#define LX_VFIO_DEVICE_FLAGS_CAPS (1 << 7)
#define LX_VFIO_DEVICE_FLAGS_CDX (1 << 8)
#define LX_VFIO_DEVICE_GET_INFO _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 7)

/* Device info capability ids (s390 zPCI ones only to keep the space known). */
#define LX_VFIO_DEVICE_INFO_CAP_ZPCI_BASE 1
#define LX_VFIO_DEVICE_INFO_CAP_ZPCI_GROUP 2
#define LX_VFIO_DEVICE_INFO_CAP_ZPCI_UTIL 3
#define LX_VFIO_DEVICE_INFO_CAP_ZPCI_PFIP 4
#define LX_VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP 5

/* Which PCIe AtomicOp completer sizes the root port supports. */
struct lx_vfio_device_info_cap_pci_atomic_comp {
	struct lx_vfio_info_cap_header header;
	uint32_t flags;
	uint32_t reserved;
};
LX_UAPI_SIZE(lx_vfio_device_info_cap_pci_atomic_comp, 16);
LX_UAPI_OFF(lx_vfio_device_info_cap_pci_atomic_comp, header, 0);
LX_UAPI_OFF(lx_vfio_device_info_cap_pci_atomic_comp, flags, 8);
LX_UAPI_OFF(lx_vfio_device_info_cap_pci_atomic_comp, reserved, 12);
#define LX_VFIO_PCI_ATOMIC_COMP32 (1 << 0)
#define LX_VFIO_PCI_ATOMIC_COMP64 (1 << 1)
#define LX_VFIO_PCI_ATOMIC_COMP128 (1 << 2)

/* ------------------------------------------------------------ regions */

/* offset: where the region sits in the device fd for pread/pwrite/mmap. */
struct lx_vfio_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset;	/* with LX_VFIO_REGION_INFO_FLAG_CAPS */
	LX_ALIGNED_U64 size;
	LX_ALIGNED_U64 offset;
};
LX_UAPI_SIZE(lx_vfio_region_info, 32);
LX_UAPI_OFF(lx_vfio_region_info, argsz, 0);
LX_UAPI_OFF(lx_vfio_region_info, flags, 4);
LX_UAPI_OFF(lx_vfio_region_info, index, 8);
LX_UAPI_OFF(lx_vfio_region_info, cap_offset, 12);
LX_UAPI_OFF(lx_vfio_region_info, size, 16);
LX_UAPI_OFF(lx_vfio_region_info, offset, 24);
#define LX_VFIO_REGION_INFO_FLAG_READ (1 << 0)
#define LX_VFIO_REGION_INFO_FLAG_WRITE (1 << 1)
#define LX_VFIO_REGION_INFO_FLAG_MMAP (1 << 2)
#define LX_VFIO_REGION_INFO_FLAG_CAPS (1 << 3)
#define LX_VFIO_DEVICE_GET_REGION_INFO _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 8)

/* Region capability: only these parts of the region may be mmap()ed. */
#define LX_VFIO_REGION_INFO_CAP_SPARSE_MMAP 1

struct lx_vfio_region_sparse_mmap_area {
	LX_ALIGNED_U64 offset;	/* relative to the region */
	LX_ALIGNED_U64 size;
};
LX_UAPI_SIZE(lx_vfio_region_sparse_mmap_area, 16);
LX_UAPI_OFF(lx_vfio_region_sparse_mmap_area, offset, 0);
LX_UAPI_OFF(lx_vfio_region_sparse_mmap_area, size, 8);

struct lx_vfio_region_info_cap_sparse_mmap {
	struct lx_vfio_info_cap_header header;
	uint32_t nr_areas;
	uint32_t reserved;
	struct lx_vfio_region_sparse_mmap_area areas[];
};
LX_UAPI_SIZE(lx_vfio_region_info_cap_sparse_mmap, 16);
LX_UAPI_OFF(lx_vfio_region_info_cap_sparse_mmap, header, 0);
LX_UAPI_OFF(lx_vfio_region_info_cap_sparse_mmap, nr_areas, 8);
LX_UAPI_OFF(lx_vfio_region_info_cap_sparse_mmap, reserved, 12);
LX_UAPI_OFF(lx_vfio_region_info_cap_sparse_mmap, areas, 16);

/* Region capability: device-specific regions past the fixed PCI ones. */
#define LX_VFIO_REGION_INFO_CAP_TYPE 2

struct lx_vfio_region_info_cap_type {
	struct lx_vfio_info_cap_header header;
	uint32_t type;
	uint32_t subtype;
};
LX_UAPI_SIZE(lx_vfio_region_info_cap_type, 16);
LX_UAPI_OFF(lx_vfio_region_info_cap_type, header, 0);
LX_UAPI_OFF(lx_vfio_region_info_cap_type, type, 8);
LX_UAPI_OFF(lx_vfio_region_info_cap_type, subtype, 12);
/* Vendor-defined types carry the PCI vendor id in the low 16 bits. */
#define LX_VFIO_REGION_TYPE_PCI_VENDOR_TYPE (1U << 31)
#define LX_VFIO_REGION_TYPE_PCI_VENDOR_MASK (0xffff)
#define LX_VFIO_REGION_TYPE_GFX (1)
#define LX_VFIO_REGION_TYPE_CCW (2)
#define LX_VFIO_REGION_TYPE_MIGRATION_DEPRECATED (3)

/* Region capability (no payload): the MSI-X table BAR may be mmap()ed. */
#define LX_VFIO_REGION_INFO_CAP_MSIX_MAPPABLE 3
#define LX_VFIO_REGION_INFO_CAP_NVLINK2_SSATGT 4
#define LX_VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD 5

/* ------------------------------------------------------------ interrupts */

struct lx_vfio_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
};
LX_UAPI_SIZE(lx_vfio_irq_info, 16);
LX_UAPI_OFF(lx_vfio_irq_info, argsz, 0);
LX_UAPI_OFF(lx_vfio_irq_info, flags, 4);
LX_UAPI_OFF(lx_vfio_irq_info, index, 8);
LX_UAPI_OFF(lx_vfio_irq_info, count, 12);
#define LX_VFIO_IRQ_INFO_EVENTFD (1 << 0)
#define LX_VFIO_IRQ_INFO_MASKABLE (1 << 1)
#define LX_VFIO_IRQ_INFO_AUTOMASKED (1 << 2)
#define LX_VFIO_IRQ_INFO_NORESIZE (1 << 3)
#define LX_VFIO_DEVICE_GET_IRQ_INFO _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 9)

/* flags = one DATA_* type | one ACTION_*; data[] holds count items. */
struct lx_vfio_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	uint8_t data[];
};
LX_UAPI_SIZE(lx_vfio_irq_set, 20);
LX_UAPI_OFF(lx_vfio_irq_set, argsz, 0);
LX_UAPI_OFF(lx_vfio_irq_set, flags, 4);
LX_UAPI_OFF(lx_vfio_irq_set, index, 8);
LX_UAPI_OFF(lx_vfio_irq_set, start, 12);
LX_UAPI_OFF(lx_vfio_irq_set, count, 16);
LX_UAPI_OFF(lx_vfio_irq_set, data, 20);
#define LX_VFIO_IRQ_SET_DATA_NONE (1 << 0)
#define LX_VFIO_IRQ_SET_DATA_BOOL (1 << 1)
#define LX_VFIO_IRQ_SET_DATA_EVENTFD (1 << 2)
#define LX_VFIO_IRQ_SET_ACTION_MASK (1 << 3)
#define LX_VFIO_IRQ_SET_ACTION_UNMASK (1 << 4)
#define LX_VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5)
#define LX_VFIO_IRQ_SET_DATA_TYPE_MASK \
	(LX_VFIO_IRQ_SET_DATA_NONE | LX_VFIO_IRQ_SET_DATA_BOOL | \
	 LX_VFIO_IRQ_SET_DATA_EVENTFD)
#define LX_VFIO_IRQ_SET_ACTION_TYPE_MASK \
	(LX_VFIO_IRQ_SET_ACTION_MASK | LX_VFIO_IRQ_SET_ACTION_UNMASK | \
	 LX_VFIO_IRQ_SET_ACTION_TRIGGER)
#define LX_VFIO_DEVICE_SET_IRQS _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 10)

#define LX_VFIO_DEVICE_RESET _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 11)

/* ------------------------------------------------------------ vfio-pci */

/* Fixed region indexes of a vfio-pci device; config space is index 7. */
enum {
	LX_VFIO_PCI_BAR0_REGION_INDEX = 0,
	LX_VFIO_PCI_BAR1_REGION_INDEX = 1,
	LX_VFIO_PCI_BAR2_REGION_INDEX = 2,
	LX_VFIO_PCI_BAR3_REGION_INDEX = 3,
	LX_VFIO_PCI_BAR4_REGION_INDEX = 4,
	LX_VFIO_PCI_BAR5_REGION_INDEX = 5,
	LX_VFIO_PCI_ROM_REGION_INDEX = 6,
	LX_VFIO_PCI_CONFIG_REGION_INDEX = 7,
	LX_VFIO_PCI_VGA_REGION_INDEX = 8,
	LX_VFIO_PCI_NUM_REGIONS = 9,	/* device-specific ones follow */
};

enum {
	LX_VFIO_PCI_INTX_IRQ_INDEX = 0,
	LX_VFIO_PCI_MSI_IRQ_INDEX = 1,
	LX_VFIO_PCI_MSIX_IRQ_INDEX = 2,
	LX_VFIO_PCI_ERR_IRQ_INDEX = 3,
	LX_VFIO_PCI_REQ_IRQ_INDEX = 4,
	LX_VFIO_PCI_NUM_IRQS = 5,
};

/* Another function affected by a bus/slot reset of this one. */
struct lx_vfio_pci_dependent_device {
	union {
		uint32_t group_id;	/* legacy group mode */
		uint32_t devid;		/* with ..._FLAG_DEV_ID (cdev mode) */
	};
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
};
LX_UAPI_SIZE(lx_vfio_pci_dependent_device, 8);
LX_UAPI_OFF(lx_vfio_pci_dependent_device, group_id, 0);
LX_UAPI_OFF(lx_vfio_pci_dependent_device, devid, 0);
LX_UAPI_OFF(lx_vfio_pci_dependent_device, segment, 4);
LX_UAPI_OFF(lx_vfio_pci_dependent_device, bus, 6);
LX_UAPI_OFF(lx_vfio_pci_dependent_device, devfn, 7);
#define LX_VFIO_PCI_DEVID_OWNED 0
#define LX_VFIO_PCI_DEVID_NOT_OWNED -1

struct lx_vfio_pci_hot_reset_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t count;
	struct lx_vfio_pci_dependent_device devices[];
};
LX_UAPI_SIZE(lx_vfio_pci_hot_reset_info, 12);
LX_UAPI_OFF(lx_vfio_pci_hot_reset_info, argsz, 0);
LX_UAPI_OFF(lx_vfio_pci_hot_reset_info, flags, 4);
LX_UAPI_OFF(lx_vfio_pci_hot_reset_info, count, 8);
LX_UAPI_OFF(lx_vfio_pci_hot_reset_info, devices, 12);
#define LX_VFIO_PCI_HOT_RESET_FLAG_DEV_ID (1 << 0)
#define LX_VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED (1 << 1)
#define LX_VFIO_DEVICE_GET_PCI_HOT_RESET_INFO \
	_IO(LX_VFIO_TYPE, LX_VFIO_BASE + 12)

/* group_fds proves ownership of every affected group (cdev mode: count 0). */
struct lx_vfio_pci_hot_reset {
	uint32_t argsz;
	uint32_t flags;
	uint32_t count;
	int32_t group_fds[];
};
LX_UAPI_SIZE(lx_vfio_pci_hot_reset, 12);
LX_UAPI_OFF(lx_vfio_pci_hot_reset, argsz, 0);
LX_UAPI_OFF(lx_vfio_pci_hot_reset, flags, 4);
LX_UAPI_OFF(lx_vfio_pci_hot_reset, count, 8);
LX_UAPI_OFF(lx_vfio_pci_hot_reset, group_fds, 12);
#define LX_VFIO_DEVICE_PCI_HOT_RESET _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 13)

/* Let the kernel turn an eventfd signal into a device write (fast MMIO). */
struct lx_vfio_device_ioeventfd {
	uint32_t argsz;
	uint32_t flags;		/* access width; fd -1 tears it down */
	LX_ALIGNED_U64 offset;
	LX_ALIGNED_U64 data;
	int32_t fd;
	uint32_t reserved;
};
LX_UAPI_SIZE(lx_vfio_device_ioeventfd, 32);
LX_UAPI_OFF(lx_vfio_device_ioeventfd, argsz, 0);
LX_UAPI_OFF(lx_vfio_device_ioeventfd, flags, 4);
LX_UAPI_OFF(lx_vfio_device_ioeventfd, offset, 8);
LX_UAPI_OFF(lx_vfio_device_ioeventfd, data, 16);
LX_UAPI_OFF(lx_vfio_device_ioeventfd, fd, 24);
LX_UAPI_OFF(lx_vfio_device_ioeventfd, reserved, 28);
#define LX_VFIO_DEVICE_IOEVENTFD_8 (1 << 0)
#define LX_VFIO_DEVICE_IOEVENTFD_16 (1 << 1)
#define LX_VFIO_DEVICE_IOEVENTFD_32 (1 << 2)
#define LX_VFIO_DEVICE_IOEVENTFD_64 (1 << 3)
#define LX_VFIO_DEVICE_IOEVENTFD_SIZE_MASK (0xf)
#define LX_VFIO_DEVICE_IOEVENTFD _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 16)

/* ------------------------------------------------------------ device feature */

/* flags = feature id (low 16 bits) | GET/SET/PROBE; payload in data[]. */
struct lx_vfio_device_feature {
	uint32_t argsz;
	uint32_t flags;
	uint8_t data[];
};
LX_UAPI_SIZE(lx_vfio_device_feature, 8);
LX_UAPI_OFF(lx_vfio_device_feature, argsz, 0);
LX_UAPI_OFF(lx_vfio_device_feature, flags, 4);
LX_UAPI_OFF(lx_vfio_device_feature, data, 8);
#define LX_VFIO_DEVICE_FEATURE_MASK (0xffff)
#define LX_VFIO_DEVICE_FEATURE_GET (1 << 16)
#define LX_VFIO_DEVICE_FEATURE_SET (1 << 17)
/* PROBE with GET/SET asks "would that work?" without doing it. */
#define LX_VFIO_DEVICE_FEATURE_PROBE (1 << 18)
#define LX_VFIO_DEVICE_FEATURE _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 17)

/* ------------------------------------------------------------ cdev + iommufd */

/* On /dev/vfio/devices/vfioX: the device joins an iommufd and gets a dev id. */
struct lx_vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
	LX_ALIGNED_U64 token_uuid_ptr;	/* with ..._BIND_FLAG_TOKEN: VF token */
};
LX_UAPI_SIZE(lx_vfio_device_bind_iommufd, 24);
LX_UAPI_OFF(lx_vfio_device_bind_iommufd, argsz, 0);
LX_UAPI_OFF(lx_vfio_device_bind_iommufd, flags, 4);
LX_UAPI_OFF(lx_vfio_device_bind_iommufd, iommufd, 8);
LX_UAPI_OFF(lx_vfio_device_bind_iommufd, out_devid, 12);
LX_UAPI_OFF(lx_vfio_device_bind_iommufd, token_uuid_ptr, 16);
#define LX_VFIO_DEVICE_BIND_FLAG_TOKEN (1 << 0)
#define LX_VFIO_DEVICE_BIND_IOMMUFD _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 18)

/* pt_id: an IOAS or HWPT; the kernel writes back the HWPT actually used. */
struct lx_vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
	uint32_t pasid;		/* with LX_VFIO_DEVICE_ATTACH_PASID */
};
LX_UAPI_SIZE(lx_vfio_device_attach_iommufd_pt, 16);
LX_UAPI_OFF(lx_vfio_device_attach_iommufd_pt, argsz, 0);
LX_UAPI_OFF(lx_vfio_device_attach_iommufd_pt, flags, 4);
LX_UAPI_OFF(lx_vfio_device_attach_iommufd_pt, pt_id, 8);
LX_UAPI_OFF(lx_vfio_device_attach_iommufd_pt, pasid, 12);
#define LX_VFIO_DEVICE_ATTACH_PASID (1 << 0)
#define LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 19)

struct lx_vfio_device_detach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pasid;		/* with LX_VFIO_DEVICE_DETACH_PASID */
};
LX_UAPI_SIZE(lx_vfio_device_detach_iommufd_pt, 12);
LX_UAPI_OFF(lx_vfio_device_detach_iommufd_pt, argsz, 0);
LX_UAPI_OFF(lx_vfio_device_detach_iommufd_pt, flags, 4);
LX_UAPI_OFF(lx_vfio_device_detach_iommufd_pt, pasid, 8);
#define LX_VFIO_DEVICE_DETACH_PASID (1 << 0)
#define LX_VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 20)

/* ------------------------------------------------------------ feature ids */

/* SET: a 16-byte UUID shared between a PF and its VFs' users. */
#define LX_VFIO_DEVICE_FEATURE_PCI_VF_TOKEN (0)

/* GET: which migration protocol variants the device supports. */
#define LX_VFIO_DEVICE_FEATURE_MIGRATION 1
struct lx_vfio_device_feature_migration {
	LX_ALIGNED_U64 flags;
};
LX_UAPI_SIZE(lx_vfio_device_feature_migration, 8);
LX_UAPI_OFF(lx_vfio_device_feature_migration, flags, 0);
#define LX_VFIO_MIGRATION_STOP_COPY (1 << 0)
#define LX_VFIO_MIGRATION_P2P (1 << 1)
#define LX_VFIO_MIGRATION_PRE_COPY (1 << 2)

/* GET/SET the migration state; some transitions return a data fd. */
#define LX_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE 2
struct lx_vfio_device_feature_mig_state {
	uint32_t device_state;	/* enum lx_vfio_device_mig_state */
	int32_t data_fd;
};
LX_UAPI_SIZE(lx_vfio_device_feature_mig_state, 8);
LX_UAPI_OFF(lx_vfio_device_feature_mig_state, device_state, 0);
LX_UAPI_OFF(lx_vfio_device_feature_mig_state, data_fd, 4);

enum lx_vfio_device_mig_state {
	LX_VFIO_DEVICE_STATE_ERROR = 0,
	LX_VFIO_DEVICE_STATE_STOP = 1,
	LX_VFIO_DEVICE_STATE_RUNNING = 2,
	LX_VFIO_DEVICE_STATE_STOP_COPY = 3,
	LX_VFIO_DEVICE_STATE_RESUMING = 4,
	LX_VFIO_DEVICE_STATE_RUNNING_P2P = 5,
	LX_VFIO_DEVICE_STATE_PRE_COPY = 6,
	LX_VFIO_DEVICE_STATE_PRE_COPY_P2P = 7,
	LX_VFIO_DEVICE_STATE_NR = 8,
};

/* Asked on the PRE_COPY data fd: how much is still to be read. */
struct lx_vfio_precopy_info {
	uint32_t argsz;
	uint32_t flags;		/* meaningful only after MIG_PRECOPY_INFOv2 */
	LX_ALIGNED_U64 initial_bytes;
	LX_ALIGNED_U64 dirty_bytes;
};
LX_UAPI_SIZE(lx_vfio_precopy_info, 24);
LX_UAPI_OFF(lx_vfio_precopy_info, argsz, 0);
LX_UAPI_OFF(lx_vfio_precopy_info, flags, 4);
LX_UAPI_OFF(lx_vfio_precopy_info, initial_bytes, 8);
LX_UAPI_OFF(lx_vfio_precopy_info, dirty_bytes, 16);
#define LX_VFIO_PRECOPY_INFO_REINIT (1 << 0)
#define LX_VFIO_MIG_GET_PRECOPY_INFO _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 21)

/* Runtime power management of the device while the VM idles it. */
#define LX_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY 3
#define LX_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
struct lx_vfio_device_low_power_entry_with_wakeup {
	int32_t wakeup_eventfd;
	uint32_t reserved;
};
LX_UAPI_SIZE(lx_vfio_device_low_power_entry_with_wakeup, 8);
LX_UAPI_OFF(lx_vfio_device_low_power_entry_with_wakeup, wakeup_eventfd, 0);
LX_UAPI_OFF(lx_vfio_device_low_power_entry_with_wakeup, reserved, 4);
#define LX_VFIO_DEVICE_FEATURE_LOW_POWER_EXIT 5

/* Device-side DMA dirty tracking (the device logs what it wrote). */
#define LX_VFIO_DEVICE_FEATURE_DMA_LOGGING_START 6
#define LX_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP 7
struct lx_vfio_device_feature_dma_logging_control {
	LX_ALIGNED_U64 page_size;
	uint32_t num_ranges;
	uint32_t __reserved;
	LX_ALIGNED_U64 ranges;	/* user pointer to ..._dma_logging_range[] */
};
LX_UAPI_SIZE(lx_vfio_device_feature_dma_logging_control, 24);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_control, page_size, 0);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_control, num_ranges, 8);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_control, __reserved, 12);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_control, ranges, 16);

struct lx_vfio_device_feature_dma_logging_range {
	LX_ALIGNED_U64 iova;
	LX_ALIGNED_U64 length;
};
LX_UAPI_SIZE(lx_vfio_device_feature_dma_logging_range, 16);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_range, iova, 0);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_range, length, 8);

#define LX_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT 8
struct lx_vfio_device_feature_dma_logging_report {
	LX_ALIGNED_U64 iova;
	LX_ALIGNED_U64 length;
	LX_ALIGNED_U64 page_size;
	LX_ALIGNED_U64 bitmap;	/* user pointer */
};
LX_UAPI_SIZE(lx_vfio_device_feature_dma_logging_report, 32);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_report, iova, 0);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_report, length, 8);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_report, page_size, 16);
LX_UAPI_OFF(lx_vfio_device_feature_dma_logging_report, bitmap, 24);

#define LX_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
struct lx_vfio_device_feature_mig_data_size {
	LX_ALIGNED_U64 stop_copy_length;
};
LX_UAPI_SIZE(lx_vfio_device_feature_mig_data_size, 8);
LX_UAPI_OFF(lx_vfio_device_feature_mig_data_size, stop_copy_length, 0);

/* For devices whose bus master bit the VMM cannot reach via config space. */
#define LX_VFIO_DEVICE_FEATURE_BUS_MASTER 10
struct lx_vfio_device_feature_bus_master {
	uint32_t op;
};
LX_UAPI_SIZE(lx_vfio_device_feature_bus_master, 4);
LX_UAPI_OFF(lx_vfio_device_feature_bus_master, op, 0);
#define LX_VFIO_DEVICE_FEATURE_CLEAR_MASTER 0
#define LX_VFIO_DEVICE_FEATURE_SET_MASTER 1

/* GET: export slices of a region (e.g. a BAR) as a dma-buf fd. */
#define LX_VFIO_DEVICE_FEATURE_DMA_BUF 11
struct lx_vfio_region_dma_range {
	uint64_t offset;
	uint64_t length;
};
LX_UAPI_SIZE(lx_vfio_region_dma_range, 16);
LX_UAPI_OFF(lx_vfio_region_dma_range, offset, 0);
LX_UAPI_OFF(lx_vfio_region_dma_range, length, 8);

struct lx_vfio_device_feature_dma_buf {
	uint32_t region_index;
	uint32_t open_flags;	/* O_* flags for the new fd */
	uint32_t flags;		/* none defined: 0 */
	uint32_t nr_ranges;
	struct lx_vfio_region_dma_range dma_ranges[];
};
LX_UAPI_SIZE(lx_vfio_device_feature_dma_buf, 16);
LX_UAPI_OFF(lx_vfio_device_feature_dma_buf, region_index, 0);
LX_UAPI_OFF(lx_vfio_device_feature_dma_buf, open_flags, 4);
LX_UAPI_OFF(lx_vfio_device_feature_dma_buf, flags, 8);
LX_UAPI_OFF(lx_vfio_device_feature_dma_buf, nr_ranges, 12);
LX_UAPI_OFF(lx_vfio_device_feature_dma_buf, dma_ranges, 16);

/* SET (no payload): opt in to lx_vfio_precopy_info.flags being valid. */
#define LX_VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 12

/* s390 only: platform-reported PCI error data. */
#define LX_VFIO_DEVICE_FEATURE_ZPCI_ERROR 13
struct lx_vfio_device_feature_zpci_err {
	LX_ALIGNED_U64 data;
};
LX_UAPI_SIZE(lx_vfio_device_feature_zpci_err, 8);
LX_UAPI_OFF(lx_vfio_device_feature_zpci_err, data, 0);

/* ------------------------------------------------------------ type1 IOMMU */

struct lx_vfio_iommu_type1_info {
	uint32_t argsz;
	uint32_t flags;
	LX_ALIGNED_U64 iova_pgsizes;	/* bitmap of supported page sizes */
	uint32_t cap_offset;		/* with LX_VFIO_IOMMU_INFO_CAPS */
	uint32_t pad;
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_info, 24);
LX_UAPI_OFF(lx_vfio_iommu_type1_info, argsz, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_info, flags, 4);
LX_UAPI_OFF(lx_vfio_iommu_type1_info, iova_pgsizes, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_info, cap_offset, 16);
LX_UAPI_OFF(lx_vfio_iommu_type1_info, pad, 20);
#define LX_VFIO_IOMMU_INFO_PGSIZES (1 << 0)
#define LX_VFIO_IOMMU_INFO_CAPS (1 << 1)

/* Capability: the usable IOVA ranges (holes for MSI windows etc. removed). */
#define LX_VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE 1

/* Unlike iommufd's range, "end" is inclusive too but the fields are plain. */
struct lx_vfio_iova_range {
	uint64_t start;
	uint64_t end;
};
LX_UAPI_SIZE(lx_vfio_iova_range, 16);
LX_UAPI_OFF(lx_vfio_iova_range, start, 0);
LX_UAPI_OFF(lx_vfio_iova_range, end, 8);

struct lx_vfio_iommu_type1_info_cap_iova_range {
	struct lx_vfio_info_cap_header header;
	uint32_t nr_iovas;
	uint32_t reserved;
	struct lx_vfio_iova_range iova_ranges[];
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_info_cap_iova_range, 16);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_iova_range, header, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_iova_range, nr_iovas, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_iova_range, reserved, 12);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_iova_range, iova_ranges, 16);

/* Capability: present when type1 dirty page tracking is available. */
#define LX_VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION 2

struct lx_vfio_iommu_type1_info_cap_migration {
	struct lx_vfio_info_cap_header header;
	uint32_t flags;
	uint64_t pgsize_bitmap;
	uint64_t max_dirty_bitmap_size;	/* bytes */
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_info_cap_migration,
	     LX_UAPI_U64_ALIGN(LX_UAPI_U64_ALIGN(12) + 16));
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_migration, header, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_migration, flags, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_migration, pgsize_bitmap,
	    LX_UAPI_U64_ALIGN(12));
LX_UAPI_OFF(lx_vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size,
	    LX_UAPI_U64_ALIGN(12) + 8);

/* Capability: how many more DMA mappings the container may create. */
#define LX_VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3

struct lx_vfio_iommu_type1_info_dma_avail {
	struct lx_vfio_info_cap_header header;
	uint32_t avail;
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_info_dma_avail, 12);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_dma_avail, header, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_info_dma_avail, avail, 8);

#define LX_VFIO_IOMMU_GET_INFO _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 12)

struct lx_vfio_iommu_type1_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t vaddr;
	uint64_t iova;
	uint64_t size;
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_dma_map, 32);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_map, argsz, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_map, flags, 4);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_map, vaddr, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_map, iova, 16);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_map, size, 24);
#define LX_VFIO_DMA_MAP_FLAG_READ (1 << 0)
#define LX_VFIO_DMA_MAP_FLAG_WRITE (1 << 1)
/* only replace the vaddr of an existing mapping (live update) */
#define LX_VFIO_DMA_MAP_FLAG_VADDR (1 << 2)
#define LX_VFIO_IOMMU_MAP_DMA _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 13)

/* One bit per pgsize bytes; data is a real pointer, so its size is ABI's. */
struct lx_vfio_bitmap {
	uint64_t pgsize;
	uint64_t size;		/* bytes in data */
	uint64_t *data;
};
LX_UAPI_SIZE(lx_vfio_bitmap, LX_UAPI_U64_ALIGN(16 + sizeof(void *)));
LX_UAPI_OFF(lx_vfio_bitmap, pgsize, 0);
LX_UAPI_OFF(lx_vfio_bitmap, size, 8);
LX_UAPI_OFF(lx_vfio_bitmap, data, 16);

/* With GET_DIRTY_BITMAP, data[] holds a struct lx_vfio_bitmap. */
struct lx_vfio_iommu_type1_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t iova;
	uint64_t size;
	uint8_t data[];
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_dma_unmap, 24);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_unmap, argsz, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_unmap, flags, 4);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_unmap, iova, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_unmap, size, 16);
LX_UAPI_OFF(lx_vfio_iommu_type1_dma_unmap, data, 24);
#define LX_VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (1 << 0)
#define LX_VFIO_DMA_UNMAP_FLAG_ALL (1 << 1)
#define LX_VFIO_DMA_UNMAP_FLAG_VADDR (1 << 2)
#define LX_VFIO_IOMMU_UNMAP_DMA _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 14)

/* Container-wide dirty page tracking; GET_BITMAP carries a ..._get in data. */
struct lx_vfio_iommu_type1_dirty_bitmap {
	uint32_t argsz;
	uint32_t flags;
	uint8_t data[];
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_dirty_bitmap, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_dirty_bitmap, argsz, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_dirty_bitmap, flags, 4);
LX_UAPI_OFF(lx_vfio_iommu_type1_dirty_bitmap, data, 8);
#define LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_START (1 << 0)
#define LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP (1 << 1)
#define LX_VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP (1 << 2)

struct lx_vfio_iommu_type1_dirty_bitmap_get {
	uint64_t iova;
	uint64_t size;
	struct lx_vfio_bitmap bitmap;
};
LX_UAPI_SIZE(lx_vfio_iommu_type1_dirty_bitmap_get,
	     16 + sizeof(struct lx_vfio_bitmap));
LX_UAPI_OFF(lx_vfio_iommu_type1_dirty_bitmap_get, iova, 0);
LX_UAPI_OFF(lx_vfio_iommu_type1_dirty_bitmap_get, size, 8);
LX_UAPI_OFF(lx_vfio_iommu_type1_dirty_bitmap_get, bitmap, 16);
#define LX_VFIO_IOMMU_DIRTY_PAGES _IO(LX_VFIO_TYPE, LX_VFIO_BASE + 17)

#endif /* LIBIOMMU_UAPI_VFIO_H */
