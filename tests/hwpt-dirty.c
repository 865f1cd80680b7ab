// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * HWPT dirty tracking on the kernel's iommufd selftest mock (kernel tier,
 * CONFIG_IOMMUFD_TEST): a mock device wrapped with libiommu_dev_adopt_id()
 * allocates a dirty-tracking HWPT of an IOAS; the mock's DIRTY command
 * marks a known set of pages dirty as a device write would, and the bitmap
 * read back must equal it bit for bit.  Clearing semantics: a read clears
 * unless LIBIOMMU_DIRTY_NO_CLEAR.  Skips (77) without /dev/iommu or mock.
 */
#include "test-dev.h"

#define NPAGES 200 /* > 3 bitmap words, last one partial */
#define IOVA MOCK_APERTURE_START

static struct libiommu_dev *dev;
static struct libiommu_hwpt *hwpt;
static struct mock_dev md;
static uint64_t ps, len;
static uint64_t want[(NPAGES + 63) / 64], got[(NPAGES + 63) / 64 + 1];
static int fds_before;

static void setup(void)
{
	struct libiommu_ioas_opts io = { .sz = sizeof(io),
					 .flags = LIBIOMMU_IOAS_NO_HUGE_PAGES };
	struct libiommu_hwpt_opts ho = { .sz = sizeof(ho),
					 .flags = LIBIOMMU_HWPT_DIRTY_TRACKING };
	uint64_t iova = IOVA;

	fds_before = tu_count_fds();
	ctx = new_ctx(&lg);
	/* One mapping unit per page, so one dirty bit per page: no huge pages. */
	expect_ok(libiommu_ioas_alloc(ctx, &io, &ioas));
	dev = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md);
	ps = pgsz();
	len = NPAGES * ps;
	expect_ok(libiommu_ioas_map(ioas, xbuf(len), len, &iova, RW | FIXED));
	expect_ok(libiommu_hwpt_alloc(dev, ioas, &ho, &hwpt));
	memset(want, 0, sizeof(want));
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static void want_page(unsigned int n)
{
	want[n / 64] |= UINT64_C(1) << (n % 64);
}

/* Mark the pages in `want` dirty, as the device would by writing them. */
static void dirty_pages(void)
{
	uint64_t n = 0, expect = 0;
	unsigned int i;
	int rc;

	for (i = 0; i < ARRAY_LEN(want); i++)
		expect += (uint64_t)__builtin_popcountll(want[i]);
	rc = mock_set_dirty(libiommu_ctx_fd(ctx), libiommu_hwpt_id(hwpt), IOVA,
			    len, ps, want, &n);
	ck_assert_msg(rc == 0, "mock_set_dirty: %s", strerror(-rc));
	ck_assert_uint_eq(n, expect);
}

static void read_bitmap(uint32_t flags)
{
	memset(got, 0xa5, sizeof(got)); /* the library clears it first */
	expect_ok(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA, len, ps, got, flags));
	ck_assert_uint_eq(got[ARRAY_LEN(want)], 0xa5a5a5a5a5a5a5a5ull); /* no overrun */
}

static void assert_bitmap(const uint64_t *expect)
{
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(want); i++)
		ck_assert_msg(got[i] == expect[i],
			      "bitmap word %u: got 0x%016llx, want 0x%016llx", i,
			      (unsigned long long)got[i],
			      (unsigned long long)expect[i]);
}

static const uint64_t none[ARRAY_LEN(want)];

static void known_set(void)
{
	static const unsigned int pages[] = { 0, 1, 5, 63, 64, 65, 127, 128, 199 };
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(pages); i++)
		want_page(pages[i]);
	for (i = 0; i < NPAGES; i += 7)
		want_page(i);
}

START_TEST(bitmap_matches_dirtied_pages)
{
	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	known_set();
	dirty_pages();
	read_bitmap(0);
	assert_bitmap(want);
}
END_TEST

START_TEST(read_clears)
{
	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	known_set();
	dirty_pages();
	read_bitmap(0);
	assert_bitmap(want);
	read_bitmap(0); /* the first read cleared them */
	assert_bitmap(none);
}
END_TEST

START_TEST(no_clear_keeps_bits)
{
	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	known_set();
	dirty_pages();
	read_bitmap(LIBIOMMU_DIRTY_NO_CLEAR);
	assert_bitmap(want);
	read_bitmap(LIBIOMMU_DIRTY_NO_CLEAR);
	assert_bitmap(want);
	read_bitmap(0);
	assert_bitmap(want);
	read_bitmap(LIBIOMMU_DIRTY_NO_CLEAR);
	assert_bitmap(none);
}
END_TEST

START_TEST(sub_range_is_shifted)
{
	uint64_t sub[2];

	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	want_page(64);
	want_page(70);
	want_page(130);
	dirty_pages();
	/* Pages 64..191: bit n is page 64 + n. */
	memset(sub, 0xff, sizeof(sub));
	expect_ok(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA + 64 * ps, 128 * ps,
						 ps, sub, 0));
	ck_assert_uint_eq(sub[0], (UINT64_C(1) << 0) | (UINT64_C(1) << 6));
	ck_assert_uint_eq(sub[1], UINT64_C(1) << (130 - 128));
}
END_TEST

START_TEST(enabling_clears_and_disabled_mock_cannot_dirty)
{
	uint64_t n;

	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	want_page(3);
	dirty_pages();
	/* Off: the mock (like hardware) records nothing. */
	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, false));
	ck_assert_int_eq(mock_set_dirty(libiommu_ctx_fd(ctx),
					libiommu_hwpt_id(hwpt), IOVA, len, ps,
					want, &n),
			 -EINVAL);
	/* On again: a clean snapshot, the old bit is gone. */
	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	read_bitmap(0);
	assert_bitmap(none);
}
END_TEST

START_TEST(bad_bitmap_requests)
{
	uint64_t bm[4];

	expect_ok(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	expect_err(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA, len, 3 * ps, bm, 0),
		   -EINVAL, "not a power of two");
	expect_err(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA + 1, ps, ps, bm, 0),
		   -EINVAL, "multiples of page_size");
	expect_err(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA, 0, ps, bm, 0),
		   -EINVAL, "multiples of page_size");
	expect_err(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA, ps, ps, NULL, 0),
		   -EINVAL, "bitmap is NULL");
	expect_err(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA, ps, ps, bm, 0x80),
		   -EINVAL, "unknown flag");
	/* Not mapped in the IOAS: the kernel reports it clean. */
	memset(bm, 0xff, sizeof(bm));
	expect_ok(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA + len, 4 * ps, ps,
						 bm, 0));
	ck_assert_uint_eq(bm[0], 0);
}
END_TEST

START_TEST(hwpt_without_dirty_flag)
{
	struct libiommu_hwpt *plain = NULL;
	uint64_t bm[1];

	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &plain));
	expect_err(libiommu_hwpt_set_dirty_tracking(plain, true), -EINVAL,
		   "not allocated with LIBIOMMU_HWPT_DIRTY_TRACKING");
	expect_err(libiommu_hwpt_get_dirty_bitmap(plain, IOVA, ps, ps, bm, 0),
		   -EINVAL, "not allocated with LIBIOMMU_HWPT_DIRTY_TRACKING");
	expect_ok(libiommu_hwpt_destroy(plain));
}
END_TEST

START_TEST(device_without_dirty_tracking)
{
	struct libiommu_hwpt_opts ho = { .sz = sizeof(ho),
					 .flags = LIBIOMMU_HWPT_DIRTY_TRACKING };
	struct libiommu_hw_info info = { .sz = sizeof(info) };
	struct libiommu_hwpt *h = NULL;
	struct libiommu_dev *nd;
	struct libiommu_ioas *b = new_ioas(ctx);
	struct mock_dev md2;

	expect_ok(libiommu_dev_get_hw_info(dev, &info));
	ck_assert(info.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING);

	nd = adopt_mock(ctx, libiommu_ioas_id(b), MOCK_DEV_NO_DIRTY, &md2);
	expect_ok(libiommu_dev_get_hw_info(nd, &info));
	ck_assert(!(info.caps & LIBIOMMU_HW_CAP_DIRTY_TRACKING));
	expect_err(libiommu_hwpt_alloc(nd, b, &ho, &h), -EOPNOTSUPP,
		   "cannot make a paging HWPT");
	ck_assert_ptr_null(h);
}
END_TEST

/* ---- the IOAS view: every dirty-tracking HWPT of the IOAS, merged ---- */

/*
 * Two HWPTs of the fixture's IOAS (a second mock device allocates the
 * second), dirtied in different, overlapping page sets: the IOAS bitmap is
 * their union, a read clears both, and NO_CLEAR keeps both.
 */
START_TEST(ioas_bitmap_is_the_union_of_its_hwpts)
{
	struct libiommu_hwpt_opts ho = { .sz = sizeof(ho),
					 .flags = LIBIOMMU_HWPT_DIRTY_TRACKING };
	struct libiommu_hwpt *hwpt2 = NULL;
	struct libiommu_dev *dev2;
	struct mock_dev md2;
	uint64_t a[ARRAY_LEN(want)] = { 0 }, b[ARRAY_LEN(want)] = { 0 };
	uint64_t both[ARRAY_LEN(want)], n;
	unsigned int i;
	int rc;

	dev2 = adopt_mock(ctx, libiommu_ioas_id(ioas), 0, &md2);
	expect_ok(libiommu_hwpt_alloc(dev2, ioas, &ho, &hwpt2));
	expect_ok(libiommu_ioas_set_dirty_tracking(ioas, true));
	for (i = 0; i < NPAGES; i++) {
		if (i % 3 == 0)
			a[i / 64] |= UINT64_C(1) << (i % 64);
		if (i % 5 == 0 || i == NPAGES - 1)
			b[i / 64] |= UINT64_C(1) << (i % 64);
	}
	for (i = 0; i < ARRAY_LEN(want); i++)
		both[i] = a[i] | b[i];
	rc = mock_set_dirty(libiommu_ctx_fd(ctx), libiommu_hwpt_id(hwpt), IOVA, len, ps, a, &n);
	ck_assert_msg(rc == 0, "mock_set_dirty: %s", strerror(-rc));
	rc = mock_set_dirty(libiommu_ctx_fd(ctx), libiommu_hwpt_id(hwpt2), IOVA, len, ps, b, &n);
	ck_assert_msg(rc == 0, "mock_set_dirty: %s", strerror(-rc));

	memset(got, 0xa5, sizeof(got));
	expect_ok(libiommu_ioas_get_dirty_bitmap(ioas, IOVA, len, ps, got,
						 LIBIOMMU_DIRTY_NO_CLEAR));
	assert_bitmap(both);
	ck_assert_uint_eq(got[ARRAY_LEN(want)], 0xa5a5a5a5a5a5a5a5ull);
	expect_ok(libiommu_ioas_get_dirty_bitmap(ioas, IOVA, len, ps, got, 0));
	assert_bitmap(both);
	/* the clearing read cleared every HWPT */
	expect_ok(libiommu_ioas_get_dirty_bitmap(ioas, IOVA, len, ps, got, 0));
	assert_bitmap(none);
	/* and each HWPT alone still answers for itself */
	rc = mock_set_dirty(libiommu_ctx_fd(ctx), libiommu_hwpt_id(hwpt2), IOVA, len, ps, b, &n);
	ck_assert_int_eq(rc, 0);
	read_bitmap(LIBIOMMU_DIRTY_NO_CLEAR); /* the fixture's HWPT: nothing */
	assert_bitmap(none);
	expect_ok(libiommu_ioas_get_dirty_bitmap(ioas, IOVA, len, ps, got, 0));
	assert_bitmap(b);
	expect_ok(libiommu_ioas_set_dirty_tracking(ioas, false));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hwpt-dirty");
	TCase *tc;

	tu_require_iommufd();
	mock_require();
	tc = tu_tcase(s, "dirty");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bitmap_matches_dirtied_pages);
	tcase_add_test(tc, read_clears);
	tcase_add_test(tc, no_clear_keeps_bits);
	tcase_add_test(tc, sub_range_is_shifted);
	tcase_add_test(tc, enabling_clears_and_disabled_mock_cannot_dirty);
	tcase_add_test(tc, bad_bitmap_requests);
	tcase_add_test(tc, hwpt_without_dirty_flag);
	tcase_add_test(tc, device_without_dirty_tracking);
	tcase_add_test(tc, ioas_bitmap_is_the_union_of_its_hwpts);
	return tu_run(s);
}
