/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define TU_NOBODY 65534

enum libiommu_backend tu_backend(void)
{
	const char *b = getenv("LIBIOMMU_TEST_BACKEND");

	if (!b || !*b || !strcmp(b, "iommufd"))
		return LIBIOMMU_BACKEND_IOMMUFD;
	if (!strcmp(b, "type1"))
		return LIBIOMMU_BACKEND_TYPE1;
	if (!strcmp(b, "compat"))
		return LIBIOMMU_BACKEND_IOMMUFD_COMPAT;
	fprintf(stderr, "LIBIOMMU_TEST_BACKEND=%s: not iommufd, type1 or compat\n", b);
	exit(2);
}

const char *tu_backend_label(void)
{
	switch (tu_backend()) {
	case LIBIOMMU_BACKEND_TYPE1:
		return "type1";
	case LIBIOMMU_BACKEND_IOMMUFD_COMPAT:
		return "compat";
	default:
		return "iommufd";
	}
}

void tu_skip_test(const char *test, const char *why)
{
	printf("SKIP: %s on the %s backend: %s\n", test, tu_backend_label(), why);
	fflush(stdout);
}

bool tu_want_lifecycle(const char *test)
{
	const char *v = getenv("LIBIOMMU_TEST_LIFECYCLE");

	if (!v || !*v || !strcmp(v, "1"))
		return true;
	if (strcmp(v, "0")) {
		fprintf(stderr, "LIBIOMMU_TEST_LIFECYCLE=%s: not 0 or 1\n", v);
		exit(2);
	}
	printf("note: %s left out (LIBIOMMU_TEST_LIFECYCLE=0: the VM tier runs it in its other boot)\n",
	       test);
	fflush(stdout);
	return false;
}

void tu_require_iommufd(void)
{
	if (tu_backend() == LIBIOMMU_BACKEND_TYPE1) {
		if (access("/dev/vfio/vfio", F_OK) == 0)
			return;
		printf("SKIP: /dev/vfio/vfio not present (no legacy VFIO container): the type1 backend runs in the VM tier\n");
	} else {
		if (access("/dev/iommu", F_OK) == 0)
			return;
		printf("SKIP: /dev/iommu not present (kernel without CONFIG_IOMMUFD): runs in the VM tier\n");
	}
	fflush(stdout);
	exit(TU_EXIT_SKIP);
}

int tu_vfio_dev_path(char *path, size_t len)
{
	char p[64];
	int i;

	/* vfioN numbers are small and dense; no need to read the directory. */
	for (i = 0; i < 256; i++) {
		snprintf(p, sizeof(p), "/dev/vfio/devices/vfio%d", i);
		if (access(p, F_OK) == 0) {
			snprintf(path, len, "%s", p);
			return 0;
		}
	}
	return -ENOENT;
}

void tu_require_backend_device(void)
{
	char p[64];

	if (tu_backend_is_iommufd() || tu_vfio_dev_path(p, sizeof(p)) == 0)
		return;
	printf("SKIP: the %s backend maps in the kernel only once a VFIO group is in the container, and no device is bound to vfio-pci: runs in the VM tier\n",
	       tu_backend_label());
	fflush(stdout);
	exit(TU_EXIT_SKIP);
}

void tu_log_capture(void *userdata, enum libiommu_log_level level,
		    const char *msg)
{
	struct tu_log *log = userdata;
	size_t used = strlen(log->all);

	log->count++;
	log->level = level;
	if (level > log->max_seen)
		log->max_seen = level;
	snprintf(log->msg, sizeof(log->msg), "%s", msg);
	if (used < sizeof(log->all) - 1)
		snprintf(log->all + used, sizeof(log->all) - used, "%s\n", msg);
}

struct libiommu_ctx_opts tu_ctx_opts(struct tu_log *log,
				     enum libiommu_log_level level,
				     const char *path)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.path = path,
		.log_fn = tu_log_capture,
		.log_userdata = log,
		.log_level = level,
		.backend = tu_backend(),
	};

	memset(log, 0, sizeof(*log));
	return opts;
}

int tu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_msg(d != NULL, "opendir(/proc/self/fd): %s", strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static int tu_saved_stderr = -1;
static int tu_pipe_rd = -1;

void tu_stderr_begin(void)
{
	int p[2];

	ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));
	/* Never block the writer: 64 KiB of pipe is plenty for a test. */
	ck_assert(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	fflush(stderr);
	tu_saved_stderr = dup(STDERR_FILENO);
	ck_assert(tu_saved_stderr >= 0);
	ck_assert(dup2(p[1], STDERR_FILENO) == STDERR_FILENO);
	close(p[1]);
	tu_pipe_rd = p[0];
}

size_t tu_stderr_end(char *buf, size_t len)
{
	size_t total = 0;
	char tmp[512];
	ssize_t n;

	fflush(stderr);
	ck_assert(dup2(tu_saved_stderr, STDERR_FILENO) == STDERR_FILENO);
	close(tu_saved_stderr);
	tu_saved_stderr = -1;
	/* fd 2 was the only write end: read to EOF. */
	while ((n = read(tu_pipe_rd, tmp, sizeof(tmp))) > 0) {
		if (len && total < len - 1) {
			size_t k = (size_t)n;

			if (k > len - 1 - total)
				k = len - 1 - total;
			memcpy(buf + total, tmp, k);
		}
		total += (size_t)n;
	}
	if (len)
		buf[total < len - 1 ? total : len - 1] = '\0';
	close(tu_pipe_rd);
	tu_pipe_rd = -1;
	return total;
}

int tu_run_unprivileged(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (geteuid() == 0) {
			if (setgroups(0, NULL) || setgid(TU_NOBODY) ||
			    setuid(TU_NOBODY) || setuid(0) == 0) {
				fprintf(stderr, "tu_run_unprivileged: cannot drop to uid %d: %s\n",
					TU_NOBODY, strerror(errno));
				_exit(255);
			}
		}
		_exit(fn(arg) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

TCase *tu_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TU_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	/* Fork mode stays Check's default (CK_FORK=no only for debugging). */
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
