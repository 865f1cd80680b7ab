// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * KVM: the kvm-vfio device of a caller's VM.
 *
 * KVM learns about a VM's VFIO devices only through its kvm-vfio device
 * (KVM_DEV_VFIO_FILE_ADD/DEL with a VFIO file): it asks VFIO whether the
 * file's DMA is enforced-coherent and, if any file's is not, counts the VM
 * as having non-coherent DMA and emulates WBINVD.  That answer stays inside
 * KVM; the companion module reads it back (KVM_NONCOHERENT).
 *
 * KVM allows one kvm-vfio device per VM, and closing its fd destroys it
 * (and releases every file it holds).  The handle keeps the devices it
 * added so that a device freed while added is deleted first: kvm-vfio
 * holds a reference on the file, which would otherwise keep the device
 * bound to its iommufd after the library closed it.  Detaching a device
 * changes nothing for KVM: for a device cdev VFIO answers from the IOMMU's
 * capability, not from the attachment.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "coherency.h"
#include "kmodc.h"
#include "uapi/kvm.h"

#define FAIL(ctx, err, ...) lu_ret(lu_fail(ctx, err, __VA_ARGS__))

static int vfio_file(int kdev, uint64_t attr, int fd)
{
	int32_t v = fd;
	struct lx_kvm_device_attr a = {
		.group = LX_KVM_DEV_VFIO_FILE,
		.attr = attr,
		.addr = (uintptr_t)&v,
	};

	return lu_ioctl(kdev, LX_KVM_SET_DEVICE_ATTR, &a);
}

/*
 * The file KVM gets for a device: its cdev, or on the legacy backends its
 * VFIO group (what a legacy VMM gives; VFIO then answers for the group's
 * container).
 */
static int dev_file(const struct libiommu_dev *dev)
{
	int g = lu_dev_group_fd(dev);

	return g >= 0 ? g : dev->fd;
}

/* How many devices of @kvm share @file (a legacy group holds several). */
static size_t file_users(const struct libiommu_kvm *kvm, int file)
{
	size_t i, n = 0;

	for (i = 0; i < kvm->nr_devs; i++)
		n += dev_file(kvm->devs[i]) == file;
	return n;
}

/* Is @fd one of KVM's kvm-vfio device files? */
static bool is_kvm_vfio(int fd)
{
	char p[64], link[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return strcmp(link, "anon_inode:kvm-vfio") == 0;
}

/*
 * The VM already has a kvm-vfio device: find its fd.  A handle of @ctx on
 * the same VM has it; else only a sole candidate among this process's fds
 * is taken, since nothing tells which VM a kvm-vfio fd belongs to (the
 * handles' own fds are skipped).
 */
static int find_kvm_vfio(struct libiommu_ctx *ctx, int vm_fd, int *out)
{
	struct libiommu_kvm *k;
	struct dirent *de;
	int found = -1, n = 0, fd;
	DIR *d;

	for (k = ctx->kvm_list; k; k = k->next) {
		if (k->vm_fd == vm_fd) {
			*out = k->dev_fd;
			return 0;
		}
	}
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || v < 0 || v == dirfd(d))
			continue;
		fd = (int)v;
		if (!is_kvm_vfio(fd))
			continue;
		for (k = ctx->kvm_list; k; k = k->next)
			if (k->dev_fd == fd)
				break;
		if (k)
			continue;
		found = fd;
		n++;
	}
	closedir(d);
	if (n != 1)
		return n ? -EBUSY : -ENOENT;
	*out = found;
	return 0;
}

LIBIOMMU_API int libiommu_kvm_new(struct libiommu_ctx *ctx, int vm_fd,
				  const struct libiommu_kvm_opts *opts,
				  struct libiommu_kvm **out)
{
	static const char fn[] = "libiommu_kvm_new";
	struct lx_kvm_create_device cd = { .type = LX_KVM_DEV_TYPE_VFIO };
	struct libiommu_kvm *kvm;
	uint32_t flags;
	int rc;

	if (!ctx)
		return FAIL(NULL, EINVAL, "%s: ctx is NULL", fn);
	if (!out)
		return FAIL(ctx, EINVAL, "%s: out is NULL", fn);
	*out = NULL;
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_kvm_opts);
	if (rc)
		return lu_ret(rc);
	flags = LU_OPTS_GET(opts, flags, 0);
	if (flags & ~LIBIOMMU_KVM_DEVICE_FD)
		return FAIL(ctx, EINVAL, "%s: unknown flag bits 0x%" PRIx32, fn,
			    flags & ~LIBIOMMU_KVM_DEVICE_FD);
	if (vm_fd < 0 || fcntl(vm_fd, F_GETFD) < 0)
		return FAIL(ctx, EBADF, "%s: vm_fd %d is not an open file descriptor",
			    fn, vm_fd);
	rc = lu_ioctl(vm_fd, LX_KVM_CHECK_EXTENSION,
		      (void *)(uintptr_t)LX_KVM_CAP_DEVICE_CTRL);
	if (rc < 0)
		return FAIL(ctx, ENOTTY,
			    "%s: fd %d is not a KVM VM fd (KVM_CHECK_EXTENSION: %s); pass the fd KVM_CREATE_VM returned",
			    fn, vm_fd, strerror(-rc));

	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return FAIL(ctx, ENOMEM, "out of memory for a KVM handle");
	kvm->ctx = ctx;
	kvm->vm_fd = vm_fd;

	if (flags & LIBIOMMU_KVM_DEVICE_FD) {
		int fd = LU_OPTS_GET(opts, kvm_vfio_fd, -1);

		if (fd < 0 || !is_kvm_vfio(fd)) {
			free(kvm);
			return FAIL(ctx, EBADF,
				    "%s: opts->kvm_vfio_fd %d is not a kvm-vfio device fd", fn, fd);
		}
		kvm->dev_fd = fd;
	} else {
		rc = lu_ioctl(vm_fd, LX_KVM_CREATE_DEVICE, &cd);
		if (rc == 0) {
			kvm->dev_fd = (int)cd.fd;
			kvm->owns_dev_fd = true;
		} else if (rc == -EBUSY) {
			int found = -1;

			rc = find_kvm_vfio(ctx, vm_fd, &found);
			if (rc) {
				free(kvm);
				return FAIL(ctx, EBUSY,
					    "%s: the VM already has a kvm-vfio device (KVM allows one per VM) and %s of this process's fds is one: pass it in opts->kvm_vfio_fd with LIBIOMMU_KVM_DEVICE_FD",
					    fn, rc == -EBUSY ? "more than one" : "none");
			}
			/*
			 * Our own reference: the device lives until its last
			 * fd is closed, whoever closes the one we found.
			 */
			kvm->dev_fd = fcntl(found, F_DUPFD_CLOEXEC, 0);
			if (kvm->dev_fd < 0) {
				rc = errno;
				free(kvm);
				return FAIL(ctx, rc, "%s: dup of kvm-vfio fd %d: %s",
					    fn, found, strerror(rc));
			}
			kvm->owns_dev_fd = true;
			lu_info(ctx, "%s: the VM already has a kvm-vfio device: using fd %d (a dup of fd %d)",
				fn, kvm->dev_fd, found);
		} else {
			free(kvm);
			if (rc == -ENODEV)
				return FAIL(ctx, ENODEV,
					    "KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO): this KVM has no kvm-vfio device (CONFIG_KVM_VFIO)");
			return FAIL(ctx, -rc, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO) failed: %s",
				    strerror(-rc));
		}
	}
	LU_LIST_PUSH(ctx->kvm_list, kvm);
	lu_dbg(ctx, "kvm-vfio device fd %d on VM fd %d (%s)", kvm->dev_fd, vm_fd,
	       kvm->owns_dev_fd ? "created" : "borrowed");
	*out = kvm;
	return 0;
}

static void kvm_release(struct libiommu_kvm *kvm)
{
	size_t i;

	while (kvm->nr_devs) {
		i = --kvm->nr_devs;
		if (!file_users(kvm, dev_file(kvm->devs[i])))
			vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_DEL,
				  dev_file(kvm->devs[i]));
	}
	if (kvm->owns_dev_fd)
		close(kvm->dev_fd);
	free(kvm->devs);
	free(kvm);
}

LIBIOMMU_API void libiommu_kvm_free(struct libiommu_kvm *kvm)
{
	int saved_errno = errno;

	if (!kvm)
		return;
	LU_LIST_UNLINK(kvm->ctx->kvm_list, kvm);
	kvm_release(kvm);
	errno = saved_errno;
}

void lu_kvm_free_all(struct libiommu_ctx *ctx)
{
	LU_LIST_RELEASE_ALL(ctx->kvm_list, kvm_release);
}

LIBIOMMU_API int libiommu_kvm_fd(const struct libiommu_kvm *kvm)
{
	return kvm ? kvm->dev_fd : lu_ret(-EINVAL);
}

static ssize_t find_dev(const struct libiommu_kvm *kvm,
			const struct libiommu_dev *dev)
{
	size_t i;

	for (i = 0; i < kvm->nr_devs; i++)
		if (kvm->devs[i] == dev)
			return (ssize_t)i;
	return -1;
}

LIBIOMMU_API int libiommu_kvm_add_dev(struct libiommu_kvm *kvm,
				      struct libiommu_dev *dev)
{
	static const char fn[] = "libiommu_kvm_add_dev";
	struct libiommu_ctx *ctx;
	int rc;

	if (!kvm)
		return FAIL(NULL, EINVAL, "%s: kvm is NULL", fn);
	ctx = kvm->ctx;
	if (!dev)
		return FAIL(ctx, EINVAL, "%s: dev is NULL", fn);
	if (dev->ctx != ctx)
		return FAIL(ctx, EXDEV, "%s: device %" PRIu32 " belongs to another context",
			    fn, dev->id);
	if (dev->fd < 0)
		return FAIL(ctx, EBADF,
			    "%s: device %" PRIu32 " was adopted by id: it has no VFIO file to give KVM",
			    fn, dev->id);
	if (find_dev(kvm, dev) >= 0)
		return 0;
	if (kvm->nr_devs == kvm->cap_devs) {
		size_t cap = kvm->cap_devs ? kvm->cap_devs * 2 : 4;
		struct libiommu_dev **p = realloc(kvm->devs, cap * sizeof(*p));

		if (!p)
			return FAIL(ctx, ENOMEM, "out of memory for a KVM device list");
		kvm->devs = p;
		kvm->cap_devs = cap;
	}
	/* A legacy group already given to KVM for another of its devices. */
	rc = file_users(kvm, dev_file(dev)) ? 0 :
	     vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_ADD, dev_file(dev));
	if (rc == -EEXIST)
		return FAIL(ctx, EEXIST,
			    "KVM_DEV_VFIO_FILE_ADD: device %" PRIu32 "'s file is already in this VM's kvm-vfio device (added by other means)",
			    dev->id);
	if (rc)
		return FAIL(ctx, -rc, "KVM_DEV_VFIO_FILE_ADD of device %" PRIu32 " failed: %s",
			    dev->id, strerror(-rc));
	kvm->devs[kvm->nr_devs++] = dev;
	lu_dbg(ctx, "device %" PRIu32 " added to kvm-vfio fd %d", dev->id, kvm->dev_fd);
	return 0;
}

static int del_at(struct libiommu_kvm *kvm, size_t i)
{
	struct libiommu_dev *dev = kvm->devs[i];
	int rc;

	kvm->devs[i] = kvm->devs[--kvm->nr_devs];
	if (file_users(kvm, dev_file(dev)))
		return 0;	/* its group stays for the others */
	rc = vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_DEL, dev_file(dev));
	/* ENOENT: deleted behind our back; either way it is not there now. */
	if (rc && rc != -ENOENT) {
		kvm->devs[kvm->nr_devs++] = dev;	/* still there */
		return rc;
	}
	return 0;
}

LIBIOMMU_API int libiommu_kvm_del_dev(struct libiommu_kvm *kvm,
				      struct libiommu_dev *dev)
{
	static const char fn[] = "libiommu_kvm_del_dev";
	ssize_t i;
	int rc;

	if (!kvm)
		return FAIL(NULL, EINVAL, "%s: kvm is NULL", fn);
	if (!dev)
		return FAIL(kvm->ctx, EINVAL, "%s: dev is NULL", fn);
	i = find_dev(kvm, dev);
	if (i < 0)
		return FAIL(kvm->ctx, ENOENT,
			    "%s: device %" PRIu32 " was not added through this handle",
			    fn, dev->id);
	rc = del_at(kvm, (size_t)i);
	if (rc)
		return FAIL(kvm->ctx, -rc, "KVM_DEV_VFIO_FILE_DEL of device %" PRIu32 " failed: %s",
			    dev->id, strerror(-rc));
	lu_dbg(kvm->ctx, "device %" PRIu32 " deleted from kvm-vfio fd %d", dev->id,
	       kvm->dev_fd);
	return 0;
}

void lu_kvm_forget_dev(struct libiommu_dev *dev)
{
	struct libiommu_kvm *kvm;
	ssize_t i;

	for (kvm = dev->ctx->kvm_list; kvm; kvm = kvm->next) {
		i = find_dev(kvm, dev);
		if (i < 0)
			continue;
		if (del_at(kvm, (size_t)i)) {
			/* Forget it anyway: the handle is going away. */
			i = find_dev(kvm, dev);
			if (i >= 0)
				kvm->devs[i] = kvm->devs[--kvm->nr_devs];
		}
		lu_dbg(dev->ctx, "device %" PRIu32 " freed: deleted from kvm-vfio fd %d first",
		       dev->id, kvm->dev_fd);
	}
}

int lu_kvm_readback(struct libiommu_kvm *kvm, uint32_t *count, int *why)
{
	struct libiommu_kmod_kvm_noncoherent kn;
	struct lu_kmod km;
	int rc;

	*why = lu_kmod_open(&km);
	if (*why)
		return -EOPNOTSUPP;
	rc = lu_kmod_kvm(&km, kvm->vm_fd, &kn);
	lu_kmod_close(&km);
	if (rc)
		return rc;
	if (count)
		*count = kn.out_noncoherent_dma_count;
	return !!(kn.out_flags & LIBIOMMU_KMOD_KVM_NONCOHERENT_DMA);
}

LIBIOMMU_API int libiommu_kvm_noncoherent(struct libiommu_kvm *kvm,
					  uint32_t *count)
{
	static const char fn[] = "libiommu_kvm_noncoherent";
	int rc, why = 0;

	if (!kvm)
		return FAIL(NULL, EINVAL, "%s: kvm is NULL", fn);
	rc = lu_kvm_readback(kvm, count, &why);
	if (rc >= 0)
		return rc;
	if (why)
		return FAIL(kvm->ctx, EOPNOTSUPP,
			    "%s: cannot be known: KVM keeps its non-coherent DMA state internal and the companion module (lib/kmod, %s) is %s",
			    fn, LIBIOMMU_KMOD_DEVNODE,
			    why == -EACCES || why == -EPERM ? "root-only" : "not loaded");
	if (rc == -EOPNOTSUPP)
		return FAIL(kvm->ctx, EOPNOTSUPP,
			    "%s: cannot be known: the companion module cannot read KVM (it found no usable /dev/kvm when it was loaded)",
			    fn);
	return FAIL(kvm->ctx, -rc, "%s: the module's KVM_NONCOHERENT failed: %s",
		    fn, strerror(-rc));
}

LIBIOMMU_API int libiommu_coherency_get_kvm(struct libiommu_kvm *kvm,
					    struct libiommu_coherency **out)
{
	char name[96];

	if (!kvm)
		return FAIL(NULL, EINVAL, "libiommu_coherency_get_kvm: kvm is NULL");
	if (!out)
		return FAIL(kvm->ctx, EINVAL, "libiommu_coherency_get_kvm: out is NULL");
	*out = NULL;
	snprintf(name, sizeof(name), "KVM VM (fd %d, kvm-vfio fd %d)", kvm->vm_fd,
		 kvm->dev_fd);
	return lu_coh_aggregate(kvm->ctx, name, kvm->devs, kvm->nr_devs, NULL,
				kvm, out);
}
