// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu.ko: the control node /dev/libiommu and its ioctl dispatch.
 * Commands, structs and the versioning rules are described in
 * uapi/libiommu_kmod.h, the one header the modules share with the
 * library; the dispatch itself is lik_ioctl.h's, shared with
 * libiommu_sim.ko.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "lik.h"
#include "lik_ioctl.h"

union lik_ucmd_buffer {
	struct libiommu_kmod_version version;
	struct libiommu_kmod_dev_info dev_info;
	struct libiommu_kmod_kvm_noncoherent kvm_noncoherent;
};

static int lik_get_version(void *arg)
{
	struct libiommu_kmod_version *v = arg;

	if (v->flags || v->__reserved)
		return -EOPNOTSUPP;
	v->out_version = LIBIOMMU_KMOD_VERSION;
	v->out_features = lik_devinfo_features() | lik_kvm_features();
	return 0;
}

static int lik_dev_info_op(void *arg)
{
	return lik_get_dev_info(arg);
}

static int lik_kvm_noncoherent_op(void *arg)
{
	return lik_kvm_noncoherent(arg);
}

#define LIK_OP(_ioctl, _struct, _min, _fn) \
	LIK_IOCTL_OP(0, _ioctl, _struct, _min, _fn)

static const struct lik_ioctl_op lik_ops[] = {
	LIK_OP(LIBIOMMU_KMOD_GET_VERSION, libiommu_kmod_version,
	       LIBIOMMU_KMOD_VERSION_SIZE_V1, lik_get_version),
	LIK_OP(LIBIOMMU_KMOD_GET_DEV_INFO, libiommu_kmod_dev_info,
	       LIBIOMMU_KMOD_DEV_INFO_SIZE_V1, lik_dev_info_op),
	LIK_OP(LIBIOMMU_KMOD_KVM_NONCOHERENT, libiommu_kmod_kvm_noncoherent,
	       LIBIOMMU_KMOD_KVM_NONCOHERENT_SIZE_V1, lik_kvm_noncoherent_op),
};

static long lik_ctl_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	const struct lik_ioctl_op *op;
	union lik_ucmd_buffer buf;

	op = lik_ioctl_op(lik_ops, ARRAY_SIZE(lik_ops), 0, cmd);
	if (!op)
		return -ENOTTY;
	return lik_ioctl_run(op, &buf, sizeof(buf), (void __user *)arg);
}

static const struct file_operations lik_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = lik_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice lik_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "libiommu",		/* LIBIOMMU_KMOD_DEVNODE */
	.fops = &lik_ctl_fops,
	.mode = 0600,
};

#ifdef LIK_TEST_BUGS
/*
 * A test build only (Kbuild LIK_TEST_BUGS=1, tests/vm/test-runner.sh): one
 * of each bug the VM tier's debug kernel must report, so that its checks
 * can be seen to fail - an out-of-bounds read (KASAN), a lock order
 * inversion (lockdep) and an allocation nothing points to (kmemleak).
 */
static DEFINE_MUTEX(lik_bug_a);
static DEFINE_MUTEX(lik_bug_b);

static noinline void lik_test_bugs(void)
{
	char *p;
	int i;

	/* first: a KASAN report taints the kernel, which stops lockdep */
	mutex_lock(&lik_bug_a);
	mutex_lock(&lik_bug_b);
	mutex_unlock(&lik_bug_b);
	mutex_unlock(&lik_bug_a);
	mutex_lock(&lik_bug_b);
	mutex_lock(&lik_bug_a);
	mutex_unlock(&lik_bug_a);
	mutex_unlock(&lik_bug_b);

	p = kmalloc(8, GFP_KERNEL);
	if (!p)
		return;
	OPTIMIZER_HIDE_VAR(p);
	pr_info("libiommu: test build: reading past an 8-byte object: %d\n",
		READ_ONCE(p[8]));
	kfree(p);
	/*
	 * And leaking memory: whole pages from kmalloc (a small slab object
	 * can look referenced through a neighbour's stale free-list
	 * pointer), a few (so that a stale copy of a pointer on some stack
	 * cannot hide them all).
	 */
	for (i = 0; i < 4; i++) {
		p = kzalloc(4 * PAGE_SIZE, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
	}
}
#endif

static int __init lik_init(void)
{
	int ret;

#ifdef LIK_TEST_BUGS
	lik_test_bugs();
#endif
	ret = lik_kvm_init();
	if (ret)
		return ret;
	ret = misc_register(&lik_miscdev);
	if (ret) {
		lik_kvm_exit();
		return ret;
	}
	return 0;
}

static void __exit lik_exit(void)
{
	misc_deregister(&lik_miscdev);
	lik_kvm_exit();
}

module_init(lik_init);
module_exit(lik_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("libiommu companion: kernel-side coherency queries for VFIO devices and KVM VMs");
MODULE_AUTHOR("libiommu developers");
