/* SPDX-License-Identifier: MIT */
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * QEMU's "edu" teaching device (PCI 1234:11e8) driven from user space
 * through libiommu, for the examples: its DMA engine copies between RAM (an
 * IOVA) and a 4 KiB buffer inside the device, which proves what an IOVA
 * maps to.  Header-only, so that an example builds from itself and
 * `pkg-config libiommu` alone.
 *
 * Registers (BAR0, QEMU's docs/specs/edu.rst): 0x00 identification
 * (0xRRrr00ed), 0x80 DMA source, 0x88 destination, 0x90 count, 0x98
 * command (bit 0 start/busy, bit 1 device -> RAM); the device buffer is at
 * device address 0x40000.  RAM-side addresses are masked to 28 bits (keep
 * IOVAs below 256 MiB), and QEMU 7.2 aborts on a transfer ending exactly at
 * the end of the buffer (keep transfers at most EX_EDU_MAX_DMA bytes).
 */
#ifndef LIBIOMMU_EXAMPLES_EDU_DMA_H
#define LIBIOMMU_EXAMPLES_EDU_DMA_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <libiommu/libiommu.h>

#define EX_EDU_MAX_DMA 4095u

struct ex_edu {
	volatile uint8_t *bar0;
	size_t bar0_len;
};

/* Is the VFIO cdev @name ("vfio0") QEMU's edu? */
static inline int ex_edu_is_edu(const char *name)
{
	unsigned int vendor = 0, device = 0;
	char p[320];
	FILE *f;

	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device/vendor", name);
	f = fopen(p, "re");
	if (!f || fscanf(f, "%x", &vendor) != 1)
		vendor = 0;
	if (f)
		fclose(f);
	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device/device", name);
	f = fopen(p, "re");
	if (!f || fscanf(f, "%x", &device) != 1)
		device = 0;
	if (f)
		fclose(f);
	return vendor == 0x1234 && device == 0x11e8;
}

/* The first VFIO cdev that is QEMU's edu, into @path: 0 or -ENOENT. */
static inline int ex_edu_find(char *path, size_t len)
{
	char name[32];

	for (int i = 0; i < 256; i++) {
		snprintf(name, sizeof(name), "vfio%d", i);
		if (ex_edu_is_edu(name)) {
			snprintf(path, len, "/dev/vfio/devices/%s", name);
			return 0;
		}
	}
	return -ENOENT;
}

/* Map BAR0, check the identification, enable memory and bus mastering. */
static inline int ex_edu_init(struct ex_edu *edu, struct libiommu_dev *dev)
{
	struct libiommu_region_info bar = { .sz = sizeof(bar) };
	uint16_t cmd;
	void *p;
	int rc;

	memset(edu, 0, sizeof(*edu));
	rc = libiommu_dev_region_info(dev, LIBIOMMU_PCI_BAR0_REGION, &bar);
	if (!rc)
		rc = libiommu_dev_region_mmap(dev, LIBIOMMU_PCI_BAR0_REGION, 0,
					      (size_t)bar.size,
					      LIBIOMMU_REGION_READ |
						      LIBIOMMU_REGION_WRITE,
					      &p);
	if (rc)
		return rc;
	edu->bar0 = p;
	edu->bar0_len = (size_t)bar.size;
	if ((*(volatile uint32_t *)edu->bar0 & 0xff) != 0xed)
		return -ENODEV;
	rc = libiommu_dev_region_read(dev, LIBIOMMU_PCI_CONFIG_REGION, 0x04,
				      &cmd, sizeof(cmd));
	cmd |= 0x6; /* PCI_COMMAND: memory space, bus master */
	if (!rc)
		rc = libiommu_dev_region_write(dev, LIBIOMMU_PCI_CONFIG_REGION,
					       0x04, &cmd, sizeof(cmd));
	return rc;
}

static inline void ex_edu_fini(struct ex_edu *edu)
{
	if (edu->bar0)
		munmap((void *)edu->bar0, edu->bar0_len);
	edu->bar0 = NULL;
}

static inline int ex_edu_wait(struct ex_edu *edu)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (!(*(volatile uint64_t *)(edu->bar0 + 0x98) & 1))
			return 0;
		nanosleep(&ms, NULL);
	}
	return -ETIMEDOUT;
}

/* Copy @len bytes RAM (@iova) -> device buffer, or back with @to_ram. */
static inline int ex_edu_dma(struct ex_edu *edu, uint64_t iova, uint32_t len,
			     int to_ram)
{
	const uint64_t buf = 0x40000;
	int rc;

	if (!len || len > EX_EDU_MAX_DMA || iova + len > (UINT64_C(1) << 28))
		return -EINVAL;
	rc = ex_edu_wait(edu);
	if (rc)
		return rc;
	*(volatile uint64_t *)(edu->bar0 + 0x80) = to_ram ? buf : iova;
	*(volatile uint64_t *)(edu->bar0 + 0x88) = to_ram ? iova : buf;
	*(volatile uint64_t *)(edu->bar0 + 0x90) = len;
	*(volatile uint64_t *)(edu->bar0 + 0x98) = (to_ram ? 2 : 0) | 1;
	return ex_edu_wait(edu);
}

#endif
