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

#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/uaccess.h>

/*
 * One ioctl of a control node.  Each node keeps a table of these, indexed
 * by _IOC_NR(ioctl_num) minus the table's first number, and hands the
 * entry to lik_ioctl_run().
 */
struct lik_ioctl_op {
	unsigned int ioctl_num;
	unsigned int size;	/* the module's struct size */
	unsigned int min_size;	/* the V1 size: smaller is -EINVAL */
	int (*execute)(void *arg);
};

/*
 * A table entry; @_first: the table's first command number, @_buf: the
 * union the table's commands are copied into (every struct must fit).
 */
#define LIK_IOCTL_OP(_first, _buf, _ioctl, _struct, _min, _fn)		\
	[_IOC_NR(_ioctl) - (_first)] = {				\
		.ioctl_num = _ioctl,					\
		.size = sizeof(struct _struct) +			\
			BUILD_BUG_ON_ZERO(sizeof(struct _struct) < (_min) || \
					  sizeof(union _buf) <		\
					  sizeof(struct _struct)),	\
		.min_size = _min,					\
		.execute = _fn,						\
	}

/*
 * Run @op on the caller's struct at @uarg, through @buf (at least
 * op->size bytes): read its size, copy it in, execute, and copy back at
 * most the caller's size, only on success.
 */
static inline long lik_ioctl_run(const struct lik_ioctl_op *op, void *buf,
				 void __user *uarg)
{
	u32 user_size;
	int ret;

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
