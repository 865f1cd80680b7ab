/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context: one iommufd file description (the seed's "ioasidfd"), its
 * log callback and its feature cache.  Every other handle hangs off one.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "uapi/iommufd.h"

#define LU_DEFAULT_PATH "/dev/iommu"

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

static int lu_open_fail(const struct libiommu_ctx *ctx, const char *path,
			int err)
{
	switch (err) {
	case ENOENT:
		return lu_fail(ctx, err,
			       "%s does not exist: the kernel lacks CONFIG_IOMMUFD (or iommufd is not loaded: modprobe iommufd)",
			       path);
	case ENXIO:
	case ENODEV:
		return lu_fail(ctx, err,
			       "%s exists but no driver answers it (%s): iommufd is not loaded (modprobe iommufd) or the node is stale",
			       path, strerror(err));
	case EISDIR:
		return lu_fail(ctx, err,
			       "%s is a directory: pass the iommufd device node, normally /dev/iommu",
			       path);
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

/* Allocate a context on @fd (already checked); *out set on success. */
static int lu_ctx_create(const struct libiommu_ctx *logctx, int fd,
			 bool owns_fd, struct libiommu_ctx **out)
{
	struct libiommu_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return lu_fail(logctx, -ENOMEM, "out of memory for a context");
	*ctx = *logctx;
	ctx->fd = fd;
	ctx->owns_fd = owns_fd;
	ctx->probed = false;
	ctx->features = 0;
	ctx->ioas_list = NULL;
	/*
	 * Probe now, before the handle is shared: afterwards the feature
	 * cache is only read, so threads may query it without locking.
	 */
	lu_probe(ctx);
	*out = ctx;
	return 0;
}

LIBIOMMU_API int libiommu_ctx_new(const struct libiommu_ctx_opts *opts,
				  struct libiommu_ctx **out)
{
	struct libiommu_ctx logctx = { .fd = -1 };
	const char *path;
	int fd, rc;

	lu_ctx_init_log(&logctx, opts);
	if (!out)
		return lu_fail(&logctx, -EINVAL, "libiommu_ctx_new: out is NULL");
	*out = NULL;
	rc = LU_OPTS_CHECK(&logctx, opts, libiommu_ctx_opts);
	if (rc)
		return lu_ret(rc);

	path = LU_OPTS_GET(opts, path, NULL);
	if (!path)
		path = LU_DEFAULT_PATH;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return lu_open_fail(&logctx, path, errno);

	rc = lu_check_iommufd(fd);
	if (rc) {
		close(fd);
		return lu_fail(&logctx, -ENOTTY,
			       "%s is not an iommufd (it does not answer iommufd ioctls): pass the iommufd device node, normally /dev/iommu",
			       path);
	}
	rc = lu_ctx_create(&logctx, fd, true, out);
	if (rc) {
		close(fd);
		return lu_ret(rc);
	}
	lu_dbg(*out, "opened %s as fd %d", path, fd);
	return 0;
}

LIBIOMMU_API int libiommu_ctx_new_from_fd(int fd, enum libiommu_fd_mode mode,
					  const struct libiommu_ctx_opts *opts,
					  struct libiommu_ctx **out)
{
	struct libiommu_ctx logctx = { .fd = -1 };
	int rc;

	lu_ctx_init_log(&logctx, opts);
	if (!out)
		return lu_fail(&logctx, -EINVAL,
			       "libiommu_ctx_new_from_fd: out is NULL");
	*out = NULL;
	rc = LU_OPTS_CHECK(&logctx, opts, libiommu_ctx_opts);
	if (rc)
		return lu_ret(rc);
	if (mode != LIBIOMMU_FD_BORROW && mode != LIBIOMMU_FD_OWN)
		return lu_fail(&logctx, -EINVAL,
			       "libiommu_ctx_new_from_fd: mode %d is neither LIBIOMMU_FD_BORROW nor LIBIOMMU_FD_OWN",
			       (int)mode);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return lu_fail(&logctx, -EBADF,
			       "libiommu_ctx_new_from_fd: fd %d is not an open file descriptor",
			       fd);
	if (lu_check_iommufd(fd))
		return lu_fail(&logctx, -ENOTTY,
			       "libiommu_ctx_new_from_fd: fd %d is not an iommufd (it does not answer iommufd ioctls): pass an fd opened on /dev/iommu",
			       fd);
	rc = lu_ctx_create(&logctx, fd, mode == LIBIOMMU_FD_OWN, out);
	if (rc)
		return lu_ret(rc);
	lu_dbg(*out, "context on fd %d (%s)", fd,
	       mode == LIBIOMMU_FD_OWN ? "owned" : "borrowed");
	return 0;
}

LIBIOMMU_API void libiommu_ctx_free(struct libiommu_ctx *ctx)
{
	int saved_errno = errno;

	if (!ctx)
		return;
	/* Handles first: their destroy ioctls need the fd still open. */
	lu_dev_free_all(ctx);	/* devices detach from HWPTs and IOASes */
	lu_hwpt_free_all(ctx);	/* HWPTs hold their IOAS */
	lu_ioas_free_all(ctx);
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
