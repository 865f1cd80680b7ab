/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal declarations shared by the library's source files.  Nothing here
 * is part of the ABI.
 */
#ifndef LIBIOMMU_INTERNAL_H
#define LIBIOMMU_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libiommu/libiommu.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- logging (lib/log.c) ---------------------------------------------- */

void lu_log(const struct libiommu_ctx *ctx, enum libiommu_log_level level,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define lu_err(ctx, ...)   lu_log(ctx, LIBIOMMU_LOG_ERR, __VA_ARGS__)
#define lu_warn(ctx, ...)  lu_log(ctx, LIBIOMMU_LOG_WARN, __VA_ARGS__)
#define lu_info(ctx, ...)  lu_log(ctx, LIBIOMMU_LOG_INFO, __VA_ARGS__)
#define lu_dbg(ctx, ...)   lu_log(ctx, LIBIOMMU_LOG_DEBUG, __VA_ARGS__)

/*
 * Return a negative errno and set errno to match: every public function
 * returns through this (or lu_fail) so that both conventions hold.
 */
static inline int lu_ret(int err)
{
	if (err < 0)
		errno = -err;
	return err;
}

/* Log at error level and return -err (err positive or negative). */
int lu_fail(const struct libiommu_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- options structs (libbpf style) -------------------------------------- */

/*
 * Check a caller's options struct: sz must cover at least the sz field
 * itself (sizeof(size_t)), and any bytes past what this library
 * knows (known_sz) must be zero.  Returns 0, -EINVAL or -E2BIG (logged).
 */
int lu_opts_check(const struct libiommu_ctx *ctx, const void *opts,
		  size_t user_sz, size_t known_sz, const char *type_name);

#define LU_OPTS_CHECK(ctx, opts, type) \
	((opts) ? lu_opts_check(ctx, opts, (opts)->sz, sizeof(struct type), #type) : 0)

/* Is the field present in the caller's struct (per its sz)? */
#define LU_OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

/* The field's value, or dflt if the caller's struct is too old to have it. */
#define LU_OPTS_GET(opts, field, dflt) \
	(LU_OPTS_HAS(opts, field) ? (opts)->field : (dflt))

/* ---- the context -------------------------------------------------------- */

struct libiommu_ctx {
	int fd;
	bool owns_fd;
	libiommu_log_fn log_fn;
	void *log_userdata;
	enum libiommu_log_level log_level;

	/* feature probe: done once, when the ctx is created (lib/probe.c) */
	bool probed;
	uint64_t features; /* bit n set = enum libiommu_feature n present */

	/* every IOAS handle still open on this ctx, freed with it */
	struct libiommu_ioas *ioas_list;

	/* every device and HWPT handle still open, freed with it (dev.c, hwpt.c) */
	struct libiommu_dev *dev_list;
	struct libiommu_hwpt *hwpt_list;

	/* every KVM handle still open, freed with it (lib/kvm.c) */
	struct libiommu_kvm *kvm_list;
};

/* ioctl() that retries EINTR; returns its result (>= 0, usually 0) or -errno. */
int lu_ioctl(int fd, unsigned long req, void *arg);

/* Run the feature probe if it has not run yet. */
void lu_probe(struct libiommu_ctx *ctx);

/* -EOPNOTSUPP with a message naming the missing feature, or 0. */
int lu_need_feature(struct libiommu_ctx *ctx, enum libiommu_feature feat,
		    const char *what);

/* ---- IOAS ----------------------------------------------------------------- */

struct libiommu_ioas {
	struct libiommu_ctx *ctx;
	uint32_t id;
	unsigned int users; /* attached devices and HWPTs made from it */
	struct libiommu_ioas *next; /* ctx->ioas_list */
};

/* Destroy every IOAS handle of a ctx (from libiommu_ctx_free). */
void lu_ioas_free_all(struct libiommu_ctx *ctx);

/* ---- Devices and HWPTs (lib/dev.c, lib/hwpt.c, lib/hwinfo.c) ------------- */

struct libiommu_hwpt {
	struct libiommu_ctx *ctx;
	uint32_t id;
	uint32_t flags;		/* LIBIOMMU_HWPT_* it was allocated with */
	unsigned int users;	/* attached devices/PASIDs and nested children */
	bool nested;
	struct libiommu_ioas *ioas;	/* paging: the IOAS it maps */
	struct libiommu_hwpt *parent;	/* nested: its parent */
	struct libiommu_hwpt *next;	/* ctx->hwpt_list */
};

/* One attachment of a device: its RID (LIBIOMMU_NO_PASID) or a PASID. */
struct lu_attach {
	uint32_t pasid;
	struct libiommu_ioas *ioas;	/* exactly one of ioas/hwpt is set */
	struct libiommu_hwpt *hwpt;
	uint32_t hwpt_id;		/* the kernel HWPT in use */
};

/* Region infos cached per device (VFIO_DEVICE_GET_REGION_INFO). */
#define LU_REGION_CACHE 9

struct lu_region {
	bool valid;
	uint32_t flags;
	uint64_t size;
	uint64_t offset;
};

struct libiommu_dev {
	struct libiommu_ctx *ctx;
	int fd;			/* -1: adopted by id */
	bool owns_fd;
	uint32_t id;
	bool rid_attached;
	struct lu_attach rid;
	struct lu_attach *pasids;	/* attached PASIDs */
	size_t nr_pasids, cap_pasids;
	struct lu_region regions[LU_REGION_CACHE];
	struct libiommu_dev *next;	/* ctx->dev_list */
};

/* Free every device / HWPT handle of a ctx (from libiommu_ctx_free). */
void lu_dev_free_all(struct libiommu_ctx *ctx);
void lu_hwpt_free_all(struct libiommu_ctx *ctx);

/* IOMMU_GET_HW_INFO with no data: caps and PASID width (lib/hwinfo.c). */
int lu_hw_info_caps(struct libiommu_dev *dev, uint64_t *caps,
		    uint8_t *max_pasid_log2);

#endif /* LIBIOMMU_INTERNAL_H */
