// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One context used from several threads at once, as VMMs use it (kernel
 * tier: /dev/iommu, QEMU's edu device, the iommufd selftest mock):
 *  - two threads allocate, map and destroy IOAS in a loop while two
 *    others map and unmap their own IOAS (the context's list of IOAS
 *    changes under them);
 *  - one thread hot-plugs edu (open, attach, detach, free) while a
 *    "vIOMMU" thread allocates and destroys HWPTs on the same IOAS for a
 *    mock device; afterwards, with nothing attached, the IOAS destroys
 *    (every use count went back to zero);
 *  - coherency reports on the IOAS and the device from one thread while
 *    another attaches and detaches the device.
 * Each pattern runs many rounds and yields between calls, so that the
 * threads interleave on one CPU too; but the races it is there for (a
 * list or a count changed by two threads at once) need two CPUs to show:
 * run it with tests/vm/run.sh --smp 2 ctx-threads.
 */
#include <pthread.h>
#include <sched.h>

#include "test-dev.h"

#define CHURN_ROUNDS 20000
#define MAP_ROUNDS 20000
#define PLUG_ROUNDS 100
#define REATTACH 50
#define HWPT_ROUNDS 10000
#define REPORT_ROUNDS 3000
#define ATTACH_ROUNDS 6000

/* The test's log callback, locked: the threads log at once. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void locked_log(void *ud, enum libiommu_log_level level,
		       const char *msg)
{
	pthread_mutex_lock(&log_mu);
	tu_log_capture(ud, level, msg);
	pthread_mutex_unlock(&log_mu);
}

/* What a thread reports: NULL when every call succeeded. */
struct result {
	const char *what;
	int rc;
	int round;
};

static void *failed(struct result *r, const char *what, int rc, int round)
{
	r->what = what;
	r->rc = rc;
	r->round = round;
	return r;
}

/* Run @fn[0..n) in threads with results @res; assert each succeeded. */
static void run_threads(void *(**fn)(void *), struct result *res, size_t n)
{
	pthread_t t[8];
	size_t i;
	void *ret;

	ck_assert_uint_le(n, 8);
	memset(res, 0, n * sizeof(*res));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn[i], &res[i]), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(pthread_join(t[i], &ret), 0);
		ck_assert_msg(ret == NULL, "thread %zu: %s failed in round %d: %s; log:\n%s",
			      i, res[i].what, res[i].round, strerror(-res[i].rc),
			      lg.all);
	}
}

static void setup(void)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_WARN, NULL);
	int rc;

	opts.log_fn = locked_log;
	rc = libiommu_ctx_new(&opts, &ctx);
	ck_assert_msg(rc == 0, "libiommu_ctx_new: %s; log:\n%s", strerror(-rc),
		      lg.all);
	ioas = new_ioas(ctx);
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ioas = NULL;
}

/* ---- (a) IOAS churn while others map --------------------------------- */

static uint8_t *churn_buf;

static void *ioas_churn(void *arg)
{
	struct result *r = arg;
	struct libiommu_ioas *a;
	uint64_t iova;
	int i, rc;

	for (i = 0; i < CHURN_ROUNDS; i++) {
		a = NULL;
		rc = libiommu_ioas_alloc(ctx, NULL, &a);
		if (rc)
			return failed(r, "ioas_alloc", rc, i);
		sched_yield();
		iova = 0;
		rc = libiommu_ioas_map(a, churn_buf, pgsz(), &iova,
				       LIBIOMMU_MAP_READ);
		if (!rc)
			rc = libiommu_ioas_destroy(a); /* mapped: destroy unmaps */
		if (rc)
			return failed(r, "ioas map/destroy", rc, i);
		sched_yield();
	}
	return NULL;
}

static void *mapper(void *arg)
{
	struct result *r = arg;
	struct libiommu_ioas *a = NULL;
	uint8_t *buf = mmap(NULL, pgsz(), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t iova, n;
	int i, rc;

	if (buf == MAP_FAILED)
		return failed(r, "mmap", -errno, -1);
	rc = libiommu_ioas_alloc(ctx, NULL, &a);
	if (rc)
		return failed(r, "ioas_alloc", rc, -1);
	for (i = 0; i < MAP_ROUNDS; i++) {
		iova = 0;
		rc = libiommu_ioas_map(a, buf, pgsz(), &iova,
				       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE);
		if (!rc)
			rc = libiommu_ioas_unmap(a, iova, pgsz(), &n);
		if (!rc && n != pgsz())
			rc = -EIO;
		if (rc)
			return failed(r, "map/unmap", rc, i);
		if (!(i & 7))
			sched_yield();
	}
	rc = libiommu_ioas_destroy(a);
	munmap(buf, pgsz());
	if (rc)
		return failed(r, "ioas_destroy", rc, MAP_ROUNDS);
	return NULL;
}

START_TEST(ioas_alloc_and_destroy_race_with_maps_on_other_ioas)
{
	void *(*fn[])(void *) = { ioas_churn, ioas_churn, mapper, mapper };
	struct result res[4];

	churn_buf = xbuf(pgsz());
	run_threads(fn, res, 4);
	/* Only the fixture's IOAS is left, and it destroys. */
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

/* ---- (b) device hot-plug while a vIOMMU thread makes HWPTs ----------- */

static struct libiommu_dev *vdev; /* the mock device of the vIOMMU thread */

static void *viommu_domains(void *arg)
{
	struct result *r = arg;
	struct libiommu_hwpt *h;
	int i, rc;

	for (i = 0; i < HWPT_ROUNDS; i++) {
		h = NULL;
		rc = libiommu_hwpt_alloc(vdev, ioas, NULL, &h);
		if (rc)
			return failed(r, "hwpt_alloc", rc, i);
		sched_yield();
		rc = libiommu_hwpt_destroy(h);
		if (rc)
			return failed(r, "hwpt_destroy", rc, i);
		sched_yield();
	}
	return NULL;
}

static void *hotplug(void *arg)
{
	struct result *r = arg;
	struct libiommu_dev *d;
	int i, j, rc;

	for (i = 0; i < PLUG_ROUNDS; i++) {
		d = NULL;
		rc = libiommu_dev_open(ctx, edu_path, NULL, &d);
		if (rc)
			return failed(r, "dev_open", rc, i);
		/* a device reset re-attaches it: the IOAS's count moves */
		for (j = 0, rc = 0; j < REATTACH && !rc; j++) {
			rc = libiommu_dev_attach_ioas(d, ioas);
			if (!rc)
				rc = libiommu_dev_detach(d);
		}
		if (!rc)
			rc = libiommu_dev_attach_ioas(d, ioas);
		libiommu_dev_free(d); /* detaches */
		if (rc)
			return failed(r, "attach/detach", rc, i);
		sched_yield();
	}
	return NULL;
}

START_TEST(hotplug_and_hwpt_alloc_leave_the_ioas_unused)
{
	void *(*fn[])(void *) = { hotplug, viommu_domains };
	struct result res[2];
	struct mock_dev md;

	vdev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	run_threads(fn, res, 2);
	/* The mock device was attached outside the library: take it away. */
	libiommu_dev_free(vdev);
	ck_assert_int_eq(mock_detach(libiommu_ctx_fd(ctx), &md), 0);
	/* Nothing uses the IOAS any more: every use count went back. */
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

/* ---- (c) coherency reports while the device moves -------------------- */

static struct libiommu_dev *edev;

static void *attacher(void *arg)
{
	struct result *r = arg;
	int i, rc;

	for (i = 0; i < ATTACH_ROUNDS; i++) {
		rc = libiommu_dev_attach_ioas(edev, ioas);
		sched_yield();
		if (!rc)
			rc = libiommu_dev_detach(edev);
		if (rc)
			return failed(r, "attach/detach", rc, i);
		sched_yield();
	}
	return NULL;
}

static void *reporter(void *arg)
{
	struct result *r = arg;
	struct libiommu_coherency *c;
	size_t members;
	int i, rc, box;

	for (i = 0; i < REPORT_ROUNDS; i++) {
		c = NULL;
		rc = libiommu_coherency_get_ioas(ioas, &c);
		if (rc)
			return failed(r, "coherency_get_ioas", rc, i);
		members = libiommu_coherency_nr_members(c);
		box = members ? libiommu_coherency_box(libiommu_coherency_member(c, 0)) : 2;
		libiommu_coherency_free(c);
		/* edu is attached or not: one member or none, box 2 or 4 */
		if (members > 1 || (box != 2 && box != 4))
			return failed(r, "an IOAS report with a torn member list", -EPROTO, i);
		rc = libiommu_coherency_get_dev(edev, &c);
		if (rc)
			return failed(r, "coherency_get_dev", rc, i);
		box = libiommu_coherency_box(c);
		libiommu_coherency_free(c);
		if (box != 2 && box != 4)
			return failed(r, "a device report with no box", -EPROTO, i);
	}
	return NULL;
}

START_TEST(coherency_reports_while_the_device_attaches_and_detaches)
{
	void *(*fn[])(void *) = { attacher, reporter };
	struct result res[2];

	edev = open_edu(ctx);
	run_threads(fn, res, 2);
	libiommu_dev_free(edev);
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-threads");
	TCase *tc;

	tu_require_iommufd();
	if (!tu_backend_is_iommufd()) {
		printf("SKIP: several IOAS and HWPTs per context are iommufd's: the legacy backends' threads are tested by mock-threads and dev-legacy\n");
		return TU_EXIT_SKIP;
	}
	require_edu();
	mock_require();
	tc = tu_tcase(s, "threads");
	tcase_set_timeout(tc, 100);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ioas_alloc_and_destroy_race_with_maps_on_other_ioas);
	tcase_add_test(tc, hotplug_and_hwpt_alloc_leave_the_ioas_unused);
	tcase_add_test(tc, coherency_reports_while_the_device_attaches_and_detaches);
	return tu_run(s);
}
