/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging: the library never prints on its own.  Messages go to the
 * context's callback, if the caller installed one, and only up to the
 * context's maximum level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

/* Long enough for a path plus an explanation; longer messages are cut. */
#define LU_LOG_BUF 1024

/*
 * The last error-level message of the calling thread, whatever the
 * context's callback and level: for callers (bindings) that cannot take a
 * callback.  Thread-local, so threads never see each other's errors.
 */
static __thread char last_error[LU_LOG_BUF];

static void format_msg(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);

	if (n < 0)
		snprintf(buf, len, "(unformattable message: %s)", fmt);
	else if ((size_t)n >= len)
		memcpy(buf + len - 4, "...", 4);
}

static void lu_vlog(const struct libiommu_ctx *ctx,
		    enum libiommu_log_level level, const char *fmt, va_list ap)
{
	char buf[LU_LOG_BUF];
	int saved_errno;

	/* struct libiommu_ctx starts with its logger (internal.h asserts it) */
	const struct lu_logger *lg = (const struct lu_logger *)ctx;

	saved_errno = errno;
	if (level == LIBIOMMU_LOG_ERR) {
		va_list aq;

		va_copy(aq, ap);
		format_msg(last_error, sizeof(last_error), fmt, aq);
		va_end(aq);
		errno = saved_errno;
	}
	if (!lg || !lg->fn || level > lg->level)
		return;

	/* The caller's callback must not change what we return in errno. */
	format_msg(buf, sizeof(buf), fmt, ap);
	lg->fn(lg->userdata, level, buf);
	errno = saved_errno;
}

void lu_log(const struct libiommu_ctx *ctx, enum libiommu_log_level level,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lu_vlog(ctx, level, fmt, ap);
	va_end(ap);
}

int lu_fail(const struct libiommu_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	/* A caller's slip (0 or a positive errno) must not read as success. */
	if (err >= 0)
		err = err ? -err : -EIO;
	va_start(ap, fmt);
	lu_vlog(ctx, LIBIOMMU_LOG_ERR, fmt, ap);
	va_end(ap);
	return lu_ret(err);
}

LIBIOMMU_API const char *libiommu_last_error(void)
{
	return last_error;
}

LIBIOMMU_API const char *libiommu_log_level_name(enum libiommu_log_level level)
{
	switch (level) {
	case LIBIOMMU_LOG_ERR:
		return "error";
	case LIBIOMMU_LOG_WARN:
		return "warning";
	case LIBIOMMU_LOG_INFO:
		return "info";
	case LIBIOMMU_LOG_DEBUG:
		return "debug";
	}
	return "unknown";
}

LIBIOMMU_API void libiommu_log_stderr(void *userdata,
				      enum libiommu_log_level level,
				      const char *msg)
{
	int saved_errno = errno;

	(void)userdata;
	/* One fprintf, so that lines from different threads do not interleave. */
	fprintf(stderr, "libiommu: %s: %s\n", libiommu_log_level_name(level),
		msg);
	errno = saved_errno;
}
