// SPDX-License-Identifier: MIT
/*
 * backends: one program, three kernel interfaces.  The same calls open
 * QEMU's edu device, map two buffers and have the device copy RAM ->
 * device -> RAM through the IOMMU, on each libiommu backend in turn:
 * iommufd (/dev/iommu and the device's cdev), type1 (the legacy VFIO
 * container /dev/vfio/vfio and the device's VFIO group) and iommufd-compat
 * (the type1 ioctls on /dev/iommu).  What a backend cannot do is reported,
 * not hidden: a second IOAS on type1 fails with EOPNOTSUPP and says why.
 *
 *   # ./backends
 *   iommufd: IOAS 1, device 1, DMA round trip 4095 bytes OK
 *   type1: IOAS 1, device 1, DMA round trip 4095 bytes OK
 *     a second IOAS: Operation not supported (a VFIO container has exactly one ...)
 *   ...
 *
 * Build: cc backends.c ../tests/edu.c -I../tests $(pkg-config --cflags --libs libiommu)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "edu.h"

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

static int round_trip(struct libiommu_dev *dev, uint8_t *src, uint8_t *dst)
{
	struct edu edu;
	int rc = edu_init(&edu, dev);

	if (rc)
		return rc;
	rc = edu_dma_from_ram(&edu, SRC_IOVA, EDU_MAX_DMA);
	if (!rc)
		rc = edu_dma_to_ram(&edu, DST_IOVA, EDU_MAX_DMA);
	edu_fini(&edu);
	if (!rc && memcmp(src, dst, EDU_MAX_DMA))
		rc = -EIO;
	return rc;
}

static void one_backend(enum libiommu_backend b, const char *cdev,
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

	memset(dst, 0, EDU_MAX_DMA);
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
	if (!rc)
		rc = round_trip(dev, src, dst);
	printf("%s: ", libiommu_backend_name(b));
	if (rc) {
		printf("%s (%s)\n", strerror(-rc), last_error);
	} else {
		printf("IOAS %u, device %u, DMA round trip %u bytes OK\n",
		       libiommu_ioas_id(ioas), libiommu_dev_id(dev), EDU_MAX_DMA);
		rc = libiommu_ioas_alloc(ctx, NULL, &second);
		if (rc)
			printf("  a second IOAS: %s (%s)\n", strerror(-rc), last_error);
		else
			printf("  a second IOAS: %u\n", libiommu_ioas_id(second));
	}
	libiommu_ctx_free(ctx); /* frees the IOAS and the device too */
}

int main(void)
{
	static const enum libiommu_backend all[] = {
		LIBIOMMU_BACKEND_IOMMUFD,
		LIBIOMMU_BACKEND_TYPE1,
		LIBIOMMU_BACKEND_IOMMUFD_COMPAT,
	};
	uint8_t *src, *dst;
	char cdev[64];
	unsigned int i;

	if (edu_find(cdev, sizeof(cdev))) {
		printf("no QEMU edu device bound to vfio-pci\n");
		return 77;
	}
	src = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return 1;
	for (i = 0; i < EDU_MAX_DMA; i++)
		src[i] = (uint8_t)(i * 13 + 7);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		one_backend(all[i], cdev, src, dst);
	return 0;
}
