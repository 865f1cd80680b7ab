/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by libiommu's Check test programs.
 *
 * A test program builds a Suite with tu_tcase() (which sets the per-test
 * timeout) and returns tu_run(suite) from main().  Check runs every test in
 * its own forked process, so a test may change its process (drop
 * privileges, redirect stderr) without affecting the others.
 */
#ifndef LIBIOMMU_TESTUTIL_H
#define LIBIOMMU_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "libiommu/libiommu.h"

/* Per-test timeout in seconds (scaled by CK_TIMEOUT_MULTIPLIER). */
#define TU_TIMEOUT 30

/* Exit status meaning "skipped" to automake's test driver. */
#define TU_EXIT_SKIP 77

/*
 * Exit 77 with a reason unless the node the test backend needs exists
 * (/dev/iommu; /dev/vfio/vfio for type1): tests of the kernel tier call
 * this first in main(); on the host they skip, in the VM they run.
 */
struct tu_log;
void tu_require_iommufd(void);

/*
 * The backend the kernel-tier tests run against, from the environment:
 * LIBIOMMU_TEST_BACKEND=iommufd (the default when unset), type1 or compat
 * (LIBIOMMU_BACKEND_IOMMUFD_COMPAT).  Another value makes the program fail
 * (exit 2) rather than silently test the default.  tu_ctx_opts() puts it
 * into the context options, so every test program runs on any backend.
 */
enum libiommu_backend tu_backend(void);
/* Its short name as given in the environment ("iommufd", "type1", "compat"). */
const char *tu_backend_label(void);
static inline bool tu_backend_is_iommufd(void)
{
	return tu_backend() == LIBIOMMU_BACKEND_IOMMUFD;
}

/*
 * Say why @test does not run on this backend: one "SKIP: <test> on the
 * <backend> backend: <why>" line on stdout.
 */
void tu_skip_test(const char *test, const char *why);

/* Add @tf to @tc on the iommufd backend only; on the others say why not. */
#define tu_add_iommufd_test(tc, tf, why) \
	do { \
		if (tu_backend_is_iommufd()) \
			tcase_add_test(tc, tf); \
		else \
			tu_skip_test(#tf, why); \
	} while (0)

/* Add @tf to @tc on the legacy (type1, compat) backends only. */
#define tu_add_legacy_test(tc, tf) \
	do { \
		if (!tu_backend_is_iommufd()) \
			tcase_add_test(tc, tf); \
		else \
			tu_skip_test(#tf, "tests the legacy VFIO backends only"); \
	} while (0)

/*
 * Whether the long module-lifecycle loops (x100 unload/reload) run: yes,
 * unless LIBIOMMU_TEST_LIFECYCLE=0.  The VM tier sets that in one of its two
 * boots, since the loops do not depend on the boot's snoop mode and the
 * other boot runs them.  When they do not run, a "note:" line on stdout
 * names @test and says why.  Any value other than 0 or 1 makes the program
 * fail (exit 2) rather than silently leave the loops out.
 */
bool tu_want_lifecycle(const char *test);

/*
 * The first VFIO device cdev (/dev/vfio/devices/vfioN, lowest N) into
 * @path: 0 or -ENOENT.
 */
int tu_vfio_dev_path(char *path, size_t len);

/*
 * On the legacy backends a container has no IOMMU (and maps nothing in the
 * kernel) until a group joins: tests that map call this in main() to exit
 * 77 unless a vfio-pci device exists, and tu_backend_anchor() (test-ioas.h)
 * in their fixture to open it in the context.  Both do nothing on iommufd.
 */
void tu_require_backend_device(void);

/* What a tu_log_capture callback saw. */
struct tu_log {
	int count;			  /* messages received */
	enum libiommu_log_level level;	  /* level of the last one */
	enum libiommu_log_level max_seen; /* numerically highest level seen */
	char msg[2048];			  /* the last message */
	char all[16384];		  /* every message, one per line (cut when full) */
};

/* Log callback; @userdata must point to a struct tu_log. */
void tu_log_capture(void *userdata, enum libiommu_log_level level,
		    const char *msg);

/* Options for a ctx that logs into @log at up to @level (path may be NULL). */
struct libiommu_ctx_opts tu_ctx_opts(struct tu_log *log,
				     enum libiommu_log_level level,
				     const char *path);

/* Number of open fds of this process (entries of /proc/self/fd). */
int tu_count_fds(void);

/*
 * Capture what the process writes to fd 2 between tu_stderr_begin() and
 * tu_stderr_end().  tu_stderr_end() restores fd 2, stores up to @len - 1
 * bytes in @buf (NUL-terminated) and returns how many bytes were written.
 */
void tu_stderr_begin(void);
size_t tu_stderr_end(char *buf, size_t len);

/*
 * Run @fn in a child process that, when we are root, first drops to the
 * unprivileged uid/gid 65534 (no capabilities).  Returns @fn's return value
 * (0..255, as the child's exit status), or -1 if the child could not drop
 * privileges or died.  Use it to test permission errors as any user.
 */
int tu_run_unprivileged(int (*fn)(void *), void *arg);

/* A new test case named @name with the standard timeout, added to @s. */
TCase *tu_tcase(Suite *s, const char *name);

/* Run every test of @s (Check's fork mode) and return the exit status. */
int tu_run(Suite *s);

/*
 * Assert that @expr returned the negative errno @err and set errno to -@err
 * (the library's error convention).
 */
#define tu_assert_err(expr, err) \
	do { \
		int tu_rc_; \
		errno = 0; \
		tu_rc_ = (expr); \
		ck_assert_msg(tu_rc_ == (err), \
			      "%s returned %d (%s), expected %d (%s)", \
			      #expr, tu_rc_, strerror(-tu_rc_), \
			      (int)(err), strerror(-(err))); \
		ck_assert_msg(errno == -(err), \
			      "%s left errno %d (%s), expected %d", \
			      #expr, errno, strerror(errno), -(err)); \
	} while (0)

/* Assert that the captured log contains @needle. */
#define tu_assert_logged(log, needle) \
	ck_assert_msg(strstr((log)->all, (needle)) != NULL, \
		      "no log message contains \"%s\"; log was:\n%s", \
		      (needle), (log)->all)

#endif /* LIBIOMMU_TESTUTIL_H */
