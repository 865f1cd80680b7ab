/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Options and result structs (lib/util/opts.c): both start with `size_t sz`,
 * the size of the struct as the caller was compiled.
 *
 * The size this library knows of a struct is the end of its last field it
 * gives a meaning to (lu_offsetofend), never sizeof(): a struct's explicit
 * reserved members and its padding are part of the tail that must be zero,
 * so that a field added there later never reads a caller's garbage.
 */
#ifndef LIBIOMMU_UTIL_OPTS_H
#define LIBIOMMU_UTIL_OPTS_H

#include <stddef.h>

struct libiommu_ctx;

#define lu_offsetofend(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Check a caller's options struct: sz must cover at least the sz field
 * itself, and every byte from @known_sz to sz must be zero.  NULL @opts is
 * valid (all defaults).  0, -EINVAL or -E2BIG (logged).
 */
int lu_opts_check(const struct libiommu_ctx *ctx, const void *opts,
		  size_t user_sz, size_t known_sz, const char *type_name);

/* The check for @opts, a pointer to struct @type whose last field is @last. */
#define LU_OPTS_CHECK(ctx, opts, type, last) \
	((opts) ? lu_opts_check(ctx, opts, (opts)->sz, \
				lu_offsetofend(struct type, last), #type) \
		: 0)

/* Is the field inside the caller's struct (per its sz)? */
#define LU_OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= lu_offsetofend(__typeof__(*(opts)), field))

/* The field's value, or @dflt if the caller's struct is too old to have it. */
#define LU_OPTS_GET(opts, field, dflt) \
	(LU_OPTS_HAS(opts, field) ? (opts)->field : (dflt))

/*
 * A result struct's sz is valid: it covers at least the sz field.  0 or
 * -EINVAL (logged, naming @fn and @what).
 */
int lu_result_check(const struct libiommu_ctx *ctx, const char *fn,
		    const char *what, size_t user_sz, const char *type_name);

/*
 * Copy the result @src (this library's struct, @known_sz bytes meaningful)
 * into the caller's @dst of dst_sz bytes: as much as both have; bytes of a
 * newer caller's larger struct that this library does not know read as
 * zero.  dst's sz field keeps the caller's value.
 */
void lu_result_copy(void *dst, size_t dst_sz, const void *src,
		    size_t known_sz);

#endif
