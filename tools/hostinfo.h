/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The libiommu authors */
/*
 * What the operator tools read about the host: IOMMU instances, groups,
 * devices, VFIO nodes and who holds them.  Read-only: sysfs, /proc and
 * stat() of /dev nodes; no device is opened, bound or written, no ioctl.
 * Every path is prefixed with the root given to hi_collect() so that the
 * tools can be pointed at a copied tree (and tested on one).
 */
#ifndef LIBIOMMU_TOOLS_HOSTINFO_H
#define LIBIOMMU_TOOLS_HOSTINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HI_NAME 64
#define HI_MAX_HOLDERS 8

/* A tri-state for what sysfs may not say. */
enum hi_tri { HI_NO = 0,
	      HI_YES = 1,
	      HI_UNKNOWN = -1 };

struct hi_iommu {
	char name[HI_NAME];	   /* dmar0, ivhd0, smmu3.0x... */
	char type[HI_NAME];	   /* intel-vtd, amd-vi, other */
	bool has_cap;		   /* VT-d cap/ecap or AMD cap/features read */
	uint64_t cap, ecap;	   /* VT-d: cap, ecap; AMD: cap, features */
	enum hi_tri snoop_control; /* can block no-snoop (VT-d ECAP.SC) */
	enum hi_tri intr_remap;	   /* VT-d ECAP.IR */
};

struct hi_holder {
	int pid;
	char comm[HI_NAME];
	char node[HI_NAME]; /* the /dev node it holds */
};

struct hi_resv {
	uint64_t start, end;
	char type[32];
};

struct hi_dev {
	char name[HI_NAME]; /* PCI address or sysfs name */
	char bus[16];
	int group;
	unsigned vendor, device, class_code;
	bool has_ids;
	char driver[HI_NAME];	  /* "" when none */
	char iommu[HI_NAME];	  /* the instance it sits behind, "" unknown */
	char cdev[HI_NAME];	  /* /dev/vfio/devices/vfioN or "" */
	char group_node[HI_NAME]; /* /dev/vfio/N or "" */
	int nholders;
	struct hi_holder holders[HI_MAX_HOLDERS];
	/* coherency column from config space (read-only) */
	bool config_read;
	bool pcie;	      /* has a PCI Express capability */
	bool nosnoop_enabled; /* Device Control "Enable No Snoop" */
};

struct hi_group {
	int id;
	char type[32]; /* DMA, DMA-FQ, identity, blocked, ... */
	int nresv;
	struct hi_resv resv[16];
	int ndevs;
	int first_dev; /* index into hi_host.devs */
};

struct hi_host {
	const char *root;
	bool iommufd;			   /* /dev/iommu exists */
	bool vfio_cdev;			   /* /sys/class/vfio-dev exists */
	bool vfio_group;		   /* /dev/vfio/vfio exists */
	enum hi_tri intr_remap_kernel;	   /* "IR-" in /proc/interrupts */
	uint64_t memlock_cur, memlock_max; /* UINT64_MAX: unlimited */
	char kernel[128];
	int niommus;
	struct hi_iommu iommus[16];
	int ngroups;
	struct hi_group *groups;
	int ndevs;
	struct hi_dev *devs;
};

/* Read everything; 0 or a negative errno (then *h is freed). */
int hi_collect(struct hi_host *h, const char *root);
void hi_free(struct hi_host *h);

const struct hi_iommu *hi_dev_iommu(const struct hi_host *h,
				    const struct hi_dev *d);
const struct hi_group *hi_dev_group(const struct hi_host *h,
				    const struct hi_dev *d);
const struct hi_dev *hi_find_dev(const struct hi_host *h, const char *name);

/* Coherency matrix names for a device (see libiommu(7)). */
const char *hi_row(const struct hi_host *h, const struct hi_dev *d);
const char *hi_column(const struct hi_dev *d);
int hi_box(const struct hi_host *h, const struct hi_dev *d); /* 0 unknown */

/* Any IOMMU or the kernel says interrupts are remapped. */
enum hi_tri hi_intr_remap(const struct hi_host *h);

/* A JSON string, quoted and escaped. */
void hi_json_str(FILE *f, const char *s);
const char *hi_tri_json(enum hi_tri t);

#endif
