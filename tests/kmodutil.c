/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <unistd.h>

#include "kmodutil.h"
#include "uapi/kvm.h"
#include "libiommu_kmod.h"

int ku_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int ku_kvm_new_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm;

	ck_assert_msg(kvm >= 0, "open /dev/kvm: %s", strerror(errno));
	vm = ioctl(kvm, LX_KVM_CREATE_VM, 0);
	ck_assert_msg(vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	close(kvm);
	return vm;
}

int ku_kvm_new_vfio_dev(int vm)
{
	struct lx_kvm_create_device cd = { .type = LX_KVM_DEV_TYPE_VFIO };

	ku_assert_rc(ku_ioctl(vm, LX_KVM_CREATE_DEVICE, &cd), 0);
	return (int)cd.fd;
}

int ku_kvm_vfio_file(int kdev, uint64_t op, int fd)
{
	int32_t f = fd;
	struct lx_kvm_device_attr a = {
		.group = LX_KVM_DEV_VFIO_FILE,
		.attr = op,
		.addr = (uintptr_t)&f,
	};

	return ku_ioctl(kdev, LX_KVM_SET_DEVICE_ATTR, &a);
}

long ku_meminfo(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			v = atol(line + len + 1);
	fclose(f);
	ck_assert_msg(v >= 0, "no %s in /proc/meminfo", field);
	return v;
}

int ku_kmsg_count(const char *const *needles, size_t n)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *save, *l;
	int len, count = 0;

	ck_assert_msg(size > 0, "klogctl(SIZE_BUFFER): %s", strerror(errno));
	buf = calloc(1, (size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	ck_assert_msg(len >= 0, "klogctl(READ_ALL): %s", strerror(errno));
	buf[len] = '\0';
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "allow_unsafe_interrupts"))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (strstr(l, needles[i])) {
				count++;
				break;
			}
		}
	}
	free(buf);
	return count;
}

int ku_kmsg_bad(void)
{
	static const char *const pats[] = { "WARNING:", "BUG:", "Oops",
					    "general protection" };

	return ku_kmsg_count(pats, sizeof(pats) / sizeof(pats[0]));
}

int ku_delete_module(const char *name, unsigned int flags)
{
	return syscall(SYS_delete_module, name, flags) ? -errno : 0;
}

int ku_unload(const char *name)
{
	int rc, i;

	for (i = 0; i < 1000; i++) {
		rc = ku_delete_module(name, O_NONBLOCK);
		if (rc != -EWOULDBLOCK)
			break;
		usleep(1000);
	}
	return rc;
}

int ku_run(const char *prog, const char *arg, bool quiet)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
		}
		execlp(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define KU_SIM_MAX 16
static uint32_t sim_iommus[KU_SIM_MAX], sim_devs[KU_SIM_MAX];
static int sim_niommus, sim_ndevs;

uint32_t ku_sim_iommu(int ctl, uint32_t flags)
{
	struct libiommu_kmod_sim_iommu_create c = { .size = sizeof(c),
						    .flags = flags };

	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, &c), 0);
	ck_assert_uint_gt(c.out_iommu_id, 0);
	ck_assert_int_lt(sim_niommus, KU_SIM_MAX);
	sim_iommus[sim_niommus++] = c.out_iommu_id;
	return c.out_iommu_id;
}

uint32_t ku_sim_dev(int ctl, uint32_t iommu_id, uint32_t flags,
		    uint32_t *vfio_index)
{
	struct libiommu_kmod_sim_dev_create c = { .size = sizeof(c),
						  .dev_flags = flags,
						  .iommu_id = iommu_id };

	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_CREATE, &c), 0);
	ck_assert_uint_gt(c.out_dev_id, 0);
	ck_assert_int_ge(c.out_iommu_group, 0);
	ck_assert_int_lt(sim_ndevs, KU_SIM_MAX);
	sim_devs[sim_ndevs++] = c.out_dev_id;
	if (vfio_index)
		*vfio_index = c.out_vfio_index;
	return c.out_dev_id;
}

void ku_sim_destroy_all(int ctl)
{
	struct libiommu_kmod_sim_dev_destroy dd = { .size = sizeof(dd) };
	struct libiommu_kmod_sim_iommu_destroy id = { .size = sizeof(id) };
	int i;

	for (i = 0; i < sim_ndevs; i++) {
		dd.dev_id = sim_devs[i];
		ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd);
	}
	for (i = 0; i < sim_niommus; i++) {
		id.iommu_id = sim_iommus[i];
		ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id);
	}
	sim_ndevs = sim_niommus = 0;
}

void ku_sim_close(int *ctl)
{
	ku_close_device_fds();
	ku_sim_destroy_all(*ctl);
	if (*ctl >= 0)
		close(*ctl);
	*ctl = -1;
}

void ku_sim_forget_devs(void)
{
	sim_ndevs = 0;
}

void ku_sim_forget_iommus(void)
{
	sim_niommus = 0;
}

int ku_sim_open(void)
{
	int fd = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", LIBIOMMU_KMOD_SIM_DEVNODE,
		      strerror(errno));
	return fd;
}

void ku_require_sim(void)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	int fd = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: %s: %s (libiommu_sim.ko not loaded): runs in the VM tier\n",
		       LIBIOMMU_KMOD_SIM_DEVNODE, strerror(errno));
		exit(77);
	}
	if (ioctl(fd, LIBIOMMU_KMOD_GET_VERSION, &v) ||
	    !(v.out_features & LIBIOMMU_KMOD_FEAT_SIM)) {
		printf("FAIL: %s does not report LIBIOMMU_KMOD_FEAT_SIM\n",
		       LIBIOMMU_KMOD_SIM_DEVNODE);
		exit(1);
	}
	close(fd);
	if (access("/dev/iommu", F_OK)) {
		printf("SKIP: /dev/iommu not present: runs in the VM tier\n");
		exit(77);
	}
}

int ku_drop_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	d[cap / 32].inheritable &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

bool ku_slab_growth_means_leaks(void)
{
	const char *k = getenv("LIBIOMMU_VM_KERNEL");

	if (k && !strcmp(k, "debug")) {
		printf("note: debug kernel: KASAN's quarantine keeps freed memory in the slab counts; kmemleak judges leaks instead\n");
		return false;
	}
	return true;
}

int ku_module_refcnt(const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Append to @buf (of @len) what printf would print. */
static void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* An fd target that can hold a companion module, or a device of one. */
static bool pins_modules(const char *target)
{
	static const char *const prefixes[] = {
		"/dev/libiommu",
		"/dev/iommu",
		"/dev/vfio/",
		"/dev/kvm",
		"anon_inode:kvm",
		"anon_inode:[vfio-device]",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(target, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Every open fd of every process that pins_modules(), into @buf. */
static void holders_fds(char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX], comm[64];
	DIR *procs = opendir("/proc"), *fds;
	struct dirent *p, *f;
	ssize_t n;
	FILE *cf;

	if (!procs)
		return;
	while ((p = readdir(procs))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		comm[0] = '\0';
		snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
		cf = fopen(path, "r");
		if (cf) {
			if (!fgets(comm, sizeof(comm), cf))
				comm[0] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			fclose(cf);
		}
		while ((f = readdir(fds))) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name,
				 f->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (pins_modules(target))
				appendf(buf, len, "; pid %s (%s) fd %s: %s",
					p->d_name, comm, f->d_name, target);
		}
		closedir(fds);
	}
	closedir(procs);
}

/* Every entry of directory @dir, as "; @what <entry>", into @buf. */
static void list_dir(const char *dir, const char *what, char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			appendf(buf, len, "; %s %s", what, e->d_name);
	closedir(d);
}

const char *ku_module_busy_why(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	int refs = ku_module_refcnt(name);

	buf[0] = '\0';
	if (refs < 0) {
		appendf(buf, len, "%s is not loaded", name);
		return buf;
	}
	appendf(buf, len, "%s has %d reference%s", name, refs,
		refs == 1 ? "" : "s");
	snprintf(path, sizeof(path), "/sys/module/%s/holders", name);
	list_dir(path, "used by module", buf, len);
	list_dir("/sys/bus/libiommu_sim/devices", "simulated device", buf, len);
	holders_fds(buf, len);
	return buf;
}

void ku_require_module_idle(const char *name)
{
	char why[4096];
	int refs = ku_module_refcnt(name);

	ck_assert_msg(refs == 0, "%s is %s, before this test started: %s",
		      name, refs < 0 ? "not loaded" : "busy",
		      ku_module_busy_why(name, why, sizeof(why)));
}

void ku_close_device_fds(void)
{
	char path[64], target[PATH_MAX];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[256], n = 0;
	ssize_t len;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 256) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (pins_modules(target) && strncmp(target, "/dev/libiommu", 13))
			fds[n++] = fd;
	}
	closedir(d);
	while (n)
		close(fds[--n]);
}

void ku_assert_unloaded(const char *name)
{
	char why[4096];
	int rc = ku_unload(name);

	ck_assert_msg(rc == 0, "delete_module(%s): %s: %s", name, strerror(-rc),
		      ku_module_busy_why(name, why, sizeof(why)));
}

int ku_sim_destroy_leftovers(void)
{
	static const struct {
		const char *dir, *prefix;
		unsigned long cmd;
	} kinds[] = {
		/* devices first: an IOMMU with devices cannot go */
		{ "/sys/bus/libiommu_sim/devices", "libiommu_sim",
		  LIBIOMMU_KMOD_SIM_DEV_DESTROY },
		{ "/sys/class/iommu", "libiommu_sim_iommu",
		  LIBIOMMU_KMOD_SIM_IOMMU_DESTROY },
	};
	int ctl, found = 0;

	if (access(kinds[0].dir, F_OK))
		return 0;
	ctl = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		DIR *d = opendir(kinds[k].dir);
		size_t plen = strlen(kinds[k].prefix);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			/* both destroy structs: size, flags, id, __reserved */
			uint32_t cmd[4] = { 16, 0, 0, 0 };
			char *end;

			if (strncmp(e->d_name, kinds[k].prefix, plen))
				continue;
			cmd[2] = (uint32_t)strtoul(e->d_name + plen, &end, 10);
			if (*end || !cmd[2])
				continue;
			found++;
			printf("note: %s was left by a previous test: %s\n",
			       e->d_name, ioctl(ctl, kinds[k].cmd, cmd) ? strerror(errno) : "destroyed");
		}
		if (d)
			closedir(d);
	}
	close(ctl);
	fflush(stdout);
	return found;
}

#define KU_TEST_MODULE_MARK "/tmp/libiommu-test-module-%s"

void ku_mark_test_module(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), KU_TEST_MODULE_MARK, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

/* Is @name loaded as init loaded it?  If not, why not, into @why. */
static bool module_as_loaded(const char *name, char *why, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int c;

	if (ku_module_refcnt(name) < 0) {
		snprintf(why, len, "not loaded");
		return false;
	}
	snprintf(path, sizeof(path), KU_TEST_MODULE_MARK, name);
	if (!access(path, F_OK)) {
		snprintf(why, len, "a test build was left loaded");
		return false;
	}
	snprintf(path, sizeof(path),
		 "/sys/module/%s/parameters/sim_isolated_msi", name);
	f = fopen(path, "r");
	if (f) {
		c = fgetc(f);
		fclose(f);
		if (c == 'N') {
			snprintf(why, len, "loaded with sim_isolated_msi=0");
			return false;
		}
	}
	return true;
}

void ku_restore_modules(void)
{
	static const char *const names[] = { LIBIOMMU_KMOD_MODNAME,
					     LIBIOMMU_KMOD_SIM_MODNAME };
	const char *dir = getenv("LIBIOMMU_KMOD_DIR");
	char path[PATH_MAX], why[128], busy[2048];
	int ko, rc;

	if (!dir)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (module_as_loaded(names[i], why, sizeof(why)))
			continue;
		snprintf(path, sizeof(path), "%s/%s.ko", dir, names[i]);
		ko = open(path, O_RDONLY | O_CLOEXEC);
		if (ko < 0)
			continue; /* init did not load it either */
		rc = ku_module_refcnt(names[i]) < 0 ? 0 : ku_unload(names[i]);
		if (!rc)
			rc = syscall(SYS_finit_module, ko, "", 0) ? -errno : 0;
		close(ko);
		snprintf(path, sizeof(path), KU_TEST_MODULE_MARK, names[i]);
		if (!rc)
			unlink(path);
		printf("note: %s: %s: %s\n", names[i], why,
		       rc ? ku_module_busy_why(names[i], busy, sizeof(busy)) : "loaded again");
		fflush(stdout);
	}
}
