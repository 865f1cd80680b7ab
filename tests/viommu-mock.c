// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vIOMMUs and vDEVICEs on the kernel's iommufd selftest mock (kernel tier,
 * CONFIG_IOMMUFD_TEST): allocation on a nest parent with the mock's type
 * and driver data (written back), its mmap region, nested HWPTs on a
 * vIOMMU, invalidation through the vIOMMU with the index of the failing
 * entry, vDEVICEs (alloc, lookup by virtual id, one per device, one device
 * per virtual id), destroy while in use, a device or context freed with
 * everything still there, and no fd leaked.
 *
 * On a kernel without IOMMU_VIOMMU_ALLOC (before 6.13) every test asserts
 * the library's -EOPNOTSUPP naming the feature instead.  Skips (77)
 * without /dev/iommu or the mock.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "test-dev.h"

static struct libiommu_dev *dev;
static struct mock_dev md;
static struct libiommu_hwpt *parent;
static int fds_before;
static int have_viommu;

static void setup(void)
{
	struct libiommu_hwpt_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_HWPT_NEST_PARENT };

	fds_before = tu_count_fds();
	ioas_setup();
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	parent = NULL;
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &o, &parent));
	have_viommu = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VIOMMU);
	ck_assert_int_ge(have_viommu, 0);
}

static void teardown(void)
{
	ioas_teardown();
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static const struct mock_hwpt_data nested_data = { .iotlb = MOCK_IOTLB_DEFAULT };

/*
 * A vIOMMU of the mock's type on @p for @d (@data may be NULL), or, on a
 * kernel without vIOMMUs, NULL after checking the library says so.
 */
static struct libiommu_viommu *alloc_viommu(struct libiommu_dev *d,
					    struct libiommu_hwpt *p,
					    struct mock_viommu_data *data)
{
	struct libiommu_viommu_opts o = {
		.sz = sizeof(o),
		.type = LIBIOMMU_VIOMMU_TYPE_SELFTEST,
		.data = data,
		.data_len = data ? sizeof(*data) : 0,
	};
	struct libiommu_viommu *v = (struct libiommu_viommu *)1;

	if (!have_viommu) {
		expect_err(libiommu_viommu_alloc(d, p, &o, &v), -EOPNOTSUPP,
			   "feature \"viommu\"");
		ck_assert_ptr_null(v);
		return NULL;
	}
	expect_ok(libiommu_viommu_alloc(d, p, &o, &v));
	ck_assert_ptr_nonnull(v);
	return v;
}

static struct libiommu_vdevice *alloc_vdev(struct libiommu_viommu *v,
					   struct libiommu_dev *d, uint64_t vid)
{
	struct libiommu_vdevice *vd = NULL;

	expect_ok(libiommu_vdevice_alloc(v, d, vid, &vd));
	ck_assert_ptr_nonnull(vd);
	return vd;
}

/* Does object @id still exist on @fd? (IOMMU_DESTROY of it would succeed.) */
static bool object_exists(int fd, uint32_t id)
{
	struct {
		uint32_t size, id;
	} cmd = { 8, id };

	return ioctl(fd, _IO(';', 0x80), &cmd) == 0 || errno != ENOENT;
}

static void check_cache(uint32_t idev, uint32_t entry, uint32_t val)
{
	int rc = mock_check_dev_cache(libiommu_ctx_fd(ctx), idev, entry, val);

	ck_assert_msg(rc == 0, "cache entry %u of device %u is not 0x%x", entry,
		      idev, val);
}

START_TEST(viommu_alloc_holds_its_parent_until_destroyed)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);

	if (!v)
		return;
	ck_assert_uint_ne(libiommu_viommu_id(v), 0);
	ck_assert_uint_ne(libiommu_viommu_id(v), libiommu_hwpt_id(parent));
	expect_err(libiommu_hwpt_destroy(parent), -EBUSY, "vIOMMU");
	expect_ok(libiommu_viommu_destroy(v));
	expect_ok(libiommu_hwpt_destroy(parent));
	ck_assert_int_eq(libiommu_viommu_destroy(NULL), 0);
	errno = 0;
	ck_assert_uint_eq(libiommu_viommu_id(NULL), 0);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(viommu_driver_data_is_written_back_and_its_region_maps)
{
	struct mock_viommu_data data = { .in_data = 0x5a5a1234 };
	struct libiommu_viommu *v = alloc_viommu(dev, parent, &data);
	uint32_t *page;
	void *p = (void *)1;

	if (!v)
		return;
	ck_assert_uint_eq(data.out_data, 0x5a5a1234);
	ck_assert_uint_ne(data.out_mmap_length, 0);
	expect_ok(libiommu_viommu_mmap(v, data.out_mmap_offset,
				       data.out_mmap_length, PROT_READ, &p));
	page = p;
	/* The mock's page starts with in_data. */
	ck_assert_uint_eq(page[0], 0x5a5a1234);
	/* The mapping holds the vIOMMU: the kernel refuses to destroy it. */
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "munmap it");
	ck_assert_int_eq(munmap(p, data.out_mmap_length), 0);

	expect_err(libiommu_viommu_mmap(v, data.out_mmap_offset + pgsz(),
					data.out_mmap_length, PROT_READ, &p),
		   -ENXIO, "offset and length must be exactly");
	ck_assert_ptr_null(p);
	expect_err(libiommu_viommu_mmap(v, data.out_mmap_offset, 0, PROT_READ, &p),
		   -EINVAL, "length is 0");
	expect_err(libiommu_viommu_mmap(v, data.out_mmap_offset,
					data.out_mmap_length, PROT_EXEC, &p),
		   -EINVAL, "only PROT_READ and PROT_WRITE");
	expect_err(libiommu_viommu_mmap(v, data.out_mmap_offset,
					data.out_mmap_length, PROT_READ, NULL),
		   -EINVAL, "addr is NULL");
	tu_assert_err(libiommu_viommu_mmap(NULL, 0, 1, PROT_READ, &p), -EINVAL);
}
END_TEST

START_TEST(viommu_alloc_errors)
{
	struct libiommu_viommu_opts o = { .sz = sizeof(o),
					  .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST };
	struct libiommu_hwpt_opts ho = {
		.sz = sizeof(ho),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_viommu *v = (struct libiommu_viommu *)1;
	struct libiommu_hwpt *plain = NULL, *nested = NULL;
	struct {
		struct libiommu_viommu_opts o;
		uint64_t tail;
	} big = { .o = o, .tail = 1 };
	uint32_t x = 0;

	/* Wrong parent type: a paging HWPT that is no nest parent, a nested one. */
	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &plain));
	expect_err(libiommu_viommu_alloc(dev, plain, &o, &v), -EINVAL,
		   "not a nest parent");
	ck_assert_ptr_null(v);
	expect_ok(libiommu_hwpt_alloc_nested(dev, parent, &ho, &nested));
	expect_err(libiommu_viommu_alloc(dev, nested, &o, &v), -EINVAL,
		   "not a nest parent");
	/* Options. */
	o.type = 0;
	expect_err(libiommu_viommu_alloc(dev, parent, &o, &v), -EINVAL,
		   "needs a type");
	expect_err(libiommu_viommu_alloc(dev, parent, NULL, &v), -EINVAL,
		   "needs a type");
	o.type = LIBIOMMU_VIOMMU_TYPE_SELFTEST;
	o.flags = 1;
	expect_err(libiommu_viommu_alloc(dev, parent, &o, &v), -EINVAL,
		   "unknown flag");
	o.flags = 0;
	o.data = &x;
	expect_err(libiommu_viommu_alloc(dev, parent, &o, &v), -EINVAL,
		   "both set or both empty");
	o.data = NULL;
	big.o.sz = sizeof(big);
	tu_assert_err(libiommu_viommu_alloc(dev, parent, &big.o, &v), -E2BIG);
	expect_err(libiommu_viommu_alloc(dev, NULL, &o, &v), -EINVAL,
		   "parent is NULL");
	expect_err(libiommu_viommu_alloc(dev, parent, &o, NULL), -EINVAL,
		   "out is NULL");
	tu_assert_err(libiommu_viommu_alloc(NULL, parent, &o, &v), -EINVAL);

	/* Unknown type, and a type of other hardware: the kernel refuses. */
	o.type = 0x7777;
	expect_err(libiommu_viommu_alloc(dev, parent, &o, &v), -EOPNOTSUPP,
		   have_viommu ? "has no vIOMMU of type 30583" : "feature \"viommu\"");
	o.type = LIBIOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	expect_err(libiommu_viommu_alloc(dev, parent, &o, &v), -EOPNOTSUPP,
		   have_viommu ? "has no vIOMMU of type 1" : "feature \"viommu\"");
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(viommu_alloc_across_contexts_is_exdev)
{
	struct libiommu_viommu_opts o = { .sz = sizeof(o),
					  .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST };
	struct libiommu_ctx *c2 = new_ctx(&lg);
	struct libiommu_ioas *i2 = new_ioas(c2);
	struct mock_dev md2;
	struct libiommu_dev *d2 = adopt_mock(c2, libiommu_ioas_id(i2), 0, &md2);
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL), *w;
	struct libiommu_vdevice *vd = (struct libiommu_vdevice *)1;

	expect_err(libiommu_viommu_alloc(d2, parent, &o, &w), -EXDEV,
		   "another context");
	if (v) {
		expect_err(libiommu_vdevice_alloc(v, d2, 1, &vd), -EXDEV,
			   "another context");
		ck_assert_ptr_null(vd);
	}
	libiommu_ctx_free(c2);
}
END_TEST

START_TEST(vdevice_alloc_lookup_destroy)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_vdevice *vd, *found = (struct libiommu_vdevice *)1;

	if (!v)
		return;
	vd = alloc_vdev(v, dev, 0x10);
	ck_assert_uint_ne(libiommu_vdevice_id(vd), 0);
	expect_ok(libiommu_vdevice_lookup(v, 0x10, &found));
	ck_assert_ptr_eq(found, vd);
	expect_err(libiommu_vdevice_lookup(v, 0x11, &found), -ENOENT,
		   "no vDEVICE with virtual id 0x11");
	ck_assert_ptr_null(found);

	/* The vDEVICE holds the vIOMMU. */
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "vDEVICE");
	expect_ok(libiommu_vdevice_destroy(vd));
	expect_err(libiommu_vdevice_lookup(v, 0x10, &found), -ENOENT,
		   "no vDEVICE");
	expect_ok(libiommu_viommu_destroy(v));
	ck_assert_int_eq(libiommu_vdevice_destroy(NULL), 0);
	errno = 0;
	ck_assert_uint_eq(libiommu_vdevice_id(NULL), 0);
	ck_assert_int_eq(errno, EINVAL);
	tu_assert_err(libiommu_vdevice_lookup(NULL, 1, &found), -EINVAL);
}
END_TEST

START_TEST(vdevice_one_per_device_and_one_device_per_virtual_id)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_vdevice *vd, *out = (struct libiommu_vdevice *)1;
	struct libiommu_dev *d2;
	struct mock_dev md2;

	if (!v)
		return;
	vd = alloc_vdev(v, dev, 0x10);
	expect_err(libiommu_vdevice_alloc(v, dev, 0x20, &out), -EEXIST,
		   "already has vDEVICE");
	ck_assert_ptr_null(out);
	d2 = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md2);
	expect_err(libiommu_vdevice_alloc(v, d2, 0x10, &out), -EEXIST,
		   "already names device");
	/* Another virtual id is fine, and so is the id again once freed. */
	out = alloc_vdev(v, d2, 0x20);
	expect_ok(libiommu_vdevice_destroy(vd));
	alloc_vdev(v, dev, 0x10);
	expect_err(libiommu_vdevice_alloc(v, NULL, 1, &out), -EINVAL,
		   "dev is NULL");
	expect_err(libiommu_vdevice_alloc(v, d2, 1, NULL), -EINVAL,
		   "out is NULL");
}
END_TEST

START_TEST(vdevice_made_outside_the_library_makes_destroy_ebusy)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_vdevice *out = (struct libiommu_vdevice *)1;
	struct {
		uint32_t size, viommu_id, dev_id, out_vdevice_id;
		uint64_t virt_id;
	} cmd = { .size = 24 };
	int fd = libiommu_ctx_fd(ctx);

	if (!v)
		return;
	cmd.viommu_id = libiommu_viommu_id(v);
	cmd.dev_id = md.idev_id;
	cmd.virt_id = 7;
	ck_assert_int_eq(ioctl(fd, _IO(';', 0x91), &cmd), 0);
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "kernel says");
	/* The kernel's own refusal: the device has a vDEVICE already. */
	expect_err(libiommu_vdevice_alloc(v, dev, 8, &out), -EEXIST,
		   "made outside this library");
	/* (object_exists() destroys what it finds.) */
	ck_assert(object_exists(fd, cmd.out_vdevice_id));
	expect_ok(libiommu_viommu_destroy(v));
}
END_TEST

START_TEST(viommu_invalidate_reports_the_failing_entry)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct mock_viommu_invalidate inv[3] = {
		{ .vdev_id = 0x10, .cache_id = 1 },
		{ .vdev_id = 0x99, .cache_id = 2 }, /* no such virtual id */
		{ .vdev_id = 0x10, .cache_id = 2 },
	};
	uint32_t n, i;

	if (!v)
		return;
	alloc_vdev(v, dev, 0x10);
	for (i = 0; i < MOCK_DEV_CACHE_ENTRIES; i++)
		check_cache(md.idev_id, i, MOCK_DEV_CACHE_DEFAULT);

	n = 3;
	expect_err(libiommu_viommu_invalidate(v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					      inv, sizeof(inv[0]), &n),
		   -EINVAL, "entry 1 of 3");
	ck_assert_uint_eq(n, 1);
	check_cache(md.idev_id, 1, 0);
	check_cache(md.idev_id, 2, MOCK_DEV_CACHE_DEFAULT);

	n = 1;
	inv[2].flags = 1u << 7;
	expect_err(libiommu_viommu_invalidate(v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					      &inv[2], sizeof(inv[0]), &n),
		   -EOPNOTSUPP, "flags");
	ck_assert_uint_eq(n, 0);

	inv[2].flags = MOCK_INVALIDATE_ALL;
	n = 1;
	expect_ok(libiommu_viommu_invalidate(v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					     &inv[2], sizeof(inv[0]), &n));
	ck_assert_uint_eq(n, 1);
	for (i = 0; i < MOCK_DEV_CACHE_ENTRIES; i++)
		check_cache(md.idev_id, i, 0);

	n = 0;
	expect_ok(libiommu_viommu_invalidate(v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					     NULL, 0, &n));
	n = 1;
	expect_err(libiommu_viommu_invalidate(v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					      NULL, sizeof(inv[0]), &n),
		   -EINVAL, "entries is NULL");
	ck_assert_uint_eq(n, 0);
	expect_err(libiommu_viommu_invalidate(v, MOCK_VIOMMU_INVALIDATE_DATA_TYPE,
					      inv, sizeof(inv[0]), NULL),
		   -EINVAL, "entry_num is NULL");
}
END_TEST

START_TEST(nested_hwpt_on_viommu_translates_for_its_vdevice)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_hwpt *h = (struct libiommu_hwpt *)1, *h2 = NULL;
	struct libiommu_vdevice *vd;
	int fd = libiommu_ctx_fd(ctx);

	if (!v)
		return;
	expect_err(libiommu_viommu_alloc_hwpt(v, dev, NULL, &h), -EINVAL,
		   "needs driver data");
	ck_assert_ptr_null(h);
	o.flags = LIBIOMMU_HWPT_NEST_PARENT;
	expect_err(libiommu_viommu_alloc_hwpt(v, dev, &o, &h), -EINVAL,
		   "only LIBIOMMU_HWPT_PASID");
	o.flags = 0;
	expect_err(libiommu_viommu_alloc_hwpt(v, NULL, &o, &h), -EINVAL,
		   "dev is NULL");
	expect_ok(libiommu_viommu_alloc_hwpt(v, dev, &o, &h));
	ck_assert_int_eq(mock_check_iotlb(fd, libiommu_hwpt_id(h), 0,
					  MOCK_IOTLB_DEFAULT),
			 0);
	/* A nested HWPT on a vIOMMU is no parent for anything. */
	expect_err(libiommu_hwpt_alloc_nested(dev, h, &o, &h2), -EINVAL,
		   "not a nest parent");

	/* The mock's IOMMU translates for a device through its vDEVICE only. */
	ck_assert_int_ne(mock_replace(fd, &md, libiommu_hwpt_id(h)), 0);
	vd = alloc_vdev(v, dev, 0x42);
	ck_assert_int_eq(mock_replace(fd, &md, libiommu_hwpt_id(h)), 0);
	ck_assert_int_eq(mock_replace(fd, &md, libiommu_ioas_id(ioas)), 0);

	/* Destroy order: the nested HWPT, then the vIOMMU, then its parent. */
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "nested HWPT");
	expect_err(libiommu_hwpt_destroy(parent), -EBUSY, "vIOMMU");
	expect_ok(libiommu_hwpt_destroy(h));
	expect_ok(libiommu_vdevice_destroy(vd));
	expect_ok(libiommu_viommu_destroy(v));
	expect_ok(libiommu_hwpt_destroy(parent));
}
END_TEST

START_TEST(device_free_destroys_its_vdevice)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_vdevice *vd, *found;
	int fd = libiommu_ctx_fd(ctx);
	uint32_t vid;

	if (!v)
		return;
	vd = alloc_vdev(v, dev, 0x10);
	vid = libiommu_vdevice_id(vd);
	libiommu_dev_free(dev);
	dev = NULL;
	ck_assert(!object_exists(fd, vid));
	expect_err(libiommu_vdevice_lookup(v, 0x10, &found), -ENOENT,
		   "no vDEVICE");
	expect_ok(libiommu_viommu_destroy(v));
	ck_assert_int_eq(mock_detach(fd, &md), 0);
}
END_TEST

START_TEST(ctx_free_with_open_viommu_handles)
{
	struct libiommu_ctx_opts co = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_hwpt_opts po = { .sz = sizeof(o),
					 .flags = LIBIOMMU_HWPT_NEST_PARENT };
	struct libiommu_viommu *v;
	struct libiommu_hwpt *h = NULL;
	struct libiommu_vdevice *vd;
	uint32_t ids[4];
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), i;

	/* A borrowed fd survives the ctx, so what it left there can be seen. */
	ioas_teardown();
	expect_ok(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, &co, &ctx));
	ioas = new_ioas(ctx);
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	parent = NULL;
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &po, &parent));
	v = alloc_viommu(dev, parent, NULL);
	if (v) {
		expect_ok(libiommu_viommu_alloc_hwpt(v, dev, &o, &h));
		vd = alloc_vdev(v, dev, 3);
		ids[0] = libiommu_hwpt_id(parent);
		ids[1] = libiommu_viommu_id(v);
		ids[2] = libiommu_hwpt_id(h);
		ids[3] = libiommu_vdevice_id(vd);
	}
	libiommu_ctx_free(ctx); /* nested HWPT, vDEVICE, vIOMMU, parent */
	ctx = NULL;
	ioas = NULL;
	for (i = 0; v && i < 4; i++)
		ck_assert_msg(!object_exists(fd, ids[i]), "object %u (#%d) left",
			      ids[i], i);
	ck_assert_int_eq(mock_detach(fd, &md), 0);
	close(fd);
}
END_TEST

/* ---- vEVENTQ ---------------------------------------------------------------- */

/*
 * @v's nested HWPT with dev on it through a vDEVICE of virtual id @vid,
 * so that the mock reports events for it.
 */
static struct libiommu_hwpt *put_dev_behind(struct libiommu_viommu *v,
					    uint64_t vid)
{
	struct libiommu_hwpt_opts o = {
		.sz = sizeof(o),
		.data_type = MOCK_HWPT_DATA_TYPE,
		.data = &nested_data,
		.data_len = MOCK_NESTED_DATA_LEN,
	};
	struct libiommu_hwpt *h = NULL;

	expect_ok(libiommu_viommu_alloc_hwpt(v, dev, &o, &h));
	alloc_vdev(v, dev, vid);
	ck_assert_int_eq(mock_replace(libiommu_ctx_fd(ctx), &md,
				      libiommu_hwpt_id(h)),
			 0);
	return h;
}

static struct libiommu_veventq *alloc_veventq(struct libiommu_viommu *v,
					      uint32_t depth)
{
	struct libiommu_veventq_opts o = { .sz = sizeof(o),
					   .type = LIBIOMMU_VEVENTQ_TYPE_SELFTEST,
					   .depth = depth };
	struct libiommu_veventq *q = (struct libiommu_veventq *)1;

	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VEVENTQ) != 1) {
		expect_err(libiommu_veventq_alloc(v, &o, &q), -EOPNOTSUPP,
			   "feature \"veventq\"");
		ck_assert_ptr_null(q);
		return NULL;
	}
	expect_ok(libiommu_veventq_alloc(v, &o, &q));
	ck_assert_ptr_nonnull(q);
	return q;
}

static bool readable(struct libiommu_veventq *q)
{
	struct pollfd p = { .fd = libiommu_veventq_fd(q), .events = POLLIN };

	ck_assert_int_ge(poll(&p, 1, 0), 0);
	return p.revents & POLLIN;
}

/* Read one record: an event with @vid and @seq, or a lost-events record. */
static void expect_record(struct libiommu_veventq *q, uint32_t seq, bool lost,
			  uint32_t vid)
{
	struct libiommu_vevent ev = { .sz = sizeof(ev) };
	uint32_t got;

	expect_ok(libiommu_veventq_read(q, &ev) == 1 ? 0 : -1);
	ck_assert_uint_eq(ev.sequence, seq);
	ck_assert_uint_eq(ev.gap, 0);
	if (lost) {
		ck_assert_uint_eq(ev.flags, LIBIOMMU_VEVENT_LOST);
		ck_assert_uint_eq(ev.data_len, 0);
		return;
	}
	ck_assert_uint_eq(ev.flags, 0);
	ck_assert_uint_eq(ev.data_len, 4);
	memcpy(&got, ev.data, 4);
	ck_assert_uint_eq(got, vid);
}

START_TEST(veventq_reads_events_in_order_and_reports_lost_ones)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_vevent ev = { .sz = sizeof(ev) };
	struct libiommu_veventq *q;
	int fd = libiommu_ctx_fd(ctx), i, flags;

	if (!v)
		return;
	put_dev_behind(v, 0x33);
	q = alloc_veventq(v, 2);
	if (!q)
		return;
	flags = fcntl(libiommu_veventq_fd(q), F_GETFD);
	ck_assert(flags >= 0 && (flags & FD_CLOEXEC));
	ck_assert(!readable(q));
	ck_assert_int_eq(libiommu_veventq_read(q, &ev), 0);

	ck_assert_int_eq(mock_trigger_vevent(fd, md.idev_id), 0);
	ck_assert(readable(q));
	expect_record(q, 0, false, 0x33);
	ck_assert(!readable(q));
	ck_assert_int_eq(libiommu_veventq_read(q, &ev), 0);

	/* Depth 2: the third event is lost, and the queue says so. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(mock_trigger_vevent(fd, md.idev_id), 0);
	expect_record(q, 1, false, 0x33);
	expect_record(q, 2, false, 0x33);
	expect_record(q, 3, true, 0);
	ck_assert_int_eq(libiommu_veventq_read(q, &ev), 0);
	ck_assert_int_eq(mock_trigger_vevent(fd, md.idev_id), 0);
	expect_record(q, 4, false, 0x33);

	tu_assert_err(libiommu_veventq_read(q, NULL), -EINVAL);
	ev.sz = 2;
	expect_err(libiommu_veventq_read(q, &ev), -EINVAL, "ev->sz is 2");
	tu_assert_err(libiommu_veventq_read(NULL, &ev), -EINVAL);
	tu_assert_err(libiommu_veventq_fd(NULL), -EINVAL);
}
END_TEST

START_TEST(veventq_alloc_errors)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_veventq_opts o = { .sz = sizeof(o),
					   .type = LIBIOMMU_VEVENTQ_TYPE_SELFTEST,
					   .depth = 4 };
	struct libiommu_veventq *q, *q2 = (struct libiommu_veventq *)1;

	if (!v)
		return;
	q = alloc_veventq(v, 4);
	if (!q)
		return;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EEXIST, "one per type");
	ck_assert_ptr_null(q2);
	o.type = 0;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EINVAL, "needs a type");
	expect_err(libiommu_veventq_alloc(v, NULL, &q2), -EINVAL, "needs a type");
	o.type = LIBIOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	o.depth = 0;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EINVAL, "depth 0");
	o.depth = (1u << 19) + 1;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EINVAL, "is not in 1..");
	o.depth = 4;
	o.event_len = 8;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EINVAL,
		   "is not the size of type");
	o.event_len = 0;
	o.flags = 1;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EINVAL, "unknown flag");
	o.flags = 0;
	o.type = 0x4242;
	expect_err(libiommu_veventq_alloc(v, &o, &q2), -EINVAL,
		   "give their size in opts->event_len");
	/* A type the library does not know, with its size: the kernel takes it. */
	o.event_len = 8;
	expect_ok(libiommu_veventq_alloc(v, &o, &q2));
	expect_ok(libiommu_veventq_destroy(q2));
	q2 = NULL;
	expect_err(libiommu_veventq_alloc(v, &o, NULL), -EINVAL, "out is NULL");
	ck_assert_ptr_null(q2);
}
END_TEST

START_TEST(veventq_holds_its_viommu_and_owns_its_fd)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_veventq *q;
	int qfd;

	if (!v)
		return;
	q = alloc_veventq(v, 4);
	if (!q)
		return;
	qfd = libiommu_veventq_fd(q);
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "vEVENTQ");
	expect_ok(libiommu_veventq_destroy(q));
	errno = 0;
	ck_assert_int_eq(fcntl(qfd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	expect_ok(libiommu_viommu_destroy(v));
	ck_assert_int_eq(libiommu_veventq_destroy(NULL), 0);
	/* A queue left to the context: its fd is closed with it (teardown). */
	v = alloc_viommu(dev, parent, NULL);
	alloc_veventq(v, 4);
}
END_TEST

/* ---- HW queue ---------------------------------------------------------------- */

/* One page of "guest RAM" mapped in the IOAS: its IOVA. */
static uint64_t map_page(void)
{
	uint64_t iova = 0;

	expect_ok(libiommu_ioas_map(ioas, xbuf(pgsz()), pgsz(), &iova, RW));
	return iova;
}

static struct libiommu_hw_queue *alloc_hwq(struct libiommu_viommu *v,
					   uint32_t index, uint64_t iova)
{
	struct libiommu_hw_queue_opts o = { .sz = sizeof(o),
					    .type = LIBIOMMU_HW_QUEUE_TYPE_SELFTEST,
					    .index = index,
					    .iova = iova,
					    .length = pgsz() };
	struct libiommu_hw_queue *q = (struct libiommu_hw_queue *)1;

	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_HW_QUEUE) != 1) {
		expect_err(libiommu_hw_queue_alloc(v, &o, &q), -EOPNOTSUPP,
			   "feature \"hw_queue\"");
		ck_assert_ptr_null(q);
		return NULL;
	}
	expect_ok(libiommu_hw_queue_alloc(v, &o, &q));
	ck_assert_ptr_nonnull(q);
	return q;
}

START_TEST(hw_queue_pins_its_memory_and_holds_its_viommu)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_hw_queue *q0, *q1;
	uint64_t iova = map_page(), iova1 = map_page(), unmapped = 0;

	if (!v)
		return;
	q0 = alloc_hwq(v, 0, iova);
	if (!q0)
		return;
	/* The kernel pins the queue's memory: it cannot be unmapped. */
	tu_assert_err(libiommu_ioas_unmap(ioas, iova, pgsz(), &unmapped), -EBUSY);
	q1 = alloc_hwq(v, 1, iova1);
	/* Queue 1 depends on queue 0 (the mock's rule), both on the vIOMMU. */
	expect_err(libiommu_hw_queue_destroy(q0), -EBUSY, "kernel says");
	expect_err(libiommu_viommu_destroy(v), -EBUSY, "HW queue");
	expect_ok(libiommu_hw_queue_destroy(q1));
	expect_ok(libiommu_hw_queue_destroy(q0));
	expect_ok(libiommu_ioas_unmap(ioas, iova, pgsz(), &unmapped));
	ck_assert_uint_eq(unmapped, pgsz());
	expect_ok(libiommu_viommu_destroy(v));
	ck_assert_int_eq(libiommu_hw_queue_destroy(NULL), 0);
}
END_TEST

START_TEST(hw_queue_alloc_errors)
{
	struct libiommu_viommu *v = alloc_viommu(dev, parent, NULL);
	struct libiommu_hw_queue_opts o = { .sz = sizeof(o),
					    .type = LIBIOMMU_HW_QUEUE_TYPE_SELFTEST,
					    .length = pgsz() };
	struct libiommu_hw_queue *q, *q2 = (struct libiommu_hw_queue *)1;
	uint64_t iova = map_page();

	if (!v)
		return;
	q = alloc_hwq(v, 0, iova);
	if (!q)
		return;
	o.iova = iova;
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -EEXIST, "index 0 already");
	ck_assert_ptr_null(q2);
	o.index = 2;
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -EINVAL, "refused index 2");
	o.index = 1;
	o.iova = MOCK_APERTURE_LAST - 3 * pgsz(); /* nothing mapped there */
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -ENOENT, "is not mapped");
	o.iova = iova;
	o.type = 0x777;
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -EOPNOTSUPP,
		   "no HW queue of type");
	o.type = 0;
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -EINVAL, "needs a type");
	expect_err(libiommu_hw_queue_alloc(v, NULL, &q2), -EINVAL, "needs a type");
	o.type = LIBIOMMU_HW_QUEUE_TYPE_SELFTEST;
	o.length = 0;
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -EINVAL, "length is 0");
	o.length = 2;
	o.iova = UINT64_MAX;
	expect_err(libiommu_hw_queue_alloc(v, &o, &q2), -EOVERFLOW, "wraps");
	expect_err(libiommu_hw_queue_alloc(v, &o, NULL), -EINVAL, "out is NULL");
	ck_assert_ptr_null(q2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("viommu-mock");
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	tc = tu_tcase(s, "mock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, viommu_alloc_holds_its_parent_until_destroyed);
	tcase_add_test(tc, viommu_driver_data_is_written_back_and_its_region_maps);
	tcase_add_test(tc, viommu_alloc_errors);
	tcase_add_test(tc, viommu_alloc_across_contexts_is_exdev);
	tcase_add_test(tc, vdevice_alloc_lookup_destroy);
	tcase_add_test(tc, vdevice_one_per_device_and_one_device_per_virtual_id);
	tcase_add_test(tc, vdevice_made_outside_the_library_makes_destroy_ebusy);
	tcase_add_test(tc, viommu_invalidate_reports_the_failing_entry);
	tcase_add_test(tc, nested_hwpt_on_viommu_translates_for_its_vdevice);
	tcase_add_test(tc, device_free_destroys_its_vdevice);
	tcase_add_test(tc, ctx_free_with_open_viommu_handles);
	tcase_add_test(tc, veventq_reads_events_in_order_and_reports_lost_ones);
	tcase_add_test(tc, veventq_alloc_errors);
	tcase_add_test(tc, veventq_holds_its_viommu_and_owns_its_fd);
	tcase_add_test(tc, hw_queue_pins_its_memory_and_holds_its_viommu);
	tcase_add_test(tc, hw_queue_alloc_errors);
	return tu_run(s);
}
