/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's instruction budget over raw ioctls (host tier): a 4 KiB
 * map + unmap at a fixed IOVA through libiommu_ioas_map() and
 * libiommu_ioas_unmap() against the same two ioctls issued directly, both
 * against a fake iommufd that this program's own ioctl() answers (it takes
 * the C library's place for the library too, so the kernel's cost is out
 * of both), counted by valgrind's callgrind: deterministic, whatever the
 * machine's load.  The test fails when the library's overhead per pair
 * grows past BUDGET_INSNS; bench/ measures the same paths on a kernel.
 *
 * Exits 77 (skip) when valgrind is not installed, and in a sanitizer or
 * unoptimised build (the counts would be those of another program).
 *
 * usage: bench-budget                 the test
 *        bench-budget --loop raw|lib  (under callgrind) LOOPS pairs
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/uapi/iommufd.h"
#include "testutil.h"

/*
 * Instructions the library may add to a 4 KiB map + unmap pair over the
 * two raw ioctls (71 instructions, the fake's answer included).  Measured
 * with gcc 12 -O2 on x86_64: 344 before the hot-path work of 0.2, 174
 * after it; the budget leaves room for other compilers, not for new work
 * on the path.
 */
#define BUDGET_INSNS 200

#define LOOPS 1000
#define IOVA (UINT64_C(1) << 32)
#define LEN 4096

/* ---- the fake iommufd: one fd, the commands of map and unmap ---------- */

static int fake_fd = -1;
static uint32_t next_id = 1;

static int fake(unsigned long req, void *arg)
{
	switch (req) {
	case LX_IOMMU_IOAS_MAP:
		return 0; /* only FIXED_IOVA here: the iova is the caller's */
	case LX_IOMMU_IOAS_UNMAP:
		return 0; /* cmd.length stays: all of it was mapped */
	case LX_IOMMU_IOAS_ALLOC:
		((struct lx_iommu_ioas_alloc *)arg)->out_ioas_id = next_id++;
		return 0;
	case LX_IOMMU_DESTROY: {
		/* how the library tells an iommufd: too small, then no id 0 */
		struct lx_iommu_destroy *c = arg;

		errno = c->size < sizeof(*c) ? EINVAL : ENOENT;
		return c->size < sizeof(*c) || !c->id ? -1 : 0;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* The C library's prototype; this definition takes the place of its. */
int ioctl(int fd, unsigned long request, ...);

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == fake_fd)
		return fake(request, arg);
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

/* ---- the two loops callgrind counts (--toggle-collect) ------------------ */

static char buf[2 * LEN] __attribute__((aligned(LEN)));

__attribute__((noinline)) int loop_raw(int fd, uint32_t ioas_id, int n);
__attribute__((noinline)) int loop_lib(struct libiommu_ioas *ioas, int n);

/* What a VMM without the library writes. */
__attribute__((noinline)) int loop_raw(int fd, uint32_t ioas_id, int n)
{
	for (int i = 0; i < n; i++) {
		struct lx_iommu_ioas_map m = {
			.size = sizeof(m),
			.flags = LX_IOMMU_IOAS_MAP_FIXED_IOVA | LX_IOMMU_IOAS_MAP_READABLE | LX_IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = ioas_id,
			.user_va = (uintptr_t)buf,
			.length = LEN,
			.iova = IOVA,
		};
		struct lx_iommu_ioas_unmap u = {
			.size = sizeof(u),
			.ioas_id = ioas_id,
			.iova = IOVA,
			.length = LEN,
		};

		if (ioctl(fd, LX_IOMMU_IOAS_MAP, &m) || ioctl(fd, LX_IOMMU_IOAS_UNMAP, &u))
			return -1;
	}
	return 0;
}

__attribute__((noinline)) int loop_lib(struct libiommu_ioas *ioas, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t iova = IOVA;

		if (libiommu_ioas_map(ioas, buf, LEN, &iova,
				      LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
					      LIBIOMMU_MAP_FIXED_IOVA) ||
		    libiommu_ioas_unmap(ioas, IOVA, LEN, NULL))
			return -1;
	}
	return 0;
}

/* Under callgrind: one warm-up pair (symbol binding), then LOOPS counted. */
static int run_loop(const char *which)
{
	char path[] = "/tmp/libiommu-bench-budget-XXXXXX";
	struct libiommu_ctx_opts o = { .sz = sizeof(o) };
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *ioas = NULL;
	int fd, rc;

	fd = mkstemp(path);
	if (fd < 0)
		return 2;
	close(fd);
	o.path = path;
	o.backend = LIBIOMMU_BACKEND_IOMMUFD;
	/* the fd the library opens is the next free one */
	fake_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(fake_fd);
	rc = libiommu_ctx_new(&o, &ctx);
	unlink(path);
	if (rc || libiommu_ctx_fd(ctx) != fake_fd) {
		fprintf(stderr, "bench-budget: libiommu_ctx_new on the fake: %d\n", rc);
		return 2;
	}
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc) {
		fprintf(stderr, "bench-budget: libiommu_ioas_alloc on the fake: %d\n", rc);
		return 2;
	}
	if (loop_raw(fake_fd, libiommu_ioas_id(ioas), 1) || loop_lib(ioas, 1))
		return 3;
	if (!strcmp(which, "raw"))
		rc = loop_raw(fake_fd, libiommu_ioas_id(ioas), LOOPS);
	else
		rc = loop_lib(ioas, LOOPS);
	libiommu_ctx_free(ctx);
	return rc ? 3 : 0;
}

/* ---- the test ------------------------------------------------------------ */

static char self[4096];

/* Instructions callgrind counted in loop_@which, per pair; -1 on failure. */
static double count(const char *which)
{
	char out[] = "/tmp/libiommu-callgrind-XXXXXX";
	char outarg[64], toggle[64], line[256];
	double insns = -1;
	int fd, status;
	pid_t pid;
	FILE *f;

	fd = mkstemp(out);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", out);
	snprintf(toggle, sizeof(toggle), "--toggle-collect=loop_%s", which);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execlp("valgrind", "valgrind", "--tool=callgrind", "-q",
		       "--collect-atstart=no", toggle, outarg, self, "--loop",
		       which, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "valgrind %s --loop %s: status 0x%x", self, which, status);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "totals: ", 8) || !strncmp(line, "summary: ", 9))
			insns = strtod(strchr(line, ' ') + 1, NULL) / LOOPS;
	fclose(f);
	unlink(out);
	ck_assert_msg(insns > 0, "no instruction count in callgrind's output");
	return insns;
}

START_TEST(map_unmap_costs_at_most_the_budget_over_raw_ioctls)
{
	double raw = count("raw"), lib = count("lib");

	printf("4 KiB map+unmap, instructions per pair: raw %.0f, libiommu %.0f, overhead %.0f (budget %d)\n",
	       raw, lib, lib - raw, BUDGET_INSNS);
	ck_assert_msg(lib - raw <= BUDGET_INSNS,
		      "libiommu_ioas_map + libiommu_ioas_unmap cost %.0f instructions over the raw ioctls' %.0f, more than the budget of %d (tests/bench-budget.c): a cost was added to the hot path",
		      lib - raw, raw, BUDGET_INSNS);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "--loop"))
		return run_loop(argv[2]);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
	printf("SKIP: a sanitizer build: its instruction counts are not the library's\n");
	return 77;
#endif
#ifndef __OPTIMIZE__
	printf("SKIP: an unoptimised build: the budget is for -O2\n");
	return 77;
#endif
	if (system("valgrind --version >/dev/null 2>&1") != 0) {
		printf("SKIP: valgrind is not installed (tests/vm/setup-host.sh installs it): the instruction budget needs callgrind\n");
		return 77;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 99;
	self[n] = '\0';
	s = suite_create("bench-budget");
	tc = tu_tcase(s, "budget");

	tcase_add_test(tc, map_unmap_costs_at_most_the_budget_over_raw_ioctls);
	return tu_run(s);
}
