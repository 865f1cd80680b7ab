/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommu_sim.ko, simulated hardware: declarations shared by iommu.c
 * (IOMMU instances, domains, I/O page tables), dev.c (DMA devices exposed
 * through VFIO) and ctl.c (the control node and its SIM_* commands).  The
 * user-visible contract is the SIM section of libiommu_kmod.h.  Functions
 * that are not static carry the prefix lisim_.
 */
#ifndef LIBIOMMU_KMOD_SIM_H
#define LIBIOMMU_KMOD_SIM_H

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/xarray.h>

/*
 * iommu_device_register_bus(), iommu_device_unregister_bus() and
 * iommu_mock_device_add(): exported (GPL) with CONFIG_IOMMUFD_TEST but
 * declared only in the IOMMU core's private header, which Kbuild finds
 * through -I$(srctree): an IOMMU registered for one bus only (ours), with
 * its own software fwnode, and a device added with an fwspec naming it.
 * Including the kernel's own declarations (rather than copies) makes the
 * compiler check every call against the running kernel's tree.
 */
#include "drivers/iommu/iommu-priv.h"

#include "libiommu_kmod.h"

#include "compat.h"

/*
 * What the simulation needs from the kernel: iommu_device_register_bus()
 * and iommu_mock_device_add() (exported only with CONFIG_IOMMUFD_TEST),
 * iommufd, and VFIO device cdevs.  Kbuild refuses to build the module
 * without them.
 */
#if !IS_ENABLED(CONFIG_IOMMUFD_TEST) || !IS_ENABLED(CONFIG_IOMMUFD) || \
	!IS_ENABLED(CONFIG_VFIO_DEVICE_CDEV)
#error "libiommu_sim needs CONFIG_IOMMUFD_TEST, CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV"
#endif

/* One simulated IOMMU instance. */
struct sim_iommu {
	struct iommu_device iommu;
	struct kref kref;		/* the ctl table's + one per device */
	u32 id;
	u32 flags;			/* LIBIOMMU_KMOD_SIM_IOMMU_* */
	unsigned int ndevs;		/* under sim_ctl_lock */
	bool registered;
	char name[LIBIOMMU_KMOD_SIM_NAME_LEN];
};

/* One I/O page table (an iommu_domain of a sim IOMMU). */
struct sim_domain {
	struct iommu_domain domain;
	/*
	 * IOVA page number -> entry (xa_mk_value of pfn and SIM_PTE_*).  The
	 * xarray's lock also serialises DMA page accesses against unmap, so
	 * the engine never touches a page iommufd has already unpinned.
	 */
	struct xarray pt;
	spinlock_t lock;		/* devs, enforce_cc */
	struct list_head devs;		/* sim_dev.domain_node */
	bool can_enforce;		/* allocated for a device that can */
	bool enforce_cc;		/* enforce_cache_coherency() granted */
	bool dirty_tracking;		/* under pt's lock */
	struct rcu_head rcu;		/* the last module reference goes here */
};

struct sim_mig_file;

/* One simulated DMA device. */
struct sim_dev {
	struct device dev;		/* on lisim_bus, behind iommu */
	struct sim_iommu *iommu;	/* holds a kref */
	struct vfio_device *vdev;	/* set while bound to sim_driver */
	int probe_err;
	u32 id;
	/* LIBIOMMU_KMOD_SIM_DEV_*, see lisim_dev_set_flags() */
	u32 flags;
	/*
	 * Set by SIM_DEV_DESTROY (under its ctl lock) before the device is
	 * unregistered: an fd opened after destroy's check can neither bind
	 * nor access the device, and the completion it points to is how
	 * VFIO's request (a late fd holds the device) reaches the command.
	 */
	bool dying;
	struct completion *destroy_answer;

	struct mutex lock;		/* everything below */
	struct sim_domain *domain;	/* NULL: blocked */
	struct list_head domain_node;
	struct sim_dev_mem *mem;	/* config space, buffers */
	struct {
		u64 src, dst, len, fault_iova, ns_pages;
		u32 status, pattern, last_ns;
	} regs;
	u64 dma_bytes, dma_faults, ns_pages;	/* since creation */
	u32 last_dma;			/* LIBIOMMU_KMOD_SIM_LAST_DMA_* */
	/* MSI-X: each vector's eventfd, NULL when it has none */
	struct eventfd_ctx *msix[LIBIOMMU_KMOD_SIM_MSIX_VECTORS];
	/* DMA logging (mig.c): the ranges logged, the pages written */
	struct {
		u64 start, last;
	} log_ranges[LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES];
	u32 log_nranges;		/* 0: not logging */
	bool log_lost;			/* a page could not be recorded */
	struct xarray log_pages;	/* 4 KiB page number -> value 1 */

	/* VFIO migration (mig.c); taken before lock, never inside it */
	struct mutex mig_lock;
	enum vfio_device_mig_state mig_state;	/* written under both */
	struct sim_mig_file *mig_save, *mig_resume;
};

/* The VFIO device of a sim device (dev.c allocates it). */
struct sim_vdev {
	struct vfio_device vdev;	/* first: vfio_alloc_device() wants it */
	struct sim_dev *sdev;
};

static inline struct sim_dev *lisim_vdev_to_sim(struct vfio_device *vdev)
{
	return container_of(vdev, struct sim_vdev, vdev)->sdev;
}

#define SIM_CFG_SIZE 4096

struct sim_dev_mem {
	u8 cfg[SIM_CFG_SIZE];		/* config space, little-endian */
	u8 cfg_wmask[SIM_CFG_SIZE];	/* its writable bits */
	u8 buf[LIBIOMMU_KMOD_SIM_BUF_SIZE]; /* device memory */
	u8 bounce[PAGE_SIZE];		/* memory-to-memory staging */
};

static inline struct sim_dev *to_sim_dev(struct device *dev)
{
	return container_of(dev, struct sim_dev, dev);
}

static inline struct sim_domain *to_sim_domain(struct iommu_domain *d)
{
	return container_of(d, struct sim_domain, domain);
}

/* iommu.c */
extern const struct bus_type lisim_bus;
int lisim_iommu_setup(void);
void lisim_iommu_cleanup(void);
struct sim_iommu *lisim_iommu_create(u32 id, u32 flags);
void lisim_iommu_unregister(struct sim_iommu *si);
void lisim_iommu_put(struct sim_iommu *si);
struct irq_domain *lisim_msi_domain(void);
bool lisim_dev_can_enforce(struct sim_dev *sdev);
u32 lisim_dev_flags(struct sim_dev *sdev);
int lisim_dev_set_flags(struct sim_dev *sdev, u32 mask, u32 value);

/* Outcome of one page access of the DMA engine. */
enum sim_xlate {
	SIM_XLATE_OK,
	SIM_XLATE_UNMAPPED,
	SIM_XLATE_PERM,
	SIM_XLATE_TARGET,
};

enum sim_xlate lisim_domain_check(struct sim_domain *sd, u64 iova, u64 len,
				  bool write, u64 *fault_iova);
enum sim_xlate lisim_domain_access(struct sim_domain *sd, u64 iova, void *buf,
				   size_t len, bool write, int fill);

/* dev.c */
int lisim_dev_setup(void);
void lisim_dev_cleanup(void);
struct sim_dev *lisim_dev_create(struct sim_iommu *si, u32 id, u32 flags);
void lisim_dev_destroy(struct sim_dev *sdev);
void lisim_dev_mark_dying(struct sim_dev *sdev, struct completion *answer);

/*
 * Whether any fd of the device is open (a cdev fd, bound or not, or one
 * from VFIO_GROUP_GET_DEVICE_FD, including one KVM holds).  Every such
 * file holds a registration reference; vfio_unregister_group_dev() would
 * wait for all of them.  Reading vfio_device.refcount is the only way to
 * tell without waiting.  Inline: iommu.c asks it under sim_domain_lock,
 * and the instance code stays below the device code.
 */
static inline bool lisim_dev_is_open(struct sim_dev *sdev)
{
	return sdev->vdev && refcount_read(&sdev->vdev->refcount) > 1;
}

bool lisim_dev_matches_file(struct sim_dev *sdev, struct file *file);

/* mig.c */
extern const struct vfio_migration_ops lisim_mig_ops;
extern const struct vfio_log_ops lisim_log_ops;
void lisim_mig_reset(struct sim_dev *sdev);
void lisim_log_write(struct sim_dev *sdev, u64 iova, u64 len);
void lisim_dev_fill_info(struct sim_dev *sdev,
			 struct libiommu_kmod_sim_dev_info *info);

#endif /* LIBIOMMU_KMOD_SIM_H */
