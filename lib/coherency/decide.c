// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency decisions: where a device, an IOAS or a KVM VM sits in the
 * /dev/ioasid RFC's IOMMU-vs-device no-snoop matrix, and which of the
 * RFC's policy changes are possible here.  Pure: plain facts in (gathered
 * by facts.c), a report out; no I/O, no backend questions.
 *
 *                        device may issue no-snoop   device never does
 *   IOMMU blocks no-snoop            1                        2
 *   IOMMU lets it through            3                        4
 *
 * Each answer says where it came from:
 *  - the capability ("can block"): the companion module (device_iommu_
 *    capable(IOMMU_CAP_ENFORCE_CACHE_COHERENCY)), else the IOMMU's own
 *    registers from IOMMU_GET_HW_INFO (VT-d ECAP.SC, ...);
 *  - the row of an attached device ("blocks now"): the enforcement of the
 *    domain it runs on - the module's reading of it, else the record of
 *    its HWPT, else (type1 containers) VFIO_DMA_CC_IOMMU.  Never derived
 *    from the capability on iommufd, which reuses a HWPT made for one
 *    device for others;
 *  - the column: Enable No Snoop set or writable (vfio-pci does not
 *    virtualise it) is YES, hard-wired 0 or a known device NO, no PCIe
 *    capability UNKNOWN;
 *  - the kernel's default policy (KVM emulates WBINVD exactly when VFIO
 *    says the file is not enforced-coherent, from the capability): the
 *    module, else derived from the capability, saying so;
 *  - the KVM hazard: box 3 while KVM does not emulate WBINVD.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "coherency/coherency.h"
#include "util/kmod.h"

/* How much a box asks of KVM, for the "worst box" of an aggregate. */
static int box_rank(int box)
{
	static const int rank[5] = { 0, 2, 1, 4, 3 };

	return box >= 1 && box <= 4 ? rank[box] : 0;
}

/* ---- a device's answers from its facts --------------------------------------- */

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
		     lu_hw_type_name(fx->hw.type) ? lu_hw_type_name(fx->hw.type) : "driver",
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

		ITEM(it, yes_no(y), LIBIOMMU_COHERENCY_SOURCE_MODULE,
		     "IOMMU_CAP_ENFORCE_CACHE_COHERENCY %s (module)%s%s%s",
		     y ? "set" : "clear",
		     fx->sim ? (fx->si.out_dev_flags & LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE ? "; simulated IOMMU, device force-enabled (NO_ENFORCE)" : (fx->si.out_iommu_flags & LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL ? "; simulated IOMMU with snoop control" : "; simulated IOMMU without snoop control")) : "",
		     *hw ? "; " : "", hw);
		return;
	}
	if (*hw) {
		ITEM(it, yes_no(fx->hw.features & LIBIOMMU_HW_FEAT_SNOOP_CONTROL),
		     LIBIOMMU_COHERENCY_SOURCE_HW_INFO, "%s", hw);
		return;
	}
	if (fx->hw_err)
		ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: %s and IOMMU_GET_HW_INFO failed (%s)",
		     km_words(fx), strerror(-fx->hw_err));
	else
		ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: %s and IOMMU_GET_HW_INFO (type %s) does not tell",
		     km_words(fx),
		     lu_hw_type_name(fx->hw.type) ? lu_hw_type_name(fx->hw.type) : "unknown");
}

static const char *pt_words(const struct lu_facts *fx, char *buf, size_t len)
{
	switch (fx->pt_how) {
	case LU_PT_PLACED:
		setf(buf, len, "HWPT %" PRIu32 ", which the library allocated for device %" PRIu32 " to place it (iommufd fixed its enforcement then, from that device's IOMMU)",
		     fx->hwpt_id, fx->pt_made_for);
		break;
	case LU_PT_ALLOCATED:
		setf(buf, len, "HWPT %" PRIu32 ", allocated by libiommu_hwpt_alloc() for device %" PRIu32 " (iommufd fixed its enforcement then, from that device's IOMMU)",
		     fx->hwpt_id, fx->pt_made_for);
		break;
	case LU_PT_KERNEL:
		if (fx->pt_made_for)
			setf(buf, len, "HWPT %" PRIu32 ", which the kernel chose and made for device %" PRIu32 "'s attach (iommufd fixed its enforcement then, and reuses a HWPT for any compatible device)",
			     fx->hwpt_id, fx->pt_made_for);
		else
			setf(buf, len, "HWPT %" PRIu32 ", which the kernel chose", fx->hwpt_id);
		break;
	default:
		setf(buf, len, "its page table");
	}
	return buf;
}

/*
 * Row, now: does the IOMMU block no-snoop for the attached device?  The
 * enforcement of the domain it runs on: the module's reading of it, else
 * what the library knows of its HWPT, else (legacy containers, whose
 * domains match their devices' capability) VFIO's answer.  Never derived
 * from a capability on iommufd, where a HWPT made for one device is reused
 * by others.
 */
static void ans_blocks(const struct lu_facts *fx,
		       const struct lu_coh_item *cap, struct lu_coh_item *it)
{
	char pt[256];

	if (fx->pt_how == LU_PT_NONE) {
		ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not attached (through this handle)");
		return;
	}
	if (fx->dom_enforce != LU_ENF_UNKNOWN) {
		ITEM(it, yes_no(fx->dom_enforce == LU_ENF_YES), LIBIOMMU_COHERENCY_SOURCE_MODULE,
		     "the module read the domain of %s: enforce_cache_coherency %s",
		     pt_words(fx, pt, sizeof(pt)),
		     fx->dom_enforce == LU_ENF_YES ? "set" : "clear");
		return;
	}
	if (fx->pt_how != LU_PT_CONTAINER) {
		if (fx->pt_enforce == LU_ENF_UNKNOWN)
			ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "not known: it runs on %s; %s",
			     pt_words(fx, pt, sizeof(pt)), fx->pt_why);
		else
			ITEM(it, yes_no(fx->pt_enforce == LU_ENF_YES),
			     LIBIOMMU_COHERENCY_SOURCE_HWPT, "%s %s snooping: it runs on %s",
			     fx->pt_enforce == LU_ENF_YES ? "forces" : "does not force",
			     fx->pt_enforce == LU_ENF_YES ? "" : "(no-snoop DMA bypasses the CPU caches)",
			     pt_words(fx, pt, sizeof(pt)));
		return;
	}
	/* a legacy container */
	if (fx->cc == 1) {
		ITEM(it, YES, LIBIOMMU_COHERENCY_SOURCE_VFIO,
		     "VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = 1 on %s: every domain of it enforces",
		     fx->cc_where);
		return;
	}
	if (fx->cc == 0 && cap->value == NO) {
		ITEM(it, NO, LIBIOMMU_COHERENCY_SOURCE_VFIO,
		     "VFIO_CHECK_EXTENSION(VFIO_DMA_CC_IOMMU) = 0 on %s, and its IOMMU cannot enforce (%s)",
		     fx->cc_where, cap->detail);
		return;
	}
	if (fx->cc == 0 && cap->value == YES && fx->domains_match_enforcement) {
		ITEM(it, YES, LIBIOMMU_COHERENCY_SOURCE_DERIVED,
		     "VFIO_DMA_CC_IOMMU = 0 on %s (a domain of another device does not enforce); this device's does: type1 gives a device whose IOMMU can enforce a domain that enforces (it merges domains only when their enforcement matches)",
		     fx->cc_where);
		return;
	}
	ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE, "not known: %s",
	     fx->cc == -EAGAIN ? "the container has no open device yet" : fx->cc < 0 ? strerror(-fx->cc)
										     : "VFIO_DMA_CC_IOMMU = 0 on the container, and its IOAS's HWPTs are shared between devices (iommufd's compatibility layer): which one this device is on cannot be told without the companion module");
}

/*
 * Column: may the device issue no-snoop transactions?  vfio-pci does not
 * virtualise Enable No Snoop: a guest can set it at any time (and FLR
 * restores the device's default), so a clear bit that sticks when written
 * is a "yes" too; only a bit that does not stick means never.
 */
static void ans_nosnoop(const struct lu_facts *fx, struct lu_coh_item *it)
{
	if (fx->cfg_err == 0) {
		if (!fx->pcie && fx->known) {
			ITEM(it, NO, LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE,
			     "no PCIe capability, and a device known never to issue no-snoop (%04x:%04x, %s)",
			     fx->vendor, fx->device, fx->known);
			return;
		}
		if (!fx->pcie) {
			ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "not known: no PCIe capability, so no Enable No Snoop to read, but that does not prove the device never issues non-snooped traffic (integrated devices can)");
			return;
		}
		if (fx->devctl & CFG_DEVCTL_NOSNOOP_EN) {
			ITEM(it, YES, LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE,
			     "PCIe Device Control 0x%04x: Enable No Snoop set (guest-controllable: vfio-pci does not virtualise it)",
			     fx->devctl);
			return;
		}
		if (fx->ns_writable == LU_ENF_YES)
			ITEM(it, YES, LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE,
			     "PCIe Device Control 0x%04x: Enable No Snoop clear but writable (guest-controllable: vfio-pci does not virtualise it, and FLR restores the device's default)",
			     fx->devctl);
		else if (fx->ns_writable == LU_ENF_NO)
			ITEM(it, NO, LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE,
			     "PCIe Device Control 0x%04x: Enable No Snoop hard-wired to 0 (it does not stick when written)",
			     fx->devctl);
		else
			ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "not known: Enable No Snoop is clear now (0x%04x) and whether a guest can set it was not probed: the device is added to a KVM VM",
			     fx->devctl);
		return;
	}
	if (fx->km_err == 0) {
		switch (fx->di.out_nosnoop) {
		case LIBIOMMU_KMOD_NOSNOOP_NO_PCIE:
			ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "not known: no PCIe capability (module), which does not prove the device never issues non-snooped traffic");
			return;
		case LIBIOMMU_KMOD_NOSNOOP_ENABLED:
			ITEM(it, YES, LIBIOMMU_COHERENCY_SOURCE_MODULE,
			     "PCIe Device Control 0x%04x: Enable No Snoop set (module)",
			     fx->di.out_pcie_devctl);
			return;
		case LIBIOMMU_KMOD_NOSNOOP_DISABLED:
			ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "not known: Enable No Snoop is clear (module, 0x%04x) and whether it sticks cannot be probed without the device's config region",
			     fx->di.out_pcie_devctl);
			return;
		}
	}
	if (fx->cfg_err == -ENODEV)
		ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: not a PCI device (no config space through VFIO)");
	else if (fx->cfg_err == -EBADF)
		ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: adopted device, no VFIO fd to read config space through");
	else
		ITEM(it, UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: config space not read");
}

/* Policy: what the kernel decides by default (and tells KVM). */
static void ans_policy(const struct lu_facts *fx, const struct lu_coh_item *cap,
		       const struct lu_coh_item *blocks, struct lu_coh_item *it)
{
	if (fx->km_err == 0 &&
	    fx->di.out_wbinvd_policy != LIBIOMMU_KMOD_WBINVD_UNKNOWN) {
		ITEM(it, (int)fx->di.out_wbinvd_policy, LIBIOMMU_COHERENCY_SOURCE_MODULE,
		     "module GET_DEV_INFO: VFIO tells KVM the device is %senforced-coherent",
		     fx->di.out_flags & LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC ? "" : "not ");
		return;
	}
	/*
	 * What VFIO tells KVM is the IOMMU's capability, not the enforcement of
	 * the HWPT the device is on: for a device cdev its own, for a group
	 * (the legacy backends give KVM the group) that of each of its devices.
	 */
	if (cap->value == YES || cap->value == NO) {
		ITEM(it, cap->value == YES ? LIBIOMMU_COHERENCY_POLICY_DISABLE : LIBIOMMU_COHERENCY_POLICY_ENABLE,
		     LIBIOMMU_COHERENCY_SOURCE_DERIVED,
		     "derived, %s: VFIO tells KVM a device's %s is enforced-coherent exactly when %s IOMMU can block no-snoop, whatever HWPT it is on",
		     km_words(fx), fx->kvm_gets_group ? "VFIO group" : "cdev",
		     fx->kvm_gets_group ? "each of its devices'" : "its");
		return;
	}
	ITEM(it, LIBIOMMU_COHERENCY_POLICY_UNKNOWN, LIBIOMMU_COHERENCY_SOURCE_NONE,
	     "not known: %s and the IOMMU's capability is unknown", km_words(fx));
}

/* The RFC's policy changes, for one device. */
static void dev_changes(const struct lu_facts *fx, struct libiommu_coherency *c)
{
	enum libiommu_coherency_answer cap = c->f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value;
	struct lu_coh_chg *ch = c->chg;
	bool forced = fx->sim &&
		      (fx->si.out_dev_flags & LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE);
	int box = c->f[LIBIOMMU_COHERENCY_FIELD_BOX].value;

	/* force-enable, 1 -> 3 */
	if (forced)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE], LIBIOMMU_COHERENCY_VERDICT_ALREADY,
		    LIBIOMMU_COHERENCY_REASON_ALREADY,
		    "already force-enabled: the simulated IOMMU lets this device's no-snoop through (NO_ENFORCE)");
	else if (cap == NO)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE], LIBIOMMU_COHERENCY_VERDICT_ALREADY,
		    LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK,
		    "already in effect: the IOMMU cannot block no-snoop for this device, so KVM already emulates WBINVD");
	else if (cap == YES && fx->sim)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE], LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_SIM_KNOB,
		    "possible on the module's simulated IOMMU: libiommu_coherency_force_enable() while the device is closed (it is sampled at bind)");
	else if (cap == YES)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES, TXT_IOMMUFD_ENFORCES);
	else
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE], LIBIOMMU_COHERENCY_VERDICT_UNKNOWN,
		    LIBIOMMU_COHERENCY_REASON_UNKNOWN_CAPABILITY,
		    "not known whether the IOMMU can block no-snoop for this device; if it can: " TXT_IOMMUFD_ENFORCES);

	/* joining a non-coherent IOAS */
	if (cap == NO || forced)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_NONCOHERENT_IOAS], LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_NONE,
		    "attach to a LIBIOMMU_IOAS_NONCOHERENT IOAS works: the IOMMU does not force this device to snoop");
	else if (cap == YES && fx->sim)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_NONCOHERENT_IOAS], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_DEVICE_OPEN,
		    "its IOMMU forces it to snoop; force-enable it first (simulated IOMMU, device closed), then a non-coherent IOAS takes it");
	else if (cap == YES)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_NONCOHERENT_IOAS], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES,
		    "attach to a LIBIOMMU_IOAS_NONCOHERENT IOAS fails (EOPNOTSUPP): " TXT_IOMMUFD_ENFORCES);
	else
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_NONCOHERENT_IOAS], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_UNKNOWN_CAPABILITY,
		    "attach to a LIBIOMMU_IOAS_NONCOHERENT IOAS fails (EOPNOTSUPP): it cannot be shown that the IOMMU lets this device's no-snoop through");

	/* joining an IOAS that requires coherency */
	if (cap == YES && !forced)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_REQUIRE_COHERENT], LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_NONE,
		    "attach to a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS works: the IOMMU forces this device to snoop");
	else if (cap == NO)
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_REQUIRE_COHERENT], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK,
		    "attach to a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS fails (EPERM): the IOMMU cannot force this device to snoop");
	else
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_REQUIRE_COHERENT], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_UNKNOWN_CAPABILITY,
		    "attach to a LIBIOMMU_IOAS_REQUIRE_COHERENT IOAS fails (EPERM): it cannot be shown that the IOMMU forces this device to snoop");

	/* the device's Enable No Snoop bit */
	if (fx->cfg_err == -EBADF) {
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_NO_DEVICE_FD,
		    "adopted device: no VFIO fd to reach its config space");
		ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP] = ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP];
	} else if (fx->cfg_err == -ENODEV) {
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_NOT_PCI,
		    "not a PCI device: no Device Control register through VFIO");
		ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP] = ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP];
	} else if (fx->cfg_err) {
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_UNKNOWN,
		    LIBIOMMU_COHERENCY_REASON_NONE, "config space read failed: %s",
		    strerror(-fx->cfg_err));
		ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP] = ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP];
	} else if (!fx->pcie) {
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_NO_PCIE,
		    "no PCIe capability: there is no Enable No Snoop bit to clear");
		ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP] = ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP];
		setf(ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP].text, TEXT_LEN,
		     "no PCIe capability: there is no Enable No Snoop bit to set");
	} else if (fx->devctl & CFG_DEVCTL_NOSNOOP_EN) {
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
		    LIBIOMMU_COHERENCY_REASON_NONE,
		    "it can be cleared, but it stays writable: a guest can set it again (vfio-pci does not virtualise it), so the device stays in box %d; and KVM's WBINVD decision does not look at it (box 3 and 4 are the same to KVM)",
		    box);
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_ALREADY,
		    LIBIOMMU_COHERENCY_REASON_ALREADY, "Enable No Snoop is set");
	} else {
		CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_ALREADY,
		    LIBIOMMU_COHERENCY_REASON_ALREADY, "Enable No Snoop is clear");
		if (fx->ns_writable == LU_ENF_NO)
			CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
			    LIBIOMMU_COHERENCY_REASON_NOSNOOP_HARDWIRED,
			    "Enable No Snoop is hard-wired to 0 on this device (it does not stick)");
		else if (fx->ns_writable == LU_ENF_YES)
			CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
			    LIBIOMMU_COHERENCY_REASON_NONE,
			    "Enable No Snoop is clear and writable: setting it lets the device issue no-snoop (it is in box %d either way: a writable bit counts as \"may issue\")",
			    box);
		else
			CHG(&ch[LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP], LIBIOMMU_COHERENCY_VERDICT_UNKNOWN,
			    LIBIOMMU_COHERENCY_REASON_NONE,
			    "Enable No Snoop is clear; whether it sticks was not probed (the device is added to a KVM VM)");
	}
}

static void dev_name(const struct lu_facts *fx, struct libiommu_coherency *c)
{
	char bdf[96];

	snprintf(bdf, sizeof(bdf), "%s", fx->parent);
	if (!*bdf && fx->km_err == 0)
		snprintf(bdf, sizeof(bdf), "%s", fx->di.out_name);
	if (!*bdf)
		snprintf(bdf, sizeof(bdf), "device %" PRIu32, fx->dev_id);
	if (fx->cfg_err == 0 || fx->pcie)
		setf(c->name, sizeof(c->name), "%s (%s%s%04x:%04x%s)", bdf,
		     fx->node, *fx->node ? ", " : "", fx->vendor, fx->device,
		     fx->sim ? ", simulated" : "");
	else if (*fx->node)
		setf(c->name, sizeof(c->name), "%s (%s)", bdf, fx->node);
	else
		setf(c->name, sizeof(c->name), "%s", bdf);
}

/* Fill a device report from its facts. */
void lu_coh_decide_dev(const struct lu_facts *fx, struct libiommu_coherency *c)
{
	struct lu_coh_item *f = c->f;
	enum libiommu_coherency_answer row, col, wbinvd;
	const char *rowsrc;
	int box;

	c->kind = LU_COH_DEV;
	dev_name(fx, c);
	lu_coh_can_block(fx, &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK]);
	ans_blocks(fx, &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK], &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS]);
	ans_nosnoop(fx, &f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP]);
	ans_policy(fx, &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK], &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS],
		   &f[LIBIOMMU_COHERENCY_FIELD_POLICY]);
	c->hwpt_id = fx->pt_how != LU_PT_CONTAINER ? fx->hwpt_id : 0;

	/*
	 * The row: what the IOMMU does now.  A device not attached yet gets
	 * the row it will have when the library places it (a HWPT that
	 * enforces exactly when its IOMMU can); an attached one whose HWPT is
	 * not known has no row: the capability does not say where it runs.
	 */
	if (fx->pt_how == LU_PT_NONE) {
		row = f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value;
		rowsrc = "IOMMU can block no-snoop\" (not attached yet: the library places a device on a HWPT that enforces exactly when its IOMMU can";
	} else {
		row = f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value;
		rowsrc = "IOMMU blocks it now\" (the HWPT it runs on";
	}
	col = f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP].value;
	c->row = row;
	box = box_of(row, col);
	if (box)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_BOX], box, LIBIOMMU_COHERENCY_SOURCE_DERIVED,
		     "row from \"%s), column from \"device may issue no-snoop\"",
		     rowsrc);
	else
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_BOX], 0, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: the %s is unknown", row == UNK ? "row" : "column");

	if (box)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT], yes_no(box != 3),
		     LIBIOMMU_COHERENCY_SOURCE_DERIVED, "box %d", box);
	else if (row == YES || col == NO)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT], YES, LIBIOMMU_COHERENCY_SOURCE_DERIVED,
		     "%s", row == YES ? "the IOMMU blocks no-snoop" : "the device never issues no-snoop");
	else
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known (box unknown)");

	if (f[LIBIOMMU_COHERENCY_FIELD_POLICY].value != LIBIOMMU_COHERENCY_POLICY_UNKNOWN)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD],
		     yes_no(f[LIBIOMMU_COHERENCY_FIELD_POLICY].value == LIBIOMMU_COHERENCY_POLICY_ENABLE),
		     f[LIBIOMMU_COHERENCY_FIELD_POLICY].src,
		     "once its file is added to a VM's kvm-vfio device (the kernel's default policy)");
	else
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: the kernel's policy is unknown");
	c->wbinvd_needed = box ? yes_no(box == 3) : UNK;
	ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
	     "read back for a KVM VM only (libiommu_coherency_get_kvm)");

	/* The hazard: DMA that needs WBINVD while KVM will not emulate it. */
	wbinvd = f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value;
	if (box == 3 && wbinvd == NO)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], YES, LIBIOMMU_COHERENCY_SOURCE_DERIVED,
		     "its no-snoop DMA bypasses the CPU caches (box 3), but VFIO will tell KVM its DMA is coherent (its IOMMU can block no-snoop, although the HWPT it runs on does not): KVM will not emulate WBINVD for the guest");
	else if (box == 3 && wbinvd == UNK)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known: box 3, and what VFIO will tell KVM is not known");
	else if (box)
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], NO, LIBIOMMU_COHERENCY_SOURCE_DERIVED,
		     "%s", box == 3 ? "box 3, and KVM will emulate WBINVD" : "its DMA is coherent");
	else
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "not known (box unknown)");
	c->hwpt_enforced = f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value;
	dev_changes(fx, c);
}

/* ---- an IOAS's or a VM's answers from its devices' -------------------------- */

/* Combine the members' answers to @field: all the same, else MIXED. */
static void agg_same(struct libiommu_coherency *c, enum libiommu_coherency_field fld)
{
	int v = c->members[0]->f[fld].value;
	size_t i;

	for (i = 1; i < c->nr_members; i++)
		if (c->members[i]->f[fld].value != v)
			v = (v == UNK || c->members[i]->f[fld].value == UNK) &&
					    v != MIXED
				    ? UNK
				    : MIXED;
	if (c->nr_members == 1)
		c->f[fld] = c->members[0]->f[fld];
	else
		ITEM(&c->f[fld], v, LIBIOMMU_COHERENCY_SOURCE_DEVICES, "%s over %zu devices",
		     v == MIXED ? "differs" : v == UNK ? "unknown for some"
						       : "the same",
		     c->nr_members);
}

/* Combine: YES if any member says YES (@any) or if all do (!@any). */
static void agg_bool(struct libiommu_coherency *c, enum libiommu_coherency_field fld,
		     bool any, const char *what)
{
	size_t i, yes = 0, no = 0;
	int v;

	for (i = 0; i < c->nr_members; i++) {
		yes += c->members[i]->f[fld].value == YES;
		no += c->members[i]->f[fld].value == NO;
	}
	if (any)
		v = yes ? YES : no == c->nr_members ? NO
						    : UNK;
	else
		v = no ? NO : yes == c->nr_members ? YES
						   : UNK;
	ITEM(&c->f[fld], v, LIBIOMMU_COHERENCY_SOURCE_DEVICES, "%zu of %zu devices %s",
	     yes, c->nr_members, what);
}

static void agg_changes(struct libiommu_coherency *c)
{
	size_t i, k;

	for (k = 0; k < LIBIOMMU_COHERENCY_CHANGE__COUNT; k++) {
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

			CHG(&c->chg[k], LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE,
			    LIBIOMMU_COHERENCY_REASON_DEVICES_DIFFER, "not for all of its devices:");
			sb.buf = c->chg[k].text;
			sb.len = sizeof(c->chg[k].text);
			sb.pos = strlen(sb.buf);
			for (i = 0; i < c->nr_members; i++) {
				const char *n = c->members[i]->name;

				sb_printf(&sb, "%s %.*s %s", i ? "," : "",
					  (int)strcspn(n, " "), n,
					  lu_coh_verdict_name(c->members[i]->chg[k].verdict));
			}
		}
	}
}

void lu_coh_decide_aggregate(struct libiommu_coherency *c,
			     const struct lu_agg_facts *af)
{
	struct lu_coh_item *f = c->f;
	size_t nr = c->nr_members, i, k;
	int box = 0;

	c->kind = af->kvm ? LU_COH_KVM : LU_COH_IOAS;

	if (nr == 0) {
		for (k = 0; k < LIBIOMMU_COHERENCY_FIELD__COUNT; k++)
			ITEM(&f[k], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE, "no device %s",
			     af->kvm ? "added" : "attached");
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT], YES, LIBIOMMU_COHERENCY_SOURCE_DEVICES,
		     "no device: no DMA");
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD], NO, LIBIOMMU_COHERENCY_SOURCE_DEVICES,
		     "no VFIO file added: nothing makes KVM emulate WBINVD");
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_POLICY], LIBIOMMU_COHERENCY_POLICY_DISABLE,
		     LIBIOMMU_COHERENCY_SOURCE_DEVICES, "no device");
		for (k = 0; k < LIBIOMMU_COHERENCY_CHANGE__COUNT; k++)
			CHG(&c->chg[k], LIBIOMMU_COHERENCY_VERDICT_UNKNOWN,
			    LIBIOMMU_COHERENCY_REASON_NO_DEVICES, "no device to change");
		c->wbinvd_needed = NO;
	} else {
		agg_same(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK);
		agg_same(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS);
		agg_same(c, LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP);
		agg_bool(c, LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT, false, "coherent");
		agg_bool(c, LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD, true, "make KVM emulate it");
		c->wbinvd_needed = NO;
		for (i = 0; i < nr; i++) {
			int b = c->members[i]->f[LIBIOMMU_COHERENCY_FIELD_BOX].value;

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
			ITEM(&f[LIBIOMMU_COHERENCY_FIELD_BOX], box, LIBIOMMU_COHERENCY_SOURCE_DEVICES,
			     "the box of the device that asks most of KVM (3, 4, 1, 2)");
		else
			ITEM(&f[LIBIOMMU_COHERENCY_FIELD_BOX], 0, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "not known for every device");
		/* KVM counts the VM non-coherent if any file is not enforced. */
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_POLICY],
		     f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value == YES ? LIBIOMMU_COHERENCY_POLICY_ENABLE : f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value == NO ? LIBIOMMU_COHERENCY_POLICY_DISABLE
																				 : LIBIOMMU_COHERENCY_POLICY_UNKNOWN,
		     LIBIOMMU_COHERENCY_SOURCE_DEVICES,
		     "enable if any device's policy is enable");
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
		     "read back for a KVM VM only");
		agg_changes(c);
	}

	if (nr)
		agg_bool(c, LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD, true,
			 "have DMA that needs WBINVD while KVM will not emulate it");
	else
		ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], NO, LIBIOMMU_COHERENCY_SOURCE_DEVICES,
		     "no device");
	c->row = f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value != UNK ? f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value : f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value;

	/* A VM: KVM's own answer, read back through the module. */
	if (af->kvm) {
		int rc = af->kvm_rc;

		if (rc >= 0) {
			c->kvm_count = af->kvm_count;
			ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT], yes_no(rc == 1),
			     LIBIOMMU_COHERENCY_SOURCE_MODULE,
			     "module: KVM's non-coherent DMA count is %" PRIu32 "%s", af->kvm_count,
			     f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value != UNK &&
					     (int)yes_no(rc == 1) != f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value
				     ? " (not what its devices predict: a VFIO file added by other means?)"
				     : "");
		} else {
			ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT], UNK, LIBIOMMU_COHERENCY_SOURCE_NONE,
			     "cannot be known: KVM keeps it internal (companion %s)",
			     af->kvm_why ? lu_kmod_why(af->kvm_why) : rc == -EOPNOTSUPP ? "module cannot read KVM: no /dev/kvm when it was loaded"
											: "module's KVM_NONCOHERENT failed");
		}
		/*
		 * The hazard, from what KVM really does: a device in box 3
		 * while KVM counts no non-coherent DMA.
		 */
		if (rc == 0) {
			const struct libiommu_coherency *m3 = NULL;

			for (i = 0; i < nr && !m3; i++)
				if (c->members[i]->f[LIBIOMMU_COHERENCY_FIELD_BOX].value == 3)
					m3 = c->members[i];
			if (m3)
				ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], YES, LIBIOMMU_COHERENCY_SOURCE_MODULE,
				     "%s is in box 3 (its no-snoop DMA bypasses the CPU caches) but KVM's non-coherent DMA count is 0: KVM does not emulate WBINVD for the guest",
				     m3->name);
			else if (box > 0)
				ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], NO, LIBIOMMU_COHERENCY_SOURCE_MODULE,
				     "no device in box 3");
		} else if (rc == 1) {
			ITEM(&f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD], NO, LIBIOMMU_COHERENCY_SOURCE_MODULE,
			     "KVM counts non-coherent DMA (%" PRIu32 "): it emulates WBINVD",
			     af->kvm_count);
		}
	}
}
