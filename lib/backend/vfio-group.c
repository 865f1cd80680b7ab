// SPDX-License-Identifier: LGPL-2.1-or-later
/* VFIO groups and the device fds they give: see vfio-group.h. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/vfio-group.h"
#include "uapi/vfio.h"
#include "util/sysfs.h"

static int fail_open(struct libiommu_ctx *ctx, const char *path, int err)
{
	switch (err) {
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "%s does not exist: VFIO makes /dev/vfio/N for an IOMMU group once its devices are bound to vfio-pci (driver_override + drivers_probe); see /sys/kernel/iommu_groups",
			       path);
	case EBUSY:
		return lu_fail(ctx, -EBUSY,
			       "cannot open VFIO group %s: it is in use: VFIO allows one opener per group (another process such as a VMM, or another libiommu context of this process, has it open), or one of its devices is open through its cdev (/dev/vfio/devices/vfioN, the iommufd backend)",
			       path);
	case EACCES:
	case EPERM:
		return lu_fail(ctx, -err,
			       "cannot open VFIO group %s: %s: read+write permission on the group node is needed (noiommu groups need CAP_SYS_RAWIO)",
			       path, strerror(err));
	case ENODEV:
		return lu_fail(ctx, -ENODEV,
			       "cannot open VFIO group %s: its devices are going away (unbound from vfio-pci)",
			       path);
	default:
		return lu_fail(ctx, -err, "cannot open VFIO group %s: %s", path,
			       strerror(err));
	}
}

int lu_group_rdev(struct libiommu_ctx *ctx, const char *path, int fd,
		  dev_t *rdev)
{
	struct stat sb;

	if (path) {
		if (stat(path, &sb) < 0)
			return fail_open(ctx, path, errno);
	} else if (fstat(fd, &sb) < 0) {
		return lu_fail(ctx, -EBADF, "group fd %d: %s", fd, strerror(errno));
	}
	if (!S_ISCHR(sb.st_mode))
		return lu_fail(ctx, -EINVAL, "%s is not a VFIO group node (/dev/vfio/N)",
			       path ? path : "the group fd");
	*rdev = sb.st_rdev;
	return 0;
}

int lu_group_new(struct libiommu_ctx *ctx, const char *path, int fd,
		 bool owns_fd, dev_t rdev, struct lu_group **out)
{
	struct lx_vfio_group_status st = { .argsz = sizeof(st) };
	char who[PATH_MAX + 16];
	struct lu_group *g;
	int rc;

	g = calloc(1, sizeof(*g));
	if (!g)
		return lu_fail(ctx, -ENOMEM, "out of memory for a VFIO group");
	g->rdev = rdev;
	lu_chr_name(rdev, g->num, sizeof(g->num));
	snprintf(who, sizeof(who), "%s", path ? path : g->num);
	if (path) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			rc = fail_open(ctx, path, errno);
			free(g);
			return rc;
		}
		owns_fd = true;
	}
	g->fd = fd;
	g->owns_fd = owns_fd;

	rc = lu_ioctl(fd, LX_VFIO_GROUP_GET_STATUS, &st);
	if (rc == -ENOTTY || rc == -EINVAL) {
		/* another driver's answer to an ioctl it does not know */
		rc = lu_fail(ctx, -EINVAL,
			     "VFIO_GROUP_GET_STATUS on %s: not a VFIO group node (/dev/vfio/N): %s",
			     who, strerror(-rc));
		goto err;
	}
	if (rc) {
		rc = lu_fail(ctx, rc, "VFIO_GROUP_GET_STATUS on %s: %s", who,
			     strerror(-rc));
		goto err;
	}
	if (st.flags & LX_VFIO_GROUP_FLAGS_CONTAINER_SET) {
		rc = lu_fail(ctx, -EBUSY,
			     "VFIO group %s is already in a container (set through this fd by someone else); a group can be in one container at a time",
			     g->num);
		goto err;
	}
	if (!(st.flags & LX_VFIO_GROUP_FLAGS_VIABLE)) {
		char blockers[512];

		lu_group_blockers(g->num, blockers, sizeof(blockers));
		rc = lu_fail(ctx, -EBUSY,
			     "VFIO group %s is not viable: every device of an IOMMU group must be bound to vfio-pci (or to no driver) before the group can be used%s%s; bind them to vfio-pci (driver_override + drivers_probe) or unbind them",
			     g->num, *blockers ? "; these are not: " : "", blockers);
		goto err;
	}
	*out = g;
	return 0;
err:
	if (path)
		close(fd);
	free(g);
	return rc;
}

int lu_group_join(struct libiommu_ctx *ctx, struct lu_group *g,
		  int container_fd, const char *what)
{
	int rc = lu_ioctl(g->fd, LX_VFIO_GROUP_SET_CONTAINER, &container_fd);

	switch (-rc) {
	case 0:
		return 0;
	case EBUSY:
		return lu_fail(ctx, -EBUSY,
			       "VFIO_GROUP_SET_CONTAINER of group %s: a device of the group is in use by a kernel driver (the group is not viable any more)",
			       g->num);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "VFIO_GROUP_SET_CONTAINER of group %s%s: the container refused it (its IOMMU cannot take this group, or the existing mappings touch the group's reserved IOVA regions)",
			       g->num, what);
	default:
		return lu_fail(ctx, rc, "VFIO_GROUP_SET_CONTAINER of group %s failed: %s",
			       g->num, strerror(-rc));
	}
}

void lu_group_close(struct lu_group *g, bool leave)
{
	if (leave)
		lu_ioctl(g->fd, LX_VFIO_GROUP_UNSET_CONTAINER, NULL);
	if (g->owns_fd)
		close(g->fd);
	free(g);
}

int lu_group_device_fd(struct libiommu_ctx *ctx, struct lu_group *g,
		       const char *name, const struct libiommu_dev_opts *opts)
{
	const unsigned char *u;
	char arg[256];
	int fd;

	if (LU_OPTS_GET(opts, flags, 0) & LIBIOMMU_DEV_VF_TOKEN) {
		u = opts->vf_token;
		snprintf(arg, sizeof(arg),
			 "%s vf_token=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 name, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
			 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	} else {
		snprintf(arg, sizeof(arg), "%s", name);
	}
	fd = lu_ioctl(g->fd, LX_VFIO_GROUP_GET_DEVICE_FD, arg);
	switch (-fd) {
	case ENODEV:
	case ENOENT:
		return lu_fail(ctx, -ENOENT,
			       "VFIO_GROUP_GET_DEVICE_FD: VFIO group %s has no device named \"%s\" (see /sys/kernel/iommu_groups/%s/devices)",
			       g->num, name, g->num);
	case EACCES:
		return lu_fail(ctx, -EACCES,
			       "VFIO_GROUP_GET_DEVICE_FD of %s: the device needs a VF token (it is a VF whose PF is bound to vfio-pci, or a PF with VFs in use) and none or a wrong one was given: set LIBIOMMU_DEV_VF_TOKEN",
			       name);
	case EBUSY:
		return lu_fail(ctx, -EBUSY,
			       "VFIO_GROUP_GET_DEVICE_FD of %s: the device is busy (open through its cdev, or being reset)",
			       name);
	case EADDRINUSE:
		/* iommufd compat: attaching to the IOAS checks reserved regions */
		return lu_fail(ctx, -EADDRINUSE,
			       "VFIO_GROUP_GET_DEVICE_FD of %s: a mapping of the IOAS overlaps a reserved IOVA region of the device's IOMMU (e.g. the MSI window); unmap it before opening the device",
			       name);
	default:
		if (fd < 0)
			return lu_fail(ctx, fd,
				       "VFIO_GROUP_GET_DEVICE_FD of %s in group %s failed: %s",
				       name, g->num, strerror(-fd));
		return fd;
	}
}

int lu_cdev_to_group(struct libiommu_ctx *ctx, const char *path, char *name,
		     size_t nlen, char *group, size_t glen)
{
	char p[128], base[NAME_MAX + 1];
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return lu_fail(ctx, -ENOENT,
				       "%s does not exist (VFIO device cdevs are /dev/vfio/devices/vfioN: bind the device to vfio-pci; without CONFIG_VFIO_DEVICE_CDEV use libiommu_dev_open_group())",
				       path);
		return lu_fail(ctx, -errno, "cannot stat %s: %s", path,
			       strerror(errno));
	}
	if (!S_ISCHR(sb.st_mode))
		return lu_fail(ctx, -ENOTTY,
			       "%s is not a VFIO device cdev (/dev/vfio/devices/vfioN); for a group node use libiommu_dev_open_group()",
			       path);
	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/device", major(sb.st_rdev),
		 minor(sb.st_rdev));
	rc = lu_link_base(p, base, sizeof(base));
	if (rc && rc != -ENAMETOOLONG)
		return lu_fail(ctx, -ENOTTY,
			       "%s is not a VFIO device cdev: %s does not lead to a device",
			       path, p);
	if (rc || strlen(base) >= nlen)
		return lu_fail(ctx, -ENAMETOOLONG, "device name %s is too long", base);
	memcpy(name, base, strlen(base) + 1);
	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/device/iommu_group",
		 major(sb.st_rdev), minor(sb.st_rdev));
	rc = lu_link_base(p, base, sizeof(base));
	if (rc && rc != -ENAMETOOLONG)
		return lu_fail(ctx, -ENODEV,
			       "device %s (%s) has no IOMMU group: it is not behind an IOMMU (noiommu mode is not supported)",
			       name, path);
	snprintf(group, glen, "/dev/vfio/%.15s", base);
	return 0;
}
