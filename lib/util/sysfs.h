/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What sysfs says about devices and IOMMU groups (lib/util/sysfs.c).
 * Nothing here logs: callers turn the answers into their messages.
 */
#ifndef LIBIOMMU_UTIL_SYSFS_H
#define LIBIOMMU_UTIL_SYSFS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The last component of where the symlink @path points (a sysfs link's
 * device or group name) into @buf: 0, -ENAMETOOLONG when it was cut to fit
 * (@buf still holds the cut name), or the readlink() -errno (-ENOENT for an
 * empty link).
 */
int lu_link_base(const char *path, char *buf, size_t len);

/*
 * The devices of IOMMU group @num that keep it from being viable (bound to
 * a driver other than vfio-pci or pcieport), as "NAME (driver D), ..." in
 * @buf ("" when none or unknown); returns how many devices the group has
 * (0: unknown).
 */
int lu_group_blockers(const char *num, char *buf, size_t len);

/* The IOMMU group number of the VFIO device cdev open as @fd; 0 or -errno. */
int lu_cdev_group_num(int fd, char *buf, size_t len);

/*
 * Names of the character device open as @fd: its own sysfs name into @node
 * ("vfio0") and its parent device's into @parent ("0000:00:03.0"); each
 * "" when unknown (no sysfs, no such link: still 0).  -errno when @fd is
 * not a character device, or when a lookup failed otherwise (ENOMEM, ...).
 */
int lu_chr_names(int fd, char *node, size_t nlen, char *parent, size_t plen);

/*
 * Is the character device open as @fd a VFIO device cdev (its sysfs
 * subsystem is "vfio-dev")?  1 yes, 0 no, -errno when it cannot be told
 * (no sysfs mounted).  lu_path_is_vfio_cdev(): the same for a path, by
 * stat(2), without opening it.
 */
int lu_is_vfio_cdev(int fd);
int lu_path_is_vfio_cdev(const char *path);

/* The sysfs name of the character device @rdev (a group node's: "12"), or "?". */
void lu_chr_name(dev_t rdev, char *buf, size_t len);

#endif
