// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A bad-input storm over every public function (VM tier).
 *
 * Every function declared LIBIOMMU_API in the public header (the list is
 * made from the header at build time: storm-api.h) gets NULL for each
 * pointer, handles of another live context, closed and unrelated fds
 * (/dev/null, a pipe, an eventfd, /dev/kvm, an iommufd where a VFIO fd is
 * wanted, ...), absurd ranges (zero, wrapping, unaligned, huge), unknown
 * flags, enum values out of range, and options and result structs of every
 * size (0, 1, sizeof(size_t) - 1, sizeof(size_t), the known size minus one,
 * the known size, larger with a zero tail, larger with a non-zero tail,
 * non-zero reserved bytes).  For every case:
 *  - no crash (each group runs in a child process; a signal is reported
 *    with the case it hit);
 *  - the return value is the negative errno the function's man page
 *    documents for that input, and errno is the positive value;
 *  - a failure is described at LIBIOMMU_LOG_ERR through the log callback of
 *    the context the call had (a NULL handle has none);
 *  - the output rule holds: a handle output is NULL on failure, and every
 *    other output is left as it was (preset with a sentinel) unless the
 *    page says otherwise;
 *  - no fd is leaked (per case, per group and over the whole program), and
 *    freeing the contexts leaves nothing in the kernel: no object on the
 *    borrowed iommufd (IOMMU_DESTROY finds none), no group in the borrowed
 *    container, no pinned page (VmPin), and the edu device can be opened
 *    again.
 * A public function without a case fails the program, so a new function
 * cannot be forgotten.
 *
 * The kernel log must not get a new WARNING, BUG or Oops line either.
 *
 * Runs on the backend of LIBIOMMU_TEST_BACKEND (tests/vm/variants runs it
 * on all three).  Needs /dev/iommu, the edu device and the iommufd selftest
 * mock (its devices are the "device of another context" and the adopted
 * device); exits 77 without them.  Diagnostics: STORM_GROUP=<name> runs the
 * groups whose name contains it, STORM_TRACE=1 prints every case before it
 * runs (to find one that hangs).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edu.h"
#include "kmodutil.h"
#include "mock.h"
#include "testutil.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"
#include "uapi/vfio.h"

/* Every LIBIOMMU_API function of include/libiommu/libiommu.h (generated). */
static const char *const api[] = {
#include "storm-api.h"
};
#define NAPI (sizeof(api) / sizeof(api[0]))

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PG ((uint64_t)sysconf(_SC_PAGESIZE))
#define SENT64 UINT64_C(0x5e5e5e5e5e5e5e5e)
#define SENT32 UINT32_C(0x5e5e5e5e)
#define SENTPTR ((void *)(uintptr_t)0x5e5e5e5e5e5e5e50)
#define SENTBYTE 0xa5
#define CLOSED_FD 999
#define MAP_IOVA UINT64_C(0x100000)   /* fixture: 2 pages, read/write */
#define RO_IOVA UINT64_C(0x200000)    /* fixture: 1 page, read only */
#define MSI_IOVA UINT64_C(0xfee00000) /* x86's interrupt window: reserved */

/* ---- bookkeeping shared with the group children ----------------------- */

struct shared {
	char cur[600]; /* the case running now (for a crash) */
	unsigned int cases[NAPI];
	unsigned int total, documented, failures, wrong, fd_leaks, leaks,
		crashes, splats;
};
static struct shared *sh;

/* A log that counts error messages; userdata of every storm context. */
struct slog {
	struct tu_log t;
	int errs;
	const char *name;
};
static struct slog lgA = { .name = "ctx A" }, lgB = { .name = "ctx B" },
		   lgC = { .name = "ctx C" }, lgN = { .name = "new ctx" },
		   lgX = { .name = "(callback without userdata)" };
static struct slog *const logs[] = { &lgA, &lgB, &lgC, &lgN, &lgX };

static void slog_cb(void *ud, enum libiommu_log_level lvl, const char *msg)
{
	struct slog *l = ud ? ud : &lgX;

	tu_log_capture(&l->t, lvl, msg);
	if (lvl == LIBIOMMU_LOG_ERR)
		l->errs++;
}

static void log_clear(struct slog *l)
{
	memset(&l->t, 0, sizeof(l->t));
	l->errs = 0;
}

/* The case being run. */
static struct {
	int api;	  /* index in api[], -1: none open */
	char what[400];	  /* arguments and note, for messages */
	int line;	  /* in this file */
	struct slog *log; /* where a failure must be described */
	bool failed;
	bool fails; /* it is to fail (want_err) */
	int fds;    /* open fds before it */
} cs = { .api = -1 };
static char note[160]; /* what a loop varies, for the next case's name */
static long rv;	       /* the last call's return value */

static int api_index(const char *fn)
{
	for (size_t i = 0; i < NAPI; i++)
		if (!strcmp(api[i], fn))
			return (int)i;
	fprintf(stderr, "storm: %s is not a public function of libiommu.h\n", fn);
	exit(2);
}

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s(%s) [storm.c:%d]: ", api[cs.api], cs.what, cs.line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (cs.log && cs.log->t.all[0])
		printf("\n  log of %s:\n%s", cs.log->name, cs.log->t.all);
	printf("\n");
	fflush(stdout);
	cs.failed = true;
}

/* Close the open case: count it, and check that it left no fd open. */
static void end_case(void)
{
	int fds;

	if (cs.api < 0)
		return;
	fds = tu_count_fds();
	if (cs.fds >= 0 && fds != cs.fds) {
		bad("%d fd(s) open before, %d after", cs.fds, fds);
		sh->fd_leaks++;
	}
	sh->total++;
	sh->cases[cs.api]++;
	if (cs.failed)
		sh->wrong++;
	else
		sh->documented++;
	if (cs.fails && !cs.failed)
		sh->failures++;
	cs.api = -1;
}

static void begin(const char *fn, const char *args, int line,
		  struct slog *log)
{
	end_case();
	cs.api = api_index(fn);
	snprintf(cs.what, sizeof(cs.what), "%s%s%s", args, note[0] ? "; " : "",
		 note);
	cs.line = line;
	cs.log = log;
	cs.failed = false;
	cs.fails = false;
	snprintf(sh->cur, sizeof(sh->cur), "%s(%s) [storm.c:%d]", fn, cs.what,
		 line);
	for (size_t i = 0; i < ARRAY_LEN(logs); i++)
		log_clear(logs[i]);
	cs.fds = tu_count_fds();
	if (getenv("STORM_TRACE")) {
		printf("case %s\n", sh->cur);
		fflush(stdout);
	}
	errno = 0;
}

/* The open case may change the fd count on purpose (captures stderr). */
static void fds_change(void)
{
	cs.fds = -1;
}

static const char *err_name(long e)
{
	static char b[64];

	snprintf(b, sizeof(b), "%ld (%s)", e, e < 0 ? strerror((int)-e) : "-");
	return b;
}

/* The call failed with @want (negative), errno set, the failure described. */
static void want_err(long rc, int err, int want, bool logged)
{
	rv = rc;
	cs.fails = true;
	if (rc != want) {
		bad("returned %s; the man page says %d (%s)", err_name(rc), want,
		    strerror(-want));
		return;
	}
	if (err != -want)
		bad("returned %d but errno is %d (%s)", want, err, strerror(err));
	if (logged && cs.log && cs.log->errs == 0)
		bad("failed with %s but logged no LIBIOMMU_LOG_ERR message to %s",
		    strerror(-want), cs.log->name);
}

static void want_val(long rc, long want)
{
	rv = rc;
	if (rc != want)
		bad("returned %s, expected %ld", err_name(rc), want);
}

static void no_error_logged(void)
{
	if (cs.log && cs.log->errs)
		bad("logged an error message; the page says it does not");
}

/* A failure with @want; @L: the log that must describe it (NULL: none). */
#define ERR(L, want, fn, ...) \
	do { \
		long r_; \
		begin(#fn, #__VA_ARGS__, __LINE__, (L)); \
		r_ = (long)fn(__VA_ARGS__); \
		want_err(r_, errno, (want), true); \
	} while (0)
/* A failure the page says is not logged at error level. */
#define ERRQ(L, want, fn, ...) \
	do { \
		long r_; \
		begin(#fn, #__VA_ARGS__, __LINE__, (L)); \
		r_ = (long)fn(__VA_ARGS__); \
		want_err(r_, errno, (want), false); \
		no_error_logged(); \
	} while (0)
/* Success with the value @want. */
#define VAL(L, want, fn, ...) \
	do { \
		begin(#fn, #__VA_ARGS__, __LINE__, (L)); \
		want_val((long)fn(__VA_ARGS__), (want)); \
	} while (0)
#define OK(L, fn, ...) VAL(L, 0, fn, __VA_ARGS__)
/* Any non-negative value. */
#define NONNEG(L, fn, ...) \
	do { \
		begin(#fn, #__VA_ARGS__, __LINE__, (L)); \
		rv = (long)fn(__VA_ARGS__); \
		if (rv < 0) \
			bad("returned %s, expected a non-negative value", err_name(rv)); \
	} while (0)
/* A call whose result the following checks look at (@T its type). */
#define CALLT(T, res, fn, ...) \
	do { \
		begin(#fn, #__VA_ARGS__, __LINE__, NULL); \
		(res) = (T)fn(__VA_ARGS__); \
	} while (0)
/* A void function documented to leave errno alone. */
#define VOID_KEEPS_ERRNO(fn, ...) \
	do { \
		begin(#fn, #__VA_ARGS__, __LINE__, NULL); \
		errno = ESRCH; \
		fn(__VA_ARGS__); \
		if (errno != ESRCH) \
			bad("changed errno to %d (%s); the page says it does not", \
			    errno, strerror(errno)); \
	} while (0)

/* An output that must not have changed, or must have become @v. */
#define SAME(x, v) \
	do { \
		if ((x) != (v)) \
			bad("%s was changed (to %#llx) though the call failed", #x, \
			    (unsigned long long)(uintptr_t)(x)); \
	} while (0)
#define IS(x, v) \
	do { \
		if ((x) != (v)) \
			bad("%s is %#llx, expected %#llx", #x, \
			    (unsigned long long)(uintptr_t)(x), \
			    (unsigned long long)(uintptr_t)(v)); \
	} while (0)
#define NULL_OUT(p) \
	do { \
		if ((p) != NULL) \
			bad("handle output %s is not NULL after a failure", #p); \
	} while (0)

#define NOTE(...) snprintf(note, sizeof(note), __VA_ARGS__)

/* ---- the fixture -------------------------------------------------------- */

static bool ifd, t1, compat; /* the backend */
static char edu_path[64];
static bool have_kvm;

static struct {
	int fdA;		      /* borrowed by ctx A */
	struct libiommu_ctx *A;	      /* the backend under test */
	struct libiommu_ioas *ioas;   /* A's IOAS, devA attached, mapped */
	struct libiommu_dev *dev;     /* the edu, in A */
	struct libiommu_hwpt *hwpt;   /* iommufd: paging HWPT of A for the edu */
	struct libiommu_ioas *ioasM;  /* iommufd: A's IOAS of the mock device */
	struct mock_dev md;	      /* ... which is */
	struct libiommu_dev *adopted; /* ... adopted in A (no fd) */
	struct libiommu_hwpt *parent; /* nest parent of it (mock) */
	struct libiommu_hwpt *nested; /* nested in parent (mock) */
	struct libiommu_hwpt *dirty;  /* mock HWPT with dirty tracking */
	struct libiommu_ctx *B;	      /* another context (iommufd) */
	struct libiommu_ioas *ioasB;
	struct mock_dev mdB;
	struct libiommu_dev *devB; /* B's adopted mock device */
	struct libiommu_hwpt *hwptB;
	struct libiommu_kvm *kvmB;
	struct libiommu_ctx *C; /* a fresh context of A's backend */
	int vmA, vmB;
	struct libiommu_kvm *kvm;
	struct libiommu_coherency *coh;
	uint8_t *buf;	/* 4 pages, read/write, faulted in */
	uint8_t *robuf; /* 1 page, read only */
	uint8_t *hole;	/* 1 page, PROT_NONE */
	int memfd;	/* 4 pages */
	int memfd_ro;	/* the same file, read only */
	int sealed;	/* 2 pages, F_SEAL_WRITE */
} F;

/* Unrelated fds, with what each is. */
enum { U_NEG,
       U_CLOSED,
       U_NULL,
       U_PIPE_R,
       U_PIPE_W,
       U_EVENTFD,
       U_KVM,
       U_IOMMUFD,
       U_CONTAINER,
       U_DIR,
       U_MEMFD,
       U__COUNT };
static const char *const ufd_name[U__COUNT] = {
	"fd -1",
	"a closed fd",
	"/dev/null",
	"a pipe's read end",
	"a pipe's write end",
	"an eventfd",
	"/dev/kvm",
	"an iommufd",
	"a VFIO container",
	"a directory",
	"a memfd",
};
static int ufd[U__COUNT];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: fixture: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static struct libiommu_ctx_opts opts_for(struct slog *l, enum libiommu_backend b)
{
	struct libiommu_ctx_opts o = {
		.sz = sizeof(o),
		.log_fn = slog_cb,
		.log_userdata = l,
		.log_level = LIBIOMMU_LOG_DEBUG,
		.backend = b,
	};
	return o;
}

static const char *node_of(enum libiommu_backend b)
{
	return b == LIBIOMMU_BACKEND_TYPE1 ? "/dev/vfio/vfio" : "/dev/iommu";
}

#define FIX(expr) \
	do { \
		int r_ = (expr); \
		if (r_ < 0) \
			die("%s: %s", #expr, strerror(-r_)); \
	} while (0)

static void *xmmap(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	return p;
}

static int xmemfd(const char *name, size_t len, unsigned int flags)
{
	int fd = memfd_create(name, MFD_CLOEXEC | flags);

	if (fd < 0 || ftruncate(fd, (off_t)len))
		die("memfd %s: %s", name, strerror(errno));
	return fd;
}

static void setup(void)
{
	struct libiommu_ctx_opts o;
	struct libiommu_hwpt_opts ho;
	uint32_t mockdata[2] = { 0, 0 };
	char p[64];
	int pfd[2];
	uint64_t iova;

	memset(&F, 0, sizeof(F));
	F.vmA = F.vmB = -1;
	F.buf = xmmap(4 * PG, PROT_READ | PROT_WRITE);
	memset(F.buf, 0x5a, 4 * PG);
	F.robuf = xmmap(PG, PROT_READ);
	F.hole = xmmap(PG, PROT_NONE);
	F.memfd = xmemfd("storm", 4 * PG, 0);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", F.memfd);
	F.memfd_ro = open(p, O_RDONLY | O_CLOEXEC);
	F.sealed = xmemfd("storm-sealed", 2 * PG, MFD_ALLOW_SEALING);
	if (F.memfd_ro < 0 || fcntl(F.sealed, F_ADD_SEALS, F_SEAL_WRITE))
		die("memfds: %s", strerror(errno));

	ufd[U_NEG] = -1;
	ufd[U_CLOSED] = CLOSED_FD;
	if (fcntl(CLOSED_FD, F_GETFD) >= 0)
		die("fd %d is open", CLOSED_FD);
	ufd[U_NULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (pipe2(pfd, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	ufd[U_PIPE_R] = pfd[0];
	ufd[U_PIPE_W] = pfd[1];
	ufd[U_EVENTFD] = eventfd(0, EFD_CLOEXEC);
	ufd[U_KVM] = open(have_kvm ? "/dev/kvm" : "/dev/zero", O_RDWR | O_CLOEXEC);
	ufd[U_IOMMUFD] = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ufd[U_CONTAINER] = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ufd[U_DIR] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ufd[U_MEMFD] = F.memfd;
	for (int i = U_NULL; i < U__COUNT; i++)
		if (ufd[i] < 0)
			die("opening %s: %s", ufd_name[i], strerror(errno));

	/* A: the backend under test, on an fd it borrows (checked after). */
	F.fdA = open(node_of(tu_backend()), O_RDWR | O_CLOEXEC);
	if (F.fdA < 0)
		die("open %s: %s", node_of(tu_backend()), strerror(errno));
	o = opts_for(&lgA, tu_backend());
	FIX(libiommu_ctx_new_from_fd(F.fdA, LIBIOMMU_FD_BORROW, &o, &F.A));
	FIX(libiommu_ioas_alloc(F.A, NULL, &F.ioas));
	FIX(libiommu_dev_open(F.A, edu_path, NULL, &F.dev));
	FIX(libiommu_dev_attach_ioas(F.dev, F.ioas));
	iova = MAP_IOVA;
	FIX(libiommu_ioas_map(F.ioas, F.buf, 2 * PG, &iova,
			      LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
				      LIBIOMMU_MAP_FIXED_IOVA));
	iova = RO_IOVA;
	FIX(libiommu_ioas_map(F.ioas, F.robuf, PG, &iova,
			      LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA));
	FIX(libiommu_coherency_get_dev(F.dev, &F.coh));
	if (ifd) {
		FIX(libiommu_hwpt_alloc(F.dev, F.ioas, NULL, &F.hwpt));
		FIX(libiommu_ioas_alloc(F.A, NULL, &F.ioasM));
		FIX(mock_attach(F.fdA, libiommu_ioas_id(F.ioasM), &F.md));
		FIX(libiommu_dev_adopt_id(F.A, F.md.idev_id, &F.adopted));
		ho = LIBIOMMU_OPTS(libiommu_hwpt_opts,
				   .flags = LIBIOMMU_HWPT_NEST_PARENT);
		FIX(libiommu_hwpt_alloc(F.adopted, F.ioasM, &ho, &F.parent));
		ho = LIBIOMMU_OPTS(libiommu_hwpt_opts, .data_type = MOCK_HWPT_DATA_TYPE,
				   .data = mockdata, .data_len = MOCK_NESTED_DATA_LEN);
		FIX(libiommu_hwpt_alloc_nested(F.adopted, F.parent, &ho, &F.nested));
		ho = LIBIOMMU_OPTS(libiommu_hwpt_opts,
				   .flags = LIBIOMMU_HWPT_DIRTY_TRACKING);
		FIX(libiommu_hwpt_alloc(F.adopted, F.ioasM, &ho, &F.dirty));
	}

	/* B: another live context (iommufd, its own fd). */
	o = opts_for(&lgB, LIBIOMMU_BACKEND_IOMMUFD);
	FIX(libiommu_ctx_new(&o, &F.B));
	FIX(libiommu_ioas_alloc(F.B, NULL, &F.ioasB));
	FIX(mock_attach(libiommu_ctx_fd(F.B), libiommu_ioas_id(F.ioasB), &F.mdB));
	FIX(libiommu_dev_adopt_id(F.B, F.mdB.idev_id, &F.devB));
	FIX(libiommu_hwpt_alloc(F.devB, F.ioasB, NULL, &F.hwptB));

	/* C: a fresh context of A's backend (no IOAS yet). */
	o = opts_for(&lgC, tu_backend());
	FIX(libiommu_ctx_new(&o, &F.C));

	if (have_kvm) {
		F.vmA = ku_kvm_new_vm();
		F.vmB = ku_kvm_new_vm();
		FIX(libiommu_kvm_new(F.A, F.vmA, NULL, &F.kvm));
		FIX(libiommu_kvm_new(F.B, F.vmB, NULL, &F.kvmB));
	}
	for (size_t i = 0; i < ARRAY_LEN(logs); i++)
		log_clear(logs[i]);
}

/* What the fixture promised still holds: the failed calls changed nothing. */
static void fixture_intact(void)
{
	struct libiommu_ioas *a = NULL;
	struct libiommu_hwpt *h = SENTPTR;
	uint64_t n = 0;

	VAL(&lgA, 1, libiommu_dev_get_attached, F.dev, LIBIOMMU_NO_PASID, &a, &h, NULL);
	IS(a, F.ioas);
	IS(h, NULL);
	OK(&lgA, libiommu_ioas_unmap, F.ioas, MAP_IOVA, 2 * PG, &n);
	IS(n, 2 * PG);
	OK(&lgA, libiommu_ioas_unmap, F.ioas, RO_IOVA, PG, &n);
	IS(n, PG);
}

static long vmpin_kb(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPin:", 6))
			v = atol(line + 6);
	fclose(f);
	return v;
}

static void leak(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void leak(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: leak: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	sh->leaks++;
}

/*
 * Free everything, then look for what the storm may have left in the
 * kernel behind A's borrowed fd.
 */
static void teardown(void)
{
	struct libiommu_ctx_opts o;
	struct libiommu_ctx *c = NULL;
	struct libiommu_dev *d = NULL;
	uint32_t compat_ioas = 0;
	int rc;

	end_case();
	libiommu_coherency_free(F.coh);
	/* what the test made through A's raw fd: not the library's to free */
	if (ifd && F.md.stdev_id && mock_detach(F.fdA, &F.md))
		leak("mock_detach: %s", strerror(errno));
	libiommu_ctx_free(F.A);
	libiommu_ctx_free(F.B);
	libiommu_ctx_free(F.C);
	if (F.vmA >= 0)
		close(F.vmA);
	if (F.vmB >= 0)
		close(F.vmB);

	if (!t1) {
		struct lx_iommu_vfio_ioas v = { .size = sizeof(v),
						.op = LX_IOMMU_VFIO_IOAS_GET };

		if (compat && ioctl(F.fdA, LX_IOMMU_VFIO_IOAS, &v) == 0) {
			struct lx_iommu_ioas_unmap u = { .size = sizeof(u),
							 .ioas_id = v.ioas_id,
							 .length = UINT64_MAX };

			/* the compat IOAS is the kernel's: it must be empty */
			compat_ioas = v.ioas_id;
			if (ioctl(F.fdA, LX_IOMMU_IOAS_UNMAP, &u) == 0 && u.length)
				leak("%llu bytes left mapped in the compat IOAS after libiommu_ctx_free",
				     (unsigned long long)u.length);
		}
		for (uint32_t id = 1; id <= 1024; id++) {
			struct lx_iommu_destroy dc = { .size = sizeof(dc), .id = id };

			if (id == compat_ioas)
				continue;
			if (ioctl(F.fdA, LX_IOMMU_DESTROY, &dc) == 0 || errno != ENOENT)
				leak("iommufd object %u still exists after libiommu_ctx_free (IOMMU_DESTROY: %s)",
				     id, errno == ENOENT ? "destroyed now" : strerror(errno));
		}
	} else {
		struct lx_vfio_iommu_type1_info info = { .argsz = sizeof(info) };

		/* with no group left, the container has no IOMMU */
		if (ioctl(F.fdA, LX_VFIO_IOMMU_GET_INFO, &info) == 0)
			leak("the container still has an IOMMU (a VFIO group) after libiommu_ctx_free");
	}
	close(F.fdA);
	for (int i = U_NULL; i < U__COUNT; i++)
		if (i != U_MEMFD)
			close(ufd[i]);
	close(F.memfd);
	close(F.memfd_ro);
	close(F.sealed);
	munmap(F.buf, 4 * PG);
	munmap(F.robuf, PG);
	munmap(F.hole, PG);

	/* Nothing holds the edu device: it opens in a new context. */
	o = opts_for(&lgN, tu_backend());
	rc = libiommu_ctx_new(&o, &c);
	if (rc == 0)
		rc = libiommu_dev_open(c, edu_path, NULL, &d);
	if (rc)
		leak("the edu device cannot be opened again after the storm: %s; log:\n%s",
		     strerror(-rc), lgN.t.all);
	libiommu_ctx_free(c);
}

/* ---- options and result structs of every size ----------------------------- */

/* Room for any struct of the API, and more. */
union rawbuf {
	size_t sz;
	uint64_t align;
	unsigned char b[512];
};

enum { SZ_BAD = 1,
       SZ_TAIL = 2,
       SZ_RESERVED = 3,
       SZ_OK = 4 };

struct sizecase {
	size_t sz;
	int kind;      /* SZ_* */
	size_t poison; /* SZ_TAIL/SZ_RESERVED: the non-zero byte */
};

/*
 * The sizes to try for a struct whose meaningful part ends at @known and
 * whose sizeof is @full: too small for sz itself (EINVAL), an older
 * caller's, exactly ours, a newer caller's with a zero tail (accepted) and
 * with a non-zero one (E2BIG), and non-zero reserved or padding bytes.
 */
static size_t sizes(size_t known, size_t full, struct sizecase *c)
{
	size_t n = 0;

	c[n++] = (struct sizecase){ 0, SZ_BAD, 0 };
	c[n++] = (struct sizecase){ 1, SZ_BAD, 0 };
	c[n++] = (struct sizecase){ sizeof(size_t) - 1, SZ_BAD, 0 };
	c[n++] = (struct sizecase){ sizeof(size_t), SZ_OK, 0 };
	if (known - 1 > sizeof(size_t))
		c[n++] = (struct sizecase){ known - 1, SZ_OK, 0 };
	c[n++] = (struct sizecase){ known, SZ_OK, 0 };
	if (full > known) {
		c[n++] = (struct sizecase){ full, SZ_OK, 0 };
		c[n++] = (struct sizecase){ full, SZ_RESERVED, known };
		c[n++] = (struct sizecase){ full, SZ_RESERVED, full - 1 };
	}
	c[n++] = (struct sizecase){ full + 24, SZ_OK, 0 };
	c[n++] = (struct sizecase){ full + 24, SZ_TAIL, full };
	c[n++] = (struct sizecase){ full + 24, SZ_TAIL, full + 23 };
	return n;
}

/* @u holds @src (of @full bytes) with sz and the poison of @c. */
static void *opts_of(union rawbuf *u, const void *src, size_t full,
		     const struct sizecase *c)
{
	memset(u, 0, sizeof(*u));
	memcpy(u->b, src, full);
	u->sz = c->sz;
	if (c->kind == SZ_TAIL || c->kind == SZ_RESERVED)
		u->b[c->poison] = 0x01;
	NOTE("sz %zu%s%s", c->sz,
	     c->kind == SZ_TAIL ? ", a non-zero byte past the struct" : "",
	     c->kind == SZ_RESERVED ? ", a non-zero reserved or padding byte" : "");
	return u;
}

/* What an options struct of case @c must give, when all else gives @ok. */
static int opts_want(const struct sizecase *c, int ok)
{
	return c->kind == SZ_BAD ? -EINVAL : c->kind == SZ_OK ? ok
							      : -E2BIG;
}

/* A result struct of @sz bytes in @u, the rest of @u a sentinel. */
static void *result_of(union rawbuf *u, size_t sz)
{
	memset(u, SENTBYTE, sizeof(*u));
	u->sz = sz;
	NOTE("sz %zu", sz);
	return u;
}

/*
 * After a call with a result struct of u->sz bytes: bytes past sz are the
 * caller's (never written); on success the bytes between @known and sz are
 * zero; on failure nothing after sz itself was written (@from: 8), unless
 * the page says the result is filled on failure (@from: the caller's sz).
 */
static void result_check(const union rawbuf *u, size_t known, bool ok,
			 size_t from)
{
	size_t sz = u->sz, i;

	if (sz < sizeof(size_t))
		from = sizeof(size_t);
	for (i = ok ? sz : from; i < sizeof(u->b); i++)
		if (u->b[i] != SENTBYTE) {
			bad("byte %zu of the result struct (sz %zu) was written%s", i, sz,
			    i >= sz ? ", past the caller's struct" : " though the call failed");
			return;
		}
	for (i = known; ok && i < sz; i++)
		if (u->b[i]) {
			bad("byte %zu of the result struct (sz %zu) is not zero: it is past what this libiommu knows (%zu)",
			    i, sz, known);
			return;
		}
}

/* ---- the cases ------------------------------------------------------------------ */

#define OFFEND(type, f) (offsetof(type, f) + sizeof(((type *)0)->f))
#define RW (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)
#define FIXED LIBIOMMU_MAP_FIXED_IOVA
#define ANS_UNKNOWN LIBIOMMU_COHERENCY_ANSWER_UNKNOWN

/* Names of enum values and types: in range a string, out of range NULL. */
static void names_case(const char *fn, const char *s, bool known, int line)
{
	(void)fn;
	if (known && !s)
		bad("returned NULL for a known value [line %d]", line);
	if (!known && s)
		bad("returned \"%s\" for an unknown value [line %d]", s, line);
}

#define NAME(fn, v, known) \
	do { \
		const char *s_; \
		NOTE("value %lld", (long long)(v)); \
		CALLT(const char *, s_, fn, v); \
		names_case(#fn, s_, known, __LINE__); \
	} while (0)

static void storm_pure(void)
{
	static const int out_of_range[] = { -1, INT_MAX, INT_MIN, 1000 };
	const char *s;
	char text[256];
	size_t len;
	union rawbuf u;
	struct sizecase sc[16];
	size_t n, i;
	uint64_t vtd[4] = { 0, 0x00c9008020660462ull, 0x00f00f5aull, 0 };
	enum libiommu_coherency_answer ans;
	enum libiommu_coherency_reason reason;
	enum libiommu_coherency_source src;
	uint32_t count;

	CALLT(const char *, s, libiommu_version);
	if (!s || strcmp(s, PACKAGE_VERSION))
		bad("returned \"%s\", not \"%s\"", s ? s : "(null)", PACKAGE_VERSION);

	/* the stderr callback: any level, any message, errno kept */
	for (i = 0; i < 4; i++) {
		static const int lv[] = { 0, 99, -1, LIBIOMMU_LOG_ERR };

		NOTE("level %d", lv[i]);
		end_case();
		tu_stderr_begin();
		VOID_KEEPS_ERRNO(libiommu_log_stderr, NULL,
				 (enum libiommu_log_level)lv[i], "storm");
		fds_change();
		len = tu_stderr_end(text, sizeof(text));
		if (!len || !strstr(text, "storm"))
			bad("wrote \"%s\" to stderr", text);
		if (lv[i] != LIBIOMMU_LOG_ERR && !strstr(text, "unknown"))
			bad("level %d is not named \"unknown\": \"%s\"", lv[i], text);
	}
	end_case();
	tu_stderr_begin();
	VOID_KEEPS_ERRNO(libiommu_log_stderr, &lgA, LIBIOMMU_LOG_WARN, NULL);
	fds_change();
	tu_stderr_end(text, sizeof(text));

	for (i = 0; i < 8; i++) {
		static const int lv[] = { 3, 4, 6, 7, 0, 5, 8, -1 };

		NOTE("level %d", lv[i]);
		CALLT(const char *, s, libiommu_log_level_name,
		      (enum libiommu_log_level)lv[i]);
		if (!s || (i >= 4 && strcmp(s, "unknown")))
			bad("returned \"%s\"", s ? s : "(null)");
	}
	CALLT(const char *, s, libiommu_last_error, );
	if (!s)
		bad("returned NULL");
	for (i = 0; i < ARRAY_LEN(out_of_range); i++) {
		int v = out_of_range[i];

		NAME(libiommu_log_level_name, (enum libiommu_log_level)v, true);
		NAME(libiommu_backend_name, (enum libiommu_backend)v, false);
		NAME(libiommu_feature_name, (enum libiommu_feature)v, false);
		NAME(libiommu_coherency_answer_name, (enum libiommu_coherency_answer)v, false);
		NAME(libiommu_coherency_source_name, (enum libiommu_coherency_source)v, false);
		NAME(libiommu_coherency_change_name, (enum libiommu_coherency_change)v, false);
		NAME(libiommu_coherency_verdict_name, (enum libiommu_coherency_verdict)v, false);
		NAME(libiommu_coherency_reason_str, (enum libiommu_coherency_reason)v, false);
	}
	for (i = 0; i <= 4; i++)
		NAME(libiommu_backend_name, (enum libiommu_backend)i, i < 4);
	for (i = 0; i <= LIBIOMMU_FEAT__COUNT; i++)
		NAME(libiommu_feature_name, (enum libiommu_feature)i,
		     i < LIBIOMMU_FEAT__COUNT);
	for (i = 0; i <= 4; i++)
		NAME(libiommu_coherency_answer_name, (enum libiommu_coherency_answer)i, i < 4);
	for (i = 0; i <= LIBIOMMU_COHERENCY_SOURCE__COUNT; i++)
		NAME(libiommu_coherency_source_name, (enum libiommu_coherency_source)i,
		     i < LIBIOMMU_COHERENCY_SOURCE__COUNT);
	for (i = 0; i <= LIBIOMMU_COHERENCY_CHANGE__COUNT; i++)
		NAME(libiommu_coherency_change_name, (enum libiommu_coherency_change)i,
		     i < LIBIOMMU_COHERENCY_CHANGE__COUNT);
	for (i = 0; i <= 4; i++)
		NAME(libiommu_coherency_verdict_name, (enum libiommu_coherency_verdict)i,
		     i < 4);
	for (i = 0; i <= LIBIOMMU_COHERENCY_REASON__COUNT; i++)
		NAME(libiommu_coherency_reason_str, (enum libiommu_coherency_reason)i,
		     i < LIBIOMMU_COHERENCY_REASON__COUNT);
	{
		static const uint32_t types[] = { 1, 2, 3, 4, 0xfeedbeef, 5, 0xffffffff,
						  0xdead };

		for (i = 0; i < ARRAY_LEN(types); i++) {
			NOTE("type %#x", types[i]);
			begin("libiommu_hw_type_name", "type", __LINE__, NULL);
			errno = ESRCH;
			s = libiommu_hw_type_name(types[i]);
			if (errno != ESRCH)
				bad("changed errno; the page says it does not");
			names_case("", s, i < 5, __LINE__);
		}
	}

	/* decoding hardware info: no context, result struct of every size */
	ERR(NULL, -EINVAL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_INTEL_VTD,
	    vtd, sizeof(vtd), NULL);
	n = sizes(sizeof(struct libiommu_hw_info), sizeof(struct libiommu_hw_info), sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue; /* a result struct's tail is ours to write */
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_BAD) {
			ERR(NULL, -EINVAL, libiommu_hw_info_decode,
			    LIBIOMMU_HW_TYPE_INTEL_VTD, vtd, sizeof(vtd), (void *)&u);
			result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
		} else {
			OK(NULL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_INTEL_VTD,
			   vtd, sizeof(vtd), (void *)&u);
			result_check(&u, sizeof(struct libiommu_hw_info), true, 0);
		}
	}
	result_of(&u, sizeof(struct libiommu_hw_info));
	ERR(NULL, -EINVAL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_INTEL_VTD,
	    NULL, 16, (void *)&u);
	result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
	ERR(NULL, -EINVAL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_INTEL_VTD,
	    NULL, 0, (void *)&u);
	result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
	ERR(NULL, -EINVAL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_INTEL_VTD,
	    vtd, 4, (void *)&u);
	result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
	ERR(NULL, -EINVAL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_AMD, vtd, 1,
	    (void *)&u);
	result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
	/* an unknown type is still filled in, as the page says */
	result_of(&u, sizeof(struct libiommu_hw_info));
	ERR(NULL, -EOPNOTSUPP, libiommu_hw_info_decode, 0x1234, vtd, sizeof(vtd),
	    (void *)&u);
	{
		struct libiommu_hw_info *hi = (void *)&u;

		IS(hi->type, 0x1234);
		IS(hi->data_len, sizeof(vtd));
		IS(hi->regs.raw[1], vtd[1]);
	}
	result_of(&u, sizeof(struct libiommu_hw_info));
	ERR(NULL, -EOPNOTSUPP, libiommu_hw_info_decode, 0xffffffff, NULL, 0,
	    (void *)&u);
	result_of(&u, sizeof(struct libiommu_hw_info));
	OK(NULL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_NONE, NULL, 0, (void *)&u);
	result_check(&u, sizeof(struct libiommu_hw_info), true, 0);
	result_of(&u, sizeof(struct libiommu_hw_info));
	OK(NULL, libiommu_hw_info_decode, LIBIOMMU_HW_TYPE_INTEL_VTD, vtd, SIZE_MAX,
	   (void *)&u);

	/* the report's functions on a NULL report */
	VOID_KEEPS_ERRNO(libiommu_coherency_free, NULL);
	CALLT(const char *, s, libiommu_coherency_name, NULL);
	if (!s || *s)
		bad("returned \"%s\", the page says \"\"", s ? s : "(null)");
	VAL(NULL, 0, libiommu_coherency_nr_members, NULL);
	{
		const struct libiommu_coherency *m;

		CALLT(const struct libiommu_coherency *, m, libiommu_coherency_member,
		      NULL, 0);
		IS(m, NULL);
		IS(errno, EINVAL);
	}
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_iommu_can_block, NULL);
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_iommu_blocks, NULL);
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_dev_nosnoop, NULL);
	VAL(NULL, 0, libiommu_coherency_box, NULL);
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_dma_coherent, NULL);
	ans = (enum libiommu_coherency_answer)SENT32;
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_kvm_wbinvd, NULL, &ans);
	IS(ans, ANS_UNKNOWN);
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_kvm_wbinvd, NULL, NULL);
	VAL(NULL, LIBIOMMU_COHERENCY_POLICY_UNKNOWN, libiommu_coherency_default_policy, NULL);
	count = SENT32;
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_kvm_noncoherent, NULL, &count);
	IS(count, 0);
	VAL(NULL, ANS_UNKNOWN, libiommu_coherency_kvm_hazard, NULL);
	ans = (enum libiommu_coherency_answer)SENT32;
	VAL(NULL, 0, libiommu_coherency_hwpt_id, NULL, &ans);
	IS(ans, ANS_UNKNOWN);
	s = SENTPTR;
	CALLT(enum libiommu_coherency_source, src, libiommu_coherency_source, NULL,
	      LIBIOMMU_COHERENCY_FIELD_BOX, &s);
	IS(errno, EINVAL);
	IS(src, LIBIOMMU_COHERENCY_SOURCE_NONE);
	if (s == SENTPTR || !s || *s)
		bad("*detail is not \"\"");
	reason = (enum libiommu_coherency_reason)SENT32;
	s = SENTPTR;
	VAL(NULL, LIBIOMMU_COHERENCY_VERDICT_UNKNOWN, libiommu_coherency_change, NULL,
	    LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE, &reason, &s);
	IS(errno, EINVAL);
	IS(reason, LIBIOMMU_COHERENCY_REASON_NONE);
	if (s == SENTPTR || !s || *s)
		bad("*text is not \"\"");
	memset(text, SENTBYTE, sizeof(text));
	ERR(NULL, -EINVAL, libiommu_coherency_format, NULL, text, sizeof(text));
	IS((unsigned char)text[0], SENTBYTE);
	ERR(NULL, -EINVAL, libiommu_coherency_format, NULL, NULL, 0);
	ERR(NULL, -EINVAL, libiommu_coherency_write, NULL, 1);
	ERR(NULL, -EINVAL, libiommu_coherency_write, NULL, -1);
}

static void storm_ctx(void)
{
	struct libiommu_ctx_opts o = opts_for(&lgN, tu_backend()), oo;
	struct libiommu_ctx *c;
	struct sizecase sc[16];
	enum libiommu_memlock_mode m;
	union rawbuf u;
	size_t n, i;
	int want, node, fd;

	/* libiommu_ctx_new */
	ERR(NULL, -EINVAL, libiommu_ctx_new, NULL, NULL);
	ERR(&lgN, -EINVAL, libiommu_ctx_new, &o, NULL);
	n = sizes(OFFEND(struct libiommu_ctx_opts, backend), sizeof(o), sc);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &o, sizeof(o), &sc[i]);
		/* the callback and its userdata reach as far as the caller's sz */
		struct slog *l = sc[i].sz >= OFFEND(struct libiommu_ctx_opts, log_userdata) ? &lgN
				 : sc[i].sz >= OFFEND(struct libiommu_ctx_opts, log_fn)	    ? &lgX
											    : NULL;

		c = SENTPTR;
		want = opts_want(&sc[i], 0);
		if (want) {
			ERR(l, want, libiommu_ctx_new, op, &c);
			NULL_OUT(c);
		} else {
			OK(l, libiommu_ctx_new, op, &c);
			libiommu_ctx_free(c);
		}
	}
	note[0] = 0;
	for (i = 0; i < 4; i++) {
		static const int bk[] = { 4, -1, INT_MAX, 1000 };

		oo = o;
		oo.backend = (enum libiommu_backend)bk[i];
		c = SENTPTR;
		NOTE("backend %d", bk[i]);
		ERR(&lgN, -EINVAL, libiommu_ctx_new, &oo, &c);
		NULL_OUT(c);
	}
	{
		static const struct {
			const char *path;
			int want;
		} paths[] = {
			{ "/nonexistent/iommu", -ENOENT },
			{ "", -ENOENT },
			{ "/", -EISDIR },
			{ "/dev/null", -ENOTTY },
			{ "/dev/kvm", -ENOTTY },
			{ "/proc/self/status", -ENOTTY },
		};

		for (i = 0; i < ARRAY_LEN(paths); i++) {
			if (!have_kvm && !strcmp(paths[i].path, "/dev/kvm"))
				continue;
			oo = o;
			oo.path = paths[i].path;
			c = SENTPTR;
			NOTE("path \"%s\"", paths[i].path);
			ERR(&lgN, paths[i].want, libiommu_ctx_new, &oo, &c);
			NULL_OUT(c);
		}
		/* the other kind of node than the backend needs */
		oo = o;
		oo.path = t1 ? "/dev/iommu" : "/dev/vfio/vfio";
		c = SENTPTR;
		NOTE("path %s", oo.path);
		ERR(&lgN, -ENOTTY, libiommu_ctx_new, &oo, &c);
		NULL_OUT(c);
	}

	/* libiommu_ctx_new_from_fd */
	end_case();
	node = open(node_of(tu_backend()), O_RDWR | O_CLOEXEC);
	if (node < 0)
		die("open %s: %s", node_of(tu_backend()), strerror(errno));
	ERR(&lgN, -EINVAL, libiommu_ctx_new_from_fd, node, LIBIOMMU_FD_BORROW, &o, NULL);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &o, sizeof(o), &sc[i]);
		struct slog *l = sc[i].sz >= OFFEND(struct libiommu_ctx_opts, log_userdata) ? &lgN
				 : sc[i].sz >= OFFEND(struct libiommu_ctx_opts, log_fn)	    ? &lgX
											    : NULL;

		c = SENTPTR;
		want = opts_want(&sc[i], 0);
		/* AUTO (an older caller's sz) takes the node for what it is */
		if (want) {
			ERR(l, want, libiommu_ctx_new_from_fd, node, LIBIOMMU_FD_OWN, op, &c);
			NULL_OUT(c);
		} else {
			OK(l, libiommu_ctx_new_from_fd, node, LIBIOMMU_FD_BORROW, op, &c);
			libiommu_ctx_free(c);
		}
		if (fcntl(node, F_GETFD) < 0)
			bad("the fd was closed");
	}
	note[0] = 0;
	for (i = 0; i < 3; i++) {
		static const int md[] = { 2, -1, INT_MAX };

		c = SENTPTR;
		NOTE("mode %d", md[i]);
		ERR(&lgN, -EINVAL, libiommu_ctx_new_from_fd, node,
		    (enum libiommu_fd_mode)md[i], &o, &c);
		NULL_OUT(c);
	}
	end_case();
	close(node);
	for (i = 0; i < U__COUNT; i++) {
		bool good = (i == U_IOMMUFD && !t1) || (i == U_CONTAINER && t1);

		fd = ufd[i];
		c = SENTPTR;
		NOTE("%s", ufd_name[i]);
		if (good) {
			OK(&lgN, libiommu_ctx_new_from_fd, fd, LIBIOMMU_FD_BORROW, &o, &c);
			libiommu_ctx_free(c);
			continue;
		}
		ERR(&lgN, i <= U_CLOSED ? -EBADF : -ENOTTY, libiommu_ctx_new_from_fd, fd,
		    LIBIOMMU_FD_OWN, &o, &c);
		NULL_OUT(c);
		if (i > U_CLOSED && fcntl(fd, F_GETFD) < 0)
			bad("the owned fd was closed on failure");
	}
	NOTE("the edu's VFIO device fd");
	c = SENTPTR;
	ERR(&lgN, -ENOTTY, libiommu_ctx_new_from_fd, libiommu_dev_fd(F.dev),
	    LIBIOMMU_FD_BORROW, &o, &c);
	NULL_OUT(c);

	VOID_KEEPS_ERRNO(libiommu_ctx_free, NULL);
	ERR(NULL, -EINVAL, libiommu_ctx_fd, NULL);
	VAL(&lgA, F.fdA, libiommu_ctx_fd, F.A);
	ERR(NULL, -EINVAL, libiommu_ctx_backend, NULL);
	VAL(&lgA, tu_backend(), libiommu_ctx_backend, F.A);
	VOID_KEEPS_ERRNO(libiommu_ctx_set_log, NULL, slog_cb, &lgC, LIBIOMMU_LOG_DEBUG);
	/* silenced, then any level passes everything */
	VOID_KEEPS_ERRNO(libiommu_ctx_set_log, F.C, NULL, &lgC, LIBIOMMU_LOG_DEBUG);
	ERRQ(&lgC, -EINVAL, libiommu_ctx_has_feature, F.C, (enum libiommu_feature) - 1);
	VOID_KEEPS_ERRNO(libiommu_ctx_set_log, F.C, slog_cb, &lgC,
			 (enum libiommu_log_level)99);
	ERR(&lgC, -EINVAL, libiommu_ctx_has_feature, F.C, (enum libiommu_feature) - 1);
	VOID_KEEPS_ERRNO(libiommu_ctx_set_log, F.C, slog_cb, &lgC,
			 (enum libiommu_log_level)0);
	ERR(&lgC, -EINVAL, libiommu_ctx_has_feature, F.C, (enum libiommu_feature) - 1);
	VOID_KEEPS_ERRNO(libiommu_ctx_set_log, F.C, slog_cb, &lgC, LIBIOMMU_LOG_DEBUG);

	/* features */
	ERR(NULL, -EINVAL, libiommu_ctx_has_feature, NULL, LIBIOMMU_FEAT_IOAS);
	for (i = 0; i < 4; i++) {
		static const int ft[] = { -1, LIBIOMMU_FEAT__COUNT, INT_MAX, 64 };

		NOTE("feature %d", ft[i]);
		ERR(&lgA, -EINVAL, libiommu_ctx_has_feature, F.A, (enum libiommu_feature)ft[i]);
	}
	for (i = 0; i < LIBIOMMU_FEAT__COUNT; i++) {
		NOTE("feature %zu", i);
		NONNEG(&lgA, libiommu_ctx_has_feature, F.A, (enum libiommu_feature)i);
	}

	/* the memlock accounting mode */
	ERR(NULL, -EINVAL, libiommu_ctx_set_memlock_mode, NULL, LIBIOMMU_MEMLOCK_USER);
	for (i = 0; i < 3; i++) {
		static const int md[] = { 2, -1, INT_MAX };

		NOTE("mode %d", md[i]);
		ERR(&lgA, -EINVAL, libiommu_ctx_set_memlock_mode, F.A,
		    (enum libiommu_memlock_mode)md[i]);
	}
	/* objects exist already (iommufd), or no such option (legacy) */
	ERR(&lgA, ifd ? -EBUSY : -EOPNOTSUPP, libiommu_ctx_set_memlock_mode, F.A,
	    LIBIOMMU_MEMLOCK_MM);
	m = (enum libiommu_memlock_mode)SENT32;
	ERR(NULL, -EINVAL, libiommu_ctx_get_memlock_mode, NULL, &m);
	SAME(m, (enum libiommu_memlock_mode)SENT32);
	ERR(&lgA, -EINVAL, libiommu_ctx_get_memlock_mode, F.A, NULL);
	if (ifd) {
		OK(&lgA, libiommu_ctx_get_memlock_mode, F.A, &m);
	} else {
		ERR(&lgA, -EOPNOTSUPP, libiommu_ctx_get_memlock_mode, F.A, &m);
		SAME(m, (enum libiommu_memlock_mode)SENT32);
	}
}

static void storm_ioas(void)
{
	struct libiommu_ioas_opts io = LIBIOMMU_OPTS(libiommu_ioas_opts), oo;
	struct libiommu_iova_range r[4];
	struct libiommu_ioas *a;
	struct sizecase sc[16];
	union rawbuf u;
	size_t n, i;
	bool b;
	uint32_t id;
	uint64_t bm[4];

	a = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_ioas_alloc, NULL, NULL, &a);
	NULL_OUT(a);
	ERR(&lgC, -EINVAL, libiommu_ioas_alloc, F.C, NULL, NULL);
	n = sizes(OFFEND(struct libiommu_ioas_opts, flags), sizeof(io), sc);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &io, sizeof(io), &sc[i]);
		int want = opts_want(&sc[i], 0);

		a = SENTPTR;
		if (want) {
			ERR(&lgC, want, libiommu_ioas_alloc, F.C, op, &a);
			NULL_OUT(a);
		} else {
			OK(&lgC, libiommu_ioas_alloc, F.C, op, &a);
			OK(&lgC, libiommu_ioas_destroy, a);
		}
	}
	note[0] = 0;
	{
		static const struct {
			uint32_t flags;
			int want_ifd, want_legacy;
		} fl[] = {
			{ 1u << 4, -EINVAL, -EINVAL },
			{ 1u << 31, -EINVAL, -EINVAL },
			{ 1u << 0 | 1u << 9, -EINVAL, -EINVAL },
			{ LIBIOMMU_IOAS_NONCOHERENT | LIBIOMMU_IOAS_REQUIRE_COHERENT, -EINVAL, -EINVAL },
			{ LIBIOMMU_IOAS_NONCOHERENT | LIBIOMMU_IOAS_KERNEL_HWPT, -EINVAL, -EINVAL },
			{ LIBIOMMU_IOAS_REQUIRE_COHERENT | LIBIOMMU_IOAS_KERNEL_HWPT, -EINVAL, -EINVAL },
			{ LIBIOMMU_IOAS_NONCOHERENT, 0, -EOPNOTSUPP },
			{ LIBIOMMU_IOAS_REQUIRE_COHERENT, 0, -EOPNOTSUPP },
			{ LIBIOMMU_IOAS_NO_HUGE_PAGES, 0, -EOPNOTSUPP },
			{ LIBIOMMU_IOAS_KERNEL_HWPT, 0, 0 },
		};

		for (i = 0; i < ARRAY_LEN(fl); i++) {
			int want = ifd ? fl[i].want_ifd : fl[i].want_legacy;

			oo = io;
			oo.flags = fl[i].flags;
			a = SENTPTR;
			NOTE("flags %#x", fl[i].flags);
			if (want) {
				ERR(&lgC, want, libiommu_ioas_alloc, F.C, &oo, &a);
				NULL_OUT(a);
			} else {
				OK(&lgC, libiommu_ioas_alloc, F.C, &oo, &a);
				OK(&lgC, libiommu_ioas_destroy, a);
			}
		}
	}
	/* a second IOAS: a container has one */
	a = SENTPTR;
	if (ifd) {
		OK(&lgA, libiommu_ioas_alloc, F.A, NULL, &a);
		OK(&lgA, libiommu_ioas_destroy, a);
	} else {
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_alloc, F.A, NULL, &a);
		NULL_OUT(a);
	}

	VAL(NULL, 0, libiommu_ioas_destroy, NULL);
	id = libiommu_ioas_id(F.ioas);
	ERR(&lgA, -EBUSY, libiommu_ioas_destroy, F.ioas);
	VAL(&lgA, id, libiommu_ioas_id, F.ioas);
	if (ifd) { /* the mock device the kernel attached: the kernel says busy */
		id = libiommu_ioas_id(F.ioasM);
		ERR(&lgA, -EBUSY, libiommu_ioas_destroy, F.ioasM);
		VAL(&lgA, id, libiommu_ioas_id, F.ioasM);
	}
	VAL(NULL, 0, libiommu_ioas_id, NULL);
	IS(errno, EINVAL);
	{
		struct libiommu_ctx *c;

		CALLT(struct libiommu_ctx *, c, libiommu_ioas_ctx, NULL);
		IS(c, NULL);
		IS(errno, EINVAL);
		CALLT(struct libiommu_ctx *, c, libiommu_ioas_ctx, F.ioas);
		IS(c, F.A);
	}

	/* huge pages */
	ERR(NULL, -EINVAL, libiommu_ioas_set_huge_pages, NULL, true);
	/* mapped and attached (iommufd), or no switch at all (legacy) */
	ERR(&lgA, ifd ? -EINVAL : -EOPNOTSUPP, libiommu_ioas_set_huge_pages, F.ioas, false);
	OK(&lgA, libiommu_ioas_set_huge_pages, F.ioas, true);
	b = false;
	ERR(NULL, -EINVAL, libiommu_ioas_get_huge_pages, NULL, &b);
	SAME(b, false);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_huge_pages, F.ioas, NULL);
	OK(&lgA, libiommu_ioas_get_huge_pages, F.ioas, &b);
	IS(b, true);

	/* allowed IOVA ranges */
	r[0] = (struct libiommu_iova_range){ 0x10000000, 0x1fffffff };
	ERR(NULL, -EINVAL, libiommu_ioas_allow_iovas, NULL, r, 1);
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, NULL, 1);
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, r, (size_t)UINT32_MAX + 1);
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, r, SIZE_MAX);
	r[0] = (struct libiommu_iova_range){ 0x20000000, 0x1fffffff };
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, r, 1);
	r[0] = (struct libiommu_iova_range){ 0x20000000, 0x20000000 };
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, r, 1);
	r[0] = (struct libiommu_iova_range){ 0x10000000, 0x1fffffff };
	r[1] = (struct libiommu_iova_range){ 0x1ffff000, 0x2fffffff };
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, r, 2);
	r[1] = (struct libiommu_iova_range){ 0, UINT64_MAX };
	ERR(&lgA, -EINVAL, libiommu_ioas_allow_iovas, F.ioas, r, 2);
	r[0] = (struct libiommu_iova_range){ MSI_IOVA, MSI_IOVA + 0xfffff };
	ERR(&lgA, -EADDRINUSE, libiommu_ioas_allow_iovas, F.ioas, r, 1);
	r[0] = (struct libiommu_iova_range){ 0, UINT64_MAX };
	ERR(&lgA, -EADDRINUSE, libiommu_ioas_allow_iovas, F.ioas, r, 1);
	OK(&lgA, libiommu_ioas_allow_iovas, F.ioas, NULL, 0);

	/* dirty tracking of an IOAS */
	ERR(NULL, -EINVAL, libiommu_ioas_set_dirty_tracking, NULL, true);
	if (t1) {
		OK(&lgA, libiommu_ioas_set_dirty_tracking, F.ioas, true);
		OK(&lgA, libiommu_ioas_set_dirty_tracking, F.ioas, false);
	} else {
		/* compat: none; iommufd: the edu is attached directly */
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_set_dirty_tracking, F.ioas, true);
	}
	memset(bm, 0x5e, sizeof(bm));
	ERR(NULL, -EINVAL, libiommu_ioas_get_dirty_bitmap, NULL, 0, PG, PG, bm, 0);
	{
		static const struct {
			uint64_t iova, len, pgsz;
			bool nobm;
			uint32_t flags;
		} d[] = {
			{ 0, 4096, 4096, true, 0 },
			{ 0, 4096, 0, false, 0 },
			{ 0, 4096, 3, false, 0 },
			{ 0, 4096, 4097, false, 0 },
			{ 1, 4096, 4096, false, 0 },
			{ 0, 4095, 4096, false, 0 },
			{ 0, 0, 4096, false, 0 },
			{ UINT64_MAX - 4095, 8192, 4096, false, 0 },
			{ 0, 4096, 4096, false, 2 },
			{ 0, 4096, 4096, false, 1u << 31 },
		};

		for (i = 0; i < ARRAY_LEN(d); i++) {
			NOTE("iova %#llx length %#llx page size %#llx%s flags %#x",
			     (unsigned long long)d[i].iova, (unsigned long long)d[i].len,
			     (unsigned long long)d[i].pgsz, d[i].nobm ? " NULL bitmap" : "",
			     d[i].flags);
			ERR(&lgA, compat ? -EOPNOTSUPP : -EINVAL, libiommu_ioas_get_dirty_bitmap,
			    F.ioas, d[i].iova, d[i].len, d[i].pgsz, d[i].nobm ? NULL : bm,
			    d[i].flags);
			SAME(bm[0], SENT64);
		}
	}
	note[0] = 0;
	/* well-formed: not started (type1), attached directly (iommufd), none (compat) */
	ERR(&lgA, t1 ? -EINVAL : -EOPNOTSUPP, libiommu_ioas_get_dirty_bitmap, F.ioas,
	    MAP_IOVA, PG, PG, bm, 0);
	if (ifd) {
		/* the mock IOAS has a dirty-tracking HWPT: these work */
		OK(&lgA, libiommu_ioas_set_dirty_tracking, F.ioasM, true);
		OK(&lgA, libiommu_ioas_get_dirty_bitmap, F.ioasM, 1u << 24, 4 * PG, PG, bm, 0);
		OK(&lgA, libiommu_ioas_set_dirty_tracking, F.ioasM, false);
	}
}

static void storm_map(void)
{
	const uint32_t rw = RW;
	struct libiommu_iova_range r[4];
	struct libiommu_ioas *x = NULL;
	uint64_t iova, n, al;
	size_t nr, i;

	/* libiommu_ioas_map */
	iova = SENT64;
	ERR(NULL, -EINVAL, libiommu_ioas_map, NULL, F.buf, PG, &iova, rw);
	SAME(iova, SENT64);
	ERR(&lgA, -EINVAL, libiommu_ioas_map, F.ioas, NULL, PG, &iova, rw);
	SAME(iova, SENT64);
	ERR(&lgA, -EINVAL, libiommu_ioas_map, F.ioas, F.buf, PG, NULL, rw);
	{
		const struct {
			void *va;
			uint64_t len, iova;
			uint32_t flags;
			int want;
		} c[] = {
			{ F.buf, 0, 0, rw, -EINVAL },
			{ F.buf, 1, 0, rw, -EINVAL },
			{ F.buf, PG + 1, 0, rw, -EINVAL },
			{ F.buf + 1, PG, 0, rw, -EINVAL },
			{ F.buf, PG, 0, 0, -EINVAL },
			{ F.buf, PG, 0, FIXED, -EINVAL },
			{ F.buf, PG, 0, rw | 1u << 3, -EINVAL },
			{ F.buf, PG, 0, rw | 1u << 31, -EINVAL },
			{ F.buf, PG, 0x40000001, rw | FIXED, -EINVAL },
			{ F.buf, 2 * PG, -PG, rw | FIXED, -EINVAL },
			{ F.buf, -PG, 0, rw, -EINVAL },
			{ F.buf, UINT64_C(1) << 47, 0, rw, -ENOSPC },
			{ F.buf, UINT64_C(1) << 47, 0, rw | FIXED, -EINVAL },
			{ F.buf, PG, UINT64_C(1) << 50, rw | FIXED, -EINVAL },
			{ F.buf, PG, MSI_IOVA, rw | FIXED, -EINVAL },
			{ F.buf, PG, MAP_IOVA + PG, rw | FIXED, -EEXIST },
			{ F.buf, 4 * PG, MAP_IOVA - PG, rw | FIXED, -EEXIST },
			{ F.hole, PG, 0x40000000, rw | FIXED, -EFAULT },
			{ F.hole, PG, 0, LIBIOMMU_MAP_READ, -EFAULT },
			{ F.robuf, PG, 0x40000000, rw | FIXED, -EFAULT },
			{ (void *)(uintptr_t)0xffff888000000000ull, PG, 0, rw, -EFAULT },
		};

		for (i = 0; i < ARRAY_LEN(c); i++) {
			NOTE("vaddr %p length %#llx iova %#llx flags %#x", c[i].va,
			     (unsigned long long)c[i].len, (unsigned long long)c[i].iova,
			     c[i].flags);
			iova = c[i].flags & FIXED ? c[i].iova : SENT64;
			ERR(&lgA, c[i].want, libiommu_ioas_map, F.ioas, c[i].va, c[i].len,
			    &iova, c[i].flags);
			SAME(iova, c[i].flags & FIXED ? c[i].iova : SENT64);
		}
	}
	note[0] = 0;

	/* libiommu_ioas_map_file */
	iova = SENT64;
	ERR(NULL, -EINVAL, libiommu_ioas_map_file, NULL, F.memfd, 0, PG, &iova, rw);
	SAME(iova, SENT64);
	if (!ifd) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_map_file, F.ioas, F.memfd, 0, PG, &iova, rw);
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_map_file, F.ioas, -1, 0, 0, NULL, 0);
		SAME(iova, SENT64);
	} else {
		/*
		 * Where the kernel lacks IOMMU_IOAS_MAP_FILE (6.12), what the
		 * library checks itself fails as before, and what reaches the
		 * kernel fails -EOPNOTSUPP (the feature's message).
		 */
		const bool mf = libiommu_ctx_has_feature(F.A, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 1;
		const int kern_einval = mf ? -EINVAL : -EOPNOTSUPP;
		const int kern_eexist = mf ? -EEXIST : -EOPNOTSUPP;
		const struct {
			int fd;
			uint64_t off, len, iova;
			uint32_t flags;
			int want;
		} c[] = {
			{ F.memfd, 0, 0, 0, rw, -EINVAL },
			{ F.memfd, 1, PG, 0, rw, -EINVAL },
			{ F.memfd, 0, PG + 1, 0, rw, -EINVAL },
			{ F.memfd, 0, PG, 0, 0, -EINVAL },
			{ F.memfd, 0, PG, 0, rw | 1u << 5, -EINVAL },
			{ F.memfd, -PG, 2 * PG, 0, rw, -EINVAL },
			{ F.memfd, 4 * PG, PG, 0, rw, -EINVAL },
			{ F.memfd, 0, 8 * PG, 0, rw, -EINVAL },
			{ F.memfd, 0, UINT64_C(1) << 62, 0, rw, -EINVAL },
			{ F.memfd, 0, PG, 0x1001, rw | FIXED, -EINVAL },
			{ F.memfd, 0, PG, MSI_IOVA, rw | FIXED, kern_einval },
			{ F.memfd, 0, PG, MAP_IOVA, rw | FIXED, kern_eexist },
			{ F.memfd_ro, 0, PG, 0, rw, -EACCES },
			{ F.sealed, 0, PG, 0, rw, -EPERM },
		};

		ERR(&lgA, -EINVAL, libiommu_ioas_map_file, F.ioas, F.memfd, 0, PG, NULL, rw);
		for (i = 0; i < ARRAY_LEN(c); i++) {
			NOTE("fd %d offset %#llx length %#llx iova %#llx flags %#x", c[i].fd,
			     (unsigned long long)c[i].off, (unsigned long long)c[i].len,
			     (unsigned long long)c[i].iova, c[i].flags);
			iova = c[i].flags & FIXED ? c[i].iova : SENT64;
			ERR(&lgA, c[i].want, libiommu_ioas_map_file, F.ioas, c[i].fd, c[i].off,
			    c[i].len, &iova, c[i].flags);
			SAME(iova, c[i].flags & FIXED ? c[i].iova : SENT64);
		}
		for (i = 0; i < U__COUNT; i++) {
			NOTE("%s", ufd_name[i]);
			iova = SENT64;
			if (i == U_MEMFD && !mf) {
				ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_map_file, F.ioas, ufd[i], 0,
				    PG, &iova, rw);
				continue;
			}
			if (i == U_MEMFD) {
				OK(&lgA, libiommu_ioas_map_file, F.ioas, ufd[i], 0, PG, &iova, rw);
				OK(&lgA, libiommu_ioas_unmap, F.ioas, iova, PG, NULL);
				continue;
			}
			ERR(&lgA, -EBADF, libiommu_ioas_map_file, F.ioas, ufd[i], 0, PG, &iova, rw);
			SAME(iova, SENT64);
		}
		/* read-only and sealed files map for reading */
		NOTE("read only");
		if (!mf) {
			ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_map_file, F.ioas, F.memfd_ro, 0,
			    PG, &iova, LIBIOMMU_MAP_READ);
			ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_map_file, F.ioas, F.sealed, PG,
			    PG, &iova, LIBIOMMU_MAP_READ);
		} else {
			OK(&lgA, libiommu_ioas_map_file, F.ioas, F.memfd_ro, 0, PG, &iova,
			   LIBIOMMU_MAP_READ);
			OK(&lgA, libiommu_ioas_unmap, F.ioas, iova, PG, NULL);
			OK(&lgA, libiommu_ioas_map_file, F.ioas, F.sealed, PG, PG, &iova,
			   LIBIOMMU_MAP_READ);
			OK(&lgA, libiommu_ioas_unmap, F.ioas, iova, PG, NULL);
		}
	}
	note[0] = 0;

	/* libiommu_ioas_unmap */
	n = SENT64;
	ERR(NULL, -EINVAL, libiommu_ioas_unmap, NULL, MAP_IOVA, PG, &n);
	SAME(n, SENT64);
	{
		const struct {
			uint64_t iova, len;
			int want;
		} c[] = {
			{ MAP_IOVA, 0, -EINVAL },
			{ MAP_IOVA + 1, PG, -EINVAL },
			{ MAP_IOVA, PG - 1, -EINVAL },
			{ MAP_IOVA, UINT64_MAX, -EINVAL },
			{ -PG, 2 * PG, -EINVAL },
			{ 0x40000000, PG, -ENOENT },
			{ MAP_IOVA, PG, -ENOENT },
			{ MAP_IOVA + PG, 4 * PG, -ENOENT },
			{ UINT64_C(1) << 60, UINT64_C(1) << 59, -ENOENT },
		};

		for (i = 0; i < ARRAY_LEN(c); i++) {
			NOTE("iova %#llx length %#llx", (unsigned long long)c[i].iova,
			     (unsigned long long)c[i].len);
			n = SENT64;
			ERR(&lgA, c[i].want, libiommu_ioas_unmap, F.ioas, c[i].iova, c[i].len, &n);
			SAME(n, SENT64);
			ERR(&lgA, c[i].want, libiommu_ioas_unmap, F.ioas, c[i].iova, c[i].len, NULL);
		}
	}
	note[0] = 0;
	n = SENT64;
	ERR(NULL, -EINVAL, libiommu_ioas_unmap_all, NULL, &n);
	SAME(n, SENT64);
	ERR(NULL, -EINVAL, libiommu_ioas_unmap_all, NULL, NULL);
	/* an empty IOAS of a fresh context */
	if (libiommu_ioas_alloc(F.C, NULL, &x))
		die("libiommu_ioas_alloc: %s; log:\n%s", strerror(errno), lgC.t.all);
	OK(&lgC, libiommu_ioas_unmap_all, x, &n);
	IS(n, 0);
	OK(&lgC, libiommu_ioas_unmap_all, x, NULL);
	OK(&lgC, libiommu_ioas_destroy, x);

	/* libiommu_ioas_copy */
	iova = SENT64;
	ERR(NULL, -EINVAL, libiommu_ioas_copy, NULL, NULL, MAP_IOVA, PG, &iova, rw);
	ERR(&lgA, -EINVAL, libiommu_ioas_copy, NULL, F.ioas, MAP_IOVA, PG, &iova, rw);
	SAME(iova, SENT64);
	if (!ifd) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_copy, F.ioas, F.ioas, MAP_IOVA, PG, &iova, rw);
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_copy, F.ioas, NULL, 0, 0, NULL, 0);
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_copy, F.ioas, F.ioasB, MAP_IOVA, PG, &iova, rw);
		SAME(iova, SENT64);
	} else {
		const struct {
			uint64_t src, len, dst;
			uint32_t flags;
			int want;
		} c[] = {
			{ MAP_IOVA, 0, 0, rw, -EINVAL },
			{ MAP_IOVA + 1, PG, 0, rw, -EINVAL },
			{ MAP_IOVA, PG + 1, 0, rw, -EINVAL },
			{ MAP_IOVA, PG, 0, 0, -EINVAL },
			{ MAP_IOVA, PG, 0, rw | 1u << 4, -EINVAL },
			{ -PG, 2 * PG, 0, rw, -EINVAL },
			{ MAP_IOVA, PG, -PG, rw | FIXED, -EINVAL },
			{ 0x40000000, PG, 0, rw, -ENOENT },
			{ MAP_IOVA, 4 * PG, 0, rw, -ENOENT },
			{ RO_IOVA, PG, 0, rw, -EPERM },
			{ MAP_IOVA, PG, MAP_IOVA, rw | FIXED, -EEXIST },
			{ MAP_IOVA, PG, MSI_IOVA, rw | FIXED, -EINVAL },
		};

		ERR(&lgA, -EINVAL, libiommu_ioas_copy, F.ioas, NULL, MAP_IOVA, PG, &iova, rw);
		ERR(&lgA, -EXDEV, libiommu_ioas_copy, F.ioas, F.ioasB, MAP_IOVA, PG, &iova, rw);
		ERR(&lgB, -EXDEV, libiommu_ioas_copy, F.ioasB, F.ioas, MAP_IOVA, PG, &iova, rw);
		ERR(&lgA, -EINVAL, libiommu_ioas_copy, F.ioas, F.ioas, MAP_IOVA, PG, NULL, rw);
		SAME(iova, SENT64);
		for (i = 0; i < ARRAY_LEN(c); i++) {
			NOTE("src %#llx length %#llx dst %#llx flags %#x",
			     (unsigned long long)c[i].src, (unsigned long long)c[i].len,
			     (unsigned long long)c[i].dst, c[i].flags);
			iova = c[i].flags & FIXED ? c[i].dst : SENT64;
			ERR(&lgA, c[i].want, libiommu_ioas_copy, F.ioas, F.ioas, c[i].src,
			    c[i].len, &iova, c[i].flags);
			SAME(iova, c[i].flags & FIXED ? c[i].dst : SENT64);
		}
	}
	note[0] = 0;

	/* libiommu_ioas_get_ranges */
	nr = 4;
	al = SENT64;
	ERR(NULL, -EINVAL, libiommu_ioas_get_ranges, NULL, r, &nr, &al);
	SAME(nr, 4);
	SAME(al, SENT64);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_ranges, F.ioas, r, NULL, &al);
	SAME(al, SENT64);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_ranges, F.ioas, NULL, &nr, &al);
	SAME(nr, 4);
	SAME(al, SENT64);
	/* sizing with capacity 0 is quiet; *nr says how many (the page) */
	nr = 0;
	ERRQ(&lgA, -ENOSPC, libiommu_ioas_get_ranges, F.ioas, NULL, &nr, &al);
	if (nr < 2)
		bad("*nr is %zu; the attached edu's IOAS has at least 2 ranges", nr);
	SAME(al, SENT64);
	nr = 0;
	ERRQ(&lgA, -ENOSPC, libiommu_ioas_get_ranges, F.ioas, r, &nr, NULL);
	nr = 1;
	memset(r, 0x5e, sizeof(r));
	ERR(&lgA, -ENOSPC, libiommu_ioas_get_ranges, F.ioas, r, &nr, &al);
	if (nr < 2)
		bad("*nr is %zu; the attached edu's IOAS has at least 2 ranges", nr);
	SAME(al, SENT64);
	SAME(r[1].start, SENT64);
	nr = 4;
	OK(&lgA, libiommu_ioas_get_ranges, F.ioas, r, &nr, NULL);
}

/* The edu's IOMMU group node and PCI name. */
static void edu_group(char *group, size_t glen, char *name, size_t nlen)
{
	char p[128], l[PATH_MAX];
	const char *v = strrchr(edu_path, '/') + 1;
	ssize_t k;

	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device/iommu_group", v);
	k = readlink(p, l, sizeof(l) - 1);
	if (k <= 0)
		die("readlink %s: %s", p, strerror(errno));
	l[k] = 0;
	snprintf(group, glen, "/dev/vfio/%s", strrchr(l, '/') + 1);
	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device", v);
	k = readlink(p, l, sizeof(l) - 1);
	if (k <= 0)
		die("readlink %s: %s", p, strerror(errno));
	l[k] = 0;
	snprintf(name, nlen, "%s", strrchr(l, '/') + 1);
}

static void storm_dev(void)
{
	struct libiommu_dev_opts dop = LIBIOMMU_OPTS(libiommu_dev_opts), oo;
	struct libiommu_dev *d;
	struct sizecase sc[16];
	char group[64], name[64], memfd_path[64];
	union rawbuf u;
	size_t n, i;

	edu_group(group, sizeof(group), name, sizeof(name));
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", F.memfd);

	/* libiommu_dev_open */
	d = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_open, NULL, edu_path, NULL, &d);
	NULL_OUT(d);
	d = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_dev_open, F.A, NULL, NULL, &d);
	NULL_OUT(d);
	ERR(&lgA, -EINVAL, libiommu_dev_open, F.A, edu_path, NULL, NULL);
	{
		const char *paths[] = { "/nonexistent/vfio0", "", "/", "/dev/null",
					"/dev/kvm", "/dev/iommu", "/dev/vfio/vfio",
					group, memfd_path };
		static const int want[] = { -ENOENT, -ENOENT, -ENOTTY, -ENOTTY, -ENOTTY,
					    -ENOTTY, -ENOTTY, -ENOTTY, -ENOTTY };

		for (i = 0; i < ARRAY_LEN(paths); i++) {
			if (!have_kvm && !strcmp(paths[i], "/dev/kvm"))
				continue;
			/* the group node is the one open in A (legacy): say ENOTTY too */
			d = SENTPTR;
			NOTE("path \"%s\"", paths[i]);
			ERR(&lgA, want[i], libiommu_dev_open, F.A, paths[i], NULL, &d);
			NULL_OUT(d);
		}
	}
	/* the edu again: bound already (iommufd); a second fd of it (legacy) */
	d = SENTPTR;
	NOTE("the edu, open in A already");
	if (ifd) {
		ERR(&lgA, -EINVAL, libiommu_dev_open, F.A, edu_path, NULL, &d);
		NULL_OUT(d);
	} else {
		OK(&lgA, libiommu_dev_open, F.A, edu_path, NULL, &d);
		libiommu_dev_free(d);
	}
	/* options of every size; accepted ones reach /dev/null, not a cdev */
	n = sizes(OFFEND(struct libiommu_dev_opts, vf_token), sizeof(dop), sc);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &dop, sizeof(dop), &sc[i]);

		d = SENTPTR;
		ERR(&lgA, opts_want(&sc[i], -ENOTTY), libiommu_dev_open, F.A, "/dev/null", op, &d);
		NULL_OUT(d);
	}
	note[0] = 0;
	for (i = 0; i < 3; i++) {
		static const uint32_t fl[] = { 1u << 1, 1u << 31, 0xffffffff };

		oo = dop;
		oo.flags = fl[i];
		d = SENTPTR;
		NOTE("flags %#x", fl[i]);
		ERR(&lgA, -EINVAL, libiommu_dev_open, F.A, "/dev/null", &oo, &d);
		NULL_OUT(d);
	}
	/* a VF token the caller's struct does not reach */
	oo = dop;
	oo.flags = LIBIOMMU_DEV_VF_TOKEN;
	oo.sz = OFFEND(struct libiommu_dev_opts, flags);
	d = SENTPTR;
	NOTE("LIBIOMMU_DEV_VF_TOKEN, sz %zu", oo.sz);
	ERR(&lgA, -EINVAL, libiommu_dev_open, F.A, edu_path, &oo, &d);
	NULL_OUT(d);
	note[0] = 0;

	/* libiommu_dev_open_fd */
	d = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_open_fd, NULL, ufd[U_NULL], LIBIOMMU_FD_BORROW,
	    NULL, &d);
	NULL_OUT(d);
	if (!ifd) {
		d = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_open_fd, F.A, ufd[U_NULL],
		    LIBIOMMU_FD_BORROW, NULL, &d);
		NULL_OUT(d);
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_open_fd, F.A, -1, (enum libiommu_fd_mode)7,
		    NULL, &d);
	} else {
		ERR(&lgA, -EINVAL, libiommu_dev_open_fd, F.A, ufd[U_NULL], LIBIOMMU_FD_BORROW,
		    NULL, NULL);
		for (i = 0; i < 3; i++) {
			static const int md[] = { 2, -1, INT_MAX };

			d = SENTPTR;
			NOTE("mode %d", md[i]);
			ERR(&lgA, -EINVAL, libiommu_dev_open_fd, F.A, ufd[U_NULL],
			    (enum libiommu_fd_mode)md[i], NULL, &d);
			NULL_OUT(d);
		}
		for (i = 0; i < U__COUNT; i++) {
			d = SENTPTR;
			NOTE("%s", ufd_name[i]);
			ERR(&lgA, i <= U_CLOSED ? -EBADF : -ENOTTY, libiommu_dev_open_fd, F.A,
			    ufd[i], LIBIOMMU_FD_OWN, NULL, &d);
			NULL_OUT(d);
			if (i > U_CLOSED && fcntl(ufd[i], F_GETFD) < 0)
				bad("the owned fd was closed on failure");
		}
		d = SENTPTR;
		NOTE("the edu's fd, bound already");
		ERR(&lgA, -EINVAL, libiommu_dev_open_fd, F.A, libiommu_dev_fd(F.dev),
		    LIBIOMMU_FD_BORROW, NULL, &d);
		NULL_OUT(d);
		for (i = 0; i < n; i++) {
			void *op = opts_of(&u, &dop, sizeof(dop), &sc[i]);

			d = SENTPTR;
			ERR(&lgA, opts_want(&sc[i], -ENOTTY), libiommu_dev_open_fd, F.A,
			    ufd[U_NULL], LIBIOMMU_FD_BORROW, op, &d);
			NULL_OUT(d);
		}
	}
	note[0] = 0;

	/* libiommu_dev_open_group and _fd */
	d = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_open_group, NULL, group, name, NULL, &d);
	NULL_OUT(d);
	d = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_open_group_fd, NULL, ufd[U_NULL],
	    LIBIOMMU_FD_BORROW, name, NULL, &d);
	NULL_OUT(d);
	if (ifd) {
		d = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_open_group, F.A, group, name, NULL, &d);
		NULL_OUT(d);
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_open_group, F.A, NULL, NULL, NULL, &d);
		d = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_open_group_fd, F.A, ufd[U_NULL],
		    LIBIOMMU_FD_BORROW, name, NULL, &d);
		NULL_OUT(d);
	} else {
		const struct {
			const char *group, *name;
			int want;
		} c[] = {
			{ NULL, name, -EINVAL },
			{ group, NULL, -EINVAL },
			{ group, "", -EINVAL },
			{ "/nonexistent/7", name, -ENOENT },
			{ "/", name, -EINVAL },
			{ "/dev/null", name, -EINVAL },
			{ "/dev/vfio/vfio", name, -EINVAL },
			{ "/dev/iommu", name, -EINVAL },
			{ memfd_path, name, -EINVAL },
			{ group, "0000:ff:1f.7", -ENOENT },
			{ group, "../../../../dev/null", -ENOENT },
		};

		ERR(&lgA, -EINVAL, libiommu_dev_open_group, F.A, group, name, NULL, NULL);
		for (i = 0; i < ARRAY_LEN(c); i++) {
			d = SENTPTR;
			NOTE("group %s name %s", c[i].group ? c[i].group : "NULL",
			     c[i].name ? c[i].name : "NULL");
			ERR(&lgA, c[i].want, libiommu_dev_open_group, F.A, c[i].group, c[i].name,
			    NULL, &d);
			NULL_OUT(d);
		}
		for (i = 0; i < n; i++) {
			void *op = opts_of(&u, &dop, sizeof(dop), &sc[i]);

			d = SENTPTR;
			ERR(&lgA, opts_want(&sc[i], -ENOENT), libiommu_dev_open_group, F.A,
			    group, "0000:ff:1f.7", op, &d);
			NULL_OUT(d);
		}
		note[0] = 0;
		ERR(&lgA, -EINVAL, libiommu_dev_open_group_fd, F.A, ufd[U_NULL],
		    LIBIOMMU_FD_BORROW, name, NULL, NULL);
		for (i = 0; i < 3; i++) {
			static const int md[] = { 2, -1, INT_MAX };

			d = SENTPTR;
			NOTE("mode %d", md[i]);
			ERR(&lgA, -EINVAL, libiommu_dev_open_group_fd, F.A, ufd[U_NULL],
			    (enum libiommu_fd_mode)md[i], name, NULL, &d);
			NULL_OUT(d);
		}
		for (i = 0; i < U__COUNT; i++) {
			d = SENTPTR;
			NOTE("%s", ufd_name[i]);
			ERR(&lgA, i <= U_CLOSED ? -EBADF : -EINVAL, libiommu_dev_open_group_fd,
			    F.A, ufd[i], LIBIOMMU_FD_OWN, name, NULL, &d);
			NULL_OUT(d);
			if (i > U_CLOSED && fcntl(ufd[i], F_GETFD) < 0)
				bad("the owned fd was closed on failure");
		}
		d = SENTPTR;
		NOTE("name NULL");
		ERR(&lgA, -EINVAL, libiommu_dev_open_group_fd, F.A, ufd[U_NULL],
		    LIBIOMMU_FD_BORROW, NULL, NULL, &d);
		NULL_OUT(d);
		/* options of every size; accepted ones reach /dev/null, no group */
		for (i = 0; i < n; i++) {
			void *op = opts_of(&u, &dop, sizeof(dop), &sc[i]);

			d = SENTPTR;
			ERR(&lgA, opts_want(&sc[i], -EINVAL), libiommu_dev_open_group_fd, F.A,
			    ufd[U_NULL], LIBIOMMU_FD_BORROW, name, op, &d);
			NULL_OUT(d);
		}
	}
	note[0] = 0;

	/* libiommu_dev_adopt_id */
	d = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_adopt_id, NULL, 1, &d);
	NULL_OUT(d);
	if (!ifd) {
		d = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_adopt_id, F.A, 1, &d);
		NULL_OUT(d);
	} else {
		const struct {
			uint32_t id;
			int want;
		} c[] = {
			{ 0, -EINVAL },
			{ UINT32_MAX, -ENOENT },
			{ 0x7fffffff, -ENOENT },
			{ libiommu_ioas_id(F.ioas), -ENOENT },
			{ libiommu_hwpt_id(F.hwpt), -ENOENT },
			{ libiommu_dev_id(F.dev), -EEXIST },
			{ F.md.idev_id, -EEXIST },
		};

		ERR(&lgA, -EINVAL, libiommu_dev_adopt_id, F.A, F.md.idev_id, NULL);
		for (i = 0; i < ARRAY_LEN(c); i++) {
			d = SENTPTR;
			NOTE("id %u", c[i].id);
			ERR(&lgA, c[i].want, libiommu_dev_adopt_id, F.A, c[i].id, &d);
			NULL_OUT(d);
		}
	}
	note[0] = 0;

	VOID_KEEPS_ERRNO(libiommu_dev_free, NULL);
	VAL(NULL, 0, libiommu_dev_id, NULL);
	IS(errno, EINVAL);
	ERR(NULL, -EINVAL, libiommu_dev_fd, NULL);
	VAL(&lgA, F.dev ? libiommu_dev_fd(F.dev) : 0, libiommu_dev_fd, F.dev);
	if (ifd)
		ERR(&lgA, -EBADF, libiommu_dev_fd, F.adopted);
	{
		struct libiommu_ctx *c;

		CALLT(struct libiommu_ctx *, c, libiommu_dev_ctx, NULL);
		IS(c, NULL);
		IS(errno, EINVAL);
		CALLT(struct libiommu_ctx *, c, libiommu_dev_ctx, F.dev);
		IS(c, F.A);
	}
}

static void storm_attach(void)
{
	struct libiommu_ioas *a;
	struct libiommu_hwpt *h;
	uint32_t id;
	size_t i;

	ERR(NULL, -EINVAL, libiommu_dev_attach_ioas, NULL, F.ioas);
	ERR(&lgA, -EINVAL, libiommu_dev_attach_ioas, F.dev, NULL);
	ERR(&lgA, -EXDEV, libiommu_dev_attach_ioas, F.dev, F.ioasB);
	ERR(&lgB, -EXDEV, libiommu_dev_attach_ioas, F.devB, F.ioas);
	OK(&lgA, libiommu_dev_attach_ioas, F.dev, F.ioas); /* there already */
	ERR(NULL, -EINVAL, libiommu_dev_attach_hwpt, NULL, F.hwptB);
	ERR(&lgA, -EINVAL, libiommu_dev_attach_hwpt, F.dev, NULL);
	ERR(&lgA, -EXDEV, libiommu_dev_attach_hwpt, F.dev, F.hwptB);
	if (ifd) {
		ERR(&lgA, -EBADF, libiommu_dev_attach_ioas, F.adopted, F.ioasM);
		ERR(&lgA, -EBADF, libiommu_dev_attach_hwpt, F.adopted, F.dirty);
		/*
		 * Not here: the attached edu (VT-d) onto a HWPT of the
		 * selftest's mock IOMMU.  On 7.3.4 that replace never returns
		 * (the guest hangs in the kernel): the replace path,
		 * iommu_replace_group_handle(), lacks the check a plain attach
		 * makes (domain_iommu_ops_compatible()) and hands the mock
		 * driver a VT-d device.  A kernel bug; in this VM only the
		 * CONFIG_IOMMUFD_TEST mock offers a second IOMMU driver.
		 */
	}

	ERR(NULL, -EINVAL, libiommu_dev_detach, NULL);
	if (!ifd) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_detach, F.dev);
	} else {
		ERR(&lgA, -EBADF, libiommu_dev_detach, F.adopted);
		OK(&lgA, libiommu_dev_detach, F.dev);
		ERR(&lgA, -ENOENT, libiommu_dev_detach, F.dev);
		OK(&lgA, libiommu_dev_attach_ioas, F.dev, F.ioas);
	}

	/* PASIDs: the edu has none */
	ERR(NULL, -EINVAL, libiommu_dev_pasid_attach_ioas, NULL, 1, F.ioas);
	ERR(NULL, -EINVAL, libiommu_dev_pasid_attach_hwpt, NULL, 1, F.hwptB);
	for (i = 0; i < 2; i++) {
		uint32_t pasid = i ? LIBIOMMU_NO_PASID : 0;

		NOTE("PASID %#x", pasid);
		ERR(&lgA, -EINVAL, libiommu_dev_pasid_attach_ioas, F.dev, pasid, F.ioas);
		/* legacy: a HWPT of B is all there is; the PASID is checked first */
		ERR(&lgA, -EINVAL, libiommu_dev_pasid_attach_hwpt, F.dev, pasid,
		    ifd ? F.hwpt : F.hwptB);
		ERR(&lgA, -EINVAL, libiommu_dev_pasid_detach, F.dev, pasid);
	}
	note[0] = 0;
	ERR(&lgA, -EINVAL, libiommu_dev_pasid_attach_ioas, F.dev, 1, NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_pasid_attach_hwpt, F.dev, 1, NULL);
	ERR(&lgA, -EXDEV, libiommu_dev_pasid_attach_ioas, F.dev, 1, F.ioasB);
	ERR(&lgA, -EXDEV, libiommu_dev_pasid_attach_hwpt, F.dev, 1, F.hwptB);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_pasid_attach_ioas, F.dev, 1, F.ioas);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_pasid_attach_ioas, F.dev, UINT32_MAX - 1, F.ioas);
	if (ifd) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_pasid_attach_hwpt, F.dev, 1, F.hwpt);
		ERR(&lgA, -EBADF, libiommu_dev_pasid_attach_ioas, F.adopted, 1, F.ioasM);
		ERR(&lgA, -EBADF, libiommu_dev_pasid_detach, F.adopted, 1);
		ERR(&lgA, -ENOENT, libiommu_dev_pasid_detach, F.dev, 7);
	} else {
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_pasid_detach, F.dev, 7);
	}
	ERR(NULL, -EINVAL, libiommu_dev_pasid_detach, NULL, 1);

	/* what is attached */
	a = SENTPTR;
	h = SENTPTR;
	id = SENT32;
	ERR(NULL, -EINVAL, libiommu_dev_get_attached, NULL, LIBIOMMU_NO_PASID, &a, &h, &id);
	SAME(a, SENTPTR);
	SAME(h, SENTPTR);
	SAME(id, SENT32);
	for (i = 0; i < 3; i++) {
		static const uint32_t ps[] = { 0, 7, UINT32_MAX - 1 };

		NOTE("PASID %#x", ps[i]);
		a = SENTPTR;
		h = SENTPTR;
		id = SENT32;
		VAL(&lgA, 0, libiommu_dev_get_attached, F.dev, ps[i], &a, &h, &id);
		IS(a, NULL);
		IS(h, NULL);
		IS(id, 0);
	}
	note[0] = 0;
	VAL(&lgA, 1, libiommu_dev_get_attached, F.dev, LIBIOMMU_NO_PASID, NULL, NULL, NULL);
}

static void storm_region(void)
{
	struct libiommu_region_info ri = { .sz = sizeof(ri) };
	uint64_t cfg, bar0;
	struct sizecase sc[16];
	union rawbuf u;
	uint8_t b[16];
	void *addr;
	size_t n, i;

	if (libiommu_dev_region_info(F.dev, LIBIOMMU_PCI_CONFIG_REGION, &ri))
		die("region_info(config): %s", strerror(errno));
	cfg = ri.size;
	if (libiommu_dev_region_info(F.dev, 0, &ri))
		die("region_info(BAR0): %s", strerror(errno));
	bar0 = ri.size;

	/* libiommu_dev_region_info */
	result_of(&u, sizeof(ri));
	ERR(NULL, -EINVAL, libiommu_dev_region_info, NULL, 0, (void *)&u);
	result_check(&u, sizeof(ri), false, 8);
	ERR(&lgA, -EINVAL, libiommu_dev_region_info, F.dev, 0, NULL);
	n = sizes(OFFEND(struct libiommu_region_info, offset), sizeof(ri), sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_BAD) {
			ERR(&lgA, -EINVAL, libiommu_dev_region_info, F.dev, 0, (void *)&u);
			result_check(&u, sizeof(ri), false, 8);
		} else {
			OK(&lgA, libiommu_dev_region_info, F.dev, 0, (void *)&u);
			result_check(&u, sizeof(ri), true, 0);
		}
	}
	for (i = 0; i < 4; i++) {
		static const uint32_t ix[] = { LIBIOMMU_PCI_VGA_REGION, 9, 1000, UINT32_MAX };

		result_of(&u, sizeof(ri));
		NOTE("index %u", ix[i]);
		ERR(&lgA, -EINVAL, libiommu_dev_region_info, F.dev, ix[i], (void *)&u);
		result_check(&u, sizeof(ri), false, 8);
	}
	if (ifd) {
		result_of(&u, sizeof(ri));
		ERR(&lgA, -EBADF, libiommu_dev_region_info, F.adopted, 0, (void *)&u);
		result_check(&u, sizeof(ri), false, 8);
	}
	note[0] = 0;

	/* read and write */
	ERR(NULL, -EINVAL, libiommu_dev_region_read, NULL, LIBIOMMU_PCI_CONFIG_REGION, 0, b, 4);
	ERR(NULL, -EINVAL, libiommu_dev_region_write, NULL, LIBIOMMU_PCI_CONFIG_REGION, 0, b, 4);
	{
		const struct {
			uint32_t index;
			uint64_t off;
			void *buf;
			size_t len;
			int want;
		} c[] = {
			{ LIBIOMMU_PCI_CONFIG_REGION, 0, NULL, 4, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, cfg, b, 4, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, cfg - 2, b, 4, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, UINT64_MAX, b, 2, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, 0, b, SIZE_MAX, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, 4, b, SIZE_MAX - 2, -EINVAL },
			{ 1, 0, b, 4, -EINVAL },
			{ LIBIOMMU_PCI_ROM_REGION, 0, b, 4, -EINVAL },
			{ LIBIOMMU_PCI_VGA_REGION, 0, b, 4, -EINVAL },
			{ 1000, 0, b, 4, -EINVAL },
			{ UINT32_MAX, 0, b, 4, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, 0, (void *)8, 4, -EFAULT },
			{ 0, bar0, b, 4, -EINVAL },
		};

		for (i = 0; i < ARRAY_LEN(c); i++) {
			NOTE("index %u offset %#llx buf %p len %#zx", c[i].index,
			     (unsigned long long)c[i].off, c[i].buf, c[i].len);
			memset(b, SENTBYTE, sizeof(b));
			ERR(&lgA, c[i].want, libiommu_dev_region_read, F.dev, c[i].index,
			    c[i].off, c[i].buf, c[i].len);
			SAME(b[0], SENTBYTE);
			ERR(&lgA, c[i].want, libiommu_dev_region_write, F.dev, c[i].index,
			    c[i].off, c[i].buf, c[i].len);
		}
	}
	note[0] = 0;
	OK(&lgA, libiommu_dev_region_read, F.dev, LIBIOMMU_PCI_CONFIG_REGION, 0, NULL, 0);
	OK(&lgA, libiommu_dev_region_write, F.dev, LIBIOMMU_PCI_CONFIG_REGION, 0, NULL, 0);
	OK(&lgA, libiommu_dev_region_read, F.dev, LIBIOMMU_PCI_CONFIG_REGION, 0, b, 4);
	IS(b[0] | b[1] << 8, EDU_VENDOR);
	if (ifd) {
		ERR(&lgA, -EBADF, libiommu_dev_region_read, F.adopted, 0, 0, b, 4);
		ERR(&lgA, -EBADF, libiommu_dev_region_write, F.adopted, 0, 0, b, 4);
	}

	/* mmap */
	addr = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_region_mmap, NULL, 0, 0, PG, LIBIOMMU_REGION_READ, &addr);
	IS(addr, NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap, F.dev, 0, 0, PG, LIBIOMMU_REGION_READ, NULL);
	{
		const struct {
			uint32_t index;
			uint64_t off;
			size_t len;
			uint32_t prot;
			int want;
		} c[] = {
			{ 0, 0, PG, 0, -EINVAL },
			{ 0, 0, PG, LIBIOMMU_REGION_MMAP, -EINVAL },
			{ 0, 0, PG, LIBIOMMU_REGION_READ | 1u << 31, -EINVAL },
			{ 0, 0, 0, LIBIOMMU_REGION_READ, -EINVAL },
			{ 0, 1, PG, LIBIOMMU_REGION_READ, -EINVAL },
			{ 0, bar0, PG, LIBIOMMU_REGION_READ, -EINVAL },
			{ 0, 0, bar0 + PG, LIBIOMMU_REGION_READ, -EINVAL },
			{ 0, 0, SIZE_MAX, LIBIOMMU_REGION_READ, -EINVAL },
			{ 0, -PG, 2 * PG, LIBIOMMU_REGION_READ, -EINVAL },
			{ LIBIOMMU_PCI_CONFIG_REGION, 0, PG, LIBIOMMU_REGION_READ, -EINVAL },
			{ LIBIOMMU_PCI_ROM_REGION, 0, PG, LIBIOMMU_REGION_READ, -EINVAL },
			{ 1000, 0, PG, LIBIOMMU_REGION_READ, -EINVAL },
		};

		for (i = 0; i < ARRAY_LEN(c); i++) {
			NOTE("index %u offset %#llx len %#zx prot %#x", c[i].index,
			     (unsigned long long)c[i].off, c[i].len, c[i].prot);
			addr = SENTPTR;
			ERR(&lgA, c[i].want, libiommu_dev_region_mmap, F.dev, c[i].index,
			    c[i].off, c[i].len, c[i].prot, &addr);
			IS(addr, NULL);
		}
	}
	note[0] = 0;
	if (ifd) {
		addr = SENTPTR;
		ERR(&lgA, -EBADF, libiommu_dev_region_mmap, F.adopted, 0, 0, PG,
		    LIBIOMMU_REGION_READ, &addr);
		IS(addr, NULL);
	}
	OK(&lgA, libiommu_dev_region_mmap, F.dev, 0, 0, PG,
	   LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE, &addr);
	if (addr && addr != SENTPTR)
		munmap(addr, PG);
}

static void storm_hwinfo(void)
{
	struct sizecase sc[16];
	union rawbuf u;
	uint8_t data[64];
	uint32_t len, type;
	size_t n, i;

	result_of(&u, sizeof(struct libiommu_hw_info));
	ERR(NULL, -EINVAL, libiommu_dev_get_hw_info, NULL, (void *)&u);
	result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
	ERR(&lgA, -EINVAL, libiommu_dev_get_hw_info, F.dev, NULL);
	n = sizes(sizeof(struct libiommu_hw_info), sizeof(struct libiommu_hw_info), sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_OK && ifd) {
			OK(&lgA, libiommu_dev_get_hw_info, F.dev, (void *)&u);
			result_check(&u, sizeof(struct libiommu_hw_info), true, 0);
		} else {
			ERR(&lgA, sc[i].kind == SZ_BAD ? -EINVAL : -EOPNOTSUPP,
			    libiommu_dev_get_hw_info, F.dev, (void *)&u);
			result_check(&u, sizeof(struct libiommu_hw_info), false, 8);
		}
	}
	note[0] = 0;
	if (ifd) {
		result_of(&u, sizeof(struct libiommu_hw_info));
		OK(&lgA, libiommu_dev_get_hw_info, F.adopted, (void *)&u);
		result_check(&u, sizeof(struct libiommu_hw_info), true, 0);
	}

	len = SENT32;
	type = SENT32;
	ERR(NULL, -EINVAL, libiommu_dev_get_hw_info_raw, NULL, 0, data, &len, &type);
	SAME(len, SENT32);
	SAME(type, SENT32);
	ERR(&lgA, -EINVAL, libiommu_dev_get_hw_info_raw, F.dev, 0, data, NULL, &type);
	SAME(type, SENT32);
	len = 16;
	ERR(&lgA, -EINVAL, libiommu_dev_get_hw_info_raw, F.dev, 0, NULL, &len, &type);
	SAME(len, 16);
	SAME(type, SENT32);
	if (!ifd) {
		len = sizeof(data);
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_get_hw_info_raw, F.dev, 0, data, &len, &type);
		SAME(len, sizeof(data));
		SAME(type, SENT32);
		return;
	}
	for (i = 0; i < 3; i++) {
		static const uint32_t ty[] = { 0xdead, UINT32_MAX, LIBIOMMU_HW_TYPE_AMD };

		len = sizeof(data);
		NOTE("type %#x", ty[i]);
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_get_hw_info_raw, F.dev, ty[i], data, &len,
		    &type);
		SAME(len, sizeof(data));
		SAME(type, SENT32);
	}
	note[0] = 0;
	len = 16;
	ERR(&lgA, -EFAULT, libiommu_dev_get_hw_info_raw, F.dev, 0, (void *)8, &len, &type);
	SAME(len, 16);
	SAME(type, SENT32);
	len = 0;
	OK(&lgA, libiommu_dev_get_hw_info_raw, F.dev, 0, NULL, &len, NULL);
	if (!len)
		bad("*len is 0: VT-d has data");
	len = 0;
	OK(&lgA, libiommu_dev_get_hw_info_raw, F.dev, 0, NULL, &len, &type);
	IS(type, LIBIOMMU_HW_TYPE_INTEL_VTD);
}

static void storm_hwpt(void)
{
	struct libiommu_hwpt_opts ho = LIBIOMMU_OPTS(libiommu_hwpt_opts), oo;
	uint32_t mockdata[2] = { 0, 0 }, num;
	struct mock_invalidate inv = { 0, 0 };
	struct libiommu_hwpt *h, *probe;
	struct sizecase sc[16];
	uint64_t bm[4];
	union rawbuf u;
	size_t n, i;

	/* libiommu_hwpt_alloc */
	h = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_hwpt_alloc, NULL, F.ioas, NULL, &h);
	NULL_OUT(h);
	h = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_hwpt_alloc, F.dev, NULL, NULL, &h);
	NULL_OUT(h);
	h = SENTPTR;
	ERR(&lgA, -EXDEV, libiommu_hwpt_alloc, F.dev, F.ioasB, NULL, &h);
	NULL_OUT(h);
	h = SENTPTR;
	ERR(&lgB, -EXDEV, libiommu_hwpt_alloc, F.devB, F.ioas, NULL, &h);
	NULL_OUT(h);
	ERR(&lgA, -EINVAL, libiommu_hwpt_alloc, F.dev, F.ioas, NULL, NULL);
	n = sizes(OFFEND(struct libiommu_hwpt_opts, fault_queue), sizeof(ho), sc);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &ho, sizeof(ho), &sc[i]);
		int want = opts_want(&sc[i], ifd ? 0 : -EOPNOTSUPP);

		h = SENTPTR;
		if (want) {
			ERR(&lgA, want, libiommu_hwpt_alloc, F.dev, F.ioas, op, &h);
			NULL_OUT(h);
		} else {
			OK(&lgA, libiommu_hwpt_alloc, F.dev, F.ioas, op, &h);
			OK(&lgA, libiommu_hwpt_destroy, h);
		}
	}
	note[0] = 0;
	{
		const struct {
			uint32_t flags, type;
			const void *data;
			size_t len;
			int want;
		} c[] = {
			{ 1u << 3, 0, NULL, 0, -EINVAL },
			{ 1u << 31, 0, NULL, 0, -EINVAL },
			{ 0, 0, mockdata, 0, -EINVAL },
			{ 0, 0, NULL, 8, -EINVAL },
			{ 0, 0, mockdata, 8, -EINVAL },
			{ 0, LIBIOMMU_HWPT_DATA_VTD_S1, NULL, 0, -EINVAL },
			{ 0, LIBIOMMU_HWPT_DATA_VTD_S1, NULL, 8, -EINVAL },
			{ 0, LIBIOMMU_HWPT_DATA_VTD_S1, mockdata, 0, -EINVAL },
			{ 0, LIBIOMMU_HWPT_DATA_VTD_S1, mockdata, (size_t)UINT32_MAX + 1, -EINVAL },
			{ LIBIOMMU_HWPT_DIRTY_TRACKING, 0, NULL, 0, -EOPNOTSUPP },
		};

		for (i = 0; i < ARRAY_LEN(c); i++) {
			oo = ho;
			oo.flags = c[i].flags;
			oo.data_type = c[i].type;
			oo.data = c[i].data;
			oo.data_len = c[i].len;
			h = SENTPTR;
			NOTE("flags %#x data type %u data %p len %#zx", c[i].flags, c[i].type,
			     c[i].data, c[i].len);
			ERR(&lgA, ifd || c[i].want == -EINVAL ? c[i].want : -EOPNOTSUPP,
			    libiommu_hwpt_alloc, F.dev, F.ioas, &oo, &h);
			NULL_OUT(h);
		}
	}
	note[0] = 0;

	/* libiommu_hwpt_alloc_nested */
	ho = LIBIOMMU_OPTS(libiommu_hwpt_opts, .data_type = MOCK_HWPT_DATA_TYPE,
			   .data = mockdata, .data_len = MOCK_NESTED_DATA_LEN);
	h = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_hwpt_alloc_nested, NULL, F.hwptB, &ho, &h);
	NULL_OUT(h);
	h = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_hwpt_alloc_nested, F.dev, NULL, &ho, &h);
	NULL_OUT(h);
	h = SENTPTR;
	ERR(&lgA, -EXDEV, libiommu_hwpt_alloc_nested, F.dev, F.hwptB, &ho, &h);
	NULL_OUT(h);
	if (ifd) {
		ERR(&lgA, -EINVAL, libiommu_hwpt_alloc_nested, F.adopted, F.parent, &ho, NULL);
		h = SENTPTR;
		ERR(&lgA, -EXDEV, libiommu_hwpt_alloc_nested, F.adopted, F.hwptB, &ho, &h);
		NULL_OUT(h);
		h = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hwpt_alloc_nested, F.adopted, F.dirty, &ho, &h);
		NULL_OUT(h);
		h = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hwpt_alloc_nested, F.adopted, F.nested, &ho, &h);
		NULL_OUT(h);
		h = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hwpt_alloc_nested, F.adopted, F.parent, NULL, &h);
		NULL_OUT(h);
		for (i = 0; i < n; i++) {
			void *op = opts_of(&u, &ho, sizeof(ho), &sc[i]);
			/* an older caller's struct without the data needs it */
			int want = sc[i].kind == SZ_OK && sc[i].sz < OFFEND(struct libiommu_hwpt_opts, data_len) ? -EINVAL
														 : opts_want(&sc[i], 0);

			h = SENTPTR;
			if (want) {
				ERR(&lgA, want, libiommu_hwpt_alloc_nested, F.adopted, F.parent, op, &h);
				NULL_OUT(h);
			} else {
				OK(&lgA, libiommu_hwpt_alloc_nested, F.adopted, F.parent, op, &h);
				OK(&lgA, libiommu_hwpt_destroy, h);
			}
		}
		note[0] = 0;
		for (i = 0; i < 5; i++) {
			static const uint32_t fl[] = { LIBIOMMU_HWPT_NEST_PARENT,
						       LIBIOMMU_HWPT_DIRTY_TRACKING, 1u << 3,
						       1u << 31, 0 };

			oo = ho;
			oo.flags = fl[i];
			if (i == 4)
				oo.data_type = 0;
			h = SENTPTR;
			NOTE("flags %#x data type %u", oo.flags, oo.data_type);
			ERR(&lgA, -EINVAL, libiommu_hwpt_alloc_nested, F.adopted, F.parent, &oo, &h);
			NULL_OUT(h);
		}
		note[0] = 0;
		/* a nest parent with a child is busy, and stays valid */
		num = libiommu_hwpt_id(F.parent);
		ERR(&lgA, -EBUSY, libiommu_hwpt_destroy, F.parent);
		VAL(&lgA, num, libiommu_hwpt_id, F.parent);
	}
	VAL(NULL, 0, libiommu_hwpt_destroy, NULL);
	VAL(NULL, 0, libiommu_hwpt_id, NULL);
	IS(errno, EINVAL);

	/* dirty tracking of a HWPT */
	probe = ifd ? F.hwpt : F.hwptB;
	ERR(NULL, -EINVAL, libiommu_hwpt_set_dirty_tracking, NULL, true);
	ERR(ifd ? &lgA : &lgB, -EINVAL, libiommu_hwpt_set_dirty_tracking, probe, true);
	if (ifd) {
		ERR(&lgA, -EINVAL, libiommu_hwpt_set_dirty_tracking, F.nested, true);
		OK(&lgA, libiommu_hwpt_set_dirty_tracking, F.dirty, true);
	}
	memset(bm, 0x5e, sizeof(bm));
	ERR(NULL, -EINVAL, libiommu_hwpt_get_dirty_bitmap, NULL, 0, PG, PG, bm, 0);
	{
		static const struct {
			uint64_t iova, len, pgsz;
			bool nobm;
			uint32_t flags;
		} d[] = {
			{ 1u << 24, 4096, 4096, true, 0 },
			{ 1u << 24, 4096, 0, false, 0 },
			{ 1u << 24, 4096, 3, false, 0 },
			{ 1u << 24, 4096, 4097, false, 0 },
			{ 1, 4096, 4096, false, 0 },
			{ 1u << 24, 4095, 4096, false, 0 },
			{ 1u << 24, 0, 4096, false, 0 },
			{ UINT64_MAX - 4095, 8192, 4096, false, 0 },
			{ 1u << 24, 4096, 4096, false, 2 },
			{ 1u << 24, 4096, 4096, false, 1u << 31 },
		};
		struct libiommu_hwpt *target = ifd ? F.dirty : F.hwptB;

		for (i = 0; i < ARRAY_LEN(d); i++) {
			NOTE("iova %#llx length %#llx page size %#llx%s flags %#x",
			     (unsigned long long)d[i].iova, (unsigned long long)d[i].len,
			     (unsigned long long)d[i].pgsz, d[i].nobm ? " NULL bitmap" : "",
			     d[i].flags);
			ERR(ifd ? &lgA : &lgB, -EINVAL, libiommu_hwpt_get_dirty_bitmap, target,
			    d[i].iova, d[i].len, d[i].pgsz, d[i].nobm ? NULL : bm, d[i].flags);
			SAME(bm[0], SENT64);
		}
	}
	note[0] = 0;
	ERR(ifd ? &lgA : &lgB, -EINVAL, libiommu_hwpt_get_dirty_bitmap, probe, 1u << 24, PG,
	    PG, bm, 0);
	SAME(bm[0], SENT64);
	if (ifd) {
		ERR(&lgA, -EINVAL, libiommu_hwpt_get_dirty_bitmap, F.nested, 1u << 24, PG, PG,
		    bm, 0);
		OK(&lgA, libiommu_hwpt_get_dirty_bitmap, F.dirty, 1u << 24, 4 * PG, PG, bm, 0);
		OK(&lgA, libiommu_hwpt_set_dirty_tracking, F.dirty, false);
	}

	/* invalidation */
	num = SENT32;
	ERR(NULL, -EINVAL, libiommu_hwpt_invalidate, NULL, 0, &inv, sizeof(inv), &num);
	SAME(num, SENT32);
	ERR(ifd ? &lgA : &lgB, -EINVAL, libiommu_hwpt_invalidate, probe, 0, &inv,
	    sizeof(inv), NULL);
	num = 1;
	ERR(ifd ? &lgA : &lgB, -EINVAL, libiommu_hwpt_invalidate, probe, 0, &inv,
	    sizeof(inv), &num);
	IS(num, 0); /* how many were handled, also on failure (the page) */
	if (ifd) {
		num = 1;
		ERR(&lgA, -EINVAL, libiommu_hwpt_invalidate, F.nested, MOCK_INVALIDATE_DATA_TYPE,
		    NULL, sizeof(inv), &num);
		IS(num, 0);
		num = 1;
		ERR(&lgA, -EINVAL, libiommu_hwpt_invalidate, F.nested, MOCK_INVALIDATE_DATA_TYPE,
		    &inv, 0, &num);
		IS(num, 0);
		num = 1;
		ERR(&lgA, -EINVAL, libiommu_hwpt_invalidate, F.nested, 0x1234, &inv,
		    sizeof(inv), &num);
		IS(num, 0);
		num = 1;
		inv.flags = 1u << 7;
		ERR(&lgA, -EOPNOTSUPP, libiommu_hwpt_invalidate, F.nested,
		    MOCK_INVALIDATE_DATA_TYPE, &inv, sizeof(inv), &num);
		IS(num, 0);
		inv.flags = 0;
		num = 1;
		OK(&lgA, libiommu_hwpt_invalidate, F.nested, MOCK_INVALIDATE_DATA_TYPE, &inv,
		   sizeof(inv), &num);
		IS(num, 1);
	}
}

static void storm_coherency(void)
{
	struct libiommu_coherency *c;
	const struct libiommu_coherency *m;
	enum libiommu_coherency_reason reason;
	enum libiommu_coherency_answer ans;
	struct sizecase sc[16];
	const char *s;
	char text[64];
	union rawbuf u;
	size_t n, i;
	int len;

	c = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_coherency_get_dev, NULL, &c);
	NULL_OUT(c);
	ERR(&lgA, -EINVAL, libiommu_coherency_get_dev, F.dev, NULL);
	c = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_coherency_get_ioas, NULL, &c);
	NULL_OUT(c);
	ERR(&lgA, -EINVAL, libiommu_coherency_get_ioas, F.ioas, NULL);
	c = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_coherency_get_kvm, NULL, &c);
	NULL_OUT(c);
	if (have_kvm)
		ERR(&lgA, -EINVAL, libiommu_coherency_get_kvm, F.kvm, NULL);
	if (ifd) {
		OK(&lgA, libiommu_coherency_get_dev, F.adopted, &c);
		libiommu_coherency_free(c);
	}
	OK(&lgA, libiommu_coherency_get_ioas, F.ioas, &c);
	VAL(NULL, 1, libiommu_coherency_nr_members, c);
	CALLT(const struct libiommu_coherency *, m, libiommu_coherency_member, c, 1);
	IS(m, NULL);
	IS(errno, EINVAL);
	CALLT(const struct libiommu_coherency *, m, libiommu_coherency_member, c, SIZE_MAX);
	IS(m, NULL);
	IS(errno, EINVAL);
	libiommu_coherency_free(c);

	/* a device report: its getters, fields and changes out of range */
	CALLT(const struct libiommu_coherency *, m, libiommu_coherency_member, F.coh, 0);
	IS(m, NULL);
	IS(errno, EINVAL);
	for (i = 0; i < 4; i++) {
		static const int fv[] = { -1, LIBIOMMU_COHERENCY_FIELD__COUNT, INT_MAX, 64 };
		enum libiommu_coherency_source src;

		NOTE("value %d", fv[i]);
		s = SENTPTR;
		CALLT(enum libiommu_coherency_source, src, libiommu_coherency_source, F.coh,
		      (enum libiommu_coherency_field)fv[i], &s);
		IS(errno, EINVAL);
		IS(src, LIBIOMMU_COHERENCY_SOURCE_NONE);
		if (s == SENTPTR || !s || *s)
			bad("*detail is not \"\"");
		s = SENTPTR;
		reason = (enum libiommu_coherency_reason)SENT32;
		VAL(NULL, LIBIOMMU_COHERENCY_VERDICT_UNKNOWN, libiommu_coherency_change, F.coh,
		    (enum libiommu_coherency_change)fv[i], &reason, &s);
		IS(errno, EINVAL);
		IS(reason, LIBIOMMU_COHERENCY_REASON_NONE);
		if (s == SENTPTR || !s || *s)
			bad("*text is not \"\"");
	}
	note[0] = 0;
	for (i = 0; i < LIBIOMMU_COHERENCY_FIELD__COUNT; i++) {
		enum libiommu_coherency_source src;

		NOTE("field %zu", i);
		CALLT(enum libiommu_coherency_source, src, libiommu_coherency_source, F.coh,
		      (enum libiommu_coherency_field)i, NULL);
		if ((unsigned int)src >= LIBIOMMU_COHERENCY_SOURCE__COUNT)
			bad("source %d", src);
	}
	for (i = 0; i < LIBIOMMU_COHERENCY_CHANGE__COUNT; i++) {
		NOTE("change %zu", i);
		NONNEG(NULL, libiommu_coherency_change, F.coh, (enum libiommu_coherency_change)i,
		       NULL, NULL);
	}
	note[0] = 0;
	CALLT(const char *, s, libiommu_coherency_name, F.coh);
	if (!s || !*s)
		bad("no name");
	VAL(NULL, 0, libiommu_coherency_nr_members, F.coh);
	NONNEG(NULL, libiommu_coherency_iommu_can_block, F.coh);
	NONNEG(NULL, libiommu_coherency_iommu_blocks, F.coh);
	NONNEG(NULL, libiommu_coherency_dev_nosnoop, F.coh);
	NONNEG(NULL, libiommu_coherency_box, F.coh);
	NONNEG(NULL, libiommu_coherency_dma_coherent, F.coh);
	NONNEG(NULL, libiommu_coherency_kvm_wbinvd, F.coh, NULL);
	NONNEG(NULL, libiommu_coherency_default_policy, F.coh);
	NONNEG(NULL, libiommu_coherency_kvm_noncoherent, F.coh, NULL);
	NONNEG(NULL, libiommu_coherency_kvm_hazard, F.coh);
	ans = (enum libiommu_coherency_answer)SENT32;
	NONNEG(NULL, libiommu_coherency_hwpt_id, F.coh, &ans);
	if ((unsigned int)ans > LIBIOMMU_COHERENCY_ANSWER_MIXED)
		bad("*enforced is %d", ans);

	/* the text: snprintf semantics, and into every kind of fd */
	NONNEG(NULL, libiommu_coherency_format, F.coh, NULL, 0);
	len = (int)rv;
	VAL(NULL, len, libiommu_coherency_format, F.coh, NULL, sizeof(text));
	memset(text, SENTBYTE, sizeof(text));
	VAL(NULL, len, libiommu_coherency_format, F.coh, text, 1);
	IS(text[0], 0);
	IS((unsigned char)text[1], SENTBYTE);
	memset(text, SENTBYTE, sizeof(text));
	VAL(NULL, len, libiommu_coherency_format, F.coh, text, sizeof(text));
	IS(strlen(text), sizeof(text) - 1);
	for (i = 0; i < U__COUNT; i++) {
		static const int want[U__COUNT] = {
			[U_NEG] = -EINVAL,
			[U_CLOSED] = -EBADF,
			[U_NULL] = 0,
			[U_PIPE_R] = -EBADF,
			[U_PIPE_W] = 0,
			[U_EVENTFD] = -EINVAL,
			[U_KVM] = -EINVAL,
			[U_IOMMUFD] = -EINVAL,
			[U_CONTAINER] = -EINVAL,
			[U_DIR] = -EBADF,
			[U_MEMFD] = 0,
		};

		NOTE("%s", ufd_name[i]);
		if (want[i])
			ERR(NULL, want[i], libiommu_coherency_write, F.coh, ufd[i]);
		else
			OK(NULL, libiommu_coherency_write, F.coh, ufd[i]);
	}
	{
		int full, p[2];
		char drain[4096];

		while (read(ufd[U_PIPE_R], drain, sizeof(drain)) == (ssize_t)sizeof(drain))
			;
		end_case();
		full = open("/dev/full", O_WRONLY | O_CLOEXEC);
		NOTE("/dev/full");
		if (full >= 0) {
			ERR(NULL, -ENOSPC, libiommu_coherency_write, F.coh, full);
			end_case();
			close(full);
		}
		NOTE("a pipe without a reader");
		if (pipe2(p, O_CLOEXEC) == 0) {
			close(p[0]);
			ERR(NULL, -EPIPE, libiommu_coherency_write, F.coh, p[1]);
			end_case();
			close(p[1]);
		}
	}
	note[0] = 0;

	/* force-enable: *reason is set either way (the page) */
	reason = (enum libiommu_coherency_reason)SENT32;
	ERR(NULL, -EINVAL, libiommu_coherency_force_enable, NULL, edu_path, true, &reason);
	IS(reason, LIBIOMMU_COHERENCY_REASON_NONE);
	reason = (enum libiommu_coherency_reason)SENT32;
	ERR(&lgA, -EINVAL, libiommu_coherency_force_enable, F.A, NULL, true, &reason);
	IS(reason, LIBIOMMU_COHERENCY_REASON_NONE);
	{
		static const struct {
			const char *path;
			int want;
		} p[] = {
			{ "/nonexistent/vfio0", -ENOENT },
			{ "", -ENOENT },
			{ "/", -ENOTTY },
			{ "/dev/null", -ENOTTY },
			{ "/dev/vfio/vfio", -ENOTTY },
			{ "/dev/iommu", -ENOTTY },
			{ "/proc/self/status", -ENOTTY },
		};

		for (i = 0; i < ARRAY_LEN(p); i++) {
			reason = (enum libiommu_coherency_reason)SENT32;
			NOTE("path \"%s\"", p[i].path);
			ERR(&lgA, p[i].want, libiommu_coherency_force_enable, F.A, p[i].path, true,
			    &reason);
			IS(reason, LIBIOMMU_COHERENCY_REASON_NONE);
			ERR(&lgA, p[i].want, libiommu_coherency_force_enable, F.A, p[i].path, false,
			    NULL);
		}
	}
	note[0] = 0;

	/* Enable No Snoop: the edu has no PCIe capability */
	result_of(&u, sizeof(struct libiommu_nosnoop_result));
	ERR(NULL, -EINVAL, libiommu_coherency_set_nosnoop, NULL, false, (void *)&u);
	result_check(&u, sizeof(struct libiommu_nosnoop_result), false, 8);
	n = sizes(OFFEND(struct libiommu_nosnoop_result, reason),
		  sizeof(struct libiommu_nosnoop_result), sc);
	for (i = 0; i < n; i++) {
		const size_t known = OFFEND(struct libiommu_nosnoop_result, reason);

		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_BAD) {
			ERR(&lgA, -EINVAL, libiommu_coherency_set_nosnoop, F.dev, false, (void *)&u);
			result_check(&u, known, false, 8);
			continue;
		}
		OK(&lgA, libiommu_coherency_set_nosnoop, F.dev, false, (void *)&u);
		result_check(&u, known, true, 0);
		/* setting fails, and the result says why (the page's reason codes) */
		result_of(&u, sc[i].sz);
		ERR(&lgA, -EOPNOTSUPP, libiommu_coherency_set_nosnoop, F.dev, true, (void *)&u);
		result_check(&u, known, true, 0);
		if (sc[i].sz >= known &&
		    ((struct libiommu_nosnoop_result *)&u)->reason != LIBIOMMU_COHERENCY_REASON_NO_PCIE)
			bad("reason %d, not LIBIOMMU_COHERENCY_REASON_NO_PCIE",
			    ((struct libiommu_nosnoop_result *)&u)->reason);
	}
	note[0] = 0;
	OK(&lgA, libiommu_coherency_set_nosnoop, F.dev, false, NULL);
	ERR(&lgA, -EOPNOTSUPP, libiommu_coherency_set_nosnoop, F.dev, true, NULL);
	if (ifd) {
		result_of(&u, sizeof(struct libiommu_nosnoop_result));
		ERR(&lgA, -EBADF, libiommu_coherency_set_nosnoop, F.adopted, true, (void *)&u);
		result_check(&u, OFFEND(struct libiommu_nosnoop_result, reason), true, 0);
		if (((struct libiommu_nosnoop_result *)&u)->reason !=
		    LIBIOMMU_COHERENCY_REASON_NO_DEVICE_FD)
			bad("reason %d, not LIBIOMMU_COHERENCY_REASON_NO_DEVICE_FD",
			    ((struct libiommu_nosnoop_result *)&u)->reason);
	}
}

static void storm_kvm(void)
{
	struct libiommu_kvm_opts ko = LIBIOMMU_OPTS(libiommu_kvm_opts), oo;
	struct libiommu_coherency *c;
	struct libiommu_kvm *k;
	struct sizecase sc[16];
	union rawbuf u;
	uint32_t count;
	size_t n, i;
	int vm2, kdev;

	k = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_kvm_new, NULL, F.vmA, NULL, &k);
	NULL_OUT(k);
	ERR(&lgA, -EINVAL, libiommu_kvm_new, F.A, F.vmA, NULL, NULL);
	for (i = 0; i < U__COUNT; i++) {
		k = SENTPTR;
		NOTE("%s", ufd_name[i]);
		ERR(&lgA, i <= U_CLOSED ? -EBADF : -ENOTTY, libiommu_kvm_new, F.A, ufd[i], NULL,
		    &k);
		NULL_OUT(k);
	}
	note[0] = 0;
	VOID_KEEPS_ERRNO(libiommu_kvm_free, NULL);
	ERR(NULL, -EINVAL, libiommu_kvm_fd, NULL);
	ERR(NULL, -EINVAL, libiommu_kvm_add_dev, NULL, F.dev);
	ERR(NULL, -EINVAL, libiommu_kvm_del_dev, NULL, F.dev);
	count = SENT32;
	ERR(NULL, -EINVAL, libiommu_kvm_noncoherent, NULL, &count);
	SAME(count, SENT32);
	if (!have_kvm)
		return;

	k = SENTPTR;
	NOTE("the VM's kvm-vfio fd");
	ERR(&lgA, -ENOTTY, libiommu_kvm_new, F.A, libiommu_kvm_fd(F.kvm), NULL, &k);
	NULL_OUT(k);
	n = sizes(OFFEND(struct libiommu_kvm_opts, kvm_vfio_fd), sizeof(ko), sc);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &ko, sizeof(ko), &sc[i]);
		int want = opts_want(&sc[i], 0);

		k = SENTPTR;
		if (want) {
			ERR(&lgA, want, libiommu_kvm_new, F.A, F.vmA, op, &k);
			NULL_OUT(k);
		} else {
			/* the VM's device, from the handle of A that made it */
			OK(&lgA, libiommu_kvm_new, F.A, F.vmA, op, &k);
			libiommu_kvm_free(k);
		}
	}
	note[0] = 0;
	{
		const struct {
			uint32_t flags;
			int fd;
			size_t sz;
			int want;
		} cs_[] = {
			{ 1u << 1, -1, sizeof(ko), -EINVAL },
			{ 1u << 31, -1, sizeof(ko), -EINVAL },
			{ LIBIOMMU_KVM_DEVICE_FD, -1, sizeof(ko), -EBADF },
			{ LIBIOMMU_KVM_DEVICE_FD, CLOSED_FD, sizeof(ko), -EBADF },
			{ LIBIOMMU_KVM_DEVICE_FD, ufd[U_NULL], sizeof(ko), -EBADF },
			{ LIBIOMMU_KVM_DEVICE_FD, ufd[U_KVM], sizeof(ko), -EBADF },
			{ LIBIOMMU_KVM_DEVICE_FD, F.vmA, sizeof(ko), -EBADF },
			{ LIBIOMMU_KVM_DEVICE_FD, libiommu_kvm_fd(F.kvm),
			  OFFEND(struct libiommu_kvm_opts, flags), -EBADF },
		};

		for (i = 0; i < ARRAY_LEN(cs_); i++) {
			oo = ko;
			oo.flags = cs_[i].flags;
			oo.kvm_vfio_fd = cs_[i].fd;
			oo.sz = cs_[i].sz;
			k = SENTPTR;
			NOTE("flags %#x kvm_vfio_fd %d sz %zu", oo.flags, oo.kvm_vfio_fd, oo.sz);
			ERR(&lgA, cs_[i].want, libiommu_kvm_new, F.A, F.vmA, &oo, &k);
			NULL_OUT(k);
		}
	}
	note[0] = 0;
	/* a VM whose kvm-vfio device was made outside the context */
	end_case();
	vm2 = ku_kvm_new_vm();
	kdev = ku_kvm_new_vfio_dev(vm2);
	k = SENTPTR;
	ERR(&lgA, -EBUSY, libiommu_kvm_new, F.A, vm2, NULL, &k);
	NULL_OUT(k);
	oo = ko;
	oo.flags = LIBIOMMU_KVM_DEVICE_FD;
	oo.kvm_vfio_fd = kdev;
	OK(&lgA, libiommu_kvm_new, F.A, vm2, &oo, &k);
	libiommu_kvm_free(k);
	end_case();
	close(kdev);
	close(vm2);

	VAL(&lgA, libiommu_kvm_fd(F.kvm), libiommu_kvm_fd, F.kvm);
	ERR(&lgA, -EINVAL, libiommu_kvm_add_dev, F.kvm, NULL);
	ERR(&lgA, -EXDEV, libiommu_kvm_add_dev, F.kvm, F.devB);
	ERR(&lgB, -EXDEV, libiommu_kvm_add_dev, F.kvmB, F.dev);
	if (ifd)
		ERR(&lgA, -EBADF, libiommu_kvm_add_dev, F.kvm, F.adopted);
	ERR(&lgA, -EINVAL, libiommu_kvm_del_dev, F.kvm, NULL);
	ERR(&lgA, -ENOENT, libiommu_kvm_del_dev, F.kvm, F.dev);
	ERR(&lgA, -ENOENT, libiommu_kvm_del_dev, F.kvm, F.devB);
	OK(&lgA, libiommu_kvm_add_dev, F.kvm, F.dev);
	OK(&lgA, libiommu_kvm_add_dev, F.kvm, F.dev);
	OK(&lgA, libiommu_coherency_get_kvm, F.kvm, &c);
	VAL(NULL, 1, libiommu_coherency_nr_members, c);
	libiommu_coherency_free(c);
	OK(&lgA, libiommu_kvm_del_dev, F.kvm, F.dev);
	ERR(&lgA, -ENOENT, libiommu_kvm_del_dev, F.kvm, F.dev);
	/* KVM's own state: through the companion module, else unknown */
	count = SENT32;
	if (access("/dev/libiommu", F_OK) == 0) {
		NONNEG(&lgA, libiommu_kvm_noncoherent, F.kvm, &count);
		NONNEG(&lgA, libiommu_kvm_noncoherent, F.kvm, NULL);
	} else {
		ERR(&lgA, -EOPNOTSUPP, libiommu_kvm_noncoherent, F.kvm, &count);
		SAME(count, SENT32);
		ERR(&lgA, -EOPNOTSUPP, libiommu_kvm_noncoherent, F.kvm, NULL);
	}
}

/*
 * vIOMMU, vDEVICE, vEVENTQ, HW queue and fault queue: iommufd only (the
 * mock's types on the nest parent of the adopted mock device); a kernel
 * without them answers -EOPNOTSUPP, and so do the legacy backends.
 */
static void storm_viommu(void)
{
	struct libiommu_viommu_opts vo = LIBIOMMU_OPTS(libiommu_viommu_opts,
						       .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST);
	struct libiommu_veventq_opts eo = LIBIOMMU_OPTS(libiommu_veventq_opts,
							.type = LIBIOMMU_VEVENTQ_TYPE_SELFTEST,
							.depth = 4),
				     eoo;
	struct libiommu_hw_queue_opts qo = LIBIOMMU_OPTS(libiommu_hw_queue_opts,
							 .type = LIBIOMMU_HW_QUEUE_TYPE_SELFTEST,
							 .iova = MOCK_APERTURE_START,
							 .length = PG),
				      qoo;
	struct mock_hwpt_data nd = { .iotlb = MOCK_IOTLB_DEFAULT };
	struct libiommu_hwpt_opts ho = LIBIOMMU_OPTS(libiommu_hwpt_opts,
						     .data_type = MOCK_HWPT_DATA_TYPE,
						     .data = &nd, .data_len = MOCK_NESTED_DATA_LEN);
	struct libiommu_viommu *v, *v2;
	struct libiommu_vdevice *vd, *vd2;
	struct libiommu_veventq *q, *q2;
	struct libiommu_hw_queue *hq;
	struct libiommu_fault_queue *fq;
	struct libiommu_hwpt *h;
	struct libiommu_vevent ev;
	struct libiommu_fault flt[2];
	struct sizecase sc[16];
	union rawbuf u;
	uint32_t num, x = 0;
	uint64_t iova;
	size_t n, i, nr;
	void *addr;
	int have;

	/* no handle: no context to log to */
	v = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_viommu_alloc, NULL, F.parent, &vo, &v);
	NULL_OUT(v);
	VAL(NULL, 0, libiommu_viommu_destroy, NULL);
	VAL(NULL, 0, libiommu_viommu_id, NULL);
	IS(errno, EINVAL);
	h = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_viommu_alloc_hwpt, NULL, F.adopted, &ho, &h);
	NULL_OUT(h);
	num = 1;
	ERR(NULL, -EINVAL, libiommu_viommu_invalidate, NULL, 0, &x, sizeof(x), &num);
	addr = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_viommu_mmap, NULL, 0, PG, PROT_READ, &addr);
	vd = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_vdevice_alloc, NULL, F.adopted, 1, &vd);
	NULL_OUT(vd);
	VAL(NULL, 0, libiommu_vdevice_destroy, NULL);
	VAL(NULL, 0, libiommu_vdevice_id, NULL);
	IS(errno, EINVAL);
	vd = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_vdevice_lookup, NULL, 1, &vd);
	NULL_OUT(vd);
	q = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_veventq_alloc, NULL, &eo, &q);
	NULL_OUT(q);
	VAL(NULL, 0, libiommu_veventq_destroy, NULL);
	ERR(NULL, -EINVAL, libiommu_veventq_fd, NULL);
	memset(&ev, SENTBYTE, sizeof(ev));
	ev.sz = sizeof(ev);
	ERR(NULL, -EINVAL, libiommu_veventq_read, NULL, &ev);
	hq = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_hw_queue_alloc, NULL, &qo, &hq);
	NULL_OUT(hq);
	VAL(NULL, 0, libiommu_hw_queue_destroy, NULL);
	fq = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_fault_queue_alloc, NULL, &fq);
	NULL_OUT(fq);
	VAL(NULL, 0, libiommu_fault_queue_destroy, NULL);
	ERR(NULL, -EINVAL, libiommu_fault_queue_fd, NULL);
	nr = SIZE_MAX;
	ERR(NULL, -EINVAL, libiommu_fault_queue_read, NULL, flt, 2, &nr);
	SAME(nr, SIZE_MAX);
	ERR(NULL, -EINVAL, libiommu_fault_queue_respond, NULL, 1,
	    LIBIOMMU_FAULT_RESP_SUCCESS);

	/* the device's context logs */
	v = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc, F.dev, NULL, &vo, &v);
	NULL_OUT(v);
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc, F.dev, F.parent, &vo, NULL);
	v = SENTPTR;
	ERR(&lgA, -EXDEV, libiommu_viommu_alloc, F.dev, F.hwptB, &vo, &v);
	NULL_OUT(v);
	if (!ifd) {
		fq = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_fault_queue_alloc, F.A, &fq);
		NULL_OUT(fq);
		ERR(&lgA, -EINVAL, libiommu_fault_queue_alloc, F.A, NULL);
		return;
	}
	v = SENTPTR;
	ERR(&lgB, -EXDEV, libiommu_viommu_alloc, F.devB, F.parent, &vo, &v);
	NULL_OUT(v);

	/* fault queue */
	have = libiommu_ctx_has_feature(F.A, LIBIOMMU_FEAT_FAULT_QUEUE);
	ERR(&lgA, -EINVAL, libiommu_fault_queue_alloc, F.A, NULL);
	fq = SENTPTR;
	if (have != 1) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_fault_queue_alloc, F.A, &fq);
		NULL_OUT(fq);
	} else {
		OK(&lgA, libiommu_fault_queue_alloc, F.A, &fq);
		fds_change(); /* the queue's fd */
		NONNEG(&lgA, libiommu_fault_queue_fd, fq);
		nr = SIZE_MAX;
		ERR(&lgA, -EINVAL, libiommu_fault_queue_read, fq, flt, 2, NULL);
		ERR(&lgA, -EINVAL, libiommu_fault_queue_read, fq, NULL, 2, &nr);
		SAME(nr, SIZE_MAX);
		for (i = 0; i < 4; i++) {
			static const size_t fsz[] = { 0, 1, sizeof(size_t) - 1 };

			if (i < ARRAY_LEN(fsz)) {
				flt[0].sz = fsz[i];
				NOTE("faults[0].sz %zu", fsz[i]);
				ERR(&lgA, -EINVAL, libiommu_fault_queue_read, fq, flt, 2, &nr);
				SAME(nr, SIZE_MAX);
			} else {
				flt[0].sz = sizeof(flt[0]);
				NOTE("no fault waits");
				VAL(&lgA, 0, libiommu_fault_queue_read, fq, flt, 2, &nr);
			}
		}
		note[0] = 0;
		VAL(&lgA, 0, libiommu_fault_queue_read, fq, NULL, 0, &nr);
		ERR(&lgA, -EINVAL, libiommu_fault_queue_respond, fq, 1, 2);
		ERR(&lgA, -EINVAL, libiommu_fault_queue_respond, fq, 1, UINT32_MAX);
		ERR(&lgA, -ENOENT, libiommu_fault_queue_respond, fq, 12345,
		    LIBIOMMU_FAULT_RESP_SUCCESS);
		ERR(&lgA, -ENOENT, libiommu_fault_queue_respond, fq, 0,
		    LIBIOMMU_FAULT_RESP_INVALID);
		OK(&lgA, libiommu_fault_queue_destroy, fq);
		fds_change();
	}

	/* vIOMMU */
	have = libiommu_ctx_has_feature(F.A, LIBIOMMU_FEAT_VIOMMU);
	if (have != 1) {
		v = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_viommu_alloc, F.adopted, F.parent, &vo, &v);
		NULL_OUT(v);
		return;
	}
	v = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc, F.adopted, F.dirty, &vo,
	    &v);
	NULL_OUT(v);
	v = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc, F.adopted, F.nested, &vo, &v);
	NULL_OUT(v);
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc, F.adopted, F.parent, NULL, &v);
	{
		const struct {
			uint32_t type, flags;
			void *data;
			size_t len;
			int want;
		} cs_[] = {
			{ 0, 0, NULL, 0, -EINVAL },
			{ LIBIOMMU_VIOMMU_TYPE_SELFTEST, 1, NULL, 0, -EINVAL },
			{ LIBIOMMU_VIOMMU_TYPE_SELFTEST, 1u << 31, NULL, 0, -EINVAL },
			{ LIBIOMMU_VIOMMU_TYPE_SELFTEST, 0, &x, 0, -EINVAL },
			{ LIBIOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 4, -EINVAL },
			{ LIBIOMMU_VIOMMU_TYPE_SELFTEST, 0, &x, (size_t)UINT32_MAX + 1, -EINVAL },
			{ 0x7777, 0, NULL, 0, -EOPNOTSUPP },
			{ LIBIOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0, NULL, 0, -EOPNOTSUPP },
		};
		struct libiommu_viommu_opts oo;

		for (i = 0; i < ARRAY_LEN(cs_); i++) {
			oo = vo;
			oo.type = cs_[i].type;
			oo.flags = cs_[i].flags;
			oo.data = cs_[i].data;
			oo.data_len = cs_[i].len;
			NOTE("type %#x flags %#x data %s data_len %zu", oo.type, oo.flags,
			     oo.data ? "set" : "NULL", oo.data_len);
			v = SENTPTR;
			ERR(&lgA, cs_[i].want, libiommu_viommu_alloc, F.adopted, F.parent, &oo,
			    &v);
			NULL_OUT(v);
		}
	}
	n = sizes(OFFEND(struct libiommu_viommu_opts, data_len), sizeof(vo), sc);
	for (i = 0; i < n; i++) {
		void *op = opts_of(&u, &vo, sizeof(vo), &sc[i]);
		int want = opts_want(&sc[i], 0);

		v = SENTPTR;
		/* sz 8: no type, which a vIOMMU needs */
		if (want == 0 && sc[i].sz < OFFEND(struct libiommu_viommu_opts, type))
			want = -EINVAL;
		if (want) {
			ERR(&lgA, want, libiommu_viommu_alloc, F.adopted, F.parent, op, &v);
			NULL_OUT(v);
		} else {
			OK(&lgA, libiommu_viommu_alloc, F.adopted, F.parent, op, &v);
			OK(&lgA, libiommu_viommu_destroy, v);
		}
	}
	note[0] = 0;
	v = NULL;
	OK(&lgA, libiommu_viommu_alloc, F.adopted, F.parent, &vo, &v);
	if (!v)
		return;
	NONNEG(&lgA, libiommu_viommu_id, v);
	if (rv == 0 || (uint32_t)rv == libiommu_hwpt_id(F.parent))
		bad("the vIOMMU's id is %ld", rv);
	ERR(&lgA, -EBUSY, libiommu_hwpt_destroy, F.parent);

	/* invalidation through it */
	ERR(&lgA, -EINVAL, libiommu_viommu_invalidate, v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
	    &x, sizeof(x), NULL);
	num = 1;
	ERR(&lgA, -EINVAL, libiommu_viommu_invalidate, v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
	    NULL, sizeof(x), &num);
	IS(num, 0);
	num = 1;
	ERR(&lgA, -EINVAL, libiommu_viommu_invalidate, v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
	    &x, 0, &num);
	IS(num, 0);
	num = 0;
	OK(&lgA, libiommu_viommu_invalidate, v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE, NULL, 0,
	   &num);
	IS(num, 0);

	/* its region: bad arguments */
	ERR(&lgA, -EINVAL, libiommu_viommu_mmap, v, 0, PG, PROT_READ, NULL);
	ERR(&lgA, -EINVAL, libiommu_viommu_mmap, v, 0, 0, PROT_READ, &addr);
	IS(addr, NULL);
	ERR(&lgA, -EINVAL, libiommu_viommu_mmap, v, 0, PG, PROT_EXEC, &addr);
	IS(addr, NULL);
	ERR(&lgA, -EINVAL, libiommu_viommu_mmap, v, 0, PG, -1, &addr);
	IS(addr, NULL);
	/* the mock's page, where its driver data says */
	{
		struct mock_viommu_data dd = { .in_data = 0x5a5a1234 };
		struct libiommu_viommu_opts od = vo;

		od.data = &dd;
		od.data_len = sizeof(dd);
		v2 = NULL;
		OK(&lgA, libiommu_viommu_alloc, F.adopted, F.parent, &od, &v2);
		IS(dd.out_data, 0x5a5a1234);
		addr = NULL;
		OK(&lgA, libiommu_viommu_mmap, v2, dd.out_mmap_offset, dd.out_mmap_length,
		   PROT_READ, &addr);
		if (addr && *(volatile uint32_t *)addr != 0x5a5a1234)
			bad("the mapped page does not start with the vIOMMU's in_data");
		/* the mapping holds the vIOMMU */
		ERR(&lgA, -EBUSY, libiommu_viommu_destroy, v2);
		end_case();
		if (addr)
			munmap(addr, dd.out_mmap_length);
		addr = SENTPTR;
		ERR(&lgA, -ENXIO, libiommu_viommu_mmap, v2, dd.out_mmap_offset + PG,
		    dd.out_mmap_length, PROT_READ, &addr);
		IS(addr, NULL);
		OK(&lgA, libiommu_viommu_destroy, v2);
	}

	/* nested HWPT on it */
	h = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc_hwpt, v, NULL, &ho, &h);
	NULL_OUT(h);
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc_hwpt, v, F.adopted, &ho, NULL);
	h = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_viommu_alloc_hwpt, v, F.adopted, NULL, &h);
	NULL_OUT(h);
	h = NULL;
	OK(&lgA, libiommu_viommu_alloc_hwpt, v, F.adopted, &ho, &h);
	ERR(&lgA, -EBUSY, libiommu_viommu_destroy, v);
	if (h)
		OK(&lgA, libiommu_hwpt_destroy, h);

	/* vDEVICE */
	vd = SENTPTR;
	ERR(&lgA, -EINVAL, libiommu_vdevice_alloc, v, NULL, 0x10, &vd);
	NULL_OUT(vd);
	ERR(&lgA, -EINVAL, libiommu_vdevice_alloc, v, F.adopted, 0x10, NULL);
	vd = SENTPTR;
	ERR(&lgA, -EXDEV, libiommu_vdevice_alloc, v, F.devB, 0x10, &vd);
	NULL_OUT(vd);
	vd = NULL;
	OK(&lgA, libiommu_vdevice_alloc, v, F.adopted, 0x10, &vd);
	NONNEG(&lgA, libiommu_vdevice_id, vd);
	if (rv == 0)
		bad("the vDEVICE's id is 0");
	vd2 = SENTPTR;
	ERR(&lgA, -EEXIST, libiommu_vdevice_alloc, v, F.adopted, 0x20, &vd2);
	NULL_OUT(vd2);
	vd2 = SENTPTR;
	OK(&lgA, libiommu_vdevice_lookup, v, 0x10, &vd2);
	IS(vd2, vd);
	vd2 = SENTPTR;
	ERR(&lgA, -ENOENT, libiommu_vdevice_lookup, v, 0x20, &vd2);
	NULL_OUT(vd2);
	ERR(&lgA, -EINVAL, libiommu_vdevice_lookup, v, 0x10, NULL);
	ERR(&lgA, -EBUSY, libiommu_viommu_destroy, v);
	/* invalidation of the device's cache, by its virtual id */
	{
		struct mock_viommu_invalidate inv = { .vdev_id = 0x10, .cache_id = 1 };

		num = 1;
		OK(&lgA, libiommu_viommu_invalidate, v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE, &inv,
		   sizeof(inv), &num);
		IS(num, 1);
		inv.vdev_id = 0x99;
		num = 1;
		ERR(&lgA, -EINVAL, libiommu_viommu_invalidate, v,
		    MOCK_VIOMMU_INVALIDATE_DATA_TYPE, &inv, sizeof(inv), &num);
		IS(num, 0);
		inv.vdev_id = 0x10;
		inv.flags = 1u << 7;
		num = 1;
		ERR(&lgA, -EOPNOTSUPP, libiommu_viommu_invalidate, v,
		    MOCK_VIOMMU_INVALIDATE_DATA_TYPE, &inv, sizeof(inv), &num);
		IS(num, 0);
	}

	/* vEVENTQ */
	have = libiommu_ctx_has_feature(F.A, LIBIOMMU_FEAT_VEVENTQ);
	ERR(&lgA, -EINVAL, libiommu_veventq_alloc, v, &eo, NULL);
	q = SENTPTR;
	if (have != 1) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_veventq_alloc, v, &eo, &q);
		NULL_OUT(q);
	} else {
		const struct {
			uint32_t type, depth, len, flags;
		} cs_[] = {
			{ 0, 4, 0, 0 },
			{ LIBIOMMU_VEVENTQ_TYPE_SELFTEST, 0, 0, 0 },
			{ LIBIOMMU_VEVENTQ_TYPE_SELFTEST, (1u << 19) + 1, 0, 0 },
			{ LIBIOMMU_VEVENTQ_TYPE_SELFTEST, UINT32_MAX, 0, 0 },
			{ LIBIOMMU_VEVENTQ_TYPE_SELFTEST, 4, 0, 1 },
			{ LIBIOMMU_VEVENTQ_TYPE_SELFTEST, 4, 3, 0 },
			{ LIBIOMMU_VEVENTQ_TYPE_SELFTEST, 4, 8, 0 },
			{ 0x7777, 4, 0, 0 },
			{ 0x7777, 4, LIBIOMMU_VEVENT_MAX_DATA + 1, 0 },
		};

		for (i = 0; i < ARRAY_LEN(cs_); i++) {
			eoo = eo;
			eoo.type = cs_[i].type;
			eoo.depth = cs_[i].depth;
			eoo.event_len = cs_[i].len;
			eoo.flags = cs_[i].flags;
			NOTE("type %#x depth %u event_len %u flags %#x", eoo.type, eoo.depth,
			     eoo.event_len, eoo.flags);
			q = SENTPTR;
			ERR(&lgA, -EINVAL, libiommu_veventq_alloc, v, &eoo, &q);
			NULL_OUT(q);
		}
		note[0] = 0;
		q = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_veventq_alloc, v, NULL, &q);
		NULL_OUT(q);
		n = sizes(OFFEND(struct libiommu_veventq_opts, flags), sizeof(eo), sc);
		for (i = 0; i < n; i++) {
			void *op = opts_of(&u, &eo, sizeof(eo), &sc[i]);
			int want = opts_want(&sc[i], 0);

			/* too short to say a type and a depth */
			if (want == 0 && sc[i].sz < OFFEND(struct libiommu_veventq_opts, depth))
				want = -EINVAL;
			q = SENTPTR;
			if (want) {
				ERR(&lgA, want, libiommu_veventq_alloc, v, op, &q);
				NULL_OUT(q);
			} else {
				OK(&lgA, libiommu_veventq_alloc, v, op, &q);
				fds_change(); /* the queue's fd */
				OK(&lgA, libiommu_veventq_destroy, q);
				fds_change();
			}
		}
		note[0] = 0;
		q = NULL;
		OK(&lgA, libiommu_veventq_alloc, v, &eo, &q);
		fds_change();
		q2 = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_veventq_alloc, v, &eo, &q2);
		NULL_OUT(q2);
		NONNEG(&lgA, libiommu_veventq_fd, q);
		ERR(&lgA, -EINVAL, libiommu_veventq_read, q, NULL);
		for (i = 0; i < 3; i++) {
			static const size_t esz[] = { 0, 1, sizeof(size_t) - 1 };

			memset(&ev, SENTBYTE, sizeof(ev));
			ev.sz = esz[i];
			NOTE("ev.sz %zu", esz[i]);
			ERR(&lgA, -EINVAL, libiommu_veventq_read, q, &ev);
		}
		note[0] = 0;
		ev.sz = sizeof(ev);
		VAL(&lgA, 0, libiommu_veventq_read, q, &ev);
		/* events of the mock device behind the vIOMMU (vDEVICE 0x10) */
		end_case();
		h = NULL;
		FIX(libiommu_viommu_alloc_hwpt(v, F.adopted, &ho, &h));
		FIX(mock_replace(F.fdA, &F.md, libiommu_hwpt_id(h)));
		FIX(mock_trigger_vevent(F.fdA, F.md.idev_id));
		FIX(mock_trigger_vevent(F.fdA, F.md.idev_id));
		memset(&ev, 0, sizeof(ev));
		ev.sz = sizeof(ev);
		VAL(&lgA, 1, libiommu_veventq_read, q, &ev);
		IS(ev.flags, 0);
		IS(ev.data_len, 4);
		memcpy(&x, ev.data, sizeof(x));
		IS(x, 0x10);
		/* a caller that knows sz only: nothing past it is written */
		result_of(&u, sizeof(size_t));
		VAL(&lgA, 1, libiommu_veventq_read, q, (void *)&u);
		result_check(&u, sizeof(ev), true, 8);
		note[0] = 0;
		VAL(&lgA, 0, libiommu_veventq_read, q, &ev);
		end_case();
		FIX(mock_replace(F.fdA, &F.md, libiommu_ioas_id(F.ioasM)));
		FIX(libiommu_hwpt_destroy(h));
		ERR(&lgA, -EBUSY, libiommu_viommu_destroy, v);
		OK(&lgA, libiommu_veventq_destroy, q);
		fds_change();
	}

	/* HW queue, on a page of the parent's IOAS */
	have = libiommu_ctx_has_feature(F.A, LIBIOMMU_FEAT_HW_QUEUE);
	ERR(&lgA, -EINVAL, libiommu_hw_queue_alloc, v, &qo, NULL);
	hq = SENTPTR;
	if (have != 1) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_hw_queue_alloc, v, &qo, &hq);
		NULL_OUT(hq);
	} else {
		hq = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hw_queue_alloc, v, NULL, &hq);
		NULL_OUT(hq);
		qoo = qo;
		qoo.type = 0;
		hq = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hw_queue_alloc, v, &qoo, &hq);
		NULL_OUT(hq);
		qoo = qo;
		qoo.length = 0;
		hq = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hw_queue_alloc, v, &qoo, &hq);
		NULL_OUT(hq);
		qoo = qo;
		qoo.iova = UINT64_MAX - PG + 2;
		hq = SENTPTR;
		ERR(&lgA, -EOVERFLOW, libiommu_hw_queue_alloc, v, &qoo, &hq);
		NULL_OUT(hq);
		end_case();
		iova = MOCK_APERTURE_START;
		FIX(libiommu_ioas_map(F.ioasM, F.buf + 2 * PG, PG, &iova,
				      RW | FIXED));
		n = sizes(OFFEND(struct libiommu_hw_queue_opts, length), sizeof(qo), sc);
		for (i = 0; i < n; i++) {
			void *op = opts_of(&u, &qo, sizeof(qo), &sc[i]);
			int want = opts_want(&sc[i], 0);

			/* too short to say a type and a length */
			if (want == 0 && sc[i].sz < sizeof(qo))
				want = -EINVAL;
			hq = SENTPTR;
			if (want) {
				ERR(&lgA, want, libiommu_hw_queue_alloc, v, op, &hq);
				NULL_OUT(hq);
			} else {
				OK(&lgA, libiommu_hw_queue_alloc, v, op, &hq);
				OK(&lgA, libiommu_hw_queue_destroy, hq);
			}
		}
		note[0] = 0;
		hq = NULL;
		OK(&lgA, libiommu_hw_queue_alloc, v, &qo, &hq);
		ERR(&lgA, -EBUSY, libiommu_viommu_destroy, v);
		OK(&lgA, libiommu_hw_queue_destroy, hq);
		end_case();
		FIX(libiommu_ioas_unmap(F.ioasM, MOCK_APERTURE_START, PG, NULL));
	}

	OK(&lgA, libiommu_vdevice_destroy, vd);
	OK(&lgA, libiommu_viommu_destroy, v);
	/* one left for the context to free */
	v2 = NULL;
	OK(&lgA, libiommu_viommu_alloc, F.adopted, F.parent, &vo, &v2);
	vd = NULL;
	OK(&lgA, libiommu_vdevice_alloc, v2, F.adopted, 0x30, &vd);
}

/* An edu cdev other than the fixture's, opened (not bound), or -1. */
static int open_other_edu(void)
{
	char name[16], p[64];

	for (int i = 0; i < 32; i++) {
		snprintf(name, sizeof(name), "vfio%d", i);
		snprintf(p, sizeof(p), "/dev/vfio/devices/%s", name);
		if (strcmp(p, edu_path) && edu_is_edu(name) == 1)
			return open(p, O_RDWR | O_CLOEXEC);
	}
	return -1;
}

/*
 * Hand-over: devices, IOAS and HWPTs made by another (here: through A's
 * raw fd), the live update's CHANGE_PROCESS, KVM before bind.  iommufd
 * only; the legacy backends answer -EOPNOTSUPP.
 */
static void storm_handover(void)
{
	struct lx_iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct lx_iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	struct libiommu_ioas *io, *io2;
	struct libiommu_hwpt *h, *h2;
	struct libiommu_dev *d;
	int have, efd;

	/* no handle: no context to log to */
	d = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_dev_adopt_fd, NULL, libiommu_dev_fd(F.dev),
	    LIBIOMMU_FD_BORROW, 1, &d);
	NULL_OUT(d);
	io = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_ioas_adopt_id, NULL, 1, &io);
	NULL_OUT(io);
	h = SENTPTR;
	ERR(NULL, -EINVAL, libiommu_hwpt_adopt_id, NULL, 1, &h);
	NULL_OUT(h);
	ERR(NULL, -EINVAL, libiommu_ctx_change_process, NULL);
	ERR(NULL, -EINVAL, libiommu_kvm_add_file, NULL, libiommu_dev_fd(F.dev));
	ERR(NULL, -EINVAL, libiommu_kvm_take_dev, NULL, F.dev);

	ERR(&lgA, -EINVAL, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
	    LIBIOMMU_FD_BORROW, libiommu_dev_id(F.dev), NULL);
	ERR(&lgA, -EINVAL, libiommu_ioas_adopt_id, F.A, libiommu_ioas_id(F.ioas), NULL);
	ERR(&lgA, -EINVAL, libiommu_hwpt_adopt_id, F.ioas, 1, NULL);
	if (!ifd) {
		d = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
		    LIBIOMMU_FD_BORROW, 1, &d);
		NULL_OUT(d);
		io = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_adopt_id, F.A, 1, &io);
		NULL_OUT(io);
		h = SENTPTR;
		ERR(&lgA, -EOPNOTSUPP, libiommu_hwpt_adopt_id, F.ioas, 1, &h);
		NULL_OUT(h);
		ERR(&lgA, -EOPNOTSUPP, libiommu_ctx_change_process, F.A);
		ERR(&lgC, -EOPNOTSUPP, libiommu_ctx_change_process, F.C);
	} else {
		struct mock_dev md2;
		int ufd2;

		/* a bound device's fd, with a device id of the iommufd */
		for (int i = 0; i < U__COUNT; i++) {
			NOTE("%s", ufd_name[i]);
			d = SENTPTR;
			/* no device 12345 in the iommufd */
			ERR(&lgA, i <= U_CLOSED ? -EBADF : -ENOENT, libiommu_dev_adopt_fd, F.A,
			    ufd[i], LIBIOMMU_FD_BORROW, 12345, &d);
			NULL_OUT(d);
		}
		end_case();
		FIX(mock_attach(F.fdA, libiommu_ioas_id(F.ioasM), &md2));
		ufd2 = open(edu_path, O_RDWR | O_CLOEXEC);
		if (ufd2 < 0)
			die("open %s: %s", edu_path, strerror(errno));
		for (int i = U_NULL; i < U__COUNT; i++) {
			NOTE("%s, a mock device's id", ufd_name[i]);
			d = SENTPTR;
			ERR(&lgA, -ENOTTY, libiommu_dev_adopt_fd, F.A, ufd[i], LIBIOMMU_FD_BORROW, md2.idev_id, &d);
			NULL_OUT(d);
		}
		NOTE("a device cdev not bound yet");
		d = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_dev_adopt_fd, F.A, ufd2, LIBIOMMU_FD_OWN, md2.idev_id,
		    &d);
		NULL_OUT(d);
		end_case();
		if (fcntl(ufd2, F_GETFD) < 0)
			bad("the owned fd was closed though the call failed");
		close(ufd2);
		if (mock_detach(F.fdA, &md2))
			die("mock_detach: %s", strerror(errno));

		/* another edu, bound to A's iommufd by "another process" */
		ufd2 = open_other_edu();
		if (ufd2 >= 0) {
			struct lx_vfio_device_bind_iommufd b = {
				.argsz = OFFEND(struct lx_vfio_device_bind_iommufd, out_devid),
				.iommufd = F.fdA,
			};
			struct libiommu_dev *d2;
			int dupfd;

			if (ioctl(ufd2, LX_VFIO_DEVICE_BIND_IOMMUFD, &b))
				die("VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(errno));
			d = NULL;
			OK(&lgA, libiommu_dev_adopt_fd, F.A, ufd2, LIBIOMMU_FD_OWN, b.out_devid, &d);
			VAL(&lgA, (long)b.out_devid, libiommu_dev_id, d);
			VAL(&lgA, ufd2, libiommu_dev_fd, d);
			end_case();
			dupfd = dup(ufd2);
			d2 = SENTPTR;
			ERR(&lgA, -EEXIST, libiommu_dev_adopt_fd, F.A, dupfd, LIBIOMMU_FD_BORROW,
			    b.out_devid, &d2);
			NULL_OUT(d2);
			end_case();
			close(dupfd);
			/* the handle owns the fd: freeing it closes it */
			libiommu_dev_free(d);
			if (fcntl(ufd2, F_GETFD) >= 0) {
				printf("FAIL: libiommu_dev_free of a device adopted with LIBIOMMU_FD_OWN left fd %d open\n",
				       ufd2);
				sh->fd_leaks++;
				close(ufd2);
			}
		} else {
			printf("note: storm: no second edu device: libiommu_dev_adopt_fd has no success case here\n");
		}
		note[0] = 0;
		d = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
		    (enum libiommu_fd_mode)99, libiommu_dev_id(F.dev), &d);
		NULL_OUT(d);
		d = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
		    (enum libiommu_fd_mode) - 1, libiommu_dev_id(F.dev), &d);
		NULL_OUT(d);
		d = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
		    LIBIOMMU_FD_BORROW, 0, &d);
		NULL_OUT(d);
		d = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
		    LIBIOMMU_FD_BORROW, libiommu_dev_id(F.dev), &d);
		NULL_OUT(d);
		d = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_dev_adopt_fd, F.A, libiommu_dev_fd(F.dev),
		    LIBIOMMU_FD_OWN, libiommu_dev_id(F.adopted), &d);
		NULL_OUT(d);

		/* an IOAS made through the raw fd */
		ERR(&lgA, -EINVAL, libiommu_ioas_adopt_id, F.A, 0, &io);
		NULL_OUT(io);
		io = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_ioas_adopt_id, F.A, libiommu_ioas_id(F.ioas), &io);
		NULL_OUT(io);
		io = SENTPTR;
		ERR(&lgA, -ENOENT, libiommu_ioas_adopt_id, F.A, 99999, &io);
		NULL_OUT(io);
		io = SENTPTR;
		ERR(&lgA, -ENOENT, libiommu_ioas_adopt_id, F.A, libiommu_hwpt_id(F.hwpt), &io);
		NULL_OUT(io);
		io = SENTPTR;
		ERR(&lgB, -ENOENT, libiommu_ioas_adopt_id, F.B, libiommu_ioas_id(F.ioasM), &io);
		NULL_OUT(io);
		end_case();
		if (ioctl(F.fdA, LX_IOMMU_IOAS_ALLOC, &ia))
			die("IOMMU_IOAS_ALLOC: %s", strerror(errno));
		io = NULL;
		OK(&lgA, libiommu_ioas_adopt_id, F.A, ia.out_ioas_id, &io);
		io2 = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_ioas_adopt_id, F.A, ia.out_ioas_id, &io2);
		NULL_OUT(io2);
		OK(&lgA, libiommu_ioas_destroy, io);

		/* a HWPT made through the raw fd */
		h = SENTPTR;
		ERR(&lgA, -EINVAL, libiommu_hwpt_adopt_id, F.ioasM, 0, &h);
		NULL_OUT(h);
		h = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_hwpt_adopt_id, F.ioasM, libiommu_hwpt_id(F.dirty),
		    &h);
		NULL_OUT(h);
		h = SENTPTR;
		ERR(&lgA, -ENOENT, libiommu_hwpt_adopt_id, F.ioasM, 99999, &h);
		NULL_OUT(h);
		h = SENTPTR;
		ERR(&lgA, -ENOENT, libiommu_hwpt_adopt_id, F.ioasM, libiommu_ioas_id(F.ioas),
		    &h);
		NULL_OUT(h);
		end_case();
		ha.dev_id = F.md.idev_id;
		ha.pt_id = libiommu_ioas_id(F.ioasM);
		if (ioctl(F.fdA, LX_IOMMU_HWPT_ALLOC, &ha))
			die("IOMMU_HWPT_ALLOC: %s", strerror(errno));
		h = NULL;
		OK(&lgA, libiommu_hwpt_adopt_id, F.ioasM, ha.out_hwpt_id, &h);
		h2 = SENTPTR;
		ERR(&lgA, -EEXIST, libiommu_hwpt_adopt_id, F.ioasM, ha.out_hwpt_id, &h2);
		NULL_OUT(h2);
		OK(&lgA, libiommu_hwpt_destroy, h);

		/* live update: A maps process memory, C has nothing */
		have = libiommu_ctx_has_feature(F.A, LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS);
		if (have != 1) {
			ERR(&lgA, -EOPNOTSUPP, libiommu_ctx_change_process, F.A);
			ERR(&lgC, -EOPNOTSUPP, libiommu_ctx_change_process, F.C);
		} else {
			ERR(&lgA, -EINVAL, libiommu_ctx_change_process, F.A);
			OK(&lgC, libiommu_ctx_change_process, F.C);
		}
	}

	/* KVM before bind */
	if (!have_kvm)
		return;
	ERR(&lgA, -EINVAL, libiommu_kvm_take_dev, F.kvm, NULL);
	ERR(&lgA, -EXDEV, libiommu_kvm_take_dev, F.kvm, F.devB);
	ERR(&lgB, -EXDEV, libiommu_kvm_take_dev, F.kvmB, F.dev);
	if (ifd)
		ERR(&lgA, -EBADF, libiommu_kvm_take_dev, F.kvm, F.adopted);
	ERR(&lgA, -EBADF, libiommu_kvm_add_file, F.kvm, -1);
	ERR(&lgA, -EBADF, libiommu_kvm_add_file, F.kvm, CLOSED_FD);
	for (int i = U_NULL; i < U__COUNT; i++) {
		NOTE("%s", ufd_name[i]);
		ERR(&lgA, -EINVAL, libiommu_kvm_add_file, F.kvm, ufd[i]);
	}
	note[0] = 0;
	end_case();
	efd = open(edu_path, O_RDWR | O_CLOEXEC);
	if (ifd && efd >= 0) {
		/* a device cdev the context has not bound (busy: A has it) */
		OK(&lgA, libiommu_kvm_add_file, F.kvm, efd);
		ERR(&lgA, -EEXIST, libiommu_kvm_add_file, F.kvm, efd);
		OK(&lgA, libiommu_kvm_take_dev, F.kvm, F.dev);
		OK(&lgA, libiommu_kvm_take_dev, F.kvm, F.dev);
		OK(&lgA, libiommu_kvm_del_dev, F.kvm, F.dev);
		end_case();
		ku_kvm_vfio_file(libiommu_kvm_fd(F.kvm), LX_KVM_DEV_VFIO_FILE_DEL, efd);
	} else {
		OK(&lgA, libiommu_kvm_take_dev, F.kvm, F.dev);
		OK(&lgA, libiommu_kvm_take_dev, F.kvm, F.dev);
		OK(&lgA, libiommu_kvm_del_dev, F.kvm, F.dev);
	}
	end_case();
	if (efd >= 0)
		close(efd);
}

/* The VFIO device side of the edu: the same on every backend. */
static bool storm_has_vfio_dmabuf(void)
{
	struct {
		struct lx_vfio_device_feature hdr;
		struct lx_vfio_device_feature_dma_buf buf;
		struct lx_vfio_region_dma_range range;
	} cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.hdr.argsz = sizeof(cmd);
	cmd.hdr.flags = LX_VFIO_DEVICE_FEATURE_PROBE | LX_VFIO_DEVICE_FEATURE_GET |
			LX_VFIO_DEVICE_FEATURE_DMA_BUF;
	return ioctl(libiommu_dev_fd(F.dev), LX_VFIO_DEVICE_FEATURE, &cmd) == 0;
}

static void storm_devside(void)
{
	const size_t di_sz = sizeof(struct libiommu_dev_info);
	const size_t rc_sz = sizeof(struct libiommu_region_caps);
	const size_t ii_sz = sizeof(struct libiommu_irq_info);
	struct libiommu_region_area areas[2];
	struct libiommu_hot_reset_dev hr[8];
	struct libiommu_dev_info info;
	struct sizecase sc[16];
	union rawbuf u;
	uint32_t flags;
	size_t n, i, len;
	void *addr;
	int fds[2], efd, fd, closed = CLOSED_FD;

	/* no handle: no context to log to */
	result_of(&u, di_sz);
	ERR(NULL, -EINVAL, libiommu_dev_get_info, NULL, (void *)&u);
	result_check(&u, di_sz, false, 8);
	result_of(&u, rc_sz);
	ERR(NULL, -EINVAL, libiommu_dev_region_get_caps, NULL, 0, (void *)&u, areas, 2);
	result_check(&u, rc_sz, false, 8);
	addr = SENTPTR;
	len = 7;
	ERR(NULL, -EINVAL, libiommu_dev_region_mmap_all, NULL, LIBIOMMU_PCI_BAR0_REGION,
	    LIBIOMMU_REGION_READ, &addr, &len);
	result_of(&u, ii_sz);
	ERR(NULL, -EINVAL, libiommu_dev_get_irq_info, NULL, LIBIOMMU_PCI_INTX_IRQ, (void *)&u);
	result_check(&u, ii_sz, false, 8);
	fds[0] = fds[1] = -1;
	ERR(NULL, -EINVAL, libiommu_dev_irq_set_eventfds, NULL, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    fds);
	ERR(NULL, -EINVAL, libiommu_dev_irq_new_eventfds, NULL, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    fds);
	ERR(NULL, -EINVAL, libiommu_dev_irq_disable, NULL, LIBIOMMU_PCI_MSI_IRQ);
	ERR(NULL, -EINVAL, libiommu_dev_irq_mask, NULL, LIBIOMMU_PCI_INTX_IRQ, 0, 1);
	ERR(NULL, -EINVAL, libiommu_dev_irq_unmask, NULL, LIBIOMMU_PCI_INTX_IRQ, 0, 1);
	ERR(NULL, -EINVAL, libiommu_dev_irq_set_unmask_eventfd, NULL, LIBIOMMU_PCI_INTX_IRQ, 0,
	    -1);
	ERR(NULL, -EINVAL, libiommu_dev_reset, NULL);
	flags = SENT32;
	ERR(NULL, -EINVAL, libiommu_dev_get_hot_reset_info, NULL, &flags, hr, 8);
	SAME(flags, SENT32);
	ERR(NULL, -EINVAL, libiommu_dev_hot_reset, NULL);
	fd = 5;
	ERR(NULL, -EINVAL, libiommu_dev_dmabuf_export, NULL, LIBIOMMU_PCI_BAR0_REGION, 0, PG,
	    &fd);

	/* device info */
	ERR(&lgA, -EINVAL, libiommu_dev_get_info, F.dev, NULL);
	n = sizes(di_sz, di_sz, sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_BAD) {
			ERR(&lgA, -EINVAL, libiommu_dev_get_info, F.dev, (void *)&u);
			result_check(&u, di_sz, false, 8);
		} else {
			OK(&lgA, libiommu_dev_get_info, F.dev, (void *)&u);
			result_check(&u, di_sz, true, 8);
		}
	}
	note[0] = 0;
	info = (struct libiommu_dev_info){ .sz = sizeof(info) };
	OK(&lgA, libiommu_dev_get_info, F.dev, &info);
	/* vfio-pci's indexes: INTx, MSI, MSI-X, ERR, REQ (used below) */
	if (!(info.flags & LIBIOMMU_DEV_INFO_PCI) || info.num_irqs <= LIBIOMMU_PCI_REQ_IRQ)
		bad("the edu is no PCI device with vfio-pci's interrupt indexes (flags %#x, %u indexes)",
		    info.flags, info.num_irqs);

	/* region capabilities and the whole-region mmap */
	ERR(&lgA, -EINVAL, libiommu_dev_region_get_caps, F.dev, 0, NULL, areas, 2);
	result_of(&u, rc_sz);
	ERR(&lgA, -EINVAL, libiommu_dev_region_get_caps, F.dev, 99, (void *)&u, areas, 2);
	result_check(&u, rc_sz, false, 8);
	result_of(&u, rc_sz);
	ERR(&lgA, -EINVAL, libiommu_dev_region_get_caps, F.dev, UINT32_MAX, (void *)&u, NULL,
	    0);
	result_check(&u, rc_sz, false, 8);
	result_of(&u, rc_sz);
	ERR(&lgA, -EINVAL, libiommu_dev_region_get_caps, F.dev, 0, (void *)&u, NULL, 3);
	result_check(&u, rc_sz, false, 8);
	n = sizes(rc_sz, rc_sz, sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_BAD) {
			ERR(&lgA, -EINVAL, libiommu_dev_region_get_caps, F.dev,
			    LIBIOMMU_PCI_BAR0_REGION, (void *)&u, areas, 2);
			result_check(&u, rc_sz, false, 8);
		} else {
			OK(&lgA, libiommu_dev_region_get_caps, F.dev, LIBIOMMU_PCI_BAR0_REGION,
			   (void *)&u, areas, 2);
			result_check(&u, rc_sz, true, 8);
		}
	}
	note[0] = 0;
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap_all, F.dev, LIBIOMMU_PCI_BAR0_REGION,
	    LIBIOMMU_REGION_READ, NULL, &len);
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap_all, F.dev, LIBIOMMU_PCI_BAR0_REGION,
	    LIBIOMMU_REGION_READ, &addr, NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap_all, F.dev, LIBIOMMU_PCI_CONFIG_REGION,
	    LIBIOMMU_REGION_READ, &addr, &len);
	IS(addr, NULL);
	IS(len, 0);
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap_all, F.dev, 99, LIBIOMMU_REGION_READ,
	    &addr, &len);
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap_all, F.dev, LIBIOMMU_PCI_BAR0_REGION, 8,
	    &addr, &len);
	ERR(&lgA, -EINVAL, libiommu_dev_region_mmap_all, F.dev, LIBIOMMU_PCI_BAR0_REGION,
	    UINT32_MAX, &addr, &len);
	addr = NULL;
	len = 0;
	OK(&lgA, libiommu_dev_region_mmap_all, F.dev, LIBIOMMU_PCI_BAR0_REGION,
	   LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE, &addr, &len);
	if (addr && len) {
		if ((((volatile uint32_t *)addr)[0] & 0xff) != 0xed)
			bad("the mapping is not the edu's BAR0");
		munmap(addr, len);
	}

	/* interrupts */
	ERR(&lgA, -EINVAL, libiommu_dev_get_irq_info, F.dev, LIBIOMMU_PCI_INTX_IRQ, NULL);
	result_of(&u, ii_sz);
	ERR(&lgA, -EINVAL, libiommu_dev_get_irq_info, F.dev, 99, (void *)&u);
	result_check(&u, ii_sz, false, 8);
	n = sizes(ii_sz, ii_sz, sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		if (sc[i].kind == SZ_BAD) {
			ERR(&lgA, -EINVAL, libiommu_dev_get_irq_info, F.dev, LIBIOMMU_PCI_MSI_IRQ,
			    (void *)&u);
			result_check(&u, ii_sz, false, 8);
		} else {
			OK(&lgA, libiommu_dev_get_irq_info, F.dev, LIBIOMMU_PCI_MSI_IRQ,
			   (void *)&u);
			result_check(&u, ii_sz, true, 8);
		}
	}
	note[0] = 0;
	end_case();
	efd = eventfd(0, EFD_CLOEXEC);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, 99, 0, 1, &efd);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 0,
	    &efd);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ,
	    UINT32_MAX, 1, &efd);
	fds[0] = fds[1] = -1;
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, 2,
	    fds);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSIX_IRQ, 0, 1,
	    &efd);
	fds[0] = -2;
	ERR(&lgA, -EBADF, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    fds);
	ERR(&lgA, -EBADF, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    &closed);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    &ufd[U_NULL]);
	OK(&lgA, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1, &efd);
	OK(&lgA, libiommu_dev_irq_disable, F.dev, LIBIOMMU_PCI_MSI_IRQ);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_disable, F.dev, 99);
	fds[0] = fds[1] = SENT32;
	ERR(&lgA, -EINVAL, libiommu_dev_irq_new_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1,
	    NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_new_eventfds, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 0,
	    fds);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_new_eventfds, F.dev, LIBIOMMU_PCI_MSIX_IRQ, 0, 1,
	    fds);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_new_eventfds, F.dev, 99, 0, 1, fds);
	fds[0] = -1;
	OK(&lgA, libiommu_dev_irq_new_eventfds, F.dev, LIBIOMMU_PCI_REQ_IRQ, 0, 1, fds);
	fds_change(); /* the caller's eventfd */
	OK(&lgA, libiommu_dev_irq_disable, F.dev, LIBIOMMU_PCI_REQ_IRQ);
	end_case();
	if (fds[0] >= 0)
		close(fds[0]);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_mask, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, 0);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_unmask, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, 0);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_mask, F.dev, LIBIOMMU_PCI_INTX_IRQ, 1, 1);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_unmask, F.dev, 99, 0, 1);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_irq_mask, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_irq_unmask, F.dev, LIBIOMMU_PCI_MSI_IRQ, 0, 1);
	ERR(&lgA, -EBADF, libiommu_dev_irq_set_unmask_eventfd, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0,
	    -2);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_irq_set_unmask_eventfd, F.dev,
	    LIBIOMMU_PCI_MSI_IRQ, 0, efd);
	ERR(&lgA, -EINVAL, libiommu_dev_irq_set_unmask_eventfd, F.dev, LIBIOMMU_PCI_INTX_IRQ,
	    1, efd);
	OK(&lgA, libiommu_dev_irq_set_eventfds, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, 1, &efd);
	OK(&lgA, libiommu_dev_irq_mask, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, 1);
	OK(&lgA, libiommu_dev_irq_unmask, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, 1);
	OK(&lgA, libiommu_dev_irq_set_unmask_eventfd, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, efd);
	OK(&lgA, libiommu_dev_irq_set_unmask_eventfd, F.dev, LIBIOMMU_PCI_INTX_IRQ, 0, -1);
	OK(&lgA, libiommu_dev_irq_disable, F.dev, LIBIOMMU_PCI_INTX_IRQ);
	end_case();
	close(efd);

	/* resets */
	if (info.flags & LIBIOMMU_DEV_INFO_RESET)
		OK(&lgA, libiommu_dev_reset, F.dev);
	else
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_reset, F.dev);
	flags = SENT32;
	ERR(&lgA, -EINVAL, libiommu_dev_get_hot_reset_info, F.dev, &flags, NULL, 2);
	SAME(flags, SENT32);
	CALLT(long, rv, libiommu_dev_get_hot_reset_info, F.dev, &flags, hr, 8);
	if (rv == -EOPNOTSUPP) {
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_get_hot_reset_info, F.dev, NULL, NULL, 0);
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_hot_reset, F.dev);
	} else {
		if (rv < 1)
			bad("returned %s: not -EOPNOTSUPP nor a count of functions", err_name(rv));
		n = (size_t)rv;
		VAL(&lgA, (long)n, libiommu_dev_get_hot_reset_info, F.dev, NULL, NULL, 0);
		VAL(&lgA, (long)n, libiommu_dev_get_hot_reset_info, F.dev, NULL, hr, 1);
		/* every affected function owned, or the reset is refused */
		if (flags & LIBIOMMU_HOT_RESET_OWNED)
			OK(&lgA, libiommu_dev_hot_reset, F.dev);
		else
			ERR(&lgA, -EPERM, libiommu_dev_hot_reset, F.dev);
	}

	/* dma-buf export */
	ERR(&lgA, -EINVAL, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION, 0, PG,
	    NULL);
	fd = 5;
	ERR(&lgA, -EINVAL, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION, 1, PG,
	    &fd);
	IS(fd, -1);
	fd = 5;
	ERR(&lgA, -EINVAL, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION, 0, 0,
	    &fd);
	IS(fd, -1);
	fd = 5;
	ERR(&lgA, -EINVAL, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION, 0,
	    PG + 1, &fd);
	IS(fd, -1);
	end_case();
	if (storm_has_vfio_dmabuf()) {
		fd = 5;
		ERR(&lgA, -EINVAL, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_CONFIG_REGION, 0,
		    PG, &fd);
		IS(fd, -1);
		ERR(&lgA, -EINVAL, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION, 0,
		    UINT64_C(1) << 40, &fd);
		fd = -1;
		OK(&lgA, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION, 0, PG, &fd);
		fds_change(); /* the caller's dma-buf */
		end_case();
		if (fd >= 0)
			close(fd);
	} else {
		fd = 5;
		ERR(&lgA, -EOPNOTSUPP, libiommu_dev_dmabuf_export, F.dev, LIBIOMMU_PCI_BAR0_REGION,
		    0, PG, &fd);
		IS(fd, -1);
	}

	/* a device adopted by id has no VFIO fd */
	if (!ifd)
		return;
	info = (struct libiommu_dev_info){ .sz = sizeof(info) };
	ERR(&lgA, -EBADF, libiommu_dev_get_info, F.adopted, &info);
	result_of(&u, rc_sz);
	ERR(&lgA, -EBADF, libiommu_dev_region_get_caps, F.adopted, 0, (void *)&u, NULL, 0);
	ERR(&lgA, -EBADF, libiommu_dev_region_mmap_all, F.adopted, 0, LIBIOMMU_REGION_READ,
	    &addr, &len);
	result_of(&u, ii_sz);
	ERR(&lgA, -EBADF, libiommu_dev_get_irq_info, F.adopted, 0, (void *)&u);
	fds[0] = -1;
	ERR(&lgA, -EBADF, libiommu_dev_irq_set_eventfds, F.adopted, 0, 0, 1, fds);
	ERR(&lgA, -EBADF, libiommu_dev_irq_new_eventfds, F.adopted, 0, 0, 1, fds);
	ERR(&lgA, -EBADF, libiommu_dev_irq_disable, F.adopted, 0);
	ERR(&lgA, -EBADF, libiommu_dev_irq_mask, F.adopted, 0, 0, 1);
	ERR(&lgA, -EBADF, libiommu_dev_irq_unmask, F.adopted, 0, 0, 1);
	ERR(&lgA, -EBADF, libiommu_dev_irq_set_unmask_eventfd, F.adopted, 0, 0, -1);
	ERR(&lgA, -EBADF, libiommu_dev_reset, F.adopted);
	ERR(&lgA, -EBADF, libiommu_dev_get_hot_reset_info, F.adopted, NULL, NULL, 0);
	ERR(&lgA, -EBADF, libiommu_dev_hot_reset, F.adopted);
	ERR(&lgA, -EBADF, libiommu_dev_dmabuf_export, F.adopted, 0, 0, PG, &fd);
}

/* ---- the program ------------------------------------------------------------ */

/* libiommu_ioctls(): no context, nothing to log to. */
static void storm_ioctls(void)
{
	struct {
		struct libiommu_ioctls_opts o;
		uint64_t tail;
	} big;
	struct libiommu_ioctls_opts o = { .sz = sizeof(o) };
	struct libiommu_ioctl io, keep;
	long n;

	memset(&io, SENTBYTE, sizeof(io));
	io.sz = sizeof(io);
	keep = io;
	ERR(NULL, -EINVAL, libiommu_ioctls, NULL, NULL, 0, NULL);
	ERR(NULL, -ENOENT, libiommu_ioctls, "libiommu_no_such_function", NULL, 0, &io);
	ERR(NULL, -ENOENT, libiommu_ioctls, "", NULL, 0, NULL);
	NONNEG(NULL, libiommu_ioctls, "libiommu_ioas_map", NULL, 0, NULL);
	n = rv;
	if (n < 1)
		bad("libiommu_ioas_map issues no ioctl?");
	ERR(NULL, -ERANGE, libiommu_ioctls, "libiommu_ioas_map", NULL, (size_t)n, &io);
	if (memcmp(&io, &keep, sizeof(io)))
		bad("out was changed though the call failed");
	ERR(NULL, -ERANGE, libiommu_ioctls, "libiommu_ioas_map", NULL, SIZE_MAX, &io);
	io.sz = 0;
	ERR(NULL, -EINVAL, libiommu_ioctls, "libiommu_ioas_map", NULL, 0, &io);
	io.sz = sizeof(size_t) - 1;
	ERR(NULL, -EINVAL, libiommu_ioctls, "libiommu_ioas_map", NULL, 0, &io);
	io.sz = sizeof(io);
	VAL(NULL, n, libiommu_ioctls, "libiommu_ioas_map", NULL, 0, &io);
	if (!io.name || !io.request)
		bad("the first ioctl of libiommu_ioas_map has no name or request");
	o.sz = 0;
	ERR(NULL, -EINVAL, libiommu_ioctls, "libiommu_ioas_map", &o, 0, NULL);
	o.sz = sizeof(o);
	o.reserved = 1;
	ERR(NULL, -E2BIG, libiommu_ioctls, "libiommu_ioas_map", &o, 0, NULL);
	o.reserved = 0;
	o.backend = (enum libiommu_backend)99;
	ERR(NULL, -EINVAL, libiommu_ioctls, "libiommu_ioas_map", &o, 0, NULL);
	o.backend = (enum libiommu_backend) - 1;
	ERR(NULL, -EINVAL, libiommu_ioctls, "libiommu_ioas_map", &o, 0, NULL);
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	NONNEG(NULL, libiommu_ioctls, "libiommu_ioas_map", &big.o, 0, NULL);
	big.tail = 1;
	ERR(NULL, -E2BIG, libiommu_ioctls, "libiommu_ioas_map", &big.o, 0, NULL);
}

/* VFIO migration v2 and DMA logging: the edu has neither. */
static void storm_migration(void)
{
	const size_t mi_sz = sizeof(struct libiommu_mig_info);
	const size_t pi_sz = sizeof(struct libiommu_precopy_info);
	struct libiommu_iova_range r = { MAP_IOVA, MAP_IOVA + 4095 };
	enum libiommu_mig_state st = (enum libiommu_mig_state)SENT32;
	uint64_t v = SENT64, ps = 4096, bm[1];
	struct libiommu_dev *devs[1];
	struct sizecase sc[16];
	union rawbuf u;
	size_t n, i;
	int fd;

	/* no handle: no context to log to */
	result_of(&u, mi_sz);
	ERR(NULL, -EINVAL, libiommu_dev_get_migration, NULL, (void *)&u);
	result_check(&u, mi_sz, false, 8);
	ERR(NULL, -EINVAL, libiommu_dev_get_mig_state, NULL, &st);
	fd = 5;
	ERR(NULL, -EINVAL, libiommu_dev_set_mig_state, NULL, LIBIOMMU_MIG_STATE_STOP, &fd);
	IS(fd, -1);
	ERR(NULL, -EINVAL, libiommu_dev_get_mig_data_size, NULL, &v);
	result_of(&u, pi_sz);
	ERR(NULL, -EINVAL, libiommu_dev_get_precopy_info, NULL, F.memfd, (void *)&u);
	ERR(NULL, -EINVAL, libiommu_dev_dma_log_start, NULL, &ps, &r, 1);
	ERR(NULL, -EINVAL, libiommu_dev_dma_log_stop, NULL);
	ERR(NULL, -EINVAL, libiommu_dev_dma_log_report, NULL, MAP_IOVA, 4096, 4096, bm);
	ERR(NULL, -EINVAL, libiommu_ioas_get_dirty_merged, NULL, NULL, 0, MAP_IOVA, 4096,
	    4096, bm, 0);

	/* migration */
	n = sizes(OFFEND(struct libiommu_mig_info, states), mi_sz, sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_OK && sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		ERR(&lgA, sc[i].kind == SZ_BAD ? -EINVAL : -EOPNOTSUPP,
		    libiommu_dev_get_migration, F.dev, (void *)&u);
		result_check(&u, mi_sz, false, 8);
	}
	note[0] = 0;
	ERR(&lgA, -EINVAL, libiommu_dev_get_migration, F.dev, NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_get_mig_state, F.dev, NULL);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_get_mig_state, F.dev, &st);
	SAME(st, (enum libiommu_mig_state)SENT32);
	{
		static const uint32_t badst[] = { LIBIOMMU_MIG_STATE_ERROR, 8, 1000, UINT32_MAX };

		for (i = 0; i < ARRAY_LEN(badst); i++) {
			NOTE("state %u", badst[i]);
			fd = 5;
			ERR(&lgA, -EINVAL, libiommu_dev_set_mig_state, F.dev,
			    (enum libiommu_mig_state)badst[i], &fd);
			IS(fd, -1);
		}
		for (i = LIBIOMMU_MIG_STATE_STOP; i <= LIBIOMMU_MIG_STATE_PRE_COPY_P2P; i++) {
			NOTE("state %zu", i);
			fd = 5;
			ERR(&lgA, -EOPNOTSUPP, libiommu_dev_set_mig_state, F.dev,
			    (enum libiommu_mig_state)i, &fd);
			IS(fd, -1);
		}
	}
	note[0] = 0;
	ERR(&lgA, -EINVAL, libiommu_dev_set_mig_state, F.dev, LIBIOMMU_MIG_STATE_STOP, NULL);
	ERR(&lgA, -EINVAL, libiommu_dev_get_mig_data_size, F.dev, NULL);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_get_mig_data_size, F.dev, &v);
	SAME(v, SENT64);

	/* PRE_COPY info: no struct, bad sizes, fds that are no PRE_COPY data fd */
	ERR(&lgA, -EINVAL, libiommu_dev_get_precopy_info, F.dev, F.memfd, NULL);
	n = sizes(OFFEND(struct libiommu_precopy_info, dirty_bytes), pi_sz, sc);
	for (i = 0; i < n; i++) {
		if (sc[i].kind != SZ_BAD)
			continue;
		result_of(&u, sc[i].sz);
		ERR(&lgA, -EINVAL, libiommu_dev_get_precopy_info, F.dev, F.memfd, (void *)&u);
		result_check(&u, pi_sz, false, 8);
	}
	note[0] = 0;
	result_of(&u, pi_sz);
	ERR(&lgA, -EBADF, libiommu_dev_get_precopy_info, F.dev, -1, (void *)&u);
	ERR(&lgA, -EBADF, libiommu_dev_get_precopy_info, F.dev, CLOSED_FD, (void *)&u);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_get_precopy_info, F.dev, F.memfd, (void *)&u);
	result_check(&u, pi_sz, false, 8);

	/* DMA logging: bad arguments, then the edu's answer */
	ERR(&lgA, -EINVAL, libiommu_dev_dma_log_start, F.dev, NULL, &r, 1);
	ERR(&lgA, -EINVAL, libiommu_dev_dma_log_start, F.dev, &ps, NULL, 1);
	ERR(&lgA, -EINVAL, libiommu_dev_dma_log_start, F.dev, &ps, &r, 0);
	{
		static const struct {
			uint64_t ps, start, last;
		} l[] = {
			{ 0, 0, 4095 },
			{ 512, 0, 4095 },
			{ 4097, 0, 4095 },
			{ 4096, 1, 4095 },
			{ 4096, 0, 4094 },
			{ 4096, 8192, 4095 },
			{ 4096, 0, UINT64_MAX },
		};

		for (i = 0; i < ARRAY_LEN(l); i++) {
			struct libiommu_iova_range x = { l[i].start, l[i].last };

			NOTE("page size %#llx range [%#llx, %#llx]", (unsigned long long)l[i].ps,
			     (unsigned long long)l[i].start, (unsigned long long)l[i].last);
			ps = l[i].ps;
			ERR(&lgA, -EINVAL, libiommu_dev_dma_log_start, F.dev, &ps, &x, 1);
			SAME(ps, l[i].ps);
		}
	}
	note[0] = 0;
	ps = 4096;
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_dma_log_start, F.dev, &ps, &r, 1);
	SAME(ps, 4096);
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_dma_log_stop, F.dev);
	{
		static const struct {
			uint64_t iova, len, pgsz;
			bool nobm;
		} d[] = {
			{ 0, 4096, 4096, true },
			{ 0, 4096, 0, false },
			{ 0, 4096, 3, false },
			{ 0, 4096, 1024, false },
			{ 1, 4096, 4096, false },
			{ 0, 4095, 4096, false },
			{ 0, 0, 4096, false },
			{ UINT64_MAX - 4095, 8192, 4096, false },
		};

		for (i = 0; i < ARRAY_LEN(d); i++) {
			NOTE("iova %#llx length %#llx page size %#llx%s",
			     (unsigned long long)d[i].iova, (unsigned long long)d[i].len,
			     (unsigned long long)d[i].pgsz, d[i].nobm ? " NULL bitmap" : "");
			bm[0] = SENT64;
			ERR(&lgA, -EINVAL, libiommu_dev_dma_log_report, F.dev, d[i].iova,
			    d[i].len, d[i].pgsz, d[i].nobm ? NULL : bm);
			SAME(bm[0], SENT64);
		}
	}
	note[0] = 0;
	/* well-formed: the page says the bitmap is zeroed first */
	ERR(&lgA, -EOPNOTSUPP, libiommu_dev_dma_log_report, F.dev, MAP_IOVA, 4096, 4096, bm);

	/* the merged bitmap */
	devs[0] = F.dev;
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, MAP_IOVA, 4096,
	    4096, NULL, LIBIOMMU_DIRTY_DEVICES_ONLY);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, MAP_IOVA, 4096,
	    4096, bm, 1u << 7);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, MAP_IOVA, 4096,
	    4096, bm, LIBIOMMU_DIRTY_NO_CLEAR);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, NULL, 1, MAP_IOVA, 4096,
	    4096, bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, devs, 0, MAP_IOVA, 4096,
	    4096, bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, 1, 4096, 4096, bm,
	    LIBIOMMU_DIRTY_DEVICES_ONLY);
	devs[0] = NULL;
	ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, MAP_IOVA, 4096,
	    4096, bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
	devs[0] = F.dev;
	ERR(&lgA, -EOPNOTSUPP, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, MAP_IOVA,
	    4096, 4096, bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
	/* no device: libiommu_ioas_get_dirty_bitmap()'s answers */
	ERR(&lgA, t1 ? -EINVAL : -EOPNOTSUPP, libiommu_ioas_get_dirty_merged, F.ioas, NULL, 0,
	    MAP_IOVA, 4096, 4096, bm, 0);
	if (ifd) {
		/* a device of another context, and one not attached to the IOAS */
		devs[0] = F.devB;
		ERR(&lgA, -EXDEV, libiommu_ioas_get_dirty_merged, F.ioas, devs, 1, MAP_IOVA,
		    4096, 4096, bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
		devs[0] = F.dev;
		ERR(&lgA, -EINVAL, libiommu_ioas_get_dirty_merged, F.ioasM, devs, 1, 1u << 24,
		    4096, 4096, bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
		/* adopted by id: no device fd */
		result_of(&u, mi_sz);
		ERR(&lgA, -EBADF, libiommu_dev_get_migration, F.adopted, (void *)&u);
		ERR(&lgA, -EBADF, libiommu_dev_get_mig_state, F.adopted, &st);
		fd = 5;
		ERR(&lgA, -EBADF, libiommu_dev_set_mig_state, F.adopted, LIBIOMMU_MIG_STATE_STOP,
		    &fd);
		IS(fd, -1);
		ERR(&lgA, -EBADF, libiommu_dev_get_mig_data_size, F.adopted, &v);
		ERR(&lgA, -EBADF, libiommu_dev_dma_log_start, F.adopted, &ps, &r, 1);
		ERR(&lgA, -EBADF, libiommu_dev_dma_log_stop, F.adopted);
		ERR(&lgA, -EBADF, libiommu_dev_dma_log_report, F.adopted, MAP_IOVA, 4096, 4096,
		    bm);
	}
}

struct group {
	const char *name;
	void (*run)(void);
	bool fixture; /* needs the kernel objects of setup() */
};

static const struct group groups[] = {
	{ "names and pure functions", storm_pure, false },
	{ "the ioctl lists", storm_ioctls, false },
	{ "contexts", storm_ctx, true },
	{ "IOAS", storm_ioas, true },
	{ "mapping", storm_map, true },
	{ "devices", storm_dev, true },
	{ "attach", storm_attach, true },
	{ "regions", storm_region, true },
	{ "hardware info", storm_hwinfo, true },
	{ "HWPTs", storm_hwpt, true },
	{ "coherency", storm_coherency, true },
	{ "KVM", storm_kvm, true },
	{ "migration and DMA logging", storm_migration, true },
	{ "vIOMMU and fault queues", storm_viommu, true },
	{ "hand-over", storm_handover, true },
	{ "VFIO device side", storm_devside, true },
};

static void run_group(const struct group *g)
{
	int status, fds, splats;
	long pin;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("FAIL: fork: %s\n", strerror(errno));
		sh->crashes++;
		return;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		alarm(120);
		fds = tu_count_fds();
		pin = vmpin_kb();
		splats = ku_kmsg_bad();
		if (g->fixture)
			setup();
		g->run();
		if (g->fixture) {
			fixture_intact();
			teardown();
		}
		end_case();
		if (tu_count_fds() != fds) {
			printf("FAIL: group %s: %d fds open before it, %d after\n", g->name,
			       fds, tu_count_fds());
			sh->fd_leaks++;
		}
		if (vmpin_kb() != pin)
			leak("group %s: VmPin %ld kB before, %ld kB after", g->name, pin,
			     vmpin_kb());
		if (ku_kmsg_bad() != splats) {
			printf("FAIL: group %s: the kernel log has %d new WARNING/BUG/Oops line(s)\n",
			       g->name, ku_kmsg_bad() - splats);
			sh->splats++;
		}
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("FAIL: waitpid: %s\n", strerror(errno));
		sh->crashes++;
	} else if (WIFSIGNALED(status)) {
		printf("FAIL: CRASH: group %s died of signal %d (%s) in %s\n", g->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)), sh->cur);
		sh->crashes++;
	} else if (WEXITSTATUS(status)) {
		printf("FAIL: group %s exited with %d in %s\n", g->name,
		       WEXITSTATUS(status), sh->cur);
		sh->crashes++;
	}
}

/* The storm, group by group; the totals decide. */
START_TEST(every_public_function_fails_as_its_page_says)
{
	unsigned int fns = 0, missing = 0;
	int fds0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(sh != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(sh, 0, sizeof(*sh));

	fds0 = tu_count_fds();
	for (size_t i = 0; i < ARRAY_LEN(groups); i++)
		if (!getenv("STORM_GROUP") || strstr(groups[i].name, getenv("STORM_GROUP")))
			run_group(&groups[i]);
	if (tu_count_fds() != fds0) {
		printf("FAIL: %d fds open before the storm, %d after\n", fds0,
		       tu_count_fds());
		sh->fd_leaks++;
	}

	for (size_t i = 0; i < NAPI; i++) {
		if (sh->cases[i]) {
			fns++;
			continue;
		}
		printf("FAIL: %s has no storm case: add its cases to tests/storm.c\n",
		       api[i]);
		missing++;
	}
	printf("%s backend: %u cases over %u functions (of %zu public): %u errors as documented, %u successes as documented, %u not as documented, %u crashes, %u fd leaks, %u kernel object or pin leaks, %u kernel log splats\n",
	       tu_backend_label(), sh->total, fns, NAPI, sh->failures,
	       sh->documented - sh->failures, sh->wrong, sh->crashes,
	       sh->fd_leaks, sh->leaks, sh->splats);
	ck_assert_msg(!sh->wrong && !sh->crashes && !sh->fd_leaks && !sh->leaks &&
			      !sh->splats && !missing,
		      "the storm found %u cases not as documented, %u crashes, %u fd leaks, %u leaks, %u kernel log splats, %u functions without a case (above)",
		      sh->wrong, sh->crashes, sh->fd_leaks, sh->leaks, sh->splats,
		      missing);
}
END_TEST

int main(void)
{
	bool vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	Suite *s;
	TCase *tc;

	tu_require_iommufd();
	if (edu_find(edu_path, sizeof(edu_path))) {
		printf("SKIP: no QEMU edu device (1234:11e8) bound to vfio-pci: runs in the VM tier\n");
		return TU_EXIT_SKIP;
	}
	mock_require();
	have_kvm = access("/dev/kvm", R_OK | W_OK) == 0;
	if (!have_kvm && vm) {
		printf("FAIL: no /dev/kvm in the VM tier\n");
		return 1;
	}
	ifd = tu_backend() == LIBIOMMU_BACKEND_IOMMUFD;
	t1 = tu_backend() == LIBIOMMU_BACKEND_TYPE1;
	compat = tu_backend() == LIBIOMMU_BACKEND_IOMMUFD_COMPAT;

	s = suite_create("storm");
	tc = tu_tcase(s, tu_backend_label());
	/* one test: about 20 s in the VM under TCG */
	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, every_public_function_fails_as_its_page_says);
	return tu_run(s);
}
