/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Contexts on a real iommufd (VM tier: skips on a host without /dev/iommu).
 * Runs as root in the guest; permission cases drop privileges in a child.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "testutil.h"
#include "uapi/iommufd.h"

static struct libiommu_ctx *new_ctx(void)
{
	struct libiommu_ctx *ctx = NULL;
	int rc = libiommu_ctx_new(NULL, &ctx);

	ck_assert_msg(rc == 0, "libiommu_ctx_new: %s", strerror(-rc));
	ck_assert_ptr_nonnull(ctx);
	return ctx;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	ck_assert_int_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &ma, &mi);
	return ma > major || (ma == major && mi >= minor);
}

START_TEST(ctx_new_opens_dev_iommu)
{
	struct libiommu_ctx *ctx = new_ctx();

	ck_assert_int_ge(libiommu_ctx_fd(ctx), 0);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(ctx_fd_is_rdwr_and_cloexec)
{
	struct libiommu_ctx *ctx = new_ctx();
	int fd = libiommu_ctx_fd(ctx);

	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(ctx_free_closes_the_fd_it_opened)
{
	int before = tu_count_fds();
	struct libiommu_ctx *ctx = new_ctx();
	int fd = libiommu_ctx_fd(ctx);

	ck_assert_int_eq(tu_count_fds(), before + 1);
	libiommu_ctx_free(ctx);
	ck_assert_int_eq(tu_count_fds(), before);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

START_TEST(ioas_and_options_are_present)
{
	struct libiommu_ctx *ctx = new_ctx();

	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 1);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx,
						  LIBIOMMU_FEAT_OPTION_RLIMIT_MODE),
			 1);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx,
						  LIBIOMMU_FEAT_OPTION_HUGE_PAGES),
			 1);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx,
						  LIBIOMMU_FEAT_VFIO_COMPAT),
			 1);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(hwpt_alloc_and_get_hw_info_present_since_6_6)
{
	struct libiommu_ctx *ctx = new_ctx();
	int want = kernel_at_least(6, 6);

	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_HWPT_ALLOC),
			 want);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx,
						  LIBIOMMU_FEAT_GET_HW_INFO),
			 want);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(ioas_map_file_present_since_6_13)
{
	struct libiommu_ctx *ctx = new_ctx();

	ck_assert_int_eq(libiommu_ctx_has_feature(ctx,
						  LIBIOMMU_FEAT_IOAS_MAP_FILE),
			 kernel_at_least(6, 13));
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(every_feature_answers_0_or_1)
{
	struct libiommu_ctx *ctx = new_ctx();
	int f, rc;

	for (f = 0; f < LIBIOMMU_FEAT__COUNT; f++) {
		rc = libiommu_ctx_has_feature(ctx, f);
		ck_assert_msg(rc == 0 || rc == 1, "feature %s: %d",
			      libiommu_feature_name(f), rc);
		printf("feature %-20s %s\n", libiommu_feature_name(f),
		       rc ? "yes" : "no");
	}
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(unknown_feature_is_einval)
{
	struct libiommu_ctx *ctx = new_ctx();

	tu_assert_err(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT__COUNT),
		      -EINVAL);
	tu_assert_err(libiommu_ctx_has_feature(ctx, (enum libiommu_feature) - 1),
		      -EINVAL);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(from_fd_borrow_leaves_fd_open)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	struct libiommu_ctx *ctx;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_BORROW, NULL,
						  &ctx),
			 0);
	ck_assert_int_eq(libiommu_ctx_fd(ctx), fd);
	libiommu_ctx_free(ctx);
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	close(fd);
}
END_TEST

START_TEST(from_fd_own_closes_fd_at_free)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	struct libiommu_ctx *ctx;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_OWN, NULL,
						  &ctx),
			 0);
	ck_assert_int_eq(libiommu_ctx_fd(ctx), fd);
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	libiommu_ctx_free(ctx);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(from_fd_probes_features)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	struct libiommu_ctx *ctx;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_OWN, NULL,
						  &ctx),
			 0);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 1);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(vfio_container_is_not_an_iommufd)
{
	/*
	 * A VFIO type1 container answers some ';' ioctls too (-EINVAL to
	 * IOMMU_DESTROY's short struct); the library must still refuse it.
	 * The VM kernel has CONFIG_VFIO_CONTAINER=y, so /dev/vfio/vfio is a
	 * real container, not iommufd's compat one.
	 */
	struct libiommu_ctx_opts opts = { .sz = sizeof(opts),
					  .path = "/dev/vfio/vfio",
					  .backend = LIBIOMMU_BACKEND_IOMMUFD };
	struct libiommu_ctx *ctx;

	if (access("/dev/vfio/vfio", F_OK)) {
		printf("no /dev/vfio/vfio (kernel without CONFIG_VFIO_CONTAINER): nothing to check\n");
		return;
	}
	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOTTY);
}
END_TEST

/*
 * LIBIOMMU_BACKEND_AUTO takes a node for what it is: a VFIO container is
 * the type1 backend, /dev/iommu iommufd; without a path iommufd is chosen
 * here (the VM has device cdevs).
 */
START_TEST(auto_backend_follows_the_node)
{
	struct libiommu_ctx_opts opts = { .sz = sizeof(opts),
					  .path = "/dev/vfio/vfio" };
	struct libiommu_ctx *ctx = NULL;

	if (access("/dev/vfio/vfio", F_OK) == 0) {
		ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), 0);
		ck_assert_int_eq(libiommu_ctx_backend(ctx), LIBIOMMU_BACKEND_TYPE1);
		ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 0);
		libiommu_ctx_free(ctx);
	}
	opts.path = "/dev/iommu";
	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(libiommu_ctx_backend(ctx), LIBIOMMU_BACKEND_IOMMUFD);
	libiommu_ctx_free(ctx);
	opts.path = NULL;
	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(libiommu_ctx_backend(ctx),
			 access("/dev/vfio/devices", F_OK) == 0 ? LIBIOMMU_BACKEND_IOMMUFD : LIBIOMMU_BACKEND_TYPE1);
	libiommu_ctx_free(ctx);
	/* compat: /dev/iommu answering the type1 ioctls */
	opts.backend = LIBIOMMU_BACKEND_IOMMUFD_COMPAT;
	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(libiommu_ctx_backend(ctx), LIBIOMMU_BACKEND_IOMMUFD_COMPAT);
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VFIO_COMPAT), 1);
	ck_assert_str_eq(libiommu_backend_name(libiommu_ctx_backend(ctx)),
			 "iommufd-compat");
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(memlock_mode_defaults_to_user)
{
	struct libiommu_ctx *ctx = new_ctx();
	enum libiommu_memlock_mode mode = LIBIOMMU_MEMLOCK_MM;

	ck_assert_int_eq(libiommu_ctx_get_memlock_mode(ctx, &mode), 0);
	ck_assert_int_eq(mode, LIBIOMMU_MEMLOCK_USER);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(memlock_mode_set_get_round_trip)
{
	struct libiommu_ctx *ctx = new_ctx();
	enum libiommu_memlock_mode mode;

	ck_assert_msg(geteuid() == 0, "this test needs root (CAP_SYS_RESOURCE)");
	ck_assert_int_eq(libiommu_ctx_set_memlock_mode(ctx, LIBIOMMU_MEMLOCK_MM), 0);
	ck_assert_int_eq(libiommu_ctx_get_memlock_mode(ctx, &mode), 0);
	ck_assert_int_eq(mode, LIBIOMMU_MEMLOCK_MM);
	ck_assert_int_eq(libiommu_ctx_set_memlock_mode(ctx, LIBIOMMU_MEMLOCK_USER), 0);
	ck_assert_int_eq(libiommu_ctx_get_memlock_mode(ctx, &mode), 0);
	ck_assert_int_eq(mode, LIBIOMMU_MEMLOCK_USER);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(memlock_mode_unknown_is_einval)
{
	struct tu_log log;
	struct libiommu_ctx *ctx = new_ctx();

	memset(&log, 0, sizeof(log));
	libiommu_ctx_set_log(ctx, tu_log_capture, &log, 0);
	tu_assert_err(libiommu_ctx_set_memlock_mode(ctx,
						    (enum libiommu_memlock_mode)2),
		      -EINVAL);
	tu_assert_logged(&log, "LIBIOMMU_MEMLOCK_MM");
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(memlock_mode_get_null_is_einval)
{
	struct libiommu_ctx *ctx = new_ctx();

	tu_assert_err(libiommu_ctx_get_memlock_mode(ctx, NULL), -EINVAL);
	libiommu_ctx_free(ctx);
}
END_TEST

static struct libiommu_ctx *eperm_ctx;
static struct tu_log eperm_log;

/*
 * In the child: a context of its own on the iommufd its parent opened as
 * root (the parent's context is not the child's to use: it would fail
 * with ECHILD).
 */
static int try_set_memlock(void *arg)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.log_fn = tu_log_capture,
		.log_userdata = &eperm_log,
	};
	struct libiommu_ctx *c = NULL;
	int rc;

	(void)arg;
	rc = libiommu_ctx_new_from_fd(libiommu_ctx_fd(eperm_ctx),
				      LIBIOMMU_FD_BORROW, &opts, &c);
	if (rc) {
		fprintf(stderr, "ctx_new_from_fd as uid %d: %d\n", getuid(), rc);
		return 4;
	}
	errno = 0;
	rc = libiommu_ctx_set_memlock_mode(c, LIBIOMMU_MEMLOCK_MM);
	libiommu_ctx_free(c);
	if (rc != -EPERM) {
		fprintf(stderr, "set_memlock_mode as uid %d: %d\n", getuid(), rc);
		return 1;
	}
	if (errno != EPERM)
		return 2;
	if (!strstr(eperm_log.msg, "CAP_SYS_RESOURCE"))
		return 3;
	return 0;
}

START_TEST(memlock_mode_set_unprivileged_is_eperm)
{
	/* Opened as root; the child drops every capability, then asks. */
	eperm_ctx = new_ctx();
	memset(&eperm_log, 0, sizeof(eperm_log));
	ck_assert_int_eq(tu_run_unprivileged(try_set_memlock, NULL), 0);
	libiommu_ctx_free(eperm_ctx);
}
END_TEST

START_TEST(memlock_mode_set_after_an_object_exists_is_ebusy)
{
	struct tu_log log;
	struct libiommu_ctx *ctx = new_ctx();
	struct lx_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	memset(&log, 0, sizeof(log));
	libiommu_ctx_set_log(ctx, tu_log_capture, &log, 0);
	ck_assert_int_eq(ioctl(libiommu_ctx_fd(ctx), LX_IOMMU_IOAS_ALLOC, &alloc), 0);
	tu_assert_err(libiommu_ctx_set_memlock_mode(ctx, LIBIOMMU_MEMLOCK_MM),
		      -EBUSY);
	tu_assert_logged(&log, "before any object");
	libiommu_ctx_free(ctx);
}
END_TEST

/*
 * Creating a context probes nothing; a feature is probed when it is first
 * asked, logged at debug level, and the answer is cached (asked once).
 */
START_TEST(debug_level_logs_the_probe_when_asked)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *ctx;
	int count;

	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), 0);
	ck_assert_msg(strstr(log.all, "feature ") == NULL,
		      "creating the context probed features:\n%s", log.all);
	if (!tu_backend_is_iommufd()) {
		libiommu_ctx_free(ctx);
		return; /* the legacy backends probe nothing */
	}
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 1);
	tu_assert_logged(&log, "feature ioas: present");
	ck_assert_int_eq(log.max_seen, LIBIOMMU_LOG_DEBUG);
	count = log.count;
	ck_assert_int_eq(libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS), 1);
	ck_assert_int_eq(log.count, count); /* cached: not probed again */
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(default_level_is_quiet_on_success)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, NULL);
	struct libiommu_ctx *ctx;

	ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), 0);
	ck_assert_int_eq(log.count, 0);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(set_log_replaces_and_removes_the_callback)
{
	struct tu_log log;
	struct libiommu_ctx *ctx = new_ctx();
	enum libiommu_memlock_mode bad = (enum libiommu_memlock_mode)7;

	memset(&log, 0, sizeof(log));
	libiommu_ctx_set_log(ctx, tu_log_capture, &log, LIBIOMMU_LOG_ERR);
	ck_assert_int_eq(libiommu_ctx_set_memlock_mode(ctx, bad), -EINVAL);
	ck_assert_int_eq(log.count, 1);
	libiommu_ctx_set_log(ctx, NULL, NULL, 0);
	ck_assert_int_eq(libiommu_ctx_set_memlock_mode(ctx, bad), -EINVAL);
	ck_assert_int_eq(log.count, 1);
	libiommu_ctx_free(ctx);
}
END_TEST

START_TEST(dev_iommu_is_silent_without_callback)
{
	char buf[256];
	struct libiommu_ctx *ctx;

	tu_stderr_begin();
	ctx = new_ctx();
	libiommu_ctx_set_memlock_mode(ctx, (enum libiommu_memlock_mode)7);
	libiommu_ctx_free(ctx);
	ck_assert_uint_eq(tu_stderr_end(buf, sizeof(buf)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-kernel");
	TCase *tc;

	tu_require_iommufd();

	tc = tu_tcase(s, "ctx");
	tcase_add_test(tc, ctx_new_opens_dev_iommu);
	tcase_add_test(tc, ctx_fd_is_rdwr_and_cloexec);
	tcase_add_test(tc, ctx_free_closes_the_fd_it_opened);
	tcase_add_test(tc, from_fd_borrow_leaves_fd_open);
	tcase_add_test(tc, from_fd_own_closes_fd_at_free);
	tcase_add_test(tc, from_fd_probes_features);
	tcase_add_test(tc, vfio_container_is_not_an_iommufd);
	tcase_add_test(tc, auto_backend_follows_the_node);

	tc = tu_tcase(s, "features");
	tcase_add_test(tc, ioas_and_options_are_present);
	tcase_add_test(tc, hwpt_alloc_and_get_hw_info_present_since_6_6);
	tcase_add_test(tc, ioas_map_file_present_since_6_13);
	tcase_add_test(tc, every_feature_answers_0_or_1);
	tcase_add_test(tc, unknown_feature_is_einval);

	tc = tu_tcase(s, "memlock");
	tcase_add_test(tc, memlock_mode_defaults_to_user);
	tcase_add_test(tc, memlock_mode_set_get_round_trip);
	tcase_add_test(tc, memlock_mode_unknown_is_einval);
	tcase_add_test(tc, memlock_mode_get_null_is_einval);
	tcase_add_test(tc, memlock_mode_set_unprivileged_is_eperm);
	tcase_add_test(tc, memlock_mode_set_after_an_object_exists_is_ebusy);

	tc = tu_tcase(s, "log");
	tcase_add_test(tc, debug_level_logs_the_probe_when_asked);
	tcase_add_test(tc, default_level_is_quiet_on_success);
	tcase_add_test(tc, set_log_replaces_and_removes_the_callback);
	tcase_add_test(tc, dev_iommu_is_silent_without_callback);
	return tu_run(s);
}
