// SPDX-License-Identifier: MIT
/*
 * viommu: what a VMM does to give its guest an IOMMU with nested
 * translation, on the kernel's iommufd selftest mock.
 *
 * The guest's memory is mapped in an IOAS; a nest-parent HWPT holds that
 * stage-2 translation; a vIOMMU sits on it; the device gets its virtual id
 * in the vIOMMU (a vDEVICE); the guest's stage-1 table becomes a nested
 * HWPT on the vIOMMU, whose page requests go to a fault queue; the device
 * is attached to it.  Then the guest invalidates through the vIOMMU, the
 * device raises a page fault that the VMM reads and answers, and the IOMMU
 * reports an event that the VMM reads from its vEVENTQ.
 *
 *   $ ./viommu
 *   IOAS 1, nest parent HWPT 5, vIOMMU 6, vDEVICE 7: device 3 is 0x42
 *   nested HWPT 9 on the vIOMMU, faults to a fault queue (fd 4)
 *   device 3 attached to HWPT 9
 *   invalidated 1 entry through the vIOMMU
 *   fault group 2 of device 3: 1 fault(s) at 0x10000000 (read write); answered SUCCESS
 *   vEVENTQ: event 0 for virtual id 0x42
 *
 * A real VMM has a real device (libiommu_dev_open()) behind an IOMMU with
 * vIOMMUs (ARM SMMUv3): the mock needs test-only commands (tests/mock.c)
 * to make a device, attach it and make it fault; every other step is the
 * library's.  Needs a kernel with CONFIG_IOMMUFD_TEST.
 *
 * Build: see Makefile.am (it links tests/mock.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libiommu/libiommu.h>

#include "mock.h"

#define VIRT_ID 0x42
#define GUEST_RAM (2u << 20)
#define FAULT_ADDR UINT64_C(0x10000000)

static int fail(const char *what, int rc)
{
	fprintf(stderr, "viommu: %s: %s\n", what, strerror(-rc));
	return 1;
}

/* Wait up to a second for @fd to be readable. */
static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc = poll(&p, 1, 1000);

	return rc == 1 ? 0 : rc == 0 ? -ETIMEDOUT
				     : -errno;
}

static int run(struct libiommu_ctx *ctx)
{
	struct libiommu_hwpt_opts po = { .sz = sizeof(po),
					 .flags = LIBIOMMU_HWPT_NEST_PARENT };
	struct libiommu_viommu_opts vo = { .sz = sizeof(vo),
					   .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST };
	struct libiommu_veventq_opts qo = { .sz = sizeof(qo),
					    .type = LIBIOMMU_VEVENTQ_TYPE_SELFTEST,
					    .depth = 16 };
	/* the guest's stage-1 table, in the mock driver's format */
	struct mock_hwpt_data s1 = { .iotlb = MOCK_IOTLB_DEFAULT };
	struct libiommu_hwpt_opts no = { .sz = sizeof(no),
					 .data_type = MOCK_HWPT_DATA_TYPE,
					 .data = &s1,
					 .data_len = sizeof(s1) };
	struct mock_viommu_invalidate inv = { .vdev_id = VIRT_ID,
					      .flags = MOCK_INVALIDATE_ALL };
	struct libiommu_fault faults[8] = { { .sz = sizeof(faults[0]) } };
	struct libiommu_vevent ev = { .sz = sizeof(ev) };
	struct libiommu_hwpt *parent, *nested;
	struct libiommu_fault_queue *fq;
	struct libiommu_veventq *evq;
	struct libiommu_viommu *viommu;
	struct libiommu_vdevice *vdev;
	struct libiommu_ioas *ioas;
	struct libiommu_dev *dev;
	struct mock_dev md;
	uint64_t iova = 0;
	uint32_t n = 1, vid;
	size_t nr;
	void *ram;
	int rc;

	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return fail("libiommu_ioas_alloc", rc);

	/* The device: a mock one (a VMM opens its VFIO device here). */
	rc = mock_attach(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas), &md);
	if (rc == -ENOTTY) {
		fprintf(stderr, "viommu: the kernel has no iommufd selftest mock (CONFIG_IOMMUFD_TEST)\n");
		return 1;
	}
	if (rc)
		return fail("making a mock device", rc);
	rc = libiommu_dev_adopt_id(ctx, md.idev_id, &dev);
	if (rc)
		return fail("libiommu_dev_adopt_id", rc);

	/* The guest's RAM, mapped for DMA (stage 2) where the IOMMU can. */
	ram = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return fail("mmap", -errno);
	rc = libiommu_ioas_map(ioas, ram, GUEST_RAM, &iova,
			       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE);
	if (rc)
		return fail("libiommu_ioas_map", rc);

	/* Stage 2 as a nest parent; the vIOMMU on it; the device's virtual id. */
	rc = libiommu_hwpt_alloc(dev, ioas, &po, &parent);
	if (rc)
		return fail("libiommu_hwpt_alloc (nest parent)", rc);
	rc = libiommu_viommu_alloc(dev, parent, &vo, &viommu);
	if (rc)
		return fail("libiommu_viommu_alloc", rc);
	rc = libiommu_vdevice_alloc(viommu, dev, VIRT_ID, &vdev);
	if (rc)
		return fail("libiommu_vdevice_alloc", rc);
	printf("IOAS %" PRIu32 ", nest parent HWPT %" PRIu32 ", vIOMMU %" PRIu32 ", vDEVICE %" PRIu32 ": device %" PRIu32 " is 0x%x\n",
	       libiommu_ioas_id(ioas), libiommu_hwpt_id(parent),
	       libiommu_viommu_id(viommu), libiommu_vdevice_id(vdev),
	       libiommu_dev_id(dev), VIRT_ID);

	/* The guest's stage 1, with its page faults to a queue. */
	rc = libiommu_fault_queue_alloc(ctx, &fq);
	if (rc)
		return fail("libiommu_fault_queue_alloc", rc);
	no.fault_queue = fq;
	rc = libiommu_viommu_alloc_hwpt(viommu, dev, &no, &nested);
	if (rc)
		return fail("libiommu_viommu_alloc_hwpt", rc);
	printf("nested HWPT %" PRIu32 " on the vIOMMU, faults to a fault queue (fd %d)\n",
	       libiommu_hwpt_id(nested), libiommu_fault_queue_fd(fq));
	/* (a VMM: libiommu_dev_attach_hwpt(dev, nested)) */
	rc = mock_replace(libiommu_ctx_fd(ctx), &md, libiommu_hwpt_id(nested));
	if (rc)
		return fail("attaching the mock device", rc);
	printf("device %" PRIu32 " attached to HWPT %" PRIu32 "\n",
	       libiommu_dev_id(dev), libiommu_hwpt_id(nested));

	/* The guest invalidates its device's caches through the vIOMMU. */
	rc = libiommu_viommu_invalidate(viommu, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					&inv, sizeof(inv), &n);
	if (rc)
		return fail("libiommu_viommu_invalidate", rc);
	printf("invalidated %" PRIu32 " entry through the vIOMMU\n", n);

	/* A page fault: read the group, answer it. */
	rc = mock_trigger_iopf(libiommu_ctx_fd(ctx), md.idev_id, 1, 2,
			       LIBIOMMU_FAULT_PERM_READ | LIBIOMMU_FAULT_PERM_WRITE,
			       FAULT_ADDR);
	if (rc)
		return fail("making the device fault", rc);
	rc = wait_readable(libiommu_fault_queue_fd(fq));
	if (!rc)
		rc = libiommu_fault_queue_read(fq, faults, 8, &nr);
	if (rc != 1)
		return fail("libiommu_fault_queue_read", rc ? rc : -ENOMSG);
	printf("fault group %" PRIu32 " of device %" PRIu32 ": %zu fault(s) at 0x%" PRIx64 " (%s%s); ",
	       faults[0].group_id, faults[0].dev_id, nr, faults[0].addr,
	       faults[0].perm & LIBIOMMU_FAULT_PERM_READ ? "read " : "",
	       faults[0].perm & LIBIOMMU_FAULT_PERM_WRITE ? "write" : "");
	rc = libiommu_fault_queue_respond(fq, faults[nr - 1].cookie,
					  LIBIOMMU_FAULT_RESP_SUCCESS);
	if (rc)
		return fail("libiommu_fault_queue_respond", rc);
	printf("answered SUCCESS\n");

	/* An event of the IOMMU about the device, by its virtual id. */
	rc = libiommu_veventq_alloc(viommu, &qo, &evq);
	if (rc)
		return fail("libiommu_veventq_alloc", rc);
	rc = mock_trigger_vevent(libiommu_ctx_fd(ctx), md.idev_id);
	if (rc)
		return fail("making the IOMMU report an event", rc);
	rc = wait_readable(libiommu_veventq_fd(evq));
	if (!rc)
		rc = libiommu_veventq_read(evq, &ev);
	if (rc != 1)
		return fail("libiommu_veventq_read", rc ? rc : -ENOMSG);
	memcpy(&vid, ev.data, sizeof(vid));
	printf("vEVENTQ: event %" PRIu32 "%s for virtual id 0x%" PRIx32 "\n",
	       ev.sequence, ev.flags & LIBIOMMU_VEVENT_LOST ? " (events lost)" : "",
	       vid);

	/* Back on stage 2 only; libiommu_ctx_free() frees the rest. */
	rc = mock_replace(libiommu_ctx_fd(ctx), &md, libiommu_ioas_id(ioas));
	if (rc)
		return fail("detaching the mock device", rc);
	return 0;
}

int main(int argc, char **argv)
{
	struct libiommu_ctx *ctx;
	int rc;

	if (argc > 1) {
		int help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fprintf(help ? stdout : stderr,
			"usage: %s\n"
			"Sets up nested translation through a vIOMMU and a vDEVICE on the\n"
			"kernel's iommufd selftest mock, answers a page fault from a fault\n"
			"queue and reads an event from a vEVENTQ.  Needs /dev/iommu and a\n"
			"kernel with CONFIG_IOMMUFD_TEST.\n",
			argv[0]);
		return help ? 0 : 2;
	}
	rc = libiommu_ctx_new(NULL, &ctx);
	if (rc)
		return fail("libiommu_ctx_new", rc);
	rc = run(ctx);
	libiommu_ctx_free(ctx);
	return rc;
}
