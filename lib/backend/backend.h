/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend boundary: what differs between iommufd, the legacy VFIO
 * container (type1, or type1 ioctls on a /dev/iommu fd) and the test mock.
 *
 * The handle files (lib/ctx.c, ioas.c, dev.c, hwpt.c, ...) check their
 * arguments once, for every backend, then call these ops.  Every kernel
 * call that differs between backends, and every "not on this backend"
 * text, lives in a backend file (lib/backend/): the handle files never
 * ask which backend they run on.  An optional op a backend lacks is NULL
 * and has a why_not[] text; lu_backend_need() answers for it with
 * -EOPNOTSUPP and that text (libibverbs' dummy ops, in one place).
 *
 * Each op logs its own failures (it knows the ioctl) and returns -errno.
 *
 * In another process than the context's (lu_foreign(): a child after
 * fork()) the handle files call no op that changes kernel state; the two
 * release ops still run there and must then free only memory and close
 * only descriptors: ctx_fini and dev_release.
 */
#ifndef LIBIOMMU_BACKEND_H
#define LIBIOMMU_BACKEND_H

#include "internal.h"

/* The optional ops, for lu_backend_need() and why_not[]. */
enum lu_op {
	LU_OP_MAP_FILE,
	LU_OP_IOAS_COPY,
	LU_OP_ALLOW_IOVAS,
	LU_OP_SET_HUGE_PAGES,
	LU_OP_GET_HUGE_PAGES,
	LU_OP_IOAS_DIRTY_TRACKING,
	LU_OP_IOAS_DIRTY_BITMAP,
	LU_OP_DEV_OPEN_FD,
	LU_OP_DEV_OPEN_GROUP,
	LU_OP_DEV_ADOPT_ID,
	LU_OP_DEV_DETACH,
	LU_OP_DEV_PASID_ATTACH,
	LU_OP_DEV_PASID_DETACH,
	LU_OP_HW_INFO,
	LU_OP_HWPT_ALLOC,
	LU_OP_MEMLOCK_MODE,
	LU_OP_DEV_IOCTL,
	LU_OP_HOT_RESET,
	LU_OP_VIOMMU_ALLOC,
	LU_OP_VDEVICE_ALLOC,
	LU_OP_VEVENTQ_ALLOC,
	LU_OP_FAULT_QUEUE_ALLOC,
	LU_OP_HW_QUEUE_ALLOC,
	LU_OP_DEV_ADOPT_FD,
	LU_OP_IOAS_ADOPT_ID,
	LU_OP_CHANGE_PROCESS,
	LU_OP_HWPT_ADOPT_ID,
	LU_OP__COUNT
};

/* IOMMU_GET_HW_INFO's answer, as a backend gives it. */
struct lu_hw_info_out {
	uint32_t data_len;  /* bytes the kernel has */
	uint32_t data_type; /* LIBIOMMU_HW_TYPE_* */
	uint64_t caps;	    /* LIBIOMMU_HW_CAP_* */
	uint8_t max_pasid_log2;
};

/* How quietly an op fails: the coherency report turns errors into answers. */
#define LU_QUIET true
#define LU_LOUD false

struct lu_backend_ops {
	enum libiommu_backend kind; /* what libiommu_ctx_backend() says */
	const char *name;	    /* "iommufd", "type1", "iommufd-compat", "mock" */
	/*
	 * Properties the handle files and the coherency report need (facts,
	 * not a backend's identity): devices are in the one address space
	 * from open (attach only records it); KVM gets a device's VFIO group
	 * file, for which VFIO answers for the group.
	 */
	bool implicit_attach;
	bool kvm_gets_group;
	/*
	 * Each device runs on a domain whose snoop enforcement is its IOMMU's
	 * capability (type1 merges domains only when it matches), so that a
	 * device's capability is its enforcement.  Not so on iommufd (and its
	 * compatibility layer): a HWPT made for one device is reused by others.
	 */
	bool domains_match_enforcement;
	/* For each optional op this backend lacks: why (an "it" sentence). */
	const char *why_not[LU_OP__COUNT];

	/* context: after the fd is open and checked / before it is closed */
	int (*ctx_init)(struct libiommu_ctx *ctx);
	void (*ctx_fini)(struct libiommu_ctx *ctx);
	/*
	 * 1 or 0: does the kernel behind @ctx have @feat (probed when first
	 * asked, cached)?  A negative errno, logged, when the probe was
	 * refused (EPERM, EACCES: a seccomp filter or LSM); not cached.
	 */
	int (*has_feature)(struct libiommu_ctx *ctx, enum libiommu_feature feat);
	/* IOMMU_OPTION(RLIMIT_MODE): get (@set false) or set *mode */
	int (*memlock_mode)(struct libiommu_ctx *ctx, bool set,
			    enum libiommu_memlock_mode *mode);

	/* IOAS (flags: LIBIOMMU_IOAS_*, already checked) */
	int (*ioas_alloc)(struct libiommu_ioas *ioas, uint32_t flags);
	int (*ioas_destroy)(struct libiommu_ioas *ioas);
	void (*ioas_release)(struct libiommu_ioas *ioas); /* ctx free, quiet */
	/* fills ioas->id from @id once it is shown to be an IOAS of the ctx */
	int (*ioas_adopt_id)(struct libiommu_ioas *ioas, uint32_t id);
	/*
	 * Move the pinned pages of every IOAS of the ctx to the calling
	 * process (ctx->lock held: the op may walk the IOAS handles).
	 */
	int (*change_process)(struct libiommu_ctx *ctx);
	int (*map)(struct libiommu_ioas *ioas, void *vaddr, uint64_t length,
		   uint64_t *iova, uint32_t flags);
	int (*map_file)(struct libiommu_ioas *ioas, int fd, uint64_t offset,
			uint64_t length, uint64_t *iova, uint32_t flags);
	int (*copy)(struct libiommu_ioas *dst, struct libiommu_ioas *src,
		    uint64_t src_iova, uint64_t length, uint64_t *dst_iova,
		    uint32_t flags);
	/* *unmapped (NULL: not wanted) is written on success only */
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
	/* ctx->lock held: these two walk the HWPTs of the IOAS */
	int (*ioas_dirty_tracking)(struct libiommu_ioas *ioas, bool enable);
	int (*ioas_dirty_bitmap)(struct libiommu_ioas *ioas, uint64_t iova,
				 uint64_t length, uint64_t page_size,
				 uint64_t *bitmap, uint32_t flags);
	/*
	 * Legacy backends, for the coherency report: is DMA in the container
	 * enforced-coherent, as VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) says
	 * (a read)?  1 or 0, -EAGAIN when not known yet, other -errno.  Never
	 * logs.  @where gets what the answer is about.  NULL on iommufd,
	 * where the question is per HWPT and the library tracks it.
	 */
	int (*cc_enforced)(struct libiommu_ioas *ioas, char *where,
			   size_t len);

	/* devices: fill dev->fd, owns_fd, id (and bpriv); dev->ctx is set */
	int (*dev_open)(struct libiommu_dev *dev, const char *path,
			const struct libiommu_dev_opts *opts);
	int (*dev_open_fd)(struct libiommu_dev *dev, int fd, bool owns_fd,
			   const struct libiommu_dev_opts *opts, const char *what);
	int (*dev_open_group)(struct libiommu_dev *dev, const char *group_path,
			      int group_fd, bool owns_group_fd,
			      const char *name,
			      const struct libiommu_dev_opts *opts);
	/* fills dev->id from @dev_id once it is shown to be a bound device */
	int (*dev_adopt_id)(struct libiommu_dev *dev, uint32_t dev_id);
	/*
	 * As dev_adopt_id, and @fd (checked open) must be a VFIO device fd
	 * that is bound: fills dev->fd and owns_fd too.
	 */
	int (*dev_adopt_fd)(struct libiommu_dev *dev, int fd, bool owns_fd,
			    uint32_t dev_id);
	/*
	 * Attach/replace the RID to @ioas or @hwpt; *hwpt_id: HWPT in use.
	 * @quiet: an IOMMU refusing the HWPT (-EINVAL) is not logged (the
	 * library is trying HWPTs to place the device on).
	 */
	int (*dev_attach)(struct libiommu_dev *dev, struct libiommu_ioas *ioas,
			  struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
			  bool quiet);
	int (*dev_detach)(struct libiommu_dev *dev);
	int (*dev_pasid_attach)(struct libiommu_dev *dev, uint32_t pasid,
				struct libiommu_ioas *ioas,
				struct libiommu_hwpt *hwpt, uint32_t *hwpt_id,
				bool quiet);
	int (*dev_pasid_detach)(struct libiommu_dev *dev, uint32_t pasid);
	void (*dev_release)(struct libiommu_dev *dev); /* after its fd closed */
	/* the file KVM's kvm-vfio device gets for @dev (its cdev or group) */
	int (*dev_kvm_file)(const struct libiommu_dev *dev);
	/*
	 * IOMMU_GET_HW_INFO: @type 0 asks for the driver's own data, another
	 * for that type; @data/@len the buffer (may be NULL/0).
	 */
	int (*hw_info)(struct libiommu_dev *dev, uint32_t type, void *data,
		       uint32_t len, struct lu_hw_info_out *out, bool quiet);

	/* the VFIO device fd: the same on every kernel backend (vfio-dev.c) */
	int (*region_info)(struct libiommu_dev *dev, uint32_t index,
			   struct lu_region *out);
	/* bytes moved (>= 0, maybe short) or -errno; never logs */
	long (*region_pio)(struct libiommu_dev *dev, void *buf, size_t len,
			   uint64_t pos, bool write);
	/* shared; at *addr exactly (MAP_FIXED) when it is not NULL on entry */
	int (*region_mmap)(struct libiommu_dev *dev, uint64_t pos, size_t len,
			   int prot, void **addr);
	/* VFIO_DEVICE_GET_INFO's flags (LX_VFIO_DEVICE_FLAGS_*); never logs */
	int (*dev_info_flags)(struct libiommu_dev *dev, uint32_t *flags);
	/*
	 * Any other ioctl on the VFIO device fd (info, interrupts, reset,
	 * device features): the same on every kernel backend.  The ioctl's
	 * return value (>= 0) or -errno; never logs.
	 */
	int (*dev_ioctl)(struct libiommu_dev *dev, unsigned long req, void *arg);
	/*
	 * The group fds that prove to VFIO_DEVICE_PCI_HOT_RESET that the
	 * context owns the affected devices: the first @max in @fds, the
	 * number there are returned (0: the iommufd form, which proves it by
	 * the devices bound to the iommufd).  Never logs.
	 */
	int (*hot_reset_fds)(struct libiommu_ctx *ctx, int32_t *fds, uint32_t max);
	/*
	 * VFIO_DEVICE_FEATURE: @flags (feature id | GET/SET/PROBE) with the
	 * payload @data of @len bytes, read and written in place; 0 or
	 * -errno, never logs (lib/migration.c words the errors).
	 */
	int (*dev_feature)(struct libiommu_dev *dev, uint32_t flags, void *data,
			   size_t len);

	/* HWPTs (flags: LIBIOMMU_HWPT_*, checked); @pt_id an IOAS or parent */
	/* @fault_id: a fault queue's id, or 0 for none */
	int (*hwpt_alloc)(struct libiommu_dev *dev, uint32_t pt_id,
			  uint32_t flags, uint32_t data_type, const void *data,
			  uint32_t data_len, bool nested, uint32_t fault_id,
			  uint32_t *out_id);
	int (*hwpt_destroy)(struct libiommu_hwpt *hwpt, bool quiet);
	/* 0 when @id is a paging HWPT of the ctx (then sets hwpt->id) */
	int (*hwpt_adopt_id)(struct libiommu_hwpt *hwpt, uint32_t id);
	int (*hwpt_set_dirty)(struct libiommu_hwpt *hwpt, bool enable);
	int (*hwpt_get_dirty)(struct libiommu_hwpt *hwpt, uint64_t iova,
			      uint64_t length, uint64_t page_size,
			      uint64_t *bitmap, uint32_t flags);
	int (*hwpt_invalidate)(struct libiommu_hwpt *hwpt, uint32_t data_type,
			       const void *entries, uint32_t entry_len,
			       uint32_t *entry_num);

	/*
	 * vIOMMUs and vDEVICEs (optional: VIOMMU_ALLOC, VDEVICE_ALLOC; the
	 * others are reached only through their handles).  @data is read
	 * and written (driver results).  Invalidation as hwpt_invalidate.
	 */
	int (*viommu_alloc)(struct libiommu_dev *dev, uint32_t hwpt_id,
			    uint32_t type, void *data, uint32_t data_len,
			    uint32_t *out_id);
	int (*viommu_destroy)(struct libiommu_viommu *viommu, bool quiet);
	int (*viommu_invalidate)(struct libiommu_viommu *viommu,
				 uint32_t data_type, const void *entries,
				 uint32_t entry_len, uint32_t *entry_num);
	int (*viommu_mmap)(struct libiommu_viommu *viommu, uint64_t offset,
			   size_t length, int prot, void **addr);
	int (*vdevice_alloc)(struct libiommu_viommu *viommu,
			     struct libiommu_dev *dev, uint64_t virt_id,
			     uint32_t *out_id);
	int (*vdevice_destroy)(struct libiommu_vdevice *vdev, bool quiet);
	/* a vEVENTQ: its id and fd (O_CLOEXEC); destroy after its fd closed */
	int (*veventq_alloc)(struct libiommu_viommu *viommu, uint32_t type,
			     uint32_t depth, uint32_t *out_id, int *out_fd);
	int (*veventq_destroy)(struct libiommu_veventq *q, bool quiet);
	int (*hw_queue_alloc)(struct libiommu_viommu *viommu, uint32_t type,
			      uint32_t index, uint64_t iova, uint64_t length,
			      uint32_t *out_id);
	int (*hw_queue_destroy)(struct libiommu_hw_queue *q, bool quiet);
	/* a fault queue: its id and fd (O_CLOEXEC); destroy after its fd closed */
	int (*fault_queue_alloc)(struct libiommu_ctx *ctx, uint32_t *out_id,
				 int *out_fd);
	int (*fault_queue_destroy)(struct libiommu_fault_queue *fq, bool quiet);
	/* write one response; -ENOENT (not logged) for an unknown cookie */
	int (*fault_queue_respond)(struct libiommu_fault_queue *fq,
				   uint32_t cookie, uint32_t code);
};

extern const struct lu_backend_ops lu_backend_iommufd;
extern const struct lu_backend_ops lu_backend_type1;
extern const struct lu_backend_ops lu_backend_compat;

/*
 * 0 when the backend of @ctx has op @op, else -EOPNOTSUPP logged as
 * "<fn> is not available on the <backend> backend: <why_not[op]>".
 */
int lu_backend_need(struct libiommu_ctx *ctx, enum lu_op op, const char *fn);

/* -EOPNOTSUPP logged as "<what> is not available on the <backend> backend: <why>". */
int lu_backend_unsupported(struct libiommu_ctx *ctx, const char *what,
			   const char *why);

/* Is op @op present in @ops?  (For lu_backend_need and the table test.) */
bool lu_backend_has(const struct lu_backend_ops *ops, enum lu_op op);

/* The feature's name and the ioctl(s) behind it (lib/backend/probe.c). */
const char *lu_feature_name(enum libiommu_feature feat);
const char *lu_feature_ioctl(enum libiommu_feature feat);

/*
 * iommufd's lazy per-feature probe, for its has_feature op: 1, 0, or the
 * -EPERM/-EACCES of a refused probe (logged, not cached).
 */
int lu_iommufd_probe(struct libiommu_ctx *ctx, enum libiommu_feature feat);

/* ---- choosing a backend (lib/backend/select.c) ------------------------- */

/*
 * Open the node for backend @b (LIBIOMMU_BACKEND_AUTO: choose) at @path
 * (NULL: the backend's default node) and check it is one: the fd, with
 * *ops the backend, or -errno logged on @logctx.
 */
int lu_backend_open(const struct libiommu_ctx *logctx, const char *path,
		    enum libiommu_backend b, const struct lu_backend_ops **ops);

/*
 * Check a caller's @fd for backend @b (AUTO: what it is); *ops the
 * backend, 0 or -errno logged (@what names the fd in messages).
 */
int lu_backend_adopt_fd(const struct libiommu_ctx *logctx, int fd,
			enum libiommu_backend b, const char *what,
			const struct lu_backend_ops **ops);

/*
 * LIBIOMMU_BACKEND_AUTO's rule, pure (lib/backend/select.c gathers the
 * facts; tests/backend-auto.c holds the rule).  Only "there is no iommufd
 * here" or "this process may not use it" takes the legacy container:
 *  - /dev/iommu opened: iommufd, unless VFIO has no device cdevs (then
 *    the container, when there is one); cannot tell: an error.
 *  - its open failed with ENOENT, ENODEV, ENXIO (absent) or EACCES,
 *    EPERM (not allowed): the container when it exists, else that error.
 *  - any other error (ENOMEM, EMFILE, ENFILE, EIO, ...): that error.
 */
struct lu_auto_facts {
	int iommufd;   /* 0: /dev/iommu opened, an iommufd; else open()'s errno */
	int cdevs;     /* VFIO device cdevs: 1, 0, or -errno (cannot tell) */
	int container; /* 0: /dev/vfio/vfio exists; else the errno looking for it */
};

struct lu_auto {
	enum libiommu_backend backend; /* IOMMUFD, TYPE1, or AUTO: an error */
	int err;		       /* with AUTO: the negative errno */
	/*
	 * Why, for the INFO line or the error message; "" with an error
	 * that is /dev/iommu's own open error (there is nothing else).
	 */
	char why[320];
};

void lu_backend_auto(const struct lu_auto_facts *f, struct lu_auto *out);

/* The backend for a LIBIOMMU_BACKEND_* value (not AUTO), or NULL. */
const struct lu_backend_ops *lu_backend_ops(enum libiommu_backend b);

/* ---- the VFIO device fd (lib/backend/vfio-dev.c) ------------------------ */

int lu_vfio_region_info(struct libiommu_dev *dev, uint32_t index,
			struct lu_region *out);
long lu_vfio_region_pio(struct libiommu_dev *dev, void *buf, size_t len,
			uint64_t pos, bool write);
int lu_vfio_region_mmap(struct libiommu_dev *dev, uint64_t pos, size_t len,
			int prot, void **addr);
int lu_vfio_dev_info_flags(struct libiommu_dev *dev, uint32_t *flags);
int lu_vfio_dev_kvm_file(const struct libiommu_dev *dev);
int lu_vfio_dev_ioctl(struct libiommu_dev *dev, unsigned long req, void *arg);
int lu_vfio_dev_feature(struct libiommu_dev *dev, uint32_t flags, void *data,
			size_t len);
/* VFIO_MIG_GET_PRECOPY_INFO on a migration data fd; 0 or -errno, quiet. */
int lu_vfio_precopy_info(int data_fd, uint64_t *initial_bytes,
			 uint64_t *dirty_bytes);

/* Is @err (negative) a refusal by the process's policy, not the kernel's answer? */
static inline bool lu_refused(int err)
{
	return err == -EPERM || err == -EACCES;
}

/*
 * @err (-EPERM or -EACCES) logged as "<cmd> was refused": for commands the
 * kernel never answers so (a seccomp filter or an LSM stopped the ioctl).
 */
int lu_fail_refused(struct libiommu_ctx *ctx, int err, const char *cmd);

/* Who the kernel charges a mapping's pinned pages to (lu_fail_nomem()). */
enum lu_acct {
	LU_ACCT_IOMMUFD, /* iommufd: per user or per process (ctx->memlock_mode) */
	LU_ACCT_TYPE1,	 /* a VFIO container: this process's locked memory */
};

/*
 * The ENOMEM of a map or copy of @length bytes, explained: whether pages
 * are pinned at all (@nopin: NULL when the call pins, else why it does
 * not), whether the memlock limit applies (CAP_IPC_LOCK, unlimited), to
 * whom it is charged (@acct), and what was asked against what is allowed.
 * Logs, returns -ENOMEM.
 */
int lu_fail_nomem(struct libiommu_ctx *ctx, const char *cmd, uint64_t length,
		  enum lu_acct acct, const char *nopin);

#endif
