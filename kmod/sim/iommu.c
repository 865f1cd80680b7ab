// SPDX-License-Identifier: GPL-2.0-only
/*
 * libiommu_sim.ko: simulated IOMMU instances.
 *
 * Each instance is an IOMMU driver instance the Linux IOMMU core knows like
 * any other, registered for the module's own bus (a second fwnode-less
 * IOMMU next to intel-iommu would collide in probing): iommufd allocates
 * its domains, asks it to enforce cache coherency and to track dirty
 * pages.  A domain's I/O page table is an xarray from IOVA page number to
 * PFN plus permissions; the DMA engine of sim_dev.c walks it.
 *
 * Coherency rules (the same as VT-d's; see libiommu_kmod.h, SIM section):
 * an instance created with SNOOP_CTL can enforce snooping for its devices
 * unless a device is set NO_ENFORCE; enforce_cache_coherency() succeeds
 * only when every device of the domain, and the one it was allocated for,
 * can; and a device that cannot enforce is refused by a domain that does.
 */
#include <linux/highmem.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/property.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "sim.h"

/*
 * iommufd binds a device only if a DMA write of it cannot raise an
 * interrupt outside its iommufd context (isolated MSI).  A sim device
 * raises no interrupts at all, and its engine only ever writes RAM pages
 * reached through its page table (never the MSI window), so it is isolated
 * by construction.  We say so by giving it an MSI domain that allocates
 * nothing and carries IRQ_DOMAIN_FLAG_ISOLATED_MSI.  With this off, binding
 * needs iommufd.allow_unsafe_interrupts=1, which lowers the bar for every
 * device of the system.
 */
static bool sim_isolated_msi = true;
module_param(sim_isolated_msi, bool, 0444);
MODULE_PARM_DESC(sim_isolated_msi,
		 "Simulated devices declare isolated MSI (they raise no interrupts); "
		 "if off, binding them to iommufd needs iommufd.allow_unsafe_interrupts=1");

const struct bus_type lisim_bus = {
	.name = "libiommu_sim",
};

/* Page table entries: xa_mk_value(pfn << SIM_PTE_SHIFT | SIM_PTE_*). */
#define SIM_PTE_R	BIT(0)
#define SIM_PTE_W	BIT(1)
#define SIM_PTE_MMIO	BIT(2)
#define SIM_PTE_SHIFT	3
/* Dirty bit of a page, an xarray mark so it is cleared with the entry. */
#define SIM_PT_DIRTY	XA_MARK_1
/* A 48-bit IOVA space, like 4-level VT-d. */
#define SIM_IOVA_LAST	((1ULL << 48) - 1)

/*
 * Domain membership and enforce_cc of every sim domain, and the policy
 * flags of every device (sim_dev.flags): whatever decides how a device's
 * DMA is treated is read and written under this lock.
 */
static DEFINE_SPINLOCK(sim_domain_lock);

static struct fwnode_handle *sim_msi_fwnode;
static struct irq_domain *sim_msi_dom;

struct irq_domain *lisim_msi_domain(void)
{
	return sim_msi_dom;
}

static bool sim_dev_can_enforce_locked(struct sim_dev *sdev)
{
	lockdep_assert_held(&sim_domain_lock);
	return (sdev->iommu->flags & LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL) &&
	       !(sdev->flags & LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE);
}

bool lisim_dev_can_enforce(struct sim_dev *sdev)
{
	bool can;

	spin_lock(&sim_domain_lock);
	can = sim_dev_can_enforce_locked(sdev);
	spin_unlock(&sim_domain_lock);
	return can;
}

u32 lisim_dev_flags(struct sim_dev *sdev)
{
	u32 flags;

	spin_lock(&sim_domain_lock);
	flags = sdev->flags;
	spin_unlock(&sim_domain_lock);
	return flags;
}

/*
 * SIM_DEV_SET: change the policy flags in @mask to @value, unless an fd
 * of the device is open.  iommufd samples the policy at bind
 * (device_iommu_capable() in iommufd_device_bind()), KVM at
 * KVM_DEV_VFIO_FILE_ADD, and the domain's format follows it at
 * allocation; each of those reads it under sim_domain_lock, after the fd
 * it works on was opened.  So with the check and the write under the
 * same lock, a reader either came first - its fd was open, this returns
 * -EBUSY - or reads the new policy: it cannot change between bind and
 * attach, nor under a KVM that sampled it.
 */
int lisim_dev_set_flags(struct sim_dev *sdev, u32 mask, u32 value)
{
	int ret = 0;

	spin_lock(&sim_domain_lock);
	if (lisim_dev_is_open(sdev))
		ret = -EBUSY;
	else
		sdev->flags = (sdev->flags & ~mask) | (value & mask);
	spin_unlock(&sim_domain_lock);
	return ret;
}

/* Move @sdev to @sd (NULL: blocked); sdev->lock held. */
static int sim_dev_switch_domain(struct sim_dev *sdev, struct sim_domain *sd)
{
	lockdep_assert_held(&sdev->lock);

	spin_lock(&sim_domain_lock);
	if (sd && sd->enforce_cc && !sim_dev_can_enforce_locked(sdev)) {
		/* a snoop-format page table on an IOMMU that cannot snoop */
		spin_unlock(&sim_domain_lock);
		return -EINVAL;
	}
	list_del_init(&sdev->domain_node);
	if (sd)
		list_add(&sdev->domain_node, &sd->devs);
	sdev->domain = sd;
	spin_unlock(&sim_domain_lock);
	return 0;
}

/* ---------------------------------------------------------- blocked domain */

static int sim_blocked_attach(struct iommu_domain *domain, struct device *dev,
			      struct iommu_domain *old)
{
	struct sim_dev *sdev = to_sim_dev(dev);

	mutex_lock(&sdev->lock);
	sim_dev_switch_domain(sdev, NULL);
	mutex_unlock(&sdev->lock);
	return 0;
}

LISIM_ATTACH_OP(sim_blocked_attach)

static const struct iommu_domain_ops sim_blocked_ops = {
	.attach_dev = LISIM_ATTACH(sim_blocked_attach),
};

static struct iommu_domain sim_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &sim_blocked_ops,
};

/* ---------------------------------------------------------- paging domains */

static int sim_domain_attach(struct iommu_domain *domain, struct device *dev,
			     struct iommu_domain *old)
{
	struct sim_dev *sdev = to_sim_dev(dev);
	int ret;

	if (domain->dirty_ops &&
	    !(sdev->iommu->flags & LIBIOMMU_KMOD_SIM_IOMMU_DIRTY))
		return -EINVAL;

	mutex_lock(&sdev->lock);
	ret = sim_dev_switch_domain(sdev, to_sim_domain(domain));
	mutex_unlock(&sdev->lock);
	return ret;
}

static int sim_map_pages(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, gfp_t gfp, size_t *mapped)
{
	struct sim_domain *sd = to_sim_domain(domain);
	unsigned long idx = iova >> PAGE_SHIFT, pfn = PHYS_PFN(paddr);
	unsigned long bits = 0;
	size_t i;
	int ret;

	if (pgsize != PAGE_SIZE || ((iova | paddr) & ~PAGE_MASK))
		return -EINVAL;
	if (prot & IOMMU_READ)
		bits |= SIM_PTE_R;
	if (prot & IOMMU_WRITE)
		bits |= SIM_PTE_W;
	if (prot & IOMMU_MMIO)
		bits |= SIM_PTE_MMIO;

	for (i = 0; i < pgcount; i++) {
		ret = xa_insert(&sd->pt, idx + i,
				xa_mk_value(((pfn + i) << SIM_PTE_SHIFT) | bits),
				gfp);
		if (ret)
			return ret == -EBUSY ? -EEXIST : ret;
		*mapped += PAGE_SIZE;
	}
	return 0;
}

static size_t sim_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather)
{
	struct sim_domain *sd = to_sim_domain(domain);
	unsigned long idx = iova >> PAGE_SHIFT;
	size_t i;

	/*
	 * xa_erase() takes the xarray's lock, which the DMA engine holds while
	 * it touches a page: once this returns, no DMA uses these pages.
	 */
	for (i = 0; i < pgcount; i++)
		xa_erase(&sd->pt, idx + i);
	return pgsize * pgcount;
}

static phys_addr_t sim_iova_to_phys(struct iommu_domain *domain,
				    dma_addr_t iova)
{
	void *e = xa_load(&to_sim_domain(domain)->pt, iova >> PAGE_SHIFT);

	if (!e)
		return 0;
	return PFN_PHYS(xa_to_value(e) >> SIM_PTE_SHIFT) | (iova & ~PAGE_MASK);
}

static bool sim_enforce_cache_coherency(struct iommu_domain *domain)
{
	struct sim_domain *sd = to_sim_domain(domain);
	struct sim_dev *sdev;
	bool ok;

	spin_lock(&sim_domain_lock);
	ok = sd->enforce_cc;
	if (!ok && sd->can_enforce) {
		ok = true;
		list_for_each_entry(sdev, &sd->devs, domain_node)
			ok &= sim_dev_can_enforce_locked(sdev);
		sd->enforce_cc = ok;
	}
	spin_unlock(&sim_domain_lock);
	return ok;
}

/*
 * A domain holds a reference on the module (iommufd may keep a HWPT after
 * our devices are gone, and the IOMMU core holds none for domains).  Code
 * of this module must not drop its last reference and then go on running
 * - the module could be freed under it - so the reference goes in an RCU
 * callback, and the module's exit waits for running callbacks with
 * rcu_barrier() (lisim_iommu_cleanup()).
 */
static void sim_domain_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct sim_domain, rcu));
	module_put(THIS_MODULE);
}

static void sim_domain_free(struct iommu_domain *domain)
{
	struct sim_domain *sd = to_sim_domain(domain);

	xa_destroy(&sd->pt);
	call_rcu(&sd->rcu, sim_domain_free_rcu);
}

LISIM_ATTACH_OP(sim_domain_attach)

static const struct iommu_domain_ops sim_domain_ops = {
	.attach_dev = LISIM_ATTACH(sim_domain_attach),
	.map_pages = sim_map_pages,
	.unmap_pages = sim_unmap_pages,
	.iova_to_phys = sim_iova_to_phys,
	.enforce_cache_coherency = sim_enforce_cache_coherency,
	.free = sim_domain_free,
};

/* ---------------------------------------------------------- dirty tracking */

static int sim_set_dirty_tracking(struct iommu_domain *domain, bool enable)
{
	struct sim_domain *sd = to_sim_domain(domain);

	xa_lock(&sd->pt);
	sd->dirty_tracking = enable;
	xa_unlock(&sd->pt);
	return 0;
}

static int sim_read_and_clear_dirty(struct iommu_domain *domain,
				    unsigned long iova, size_t size,
				    unsigned long flags,
				    struct iommu_dirty_bitmap *dirty)
{
	struct sim_domain *sd = to_sim_domain(domain);
	unsigned long first = iova >> PAGE_SHIFT;
	unsigned long last = (iova + size - 1) >> PAGE_SHIFT;
	unsigned long found[32];
	unsigned int n, i;
	void *entry;

	if (!size)
		return 0;
	if (!READ_ONCE(sd->dirty_tracking) && dirty->bitmap)
		return -EINVAL;

	/*
	 * Collect a batch under the lock, record it outside: recording may
	 * pin the user's bitmap pages, which sleeps.
	 */
	for (;;) {
		XA_STATE(xas, &sd->pt, first);

		n = 0;
		xas_lock(&xas);
		xas_for_each_marked(&xas, entry, last, SIM_PT_DIRTY) {
			found[n++] = xas.xa_index;
			if (!(flags & IOMMU_DIRTY_NO_CLEAR))
				xas_clear_mark(&xas, SIM_PT_DIRTY);
			if (n == ARRAY_SIZE(found))
				break;
		}
		xas_unlock(&xas);

		for (i = 0; i < n; i++)
			iommu_dirty_bitmap_record(dirty, found[i] << PAGE_SHIFT,
						  PAGE_SIZE);
		if (n < ARRAY_SIZE(found) || found[n - 1] >= last)
			return 0;
		first = found[n - 1] + 1;
	}
}

static const struct iommu_dirty_ops sim_dirty_ops = {
	.set_dirty_tracking = sim_set_dirty_tracking,
	.read_and_clear_dirty = sim_read_and_clear_dirty,
};

static struct iommu_domain *
sim_domain_alloc_paging_flags(struct device *dev, u32 flags,
			      const struct iommu_user_data *user_data)
{
	struct sim_dev *sdev = to_sim_dev(dev);
	struct sim_domain *sd;

	if (flags & ~IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !(sdev->iommu->flags & LIBIOMMU_KMOD_SIM_IOMMU_DIRTY))
		return ERR_PTR(-EOPNOTSUPP);
	if (user_data && user_data->type != IOMMU_HWPT_DATA_NONE)
		return ERR_PTR(-EOPNOTSUPP);

	sd = kzalloc_obj(*sd, GFP_KERNEL_ACCOUNT);
	if (!sd)
		return ERR_PTR(-ENOMEM);
	xa_init(&sd->pt);
	INIT_LIST_HEAD(&sd->devs);
	/* the page table's format follows the device it is made for */
	sd->can_enforce = lisim_dev_can_enforce(sdev);
	sd->domain.type = IOMMU_DOMAIN_UNMANAGED;
	sd->domain.ops = &sim_domain_ops;
	sd->domain.pgsize_bitmap = PAGE_SIZE;
	sd->domain.geometry.aperture_start = 0;
	sd->domain.geometry.aperture_end = SIM_IOVA_LAST;
	sd->domain.geometry.force_aperture = true;
	if (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		sd->domain.dirty_ops = &sim_dirty_ops;
	__module_get(THIS_MODULE);
	return &sd->domain;
}

#ifdef LISIM_HAVE_DOMAIN_ALLOC_USER
/* the older kernels' op (see compat.h): no nesting, so no parent */
static struct iommu_domain *
sim_domain_alloc_user(struct device *dev, u32 flags, struct iommu_domain *parent,
		      const struct iommu_user_data *user_data)
{
	if (parent)
		return ERR_PTR(-EOPNOTSUPP);
	return sim_domain_alloc_paging_flags(dev, flags, user_data);
}
#endif

/* ---------------------------------------------------------- the DMA walk */

static enum sim_xlate sim_pte_check(void *e, bool write, unsigned long *pfn)
{
	unsigned long v;

	if (!e)
		return SIM_XLATE_UNMAPPED;
	v = xa_to_value(e);
	if (!(v & (write ? SIM_PTE_W : SIM_PTE_R)))
		return SIM_XLATE_PERM;
	*pfn = v >> SIM_PTE_SHIFT;
	if ((v & SIM_PTE_MMIO) || !pfn_valid(*pfn))
		return SIM_XLATE_TARGET;
	return SIM_XLATE_OK;
}

/* Check that [iova, iova + len) can be read (or written); len > 0. */
enum sim_xlate lisim_domain_check(struct sim_domain *sd, u64 iova, u64 len,
				  bool write, u64 *fault_iova)
{
	u64 pg, last = (iova + len - 1) >> PAGE_SHIFT;
	enum sim_xlate x;
	unsigned long pfn;

	for (pg = iova >> PAGE_SHIFT; pg <= last; pg++) {
		x = sim_pte_check(xa_load(&sd->pt, pg), write, &pfn);
		if (x != SIM_XLATE_OK) {
			*fault_iova = max(iova, pg << PAGE_SHIFT);
			return x;
		}
	}
	return SIM_XLATE_OK;
}

/*
 * One access within one page: read into @buf, or write @buf (or the byte
 * @fill when it is >= 0).  The xarray lock is held across the copy so an
 * unmap cannot complete under it; a write marks the page dirty when the
 * domain tracks dirty pages.
 */
enum sim_xlate lisim_domain_access(struct sim_domain *sd, u64 iova, void *buf,
				   size_t len, bool write, int fill)
{
	unsigned long idx = iova >> PAGE_SHIFT, pfn = 0;
	size_t off = iova & ~PAGE_MASK;
	enum sim_xlate x;
	void *p;

	xa_lock(&sd->pt);
	x = sim_pte_check(xa_load(&sd->pt, idx), write, &pfn);
	if (x == SIM_XLATE_OK) {
		p = kmap_local_page(pfn_to_page(pfn));
		if (!write)
			memcpy(buf, p + off, len);
		else if (fill >= 0)
			memset(p + off, fill, len);
		else
			memcpy(p + off, buf, len);
		kunmap_local(p);
		if (write && sd->dirty_tracking)
			__xa_set_mark(&sd->pt, idx, SIM_PT_DIRTY);
	}
	xa_unlock(&sd->pt);
	return x;
}

/* ---------------------------------------------------------- the driver */

static bool sim_capable(struct device *dev, enum iommu_cap cap)
{
	struct sim_dev *sdev = to_sim_dev(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return true;
	case IOMMU_CAP_ENFORCE_CACHE_COHERENCY:
		return lisim_dev_can_enforce(sdev);
	case IOMMU_CAP_DIRTY_TRACKING:
		return sdev->iommu->flags & LIBIOMMU_KMOD_SIM_IOMMU_DIRTY;
	default:
		return false;
	}
}

static struct iommu_device *sim_probe_device(struct device *dev)
{
	if (dev->bus != &lisim_bus)
		return ERR_PTR(-ENODEV);
	return &to_sim_dev(dev)->iommu->iommu;
}

static const struct iommu_ops sim_iommu_ops = {
	.owner = THIS_MODULE,
	.capable = sim_capable,
#ifdef LISIM_HAVE_DOMAIN_ALLOC_USER
	.domain_alloc_user = sim_domain_alloc_user,
#else
	.domain_alloc_paging_flags = sim_domain_alloc_paging_flags,
#endif
	.probe_device = sim_probe_device,
	.device_group = generic_device_group,
	/* blocked until someone attaches a paging domain, and on release */
	.default_domain = &sim_blocked_domain,
	.blocked_domain = &sim_blocked_domain,
	.release_domain = &sim_blocked_domain,
};

/*
 * The IOMMU core learns of a device on our bus through a bus notifier,
 * which iommu_device_register_bus() installs together with an IOMMU.
 * Installed with every instance, each device added would be probed once
 * per instance (and each instance would rescan the bus).  So the module
 * registers one IOMMU without devices for its bus, sim_bus_anchor, whose
 * only job is to carry the one notifier; the instances are plain
 * iommu_device_register() IOMMUs with a software fwnode of their own,
 * which iommu_mock_device_add() puts in a device's fwspec: the notifier's
 * probe finds an instance by that fwnode.
 */
static struct iommu_device sim_bus_anchor;
static struct notifier_block sim_bus_nb;

struct sim_iommu *lisim_iommu_create(u32 id, u32 flags)
{
	struct fwnode_handle *fwnode;
	struct sim_iommu *si;
	int ret;

	si = kzalloc_obj(*si, GFP_KERNEL);
	if (!si)
		return ERR_PTR(-ENOMEM);
	kref_init(&si->kref);
	si->id = id;
	si->flags = flags;
	snprintf(si->name, sizeof(si->name), "libiommu_sim_iommu%u", id);

	fwnode = fwnode_create_software_node(NULL, NULL);
	if (IS_ERR(fwnode)) {
		ret = PTR_ERR(fwnode);
		goto err_free;
	}
	si->iommu.fwnode = fwnode;
	/* before registering: the core links each probed device to it */
	ret = iommu_device_sysfs_add(&si->iommu, NULL, NULL, "%s", si->name);
	if (ret)
		goto err_fwnode;
	ret = iommu_device_register(&si->iommu, &sim_iommu_ops, NULL);
	if (ret)
		goto err_sysfs;
	si->registered = true;
	return si;

err_sysfs:
	iommu_device_sysfs_remove(&si->iommu);
err_fwnode:
	fwnode_remove_software_node(fwnode);
err_free:
	kfree(si);
	return ERR_PTR(ret);
}

/* The instance must have no devices left. */
void lisim_iommu_unregister(struct sim_iommu *si)
{
	if (!si->registered)
		return;
	iommu_device_unregister(&si->iommu);
	iommu_device_sysfs_remove(&si->iommu);
	fwnode_remove_software_node(si->iommu.fwnode);
	si->registered = false;
}

static void sim_iommu_release(struct kref *kref)
{
	kfree(container_of(kref, struct sim_iommu, kref));
}

void lisim_iommu_put(struct sim_iommu *si)
{
	kref_put(&si->kref, sim_iommu_release);
}

static const struct irq_domain_ops sim_msi_domain_ops = {};

int lisim_iommu_setup(void)
{
	struct irq_domain_info info = {
		.domain_flags = IRQ_DOMAIN_FLAG_ISOLATED_MSI,
		.ops = &sim_msi_domain_ops,
	};
	int ret;

	ret = bus_register(&lisim_bus);
	if (ret)
		return ret;
	ret = iommu_device_register_bus(&sim_bus_anchor, &sim_iommu_ops,
					&lisim_bus, &sim_bus_nb);
	if (ret)
		goto err_bus;
	if (!sim_isolated_msi)
		return 0;

	sim_msi_fwnode = irq_domain_alloc_named_fwnode("libiommu-sim-msi");
	if (!sim_msi_fwnode) {
		ret = -ENOMEM;
		goto err_anchor;
	}
	info.fwnode = sim_msi_fwnode;
	sim_msi_dom = irq_domain_instantiate(&info);
	if (IS_ERR(sim_msi_dom)) {
		ret = PTR_ERR(sim_msi_dom);
		sim_msi_dom = NULL;
		goto err_fwnode;
	}
	return 0;

err_fwnode:
	irq_domain_free_fwnode(sim_msi_fwnode);
	sim_msi_fwnode = NULL;
err_anchor:
	iommu_device_unregister_bus(&sim_bus_anchor, &lisim_bus, &sim_bus_nb);
err_bus:
	bus_unregister(&lisim_bus);
	return ret;
}

void lisim_iommu_cleanup(void)
{
	if (sim_msi_dom) {
		irq_domain_remove(sim_msi_dom);
		sim_msi_dom = NULL;
	}
	if (sim_msi_fwnode) {
		irq_domain_free_fwnode(sim_msi_fwnode);
		sim_msi_fwnode = NULL;
	}
	iommu_device_unregister_bus(&sim_bus_anchor, &lisim_bus, &sim_bus_nb);
	bus_unregister(&lisim_bus);
	/* sim_domain_free_rcu() may still be returning: let it */
	rcu_barrier();
}

/* iova_bitmap_set(), behind iommu_dirty_bitmap_record() */
LISIM_IMPORT_NS_IOMMUFD;

