// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The iommufd selftest's command, written from the facts in the kernel's
 * drivers/iommu/iommufd/iommufd_test.h (7.3): ioctl IOMMUFD_CMD_BASE + 32,
 * op 1 = ADD_RESERVED (start, length), op 2 = MOCK_DOMAIN (three u32 ids
 * out), both with the IOAS id in `id`; the union's largest member is
 * 48 bytes and the command ends with a u32 `last` that marks its minimum size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mock.h"

#define MOCK_CMD_NR 0xa0 /* IOMMUFD_CMD_BASE (0x80) + 32 */
#define MOCK_TEST_CMD _IO(';', MOCK_CMD_NR)
#define MOCK_DESTROY _IO(';', 0x80)
#define MOCK_OP_ADD_RESERVED 1
#define MOCK_OP_MOCK_DOMAIN 2
#define MOCK_OP_MOCK_DOMAIN_FLAGS 12
#define MOCK_OP_DIRTY 13
#define MOCK_OP_MD_CHECK_IOTLB 14

struct mock_cmd {
	uint32_t size;
	uint32_t op;
	uint32_t id;
	uint32_t reserved;
	union {
		struct {
			uint32_t out_stdev_id;
			uint32_t out_hwpt_id;
			uint32_t out_idev_id;
		} mock_domain;
		struct {
			uint64_t start;
			uint64_t length;
		} add_reserved;
		/* HWPT tests (dev/hwpt engineer): */
		struct {
			uint32_t out_stdev_id;
			uint32_t out_hwpt_id;
			uint32_t out_idev_id;
			uint32_t dev_flags;
		} mock_domain_flags;
		struct {
			uint32_t flags;
			uint64_t iova __attribute__((aligned(8)));
			uint64_t length;
			uint64_t page_size;
			uint64_t uptr;
			uint64_t out_nr_dirty;
		} dirty;
		struct {
			uint32_t id;
			uint32_t iotlb;
		} check_iotlb;
		struct {
			uint32_t dev_id;
			uint32_t pasid;
			uint32_t grpid;
			uint32_t perm;
			uint64_t addr;
		} trigger_iopf;
		uint64_t pad[6]; /* the kernel's union is 48 bytes */
	};
	uint32_t last;
};
_Static_assert(offsetof(struct mock_cmd, last) == 64, "selftest cmd layout");
_Static_assert(sizeof(struct mock_cmd) == 72, "selftest cmd size");

struct mock_destroy {
	uint32_t size;
	uint32_t id;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do {
		rc = ioctl(fd, req, arg);
	} while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

int mock_attach(int fd, uint32_t ioas_id, struct mock_dev *dev)
{
	struct mock_cmd cmd;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_MOCK_DOMAIN;
	cmd.id = ioas_id;
	rc = xioctl(fd, MOCK_TEST_CMD, &cmd);
	if (rc)
		return rc;
	dev->stdev_id = cmd.mock_domain.out_stdev_id;
	dev->hwpt_id = cmd.mock_domain.out_hwpt_id;
	dev->idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}

int mock_add_reserved(int fd, uint32_t ioas_id, uint64_t start,
		      uint64_t length)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_ADD_RESERVED;
	cmd.id = ioas_id;
	cmd.add_reserved.start = start;
	cmd.add_reserved.length = length;
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}

int mock_detach(int fd, const struct mock_dev *dev)
{
	struct mock_destroy cmd = { .size = sizeof(cmd), .id = dev->stdev_id };

	return xioctl(fd, MOCK_DESTROY, &cmd);
}

static const char *mock_kernel_release(void)
{
	static struct utsname u;

	if (uname(&u) != 0)
		return "unknown";
	return u.release;
}

bool mock_kernel_before(int major, int minor)
{
	int ma = 0, mi = 0;

	if (sscanf(mock_kernel_release(), "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

void mock_require(void)
{
	struct {
		uint32_t size, flags, out_ioas_id;
	} alloc = { .size = 12 };
	struct mock_dev dev;
	int fd, rc;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: cannot open /dev/iommu: %s\n", strerror(errno));
		exit(77);
	}
	rc = xioctl(fd, _IO(';', 0x81) /* IOMMU_IOAS_ALLOC */, &alloc);
	if (rc == 0)
		rc = mock_attach(fd, alloc.out_ioas_id, &dev);
	close(fd); /* frees the device and the IOAS */
	if (rc == -ENOTTY) {
		printf("SKIP: the kernel has no iommufd selftest mock (CONFIG_IOMMUFD_TEST), needed to attach a device to an IOAS without hardware\n");
		exit(77);
	}
	/*
	 * Before the IOMMU core's iommu_mock_device_add() (6.19 as far as
	 * known here) the mock adds its devices without an fwspec naming the
	 * mock IOMMU; 7.3 has it, and the VM tier's 6.12 gets the same from
	 * tests/vm/patches/6.12/0002, so this skip is for an unpatched kernel
	 * beside another IOMMU.  A test fixture's quirk, not a library
	 * feature: only the version tells.
	 */
	if (rc == -EINVAL && mock_kernel_before(6, 19)) {
		printf("SKIP: the iommufd selftest mock of this kernel (%s) cannot attach a device here (IOMMU_TEST_OP_MOCK_DOMAIN: EINVAL): before the IOMMU core's iommu_mock_device_add() the mock's devices carry no fwspec, and are probed by the first IOMMU registered without a fwnode, in the VM tier intel-iommu, which refuses them (the kernel's own selftest fails the same way; tests/vm/selftest-baseline-6.12.txt); this program needs the mock\n",
		       mock_kernel_release());
		exit(77);
	}
	if (rc) {
		printf("FAIL: probing the iommufd selftest mock: %s\n", strerror(-rc));
		exit(1);
	}
}

/* ---- HWPT tests: dirty bits, nested IOTLB, device flags --------------------
 * Facts from iommufd_test.h (7.3): op 12 = MOCK_DOMAIN_FLAGS (as
 * MOCK_DOMAIN, plus dev_flags in), op 13 = DIRTY (flags, iova, length,
 * page_size, uptr in; out_nr_dirty out; the HWPT id in `id`), op 14 =
 * MD_CHECK_IOTLB (a nested HWPT id in `id`; the entry and expected value).
 */
_Static_assert(offsetof(struct mock_cmd, dirty.out_nr_dirty) == 56,
	       "selftest dirty layout");

int mock_attach_flags(int fd, uint32_t pt_id, uint32_t dev_flags,
		      struct mock_dev *dev)
{
	struct mock_cmd cmd;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_MOCK_DOMAIN_FLAGS;
	cmd.id = pt_id;
	cmd.mock_domain_flags.dev_flags = dev_flags;
	rc = xioctl(fd, MOCK_TEST_CMD, &cmd);
	if (rc)
		return rc;
	dev->stdev_id = cmd.mock_domain_flags.out_stdev_id;
	dev->hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	dev->idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}

/*
 * The mock's IOMMU page: IOMMU_TEST_OP_DIRTY marks pages of this size
 * whatever the page_size it is given on 6.12 (it looks pages up by
 * iova / page_size in a table kept per mock page, and finds none for a
 * bigger page size); 7.3 takes any page size.  So the op is always given
 * mock pages: each page of the caller's bitmap becomes its mock pages.
 */
#define MOCK_IO_PAGE 2048u

int mock_set_dirty(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t length,
		   uint64_t page_size, const uint64_t *bitmap,
		   uint64_t *nr_dirty)
{
	uint64_t per = 1, npages, i, j, *mbits = NULL;
	struct mock_cmd cmd;
	int rc;

	if (page_size > MOCK_IO_PAGE && page_size % MOCK_IO_PAGE == 0 &&
	    length % page_size == 0) {
		per = page_size / MOCK_IO_PAGE;
		npages = length / page_size;
		mbits = calloc((npages * per + 63) / 64, sizeof(*mbits));
		if (!mbits)
			return -ENOMEM;
		for (i = 0; i < npages; i++)
			if (bitmap[i / 64] >> (i % 64) & 1)
				for (j = i * per; j < (i + 1) * per; j++)
					mbits[j / 64] |= UINT64_C(1) << (j % 64);
		page_size = MOCK_IO_PAGE;
		bitmap = mbits;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_DIRTY;
	cmd.id = hwpt_id;
	cmd.dirty.iova = iova;
	cmd.dirty.length = length;
	cmd.dirty.page_size = page_size;
	cmd.dirty.uptr = (uintptr_t)bitmap;
	rc = xioctl(fd, MOCK_TEST_CMD, &cmd);
	free(mbits);
	if (rc == 0 && nr_dirty)
		*nr_dirty = cmd.dirty.out_nr_dirty / per;
	return rc;
}

int mock_check_iotlb(int fd, uint32_t hwpt_id, uint32_t entry, uint32_t value)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_MD_CHECK_IOTLB;
	cmd.id = hwpt_id;
	cmd.check_iotlb.id = entry;
	cmd.check_iotlb.iotlb = value;
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}

/* ---- vIOMMU tests -----------------------------------------------------------
 * Facts from iommufd_test.h (7.3): op 10 = MOCK_DOMAIN_REPLACE (the mock
 * device object in `id`, the new pt_id in), op 16 = DEV_CHECK_CACHE (the
 * iommufd device id in `id`; cache entry and expected value in).
 */
#define MOCK_OP_MOCK_DOMAIN_REPLACE 10
#define MOCK_OP_DEV_CHECK_CACHE 16

int mock_replace(int fd, const struct mock_dev *dev, uint32_t pt_id)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_MOCK_DOMAIN_REPLACE;
	cmd.id = dev->stdev_id;
	cmd.check_iotlb.id = pt_id; /* the union's first u32 */
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}

int mock_check_dev_cache(int fd, uint32_t idev_id, uint32_t entry,
			 uint32_t value)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_DEV_CHECK_CACHE;
	cmd.id = idev_id;
	cmd.check_iotlb.id = entry; /* same layout: two u32 */
	cmd.check_iotlb.iotlb = value;
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}

/* Op 17 = TRIGGER_VEVENT: an event for the iommufd device id in `dev_id`. */
#define MOCK_OP_TRIGGER_VEVENT 17

int mock_trigger_vevent(int fd, uint32_t idev_id)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_TRIGGER_VEVENT;
	cmd.check_iotlb.id = idev_id; /* the union's first u32 */
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}

/* Op 15 = TRIGGER_IOPF: a page request of one page (the last of its group). */
#define MOCK_OP_TRIGGER_IOPF 15

int mock_trigger_iopf(int fd, uint32_t idev_id, uint32_t pasid, uint32_t grpid,
		      uint32_t perm, uint64_t addr)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_TRIGGER_IOPF;
	cmd.trigger_iopf.dev_id = idev_id;
	cmd.trigger_iopf.pasid = pasid;
	cmd.trigger_iopf.grpid = grpid;
	cmd.trigger_iopf.perm = perm;
	cmd.trigger_iopf.addr = addr;
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}

/*
 * Ops 18..21 = PASID_ATTACH, PASID_REPLACE, PASID_DETACH (pasid, pt_id in;
 * the mock device object in `id`) and PASID_CHECK_HWPT (pasid, hwpt_id:
 * 0 checks that the PASID is detached).
 */
#define MOCK_OP_PASID_ATTACH 18

int mock_pasid(int fd, const struct mock_dev *dev, enum mock_pasid_op op,
	       uint32_t pasid, uint32_t pt_id)
{
	struct mock_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = MOCK_OP_PASID_ATTACH + (uint32_t)op;
	cmd.id = dev->stdev_id;
	cmd.check_iotlb.id = pasid; /* two u32: pasid, pt_id */
	cmd.check_iotlb.iotlb = pt_id;
	return xioctl(fd, MOCK_TEST_CMD, &cmd);
}
