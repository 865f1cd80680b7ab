// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The decoder of a VFIO region's capability chain on answers made up here
 * (host tier): sparse mmap areas, the region type, MSI-X mappable, chains
 * in any order, and the malformed ones a broken kernel or a fake could
 * give (backwards, past the end, a capability cut short).  The layouts
 * are the kernel's uAPI, written out by hand.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"
#include "util/vfio-caps.h"

#define HDR 32 /* struct vfio_region_info */

static uint8_t buf[512];
static struct libiommu_region_caps caps;
static struct libiommu_region_area areas[4];

static void put16(size_t off, uint16_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void put32(size_t off, uint32_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void put64(size_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

/* A capability header at @off: id, version 1, next. */
static void cap(size_t off, uint16_t id, uint32_t next)
{
	put16(off, id);
	put16(off + 2, 1);
	put32(off + 4, next);
}

/* A sparse mmap capability at @off with @n areas (offset i*0x2000, size 0x1000). */
static size_t sparse(size_t off, uint32_t n, uint32_t next)
{
	cap(off, 1, next);
	put32(off + 8, n);
	for (uint32_t i = 0; i < n; i++) {
		put64(off + 16 + i * 16, i * 0x2000u);
		put64(off + 24 + i * 16, 0x1000);
	}
	return off + 16 + n * 16;
}

static void setup(void)
{
	memset(buf, 0, sizeof(buf));
	memset(&caps, 0xff, sizeof(caps));
	memset(areas, 0, sizeof(areas));
}

START_TEST(no_chain_is_no_capability)
{
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR, 0, &caps, areas, 4), 0);
	ck_assert_uint_eq(caps.flags, 0);
	ck_assert_uint_eq(caps.nr_areas, 0);
	ck_assert_uint_eq(caps.type, 0);
}
END_TEST

START_TEST(sparse_areas_are_decoded_up_to_max)
{
	sparse(HDR, 3, 0);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 16 + 48, HDR, &caps, areas, 2), 0);
	ck_assert_uint_eq(caps.flags, LIBIOMMU_REGION_CAP_SPARSE);
	ck_assert_uint_eq(caps.nr_areas, 3);
	ck_assert_uint_eq(areas[0].offset, 0);
	ck_assert_uint_eq(areas[1].offset, 0x2000);
	ck_assert_uint_eq(areas[1].size, 0x1000);
	ck_assert_uint_eq(areas[2].size, 0); /* past max: untouched */
}
END_TEST

START_TEST(type_and_msix_mappable_follow_a_sparse_cap)
{
	size_t t = sparse(HDR, 1, 0);

	put32(HDR + 4, (uint32_t)t); /* sparse -> type */
	cap(t, 2, (uint32_t)t + 16);
	put32(t + 8, 0x80008086u);
	put32(t + 12, 1); /* Intel IGD OpRegion */
	cap(t + 16, 3, 0);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, t + 24, HDR, &caps, areas, 4), 0);
	ck_assert_uint_eq(caps.flags, LIBIOMMU_REGION_CAP_SPARSE | LIBIOMMU_REGION_CAP_TYPE |
					      LIBIOMMU_REGION_CAP_MSIX_MAPPABLE);
	ck_assert_uint_eq(caps.type, 0x80008086u);
	ck_assert_uint_eq(caps.subtype, 1);
	ck_assert_uint_eq(caps.nr_areas, 1);
}
END_TEST

START_TEST(unknown_capabilities_are_skipped)
{
	cap(HDR, 4, HDR + 16); /* NVLink2: not decoded */
	cap(HDR + 16, 3, 0);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 24, HDR, &caps, areas, 4), 0);
	ck_assert_uint_eq(caps.flags, LIBIOMMU_REGION_CAP_MSIX_MAPPABLE);
}
END_TEST

START_TEST(malformed_chains_are_eproto)
{
	/* a chain that runs backwards would loop */
	cap(HDR, 3, HDR);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 8, HDR, &caps, areas, 4), -EPROTO);
	/* past the end */
	cap(HDR, 3, 400);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 8, HDR, &caps, areas, 4), -EPROTO);
	/* more areas than bytes */
	sparse(HDR, 3, 0);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 16 + 32, HDR, &caps, areas, 4), -EPROTO);
	/* a type capability cut short */
	cap(HDR, 2, 0);
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 12, HDR, &caps, areas, 4), -EPROTO);
	/* a chain that starts inside the info struct */
	ck_assert_int_eq(lu_vfio_region_caps_decode(buf, HDR + 8, 8, &caps, areas, 4), -EPROTO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("region-caps");
	TCase *tc = tu_tcase(s, "decode");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, no_chain_is_no_capability);
	tcase_add_test(tc, sparse_areas_are_decoded_up_to_max);
	tcase_add_test(tc, type_and_msix_mappable_follow_a_sparse_cap);
	tcase_add_test(tc, unknown_capabilities_are_skipped);
	tcase_add_test(tc, malformed_chains_are_eproto);
	return tu_run(s);
}
