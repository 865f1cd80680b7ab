/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommu.ko: declarations shared by its source files.  Functions that
 * are not static carry the prefix lik_ (libiommu kernel), never the user
 * space library's libiommu_.
 */
#ifndef LIK_H
#define LIK_H

#include <linux/types.h>

#include "libiommu_kmod.h"	/* uapi/, the control uAPI */

/* devinfo.c: LIBIOMMU_KMOD_GET_DEV_INFO */
u64 lik_devinfo_features(void);
int lik_get_dev_info(struct libiommu_kmod_dev_info *info);

/* kvm.c: LIBIOMMU_KMOD_KVM_NONCOHERENT */
int lik_kvm_init(void);
void lik_kvm_exit(void);
u64 lik_kvm_features(void);
int lik_kvm_noncoherent(struct libiommu_kmod_kvm_noncoherent *kn);

#endif /* LIK_H */
