// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * All four boxes of the coherency matrix through the library, on the
 * companion module's simulated IOMMUs and no-snoop capable devices (QEMU's
 * devices reach boxes 2 and 4 only): the reports, the device's Enable No
 * Snoop bit (writable on the sim devices: box 1 <-> 2, 3 <-> 4; hardwired
 * where the device has no no-snoop), force-enable 1 -> 3 with KVM's
 * read-back following, and the IOAS policy flags on devices that can and
 * cannot be forced to snoop.
 *
 * Skips (77) without /dev/iommu or without the modules (libiommu.ko and
 * libiommu_sim.ko).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kmodutil.h"
#include "test-ioas.h"
#include "libiommu_kmod.h"

#define S_SNOOP LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL
#define D_NSCAP LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP

/* ------------------------------------------------------------ sim objects */

static int ctl = -1, fds_before; /* the simulator's node */

static void sim_cleanup(void)
{
	/* Handles first: the devices' fds must be closed to destroy them. */
	libiommu_ctx_free(ctx);
	ctx = NULL;
	ku_sim_close(&ctl); /* and whatever a failed test left open */
}

static void setup(void)
{
	/* start from a known state, whatever a failed test left */
	ku_sim_destroy_leftovers();
	fds_before = tu_count_fds();
	ctl = ku_sim_open();
	ctx = new_ctx(&lg);
}

static void teardown(void)
{
	sim_cleanup();
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/*
 * A new sim device of box @box (1..4) behind a new sim IOMMU: boxes 1 and
 * 2 have snoop control, 1 and 3 a no-snoop capable device.  Its cdev path
 * goes to @path.
 */
static uint32_t sim_box(int box, char *path, size_t len)
{
	uint32_t iommu = ku_sim_iommu(ctl, box <= 2 ? S_SNOOP : 0), vi, dev;

	dev = ku_sim_dev(ctl, iommu, box % 2 ? D_NSCAP : 0, &vi);
	snprintf(path, len, "/dev/vfio/devices/vfio%u", vi);
	return dev;
}

static struct libiommu_dev *open_path(const char *path)
{
	struct libiommu_dev *d = NULL;
	int rc = libiommu_dev_open(ctx, path, NULL, &d);

	ck_assert_msg(rc == 0, "libiommu_dev_open(%s): %s; log:\n%s", path,
		      strerror(-rc), lg.all);
	return d;
}

/* A new sim device of box @box, opened and attached to a new IOAS. */
static struct libiommu_dev *box_dev(int box, char *path, size_t len)
{
	struct libiommu_dev *d;

	sim_box(box, path, len);
	d = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(d, new_ioas(ctx)));
	return d;
}

static struct libiommu_coherency *report(struct libiommu_dev *d)
{
	struct libiommu_coherency *c = NULL;

	expect_ok(libiommu_coherency_get_dev(d, &c));
	return c;
}

static int box_of(struct libiommu_dev *d)
{
	struct libiommu_coherency *c = report(d);
	int box = libiommu_coherency_box(c);

	libiommu_coherency_free(c);
	return box;
}

static enum libiommu_coherency_verdict verdict(const struct libiommu_coherency *c,
					       enum libiommu_coherency_change ch,
					       enum libiommu_coherency_reason *why)
{
	return libiommu_coherency_change(c, ch, why, NULL);
}

static bool have_kvm(void)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	int fd = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);
	bool have;

	have = fd >= 0 && access("/dev/kvm", R_OK | W_OK) == 0 &&
	       ioctl(fd, LIBIOMMU_KMOD_GET_VERSION, &v) == 0 &&
	       (v.out_features & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT);
	if (fd >= 0)
		close(fd);
	return have;
}

/* KVM's read-back for a fresh VM holding @d: 0 or 1 (-1 without KVM). */
static int kvm_count_with(struct libiommu_dev *d)
{
	struct libiommu_kvm *k = NULL;
	uint32_t count = 99;
	int vm, rc;

	if (!have_kvm())
		return -1;
	vm = ku_kvm_new_vm();
	expect_ok(libiommu_kvm_new(ctx, vm, NULL, &k));
	ck_assert_int_eq(libiommu_kvm_noncoherent(k, &count), 0);
	expect_ok(libiommu_kvm_add_dev(k, d));
	rc = libiommu_kvm_noncoherent(k, &count);
	ck_assert_int_ge(rc, 0);
	ck_assert_uint_eq(count, (unsigned int)rc);
	expect_ok(libiommu_kvm_del_dev(k, d));
	ck_assert_int_eq(libiommu_kvm_noncoherent(k, &count), 0);
	libiommu_kvm_free(k);
	close(vm);
	return rc;
}

/* ------------------------------------------------------------ the boxes */

START_TEST(sim_devices_fill_all_four_boxes)
{
	static const struct {
		enum libiommu_coherency_answer can_block, nosnoop, coherent, wbinvd, needed;
		enum libiommu_coherency_policy policy;
		enum libiommu_coherency_verdict force, clear, set;
	} want[5] = {
		[1] = { LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_ANSWER_YES,
			LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_POLICY_DISABLE,
			LIBIOMMU_COHERENCY_VERDICT_POSSIBLE, LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
			LIBIOMMU_COHERENCY_VERDICT_ALREADY },
		[2] = { LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_ANSWER_YES,
			LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_POLICY_DISABLE,
			LIBIOMMU_COHERENCY_VERDICT_POSSIBLE, LIBIOMMU_COHERENCY_VERDICT_ALREADY,
			LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE },
		[3] = { LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_ANSWER_NO,
			LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_POLICY_ENABLE,
			LIBIOMMU_COHERENCY_VERDICT_ALREADY, LIBIOMMU_COHERENCY_VERDICT_POSSIBLE,
			LIBIOMMU_COHERENCY_VERDICT_ALREADY },
		[4] = { LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_ANSWER_YES,
			LIBIOMMU_COHERENCY_ANSWER_YES, LIBIOMMU_COHERENCY_ANSWER_NO, LIBIOMMU_COHERENCY_POLICY_ENABLE,
			LIBIOMMU_COHERENCY_VERDICT_ALREADY, LIBIOMMU_COHERENCY_VERDICT_ALREADY,
			LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE },
	};
	struct libiommu_dev *d[5];
	struct libiommu_coherency *c;
	enum libiommu_coherency_answer needed, enf;
	enum libiommu_coherency_reason why;
	unsigned int mask;
	char path[64];
	const char *det;
	int box;

	for (box = 1; box <= 4; box++) {
		d[box] = box_dev(box, path, sizeof(path));
		c = report(d[box]);
		fflush(stdout);
		libiommu_coherency_write(c, STDOUT_FILENO);
		ck_assert_int_eq(libiommu_coherency_box(c), box);
		ck_assert_int_eq(libiommu_coherency_iommu_can_block(c), want[box].can_block);
		ck_assert_int_eq(libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK, &det),
				 LIBIOMMU_COHERENCY_SOURCE_MODULE);
		ck_assert_ptr_nonnull(strstr(det, "simulated IOMMU"));
		/*
		 * placed on a HWPT that enforces exactly when the IOMMU can;
		 * the module reads the attached domain, which the HWPT the
		 * library allocated agrees with
		 */
		ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), want[box].can_block);
		ck_assert_int_eq(libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, &det),
				 LIBIOMMU_COHERENCY_SOURCE_MODULE);
		ck_assert_ptr_nonnull(strstr(det, "the module read the domain of HWPT"));
		ck_assert_uint_ne(libiommu_coherency_hwpt_id(c, &enf), 0);
		ck_assert_int_eq(enf, want[box].can_block);
		ck_assert_int_eq(libiommu_coherency_dev_nosnoop(c), want[box].nosnoop);
		ck_assert_int_eq(libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP, &det),
				 LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE);
		ck_assert_ptr_nonnull(strstr(det, "PCIe Device Control"));
		ck_assert_int_eq(libiommu_coherency_dma_coherent(c), want[box].coherent);
		ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(c, &needed), want[box].wbinvd);
		ck_assert_int_eq(needed, want[box].needed);
		ck_assert_int_eq(libiommu_coherency_default_policy(c), want[box].policy);
		ck_assert_int_eq(verdict(c, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE, &why), want[box].force);
		if (box <= 2)
			ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_SIM_KNOB);
		ck_assert_int_eq(verdict(c, LIBIOMMU_COHERENCY_CHANGE_CLEAR_NOSNOOP, NULL), want[box].clear);
		ck_assert_int_eq(verdict(c, LIBIOMMU_COHERENCY_CHANGE_SET_NOSNOOP, &why), want[box].set);
		if (want[box].set == LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE)
			ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_NOSNOOP_HARDWIRED);
		libiommu_coherency_free(c);
		/* Linux emulates WBINVD exactly in boxes 3 and 4. */
		if (box <= 2)
			ck_assert_int_le(kvm_count_with(d[box]), 0);
		else
			ck_assert_int_ne(kvm_count_with(d[box]), 0);
	}

	/* One IOAS holding all four: it is as demanding as its worst device. */
	for (box = 1; box <= 4; box++)
		expect_ok(libiommu_dev_attach_ioas(d[box], ioas ? ioas : (ioas = new_ioas(ctx))));
	expect_ok(libiommu_coherency_get_ioas(ioas, &c));
	fflush(stdout);
	libiommu_coherency_write(c, STDOUT_FILENO);
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 4);
	ck_assert_int_eq(libiommu_coherency_box(c), 3);
	ck_assert_int_eq(libiommu_coherency_iommu_can_block(c), LIBIOMMU_COHERENCY_ANSWER_MIXED);
	/* each runs on a HWPT of its own enforcement: they differ */
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), LIBIOMMU_COHERENCY_ANSWER_MIXED);
	ck_assert_int_eq(libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, NULL),
			 LIBIOMMU_COHERENCY_SOURCE_DEVICES);
	ck_assert_int_eq(libiommu_coherency_dev_nosnoop(c), LIBIOMMU_COHERENCY_ANSWER_MIXED);
	ck_assert_int_eq(libiommu_coherency_dma_coherent(c), LIBIOMMU_COHERENCY_ANSWER_NO);
	ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(c, &needed), LIBIOMMU_COHERENCY_ANSWER_YES);
	ck_assert_int_eq(needed, LIBIOMMU_COHERENCY_ANSWER_YES);
	ck_assert_int_eq(libiommu_coherency_default_policy(c), LIBIOMMU_COHERENCY_POLICY_ENABLE);
	ck_assert_int_eq(verdict(c, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE, &why),
			 LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE);
	ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_DEVICES_DIFFER);
	/* Each device keeps its own box inside the shared IOAS. */
	for (box = 0, mask = 0; box < 4; box++)
		mask |= 1u << libiommu_coherency_box(libiommu_coherency_member(c, (size_t)box));
	ck_assert_uint_eq(mask, 0x1e);
	libiommu_coherency_free(c);
	for (box = 1; box <= 4; box++)
		ck_assert_int_eq(box_of(d[box]), box);
}
END_TEST

START_TEST(nosnoop_bit_moves_between_columns)
{
	struct libiommu_nosnoop_result r = { .sz = sizeof(r) };
	struct libiommu_dev *b1, *b2, *b3;
	char path[64];

	/*
	 * Clearing a writable bit stops the device's no-snoop now, but a
	 * guest can set it again (vfio-pci does not virtualise it): the device
	 * stays in the "may issue no-snoop" column, box 1.
	 */
	b1 = box_dev(1, path, sizeof(path));
	expect_ok(libiommu_coherency_set_nosnoop(b1, false, &r));
	ck_assert_int_eq(r.box_before, 1);
	ck_assert_int_eq(r.box_after, 1);
	ck_assert(r.changed && r.stuck);
	ck_assert_int_eq(r.reason, LIBIOMMU_COHERENCY_REASON_NONE);
	ck_assert_uint_ne(r.devctl_before & 0x0800, 0);
	ck_assert_uint_eq(r.devctl_after & 0x0800, 0);
	tu_assert_logged(&lg, "stays writable");
	tu_assert_logged(&lg, "KVM's WBINVD decision does not change");
	ck_assert_int_eq(box_of(b1), 1);
	expect_ok(libiommu_coherency_set_nosnoop(b1, true, &r));
	ck_assert_int_eq(r.box_before, 1);
	ck_assert_int_eq(r.box_after, 1);
	ck_assert_int_eq(box_of(b1), 1);
	expect_ok(libiommu_coherency_set_nosnoop(b1, true, &r)); /* already */
	ck_assert(!r.changed);
	ck_assert_int_eq(r.reason, LIBIOMMU_COHERENCY_REASON_ALREADY);

	b3 = box_dev(3, path, sizeof(path));
	expect_ok(libiommu_coherency_set_nosnoop(b3, false, &r));
	ck_assert_int_eq(r.box_before, 3);
	ck_assert_int_eq(r.box_after, 3);
	ck_assert_int_eq(box_of(b3), 3);

	/* No no-snoop in the device: the bit is hardwired, the write does not stick. */
	b2 = box_dev(2, path, sizeof(path));
	memset(&r, 0, sizeof(r));
	r.sz = sizeof(r);
	expect_err(libiommu_coherency_set_nosnoop(b2, true, &r), -EOPNOTSUPP,
		   "did not stick");
	ck_assert(!r.changed && !r.stuck);
	ck_assert_int_eq(r.reason, LIBIOMMU_COHERENCY_REASON_NOSNOOP_HARDWIRED);
	ck_assert_int_eq(r.box_before, 2);
	ck_assert_int_eq(r.box_after, 2);
}
END_TEST

START_TEST(force_enable_moves_box_1_to_3_and_kvm_follows)
{
	enum libiommu_coherency_reason why = LIBIOMMU_COHERENCY_REASON__COUNT;
	struct libiommu_coherency *c;
	struct libiommu_dev *d;
	const char *det;
	char path[64];

	sim_box(1, path, sizeof(path));
	d = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(d, new_ioas(ctx)));
	ck_assert_int_eq(box_of(d), 1);
	ck_assert_int_le(kvm_count_with(d), 0);
	/* While it is open the simulated IOMMU does not take the change. */
	expect_err(libiommu_coherency_force_enable(ctx, path, true, &why), -EBUSY,
		   "before libiommu_dev_open()");
	ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_DEVICE_OPEN);
	libiommu_dev_free(d);

	expect_ok(libiommu_coherency_force_enable(ctx, path, true, &why));
	ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_SIM_KNOB);
	tu_assert_logged(&lg, "box 1 -> 3");
	d = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(d, new_ioas(ctx)));
	c = report(d);
	fflush(stdout);
	libiommu_coherency_write(c, STDOUT_FILENO);
	ck_assert_int_eq(libiommu_coherency_box(c), 3);
	ck_assert_int_eq(libiommu_coherency_iommu_can_block(c), LIBIOMMU_COHERENCY_ANSWER_NO);
	libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK, &det);
	ck_assert_ptr_nonnull(strstr(det, "force-enabled"));
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), LIBIOMMU_COHERENCY_ANSWER_NO);
	ck_assert_int_eq(libiommu_coherency_default_policy(c), LIBIOMMU_COHERENCY_POLICY_ENABLE);
	ck_assert_int_eq(verdict(c, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE, &why), LIBIOMMU_COHERENCY_VERDICT_ALREADY);
	libiommu_coherency_free(c);
	/* KVM follows: the VM now has non-coherent DMA. */
	ck_assert_int_ne(kvm_count_with(d), 0);
	libiommu_dev_free(d);

	/* Undone: back in box 1, KVM coherent again. */
	expect_ok(libiommu_coherency_force_enable(ctx, path, false, &why));
	expect_ok(libiommu_coherency_force_enable(ctx, path, false, &why));
	ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_ALREADY);
	d = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(d, new_ioas(ctx)));
	ck_assert_int_eq(box_of(d), 1);
	ck_assert_int_le(kvm_count_with(d), 0);
}
END_TEST

START_TEST(require_coherent_ioas_admits_only_devices_forced_to_snoop)
{
	struct libiommu_ioas_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_IOAS_REQUIRE_COHERENT };
	struct libiommu_dev *b1, *b3, *forced;
	struct libiommu_ioas *rq = NULL;
	struct libiommu_hwpt *hwpt;
	char path[64];

	expect_ok(libiommu_ioas_alloc(ctx, &o, &rq));
	sim_box(1, path, sizeof(path));
	b1 = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(b1, rq));

	sim_box(3, path, sizeof(path));
	b3 = open_path(path);
	expect_err(libiommu_dev_attach_ioas(b3, rq), -EPERM, "requires coherent DMA");
	ck_assert_int_eq(libiommu_dev_get_attached(b3, LIBIOMMU_NO_PASID, NULL, NULL,
						   NULL),
			 0);
	/* ... nor through a HWPT of its own in that IOAS */
	hwpt = NULL;
	expect_err(libiommu_hwpt_alloc(b3, rq, NULL, &hwpt), -EPERM, "requires coherent DMA");
	ck_assert_ptr_null(hwpt);

	sim_box(1, path, sizeof(path));
	expect_ok(libiommu_coherency_force_enable(ctx, path, true, NULL));
	forced = open_path(path);
	expect_err(libiommu_dev_attach_ioas(forced, rq), -EPERM, "nothing was attached");
	ck_assert_int_eq(libiommu_dev_get_attached(forced, LIBIOMMU_NO_PASID, NULL,
						   NULL, NULL),
			 0);
	expect_ok(libiommu_dev_detach(b1));
	expect_ok(libiommu_ioas_destroy(rq)); /* nobody else attached */
}
END_TEST

START_TEST(noncoherent_ioas_admits_only_devices_let_through)
{
	struct libiommu_ioas_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_IOAS_NONCOHERENT };
	struct libiommu_dev *b1, *forced, *b4;
	struct libiommu_coherency *c;
	struct libiommu_ioas *nc = NULL;
	char path[64];

	expect_ok(libiommu_ioas_alloc(ctx, &o, &nc));
	sim_box(1, path, sizeof(path));
	b1 = open_path(path);
	expect_err(libiommu_dev_attach_ioas(b1, nc), -EOPNOTSUPP,
		   "libiommu_coherency_force_enable() before opening it");

	sim_box(1, path, sizeof(path));
	expect_ok(libiommu_coherency_force_enable(ctx, path, true, NULL));
	forced = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(forced, nc));
	sim_box(4, path, sizeof(path));
	b4 = open_path(path);
	expect_ok(libiommu_dev_attach_ioas(b4, nc));

	expect_ok(libiommu_coherency_get_ioas(nc, &c));
	fflush(stdout);
	libiommu_coherency_write(c, STDOUT_FILENO);
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 2);
	ck_assert_int_eq(libiommu_coherency_box(c), 3);
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), LIBIOMMU_COHERENCY_ANSWER_NO);
	ck_assert_ptr_nonnull(strstr(libiommu_coherency_name(c), "(non-coherent)"));
	libiommu_coherency_free(c);
	(void)b1;
}
END_TEST

/* ------------------------------------------- the truth on a shared IOAS */

/* The simulated hardware's own view of device @d (SIM_DEV_INFO by fd). */
static struct libiommu_kmod_sim_dev_info sim_info(struct libiommu_dev *d)
{
	struct libiommu_kmod_sim_dev_info si = {
		.size = sizeof(si),
		.flags = LIBIOMMU_KMOD_SIM_INFO_BY_FD,
		.vfio_fd = libiommu_dev_fd(d),
	};

	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_INFO, &si), 0);
	return si;
}

/* A BAR0 register of sim device @d (region 0), @width 4 or 8 bytes. */
static void sim_reg_write(struct libiommu_dev *d, uint32_t reg, uint64_t v, size_t width)
{
	expect_ok(libiommu_dev_region_write(d, 0, reg, &v, width));
}

static uint64_t sim_reg_read(struct libiommu_dev *d, uint32_t reg, size_t width)
{
	uint64_t v = 0;

	expect_ok(libiommu_dev_region_read(d, 0, reg, &v, width));
	return v;
}

/* A DMA fill of one page at @iova, asking for the no-snoop attribute. */
static void sim_dma_nosnoop(struct libiommu_dev *d, uint64_t iova)
{
	uint16_t cmd = 0;

	expect_ok(libiommu_dev_region_read(d, LIBIOMMU_PCI_CONFIG_REGION, 0x04, &cmd, 2));
	cmd |= LIBIOMMU_KMOD_SIM_CMD_MASTER;
	expect_ok(libiommu_dev_region_write(d, LIBIOMMU_PCI_CONFIG_REGION, 0x04, &cmd, 2));
	sim_reg_write(d, LIBIOMMU_KMOD_SIM_REG_PATTERN, 0x5a, 4);
	sim_reg_write(d, LIBIOMMU_KMOD_SIM_REG_DST, iova, 8);
	sim_reg_write(d, LIBIOMMU_KMOD_SIM_REG_LEN, 4096, 8);
	sim_reg_write(d, LIBIOMMU_KMOD_SIM_REG_CMD,
		      LIBIOMMU_KMOD_SIM_DMA_FILL | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP, 4);
	ck_assert_uint_eq(sim_reg_read(d, LIBIOMMU_KMOD_SIM_REG_STATUS, 4),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
}

/*
 * What the library says of @d equals what the simulated hardware did:
 * the domain's enforcement, the last no-snoop DMA's snooping, and what
 * KVM counts.  Returns the box.
 */
static int check_truth(const char *who, struct libiommu_dev *d, uint64_t iova)
{
	struct libiommu_coherency *c;
	struct libiommu_kmod_sim_dev_info si;
	bool enforced, snooped;
	enum libiommu_coherency_answer enf;
	int box, kvm;

	sim_dma_nosnoop(d, iova);
	si = sim_info(d);
	ck_assert(si.out_state & LIBIOMMU_KMOD_SIM_STATE_ATTACHED);
	ck_assert(si.out_last_dma & LIBIOMMU_KMOD_SIM_LAST_DMA_DONE);
	enforced = si.out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC;
	snooped = si.out_last_dma & LIBIOMMU_KMOD_SIM_LAST_DMA_SNOOPED;
	ck_assert_int_eq(!!(si.out_last_dma & LIBIOMMU_KMOD_SIM_LAST_DMA_ENFORCED), enforced);

	c = report(d);
	libiommu_coherency_write(c, STDOUT_FILENO);
	box = libiommu_coherency_box(c);
	ck_assert_msg(libiommu_coherency_iommu_blocks(c) == (enforced ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO),
		      "%s: the library says blocks=%s, the domain %s", who,
		      libiommu_coherency_answer_name(libiommu_coherency_iommu_blocks(c)), enforced ? "enforces" : "does not enforce");
	ck_assert(libiommu_coherency_hwpt_id(c, &enf) != 0);
	ck_assert_int_eq(enf, libiommu_coherency_iommu_blocks(c));
	ck_assert_msg(libiommu_coherency_dma_coherent(c) == (snooped ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO),
		      "%s: the library says coherent=%s, the last no-snoop DMA was %s", who,
		      libiommu_coherency_answer_name(libiommu_coherency_dma_coherent(c)), snooped ? "snooped" : "not snooped");
	ck_assert_int_eq(box, enforced ? 1 : 3);
	kvm = kvm_count_with(d);
	if (kvm >= 0) {
		enum libiommu_coherency_answer wb = libiommu_coherency_kvm_wbinvd(c, NULL);

		/* KVM's own count equals the library's prediction */
		ck_assert_int_eq(kvm, wb == LIBIOMMU_COHERENCY_ANSWER_YES);
		/* hazard: box 3 while KVM counts nothing */
		ck_assert_int_eq(libiommu_coherency_kvm_hazard(c),
				 box == 3 && kvm == 0 ? LIBIOMMU_COHERENCY_ANSWER_YES
						      : LIBIOMMU_COHERENCY_ANSWER_NO);
	}
	printf("%s: library box %d, blocks %s, coherent %s; hardware: domain %s, last DMA %s; KVM count %d\n",
	       who, box, enforced ? "yes" : "no", snooped ? "yes" : "no",
	       enforced ? "enforces" : "does not enforce", snooped ? "snooped" : "not snooped", kvm);
	libiommu_coherency_free(c);
	return box;
}

/*
 * Device A can be forced to snoop, device B cannot (force-enabled:
 * NO_ENFORCE), both no-snoop capable, behind one snoop-control IOMMU, in
 * one IOAS; B is attached first.  The kernel alone reuses B's HWPT, which
 * does not enforce, for A (_i 1: LIBIOMMU_IOAS_KERNEL_HWPT): A's no-snoop
 * DMA bypasses the caches while VFIO tells KVM it is coherent.  The
 * library's placement (_i 0) gives A a HWPT that enforces.  Either way the
 * report equals the hardware and KVM.
 */
START_TEST(the_report_of_a_shared_ioas_is_the_hardwares_truth)
{
	bool kernel = _i == 1;
	struct libiommu_ioas_opts o = { .sz = sizeof(o),
					.flags = kernel ? LIBIOMMU_IOAS_KERNEL_HWPT : 0 };
	uint32_t iommu = ku_sim_iommu(ctl, S_SNOOP), via, vib, ha, hb;
	struct libiommu_coherency *c;
	struct libiommu_dev *a, *b;
	struct libiommu_ioas *io;
	struct libiommu_kvm *k = NULL;
	uint64_t iova = 0, len = 64 * 1024;
	char pa[64], pb[64];
	int box_a, box_b;

	ku_sim_dev(ctl, iommu, D_NSCAP, &via);
	ku_sim_dev(ctl, iommu, D_NSCAP | LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE, &vib);
	snprintf(pa, sizeof(pa), "/dev/vfio/devices/vfio%u", via);
	snprintf(pb, sizeof(pb), "/dev/vfio/devices/vfio%u", vib);
	expect_ok(libiommu_ioas_alloc(ctx, &o, &io));
	expect_ok(libiommu_ioas_map(io, xbuf(len), len, &iova,
				    LIBIOMMU_MAP_READ | LIBIOMMU_MAP_WRITE));
	b = open_path(pb);
	a = open_path(pa);
	expect_ok(libiommu_dev_attach_ioas(b, io));
	expect_ok(libiommu_dev_attach_ioas(a, io));
	ck_assert_int_eq(libiommu_dev_get_attached(a, LIBIOMMU_NO_PASID, NULL, NULL, &ha), 1);
	ck_assert_int_eq(libiommu_dev_get_attached(b, LIBIOMMU_NO_PASID, NULL, NULL, &hb), 1);

	box_b = check_truth("B (cannot enforce)", b, iova);
	box_a = check_truth(kernel ? "A (can enforce), kernel's HWPT" : "A (can enforce), placed", a, iova);
	ck_assert_int_eq(box_b, 3);
	if (kernel) {
		ck_assert_uint_eq(ha, hb); /* the kernel reused B's HWPT */
		ck_assert_int_eq(box_a, 3);
	} else {
		ck_assert_uint_ne(ha, hb);
		ck_assert_int_eq(box_a, 1);
	}

	/* A VM with A: KVM's own count against A's box */
	if (have_kvm()) {
		int vm = ku_kvm_new_vm();

		expect_ok(libiommu_kvm_new(ctx, vm, NULL, &k));
		expect_ok(libiommu_kvm_add_dev(k, a));
		expect_ok(libiommu_coherency_get_kvm(k, &c));
		libiommu_coherency_write(c, STDOUT_FILENO);
		ck_assert_int_eq(libiommu_coherency_kvm_noncoherent(c, NULL), LIBIOMMU_COHERENCY_ANSWER_NO);
		ck_assert_int_eq(libiommu_coherency_kvm_hazard(c),
				 kernel ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO);
		ck_assert_int_eq(libiommu_coherency_source(c, LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD, NULL),
				 LIBIOMMU_COHERENCY_SOURCE_MODULE);
		libiommu_coherency_free(c);
		libiommu_kvm_free(k);
		close(vm);
	}
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	int rc;

	tu_require_iommufd();
	ku_require_sim();
	if (access(LIBIOMMU_KMOD_DEVNODE, F_OK)) {
		printf("SKIP: %s: %s (libiommu.ko not loaded; the library's coherency reports read it): runs in the VM tier\n",
		       LIBIOMMU_KMOD_DEVNODE, strerror(errno));
		return TU_EXIT_SKIP;
	}

	s = suite_create("coh-sim");
	tc = tu_tcase(s, "sim");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sim_devices_fill_all_four_boxes);
	tcase_add_test(tc, nosnoop_bit_moves_between_columns);
	tcase_add_test(tc, force_enable_moves_box_1_to_3_and_kvm_follows);
	tcase_add_test(tc, require_coherent_ioas_admits_only_devices_forced_to_snoop);
	tcase_add_test(tc, noncoherent_ioas_admits_only_devices_let_through);
	tcase_add_loop_test(tc, the_report_of_a_shared_ioas_is_the_hardwares_truth, 0, 2);
	rc = tu_run(s);
	/* a failed test's leftovers would pin the simulator for the next program */
	ku_sim_destroy_leftovers();
	return rc;
}
