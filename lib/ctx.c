/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context: one iommufd file description (the seed's "ioasidfd") or, on
 * the legacy backends, one VFIO container; its log callback, its feature
 * cache and its backend.  Every other handle hangs off one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

#define LU_IOMMUFD_PATH "/dev/iommu"
#define LU_CONTAINER_PATH "/dev/vfio/vfio"
#define LU_CDEV_DIR "/dev/vfio/devices"

LIBIOMMU_API const char *libiommu_version(void)
{
	return PACKAGE_VERSION;
}

static enum libiommu_log_level lu_level_or_default(enum libiommu_log_level l)
{
	return l ? l : LIBIOMMU_LOG_WARN;
}

/*
 * Fill @ctx's logging from the caller's opts.  Done before the opts are
 * checked so that the check's own complaint reaches the caller's callback;
 * LU_OPTS_GET reads only fields inside the caller's sz, so this is safe.
 */
static void lu_ctx_init_log(struct libiommu_ctx *ctx,
			    const struct libiommu_ctx_opts *opts)
{
	ctx->log_fn = LU_OPTS_GET(opts, log_fn, NULL);
	ctx->log_userdata = LU_OPTS_GET(opts, log_userdata, NULL);
	ctx->log_level = lu_level_or_default(LU_OPTS_GET(opts, log_level, 0));
}

/*
 * Is @fd an iommufd?  Two harmless questions only an iommufd answers this
 * way: IOMMU_DESTROY with a 4-byte struct is "too small" (-EINVAL), and
 * IOMMU_DESTROY of object 0 is "no such object" (-ENOENT; ids start at 1).
 * The second tells a VFIO container (-EINVAL or -ENOTTY) from an iommufd.
 */
static int lu_check_iommufd(int fd)
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
static bool lu_is_type1_container(int fd)
{
	return lu_ioctl(fd, LX_VFIO_GET_API_VERSION, NULL) == LX_VFIO_API_VERSION &&
	       lu_ioctl(fd, LX_VFIO_CHECK_EXTENSION,
			(void *)(uintptr_t)LX_VFIO_TYPE1v2_IOMMU) > 0;
}

static const struct lu_backend_ops *lu_backend_ops(enum libiommu_backend b)
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

static int lu_open_fail(const struct libiommu_ctx *ctx, const char *path,
			enum libiommu_backend b, int err)
{
	bool legacy = b == LIBIOMMU_BACKEND_TYPE1;

	switch (err) {
	case ENOENT:
		if (legacy)
			return lu_fail(ctx, err,
				       "%s does not exist: the kernel lacks the legacy VFIO container (CONFIG_VFIO_CONTAINER, CONFIG_VFIO_IOMMU_TYPE1) or vfio is not loaded (modprobe vfio); the iommufd backends use /dev/iommu",
				       path);
		return lu_fail(ctx, err,
			       "%s does not exist: the kernel lacks CONFIG_IOMMUFD (or iommufd is not loaded: modprobe iommufd)",
			       path);
	case ENXIO:
	case ENODEV:
		return lu_fail(ctx, err,
			       "%s exists but no driver answers it (%s): %s is not loaded or the node is stale",
			       path, strerror(err), legacy ? "vfio" : "iommufd");
	case EISDIR:
		return lu_fail(ctx, err,
			       "%s is a directory: pass the %s device node, normally %s",
			       path, legacy ? "VFIO container" : "iommufd",
			       legacy ? LU_CONTAINER_PATH : LU_IOMMUFD_PATH);
	case EACCES:
	case EPERM:
		return lu_fail(ctx, err,
			       "cannot open %s: %s: read+write permission on it is needed (run as root, or grant the user access to the node, e.g. with a udev rule giving its group rw)",
			       path, strerror(err));
	default:
		return lu_fail(ctx, err, "cannot open %s: %s", path,
			       strerror(err));
	}
}

/*
 * Is @fd right for backend @b?  0, or -ENOTTY logged with what it is
 * instead.  @what names the fd in the message.
 */
static int lu_check_fd(const struct libiommu_ctx *ctx, int fd,
		       enum libiommu_backend b, const char *what)
{
	bool ifd = lu_check_iommufd(fd) == 0;

	switch (b) {
	case LIBIOMMU_BACKEND_IOMMUFD:
		if (ifd)
			return 0;
		return lu_fail(ctx, -ENOTTY,
			       "%s is not an iommufd (it does not answer iommufd ioctls): pass the iommufd device node, normally /dev/iommu%s",
			       what, lu_is_type1_container(fd) ?
			       "; it is a VFIO container: use LIBIOMMU_BACKEND_TYPE1" : "");
	case LIBIOMMU_BACKEND_TYPE1:
		if (!ifd && lu_is_type1_container(fd))
			return 0;
		return lu_fail(ctx, -ENOTTY,
			       "%s is not a VFIO container with the type1v2 IOMMU%s",
			       what, ifd ?
			       ": it is an iommufd; for the type1 ioctls on it use LIBIOMMU_BACKEND_IOMMUFD_COMPAT" :
			       " (VFIO_GET_API_VERSION / VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU) failed): pass /dev/vfio/vfio");
	case LIBIOMMU_BACKEND_IOMMUFD_COMPAT:
		if (!ifd)
			return lu_fail(ctx, -ENOTTY,
				       "%s is not an iommufd: the iommufd-compat backend runs the type1 ioctls on /dev/iommu",
				       what);
		if (!lu_is_type1_container(fd))
			return lu_fail(ctx, -EOPNOTSUPP,
				       "%s: this iommufd has no VFIO type1 compatibility (VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU) fails; the kernel needs CONFIG_IOMMUFD_VFIO_CONTAINER)",
				       what);
		return 0;
	default:
		return lu_fail(ctx, -EINVAL, "backend %d", (int)b);
	}
}

/* What an fd of unknown kind is, for LIBIOMMU_BACKEND_AUTO; 0 if neither. */
static enum libiommu_backend lu_guess_fd(int fd)
{
	if (lu_check_iommufd(fd) == 0)
		return LIBIOMMU_BACKEND_IOMMUFD;
	if (lu_is_type1_container(fd))
		return LIBIOMMU_BACKEND_TYPE1;
	return LIBIOMMU_BACKEND_AUTO;
}

/* The backend from the opts: -EINVAL (logged) when out of range. */
static int lu_opts_backend(const struct libiommu_ctx *ctx, const char *fn,
			   const struct libiommu_ctx_opts *opts)
{
	int b = (int)LU_OPTS_GET(opts, backend, LIBIOMMU_BACKEND_AUTO);

	if (b != LIBIOMMU_BACKEND_AUTO && !lu_backend_ops(b))
		return lu_fail(ctx, -EINVAL,
			       "%s: opts->backend %d is not a LIBIOMMU_BACKEND_* value",
			       fn, b);
	return b;
}

/* Allocate a context on @fd (already checked); *out set on success. */
static int lu_ctx_create(const struct libiommu_ctx *logctx, int fd,
			 bool owns_fd, enum libiommu_backend b,
			 struct libiommu_ctx **out)
{
	struct libiommu_ctx *ctx = calloc(1, sizeof(*ctx));
	int rc;

	if (!ctx)
		return lu_fail(logctx, -ENOMEM, "out of memory for a context");
	*ctx = *logctx;
	ctx->fd = fd;
	ctx->owns_fd = owns_fd;
	ctx->probed = false;
	ctx->features = 0;
	ctx->ioas_list = NULL;
	ctx->ops = lu_backend_ops(b);
	/*
	 * The backend probes now (iommufd: the feature probe), before the
	 * handle is shared: afterwards the cache is only read, so threads
	 * may query it without locking.
	 */
	rc = ctx->ops->ctx_init ? ctx->ops->ctx_init(ctx) : 0;
	if (rc) {
		free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

/* Open @path for backend @b; the fd, or -errno logged. */
static int lu_open_node(const struct libiommu_ctx *ctx, const char *path,
			enum libiommu_backend b)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return lu_open_fail(ctx, path, b, errno);
	return fd;
}

/*
 * LIBIOMMU_BACKEND_AUTO without a path: iommufd when /dev/iommu is one and
 * VFIO has device cdevs (or there is no legacy container to fall back to),
 * else the type1 container.  Returns the open fd and sets *b and *path.
 */
static int lu_open_auto(const struct libiommu_ctx *ctx,
			enum libiommu_backend *b, const char **path)
{
	bool cdevs = access(LU_CDEV_DIR, F_OK) == 0;
	bool container = access(LU_CONTAINER_PATH, F_OK) == 0;
	int fd = open(LU_IOMMUFD_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0 && lu_check_iommufd(fd) == 0 && (cdevs || !container)) {
		*b = LIBIOMMU_BACKEND_IOMMUFD;
		*path = LU_IOMMUFD_PATH;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	if (!container)
		return lu_open_node(ctx, LU_IOMMUFD_PATH, LIBIOMMU_BACKEND_IOMMUFD);
	lu_dbg(ctx, "backend auto: %s", cdevs ? "/dev/iommu is not usable" :
	       "no VFIO device cdevs (" LU_CDEV_DIR "): using the type1 container");
	*b = LIBIOMMU_BACKEND_TYPE1;
	*path = LU_CONTAINER_PATH;
	return lu_open_node(ctx, LU_CONTAINER_PATH, LIBIOMMU_BACKEND_TYPE1);
}

LIBIOMMU_API int libiommu_ctx_new(const struct libiommu_ctx_opts *opts,
				  struct libiommu_ctx **out)
{
	struct libiommu_ctx logctx = { .fd = -1 };
	enum libiommu_backend b;
	const char *path;
	int fd, rc;

	lu_ctx_init_log(&logctx, opts);
	if (!out)
		return lu_fail(&logctx, -EINVAL, "libiommu_ctx_new: out is NULL");
	*out = NULL;
	rc = LU_OPTS_CHECK(&logctx, opts, libiommu_ctx_opts);
	if (rc)
		return lu_ret(rc);
	rc = lu_opts_backend(&logctx, "libiommu_ctx_new", opts);
	if (rc < 0)
		return lu_ret(rc);
	b = (enum libiommu_backend)rc;

	path = LU_OPTS_GET(opts, path, NULL);
	if (b == LIBIOMMU_BACKEND_AUTO && !path) {
		fd = lu_open_auto(&logctx, &b, &path);
	} else {
		if (!path)
			path = b == LIBIOMMU_BACKEND_TYPE1 ? LU_CONTAINER_PATH :
							     LU_IOMMUFD_PATH;
		fd = lu_open_node(&logctx, path, b);
		if (fd >= 0 && b == LIBIOMMU_BACKEND_AUTO) {
			b = lu_guess_fd(fd);
			if (b == LIBIOMMU_BACKEND_AUTO)
				b = LIBIOMMU_BACKEND_IOMMUFD; /* for the message */
		}
	}
	if (fd < 0)
		return lu_ret(fd);

	rc = lu_check_fd(&logctx, fd, b, path);
	if (rc) {
		close(fd);
		return lu_ret(rc);
	}
	rc = lu_ctx_create(&logctx, fd, true, b, out);
	if (rc) {
		close(fd);
		return lu_ret(rc);
	}
	lu_dbg(*out, "opened %s as fd %d (%s backend)", path, fd,
	       (*out)->ops->name);
	return 0;
}

LIBIOMMU_API int libiommu_ctx_new_from_fd(int fd, enum libiommu_fd_mode mode,
					  const struct libiommu_ctx_opts *opts,
					  struct libiommu_ctx **out)
{
	struct libiommu_ctx logctx = { .fd = -1 };
	enum libiommu_backend b;
	char what[48];
	int rc;

	lu_ctx_init_log(&logctx, opts);
	if (!out)
		return lu_fail(&logctx, -EINVAL,
			       "libiommu_ctx_new_from_fd: out is NULL");
	*out = NULL;
	rc = LU_OPTS_CHECK(&logctx, opts, libiommu_ctx_opts);
	if (rc)
		return lu_ret(rc);
	rc = lu_opts_backend(&logctx, "libiommu_ctx_new_from_fd", opts);
	if (rc < 0)
		return lu_ret(rc);
	b = (enum libiommu_backend)rc;
	if (mode != LIBIOMMU_FD_BORROW && mode != LIBIOMMU_FD_OWN)
		return lu_fail(&logctx, -EINVAL,
			       "libiommu_ctx_new_from_fd: mode %d is neither LIBIOMMU_FD_BORROW nor LIBIOMMU_FD_OWN",
			       (int)mode);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return lu_fail(&logctx, -EBADF,
			       "libiommu_ctx_new_from_fd: fd %d is not an open file descriptor",
			       fd);
	if (b == LIBIOMMU_BACKEND_AUTO) {
		b = lu_guess_fd(fd);
		if (b == LIBIOMMU_BACKEND_AUTO)
			b = LIBIOMMU_BACKEND_IOMMUFD; /* for the message */
	}
	snprintf(what, sizeof(what), "libiommu_ctx_new_from_fd: fd %d", fd);
	rc = lu_check_fd(&logctx, fd, b, what);
	if (rc)
		return lu_ret(rc);
	rc = lu_ctx_create(&logctx, fd, mode == LIBIOMMU_FD_OWN, b, out);
	if (rc)
		return lu_ret(rc);
	lu_dbg(*out, "context on fd %d (%s, %s backend)", fd,
	       mode == LIBIOMMU_FD_OWN ? "owned" : "borrowed",
	       (*out)->ops->name);
	return 0;
}

LIBIOMMU_API void libiommu_ctx_free(struct libiommu_ctx *ctx)
{
	int saved_errno = errno;

	if (!ctx)
		return;
	/* Handles first: their destroy ioctls need the fd still open. */
	lu_kvm_free_all(ctx);	/* KVM lets go of the devices' files */
	lu_dev_free_all(ctx);	/* devices detach from HWPTs and IOASes */
	lu_hwpt_free_all(ctx);	/* HWPTs hold their IOAS */
	lu_ioas_free_all(ctx);
	if (ctx->ops->ctx_fini)
		ctx->ops->ctx_fini(ctx);
	if (ctx->owns_fd)
		close(ctx->fd);
	free(ctx);
	errno = saved_errno;
}

LIBIOMMU_API int libiommu_ctx_fd(const struct libiommu_ctx *ctx)
{
	if (!ctx)
		return lu_ret(-EINVAL);
	return ctx->fd;
}

LIBIOMMU_API int libiommu_ctx_backend(const struct libiommu_ctx *ctx)
{
	if (!ctx)
		return lu_ret(-EINVAL);
	return (int)ctx->ops->kind;
}

LIBIOMMU_API void libiommu_ctx_set_log(struct libiommu_ctx *ctx,
				       libiommu_log_fn fn, void *userdata,
				       enum libiommu_log_level max_level)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_userdata = userdata;
	ctx->log_level = lu_level_or_default(max_level);
}

static int lu_option_rlimit(struct libiommu_ctx *ctx, uint16_t op,
			    uint64_t *val)
{
	struct lx_iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = LX_IOMMU_OPTION_RLIMIT_MODE,
		.op = op,
		.object_id = 0,
		.val64 = *val,
	};
	int rc = lu_ioctl(ctx->fd, LX_IOMMU_OPTION, &cmd);

	if (rc == 0)
		*val = cmd.val64;
	return rc;
}

LIBIOMMU_API int libiommu_ctx_set_memlock_mode(struct libiommu_ctx *ctx,
					       enum libiommu_memlock_mode mode)
{
	uint64_t val = (uint64_t)mode;
	int rc;

	if (!ctx)
		return lu_ret(-EINVAL);
	if (mode != LIBIOMMU_MEMLOCK_USER && mode != LIBIOMMU_MEMLOCK_MM)
		return lu_fail(ctx, -EINVAL,
			       "libiommu_ctx_set_memlock_mode: mode %d is neither LIBIOMMU_MEMLOCK_USER nor LIBIOMMU_MEMLOCK_MM",
			       (int)mode);
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_OPTION_RLIMIT_MODE,
			     "setting the memlock accounting mode");
	if (rc)
		return rc;
	rc = lu_option_rlimit(ctx, LX_IOMMU_OPTION_OP_SET, &val);
	switch (rc) {
	case 0:
		return 0;
	case -EPERM:
		return lu_fail(ctx, rc,
			       "setting the memlock accounting mode needs CAP_SYS_RESOURCE: run as root or grant the process that capability");
	case -EBUSY:
		return lu_fail(ctx, rc,
			       "the memlock accounting mode can only be set before any object (IOAS, device, HWPT) exists on the iommufd: set it right after creating the context");
	default:
		return lu_fail(ctx, rc,
			       "IOMMU_OPTION(RLIMIT_MODE) set to %d failed: %s",
			       (int)mode, strerror(-rc));
	}
}

LIBIOMMU_API int libiommu_ctx_get_memlock_mode(struct libiommu_ctx *ctx,
					       enum libiommu_memlock_mode *mode)
{
	uint64_t val = 0;
	int rc;

	if (!ctx)
		return lu_ret(-EINVAL);
	if (!mode)
		return lu_fail(ctx, -EINVAL,
			       "libiommu_ctx_get_memlock_mode: mode is NULL");
	rc = lu_need_feature(ctx, LIBIOMMU_FEAT_OPTION_RLIMIT_MODE,
			     "reading the memlock accounting mode");
	if (rc)
		return rc;
	rc = lu_option_rlimit(ctx, LX_IOMMU_OPTION_OP_GET, &val);
	if (rc)
		return lu_fail(ctx, rc, "IOMMU_OPTION(RLIMIT_MODE) get failed: %s",
			       strerror(-rc));
	*mode = val ? LIBIOMMU_MEMLOCK_MM : LIBIOMMU_MEMLOCK_USER;
	return 0;
}
