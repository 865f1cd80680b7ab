// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VFIO migration v2 and device DMA logging through the library, on the
 * companion module's simulated devices (QEMU's edu has no migration):
 * what a device reports, the whole flow of a migration (logging, DMA,
 * dirty pages, STOP_COPY, RESUMING on a second device, the state compared
 * byte for byte), the dirty page set against the pages the DMA engine
 * wrote bit for bit, the bitmap merged with the IOMMU's dirty tracking,
 * and the refusals: transitions the device does not support, a resume
 * with a stream that is not whole, logging ranges over the device's
 * limit, DMA while stopped.  Every test ends with as many fds as it began.
 *
 * Skips (77) without /dev/iommu or without libiommu_sim.ko.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "faultutil.h"
#include "ioctlrec.h"
#include "kmodutil.h"
#include "test-ioas.h"
#include "libiommu_kmod.h"

#define PG 4096u
#define NPAGES 64u
#define IOVA (UINT64_C(1) << 30)
#define REGS 0x40u

static int ctl = -1, fds_before;
static void *mem;

static void setup(void)
{
	ku_sim_destroy_leftovers();
	fds_before = tu_count_fds();
	ctl = ku_sim_open();
	ctx = new_ctx(&lg);
	mem = xbuf(NPAGES * PG);
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ku_sim_close(&ctl);
	munmap(mem, NPAGES * PG);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* A new sim device behind a new sim IOMMU (@iommu_flags), opened. */
static struct libiommu_dev *sim_open(uint32_t iommu_flags)
{
	uint32_t iommu = ku_sim_iommu(ctl, iommu_flags), vi;
	struct libiommu_dev *d = NULL;
	char path[64];
	int rc;

	ku_sim_dev(ctl, iommu, 0, &vi);
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u", vi);
	rc = libiommu_dev_open(ctx, path, NULL, &d);
	ck_assert_msg(rc == 0, "libiommu_dev_open(%s): %s; log:\n%s", path,
		      strerror(-rc), lg.all);
	return d;
}

/* @d attached to a new IOAS that maps mem at IOVA. */
static struct libiommu_ioas *attach_mapped(struct libiommu_dev *d)
{
	struct libiommu_ioas *a = new_ioas(ctx);
	uint64_t iova = IOVA;

	expect_ok(libiommu_ioas_map(a, mem, NPAGES * PG, &iova,
				    LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
					    LIBIOMMU_MAP_FIXED_IOVA));
	expect_ok(libiommu_dev_attach_ioas(d, a));
	return a;
}

static void reg_write(struct libiommu_dev *d, uint32_t reg, uint64_t v, size_t w)
{
	expect_ok(libiommu_dev_region_write(d, 0, reg, &v, w));
}

static uint64_t reg_read(struct libiommu_dev *d, uint32_t reg, size_t w)
{
	uint64_t v = 0;

	expect_ok(libiommu_dev_region_read(d, 0, reg, &v, w));
	return v;
}

static void bus_master(struct libiommu_dev *d)
{
	uint16_t cmd = 0;

	expect_ok(libiommu_dev_region_read(d, LIBIOMMU_PCI_CONFIG_REGION, 0x04, &cmd, 2));
	cmd |= LIBIOMMU_KMOD_SIM_CMD_MASTER;
	expect_ok(libiommu_dev_region_write(d, LIBIOMMU_PCI_CONFIG_REGION, 0x04, &cmd, 2));
}

/* The DMA engine fills @pages pages from page @first of mem with @byte. */
static void dma_fill(struct libiommu_dev *d, unsigned int first,
		     unsigned int pages, uint8_t byte)
{
	reg_write(d, LIBIOMMU_KMOD_SIM_REG_PATTERN, byte, 4);
	reg_write(d, LIBIOMMU_KMOD_SIM_REG_DST, IOVA + (uint64_t)first * PG, 8);
	reg_write(d, LIBIOMMU_KMOD_SIM_REG_LEN, (uint64_t)pages * PG, 8);
	reg_write(d, LIBIOMMU_KMOD_SIM_REG_CMD, LIBIOMMU_KMOD_SIM_DMA_FILL, 4);
	ck_assert_uint_eq(reg_read(d, LIBIOMMU_KMOD_SIM_REG_STATUS, 4),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
}

/* The bitmap of the pages in @list (page numbers from IOVA, -1 ends). */
static uint64_t want_bits(const int *list)
{
	uint64_t b = 0;

	for (; *list >= 0; list++)
		b |= UINT64_C(1) << *list;
	return b;
}

static void set_state(struct libiommu_dev *d, enum libiommu_mig_state s, int *fd)
{
	int rc, tmp = -1;

	log_reset(&lg);
	rc = libiommu_dev_set_mig_state(d, s, fd ? fd : &tmp);
	ck_assert_msg(rc == 0, "libiommu_dev_set_mig_state(%d): %s; log:\n%s",
		      (int)s, strerror(-rc), lg.all);
	if (!fd)
		ck_assert_int_eq(tmp, -1);
}

static enum libiommu_mig_state get_state(struct libiommu_dev *d)
{
	enum libiommu_mig_state s = LIBIOMMU_MIG_STATE_ERROR;

	expect_ok(libiommu_dev_get_mig_state(d, &s));
	return s;
}

/* Read the whole stream of a STOP_COPY data fd. */
static size_t read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	ck_assert_msg(n == 0, "read of the data fd: %s", strerror(errno));
	return got;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, buf + done, len - done);
		ck_assert_msg(n > 0, "write of the data fd: %s", strerror(errno));
		done += (size_t)n;
	}
}

/* ------------------------------------------------------------ the tests */

START_TEST(a_sim_device_migrates_with_stop_copy_and_pre_copy_and_says_so)
{
	struct libiommu_dev *d = sim_open(0);
	struct libiommu_mig_info mi = { .sz = sizeof(mi) };
	uint64_t size = 0;

	expect_ok(libiommu_dev_get_migration(d, &mi));
	ck_assert_uint_eq(mi.flags, LIBIOMMU_MIG_STOP_COPY | LIBIOMMU_MIG_PRE_COPY);
	ck_assert_uint_eq(mi.states, (1u << LIBIOMMU_MIG_STATE_STOP) |
					     (1u << LIBIOMMU_MIG_STATE_RUNNING) |
					     (1u << LIBIOMMU_MIG_STATE_STOP_COPY) |
					     (1u << LIBIOMMU_MIG_STATE_RESUMING) |
					     (1u << LIBIOMMU_MIG_STATE_PRE_COPY));
	ck_assert_int_eq(get_state(d), LIBIOMMU_MIG_STATE_RUNNING);
	expect_ok(libiommu_dev_get_mig_data_size(d, &size));
	ck_assert_uint_gt(size, LIBIOMMU_KMOD_SIM_BUF_SIZE);
}
END_TEST

/*
 * The whole flow: logging on, DMA, the dirty pages read, STOP_COPY on the
 * source, RESUMING on a second device, and the second device's registers,
 * config space and buffer equal to the source's.
 */
START_TEST(a_migrated_device_equals_its_source_and_the_log_its_dma)
{
	struct libiommu_dev *src = sim_open(0), *dst = sim_open(0);
	struct libiommu_iova_range r = { IOVA, IOVA + NPAGES * PG - 1 };
	static const int written[] = { 0, 3, 17, 18, 40, 63, -1 };
	uint8_t regs_s[REGS], regs_d[REGS], cfg_s[256], cfg_d[256];
	uint8_t buf_s[LIBIOMMU_KMOD_SIM_BUF_SIZE], buf_d[LIBIOMMU_KMOD_SIM_BUF_SIZE];
	uint64_t ps = PG, bitmap[1] = { ~UINT64_C(0) }, size = 0;
	size_t cap, got;
	uint8_t *stream;
	int sfd = -1, rfd = -1;
	unsigned int i;

	attach_mapped(src);
	bus_master(src);
	expect_ok(libiommu_dev_dma_log_start(src, &ps, &r, 1));
	ck_assert_uint_eq(ps, PG);
	dma_fill(src, 0, 1, 0x11);
	dma_fill(src, 3, 1, 0x33);
	dma_fill(src, 17, 2, 0x17);
	dma_fill(src, 40, 1, 0x40);
	dma_fill(src, 63, 1, 0x63);
	expect_ok(libiommu_dev_dma_log_report(src, IOVA, NPAGES * PG, PG, bitmap));
	ck_assert_msg(bitmap[0] == want_bits(written),
		      "dirty 0x%016llx, DMA wrote 0x%016llx",
		      (unsigned long long)bitmap[0],
		      (unsigned long long)want_bits(written));
	/* read and cleared: nothing new since */
	expect_ok(libiommu_dev_dma_log_report(src, IOVA, NPAGES * PG, PG, bitmap));
	ck_assert_uint_eq(bitmap[0], 0);
	/* and what the DMA wrote is in memory */
	ck_assert_uint_eq(((uint8_t *)mem)[17 * PG + 5], 0x17);

	/* device memory and registers of its own */
	for (i = 0; i < sizeof(buf_s); i++)
		buf_s[i] = (uint8_t)(i * 7 + 1);
	expect_ok(libiommu_dev_region_write(src, 0, LIBIOMMU_KMOD_SIM_BUF, buf_s, sizeof(buf_s)));
	reg_write(src, LIBIOMMU_KMOD_SIM_REG_SRC, 0x123456789abcULL, 8);
	expect_ok(libiommu_dev_dma_log_stop(src));

	/* the source: STOP, STOP_COPY, its stream read */
	expect_ok(libiommu_dev_get_mig_data_size(src, &size));
	cap = size + 1;
	stream = malloc(cap);
	ck_assert_ptr_nonnull(stream);
	set_state(src, LIBIOMMU_MIG_STATE_STOP, NULL);
	set_state(src, LIBIOMMU_MIG_STATE_STOP_COPY, &sfd);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_eq(fcntl(sfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	got = read_all(sfd, stream, cap);
	ck_assert_uint_eq(got, size);
	expect_ok(libiommu_dev_region_read(src, 0, 0, regs_s, REGS));
	expect_ok(libiommu_dev_region_read(src, LIBIOMMU_PCI_CONFIG_REGION, 0, cfg_s, sizeof(cfg_s)));
	set_state(src, LIBIOMMU_MIG_STATE_STOP, NULL);
	/* the stream ended with the state */
	ck_assert_int_lt(read(sfd, stream, 1), 0);
	ck_assert_int_eq(errno, ENODEV);
	close(sfd);

	/* the destination: RUNNING -> RESUMING (through STOP), written, RUNNING */
	set_state(dst, LIBIOMMU_MIG_STATE_RESUMING, &rfd);
	ck_assert_int_ge(rfd, 0);
	ck_assert_int_eq(get_state(dst), LIBIOMMU_MIG_STATE_RESUMING);
	write_all(rfd, stream, got);
	set_state(dst, LIBIOMMU_MIG_STATE_RUNNING, NULL);
	close(rfd);
	free(stream);

	expect_ok(libiommu_dev_region_read(dst, 0, 0, regs_d, REGS));
	expect_ok(libiommu_dev_region_read(dst, 0, LIBIOMMU_KMOD_SIM_BUF, buf_d, sizeof(buf_d)));
	expect_ok(libiommu_dev_region_read(dst, LIBIOMMU_PCI_CONFIG_REGION, 0, cfg_d, sizeof(cfg_d)));
	ck_assert_mem_eq(regs_d, regs_s, REGS);
	ck_assert_mem_eq(buf_d, buf_s, sizeof(buf_s));
	ck_assert_mem_eq(cfg_d, cfg_s, sizeof(cfg_s));
	ck_assert_uint_eq(reg_read(dst, LIBIOMMU_KMOD_SIM_REG_SRC, 8), 0x123456789abcULL);
	ck_assert_uint_eq(reg_read(dst, LIBIOMMU_KMOD_SIM_REG_PATTERN, 4), 0x63);
	/* and it runs: the resumed device does DMA where the source did */
	attach_mapped(dst);
	dma_fill(dst, 5, 1, 0x55);
	ck_assert_uint_eq(((uint8_t *)mem)[5 * PG], 0x55);
}
END_TEST

/*
 * PRE_COPY: the stream starts while the device runs; what changes meanwhile
 * (registers, buffer, a DMA) arrives with STOP_COPY on the same fd, and
 * the resumed device has the final state.
 */
START_TEST(a_pre_copy_migration_carries_what_changed_while_running)
{
	struct libiommu_dev *src = sim_open(0), *dst = sim_open(0);
	struct libiommu_precopy_info pi = { .sz = sizeof(pi) };
	uint8_t buf_s[LIBIOMMU_KMOD_SIM_BUF_SIZE], buf_d[LIBIOMMU_KMOD_SIM_BUF_SIZE];
	uint8_t regs_s[REGS], regs_d[REGS];
	uint64_t size = 0;
	size_t cap, got, more;
	uint8_t *stream;
	int fd = -1, rfd = -1, none = 7;

	attach_mapped(src);
	bus_master(src);
	memset(buf_s, 0x11, sizeof(buf_s));
	expect_ok(libiommu_dev_region_write(src, 0, LIBIOMMU_KMOD_SIM_BUF, buf_s, sizeof(buf_s)));
	expect_ok(libiommu_dev_get_mig_data_size(src, &size));
	cap = 4 * size;
	stream = malloc(cap);
	ck_assert_ptr_nonnull(stream);

	set_state(src, LIBIOMMU_MIG_STATE_PRE_COPY, &fd);
	ck_assert_int_ge(fd, 0);
	expect_ok(libiommu_dev_get_precopy_info(src, fd, &pi));
	ck_assert_uint_eq(pi.initial_bytes, size);
	got = read_all(fd, stream, cap); /* up to PRE_COPY's temporary end */
	ck_assert_uint_eq(got, size);
	expect_ok(libiommu_dev_get_precopy_info(src, fd, &pi));
	ck_assert_uint_eq(pi.initial_bytes, 0);

	/* still running: the state changes after the initial image */
	memset(buf_s, 0x77, sizeof(buf_s));
	expect_ok(libiommu_dev_region_write(src, 0, LIBIOMMU_KMOD_SIM_BUF, buf_s, sizeof(buf_s)));
	dma_fill(src, 4, 1, 0x44);
	ck_assert_uint_eq(((uint8_t *)mem)[4 * PG], 0x44);

	/* STOP_COPY continues the same stream: no new fd */
	set_state(src, LIBIOMMU_MIG_STATE_STOP_COPY, &none);
	ck_assert_int_eq(none, -1);
	expect_err(libiommu_dev_get_precopy_info(src, fd, &pi), -EINVAL, "not in PRE_COPY");
	more = read_all(fd, stream + got, cap - got);
	ck_assert_uint_eq(more, size);
	got += more;
	expect_ok(libiommu_dev_region_read(src, 0, 0, regs_s, REGS));
	set_state(src, LIBIOMMU_MIG_STATE_STOP, NULL);
	close(fd);

	set_state(dst, LIBIOMMU_MIG_STATE_RESUMING, &rfd);
	write_all(rfd, stream, got);
	set_state(dst, LIBIOMMU_MIG_STATE_RUNNING, NULL);
	close(rfd);
	free(stream);
	expect_ok(libiommu_dev_region_read(dst, 0, 0, regs_d, REGS));
	expect_ok(libiommu_dev_region_read(dst, 0, LIBIOMMU_KMOD_SIM_BUF, buf_d, sizeof(buf_d)));
	ck_assert_mem_eq(regs_d, regs_s, REGS);
	ck_assert_mem_eq(buf_d, buf_s, sizeof(buf_s));
	ck_assert_uint_eq(reg_read(dst, LIBIOMMU_KMOD_SIM_REG_PATTERN, 4), 0x44);
}
END_TEST

START_TEST(unsupported_transitions_are_refused_naming_the_rule)
{
	struct libiommu_dev *d = sim_open(0);
	int fd = 7, sfd = -1;

	/* STOP_COPY never goes back to PRE_COPY */
	set_state(d, LIBIOMMU_MIG_STATE_STOP_COPY, &sfd);
	expect_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_PRE_COPY, &fd),
		   -EINVAL, "cannot be reached from STOP_COPY");
	ck_assert_int_eq(fd, -1);
	tu_assert_logged(&lg, "refused the transition to PRE_COPY");
	ck_assert_int_eq(get_state(d), LIBIOMMU_MIG_STATE_STOP_COPY);
	set_state(d, LIBIOMMU_MIG_STATE_RUNNING, NULL);
	close(sfd);
	/* the device has no P2P */
	expect_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_RUNNING_P2P, &fd),
		   -EINVAL, "RUNNING_P2P needs LIBIOMMU_MIG_P2P");
	expect_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_PRE_COPY_P2P, &fd),
		   -EINVAL, "PRE_COPY_P2P needs");
	/* refused by the library, no kernel call */
	expect_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_ERROR, &fd),
		   -EINVAL, "is not a state a device can be asked for");
	expect_err(libiommu_dev_set_mig_state(d, (enum libiommu_mig_state)8, &fd),
		   -EINVAL, "is not a state a device can be asked for");
	expect_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_STOP, NULL),
		   -EINVAL, "data_fd is NULL");
	/* nothing moved */
	ck_assert_int_eq(get_state(d), LIBIOMMU_MIG_STATE_RUNNING);
}
END_TEST

START_TEST(a_resume_from_an_incomplete_stream_is_refused)
{
	struct libiommu_dev *d = sim_open(0);
	uint8_t half[4096];
	int fd = -1, tmp;

	memset(half, 0, sizeof(half));
	set_state(d, LIBIOMMU_MIG_STATE_STOP, NULL);
	set_state(d, LIBIOMMU_MIG_STATE_RESUMING, &fd);
	write_all(fd, half, sizeof(half));
	expect_err(libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_STOP, &tmp),
		   -EINVAL, "rejected the state written to it in RESUMING");
	ck_assert_int_eq(get_state(d), LIBIOMMU_MIG_STATE_RESUMING);
	close(fd);
}
END_TEST

START_TEST(a_stopped_device_runs_no_dma)
{
	struct libiommu_dev *d = sim_open(0);
	uint32_t cmd = LIBIOMMU_KMOD_SIM_DMA_FILL;

	attach_mapped(d);
	bus_master(d);
	reg_write(d, LIBIOMMU_KMOD_SIM_REG_DST, IOVA, 8);
	reg_write(d, LIBIOMMU_KMOD_SIM_REG_LEN, PG, 8);
	set_state(d, LIBIOMMU_MIG_STATE_STOP, NULL);
	expect_err(libiommu_dev_region_write(d, 0, LIBIOMMU_KMOD_SIM_REG_CMD, &cmd, 4),
		   -EBUSY, "pwrite");
	ck_assert_uint_eq(reg_read(d, LIBIOMMU_KMOD_SIM_REG_STATUS, 4),
			  LIBIOMMU_KMOD_SIM_ST_IDLE);
	set_state(d, LIBIOMMU_MIG_STATE_RUNNING, NULL);
	expect_ok(libiommu_dev_region_write(d, 0, LIBIOMMU_KMOD_SIM_REG_CMD, &cmd, 4));
	ck_assert_uint_eq(reg_read(d, LIBIOMMU_KMOD_SIM_REG_STATUS, 4),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
}
END_TEST

START_TEST(logging_more_than_the_device_can_is_refused)
{
	struct libiommu_dev *d = sim_open(0);
	struct libiommu_iova_range big = { 0, LIBIOMMU_KMOD_SIM_LOG_MAX_LENGTH + PG - 1 };
	struct libiommu_iova_range spread[5];
	struct libiommu_iova_range ok = { IOVA, IOVA + PG - 1 };
	uint64_t ps = PG, bm[1];
	unsigned int i;

	expect_err(libiommu_dev_dma_log_start(d, &ps, &big, 1), -E2BIG,
		   "more than the device can log");
	/* five one-page ranges 1 GiB apart: combined to four, over the limit */
	for (i = 0; i < 5; i++) {
		spread[i].start = (uint64_t)i * GiB;
		spread[i].last = spread[i].start + PG - 1;
	}
	expect_err(libiommu_dev_dma_log_start(d, &ps, spread, 5), -E2BIG,
		   "more than the device can log");
	/* a report while not logging */
	expect_err(libiommu_dev_dma_log_report(d, IOVA, PG, PG, bm), -EINVAL,
		   "not logging");
	/* unaligned, empty: refused by the library */
	ok.start += 1;
	expect_err(libiommu_dev_dma_log_start(d, &ps, &ok, 1), -EINVAL,
		   "not aligned");
	ok.start -= 1;
	expect_ok(libiommu_dev_dma_log_start(d, &ps, &ok, 1));
	expect_err(libiommu_dev_dma_log_start(d, &ps, &ok, 1), -EBUSY,
		   "logging already");
	expect_ok(libiommu_dev_dma_log_stop(d));
}
END_TEST

START_TEST(a_stop_copy_fd_has_no_precopy_info)
{
	struct libiommu_dev *d = sim_open(0);
	struct libiommu_precopy_info pi = { .sz = sizeof(pi) };
	int fd = -1, rfd = -1;

	set_state(d, LIBIOMMU_MIG_STATE_STOP, NULL);
	set_state(d, LIBIOMMU_MIG_STATE_STOP_COPY, &fd);
	expect_err(libiommu_dev_get_precopy_info(d, fd, &pi), -EINVAL,
		   "not in PRE_COPY");
	set_state(d, LIBIOMMU_MIG_STATE_RESUMING, &rfd);
	expect_err(libiommu_dev_get_precopy_info(d, rfd, &pi), -EOPNOTSUPP,
		   "not a PRE_COPY data fd");
	close(rfd);
	expect_err(libiommu_dev_get_precopy_info(d, -1, &pi), -EBADF,
		   "not a descriptor");
	close(fd);
}
END_TEST

/*
 * The merged bitmap is the IOMMU's dirty bits ORed with the device's log:
 * a page whose IOMMU bit was read (and cleared) before still counts when
 * the device logged it.
 */
START_TEST(the_merged_bitmap_is_the_iommu_and_the_device_log_together)
{
	struct libiommu_hwpt_opts ho = LIBIOMMU_OPTS(libiommu_hwpt_opts,
						     .flags = LIBIOMMU_HWPT_DIRTY_TRACKING);
	struct libiommu_dev *d = sim_open(LIBIOMMU_KMOD_SIM_IOMMU_DIRTY);
	struct libiommu_iova_range r = { IOVA, IOVA + NPAGES * PG - 1 };
	struct libiommu_ioas *a = new_ioas(ctx);
	struct libiommu_hwpt *h = NULL;
	uint64_t ps = PG, iova = IOVA, bm[1];
	static const int a_pages[] = { 2, -1 }, both[] = { 2, 9, 10, -1 };

	expect_ok(libiommu_ioas_map(a, mem, NPAGES * PG, &iova,
				    LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE |
					    LIBIOMMU_MAP_FIXED_IOVA));
	expect_ok(libiommu_hwpt_alloc(d, a, &ho, &h));
	expect_ok(libiommu_dev_attach_hwpt(d, h));
	expect_ok(libiommu_ioas_set_dirty_tracking(a, true));
	expect_ok(libiommu_dev_dma_log_start(d, &ps, &r, 1));
	bus_master(d);

	dma_fill(d, 2, 1, 0x22);
	/* the IOMMU's bits read and cleared: page 2 only */
	expect_ok(libiommu_ioas_get_dirty_bitmap(a, IOVA, NPAGES * PG, PG, bm, 0));
	ck_assert_uint_eq(bm[0], want_bits(a_pages));
	dma_fill(d, 9, 2, 0x99);
	expect_ok(libiommu_ioas_get_dirty_merged(a, &d, 1, IOVA, NPAGES * PG, PG, bm, 0));
	ck_assert_msg(bm[0] == want_bits(both), "merged 0x%016llx, want 0x%016llx",
		      (unsigned long long)bm[0], (unsigned long long)want_bits(both));
	/* both sources cleared */
	expect_ok(libiommu_ioas_get_dirty_merged(a, &d, 1, IOVA, NPAGES * PG, PG, bm, 0));
	ck_assert_uint_eq(bm[0], 0);
	/* device logs only */
	dma_fill(d, 2, 1, 0x23);
	expect_ok(libiommu_ioas_get_dirty_merged(a, &d, 1, IOVA, NPAGES * PG, PG, bm,
						 LIBIOMMU_DIRTY_DEVICES_ONLY));
	ck_assert_uint_eq(bm[0], want_bits(a_pages));
	/* a log report always clears */
	expect_err(libiommu_ioas_get_dirty_merged(a, &d, 1, IOVA, NPAGES * PG, PG, bm,
						  LIBIOMMU_DIRTY_NO_CLEAR),
		   -EINVAL, "always clears");
	expect_ok(libiommu_dev_dma_log_stop(d));
	expect_ok(libiommu_dev_detach(d));
}
END_TEST

START_TEST(the_merged_bitmap_refuses_a_device_of_another_address_space)
{
	struct libiommu_dev *d = sim_open(0);
	struct libiommu_ioas *other = new_ioas(ctx);
	uint64_t bm[1];

	attach_mapped(d);
	expect_err(libiommu_ioas_get_dirty_merged(other, &d, 1, IOVA, PG, PG, bm,
						  LIBIOMMU_DIRTY_DEVICES_ONLY),
		   -EINVAL, "is not attached to IOAS");
}
END_TEST

/* Each new call issues only what libiommu_ioctls() lists for it. */
START_TEST(every_new_call_issues_only_what_it_lists)
{
	const enum libiommu_backend b = LIBIOMMU_BACKEND_IOMMUFD;
	struct libiommu_dev *d = sim_open(0), *e = sim_open(0);
	struct libiommu_iova_range r = { IOVA, IOVA + NPAGES * PG - 1 };
	struct libiommu_mig_info mi = { .sz = sizeof(mi) };
	struct libiommu_precopy_info pi = { .sz = sizeof(pi) };
	enum libiommu_mig_state st;
	uint64_t ps = PG, bm[1], size;
	struct libiommu_ioas *a = attach_mapped(d);
	int rc, fd = -1, fd2 = -1;

	TU_REC(rc, b, libiommu_dev_get_migration, d, &mi);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_get_mig_state, d, &st);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_get_mig_data_size, d, &size);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_dma_log_start, d, &ps, &r, 1);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_dma_log_report, d, IOVA, NPAGES * PG, PG, bm);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_ioas_get_dirty_merged, a, &d, 1, IOVA, NPAGES * PG, PG, bm,
	       LIBIOMMU_DIRTY_DEVICES_ONLY);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_dma_log_stop, d);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_set_mig_state, d, LIBIOMMU_MIG_STATE_STOP_COPY, &fd);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_get_precopy_info, d, fd, &pi);
	ck_assert_int_eq(rc, -EINVAL);
	TU_REC(rc, b, libiommu_dev_set_mig_state, e, LIBIOMMU_MIG_STATE_RESUMING, &fd2);
	ck_assert_int_eq(rc, 0);
	TU_REC(rc, b, libiommu_dev_get_precopy_info, e, fd2, &pi);
	ck_assert_int_eq(rc, -EOPNOTSUPP);
	close(fd);
	close(fd2);
}
END_TEST

/* ------------------------------------------------------- fault injection */

enum fstep {
	F_GET_MIGRATION,
	F_STOP_COPY,
	F_PRE_COPY,
	F_RESUMING,
	F_RESUME_LOAD,
	F_LOG_START,
	F_LOG_REPORT,
	F_MERGED,
	F__COUNT
};

static const char *const fstep_names[F__COUNT] = {
	"get_migration",
	"set STOP_COPY",
	"set PRE_COPY",
	"set RESUMING",
	"RESUMING -> STOP",
	"dma_log_start",
	"dma_log_report",
	"get_dirty_merged",
};

/*
 * Every kernel fault point (fail-nth: slab and page allocations) that one
 * of the new calls passes, failed in turn: the call either succeeds or
 * fails with errno set and a message logged, and the device is left where
 * the call found it or where it went (never ERROR), usable for the next
 * round.  The sweep ends at the first N the call no longer reaches.
 */
START_TEST(every_new_call_fails_cleanly_under_fault_injection)
{
	struct libiommu_dev *d = sim_open(0);
	struct libiommu_iova_range r = { IOVA, IOVA + NPAGES * PG - 1 };
	struct libiommu_mig_info mi = { .sz = sizeof(mi) };
	uint64_t ps = PG, bm[1];
	uint8_t *stream = NULL;
	size_t slen = 0;
	int nth = fu_open(), n, rc = 0, err, left, fd, failed = 0;
	enum fstep st = (enum fstep)_i;
	struct libiommu_ioas *a;

	ck_assert_int_ge(nth, 0);
	a = attach_mapped(d);
	bus_master(d);
	if (st == F_RESUME_LOAD) {
		/* a stream of this device to load */
		expect_ok(libiommu_dev_get_mig_data_size(d, &(uint64_t){ 0 }));
		set_state(d, LIBIOMMU_MIG_STATE_STOP, NULL);
		set_state(d, LIBIOMMU_MIG_STATE_STOP_COPY, &fd);
		stream = malloc(1 << 16);
		ck_assert_ptr_nonnull(stream);
		slen = read_all(fd, stream, 1 << 16);
		close(fd);
		set_state(d, LIBIOMMU_MIG_STATE_RUNNING, NULL);
	}
	if (st == F_LOG_REPORT || st == F_MERGED)
		expect_ok(libiommu_dev_dma_log_start(d, &ps, &r, 1));

	for (n = 1; n < 400; n++) {
		fd = -1;
		/* the call's precondition */
		if (st == F_STOP_COPY)
			set_state(d, LIBIOMMU_MIG_STATE_STOP, NULL);
		if (st == F_RESUME_LOAD) {
			set_state(d, LIBIOMMU_MIG_STATE_RESUMING, &fd);
			write_all(fd, stream, slen);
		}
		if (st == F_LOG_REPORT || st == F_MERGED)
			dma_fill(d, 7, 1, (uint8_t)n);
		log_reset(&lg);

		ck_assert(fu_arm(nth, n));
		errno = 0;
		switch (st) {
		case F_GET_MIGRATION:
			rc = libiommu_dev_get_migration(d, &mi);
			break;
		case F_STOP_COPY:
			rc = libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_STOP_COPY, &fd);
			break;
		case F_PRE_COPY:
			rc = libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_PRE_COPY, &fd);
			break;
		case F_RESUMING:
			rc = libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_RESUMING, &fd);
			break;
		case F_RESUME_LOAD:
			rc = libiommu_dev_set_mig_state(d, LIBIOMMU_MIG_STATE_STOP,
							&(int){ -1 });
			break;
		case F_LOG_START:
			rc = libiommu_dev_dma_log_start(d, &ps, &r, 1);
			break;
		case F_LOG_REPORT:
			rc = libiommu_dev_dma_log_report(d, IOVA, NPAGES * PG, PG, bm);
			break;
		case F_MERGED:
			rc = libiommu_ioas_get_dirty_merged(a, &d, 1, IOVA, NPAGES * PG, PG,
							    bm, LIBIOMMU_DIRTY_DEVICES_ONLY);
			break;
		default:
			break;
		}
		err = errno;
		left = fu_left(nth);
		ck_assert(fu_arm(nth, 0));
		ck_assert_int_ge(left, 0);

		if (rc < 0) {
			failed++;
			ck_assert_msg(err == -rc, "%s, fault %d: returned %d with errno %d",
				      fstep_names[st], n, rc, err);
			ck_assert_msg(lg.count > 0 && lg.level == LIBIOMMU_LOG_ERR,
				      "%s, fault %d: %d without a message", fstep_names[st], n, rc);
			ck_assert_int_eq(fd, -1);
		}
		/* the device is usable: never ERROR, and back where it was */
		ck_assert_int_ne(get_state(d), LIBIOMMU_MIG_STATE_ERROR);
		if (fd >= 0)
			close(fd);
		switch (st) {
		case F_STOP_COPY:
		case F_PRE_COPY:
		case F_RESUMING:
			set_state(d, LIBIOMMU_MIG_STATE_RUNNING, NULL);
			break;
		case F_RESUME_LOAD:
			if (get_state(d) == LIBIOMMU_MIG_STATE_RESUMING)
				/* the load failed: the stream is gone with its fd */
				ck_assert_int_lt(rc, 0);
			set_state(d, LIBIOMMU_MIG_STATE_STOP, NULL);
			set_state(d, LIBIOMMU_MIG_STATE_RUNNING, NULL);
			break;
		case F_LOG_START:
			if (rc == 0)
				expect_ok(libiommu_dev_dma_log_stop(d));
			break;
		default:
			break;
		}
		if (left > 0)
			break; /* the call no longer reaches the N-th point */
	}
	printf("%s: %d fault points, %d failed cleanly, the rest succeeded\n",
	       fstep_names[st], n - 1, failed);
	ck_assert_int_lt(n, 400);
	if (st == F_LOG_REPORT || st == F_MERGED)
		expect_ok(libiommu_dev_dma_log_stop(d));
	free(stream);
	close(nth);
}
END_TEST

int main(void)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	Suite *s;
	TCase *tc;
	int fd;

	tu_require_iommufd();
	ku_require_sim();
	fd = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, LIBIOMMU_KMOD_GET_VERSION, &v) ||
	    !(v.out_features & LIBIOMMU_KMOD_FEAT_SIM_MIGRATION)) {
		printf("FAIL: %s does not report LIBIOMMU_KMOD_FEAT_SIM_MIGRATION\n",
		       LIBIOMMU_KMOD_SIM_DEVNODE);
		return 1;
	}
	close(fd);

	s = suite_create("mig-sim");
	tc = tu_tcase(s, "sim");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_sim_device_migrates_with_stop_copy_and_pre_copy_and_says_so);
	tcase_add_test(tc, a_pre_copy_migration_carries_what_changed_while_running);
	tcase_add_test(tc, a_migrated_device_equals_its_source_and_the_log_its_dma);
	tcase_add_test(tc, unsupported_transitions_are_refused_naming_the_rule);
	tcase_add_test(tc, a_resume_from_an_incomplete_stream_is_refused);
	tcase_add_test(tc, a_stopped_device_runs_no_dma);
	tcase_add_test(tc, logging_more_than_the_device_can_is_refused);
	tcase_add_test(tc, a_stop_copy_fd_has_no_precopy_info);
	tcase_add_test(tc, the_merged_bitmap_is_the_iommu_and_the_device_log_together);
	tcase_add_test(tc, the_merged_bitmap_refuses_a_device_of_another_address_space);
	tcase_add_test(tc, every_new_call_issues_only_what_it_lists);
	tc = tu_tcase(s, "fault");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, every_new_call_fails_cleanly_under_fault_injection, 0,
			    F__COUNT);
	fu_setup(getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1"));
	ku_sim_destroy_leftovers();
	return tu_run(s);
}
