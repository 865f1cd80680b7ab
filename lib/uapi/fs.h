/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The file-system facts libiommu_ioas_map_file() checks before asking the
 * kernel: which files IOMMU_IOAS_MAP_FILE can pin (statfs magic numbers of
 * <linux/magic.h>) and the write seals of a memfd (<linux/fcntl.h>).
 * Names are the kernel's with "LX_" in front; tests/test-uapi-compare.c
 * checks them against the real headers.
 */
#ifndef LIBIOMMU_UAPI_FS_H
#define LIBIOMMU_UAPI_FS_H

/* statfs f_type: shmem (memfd, tmpfs), hugetlbfs, dma-buf files */
#define LX_TMPFS_MAGIC 0x01021994
#define LX_HUGETLBFS_MAGIC 0x958458f6
#define LX_DMA_BUF_MAGIC 0x444d4142

/* memfd seals (fcntl F_GET_SEALS) */
#define LX_F_LINUX_SPECIFIC_BASE 1024
#define LX_F_GET_SEALS (LX_F_LINUX_SPECIFIC_BASE + 10)
#define LX_F_SEAL_WRITE 0x0008
#define LX_F_SEAL_FUTURE_WRITE 0x0010

#endif
