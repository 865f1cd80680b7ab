// SPDX-License-Identifier: LGPL-2.1-or-later
/* Copyright (C) 2026 The libiommu authors */
/*
 * libiommu-validate: can this host assign devices to a VM through iommufd?
 * PASS/WARN/FAIL lines in the style of virt-host-validate.  Read-only like
 * libiommu-ls (sysfs and /proc); see libiommu-validate(1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostinfo.h"

enum verdict { PASS,
	       WARN,
	       FAIL };
static const char *const verdict_name[] = { "PASS", "WARN", "FAIL" };

static bool json;
static int nchecks;
static enum verdict worst;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: libiommu-validate [--device PCI-ADDR] [--guest-size SIZE] [--json] [--root DIR]\n"
		"Check the host for device assignment through iommufd: IOMMU on,\n"
		"interrupt remapping, iommufd and VFIO cdev support, snoop control\n"
		"(the coherency matrix of this host's devices); with --device, the\n"
		"device's IOMMU group; with --guest-size, the memlock limit.\n"
		"Read-only: binds and opens no device.\n"
		"\n"
		"  -d, --device ADDR      a PCI device (0000:00:03.0 or 00:03.0)\n"
		"  -g, --guest-size SIZE  guest RAM to pin, bytes or with K/M/G/T\n"
		"  -j, --json             print JSON instead of lines\n"
		"  -r, --root DIR         read DIR/sys, DIR/proc and DIR/dev instead of /\n"
		"  -h, --help             print this help and exit\n"
		"\n"
		"Exit status: 0 no FAIL, 1 at least one FAIL, 2 usage error or the\n"
		"host could not be read.\n");
}

static void check(enum verdict v, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(enum verdict v, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v > worst)
		worst = v;
	if (json) {
		printf("%s\n    {\"check\": ", nchecks ? "," : "");
		hi_json_str(stdout, name);
		printf(", \"result\": \"%s\", \"message\": ", verdict_name[v]);
		hi_json_str(stdout, msg);
		printf("}");
	} else {
		printf("%-26s: %s (%s)\n", name, verdict_name[v], msg);
	}
	nchecks++;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (*end == 'i' && shift)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static void check_iommu(const struct hi_host *h)
{
	if (h->niommus && h->ngroups)
		check(PASS, "IOMMU enabled", "%d instance(s), %d group(s)",
		      h->niommus, h->ngroups);
	else if (h->ngroups)
		check(WARN, "IOMMU enabled",
		      "%d group(s) but no instance in /sys/class/iommu", h->ngroups);
	else
		check(FAIL, "IOMMU enabled",
		      "no IOMMU group: enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (or amd_iommu=on)");
}

static void check_ir(const struct hi_host *h)
{
	enum hi_tri ir = hi_intr_remap(h);

	if (ir == HI_YES)
		check(PASS, "interrupt remapping", "enabled");
	else if (ir == HI_NO)
		check(FAIL, "interrupt remapping",
		      "not enabled: a device could inject arbitrary MSIs; enable it in the firmware and kernel (intremap=on)");
	else
		check(WARN, "interrupt remapping",
		      "cannot tell: /proc/interrupts is unreadable and no IOMMU reports it");
}

static void check_iommufd(const struct hi_host *h)
{
	if (h->iommufd)
		check(PASS, "iommufd", "/dev/iommu present");
	else
		check(FAIL, "iommufd",
		      "/dev/iommu missing: a kernel with CONFIG_IOMMUFD (modprobe iommufd)");
	if (h->vfio_cdev)
		check(PASS, "VFIO device cdev", "/sys/class/vfio-dev present");
	else
		check(FAIL, "VFIO device cdev",
		      "no /sys/class/vfio-dev: a kernel with CONFIG_VFIO_DEVICE_CDEV and vfio-pci loaded");
}

static void check_snoop(const struct hi_host *h)
{
	int i, may_box3 = 0, boxes[5] = { 0 };

	for (i = 0; i < h->niommus; i++) {
		const struct hi_iommu *m = &h->iommus[i];
		char name[96];
		int j, used = 0;

		/* only the units devices sit behind */
		for (j = 0; j < h->ndevs; j++)
			used += !strcmp(h->devs[j].iommu, m->name);
		if (!used)
			continue;
		snprintf(name, sizeof(name), "snoop control %s", m->name);
		if (m->snoop_control == HI_YES)
			check(PASS, name,
			      "the IOMMU blocks no-snoop: DMA of its devices is coherent (boxes 1, 2), KVM need not emulate WBINVD");
		else if (m->snoop_control == HI_NO)
			check(WARN, name,
			      "the IOMMU cannot block no-snoop: a device that issues it is box 3, and KVM emulates WBINVD for every VM with a device here");
		else
			check(WARN, name,
			      "cannot tell: sysfs shows no snoop-control register for this IOMMU type (%s)",
			      m->type);
	}
	for (i = 0; i < h->ndevs; i++) {
		int b = hi_box(h, &h->devs[i]);

		boxes[b]++;
		if (b == 3)
			may_box3++;
	}
	if (!h->ndevs)
		return;
	if (may_box3)
		check(WARN, "coherency matrix",
		      "%d device(s) in box 3 (no-snoop enabled, not blocked): their DMA is not coherent; KVM must emulate WBINVD",
		      may_box3);
	else
		check(PASS, "coherency matrix",
		      "box 1: %d, 2: %d, 3: 0, 4: %d, not known read-only: %d",
		      boxes[1], boxes[2], boxes[4], boxes[0]);
}

/* A group is viable when every device is unbound, on vfio-pci or a bridge. */
static bool harmless_driver(const char *drv)
{
	return !drv[0] || !strcmp(drv, "vfio-pci") ||
	       !strcmp(drv, "pcieport") || !strncmp(drv, "pci-stub", 8);
}

static void check_device(const struct hi_host *h, const char *name)
{
	const struct hi_dev *d = hi_find_dev(h, name);
	const struct hi_group *g;
	char others[256] = "";
	size_t len = 0;
	int i, bad = 0;

	if (!d) {
		check(FAIL, "device", "%s is in no IOMMU group (no such device, or no IOMMU behind it)",
		      name);
		return;
	}
	g = hi_dev_group(h, d);
	check(d->cdev[0] ? PASS : WARN, "device",
	      d->cdev[0] ? "%s: driver %s, %s" : "%s: driver %s%s, no VFIO cdev: bind it to vfio-pci",
	      d->name, d->driver[0] ? d->driver : "none", d->cdev);
	for (i = 0; g && i < g->ndevs; i++) {
		const struct hi_dev *o = &h->devs[g->first_dev + i];

		if (o == d || harmless_driver(o->driver))
			continue;
		bad++;
		len += snprintf(others + len, len < sizeof(others) ? sizeof(others) - len : 0,
				"%s%s (%s)", bad > 1 ? ", " : "", o->name, o->driver);
		if (len >= sizeof(others))
			len = sizeof(others) - 1;
	}
	if (bad)
		check(FAIL, "IOMMU group viable",
		      "group %d also holds %s: unbind them or bind them to vfio-pci",
		      d->group, others);
	else if (g && g->ndevs > 1)
		check(WARN, "IOMMU group viable",
		      "group %d is viable but shared by %d devices (no ACS isolation): they go to the same VM",
		      d->group, g->ndevs);
	else
		check(PASS, "IOMMU group viable", "group %d holds only %s",
		      d->group, d->name);
	if (d->nholders)
		check(WARN, "device in use", "held by pid %d (%s) through %s",
		      d->holders[0].pid, d->holders[0].comm,
		      d->holders[0].node);
}

static void check_memlock(const struct hi_host *h, uint64_t size)
{
	if (h->memlock_cur == UINT64_MAX)
		check(PASS, "memlock limit", "unlimited");
	else if (h->memlock_cur >= size)
		check(PASS, "memlock limit",
		      "%" PRIu64 " KiB covers the guest's %" PRIu64 " KiB",
		      h->memlock_cur >> 10, size >> 10);
	else
		check(FAIL, "memlock limit",
		      "%" PRIu64 " KiB is less than the guest's %" PRIu64 " KiB: raise RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK=) or run with CAP_IPC_LOCK",
		      h->memlock_cur >> 10, size >> 10);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "guest-size", required_argument, NULL, 'g' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = "", *device = NULL;
	uint64_t size = 0;
	bool have_size = false;
	struct hi_host h;
	int c, ret;

	while ((c = getopt_long(argc, argv, "d:g:jr:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'g':
			if (parse_size(optarg, &size)) {
				fprintf(stderr, "libiommu-validate: bad size '%s'\n",
					optarg);
				return 2;
			}
			have_size = true;
			break;
		case 'j':
			json = true;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "libiommu-validate: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	ret = hi_collect(&h, root);
	if (ret) {
		fprintf(stderr, "libiommu-validate: cannot read the host: %s\n",
			strerror(-ret));
		return 2;
	}
	if (json)
		printf("{\n  \"schema\": \"libiommu-validate\",\n  \"version\": 1,\n  \"checks\": [");
	check_iommu(&h);
	check_ir(&h);
	check_iommufd(&h);
	check_snoop(&h);
	if (device)
		check_device(&h, device);
	if (have_size)
		check_memlock(&h, size);
	if (json)
		printf("\n  ],\n  \"result\": \"%s\"\n}\n", verdict_name[worst]);
	hi_free(&h);
	if (fflush(stdout))
		return 2;
	return worst == FAIL ? 1 : 0;
}
