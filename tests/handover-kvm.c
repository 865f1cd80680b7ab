// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * KVM before bind (kernel tier, edu, /dev/kvm): the device cdev goes to the
 * VM's kvm-vfio device before it is bound, as QEMU does
 * (libiommu_kvm_add_file()), and the bound device is then registered with
 * the KVM handle (libiommu_kvm_take_dev()); so is a device whose file the
 * caller added itself, where libiommu_kvm_add_dev() says -EEXIST.  A
 * registered device is in the KVM coherency report, and freeing it deletes
 * its file from KVM first (else the device would stay bound).  Skips (77)
 * without /dev/iommu, the edu device or /dev/kvm (outside the VM tier).
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "kmodutil.h"
#include "test-dev.h"
#include "uapi/kvm.h"

static int vm = -1, fds_before;
static struct libiommu_kvm *kvm;

static void setup(void)
{
	fds_before = tu_count_fds();
	ctx = new_ctx(&lg);
	vm = ku_kvm_new_vm();
	ck_assert_int_ge(vm, 0);
	expect_ok(libiommu_kvm_new(ctx, vm, NULL, &kvm));
}

static void teardown(void)
{
	libiommu_ctx_free(ctx); /* frees the KVM handle and the devices */
	ctx = NULL;
	kvm = NULL;
	close(vm);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* How many devices the KVM coherency report of the handle has. */
static size_t kvm_members(void)
{
	struct libiommu_coherency *coh = NULL;
	size_t n;

	expect_ok(libiommu_coherency_get_kvm(kvm, &coh));
	n = libiommu_coherency_nr_members(coh);
	libiommu_coherency_free(coh);
	return n;
}

/* The edu binds now: nothing (KVM included) holds its previous file. */
static void edu_binds_again(void)
{
	struct libiommu_dev *d = open_edu(ctx);

	libiommu_dev_free(d);
}

START_TEST(a_file_added_before_bind_is_taken_by_its_device)
{
	struct libiommu_dev *dev = NULL;
	int fd = open(edu_path, O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	expect_ok(libiommu_kvm_add_file(kvm, fd)); /* not bound yet */
	expect_ok(libiommu_dev_open_fd(ctx, fd, LIBIOMMU_FD_OWN, NULL, &dev));
	ck_assert_uint_eq(kvm_members(), 0);
	expect_err(libiommu_kvm_add_dev(kvm, dev), -EEXIST,
		   "libiommu_kvm_take_dev()");
	expect_ok(libiommu_kvm_take_dev(kvm, dev));
	ck_assert_uint_eq(kvm_members(), 1);
	expect_ok(libiommu_kvm_take_dev(kvm, dev)); /* again: a no-op */
	ck_assert_uint_eq(kvm_members(), 1);
	libiommu_dev_free(dev); /* deletes the file from KVM first */
	ck_assert_uint_eq(kvm_members(), 0);
	edu_binds_again();
}
END_TEST

START_TEST(a_device_the_caller_added_itself_is_registered)
{
	struct libiommu_dev *dev = open_edu(ctx);

	ck_assert_int_eq(ku_kvm_vfio_file(libiommu_kvm_fd(kvm),
					  LX_KVM_DEV_VFIO_FILE_ADD,
					  libiommu_dev_fd(dev)),
			 0);
	expect_err(libiommu_kvm_add_dev(kvm, dev), -EEXIST, "added by other means");
	expect_ok(libiommu_kvm_take_dev(kvm, dev));
	ck_assert_uint_eq(kvm_members(), 1);
	expect_ok(libiommu_kvm_del_dev(kvm, dev));
	ck_assert_uint_eq(kvm_members(), 0);
	/* deleted from KVM: adding it is not refused any more */
	expect_ok(libiommu_kvm_add_dev(kvm, dev));
	libiommu_dev_free(dev);
	edu_binds_again();
}
END_TEST

START_TEST(take_dev_adds_a_device_kvm_does_not_have)
{
	struct libiommu_dev *dev = open_edu(ctx);

	expect_ok(libiommu_kvm_take_dev(kvm, dev));
	ck_assert_uint_eq(kvm_members(), 1);
	/* KVM has it now: a raw add is refused */
	ck_assert_int_eq(ku_kvm_vfio_file(libiommu_kvm_fd(kvm),
					  LX_KVM_DEV_VFIO_FILE_ADD,
					  libiommu_dev_fd(dev)),
			 -EEXIST);
	libiommu_dev_free(dev);
	edu_binds_again();
}
END_TEST

START_TEST(add_file_refuses_what_is_no_vfio_file_or_already_added)
{
	int memfd = memfd_create("not-vfio", MFD_CLOEXEC);
	int fd = open(edu_path, O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(memfd, 0);
	ck_assert_int_ge(fd, 0);
	expect_err(libiommu_kvm_add_file(kvm, memfd), -EINVAL, "not a VFIO file");
	expect_err(libiommu_kvm_add_file(kvm, -1), -EBADF, "not an open file");
	expect_ok(libiommu_kvm_add_file(kvm, fd));
	expect_err(libiommu_kvm_add_file(kvm, fd), -EEXIST, "already in");
	/* the caller's to delete: the handle knows nothing of the file */
	ck_assert_int_eq(ku_kvm_vfio_file(libiommu_kvm_fd(kvm),
					  LX_KVM_DEV_VFIO_FILE_DEL, fd),
			 0);
	close(fd);
	close(memfd);
	tu_assert_err(libiommu_kvm_add_file(NULL, 0), -EINVAL);
	tu_assert_err(libiommu_kvm_take_dev(NULL, NULL), -EINVAL);
	expect_err(libiommu_kvm_take_dev(kvm, NULL), -EINVAL, "dev is NULL");
}
END_TEST

int main(void)
{
	bool in_vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	Suite *s = suite_create("handover-kvm");
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("%s: no /dev/kvm%s\n", in_vm ? "FAIL" : "SKIP",
		       in_vm ? " (the VM tier has it)" : ": runs in the VM tier");
		return in_vm ? 1 : TU_EXIT_SKIP;
	}
	tc = tu_tcase(s, "kvm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_file_added_before_bind_is_taken_by_its_device);
	tcase_add_test(tc, a_device_the_caller_added_itself_is_registered);
	tcase_add_test(tc, take_dev_adds_a_device_kvm_does_not_have);
	tcase_add_test(tc, add_file_refuses_what_is_no_vfio_file_or_already_added);
	return tu_run(s);
}
