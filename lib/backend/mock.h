/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock backend (lib/backend/mock.c): iommufd's objects and rules kept
 * in memory, no kernel.  It is built only into the check-only convenience
 * library (lib/libiommu-internal.la), never into libiommu.so: the host tier
 * uses it to test the library's own bookkeeping, options, IOVA allocation,
 * coherency decisions, fault paths and thread safety on any machine.
 *
 * What it models of the kernel: IOAS objects with their mappings (iommufd's
 * map, unmap and copy rules), paging and nested HWPTs whose
 * enforce-cache-coherency is fixed at allocation from the allocating
 * device, auto-HWPTs reused by any compatible device (the kernel does not
 * upgrade them), devices behind IOMMU instances with their PCI config
 * space (Device Control, Enable No Snoop writable or hard-wired), VT-d
 * hardware info (ECAP.SC), dirty tracking, and a way to fail the Nth
 * backend call.
 */
#ifndef LIBIOMMU_BACKEND_MOCK_H
#define LIBIOMMU_BACKEND_MOCK_H

#include "internal.h"

/* Not a LIBIOMMU_BACKEND_* value: what libiommu_ctx_backend() says for it. */
#define LU_BACKEND_MOCK 100

extern const struct lu_backend_ops lu_backend_mock;

/* A device the mock offers, opened as "mock:<name>". */
struct lu_mock_dev_cfg {
	const char *name;
	unsigned int iommu;    /* IOMMU instance: HWPTs work within one */
	bool can_enforce;      /* its IOMMU can block no-snoop for it */
	bool pcie;	       /* has a PCI Express capability */
	bool nosnoop_writable; /* Enable No Snoop sticks when written */
	uint16_t devctl;       /* Device Control at open */
	uint8_t max_pasid_log2;
	bool dirty; /* its IOMMU tracks dirty pages */
};

/* Offer a device on the mock context @ctx: 0 or -errno. */
int lu_mock_add_dev(struct libiommu_ctx *ctx, const struct lu_mock_dev_cfg *cfg);

/*
 * Fail the @nth backend call from now on (1: the next one) with @err (a
 * negative errno), without side effects; 0 turns it off.  Returns how many
 * calls were made since the last arming.
 */
unsigned long lu_mock_fail_nth(struct libiommu_ctx *ctx, unsigned long nth,
			       int err);

/* What the mock "kernel" holds now, for leak checks. */
struct lu_mock_stats {
	unsigned int ioas;     /* IOAS objects */
	unsigned int hwpts;    /* HWPTs (auto and allocated) */
	unsigned int bound;    /* devices open (bound) */
	unsigned int attached; /* RID and PASID attachments */
	uint64_t mapped;       /* bytes mapped over every IOAS */
};
void lu_mock_stats(struct libiommu_ctx *ctx, struct lu_mock_stats *st);

/*
 * When the context is freed, fill *@st with what the mock holds at that
 * moment: after the library let go of its handles, before the "kernel"
 * itself goes (what a borrowed fd, or another process, would keep).
 */
void lu_mock_stats_at_fini(struct libiommu_ctx *ctx, struct lu_mock_stats *st);

/*
 * The device @dev_id wrote [iova, +len) by DMA: the pages read dirty in
 * the HWPT it is attached to (RID) when that HWPT tracks.  0, -ENOENT (not
 * attached or not mapped there).
 */
int lu_mock_dma_write(struct libiommu_ctx *ctx, uint32_t dev_id,
		      uint64_t iova, uint64_t len);

/*
 * The enforcement of the HWPT the device's RID is attached to: 1 or 0;
 * -ENOENT when not attached.  *hwpt_id (may be NULL) gets its id.
 */
int lu_mock_dev_enforced(struct libiommu_ctx *ctx, uint32_t dev_id,
			 uint32_t *hwpt_id);

#endif
