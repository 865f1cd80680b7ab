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
static const char *driver_of(const char *name, char *buf, size_t len)
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
			       what, *name ? driver_of(name, buf, sizeof(buf)) : " (it does not answer iommufd ioctls)",
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
				       what, driver_of(name, buf, sizeof(buf)));
		return lu_fail(ctx, -ENOTTY,
			       "%s is not a VFIO container with the type1v2 IOMMU (VFIO_GET_API_VERSION / VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU) failed): pass /dev/vfio/vfio",
			       what);
	case LIBIOMMU_BACKEND_IOMMUFD_COMPAT:
		if (!ifd)
			return lu_fail(ctx, -ENOTTY,
				       "%s is not an iommufd%s: the iommufd-compat backend runs the type1 ioctls on /dev/iommu",
				       what, driver_of(name, buf, sizeof(buf)));
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
	int fd;

	do {
		fd = open(path, O_RDWR | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return open_fail(ctx, path, b, errno);
	return fd;
}

/* ---- LIBIOMMU_BACKEND_AUTO ------------------------------------------------ */

/*
 * Does VFIO have device cdevs (CONFIG_VFIO_DEVICE_CDEV)?  1 or 0, or
 * -errno when it cannot be told.  VFIO registers the cdevs' character
 * major as "vfio-dev" when it has them, before any device is bound, so
 * /proc/devices answers also on a host whose devices come later (an
 * empty /dev/vfio/devices says nothing then).  Without procfs, a cdev
 * node that exists still tells.
 */
static int vfio_has_cdevs(void)
{
	char line[128], name[64];
	int found = 0, err = 0, major;
	FILE *f = fopen("/proc/devices", "re");

	if (!f) {
		if (errno != ENOENT)
			return -errno;
		if (access(LU_CDEV_DIR, F_OK) == 0)
			return 1;
		return errno == ENOENT ? 0 : -errno;
	}
	errno = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %63s", &major, name) == 2 &&
		    strcmp(name, "vfio-dev") == 0)
			found = 1;
	if (ferror(f))
		err = errno ? errno : EIO;
	fclose(f);
	return err ? -err : found;
}

/* Does open()'s @err say that there is no iommufd here? */
static bool iommufd_absent(int err)
{
	/* no node; a node no driver answers (module not loaded, stale) */
	return err == ENOENT || err == ENODEV || err == ENXIO;
}

/* Does it say that this process may not use it (a choice, not a fault)? */
static bool iommufd_not_allowed(int err)
{
	return err == EACCES || err == EPERM;
}

void lu_backend_auto(const struct lu_auto_facts *f, struct lu_auto *out)
{
	const size_t len = sizeof(out->why);

	out->backend = LIBIOMMU_BACKEND_AUTO;
	out->err = 0;
	if (f->iommufd == 0) {
		if (f->cdevs > 0) {
			out->backend = LIBIOMMU_BACKEND_IOMMUFD;
			snprintf(out->why, len, "%s is an iommufd and VFIO has device cdevs",
				 LU_IOMMUFD_PATH);
		} else if (f->cdevs < 0) {
			out->err = f->cdevs;
			snprintf(out->why, len,
				 "cannot tell whether VFIO has device cdevs (reading /proc/devices: %s); LIBIOMMU_BACKEND_AUTO does not guess: retry, or ask for a backend",
				 strerror(-f->cdevs));
		} else if (f->container == 0) {
			out->backend = LIBIOMMU_BACKEND_TYPE1;
			snprintf(out->why, len,
				 "VFIO has no device cdevs (a kernel without CONFIG_VFIO_DEVICE_CDEV): devices are reached through their VFIO groups, on the container %s",
				 LU_CONTAINER_PATH);
		} else if (f->container == ENOENT) {
			out->backend = LIBIOMMU_BACKEND_IOMMUFD;
			snprintf(out->why, len,
				 "%s is an iommufd; VFIO has no device cdevs, and there is no VFIO container either",
				 LU_IOMMUFD_PATH);
		} else {
			out->err = -f->container;
			snprintf(out->why, len,
				 "VFIO has no device cdevs, and whether the VFIO container %s exists cannot be told (%s); LIBIOMMU_BACKEND_AUTO does not guess: retry, or ask for a backend",
				 LU_CONTAINER_PATH, strerror(f->container));
		}
		return;
	}
	if (iommufd_absent(f->iommufd) || iommufd_not_allowed(f->iommufd)) {
		bool absent = iommufd_absent(f->iommufd);

		if (f->container == 0) {
			out->backend = LIBIOMMU_BACKEND_TYPE1;
			snprintf(out->why, len,
				 absent ? "%s: %s (no iommufd: a kernel without CONFIG_IOMMUFD, or iommufd not loaded): using the VFIO container %s" : "%s: %s (this process may not use iommufd): using the VFIO container %s; to use iommufd, give it read+write permission on /dev/iommu (or ask for LIBIOMMU_BACKEND_IOMMUFD to be told why not)",
				 LU_IOMMUFD_PATH, strerror(f->iommufd),
				 LU_CONTAINER_PATH);
			return;
		}
		/* No container either: the iommufd's error is the answer. */
		out->err = -f->iommufd;
		snprintf(out->why, len, "%s", "");
		return;
	}
	out->err = -f->iommufd;
	snprintf(out->why, len,
		 "cannot open %s: %s; LIBIOMMU_BACKEND_AUTO takes the type1 container only when iommufd is absent or not allowed, never on this error: retry, or ask for a backend",
		 LU_IOMMUFD_PATH, strerror(f->iommufd));
}

/*
 * LIBIOMMU_BACKEND_AUTO without a path: see lu_backend_auto() for the
 * rule; the choice and its reason are logged at INFO.  Returns the open
 * fd, checked for the backend, and sets *b and *path.
 */
static int open_auto(const struct libiommu_ctx *ctx, enum libiommu_backend *b,
		     const char **path)
{
	struct lu_auto_facts f = { 0 };
	struct lu_auto a;
	char name[64];
	int fd;

	do {
		fd = open(LU_IOMMUFD_PATH, O_RDWR | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	f.iommufd = fd < 0 ? errno : 0;
	if (fd >= 0) {
		/* A /dev/iommu that is something else is an error, not absent. */
		node_name(fd, name, sizeof(name));
		if (!is_iommufd(fd, name)) {
			int rc = check_fd(ctx, fd, LIBIOMMU_BACKEND_IOMMUFD,
					  LU_IOMMUFD_PATH);

			close(fd);
			return rc;
		}
		f.cdevs = vfio_has_cdevs();
	}
	if (access(LU_CONTAINER_PATH, F_OK))
		f.container = errno;
	lu_backend_auto(&f, &a);
	if (a.backend == LIBIOMMU_BACKEND_IOMMUFD) {
		lu_info(ctx, "backend auto: iommufd: %s", a.why);
		*b = LIBIOMMU_BACKEND_IOMMUFD;
		*path = LU_IOMMUFD_PATH;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	if (a.backend == LIBIOMMU_BACKEND_TYPE1) {
		lu_info(ctx, "backend auto: type1: %s", a.why);
		*b = LIBIOMMU_BACKEND_TYPE1;
		*path = LU_CONTAINER_PATH;
		return open_node(ctx, LU_CONTAINER_PATH, LIBIOMMU_BACKEND_TYPE1);
	}
	if (!*a.why)
		return open_fail(ctx, LU_IOMMUFD_PATH, LIBIOMMU_BACKEND_IOMMUFD,
				 -a.err);
	return lu_fail(ctx, a.err, "libiommu_ctx_new: %s", a.why);
}

int lu_backend_open(const struct libiommu_ctx *logctx, const char *path,
		    enum libiommu_backend b, const struct lu_backend_ops **ops)
{
	bool checked = false;
	int fd, rc;

	if (b == LIBIOMMU_BACKEND_AUTO && !path) {
		fd = open_auto(logctx, &b, &path);
		checked = b == LIBIOMMU_BACKEND_IOMMUFD;
	} else {
		if (!path)
			path = b == LIBIOMMU_BACKEND_TYPE1 ? LU_CONTAINER_PATH : LU_IOMMUFD_PATH;
		fd = open_node(logctx, path, b);
		if (fd >= 0 && b == LIBIOMMU_BACKEND_AUTO) {
			b = guess_fd(fd);
			checked = b != LIBIOMMU_BACKEND_AUTO;
			if (!checked)
				b = LIBIOMMU_BACKEND_IOMMUFD; /* for the message */
		}
	}
	if (fd < 0)
		return fd;
	rc = checked ? 0 : check_fd(logctx, fd, b, path);
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
	int rc = 0;

	if (b == LIBIOMMU_BACKEND_AUTO) {
		b = guess_fd(fd);
		/* what it was taken for is what it is: checked */
		if (b == LIBIOMMU_BACKEND_AUTO)
			rc = check_fd(logctx, fd, LIBIOMMU_BACKEND_IOMMUFD, what);
	} else {
		rc = check_fd(logctx, fd, b, what);
	}
	if (rc)
		return rc;
	*ops = lu_backend_ops(b);
	return 0;
}
