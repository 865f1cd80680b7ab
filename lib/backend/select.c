// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the backends share: their names, the "not on this backend" error,
 * the coherency question the legacy backends answer, and what sysfs says
 * about IOMMU groups (see internal.h).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

static const char *const backend_names[] = {
	[LIBIOMMU_BACKEND_AUTO] = "auto",
	[LIBIOMMU_BACKEND_IOMMUFD] = "iommufd",
	[LIBIOMMU_BACKEND_TYPE1] = "type1",
	[LIBIOMMU_BACKEND_IOMMUFD_COMPAT] = "iommufd-compat",
};

LIBIOMMU_API const char *libiommu_backend_name(enum libiommu_backend backend)
{
	if ((unsigned int)backend >= ARRAY_SIZE(backend_names))
		return NULL;
	return backend_names[backend];
}

int lu_backend_unsupported(struct libiommu_ctx *ctx, const char *what,
			   const char *why)
{
	return lu_fail(ctx, -EOPNOTSUPP,
		       "%s is not available on the %s backend: %s", what,
		       ctx->ops->name, why);
}

int lu_backend_cc_enforced(struct libiommu_ctx *ctx)
{
	if (!ctx || !ctx->ops->cc_enforced)
		return -EOPNOTSUPP;
	return ctx->ops->cc_enforced(ctx);
}

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
