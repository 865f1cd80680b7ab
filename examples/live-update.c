// SPDX-License-Identifier: MIT
/*
 * live-update: a running VMM replaces itself with a new program image
 * (exec) without its device losing a mapping.  Guest RAM is a memfd,
 * mapped into the IOAS with libiommu_ioas_map_file(3); QEMU's edu device is
 * attached.  Then the VMM clears FD_CLOEXEC on the iommufd, the device fd
 * and the memfd, and exec()s itself with their numbers and ids.  The new
 * image creates its context on the inherited iommufd, adopts the IOAS and
 * the device (libiommu_ioas_adopt_id(3), libiommu_dev_adopt_fd(3)) and
 * moves the pinned guest RAM to its own mm with
 * libiommu_ctx_change_process(3).  With --dma (it then writes to the
 * device) the device copies guest RAM -> device -> guest RAM in the old
 * image, in the new one at once (the device was never detached: its
 * mappings never went away), and again after the move.
 *
 * Process memory (an anonymous mmap) cannot be handed over this way: the
 * kernel refuses IOMMU_IOAS_CHANGE_PROCESS while any IOAS maps it.  With
 * --anon the old image also maps an anonymous page, and the new one shows
 * the refusal, then unmaps that IOVA range and moves the rest (also with
 * LIVE_UPDATE_ANON=1 in the environment).
 *
 *   # ./live-update --dma
 *   old: IOAS 1, device 2, guest RAM memfd 2 pages at IOVA 0x100000
 *   old: DMA round trip 4095 bytes OK; exec()ing the new image
 *   new: adopted IOAS 1 and device 2; DMA before CHANGE_PROCESS: OK
 *   new: IOMMU_IOAS_CHANGE_PROCESS: guest RAM now charged to this image
 *   new: DMA after CHANGE_PROCESS: OK
 *
 * Exit status: 0 done, 1 a failure (no /dev/iommu, no edu bound to
 * vfio-pci, a call that failed in either image, a failed DMA, --anon's
 * move not refused), 2 usage, 77 the kernel lacks IOMMU_IOAS_MAP_FILE
 * (libiommu_ctx_has_feature() "ioas_map_file": Linux 6.12), named on
 * stdout after the library's message on stderr.
 *
 * Build: cc live-update.c $(pkg-config --cflags --libs libiommu)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "edu-dma.h"

#define RAM_IOVA UINT64_C(0x100000) /* below edu's 256 MiB DMA limit */
#define ANON_IOVA UINT64_C(0x400000)

static long pg;

static int fail(const char *who, const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", who, what, strerror(-rc));
	return 1;
}

/* Guest RAM page 0 -> edu -> page 1; 0 when page 1 then equals page 0. */
static int dma_check(struct ex_edu *edu, uint8_t *ram, unsigned int seed)
{
	int rc;

	for (long i = 0; i < pg; i++)
		ram[i] = (uint8_t)(i * 7 + seed);
	memset(ram + pg, 0, pg);
	rc = ex_edu_dma(edu, RAM_IOVA, EX_EDU_MAX_DMA, 0);
	if (!rc)
		rc = ex_edu_dma(edu, RAM_IOVA + pg, EX_EDU_MAX_DMA, 1);
	if (!rc && memcmp(ram, ram + pg, EX_EDU_MAX_DMA))
		rc = -EIO;
	return rc;
}

static int keep_over_exec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) ? -errno : 0;
}

/* The new image: argv = prog --resume IOMMUFD DEVFD MEMFD IOAS_ID DEV_ID [--anon] [--dma] */
static int resume(char **argv, bool anon, bool dma)
{
	struct libiommu_ctx_opts opts = LIBIOMMU_OPTS(libiommu_ctx_opts,
						      .log_fn = libiommu_log_stderr);
	int ifd = atoi(argv[2]), dfd = atoi(argv[3]), memfd = atoi(argv[4]);
	uint32_t ioas_id = strtoul(argv[5], NULL, 0), dev_id = strtoul(argv[6], NULL, 0);
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *ioas = NULL;
	struct libiommu_dev *dev = NULL;
	struct ex_edu edu;
	uint8_t *ram;
	int rc;

	/* This image's fds are close-on-exec again. */
	fcntl(ifd, F_SETFD, FD_CLOEXEC);
	fcntl(dfd, F_SETFD, FD_CLOEXEC);
	fcntl(memfd, F_SETFD, FD_CLOEXEC);
	rc = libiommu_ctx_new_from_fd(ifd, LIBIOMMU_FD_OWN, &opts, &ctx);
	if (rc)
		return fail("new", "libiommu_ctx_new_from_fd", rc);
	rc = libiommu_ioas_adopt_id(ctx, ioas_id, &ioas);
	if (rc)
		return fail("new", "libiommu_ioas_adopt_id", rc);
	rc = libiommu_dev_adopt_fd(ctx, dfd, LIBIOMMU_FD_OWN, dev_id, &dev);
	if (rc)
		return fail("new", "libiommu_dev_adopt_fd", rc);
	ram = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (ram == MAP_FAILED)
		return fail("new", "mmap of the guest RAM memfd", -errno);
	if (dma) {
		rc = ex_edu_init(&edu, dev);
		if (rc)
			return fail("new", "edu_init", rc);
		rc = dma_check(&edu, ram, 17);
		if (rc)
			return fail("new", "DMA before CHANGE_PROCESS", rc);
	}
	printf("new: adopted IOAS %" PRIu32 " and device %" PRIu32 "%s\n",
	       ioas_id, dev_id,
	       dma ? "; DMA before CHANGE_PROCESS: OK" : ", attached all along");
	fflush(stdout);
	if (anon) {
		/* the library's message says what the kernel refused */
		rc = libiommu_ctx_change_process(ctx);
		printf("new: with an anonymous mapping left: %s (expected: Invalid argument)\n",
		       strerror(-rc));
		if (rc != -EINVAL)
			return 1;
		rc = libiommu_ioas_unmap(ioas, ANON_IOVA, pg, NULL);
		if (rc)
			return fail("new", "unmapping the anonymous page", rc);
		printf("new: unmapped the old image's anonymous page at IOVA 0x%" PRIx64 "\n",
		       ANON_IOVA);
	}
	rc = libiommu_ctx_change_process(ctx);
	if (rc == -EOPNOTSUPP) {
		printf("new: the kernel has no IOMMU_IOAS_CHANGE_PROCESS: the pages stay charged to the old image's mm\n");
	} else if (rc) {
		return fail("new", "libiommu_ctx_change_process", rc);
	} else {
		printf("new: IOMMU_IOAS_CHANGE_PROCESS: guest RAM now charged to this image\n");
	}
	if (dma) {
		rc = dma_check(&edu, ram, 29);
		if (rc)
			return fail("new", "DMA after CHANGE_PROCESS", rc);
		printf("new: DMA after CHANGE_PROCESS: OK\n");
		ex_edu_fini(&edu);
	}
	munmap(ram, 2 * pg);
	close(memfd);
	libiommu_ctx_free(ctx); /* the last holder: the kernel tears it all down */
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: live-update [--dma] [--anon]\n"
		   "Maps memfd guest RAM in an IOAS, attaches QEMU's edu device (a VFIO cdev),\n"
		   "exec()s itself with the fds kept open; the new image adopts the IOAS and\n"
		   "the device and moves the pinned RAM to its mm (IOMMU_IOAS_CHANGE_PROCESS).\n"
		   "  --dma   also write to the device: a DMA round trip in the old image, and\n"
		   "          in the new one before and after the move\n"
		   "  --anon  also map an anonymous page, which the kernel refuses to move\n"
		   "          (also LIVE_UPDATE_ANON=1 in the environment)\n"
		   "Exit status: 0 done, 1 a failure (no edu, a failed call or DMA), 2 usage.\n");
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts opts = LIBIOMMU_OPTS(libiommu_ctx_opts,
						      .log_fn = libiommu_log_stderr);
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *ioas = NULL;
	struct libiommu_dev *dev = NULL;
	uint64_t iova = RAM_IOVA;
	bool anon = getenv("LIVE_UPDATE_ANON") && !strcmp(getenv("LIVE_UPDATE_ANON"), "1");
	bool dma = false;
	char path[64], a[5][24];
	int first = 1;
	struct ex_edu edu;
	uint8_t *ram;
	int memfd, rc;

	pg = sysconf(_SC_PAGESIZE);
	if (argc >= 7 && !strcmp(argv[1], "--resume"))
		first = 7; /* the new image: its options follow the five values */
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--anon")) {
			anon = true;
		} else if (!strcmp(argv[i], "--dma")) {
			dma = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (first > 1)
		return resume(argv, anon, dma);
	if (ex_edu_find(path, sizeof(path))) {
		fprintf(stderr, "live-update: no QEMU edu device (1234:11e8) bound to vfio-pci\n");
		return 1;
	}
	rc = libiommu_ctx_new(&opts, &ctx);
	if (!rc)
		rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (!rc)
		rc = libiommu_dev_open(ctx, path, NULL, &dev);
	if (rc)
		return fail("old", "setting up", rc);
	memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 2 * pg))
		return fail("old", "memfd", -errno);
	ram = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (ram == MAP_FAILED)
		return fail("old", "mmap", -errno);
	rc = libiommu_ioas_map_file(ioas, memfd, 0, 2 * pg, &iova,
				    LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
					    LIBIOMMU_MAP_FIXED_IOVA);
	if (rc == -EOPNOTSUPP &&
	    libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 0) {
		/* the library said why on stderr (Linux 6.12 has no MAP_FILE) */
		printf("SKIP: live-update: the running kernel's iommufd lacks the feature \"%s\": guest RAM cannot be mapped by file, so it could not outlive this image's mm\n",
		       libiommu_feature_name(LIBIOMMU_FEAT_IOAS_MAP_FILE));
		return 77;
	}
	if (rc)
		return fail("old", "libiommu_ioas_map_file", rc);
	if (anon) {
		void *buf = mmap(NULL, pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		iova = ANON_IOVA;
		rc = buf == MAP_FAILED ? -errno : libiommu_ioas_map(ioas, buf, pg, &iova, LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
		if (rc)
			return fail("old", "libiommu_ioas_map", rc);
	}
	rc = libiommu_dev_attach_ioas(dev, ioas);
	if (rc)
		return fail("old", "libiommu_dev_attach_ioas", rc);
	if (dma) {
		rc = ex_edu_init(&edu, dev);
		if (!rc)
			rc = dma_check(&edu, ram, 3);
		if (rc)
			return fail("old", "DMA", rc);
	}
	printf("old: IOAS %" PRIu32 ", device %" PRIu32 ", guest RAM memfd 2 pages at IOVA 0x%" PRIx64 "\n",
	       libiommu_ioas_id(ioas), libiommu_dev_id(dev), RAM_IOVA);
	if (dma)
		printf("old: DMA round trip %u bytes OK; exec()ing the new image\n",
		       EX_EDU_MAX_DMA);
	else
		printf("old: device attached; exec()ing the new image\n");
	fflush(stdout);
	if (keep_over_exec(libiommu_ctx_fd(ctx)) ||
	    keep_over_exec(libiommu_dev_fd(dev)) || keep_over_exec(memfd))
		return fail("old", "clearing FD_CLOEXEC", -errno);
	snprintf(a[0], sizeof(a[0]), "%d", libiommu_ctx_fd(ctx));
	snprintf(a[1], sizeof(a[1]), "%d", libiommu_dev_fd(dev));
	snprintf(a[2], sizeof(a[2]), "%d", memfd);
	snprintf(a[3], sizeof(a[3]), "%" PRIu32, libiommu_ioas_id(ioas));
	snprintf(a[4], sizeof(a[4]), "%" PRIu32, libiommu_dev_id(dev));
	/* Not libiommu_ctx_free(): the handles' kernel objects live on. */
	{
		char *nargv[10] = { argv[0], "--resume", a[0], a[1], a[2], a[3], a[4] };
		int n = 7;

		if (dma)
			nargv[n++] = "--dma";
		if (anon)
			nargv[n++] = "--anon";
		execv("/proc/self/exe", nargv);
	}
	return fail("old", "exec", -errno);
}
