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

#include "faultutil.h"
#include "kmodutil.h"
#include "test-dev.h"

/* More than a report passes through (about a hundred); a bound, not a goal. */
#define MAX_N 20000

static struct libiommu_dev *dev;
static int fail_nth = -1;

static void setup(void)
{
	/* Check runs each test in a child: open the child's own file. */
	fail_nth = fu_open();
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
		armed = fu_arm(fail_nth, n);
		errno = 0;
		rc = make(&c);
		err = errno;
		left = fu_left(fail_nth);
		disarmed = fu_arm(fail_nth, 0);
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
	fu_setup(vm);

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
