/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging and the error convention (lib/util/log.c).
 *
 * Every public function that fails returns a negative errno and sets errno
 * to the same positive value; the reason goes to the context's log
 * callback.  lu_fail() does all three: it is the one failure helper.
 */
#ifndef LIBIOMMU_UTIL_LOG_H
#define LIBIOMMU_UTIL_LOG_H

#include <errno.h>
#include <stdbool.h>

#include "libiommu/libiommu.h"

/*
 * Where a context's messages go: the first member of struct libiommu_ctx,
 * so that log.c reads a context pointer as its logger and needs nothing
 * else of the context.
 */
struct lu_logger {
	libiommu_log_fn fn;
	void *userdata;
	enum libiommu_log_level level;
};

struct libiommu_ctx;

void lu_log(const struct libiommu_ctx *ctx, enum libiommu_log_level level,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define lu_err(ctx, ...) lu_log(ctx, LIBIOMMU_LOG_ERR, __VA_ARGS__)
#define lu_warn(ctx, ...) lu_log(ctx, LIBIOMMU_LOG_WARN, __VA_ARGS__)
#define lu_info(ctx, ...) lu_log(ctx, LIBIOMMU_LOG_INFO, __VA_ARGS__)

/*
 * Would a message at @level reach @ctx's callback?  Inline, so that a
 * debug line on a frequent path (IOAS alloc and destroy) costs one test
 * when nobody listens, and its arguments are not evaluated.
 */
static inline bool lu_log_on(const struct libiommu_ctx *ctx,
			     enum libiommu_log_level level)
{
	const struct lu_logger *lg = (const struct lu_logger *)(const void *)ctx;

	return lg && lg->fn && level <= lg->level;
}

#define lu_dbg(ctx, ...) \
	do { \
		if (lu_log_on(ctx, LIBIOMMU_LOG_DEBUG)) \
			lu_log(ctx, LIBIOMMU_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* Set errno from a negative @err and return it (0 and positives unchanged). */
static inline int lu_ret(int err)
{
	if (err < 0)
		errno = -err;
	return err;
}

/*
 * Log @fmt at error level (a NULL @ctx logs nothing), set errno and return
 * @err, a negative errno.  Messages name the public function or the ioctl
 * that failed, the object, and what to do about it.
 */
int lu_fail(const struct libiommu_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((cold, format(printf, 3, 4)));

#endif
