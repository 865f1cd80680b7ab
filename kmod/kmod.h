/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommu companion module: declarations shared by its source files.
 */
#ifndef LIBIOMMU_KMOD_INTERNAL_H
#define LIBIOMMU_KMOD_INTERNAL_H

#include <linux/types.h>

#include "libiommu_kmod.h"	/* uapi/, the control uAPI */

/*
 * One ioctl of /dev/libiommu.  ctl.c and sim_ctl.c each keep a table of
 * these, indexed by _IOC_NR(ioctl_num) minus the table's first number, and
 * hand the entry to libiommu_ioctl_run().
 */
struct libiommu_ioctl_op {
	unsigned int ioctl_num;
	unsigned int size;	/* the module's struct size */
	unsigned int min_size;	/* the V1 size: smaller is -EINVAL */
	int (*execute)(void *arg);
};

/*
 * A table entry; @_first: the table's first command number, @_buf: the
 * union the table's commands are copied into (every struct must fit).
 */
#define LIBIOMMU_IOCTL_OP(_first, _buf, _ioctl, _struct, _min, _fn)	\
	[_IOC_NR(_ioctl) - (_first)] = {				\
		.ioctl_num = _ioctl,					\
		.size = sizeof(struct _struct) +			\
			BUILD_BUG_ON_ZERO(sizeof(struct _struct) < (_min) || \
					  sizeof(union _buf) <		\
					  sizeof(struct _struct)),	\
		.min_size = _min,					\
		.execute = _fn,						\
	}

/*
 * ctl.c: run @op on the caller's struct at @uarg, through @buf (at least
 * op->size bytes): read its size, copy it in with copy_struct_from_user()
 * (an older caller's struct is zero-extended, unknown non-zero bytes of a
 * newer one are -E2BIG), execute, and copy back at most the caller's size,
 * only on success.
 */
long libiommu_ioctl_run(const struct libiommu_ioctl_op *op, void *buf,
			void __user *uarg);

/* devinfo.c: LIBIOMMU_KMOD_GET_DEV_INFO */
u64 libiommu_devinfo_features(void);
int libiommu_get_dev_info(struct libiommu_kmod_dev_info *info);

/* kvm.c: LIBIOMMU_KMOD_KVM_NONCOHERENT */
int libiommu_kvm_init(void);
void libiommu_kvm_exit(void);
u64 libiommu_kvm_features(void);
int libiommu_kvm_noncoherent(struct libiommu_kmod_kvm_noncoherent *kn);

/*
 * sim_ctl.c: simulated IOMMUs and DMA devices (LIBIOMMU_KMOD_CMD_SIM_*,
 * see sim.h).  libiommu_sim_ioctl() takes every command numbered
 * LIBIOMMU_KMOD_CMD_SIM_FIRST..LIBIOMMU_KMOD_CMD_SIM_LAST; init never
 * fails the module load (the feature bit stays clear instead).
 */
void libiommu_sim_init(void);
void libiommu_sim_exit(void);
u64 libiommu_sim_features(void);
long libiommu_sim_ioctl(unsigned int cmd, void __user *uarg);
struct device;
/* A sim device's PCI identity and Device Control, for GET_DEV_INFO. */
bool libiommu_sim_dev_pcie(struct device *dev, u16 *vendor, u16 *device,
			   u16 *devctl);

#endif /* LIBIOMMU_KMOD_INTERNAL_H */
