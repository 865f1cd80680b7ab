/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way the library issues an ioctl (lib/util/ioctl.c). */
#ifndef LIBIOMMU_UTIL_IOCTL_H
#define LIBIOMMU_UTIL_IOCTL_H

/* ioctl() that retries EINTR; returns its result (>= 0, usually 0) or -errno. */
int lu_ioctl(int fd, unsigned long req, void *arg);

/* The system page size, read once. */
unsigned long lu_page_size(void);

#endif
