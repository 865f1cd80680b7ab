// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu.ko: LIBIOMMU_KMOD_KVM_NONCOHERENT, reading back whether KVM
 * treats a VM as having non-coherent DMA (kvm-vfio's verdict, which
 * decides WBINVD emulation).
 *
 * Recognising a KVM VM file.  KVM itself tests file->f_op == &kvm_vm_fops
 * (file_is_kvm()), but both are private to KVM: kvm_vm_fops is static
 * data (not in kallsyms without CONFIG_KALLSYMS_ALL) and file_is_kvm() is
 * exported only to KVM's own modules (EXPORT_SYMBOL_FOR_KVM_INTERNAL).
 * The functions kvm_vm_fops points to are in kallsyms, though, like every
 * function of the kernel and its modules: a file is a VM file when its
 * f_op's unlocked_ioctl and release are exactly (offset 0) the functions
 * named kvm_vm_ioctl and kvm_vm_release and it is the anonymous file KVM
 * names "kvm-vm" (KVM_CREATE_VM, kvm_dev_ioctl_create_vm()).  Nothing but
 * KVM's VM files passes that test.  It needs nothing at load time - no VM
 * is created, no fd, no virtualization enabled - and no KVM symbol, so the
 * module loads whether or not KVM (kvm.ko) is.
 *
 * Reading the answer.  kvm_arch_has_noncoherent_dma() is also exported to
 * KVM only; it is atomic_read(&kvm->arch.noncoherent_dma_count)
 * (asm/kvm_host.h, x86), which the module reads itself.  The VM file's
 * private_data is its struct kvm, and the file holds a reference on it
 * until it is released, which cannot happen while the command holds the
 * file.
 *
 * That offset is only right for the configuration the module was built
 * with: struct kvm and struct kvm_arch change with .config (lockdep grows
 * every lock, KVM_XEN and friends add fields), and nothing stops a module
 * built against one tree from loading into another kernel of the same
 * release (vermagic compares the release string, not the configuration;
 * MODVERSIONS would compare struct layouts, but only those of the symbols
 * a module imports, and this one imports none of KVM's).  So the module
 * reads the count only when it was built against the very build of the
 * running kernel: the kernel tree's UTS_VERSION (the build number and
 * time of that build, include/generated/utsversion.h) must equal the
 * running kernel's.  Otherwise the command refuses with -ENOEXEC, and
 * says so once at load, rather than read another field.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/string.h>

#include "lik.h"

#if IS_ENABLED(CONFIG_KVM_X86)
#include <linux/kvm_host.h>
#include <linux/utsname.h>
#ifdef LIK_HAVE_UTSVERSION
#include <generated/utsversion.h>	/* UTS_VERSION of the tree's build */
#endif

#ifdef LIK_TEST_FOREIGN_BUILD
/*
 * A test build (tests/vm/run.sh): as if built against another build of
 * the kernel, whose struct kvm_arch Kbuild also lays out differently.
 */
#undef UTS_VERSION
#define UTS_VERSION "#0 (another build of the kernel)"
#endif

/* Why KVM_NONCOHERENT cannot answer on this kernel, or NULL. */
static const char *lik_kvm_unusable;
/* Built for another build of the kernel: the count's offset is unproven. */
static bool lik_kvm_foreign;

/* Is @fn exactly (offset 0) the function called @name? */
static bool lik_sym_is(const void *fn, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t n = strlen(name);

	if (!fn)
		return false;
	sprint_symbol(buf, (unsigned long)fn);
	return !strncmp(buf, name, n) && !strncmp(buf + n, "+0x0/", 5);
}

static bool lik_file_is_kvm_vm(struct file *file)
{
	const struct file_operations *fop = file->f_op;

	return fop && !strcmp(file_dentry(file)->d_name.name, "kvm-vm") &&
	       lik_sym_is(fop->unlocked_ioctl, "kvm_vm_ioctl") &&
	       lik_sym_is(fop->release, "kvm_vm_release");
}

int lik_kvm_init(void)
{
	/* the test above works only where kallsyms names functions */
	if (!lik_sym_is(lik_kvm_init, "lik_kvm_init"))
		lik_kvm_unusable = "kallsyms does not name functions (CONFIG_KALLSYMS)";
	if (lik_kvm_unusable)
		pr_info("libiommu: KVM_NONCOHERENT unavailable: %s\n",
			lik_kvm_unusable);
#ifdef UTS_VERSION
	lik_kvm_foreign = strcmp(init_utsname()->version, UTS_VERSION);
	if (lik_kvm_foreign)
		pr_warn("libiommu: built against kernel build \"%s\", running \"%s\": struct kvm's layout is unproven, KVM_NONCOHERENT refused (rebuild the module against this kernel's tree)\n",
			UTS_VERSION, init_utsname()->version);
#else
	lik_kvm_foreign = true;
	pr_warn("libiommu: the kernel tree has no UTS_VERSION to compare with the running kernel's: KVM_NONCOHERENT refused\n");
#endif
	return 0;
}

void lik_kvm_exit(void)
{
}

u64 lik_kvm_features(void)
{
	return lik_kvm_unusable || lik_kvm_foreign ?
	       0 : LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT;
}

int lik_kvm_noncoherent(struct libiommu_kmod_kvm_noncoherent *kn)
{
	struct kvm *kvm;
	int count;

	if (kn->flags || kn->__reserved)
		return -EOPNOTSUPP;
	if (lik_kvm_unusable)
		return -EOPNOTSUPP;

	CLASS(fd, f)(kn->kvm_fd);
	if (fd_empty(f))
		return -EBADF;
	if (!lik_file_is_kvm_vm(fd_file(f)))
		return -EBADFD;
	if (lik_kvm_foreign)
		return -ENOEXEC;

	kvm = fd_file(f)->private_data;
	count = atomic_read(&kvm->arch.noncoherent_dma_count);

	kn->out_flags = count ? LIBIOMMU_KMOD_KVM_NONCOHERENT_DMA : 0;
	kn->out_noncoherent_dma_count = count;
	return 0;
}

#else /* no KVM on x86 */

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
