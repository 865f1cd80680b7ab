/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the tests that talk to the companion modules
 * (/dev/libiommu, /dev/libiommu-sim) and to KVM with raw ioctls.  All of
 * them fail the current Check test on unexpected errors, so callers stay
 * short.
 */
#ifndef LIBIOMMU_TESTS_KMODUTIL_H
#define LIBIOMMU_TESTS_KMODUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ioctl() as 0 / -errno. */
int ku_ioctl(int fd, unsigned long req, void *arg);

/* Assert that an expression returning 0 / -errno gave @want. */
#define ku_assert_rc(expr, want) \
	do { \
		int rc_ = (expr); \
		ck_assert_msg(rc_ == (want), "%s = %d (%s), want %d (%s)", \
			      #expr, rc_, strerror(-rc_), (int)(want), \
			      strerror(-(want))); \
	} while (0)

/* A new KVM VM fd (KVM_CREATE_VM on /dev/kvm). */
int ku_kvm_new_vm(void);

/* A kvm-vfio device fd on @vm (KVM_CREATE_DEVICE KVM_DEV_TYPE_VFIO). */
int ku_kvm_new_vfio_dev(int vm);

/* KVM_DEV_VFIO_FILE_ADD/DEL (@op) of @fd on a kvm-vfio device; 0 / -errno. */
int ku_kvm_vfio_file(int kdev, uint64_t op, int fd);

/* The kB value of a /proc/meminfo field, e.g. "SUnreclaim". */
long ku_meminfo(const char *field);

/*
 * Kernel log lines containing any of @needles (lines about
 * allow_unsafe_interrupts excepted, as tests/vm/init does).
 */
int ku_kmsg_count(const char *const *needles, size_t n);

/*
 * Kernel log lines the VM tier counts as failures (WARNING:, BUG:, Oops,
 * general protection), as tests/vm/init judges them.
 */
int ku_kmsg_bad(void);

/*
 * Run @prog @arg (busybox's insmod or rmmod, found on PATH) and wait: its
 * exit status, or -1 when it did not run or did not exit.  @quiet sends
 * its stdout and stderr to /dev/null.
 */
int ku_run(const char *prog, const char *arg, bool quiet);

/*
 * Simulated IOMMUs and devices (LIBIOMMU_KMOD_SIM_*), made through the
 * simulator's control fd @ctl (ku_sim_open()) and recorded, so that a test's teardown undoes
 * them with ku_sim_destroy_all() even after a failed assertion.  The
 * creators fail the current test on any error; ku_sim_dev() stores the
 * device's cdev index (/dev/vfio/devices/vfioN) in *@vfio_index when not
 * NULL.
 */
uint32_t ku_sim_iommu(int ctl, uint32_t flags);
uint32_t ku_sim_dev(int ctl, uint32_t iommu_id, uint32_t flags,
		    uint32_t *vfio_index);
/* Destroy every recorded device, then every recorded IOMMU (errors ignored). */
void ku_sim_destroy_all(int ctl);
/*
 * A sim test's teardown, also after a failed assertion: close whatever
 * VFIO, iommufd and KVM fds are left (a device with an open fd cannot be
 * destroyed), destroy every recorded device and IOMMU, close *@ctl and
 * set it to -1.
 */
void ku_sim_close(int *ctl);
/* Forget the recorded devices / IOMMUs: the test destroyed them itself. */
void ku_sim_forget_devs(void);
void ku_sim_forget_iommus(void);

/*
 * Whether slab growth over a loop says anything about leaks here: not on
 * the VM tier's debug kernel (LIBIOMMU_VM_KERNEL=debug), where KASAN's
 * quarantine holds freed objects back and kmemleak, which the guest's init
 * reads after the tests, is the judge.  Says so (a note) when false.
 */
bool ku_slab_growth_means_leaks(void);

/* delete_module(2) of module @name (LIBIOMMU_KMOD_*MODNAME); 0 / -errno. */
int ku_delete_module(const char *name, unsigned int flags);

/* /sys/module/@name/refcnt: its reference count, or -1 when not loaded. */
int ku_module_refcnt(const char *name);

/*
 * What keeps module @name busy, in words, into @buf: its reference count
 * and every holder a test can see - processes with a control node, a
 * VFIO device, /dev/iommu (an iommufd may hold a simulated domain) or a
 * KVM file open, simulated devices that still exist, modules that use it.
 * Returns @buf.
 */
const char *ku_module_busy_why(const char *name, char *buf, size_t len);

/*
 * Fail the current test unless module @name is loaded and nothing holds
 * it, naming the holders (a previous test's leftovers) instead of letting
 * a later delete_module() fail with a bare EWOULDBLOCK.
 */
void ku_require_module_idle(const char *name);

/*
 * A failed Check test in fork mode ends its process with _exit(): neither
 * its checked teardown nor atexit() handlers run.  Its fds close with the
 * process, but simulated devices and IOMMUs stay, and so does a test
 * build of a module it had loaded.  These put things back; fixtures call
 * them before each test and main() after the suite, so that a failing
 * test takes no other test with it.
 *
 * ku_sim_destroy_leftovers(): destroy every simulated device and IOMMU
 * that exists (found in sysfs), saying which ("note: ..."); how many.
 * ku_restore_modules(): in the VM tier (LIBIOMMU_KMOD_DIR), both modules
 * loaded as the guest's init loaded them - not missing, not a test build
 * (ku_mark_test_module()), not with a test's module parameters.
 */
int ku_sim_destroy_leftovers(void);
void ku_restore_modules(void);
/* A test loads another build of module @name: ku_restore_modules() undoes it. */
void ku_mark_test_module(const char *name);

/*
 * Close every fd of this process that can pin a companion module or a
 * simulated device: VFIO device and group fds, iommufds, KVM fds.  For
 * teardowns that must also work after a failed assertion, before
 * ku_sim_destroy_all() (a device with an open fd cannot be destroyed).
 */
void ku_close_device_fds(void);

/*
 * Unload @name, waiting up to a second while it is busy (EWOULDBLOCK):
 * libiommu_sim.ko drops the reference a freed domain held after an RCU
 * grace period, so right after the last iommufd is closed it is still
 * busy for a few milliseconds.  0 / -errno.
 */
int ku_unload(const char *name);
/* ku_unload() or fail the test, naming what keeps @name busy. */
void ku_assert_unloaded(const char *name);

/*
 * The simulator's control node, opened (fails the test when it cannot
 * be); ku_require_sim() exits 77 with the reason unless libiommu_sim.ko
 * is loaded and /dev/iommu is there.
 */
int ku_sim_open(void);
void ku_require_sim(void);

/*
 * Drop capability @cap from this process's effective, permitted and
 * inheritable sets (the uid stays as it is); 0 / -errno.
 */
int ku_drop_cap(int cap);

#endif
