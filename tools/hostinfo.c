// SPDX-License-Identifier: LGPL-2.1-or-later
/* Copyright (C) 2026 The libiommu authors */
/*
 * The operator tools' view of the host, read from sysfs and /proc only
 * (see hostinfo.h).  Nothing here opens a VFIO node or /dev/iommu.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hostinfo.h"

#define VTD_ECAP_IR (UINT64_C(1) << 3)
#define VTD_ECAP_SC (UINT64_C(1) << 7)
#define PCI_CAP_ID_EXP 0x10
#define PCI_EXP_DEVCTL_NOSNOOP 0x0800

/* snprintf() that may cut: sysfs names and paths fit, and a cut one only
 * fails to match. */
static void strf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void strf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* @fmt under the host's root. */
static void path_of(char *buf, size_t len, const struct hi_host *h,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void path_of(char *buf, size_t len, const struct hi_host *h,
		    const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s", h->root);

	if (n < 0 || (size_t)n >= len)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* The first line of a small file, without its newline; -errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static int read_hex(const char *path, uint64_t *v)
{
	char buf[64], *end;
	int ret = read_line(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtoull(buf, &end, 16);
	return errno || end == buf ? -EINVAL : 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* The last component of a symlink's target into @out ("" when none). */
static void link_base(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *s;

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	s = strrchr(buf, '/');
	strf(out, len, "%s", s ? s + 1 : buf);
}

static void read_iommus(struct hi_host *h)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct dirent *e;
	DIR *d;

	path_of(dir, sizeof(dir), h, "/sys/class/iommu");
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) && h->niommus < 16) {
		struct hi_iommu *m = &h->iommus[h->niommus];

		if (e->d_name[0] == '.')
			continue;
		memset(m, 0, sizeof(*m));
		strf(m->name, sizeof(m->name), "%s", e->d_name);
		m->snoop_control = HI_UNKNOWN;
		m->intr_remap = HI_UNKNOWN;
		strf(p, sizeof(p), "%s/%s/intel-iommu/ecap", dir, e->d_name);
		if (exists(p)) {
			strf(m->type, sizeof(m->type), "intel-vtd");
			if (!read_hex(p, &m->ecap)) {
				strf(p, sizeof(p), "%s/%s/intel-iommu/cap",
				     dir, e->d_name);
				m->has_cap = !read_hex(p, &m->cap);
				m->snoop_control = !!(m->ecap & VTD_ECAP_SC);
				m->intr_remap = !!(m->ecap & VTD_ECAP_IR);
			}
		} else {
			strf(p, sizeof(p), "%s/%s/amd-iommu/cap", dir,
			     e->d_name);
			if (exists(p)) {
				strf(m->type, sizeof(m->type), "amd-vi");
				m->has_cap = !read_hex(p, &m->cap);
				strf(p, sizeof(p), "%s/%s/amd-iommu/features",
				     dir, e->d_name);
				if (read_hex(p, &m->ecap))
					m->has_cap = false;
				/* AMD-Vi can always force snooping (the
				 * PTE's FC bit): Linux reports it capable. */
				m->snoop_control = HI_YES;
			} else {
				strf(m->type, sizeof(m->type), "other");
			}
		}
		h->niommus++;
	}
	closedir(d);
}

static void read_resv(struct hi_host *h, struct hi_group *g, const char *gdir)
{
	char p[PATH_MAX], line[128];
	FILE *f;

	strf(p, sizeof(p), "%s/reserved_regions", gdir);
	f = fopen(p, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && g->nresv < 16) {
		struct hi_resv *r = &g->resv[g->nresv];

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %31s", &r->start,
			   &r->end, r->type) == 3)
			g->nresv++;
	}
	fclose(f);
}

static void read_config(struct hi_dev *d, const char *ddir)
{
	uint8_t cfg[256];
	char p[PATH_MAX];
	ssize_t n;
	int fd, pos, hops;

	strf(p, sizeof(p), "%s/config", ddir);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < 64)
		return;
	d->config_read = true;
	if (!(cfg[0x06] & 0x10)) /* no capability list */
		return;
	pos = cfg[0x34] & 0xfc;
	for (hops = 0; pos >= 0x40 && hops < 48; hops++) {
		if (pos + 10 > n) {
			/* unprivileged readers get 64 bytes only */
			d->config_read = false;
			return;
		}
		if (cfg[pos] == PCI_CAP_ID_EXP) {
			unsigned ctl = cfg[pos + 8] | cfg[pos + 9] << 8;

			d->pcie = true;
			d->nosnoop_enabled = ctl & PCI_EXP_DEVCTL_NOSNOOP;
			return;
		}
		pos = cfg[pos + 1] & 0xfc;
	}
}

static void read_dev(struct hi_host *h, struct hi_dev *d, const char *gdir,
		     const char *name, int group)
{
	char ddir[PATH_MAX], p[PATH_MAX], buf[64];
	struct dirent *e;
	DIR *vd;

	memset(d, 0, sizeof(*d));
	strf(d->name, sizeof(d->name), "%s", name);
	d->group = group;
	strf(ddir, sizeof(ddir), "%s/devices/%s", gdir, name);
	strf(p, sizeof(p), "%s/subsystem", ddir);
	link_base(p, d->bus, sizeof(d->bus));
	strf(p, sizeof(p), "%s/driver", ddir);
	link_base(p, d->driver, sizeof(d->driver));
	strf(p, sizeof(p), "%s/iommu", ddir);
	link_base(p, d->iommu, sizeof(d->iommu));
	strf(p, sizeof(p), "%s/vendor", ddir);
	if (!read_line(p, buf, sizeof(buf))) {
		d->vendor = strtoul(buf, NULL, 16);
		strf(p, sizeof(p), "%s/device", ddir);
		if (!read_line(p, buf, sizeof(buf))) {
			d->device = strtoul(buf, NULL, 16);
			d->has_ids = true;
		}
		strf(p, sizeof(p), "%s/class", ddir);
		if (!read_line(p, buf, sizeof(buf)))
			d->class_code = strtoul(buf, NULL, 16);
	}
	strf(p, sizeof(p), "%s/vfio-dev", ddir);
	vd = opendir(p);
	if (vd) {
		while ((e = readdir(vd)))
			if (!strncmp(e->d_name, "vfio", 4))
				strf(d->cdev, sizeof(d->cdev),
				     "/dev/vfio/devices/%.32s", e->d_name);
		closedir(vd);
	}
	strf(buf, sizeof(buf), "/dev/vfio/%d", group);
	path_of(p, sizeof(p), h, "%s", buf);
	if (exists(p))
		strf(d->group_node, sizeof(d->group_node), "%s", buf);
	read_config(d, ddir);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_groups(struct hi_host *h)
{
	char dir[PATH_MAX], gdir[PATH_MAX], p[PATH_MAX];
	int *ids = NULL, nids = 0, i;
	struct dirent *e;
	DIR *d;

	path_of(dir, sizeof(dir), h, "/sys/kernel/iommu_groups");
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int *n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n = realloc(ids, (nids + 1) * sizeof(*ids));
		if (!n)
			goto nomem;
		ids = n;
		ids[nids++] = atoi(e->d_name);
	}
	closedir(d);
	d = NULL;
	if (nids)
		qsort(ids, nids, sizeof(*ids), cmp_int);
	h->groups = calloc(nids ? nids : 1, sizeof(*h->groups));
	if (!h->groups)
		goto nomem;
	for (i = 0; i < nids; i++) {
		struct hi_group *g = &h->groups[h->ngroups++];
		char **names = NULL;
		int nnames = 0, j;
		DIR *dd;

		g->id = ids[i];
		strf(gdir, sizeof(gdir), "%s/%d", dir, g->id);
		strf(p, sizeof(p), "%s/type", gdir);
		if (read_line(p, g->type, sizeof(g->type)))
			g->type[0] = '\0';
		read_resv(h, g, gdir);
		g->first_dev = h->ndevs;
		strf(p, sizeof(p), "%s/devices", gdir);
		dd = opendir(p);
		while (dd && (e = readdir(dd))) {
			char **n;

			if (e->d_name[0] == '.')
				continue;
			n = realloc(names, (nnames + 1) * sizeof(*names));
			if (!n || !(n[nnames] = strdup(e->d_name))) {
				names = n ? n : names;
				break;
			}
			names = n;
			nnames++;
		}
		if (dd)
			closedir(dd);
		if (nnames)
			qsort(names, nnames, sizeof(*names), cmp_name);
		for (j = 0; j < nnames; j++) {
			struct hi_dev *nd =
				realloc(h->devs, (h->ndevs + 1) * sizeof(*nd));

			if (nd) {
				h->devs = nd;
				read_dev(h, &h->devs[h->ndevs++], gdir,
					 names[j], g->id);
				g->ndevs++;
			}
			free(names[j]);
		}
		free(names);
	}
	free(ids);
	return 0;
nomem:
	if (d)
		closedir(d);
	free(ids);
	return -ENOMEM;
}

/* Who holds each device's VFIO nodes: the fds of every process we may read. */
static void read_holders(struct hi_host *h)
{
	char dir[PATH_MAX], p[PATH_MAX * 2], target[PATH_MAX], comm[HI_NAME];
	struct dirent *pe, *fe;
	DIR *pd, *fd;
	int i;

	path_of(dir, sizeof(dir), h, "/proc");
	pd = opendir(dir);
	if (!pd)
		return;
	while ((pe = readdir(pd))) {
		int pid = atoi(pe->d_name);

		if (pid <= 0 || (!h->root[0] && pid == getpid()))
			continue;
		strf(p, sizeof(p), "%s/%s/fd", dir, pe->d_name);
		fd = opendir(p);
		if (!fd)
			continue;
		comm[0] = '\0';
		while ((fe = readdir(fd))) {
			ssize_t n;

			if (fe->d_name[0] == '.')
				continue;
			strf(p, sizeof(p), "%s/%s/fd/%s", dir, pe->d_name,
			     fe->d_name);
			n = readlink(p, target, sizeof(target) - 1);
			if (n <= 0 || strncmp(target, "/dev/vfio/", 10))
				continue;
			target[n] = '\0';
			if (!comm[0]) {
				strf(p, sizeof(p), "%s/%s/comm", dir,
				     pe->d_name);
				if (read_line(p, comm, sizeof(comm)))
					strf(comm, sizeof(comm), "?");
			}
			for (i = 0; i < h->ndevs; i++) {
				struct hi_dev *d = &h->devs[i];
				struct hi_holder *ho;
				int k;

				if (strcmp(target, d->cdev) &&
				    strcmp(target, d->group_node))
					continue;
				for (k = 0; k < d->nholders; k++)
					if (d->holders[k].pid == pid &&
					    !strcmp(d->holders[k].node, target))
						break;
				if (k < d->nholders ||
				    d->nholders == HI_MAX_HOLDERS)
					continue;
				ho = &d->holders[d->nholders++];
				ho->pid = pid;
				strf(ho->comm, sizeof(ho->comm), "%s", comm);
				strf(ho->node, sizeof(ho->node), "%s",
				     target);
			}
		}
		closedir(fd);
	}
	closedir(pd);
}

static void read_interrupts(struct hi_host *h)
{
	char p[PATH_MAX], line[512];
	FILE *f;

	path_of(p, sizeof(p), h, "/proc/interrupts");
	f = fopen(p, "re");
	h->intr_remap_kernel = HI_UNKNOWN;
	if (!f)
		return;
	h->intr_remap_kernel = HI_NO;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " IR-")) {
			h->intr_remap_kernel = HI_YES;
			break;
		}
	fclose(f);
}

int hi_collect(struct hi_host *h, const char *root)
{
	char p[PATH_MAX];
	struct rlimit rl;
	struct utsname u;
	int ret;

	memset(h, 0, sizeof(*h));
	h->root = root ? root : "";
	path_of(p, sizeof(p), h, "/dev/iommu");
	h->iommufd = exists(p);
	path_of(p, sizeof(p), h, "/sys/class/vfio-dev");
	h->vfio_cdev = exists(p);
	path_of(p, sizeof(p), h, "/dev/vfio/vfio");
	h->vfio_group = exists(p);
	h->memlock_cur = h->memlock_max = UINT64_MAX;
	if (!getrlimit(RLIMIT_MEMLOCK, &rl)) {
		if (rl.rlim_cur != RLIM_INFINITY)
			h->memlock_cur = rl.rlim_cur;
		if (rl.rlim_max != RLIM_INFINITY)
			h->memlock_max = rl.rlim_max;
	}
	path_of(p, sizeof(p), h, "/proc/sys/kernel/osrelease");
	if (read_line(p, h->kernel, sizeof(h->kernel)) && !h->root[0] &&
	    !uname(&u))
		strf(h->kernel, sizeof(h->kernel), "%s", u.release);
	read_iommus(h);
	read_interrupts(h);
	ret = read_groups(h);
	if (ret) {
		hi_free(h);
		return ret;
	}
	read_holders(h);
	return 0;
}

void hi_free(struct hi_host *h)
{
	free(h->groups);
	free(h->devs);
	h->groups = NULL;
	h->devs = NULL;
	h->ngroups = h->ndevs = 0;
}

const struct hi_iommu *hi_dev_iommu(const struct hi_host *h,
				    const struct hi_dev *d)
{
	int i;

	for (i = 0; i < h->niommus; i++)
		if (d->iommu[0] && !strcmp(h->iommus[i].name, d->iommu))
			return &h->iommus[i];
	return NULL;
}

const struct hi_group *hi_dev_group(const struct hi_host *h,
				    const struct hi_dev *d)
{
	int i;

	for (i = 0; i < h->ngroups; i++)
		if (h->groups[i].id == d->group)
			return &h->groups[i];
	return NULL;
}

const struct hi_dev *hi_find_dev(const struct hi_host *h, const char *name)
{
	int i;

	for (i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i].name, name))
			return &h->devs[i];
	/* "00:03.0" for "0000:00:03.0" */
	for (i = 0; i < h->ndevs; i++)
		if (strlen(h->devs[i].name) > 5 &&
		    !strcmp(h->devs[i].name + 5, name))
			return &h->devs[i];
	return NULL;
}

const char *hi_row(const struct hi_host *h, const struct hi_dev *d)
{
	const struct hi_iommu *m = hi_dev_iommu(h, d);

	if (!m || m->snoop_control == HI_UNKNOWN)
		return "unknown";
	/* iommufd enforces snooping whenever the IOMMU can. */
	return m->snoop_control == HI_YES ? "blocks" : "lets-through";
}

const char *hi_column(const struct hi_dev *d)
{
	if (!d->config_read)
		return "unknown";
	if (!d->pcie)
		return "never";
	/* Enable No Snoop clear may still be writable: read-only, we cannot
	 * tell it from hard-wired 0. */
	return d->nosnoop_enabled ? "may" : "not-enabled";
}

int hi_box(const struct hi_host *h, const struct hi_dev *d)
{
	const char *r = hi_row(h, d), *c = hi_column(d);
	bool blocks = !strcmp(r, "blocks"), lets = !strcmp(r, "lets-through");

	if (!strcmp(c, "may"))
		return blocks ? 1 : lets ? 3
					 : 0;
	if (!strcmp(c, "never"))
		return blocks ? 2 : lets ? 4
					 : 0;
	return 0;
}

enum hi_tri hi_intr_remap(const struct hi_host *h)
{
	enum hi_tri t = h->intr_remap_kernel;
	int i;

	for (i = 0; i < h->niommus; i++)
		if (h->iommus[i].intr_remap == HI_YES)
			return HI_YES;
	return t;
}

void hi_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

const char *hi_tri_json(enum hi_tri t)
{
	return t == HI_YES ? "true" : t == HI_NO ? "false"
						 : "null";
}
