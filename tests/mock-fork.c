/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Handles used after fork(), on the mock backend.  In the child the mock's
 * "kernel" stands for what a real child shares with its parent (the
 * iommufd, the device files), so the child must change none of it:
 * freeing a device or the whole context there releases memory only (no
 * detach, no destroy, no placed HWPT given back), every other call fails
 * with -ECHILD naming both processes, and a context lock that a parent's
 * thread held at fork() does not hang the child's free.  The VM tier's
 * ctx-fork checks the same against the real kernel.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mockutil.h"

#define IOVA UINT64_C(0x100000)
#define PASID 5

static struct tu_log lg;
static struct libiommu_ctx *ctx;
static struct libiommu_ioas *ioas;
static struct libiommu_dev *dev;   /* "a": RID and a PASID on ioas */
static struct libiommu_dev *vdev;  /* "b": on a HWPT it allocated */
static struct libiommu_hwpt *hwpt; /* vdev's */
static char *buf;

/*
 * A failed check in the child: say so and exit 1 (Check's assertions
 * belong to the test's own process).
 */
#define CHILD_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			printf("child %d: %s: ", (int)getpid(), #cond); \
			printf(__VA_ARGS__); \
			printf("\n"); \
			fflush(stdout); \
			_exit(1); \
		} \
	} while (0)

/* Run @fn in a child: its exit status, or 128 + the signal that killed it. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL); /* Check's handler kills the test */
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void setup_on(bool borrowed)
{
	struct libiommu_hwpt_opts ho = LIBIOMMU_OPTS(libiommu_hwpt_opts);
	uint64_t iova = IOVA;

	ctx = borrowed ? mu_ctx_borrowed(&lg, LIBIOMMU_LOG_DEBUG)
		       : mu_ctx(&lg, LIBIOMMU_LOG_DEBUG);
	mu_add_dev(ctx, "a", 1, true);
	mu_add_dev(ctx, "b", 1, true);
	mu_add_dev(ctx, "c", 1, true);
	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(buf, MAP_FAILED);
	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &ioas), 0);
	ck_assert_int_eq(libiommu_ioas_map(ioas, buf, 8192, &iova,
					   LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA),
			 0);
	dev = mu_open(ctx, "a");
	ck_assert_int_eq(libiommu_dev_attach_ioas(dev, ioas), 0);
	ck_assert_int_eq(libiommu_dev_pasid_attach_ioas(dev, PASID, ioas), 0);
	vdev = mu_open(ctx, "b");
	ck_assert_int_eq(libiommu_hwpt_alloc(vdev, ioas, &ho, &hwpt), 0);
	ck_assert_int_eq(libiommu_dev_attach_hwpt(vdev, hwpt), 0);
}

static void setup(void)
{
	setup_on(false);
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
	munmap(buf, 8192);
}

static bool same_stats(const struct lu_mock_stats *a,
		       const struct lu_mock_stats *b)
{
	return a->ioas == b->ioas && a->hwpts == b->hwpts &&
	       a->bound == b->bound && a->attached == b->attached &&
	       a->mapped == b->mapped;
}

#define STATS_FMT "%u IOAS, %u HWPTs, %u bound, %u attached, %llu bytes mapped"
#define STATS_ARGS(s) \
	(s).ioas, (s).hwpts, (s).bound, (s).attached, (unsigned long long)(s).mapped

/* ---- freeing in a child ------------------------------------------------- */

static int child_frees_devices(void)
{
	struct lu_mock_stats before, after;

	lu_mock_stats(ctx, &before);
	CHILD_CHECK(before.bound == 2 && before.attached == 3,
		    "fixture: " STATS_FMT, STATS_ARGS(before));
	libiommu_dev_free(dev);
	libiommu_dev_free(vdev);
	lu_mock_stats(ctx, &after);
	CHILD_CHECK(same_stats(&before, &after),
		    "freeing the devices changed the kernel: " STATS_FMT " -> " STATS_FMT,
		    STATS_ARGS(before), STATS_ARGS(after));
	/* The HWPT the library placed the device on is still its parent's. */
	CHILD_CHECK(libiommu_hwpt_destroy(hwpt) == -ECHILD, "hwpt_destroy");
	libiommu_ctx_free(ctx);
	return 0;
}

START_TEST(a_child_freeing_devices_detaches_nothing)
{
	struct libiommu_ioas *a = NULL;

	ck_assert_int_eq(in_child(child_frees_devices), 0);
	/* The parent's handles are as they were. */
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   NULL, NULL),
			 1);
	ck_assert_ptr_eq(a, ioas);
	ck_assert_int_eq(libiommu_ioas_destroy(ioas), -EBUSY);
}
END_TEST

static struct lu_mock_stats child_before, at_fini;

static int child_frees_ctx(void)
{
	lu_mock_stats(ctx, &child_before);
	lu_mock_stats_at_fini(ctx, &at_fini);
	libiommu_ctx_free(ctx);
	CHILD_CHECK(same_stats(&child_before, &at_fini),
		    "freeing the context changed the kernel: " STATS_FMT " -> " STATS_FMT,
		    STATS_ARGS(child_before), STATS_ARGS(at_fini));
	CHILD_CHECK(!strstr(lg.all, "left behind"), "log:\n%s", lg.all);
	return 0;
}

START_TEST(a_child_freeing_a_borrowed_context_destroys_nothing)
{
	teardown();
	setup_on(true);
	ck_assert_int_eq(in_child(child_frees_ctx), 0);

	/* The instrument sees what the owner's free gives back. */
	memset(&at_fini, 0xff, sizeof(at_fini));
	lu_mock_stats_at_fini(ctx, &at_fini);
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ck_assert_msg(at_fini.ioas == 0 && at_fini.hwpts == 0 &&
			      at_fini.bound == 0 && at_fini.attached == 0,
		      "the owner's free of a borrowed context left " STATS_FMT,
		      STATS_ARGS(at_fini));
}
END_TEST

/* ---- every other call fails --------------------------------------------- */

static char expected_msg[128];
static int checked;

#define EXPECT_ECHILD(expr) \
	do { \
		int rc_; \
		lg.msg[0] = '\0'; \
		errno = 0; \
		rc_ = (expr); \
		CHILD_CHECK(rc_ == -ECHILD && errno == ECHILD, \
			    "%s returned %d, errno %d", #expr, rc_, errno); \
		CHILD_CHECK(strstr(lg.msg, expected_msg), "%s logged \"%s\"", \
			    #expr, lg.msg); \
		checked++; \
	} while (0)

static int child_calls(void)
{
	struct libiommu_hwpt_opts nested = LIBIOMMU_OPTS(libiommu_hwpt_opts,
							 .data_type = 1,
							 .data = buf,
							 .data_len = 8);
	struct libiommu_region_info ri = { .sz = sizeof(ri) };
	struct libiommu_hw_info hi = { .sz = sizeof(hi) };
	struct libiommu_iova_range r[4] = { { 0, 0xffff } };
	struct lu_mock_stats before, after;
	struct libiommu_coherency *coh;
	struct libiommu_ioas *a = NULL;
	struct libiommu_hwpt *h = NULL;
	struct libiommu_dev *d = NULL;
	struct libiommu_kvm *k = NULL;
	enum libiommu_memlock_mode mode;
	uint64_t iova = 0x800000, n, bitmap[1];
	uint32_t len = 0, entries = 0;
	size_t nr = 4;
	bool on;
	void *p;

	snprintf(expected_msg, sizeof(expected_msg),
		 "created in process %d, this is process %d", (int)getppid(),
		 (int)getpid());
	lu_mock_stats(ctx, &before);
	lu_mock_fail_nth(ctx, 0, 0);

	EXPECT_ECHILD(libiommu_ioas_alloc(ctx, NULL, &a));
	CHILD_CHECK(a == NULL, "ioas_alloc set *out");
	EXPECT_ECHILD(libiommu_ioas_destroy(ioas));
	EXPECT_ECHILD(libiommu_ioas_map(ioas, buf, 4096, &iova, LIBIOMMU_MAP_READ));
	EXPECT_ECHILD(libiommu_ioas_map_file(ioas, 0, 0, 4096, &iova, LIBIOMMU_MAP_READ));
	EXPECT_ECHILD(libiommu_ioas_copy(ioas, ioas, IOVA, 4096, &iova, LIBIOMMU_MAP_READ));
	EXPECT_ECHILD(libiommu_ioas_unmap(ioas, IOVA, 4096, &n));
	EXPECT_ECHILD(libiommu_ioas_unmap_all(ioas, &n));
	EXPECT_ECHILD(libiommu_ioas_get_ranges(ioas, r, &nr, NULL));
	EXPECT_ECHILD(libiommu_ioas_allow_iovas(ioas, r, 1));
	EXPECT_ECHILD(libiommu_ioas_set_huge_pages(ioas, false));
	EXPECT_ECHILD(libiommu_ioas_get_huge_pages(ioas, &on));
	EXPECT_ECHILD(libiommu_ioas_set_dirty_tracking(ioas, true));
	EXPECT_ECHILD(libiommu_ioas_get_dirty_bitmap(ioas, IOVA, 4096, 4096, bitmap, 0));
	EXPECT_ECHILD(libiommu_dev_open(ctx, "mock:c", NULL, &d));
	CHILD_CHECK(d == NULL, "dev_open set *out");
	EXPECT_ECHILD(libiommu_dev_open_fd(ctx, 0, LIBIOMMU_FD_BORROW, NULL, &d));
	EXPECT_ECHILD(libiommu_dev_open_group(ctx, "/dev/vfio/0", "x", NULL, &d));
	EXPECT_ECHILD(libiommu_dev_open_group_fd(ctx, 0, LIBIOMMU_FD_BORROW, "x", NULL, &d));
	EXPECT_ECHILD(libiommu_dev_adopt_id(ctx, 1, &d));
	EXPECT_ECHILD(libiommu_dev_attach_ioas(dev, ioas));
	EXPECT_ECHILD(libiommu_dev_attach_hwpt(vdev, hwpt));
	EXPECT_ECHILD(libiommu_dev_pasid_attach_ioas(dev, PASID + 1, ioas));
	EXPECT_ECHILD(libiommu_dev_pasid_attach_hwpt(dev, PASID + 1, hwpt));
	EXPECT_ECHILD(libiommu_dev_detach(dev));
	EXPECT_ECHILD(libiommu_dev_pasid_detach(dev, PASID));
	EXPECT_ECHILD(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, NULL, NULL, NULL));
	EXPECT_ECHILD(libiommu_dev_region_info(dev, LIBIOMMU_PCI_CONFIG_REGION, &ri));
	EXPECT_ECHILD(libiommu_dev_region_read(dev, LIBIOMMU_PCI_CONFIG_REGION, 0, &n, 2));
	EXPECT_ECHILD(libiommu_dev_region_write(dev, LIBIOMMU_PCI_CONFIG_REGION, 4, &n, 2));
	EXPECT_ECHILD(libiommu_dev_region_mmap(dev, 0, 0, 4096, LIBIOMMU_REGION_READ, &p));
	EXPECT_ECHILD(libiommu_dev_get_hw_info(dev, &hi));
	EXPECT_ECHILD(libiommu_dev_get_hw_info_raw(dev, 0, NULL, &len, NULL));
	EXPECT_ECHILD(libiommu_hwpt_alloc(vdev, ioas, NULL, &h));
	CHILD_CHECK(h == NULL, "hwpt_alloc set *out");
	EXPECT_ECHILD(libiommu_hwpt_alloc_nested(vdev, hwpt, &nested, &h));
	EXPECT_ECHILD(libiommu_hwpt_destroy(hwpt));
	EXPECT_ECHILD(libiommu_hwpt_set_dirty_tracking(hwpt, true));
	EXPECT_ECHILD(libiommu_hwpt_get_dirty_bitmap(hwpt, IOVA, 4096, 4096, bitmap, 0));
	EXPECT_ECHILD(libiommu_hwpt_invalidate(hwpt, 0, NULL, 0, &entries));
	EXPECT_ECHILD(libiommu_coherency_get_dev(dev, &coh));
	EXPECT_ECHILD(libiommu_coherency_get_ioas(ioas, &coh));
	EXPECT_ECHILD(libiommu_coherency_set_nosnoop(dev, true, NULL));
	EXPECT_ECHILD(libiommu_coherency_force_enable(ctx, "mock:a", true, NULL));
	EXPECT_ECHILD(libiommu_ctx_set_memlock_mode(ctx, LIBIOMMU_MEMLOCK_MM));
	EXPECT_ECHILD(libiommu_ctx_get_memlock_mode(ctx, &mode));
	EXPECT_ECHILD(libiommu_kvm_new(ctx, 0, NULL, &k));
	CHILD_CHECK(k == NULL, "kvm_new set *out");

	/* Not one backend call, and nothing changed. */
	n = lu_mock_fail_nth(ctx, 0, 0);
	CHILD_CHECK(n == 0, "%llu backend calls", (unsigned long long)n);
	lu_mock_stats(ctx, &after);
	CHILD_CHECK(same_stats(&before, &after), STATS_FMT " -> " STATS_FMT,
		    STATS_ARGS(before), STATS_ARGS(after));

	/* What only reads the handles' memory still answers. */
	CHILD_CHECK(libiommu_ioas_ctx(ioas) == ctx, "ioas_ctx");
	CHILD_CHECK(libiommu_dev_ctx(dev) == ctx, "dev_ctx");
	CHILD_CHECK(libiommu_ioas_id(ioas) != 0, "ioas_id");
	CHILD_CHECK(libiommu_hwpt_id(hwpt) != 0, "hwpt_id");
	CHILD_CHECK(libiommu_ctx_backend(ctx) == LU_BACKEND_MOCK, "ctx_backend");
	libiommu_ctx_free(ctx);
	printf("child: %d calls refused\n", checked);
	return 0;
}

START_TEST(every_other_call_in_a_child_fails_with_echild)
{
	ck_assert_int_eq(in_child(child_calls), 0);
	/* In the parent the same handles work. */
	ck_assert_int_eq(libiommu_dev_detach(dev), 0);
	ck_assert_int_eq(libiommu_hwpt_destroy(hwpt), -EBUSY);
}
END_TEST

/* ---- a lock held at fork() ------------------------------------------------ */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static enum { GATE_ARMED = 1,
	      GATE_INSIDE,
	      GATE_OPEN } gate;

/* Holds the first attach that places a device inside the context's lock. */
static void gate_log(void *ud, enum libiommu_log_level level, const char *msg)
{
	tu_log_capture(ud, level, msg);
	pthread_mutex_lock(&gate_mu);
	if (gate == GATE_ARMED && strstr(msg, "placed on HWPT")) {
		gate = GATE_INSIDE;
		pthread_cond_broadcast(&gate_cv);
		while (gate != GATE_OPEN)
			pthread_cond_wait(&gate_cv, &gate_mu);
	}
	pthread_mutex_unlock(&gate_mu);
}

static struct libiommu_dev *cdev;

static void *attach_c(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)libiommu_dev_attach_ioas(cdev, ioas);
}

static int child_frees_while_locked(void)
{
	alarm(10); /* a hang is a failure, not a stuck test */
	CHILD_CHECK(libiommu_ioas_destroy(ioas) == -ECHILD, "ioas_destroy");
	libiommu_dev_free(dev);
	libiommu_ctx_free(ctx);
	return 0;
}

START_TEST(a_lock_held_by_a_parents_thread_does_not_hang_the_childs_free)
{
	pthread_t t;
	void *ret;
	int rc;

	cdev = mu_open(ctx, "c");
	libiommu_ctx_set_log(ctx, gate_log, &lg, LIBIOMMU_LOG_DEBUG);
	gate = GATE_ARMED;
	ck_assert_int_eq(pthread_create(&t, NULL, attach_c, NULL), 0);
	pthread_mutex_lock(&gate_mu);
	while (gate != GATE_INSIDE)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);

	rc = in_child(child_frees_while_locked);

	pthread_mutex_lock(&gate_mu);
	gate = GATE_OPEN;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_int_eq((int)(intptr_t)ret, 0);
	ck_assert_msg(rc == 0, "the child's free %s (status %d)",
		      rc == 128 + SIGALRM ? "hung on the lock" : "failed", rc);
}
END_TEST

/* ---- telling a child apart ------------------------------------------------- */

static int child_without_wipe(void)
{
	struct libiommu_ioas *a = NULL;

	CHILD_CHECK(libiommu_ioas_alloc(ctx, NULL, &a) == -ECHILD,
		    "ioas_alloc in a child with pids compared");
	libiommu_ctx_free(ctx);
	return 0;
}

START_TEST(without_wipeonfork_the_pid_tells_a_child)
{
	struct libiommu_ioas *a = NULL;

	/*
	 * As on a kernel without MADV_WIPEONFORK (before Linux 4.14, or built
	 * without CONFIG_ADVISE_SYSCALLS, like the VM tier's: there the
	 * context has no page already).
	 */
	if (ctx->owner)
		munmap((void *)ctx->owner, (size_t)sysconf(_SC_PAGESIZE));
	else
		printf("note: this kernel refused MADV_WIPEONFORK: every test here tells the child by pid\n");
	ctx->owner = NULL;
	ck_assert_int_eq(libiommu_ioas_alloc(ctx, NULL, &a), 0);
	ck_assert_int_eq(in_child(child_without_wipe), 0);
	ck_assert_int_eq(libiommu_ioas_destroy(a), 0);
}
END_TEST

static int child_makes_its_own(void)
{
	struct libiommu_ctx *mine;
	struct libiommu_ioas *a = NULL;
	uint64_t iova = 0;

	/* The recipe: let go of the parent's, make a context of its own. */
	libiommu_ctx_free(ctx);
	mine = mu_ctx(NULL, 0);
	CHILD_CHECK(libiommu_ioas_alloc(mine, NULL, &a) == 0, "ioas_alloc");
	CHILD_CHECK(libiommu_ioas_map(a, buf, 4096, &iova, LIBIOMMU_MAP_READ) == 0,
		    "map");
	CHILD_CHECK(libiommu_ioas_unmap(a, iova, 4096, NULL) == 0, "unmap");
	CHILD_CHECK(libiommu_ioas_destroy(a) == 0, "destroy");
	libiommu_ctx_free(mine);
	return 0;
}

START_TEST(a_child_makes_a_context_of_its_own)
{
	ck_assert_int_eq(in_child(child_makes_its_own), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mock-fork");
	TCase *tc = tu_tcase(s, "fork");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_child_freeing_devices_detaches_nothing);
	tcase_add_test(tc, a_child_freeing_a_borrowed_context_destroys_nothing);
	tcase_add_test(tc, every_other_call_in_a_child_fails_with_echild);
	tcase_add_test(tc, a_lock_held_by_a_parents_thread_does_not_hang_the_childs_free);
	tcase_add_test(tc, without_wipeonfork_the_pid_tells_a_child);
	tcase_add_test(tc, a_child_makes_a_context_of_its_own);
	return tu_run(s);
}
