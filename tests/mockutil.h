/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host-tier tests on the mock backend (lib/backend/mock.h): a context with
 * no kernel behind it, and its devices.  For white-box test programs
 * linked against lib/libiommu-internal.la.
 */
#ifndef LIBIOMMU_TESTS_MOCKUTIL_H
#define LIBIOMMU_TESTS_MOCKUTIL_H

#include "backend/mock.h"
#include "testutil.h"

/*
 * A mock context logging into @log up to @level.  Its "fd" is the
 * context's own (as from libiommu_ctx_new()); mu_ctx_borrowed() makes one
 * that borrows it (as libiommu_ctx_new_from_fd(BORROW)), which must
 * destroy its kernel objects itself when freed.
 */
struct libiommu_ctx *mu_ctx(struct tu_log *log, enum libiommu_log_level level);
struct libiommu_ctx *mu_ctx_borrowed(struct tu_log *log,
				     enum libiommu_log_level level);

/*
 * Offer device "mock:@name" behind IOMMU instance @iommu, which can
 * (@can_enforce) block no-snoop for it; a PCIe device with Enable No
 * Snoop clear and writable, 20 PASID bits, dirty tracking.
 */
void mu_add_dev(struct libiommu_ctx *ctx, const char *name, unsigned int iommu,
		bool can_enforce);

/* Open "mock:@name" in @ctx (asserting success). */
struct libiommu_dev *mu_open(struct libiommu_ctx *ctx, const char *name);

/* Assert the mock "kernel" holds nothing any more (no leaked object). */
void mu_assert_empty(struct libiommu_ctx *ctx);

#endif
