/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fixture shared by the kernel-tier IOAS tests: a ctx logging everything
 * into `lg`, one IOAS, and page-aligned anonymous buffers.  Static so that
 * each test program has its own copy (each test runs in its own child).
 */
#ifndef LIBIOMMU_TEST_IOAS_H
#define LIBIOMMU_TEST_IOAS_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static struct tu_log lg;
static struct libiommu_ctx *ctx;
static struct libiommu_ioas *ioas;
/* Legacy backends: the device whose group gives the container its IOMMU. */
static struct libiommu_dev *anchor;

static inline uint64_t pgsz(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static inline void *xbuf(uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap(%llu): %s",
		      (unsigned long long)len, strerror(errno));
	memset(p, 0x5a, len); /* fault it in: mapped memory is real memory */
	return p;
}

static inline struct libiommu_ctx *new_ctx(struct tu_log *log)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(log, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *c = NULL;
	int rc = libiommu_ctx_new(&opts, &c);

	ck_assert_msg(rc == 0, "libiommu_ctx_new: %s; log:\n%s", strerror(-rc),
		      log->all);
	return c;
}

/*
 * Legacy backends: open the first VFIO device in @c so that its group
 * gives the container its IOMMU (see tu_require_backend_device()); NULL on
 * iommufd.
 */
static inline struct libiommu_dev *tu_backend_anchor(struct libiommu_ctx *c,
						     struct tu_log *log)
{
	struct libiommu_dev *d = NULL;
	char p[64];
	int rc;

	if (tu_backend_is_iommufd())
		return NULL;
	ck_assert_msg(tu_vfio_dev_path(p, sizeof(p)) == 0,
		      "no VFIO device for the %s backend's container",
		      tu_backend_label());
	rc = libiommu_dev_open(c, p, NULL, &d);
	ck_assert_msg(rc == 0, "libiommu_dev_open(%s) on the %s backend: %s; log:\n%s",
		      p, tu_backend_label(), strerror(-rc), log->all);
	return d;
}

static inline struct libiommu_ioas *new_ioas(struct libiommu_ctx *c)
{
	struct libiommu_ioas *a = NULL;
	int rc = libiommu_ioas_alloc(c, NULL, &a);

	ck_assert_msg(rc == 0, "libiommu_ioas_alloc: %s; log:\n%s",
		      strerror(-rc), lg.all);
	ck_assert_ptr_nonnull(a);
	return a;
}

/*
 * The fixture's context on the test backend (tu_backend()).  On the legacy
 * backends a device is opened first so that every mapping reaches the
 * kernel's type1 IOMMU (main() calls tu_require_backend_device()).
 */
#ifndef TEST_IOAS_ANCHOR
#define TEST_IOAS_ANCHOR 1 /* test-dev.h: 0, its tests open their device */
#endif

static inline void ioas_setup(void)
{
	ctx = new_ctx(&lg);
	if (TEST_IOAS_ANCHOR)
		anchor = tu_backend_anchor(ctx, &lg);
	ioas = new_ioas(ctx);
}

static inline void ioas_teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ioas = NULL;
	anchor = NULL;
}

static inline void log_reset(struct tu_log *log)
{
	log->count = 0;
	log->msg[0] = '\0';
	log->all[0] = '\0';
	log->max_seen = 0;
}

/*
 * The call fails with @err, sets errno, and its last log message is an
 * error containing @needle.
 */
#define expect_err(expr, err, needle) \
	do { \
		log_reset(&lg); \
		tu_assert_err(expr, err); \
		ck_assert_msg(lg.count > 0 && lg.level == LIBIOMMU_LOG_ERR, \
			      "%s: no error message logged; log:\n%s", \
			      #expr, lg.all); \
		ck_assert_msg(strstr(lg.msg, (needle)) != NULL, \
			      "%s: error message lacks \"%s\": %s", \
			      #expr, (needle), lg.msg); \
	} while (0)

/*
 * IOMMU_IOAS_MAP_FILE is newer than some kernels the VM tier boots (6.12).
 * Where the library's probe says the kernel lacks it, map_file of @fd must
 * fail -EOPNOTSUPP with a message naming the feature, and the case that
 * needs the real thing ends there: the same assertion holds on every
 * kernel.  Returns true when the feature is absent (and that was checked).
 */
#define map_file_absent_says_so(fd) \
	({ \
		bool absent_ = libiommu_ctx_has_feature( \
				       ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE) == 0; \
		uint64_t aiova_ = 0; \
		if (absent_) \
			expect_err(libiommu_ioas_map_file(ioas, (fd), 0, \
							  pgsz(), &aiova_, \
							  LIBIOMMU_MAP_READ), \
				   -EOPNOTSUPP, "feature \"ioas_map_file\""); \
		absent_; \
	})

/* The call succeeds (returns 0); on failure show the log. */
#define expect_ok(expr) \
	do { \
		int ok_rc_; \
		log_reset(&lg); \
		ok_rc_ = (expr); \
		ck_assert_msg(ok_rc_ == 0, "%s returned %d (%s); log:\n%s", \
			      #expr, ok_rc_, strerror(-ok_rc_), lg.all); \
	} while (0)

/* Is [iova, iova + len) inside one of the IOAS's usable ranges? */
static inline bool in_ranges(struct libiommu_ioas *a, uint64_t iova,
			     uint64_t len)
{
	struct libiommu_iova_range r[32];
	size_t nr = 32, i;

	ck_assert_int_eq(libiommu_ioas_get_ranges(a, r, &nr, NULL), 0);
	for (i = 0; i < nr; i++)
		if (iova >= r[i].start && iova + len - 1 <= r[i].last)
			return true;
	return false;
}

#endif
