/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vIOMMUs and vDEVICEs on the mock backend (host tier, white box): the
 * bookkeeping and the coherency rules without a kernel.  A HWPT nested on
 * a vIOMMU has the enforcement of the vIOMMU's parent, the coherency
 * report of a device attached to it says so (checked against the mock's
 * truth) and counts it in the parent's IOAS, the IOAS policies hold on
 * that path too, and a context freed with everything in place (owned or
 * borrowed fd) leaves the mock "kernel" empty.
 */
#include <stdlib.h>
#include <string.h>

#include "mockutil.h"

#define YES LIBIOMMU_COHERENCY_ANSWER_YES
#define NO LIBIOMMU_COHERENCY_ANSWER_NO

static struct tu_log lg;
static struct libiommu_ctx *ctx;
static const uint32_t s1_data[2] = { 1, 0 };

/* a: its IOMMU can enforce; b: cannot (same instance) */
static void setup(void)
{
	ctx = mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(ctx, "a", 1, true);
	mu_add_dev(ctx, "b", 1, false);
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
}

static struct libiommu_ioas *ioas_with(uint32_t flags)
{
	struct libiommu_ioas_opts o = LIBIOMMU_OPTS(libiommu_ioas_opts, .flags = flags);
	struct libiommu_ioas *ioas = NULL;

	ck_assert_int_eq(libiommu_ioas_alloc(ctx, &o, &ioas), 0);
	return ioas;
}

static struct libiommu_hwpt *parent_of(struct libiommu_dev *d,
				       struct libiommu_ioas *ioas)
{
	struct libiommu_hwpt_opts o = LIBIOMMU_OPTS(libiommu_hwpt_opts,
						    .flags = LIBIOMMU_HWPT_NEST_PARENT);
	struct libiommu_hwpt *h = NULL;

	ck_assert_int_eq(libiommu_hwpt_alloc(d, ioas, &o, &h), 0);
	return h;
}

static struct libiommu_viommu *viommu_on(struct libiommu_dev *d,
					 struct libiommu_hwpt *p)
{
	struct libiommu_viommu_opts o = LIBIOMMU_OPTS(libiommu_viommu_opts,
						      .type = LIBIOMMU_VIOMMU_TYPE_SELFTEST);
	struct libiommu_viommu *v = NULL;
	int rc = libiommu_viommu_alloc(d, p, &o, &v);

	ck_assert_msg(rc == 0, "%s", lg.all);
	return v;
}

static int nested_on(struct libiommu_viommu *v, struct libiommu_dev *d,
		     struct libiommu_hwpt **h)
{
	struct libiommu_hwpt_opts o = LIBIOMMU_OPTS(libiommu_hwpt_opts,
						    .data_type = 0xdead,
						    .data = s1_data,
						    .data_len = sizeof(s1_data));

	return libiommu_viommu_alloc_hwpt(v, d, &o, h);
}

/* The report's "IOMMU blocks no-snoop" for @d is @want, and the mock's. */
static void assert_blocks(struct libiommu_dev *d, struct libiommu_hwpt *h,
			  int want)
{
	struct libiommu_coherency *c = NULL;
	enum libiommu_coherency_answer enf;
	uint32_t truth_id = 0;

	ck_assert_int_eq(libiommu_coherency_get_dev(d, &c), 0);
	ck_assert_int_eq(lu_mock_dev_enforced(ctx, libiommu_dev_id(d), &truth_id),
			 want);
	ck_assert_uint_eq(truth_id, libiommu_hwpt_id(h));
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), want ? YES : NO);
	ck_assert_uint_eq(libiommu_coherency_hwpt_id(c, &enf), libiommu_hwpt_id(h));
	ck_assert_int_eq(enf, want ? YES : NO);
	libiommu_coherency_free(c);
}

START_TEST(a_hwpt_nested_on_a_viommu_has_the_parents_enforcement)
{
	struct libiommu_ioas *ioas = ioas_with(0);
	struct libiommu_dev *a = mu_open(ctx, "a"), *b = mu_open(ctx, "b");
	struct libiommu_hwpt *pa = parent_of(a, ioas), *pb = parent_of(b, ioas);
	struct libiommu_viommu *va = viommu_on(a, pa), *vb = viommu_on(b, pb);
	struct libiommu_hwpt *na = NULL, *nb = NULL;
	struct libiommu_coherency *c = NULL;

	ck_assert_int_eq(nested_on(va, a, &na), 0);
	ck_assert_int_eq(nested_on(vb, b, &nb), 0);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(a, na), 0);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(b, nb), 0);
	assert_blocks(a, na, 1);
	assert_blocks(b, nb, 0);
	/* the IOAS's report covers both devices, attached through vIOMMUs */
	ck_assert_int_eq(libiommu_coherency_get_ioas(ioas, &c), 0);
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 2);
	libiommu_coherency_free(c);
	/* in use: the IOAS by the parents, the parents by the vIOMMUs */
	tu_assert_err(libiommu_ioas_destroy(ioas), -EBUSY);
	tu_assert_err(libiommu_hwpt_destroy(pa), -EBUSY);
	tu_assert_err(libiommu_viommu_destroy(va), -EBUSY);
	ck_assert_int_eq(libiommu_dev_detach(a), 0);
	ck_assert_int_eq(libiommu_hwpt_destroy(na), 0);
	ck_assert_int_eq(libiommu_viommu_destroy(va), 0);
	ck_assert_int_eq(libiommu_hwpt_destroy(pa), 0);
}
END_TEST

START_TEST(the_ioas_policy_holds_for_a_hwpt_nested_on_a_viommu)
{
	struct libiommu_ioas *req = ioas_with(LIBIOMMU_IOAS_REQUIRE_COHERENT);
	struct libiommu_ioas *nc = ioas_with(LIBIOMMU_IOAS_NONCOHERENT);
	struct libiommu_dev *a = mu_open(ctx, "a"), *b = mu_open(ctx, "b");
	struct libiommu_hwpt *ha = NULL, *hb = NULL, *hx = NULL;
	struct libiommu_viommu *va, *vb;

	/* an enforcing parent (a's) in a REQUIRE_COHERENT IOAS */
	va = viommu_on(a, parent_of(a, req));
	ck_assert_int_eq(nested_on(va, a, &ha), 0);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(a, ha), 0);
	assert_blocks(a, ha, 1);
	/* b cannot enforce, but the nested HWPT runs on the parent's
	 * enforcement, so the policy lets it be made; b's IOMMU then refuses
	 * to put b on it (as for any enforcing domain) */
	ck_assert_int_eq(nested_on(va, b, &hx), 0);
	ck_assert_int_ne(libiommu_dev_attach_hwpt(b, hx), 0);
	/* a non-enforcing parent (b's) in a NONCOHERENT IOAS */
	vb = viommu_on(b, parent_of(b, nc));
	ck_assert_int_eq(nested_on(vb, b, &hb), 0);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(b, hb), 0);
	assert_blocks(b, hb, 0);
	/* the parents that would break the policy are refused first */
	tu_assert_err(libiommu_hwpt_alloc(b, req, NULL, &hx), -EPERM);
	tu_assert_err(libiommu_hwpt_alloc(a, nc, NULL, &hx), -EOPNOTSUPP);
}
END_TEST

START_TEST(vdevices_are_counted_and_freed_with_their_device)
{
	struct libiommu_ioas *ioas = ioas_with(0);
	struct libiommu_dev *a = mu_open(ctx, "a");
	struct libiommu_viommu *v = viommu_on(a, parent_of(a, ioas));
	struct libiommu_vdevice *vd = NULL, *f = NULL;
	struct lu_mock_stats st0, st;

	lu_mock_stats(ctx, &st0);
	ck_assert_int_eq(libiommu_vdevice_alloc(v, a, 9, &vd), 0);
	lu_mock_stats(ctx, &st);
	ck_assert_uint_eq(st.hwpts, st0.hwpts + 1);
	ck_assert_int_eq(libiommu_vdevice_lookup(v, 9, &f), 0);
	ck_assert_ptr_eq(f, vd);
	tu_assert_err(libiommu_viommu_destroy(v), -EBUSY);
	libiommu_dev_free(a); /* destroys the vDEVICE */
	lu_mock_stats(ctx, &st);
	ck_assert_uint_eq(st.hwpts, st0.hwpts);
	tu_assert_err(libiommu_vdevice_lookup(v, 9, &f), -ENOENT);
	ck_assert_int_eq(libiommu_viommu_destroy(v), 0);
}
END_TEST

/* Everything in place at ctx free, on a borrowed fd: the mock ends empty. */
START_TEST(ctx_free_destroys_in_order_on_a_borrowed_fd)
{
	struct libiommu_ioas *ioas;
	struct libiommu_dev *a;
	struct libiommu_viommu *v;
	struct libiommu_hwpt *h = NULL;
	struct libiommu_vdevice *vd = NULL;
	struct lu_mock_stats *fin = calloc(1, sizeof(*fin));

	libiommu_ctx_free(ctx);
	ctx = mu_ctx_borrowed(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(ctx, "a", 1, true);
	ioas = ioas_with(0);
	a = mu_open(ctx, "a");
	v = viommu_on(a, parent_of(a, ioas));
	ck_assert_int_eq(nested_on(v, a, &h), 0);
	ck_assert_int_eq(libiommu_vdevice_alloc(v, a, 1, &vd), 0);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(a, h), 0);
	lu_mock_stats_at_fini(ctx, fin);
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ck_assert_msg(fin->hwpts == 0 && fin->ioas == 0 && fin->attached == 0,
		      "left: %u HWPTs/vIOMMUs/vDEVICEs, %u IOAS, %u attachments",
		      fin->hwpts, fin->ioas, fin->attached);
	free(fin);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mock-viommu");
	TCase *tc = tu_tcase(s, "mock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_hwpt_nested_on_a_viommu_has_the_parents_enforcement);
	tcase_add_test(tc, the_ioas_policy_holds_for_a_hwpt_nested_on_a_viommu);
	tcase_add_test(tc, vdevices_are_counted_and_freed_with_their_device);
	tcase_add_test(tc, ctx_free_destroys_in_order_on_a_borrowed_fd);
	return tu_run(s);
}
