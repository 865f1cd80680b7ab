// SPDX-License-Identifier: LGPL-2.1-or-later
/* Recording the library's ioctls, and a fake iommufd: see ioctlrec.h. */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ioctlrec.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

#define MAX_CALLS 512
#define MAX_FUNCTIONS 128

struct call {
	int fd;
	uint32_t request;
	int kind; /* LIBIOMMU_IOCTL_FD_*, or -1 */
	char path[64];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *cur_fn;
static enum libiommu_backend cur_backend;
static struct call calls[MAX_CALLS];
static int nr_calls;

/* per function: calls recorded over the program */
static struct {
	const char *fn;
	int calls;
} seen[MAX_FUNCTIONS];
static int nr_seen;

/* the fake iommufd */
static char fake_path[PATH_MAX];
static dev_t fake_dev;
static ino_t fake_ino;
static uint32_t fail_request;
static int fail_err, fail_times, fake_calls;
static uint32_t next_id = 1;
static uint64_t next_iova = 1ull << 32;

/* What kind of file @fd is, from its path; -1 when none of ours. */
static int kind_of(int fd, char *path, size_t len)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, path, len - 1);
	if (n <= 0) {
		snprintf(path, len, "?");
		return -1;
	}
	path[n] = '\0';
	if ((*fake_path && !strcmp(path, fake_path)) ||
	    !strcmp(path, "/dev/iommu") || !strcmp(path, "/dev/vfio/vfio"))
		return LIBIOMMU_IOCTL_FD_CTX;
	/* a cdev, or a device fd a VFIO group gave */
	if (!strncmp(path, "/dev/vfio/devices/", 18) ||
	    !strcmp(path, "anon_inode:[vfio-device]"))
		return LIBIOMMU_IOCTL_FD_DEV;
	if (!strncmp(path, "/dev/vfio/", 10))
		return LIBIOMMU_IOCTL_FD_GROUP;
	if (!strcmp(path, "/dev/libiommu") || !strcmp(path, "/dev/libiommu-sim"))
		return LIBIOMMU_IOCTL_FD_MODULE;
	if (!strcmp(path, "anon_inode:kvm-vm"))
		return LIBIOMMU_IOCTL_FD_KVM_VM;
	if (!strcmp(path, "anon_inode:kvm-vfio"))
		return LIBIOMMU_IOCTL_FD_KVM_DEV;
	/* a migration data fd: drivers name them, e.g. libiommu_sim_mig_save */
	if (!strncmp(path, "anon_inode:", 11) && strstr(path, "_mig"))
		return LIBIOMMU_IOCTL_FD_MIG;
	return -1;
}

static bool is_fake(int fd)
{
	struct stat st;

	return *fake_path && fstat(fd, &st) == 0 && st.st_dev == fake_dev &&
	       st.st_ino == fake_ino;
}

/* ---- the fake iommufd ------------------------------------------------------ */

static int fake_ioctl(uint32_t req, void *arg)
{
	uint32_t nr = req & 0xff, size;

	fake_calls++;
	if (fail_times && req == fail_request) {
		fail_times--;
		return -fail_err;
	}
	if (req == LX_VFIO_GET_API_VERSION)
		return LX_VFIO_API_VERSION;
	if (((req >> 8) & 0xff) != LX_IOMMUFD_TYPE || !arg)
		return -ENOTTY;
	if (nr < LX_IOMMUFD_CMD_BASE || nr > LX_IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)
		return -ENOTTY;
	memcpy(&size, arg, sizeof(size));
	if (size == 4)
		return -EINVAL; /* a command it knows, and a struct too small */
	switch (req) {
	case LX_IOMMU_DESTROY: {
		struct lx_iommu_destroy *c = arg;

		return c->id && c->id < next_id ? 0 : -ENOENT;
	}
	case LX_IOMMU_IOAS_ALLOC:
		((struct lx_iommu_ioas_alloc *)arg)->out_ioas_id = next_id++;
		return 0;
	case LX_IOMMU_IOAS_MAP: {
		struct lx_iommu_ioas_map *c = arg;

		if (!(c->flags & LX_IOMMU_IOAS_MAP_FIXED_IOVA)) {
			c->iova = next_iova;
			next_iova += c->length;
		}
		return 0;
	}
	case LX_IOMMU_IOAS_MAP_FILE: {
		struct lx_iommu_ioas_map_file *c = arg;

		if (!(c->flags & LX_IOMMU_IOAS_MAP_FIXED_IOVA)) {
			c->iova = next_iova;
			next_iova += c->length;
		}
		return 0;
	}
	case LX_IOMMU_IOAS_COPY: {
		struct lx_iommu_ioas_copy *c = arg;

		if (!(c->flags & LX_IOMMU_IOAS_MAP_FIXED_IOVA)) {
			c->dst_iova = next_iova;
			next_iova += c->length;
		}
		return 0;
	}
	case LX_IOMMU_IOAS_UNMAP: {
		struct lx_iommu_ioas_unmap *c = arg;

		if (c->length == UINT64_MAX)
			c->length = 0;
		return 0;
	}
	case LX_IOMMU_IOAS_IOVA_RANGES: {
		struct lx_iommu_ioas_iova_ranges *c = arg;
		struct lx_iommu_iova_range r = { 0, (1ull << 48) - 1 };
		uint32_t cap = c->num_iovas;

		c->num_iovas = 1;
		c->out_iova_alignment = 4096;
		if (cap < 1)
			return -EMSGSIZE;
		memcpy((void *)(uintptr_t)c->allowed_iovas, &r, sizeof(r));
		return 0;
	}
	case LX_IOMMU_IOAS_ALLOW_IOVAS:
		return 0;
	case LX_IOMMU_OPTION: {
		struct lx_iommu_option *c = arg;

		if (c->option_id == LX_IOMMU_OPTION_HUGE_PAGES && !c->object_id)
			return -ENOENT;
		if (c->op == LX_IOMMU_OPTION_OP_GET)
			c->val64 = c->option_id == LX_IOMMU_OPTION_HUGE_PAGES;
		return 0;
	}
	case LX_IOMMU_IOAS_NOIOMMU_GET_PA:
		return -EOPNOTSUPP;
	default:
		return -ENOTTY;
	}
}

void tu_fake_iommufd(const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "tu_fake_iommufd: %s: %s\n", path, strerror(errno));
		abort();
	}
	pthread_mutex_lock(&lock);
	snprintf(fake_path, sizeof(fake_path), "%s", path);
	fake_dev = st.st_dev;
	fake_ino = st.st_ino;
	pthread_mutex_unlock(&lock);
}

void tu_fake_fail(uint32_t request, int err, int times)
{
	pthread_mutex_lock(&lock);
	fail_request = request;
	fail_err = err;
	fail_times = times;
	pthread_mutex_unlock(&lock);
}

int tu_fake_count(void)
{
	return fake_calls;
}

/* ---- ioctl() ---------------------------------------------------------------- */

/* The C library's prototype; this definition takes the place of its. */
int ioctl(int fd, unsigned long request, ...);

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&lock);
	if (cur_fn && nr_calls < MAX_CALLS) {
		struct call *c = &calls[nr_calls++];

		c->fd = fd;
		c->request = (uint32_t)request;
		c->kind = kind_of(fd, c->path, sizeof(c->path));
	}
	if (is_fake(fd)) {
		rc = fake_ioctl((uint32_t)request, arg);
		pthread_mutex_unlock(&lock);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		return rc;
	}
	pthread_mutex_unlock(&lock);
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

/* ---- checking --------------------------------------------------------------- */

void tu_rec_begin(const char *function, enum libiommu_backend backend)
{
	pthread_mutex_lock(&lock);
	cur_fn = function;
	cur_backend = backend;
	nr_calls = 0;
	pthread_mutex_unlock(&lock);
}

/* Is @c on the list of @fn for @backend? */
static bool listed(const char *fn, enum libiommu_backend backend,
		   const struct call *c)
{
	struct libiommu_ioctls_opts o = { .sz = sizeof(o), .backend = backend };
	int n = libiommu_ioctls(fn, &o, 0, NULL), i;

	for (i = 0; i < n; i++) {
		struct libiommu_ioctl e = { .sz = sizeof(e) };

		if (libiommu_ioctls(fn, &o, (size_t)i, &e) < 0)
			break;
		if (e.request == c->request && (int)e.fd == c->kind)
			return true;
	}
	return false;
}

int tu_rec_end(int *issued)
{
	const char *fn;
	int i, bad = 0, n;

	pthread_mutex_lock(&lock);
	fn = cur_fn;
	cur_fn = NULL;
	n = nr_calls;
	pthread_mutex_unlock(&lock);
	if (!fn)
		return 0;
	for (i = 0; i < n; i++) {
		if (listed(fn, cur_backend, &calls[i]))
			continue;
		fprintf(stderr, "%s issued ioctl 0x%x on fd %d (%s, file kind %d), which its list (lib/ioctls.c) does not have\n",
			fn, calls[i].request, calls[i].fd, calls[i].path,
			calls[i].kind);
		bad++;
	}
	for (i = 0; i < nr_seen && strcmp(seen[i].fn, fn); i++)
		;
	if (i == nr_seen && nr_seen < MAX_FUNCTIONS)
		seen[nr_seen++].fn = fn;
	if (i < nr_seen)
		seen[i].calls += n;
	if (issued)
		*issued = n;
	return bad;
}

void tu_rec_report(void)
{
	int i;

	for (i = 0; i < nr_seen; i++)
		printf("  %-36s %d ioctl(s), all listed\n", seen[i].fn,
		       seen[i].calls);
	fflush(stdout);
}
