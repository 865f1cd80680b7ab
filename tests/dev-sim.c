// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The VFIO device side on the companion module's simulated device (kernel
 * tier), for what QEMU's edu cannot show:
 * - MSI-X vector ranges: LIBIOMMU_KMOD_SIM_MSIX_VECTORS vectors that a
 *   write to BAR0's LIBIOMMU_KMOD_SIM_REG_MSIX_RAISE raises, each to its
 *   own eventfd, a sub-range set later, one vector's eventfd removed,
 *   ranges past the vector count refused before the kernel sees them,
 *   disable;
 * - a sparse mmap BAR: BAR0's device memory may be mmap()ed, its registers
 *   are trapped; libiommu_dev_region_mmap_all() lays it out so;
 * - a function reset (edu has none).
 * Skips (77) without /dev/iommu or without libiommu_sim.ko.
 */
#include <poll.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kmodutil.h"
#include "test-ioas.h"
#include "libiommu_kmod.h"

#define NV LIBIOMMU_KMOD_SIM_MSIX_VECTORS

static int ctl = -1, fds_before;
static struct libiommu_dev *dev;

static void setup(void)
{
	char path[64];
	uint32_t iommu, vi;
	int rc;

	ku_sim_destroy_leftovers();
	fds_before = tu_count_fds();
	ctl = ku_sim_open();
	ctx = new_ctx(&lg);
	iommu = ku_sim_iommu(ctl, 0);
	ku_sim_dev(ctl, iommu, 0, &vi);
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u", vi);
	rc = libiommu_dev_open(ctx, path, NULL, &dev);
	ck_assert_msg(rc == 0, "libiommu_dev_open(%s): %s; log:\n%s", path,
		      strerror(-rc), lg.all);
}

static void teardown(void)
{
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ku_sim_close(&ctl);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static void raise_vector(uint32_t v)
{
	expect_ok(libiommu_dev_region_write(dev, LIBIOMMU_PCI_BAR0_REGION,
					    LIBIOMMU_KMOD_SIM_REG_MSIX_RAISE, &v,
					    sizeof(v)));
}

/* Signals of @efd now (0 when none), its counter cleared. */
static uint64_t signals(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t n = 0;

	if (poll(&p, 1, 0) != 1)
		return 0;
	ck_assert_int_eq(read(efd, &n, sizeof(n)), (int)sizeof(n));
	return n;
}

START_TEST(each_msix_vector_reaches_its_own_eventfd)
{
	struct libiommu_irq_info info = { .sz = sizeof(info) };
	int fds[NV];

	expect_ok(libiommu_dev_get_irq_info(dev, LIBIOMMU_PCI_MSIX_IRQ, &info));
	ck_assert_uint_eq(info.count, NV);
	ck_assert(info.flags & LIBIOMMU_IRQ_EVENTFD);
	expect_ok(libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_MSIX_IRQ, 0, NV, fds));
	/* vector v raised v + 1 times */
	for (uint32_t v = 0; v < NV; v++)
		for (uint32_t k = 0; k <= v; k++)
			raise_vector(v);
	for (uint32_t v = 0; v < NV; v++)
		ck_assert_uint_eq(signals(fds[v]), v + 1);
	expect_ok(libiommu_dev_irq_disable(dev, LIBIOMMU_PCI_MSIX_IRQ));
	raise_vector(0);
	ck_assert_uint_eq(signals(fds[0]), 0);
	for (uint32_t v = 0; v < NV; v++)
		close(fds[v]);
}
END_TEST

START_TEST(a_sub_range_and_a_removed_vector_change_only_those)
{
	int a[NV], b = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int sub[2] = { b, -1 };

	expect_ok(libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_MSIX_IRQ, 0, NV, a));
	/* vector 1 to b, vector 2 to nothing; 0 and 3 unchanged */
	expect_ok(libiommu_dev_irq_set_eventfds(dev, LIBIOMMU_PCI_MSIX_IRQ, 1, 2, sub));
	for (uint32_t v = 0; v < NV; v++)
		raise_vector(v);
	ck_assert_uint_eq(signals(a[0]), 1);
	ck_assert_uint_eq(signals(a[1]), 0);
	ck_assert_uint_eq(signals(b), 1);
	ck_assert_uint_eq(signals(a[2]), 0);
	ck_assert_uint_eq(signals(a[3]), 1);
	expect_ok(libiommu_dev_irq_disable(dev, LIBIOMMU_PCI_MSIX_IRQ));
	for (uint32_t v = 0; v < NV; v++)
		close(a[v]);
	close(b);
}
END_TEST

START_TEST(ranges_past_the_vectors_are_refused_and_leave_no_fd)
{
	int fds[NV + 1];

	expect_err(libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_MSIX_IRQ, 0, NV + 1, fds),
		   -EINVAL, "are past the 4 MSI-X vector(s)");
	expect_err(libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_MSIX_IRQ, NV - 1, 2, fds),
		   -EINVAL, "vectors [3, 5) are past");
	expect_err(libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_MSIX_IRQ, NV, 1, fds),
		   -EINVAL, "are past");
	/* no INTx, no MSI on this device */
	expect_err(libiommu_dev_irq_new_eventfds(dev, LIBIOMMU_PCI_INTX_IRQ, 0, 1, fds),
		   -EINVAL, "has no INTx vectors");
	expect_err(libiommu_dev_irq_mask(dev, LIBIOMMU_PCI_MSIX_IRQ, 0, 1),
		   -EOPNOTSUPP, "cannot be masked");
	/* teardown counts the fds */
}
END_TEST

/* The simulated device has a function reset (edu has none). */
START_TEST(function_reset_works_where_the_device_has_one)
{
	struct libiommu_dev_info info = { .sz = sizeof(info) };
	uint32_t pattern = 0x5a, back = 1;

	expect_ok(libiommu_dev_get_info(dev, &info));
	ck_assert(info.flags & LIBIOMMU_DEV_INFO_RESET);
	ck_assert(info.flags & LIBIOMMU_DEV_INFO_PCI);
	expect_ok(libiommu_dev_region_write(dev, LIBIOMMU_PCI_BAR0_REGION,
					    LIBIOMMU_KMOD_SIM_REG_PATTERN, &pattern,
					    sizeof(pattern)));
	expect_ok(libiommu_dev_reset(dev));
	expect_ok(libiommu_dev_region_read(dev, LIBIOMMU_PCI_BAR0_REGION,
					   LIBIOMMU_KMOD_SIM_REG_PATTERN, &back, sizeof(back)));
	ck_assert_uint_eq(back, 0); /* the registers' reset value */
	/* not a PCI function on a bus: no hot reset */
	expect_err(libiommu_dev_get_hot_reset_info(dev, NULL, NULL, 0), -EOPNOTSUPP,
		   "cannot be hot reset");
}
END_TEST

START_TEST(a_sparse_bar_maps_its_memory_and_traps_its_registers)
{
	struct libiommu_region_caps caps = { .sz = sizeof(caps) };
	struct libiommu_region_area area[2];
	const uint64_t buf = LIBIOMMU_KMOD_SIM_BUF;
	char line[256], want[32];
	uint8_t *p = NULL, back[4] = { 0 };
	bool trapped = false;
	size_t len = 0;
	FILE *maps;

	expect_ok(libiommu_dev_region_get_caps(dev, LIBIOMMU_PCI_BAR0_REGION, &caps, area, 2));
	ck_assert_uint_eq(caps.flags, LIBIOMMU_REGION_CAP_SPARSE);
	ck_assert_uint_eq(caps.nr_areas, 1);
	ck_assert_uint_eq(area[0].offset, buf);
	ck_assert_uint_eq(area[0].size, LIBIOMMU_KMOD_SIM_BUF_SIZE);
	expect_ok(libiommu_dev_region_mmap_all(dev, LIBIOMMU_PCI_BAR0_REGION,
					       LIBIOMMU_REGION_READ | LIBIOMMU_REGION_WRITE,
					       (void **)&p, &len));
	ck_assert_uint_eq(len, LIBIOMMU_KMOD_SIM_BAR0_SIZE);
	/* the device memory is the device's: what we store, it reads */
	memcpy(p + buf, "\x11\x22\x33\x44", 4);
	expect_ok(libiommu_dev_region_read(dev, LIBIOMMU_PCI_BAR0_REGION, buf, back, 4));
	ck_assert_mem_eq(back, "\x11\x22\x33\x44", 4);
	/* the registers' page is reserved but not accessible: a VMM traps it */
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	maps = fopen("/proc/self/maps", "re");
	ck_assert_ptr_nonnull(maps);
	while (fgets(line, sizeof(line), maps))
		if (strncmp(line, want, strlen(want)) == 0)
			trapped = strstr(line, " ---p ") != NULL;
	fclose(maps);
	ck_assert_msg(trapped, "the register page of the mapping is not PROT_NONE");
	ck_assert_int_eq(munmap(p, len), 0);
	/* a plain mmap of the trapped part is refused by the kernel */
	expect_err(libiommu_dev_region_mmap(dev, LIBIOMMU_PCI_BAR0_REGION, 0, pgsz(),
					    LIBIOMMU_REGION_READ, (void **)&p),
		   -EINVAL, "only be mapped where the driver allows");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dev-sim");
	TCase *tc;

	tu_require_iommufd();
	ku_require_sim();
	tc = tu_tcase(s, "msix");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, each_msix_vector_reaches_its_own_eventfd);
	tcase_add_test(tc, a_sub_range_and_a_removed_vector_change_only_those);
	tcase_add_test(tc, ranges_past_the_vectors_are_refused_and_leave_no_fd);
	tcase_add_test(tc, function_reset_works_where_the_device_has_one);
	tcase_add_test(tc, a_sparse_bar_maps_its_memory_and_traps_its_registers);
	return tu_run(s);
}
