/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommu companion module: declarations shared by its source files.
 */
#ifndef LIBIOMMU_KMOD_INTERNAL_H
#define LIBIOMMU_KMOD_INTERNAL_H

#include <linux/types.h>

#include "libiommu_kmod.h"	/* lib/uapi, the control uAPI */

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
