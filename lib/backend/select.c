// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Choosing a backend: which kernel interface a node or an fd is, and the
 * AUTO rule (see backend.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "backend/backend.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"
#include "util/sysfs.h"

#define LU_IOMMUFD_PATH "/dev/iommu"
#define LU_CONTAINER_PATH "/dev/vfio/vfio"
#define LU_CDEV_DIR "/dev/vfio/devices"

const struct lu_backend_ops *lu_backend_ops(enum libiommu_backend b)
{
	switch (b) {
	case LIBIOMMU_BACKEND_IOMMUFD:
		return &lu_backend_iommufd;
	case LIBIOMMU_BACKEND_TYPE1:
		return &lu_backend_type1;
	case LIBIOMMU_BACKEND_IOMMUFD_COMPAT:
		return &lu_backend_compat;
	default:
		return NULL;
	}
}

/* ---- what an fd is ---------------------------------------------------------- */

/*
 * What an fd is, learnt without an ioctl where sysfs can tell: the misc
 * character devices are named there (/sys/dev/char/10:N leads to
 * .../misc/iommu for the iommufd, .../misc/vfio for the VFIO container),
 * so that opening a context issues no ioctl a seccomp filter would have
 * to allow.  Without sysfs (or for anything but a character device) the
 * library asks the fd with harmless ioctls, as below.
 */
#define LU_IOMMUFD_NAME "iommu"
#define LU_CONTAINER_NAME "vfio"

/* The sysfs name of the character device @fd into @name; "" when unknown. */
static void node_name(int fd, char *name, size_t len)
{
	if (lu_chr_names(fd, name, len, NULL, 0))
		name[0] = '\0';
}

/*
 * Is @fd an iommufd?  Two harmless questions only an iommufd answers this
 * way: IOMMU_DESTROY with a 4-byte struct is "too small" (-EINVAL), and
 * IOMMU_DESTROY of object 0 is "no such object" (-ENOENT; ids start at 1).
 * The second tells a VFIO container (-EINVAL or -ENOTTY) from an iommufd.
 */
static int check_iommufd(int fd)
{
	struct lx_iommu_destroy cmd = { .size = 4, .id = 0 };
	int rc;

	rc = lu_ioctl(fd, LX_IOMMU_DESTROY, &cmd);
	if (rc != -EINVAL)
		return rc < 0 ? rc : -ENOTTY;
	cmd.size = sizeof(cmd);
	rc = lu_ioctl(fd, LX_IOMMU_DESTROY, &cmd);
	return rc == -ENOENT ? 0 : -ENOTTY;
}

/* Does @fd answer the VFIO container API with the type1v2 IOMMU? */
static bool is_type1_container(int fd)
{
	return lu_ioctl(fd, LX_VFIO_GET_API_VERSION, NULL) == LX_VFIO_API_VERSION &&
	       lu_ioctl(fd, LX_VFIO_CHECK_EXTENSION,
			(void *)(uintptr_t)LX_VFIO_TYPE1v2_IOMMU) > 0;
}

/*
 * Is @fd an iommufd: by its sysfs @name when known ("" when not), else by
 * asking it.
 */
static bool is_iommufd(int fd, const char *name)
{
	if (*name)
		return strcmp(name, LU_IOMMUFD_NAME) == 0;
	return check_iommufd(fd) == 0;
}

/* What an fd of unknown kind is, for LIBIOMMU_BACKEND_AUTO; AUTO if neither. */
static enum libiommu_backend guess_fd(int fd)
{
	char name[64];

	node_name(fd, name, sizeof(name));
	if (is_iommufd(fd, name))
		return LIBIOMMU_BACKEND_IOMMUFD;
	if ((!*name || strcmp(name, LU_CONTAINER_NAME) == 0) &&
	    is_type1_container(fd))
		return LIBIOMMU_BACKEND_TYPE1;
	return LIBIOMMU_BACKEND_AUTO;
}

/* " (it is the character device \"NAME\")", or "" when unknown. */
static const char *which(const char *name, char *buf, size_t len)
{
	if (!*name)
		return "";
	snprintf(buf, len, " (it is the character device \"%s\")", name);
	return buf;
}

/*
 * Is @fd right for backend @b?  0, or -ENOTTY logged with what it is
 * instead.  @what names the fd in the message.  An iommufd that sysfs
 * names is taken without an ioctl.
 */
static int check_fd(const struct libiommu_ctx *ctx, int fd,
		    enum libiommu_backend b, const char *what)
{
	char name[64], buf[96];
	bool ifd, container;

	node_name(fd, name, sizeof(name));
	ifd = is_iommufd(fd, name);
	container = !strcmp(name, LU_CONTAINER_NAME);
	switch (b) {
	case LIBIOMMU_BACKEND_IOMMUFD:
		if (ifd)
			return 0;
		return lu_fail(ctx, -ENOTTY,
			       "%s is not an iommufd%s: pass the iommufd device node, normally /dev/iommu%s",
			       what, *name ? which(name, buf, sizeof(buf)) : " (it does not answer iommufd ioctls)",
			       container ? "; it is the VFIO container: use LIBIOMMU_BACKEND_TYPE1" : "");
	case LIBIOMMU_BACKEND_TYPE1:
		if (!ifd && (container || !*name) && is_type1_container(fd))
			return 0;
		if (ifd)
			return lu_fail(ctx, -ENOTTY,
				       "%s is not a VFIO container with the type1v2 IOMMU: it is an iommufd; for the type1 ioctls on it use LIBIOMMU_BACKEND_IOMMUFD_COMPAT",
				       what);
		if (*name && !container)
			return lu_fail(ctx, -ENOTTY,
				       "%s is not a VFIO container%s: pass /dev/vfio/vfio",
				       what, which(name, buf, sizeof(buf)));
		return lu_fail(ctx, -ENOTTY,
			       "%s is not a VFIO container with the type1v2 IOMMU (VFIO_GET_API_VERSION / VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU) failed): pass /dev/vfio/vfio",
			       what);
	case LIBIOMMU_BACKEND_IOMMUFD_COMPAT:
		if (!ifd)
			return lu_fail(ctx, -ENOTTY,
				       "%s is not an iommufd%s: the iommufd-compat backend runs the type1 ioctls on /dev/iommu",
				       what, which(name, buf, sizeof(buf)));
		if (!is_type1_container(fd))
			return lu_fail(ctx, -EOPNOTSUPP,
				       "%s: this iommufd has no VFIO type1 compatibility (VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU) fails; the kernel needs CONFIG_IOMMUFD_VFIO_CONTAINER)",
				       what);
		return 0;
	default:
		return lu_fail(ctx, -EINVAL, "backend %d", (int)b);
	}
}

/* ---- opening a node ------------------------------------------------------- */

static int open_fail(const struct libiommu_ctx *ctx, const char *path,
		     enum libiommu_backend b, int err)
{
	bool legacy = b == LIBIOMMU_BACKEND_TYPE1;

	switch (err) {
	case ENOENT:
		if (legacy)
			return lu_fail(ctx, -err,
				       "%s does not exist: the kernel lacks the legacy VFIO container (CONFIG_VFIO_CONTAINER, CONFIG_VFIO_IOMMU_TYPE1) or vfio is not loaded (modprobe vfio); the iommufd backends use /dev/iommu",
				       path);
		return lu_fail(ctx, -err,
			       "%s does not exist: the kernel lacks CONFIG_IOMMUFD (or iommufd is not loaded: modprobe iommufd)",
			       path);
	case ENXIO:
	case ENODEV:
		return lu_fail(ctx, -err,
			       "%s exists but no driver answers it (%s): %s is not loaded or the node is stale",
			       path, strerror(err), legacy ? "vfio" : "iommufd");
	case EISDIR:
		return lu_fail(ctx, -err,
			       "%s is a directory: pass the %s device node, normally %s",
			       path, legacy ? "VFIO container" : "iommufd",
			       legacy ? LU_CONTAINER_PATH : LU_IOMMUFD_PATH);
	case EACCES:
	case EPERM:
		return lu_fail(ctx, -err,
			       "cannot open %s: %s: read+write permission on it is needed (run as root, or grant the user access to the node, e.g. with a udev rule giving its group rw)",
			       path, strerror(err));
	default:
		return lu_fail(ctx, -err, "cannot open %s: %s", path,
			       strerror(err));
	}
}

/* Open @path for backend @b; the fd, or -errno logged. */
static int open_node(const struct libiommu_ctx *ctx, const char *path,
		     enum libiommu_backend b)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return open_fail(ctx, path, b, errno);
	return fd;
}

/*
 * LIBIOMMU_BACKEND_AUTO without a path: iommufd when /dev/iommu is one and
 * VFIO has device cdevs (or there is no legacy container to fall back to),
 * else the type1 container.  Returns the open fd and sets *b and *path.
 */
static int open_auto(const struct libiommu_ctx *ctx, enum libiommu_backend *b,
		     const char **path)
{
	bool cdevs = access(LU_CDEV_DIR, F_OK) == 0;
	bool container = access(LU_CONTAINER_PATH, F_OK) == 0;
	int fd = open(LU_IOMMUFD_PATH, O_RDWR | O_CLOEXEC);
	char name[64];

	if (fd >= 0)
		node_name(fd, name, sizeof(name));
	if (fd >= 0 && is_iommufd(fd, name) && (cdevs || !container)) {
		*b = LIBIOMMU_BACKEND_IOMMUFD;
		*path = LU_IOMMUFD_PATH;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	if (!container)
		return open_node(ctx, LU_IOMMUFD_PATH, LIBIOMMU_BACKEND_IOMMUFD);
	lu_dbg(ctx, "backend auto: %s", cdevs ? "/dev/iommu is not usable" : "no VFIO device cdevs (" LU_CDEV_DIR "): using the type1 container");
	*b = LIBIOMMU_BACKEND_TYPE1;
	*path = LU_CONTAINER_PATH;
	return open_node(ctx, LU_CONTAINER_PATH, LIBIOMMU_BACKEND_TYPE1);
}

int lu_backend_open(const struct libiommu_ctx *logctx, const char *path,
		    enum libiommu_backend b, const struct lu_backend_ops **ops)
{
	int fd, rc;

	if (b == LIBIOMMU_BACKEND_AUTO && !path) {
		fd = open_auto(logctx, &b, &path);
	} else {
		if (!path)
			path = b == LIBIOMMU_BACKEND_TYPE1 ? LU_CONTAINER_PATH : LU_IOMMUFD_PATH;
		fd = open_node(logctx, path, b);
		if (fd >= 0 && b == LIBIOMMU_BACKEND_AUTO) {
			b = guess_fd(fd);
			if (b == LIBIOMMU_BACKEND_AUTO)
				b = LIBIOMMU_BACKEND_IOMMUFD; /* for the message */
		}
	}
	if (fd < 0)
		return fd;
	rc = check_fd(logctx, fd, b, path);
	if (rc) {
		close(fd);
		return rc;
	}
	*ops = lu_backend_ops(b);
	lu_dbg(logctx, "opened %s as fd %d (%s backend)", path, fd,
	       (*ops)->name);
	return fd;
}

int lu_backend_adopt_fd(const struct libiommu_ctx *logctx, int fd,
			enum libiommu_backend b, const char *what,
			const struct lu_backend_ops **ops)
{
	int rc;

	if (b == LIBIOMMU_BACKEND_AUTO) {
		b = guess_fd(fd);
		if (b == LIBIOMMU_BACKEND_AUTO)
			b = LIBIOMMU_BACKEND_IOMMUFD; /* for the message */
	}
	rc = check_fd(logctx, fd, b, what);
	if (rc)
		return rc;
	*ops = lu_backend_ops(b);
	return 0;
}
