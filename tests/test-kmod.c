/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The companion kernel module's query side (kmod/), through raw ioctls
 * on /dev/libiommu: version and struct-size rules, GET_DEV_INFO on QEMU's
 * edu device (bound to vfio-pci), KVM's non-coherent-DMA read-back around
 * KVM_DEV_VFIO_FILE_ADD/DEL, the errno for every kind of wrong fd, and the
 * module's load/unload lifecycle.
 *
 * Skips (77) without /dev/libiommu, i.e. everywhere but the VM tier (or a
 * machine where somebody loaded the module).  Groups that need the VM's
 * edu device, /dev/kvm, or the right to reload the module (LIBIOMMU_VM=1)
 * are only added when those are there; main() says which were left out.
 */
#include <dirent.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmodutil.h"
#include "testutil.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"
#include "uapi/vfio.h"
#include "libiommu_kmod.h"

#define EDU_CDEV "/dev/vfio/devices/vfio0"
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
/* An fd number no test opens by itself (the "other process's fd" case). */
#define FOREIGN_FD 200

/* ------------------------------------------------------------ helpers */

static int ctl_open(void)
{
	int fd = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", LIBIOMMU_KMOD_DEVNODE,
		      strerror(errno));
	return fd;
}

static int get_version(int ctl, struct libiommu_kmod_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, v);
}

static int dev_info(int ctl, int fd, struct libiommu_kmod_dev_info *di)
{
	memset(di, 0, sizeof(*di));
	di->size = sizeof(*di);
	di->vfio_fd = fd;
	return ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, di);
}

static int group_dev_info(int ctl, int group_fd, const char *name,
			  struct libiommu_kmod_dev_info *di)
{
	memset(di, 0, sizeof(*di));
	di->size = sizeof(*di);
	di->flags = LIBIOMMU_KMOD_DEV_INFO_GROUP;
	di->vfio_fd = group_fd;
	di->name_ptr = (uintptr_t)name;
	return ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, di);
}

static int kvm_query(int ctl, int vm, struct libiommu_kmod_kvm_noncoherent *kn)
{
	memset(kn, 0, sizeof(*kn));
	kn->size = sizeof(*kn);
	kn->kvm_fd = vm;
	return ku_ioctl(ctl, LIBIOMMU_KMOD_KVM_NONCOHERENT, kn);
}

/* KVM's non-coherent DMA count for @vm, checked against the flag. */
static unsigned int kvm_count(int ctl, int vm)
{
	struct libiommu_kmod_kvm_noncoherent kn;

	ku_assert_rc(kvm_query(ctl, vm, &kn), 0);
	ck_assert_uint_eq(!!(kn.out_flags & LIBIOMMU_KMOD_KVM_NONCOHERENT_DMA),
			  kn.out_noncoherent_dma_count != 0);
	ck_assert_uint_eq(kn.__reserved, 0);
	return kn.out_noncoherent_dma_count;
}

/* "on" / "off" from the VM tier; aborts the test when unknown. */
static bool snoop_on(void)
{
	const char *s = getenv("LIBIOMMU_VM_SNOOP");

	ck_assert_msg(s && (!strcmp(s, "on") || !strcmp(s, "off")),
		      "LIBIOMMU_VM_SNOOP must be on or off (is %s)", s ? s : "unset");
	return !strcmp(s, "on");
}

static const char *edu_bdf(void)
{
	const char *s = getenv("LIBIOMMU_VM_EDU");

	ck_assert_msg(s && *s, "LIBIOMMU_VM_EDU is not set");
	return s;
}

/* The IOMMU group number of edu, from sysfs. */
static int edu_group(void)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 edu_bdf());
	n = readlink(path, link, sizeof(link) - 1);
	ck_assert_msg(n > 0, "readlink %s: %s", path, strerror(errno));
	link[n] = '\0';
	slash = strrchr(link, '/');
	ck_assert_ptr_nonnull(slash);
	return atoi(slash + 1);
}

static int open_edu_group(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", edu_group());
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* edu through its cdev: opened, optionally bound to an iommufd + IOAS. */
struct edu {
	int dev;
	int iommufd;
	uint32_t devid;
	uint32_t ioas;
	uint32_t hwpt; /* the HWPT the attach landed on */
};

static void edu_open(struct edu *e, bool attach)
{
	struct lx_vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct lx_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct lx_vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	memset(e, 0, sizeof(*e));
	e->iommufd = -1;
	e->dev = open(EDU_CDEV, O_RDWR | O_CLOEXEC);
	ck_assert_msg(e->dev >= 0, "open %s: %s", EDU_CDEV, strerror(errno));
	if (!attach)
		return;

	e->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ck_assert_msg(e->iommufd >= 0, "open /dev/iommu: %s", strerror(errno));
	bind.iommufd = e->iommufd;
	ku_assert_rc(ku_ioctl(e->dev, LX_VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	e->devid = bind.out_devid;
	ku_assert_rc(ku_ioctl(e->iommufd, LX_IOMMU_IOAS_ALLOC, &alloc), 0);
	e->ioas = alloc.out_ioas_id;
	at.pt_id = e->ioas;
	ku_assert_rc(ku_ioctl(e->dev, LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	e->hwpt = at.pt_id;
}

static void edu_close(struct edu *e)
{
	close(e->dev);
	if (e->iommufd >= 0)
		close(e->iommufd);
}

/* An fd number that is open in no process of ours but @fd's child. */
static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

/*
 * Run @query(ctl, FOREIGN_FD) in the parent while FOREIGN_FD is open only
 * in a child (which opened @path there, or created a VM with @path NULL),
 * and also in the child, where it must succeed.  Returns the parent's rc.
 */
static int query_foreign_fd(const char *path,
			    int (*query)(int ctl, int fd))
{
	int ready[2], done[2], ctl = ctl_open(), status, rc;
	char c = 0;
	pid_t pid;

	ck_assert_int_eq(fcntl(FOREIGN_FD, F_GETFD), -1);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(done), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = path ? open(path, O_RDWR) : ku_kvm_new_vm();

		if (fd < 0 || dup2(fd, FOREIGN_FD) != FOREIGN_FD)
			_exit(2);
		rc = query(ctl, FOREIGN_FD);
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(3);
		_exit(rc == 0 ? 0 : 1);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(fcntl(FOREIGN_FD, F_GETFD), -1);
	rc = query(ctl, FOREIGN_FD);
	ck_assert_int_eq(write(done[1], &c, 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child's own query of fd %d failed (status %#x)",
		      FOREIGN_FD, status);
	close(ctl);
	return rc;
}

static int dev_info_rc(int ctl, int fd)
{
	struct libiommu_kmod_dev_info di;

	return dev_info(ctl, fd, &di);
}

static int kvm_query_rc(int ctl, int fd)
{
	struct libiommu_kmod_kvm_noncoherent kn;

	return kvm_query(ctl, fd, &kn);
}

/* ------------------------------------------------------------ version */

START_TEST(version_reports_v1_and_features)
{
	struct libiommu_kmod_version v;
	int ctl = ctl_open();

	ku_assert_rc(get_version(ctl, &v), 0);
	ck_assert_uint_eq(v.size, sizeof(v));
	ck_assert_uint_eq(v.out_version, LIBIOMMU_KMOD_VERSION);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_DEV_INFO);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_DEV_INFO_GROUP);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_DEV_INFO_OPENED);
	/* KVM_NONCOHERENT whenever the kernel has KVM (and kallsyms) */
	if (access("/dev/kvm", F_OK) == 0)
		ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT);
	printf("module interface v%u, features %#llx\n", v.out_version,
	       (unsigned long long)v.out_features);
	close(ctl);
}
END_TEST

START_TEST(version_accepts_a_larger_zeroed_struct)
{
	struct {
		struct libiommu_kmod_version v;
		uint64_t future[4];
	} big;
	int ctl = ctl_open();

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &big), 0);
	ck_assert_uint_eq(big.v.out_version, LIBIOMMU_KMOD_VERSION);
	/* The module writes back only what it knows. */
	ck_assert_uint_eq(big.v.size, sizeof(big));
	ck_assert_uint_eq(big.future[0] | big.future[3], 0);
	close(ctl);
}
END_TEST

START_TEST(version_rejects_nonzero_unknown_tail_with_e2big)
{
	struct {
		struct libiommu_kmod_version v;
		uint64_t future;
	} big;
	int ctl = ctl_open();

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	big.future = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &big), -E2BIG);
	ck_assert_uint_eq(big.v.out_version, 0); /* nothing written */
	close(ctl);
}
END_TEST

START_TEST(version_rejects_a_short_struct_with_einval)
{
	struct libiommu_kmod_version v;
	int ctl = ctl_open();

	memset(&v, 0, sizeof(v));
	v.size = LIBIOMMU_KMOD_VERSION_SIZE_V1 - 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v), -EINVAL);
	v.size = 0;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v), -EINVAL);
	ck_assert_uint_eq(v.out_version, 0);
	close(ctl);
}
END_TEST

START_TEST(version_rejects_unknown_flags_and_reserved)
{
	struct libiommu_kmod_version v;
	int ctl = ctl_open();

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.flags = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v), -EOPNOTSUPP);
	v.flags = 0;
	v.__reserved = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v), -EOPNOTSUPP);
	close(ctl);
}
END_TEST

/*
 * Like openat2() and clone3(): a struct bigger than a page is refused with
 * E2BIG before its tail is scanned, however much zeroed memory follows.
 */
START_TEST(structs_larger_than_a_page_are_e2big)
{
	size_t big = 64u << 20;
	struct libiommu_kmod_version *v = mmap(NULL, big, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS |
						       MAP_NORESERVE,
					       -1, 0);
	int ctl = ctl_open();

	ck_assert(v != MAP_FAILED);
	v->size = 4096; /* a page: still fine */
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, v), 0);
	ck_assert_uint_eq(v->out_version, LIBIOMMU_KMOD_VERSION);
	memset(v, 0, sizeof(*v));
	v->size = 4096 + 8;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, v), -E2BIG);
	v->size = (uint32_t)big;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, v), -E2BIG);
	v->size = UINT32_MAX;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, v), -E2BIG);
	ck_assert_uint_eq(v->out_version, 0); /* nothing written */
	munmap(v, big);
	close(ctl);
}
END_TEST

START_TEST(unknown_ioctls_are_enotty)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	int ctl = ctl_open();

	/* (numbers at the top of the range: new commands are added from 0) */
	ku_assert_rc(ku_ioctl(ctl, _IO(LIBIOMMU_KMOD_TYPE, 0xfe), &v), -ENOTTY);
	ku_assert_rc(ku_ioctl(ctl, _IO(LIBIOMMU_KMOD_TYPE, 0xff), &v), -ENOTTY);
	/* Right number, wrong type byte or direction/size bits. */
	ku_assert_rc(ku_ioctl(ctl, _IO(';', LIBIOMMU_KMOD_CMD_GET_VERSION), &v),
		     -ENOTTY);
	ku_assert_rc(ku_ioctl(ctl, _IOWR(LIBIOMMU_KMOD_TYPE, LIBIOMMU_KMOD_CMD_GET_VERSION, struct libiommu_kmod_version), &v),
		     -ENOTTY);
	close(ctl);
}
END_TEST

START_TEST(bad_pointers_are_efault)
{
	struct libiommu_kmod_version *ro;
	int ctl = ctl_open();

	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, NULL), -EFAULT);
	/* Readable but not writable: the reply cannot be written back. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(ro != MAP_FAILED);
	ro->size = sizeof(*ro);
	ck_assert_int_eq(mprotect(ro, 4096, PROT_READ), 0);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, ro), -EFAULT);
	munmap(ro, 4096);
	close(ctl);
}
END_TEST

START_TEST(control_node_is_root_only_0600)
{
	struct stat st;

	ck_assert_int_eq(stat(LIBIOMMU_KMOD_DEVNODE, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(major(st.st_rdev), 10); /* a misc device */
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, 0);
}
END_TEST

static int open_ctl_errno(void *arg)
{
	int fd = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);

	(void)arg;
	return fd >= 0 ? 0 : errno;
}

START_TEST(control_node_refuses_unprivileged_users)
{
	ck_assert_int_eq(tu_run_unprivileged(open_ctl_errno, NULL), EACCES);
}
END_TEST

/* ------------------------------------------------------------ dev-info args */

START_TEST(dev_info_rejects_unknown_flags_and_reserved)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open(), null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	memset(&di, 0, sizeof(di));
	di.size = sizeof(di);
	di.vfio_fd = null;
	di.flags = 1u << 7;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &di), -EOPNOTSUPP);
	di.flags = 0;
	di.__reserved = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &di), -EOPNOTSUPP);
	di.__reserved = 0;
	di.__reserved2 = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &di), -EOPNOTSUPP);
	close(null);
	close(ctl);
}
END_TEST

START_TEST(dev_info_name_needs_group_flag_and_vice_versa)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open(), null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	memset(&di, 0, sizeof(di));
	di.size = sizeof(di);
	di.vfio_fd = null;
	di.name_ptr = (uintptr_t) "0000:00:03.0";
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &di), -EINVAL);
	di.name_ptr = 0;
	di.flags = LIBIOMMU_KMOD_DEV_INFO_GROUP;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &di), -EINVAL);
	close(null);
	close(ctl);
}
END_TEST

START_TEST(dev_info_short_struct_is_einval)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open();

	memset(&di, 0, sizeof(di));
	di.size = LIBIOMMU_KMOD_DEV_INFO_SIZE_V1 - 1;
	di.vfio_fd = -1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &di), -EINVAL);
	close(ctl);
}
END_TEST

START_TEST(dev_info_on_dev_null_is_ebadfd)
{
	int ctl = ctl_open(), null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ku_assert_rc(dev_info_rc(ctl, null), -EBADFD);
	close(null);
	close(ctl);
}
END_TEST

START_TEST(dev_info_on_closed_or_negative_fd_is_ebadf)
{
	int ctl = ctl_open();

	ku_assert_rc(dev_info_rc(ctl, closed_fd()), -EBADF);
	ku_assert_rc(dev_info_rc(ctl, -1), -EBADF);
	ku_assert_rc(dev_info_rc(ctl, INT32_MAX), -EBADF);
	close(ctl);
}
END_TEST

START_TEST(dev_info_on_the_control_node_is_ebadfd)
{
	int ctl = ctl_open();

	ku_assert_rc(dev_info_rc(ctl, ctl), -EBADFD);
	close(ctl);
}
END_TEST

START_TEST(dev_info_on_an_iommufd_is_ebadfd)
{
	int ctl = ctl_open(), iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	ck_assert_msg(iommufd >= 0, "open /dev/iommu: %s", strerror(errno));
	ku_assert_rc(dev_info_rc(ctl, iommufd), -EBADFD);
	close(iommufd);
	close(ctl);
}
END_TEST

START_TEST(bad_input_is_not_logged)
{
	int before = ku_kmsg_count((const char *const[]){ "libiommu" }, 1), ctl = ctl_open(), i;
	struct libiommu_kmod_version v = { .size = 1 };

	for (i = 0; i < 20; i++) {
		dev_info_rc(ctl, -1);
		dev_info_rc(ctl, ctl);
		kvm_query_rc(ctl, ctl);
		ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v);
		ku_ioctl(ctl, _IO(LIBIOMMU_KMOD_TYPE, 0xfd), &v);
	}
	close(ctl);
	ck_assert_int_eq(ku_kmsg_count((const char *const[]){ "libiommu" }, 1), before);
}
END_TEST

/* ------------------------------------------------------------ dev-info on edu */

/* What every query of edu must say, bound or not, through any fd. */
static void check_edu_info(const struct libiommu_kmod_dev_info *di)
{
	bool on = snoop_on();

	ck_assert_str_eq(di->out_name, edu_bdf());
	ck_assert(di->out_flags & LIBIOMMU_KMOD_DEV_HAS_IOMMU);
	ck_assert_int_eq(di->out_iommu_group, edu_group());
	ck_assert(di->out_flags & LIBIOMMU_KMOD_DEV_IOMMU_CC);
	ck_assert_uint_eq(!!(di->out_flags & LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC), on);
	ck_assert_uint_eq(!!(di->out_flags & LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC), on);
	ck_assert_uint_eq(di->out_wbinvd_policy,
			  on ? LIBIOMMU_KMOD_WBINVD_DISABLE : LIBIOMMU_KMOD_WBINVD_ENABLE);
	/* QEMU's edu is a conventional PCI device: no PCIe capability. */
	ck_assert(di->out_flags & LIBIOMMU_KMOD_DEV_PCI);
	ck_assert_uint_eq(di->out_pci_vendor, EDU_VENDOR);
	ck_assert_uint_eq(di->out_pci_device, EDU_DEVICE);
	ck_assert(!(di->out_flags & LIBIOMMU_KMOD_DEV_PCIE));
	ck_assert(!(di->out_flags & LIBIOMMU_KMOD_DEV_DEVCTL_VALID));
	ck_assert(!(di->out_flags & LIBIOMMU_KMOD_DEV_NOSNOOP_EN));
	ck_assert_uint_eq(di->out_nosnoop, LIBIOMMU_KMOD_NOSNOOP_NO_PCIE);
	ck_assert_uint_eq(di->__reserved2, 0);
}

static void print_info(const char *what, const struct libiommu_kmod_dev_info *di)
{
	printf("%s: %s group %d flags %#llx nosnoop %u wbinvd %u devid %u\n",
	       what, di->out_name, di->out_iommu_group,
	       (unsigned long long)di->out_flags, di->out_nosnoop,
	       di->out_wbinvd_policy, di->out_devid);
}

START_TEST(edu_cdev_unbound_reports_kernel_view)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open();
	struct edu e;

	edu_open(&e, false);
	ku_assert_rc(dev_info(ctl, e.dev, &di), 0);
	print_info("edu cdev, unbound", &di);
	check_edu_info(&di);
	ck_assert(!(di.out_flags & (LIBIOMMU_KMOD_DEV_OPENED |
				    LIBIOMMU_KMOD_DEV_IOMMUFD_BOUND |
				    LIBIOMMU_KMOD_DEV_GROUP_FD |
				    LIBIOMMU_KMOD_DEV_ATTACH_KNOWN)));
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_NOT_BOUND);
	ck_assert_uint_eq(di.out_attach_hwpt_id, 0);
	edu_close(&e);
	close(ctl);
}
END_TEST

START_TEST(edu_cdev_attached_reports_bound_devid)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open();
	struct edu e;

	edu_open(&e, true);
	ku_assert_rc(dev_info(ctl, e.dev, &di), 0);
	print_info("edu cdev, attached to an IOAS", &di);
	check_edu_info(&di);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_OPENED);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_IOMMUFD_BOUND);
	ck_assert_uint_eq(di.out_devid, e.devid);
	edu_close(&e);
	close(ctl);
}
END_TEST

/*
 * What edu is attached to now: the HWPT its attach landed on, which
 * enforces snooping exactly when the VT-d has snoop control; nothing
 * after a detach; the new HWPT after attaching again.
 */
START_TEST(edu_dev_info_reports_the_attached_hwpt)
{
	struct lx_vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	struct lx_vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open();
	struct edu e;

	edu_open(&e, true);
	ku_assert_rc(dev_info(ctl, e.dev, &di), 0);
	printf("edu attached: out_attach %u hwpt %u (attach said %u) flags %#llx\n",
	       di.out_attach, di.out_attach_hwpt_id, e.hwpt,
	       (unsigned long long)di.out_flags);
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_PAGING);
	ck_assert_uint_eq(di.out_attach_hwpt_id, e.hwpt);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_ATTACH_KNOWN);
	ck_assert_uint_eq(!!(di.out_flags & LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC),
			  snoop_on());

	ku_assert_rc(ku_ioctl(e.dev, LX_VFIO_DEVICE_DETACH_IOMMUFD_PT, &det), 0);
	ku_assert_rc(dev_info(ctl, e.dev, &di), 0);
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_NONE);
	ck_assert_uint_eq(di.out_attach_hwpt_id, 0);
	ck_assert(!(di.out_flags & (LIBIOMMU_KMOD_DEV_ATTACH_KNOWN |
				    LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC)));

	at.pt_id = e.ioas;
	ku_assert_rc(ku_ioctl(e.dev, LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	ku_assert_rc(dev_info(ctl, e.dev, &di), 0);
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_PAGING);
	ck_assert_uint_eq(di.out_attach_hwpt_id, at.pt_id);

	/* a caller built for the V1 struct gets nothing beyond it */
	{
		struct {
			struct libiommu_kmod_dev_info di;
		} v1;

		memset(&v1, 0xa5, sizeof(v1));
		memset(&v1, 0, LIBIOMMU_KMOD_DEV_INFO_SIZE_V1);
		v1.di.size = LIBIOMMU_KMOD_DEV_INFO_SIZE_V1;
		v1.di.vfio_fd = e.dev;
		ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &v1), 0);
		ck_assert_uint_eq(v1.di.out_attach, 0xa5a5a5a5);
	}
	edu_close(&e);
	close(ctl);
}
END_TEST

START_TEST(edu_dev_info_sizes)
{
	struct {
		struct libiommu_kmod_dev_info di;
		uint64_t future[2];
	} big;
	int ctl = ctl_open();
	struct edu e;

	edu_open(&e, false);
	memset(&big, 0, sizeof(big));
	big.di.size = sizeof(big);
	big.di.vfio_fd = e.dev;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &big), 0);
	check_edu_info(&big.di);
	ck_assert_uint_eq(big.future[0] | big.future[1], 0);
	big.future[1] = 5;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &big), -E2BIG);
	edu_close(&e);
	close(ctl);
}
END_TEST

START_TEST(edu_through_group_fd_and_name)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open(), group = open_edu_group();
	struct edu e;

	ku_assert_rc(group_dev_info(ctl, group, edu_bdf(), &di), 0);
	print_info("edu via its group fd", &di);
	check_edu_info(&di);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_GROUP_FD);
	ck_assert(!(di.out_flags & LIBIOMMU_KMOD_DEV_OPENED));

	ku_assert_rc(group_dev_info(ctl, group, "0000:ff:1f.7", &di), -ENODEV);
	ku_assert_rc(group_dev_info(ctl, group, "", &di), -ENODEV);
	ku_assert_rc(group_dev_info(ctl, group, (const char *)8, &di), -EFAULT);
	/* A group fd without the flag, a device fd with it. */
	ku_assert_rc(dev_info_rc(ctl, group), -EBADFD);
	close(group);
	edu_open(&e, false);
	ku_assert_rc(group_dev_info(ctl, e.dev, edu_bdf(), &di), -EBADFD);
	edu_close(&e);
	close(ctl);
}
END_TEST

/* The legacy path: container + group + VFIO_GROUP_GET_DEVICE_FD. */
START_TEST(edu_group_opened_device_fd)
{
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open(), group = open_edu_group(), container, dev;

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ck_assert_msg(container >= 0, "open /dev/vfio/vfio: %s", strerror(errno));
	ck_assert_int_eq(ioctl(group, LX_VFIO_GROUP_SET_CONTAINER, &container), 0);
	ck_assert_int_eq(ioctl(container, LX_VFIO_SET_IOMMU, LX_VFIO_TYPE1v2_IOMMU), 0);
	dev = ioctl(group, LX_VFIO_GROUP_GET_DEVICE_FD, edu_bdf());
	ck_assert_msg(dev >= 0, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));

	ku_assert_rc(dev_info(ctl, dev, &di), 0);
	print_info("edu via VFIO_GROUP_GET_DEVICE_FD", &di);
	check_edu_info(&di);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_OPENED);
	ck_assert(!(di.out_flags & LIBIOMMU_KMOD_DEV_GROUP_FD));
	/* the legacy container decides: not known here */
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_NOT_BOUND);
	ck_assert(!(di.out_flags & LIBIOMMU_KMOD_DEV_ATTACH_KNOWN));
	/* The container is not a device: */
	ku_assert_rc(dev_info_rc(ctl, container), -EBADFD);
	close(dev);
	close(group);
	close(container);
	close(ctl);
}
END_TEST

START_TEST(dev_info_on_another_process_fd_is_ebadf)
{
	ku_assert_rc(query_foreign_fd(EDU_CDEV, dev_info_rc), -EBADF);
}
END_TEST

/* ------------------------------------------------------------ kvm */

START_TEST(kvm_count_follows_kvm_vfio_file_add_del)
{
	int ctl = ctl_open(), vm = ku_kvm_new_vm(), kdev;
	unsigned int want = snoop_on() ? 0 : 1;
	struct edu e;

	edu_open(&e, true);
	kdev = ku_kvm_new_vfio_dev(vm);
	ck_assert_uint_eq(kvm_count(ctl, vm), 0);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, e.dev), 0);
	ck_assert_uint_eq(kvm_count(ctl, vm), want);
	printf("snoop-control=%s: KVM noncoherent_dma_count after FILE_ADD = %u\n",
	       snoop_on() ? "on" : "off", want);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, e.dev), 0);
	ck_assert_uint_eq(kvm_count(ctl, vm), 0);
	close(kdev);
	close(vm);
	edu_close(&e);
	close(ctl);
}
END_TEST

START_TEST(kvm_count_outlives_the_vfio_fd_not_the_kvm_vfio_fd)
{
	/*
	 * kvm-vfio holds its own reference on the VFIO file, so closing the
	 * VMM's fd changes nothing; closing the kvm-vfio device's fd releases
	 * the device (kvm_vfio_release) and with it the count.
	 */
	int ctl = ctl_open(), vm = ku_kvm_new_vm(), kdev;
	unsigned int want = snoop_on() ? 0 : 1;
	struct edu e;

	edu_open(&e, false);
	kdev = ku_kvm_new_vfio_dev(vm);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, e.dev), 0);
	edu_close(&e);
	ck_assert_uint_eq(kvm_count(ctl, vm), want);
	close(kdev);
	ck_assert_uint_eq(kvm_count(ctl, vm), 0);
	close(vm);
	close(ctl);
}
END_TEST

START_TEST(kvm_count_is_per_vm)
{
	int ctl = ctl_open(), a = ku_kvm_new_vm(), b = ku_kvm_new_vm(), kdev_a;
	unsigned int want = snoop_on() ? 0 : 1;
	struct edu e;

	edu_open(&e, true);
	kdev_a = ku_kvm_new_vfio_dev(a);
	close(ku_kvm_new_vfio_dev(b));
	ku_assert_rc(ku_kvm_vfio_file(kdev_a, LX_KVM_DEV_VFIO_FILE_ADD, e.dev), 0);
	ck_assert_uint_eq(kvm_count(ctl, a), want);
	ck_assert_uint_eq(kvm_count(ctl, b), 0);
	close(kdev_a);
	close(a);
	close(b);
	edu_close(&e);
	close(ctl);
}
END_TEST

START_TEST(kvm_count_with_the_group_fd)
{
	/* What a legacy VMM does: the group fd goes to kvm-vfio. */
	struct libiommu_kmod_dev_info di;
	int ctl = ctl_open(), vm = ku_kvm_new_vm(), kdev, group = open_edu_group();
	unsigned int want = snoop_on() ? 0 : 1;

	ku_assert_rc(group_dev_info(ctl, group, edu_bdf(), &di), 0);
	ck_assert_uint_eq(!(di.out_flags & LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC), want);
	kdev = ku_kvm_new_vfio_dev(vm);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, group), 0);
	ck_assert_uint_eq(kvm_count(ctl, vm), want);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, group), 0);
	ck_assert_uint_eq(kvm_count(ctl, vm), 0);
	close(kdev);
	close(vm);
	close(group);
	close(ctl);
}
END_TEST

START_TEST(kvm_rejects_unknown_flags_and_reserved)
{
	struct libiommu_kmod_kvm_noncoherent kn;
	int ctl = ctl_open(), vm = ku_kvm_new_vm();

	memset(&kn, 0, sizeof(kn));
	kn.size = sizeof(kn);
	kn.kvm_fd = vm;
	kn.flags = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_KVM_NONCOHERENT, &kn), -EOPNOTSUPP);
	kn.flags = 0;
	kn.__reserved = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_KVM_NONCOHERENT, &kn), -EOPNOTSUPP);
	kn.__reserved = 0;
	kn.size = LIBIOMMU_KMOD_KVM_NONCOHERENT_SIZE_V1 - 4;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_KVM_NONCOHERENT, &kn), -EINVAL);
	close(vm);
	close(ctl);
}
END_TEST

START_TEST(kvm_query_on_non_vm_fds_is_ebadfd)
{
	int ctl = ctl_open(), vm = ku_kvm_new_vm(), kdev = ku_kvm_new_vfio_dev(vm);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct edu e;

	edu_open(&e, false);
	ku_assert_rc(kvm_query_rc(ctl, null), -EBADFD);
	ku_assert_rc(kvm_query_rc(ctl, kvm), -EBADFD);	 /* the system fd */
	ku_assert_rc(kvm_query_rc(ctl, kdev), -EBADFD);	 /* a device fd */
	ku_assert_rc(kvm_query_rc(ctl, e.dev), -EBADFD); /* VFIO as KVM */
	ku_assert_rc(kvm_query_rc(ctl, ctl), -EBADFD);
	/* ... and a VM fd as VFIO. */
	ku_assert_rc(dev_info_rc(ctl, vm), -EBADFD);
	ku_assert_rc(dev_info_rc(ctl, kdev), -EBADFD);
	edu_close(&e);
	close(kvm);
	close(null);
	close(kdev);
	close(vm);
	close(ctl);
}
END_TEST

START_TEST(kvm_query_on_closed_or_negative_fd_is_ebadf)
{
	int ctl = ctl_open(), vm = ku_kvm_new_vm();

	close(vm);
	ku_assert_rc(kvm_query_rc(ctl, vm), -EBADF);
	ku_assert_rc(kvm_query_rc(ctl, -1), -EBADF);
	close(ctl);
}
END_TEST

START_TEST(kvm_query_on_another_process_fd_is_ebadf)
{
	ku_assert_rc(query_foreign_fd(NULL, kvm_query_rc), -EBADF);
}
END_TEST

/* ------------------------------------------------------------ lifecycle */

static char module_path[PATH_MAX];

static const char *module_ko(void)
{
	const char *dir = getenv("LIBIOMMU_KMOD_DIR");

	ck_assert_msg(dir, "LIBIOMMU_KMOD_DIR is not set");
	snprintf(module_path, sizeof(module_path), "%s/%s.ko", dir,
		 LIBIOMMU_KMOD_MODNAME);
	ck_assert_msg(access(module_path, R_OK) == 0, "%s: %s", module_path,
		      strerror(errno));
	return module_path;
}

/*
 * VMs alive now, from KVM's debugfs (a "<pid>-<fd>" directory per VM), or
 * -1 without it.  No load of the module may leave one behind.
 */
static int kvm_vms_alive(void)
{
	DIR *d = opendir("/sys/kernel/debug/kvm");
	struct dirent *de;
	int n = 0, pid, fd;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "%d-%d", &pid, &fd) == 2)
			n++;
	closedir(d);
	return n;
}

START_TEST(rmmod_is_refused_while_the_node_is_open)
{
	const char *ko = module_ko();
	struct libiommu_kmod_version v;
	int ctl = ctl_open(), rc;

	/* delete_module() refuses a module in use with EWOULDBLOCK (EAGAIN). */
	ku_assert_rc(ku_delete_module(LIBIOMMU_KMOD_MODNAME, O_NONBLOCK), -EWOULDBLOCK);
	ck_assert_int_ne(ku_run("rmmod", LIBIOMMU_KMOD_MODNAME, true), 0);
	ck_assert_int_eq(access(LIBIOMMU_KMOD_DEVNODE, F_OK), 0);
	ku_assert_rc(get_version(ctl, &v), 0);

	close(ctl);
	rc = ku_run("rmmod", LIBIOMMU_KMOD_MODNAME, false);
	ck_assert_int_eq(access(LIBIOMMU_KMOD_DEVNODE, F_OK), -1);
	ck_assert_int_eq(ku_run("insmod", ko, false), 0);
	ck_assert_int_eq(rc, 0);
	ctl = ctl_open();
	ku_assert_rc(get_version(ctl, &v), 0);
	close(ctl);
}
END_TEST

/* One load's worth of queries; false (with a message) on any failure. */
static bool query_all(int edu_dev, int vm, unsigned int want, char *why,
		      size_t len)
{
	struct libiommu_kmod_dev_info di;
	struct libiommu_kmod_kvm_noncoherent kn;
	struct libiommu_kmod_version v;
	int ctl = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC), rc;

	if (ctl < 0) {
		snprintf(why, len, "open: %s", strerror(errno));
		return false;
	}
	rc = get_version(ctl, &v);
	if (!rc && !(v.out_features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT))
		rc = -ENOSYS;
	if (!rc)
		rc = dev_info(ctl, edu_dev, &di);
	if (!rc)
		rc = kvm_query(ctl, vm, &kn);
	if (!rc && kn.out_noncoherent_dma_count != want)
		rc = -ERANGE;
	close(ctl);
	if (rc)
		snprintf(why, len, "query: %s", strerror(-rc));
	return rc == 0;
}

#define RELOADS 100
#define WARMUP 5
/*
 * Allowed growth of unreclaimable slab over RELOADS loads, in kB: seen
 * between -72 and +36 in the VM, so a leak above ~1.3 KiB per load shows.
 */
#define SUNRECLAIM_SLACK_KB 128

START_TEST(reload_100_times_without_leaks_or_warnings)
{
	long slab0 = 0, sunr0 = 0, slab1, sunr1;
	int i, bad0 = ku_kmsg_bad(), vm, kdev, failed_at = -1, vms0;
	unsigned int want = snoop_on() ? 0 : 1;
	int kofd = open(module_ko(), O_RDONLY | O_CLOEXEC);
	struct timespec t0, t1;
	char why[256] = "";
	struct edu e;

	/*
	 * A VM and an edu fd that outlive every module instance: each new
	 * load must still recognise the VM and the device.
	 */
	ck_assert_msg(kofd >= 0, "%s: %s", module_path, strerror(errno));
	edu_open(&e, true);
	vm = ku_kvm_new_vm();
	kdev = ku_kvm_new_vfio_dev(vm);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, e.dev), 0);

	vms0 = kvm_vms_alive();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < WARMUP + RELOADS && failed_at < 0; i++) {
		if (i == WARMUP) {
			slab0 = ku_meminfo("Slab");
			sunr0 = ku_meminfo("SUnreclaim");
		}
		/*
		 * The syscalls rmmod and insmod make (rmmod_is_refused... runs
		 * the tools themselves): two fork+execs per load cost more
		 * under TCG than the load itself.
		 */
		int rc = ku_delete_module(LIBIOMMU_KMOD_MODNAME, O_NONBLOCK);

		if (rc) {
			char busy[2048];

			snprintf(why, sizeof(why), "delete_module: %s: %s", strerror(-rc),
				 ku_module_busy_why(LIBIOMMU_KMOD_MODNAME, busy,
						    sizeof(busy)));
			failed_at = i;
		} else if (syscall(SYS_finit_module, kofd, "", 0)) {
			snprintf(why, sizeof(why), "finit_module: %s", strerror(errno));
			failed_at = i;
		} else if (!query_all(e.dev, vm, want, why, sizeof(why))) {
			failed_at = i;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Leave the module loaded whatever happened. */
	if (access(LIBIOMMU_KMOD_DEVNODE, F_OK))
		syscall(SYS_finit_module, kofd, "", 0);
	close(kofd);
	ck_assert_msg(failed_at < 0, "load %d: %s", failed_at, why);

	usleep(500000); /* let RCU-deferred frees of the last unload land */
	slab1 = ku_meminfo("Slab");
	sunr1 = ku_meminfo("SUnreclaim");
	printf("%d reloads (delete_module + finit_module + 3 queries) in %.1f s; over the last %d: Slab %ld -> %ld kB (%+ld), SUnreclaim %ld -> %ld kB (%+ld)\n",
	       WARMUP + RELOADS, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, RELOADS, slab0, slab1,
	       slab1 - slab0, sunr0, sunr1, sunr1 - sunr0);
	if (ku_slab_growth_means_leaks())
		ck_assert_msg(sunr1 - sunr0 <= SUNRECLAIM_SLACK_KB,
			      "SUnreclaim grew by %ld kB over %d reloads",
			      sunr1 - sunr0, RELOADS);
	ck_assert_int_eq(ku_kmsg_bad(), bad0);
	printf("KVM VMs alive (debugfs) before/after: %d/%d\n", vms0,
	       kvm_vms_alive());
	ck_assert_int_eq(kvm_vms_alive(), vms0); /* no VM left over */

	close(kdev);
	close(vm);
	edu_close(&e);
}
END_TEST

static bool kvm_feature(void);

/* Reload the companion module from @ko_fd (unload first); 0 / -errno. */
static int reload_from(int ko_fd, const char *params)
{
	int rc = ku_delete_module(LIBIOMMU_KMOD_MODNAME, O_NONBLOCK);

	if (rc && rc != -ENOENT)
		return rc;
	return syscall(SYS_finit_module, ko_fd, params, 0) ? -errno : 0;
}

/* A kernel uevent socket (NETLINK_KOBJECT_UEVENT), non-blocking. */
static int uevent_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       NETLINK_KOBJECT_UEVENT);

	ck_assert_msg(s >= 0, "uevent socket: %s", strerror(errno));
	ck_assert_msg(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		      "bind uevent socket: %s", strerror(errno));
	return s;
}

/* KVM "EVENT=create" uevents received on @s since the last call. */
static int kvm_create_uevents(int s)
{
	char buf[8192];
	ssize_t n;
	int count = 0;

	usleep(200000); /* uevents are sent asynchronously */
	while ((n = recv(s, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		for (char *p = buf; p < buf + n; p += strlen(p) + 1)
			if (!strcmp(p, "EVENT=create"))
				count++;
	}
	return count;
}

/*
 * Loading the module must not create a KVM VM (nor an fd in the loading
 * process, nor enable virtualization): KVM announces every VM it creates
 * with a uevent, so count them around a few loads.
 */
START_TEST(loading_the_module_creates_no_kvm_vm)
{
	int s = uevent_socket(), kofd = open(module_ko(), O_RDONLY | O_CLOEXEC);
	int vm, n, i;

	ck_assert_int_ge(kofd, 0);
	kvm_create_uevents(s);
	vm = ku_kvm_new_vm();
	n = kvm_create_uevents(s);
	close(vm);
	ck_assert_msg(n == 1, "KVM_CREATE_VM sent %d create uevents, expected 1", n);
	for (i = 0; i < 5; i++)
		ku_assert_rc(reload_from(kofd, ""), 0);
	n = kvm_create_uevents(s);
	printf("KVM VMs created by 5 module loads: %d\n", n);
	ck_assert_int_eq(n, 0);
	ck_assert(kvm_feature());
	close(kofd);
	close(s);
}
END_TEST

/*
 * A loader whose fd table is full (RLIMIT_NOFILE reached) loads the
 * module like any other: what the module can do must not depend on the
 * loading process's fds.
 */
START_TEST(a_loader_with_a_full_fd_table_gets_the_same_module)
{
	int kofd = open(module_ko(), O_RDONLY | O_CLOEXEC), status;
	pid_t pid;

	ck_assert_int_ge(kofd, 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit r, full;
		int top = kofd, fd, rc;

		for (fd = 0; fd < 256; fd++)
			if (fcntl(fd, F_GETFD) >= 0 && fd > top)
				top = fd;
		getrlimit(RLIMIT_NOFILE, &r);
		full = r;
		full.rlim_cur = (rlim_t)top + 1;
		setrlimit(RLIMIT_NOFILE, &full);
		while (dup(kofd) >= 0)
			; /* fill the holes below the limit */
		rc = reload_from(kofd, "");
		setrlimit(RLIMIT_NOFILE, &r);
		if (rc)
			_exit(2);
		for (fd = top + 1; fd < top + 8; fd++)
			close(fd);
		_exit(kvm_feature() ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) != 2, "the module did not load");
	ck_assert_msg(WEXITSTATUS(status) == 0,
		      "loaded with a full fd table, the module cannot read KVM's state (LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT clear)");
	close(kofd);
}
END_TEST

/*
 * A module built against a kernel tree that is not the running kernel's
 * build (the VM tier builds one on purpose: another build's identity, and
 * a struct kvm_arch laid out for another configuration) loads, but must
 * refuse to read KVM's private state with ENOEXEC instead of reading the
 * wrong offset.
 */
START_TEST(a_module_built_for_another_kernel_build_refuses_the_kvm_query)
{
	struct libiommu_kmod_kvm_noncoherent kn;
	struct libiommu_kmod_version v;
	char path[PATH_MAX];
	int ko, ctl, vm, kdev, rc, truth;
	struct edu e;

	snprintf(path, sizeof(path), "%s/test/%s-foreign.ko",
		 getenv("LIBIOMMU_KMOD_DIR"), LIBIOMMU_KMOD_MODNAME);
	ko = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(ko >= 0, "%s: %s", path, strerror(errno));

	/* the truth, from the normal module */
	edu_open(&e, true);
	vm = ku_kvm_new_vm();
	kdev = ku_kvm_new_vfio_dev(vm);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, e.dev), 0);
	ctl = ctl_open();
	truth = (int)kvm_count(ctl, vm);
	close(ctl);

	ku_mark_test_module(LIBIOMMU_KMOD_MODNAME); /* see ku_restore_modules() */
	ku_assert_rc(reload_from(ko, ""), 0);
	ctl = ctl_open();
	ku_assert_rc(get_version(ctl, &v), 0);
	rc = kvm_query(ctl, vm, &kn);
	printf("foreign build: features %#llx, KVM_NONCOHERENT -> %s (count %u; the truth is %d)\n",
	       (unsigned long long)v.out_features, rc ? strerror(-rc) : "answered",
	       kn.out_noncoherent_dma_count, truth);
	close(ctl);
	close(kdev);
	close(vm);
	edu_close(&e);
	close(ko);
	ku_restore_modules();
	ck_assert_msg(rc == -ENOEXEC,
		      "a module built for another kernel answered %s (count %u, truth %d)",
		      rc ? strerror(-rc) : "0", kn.out_noncoherent_dma_count, truth);
	ck_assert(!(v.out_features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT));
}
END_TEST

/*
 * libiommu.ko built without the kernel's private headers (LIK_HEADERS_ONLY,
 * what a distribution's headers package allows) answers for device cdevs
 * and for a group fd plus a PCI device's name exactly like the full build,
 * refuses device fds from VFIO_GROUP_GET_DEVICE_FD (EOPNOTSUPP) and says
 * so in its feature bits.
 */
START_TEST(a_headers_only_build_answers_for_cdevs_and_groups)
{
	struct libiommu_kmod_dev_info di;
	struct libiommu_kmod_version v;
	char path[PATH_MAX];
	int ko, ctl, group, container, dev;
	struct edu e;

	snprintf(path, sizeof(path), "%s/test/%s-headers-only.ko",
		 getenv("LIBIOMMU_KMOD_DIR"), LIBIOMMU_KMOD_MODNAME);
	ko = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(ko >= 0, "%s: %s", path, strerror(errno));
	ku_mark_test_module(LIBIOMMU_KMOD_MODNAME); /* see ku_restore_modules() */
	ku_assert_rc(reload_from(ko, ""), 0);
	close(ko);
	ctl = ctl_open();
	ku_assert_rc(get_version(ctl, &v), 0);
	printf("headers-only build: features %#llx\n",
	       (unsigned long long)v.out_features);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_DEV_INFO);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_DEV_INFO_GROUP);
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT);
	ck_assert(!(v.out_features & (LIBIOMMU_KMOD_FEAT_DEV_INFO_OPENED |
				      LIBIOMMU_KMOD_FEAT_DEV_INFO_ATTACH)));

	edu_open(&e, true);
	ku_assert_rc(dev_info(ctl, e.dev, &di), 0);
	check_edu_info(&di);
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_UNKNOWN);
	ck_assert(!(di.out_flags & (LIBIOMMU_KMOD_DEV_OPENED |
				    LIBIOMMU_KMOD_DEV_ATTACH_KNOWN)));
	edu_close(&e);

	group = open_edu_group();
	ku_assert_rc(group_dev_info(ctl, group, edu_bdf(), &di), 0);
	check_edu_info(&di);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_GROUP_FD);
	ku_assert_rc(group_dev_info(ctl, group, "0000:ff:1f.7", &di), -ENODEV);
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(container, 0);
	ck_assert_int_eq(ioctl(group, LX_VFIO_GROUP_SET_CONTAINER, &container), 0);
	ck_assert_int_eq(ioctl(container, LX_VFIO_SET_IOMMU, LX_VFIO_TYPE1v2_IOMMU), 0);
	dev = ioctl(group, LX_VFIO_GROUP_GET_DEVICE_FD, edu_bdf());
	ck_assert_msg(dev >= 0, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	ku_assert_rc(dev_info(ctl, dev, &di), -EOPNOTSUPP);
	close(dev);
	close(group);
	close(container);
	close(ctl);
	ku_restore_modules();
}
END_TEST

/* ------------------------------------------------------------ main */

static bool have_module_file(void)
{
	const char *dir = getenv("LIBIOMMU_KMOD_DIR");
	char path[PATH_MAX];

	if (!dir)
		return false;
	snprintf(path, sizeof(path), "%s/%s.ko", dir, LIBIOMMU_KMOD_MODNAME);
	return access(path, R_OK) == 0;
}

/*
 * The lifecycle tests unload the module: it must be idle when they start,
 * or they name what a previous test left holding it.
 */
static void module_idle(void)
{
	ku_restore_modules(); /* a failed test may have left another build */
	ku_require_module_idle(LIBIOMMU_KMOD_MODNAME);
}

static bool kvm_feature(void)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	int ctl = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);
	bool on;

	if (ctl < 0)
		return false;
	on = ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v) == 0 &&
	     (v.out_features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT);
	close(ctl);
	return on;
}

int main(void)
{
	Suite *s;
	int rc;
	bool vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	bool edu = getenv("LIBIOMMU_VM_EDU") && access(EDU_CDEV, F_OK) == 0;
	TCase *tc;

	if (access(LIBIOMMU_KMOD_DEVNODE, F_OK) != 0) {
		if (vm && have_module_file()) {
			printf("FAIL: %s/%s.ko is there but %s is not: the module did not load\n",
			       getenv("LIBIOMMU_KMOD_DIR"), LIBIOMMU_KMOD_MODNAME,
			       LIBIOMMU_KMOD_DEVNODE);
			return EXIT_FAILURE;
		}
		printf("SKIP: %s not present (companion module kmod/ not loaded): runs in the VM tier\n",
		       LIBIOMMU_KMOD_DEVNODE);
		return TU_EXIT_SKIP;
	}

	/* created only now, so the skip paths above leak nothing (ASan) */
	s = suite_create("kmod");
	tc = tu_tcase(s, "version");
	tcase_add_test(tc, version_reports_v1_and_features);
	tcase_add_test(tc, version_accepts_a_larger_zeroed_struct);
	tcase_add_test(tc, version_rejects_nonzero_unknown_tail_with_e2big);
	tcase_add_test(tc, version_rejects_a_short_struct_with_einval);
	tcase_add_test(tc, version_rejects_unknown_flags_and_reserved);
	tcase_add_test(tc, structs_larger_than_a_page_are_e2big);
	tcase_add_test(tc, unknown_ioctls_are_enotty);
	tcase_add_test(tc, bad_pointers_are_efault);
	tcase_add_test(tc, control_node_is_root_only_0600);
	if (geteuid() == 0)
		tcase_add_test(tc, control_node_refuses_unprivileged_users);

	tc = tu_tcase(s, "dev-info-args");
	tcase_add_test(tc, dev_info_rejects_unknown_flags_and_reserved);
	tcase_add_test(tc, dev_info_name_needs_group_flag_and_vice_versa);
	tcase_add_test(tc, dev_info_short_struct_is_einval);
	tcase_add_test(tc, dev_info_on_dev_null_is_ebadfd);
	tcase_add_test(tc, dev_info_on_closed_or_negative_fd_is_ebadf);
	tcase_add_test(tc, dev_info_on_the_control_node_is_ebadfd);
	if (access("/dev/iommu", F_OK) == 0)
		tcase_add_test(tc, dev_info_on_an_iommufd_is_ebadfd);
	tcase_add_test(tc, bad_input_is_not_logged);

	if (edu) {
		tc = tu_tcase(s, "dev-info-edu");
		tcase_add_test(tc, edu_cdev_unbound_reports_kernel_view);
		tcase_add_test(tc, edu_cdev_attached_reports_bound_devid);
		tcase_add_test(tc, edu_dev_info_reports_the_attached_hwpt);
		tcase_add_test(tc, edu_dev_info_sizes);
		tcase_add_test(tc, edu_through_group_fd_and_name);
		tcase_add_test(tc, edu_group_opened_device_fd);
		tcase_add_test(tc, dev_info_on_another_process_fd_is_ebadf);
	} else {
		printf("note: no edu device (%s, LIBIOMMU_VM_EDU): dev-info-edu tests left out\n",
		       EDU_CDEV);
	}

	if (edu && kvm_feature()) {
		tc = tu_tcase(s, "kvm");
		tcase_add_test(tc, kvm_count_follows_kvm_vfio_file_add_del);
		tcase_add_test(tc, kvm_count_outlives_the_vfio_fd_not_the_kvm_vfio_fd);
		tcase_add_test(tc, kvm_count_is_per_vm);
		tcase_add_test(tc, kvm_count_with_the_group_fd);
		tcase_add_test(tc, kvm_rejects_unknown_flags_and_reserved);
		tcase_add_test(tc, kvm_query_on_non_vm_fds_is_ebadfd);
		tcase_add_test(tc, kvm_query_on_closed_or_negative_fd_is_ebadf);
		tcase_add_test(tc, kvm_query_on_another_process_fd_is_ebadf);
	} else {
		printf("note: no edu or no KVM_NONCOHERENT (/dev/kvm): kvm tests left out\n");
	}

	/* Reloading the module is for the VM only, never a developer's host. */
	if (vm && edu && kvm_feature() && have_module_file()) {
		tc = tu_tcase(s, "lifecycle");
		tcase_set_timeout(tc, 100);
		tcase_add_checked_fixture(tc, module_idle, NULL);
		tcase_add_test(tc, rmmod_is_refused_while_the_node_is_open);
		tcase_add_test(tc, loading_the_module_creates_no_kvm_vm);
		tcase_add_test(tc, a_loader_with_a_full_fd_table_gets_the_same_module);
		tcase_add_test(tc, a_module_built_for_another_kernel_build_refuses_the_kvm_query);
		tcase_add_test(tc, a_headers_only_build_answers_for_cdevs_and_groups);
		if (tu_want_lifecycle("reload_100_times_without_leaks_or_warnings"))
			tcase_add_test(tc, reload_100_times_without_leaks_or_warnings);
	} else {
		printf("note: not in the VM tier (LIBIOMMU_VM=1, LIBIOMMU_KMOD_DIR): lifecycle tests left out\n");
	}
	rc = tu_run(s);
	ku_restore_modules(); /* a failed test may have left another build */
	return rc;
}
