// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * MSI-X vector ranges through libiommu (kernel tier): the companion
 * module's simulated device has LIBIOMMU_KMOD_SIM_MSIX_VECTORS MSI-X
 * vectors that a write to its BAR0 register LIBIOMMU_KMOD_SIM_REG_MSIX_RAISE
 * raises, and VFIO_DEVICE_SET_IRQS delivers to eventfds - the case QEMU's
 * edu (MSI with one vector) cannot show: several vectors, each to its own
 * eventfd, a sub-range set later, one vector's eventfd removed, ranges past
 * the vector count refused before the kernel sees them, disable; and the
 * function reset the simulated device has (edu has none).  Skips
 * (77) without /dev/iommu or without libiommu_sim.ko.
 */
#include <poll.h>
#include <stdio.h>
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

int main(void)
{
	Suite *s = suite_create("dev-msix");
	TCase *tc;

	tu_require_iommufd();
	ku_require_sim();
	tc = tu_tcase(s, "msix");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, each_msix_vector_reaches_its_own_eventfd);
	tcase_add_test(tc, a_sub_range_and_a_removed_vector_change_only_those);
	tcase_add_test(tc, ranges_past_the_vectors_are_refused_and_leave_no_fd);
	tcase_add_test(tc, function_reset_works_where_the_device_has_one);
	return tu_run(s);
}
