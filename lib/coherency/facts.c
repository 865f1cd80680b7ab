// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency reports: where a device, an IOAS or a KVM VM sits in the
 * /dev/ioasid RFC's IOMMU-vs-device no-snoop matrix, and which of the
 * seed's policy changes are possible here.
 *
 *                        device may issue no-snoop   device never does
 *   IOMMU blocks no-snoop            1                        2
 *   IOMMU lets it through            3                        4
 *
 * Linux keeps the answers in several places, none of which has all of
 * them, so a report says for each answer where it came from:
 *  - the row: the companion module (device_iommu_capable(IOMMU_CAP_
 *    ENFORCE_CACHE_COHERENCY)), else the IOMMU's own registers from
 *    IOMMU_GET_HW_INFO (VT-d ECAP.SC, ...).  Once attached, VFIO's
 *    VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) on the iommufd tells whether
 *    the IOAS's page tables really enforce snooping (iommufd enforces
 *    whenever the IOMMU can; no uAPI opts out);
 *  - the column: the device's PCIe Device Control "Enable No Snoop" bit,
 *    read through the VFIO config region (no PCIe capability: the device
 *    cannot issue no-snoop), else the module's copy of it;
 *  - the kernel's default policy (KVM emulates WBINVD exactly when VFIO
 *    says the file is not enforced-coherent): the module, else derived
 *    from the row, saying so.
 *
 * Nothing here is cached: a report is a snapshot, made when asked for.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "coherency.h"
#include "kmodc.h"
#include "uapi/iommufd.h"
#include "uapi/vfio.h"

#define FAIL(ctx, err, ...) lu_ret(lu_fail(ctx, err, __VA_ARGS__))

/* ---- small helpers ---------------------------------------------------------- */

/* How much a box asks of KVM, for the "worst box" of an aggregate. */
static int box_rank(int box)
{
	static const int rank[5] = { 0, 2, 1, 4, 3 };

	return box >= 1 && box <= 4 ? rank[box] : 0;
}

static struct libiommu_ioas *attach_ioas(const struct lu_attach *a)
{
	return a->ioas ? a->ioas : hwpt_ioas(a->hwpt);
}

/* The IOAS the device's RID (else its first PASID) is attached to. */
static struct libiommu_ioas *dev_ioas(const struct libiommu_dev *dev)
{
	if (dev->rid_attached)
		return attach_ioas(&dev->rid);
	if (dev->nr_pasids)
		return attach_ioas(&dev->pasids[0]);
	return NULL;
}

static bool dev_uses_ioas(const struct libiommu_dev *dev,
			  const struct libiommu_ioas *ioas)
{
	size_t i;

	if (dev->rid_attached && attach_ioas(&dev->rid) == ioas)
		return true;
	for (i = 0; i < dev->nr_pasids; i++)
		if (attach_ioas(&dev->pasids[i]) == ioas)
			return true;
	return false;
}

/*
 * VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) on the iommufd: 1 when every
 * HWPT of the VFIO-compat IOAS enforces cache coherency.  The compat IOAS
 * is pointed at @ioas_id for the question and restored afterwards.  On the
 * legacy backends the container's own answer (for all its devices).
 * 1, 0 or -errno.
 */
static int vfio_cc(struct libiommu_ctx *ctx, uint32_t ioas_id)
{
	struct lx_iommu_vfio_ioas v = { .size = sizeof(v), .op = LX_IOMMU_VFIO_IOAS_GET };
	uint32_t prev;
	bool had;
	int rc, cc;

	/* Legacy backends: the container answers for all of its devices. */
	if (!lu_is_iommufd(ctx))
		return lu_backend_cc_enforced(ctx);
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_VFIO_COMPAT) != 1)
		return -EOPNOTSUPP;
	rc = lu_ioctl(ctx->fd, LX_IOMMU_VFIO_IOAS, &v);
	if (rc && rc != -ENODEV)
		return rc;
	had = rc == 0;
	prev = v.ioas_id;
	if (!had || prev != ioas_id) {
		v.op = LX_IOMMU_VFIO_IOAS_SET;
		v.ioas_id = ioas_id;
		rc = lu_ioctl(ctx->fd, LX_IOMMU_VFIO_IOAS, &v);
		if (rc)
			return rc;
	}
	cc = lu_ioctl(ctx->fd, LX_VFIO_CHECK_EXTENSION,
		      (void *)(uintptr_t)LX_VFIO_DMA_CC_IOMMU);
	if (!had || prev != ioas_id) {
		v.op = had ? LX_IOMMU_VFIO_IOAS_SET : LX_IOMMU_VFIO_IOAS_CLEAR;
		v.ioas_id = had ? prev : 0;
		lu_ioctl(ctx->fd, LX_IOMMU_VFIO_IOAS, &v);
	}
	return cc < 0 ? cc : !!cc;
}

/* ---- gathering the facts ---------------------------------------------------- */

static void gather_module(struct lu_facts *fx)
{
	struct libiommu_dev *dev = fx->dev;
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

static void gather_hw(struct lu_facts *fx)
{
	struct libiommu_dev *dev = fx->dev;
	struct lx_iommu_hw_info cmd;
	uint64_t data[16];
	int rc;

	fx->hw_err = -EOPNOTSUPP;
	if (libiommu_ctx_has_feature(dev->ctx, LIBIOMMU_FEAT_GET_HW_INFO) != 1)
		return;
	memset(data, 0, sizeof(data));
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.dev_id = dev->id;
	cmd.data_len = sizeof(data);
	cmd.data_uptr = (uintptr_t)data;
	/* Quietly: a device without IOMMU info is an answer, not an error. */
	rc = lu_ioctl(dev->ctx->fd, LX_IOMMU_GET_HW_INFO, &cmd);
	if (rc) {
		fx->hw_err = rc;
		return;
	}
	fx->hw.sz = sizeof(fx->hw);
	rc = libiommu_hw_info_decode(cmd.out_data_type, data,
				     cmd.data_len < sizeof(data) ? cmd.data_len : sizeof(data),
				     &fx->hw);
	fx->hw_err = rc == -EOPNOTSUPP ? 0 : rc; /* unknown type: features_known 0 */
}

static int cfg_read(struct libiommu_dev *dev, uint32_t off, void *buf, size_t len)
{
	return libiommu_dev_region_read(dev, LIBIOMMU_PCI_CONFIG_REGION, off,
					buf, len);
}

int lu_coh_cfg16(struct libiommu_dev *dev, uint32_t off, uint16_t *v)
{
	uint8_t b[2];
	int rc = cfg_read(dev, off, b, 2);

	if (rc == 0)
		*v = (uint16_t)(b[0] | b[1] << 8);	/* little-endian */
	return rc;
}

/* Is the device a vfio-pci-like device (config space in region 7)? */
static bool is_pci(struct libiommu_dev *dev)
{
	struct lx_vfio_device_info info = { .argsz = sizeof(info) };

	return lu_ioctl(dev->fd, LX_VFIO_DEVICE_GET_INFO, &info) == 0 &&
	       (info.flags & LX_VFIO_DEVICE_FLAGS_PCI);
}

static void gather_cfg(struct lu_facts *fx)
{
	struct libiommu_dev *dev = fx->dev;
	uint16_t status;
	uint8_t p, id[2];
	int n, rc;

	fx->cfg_err = -EBADF;
	if (dev->fd < 0)
		return;
	fx->cfg_err = -ENODEV;
	if (!is_pci(dev))
		return;
	rc = lu_coh_cfg16(dev, CFG_VENDOR_ID, &fx->vendor);
	if (!rc)
		rc = lu_coh_cfg16(dev, CFG_VENDOR_ID + 2, &fx->device);
	if (!rc)
		rc = lu_coh_cfg16(dev, CFG_STATUS, &status);
	if (!rc && (status & CFG_STATUS_CAP_LIST))
		rc = cfg_read(dev, CFG_CAP_PTR, &p, 1);
	else
		p = 0;
	/* Walk the capability list (bounded: a broken list must not loop). */
	for (n = 0; !rc && p >= 0x40 && n < 48; n++) {
		rc = cfg_read(dev, p & ~3u, id, 2);
		if (rc)
			break;
		if (id[0] == CFG_CAP_ID_EXP) {
			fx->pcie = true;
			fx->pcie_cap = p & ~3u;
			rc = lu_coh_cfg16(dev, fx->pcie_cap + CFG_EXP_DEVCTL, &fx->devctl);
			break;
		}
		p = id[1];
	}
	fx->cfg_err = rc;
}

void lu_coh_gather(struct libiommu_dev *dev, struct lu_facts *fx, bool cfg)
{
	memset(fx, 0, sizeof(*fx));
	fx->dev = dev;
	gather_module(fx);
	gather_hw(fx);
	if (cfg)
		gather_cfg(fx);
	else
		fx->cfg_err = -ENODATA;
}

/* ---- answers from the facts --------------------------------------------------- */

static void hw_words(const struct lu_facts *fx, char *buf, size_t len)
{
	bool sc = fx->hw.features & LIBIOMMU_HW_FEAT_SNOOP_CONTROL;

	switch (fx->hw.type) {
	case LIBIOMMU_HW_TYPE_INTEL_VTD:
		setf(buf, len, "VT-d ECAP.SC=%d (IOMMU_GET_HW_INFO)", sc);
		break;
	case LIBIOMMU_HW_TYPE_AMD:
		setf(buf, len, "AMD-Vi always can (IOMMU_GET_HW_INFO)");
		break;
	default:
		setf(buf, len, "%s registers say %s (IOMMU_GET_HW_INFO)",
		     libiommu_hw_type_name(fx->hw.type) ?
			     libiommu_hw_type_name(fx->hw.type) : "driver",
		     sc ? "snoop control" : "no snoop control");
	}
}

static bool hw_knows_sc(const struct lu_facts *fx)
{
	return fx->hw_err == 0 &&
	       (fx->hw.features_known & LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
}

static const char *km_words(const struct lu_facts *fx)
{
	if (fx->km_err == -EBADF)
		return "no VFIO fd for the module to look at";
	return lu_kmod_why(fx->km_err);
}

/* Row, capability: can the IOMMU block no-snoop for this device? */
void lu_coh_can_block(const struct lu_facts *fx, struct lu_coh_item *it)
{
	char hw[96] = "";

	if (hw_knows_sc(fx))
		hw_words(fx, hw, sizeof(hw));
	if (fx->km_err == 0) {
		bool y = fx->di.out_flags & LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC;

		ITEM(it, yes_no(y), LIBIOMMU_COH_SRC_MODULE,
		     "IOMMU_CAP_ENFORCE_CACHE_COHERENCY %s (module)%s%s%s",
		     y ? "set" : "clear",
		     fx->sim ? (fx->si.out_dev_flags & LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE ?
				"; simulated IOMMU, device force-enabled (NO_ENFORCE)" :
				(fx->si.out_iommu_flags & LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL ?
				 "; simulated IOMMU with snoop control" :
				 "; simulated IOMMU without snoop control")) : "",
		     *hw ? "; " : "", hw);
		return;
	}
	if (*hw) {
		ITEM(it, yes_no(fx->hw.features & LIBIOMMU_HW_FEAT_SNOOP_CONTROL),
		     LIBIOMMU_COH_SRC_HW_INFO, "%s", hw);
		return;
	}
	if (fx->hw_err)
		ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known: %s and IOMMU_GET_HW_INFO failed (%s)",
		     km_words(fx), strerror(-fx->hw_err));
	else
		ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known: %s and IOMMU_GET_HW_INFO (type %s) does not tell",
		     km_words(fx),
		     libiommu_hw_type_name(fx->hw.type) ?
			     libiommu_hw_type_name(fx->hw.type) : "unknown");
}

/* Row, now: does the IOMMU block no-snoop for the attached device? */
static void ans_blocks(const struct lu_facts *fx,
		       const struct lu_coh_item *cap, struct lu_coh_item *it)
{
	struct libiommu_dev *dev = fx->dev, *d;
	struct libiommu_ioas *ioas = dev_ioas(dev);
	unsigned int others = 0;
	char where[48];
	int cc;

	if (!ioas) {
		ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE,
		     "not attached (through this handle); iommufd enforces at attach whenever the IOMMU can");
		return;
	}
	cc = vfio_cc(dev->ctx, ioas->id);
	if (lu_is_iommufd(dev->ctx))
		setf(where, sizeof(where), "IOAS %" PRIu32, ioas->id);
	else
		setf(where, sizeof(where), "the %s container",
		     libiommu_backend_name(libiommu_ctx_backend(dev->ctx)));
	if (cc == 1) {
		ITEM(it, YES, LIBIOMMU_COH_SRC_VFIO,
		     "VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = 1 on %s", where);
		return;
	}
	for (d = dev->ctx->dev_list; d; d = d->next)
		if (d != dev && (!lu_is_iommufd(dev->ctx) || dev_uses_ioas(d, ioas)))
			others++;
	if (cc == 0 && (cap->value == NO || others == 0)) {
		ITEM(it, NO, LIBIOMMU_COH_SRC_VFIO,
		     "VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = 0 on %s", where);
		return;
	}
	if (cc == 0 && cap->value == YES) {
		ITEM(it, YES, LIBIOMMU_COH_SRC_DERIVED,
		     "VFIO_DMA_CC_IOMMU = 0 on %s (another device's page table does not enforce); this device's does: iommufd enforces for every device whose IOMMU can",
		     where);
		return;
	}
	if (cc < 0 && (cap->value == YES || cap->value == NO)) {
		ITEM(it, cap->value, LIBIOMMU_COH_SRC_DERIVED,
		     "from the capability (iommufd enforces whenever the IOMMU can); VFIO_DMA_CC_IOMMU not available: %s",
		     strerror(-cc));
		return;
	}
	ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE, "not known: %s",
	     cc == -EAGAIN ? "the container has no open device yet" :
	     cc < 0 ? strerror(-cc) : "shared with other devices");
}

/* Column: may the device issue no-snoop transactions? */
static void ans_nosnoop(const struct lu_facts *fx, struct lu_coh_item *it)
{
	if (fx->cfg_err == 0) {
		if (!fx->pcie) {
			ITEM(it, NO, LIBIOMMU_COH_SRC_CONFIG_SPACE,
			     "no PCIe capability (conventional PCI): no Enable No Snoop, cannot issue no-snoop");
			return;
		}
		ITEM(it, yes_no(fx->devctl & CFG_DEVCTL_NOSNOOP_EN),
		     LIBIOMMU_COH_SRC_CONFIG_SPACE,
		     "PCIe Device Control 0x%04x: Enable No Snoop %s",
		     fx->devctl, fx->devctl & CFG_DEVCTL_NOSNOOP_EN ? "set" : "clear");
		return;
	}
	if (fx->km_err == 0) {
		switch (fx->di.out_nosnoop) {
		case LIBIOMMU_KMOD_NOSNOOP_NO_PCIE:
			ITEM(it, NO, LIBIOMMU_COH_SRC_MODULE,
			     "no PCIe capability: cannot issue no-snoop (module)");
			return;
		case LIBIOMMU_KMOD_NOSNOOP_DISABLED:
		case LIBIOMMU_KMOD_NOSNOOP_ENABLED:
			ITEM(it, yes_no(fx->di.out_nosnoop == LIBIOMMU_KMOD_NOSNOOP_ENABLED),
			     LIBIOMMU_COH_SRC_MODULE,
			     "PCIe Device Control 0x%04x: Enable No Snoop %s (module)",
			     fx->di.out_pcie_devctl,
			     fx->di.out_nosnoop == LIBIOMMU_KMOD_NOSNOOP_ENABLED ? "set" : "clear");
			return;
		}
	}
	if (fx->cfg_err == -ENODEV)
		ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known: not a PCI device (no config space through VFIO)");
	else if (fx->cfg_err == -EBADF)
		ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known: adopted device, no VFIO fd to read config space through");
	else
		ITEM(it, UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known: config space read failed (%s)",
		     strerror(-fx->cfg_err));
}

/* Policy: what the kernel decides by default (and tells KVM). */
static void ans_policy(const struct lu_facts *fx, const struct lu_coh_item *cap,
		       const struct lu_coh_item *blocks, struct lu_coh_item *it)
{
	if (fx->km_err == 0 &&
	    fx->di.out_wbinvd_policy != LIBIOMMU_KMOD_WBINVD_UNKNOWN) {
		ITEM(it, (int)fx->di.out_wbinvd_policy, LIBIOMMU_COH_SRC_MODULE,
		     "module GET_DEV_INFO: VFIO tells KVM the device is %senforced-coherent",
		     fx->di.out_flags & LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC ? "" : "not ");
		return;
	}
	/*
	 * Legacy backends give KVM the device's VFIO group, for which VFIO
	 * answers with its container's enforcement: what VFIO_DMA_CC_IOMMU said.
	 */
	if (!lu_is_iommufd(fx->dev->ctx) && blocks->src == LIBIOMMU_COH_SRC_VFIO) {
		ITEM(it, blocks->value == YES ? LIBIOMMU_COH_POLICY_DISABLE :
						 LIBIOMMU_COH_POLICY_ENABLE,
		     LIBIOMMU_COH_SRC_DERIVED,
		     "derived, %s: KVM gets the device's VFIO group, which VFIO calls enforced-coherent exactly when its container enforces (VFIO_DMA_CC_IOMMU)",
		     km_words(fx));
		return;
	}
	if (cap->value == YES || cap->value == NO) {
		ITEM(it, cap->value == YES ? LIBIOMMU_COH_POLICY_DISABLE :
					      LIBIOMMU_COH_POLICY_ENABLE,
		     LIBIOMMU_COH_SRC_DERIVED,
		     "derived, %s: VFIO tells KVM a device cdev is enforced-coherent exactly when its IOMMU can block no-snoop",
		     km_words(fx));
		return;
	}
	ITEM(it, LIBIOMMU_COH_POLICY_UNKNOWN, LIBIOMMU_COH_SRC_NONE,
	     "not known: %s and the IOMMU's capability is unknown", km_words(fx));
}

static const char *dev_label(const struct libiommu_dev *dev, char *buf,
			     size_t len)
{
	setf(buf, len, "device %" PRIu32, dev->id);
	return buf;
}

/* The seed's policy changes, for one device. */
static void dev_changes(const struct lu_facts *fx, struct libiommu_coherency *c)
{
	enum libiommu_coh_answer cap = c->f[LIBIOMMU_COH_IOMMU_CAN_BLOCK].value;
	struct lu_coh_chg *ch = c->chg;
	bool forced = fx->sim &&
		      (fx->si.out_dev_flags & LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE);
	int box = c->f[LIBIOMMU_COH_BOX].value;

	/* force-enable, 1 -> 3 */
	if (forced)
		CHG(&ch[LIBIOMMU_COH_FORCE_ENABLE], LIBIOMMU_COH_V_ALREADY,
		    LIBIOMMU_COH_R_ALREADY,
		    "already force-enabled: the simulated IOMMU lets this device's no-snoop through (NO_ENFORCE)");
	else if (cap == NO)
		CHG(&ch[LIBIOMMU_COH_FORCE_ENABLE], LIBIOMMU_COH_V_ALREADY,
		    LIBIOMMU_COH_R_IOMMU_CANNOT_BLOCK,
		    "already in effect: the IOMMU cannot block no-snoop for this device, so KVM already emulates WBINVD");
	else if (cap == YES && fx->sim)
		CHG(&ch[LIBIOMMU_COH_FORCE_ENABLE], LIBIOMMU_COH_V_POSSIBLE,
		    LIBIOMMU_COH_R_SIM_KNOB,
		    "possible on the module's simulated IOMMU: libiommu_coherency_force_enable() while the device is closed (it is sampled at bind)");
	else if (cap == YES)
		CHG(&ch[LIBIOMMU_COH_FORCE_ENABLE], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_IOMMUFD_ENFORCES, TXT_IOMMUFD_ENFORCES);
	else
		CHG(&ch[LIBIOMMU_COH_FORCE_ENABLE], LIBIOMMU_COH_V_UNKNOWN,
		    LIBIOMMU_COH_R_UNKNOWN_CAPABILITY,
		    "not known whether the IOMMU can block no-snoop for this device; if it can: " TXT_IOMMUFD_ENFORCES);

	/* joining a non-coherent IOAS */
	if (cap == NO || forced)
		CHG(&ch[LIBIOMMU_COH_NONCOHERENT_IOAS], LIBIOMMU_COH_V_POSSIBLE,
		    LIBIOMMU_COH_R_NONE,
		    "attach to a LIBIOMMU_IOAS_NONCOHERENT IOAS works: the IOMMU does not force this device to snoop");
	else if (cap == YES && fx->sim)
		CHG(&ch[LIBIOMMU_COH_NONCOHERENT_IOAS], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_DEVICE_OPEN,
		    "its IOMMU forces it to snoop; force-enable it first (simulated IOMMU, device closed), then a non-coherent IOAS takes it");
	else if (cap == YES)
		CHG(&ch[LIBIOMMU_COH_NONCOHERENT_IOAS], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_IOMMUFD_ENFORCES,
		    "attach to a LIBIOMMU_IOAS_NONCOHERENT IOAS fails (EOPNOTSUPP): " TXT_IOMMUFD_ENFORCES);
	else
		CHG(&ch[LIBIOMMU_COH_NONCOHERENT_IOAS], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_UNKNOWN_CAPABILITY,
		    "attach to a LIBIOMMU_IOAS_NONCOHERENT IOAS fails (EOPNOTSUPP): it cannot be shown that the IOMMU lets this device's no-snoop through");

	/* joining an IOAS that requires coherency */
	if (cap == YES && !forced)
		CHG(&ch[LIBIOMMU_COH_REQUIRE_COHERENT], LIBIOMMU_COH_V_POSSIBLE,
		    LIBIOMMU_COH_R_NONE,
		    "attach to a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS works: the IOMMU forces this device to snoop");
	else if (cap == NO)
		CHG(&ch[LIBIOMMU_COH_REQUIRE_COHERENT], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_IOMMU_CANNOT_BLOCK,
		    "attach to a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS fails (EPERM): the IOMMU cannot force this device to snoop");
	else
		CHG(&ch[LIBIOMMU_COH_REQUIRE_COHERENT], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_UNKNOWN_CAPABILITY,
		    "attach to a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS fails (EPERM): it cannot be shown that the IOMMU forces this device to snoop");

	/* the device's Enable No Snoop bit */
	if (fx->cfg_err == -EBADF) {
		CHG(&ch[LIBIOMMU_COH_CLEAR_NOSNOOP], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_NO_DEVICE_FD,
		    "adopted device: no VFIO fd to reach its config space");
		ch[LIBIOMMU_COH_SET_NOSNOOP] = ch[LIBIOMMU_COH_CLEAR_NOSNOOP];
	} else if (fx->cfg_err == -ENODEV) {
		CHG(&ch[LIBIOMMU_COH_CLEAR_NOSNOOP], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_NOT_PCI,
		    "not a PCI device: no Device Control register through VFIO");
		ch[LIBIOMMU_COH_SET_NOSNOOP] = ch[LIBIOMMU_COH_CLEAR_NOSNOOP];
	} else if (fx->cfg_err) {
		CHG(&ch[LIBIOMMU_COH_CLEAR_NOSNOOP], LIBIOMMU_COH_V_UNKNOWN,
		    LIBIOMMU_COH_R_NONE, "config space read failed: %s",
		    strerror(-fx->cfg_err));
		ch[LIBIOMMU_COH_SET_NOSNOOP] = ch[LIBIOMMU_COH_CLEAR_NOSNOOP];
	} else if (!fx->pcie) {
		CHG(&ch[LIBIOMMU_COH_CLEAR_NOSNOOP], LIBIOMMU_COH_V_ALREADY,
		    LIBIOMMU_COH_R_NO_PCIE,
		    "no PCIe capability: there is no Enable No Snoop bit and the device never issues no-snoop");
		CHG(&ch[LIBIOMMU_COH_SET_NOSNOOP], LIBIOMMU_COH_V_IMPOSSIBLE,
		    LIBIOMMU_COH_R_NO_PCIE,
		    "no PCIe capability: there is no Enable No Snoop bit to set");
	} else if (fx->devctl & CFG_DEVCTL_NOSNOOP_EN) {
		CHG(&ch[LIBIOMMU_COH_CLEAR_NOSNOOP], LIBIOMMU_COH_V_POSSIBLE,
		    LIBIOMMU_COH_R_NONE,
		    "clearing Enable No Snoop moves the device from box %d to box %d",
		    box, box == 1 ? 2 : box == 3 ? 4 : box);
		CHG(&ch[LIBIOMMU_COH_SET_NOSNOOP], LIBIOMMU_COH_V_ALREADY,
		    LIBIOMMU_COH_R_ALREADY, "Enable No Snoop is set");
	} else {
		CHG(&ch[LIBIOMMU_COH_CLEAR_NOSNOOP], LIBIOMMU_COH_V_ALREADY,
		    LIBIOMMU_COH_R_ALREADY, "Enable No Snoop is clear");
		if (fx->sim && !(fx->si.out_dev_flags & LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP))
			CHG(&ch[LIBIOMMU_COH_SET_NOSNOOP], LIBIOMMU_COH_V_IMPOSSIBLE,
			    LIBIOMMU_COH_R_NOSNOOP_HARDWIRED,
			    "Enable No Snoop is hardwired to 0 on this simulated device");
		else if (fx->sim)
			CHG(&ch[LIBIOMMU_COH_SET_NOSNOOP], LIBIOMMU_COH_V_POSSIBLE,
			    LIBIOMMU_COH_R_NONE,
			    "setting Enable No Snoop moves the device from box %d to box %d",
			    box, box == 2 ? 1 : box == 4 ? 3 : box);
		else
			CHG(&ch[LIBIOMMU_COH_SET_NOSNOOP], LIBIOMMU_COH_V_UNKNOWN,
			    LIBIOMMU_COH_R_NONE,
			    "Enable No Snoop is clear; whether it is writable shows when it is set (QEMU's emulated devices hardwire it to 0)");
	}
}

static void dev_name(const struct lu_facts *fx, struct libiommu_coherency *c)
{
	struct libiommu_dev *dev = fx->dev;
	char sys[64], link[80], cdev[64] = "", bdf[96] = "";
	struct stat st;
	int rc;

	if (dev->fd >= 0 && fstat(dev->fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u",
			 major(st.st_rdev), minor(st.st_rdev));
		rc = lu_link_base(sys, cdev, sizeof(cdev));
		if (rc && rc != -ENAMETOOLONG)
			cdev[0] = '\0';
		snprintf(link, sizeof(link), "%s/device", sys);
		rc = lu_link_base(link, bdf, sizeof(bdf));
		if (rc && rc != -ENAMETOOLONG)
			bdf[0] = '\0';
	}
	if (!*bdf && fx->km_err == 0)
		snprintf(bdf, sizeof(bdf), "%s", fx->di.out_name);
	if (!*bdf)
		dev_label(dev, bdf, sizeof(bdf));
	if (fx->cfg_err == 0 || fx->pcie)
		setf(c->name, sizeof(c->name), "%s (%s%s%04x:%04x%s)", bdf, cdev,
		     *cdev ? ", " : "", fx->vendor, fx->device,
		     fx->sim ? ", simulated" : "");
	else if (*cdev)
		setf(c->name, sizeof(c->name), "%s (%s)", bdf, cdev);
	else
		setf(c->name, sizeof(c->name), "%s", bdf);
}

/* Fill a device report from its facts. */
void lu_coh_dev_report(const struct lu_facts *fx, struct libiommu_coherency *c)
{
	struct lu_coh_item *f = c->f;
	enum libiommu_coh_answer row, col;
	int box;

	c->kind = LU_COH_DEV;
	dev_name(fx, c);
	lu_coh_can_block(fx, &f[LIBIOMMU_COH_IOMMU_CAN_BLOCK]);
	ans_blocks(fx, &f[LIBIOMMU_COH_IOMMU_CAN_BLOCK], &f[LIBIOMMU_COH_IOMMU_BLOCKS]);
	ans_nosnoop(fx, &f[LIBIOMMU_COH_DEV_NOSNOOP]);
	ans_policy(fx, &f[LIBIOMMU_COH_IOMMU_CAN_BLOCK], &f[LIBIOMMU_COH_IOMMU_BLOCKS],
		   &f[LIBIOMMU_COH_POLICY]);

	row = f[LIBIOMMU_COH_IOMMU_BLOCKS].value;
	if (row == UNK)
		row = f[LIBIOMMU_COH_IOMMU_CAN_BLOCK].value;
	col = f[LIBIOMMU_COH_DEV_NOSNOOP].value;
	c->row = row;
	box = box_of(row, col);
	if (box)
		ITEM(&f[LIBIOMMU_COH_BOX], box, LIBIOMMU_COH_SRC_DERIVED,
		     "row from \"IOMMU %s\", column from \"device may issue no-snoop\"",
		     f[LIBIOMMU_COH_IOMMU_BLOCKS].value != UNK ? "blocks it now" :
								 "can block no-snoop");
	else
		ITEM(&f[LIBIOMMU_COH_BOX], 0, LIBIOMMU_COH_SRC_NONE,
		     "not known: the %s is unknown", row == UNK ? "row" : "column");

	if (box)
		ITEM(&f[LIBIOMMU_COH_DMA_COHERENT], yes_no(box != 3),
		     LIBIOMMU_COH_SRC_DERIVED, "box %d", box);
	else if (row == YES || col == NO)
		ITEM(&f[LIBIOMMU_COH_DMA_COHERENT], YES, LIBIOMMU_COH_SRC_DERIVED,
		     "%s", row == YES ? "the IOMMU blocks no-snoop" :
					"the device never issues no-snoop");
	else
		ITEM(&f[LIBIOMMU_COH_DMA_COHERENT], UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known (box unknown)");

	if (f[LIBIOMMU_COH_POLICY].value != LIBIOMMU_COH_POLICY_UNKNOWN)
		ITEM(&f[LIBIOMMU_COH_KVM_WBINVD],
		     yes_no(f[LIBIOMMU_COH_POLICY].value == LIBIOMMU_COH_POLICY_ENABLE),
		     f[LIBIOMMU_COH_POLICY].src,
		     "once its file is added to a VM's kvm-vfio device (the kernel's default policy)");
	else
		ITEM(&f[LIBIOMMU_COH_KVM_WBINVD], UNK, LIBIOMMU_COH_SRC_NONE,
		     "not known: the kernel's policy is unknown");
	c->wbinvd_needed = box ? yes_no(box == 3) : UNK;
	ITEM(&f[LIBIOMMU_COH_KVM_NONCOHERENT], UNK, LIBIOMMU_COH_SRC_NONE,
	     "read back for a KVM VM only (libiommu_coherency_get_kvm)");
	dev_changes(fx, c);
}

/* ---- public: reports -------------------------------------------------------- */

static struct libiommu_coherency *coh_new(void)
{
	return calloc(1, sizeof(struct libiommu_coherency));
}

LIBIOMMU_API int libiommu_coherency_get_dev(struct libiommu_dev *dev,
					    struct libiommu_coherency **out)
{
	struct libiommu_coherency *c;
	struct lu_facts fx;

	if (!dev)
		return FAIL(NULL, EINVAL, "libiommu_coherency_get_dev: dev is NULL");
	if (!out)
		return FAIL(dev->ctx, EINVAL, "libiommu_coherency_get_dev: out is NULL");
	*out = NULL;
	c = coh_new();
	if (!c)
		return FAIL(dev->ctx, ENOMEM, "out of memory for a coherency report");
	lu_coh_gather(dev, &fx, true);
	lu_coh_dev_report(&fx, c);
	lu_dbg(dev->ctx, "coherency of %s: box %d", c->name,
	       c->f[LIBIOMMU_COH_BOX].value);
	*out = c;
	return 0;
}

LIBIOMMU_API void libiommu_coherency_free(struct libiommu_coherency *coh)
{
	size_t i;

	if (!coh)
		return;
	for (i = 0; i < coh->nr_members; i++)
		libiommu_coherency_free(coh->members[i]);
	free(coh->members);
	free(coh);
}

/* Combine the members' answers to @field: all the same, else MIXED. */
static void agg_same(struct libiommu_coherency *c, enum libiommu_coh_field fld)
{
	int v = c->members[0]->f[fld].value;
	size_t i;

	for (i = 1; i < c->nr_members; i++)
		if (c->members[i]->f[fld].value != v)
			v = (v == UNK || c->members[i]->f[fld].value == UNK) &&
				    v != MIXED ? UNK : MIXED;
	if (c->nr_members == 1)
		c->f[fld] = c->members[0]->f[fld];
	else
		ITEM(&c->f[fld], v, LIBIOMMU_COH_SRC_DEVICES, "%s over %zu devices",
		     v == MIXED ? "differs" : v == UNK ? "unknown for some" : "the same",
		     c->nr_members);
}

/* Combine: YES if any member says YES (@any) or if all do (!@any). */
static void agg_bool(struct libiommu_coherency *c, enum libiommu_coh_field fld,
		     bool any, const char *what)
{
	size_t i, yes = 0, no = 0;
	int v;

	for (i = 0; i < c->nr_members; i++) {
		yes += c->members[i]->f[fld].value == YES;
		no += c->members[i]->f[fld].value == NO;
	}
	if (any)
		v = yes ? YES : no == c->nr_members ? NO : UNK;
	else
		v = no ? NO : yes == c->nr_members ? YES : UNK;
	ITEM(&c->f[fld], v, LIBIOMMU_COH_SRC_DEVICES, "%zu of %zu devices %s",
	     yes, c->nr_members, what);
}

static void agg_changes(struct libiommu_coherency *c)
{
	size_t i, k;

	for (k = 0; k < LIBIOMMU_COH_CHANGE__COUNT; k++) {
		struct lu_coh_chg *first = &c->members[0]->chg[k];
		bool same = true;

		for (i = 1; i < c->nr_members; i++)
			if (c->members[i]->chg[k].verdict != first->verdict)
				same = false;
		if (same) {
			c->chg[k] = *first;
			if (c->nr_members > 1)
				setf(c->chg[k].text, sizeof(c->chg[k].text),
				     "every device: %s", first->text);
		} else {
			struct sbuf sb;

			CHG(&c->chg[k], LIBIOMMU_COH_V_IMPOSSIBLE,
			    LIBIOMMU_COH_R_DEVICES_DIFFER, "not for all of its devices:");
			sb.buf = c->chg[k].text;
			sb.len = sizeof(c->chg[k].text);
			sb.pos = strlen(sb.buf);
			for (i = 0; i < c->nr_members; i++) {
				const char *n = c->members[i]->name;

				sb_printf(&sb, "%s %.*s %s", i ? "," : "",
					  (int)strcspn(n, " "), n,
					  libiommu_coh_verdict_name(c->members[i]->chg[k].verdict));
			}
		}
	}
}

int lu_coh_aggregate(struct libiommu_ctx *ctx, const char *name,
		     struct libiommu_dev **devs, size_t nr,
		     struct libiommu_ioas *ioas, struct libiommu_kvm *kvm,
		     struct libiommu_coherency **out)
{
	struct libiommu_coherency *c = coh_new();
	struct lu_coh_item *f;
	size_t i, k;
	int rc, box = 0;

	if (!c || (nr && !(c->members = calloc(nr, sizeof(*c->members))))) {
		free(c);
		return FAIL(ctx, ENOMEM, "out of memory for a coherency report");
	}
	f = c->f;
	c->kind = kvm ? LU_COH_KVM : LU_COH_IOAS;
	setf(c->name, sizeof(c->name), "%s", name);
	for (i = 0; i < nr; i++) {
		rc = libiommu_coherency_get_dev(devs[i], &c->members[i]);
		if (rc) {
			libiommu_coherency_free(c);
			return rc;
		}
		c->nr_members++;
	}

	if (nr == 0) {
		for (k = 0; k < LIBIOMMU_COH_FIELD__COUNT; k++)
			ITEM(&f[k], UNK, LIBIOMMU_COH_SRC_NONE, "no device %s",
			     kvm ? "added" : "attached");
		ITEM(&f[LIBIOMMU_COH_DMA_COHERENT], YES, LIBIOMMU_COH_SRC_DEVICES,
		     "no device: no DMA");
		ITEM(&f[LIBIOMMU_COH_KVM_WBINVD], NO, LIBIOMMU_COH_SRC_DEVICES,
		     "no VFIO file added: nothing makes KVM emulate WBINVD");
		ITEM(&f[LIBIOMMU_COH_POLICY], LIBIOMMU_COH_POLICY_DISABLE,
		     LIBIOMMU_COH_SRC_DEVICES, "no device");
		for (k = 0; k < LIBIOMMU_COH_CHANGE__COUNT; k++)
			CHG(&c->chg[k], LIBIOMMU_COH_V_UNKNOWN,
			    LIBIOMMU_COH_R_NO_DEVICES, "no device to change");
		c->wbinvd_needed = NO;
	} else {
		agg_same(c, LIBIOMMU_COH_IOMMU_CAN_BLOCK);
		agg_same(c, LIBIOMMU_COH_IOMMU_BLOCKS);
		agg_same(c, LIBIOMMU_COH_DEV_NOSNOOP);
		agg_bool(c, LIBIOMMU_COH_DMA_COHERENT, false, "coherent");
		agg_bool(c, LIBIOMMU_COH_KVM_WBINVD, true, "make KVM emulate it");
		c->wbinvd_needed = NO;
		for (i = 0; i < nr; i++) {
			int b = c->members[i]->f[LIBIOMMU_COH_BOX].value;

			if (!b)
				box = -1;
			else if (box >= 0 && box_rank(b) > box_rank(box))
				box = b;
			if (c->members[i]->wbinvd_needed == YES)
				c->wbinvd_needed = YES;
			else if (c->members[i]->wbinvd_needed == UNK &&
				 c->wbinvd_needed != YES)
				c->wbinvd_needed = UNK;
		}
		if (box > 0)
			ITEM(&f[LIBIOMMU_COH_BOX], box, LIBIOMMU_COH_SRC_DEVICES,
			     "the box of the device that asks most of KVM (3, 4, 1, 2)");
		else
			ITEM(&f[LIBIOMMU_COH_BOX], 0, LIBIOMMU_COH_SRC_NONE,
			     "not known for every device");
		/* KVM counts the VM non-coherent if any file is not enforced. */
		ITEM(&f[LIBIOMMU_COH_POLICY],
		     f[LIBIOMMU_COH_KVM_WBINVD].value == YES ? LIBIOMMU_COH_POLICY_ENABLE :
		     f[LIBIOMMU_COH_KVM_WBINVD].value == NO ? LIBIOMMU_COH_POLICY_DISABLE :
		     LIBIOMMU_COH_POLICY_UNKNOWN, LIBIOMMU_COH_SRC_DEVICES,
		     "enable if any device's policy is enable");
		ITEM(&f[LIBIOMMU_COH_KVM_NONCOHERENT], UNK, LIBIOMMU_COH_SRC_NONE,
		     "read back for a KVM VM only");
		agg_changes(c);
	}

	/* An IOAS: VFIO answers for all of its HWPTs at once. */
	if (ioas && nr) {
		int cc = vfio_cc(ctx, ioas->id);

		if (cc >= 0 && lu_is_iommufd(ctx))
			ITEM(&f[LIBIOMMU_COH_IOMMU_BLOCKS], yes_no(cc == 1),
			     LIBIOMMU_COH_SRC_VFIO,
			     "VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = %d on IOAS %" PRIu32 ": %s of its HWPTs enforce",
			     cc, ioas->id, cc ? "all" : "not all");
		else if (cc >= 0)
			ITEM(&f[LIBIOMMU_COH_IOMMU_BLOCKS], yes_no(cc == 1),
			     LIBIOMMU_COH_SRC_VFIO,
			     "VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = %d on the container: %s of its domains enforce",
			     cc, cc ? "all" : "not all");
	}
	c->row = f[LIBIOMMU_COH_IOMMU_BLOCKS].value != UNK ?
		 f[LIBIOMMU_COH_IOMMU_BLOCKS].value : f[LIBIOMMU_COH_IOMMU_CAN_BLOCK].value;

	/* A VM: KVM's own answer, read back through the module. */
	if (kvm) {
		uint32_t count = 0;
		int why = 0;

		rc = lu_kvm_readback(kvm, &count, &why);
		if (rc >= 0) {
			c->kvm_count = count;
			ITEM(&f[LIBIOMMU_COH_KVM_NONCOHERENT], yes_no(rc == 1),
			     LIBIOMMU_COH_SRC_MODULE,
			     "module: KVM's non-coherent DMA count is %" PRIu32 "%s", count,
			     f[LIBIOMMU_COH_KVM_WBINVD].value != UNK &&
			     (int)yes_no(rc == 1) != f[LIBIOMMU_COH_KVM_WBINVD].value ?
			     " (not what its devices predict: a VFIO file added by other means?)" : "");
		} else {
			ITEM(&f[LIBIOMMU_COH_KVM_NONCOHERENT], UNK, LIBIOMMU_COH_SRC_NONE,
			     "cannot be known: KVM keeps it internal (companion %s)",
			     why ? lu_kmod_why(why) :
			     rc == -EOPNOTSUPP ? "module cannot read KVM: no /dev/kvm when it was loaded" :
			     "module's KVM_NONCOHERENT failed");
		}
	}
	*out = c;
	return 0;
}

LIBIOMMU_API int libiommu_coherency_get_ioas(struct libiommu_ioas *ioas,
					     struct libiommu_coherency **out)
{
	struct libiommu_dev **devs = NULL, *d;
	struct libiommu_ctx *ctx;
	char name[96];
	size_t nr = 0, i = 0;
	int rc;

	if (!ioas)
		return FAIL(NULL, EINVAL, "libiommu_coherency_get_ioas: ioas is NULL");
	ctx = ioas->ctx;
	if (!out)
		return FAIL(ctx, EINVAL, "libiommu_coherency_get_ioas: out is NULL");
	*out = NULL;
	for (d = ctx->dev_list; d; d = d->next)
		nr += dev_uses_ioas(d, ioas);
	if (nr && !(devs = calloc(nr, sizeof(*devs))))
		return FAIL(ctx, ENOMEM, "out of memory for a coherency report");
	/* The list is newest first: report in the order they were opened. */
	i = nr;
	for (d = ctx->dev_list; d; d = d->next)
		if (dev_uses_ioas(d, ioas))
			devs[--i] = d;
	setf(name, sizeof(name), "IOAS %" PRIu32 "%s", ioas->id,
	     ioas->coh_flags & LIBIOMMU_IOAS_NONCOHERENT ? " (non-coherent)" :
	     ioas->coh_flags & LIBIOMMU_IOAS_REQUIRE_COHERENT ? " (require-coherent)" : "");
	rc = lu_coh_aggregate(ctx, name, devs, nr, ioas, NULL, out);
	free(devs);
	return rc;
}

/* ---- public: getters -------------------------------------------------------- */

LIBIOMMU_API const char *libiommu_coherency_name(const struct libiommu_coherency *coh)
{
	return coh ? coh->name : "";
}

LIBIOMMU_API size_t libiommu_coherency_nr_members(const struct libiommu_coherency *coh)
{
	return coh ? coh->nr_members : 0;
}

LIBIOMMU_API const struct libiommu_coherency *
libiommu_coherency_member(const struct libiommu_coherency *coh, size_t i)
{
	if (!coh || i >= coh->nr_members) {
		errno = EINVAL;
		return NULL;
	}
	return coh->members[i];
}

static enum libiommu_coh_answer answer(const struct libiommu_coherency *coh,
				       enum libiommu_coh_field fld)
{
	return coh ? (enum libiommu_coh_answer)coh->f[fld].value : UNK;
}

LIBIOMMU_API enum libiommu_coh_answer
libiommu_coherency_iommu_can_block(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COH_IOMMU_CAN_BLOCK);
}

LIBIOMMU_API enum libiommu_coh_answer
libiommu_coherency_iommu_blocks(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COH_IOMMU_BLOCKS);
}

LIBIOMMU_API enum libiommu_coh_answer
libiommu_coherency_dev_nosnoop(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COH_DEV_NOSNOOP);
}

LIBIOMMU_API int libiommu_coherency_box(const struct libiommu_coherency *coh)
{
	return coh ? coh->f[LIBIOMMU_COH_BOX].value : 0;
}

LIBIOMMU_API enum libiommu_coh_answer
libiommu_coherency_dma_coherent(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COH_DMA_COHERENT);
}

LIBIOMMU_API enum libiommu_coh_answer
libiommu_coherency_kvm_wbinvd(const struct libiommu_coherency *coh,
			      enum libiommu_coh_answer *needed)
{
	if (needed)
		*needed = coh ? coh->wbinvd_needed : UNK;
	return answer(coh, LIBIOMMU_COH_KVM_WBINVD);
}

LIBIOMMU_API enum libiommu_coh_policy
libiommu_coherency_default_policy(const struct libiommu_coherency *coh)
{
	return coh ? (enum libiommu_coh_policy)coh->f[LIBIOMMU_COH_POLICY].value :
		     LIBIOMMU_COH_POLICY_UNKNOWN;
}

LIBIOMMU_API enum libiommu_coh_answer
libiommu_coherency_kvm_noncoherent(const struct libiommu_coherency *coh,
				   uint32_t *count)
{
	if (count)
		*count = coh ? coh->kvm_count : 0;
	return answer(coh, LIBIOMMU_COH_KVM_NONCOHERENT);
}

LIBIOMMU_API enum libiommu_coh_source
libiommu_coherency_source(const struct libiommu_coherency *coh,
			  enum libiommu_coh_field field, const char **detail)
{
	if (!coh || (unsigned int)field >= LIBIOMMU_COH_FIELD__COUNT) {
		if (detail)
			*detail = "";
		errno = EINVAL;
		return LIBIOMMU_COH_SRC_NONE;
	}
	if (detail)
		*detail = coh->f[field].detail;
	return coh->f[field].src;
}

LIBIOMMU_API enum libiommu_coh_verdict
libiommu_coherency_change(const struct libiommu_coherency *coh,
			  enum libiommu_coh_change change,
			  enum libiommu_coh_reason *reason, const char **text)
{
	if (!coh || (unsigned int)change >= LIBIOMMU_COH_CHANGE__COUNT) {
		if (reason)
			*reason = LIBIOMMU_COH_R_NONE;
		if (text)
			*text = "";
		errno = EINVAL;
		return LIBIOMMU_COH_V_UNKNOWN;
	}
	if (reason)
		*reason = coh->chg[change].reason;
	if (text)
		*text = coh->chg[change].text;
	return coh->chg[change].verdict;
}

