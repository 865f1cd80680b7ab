// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ioctls each public function may issue, per backend: one table, the
 * only place the library says it, for VMMs that generate their seccomp
 * filter from it (libiommu_ioctls(3), whose table is generated from the
 * same rows).  tests/ioctls-fake.c and tests/ioctls-kernel.c run the
 * functions and hold what they issue to this table; a change that makes a
 * function issue another ioctl must add its row here.
 *
 * A row says which file the ioctl goes to, which backends issue it, when
 * (in words, and as flags a program can test), and, when only some flags
 * of the call make it issue the ioctl, which.  An ioctl issued for several
 * reasons has one row per reason.
 */
#include <stdio.h>

#include "internal.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"
#include "libiommu_kmod.h"
#include "uapi/vfio.h"

struct row {
	uint32_t request;
	uint8_t fd;	  /* LIBIOMMU_IOCTL_FD_* */
	uint8_t backends; /* bits (1 << LIBIOMMU_BACKEND_*) */
	uint8_t flags;	  /* LIBIOMMU_IOCTL_* */
	uint64_t call_flags;
	const char *name;
	const char *when;
};

struct fn_rows {
	const char *function;
	const struct row *rows;
	size_t nr;
};

#define IFD (1u << LIBIOMMU_BACKEND_IOMMUFD)
#define T1 (1u << LIBIOMMU_BACKEND_TYPE1)
#define CPT (1u << LIBIOMMU_BACKEND_IOMMUFD_COMPAT)
#define LEGACY (T1 | CPT)
#define ALL (IFD | T1 | CPT)

#define QUERY LIBIOMMU_IOCTL_QUERY
#define ON_FAILURE LIBIOMMU_IOCTL_ON_FAILURE

/* The row macros read best as tables. */
/* clang-format off */
/* A row for our definition LX_<req> (the kernel's <req>). */
#define R(fd_, req, be, fl, cf, text) \
	{ .request = LX_##req, .fd = LIBIOMMU_IOCTL_FD_##fd_, .backends = (be), \
	  .flags = (fl), .call_flags = (cf), .name = #req, .when = (text) }
/* A row for the companion module's LIBIOMMU_KMOD_<req>. */
#define KM(req, fl, text) \
	{ .request = LIBIOMMU_KMOD_##req, .fd = LIBIOMMU_IOCTL_FD_MODULE, \
	  .backends = ALL, .flags = (fl), .call_flags = 0, \
	  .name = "LIBIOMMU_KMOD_" #req, .when = (text) }

#define FN(fn, table) { #fn, table, LU_ARRAY_SIZE(table) }
#define NONE(fn) { #fn, NULL, 0 }
/* clang-format on */

/* ---- contexts ------------------------------------------------------------ */

#define T_NODE_CHECK \
	"only where sysfs cannot name the node (no /sys, not a character device): a 4-byte struct and object 0, which change nothing"

static const struct row ctx_new[] = {
	R(CTX, IOMMU_DESTROY, ALL, QUERY, 0, T_NODE_CHECK),
	R(CTX, VFIO_GET_API_VERSION, LEGACY, QUERY, 0,
	  "the container's VFIO API version"),
	R(CTX, VFIO_CHECK_EXTENSION, LEGACY, QUERY, 0,
	  "whether it has the type1v2 IOMMU, and VFIO_UNMAP_ALL when its IOMMU is set already"),
	R(CTX, VFIO_IOMMU_GET_INFO, LEGACY, QUERY, 0,
	  "whether the container's IOMMU is set already, then its page sizes and usable IOVA ranges"),
};

#define T_PLACED "a HWPT the library placed a device on, once no device uses it"

static const struct row ctx_free[] = {
	R(KVM_DEV, KVM_SET_DEVICE_ATTR, ALL, 0, 0,
	  "KVM_DEV_VFIO_FILE_DEL of each device a KVM handle of the context added"),
	R(DEV, VFIO_DEVICE_DETACH_IOMMUFD_PT, IFD, 0, 0,
	  "each device (RID and PASIDs) still attached through the context"),
	R(CTX, IOMMU_DESTROY, IFD, 0, 0,
	  T_PLACED "; the vDEVICE of each device; on a borrowed fd also each IOAS, HWPT and vIOMMU still allocated (closing an owned fd destroys them)"),
	R(CTX, VFIO_IOMMU_UNMAP_DMA, LEGACY, 0, 0,
	  "on a borrowed container: what the IOAS maps"),
	R(GROUP, VFIO_GROUP_UNSET_CONTAINER, LEGACY, 0, 0,
	  "each VFIO group the context holds leaves the container"),
	R(CTX, VFIO_IOMMU_GET_INFO, LEGACY, QUERY, 0,
	  "the usable IOVA ranges again once a group has left"),
};

/* libiommu_ctx_has_feature(): the probe of each feature, once per context. */
#define FEAT(f) (UINT64_C(1) << LIBIOMMU_FEAT_##f)
#define P(req, f) \
	R(CTX, req, IFD, QUERY, FEAT(f), \
	  "LIBIOMMU_FEAT_" #f ", once per context: a 4-byte struct, which the kernel rejects before reading more")

static const struct row ctx_has_feature[] = {
	P(IOMMU_IOAS_ALLOC, IOAS),
	P(IOMMU_IOAS_ALLOW_IOVAS, IOAS),
	P(IOMMU_IOAS_COPY, IOAS),
	P(IOMMU_IOAS_IOVA_RANGES, IOAS),
	P(IOMMU_IOAS_MAP, IOAS),
	P(IOMMU_IOAS_UNMAP, IOAS),
	R(CTX, IOMMU_OPTION, IFD, QUERY, FEAT(OPTION_RLIMIT_MODE),
	  "LIBIOMMU_FEAT_OPTION_RLIMIT_MODE, once per context: a GET of the option on object 0, which changes nothing"),
	R(CTX, IOMMU_OPTION, IFD, QUERY, FEAT(OPTION_HUGE_PAGES),
	  "LIBIOMMU_FEAT_OPTION_HUGE_PAGES, once per context: a GET of the option on object 0, which changes nothing"),
	R(CTX, VFIO_GET_API_VERSION, IFD, QUERY, FEAT(VFIO_COMPAT),
	  "LIBIOMMU_FEAT_VFIO_COMPAT, once per context: whether the iommufd answers the VFIO container API"),
	P(IOMMU_HWPT_ALLOC, HWPT_ALLOC),
	P(IOMMU_GET_HW_INFO, GET_HW_INFO),
	P(IOMMU_HWPT_SET_DIRTY_TRACKING, DIRTY_TRACKING),
	P(IOMMU_HWPT_GET_DIRTY_BITMAP, DIRTY_TRACKING),
	P(IOMMU_HWPT_INVALIDATE, HWPT_INVALIDATE),
	P(IOMMU_FAULT_QUEUE_ALLOC, FAULT_QUEUE),
	P(IOMMU_IOAS_MAP_FILE, IOAS_MAP_FILE),
	P(IOMMU_VIOMMU_ALLOC, VIOMMU),
	P(IOMMU_VDEVICE_ALLOC, VDEVICE),
	P(IOMMU_IOAS_CHANGE_PROCESS, IOAS_CHANGE_PROCESS),
	P(IOMMU_VEVENTQ_ALLOC, VEVENTQ),
	P(IOMMU_HW_QUEUE_ALLOC, HW_QUEUE),
	R(CTX, IOMMU_IOAS_NOIOMMU_GET_PA, IFD, QUERY, FEAT(NOIOMMU_GET_PA),
	  "LIBIOMMU_FEAT_NOIOMMU_GET_PA, once per context: a 4-byte struct, then a request on object 0 (which does not exist)"),
};

static const struct row ctx_memlock_mode[] = {
	R(CTX, IOMMU_OPTION, IFD, 0, 0, "IOMMU_OPTION_RLIMIT_MODE of the context"),
};

/* ---- IOAS ---------------------------------------------------------------- */

#define T_T1_ONCE_IOMMU \
	"once a device gave the container its IOMMU (before, the library keeps the mappings and maps them then)"

static const struct row ioas_alloc[] = {
	R(CTX, IOMMU_IOAS_ALLOC, IFD, 0, 0, NULL),
	R(CTX, IOMMU_OPTION, IFD, 0, LIBIOMMU_IOAS_NO_HUGE_PAGES,
	  "with LIBIOMMU_IOAS_NO_HUGE_PAGES: IOMMU_OPTION_HUGE_PAGES set to 0"),
	R(CTX, IOMMU_DESTROY, IFD, ON_FAILURE, LIBIOMMU_IOAS_NO_HUGE_PAGES,
	  "with LIBIOMMU_IOAS_NO_HUGE_PAGES: the new IOAS, when the option cannot be set"),
};

static const struct row ioas_destroy[] = {
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, NULL),
	R(CTX, VFIO_IOMMU_UNMAP_DMA, LEGACY, 0, 0,
	  "everything the IOAS maps, " T_T1_ONCE_IOMMU),
};

static const struct row ioas_map[] = {
	R(CTX, IOMMU_IOAS_MAP, IFD, 0, 0, NULL),
	R(CTX, VFIO_IOMMU_MAP_DMA, LEGACY, 0, 0, T_T1_ONCE_IOMMU),
	R(CTX, VFIO_IOMMU_UNMAP_DMA, LEGACY, ON_FAILURE, 0,
	  "the new mapping, when the library cannot record it"),
};

static const struct row ioas_map_file[] = {
	R(CTX, IOMMU_IOAS_MAP_FILE, IFD, 0, 0, NULL),
};

static const struct row ioas_unmap[] = {
	R(CTX, IOMMU_IOAS_UNMAP, IFD, 0, 0, NULL),
	R(CTX, VFIO_IOMMU_UNMAP_DMA, LEGACY, 0, 0, T_T1_ONCE_IOMMU),
};

static const struct row ioas_copy[] = {
	R(CTX, IOMMU_IOAS_COPY, IFD, 0, 0, NULL),
};

static const struct row ioas_get_ranges[] = {
	R(CTX, IOMMU_IOAS_IOVA_RANGES, IFD, QUERY, 0, NULL),
};

static const struct row ioas_allow_iovas[] = {
	R(CTX, IOMMU_IOAS_ALLOW_IOVAS, IFD, 0, 0, NULL),
};

static const struct row ioas_huge_pages[] = {
	R(CTX, IOMMU_OPTION, IFD, 0, 0, "IOMMU_OPTION_HUGE_PAGES of the IOAS"),
};

static const struct row ioas_set_dirty_tracking[] = {
	R(CTX, IOMMU_HWPT_SET_DIRTY_TRACKING, IFD, 0, 0,
	  "each HWPT of the IOAS allocated with LIBIOMMU_HWPT_DIRTY_TRACKING (again, to undo, when one fails)"),
	R(CTX, VFIO_IOMMU_DIRTY_PAGES, T1, 0, 0, NULL),
};

static const struct row ioas_get_dirty_bitmap[] = {
	R(CTX, IOMMU_HWPT_GET_DIRTY_BITMAP, IFD, 0, 0,
	  "each HWPT of the IOAS allocated with LIBIOMMU_HWPT_DIRTY_TRACKING"),
	R(CTX, VFIO_IOMMU_DIRTY_PAGES, T1, 0, 0, NULL),
};

/* ---- devices ------------------------------------------------------------- */

static const struct row dev_bind[] = {
	R(DEV, VFIO_DEVICE_BIND_IOMMUFD, IFD, 0, 0, NULL),
	R(DEV, VFIO_DEVICE_GET_INFO, IFD, QUERY | ON_FAILURE, 0,
	  "when the bind fails with EINVAL: whether the fd is bound already"),
};

/* clang-format off */
#define GROUP_ROWS \
	R(GROUP, VFIO_GROUP_GET_STATUS, LEGACY, QUERY, 0, \
	  "a group the context does not hold yet: whether it is viable and free"), \
	R(GROUP, VFIO_GROUP_SET_CONTAINER, LEGACY, 0, 0, \
	  "a group the context does not hold yet joins the container"), \
	R(CTX, VFIO_SET_IOMMU, LEGACY, 0, 0, \
	  "the first group: the type1v2 IOMMU"), \
	R(CTX, VFIO_IOMMU_GET_INFO, LEGACY, QUERY, 0, \
	  "page sizes and usable IOVA ranges, when a group joins (iommufd-compat: also when a device opens)"), \
	R(CTX, VFIO_CHECK_EXTENSION, LEGACY, QUERY, 0, \
	  "the first group: whether the container has VFIO_UNMAP_ALL"), \
	R(CTX, VFIO_IOMMU_MAP_DMA, LEGACY, 0, 0, \
	  "the first group: the mappings the IOAS made before"), \
	R(CTX, VFIO_IOMMU_UNMAP_DMA, LEGACY, ON_FAILURE, 0, \
	  "those mappings, when the group cannot take one of them"), \
	R(GROUP, VFIO_GROUP_GET_DEVICE_FD, LEGACY, 0, 0, NULL), \
	R(GROUP, VFIO_GROUP_UNSET_CONTAINER, LEGACY, ON_FAILURE, 0, \
	  "a group that joined for this device, when opening the device fails")
/* clang-format on */

static const struct row dev_open[] = {
	R(DEV, VFIO_DEVICE_BIND_IOMMUFD, IFD, 0, 0, NULL),
	R(DEV, VFIO_DEVICE_GET_INFO, IFD, QUERY | ON_FAILURE, 0,
	  "when the bind fails with EINVAL: whether the fd is bound already"),
	GROUP_ROWS,
};

static const struct row dev_open_group[] = {
	GROUP_ROWS,
};

static const struct row dev_adopt_id[] = {
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0,
	  "whether the id is a device bound to this iommufd"),
};

/* Hand-over and live update */
static const struct row dev_adopt_fd[] = {
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0,
	  "whether the id is a device bound to this iommufd"),
	R(DEV, VFIO_DEVICE_GET_INFO, IFD, QUERY, 0,
	  "whether the fd is a bound VFIO device"),
};

static const struct row ioas_adopt_id[] = {
	R(CTX, IOMMU_IOAS_IOVA_RANGES, IFD, QUERY, 0,
	  "whether the id is an IOAS of this iommufd"),
};

static const struct row hwpt_adopt_id[] = {
	R(CTX, IOMMU_HWPT_GET_DIRTY_BITMAP, IFD, QUERY, 0,
	  "of length 0: whether the id is a paging HWPT of this iommufd"),
};

static const struct row ctx_change_process[] = {
	R(CTX, IOMMU_IOAS_CHANGE_PROCESS, IFD, 0, 0, NULL),
};

static const struct row dev_free[] = {
	R(KVM_DEV, KVM_SET_DEVICE_ATTR, ALL, 0, 0,
	  "KVM_DEV_VFIO_FILE_DEL, when a KVM handle of the context added the device"),
	R(DEV, VFIO_DEVICE_DETACH_IOMMUFD_PT, IFD, 0, 0,
	  "its RID and each PASID still attached through the handle"),
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, T_PLACED),
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, "its vDEVICE, when it has one"),
	R(GROUP, VFIO_GROUP_UNSET_CONTAINER, LEGACY, 0, 0,
	  "its group leaves the container with the group's last device"),
	R(CTX, VFIO_IOMMU_GET_INFO, LEGACY, QUERY, 0,
	  "the usable IOVA ranges again once its group has left"),
};

/* What the library asks once per device to know its IOMMU's snooping. */
#define T_CAP_ONCE \
	"once per device handle: whether its IOMMU can enforce snooping (the coherency policy and report)"
#define T_MODULE_ONCE \
	"once per device handle, when the companion module is loaded: whether its IOMMU can enforce snooping"
/* clang-format off */
#define CAP_ROWS \
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0, T_CAP_ONCE), \
	KM(GET_VERSION, QUERY, T_MODULE_ONCE), \
	KM(GET_DEV_INFO, QUERY, T_MODULE_ONCE), \
	KM(SIM_DEV_INFO, QUERY, T_MODULE_ONCE)
/* clang-format on */

static const struct row dev_attach_ioas[] = {
	R(DEV, VFIO_DEVICE_ATTACH_IOMMUFD_PT, IFD, 0, 0,
	  "the attach (or replace); when the library places the device, also to try a HWPT it placed another device on"),
	CAP_ROWS,
	R(CTX, IOMMU_HWPT_ALLOC, IFD, QUERY, 0,
	  "unless the IOAS has LIBIOMMU_IOAS_KERNEL_HWPT: once per context, whether the kernel has the command (a 4-byte struct)"),
	R(CTX, IOMMU_HWPT_ALLOC, IFD, 0, 0,
	  "unless the IOAS has LIBIOMMU_IOAS_KERNEL_HWPT: the HWPT the library places the device on, when no HWPT it placed fits"),
	R(CTX, IOMMU_DESTROY, IFD, 0, 0,
	  T_PLACED " (after a replace, or when the attach failed)"),
};

static const struct row dev_attach_hwpt[] = {
	R(DEV, VFIO_DEVICE_ATTACH_IOMMUFD_PT, IFD, 0, 0, "the attach (or replace)"),
	CAP_ROWS,
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, T_PLACED " (after a replace)"),
};

#define T_PASID_WIDTH "each call: the device's PASID width"

static const struct row dev_pasid_attach_ioas[] = {
	R(DEV, VFIO_DEVICE_ATTACH_IOMMUFD_PT, IFD, 0, 0,
	  "the attach (or replace); when the library places the device, also to try a HWPT it placed another device on"),
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0, T_PASID_WIDTH),
	CAP_ROWS,
	R(CTX, IOMMU_HWPT_ALLOC, IFD, QUERY, 0,
	  "unless the IOAS has LIBIOMMU_IOAS_KERNEL_HWPT: once per context, whether the kernel has the command (a 4-byte struct)"),
	R(CTX, IOMMU_HWPT_ALLOC, IFD, 0, 0,
	  "unless the IOAS has LIBIOMMU_IOAS_KERNEL_HWPT: the HWPT the library places the PASID on, when no HWPT it placed fits"),
	R(CTX, IOMMU_DESTROY, IFD, 0, 0,
	  T_PLACED " (after a replace, or when the attach failed)"),
};

static const struct row dev_pasid_attach_hwpt[] = {
	R(DEV, VFIO_DEVICE_ATTACH_IOMMUFD_PT, IFD, 0, 0, "the attach (or replace)"),
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0, T_PASID_WIDTH),
	CAP_ROWS,
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, T_PLACED " (after a replace)"),
};

static const struct row dev_detach[] = {
	R(DEV, VFIO_DEVICE_DETACH_IOMMUFD_PT, IFD, 0, 0, NULL),
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, T_PLACED),
};

static const struct row dev_region[] = {
	R(DEV, VFIO_DEVICE_GET_REGION_INFO, ALL, QUERY, 0,
	  "once per region and handle (the answer is kept)"),
};

/* ---- migration and DMA logging (lib/migration.c) -------------------------- */

static const struct row dev_get_migration[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, QUERY, 0, "GET of VFIO_DEVICE_FEATURE_MIGRATION"),
};

static const struct row dev_get_mig_state[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, QUERY, 0, "GET of VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE"),
};

static const struct row dev_set_mig_state[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, 0, 0, "SET of VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE"),
};

static const struct row dev_get_mig_data_size[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, QUERY, 0, "GET of VFIO_DEVICE_FEATURE_MIG_DATA_SIZE"),
};

static const struct row dev_get_precopy_info[] = {
	R(MIG, VFIO_MIG_GET_PRECOPY_INFO, ALL, QUERY, 0, NULL),
};

static const struct row dev_dma_log_start[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, 0, 0, "SET of VFIO_DEVICE_FEATURE_DMA_LOGGING_START"),
};

static const struct row dev_dma_log_stop[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, 0, 0, "SET of VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP"),
};

static const struct row dev_dma_log_report[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, 0, 0, "GET of VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT (clears what it reads)"),
};

static const struct row ioas_get_dirty_merged[] = {
	R(CTX, IOMMU_HWPT_GET_DIRTY_BITMAP, IFD, 0, 0,
	  "each HWPT of the IOAS allocated with LIBIOMMU_HWPT_DIRTY_TRACKING, unless LIBIOMMU_DIRTY_DEVICES_ONLY"),
	R(CTX, VFIO_IOMMU_DIRTY_PAGES, T1, 0, 0, "unless LIBIOMMU_DIRTY_DEVICES_ONLY"),
	R(DEV, VFIO_DEVICE_FEATURE, ALL, 0, 0,
	  "GET of VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, on each device given"),
};

static const struct row dev_get_hw_info[] = {
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0, NULL),
};

static const struct row dev_get_hw_info_raw[] = {
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0, NULL),
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY | ON_FAILURE, 0,
	  "when a typed request is refused: whether the kernel takes typed requests at all"),
};

/* ---- the VFIO device side ------------------------------------------------ */

static const struct row dev_get_info[] = {
	R(DEV, VFIO_DEVICE_GET_INFO, ALL, QUERY, 0,
	  "then again with room for the capability chain when the device has one"),
};

static const struct row dev_region_get_caps[] = {
	R(DEV, VFIO_DEVICE_GET_REGION_INFO, ALL, QUERY, 0,
	  "then again with room for the capability chain when the region has one"),
};

static const struct row dev_region_mmap_all[] = {
	R(DEV, VFIO_DEVICE_GET_REGION_INFO, ALL, QUERY, 0,
	  "the region's size and flags once per region and handle (kept), then its capability chain (twice more with sparse areas: their number, then the areas)"),
};

#define T_IRQ_INFO "once per interrupt index and handle (the answer is kept)"

#define T_IRQ_REFUSED "when VFIO_DEVICE_GET_IRQ_INFO is refused: whether the device has the index (num_irqs); if so it has no vectors"

static const struct row dev_get_irq_info[] = {
	R(DEV, VFIO_DEVICE_GET_IRQ_INFO, ALL, QUERY, 0, T_IRQ_INFO),
	R(DEV, VFIO_DEVICE_GET_INFO, ALL, QUERY | ON_FAILURE, 0, T_IRQ_REFUSED),
};

static const struct row dev_set_irqs[] = {
	R(DEV, VFIO_DEVICE_GET_IRQ_INFO, ALL, QUERY, 0, T_IRQ_INFO),
	R(DEV, VFIO_DEVICE_GET_INFO, ALL, QUERY | ON_FAILURE, 0, T_IRQ_REFUSED),
	R(DEV, VFIO_DEVICE_SET_IRQS, ALL, 0, 0, NULL),
};

static const struct row dev_reset[] = {
	R(DEV, VFIO_DEVICE_RESET, ALL, 0, 0, NULL),
};

static const struct row dev_get_hot_reset_info[] = {
	R(DEV, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, ALL, QUERY, 0,
	  "again with more room when more than 8 functions are affected"),
};

static const struct row dev_hot_reset[] = {
	R(DEV, VFIO_DEVICE_PCI_HOT_RESET, ALL, 0, 0,
	  "iommufd: no group fds (the devices bound to it prove ownership); legacy: the fds of every VFIO group of the context"),
};

static const struct row dev_dmabuf_export[] = {
	R(DEV, VFIO_DEVICE_FEATURE, ALL, 0, 0, "GET of VFIO_DEVICE_FEATURE_DMA_BUF"),
};

/* ---- HWPTs --------------------------------------------------------------- */

static const struct row hwpt_alloc[] = {
	R(CTX, IOMMU_HWPT_ALLOC, IFD, 0, 0, NULL),
	CAP_ROWS,
};

static const struct row hwpt_alloc_nested[] = {
	R(CTX, IOMMU_HWPT_ALLOC, IFD, 0, 0, NULL),
};

static const struct row hwpt_destroy[] = {
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, NULL),
};

static const struct row hwpt_set_dirty_tracking[] = {
	R(CTX, IOMMU_HWPT_SET_DIRTY_TRACKING, IFD, 0, 0, NULL),
};

static const struct row hwpt_get_dirty_bitmap[] = {
	R(CTX, IOMMU_HWPT_GET_DIRTY_BITMAP, IFD, 0, 0, NULL),
};

static const struct row hwpt_invalidate[] = {
	R(CTX, IOMMU_HWPT_INVALIDATE, IFD, 0, 0, NULL),
};

/* ---- vIOMMUs and vDEVICEs ------------------------------------------------- */

static const struct row viommu_alloc[] = {
	R(CTX, IOMMU_VIOMMU_ALLOC, IFD, 0, 0, NULL),
};

static const struct row viommu_destroy[] = {
	R(CTX, IOMMU_DESTROY, IFD, 0, 0, NULL),
};

static const struct row viommu_invalidate[] = {
	R(CTX, IOMMU_HWPT_INVALIDATE, IFD, 0, 0, "with the vIOMMU's id"),
};

static const struct row vdevice_alloc[] = {
	R(CTX, IOMMU_VDEVICE_ALLOC, IFD, 0, 0, NULL),
};

static const struct row veventq_alloc[] = {
	R(CTX, IOMMU_VEVENTQ_ALLOC, IFD, 0, 0, NULL),
};

static const struct row hw_queue_alloc[] = {
	R(CTX, IOMMU_HW_QUEUE_ALLOC, IFD, 0, 0, NULL),
};

static const struct row fault_queue_alloc[] = {
	R(CTX, IOMMU_FAULT_QUEUE_ALLOC, IFD, 0, 0, NULL),
};

/* ---- coherency ----------------------------------------------------------- */

#define T_EACH_DEV " (for each device of the report)"
/* clang-format off */
#define REPORT_ROWS(each) \
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0, "the IOMMU's registers" each), \
	KM(GET_VERSION, QUERY, "when the companion module is loaded" each), \
	KM(GET_DEV_INFO, QUERY, "when the companion module is loaded" each), \
	KM(SIM_DEV_INFO, QUERY, "when the companion module is loaded" each), \
	R(DEV, VFIO_DEVICE_GET_INFO, ALL, QUERY, 0, \
	  "whether it is a PCI device" each), \
	R(DEV, VFIO_DEVICE_GET_REGION_INFO, ALL, QUERY, 0, \
	  "the config space region, once per handle" each), \
	R(CTX, VFIO_CHECK_EXTENSION, LEGACY, QUERY, 0, \
	  "VFIO_DMA_CC_IOMMU: whether the container enforces coherency" each)
/* clang-format on */

static const struct row coherency_get_dev[] = {
	REPORT_ROWS(""),
};

static const struct row coherency_get_ioas[] = {
	REPORT_ROWS(T_EACH_DEV),
};

static const struct row coherency_get_kvm[] = {
	REPORT_ROWS(T_EACH_DEV),
	KM(KVM_NONCOHERENT, QUERY,
	   "when the companion module is loaded: KVM's non-coherent DMA count"),
};

static const struct row coherency_force_enable[] = {
	KM(GET_VERSION, QUERY, "when the companion module is loaded"),
	KM(GET_DEV_INFO, QUERY, "when the companion module is loaded"),
	KM(SIM_DEV_INFO, QUERY, "when the companion module is loaded"),
	KM(SIM_DEV_SET, 0,
	   "a device of the module's simulated IOMMU: its force-enable knob"),
	R(CTX, IOMMU_GET_HW_INFO, IFD, QUERY, 0,
	  "when a device handle of the context has the same device open: " T_CAP_ONCE),
};

/* ---- KVM ----------------------------------------------------------------- */

static const struct row kvm_new[] = {
	R(KVM_VM, KVM_CHECK_EXTENSION, ALL, QUERY, 0,
	  "KVM_CAP_DEVICE_CTRL: whether vm_fd is a VM"),
	R(KVM_VM, KVM_CREATE_DEVICE, ALL, 0, 0,
	  "without LIBIOMMU_KVM_DEVICE_FD: the VM's kvm-vfio device"),
};

static const struct row kvm_free[] = {
	R(KVM_DEV, KVM_SET_DEVICE_ATTR, ALL, 0, 0,
	  "KVM_DEV_VFIO_FILE_DEL of each device the handle added"),
};

static const struct row kvm_add_dev[] = {
	R(KVM_DEV, KVM_SET_DEVICE_ATTR, ALL, 0, 0, "KVM_DEV_VFIO_FILE_ADD"),
};

static const struct row kvm_del_dev[] = {
	R(KVM_DEV, KVM_SET_DEVICE_ATTR, ALL, 0, 0, "KVM_DEV_VFIO_FILE_DEL"),
};

static const struct row kvm_noncoherent[] = {
	KM(GET_VERSION, QUERY, "when the companion module is loaded"),
	KM(KVM_NONCOHERENT, QUERY, "when the companion module is loaded"),
};

/* ---- every public function ------------------------------------------------ */

static const struct fn_rows functions[] = {
	NONE(libiommu_version),
	NONE(libiommu_log_stderr),
	NONE(libiommu_log_level_name),
	FN(libiommu_ctx_new, ctx_new),
	FN(libiommu_ctx_new_from_fd, ctx_new),
	FN(libiommu_ctx_free, ctx_free),
	NONE(libiommu_ctx_fd),
	NONE(libiommu_ctx_set_log),
	FN(libiommu_ctx_has_feature, ctx_has_feature),
	NONE(libiommu_feature_name),
	FN(libiommu_ctx_set_memlock_mode, ctx_memlock_mode),
	FN(libiommu_ctx_get_memlock_mode, ctx_memlock_mode),
	NONE(libiommu_ctx_backend),
	NONE(libiommu_backend_name),
	NONE(libiommu_ioctls),
	FN(libiommu_ioas_alloc, ioas_alloc),
	FN(libiommu_ioas_destroy, ioas_destroy),
	NONE(libiommu_ioas_id),
	NONE(libiommu_ioas_ctx),
	FN(libiommu_ioas_map, ioas_map),
	FN(libiommu_ioas_map_file, ioas_map_file),
	FN(libiommu_ioas_unmap, ioas_unmap),
	FN(libiommu_ioas_unmap_all, ioas_unmap),
	FN(libiommu_ioas_copy, ioas_copy),
	FN(libiommu_ioas_get_ranges, ioas_get_ranges),
	FN(libiommu_ioas_allow_iovas, ioas_allow_iovas),
	FN(libiommu_ioas_set_huge_pages, ioas_huge_pages),
	FN(libiommu_ioas_get_huge_pages, ioas_huge_pages),
	FN(libiommu_ioas_set_dirty_tracking, ioas_set_dirty_tracking),
	FN(libiommu_ioas_get_dirty_bitmap, ioas_get_dirty_bitmap),
	FN(libiommu_dev_open, dev_open),
	FN(libiommu_dev_open_fd, dev_bind),
	FN(libiommu_dev_adopt_id, dev_adopt_id),
	FN(libiommu_dev_open_group, dev_open_group),
	FN(libiommu_dev_open_group_fd, dev_open_group),
	FN(libiommu_dev_free, dev_free),
	NONE(libiommu_dev_id),
	NONE(libiommu_dev_fd),
	NONE(libiommu_dev_ctx),
	FN(libiommu_dev_attach_ioas, dev_attach_ioas),
	FN(libiommu_dev_attach_hwpt, dev_attach_hwpt),
	FN(libiommu_dev_detach, dev_detach),
	FN(libiommu_dev_pasid_attach_ioas, dev_pasid_attach_ioas),
	FN(libiommu_dev_pasid_attach_hwpt, dev_pasid_attach_hwpt),
	FN(libiommu_dev_pasid_detach, dev_detach),
	NONE(libiommu_dev_get_attached),
	FN(libiommu_dev_region_info, dev_region),
	FN(libiommu_dev_region_read, dev_region),
	FN(libiommu_dev_region_write, dev_region),
	FN(libiommu_dev_region_mmap, dev_region),
	FN(libiommu_dev_get_hw_info, dev_get_hw_info),
	FN(libiommu_dev_get_hw_info_raw, dev_get_hw_info_raw),
	NONE(libiommu_hw_info_decode),
	NONE(libiommu_hw_type_name),
	FN(libiommu_hwpt_alloc, hwpt_alloc),
	FN(libiommu_hwpt_alloc_nested, hwpt_alloc_nested),
	FN(libiommu_hwpt_destroy, hwpt_destroy),
	NONE(libiommu_hwpt_id),
	FN(libiommu_hwpt_set_dirty_tracking, hwpt_set_dirty_tracking),
	FN(libiommu_hwpt_get_dirty_bitmap, hwpt_get_dirty_bitmap),
	FN(libiommu_hwpt_invalidate, hwpt_invalidate),
	FN(libiommu_viommu_alloc, viommu_alloc),
	FN(libiommu_viommu_destroy, viommu_destroy),
	NONE(libiommu_viommu_id),
	FN(libiommu_viommu_alloc_hwpt, hwpt_alloc_nested),
	FN(libiommu_viommu_invalidate, viommu_invalidate),
	NONE(libiommu_viommu_mmap),
	FN(libiommu_vdevice_alloc, vdevice_alloc),
	FN(libiommu_vdevice_destroy, viommu_destroy),
	NONE(libiommu_vdevice_id),
	NONE(libiommu_vdevice_lookup),
	FN(libiommu_veventq_alloc, veventq_alloc),
	FN(libiommu_veventq_destroy, viommu_destroy),
	NONE(libiommu_veventq_fd),
	NONE(libiommu_veventq_read),
	FN(libiommu_hw_queue_alloc, hw_queue_alloc),
	FN(libiommu_hw_queue_destroy, viommu_destroy),
	FN(libiommu_fault_queue_alloc, fault_queue_alloc),
	FN(libiommu_fault_queue_destroy, viommu_destroy),
	NONE(libiommu_fault_queue_fd),
	NONE(libiommu_fault_queue_read),
	NONE(libiommu_fault_queue_respond),
	FN(libiommu_coherency_get_dev, coherency_get_dev),
	FN(libiommu_coherency_get_ioas, coherency_get_ioas),
	FN(libiommu_coherency_get_kvm, coherency_get_kvm),
	NONE(libiommu_coherency_free),
	NONE(libiommu_coherency_name),
	NONE(libiommu_coherency_nr_members),
	NONE(libiommu_coherency_member),
	NONE(libiommu_coherency_iommu_can_block),
	NONE(libiommu_coherency_iommu_blocks),
	NONE(libiommu_coherency_dev_nosnoop),
	NONE(libiommu_coherency_box),
	NONE(libiommu_coherency_dma_coherent),
	NONE(libiommu_coherency_kvm_wbinvd),
	NONE(libiommu_coherency_default_policy),
	NONE(libiommu_coherency_kvm_noncoherent),
	NONE(libiommu_coherency_kvm_hazard),
	NONE(libiommu_coherency_hwpt_id),
	NONE(libiommu_coherency_source),
	NONE(libiommu_coherency_change),
	NONE(libiommu_coherency_format),
	NONE(libiommu_coherency_write),
	NONE(libiommu_coherency_answer_name),
	NONE(libiommu_coherency_source_name),
	NONE(libiommu_coherency_change_name),
	NONE(libiommu_coherency_verdict_name),
	NONE(libiommu_coherency_reason_str),
	FN(libiommu_coherency_force_enable, coherency_force_enable),
	FN(libiommu_coherency_set_nosnoop, coherency_get_dev),
	FN(libiommu_kvm_new, kvm_new),
	FN(libiommu_kvm_free, kvm_free),
	NONE(libiommu_kvm_fd),
	FN(libiommu_kvm_add_dev, kvm_add_dev),
	FN(libiommu_kvm_del_dev, kvm_del_dev),
	FN(libiommu_kvm_noncoherent, kvm_noncoherent),
	/* VFIO device side */
	FN(libiommu_dev_get_info, dev_get_info),
	FN(libiommu_dev_region_get_caps, dev_region_get_caps),
	FN(libiommu_dev_region_mmap_all, dev_region_mmap_all),
	FN(libiommu_dev_get_irq_info, dev_get_irq_info),
	FN(libiommu_dev_irq_set_eventfds, dev_set_irqs),
	FN(libiommu_dev_irq_new_eventfds, dev_set_irqs),
	FN(libiommu_dev_irq_disable, dev_set_irqs),
	FN(libiommu_dev_irq_mask, dev_set_irqs),
	FN(libiommu_dev_irq_unmask, dev_set_irqs),
	FN(libiommu_dev_irq_set_unmask_eventfd, dev_set_irqs),
	FN(libiommu_dev_reset, dev_reset),
	FN(libiommu_dev_get_hot_reset_info, dev_get_hot_reset_info),
	FN(libiommu_dev_hot_reset, dev_hot_reset),
	FN(libiommu_dev_dmabuf_export, dev_dmabuf_export),
	/* Hand-over, live update, KVM before bind, migration, DMA logging */
	FN(libiommu_dev_adopt_fd, dev_adopt_fd),
	FN(libiommu_ioas_adopt_id, ioas_adopt_id),
	FN(libiommu_hwpt_adopt_id, hwpt_adopt_id),
	FN(libiommu_ctx_change_process, ctx_change_process),
	FN(libiommu_kvm_add_file, kvm_add_dev),
	FN(libiommu_kvm_take_dev, kvm_add_dev),
	/* Bindings and tools */
	NONE(libiommu_last_error),
	/* migration and DMA logging */
	FN(libiommu_dev_get_migration, dev_get_migration),
	FN(libiommu_dev_get_mig_state, dev_get_mig_state),
	FN(libiommu_dev_set_mig_state, dev_set_mig_state),
	FN(libiommu_dev_get_mig_data_size, dev_get_mig_data_size),
	FN(libiommu_dev_get_precopy_info, dev_get_precopy_info),
	FN(libiommu_dev_dma_log_start, dev_dma_log_start),
	FN(libiommu_dev_dma_log_stop, dev_dma_log_stop),
	FN(libiommu_dev_dma_log_report, dev_dma_log_report),
	FN(libiommu_ioas_get_dirty_merged, ioas_get_dirty_merged),
};

/* The public structs have no implicit padding (see libiommu.h). */
_Static_assert(sizeof(struct libiommu_ioctls_opts) ==
		       lu_offsetofend(struct libiommu_ioctls_opts, reserved),
	       "struct libiommu_ioctls_opts has implicit padding");
_Static_assert(sizeof(struct libiommu_ioctl) ==
		       lu_offsetofend(struct libiommu_ioctl, flags),
	       "struct libiommu_ioctl has implicit padding");

static const struct fn_rows *find(const char *function)
{
	size_t i;

	for (i = 0; i < LU_ARRAY_SIZE(functions); i++)
		if (strcmp(functions[i].function, function) == 0)
			return &functions[i];
	return NULL;
}

static bool row_matches(const struct row *r, int backend)
{
	return backend == LIBIOMMU_BACKEND_AUTO ||
	       (r->backends & (1u << backend));
}

LIBIOMMU_API int libiommu_ioctls(const char *function,
				 const struct libiommu_ioctls_opts *opts,
				 size_t i, struct libiommu_ioctl *out)
{
	const struct fn_rows *f;
	struct libiommu_ioctl e;
	const struct row *r = NULL;
	size_t k, n = 0;
	int backend, rc;

	/* No context: nothing to log to; the return value tells. */
	if (!function)
		return lu_ret(-EINVAL);
	rc = LU_OPTS_CHECK(NULL, opts, libiommu_ioctls_opts, backend);
	if (rc)
		return rc;
	backend = (int)LU_OPTS_GET(opts, backend, LIBIOMMU_BACKEND_AUTO);
	if (backend < 0 || backend > LIBIOMMU_BACKEND_IOMMUFD_COMPAT)
		return lu_ret(-EINVAL);
	if (out && out->sz < sizeof(size_t))
		return lu_ret(-EINVAL);
	f = find(function);
	if (!f)
		return lu_ret(-ENOENT);
	for (k = 0; k < f->nr; k++) {
		if (!row_matches(&f->rows[k], backend))
			continue;
		if (n == i)
			r = &f->rows[k];
		n++;
	}
	if (n > INT32_MAX)
		return lu_ret(-EOVERFLOW);
	if (!out)
		return (int)n;
	if (!r)
		return lu_ret(-ERANGE);
	memset(&e, 0, sizeof(e));
	e.name = r->name;
	e.when = r->when;
	e.call_flags = r->call_flags;
	e.request = r->request;
	e.fd = r->fd;
	e.backends = r->backends;
	e.flags = r->flags;
	lu_result_copy(out, out->sz, &e,
		       lu_offsetofend(struct libiommu_ioctl, flags));
	return (int)n;
}
