/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The coherency decision (lib/coherency/decide.c), a pure function, over
 * every combination of its sources: the companion module (absent, or its
 * capability answer and its reading of the domain), IOMMU_GET_HW_INFO
 * (VT-d snoop control yes/no, a type that does not tell, failed), where
 * the device runs (not attached, a HWPT the library placed it on, one the
 * caller allocated, one the kernel chose, a legacy container) and what is
 * known of it, the legacy container's VFIO answer, and the device's
 * config space (Enable No Snoop set, clear and writable, hard-wired, not
 * probed, no PCIe capability known or not, not PCI, no fd).  For each,
 * the report must equal what the rules below say, and hold its
 * invariants.  Then the aggregate of an IOAS or VM over every pair of
 * boxes (and each box alone) is its worst box, 3 before 4 before 1
 * before 2, and a KVM hazard appears exactly with a box-3 device while
 * KVM counts no non-coherent DMA.
 */
#include <stdlib.h>
#include <string.h>

#include "coherency/coherency.h"
#include "testutil.h"

#define A_YES LIBIOMMU_COHERENCY_ANSWER_YES
#define A_NO LIBIOMMU_COHERENCY_ANSWER_NO
#define A_UNK LIBIOMMU_COHERENCY_ANSWER_UNKNOWN
#define A_MIXED LIBIOMMU_COHERENCY_ANSWER_MIXED

enum km { KM_ABSENT,
	  KM_CAN,
	  KM_CANNOT,
	  KM__N };
enum hw { HW_FAILED,
	  HW_SC,
	  HW_NO_SC,
	  HW_SILENT,
	  HW__N };
enum where { W_NONE,
	     W_PLACED,
	     W_ALLOCATED,
	     W_KERNEL,
	     W_CONTAINER,
	     W__N };
enum col { C_SET,
	   C_WRITABLE,
	   C_HARDWIRED,
	   C_UNPROBED,
	   C_NOPCIE_KNOWN,
	   C_NOPCIE,
	   C_NOT_PCI,
	   C_NO_FD,
	   C__N };

static const int enfs[] = { LU_ENF_YES, LU_ENF_NO, LU_ENF_UNKNOWN };
static const int ccs[] = { 1, 0, -EAGAIN };

static unsigned long combos;

static void build(struct lu_facts *fx, enum km km, enum hw hw, enum where w,
		  int pt_enf, int dom, int cc, bool match, enum col col)
{
	memset(fx, 0, sizeof(*fx));
	fx->dev_id = 7;
	fx->has_fd = col != C_NO_FD;
	snprintf(fx->node, sizeof(fx->node), "vfio0");
	fx->implicit_attach = w == W_CONTAINER;
	fx->domains_match_enforcement = match;
	fx->km_err = km == KM_ABSENT ? -ENOENT : 0;
	if (km != KM_ABSENT) {
		fx->di.out_flags = km == KM_CAN ? LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC |
							  LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC
						: 0;
		fx->di.out_wbinvd_policy = km == KM_CAN ? LIBIOMMU_KMOD_WBINVD_DISABLE : LIBIOMMU_KMOD_WBINVD_ENABLE;
		fx->di.out_nosnoop = LIBIOMMU_KMOD_NOSNOOP_DISABLED;
	}
	fx->dom_enforce = w != W_NONE && km != KM_ABSENT ? dom : LU_ENF_UNKNOWN;
	fx->hw_err = hw == HW_FAILED ? -EOPNOTSUPP : 0;
	if (hw == HW_SC || hw == HW_NO_SC) {
		fx->hw.type = LIBIOMMU_HW_TYPE_INTEL_VTD;
		fx->hw.features_known = LIBIOMMU_HW_FEAT_SNOOP_CONTROL;
		fx->hw.features = hw == HW_SC ? LIBIOMMU_HW_FEAT_SNOOP_CONTROL : 0;
	} else if (hw == HW_SILENT) {
		fx->hw.type = LIBIOMMU_HW_TYPE_ARM_SMMUV3;
	}
	fx->pt_how = w == W_NONE ? LU_PT_NONE : w == W_PLACED ? LU_PT_PLACED
					: w == W_ALLOCATED    ? LU_PT_ALLOCATED
					: w == W_KERNEL	      ? LU_PT_KERNEL
							      : LU_PT_CONTAINER;
	fx->pt_enforce = w == W_NONE || w == W_CONTAINER ? LU_ENF_UNKNOWN : pt_enf;
	fx->hwpt_id = w == W_NONE ? 0 : 42;
	fx->pt_made_for = 7;
	snprintf(fx->pt_why, sizeof(fx->pt_why), "reason");
	fx->cc = w == W_CONTAINER ? cc : -ENOENT;
	snprintf(fx->cc_where, sizeof(fx->cc_where), "the type1 container");
	fx->ns_writable = LU_ENF_UNKNOWN;
	switch (col) {
	case C_SET:
		fx->pcie = true;
		fx->devctl = CFG_DEVCTL_NOSNOOP_EN;
		break;
	case C_WRITABLE:
		fx->pcie = true;
		fx->ns_writable = LU_ENF_YES;
		break;
	case C_HARDWIRED:
		fx->pcie = true;
		fx->ns_writable = LU_ENF_NO;
		break;
	case C_UNPROBED:
		fx->pcie = true;
		fx->in_vm = true;
		break;
	case C_NOPCIE_KNOWN:
		fx->known = "a known device";
		break;
	case C_NOPCIE:
		break;
	case C_NOT_PCI:
		fx->cfg_err = -ENODEV;
		break;
	case C_NO_FD:
		fx->cfg_err = -EBADF;
		break;
	default:
		break;
	}
}

/* ---- the rules, stated once more, independently ----------------------- */

static int want_cap(enum km km, enum hw hw)
{
	if (km != KM_ABSENT)
		return km == KM_CAN ? A_YES : A_NO;
	if (hw == HW_SC)
		return A_YES;
	if (hw == HW_NO_SC)
		return A_NO;
	return A_UNK;
}

/* "IOMMU blocks no-snoop now": the domain's enforcement, never a capability. */
static int want_blocks(int cap, enum where w, int pt_enf, int dom, int cc,
		       bool match, enum km km)
{
	if (w == W_NONE)
		return A_UNK;
	if (km != KM_ABSENT && dom != LU_ENF_UNKNOWN)
		return dom == LU_ENF_YES ? A_YES : A_NO;
	if (w != W_CONTAINER)
		return pt_enf == LU_ENF_UNKNOWN ? A_UNK : pt_enf == LU_ENF_YES ? A_YES
									       : A_NO;
	if (cc == 1)
		return A_YES;
	if (cc == 0 && cap == A_NO)
		return A_NO;
	if (cc == 0 && cap == A_YES && match)
		return A_YES;
	return A_UNK;
}

static int want_col(enum col col, enum km km)
{
	switch (col) {
	case C_SET:
	case C_WRITABLE:
		return A_YES;
	case C_HARDWIRED:
	case C_NOPCIE_KNOWN:
		return A_NO;
	case C_NOT_PCI:
	case C_NO_FD:
		/* the module's copy: clear, writability unknown */
		return A_UNK;
	default:
		(void)km;
		return A_UNK;
	}
}

static int box(int row, int col)
{
	if ((row != A_YES && row != A_NO) || (col != A_YES && col != A_NO))
		return 0;
	return row == A_YES ? (col == A_YES ? 1 : 2) : (col == A_YES ? 3 : 4);
}

static void check_item(const struct libiommu_coherency *c, enum libiommu_coherency_field f)
{
	const struct lu_coh_item *it = &c->f[f];

	ck_assert_msg(it->detail[0] != '\0', "field %d has no detail", f);
	if (f == LIBIOMMU_COHERENCY_FIELD_BOX || f == LIBIOMMU_COHERENCY_FIELD_POLICY)
		return;
	/* an unknown answer comes from nowhere; a known one says from where */
	ck_assert_msg((it->value == A_UNK) == (it->src == LIBIOMMU_COHERENCY_SOURCE_NONE),
		      "field %d: answer %d from source %d (%s)", f, it->value, it->src,
		      it->detail);
}

START_TEST(every_combination_of_sources_decides_by_the_rules)
{
	struct libiommu_coherency c;
	struct lu_facts fx;
	unsigned int km, hw, w, e, d, k, m, col;

	for (km = 0; km < KM__N; km++)
		for (hw = 0; hw < HW__N; hw++)
			for (w = 0; w < W__N; w++)
				for (e = 0; e < 3; e++)
					for (d = 0; d < 3; d++)
						for (k = 0; k < 3; k++)
							for (m = 0; m < 2; m++)
								for (col = 0; col < C__N; col++) {
									int cap, blocks, row, cl, bx, wb;

									build(&fx, km, hw, w, enfs[e], enfs[d], ccs[k], m, col);
									memset(&c, 0, sizeof(c));
									lu_coh_decide_dev(&fx, &c);
									combos++;

									cap = want_cap(km, hw);
									blocks = want_blocks(cap, w, enfs[e], enfs[d], ccs[k], m, km);
									row = w == W_NONE ? cap : blocks;
									cl = want_col(col, km);
									bx = box(row, cl);
									ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value, cap);
									ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value == blocks,
										      "km %u hw %u where %u pt %d dom %d cc %d match %u: blocks %d, want %d (%s)",
										      km, hw, w, enfs[e], enfs[d], ccs[k], m,
										      c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].value, blocks,
										      c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].detail);
									ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP].value == cl,
										      "column %u: %d, want %d (%s)", col,
										      c.f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP].value, cl,
										      c.f[LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP].detail);
									ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_BOX].value, bx);
									/* on iommufd "blocks" is never derived: only a legacy container's */
									if (w != W_CONTAINER)
										ck_assert_int_ne(c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS].src,
												 LIBIOMMU_COHERENCY_SOURCE_DERIVED);
									/* box 3 is the one incoherent box */
									if (bx)
										ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value,
												 bx == 3 ? A_NO : A_YES);
									ck_assert_int_eq(c.wbinvd_needed, bx ? (bx == 3 ? A_YES : A_NO) : A_UNK);
									/* KVM follows VFIO, which tells the capability */
									wb = c.f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value;
									ck_assert_int_eq(wb, cap == A_UNK ? A_UNK : cap == A_YES ? A_NO
																 : A_YES);
									/* the hazard: box 3 while KVM will not emulate WBINVD */
									ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].value,
											 !bx ? A_UNK : bx != 3 ? A_NO
											       : wb == A_NO    ? A_YES
											       : wb == A_YES   ? A_NO
													       : A_UNK);
									ck_assert_uint_eq(c.hwpt_id, w == W_NONE || w == W_CONTAINER ? 0 : 42);
									for (unsigned int f = 0; f < LIBIOMMU_COHERENCY_FIELD__COUNT; f++)
										check_item(&c, f);
									for (unsigned int ch = 0; ch < LIBIOMMU_COHERENCY_CHANGE__COUNT; ch++)
										ck_assert(c.chg[ch].text[0] != '\0');
								}
	ck_assert_uint_eq(combos, KM__N * HW__N * W__N * 3 * 3 * 3 * 2 * C__N);
}
END_TEST

/* ---- aggregates -------------------------------------------------------- */

static struct libiommu_coherency *member(int bx, enum libiommu_coherency_answer wbinvd)
{
	struct libiommu_coherency *m = calloc(1, sizeof(*m));
	unsigned int f;

	m->kind = LU_COH_DEV;
	snprintf(m->name, sizeof(m->name), "dev-box%d", bx);
	for (f = 0; f < LIBIOMMU_COHERENCY_FIELD__COUNT; f++)
		snprintf(m->f[f].detail, sizeof(m->f[f].detail), "x");
	m->f[LIBIOMMU_COHERENCY_FIELD_BOX].value = bx;
	m->f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value = bx == 3 ? A_NO : A_YES;
	m->f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value = wbinvd;
	m->f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].value =
		bx == 3 && wbinvd == A_NO ? A_YES : A_NO;
	m->wbinvd_needed = bx == 3 ? A_YES : A_NO;
	return m;
}

/* The box of an aggregate: the member's that asks most of KVM. */
static int worst(int a, int b)
{
	static const int rank[5] = { 0, 2, 1, 4, 3 }; /* 3 > 4 > 1 > 2 */

	return rank[a] >= rank[b] ? a : b;
}

START_TEST(an_aggregate_takes_the_worst_box_of_every_pair)
{
	struct lu_agg_facts ioas = { .kvm = false };
	int a, b;

	for (a = 1; a <= 4; a++) {
		for (b = 0; b <= 4; b++) { /* b 0: a alone */
			struct libiommu_coherency c;

			memset(&c, 0, sizeof(c));
			c.nr_members = b ? 2 : 1;
			c.members = calloc(2, sizeof(*c.members));
			c.members[0] = member(a, a >= 3 ? A_YES : A_NO);
			if (b)
				c.members[1] = member(b, b >= 3 ? A_YES : A_NO);
			lu_coh_decide_aggregate(&c, &ioas);
			ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_BOX].value == (b ? worst(a, b) : a),
				      "boxes %d and %d: aggregate %d", a, b,
				      c.f[LIBIOMMU_COHERENCY_FIELD_BOX].value);
			ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value,
					 a == 3 || b == 3 ? A_NO : A_YES);
			ck_assert_int_eq(c.wbinvd_needed, a == 3 || b == 3 ? A_YES : A_NO);
			free(c.members[0]);
			free(c.members[1]);
			free(c.members);
		}
	}
}
END_TEST

/*
 * How an aggregate combines its members' other answers, for every pair of
 * member answers: "the same" fields (can block, blocks now, may no-snoop)
 * give the common answer, MIXED when two known answers differ, UNKNOWN when
 * one is unknown; KVM emulates WBINVD (and the policy is enable) when any
 * member makes it; DMA is coherent when every member's is; a member without
 * a box leaves the aggregate without one.
 */
START_TEST(an_aggregate_combines_every_pair_of_member_answers)
{
	static const enum libiommu_coherency_answer v[] = { A_UNK, A_NO, A_YES };
	struct lu_agg_facts ioas = { .kvm = false };
	unsigned int i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++) {
			enum libiommu_coherency_answer x = v[i], y = v[j], same, any, all;
			struct libiommu_coherency c;

			memset(&c, 0, sizeof(c));
			c.nr_members = 2;
			c.members = calloc(2, sizeof(*c.members));
			c.members[0] = member(i ? 1 : 0, x);
			c.members[1] = member(2, y);
			c.members[0]->f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value = x;
			c.members[1]->f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value = y;
			c.members[0]->f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value = x;
			c.members[1]->f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value = y;
			lu_coh_decide_aggregate(&c, &ioas);

			same = x == y ? x : (x == A_UNK || y == A_UNK) ? A_UNK
								       : A_MIXED;
			any = x == A_YES || y == A_YES ? A_YES : x == A_NO && y == A_NO ? A_NO
											: A_UNK;
			all = x == A_NO || y == A_NO ? A_NO : x == A_YES && y == A_YES ? A_YES
										       : A_UNK;
			ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value == (int)same,
				      "can block: %d and %d gave %d, want %d", x, y,
				      c.f[LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK].value, same);
			ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value == (int)any,
				      "KVM WBINVD: %d and %d gave %d, want %d", x, y,
				      c.f[LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD].value, any);
			ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_POLICY].value,
					 any == A_YES  ? LIBIOMMU_COHERENCY_POLICY_ENABLE
					 : any == A_NO ? LIBIOMMU_COHERENCY_POLICY_DISABLE
						       : LIBIOMMU_COHERENCY_POLICY_UNKNOWN);
			ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value == (int)all,
				      "coherent: %d and %d gave %d, want %d", x, y,
				      c.f[LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT].value, all);
			/* member 0 has no box when its answer is unknown */
			ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_BOX].value, i ? 1 : 0);
			free(c.members[0]);
			free(c.members[1]);
			free(c.members);
		}
	}
}
END_TEST

START_TEST(a_vm_has_a_hazard_exactly_with_box_3_and_no_wbinvd)
{
	int bx, cnt;

	for (bx = 1; bx <= 4; bx++) {
		for (cnt = 0; cnt <= 1; cnt++) {
			struct lu_agg_facts vm = { .kvm = true, .kvm_rc = cnt, .kvm_count = (uint32_t)cnt };
			struct libiommu_coherency c;

			memset(&c, 0, sizeof(c));
			c.nr_members = 1;
			c.members = calloc(1, sizeof(*c.members));
			/* a box-3 device that VFIO calls coherent: KVM counts 0 */
			c.members[0] = member(bx, A_NO);
			lu_coh_decide_aggregate(&c, &vm);
			ck_assert_msg(c.f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].value ==
					      (bx == 3 && cnt == 0 ? A_YES : A_NO),
				      "box %d, KVM count %d: hazard %d (%s)", bx, cnt,
				      c.f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].value,
				      c.f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].detail);
			ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].src,
					 LIBIOMMU_COHERENCY_SOURCE_MODULE);
			ck_assert_int_eq(c.f[LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT].value,
					 cnt ? A_YES : A_NO);
			free(c.members[0]);
			free(c.members);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("coh-decide");
	TCase *tc = tu_tcase(s, "decide");

	tcase_add_test(tc, every_combination_of_sources_decides_by_the_rules);
	tcase_add_test(tc, an_aggregate_takes_the_worst_box_of_every_pair);
	tcase_add_test(tc, a_vm_has_a_hazard_exactly_with_box_3_and_no_wbinvd);
	tcase_add_test(tc, an_aggregate_combines_every_pair_of_member_answers);
	return tu_run(s);
}
