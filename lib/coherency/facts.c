// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency facts: everything the report needs to read about one device,
 * read here and nowhere else, into plain fields (struct lu_facts) for the
 * pure decision (decide.c).  Linux keeps the answers in several places:
 *  - the companion module (GET_DEV_INFO: device_iommu_capable(IOMMU_CAP_
 *    ENFORCE_CACHE_COHERENCY), what VFIO tells KVM, Device Control);
 *  - the IOMMU's own registers from IOMMU_GET_HW_INFO (VT-d ECAP.SC, ...);
 *  - the device's PCI config space through VFIO (Enable No Snoop, and
 *    whether it sticks when written: probed once per handle);
 *  - the library's own records of where the device is attached and what
 *    the HWPT enforces; VFIO_DMA_CC_IOMMU for a legacy container.
 * A read that fails for another reason than "nothing to read here" fails
 * the report (lu_coh_module_answer(), lu_coh_hw_answer()).  Apart from the probe, nothing is
 * cached: a report is a snapshot, made when asked for.
 */
#include <inttypes.h>
#include <stdio.h>

#include "backend/backend.h"
#include "coherency/coherency.h"
#include "uapi/vfio.h"
#include "util/kmod.h"
#include "util/sysfs.h"

/* Devices known never to issue no-snoop although config space cannot show it. */
static const struct {
	uint16_t vendor, device;
	const char *why;
} known_devices[] = {
	{ 0x1234, 0x11e8, "QEMU's edu: its DMA is emulated in software and always snooped" },
};

static int gather_module(struct libiommu_dev *dev, struct lu_facts *fx,
			 const char *fn)
{
	struct lu_kmod km;
	int rc;

	fx->km_err = -EBADF;
	fx->dom_enforce = LU_ENF_UNKNOWN;
	if (dev->fd < 0)
		return 0;
	fx->km_err = lu_kmod_open(&km);
	if (fx->km_err)
		goto out;
	fx->km_err = lu_kmod_dev_info(&km, dev->fd, &fx->di);
	if (!fx->km_err)
		fx->dom_enforce = lu_kmod_dom_enforce(&fx->di);
	rc = lu_kmod_sim_info_fd(&km, dev->fd, &fx->si);
	fx->sim = rc == 0;
	lu_kmod_close(&km);
	if (!lu_coh_module_answer(rc))
		return lu_fail(dev->ctx, rc,
			       "%s: device %" PRIu32 ": the companion module's SIM_DEV_INFO failed: %s",
			       fn, dev->id, strerror(-rc));
out:
	if (!lu_coh_module_answer(fx->km_err))
		return lu_fail(dev->ctx, fx->km_err,
			       "%s: device %" PRIu32 ": the companion module's GET_DEV_INFO failed: %s",
			       fn, dev->id, strerror(-fx->km_err));
	return 0;
}

static int gather_hw(struct libiommu_dev *dev, struct lu_facts *fx,
		     const char *fn)
{
	struct lu_hw_info_out out;
	uint64_t data[16];
	int rc;

	fx->hw_err = -EOPNOTSUPP;
	if (!dev->ctx->ops->hw_info)
		return 0;
	memset(data, 0, sizeof(data));
	/* Quietly: a device without IOMMU info is an answer, not an error. */
	rc = dev->ctx->ops->hw_info(dev, 0, data, sizeof(data), &out, LU_QUIET);
	if (rc) {
		fx->hw_err = rc;
		if (!lu_coh_hw_answer(rc))
			return lu_fail(dev->ctx, rc,
				       "%s: device %" PRIu32 ": IOMMU_GET_HW_INFO failed: %s",
				       fn, dev->id, strerror(-rc));
		return 0;
	}
	rc = lu_hw_info_decode(out.data_type, data,
			       out.data_len < sizeof(data) ? out.data_len : sizeof(data),
			       &fx->hw);
	fx->hw_err = rc == -EOPNOTSUPP ? 0 : rc; /* unknown type: features_known 0 */
	return 0;
}

static int cfg_read(struct libiommu_dev *dev, const char *fn, uint32_t off,
		    void *buf, size_t len)
{
	return lu_region_rw(dev, fn, LIBIOMMU_PCI_CONFIG_REGION, off, buf,
			    len, false);
}

int lu_coh_cfg16(struct libiommu_dev *dev, const char *fn, uint32_t off,
		 uint16_t *v)
{
	uint8_t b[2];
	int rc = cfg_read(dev, fn, off, b, 2);

	if (rc == 0)
		*v = (uint16_t)(b[0] | b[1] << 8); /* little-endian */
	return rc;
}

/*
 * Is the device a vfio-pci-like device (config space in region 7)?  The
 * handle has a VFIO device fd: any error of VFIO_DEVICE_GET_INFO is a
 * failure.
 */
static int is_pci(struct libiommu_dev *dev, bool *pci)
{
	uint32_t flags = 0;
	int rc = dev->ctx->ops->dev_info_flags(dev, &flags);

	*pci = rc == 0 && (flags & LX_VFIO_DEVICE_FLAGS_PCI);
	return rc;
}

/*
 * Does Enable No Snoop stick?  Write it set, read it back, write the old
 * value back (once per handle; the answer is the hardware's).  Not while a
 * guest may be using the device (added to a KVM VM through this context).
 */
static int probe_nosnoop(struct libiommu_dev *dev, struct lu_facts *fx,
			 const char *fn)
{
	uint16_t set = fx->devctl | CFG_DEVCTL_NOSNOOP_EN, back;
	uint32_t off = fx->pcie_cap + CFG_EXP_DEVCTL;
	uint8_t b[2];
	int rc, rc2;

	if (dev->nosnoop_writable != LU_ENF_UNKNOWN || fx->in_vm)
		return 0;
	b[0] = (uint8_t)set;
	b[1] = (uint8_t)(set >> 8);
	rc = lu_region_rw(dev, fn, LIBIOMMU_PCI_CONFIG_REGION, off, b, 2, true);
	if (rc)
		return rc;
	rc = lu_coh_cfg16(dev, fn, off, &back);
	b[0] = (uint8_t)fx->devctl;
	b[1] = (uint8_t)(fx->devctl >> 8);
	rc2 = lu_region_rw(dev, fn, LIBIOMMU_PCI_CONFIG_REGION, off, b, 2, true);
	if (rc || rc2)
		return rc ? rc : rc2;
	dev->nosnoop_writable = back & CFG_DEVCTL_NOSNOOP_EN ? LU_ENF_YES : LU_ENF_NO;
	lu_dbg(dev->ctx, "%s: device %" PRIu32 ": Enable No Snoop %s (written, read back 0x%04x, restored to 0x%04x)",
	       fn, dev->id,
	       dev->nosnoop_writable == LU_ENF_YES ? "is writable" : "does not stick",
	       back, fx->devctl);
	return 0;
}

static int gather_cfg(struct libiommu_dev *dev, struct lu_facts *fx,
		      const char *fn)
{
	uint16_t status;
	uint8_t p, id[2];
	bool pci;
	size_t i;
	int n, rc;

	fx->cfg_err = -EBADF;
	if (dev->fd < 0)
		return 0;
	rc = is_pci(dev, &pci);
	if (rc)
		return lu_fail(dev->ctx, rc,
			       "%s: device %" PRIu32 ": VFIO_DEVICE_GET_INFO failed: %s",
			       fn, dev->id, strerror(-rc));
	fx->cfg_err = -ENODEV;
	if (!pci)
		return 0;
	rc = lu_coh_cfg16(dev, fn, CFG_VENDOR_ID, &fx->vendor);
	if (!rc)
		rc = lu_coh_cfg16(dev, fn, CFG_VENDOR_ID + 2, &fx->device);
	if (!rc)
		rc = lu_coh_cfg16(dev, fn, CFG_STATUS, &status);
	if (!rc && (status & CFG_STATUS_CAP_LIST))
		rc = cfg_read(dev, fn, CFG_CAP_PTR, &p, 1);
	else
		p = 0;
	/* Walk the capability list (bounded: a broken list must not loop). */
	for (n = 0; !rc && p >= 0x40 && n < 48; n++) {
		rc = cfg_read(dev, fn, p & ~3u, id, 2);
		if (rc)
			break;
		if (id[0] == CFG_CAP_ID_EXP) {
			fx->pcie = true;
			fx->pcie_cap = p & ~3u;
			rc = lu_coh_cfg16(dev, fn, fx->pcie_cap + CFG_EXP_DEVCTL,
					  &fx->devctl);
			break;
		}
		p = id[1];
	}
	if (!rc && fx->pcie && !(fx->devctl & CFG_DEVCTL_NOSNOOP_EN))
		rc = probe_nosnoop(dev, fx, fn);
	fx->ns_writable = dev->nosnoop_writable;
	for (i = 0; i < LU_ARRAY_SIZE(known_devices); i++)
		if (fx->vendor == known_devices[i].vendor &&
		    fx->device == known_devices[i].device)
			fx->known = known_devices[i].why;
	fx->cfg_err = rc;
	/* A device whose config space cannot be read is a failure to report. */
	return rc;
}

/* The IOAS the device's RID (else its first PASID) is attached through. */
static const struct lu_attach *dev_attach(const struct libiommu_dev *dev)
{
	if (dev->rid_attached)
		return &dev->rid;
	if (dev->nr_pasids)
		return &dev->pasids[0];
	return NULL;
}

/* Where the device is attached, and what is known of it; ctx->lock held. */
static void gather_attach(struct libiommu_dev *dev, struct lu_facts *fx)
{
	struct libiommu_ctx *ctx = dev->ctx;
	const struct lu_attach *a = dev_attach(dev);
	const struct libiommu_hwpt *h;

	fx->pt_enforce = LU_ENF_UNKNOWN;
	fx->cc = -ENOENT;
	if (!a)
		return;
	fx->hwpt_id = a->hwpt_id;
	if (ctx->ops->implicit_attach) {
		fx->pt_how = LU_PT_CONTAINER;
		fx->cc = ctx->ops->cc_enforced(lu_attach_ioas(a), fx->cc_where,
					       sizeof(fx->cc_where));
		return;
	}
	h = a->hwpt ? a->hwpt : a->managed;
	if (h) {
		fx->pt_how = a->managed ? LU_PT_PLACED : LU_PT_ALLOCATED;
		fx->hwpt_id = h->id;
		fx->pt_enforce = h->enforce;
		fx->pt_made_for = h->made_for;
		while (h->nested && h->parent)
			h = h->parent;
		if (h != (a->hwpt ? a->hwpt : a->managed))
			fx->pt_made_for = h->made_for;
		if (fx->pt_enforce == LU_ENF_UNKNOWN)
			setf(fx->pt_why, sizeof(fx->pt_why),
			     "whether device %" PRIu32 "'s IOMMU can block no-snoop is not known",
			     fx->pt_made_for);
		return;
	}
	fx->pt_how = LU_PT_KERNEL;
	fx->pt_enforce = a->pt_enforce;
	fx->pt_made_for = a->pt_made_for;
	if (fx->pt_enforce == LU_ENF_UNKNOWN)
		setf(fx->pt_why, sizeof(fx->pt_why), "%s",
		     !a->pt_made_for ? "the kernel chose a HWPT the library did not see made (the iommufd is borrowed)" : "the kernel chose it for a device whose IOMMU's capability is not known");
}

int lu_coh_gather_cap(struct libiommu_dev *dev, struct lu_facts *fx)
{
	static const char fn[] = "libiommu_dev_attach_ioas";
	int rc;

	memset(fx, 0, sizeof(*fx));
	fx->dev_id = dev->id;
	rc = gather_module(dev, fx, fn);
	if (!rc)
		rc = gather_hw(dev, fx, fn);
	return rc;
}

int lu_coh_gather(struct libiommu_dev *dev, struct lu_facts *fx, bool cfg,
		  const char *fn)
{
	int rc;

	memset(fx, 0, sizeof(*fx));
	fx->dev_id = dev->id;
	fx->has_fd = dev->fd >= 0;
	fx->implicit_attach = dev->ctx->ops->implicit_attach;
	fx->kvm_gets_group = dev->ctx->ops->kvm_gets_group;
	fx->domains_match_enforcement = dev->ctx->ops->domains_match_enforcement;
	fx->ns_writable = LU_ENF_UNKNOWN;
	if (fx->has_fd) {
		/* Names for the report; not a character device: no names. */
		rc = lu_chr_names(dev->fd, fx->node, sizeof(fx->node),
				  fx->parent, sizeof(fx->parent));
		if (rc && rc != -ENODEV)
			return lu_fail(dev->ctx, rc,
				       "%s: device %" PRIu32 ": looking up its sysfs names failed: %s",
				       fn, dev->id, strerror(-rc));
	}
	lu_lock(dev->ctx);
	fx->in_vm = lu_kvm_has_dev(dev);
	rc = gather_module(dev, fx, fn);
	if (!rc)
		rc = gather_hw(dev, fx, fn);
	if (!rc && cfg)
		rc = gather_cfg(dev, fx, fn);
	else if (!cfg)
		fx->cfg_err = -ENODATA;
	gather_attach(dev, fx);
	lu_unlock(dev->ctx);
	return rc;
}
