// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency policy: the IOAS flags' attach rule (a hook of dev.c's attach),
 * force-enable (the /dev/ioasid RFC's box 1 -> 3), and the device's PCIe
 * "Enable No Snoop" bit.  Upstream Linux has none of the RFC's policy
 * uAPI: where a change is impossible the caller gets -EOPNOTSUPP and the
 * kernel rule that prevents it; the companion module's simulated IOMMU
 * has the knob and gets it done.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "coherency/coherency.h"
#include "util/kmod.h"
#include "util/sysfs.h"

/* ---- the IOAS policy (hooks of dev.c and hwpt.c) --------------------------------- */

int lu_coh_dev_cap(struct libiommu_dev *dev, int *cap)
{
	struct lu_coh_item it;
	struct lu_facts fx;
	int rc;

	if (dev->cap == LU_CAP_UNASKED) {
		rc = lu_coh_gather_cap(dev, &fx);
		if (rc)
			return rc;
		lu_coh_can_block(&fx, &it);
		dev->cap = it.value == YES ? LU_ENF_YES : it.value == NO ? LU_ENF_NO
									 : LU_ENF_UNKNOWN;
		dev->cap_sim = fx.sim;
		setf(dev->cap_why, sizeof(dev->cap_why), "%s", it.detail);
	}
	*cap = dev->cap;
	return 0;
}

static const char *enf_words(int enforce)
{
	return enforce == LU_ENF_YES ? "forces snooping" : enforce == LU_ENF_NO ? "does not force snooping"
										: "forces snooping or not: it is not known";
}

int lu_coh_check_policy(struct libiommu_dev *dev, const char *fn,
			struct libiommu_ioas *ioas, int enforce,
			const char *what)
{
	struct libiommu_ctx *ctx = dev->ctx;
	uint32_t flags = ioas ? ioas->coh_flags : 0;

	if (!(flags & LU_IOAS_COH_FLAGS))
		return 0;
	if (flags & LIBIOMMU_IOAS_REQUIRE_COHERENT) {
		if (enforce == LU_ENF_YES) {
			lu_dbg(ctx, "%s: IOAS %" PRIu32 " requires coherency; device %" PRIu32 " runs on %s, which forces snooping",
			       fn, ioas->id, dev->id, what);
			return 0;
		}
		return lu_fail(ctx, -EPERM,
			       "%s: IOAS %" PRIu32 " requires coherent DMA (LIBIOMMU_IOAS_REQUIRE_COHERENT) but device %" PRIu32 " would run on %s, which %s (its IOMMU: %s): its no-snoop DMA could bypass the CPU caches; nothing was attached or allocated",
			       fn, ioas->id, dev->id, what, enf_words(enforce),
			       dev->cap_why);
	}
	/* LIBIOMMU_IOAS_NONCOHERENT */
	if (enforce == LU_ENF_NO) {
		lu_dbg(ctx, "%s: device %" PRIu32 " joins non-coherent IOAS %" PRIu32 " on %s, which does not force snooping",
		       fn, dev->id, ioas->id, what);
		return 0;
	}
	if (enforce == LU_ENF_YES && dev->cap_sim)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: IOAS %" PRIu32 " is non-coherent (LIBIOMMU_IOAS_NONCOHERENT) but device %" PRIu32 " would run on %s, which forces snooping (the simulated IOMMU): force-enable the device with libiommu_coherency_force_enable() before opening it; nothing was attached or allocated",
			       fn, ioas->id, dev->id, what);
	if (enforce == LU_ENF_YES)
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: IOAS %" PRIu32 " is non-coherent (LIBIOMMU_IOAS_NONCOHERENT) but device %" PRIu32 " would run on %s, which forces snooping (its IOMMU: %s), and " TXT_IOMMUFD_ENFORCES "; nothing was attached or allocated",
			       fn, ioas->id, dev->id, what, dev->cap_why);
	return lu_fail(ctx, -EOPNOTSUPP,
		       "%s: IOAS %" PRIu32 " is non-coherent (LIBIOMMU_IOAS_NONCOHERENT) and it cannot be shown that %s lets device %" PRIu32 "'s no-snoop through (its IOMMU: %s); if it can block it, " TXT_IOMMUFD_ENFORCES "; nothing was attached or allocated",
		       fn, ioas->id, what, dev->id, dev->cap_why);
}

/* ---- policy operations --------------------------------------------------------- */

static int set_reason(enum libiommu_coherency_reason *out, enum libiommu_coherency_reason r,
		      int rc)
{
	if (out)
		*out = r;
	return rc;
}

LIBIOMMU_API int libiommu_coherency_force_enable(struct libiommu_ctx *ctx,
						 const char *path, bool enable,
						 enum libiommu_coherency_reason *reason)
{
	const char *fn = __func__;
	struct libiommu_kmod_sim_dev_info si;
	struct libiommu_kmod_dev_info di;
	struct libiommu_dev *d;
	struct lu_kmod km;
	int fd, km_err, rc, di_rc = -ENOENT, dcap = LU_ENF_UNKNOWN, cap_rc = 0;
	bool open_dev = false;
	bool sim = false, cap;
	struct stat st;

	if (reason)
		*reason = LIBIOMMU_COHERENCY_REASON_NONE;
	if (!ctx)
		return lu_fail(NULL, -EINVAL, "%s: ctx is NULL", fn);
	LU_OWNER_CHECK(ctx, fn);
	if (!path)
		return lu_fail(ctx, -EINVAL, "%s: path is NULL", fn);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		/* a directory (EISDIR), a VFIO group in use (EBUSY), ... */
		if (err != ENOENT && err != EACCES && err != EPERM &&
		    lu_path_is_vfio_cdev(path) == 0)
			return lu_fail(ctx, -ENOTTY,
				       "%s: %s is not a VFIO device cdev (/dev/vfio/devices/vfioN); opening it failed: %s",
				       fn, path, strerror(err));
		return lu_fail(ctx, -err, "%s: cannot open %s: %s", fn, path,
			       strerror(err));
	}
	rc = lu_is_vfio_cdev(fd);
	if (rc <= 0) {
		close(fd);
		return rc ? lu_fail(ctx, rc, "%s: cannot tell whether %s is a VFIO device cdev: %s",
				    fn, path, strerror(-rc))
			  : lu_fail(ctx, -ENOTTY,
				    "%s: %s is not a VFIO device cdev (/dev/vfio/devices/vfioN)",
				    fn, path);
	}
	km_err = lu_kmod_open(&km);
	if (!km_err) {
		di_rc = lu_kmod_dev_info(&km, fd, &di);
		sim = lu_kmod_sim_info_fd(&km, fd, &si) == 0;
	}
	/*
	 * A handle of @ctx on the same device can tell its IOMMU's registers;
	 * asked under the lock, so that another thread cannot free the handle
	 * between finding it and asking.
	 */
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		lu_lock(ctx);
		lu_list_for_each(d, &ctx->dev_list, node) {
			struct stat ds;

			if (d->fd >= 0 && fstat(d->fd, &ds) == 0 &&
			    S_ISCHR(ds.st_mode) && ds.st_rdev == st.st_rdev) {
				open_dev = true;
				if (di_rc && !sim)
					cap_rc = lu_coh_dev_cap(d, &dcap);
				break;
			}
		}
		lu_unlock(ctx);
	}
	/* The simulated IOMMU samples the knob at bind: no fd may be open. */
	close(fd);

	if (sim) {
		uint32_t want = enable ? LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE : 0;
		bool can = si.out_iommu_flags & LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL;

		if ((si.out_dev_flags & LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE) == want) {
			lu_kmod_close(&km);
			lu_info(ctx, "%s: %s is already %sforce-enabled", fn, path,
				enable ? "" : "not ");
			return set_reason(reason, LIBIOMMU_COHERENCY_REASON_ALREADY, 0);
		}
		rc = lu_kmod_sim_set(&km, si.dev_id, want);
		lu_kmod_close(&km);
		if (rc == -EBUSY)
			return set_reason(reason, LIBIOMMU_COHERENCY_REASON_DEVICE_OPEN,
					  lu_fail(ctx, -EBUSY,
						  "%s: %s is open (bound to an iommufd, or held by KVM's kvm-vfio device): the simulated IOMMU takes this policy when the device is bound; call it before libiommu_dev_open() or after libiommu_dev_free() and libiommu_kvm_del_dev()",
						  fn, path));
		if (rc)
			return lu_fail(ctx, rc, "%s: SIM_DEV_SET on %s failed: %s",
				       fn, path, strerror(-rc));
		lu_info(ctx, "%s: %s %s on simulated IOMMU %" PRIu32 "%s", fn, path,
			enable ? "force-enabled: its no-snoop DMA goes through (box 1 -> 3) and KVM will emulate WBINVD" : "force-enable undone: the IOMMU enforces snoop again",
			si.out_iommu_id,
			can ? "" : " (which cannot block no-snoop anyway)");
		return set_reason(reason, can ? LIBIOMMU_COHERENCY_REASON_SIM_KNOB : LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK, 0);
	}
	if (!km_err)
		lu_kmod_close(&km);

	/* Upstream iommufd: nothing to turn, only to explain. */
	if (di_rc && open_dev) {
		if (cap_rc)
			return lu_fail(ctx, cap_rc, "%s: %s: asking its IOMMU failed: %s",
				       fn, path, strerror(-cap_rc));
		if (dcap != LU_ENF_UNKNOWN) {
			di_rc = 0;
			memset(&di, 0, sizeof(di));
			if (dcap == LU_ENF_YES)
				di.out_flags = LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC;
		}
	}
	if (di_rc) {
		if (!enable) {
			lu_info(ctx, "%s: %s: nothing to undo: upstream iommufd has no force-enable", fn, path);
			return set_reason(reason, LIBIOMMU_COHERENCY_REASON_ALREADY, 0);
		}
		return set_reason(reason, LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES,
				  lu_fail(ctx, -EOPNOTSUPP,
					  "%s: %s: " TXT_IOMMUFD_ENFORCES " (if its IOMMU cannot block no-snoop, force-enable is already in effect; which one is not known: %s)",
					  fn, path, km_err ? lu_kmod_why(km_err) : strerror(-di_rc)));
	}
	cap = di.out_flags & LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC;
	if (enable && cap)
		return set_reason(reason, LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES,
				  lu_fail(ctx, -EOPNOTSUPP, "%s: %s: " TXT_IOMMUFD_ENFORCES,
					  fn, path));
	if (enable) {
		lu_info(ctx, "%s: %s: already in effect: its IOMMU cannot block no-snoop, so DMA is not enforced-coherent and KVM emulates WBINVD",
			fn, path);
		return set_reason(reason, LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK, 0);
	}
	if (cap) {
		lu_info(ctx, "%s: %s: not force-enabled: the IOMMU enforces snoop", fn, path);
		return set_reason(reason, LIBIOMMU_COHERENCY_REASON_ALREADY, 0);
	}
	return set_reason(reason, LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK,
			  lu_fail(ctx, -EOPNOTSUPP,
				  "%s: %s: its IOMMU cannot block no-snoop: nothing can make it enforce snoop",
				  fn, path));
}

static void res_out(struct libiommu_nosnoop_result *res,
		    const struct libiommu_nosnoop_result *r)
{
	if (res)
		lu_result_copy(res, res->sz, r,
			       lu_offsetofend(struct libiommu_nosnoop_result, reason));
}

LIBIOMMU_API int libiommu_coherency_set_nosnoop(struct libiommu_dev *dev,
						bool enable,
						struct libiommu_nosnoop_result *res)
{
	const char *fn = __func__;
	struct libiommu_nosnoop_result r;
	struct libiommu_coherency c;
	struct libiommu_ctx *ctx;
	struct lu_facts fx;
	uint16_t want, after;
	uint8_t b[2];
	int rc;

	if (!dev)
		return lu_fail(NULL, -EINVAL, "%s: dev is NULL", fn);
	ctx = dev->ctx;
	LU_OWNER_CHECK(ctx, fn);
	if (res) {
		int err = lu_result_check(ctx, fn, "res", res->sz,
					  "libiommu_nosnoop_result");

		if (err)
			return err;
	}
	memset(&r, 0, sizeof(r));
	if (dev->fd < 0) {
		r.reason = LIBIOMMU_COHERENCY_REASON_NO_DEVICE_FD;
		res_out(res, &r);
		return lu_fail(ctx, -EBADF,
			       "%s: device %" PRIu32 " was adopted by id: no VFIO fd to reach its config space",
			       fn, dev->id);
	}
	memset(&c, 0, sizeof(c));
	rc = lu_coh_gather(dev, &fx, true, fn);
	if (rc)
		return rc;
	lu_coh_decide_dev(&fx, &c);
	r.box_before = r.box_after = c.f[LIBIOMMU_COHERENCY_FIELD_BOX].value;
	r.devctl_before = r.devctl_after = fx.devctl;
	r.stuck = true;

	if (fx.cfg_err == -ENODEV) {
		r.reason = LIBIOMMU_COHERENCY_REASON_NOT_PCI;
		r.stuck = false;
		res_out(res, &r);
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: %s is not a PCI device: it has no Device Control register",
			       fn, c.name);
	}
	if (fx.cfg_err) {
		r.stuck = false;
		res_out(res, &r);
		return lu_fail(ctx, fx.cfg_err, "%s: reading the config space of %s failed: %s",
			       fn, c.name, strerror(-fx.cfg_err));
	}
	if (!fx.pcie) {
		r.reason = LIBIOMMU_COHERENCY_REASON_NO_PCIE;
		r.stuck = !enable;
		res_out(res, &r);
		if (!enable) {
			lu_info(ctx, "%s: %s has no PCIe capability: there is no Enable No Snoop bit to clear (box %d)",
				fn, c.name, r.box_before);
			return 0;
		}
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: %s has no PCIe capability (conventional PCI): there is no Enable No Snoop bit to set; it stays in box %d",
			       fn, c.name, r.box_before);
	}
	want = enable ? fx.devctl | CFG_DEVCTL_NOSNOOP_EN : fx.devctl & ~CFG_DEVCTL_NOSNOOP_EN;
	if (want == fx.devctl) {
		r.reason = LIBIOMMU_COHERENCY_REASON_ALREADY;
		res_out(res, &r);
		lu_info(ctx, "%s: Enable No Snoop of %s is already %s (box %d)",
			fn, c.name, enable ? "set" : "clear", r.box_before);
		return 0;
	}
	b[0] = (uint8_t)want;
	b[1] = (uint8_t)(want >> 8);
	rc = lu_region_rw(dev, fn, LIBIOMMU_PCI_CONFIG_REGION,
			  fx.pcie_cap + CFG_EXP_DEVCTL, b, 2, true);
	if (rc) {
		r.stuck = false;
		res_out(res, &r);
		return rc;
	}
	rc = lu_coh_cfg16(dev, fn, fx.pcie_cap + CFG_EXP_DEVCTL, &after);
	if (rc) {
		r.stuck = false;
		res_out(res, &r);
		return rc;
	}
	r.devctl_after = after;
	r.changed = (after ^ fx.devctl) & CFG_DEVCTL_NOSNOOP_EN;
	r.stuck = (after & CFG_DEVCTL_NOSNOOP_EN) == (want & CFG_DEVCTL_NOSNOOP_EN);
	/*
	 * The column after: a bit that changed is writable, so the device
	 * may issue no-snoop either way (a guest can set it again); only a
	 * bit that did not stick puts it in "never".
	 */
	lu_lock(ctx);
	if (r.changed)
		dev->nosnoop_writable = LU_ENF_YES;
	else if (!r.stuck && enable)
		dev->nosnoop_writable = LU_ENF_NO;
	lu_unlock(ctx);
	r.box_after = box_of(c.row, yes_no(r.changed || (after & CFG_DEVCTL_NOSNOOP_EN)));
	if (!r.stuck) {
		r.reason = LIBIOMMU_COHERENCY_REASON_NOSNOOP_HARDWIRED;
		res_out(res, &r);
		return lu_fail(ctx, -EOPNOTSUPP,
			       "%s: wrote PCIe Device Control 0x%04x -> 0x%04x on %s but it reads back 0x%04x: the write did not stick, Enable No Snoop is not writable on this device (QEMU's emulated devices hardwire it to 0); it stays in box %d",
			       fn, fx.devctl, want, c.name, after, r.box_after);
	}
	res_out(res, &r);
	if (enable)
		lu_info(ctx, "%s: Enable No Snoop of %s set: it may issue no-snoop (box %d -> %d)",
			fn, c.name, r.box_before, r.box_after);
	else
		lu_info(ctx, "%s: Enable No Snoop of %s cleared: it issues no no-snoop now, but the bit stays writable (a guest can set it again: vfio-pci does not virtualise it), so it stays in box %d; and KVM's WBINVD decision does not change (it does not look at the device's bit: box 3 and 4 are the same to KVM)",
			fn, c.name, r.box_after);
	return 0;
}
