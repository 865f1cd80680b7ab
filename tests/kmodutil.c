/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
