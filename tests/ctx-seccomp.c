// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library under a VMM's seccomp filter (VM tier).
 *
 * cloud-hypervisor's VMM thread allows four iommufd commands
 * (IOMMU_DESTROY, IOMMU_IOAS_ALLOC, IOMMU_IOAS_MAP, IOMMU_IOAS_UNMAP) and
 * kills the process on any other.  Here a child process installs a filter
 * of our own that does the same on the iommufd (every other syscall, and
 * ioctls on other fds, are allowed), then creates a context, allocates an
 * IOAS, maps, unmaps, destroys it and frees the context: it must survive.
 * A second variant answers the other commands with EPERM instead of
 * killing: the calls the caller made must still work, and a call whose
 * own command is refused must say so ("was refused"), never blame the
 * kernel's age.
 *
 * The filter checks the fd: the iommufd of a new context is the lowest
 * free fd when libiommu_ctx_new() runs, which the child learns first and
 * checks afterwards.
 */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "uapi/iommufd.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* cloud-hypervisor's VMM thread: the four iommufd commands it allows. */
static const uint32_t vmm_allowed[] = {
	LX_IOMMU_DESTROY,
	LX_IOMMU_IOAS_ALLOC,
	LX_IOMMU_IOAS_MAP,
	LX_IOMMU_IOAS_UNMAP,
};

#define MAX_ALLOWED 64

/* Child exit codes: which step failed (the child prints its log). */
enum {
	C_OK = 0,
	C_FILTER,     /* the filter could not be installed */
	C_CTX,	      /* libiommu_ctx_new */
	C_FD,	      /* the iommufd is not the fd the filter watches */
	C_ALLOC,      /* libiommu_ioas_alloc */
	C_MAP,	      /* libiommu_ioas_map */
	C_UNMAP,      /* libiommu_ioas_unmap */
	C_DESTROY,    /* libiommu_ioas_destroy */
	C_DIAG,	      /* a refused call said something else than "refused" */
	C_LOG,	      /* something was logged at warning level or above */
	C_SETUP,      /* the test's own setup (mmap, ...) */
	C_NOT_KILLED, /* a command outside the filter went through */
};

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

/*
 * A filter for the iommufd @fd: an ioctl on it whose request is not one
 * of @allowed gets @action; everything else is allowed.
 */
static int install_filter(int fd, const uint32_t *allowed, size_t n,
			  uint32_t action)
{
	struct sock_filter f[8 + MAX_ALLOWED];
	struct sock_fprog prog;
	size_t i, k = 0;

	if (n > MAX_ALLOWED)
		return -E2BIG;
	/* The numbers below are x86-64's: anything else is killed. */
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	/* not ioctl: allow (jump over everything to the final ALLOW) */
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      __NR_ioctl, 0, (uint8_t)(n + 4));
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
	/* another fd: allow */
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      (uint32_t)fd, 0, (uint8_t)(n + 2));
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
	for (i = 0; i < n; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      allowed[i],
						      (uint8_t)(n - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

/* The fd the next open() returns. */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

struct run {
	uint32_t action;	 /* for commands outside the list */
	const uint32_t *allowed; /* NULL: vmm_allowed */
	size_t nr_allowed;
	struct tu_log log;
};

static int child_fail(struct run *r, int code, const char *what, int rc)
{
	fprintf(stderr, "child: %s: %d (%s); log:\n%s\n", what, rc,
		strerror(rc < 0 ? -rc : 0), r->log.all);
	return code;
}

/* The filter on the fd libiommu_ctx_new() will get, then the context. */
static int filtered_ctx(struct run *r, struct libiommu_ctx **ctx)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&r->log, LIBIOMMU_LOG_WARN,
						    NULL);
	int fd = next_fd(), rc;

	opts.backend = LIBIOMMU_BACKEND_AUTO;
	rc = install_filter(fd, r->allowed ? r->allowed : vmm_allowed,
			    r->allowed ? r->nr_allowed : ARRAY_LEN(vmm_allowed),
			    r->action);
	if (rc)
		return child_fail(r, C_FILTER, "installing the filter", rc);
	rc = libiommu_ctx_new(&opts, ctx);
	if (rc)
		return child_fail(r, C_CTX, "libiommu_ctx_new", rc);
	if (libiommu_ctx_fd(*ctx) != fd)
		return child_fail(r, C_FD, "the iommufd is not the filtered fd",
				  libiommu_ctx_fd(*ctx));
	return C_OK;
}

/* What a VMM does with the four commands: alloc, map, unmap, destroy. */
static int vmm_sequence(struct run *r)
{
	size_t len = 2 * 1024 * 1024;
	struct libiommu_ioas *ioas;
	struct libiommu_ctx *ctx;
	uint64_t iova = 0, fixed = 1ull << 32, n = 0;
	void *buf;
	int rc;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return child_fail(r, C_SETUP, "mmap", -errno);
	memset(buf, 0x5a, len);
	rc = filtered_ctx(r, &ctx);
	if (rc)
		return rc;
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return child_fail(r, C_ALLOC, "libiommu_ioas_alloc", rc);
	rc = libiommu_ioas_map(ioas, buf, len, &iova,
			       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE);
	if (!rc)
		rc = libiommu_ioas_map(ioas, buf, len, &fixed,
				       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
	if (rc)
		return child_fail(r, C_MAP, "libiommu_ioas_map", rc);
	rc = libiommu_ioas_unmap(ioas, iova, len, &n);
	if (rc || n != len)
		return child_fail(r, C_UNMAP, "libiommu_ioas_unmap", rc);
	rc = libiommu_ioas_destroy(ioas); /* with the fixed mapping still in */
	if (rc)
		return child_fail(r, C_DESTROY, "libiommu_ioas_destroy", rc);
	/* and one left to the context's free */
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return child_fail(r, C_ALLOC, "libiommu_ioas_alloc", rc);
	libiommu_ctx_free(ctx);
	if (r->log.count)
		return child_fail(r, C_LOG, "messages were logged", r->log.count);
	return C_OK;
}

/* Run @fn in a child that has the filter; its wait status. */
static int run_child(int (*fn)(struct run *), struct run *r)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		memset(&r->log, 0, sizeof(r->log));
		_exit(fn(r));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_exited_ok(int status, const char *what)
{
	ck_assert_msg(!WIFSIGNALED(status),
		      "%s: the child was killed by signal %d (%s): the library issued an ioctl outside the filter",
		      what, WTERMSIG(status), strsignal(WTERMSIG(status)));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == C_OK,
		      "%s: the child failed with code %d (see its log above)",
		      what, WEXITSTATUS(status));
}

START_TEST(vmm_sequence_survives_a_filter_that_kills)
{
	struct run r = { .action = SECCOMP_RET_KILL_PROCESS };

	assert_exited_ok(run_child(vmm_sequence, &r), "kill filter");
}
END_TEST

START_TEST(vmm_sequence_works_under_a_filter_that_answers_eperm)
{
	struct run r = { .action = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA) };

	assert_exited_ok(run_child(vmm_sequence, &r), "EPERM filter");
}
END_TEST

/*
 * The filter is live: a command outside the four kills the child (so a
 * pass above means the library stayed inside them).
 */
static int outside_the_filter(struct run *r)
{
	struct libiommu_iova_range range[4];
	struct libiommu_ioas *ioas;
	struct libiommu_ctx *ctx;
	size_t nr = 4;
	int rc;

	rc = filtered_ctx(r, &ctx);
	if (rc)
		return rc;
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return child_fail(r, C_ALLOC, "libiommu_ioas_alloc", rc);
	rc = libiommu_ioas_get_ranges(ioas, range, &nr, NULL);
	return child_fail(r, C_NOT_KILLED,
			  "IOMMU_IOAS_IOVA_RANGES went through the filter", rc);
}

START_TEST(a_command_outside_the_filter_kills)
{
	struct run r = { .action = SECCOMP_RET_KILL_PROCESS };
	int status = run_child(outside_the_filter, &r);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		      "the child was not killed by SIGSYS (status 0x%x, exit code %d): the filter is not live",
		      status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
END_TEST

/*
 * The filter built from libiommu_ioctls(): the iommufd requests the
 * sequence's functions may issue on the iommufd backend, leaving out those
 * only flags the sequence does not pass need.
 */
static size_t list_allowed(uint32_t *out, size_t cap)
{
	static const char *const seq[] = {
		"libiommu_ctx_new",
		"libiommu_ioas_alloc",
		"libiommu_ioas_map",
		"libiommu_ioas_unmap",
		"libiommu_ioas_destroy",
		"libiommu_ctx_free",
	};
	struct libiommu_ioctls_opts o = { .sz = sizeof(o),
					  .backend = LIBIOMMU_BACKEND_IOMMUFD };
	size_t f, k, nr = 0;
	int n, i;

	for (f = 0; f < ARRAY_LEN(seq); f++) {
		n = libiommu_ioctls(seq[f], &o, 0, NULL);
		ck_assert_int_ge(n, 0);
		for (i = 0; i < n; i++) {
			struct libiommu_ioctl e = { .sz = sizeof(e) };

			ck_assert_int_eq(libiommu_ioctls(seq[f], &o, (size_t)i, &e), n);
			if (e.fd != LIBIOMMU_IOCTL_FD_CTX || e.call_flags)
				continue;
			for (k = 0; k < nr && out[k] != e.request; k++)
				;
			if (k == nr) {
				ck_assert_uint_lt(nr, cap);
				out[nr++] = e.request;
			}
		}
	}
	return nr;
}

START_TEST(a_filter_built_from_the_list_runs_the_sequence)
{
	uint32_t allowed[MAX_ALLOWED];
	struct run r = { .action = SECCOMP_RET_KILL_PROCESS, .allowed = allowed };
	size_t i, k;

	r.nr_allowed = list_allowed(allowed, MAX_ALLOWED);
	/* the list asks for no more than cloud-hypervisor's four */
	for (i = 0; i < r.nr_allowed; i++) {
		for (k = 0; k < ARRAY_LEN(vmm_allowed); k++)
			if (allowed[i] == vmm_allowed[k])
				break;
		ck_assert_msg(k < ARRAY_LEN(vmm_allowed),
			      "the list asks for request 0x%x, not one of the four",
			      allowed[i]);
	}
	ck_assert_uint_eq(r.nr_allowed, ARRAY_LEN(vmm_allowed));
	assert_exited_ok(run_child(vmm_sequence, &r), "filter from the list");
}
END_TEST

/*
 * A device attached before the filter; then a fixed-IOVA map into the MSI
 * window, which the kernel refuses with EINVAL: the call fails, and the
 * library does not ask anything else to explain it (the child lives).
 */
static int refused_map_is_not_explained_with_another_ioctl(struct run *r)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&r->log, LIBIOMMU_LOG_WARN,
						    NULL);
	uint64_t iova = 0xfee00000, len = (uint64_t)sysconf(_SC_PAGESIZE);
	struct libiommu_ioas *ioas;
	struct libiommu_ctx *ctx;
	struct libiommu_dev *dev;
	char path[64];
	void *buf;
	int rc;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || tu_vfio_dev_path(path, sizeof(path)))
		return child_fail(r, C_SETUP, "mmap, or a VFIO device", -ENOENT);
	rc = libiommu_ctx_new(&opts, &ctx);
	if (!rc)
		rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (!rc)
		rc = libiommu_dev_open(ctx, path, NULL, &dev);
	if (!rc)
		rc = libiommu_dev_attach_ioas(dev, ioas);
	if (rc)
		return child_fail(r, C_SETUP, "context, IOAS and device", rc);
	rc = install_filter(libiommu_ctx_fd(ctx), vmm_allowed,
			    ARRAY_LEN(vmm_allowed), r->action);
	if (rc)
		return child_fail(r, C_FILTER, "installing the filter", rc);
	rc = libiommu_ioas_map(ioas, buf, len, &iova,
			       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
	if (rc != -EINVAL || !strstr(r->log.msg, "libiommu_ioas_get_ranges"))
		return child_fail(r, C_MAP, "a map into the MSI window", rc);
	libiommu_ctx_free(ctx); /* detaches; destroys the HWPT it placed */
	return C_OK;
}

START_TEST(a_refused_fixed_iova_fails_without_another_ioctl)
{
	struct run r = { .action = SECCOMP_RET_KILL_PROCESS };
	char path[64];

	if (tu_vfio_dev_path(path, sizeof(path))) {
		printf("note: no VFIO device cdev: the map into the MSI window is not run\n");
		return;
	}
	assert_exited_ok(run_child(refused_map_is_not_explained_with_another_ioctl, &r),
			 "kill filter, device attached");
}
END_TEST

/* Does the last message say "<cmd> was refused" and nothing about age? */
static bool says_refused(const struct tu_log *log, const char *cmd)
{
	return strstr(log->msg, cmd) && strstr(log->msg, "refused") &&
	       !strstr(log->all, "newer kernel") && !strstr(log->all, "too old");
}

/*
 * Under the EPERM filter, a call whose own command is outside the four
 * fails with -EPERM, errno EPERM, and a message that names the command
 * and says it was refused.
 */
static int refused_calls(struct run *r)
{
	struct libiommu_iova_range range[4];
	struct libiommu_ioas *ioas;
	struct libiommu_ctx *ctx;
	uint64_t iova = 0;
	size_t nr = 4;
	int rc, mfd;

	rc = filtered_ctx(r, &ctx);
	if (rc)
		return rc;
	r->log.count = 0;
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return child_fail(r, C_ALLOC, "libiommu_ioas_alloc", rc);

	errno = 0;
	rc = libiommu_ioas_get_ranges(ioas, range, &nr, NULL);
	if (rc != -EPERM || errno != EPERM ||
	    !says_refused(&r->log, "IOMMU_IOAS_IOVA_RANGES"))
		return child_fail(r, C_DIAG, "libiommu_ioas_get_ranges", rc);

	/* A feature probe refused: an error, not "absent", not cached. */
	errno = 0;
	rc = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS);
	if (rc != -EPERM || errno != EPERM || !says_refused(&r->log, "IOMMU_IOAS_ALLOC"))
		return child_fail(r, C_DIAG, "libiommu_ctx_has_feature(ioas)", rc);
	rc = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS);
	if (rc != -EPERM)
		return child_fail(r, C_DIAG, "libiommu_ctx_has_feature(ioas), again", rc);

	/* A command the kernel has, refused: not "a newer kernel is needed". */
	mfd = memfd_create("ctx-seccomp", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, 1 << 20))
		return child_fail(r, C_SETUP, "memfd", -errno);
	errno = 0;
	rc = libiommu_ioas_map_file(ioas, mfd, 0, 1 << 20, &iova,
				    LIBIOMMU_MAP_READ);
	if (rc != -EPERM || errno != EPERM ||
	    !says_refused(&r->log, "IOMMU_IOAS_MAP_FILE"))
		return child_fail(r, C_DIAG, "libiommu_ioas_map_file", rc);
	libiommu_ctx_free(ctx);
	return C_OK;
}

START_TEST(a_refused_command_is_reported_as_refused)
{
	struct run r = { .action = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA) };

	assert_exited_ok(run_child(refused_calls, &r), "EPERM filter");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-seccomp");
	TCase *tc;

	tu_require_iommufd();
	if (!tu_backend_is_iommufd()) {
		printf("SKIP: the filter is cloud-hypervisor's for iommufd; the %s backend issues VFIO container ioctls\n",
		       tu_backend_label());
		return TU_EXIT_SKIP;
	}
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		printf("SKIP: no seccomp in this kernel (PR_GET_SECCOMP: %s): CONFIG_SECCOMP_FILTER is needed; the VM tier's kernel has it\n",
		       strerror(errno));
		return TU_EXIT_SKIP;
	}

	tc = tu_tcase(s, "seccomp");
	tcase_add_test(tc, vmm_sequence_survives_a_filter_that_kills);
	tcase_add_test(tc, vmm_sequence_works_under_a_filter_that_answers_eperm);
	tcase_add_test(tc, a_command_outside_the_filter_kills);
	tcase_add_test(tc, a_refused_command_is_reported_as_refused);
	tcase_add_test(tc, a_filter_built_from_the_list_runs_the_sequence);
	tcase_add_test(tc, a_refused_fixed_iova_fails_without_another_ioctl);
	return tu_run(s);
}
