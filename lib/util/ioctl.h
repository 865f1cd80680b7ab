/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way the library issues an ioctl (lib/util/ioctl.c). */
#ifndef LIBIOMMU_UTIL_IOCTL_H
#define LIBIOMMU_UTIL_IOCTL_H

#include <errno.h>
#include <sys/ioctl.h>

/*
 * ioctl() that retries EINTR; returns its result (>= 0, usually 0) or
 * -errno.  Inline: it is on the map and unmap paths (tests/bench-budget).
 */
static inline int lu_ioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do {
		rc = ioctl(fd, req, arg);
	} while (__builtin_expect(rc < 0, 0) && errno == EINTR);
	return __builtin_expect(rc < 0, 0) ? -errno : rc;
}

/* The system page size, read once. */
unsigned long lu_page_size(void);

#endif
