// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency reports under kernel fault injection (VM tier).
 *
 * /proc/thread-self/fail-nth makes the Nth fault-injection point the
 * calling thread passes in the kernel fail (a slab or page allocation,
 * ...).  For N = 1, 2, ... until the report runs out of points, each
 * report must either fail - a negative errno, errno set, an error logged
 * - or be exactly the report made without faults: a failed read must never
 * turn into an answer ("unknown", "no") that looks like the hardware's.
 * The handles must work afterwards and no fd may leak.
 *
 * The faults: every slab and page allocation (failslab and
 * fail_page_alloc, also those that may sleep: their ignore-gfp-wait is
 * turned off for the run, as the iommufd selftest does) and iommufd's own
 * points (fail_iommufd).
 *
 * Needs CONFIG_FAULT_INJECTION and its debugfs (the VM kernel has them) and
 * the edu device; runs with and without the companion module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmodutil.h"
#include "test-dev.h"

/* More than a report passes through (about a hundred); a bound, not a goal. */
#define MAX_N 20000

static struct libiommu_dev *dev;
static int fail_nth = -1;

/* Fault-injection knobs set for the run, and their values before it. */
static const char *const knobs[] = {
	"/sys/kernel/debug/failslab/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem",
};
static char knob_old[3][8];

static int write_file(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(v, f) < 0 ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* Let fail-nth fail every allocation, also those that may sleep. */
static int knobs_set(void)
{
	for (size_t i = 0; i < ARRAY_LEN(knobs); i++) {
		FILE *f = fopen(knobs[i], "r");
		int rc;

		if (!f)
			return -errno;
		if (!fgets(knob_old[i], sizeof(knob_old[i]), f))
			knob_old[i][0] = '\0';
		fclose(f);
		rc = write_file(knobs[i], "N");
		if (rc)
			return rc;
	}
	return 0;
}

static void knobs_restore(void)
{
	for (size_t i = 0; i < ARRAY_LEN(knobs); i++)
		if (knob_old[i][0])
			write_file(knobs[i], knob_old[i]);
}

static void setup(void)
{
	/* Check runs each test in a child: open the child's own file. */
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ck_assert_msg(fail_nth >= 0, "/proc/thread-self/fail-nth: %s", strerror(errno));
	ioas_setup();
	dev = open_edu(ctx);
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
}

static void teardown(void)
{
	ioas_teardown();
	close(fail_nth);
}

/*
 * No ck_assert() between arming and disarming: Check's own bookkeeping
 * makes system calls that would take the fault.  Errors are checked after.
 */
static bool set_fail_nth(int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%d", n);

	return pwrite(fail_nth, b, (size_t)len, 0) == len;
}

/* 0 when the fault was injected, else how many points were left; -1 error. */
static int get_fail_nth(void)
{
	char b[16] = "";

	return pread(fail_nth, b, sizeof(b) - 1, 0) > 0 ? atoi(b) : -1;
}

typedef int (*report_fn)(struct libiommu_coherency **out);

static int dev_report(struct libiommu_coherency **out)
{
	return libiommu_coherency_get_dev(dev, out);
}

static int ioas_report(struct libiommu_coherency **out)
{
	return libiommu_coherency_get_ioas(ioas, out);
}

static char *text_of(const struct libiommu_coherency *c)
{
	int n = libiommu_coherency_format(c, NULL, 0);
	char *t;

	ck_assert_int_gt(n, 0);
	t = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(libiommu_coherency_format(c, t, (size_t)n + 1), n);
	return t;
}

/* The report at every N, against the report without faults. */
static void sweep(const char *what, report_fn make)
{
	struct libiommu_coherency *c = NULL;
	int n, rc, err, left, failed = 0, same = 0, fds = tu_count_fds();
	bool armed, disarmed;
	char *want, *got;

	expect_ok(make(&c));
	want = text_of(c);
	libiommu_coherency_free(c);

	for (n = 1; n <= MAX_N; n++) {
		c = NULL;
		log_reset(&lg);
		armed = set_fail_nth(n);
		errno = 0;
		rc = make(&c);
		err = errno;
		left = get_fail_nth();
		disarmed = set_fail_nth(0);
		ck_assert_msg(armed && disarmed && left >= 0, "fail-nth: %s", strerror(errno));
		errno = err;
		if (getenv("COH_FAULT_TRACE"))
			printf("%s n=%d rc=%d left=%d: %s\n", what, n, rc, left, lg.msg);
		if (rc < 0) {
			ck_assert_msg(errno == -rc, "%s, fault %d: returned %d with errno %d",
				      what, n, rc, errno);
			ck_assert_msg(lg.count > 0 && lg.max_seen >= LIBIOMMU_LOG_ERR,
				      "%s, fault %d: failed with %s and logged nothing",
				      what, n, strerror(-rc));
			ck_assert_ptr_null(c);
			failed++;
		} else {
			ck_assert_int_eq(rc, 0);
			got = text_of(c);
			if (strcmp(got, want)) {
				/* too long for Check's message: on stdout */
				printf("%s, fault %d (%s): the report differs from the one without faults:\n--- without\n%s\n--- with\n%s\nlog:\n%s\n",
				       what, n, left ? "not injected" : "injected", want, got, lg.all);
				fflush(stdout);
			}
			ck_assert_msg(!strcmp(got, want), "%s, fault %d: the report differs (above)",
				      what, n);
			free(got);
			libiommu_coherency_free(c);
			same++;
		}
		if (left)
			break; /* the report passed fewer than n points */
	}
	ck_assert_msg(n <= MAX_N, "%s: still injecting after %d faults", what, MAX_N);
	ck_assert_int_eq(tu_count_fds(), fds);
	/* The handles still work and still give the same report. */
	expect_ok(make(&c));
	got = text_of(c);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	libiommu_coherency_free(c);
	printf("%s: %d fault points: %d reports failed with an error, %d were identical\n",
	       what, n - 1, failed, same - 1);
	ck_assert_msg(failed > 0, "%s: no injected fault made a report fail: is fail-nth working?",
		      what);
}

START_TEST(a_device_report_fails_or_is_exact_at_every_fault)
{
	sweep("libiommu_coherency_get_dev", dev_report);
}
END_TEST

START_TEST(an_ioas_report_fails_or_is_exact_at_every_fault)
{
	sweep("libiommu_coherency_get_ioas", ioas_report);
}
END_TEST

int main(void)
{
	const char *kdir = getenv("LIBIOMMU_KMOD_DIR");
	bool vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	bool loaded = access("/dev/libiommu", F_OK) == 0;
	char ko[PATH_MAX] = "";
	int failed = 0;
	Suite *s;
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	if (access("/proc/thread-self/fail-nth", W_OK) != 0) {
		printf("SKIP: no /proc/thread-self/fail-nth (%s): the kernel lacks CONFIG_FAULT_INJECTION; the VM tier's kernel has it\n",
		       strerror(errno));
		return TU_EXIT_SKIP;
	}
	if (knobs_set()) {
		int e = errno;

		knobs_restore();
		if (vm) {
			printf("FAIL: cannot set %s etc.: %s\n", knobs[0], strerror(e));
			return 1;
		}
		printf("SKIP: cannot set %s etc. (%s): needs CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS and debugfs; the VM tier has them\n",
		       knobs[0], strerror(e));
		return TU_EXIT_SKIP;
	}
	atexit(knobs_restore);

	s = suite_create(loaded ? "coh-fault (module loaded)" : "coh-fault (no module)");
	tc = tu_tcase(s, loaded ? "module" : "no-module");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_device_report_fails_or_is_exact_at_every_fault);
	tcase_add_test(tc, an_ioas_report_fails_or_is_exact_at_every_fault);
	failed |= tu_run(s);

	/* Again without the module (VM tier only): other sources, other faults. */
	if (kdir)
		snprintf(ko, sizeof(ko), "%s/libiommu.ko", kdir);
	if (vm && loaded && *ko && access(ko, R_OK) == 0) {
		if (ku_run("rmmod", "libiommu", false) != 0) {
			printf("FAIL: rmmod libiommu failed\n");
			return 1;
		}
		s = suite_create("coh-fault (module unloaded)");
		tc = tu_tcase(s, "no-module");
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, a_device_report_fails_or_is_exact_at_every_fault);
		tcase_add_test(tc, an_ioas_report_fails_or_is_exact_at_every_fault);
		failed |= tu_run(s);
		if (ku_run("insmod", ko, false) != 0) {
			printf("FAIL: insmod %s failed\n", ko);
			failed = 1;
		}
	} else {
		printf("note: not in the VM tier with the module loaded: no-module pass left out\n");
	}
	return failed ? 1 : 0;
}
