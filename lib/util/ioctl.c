/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* System calls every layer uses: see ioctl.h. */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ioctl.h"

unsigned long lu_page_size(void)
{
	static unsigned long cached;
	unsigned long ps = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);

		ps = v > 0 ? (unsigned long)v : 4096;
		__atomic_store_n(&cached, ps, __ATOMIC_RELAXED);
	}
	return ps;
}
