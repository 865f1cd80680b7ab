/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backend boundary: every backend's ops table is complete (each op a
 * backend lacks has its own "why not" text, and no text stands for an op
 * it has), and a lacking op answers -EOPNOTSUPP with that text.
 */
#include <string.h>

#include "backend/backend.h"
#include "backend/mock.h"
#include "mockutil.h"

static const struct {
	const char *name;
	const struct lu_backend_ops *ops;
} backends[] = {
	{ "iommufd", &lu_backend_iommufd },
	{ "type1", &lu_backend_type1 },
	{ "iommufd-compat", &lu_backend_compat },
	{ "mock", &lu_backend_mock },
};

START_TEST(every_lacking_op_has_a_text_and_only_those)
{
	const struct lu_backend_ops *ops = backends[_i].ops;
	unsigned int op;

	ck_assert_str_eq(ops->name, backends[_i].name);
	for (op = 0; op < LU_OP__COUNT; op++) {
		bool has = lu_backend_has(ops, op);

		ck_assert_msg(has == !ops->why_not[op],
			      "%s backend, op %u: %s but %s text", ops->name, op,
			      has ? "present" : "missing",
			      ops->why_not[op] ? "a" : "no");
	}
	/* the ops every backend must have */
	ck_assert(ops->ioas_alloc && ops->ioas_destroy && ops->map &&
		  ops->unmap && ops->unmap_all && ops->get_ranges &&
		  ops->dev_open && ops->dev_attach && ops->dev_kvm_file &&
		  ops->has_feature && ops->region_info &&
		  ops->region_pio && ops->region_mmap && ops->dev_info_flags);
	/* a legacy backend answers for its container; iommufd per HWPT */
	ck_assert(!ops->implicit_attach == !ops->cc_enforced);
	/* a backend that allocates HWPTs also destroys and tracks them */
	if (ops->hwpt_alloc)
		ck_assert(ops->hwpt_destroy && ops->hwpt_set_dirty &&
			  ops->hwpt_get_dirty && ops->hwpt_invalidate);
}
END_TEST

START_TEST(a_lacking_op_is_eopnotsupp_with_the_backends_text)
{
	struct tu_log lg;
	struct libiommu_ctx *ctx = mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);

	ck_assert_int_eq(lu_backend_need(ctx, LU_OP_MAP_FILE, "x"), 0);
	tu_assert_err(lu_backend_need(ctx, LU_OP_MEMLOCK_MODE, "libiommu_ctx_set_memlock_mode"),
		      -EOPNOTSUPP);
	tu_assert_logged(&lg, "libiommu_ctx_set_memlock_mode is not available on the mock backend: it pins no memory");
	tu_assert_err(libiommu_ctx_set_memlock_mode(ctx, LIBIOMMU_MEMLOCK_MM), -EOPNOTSUPP);
	libiommu_ctx_free(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-ops");
	TCase *tc = tu_tcase(s, "ops");

	tcase_add_loop_test(tc, every_lacking_op_has_a_text_and_only_those, 0,
			    (int)(sizeof(backends) / sizeof(backends[0])));
	tcase_add_test(tc, a_lacking_op_is_eopnotsupp_with_the_backends_text);
	return tu_run(s);
}
