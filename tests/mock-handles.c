/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's own bookkeeping, on the mock backend (no kernel): IOAS,
 * device and HWPT handles, their use counts and attachments, what destroy
 * refuses, and that freeing a context leaves nothing behind.  Runs on the
 * host; its twins with the real kernel are the VM tier's programs.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mockutil.h"

static struct tu_log lg;
static struct libiommu_ctx *ctx;

static void setup(void)
{
	ctx = mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(ctx, "a", 1, true);
	mu_add_dev(ctx, "b", 1, true);
	mu_add_dev(ctx, "c", 2, false);
}

static void teardown(void)
{
	if (!ctx)
		return;
	memset(&lg, 0, sizeof(lg));
	libiommu_ctx_free(ctx);
	ctx = NULL;
}

static struct libiommu_ioas *new_ioas(void)
{
	struct libiommu_ioas *ioas = NULL;

	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &ioas), 0);
	return ioas;
}

static struct libiommu_hwpt *new_hwpt(struct libiommu_dev *dev,
				      struct libiommu_ioas *ioas, uint32_t flags)
{
	struct libiommu_hwpt_opts o = LIBIOMMU_OPTS(libiommu_hwpt_opts, .flags = flags);
	struct libiommu_hwpt *h = NULL;
	int rc = libiommu_hwpt_alloc(dev, ioas, &o, &h);

	ck_assert_msg(rc == 0, "libiommu_hwpt_alloc: %s; log:\n%s", strerror(-rc), lg.all);
	return h;
}

START_TEST(ioas_ids_are_distinct_and_nonzero)
{
	struct libiommu_ioas *a = new_ioas(), *b = new_ioas();

	ck_assert_uint_ne(libiommu_ioas_id(a), 0);
	ck_assert_uint_ne(libiommu_ioas_id(a), libiommu_ioas_id(b));
	ck_assert_ptr_eq(libiommu_ioas_ctx(a), ctx);
	ck_assert_int_eq(libiommu_ioas_destroy(a), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(b), 0);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(attached_ioas_cannot_be_destroyed_until_detached)
{
	struct libiommu_ioas *ioas = new_ioas();
	struct libiommu_dev *a = mu_open(ctx, "a");

	ck_assert_int_eq(libiommu_dev_attach_ioas(a, ioas), 0);
	tu_assert_err(libiommu_ioas_destroy(ioas), -EBUSY);
	tu_assert_logged(&lg, "still attached to 1 device(s)/HWPT(s)");
	ck_assert_int_eq(libiommu_dev_detach(a), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
	libiommu_dev_free(a);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(hwpt_holds_its_ioas_and_device_holds_the_hwpt)
{
	struct libiommu_ioas *ioas = new_ioas();
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_hwpt *h = new_hwpt(a, ioas, 0);

	tu_assert_err(libiommu_ioas_destroy(ioas), -EBUSY);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(a, h), 0);
	tu_assert_err(libiommu_hwpt_destroy(h), -EBUSY);
	tu_assert_logged(&lg, "still used by 1 device attachment");
	ck_assert_int_eq(libiommu_dev_detach(a), 0);
	ck_assert_int_eq(libiommu_hwpt_destroy(h), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
	libiommu_dev_free(a);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(replace_moves_the_use_count)
{
	struct libiommu_ioas *x = new_ioas(), *y = new_ioas();
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_ioas *got = NULL;
	struct libiommu_hwpt *gh = NULL;
	uint32_t hid = 0;

	ck_assert_int_eq(libiommu_dev_attach_ioas(a, x), 0);
	ck_assert_int_eq(libiommu_dev_attach_ioas(a, y), 0); /* replace */
	ck_assert_int_eq(libiommu_dev_get_attached(a, LIBIOMMU_NO_PASID, &got, &gh, &hid), 1);
	ck_assert_ptr_eq(got, y);
	ck_assert_ptr_null(gh);
	ck_assert_uint_ne(hid, 0);
	/* x is free again, y is not */
	ck_assert_int_eq(libiommu_ioas_destroy(x), 0);
	tu_assert_err(libiommu_ioas_destroy(y), -EBUSY);
	/* attaching again to the same target changes nothing */
	ck_assert_int_eq(libiommu_dev_attach_ioas(a, y), 0);
	libiommu_dev_free(a); /* detaches */
	ck_assert_int_eq(libiommu_ioas_destroy(y), 0);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(pasid_attachments_are_counted_and_undone_by_free)
{
	struct libiommu_ioas *ioas = new_ioas();
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_ioas *got = NULL;
	uint32_t p;

	for (p = 1; p <= 6; p++)
		ck_assert_int_eq(libiommu_dev_pasid_attach_ioas(a, p, ioas), 0);
	ck_assert_int_eq(libiommu_dev_get_attached(a, 3, &got, NULL, NULL), 1);
	ck_assert_ptr_eq(got, ioas);
	ck_assert_int_eq(libiommu_dev_get_attached(a, 7, &got, NULL, NULL), 0);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(libiommu_dev_pasid_detach(a, 2), 0);
	tu_assert_err(libiommu_dev_pasid_detach(a, 2), -ENOENT);
	tu_assert_err(libiommu_ioas_destroy(ioas), -EBUSY);
	libiommu_dev_free(a);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
	mu_assert_empty(ctx);
}
END_TEST

START_TEST(pasid_out_of_the_devices_range_is_einval)
{
	struct libiommu_ioas *ioas = new_ioas();
	struct libiommu_dev *a = mu_open(ctx, "a");

	tu_assert_err(libiommu_dev_pasid_attach_ioas(a, 1u << 20, ioas), -EINVAL);
	tu_assert_logged(&lg, "supports PASIDs 1..1048575");
	tu_assert_err(libiommu_dev_pasid_attach_ioas(a, 0, ioas), -EINVAL);
	libiommu_dev_free(a);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
}
END_TEST

START_TEST(nested_hwpt_holds_its_parent)
{
	struct libiommu_hwpt_opts o = LIBIOMMU_OPTS(libiommu_hwpt_opts,
						    .data_type = 0xdead, .data = &o, .data_len = 8);
	struct libiommu_ioas *ioas = new_ioas();
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_hwpt *p = new_hwpt(a, ioas, LIBIOMMU_HWPT_NEST_PARENT);
	struct libiommu_hwpt *n = NULL;

	ck_assert_int_eq(libiommu_hwpt_alloc_nested(a, p, &o, &n), 0);
	tu_assert_err(libiommu_hwpt_destroy(p), -EBUSY);
	ck_assert_int_eq(libiommu_hwpt_destroy(n), 0);
	ck_assert_int_eq(libiommu_hwpt_destroy(p), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
	libiommu_dev_free(a);
	mu_assert_empty(ctx);
}
END_TEST

/*
 * ENOSPC fills *nr and the entries that fit (libiommu_ioas_get_ranges(3));
 * *alignment is an output of a successful call only.
 */
START_TEST(a_sizing_call_for_the_ranges_leaves_the_alignment_alone)
{
	struct libiommu_ioas *ioas = new_ioas();
	struct libiommu_iova_range r[2];
	uint64_t align = 0x5e5e;
	size_t nr = 0;

	tu_assert_err(libiommu_ioas_get_ranges(ioas, NULL, &nr, &align), -ENOSPC);
	ck_assert_uint_eq(nr, 1);
	ck_assert_uint_eq(align, 0x5e5e);
	nr = 2;
	ck_assert_int_eq(libiommu_ioas_get_ranges(ioas, r, &nr, &align), 0);
	ck_assert_uint_eq(nr, 1);
	ck_assert_uint_ne(align, 0x5e5e);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
}
END_TEST

START_TEST(adopting_an_id_twice_is_eexist)
{
	struct libiommu_dev *a = mu_open(ctx, "a"), *d = NULL;

	tu_assert_err(libiommu_dev_adopt_id(ctx, libiommu_dev_id(a), &d), -EEXIST);
	ck_assert_ptr_null(d);
	tu_assert_err(libiommu_dev_adopt_id(ctx, 9999, &d), -ENOENT);
	tu_assert_err(libiommu_dev_adopt_id(ctx, 0, &d), -EINVAL);
	libiommu_dev_free(a);
}
END_TEST

START_TEST(handles_of_another_context_are_exdev)
{
	struct tu_log lg2;
	struct libiommu_ctx *other = mu_ctx(&lg2, LIBIOMMU_LOG_DEBUG);
	struct libiommu_ioas *ioas = new_ioas(), *oioas = NULL, *got = NULL;
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_hwpt *h = NULL;
	uint64_t iova = 0;

	ck_assert_int_eq(libiommu_ioas_alloc(other, NULL, &oioas), 0);
	tu_assert_err(libiommu_dev_attach_ioas(a, oioas), -EXDEV);
	tu_assert_err(libiommu_hwpt_alloc(a, oioas, NULL, &h), -EXDEV);
	tu_assert_err(libiommu_ioas_copy(ioas, oioas, 0, 4096, &iova,
					 LIBIOMMU_MAP_READ),
		      -EXDEV);
	ck_assert_int_eq(libiommu_dev_get_attached(a, LIBIOMMU_NO_PASID, &got, NULL, NULL), 0);
	libiommu_ctx_free(other);
	libiommu_dev_free(a);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
}
END_TEST

START_TEST(freeing_a_borrowing_context_frees_every_handle_and_kernel_object)
{
	struct libiommu_ioas *ioas;
	struct libiommu_dev *a, *c;
	struct libiommu_hwpt *h;
	void *buf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t iova = 0;

	/* a context that borrows its fd must destroy what it made itself */
	libiommu_ctx_free(ctx);
	ctx = mu_ctx_borrowed(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(ctx, "a", 1, true);
	mu_add_dev(ctx, "c", 2, false);
	ioas = new_ioas();
	a = mu_open(ctx, "a");
	c = mu_open(ctx, "c");
	h = new_hwpt(a, ioas, LIBIOMMU_HWPT_NEST_PARENT);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(a, h), 0);
	ck_assert_int_eq(libiommu_dev_attach_ioas(c, ioas), 0);
	ck_assert_int_eq(libiommu_ioas_map(ioas, buf, 1 << 20, &iova,
					   LIBIOMMU_MAP_READ),
			 0);
	new_ioas();
	/* the mock complains (at error level) about anything left */
	memset(&lg, 0, sizeof(lg));
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ck_assert_msg(strstr(lg.all, "left behind") == NULL, "%s", lg.all);
	munmap(buf, 1 << 20);
}
END_TEST

START_TEST(destroying_the_oldest_of_many_handles)
{
	struct libiommu_ioas *first = new_ioas(), *last = NULL;
	int i;

	for (i = 0; i < 1000; i++)
		last = new_ioas();
	ck_assert_int_eq(libiommu_ioas_destroy(first), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(last), 0);
}
END_TEST

START_TEST(opts_with_garbage_in_reserved_are_e2big)
{
	struct libiommu_ioas_opts o = LIBIOMMU_OPTS(libiommu_ioas_opts, .reserved = 1);
	struct libiommu_dev_opts d = LIBIOMMU_OPTS(libiommu_dev_opts, .reserved = 1);
	struct libiommu_ioas *ioas = NULL;
	struct libiommu_dev *dev = NULL;

	tu_assert_err(libiommu_ioas_alloc(ctx, &o, &ioas), -E2BIG);
	ck_assert_ptr_null(ioas);
	tu_assert_logged(&lg, "byte 12 is non-zero");
	tu_assert_err(libiommu_dev_open(ctx, "mock:a", &d, &dev), -E2BIG);
	ck_assert_ptr_null(dev);
	tu_assert_logged(&lg, "byte 28 is non-zero");
	/* LIBIOMMU_OPTS() leaves every other byte zero */
	o = LIBIOMMU_OPTS(libiommu_ioas_opts, .flags = LIBIOMMU_IOAS_NO_HUGE_PAGES);
	ck_assert_int_eq(libiommu_ioas_alloc(ctx, &o, &ioas), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), 0);
}
END_TEST

START_TEST(config_space_reads_and_writes_go_through_the_region)
{
	struct libiommu_dev *a = mu_open(ctx, "a");
	uint16_t v = 0, w = 0x0800;

	ck_assert_int_eq(libiommu_dev_region_read(a, LIBIOMMU_PCI_CONFIG_REGION, 0, &v, 2), 0);
	ck_assert_uint_eq(v, 0x1234);
	ck_assert_int_eq(libiommu_dev_region_write(a, LIBIOMMU_PCI_CONFIG_REGION, 0x48, &w, 2), 0);
	ck_assert_int_eq(libiommu_dev_region_read(a, LIBIOMMU_PCI_CONFIG_REGION, 0x48, &v, 2), 0);
	ck_assert_uint_eq(v, 0x0800);
	tu_assert_err(libiommu_dev_region_read(a, LIBIOMMU_PCI_CONFIG_REGION, 255, &v, 2), -EINVAL);
	tu_assert_err(libiommu_dev_region_read(a, 0, 0, &v, 2), -EINVAL);
	tu_assert_logged(&lg, "has no region 0");
	libiommu_dev_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mock-handles");
	TCase *tc = tu_tcase(s, "bookkeeping");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ioas_ids_are_distinct_and_nonzero);
	tcase_add_test(tc, attached_ioas_cannot_be_destroyed_until_detached);
	tcase_add_test(tc, hwpt_holds_its_ioas_and_device_holds_the_hwpt);
	tcase_add_test(tc, replace_moves_the_use_count);
	tcase_add_test(tc, pasid_attachments_are_counted_and_undone_by_free);
	tcase_add_test(tc, pasid_out_of_the_devices_range_is_einval);
	tcase_add_test(tc, nested_hwpt_holds_its_parent);
	tcase_add_test(tc, a_sizing_call_for_the_ranges_leaves_the_alignment_alone);
	tcase_add_test(tc, adopting_an_id_twice_is_eexist);
	tcase_add_test(tc, handles_of_another_context_are_exdev);
	tcase_add_test(tc, freeing_a_borrowing_context_frees_every_handle_and_kernel_object);
	tcase_add_test(tc, destroying_the_oldest_of_many_handles);
	tcase_add_test(tc, opts_with_garbage_in_reserved_are_e2big);
	tcase_add_test(tc, config_space_reads_and_writes_go_through_the_region);
	return tu_run(s);
}
