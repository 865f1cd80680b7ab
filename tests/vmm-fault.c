// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The calls a VMM makes, each under kernel fault injection (VM tier).
 *
 * The sequence: libiommu_ctx_new, ioas_alloc, map (anonymous memory),
 * map_file (a memfd), dev_open (the edu cdev), attach_ioas (the library
 * places the device on a HWPT it allocates), hwpt_alloc and attach_hwpt,
 * get_hw_info, region read/write/mmap, the coherency report, kvm_new,
 * kvm_add_dev and kvm_del_dev, map with the device attached (it pins),
 * unmap, detach, dev_free, ioas_destroy, ctx_free.
 *
 * Each call is a step.  Everything before it is set up without faults;
 * then for N = 1, 2, ... the Nth fault point the calling thread passes in
 * the kernel fails (/proc/thread-self/fail-nth: every slab and page
 * allocation, also those that may sleep, see faultutil.h), until the call
 * passes fewer than N points.  At every N:
 *  - the call succeeds, or fails cleanly: a negative errno, errno set, an
 *    error logged, handle outputs NULL;
 *  - afterwards, without faults, the state is usable: the call made again
 *    works (after a failed attach, attach works; after a failed map, the
 *    same map works; after a failed unmap the mapping is still there and
 *    unmapping it returns all of it; after a failed detach the device is
 *    still attached), and what a success made works (a DMA through the
 *    edu's IOMMU for the attach steps);
 *  - back at the state before the step, nothing leaked: no fd, no pinned
 *    page (VmPin), no iommufd object (the ids the context's iommufd, which
 *    the test lends to the library, hands out next are those it handed
 *    out before the step).
 * After the sweep of a step the rest of the sequence runs once without
 * faults (the edu opened again, attached, given to KVM, a DMA through the
 * IOMMU) and down to ctx_free; then no iommufd object is left (IOMMU_DESTROY
 * finds none), and the kernel log has no new WARNING, BUG, Oops, refcount,
 * leak or KASAN line.  A table sums it up.
 *
 * Faults inside the kernel's ACPI method evaluation when the edu is
 * enabled (its bind) or disabled (its last close) are kept out: see
 * DEV_OPEN_LIMIT, and dev_free below.
 *
 * Diagnostics: VMM_FAULT_STEP=<name> runs the steps whose name contains
 * it; VMM_FAULT_WHERE=1 prints, for every injected fault, the kernel
 * functions on its stack (fault injection's verbose report, read from
 * /dev/kmsg).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edu.h"
#include "faultutil.h"
#include "kmodutil.h"
#include "testutil.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PG ((uint64_t)sysconf(_SC_PAGESIZE))
#define RW (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)
#define FIXED LIBIOMMU_MAP_FIXED_IOVA
#define MAP_PAGES 16
#define IOVA_A UINT64_C(0x100000) /* anonymous memory, MAP_PAGES pages */
#define IOVA_F UINT64_C(0x200000) /* the memfd, MAP_PAGES pages */
#define MAX_N 5000		  /* a bound on the points a step passes */
#define SENTINEL_PTR(T) ((T *)(uintptr_t)0x5e5e5e50)

/*
 * A fault inside the ACPI method evaluation of pci_enable_device() (or of
 * pci_disable_device()) corrupts ACPICA's state, and a later evaluation
 * oopses the guest (acpi_ut_update_object_reference): a kernel bug, not
 * the library's.  The bind of a VFIO cdev enables the device; measured on
 * 7.3.4 with VMM_FAULT_WHERE=1, the fault points of dev_open are:
 *   1 getname (openat), 2 the file, 3 VFIO's device file,
 *   4 the iommufd device object, 5 the iommufd bind,
 *   6 a page allocation that asks not to be reported (the open succeeds
 *     when it fails), 7.. ACPI _PRT of \_SB.PCI0 from acpi_pci_irq_enable()
 *     in pci_enable_device().
 * So the dev_open sweep stops after point 5: everything the library and
 * iommufd do is before it; what the kernel does after the enable is not
 * swept.  The sweep checks the bound as it goes: each of its faults must
 * be reported (verbose fault injection, not rate limited for this step)
 * with a stack outside ACPI.
 */
#define DEV_OPEN_LIMIT 5

struct row {
	char name[32];
	int swept;    /* N = 1 .. swept were tried */
	int failures; /* N at which it failed cleanly */
	int successes;
	int leaks;   /* fds, VmPin, iommufd objects */
	int splats;  /* new bad kernel log lines */
	int bounded; /* the sweep was cut (DEV_OPEN_LIMIT) */
};

struct shared {
	struct row rows[32];
	int nrows;
};
static struct shared *sh;
static struct row *row;

static char edu_path[64];
static bool have_kvm, where;
/* the last fault of the sweep was reported in iommufd_device_bind() */
static bool prev_in_bind;
static int fail_nth = -1, kmsg = -1;
static struct tu_log lg;
/*
 * The kernel has IOMMU_IOAS_MAP_FILE (6.12 has not: main() checks that
 * map_file then fails -EOPNOTSUPP naming the feature, and the map_file
 * step and level map the memfd by address, through memmap, instead).
 */
static bool have_map_file = true;
static void *memmap;

/* ---- the sequence's state -------------------------------------------------- */

static struct {
	int fd; /* the iommufd, borrowed to ctx */
	struct libiommu_ctx *ctx;
	struct libiommu_ioas *ioas;
	struct libiommu_dev *dev;
	struct libiommu_hwpt *hwpt;
	struct libiommu_kvm *kvm;
	int vm;
	bool lend_fd; /* open the edu's cdev and lend it to the handle */
	int devfd;
	uint8_t *buf; /* MAP_PAGES + 1 pages: mapped at IOVA_A, DMA scratch */
	int memfd;
	/* what the step's result is compared with */
	struct libiommu_hw_info info;
	char *report;
	uint64_t probe; /* probe_ids() before the step (0: no iommufd) */
	int feat[LIBIOMMU_FEAT__COUNT];
} S = { .fd = -1, .vm = -1, .memfd = -1, .devfd = -1 };

/* the step's own results */
static struct libiommu_ctx *new_ctx;
static struct libiommu_ioas *new_ioas;
static struct libiommu_dev *new_dev;
static struct libiommu_hwpt *new_hwpt;
static struct libiommu_kvm *new_kvm;
static struct libiommu_coherency *new_coh;
static uint64_t iova, unmapped;
static void *mmio;
static uint32_t reg;

#define OK(expr) \
	do { \
		int rc_ = (expr); \
		ck_assert_msg(rc_ == 0, "%s: %s; log:\n%s", #expr, strerror(-rc_), lg.all); \
	} while (0)

static void log_clear(void)
{
	memset(&lg, 0, sizeof(lg));
}

static struct libiommu_ctx_opts ctx_opts(void)
{
	return tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
}

/*
 * The object ids the iommufd hands out next: PROBE_IDS IOASes made and
 * destroyed again, their ids summed with weights.  The kernel gives out
 * the lowest free ids, so an object left behind by the step (or one
 * fewer) changes the answer.
 */
#define PROBE_IDS 16

static uint64_t probe_ids(void)
{
	struct lx_iommu_ioas_alloc a = { .size = sizeof(a) };
	struct lx_iommu_destroy d = { .size = sizeof(d) };
	uint32_t ids[PROBE_IDS];
	uint64_t sum = 0;

	for (int i = 0; i < PROBE_IDS; i++) {
		ck_assert_msg(ioctl(S.fd, LX_IOMMU_IOAS_ALLOC, &a) == 0,
			      "IOMMU_IOAS_ALLOC: %s", strerror(errno));
		ids[i] = a.out_ioas_id;
		sum = sum * 131 + ids[i];
	}
	for (int i = 0; i < PROBE_IDS; i++) {
		d.id = ids[i];
		ck_assert_msg(ioctl(S.fd, LX_IOMMU_DESTROY, &d) == 0, "IOMMU_DESTROY: %s",
			      strerror(errno));
	}
	return sum;
}

static long vmpin_kb(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPin:", 6))
			v = atol(line + 6);
	fclose(f);
	return v;
}

/*
 * Bad kernel log lines written since @fd (/dev/kmsg) was opened or last
 * read: WARNING, BUG, Oops, a general protection fault, refcount, leak or
 * KASAN reports.  Read record by record, so a full ring buffer does not
 * hide them (records it dropped are counted as bad: nothing may be lost).
 */
static int kmsg_new_bad(int fd)
{
	static const char *const pats[] = { "WARNING:", "BUG:", "Oops",
					    "general protection", "refcount",
					    "leak", "KASAN" };
	char rec[2048];
	ssize_t k;
	int bad = 0;

	for (;;) {
		k = read(fd, rec, sizeof(rec) - 1);
		if (k < 0 && errno == EPIPE) {
			printf("the kernel log overwrote records before they were read\n");
			bad++;
			continue;
		}
		if (k <= 0)
			break;
		rec[k] = '\0';
		if (strstr(rec, "allow_unsafe_interrupts"))
			continue;
		/*
		 * A page fault of this process inside the sweep's window (a
		 * sanitizer build touches fresh shadow memory there) whose
		 * page allocation was the injected failure: the kernel
		 * retries the fault and says "Huh VM_FAULT_OOM leaked out to
		 * the #PF handler".  The injection's doing, not a leak.
		 */
		if (strstr(rec, "VM_FAULT_OOM leaked out to the #PF handler"))
			continue;
		for (size_t i = 0; i < ARRAY_LEN(pats); i++) {
			if (strstr(rec, pats[i])) {
				printf("kernel log: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				bad++;
				break;
			}
		}
	}
	return bad;
}

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "/dev/kmsg: %s", strerror(errno));
	lseek(fd, 0, SEEK_END);
	return fd;
}

/* A DMA round trip through the edu at IOVA_A: the device's translation works. */
static void dma_works(void)
{
	const uint32_t len = 256;
	struct edu edu;
	int rc;

	memset(S.buf, 0xc3, len);
	memset(S.buf + PG, 0, len);
	OK(edu_init(&edu, S.dev));
	rc = edu_dma_from_ram(&edu, IOVA_A, len);
	if (!rc)
		rc = edu_dma_to_ram(&edu, IOVA_A + PG, len);
	edu_fini(&edu);
	ck_assert_msg(rc == 0, "edu DMA: %s", strerror(-rc));
	ck_assert_msg(!memcmp(S.buf, S.buf + PG, len),
		      "the DMA through IOVA 0x%llx did not copy the bytes",
		      (unsigned long long)IOVA_A);
}

/* ---- building the state up to a level, and down again (no faults) ------------ */

enum level {
	L_NONE,
	L_CTX,	    /* a context on the borrowed iommufd */
	L_IOAS,	    /* + an IOAS */
	L_MAP,	    /* + anonymous memory at IOVA_A */
	L_MAPFILE,  /* + the memfd at IOVA_F */
	L_DEV,	    /* + the edu, open */
	L_ATTACHED, /* + attached to the IOAS */
	L_VM,	    /* + a KVM VM */
	L_KVM,	    /* + its kvm-vfio handle */
	L_ADDED,    /* + the edu added to it */
};
static enum level level;

static void up_to(enum level want)
{
	struct libiommu_ctx_opts o = ctx_opts();
	uint64_t v;

	for (; level < want; level++) {
		switch (level + 1) {
		case L_CTX:
			S.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
			ck_assert_int_ge(S.fd, 0);
			OK(libiommu_ctx_new_from_fd(S.fd, LIBIOMMU_FD_BORROW, &o, &S.ctx));
			break;
		case L_IOAS:
			OK(libiommu_ioas_alloc(S.ctx, NULL, &S.ioas));
			break;
		case L_MAP:
			v = IOVA_A;
			OK(libiommu_ioas_map(S.ioas, S.buf, MAP_PAGES * PG, &v, RW | FIXED));
			break;
		case L_MAPFILE:
			v = IOVA_F;
			if (!have_map_file) {
				OK(libiommu_ioas_map(S.ioas, memmap, MAP_PAGES * PG, &v,
						     RW | FIXED));
				break;
			}
			OK(libiommu_ioas_map_file(S.ioas, S.memfd, 0, MAP_PAGES * PG, &v,
						  RW | FIXED));
			break;
		case L_DEV:
			if (!S.lend_fd) {
				OK(libiommu_dev_open(S.ctx, edu_path, NULL, &S.dev));
				break;
			}
			S.devfd = open(edu_path, O_RDWR | O_CLOEXEC);
			ck_assert_int_ge(S.devfd, 0);
			OK(libiommu_dev_open_fd(S.ctx, S.devfd, LIBIOMMU_FD_BORROW, NULL,
						&S.dev));
			break;
		case L_ATTACHED:
			OK(libiommu_dev_attach_ioas(S.dev, S.ioas));
			break;
		case L_VM:
			S.vm = ku_kvm_new_vm();
			break;
		case L_KVM:
			OK(libiommu_kvm_new(S.ctx, S.vm, NULL, &S.kvm));
			break;
		case L_ADDED:
			OK(libiommu_kvm_add_dev(S.kvm, S.dev));
			break;
		}
	}
}

static void down_to(enum level want)
{
	uint64_t n;

	for (; level > want; level--) {
		switch (level) {
		case L_ADDED:
			OK(libiommu_kvm_del_dev(S.kvm, S.dev));
			break;
		case L_KVM:
			libiommu_kvm_free(S.kvm);
			S.kvm = NULL;
			break;
		case L_VM:
			close(S.vm);
			S.vm = -1;
			break;
		case L_ATTACHED:
			OK(libiommu_dev_detach(S.dev));
			break;
		case L_DEV:
			libiommu_dev_free(S.dev);
			S.dev = NULL;
			if (S.devfd >= 0)
				close(S.devfd);
			S.devfd = -1;
			break;
		case L_MAPFILE:
			OK(libiommu_ioas_unmap(S.ioas, IOVA_F, MAP_PAGES * PG, &n));
			ck_assert_uint_eq(n, MAP_PAGES * PG);
			break;
		case L_MAP:
			OK(libiommu_ioas_unmap(S.ioas, IOVA_A, MAP_PAGES * PG, &n));
			ck_assert_uint_eq(n, MAP_PAGES * PG);
			break;
		case L_IOAS:
			OK(libiommu_ioas_destroy(S.ioas));
			S.ioas = NULL;
			break;
		case L_CTX:
			libiommu_ctx_free(S.ctx);
			S.ctx = NULL;
			break;
		default:
			break;
		}
	}
}

/* ---- the steps ------------------------------------------------------------------- */

/*
 * A step: the call under faults, what it needs before it, and what to do
 * after it (faults off): undo a success (back to @before), or check the
 * state after a clean failure (the call made again works) and undo that.
 */
struct step {
	const char *name;
	enum level before;
	int (*call)(void);
	void (*undo)(void);
	void (*after_fail)(int rc);
	bool no_fail; /* a _free: it cannot fail, only leak */
};

/* ctx_new */
static int s_ctx_new(void)
{
	struct libiommu_ctx_opts o = ctx_opts();

	return libiommu_ctx_new(&o, &new_ctx);
}

static void u_ctx_new(void)
{
	/* the probe's answers are the kernel's, not the fault's */
	for (int f = 0; f < LIBIOMMU_FEAT__COUNT; f++)
		ck_assert_msg(libiommu_ctx_has_feature(new_ctx, (enum libiommu_feature)f) ==
				      S.feat[f],
			      "feature %s reads %d after ctx_new under a fault, %d without",
			      libiommu_feature_name((enum libiommu_feature)f),
			      libiommu_ctx_has_feature(new_ctx, (enum libiommu_feature)f),
			      S.feat[f]);
	libiommu_ctx_free(new_ctx);
	new_ctx = NULL;
}

static void f_ctx_new(int rc)
{
	ck_assert_ptr_null(new_ctx);
	OK(s_ctx_new());
	u_ctx_new();
}

/* ioas_alloc */
static int s_ioas_alloc(void)
{
	return libiommu_ioas_alloc(S.ctx, NULL, &new_ioas);
}

static void u_ioas_alloc(void)
{
	uint64_t v = 0, n = 0;

	OK(libiommu_ioas_map(new_ioas, S.buf, PG, &v, RW));
	OK(libiommu_ioas_unmap(new_ioas, v, PG, &n));
	OK(libiommu_ioas_destroy(new_ioas));
	new_ioas = NULL;
}

static void f_ioas_alloc(int rc)
{
	ck_assert_ptr_null(new_ioas);
	OK(s_ioas_alloc());
	u_ioas_alloc();
}

/* map, map_file (the IOAS with or without the device attached) */
static int s_map(void)
{
	return libiommu_ioas_map(S.ioas, S.buf, MAP_PAGES * PG, &iova, RW);
}

static int s_map_file(void)
{
	if (!have_map_file)
		return libiommu_ioas_map(S.ioas, memmap, MAP_PAGES * PG, &iova, RW);
	return libiommu_ioas_map_file(S.ioas, S.memfd, 0, MAP_PAGES * PG, &iova, RW);
}

static void unmap_all_of(uint64_t at)
{
	uint64_t n = 0;

	OK(libiommu_ioas_unmap(S.ioas, at, MAP_PAGES * PG, &n));
	ck_assert_msg(n == MAP_PAGES * PG, "unmapped %llu bytes at 0x%llx, mapped %llu",
		      (unsigned long long)n, (unsigned long long)at,
		      (unsigned long long)(MAP_PAGES * PG));
}

static void u_map(void)
{
	/* with the edu attached the pages are pinned, and VmPin shows it */
	if (level >= L_ATTACHED)
		ck_assert_msg(vmpin_kb() >= (long)(MAP_PAGES * PG / 1024),
			      "VmPin is %ld kB with %llu bytes mapped and pinned", vmpin_kb(),
			      (unsigned long long)(MAP_PAGES * PG));
	unmap_all_of(iova);
}

static void f_map(int rc)
{
	ck_assert_uint_eq(iova, UINT64_C(0x5e5e));
	OK(s_map());
	u_map();
}

static void u_map_file(void)
{
	unmap_all_of(iova);
}

static void f_map_file(int rc)
{
	ck_assert_uint_eq(iova, UINT64_C(0x5e5e));
	OK(s_map_file());
	u_map_file();
}

/* dev_open */
static int s_dev_open(void)
{
	return libiommu_dev_open(S.ctx, edu_path, NULL, &new_dev);
}

static void u_dev_open(void)
{
	OK(libiommu_dev_attach_ioas(new_dev, S.ioas));
	libiommu_dev_free(new_dev);
	new_dev = NULL;
}

static void f_dev_open(int rc)
{
	ck_assert_ptr_null(new_dev);
	OK(s_dev_open());
	u_dev_open();
}

/* attach_ioas: the library places the edu on a HWPT it allocates */
static int s_attach_ioas(void)
{
	return libiommu_dev_attach_ioas(S.dev, S.ioas);
}

static void u_attach_ioas(void)
{
	dma_works();
	OK(libiommu_dev_detach(S.dev));
}

static void f_attach_ioas(int rc)
{
	ck_assert_int_eq(libiommu_dev_get_attached(S.dev, LIBIOMMU_NO_PASID, NULL, NULL,
						   NULL),
			 0);
	OK(s_attach_ioas());
	u_attach_ioas();
}

/* hwpt_alloc, attach_hwpt */
static int s_hwpt_alloc(void)
{
	return libiommu_hwpt_alloc(S.dev, S.ioas, NULL, &new_hwpt);
}

static void u_hwpt_alloc(void)
{
	OK(libiommu_dev_attach_hwpt(S.dev, new_hwpt));
	dma_works();
	OK(libiommu_dev_detach(S.dev));
	OK(libiommu_hwpt_destroy(new_hwpt));
	new_hwpt = NULL;
}

static void f_hwpt_alloc(int rc)
{
	ck_assert_ptr_null(new_hwpt);
	OK(s_hwpt_alloc());
	u_hwpt_alloc();
}

static int s_attach_hwpt(void)
{
	return libiommu_dev_attach_hwpt(S.dev, S.hwpt);
}

static void u_attach_hwpt(void)
{
	struct libiommu_hwpt *h = NULL;

	ck_assert_int_eq(libiommu_dev_get_attached(S.dev, LIBIOMMU_NO_PASID, NULL, &h,
						   NULL),
			 1);
	ck_assert_ptr_eq(h, S.hwpt);
	dma_works();
	OK(libiommu_dev_detach(S.dev));
}

static void f_attach_hwpt(int rc)
{
	ck_assert_int_eq(libiommu_dev_get_attached(S.dev, LIBIOMMU_NO_PASID, NULL, NULL,
						   NULL),
			 0);
	OK(s_attach_hwpt());
	u_attach_hwpt();
}

/* get_hw_info */
static struct libiommu_hw_info info;

static int s_hw_info(void)
{
	return libiommu_dev_get_hw_info(S.dev, &info);
}

static void u_hw_info(void)
{
	ck_assert_msg(!memcmp(&info, &S.info, sizeof(info)),
		      "the hardware info differs from the one read without faults");
}

static void f_hw_info(int rc)
{
	ck_assert_uint_eq(info.type, 0x5e5e);
	OK(s_hw_info());
	u_hw_info();
}

/* region read, write, mmap (BAR0 of the edu: register 4 reads back inverted) */
static int s_rd(void)
{
	return libiommu_dev_region_read(S.dev, LIBIOMMU_PCI_BAR0_REGION, 0, &reg,
					sizeof(reg));
}

static void u_rd(void)
{
	ck_assert_uint_eq(reg & 0xff, 0xed);
}

static void f_rd(int rc)
{
	ck_assert_uint_eq(reg, 0x5e5e);
	OK(s_rd());
	u_rd();
}

static const uint32_t pattern = 0x12345678;

static int s_wr(void)
{
	return libiommu_dev_region_write(S.dev, LIBIOMMU_PCI_BAR0_REGION, 4, &pattern,
					 sizeof(pattern));
}

static void u_wr(void)
{
	uint32_t v = 0;

	OK(libiommu_dev_region_read(S.dev, LIBIOMMU_PCI_BAR0_REGION, 4, &v, sizeof(v)));
	ck_assert_uint_eq(v, ~pattern);
	v = 0;
	OK(libiommu_dev_region_write(S.dev, LIBIOMMU_PCI_BAR0_REGION, 4, &v, sizeof(v)));
}

static void f_wr(int rc)
{
	OK(s_wr());
	u_wr();
}

static int s_mm(void)
{
	return libiommu_dev_region_mmap(S.dev, LIBIOMMU_PCI_BAR0_REGION, 0, PG,
					LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE,
					&mmio);
}

static void u_mm(void)
{
	ck_assert_uint_eq(*(volatile uint32_t *)mmio & 0xff, 0xed);
	munmap(mmio, PG);
	mmio = NULL;
}

static void f_mm(int rc)
{
	ck_assert_ptr_null(mmio);
	OK(s_mm());
	u_mm();
}

/* the coherency report */
static int s_coherency(void)
{
	return libiommu_coherency_get_dev(S.dev, &new_coh);
}

static char *text_of(const struct libiommu_coherency *c)
{
	int n = libiommu_coherency_format(c, NULL, 0);
	char *t;

	ck_assert_int_gt(n, 0);
	t = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(t);
	libiommu_coherency_format(c, t, (size_t)n + 1);
	return t;
}

static void u_coherency(void)
{
	char *t = text_of(new_coh);

	ck_assert_msg(!strcmp(t, S.report), "the report differs from the one without faults:\n%s\n---\n%s",
		      S.report, t);
	free(t);
	libiommu_coherency_free(new_coh);
	new_coh = NULL;
}

static void f_coherency(int rc)
{
	ck_assert_ptr_null(new_coh);
	OK(s_coherency());
	u_coherency();
}

/* KVM */
static int s_kvm_new(void)
{
	return libiommu_kvm_new(S.ctx, S.vm, NULL, &new_kvm);
}

static void u_kvm_new(void)
{
	OK(libiommu_kvm_add_dev(new_kvm, S.dev));
	OK(libiommu_kvm_del_dev(new_kvm, S.dev));
	libiommu_kvm_free(new_kvm);
	new_kvm = NULL;
}

static void f_kvm_new(int rc)
{
	ck_assert_ptr_null(new_kvm);
	OK(s_kvm_new());
	u_kvm_new();
}

static int s_kvm_add(void)
{
	return libiommu_kvm_add_dev(S.kvm, S.dev);
}

static void u_kvm_add(void)
{
	OK(libiommu_kvm_del_dev(S.kvm, S.dev));
}

static void f_kvm_add(int rc)
{
	/* not added: deleting says so */
	ck_assert_int_eq(libiommu_kvm_del_dev(S.kvm, S.dev), -ENOENT);
	OK(s_kvm_add());
	u_kvm_add();
}

static int s_kvm_del(void)
{
	return libiommu_kvm_del_dev(S.kvm, S.dev);
}

static void u_kvm_del(void)
{
	OK(libiommu_kvm_add_dev(S.kvm, S.dev));
}

static void f_kvm_del(int rc)
{
	/* still added: deleting it works now */
	OK(s_kvm_del());
	u_kvm_del();
}

/* unmap: no mapping may be lost */
static int s_unmap(void)
{
	return libiommu_ioas_unmap(S.ioas, IOVA_A, MAP_PAGES * PG, &unmapped);
}

static void remap_a(void)
{
	uint64_t v = IOVA_A;

	OK(libiommu_ioas_map(S.ioas, S.buf, MAP_PAGES * PG, &v, RW | FIXED));
	dma_works();
}

static void u_unmap(void)
{
	ck_assert_uint_eq(unmapped, MAP_PAGES * PG);
	remap_a();
}

static void f_unmap(int rc)
{
	ck_assert_uint_eq(unmapped, UINT64_C(0x5e5e));
	dma_works(); /* still mapped, still translated */
	OK(s_unmap());
	u_unmap();
}

/* detach */
static int s_detach(void)
{
	return libiommu_dev_detach(S.dev);
}

static void u_detach(void)
{
	ck_assert_int_eq(libiommu_dev_get_attached(S.dev, LIBIOMMU_NO_PASID, NULL, NULL,
						   NULL),
			 0);
	OK(libiommu_dev_attach_ioas(S.dev, S.ioas));
	dma_works();
}

static void f_detach(int rc)
{
	ck_assert_int_eq(libiommu_dev_get_attached(S.dev, LIBIOMMU_NO_PASID, NULL, NULL,
						   NULL),
			 1);
	dma_works();
	OK(s_detach());
	u_detach();
}

/*
 * dev_free: it cannot fail; it must leave the device detached and out of
 * KVM.  The handle borrows the cdev fd the test opened: closing the last
 * fd of the edu disables it, and every fault point of that is in the ACPI
 * method evaluation of pci_disable_device() (measured with
 * VMM_FAULT_WHERE=1: the first point of an owned free is already there),
 * which a fault corrupts as it does for pci_enable_device() (see
 * DEV_OPEN_LIMIT).  The test closes the fd itself, without faults.
 */
static int s_dev_free(void)
{
	libiommu_dev_free(S.dev);
	return 0;
}

static void u_dev_free(void)
{
	int kdev = libiommu_kvm_fd(S.kvm);

	S.dev = NULL;
	/* KVM let go of the file: it can be added again (not EEXIST) */
	ck_assert_int_eq(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, S.devfd), 0);
	ck_assert_int_eq(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, S.devfd), 0);
	close(S.devfd);
	S.devfd = -1;
	/* the rest without the device, then the device again */
	libiommu_kvm_free(S.kvm);
	S.kvm = NULL;
	close(S.vm);
	S.vm = -1;
	level = L_MAPFILE;
	up_to(L_ADDED);
}

/* ioas_destroy: after a failure the handle is still good */
static int s_ioas_destroy(void)
{
	return libiommu_ioas_destroy(S.ioas);
}

static void u_ioas_destroy(void)
{
	S.ioas = NULL;
	level = L_CTX;
	up_to(L_MAPFILE);
}

static void f_ioas_destroy(int rc)
{
	ck_assert_uint_ne(libiommu_ioas_id(S.ioas), 0);
	OK(s_ioas_destroy());
	u_ioas_destroy();
}

/*
 * ctx_free: it cannot fail.  In the sequence it comes last, after the
 * device is freed (whose close the dev_free step keeps out of the sweep);
 * here the context still has its IOAS with both mappings, and since it
 * borrows the iommufd it must destroy them itself.
 */
static int s_ctx_free(void)
{
	libiommu_ctx_free(S.ctx);
	return 0;
}

static void u_ctx_free(void)
{
	S.ctx = NULL;
	S.ioas = NULL;
	level = L_NONE;
	/* what the context made through the borrowed fd is gone; the fd stays */
	for (uint32_t id = 1; id <= 64; id++) {
		struct lx_iommu_destroy d = { .size = sizeof(d), .id = id };

		ck_assert_msg(ioctl(S.fd, LX_IOMMU_DESTROY, &d) < 0 && errno == ENOENT,
			      "iommufd object %u is left after libiommu_ctx_free", id);
	}
	close(S.fd);
	S.fd = -1;
	up_to(L_MAPFILE);
}

#define STEP(label, lvl, fn) \
	{ \
		.name = label, .before = lvl, .call = s_##fn, .undo = u_##fn, .after_fail = f_##fn \
	}
#define FREE_STEP(label, lvl, fn) \
	{ \
		.name = label, .before = lvl, .call = s_##fn, .undo = u_##fn, .no_fail = true \
	}

static const struct step steps[] = {
	STEP("ctx_new", L_NONE, ctx_new),
	STEP("ioas_alloc", L_CTX, ioas_alloc),
	STEP("map", L_IOAS, map),
	STEP("map_file", L_MAP, map_file),
	STEP("dev_open", L_MAPFILE, dev_open),
	STEP("attach_ioas", L_DEV, attach_ioas),
	STEP("hwpt_alloc", L_DEV, hwpt_alloc),
	STEP("attach_hwpt", L_DEV, attach_hwpt),
	STEP("get_hw_info", L_ATTACHED, hw_info),
	STEP("region_read", L_ATTACHED, rd),
	STEP("region_write", L_ATTACHED, wr),
	STEP("region_mmap", L_ATTACHED, mm),
	STEP("coherency_get_dev", L_ATTACHED, coherency),
	STEP("kvm_new", L_VM, kvm_new),
	STEP("kvm_add_dev", L_KVM, kvm_add),
	STEP("kvm_del_dev", L_ADDED, kvm_del),
	STEP("map (attached)", L_ATTACHED, map),
	STEP("unmap", L_ATTACHED, unmap),
	STEP("detach", L_ATTACHED, detach),
	FREE_STEP("dev_free", L_ADDED, dev_free),
	STEP("ioas_destroy", L_MAPFILE, ioas_destroy),
	FREE_STEP("ctx_free", L_MAPFILE, ctx_free),
};

/* ---- where the faults land (VMM_FAULT_WHERE=1) ------------------------------------ */

/*
 * The kernel functions on the stack of the fault just injected (fault
 * injection's verbose report, read from /dev/kmsg) into @out; false when
 * there was no report.
 */
static bool fault_site(char *out, size_t len)
{
	char rec[1024];
	size_t used = 0;
	bool trace = false;
	ssize_t k;

	out[0] = '\0';
	while ((k = read(kmsg, rec, sizeof(rec) - 1)) > 0) {
		char *msg, *plus;

		rec[k] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		if (strstr(msg, "Call Trace:")) {
			trace = true;
			continue;
		}
		if (!trace || !*msg || strstr(msg, "TASK>") || strchr(msg, ':'))
			continue;
		while (*msg == ' ' || *msg == '?')
			msg++;
		plus = strchr(msg, '+');
		if (plus)
			*plus = '\0';
		if (!strncmp(msg, "dump_stack", 10) || !strncmp(msg, "should_fail", 11) ||
		    !strncmp(msg, "fail_dump", 9) || strstr(msg, "syscall") ||
		    strstr(msg, "x64_sys_call"))
			continue;
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s",
					 used ? " < " : "", msg);
		if (used >= len)
			used = len - 1;
	}
	return used > 0;
}

/*
 * Every injected fault reported with its stack, not rate limited: for
 * VMM_FAULT_WHERE=1, and around the dev_open sweep, which checks where its
 * faults land.  Put back when the step ends (or the test process exits).
 */
static const char *const verbose_knobs[] = {
	"/sys/kernel/debug/failslab/verbose_ratelimit_burst",
	"/sys/kernel/debug/fail_page_alloc/verbose_ratelimit_burst",
	"/sys/kernel/debug/failslab/verbose",
	"/sys/kernel/debug/fail_page_alloc/verbose",
};
static char verbose_old[ARRAY_LEN(verbose_knobs)][24];

static void verbose_restore(void)
{
	for (size_t i = 0; i < ARRAY_LEN(verbose_knobs); i++) {
		FILE *f;

		if (!verbose_old[i][0] || !(f = fopen(verbose_knobs[i], "we")))
			continue;
		fputs(verbose_old[i], f);
		fclose(f);
		verbose_old[i][0] = '\0';
	}
	if (kmsg >= 0)
		close(kmsg);
	kmsg = -1;
}

static void verbose_on(void)
{
	static bool registered;

	for (size_t i = 0; i < ARRAY_LEN(verbose_knobs); i++) {
		FILE *f = fopen(verbose_knobs[i], "re");

		ck_assert_msg(f, "%s: %s", verbose_knobs[i], strerror(errno));
		if (!fgets(verbose_old[i], sizeof(verbose_old[i]), f))
			verbose_old[i][0] = '\0';
		fclose(f);
		f = fopen(verbose_knobs[i], "we");
		ck_assert_msg(f, "%s: %s", verbose_knobs[i], strerror(errno));
		fputs(i < 2 ? "1000000" : "2", f);
		fclose(f);
	}
	if (!registered)
		atexit(verbose_restore);
	registered = true;
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(kmsg, 0);
	lseek(kmsg, 0, SEEK_END);
}

/* ---- the sweep ---------------------------------------------------------------------- */

static void sweep(const struct step *st)
{
	int n, rc, err, left, fds, fds0, klog, limit = MAX_N;
	long pin, pin0;
	bool armed, disarmed;

	row = &sh->rows[sh->nrows++];
	snprintf(row->name, sizeof(row->name), "%s", st->name);
	printf("sweep: %s\n", st->name);
	fflush(stdout);
	if (!strcmp(st->name, "dev_open") && DEV_OPEN_LIMIT && !where)
		limit = DEV_OPEN_LIMIT;
	if (where || limit != MAX_N)
		verbose_on();
	S.lend_fd = !strcmp(st->name, "dev_free");
	klog = kmsg_open();
	fds0 = tu_count_fds();
	pin0 = vmpin_kb();

	up_to(st->before);
	/* what a call made without faults gives, to compare with */
	if (level >= L_CTX) {
		for (int f = 0; f < LIBIOMMU_FEAT__COUNT; f++)
			S.feat[f] = libiommu_ctx_has_feature(S.ctx, (enum libiommu_feature)f);
	}
	if (level >= L_DEV) {
		struct libiommu_coherency *c;

		S.info.sz = sizeof(S.info);
		OK(libiommu_dev_get_hw_info(S.dev, &S.info));
		OK(libiommu_coherency_get_dev(S.dev, &c));
		free(S.report);
		S.report = text_of(c);
		libiommu_coherency_free(c);
	}
	if (st->before == L_NONE) { /* ctx_new: the features of a context */
		struct libiommu_ctx *c;
		struct libiommu_ctx_opts o = ctx_opts();

		OK(libiommu_ctx_new(&o, &c));
		for (int f = 0; f < LIBIOMMU_FEAT__COUNT; f++)
			S.feat[f] = libiommu_ctx_has_feature(c, (enum libiommu_feature)f);
		libiommu_ctx_free(c);
	}
	if (!strcmp(st->name, "attach_hwpt"))
		OK(libiommu_hwpt_alloc(S.dev, S.ioas, NULL, &S.hwpt));
	fds = tu_count_fds();
	pin = vmpin_kb();
	S.probe = level >= L_CTX ? probe_ids() : 0;

	for (n = 1; n <= limit; n++) {
		row->swept = n;
		if (n == 1)
			prev_in_bind = false;
		new_ctx = SENTINEL_PTR(struct libiommu_ctx);
		new_ioas = SENTINEL_PTR(struct libiommu_ioas);
		new_dev = SENTINEL_PTR(struct libiommu_dev);
		new_hwpt = SENTINEL_PTR(struct libiommu_hwpt);
		new_kvm = SENTINEL_PTR(struct libiommu_kvm);
		new_coh = SENTINEL_PTR(struct libiommu_coherency);
		mmio = SENTINEL_PTR(void);
		iova = unmapped = 0x5e5e;
		reg = 0x5e5e;
		memset(&info, 0x5e, sizeof(info));
		info.sz = sizeof(info);
		info.type = 0x5e5e;
		log_clear();

		armed = fu_arm(fail_nth, n);
		errno = 0;
		rc = st->call();
		err = errno;
		left = fu_left(fail_nth);
		disarmed = fu_arm(fail_nth, 0);
		ck_assert_msg(armed && disarmed && left >= 0, "fail-nth: %s", strerror(errno));
		if (kmsg >= 0 && !left) {
			char site[2048];
			bool found = fault_site(site, sizeof(site));

			if (where)
				printf("  %s N=%d: %s\n", st->name, n, found ? site : "(no report)");
			if (strstr(site, "acpi_")) {
				/* the next ACPI evaluation may oops the guest: stop */
				printf("%s: fault %d is in an ACPI method evaluation: %s\nstopping here: the guest must not enable or disable a device again\n",
				       st->name, n, site);
				fflush(stdout);
				_exit(3);
			}
			/*
			 * the bound (DEV_OPEN_LIMIT) holds: its faults are the
			 * bind's.  fail-nth reports no fault in an allocation
			 * with __GFP_NOWARN (an xarray node): one right after a
			 * fault reported in the bind is the bind's too (6.12's
			 * iommufd_device_bind() has one between two reported)
			 */
			ck_assert_msg(where || found || prev_in_bind,
				      "%s, fault %d: no fault injection report to tell where it landed",
				      st->name, n);
			prev_in_bind = found && strstr(site, "iommufd_device_bind");
		}
		if (getenv("VMM_FAULT_TRACE"))
			printf("  %s N=%d rc=%d left=%d %s\n", st->name, n, rc, left, lg.msg);

		if (rc < 0) {
			ck_assert_msg(!st->no_fail, "%s, fault %d: returned %d", st->name, n, rc);
			ck_assert_msg(err == -rc, "%s, fault %d: returned %d (%s) with errno %d",
				      st->name, n, rc, strerror(-rc), err);
			ck_assert_msg(lg.count > 0 && strstr(lg.all, lg.msg) &&
					      lg.max_seen >= LIBIOMMU_LOG_ERR,
				      "%s, fault %d: failed with %s and logged nothing",
				      st->name, n, strerror(-rc));
			row->failures++;
			st->after_fail(rc);
		} else {
			ck_assert_msg(rc == 0, "%s, fault %d: returned %d", st->name, n, rc);
			row->successes++;
			st->undo();
		}
		/* back where the step started: nothing left behind */
		if (tu_count_fds() != fds || vmpin_kb() != pin ||
		    (S.probe && probe_ids() != S.probe)) {
			row->leaks++;
			ck_abort_msg("%s, fault %d (%s): %d fds before, %d after; VmPin %ld kB before, %ld kB after; the iommufd's free object ids %s",
				     st->name, n, rc ? strerror(-rc) : "succeeded", fds,
				     tu_count_fds(), pin, vmpin_kb(),
				     S.probe && probe_ids() != S.probe ? "changed: an object was left behind" : "are as before");
		}
		if (left)
			break; /* the step passed fewer than n fault points */
	}
	row->bounded = n > limit;
	row->swept = row->bounded ? limit : n;
	ck_assert_msg(n <= MAX_N, "%s: still injecting after %d faults", st->name, MAX_N);
	/* the rest of the sequence, without faults, then down to nothing */
	if (!strcmp(st->name, "attach_hwpt")) {
		OK(libiommu_hwpt_destroy(S.hwpt));
		S.hwpt = NULL;
	}
	up_to(L_ADDED);
	dma_works();
	down_to(L_NONE);
	if (S.fd >= 0) {
		for (uint32_t id = 1; id <= 64; id++) {
			struct lx_iommu_destroy d = { .size = sizeof(d), .id = id };

			if (ioctl(S.fd, LX_IOMMU_DESTROY, &d) == 0 || errno != ENOENT) {
				row->leaks++;
				ck_abort_msg("%s: iommufd object %u is left after libiommu_ctx_free",
					     st->name, id);
			}
		}
		close(S.fd);
		S.fd = -1;
	}
	if (tu_count_fds() != fds0 || vmpin_kb() != pin0) {
		row->leaks++;
		ck_abort_msg("%s: %d fds before the step, %d after; VmPin %ld kB before, %ld kB after",
			     st->name, fds0, tu_count_fds(), pin0, vmpin_kb());
	}
	row->splats = kmsg_new_bad(klog);
	close(klog);
	ck_assert_msg(!row->splats, "%s: %d new WARNING/BUG/Oops/refcount/leak line(s) in the kernel log",
		      st->name, row->splats);
	verbose_restore();
}

/* ---- the program ---------------------------------------------------------------- */

static void setup(void)
{
	fail_nth = fu_open();
	ck_assert_msg(fail_nth >= 0, "/proc/thread-self/fail-nth: %s", strerror(errno));
	S.buf = mmap(NULL, (MAP_PAGES + 1) * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(S.buf != MAP_FAILED);
	memset(S.buf, 0x5a, (MAP_PAGES + 1) * PG);
	S.memfd = memfd_create("vmm-fault", MFD_CLOEXEC);
	ck_assert_int_ge(S.memfd, 0);
	ck_assert_int_eq(ftruncate(S.memfd, (off_t)(MAP_PAGES * PG)), 0);
	memmap = mmap(NULL, MAP_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		      S.memfd, 0);
	ck_assert(memmap != MAP_FAILED);
	level = L_NONE;
}

static void teardown(void)
{
	down_to(L_NONE);
	if (S.fd >= 0)
		close(S.fd);
	S.fd = -1;
	munmap(memmap, MAP_PAGES * PG);
	close(S.memfd);
	munmap(S.buf, (MAP_PAGES + 1) * PG);
	close(fail_nth);
}

START_TEST(every_step_fails_cleanly_or_succeeds_and_leaves_a_usable_state)
{
	sweep(&steps[_i]);
}
END_TEST

/* The table; false when no fault made any step fail (fail-nth not working). */
static bool print_table(void)
{
	int tot[5] = { 0 };

	printf("\n%-20s %8s %9s %9s %6s %7s\n", "step", "N swept", "failures",
	       "successes", "leaks", "splats");
	for (int i = 0; i < sh->nrows; i++) {
		const struct row *r = &sh->rows[i];

		printf("%-20s %7d%s %9d %9d %6d %7d\n", r->name, r->swept,
		       r->bounded ? "*" : " ", r->failures, r->successes, r->leaks,
		       r->splats);
		tot[0] += r->swept;
		tot[1] += r->failures;
		tot[2] += r->successes;
		tot[3] += r->leaks;
		tot[4] += r->splats;
	}
	printf("%-20s %8d %9d %9d %6d %7d\n", "total", tot[0], tot[1], tot[2], tot[3],
	       tot[4]);
	printf("N swept: N = 1 .. the first N the step passed fewer points than (* the\n"
	       "dev_open sweep stops before pci_enable_device(): see DEV_OPEN_LIMIT);\n"
	       "leaks: fds, VmPin or iommufd objects left behind; splats: new kernel log\n"
	       "lines with WARNING, BUG, Oops, refcount, leak or KASAN.\n");
	if (sh->nrows && !tot[1])
		printf("FAIL: no injected fault made any step fail: is fail-nth working?\n");
	return !sh->nrows || tot[1];
}

/*
 * Whether the kernel has IOMMU_IOAS_MAP_FILE, as the library probes it;
 * where it has not, map_file must fail -EOPNOTSUPP naming the feature.
 * Returns nonzero when that check fails.
 */
static int check_map_file(void)
{
	struct libiommu_ctx_opts o = ctx_opts();
	struct libiommu_ctx *c = NULL;
	struct libiommu_ioas *a = NULL;
	uint64_t at = 0;
	int fd, rc, bad = 0;

	if (libiommu_ctx_new(&o, &c) != 0 || libiommu_ioas_alloc(c, NULL, &a) != 0) {
		printf("FAIL: a context and an IOAS to probe map_file: %s\n", lg.msg);
		return 1;
	}
	if (libiommu_ctx_has_feature(c, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 0) {
		have_map_file = false;
		fd = memfd_create("vmm-fault-probe", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)PG) != 0)
			bad = 1;
		rc = bad ? 0 : libiommu_ioas_map_file(a, fd, 0, PG, &at, RW);
		if (bad || rc != -EOPNOTSUPP || !strstr(lg.msg, "feature \"ioas_map_file\"")) {
			printf("FAIL: map_file on a kernel without IOMMU_IOAS_MAP_FILE: %d, \"%s\" (want -EOPNOTSUPP naming feature \"ioas_map_file\")\n",
			       rc, lg.msg);
			bad = 1;
		} else {
			printf("note: the kernel has no IOMMU_IOAS_MAP_FILE: map_file fails as it must (\"%s\"); the map_file step maps the memfd by address\n",
			       lg.msg);
		}
		if (fd >= 0)
			close(fd);
	}
	libiommu_ctx_free(c);
	return bad;
}

int main(void)
{
	bool vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	const char *only = getenv("VMM_FAULT_STEP");
	Suite *s;
	TCase *tc;
	int rc;

	if (!tu_backend_is_iommufd()) {
		printf("SKIP: the fault sweep runs on the iommufd backend (LIBIOMMU_TEST_BACKEND=%s)\n",
		       tu_backend_label());
		return TU_EXIT_SKIP;
	}
	tu_require_iommufd();
	if (edu_find(edu_path, sizeof(edu_path))) {
		printf("SKIP: no QEMU edu device (1234:11e8) bound to vfio-pci: runs in the VM tier\n");
		return TU_EXIT_SKIP;
	}
	have_kvm = access("/dev/kvm", R_OK | W_OK) == 0;
	if (!have_kvm) {
		printf("%s: no /dev/kvm: the KVM steps need it%s\n", vm ? "FAIL" : "SKIP",
		       vm ? " (the VM tier has it)" : "");
		return vm ? 1 : TU_EXIT_SKIP;
	}
	if (check_map_file())
		return 1;
	fu_setup(vm);
	where = getenv("VMM_FAULT_WHERE") && !strcmp(getenv("VMM_FAULT_WHERE"), "1");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));

	s = suite_create("vmm-fault");
	tc = tu_tcase(s, "sequence");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	for (size_t i = 0; i < ARRAY_LEN(steps); i++)
		if (!only || strstr(steps[i].name, only))
			tcase_add_loop_test(tc,
					    every_step_fails_cleanly_or_succeeds_and_leaves_a_usable_state,
					    (int)i, (int)i + 1);
	rc = tu_run(s);
	if (!print_table())
		rc = 1;
	return rc;
}
