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

struct lu_backend_ops;
struct lu_type1;
struct lu_group;

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

/*
 * The context's handle lists (ioas_list, hwpt_list, dev_list, kvm_list):
 * singly linked through each handle's `next`, newest first.  @head is the
 * list's head pointer (an lvalue such as ctx->dev_list).  Not locked: see
 * the thread-safety notes in libiommu(7).
 */
#define LU_LIST_PUSH(head, obj)						\
	do {								\
		(obj)->next = (head);					\
		(head) = (obj);						\
	} while (0)

/* Unlink @obj from @head; nothing happens when it is not on it. */
#define LU_LIST_UNLINK(head, obj)					\
	do {								\
		__typeof__(obj) *lu_pp_;				\
									\
		for (lu_pp_ = &(head); *lu_pp_; lu_pp_ = &(*lu_pp_)->next) { \
			if (*lu_pp_ == (obj)) {				\
				*lu_pp_ = (obj)->next;			\
				break;					\
			}						\
		}							\
	} while (0)

/*
 * Call @release (which may free it) on every element of @head, newest
 * first, then empty the list.
 */
#define LU_LIST_RELEASE_ALL(head, release)				\
	do {								\
		__typeof__(head) lu_it_, lu_next_;			\
									\
		for (lu_it_ = (head); lu_it_; lu_it_ = lu_next_) {	\
			lu_next_ = lu_it_->next;			\
			release(lu_it_);				\
		}							\
		(head) = NULL;						\
	} while (0)

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

	/* the backend behind the handles (lib/backend-*.c) */
	const struct lu_backend_ops *ops;
	struct lu_type1 *type1;	/* type1 / iommufd-compat state, else NULL */
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
	uint32_t coh_flags; /* LIBIOMMU_IOAS_NONCOHERENT / _REQUIRE_COHERENT */
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
	struct lu_group *group;		/* type1 backends: the VFIO group it came from */
	struct libiommu_dev *next;	/* ctx->dev_list */
};

/* Free every device / HWPT handle of a ctx (from libiommu_ctx_free). */
void lu_dev_free_all(struct libiommu_ctx *ctx);
void lu_hwpt_free_all(struct libiommu_ctx *ctx);

/* IOMMU_GET_HW_INFO with no data: caps and PASID width (lib/hwinfo.c). */
int lu_hw_info_caps(struct libiommu_dev *dev, uint64_t *caps,
		    uint8_t *max_pasid_log2);

/* ---- Coherency and KVM (lib/coherency.c, lib/kvm.c, lib/kmodc.c) ------- */

/* The IOAS flags that are coherency policy (checked by lu_coh_check_attach). */
#define LU_IOAS_COH_FLAGS \
	(LIBIOMMU_IOAS_NONCOHERENT | LIBIOMMU_IOAS_REQUIRE_COHERENT)

/*
 * Hook of dev.c's attach, before the kernel call: 0, or the negative errno
 * (logged) when the target IOAS's coherency policy refuses the device.
 * @ioas or @hwpt is the target (the HWPT's IOAS is looked up).
 */
int lu_coh_check_attach(struct libiommu_dev *dev, const char *fn,
			struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt);

/* Hook of dev.c's free, while the fd is open: FILE_DEL it from every KVM. */
void lu_kvm_forget_dev(struct libiommu_dev *dev);

/* Free every KVM handle of a ctx (from libiommu_ctx_free, before devices). */
void lu_kvm_free_all(struct libiommu_ctx *ctx);

/* ---- Backends (lib/backend.c, lib/backend-iommufd.c, lib/backend-type1.c) */

/*
 * What differs between iommufd and the legacy VFIO container (type1, or
 * type1 ioctls on a /dev/iommu fd): the kernel calls behind a handle.  The
 * public functions (ctx.c, ioas.c, dev.c) check their arguments once, for
 * every backend, then call these.  An op is NULL when the backend cannot do
 * it; lu_backend_need() then fails with -EOPNOTSUPP naming the backend.
 * Each op logs its own failures (it knows the ioctl) and returns -errno.
 */
struct lu_backend_ops {
	enum libiommu_backend kind;
	const char *name;		/* "iommufd", "type1", "iommufd-compat" */

	/* context: after the fd is open and checked / before it is closed */
	int (*ctx_init)(struct libiommu_ctx *ctx);
	void (*ctx_fini)(struct libiommu_ctx *ctx);

	/* IOAS (flags: LIBIOMMU_IOAS_*, already checked) */
	int (*ioas_alloc)(struct libiommu_ioas *ioas, uint32_t flags);
	int (*ioas_destroy)(struct libiommu_ioas *ioas);
	void (*ioas_release)(struct libiommu_ioas *ioas); /* ctx free, quiet */
	int (*map)(struct libiommu_ioas *ioas, void *vaddr, uint64_t length,
		   uint64_t *iova, uint32_t flags);
	int (*map_file)(struct libiommu_ioas *ioas, int fd, uint64_t offset,
			uint64_t length, uint64_t *iova, uint32_t flags);
	int (*copy)(struct libiommu_ioas *dst, struct libiommu_ioas *src,
		    uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
		    uint32_t flags);
	int (*unmap)(struct libiommu_ioas *ioas, uint64_t iova, uint64_t length,
		     uint64_t *unmapped);
	int (*unmap_all)(struct libiommu_ioas *ioas, uint64_t *unmapped);
	/* 0, or -EMSGSIZE with *nr the count needed (not logged), or -errno */
	int (*get_ranges)(struct libiommu_ioas *ioas,
			  struct libiommu_iova_range *ranges, uint32_t *nr,
			  uint64_t *alignment);
	int (*allow_iovas)(struct libiommu_ioas *ioas,
			   const struct libiommu_iova_range *ranges, uint32_t nr);
	int (*set_huge_pages)(struct libiommu_ioas *ioas, bool enable);
	int (*get_huge_pages)(struct libiommu_ioas *ioas, bool *enabled);
	int (*dirty_tracking)(struct libiommu_ioas *ioas, bool enable);
	int (*dirty_bitmap)(struct libiommu_ioas *ioas, uint64_t iova,
			    uint64_t length, uint64_t page_size,
			    uint64_t *bitmap, uint32_t flags);

	/* devices: fill dev->fd, owns_fd, id (and group); dev->ctx is set */
	int (*dev_open)(struct libiommu_dev *dev, const char *path,
			const struct libiommu_dev_opts *opts);
	int (*dev_open_fd)(struct libiommu_dev *dev, int fd, bool owns_fd,
			   const struct libiommu_dev_opts *opts, const char *what);
	int (*dev_open_group)(struct libiommu_dev *dev, const char *group_path,
			      int group_fd, bool owns_group_fd,
			      const char *name,
			      const struct libiommu_dev_opts *opts);
	/* attach/replace @pasid to @ioas or @hwpt; *hwpt_id: HWPT in use */
	int (*dev_attach)(struct libiommu_dev *dev, uint32_t pasid,
			  struct libiommu_ioas *ioas, struct libiommu_hwpt *hwpt,
			  uint32_t *hwpt_id);
	int (*dev_detach)(struct libiommu_dev *dev, uint32_t pasid);
	void (*dev_release)(struct libiommu_dev *dev); /* before its fd closes */

	/* see lu_backend_cc_enforced() */
	int (*cc_enforced)(struct libiommu_ctx *ctx);
};

extern const struct lu_backend_ops lu_backend_iommufd;
extern const struct lu_backend_ops lu_backend_type1;
extern const struct lu_backend_ops lu_backend_compat;

/*
 * 0 when @op (a member of ctx->ops) is there, else -EOPNOTSUPP logged as
 * "<what> is not available on the <backend> backend: <why>".
 */
#define lu_backend_need(ctx, op, what, why) \
	((ctx)->ops->op ? 0 : lu_backend_unsupported(ctx, what, why))
int lu_backend_unsupported(struct libiommu_ctx *ctx, const char *what,
			   const char *why);

/* Is @ctx on the iommufd backend (native IOMMU_* objects)? */
static inline bool lu_is_iommufd(const struct libiommu_ctx *ctx)
{
	return ctx->ops->kind == LIBIOMMU_BACKEND_IOMMUFD;
}

/*
 * For the coherency report (lib/coherency.c): is DMA of the context's
 * devices enforced-coherent, as VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) on
 * the container says?  Asked only when the answer is real: on a type1
 * container once the IOMMU is set (first device opened), on the
 * iommufd-compat fd only after a device fd was obtained (before that it
 * says 1 even when the IOMMU cannot enforce: no HWPT exists yet).
 * 1 or 0; -EAGAIN when not known yet (no device open); -EOPNOTSUPP on the
 * iommufd backend (ask per IOAS there); other -errno from the kernel.
 * Never logs.
 */
int lu_backend_cc_enforced(struct libiommu_ctx *ctx);

/*
 * The last component of where the symlink @path points (a sysfs link's
 * device or group name) into @buf: 0, -ENAMETOOLONG when it was cut to fit
 * (@buf still holds the cut name), or the readlink() -errno (-ENOENT for an
 * empty link).  Never logs (lib/backend.c).
 */
int lu_link_base(const char *path, char *buf, size_t len);

/*
 * IOMMU groups in sysfs (lib/backend.c).  lu_group_blockers(): the devices
 * of group @num that keep it from being viable (bound to a driver other
 * than vfio-pci or pcieport), as "NAME (driver D), ..." in @buf ("" when
 * none or unknown); returns how many devices the group has (0: unknown).
 * lu_cdev_group_num(): the group number of the VFIO device cdev open as
 * @fd, into @buf; 0 or -errno.  Neither logs.
 */
int lu_group_blockers(const char *num, char *buf, size_t len);
int lu_cdev_group_num(int fd, char *buf, size_t len);

/* type1 backends: the VFIO group fd a device came from, or -1. */
int lu_dev_group_fd(const struct libiommu_dev *dev);

/* Shared error text for ENOMEM while pinning (RLIMIT_MEMLOCK). */
int lu_fail_nomem(struct libiommu_ctx *ctx, const char *cmd, uint64_t length);

/* The system page size (ioas.c). */
uint64_t lu_page_size(void);

/* Checks of a dirty-bitmap request, shared by ioas.c and hwpt.c. */
int lu_check_dirty_args(struct libiommu_ctx *ctx, const char *fn,
			uint64_t iova, uint64_t length, uint64_t page_size,
			const uint64_t *bitmap, uint32_t flags);

#endif /* LIBIOMMU_INTERNAL_H */
