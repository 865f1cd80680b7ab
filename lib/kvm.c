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
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/backend.h"
#include "uapi/kvm.h"
#include "util/kmod.h"

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
	return dev->ctx->ops->dev_kvm_file(dev);
}

/* How many devices of @kvm share @file (a legacy group holds several). */
static size_t file_users(const struct libiommu_kvm *kvm, int file)
{
	size_t i, n = 0;

	for (i = 0; i < kvm->nr_devs; i++)
		n += dev_file(kvm->devs[i]) == file;
	return n;
}

/*
 * Is @fd KVM's anonymous file @name ("kvm-vm", "kvm-vfio")?  1, 0, or
 * -errno when /proc cannot tell (not mounted).
 */
static int is_kvm_file(int fd, const char *name)
{
	char p[64], link[64], want[32];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	link[n] = '\0';
	snprintf(want, sizeof(want), "anon_inode:%s", name);
	return strcmp(link, want) == 0;
}

/* Is @fd open on /dev/kvm (for a message)? */
static bool is_dev_kvm(int fd)
{
	char p[64], link[16];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	return n == 8 && !memcmp(link, "/dev/kvm", 8);
}

/* Is @fd one of KVM's kvm-vfio device files? */
static bool is_kvm_vfio(int fd)
{
	return is_kvm_file(fd, "kvm-vfio") == 1;
}

/*
 * The VM already has a kvm-vfio device: only a handle of @ctx on the same
 * VM fd is known to hold it.  Nothing else ties a kvm-vfio fd to a VM (a
 * process's other kvm-vfio fds may belong to other VMs), so no other fd is
 * ever taken: the caller passes it with LIBIOMMU_KVM_DEVICE_FD.
 */
static int find_kvm_vfio(struct libiommu_ctx *ctx, int vm_fd, int *out)
{
	struct libiommu_kvm *k;

	lu_list_for_each(k, &ctx->kvm_list, node) {
		if (k->vm_fd == vm_fd) {
			*out = k->dev_fd;
			return 0;
		}
	}
	return -ENOENT;
}

LIBIOMMU_API int libiommu_kvm_new(struct libiommu_ctx *ctx, int vm_fd,
				  const struct libiommu_kvm_opts *opts,
				  struct libiommu_kvm **out)
{
	struct lx_kvm_create_device cd = { .type = LX_KVM_DEV_TYPE_VFIO };
	struct libiommu_kvm *kvm;
	uint32_t flags;
	int rc;

	if (out)
		*out = NULL;
	if (!ctx)
		return lu_ret(-EINVAL);
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	rc = LU_OPTS_CHECK(ctx, opts, libiommu_kvm_opts, kvm_vfio_fd);
	if (rc)
		return rc;
	flags = LU_OPTS_GET(opts, flags, 0);
	if (flags & ~LIBIOMMU_KVM_DEVICE_FD)
		return lu_fail(ctx, -EINVAL, "%s: unknown flag bits 0x%" PRIx32,
			       __func__, flags & ~LIBIOMMU_KVM_DEVICE_FD);
	if (vm_fd < 0 || fcntl(vm_fd, F_GETFD) < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: vm_fd %d is not an open file descriptor",
			       __func__, vm_fd);
	/*
	 * A VM is KVM's anonymous file "kvm-vm".  /dev/kvm answers
	 * KVM_CHECK_EXTENSION too, but is not a VM; without /proc, only that
	 * question can tell a KVM file at all.
	 */
	rc = is_kvm_file(vm_fd, "kvm-vm");
	if (rc < 0)
		rc = lu_ioctl(vm_fd, LX_KVM_CHECK_EXTENSION,
			      (void *)(uintptr_t)LX_KVM_CAP_DEVICE_CTRL) < 0
			     ? 0
			     : 1;
	if (rc == 0)
		return lu_fail(ctx, -ENOTTY,
			       "%s: fd %d is not a KVM VM fd%s; pass the fd KVM_CREATE_VM returned",
			       __func__, vm_fd,
			       is_dev_kvm(vm_fd) ? " (it is /dev/kvm itself)" : "");

	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return lu_fail(ctx, -ENOMEM, "out of memory for a KVM handle");
	kvm->ctx = ctx;
	kvm->vm_fd = vm_fd;
	lu_list_init(&kvm->node);

	lu_lock(ctx);
	if (flags & LIBIOMMU_KVM_DEVICE_FD) {
		int fd = LU_OPTS_GET(opts, kvm_vfio_fd, -1);

		if (fd < 0 || !is_kvm_vfio(fd)) {
			rc = lu_fail(ctx, -EBADF,
				     "%s: opts->kvm_vfio_fd %d is not a kvm-vfio device fd",
				     __func__, fd);
			goto fail;
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
				rc = lu_fail(ctx, -EBUSY,
					     "%s: the VM already has a kvm-vfio device (KVM allows one per VM), made outside this context: nothing ties a kvm-vfio fd to its VM, so the library takes none it did not make; pass that device's fd in opts->kvm_vfio_fd with LIBIOMMU_KVM_DEVICE_FD",
					     __func__);
				goto fail;
			}
			/*
			 * Our own reference: the device lives until its last
			 * fd is closed, whoever closes the one we found.
			 */
			kvm->dev_fd = fcntl(found, F_DUPFD_CLOEXEC, 0);
			if (kvm->dev_fd < 0) {
				rc = lu_fail(ctx, -errno, "%s: dup of kvm-vfio fd %d: %s",
					     __func__, found, strerror(errno));
				goto fail;
			}
			kvm->owns_dev_fd = true;
			lu_info(ctx, "%s: the VM already has a kvm-vfio device: using fd %d (a dup of fd %d)",
				__func__, kvm->dev_fd, found);
		} else if (rc == -ENODEV) {
			rc = lu_fail(ctx, -ENODEV,
				     "KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO): this KVM has no kvm-vfio device (CONFIG_KVM_VFIO)");
			goto fail;
		} else {
			rc = lu_fail(ctx, rc, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO) failed: %s",
				     strerror(-rc));
			goto fail;
		}
	}
	lu_list_push(&ctx->kvm_list, &kvm->node);
	lu_unlock(ctx);
	lu_dbg(ctx, "kvm-vfio device fd %d on VM fd %d (%s)", kvm->dev_fd, vm_fd,
	       kvm->owns_dev_fd ? "created" : "borrowed");
	*out = kvm;
	return 0;
fail:
	lu_unlock(ctx);
	free(kvm);
	return rc;
}

/*
 * ctx->lock held (in another process: not, see libiommu_ctx_free()).  In
 * another process than the context's the files stay in the VM: only this
 * process's copy of the kvm-vfio fd is closed, which does not destroy the
 * device while the owner holds it.
 */
static void kvm_release(struct libiommu_kvm *kvm)
{
	bool kernel = !lu_foreign(kvm->ctx);
	size_t i;

	while (kvm->nr_devs) {
		i = --kvm->nr_devs;
		if (kernel && !file_users(kvm, dev_file(kvm->devs[i])))
			vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_DEL,
				  dev_file(kvm->devs[i]));
	}
	if (kvm->owns_dev_fd)
		close(kvm->dev_fd);
	lu_list_unlink(&kvm->node);
	free(kvm->devs);
	free(kvm);
}

LIBIOMMU_API void libiommu_kvm_free(struct libiommu_kvm *kvm)
{
	struct libiommu_ctx *ctx;
	int saved_errno = errno;
	bool foreign;

	if (!kvm)
		return;
	ctx = kvm->ctx;
	foreign = lu_foreign(ctx); /* no lock there: libiommu_ctx_free() */
	if (!foreign)
		lu_lock(ctx);
	kvm_release(kvm);
	if (!foreign)
		lu_unlock(ctx);
	errno = saved_errno;
}

void lu_kvm_free_all(struct libiommu_ctx *ctx)
{
	struct libiommu_kvm *kvm, *tmp;

	lu_list_for_each_safe(kvm, tmp, &ctx->kvm_list, node)
		kvm_release(kvm);
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

/*
 * ctx->lock held.  @take: a file KVM already has (added by other means:
 * the caller's KVM_DEV_VFIO_FILE_ADD, before the bind as QEMU does) is
 * recorded as if added here.
 */
static int add_locked(struct libiommu_kvm *kvm, struct libiommu_dev *dev,
		      bool take)
{
	struct libiommu_ctx *ctx = kvm->ctx;
	int rc;

	if (find_dev(kvm, dev) >= 0)
		return 0;
	if (kvm->nr_devs == kvm->cap_devs) {
		size_t cap = kvm->cap_devs ? kvm->cap_devs * 2 : 4;
		struct libiommu_dev **p = realloc(kvm->devs, cap * sizeof(*p));

		if (!p)
			return lu_fail(ctx, -ENOMEM,
				       "out of memory for a KVM device list");
		kvm->devs = p;
		kvm->cap_devs = cap;
	}
	/* A legacy group already given to KVM for another of its devices. */
	rc = file_users(kvm, dev_file(dev)) ? 0 : vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_ADD, dev_file(dev));
	if (rc == -EEXIST && take)
		rc = 0;
	if (rc == -EEXIST)
		return lu_fail(ctx, -EEXIST,
			       "KVM_DEV_VFIO_FILE_ADD: device %" PRIu32 "'s file is already in this VM's kvm-vfio device (added by other means); register it with libiommu_kvm_take_dev()",
			       dev->id);
	if (rc)
		return lu_fail(ctx, rc,
			       "KVM_DEV_VFIO_FILE_ADD of device %" PRIu32 " failed: %s",
			       dev->id, strerror(-rc));
	kvm->devs[kvm->nr_devs++] = dev;
	lu_dbg(ctx, "device %" PRIu32 " added to kvm-vfio fd %d", dev->id,
	       kvm->dev_fd);
	return 0;
}

static int add_dev(struct libiommu_kvm *kvm, struct libiommu_dev *dev,
		   bool take, const char *fn)
{
	struct libiommu_ctx *ctx;
	int rc;

	if (!kvm)
		return lu_ret(-EINVAL);
	ctx = kvm->ctx;
	LU_OWNER_CHECK(ctx, fn);
	if (!dev)
		return lu_fail(ctx, -EINVAL, "%s: dev is NULL", fn);
	if (dev->ctx != ctx)
		return lu_fail(ctx, -EXDEV,
			       "%s: device %" PRIu32 " belongs to another context",
			       fn, dev->id);
	if (dev->fd < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: device %" PRIu32 " was adopted by id: it has no VFIO file to give KVM",
			       fn, dev->id);
	lu_lock(ctx);
	rc = add_locked(kvm, dev, take);
	lu_unlock(ctx);
	return lu_ret(rc);
}

LIBIOMMU_API int libiommu_kvm_add_dev(struct libiommu_kvm *kvm,
				      struct libiommu_dev *dev)
{
	return add_dev(kvm, dev, false, __func__);
}

LIBIOMMU_API int libiommu_kvm_take_dev(struct libiommu_kvm *kvm,
				       struct libiommu_dev *dev)
{
	return add_dev(kvm, dev, true, __func__);
}

LIBIOMMU_API int libiommu_kvm_add_file(struct libiommu_kvm *kvm, int fd)
{
	struct libiommu_ctx *ctx;
	int rc;

	if (!kvm)
		return lu_ret(-EINVAL);
	ctx = kvm->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return lu_fail(ctx, -EBADF,
			       "%s: fd %d is not an open file descriptor",
			       __func__, fd);
	rc = vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_ADD, fd);
	switch (-rc) {
	case 0:
		lu_dbg(ctx, "fd %d added to kvm-vfio fd %d", fd, kvm->dev_fd);
		return 0;
	case EEXIST:
		return lu_fail(ctx, -EEXIST,
			       "KVM_DEV_VFIO_FILE_ADD: the file of fd %d is already in this VM's kvm-vfio device",
			       fd);
	case EINVAL:
		return lu_fail(ctx, -EINVAL,
			       "KVM_DEV_VFIO_FILE_ADD: fd %d is not a VFIO file (a device cdev /dev/vfio/devices/vfioN or a VFIO group /dev/vfio/N)",
			       fd);
	default:
		return lu_fail(ctx, rc, "KVM_DEV_VFIO_FILE_ADD of fd %d failed: %s",
			       fd, strerror(-rc));
	}
}

static int del_at(struct libiommu_kvm *kvm, size_t i)
{
	struct libiommu_dev *dev = kvm->devs[i];
	int rc;

	kvm->devs[i] = kvm->devs[--kvm->nr_devs];
	if (file_users(kvm, dev_file(dev)))
		return 0; /* its group stays for the others */
	rc = vfio_file(kvm->dev_fd, LX_KVM_DEV_VFIO_FILE_DEL, dev_file(dev));
	/* ENOENT: deleted behind our back; either way it is not there now. */
	if (rc && rc != -ENOENT) {
		kvm->devs[kvm->nr_devs++] = dev; /* still there */
		return rc;
	}
	return 0;
}

LIBIOMMU_API int libiommu_kvm_del_dev(struct libiommu_kvm *kvm,
				      struct libiommu_dev *dev)
{
	struct libiommu_ctx *ctx;
	ssize_t i;
	int rc;

	if (!kvm)
		return lu_ret(-EINVAL);
	ctx = kvm->ctx;
	LU_OWNER_CHECK(ctx, __func__);
	if (!dev)
		return lu_fail(ctx, -EINVAL, "%s: dev is NULL", __func__);
	lu_lock(ctx);
	i = find_dev(kvm, dev);
	if (i < 0) {
		rc = lu_fail(ctx, -ENOENT,
			     "%s: device %" PRIu32 " was not added through this handle",
			     __func__, dev->id);
		goto out;
	}
	rc = del_at(kvm, (size_t)i);
	if (rc) {
		rc = lu_fail(ctx, rc,
			     "KVM_DEV_VFIO_FILE_DEL of device %" PRIu32 " failed: %s",
			     dev->id, strerror(-rc));
		goto out;
	}
	lu_dbg(ctx, "device %" PRIu32 " deleted from kvm-vfio fd %d", dev->id,
	       kvm->dev_fd);
out:
	lu_unlock(ctx);
	return lu_ret(rc);
}

bool lu_kvm_has_dev(const struct libiommu_dev *dev)
{
	struct libiommu_kvm *kvm;

	lu_list_for_each(kvm, &dev->ctx->kvm_list, node)
		if (find_dev(kvm, dev) >= 0)
			return true;
	return false;
}

void lu_kvm_forget_dev(struct libiommu_dev *dev)
{
	struct libiommu_kvm *kvm;
	ssize_t i;

	lu_list_for_each(kvm, &dev->ctx->kvm_list, node) {
		i = find_dev(kvm, dev);
		if (i < 0)
			continue;
		/* In another process: the record only (see kvm_release()). */
		if (lu_foreign(dev->ctx)) {
			kvm->devs[i] = kvm->devs[--kvm->nr_devs];
			continue;
		}
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
	int rc, why = 0;

	if (!kvm)
		return lu_ret(-EINVAL);
	LU_OWNER_CHECK(kvm->ctx, __func__);
	rc = lu_kvm_readback(kvm, count, &why);
	if (rc >= 0)
		return rc;
	if (why)
		return lu_fail(kvm->ctx, -EOPNOTSUPP,
			       "%s: cannot be known: KVM keeps its non-coherent DMA state internal and the companion module (%s) is %s",
			       __func__, LIBIOMMU_KMOD_DEVNODE,
			       why == -EACCES || why == -EPERM ? "root-only" : "not loaded");
	if (rc == -EOPNOTSUPP)
		return lu_fail(kvm->ctx, -EOPNOTSUPP,
			       "%s: cannot be known: the companion module cannot read KVM (it found no usable /dev/kvm when it was loaded)",
			       __func__);
	return lu_fail(kvm->ctx, rc, "%s: the module's KVM_NONCOHERENT failed: %s",
		       __func__, strerror(-rc));
}
