// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mapping, unmapping and copying (kernel tier): one success test per
 * function, one test per documented errno, each checking the message.
 * Runs on every backend (LIBIOMMU_TEST_BACKEND): map_file and copy are
 * iommufd's, and on the legacy backends a test checks that they fail
 * naming the backend.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "test-ioas.h"

#define RW (LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE)
#define FIXED LIBIOMMU_MAP_FIXED_IOVA

static int new_memfd(uint64_t size)
{
	int fd = memfd_create("test-ioas-map", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* ---- map ---- */

START_TEST(map_kernel_iova_succeeds)
{
	void *buf = xbuf(2 * MiB);
	uint64_t iova = UINT64_MAX;

	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova, RW));
	ck_assert_msg(in_ranges(ioas, iova, 2 * MiB),
		      "iova 0x%llx outside the usable ranges",
		      (unsigned long long)iova);
	ck_assert_uint_eq(iova % pgsz(), 0);
}
END_TEST

START_TEST(map_fixed_iova_succeeds)
{
	void *buf = xbuf(2 * MiB);
	uint64_t iova = GiB;
	uint64_t n = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova,
				    LIBIOMMU_MAP_READ | FIXED));
	ck_assert_uint_eq(iova, GiB);
	/* it really is there: unmapping exactly it gives its size back */
	expect_ok(libiommu_ioas_unmap(ioas, GiB, 2 * MiB, &n));
	ck_assert_uint_eq(n, 2 * MiB);
}
END_TEST

START_TEST(map_write_only_succeeds)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &iova,
				    LIBIOMMU_MAP_WRITE));
}
END_TEST

START_TEST(map_fixed_overlap_is_eexist)
{
	char want[64];
	void *buf = xbuf(4 * pgsz());
	uint64_t iova = GiB;

	expect_ok(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova, RW | FIXED));
	iova = GiB + 2 * pgsz(); /* half inside the first mapping */
	expect_err(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova, RW | FIXED),
		   -EEXIST, "an existing mapping overlaps");
	snprintf(want, sizeof(want), "[0x%llx, 0x%llx]",
		 (unsigned long long)iova,
		 (unsigned long long)(iova + 4 * pgsz() - 1));
	tu_assert_logged(&lg, want); /* names the range asked for */
}
END_TEST

START_TEST(map_unaligned_fixed_iova_is_einval)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = GiB + 512;

	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | FIXED),
		   -EINVAL, "fixed IOVA 0x40000200 is not page aligned");
}
END_TEST

START_TEST(map_unaligned_length_is_einval)
{
	void *buf = xbuf(2 * pgsz());
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map(ioas, buf, pgsz() + 1, &iova, RW),
		   -EINVAL, "not a multiple of the page size");
}
END_TEST

START_TEST(map_unaligned_vaddr_is_einval)
{
	char *buf = xbuf(2 * pgsz());
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map(ioas, buf + 64, pgsz(), &iova, RW),
		   -EINVAL, "vaddr");
	tu_assert_logged(&lg, "not page aligned");
}
END_TEST

START_TEST(map_zero_length_is_einval)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map(ioas, buf, 0, &iova, RW), -EINVAL,
		   "length is 0");
}
END_TEST

START_TEST(map_without_read_or_write_is_einval)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, 0), -EINVAL,
		   "LIBIOMMU_MAP_READ, LIBIOMMU_MAP_WRITE or both");
	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, FIXED), -EINVAL,
		   "LIBIOMMU_MAP_READ, LIBIOMMU_MAP_WRITE or both");
}
END_TEST

START_TEST(map_unknown_flag_is_einval)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | (1u << 9)),
		   -EINVAL, "unknown flag bits 0x200");
}
END_TEST

START_TEST(map_iova_overflow_is_einval)
{
	void *buf = xbuf(2 * pgsz());
	uint64_t iova = UINT64_MAX - pgsz() + 1;

	expect_err(libiommu_ioas_map(ioas, buf, 2 * pgsz(), &iova, RW | FIXED),
		   -EINVAL, "overflows 64 bits");
}
END_TEST

START_TEST(map_null_pointers_are_einval)
{
	void *buf = xbuf(pgsz());
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), NULL, RW), -EINVAL,
		   "iova is NULL");
	expect_err(libiommu_ioas_map(ioas, NULL, pgsz(), &iova, RW), -EINVAL,
		   "vaddr is NULL");
}
END_TEST

/* ---- map_file ---- */

START_TEST(map_file_memfd_succeeds)
{
	int fd = new_memfd(4 * MiB);
	uint64_t iova = 0, fixed = 2 * GiB;

	if (map_file_absent_says_so(fd))
		return;
	expect_ok(libiommu_ioas_map_file(ioas, fd, 0, 2 * MiB, &iova, RW));
	ck_assert(in_ranges(ioas, iova, 2 * MiB));
	expect_ok(libiommu_ioas_map_file(ioas, fd, 2 * MiB, 2 * MiB, &fixed,
					 LIBIOMMU_MAP_READ | FIXED));
	ck_assert_uint_eq(fixed, 2 * GiB);
	close(fd);
}
END_TEST

START_TEST(map_file_short_memfd_is_einval)
{
	int fd = new_memfd(MiB);
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map_file(ioas, fd, 0, 2 * MiB, &iova, RW),
		   -EINVAL, "shorter than offset");
	/* the offset counts too */
	expect_err(libiommu_ioas_map_file(ioas, fd, MiB, pgsz(), &iova, RW),
		   -EINVAL, "shorter than offset");
	close(fd);
}
END_TEST

START_TEST(map_file_bad_fd_is_ebadf)
{
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map_file(ioas, -1, 0, pgsz(), &iova, RW),
		   -EBADF, "fd -1 is not an open file");
}
END_TEST

START_TEST(map_file_unaligned_offset_is_einval)
{
	int fd = new_memfd(MiB);
	uint64_t iova = 0;

	expect_err(libiommu_ioas_map_file(ioas, fd, 100, pgsz(), &iova, RW),
		   -EINVAL, "file offset 0x64 is not page aligned");
	close(fd);
}
END_TEST

/* Files the kernel cannot pin: refused before the kernel takes them. */
START_TEST(map_file_of_what_is_not_a_memfd_names_the_file)
{
	int p[2], ev = eventfd(0, EFD_CLOEXEC), null = open("/dev/null", O_RDWR);
	char path[] = "/tmp/libiommu-map-file-XXXXXX";
	int reg = mkstemp(path);
	uint64_t iova = 0;
	bool absent;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(ev, 0);
	ck_assert_int_ge(reg, 0);
	ck_assert_int_eq(ftruncate(reg, MiB), 0);
	expect_err(libiommu_ioas_map_file(ioas, p[0], 0, pgsz(), &iova, RW), -EBADF,
		   "is a pipe");
	expect_err(libiommu_ioas_map_file(ioas, ev, 0, pgsz(), &iova, RW), -EBADF,
		   "an anonymous file");
	expect_err(libiommu_ioas_map_file(ioas, null, 0, pgsz(), &iova, RW), -EBADF,
		   "a character device");
	/* /tmp: tmpfs pins (a shmem file); elsewhere a regular file is refused */
	absent = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 0;
	log_reset(&lg);
	if (libiommu_ioas_map_file(ioas, reg, 0, pgsz(), &iova, RW) == 0)
		ck_assert(libiommu_ioas_unmap(ioas, iova, pgsz(), NULL) == 0);
	else if (absent) /* a kernel without IOMMU_IOAS_MAP_FILE (6.12) */
		ck_assert_msg(strstr(lg.msg, "feature \"ioas_map_file\""), "%s", lg.msg);
	else
		ck_assert_msg(strstr(lg.msg, "cannot be pinned"), "%s", lg.msg);
	unlink(path);
	close(reg);
	close(p[0]);
	close(p[1]);
	close(ev);
	close(null);
}
END_TEST

/* DMA must not write what the fd may not write. */
START_TEST(map_file_write_needs_a_writable_unsealed_file)
{
	int fd = memfd_create("libiommu-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	char self[64];
	uint64_t iova = 0;
	int ro;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, MiB), 0);
	if (map_file_absent_says_so(fd)) {
		close(fd);
		return;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	ro = open(self, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(ro, 0);
	expect_err(libiommu_ioas_map_file(ioas, ro, 0, MiB, &iova, RW), -EACCES,
		   "open read-only");
	expect_ok(libiommu_ioas_map_file(ioas, ro, 0, MiB, &iova, LIBIOMMU_MAP_READ));
	expect_ok(libiommu_ioas_unmap(ioas, iova, MiB, NULL));

	ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	expect_err(libiommu_ioas_map_file(ioas, fd, 0, MiB, &iova, RW), -EPERM,
		   "F_SEAL_FUTURE_WRITE");
	ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	expect_err(libiommu_ioas_map_file(ioas, fd, 0, MiB, &iova,
					  LIBIOMMU_MAP_WRITE),
		   -EPERM, "F_SEAL_WRITE");
	/* reading a sealed file is what seals are for */
	expect_ok(libiommu_ioas_map_file(ioas, fd, 0, MiB, &iova, LIBIOMMU_MAP_READ));
	close(ro);
	close(fd);
}
END_TEST

START_TEST(map_file_overlap_is_eexist)
{
	int fd = new_memfd(MiB);
	uint64_t iova = GiB;

	if (map_file_absent_says_so(fd))
		return;
	expect_ok(libiommu_ioas_map_file(ioas, fd, 0, MiB, &iova, RW | FIXED));
	expect_err(libiommu_ioas_map_file(ioas, fd, 0, MiB, &iova, RW | FIXED),
		   -EEXIST, "an existing mapping overlaps");
	close(fd);
}
END_TEST

/* ---- unmap ---- */

START_TEST(unmap_exact_mapping_succeeds)
{
	void *buf = xbuf(2 * MiB);
	uint64_t iova = 0, n = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &iova, RW));
	expect_ok(libiommu_ioas_unmap(ioas, iova, 2 * MiB, &n));
	ck_assert_uint_eq(n, 2 * MiB);
	/* gone: unmapping again finds nothing */
	expect_err(libiommu_ioas_unmap(ioas, iova, 2 * MiB, &n), -ENOENT,
		   "nothing is mapped at");
}
END_TEST

START_TEST(unmap_superset_reports_bytes)
{
	void *buf = xbuf(4 * pgsz());
	uint64_t a = GiB, b = GiB + 8 * pgsz(), n = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &a, RW | FIXED));
	expect_ok(libiommu_ioas_map(ioas, buf, 2 * pgsz(), &b, RW | FIXED));
	expect_ok(libiommu_ioas_unmap(ioas, GiB, 16 * pgsz(), &n));
	ck_assert_uint_eq(n, 6 * pgsz());
}
END_TEST

START_TEST(unmap_nothing_mapped_is_enoent)
{
	uint64_t n = 1;

	expect_err(libiommu_ioas_unmap(ioas, GiB, pgsz(), &n), -ENOENT,
		   "nothing is mapped at [0x40000000");
	/* outputs other than handles are written only on success */
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(unmap_splitting_a_mapping_is_enoent)
{
	void *buf = xbuf(4 * pgsz());
	uint64_t iova = GiB, n = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, 4 * pgsz(), &iova, RW | FIXED));
	expect_err(libiommu_ioas_unmap(ioas, GiB, 2 * pgsz(), &n), -ENOENT,
		   "splits a mapping");
	expect_err(libiommu_ioas_unmap(ioas, GiB + pgsz(), 4 * pgsz(), &n),
		   -ENOENT, "splits a mapping");
	/* the mapping is intact */
	expect_ok(libiommu_ioas_unmap(ioas, GiB, 4 * pgsz(), &n));
	ck_assert_uint_eq(n, 4 * pgsz());
}
END_TEST

START_TEST(unmap_unaligned_or_empty_is_einval)
{
	expect_err(libiommu_ioas_unmap(ioas, GiB + 1, pgsz(), NULL), -EINVAL,
		   "IOVA 0x40000001 is not page aligned");
	expect_err(libiommu_ioas_unmap(ioas, GiB, pgsz() - 1, NULL), -EINVAL,
		   "not a multiple of the page size");
	expect_err(libiommu_ioas_unmap(ioas, GiB, 0, NULL), -EINVAL,
		   "length is 0");
	expect_err(libiommu_ioas_unmap(ioas, UINT64_MAX - pgsz() + 1,
				       2 * pgsz(), NULL),
		   -EINVAL, "overflows");
}
END_TEST

START_TEST(unmap_all_counts_every_mapped_byte)
{
	void *buf = xbuf(2 * MiB);
	int fd = new_memfd(MiB);
	struct libiommu_ioas *other = new_ioas(ctx);
	uint64_t a = 0, b = GiB, c = 0, d = 0, e = 0, n = 0;

	if (map_file_absent_says_so(fd))
		return;
	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &a, RW));
	expect_ok(libiommu_ioas_map(ioas, buf, 3 * pgsz(), &b, RW | FIXED));
	expect_ok(libiommu_ioas_map_file(ioas, fd, 0, MiB, &c, RW));
	/* a copy into this IOAS counts too */
	expect_ok(libiommu_ioas_map(other, buf, 5 * pgsz(), &d, RW));
	expect_ok(libiommu_ioas_copy(ioas, other, d, 5 * pgsz(), &e, RW));
	expect_ok(libiommu_ioas_unmap_all(ioas, &n));
	ck_assert_uint_eq(n, 2 * MiB + 3 * pgsz() + MiB + 5 * pgsz());
	/* nothing left, and unmap_all of nothing is not an error */
	expect_ok(libiommu_ioas_unmap_all(ioas, &n));
	ck_assert_uint_eq(n, 0);
	expect_ok(libiommu_ioas_unmap_all(ioas, NULL));
	/* the source IOAS kept its own mapping */
	expect_ok(libiommu_ioas_unmap_all(other, &n));
	ck_assert_uint_eq(n, 5 * pgsz());
	close(fd);
}
END_TEST

/* The same count with plain mappings only, on every backend. */
START_TEST(unmap_all_counts_plain_mappings)
{
	void *buf = xbuf(2 * MiB);
	uint64_t a = 0, b = GiB, n = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &a, RW));
	expect_ok(libiommu_ioas_map(ioas, buf, 3 * pgsz(), &b, RW | FIXED));
	expect_ok(libiommu_ioas_unmap_all(ioas, &n));
	ck_assert_uint_eq(n, 2 * MiB + 3 * pgsz());
	expect_ok(libiommu_ioas_unmap_all(ioas, &n));
	ck_assert_uint_eq(n, 0);
	/* the IOVAs are free again */
	expect_ok(libiommu_ioas_map(ioas, buf, 3 * pgsz(), &b, RW | FIXED));
}
END_TEST

/* map_file and copy are iommufd commands: the legacy backends say so. */
START_TEST(map_file_and_copy_name_the_backend)
{
	int fd = new_memfd(MiB);
	void *buf = xbuf(pgsz());
	uint64_t iova = 0, out = 0;
	char want[96];

	snprintf(want, sizeof(want), "not available on the %s backend",
		 libiommu_backend_name(libiommu_ctx_backend(ctx)));
	expect_err(libiommu_ioas_map_file(ioas, fd, 0, MiB, &iova, RW),
		   -EOPNOTSUPP, want);
	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW));
	expect_err(libiommu_ioas_copy(ioas, ioas, iova, pgsz(), &out, RW),
		   -EOPNOTSUPP, want);
	close(fd);
}
END_TEST

/* ---- copy ---- */

START_TEST(copy_between_ioas_succeeds)
{
	void *buf = xbuf(2 * MiB);
	struct libiommu_ioas *dst = new_ioas(ctx);
	uint64_t src = 0, any = 0, fixed = 3 * GiB, n = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, 2 * MiB, &src, RW));
	expect_ok(libiommu_ioas_copy(dst, ioas, src, 2 * MiB, &any,
				     LIBIOMMU_MAP_READ));
	ck_assert(in_ranges(dst, any, 2 * MiB));
	expect_ok(libiommu_ioas_copy(dst, ioas, src, 2 * MiB, &fixed,
				     LIBIOMMU_MAP_READ | FIXED));
	ck_assert_uint_eq(fixed, 3 * GiB);
	expect_ok(libiommu_ioas_unmap_all(dst, &n));
	ck_assert_uint_eq(n, 4 * MiB);
}
END_TEST

START_TEST(copy_within_one_ioas_succeeds)
{
	void *buf = xbuf(pgsz());
	uint64_t src = GiB, dst = 2 * GiB;

	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &src, RW | FIXED));
	expect_ok(libiommu_ioas_copy(ioas, ioas, src, pgsz(), &dst, RW | FIXED));
}
END_TEST

START_TEST(copy_from_unmapped_range_is_enoent)
{
	struct libiommu_ioas *dst = new_ioas(ctx);
	void *buf = xbuf(pgsz());
	uint64_t iova = GiB, out = 0;

	expect_err(libiommu_ioas_copy(dst, ioas, GiB, pgsz(), &out, RW),
		   -ENOENT, "is not fully mapped in source IOAS");
	/* partly mapped is not enough either */
	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | FIXED));
	expect_err(libiommu_ioas_copy(dst, ioas, GiB, 2 * pgsz(), &out, RW),
		   -ENOENT, "is not fully mapped in source IOAS");
}
END_TEST

START_TEST(copy_between_contexts_is_exdev)
{
	struct tu_log l2;
	struct libiommu_ctx *c2 = new_ctx(&l2);
	struct libiommu_ioas *foreign = NULL;
	void *buf = xbuf(pgsz());
	uint64_t src = 0, out = 0;

	ck_assert_int_eq(libiommu_ioas_alloc(c2, NULL, &foreign), 0);
	ck_assert_int_eq(libiommu_ioas_map(foreign, buf, pgsz(), &src, RW), 0);
	/* the destination's ctx gets the message */
	expect_err(libiommu_ioas_copy(ioas, foreign, src, pgsz(), &out, RW),
		   -EXDEV, "different contexts");
	libiommu_ctx_free(c2);
}
END_TEST

START_TEST(copy_fixed_overlap_is_eexist)
{
	void *buf = xbuf(2 * pgsz());
	uint64_t src = GiB, dst = GiB + pgsz();

	expect_ok(libiommu_ioas_map(ioas, buf, 2 * pgsz(), &src, RW | FIXED));
	expect_err(libiommu_ioas_copy(ioas, ioas, src, 2 * pgsz(), &dst,
				      RW | FIXED),
		   -EEXIST, "an existing mapping overlaps");
}
END_TEST

START_TEST(copy_writable_from_read_only_is_eperm)
{
	void *buf = xbuf(pgsz());
	uint64_t src = 0, dst = 0;

	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &src, LIBIOMMU_MAP_READ));
	expect_err(libiommu_ioas_copy(ioas, ioas, src, pgsz(), &dst, RW),
		   -EPERM, "source range was mapped without it");
	expect_ok(libiommu_ioas_copy(ioas, ioas, src, pgsz(), &dst,
				     LIBIOMMU_MAP_READ));
}
END_TEST

START_TEST(copy_bad_arguments_are_einval)
{
	struct libiommu_ioas *dst = new_ioas(ctx);
	uint64_t out = 0;

	expect_err(libiommu_ioas_copy(dst, NULL, GiB, pgsz(), &out, RW),
		   -EINVAL, "src is NULL");
	expect_err(libiommu_ioas_copy(dst, ioas, GiB, pgsz(), NULL, RW),
		   -EINVAL, "iova is NULL");
	expect_err(libiommu_ioas_copy(dst, ioas, GiB + 8, pgsz(), &out, RW),
		   -EINVAL, "source IOVA 0x40000008 is not page aligned");
	expect_err(libiommu_ioas_copy(dst, ioas, GiB, 0, &out, RW), -EINVAL,
		   "length is 0");
	expect_err(libiommu_ioas_copy(dst, ioas, GiB, pgsz(), &out, FIXED),
		   -EINVAL, "LIBIOMMU_MAP_READ");
}
END_TEST

#define MAP_FILE_WHY "IOMMU_IOAS_MAP_FILE is iommufd's (VFIO_IOMMU_MAP_DMA takes process memory)"
#define COPY_WHY "a VFIO container has one address space: nothing to copy between"

int main(void)
{
	Suite *s;
	TCase *tc;

	tu_require_iommufd();
	tu_require_backend_device();
	s = suite_create("ioas-map");

	tc = tu_tcase(s, "map");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tcase_add_test(tc, map_kernel_iova_succeeds);
	tcase_add_test(tc, map_fixed_iova_succeeds);
	tcase_add_test(tc, map_write_only_succeeds);
	tcase_add_test(tc, map_fixed_overlap_is_eexist);
	tcase_add_test(tc, map_unaligned_fixed_iova_is_einval);
	tcase_add_test(tc, map_unaligned_length_is_einval);
	tcase_add_test(tc, map_unaligned_vaddr_is_einval);
	tcase_add_test(tc, map_zero_length_is_einval);
	tcase_add_test(tc, map_without_read_or_write_is_einval);
	tcase_add_test(tc, map_unknown_flag_is_einval);
	tcase_add_test(tc, map_iova_overflow_is_einval);
	tcase_add_test(tc, map_null_pointers_are_einval);

	tc = tu_tcase(s, "map-file");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tu_add_iommufd_test(tc, map_file_memfd_succeeds, MAP_FILE_WHY);
	tu_add_iommufd_test(tc, map_file_short_memfd_is_einval, MAP_FILE_WHY);
	tu_add_iommufd_test(tc, map_file_bad_fd_is_ebadf, MAP_FILE_WHY);
	tu_add_iommufd_test(tc, map_file_unaligned_offset_is_einval, MAP_FILE_WHY);
	tu_add_iommufd_test(tc, map_file_overlap_is_eexist, MAP_FILE_WHY);
	tu_add_iommufd_test(tc, map_file_of_what_is_not_a_memfd_names_the_file, MAP_FILE_WHY);
	tu_add_iommufd_test(tc, map_file_write_needs_a_writable_unsealed_file, MAP_FILE_WHY);

	tc = tu_tcase(s, "unmap");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tcase_add_test(tc, unmap_exact_mapping_succeeds);
	tcase_add_test(tc, unmap_superset_reports_bytes);
	tcase_add_test(tc, unmap_nothing_mapped_is_enoent);
	tcase_add_test(tc, unmap_splitting_a_mapping_is_enoent);
	tcase_add_test(tc, unmap_unaligned_or_empty_is_einval);
	tu_add_iommufd_test(tc, unmap_all_counts_every_mapped_byte,
			    "it maps through map_file and copy");
	tcase_add_test(tc, unmap_all_counts_plain_mappings);

	tc = tu_tcase(s, "legacy");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tu_add_legacy_test(tc, map_file_and_copy_name_the_backend);

	tc = tu_tcase(s, "copy");
	tcase_add_checked_fixture(tc, ioas_setup, ioas_teardown);
	tu_add_iommufd_test(tc, copy_between_ioas_succeeds, COPY_WHY);
	tu_add_iommufd_test(tc, copy_within_one_ioas_succeeds, COPY_WHY);
	tu_add_iommufd_test(tc, copy_from_unmapped_range_is_enoent, COPY_WHY);
	tu_add_iommufd_test(tc, copy_between_contexts_is_exdev, COPY_WHY);
	tu_add_iommufd_test(tc, copy_fixed_overlap_is_eexist, COPY_WHY);
	tu_add_iommufd_test(tc, copy_writable_from_read_only_is_eperm, COPY_WHY);
	tu_add_iommufd_test(tc, copy_bad_arguments_are_einval, COPY_WHY);
	return tu_run(s);
}
