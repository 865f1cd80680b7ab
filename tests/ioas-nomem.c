// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ENOMEM from mapping, explained truthfully (VM tier): a map fails with
 * ENOMEM for different reasons, and the message must name the one that
 * applies - no pinning at all (no device on the IOAS), no accounting
 * (CAP_IPC_LOCK), the limit of the user or of the process (the accounting
 * mode), with what was asked against what is allowed - instead of always
 * blaming RLIMIT_MEMLOCK.
 *
 * Real limits are hit with setrlimit() after dropping CAP_IPC_LOCK; an
 * ENOMEM the limit does not explain is injected with fail-nth (the first
 * N at which the map fails with ENOMEM).  Runs on every backend
 * (tests/vm/variants); the mm accounting mode only on iommufd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "faultutil.h"
#include "test-dev.h"

static struct libiommu_dev *dev;
static char *buf;
#define BUF_LEN (8 * MiB)

static void setup(void)
{
	ioas_setup();
	buf = xbuf(BUF_LEN);
}

static void teardown(void)
{
	ioas_teardown();
	munmap(buf, BUF_LEN);
}

/* Drop @cap from this process's effective set (the test's own child). */
static void drop_cap(unsigned int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	ck_assert_int_eq(syscall(SYS_capget, &h, d), 0);
	d[cap / 32].effective &= ~(1u << (cap % 32));
	ck_assert_int_eq(syscall(SYS_capset, &h, d), 0);
}

static void set_memlock(uint64_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	ck_assert_int_eq(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
}

static void attach_edu(void)
{
	dev = open_edu(ctx);
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
}

#define assert_has(s, needle) \
	ck_assert_msg(strstr((s), (needle)), "message lacks \"%s\": %s", (needle), (s))
#define assert_lacks(s, needle) \
	ck_assert_msg(!strstr((s), (needle)), "message has \"%s\": %s", (needle), (s))

/*
 * Map @len at a fixed IOVA with fail-nth armed at N = 1, 2, ... until the
 * map fails with ENOMEM (an allocation of the map itself); the message is
 * in lg.msg.  No assertions while armed: Check's bookkeeping would take
 * the fault.
 */
static void map_with_injected_enomem(uint64_t iova, uint64_t len)
{
	int fd = fu_open();
	int n, rc = 0, err = 0, left;

	ck_assert_msg(fd >= 0, "fail-nth: %s", strerror(errno));
	for (n = 1; n < 500; n++) {
		uint64_t at = iova;

		log_reset(&lg);
		if (!fu_arm(fd, n))
			break;
		rc = libiommu_ioas_map(ioas, buf, len, &at, RW | FIXED);
		err = errno;
		left = fu_left(fd);
		if (!fu_arm(fd, 0))
			break;
		if (getenv("IOAS_NOMEM_TRACE"))
			printf("n=%d rc=%d left=%d %s\n", n, rc, left, lg.msg);
		if (left > 0)
			break; /* the map passed fewer than n fault points */
		if (rc == 0)
			ck_assert_int_eq(libiommu_ioas_unmap(ioas, iova, len, NULL), 0);
		if (rc == -ENOMEM)
			break;
	}
	close(fd);
	ck_assert_msg(rc == -ENOMEM && err == ENOMEM,
		      "no fault point made the map fail with ENOMEM (last rc %d at N=%d)", rc, n);
	printf("injected ENOMEM at N=%d: %s\n", n, lg.msg);
}

START_TEST(without_a_device_nothing_is_pinned)
{
	if (!tu_backend_is_iommufd()) {
		tu_skip_test("without_a_device_nothing_is_pinned",
			     "a container pins from its first device, which the legacy backends open first");
		return;
	}
	drop_cap(CAP_IPC_LOCK);
	set_memlock(64 * MiB);
	map_with_injected_enomem(16 * MiB, 2 * MiB);
	assert_has(lg.msg, "nothing is pinned");
	/* the library cannot see a device attached outside it: it says so */
	assert_has(lg.msg, "outside this library");
	assert_lacks(lg.msg, "raise the limit");
}
END_TEST

/*
 * VFIO's own type1 map makes at most one allocation fail-nth can reach
 * (measured: 0 or 1 fault points), none of which ends in ENOMEM.
 */
static bool injects_enomem(const char *test)
{
	if (tu_backend() != LIBIOMMU_BACKEND_TYPE1)
		return true;
	tu_skip_test(test, "VFIO's type1 map passes no fault point that fails it with ENOMEM");
	return false;
}

START_TEST(with_cap_ipc_lock_nothing_is_accounted)
{
	if (!injects_enomem("with_cap_ipc_lock_nothing_is_accounted"))
		return;
	attach_edu();
	set_memlock(64 * 1024); /* would be far too small, were it counted */
	map_with_injected_enomem(16 * MiB, 2 * MiB);
	assert_has(lg.msg, "CAP_IPC_LOCK");
	assert_has(lg.msg, "does not apply");
	assert_lacks(lg.msg, "raise the limit");
}
END_TEST

/* A real limit: 1 MiB, asking for 4 MiB, without CAP_IPC_LOCK. */
START_TEST(over_the_limit_names_the_limit_and_who_is_charged)
{
	uint64_t iova = 16 * MiB;
	char want[96];

	attach_edu();
	drop_cap(CAP_IPC_LOCK);
	set_memlock(1 * MiB);
	expect_err(libiommu_ioas_map(ioas, buf, 4 * MiB, &iova, RW | FIXED), -ENOMEM,
		   "RLIMIT_MEMLOCK is 1048576 bytes");
	snprintf(want, sizeof(want), "cannot pin %llu bytes", (unsigned long long)(4 * MiB));
	assert_has(lg.msg, want);
	assert_has(lg.msg, "raise the limit");
	/* iommufd and its type1 compatibility charge the user, a VFIO container the process */
	assert_has(lg.msg, tu_backend() == LIBIOMMU_BACKEND_TYPE1 ? "charged to this process" : "charged to the user");
	/* Within the limit it works: the message was about this map. */
	iova = 16 * MiB;
	expect_ok(libiommu_ioas_map(ioas, buf, 512 * 1024, &iova, RW | FIXED));
}
END_TEST

/* The mm mode charges the process: the message says so. */
START_TEST(mm_accounting_is_charged_to_the_process)
{
	uint64_t iova = 16 * MiB;

	if (!tu_backend_is_iommufd()) {
		tu_skip_test("mm_accounting_is_charged_to_the_process",
			     "the legacy backends have one accounting");
		return;
	}
	/* The mode is set before any object: a context of its own. */
	ioas_teardown();
	ctx = new_ctx(&lg);
	expect_ok(libiommu_ctx_set_memlock_mode(ctx, LIBIOMMU_MEMLOCK_MM));
	ioas = new_ioas(ctx);
	attach_edu();
	drop_cap(CAP_IPC_LOCK);
	set_memlock(1 * MiB);
	expect_err(libiommu_ioas_map(ioas, buf, 4 * MiB, &iova, RW | FIXED), -ENOMEM,
		   "LIBIOMMU_MEMLOCK_MM");
	assert_has(lg.msg, "charged to this process");
	assert_has(lg.msg, "(VmLck)");
}
END_TEST

/* A big limit with room left: the ENOMEM is not the limit's. */
START_TEST(room_under_the_limit_is_not_blamed_on_it)
{
	uint64_t iova = 16 * MiB;

	if (!injects_enomem("room_under_the_limit_is_not_blamed_on_it"))
		return;
	attach_edu();
	drop_cap(CAP_IPC_LOCK);
	set_memlock(1 * GiB);
	expect_ok(libiommu_ioas_map(ioas, buf, 6 * MiB, &iova, RW | FIXED));
	map_with_injected_enomem(64 * MiB, 2 * MiB);
	assert_has(lg.msg, "RLIMIT_MEMLOCK is 1073741824 bytes");
	assert_has(lg.msg, "leaves room");
	assert_lacks(lg.msg, "raise the limit");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioas-nomem");
	TCase *tc = tu_tcase(s, tu_backend_label());

	tu_require_iommufd();
	require_edu();
	tu_require_backend_device();
	fu_setup(getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1"));
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, without_a_device_nothing_is_pinned);
	tcase_add_test(tc, with_cap_ipc_lock_nothing_is_accounted);
	tcase_add_test(tc, over_the_limit_names_the_limit_and_who_is_charged);
	tcase_add_test(tc, mm_accounting_is_charged_to_the_process);
	tcase_add_test(tc, room_under_the_limit_is_not_blamed_on_it);
	return tu_run(s) ? 1 : 0;
}
