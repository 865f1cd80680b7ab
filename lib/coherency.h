/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the coherency files (lib/coherency.c: facts and reports;
 * coherency-format.c: text; coherency-policy.c: attach rule, force-enable,
 * Enable No Snoop) and lib/kvm.c: the report's layout, the KVM handle, and
 * the helpers they share.
 */
#ifndef LIBIOMMU_COHERENCY_H
#define LIBIOMMU_COHERENCY_H

#include <stdarg.h>
#include <stdio.h>

#include "internal.h"
#include "libiommu_kmod.h"

struct libiommu_kvm {
	struct libiommu_ctx *ctx;
	int vm_fd;			/* borrowed from the caller */
	int dev_fd;			/* the kvm-vfio device */
	bool owns_dev_fd;		/* created by us (closing it destroys it) */
	struct libiommu_dev **devs;	/* added through this handle */
	size_t nr_devs, cap_devs;
	struct libiommu_kvm *next;	/* ctx->kvm_list */
};

/*
 * An aggregate report over @devs (IOAS or KVM, per @kvm being NULL or
 * not).  @ioas: the IOAS, for VFIO's answer and its policy flags.
 */
int lu_coh_aggregate(struct libiommu_ctx *ctx, const char *name,
		     struct libiommu_dev **devs, size_t nr,
		     struct libiommu_ioas *ioas, struct libiommu_kvm *kvm,
		     struct libiommu_coherency **out);

/*
 * KVM's non-coherent DMA state through the module, quietly: 1, 0, or
 * -errno; *why is lu_kmod_open()'s error when the module is not there.
 */
int lu_kvm_readback(struct libiommu_kvm *kvm, uint32_t *count, int *why);

/* ---- reports ---------------------------------------------------------- */

#define UNK LIBIOMMU_COH_UNKNOWN
#define NO LIBIOMMU_COH_NO
#define YES LIBIOMMU_COH_YES
#define MIXED LIBIOMMU_COH_MIXED

/* PCI config space (pci_regs.h names) */
#define CFG_VENDOR_ID 0x00
#define CFG_STATUS 0x06
#define CFG_STATUS_CAP_LIST 0x10
#define CFG_CAP_PTR 0x34
#define CFG_CAP_ID_EXP 0x10
#define CFG_EXP_DEVCTL 8
#define CFG_DEVCTL_NOSNOOP_EN 0x0800

/* The seed's words, which the tests and callers may look for verbatim. */
#define TXT_IOMMUFD_ENFORCES \
	"iommufd enforces snoop whenever the IOMMU can; no uAPI lets user space opt out"

#define DETAIL_LEN 256
#define TEXT_LEN 400

struct lu_coh_item {
	int value;			/* enum libiommu_coh_answer / _policy, or the box */
	enum libiommu_coh_source src;
	char detail[DETAIL_LEN];
};

struct lu_coh_chg {
	enum libiommu_coh_verdict verdict;
	enum libiommu_coh_reason reason;
	char text[TEXT_LEN];
};

enum lu_coh_kind { LU_COH_DEV, LU_COH_IOAS, LU_COH_KVM };

struct libiommu_coherency {
	enum lu_coh_kind kind;
	char name[192];
	struct lu_coh_item f[LIBIOMMU_COH_FIELD__COUNT];
	enum libiommu_coh_answer wbinvd_needed;
	uint32_t kvm_count;
	struct lu_coh_chg chg[LIBIOMMU_COH_CHANGE__COUNT];
	enum libiommu_coh_answer row;	/* the matrix row used for the box */
	size_t nr_members;
	struct libiommu_coherency **members;
};

/* Everything read about one device, before any answer is decided. */
struct lu_facts {
	struct libiommu_dev *dev;
	/* the companion module */
	int km_err;			/* 0: GET_DEV_INFO answered */
	struct libiommu_kmod_dev_info di;
	bool sim;			/* one of the module's simulated devices */
	struct libiommu_kmod_sim_dev_info si;
	/* IOMMU_GET_HW_INFO */
	int hw_err;			/* 0: read and decoded */
	struct libiommu_hw_info hw;
	/* config space through VFIO */
	int cfg_err;			/* 0: read; -EBADF no fd; -ENODEV not PCI */
	bool pcie;			/* has a PCI Express capability */
	uint8_t pcie_cap;
	uint16_t devctl;
	uint16_t vendor, device;
};

/* Read what can be read about @dev (@cfg: its config space too). */
void lu_coh_gather(struct libiommu_dev *dev, struct lu_facts *fx, bool cfg);
/* The row's capability: can the IOMMU block no-snoop for the device? */
void lu_coh_can_block(const struct lu_facts *fx, struct lu_coh_item *it);
/* Fill a device report (no allocation) from its facts. */
void lu_coh_dev_report(const struct lu_facts *fx, struct libiommu_coherency *c);
/* A little-endian 16-bit config space read through the VFIO region. */
int lu_coh_cfg16(struct libiommu_dev *dev, uint32_t off, uint16_t *v);

static inline void setf(char *dst, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void setf(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

#define ITEM(it, v, s, ...) \
	do { (it)->value = (v); (it)->src = (s); \
	     setf((it)->detail, sizeof((it)->detail), __VA_ARGS__); } while (0)

#define CHG(c, v, r, ...) \
	do { (c)->verdict = (v); (c)->reason = (r); \
	     setf((c)->text, sizeof((c)->text), __VA_ARGS__); } while (0)

static inline enum libiommu_coh_answer yes_no(bool b)
{
	return b ? YES : NO;
}

static inline int box_of(enum libiommu_coh_answer row, enum libiommu_coh_answer col)
{
	if ((row != YES && row != NO) || (col != YES && col != NO))
		return 0;
	if (row == YES)
		return col == YES ? 1 : 2;
	return col == YES ? 3 : 4;
}

/* The IOAS a HWPT maps (a nested one: its parent's). */
static inline struct libiommu_ioas *hwpt_ioas(struct libiommu_hwpt *h)
{
	while (h && h->nested)
		h = h->parent;
	return h ? h->ioas : NULL;
}

/* An snprintf()-like appender that counts what it could not store. */
struct sbuf {
	char *buf;
	size_t len, pos;
};

static inline void sb_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	size_t room = sb->pos < sb->len ? sb->len - sb->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->pos += (size_t)n;
}

#endif
