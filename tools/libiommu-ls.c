// SPDX-License-Identifier: LGPL-2.1-or-later
/* Copyright (C) 2026 The libiommu authors */
/*
 * libiommu-ls: a read-only inventory of the host's IOMMUs, IOMMU groups,
 * devices, VFIO nodes and who holds them, with each device's place in the
 * coherency matrix.  Reads sysfs and /proc only: it never opens, binds or
 * resets a device, so it is safe next to a running VM.  See libiommu-ls(1);
 * the --json output follows tools/libiommu-ls.schema.json.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostinfo.h"

#define SCHEMA_VERSION 1

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: libiommu-ls [--json] [--root DIR]\n"
		"List IOMMU instances, IOMMU groups, devices, their drivers, VFIO\n"
		"nodes and the processes holding them, reserved regions, interrupt\n"
		"remapping, iommufd, the memlock limit and each device's coherency\n"
		"row, column and box.  Read-only: binds and opens no device.\n"
		"\n"
		"  -j, --json      print JSON (schema: libiommu-ls.schema.json, version %d)\n"
		"  -r, --root DIR  read DIR/sys, DIR/proc and DIR/dev instead of /\n"
		"  -h, --help      print this help and exit\n"
		"\n"
		"Exit status: 0 listed, 1 the host could not be read, 2 usage error.\n",
		SCHEMA_VERSION);
}

static void json_u64(FILE *f, const char *key, uint64_t v, bool comma)
{
	if (v == UINT64_MAX)
		fprintf(f, "\"%s\": null%s", key, comma ? ", " : "");
	else
		fprintf(f, "\"%s\": %" PRIu64 "%s", key, v, comma ? ", " : "");
}

static void json_hex(FILE *f, uint64_t v)
{
	fprintf(f, "\"0x%016" PRIx64 "\"", v);
}

static void print_json(const struct hi_host *h)
{
	FILE *f = stdout;
	int i, j;

	fprintf(f, "{\n  \"schema\": \"libiommu-ls\",\n  \"version\": %d,\n",
		SCHEMA_VERSION);
	fprintf(f, "  \"kernel\": ");
	hi_json_str(f, h->kernel);
	fprintf(f, ",\n  \"iommufd\": %s,\n  \"vfio_cdev\": %s,\n"
		   "  \"vfio_group\": %s,\n",
		h->iommufd ? "true" : "false", h->vfio_cdev ? "true" : "false",
		h->vfio_group ? "true" : "false");
	fprintf(f, "  \"interrupt_remapping\": %s,\n",
		hi_tri_json(hi_intr_remap(h)));
	fprintf(f, "  \"memlock\": {");
	json_u64(f, "soft", h->memlock_cur, true);
	json_u64(f, "hard", h->memlock_max, false);
	fprintf(f, "},\n  \"iommus\": [");
	for (i = 0; i < h->niommus; i++) {
		const struct hi_iommu *m = &h->iommus[i];

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		hi_json_str(f, m->name);
		fprintf(f, ", \"type\": ");
		hi_json_str(f, m->type);
		fprintf(f, ", \"cap\": ");
		if (m->has_cap)
			json_hex(f, m->cap);
		else
			fprintf(f, "null");
		fprintf(f, ", \"ecap\": ");
		if (m->has_cap)
			json_hex(f, m->ecap);
		else
			fprintf(f, "null");
		fprintf(f, ", \"snoop_control\": %s, \"interrupt_remapping\": %s}",
			hi_tri_json(m->snoop_control),
			hi_tri_json(m->intr_remap));
	}
	fprintf(f, "%s],\n  \"groups\": [", h->niommus ? "\n  " : "");
	for (i = 0; i < h->ngroups; i++) {
		const struct hi_group *g = &h->groups[i];
		bool msi = false;

		fprintf(f, "%s\n    {\"id\": %d, \"type\": ", i ? "," : "",
			g->id);
		hi_json_str(f, g->type);
		fprintf(f, ", \"reserved_regions\": [");
		for (j = 0; j < g->nresv; j++) {
			const struct hi_resv *r = &g->resv[j];

			fprintf(f, "%s{\"start\": ", j ? ", " : "");
			json_hex(f, r->start);
			fprintf(f, ", \"end\": ");
			json_hex(f, r->end);
			fprintf(f, ", \"type\": ");
			hi_json_str(f, r->type);
			fprintf(f, "}");
		}
		fprintf(f, "], \"msi_window\": ");
		for (j = 0; j < g->nresv; j++) {
			const struct hi_resv *r = &g->resv[j];

			if (!strcmp(r->type, "msi") && !msi) {
				fprintf(f, "{\"start\": ");
				json_hex(f, r->start);
				fprintf(f, ", \"end\": ");
				json_hex(f, r->end);
				fprintf(f, "}");
				msi = true;
			}
		}
		if (!msi)
			fprintf(f, "null");
		fprintf(f, ", \"devices\": [");
		for (j = 0; j < g->ndevs; j++) {
			fprintf(f, "%s", j ? ", " : "");
			hi_json_str(f, h->devs[g->first_dev + j].name);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "%s],\n  \"devices\": [", h->ngroups ? "\n  " : "");
	for (i = 0; i < h->ndevs; i++) {
		const struct hi_dev *d = &h->devs[i];
		int box = hi_box(h, d);

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		hi_json_str(f, d->name);
		fprintf(f, ", \"bus\": ");
		hi_json_str(f, d->bus);
		fprintf(f, ", \"group\": %d, ", d->group);
		if (d->has_ids)
			fprintf(f, "\"vendor\": \"%04x\", \"device\": \"%04x\", "
				   "\"class\": \"%06x\", ",
				d->vendor, d->device, d->class_code);
		else
			fprintf(f, "\"vendor\": null, \"device\": null, "
				   "\"class\": null, ");
		fprintf(f, "\"driver\": ");
		if (d->driver[0])
			hi_json_str(f, d->driver);
		else
			fprintf(f, "null");
		fprintf(f, ", \"iommu\": ");
		if (d->iommu[0])
			hi_json_str(f, d->iommu);
		else
			fprintf(f, "null");
		fprintf(f, ",\n     \"vfio_cdev\": ");
		if (d->cdev[0])
			hi_json_str(f, d->cdev);
		else
			fprintf(f, "null");
		fprintf(f, ", \"vfio_group\": ");
		if (d->group_node[0])
			hi_json_str(f, d->group_node);
		else
			fprintf(f, "null");
		fprintf(f, ", \"holders\": [");
		for (j = 0; j < d->nholders; j++) {
			fprintf(f, "%s{\"pid\": %d, \"comm\": ", j ? ", " : "",
				d->holders[j].pid);
			hi_json_str(f, d->holders[j].comm);
			fprintf(f, ", \"node\": ");
			hi_json_str(f, d->holders[j].node);
			fprintf(f, "}");
		}
		fprintf(f, "],\n     \"coherency\": {\"config_read\": %s, "
			   "\"pcie\": %s, \"nosnoop_enabled\": %s, ",
			d->config_read ? "true" : "false",
			d->config_read ? (d->pcie ? "true" : "false") : "null",
			d->config_read && d->pcie ? (d->nosnoop_enabled ? "true" : "false") : "null");
		fprintf(f, "\"row\": \"%s\", \"column\": \"%s\", \"box\": ",
			hi_row(h, d), hi_column(d));
		if (box)
			fprintf(f, "%d}}", box);
		else
			fprintf(f, "null}}");
	}
	fprintf(f, "%s]\n}\n", h->ndevs ? "\n  " : "");
}

static void print_limit(const char *what, uint64_t v)
{
	if (v == UINT64_MAX)
		printf(" %s unlimited", what);
	else
		printf(" %s %" PRIu64 " KiB", what, v >> 10);
}

static void print_text(const struct hi_host *h)
{
	enum hi_tri ir = hi_intr_remap(h);
	int i, j;

	printf("kernel %s: iommufd %s, VFIO cdev %s, VFIO group %s\n",
	       h->kernel, h->iommufd ? "yes" : "no",
	       h->vfio_cdev ? "yes" : "no", h->vfio_group ? "yes" : "no");
	printf("interrupt remapping: %s\n",
	       ir == HI_YES ? "yes" : ir == HI_NO ? "no"
						  : "cannot tell");
	printf("memlock:");
	print_limit("soft", h->memlock_cur);
	print_limit("hard", h->memlock_max);
	printf("\n");
	for (i = 0; i < h->niommus; i++) {
		const struct hi_iommu *m = &h->iommus[i];

		printf("iommu %s (%s)", m->name, m->type);
		if (m->has_cap)
			printf(" cap 0x%016" PRIx64 " ecap 0x%016" PRIx64,
			       m->cap, m->ecap);
		printf(" snoop control %s\n",
		       m->snoop_control == HI_YES ? "yes" : m->snoop_control == HI_NO ? "no"
										      : "cannot tell");
	}
	if (!h->niommus)
		printf("no IOMMU instance in /sys/class/iommu\n");
	for (i = 0; i < h->ngroups; i++) {
		const struct hi_group *g = &h->groups[i];

		printf("group %d (%s)\n", g->id, g->type[0] ? g->type : "?");
		for (j = 0; j < g->nresv; j++)
			printf("  reserved 0x%" PRIx64 "-0x%" PRIx64 " %s\n",
			       g->resv[j].start, g->resv[j].end,
			       g->resv[j].type);
		for (j = 0; j < g->ndevs; j++) {
			const struct hi_dev *d = &h->devs[g->first_dev + j];
			int box = hi_box(h, d), k;

			printf("  %s", d->name);
			if (d->has_ids)
				printf(" [%04x:%04x]", d->vendor, d->device);
			printf(" driver %s iommu %s", d->driver[0] ? d->driver : "none",
			       d->iommu[0] ? d->iommu : "?");
			if (d->cdev[0])
				printf(" %s", d->cdev);
			if (d->group_node[0])
				printf(" %s", d->group_node);
			printf("\n    coherency: row %s, column %s, box ",
			       hi_row(h, d), hi_column(d));
			if (box)
				printf("%d\n", box);
			else
				printf("not known read-only\n");
			for (k = 0; k < d->nholders; k++)
				printf("    held by pid %d (%s): %s\n",
				       d->holders[k].pid, d->holders[k].comm,
				       d->holders[k].node);
		}
	}
	if (!h->ngroups)
		printf("no IOMMU group in /sys/kernel/iommu_groups\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = "";
	bool json = false;
	struct hi_host h;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jr:h", opts, NULL)) != -1) {
		switch (c) {
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
		fprintf(stderr, "libiommu-ls: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	ret = hi_collect(&h, root);
	if (ret) {
		fprintf(stderr, "libiommu-ls: cannot read the host: %s\n",
			strerror(-ret));
		return 1;
	}
	if (json)
		print_json(&h);
	else
		print_text(&h);
	hi_free(&h);
	return fflush(stdout) ? 1 : 0;
}
