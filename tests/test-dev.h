/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fixture shared by the device and HWPT tests (kernel tier): the IOAS
 * fixture of test-ioas.h (ctx `ctx` logging into `lg`, IOAS `ioas`,
 * buffers, expect_ok/expect_err) plus the edu device and the selftest mock
 * wrapped as a libiommu device.
 */
#ifndef LIBIOMMU_TEST_DEV_H
#define LIBIOMMU_TEST_DEV_H

#include <stdio.h>
#include <stdlib.h>

#include "edu.h"
#include "mock.h"
/* The tests open their own device (on the legacy backends, its group). */
#define TEST_IOAS_ANCHOR 0
#include "test-ioas.h"

#define RW (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)
#define FIXED LIBIOMMU_MAP_FIXED_IOVA
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The edu cdev path, found once in main() by require_edu(). */
static char edu_path[64];

/* From main(): exit 77 unless the edu device is bound to vfio-pci. */
static inline void require_edu(void)
{
	if (edu_find(edu_path, sizeof(edu_path)) == 0)
		return;
	printf("SKIP: no QEMU edu device (1234:11e8) bound to vfio-pci (/sys/class/vfio-dev/vfioN): runs in the VM tier\n");
	fflush(stdout);
	exit(TU_EXIT_SKIP);
}

static inline struct libiommu_dev *open_edu(struct libiommu_ctx *c)
{
	struct libiommu_dev *d = NULL;
	int rc = libiommu_dev_open(c, edu_path, NULL, &d);

	ck_assert_msg(rc == 0, "libiommu_dev_open(%s): %s; log:\n%s", edu_path,
		      strerror(-rc), lg.all);
	ck_assert_ptr_nonnull(d);
	return d;
}

/* A new mock device attached to @pt_id, wrapped in a libiommu handle. */
static inline struct libiommu_dev *adopt_mock(struct libiommu_ctx *c,
					      uint32_t pt_id, uint32_t flags,
					      struct mock_dev *md)
{
	struct libiommu_dev *d = NULL;
	int rc;

	rc = mock_attach_flags(libiommu_ctx_fd(c), pt_id, flags, md);
	ck_assert_msg(rc == 0, "mock_attach_flags: %s", strerror(-rc));
	rc = libiommu_dev_adopt_id(c, md->idev_id, &d);
	ck_assert_msg(rc == 0, "libiommu_dev_adopt_id(%u): %s; log:\n%s",
		      md->idev_id, strerror(-rc), lg.all);
	return d;
}

#endif
