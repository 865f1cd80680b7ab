// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * I/O page-fault queues: the page requests (PCIe PRI) of devices on HWPTs
 * allocated with a fault queue, read in groups and answered.
 *
 * Lifetimes: a HWPT holds its fault queue, and the queue's file holds the
 * kernel object.  The trap is a queue fd closed while a HWPT still sends
 * faults to it: the faults then wait until the HWPT is detached.  So the
 * handle refuses to destroy (and close) a queue that a HWPT of the context
 * uses, and the context frees its HWPTs before its fault queues.  Groups
 * read but not answered are answered INVALID by the kernel when their HWPT
 * is detached or replaced, or the queue destroyed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "uapi/iommufd.h"

_Static_assert(LIBIOMMU_FAULT_PASID_VALID == LX_IOMMU_PGFAULT_FLAGS_PASID_VALID &&
		       LIBIOMMU_FAULT_LAST_PAGE == LX_IOMMU_PGFAULT_FLAGS_LAST_PAGE &&
		       LIBIOMMU_FAULT_PERM_READ == LX_IOMMU_PGFAULT_PERM_READ &&
		       LIBIOMMU_FAULT_PERM_WRITE == LX_IOMMU_PGFAULT_PERM_WRITE &&
		       LIBIOMMU_FAULT_PERM_EXEC == LX_IOMMU_PGFAULT_PERM_EXEC &&
		       LIBIOMMU_FAULT_PERM_PRIV == LX_IOMMU_PGFAULT_PERM_PRIV &&
		       LIBIOMMU_FAULT_RESP_SUCCESS == LX_IOMMUFD_PAGE_RESP_SUCCESS &&
		       LIBIOMMU_FAULT_RESP_INVALID == LX_IOMMUFD_PAGE_RESP_INVALID,
	       "fault flags, permissions and codes must be the kernel's");

#define CHECK_FQ(fq, fn) \
	do { \
		if (!(fq)) \
			return lu_ret(-EINVAL); \
		LU_OWNER_CHECK((fq)->ctx, fn); \
	} while (0)

static void release(struct libiommu_fault_queue *fq)
{
	if (fq->fd >= 0)
		close(fq->fd);
	lu_list_unlink(&fq->node);
	free(fq->buf);
	free(fq);
}

void lu_fault_queue_free_all(struct libiommu_ctx *ctx)
{
	struct libiommu_fault_queue *fq, *tmp;
	bool kernel = !ctx->owns_fd && !lu_foreign(ctx);

	lu_list_for_each_safe(fq, tmp, &ctx->fault_queue_list, node) {
		/* the file holds the object: close it first */
		if (fq->fd >= 0)
			close(fq->fd);
		fq->fd = -1;
		if (kernel)
			ctx->ops->fault_queue_destroy(fq, LU_QUIET);
		release(fq);
	}
}

LIBIOMMU_API int libiommu_fault_queue_alloc(struct libiommu_ctx *ctx,
					    struct libiommu_fault_queue **out)
{
	struct libiommu_fault_queue *fq;
	int rc;

	if (out)
		*out = NULL;
	if (!ctx)
		return lu_ret(-EINVAL);
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	rc = lu_backend_need(ctx, LU_OP_FAULT_QUEUE_ALLOC, __func__);
	if (rc)
		return rc;
	fq = calloc(1, sizeof(*fq));
	if (fq)
		fq->buf = calloc(LU_FAULT_BUF, sizeof(*fq->buf));
	if (!fq || !fq->buf) {
		free(fq);
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for a fault queue handle",
			       __func__);
	}
	fq->ctx = ctx;
	lu_lock(ctx);
	rc = ctx->ops->fault_queue_alloc(ctx, &fq->id, &fq->fd);
	if (!rc)
		lu_list_push(&ctx->fault_queue_list, &fq->node);
	lu_unlock(ctx);
	if (rc) {
		free(fq->buf);
		free(fq);
		return lu_ret(rc);
	}
	lu_dbg(ctx, "allocated fault queue %" PRIu32 " (fd %d)", fq->id, fq->fd);
	*out = fq;
	return 0;
}

LIBIOMMU_API int libiommu_fault_queue_destroy(struct libiommu_fault_queue *fq)
{
	struct libiommu_ctx *ctx;
	uint32_t id;
	int rc;

	if (!fq)
		return 0;
	ctx = fq->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	if (fq->users) {
		rc = lu_fail(ctx, -EBUSY,
			     "%s: fault queue %" PRIu32 " is still used by %u HWPT(s); destroy them first (its fd stays open: their faults need it)",
			     __func__, fq->id, fq->users);
		goto out;
	}
	if (fq->fd >= 0) {
		close(fq->fd);
		fq->fd = -1;
	}
	rc = ctx->ops->fault_queue_destroy(fq, LU_LOUD);
	if (rc)
		goto out;
	id = fq->id;
	release(fq);
	lu_dbg(ctx, "destroyed fault queue %" PRIu32, id);
out:
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_fault_queue_fd(const struct libiommu_fault_queue *fq)
{
	if (!fq)
		return lu_ret(-EINVAL);
	if (fq->fd < 0)
		return lu_ret(-EBADF);
	return fq->fd;
}

/* Refill the buffer with whole groups: 1, 0 when none waits, or -errno. */
static int fill(struct libiommu_fault_queue *fq, const char *fn)
{
	struct libiommu_ctx *ctx = fq->ctx;
	ssize_t n;

	do {
		n = read(fq->fd, fq->buf, LU_FAULT_BUF * sizeof(*fq->buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int rc = -errno;

		if (rc == -EAGAIN)
			return 0;
		if (rc == -EINVAL)
			return lu_fail(ctx, -EMSGSIZE,
				       "%s: fault queue %" PRIu32 ": a fault group larger than the library's buffer (%d faults)",
				       fn, fq->id, LU_FAULT_BUF);
		return lu_fail(ctx, rc, "%s: reading fault queue %" PRIu32 " (fd %d) failed: %s",
			       fn, fq->id, fq->fd, strerror(-rc));
	}
	if (n % sizeof(*fq->buf))
		return lu_fail(ctx, -EIO,
			       "%s: fault queue %" PRIu32 " returned %zd bytes, not whole %zu-byte faults",
			       fn, fq->id, n, sizeof(*fq->buf));
	fq->buf_len = (size_t)n / sizeof(*fq->buf);
	fq->buf_off = 0;
	return n > 0;
}

LIBIOMMU_API int libiommu_fault_queue_read(struct libiommu_fault_queue *fq,
					   struct libiommu_fault *faults,
					   size_t max, size_t *nr)
{
	struct libiommu_ctx *ctx;
	struct libiommu_fault f;
	size_t n, i, stride;
	int rc;

	CHECK_FQ(fq, __func__);
	ctx = fq->ctx;
	if (!nr)
		return lu_fail(ctx, -EINVAL, "%s: nr is NULL", __func__);
	if (max && !faults)
		return lu_fail(ctx, -EINVAL, "%s: faults is NULL", __func__);
	if (max) {
		rc = lu_result_check(ctx, __func__, "faults[0]", faults[0].sz,
				     "libiommu_fault");
		if (rc)
			return rc;
	}
	if (fq->fd < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: fault queue %" PRIu32 " has no fd any more (a destroy closed it)",
			       __func__, fq->id);
	if (fq->buf_off >= fq->buf_len) {
		rc = fill(fq, __func__);
		if (rc <= 0)
			return rc;
	}
	/* The group: up to and with its LAST_PAGE fault (the kernel's order). */
	for (n = 0; fq->buf_off + n < fq->buf_len; n++)
		if (fq->buf[fq->buf_off + n].flags &
		    LX_IOMMU_PGFAULT_FLAGS_LAST_PAGE) {
			n++;
			break;
		}
	if (n > max) {
		*nr = n;
		return lu_fail(ctx, -EMSGSIZE,
			       "%s: the next fault group has %zu faults, room for %zu",
			       __func__, n, max);
	}
	stride = faults[0].sz;
	for (i = 0; i < n; i++) {
		const struct lx_iommu_hwpt_pgfault *k = &fq->buf[fq->buf_off + i];
		struct libiommu_fault *dst =
			(struct libiommu_fault *)((char *)faults + i * stride);

		memset(&f, 0, sizeof(f));
		f.flags = k->flags;
		f.dev_id = k->dev_id;
		f.pasid = k->pasid;
		f.group_id = k->grpid;
		f.perm = k->perm;
		f.cookie = k->cookie;
		f.addr = k->addr;
		lu_result_copy(dst, stride, &f,
			       lu_offsetofend(struct libiommu_fault, addr));
	}
	fq->buf_off += n;
	*nr = n;
	return 1;
}

LIBIOMMU_API int libiommu_fault_queue_respond(struct libiommu_fault_queue *fq,
					      uint32_t cookie, uint32_t code)
{
	struct libiommu_ctx *ctx;
	int rc;

	CHECK_FQ(fq, __func__);
	ctx = fq->ctx;
	if (code != LIBIOMMU_FAULT_RESP_SUCCESS &&
	    code != LIBIOMMU_FAULT_RESP_INVALID)
		return lu_fail(ctx, -EINVAL,
			       "%s: code %" PRIu32 ": iommufd answers a page request with LIBIOMMU_FAULT_RESP_SUCCESS or _INVALID only",
			       __func__, code);
	if (fq->fd < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: fault queue %" PRIu32 " has no fd any more (a destroy closed it)",
			       __func__, fq->id);
	rc = ctx->ops->fault_queue_respond(fq, cookie, code);
	if (rc == -ENOENT)
		return lu_fail(ctx, -ENOENT,
			       "%s: no fault group with cookie %" PRIu32 " waits for an answer on fault queue %" PRIu32 " (answered already, never read, or answered INVALID by the kernel when its HWPT was detached)",
			       __func__, cookie, fq->id);
	return lu_ret(rc);
}
