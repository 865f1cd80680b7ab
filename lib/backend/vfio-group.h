/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VFIO groups (/dev/vfio/N) and the device fds they give
 * (lib/backend/vfio-group.c): the legacy backends' way to a device.
 * Opening, checking and joining one group; the container's side of it
 * (which groups it holds, its IOMMU) is lib/backend/type1.c's.
 */
#ifndef LIBIOMMU_BACKEND_VFIO_GROUP_H
#define LIBIOMMU_BACKEND_VFIO_GROUP_H

#include <sys/types.h>

#include "internal.h"

struct lu_group {
	int fd;
	bool owns_fd;
	dev_t rdev;	   /* identifies the group's node */
	char num[16];	   /* N of /dev/vfio/N, for messages and sysfs */
	unsigned int devs; /* device handles open through it */
	struct lu_group *next;
};

/* The device number of the group node @path (or @fd when @path is NULL). */
int lu_group_rdev(struct libiommu_ctx *ctx, const char *path, int fd,
		  dev_t *rdev);

/*
 * A new group handle for @path (opened here) or @fd (@owns_fd: ours to
 * close), checked to be a VFIO group that is viable and in no container.
 * Not joined yet.  0 or -errno logged; on failure a caller's fd is not
 * closed.
 */
int lu_group_new(struct libiommu_ctx *ctx, const char *path, int fd,
		 bool owns_fd, dev_t rdev, struct lu_group **out);

/* VFIO_GROUP_SET_CONTAINER: 0 or -errno logged (@what: the container's words). */
int lu_group_join(struct libiommu_ctx *ctx, struct lu_group *g,
		  int container_fd, const char *what);

/*
 * Leave the container (quietly; only if @leave), close the fd if ours,
 * free @g.  In another process than the context's, the group stays in the
 * container: closing this process's copy of its fd leaves it there.
 */
void lu_group_close(struct lu_group *g, bool leave);

/* VFIO_GROUP_GET_DEVICE_FD for device @name: the fd, or -errno logged. */
int lu_group_device_fd(struct libiommu_ctx *ctx, struct lu_group *g,
		       const char *name, const struct libiommu_dev_opts *opts);

/*
 * The device name and VFIO group node of the VFIO cdev @path, from sysfs:
 * 0 or -errno logged.
 */
int lu_cdev_to_group(struct libiommu_ctx *ctx, const char *path, char *name,
		     size_t nlen, char *group, size_t glen);

#endif
