// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * iommu-bench: what libiommu costs over raw iommufd ioctls, on the work a
 * VMM does, measured in one process on one kernel object.
 *
 * One iommufd context, one VFIO device attached to one IOAS through the
 * library; the "raw" implementation issues the same commands itself on
 * the context's fd (libiommu_ctx_fd()) with the IOAS's id, so both hit
 * the same kernel state.  Each workload runs in rounds; in a round each
 * implementation takes one sample (a fixed number of operations, sized to
 * about --sample-ms), in rotated order (raw-lib, lib-raw, ...), so that a
 * change of the machine's load hits both.  Reported per implementation:
 * the median and the minimum time per operation; between them the median
 * of the per-round paired ratios raw/lib (1.00: the library costs nothing;
 * below: it is slower), with its spread (half the interquartile range of
 * those ratios); the load average before and after.  --json prints the
 * same as JSON.
 *
 * Workloads: map+unmap of one buffer with the device attached (4 KiB ..
 * 32 MiB, 4 KiB pages; 2 MiB huge pages when the kernel gives them) and
 * without a device; boot-time guest RAM (a memfd mapped with
 * IOMMU_IOAS_MAP_FILE in four large pieces); memory hot-plug (a DIMM
 * mapped and unmapped, and a virtio-mem 2 MiB block, while the base RAM
 * stays mapped); a DPDK-style pool of 2 MiB huge pages mapped one by one;
 * vIOMMU shadow-mapping churn (4 KiB map + unmap at random IOVAs among
 * many live mappings of the same page, with p50/p99 latency); IOAS
 * alloc + destroy of the oldest among 1,000 live; 4 KiB map+unmap from
 * 4 threads at once; a context's open and close; live migration's dirty
 * bitmap of the whole mock guest RAM (the kernel's iommufd selftest mock
 * domain: QEMU's VT-d has no dirty tracking) through one HWPT and through
 * the IOAS of four, with and without clearing.
 *
 * usage: iommu-bench [--quick] [--json] [--dev PATH] [--rounds N]
 *                    [--sample-ms MS]
 * The device (default: the first VFIO cdev) must be bound to vfio-pci.
 * In the VM tier: tests/vm/run.sh --show --no-kselftest iommu-bench
 * (scripts/demo.sh runs it with --quick).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "../lib/uapi/iommufd.h"
#include "mock.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define NR_IMPL 2
#define MAX_ROUNDS 64
#define MAX_LAT (1u << 20)
#define FL (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA)
#define KFL \
	(LX_IOMMU_IOAS_MAP_FIXED_IOVA | LX_IOMMU_IOAS_MAP_READABLE | \
	 LX_IOMMU_IOAS_MAP_WRITEABLE)

static const char *const impl_name[NR_IMPL] = { "raw", "libiommu" };

/* ---- options and shared state ---------------------------------------- */

static bool quick, json;
static unsigned int rounds = 30;
static double sample_ns = 15e6;

static struct libiommu_ctx *ctx;
static struct libiommu_ioas *ioas;    /* with the device attached */
static struct libiommu_ioas *ioas_nd; /* without a device */
static int fd;			      /* the context's iommufd */
static uint64_t base;		      /* an IOVA with 4 GiB free above it */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "iommu-bench: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(1);
}

/* ---- the two implementations of each command ------------------------- */

static int raw_map(uint32_t id, void *va, uint64_t len, uint64_t iova)
{
	struct lx_iommu_ioas_map c = { .size = sizeof(c), .flags = KFL, .ioas_id = id, .user_va = (uintptr_t)va, .length = len, .iova = iova };

	return ioctl(fd, LX_IOMMU_IOAS_MAP, &c) ? -errno : 0;
}

static int raw_map_file(uint32_t id, int mfd, uint64_t off, uint64_t len,
			uint64_t iova)
{
	struct lx_iommu_ioas_map_file c = { .size = sizeof(c), .flags = KFL, .ioas_id = id, .fd = mfd, .start = off, .length = len, .iova = iova };

	return ioctl(fd, LX_IOMMU_IOAS_MAP_FILE, &c) ? -errno : 0;
}

static int raw_unmap(uint32_t id, uint64_t iova, uint64_t len)
{
	struct lx_iommu_ioas_unmap c = { .size = sizeof(c), .ioas_id = id, .iova = iova, .length = len };

	return ioctl(fd, LX_IOMMU_IOAS_UNMAP, &c) ? -errno : 0;
}

/* map @len of @va at @iova of @a through implementation @impl */
static int do_map(int impl, struct libiommu_ioas *a, void *va, uint64_t len,
		  uint64_t iova)
{
	if (impl == 0)
		return raw_map(libiommu_ioas_id(a), va, len, iova);
	return libiommu_ioas_map(a, va, len, &iova, FL);
}

static int do_map_file(int impl, struct libiommu_ioas *a, int mfd,
		       uint64_t off, uint64_t len, uint64_t iova)
{
	if (impl == 0)
		return raw_map_file(libiommu_ioas_id(a), mfd, off, len, iova);
	return libiommu_ioas_map_file(a, mfd, off, len, &iova, FL);
}

static int do_unmap(int impl, struct libiommu_ioas *a, uint64_t iova,
		    uint64_t len)
{
	if (impl == 0)
		return raw_unmap(libiommu_ioas_id(a), iova, len);
	return libiommu_ioas_unmap(a, iova, len, NULL);
}

/* ---- workloads ---------------------------------------------------------- */

struct work {
	char name[64];
	int (*op)(struct work *w, int impl);
	struct libiommu_ioas *ioas;
	void *buf;
	int mfd;
	uint64_t size, off;
	unsigned int pieces;
	bool lat; /* record each operation's latency */
	/* results */
	char skip[128];
	unsigned int iters;
	double t[NR_IMPL][MAX_ROUNDS];
	double ratio[MAX_ROUNDS];
	float *lats[NR_IMPL];
	size_t nlat[NR_IMPL];
};

/* map + unmap of w->size bytes of w->buf at base, in w->pieces pieces */
static int op_map_unmap(struct work *w, int impl)
{
	uint64_t piece = w->size / w->pieces;
	unsigned int i;
	int rc;

	for (i = 0; i < w->pieces; i++) {
		rc = do_map(impl, w->ioas, (char *)w->buf + i * piece, piece,
			    base + w->off + i * piece);
		if (rc)
			return rc;
	}
	for (i = 0; i < w->pieces; i++) {
		rc = do_unmap(impl, w->ioas, base + w->off + i * piece, piece);
		if (rc)
			return rc;
	}
	return 0;
}

/* the same from a memfd (IOMMU_IOAS_MAP_FILE) */
static int op_map_file(struct work *w, int impl)
{
	uint64_t piece = w->size / w->pieces;
	unsigned int i;
	int rc;

	for (i = 0; i < w->pieces; i++) {
		rc = do_map_file(impl, w->ioas, w->mfd, i * piece, piece,
				 base + w->off + i * piece);
		if (rc)
			return rc;
	}
	for (i = 0; i < w->pieces; i++) {
		rc = do_unmap(impl, w->ioas, base + w->off + i * piece, piece);
		if (rc)
			return rc;
	}
	return 0;
}

/* shadow-mapping churn: slots of 4 KiB at base + 8 GiB, half of them live */
static unsigned int nslots;
static unsigned char *live;
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define CHURN_BASE (8 * GiB)

static unsigned int pick(bool want_live)
{
	unsigned int s;

	do
		s = (unsigned int)(rnd() % nslots);
	while (live[s] != want_live);
	return s;
}

static int op_churn(struct work *w, int impl)
{
	unsigned int u = pick(true), m = pick(false);
	int rc;

	rc = do_unmap(impl, w->ioas, base + CHURN_BASE + u * 4 * KiB, 4 * KiB);
	if (rc)
		return rc;
	live[u] = 0;
	rc = do_map(impl, w->ioas, w->buf, 4 * KiB,
		    base + CHURN_BASE + m * 4 * KiB);
	if (rc)
		return rc;
	live[m] = 1;
	return 0;
}

/* IOAS alloc + destroy of the oldest, among 1,000 live per implementation */
#define LIVE_IOAS 1000
static struct {
	uint32_t id[LIVE_IOAS];
	struct libiommu_ioas *h[LIVE_IOAS];
	unsigned int head;
} fifo[NR_IMPL];

static int raw_ioas_alloc(uint32_t *id)
{
	struct lx_iommu_ioas_alloc c = { .size = sizeof(c) };

	if (ioctl(fd, LX_IOMMU_IOAS_ALLOC, &c))
		return -errno;
	*id = c.out_ioas_id;
	return 0;
}

static int raw_destroy(uint32_t id)
{
	struct lx_iommu_destroy c = { .size = sizeof(c), .id = id };

	return ioctl(fd, LX_IOMMU_DESTROY, &c) ? -errno : 0;
}

static int op_ioas(struct work *w, int impl)
{
	unsigned int i = fifo[impl].head;
	int rc;

	(void)w;
	if (impl == 0) {
		rc = raw_destroy(fifo[0].id[i]);
		if (!rc)
			rc = raw_ioas_alloc(&fifo[0].id[i]);
	} else {
		rc = libiommu_ioas_destroy(fifo[1].h[i]);
		if (!rc)
			rc = libiommu_ioas_alloc(ctx, NULL, &fifo[1].h[i]);
	}
	fifo[impl].head = (i + 1) % LIVE_IOAS;
	return rc;
}

/*
 * Live migration: the dirty bitmap of the whole (mock) guest RAM, read
 * through one HWPT or through the IOAS of several, with or without
 * clearing.  The caller's bitmap is cleared first (the kernel only sets
 * bits), as a VMM must.
 */
#define MAX_DIRTY_HWPT 4
static struct libiommu_ioas *ioas_dt;
static struct libiommu_hwpt *dt_hwpt[MAX_DIRTY_HWPT];
static unsigned int dt_nr;
static uint64_t dt_len, *dt_bitmap;

static int raw_dirty(uint32_t hwpt_id, uint32_t flags)
{
	struct lx_iommu_hwpt_get_dirty_bitmap c = {
		.size = sizeof(c),
		.hwpt_id = hwpt_id,
		.flags = flags ? LX_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0,
		.iova = MOCK_APERTURE_START,
		.length = dt_len,
		.page_size = 4 * KiB,
		.data = (uintptr_t)dt_bitmap,
	};

	return ioctl(fd, LX_IOMMU_HWPT_GET_DIRTY_BITMAP, &c) ? -errno : 0;
}

/* w->pieces: how many HWPTs (1: the HWPT call; more: the IOAS call) */
static int op_dirty(struct work *w, int impl)
{
	uint32_t fl = w->off ? LIBIOMMU_DIRTY_NO_CLEAR : 0;
	unsigned int i;
	int rc = 0;

	if (impl == 1 && w->pieces == 1)
		return libiommu_hwpt_get_dirty_bitmap(dt_hwpt[0],
						      MOCK_APERTURE_START,
						      dt_len, 4 * KiB,
						      dt_bitmap, fl);
	if (impl == 1)
		return libiommu_ioas_get_dirty_bitmap(ioas_dt,
						      MOCK_APERTURE_START,
						      dt_len, 4 * KiB,
						      dt_bitmap, fl);
	memset(dt_bitmap, 0, (dt_len / (4 * KiB) + 63) / 64 * 8);
	for (i = 0; i < w->pieces && !rc; i++)
		rc = raw_dirty(libiommu_hwpt_id(dt_hwpt[i]), fl);
	return rc;
}

/* Several threads, each mapping and unmapping 4 KiB at its own IOVA. */
#define NR_THREADS 4
#define THREAD_PAIRS 32

struct thr {
	pthread_t t;
	int impl, rc;
	unsigned int n;
	void *buf;
};

static void *thread_fn(void *arg)
{
	struct thr *t = arg;
	uint64_t iova = base + 12 * GiB + t->n * 2 * MiB;

	for (unsigned int i = 0; i < THREAD_PAIRS && !t->rc; i++) {
		t->rc = do_map(t->impl, ioas, t->buf, 4 * KiB, iova);
		if (!t->rc)
			t->rc = do_unmap(t->impl, ioas, iova, 4 * KiB);
	}
	return NULL;
}

static int op_threads(struct work *w, int impl)
{
	struct thr t[NR_THREADS];
	unsigned int i;
	int rc = 0;

	for (i = 0; i < NR_THREADS; i++) {
		t[i] = (struct thr){ .impl = impl, .n = i, .buf = w->buf };
		if (pthread_create(&t[i].t, NULL, thread_fn, &t[i]))
			return -EAGAIN;
	}
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(t[i].t, NULL);
		if (t[i].rc)
			rc = t[i].rc;
	}
	return rc;
}

/* Setup: a context (the library checks the fd is an iommufd) and its end. */
static int op_ctx(struct work *w, int impl)
{
	struct libiommu_ctx_opts o = { .sz = sizeof(o),
				       .backend = LIBIOMMU_BACKEND_IOMMUFD };
	struct libiommu_ctx *c;
	int f, rc;

	(void)w;
	if (impl == 0) {
		f = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		if (f < 0)
			return -errno;
		close(f);
		return 0;
	}
	rc = libiommu_ctx_new(&o, &c);
	if (rc)
		return rc;
	libiommu_ctx_free(c);
	return 0;
}

/* ---- the runner ------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile (0..1) of @n sorted values. */
static double quant(const double *v, unsigned int n, double q)
{
	return v[(unsigned int)(q * (n - 1) + 0.5)];
}

static void run(struct work *w)
{
	unsigned int r, k, i;
	double t0, t;
	int rc;

	/* calibrate on raw: operations per sample of about sample_ns */
	t0 = now_ns();
	rc = w->op(w, 0);
	if (rc) {
		snprintf(w->skip, sizeof(w->skip), "the first operation failed: %s",
			 strerror(-rc));
		return;
	}
	t = now_ns() - t0;
	w->iters = t > 0 && t < sample_ns ? (unsigned int)(sample_ns / t) : 1;
	if (w->lat)
		for (k = 0; k < NR_IMPL; k++)
			w->lats[k] = calloc((size_t)rounds * w->iters, sizeof(float));
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < NR_IMPL; k++) {
			int impl = (int)((r + k) % NR_IMPL);

			t0 = now_ns();
			for (i = 0; i < w->iters; i++) {
				double a = w->lat ? now_ns() : 0;

				rc = w->op(w, impl);
				if (rc) {
					snprintf(w->skip, sizeof(w->skip),
						 "%s failed in round %u: %s",
						 impl_name[impl], r, strerror(-rc));
					return;
				}
				if (w->lat && w->lats[impl])
					w->lats[impl][w->nlat[impl]++] =
						(float)(now_ns() - a);
			}
			w->t[impl][r] = (now_ns() - t0) / w->iters;
		}
		w->ratio[r] = w->t[0][r] / w->t[1][r];
	}
}

static char load_before[64], load_after[64];

static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "re");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static void fmt_ns(double ns, char *b, size_t len)
{
	if (ns >= 1e6)
		snprintf(b, len, "%.2f ms", ns / 1e6);
	else
		snprintf(b, len, "%.2f us", ns / 1e3);
}

struct summary {
	double med[NR_IMPL], min[NR_IMPL], ratio, spread;
	double p50[NR_IMPL], p99[NR_IMPL];
};

static void summarise(struct work *w, struct summary *s)
{
	double v[MAX_ROUNDS];
	unsigned int k;

	for (k = 0; k < NR_IMPL; k++) {
		memcpy(v, w->t[k], rounds * sizeof(double));
		qsort(v, rounds, sizeof(double), cmp_double);
		s->med[k] = quant(v, rounds, 0.5);
		s->min[k] = v[0];
		s->p50[k] = s->p99[k] = 0;
		if (w->lat && w->nlat[k]) {
			qsort(w->lats[k], w->nlat[k], sizeof(float), cmp_float);
			s->p50[k] = w->lats[k][w->nlat[k] / 2];
			s->p99[k] = w->lats[k][(size_t)(w->nlat[k] * 0.99)];
		}
	}
	memcpy(v, w->ratio, rounds * sizeof(double));
	qsort(v, rounds, sizeof(double), cmp_double);
	s->ratio = quant(v, rounds, 0.5);
	s->spread = (quant(v, rounds, 0.75) - quant(v, rounds, 0.25)) / 2;
}

static struct work works[32];
static unsigned int nworks;

static void report(void)
{
	struct summary s;
	char a[4][24];
	unsigned int i;

	if (json) {
		printf("{\"rounds\": %u, \"sample_ms\": %.0f, \"loadavg_before\": \"%s\", \"loadavg_after\": \"%s\", \"work\": [\n",
		       rounds, sample_ns / 1e6, load_before, load_after);
		for (i = 0; i < nworks; i++) {
			struct work *w = &works[i];

			printf("  {\"name\": \"%s\"", w->name);
			if (w->skip[0]) {
				printf(", \"skipped\": \"%s\"}%s\n", w->skip,
				       i + 1 < nworks ? "," : "");
				continue;
			}
			summarise(w, &s);
			printf(", \"ops_per_sample\": %u, \"raw_median_ns\": %.0f, \"raw_min_ns\": %.0f, \"lib_median_ns\": %.0f, \"lib_min_ns\": %.0f, \"lib_over_raw\": %.3f, \"spread\": %.3f",
			       w->iters, s.med[0], s.min[0], s.med[1], s.min[1],
			       s.ratio, s.spread);
			if (w->lat)
				printf(", \"raw_p50_ns\": %.0f, \"raw_p99_ns\": %.0f, \"lib_p50_ns\": %.0f, \"lib_p99_ns\": %.0f",
				       s.p50[0], s.p99[0], s.p50[1], s.p99[1]);
			printf("}%s\n", i + 1 < nworks ? "," : "");
		}
		printf("]}\n");
		return;
	}
	printf("iommu-bench: %u rounds, samples of ~%.0f ms, raw and libiommu in rotated order\n",
	       rounds, sample_ns / 1e6);
	printf("load average before: %s; after: %s\n", load_before, load_after);
	printf("libiommu/raw: the median of per-round paired ratios t(raw)/t(libiommu), +- half their IQR (1.00: no cost)\n\n");
	printf("%-40s %11s %11s %11s %11s %14s\n", "workload (time per operation)",
	       "raw median", "raw min", "lib median", "lib min", "libiommu/raw");
	for (i = 0; i < nworks; i++) {
		struct work *w = &works[i];

		if (w->skip[0]) {
			printf("%-40s skipped: %s\n", w->name, w->skip);
			continue;
		}
		summarise(w, &s);
		fmt_ns(s.med[0], a[0], sizeof(a[0]));
		fmt_ns(s.min[0], a[1], sizeof(a[1]));
		fmt_ns(s.med[1], a[2], sizeof(a[2]));
		fmt_ns(s.min[1], a[3], sizeof(a[3]));
		printf("%-40s %11s %11s %11s %11s %8.3f +-%.3f\n", w->name, a[0],
		       a[1], a[2], a[3], s.ratio, s.spread);
		if (w->lat) {
			fmt_ns(s.p50[0], a[0], sizeof(a[0]));
			fmt_ns(s.p99[0], a[1], sizeof(a[1]));
			fmt_ns(s.p50[1], a[2], sizeof(a[2]));
			fmt_ns(s.p99[1], a[3], sizeof(a[3]));
			printf("%-40s p50 %s p99 %s | p50 %s p99 %s\n",
			       "  latency raw | libiommu", a[0], a[1], a[2], a[3]);
		}
	}
}

/* ---- setup --------------------------------------------------------------- */

static struct work *add(const char *name, int (*op)(struct work *, int))
{
	struct work *w = &works[nworks++];

	snprintf(w->name, sizeof(w->name), "%s", name);
	w->op = op;
	w->ioas = ioas;
	w->pieces = 1;
	w->mfd = -1;
	return w;
}

static void *anon(uint64_t size, bool huge)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0),
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (!huge)
		madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	return p;
}

static int memfd(uint64_t size)
{
	int m = memfd_create("iommu-bench", MFD_CLOEXEC);

	if (m < 0 || ftruncate(m, (off_t)size)) {
		if (m >= 0)
			close(m);
		return -1;
	}
	return m;
}

static int first_cdev(char *buf, size_t len)
{
	for (int i = 0; i < 256; i++) {
		snprintf(buf, len, "/dev/vfio/devices/vfio%d", i);
		if (access(buf, F_OK) == 0)
			return 0;
	}
	return -1;
}

/* Ask for @n free 2 MiB huge pages (as root); how many are free. */
static unsigned long hugepages(unsigned long n)
{
	unsigned long total = 0, fr = 0;
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "re");

	if (f) {
		if (fscanf(f, "%lu", &total) != 1)
			total = 0;
		fclose(f);
	}
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "re");
	if (f) {
		if (fscanf(f, "%lu", &fr) != 1)
			fr = 0;
		fclose(f);
	}
	if (fr < n) {
		f = fopen("/proc/sys/vm/nr_hugepages", "we");
		if (f) {
			fprintf(f, "%lu\n", total + n - fr);
			fclose(f);
		}
		f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "re");
		if (f) {
			if (fscanf(f, "%lu", &fr) != 1)
				fr = 0;
			fclose(f);
		}
	}
	return fr;
}

/*
 * Mock guest RAM for dirty tracking: an IOAS (no huge pages: one bit per
 * page) on MAX_DIRTY_HWPT mock devices of the kernel's iommufd selftest,
 * each with a dirty-tracking HWPT, tracking on.  Why not, or "".
 */
static void dirty_ram(char *why, size_t len)
{
	struct libiommu_ioas_opts io = { .sz = sizeof(io),
					 .flags = LIBIOMMU_IOAS_NO_HUGE_PAGES };
	struct libiommu_hwpt_opts ho = { .sz = sizeof(ho),
					 .flags = LIBIOMMU_HWPT_DIRTY_TRACKING };
	uint64_t iova = MOCK_APERTURE_START;
	struct libiommu_dev *d;
	struct mock_dev md;
	void *ram;
	int rc;

	dt_len = quick ? 64 * MiB : 256 * MiB;
	why[0] = '\0';
	rc = libiommu_ioas_alloc(ctx, &io, &ioas_dt);
	for (dt_nr = 0; !rc && dt_nr < MAX_DIRTY_HWPT; dt_nr++) {
		rc = mock_attach_flags(fd, libiommu_ioas_id(ioas_dt), 0, &md);
		if (rc == -ENOTTY) {
			snprintf(why, len, "the kernel has no iommufd selftest mock (CONFIG_IOMMUFD_TEST)");
			return;
		}
		if (!rc)
			rc = libiommu_dev_adopt_id(ctx, md.idev_id, &d);
		if (!rc)
			rc = libiommu_hwpt_alloc(d, ioas_dt, &ho, &dt_hwpt[dt_nr]);
	}
	ram = rc ? NULL : anon(dt_len, false);
	if (!rc && !ram)
		rc = -ENOMEM;
	if (!rc)
		rc = libiommu_ioas_map(ioas_dt, ram, dt_len, &iova, FL);
	if (!rc)
		rc = libiommu_ioas_set_dirty_tracking(ioas_dt, true);
	dt_bitmap = calloc((dt_len / (4 * KiB) + 63) / 64, 8);
	if (!rc && !dt_bitmap)
		rc = -ENOMEM;
	if (rc)
		snprintf(why, len, "mock guest RAM: %s", strerror(-rc));
}

static void setup_dirty(void)
{
	char why[128], name[64];
	struct work *w;
	unsigned int h, nc;

	dirty_ram(why, sizeof(why));
	for (h = 1; h <= MAX_DIRTY_HWPT; h += MAX_DIRTY_HWPT - 1)
		for (nc = 0; nc < 2; nc++) {
			snprintf(name, sizeof(name),
				 "dirty bitmap %" PRIu64 " MiB, %u HWPT%s%s",
				 dt_len / MiB, h, h > 1 ? "s" : "",
				 nc ? ", NO_CLEAR" : "");
			w = add(name, op_dirty);
			w->pieces = h;
			w->off = nc;
			if (why[0])
				snprintf(w->skip, sizeof(w->skip), "%s", why);
		}
}

static void setup_works(void)
{
	static const uint64_t sizes[] = { 4 * KiB, 64 * KiB, 2 * MiB, 32 * MiB };
	uint64_t boot = quick ? 128 * MiB : 512 * MiB;
	uint64_t dimm = quick ? 64 * MiB : 128 * MiB;
	unsigned int nlive = quick ? 10000 : 100000, i;
	unsigned long nhuge = hugepages(32);
	void *big = anon(32 * MiB, false), *huge = NULL;
	struct work *w;
	char name[64];
	int m;

	if (!big)
		die("mmap 32 MiB", errno);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "map+unmap %" PRIu64 " %s, device",
			 sizes[i] >= MiB ? sizes[i] / MiB : sizes[i] / KiB,
			 sizes[i] >= MiB ? "MiB" : "KiB");
		w = add(name, op_map_unmap);
		w->buf = big;
		w->size = sizes[i];
	}
	if (nhuge >= 16)
		huge = anon(32 * MiB, true);
	for (i = 2; i < 4; i++) {
		snprintf(name, sizeof(name), "map+unmap %" PRIu64 " MiB, 2M pages",
			 sizes[i] / MiB);
		w = add(name, op_map_unmap);
		w->buf = huge;
		w->size = sizes[i];
		if (!huge)
			snprintf(w->skip, sizeof(w->skip),
				 "no 2 MiB huge pages (%lu free)", nhuge);
	}
	/* DPDK: a pool of 16 huge pages, each mapped on its own */
	w = add("hugepage pool 16 x 2 MiB", op_map_unmap);
	w->buf = huge;
	w->size = 32 * MiB;
	w->pieces = 16;
	if (!huge)
		snprintf(w->skip, sizeof(w->skip), "no 2 MiB huge pages (%lu free)",
			 nhuge);
	for (i = 0; i < 3; i += 2) {
		snprintf(name, sizeof(name), "map+unmap %" PRIu64 " %s, no device",
			 sizes[i] >= MiB ? sizes[i] / MiB : sizes[i] / KiB,
			 sizes[i] >= MiB ? "MiB" : "KiB");
		w = add(name, op_map_unmap);
		w->ioas = ioas_nd;
		w->buf = big;
		w->size = sizes[i];
	}
	/* boot-time guest RAM: a memfd in four pieces */
	m = memfd(boot + dimm);
	snprintf(name, sizeof(name), "boot RAM %" PRIu64 " MiB memfd, 4 maps",
		 boot / MiB);
	w = add(name, op_map_file);
	w->mfd = m;
	w->size = boot;
	w->pieces = 4;
	if (m < 0)
		snprintf(w->skip, sizeof(w->skip), "memfd: %s", strerror(errno));
	/* hot-plug, with the boot RAM mapped (at base + 16 GiB) */
	snprintf(name, sizeof(name), "hot-plug DIMM %" PRIu64 " MiB, RAM mapped",
		 dimm / MiB);
	w = add(name, op_map_file);
	w->mfd = m;
	w->size = dimm;
	w->off = 4 * GiB;
	w = add("virtio-mem block 2 MiB, RAM mapped", op_map_file);
	w->mfd = m;
	w->size = 2 * MiB;
	w->off = 4 * GiB;
	/* vIOMMU churn among nlive live mappings of the same page */
	snprintf(name, sizeof(name), "vIOMMU churn 4 KiB, %u live", nlive);
	w = add(name, op_churn);
	w->buf = big;
	w->lat = true;
	nslots = 2 * nlive;
	live = calloc(nslots, 1);
	w = add("IOAS alloc+destroy oldest, 1000 live", op_ioas);
	snprintf(name, sizeof(name), "4 KiB map+unmap, %d threads x %d",
		 NR_THREADS, THREAD_PAIRS);
	w = add(name, op_threads);
	w->buf = big;
	add("context open+close (/dev/iommu)", op_ctx);
	setup_dirty();
}

/* state the workloads need around them: RAM mapped, live mappings, IOAS */
static int prepare(struct work *w, bool undo)
{
	uint64_t boot = quick ? 128 * MiB : 512 * MiB;
	unsigned int i, k;
	int rc = 0;

	if (w->op == op_map_file && w->off && w->mfd >= 0) {
		/* the boot RAM stays mapped at base + 16 GiB */
		if (undo)
			return libiommu_ioas_unmap(ioas, base + 16 * GiB, boot, NULL);
		uint64_t iova = base + 16 * GiB;

		return libiommu_ioas_map_file(ioas, w->mfd, 0, boot, &iova, FL);
	}
	if (w->op == op_churn) {
		if (undo) {
			uint64_t n;

			return libiommu_ioas_unmap(ioas, base + CHURN_BASE,
						   (uint64_t)nslots * 4 * KiB, &n);
		}
		for (i = 0; i < nslots / 2 && !rc; i++) {
			unsigned int s = pick(false);

			rc = do_map(1, ioas, w->buf, 4 * KiB,
				    base + CHURN_BASE + s * 4 * KiB);
			live[s] = 1;
		}
		return rc;
	}
	if (w->op == op_ioas) {
		for (k = 0; k < NR_IMPL; k++)
			for (i = 0; i < LIVE_IOAS && !rc; i++) {
				if (undo)
					rc = k == 0 ? raw_destroy(fifo[0].id[i])
						    : libiommu_ioas_destroy(fifo[1].h[i]);
				else
					rc = k == 0 ? raw_ioas_alloc(&fifo[0].id[i])
						    : libiommu_ioas_alloc(ctx, NULL, &fifo[1].h[i]);
			}
		return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts o = { .sz = sizeof(o),
				       .log_fn = libiommu_log_stderr,
				       .log_level = LIBIOMMU_LOG_ERR,
				       .backend = LIBIOMMU_BACKEND_IOMMUFD };
	struct libiommu_iova_range r[32];
	size_t nr = 32, i;
	struct libiommu_dev *dev = NULL;
	char path[64];
	const char *dev_path = NULL;
	int rc;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick"))
			quick = true;
		else if (!strcmp(argv[a], "--json"))
			json = true;
		else if (!strcmp(argv[a], "--dev") && a + 1 < argc)
			dev_path = argv[++a];
		else if (!strcmp(argv[a], "--rounds") && a + 1 < argc)
			rounds = (unsigned int)atoi(argv[++a]);
		else if (!strcmp(argv[a], "--sample-ms") && a + 1 < argc)
			sample_ns = atof(argv[++a]) * 1e6;
		else {
			fprintf(stderr, "usage: iommu-bench [--quick] [--json] [--dev PATH] [--rounds N] [--sample-ms MS]\n");
			return 2;
		}
	}
	if (getenv("IOMMU_BENCH_QUICK"))
		quick = true;
	/* quick: smaller sizes and samples, as many rounds (the median's precision) */
	if (quick && sample_ns == 15e6)
		sample_ns = 5e6;
	if (rounds < 3 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "iommu-bench: --rounds takes 3 to %d\n", MAX_ROUNDS);
		return 2;
	}
	if (!dev_path) {
		if (first_cdev(path, sizeof(path))) {
			printf("SKIP: no VFIO device cdev (/dev/vfio/devices/vfioN): bind a device to vfio-pci\n");
			return 77;
		}
		dev_path = path;
	}
	rc = libiommu_ctx_new(&o, &ctx);
	if (rc) {
		printf("SKIP: no iommufd context: %s\n", strerror(-rc));
		return 77;
	}
	fd = libiommu_ctx_fd(ctx);
	if ((rc = libiommu_ioas_alloc(ctx, NULL, &ioas)) ||
	    (rc = libiommu_ioas_alloc(ctx, NULL, &ioas_nd)) ||
	    (rc = libiommu_dev_open(ctx, dev_path, NULL, &dev)) ||
	    (rc = libiommu_dev_attach_ioas(dev, ioas)))
		die("setting up the IOAS and the device", rc);
	rc = libiommu_ioas_get_ranges(ioas, r, &nr, NULL);
	if (rc)
		die("libiommu_ioas_get_ranges", rc);
	for (i = 0; i < nr && !base; i++) {
		uint64_t s = r[i].start < 4 * GiB ? 4 * GiB : (r[i].start + GiB - 1) & ~(GiB - 1);

		if (s <= r[i].last && r[i].last - s >= 32 * GiB)
			base = s;
	}
	if (!base)
		die("no 32 GiB of IOVA space above 4 GiB", ENOSPC);
	setup_works();
	loadavg(load_before, sizeof(load_before));
	for (i = 0; i < nworks; i++) {
		struct work *w = &works[i];

		if (w->skip[0])
			continue;
		rc = prepare(w, false);
		if (rc) {
			snprintf(w->skip, sizeof(w->skip), "setting up: %s",
				 strerror(-rc));
			prepare(w, true);
			continue;
		}
		run(w);
		rc = prepare(w, true);
		if (rc)
			die("tearing down", rc);
		if (!json)
			fprintf(stderr, "iommu-bench: %s done\n", w->name);
	}
	loadavg(load_after, sizeof(load_after));
	report();
	libiommu_ctx_free(ctx);
	return 0;
}
