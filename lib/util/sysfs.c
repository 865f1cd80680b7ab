/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What sysfs says about devices and IOMMU groups: see sysfs.h. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sysfs.h"

int lu_link_base(const char *path, char *buf, size_t len)
{
	char link[PATH_MAX];
	const char *slash;
	ssize_t n;

	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	link[n] = '\0';
	slash = strrchr(link, '/');
	slash = slash ? slash + 1 : link;
	snprintf(buf, len, "%s", slash);
	return strlen(slash) < len ? 0 : -ENAMETOOLONG;
}

int lu_group_blockers(const char *num, char *buf, size_t len)
{
	char dir[128], p[PATH_MAX], drv[NAME_MAX + 1];
	struct dirent *e;
	size_t used = 0;
	int devices = 0;
	DIR *d;

	buf[0] = '\0';
	snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%s/devices", num);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		devices++;
		snprintf(p, sizeof(p), "%s/%s/driver", dir, e->d_name);
		if (lu_link_base(p, drv, sizeof(drv)))
			continue; /* no driver: does not block */
		if (!strcmp(drv, "vfio-pci") || !strcmp(drv, "pcieport"))
			continue;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used,
						 "%s%s (driver %s)",
						 used ? ", " : "", e->d_name, drv);
	}
	closedir(d);
	return devices;
}

int lu_cdev_group_num(int fd, char *buf, size_t len)
{
	char p[96];
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISCHR(sb.st_mode))
		return -ENODEV;
	/* /sys/dev/char/M:m is the cdev (vfio-dev/vfioN); "device" its parent */
	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/device/iommu_group",
		 major(sb.st_rdev), minor(sb.st_rdev));
	return lu_link_base(p, buf, len);
}

/* A lookup that says "no such name here", not that it failed. */
static bool name_unknown(int rc)
{
	return rc == -ENAMETOOLONG || rc == -ENOENT || rc == -ENOTDIR ||
	       rc == -EACCES || rc == -EINVAL;
}

int lu_chr_names(int fd, char *node, size_t nlen, char *parent, size_t plen)
{
	char sys[64], link[80];
	struct stat st;
	int rc;

	if (nlen)
		node[0] = '\0';
	if (plen)
		parent[0] = '\0';
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	rc = lu_link_base(sys, node, nlen);
	if (rc && rc != -ENAMETOOLONG && nlen)
		node[0] = '\0';
	if (rc && !name_unknown(rc))
		return rc;
	snprintf(link, sizeof(link), "%s/device", sys);
	rc = lu_link_base(link, parent, plen);
	if (rc && rc != -ENAMETOOLONG && plen)
		parent[0] = '\0';
	return rc && !name_unknown(rc) ? rc : 0;
}

static int is_vfio_cdev(const struct stat *st)
{
	char path[80], sub[NAME_MAX + 1];
	int rc;

	if (!S_ISCHR(st->st_mode))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/subsystem",
		 major(st->st_rdev), minor(st->st_rdev));
	rc = lu_link_base(path, sub, sizeof(sub));
	if (rc == -ENOENT)
		/* no such device in sysfs, or no sysfs at all to ask */
		return access("/sys/dev/char", F_OK) == 0 ? 0 : -ENOENT;
	return rc ? rc : strcmp(sub, "vfio-dev") == 0;
}

int lu_is_vfio_cdev(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return is_vfio_cdev(&st);
}

int lu_path_is_vfio_cdev(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return is_vfio_cdev(&st);
}

void lu_chr_name(dev_t rdev, char *buf, size_t len)
{
	char path[64], base[NAME_MAX + 1];
	int rc;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", major(rdev),
		 minor(rdev));
	rc = lu_link_base(path, base, sizeof(base));
	snprintf(buf, len, "%.15s", rc && rc != -ENAMETOOLONG ? "?" : base);
}
