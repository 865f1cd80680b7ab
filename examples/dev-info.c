// SPDX-License-Identifier: MIT
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * dev-info: what the IOMMU behind each VFIO device can do, and a DMA that
 * proves a mapping works.
 *
 * Opens /dev/iommu, binds each VFIO device cdev in /dev/vfio/devices/ (or
 * the ones named) that no other process holds, and prints the device's
 * IOMMU capabilities decoded from IOMMU_GET_HW_INFO; binding changes
 * nothing on the device.  A device another process holds (a running VM) is
 * not touched: libiommu-ls(1) shows it.  With --dma, for QEMU's edu device
 * (1234:11e8) it then maps two buffers below 256 MiB IOVA, enables bus
 * mastering, and has the device copy RAM -> device -> RAM through the
 * IOMMU.
 *
 *   # ./dev-info --dma
 *   vfio0: device 2, IOMMU intel-vtd
 *     snoop control: yes   dirty tracking: no (kernel: no)   nesting: no
 *     PASID: IOMMU no, device 0 bits   ATS: no   PRI: no
 *     IOVA width 48 bits, page sizes 4K 2M 1G
 *     VT-d cap 0x... ecap 0x...
 *     edu: DMA round trip: 4095 bytes OK
 *
 * Exit status: 0 shown, 1 a failure (no /dev/iommu, a device that could
 * not be read, a failed DMA), 2 usage.
 *
 * Build: cc dev-info.c $(pkg-config --cflags --libs libiommu)
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "edu-dma.h"

#define SRC_IOVA UINT64_C(0x100000) /* below edu's 256 MiB DMA limit */
#define DST_IOVA UINT64_C(0x200000)

static const char *yesno(int v)
{
	return v ? "yes" : "no";
}

/* "yes"/"no", or "?" when this IOMMU's registers cannot tell. */
static const char *feat(const struct libiommu_hw_info *hi, uint32_t f)
{
	if (!(hi->features_known & f))
		return "?";
	return yesno(hi->features & f);
}

static void print_pgsizes(uint64_t bm)
{
	static const char unit[] = "KMGTPE";
	int n;

	if (!bm) {
		printf(" unknown");
		return;
	}
	for (n = 12; n < 64; n++) {
		if (!(bm & (UINT64_C(1) << n)))
			continue;
		/* Name runs of sizes by their first and last. */
		if (n > 12 && (bm & (UINT64_C(1) << (n - 1))) &&
		    n < 63 && (bm & (UINT64_C(1) << (n + 1))))
			continue;
		if (n > 12 && (bm & (UINT64_C(1) << (n - 1))))
			printf("-");
		else
			printf(" ");
		printf("%" PRIu64 "%c", UINT64_C(1) << (n % 10), unit[n / 10 - 1]);
	}
}

static int print_info(struct libiommu_dev *dev)
{
	struct libiommu_hw_info hi = { .sz = sizeof(hi) };
	int rc = libiommu_dev_get_hw_info(dev, &hi);

	if (rc) {
		printf("  no IOMMU hardware info: %s\n", strerror(-rc));
		return rc;
	}
	printf(", IOMMU %s\n", libiommu_hw_type_name(hi.type) ? libiommu_hw_type_name(hi.type) : "unknown");
	printf("  snoop control: %s   dirty tracking: %s (kernel: %s)   nesting: %s\n",
	       feat(&hi, LIBIOMMU_HW_FEAT_SNOOP_CONTROL),
	       feat(&hi, LIBIOMMU_HW_FEAT_DIRTY_TRACKING),
	       yesno(hi.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING),
	       feat(&hi, LIBIOMMU_HW_FEAT_NESTING));
	printf("  PASID: IOMMU %s (%" PRIu32 " bits), device %" PRIu32 " bits   ATS: %s   PRI: %s\n",
	       feat(&hi, LIBIOMMU_HW_FEAT_PASID), hi.pasid_bits,
	       hi.max_pasid_log2, feat(&hi, LIBIOMMU_HW_FEAT_ATS),
	       feat(&hi, LIBIOMMU_HW_FEAT_PRI));
	printf("  IOVA width %" PRIu32 " bits, page sizes", hi.addr_bits);
	print_pgsizes(hi.pgsize_bitmap);
	printf("\n");
	if (hi.type == LIBIOMMU_HW_TYPE_INTEL_VTD)
		printf("  VT-d cap 0x%016" PRIx64 " ecap 0x%016" PRIx64 "\n",
		       hi.regs.vtd.cap_reg, hi.regs.vtd.ecap_reg);
	else if (hi.type == LIBIOMMU_HW_TYPE_AMD)
		printf("  AMD EFR 0x%016" PRIx64 " EFR2 0x%016" PRIx64 "\n",
		       hi.regs.amd.efr, hi.regs.amd.efr2);
	else if (hi.type == LIBIOMMU_HW_TYPE_ARM_SMMUV3)
		printf("  SMMUv3 IDR0 0x%08" PRIx32 " IDR1 0x%08" PRIx32 " IDR5 0x%08" PRIx32 " IIDR 0x%08" PRIx32 "\n",
		       hi.regs.smmuv3.idr[0], hi.regs.smmuv3.idr[1],
		       hi.regs.smmuv3.idr[5], hi.regs.smmuv3.iidr);
	return 0;
}

/* Map, attach, copy RAM -> edu -> RAM, compare.  0 when the bytes match. */
static int edu_round_trip(struct libiommu_ctx *ctx, struct libiommu_dev *dev)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct libiommu_ioas *ioas = NULL;
	struct ex_edu edu = { 0 };
	uint64_t src_iova = SRC_IOVA, dst_iova = DST_IOVA;
	uint8_t *src, *dst;
	int rc, i;

	src = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		return -errno;
	dst = src + ps;
	for (i = 0; i < ps; i++) {
		src[i] = (uint8_t)(i * 13 + 1);
		dst[i] = 0;
	}

	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (!rc)
		rc = libiommu_ioas_map(ioas, src, ps, &src_iova,
				       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
	if (!rc)
		rc = libiommu_ioas_map(ioas, dst, ps, &dst_iova,
				       LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA);
	if (!rc)
		rc = libiommu_dev_attach_ioas(dev, ioas);
	if (!rc)
		rc = ex_edu_init(&edu, dev);
	if (!rc)
		rc = ex_edu_dma(&edu, SRC_IOVA, EX_EDU_MAX_DMA, 0);
	if (!rc)
		rc = ex_edu_dma(&edu, DST_IOVA, EX_EDU_MAX_DMA, 1);
	if (rc)
		printf("  edu: DMA setup failed: %s\n", strerror(-rc));
	else if (memcmp(src, dst, EX_EDU_MAX_DMA) != 0) {
		printf("  edu: DMA round trip: data differs\n");
		rc = -EIO;
	} else
		printf("  edu: DMA round trip: %u bytes OK\n", EX_EDU_MAX_DMA);

	ex_edu_fini(&edu);
	if (libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, NULL, NULL, NULL) == 1)
		libiommu_dev_detach(dev);
	libiommu_ioas_destroy(ioas); /* unmaps everything */
	munmap(src, 2 * ps);
	return rc;
}

/* The pid of another process holding /dev/vfio/devices/@name, or 0. */
static int holder(const char *name, char *comm, size_t len)
{
	char want[300], p[300], target[PATH_MAX];
	struct dirent *pe, *fe;
	DIR *pd, *fd;
	int found = 0;

	snprintf(want, sizeof(want), "/dev/vfio/devices/%s", name);
	pd = opendir("/proc");
	while (pd && !found && (pe = readdir(pd))) {
		int pid = atoi(pe->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fd", pid);
		fd = opendir(p);
		while (fd && !found && (fe = readdir(fd))) {
			ssize_t n;

			snprintf(p, sizeof(p), "/proc/%d/fd/%s", pid, fe->d_name);
			n = readlink(p, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				found = strcmp(target, want) ? 0 : pid;
			}
		}
		if (fd)
			closedir(fd);
	}
	if (pd)
		closedir(pd);
	comm[0] = '\0';
	if (found) {
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%d/comm", found);
		f = fopen(p, "re");
		if (f && fgets(comm, (int)len, f))
			comm[strcspn(comm, "\n")] = '\0';
		if (f)
			fclose(f);
	}
	return found;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: dev-info [--dma] [vfioN...]\n"
		   "Bind each VFIO device cdev (or the named ones) that no other process\n"
		   "holds to /dev/iommu and print its IOMMU capabilities.\n"
		   "  --dma   also run a DMA round trip on QEMU's edu device (writes to it)\n"
		   "  --help  print this help\n"
		   "Exit status: 0 shown, 1 a failure (also: no device could be bound),\n"
		   "2 usage.\n");
}

static int is_named(const char *name, int argc, char **argv, int first)
{
	if (first >= argc)
		return 1;
	for (int i = first; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.log_fn = libiommu_log_stderr, /* the library explains failures */
	};
	struct libiommu_ctx *ctx = NULL;
	struct dirent **ents = NULL;
	int rc, n, ndev = 0, nbound = 0, nheld = 0, status = EXIT_SUCCESS;
	int first = 1, dma = 0;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--dma")) {
			dma = 1;
		} else if (!strcmp(argv[first], "--help") ||
			   !strcmp(argv[first], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	rc = libiommu_ctx_new(&opts, &ctx);
	if (rc) {
		fprintf(stderr, "cannot open /dev/iommu: %s\n", strerror(-rc));
		return EXIT_FAILURE;
	}
	n = scandir("/dev/vfio/devices", &ents, NULL, alphasort);
	if (n < 0) {
		printf("no VFIO device cdevs (/dev/vfio/devices: %s): bind a device to vfio-pci\n",
		       strerror(errno));
		libiommu_ctx_free(ctx);
		return EXIT_SUCCESS;
	}
	for (int i = 0; i < n; i++) {
		struct libiommu_dev *dev = NULL;
		const char *name = ents[i]->d_name;
		char path[300], comm[64];
		int pid;

		if (strncmp(name, "vfio", 4) != 0 ||
		    !is_named(name, argc, argv, first))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
		ndev++;
		pid = holder(name, comm, sizeof(comm));
		if (pid) {
			printf("%s: held by pid %d (%s): not touched (libiommu-ls shows it)\n",
			       name, pid, comm);
			nheld++;
			continue;
		}
		rc = libiommu_dev_open(ctx, path, NULL, &dev);
		if (rc) {
			/*
			 * Not an error of this program: e.g. a device whose
			 * IOMMU group is not viable.  The log callback said why.
			 */
			printf("%s: cannot bind (%s), skipped\n", name,
			       strerror(-rc));
			continue;
		}
		nbound++;
		printf("%s: device %" PRIu32, name, libiommu_dev_id(dev));
		if (print_info(dev))
			status = EXIT_FAILURE;
		if (dma && ex_edu_is_edu(name) && edu_round_trip(ctx, dev))
			status = EXIT_FAILURE;
		libiommu_dev_free(dev);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (!ndev)
		printf("no VFIO device cdevs in /dev/vfio/devices\n");
	else if (!nbound && !nheld)
		status = EXIT_FAILURE; /* devices exist but none could be used */
	libiommu_ctx_free(ctx);
	return status;
}
