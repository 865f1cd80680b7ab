/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One context used from several threads at once, as a VMM does: IOAS
 * alloc/destroy, device hot-plug (open, attach, detach, free) while other
 * threads allocate and destroy HWPTs on the same IOAS, map and unmap it,
 * and report on its coherency.  Afterwards nothing may be left attached
 * or counted: the shared IOAS destroys, the mock holds nothing.  Run it
 * under TSan (the host tier's thread-sanitizer build) for data races.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mockutil.h"

#define ROUNDS 400

static struct libiommu_ctx *ctx;
static struct libiommu_ioas *shared;
static struct libiommu_dev *vdev; /* the "vIOMMU" thread's device */
static void *buf;

struct result {
	const char *what;
	int rc;
	int round;
};

static void *failed(struct result *r, const char *what, int rc, int round)
{
	r->what = what;
	r->rc = rc;
	r->round = round;
	return r;
}

static void *ioas_churn(void *arg)
{
	struct result *r = arg;
	struct libiommu_ioas *a;
	uint64_t iova;
	int i, rc;

	for (i = 0; i < ROUNDS; i++) {
		rc = libiommu_ioas_alloc(ctx, NULL, &a);
		if (rc)
			return failed(r, "ioas_alloc", rc, i);
		rc = libiommu_ioas_map(a, buf, 4096, &iova, LIBIOMMU_MAP_READ);
		if (!rc)
			rc = libiommu_ioas_unmap(a, iova, 4096, NULL);
		if (!rc)
			rc = libiommu_ioas_destroy(a);
		if (rc)
			return failed(r, "ioas map/unmap/destroy", rc, i);
	}
	return NULL;
}

static void *hotplug(void *arg)
{
	struct result *r = arg;
	struct libiommu_dev *d;
	int i, rc;

	for (i = 0; i < ROUNDS; i++) {
		rc = libiommu_dev_open(ctx, "mock:hot", NULL, &d);
		if (rc)
			return failed(r, "dev_open", rc, i);
		rc = libiommu_dev_attach_ioas(d, shared);
		if (!rc && (i & 1))
			rc = libiommu_dev_detach(d);
		libiommu_dev_free(d); /* detaches when still attached */
		if (rc)
			return failed(r, "attach/detach", rc, i);
	}
	return NULL;
}

static void *viommu_domains(void *arg)
{
	struct result *r = arg;
	struct libiommu_hwpt *h;
	int i, rc;

	for (i = 0; i < ROUNDS; i++) {
		rc = libiommu_hwpt_alloc(vdev, shared, NULL, &h);
		if (rc)
			return failed(r, "hwpt_alloc", rc, i);
		rc = libiommu_dev_attach_hwpt(vdev, h);
		if (!rc)
			rc = libiommu_dev_detach(vdev);
		if (!rc)
			rc = libiommu_hwpt_destroy(h);
		if (rc)
			return failed(r, "hwpt attach/detach/destroy", rc, i);
	}
	return NULL;
}

static void *mapper(void *arg)
{
	struct result *r = arg;
	uint64_t iova;
	int i, rc;

	for (i = 0; i < ROUNDS * 4; i++) {
		rc = libiommu_ioas_map(shared, (char *)buf + 4096, 4096, &iova,
				       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE);
		if (!rc)
			rc = libiommu_ioas_unmap(shared, iova, 4096, NULL);
		if (rc)
			return failed(r, "map/unmap", rc, i);
	}
	return NULL;
}

static void *reporter(void *arg)
{
	struct result *r = arg;
	struct libiommu_coherency *c;
	int i, rc;

	for (i = 0; i < ROUNDS / 4; i++) {
		rc = libiommu_coherency_get_ioas(shared, &c);
		if (rc)
			return failed(r, "coherency_get_ioas", rc, i);
		libiommu_coherency_free(c);
	}
	return NULL;
}

START_TEST(a_vmms_threads_leave_consistent_counts)
{
	void *(*fn[])(void *) = { ioas_churn, hotplug, viommu_domains, mapper,
				  reporter };
	struct result res[sizeof(fn) / sizeof(fn[0])];
	pthread_t t[sizeof(fn) / sizeof(fn[0])];
	struct lu_mock_stats st;
	size_t i;
	void *ret;

	ctx = mu_ctx(NULL, 0);
	mu_add_dev(ctx, "hot", 1, true);
	mu_add_dev(ctx, "viommu", 1, true);
	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(buf, MAP_FAILED);
	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &shared), 0);
	vdev = mu_open(ctx, "viommu");

	memset(res, 0, sizeof(res));
	for (i = 0; i < sizeof(fn) / sizeof(fn[0]); i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fn[i], &res[i]), 0);
	for (i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		ck_assert_int_eq(pthread_join(t[i], &ret), 0);
		ck_assert_msg(ret == NULL, "%s failed in round %d: %s", res[i].what,
			      res[i].round, strerror(-res[i].rc));
	}
	/* nothing uses the shared IOAS any more: every count went back */
	ck_assert_int_eq(libiommu_ioas_destroy(shared), 0);
	libiommu_dev_free(vdev);
	lu_mock_stats(ctx, &st);
	ck_assert_uint_eq(st.ioas, 0);
	ck_assert_uint_eq(st.hwpts, 0);
	ck_assert_uint_eq(st.bound, 0);
	ck_assert_uint_eq(st.attached, 0);
	libiommu_ctx_free(ctx);
	munmap(buf, 8192);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mock-threads");
	TCase *tc = tu_tcase(s, "threads");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_vmms_threads_leave_consistent_counts);
	return tu_run(s);
}
