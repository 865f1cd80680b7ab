// SPDX-License-Identifier: LGPL-2.1-or-later
/* Readers of /proc/self/status (see proc.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

/* The value after "@field:" in /proc/self/status, into @buf. */
static int status_field(const char *field, char *buf, size_t len)
{
	size_t flen = strlen(field);
	char line[256];
	int rc = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) || line[flen] != ':')
			continue;
		snprintf(buf, len, "%s", line + flen + 1);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

int lu_proc_status_bytes(const char *field, uint64_t *bytes)
{
	char v[64], *end;
	unsigned long long kb;
	int rc = status_field(field, v, sizeof(v));

	if (rc)
		return rc;
	errno = 0;
	kb = strtoull(v, &end, 10);
	if (errno || end == v)
		return -EINVAL;
	*bytes = (uint64_t)kb * 1024;
	return 0;
}

bool lu_proc_has_cap(unsigned int cap)
{
	char v[64], *end;
	unsigned long long eff;

	if (cap > 63 || status_field("CapEff", v, sizeof(v)))
		return false;
	errno = 0;
	eff = strtoull(v, &end, 16);
	return !errno && end != v && (eff >> cap & 1);
}
