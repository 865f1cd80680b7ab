// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A context used across fork(), as a VMM's helper processes do (kernel
 * tier, QEMU's edu device bound to vfio-pci).  The parent has edu attached
 * to an IOAS with mappings and proves it with a DMA round trip; a child
 * inherits the handles and with them the file descriptions (the iommufd
 * or VFIO container, the device file, the kvm-vfio device).  Whatever the
 * child does with the handles, the parent's kernel state stays: afterwards
 * the IOAS has the same usable ranges, the DMA round trip still works, a
 * second IOAS still maps, KVM still holds the device's file.  Freeing in
 * the child releases only its memory and closes its own descriptors;
 * every other call there fails with -ECHILD.
 *
 * Runs on every backend (LIBIOMMU_TEST_BACKEND=iommufd|type1|compat): a
 * legacy child that freed the device would take its VFIO group out of the
 * container, an iommufd one would detach the device.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "kmodutil.h"
#include "test-dev.h"
#include "uapi/kvm.h"

/* IOVAs below edu's 28-bit DMA mask, away from the x86 MSI window. */
#define SRC_IOVA UINT64_C(0x100000)
#define DST_IOVA UINT64_C(0x200000)
#define FREE_IOVA UINT64_C(0x300000)
#define B_IOVA UINT64_C(0x400000)
#define LEN EDU_MAX_DMA
#define MAX_RANGES 16

static struct libiommu_dev *dev;
static struct libiommu_ioas *b; /* a second IOAS (iommufd), mapped */
static struct libiommu_kvm *kvm;
static struct edu edu;
static uint8_t *src, *dst;
static int fds_before, borrowed_fd = -1, vm_fd = -1;
static struct libiommu_iova_range ranges[MAX_RANGES];
static size_t nr_ranges;

/* ---- the child ---------------------------------------------------------- */

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

/*
 * Run @fn in a child: its exit status, or 128 + the signal that killed it
 * (said on stdout when not 0: the parent's state is checked first).
 */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL); /* Check's handler kills the test */
		alarm(60);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (status)
		printf("note: the child failed (status %d)\n", status);
	return status;
}

/* Every descriptor the library opened in the child is closed. */
static void child_check_fds(void)
{
	int n = tu_count_fds(), want = fds_before + (vm_fd >= 0) +
				       (borrowed_fd >= 0);

	CHILD_CHECK(n == want, "%d fds open after the free, %d expected", n,
		    want);
}

/* ---- the parent's state ------------------------------------------------- */

static void map_fixed(struct libiommu_ioas *a, void *buf, uint64_t iova,
		      uint32_t flags)
{
	expect_ok(libiommu_ioas_map(a, buf, pgsz(), &iova, flags | FIXED));
}

/* RAM (SRC_IOVA) -> edu -> RAM (DST_IOVA): 0 when the bytes arrived. */
static int round_trip(void)
{
	memset(dst, 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&edu, SRC_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&edu, DST_IOVA, LEN), 0);
	return memcmp(src, dst, LEN);
}

static void save_ranges(void)
{
	nr_ranges = MAX_RANGES;
	expect_ok(libiommu_ioas_get_ranges(ioas, ranges, &nr_ranges, NULL));
}

/* The parent's device, IOAS and mappings are as they were before the child. */
static void assert_parent_intact(void)
{
	struct libiommu_iova_range now[MAX_RANGES];
	struct libiommu_ioas *a = NULL;
	uint8_t *more = xbuf(pgsz());
	size_t nr = MAX_RANGES, i;

	/* The library's view, unchanged: the parent's own memory. */
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &a,
						   NULL, NULL),
			 1);
	ck_assert_ptr_eq(a, ioas);
	/* The kernel's: the IOAS exists with the device's reserved regions. */
	expect_ok(libiommu_ioas_get_ranges(ioas, now, &nr, NULL));
	ck_assert_msg(nr == nr_ranges, "the IOAS has %zu usable ranges, %zu before the child",
		      nr, nr_ranges);
	for (i = 0; i < nr; i++)
		ck_assert_msg(now[i].start == ranges[i].start &&
				      now[i].last == ranges[i].last,
			      "usable range %zu is [%#llx, %#llx], was [%#llx, %#llx] before the child",
			      i, (unsigned long long)now[i].start,
			      (unsigned long long)now[i].last,
			      (unsigned long long)ranges[i].start,
			      (unsigned long long)ranges[i].last);
	/* The device still reaches RAM through the IOAS. */
	ck_assert_msg(round_trip() == 0,
		      "the DMA round trip failed after the child: the device lost its attachment or its mappings");
	/* The IOVA the child was refused is still free in the parent. */
	map_fixed(ioas, more, FREE_IOVA, LIBIOMMU_MAP_READ);
	if (b)
		map_fixed(b, more, B_IOVA + pgsz(), LIBIOMMU_MAP_READ);
	/* KVM still holds the device's file: adding it again says so. */
	if (kvm)
		ck_assert_int_eq(ku_kvm_vfio_file(libiommu_kvm_fd(kvm),
						  LX_KVM_DEV_VFIO_FILE_ADD,
						  libiommu_dev_fd(dev)),
				 -EEXIST);
}

/* ---- fixture ------------------------------------------------------------ */

static void setup_edu(void)
{
	int rc;

	dev = open_edu(ctx);
	ioas = new_ioas(ctx);
	src = xbuf(pgsz());
	dst = xbuf(pgsz());
	for (unsigned int i = 0; i < pgsz(); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	map_fixed(ioas, src, SRC_IOVA, LIBIOMMU_MAP_READ);
	map_fixed(ioas, dst, DST_IOVA, LIBIOMMU_MAP_WRITE);
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	rc = edu_init(&edu, dev);
	ck_assert_msg(rc == 0, "edu_init: %s; log:\n%s", strerror(-rc), lg.all);
	ck_assert_msg(round_trip() == 0, "no DMA round trip before the child");
	if (tu_backend_is_iommufd()) {
		b = new_ioas(ctx);
		map_fixed(b, src, B_IOVA, LIBIOMMU_MAP_READ);
	}
	/* KVM gets the device's cdev (a legacy one: its group, not ours to name). */
	if (tu_backend_is_iommufd() && access("/dev/kvm", R_OK | W_OK) == 0) {
		vm_fd = ku_kvm_new_vm();
		expect_ok(libiommu_kvm_new(ctx, vm_fd, NULL, &kvm));
		expect_ok(libiommu_kvm_add_dev(kvm, dev));
	}
	save_ranges();
}

static void setup(void)
{
	fds_before = tu_count_fds();
	ctx = new_ctx(&lg);
	setup_edu();
}

/* As setup(), on an iommufd (or container) the test opened and lends. */
static void setup_borrowed(void)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	const char *node = tu_backend() == LIBIOMMU_BACKEND_TYPE1 ? "/dev/vfio/vfio"
								  : "/dev/iommu";
	int rc;

	fds_before = tu_count_fds();
	borrowed_fd = open(node, O_RDWR | O_CLOEXEC);
	ck_assert_msg(borrowed_fd >= 0, "open %s: %s", node, strerror(errno));
	rc = libiommu_ctx_new_from_fd(borrowed_fd, LIBIOMMU_FD_BORROW, &opts,
				      &ctx);
	ck_assert_msg(rc == 0, "libiommu_ctx_new_from_fd: %s; log:\n%s",
		      strerror(-rc), lg.all);
	setup_edu();
}

static void teardown(void)
{
	edu_fini(&edu);
	libiommu_ctx_free(ctx); /* the device, KVM and IOAS handles too */
	ctx = NULL;
	ioas = b = NULL;
	kvm = NULL;
	if (vm_fd >= 0)
		close(vm_fd);
	if (borrowed_fd >= 0)
		close(borrowed_fd);
	vm_fd = borrowed_fd = -1;
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* ---- freeing in the child ----------------------------------------------- */

static int child_frees_device(void)
{
	int fd = libiommu_dev_fd(dev);

	libiommu_dev_free(dev);
	/* Its own copy of the device fd is closed (the parent's is not). */
	CHILD_CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF,
		    "the child's copy of device fd %d is still open", fd);
	return 0;
}

START_TEST(a_child_freeing_the_device_leaves_it_attached)
{
	int rc = in_child(child_frees_device);

	assert_parent_intact();
	ck_assert_int_eq(rc, 0);
}
END_TEST

static int child_frees_ctx(void)
{
	libiommu_ctx_free(ctx);
	child_check_fds();
	return 0;
}

START_TEST(a_child_freeing_the_context_changes_nothing)
{
	int rc = in_child(child_frees_ctx);

	assert_parent_intact();
	ck_assert_int_eq(rc, 0);
}
END_TEST

START_TEST(a_child_freeing_a_borrowed_context_destroys_nothing)
{
	int rc = in_child(child_frees_ctx);

	assert_parent_intact();
	ck_assert_int_eq(rc, 0);
}
END_TEST

/* ---- other calls in the child ------------------------------------------- */

static char expected_msg[96];

#define EXPECT_ECHILD(expr) \
	do { \
		int rc_; \
		log_reset(&lg); \
		errno = 0; \
		rc_ = (expr); \
		CHILD_CHECK(rc_ == -ECHILD && errno == ECHILD, \
			    "%s returned %d (%s)", #expr, rc_, strerror(-rc_)); \
		CHILD_CHECK(strstr(lg.msg, expected_msg), "%s logged \"%s\"", \
			    #expr, lg.msg); \
	} while (0)

static int child_calls(void)
{
	uint8_t *page = xbuf(pgsz());
	uint64_t iova = FREE_IOVA, n;
	struct libiommu_hwpt *h = NULL;

	snprintf(expected_msg, sizeof(expected_msg),
		 "created in process %d, this is process %d", (int)getppid(),
		 (int)getpid());
	/* Each of these would change what the parent's device relies on. */
	EXPECT_ECHILD(libiommu_ioas_unmap(ioas, DST_IOVA, pgsz(), &n));
	EXPECT_ECHILD(libiommu_ioas_map(ioas, page, pgsz(), &iova,
					LIBIOMMU_MAP_READ | FIXED));
	EXPECT_ECHILD(libiommu_ioas_unmap_all(ioas, &n));
	EXPECT_ECHILD(libiommu_ioas_destroy(ioas));
	if (b)
		EXPECT_ECHILD(libiommu_ioas_destroy(b));
	EXPECT_ECHILD(libiommu_dev_detach(dev));
	EXPECT_ECHILD(libiommu_dev_attach_ioas(dev, ioas));
	if (tu_backend_is_iommufd())
		EXPECT_ECHILD(libiommu_hwpt_alloc(dev, ioas, NULL, &h));
	if (kvm)
		EXPECT_ECHILD(libiommu_kvm_del_dev(kvm, dev));
	libiommu_ctx_free(ctx);
	child_check_fds();
	return 0;
}

START_TEST(every_other_call_in_a_child_fails_with_echild)
{
	int rc = in_child(child_calls);

	assert_parent_intact();
	ck_assert_int_eq(rc, 0);
}
END_TEST

/* ---- a context of its own ------------------------------------------------- */

static int child_makes_its_own(void)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	uint8_t *page = xbuf(pgsz());
	struct libiommu_ioas *a = NULL;
	struct libiommu_ctx *mine = NULL;
	uint64_t iova = SRC_IOVA;
	int rc;

	/* The recipe: let go of the parent's, make a context of its own. */
	libiommu_ctx_free(ctx);
	rc = libiommu_ctx_new(&opts, &mine);
	CHILD_CHECK(rc == 0, "ctx_new: %s; log:\n%s", strerror(-rc), lg.all);
	rc = libiommu_ioas_alloc(mine, NULL, &a);
	CHILD_CHECK(rc == 0, "ioas_alloc: %s; log:\n%s", strerror(-rc), lg.all);
	/* Its own IOAS: the parent's IOVAs mean nothing here. */
	rc = libiommu_ioas_map(a, page, pgsz(), &iova, LIBIOMMU_MAP_READ | FIXED);
	CHILD_CHECK(rc == 0, "map: %s; log:\n%s", strerror(-rc), lg.all);
	rc = libiommu_ioas_unmap(a, iova, pgsz(), NULL);
	CHILD_CHECK(rc == 0, "unmap: %s; log:\n%s", strerror(-rc), lg.all);
	rc = libiommu_ioas_destroy(a);
	CHILD_CHECK(rc == 0, "destroy: %s; log:\n%s", strerror(-rc), lg.all);
	libiommu_ctx_free(mine);
	child_check_fds();
	return 0;
}

START_TEST(a_child_makes_a_context_of_its_own)
{
	int rc = in_child(child_makes_its_own);

	assert_parent_intact();
	ck_assert_int_eq(rc, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctx-fork");
	TCase *tc, *tb;

	tu_require_iommufd();
	require_edu();
	tc = tu_tcase(s, "owned");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_child_freeing_the_device_leaves_it_attached);
	tcase_add_test(tc, a_child_freeing_the_context_changes_nothing);
	tcase_add_test(tc, every_other_call_in_a_child_fails_with_echild);
	tcase_add_test(tc, a_child_makes_a_context_of_its_own);
	tb = tu_tcase(s, "borrowed");
	tcase_add_checked_fixture(tb, setup_borrowed, teardown);
	tcase_add_test(tb, a_child_freeing_a_borrowed_context_destroys_nothing);
	return tu_run(s);
}
