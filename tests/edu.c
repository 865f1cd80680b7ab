// SPDX-License-Identifier: MIT
/* The edu DMA engine through libiommu's VFIO region helpers: see edu.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "edu.h"

#define EDU_REG_ID 0x00
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_BUF_ADDR UINT64_C(0x40000) /* the device buffer, as a DMA address */

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

/* QEMU completes a transfer 100 ms (virtual) after it starts. */
#define EDU_DMA_TIMEOUT_MS 10000

static int read_hex(const char *path, unsigned int *val)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%x", val) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int edu_is_edu(const char *name)
{
	unsigned int vendor = 0, device = 0;
	char p[256];

	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device/vendor", name);
	if (read_hex(p, &vendor))
		return 0;
	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device/device", name);
	if (read_hex(p, &device))
		return 0;
	return vendor == EDU_VENDOR && device == EDU_DEVICE;
}

int edu_find(char *path, size_t len)
{
	char name[32];
	int i;

	/* vfioN numbers are small and dense; no need to read the directory. */
	for (i = 0; i < 256; i++) {
		snprintf(name, sizeof(name), "vfio%d", i);
		if (edu_is_edu(name)) {
			snprintf(path, len, "/dev/vfio/devices/%s", name);
			return 0;
		}
	}
	return -ENOENT;
}

static uint32_t rd32(struct edu *edu, unsigned int reg)
{
	return *(volatile uint32_t *)(edu->bar0 + reg);
}

static uint64_t rd64(struct edu *edu, unsigned int reg)
{
	return *(volatile uint64_t *)(edu->bar0 + reg);
}

static void wr64(struct edu *edu, unsigned int reg, uint64_t val)
{
	*(volatile uint64_t *)(edu->bar0 + reg) = val;
}

int edu_init(struct edu *edu, struct libiommu_dev *dev)
{
	struct libiommu_region_info bar = { .sz = sizeof(bar) };
	uint16_t cmd;
	void *p;
	int rc;

	memset(edu, 0, sizeof(*edu));
	rc = libiommu_dev_region_info(dev, LIBIOMMU_PCI_BAR0_REGION, &bar);
	if (rc)
		return rc;
	rc = libiommu_dev_region_mmap(dev, LIBIOMMU_PCI_BAR0_REGION, 0,
				      (size_t)bar.size,
				      LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE,
				      &p);
	if (rc)
		return rc;
	edu->dev = dev;
	edu->bar0 = p;
	edu->bar0_len = (size_t)bar.size;
	if ((rd32(edu, EDU_REG_ID) & 0xff) != 0xed) {
		edu_fini(edu);
		return -ENODEV;
	}

	/* Memory decoding for the BAR, bus mastering for the DMA engine. */
	rc = libiommu_dev_region_read(dev, LIBIOMMU_PCI_CONFIG_REGION,
				      PCI_COMMAND, &cmd, sizeof(cmd));
	if (rc == 0 && (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
			       (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) {
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
		rc = libiommu_dev_region_write(dev, LIBIOMMU_PCI_CONFIG_REGION,
					       PCI_COMMAND, &cmd, sizeof(cmd));
	}
	if (rc)
		edu_fini(edu);
	return rc;
}

void edu_fini(struct edu *edu)
{
	if (edu->bar0)
		munmap((void *)edu->bar0, edu->bar0_len);
	edu->bar0 = NULL;
}

static int wait_idle(struct edu *edu)
{
	struct timespec ts = { 0, 1000000 }; /* 1 ms */
	int ms;

	for (ms = 0; ms < EDU_DMA_TIMEOUT_MS; ms++) {
		if (!(rd64(edu, EDU_REG_DMA_CMD) & EDU_CMD_START))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int dma(struct edu *edu, uint64_t src, uint64_t dst, uint32_t len,
	       uint64_t cmd)
{
	int rc;

	rc = wait_idle(edu);
	if (rc)
		return rc;
	wr64(edu, EDU_REG_DMA_SRC, src);
	wr64(edu, EDU_REG_DMA_DST, dst);
	wr64(edu, EDU_REG_DMA_COUNT, len);
	wr64(edu, EDU_REG_DMA_CMD, cmd | EDU_CMD_START);
	return wait_idle(edu);
}

static int check(uint64_t iova, uint32_t len)
{
	if (len == 0 || len > EDU_MAX_DMA)
		return -EINVAL;
	if (iova >= EDU_IOVA_LIMIT || len > EDU_IOVA_LIMIT - iova)
		return -EINVAL;
	return 0;
}

int edu_dma_from_ram(struct edu *edu, uint64_t iova, uint32_t len)
{
	int rc = check(iova, len);

	return rc ? rc : dma(edu, iova, EDU_BUF_ADDR, len, 0);
}

int edu_dma_to_ram(struct edu *edu, uint64_t iova, uint32_t len)
{
	int rc = check(iova, len);

	return rc ? rc : dma(edu, EDU_BUF_ADDR, iova, len, EDU_CMD_TO_RAM);
}
