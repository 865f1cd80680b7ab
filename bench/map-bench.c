// SPDX-License-Identifier: MIT
/*
 * map-bench: the cost of mapping and unmapping the same buffer through each
 * libiommu backend (iommufd, the type1 VFIO container, iommufd's type1
 * compatibility), in one run, with a VFIO device attached so that every map
 * pins its pages and writes IOMMU page tables.
 *
 * For each buffer size (4 KiB .. 1 GiB) and page kind (4 KiB pages, 2 MiB
 * huge pages from MAP_HUGETLB) it times map + unmap of the whole buffer at
 * a fixed IOVA, repeated until --min-time has passed, and prints the time
 * per map+unmap for each backend and the ratios to iommufd side by side.
 * Sizes that do not fit in the memory available (or in the free huge pages)
 * are reported as skipped, with the reason.
 *
 * usage: map-bench [--dev /dev/vfio/devices/vfioN] [--max-size BYTES]
 *                  [--min-time SECONDS] [--backends iommufd,type1,compat]
 * The device (default: the first VFIO cdev) must be bound to vfio-pci.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define HUGE_PAGE (2 * MiB)
#define MAX_ITERS 2000
#define NR_BACKENDS 3

static const uint64_t sizes[] = {
	4 * KiB,
	64 * KiB,
	2 * MiB,
	32 * MiB,
	128 * MiB,
	256 * MiB,
	1 * GiB,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static const struct {
	enum libiommu_backend id;
	const char *label;
} backends[NR_BACKENDS] = {
	{ LIBIOMMU_BACKEND_IOMMUFD, "iommufd" },
	{ LIBIOMMU_BACKEND_TYPE1, "type1" },
	{ LIBIOMMU_BACKEND_IOMMUFD_COMPAT, "compat" },
};

/* One cell of the table: ns per map+unmap, or why there is none. */
struct cell {
	double ns;
	unsigned int iters;
	char why[48];
};

static struct cell results[NR_SIZES][2][NR_BACKENDS];
static bool backend_on[NR_BACKENDS] = { true, true, true };
static double min_time = 1.0;
static uint64_t max_size = GiB;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A /proc/meminfo value in bytes ("MemAvailable", "HugePages_Free"). */
static uint64_t meminfo(const char *key)
{
	char line[256];
	uint64_t v = 0;
	FILE *f = fopen("/proc/meminfo", "re");
	size_t kl = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long x;

		if (strncmp(line, key, kl) || line[kl] != ':')
			continue;
		if (sscanf(line + kl + 1, "%llu", &x) == 1)
			v = strstr(line, "kB") ? x * 1024 : x;
		break;
	}
	fclose(f);
	return v;
}

static void fmt_size(uint64_t s, char *buf, size_t len)
{
	if (s >= GiB)
		snprintf(buf, len, "%" PRIu64 " GiB", s / GiB);
	else if (s >= MiB)
		snprintf(buf, len, "%" PRIu64 " MiB", s / MiB);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", s / KiB);
}

static void fmt_time(double ns, char *buf, size_t len)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.2f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.1f us", ns / 1e3);
}

/* The buffer, faulted in; NULL with @why set when it cannot be had. */
static void *get_buffer(uint64_t size, bool huge, char *why, size_t wlen)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *p;

	if (huge) {
		uint64_t free_huge = meminfo("HugePages_Free") * HUGE_PAGE;

		if (size < HUGE_PAGE) {
			snprintf(why, wlen, "< one huge page");
			return NULL;
		}
		if (size > free_huge) {
			snprintf(why, wlen, "only %" PRIu64 " MiB of huge pages",
				 free_huge / MiB);
			return NULL;
		}
		flags |= MAP_HUGETLB;
	} else {
		uint64_t avail = meminfo("MemAvailable");

		/* keep room for the page tables and the rest of the guest */
		if (avail < 256 * MiB || size > avail - 256 * MiB) {
			snprintf(why, wlen, "only %" PRIu64 " MiB available",
				 avail / MiB);
			return NULL;
		}
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(why, wlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	/* 4 KiB pages really: no transparent huge pages behind our back */
	if (!huge)
		madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	return p;
}

/* An IOVA where @size fits, aligned to 1 GiB when it can be. */
static int pick_iova(struct libiommu_ioas *ioas, uint64_t size, uint64_t *iova)
{
	struct libiommu_iova_range r[32];
	size_t nr = 32, i;

	if (libiommu_ioas_get_ranges(ioas, r, &nr, NULL))
		return -1;
	for (i = 0; i < nr; i++) {
		uint64_t s = (r[i].start + GiB - 1) & ~(GiB - 1);

		if (s >= r[i].start && s <= r[i].last && r[i].last - s >= size - 1) {
			*iova = s;
			return 0;
		}
	}
	return -1;
}

static void run_cell(struct libiommu_ioas *ioas, void *buf, uint64_t size,
		     struct cell *c)
{
	const uint32_t fl = LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
			    LIBIOMMU_MAP_FIXED_IOVA;
	uint64_t base, iova, n;
	unsigned int i;
	double t0, t = 0;

	if (pick_iova(ioas, size, &base)) {
		snprintf(c->why, sizeof(c->why), "no IOVA range");
		return;
	}
	/* one untimed round: first-touch costs in the kernel */
	iova = base;
	if (libiommu_ioas_map(ioas, buf, size, &iova, fl) ||
	    libiommu_ioas_unmap(ioas, base, size, &n)) {
		snprintf(c->why, sizeof(c->why), "map failed: %s", strerror(errno));
		return;
	}
	t0 = now();
	for (i = 1; i <= MAX_ITERS; i++) {
		iova = base;
		if (libiommu_ioas_map(ioas, buf, size, &iova, fl) ||
		    libiommu_ioas_unmap(ioas, base, size, &n)) {
			snprintf(c->why, sizeof(c->why), "map failed: %s",
				 strerror(errno));
			return;
		}
		t = now() - t0;
		if (t >= min_time && i >= 3)
			break;
	}
	c->iters = i > MAX_ITERS ? MAX_ITERS : i;
	c->ns = t * 1e9 / c->iters;
}

static int run_backend(int b, const char *dev_path)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.log_fn = libiommu_log_stderr,
		.backend = backends[b].id,
	};
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *ioas = NULL;
	struct libiommu_dev *dev = NULL;
	size_t s;
	int k, rc;

	rc = libiommu_ctx_new(&opts, &ctx);
	if (!rc)
		rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (!rc)
		rc = libiommu_dev_open(ctx, dev_path, NULL, &dev);
	if (!rc)
		rc = libiommu_dev_attach_ioas(dev, ioas);
	if (rc) {
		fprintf(stderr, "map-bench: %s backend not usable: %s\n",
			backends[b].label, strerror(-rc));
		for (s = 0; s < NR_SIZES; s++)
			for (k = 0; k < 2; k++)
				snprintf(results[s][k][b].why,
					 sizeof(results[s][k][b].why),
					 "backend not usable");
		libiommu_ctx_free(ctx);
		return rc;
	}
	for (s = 0; s < NR_SIZES; s++) {
		for (k = 0; k < 2; k++) {
			struct cell *c = &results[s][k][b];
			void *buf;

			if (sizes[s] > max_size) {
				snprintf(c->why, sizeof(c->why), "> --max-size");
				continue;
			}
			buf = get_buffer(sizes[s], k, c->why, sizeof(c->why));
			if (!buf)
				continue;
			run_cell(ioas, buf, sizes[s], c);
			munmap(buf, sizes[s]);
		}
	}
	libiommu_ctx_free(ctx);
	return 0;
}

static void print_table(const char *dev_path)
{
	char sz[16], t[NR_BACKENDS][24], cellbuf[96];
	size_t s;
	int k, b;

	printf("map-bench: time per map+unmap of one buffer at a fixed IOVA, device %s attached\n",
	       dev_path);
	printf("map-bench: n = repetitions; ratio = time / iommufd's time (below 1: faster than iommufd)\n");
	printf("%-8s %-5s", "size", "pages");
	for (b = 0; b < NR_BACKENDS; b++)
		if (backend_on[b])
			printf(" %-22s", backends[b].label);
	for (b = 1; b < NR_BACKENDS; b++)
		if (backend_on[b] && backend_on[0])
			printf(" %s/iommufd", backends[b].label);
	printf("\n");
	for (s = 0; s < NR_SIZES; s++) {
		for (k = 0; k < 2; k++) {
			fmt_size(sizes[s], sz, sizeof(sz));
			printf("%-8s %-5s", sz, k ? "2M" : "4K");
			for (b = 0; b < NR_BACKENDS; b++) {
				struct cell *c = &results[s][k][b];

				if (!backend_on[b])
					continue;
				if (c->iters) {
					fmt_time(c->ns, t[b], sizeof(t[b]));
					snprintf(cellbuf, sizeof(cellbuf), "%s (n=%u)",
						 t[b], c->iters);
				} else {
					snprintf(cellbuf, sizeof(cellbuf), "- %s", c->why);
				}
				printf(" %-22.22s", cellbuf);
			}
			for (b = 1; b < NR_BACKENDS; b++) {
				struct cell *c = &results[s][k][b], *i = &results[s][k][0];

				if (!backend_on[b] || !backend_on[0])
					continue;
				if (c->iters && i->iters)
					printf(" %*.2fx", (int)strlen(backends[b].label) + 7,
					       c->ns / i->ns);
				else
					printf(" %*s", (int)strlen(backends[b].label) + 8, "-");
			}
			printf("\n");
		}
	}
}

static int first_cdev(char *buf, size_t len)
{
	int i;

	for (i = 0; i < 256; i++) {
		snprintf(buf, len, "/dev/vfio/devices/vfio%d", i);
		if (access(buf, F_OK) == 0)
			return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char dev_path[64] = "";
	int i, b, usable = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			snprintf(dev_path, sizeof(dev_path), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--max-size") && i + 1 < argc) {
			max_size = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) {
			min_time = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--backends") && i + 1 < argc) {
			const char *l = argv[++i];

			for (b = 0; b < NR_BACKENDS; b++)
				backend_on[b] = strstr(l, backends[b].label) != NULL;
		} else {
			fprintf(stderr, "usage: %s [--dev PATH] [--max-size BYTES] [--min-time SECONDS] [--backends iommufd,type1,compat]\n",
				argv[0]);
			return 2;
		}
	}
	if (!*dev_path && first_cdev(dev_path, sizeof(dev_path))) {
		printf("SKIP: no VFIO device cdev (/dev/vfio/devices/vfioN): bind a device to vfio-pci\n");
		return 77;
	}
	/* Pinned memory counts against RLIMIT_MEMLOCK; as root, lift it. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	printf("map-bench: MemAvailable %" PRIu64 " MiB, huge pages free %" PRIu64 " (2 MiB), min time %.2f s per cell\n",
	       meminfo("MemAvailable") / MiB, meminfo("HugePages_Free"),
	       min_time);
	fflush(stdout);
	for (b = 0; b < NR_BACKENDS; b++)
		if (backend_on[b] && run_backend(b, dev_path) == 0)
			usable++;
	print_table(dev_path);
	return usable ? 0 : 1;
}
