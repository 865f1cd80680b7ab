// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu_sim.ko: its control node /dev/libiommu-sim, GET_VERSION and the
 * SIM_* commands (libiommu_kmod.h, SIM section): create and destroy
 * simulated IOMMU instances and DMA devices, set a device's policy, report
 * its state.  The dispatch is libiommu.ko's (lik_ioctl.h, header-only):
 * the two modules share no symbol and load and unload independently.
 *
 * The commands that create, destroy or change simulated hardware change
 * the system's IOMMU topology (new IOMMU instances, devices, VFIO cdevs):
 * they need CAP_SYS_ADMIN, like loading the module did; the node's 0600
 * mode alone would let a root process without it through.  GET_VERSION
 * and SIM_DEV_INFO only read.
 */
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "lik_ioctl.h"
#include "sim.h"

/* Bounds, so that a loop in user space cannot exhaust the kernel. */
#define SIM_MAX_IOMMUS 64
#define SIM_MAX_DEVS 256
#define SIM_ID_LIMIT XA_LIMIT(1, 0xffff)

/* Serialises every SIM_* command, and module unload against them. */
static DEFINE_MUTEX(sim_ctl_lock);
static DEFINE_XARRAY_ALLOC1(sim_iommus);
static DEFINE_XARRAY_ALLOC1(sim_devs);
static u32 sim_iommu_next, sim_dev_next;
static unsigned int sim_niommus, sim_ndevs;
/* where SIM_DEV_DESTROY unregisters its devices (see there) */
static struct workqueue_struct *sim_wq;

/*
 * A device by id, for the commands: one that SIM_DEV_DESTROY took is gone
 * for them, although it keeps its id (and name) until it is unregistered.
 */
static struct sim_dev *sim_dev_lookup(u32 id)
{
	struct sim_dev *sdev = xa_load(&sim_devs, id);

	lockdep_assert_held(&sim_ctl_lock);
	return sdev && !sdev->dying ? sdev : NULL;
}

static int sim_iommu_create_op(void *arg)
{
	struct libiommu_kmod_sim_iommu_create *c = arg;
	const u32 valid = LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL |
			  LIBIOMMU_KMOD_SIM_IOMMU_DIRTY;
	struct sim_iommu *si;
	u32 id;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((c->flags & ~valid) || c->__reserved)
		return -EOPNOTSUPP;

	guard(mutex)(&sim_ctl_lock);
	if (sim_niommus >= SIM_MAX_IOMMUS)
		return -ENOSPC;
	/* ids are not reused soon: a stale id gets ENOENT, not a new object */
	ret = xa_alloc_cyclic(&sim_iommus, &id, NULL, SIM_ID_LIMIT,
			      &sim_iommu_next, GFP_KERNEL);
	if (ret < 0)
		return ret;
	si = lisim_iommu_create(id, c->flags);
	if (IS_ERR(si)) {
		xa_erase(&sim_iommus, id);
		return PTR_ERR(si);
	}
	xa_store(&sim_iommus, id, si, GFP_KERNEL);
	sim_niommus++;

	c->out_iommu_id = id;
	strscpy(c->out_name, si->name, sizeof(c->out_name));
	return 0;
}

static void sim_iommu_destroy_locked(struct sim_iommu *si)
{
	xa_erase(&sim_iommus, si->id);
	sim_niommus--;
	lisim_iommu_unregister(si);
	lisim_iommu_put(si);
}

static int sim_iommu_destroy_op(void *arg)
{
	struct libiommu_kmod_sim_iommu_destroy *d = arg;
	struct sim_iommu *si;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (d->flags || d->__reserved)
		return -EOPNOTSUPP;

	guard(mutex)(&sim_ctl_lock);
	si = xa_load(&sim_iommus, d->iommu_id);
	if (!si)
		return -ENOENT;
	if (si->ndevs)
		return -EBUSY;
	sim_iommu_destroy_locked(si);
	return 0;
}

static int sim_dev_create_op(void *arg)
{
	struct libiommu_kmod_sim_dev_create *c = arg;
	const u32 valid = LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP |
			  LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE;
	struct libiommu_kmod_sim_dev_info info = {};
	struct sim_iommu *si;
	struct sim_dev *sdev;
	u32 id;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (c->flags || (c->dev_flags & ~valid) || c->__reserved)
		return -EOPNOTSUPP;

	guard(mutex)(&sim_ctl_lock);
	si = xa_load(&sim_iommus, c->iommu_id);
	if (!si)
		return -ENOENT;
	if (sim_ndevs >= SIM_MAX_DEVS)
		return -ENOSPC;
	ret = xa_alloc_cyclic(&sim_devs, &id, NULL, SIM_ID_LIMIT,
			      &sim_dev_next, GFP_KERNEL);
	if (ret < 0)
		return ret;
	sdev = lisim_dev_create(si, id, c->dev_flags);
	if (IS_ERR(sdev)) {
		xa_erase(&sim_devs, id);
		return PTR_ERR(sdev);
	}
	xa_store(&sim_devs, id, sdev, GFP_KERNEL);
	si->ndevs++;
	sim_ndevs++;

	lisim_dev_fill_info(sdev, &info);
	c->out_dev_id = id;
	c->out_iommu_group = info.out_iommu_group;
	c->out_vfio_index = info.out_vfio_index;
	strscpy(c->out_name, info.out_name, sizeof(c->out_name));
	return 0;
}

/* At unload: no fd of the device can be open (each pins the module). */
static void sim_dev_destroy_locked(struct sim_dev *sdev)
{
	xa_erase(&sim_devs, sdev->id);
	sdev->iommu->ndevs--;
	sim_ndevs--;
	lisim_dev_mark_dying(sdev, NULL);
	lisim_dev_destroy(sdev);
}

/* One SIM_DEV_DESTROY: the command and the work that unregisters. */
struct sim_destroy {
	struct work_struct work;
	struct completion answer;	/* the command may return */
	refcount_t users;		/* the command's and the work's */
	struct sim_dev *sdev;
	struct sim_iommu *si;		/* a kref until the device is gone */
};

static void sim_destroy_put(struct sim_destroy *x)
{
	if (refcount_dec_and_test(&x->users))
		kfree(x);
}

static void sim_destroy_work(struct work_struct *work)
{
	struct sim_destroy *x = container_of(work, struct sim_destroy, work);

	u32 id = x->sdev->id;

	lisim_dev_destroy(x->sdev);	/* sdev may be gone after this */
	mutex_lock(&sim_ctl_lock);
	xa_erase(&sim_devs, id);
	sim_ndevs--;
	x->si->ndevs--;
	mutex_unlock(&sim_ctl_lock);
	lisim_iommu_put(x->si);
	complete(&x->answer);
	sim_destroy_put(x);
}

/*
 * The device has no open fd (else EBUSY), but nothing keeps one from being
 * opened before VFIO removes the cdev: vfio_unregister_group_dev() would
 * then wait until that fd is closed - for a VMM that handed it to KVM,
 * until the VM goes - and the wait becomes uninterruptible after a
 * signal.  So the device is marked dying first (a late fd can neither
 * bind it nor access it) and unregistered by a work item; the command
 * returns when that is done, or as soon as VFIO asks the driver to get a
 * late fd released (sim_vfio_request()).  In that case the device, still
 * counting against its instance and keeping its id, is freed when the fd
 * is closed.
 */
static int sim_dev_destroy_op(void *arg)
{
	struct libiommu_kmod_sim_dev_destroy *d = arg;
	struct sim_destroy *x;
	struct sim_dev *sdev;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (d->flags || d->__reserved)
		return -EOPNOTSUPP;
	x = kzalloc_obj(*x, GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	INIT_WORK(&x->work, sim_destroy_work);
	init_completion(&x->answer);
	refcount_set(&x->users, 2);

	mutex_lock(&sim_ctl_lock);
	sdev = sim_dev_lookup(d->dev_id);
	if (!sdev || lisim_dev_is_open(sdev)) {
		mutex_unlock(&sim_ctl_lock);
		kfree(x);
		return sdev ? -EBUSY : -ENOENT;
	}
	x->sdev = sdev;
	x->si = sdev->iommu;
	kref_get(&x->si->kref);
	lisim_dev_mark_dying(sdev, &x->answer);
	mutex_unlock(&sim_ctl_lock);

	queue_work(sim_wq, &x->work);
	wait_for_completion(&x->answer);
	sim_destroy_put(x);
	return 0;
}

static int sim_dev_set_op(void *arg)
{
	struct libiommu_kmod_sim_dev_set *s = arg;
	const u32 changeable = LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE;
	struct sim_dev *sdev;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (s->flags)
		return -EOPNOTSUPP;
	if (s->dev_flags & ~changeable)
		return -EINVAL;

	guard(mutex)(&sim_ctl_lock);
	sdev = sim_dev_lookup(s->dev_id);
	if (!sdev)
		return -ENOENT;
	/*
	 * iommufd reads the capability at bind, KVM at KVM_DEV_VFIO_FILE_ADD:
	 * a change under an open fd would make them disagree with the IOMMU.
	 */
	return lisim_dev_set_flags(sdev, changeable, s->dev_flags);
}

static int sim_dev_info_by_fd(struct libiommu_kmod_sim_dev_info *info)
{
	struct sim_dev *sdev;
	unsigned long id;

	CLASS(fd, f)(info->vfio_fd);
	if (fd_empty(f))
		return -EBADF;
	if (!vfio_file_is_valid(fd_file(f)) || vfio_file_is_group(fd_file(f)))
		return -EBADFD;
	xa_for_each(&sim_devs, id, sdev) {
		if (!sdev->dying && lisim_dev_matches_file(sdev, fd_file(f))) {
			lisim_dev_fill_info(sdev, info);
			return 0;
		}
	}
	return -ENODEV;
}

static int sim_dev_info_op(void *arg)
{
	struct libiommu_kmod_sim_dev_info *info = arg;
	struct sim_dev *sdev;

	if ((info->flags & ~LIBIOMMU_KMOD_SIM_INFO_BY_FD) || info->__reserved ||
	    info->__reserved2 || info->__reserved3)
		return -EOPNOTSUPP;

	guard(mutex)(&sim_ctl_lock);
	if (info->flags & LIBIOMMU_KMOD_SIM_INFO_BY_FD)
		return sim_dev_info_by_fd(info);
	sdev = sim_dev_lookup(info->dev_id);
	if (!sdev)
		return -ENOENT;
	lisim_dev_fill_info(sdev, info);
	return 0;
}

union sim_ucmd_buffer {
	struct libiommu_kmod_version version;
	struct libiommu_kmod_sim_iommu_create iommu_create;
	struct libiommu_kmod_sim_iommu_destroy iommu_destroy;
	struct libiommu_kmod_sim_dev_create dev_create;
	struct libiommu_kmod_sim_dev_destroy dev_destroy;
	struct libiommu_kmod_sim_dev_set dev_set;
	struct libiommu_kmod_sim_dev_info dev_info;
};

static int sim_get_version(void *arg)
{
	struct libiommu_kmod_version *v = arg;

	if (v->flags || v->__reserved)
		return -EOPNOTSUPP;
	v->out_version = LIBIOMMU_KMOD_VERSION;
	v->out_features = LIBIOMMU_KMOD_FEAT_SIM |
			  LIBIOMMU_KMOD_FEAT_SIM_LAST_DMA |
			  LIBIOMMU_KMOD_FEAT_SIM_MIGRATION;
	return 0;
}

/* commands below LIBIOMMU_KMOD_CMD_SIM_FIRST: the shared ones */
static const struct lik_ioctl_op sim_common_ops[] = {
	LIK_IOCTL_OP(0, LIBIOMMU_KMOD_GET_VERSION, libiommu_kmod_version,
		     LIBIOMMU_KMOD_VERSION_SIZE_V1, sim_get_version),
};

#define SIM_OP(_ioctl, _struct, _min, _fn)				\
	LIK_IOCTL_OP(LIBIOMMU_KMOD_CMD_SIM_FIRST, _ioctl, _struct, _min, _fn)

static const struct lik_ioctl_op sim_ops[] = {
	SIM_OP(LIBIOMMU_KMOD_SIM_IOMMU_CREATE, libiommu_kmod_sim_iommu_create,
	       LIBIOMMU_KMOD_SIM_IOMMU_CREATE_SIZE_V1, sim_iommu_create_op),
	SIM_OP(LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, libiommu_kmod_sim_iommu_destroy,
	       LIBIOMMU_KMOD_SIM_IOMMU_DESTROY_SIZE_V1, sim_iommu_destroy_op),
	SIM_OP(LIBIOMMU_KMOD_SIM_DEV_CREATE, libiommu_kmod_sim_dev_create,
	       LIBIOMMU_KMOD_SIM_DEV_CREATE_SIZE_V1, sim_dev_create_op),
	SIM_OP(LIBIOMMU_KMOD_SIM_DEV_DESTROY, libiommu_kmod_sim_dev_destroy,
	       LIBIOMMU_KMOD_SIM_DEV_DESTROY_SIZE_V1, sim_dev_destroy_op),
	SIM_OP(LIBIOMMU_KMOD_SIM_DEV_SET, libiommu_kmod_sim_dev_set,
	       LIBIOMMU_KMOD_SIM_DEV_SET_SIZE_V1, sim_dev_set_op),
	SIM_OP(LIBIOMMU_KMOD_SIM_DEV_INFO, libiommu_kmod_sim_dev_info,
	       LIBIOMMU_KMOD_SIM_DEV_INFO_SIZE_V1, sim_dev_info_op),
};

static long sim_ctl_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	const struct lik_ioctl_op *op;
	union sim_ucmd_buffer buf;

	op = lik_ioctl_op(sim_common_ops, ARRAY_SIZE(sim_common_ops), 0, cmd);
	if (!op)
		op = lik_ioctl_op(sim_ops, ARRAY_SIZE(sim_ops),
				  LIBIOMMU_KMOD_CMD_SIM_FIRST, cmd);
	if (!op)
		return -ENOTTY;
	return lik_ioctl_run(op, &buf, sizeof(buf), (void __user *)arg);
}

static const struct file_operations sim_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = sim_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice sim_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "libiommu-sim",		/* LIBIOMMU_KMOD_SIM_DEVNODE */
	.fops = &sim_ctl_fops,
	.mode = 0600,
};

static int __init sim_init(void)
{
	int ret;

	sim_wq = alloc_workqueue("libiommu_sim", WQ_UNBOUND, 0);
	if (!sim_wq)
		return -ENOMEM;
	ret = lisim_iommu_setup();
	if (ret)
		goto err_wq;
	ret = lisim_dev_setup();
	if (ret)
		goto err_iommu;
	ret = misc_register(&sim_miscdev);
	if (ret)
		goto err_dev;
	return 0;

err_dev:
	lisim_dev_cleanup();
err_iommu:
	lisim_iommu_cleanup();
err_wq:
	destroy_workqueue(sim_wq);
	return ret;
}

static void __exit sim_exit(void)
{
	struct sim_iommu *si;
	struct sim_dev *sdev;
	unsigned long id;

	/* no fd of the node is open: each one pins the module */
	misc_deregister(&sim_miscdev);
	/*
	 * A destroy's work may still be finishing (after its device let go
	 * of the module, see sim_destroy_work()): wait for it.
	 */
	destroy_workqueue(sim_wq);
	/*
	 * A probed device pins the module (the IOMMU core holds a reference
	 * on its ops' owner), so normally only empty instances are left.
	 */
	mutex_lock(&sim_ctl_lock);
	xa_for_each(&sim_devs, id, sdev)
		sim_dev_destroy_locked(sdev);
	xa_for_each(&sim_iommus, id, si)
		sim_iommu_destroy_locked(si);
	mutex_unlock(&sim_ctl_lock);
	xa_destroy(&sim_devs);
	xa_destroy(&sim_iommus);
	lisim_dev_cleanup();
	lisim_iommu_cleanup();
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("libiommu simulated IOMMUs and DMA devices (test equipment; needs CONFIG_IOMMUFD_TEST)");
MODULE_AUTHOR("libiommu developers");
