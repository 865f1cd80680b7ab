// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What needs a device attached to the IOAS or a reserved region (kernel
 * tier, with the kernel's iommufd selftest mock, CONFIG_IOMMUFD_TEST):
 * destroying a busy IOAS, ranges narrowed by a device, reserved regions,
 * memlock accounting.  Skips (77) on a kernel without the mock.
 */
#include <linux/capability.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "mock.h"
#include "test-ioas.h"

#define RW (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)
#define FIXED LIBIOMMU_MAP_FIXED_IOVA

static struct mock_dev dev;

static void attach(void)
{
	int rc = mock_attach(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas), &dev);

	ck_assert_msg(rc == 0, "mock_attach: %s", strerror(-rc));
}

static void reserve(uint64_t start, uint64_t len)
{
	int rc = mock_add_reserved(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas),
				   start, len);

	ck_assert_msg(rc == 0, "mock_add_reserved: %s", strerror(-rc));
}

START_TEST(destroy_attached_ioas_is_ebusy)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 0;

	attach();
	expect_err(libiommu_ioas_destroy(ioas), -EBUSY, "still in use");
	/* the handle stays valid */
	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW));
	ck_assert_int_eq(mock_detach(libiommu_ctx_fd(ctx), &dev), 0);
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

START_TEST(attached_device_narrows_ranges)
{
	struct libiommu_iova_range r[8];
	size_t nr = 8, i;
	uint64_t iova = 0;
	void *buf = xbuf(2 * MiB);

	attach();
	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, NULL));
	for (i = 0; i < nr; i++) {
		ck_assert_uint_ge(r[i].start, MOCK_APERTURE_START);
		ck_assert_uint_le(r[i].last, MOCK_APERTURE_LAST);
	}
	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova, RW));
	ck_assert(iova >= MOCK_APERTURE_START &&
		  iova + 2 * MiB - 1 <= MOCK_APERTURE_LAST);
}
END_TEST

START_TEST(map_fixed_outside_device_aperture_is_einval)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 4 * GiB; /* above the mock's 2 GiB aperture */

	attach();
	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | FIXED),
		   -EINVAL, "is not inside one usable range");
}
END_TEST

START_TEST(map_fixed_in_reserved_region_is_einval)
{
	void *buf = xbuf(4 * pgsz());
	uint64_t iova = GiB - 2 * pgsz();

	reserve(GiB, MiB);
	expect_err(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova, RW | FIXED),
		   -EINVAL, "touches a reserved region");
}
END_TEST

START_TEST(get_ranges_too_small_is_enospc_with_count)
{
	struct libiommu_iova_range r[2] = { { 0, 0 }, { 0, 0 } };
	size_t nr = 1;

	reserve(GiB, MiB); /* splits the one range into two */
	expect_err(libiommu_ioas_get_ranges(ioas, r, &nr, NULL), -ENOSPC,
		   "more than the capacity 1");
	ck_assert_uint_eq(nr, 2);
	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, NULL));
	ck_assert_uint_eq(nr, 2);
	ck_assert_uint_eq(r[0].last, GiB - 1);
	ck_assert_uint_eq(r[1].start, GiB + MiB);
}
END_TEST

START_TEST(allow_iovas_over_reserved_region_is_eaddrinuse)
{
	struct libiommu_iova_range allow = {
		.start = GiB - MiB,
		.last = GiB + 2 * MiB - 1,
	};

	reserve(GiB, MiB);
	expect_err(libiommu_ioas_allow_iovas(ioas, &allow, 1), -EADDRINUSE,
		   "intersects a reserved IOVA region");
	allow.last = GiB - 1; /* next to it is fine */
	expect_ok(libiommu_ioas_allow_iovas(ioas, &allow, 1));
}
END_TEST

START_TEST(disable_huge_pages_while_mapped_is_einval)
{
	void *buf = xbuf(2 * MiB);
	uint64_t iova = 0;

	attach();
	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova, RW));
	expect_err(libiommu_ioas_set_huge_pages(ioas, false), -EINVAL,
		   "unmap everything first");
	expect_ok(libiommu_ioas_unmap_all(ioas, NULL));
	expect_ok(libiommu_ioas_set_huge_pages(ioas, false));
}
END_TEST

START_TEST(map_writable_read_only_memory_is_efault)
{
	void *buf = xbuf(4 * pgsz());
	uint64_t iova = 0;

	attach(); /* pages are pinned, and their protection seen, only now */
	ck_assert_int_eq(mprotect(buf, 4 * pgsz(), PROT_READ), 0);
	expect_err(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova, RW), -EFAULT,
		   "read-only and LIBIOMMU_MAP_WRITE was asked for");
	expect_ok(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova,
				    LIBIOMMU_MAP_READ));
}
END_TEST

/* CAP_IPC_LOCK exempts from memlock accounting: drop it (this child only). */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	ck_assert_int_eq(syscall(SYS_capget, &hdr, data), 0);
	data[0].effective &= ~(1u << CAP_IPC_LOCK);
	ck_assert_int_eq(syscall(SYS_capset, &hdr, data), 0);
}

START_TEST(map_beyond_memlock_limit_is_enomem)
{
	struct rlimit rl = { .rlim_cur = 0, .rlim_max = 0 };
	void *buf = xbuf(64 * pgsz());
	uint64_t iova = 0;

	attach(); /* pages are pinned (and charged) only for a domain */
	drop_ipc_lock();
	ck_assert_int_eq(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	expect_err(libiommu_ioas_map(ioas, buf, 64 * pgsz(), &iova, RW),
		   -ENOMEM, "RLIMIT_MEMLOCK is 0 bytes");
}
END_TEST

static void mock_teardown(void)
{
	ioas_teardown(); /* closing the fd frees the mock device too */
}

int main(void)
{
	Suite *s;
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	s = suite_create("ioas-mock");

	tc = tu_tcase(s, "device");
	tcase_add_checked_fixture(tc, ioas_setup, mock_teardown);
	tcase_add_test(tc, destroy_attached_ioas_is_ebusy);
	tcase_add_test(tc, attached_device_narrows_ranges);
	tcase_add_test(tc, map_fixed_outside_device_aperture_is_einval);
	tcase_add_test(tc, disable_huge_pages_while_mapped_is_einval);
	tcase_add_test(tc, map_beyond_memlock_limit_is_enomem);
	tcase_add_test(tc, map_writable_read_only_memory_is_efault);

	tc = tu_tcase(s, "reserved");
	tcase_add_checked_fixture(tc, ioas_setup, mock_teardown);
	tcase_add_test(tc, map_fixed_in_reserved_region_is_einval);
	tcase_add_test(tc, get_ranges_too_small_is_enospc_with_count);
	tcase_add_test(tc, allow_iovas_over_reserved_region_is_eaddrinuse);
	return tu_run(s);
}
