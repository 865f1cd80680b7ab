// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency facts: everything the report needs to read about one device,
 * read here and nowhere else, into plain fields (struct lu_facts) for the
 * pure decision (decide.c).  Linux keeps the answers in several places:
 *  - the companion module (GET_DEV_INFO: device_iommu_capable(IOMMU_CAP_
 *    ENFORCE_CACHE_COHERENCY), what VFIO tells KVM, Device Control);
 *  - the IOMMU's own registers from IOMMU_GET_HW_INFO (VT-d ECAP.SC, ...);
 *  - the device's PCI config space through VFIO (Enable No Snoop);
 *  - VFIO's VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) once attached.
 * Nothing is cached: a report is a snapshot, made when asked for.
 */
#include <inttypes.h>
#include <stdio.h>

#include "backend/backend.h"
#include "coherency/coherency.h"
#include "uapi/vfio.h"
#include "util/kmod.h"
#include "util/sysfs.h"

static void gather_module(struct libiommu_dev *dev, struct lu_facts *fx)
{
	struct lu_kmod km;
	int rc;

	fx->km_err = -EBADF;
	if (dev->fd < 0)
		return;
	fx->km_err = lu_kmod_open(&km);
	if (fx->km_err)
		return;
	fx->km_err = lu_kmod_dev_info(&km, dev->fd, &fx->di);
	rc = lu_kmod_sim_info_fd(&km, dev->fd, &fx->si);
	fx->sim = rc == 0;
	lu_kmod_close(&km);
}

static void gather_hw(struct libiommu_dev *dev, struct lu_facts *fx)
{
	struct lu_hw_info_out out;
	uint64_t data[16];
	int rc;

	fx->hw_err = -EOPNOTSUPP;
	if (!dev->ctx->ops->hw_info)
		return;
	memset(data, 0, sizeof(data));
	/* Quietly: a device without IOMMU info is an answer, not an error. */
	rc = dev->ctx->ops->hw_info(dev, 0, data, sizeof(data), &out, LU_QUIET);
	if (rc) {
		fx->hw_err = rc;
		return;
	}
	rc = lu_hw_info_decode(out.data_type, data,
			       out.data_len < sizeof(data) ? out.data_len : sizeof(data),
			       &fx->hw);
	fx->hw_err = rc == -EOPNOTSUPP ? 0 : rc; /* unknown type: features_known 0 */
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

/* Is the device a vfio-pci-like device (config space in region 7)? */
static bool is_pci(struct libiommu_dev *dev)
{
	uint32_t flags = 0;

	return dev->ctx->ops->dev_info_flags(dev, &flags) == 0 &&
	       (flags & LX_VFIO_DEVICE_FLAGS_PCI);
}

static void gather_cfg(struct libiommu_dev *dev, struct lu_facts *fx)
{
	static const char fn[] = "libiommu_coherency_get_dev";
	uint16_t status;
	uint8_t p, id[2];
	int n, rc;

	fx->cfg_err = -EBADF;
	if (dev->fd < 0)
		return;
	fx->cfg_err = -ENODEV;
	if (!is_pci(dev))
		return;
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
	fx->cfg_err = rc;
}

/* The IOAS the device's RID (else its first PASID) is attached to. */
static struct libiommu_ioas *dev_ioas(const struct libiommu_dev *dev)
{
	if (dev->rid_attached)
		return lu_attach_ioas(&dev->rid);
	if (dev->nr_pasids)
		return lu_attach_ioas(&dev->pasids[0]);
	return NULL;
}

/* Where the device is attached, and what VFIO says of it; ctx->lock held. */
static void gather_attach(struct libiommu_dev *dev, struct lu_facts *fx)
{
	struct libiommu_ctx *ctx = dev->ctx;
	struct libiommu_ioas *ioas = dev_ioas(dev);
	struct libiommu_dev *d;

	fx->cc = -ENOENT;
	if (!ioas)
		return;
	fx->attached = true;
	fx->cc = ctx->ops->cc_enforced(ioas, fx->cc_where, sizeof(fx->cc_where));
	lu_list_for_each(d, &ctx->dev_list, node)
		if (d != dev && (ctx->ops->implicit_attach ||
				 lu_dev_uses_ioas(d, ioas)))
			fx->others++;
}

void lu_coh_gather(struct libiommu_dev *dev, struct lu_facts *fx, bool cfg)
{
	memset(fx, 0, sizeof(*fx));
	fx->dev_id = dev->id;
	fx->has_fd = dev->fd >= 0;
	fx->implicit_attach = dev->ctx->ops->implicit_attach;
	fx->kvm_gets_group = dev->ctx->ops->kvm_gets_group;
	if (fx->has_fd)
		lu_chr_names(dev->fd, fx->node, sizeof(fx->node), fx->parent,
			     sizeof(fx->parent));
	gather_module(dev, fx);
	gather_hw(dev, fx);
	if (cfg)
		gather_cfg(dev, fx);
	else
		fx->cfg_err = -ENODATA;
	lu_lock(dev->ctx);
	gather_attach(dev, fx);
	lu_unlock(dev->ctx);
}
