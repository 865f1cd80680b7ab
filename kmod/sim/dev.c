// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu_sim.ko: simulated DMA devices.
 *
 * A sim device is a struct device on the module's bus, behind one sim
 * IOMMU, bound to the module's driver (vfio_df_open() takes a reference on
 * dev->driver->owner) and registered with VFIO as a physical device, so it
 * gets a group and a cdev and user space binds it to iommufd exactly like
 * a vfio-pci device.  It looks like a PCIe function through VFIO: a config
 * space with a PCI Express capability whose Device Control "Enable No
 * Snoop" bit exists or not, and a BAR0 with a DMA engine that moves data
 * by IOVA through the domain the device is attached to, and MSI-X vectors
 * user space raises through BAR0 and VFIO delivers to eventfds.  The
 * layout is in
 * libiommu_kmod.h (SIM section, "sim device, hardware").
 */
#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci_ids.h>
#include <linux/pci_regs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vfio.h>

#include "sim.h"

#define SIM_OFFSET_SHIFT 40
#define SIM_OFFSET_MASK ((1ULL << SIM_OFFSET_SHIFT) - 1)
/* Registers live below this offset of BAR0; the rest reads as zero. */
#define SIM_REG_SPAN 0x40

static struct sim_dev *vdev_to_sim(struct vfio_device *vdev)
{
	return lisim_vdev_to_sim(vdev);
}

/* ---------------------------------------------------------- config space */

static void cfg_w8(struct sim_dev *s, unsigned int off, u8 v, u8 wmask)
{
	s->mem->cfg[off] = v;
	s->mem->cfg_wmask[off] = wmask;
}

static void cfg_w16(struct sim_dev *s, unsigned int off, u16 v, u16 wmask)
{
	put_unaligned_le16(v, &s->mem->cfg[off]);
	put_unaligned_le16(wmask, &s->mem->cfg_wmask[off]);
}

static void cfg_w32(struct sim_dev *s, unsigned int off, u32 v, u32 wmask)
{
	put_unaligned_le32(v, &s->mem->cfg[off]);
	put_unaligned_le32(wmask, &s->mem->cfg_wmask[off]);
}

static u16 cfg_r16(struct sim_dev *s, unsigned int off)
{
	return get_unaligned_le16(&s->mem->cfg[off]);
}

/* Power-on / function-level reset state; sdev->lock held or not shared. */
static void sim_dev_reset(struct sim_dev *s)
{
	const unsigned int pcie = LIBIOMMU_KMOD_SIM_CFG_PCIE;
	bool ns_cap = s->flags & LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP;
	u16 devctl, devctl_wmask;

	memset(s->mem->cfg, 0, sizeof(s->mem->cfg));
	memset(s->mem->cfg_wmask, 0, sizeof(s->mem->cfg_wmask));
	memset(s->mem->buf, 0, sizeof(s->mem->buf));
	memset(&s->regs, 0, sizeof(s->regs));
	s->last_dma = 0;

	/* type 0 header */
	cfg_w16(s, PCI_VENDOR_ID, LIBIOMMU_KMOD_SIM_PCI_VENDOR, 0);
	cfg_w16(s, PCI_DEVICE_ID, LIBIOMMU_KMOD_SIM_PCI_DEVICE, 0);
	cfg_w16(s, PCI_COMMAND, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				   PCI_COMMAND_INTX_DISABLE);
	cfg_w16(s, PCI_STATUS, PCI_STATUS_CAP_LIST, 0);
	cfg_w8(s, PCI_REVISION_ID, 1, 0);
	cfg_w16(s, PCI_CLASS_DEVICE, PCI_CLASS_SYSTEM_OTHER, 0);
	cfg_w32(s, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_MEMORY,
		~(u32)(LIBIOMMU_KMOD_SIM_BAR0_SIZE - 1));
	cfg_w16(s, PCI_SUBSYSTEM_VENDOR_ID, LIBIOMMU_KMOD_SIM_PCI_VENDOR, 0);
	cfg_w16(s, PCI_SUBSYSTEM_ID, LIBIOMMU_KMOD_SIM_PCI_DEVICE, 0);
	cfg_w8(s, PCI_CAPABILITY_LIST, pcie, 0);
	cfg_w8(s, PCI_INTERRUPT_LINE, 0, 0xff);

	/* PCI Express capability, v2, root complex integrated endpoint */
	cfg_w8(s, pcie + PCI_CAP_LIST_ID, PCI_CAP_ID_EXP, 0);
	cfg_w8(s, pcie + PCI_CAP_LIST_NEXT, 0, 0);
	cfg_w16(s, pcie + PCI_EXP_FLAGS,
		2 | (PCI_EXP_TYPE_RC_END << 4), 0);
	cfg_w32(s, pcie + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER, 0);
	/*
	 * Enable No Snoop: "hardwired to 0 if a component never sets the No
	 * Snoop attribute", else writable and 1 after reset (PCIe spec).
	 */
	devctl = PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_READRQ_512B;
	devctl_wmask = PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
		       PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
		       PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_READRQ;
	if (ns_cap) {
		devctl |= PCI_EXP_DEVCTL_NOSNOOP_EN;
		devctl_wmask |= PCI_EXP_DEVCTL_NOSNOOP_EN;
	}
	cfg_w16(s, pcie + PCI_EXP_DEVCTL, devctl, devctl_wmask);
	cfg_w16(s, pcie + PCI_EXP_DEVSTA, 0, 0);
}

static ssize_t sim_cfg_rw(struct sim_dev *s, char __user *ubuf, size_t count,
			  u64 off, bool write)
{
	u8 tmp[64];
	size_t done = 0, n, i;

	if (off >= SIM_CFG_SIZE || count > SIM_CFG_SIZE - off)
		return -EINVAL;
	while (done < count) {
		n = min(count - done, sizeof(tmp));
		if (write) {
			if (copy_from_user(tmp, ubuf + done, n))
				return -EFAULT;
			mutex_lock(&s->lock);
			for (i = 0; i < n; i++) {
				u8 *c = &s->mem->cfg[off + done + i];
				u8 m = s->mem->cfg_wmask[off + done + i];

				*c = (*c & ~m) | (tmp[i] & m);
			}
			mutex_unlock(&s->lock);
		} else {
			mutex_lock(&s->lock);
			memcpy(tmp, &s->mem->cfg[off + done], n);
			mutex_unlock(&s->lock);
			if (copy_to_user(ubuf + done, tmp, n))
				return -EFAULT;
		}
		done += n;
	}
	return count;
}

/* ---------------------------------------------------------- DMA engine */

static u32 sim_xlate_status(enum sim_xlate x)
{
	switch (x) {
	case SIM_XLATE_OK:
		return LIBIOMMU_KMOD_SIM_ST_DONE;
	case SIM_XLATE_UNMAPPED:
		return LIBIOMMU_KMOD_SIM_ST_FAULT;
	case SIM_XLATE_PERM:
		return LIBIOMMU_KMOD_SIM_ST_FAULT_PERM;
	default:
		return LIBIOMMU_KMOD_SIM_ST_FAULT_TARGET;
	}
}

/*
 * Move the bytes, one page-bounded chunk at a time.  The ranges were
 * checked just before; a chunk can still fault if user space unmaps in
 * between (a race it made), then *fault_iova says where.
 */
static enum sim_xlate sim_dma_move(struct sim_dev *s, struct sim_domain *sd,
				   u32 op, u64 src, u64 dst, u64 len,
				   u64 *fault_iova, u64 *chunks)
{
	int fill = s->regs.pattern & 0xff;
	enum sim_xlate x = SIM_XLATE_OK;
	u64 done = 0, n;

	while (done < len) {
		n = len - done;
		if (op != LIBIOMMU_KMOD_SIM_DMA_FROM_DEV &&
		    op != LIBIOMMU_KMOD_SIM_DMA_FILL)
			n = min_t(u64, n, PAGE_SIZE - ((src + done) & ~PAGE_MASK));
		if (op != LIBIOMMU_KMOD_SIM_DMA_TO_DEV)
			n = min_t(u64, n, PAGE_SIZE - ((dst + done) & ~PAGE_MASK));

		switch (op) {
		case LIBIOMMU_KMOD_SIM_DMA_TO_DEV:
			*fault_iova = src + done;
			x = lisim_domain_access(sd, src + done,
						s->mem->buf + done, n, false,
						-1);
			break;
		case LIBIOMMU_KMOD_SIM_DMA_FROM_DEV:
			*fault_iova = dst + done;
			x = lisim_domain_access(sd, dst + done,
						s->mem->buf + done, n, true,
						-1);
			break;
		case LIBIOMMU_KMOD_SIM_DMA_COPY:
			*fault_iova = src + done;
			x = lisim_domain_access(sd, src + done,
						s->mem->bounce, n, false, -1);
			if (x != SIM_XLATE_OK)
				break;
			*fault_iova = dst + done;
			x = lisim_domain_access(sd, dst + done,
						s->mem->bounce, n, true, -1);
			break;
		case LIBIOMMU_KMOD_SIM_DMA_FILL:
			*fault_iova = dst + done;
			x = lisim_domain_access(sd, dst + done, NULL, n,
						true, fill);
			break;
		}
		if (x != SIM_XLATE_OK)
			return x;
		if (op != LIBIOMMU_KMOD_SIM_DMA_TO_DEV)
			lisim_log_write(s, dst + done, n);
		(*chunks)++;
		done += n;
		cond_resched();
	}
	return SIM_XLATE_OK;
}

/* Run the command written to REG_CMD; sdev->lock held. */
static void sim_dma_run(struct sim_dev *s, u32 cmd)
{
	const unsigned int devctl_off = LIBIOMMU_KMOD_SIM_CFG_DEVCTL;
	u32 op = cmd & LIBIOMMU_KMOD_SIM_DMA_OP_MASK;
	u64 src = s->regs.src, dst = s->regs.dst, len = s->regs.len;
	struct sim_domain *sd = s->domain;
	bool rd, wr, ns, issued, enforced;
	u64 fault = 0, chunks = 0, max;
	enum sim_xlate x;
	u32 st;

	s->regs.last_ns = 0;
	rd = op == LIBIOMMU_KMOD_SIM_DMA_TO_DEV || op == LIBIOMMU_KMOD_SIM_DMA_COPY;
	wr = op != LIBIOMMU_KMOD_SIM_DMA_TO_DEV;
	max = (op == LIBIOMMU_KMOD_SIM_DMA_TO_DEV ||
	       op == LIBIOMMU_KMOD_SIM_DMA_FROM_DEV) ?
		LIBIOMMU_KMOD_SIM_BUF_SIZE : LIBIOMMU_KMOD_SIM_DMA_MAX;

	if (!(cfg_r16(s, PCI_COMMAND) & PCI_COMMAND_MASTER)) {
		st = LIBIOMMU_KMOD_SIM_ST_NO_MASTER;
		goto out;
	}
	if (op < LIBIOMMU_KMOD_SIM_DMA_TO_DEV || op > LIBIOMMU_KMOD_SIM_DMA_FILL ||
	    (cmd & ~(LIBIOMMU_KMOD_SIM_DMA_OP_MASK | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP)) ||
	    !len || len > max || (rd && src + len - 1 < src) ||
	    (wr && dst + len - 1 < dst)) {
		st = LIBIOMMU_KMOD_SIM_ST_BAD_CMD;
		goto out;
	}
	if (!sd) {
		/* the blocking domain translates nothing */
		fault = rd ? src : dst;
		st = LIBIOMMU_KMOD_SIM_ST_BLOCKED;
		goto out;
	}
	/* check everything first: a faulting command writes nothing */
	x = rd ? lisim_domain_check(sd, src, len, false, &fault) : SIM_XLATE_OK;
	if (x == SIM_XLATE_OK && wr)
		x = lisim_domain_check(sd, dst, len, true, &fault);
	if (x == SIM_XLATE_OK)
		x = sim_dma_move(s, sd, op, src, dst, len, &fault, &chunks);
	st = sim_xlate_status(x);
	if (x != SIM_XLATE_OK)
		goto out;

	/*
	 * The device sends no-snoop when asked and its Enable No Snoop bit
	 * is set; an IOMMU that enforces coherency for the domain strips it.
	 */
	issued = (cmd & LIBIOMMU_KMOD_SIM_DMA_NOSNOOP) &&
		 (cfg_r16(s, devctl_off) & PCI_EXP_DEVCTL_NOSNOOP_EN);
	enforced = READ_ONCE(sd->enforce_cc);
	ns = issued && !enforced;
	s->last_dma = LIBIOMMU_KMOD_SIM_LAST_DMA_DONE |
		      (issued ? LIBIOMMU_KMOD_SIM_LAST_DMA_NOSNOOP : 0) |
		      (enforced ? LIBIOMMU_KMOD_SIM_LAST_DMA_ENFORCED : 0) |
		      (ns ? 0 : LIBIOMMU_KMOD_SIM_LAST_DMA_SNOOPED);
	if (ns) {
		s->regs.last_ns = 1;
		s->regs.ns_pages += chunks;
		s->ns_pages += chunks;
	}
	s->dma_bytes += len;
	fault = 0;
out:
	s->regs.status = st;
	s->regs.fault_iova = fault;
	if (st != LIBIOMMU_KMOD_SIM_ST_DONE)
		s->dma_faults++;
}

/* ---------------------------------------------------------- BAR0 */

static void sim_regs_image(struct sim_dev *s, u8 *img)
{
	memset(img, 0, SIM_REG_SPAN);
	put_unaligned_le32(LIBIOMMU_KMOD_SIM_ID, img + LIBIOMMU_KMOD_SIM_REG_ID);
	put_unaligned_le64(s->regs.src, img + LIBIOMMU_KMOD_SIM_REG_SRC);
	put_unaligned_le64(s->regs.dst, img + LIBIOMMU_KMOD_SIM_REG_DST);
	put_unaligned_le64(s->regs.len, img + LIBIOMMU_KMOD_SIM_REG_LEN);
	put_unaligned_le32(s->regs.status, img + LIBIOMMU_KMOD_SIM_REG_STATUS);
	put_unaligned_le64(s->regs.fault_iova,
			   img + LIBIOMMU_KMOD_SIM_REG_FAULT_IOVA);
	put_unaligned_le64(s->regs.ns_pages, img + LIBIOMMU_KMOD_SIM_REG_NS_PAGES);
	put_unaligned_le32(s->regs.pattern, img + LIBIOMMU_KMOD_SIM_REG_PATTERN);
	put_unaligned_le32(s->regs.last_ns, img + LIBIOMMU_KMOD_SIM_REG_LAST_NS);
}

/*
 * Device memory, through a bounce buffer: the user copy can fault and
 * stall (a page being read in, a userfaultfd), and s->lock must never be
 * held meanwhile - attach and detach, the DMA engine and SIM_DEV_INFO
 * take it.  An access is still atomic against the DMA engine.
 */
static ssize_t sim_buf_rw(struct sim_dev *s, char __user *ubuf, size_t count,
			  u64 off, bool write)
{
	ssize_t ret = count;
	u8 *bounce;

	bounce = kmalloc(count, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	if (write) {
		if (copy_from_user(bounce, ubuf, count)) {
			ret = -EFAULT;
			goto out;
		}
		mutex_lock(&s->lock);
		memcpy(s->mem->buf + off, bounce, count);
		mutex_unlock(&s->lock);
	} else {
		mutex_lock(&s->lock);
		memcpy(bounce, s->mem->buf + off, count);
		mutex_unlock(&s->lock);
		if (copy_to_user(ubuf, bounce, count))
			ret = -EFAULT;
	}
out:
	kfree(bounce);
	return ret;
}

static ssize_t sim_bar0_rw(struct sim_dev *s, char __user *ubuf, size_t count,
			   u64 off, bool write)
{
	const u64 buf0 = LIBIOMMU_KMOD_SIM_BUF;
	u8 img[SIM_REG_SPAN], tmp[SIM_REG_SPAN];
	u64 cmd_off = LIBIOMMU_KMOD_SIM_REG_CMD;

	if (off >= LIBIOMMU_KMOD_SIM_BAR0_SIZE ||
	    count > LIBIOMMU_KMOD_SIM_BAR0_SIZE - off)
		return -EINVAL;

	if (off >= buf0)
		return sim_buf_rw(s, ubuf, count, off - buf0, write);
	if (off + count > buf0)
		return -EINVAL;
	if (write && off == LIBIOMMU_KMOD_SIM_REG_MSIX_RAISE && count == 4) {
		u32 v;

		if (copy_from_user(&v, ubuf, 4))
			return -EFAULT;
		v = le32_to_cpu((__force __le32)v);
		mutex_lock(&s->lock);
		if (v < LIBIOMMU_KMOD_SIM_MSIX_VECTORS && s->msix[v])
			eventfd_signal(s->msix[v]);
		mutex_unlock(&s->lock);
		return count;
	}
	if (off >= SIM_REG_SPAN) {
		/* unimplemented registers: read zero, writes ignored */
		if (!write && clear_user(ubuf, count))
			return -EFAULT;
		return count;
	}
	if (off + count > SIM_REG_SPAN)
		return -EINVAL;

	if (write) {
		if (copy_from_user(tmp, ubuf, count))
			return -EFAULT;
		mutex_lock(&s->lock);
		sim_regs_image(s, img);
		memcpy(img + off, tmp, count);
		s->regs.src = get_unaligned_le64(img + LIBIOMMU_KMOD_SIM_REG_SRC);
		s->regs.dst = get_unaligned_le64(img + LIBIOMMU_KMOD_SIM_REG_DST);
		s->regs.len = get_unaligned_le64(img + LIBIOMMU_KMOD_SIM_REG_LEN);
		s->regs.pattern =
			get_unaligned_le32(img + LIBIOMMU_KMOD_SIM_REG_PATTERN);
		/* a write covering the whole command register starts it */
		if (off <= cmd_off && off + count >= cmd_off + 4)
			sim_dma_run(s, get_unaligned_le32(img + cmd_off));
		mutex_unlock(&s->lock);
		return count;
	}
	mutex_lock(&s->lock);
	sim_regs_image(s, img);
	mutex_unlock(&s->lock);
	if (copy_to_user(ubuf, img + off, count))
		return -EFAULT;
	return count;
}

/* ---------------------------------------------------------- VFIO ops */

static ssize_t sim_vfio_rw(struct vfio_device *vdev, char __user *buf,
			   size_t count, loff_t pos, bool write)
{
	struct sim_dev *s = vdev_to_sim(vdev);
	u64 index = (u64)pos >> SIM_OFFSET_SHIFT;
	u64 off = (u64)pos & SIM_OFFSET_MASK;

	if (pos < 0)
		return -EINVAL;
	if (READ_ONCE(s->dying))
		return -ENODEV;
	/* a stopped device changes nothing (its state may be being saved) */
	if (write && READ_ONCE(s->mig_state) != VFIO_DEVICE_STATE_RUNNING &&
	    READ_ONCE(s->mig_state) != VFIO_DEVICE_STATE_PRE_COPY)
		return -EBUSY;
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return sim_cfg_rw(s, buf, count, off, write);
	case VFIO_PCI_BAR0_REGION_INDEX:
		return sim_bar0_rw(s, buf, count, off, write);
	default:
		return -EINVAL;
	}
}

static ssize_t sim_vfio_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	return sim_vfio_rw(vdev, buf, count, *ppos, false);
}

static ssize_t sim_vfio_write(struct vfio_device *vdev, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	return sim_vfio_rw(vdev, (char __user *)buf, count, *ppos, true);
}

/*
 * BAR0 as a real BAR with registers looks: only the device memory may be
 * mmap()ed (a sparse mmap area), the registers are trapped.
 */
static int sim_bar0_info(struct vfio_region_info *info,
			 struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	size_t size = struct_size(sparse, areas, 1);
	int ret;

	info->size = LIBIOMMU_KMOD_SIM_BAR0_SIZE;
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		      VFIO_REGION_INFO_FLAG_MMAP;
	sparse = kzalloc(size, GFP_KERNEL);
	if (!sparse)
		return -ENOMEM;
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	sparse->nr_areas = 1;
	sparse->areas[0].offset = LIBIOMMU_KMOD_SIM_BUF;
	sparse->areas[0].size = LIBIOMMU_KMOD_SIM_BUF_SIZE;
	ret = vfio_info_add_capability(caps, &sparse->header, size);
	kfree(sparse);
	return ret;
}

/* mmap() of BAR0's sparse area: the device memory page itself. */
static int sim_vfio_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct sim_dev *s = vdev_to_sim(vdev);
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned long pfn;
	void *buf;

	BUILD_BUG_ON(offsetof(struct sim_dev_mem, buf) % PAGE_SIZE ||
		     LIBIOMMU_KMOD_SIM_BUF_SIZE != PAGE_SIZE);
	if (READ_ONCE(s->dying))
		return -ENODEV;
	if (pos >> SIM_OFFSET_SHIFT != VFIO_PCI_BAR0_REGION_INDEX ||
	    (pos & SIM_OFFSET_MASK) != LIBIOMMU_KMOD_SIM_BUF ||
	    vma->vm_end - vma->vm_start != LIBIOMMU_KMOD_SIM_BUF_SIZE ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	buf = s->mem->buf;
	pfn = is_vmalloc_addr(buf) ? vmalloc_to_pfn(buf) :
				     page_to_pfn(virt_to_page(buf));
	vm_flags_set(vma, VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	return remap_pfn_range(vma, vma->vm_start, pfn, PAGE_SIZE,
			       vma->vm_page_prot);
}

static int sim_vfio_region_info(struct vfio_device *vdev,
				struct vfio_region_info *info,
				struct vfio_info_cap *caps)
{
	const u32 rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;

	if (info->index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info->offset = (u64)info->index << SIM_OFFSET_SHIFT;
	info->size = 0;
	info->flags = 0;
	if (info->index == VFIO_PCI_CONFIG_REGION_INDEX) {
		info->size = SIM_CFG_SIZE;
		info->flags = rw;
	} else if (info->index == VFIO_PCI_BAR0_REGION_INDEX) {
		return sim_bar0_info(info, caps);
	}
	return 0;
}

/* Drop every MSI-X eventfd; s->lock held. */
static void sim_msix_disable(struct sim_dev *s)
{
	unsigned int i;

	for (i = 0; i < LIBIOMMU_KMOD_SIM_MSIX_VECTORS; i++) {
		if (s->msix[i])
			eventfd_ctx_put(s->msix[i]);
		s->msix[i] = NULL;
	}
}

/*
 * VFIO_DEVICE_SET_IRQS for MSI-X, the only index with vectors: eventfds
 * (-1 removes one), NONE with count 0 disables, NONE with a range signals
 * those vectors (a loopback, as vfio-pci does).
 */
static int sim_set_irqs(struct sim_dev *s, void __user *uarg)
{
	struct eventfd_ctx *ctx[LIBIOMMU_KMOD_SIM_MSIX_VECTORS] = { NULL };
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	s32 *fds = NULL;
	unsigned int i;
	int ret;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	ret = vfio_set_irqs_validate_and_prepare(&hdr,
			hdr.index == VFIO_PCI_MSIX_IRQ_INDEX ?
			LIBIOMMU_KMOD_SIM_MSIX_VECTORS : 0,
			VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (hdr.index != VFIO_PCI_MSIX_IRQ_INDEX ||
	    !(hdr.flags & VFIO_IRQ_SET_ACTION_TRIGGER) ||
	    (hdr.flags & VFIO_IRQ_SET_DATA_BOOL))
		return -EINVAL;
	if (hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		fds = memdup_user(uarg + minsz, data_size);
		if (IS_ERR(fds))
			return PTR_ERR(fds);
		/* take every eventfd first: a bad fd changes nothing */
		for (i = 0; i < hdr.count; i++) {
			if (fds[i] < 0)
				continue;
			ctx[i] = eventfd_ctx_fdget(fds[i]);
			if (IS_ERR(ctx[i])) {
				ret = PTR_ERR(ctx[i]);
				ctx[i] = NULL;
				goto put;
			}
		}
	}
	mutex_lock(&s->lock);
	if (!(hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD)) {
		if (!hdr.count)
			sim_msix_disable(s);
		for (i = 0; i < hdr.count; i++)
			if (s->msix[hdr.start + i])
				eventfd_signal(s->msix[hdr.start + i]);
	} else {
		for (i = 0; i < hdr.count; i++)
			swap(s->msix[hdr.start + i], ctx[i]);
	}
	mutex_unlock(&s->lock);
put:
	/* the replaced eventfds, or the ones taken before a failure */
	for (i = 0; i < LIBIOMMU_KMOD_SIM_MSIX_VECTORS; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
	kfree(fds);
	return ret;
}

static long sim_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd,
			   unsigned long arg)
{
	struct sim_dev *s = vdev_to_sim(vdev);
	void __user *uarg = (void __user *)arg;
	unsigned long minsz;

	if (READ_ONCE(s->dying))
		return -ENODEV;
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		/* MSI-X only */
		info.flags = 0;
		info.count = 0;
		if (info.index == VFIO_PCI_MSIX_IRQ_INDEX) {
			info.flags = VFIO_IRQ_INFO_EVENTFD |
				     VFIO_IRQ_INFO_NORESIZE;
			info.count = LIBIOMMU_KMOD_SIM_MSIX_VECTORS;
		}
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
#ifdef LISIM_REGION_INFO_IN_IOCTL
	case VFIO_DEVICE_GET_REGION_INFO: {
		/* what the newer VFIO core does around sim_vfio_region_info() */
		struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
		struct vfio_region_info info;
		int ret;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		ret = sim_vfio_region_info(vdev, &info, &caps);
		if (ret) {
			kfree(caps.buf);
			return ret;
		}
		if (caps.size) {
			/* the chain follows the struct, or argsz says how much room */
			info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
			if (info.argsz < sizeof(info) + caps.size) {
				info.argsz = sizeof(info) + caps.size;
				info.cap_offset = 0;
			} else {
				vfio_info_cap_shift(&caps, sizeof(info));
				if (copy_to_user(uarg + sizeof(info), caps.buf,
						 caps.size)) {
					kfree(caps.buf);
					return -EFAULT;
				}
				info.cap_offset = sizeof(info);
			}
			kfree(caps.buf);
		}
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
#endif
	case VFIO_DEVICE_SET_IRQS:
		return sim_set_irqs(s, uarg);
	case VFIO_DEVICE_RESET:
		lisim_mig_reset(s);
		mutex_lock(&s->lock);
		sim_dev_reset(s);
		mutex_unlock(&s->lock);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* Opening the device resets it, as vfio-pci does when it can. */
static int sim_vfio_open(struct vfio_device *vdev)
{
	struct sim_dev *s = vdev_to_sim(vdev);

	/* an fd opened after SIM_DEV_DESTROY's check: the device is gone */
	if (READ_ONCE(s->dying))
		return -ENODEV;
	lisim_mig_reset(s);
	mutex_lock(&s->lock);
	sim_dev_reset(s);
	mutex_unlock(&s->lock);
	return 0;
}

/* The last fd closed: data fds end, logging stops, interrupts go. */
static void sim_vfio_close(struct vfio_device *vdev)
{
	struct sim_dev *s = vdev_to_sim(vdev);

	lisim_mig_reset(s);
	mutex_lock(&s->lock);
	sim_msix_disable(s);
	mutex_unlock(&s->lock);
}

/*
 * vfio_unregister_group_dev() waits for every fd of the device to close and
 * asks the driver, first at once and then every 10 s, to get its user to
 * let go.  During SIM_DEV_DESTROY that means an fd was opened after the
 * command's check (a VMM racing it, e.g. with KVM_DEV_VFIO_FILE_ADD): the
 * device is already revoked (dying), so answer the command instead of
 * making it wait for that fd; the device is freed when the fd is closed.
 */
static void sim_vfio_request(struct vfio_device *vdev, unsigned int count)
{
	struct sim_dev *s = vdev_to_sim(vdev);

	if (!count && s->destroy_answer)
		complete(s->destroy_answer);
}

static const struct vfio_device_ops sim_vfio_ops = {
	.name = "libiommu-sim",
	.open_device = sim_vfio_open,
	.close_device = sim_vfio_close,
	.request = sim_vfio_request,
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
	.read = sim_vfio_read,
	.write = sim_vfio_write,
	.ioctl = sim_vfio_ioctl,
#ifndef LISIM_REGION_INFO_IN_IOCTL
	.get_region_info_caps = sim_vfio_region_info,
#endif
	.mmap = sim_vfio_mmap,
};

/* ---------------------------------------------------------- the driver */

static int sim_drv_probe(struct device *dev)
{
	struct sim_dev *s = to_sim_dev(dev);
	struct sim_vdev *sv;
	int ret;

	sv = vfio_alloc_device(sim_vdev, vdev, dev, &sim_vfio_ops);
	if (IS_ERR(sv)) {
		ret = PTR_ERR(sv);
		goto err;
	}
	sv->sdev = s;
	/* migration v2 (STOP_COPY, PRE_COPY) and DMA logging: mig.c */
	sv->vdev.migration_flags = VFIO_MIGRATION_STOP_COPY |
				   VFIO_MIGRATION_PRE_COPY;
	sv->vdev.mig_ops = &lisim_mig_ops;
	sv->vdev.log_ops = &lisim_log_ops;
	ret = vfio_register_group_dev(&sv->vdev);
	if (ret) {
		vfio_put_device(&sv->vdev);
		goto err;
	}
	s->vdev = &sv->vdev;
	return 0;
err:
	s->probe_err = ret;
	return ret;
}

static int sim_drv_remove(struct device *dev)
{
	struct sim_dev *s = to_sim_dev(dev);

	vfio_unregister_group_dev(s->vdev);
	vfio_put_device(s->vdev);
	s->vdev = NULL;
	return 0;
}

static struct device_driver sim_driver = {
	.name = "libiommu_sim",
	.bus = &lisim_bus,
	.owner = THIS_MODULE,
	.probe = sim_drv_probe,
	.remove = sim_drv_remove,
	/* only the control node may unbind: never a VFIO device sans driver */
	.suppress_bind_attrs = true,
	.probe_type = PROBE_FORCE_SYNCHRONOUS,
};

static void sim_dev_release(struct device *dev)
{
	struct sim_dev *s = to_sim_dev(dev);

	xa_destroy(&s->log_pages);
	mutex_destroy(&s->mig_lock);
	kvfree(s->mem);
	lisim_iommu_put(s->iommu);
	kfree(s);
}

struct sim_dev *lisim_dev_create(struct sim_iommu *si, u32 id, u32 flags)
{
	struct irq_domain *msi = lisim_msi_domain();
	struct sim_dev *s;
	int ret;

	s = kzalloc_obj(*s, GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->mem = kvzalloc_obj(*s->mem, GFP_KERNEL);
	if (!s->mem) {
		kfree(s);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&s->lock);
	mutex_init(&s->mig_lock);
	xa_init(&s->log_pages);
	s->mig_state = VFIO_DEVICE_STATE_RUNNING;
	INIT_LIST_HEAD(&s->domain_node);
	s->id = id;
	s->flags = flags;
	kref_get(&si->kref);
	s->iommu = si;
	sim_dev_reset(s);

	device_initialize(&s->dev);
	s->dev.bus = &lisim_bus;
	s->dev.release = sim_dev_release;
	if (msi)
		dev_set_msi_domain(&s->dev, msi);
	ret = dev_set_name(&s->dev, "libiommu_sim%u", id);
	if (ret)
		goto err_put;

	/* fwspec naming our IOMMU, then device_add(): probed, then bound */
	ret = lisim_mock_device_add(&s->dev, &si->iommu);
	if (ret)
		goto err_put;
	if (!s->vdev) {
		ret = s->probe_err ?: -ENODEV;
		device_unregister(&s->dev);
		return ERR_PTR(ret);
	}
	return s;

err_put:
	put_device(&s->dev);
	return ERR_PTR(ret);
}

/*
 * SIM_DEV_DESTROY decided the device goes: no bind, no access, and VFIO's
 * request is answered through @answer (NULL: at module unload, when no fd
 * can be open - each one pins the module).
 */
void lisim_dev_mark_dying(struct sim_dev *s, struct completion *answer)
{
	s->destroy_answer = answer;
	WRITE_ONCE(s->dying, true);
}

/*
 * Unregister the device: VFIO waits for a fd opened after the caller's
 * check (see sim_vfio_request()); the device's memory goes with its last
 * reference.
 */
void lisim_dev_destroy(struct sim_dev *s)
{
	device_unregister(&s->dev);
}

/* Whether @file is a VFIO device fd (cdev or group-opened) of @s. */
bool lisim_dev_matches_file(struct sim_dev *s, struct file *file)
{
	/* both kinds of device file share the device's pseudo inode mapping */
	return s->vdev && s->vdev->inode &&
	       file->f_mapping == s->vdev->inode->i_mapping;
}

void lisim_dev_fill_info(struct sim_dev *s, struct libiommu_kmod_sim_dev_info *info)
{
	struct iommu_group *group = iommu_group_get(&s->dev);

	info->dev_id = s->id;
	info->out_iommu_id = s->iommu->id;
	info->out_iommu_flags = s->iommu->flags;
	info->out_iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	info->out_vfio_index = s->vdev ? s->vdev->index : 0;
	strscpy(info->out_name, dev_name(&s->dev), sizeof(info->out_name));
	info->out_state = 0;
	if (lisim_dev_is_open(s))
		info->out_state |= LIBIOMMU_KMOD_SIM_STATE_OPEN;
	if (lisim_dev_can_enforce(s))
		info->out_state |= LIBIOMMU_KMOD_SIM_STATE_CAP_ENFORCE_CC;

	mutex_lock(&s->lock);
	info->out_dev_flags = lisim_dev_flags(s);
	if (s->domain) {
		info->out_state |= LIBIOMMU_KMOD_SIM_STATE_ATTACHED;
		if (READ_ONCE(s->domain->enforce_cc))
			info->out_state |= LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC;
		if (READ_ONCE(s->domain->dirty_tracking))
			info->out_state |= LIBIOMMU_KMOD_SIM_STATE_DIRTY_TRACKING;
	}
	info->out_devctl = cfg_r16(s, LIBIOMMU_KMOD_SIM_CFG_DEVCTL);
	info->out_dma_bytes = s->dma_bytes;
	info->out_dma_faults = s->dma_faults;
	info->out_ns_pages = s->ns_pages;
	info->out_last_dma = s->last_dma;
	mutex_unlock(&s->lock);
}

int lisim_dev_setup(void)
{
	return driver_register(&sim_driver);
}

void lisim_dev_cleanup(void)
{
	driver_unregister(&sim_driver);
}

