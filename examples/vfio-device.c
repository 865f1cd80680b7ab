// SPDX-License-Identifier: MIT
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * vfio-device: what a VMM does for one passed-through PCI device, using
 * only libiommu (no raw ioctl): open and bind it, read its info, walk its
 * regions and lay each mmap()able one out in memory (the parts the kernel
 * lets be mapped are the device's, the rest is left to trap), read its
 * interrupt and hot-reset info, close.  With --dma (it then writes to the
 * device): deliver its MSI to an eventfd and receive one, reset it, and
 * DMA through an IOAS.
 *
 * The device is QEMU's edu (1234:11e8) bound to vfio-pci, the first in
 * /dev/vfio/devices/ unless one is named: --dma needs it to raise an
 * interrupt and to DMA.
 *
 *   # ./vfio-device --dma
 *   /dev/vfio/devices/vfio0: device 1, PCI, 9 regions, 5 interrupt indexes
 *     region 0: 0x100000 bytes rw mmap, mapped at 0x7f...
 *     region 7: 0x100 bytes rw
 *     INTx: 1 vector(s) (maskable)  MSI: 1 vector(s)  MSI-X: 0 vector(s)
 *     hot reset: not possible: ... it sits on a root bus ...
 *     MSI vector 0 -> eventfd: 1 interrupt(s) received
 *     reset: not supported: the device has no function reset of its own ...
 *     DMA round trip through IOAS 2: 4095 bytes OK
 *
 * Exit status: 0 shown, 1 a failure (no /dev/iommu, no edu, a call that
 * failed, no interrupt, a failed DMA), 2 usage.
 *
 * Build: cc vfio-device.c $(pkg-config --cflags --libs libiommu)
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "edu-dma.h"

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define SRC_IOVA UINT64_C(0x100000) /* below edu's 256 MiB DMA limit */
#define DST_IOVA UINT64_C(0x200000)

static char last_err[1024];

static void log_cb(void *ud, enum libiommu_log_level level, const char *msg)
{
	(void)ud;
	if (level == LIBIOMMU_LOG_ERR)
		snprintf(last_err, sizeof(last_err), "%s", msg);
}

/*
 * Each region, and each mmap()able one laid out as a VMM does: the parts
 * the kernel lets be mapped are the device's, the rest (e.g. an MSI-X
 * table) stays PROT_NONE for the VMM to trap.
 */
static void regions(struct libiommu_dev *dev, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct libiommu_region_info r = { .sz = sizeof(r) };
		struct libiommu_region_caps c = { .sz = sizeof(c) };
		size_t len = 0;
		void *p = NULL;

		if (libiommu_dev_region_info(dev, i, &r) || r.size == 0)
			continue;
		printf("  region %" PRIu32 ": 0x%" PRIx64 " bytes %s%s%s", i,
		       r.size, r.flags & LIBIOMMU_REGION_READ ? "r" : "",
		       r.flags & LIBIOMMU_REGION_WRITE ? "w" : "",
		       r.flags & LIBIOMMU_REGION_MMAP ? " mmap" : "");
		if (libiommu_dev_region_get_caps(dev, i, &c, NULL, 0) == 0) {
			if (c.flags & LIBIOMMU_REGION_CAP_SPARSE)
				printf(", %" PRIu32 " sparse mmap area(s)", c.nr_areas);
			if (c.flags & LIBIOMMU_REGION_CAP_TYPE)
				printf(", type 0x%" PRIx32 "/%" PRIu32, c.type, c.subtype);
			if (c.flags & LIBIOMMU_REGION_CAP_MSIX_MAPPABLE)
				printf(", MSI-X table mappable");
		}
		if ((r.flags & LIBIOMMU_REGION_MMAP) &&
		    libiommu_dev_region_mmap_all(dev, i, LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE,
						 &p, &len) == 0) {
			printf(", mapped at %p", p);
			munmap(p, len); /* a VMM keeps it as the guest's BAR */
		}
		printf("\n");
	}
}

static void irqs(struct libiommu_dev *dev)
{
	static const char *const names[] = { "INTx", "MSI", "MSI-X" };

	printf("  ");
	for (uint32_t i = 0; i < 3; i++) {
		struct libiommu_irq_info q = { .sz = sizeof(q) };

		if (libiommu_dev_get_irq_info(dev, i, &q) == 0)
			printf("%s: %" PRIu32 " vector(s)%s  ", names[i], q.count,
			       q.flags & LIBIOMMU_IRQ_MASKABLE ? " (maskable)" : "");
	}
	printf("\n");
}

/* MSI vector 0 to a new eventfd; the device raises it once. */
static int msi(struct libiommu_dev *dev, struct ex_edu *edu)
{
	struct pollfd p = { .events = POLLIN };
	uint64_t n = 0;
	int efd, rc;

	rc = libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1, &efd);
	if (rc)
		return rc;
	*(volatile uint32_t *)(edu->bar0 + EDU_IRQ_RAISE) = 1;
	p.fd = efd;
	if (poll(&p, 1, 5000) == 1 && read(efd, &n, sizeof(n)) == sizeof(n))
		printf("  MSI vector 0 -> eventfd: %" PRIu64 " interrupt(s) received\n", n);
	else
		printf("  MSI vector 0 -> eventfd: nothing within 5 s\n");
	*(volatile uint32_t *)(edu->bar0 + EDU_IRQ_ACK) = 1;
	rc = libiommu_dev_irq_disable(dev, LIBIOMMU_PCI_MSI_IRQ);
	close(efd);
	return n == 1 ? rc : -EIO;
}

static int dma_round_trip(struct libiommu_ctx *ctx, struct libiommu_dev *dev,
			  struct ex_edu *edu)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t s = SRC_IOVA, d = DST_IOVA;
	struct libiommu_ioas *ioas = NULL;
	uint8_t *src, *dst;
	int rc;

	src = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		return -errno;
	dst = src + pg;
	for (size_t i = 0; i < pg; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (!rc)
		rc = libiommu_ioas_map(ioas, src, pg, &s, LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
	if (!rc)
		rc = libiommu_ioas_map(ioas, dst, pg, &d, LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA);
	if (!rc)
		rc = libiommu_dev_attach_ioas(dev, ioas);
	if (!rc)
		rc = ex_edu_dma(edu, SRC_IOVA, EX_EDU_MAX_DMA, 0);
	if (!rc)
		rc = ex_edu_dma(edu, DST_IOVA, EX_EDU_MAX_DMA, 1);
	if (!rc)
		printf("  DMA round trip through IOAS %" PRIu32 ": %u bytes %s\n",
		       libiommu_ioas_id(ioas), EX_EDU_MAX_DMA,
		       memcmp(src, dst, EX_EDU_MAX_DMA) ? "CORRUPTED" : "OK");
	munmap(src, 2 * pg);
	return rc;
}

static void hot_reset_info(struct libiommu_dev *dev)
{
	struct libiommu_hot_reset_dev devs[8];
	uint32_t flags = 0;
	int n = libiommu_dev_get_hot_reset_info(dev, &flags, devs, 8);

	if (n < 0) {
		printf("  hot reset: not possible: %s\n", last_err);
		return;
	}
	printf("  hot reset: resets %d function(s)%s:", n,
	       flags & LIBIOMMU_HOT_RESET_OWNED ? ", all owned here" : "");
	for (int i = 0; i < n && i < 8; i++)
		printf(" %04x:%02x:%02x.%x", devs[i].segment, devs[i].bus,
		       devs[i].devfn >> 3, devs[i].devfn & 7);
	printf("\n");
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vfio-device [--dma] [vfioN | /dev/vfio/devices/vfioN]\n"
		   "Drive one QEMU edu device bound to vfio-pci as a VMM would, through\n"
		   "libiommu only: info, regions laid out as a VMM maps them, interrupt\n"
		   "and hot-reset info.\n"
		   "  --dma   also write to the device: its MSI to an eventfd, a reset, a\n"
		   "          DMA round trip through an IOAS\n"
		   "Exit status: 0 shown, 1 a failure, 2 usage.\n");
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts o = { .sz = sizeof(o), .log_fn = log_cb };
	struct libiommu_dev_info info = { .sz = sizeof(info) };
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_dev *dev = NULL;
	struct ex_edu edu = { 0 };
	const char *name = NULL;
	char path[64];
	int rc, i, dma = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dma")) {
			dma = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || name) {
			usage(stderr);
			return 2;
		} else {
			name = argv[i];
		}
	}
	if (name && strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else if (name)
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	else if (ex_edu_find(path, sizeof(path))) {
		fprintf(stderr, "vfio-device: no QEMU edu device (1234:11e8) bound to vfio-pci\n");
		return 1;
	}
	rc = libiommu_ctx_new(&o, &ctx);
	if (!rc)
		rc = libiommu_dev_open(ctx, path, NULL, &dev);
	if (!rc)
		rc = libiommu_dev_get_info(dev, &info);
	if (rc)
		goto out;
	printf("%s: device %" PRIu32 ", %s, %" PRIu32 " regions, %" PRIu32 " interrupt indexes\n",
	       path, libiommu_dev_id(dev),
	       info.flags & LIBIOMMU_DEV_INFO_PCI ? "PCI" : "not PCI",
	       info.num_regions, info.num_irqs);
	regions(dev, info.num_regions);
	irqs(dev);
	hot_reset_info(dev);
	if (!dma)
		goto out;
	rc = ex_edu_init(&edu, dev); /* mmaps BAR0, enables bus mastering */
	if (!rc)
		rc = msi(dev, &edu);
	if (rc)
		goto out;
	rc = libiommu_dev_reset(dev);
	if (rc == -EOPNOTSUPP)
		printf("  reset: not supported: %s\n", last_err);
	else if (rc == 0)
		printf("  reset: done\n");
	else
		goto out;
	/* a reset clears bus mastering: enable it again */
	ex_edu_fini(&edu);
	rc = ex_edu_init(&edu, dev);
	if (!rc)
		rc = dma_round_trip(ctx, dev, &edu);
out:
	if (rc)
		fprintf(stderr, "vfio-device: %s\n  %s\n", strerror(-rc), last_err);
	ex_edu_fini(&edu);
	libiommu_ctx_free(ctx); /* frees the device and the IOAS */
	return rc ? 1 : 0;
}
