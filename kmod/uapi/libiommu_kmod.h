/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR LGPL-2.1-or-later */
/*
 * Control interfaces of libiommu's companion kernel modules (kmod/):
 *
 *  - libiommu.ko, the control node LIBIOMMU_KMOD_DEVNODE: GET_VERSION,
 *    GET_DEV_INFO, KVM_NONCOHERENT (the first sections below);
 *  - libiommu_sim.ko, simulated IOMMUs and DMA devices (test equipment),
 *    its own control node LIBIOMMU_KMOD_SIM_DEVNODE: GET_VERSION and the
 *    SIM_* commands (the SIM section at the end).
 *
 * The two modules load and unload independently.  This one header is
 * compiled into both modules (GPL-2.0-only, built with Kbuild against the
 * running kernel's tree) and into the library and its tests (user space;
 * installed as <libiommu/libiommu_kmod.h>).  It therefore uses only
 * <linux/types.h> and <linux/ioctl.h>, which exist in both worlds, and no
 * libc types.
 *
 * Each control node is a misc device (mode 0600).  Their ioctls follow
 * iommufd's conventions:
 *
 *  - every ioctl is _IO(LIBIOMMU_KMOD_TYPE, cmd): the argument is a pointer
 *    to a struct whose first field is "__u32 size", set by the caller to
 *    sizeof(the struct it was built with);
 *  - structs only ever grow at the end.  The module accepts any size from
 *    the first version's size (LIBIOMMU_KMOD_*_SIZE_V1) up to the page size
 *    (4096 on x86): a shorter one is -EINVAL, a longer one -E2BIG; trailing
 *    bytes it does not know must be zero, else -E2BIG; it writes back at
 *    most min(size, its own struct size) bytes, and only when the call
 *    succeeds;
 *  - the second field is "__u32 flags" (input); unknown flags, and
 *    non-zero __reserved fields, are -EOPNOTSUPP (the module writes its
 *    __reserved fields back as zero, so a struct can be reused);
 *  - fields named out_* are written by the module; their input value is
 *    ignored.
 *
 * Versioning: LIBIOMMU_KMOD_GET_VERSION works on every version of the
 * module and reports LIBIOMMU_KMOD_VERSION (bumped only by an
 * incompatible change, which we intend never to make) and a bitmask of
 * LIBIOMMU_KMOD_FEAT_* saying which commands this module and this kernel
 * can answer.  Commands or fields added later get a feature bit; callers
 * test the bit instead of comparing versions.
 *
 * Errors are the ioctl's -1/errno.  Common to every command:
 *   EFAULT      the argument (or a pointer inside it) is not readable or
 *               writable;
 *   EINVAL      size smaller than the command's V1 size, or an input field
 *               out of range;
 *   E2BIG       size larger than the module knows and the extra bytes are
 *               not zero, or larger than a page;
 *   EOPNOTSUPP  unknown flags, non-zero reserved field, or a command this
 *               kernel/module cannot answer (see the feature bits);
 *   ENOTTY      not one of the ioctls below.
 * The module never writes to the kernel log because of bad input.
 */
#ifndef LIBIOMMU_UAPI_LIBIOMMU_KMOD_H
#define LIBIOMMU_UAPI_LIBIOMMU_KMOD_H

#include <linux/types.h>
#include <linux/ioctl.h>
#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif

/* Layout pins, checked where the header is compiled (C11 or kernel C). */
#ifdef __cplusplus
#define LIBIOMMU_KMOD_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define LIBIOMMU_KMOD_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#define LIBIOMMU_KMOD_SIZE(type, sz) \
	LIBIOMMU_KMOD_ASSERT(sizeof(struct type) == (sz), "sizeof(struct " #type ")")
#define LIBIOMMU_KMOD_OFF(type, field, off) \
	LIBIOMMU_KMOD_ASSERT(offsetof(struct type, field) == (off), \
			     "offsetof(struct " #type ", " #field ")")

/* The control nodes, and the modules' names (for rmmod / delete_module). */
#define LIBIOMMU_KMOD_DEVNODE "/dev/libiommu"
#define LIBIOMMU_KMOD_MODNAME "libiommu"
#define LIBIOMMU_KMOD_SIM_DEVNODE "/dev/libiommu-sim"
#define LIBIOMMU_KMOD_SIM_MODNAME "libiommu_sim"

/* Interface version reported by GET_VERSION. */
#define LIBIOMMU_KMOD_VERSION 1

/* ioctl type byte: not used by any subsystem in Linux's ioctl-number.rst. */
#define LIBIOMMU_KMOD_TYPE 0xBE

enum {
	LIBIOMMU_KMOD_CMD_GET_VERSION = 0x00,
	LIBIOMMU_KMOD_CMD_GET_DEV_INFO = 0x01,
	LIBIOMMU_KMOD_CMD_KVM_NONCOHERENT = 0x02,
};

/* ------------------------------------------------------------ GET_VERSION */
/*
 * On either node.  out_features has the bits of the node's own section:
 * bits 0..31 on LIBIOMMU_KMOD_DEVNODE, bits 32..47 on
 * LIBIOMMU_KMOD_SIM_DEVNODE.
 */

/*
 * GET_DEV_INFO on a VFIO device cdev fd (and on a device fd from
 * VFIO_GROUP_GET_DEVICE_FD with ..._FEAT_DEV_INFO_OPENED).
 */
#define LIBIOMMU_KMOD_FEAT_DEV_INFO (1ULL << 0)
/* GET_DEV_INFO with LIBIOMMU_KMOD_DEV_INFO_GROUP: group fd + device name. */
#define LIBIOMMU_KMOD_FEAT_DEV_INFO_GROUP (1ULL << 1)
/*
 * KVM_NONCOHERENT.  Clear when this kernel has no KVM for x86
 * (CONFIG_KVM_X86) or no kallsyms (the module recognises KVM's VM files by
 * the names of their functions) - the command is then -EOPNOTSUPP - and
 * when the module was not built against this very build of the kernel
 * (the command is then -ENOEXEC, see there).
 */
#define LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT (1ULL << 2)
/*
 * GET_DEV_INFO fills out_attach, out_attach_hwpt_id and the
 * LIBIOMMU_KMOD_DEV_ATTACH_* flags (struct size V2): what the device is
 * attached to now.  Needs CONFIG_IOMMUFD, VFIO device cdevs and a module
 * built against a full kernel source tree (iommufd's private header).
 */
#define LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH (1ULL << 3)
/*
 * GET_DEV_INFO also on device fds from VFIO_GROUP_GET_DEVICE_FD, and it
 * sets LIBIOMMU_KMOD_DEV_OPENED / ..._IOMMUFD_BOUND and out_devid (which
 * fd opened or bound the device).  Clear in a module built against a
 * headers-only kernel tree (those answers need VFIO's private header):
 * such fds are then EOPNOTSUPP, and a group fd + name finds PCI devices
 * only.
 */
#define LIBIOMMU_KMOD_FEAT_DEV_INFO_OPENED (1ULL << 4)

struct libiommu_kmod_version {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_version) */
	__u32 flags;		/* in: 0 */
	__u32 out_version;	/* LIBIOMMU_KMOD_VERSION of the module */
	__u32 __reserved;	/* in: 0 */
	__aligned_u64 out_features; /* LIBIOMMU_KMOD_FEAT_* */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_version, 24);
LIBIOMMU_KMOD_OFF(libiommu_kmod_version, out_version, 8);
LIBIOMMU_KMOD_OFF(libiommu_kmod_version, out_features, 16);
#define LIBIOMMU_KMOD_VERSION_SIZE_V1 24

#define LIBIOMMU_KMOD_GET_VERSION \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_GET_VERSION)

/* ------------------------------------------------------------ GET_DEV_INFO */

/*
 * The kernel's view of one VFIO device, for the coherency matrix
 * (rows: does the IOMMU block no-snoop; columns: may the device issue it):
 * what the IOMMU can enforce, what VFIO tells KVM, the device's PCIe
 * "Enable No Snoop" control, and the policy the kernel applies by default.
 * It is the IOMMU_GET_DEV_INFO of the /dev/ioasid RFC, answered from the
 * kernel's own functions (see kmod/README).
 *
 * Input: vfio_fd is a VFIO device fd: a cdev (/dev/vfio/devices/vfioN,
 * bound or not) or a device fd from VFIO_GROUP_GET_DEVICE_FD.  With
 * LIBIOMMU_KMOD_DEV_INFO_GROUP it is instead a VFIO group fd
 * (/dev/vfio/<group>) and name_ptr points to the NUL-terminated name of a
 * device in that group (e.g. "0000:00:03.0"); the answer then reports what
 * VFIO tells KVM for the whole group (the group fd is what a legacy VMM
 * gives to the kvm-vfio device).
 *
 * Errors (besides the common ones):
 *   EBADF   vfio_fd is not an open fd of the calling process;
 *   EBADFD  vfio_fd is open but not a VFIO device fd (or, with
 *           ..._DEV_INFO_GROUP, not a VFIO group fd): e.g. /dev/null, a
 *           KVM fd, an iommufd, a VFIO container;
 *   EINVAL  name_ptr set without ..._DEV_INFO_GROUP or missing with it,
 *           or the name is longer than a page;
 *   ENODEV  (group) no device of that name in the group.
 */
#define LIBIOMMU_KMOD_DEV_INFO_GROUP (1U << 0)

/* out_flags */
/* The device sits behind an IOMMU (it has an IOMMU group). */
#define LIBIOMMU_KMOD_DEV_HAS_IOMMU (1ULL << 0)
/*
 * device_iommu_capable(IOMMU_CAP_ENFORCE_CACHE_COHERENCY): the IOMMU can
 * make this device's DMA snoop the CPU caches even when the device sets
 * the PCIe no-snoop attribute.  iommufd then always does so on a paging
 * HWPT (no uAPI opts out): the row "IOMMU blocks no-snoop" of the matrix.
 */
#define LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC (1ULL << 1)
/*
 * device_iommu_capable(IOMMU_CAP_CACHE_COHERENCY): the IOMMU's DMA is
 * coherent for normal (snooped) transactions; iommufd refuses to bind a
 * device without it.
 */
#define LIBIOMMU_KMOD_DEV_IOMMU_CC (1ULL << 2)
/*
 * vfio_file_enforced_coherent(vfio_fd): what the kvm-vfio device will be
 * told when this fd is given to KVM_DEV_VFIO_FILE_ADD.  For a device fd
 * it equals ..._IOMMU_ENFORCE_CC; for a group fd it is set only if every
 * device of the group has that capability.
 */
#define LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC (1ULL << 3)
/* A PCI device: out_pci_vendor / out_pci_device are valid. */
#define LIBIOMMU_KMOD_DEV_PCI (1ULL << 4)
/* It has a PCI Express capability (pci_is_pcie()). */
#define LIBIOMMU_KMOD_DEV_PCIE (1ULL << 5)
/* out_pcie_devctl holds the device's PCIe Device Control register. */
#define LIBIOMMU_KMOD_DEV_DEVCTL_VALID (1ULL << 6)
/* Device Control "Enable No Snoop" (PCI_EXP_DEVCTL_NOSNOOP_EN) is set. */
#define LIBIOMMU_KMOD_DEV_NOSNOOP_EN (1ULL << 7)
/* The fd is a device fd whose user has opened the device (it may DMA). */
#define LIBIOMMU_KMOD_DEV_OPENED (1ULL << 8)
/* ... and bound to an iommufd (cdev, or group in iommufd compat mode). */
#define LIBIOMMU_KMOD_DEV_IOMMUFD_BOUND (1ULL << 9)
/* The answer came through a group fd (LIBIOMMU_KMOD_DEV_INFO_GROUP). */
#define LIBIOMMU_KMOD_DEV_GROUP_FD (1ULL << 10)
/*
 * The enforcement of the domain the device is attached to now is known:
 * out_attach is LIBIOMMU_KMOD_ATTACH_PAGING.  Not the capability
 * (..._IOMMU_ENFORCE_CC): iommufd fixes a paging HWPT's enforcement when
 * it allocates it, from the device it allocates it for, and a device
 * whose IOMMU can enforce may be attached to a HWPT that does not.
 */
#define LIBIOMMU_KMOD_DEV_ATTACH_KNOWN (1ULL << 11)
/*
 * ... and that HWPT enforces cache coherency: the IOMMU makes the
 * device's no-snoop DMA snoop (the matrix row "IOMMU blocks no-snoop",
 * now).  Clear with ..._ATTACH_KNOWN set: it lets no-snoop through.
 */
#define LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC (1ULL << 12)

/* out_nosnoop: may the device issue no-snoop transactions right now? */
enum libiommu_kmod_nosnoop {
	/* DevCtl could not be read (device in D3cold or gone). */
	LIBIOMMU_KMOD_NOSNOOP_UNKNOWN = 0,
	/*
	 * No PCIe capability: the device has no "Enable No Snoop" control and
	 * cannot send PCIe no-snoop requests ("device never does").
	 */
	LIBIOMMU_KMOD_NOSNOOP_NO_PCIE = 1,
	/*
	 * PCIe, Enable No Snoop clear: not permitted now (the bit is writable
	 * by the device's owner through the VFIO config region).
	 */
	LIBIOMMU_KMOD_NOSNOOP_DISABLED = 2,
	/* PCIe, Enable No Snoop set: the device may issue no-snoop. */
	LIBIOMMU_KMOD_NOSNOOP_ENABLED = 3,
	/*
	 * Not a PCI device: the kernel has no Device Control register for it
	 * and cannot tell (a platform device, or libiommu_sim.ko's simulated
	 * PCIe functions, whose config space is in their VFIO region and in
	 * SIM_DEV_INFO).
	 */
	LIBIOMMU_KMOD_NOSNOOP_NOT_PCI = 4,
};

/*
 * out_wbinvd_policy: the kernel's default decision for this fd, the /dev/iommu
 * proposal's 'enable'/'disable': KVM emulates WBINVD (and, with the kvm-vfio device
 * holding this fd, counts the VM as having non-coherent DMA) exactly when
 * VFIO says DMA is not enforced-coherent (..._VFIO_ENFORCED_CC clear).
 */
enum libiommu_kmod_wbinvd_policy {
	LIBIOMMU_KMOD_WBINVD_UNKNOWN = 0,	/* never returned on success */
	LIBIOMMU_KMOD_WBINVD_DISABLE = 1,	/* boxes 1, 2: coherent */
	LIBIOMMU_KMOD_WBINVD_ENABLE = 2,	/* boxes 3, 4: emulate WBINVD */
};

/*
 * out_attach: what the device's requester ID (no PASID) is attached to
 * now, as iommufd holds it.  Only LIBIOMMU_KMOD_ATTACH_PAGING tells the
 * enforcement (LIBIOMMU_KMOD_DEV_ATTACH_KNOWN); every other value says
 * why it is not known rather than guess.
 */
enum libiommu_kmod_attach {
	/* Not looked at: LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH is clear. */
	LIBIOMMU_KMOD_ATTACH_UNKNOWN = 0,
	/*
	 * Not a device cdev bound to an iommufd through this fd: an unbound
	 * cdev, a device fd from VFIO_GROUP_GET_DEVICE_FD or a group fd (the
	 * legacy VFIO container decides there).
	 */
	LIBIOMMU_KMOD_ATTACH_NOT_BOUND = 1,
	/* Bound, attached to nothing: DMA is blocked. */
	LIBIOMMU_KMOD_ATTACH_NONE = 2,
	/* A paging HWPT (out_attach_hwpt_id); see ..._DEV_ATTACH_ENFORCE_CC. */
	LIBIOMMU_KMOD_ATTACH_PAGING = 3,
	/*
	 * A nested HWPT (out_attach_hwpt_id): the stage-2 parent decides
	 * snooping together with the guest's stage 1; not reported.
	 */
	LIBIOMMU_KMOD_ATTACH_NESTED = 4,
	/* The requester ID is attached to nothing, PASIDs are. */
	LIBIOMMU_KMOD_ATTACH_PASID_ONLY = 5,
	/* A domain iommufd did not make (not expected while bound). */
	LIBIOMMU_KMOD_ATTACH_OTHER = 6,
};

#define LIBIOMMU_KMOD_DEV_NAME_LEN 64

struct libiommu_kmod_dev_info {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_dev_info) */
	__u32 flags;		/* in: LIBIOMMU_KMOD_DEV_INFO_* */
	__s32 vfio_fd;		/* in: VFIO device fd (or group fd) */
	__u32 __reserved;	/* in: 0 */
	__aligned_u64 name_ptr;	/* in: with ..._DEV_INFO_GROUP: device name */
	__aligned_u64 out_flags; /* LIBIOMMU_KMOD_DEV_* */
	__u32 out_nosnoop;	/* enum libiommu_kmod_nosnoop */
	__u32 out_wbinvd_policy; /* enum libiommu_kmod_wbinvd_policy */
	__s32 out_iommu_group;	/* IOMMU group number, -1 without one */
	__u32 out_devid;	/* iommufd device id, with ..._IOMMUFD_BOUND */
	__u16 out_pci_vendor;	/* with LIBIOMMU_KMOD_DEV_PCI */
	__u16 out_pci_device;
	__u16 out_pcie_devctl;	/* with LIBIOMMU_KMOD_DEV_DEVCTL_VALID */
	__u16 __reserved2;	/* in: 0 */
	/* dev_name(), NUL-terminated, cut if longer */
	char out_name[LIBIOMMU_KMOD_DEV_NAME_LEN];
	/* V2, with LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH: */
	__u32 out_attach;	/* enum libiommu_kmod_attach */
	__u32 out_attach_hwpt_id; /* iommufd HWPT id (PAGING, NESTED), else 0 */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_dev_info, 128);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, vfio_fd, 8);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, name_ptr, 16);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_flags, 24);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_nosnoop, 32);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_wbinvd_policy, 36);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_iommu_group, 40);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_devid, 44);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_pci_vendor, 48);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_pcie_devctl, 52);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_name, 56);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_attach, 120);
LIBIOMMU_KMOD_OFF(libiommu_kmod_dev_info, out_attach_hwpt_id, 124);
#define LIBIOMMU_KMOD_DEV_INFO_SIZE_V1 120
#define LIBIOMMU_KMOD_DEV_INFO_SIZE_V2 128

#define LIBIOMMU_KMOD_GET_DEV_INFO \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_GET_DEV_INFO)

/* ------------------------------------------------------------ KVM_NONCOHERENT */

/*
 * Read back whether KVM treats a VM as having non-coherent DMA (the WBINVD
 * column of the matrix): kvm_arch_has_noncoherent_dma(), which the
 * kvm-vfio device drives from VFIO's answers on KVM_DEV_VFIO_FILE_ADD/DEL.
 * While it is true KVM emulates WBINVD for the guest (and on Intel honours
 * the guest's memory types instead of forcing write-back).
 *
 * Input: kvm_fd is a KVM VM fd (from KVM_CREATE_VM on /dev/kvm).
 * Errors (besides the common ones):
 *   EBADF       kvm_fd is not an open fd of the calling process;
 *   EBADFD      kvm_fd is open but not a KVM VM fd: /dev/kvm itself, a
 *               vCPU or device fd, a VFIO fd, /dev/null, ...;
 *   ENOEXEC     the module was built against a kernel tree that is not the
 *               running kernel's build (their UTS_VERSION differ): the
 *               count lives in KVM's private struct kvm_arch, whose layout
 *               depends on the configuration, and the module refuses to
 *               read what may be another field.  Rebuild it against this
 *               kernel's tree (the kernel log says which builds differ);
 *   EOPNOTSUPP  no KVM (x86) or no kallsyms in this kernel.
 */

/* out_flags: kvm_arch_has_noncoherent_dma() is true. */
#define LIBIOMMU_KMOD_KVM_NONCOHERENT_DMA (1U << 0)

struct libiommu_kmod_kvm_noncoherent {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_kvm_noncoherent) */
	__u32 flags;		/* in: 0 */
	__s32 kvm_fd;		/* in: KVM VM fd */
	__u32 out_flags;	/* LIBIOMMU_KMOD_KVM_* */
	/*
	 * kvm->arch.noncoherent_dma_count: each kvm-vfio device of the VM
	 * that holds at least one not-enforced-coherent VFIO file counts 1.
	 */
	__u32 out_noncoherent_dma_count;
	__u32 __reserved;	/* in: 0 */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_kvm_noncoherent, 24);
LIBIOMMU_KMOD_OFF(libiommu_kmod_kvm_noncoherent, kvm_fd, 8);
LIBIOMMU_KMOD_OFF(libiommu_kmod_kvm_noncoherent, out_flags, 12);
LIBIOMMU_KMOD_OFF(libiommu_kmod_kvm_noncoherent, out_noncoherent_dma_count, 16);
#define LIBIOMMU_KMOD_KVM_NONCOHERENT_SIZE_V1 24

#define LIBIOMMU_KMOD_KVM_NONCOHERENT \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_KVM_NONCOHERENT)

/* ==================================================================== SIM */
/*
 * Simulated hardware (libiommu_sim.ko, kmod/sim/): IOMMU instances and
 * no-snoop capable DMA devices that reach all four boxes of the coherency
 * matrix (QEMU's devices only reach boxes 2 and 4).  Its commands are
 * ioctls on LIBIOMMU_KMOD_SIM_DEVNODE (on LIBIOMMU_KMOD_DEVNODE they are
 * ENOTTY), numbered LIBIOMMU_KMOD_CMD_SIM_FIRST..LIBIOMMU_KMOD_CMD_SIM_LAST;
 * GET_VERSION works there too and reports feature bits 32..47.  Same
 * conventions as above.  The module needs CONFIG_IOMMUFD_TEST (which
 * exports the IOMMU core's single-bus registration) and is test
 * equipment: do not load it on a production host.
 *
 * An IOMMU instance ("sim IOMMU") is a real Linux IOMMU driver instance on
 * the module's own bus: the IOMMU core probes its devices, iommufd
 * allocates its domains (I/O page tables: IOVA -> physical, 4 KiB pages,
 * read/write permissions), asks it for enforce_cache_coherency() and dirty
 * tracking like any other IOMMU.  Its two capabilities are chosen at
 * creation:
 *   SNOOP_CTL  it can block no-snoop (IOMMU_CAP_ENFORCE_CACHE_COHERENCY):
 *              matrix rows "IOMMU blocks no-snoop" (set) / "lets it
 *              through" (clear);
 *   DIRTY      it has dirty tracking (IOMMU_CAP_DIRTY_TRACKING): HWPTs
 *              can be allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING.
 *
 * A device ("sim device") sits behind one instance and is a VFIO device
 * with a cdev (/dev/vfio/devices/vfio<out_vfio_index>) and a group; user
 * space binds it to an iommufd, attaches it and drives it like a vfio-pci
 * device.  It reports VFIO_DEVICE_FLAGS_PCI with the vfio-pci region
 * layout: a 4 KiB PCIe config space (region 7) whose Device Control
 * "Enable No Snoop" bit (PCIe capability at LIBIOMMU_KMOD_SIM_CFG_PCIE,
 * PCI_EXP_DEVCTL bit 11) is writable and 1 after reset when the device
 * was created NOSNOOP_CAP (matrix column "device may issue no-snoop"),
 * hardwired to 0 otherwise; and a BAR0 region holding a DMA engine
 * (LIBIOMMU_KMOD_SIM_REG_*), accessed with pread/pwrite on the device fd.
 * BAR0 has a sparse mmap area: the device memory (LIBIOMMU_KMOD_SIM_BUF)
 * may be mmap()ed, the registers are trapped.
 * Its interrupts are LIBIOMMU_KMOD_SIM_MSIX_VECTORS MSI-X vectors (VFIO
 * interrupt index 2, eventfds through VFIO_DEVICE_SET_IRQS, dropped when
 * the last fd closes) that a write of the vector number to
 * LIBIOMMU_KMOD_SIM_REG_MSIX_RAISE raises; it has no INTx and no MSI.
 *
 * The engine translates every IOVA through the domain the device is
 * attached to: an unmapped IOVA (or a write to a read-only mapping, or no
 * domain at all) faults: the command ends with an error status and the
 * faulting IOVA, and nothing is written (the whole range is checked before
 * any byte moves).  Writes set the dirty bit of each page written while
 * the domain tracks dirty pages.  A transfer asks for the no-snoop
 * attribute with LIBIOMMU_KMOD_SIM_DMA_NOSNOOP; the device sends it only
 * when its Enable No Snoop bit is set, and the IOMMU strips it when the
 * domain enforces cache coherency: LIBIOMMU_KMOD_SIM_REG_NS_PAGES counts
 * the pages that really went out non-snooped (only ever in box 3).
 *
 * Policy knob (the /dev/ioasid RFC's "force-enable", box 1 -> 3):
 *   NO_ENFORCE on a device makes its IOMMU answer "cannot enforce" for
 *   that device, so iommufd allocates it a non-enforcing (no-snoop format)
 *   domain, VFIO reports it not enforced-coherent and KVM counts it as
 *   non-coherent DMA.  Settable at creation or with SIM_DEV_SET while no
 *   fd of the device is open (iommufd samples it at bind, KVM at
 *   KVM_DEV_VFIO_FILE_ADD).  There is no "force-disable" (3 -> 4).
 *
 * Rules the sim IOMMU applies, like VT-d does:
 *   - enforce_cache_coherency() on a domain succeeds only if the domain
 *     was allocated for a device that can enforce and every device
 *     attached to it can;
 *   - attaching a device that cannot enforce (instance without SNOOP_CTL,
 *     or NO_ENFORCE) to a domain that enforces fails with EINVAL: the
 *     /dev/iommu proposal's rule that a device which cannot be forced to
 *     snoop fails to attach to a coherent I/O address space.  (iommufd's automatic attach
 *     to an IOAS then allocates a separate, non-enforcing HWPT; an attach
 *     to that HWPT's id fails.)  A device that could enforce may join a
 *     non-enforcing domain: its DMA is then not snooped-enforced (every
 *     device in a non-coherent address space may issue no-snoop), which
 *     SIM_DEV_INFO shows;
 *   - a device whose instance lacks DIRTY cannot attach to a
 *     dirty-tracking domain (EINVAL).
 *
 * Privilege: SIM_IOMMU_CREATE/DESTROY, SIM_DEV_CREATE/DESTROY and
 * SIM_DEV_SET change the system's IOMMU topology and need CAP_SYS_ADMIN
 * (EPERM without it); GET_VERSION and SIM_DEV_INFO only read.
 *
 * Lifetime: SIM_IOMMU_DESTROY fails with EBUSY while the instance has
 * devices; SIM_DEV_DESTROY fails with EBUSY while any fd of the device is
 * open (including a kvm-vfio device holding it).  libiommu_sim.ko cannot
 * be unloaded while a sim device exists, or a domain of a sim IOMMU is
 * still held by an iommufd (EWOULDBLOCK from delete_module, also for an
 * RCU grace period - milliseconds - after the last such domain was
 * freed); instances without devices are destroyed on unload.  libiommu.ko
 * answers GET_DEV_INFO for a sim device like for any VFIO device that is not PCI
 * (LIBIOMMU_KMOD_NOSNOOP_NOT_PCI): the PCIe side is in SIM_DEV_INFO and in
 * the device's VFIO config region.
 */
#define LIBIOMMU_KMOD_CMD_SIM_FIRST 0x40
#define LIBIOMMU_KMOD_CMD_SIM_LAST 0x5f

enum {
	LIBIOMMU_KMOD_CMD_SIM_IOMMU_CREATE = 0x40,
	LIBIOMMU_KMOD_CMD_SIM_IOMMU_DESTROY = 0x41,
	LIBIOMMU_KMOD_CMD_SIM_DEV_CREATE = 0x42,
	LIBIOMMU_KMOD_CMD_SIM_DEV_DESTROY = 0x43,
	LIBIOMMU_KMOD_CMD_SIM_DEV_SET = 0x44,
	LIBIOMMU_KMOD_CMD_SIM_DEV_INFO = 0x45,
};

/*
 * The SIM_* commands, on LIBIOMMU_KMOD_SIM_DEVNODE: always set there
 * (libiommu_sim.ko does not load on a kernel without what the simulation
 * needs: CONFIG_IOMMUFD_TEST, CONFIG_IOMMUFD, CONFIG_VFIO_DEVICE_CDEV).
 */
#define LIBIOMMU_KMOD_FEAT_SIM (1ULL << 32)
/* SIM_DEV_INFO reports the last DMA's truth in out_last_dma (size V2). */
#define LIBIOMMU_KMOD_FEAT_SIM_LAST_DMA (1ULL << 33)
/*
 * Sim devices implement VFIO migration v2 (VFIO_MIGRATION_STOP_COPY and
 * _PRE_COPY: the data fd carries images of their registers, config space
 * and buffer, PRE_COPY's initial one and STOP_COPY's final one; outside
 * RUNNING and PRE_COPY writes to config space and BAR0 fail with EBUSY; RESUMING ->
 * STOP loads a whole stream, fails with EINVAL on a partial or foreign one
 * and keeps the device's state when nothing was written) and DMA logging
 * (the pages the DMA engine wrote, 4 KiB granules, at most
 * LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES ranges - more are combined - of at most
 * LIBIOMMU_KMOD_SIM_LOG_MAX_LENGTH bytes together, else E2BIG).
 */
#define LIBIOMMU_KMOD_FEAT_SIM_MIGRATION (1ULL << 34)
#define LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES 4
#define LIBIOMMU_KMOD_SIM_LOG_MAX_LENGTH (1ULL << 30)

#define LIBIOMMU_KMOD_SIM_NAME_LEN 32

/* ------------------------------------------------------- SIM_IOMMU_CREATE */

/* flags: capabilities of the new instance */
#define LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL (1U << 0)
#define LIBIOMMU_KMOD_SIM_IOMMU_DIRTY (1U << 1)

struct libiommu_kmod_sim_iommu_create {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_sim_iommu_create) */
	__u32 flags;		/* in: LIBIOMMU_KMOD_SIM_IOMMU_* */
	__u32 out_iommu_id;	/* > 0 */
	__u32 __reserved;	/* in: 0 */
	char out_name[LIBIOMMU_KMOD_SIM_NAME_LEN]; /* /sys/class/iommu/<name> */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_sim_iommu_create, 48);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_iommu_create, out_iommu_id, 8);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_iommu_create, out_name, 16);
#define LIBIOMMU_KMOD_SIM_IOMMU_CREATE_SIZE_V1 48

#define LIBIOMMU_KMOD_SIM_IOMMU_CREATE \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_SIM_IOMMU_CREATE)

/* ------------------------------------------------------- SIM_IOMMU_DESTROY */

/* Errors: ENOENT no such instance; EBUSY it still has devices. */
struct libiommu_kmod_sim_iommu_destroy {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_sim_iommu_destroy) */
	__u32 flags;		/* in: 0 */
	__u32 iommu_id;		/* in */
	__u32 __reserved;	/* in: 0 */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_sim_iommu_destroy, 16);
#define LIBIOMMU_KMOD_SIM_IOMMU_DESTROY_SIZE_V1 16

#define LIBIOMMU_KMOD_SIM_IOMMU_DESTROY \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_SIM_IOMMU_DESTROY)

/* --------------------------------------------------------- SIM_DEV_CREATE */

/*
 * Device properties: dev_flags of SIM_DEV_CREATE and SIM_DEV_SET,
 * out_dev_flags of SIM_DEV_INFO.
 */
/* PCIe "Enable No Snoop" is implemented (writable, 1 after reset). */
#define LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP (1U << 0)
/* Force-enable: the IOMMU does not enforce snooping for this device. */
#define LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE (1U << 1)

/*
 * flags are the command's own (none is defined: 0); the new device's
 * properties are in dev_flags.
 * Errors: ENOENT no such instance; EOPNOTSUPP unknown flags or device
 * properties, or a non-zero __reserved.
 */
struct libiommu_kmod_sim_dev_create {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_sim_dev_create) */
	__u32 flags;		/* in: 0 */
	__u32 iommu_id;		/* in: the instance the device sits behind */
	__u32 dev_flags;	/* in: LIBIOMMU_KMOD_SIM_DEV_* */
	__u32 out_dev_id;	/* > 0 */
	__s32 out_iommu_group;	/* /dev/vfio/<group> */
	__u32 out_vfio_index;	/* /dev/vfio/devices/vfio<index> */
	__u32 __reserved;	/* in: 0 */
	char out_name[LIBIOMMU_KMOD_SIM_NAME_LEN]; /* dev_name() */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_sim_dev_create, 64);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_create, iommu_id, 8);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_create, dev_flags, 12);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_create, out_dev_id, 16);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_create, out_iommu_group, 20);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_create, out_vfio_index, 24);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_create, out_name, 32);
#define LIBIOMMU_KMOD_SIM_DEV_CREATE_SIZE_V1 64

#define LIBIOMMU_KMOD_SIM_DEV_CREATE \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_SIM_DEV_CREATE)

/* -------------------------------------------------------- SIM_DEV_DESTROY */

/* Errors: ENOENT no such device; EBUSY an fd of the device is open. */
struct libiommu_kmod_sim_dev_destroy {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_sim_dev_destroy) */
	__u32 flags;		/* in: 0 */
	__u32 dev_id;		/* in */
	__u32 __reserved;	/* in: 0 */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_sim_dev_destroy, 16);
#define LIBIOMMU_KMOD_SIM_DEV_DESTROY_SIZE_V1 16

#define LIBIOMMU_KMOD_SIM_DEV_DESTROY \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_SIM_DEV_DESTROY)

/* ------------------------------------------------------------ SIM_DEV_SET */

/*
 * Change a device's policy: dev_flags is the new value of the changeable
 * flags (today only LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE).
 * Errors: ENOENT no such device; EINVAL dev_flags has a flag that cannot
 * change (NOSNOOP_CAP is hardware) or is unknown; EBUSY an fd of the
 * device is open.
 */
struct libiommu_kmod_sim_dev_set {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_sim_dev_set) */
	__u32 flags;		/* in: 0 */
	__u32 dev_id;		/* in */
	__u32 dev_flags;	/* in: LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE or 0 */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_sim_dev_set, 16);
#define LIBIOMMU_KMOD_SIM_DEV_SET_SIZE_V1 16

#define LIBIOMMU_KMOD_SIM_DEV_SET \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_SIM_DEV_SET)

/* ----------------------------------------------------------- SIM_DEV_INFO */

/* flags: look the device up by the VFIO fd in vfio_fd, not by dev_id */
#define LIBIOMMU_KMOD_SIM_INFO_BY_FD (1U << 0)

/* out_state */
/* An fd of the device (cdev, group-opened, or held by KVM) is open. */
#define LIBIOMMU_KMOD_SIM_STATE_OPEN (1U << 0)
/* Attached to a paging domain (else blocked: every DMA faults). */
#define LIBIOMMU_KMOD_SIM_STATE_ATTACHED (1U << 1)
/* ... which enforces cache coherency (no-snoop is stripped). */
#define LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC (1U << 2)
/* ... which is a dirty-tracking domain, with tracking switched on. */
#define LIBIOMMU_KMOD_SIM_STATE_DIRTY_TRACKING (1U << 3)
/* The device's IOMMU answers IOMMU_CAP_ENFORCE_CACHE_COHERENCY for it. */
#define LIBIOMMU_KMOD_SIM_STATE_CAP_ENFORCE_CC (1U << 4)

/*
 * out_last_dma: what the hardware did with the last DMA that moved data
 * (since the device was created or last reset - opening it resets it).
 * The truth a coherency report can be compared with: the device's side
 * (did it set the no-snoop attribute?) and the IOMMU's (did the domain the
 * DMA went through force snooping?).
 */
/* A DMA moved data; the bits below describe the last one. */
#define LIBIOMMU_KMOD_SIM_LAST_DMA_DONE (1U << 0)
/*
 * The device issued it with the no-snoop attribute: the command asked
 * for it (LIBIOMMU_KMOD_SIM_DMA_NOSNOOP) and the device's Enable No Snoop
 * bit was set.
 */
#define LIBIOMMU_KMOD_SIM_LAST_DMA_NOSNOOP (1U << 1)
/* The domain it went through enforced cache coherency (forced snooping). */
#define LIBIOMMU_KMOD_SIM_LAST_DMA_ENFORCED (1U << 2)
/*
 * So it snooped the CPU caches: not issued no-snoop, or enforced.  Clear
 * only in box 3 of the coherency matrix.
 */
#define LIBIOMMU_KMOD_SIM_LAST_DMA_SNOOPED (1U << 3)

/*
 * Errors: ENOENT no such device (by id); with ..._INFO_BY_FD: EBADF not an
 * open fd, EBADFD not a VFIO device fd, ENODEV a VFIO device that is not a
 * sim device.
 */
struct libiommu_kmod_sim_dev_info {
	__u32 size;		/* in: sizeof(struct libiommu_kmod_sim_dev_info) */
	__u32 flags;		/* in: LIBIOMMU_KMOD_SIM_INFO_* */
	__u32 dev_id;		/* in (by id), out (by fd) */
	__s32 vfio_fd;		/* in with ..._INFO_BY_FD */
	__u32 out_iommu_id;
	__u32 out_iommu_flags;	/* LIBIOMMU_KMOD_SIM_IOMMU_* of its instance */
	__u32 out_dev_flags;	/* LIBIOMMU_KMOD_SIM_DEV_* */
	__u32 out_state;	/* LIBIOMMU_KMOD_SIM_STATE_* */
	__u16 out_devctl;	/* PCIe Device Control as the device has it */
	__u16 __reserved;	/* in: 0 */
	__s32 out_iommu_group;
	__u32 out_vfio_index;
	__u32 __reserved2;	/* in: 0 */
	__aligned_u64 out_dma_bytes;	/* bytes moved by DMA since creation */
	__aligned_u64 out_dma_faults;	/* DMA commands that faulted */
	__aligned_u64 out_ns_pages;	/* pages moved with no-snoop honoured */
	char out_name[LIBIOMMU_KMOD_SIM_NAME_LEN];
	/* V2, with LIBIOMMU_KMOD_FEAT_SIM_LAST_DMA: */
	__u32 out_last_dma;	/* LIBIOMMU_KMOD_SIM_LAST_DMA_* */
	__u32 __reserved3;	/* in: 0 */
};
LIBIOMMU_KMOD_SIZE(libiommu_kmod_sim_dev_info, 112);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_iommu_id, 16);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_state, 28);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_devctl, 32);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_iommu_group, 36);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_dma_bytes, 48);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_ns_pages, 64);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_name, 72);
LIBIOMMU_KMOD_OFF(libiommu_kmod_sim_dev_info, out_last_dma, 104);
#define LIBIOMMU_KMOD_SIM_DEV_INFO_SIZE_V1 104
#define LIBIOMMU_KMOD_SIM_DEV_INFO_SIZE_V2 112

#define LIBIOMMU_KMOD_SIM_DEV_INFO \
	_IO(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_SIM_DEV_INFO)

/* ------------------------------------------------- sim device, hardware */

/* PCI identity (private ids: the device never sits on a real PCI bus). */
#define LIBIOMMU_KMOD_SIM_PCI_VENDOR 0x1234
#define LIBIOMMU_KMOD_SIM_PCI_DEVICE 0x5151
/* Offset of the PCIe capability in config space; Device Control is +8. */
#define LIBIOMMU_KMOD_SIM_CFG_PCIE 0x40
#define LIBIOMMU_KMOD_SIM_CFG_DEVCTL (LIBIOMMU_KMOD_SIM_CFG_PCIE + 8)
#define LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN 0x0800	/* PCI_EXP_DEVCTL_NOSNOOP_EN */
#define LIBIOMMU_KMOD_SIM_CMD_MASTER 0x0004		/* PCI_COMMAND_MASTER */

/*
 * BAR0 (VFIO region 0): registers are little-endian, accessed 4 or 8 bytes
 * wide at their natural alignment; the device buffer takes any access.
 * A DMA runs synchronously inside the pwrite() to LIBIOMMU_KMOD_SIM_REG_CMD
 * and needs bus mastering (PCI_COMMAND_MASTER in config space).
 */
#define LIBIOMMU_KMOD_SIM_REG_ID	0x00	/* u32 RO: LIBIOMMU_KMOD_SIM_ID */
#define LIBIOMMU_KMOD_SIM_REG_SRC	0x08	/* u64 RW: source IOVA */
#define LIBIOMMU_KMOD_SIM_REG_DST	0x10	/* u64 RW: destination IOVA */
#define LIBIOMMU_KMOD_SIM_REG_LEN	0x18	/* u64 RW: bytes */
#define LIBIOMMU_KMOD_SIM_REG_CMD	0x20	/* u32 WO: op | flags, runs it */
#define LIBIOMMU_KMOD_SIM_REG_STATUS	0x24	/* u32 RO: LIBIOMMU_KMOD_SIM_ST_* */
#define LIBIOMMU_KMOD_SIM_REG_FAULT_IOVA 0x28	/* u64 RO: IOVA that faulted */
#define LIBIOMMU_KMOD_SIM_REG_NS_PAGES	0x30	/* u64 RO: non-snooped pages, total */
#define LIBIOMMU_KMOD_SIM_REG_PATTERN	0x38	/* u32 RW: fill byte (low 8 bits) */
#define LIBIOMMU_KMOD_SIM_REG_LAST_NS	0x3c	/* u32 RO: 1 if the last DMA went non-snooped */
/* u32 WO: raise MSI-X vector n (signals its eventfd, if it has one) */
#define LIBIOMMU_KMOD_SIM_REG_MSIX_RAISE 0x40
/* MSI-X vectors (VFIO interrupt index 2); no INTx, no MSI */
#define LIBIOMMU_KMOD_SIM_MSIX_VECTORS 4
#define LIBIOMMU_KMOD_SIM_BUF		0x1000	/* device memory */
#define LIBIOMMU_KMOD_SIM_BUF_SIZE	0x1000
#define LIBIOMMU_KMOD_SIM_BAR0_SIZE	0x2000

#define LIBIOMMU_KMOD_SIM_ID 0x4d49534cU	/* "LSIM" */

/* REG_CMD: an op in the low byte, flags above */
#define LIBIOMMU_KMOD_SIM_DMA_TO_DEV	1	/* SRC (memory) -> device buffer */
#define LIBIOMMU_KMOD_SIM_DMA_FROM_DEV	2	/* device buffer -> DST (memory) */
#define LIBIOMMU_KMOD_SIM_DMA_COPY	3	/* SRC -> DST, memory to memory */
#define LIBIOMMU_KMOD_SIM_DMA_FILL	4	/* PATTERN -> DST */
#define LIBIOMMU_KMOD_SIM_DMA_OP_MASK	0xff
#define LIBIOMMU_KMOD_SIM_DMA_NOSNOOP	(1U << 8) /* ask for the no-snoop attribute */
/* Longest COPY/FILL; TO_DEV/FROM_DEV move at most the buffer size. */
#define LIBIOMMU_KMOD_SIM_DMA_MAX	(1U << 20)

/* REG_STATUS after a command */
#define LIBIOMMU_KMOD_SIM_ST_IDLE	0	/* nothing run since reset */
#define LIBIOMMU_KMOD_SIM_ST_DONE	1
#define LIBIOMMU_KMOD_SIM_ST_FAULT	2	/* IOVA not mapped (FAULT_IOVA) */
#define LIBIOMMU_KMOD_SIM_ST_FAULT_PERM	3	/* mapped without the access asked */
#define LIBIOMMU_KMOD_SIM_ST_BLOCKED	4	/* no paging domain attached */
#define LIBIOMMU_KMOD_SIM_ST_NO_MASTER	5	/* bus mastering disabled */
#define LIBIOMMU_KMOD_SIM_ST_BAD_CMD	6	/* unknown op, bad or zero length */
#define LIBIOMMU_KMOD_SIM_ST_FAULT_TARGET 7	/* maps to something not RAM */

#endif /* LIBIOMMU_UAPI_LIBIOMMU_KMOD_H */
