/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel fault injection for the VM-tier tests (tests/faultutil.c):
 * /proc/thread-self/fail-nth makes the Nth fault-injection point the
 * calling thread passes in the kernel fail - a slab or page allocation
 * (failslab, fail_page_alloc), or one of iommufd's own points.
 *
 * Between fu_arm() and fu_disarm() make no call that is not under test:
 * Check's own bookkeeping (ck_assert) makes system calls that would take
 * the fault.  Check the results after disarming.
 */
#ifndef LIBIOMMU_TEST_FAULTUTIL_H
#define LIBIOMMU_TEST_FAULTUTIL_H

#include <stdbool.h>

/*
 * From main(): make fail-nth fail every allocation, also those that may
 * sleep (failslab's and fail_page_alloc's ignore-gfp-wait off; restored
 * at exit).  Returns 0, or exits: 77 (skip) with the reason when the
 * kernel has no fault injection and @in_vm is false, 1 when it is true
 * (the VM tier's kernel must have it).
 */
int fu_setup(bool in_vm);

/* This thread's fail-nth file (Check runs each test in a child: open it there). */
int fu_open(void);

/* Make the @n-th fault point of this thread fail (0: none). */
bool fu_arm(int fd, int n);

/* 0 when the armed fault was injected, else how many points were left; -1 error. */
int fu_left(int fd);

#endif
