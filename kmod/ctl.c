// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu companion module: the control node /dev/libiommu and its ioctl
 * dispatch.  Commands, structs and the versioning rules are described in
 * uapi/libiommu_kmod.h, the one header the module shares with the
 * library.
 *
 * Dispatch works like iommufd's: every ioctl carries a struct that starts
 * with its size; the struct is copied in with copy_struct_from_user()
 * (zero-extending an older caller's struct, refusing unknown non-zero
 * bytes of a newer one with -E2BIG), handled, and copied back (at most the
 * caller's size) only on success.  Nothing is logged because of bad input.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "kmod.h"

union libiommu_ucmd_buffer {
	struct libiommu_kmod_version version;
	struct libiommu_kmod_dev_info dev_info;
	struct libiommu_kmod_kvm_noncoherent kvm_noncoherent;
};

static int libiommu_get_version(void *arg)
{
	struct libiommu_kmod_version *v = arg;

	if (v->flags || v->__reserved)
		return -EOPNOTSUPP;
	v->out_version = LIBIOMMU_KMOD_VERSION;
	v->out_features = libiommu_devinfo_features() |
			  libiommu_kvm_features() |
			  libiommu_sim_features();
	return 0;
}

static int libiommu_dev_info_op(void *arg)
{
	return libiommu_get_dev_info(arg);
}

static int libiommu_kvm_noncoherent_op(void *arg)
{
	return libiommu_kvm_noncoherent(arg);
}

#define LIBIOMMU_OP(_ioctl, _struct, _min, _fn) \
	LIBIOMMU_IOCTL_OP(0, libiommu_ucmd_buffer, _ioctl, _struct, _min, _fn)

static const struct libiommu_ioctl_op libiommu_ops[] = {
	LIBIOMMU_OP(LIBIOMMU_KMOD_GET_VERSION, libiommu_kmod_version,
		    LIBIOMMU_KMOD_VERSION_SIZE_V1, libiommu_get_version),
	LIBIOMMU_OP(LIBIOMMU_KMOD_GET_DEV_INFO, libiommu_kmod_dev_info,
		    LIBIOMMU_KMOD_DEV_INFO_SIZE_V1, libiommu_dev_info_op),
	LIBIOMMU_OP(LIBIOMMU_KMOD_KVM_NONCOHERENT,
		    libiommu_kmod_kvm_noncoherent,
		    LIBIOMMU_KMOD_KVM_NONCOHERENT_SIZE_V1,
		    libiommu_kvm_noncoherent_op),
};

long libiommu_ioctl_run(const struct libiommu_ioctl_op *op, void *buf,
			void __user *uarg)
{
	u32 user_size;
	int ret;

	if (get_user(user_size, (u32 __user *)uarg))
		return -EFAULT;
	if (user_size < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(buf, op->size, uarg, user_size);
	if (ret)
		return ret;

	ret = op->execute(buf);
	if (ret)
		return ret;
	if (copy_to_user(uarg, buf, min_t(size_t, op->size, user_size)))
		return -EFAULT;
	return 0;
}

static long libiommu_ctl_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct libiommu_ioctl_op *op;
	union libiommu_ucmd_buffer buf;
	unsigned int nr = _IOC_NR(cmd);

	if (nr >= LIBIOMMU_KMOD_CMD_SIM_FIRST && nr <= LIBIOMMU_KMOD_CMD_SIM_LAST)
		return libiommu_sim_ioctl(cmd, uarg);	/* sim_ctl.c */
	if (nr >= ARRAY_SIZE(libiommu_ops))
		return -ENOTTY;
	op = &libiommu_ops[nr];
	if (op->ioctl_num != cmd)
		return -ENOTTY;
	return libiommu_ioctl_run(op, &buf, uarg);
}

static const struct file_operations libiommu_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = libiommu_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice libiommu_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "libiommu",		/* LIBIOMMU_KMOD_DEVNODE */
	.fops = &libiommu_ctl_fops,
	.mode = 0600,
};

static int __init libiommu_init(void)
{
	int ret;

	ret = libiommu_kvm_init();
	if (ret)
		return ret;
	libiommu_sim_init();
	ret = misc_register(&libiommu_miscdev);
	if (ret) {
		libiommu_sim_exit();
		libiommu_kvm_exit();
		return ret;
	}
	return 0;
}

static void __exit libiommu_exit(void)
{
	misc_deregister(&libiommu_miscdev);
	libiommu_sim_exit();
	libiommu_kvm_exit();
}

module_init(libiommu_init);
module_exit(libiommu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("libiommu companion: kernel-side coherency queries for VFIO devices and KVM VMs");
MODULE_AUTHOR("libiommu developers");
