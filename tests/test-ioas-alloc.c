// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IOAS lifetime and options (kernel tier): allocation, destruction, the
 * ctx's handle list, the huge-pages option, and no fd leaks.  On the
 * legacy backends a context has one IOAS and no huge-page switch: those
 * tests are iommufd's, and legacy ones check the refusals.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include "internal.h" /* ioas->users, bumped by the device/HWPT code */
#include "test-ioas.h"

/* Destroy a kernel object behind the library's back: 0 or -errno. */
static int raw_destroy(int fd, uint32_t id)
{
	struct {
		uint32_t size, id;
	} cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, _IO(';', 0x80), &cmd) ? -errno : 0;
}

/* Legacy backends: a context has one IOAS; give back the fixture's. */
static void one_ioas_only(void)
{
	if (tu_backend_is_iommufd())
		return;
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}

START_TEST(alloc_gives_id_and_ctx)
{
	ck_assert_uint_ne(libiommu_ioas_id(ioas), 0);
	ck_assert_ptr_eq(libiommu_ioas_ctx(ioas), ctx);
}
END_TEST

START_TEST(alloc_twice_gives_distinct_ids)
{
	struct libiommu_ioas *b = new_ioas(ctx);

	ck_assert_uint_ne(libiommu_ioas_id(ioas), libiommu_ioas_id(b));
	expect_ok(libiommu_ioas_destroy(b));
}
END_TEST

START_TEST(alloc_null_out_is_einval)
{
	expect_err(libiommu_ioas_alloc(ctx, NULL, NULL), -EINVAL, "out is NULL");
}
END_TEST

START_TEST(alloc_unknown_flag_is_einval)
{
	struct libiommu_ioas_opts o = { .sz = sizeof(o), .flags = 1u << 31 };
	struct libiommu_ioas *a = (void *)1;

	expect_err(libiommu_ioas_alloc(ctx, &o, &a), -EINVAL, "unknown flag");
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(alloc_newer_opts_with_unknown_field_is_e2big)
{
	struct {
		struct libiommu_ioas_opts o;
		uint64_t future;
	} big = { .o = { .sz = sizeof(big) }, .future = 1 };
	struct libiommu_ioas *a = NULL;

	expect_err(libiommu_ioas_alloc(ctx, &big.o, &a), -E2BIG,
		   "libiommu_ioas_opts");
	one_ioas_only();
	big.future = 0; /* a zero tail from a newer caller is fine */
	expect_ok(libiommu_ioas_alloc(ctx, &big.o, &a));
	expect_ok(libiommu_ioas_destroy(a));
}
END_TEST

START_TEST(alloc_older_opts_without_flags_is_ok)
{
	struct libiommu_ioas_opts o = {
		.sz = offsetof(struct libiommu_ioas_opts, flags),
		.flags = LIBIOMMU_IOAS_NO_HUGE_PAGES, /* beyond sz: ignored */
	};
	struct libiommu_ioas *a = NULL;
	bool on = false;

	one_ioas_only();
	expect_ok(libiommu_ioas_alloc(ctx, &o, &a));
	expect_ok(libiommu_ioas_get_huge_pages(a, &on));
	ck_assert(on);
}
END_TEST

START_TEST(alloc_no_huge_pages_flag_turns_them_off)
{
	struct libiommu_ioas_opts o = {
		.sz = sizeof(o),
		.flags = LIBIOMMU_IOAS_NO_HUGE_PAGES,
	};
	struct libiommu_ioas *a = NULL;
	bool on = true;

	expect_ok(libiommu_ioas_alloc(ctx, &o, &a));
	expect_ok(libiommu_ioas_get_huge_pages(a, &on));
	ck_assert(!on);
}
END_TEST

START_TEST(destroy_removes_kernel_object)
{
	uint32_t id = libiommu_ioas_id(ioas);

	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
	ck_assert_int_eq(raw_destroy(libiommu_ctx_fd(ctx), id), -ENOENT);
}
END_TEST

START_TEST(destroy_with_users_is_ebusy)
{
	bool on;

	ioas->users = 2; /* as two attached devices/HWPTs would */
	expect_err(libiommu_ioas_destroy(ioas), -EBUSY,
		   "still attached to 2 device(s)/HWPT(s)");
	/* the handle and the kernel object are still there */
	expect_ok(libiommu_ioas_get_huge_pages(ioas, &on));
	ioas->users = 0;
	expect_ok(libiommu_ioas_destroy(ioas));
}
END_TEST

START_TEST(destroy_after_raw_destroy_frees_handle)
{
	ck_assert_int_eq(raw_destroy(libiommu_ctx_fd(ctx), libiommu_ioas_id(ioas)), 0);
	log_reset(&lg);
	expect_ok(libiommu_ioas_destroy(ioas));
	ck_assert_int_eq(lg.max_seen >= LIBIOMMU_LOG_WARN, 1);
	tu_assert_logged(&lg, "was already destroyed outside the library");
	ck_assert(lu_list_empty(&ctx->ioas_list));
}
END_TEST

START_TEST(ctx_free_frees_remaining_handles)
{
	new_ioas(ctx);
	new_ioas(ctx);
	ck_assert(!lu_list_empty(&ctx->ioas_list));
	libiommu_ctx_free(ctx); /* frees all three; ASan/valgrind see leaks */
	ctx = NULL;
}
END_TEST

START_TEST(ctx_free_on_borrowed_fd_destroys_kernel_objects)
{
	struct tu_log blog;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&blog, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *b = NULL;
	struct libiommu_ioas *a = NULL;
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	uint32_t id;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, &opts, &b), 0);
	ck_assert_int_eq(libiommu_ioas_alloc(b, NULL, &a), 0);
	id = libiommu_ioas_id(a);
	libiommu_ctx_free(b);
	/* the fd stays open, the IOAS made through the library is gone */
	ck_assert_int_eq(raw_destroy(fd, id), -ENOENT);
	close(fd);
}
END_TEST

START_TEST(huge_pages_round_trip)
{
	bool on = false;

	expect_ok(libiommu_ioas_get_huge_pages(ioas, &on));
	ck_assert_msg(on, "huge pages are on by default");
	expect_ok(libiommu_ioas_set_huge_pages(ioas, false));
	expect_ok(libiommu_ioas_get_huge_pages(ioas, &on));
	ck_assert(!on);
	expect_ok(libiommu_ioas_set_huge_pages(ioas, true));
	expect_ok(libiommu_ioas_get_huge_pages(ioas, &on));
	ck_assert(on);
}
END_TEST

START_TEST(get_huge_pages_null_out_is_einval)
{
	expect_err(libiommu_ioas_get_huge_pages(ioas, NULL), -EINVAL,
		   "enabled is NULL");
}
END_TEST

START_TEST(no_fd_leak)
{
	int before = tu_count_fds();
	struct tu_log l2;
	struct libiommu_ctx *c = new_ctx(&l2);
	struct libiommu_ioas *a = NULL, *b = NULL;
	void *buf = xbuf(2 * MiB);
	uint64_t iova = 0, iova2 = 0, n = 0;
	int fd = memfd_create("ioas-test", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 2 * MiB), 0);
	ck_assert_int_eq(libiommu_ioas_alloc(c, NULL, &a), 0);
	ck_assert_int_eq(libiommu_ioas_alloc(c, NULL, &b), 0);
	ck_assert_int_eq(libiommu_ioas_map(a, buf, 2 * MiB, &iova,
					   LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE),
			 0);
	/* (6.12 has no IOMMU_IOAS_MAP_FILE: the same fd, mapped by address) */
	if (libiommu_ctx_has_feature(c, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 0) {
		void *m = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, fd, 0);

		ck_assert(m != MAP_FAILED);
		tu_assert_err(libiommu_ioas_map_file(a, fd, 0, 2 * MiB, &iova2,
						     LIBIOMMU_MAP_READ),
			      -EOPNOTSUPP);
		ck_assert_int_eq(libiommu_ioas_map(a, m, 2 * MiB, &iova2,
						   LIBIOMMU_MAP_READ),
				 0);
		ck_assert_int_eq(munmap(m, 2 * MiB), 0);
	} else {
		ck_assert_int_eq(libiommu_ioas_map_file(a, fd, 0, 2 * MiB,
							&iova2,
							LIBIOMMU_MAP_READ),
				 0);
	}
	ck_assert_int_eq(libiommu_ioas_copy(b, a, iova, 2 * MiB, &iova2,
					    LIBIOMMU_MAP_READ),
			 0);
	ck_assert_int_eq(libiommu_ioas_unmap_all(a, &n), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(a), 0);
	/* b is left for libiommu_ctx_free() */
	close(fd); /* the kernel holds its own reference while mapped */
	libiommu_ctx_free(c);
	ck_assert_int_eq(tu_count_fds(), before);
	munmap(buf, 2 * MiB);
}
END_TEST

START_TEST(legacy_one_ioas_and_no_huge_page_switch)
{
	struct libiommu_ioas_opts o = {
		.sz = sizeof(o),
		.flags = LIBIOMMU_IOAS_NO_HUGE_PAGES,
	};
	struct libiommu_ioas *a = NULL;
	bool on = false;

	expect_err(libiommu_ioas_alloc(ctx, NULL, &a), -EOPNOTSUPP,
		   "a second IOAS is not available on the");
	tu_assert_logged(&lg, "one IOAS per context");
	ck_assert_ptr_null(a);
	/* type1 always uses the largest pages it can: on, and no switch */
	expect_ok(libiommu_ioas_get_huge_pages(ioas, &on));
	ck_assert(on);
	expect_ok(libiommu_ioas_set_huge_pages(ioas, true));
	expect_err(libiommu_ioas_set_huge_pages(ioas, false), -EOPNOTSUPP,
		   "has no switch for it");
	/* once the one IOAS is gone another can be made, but not without */
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
	expect_err(libiommu_ioas_alloc(ctx, &o, &a), -EOPNOTSUPP,
		   "LIBIOMMU_IOAS_NO_HUGE_PAGES is not available");
	expect_ok(libiommu_ioas_alloc(ctx, NULL, &a));
	ck_assert_uint_ne(libiommu_ioas_id(a), 0);
}
END_TEST

START_TEST(legacy_no_fd_leak)
{
	int before;
	struct tu_log l2;
	struct libiommu_ctx *c;
	struct libiommu_ioas *a = NULL;
	void *buf = xbuf(2 * MiB);
	uint64_t iova = 0, n = 0;

	/* the group has one opener: let the fixture's context go first */
	libiommu_ctx_free(ctx);
	ctx = NULL;
	before = tu_count_fds();
	c = new_ctx(&l2);
	tu_backend_anchor(c, &l2);
	ck_assert_int_eq(libiommu_ioas_alloc(c, NULL, &a), 0);
	ck_assert_int_eq(libiommu_ioas_map(a, buf, 2 * MiB, &iova,
					   LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE),
			 0);
	ck_assert_int_eq(libiommu_ioas_unmap_all(a, &n), 0);
	ck_assert_uint_eq(n, 2 * MiB);
	libiommu_ctx_free(c);
	ck_assert_int_eq(tu_count_fds(), before);
	munmap(buf, 2 * MiB);
}
END_TEST

#define ONE_IOAS_WHY "a VFIO container has one address space (one IOAS per context)"

int main(void)
{
	Suite *s;
	TCase *tc;

	tu_require_iommufd();
	tu_require_backend_device();
	s = suite_create("ioas-alloc");

	tc = tu_tcase(s, "alloc");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tcase_add_test(tc, alloc_gives_id_and_ctx);
	tu_add_iommufd_test(tc, alloc_twice_gives_distinct_ids,
			    ONE_IOAS_WHY);
	tcase_add_test(tc, alloc_null_out_is_einval);
	tcase_add_test(tc, alloc_unknown_flag_is_einval);
	tcase_add_test(tc, alloc_newer_opts_with_unknown_field_is_e2big);
	tcase_add_test(tc, alloc_older_opts_without_flags_is_ok);
	tu_add_iommufd_test(tc, alloc_no_huge_pages_flag_turns_them_off,
			    "type1 has no huge-page switch");

	tc = tu_tcase(s, "destroy");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tu_add_iommufd_test(tc, destroy_removes_kernel_object,
			    "it checks the iommufd object with a raw IOMMU_DESTROY");
	tcase_add_test(tc, destroy_with_users_is_ebusy);
	tu_add_iommufd_test(tc, destroy_after_raw_destroy_frees_handle,
			    "it destroys the iommufd object with a raw IOMMU_DESTROY");
	tu_add_iommufd_test(tc, ctx_free_frees_remaining_handles,
			    ONE_IOAS_WHY);
	tu_add_iommufd_test(tc, ctx_free_on_borrowed_fd_destroys_kernel_objects,
			    "it borrows a /dev/iommu fd");
	tu_add_iommufd_test(tc, no_fd_leak,
			    "it uses map_file and copy (legacy_no_fd_leak is its legacy twin)");

	tc = tu_tcase(s, "huge-pages");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tu_add_iommufd_test(tc, huge_pages_round_trip,
			    "type1 has no huge-page switch");
	tcase_add_test(tc, get_huge_pages_null_out_is_einval);

	tc = tu_tcase(s, "legacy");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tu_add_legacy_test(tc, legacy_one_ioas_and_no_huge_page_switch);
	tu_add_legacy_test(tc, legacy_no_fd_leak);
	return tu_run(s);
}
