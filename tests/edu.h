/* SPDX-License-Identifier: MIT */
/*
 * Driving QEMU's "edu" teaching device (PCI 1234:11e8) from user space
 * through libiommu: its DMA engine copies between RAM (an IOVA) and a 4 KiB
 * buffer inside the device, so a copy proves what an IOVA maps to.  Shared
 * by the tests and examples/dev-info.c.
 *
 * Facts this relies on (QEMU's docs/specs/edu.rst and measurements on
 * QEMU 7.2): BAR0 registers 0x00 identification (0xRRrr00ed), 0x80 DMA
 * source, 0x88 DMA destination, 0x90 DMA count, 0x98 DMA command (bit 0
 * start/busy, bit 1 direction edu->RAM); the device buffer is at device
 * address 0x40000.  Traps: RAM-side addresses are masked to 28 bits (keep
 * IOVAs below 256 MiB), and QEMU 7.2 aborts on a transfer that ends exactly
 * at the end of the buffer (keep transfers at most EDU_MAX_DMA bytes).
 */
#ifndef LIBIOMMU_TESTS_EDU_H
#define LIBIOMMU_TESTS_EDU_H

#include <stddef.h>
#include <stdint.h>

#include "libiommu/libiommu.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_MAX_DMA 4095u		   /* bytes per transfer */
#define EDU_IOVA_LIMIT (UINT64_C(1) << 28) /* RAM-side IOVAs must be below */

struct edu {
	struct libiommu_dev *dev;
	volatile uint8_t *bar0;
	size_t bar0_len;
};

/*
 * Find the edu device's VFIO cdev: the first /sys/class/vfio-dev/vfioN whose
 * device is 1234:11e8.  Writes "/dev/vfio/devices/vfioN" to @path; 0 or
 * -ENOENT.
 */
int edu_find(char *path, size_t len);

/* Is the VFIO cdev @name (e.g. "vfio0") an edu device? */
int edu_is_edu(const char *name);

/*
 * Prepare @dev (an open, bound edu) for DMA: check its identification
 * register through an mmap of BAR0 and enable bus mastering in its config
 * space.  0 or a negative errno (-ENODEV: not an edu).
 */
int edu_init(struct edu *edu, struct libiommu_dev *dev);

/* Unmap BAR0 (the device stays open). */
void edu_fini(struct edu *edu);

/*
 * Copy @len bytes (1..EDU_MAX_DMA) from RAM at @iova into the device's
 * buffer, or from the buffer to RAM at @iova, and wait for the engine.
 * 0, -EINVAL (bad length/IOVA) or -ETIMEDOUT.  A DMA the IOMMU blocks still
 * "completes": the device sees an error it does not report.
 */
int edu_dma_from_ram(struct edu *edu, uint64_t iova, uint32_t len);
int edu_dma_to_ram(struct edu *edu, uint64_t iova, uint32_t len);

#endif
