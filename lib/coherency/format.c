// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency reports as text (libiommu_coherency_format/print) and the
 * names of the coherency enums.  The layout is for people: the 2x2 matrix
 * with the occupied boxes in brackets, every answer with its source, the
 * policy changes with their reasons.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "coherency/coherency.h"

/* ---- public: names ------------------------------------------------------------ */

LIBIOMMU_API const char *libiommu_coherency_answer_name(enum libiommu_coherency_answer a)
{
	static const char *const n[] = { "unknown", "no", "yes", "mixed" };

	return (unsigned int)a < LU_ARRAY_SIZE(n) ? n[a] : NULL;
}

LIBIOMMU_API const char *libiommu_coherency_source_name(enum libiommu_coherency_source s)
{
	static const char *const n[LIBIOMMU_COHERENCY_SOURCE__COUNT] = {
		[LIBIOMMU_COHERENCY_SOURCE_NONE] = "none",
		[LIBIOMMU_COHERENCY_SOURCE_HW_INFO] = "hw-info",
		[LIBIOMMU_COHERENCY_SOURCE_VFIO] = "vfio",
		[LIBIOMMU_COHERENCY_SOURCE_MODULE] = "module",
		[LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE] = "config-space",
		[LIBIOMMU_COHERENCY_SOURCE_DERIVED] = "derived",
		[LIBIOMMU_COHERENCY_SOURCE_DEVICES] = "devices",
		[LIBIOMMU_COHERENCY_SOURCE_HWPT] = "hwpt",
	};

	return (unsigned int)s < LU_ARRAY_SIZE(n) ? n[s] : NULL;
}

LIBIOMMU_API const char *libiommu_coherency_change_name(enum libiommu_coherency_change c)
{
	static const char *const n[] = {
		"force-enable (1->3)",
		"non-coherent IOAS",
		"require-coherent IOAS",
		"clear Enable No Snoop",
		"set Enable No Snoop",
	};

	return (unsigned int)c < LU_ARRAY_SIZE(n) ? n[c] : NULL;
}

const char *lu_coh_verdict_name(enum libiommu_coherency_verdict v)
{
	static const char *const n[] = { "unknown", "impossible", "possible",
					 "already" };

	return (unsigned int)v < LU_ARRAY_SIZE(n) ? n[v] : NULL;
}

LIBIOMMU_API const char *libiommu_coherency_verdict_name(enum libiommu_coherency_verdict v)
{
	return lu_coh_verdict_name(v);
}

LIBIOMMU_API const char *libiommu_coherency_reason_str(enum libiommu_coherency_reason r)
{
	static const char *const n[LIBIOMMU_COHERENCY_REASON__COUNT] = {
		[LIBIOMMU_COHERENCY_REASON_NONE] = "nothing stands in the way",
		[LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES] = TXT_IOMMUFD_ENFORCES,
		[LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK] =
			"the IOMMU cannot block no-snoop for this device",
		[LIBIOMMU_COHERENCY_REASON_SIM_KNOB] =
			"possible through the companion module's simulated IOMMU",
		[LIBIOMMU_COHERENCY_REASON_DEVICE_OPEN] =
			"the simulated IOMMU takes the policy when the device is bound: change it while the device is closed",
		[LIBIOMMU_COHERENCY_REASON_NO_PCIE] =
			"no PCIe capability: no Enable No Snoop bit, the device never issues no-snoop",
		[LIBIOMMU_COHERENCY_REASON_NOSNOOP_HARDWIRED] =
			"the device's Enable No Snoop bit is not writable (the write did not stick)",
		[LIBIOMMU_COHERENCY_REASON_NOT_PCI] =
			"not a PCI device: no config space through VFIO",
		[LIBIOMMU_COHERENCY_REASON_NO_DEVICE_FD] =
			"adopted device: no VFIO device fd",
		[LIBIOMMU_COHERENCY_REASON_UNKNOWN_CAPABILITY] =
			"whether the IOMMU can block no-snoop for this device is not known",
		[LIBIOMMU_COHERENCY_REASON_ALREADY] = "already so",
		[LIBIOMMU_COHERENCY_REASON_MODULE_NOT_LOADED] =
			"needs the companion module (kmod/), which is not loaded",
		[LIBIOMMU_COHERENCY_REASON_DEVICES_DIFFER] = "its devices differ",
		[LIBIOMMU_COHERENCY_REASON_NO_DEVICES] = "no device",
	};

	return (unsigned int)r < LU_ARRAY_SIZE(n) ? n[r] : NULL;
}

/* ---- printing ------------------------------------------------------------------ */

static const char *policy_words(int p)
{
	switch (p) {
	case LIBIOMMU_COHERENCY_POLICY_DISABLE:
		return "disable";
	case LIBIOMMU_COHERENCY_POLICY_ENABLE:
		return "enable";
	default:
		return "unknown";
	}
}

static bool in_box(const struct libiommu_coherency *c, int box)
{
	size_t i;

	if (!c->nr_members)
		return c->f[LIBIOMMU_COHERENCY_FIELD_BOX].value == box;
	for (i = 0; i < c->nr_members; i++)
		if (c->members[i]->f[LIBIOMMU_COHERENCY_FIELD_BOX].value == box)
			return true;
	return false;
}

/* One row of the matrix, the occupied boxes in [brackets]. */
static void matrix_row(struct sbuf *sb, const struct libiommu_coherency *c,
		       const char *ind, const char *label, int left)
{
	sb_printf(sb, "%s  %-22s |            %s%d%s            |       %s%d%s\n",
		  ind, label,
		  in_box(c, left) ? "[" : " ", left, in_box(c, left) ? "]" : " ",
		  in_box(c, left + 1) ? "[" : " ", left + 1,
		  in_box(c, left + 1) ? "]" : "");
}

static void line(struct sbuf *sb, const char *ind, const char *label,
		 const char *value, const struct lu_coh_item *it)
{
	sb_printf(sb, "%s  %-26s %-8s %-13s %s\n", ind, label, value,
		  libiommu_coherency_source_name(it->src), it->detail);
}

static void format(struct sbuf *sb, const struct libiommu_coherency *c,
		   const char *ind);

/* An IOAS or KVM report's devices: one line each, then their reports. */
static void format_members(struct sbuf *sb, const struct libiommu_coherency *c,
			   const char *ind)
{
	char ind2[64];
	size_t i;

	sb_printf(sb, "%s  devices:\n", ind);
	for (i = 0; i < c->nr_members; i++) {
		const struct libiommu_coherency *m = c->members[i];

		sb_printf(sb, "%s    box %d  %s\n", ind,
			  m->f[LIBIOMMU_COHERENCY_FIELD_BOX].value, m->name);
	}
	snprintf(ind2, sizeof(ind2), "%s    ", ind);
	for (i = 0; i < c->nr_members; i++) {
		sb_printf(sb, "\n");
		format(sb, c->members[i], ind2);
	}
}

static void format(struct sbuf *sb, const struct libiommu_coherency *c,
		   const char *ind)
{
	const struct lu_coh_item *f = c->f;
	int box = f[LIBIOMMU_COHERENCY_FIELD_BOX].value;
	char boxv[16];
	size_t k;

	if (c->kind == LU_COH_DEV)
		sb_printf(sb, "%s%s\n", ind, c->name);
	else
		sb_printf(sb, "%s%s: %zu device%s\n", ind, c->name, c->nr_members,
			  c->nr_members == 1 ? "" : "s");
	sb_printf(sb, "%s                         | device may issue no-snoop | device never does\n", ind);
	matrix_row(sb, c, ind, "IOMMU blocks no-snoop", 1);
	matrix_row(sb, c, ind, "IOMMU lets it through", 3);
	if (box)
		sb_printf(sb, "%s  => box %d: DMA %s; KVM %s WBINVD%s\n", ind, box,
			  box == 3 ? "not coherent (no-snoop bypasses the CPU caches)" : "coherent",
			  f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value == YES ? "emulates" : f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value == NO ? "does not emulate"
																		: "may emulate",
			  box == 3 ? " (needed here)" : box == 4 ? " (not needed: no no-snoop DMA)"
								 : "");
	else
		sb_printf(sb, "%s  => box unknown\n", ind);

	sb_printf(sb, "%s  %-26s %-8s %-13s %s\n", ind, "", "answer", "source", "how");
	line(sb, ind, "IOMMU can block no-snoop",
	     libiommu_coherency_answer_name(f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value),
	     &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK]);
	line(sb, ind, "IOMMU blocks it now",
	     libiommu_coherency_answer_name(f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value),
	     &f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS]);
	line(sb, ind, "device may issue no-snoop",
	     libiommu_coherency_answer_name(f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP].value),
	     &f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP]);
	snprintf(boxv, sizeof(boxv), box ? "%d" : "unknown", box);
	line(sb, ind, "box", boxv, &f[LIBIOMMU_COHERENCY_FIELD_BOX]);
	line(sb, ind, "DMA coherent",
	     libiommu_coherency_answer_name(f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value),
	     &f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT]);
	line(sb, ind, "KVM emulates WBINVD",
	     libiommu_coherency_answer_name(f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value),
	     &f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD]);
	sb_printf(sb, "%s  %-26s %-8s %-13s %s\n", ind, "... and DMA needs it",
		  libiommu_coherency_answer_name(c->wbinvd_needed), "derived",
		  "only box 3 needs WBINVD");
	line(sb, ind, "kernel default policy",
	     policy_words(f[LIBIOMMU_COHERENCY_FIELD_POLICY].value), &f[LIBIOMMU_COHERENCY_FIELD_POLICY]);
	if (c->kind == LU_COH_KVM)
		line(sb, ind, "KVM non-coherent DMA",
		     libiommu_coherency_answer_name(f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT].value),
		     &f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT]);
	sb_printf(sb, "%s  policy changes:\n", ind);
	for (k = 0; k < LIBIOMMU_COHERENCY_CHANGE__COUNT; k++)
		sb_printf(sb, "%s    %-24s %-11s %s\n", ind,
			  libiommu_coherency_change_name(k),
			  libiommu_coherency_verdict_name(c->chg[k].verdict),
			  c->chg[k].text);
	if (c->nr_members)
		format_members(sb, c, ind);
}

LIBIOMMU_API int libiommu_coherency_format(const struct libiommu_coherency *coh,
					   char *buf, size_t len)
{
	struct sbuf sb = { .buf = buf, .len = buf ? len : 0 };

	if (!coh)
		return lu_ret(-EINVAL);
	if (sb.len)
		buf[0] = '\0';
	format(&sb, coh, "");
	if (sb.pos > INT_MAX)
		return lu_ret(-EOVERFLOW);
	return (int)sb.pos;
}

LIBIOMMU_API int libiommu_coherency_write(const struct libiommu_coherency *coh,
					  int fd)
{
	size_t done = 0, len;
	char *buf;
	int n, rc = 0;

	if (!coh || fd < 0)
		return lu_ret(-EINVAL);
	n = libiommu_coherency_format(coh, NULL, 0);
	if (n < 0)
		return n;
	len = (size_t)n;
	buf = malloc(len + 1);
	if (!buf)
		return lu_ret(-ENOMEM);
	libiommu_coherency_format(coh, buf, len + 1);
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)w;
	}
	free(buf);
	return lu_ret(rc);
}
