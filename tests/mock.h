/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only access to the kernel's iommufd selftest mock (CONFIG_IOMMUFD_TEST):
 * attaching a mock device to an IOAS, which is what makes an IOAS busy and
 * narrows its IOVA ranges without real hardware.  Not part of the library.
 */
#ifndef LIBIOMMU_TESTS_MOCK_H
#define LIBIOMMU_TESTS_MOCK_H

#include <stdbool.h>
#include <stdint.h>

/* The mock domain's aperture (the IOVAs its attached IOAS can still use). */
#define MOCK_APERTURE_START (UINT64_C(1) << 24)
#define MOCK_APERTURE_LAST ((UINT64_C(1) << 31) - 1)

struct mock_dev {
	uint32_t stdev_id; /* the mock device object: destroy it to detach */
	uint32_t hwpt_id;  /* the HWPT the kernel made for it */
	uint32_t idev_id;  /* the iommufd device bound for it */
};

/*
 * Attach a new mock device to IOAS @ioas_id on iommufd @fd.  0 or -errno;
 * -ENOTTY means the kernel has no CONFIG_IOMMUFD_TEST.
 */
int mock_attach(int fd, uint32_t ioas_id, struct mock_dev *dev);

/*
 * Reserve [start, start + length) in IOAS @ioas_id, as an attached device's
 * reserved region would (the selftest's ADD_RESERVED).  0 or -errno.
 */
int mock_add_reserved(int fd, uint32_t ioas_id, uint64_t start,
		      uint64_t length);

/* Detach and free the mock device (and the HWPT made for it).  0 or -errno. */
int mock_detach(int fd, const struct mock_dev *dev);

/*
 * From main(), after tu_require_iommufd(): exit 77 with the reason unless
 * the kernel has the selftest mock (CONFIG_IOMMUFD_TEST).  Check runs each
 * test in a child whose exit status is not a skip, so the decision has to be
 * made here, once, for the whole program.
 */
void mock_require(void);

/*
 * Whether the running kernel is older than @major.@minor: for what the
 * mock itself can do, which no library feature tells (PASID-capable mock
 * devices, driver data for paging HWPTs).  An unparsable release is new.
 */
bool mock_kernel_before(int major, int minor);

/* ---- HWPT tests (dirty tracking, nesting) ------------------------------- */

/* Mock device flags for mock_attach_flags(). */
#define MOCK_DEV_NO_DIRTY (1u << 0) /* its IOMMU has no dirty tracking */
#define MOCK_DEV_PASID (1u << 2)    /* it has 20 PASID bits */

/* Data types and values of the mock driver (iommufd_test.h). */
#define MOCK_HW_INFO_TYPE 0xfeedbeefu	      /* IOMMU_HW_INFO_TYPE_SELFTEST */
#define MOCK_HW_INFO_REGVAL 0xdeadbeefu	      /* its test_reg */
#define MOCK_HWPT_DATA_TYPE 0xdeadu	      /* IOMMU_HWPT_DATA_SELFTEST */
#define MOCK_IOTLB_DEFAULT 0xbadbeefu	      /* initial nested IOTLB entries */
#define MOCK_IOTLB_ENTRIES 4		      /* entries 0..3 */
#define MOCK_INVALIDATE_DATA_TYPE 0xdeadbeefu /* IOMMU_HWPT_INVALIDATE_DATA_SELFTEST */
#define MOCK_INVALIDATE_ALL (1u << 0)

/* Nested HWPT data (struct iommu_hwpt_selftest). */
struct mock_hwpt_data {
	uint32_t iotlb;
	uint32_t pagetable_type; /* 0: default */
};
/*
 * The length to pass for a nested HWPT: the mock reads its iotlb only.
 * 6.12's struct has nothing else, and 6.12 refuses data longer than the
 * kernel's struct (EINVAL) even when the rest is zero; 7.3 takes either.
 * pagetable_type is for the paging HWPTs of 7.3's mock.
 */
#define MOCK_NESTED_DATA_LEN ((uint32_t)sizeof(uint32_t))

/* One invalidation entry (struct iommu_hwpt_invalidate_selftest). */
struct mock_invalidate {
	uint32_t flags;
	uint32_t iotlb_id;
};

/* As mock_attach(), to any IOAS or HWPT @pt_id, with MOCK_DEV_* flags. */
int mock_attach_flags(int fd, uint32_t pt_id, uint32_t dev_flags,
		      struct mock_dev *dev);

/*
 * Mark the pages of [iova, iova + length) whose bits are set in @bitmap
 * (bit n = page iova + n * page_size) dirty in mock paging HWPT @hwpt_id,
 * which must have dirty tracking on.  *nr_dirty (may be NULL) gets how many
 * were marked.  0 or -errno.
 */
int mock_set_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
		   uint64_t page_size, const uint64_t *bitmap,
		   uint64_t *nr_dirty);

/* 0 if IOTLB entry @entry of mock nested HWPT @hwpt_id holds @value, else -EINVAL. */
int mock_check_iotlb(int fd, uint32_t hwpt_id, uint32_t entry, uint32_t value);

/* ---- vIOMMU tests ----------------------------------------------------------- */

/* The mock's vIOMMU (iommufd_test.h). */
#define MOCK_VIOMMU_TYPE 0xdeadbeefu		     /* IOMMU_VIOMMU_TYPE_SELFTEST */
#define MOCK_VIOMMU_INVALIDATE_DATA_TYPE 0xdeadbeefu /* ..._DATA_SELFTEST */
#define MOCK_DEV_CACHE_DEFAULT 0xbaddadu	     /* initial device cache entries */
#define MOCK_DEV_CACHE_ENTRIES 4		     /* entries 0..3 */

/* vIOMMU data (struct iommu_viommu_selftest): out_data echoes in_data. */
struct mock_viommu_data {
	uint32_t in_data;
	uint32_t out_data;
	uint64_t out_mmap_offset;
	uint64_t out_mmap_length;
};

/* One vIOMMU invalidation entry (struct iommu_viommu_invalidate_selftest). */
struct mock_viommu_invalidate {
	uint32_t flags;	  /* MOCK_INVALIDATE_ALL */
	uint32_t vdev_id; /* the virtual id */
	uint32_t cache_id;
};

/* Move mock device @dev to HWPT @pt_id (MOCK_DOMAIN_REPLACE).  0 or -errno. */
int mock_replace(int fd, const struct mock_dev *dev, uint32_t pt_id);

/* 0 if cache entry @entry of mock device @idev_id holds @value, else -EINVAL. */
int mock_check_dev_cache(int fd, uint32_t idev_id, uint32_t entry,
			 uint32_t value);

/*
 * Make the mock IOMMU report an event (its virtual id, 4 bytes) for mock
 * device @idev_id, which must be attached to a HWPT nested on a vIOMMU and
 * have a vDEVICE there.  0 or -errno.
 */
int mock_trigger_vevent(int fd, uint32_t idev_id);

/*
 * Make mock device @idev_id issue a page request for @addr (PASID @pasid,
 * 0 for none; page request group @grpid; LIBIOMMU_FAULT_PERM_* @perm): a
 * group of one fault, delivered to the fault queue of the HWPT the device
 * is attached to.  0 or -errno.
 */
int mock_trigger_iopf(int fd, uint32_t idev_id, uint32_t pasid, uint32_t grpid,
		      uint32_t perm, uint64_t addr);

/* The mock's PASID commands on a device made with MOCK_DEV_PASID. */
enum mock_pasid_op {
	MOCK_PASID_ATTACH,  /* @pasid to HWPT @pt_id */
	MOCK_PASID_REPLACE, /* @pasid, attached, to HWPT @pt_id */
	MOCK_PASID_DETACH,  /* @pasid (@pt_id unused) */
	MOCK_PASID_CHECK,   /* is @pasid on HWPT @pt_id (0: on none)? */
};

/* 0 or -errno (MOCK_PASID_CHECK: -EINVAL when it is not). */
int mock_pasid(int fd, const struct mock_dev *dev, enum mock_pasid_op op,
	       uint32_t pasid, uint32_t pt_id);

#endif
