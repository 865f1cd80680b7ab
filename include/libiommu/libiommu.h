/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiommu — typed handles for the Linux IOMMU uAPI: /dev/iommu (iommufd),
 * VFIO device cdevs and the KVM-VFIO device.
 *
 * This is the only public header.  It includes no kernel uAPI header, so it
 * can be used next to <linux/iommufd.h> and <linux/vfio.h>: every name here
 * starts with libiommu_ or LIBIOMMU_.
 *
 * Conventions (see man libiommu(7)):
 *  - Functions that can fail return 0 (or a non-negative value) on success
 *    and a negative errno on failure; errno is set to the same positive value.
 *    A human-readable reason goes to the context's log callback.
 *  - Options structs start with `size_t sz`, set to sizeof() the struct as
 *    the caller was compiled.  A NULL opts pointer means all defaults.  A
 *    larger struct from a newer caller is accepted only if the bytes the
 *    library does not know are zero (else -E2BIG).
 *  - Handles are opaque.  Destructors accept NULL and never fail.
 *  - Every fd the library opens is O_CLOEXEC.
 */
#ifndef LIBIOMMU_LIBIOMMU_H
#define LIBIOMMU_LIBIOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIBIOMMU_API
#define LIBIOMMU_API __attribute__((visibility("default")))
#endif

#define LIBIOMMU_VERSION_MAJOR 0
#define LIBIOMMU_VERSION_MINOR 1
#define LIBIOMMU_VERSION_PATCH 0

/** The library's version as "MAJOR.MINOR.PATCH" (the runtime one). */
LIBIOMMU_API const char *libiommu_version(void);

/* ------------------------------------------------------------------------ */
/* Logging                                                                   */
/* ------------------------------------------------------------------------ */

/** Log levels; values follow syslog(3) so they can be passed through. */
enum libiommu_log_level {
	LIBIOMMU_LOG_ERR = 3,
	LIBIOMMU_LOG_WARN = 4,
	LIBIOMMU_LOG_INFO = 6,
	LIBIOMMU_LOG_DEBUG = 7,
};

/**
 * Log callback.  @msg is one line without a trailing newline, valid only
 * during the call.  It is called from the thread that made the failing call.
 */
typedef void (*libiommu_log_fn)(void *userdata, enum libiommu_log_level level,
				const char *msg);

/** A ready-made callback that writes "libiommu: <level>: <msg>\n" to stderr. */
LIBIOMMU_API void libiommu_log_stderr(void *userdata,
				      enum libiommu_log_level level,
				      const char *msg);

/** The name of a log level ("error", "warning", "info", "debug"). */
LIBIOMMU_API const char *libiommu_log_level_name(enum libiommu_log_level level);

/* ------------------------------------------------------------------------ */
/* Context: the seed's "ioasidfd", one /dev/iommu file description            */
/* ------------------------------------------------------------------------ */

struct libiommu_ctx;

/** How a caller-passed fd is held by a handle. */
enum libiommu_fd_mode {
	/** The handle borrows the fd: the caller keeps it open and closes it. */
	LIBIOMMU_FD_BORROW = 0,
	/** The handle owns the fd from now on and closes it when freed. */
	LIBIOMMU_FD_OWN = 1,
};

struct libiommu_ctx_opts {
	size_t sz;
	/** Device node to open; NULL means "/dev/iommu". */
	const char *path;
	/** Log callback; NULL means silent. */
	libiommu_log_fn log_fn;
	void *log_userdata;
	/** Highest level passed to log_fn; 0 means LIBIOMMU_LOG_WARN. */
	enum libiommu_log_level log_level;
};

/**
 * Open /dev/iommu (or opts->path) and create a context on it.
 * Errors: -ENOENT (no node: kernel without CONFIG_IOMMUFD, or no devtmpfs
 * entry), -EACCES/-EPERM (permission on the node), -ENOTTY (the node is not
 * an iommufd), -EINVAL/-E2BIG (bad opts), -ENOMEM.
 */
LIBIOMMU_API int libiommu_ctx_new(const struct libiommu_ctx_opts *opts,
				  struct libiommu_ctx **out);

/**
 * Create a context on an iommufd the caller already has (e.g. received over a
 * UNIX socket by a privilege-separated VMM).  @mode says whether the context
 * owns or borrows @fd; on failure an owned fd is NOT closed.
 * Errors: -EBADF (not an open fd), -ENOTTY (not an iommufd), -EINVAL.
 */
LIBIOMMU_API int libiommu_ctx_new_from_fd(int fd, enum libiommu_fd_mode mode,
					  const struct libiommu_ctx_opts *opts,
					  struct libiommu_ctx **out);

/**
 * Free a context and every handle still open on it.  Closes the iommufd if
 * the context owns it (which destroys every kernel object made through it).
 */
LIBIOMMU_API void libiommu_ctx_free(struct libiommu_ctx *ctx);

/** The context's iommufd (owned or borrowed), or -EINVAL for NULL. */
LIBIOMMU_API int libiommu_ctx_fd(const struct libiommu_ctx *ctx);

/** Replace the log callback; @fn NULL silences the context. */
LIBIOMMU_API void libiommu_ctx_set_log(struct libiommu_ctx *ctx,
				       libiommu_log_fn fn, void *userdata,
				       enum libiommu_log_level max_level);

/** What the kernel behind a context can do, probed once per context. */
enum libiommu_feature {
	LIBIOMMU_FEAT_IOAS = 0,		  /* IOAS alloc/map/unmap/copy/ranges */
	LIBIOMMU_FEAT_OPTION_RLIMIT_MODE, /* memlock accounting mode option */
	LIBIOMMU_FEAT_OPTION_HUGE_PAGES,  /* per-IOAS huge page option */
	LIBIOMMU_FEAT_VFIO_COMPAT,	  /* type1 compat ioctls on /dev/iommu */
	LIBIOMMU_FEAT_HWPT_ALLOC,	  /* IOMMU_HWPT_ALLOC */
	LIBIOMMU_FEAT_GET_HW_INFO,	  /* IOMMU_GET_HW_INFO */
	LIBIOMMU_FEAT_DIRTY_TRACKING,	  /* HWPT dirty tracking commands */
	LIBIOMMU_FEAT_HWPT_INVALIDATE,	  /* nested HWPT cache invalidation */
	LIBIOMMU_FEAT_FAULT_QUEUE,	  /* IOMMU_FAULT_QUEUE_ALLOC */
	LIBIOMMU_FEAT_IOAS_MAP_FILE,	  /* IOMMU_IOAS_MAP_FILE (memfd) */
	LIBIOMMU_FEAT_VIOMMU,		  /* IOMMU_VIOMMU_ALLOC */
	LIBIOMMU_FEAT_VDEVICE,		  /* IOMMU_VDEVICE_ALLOC */
	LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS,/* IOMMU_IOAS_CHANGE_PROCESS */
	LIBIOMMU_FEAT_VEVENTQ,		  /* IOMMU_VEVENTQ_ALLOC */
	LIBIOMMU_FEAT_HW_QUEUE,		  /* IOMMU_HW_QUEUE_ALLOC */
	LIBIOMMU_FEAT_NOIOMMU_GET_PA,	  /* IOMMU_IOAS_NOIOMMU_GET_PA */
	LIBIOMMU_FEAT__COUNT		  /* not a feature; may grow */
};

/**
 * 1 if the kernel behind @ctx has @feat, 0 if not, -EINVAL for an unknown
 * feature or NULL ctx.  The probe runs once, when the context is created,
 * and is cached.
 */
LIBIOMMU_API int libiommu_ctx_has_feature(struct libiommu_ctx *ctx,
					  enum libiommu_feature feat);

/** The feature's name ("ioas_map_file", ...), or NULL if unknown. */
LIBIOMMU_API const char *libiommu_feature_name(enum libiommu_feature feat);

/** How pinned memory is charged against RLIMIT_MEMLOCK (IOMMU_OPTION_RLIMIT_MODE). */
enum libiommu_memlock_mode {
	LIBIOMMU_MEMLOCK_USER = 0, /* charged to the user (iommufd default) */
	LIBIOMMU_MEMLOCK_MM = 1,   /* charged to the process, like VFIO type1 */
};

/** Set the memlock accounting mode (needs CAP_SYS_RESOURCE; -EPERM otherwise). */
LIBIOMMU_API int libiommu_ctx_set_memlock_mode(struct libiommu_ctx *ctx,
					       enum libiommu_memlock_mode mode);
LIBIOMMU_API int libiommu_ctx_get_memlock_mode(struct libiommu_ctx *ctx,
					       enum libiommu_memlock_mode *mode);

/* ------------------------------------------------------------------------ */
/* I/O address spaces (the seed's IOASID)                                    */
/* ------------------------------------------------------------------------ */

struct libiommu_ioas;

struct libiommu_ioas_opts {
	size_t sz;
	/** LIBIOMMU_IOAS_* flags. */
	uint32_t flags;
};

/** Do not use huge pages for this IOAS (sets IOMMU_OPTION_HUGE_PAGES to 0). */
#define LIBIOMMU_IOAS_NO_HUGE_PAGES (1u << 0)

/** Allocate an IOAS.  Errors: -EINVAL (NULL ctx/out, unknown flag), -E2BIG, -ENOMEM. */
LIBIOMMU_API int libiommu_ioas_alloc(struct libiommu_ctx *ctx,
				     const struct libiommu_ioas_opts *opts,
				     struct libiommu_ioas **out);

/**
 * Destroy an IOAS and free its handle.  -EBUSY (handle still valid) while a
 * device or HWPT uses it.  NULL is a no-op returning 0.
 */
LIBIOMMU_API int libiommu_ioas_destroy(struct libiommu_ioas *ioas);

/** The kernel object id of the IOAS (never 0); 0 with errno EINVAL for NULL. */
LIBIOMMU_API uint32_t libiommu_ioas_id(const struct libiommu_ioas *ioas);

/** The context the IOAS belongs to; NULL with errno EINVAL for NULL. */
LIBIOMMU_API struct libiommu_ctx *libiommu_ioas_ctx(const struct libiommu_ioas *ioas);

/* Map flags. */
#define LIBIOMMU_MAP_READ	(1u << 0) /* DMA may read the memory */
#define LIBIOMMU_MAP_WRITE	(1u << 1) /* DMA may write the memory */
#define LIBIOMMU_MAP_FIXED_IOVA	(1u << 2) /* use *iova as given, else the kernel picks */

/**
 * Map @length bytes of user memory at @vaddr.  With LIBIOMMU_MAP_FIXED_IOVA,
 * *iova is the IOVA to use; otherwise the kernel picks one and stores it in
 * *iova.  @vaddr, @length and a fixed *iova must be page aligned.
 * Errors: -EINVAL (unaligned, zero length, no READ/WRITE flag, unknown flag,
 * or a fixed IOVA range not inside one of libiommu_ioas_get_ranges()'s
 * ranges), -EEXIST (fixed IOVA overlaps a mapping), -ENOSPC (no free IOVA
 * range for the kernel to pick, within the allowed ranges if any are set),
 * -EFAULT, -ENOMEM (memlock limit).  The allowed ranges only steer the
 * kernel's choice: a fixed IOVA outside them is accepted.
 */
LIBIOMMU_API int libiommu_ioas_map(struct libiommu_ioas *ioas, void *vaddr,
				   uint64_t length, uint64_t *iova,
				   uint32_t flags);

/**
 * Map @length bytes of the file @fd (a memfd) from @offset.  Same IOVA rules
 * and errors as libiommu_ioas_map(); -EINVAL also when the file is shorter
 * than @offset + @length, or @offset is not page aligned; -EBADF when @fd
 * is not open; -EOPNOTSUPP when the kernel lacks IOAS_MAP_FILE.
 */
LIBIOMMU_API int libiommu_ioas_map_file(struct libiommu_ioas *ioas, int fd,
					uint64_t offset, uint64_t length,
					uint64_t *iova, uint32_t flags);

/**
 * Unmap every mapping that lies inside [iova, iova + length).  The range must
 * not split a mapping.  *unmapped (may be NULL) gets the bytes unmapped.
 * Errors: -EINVAL (unaligned/zero), -ENOENT (nothing mapped there, or the
 * range splits a mapping), -EBUSY (a mapping there is in use by the kernel).
 */
LIBIOMMU_API int libiommu_ioas_unmap(struct libiommu_ioas *ioas, uint64_t iova,
				     uint64_t length, uint64_t *unmapped);

/** Unmap everything in the IOAS; *unmapped (may be NULL) gets the bytes. */
LIBIOMMU_API int libiommu_ioas_unmap_all(struct libiommu_ioas *ioas,
					 uint64_t *unmapped);

/**
 * Map into @dst the pages that [@src_iova, +@length) maps in @src, without
 * pinning them again.  *dst_iova as for libiommu_ioas_map().
 * Errors: -EXDEV (different contexts), -ENOENT (source range not fully
 * mapped), and those of libiommu_ioas_map().
 */
LIBIOMMU_API int libiommu_ioas_copy(struct libiommu_ioas *dst,
				    struct libiommu_ioas *src,
				    uint64_t src_iova, uint64_t length,
				    uint64_t *dst_iova, uint32_t flags);

/** An inclusive IOVA range [start, last]. */
struct libiommu_iova_range {
	uint64_t start;
	uint64_t last;
};

/**
 * The IOVA ranges usable for mapping.  On entry *nr is the capacity of
 * @ranges (which may be NULL when *nr is 0); on return *nr is the number of
 * ranges.  -ENOSPC when the capacity was too small (*nr then says how many
 * are needed).  *alignment (may be NULL) gets the minimum IOVA alignment.
 */
LIBIOMMU_API int libiommu_ioas_get_ranges(struct libiommu_ioas *ioas,
					  struct libiommu_iova_range *ranges,
					  size_t *nr, uint64_t *alignment);

/**
 * Restrict the IOVAs the kernel may pick to @ranges (nr 0 clears the
 * restriction), and keep them usable: a device whose reserved regions would
 * cut into them cannot attach.  Each range must span more than one byte.
 * Errors: -EINVAL (overlapping, inverted or one-byte ranges), -EADDRINUSE
 * (a range intersects a reserved region, e.g. outside an attached device's
 * aperture).
 */
LIBIOMMU_API int libiommu_ioas_allow_iovas(struct libiommu_ioas *ioas,
					   const struct libiommu_iova_range *ranges,
					   size_t nr);

/** Per-IOAS huge-page use (IOMMU_OPTION_HUGE_PAGES; default on). */
LIBIOMMU_API int libiommu_ioas_set_huge_pages(struct libiommu_ioas *ioas,
					      bool enable);
LIBIOMMU_API int libiommu_ioas_get_huge_pages(struct libiommu_ioas *ioas,
					      bool *enabled);

#ifdef __cplusplus
}
#endif

#endif /* LIBIOMMU_LIBIOMMU_H */
