/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every ioctl the test process issues, recorded, and held to the list of
 * the public function that issued it (libiommu_ioctls(3)).
 *
 * tests/ioctlrec.c defines ioctl() itself: the library's calls reach it
 * instead of the C library's (the executable's symbol comes first, with
 * the shared library as with the static one) and it passes them on with
 * syscall(SYS_ioctl).  Optionally it answers, instead of the kernel, the
 * ioctls on one file as a fake iommufd would (the host tier has none).
 */
#ifndef LIBIOMMU_TEST_IOCTLREC_H
#define LIBIOMMU_TEST_IOCTLREC_H

#include <stdint.h>

#include "testutil.h"

/*
 * Record the ioctls issued from now on as issued by public function
 * @function on @backend.
 */
void tu_rec_begin(const char *function, enum libiommu_backend backend);

/*
 * Stop recording and hold each ioctl recorded to the function's list:
 * one with the same request on the same kind of file.  Returns how many
 * were not listed (each printed on stderr with what it was); *issued (may
 * be NULL) gets how many were recorded in all.
 */
int tu_rec_end(int *issued);

/* Assert that the calls between tu_rec_begin() and here issued only listed ioctls. */
#define TU_REC_CHECK() \
	do { \
		int tu_unlisted_ = tu_rec_end(NULL); \
		ck_assert_msg(tu_unlisted_ == 0, \
			      "%d ioctl(s) issued that the function's list does not have (see stderr)", \
			      tu_unlisted_); \
	} while (0)

/* Record @expr as a call of @fn on @backend, and check it (the value of @expr is kept in @rc). */
#define TU_REC(rc, backend, fn, ...) \
	do { \
		tu_rec_begin(#fn, backend); \
		(rc) = fn(__VA_ARGS__); \
		TU_REC_CHECK(); \
	} while (0)

/* Print, for each function recorded so far, how many ioctls it issued. */
void tu_rec_report(void);

/*
 * Answer the ioctls on every fd of the file at @path (a regular file the
 * test made) as a fake iommufd: IOAS objects, maps, options and the probes
 * of the commands the 7.3 kernel knows; ENOTTY for what it does not do.
 */
void tu_fake_iommufd(const char *path);

/*
 * The next @times ioctls with request @request on the fake fail with -@err
 * (a seccomp filter's refusal, a kernel without the command), before
 * anything else happens.
 */
void tu_fake_fail(uint32_t request, int err, int times);

/* How many ioctls the fake answered (to show a call issued none). */
int tu_fake_count(void);

#endif
