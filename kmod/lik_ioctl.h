/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommu companion modules: the ioctl dispatch both control nodes share
 * (libiommu.ko's ctl.c and libiommu_sim.ko's sim/ctl.c).  Header-only, so
 * that neither module needs a symbol of the other.
 *
 * Dispatch works like iommufd's: every ioctl carries a struct that starts
 * with its size; the struct is copied in with copy_struct_from_user()
 * (zero-extending an older caller's struct, refusing unknown non-zero
 * bytes of a newer one with -E2BIG), handled, and copied back (at most the
 * caller's size) only on success.  Like openat2() and clone3(), a size
 * above a page is -E2BIG before anything is read: check_zeroed_user()
 * would otherwise scan up to 4 GiB of the caller's memory.  Nothing is
 * logged because of bad input.
 */
#ifndef LIK_IOCTL_H
#define LIK_IOCTL_H

#include <linux/bug.h>
#include <linux/ioctl.h>
#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "libiommu_kmod.h"

/*
 * One ioctl of a control node.  Each node keeps a table of these, indexed
 * by the command number minus the table's first number; lik_ioctl_op()
 * finds the entry of an ioctl and lik_ioctl_run() runs it.  Every ioctl
 * is _IO(LIBIOMMU_KMOD_TYPE, number) (see the uAPI header); the struct
 * sizes are pinned there, V1 sizes included.
 */
struct lik_ioctl_op {
	unsigned int size;	/* the module's struct size */
	unsigned int min_size;	/* the V1 size: smaller is -EINVAL */
	int (*execute)(void *arg);
};

/* A table entry; @_first: the table's first command number. */
#define LIK_IOCTL_OP(_first, _ioctl, _struct, _min, _fn)		\
	[_IOC_NR(_ioctl) - (_first)] = {				\
		.size = sizeof(struct _struct),				\
		.min_size = _min,					\
		.execute = _fn,						\
	}

/*
 * The entry of @cmd in @ops (@n entries, from command number @first), or
 * NULL: not one of the node's ioctls (-ENOTTY).
 */
static inline const struct lik_ioctl_op *
lik_ioctl_op(const struct lik_ioctl_op *ops, unsigned int n,
	     unsigned int first, unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (cmd != _IO(LIBIOMMU_KMOD_TYPE, nr) || nr < first ||
	    nr - first >= n || !ops[nr - first].execute)
		return NULL;
	return &ops[nr - first];
}

/*
 * Run @op on the caller's struct at @uarg, through @buf (@bufsize bytes,
 * the node's union of every struct it takes): read its size, copy it in,
 * execute, and copy back at most the caller's size, only on success.
 */
static inline long lik_ioctl_run(const struct lik_ioctl_op *op, void *buf,
				 size_t bufsize, void __user *uarg)
{
	u32 user_size;
	int ret;

	/* a struct missing from the node's union: a bug of the module */
	if (WARN_ON_ONCE(op->size > bufsize))
		return -EINVAL;
	if (get_user(user_size, (u32 __user *)uarg))
		return -EFAULT;
	if (user_size < op->min_size)
		return -EINVAL;
	if (user_size > PAGE_SIZE)
		return -E2BIG;
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

#endif /* LIK_IOCTL_H */
