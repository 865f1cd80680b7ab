/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What /proc says about this process (lib/util/proc.c), for error
 * messages.  Nothing here logs.
 */
#ifndef LIBIOMMU_UTIL_PROC_H
#define LIBIOMMU_UTIL_PROC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A "Name:   <n> kB" line of /proc/self/status (VmLck, VmPin, ...), in
 * bytes: 0 or -errno (-ENOENT: no such line).
 */
int lu_proc_status_bytes(const char *field, uint64_t *bytes);

/* Is capability @cap (CAP_IPC_LOCK, ...) in this thread's effective set? */
bool lu_proc_has_cap(unsigned int cap);

#endif
