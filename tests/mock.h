/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only access to the kernel's iommufd selftest mock (CONFIG_IOMMUFD_TEST):
 * attaching a mock device to an IOAS, which is what makes an IOAS busy and
 * narrows its IOVA ranges without real hardware.  Not part of the library.
 */
#ifndef LIBIOMMU_TESTS_MOCK_H
#define LIBIOMMU_TESTS_MOCK_H

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

#endif
