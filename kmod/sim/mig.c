// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu_sim.ko: VFIO migration v2 and DMA logging of a sim device.
 *
 * Migration (struct vfio_migration_ops, VFIO_MIGRATION_STOP_COPY and
 * PRE_COPY): the device's state is its registers, its config space and
 * its buffer, an image.  STOP -> STOP_COPY streams an image of them
 * through the returned data fd; RUNNING -> PRE_COPY streams one while the
 * device runs (VFIO_MIG_GET_PRECOPY_INFO counts what is left of it) and
 * PRE_COPY -> STOP_COPY appends the final image to the same stream.
 * STOP -> RESUMING returns a data fd that takes a stream, and RESUMING ->
 * STOP checks the last whole image and loads it.  Outside RUNNING and
 * PRE_COPY the device is stopped: a write to its config space or BAR0
 * fails with EBUSY, so no DMA runs and nothing changes the saved state.  A data fd ends (reads and writes fail
 * with ENODEV) when the device leaves the state that returned it, is
 * reset or closed.
 *
 * DMA logging (struct vfio_log_ops): while logging, the DMA engine
 * records every page it wrote inside the logged ranges, at 4 KiB
 * granularity.  The device logs at most LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES
 * ranges (more are combined, closing the smallest gaps first) covering at
 * most LIBIOMMU_KMOD_SIM_LOG_MAX_LENGTH bytes; start fails with E2BIG
 * beyond that, and with EBUSY while logging.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/interval_tree.h>
#include <linux/iova_bitmap.h>
#include <linux/kref.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "sim.h"

#define SIM_MIG_MAGIC 0x47494d53U	/* "SMIG" */
#define SIM_LOG_SHIFT 12

/* The stream: a header, then the device's state as it was. */
struct sim_mig_image {
	__le32 magic;
	__le32 size;			/* of the whole image */
	__le64 src, dst, len, fault_iova, ns_pages;
	__le32 status, pattern, last_ns, __pad;
	u8 cfg[SIM_CFG_SIZE];
	u8 buf[LIBIOMMU_KMOD_SIM_BUF_SIZE];
};

/*
 * A data fd.  Saving streams img[0] (PRE_COPY or STOP_COPY's snapshot)
 * and, after PRE_COPY -> STOP_COPY, img[1] (the final one).  Resuming
 * takes any number of images and keeps the last whole one in img[1].
 */
struct sim_mig_file {
	struct kref kref;		/* the file's and the device's */
	struct mutex lock;		/* everything below */
	bool ended;			/* the device left the saving group / RESUMING */
	bool precopy;			/* saving, and the device is in PRE_COPY */
	bool loaded;			/* resuming: img[1] is a whole image */
	size_t pos;			/* saving: bytes read; resuming: of img[0] */
	size_t len;			/* saving: bytes to stream */
	struct sim_mig_image img[2];
};

static void sim_mig_file_free(struct kref *kref)
{
	struct sim_mig_file *mf = container_of(kref, struct sim_mig_file, kref);

	mutex_destroy(&mf->lock);
	kvfree(mf);
}

static void sim_mig_file_put(struct sim_mig_file *mf)
{
	kref_put(&mf->kref, sim_mig_file_free);
}

static int sim_mig_release(struct inode *inode, struct file *filp)
{
	sim_mig_file_put(filp->private_data);
	return 0;
}

static ssize_t sim_mig_read(struct file *filp, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	struct sim_mig_file *mf = filp->private_data;
	size_t avail, n;
	ssize_t ret;

	if (ppos)
		return -ESPIPE;
	mutex_lock(&mf->lock);
	if (mf->ended) {
		ret = -ENODEV;
		goto out;
	}
	/* 0 at the end of what there is: PRE_COPY's end is temporary */
	avail = mf->len - mf->pos;
	n = min(len, avail);
	if (n && copy_to_user(ubuf, (u8 *)mf->img + mf->pos, n)) {
		ret = -EFAULT;
		goto out;
	}
	mf->pos += n;
	ret = n;
out:
	mutex_unlock(&mf->lock);
	return ret;
}

static ssize_t sim_mig_write(struct file *filp, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct sim_mig_file *mf = filp->private_data;
	size_t done = 0, n;
	ssize_t ret;

	if (ppos)
		return -ESPIPE;
	mutex_lock(&mf->lock);
	if (mf->ended) {
		ret = -ENODEV;
		goto out;
	}
	while (done < len) {
		n = min(len - done, sizeof(mf->img[0]) - mf->pos);
		if (copy_from_user((u8 *)&mf->img[0] + mf->pos, ubuf + done, n)) {
			ret = done ? done : -EFAULT;
			goto out;
		}
		mf->pos += n;
		done += n;
		if (mf->pos == sizeof(mf->img[0])) {
			/* a whole image: the last one wins */
			mf->img[1] = mf->img[0];
			mf->loaded = true;
			mf->pos = 0;
		}
	}
	ret = len;
out:
	mutex_unlock(&mf->lock);
	return ret;
}

/* VFIO_MIG_GET_PRECOPY_INFO: valid in PRE_COPY only (else EINVAL). */
static long sim_mig_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct sim_mig_file *mf = filp->private_data;
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info;
	long ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	mutex_lock(&mf->lock);
	if (mf->ended || !mf->precopy) {
		ret = -EINVAL;
		goto out;
	}
	/* state changes during PRE_COPY travel with STOP_COPY's image */
	info.flags = 0;
	info.initial_bytes = mf->pos < sizeof(mf->img[0]) ?
			     sizeof(mf->img[0]) - mf->pos : 0;
	info.dirty_bytes = 0;
out:
	mutex_unlock(&mf->lock);
	if (!ret && copy_to_user((void __user *)arg, &info, minsz))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations sim_mig_save_fops = {
	.owner = THIS_MODULE,
	.read = sim_mig_read,
	.unlocked_ioctl = sim_mig_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = sim_mig_release,
};

static const struct file_operations sim_mig_resume_fops = {
	.owner = THIS_MODULE,
	.write = sim_mig_write,
	.release = sim_mig_release,
};

/* A new data fd's file; its sim_mig_file holds two references. */
static struct file *sim_mig_file_new(bool save, struct sim_mig_file **out)
{
	struct sim_mig_file *mf;
	struct file *filp;

	mf = kvzalloc_obj(*mf, GFP_KERNEL_ACCOUNT);
	if (!mf)
		return ERR_PTR(-ENOMEM);
	kref_init(&mf->kref);
	mutex_init(&mf->lock);
	filp = anon_inode_getfile(save ? "libiommu_sim_mig_save" : "libiommu_sim_mig_resume",
				  save ? &sim_mig_save_fops : &sim_mig_resume_fops,
				  mf, save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		sim_mig_file_put(mf);
		return filp;
	}
	stream_open(filp->f_inode, filp);
	kref_get(&mf->kref);
	*out = mf;
	return filp;
}

/* The device leaves the state that returned @mf's fd; s->mig_lock held. */
static void sim_mig_end(struct sim_mig_file **slot)
{
	struct sim_mig_file *mf = *slot;

	if (!mf)
		return;
	mutex_lock(&mf->lock);
	mf->ended = true;
	mutex_unlock(&mf->lock);
	sim_mig_file_put(mf);
	*slot = NULL;
}

static void sim_mig_save(struct sim_dev *s, struct sim_mig_image *img)
{
	img->magic = cpu_to_le32(SIM_MIG_MAGIC);
	img->size = cpu_to_le32(sizeof(*img));
	mutex_lock(&s->lock);
	img->src = cpu_to_le64(s->regs.src);
	img->dst = cpu_to_le64(s->regs.dst);
	img->len = cpu_to_le64(s->regs.len);
	img->fault_iova = cpu_to_le64(s->regs.fault_iova);
	img->ns_pages = cpu_to_le64(s->regs.ns_pages);
	img->status = cpu_to_le32(s->regs.status);
	img->pattern = cpu_to_le32(s->regs.pattern);
	img->last_ns = cpu_to_le32(s->regs.last_ns);
	memcpy(img->cfg, s->mem->cfg, sizeof(img->cfg));
	memcpy(img->buf, s->mem->buf, sizeof(img->buf));
	mutex_unlock(&s->lock);
}

/* A saved config space: only its writable bits; s->lock held. */
static void sim_mig_load_cfg(struct sim_dev *s, const u8 *cfg)
{
	unsigned int i;

	for (i = 0; i < SIM_CFG_SIZE; i++) {
		u8 m = s->mem->cfg_wmask[i];

		s->mem->cfg[i] = (s->mem->cfg[i] & ~m) | (cfg[i] & m);
	}
}

/*
 * RESUMING -> STOP: load a complete stream of ours, else EINVAL.  Nothing
 * written at all is a resume given up (the user may never have had the
 * fd: installing it can fail after the transition): the device keeps its
 * state, so that it is not stuck in RESUMING until a reset.
 */
static int sim_mig_load(struct sim_dev *s, struct sim_mig_file *mf)
{
	struct sim_mig_image *img = &mf->img[1];
	int ret = 0;

	mutex_lock(&mf->lock);
	if (!mf->pos && !mf->loaded)
		goto out;
	if (mf->pos || !mf->loaded ||
	    le32_to_cpu(img->magic) != SIM_MIG_MAGIC ||
	    le32_to_cpu(img->size) != sizeof(*img)) {
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&s->lock);
	s->regs.src = le64_to_cpu(img->src);
	s->regs.dst = le64_to_cpu(img->dst);
	s->regs.len = le64_to_cpu(img->len);
	s->regs.fault_iova = le64_to_cpu(img->fault_iova);
	s->regs.ns_pages = le64_to_cpu(img->ns_pages);
	s->regs.status = le32_to_cpu(img->status);
	s->regs.pattern = le32_to_cpu(img->pattern);
	s->regs.last_ns = le32_to_cpu(img->last_ns);
	/* only what software can write: the read-only bits are the device's */
	sim_mig_load_cfg(s, img->cfg);
	memcpy(s->mem->buf, img->buf, sizeof(img->buf));
	mutex_unlock(&s->lock);
out:
	mutex_unlock(&mf->lock);
	return ret;
}

/* One arc of the state machine; s->mig_lock held. */
static struct file *sim_mig_step(struct sim_dev *s,
				 enum vfio_device_mig_state cur,
				 enum vfio_device_mig_state next)
{
	struct sim_mig_file *mf;
	struct file *filp;
	int ret;

	if (cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_STOP)
		return NULL;
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RUNNING)
		return NULL;
	if ((cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_STOP_COPY) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_PRE_COPY)) {
		filp = sim_mig_file_new(true, &s->mig_save);
		if (IS_ERR(filp))
			return filp;
		mf = s->mig_save;
		sim_mig_save(s, &mf->img[0]);
		mf->len = sizeof(mf->img[0]);
		mf->precopy = next == VFIO_DEVICE_STATE_PRE_COPY;
		return filp;
	}
	if (cur == VFIO_DEVICE_STATE_PRE_COPY && next == VFIO_DEVICE_STATE_STOP_COPY) {
		/* the same session: the final image follows the initial one */
		mf = s->mig_save;
		mutex_lock(&mf->lock);
		mf->precopy = false;
		sim_mig_save(s, &mf->img[1]);
		mf->len = sizeof(mf->img);
		mutex_unlock(&mf->lock);
		return NULL;
	}
	if ((cur == VFIO_DEVICE_STATE_STOP_COPY && next == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY && next == VFIO_DEVICE_STATE_RUNNING)) {
		sim_mig_end(&s->mig_save);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RESUMING)
		return sim_mig_file_new(false, &s->mig_resume);
	if (cur == VFIO_DEVICE_STATE_RESUMING && next == VFIO_DEVICE_STATE_STOP) {
		ret = sim_mig_load(s, s->mig_resume);
		if (ret)
			return ERR_PTR(ret);
		sim_mig_end(&s->mig_resume);
		return NULL;
	}
	/* vfio_mig_get_next_state() gives no other arc for our flags */
	return ERR_PTR(-EINVAL);
}

static struct file *sim_mig_set_state(struct vfio_device *vdev,
				      enum vfio_device_mig_state new)
{
	struct sim_dev *s = lisim_vdev_to_sim(vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&s->mig_lock);
	while (s->mig_state != new) {
		ret = vfio_mig_get_next_state(vdev, s->mig_state, new, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = sim_mig_step(s, s->mig_state, next);
		if (IS_ERR(res))
			break;
		WRITE_ONCE(s->mig_state, next);
		if (WARN_ON(res && next != new)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&s->mig_lock);
	return res;
}

static int sim_mig_get_state(struct vfio_device *vdev,
			     enum vfio_device_mig_state *state)
{
	struct sim_dev *s = lisim_vdev_to_sim(vdev);

	mutex_lock(&s->mig_lock);
	*state = s->mig_state;
	mutex_unlock(&s->mig_lock);
	return 0;
}

static int sim_mig_get_data_size(struct vfio_device *vdev,
				 unsigned long *stop_copy_length)
{
	*stop_copy_length = sizeof(struct sim_mig_image);
	return 0;
}

const struct vfio_migration_ops lisim_mig_ops = {
	.migration_set_state = sim_mig_set_state,
	.migration_get_state = sim_mig_get_state,
	.migration_get_data_size = sim_mig_get_data_size,
};

/*
 * Open, reset and close: the device runs, any data fd ends, logging
 * stops.  s->lock not held.
 */
void lisim_mig_reset(struct sim_dev *s)
{
	mutex_lock(&s->mig_lock);
	sim_mig_end(&s->mig_save);
	sim_mig_end(&s->mig_resume);
	WRITE_ONCE(s->mig_state, VFIO_DEVICE_STATE_RUNNING);
	mutex_unlock(&s->mig_lock);
	mutex_lock(&s->lock);
	s->log_nranges = 0;
	xa_destroy(&s->log_pages);
	s->log_lost = false;
	mutex_unlock(&s->lock);
}

/* ---------------------------------------------------------- DMA logging */

static int sim_log_start(struct vfio_device *vdev, struct rb_root_cached *ranges,
			 u32 nnodes, u64 *page_size)
{
	struct sim_dev *s = lisim_vdev_to_sim(vdev);
	struct interval_tree_node *n;
	u64 total = 0;
	int i = 0, ret = 0;

	if (*page_size < SZ_4K || !is_power_of_2(*page_size))
		return -EINVAL;
	if (nnodes > LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES) {
		vfio_combine_iova_ranges(ranges, nnodes,
					 LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES);
		nnodes = LIBIOMMU_KMOD_SIM_LOG_MAX_RANGES;
	}
	for (n = interval_tree_iter_first(ranges, 0, ULONG_MAX); n;
	     n = interval_tree_iter_next(n, 0, ULONG_MAX))
		total += n->last - n->start + 1;
	if (total > LIBIOMMU_KMOD_SIM_LOG_MAX_LENGTH)
		return -E2BIG;

	mutex_lock(&s->lock);
	if (s->log_nranges) {
		ret = -EBUSY;
		goto out;
	}
	for (n = interval_tree_iter_first(ranges, 0, ULONG_MAX); n;
	     n = interval_tree_iter_next(n, 0, ULONG_MAX), i++) {
		s->log_ranges[i].start = n->start;
		s->log_ranges[i].last = n->last;
	}
	s->log_nranges = i;
	s->log_lost = false;
out:
	mutex_unlock(&s->lock);
	return ret;
}

static int sim_log_stop(struct vfio_device *vdev)
{
	struct sim_dev *s = lisim_vdev_to_sim(vdev);

	mutex_lock(&s->lock);
	s->log_nranges = 0;
	xa_destroy(&s->log_pages);
	s->log_lost = false;
	mutex_unlock(&s->lock);
	return 0;
}

static int sim_log_read_and_clear(struct vfio_device *vdev, unsigned long iova,
				  unsigned long length,
				  struct iova_bitmap *dirty)
{
	struct sim_dev *s = lisim_vdev_to_sim(vdev);
	unsigned long first = iova >> SIM_LOG_SHIFT;
	unsigned long last = (iova + length - 1) >> SIM_LOG_SHIFT;
	unsigned long index;
	void *entry;
	int ret = 0;

	mutex_lock(&s->lock);
	if (!s->log_nranges) {
		ret = -EINVAL;
		goto out;
	}
	if (s->log_lost) {
		/* a page went unrecorded: everything may be dirty */
		iova_bitmap_set(dirty, iova, length);
		goto out;
	}
	xa_for_each_range(&s->log_pages, index, entry, first, last) {
		iova_bitmap_set(dirty, index << SIM_LOG_SHIFT, 1UL << SIM_LOG_SHIFT);
		xa_erase(&s->log_pages, index);
	}
out:
	mutex_unlock(&s->lock);
	return ret;
}

const struct vfio_log_ops lisim_log_ops = {
	.log_start = sim_log_start,
	.log_stop = sim_log_stop,
	.log_read_and_clear = sim_log_read_and_clear,
};

/* The DMA engine wrote [iova, iova + len); s->lock held. */
void lisim_log_write(struct sim_dev *s, u64 iova, u64 len)
{
	u64 pfn, last;
	int i;

	if (!s->log_nranges || !len)
		return;
	last = (iova + len - 1) >> SIM_LOG_SHIFT;
	for (pfn = iova >> SIM_LOG_SHIFT; pfn <= last; pfn++) {
		u64 a = pfn << SIM_LOG_SHIFT;

		for (i = 0; i < s->log_nranges; i++)
			if (a <= s->log_ranges[i].last &&
			    a + (1ULL << SIM_LOG_SHIFT) - 1 >= s->log_ranges[i].start)
				break;
		if (i == s->log_nranges)
			continue;
		if (xa_err(xa_store(&s->log_pages, pfn, xa_mk_value(1),
				    GFP_KERNEL)))
			s->log_lost = true;
	}
}
