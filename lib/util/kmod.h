/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's side of the companion modules' control nodes (kmod/; their
 * uAPI is kmod/uapi/libiommu_kmod.h): libiommu.ko's /dev/libiommu (device
 * info, KVM read-back) and, when the simulator libiommu_sim.ko is loaded,
 * its /dev/libiommu-sim.  Used by the coherency report and the KVM handle.
 *
 * The nodes are opened for one query and closed again: holding them open
 * would keep the modules from being unloaded (delete_module() refuses a
 * module in use), and nothing is cached, so a module loaded or unloaded
 * while the process runs is seen at the next query.
 */
#ifndef LIBIOMMU_UTIL_KMOD_H
#define LIBIOMMU_UTIL_KMOD_H

#include <stdint.h>

#include "libiommu_kmod.h"

/* Enforcement of snooping as known: of a HWPT, or a device's capability. */
#define LU_ENF_NO 0
#define LU_ENF_YES 1
#define LU_ENF_UNKNOWN (-1)

struct lu_kmod {
	int fd;		   /* /dev/libiommu */
	int sim_fd;	   /* /dev/libiommu-sim: -1 not loaded, -2 not tried */
	uint64_t features; /* LIBIOMMU_KMOD_FEAT_* of the nodes opened so far */
};

/*
 * Open libiommu.ko's node (and the simulator's, when it is loaded) and
 * read the modules' features.  0, or -ENOENT (libiommu.ko not loaded),
 * -EACCES (the node is root-only, 0600), another -errno.
 */
int lu_kmod_open(struct lu_kmod *km);
void lu_kmod_close(struct lu_kmod *km);

/* "not loaded", "not accessible (root only)", ...: why @err from lu_kmod_open. */
const char *lu_kmod_why(int err);

/*
 * The commands; 0 or -errno (-EOPNOTSUPP when the feature bit is clear;
 * lu_kmod_kvm() asks the module anyway and passes on its reason, e.g.
 * -ENOEXEC: built for another build of the kernel than the running one).
 * lu_kmod_dev_info() fills the PCI
 * fields of a simulated device (which the kernel does not see as PCI)
 * from SIM_DEV_INFO, as libiommu.ko does for a PCI function.
 */
int lu_kmod_dev_info(struct lu_kmod *km, int vfio_fd,
		     struct libiommu_kmod_dev_info *di);
int lu_kmod_sim_info_fd(struct lu_kmod *km, int vfio_fd,
			struct libiommu_kmod_sim_dev_info *si);
int lu_kmod_sim_set(struct lu_kmod *km, uint32_t dev_id, uint32_t dev_flags);
int lu_kmod_kvm(struct lu_kmod *km, int vm_fd,
		struct libiommu_kmod_kvm_noncoherent *kn);

/*
 * From a GET_DEV_INFO answer (lu_kmod_dev_info()): does the domain the
 * device is attached to now force snooping?  LU_ENF_YES or _NO when the
 * module knows (LIBIOMMU_KMOD_DEV_ATTACH_KNOWN: a cdev bound to an
 * iommufd and attached to a paging HWPT), LU_ENF_UNKNOWN otherwise - not
 * attached, nested, PASID only, a legacy group, or a module without
 * LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH (di->out_attach says which).
 */
int lu_kmod_dom_enforce(const struct libiommu_kmod_dev_info *di);

#endif
