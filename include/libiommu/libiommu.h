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
 *    the caller was compiled; LIBIOMMU_OPTS() fills it.  A NULL opts
 *    pointer means all defaults.  The library knows a struct up to the end
 *    of its last field with a meaning; every byte after that (reserved
 *    fields, and the fields of a newer libiommu) must be zero, else -E2BIG.
 *    No options struct has implicit padding: designated initializers and
 *    LIBIOMMU_OPTS() leave every byte defined.
 *  - Handles are opaque; the context owns every handle made on it and frees
 *    them with itself.  The verbs say what can fail: _new/_free make and
 *    free library objects and _free never fails; _alloc/_destroy make and
 *    destroy kernel objects, and _destroy may fail (-EBUSY while in use;
 *    the handle stays valid); _open binds a device.  Every free and destroy
 *    accepts NULL.  _get_* returns a snapshot and changes nothing.
 *  - On failure a handle output (**out) is NULL; other outputs are written
 *    only on success, unless the function's page says otherwise.
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

/**
 * An options struct of type @type with sz set and the named fields given,
 * every other field zero: LIBIOMMU_OPTS(libiommu_ioas_opts, .flags = F).
 */
#define LIBIOMMU_OPTS(type, ...) \
	((struct type){ .sz = sizeof(struct type), __VA_ARGS__ })

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
/* Context: the RFC's "ioasidfd", one /dev/iommu file description             */
/* ------------------------------------------------------------------------ */

struct libiommu_ctx;

/** How a caller-passed fd is held by a handle. */
enum libiommu_fd_mode {
	/** The handle borrows the fd: the caller keeps it open and closes it. */
	LIBIOMMU_FD_BORROW = 0,
	/** The handle owns the fd from now on and closes it when freed. */
	LIBIOMMU_FD_OWN = 1,
};

/**
 * The kernel interface behind a context's handles (see libiommu_ctx_new(3)).
 * Every backend serves the same ctx / IOAS / device handles; what one cannot
 * do fails with -EOPNOTSUPP and a message naming the backend.
 */
enum libiommu_backend {
	/**
	 * Pick: iommufd, unless /dev/iommu is absent or not permitted, or VFIO
	 * has no device cdevs, and the type1 container exists; any other
	 * failure is an error (see libiommu_ctx_backend(3)).
	 */
	LIBIOMMU_BACKEND_AUTO = 0,
	/** /dev/iommu with IOAS objects and VFIO device cdevs (the default). */
	LIBIOMMU_BACKEND_IOMMUFD = 1,
	/** Legacy VFIO: container /dev/vfio/vfio, groups /dev/vfio/N, type1v2 IOMMU. */
	LIBIOMMU_BACKEND_TYPE1 = 2,
	/** The type1 container ioctls on a /dev/iommu fd (iommufd's VFIO compatibility). */
	LIBIOMMU_BACKEND_IOMMUFD_COMPAT = 3,
};

struct libiommu_ctx_opts {
	size_t sz;
	/**
	 * Device node to open; NULL means the backend's: "/dev/iommu"
	 * (iommufd, iommufd-compat) or "/dev/vfio/vfio" (type1).
	 */
	const char *path;
	/** Log callback; NULL means silent. */
	libiommu_log_fn log_fn;
	void *log_userdata;
	/** Highest level passed to log_fn; 0 means LIBIOMMU_LOG_WARN. */
	enum libiommu_log_level log_level;
	/** Which backend; LIBIOMMU_BACKEND_AUTO (0) lets the library choose. */
	enum libiommu_backend backend;
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

/**
 * The context's backend (LIBIOMMU_BACKEND_IOMMUFD, _TYPE1 or
 * _IOMMUFD_COMPAT; never AUTO), or -EINVAL for NULL.
 */
LIBIOMMU_API int libiommu_ctx_backend(const struct libiommu_ctx *ctx);

/** The backend's name ("auto", "iommufd", "type1", "iommufd-compat"), or NULL. */
LIBIOMMU_API const char *libiommu_backend_name(enum libiommu_backend backend);

/** Replace the log callback; @fn NULL silences the context. */
LIBIOMMU_API void libiommu_ctx_set_log(struct libiommu_ctx *ctx,
				       libiommu_log_fn fn, void *userdata,
				       enum libiommu_log_level max_level);

/** What the kernel behind a context can do, probed when first asked. */
enum libiommu_feature {
	LIBIOMMU_FEAT_IOAS = 0,		   /* IOAS alloc/map/unmap/copy/ranges */
	LIBIOMMU_FEAT_OPTION_RLIMIT_MODE,  /* memlock accounting mode option */
	LIBIOMMU_FEAT_OPTION_HUGE_PAGES,   /* per-IOAS huge page option */
	LIBIOMMU_FEAT_VFIO_COMPAT,	   /* type1 compat ioctls on /dev/iommu */
	LIBIOMMU_FEAT_HWPT_ALLOC,	   /* IOMMU_HWPT_ALLOC */
	LIBIOMMU_FEAT_GET_HW_INFO,	   /* IOMMU_GET_HW_INFO */
	LIBIOMMU_FEAT_DIRTY_TRACKING,	   /* HWPT dirty tracking commands */
	LIBIOMMU_FEAT_HWPT_INVALIDATE,	   /* nested HWPT cache invalidation */
	LIBIOMMU_FEAT_FAULT_QUEUE,	   /* IOMMU_FAULT_QUEUE_ALLOC */
	LIBIOMMU_FEAT_IOAS_MAP_FILE,	   /* IOMMU_IOAS_MAP_FILE (memfd) */
	LIBIOMMU_FEAT_VIOMMU,		   /* IOMMU_VIOMMU_ALLOC */
	LIBIOMMU_FEAT_VDEVICE,		   /* IOMMU_VDEVICE_ALLOC */
	LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS, /* IOMMU_IOAS_CHANGE_PROCESS */
	LIBIOMMU_FEAT_VEVENTQ,		   /* IOMMU_VEVENTQ_ALLOC */
	LIBIOMMU_FEAT_HW_QUEUE,		   /* IOMMU_HW_QUEUE_ALLOC */
	LIBIOMMU_FEAT_NOIOMMU_GET_PA,	   /* IOMMU_IOAS_NOIOMMU_GET_PA */
	LIBIOMMU_FEAT__COUNT		   /* not a feature; may grow */
};

/**
 * 1 if the kernel behind @ctx has @feat, 0 if not.  The feature is probed
 * the first time it is asked (ioctls that create and change nothing) and
 * the answer is cached in the context.  -EINVAL for an unknown feature or
 * NULL ctx; -EPERM/-EACCES when the probe was refused before it reached
 * the kernel (a seccomp filter or a security module): not cached.
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
/* The ioctls each function may issue (for a VMM's seccomp filter)           */
/* ------------------------------------------------------------------------ */

/** The file an ioctl listed by libiommu_ioctls() is issued on. */
enum libiommu_ioctl_fd {
	LIBIOMMU_IOCTL_FD_CTX = 0,     /* the context's fd (libiommu_ctx_fd()) */
	LIBIOMMU_IOCTL_FD_DEV = 1,     /* a VFIO device fd (libiommu_dev_fd()) */
	LIBIOMMU_IOCTL_FD_GROUP = 2,   /* a VFIO group fd (/dev/vfio/N) */
	LIBIOMMU_IOCTL_FD_KVM_VM = 3,  /* the caller's KVM VM fd */
	LIBIOMMU_IOCTL_FD_KVM_DEV = 4, /* the kvm-vfio device fd (libiommu_kvm_fd()) */
	LIBIOMMU_IOCTL_FD_MODULE = 5,  /* /dev/libiommu(-sim), the companion modules */
	LIBIOMMU_IOCTL_FD_MIG = 6,     /* a migration data fd (libiommu_dev_set_mig_state()) */
	LIBIOMMU_IOCTL_FD__COUNT       /* not a file; may grow */
};

/* libiommu_ioctl.flags */
/** A question that changes nothing (a probe or a check). */
#define LIBIOMMU_IOCTL_QUERY (1u << 0)
/** Issued only after another ioctl of the call failed, to undo or explain it. */
#define LIBIOMMU_IOCTL_ON_FAILURE (1u << 1)

/** One ioctl a function may issue; a result struct: set sz before the call. */
struct libiommu_ioctl {
	size_t sz;
	/** The kernel's name of the request, e.g. "IOMMU_IOAS_MAP". */
	const char *name;
	/** When the function issues it, in words; NULL: whenever it runs. */
	const char *when;
	/**
	 * Issued only when the function is given one of these flags (its
	 * flags argument, or its opts' flags); 0: whatever the flags.  For
	 * libiommu_ctx_has_feature(): bit (1 << feature).
	 */
	uint64_t call_flags;
	/** The request number: ioctl(2)'s second argument. */
	uint32_t request;
	/** LIBIOMMU_IOCTL_FD_*: the file it goes to. */
	uint32_t fd;
	/** The backends that issue it: bits (1u << LIBIOMMU_BACKEND_*). */
	uint32_t backends;
	/** LIBIOMMU_IOCTL_* */
	uint32_t flags;
};

struct libiommu_ioctls_opts {
	size_t sz;
	/** Only this backend's ioctls; LIBIOMMU_BACKEND_AUTO (0): every backend's. */
	enum libiommu_backend backend;
	/** Must be 0 (the struct has no implicit padding). */
	uint32_t reserved;
};

/**
 * The ioctls the public function named @function may issue, so that a
 * program can build its seccomp filter: returns how many there are (0: it
 * issues none), and with @out (out->sz set) fills *out with the @i-th.
 * @opts (may be NULL) picks the backend.  The list is the library's own
 * table, held to what the functions issue by its tests; see
 * libiommu_ioctls(3).  Errors: -ENOENT (no such function in this
 * libiommu), -ERANGE (@i not below the count), -EINVAL, -E2BIG.
 */
LIBIOMMU_API int libiommu_ioctls(const char *function,
				 const struct libiommu_ioctls_opts *opts,
				 size_t i, struct libiommu_ioctl *out);

/* ------------------------------------------------------------------------ */
/* I/O address spaces (the /dev/ioasid RFC's IOASID)                         */
/* ------------------------------------------------------------------------ */

struct libiommu_ioas;

struct libiommu_ioas_opts {
	size_t sz;
	/** LIBIOMMU_IOAS_* flags. */
	uint32_t flags;
	/** Must be 0 (the struct has no implicit padding). */
	uint32_t reserved;
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
#define LIBIOMMU_MAP_READ (1u << 0)	  /* DMA may read the memory */
#define LIBIOMMU_MAP_WRITE (1u << 1)	  /* DMA may write the memory */
#define LIBIOMMU_MAP_FIXED_IOVA (1u << 2) /* use *iova as given, else the kernel picks */

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

/**
 * Start (@enable) or stop tracking which pages of the IOAS devices write.
 * type1: VFIO_IOMMU_DIRTY_PAGES on the container (needs a device open, and
 * marks every page pinned for an IOMMU-backed device dirty).  iommufd: on
 * every HWPT of this IOAS allocated with LIBIOMMU_HWPT_DIRTY_TRACKING
 * (-EOPNOTSUPP when a device is attached to the IOAS directly or no such
 * HWPT exists).  Errors: -EOPNOTSUPP (backend, kernel or IOMMU cannot),
 * -ENODEV (type1: no device yet), -EINVAL, -ENOMEM.
 */
LIBIOMMU_API int libiommu_ioas_set_dirty_tracking(struct libiommu_ioas *ioas,
						  bool enable);

/**
 * Read and clear which pages of [iova, iova + length) were written since
 * the last read (or since tracking started); bitmap layout, @page_size and
 * LIBIOMMU_DIRTY_NO_CLEAR as for libiommu_hwpt_get_dirty_bitmap().  type1
 * takes only its smallest IOMMU page size, ranges that do not split a
 * mapping, and no LIBIOMMU_DIRTY_NO_CLEAR (-EOPNOTSUPP).
 * Errors: -EINVAL (tracking not started, bad range or page size),
 * -EOPNOTSUPP.
 */
LIBIOMMU_API int libiommu_ioas_get_dirty_bitmap(struct libiommu_ioas *ioas,
						uint64_t iova, uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags);

/* ------------------------------------------------------------------------ */
/* Devices (the RFC's device_handle): VFIO device cdevs bound to a context   */
/* ------------------------------------------------------------------------ */

struct libiommu_dev;
struct libiommu_hwpt;

/* libiommu_dev_opts.flags */
/** Bind with opts->vf_token (a PF's VF token UUID, VFIO_DEVICE_BIND_FLAG_TOKEN). */
#define LIBIOMMU_DEV_VF_TOKEN (1u << 0)

struct libiommu_dev_opts {
	size_t sz;
	/** LIBIOMMU_DEV_* flags. */
	uint32_t flags;
	/** The VF token, 16 raw UUID bytes; used with LIBIOMMU_DEV_VF_TOKEN. */
	unsigned char vf_token[16];
	/** Must be 0 (the struct has no implicit padding). */
	uint32_t reserved;
};

/**
 * Open the VFIO device cdev @path (e.g. "/dev/vfio/devices/vfio0") and bind
 * it to @ctx (VFIO_DEVICE_BIND_IOMMUFD).  The handle owns the fd.
 * Errors: -ENOENT, -EACCES/-EPERM (open), -ENOTTY (not a VFIO cdev),
 * -EBUSY (the device is in use through its VFIO group), -EINVAL (already
 * open elsewhere, VF token not taken, bad args), -EACCES (VF token needed
 * or wrong), -EPERM (its IOMMU group is not viable or belongs to another
 * iommufd, or no isolated MSI: the log says which), -E2BIG, -ENOMEM.
 */
LIBIOMMU_API int libiommu_dev_open(struct libiommu_ctx *ctx, const char *path,
				   const struct libiommu_dev_opts *opts,
				   struct libiommu_dev **out);

/**
 * Bind a VFIO device cdev fd the caller opened (not yet bound) to @ctx.
 * @mode says whether the handle owns or borrows @fd; on failure an owned fd
 * is NOT closed.  Errors as libiommu_dev_open(), plus -EBADF.
 */
LIBIOMMU_API int libiommu_dev_open_fd(struct libiommu_ctx *ctx, int fd,
				      enum libiommu_fd_mode mode,
				      const struct libiommu_dev_opts *opts,
				      struct libiommu_dev **out);

/**
 * Legacy VFIO (the type1 and iommufd-compat backends): open device @name
 * (e.g. "0000:00:03.0", its name in /sys/bus/pci/devices) through the VFIO
 * group @group_path (e.g. "/dev/vfio/12"): the group joins the context's
 * container (VFIO_GROUP_SET_CONTAINER; the first one sets the type1v2
 * IOMMU) and VFIO_GROUP_GET_DEVICE_FD gives the device fd, owned by the
 * handle.  Devices of one group share the group fd, which the context
 * keeps while one of them is open.  libiommu_dev_open() finds the group of
 * a cdev path itself.  Errors: -EOPNOTSUPP (iommufd backend), -ENOENT (no
 * such group or device), -EBUSY (the group is open elsewhere, or not
 * viable: a device of it is bound to another driver), -EPERM, -EINVAL,
 * -EADDRINUSE (a mapping made before overlaps the IOMMU's reserved
 * regions), -E2BIG, -ENOMEM.
 */
LIBIOMMU_API int libiommu_dev_open_group(struct libiommu_ctx *ctx,
					 const char *group_path,
					 const char *name,
					 const struct libiommu_dev_opts *opts,
					 struct libiommu_dev **out);

/**
 * As libiommu_dev_open_group() with a VFIO group fd the caller opened;
 * @mode says whether the context owns or borrows it (an owned one is
 * closed when the group's last device handle is freed; on failure it is
 * NOT closed).  Errors as libiommu_dev_open_group(), plus -EBADF.
 */
LIBIOMMU_API int libiommu_dev_open_group_fd(struct libiommu_ctx *ctx,
					    int group_fd,
					    enum libiommu_fd_mode mode,
					    const char *name,
					    const struct libiommu_dev_opts *opts,
					    struct libiommu_dev **out);

/**
 * Wrap a device already bound to @ctx's iommufd by other means (another
 * library, the kernel's selftest mock) by its iommufd device id.  The handle
 * has no fd: it can allocate HWPTs and read hardware info; attach, detach
 * and region access fail with -EBADF.  Freeing it leaves the device bound.
 * Errors: -ENOENT (no such device in the ctx), -EEXIST (a handle of this
 * ctx already has that id), -EINVAL, -ENOMEM.
 */
LIBIOMMU_API int libiommu_dev_adopt_id(struct libiommu_ctx *ctx,
				       uint32_t dev_id,
				       struct libiommu_dev **out);

/**
 * Free a device handle.  Detaches what the handle attached, then closes the
 * cdev fd if owned (which unbinds the device).  A borrowed fd stays open and
 * bound to the iommufd.  NULL is a no-op.
 */
LIBIOMMU_API void libiommu_dev_free(struct libiommu_dev *dev);

/** The iommufd device id (0 and errno EINVAL for NULL). */
LIBIOMMU_API uint32_t libiommu_dev_id(const struct libiommu_dev *dev);

/** The VFIO cdev fd; -EBADF for an adopted device, -EINVAL for NULL. */
LIBIOMMU_API int libiommu_dev_fd(const struct libiommu_dev *dev);

/** The context the device is bound to. */
LIBIOMMU_API struct libiommu_ctx *libiommu_dev_ctx(const struct libiommu_dev *dev);

/**
 * Attach the device (its RID, no PASID) to @ioas (the kernel picks or makes
 * a HWPT) or to @hwpt.  Attaching while attached is an atomic replace: DMA
 * moves from the old translation to the new one without a blocked gap.
 * Attaching again to the current target is a no-op.
 * Errors: -EXDEV (other ctx), -EBADF (adopted device), -EINVAL,
 * -EOPNOTSUPP/-EINVAL (IOMMU cannot use that HWPT), -ENOMEM.
 */
LIBIOMMU_API int libiommu_dev_attach_ioas(struct libiommu_dev *dev,
					  struct libiommu_ioas *ioas);
LIBIOMMU_API int libiommu_dev_attach_hwpt(struct libiommu_dev *dev,
					  struct libiommu_hwpt *hwpt);

/** Detach the RID.  -ENOENT when not attached, -EBADF for adopted devices. */
LIBIOMMU_API int libiommu_dev_detach(struct libiommu_dev *dev);

/** "No PASID": the device's RID, for libiommu_dev_get_attached(). */
#define LIBIOMMU_NO_PASID UINT32_MAX

/**
 * PASID variants: attach (or atomically replace) / detach one PASID of the
 * device.  @pasid must be 1 .. (1 << max_pasid_log2) - 1.
 * Errors: -EOPNOTSUPP (device or kernel without PASID support), -EINVAL
 * (PASID out of range, HWPT not allocated with LIBIOMMU_HWPT_PASID),
 * -ENOENT (detach of a PASID not attached), and those of the RID calls.
 */
LIBIOMMU_API int libiommu_dev_pasid_attach_ioas(struct libiommu_dev *dev,
						uint32_t pasid,
						struct libiommu_ioas *ioas);
LIBIOMMU_API int libiommu_dev_pasid_attach_hwpt(struct libiommu_dev *dev,
						uint32_t pasid,
						struct libiommu_hwpt *hwpt);
LIBIOMMU_API int libiommu_dev_pasid_detach(struct libiommu_dev *dev,
					   uint32_t pasid);

/**
 * What @pasid (LIBIOMMU_NO_PASID: the RID) is attached to, as made through
 * this handle.  Returns 1 when attached (exactly one of *ioas / *hwpt is
 * set, the other NULL; *hwpt_id is the kernel HWPT in use), 0 when not
 * (outputs NULL/0), or a negative errno.  Any output may be NULL.
 */
LIBIOMMU_API int libiommu_dev_get_attached(const struct libiommu_dev *dev,
					   uint32_t pasid,
					   struct libiommu_ioas **ioas,
					   struct libiommu_hwpt **hwpt,
					   uint32_t *hwpt_id);

/* VFIO regions (needs the device fd).  Indexes of a vfio-pci device: */
#define LIBIOMMU_PCI_BAR0_REGION 0u /* BAR n is region n, n = 0..5 */
#define LIBIOMMU_PCI_ROM_REGION 6u
#define LIBIOMMU_PCI_CONFIG_REGION 7u
#define LIBIOMMU_PCI_VGA_REGION 8u

/* libiommu_region_info.flags, and the prot of libiommu_dev_region_mmap() */
#define LIBIOMMU_REGION_READ (1u << 0)
#define LIBIOMMU_REGION_WRITE (1u << 1)
#define LIBIOMMU_REGION_MMAP (1u << 2) /* info only: the region can be mmap()ed */

struct libiommu_region_info {
	size_t sz; /* set by the caller: sizeof(struct libiommu_region_info) */
	uint32_t index;
	uint32_t flags;	 /* LIBIOMMU_REGION_* */
	uint64_t size;	 /* bytes; 0 = the device has no such region */
	uint64_t offset; /* where the region starts in the device fd */
};

/** VFIO_DEVICE_GET_REGION_INFO.  -EINVAL for an index the device lacks. */
LIBIOMMU_API int libiommu_dev_region_info(struct libiommu_dev *dev,
					  uint32_t index,
					  struct libiommu_region_info *info);

/**
 * Read/write @len bytes at @offset inside region @index (pread/pwrite on the
 * device fd): e.g. PCI config space is LIBIOMMU_PCI_CONFIG_REGION.  0 when
 * all bytes moved; -EINVAL (outside the region, no READ/WRITE flag), -EIO
 * (short transfer or device error).
 */
LIBIOMMU_API int libiommu_dev_region_read(struct libiommu_dev *dev,
					  uint32_t index, uint64_t offset,
					  void *buf, size_t len);
LIBIOMMU_API int libiommu_dev_region_write(struct libiommu_dev *dev,
					   uint32_t index, uint64_t offset,
					   const void *buf, size_t len);

/**
 * mmap() @len bytes at @offset (page aligned) of region @index with @prot
 * (LIBIOMMU_REGION_READ/WRITE), shared.  *addr gets the mapping; release it
 * with munmap(*addr, len).  -EINVAL (region not mmap-able, unaligned, out of
 * range), and mmap()'s errors.
 */
LIBIOMMU_API int libiommu_dev_region_mmap(struct libiommu_dev *dev,
					  uint32_t index, uint64_t offset,
					  size_t len, uint32_t prot,
					  void **addr);

/* ------------------------------------------------------------------------ */
/* IOMMU hardware info (IOMMU_GET_HW_INFO)                                   */
/* ------------------------------------------------------------------------ */

/* Driver data types (the kernel's enum iommu_hw_info_type numbers). */
#define LIBIOMMU_HW_TYPE_NONE 0u    /* driver reports nothing */
#define LIBIOMMU_HW_TYPE_DEFAULT 0u /* as input: what the driver prefers */
#define LIBIOMMU_HW_TYPE_INTEL_VTD 1u
#define LIBIOMMU_HW_TYPE_ARM_SMMUV3 2u
#define LIBIOMMU_HW_TYPE_TEGRA241_CMDQV 3u
#define LIBIOMMU_HW_TYPE_AMD 4u
#define LIBIOMMU_HW_TYPE_SELFTEST 0xfeedbeefu /* the kernel's iommufd selftest mock */

/* libiommu_hw_info.caps: what iommufd says for this device, any driver. */
#define LIBIOMMU_HW_CAP_DIRTY_TRACKING 0x1ULL
#define LIBIOMMU_HW_CAP_PCI_PASID_EXEC 0x2ULL
#define LIBIOMMU_HW_CAP_PCI_PASID_PRIV 0x4ULL
#define LIBIOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED 0x8ULL

/* libiommu_hw_info.features: decoded from the IOMMU's own registers. */
#define LIBIOMMU_HW_FEAT_SNOOP_CONTROL (1u << 0)  /* can force snooped DMA */
#define LIBIOMMU_HW_FEAT_DIRTY_TRACKING (1u << 1) /* hardware dirty bits */
#define LIBIOMMU_HW_FEAT_NESTING (1u << 2)	  /* two-stage translation */
#define LIBIOMMU_HW_FEAT_PASID (1u << 3)	  /* PASID-tagged DMA */
#define LIBIOMMU_HW_FEAT_PRI (1u << 4)		  /* page requests (I/O faults) */
#define LIBIOMMU_HW_FEAT_ATS (1u << 5)		  /* device TLBs (ATS) */

/** Decoded hardware info; a result struct: set sz before the call. */
struct libiommu_hw_info {
	size_t sz;
	/** LIBIOMMU_HW_TYPE_*: which member of regs holds the raw registers. */
	uint32_t type;
	/** Bytes of driver data the kernel has for that type. */
	uint32_t data_len;
	/** LIBIOMMU_HW_CAP_* (from iommufd, not the registers). */
	uint64_t caps;
	/** The device may use PASIDs 1 .. (1 << max_pasid_log2) - 1; 0: none. */
	uint32_t max_pasid_log2;
	/** LIBIOMMU_HW_FEAT_* the IOMMU has, ... */
	uint32_t features;
	/** ... and which of those bits the registers could tell at all. */
	uint32_t features_known;
	/** PASID width the IOMMU supports, in bits (0: none or unknown). */
	uint32_t pasid_bits;
	/** IOVA width of the IOMMU's page tables, in bits (0: unknown). */
	uint32_t addr_bits;
	uint32_t reserved;
	/** Page sizes its page tables can map (bit n: 2^n bytes; 0: unknown). */
	uint64_t pgsize_bitmap;
	/** The raw registers, as the kernel reported them. */
	union {
		struct {
			uint32_t flags;
			uint64_t cap_reg;
			uint64_t ecap_reg;
		} vtd;
		struct {
			uint64_t efr;
			uint64_t efr2;
		} amd;
		struct {
			uint32_t flags;
			uint32_t idr[6];
			uint32_t iidr;
			uint32_t aidr;
		} smmuv3;
		struct {
			uint32_t flags;
			uint8_t version;
			uint8_t log2vcmdqs;
			uint8_t log2vsids;
		} tegra241_cmdqv;
		struct {
			uint32_t flags;
			uint32_t test_reg;
		} selftest;
		uint64_t raw[8];
	} regs;
};

/**
 * The device's IOMMU hardware info, decoded.  info->sz must be set.
 * Errors: -EOPNOTSUPP (kernel without IOMMU_GET_HW_INFO, or a device
 * without an IOMMU), -EINVAL, -ENOENT (device gone), -EPROTO (short data).
 */
LIBIOMMU_API int libiommu_dev_get_hw_info(struct libiommu_dev *dev,
					  struct libiommu_hw_info *info);

/**
 * The raw IOMMU_GET_HW_INFO data.  @type LIBIOMMU_HW_TYPE_DEFAULT asks for
 * the driver's own type; another type asks for that one (kernels with
 * IOMMU_HW_INFO_FLAG_INPUT_TYPE).  On entry *len is the size of @data (may
 * be 0 with @data NULL); on return it is the size the kernel has, which may
 * exceed what was copied.  *out_type (may be NULL) gets the data's type.
 * Errors: -EOPNOTSUPP (type not supported by the driver or the kernel).
 */
LIBIOMMU_API int libiommu_dev_get_hw_info_raw(struct libiommu_dev *dev,
					      uint32_t type, void *data,
					      uint32_t *len,
					      uint32_t *out_type);

/**
 * Decode raw driver data of @type (as from libiommu_dev_get_hw_info_raw())
 * into @info (its sz set; caps and max_pasid_log2 are left 0).
 * Errors: -EINVAL (NULL, @len too short for @type), -EOPNOTSUPP (type
 * unknown to this libiommu: info->type and data_len are still set).
 */
LIBIOMMU_API int libiommu_hw_info_decode(uint32_t type, const void *data,
					 size_t len,
					 struct libiommu_hw_info *info);

/** A short name for a LIBIOMMU_HW_TYPE_* ("intel-vtd", ...), or NULL. */
LIBIOMMU_API const char *libiommu_hw_type_name(uint32_t type);

/* ------------------------------------------------------------------------ */
/* HWPT: hardware page tables (the RFC's I/O page tables)                    */
/* ------------------------------------------------------------------------ */

/* libiommu_hwpt_opts.flags */
#define LIBIOMMU_HWPT_NEST_PARENT (1u << 0)    /* may be the parent of nested HWPTs */
#define LIBIOMMU_HWPT_DIRTY_TRACKING (1u << 1) /* dirty tracking can be enabled */
#define LIBIOMMU_HWPT_PASID (1u << 2)	       /* may be attached to PASIDs */

/* Driver data types for HWPT allocation (the kernel's numbers). */
#define LIBIOMMU_HWPT_DATA_NONE 0u
#define LIBIOMMU_HWPT_DATA_VTD_S1 1u
#define LIBIOMMU_HWPT_DATA_ARM_SMMUV3 2u
#define LIBIOMMU_HWPT_DATA_AMD_GUEST 3u

struct libiommu_fault_queue;

struct libiommu_hwpt_opts {
	size_t sz;
	/** LIBIOMMU_HWPT_* flags. */
	uint32_t flags;
	/** LIBIOMMU_HWPT_DATA_* of @data (passed to the driver verbatim). */
	uint32_t data_type;
	const void *data;
	size_t data_len;
	/**
	 * (0.2) The I/O page-fault queue that gets the HWPT's page faults
	 * (libiommu_fault_queue_alloc()), or NULL: faults are not reported.
	 */
	struct libiommu_fault_queue *fault_queue;
};

/**
 * Allocate a paging HWPT that maps @ioas, for devices like @dev (which
 * picks the IOMMU).  Errors: -EXDEV (dev and ioas in different contexts),
 * -EOPNOTSUPP (flag or data the IOMMU or kernel does not support),
 * -EINVAL, -E2BIG, -ENOMEM.
 */
LIBIOMMU_API int libiommu_hwpt_alloc(struct libiommu_dev *dev,
				     struct libiommu_ioas *ioas,
				     const struct libiommu_hwpt_opts *opts,
				     struct libiommu_hwpt **out);

/**
 * Allocate a nested HWPT on @parent (a LIBIOMMU_HWPT_NEST_PARENT HWPT):
 * opts->data_type/data/data_len describe the stage-1 table and are needed;
 * the only flag allowed is LIBIOMMU_HWPT_PASID.  Errors as
 * libiommu_hwpt_alloc().
 */
LIBIOMMU_API int libiommu_hwpt_alloc_nested(struct libiommu_dev *dev,
					    struct libiommu_hwpt *parent,
					    const struct libiommu_hwpt_opts *opts,
					    struct libiommu_hwpt **out);

/**
 * Destroy a HWPT and free its handle.  -EBUSY (handle still valid) while a
 * device or nested HWPT uses it.  NULL is a no-op returning 0.
 */
LIBIOMMU_API int libiommu_hwpt_destroy(struct libiommu_hwpt *hwpt);

/** The kernel object id of the HWPT (0 and errno EINVAL for NULL). */
LIBIOMMU_API uint32_t libiommu_hwpt_id(const struct libiommu_hwpt *hwpt);

/**
 * Start or stop dirty tracking (IOMMU_HWPT_SET_DIRTY_TRACKING); starting
 * clears the dirty bits.  -EINVAL when the HWPT was not allocated with
 * LIBIOMMU_HWPT_DIRTY_TRACKING, -EOPNOTSUPP without kernel support.
 */
LIBIOMMU_API int libiommu_hwpt_set_dirty_tracking(struct libiommu_hwpt *hwpt,
						  bool enable);

/* libiommu_hwpt_get_dirty_bitmap() flags */
#define LIBIOMMU_DIRTY_NO_CLEAR (1u << 0) /* read without clearing */

/**
 * Read (and, unless LIBIOMMU_DIRTY_NO_CLEAR, clear) which pages of
 * [iova, iova + length) the devices wrote.  Bit n of @bitmap (word n / 64,
 * bit n % 64) is page iova + n * page_size; @bitmap must hold
 * (length / page_size + 63) / 64 words and is zeroed first.  @page_size is a
 * power of two; @iova and @length multiples of it.  Parts of the range
 * the IOAS does not map read as clean.  Errors: -EINVAL, -EOPNOTSUPP.
 */
LIBIOMMU_API int libiommu_hwpt_get_dirty_bitmap(struct libiommu_hwpt *hwpt,
						uint64_t iova, uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags);

/* Invalidation data types (the kernel's numbers). */
#define LIBIOMMU_HWPT_INVALIDATE_DATA_VTD_S1 0u

/**
 * Invalidate the caches of a nested HWPT (IOMMU_HWPT_INVALIDATE): @entries
 * is an array of *entry_num entries of @entry_len bytes each, in the
 * driver's format @data_type.  On return *entry_num is how many entries the
 * kernel handled, also on failure.  Errors: -EINVAL, -EOPNOTSUPP.
 */
LIBIOMMU_API int libiommu_hwpt_invalidate(struct libiommu_hwpt *hwpt,
					  uint32_t data_type,
					  const void *entries,
					  uint32_t entry_len,
					  uint32_t *entry_num);

/* ------------------------------------------------------------------------ */
/* Coherency: the IOMMU-vs-device no-snoop matrix of the /dev/ioasid RFC     */
/* ------------------------------------------------------------------------ */
/*
 *                        device may issue no-snoop   device never does
 *   IOMMU blocks no-snoop            1                        2
 *   IOMMU lets it through            3                        4
 *
 * DMA is coherent in boxes 1, 2 and 4.  Linux's KVM emulates WBINVD in
 * boxes 3 and 4 (it decides from the IOMMU side alone); only box 3 needs
 * it.  See libiommu_coherency_get_dev(3) for where each answer comes from.
 */

struct libiommu_coherency;
struct libiommu_kvm;

/*
 * libiommu_ioas_opts.flags: the IOAS's coherency policy.  It holds on every
 * path a device takes into the IOAS: libiommu_dev_attach_ioas(),
 * libiommu_hwpt_alloc() and _alloc_nested() on it, libiommu_dev_attach_hwpt()
 * with its HWPTs, a replace, and the PASID variants.  A refusal names the
 * rule and leaves nothing attached or allocated.  The legacy type1 backends
 * refuse these flags (-EOPNOTSUPP): a device is in their one address space
 * from the moment it is opened, before any attach could be checked.
 */
/**
 * The RFC's "non-coherent IOASID": every device must run on a HWPT that
 * does not enforce snooping.  A device whose IOMMU would force it to snoop
 * is refused with -EOPNOTSUPP (upstream iommufd has no way to opt out).
 */
#define LIBIOMMU_IOAS_NONCOHERENT (1u << 1)
/**
 * Every device must run on a HWPT that forces it to snoop: one whose IOMMU
 * cannot block no-snoop (or cannot be shown to) is refused with -EPERM.
 */
#define LIBIOMMU_IOAS_REQUIRE_COHERENT (1u << 2)
/**
 * Let the kernel choose the HWPT of each device attached with
 * libiommu_dev_attach_ioas() (IOMMU_IOAS attach).  By default the library
 * chooses: a device whose IOMMU can enforce snoop goes on a HWPT that
 * enforces it, one the library allocates (or reuses) in the IOAS, because
 * the kernel alone reuses any compatible HWPT of the IOAS, also one made
 * without enforcement for another device, and then VFIO still tells KVM
 * that the device's DMA is coherent (see libiommu_coherency_get_dev(3)).
 * Not with the two flags above.
 */
#define LIBIOMMU_IOAS_KERNEL_HWPT (1u << 3)

/** The answer to one question of a coherency report. */
enum libiommu_coherency_answer {
	LIBIOMMU_COHERENCY_ANSWER_UNKNOWN = 0, /* cannot be known here (see the source) */
	LIBIOMMU_COHERENCY_ANSWER_NO = 1,
	LIBIOMMU_COHERENCY_ANSWER_YES = 2,
	LIBIOMMU_COHERENCY_ANSWER_MIXED = 3, /* IOAS / KVM report: the devices differ */
};

/** The kernel's default WBINVD policy (the RFC's 'disable' / 'enable'). */
enum libiommu_coherency_policy {
	LIBIOMMU_COHERENCY_POLICY_UNKNOWN = 0,
	LIBIOMMU_COHERENCY_POLICY_DISABLE = 1, /* boxes 1, 2: KVM does not emulate WBINVD */
	LIBIOMMU_COHERENCY_POLICY_ENABLE = 2,  /* boxes 3, 4: KVM emulates WBINVD */
};

/** The questions a report answers; each has a source. */
enum libiommu_coherency_field {
	LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK = 0, /* capability: can the IOMMU block no-snoop? */
	LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS,	      /* enforcement now (once attached) */
	LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP,	      /* may the device issue no-snoop? */
	LIBIOMMU_COHERENCY_FIELD_BOX,		      /* box 1-4 of the matrix */
	LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT,	      /* is DMA coherent? */
	LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD,	      /* does KVM emulate WBINVD for it? */
	LIBIOMMU_COHERENCY_FIELD_POLICY,	      /* the kernel's default policy */
	LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT,     /* KVM report: KVM's own state, read back */
	LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD,	      /* DMA needs WBINVD but KVM does not emulate it */
	LIBIOMMU_COHERENCY_FIELD__COUNT		      /* not a field; may grow */
};

/** Where an answer came from. */
enum libiommu_coherency_source {
	LIBIOMMU_COHERENCY_SOURCE_NONE = 0,	/* nowhere: the answer is unknown */
	LIBIOMMU_COHERENCY_SOURCE_HW_INFO,	/* IOMMU_GET_HW_INFO, decoded (e.g. VT-d ECAP.SC) */
	LIBIOMMU_COHERENCY_SOURCE_VFIO,		/* VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) */
	LIBIOMMU_COHERENCY_SOURCE_MODULE,	/* the companion module (/dev/libiommu) */
	LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE, /* PCI config space through VFIO */
	LIBIOMMU_COHERENCY_SOURCE_DERIVED,	/* derived from the other answers */
	LIBIOMMU_COHERENCY_SOURCE_DEVICES,	/* IOAS / KVM report: from its devices' reports */
	LIBIOMMU_COHERENCY_SOURCE_HWPT,		/* the enforcement the device's HWPT got when allocated */
	LIBIOMMU_COHERENCY_SOURCE__COUNT	/* not a source; may grow */
};

/** The RFC's policy changes, and the device's no-snoop control. */
enum libiommu_coherency_change {
	LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE = 0, /* box 1 -> 3: let no-snoop through */
	LIBIOMMU_COHERENCY_CHANGE_NONCOHERENT_IOAS, /* join a LIBIOMMU_IOAS_NONCOHERENT IOAS */
	LIBIOMMU_COHERENCY_CHANGE_REQUIRE_COHERENT, /* join a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS */
	LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP,    /* clear PCIe Enable No Snoop (1 -> 2, 3 -> 4) */
	LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP,	    /* set it (back) */
	LIBIOMMU_COHERENCY_CHANGE__COUNT	    /* not a change; may grow */
};

/** Whether a change is possible here. */
enum libiommu_coherency_verdict {
	LIBIOMMU_COHERENCY_VERDICT_UNKNOWN = 0, /* cannot be told in advance */
	LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE = 1,
	LIBIOMMU_COHERENCY_VERDICT_POSSIBLE = 2,
	LIBIOMMU_COHERENCY_VERDICT_ALREADY = 3, /* already so: nothing to change */
};

/** Why: the reason code behind a verdict or a failed policy operation. */
enum libiommu_coherency_reason {
	LIBIOMMU_COHERENCY_REASON_NONE = 0,	      /* nothing stands in the way */
	LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES,   /* iommufd enforces snoop whenever the IOMMU can; no uAPI opts out */
	LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK, /* the IOMMU cannot block no-snoop for the device */
	LIBIOMMU_COHERENCY_REASON_SIM_KNOB,	      /* possible through the module's simulated IOMMU */
	LIBIOMMU_COHERENCY_REASON_DEVICE_OPEN,	      /* the simulated IOMMU takes it only while the device is closed */
	LIBIOMMU_COHERENCY_REASON_NO_PCIE,	      /* no PCIe capability: no Enable No Snoop, never no-snoop */
	LIBIOMMU_COHERENCY_REASON_NOSNOOP_HARDWIRED,  /* Enable No Snoop does not stick (read-only) */
	LIBIOMMU_COHERENCY_REASON_NOT_PCI,	      /* not a PCI device: no config space through VFIO */
	LIBIOMMU_COHERENCY_REASON_NO_DEVICE_FD,	      /* adopted device: no VFIO device fd */
	LIBIOMMU_COHERENCY_REASON_UNKNOWN_CAPABILITY, /* whether the IOMMU can block no-snoop is unknown */
	LIBIOMMU_COHERENCY_REASON_ALREADY,	      /* already the state asked for */
	LIBIOMMU_COHERENCY_REASON_MODULE_NOT_LOADED,  /* needs the companion module (lib/kmod) */
	LIBIOMMU_COHERENCY_REASON_DEVICES_DIFFER,     /* IOAS / KVM report: its devices differ */
	LIBIOMMU_COHERENCY_REASON_NO_DEVICES,	      /* IOAS / KVM report: no device */
	LIBIOMMU_COHERENCY_REASON__COUNT	      /* not a reason; may grow */
};

/**
 * A coherency report (a snapshot) for one device.  Reads the companion
 * module (when /dev/libiommu exists), IOMMU_GET_HW_INFO and the device's
 * PCI config space; "the IOMMU blocks no-snoop now" is the enforcement of
 * the HWPT the device is attached to (the module's reading of the domain,
 * else what the HWPT was allocated with), never a capability.  Changes
 * nothing, except that it may write Enable No Snoop once and restore it,
 * to learn whether the bit sticks (not while the device is added to a KVM
 * VM; see the man page).  Free it with libiommu_coherency_free().
 * Errors: -EINVAL, -ENOMEM, and the error of a read that failed for
 * another reason than "there is nothing to read" (e.g. -ENOMEM, -EIO,
 * -EFAULT): a report never turns a failed read into "unknown".
 */
LIBIOMMU_API int libiommu_coherency_get_dev(struct libiommu_dev *dev,
					    struct libiommu_coherency **out);

/**
 * The aggregate report for an IOAS: one member report per device attached
 * to it (directly or through a HWPT of it) through this library, and VFIO's
 * answer for all of its HWPTs.  Errors: -EINVAL, -ENOMEM.
 */
LIBIOMMU_API int libiommu_coherency_get_ioas(struct libiommu_ioas *ioas,
					     struct libiommu_coherency **out);

/**
 * The aggregate report for a KVM VM: one member report per device added to
 * its kvm-vfio device through @kvm, and KVM's own non-coherent DMA state
 * read back through the companion module (unknown without it).
 */
LIBIOMMU_API int libiommu_coherency_get_kvm(struct libiommu_kvm *kvm,
					    struct libiommu_coherency **out);

/** Free a report (NULL is a no-op). */
LIBIOMMU_API void libiommu_coherency_free(struct libiommu_coherency *coh);

/** What the report is about, e.g. "0000:00:03.0 (vfio0)"; "" for NULL. */
LIBIOMMU_API const char *libiommu_coherency_name(const struct libiommu_coherency *coh);

/** IOAS / KVM report: number of member (device) reports; 0 for a device. */
LIBIOMMU_API size_t libiommu_coherency_nr_members(const struct libiommu_coherency *coh);

/** The @i-th member report (owned by @coh), or NULL. */
LIBIOMMU_API const struct libiommu_coherency *
libiommu_coherency_member(const struct libiommu_coherency *coh, size_t i);

/** Can the IOMMU block no-snoop for the device (capability)? */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_iommu_can_block(const struct libiommu_coherency *coh);

/** Does it block no-snoop now (enforcement; unknown until attached)? */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_iommu_blocks(const struct libiommu_coherency *coh);

/** May the device issue no-snoop (PCIe Device Control, Enable No Snoop)? */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_dev_nosnoop(const struct libiommu_coherency *coh);

/**
 * The box, 1-4, or 0 when unknown.  For an IOAS or KVM report: the box of
 * the device that needs the most (3 before 4 before 1 before 2).
 */
LIBIOMMU_API int libiommu_coherency_box(const struct libiommu_coherency *coh);

/** Is DMA coherent (boxes 1, 2, 4)?  For aggregates: of every device. */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_dma_coherent(const struct libiommu_coherency *coh);

/**
 * Does KVM emulate WBINVD because of it (the kernel's rule: boxes 3, 4)?
 * *needed (may be NULL) says whether DMA really needs it (box 3 only).
 */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_kvm_wbinvd(const struct libiommu_coherency *coh,
			      enum libiommu_coherency_answer *needed);

/** The kernel's default policy (module's GET_DEV_INFO, else derived). */
LIBIOMMU_API enum libiommu_coherency_policy
libiommu_coherency_default_policy(const struct libiommu_coherency *coh);

/**
 * KVM report: does KVM treat the VM as having non-coherent DMA, read back
 * from KVM (*count, may be NULL: KVM's count)?  Unknown without the module,
 * and for device and IOAS reports.
 */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_kvm_noncoherent(const struct libiommu_coherency *coh,
				   uint32_t *count);

/**
 * Is there a hazard: DMA that bypasses the CPU caches (box 3) while KVM
 * does not emulate WBINVD for it?  A device report predicts it from what
 * VFIO will tell KVM; a KVM report compares its devices with KVM's own
 * state read back.  A hazard is also logged as a warning when the report
 * is made.
 */
LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_kvm_hazard(const struct libiommu_coherency *coh);

/**
 * Device report: the kernel HWPT the device's RID is attached to (0: not
 * attached through this handle); *enforced (may be NULL) gets whether that
 * HWPT forces snooping (as "IOMMU blocks no-snoop now").
 */
LIBIOMMU_API uint32_t
libiommu_coherency_hwpt_id(const struct libiommu_coherency *coh,
			   enum libiommu_coherency_answer *enforced);

/**
 * Where the answer to @field came from; *detail (may be NULL) gets one line
 * saying how (e.g. "VT-d ECAP.SC=1 (IOMMU_GET_HW_INFO)", "derived, module
 * not loaded"), valid as long as @coh.
 */
LIBIOMMU_API enum libiommu_coherency_source
libiommu_coherency_source(const struct libiommu_coherency *coh,
			  enum libiommu_coherency_field field, const char **detail);

/**
 * Is @change possible here?  *reason and *text (either may be NULL) get the
 * reason code and a sentence about this device, valid as long as @coh.
 */
LIBIOMMU_API enum libiommu_coherency_verdict
libiommu_coherency_change(const struct libiommu_coherency *coh,
			  enum libiommu_coherency_change change,
			  enum libiommu_coherency_reason *reason, const char **text);

/**
 * Print the report (the 2x2 matrix with the box marked, every answer with
 * its source, the policy changes) into @buf with snprintf() semantics:
 * returns the length of the whole text; at most @len - 1 bytes and a NUL
 * are written.  -EINVAL for a NULL report.
 */
LIBIOMMU_API int libiommu_coherency_format(const struct libiommu_coherency *coh,
					   char *buf, size_t len);

/**
 * The same text written to the file descriptor @fd (write(2), all of it).
 * 0, -EINVAL (NULL report, negative fd), -ENOMEM, or the errno write(2)
 * failed with (e.g. -EBADF, -EPIPE; -EIO when it wrote nothing).
 */
LIBIOMMU_API int libiommu_coherency_write(const struct libiommu_coherency *coh,
					  int fd);

/* Short names ("yes", "hw-info", "force-enable", ...), NULL if unknown. */
LIBIOMMU_API const char *libiommu_coherency_answer_name(enum libiommu_coherency_answer a);
LIBIOMMU_API const char *libiommu_coherency_source_name(enum libiommu_coherency_source s);
LIBIOMMU_API const char *libiommu_coherency_change_name(enum libiommu_coherency_change c);
LIBIOMMU_API const char *libiommu_coherency_verdict_name(enum libiommu_coherency_verdict v);
/** The general text of a reason code (a report's text is more specific). */
LIBIOMMU_API const char *libiommu_coherency_reason_str(enum libiommu_coherency_reason r);

/**
 * Force-enable (the RFC's box 1 -> 3) for the VFIO device cdev @path, or
 * undo it (@enable false): its IOMMU stops blocking no-snoop for it, so
 * VFIO reports it not enforced-coherent and KVM emulates WBINVD.  The kernel
 * decides this when the device is bound, so call it before
 * libiommu_dev_open() (or after libiommu_dev_free()).
 * Returns 0 when done or already so; -EOPNOTSUPP on upstream iommufd when
 * the IOMMU can block no-snoop ("iommufd enforces snoop whenever the IOMMU
 * can; no uAPI lets user space opt out"); -EBUSY (simulated IOMMU, device
 * open); -ENOENT/-EACCES (open).  *reason (may be NULL) gets the reason code.
 */
LIBIOMMU_API int libiommu_coherency_force_enable(struct libiommu_ctx *ctx,
						 const char *path, bool enable,
						 enum libiommu_coherency_reason *reason);

/** What libiommu_coherency_set_nosnoop() changed; a result struct (set sz). */
struct libiommu_nosnoop_result {
	size_t sz;
	/** Box before and after (0: unknown). */
	int box_before;
	int box_after;
	/** PCIe Device Control before, and read back after the write. */
	uint16_t devctl_before;
	uint16_t devctl_after;
	/** The bit now differs from before. */
	bool changed;
	/** The bit reads back as asked (false: the write did not stick). */
	bool stuck;
	/** LIBIOMMU_COHERENCY_REASON_*: why it did not change (R_NONE when it did). */
	enum libiommu_coherency_reason reason;
};

/**
 * Set (@enable) or clear the device's PCIe Device Control "Enable No Snoop"
 * bit through the VFIO config region, read it back and report the box
 * before and after in *res (may be NULL).  0 when the bit now reads as
 * asked (clearing a device with no PCIe capability is 0: it never issues
 * no-snoop).  -EOPNOTSUPP when it cannot be: no PCIe capability (set), or
 * the write did not stick (QEMU's emulated devices); -EBADF (adopted
 * device), -EINVAL.
 */
LIBIOMMU_API int libiommu_coherency_set_nosnoop(struct libiommu_dev *dev,
						bool enable,
						struct libiommu_nosnoop_result *res);

/* ------------------------------------------------------------------------ */
/* KVM: the kvm-vfio device of a caller's VM                                 */
/* ------------------------------------------------------------------------ */

/* libiommu_kvm_opts.flags */
/** opts->kvm_vfio_fd is the VM's kvm-vfio device (borrowed). */
#define LIBIOMMU_KVM_DEVICE_FD (1u << 0)

struct libiommu_kvm_opts {
	size_t sz;
	/** LIBIOMMU_KVM_* flags. */
	uint32_t flags;
	/** With LIBIOMMU_KVM_DEVICE_FD: the VM's existing kvm-vfio device fd. */
	int kvm_vfio_fd;
};

/**
 * A handle on the kvm-vfio device of the KVM VM @vm_fd (borrowed: keep it
 * open while the handle lives): created with KVM_CREATE_DEVICE, or, since
 * KVM allows one per VM, taken when it exists: opts->kvm_vfio_fd
 * (borrowed), else another handle's of @ctx on the same @vm_fd (dup()ed).
 * No other fd is ever taken (nothing ties a kvm-vfio fd to its VM).
 * Freed with @ctx at the latest.  Errors: -EBADF, -ENOTTY (not a VM fd),
 * -ENODEV (KVM without kvm-vfio), -EBUSY (it exists, made outside @ctx:
 * pass it with LIBIOMMU_KVM_DEVICE_FD), -EINVAL, -E2BIG, -ENOMEM.
 */
LIBIOMMU_API int libiommu_kvm_new(struct libiommu_ctx *ctx, int vm_fd,
				  const struct libiommu_kvm_opts *opts,
				  struct libiommu_kvm **out);

/**
 * Delete every device the handle added (KVM_DEV_VFIO_FILE_DEL), then close
 * the handle's kvm-vfio fd unless it was borrowed (KVM destroys the device
 * with its last fd).  NULL is a no-op.
 */
LIBIOMMU_API void libiommu_kvm_free(struct libiommu_kvm *kvm);

/** The kvm-vfio device fd (owned by the handle, or borrowed). */
LIBIOMMU_API int libiommu_kvm_fd(const struct libiommu_kvm *kvm);

/**
 * Give the device's VFIO file to KVM (KVM_DEV_VFIO_FILE_ADD): KVM asks VFIO
 * whether its DMA is enforced-coherent.  Adding it again is a no-op.  A
 * device freed while added is deleted first.  Errors: -EXDEV (other ctx),
 * -EBADF (adopted device), -EEXIST (added by other means), -EINVAL.
 */
LIBIOMMU_API int libiommu_kvm_add_dev(struct libiommu_kvm *kvm,
				      struct libiommu_dev *dev);

/** KVM_DEV_VFIO_FILE_DEL.  -ENOENT when not added through @kvm. */
LIBIOMMU_API int libiommu_kvm_del_dev(struct libiommu_kvm *kvm,
				      struct libiommu_dev *dev);

/**
 * Read back whether KVM treats the VM as having non-coherent DMA (and so
 * emulates WBINVD): 1 yes, 0 no; *count (may be NULL) gets KVM's count.
 * -EOPNOTSUPP when it cannot be known: KVM keeps it internal and the
 * companion module (lib/kmod) is not loaded or cannot read KVM.
 */
LIBIOMMU_API int libiommu_kvm_noncoherent(struct libiommu_kvm *kvm,
					  uint32_t *count);

/* ------------------------------------------------------------------------ */
/* vIOMMU, vDEVICE, vEVENTQ, HW queue, I/O page-fault queue                 */
/* ------------------------------------------------------------------------ */

struct libiommu_viommu;
struct libiommu_vdevice;

/*
 * vIOMMU types (libiommu_viommu_opts.type, the kernel's numbers).  The
 * driver data for each is the kernel's struct for that type, passed
 * verbatim; some drivers write results back into it.
 */
#define LIBIOMMU_VIOMMU_TYPE_ARM_SMMUV3 1u
#define LIBIOMMU_VIOMMU_TYPE_TEGRA241_CMDQV 2u
/* The kernel's iommufd selftest mock (CONFIG_IOMMUFD_TEST) only. */
#define LIBIOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeefu

struct libiommu_viommu_opts {
	size_t sz;
	/** LIBIOMMU_VIOMMU_TYPE_* (not 0: the kernel has no default type). */
	uint32_t type;
	/** None defined yet: 0. */
	uint32_t flags;
	/**
	 * Driver data of @type, or NULL/0.  Read and written: a driver may
	 * return results in it (Tegra241 CMDQV: where to mmap its page).
	 */
	void *data;
	size_t data_len;
};

/**
 * Allocate a vIOMMU (IOMMU_VIOMMU_ALLOC): the per-VM instance of @dev's
 * IOMMU, on the nest-parent HWPT @parent that holds the VM's stage-2
 * translation.  It has @parent's snoop enforcement.  @parent stays in use
 * (libiommu_hwpt_destroy() -EBUSY) until the vIOMMU is destroyed.  Freed
 * with the context at the latest.  Errors: -EINVAL (parent is not a nest
 * parent, type 0, flags), -EXDEV, -EOPNOTSUPP (the kernel or the IOMMU has
 * no vIOMMU of that type), -ENOENT, -E2BIG, -ENOMEM, -ECHILD.
 */
LIBIOMMU_API int libiommu_viommu_alloc(struct libiommu_dev *dev,
				       struct libiommu_hwpt *parent,
				       const struct libiommu_viommu_opts *opts,
				       struct libiommu_viommu **out);

/**
 * Destroy a vIOMMU and free its handle.  -EBUSY (handle still valid) while
 * a vDEVICE or a nested HWPT uses it.  NULL is a no-op returning 0.
 */
LIBIOMMU_API int libiommu_viommu_destroy(struct libiommu_viommu *viommu);

/** The kernel object id of the vIOMMU (0 and errno EINVAL for NULL). */
LIBIOMMU_API uint32_t libiommu_viommu_id(const struct libiommu_viommu *viommu);

/**
 * Allocate a nested HWPT (a guest stage-1 table) whose parent is the
 * vIOMMU @viommu: opts as libiommu_hwpt_alloc_nested().  The HWPT keeps
 * the vIOMMU in use until destroyed with libiommu_hwpt_destroy().
 */
LIBIOMMU_API int
libiommu_viommu_alloc_hwpt(struct libiommu_viommu *viommu,
			   struct libiommu_dev *dev,
			   const struct libiommu_hwpt_opts *opts,
			   struct libiommu_hwpt **out);

/**
 * Invalidate caches through the vIOMMU (IOMMU_HWPT_INVALIDATE on its id):
 * *entry_num entries of @entry_len bytes in the driver's format
 * @data_type.  On return *entry_num is how many entries the kernel
 * handled, also on failure: the index of the entry that failed.
 */
LIBIOMMU_API int libiommu_viommu_invalidate(struct libiommu_viommu *viommu,
					    uint32_t data_type,
					    const void *entries,
					    uint32_t entry_len,
					    uint32_t *entry_num);

/**
 * Map @length bytes at @offset of the vIOMMU's memory region (offset and
 * length as the driver returned them in its data) into this process,
 * shared, with PROT_* @prot; *addr the mapping, for munmap().
 */
LIBIOMMU_API int libiommu_viommu_mmap(struct libiommu_viommu *viommu,
				      uint64_t offset, size_t length, int prot,
				      void **addr);

/**
 * Tell the vIOMMU that @dev is seen by the guest with virtual id @virt_id
 * (a virtual StreamID, BDF...): IOMMU_VDEVICE_ALLOC.  A device has at most
 * one vDEVICE, and a virtual id names one device per vIOMMU (-EEXIST).
 * The vDEVICE keeps the vIOMMU in use; freeing @dev destroys it.
 */
LIBIOMMU_API int libiommu_vdevice_alloc(struct libiommu_viommu *viommu,
					struct libiommu_dev *dev,
					uint64_t virt_id,
					struct libiommu_vdevice **out);

/** Destroy a vDEVICE and free its handle.  NULL is a no-op returning 0. */
LIBIOMMU_API int libiommu_vdevice_destroy(struct libiommu_vdevice *vdev);

/** The kernel object id of the vDEVICE (0 and errno EINVAL for NULL). */
LIBIOMMU_API uint32_t libiommu_vdevice_id(const struct libiommu_vdevice *vdev);

/**
 * The vDEVICE of @viommu with virtual id @virt_id, in *out; -ENOENT when
 * there is none (a guest naming a device the VMM never declared).
 */
LIBIOMMU_API int libiommu_vdevice_lookup(struct libiommu_viommu *viommu,
					 uint64_t virt_id,
					 struct libiommu_vdevice **out);

struct libiommu_veventq;

/* vEVENTQ types (the kernel's numbers). */
#define LIBIOMMU_VEVENTQ_TYPE_ARM_SMMUV3 1u	/* 32-byte SMMUv3 event records */
#define LIBIOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV 2u /* 16-byte error bitmaps */
/* The kernel's iommufd selftest mock only: a 4-byte virtual id. */
#define LIBIOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeefu

struct libiommu_veventq_opts {
	size_t sz;
	/** LIBIOMMU_VEVENTQ_TYPE_* (not 0). */
	uint32_t type;
	/** How many events the kernel queues before it drops (1 .. 2^19). */
	uint32_t depth;
	/**
	 * Bytes of one event of @type: 0 for the types above (the library
	 * knows them); needed for a type it does not know.
	 */
	uint32_t event_len;
	uint32_t flags; /* none defined yet: 0 */
};

/**
 * Allocate a vEVENTQ on @viommu (IOMMU_VEVENTQ_ALLOC): the queue in which
 * the IOMMU reports events of one type for the vIOMMU's devices, for the
 * VMM to forward to its guest.  One queue per type and vIOMMU (-EEXIST).
 * The queue keeps the vIOMMU in use.  Its fd (libiommu_veventq_fd()) is
 * readable (POLLIN) while events wait; libiommu_veventq_read() reads them.
 */
LIBIOMMU_API int libiommu_veventq_alloc(struct libiommu_viommu *viommu,
					const struct libiommu_veventq_opts *opts,
					struct libiommu_veventq **out);

/**
 * Close the queue's fd, destroy the vEVENTQ and free its handle; events
 * not read are dropped.  NULL is a no-op returning 0.
 */
LIBIOMMU_API int libiommu_veventq_destroy(struct libiommu_veventq *veventq);

/**
 * The queue's fd, owned by the handle: for poll()/epoll (POLLIN while
 * events wait); read it only through libiommu_veventq_read().
 */
LIBIOMMU_API int libiommu_veventq_fd(const struct libiommu_veventq *veventq);

/* libiommu_vevent.flags */
/* Not an event: the queue was full and the kernel dropped events here. */
#define LIBIOMMU_VEVENT_LOST (1u << 0)

#define LIBIOMMU_VEVENT_MAX_DATA 64

struct libiommu_vevent {
	size_t sz;
	/** LIBIOMMU_VEVENT_* */
	uint32_t flags;
	/** The kernel's sequence number (0 .. INT32_MAX, then 0 again). */
	uint32_t sequence;
	/**
	 * Sequence numbers skipped since the record read before this one on
	 * the handle: records the library never saw (0 normally).
	 */
	uint32_t gap;
	/** Bytes of @data (0 for a LIBIOMMU_VEVENT_LOST record). */
	uint32_t data_len;
	/** The event, in the type's format (e.g. a raw SMMUv3 event). */
	uint8_t data[LIBIOMMU_VEVENT_MAX_DATA];
};

/**
 * Read the next record of the queue without blocking: 1 with *ev filled
 * (an event, or a LIBIOMMU_VEVENT_LOST record where the kernel dropped
 * events because the queue was full), 0 when none waits, or a negative
 * errno.  Not for concurrent use on one queue.
 */
LIBIOMMU_API int libiommu_veventq_read(struct libiommu_veventq *veventq,
				       struct libiommu_vevent *ev);

struct libiommu_hw_queue;

/* HW queue types (the kernel's numbers). */
#define LIBIOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV 1u
/* The kernel's iommufd selftest mock only. */
#define LIBIOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeefu

struct libiommu_hw_queue_opts {
	size_t sz;
	/** LIBIOMMU_HW_QUEUE_TYPE_* (not 0). */
	uint32_t type;
	/** The queue's index in the vIOMMU (the driver's numbering). */
	uint32_t index;
	/** Where the guest put the queue: an IOVA of the vIOMMU's parent. */
	uint64_t iova;
	/** Its length in bytes (not 0). */
	uint64_t length;
};

/**
 * Give the hardware a queue the guest drives directly (IOMMU_HW_QUEUE_ALLOC,
 * e.g. a Tegra241 CMDQV virtual command queue): its memory is guest RAM at
 * opts->iova of the vIOMMU's parent, which the kernel pins while the queue
 * lives (it must be mapped, physically contiguous, and stays so: unmapping
 * it fails until the queue is destroyed).  The queue holds the vIOMMU.
 */
LIBIOMMU_API int libiommu_hw_queue_alloc(struct libiommu_viommu *viommu,
					 const struct libiommu_hw_queue_opts *opts,
					 struct libiommu_hw_queue **out);

/**
 * Destroy a HW queue and free its handle.  -EBUSY (handle still valid)
 * while a queue that depends on it (the driver's rule, e.g. a higher
 * index) exists.  NULL is a no-op returning 0.
 */
LIBIOMMU_API int libiommu_hw_queue_destroy(struct libiommu_hw_queue *queue);

/*
 * I/O page-fault queue: the page requests (PRI) of devices on HWPTs
 * allocated with libiommu_hwpt_opts.fault_queue, for the VMM to resolve
 * (e.g. forward to its guest) and answer.
 */

/**
 * Allocate a fault queue (IOMMU_FAULT_QUEUE_ALLOC).  Its fd
 * (libiommu_fault_queue_fd()) polls readable while faults wait.  Give it
 * to HWPTs in libiommu_hwpt_opts.fault_queue; it stays in use until they
 * are destroyed.  Freed with @ctx at the latest.
 */
LIBIOMMU_API int libiommu_fault_queue_alloc(struct libiommu_ctx *ctx,
					    struct libiommu_fault_queue **out);

/**
 * Close the queue's fd, destroy it and free its handle.  -EBUSY (handle and
 * fd still valid) while a HWPT uses it.  NULL is a no-op returning 0.
 */
LIBIOMMU_API int libiommu_fault_queue_destroy(struct libiommu_fault_queue *fq);

/** The queue's fd (owned by the handle), for poll(): POLLIN while faults wait. */
LIBIOMMU_API int libiommu_fault_queue_fd(const struct libiommu_fault_queue *fq);

/* libiommu_fault.flags (the kernel's) */
#define LIBIOMMU_FAULT_PASID_VALID (1u << 0) /* @pasid is set */
#define LIBIOMMU_FAULT_LAST_PAGE (1u << 1)   /* the last fault of its group */
/* libiommu_fault.perm (the kernel's) */
#define LIBIOMMU_FAULT_PERM_READ (1u << 0)
#define LIBIOMMU_FAULT_PERM_WRITE (1u << 1)
#define LIBIOMMU_FAULT_PERM_EXEC (1u << 2)
#define LIBIOMMU_FAULT_PERM_PRIV (1u << 3)

/* One faulting page of a group (struct iommu_hwpt_pgfault). */
struct libiommu_fault {
	/** The size of each element of the array (sizeof(struct libiommu_fault)). */
	size_t sz;
	uint32_t flags;	   /* LIBIOMMU_FAULT_* */
	uint32_t dev_id;   /* the device's iommufd id (libiommu_dev_id()) */
	uint32_t pasid;	   /* with LIBIOMMU_FAULT_PASID_VALID */
	uint32_t group_id; /* the device's page request group index */
	uint32_t perm;	   /* LIBIOMMU_FAULT_PERM_* asked */
	uint32_t cookie;   /* the group's, for libiommu_fault_queue_respond() */
	uint64_t addr;	   /* the faulting address */
};

/**
 * Read the next group of faults without blocking: its faults into
 * faults[0 .. *nr - 1] (each with faults[i].sz set by the caller), 1; 0
 * when none waits; -EMSGSIZE with *nr the group's size when @max is too
 * small (the group stays for the next call).  Not for concurrent use on
 * one queue.
 */
LIBIOMMU_API int libiommu_fault_queue_read(struct libiommu_fault_queue *fq,
					   struct libiommu_fault *faults,
					   size_t max, size_t *nr);

/* libiommu_fault_queue_respond() codes (the kernel's) */
#define LIBIOMMU_FAULT_RESP_SUCCESS 0u /* resolved: the device retries */
#define LIBIOMMU_FAULT_RESP_INVALID 1u /* not resolvable: the device fails it */

/**
 * Answer the group with @cookie (read by libiommu_fault_queue_read()):
 * -ENOENT when no read group has it (answered already, never read, or
 * answered by the kernel when its HWPT was detached or destroyed).
 */
LIBIOMMU_API int libiommu_fault_queue_respond(struct libiommu_fault_queue *fq,
					      uint32_t cookie, uint32_t code);

/* ------------------------------------------------------------------------ */
/* VFIO device side: info, regions, interrupts, reset, dma-buf              */
/* ------------------------------------------------------------------------ */

/*
 * The device itself (VFIO_DEVICE_GET_INFO): libiommu_dev_info.flags are
 * the kernel's VFIO_DEVICE_FLAGS_* bits.
 */
#define LIBIOMMU_DEV_INFO_RESET (1u << 0) /* libiommu_dev_reset() can work */
#define LIBIOMMU_DEV_INFO_PCI (1u << 1)
#define LIBIOMMU_DEV_INFO_PLATFORM (1u << 2)
#define LIBIOMMU_DEV_INFO_AMBA (1u << 3)
#define LIBIOMMU_DEV_INFO_CCW (1u << 4)
#define LIBIOMMU_DEV_INFO_AP (1u << 5)
#define LIBIOMMU_DEV_INFO_FSL_MC (1u << 6)
#define LIBIOMMU_DEV_INFO_CAPS (1u << 7) /* it has a capability chain */
#define LIBIOMMU_DEV_INFO_CDX (1u << 8)

/* libiommu_dev_info.pci_atomic: PCIe AtomicOp completer sizes */
#define LIBIOMMU_DEV_PCI_ATOMIC_COMP32 (1u << 0)
#define LIBIOMMU_DEV_PCI_ATOMIC_COMP64 (1u << 1)
#define LIBIOMMU_DEV_PCI_ATOMIC_COMP128 (1u << 2)

struct libiommu_dev_info {
	size_t sz;	      /* set by the caller: sizeof(struct libiommu_dev_info) */
	uint32_t flags;	      /* LIBIOMMU_DEV_INFO_* */
	uint32_t num_regions; /* region indexes 0..num_regions-1 */
	uint32_t num_irqs;    /* interrupt indexes 0..num_irqs-1 */
	uint32_t pci_atomic;  /* LIBIOMMU_DEV_PCI_ATOMIC_*, from the chain */
};

/**
 * VFIO_DEVICE_GET_INFO with its capability chain decoded.  -EBADF (adopted
 * device), -EINVAL, -EOPNOTSUPP (mock backend).
 */
LIBIOMMU_API int libiommu_dev_get_info(struct libiommu_dev *dev,
				       struct libiommu_dev_info *info);

/* libiommu_region_caps.flags: what the region's capability chain says */
#define LIBIOMMU_REGION_CAP_SPARSE (1u << 0)	    /* only the areas may be mmap()ed */
#define LIBIOMMU_REGION_CAP_TYPE (1u << 1)	    /* type and subtype are set */
#define LIBIOMMU_REGION_CAP_MSIX_MAPPABLE (1u << 2) /* its MSI-X table too */

/* A part of a region that may be mmap()ed (offsets within the region). */
struct libiommu_region_area {
	uint64_t offset;
	uint64_t size;
};

struct libiommu_region_caps {
	size_t sz; /* set by the caller: sizeof(struct libiommu_region_caps) */
	uint32_t index;
	uint32_t flags;	   /* LIBIOMMU_REGION_CAP_* */
	uint32_t type;	   /* e.g. 0x80000000 | PCI vendor id: vendor type */
	uint32_t subtype;  /* e.g. Intel's IGD OpRegion 1 */
	uint32_t nr_areas; /* sparse areas (LIBIOMMU_REGION_CAP_SPARSE) */
	uint32_t reserved;
};

/**
 * VFIO_DEVICE_GET_REGION_INFO with the capability chain decoded: sparse
 * mmap areas (the first @max go to @areas; nr_areas says how many there
 * are), the region type, MSI-X mappable.  -EINVAL (no such region, or
 * @areas NULL with @max), -EBADF (adopted), -EOPNOTSUPP (mock).
 */
LIBIOMMU_API int libiommu_dev_region_get_caps(struct libiommu_dev *dev,
					      uint32_t index,
					      struct libiommu_region_caps *caps,
					      struct libiommu_region_area *areas,
					      uint32_t max);

/**
 * mmap() the whole of region @index as a VMM lays out a BAR: one
 * reservation of the region's size (rounded up to pages) where the parts
 * the kernel lets be mapped (the sparse areas, or all of it) are the
 * device's, shared with @prot, and the rest PROT_NONE (trap it).  *addr and
 * *len get the reservation; release it with munmap(*addr, *len).
 */
LIBIOMMU_API int libiommu_dev_region_mmap_all(struct libiommu_dev *dev,
					      uint32_t index, uint32_t prot,
					      void **addr, size_t *len);

/* Interrupt indexes of a vfio-pci device (libiommu_dev_info.num_irqs). */
#define LIBIOMMU_PCI_INTX_IRQ 0u
#define LIBIOMMU_PCI_MSI_IRQ 1u
#define LIBIOMMU_PCI_MSIX_IRQ 2u
#define LIBIOMMU_PCI_ERR_IRQ 3u /* AER error reporting */
#define LIBIOMMU_PCI_REQ_IRQ 4u /* the kernel asks for the device back */

/* libiommu_irq_info.flags: the kernel's VFIO_IRQ_INFO_* bits */
#define LIBIOMMU_IRQ_EVENTFD (1u << 0)	  /* can signal an eventfd */
#define LIBIOMMU_IRQ_MASKABLE (1u << 1)	  /* mask/unmask work */
#define LIBIOMMU_IRQ_AUTOMASKED (1u << 2) /* masked when it fires (INTx) */
#define LIBIOMMU_IRQ_NORESIZE (1u << 3)	  /* vectors fixed once enabled */

struct libiommu_irq_info {
	size_t sz; /* set by the caller: sizeof(struct libiommu_irq_info) */
	uint32_t index;
	uint32_t flags; /* LIBIOMMU_IRQ_* */
	uint32_t count; /* vectors; 0: the device has none of this type */
	uint32_t reserved;
};

/**
 * VFIO_DEVICE_GET_IRQ_INFO for interrupt @index (the answer is kept per
 * handle).  -EINVAL for an index the device lacks, -EBADF (adopted).
 */
LIBIOMMU_API int libiommu_dev_get_irq_info(struct libiommu_dev *dev,
					   uint32_t index,
					   struct libiommu_irq_info *info);

/**
 * VFIO_DEVICE_SET_IRQS, ACTION_TRIGGER with eventfds: vector @start + i
 * signals @fds[i] (borrowed; -1 removes that vector's eventfd).  The
 * first call on an index enables it (MSI, MSI-X: with @start + @count
 * vectors).  Hand the eventfds to KVM's irqfd, or read them.
 */
LIBIOMMU_API int libiommu_dev_irq_set_eventfds(struct libiommu_dev *dev,
					       uint32_t index, uint32_t start,
					       uint32_t count, const int *fds);

/**
 * As libiommu_dev_irq_set_eventfds() with @count new eventfds
 * (EFD_CLOEXEC | EFD_NONBLOCK), stored in @fds and owned by the caller.
 * On failure none is left open.
 */
LIBIOMMU_API int libiommu_dev_irq_new_eventfds(struct libiommu_dev *dev,
					       uint32_t index, uint32_t start,
					       uint32_t count, int *fds);

/** Disable interrupt @index: every vector and its eventfd goes. */
LIBIOMMU_API int libiommu_dev_irq_disable(struct libiommu_dev *dev,
					  uint32_t index);

/**
 * Mask / unmask vectors [@start, @start + @count) of @index
 * (LIBIOMMU_IRQ_MASKABLE: INTx on vfio-pci; else -EOPNOTSUPP).
 */
LIBIOMMU_API int libiommu_dev_irq_mask(struct libiommu_dev *dev,
				       uint32_t index, uint32_t start,
				       uint32_t count);
LIBIOMMU_API int libiommu_dev_irq_unmask(struct libiommu_dev *dev,
					 uint32_t index, uint32_t start,
					 uint32_t count);

/**
 * Unmask vector @start of @index whenever @fd (borrowed; -1 removes it) is
 * signalled: INTx's resample eventfd for KVM's irqfd.  The index must be
 * enabled with an eventfd first.
 */
LIBIOMMU_API int libiommu_dev_irq_set_unmask_eventfd(struct libiommu_dev *dev,
						     uint32_t index,
						     uint32_t start, int fd);

/**
 * Function reset (VFIO_DEVICE_RESET).  -EOPNOTSUPP when the device has no
 * reset of its own (no LIBIOMMU_DEV_INFO_RESET).
 */
LIBIOMMU_API int libiommu_dev_reset(struct libiommu_dev *dev);

/* libiommu_dev_get_hot_reset_info()'s *flags */
#define LIBIOMMU_HOT_RESET_DEV_ID (1u << 0) /* ids are iommufd dev ids */
#define LIBIOMMU_HOT_RESET_OWNED (1u << 1)  /* every device is owned */
/* libiommu_hot_reset_dev.id of a device the context has not bound */
#define LIBIOMMU_HOT_RESET_NOT_OWNED 0xffffffffu

/* One PCI function a hot reset of the device's slot or bus resets. */
struct libiommu_hot_reset_dev {
	uint32_t id; /* dev id (LIBIOMMU_HOT_RESET_DEV_ID), else group id */
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
};

/**
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the functions a hot reset affects.
 * Returns how many (>= 0) and fills the first @max of @devs (may be NULL
 * when @max is 0); *flags (may be NULL) gets LIBIOMMU_HOT_RESET_*.
 * -EOPNOTSUPP when the device cannot be hot reset (no slot or bus reset).
 */
LIBIOMMU_API int
libiommu_dev_get_hot_reset_info(struct libiommu_dev *dev, uint32_t *flags,
				struct libiommu_hot_reset_dev *devs,
				uint32_t max);

/**
 * PCI hot reset (VFIO_DEVICE_PCI_HOT_RESET) of the device's slot or bus.
 * Ownership of every affected device is proven by the context: iommufd
 * (the devices bound to it), legacy backends (the VFIO groups of its
 * devices).  -EPERM when an affected device is not owned (the message
 * names it), -EOPNOTSUPP when no hot reset is possible.
 */
LIBIOMMU_API int libiommu_dev_hot_reset(struct libiommu_dev *dev);

/**
 * Export [@offset, @offset + @len) of region @index (a PCI BAR) as a
 * dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF); *fd gets it (O_CLOEXEC, owned by
 * the caller).  Map it into an IOAS with libiommu_ioas_map_file(): the
 * peer-to-peer path to a BAR, which libiommu_ioas_map() of an mmap()ed BAR
 * cannot take.  -EOPNOTSUPP (kernel without VFIO dma-buf, or the device
 * cannot be a P2P provider), -EINVAL (range), -EBADF (adopted).
 */
LIBIOMMU_API int libiommu_dev_dmabuf_export(struct libiommu_dev *dev,
					    uint32_t index, uint64_t offset,
					    uint64_t len, int *fd);

/* ------------------------------------------------------------------------ */
/* Hand-over, live update, migration, DMA logging                           */
/* ------------------------------------------------------------------------ */

/**
 * Wrap a VFIO device cdev fd that is already bound to @ctx's iommufd (by a
 * parent process, before an exec, ...) together with its iommufd device id
 * @dev_id: the handle has every function of an opened one (attach, regions,
 * KVM).  @mode says whether it owns or borrows @fd; on failure an owned fd
 * is NOT closed.  Freeing it detaches what it attached; closing an owned fd
 * unbinds the device only when no other process holds the file.
 * Errors: -EBADF (fd not open), -ENOTTY (not a VFIO device fd), -EINVAL
 * (the device is not bound yet: libiommu_dev_open_fd(); bad args),
 * -ENOENT (@dev_id is not a device of the iommufd), -EEXIST (a handle of
 * @ctx has @dev_id), -EOPNOTSUPP (legacy backends), -ECHILD, -ENOMEM.
 */
LIBIOMMU_API int libiommu_dev_adopt_fd(struct libiommu_ctx *ctx, int fd,
				       enum libiommu_fd_mode mode,
				       uint32_t dev_id,
				       struct libiommu_dev **out);

/**
 * Wrap IOAS @ioas_id of @ctx's iommufd, made by another (a parent process,
 * the previous VMM before a live update).  Freeing @ctx leaves the IOAS to
 * its maker; libiommu_ioas_destroy() destroys it.  Errors: -ENOENT (not an
 * IOAS of the iommufd), -EEXIST (a handle of @ctx has it), -EINVAL,
 * -EOPNOTSUPP (legacy backends), -ECHILD, -ENOMEM.
 */
LIBIOMMU_API int libiommu_ioas_adopt_id(struct libiommu_ctx *ctx,
					uint32_t ioas_id,
					struct libiommu_ioas **out);

/**
 * Wrap paging HWPT @hwpt_id of @ioas (made by another process) so that
 * devices can be attached to it (libiommu_dev_attach_hwpt()).  Its flags
 * and snoop enforcement are not readable from the kernel: the coherency
 * report says "unknown" for it.  Freeing the context leaves it;
 * libiommu_hwpt_destroy() destroys it.  Errors: -ENOENT (not a paging
 * HWPT of the iommufd), -EEXIST, -EINVAL, -EOPNOTSUPP (legacy backends;
 * kernel without IOMMU_HWPT_GET_DIRTY_BITMAP), -ECHILD, -ENOMEM.
 */
LIBIOMMU_API int libiommu_hwpt_adopt_id(struct libiommu_ioas *ioas,
					uint32_t hwpt_id,
					struct libiommu_hwpt **out);

/**
 * Live update: IOMMU_IOAS_CHANGE_PROCESS moves the pinned pages of every
 * IOAS of @ctx's iommufd to the calling process (its memlock accounting
 * and mm) without unmapping anything: devices keep DMA throughout.  The
 * kernel moves file mappings only (libiommu_ioas_map_file(): memfd guest
 * RAM); one mapping of process memory anywhere in the iommufd makes it
 * fail with -EINVAL, naming the mapping when it was made through @ctx.
 * Errors: -EINVAL, -EBUSY, -ENOMEM (memlock limit of this process),
 * -EOPNOTSUPP (kernel without the command; legacy backends), -ECHILD.
 */
LIBIOMMU_API int libiommu_ctx_change_process(struct libiommu_ctx *ctx);

/**
 * KVM before bind (QEMU's order; some drivers need the kvm pointer when
 * the device is opened): give KVM a VFIO file @fd the caller opened and
 * has not bound yet (KVM_DEV_VFIO_FILE_ADD), then bind it
 * (libiommu_dev_open_fd()) and register the device with
 * libiommu_kvm_take_dev().  @fd is borrowed; KVM holds its own reference
 * to the file until deleted.  Errors: -EBADF, -EINVAL (not a VFIO file),
 * -EEXIST (already in the kvm-vfio device), -ENOMEM, -ECHILD.
 */
LIBIOMMU_API int libiommu_kvm_add_file(struct libiommu_kvm *kvm, int fd);

/**
 * As libiommu_kvm_add_dev(), and a device whose file is already in the
 * kvm-vfio device (libiommu_kvm_add_file(), or the caller's own
 * KVM_DEV_VFIO_FILE_ADD) is registered instead of refused with -EEXIST:
 * the handle then counts it as added (coherency reports, delete on free).
 * Errors: -EXDEV, -EBADF (adopted by id), -EINVAL, -ENOMEM, -ECHILD.
 */
LIBIOMMU_API int libiommu_kvm_take_dev(struct libiommu_kvm *kvm,
				       struct libiommu_dev *dev);
/* ---- VFIO migration v2 and device DMA logging ---- */

/* A device's migration states (the kernel's numbers). */
enum libiommu_mig_state {
	LIBIOMMU_MIG_STATE_ERROR = 0,
	LIBIOMMU_MIG_STATE_STOP = 1,
	LIBIOMMU_MIG_STATE_RUNNING = 2,
	LIBIOMMU_MIG_STATE_STOP_COPY = 3,
	LIBIOMMU_MIG_STATE_RESUMING = 4,
	LIBIOMMU_MIG_STATE_RUNNING_P2P = 5,
	LIBIOMMU_MIG_STATE_PRE_COPY = 6,
	LIBIOMMU_MIG_STATE_PRE_COPY_P2P = 7,
};

/* libiommu_mig_info.flags (the kernel's VFIO_MIGRATION_* bits) */
#define LIBIOMMU_MIG_STOP_COPY (1u << 0) /* STOP, RUNNING, STOP_COPY, RESUMING */
#define LIBIOMMU_MIG_P2P (1u << 1)	 /* RUNNING_P2P */
#define LIBIOMMU_MIG_PRE_COPY (1u << 2)	 /* PRE_COPY (and PRE_COPY_P2P with P2P) */

struct libiommu_mig_info {
	size_t sz;
	/** LIBIOMMU_MIG_* the device supports. */
	uint64_t flags;
	/** Bit (1 << LIBIOMMU_MIG_STATE_*) for each state it can be put in. */
	uint32_t states;
};

/**
 * Whether and how the device migrates (VFIO_DEVICE_FEATURE_MIGRATION).
 * -EOPNOTSUPP when its driver has no VFIO migration.
 */
LIBIOMMU_API int libiommu_dev_get_migration(struct libiommu_dev *dev,
					    struct libiommu_mig_info *info);

/** The device's migration state now (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE). */
LIBIOMMU_API int libiommu_dev_get_mig_state(struct libiommu_dev *dev,
					    enum libiommu_mig_state *state);

/**
 * Move the device to @state.  *data_fd gets the data fd the transition
 * opens (STOP_COPY and PRE_COPY: read the device state from it;
 * RESUMING: write it), owned by the caller, or -1.  A transition the
 * device does not support is -EINVAL saying why.
 */
LIBIOMMU_API int libiommu_dev_set_mig_state(struct libiommu_dev *dev,
					    enum libiommu_mig_state state,
					    int *data_fd);

/** Bytes the device estimates STOP_COPY will produce. */
LIBIOMMU_API int libiommu_dev_get_mig_data_size(struct libiommu_dev *dev,
						uint64_t *stop_copy_length);

struct libiommu_precopy_info {
	size_t sz;
	/** Bytes of the initial state still to be read. */
	uint64_t initial_bytes;
	/** Bytes of state that changed since, as far as the device knows. */
	uint64_t dirty_bytes;
};

/** VFIO_MIG_GET_PRECOPY_INFO on a PRE_COPY data fd of @dev. */
LIBIOMMU_API int libiommu_dev_get_precopy_info(struct libiommu_dev *dev,
					       int data_fd,
					       struct libiommu_precopy_info *info);

/**
 * Start device DMA logging of @nr ranges of IOVA (inclusive @last) at
 * *page_size granularity; the device may change *page_size.
 */
LIBIOMMU_API int libiommu_dev_dma_log_start(struct libiommu_dev *dev,
					    uint64_t *page_size,
					    const struct libiommu_iova_range *ranges,
					    uint32_t nr);

/** Stop device DMA logging. */
LIBIOMMU_API int libiommu_dev_dma_log_stop(struct libiommu_dev *dev);

/**
 * Read and clear the pages of [iova, iova + length) the device wrote
 * since logging started or the last report; @bitmap as for
 * libiommu_hwpt_get_dirty_bitmap() (zeroed first).
 */
LIBIOMMU_API int libiommu_dev_dma_log_report(struct libiommu_dev *dev,
					     uint64_t iova, uint64_t length,
					     uint64_t page_size,
					     uint64_t *bitmap);

/* libiommu_ioas_get_dirty_merged() flags, besides LIBIOMMU_DIRTY_NO_CLEAR */
#define LIBIOMMU_DIRTY_DEVICES_ONLY (1u << 1) /* not the IOMMU's dirty bits */

/**
 * One bitmap of the pages of [iova, iova + length) written through @ioas:
 * the IOMMU's dirty tracking (libiommu_ioas_get_dirty_bitmap()) ORed with
 * the DMA logs of the @nr_devs devices in @devs.
 */
LIBIOMMU_API int libiommu_ioas_get_dirty_merged(struct libiommu_ioas *ioas,
						struct libiommu_dev *const *devs,
						uint32_t nr_devs, uint64_t iova,
						uint64_t length,
						uint64_t page_size,
						uint64_t *bitmap,
						uint32_t flags);

/* ------------------------------------------------------------------------ */
/* Bindings and tools                                                       */
/* ------------------------------------------------------------------------ */

/**
 * The message of the last error the library logged in the calling thread
 * (the text a log callback gets at LIBIOMMU_LOG_ERR), whether or not a
 * callback is installed; "" before the first one.  For callers that cannot
 * take a callback (bindings): read it right after a call returned a
 * negative errno.  A later success does not clear it.  The string belongs
 * to the thread and stays valid until its next libiommu call.
 */
LIBIOMMU_API const char *libiommu_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBIOMMU_LIBIOMMU_H */
