// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hand-over, live-update and KVM-before-bind calls under kernel fault
 * injection (VM tier, edu, /dev/kvm): libiommu_dev_adopt_fd(),
 * libiommu_ioas_adopt_id(), libiommu_ctx_change_process() (with memfd
 * guest RAM mapped and the edu attached, so that there are pinned pages),
 * libiommu_kvm_add_file(), libiommu_kvm_take_dev() and
 * libiommu_hwpt_adopt_id() (of the HWPT the edu is placed on).
 *
 * For N = 1, 2, ... the Nth fault point the calling thread passes in the
 * kernel fails (/proc/thread-self/fail-nth, faultutil.h), until the call
 * passes fewer than N points.  At every N the call succeeds, or fails
 * cleanly (a negative errno, errno set, an error logged, the handle output
 * NULL); afterwards, without faults, the call works, a DMA through the
 * edu's IOMMU works, and no fd is left behind.  Where the kernel lacks
 * IOMMU_IOAS_MAP_FILE (6.12), the setup asserts the library's -EOPNOTSUPP
 * naming ioas_map_file and maps the memfd through this process's mapping
 * of it; where it lacks IOMMU_IOAS_CHANGE_PROCESS, that step asserts the
 * -EOPNOTSUPP naming ioas_change_process.
 */
#include <sys/mman.h>

#include "faultutil.h"
#include "kmodutil.h"
#include "test-dev.h"
#include "uapi/kvm.h"

#define RAM_IOVA UINT64_C(0x100000)
#define MAX_N 2000

enum step {
	ADOPT_FD,
	ADOPT_IOAS,
	CHANGE_PROCESS,
	KVM_ADD_FILE,
	KVM_TAKE_DEV,
	HWPT_ADOPT,
	NR_STEPS
};
static const char *const step_name[NR_STEPS] = {
	"dev_adopt_fd", "ioas_adopt_id", "ctx_change_process", "kvm_add_file",
	"kvm_take_dev", "hwpt_adopt_id"
};

static struct libiommu_ctx *c2;	 /* a second context on the same iommufd */
static struct libiommu_ioas *a2; /* the IOAS adopted in c2 (HWPT_ADOPT) */
static struct libiommu_dev *dev;
static uint32_t hwpt_id; /* the HWPT the library placed the edu on */
static struct libiommu_kvm *kvm;
static int vm = -1;
static struct edu edu;
static uint8_t *ram;
static int memfd, fail_nth, fds_before;

static void setup(void)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	uint64_t iova = RAM_IOVA;

	fds_before = tu_count_fds();
	fail_nth = fu_open();
	ck_assert_msg(fail_nth >= 0, "fail-nth: %s", strerror(errno));
	ioas_setup();
	dev = open_edu(ctx);
	memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	ck_assert_int_ge(memfd, 0);
	ck_assert_int_eq(ftruncate(memfd, 2 * pgsz()), 0);
	ram = mmap(NULL, 2 * pgsz(), PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ck_assert_ptr_ne(ram, MAP_FAILED);
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 1) {
		expect_ok(libiommu_ioas_map_file(ioas, memfd, 0, 2 * pgsz(),
						 &iova, RW | FIXED));
	} else {
		expect_err(libiommu_ioas_map_file(ioas, memfd, 0, 2 * pgsz(),
						  &iova, RW | FIXED),
			   -EOPNOTSUPP, "ioas_map_file");
		/* the same pages, pinned through this process's mapping */
		expect_ok(libiommu_ioas_map(ioas, ram, 2 * pgsz(), &iova,
					    RW | FIXED));
	}
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, NULL,
						   NULL, &hwpt_id),
			 1);
	expect_ok(edu_init(&edu, dev));
	expect_ok(libiommu_ctx_new_from_fd(libiommu_ctx_fd(ctx), LIBIOMMU_FD_BORROW,
					   &opts, &c2));
	vm = ku_kvm_new_vm();
	ck_assert_int_ge(vm, 0);
	expect_ok(libiommu_kvm_new(ctx, vm, NULL, &kvm));
}

static void teardown(void)
{
	edu_fini(&edu);
	libiommu_ctx_free(c2);
	a2 = NULL;
	ioas_teardown(); /* frees the KVM handle too */
	close(vm);
	munmap(ram, 2 * pgsz());
	close(memfd);
	close(fail_nth);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* A DMA through the IOMMU: page 0 -> edu -> page 1. */
static void dma_works(void)
{
	for (unsigned int i = 0; i < pgsz(); i++)
		ram[i] = (uint8_t)(i * 13 + 1);
	memset(ram + pgsz(), 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&edu, RAM_IOVA, EDU_MAX_DMA), 0);
	ck_assert_int_eq(edu_dma_to_ram(&edu, RAM_IOVA + pgsz(), EDU_MAX_DMA), 0);
	ck_assert(memcmp(ram, ram + pgsz(), EDU_MAX_DMA) == 0);
}

/* The call of @step; *out gets a new handle (freed by the caller). */
static int call(enum step step, void **out)
{
	switch (step) {
	case ADOPT_FD:
		return libiommu_dev_adopt_fd(c2, libiommu_dev_fd(dev),
					     LIBIOMMU_FD_BORROW,
					     libiommu_dev_id(dev),
					     (struct libiommu_dev **)out);
	case ADOPT_IOAS:
		return libiommu_ioas_adopt_id(c2, libiommu_ioas_id(ioas),
					      (struct libiommu_ioas **)out);
	case CHANGE_PROCESS:
		return libiommu_ctx_change_process(c2);
	case KVM_ADD_FILE:
		return libiommu_kvm_add_file(kvm, libiommu_dev_fd(dev));
	case KVM_TAKE_DEV:
		return libiommu_kvm_take_dev(kvm, dev);
	default:
		return libiommu_hwpt_adopt_id(a2, hwpt_id,
					      (struct libiommu_hwpt **)out);
	}
}

/* Before the call, without faults: what it needs in c2. */
static void prepare(enum step step)
{
	if (step == HWPT_ADOPT && !a2)
		expect_ok(libiommu_ioas_adopt_id(c2, libiommu_ioas_id(ioas), &a2));
}

/* Undo what a successful call did (also: what a failed one may have). */
static void release(enum step step, void *h)
{
	if (step == ADOPT_FD)
		libiommu_dev_free(h);
	else if (step == ADOPT_IOAS || step == HWPT_ADOPT)
		libiommu_ctx_free(c2), c2 = NULL, a2 = NULL; /* leaves them */
	else if (step == KVM_ADD_FILE)
		ck_assert_int_eq(ku_kvm_vfio_file(libiommu_kvm_fd(kvm),
						  LX_KVM_DEV_VFIO_FILE_DEL,
						  libiommu_dev_fd(dev)),
				 0);
	else if (step == KVM_TAKE_DEV)
		expect_ok(libiommu_kvm_del_dev(kvm, dev));
}

START_TEST(each_call_fails_cleanly_or_succeeds_and_leaves_a_usable_state)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	enum step step = (enum step)_i;
	int n, rc, err, left, failures = 0, fds;
	bool armed, disarmed;
	void *h;

	if (step == CHANGE_PROCESS &&
	    libiommu_ctx_has_feature(c2, LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS) != 1) {
		expect_err(call(step, NULL), -EOPNOTSUPP, "ioas_change_process");
		return;
	}
	fds = tu_count_fds();
	for (n = 1; n <= MAX_N; n++) {
		h = (void *)(uintptr_t)0x5e5e5e50;
		prepare(step);
		log_reset(&lg);
		armed = fu_arm(fail_nth, n);
		errno = 0;
		rc = call(step, &h);
		err = errno;
		left = fu_left(fail_nth);
		disarmed = fu_arm(fail_nth, 0);
		ck_assert_msg(armed && disarmed && left >= 0, "fail-nth: %s",
			      strerror(errno));
		if (rc < 0) {
			failures++;
			ck_assert_msg(err == -rc, "%s N=%d: rc %d but errno %d",
				      step_name[step], n, rc, err);
			ck_assert_msg(lg.count > 0 && lg.level == LIBIOMMU_LOG_ERR,
				      "%s N=%d: failed with %d, nothing logged",
				      step_name[step], n, rc);
			if (step == ADOPT_FD || step == ADOPT_IOAS ||
			    step == HWPT_ADOPT)
				ck_assert_ptr_null(h);
		} else {
			ck_assert_int_eq(rc, 0);
			if (step == ADOPT_FD || step == ADOPT_IOAS ||
			    step == HWPT_ADOPT)
				ck_assert_ptr_nonnull(h);
			release(step, h);
		}
		/* without faults: the call works again, and so does DMA */
		if (!c2)
			expect_ok(libiommu_ctx_new_from_fd(libiommu_ctx_fd(ctx),
							   LIBIOMMU_FD_BORROW,
							   &opts, &c2));
		prepare(step);
		expect_ok(call(step, &h));
		release(step, h);
		if (!c2)
			expect_ok(libiommu_ctx_new_from_fd(libiommu_ctx_fd(ctx),
							   LIBIOMMU_FD_BORROW,
							   &opts, &c2));
		dma_works();
		ck_assert_int_eq(tu_count_fds(), fds);
		if (left > 0)
			break; /* the call passed fewer than n points */
	}
	printf("%s: N swept 1..%d, %d failure(s)\n", step_name[step], n, failures);
	ck_assert_msg(n <= MAX_N, "%s passed more than %d fault points",
		      step_name[step], MAX_N);
}
END_TEST

int main(void)
{
	bool in_vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	Suite *s = suite_create("handover-fault");
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("%s: no /dev/kvm%s\n", in_vm ? "FAIL" : "SKIP",
		       in_vm ? " (the VM tier has it)" : ": runs in the VM tier");
		return in_vm ? 1 : TU_EXIT_SKIP;
	}
	fu_setup(in_vm);
	tc = tu_tcase(s, "calls");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, each_call_fails_cleanly_or_succeeds_and_leaves_a_usable_state,
			    0, NR_STEPS);
	return tu_run(s);
}
