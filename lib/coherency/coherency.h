/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the coherency files, a pipeline:
 *   facts.c    gather: every read (module, IOMMU_GET_HW_INFO, config space,
 *              VFIO) about one device, into plain fields (struct lu_facts)
 *   decide.c   decide: a pure function from facts to a report, and from
 *              member reports to an IOAS or KVM report; no I/O
 *   report.c   the public reports and their getters
 *   format.c   present: the report as text
 *   policy.c   act: the IOAS attach rule, force-enable, Enable No Snoop
 */
#ifndef LIBIOMMU_COHERENCY_H
#define LIBIOMMU_COHERENCY_H

#include <stdarg.h>
#include <stdio.h>

#include "internal.h"
#include "libiommu_kmod.h"

struct libiommu_coherency;

/* ---- reports ---------------------------------------------------------- */

#define UNK LIBIOMMU_COHERENCY_ANSWER_UNKNOWN
#define NO LIBIOMMU_COHERENCY_ANSWER_NO
#define YES LIBIOMMU_COHERENCY_ANSWER_YES
#define MIXED LIBIOMMU_COHERENCY_ANSWER_MIXED

/* PCI config space (pci_regs.h names) */
#define CFG_VENDOR_ID 0x00
#define CFG_STATUS 0x06
#define CFG_STATUS_CAP_LIST 0x10
#define CFG_CAP_PTR 0x34
#define CFG_CAP_ID_EXP 0x10
#define CFG_EXP_DEVCTL 8
#define CFG_DEVCTL_NOSNOOP_EN 0x0800

/* The RFC's rule in the kernel's words; tests and callers may look for it verbatim. */
#define TXT_IOMMUFD_ENFORCES \
	"iommufd enforces snoop whenever the IOMMU can; no uAPI lets user space opt out"

#define DETAIL_LEN 256
#define TEXT_LEN 400

struct lu_coh_item {
	int value; /* enum libiommu_coherency_answer / _policy, or the box */
	enum libiommu_coherency_source src;
	char detail[DETAIL_LEN];
};

struct lu_coh_chg {
	enum libiommu_coherency_verdict verdict;
	enum libiommu_coherency_reason reason;
	char text[TEXT_LEN];
};

enum lu_coh_kind { LU_COH_DEV,
		   LU_COH_IOAS,
		   LU_COH_KVM };

struct libiommu_coherency {
	enum lu_coh_kind kind;
	char name[192];
	struct lu_coh_item f[LIBIOMMU_COHERENCY_FIELD__COUNT];
	enum libiommu_coherency_answer wbinvd_needed;
	uint32_t kvm_count;
	struct lu_coh_chg chg[LIBIOMMU_COHERENCY_CHANGE__COUNT];
	enum libiommu_coherency_answer row; /* the matrix row used for the box */
	uint32_t hwpt_id;		    /* device: the HWPT it runs on */
	enum libiommu_coherency_answer hwpt_enforced;
	size_t nr_members;
	struct libiommu_coherency **members;
};

/* How the library knows the HWPT a device is on (lu_facts.pt_how). */
enum lu_pt_how {
	LU_PT_NONE = 0,	 /* not attached through this handle */
	LU_PT_PLACED,	 /* the library placed it on a HWPT it allocated */
	LU_PT_ALLOCATED, /* on a HWPT the caller allocated */
	LU_PT_KERNEL,	 /* on a HWPT the kernel chose (attach to an IOAS) */
	LU_PT_CONTAINER, /* in a legacy container: its domains, not HWPTs */
};

/* Everything read about one device, before any answer is decided. */
struct lu_facts {
	uint32_t dev_id;
	bool has_fd;	 /* false: adopted by id */
	char node[64];	 /* its cdev's sysfs name ("vfio0"), or "" */
	char parent[96]; /* the device's ("0000:00:03.0"), or "" */
	/* what the backend is (lu_backend_ops' properties) */
	bool implicit_attach;
	bool kvm_gets_group;
	bool domains_match_enforcement;
	/* the companion module */
	int km_err; /* 0: GET_DEV_INFO answered */
	struct libiommu_kmod_dev_info di;
	bool sim; /* one of the module's simulated devices */
	struct libiommu_kmod_sim_dev_info si;
	int dom_enforce; /* the module's reading of the domain now (LU_ENF_*) */
	/* IOMMU_GET_HW_INFO */
	int hw_err; /* 0: read and decoded */
	struct libiommu_hw_info hw;
	/* config space through VFIO */
	int cfg_err; /* 0: read; -EBADF no fd; -ENODEV not PCI;
				   -ENODATA not asked */
	bool pcie;   /* has a PCI Express capability */
	uint8_t pcie_cap;
	uint16_t devctl;
	uint16_t vendor, device;
	int ns_writable;   /* Enable No Snoop sticks when written (LU_ENF_*) */
	bool in_vm;	   /* added to a KVM VM: not probed */
	const char *known; /* a known device: why it never issues no-snoop */
	/* where it is attached (through this handle) */
	enum lu_pt_how pt_how;
	uint32_t hwpt_id;     /* the kernel HWPT in use (0: unknown) */
	int pt_enforce;	      /* that HWPT's enforcement as known (LU_ENF_*) */
	uint32_t pt_made_for; /* the device it was allocated for */
	char pt_why[96];      /* why pt_enforce is unknown */
	int cc;		      /* legacy: VFIO_DMA_CC_IOMMU of the container */
	char cc_where[48];    /* "the type1 container" */
};

/* What an IOAS or KVM report adds to its members' reports. */
struct lu_agg_facts {
	bool kvm; /* a KVM report, else an IOAS report */
	/* KVM: the module's read-back: 1, 0, -errno; why: lu_kmod_open()'s error */
	int kvm_rc;
	int kvm_why;
	uint32_t kvm_count;
};

/* ---- facts.c ---------------------------------------------------------- */

/*
 * Read what can be read about @dev (@cfg: its config space too; @probe:
 * and whether Enable No Snoop sticks).  0, or the -errno of a read that
 * failed for another reason than "nothing to read" (logged).
 */
int lu_coh_gather(struct libiommu_dev *dev, struct lu_facts *fx, bool cfg,
		  const char *fn);
/* Only what tells the IOMMU's capability (module, IOMMU_GET_HW_INFO). */
int lu_coh_gather_cap(struct libiommu_dev *dev, struct lu_facts *fx);
/* A little-endian 16-bit config space read through the VFIO region. */
int lu_coh_cfg16(struct libiommu_dev *dev, const char *fn, uint32_t off,
		 uint16_t *v);

/* ---- format.c --------------------------------------------------------- */

const char *lu_coh_verdict_name(enum libiommu_coherency_verdict v);

/*
 * Is @rc, an error of the companion module (opening its node, GET_DEV_INFO,
 * SIM_DEV_INFO), an answer ("nothing to read here": not loaded, no
 * permission, a fd or feature it cannot answer for), not a failure?
 */
static inline bool lu_coh_module_answer(int rc)
{
	switch (-rc) {
	case 0:
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ENOTTY:
	case EOPNOTSUPP:
	case EACCES:
	case EPERM:
	case EBADF:
	case EBADFD:
	case EINVAL:
		return true;
	default:
		return false;
	}
}

/*
 * Is @rc, an error of IOMMU_GET_HW_INFO on a device bound to the context,
 * an answer (no such command, no hardware info for this device)?  Anything
 * else is a failure: ENOENT for a device the handle holds bound is iommufd
 * failing to look it up (its fault injection reports ENOENT), not "no info".
 */
static inline bool lu_coh_hw_answer(int rc)
{
	return rc == 0 || rc == -EOPNOTSUPP || rc == -ENOTTY;
}

/* ---- decide.c (pure) --------------------------------------------------- */

/* The row's capability: can the IOMMU block no-snoop for the device? */
void lu_coh_can_block(const struct lu_facts *fx, struct lu_coh_item *it);
/* Fill a device report (no allocation) from its facts. */
void lu_coh_decide_dev(const struct lu_facts *fx, struct libiommu_coherency *c);
/* Fill an IOAS / KVM report from its members (already in c->members). */
void lu_coh_decide_aggregate(struct libiommu_coherency *c,
			     const struct lu_agg_facts *af);

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
	do { \
		(it)->value = (v); \
		(it)->src = (s); \
		setf((it)->detail, sizeof((it)->detail), __VA_ARGS__); \
	} while (0)

#define CHG(c, v, r, ...) \
	do { \
		(c)->verdict = (v); \
		(c)->reason = (r); \
		setf((c)->text, sizeof((c)->text), __VA_ARGS__); \
	} while (0)

static inline enum libiommu_coherency_answer yes_no(bool b)
{
	return b ? YES : NO;
}

static inline int box_of(enum libiommu_coherency_answer row, enum libiommu_coherency_answer col)
{
	if ((row != YES && row != NO) || (col != YES && col != NO))
		return 0;
	if (row == YES)
		return col == YES ? 1 : 2;
	return col == YES ? 3 : 4;
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
