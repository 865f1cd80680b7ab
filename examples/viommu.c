// SPDX-License-Identifier: MIT
/* Copyright (C) 2025-2026 The libiommu authors */
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
 * Without options it only checks that /dev/iommu has the selftest mock
 * and creates nothing; with --mock (it then makes a mock device, which
 * the kernel adds to its device model until the program exits) it runs
 * the demo:
 *
 *   $ ./viommu --mock
 *   IOAS 1, nest parent HWPT 5, vIOMMU 6, vDEVICE 7: device 3 is 0x42
 *   nested HWPT 9 on the vIOMMU, faults to a fault queue (fd 4)
 *   device 3 attached to HWPT 9
 *   invalidated 1 entry through the vIOMMU
 *   fault group 2 of device 3: 1 fault(s) at 0x10000000 (read write); answered SUCCESS
 *   vEVENTQ: event 0 for virtual id 0x42
 *
 * A real VMM has a real device (libiommu_dev_open()) behind an IOMMU with
 * vIOMMUs (ARM SMMUv3): the mock needs test-only commands
 * (iommufd-selftest.h, beside this file) to make a device, attach it and
 * make it fault; every other step is the library's.  Needs a kernel with
 * CONFIG_IOMMUFD_TEST.
 *
 * Exit status: 0 done (or, without --mock, the mock is there), 1 a
 * failure (no /dev/iommu, no selftest mock, a call that failed, no fault
 * or event delivered), 2 usage, 77 (--mock) the kernel lacks a feature
 * the demo needs (libiommu_ctx_has_feature(): Linux 6.12 has no vIOMMU),
 * named on stdout.
 *
 * Build: cc viommu.c $(pkg-config --cflags --libs libiommu)
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libiommu/libiommu.h>

#include "iommufd-selftest.h"

#define VIRT_ID 0x42
#define GUEST_RAM (2u << 20)
#define FAULT_ADDR UINT64_C(0x10000000)

static int fail(const char *what, int rc)
{
	fprintf(stderr, "viommu: %s: %s\n", what, strerror(-rc));
	return 1;
}

/*
 * 77 (and why) when the kernel lacks an iommufd command the demo needs
 * (Linux 6.12 has no vIOMMU, vDEVICE or vEVENTQ), else 0.
 */
static int missing(struct libiommu_ctx *ctx)
{
	static const enum libiommu_feature need[] = {
		LIBIOMMU_FEAT_HWPT_ALLOC,
		LIBIOMMU_FEAT_HWPT_INVALIDATE,
		LIBIOMMU_FEAT_FAULT_QUEUE,
		LIBIOMMU_FEAT_VIOMMU,
		LIBIOMMU_FEAT_VDEVICE,
		LIBIOMMU_FEAT_VEVENTQ,
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int has = libiommu_ctx_has_feature(ctx, need[i]);

		if (has < 0)
			return fail("libiommu_ctx_has_feature", has);
		if (!has) {
			printf("SKIP: viommu: the running kernel's iommufd lacks the feature \"%s\" (libiommu_ctx_has_feature()): the demo needs a newer kernel\n",
			       libiommu_feature_name(need[i]));
			return 77;
		}
	}
	return 0;
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
	struct ex_mock_hwpt_data s1 = { .iotlb = EX_MOCK_IOTLB_DEFAULT };
	struct libiommu_hwpt_opts no = { .sz = sizeof(no),
					 .data_type = EX_MOCK_HWPT_DATA_TYPE,
					 .data = &s1,
					 .data_len = sizeof(s1) };
	struct ex_mock_viommu_invalidate inv = { .vdev_id = VIRT_ID,
						 .flags = EX_MOCK_INVALIDATE_ALL };
	struct libiommu_fault faults[8] = { { .sz = sizeof(faults[0]) } };
	struct libiommu_vevent ev = { .sz = sizeof(ev) };
	struct libiommu_hwpt *parent, *nested;
	struct libiommu_fault_queue *fq;
	struct libiommu_veventq *evq;
	struct libiommu_viommu *viommu;
	struct libiommu_vdevice *vdev;
	struct libiommu_ioas *ioas;
	struct libiommu_dev *dev;
	struct ex_mock_dev md;
	uint64_t iova = 0;
	uint32_t n = 1, vid;
	size_t nr;
	void *ram;
	int rc;

	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return fail("libiommu_ioas_alloc", rc);

	/* The device: a mock one (a VMM opens its VFIO device here). */
	rc = ex_mock_dev_new(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas), &md);
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
	rc = ex_mock_dev_replace(libiommu_ctx_fd(ctx), &md, libiommu_hwpt_id(nested));
	if (rc)
		return fail("attaching the mock device", rc);
	printf("device %" PRIu32 " attached to HWPT %" PRIu32 "\n",
	       libiommu_dev_id(dev), libiommu_hwpt_id(nested));

	/* The guest invalidates its device's caches through the vIOMMU. */
	rc = libiommu_viommu_invalidate(viommu, EX_MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					&inv, sizeof(inv), &n);
	if (rc)
		return fail("libiommu_viommu_invalidate", rc);
	printf("invalidated %" PRIu32 " entry through the vIOMMU\n", n);

	/* A page fault: read the group, answer it. */
	rc = ex_mock_trigger_iopf(libiommu_ctx_fd(ctx), &md, 1, 2,
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
	rc = ex_mock_trigger_vevent(libiommu_ctx_fd(ctx), &md);
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
	rc = ex_mock_dev_replace(libiommu_ctx_fd(ctx), &md, libiommu_ioas_id(ioas));
	if (rc)
		return fail("detaching the mock device", rc);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: viommu [--mock]\n"
		   "Nested translation through a vIOMMU and a vDEVICE on the kernel's iommufd\n"
		   "selftest mock (CONFIG_IOMMUFD_TEST), a page fault answered from a fault\n"
		   "queue, an event read from a vEVENTQ.\n"
		   "  --mock  make a mock device and run all that on it (without: only check\n"
		   "          that /dev/iommu has the mock; nothing is created)\n"
		   "Exit status: 0 done, 1 a failure (no /dev/iommu, no mock), 2 usage.\n");
}

int main(int argc, char **argv)
{
	struct libiommu_ctx *ctx;
	int mock = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mock")) {
			mock = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	rc = libiommu_ctx_new(NULL, &ctx);
	if (rc)
		return fail("libiommu_ctx_new", rc);
	rc = ex_mock_probe(libiommu_ctx_fd(ctx));
	if (rc == -ENOTTY) {
		fprintf(stderr, "viommu: the kernel has no iommufd selftest mock (CONFIG_IOMMUFD_TEST)\n");
		rc = 1;
	} else if (rc) {
		rc = fail("probing the iommufd selftest mock", rc);
	} else if (!mock) {
		printf("the kernel has the iommufd selftest mock: --mock makes a mock device and runs the demo on it\n");
	} else {
		rc = missing(ctx);
		if (!rc)
			rc = run(ctx);
	}
	libiommu_ctx_free(ctx);
	return rc;
}
