// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * I/O page-fault queues on the kernel's iommufd selftest mock (kernel
 * tier, CONFIG_IOMMUFD_TEST): a HWPT allocated with a fault queue, a page
 * request of a mock device read as a group (poll-ready first) and
 * answered, answering an unknown or already answered group, a group that
 * does not fit, the kernel answering a read group when the device leaves
 * its HWPT, the queue held by its HWPT (destroy -EBUSY, fd kept), the
 * options' refusals, a context freed with a queue and its HWPT, and no fd
 * leaked.  Skips (77) without /dev/iommu or the mock.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "test-dev.h"

#define FAULT_ADDR UINT64_C(0xdeadb000)
#define FAULT_PASID 1
#define FAULT_GROUP 2
#define FAULT_PERM (LIBIOMMU_FAULT_PERM_READ | LIBIOMMU_FAULT_PERM_WRITE)

static struct libiommu_dev *dev;
static struct mock_dev md;
static struct libiommu_hwpt *parent;
static int fds_before;
static bool have_fq;

static const struct mock_hwpt_data nested_data = { .iotlb = MOCK_IOTLB_DEFAULT };

static void setup(void)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_HWPT_NEST_PARENT };

	fds_before = tu_count_fds();
	ioas_setup();
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	parent = NULL;
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &o, &parent));
	have_fq = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_FAULT_QUEUE) == 1;
}

static void teardown(void)
{
	ioas_teardown();
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* A fault queue, or on a kernel without them NULL after checking why. */
static struct libiommu_fault_queue *alloc_fq(void)
{
	struct libiommu_fault_queue *fq = (struct libiommu_fault_queue *)1;

	if (!have_fq) {
		expect_err(libiommu_fault_queue_alloc(ctx, &fq), -EOPNOTSUPP,
			   "feature \"fault_queue\"");
		ck_assert_ptr_null(fq);
		return NULL;
	}
	expect_ok(libiommu_fault_queue_alloc(ctx, &fq));
	ck_assert_ptr_nonnull(fq);
	return fq;
}

/* A HWPT nested on the parent whose faults go to @fq, with dev on it. */
static struct libiommu_hwpt *fault_hwpt(struct libiommu_fault_queue *fq)
{
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
		.fault_queue = fq,
	};
	struct libiommu_hwpt *h = NULL;

	expect_ok(libiommu_hwpt_alloc_nested(dev, parent, &o, &h));
	ck_assert_int_eq(mock_replace(libiommu_ctx_fd(ctx), &md,
				      libiommu_hwpt_id(h)),
			 0);
	return h;
}

static void trigger(void)
{
	ck_assert_int_eq(mock_trigger_iopf(libiommu_ctx_fd(ctx), md.idev_id,
					   FAULT_PASID, FAULT_GROUP, FAULT_PERM,
					   FAULT_ADDR),
			 0);
}

static bool readable(struct libiommu_fault_queue *fq)
{
	struct pollfd p = { .fd = libiommu_fault_queue_fd(fq), .events = POLLIN };

	ck_assert_int_ge(poll(&p, 1, 0), 0);
	return p.revents & POLLIN;
}

/*
 * Read the one-fault group trigger() made; its cookie.  @polled: the fd
 * must poll readable first (not when the library has read it already).
 */
static uint32_t read_group_as(struct libiommu_fault_queue *fq, bool polled)
{
	struct libiommu_fault f[2] = { { .sz = sizeof(f[0]) } };
	size_t nr = 0;

	if (polled)
		ck_assert(readable(fq));
	log_reset(&lg);
	ck_assert_msg(libiommu_fault_queue_read(fq, f, 2, &nr) == 1, "log:\n%s",
		      lg.all);
	ck_assert_uint_eq(nr, 1);
	ck_assert_uint_eq(f[0].flags,
			  LIBIOMMU_FAULT_LAST_PAGE | LIBIOMMU_FAULT_PASID_VALID);
	ck_assert_uint_eq(f[0].dev_id, md.idev_id);
	ck_assert_uint_eq(f[0].pasid, FAULT_PASID);
	ck_assert_uint_eq(f[0].group_id, FAULT_GROUP);
	ck_assert_uint_eq(f[0].perm, FAULT_PERM);
	ck_assert_uint_eq(f[0].addr, FAULT_ADDR);
	ck_assert_uint_eq(f[0].sz, sizeof(f[0]));
	return f[0].cookie;
}

static uint32_t read_group(struct libiommu_fault_queue *fq)
{
	return read_group_as(fq, true);
}

START_TEST(fault_is_read_as_a_group_and_answered)
{
	struct libiommu_fault_queue *fq = alloc_fq();
	struct libiommu_fault f = { .sz = sizeof(f) };
	uint32_t cookie;
	size_t nr = 7;
	int flags;

	if (!fq)
		return;
	flags = fcntl(libiommu_fault_queue_fd(fq), F_GETFD);
	ck_assert(flags >= 0 && (flags & FD_CLOEXEC));
	fault_hwpt(fq);
	ck_assert(!readable(fq));
	ck_assert_int_eq(libiommu_fault_queue_read(fq, &f, 1, &nr), 0);
	trigger();
	cookie = read_group(fq);
	ck_assert(!readable(fq));
	expect_ok(libiommu_fault_queue_respond(fq, cookie,
					       LIBIOMMU_FAULT_RESP_SUCCESS));
	/* Once answered, the group is gone. */
	expect_err(libiommu_fault_queue_respond(fq, cookie,
						LIBIOMMU_FAULT_RESP_SUCCESS),
		   -ENOENT, "no fault group with cookie");
	/* The next one, answered INVALID. */
	trigger();
	cookie = read_group(fq);
	expect_ok(libiommu_fault_queue_respond(fq, cookie,
					       LIBIOMMU_FAULT_RESP_INVALID));
	ck_assert_int_eq(mock_replace(libiommu_ctx_fd(ctx), &md,
				      libiommu_ioas_id(ioas)),
			 0);
}
END_TEST

START_TEST(responding_to_an_unknown_fault_is_enoent)
{
	struct libiommu_fault_queue *fq = alloc_fq();
	struct libiommu_fault f = { .sz = sizeof(f) };
	size_t nr;

	if (!fq)
		return;
	expect_err(libiommu_fault_queue_respond(fq, 12345,
						LIBIOMMU_FAULT_RESP_SUCCESS),
		   -ENOENT, "never read");
	expect_err(libiommu_fault_queue_respond(fq, 1, 2), -EINVAL,
		   "SUCCESS or _INVALID only");
	tu_assert_err(libiommu_fault_queue_respond(NULL, 1, 0), -EINVAL);
	expect_err(libiommu_fault_queue_read(fq, &f, 1, NULL), -EINVAL,
		   "nr is NULL");
	expect_err(libiommu_fault_queue_read(fq, NULL, 1, &nr), -EINVAL,
		   "faults is NULL");
	f.sz = 1;
	expect_err(libiommu_fault_queue_read(fq, &f, 1, &nr), -EINVAL,
		   "faults[0]->sz is 1");
	tu_assert_err(libiommu_fault_queue_read(NULL, &f, 1, &nr), -EINVAL);
	tu_assert_err(libiommu_fault_queue_fd(NULL), -EINVAL);
	expect_err(libiommu_fault_queue_alloc(ctx, NULL), -EINVAL, "out is NULL");
	tu_assert_err(libiommu_fault_queue_alloc(NULL, &fq), -EINVAL);
}
END_TEST

START_TEST(a_group_that_does_not_fit_is_emsgsize_and_stays)
{
	struct libiommu_fault_queue *fq = alloc_fq();
	size_t nr = 0;

	if (!fq)
		return;
	fault_hwpt(fq);
	trigger();
	expect_err(libiommu_fault_queue_read(fq, NULL, 0, &nr), -EMSGSIZE,
		   "has 1 faults, room for 0");
	ck_assert_uint_eq(nr, 1);
	/* The library holds the group now: the fd is not readable. */
	ck_assert(!readable(fq));
	expect_ok(libiommu_fault_queue_respond(fq, read_group_as(fq, false),
					       LIBIOMMU_FAULT_RESP_SUCCESS));
}
END_TEST

START_TEST(the_kernel_answers_a_read_group_when_the_device_leaves)
{
	struct libiommu_fault_queue *fq = alloc_fq();
	struct libiommu_hwpt *h;
	uint32_t cookie;

	if (!fq)
		return;
	h = fault_hwpt(fq);
	trigger();
	cookie = read_group(fq);
	ck_assert_int_eq(mock_replace(libiommu_ctx_fd(ctx), &md,
				      libiommu_ioas_id(ioas)),
			 0);
	expect_err(libiommu_fault_queue_respond(fq, cookie,
						LIBIOMMU_FAULT_RESP_SUCCESS),
		   -ENOENT, "answered INVALID by the kernel");
	expect_ok(libiommu_hwpt_destroy(h));
	expect_ok(libiommu_fault_queue_destroy(fq));
}
END_TEST

START_TEST(a_fault_queue_lives_as_long_as_its_hwpts)
{
	struct libiommu_fault_queue *fq = alloc_fq();
	struct libiommu_hwpt *h;
	int qfd;

	if (!fq)
		return;
	qfd = libiommu_fault_queue_fd(fq);
	h = fault_hwpt(fq);
	expect_err(libiommu_fault_queue_destroy(fq), -EBUSY, "still used by 1 HWPT");
	/* The fd stays open: the HWPT's faults still arrive there. */
	ck_assert_int_ge(fcntl(qfd, F_GETFD), 0);
	trigger();
	expect_ok(libiommu_fault_queue_respond(fq, read_group(fq),
					       LIBIOMMU_FAULT_RESP_SUCCESS));
	ck_assert_int_eq(mock_replace(libiommu_ctx_fd(ctx), &md,
				      libiommu_ioas_id(ioas)),
			 0);
	expect_ok(libiommu_hwpt_destroy(h));
	expect_ok(libiommu_fault_queue_destroy(fq));
	errno = 0;
	ck_assert_int_eq(fcntl(qfd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(libiommu_fault_queue_destroy(NULL), 0);
}
END_TEST

START_TEST(hwpt_fault_queue_option_errors)
{
	struct libiommu_fault_queue *fq = alloc_fq(), *other = NULL;
	struct libiommu_hwpt_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_HWPT_NEST_PARENT };
	struct libiommu_ctx *c2;
	struct libiommu_hwpt *h = (struct libiommu_hwpt *)1;

	if (!fq)
		return;
	o.fault_queue = fq;
	expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EINVAL,
		   "a nest parent takes no fault queue");
	ck_assert_ptr_null(h);
	c2 = new_ctx(&lg);
	expect_ok(libiommu_fault_queue_alloc(c2, &other));
	o.flags = 0;
	o.fault_queue = other;
	expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EXDEV,
		   "another context");
	libiommu_ctx_free(c2);
	/*
	 * A paging HWPT may have one, from 7.3 on; 6.12 (of the kernels the
	 * VM tier runs, the one without vIOMMUs) takes one on nested HWPTs
	 * only, and the library's -EOPNOTSUPP says so.
	 */
	o.fault_queue = fq;
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VIOMMU) != 1) {
		expect_err(libiommu_hwpt_alloc(dev, ioas, &o, &h), -EOPNOTSUPP,
			   "take a fault queue on nested HWPTs only");
		ck_assert_ptr_null(h);
		expect_ok(libiommu_fault_queue_destroy(fq));
		return;
	}
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &o, &h));
	expect_err(libiommu_fault_queue_destroy(fq), -EBUSY, "HWPT");
	expect_ok(libiommu_hwpt_destroy(h));
	expect_ok(libiommu_fault_queue_destroy(fq));
}
END_TEST

/* Does object @id still exist on @fd? (IOMMU_DESTROY of it would succeed.) */
static bool object_exists(int fd, uint32_t id)
{
	struct {
		uint32_t size, id;
	} cmd = { 8, id };

	return ioctl(fd, _IO(';', 0x80), &cmd) == 0 || errno != ENOENT;
}

START_TEST(ctx_free_with_a_fault_queue_and_its_hwpt)
{
	struct libiommu_ctx_opts co = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_hwpt_opts po = { .sz = sizeof(po),
					 .flags = LIBIOMMU_HWPT_NEST_PARENT };
	struct libiommu_fault_queue *fq;
	struct libiommu_hwpt *h;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	uint32_t hid = 0;

	ioas_teardown();
	expect_ok(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, &co, &ctx));
	ioas = new_ioas(ctx);
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	parent = NULL;
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &po, &parent));
	fq = alloc_fq();
	if (fq) {
		h = fault_hwpt(fq);
		hid = libiommu_hwpt_id(h);
		trigger(); /* nobody reads it: the kernel answers it below */
		ck_assert_int_eq(mock_replace(fd, &md, libiommu_ioas_id(ioas)), 0);
	}
	libiommu_ctx_free(ctx); /* the HWPT, then the queue */
	ctx = NULL;
	ioas = NULL;
	if (fq)
		ck_assert(!object_exists(fd, hid));
	ck_assert_int_eq(mock_detach(fd, &md), 0);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fault-mock");
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	tc = tu_tcase(s, "mock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fault_is_read_as_a_group_and_answered);
	tcase_add_test(tc, responding_to_an_unknown_fault_is_enoent);
	tcase_add_test(tc, a_group_that_does_not_fit_is_emsgsize_and_stays);
	tcase_add_test(tc, the_kernel_answers_a_read_group_when_the_device_leaves);
	tcase_add_test(tc, a_fault_queue_lives_as_long_as_its_hwpts);
	tcase_add_test(tc, hwpt_fault_queue_option_errors);
	tcase_add_test(tc, ctx_free_with_a_fault_queue_and_its_hwpt);
	return tu_run(s);
}
