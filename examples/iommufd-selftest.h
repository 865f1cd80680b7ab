/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * The few commands of the kernel's iommufd selftest mock
 * (CONFIG_IOMMUFD_TEST) that the viommu example needs: make a mock device
 * bound to an iommufd, move it to another IOAS or HWPT, make it raise a
 * page request, make its mock IOMMU report an event.  These are test-only
 * kernel interfaces, not libiommu's: a real VMM opens a real VFIO device
 * (libiommu_dev_open()) and its hardware does the rest.  Header-only, so
 * that the example builds from itself and `pkg-config libiommu` alone.
 *
 * The facts (Linux 7.3 uAPI): one ioctl, _IO(';', 0x80 + 32), takes a
 * command of 72 bytes: u32 size, u32 op, u32 id, u32 reserved, a 48-byte
 * union of the operations' arguments (8-byte aligned), u32 `last` (the
 * end of the minimum size).  Op numbers: 2 make a mock device on IOAS or
 * HWPT `id` (three u32 ids out: the mock device object, the HWPT made for
 * it, the iommufd device), 10 move mock device `id` to the IOAS or HWPT of
 * the union's first u32, 15 a page request (u32 device, pasid, group,
 * permission, then a u64 address), 17 an event for the device of the
 * union's first u32.  An unknown op fails with EOPNOTSUPP; a kernel
 * without the mock fails the ioctl with ENOTTY.  The mock driver's data
 * types and values are below, each with its name in the kernel.
 */
#ifndef LIBIOMMU_EXAMPLES_IOMMUFD_SELFTEST_H
#define LIBIOMMU_EXAMPLES_IOMMUFD_SELFTEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#define EX_MOCK_CMD _IO(';', 0x80 + 32) /* IOMMU_TEST_CMD */
#define EX_MOCK_OP_PROBE 0		/* no such op: EOPNOTSUPP */
#define EX_MOCK_OP_DOMAIN 2		/* IOMMU_TEST_OP_MOCK_DOMAIN */
#define EX_MOCK_OP_DOMAIN_REPLACE 10	/* ..._MOCK_DOMAIN_REPLACE */
#define EX_MOCK_OP_TRIGGER_IOPF 15	/* ..._TRIGGER_IOPF */
#define EX_MOCK_OP_TRIGGER_VEVENT 17	/* ..._TRIGGER_VEVENT */

/* The mock driver's types and values (iommufd_test.h). */
#define EX_MOCK_HWPT_DATA_TYPE 0xdeadu			/* IOMMU_HWPT_DATA_SELFTEST */
#define EX_MOCK_IOTLB_DEFAULT 0xbadbeefu		/* IOMMU_TEST_IOTLB_DEFAULT */
#define EX_MOCK_VIOMMU_INVALIDATE_DATA_TYPE 0xdeadbeefu /* ..._DATA_SELFTEST */
#define EX_MOCK_INVALIDATE_ALL (1u << 0)		/* IOMMU_TEST_INVALIDATE_FLAG_ALL */

/* A nested HWPT's data (struct iommu_hwpt_selftest). */
struct ex_mock_hwpt_data {
	uint32_t iotlb;
	uint32_t pagetable_type; /* 0: the default */
};

/* One vIOMMU invalidation entry (struct iommu_viommu_invalidate_selftest). */
struct ex_mock_viommu_invalidate {
	uint32_t flags;	  /* EX_MOCK_INVALIDATE_ALL */
	uint32_t vdev_id; /* the virtual id */
	uint32_t cache_id;
};

struct ex_mock_cmd {
	uint32_t size;
	uint32_t op;
	uint32_t id;
	uint32_t reserved;
	union {
		struct {
			uint32_t out_stdev_id;
			uint32_t out_hwpt_id;
			uint32_t out_idev_id;
		} domain;
		struct {
			uint32_t pt_id;
		} replace;
		struct {
			uint32_t dev_id;
			uint32_t pasid;
			uint32_t grpid;
			uint32_t perm;
			uint64_t addr;
		} iopf;
		struct {
			uint32_t dev_id;
		} vevent;
		uint64_t pad[6];
	};
	uint32_t last;
};
_Static_assert(offsetof(struct ex_mock_cmd, last) == 64, "selftest command layout");
_Static_assert(sizeof(struct ex_mock_cmd) == 72, "selftest command size");

/* A mock device, as the kernel made it. */
struct ex_mock_dev {
	uint32_t stdev_id; /* the mock device object */
	uint32_t hwpt_id;  /* the HWPT made for it */
	uint32_t idev_id;  /* the iommufd device: libiommu_dev_adopt_id() */
};

static inline int ex_mock_ioctl(int fd, uint32_t op, uint32_t id,
				struct ex_mock_cmd *cmd)
{
	int rc;

	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	do {
		rc = ioctl(fd, EX_MOCK_CMD, cmd);
	} while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

/*
 * Does iommufd @fd have the selftest mock?  0 yes, -ENOTTY no (the kernel
 * has no CONFIG_IOMMUFD_TEST), another -errno otherwise.  Creates nothing.
 */
static inline int ex_mock_probe(int fd)
{
	struct ex_mock_cmd cmd;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	rc = ex_mock_ioctl(fd, EX_MOCK_OP_PROBE, 0, &cmd);
	return rc == -EOPNOTSUPP ? 0 : rc ? rc
					  : -EPROTO;
}

/* Make a mock device attached to IOAS or HWPT @pt_id.  0 or -errno. */
static inline int ex_mock_dev_new(int fd, uint32_t pt_id,
				  struct ex_mock_dev *dev)
{
	struct ex_mock_cmd cmd;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	rc = ex_mock_ioctl(fd, EX_MOCK_OP_DOMAIN, pt_id, &cmd);
	if (rc)
		return rc;
	dev->stdev_id = cmd.domain.out_stdev_id;
	dev->hwpt_id = cmd.domain.out_hwpt_id;
	dev->idev_id = cmd.domain.out_idev_id;
	return 0;
}

/* Move mock device @dev to IOAS or HWPT @pt_id.  0 or -errno. */
static inline int ex_mock_dev_replace(int fd, const struct ex_mock_dev *dev,
				      uint32_t pt_id)
{
	struct ex_mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.replace.pt_id = pt_id;
	return ex_mock_ioctl(fd, EX_MOCK_OP_DOMAIN_REPLACE, dev->stdev_id, &cmd);
}

/*
 * Make mock device @dev request page @addr (PASID @pasid, 0 for none;
 * group @grpid; LIBIOMMU_FAULT_PERM_* @perm, the kernel's values): a group
 * of one fault, to the fault queue of the HWPT it is attached to.
 */
static inline int ex_mock_trigger_iopf(int fd, const struct ex_mock_dev *dev,
				       uint32_t pasid, uint32_t grpid,
				       uint32_t perm, uint64_t addr)
{
	struct ex_mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.iopf.dev_id = dev->idev_id;
	cmd.iopf.pasid = pasid;
	cmd.iopf.grpid = grpid;
	cmd.iopf.perm = perm;
	cmd.iopf.addr = addr;
	return ex_mock_ioctl(fd, EX_MOCK_OP_TRIGGER_IOPF, 0, &cmd);
}

/*
 * Make the mock IOMMU report an event (the device's virtual id, 4 bytes)
 * for mock device @dev, attached to a HWPT nested on a vIOMMU where it
 * has a vDEVICE.
 */
static inline int ex_mock_trigger_vevent(int fd, const struct ex_mock_dev *dev)
{
	struct ex_mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.vevent.dev_id = dev->idev_id;
	return ex_mock_ioctl(fd, EX_MOCK_OP_TRIGGER_VEVENT, 0, &cmd);
}

#endif
