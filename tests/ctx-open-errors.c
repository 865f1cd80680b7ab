/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Failing to create a context (host tier): each error is the documented
 * errno, errno matches, the message tells the user what to do, and no fd
 * or handle is left behind.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define MISSING "/nonexistent/libiommu-test/iommu"

START_TEST(missing_node_is_enoent_naming_config_iommufd)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, MISSING);
	struct libiommu_ctx *ctx = (void *)1;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	ck_assert_ptr_null(ctx);
	tu_assert_logged(&log, MISSING);
	tu_assert_logged(&log, "CONFIG_IOMMUFD");
	tu_assert_logged(&log, "modprobe iommufd");
}
END_TEST

START_TEST(dev_null_is_enotty)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, "/dev/null");
	struct libiommu_ctx *ctx = (void *)1;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -ENOTTY);
	ck_assert_ptr_null(ctx);
	tu_assert_logged(&log, "/dev/null is not an iommufd");
	tu_assert_logged(&log, "/dev/iommu");
}
END_TEST

START_TEST(regular_file_is_enotty)
{
	char path[] = "/tmp/libiommu-test-XXXXXX";
	struct tu_log log;
	struct libiommu_ctx_opts opts;
	struct libiommu_ctx *ctx;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	opts = tu_ctx_opts(&log, 0, path);
	errno = 0;
	int rc = libiommu_ctx_new(&opts, &ctx);
	int err = errno;

	unlink(path);
	ck_assert_int_eq(rc, -ENOTTY);
	ck_assert_int_eq(err, ENOTTY);
}
END_TEST

START_TEST(directory_is_an_error_naming_it)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, "/");
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new(&opts, &ctx), -EISDIR);
	tu_assert_logged(&log, "/ is a directory");
}
END_TEST

/* EACCES, as an unprivileged user (a child drops to uid 65534 if root). */
struct eacces_case {
	const char *path;
};

enum { EACCES_OK = 0,
       EACCES_WRONG_RC,
       EACCES_WRONG_ERRNO,
       EACCES_NO_PATH,
       EACCES_NO_ADVICE };

static int try_eacces(void *arg)
{
	const struct eacces_case *c = arg;
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, c->path);
	struct libiommu_ctx *ctx;
	int rc;

	errno = 0;
	rc = libiommu_ctx_new(&opts, &ctx);
	if (rc != -EACCES) {
		fprintf(stderr, "rc %d: %s\n", rc, log.all);
		return EACCES_WRONG_RC;
	}
	if (errno != EACCES)
		return EACCES_WRONG_ERRNO;
	if (!strstr(log.msg, c->path))
		return EACCES_NO_PATH;
	if (!strstr(log.msg, "read+write permission"))
		return EACCES_NO_ADVICE;
	return EACCES_OK;
}

START_TEST(no_permission_is_eacces_naming_path_and_fix)
{
	char dir[] = "/tmp/libiommu-test-XXXXXX";
	char path[sizeof(dir) + 16];
	struct eacces_case c = { .path = path };
	int fd, rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/iommu", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0000);
	ck_assert_int_ge(fd, 0);
	close(fd);

	rc = tu_run_unprivileged(try_eacces, &c);
	unlink(path);
	rmdir(dir);
	ck_assert_msg(rc == EACCES_OK,
		      "unprivileged open of a mode-0000 node: check %d failed", rc);
}
END_TEST

START_TEST(from_fd_closed_fd_is_ebadf)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, NULL);
	struct libiommu_ctx *ctx = (void *)1;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	close(fd);
	tu_assert_err(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_OWN, &opts,
					       &ctx),
		      -EBADF);
	ck_assert_ptr_null(ctx);
	tu_assert_logged(&log, "not an open file descriptor");
}
END_TEST

START_TEST(from_fd_negative_fd_is_ebadf)
{
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new_from_fd(-1, LIBIOMMU_FD_BORROW, NULL,
					       &ctx),
		      -EBADF);
}
END_TEST

START_TEST(from_fd_not_iommufd_is_enotty_and_owned_fd_stays_open)
{
	struct tu_log log;
	struct libiommu_ctx_opts opts = tu_ctx_opts(&log, 0, NULL);
	struct libiommu_ctx *ctx = (void *)1;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	tu_assert_err(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_OWN, &opts,
					       &ctx),
		      -ENOTTY);
	ck_assert_ptr_null(ctx);
	tu_assert_logged(&log, "not an iommufd");
	/* On failure an owned fd is not closed: it is still the caller's. */
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	close(fd);
}
END_TEST

START_TEST(from_fd_unknown_mode_is_einval)
{
	struct libiommu_ctx *ctx;

	tu_assert_err(libiommu_ctx_new_from_fd(STDIN_FILENO,
					       (enum libiommu_fd_mode)2, NULL,
					       &ctx),
		      -EINVAL);
}
END_TEST

START_TEST(failures_leak_no_fd)
{
	struct libiommu_ctx_opts opts = { .sz = sizeof(opts) };
	struct libiommu_ctx *ctx;
	int before = tu_count_fds();
	int i;

	for (i = 0; i < 50; i++) {
		opts.path = "/dev/null";
		ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOTTY);
		opts.path = MISSING;
		ck_assert_int_eq(libiommu_ctx_new(&opts, &ctx), -ENOENT);
	}
	ck_assert_int_eq(tu_count_fds(), before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-open-errors");
	TCase *tc = tu_tcase(s, "open");

	tcase_add_test(tc, missing_node_is_enoent_naming_config_iommufd);
	tcase_add_test(tc, dev_null_is_enotty);
	tcase_add_test(tc, regular_file_is_enotty);
	tcase_add_test(tc, directory_is_an_error_naming_it);
	tcase_add_test(tc, no_permission_is_eacces_naming_path_and_fix);
	tc = tu_tcase(s, "from_fd");
	tcase_add_test(tc, from_fd_closed_fd_is_ebadf);
	tcase_add_test(tc, from_fd_negative_fd_is_ebadf);
	tcase_add_test(tc, from_fd_not_iommufd_is_enotty_and_owned_fd_stays_open);
	tcase_add_test(tc, from_fd_unknown_mode_is_einval);
	tcase_add_test(tc, failures_leak_no_fd);
	return tu_run(s);
}
