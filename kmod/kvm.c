// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu.ko: LIBIOMMU_KMOD_KVM_NONCOHERENT, reading back
 * whether KVM treats a VM as having non-coherent DMA (kvm-vfio's verdict,
 * which decides WBINVD emulation).
 *
 * Recognising a KVM VM file.  KVM identifies its VM files with
 * file_is_kvm(), i.e. file->f_op == &kvm_vm_fops, but both are private to
 * KVM: kvm_vm_fops is static, and file_is_kvm() is exported only to KVM's
 * vendor modules (EXPORT_SYMBOL_FOR_KVM_INTERNAL), which with KVM built in
 * (our kernel: KVM=y, KVM_INTEL=y, KVM_AMD=y) means not at all.  kallsyms
 * does not help either (kvm_vm_fops is data, and CONFIG_KALLSYMS_ALL is
 * off).  So the module learns &kvm_vm_fops the only safe way there is: at
 * load time it opens /dev/kvm (checked to be the KVM misc device,
 * char 10:232), creates a throw-away VM with KVM_CREATE_VM, takes the new
 * fd straight back out of the loading process's fd table with
 * file_close_fd(), checks it is the anonymous "kvm-vm" file, records its
 * f_op and drops it (the VM is destroyed when insmod returns to user
 * space).  A file is then a VM file exactly when its f_op is that pointer,
 * the same test as file_is_kvm().  If KVM is built as a module, the module
 * owning the fops is pinned for as long as this one is loaded so the
 * pointer cannot go stale.
 *
 * Costs and limits of that choice: one VM creation per module load (and a
 * KVM create/destroy uevent pair); the fd number is
 * briefly visible in the loading process (a single-threaded insmod or
 * modprobe); and if /dev/kvm cannot be opened or cannot create a VM when
 * the module is loaded, KVM_NONCOHERENT stays off (feature bit clear,
 * -EOPNOTSUPP) until the module is reloaded.
 *
 * Reading the answer.  kvm_arch_has_noncoherent_dma() is also exported to
 * KVM only; it is atomic_read(&kvm->arch.noncoherent_dma_count)
 * (asm/kvm_host.h, x86), which the module reads itself, holding a
 * reference on the struct kvm (kvm_get_kvm_safe/kvm_put_kvm, exported) for
 * the duration.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "lik.h"

#if IS_ENABLED(CONFIG_KVM) && defined(CONFIG_X86)
#include <linux/fdtable.h>
#include <linux/kvm_host.h>

/* &kvm_vm_fops, as learned at load time; NULL when unknown. */
static const struct file_operations *kvm_vm_fops_seen;
static struct module *kvm_vm_fops_owner;

/* Is @file the KVM device node, /dev/kvm (misc char 10:232)? */
static bool is_kvm_dev(struct file *file)
{
	struct inode *inode = file_inode(file);

	return S_ISCHR(inode->i_mode) && imajor(inode) == MISC_MAJOR &&
	       iminor(inode) == KVM_MINOR && file->f_op->unlocked_ioctl;
}

static int learn_kvm_vm_fops(void)
{
	struct file *kvm_dev, *vm;
	long fd;
	int ret = 0;

	if (!current->mm || !current->files)
		return -ENODEV;

	kvm_dev = filp_open("/dev/kvm", O_RDWR, 0);
	if (IS_ERR(kvm_dev))
		return PTR_ERR(kvm_dev);
	if (!is_kvm_dev(kvm_dev)) {
		ret = -ENODEV;
		goto out;
	}

	fd = kvm_dev->f_op->unlocked_ioctl(kvm_dev, KVM_CREATE_VM, 0);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	vm = file_close_fd(fd);
	if (!vm) {
		ret = -EBADF;
		goto out;
	}
	if (vm->f_op == kvm_dev->f_op ||
	    strcmp(vm->f_path.dentry->d_name.name, "kvm-vm") ||
	    !try_module_get(vm->f_op->owner)) {
		ret = -ENODEV;
	} else {
		kvm_vm_fops_owner = vm->f_op->owner;
		kvm_vm_fops_seen = vm->f_op;
	}
	fput(vm);
out:
	filp_close(kvm_dev, NULL);
	return ret;
}

int lik_kvm_init(void)
{
	int ret = learn_kvm_vm_fops();

	/* Not fatal: the other commands do not need KVM. */
	if (ret)
		pr_info("libiommu: KVM VM files not recognisable (%d): KVM_NONCOHERENT unavailable\n",
			ret);
	return 0;
}

void lik_kvm_exit(void)
{
	if (kvm_vm_fops_seen)
		module_put(kvm_vm_fops_owner);
	kvm_vm_fops_seen = NULL;
}

u64 lik_kvm_features(void)
{
	return kvm_vm_fops_seen ? LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT : 0;
}

int lik_kvm_noncoherent(struct libiommu_kmod_kvm_noncoherent *kn)
{
	struct kvm *kvm;
	int count;

	if (kn->flags || kn->__reserved)
		return -EOPNOTSUPP;
	if (!kvm_vm_fops_seen)
		return -EOPNOTSUPP;

	CLASS(fd, f)(kn->kvm_fd);
	if (fd_empty(f))
		return -EBADF;
	if (fd_file(f)->f_op != kvm_vm_fops_seen)
		return -EBADFD;

	/* A VM file's private_data is its struct kvm (kvm_dev_ioctl_create_vm). */
	kvm = fd_file(f)->private_data;
	if (!kvm_get_kvm_safe(kvm))
		return -EBADFD;		/* being destroyed */
	count = atomic_read(&kvm->arch.noncoherent_dma_count);
	kvm_put_kvm(kvm);

	kn->out_flags = count ? LIBIOMMU_KMOD_KVM_NONCOHERENT_DMA : 0;
	kn->out_noncoherent_dma_count = count;
	return 0;
}

#else /* no KVM, or not x86 */

int lik_kvm_init(void)
{
	return 0;
}

void lik_kvm_exit(void)
{
}

u64 lik_kvm_features(void)
{
	return 0;
}

int lik_kvm_noncoherent(struct libiommu_kmod_kvm_noncoherent *kn)
{
	if (kn->flags || kn->__reserved)
		return -EOPNOTSUPP;
	return -EOPNOTSUPP;
}

#endif
