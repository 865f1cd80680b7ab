// SPDX-License-Identifier: MIT
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * ioas-ranges: the life of an I/O address space.
 *
 * Opens /dev/iommu, allocates an IOAS, prints the IOVA ranges a mapping may
 * use and their alignment, maps a 2 MiB buffer once at an IOVA the kernel
 * chooses and once at a fixed IOVA, prints both, and unmaps everything.
 *
 *   $ ./ioas-ranges
 *   IOAS 1: 1 usable IOVA range(s), alignment 0x1
 *     [0x0000000000000000, 0xffffffffffffffff]
 *   mapped 2 MiB at 0x... (kernel's choice)
 *   mapped 2 MiB at 0x40000000 (fixed)
 *   unmapped 4194304 bytes
 *
 * Everything happens in the program's own address space on its own
 * /dev/iommu: no device is touched.
 *
 * Exit status: 0 done, 1 a failure (the message says which call), 2 usage.
 *
 * Build: cc ioas-ranges.c $(pkg-config --cflags --libs libiommu)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libiommu/libiommu.h>

#define BUF_SIZE (2u << 20)
#define FIXED_IOVA UINT64_C(0x40000000) /* 1 GiB */

/* Pick a fixed IOVA inside one of the usable ranges. */
static int pick_fixed(const struct libiommu_iova_range *r, size_t nr,
		      uint64_t *iova)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		uint64_t start = r[i].start > FIXED_IOVA ? r[i].start : FIXED_IOVA;

		start = (start + BUF_SIZE - 1) & ~(uint64_t)(BUF_SIZE - 1);
		if (start >= r[i].start && start + BUF_SIZE - 1 <= r[i].last &&
		    start + BUF_SIZE - 1 > start) {
			*iova = start;
			return 0;
		}
	}
	return -1;
}

static int print_ranges(struct libiommu_ioas *ioas,
			struct libiommu_iova_range **out, size_t *out_nr)
{
	struct libiommu_iova_range *r = NULL;
	uint64_t align = 0;
	size_t nr = 0, i;
	int rc;

	/* Ask with capacity 0 for the count, then fetch (it may grow: retry). */
	for (;;) {
		rc = libiommu_ioas_get_ranges(ioas, r, &nr, &align);
		if (rc != -ENOSPC)
			break;
		free(r);
		r = calloc(nr, sizeof(*r));
		if (!r)
			return -ENOMEM;
	}
	if (rc) {
		free(r);
		fprintf(stderr, "cannot read the IOAS's IOVA ranges: %s\n",
			strerror(-rc));
		return rc;
	}
	printf("IOAS %" PRIu32 ": %zu usable IOVA range(s), alignment 0x%" PRIx64 "\n",
	       libiommu_ioas_id(ioas), nr, align);
	for (i = 0; i < nr; i++)
		printf("  [0x%016" PRIx64 ", 0x%016" PRIx64 "]\n", r[i].start,
		       r[i].last);
	*out = r;
	*out_nr = nr;
	return 0;
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.log_fn = libiommu_log_stderr, /* the library explains failures */
	};
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *ioas = NULL;
	struct libiommu_iova_range *ranges = NULL;
	size_t nr = 0;
	uint64_t iova_any = 0, iova_fixed = 0, unmapped = 0;
	void *buf = MAP_FAILED;
	int rc, status = EXIT_FAILURE;

	if (argc > 1) {
		int help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fprintf(help ? stdout : stderr,
			"Usage: ioas-ranges\n"
			"Allocate an IOAS on /dev/iommu, print its usable IOVA ranges, map a\n"
			"2 MiB buffer of this process at a kernel-chosen and at a fixed IOVA,\n"
			"unmap everything.  Touches no device.\n"
			"Exit status: 0 done, 1 a failure, 2 usage.\n");
		return help ? 0 : 2;
	}
	rc = libiommu_ctx_new(&opts, &ctx);
	if (rc) {
		fprintf(stderr, "cannot open /dev/iommu: %s%s\n", strerror(-rc),
			rc == -ENOENT ? " (is the kernel built with CONFIG_IOMMUFD?)" : rc == -EACCES ? " (run as root or get rw access to /dev/iommu)"
												      : "");
		return EXIT_FAILURE;
	}
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc) {
		fprintf(stderr, "cannot allocate an IOAS: %s\n", strerror(-rc));
		goto out;
	}
	if (print_ranges(ioas, &ranges, &nr))
		goto out;

	/* Mapped memory must stay valid until it is unmapped. */
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		goto out;
	}

	rc = libiommu_ioas_map(ioas, buf, BUF_SIZE, &iova_any,
			       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE);
	if (rc) {
		fprintf(stderr, "cannot map the buffer: %s\n", strerror(-rc));
		goto out;
	}
	printf("mapped 2 MiB at 0x%" PRIx64 " (kernel's choice)\n", iova_any);

	if (pick_fixed(ranges, nr, &iova_fixed)) {
		fprintf(stderr, "no usable range has room for 2 MiB at a fixed IOVA\n");
		goto out;
	}
	rc = libiommu_ioas_map(ioas, buf, BUF_SIZE, &iova_fixed,
			       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
				       LIBIOMMU_MAP_FIXED_IOVA);
	if (rc == -EEXIST) {
		/* The kernel's choice may have landed there; pick another IOVA. */
		fprintf(stderr, "0x%" PRIx64 " is taken, skipping the fixed mapping\n",
			iova_fixed);
	} else if (rc) {
		fprintf(stderr, "cannot map the buffer at 0x%" PRIx64 ": %s\n",
			iova_fixed, strerror(-rc));
		goto out;
	} else {
		printf("mapped 2 MiB at 0x%" PRIx64 " (fixed)\n", iova_fixed);
	}

	rc = libiommu_ioas_unmap_all(ioas, &unmapped);
	if (rc) {
		fprintf(stderr, "cannot unmap: %s\n", strerror(-rc));
		goto out;
	}
	printf("unmapped %" PRIu64 " bytes\n", unmapped);
	status = EXIT_SUCCESS;
out:
	libiommu_ioas_destroy(ioas);
	libiommu_ctx_free(ctx);
	if (buf != MAP_FAILED)
		munmap(buf, BUF_SIZE);
	free(ranges);
	return status;
}
