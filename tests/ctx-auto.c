// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * LIBIOMMU_BACKEND_AUTO on the real kernel (VM tier): it takes the legacy
 * type1 container only when there is no iommufd for the process, and says
 * so at INFO; a transient failure is an error, never a downgrade.
 *
 *  - Kernel fault injection (fail-nth) at every point libiommu_ctx_new()
 *    passes: each either fails with an error, or gives an iommufd context
 *    (the VM has /dev/iommu and VFIO device cdevs); never a type1 one.
 *  - RLIMIT_NOFILE: EMFILE is an error naming /dev/iommu.
 *  - In a mount namespace with a /dev of our own: no /dev/iommu, one no
 *    driver answers (ENXIO), one this user may not open (EACCES): type1,
 *    with the reason logged at INFO, and nothing logged at the default
 *    level.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_N 2000

#define CONTAINER "/dev/vfio/vfio"

/* Fault-injection knobs set for the run, and their values before it. */
static const char *const knobs[] = {
	"/sys/kernel/debug/failslab/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem",
};
static char knob_old[3][8];

static int write_file(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(v, f) < 0 ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* Let fail-nth fail every allocation, also those that may sleep. */
static int knobs_set(void)
{
	for (size_t i = 0; i < ARRAY_LEN(knobs); i++) {
		FILE *f = fopen(knobs[i], "r");
		int rc;

		if (!f)
			return -errno;
		if (!fgets(knob_old[i], sizeof(knob_old[i]), f))
			knob_old[i][0] = '\0';
		fclose(f);
		rc = write_file(knobs[i], "N");
		if (rc)
			return rc;
	}
	return 0;
}

static void knobs_restore(void)
{
	for (size_t i = 0; i < ARRAY_LEN(knobs); i++)
		if (knob_old[i][0])
			write_file(knobs[i], knob_old[i]);
}

/* No ck_assert() while armed: Check's own system calls would take the fault. */
static bool set_fail_nth(int fd, int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%d", n);

	return pwrite(fd, b, (size_t)len, 0) == len;
}

static int get_fail_nth(int fd)
{
	char b[16] = "";

	return pread(fd, b, sizeof(b) - 1, 0) > 0 ? atoi(b) : -1;
}

static struct libiommu_ctx_opts auto_opts(struct tu_log *log,
					  enum libiommu_log_level level)
{
	struct libiommu_ctx_opts o = tu_ctx_opts(log, level, NULL);

	memset(log, 0, sizeof(*log));
	o.backend = LIBIOMMU_BACKEND_AUTO;
	return o;
}

START_TEST(a_fault_is_an_error_never_the_type1_backend)
{
	struct tu_log log;
	struct libiommu_ctx_opts o = auto_opts(&log, LIBIOMMU_LOG_INFO);
	struct libiommu_ctx *ctx;
	int fd, n, rc, err, left, failed = 0, iommufd = 0, fds;
	bool armed, disarmed;

	if (access(CONTAINER, F_OK)) {
		printf("note: no %s: nothing to downgrade to, nothing to check\n",
		       CONTAINER);
		return;
	}
	/* without faults: iommufd (the VM has /dev/iommu and device cdevs) */
	ck_assert_int_eq(libiommu_ctx_new(&o, &ctx), 0);
	ck_assert_int_eq(libiommu_ctx_backend(ctx), LIBIOMMU_BACKEND_IOMMUFD);
	libiommu_ctx_free(ctx);

	fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	fds = tu_count_fds();
	for (n = 1; n <= MAX_N; n++) {
		ctx = NULL;
		o = auto_opts(&log, LIBIOMMU_LOG_INFO);
		armed = set_fail_nth(fd, n);
		errno = 0;
		rc = libiommu_ctx_new(&o, &ctx);
		err = errno;
		left = get_fail_nth(fd);
		disarmed = set_fail_nth(fd, 0);
		ck_assert_msg(armed && disarmed && left >= 0, "fail-nth: %s",
			      strerror(errno));
		if (rc < 0) {
			ck_assert_msg(err == -rc, "fault %d: returned %d with errno %d",
				      n, rc, err);
			ck_assert_msg(log.max_seen >= LIBIOMMU_LOG_ERR && log.level == LIBIOMMU_LOG_ERR,
				      "fault %d: failed with %s and logged no error",
				      n, strerror(-rc));
			ck_assert_ptr_null(ctx);
			failed++;
		} else {
			ck_assert_msg(libiommu_ctx_backend(ctx) == LIBIOMMU_BACKEND_IOMMUFD,
				      "fault %d (%s): libiommu_ctx_new chose the %s backend; log:\n%s",
				      n, left ? "not injected" : "injected",
				      libiommu_backend_name(libiommu_ctx_backend(ctx)),
				      log.all);
			libiommu_ctx_free(ctx);
			iommufd++;
		}
		if (left)
			break; /* libiommu_ctx_new passed fewer than n points */
	}
	close(fd);
	ck_assert_msg(n <= MAX_N, "still injecting after %d faults", MAX_N);
	ck_assert_int_eq(tu_count_fds(), fds - 1);
	printf("libiommu_ctx_new(AUTO): %d fault points: %d failed with an error, %d gave iommufd, 0 gave type1\n",
	       n - 1, failed, iommufd - 1);
	ck_assert_msg(failed > 0, "no injected fault made libiommu_ctx_new fail: is fail-nth working?");
}
END_TEST

START_TEST(the_choice_of_iommufd_is_logged_at_info)
{
	struct tu_log log;
	struct libiommu_ctx_opts o = auto_opts(&log, LIBIOMMU_LOG_INFO);
	struct libiommu_ctx *ctx;

	ck_assert_int_eq(libiommu_ctx_new(&o, &ctx), 0);
	ck_assert_int_eq(libiommu_ctx_backend(ctx), LIBIOMMU_BACKEND_IOMMUFD);
	libiommu_ctx_free(ctx);
	tu_assert_logged(&log, "backend auto: iommufd: /dev/iommu is an iommufd and VFIO has device cdevs");
	ck_assert_int_eq(log.max_seen, LIBIOMMU_LOG_INFO);
}
END_TEST

START_TEST(emfile_is_an_error_naming_dev_iommu)
{
	struct tu_log log;
	struct libiommu_ctx_opts o = auto_opts(&log, 0);
	struct libiommu_ctx *ctx = (void *)1;
	struct rlimit rl, old;
	int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC), rc, err;

	ck_assert_int_ge(lowest, 0);
	close(lowest);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)lowest; /* no new fd fits */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	errno = 0;
	rc = libiommu_ctx_new(&o, &ctx);
	err = errno;
	/* back before anything else: the process must be able to open files
	 * again to finish (a sanitizer's leak check at exit reads /proc) */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_int_eq(rc, -EMFILE);
	ck_assert_int_eq(err, EMFILE);
	ck_assert_ptr_null(ctx);
	tu_assert_logged(&log, "cannot open /dev/iommu");
	tu_assert_logged(&log, "never on this error");
}
END_TEST

/* ---- a /dev of our own ---------------------------------------------------- */

enum { N_OK = 0,
       N_SETUP,
       N_CTX,
       N_BACKEND,
       N_NO_INFO,
       N_WORDS,
       N_NOISY };

struct ns_case {
	char root[32];	   /* the private root (a tmpfs mounted on it) */
	const char *iommu; /* "absent", "no-driver" or "root-only" */
	const char *words; /* in the INFO line */
	bool unprivileged; /* open as uid 65534 */
};

/*
 * A root of our own, in a mount namespace of our own: a tmpfs with /dev
 * holding the VFIO container and, per case, /dev/iommu (absent, a node no
 * driver answers, or root's alone).  A root, not just a /dev, so that an
 * unprivileged user can reach it (the guest's own / is root's).
 */
static int private_dev(const struct ns_case *c)
{
	struct stat vfio, iommu;

	if (stat(CONTAINER, &vfio) || stat("/dev/iommu", &iommu))
		return -errno;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", c->root, "tmpfs", 0, "mode=0755") ||
	    chroot(c->root) ||
	    chdir("/"))
		return -errno;
	if (mkdir("/dev", 0755) || mkdir("/dev/vfio", 0755) ||
	    chmod("/dev", 0755) || chmod("/dev/vfio", 0755) ||
	    mknod(CONTAINER, S_IFCHR | 0666, vfio.st_rdev) ||
	    chmod(CONTAINER, 0666))
		return -errno;
	if (!strcmp(c->iommu, "no-driver")) {
		/* a character major nothing registered: open() is ENXIO */
		if (mknod("/dev/iommu", S_IFCHR | 0600, makedev(300, 0)))
			return -errno;
	} else if (!strcmp(c->iommu, "root-only")) {
		if (mknod("/dev/iommu", S_IFCHR | 0600, iommu.st_rdev))
			return -errno;
	}
	return 0;
}

static int try_auto(void *arg)
{
	const struct ns_case *c = arg;
	struct tu_log log, quiet;
	struct libiommu_ctx_opts o = auto_opts(&log, LIBIOMMU_LOG_INFO);
	struct libiommu_ctx_opts q = auto_opts(&quiet, 0);
	struct libiommu_ctx *ctx;
	int rc;

	rc = libiommu_ctx_new(&o, &ctx);
	if (rc) {
		fprintf(stderr, "libiommu_ctx_new: %d; log:\n%s\n", rc, log.all);
		return N_CTX;
	}
	rc = libiommu_ctx_backend(ctx);
	libiommu_ctx_free(ctx);
	if (rc != LIBIOMMU_BACKEND_TYPE1) {
		fprintf(stderr, "backend %d; log:\n%s\n", rc, log.all);
		return N_BACKEND;
	}
	if (!strstr(log.all, "backend auto: type1")) {
		fprintf(stderr, "no INFO line; log:\n%s\n", log.all);
		return N_NO_INFO;
	}
	if (!strstr(log.all, c->words)) {
		fprintf(stderr, "the INFO line lacks \"%s\"; log:\n%s\n", c->words,
			log.all);
		return N_WORDS;
	}
	printf("/dev/iommu %s: %s", c->iommu, log.all);
	fflush(stdout);
	/* at the default level (WARN) a choice is not news */
	if (libiommu_ctx_new(&q, &ctx))
		return N_CTX;
	libiommu_ctx_free(ctx);
	if (quiet.count) {
		fprintf(stderr, "logged at the default level:\n%s\n", quiet.all);
		return N_NOISY;
	}
	return N_OK;
}

static void run_in_private_dev(struct ns_case *c)
{
	pid_t pid;
	int status;

	if (access(CONTAINER, F_OK)) {
		printf("note: no %s: nothing to choose\n", CONTAINER);
		return;
	}
	snprintf(c->root, sizeof(c->root), "/tmp/ctx-auto-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->root));
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int rc = private_dev(c);

		if (rc) {
			fprintf(stderr, "setting up a private /dev: %s\n", strerror(-rc));
			_exit(N_SETUP);
		}
		if (c->unprivileged)
			_exit(tu_run_unprivileged(try_auto, (void *)c) == N_OK ? N_OK : N_CTX);
		_exit(try_auto((void *)c));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	rmdir(c->root); /* its tmpfs went with the child's namespace */
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == N_OK,
		      "/dev/iommu %s: the child failed (status 0x%x; its log on stderr)",
		      c->iommu, status);
}

START_TEST(no_dev_iommu_chooses_type1_and_says_why)
{
	struct ns_case c = { .iommu = "absent",
			     .words = "/dev/iommu: No such file or directory" };

	run_in_private_dev(&c);
}
END_TEST

START_TEST(a_dev_iommu_no_driver_answers_chooses_type1_and_says_why)
{
	struct ns_case c = { .iommu = "no-driver", .words = "no iommufd" };

	run_in_private_dev(&c);
}
END_TEST

START_TEST(a_dev_iommu_this_user_may_not_open_chooses_type1_and_says_why)
{
	struct ns_case c = { .iommu = "root-only",
			     .words = "may not use iommufd",
			     .unprivileged = true };

	run_in_private_dev(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-auto");
	TCase *tc;
	bool faults;

	tu_require_iommufd();
	if (!tu_backend_is_iommufd()) {
		printf("SKIP: tests LIBIOMMU_BACKEND_AUTO, not a backend\n");
		return TU_EXIT_SKIP;
	}
	faults = access("/proc/thread-self/fail-nth", W_OK) == 0 && knobs_set() == 0;
	if (faults)
		atexit(knobs_restore);
	else
		printf("note: no fault injection (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB and debugfs): the fault sweep is not run\n");

	tc = tu_tcase(s, "auto");
	if (faults)
		tcase_add_test(tc, a_fault_is_an_error_never_the_type1_backend);
	tcase_add_test(tc, the_choice_of_iommufd_is_logged_at_info);
	tcase_add_test(tc, emfile_is_an_error_naming_dev_iommu);
	tcase_add_test(tc, no_dev_iommu_chooses_type1_and_says_why);
	tcase_add_test(tc, a_dev_iommu_no_driver_answers_chooses_type1_and_says_why);
	tcase_add_test(tc, a_dev_iommu_this_user_may_not_open_chooses_type1_and_says_why);
	return tu_run(s);
}
