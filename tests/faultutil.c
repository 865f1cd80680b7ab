// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel fault injection helpers for the VM tier (see faultutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultutil.h"
#include "testutil.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"

static const char *const knobs[] = {
	"/sys/kernel/debug/failslab/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem",
};
static char knob_old[sizeof(knobs) / sizeof(knobs[0])][8];
/* The process that turned the knobs: Check's test children exit too. */
static pid_t knob_owner;

static int write_file(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(v, f) < 0 ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static void knobs_restore(void)
{
	if (getpid() != knob_owner)
		return;
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (knob_old[i][0])
			write_file(knobs[i], knob_old[i]);
}

static int knobs_set(void)
{
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		FILE *f = fopen(knobs[i], "r");
		int rc;

		if (!f)
			return -errno;
		if (!fgets(knob_old[i], sizeof(knob_old[i]), f))
			knob_old[i][0] = '\0';
		fclose(f);
		rc = write_file(knobs[i], "N");
		if (rc)
			return rc;
	}
	return 0;
}

int fu_setup(bool in_vm)
{
	const char *why = NULL;
	int rc = 0;

	if (access(FAIL_NTH, W_OK) != 0)
		why = "no " FAIL_NTH ": the kernel lacks CONFIG_FAULT_INJECTION";
	else if ((rc = knobs_set()) != 0)
		why = "cannot turn off ignore-gfp-wait in /sys/kernel/debug/failslab and fail_page_alloc (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS, debugfs mounted)";
	knob_owner = getpid();
	if (!why) {
		atexit(knobs_restore);
		return 0;
	}
	knobs_restore();
	printf("%s: %s (%s); the VM tier's kernel has it\n", in_vm ? "FAIL" : "SKIP",
	       why, strerror(rc ? -rc : errno));
	fflush(stdout);
	exit(in_vm ? 1 : TU_EXIT_SKIP);
}

int fu_open(void)
{
	return open(FAIL_NTH, O_RDWR | O_CLOEXEC);
}

bool fu_arm(int fd, int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%d", n);

	return pwrite(fd, b, (size_t)len, 0) == len;
}

int fu_left(int fd)
{
	char b[16] = "";

	return pread(fd, b, sizeof(b) - 1, 0) > 0 ? atoi(b) : -1;
}
