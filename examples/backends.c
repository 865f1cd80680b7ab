// SPDX-License-Identifier: MIT
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * backends: one program, three kernel interfaces.  The same calls open
 * QEMU's edu device, map two buffers and have the device copy RAM ->
 * device -> RAM through the IOMMU, on each libiommu backend in turn:
 * iommufd (/dev/iommu and the device's cdev), type1 (the legacy VFIO
 * container /dev/vfio/vfio and the device's VFIO group) and iommufd-compat
 * (the type1 ioctls on /dev/iommu).  What a backend cannot do is reported,
 * not hidden: a second IOAS on type1 fails with EOPNOTSUPP and says why.
 * The DMA, which writes to the device, runs only with --dma; without it
 * the program binds, attaches and maps on each backend.
 *
 *   # ./backends --dma
 *   iommufd: IOAS 1, device 1, DMA round trip 4095 bytes OK
 *   type1: IOAS 1, device 1, DMA round trip 4095 bytes OK
 *     a second IOAS: Operation not supported (a VFIO container has exactly one ...)
 *   ...
 *
 * Exit status: 0 shown (a backend the kernel lacks is reported, not a
 * failure), 1 no device to use or a DMA that failed, 2 usage.
 *
 * Build: cc backends.c $(pkg-config --cflags --libs libiommu)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "edu-dma.h"

#define SRC_IOVA UINT64_C(0x100000) /* below edu's 256 MiB DMA limit */
#define DST_IOVA UINT64_C(0x200000)

static char last_error[512];

/* Keep the last error message to print it with the failing call. */
static void keep_error(void *ud, enum libiommu_log_level level, const char *msg)
{
	(void)ud;
	if (level <= LIBIOMMU_LOG_ERR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static int dma;

static int round_trip(struct libiommu_dev *dev, uint8_t *src, uint8_t *dst)
{
	struct ex_edu edu;
	int rc = ex_edu_init(&edu, dev);

	if (!rc)
		rc = ex_edu_dma(&edu, SRC_IOVA, EX_EDU_MAX_DMA, 0);
	if (!rc)
		rc = ex_edu_dma(&edu, DST_IOVA, EX_EDU_MAX_DMA, 1);
	ex_edu_fini(&edu);
	if (!rc && memcmp(src, dst, EX_EDU_MAX_DMA))
		rc = -EIO;
	return rc;
}

static int one_backend(enum libiommu_backend b, const char *cdev,
		       uint8_t *src, uint8_t *dst)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.log_fn = keep_error,
		.backend = b,
	};
	const uint32_t r = LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA;
	const uint32_t w = LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA;
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *ioas = NULL, *second = NULL;
	struct libiommu_dev *dev = NULL;
	uint64_t s = SRC_IOVA, d = DST_IOVA;
	int rc;

	memset(dst, 0, EX_EDU_MAX_DMA);
	rc = libiommu_ctx_new(&opts, &ctx);
	if (!rc)
		rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (!rc)
		rc = libiommu_ioas_map(ioas, src, 4096, &s, r);
	if (!rc)
		rc = libiommu_ioas_map(ioas, dst, 4096, &d, w);
	if (!rc)
		rc = libiommu_dev_open(ctx, cdev, NULL, &dev);
	if (!rc)
		rc = libiommu_dev_attach_ioas(dev, ioas);
	printf("%s: ", libiommu_backend_name(b));
	if (rc) {
		/* e.g. a kernel without this interface: reported, not a failure */
		printf("%s (%s)\n", strerror(-rc), last_error);
		rc = 0;
	} else {
		printf("IOAS %u, device %u", libiommu_ioas_id(ioas),
		       libiommu_dev_id(dev));
		if (dma) {
			rc = round_trip(dev, src, dst);
			if (rc)
				printf(", DMA round trip failed: %s",
				       strerror(-rc));
			else
				printf(", DMA round trip %u bytes OK",
				       EX_EDU_MAX_DMA);
		}
		printf("\n");
		int rc2 = libiommu_ioas_alloc(ctx, NULL, &second);

		if (rc2) /* what the backend cannot do: shown, not a failure */
			printf("  a second IOAS: %s (%s)\n", strerror(-rc2),
			       last_error);
		else
			printf("  a second IOAS: %u\n", libiommu_ioas_id(second));
	}
	libiommu_ctx_free(ctx); /* frees the IOAS and the device too */
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: backends [--dma] [--device /dev/vfio/devices/vfioN]\n"
		   "Bind a device, attach it and map two buffers on each libiommu backend\n"
		   "(iommufd, type1, iommufd-compat); the device is QEMU's edu unless named.\n"
		   "  --dma     also have edu copy RAM -> device -> RAM (writes to it)\n"
		   "  --device  the VFIO cdev to use\n"
		   "  --help    print this help\n"
		   "Exit status: 0 shown, 1 no device or a failed DMA, 2 usage.\n");
}

int main(int argc, char **argv)
{
	static const enum libiommu_backend all[] = {
		LIBIOMMU_BACKEND_IOMMUFD,
		LIBIOMMU_BACKEND_TYPE1,
		LIBIOMMU_BACKEND_IOMMUFD_COMPAT,
	};
	uint8_t *src, *dst;
	char cdev[300] = "";
	unsigned int i;
	int status = 0;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--dma")) {
			dma = 1;
		} else if (!strcmp(argv[a], "--device") && a + 1 < argc) {
			snprintf(cdev, sizeof(cdev), "%s", argv[++a]);
		} else if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!cdev[0] && ex_edu_find(cdev, sizeof(cdev))) {
		printf("no QEMU edu device bound to vfio-pci: name a device with --device\n");
		return 1;
	}
	src = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return 1;
	for (i = 0; i < EX_EDU_MAX_DMA; i++)
		src[i] = (uint8_t)(i * 13 + 7);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (one_backend(all[i], cdev, src, dst))
			status = 1;
	return status;
}
