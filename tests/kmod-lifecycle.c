/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two companion modules load and unload independently and together:
 * libiommu.ko alone (the simulator unloaded), libiommu_sim.ko alone
 * (libiommu.ko unloaded), and both, loaded and unloaded in either order,
 * 100 times each, with each load doing a little of what it is for (and,
 * with both, one module's answers about the other's devices).  The kernel
 * log must stay free of warnings; on the normal kernel unreclaimable slab
 * must not grow (on the debug kernel kmemleak judges, see tests/vm/init).
 *
 * LIBIOMMU_TEST_CYCLES=N runs N cycles instead of 100 (scripts/test-all.sh's
 * boot of the debug kernel, where the checkers see each path on its first
 * cycle and every cycle costs ten times as much).
 *
 * Every test starts from both modules loaded and idle, and leaves them so
 * whatever happens.  Runs in the VM tier only (LIBIOMMU_VM=1 and the
 * modules' files in LIBIOMMU_KMOD_DIR); skips (77) elsewhere.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kmodutil.h"
#include "testutil.h"
#include "libiommu_kmod.h"

#define WARMUP 5
/* Unreclaimable slab growth allowed over the cycles, as in test-kmod/test-sim. */
#define SUNRECLAIM_SLACK_KB 128

static int cycles = 100;

enum { MAIN,
       SIM,
       NMODS };
static const char *const modname[NMODS] = { LIBIOMMU_KMOD_MODNAME,
					    LIBIOMMU_KMOD_SIM_MODNAME };
static const char *const node[NMODS] = { LIBIOMMU_KMOD_DEVNODE,
					 LIBIOMMU_KMOD_SIM_DEVNODE };
static int ko[NMODS] = { -1, -1 };

static int load(int m)
{
	return syscall(SYS_finit_module, ko[m], "", 0) ? -errno : 0;
}

/* Both modules loaded again, whatever a test did. */
static void restore(void)
{
	for (int m = 0; m < NMODS; m++)
		if (ko[m] >= 0 && access(node[m], F_OK))
			load(m);
}

static void setup(void)
{
	const char *dir = getenv("LIBIOMMU_KMOD_DIR");
	char path[PATH_MAX];

	/* start from a known state, whatever a failed test left */
	ku_restore_modules();
	ku_sim_destroy_leftovers();
	for (int m = 0; m < NMODS; m++) {
		snprintf(path, sizeof(path), "%s/%s.ko", dir, modname[m]);
		ko[m] = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_msg(ko[m] >= 0, "%s: %s", path, strerror(errno));
		ku_require_module_idle(modname[m]);
	}
}

/* GET_VERSION on @m's node: its features, or 0 (with *why) on failure. */
static uint64_t version(int m, const char **why)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	int fd = open(node[m], O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		*why = "open the control node";
		return 0;
	}
	if (ioctl(fd, LIBIOMMU_KMOD_GET_VERSION, &v))
		*why = "GET_VERSION";
	close(fd);
	return v.out_features;
}

/*
 * One simulated device, created and destroyed; with libiommu.ko loaded,
 * asked about through its cdev (a device that is not PCI to the kernel).
 * NULL, or what failed.
 */
static const char *sim_device_cycle(bool with_main)
{
	struct libiommu_kmod_sim_iommu_create ic = { .size = sizeof(ic) };
	struct libiommu_kmod_sim_dev_create dc = { .size = sizeof(dc) };
	struct libiommu_kmod_sim_dev_destroy dd = { .size = sizeof(dd) };
	struct libiommu_kmod_sim_iommu_destroy id = { .size = sizeof(id) };
	const char *why = NULL;
	char path[64];
	int s, fd, m = -1;

	s = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);
	if (s < 0)
		return "open " LIBIOMMU_KMOD_SIM_DEVNODE;
	ic.flags = LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL;
	if (ioctl(s, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, &ic)) {
		close(s);
		return "SIM_IOMMU_CREATE";
	}
	dc.iommu_id = id.iommu_id = ic.out_iommu_id;
	dc.dev_flags = LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP;
	if (ioctl(s, LIBIOMMU_KMOD_SIM_DEV_CREATE, &dc)) {
		why = "SIM_DEV_CREATE";
		goto out_iommu;
	}
	dd.dev_id = dc.out_dev_id;
	if (with_main) {
		struct libiommu_kmod_dev_info di = { .size = sizeof(di) };

		snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u",
			 dc.out_vfio_index);
		fd = open(path, O_RDWR | O_CLOEXEC);
		m = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);
		di.vfio_fd = fd;
		if (fd < 0 || m < 0 ||
		    ioctl(m, LIBIOMMU_KMOD_GET_DEV_INFO, &di))
			why = "GET_DEV_INFO of a simulated device";
		else if (di.out_nosnoop != LIBIOMMU_KMOD_NOSNOOP_NOT_PCI ||
			 !(di.out_flags & LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC))
			why = "GET_DEV_INFO's answer about a simulated device";
		if (fd >= 0)
			close(fd);
		if (m >= 0)
			close(m);
	}
	if (ioctl(s, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd) && !why)
		why = "SIM_DEV_DESTROY";
out_iommu:
	if (ioctl(s, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id) && !why)
		why = "SIM_IOMMU_DESTROY";
	close(s);
	return why;
}

/*
 * WARMUP + cycles times: unload the modules in @mods (a mask of 1 << MAIN,
 * 1 << SIM), load them again, check them; with @alternate the orders are
 * reversed every other cycle.
 */
static void cycle(unsigned int mods, bool alternate)
{
	long sunr0 = 0, sunr1;
	int bad0 = ku_kmsg_bad(), i, rc, failed_at = -1;
	const char *why = NULL;
	char busy[2048] = "";
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < WARMUP + cycles && failed_at < 0; i++) {
		bool rev = alternate && (i & 1);

		if (i == WARMUP)
			sunr0 = ku_meminfo("SUnreclaim");
		for (int k = 0; k < NMODS && !why; k++) {
			int m = rev ? NMODS - 1 - k : k;

			if (!(mods & (1u << m)))
				continue;
			rc = ku_unload(modname[m]);
			if (rc) {
				why = "delete_module";
				ku_module_busy_why(modname[m], busy, sizeof(busy));
			}
		}
		for (int k = 0; k < NMODS && !why; k++) {
			int m = rev ? k : NMODS - 1 - k;

			if ((mods & (1u << m)) && load(m))
				why = "finit_module";
		}
		for (int m = 0; m < NMODS && !why; m++)
			if ((mods & (1u << m)) && !version(m, &why))
				why = why ?: "no features";
		if (!why && (mods & (1u << SIM)))
			why = sim_device_cycle(!access(LIBIOMMU_KMOD_DEVNODE, F_OK));
		if (why)
			failed_at = i;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	restore();
	ck_assert_msg(!why, "cycle %d: %s failed %s", failed_at, why, busy);

	usleep(500000); /* RCU-deferred frees of the last unload */
	sunr1 = ku_meminfo("SUnreclaim");
	printf("%d cycles in %.1f s; over the last %d: SUnreclaim %ld -> %ld kB (%+ld)\n",
	       WARMUP + cycles, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, cycles, sunr0, sunr1,
	       sunr1 - sunr0);
	if (ku_slab_growth_means_leaks())
		ck_assert_msg(sunr1 - sunr0 <= SUNRECLAIM_SLACK_KB,
			      "SUnreclaim grew by %ld kB over %d cycles",
			      sunr1 - sunr0, cycles);
	ck_assert_int_eq(ku_kmsg_bad(), bad0);
}

/* libiommu.ko alone: the simulator is unloaded meanwhile. */
START_TEST(libiommu_alone_loads_and_unloads_100_times)
{
	ku_assert_unloaded(LIBIOMMU_KMOD_SIM_MODNAME);
	cycle(1u << MAIN, false);
}
END_TEST

/* libiommu_sim.ko alone: libiommu.ko is unloaded meanwhile. */
START_TEST(libiommu_sim_alone_loads_and_unloads_100_times)
{
	ku_assert_unloaded(LIBIOMMU_KMOD_MODNAME);
	cycle(1u << SIM, false);
}
END_TEST

/* Both, unloaded and loaded in one order, then the other, in turn. */
START_TEST(both_load_and_unload_100_times_in_either_order)
{
	cycle(1u << MAIN | 1u << SIM, true);
}
END_TEST

int main(void)
{
	const char *vm = getenv("LIBIOMMU_VM"), *dir = getenv("LIBIOMMU_KMOD_DIR");
	char path[PATH_MAX];
	TCase *tc;
	Suite *s;
	int rc;

	if (!vm || strcmp(vm, "1") || !dir) {
		printf("SKIP: reloads the companion modules: VM tier only (LIBIOMMU_VM=1, LIBIOMMU_KMOD_DIR)\n");
		return TU_EXIT_SKIP;
	}
	snprintf(path, sizeof(path), "%s/%s.ko", dir, LIBIOMMU_KMOD_SIM_MODNAME);
	if (access(path, R_OK) || access(LIBIOMMU_KMOD_SIM_DEVNODE, F_OK) ||
	    access(LIBIOMMU_KMOD_DEVNODE, F_OK)) {
		printf("SKIP: needs both modules loaded and their files in %s\n", dir);
		return TU_EXIT_SKIP;
	}
	if (!tu_want_lifecycle("the x100 load/unload loops")) {
		printf("SKIP: LIBIOMMU_TEST_LIFECYCLE=0\n");
		return TU_EXIT_SKIP;
	}
	if (getenv("LIBIOMMU_TEST_CYCLES")) {
		char *end;
		long n = strtol(getenv("LIBIOMMU_TEST_CYCLES"), &end, 10);

		if (*end || n < 1 || n > 100000) {
			fprintf(stderr, "LIBIOMMU_TEST_CYCLES: not a count of 1 to 100000\n");
			return 2;
		}
		cycles = (int)n;
		printf("note: %d cycles per test (LIBIOMMU_TEST_CYCLES), not 100\n", cycles);
	}
	s = suite_create("kmod-lifecycle");
	tc = tu_tcase(s, "x100");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, libiommu_alone_loads_and_unloads_100_times);
	tcase_add_test(tc, libiommu_sim_alone_loads_and_unloads_100_times);
	tcase_add_test(tc, both_load_and_unload_100_times_in_either_order);
	rc = tu_run(s);
	ku_restore_modules(); /* a failed test may have left one unloaded */
	return rc;
}
