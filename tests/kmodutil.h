/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the tests that talk to the companion module
 * (/dev/libiommu) and to KVM with raw ioctls.  All of them fail the current
 * Check test on unexpected errors, so callers stay short.
 */
#ifndef LIBIOMMU_TESTS_KMODUTIL_H
#define LIBIOMMU_TESTS_KMODUTIL_H

#include <check.h>
#include <stdint.h>
#include <string.h>

/* ioctl() as 0 / -errno. */
int ku_ioctl(int fd, unsigned long req, void *arg);

/* Assert that an expression returning 0 / -errno gave @want. */
#define ku_assert_rc(expr, want)					\
	do {								\
		int rc_ = (expr);					\
		ck_assert_msg(rc_ == (want), "%s = %d (%s), want %d (%s)", \
			      #expr, rc_, strerror(-rc_), (int)(want),	\
			      strerror(-(want)));			\
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

/* delete_module(2) of the companion module; 0 / -errno. */
int ku_delete_module(unsigned int flags);

#endif
