// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the functions issue on the real kernel is what libiommu_ioctls()
 * lists (VM tier): the context and IOAS calls, the device path (the edu
 * device: open, hardware info, regions, attach to an IOAS the library
 * places and one the kernel places, replace, HWPTs, detach, coherency
 * reports, KVM), the selftest mock's (adopted device, dirty tracking,
 * nesting and invalidation), and the legacy type1 and iommufd-compat
 * backends.  Every ioctl a public function issues is recorded
 * (tests/ioctlrec.c) and must be on its list, with the file it went to.
 *
 * Two promises are measured here as well: creating a context on
 * /dev/iommu issues no ioctl, and a map the kernel refuses issues nothing
 * but its own IOMMU_IOAS_MAP.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioctlrec.h"
#include "test-dev.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"

#define IFD LIBIOMMU_BACKEND_IOMMUFD
#define LEN (2 * MiB)
/* The x86 MSI window: reserved in every IOAS a VT-d device is attached to. */
#define MSI_IOVA UINT64_C(0xfee00000)

static bool have_mock;

/* Does the kernel have the iommufd selftest mock (CONFIG_IOMMUFD_TEST)? */
static bool mock_present(void)
{
	struct lx_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct mock_dev md;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), rc = -ENOTTY;

	if (fd < 0)
		return false;
	if (ioctl(fd, LX_IOMMU_IOAS_ALLOC, &alloc) == 0)
		rc = mock_attach(fd, alloc.out_ioas_id, &md);
	close(fd);
	return rc == 0;
}

/* A context on /dev/iommu, recorded: it must issue no ioctl at all. */
static struct libiommu_ctx *ctx_no_ioctl(void)
{
	struct libiommu_ctx_opts o = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *c = NULL;
	int rc, issued;

	o.backend = LIBIOMMU_BACKEND_AUTO;
	tu_rec_begin("libiommu_ctx_new", IFD);
	rc = libiommu_ctx_new(&o, &c);
	ck_assert_int_eq(tu_rec_end(&issued), 0);
	ck_assert_msg(rc == 0, "libiommu_ctx_new: %d; log:\n%s", rc, lg.all);
	ck_assert_int_eq(libiommu_ctx_backend(c), IFD);
	ck_assert_msg(issued == 0, "libiommu_ctx_new issued %d ioctl(s)", issued);
	return c;
}

START_TEST(context_and_ioas_calls_issue_only_what_they_list)
{
	struct libiommu_ioas_opts nohuge = LIBIOMMU_OPTS(libiommu_ioas_opts,
							 .flags = LIBIOMMU_IOAS_NO_HUGE_PAGES);
	struct libiommu_iova_range r[8];
	enum libiommu_memlock_mode mode;
	struct libiommu_ioas *a, *b;
	struct libiommu_ctx *c2;
	uint64_t iova = 0, fixed = 1ull << 32, n;
	size_t nr = 8;
	void *p = xbuf(LEN);
	bool huge;
	int rc, f, mfd, fd, issued;

	ctx = ctx_no_ioctl();
	printf("libiommu_ctx_new on /dev/iommu: 0 ioctls\n");
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	tu_rec_begin("libiommu_ctx_new_from_fd", IFD);
	rc = libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, NULL, &c2);
	ck_assert_int_eq(tu_rec_end(&issued), 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(issued, 0);
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, NULL, &a);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, &nohuge, &b);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_map, a, p, LEN, &iova, RW);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_map, a, p, LEN, &fixed, RW | FIXED);
	ck_assert_int_eq(rc, 0);
	mfd = memfd_create("ioctls-kernel", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(mfd, LEN), 0);
	TU_REC(rc, IFD, libiommu_ioas_map_file, b, mfd, 0, LEN, &iova, RW);
	/* a kernel without IOMMU_IOAS_MAP_FILE (6.12): the listed command, refused */
	ck_assert_int_eq(rc, libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 0 ? -EOPNOTSUPP : 0);
	TU_REC(rc, IFD, libiommu_ioas_copy, b, a, fixed, LEN, &iova,
	       LIBIOMMU_MAP_READ);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_get_ranges, a, r, &nr, NULL);
	ck_assert_int_eq(rc, 0);
	r[0].start = 1ull << 40;
	r[0].last = (1ull << 41) - 1;
	TU_REC(rc, IFD, libiommu_ioas_allow_iovas, a, r, 1);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_get_huge_pages, b, &huge);
	ck_assert_int_eq(rc, 0);
	ck_assert(!huge);
	TU_REC(rc, IFD, libiommu_ioas_set_huge_pages, b, true);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ctx_get_memlock_mode, ctx, &mode);
	ck_assert_int_eq(rc, 0);
	for (f = 0; f < LIBIOMMU_FEAT__COUNT; f++) {
		TU_REC(rc, IFD, libiommu_ctx_has_feature, ctx, f);
		ck_assert_msg(rc == 0 || rc == 1, "feature %d: %d", f, rc);
	}
	TU_REC(rc, IFD, libiommu_ioas_unmap, a, fixed, LEN, &n);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_unmap_all, b, &n);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_destroy, b);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_alloc, c2, NULL, &b);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_ctx_free", IFD); /* borrowed: destroys b */
	libiommu_ctx_free(c2);
	TU_REC_CHECK();
	tu_rec_begin("libiommu_ctx_free", IFD);
	libiommu_ctx_free(ctx);
	TU_REC_CHECK();
	ctx = NULL;
	close(fd);
	close(mfd);
	tu_rec_report();
}
END_TEST

/* A KVM VM of our own (the test's ioctls, not recorded), or -1. */
static int new_vm(int *kvm_fd)
{
	*kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm_fd < 0)
		return -1;
	return ioctl(*kvm_fd, LX_KVM_CREATE_VM, 0);
}

START_TEST(device_calls_issue_only_what_they_list)
{
	struct libiommu_ioas_opts kernel_hwpt = LIBIOMMU_OPTS(libiommu_ioas_opts,
							      .flags = LIBIOMMU_IOAS_KERNEL_HWPT);
	struct libiommu_region_info ri = { .sz = sizeof(ri) };
	struct libiommu_hw_info hw = { .sz = sizeof(hw) };
	struct libiommu_coherency *coh;
	struct libiommu_ioas *a, *k;
	struct libiommu_hwpt *h;
	struct libiommu_dev *dev;
	struct libiommu_kvm *kvm;
	uint64_t raw[16], iova = MSI_IOVA;
	uint32_t len = sizeof(raw), type;
	uint16_t vendor;
	int rc, issued, vm, kfd;

	ctx = ctx_no_ioctl();
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, NULL, &a);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, &kernel_hwpt, &k);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_open, ctx, edu_path, NULL, &dev);
	ck_assert_msg(rc == 0, "dev_open: %d; log:\n%s", rc, lg.all);
	TU_REC(rc, IFD, libiommu_dev_get_hw_info, dev, &hw);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_get_hw_info_raw, dev, 0, raw, &len, &type);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_region_info, dev,
	       LIBIOMMU_PCI_CONFIG_REGION, &ri);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_region_read, dev,
	       LIBIOMMU_PCI_CONFIG_REGION, 0, &vendor, 2);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_attach_ioas, dev, a);
	ck_assert_msg(rc == 0, "attach: %d; log:\n%s", rc, lg.all);

	/* refused by the kernel: a map explains itself without another ioctl */
	tu_rec_begin("libiommu_ioas_map", IFD);
	rc = libiommu_ioas_map(a, xbuf(pgsz()), pgsz(), &iova, RW | FIXED);
	ck_assert_int_eq(tu_rec_end(&issued), 0);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_int_eq(issued, 1);

	TU_REC(rc, IFD, libiommu_dev_attach_ioas, dev, k); /* a replace */
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_alloc, dev, a, NULL, &h);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_attach_hwpt, dev, h);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_coherency_get_dev, dev, &coh);
	ck_assert_int_eq(rc, 0);
	libiommu_coherency_free(coh);
	TU_REC(rc, IFD, libiommu_coherency_get_ioas, a, &coh);
	ck_assert_int_eq(rc, 0);
	libiommu_coherency_free(coh);
	TU_REC(rc, IFD, libiommu_dev_detach, dev);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_destroy, h);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_attach_ioas, dev, a);
	ck_assert_int_eq(rc, 0);

	vm = new_vm(&kfd);
	if (vm >= 0) {
		TU_REC(rc, IFD, libiommu_kvm_new, ctx, vm, NULL, &kvm);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_kvm_add_dev, kvm, dev);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_coherency_get_kvm, kvm, &coh);
		ck_assert_int_eq(rc, 0);
		libiommu_coherency_free(coh);
		tu_rec_begin("libiommu_kvm_noncoherent", IFD);
		libiommu_kvm_noncoherent(kvm, NULL); /* -EOPNOTSUPP without the module */
		ck_assert_int_eq(tu_rec_end(&issued), 0);
		/* libiommu.ko's node alone: GET_VERSION, KVM_NONCOHERENT */
		ck_assert_msg(issued <= 2,
			      "the KVM read-back issued %d ioctls: it opened the simulator's node too",
			      issued);
		TU_REC(rc, IFD, libiommu_kvm_del_dev, kvm, dev);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_kvm_add_dev, kvm, dev);
		ck_assert_int_eq(rc, 0);
		/* freed while added: deleted first, then detached */
		tu_rec_begin("libiommu_dev_free", IFD);
		libiommu_dev_free(dev);
		TU_REC_CHECK();
		tu_rec_begin("libiommu_kvm_free", IFD);
		libiommu_kvm_free(kvm);
		TU_REC_CHECK();
	} else {
		printf("note: no /dev/kvm: the KVM calls are not run\n");
		tu_rec_begin("libiommu_dev_free", IFD);
		libiommu_dev_free(dev);
		TU_REC_CHECK();
	}
	/* a device left attached to the context's free */
	TU_REC(rc, IFD, libiommu_dev_open, ctx, edu_path, NULL, &dev);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_attach_ioas, dev, a);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_ctx_free", IFD);
	libiommu_ctx_free(ctx);
	TU_REC_CHECK();
	ctx = NULL;
	if (vm >= 0) {
		close(vm);
		close(kfd);
	}
	tu_rec_report();
}
END_TEST

START_TEST(selftest_mock_calls_issue_only_what_they_list)
{
	struct libiommu_ioas_opts nohuge = LIBIOMMU_OPTS(libiommu_ioas_opts,
							 .flags = LIBIOMMU_IOAS_NO_HUGE_PAGES);
	struct libiommu_hwpt_opts dirty = LIBIOMMU_OPTS(libiommu_hwpt_opts,
							.flags = LIBIOMMU_HWPT_DIRTY_TRACKING);
	struct libiommu_hwpt_opts parent_o = LIBIOMMU_OPTS(libiommu_hwpt_opts,
							   .flags = LIBIOMMU_HWPT_NEST_PARENT);
	static const struct mock_hwpt_data data = { .iotlb = MOCK_IOTLB_DEFAULT };
	struct libiommu_hwpt_opts nested_o = LIBIOMMU_OPTS(libiommu_hwpt_opts,
							   .data_type = MOCK_HWPT_DATA_TYPE,
							   .data = &data,
							   .data_len = MOCK_NESTED_DATA_LEN);
	struct mock_invalidate inv = { .iotlb_id = 1 };
	struct mock_viommu_invalidate vinv = { .vdev_id = 5, .cache_id = 1 };
	struct libiommu_viommu_opts vo = LIBIOMMU_OPTS(libiommu_viommu_opts,
						       .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST);
	struct libiommu_hwpt *hd, *parent, *nested, *vnested;
	struct libiommu_viommu *viommu;
	struct libiommu_vdevice *vdev, *found;
	struct libiommu_fault_queue *fq;
	struct libiommu_hw_queue_opts hq_o = LIBIOMMU_OPTS(libiommu_hw_queue_opts,
							   .type = LIBIOMMU_HW_QUEUE_TYPE_SELFTEST);
	struct libiommu_hw_queue *hwq;
	struct libiommu_dev *dev;
	struct mock_dev md;
	uint64_t iova = MOCK_APERTURE_START, bitmap[4];
	uint32_t n = 1;
	int rc;

	if (!have_mock) {
		printf("note: no iommufd selftest mock (CONFIG_IOMMUFD_TEST): its calls are not run\n");
		return;
	}
	ctx = ctx_no_ioctl();
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, &nohuge, &ioas);
	ck_assert_int_eq(rc, 0);
	rc = mock_attach_flags(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas), 0, &md);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_adopt_id, ctx, md.idev_id, &dev);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_map, ioas, xbuf(LEN), LEN, &iova, RW | FIXED);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_alloc, dev, ioas, &dirty, &hd);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_set_dirty_tracking, hd, true);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_get_dirty_bitmap, hd, iova, 64 * pgsz(),
	       pgsz(), bitmap, 0);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_set_dirty_tracking, hd, false);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_alloc, dev, ioas, &parent_o, &parent);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_alloc_nested, dev, parent, &nested_o, &nested);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_invalidate, nested, MOCK_INVALIDATE_DATA_TYPE,
	       &inv, sizeof(inv), &n);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_destroy, nested);
	ck_assert_int_eq(rc, 0);
	/* vIOMMU and vDEVICE (on a kernel without them: the refused alloc) */
	TU_REC(rc, IFD, libiommu_viommu_alloc, dev, parent, &vo, &viommu);
	if (rc == 0) {
		TU_REC(rc, IFD, libiommu_viommu_alloc_hwpt, viommu, dev,
		       &nested_o, &vnested);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_vdevice_alloc, viommu, dev, 5, &vdev);
		ck_assert_int_eq(rc, 0);
		hq_o.iova = iova;
		hq_o.length = pgsz();
		TU_REC(rc, IFD, libiommu_hw_queue_alloc, viommu, &hq_o, &hwq);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_hw_queue_destroy, hwq);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_vdevice_lookup, viommu, 5, &found);
		ck_assert_int_eq(rc, 0);
		n = 1;
		TU_REC(rc, IFD, libiommu_viommu_invalidate, viommu,
		       MOCK_VIOMMU_INVALIDATE_DATA_TYPE, &vinv, sizeof(vinv), &n);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_hwpt_destroy, vnested);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_vdevice_destroy, vdev);
		ck_assert_int_eq(rc, 0);
		TU_REC(rc, IFD, libiommu_viommu_destroy, viommu);
		ck_assert_int_eq(rc, 0);
	} else {
		ck_assert_int_eq(rc, -EOPNOTSUPP);
	}
	/* a fault queue and a nested HWPT that reports to it */
	TU_REC(rc, IFD, libiommu_fault_queue_alloc, ctx, &fq);
	ck_assert_int_eq(rc, 0);
	nested_o.fault_queue = fq;
	TU_REC(rc, IFD, libiommu_hwpt_alloc_nested, dev, parent, &nested_o, &nested);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_destroy, nested);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_fault_queue_destroy, fq);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_hwpt_destroy, parent);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_dev_free", IFD);
	libiommu_dev_free(dev);
	TU_REC_CHECK();
	TU_REC(rc, IFD, libiommu_hwpt_destroy, hd);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_ctx_free", IFD);
	libiommu_ctx_free(ctx);
	TU_REC_CHECK();
	ctx = NULL;
	tu_rec_report();
}
END_TEST

/* The legacy backends: the container, groups and type1 ioctls. */
static void legacy(enum libiommu_backend b)
{
	struct libiommu_ctx_opts o = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_region_info ri = { .sz = sizeof(ri) };
	struct libiommu_iova_range r[8];
	struct libiommu_coherency *coh;
	struct libiommu_dev *dev;
	void *p = xbuf(LEN);
	uint64_t iova = 0, iova2 = 0, n;
	size_t nr = 8;
	int rc;

	o.backend = b;
	TU_REC(rc, b, libiommu_ctx_new, &o, &ctx);
	ck_assert_msg(rc == 0, "ctx_new: %d; log:\n%s", rc, lg.all);
	TU_REC(rc, b, libiommu_ioas_alloc, ctx, NULL, &ioas);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_ioas_map, ioas, p, LEN, &iova, RW);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_open, ctx, edu_path, NULL, &dev);
	ck_assert_msg(rc == 0, "dev_open: %d; log:\n%s", rc, lg.all);
	TU_REC(rc, b, libiommu_dev_attach_ioas, dev, ioas);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_ioas_map, ioas, p, LEN, &iova2, RW);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_ioas_get_ranges, ioas, r, &nr, NULL);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_region_info, dev, LIBIOMMU_PCI_CONFIG_REGION,
	       &ri);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_coherency_get_dev, dev, &coh);
	ck_assert_int_eq(rc, 0);
	libiommu_coherency_free(coh);
	TU_REC(rc, b, libiommu_ioas_unmap, ioas, iova, LEN, &n);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_ioas_unmap_all, ioas, &n);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_dev_free", b);
	libiommu_dev_free(dev);
	TU_REC_CHECK();
	TU_REC(rc, b, libiommu_ioas_destroy, ioas);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_ctx_free", b);
	libiommu_ctx_free(ctx);
	TU_REC_CHECK();
	ctx = NULL;
	tu_rec_report();
}

START_TEST(type1_calls_issue_only_what_they_list)
{
	if (access("/dev/vfio/vfio", F_OK)) {
		printf("note: no /dev/vfio/vfio: the type1 backend is not run\n");
		return;
	}
	legacy(LIBIOMMU_BACKEND_TYPE1);
}
END_TEST

START_TEST(compat_calls_issue_only_what_they_list)
{
	legacy(LIBIOMMU_BACKEND_IOMMUFD_COMPAT);
}
END_TEST

START_TEST(vfio_device_side_calls_issue_only_what_they_list)
{
	struct libiommu_dev_info di = { .sz = sizeof(di) };
	struct libiommu_irq_info ii = { .sz = sizeof(ii) };
	struct libiommu_region_caps rc_caps = { .sz = sizeof(rc_caps) };
	struct libiommu_dev *dev;
	void *p = NULL;
	size_t len = 0;
	uint32_t flags;
	int rc, efd = -1, buf = -1;

	ctx = ctx_no_ioctl();
	TU_REC(rc, IFD, libiommu_dev_open, ctx, edu_path, NULL, &dev);
	ck_assert_msg(rc == 0, "dev_open: %d; log:\n%s", rc, lg.all);
	TU_REC(rc, IFD, libiommu_dev_get_info, dev, &di);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_region_get_caps, dev,
	       LIBIOMMU_PCI_BAR0_REGION, &rc_caps, NULL, 0);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_region_mmap_all, dev,
	       LIBIOMMU_PCI_BAR0_REGION, LIBIOMMU_REGION_READ, &p, &len);
	ck_assert_int_eq(rc, 0);
	munmap(p, len);
	TU_REC(rc, IFD, libiommu_dev_get_irq_info, dev, LIBIOMMU_PCI_MSI_IRQ, &ii);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_new_eventfds, dev,
	       LIBIOMMU_PCI_MSI_IRQ, 0, 1, &efd);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_set_eventfds, dev,
	       LIBIOMMU_PCI_MSI_IRQ, 0, 1, &efd);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_disable, dev, LIBIOMMU_PCI_MSI_IRQ);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_set_eventfds, dev,
	       LIBIOMMU_PCI_INTX_IRQ, 0, 1, &efd);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_mask, dev, LIBIOMMU_PCI_INTX_IRQ, 0, 1);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_unmask, dev, LIBIOMMU_PCI_INTX_IRQ, 0, 1);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_set_unmask_eventfd, dev,
	       LIBIOMMU_PCI_INTX_IRQ, 0, efd);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_dev_irq_disable, dev, LIBIOMMU_PCI_INTX_IRQ);
	ck_assert_int_eq(rc, 0);
	close(efd);
	tu_rec_begin("libiommu_dev_reset", IFD);
	libiommu_dev_reset(dev); /* or -EOPNOTSUPP: the ioctl is issued */
	TU_REC_CHECK();
	tu_rec_begin("libiommu_dev_get_hot_reset_info", IFD);
	libiommu_dev_get_hot_reset_info(dev, &flags, NULL, 0);
	TU_REC_CHECK();
	tu_rec_begin("libiommu_dev_hot_reset", IFD);
	libiommu_dev_hot_reset(dev);
	TU_REC_CHECK();
	/* or -EOPNOTSUPP on a kernel without it: the ioctl is issued */
	TU_REC(rc, IFD, libiommu_dev_dmabuf_export, dev,
	       LIBIOMMU_PCI_BAR0_REGION, 0, pgsz(), &buf);
	ck_assert(rc == 0 || rc == -EOPNOTSUPP);
	if (buf >= 0)
		close(buf);
	libiommu_ctx_free(ctx);
	ctx = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioctls-kernel");
	TCase *tc;

	tu_require_iommufd();
	if (!tu_backend_is_iommufd()) {
		printf("SKIP: this program runs every backend itself\n");
		return TU_EXIT_SKIP;
	}
	require_edu();
	have_mock = mock_present();

	tc = tu_tcase(s, "kernel");
	tcase_add_test(tc, context_and_ioas_calls_issue_only_what_they_list);
	tcase_add_test(tc, device_calls_issue_only_what_they_list);
	tcase_add_test(tc, vfio_device_side_calls_issue_only_what_they_list);
	tcase_add_test(tc, selftest_mock_calls_issue_only_what_they_list);
	tcase_add_test(tc, type1_calls_issue_only_what_they_list);
	tcase_add_test(tc, compat_calls_issue_only_what_they_list);
	return tu_run(s);
}
