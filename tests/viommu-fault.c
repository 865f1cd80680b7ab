// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vIOMMU family's calls under kernel fault injection (VM tier, the
 * iommufd selftest mock).
 *
 * Each call is a step: what it needs is set up without faults, then for
 * N = 1, 2, ... the Nth fault point the calling thread passes in the
 * kernel fails (/proc/thread-self/fail-nth: every slab and page
 * allocation, also those that may sleep, and iommufd's own points), until
 * the call passes fewer than N points.  At every N the call succeeds, or
 * fails cleanly (a negative errno, errno set, an error logged, a handle
 * output NULL, a handle to destroy still valid and destroyable without
 * faults); and after undoing what a success made, nothing is left behind:
 * no fd, no iommufd object (the ids the iommufd hands out next are those
 * it handed out before the step).
 *
 * On a kernel without vIOMMUs the steps check the library's -EOPNOTSUPP.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "faultutil.h"
#include "test-dev.h"

#define MAX_N 2000
#define SENTINEL ((void *)(uintptr_t)0x5e5e5e50)

static int fd = -1, fail_nth = -1;
static struct libiommu_dev *dev;
static struct mock_dev md;
static struct libiommu_hwpt *parent;
/* what the steps make and use */
static struct libiommu_viommu *viommu;
static struct libiommu_vdevice *vdev;
static struct libiommu_veventq *veventq;
static struct libiommu_hwpt *nested;
static struct libiommu_fault_queue *fq;
static struct libiommu_hw_queue *hwq;
static uint64_t page_iova; /* one page of "guest RAM" */
static const struct mock_hwpt_data nested_data = { .iotlb = MOCK_IOTLB_DEFAULT };

static void setup(void)
{
	struct libiommu_ctx_opts co = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_hwpt_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_HWPT_NEST_PARENT };

	/* A borrowed fd: the objects a step leaves stay visible on it. */
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	expect_ok(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, &co, &ctx));
	ioas = new_ioas(ctx);
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &o, &parent));
	fail_nth = fu_open();
	ck_assert_int_ge(fail_nth, 0);
	viommu = NULL;
	vdev = NULL;
	veventq = NULL;
	nested = NULL;
	fq = NULL;
	hwq = NULL;
	page_iova = 0;
	expect_ok(libiommu_ioas_map(ioas, xbuf(pgsz()), pgsz(), &page_iova, RW));
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
	close(fail_nth);
	close(fd);
}

/* The ids the iommufd hands out next (lowest free first), weighted. */
static uint64_t probe_ids(void)
{
	struct {
		uint32_t size, flags, out_ioas_id;
	} a = { .size = 12 };
	struct {
		uint32_t size, id;
	} d = { .size = 8 };
	uint32_t ids[8];
	uint64_t sum = 0;

	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(ioctl(fd, _IO(';', 0x81), &a), 0);
		ids[i] = a.out_ioas_id;
		sum = sum * 131 + ids[i];
	}
	for (int i = 0; i < 8; i++) {
		d.id = ids[i];
		ck_assert_int_eq(ioctl(fd, _IO(';', 0x80), &d), 0);
	}
	return sum;
}

static bool have(enum libiommu_feature f)
{
	return libiommu_ctx_has_feature(ctx, f) == 1;
}

static void make_viommu(void)
{
	struct libiommu_viommu_opts o = { .sz = sizeof(o),
					  .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST };

	expect_ok(libiommu_viommu_alloc(dev, parent, &o, &viommu));
}

static void make_vdev(void)
{
	expect_ok(libiommu_vdevice_alloc(viommu, dev, 0x21, &vdev));
}

static void make_veventq(void)
{
	struct libiommu_veventq_opts o = { .sz = sizeof(o),
					   .type = LIBIOMMU_VEVENTQ_TYPE_SELFTEST,
					   .depth = 8 };

	expect_ok(libiommu_veventq_alloc(viommu, &o, &veventq));
}

/* ---- the steps: prep (no faults), call, then undo a success ------------- */

struct step {
	const char *name;
	void (*prep)(void); /* before each N */
	int (*call)(void);
	void (*undo)(void); /* after a success */
	void (*after_fail)(int rc);
};

static int c_viommu_alloc(void)
{
	struct libiommu_viommu_opts o = { .sz = sizeof(o),
					  .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST };

	viommu = SENTINEL;
	return libiommu_viommu_alloc(dev, parent, &o, &viommu);
}

static void u_destroy_viommu(void)
{
	expect_ok(libiommu_viommu_destroy(viommu));
	viommu = NULL;
}

static void f_null_viommu(int rc)
{
	(void)rc;
	ck_assert_ptr_null(viommu);
}

static int c_alloc_hwpt(void)
{
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};

	nested = SENTINEL;
	return libiommu_viommu_alloc_hwpt(viommu, dev, &o, &nested);
}

static void u_alloc_hwpt(void)
{
	expect_ok(libiommu_hwpt_destroy(nested));
	nested = NULL;
}

static void f_alloc_hwpt(int rc)
{
	(void)rc;
	ck_assert_ptr_null(nested);
}

static int c_vdev_alloc(void)
{
	vdev = SENTINEL;
	return libiommu_vdevice_alloc(viommu, dev, 0x21, &vdev);
}

static void u_vdev_destroy(void)
{
	expect_ok(libiommu_vdevice_destroy(vdev));
	vdev = NULL;
}

static void f_vdev_alloc(int rc)
{
	(void)rc;
	ck_assert_ptr_null(vdev);
}

static int c_veventq_alloc(void)
{
	struct libiommu_veventq_opts o = { .sz = sizeof(o),
					   .type = LIBIOMMU_VEVENTQ_TYPE_SELFTEST,
					   .depth = 8 };

	veventq = SENTINEL;
	return libiommu_veventq_alloc(viommu, &o, &veventq);
}

static void u_veventq_destroy(void)
{
	expect_ok(libiommu_veventq_destroy(veventq));
	veventq = NULL;
}

static void f_veventq_alloc(int rc)
{
	(void)rc;
	ck_assert_ptr_null(veventq);
}

static int c_invalidate(void)
{
	struct mock_viommu_invalidate inv[2] = {
		{ .vdev_id = 0x21, .cache_id = 1 },
		{ .vdev_id = 0x21, .flags = MOCK_INVALIDATE_ALL },
	};
	uint32_t n = 2;

	return libiommu_viommu_invalidate(viommu, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					  inv, sizeof(inv[0]), &n);
}

static void nothing(void)
{
}

static void nothing_rc(int rc)
{
	(void)rc;
}

static void p_viommu_and_vdev(void)
{
	if (!viommu)
		make_viommu();
	if (!vdev)
		make_vdev();
}

static void p_viommu(void)
{
	if (!viommu)
		make_viommu();
}

static int c_vdev_destroy(void)
{
	return libiommu_vdevice_destroy(vdev);
}

static void u_vdev_gone(void)
{
	vdev = NULL;
}

/* A refused destroy leaves the handle valid: destroy it without faults. */
static void f_vdev_destroy(int rc)
{
	(void)rc;
	u_vdev_destroy();
}

static int c_veventq_destroy(void)
{
	return libiommu_veventq_destroy(veventq);
}

static void p_veventq(void)
{
	p_viommu();
	if (!veventq)
		make_veventq();
}

static void u_veventq_gone(void)
{
	veventq = NULL;
}

static void f_veventq_destroy(int rc)
{
	(void)rc;
	/* its fd may be closed already; the object goes with the retry */
	u_veventq_destroy();
}

static void p_viommu_alone(void)
{
	if (!viommu)
		make_viommu();
}

static int c_viommu_destroy(void)
{
	return libiommu_viommu_destroy(viommu);
}

static void u_viommu_gone(void)
{
	viommu = NULL;
}

static void f_viommu_destroy(int rc)
{
	(void)rc;
	u_destroy_viommu();
}

static int c_fq_alloc(void)
{
	fq = SENTINEL;
	return libiommu_fault_queue_alloc(ctx, &fq);
}

static void u_fq_destroy(void)
{
	expect_ok(libiommu_fault_queue_destroy(fq));
	fq = NULL;
}

static void f_fq_alloc(int rc)
{
	(void)rc;
	ck_assert_ptr_null(fq);
}

static void p_fq(void)
{
	if (!fq)
		expect_ok(libiommu_fault_queue_alloc(ctx, &fq));
}

/* A nested HWPT on the parent with the fault queue. */
static int c_fq_hwpt(void)
{
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
		.fault_queue = fq,
	};

	nested = SENTINEL;
	return libiommu_hwpt_alloc_nested(dev, parent, &o, &nested);
}

static int c_fq_destroy(void)
{
	return libiommu_fault_queue_destroy(fq);
}

static void u_fq_gone(void)
{
	fq = NULL;
}

static void f_fq_destroy(int rc)
{
	(void)rc;
	u_fq_destroy();
}

static int c_hwq_alloc(void)
{
	struct libiommu_hw_queue_opts o = { .sz = sizeof(o),
					    .type = LIBIOMMU_HW_QUEUE_TYPE_SELFTEST,
					    .iova = page_iova,
					    .length = pgsz() };

	hwq = SENTINEL;
	return libiommu_hw_queue_alloc(viommu, &o, &hwq);
}

static void u_hwq_destroy(void)
{
	expect_ok(libiommu_hw_queue_destroy(hwq));
	hwq = NULL;
}

static void f_hwq_alloc(int rc)
{
	(void)rc;
	ck_assert_ptr_null(hwq);
}

static const struct step steps[] = {
	{ "hw_queue_alloc", p_viommu, c_hwq_alloc, u_hwq_destroy, f_hwq_alloc },
	{ "fault_queue_alloc", nothing, c_fq_alloc, u_fq_destroy, f_fq_alloc },
	{ "hwpt_alloc_nested with a fault queue", p_fq, c_fq_hwpt, u_alloc_hwpt,
	  f_alloc_hwpt },
	{ "fault_queue_destroy", p_fq, c_fq_destroy, u_fq_gone, f_fq_destroy },
	{ "viommu_alloc", nothing, c_viommu_alloc, u_destroy_viommu, f_null_viommu },
	{ "viommu_alloc_hwpt", p_viommu, c_alloc_hwpt, u_alloc_hwpt, f_alloc_hwpt },
	{ "vdevice_alloc", p_viommu, c_vdev_alloc, u_vdev_destroy, f_vdev_alloc },
	{ "veventq_alloc", p_viommu, c_veventq_alloc, u_veventq_destroy,
	  f_veventq_alloc },
	{ "viommu_invalidate", p_viommu_and_vdev, c_invalidate, nothing,
	  nothing_rc },
	{ "vdevice_destroy", p_viommu_and_vdev, c_vdev_destroy, u_vdev_gone,
	  f_vdev_destroy },
	{ "veventq_destroy", p_veventq, c_veventq_destroy, u_veventq_gone,
	  f_veventq_destroy },
	{ "viommu_destroy", p_viommu_alone, c_viommu_destroy, u_viommu_gone,
	  f_viommu_destroy },
};

START_TEST(each_call_fails_cleanly_or_succeeds_at_every_fault)
{
	const struct step *st = &steps[_i];
	int n, rc, err, left, fds, failures = 0;
	uint64_t ids;

	if (strstr(st->name, "fault") && !have(LIBIOMMU_FEAT_FAULT_QUEUE)) {
		expect_err(c_fq_alloc(), -EOPNOTSUPP, "feature \"fault_queue\"");
		return;
	}
	if (!strstr(st->name, "fault") && !have(LIBIOMMU_FEAT_VIOMMU)) {
		struct libiommu_viommu_opts o = {
			.sz = sizeof(o), .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST
		};

		expect_err(libiommu_viommu_alloc(dev, parent, &o, &viommu),
			   -EOPNOTSUPP, "feature \"viommu\"");
		return;
	}
	if (strstr(st->name, "hw_queue") && !have(LIBIOMMU_FEAT_HW_QUEUE)) {
		p_viommu();
		expect_err(c_hwq_alloc(), -EOPNOTSUPP, "feature \"hw_queue\"");
		return;
	}
	if (strstr(st->name, "veventq") && !have(LIBIOMMU_FEAT_VEVENTQ)) {
		p_viommu();
		expect_err(c_veventq_alloc(), -EOPNOTSUPP, "feature \"veventq\"");
		return;
	}
	for (n = 1; n <= MAX_N; n++) {
		st->prep();
		fds = tu_count_fds();
		ids = probe_ids();
		log_reset(&lg);
		ck_assert(fu_arm(fail_nth, n));
		errno = 0;
		rc = st->call();
		err = errno;
		left = fu_left(fail_nth);
		ck_assert(fu_arm(fail_nth, 0));
		ck_assert_int_ge(left, 0);
		if (rc < 0) {
			ck_assert_msg(left == 0, "%s: failed (%s) with no fault injected",
				      st->name, strerror(-rc));
			ck_assert_msg(err == -rc, "%s, fault %d: returned %d with errno %d",
				      st->name, n, rc, err);
			ck_assert_msg(lg.count > 0 && lg.max_seen >= LIBIOMMU_LOG_ERR,
				      "%s, fault %d: failed with %s and logged nothing",
				      st->name, n, strerror(-rc));
			failures++;
			st->after_fail(rc);
		} else {
			ck_assert_msg(rc == 0, "%s, fault %d: returned %d; log:\n%s",
				      st->name, n, rc, lg.all);
			st->undo();
		}
		/* what a success made is undone, a failure left nothing */
		if (st->undo == u_vdev_gone || st->undo == u_veventq_gone ||
		    st->undo == u_viommu_gone || st->undo == u_fq_gone)
			st->prep(); /* the destroyed object again, to compare */
		ck_assert_msg(tu_count_fds() == fds, "%s, fault %d: fd count %d, was %d",
			      st->name, n, tu_count_fds(), fds);
		ck_assert_msg(probe_ids() == ids,
			      "%s, fault %d: an iommufd object was left behind or lost",
			      st->name, n);
		if (left > 0)
			break; /* the call passed fewer than n points */
	}
	ck_assert_msg(n <= MAX_N, "%s: still failing at fault %d", st->name, MAX_N);
	printf("%s: %d fault points, %d clean failures\n", st->name, n - 1,
	       failures);
	fflush(stdout);
}
END_TEST

int main(void)
{
	bool vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	Suite *s = suite_create("viommu-fault");
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	fu_setup(vm);
	tc = tu_tcase(s, "fail-nth");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, each_call_fails_cleanly_or_succeeds_at_every_fault,
			    0, (int)ARRAY_LEN(steps));
	return tu_run(s);
}
