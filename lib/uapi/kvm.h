/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few KVM ioctls libiommu uses: creating the kvm-vfio pseudo device on a
 * VM fd and adding/removing VFIO files to it, so that KVM learns whether DMA
 * from a device may be non-coherent (and then emulates WBINVD).
 *
 * Names are the kernel's with "lx_"/"LX_" in front so this header coexists
 * with <linux/kvm.h>; tests/test-uapi-compare.c checks it against the real
 * header.  Unlike VFIO/iommufd, KVM encodes the argument size and direction
 * in its ioctl numbers, so a wrong struct size also shows up as a wrong
 * ioctl number there.
 */
#ifndef LIBIOMMU_UAPI_KVM_H
#define LIBIOMMU_UAPI_KVM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

#ifndef LX_UAPI_SIZE
/* Layout pins: a wrong number here is a build error, not a silent ABI bug. */
#define LX_UAPI_SIZE(type, sz) \
	_Static_assert(sizeof(struct type) == (sz), "sizeof(struct " #type ")")
#define LX_UAPI_OFF(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), \
		       "offsetof(struct " #type ", " #field ")")
#endif

#define LX_KVMIO 0xAE

/* What KVM_GET_API_VERSION has returned since the ABI was frozen. */
#define LX_KVM_API_VERSION 12

/* On /dev/kvm. */
#define LX_KVM_GET_API_VERSION _IO(LX_KVMIO, 0x00)
#define LX_KVM_CREATE_VM _IO(LX_KVMIO, 0x01)	/* arg: machine type; 0 = default */
#define LX_KVM_CHECK_EXTENSION _IO(LX_KVMIO, 0x03)	/* also valid on a VM fd */

/* KVM_CREATE_DEVICE and the device-attr ioctls exist iff this cap is set. */
#define LX_KVM_CAP_DEVICE_CTRL 89

/* On a VM fd: create an in-kernel device; fd is written back. */
struct lx_kvm_create_device {
	uint32_t type;		/* LX_KVM_DEV_TYPE_* */
	uint32_t fd;
	uint32_t flags;		/* LX_KVM_CREATE_DEVICE_TEST: only probe */
};
LX_UAPI_SIZE(lx_kvm_create_device, 12);
LX_UAPI_OFF(lx_kvm_create_device, type, 0);
LX_UAPI_OFF(lx_kvm_create_device, fd, 4);
LX_UAPI_OFF(lx_kvm_create_device, flags, 8);
#define LX_KVM_CREATE_DEVICE_TEST 1

/* addr is a user pointer to the attribute's value (for VFIO: an int fd). */
struct lx_kvm_device_attr {
	uint32_t flags;		/* none defined: 0 */
	uint32_t group;
	uint64_t attr;
	uint64_t addr;
};
LX_UAPI_SIZE(lx_kvm_device_attr, 24);
LX_UAPI_OFF(lx_kvm_device_attr, flags, 0);
LX_UAPI_OFF(lx_kvm_device_attr, group, 4);
LX_UAPI_OFF(lx_kvm_device_attr, attr, 8);
LX_UAPI_OFF(lx_kvm_device_attr, addr, 16);

#define LX_KVM_CREATE_DEVICE _IOWR(LX_KVMIO, 0xe0, struct lx_kvm_create_device)
/* On the fd that KVM_CREATE_DEVICE returned. */
#define LX_KVM_SET_DEVICE_ATTR _IOW(LX_KVMIO, 0xe1, struct lx_kvm_device_attr)
#define LX_KVM_GET_DEVICE_ATTR _IOW(LX_KVMIO, 0xe2, struct lx_kvm_device_attr)
#define LX_KVM_HAS_DEVICE_ATTR _IOW(LX_KVMIO, 0xe3, struct lx_kvm_device_attr)

/* Only the device type we need; the kernel's list is longer. */
enum lx_kvm_device_type {
	LX_KVM_DEV_TYPE_VFIO = 4,
};

/* kvm-vfio attributes: group FILE, attr ADD/DEL, addr -> int32 fd. */
#define LX_KVM_DEV_VFIO_FILE 1
#define LX_KVM_DEV_VFIO_FILE_ADD 1
#define LX_KVM_DEV_VFIO_FILE_DEL 2
/* Older spellings, from when only VFIO group fds were accepted. */
#define LX_KVM_DEV_VFIO_GROUP LX_KVM_DEV_VFIO_FILE
#define LX_KVM_DEV_VFIO_GROUP_ADD LX_KVM_DEV_VFIO_FILE_ADD
#define LX_KVM_DEV_VFIO_GROUP_DEL LX_KVM_DEV_VFIO_FILE_DEL
#define LX_KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE 3

#endif /* LIBIOMMU_UAPI_KVM_H */
