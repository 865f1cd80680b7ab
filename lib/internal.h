/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's handles and what their files share.  Nothing here is part
 * of the ABI.
 *
 * Layers (calls run downwards only; HACKING.md):
 *   public entry points and handle logic   lib/ctx.c ioas.c dev.c hwpt.c
 *                                           kvm.c region.c hwinfo.c,
 *                                           viommu.c fault.c migration.c,
 *                                           lib/coherency/
 *   backends                                lib/backend/ (backend.h)
 *   utilities                               lib/util/
 */
#ifndef LIBIOMMU_INTERNAL_H
#define LIBIOMMU_INTERNAL_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "libiommu/libiommu.h"
#include "util/ioctl.h"
#include "util/kmod.h"
#include "util/list.h"
#include "util/log.h"
#include "util/opts.h"

#define LU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct lu_backend_ops;

/* ---- the context -------------------------------------------------------- */

struct libiommu_ctx {
	/* first: a context pointer is one to its logger (lib/util/log.c) */
	struct lu_logger log;
	int fd;
	bool owns_fd;

	/* the backend behind the handles (lib/backend/), and its own state */
	const struct lu_backend_ops *ops;
	void *bpriv;

	/*
	 * Kernel features, probed one at a time when first needed
	 * (lib/backend/probe.c): bit n of probed says feature n was asked,
	 * bit n of present its answer.  Read and set with atomics.
	 */
	uint64_t feat_probed, feat_present;

	/*
	 * How the iommufd charges pinned pages, as far as the library knows
	 * (for ENOMEM messages): LIBIOMMU_MEMLOCK_USER, the kernel's default
	 * for a /dev/iommu the library opened, or the mode set through
	 * libiommu_ctx_set_memlock_mode(); -1 for a borrowed fd whose mode
	 * may have been set by its owner.
	 */
	int memlock_mode;

	/* The system page size less one, read once at creation (map's checks). */
	uint64_t page_mask;

	/*
	 * Serialises the handles' lifetimes: the four lists, every use
	 * count and attachment, and the kernel calls that change them
	 * (alloc, destroy, open, attach, detach, free).  Map, unmap and the
	 * other calls on an existing handle do not take it.
	 */
	pthread_mutex_t lock;
	struct lu_list ioas_list, hwpt_list, dev_list, kvm_list;
	struct lu_list viommu_list, vdevice_list, veventq_list; /* viommu.c */
	struct lu_list hw_queue_list;				/* viommu.c */
	struct lu_list fault_queue_list;			/* fault.c */

	/*
	 * The process that made the context (lu_foreign()).  @owner is a word
	 * in a page of its own marked MADV_WIPEONFORK: 1 in that process, 0 in
	 * the copy any child gets, whatever its pid; NULL when the kernel
	 * refused the advice, and then the pids are compared.
	 */
	pid_t pid;
	const int *owner;
};

/*
 * Is @ctx used in another process than the one that made it: a child
 * after fork(), sharing its parent's file descriptions and so its kernel
 * objects?  Such a process makes no kernel call that changes them: the
 * free functions release its memory and close its own descriptors only,
 * every other call fails with -ECHILD (lu_fail_foreign()).  One load on
 * the map path.
 */
static inline bool lu_foreign(const struct libiommu_ctx *ctx)
{
	if (__builtin_expect(ctx->owner != NULL, 1))
		return __builtin_expect(*ctx->owner == 0, 0);
	return getpid() != ctx->pid;
}

/* -ECHILD, logged: @fn was called on @ctx's handles in a foreign process. */
int lu_fail_foreign(const struct libiommu_ctx *ctx, const char *fn)
	__attribute__((cold));

/* Return -ECHILD (logged, naming @fn) from a call in a foreign process. */
#define LU_OWNER_CHECK(ctx, fn) \
	do { \
		if (lu_foreign(ctx)) \
			return lu_fail_foreign(ctx, fn); \
	} while (0)

/*
 * A context on @fd (already checked) for backend @ops, its logging from
 * @logctx; *out set on success (lib/ctx.c).  The test mock's contexts come
 * through here too.
 */
int lu_ctx_create(const struct libiommu_ctx *logctx, int fd, bool owns_fd,
		  const struct lu_backend_ops *ops, struct libiommu_ctx **out);

static inline void lu_lock(struct libiommu_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

static inline void lu_unlock(struct libiommu_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

/* ---- IOAS ----------------------------------------------------------------- */

struct libiommu_ioas {
	struct libiommu_ctx *ctx;
	uint32_t id;
	unsigned int users; /* attached devices and HWPTs made from it */
	uint32_t coh_flags; /* LIBIOMMU_IOAS_NONCOHERENT / _REQUIRE_COHERENT */
	bool kernel_hwpt;   /* LIBIOMMU_IOAS_KERNEL_HWPT: the kernel places */
	/* made by another (libiommu_ioas_adopt_id): ctx free leaves it */
	bool adopted;
	struct lu_list node; /* ctx->ioas_list */
	/*
	 * The iommufd backend's record of the last mapping of process
	 * memory made through this handle (libiommu_ioas_map(), or a copy of
	 * one) while it is mapped (length 0: none), so that a refused
	 * IOMMU_IOAS_CHANGE_PROCESS can name one.  One slot, relaxed atomic
	 * stores after a successful ioctl: no lock on the map path, and a
	 * few instructions; a racing map may leave a mixed record, which
	 * only a message reads.
	 */
	uint64_t anon_iova, anon_length;
	uintptr_t anon_vaddr; /* 0 for a copy */
};

/* LU_ENF_* (util/kmod.h), and: a device's capability not asked yet */
#define LU_CAP_UNASKED (-2)

/* The IOAS flags that are coherency policy (lib/coherency/policy.c). */
#define LU_IOAS_COH_FLAGS \
	(LIBIOMMU_IOAS_NONCOHERENT | LIBIOMMU_IOAS_REQUIRE_COHERENT)

/* Free every IOAS handle of a ctx (from libiommu_ctx_free, locked). */
void lu_ioas_free_all(struct libiommu_ctx *ctx);

/* Checks of a dirty-bitmap request, shared by ioas.c and hwpt.c. */
int lu_check_dirty_args(struct libiommu_ctx *ctx, const char *fn,
			uint64_t iova, uint64_t length, uint64_t page_size,
			const uint64_t *bitmap, uint32_t flags);

/* ---- HWPTs ---------------------------------------------------------------- */

struct libiommu_hwpt {
	struct libiommu_ctx *ctx;
	uint32_t id;
	uint32_t flags;	    /* LIBIOMMU_HWPT_* it was allocated with */
	unsigned int users; /* attached devices/PASIDs and nested children */
	bool nested;
	/*
	 * Made by the library to place devices attached to an IOAS (no
	 * caller has a handle on it): destroyed with its last device.
	 */
	bool managed;
	/* made by another (libiommu_hwpt_adopt_id): ctx free leaves it */
	bool adopted;
	/*
	 * Does it force snooping (LU_ENF_*)?  iommufd fixes that when it
	 * allocates a paging HWPT, from the allocating device (its IOMMU's
	 * capability); a nested one has its parent's.
	 */
	int enforce;
	uint32_t made_for;	      /* the allocating device's id */
	struct libiommu_ioas *ioas;   /* paging: the IOAS it maps */
	struct libiommu_hwpt *parent; /* nested: its parent */
	/* nested on a vIOMMU: it (and @parent is the vIOMMU's parent) */
	struct libiommu_viommu *viommu;
	struct libiommu_fault_queue *fault_queue; /* gets its page faults */
	struct lu_list node;			  /* ctx->hwpt_list */
};

/* Free every HWPT handle of a ctx (from libiommu_ctx_free, locked). */
void lu_hwpt_free_all(struct libiommu_ctx *ctx);

/*
 * Free the HWPT handles nested on a vIOMMU (from libiommu_ctx_free,
 * locked, before lu_viommu_free_all(): they hold their vIOMMU).
 */
void lu_hwpt_free_on_viommus(struct libiommu_ctx *ctx);

/* What an allocation asks of the kernel, from libiommu_hwpt_opts. */
struct lu_hwpt_req {
	uint32_t flags; /* LIBIOMMU_HWPT_* */
	uint32_t data_type, data_len;
	const void *data;
	struct libiommu_fault_queue *fq; /* NULL: none */
};

/*
 * The checks of a nested HWPT's opts (lib/hwpt.c): flags, data type, data
 * and fault queue, as libiommu_hwpt_alloc_nested() makes them.  0 or
 * -errno logged.
 */
int lu_hwpt_nested_opts(struct libiommu_ctx *ctx, const char *fn,
			const struct libiommu_hwpt_opts *opts,
			struct lu_hwpt_req *req);

/*
 * A nested HWPT on @viommu for @dev (lib/hwpt.c), listed; @req checked by
 * lu_hwpt_nested_opts().  ctx->lock held; 0 or -errno logged.
 */
int lu_hwpt_create_on_viommu(struct libiommu_dev *dev,
			     struct libiommu_viommu *viommu,
			     const struct lu_hwpt_req *req,
			     struct libiommu_hwpt **out);

/*
 * A HWPT the library allocates in @ioas to place @dev on (PASID-capable
 * with @pasid), whose enforcement will be @enforce; listed, unused.  Its
 * handle is the library's: lu_hwpt_unplace() destroys it once its last
 * user is gone.  ctx->lock held; 0 or -errno logged.
 */
int lu_hwpt_place(struct libiommu_dev *dev, struct libiommu_ioas *ioas,
		  bool pasid, int enforce, struct libiommu_hwpt **out);
void lu_hwpt_unplace(struct libiommu_hwpt *hwpt);

/* The IOAS a HWPT maps (a nested one: its parent's). */
static inline struct libiommu_ioas *lu_hwpt_ioas(const struct libiommu_hwpt *h)
{
	while (h && h->nested)
		h = h->parent;
	return h ? h->ioas : NULL;
}

/* ---- vIOMMUs and vDEVICEs (lib/viommu.c) -------------------------------- */

struct libiommu_viommu {
	struct libiommu_ctx *ctx;
	uint32_t id;
	uint32_t type;
	unsigned int users;	      /* vDEVICEs and nested HWPTs on it */
	struct libiommu_hwpt *parent; /* the nest parent it holds */
	struct lu_list node;	      /* ctx->viommu_list */
};

struct libiommu_vdevice {
	struct libiommu_viommu *viommu;
	struct libiommu_dev *dev;
	uint32_t id;
	uint64_t virt_id;
	struct lu_list node; /* ctx->vdevice_list */
};

/* The library reads a vEVENTQ's fd through this much buffer. */
#define LU_VEVENTQ_BUF 4096

struct libiommu_veventq {
	struct libiommu_viommu *viommu;
	uint32_t id;
	int fd; /* -1 once closed by a destroy the kernel then refused */
	uint32_t type, event_len;
	/* the reader's state (not for concurrent readers) */
	bool seen;	   /* a record was read: @last_seq is its sequence */
	uint32_t last_seq; /* sequence of the last record read */
	size_t buf_len, buf_off;
	uint8_t buf[LU_VEVENTQ_BUF];
	struct lu_list node; /* ctx->veventq_list */
};

/*
 * Free every vEVENTQ, vDEVICE, then every vIOMMU handle (libiommu_ctx_free,
 * locked).
 */
void lu_viommu_free_all(struct libiommu_ctx *ctx);

/* From dev.c's free, locked: destroy the vDEVICE made for @dev, if any. */
void lu_vdevice_forget_dev(struct libiommu_dev *dev);

struct libiommu_hw_queue {
	struct libiommu_viommu *viommu;
	uint32_t id;
	struct lu_list node; /* ctx->hw_queue_list */
};

/* ---- I/O page-fault queues (lib/fault.c) ------------------------------- */

/* Faults the library reads from the fd at once (whole groups). */
#define LU_FAULT_BUF 64

struct libiommu_fault_queue {
	struct libiommu_ctx *ctx;
	uint32_t id;
	int fd;
	unsigned int users; /* HWPTs allocated with it */
	/* the reader's buffer (not for concurrent readers) */
	size_t buf_len, buf_off; /* in faults */
	struct lx_iommu_hwpt_pgfault *buf;
	struct lu_list node; /* ctx->fault_queue_list */
};

/* Free every fault queue handle (libiommu_ctx_free, locked, after HWPTs). */
void lu_fault_queue_free_all(struct libiommu_ctx *ctx);

/* ---- devices -------------------------------------------------------------- */

/* One attachment of a device: its RID (LIBIOMMU_NO_PASID) or a PASID. */
struct lu_attach {
	uint32_t pasid;
	struct libiommu_ioas *ioas; /* exactly one of ioas/hwpt is set */
	struct libiommu_hwpt *hwpt;
	uint32_t hwpt_id; /* the kernel HWPT in use */
	/* attached to @ioas on a HWPT the library placed it on */
	struct libiommu_hwpt *managed;
	/*
	 * Attached to @ioas on a HWPT the kernel chose (no handle): what the
	 * library saw of it (LU_ENF_*), and which device it was made for.
	 */
	int pt_enforce;
	uint32_t pt_made_for;
};

/* Region infos cached per device (VFIO_DEVICE_GET_REGION_INFO). */
#define LU_REGION_CACHE 9

struct lu_region {
	bool valid;
	uint32_t flags; /* LIBIOMMU_REGION_* */
	uint64_t size;
	uint64_t offset;
};

/* What VFIO_DEVICE_GET_IRQ_INFO said of an interrupt index (lib/irq.c). */
#define LU_IRQ_CACHE 5
struct lu_irq {
	bool valid;
	uint32_t flags; /* LIBIOMMU_IRQ_* */
	uint32_t count;
};

struct libiommu_dev {
	struct libiommu_ctx *ctx;
	int fd; /* -1: adopted by id */
	bool owns_fd;
	uint32_t id;
	bool rid_attached;
	struct lu_attach rid;
	struct lu_attach *pasids; /* attached PASIDs */
	size_t nr_pasids, cap_pasids;
	struct lu_region regions[LU_REGION_CACHE]; /* under ctx->lock */
	struct lu_irq irqs[LU_IRQ_CACHE];	   /* under ctx->lock */
	/*
	 * Can its IOMMU force it to snoop (LU_ENF_*, or LU_CAP_UNASKED)?  The
	 * kernel samples this at bind; asked once, when first needed, with
	 * where the answer came from and whether it is a simulated device.
	 */
	int cap;
	bool cap_sim;
	char cap_why[160];
	/* Does Enable No Snoop stick when written (LU_ENF_*)?  Probed once. */
	int nosnoop_writable;
	void *bpriv;	     /* the backend's (type1: its VFIO group) */
	struct lu_list node; /* ctx->dev_list */
};

#define LU_CAP_UNASKED (-2)

/*
 * 0 when @dev has a VFIO device fd, else -EBADF logged naming @fn: a
 * handle adopted by id has none (the device side of lib/devinfo.c,
 * lib/irq.c, lib/reset.c).
 */
static inline int lu_dev_need_fd(struct libiommu_dev *dev, const char *fn)
{
	if (dev->fd >= 0)
		return 0;
	return lu_fail(dev->ctx, -EBADF,
		       "%s: device %" PRIu32 " was adopted by id and has no VFIO device fd (only the process that bound it can use the device side)",
		       fn, dev->id);
}

/* Free every device handle of a ctx (from libiommu_ctx_free, locked). */
void lu_dev_free_all(struct libiommu_ctx *ctx);

/* Is the device added to a KVM VM through a handle of its context?  Locked. */
bool lu_kvm_has_dev(const struct libiommu_dev *dev);

/* The IOAS an attachment maps. */
static inline struct libiommu_ioas *lu_attach_ioas(const struct lu_attach *a)
{
	return a->ioas ? a->ioas : lu_hwpt_ioas(a->hwpt);
}

/* Does @dev use @ioas (its RID or a PASID, directly or through a HWPT)? */
static inline bool lu_dev_uses_ioas(const struct libiommu_dev *dev,
				    const struct libiommu_ioas *ioas)
{
	size_t i;

	if (dev->rid_attached && lu_attach_ioas(&dev->rid) == ioas)
		return true;
	for (i = 0; i < dev->nr_pasids; i++)
		if (lu_attach_ioas(&dev->pasids[i]) == ioas)
			return true;
	return false;
}

/*
 * Region access on the device fd (lib/region.c): the region checked to
 * hold [offset, offset + len) and allow @need (LIBIOMMU_REGION_*), then
 * read or written in full.  Errors are logged naming @fn.
 */
int lu_region_get(struct libiommu_dev *dev, const char *fn, uint32_t index,
		  struct lu_region *out);
int lu_region_rw(struct libiommu_dev *dev, const char *fn, uint32_t index,
		 uint64_t offset, void *buf, size_t len, bool write);

/* ---- KVM ------------------------------------------------------------------ */

struct libiommu_kvm {
	struct libiommu_ctx *ctx;
	int vm_fd;		    /* borrowed from the caller */
	int dev_fd;		    /* the kvm-vfio device */
	bool owns_dev_fd;	    /* ours to close (closing may destroy it) */
	struct libiommu_dev **devs; /* added through this handle */
	size_t nr_devs, cap_devs;
	struct lu_list node; /* ctx->kvm_list */
};

/* Free every KVM handle of a ctx (from libiommu_ctx_free, locked). */
void lu_kvm_free_all(struct libiommu_ctx *ctx);

/* From dev.c's free, locked, while the fd is open: FILE_DEL it from every KVM. */
void lu_kvm_forget_dev(struct libiommu_dev *dev);

/*
 * KVM's non-coherent DMA state through the companion module, quietly: 1,
 * 0, or -errno; *why is the module's open error when it is not there.
 */
int lu_kvm_readback(struct libiommu_kvm *kvm, uint32_t *count, int *why);

/* ---- coherency policy (lib/coherency/policy.c) ------------------------- */

/*
 * Can @dev's IOMMU force it to snoop: *cap LU_ENF_YES, _NO or _UNKNOWN;
 * asked once (the module, else IOMMU_GET_HW_INFO) and cached in the handle
 * with where it came from (dev->cap_why).  0, or the -errno of a read that
 * failed (not cached; not logged).  ctx->lock held.
 */
int lu_coh_dev_cap(struct libiommu_dev *dev, int *cap);

/*
 * The coherency policy of @ioas against a device that would run on a HWPT
 * whose enforcement is @enforce (LU_ENF_*): 0, or the negative errno
 * (logged, naming @fn and the rule) when the policy refuses it.  @what
 * says what the HWPT is, for the message.  ctx->lock held.
 */
int lu_coh_check_policy(struct libiommu_dev *dev, const char *fn,
			struct libiommu_ioas *ioas, int enforce,
			const char *what);

/* IOMMU hardware info: lu_hw_info_decode(), lu_hw_type_name() */
#include "util/hw-decode.h"

_Static_assert(offsetof(struct libiommu_ctx, log) == 0,
	       "lib/util/log.c reads a context as its logger");

#endif /* LIBIOMMU_INTERNAL_H */
