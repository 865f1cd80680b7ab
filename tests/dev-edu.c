// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Real DMA through the IOMMU (kernel tier, QEMU's edu device bound to
 * vfio-pci): the device copies RAM -> device -> RAM through an IOAS, is
 * blocked once the destination is unmapped (the guest kernel logs a DMAR
 * fault for that IOVA), follows an atomic replace to another IOAS, and
 * works through an explicitly allocated HWPT.  Skips (77) without
 * /dev/iommu or without the edu device.
 *
 * Runs on every backend (LIBIOMMU_TEST_BACKEND=iommufd|type1|compat): the
 * round trip, the blocked DMA and mappings made before the device run on
 * all three; replace and HWPTs need iommufd (one address space per type1
 * container, no HWPTs) and say so when skipped.
 */
#include <sys/klog.h>
#include <time.h>

#include "test-dev.h"

/* IOVAs below edu's 28-bit DMA mask, away from the x86 MSI window. */
#define SRC_IOVA UINT64_C(0x100000)
#define DST_IOVA UINT64_C(0x200000)
#define LEN EDU_MAX_DMA

static struct libiommu_dev *dev;
static struct edu edu;
static uint8_t *src, *dst;
static int fds_before;

static void setup(void)
{
	int rc;

	fds_before = tu_count_fds();
	ioas_setup();
	dev = open_edu(ctx);
	rc = edu_init(&edu, dev);
	ck_assert_msg(rc == 0, "edu_init: %s; log:\n%s", strerror(-rc), lg.all);
	src = xbuf(pgsz());
	dst = xbuf(pgsz());
	for (unsigned int i = 0; i < pgsz(); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, pgsz());
}

static void teardown(void)
{
	edu_fini(&edu);
	ioas_teardown(); /* frees the device too */
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static void map_fixed(struct libiommu_ioas *a, void *buf, uint64_t iova,
		      uint32_t flags)
{
	expect_ok(libiommu_ioas_map(a, buf, pgsz(), &iova, flags | FIXED));
}

/* RAM (src IOVA) -> edu buffer -> RAM (dst IOVA). */
static void round_trip(uint64_t s, uint64_t d)
{
	ck_assert_int_eq(edu_dma_from_ram(&edu, s, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&edu, d, LEN), 0);
}

/* How many kernel log lines contain @needle (-1: log not readable). */
static int klog_count(const char *needle)
{
	static char buf[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);
	int count = 0;
	char *p;

	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)); p++)
		count++;
	return count;
}

START_TEST(dma_round_trip_through_ioas)
{
	struct libiommu_ioas *a = NULL;
	struct libiommu_hwpt *h = NULL;
	uint32_t hwpt_id = 0;

	map_fixed(ioas, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   &h, &hwpt_id),
			 1);
	ck_assert_ptr_eq(a, ioas);
	ck_assert_ptr_null(h);
	if (tu_backend_is_iommufd())
		ck_assert_uint_ne(hwpt_id, 0);
	else
		ck_assert_uint_eq(hwpt_id, 0); /* type1 has no HWPT */

	round_trip(SRC_IOVA, DST_IOVA);
	ck_assert_msg(memcmp(src, dst, LEN) == 0, "DMA round trip corrupted data");
	ck_assert_uint_eq(dst[LEN], 0); /* not one byte more */
}
END_TEST

START_TEST(dma_to_unmapped_iova_is_blocked)
{
	char needle[64];
	int before, after = -1;
	unsigned int i;
	uint64_t unmapped = 0;

	map_fixed(ioas, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	round_trip(SRC_IOVA, DST_IOVA);
	ck_assert(memcmp(src, dst, LEN) == 0);

	expect_ok(libiommu_ioas_unmap(ioas, DST_IOVA, pgsz(), &unmapped));
	ck_assert_uint_eq(unmapped, pgsz());
	memset(dst, 0xaa, pgsz());
	snprintf(needle, sizeof(needle), "fault addr 0x%llx",
		 (unsigned long long)DST_IOVA);
	before = klog_count(needle);

	/* The engine "completes", but the IOMMU drops every write. */
	ck_assert_int_eq(edu_dma_to_ram(&edu, DST_IOVA, LEN), 0);
	for (i = 0; i < LEN; i++)
		ck_assert_msg(dst[i] == 0xaa, "byte %u reached unmapped memory", i);

	/* The fault is reported by an interrupt: give it a moment. */
	for (i = 0; i < 100 && before >= 0; i++) {
		after = klog_count(needle);
		if (after > before)
			break;
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	if (before < 0)
		printf("note: kernel log not readable, DMAR fault not checked\n");
	else
		ck_assert_msg(after > before,
			      "no kernel log line with \"%s\" after the blocked DMA",
			      needle);

	/* Mapped again, the same DMA lands. */
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	ck_assert_int_eq(edu_dma_to_ram(&edu, DST_IOVA, LEN), 0);
	ck_assert(memcmp(src, dst, LEN) == 0);
}
END_TEST

START_TEST(replace_moves_dma_to_new_ioas)
{
	struct libiommu_ioas *b = new_ioas(ctx), *a = NULL;
	uint8_t *dst_b = xbuf(pgsz());

	memset(dst_b, 0, pgsz());
	map_fixed(ioas, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	map_fixed(b, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(b, dst_b, DST_IOVA, LIBIOMMU_MAP_WRITE); /* same IOVA, other page */

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	round_trip(SRC_IOVA, DST_IOVA);
	ck_assert(memcmp(src, dst, LEN) == 0);
	ck_assert_uint_eq(dst_b[0], 0);

	/* Attach while attached: an atomic replace. */
	memset(dst, 0, pgsz());
	expect_ok(libiommu_dev_attach_ioas(dev, b));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   NULL, NULL),
			 1);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(edu_dma_to_ram(&edu, DST_IOVA, LEN), 0);
	ck_assert_msg(memcmp(src, dst_b, LEN) == 0, "DMA did not follow the replace");
	ck_assert_msg(dst[0] == 0 && dst[LEN - 1] == 0,
		      "DMA still reached the old IOAS's page");

	/* The old IOAS is free now, the new one busy. */
	expect_err(libiommu_ioas_destroy(b), -EBUSY, "still attached");
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

START_TEST(dma_through_explicit_hwpt)
{
	struct libiommu_hwpt *h = NULL, *got = NULL;
	struct libiommu_ioas *a = NULL;
	uint32_t hwpt_id = 0;

	map_fixed(ioas, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	expect_ok(libiommu_hwpt_alloc(dev, ioas, NULL, &h));
	expect_ok(libiommu_dev_attach_hwpt(dev, h));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   &got, &hwpt_id),
			 1);
	ck_assert_ptr_null(a);
	ck_assert_ptr_eq(got, h);
	ck_assert_uint_eq(hwpt_id, libiommu_hwpt_id(h));

	round_trip(SRC_IOVA, DST_IOVA);
	ck_assert(memcmp(src, dst, LEN) == 0);

	expect_err(libiommu_hwpt_destroy(h), -EBUSY, "still used");
	expect_err(libiommu_ioas_destroy(ioas), -EBUSY, "still attached");
	expect_ok(libiommu_dev_detach(dev));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   &got, &hwpt_id),
			 0);
	ck_assert(a == NULL && got == NULL && hwpt_id == 0);
	expect_ok(libiommu_hwpt_destroy(h));
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}
END_TEST

START_TEST(replace_between_ioas_and_hwpt)
{
	struct libiommu_ioas *b = new_ioas(ctx);
	struct libiommu_hwpt *h = NULL;
	uint8_t *dst_b = xbuf(pgsz());

	memset(dst_b, 0, pgsz());
	map_fixed(ioas, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	map_fixed(b, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(b, dst_b, DST_IOVA, LIBIOMMU_MAP_WRITE);
	expect_ok(libiommu_hwpt_alloc(dev, b, NULL, &h));

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	expect_ok(libiommu_dev_attach_hwpt(dev, h)); /* IOAS -> HWPT of b */
	round_trip(SRC_IOVA, DST_IOVA);
	ck_assert(memcmp(src, dst_b, LEN) == 0);
	ck_assert_uint_eq(dst[0], 0);

	memset(dst_b, 0, pgsz());
	expect_ok(libiommu_dev_attach_ioas(dev, ioas)); /* and back */
	ck_assert_int_eq(edu_dma_to_ram(&edu, DST_IOVA, LEN), 0);
	ck_assert(memcmp(src, dst, LEN) == 0);
	ck_assert_uint_eq(dst_b[0], 0);
	expect_ok(libiommu_hwpt_destroy(h));
}
END_TEST

/*
 * An IOAS mapped before the device exists: on iommufd the mappings reach
 * the device's HWPT at attach; on type1 the library hands them to the
 * container when the device's group sets its IOMMU.
 */
START_TEST(dma_through_mappings_made_before_the_device)
{
	struct tu_log l2;
	struct libiommu_ctx *c = new_ctx(&l2);
	struct libiommu_ioas *a = NULL;
	struct libiommu_dev *d = NULL;
	struct edu e;
	uint64_t s = SRC_IOVA, t = DST_IOVA;
	int rc;

	/* the fixture's device must go first: one opener per device/group */
	edu_fini(&edu);
	libiommu_dev_free(dev);
	dev = NULL;
	ck_assert_int_eq(libiommu_ioas_alloc(c, NULL, &a), 0);
	ck_assert_int_eq(libiommu_ioas_map(a, src, pgsz(), &s,
					   LIBIOMMU_MAP_READ | FIXED),
			 0);
	ck_assert_int_eq(libiommu_ioas_map(a, dst, pgsz(), &t,
					   LIBIOMMU_MAP_WRITE | FIXED),
			 0);
	rc = libiommu_dev_open(c, edu_path, NULL, &d);
	ck_assert_msg(rc == 0, "libiommu_dev_open: %s; log:\n%s", strerror(-rc),
		      l2.all);
	ck_assert_int_eq(libiommu_dev_attach_ioas(d, a), 0);
	ck_assert_int_eq(edu_init(&e, d), 0);
	ck_assert_int_eq(edu_dma_from_ram(&e, SRC_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, DST_IOVA, LEN), 0);
	ck_assert_msg(memcmp(src, dst, LEN) == 0,
		      "DMA through mappings made before the device corrupted data");
	edu_fini(&e);
	libiommu_ctx_free(c);
}
END_TEST

/* What the legacy backends cannot do fails, naming the backend. */
START_TEST(legacy_limits_name_the_backend)
{
	struct libiommu_ioas *b = NULL, *a = NULL;
	struct libiommu_hwpt *h = NULL;
	char want[96];
	uint32_t hwpt_id = 1;

	snprintf(want, sizeof(want), "not available on the %s backend",
		 libiommu_backend_name(libiommu_ctx_backend(ctx)));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   NULL, NULL),
			 0);
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   NULL, &hwpt_id),
			 1);
	ck_assert_ptr_eq(a, ioas);
	ck_assert_uint_eq(hwpt_id, 0);
	expect_err(libiommu_ioas_alloc(ctx, NULL, &b), -EOPNOTSUPP, want);
	tu_assert_logged(&lg, "exactly one I/O address space");
	expect_err(libiommu_dev_detach(dev), -EOPNOTSUPP, want);
	expect_err(libiommu_hwpt_alloc(dev, ioas, NULL, &h), -EOPNOTSUPP, want);
	expect_err(libiommu_dev_pasid_attach_ioas(dev, 1, ioas), -EOPNOTSUPP,
		   want);
	expect_err(libiommu_ioas_destroy(ioas), -EBUSY, "still attached");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dev-edu");
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	tc = tu_tcase(s, "edu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dma_round_trip_through_ioas);
	tcase_add_test(tc, dma_to_unmapped_iova_is_blocked);
	tcase_add_test(tc, dma_through_mappings_made_before_the_device);
	tu_add_iommufd_test(tc, replace_moves_dma_to_new_ioas,
			    "a VFIO container has one address space: nothing to replace onto");
	tu_add_iommufd_test(tc, dma_through_explicit_hwpt,
			    "HWPTs are iommufd objects");
	tu_add_iommufd_test(tc, replace_between_ioas_and_hwpt,
			    "HWPTs are iommufd objects");
	tu_add_legacy_test(tc, legacy_limits_name_the_backend);
	return tu_run(s);
}
