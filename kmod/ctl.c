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
	LIK_IOCTL_OP(0, lik_ucmd_buffer, _ioctl, _struct, _min, _fn)

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
	unsigned int nr = _IOC_NR(cmd);

	if (nr >= ARRAY_SIZE(lik_ops))
		return -ENOTTY;
	op = &lik_ops[nr];
	if (op->ioctl_num != cmd)
		return -ENOTTY;
	return lik_ioctl_run(op, &buf, (void __user *)arg);
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

static int __init lik_init(void)
{
	int ret;

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
