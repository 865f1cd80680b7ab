// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the functions issue is what libiommu_ioctls() lists (host tier):
 * each public function of the context and IOAS path runs against a fake
 * iommufd (tests/ioctlrec.c answers the ioctls on a regular file as one),
 * every ioctl it issues is recorded and must be on its list for the
 * iommufd backend.  A function that starts issuing another ioctl fails
 * here until its row is added to lib/ioctls.c.  The same fake shows that
 * a call issues its own command and reads the kernel's answer to it: a
 * missing command is EOPNOTSUPP naming it, a refused one is "refused",
 * and a refused feature probe is not cached.
 *
 * The device, HWPT, coherency and KVM paths need the kernel:
 * tests/ioctls-kernel.c (VM tier).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioctlrec.h"
#include "uapi/iommufd.h"

#define IFD LIBIOMMU_BACKEND_IOMMUFD
#define LEN (64 * 1024)

static char path[64];
static struct tu_log lg;

static void setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/libiommu-fake-iommufd-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	tu_fake_iommufd(path);
	memset(&lg, 0, sizeof(lg));
}

static void teardown(void)
{
	unlink(path);
}

static struct libiommu_ctx *fake_ctx(void)
{
	struct libiommu_ctx_opts o = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, path);
	struct libiommu_ctx *ctx = NULL;
	int rc;

	o.backend = IFD;
	TU_REC(rc, IFD, libiommu_ctx_new, &o, &ctx);
	ck_assert_msg(rc == 0, "libiommu_ctx_new on the fake: %d; log:\n%s", rc,
		      lg.all);
	return ctx;
}

static void *buf(void)
{
	void *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(p != MAP_FAILED);
	return p;
}

START_TEST(the_context_and_ioas_calls_issue_only_what_they_list)
{
	struct libiommu_ioas_opts nohuge = LIBIOMMU_OPTS(libiommu_ioas_opts,
							 .flags = LIBIOMMU_IOAS_NO_HUGE_PAGES);
	struct libiommu_iova_range r[4] = { { 1ull << 20, (1ull << 40) - 1 } };
	enum libiommu_memlock_mode mode;
	struct libiommu_ioas *a, *b, *c;
	struct libiommu_ctx *ctx = fake_ctx();
	uint64_t iova = 0, fixed = 1ull << 36, n;
	size_t nr = 4;
	bool huge;
	void *p = buf();
	int rc, mfd, f;

	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, NULL, &a);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, &nohuge, &b);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_map, a, p, LEN, &iova, LIBIOMMU_MAP_READ);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_map, a, p, LEN, &fixed,
	       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
	ck_assert_int_eq(rc, 0);
	mfd = memfd_create("ioctls-fake", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(mfd, LEN), 0);
	TU_REC(rc, IFD, libiommu_ioas_map_file, a, mfd, 0, LEN, &iova,
	       LIBIOMMU_MAP_READ);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_copy, b, a, fixed, LEN, &iova,
	       LIBIOMMU_MAP_READ);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_get_ranges, a, r, &nr, NULL);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_allow_iovas, a, r, 1);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_set_huge_pages, a, false);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_get_huge_pages, a, &huge);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ctx_get_memlock_mode, ctx, &mode);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ctx_set_memlock_mode, ctx, LIBIOMMU_MEMLOCK_MM);
	ck_assert_int_eq(rc, 0);
	for (f = 0; f < LIBIOMMU_FEAT__COUNT; f++) {
		TU_REC(rc, IFD, libiommu_ctx_has_feature, ctx, f);
		ck_assert_msg(rc == 0 || rc == 1, "feature %d: %d", f, rc);
	}
	TU_REC(rc, IFD, libiommu_ioas_unmap, a, fixed, LEN, &n);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_unmap_all, a, &n);
	ck_assert_int_eq(rc, 0);
	/* the option refused: the new IOAS is destroyed again */
	tu_fake_fail(LX_IOMMU_OPTION, EINVAL, 1);
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, &nohuge, &c);
	ck_assert_int_eq(rc, -EINVAL);
	TU_REC(rc, IFD, libiommu_ioas_destroy, b);
	ck_assert_int_eq(rc, 0);
	/* one IOAS left for the context's free */
	tu_rec_begin("libiommu_ctx_free", IFD);
	libiommu_ctx_free(ctx);
	TU_REC_CHECK();
	close(mfd);
	tu_rec_report();
}
END_TEST

/* On a borrowed fd, freeing the context destroys what it made: listed too. */
START_TEST(a_borrowed_context_issues_only_what_it_lists)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), rc;
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_ioas *a;

	ck_assert_int_ge(fd, 0);
	TU_REC(rc, IFD, libiommu_ctx_new_from_fd, fd, LIBIOMMU_FD_BORROW, NULL,
	       &ctx);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, IFD, libiommu_ioas_alloc, ctx, NULL, &a);
	ck_assert_int_eq(rc, 0);
	tu_rec_begin("libiommu_ctx_free", IFD);
	libiommu_ctx_free(ctx);
	TU_REC_CHECK();
	close(fd);
	tu_rec_report();
}
END_TEST

/* The check itself: an ioctl that is not on the list is caught. */
START_TEST(an_ioctl_missing_from_the_list_is_caught)
{
	struct libiommu_ctx *ctx = fake_ctx();
	struct libiommu_ioas *a;
	uint64_t iova = 0;
	void *p = buf();
	int unlisted;

	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &a), 0);
	/* a map, held to the list of a function that issues only ranges */
	tu_rec_begin("libiommu_ioas_get_ranges", IFD);
	ck_assert_int_eq(libiommu_ioas_map(a, p, LEN, &iova, LIBIOMMU_MAP_READ), 0);
	unlisted = tu_rec_end(NULL);
	ck_assert_int_eq(unlisted, 1);
	libiommu_ctx_free(ctx);
}
END_TEST

/* Creating a context probes nothing; only the node check reaches the fake. */
START_TEST(creating_a_context_probes_nothing)
{
	struct libiommu_ctx *ctx;
	int before = tu_fake_count(), issued;

	ctx = fake_ctx();
	/* a regular file: sysfs cannot name it, so two IOMMU_DESTROY ask it */
	ck_assert_int_eq(tu_fake_count() - before, 2);
	tu_rec_begin("libiommu_ioas_alloc", IFD);
	libiommu_ioas_alloc(ctx, NULL, &(struct libiommu_ioas *){ NULL });
	ck_assert_int_eq(tu_rec_end(&issued), 0);
	ck_assert_int_eq(issued, 1); /* IOMMU_IOAS_ALLOC, no probe first */
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(a_missing_command_is_eopnotsupp_naming_it)
{
	struct libiommu_ctx *ctx = fake_ctx();
	struct libiommu_ioas *a;

	tu_fake_fail(LX_IOMMU_IOAS_ALLOC, ENOTTY, 1);
	tu_assert_err(libiommu_ioas_alloc(ctx, NULL, &a), -EOPNOTSUPP);
	tu_assert_logged(&lg, "IOMMU_IOAS_ALLOC");
	tu_assert_logged(&lg, "has no IOAS commands");
	ck_assert_ptr_null(strstr(lg.all, "refused"));
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(a_refused_command_is_reported_as_refused)
{
	struct libiommu_ctx *ctx = fake_ctx();
	struct libiommu_ioas *a;

	tu_fake_fail(LX_IOMMU_IOAS_ALLOC, EPERM, 1);
	tu_assert_err(libiommu_ioas_alloc(ctx, NULL, &a), -EPERM);
	tu_assert_logged(&lg, "IOMMU_IOAS_ALLOC was refused");
	ck_assert_ptr_null(strstr(lg.all, "newer kernel"));
	tu_fake_fail(LX_IOMMU_IOAS_ALLOC, EACCES, 1);
	tu_assert_err(libiommu_ioas_alloc(ctx, NULL, &a), -EACCES);
	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &a), 0);
	libiommu_ctx_free(ctx);
}
END_TEST

/* A refused probe is an error, not "absent", and is asked again. */
START_TEST(a_refused_probe_is_not_cached)
{
	struct libiommu_ctx *ctx = fake_ctx();
	int issued;

	tu_fake_fail(LX_IOMMU_IOAS_ALLOC, EPERM, 1);
	tu_assert_err(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), -EPERM);
	tu_assert_logged(&lg, "\"ioas\"");
	tu_assert_logged(&lg, "refused");
	ck_assert_ptr_null(strstr(lg.all, "feature ioas: absent"));
	/* allowed now: probed again (all six commands), present */
	tu_rec_begin("libiommu_ctx_has_feature", IFD);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 1);
	ck_assert_int_eq(tu_rec_end(&issued), 0);
	ck_assert_int_eq(issued, 6);
	/* now cached: no ioctl, and a refusal would not be seen */
	tu_fake_fail(LX_IOMMU_IOAS_ALLOC, EPERM, 1);
	tu_rec_begin("libiommu_ctx_has_feature", IFD);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 1);
	ck_assert_int_eq(tu_rec_end(&issued), 0);
	ck_assert_int_eq(issued, 0);
	libiommu_ctx_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioctls-fake");
	TCase *tc;

	tc = tu_tcase(s, "fake");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_context_and_ioas_calls_issue_only_what_they_list);
	tcase_add_test(tc, a_borrowed_context_issues_only_what_it_lists);
	tcase_add_test(tc, an_ioctl_missing_from_the_list_is_caught);
	tcase_add_test(tc, creating_a_context_probes_nothing);
	tcase_add_test(tc, a_missing_command_is_eopnotsupp_naming_it);
	tcase_add_test(tc, a_refused_command_is_reported_as_refused);
	tcase_add_test(tc, a_refused_probe_is_not_cached);
	return tu_run(s);
}
