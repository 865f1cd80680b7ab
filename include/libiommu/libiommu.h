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
#include <stdio.h>

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

/* ------------------------------------------------------------------------ */
/* Devices (the seed's device_handle): VFIO device cdevs bound to a context  */
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
};

/**
 * Open the VFIO device cdev @path (e.g. "/dev/vfio/devices/vfio0") and bind
 * it to @ctx (VFIO_DEVICE_BIND_IOMMUFD).  The handle owns the fd.
 * Errors: -ENOENT, -EACCES/-EPERM (open), -ENOTTY (not a VFIO cdev),
 * -EBUSY (the device is in use through its VFIO group), -EINVAL (already
 * open elsewhere, VF token not taken, bad args), -EACCES (VF token needed
 * or wrong), -EPERM (no isolated MSI), -E2BIG, -ENOMEM.
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
#define LIBIOMMU_PCI_BAR0_REGION 0u	/* BAR n is region n, n = 0..5 */
#define LIBIOMMU_PCI_ROM_REGION 6u
#define LIBIOMMU_PCI_CONFIG_REGION 7u
#define LIBIOMMU_PCI_VGA_REGION 8u

/* libiommu_region_info.flags, and the prot of libiommu_dev_region_mmap() */
#define LIBIOMMU_REGION_READ (1u << 0)
#define LIBIOMMU_REGION_WRITE (1u << 1)
#define LIBIOMMU_REGION_MMAP (1u << 2) /* info only: the region can be mmap()ed */

struct libiommu_region_info {
	size_t sz;		/* set by the caller: sizeof(struct libiommu_region_info) */
	uint32_t index;
	uint32_t flags;		/* LIBIOMMU_REGION_* */
	uint64_t size;		/* bytes; 0 = the device has no such region */
	uint64_t offset;	/* where the region starts in the device fd */
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
#define LIBIOMMU_HW_TYPE_NONE 0u		/* driver reports nothing */
#define LIBIOMMU_HW_TYPE_DEFAULT 0u		/* as input: what the driver prefers */
#define LIBIOMMU_HW_TYPE_INTEL_VTD 1u
#define LIBIOMMU_HW_TYPE_ARM_SMMUV3 2u
#define LIBIOMMU_HW_TYPE_TEGRA241_CMDQV 3u
#define LIBIOMMU_HW_TYPE_AMD 4u
#define LIBIOMMU_HW_TYPE_SELFTEST 0xfeedbeefu	/* the kernel's iommufd selftest mock */

/* libiommu_hw_info.caps: what iommufd says for this device, any driver. */
#define LIBIOMMU_HW_CAP_DIRTY_TRACKING (UINT64_C(1) << 0)
#define LIBIOMMU_HW_CAP_PCI_PASID_EXEC (UINT64_C(1) << 1)
#define LIBIOMMU_HW_CAP_PCI_PASID_PRIV (UINT64_C(1) << 2)
#define LIBIOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED (UINT64_C(1) << 3)

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
/* HWPT: hardware page tables (the seed's I/O page table)                    */
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

struct libiommu_hwpt_opts {
	size_t sz;
	/** LIBIOMMU_HWPT_* flags. */
	uint32_t flags;
	/** LIBIOMMU_HWPT_DATA_* of @data (passed to the driver verbatim). */
	uint32_t data_type;
	const void *data;
	size_t data_len;
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

#ifdef __cplusplus
}
#endif

#endif /* LIBIOMMU_LIBIOMMU_H */
