/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context: one iommufd file description (the /dev/ioasid RFC's
 * "ioasidfd") or, on the legacy backends, one VFIO container; its log
 * callback, its feature cache and its backend.  Every other handle hangs
 * off one, and is freed with it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/backend.h"

LIBIOMMU_API const char *libiommu_version(void)
{
	return PACKAGE_VERSION;
}

static enum libiommu_log_level level_or_default(enum libiommu_log_level l)
{
	return l ? l : LIBIOMMU_LOG_WARN;
}

/*
 * Fill @ctx's logging from the caller's opts.  Done before the opts are
 * checked so that the check's own complaint reaches the caller's callback;
 * LU_OPTS_GET reads only fields inside the caller's sz, so this is safe.
 */
static void init_log(struct libiommu_ctx *ctx,
		     const struct libiommu_ctx_opts *opts)
{
	ctx->fd = -1;
	ctx->log.fn = LU_OPTS_GET(opts, log_fn, NULL);
	ctx->log.userdata = LU_OPTS_GET(opts, log_userdata, NULL);
	ctx->log.level = level_or_default(LU_OPTS_GET(opts, log_level, 0));
}

/* The backend from the opts: -EINVAL (logged) when out of range. */
static int opts_backend(const struct libiommu_ctx *ctx, const char *fn,
			const struct libiommu_ctx_opts *opts)
{
	int b = (int)LU_OPTS_GET(opts, backend, LIBIOMMU_BACKEND_AUTO);

	if (b != LIBIOMMU_BACKEND_AUTO && !lu_backend_ops(b))
		return lu_fail(ctx, -EINVAL,
			       "%s: opts->backend %d is not a LIBIOMMU_BACKEND_* value",
			       fn, b);
	return b;
}

/* The checks both constructors start with; the backend asked for, or -errno. */
static int check_new(struct libiommu_ctx *logctx, const char *fn,
		     const struct libiommu_ctx_opts *opts,
		     struct libiommu_ctx **out)
{
	int rc;

	init_log(logctx, opts);
	if (!out)
		return lu_fail(logctx, -EINVAL, "%s: out is NULL", fn);
	*out = NULL;
	rc = LU_OPTS_CHECK(logctx, opts, libiommu_ctx_opts, backend);
	if (rc)
		return rc;
	return opts_backend(logctx, fn, opts);
}

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18 /* Linux 4.14 */
#endif

/*
 * Mark @ctx as this process's: a word that a child's copy of the page
 * reads as 0 (MADV_WIPEONFORK), so that a child is told apart from its
 * parent by one load, even when it gets a pid its parent had.  A kernel
 * without the advice leaves @owner NULL: lu_foreign() compares pids.
 */
static void owner_init(struct libiommu_ctx *ctx)
{
	size_t len = lu_page_size();
	int *w;

	ctx->pid = getpid();
	w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (w == MAP_FAILED) {
		lu_dbg(ctx, "no page for the fork check (mmap: %s): process %d is told apart from its children by pid",
		       strerror(errno), (int)ctx->pid);
		return;
	}
	if (madvise(w, len, MADV_WIPEONFORK)) {
		lu_dbg(ctx, "madvise(MADV_WIPEONFORK): %s: process %d is told apart from its children by pid",
		       strerror(errno), (int)ctx->pid);
		munmap(w, len);
		return;
	}
	*w = 1;
	ctx->owner = w;
}

static void owner_fini(struct libiommu_ctx *ctx)
{
	if (ctx->owner)
		munmap((void *)ctx->owner, lu_page_size());
	ctx->owner = NULL;
}

int lu_fail_foreign(const struct libiommu_ctx *ctx, const char *fn)
{
	return lu_fail(ctx, -ECHILD,
		       "%s: the context was created in process %d, this is process %d: a process does not change the IOMMU state it shares with the process that made the context (its devices, IOAS, HWPTs and KVM files), so nothing was done; free the handles here (that releases only this process's memory and its copies of the descriptors) and create a context of its own",
		       fn, (int)ctx->pid, (int)getpid());
}

int lu_ctx_create(const struct libiommu_ctx *logctx, int fd, bool owns_fd,
		  const struct lu_backend_ops *ops, struct libiommu_ctx **out)
{
	struct libiommu_ctx *ctx = calloc(1, sizeof(*ctx));
	pthread_mutexattr_t attr;
	int rc;

	if (!ctx)
		return lu_fail(logctx, -ENOMEM, "out of memory for a context");
	ctx->log = logctx->log;
	ctx->fd = fd;
	ctx->owns_fd = owns_fd;
	ctx->memlock_mode = owns_fd ? LIBIOMMU_MEMLOCK_USER : -1;
	ctx->ops = ops;
	ctx->page_mask = lu_page_size() - 1;
	owner_init(ctx);
	pthread_mutexattr_init(&attr);
	/* recursive: a report holds it while it reports on each device */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&ctx->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	lu_list_init(&ctx->ioas_list);
	lu_list_init(&ctx->hwpt_list);
	lu_list_init(&ctx->dev_list);
	lu_list_init(&ctx->kvm_list);
	rc = ops->ctx_init ? ops->ctx_init(ctx) : 0;
	if (rc) {
		pthread_mutex_destroy(&ctx->lock);
		owner_fini(ctx);
		free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

LIBIOMMU_API int libiommu_ctx_new(const struct libiommu_ctx_opts *opts,
				  struct libiommu_ctx **out)
{
	const struct lu_backend_ops *ops;
	struct libiommu_ctx logctx = { 0 };
	int fd, rc;

	rc = check_new(&logctx, __func__, opts, out);
	if (rc < 0)
		return rc;
	fd = lu_backend_open(&logctx, LU_OPTS_GET(opts, path, NULL),
			     (enum libiommu_backend)rc, &ops);
	if (fd < 0)
		return fd;
	rc = lu_ctx_create(&logctx, fd, true, ops, out);
	if (rc) {
		close(fd);
		return rc;
	}
	return 0;
}

LIBIOMMU_API int libiommu_ctx_new_from_fd(int fd, enum libiommu_fd_mode mode,
					  const struct libiommu_ctx_opts *opts,
					  struct libiommu_ctx **out)
{
	const struct lu_backend_ops *ops;
	struct libiommu_ctx logctx = { 0 };
	char what[48];
	int rc;

	rc = check_new(&logctx, __func__, opts, out);
	if (rc < 0)
		return rc;
	if (mode != LIBIOMMU_FD_BORROW && mode != LIBIOMMU_FD_OWN)
		return lu_fail(&logctx, -EINVAL,
			       "%s: mode %d is neither LIBIOMMU_FD_BORROW nor LIBIOMMU_FD_OWN",
			       __func__, (int)mode);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return lu_fail(&logctx, -EBADF,
			       "%s: fd %d is not an open file descriptor",
			       __func__, fd);
	snprintf(what, sizeof(what), "%s: fd %d", __func__, fd);
	rc = lu_backend_adopt_fd(&logctx, fd, (enum libiommu_backend)rc, what,
				 &ops);
	if (rc)
		return rc;
	rc = lu_ctx_create(&logctx, fd, mode == LIBIOMMU_FD_OWN, ops, out);
	if (rc)
		return rc;
	lu_dbg(*out, "context on fd %d (%s, %s backend)", fd,
	       mode == LIBIOMMU_FD_OWN ? "owned" : "borrowed", ops->name);
	return 0;
}

LIBIOMMU_API void libiommu_ctx_free(struct libiommu_ctx *ctx)
{
	int saved_errno = errno;
	bool foreign;

	if (!ctx)
		return;
	/*
	 * In a child the lock may be held by a thread of the parent, which
	 * does not exist here: a foreign free takes no lock (and makes no
	 * kernel call: lu_foreign()).
	 */
	foreign = lu_foreign(ctx);
	if (foreign)
		lu_dbg(ctx, "%s: context of process %d freed in process %d: its memory and this process's descriptors only",
		       __func__, (int)ctx->pid, (int)getpid());
	else
		lu_lock(ctx);
	/* Handles first: their destroy ioctls need the fd still open. */
	lu_kvm_free_all(ctx);  /* KVM lets go of the devices' files */
	lu_dev_free_all(ctx);  /* devices detach from HWPTs and IOASes */
	lu_hwpt_free_all(ctx); /* HWPTs hold their IOAS */
	lu_ioas_free_all(ctx);
	if (!foreign)
		lu_unlock(ctx);
	if (ctx->ops->ctx_fini)
		ctx->ops->ctx_fini(ctx);
	if (ctx->owns_fd && ctx->fd >= 0)
		close(ctx->fd);
	if (!foreign)
		pthread_mutex_destroy(&ctx->lock);
	owner_fini(ctx);
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

LIBIOMMU_API const char *libiommu_backend_name(enum libiommu_backend backend)
{
	const struct lu_backend_ops *ops;

	if (backend == LIBIOMMU_BACKEND_AUTO)
		return "auto";
	ops = lu_backend_ops(backend);
	return ops ? ops->name : NULL;
}

LIBIOMMU_API void libiommu_ctx_set_log(struct libiommu_ctx *ctx,
				       libiommu_log_fn fn, void *userdata,
				       enum libiommu_log_level max_level)
{
	if (!ctx)
		return;
	ctx->log.fn = fn;
	ctx->log.userdata = userdata;
	ctx->log.level = level_or_default(max_level);
}

LIBIOMMU_API int libiommu_ctx_has_feature(struct libiommu_ctx *ctx,
					  enum libiommu_feature feat)
{
	if (!ctx)
		return lu_ret(-EINVAL);
	if ((unsigned int)feat >= LIBIOMMU_FEAT__COUNT)
		return lu_fail(ctx, -EINVAL,
			       "%s: unknown feature %d (this libiommu knows 0..%d)",
			       __func__, (int)feat, LIBIOMMU_FEAT__COUNT - 1);
	return ctx->ops->has_feature(ctx, feat);
}

LIBIOMMU_API const char *libiommu_feature_name(enum libiommu_feature feat)
{
	return lu_feature_name(feat);
}

LIBIOMMU_API int libiommu_ctx_set_memlock_mode(struct libiommu_ctx *ctx,
					       enum libiommu_memlock_mode mode)
{
	int rc;

	if (!ctx)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(ctx, __func__);
	if (mode != LIBIOMMU_MEMLOCK_USER && mode != LIBIOMMU_MEMLOCK_MM)
		return lu_fail(ctx, -EINVAL,
			       "%s: mode %d is neither LIBIOMMU_MEMLOCK_USER nor LIBIOMMU_MEMLOCK_MM",
			       __func__, (int)mode);
	rc = lu_backend_need(ctx, LU_OP_MEMLOCK_MODE, __func__);
	if (rc)
		return rc;
	rc = ctx->ops->memlock_mode(ctx, true, &mode);
	if (rc == 0)
		ctx->memlock_mode = mode;
	return rc;
}

LIBIOMMU_API int libiommu_ctx_get_memlock_mode(struct libiommu_ctx *ctx,
					       enum libiommu_memlock_mode *mode)
{
	enum libiommu_memlock_mode m = LIBIOMMU_MEMLOCK_USER;
	int rc;

	if (!ctx)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(ctx, __func__);
	if (!mode)
		return lu_fail(ctx, -EINVAL, "%s: mode is NULL", __func__);
	rc = lu_backend_need(ctx, LU_OP_MEMLOCK_MODE, __func__);
	if (rc)
		return rc;
	rc = ctx->ops->memlock_mode(ctx, false, &m);
	if (rc == 0) {
		*mode = m;
		ctx->memlock_mode = m;
	}
	return rc;
}
