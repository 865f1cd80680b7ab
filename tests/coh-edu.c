// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency reports, policy and KVM-VFIO on QEMU's edu device (kernel tier:
 * /dev/iommu, edu bound to vfio-pci; the VM tier boots with VT-d
 * snoop-control on and off, LIBIOMMU_VM_SNOOP).  edu is conventional PCI:
 * it never issues no-snoop, so it sits in box 2 (IOMMU blocks no-snoop) or
 * box 4 (it does not, and KVM emulates WBINVD although nothing needs it).
 *
 * The suite runs twice when it can: with the companion module loaded
 * (answers from the module), then, in the VM tier, with the module
 * unloaded (answers from hardware info, "derived, module not loaded", KVM's
 * state "cannot be known"); it reloads the module at the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmodutil.h"
#include "test-dev.h"
#include "uapi/iommufd.h"

#define ENFORCE_TEXT \
	"iommufd enforces snoop whenever the IOMMU can; no uAPI lets user space opt out"

static struct libiommu_dev *dev;
static int fds_before;

static bool module_loaded(void)
{
	return access("/dev/libiommu", F_OK) == 0;
}

/* VT-d snoop control of the guest, from the VM tier or the hardware. */
static bool snoop_on(void)
{
	const char *s = getenv("LIBIOMMU_VM_SNOOP");
	struct libiommu_hw_info hi = { .sz = sizeof(hi) };

	if (s && (!strcmp(s, "on") || !strcmp(s, "off")))
		return !strcmp(s, "on");
	ck_assert_int_eq(libiommu_dev_get_hw_info(dev, &hi), 0);
	ck_assert(hi.features_known & LIBIOMMU_HW_FEAT_SNOOP_CONTROL);
	return hi.features & LIBIOMMU_HW_FEAT_SNOOP_CONTROL;
}

static void setup(void)
{
	fds_before = tu_count_fds();
	ioas_setup();
	dev = open_edu(ctx);
}

static void teardown(void)
{
	ioas_teardown(); /* frees the device (and KVM handles) too */
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

static struct libiommu_coherency *report(void)
{
	struct libiommu_coherency *c = NULL;

	expect_ok(libiommu_coherency_get_dev(dev, &c));
	ck_assert_ptr_nonnull(c);
	return c;
}

static const char *detail(const struct libiommu_coherency *c,
			  enum libiommu_coherency_field f, enum libiommu_coherency_source *src)
{
	const char *d = NULL;

	*src = libiommu_coherency_source(c, f, &d);
	ck_assert_ptr_nonnull(d);
	return d;
}

#define assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, \
		      "\"%s\" lacks \"%s\"", (hay), (needle))

static void show(const struct libiommu_coherency *c)
{
	fflush(stdout);
	libiommu_coherency_write(c, STDOUT_FILENO);
	fflush(stdout);
}

/* ---------------------------------------------------------------- reports */

/*
 * Can the IOMMU's capability be known here?  From the module, or from
 * IOMMU_GET_HW_INFO, which only the iommufd backend has.
 */
static bool capability_known(void)
{
	return module_loaded() || tu_backend_is_iommufd();
}

/*
 * The legacy backends hold one IOAS (their container): make room for a
 * test's own by destroying the fixture's.
 */
static void make_room_for_an_ioas(void)
{
	if (tu_backend_is_iommufd())
		return;
	expect_ok(libiommu_ioas_destroy(ioas));
	ioas = NULL;
}

/* The answers every report of edu gives, attached or not. */
static void check_edu_answers(const struct libiommu_coherency *c, bool on)
{
	enum libiommu_coherency_answer needed = LIBIOMMU_COHERENCY_ANSWER_UNKNOWN;
	enum libiommu_coherency_source src;
	const char *d;

	d = detail(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK, &src);
	if (!capability_known()) {
		/* Legacy backend, no module: only the container can say. */
		ck_assert_int_eq(libiommu_coherency_iommu_can_block(c),
				 LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_NONE);
		assert_contains(d, "module not loaded");
		/* Attached, the container's answer is what KVM will get. */
		ck_assert_int_eq(libiommu_coherency_default_policy(c),
				 libiommu_coherency_iommu_blocks(c) == LIBIOMMU_COHERENCY_ANSWER_UNKNOWN ? LIBIOMMU_COHERENCY_POLICY_UNKNOWN : on ? LIBIOMMU_COHERENCY_POLICY_DISABLE
																		  : LIBIOMMU_COHERENCY_POLICY_ENABLE);
		return;
	}
	ck_assert_int_eq(libiommu_coherency_box(c), on ? 2 : 4);
	ck_assert_int_eq(libiommu_coherency_iommu_can_block(c),
			 on ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO);
	if (module_loaded()) {
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_MODULE);
		assert_contains(d, "IOMMU_CAP_ENFORCE_CACHE_COHERENCY");
	} else {
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_HW_INFO);
	}
	/* The registers are read either way on iommufd (named in the detail). */
	if (tu_backend_is_iommufd())
		assert_contains(d, on ? "VT-d ECAP.SC=1" : "VT-d ECAP.SC=0");

	ck_assert_int_eq(libiommu_coherency_dev_nosnoop(c), LIBIOMMU_COHERENCY_ANSWER_NO);
	d = detail(c, LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP, &src);
	ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_CONFIG_SPACE);
	assert_contains(d, "no PCIe capability");

	ck_assert_int_eq(libiommu_coherency_dma_coherent(c), LIBIOMMU_COHERENCY_ANSWER_YES);
	ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(c, &needed),
			 on ? LIBIOMMU_COHERENCY_ANSWER_NO : LIBIOMMU_COHERENCY_ANSWER_YES);
	ck_assert_int_eq(needed, LIBIOMMU_COHERENCY_ANSWER_NO); /* edu never no-snoops */
	ck_assert_int_eq(libiommu_coherency_default_policy(c),
			 on ? LIBIOMMU_COHERENCY_POLICY_DISABLE : LIBIOMMU_COHERENCY_POLICY_ENABLE);
	d = detail(c, LIBIOMMU_COHERENCY_FIELD_POLICY, &src);
	if (module_loaded()) {
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_MODULE);
		assert_contains(d, "GET_DEV_INFO");
	} else {
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_DERIVED);
		assert_contains(d, "derived, module not loaded");
	}
	ck_assert_int_eq(libiommu_coherency_kvm_noncoherent(c, NULL),
			 LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 0);
	assert_contains(libiommu_coherency_name(c), "1234:11e8");
}

START_TEST(attached_edu_is_in_box_2_or_4_per_snoop_control)
{
	struct libiommu_coherency *c;
	enum libiommu_coherency_source src;
	bool on = snoop_on();
	const char *d;

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	c = report();
	show(c);
	check_edu_answers(c, on);
	/*
	 * Enforcement once attached: that of the HWPT the library placed it
	 * on, which iommufd made enforce exactly when the IOMMU can; read
	 * from the attached domain by the module when it is loaded.
	 */
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c),
			 on ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO);
	d = detail(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, &src);
	ck_assert_int_eq(src, module_loaded() ? LIBIOMMU_COHERENCY_SOURCE_MODULE
					      : LIBIOMMU_COHERENCY_SOURCE_HWPT);
	assert_contains(d, "which the library allocated for device");
	ck_assert_uint_ne(libiommu_coherency_hwpt_id(c, NULL), 0);
	/* ... which places edu even when its IOMMU's capability is unknown. */
	ck_assert_int_eq(libiommu_coherency_box(c), on ? 2 : 4);
	libiommu_coherency_free(c);
}
END_TEST

START_TEST(unattached_edu_is_placed_by_its_capability)
{
	struct libiommu_coherency *c = report();
	enum libiommu_coherency_source src;
	const char *d;

	check_edu_answers(c, snoop_on());
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
	d = detail(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, &src);
	ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_NONE);
	assert_contains(d, "not attached");
	libiommu_coherency_free(c);
}
END_TEST

START_TEST(vfio_compat_ioas_is_restored_after_a_report)
{
	struct libiommu_coherency *c;
	struct libiommu_ioas *b = new_ioas(ctx);
	struct lx_iommu_vfio_ioas v = { .size = sizeof(v),
					.op = LX_IOMMU_VFIO_IOAS_GET };
	unsigned long req = LX_IOMMU_VFIO_IOAS;

	/* None set: a report leaves none set. */
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	c = report();
	libiommu_coherency_free(c);
	ck_assert_int_eq(ioctl(libiommu_ctx_fd(ctx), req, &v), -1);
	ck_assert_int_eq(errno, ENODEV);
	/* One set: a report about another IOAS leaves it set. */
	v.op = LX_IOMMU_VFIO_IOAS_SET;
	v.ioas_id = libiommu_ioas_id(b);
	ck_assert_int_eq(ioctl(libiommu_ctx_fd(ctx), req, &v), 0);
	c = report();
	libiommu_coherency_free(c);
	v.op = LX_IOMMU_VFIO_IOAS_GET;
	v.ioas_id = 0;
	ck_assert_int_eq(ioctl(libiommu_ctx_fd(ctx), req, &v), 0);
	ck_assert_uint_eq(v.ioas_id, libiommu_ioas_id(b));
}
END_TEST

START_TEST(format_has_snprintf_semantics)
{
	struct libiommu_coherency *c;
	char small[40], *full, *printed = NULL;
	int mfd, rfd;
	bool on = snoop_on();
	int n;

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	c = report();
	n = libiommu_coherency_format(c, NULL, 0);
	ck_assert_int_gt(n, 200);
	full = malloc((size_t)n + 1);
	ck_assert_int_eq(libiommu_coherency_format(c, full, (size_t)n + 1), n);
	ck_assert_uint_eq(strlen(full), (size_t)n);
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(libiommu_coherency_format(c, small, sizeof(small)), n);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert(strncmp(small, full, sizeof(small) - 1) == 0);
	/* The device's box is marked, the others are not. */
	assert_contains(full, on ? "[2]" : "[4]");
	ck_assert_ptr_null(strstr(full, on ? "[4]" : "[2]"));
	ck_assert_ptr_null(strstr(full, "[1]"));
	ck_assert_ptr_null(strstr(full, "[3]"));
	assert_contains(full, "force-enable (1->3)");
	/* libiommu_coherency_write() writes the same text, all of it ... */
	mfd = memfd_create("report", MFD_CLOEXEC);
	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(libiommu_coherency_write(c, mfd), 0);
	printed = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(pread(mfd, printed, (size_t)n + 1, 0), n);
	ck_assert_str_eq(printed, full);
	close(mfd);
	/* ... and says when it could not: a read-only fd is EBADF, not 0 */
	rfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tu_assert_err(libiommu_coherency_write(c, rfd), -EBADF);
	close(rfd);
	free(printed);
	free(full);
	libiommu_coherency_free(c);
}
END_TEST

START_TEST(ioas_report_aggregates_its_devices)
{
	struct libiommu_coherency *c;
	const struct libiommu_coherency *m;
	enum libiommu_coherency_source src;
	bool on = snoop_on();

	expect_ok(libiommu_coherency_get_ioas(ioas, &c));
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 0);
	ck_assert_int_eq(libiommu_coherency_box(c), 0);
	libiommu_coherency_free(c);

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	expect_ok(libiommu_coherency_get_ioas(ioas, &c));
	show(c);
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 1);
	m = libiommu_coherency_member(c, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(libiommu_coherency_member(c, 1));
	check_edu_answers(m, on);
	ck_assert_int_eq(libiommu_coherency_box(c), on ? 2 : 4);
	ck_assert_int_eq(libiommu_coherency_iommu_blocks(c),
			 on ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO);
	/* one device: its answer, from its HWPT (as the module read it) */
	detail(c, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS, &src);
	ck_assert_int_eq(src, module_loaded() ? LIBIOMMU_COHERENCY_SOURCE_MODULE
					      : LIBIOMMU_COHERENCY_SOURCE_HWPT);
	ck_assert_int_eq(libiommu_coherency_dma_coherent(c), LIBIOMMU_COHERENCY_ANSWER_YES);
	assert_contains(libiommu_coherency_name(c), "IOAS");
	libiommu_coherency_free(c);
}
END_TEST

/* ---------------------------------------------------------------- policy */

START_TEST(force_enable_is_eopnotsupp_on_upstream_when_the_iommu_blocks)
{
	enum libiommu_coherency_reason why = LIBIOMMU_COHERENCY_REASON__COUNT;
	struct libiommu_coherency *c = report();
	const char *text;
	int rc;

	if (!capability_known()) {
		/* Without a way to know the IOMMU, it cannot be ruled out. */
		expect_err(libiommu_coherency_force_enable(ctx, edu_path, true, &why),
			   -EOPNOTSUPP, ENFORCE_TEXT);
		ck_assert_int_eq(libiommu_coherency_change(c, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE,
							   &why, NULL),
				 LIBIOMMU_COHERENCY_VERDICT_UNKNOWN);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_UNKNOWN_CAPABILITY);
	} else if (snoop_on()) {
		expect_err(libiommu_coherency_force_enable(ctx, edu_path, true, &why),
			   -EOPNOTSUPP, ENFORCE_TEXT);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES);
		ck_assert_int_eq(libiommu_coherency_change(c, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE,
							   &why, &text),
				 LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES);
		ck_assert_str_eq(text, ENFORCE_TEXT);
	} else {
		/* The IOMMU cannot block no-snoop: force-enable is in effect. */
		log_reset(&lg);
		rc = libiommu_coherency_force_enable(ctx, edu_path, true, &why);
		ck_assert_msg(rc == 0, "rc %d; log:\n%s", rc, lg.all);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK);
		tu_assert_logged(&lg, "already in effect");
		ck_assert_int_eq(libiommu_coherency_change(c, LIBIOMMU_COHERENCY_CHANGE_FORCE_ENABLE,
							   &why, NULL),
				 LIBIOMMU_COHERENCY_VERDICT_ALREADY);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK);
	}
	libiommu_coherency_free(c);
}
END_TEST

START_TEST(force_enable_of_a_closed_device_is_eopnotsupp_on_upstream)
{
	enum libiommu_coherency_reason why = LIBIOMMU_COHERENCY_REASON__COUNT;
	bool on = snoop_on();

	/* No handle on the device: the module alone can tell its IOMMU. */
	libiommu_dev_free(dev);
	dev = NULL;
	if (on || !module_loaded()) {
		expect_err(libiommu_coherency_force_enable(ctx, edu_path, true, &why),
			   -EOPNOTSUPP, ENFORCE_TEXT);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMUFD_ENFORCES);
		if (!on)
			ck_assert_ptr_nonnull(strstr(lg.msg, "module not loaded"));
	} else {
		expect_ok(libiommu_coherency_force_enable(ctx, edu_path, true, &why));
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK);
	}
	expect_err(libiommu_coherency_force_enable(ctx, "/dev/vfio/devices/nope",
						   true, NULL),
		   -ENOENT, "cannot open");
}
END_TEST

START_TEST(noncoherent_ioas_takes_edu_only_where_the_iommu_cannot_block)
{
	struct libiommu_ioas_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_IOAS_NONCOHERENT };
	struct libiommu_coherency *c;
	struct libiommu_ioas *nc = NULL;

	/* Accepted at allocation: the devices that join decide (see man). */
	make_room_for_an_ioas();
	expect_ok(libiommu_ioas_alloc(ctx, &o, &nc));
	if (!capability_known()) {
		expect_err(libiommu_dev_attach_ioas(dev, nc), -EOPNOTSUPP,
			   "cannot be shown");
		ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID,
							   NULL, NULL, NULL),
				 0);
	} else if (snoop_on()) {
		expect_err(libiommu_dev_attach_ioas(dev, nc), -EOPNOTSUPP,
			   ENFORCE_TEXT);
		tu_assert_logged(&lg, "LIBIOMMU_IOAS_NONCOHERENT");
		ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID,
							   NULL, NULL, NULL),
				 0);
		expect_ok(libiommu_ioas_destroy(nc)); /* nothing holds it */
	} else {
		expect_ok(libiommu_dev_attach_ioas(dev, nc));
		expect_ok(libiommu_coherency_get_ioas(nc, &c));
		assert_contains(libiommu_coherency_name(c), "(non-coherent)");
		ck_assert_int_eq(libiommu_coherency_box(c), 4);
		ck_assert_int_eq(libiommu_coherency_iommu_blocks(c), LIBIOMMU_COHERENCY_ANSWER_NO);
		libiommu_coherency_free(c);
	}
}
END_TEST

START_TEST(require_coherent_ioas_refuses_edu_without_snoop_control)
{
	struct libiommu_ioas_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_IOAS_REQUIRE_COHERENT };
	struct libiommu_ioas *rc_ioas = NULL;
	struct libiommu_coherency *c = report();
	enum libiommu_coherency_reason why;

	make_room_for_an_ioas();
	expect_ok(libiommu_ioas_alloc(ctx, &o, &rc_ioas));
	if (!capability_known()) {
		/* Fail closed: what cannot be shown coherent is refused. */
		expect_err(libiommu_dev_attach_ioas(dev, rc_ioas), -EPERM,
			   "cannot be shown");
		ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID,
							   NULL, NULL, NULL),
				 0);
	} else if (snoop_on()) {
		ck_assert_int_eq(libiommu_coherency_change(c, LIBIOMMU_COHERENCY_CHANGE_REQUIRE_COHERENT,
							   &why, NULL),
				 LIBIOMMU_COHERENCY_VERDICT_POSSIBLE);
		expect_ok(libiommu_dev_attach_ioas(dev, rc_ioas));
		ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID,
							   NULL, NULL, NULL),
				 1);
	} else {
		ck_assert_int_eq(libiommu_coherency_change(c, LIBIOMMU_COHERENCY_CHANGE_REQUIRE_COHERENT,
							   &why, NULL),
				 LIBIOMMU_COHERENCY_VERDICT_IMPOSSIBLE);
		ck_assert_int_eq(why, LIBIOMMU_COHERENCY_REASON_IOMMU_CANNOT_BLOCK);
		expect_err(libiommu_dev_attach_ioas(dev, rc_ioas), -EPERM,
			   "requires coherent DMA");
		tu_assert_logged(&lg, "nothing was attached");
		/* Nothing attached: neither in the handle nor in the kernel. */
		ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID,
							   NULL, NULL, NULL),
				 0);
		expect_ok(libiommu_ioas_destroy(rc_ioas));
		/* And the device still attaches where coherency is not required. */
		if (!ioas)
			ioas = new_ioas(ctx);
		expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	}
	libiommu_coherency_free(c);
}
END_TEST

START_TEST(require_coherent_also_guards_its_hwpts_and_replace)
{
	struct libiommu_ioas_opts o = { .sz = sizeof(o),
					.flags = LIBIOMMU_IOAS_REQUIRE_COHERENT };
	struct libiommu_ioas *rc_ioas = NULL, *was = NULL;
	struct libiommu_hwpt *h = NULL;

	if (snoop_on())
		return; /* edu is accepted: covered above */
	expect_ok(libiommu_ioas_alloc(ctx, &o, &rc_ioas));
	/* a HWPT of the IOAS would not enforce: not even allocated */
	expect_err(libiommu_hwpt_alloc(dev, rc_ioas, NULL, &h), -EPERM,
		   "requires coherent DMA");
	ck_assert_ptr_null(h);
	/* A replace onto it is refused the same way; the old attach stays. */
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	expect_err(libiommu_dev_attach_ioas(dev, rc_ioas), -EPERM,
		   "requires coherent DMA");
	ck_assert_int_eq(libiommu_dev_get_attached(dev, LIBIOMMU_NO_PASID, &was,
						   NULL, NULL),
			 1);
	ck_assert_ptr_eq(was, ioas);
}
END_TEST

START_TEST(ioas_flags_exclude_each_other)
{
	struct libiommu_ioas_opts o = {
		.sz = sizeof(o),
		.flags = LIBIOMMU_IOAS_NONCOHERENT | LIBIOMMU_IOAS_REQUIRE_COHERENT,
	};
	struct libiommu_ioas *a = NULL;

	expect_err(libiommu_ioas_alloc(ctx, &o, &a), -EINVAL, "exclude each other");
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(nosnoop_bit_of_edu_cannot_be_set)
{
	struct libiommu_nosnoop_result r = { .sz = sizeof(r) };
	int box = snoop_on() ? 2 : 4;

	expect_ok(libiommu_dev_attach_ioas(dev, ioas)); /* the row is known */
	expect_ok(libiommu_coherency_set_nosnoop(dev, false, &r));
	ck_assert_int_eq(r.reason, LIBIOMMU_COHERENCY_REASON_NO_PCIE);
	ck_assert(!r.changed);
	ck_assert_int_eq(r.box_before, box);
	ck_assert_int_eq(r.box_after, box);
	tu_assert_logged(&lg, "no PCIe capability");

	memset(&r, 0, sizeof(r));
	r.sz = sizeof(r);
	expect_err(libiommu_coherency_set_nosnoop(dev, true, &r), -EOPNOTSUPP,
		   "no PCIe capability");
	ck_assert_int_eq(r.reason, LIBIOMMU_COHERENCY_REASON_NO_PCIE);
	ck_assert(!r.changed);
	ck_assert(!r.stuck);
	ck_assert_int_eq(r.box_after, box);
	/* The result struct may be smaller (older caller) or absent. */
	r.sz = offsetof(struct libiommu_nosnoop_result, box_after);
	r.box_after = 99;
	expect_ok(libiommu_coherency_set_nosnoop(dev, false, &r));
	ck_assert_int_eq(r.box_before, box);
	ck_assert_int_eq(r.box_after, 99);
	expect_ok(libiommu_coherency_set_nosnoop(dev, false, NULL));
	r.sz = 1;
	expect_err(libiommu_coherency_set_nosnoop(dev, false, &r), -EINVAL, "res->sz");
}
END_TEST

/* ---------------------------------------------------------------- KVM */

static struct libiommu_kvm *new_kvm(int vm)
{
	struct libiommu_kvm *k = NULL;

	expect_ok(libiommu_kvm_new(ctx, vm, NULL, &k));
	ck_assert_ptr_nonnull(k);
	return k;
}

/* KVM's state read back: -1 when it cannot be known (no module). */
static int kvm_state(struct libiommu_kvm *k, uint32_t *count)
{
	int rc;

	log_reset(&lg);
	rc = libiommu_kvm_noncoherent(k, count);
	if (module_loaded()) {
		ck_assert_msg(rc == 0 || rc == 1, "rc %d; log:\n%s", rc, lg.all);
		return rc;
	}
	ck_assert_int_eq(rc, -EOPNOTSUPP);
	tu_assert_logged(&lg, "cannot be known");
	tu_assert_logged(&lg, "not loaded");
	return -1;
}

START_TEST(kvm_noncoherent_follows_file_add_and_del)
{
	int vm = ku_kvm_new_vm(), want = snoop_on() ? 0 : 1, st;
	struct libiommu_kvm *k = new_kvm(vm);
	struct libiommu_coherency *c;
	enum libiommu_coherency_source src;
	uint32_t count = 99;
	const char *d;

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	st = kvm_state(k, &count);
	if (st >= 0) {
		ck_assert_int_eq(st, 0);
		ck_assert_uint_eq(count, 0);
	}
	expect_ok(libiommu_kvm_add_dev(k, dev));
	st = kvm_state(k, &count);
	if (st >= 0) {
		ck_assert_int_eq(st, want); /* exactly where Linux emulates WBINVD */
		ck_assert_uint_eq(count, (unsigned int)want);
	}
	expect_ok(libiommu_coherency_get_kvm(k, &c));
	show(c);
	ck_assert_uint_eq(libiommu_coherency_nr_members(c), 1);
	ck_assert_int_eq(libiommu_coherency_box(c), want ? 4 : 2);
	ck_assert_int_eq(libiommu_coherency_kvm_wbinvd(c, NULL),
			 want ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO);
	d = detail(c, LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT, &src);
	if (st >= 0) {
		ck_assert_int_eq(libiommu_coherency_kvm_noncoherent(c, &count),
				 want ? LIBIOMMU_COHERENCY_ANSWER_YES : LIBIOMMU_COHERENCY_ANSWER_NO);
		ck_assert_uint_eq(count, (unsigned int)want);
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_MODULE);
	} else {
		ck_assert_int_eq(libiommu_coherency_kvm_noncoherent(c, NULL),
				 LIBIOMMU_COHERENCY_ANSWER_UNKNOWN);
		ck_assert_int_eq(src, LIBIOMMU_COHERENCY_SOURCE_NONE);
		assert_contains(d, "cannot be known");
	}
	libiommu_coherency_free(c);
	expect_ok(libiommu_kvm_del_dev(k, dev));
	st = kvm_state(k, &count);
	if (st >= 0)
		ck_assert_int_eq(st, 0);
	libiommu_kvm_free(k);
	close(vm);
}
END_TEST

START_TEST(kvm_add_is_idempotent_and_del_of_unknown_is_enoent)
{
	int vm = ku_kvm_new_vm(), fd;
	struct libiommu_kvm *k = new_kvm(vm);

	fd = libiommu_kvm_fd(k);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	expect_ok(libiommu_kvm_add_dev(k, dev));
	expect_ok(libiommu_kvm_add_dev(k, dev));
	expect_ok(libiommu_kvm_del_dev(k, dev));
	expect_err(libiommu_kvm_del_dev(k, dev), -ENOENT, "not added");
	libiommu_kvm_free(k);
	close(vm);
}
END_TEST

START_TEST(freeing_an_added_device_deletes_its_file_first)
{
	int vm = ku_kvm_new_vm(), st;
	struct libiommu_kvm *k = new_kvm(vm);
	struct libiommu_dev *again;

	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
	expect_ok(libiommu_kvm_add_dev(k, dev));
	libiommu_dev_free(dev);
	dev = NULL;
	st = kvm_state(k, NULL);
	if (st >= 0)
		ck_assert_int_eq(st, 0);
	/*
	 * Had KVM kept the file, the device would still be bound and a new
	 * bind would fail (a cdev binds once at a time).
	 */
	again = open_edu(ctx);
	expect_ok(libiommu_kvm_add_dev(k, again));
	libiommu_kvm_free(k); /* deletes it again */
	libiommu_dev_free(again);
	close(vm);
}
END_TEST

START_TEST(ctx_free_releases_kvm_handles_and_files)
{
	int vm = ku_kvm_new_vm();
	struct libiommu_kvm *k = new_kvm(vm);

	expect_ok(libiommu_kvm_add_dev(k, dev));
	ioas_teardown(); /* frees k, then the device */
	ctx = new_ctx(&lg);
	dev = open_edu(ctx); /* the file was released: binds again */
	close(vm);
}
END_TEST

START_TEST(kvm_new_finds_the_vms_existing_kvm_vfio_device)
{
	int vm = ku_kvm_new_vm(), vm2 = ku_kvm_new_vm();
	struct libiommu_kvm *k = new_kvm(vm), *k2 = NULL, *k3 = NULL, *k4 = NULL;
	struct libiommu_kvm_opts o = { .sz = sizeof(o),
				       .flags = LIBIOMMU_KVM_DEVICE_FD };

	/* KVM allows one kvm-vfio device per VM: the second finds the first. */
	expect_ok(libiommu_kvm_new(ctx, vm, NULL, &k2));
	tu_assert_logged(&lg, "already has a kvm-vfio device");
	o.kvm_vfio_fd = libiommu_kvm_fd(k);
	expect_ok(libiommu_kvm_new(ctx, vm, &o, &k3));
	ck_assert_int_eq(libiommu_kvm_fd(k3), libiommu_kvm_fd(k)); /* borrowed */
	/* The same kvm-vfio device: a file added through one is in the other. */
	expect_ok(libiommu_kvm_add_dev(k2, dev));
	expect_err(libiommu_kvm_add_dev(k, dev), -EEXIST, "already in this VM");
	/* The found one holds its own reference: freeing the creator keeps it. */
	libiommu_kvm_free(k3);
	libiommu_kvm_free(k);
	expect_ok(libiommu_kvm_del_dev(k2, dev));
	/* Another VM gets its own. */
	k4 = new_kvm(vm2);
	expect_ok(libiommu_kvm_add_dev(k4, dev));
	libiommu_kvm_free(k4);
	libiommu_kvm_free(k2);
	close(vm2);
	close(vm);
}
END_TEST

/*
 * Something this process's fd table does not show holds VM X's kvm-vfio
 * device: a thread with a file table of its own, or another process.
 */
struct holder {
	int vm, ready[2], done[2];
};

static void *hold_in_thread(void *arg)
{
	struct holder *h = arg;
	int kdev = unshare(CLONE_FILES) ? -errno : ku_kvm_new_vfio_dev(h->vm);
	char c;

	/* tell the test the result, then keep the device until it is done */
	if (write(h->ready[1], &kdev, sizeof(kdev)) == sizeof(kdev))
		(void)!read(h->done[0], &c, 1);
	return NULL;
}

START_TEST(kvm_new_never_takes_a_kvm_vfio_fd_it_cannot_tie_to_the_vm)
{
	int vm_x = ku_kvm_new_vm(), vm_y = ku_kvm_new_vm(), ydev, kdev = -1;
	struct holder h = { .vm = vm_x };
	bool in_process = _i == 1;
	struct libiommu_kvm *k = NULL;
	pthread_t t;
	pid_t pid = -1;

	/*
	 * VM X's kvm-vfio device is held elsewhere (_i 0: a thread with its own
	 * file table; 1: a child process); this process holds VM Y's.  Nothing
	 * ties Y's fd to X: taking "the only kvm-vfio fd of the process" would
	 * add devices to Y.
	 */
	ck_assert_int_eq(pipe(h.ready), 0);
	ck_assert_int_eq(pipe(h.done), 0);
	ydev = ku_kvm_new_vfio_dev(vm_y);
	ck_assert_int_ge(ydev, 0);
	if (in_process) {
		/*
		 * KVM takes ioctls on a VM only from its creator's mm: make the
		 * device here, hand the only fd to a child, close ours.
		 */
		kdev = ku_kvm_new_vfio_dev(vm_x);
		ck_assert_int_ge(kdev, 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			char c;

			(void)!read(h.done[0], &c, 1);
			_exit(0);
		}
		close(kdev);
	} else {
		ck_assert_int_eq(pthread_create(&t, NULL, hold_in_thread, &h), 0);
		ck_assert_int_eq(read(h.ready[0], &kdev, sizeof(kdev)), sizeof(kdev));
		ck_assert_msg(kdev >= 0, "kvm-vfio device for VM X: %s", strerror(-kdev));
	}
	expect_err(libiommu_kvm_new(ctx, vm_x, NULL, &k), -EBUSY,
		   "LIBIOMMU_KVM_DEVICE_FD");
	ck_assert_ptr_null(k);
	ck_assert_int_eq(write(h.done[1], "d", 1), 1);
	if (in_process)
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	else
		pthread_join(t, NULL);
	for (int i = 0; i < 2; i++) {
		close(h.ready[i]);
		close(h.done[i]);
	}
	close(ydev);
	close(vm_y);
	close(vm_x);
}
END_TEST

START_TEST(kvm_new_rejects_what_is_not_a_vm)
{
	struct libiommu_kvm_opts o = { .sz = sizeof(o), .flags = 1u << 7 };
	struct libiommu_kvm *k = (struct libiommu_kvm *)1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), vm = ku_kvm_new_vm();

	int sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	expect_err(libiommu_kvm_new(ctx, null, NULL, &k), -ENOTTY, "not a KVM VM fd");
	ck_assert_ptr_null(k);
	/* /dev/kvm answers KVM ioctls too, but it is not a VM */
	ck_assert_int_ge(sys, 0);
	expect_err(libiommu_kvm_new(ctx, sys, NULL, &k), -ENOTTY, "it is /dev/kvm itself");
	close(sys);
	expect_err(libiommu_kvm_new(ctx, -1, NULL, &k), -EBADF, "not an open");
	expect_err(libiommu_kvm_new(ctx, vm, &o, &k), -EINVAL, "unknown flag");
	o.flags = LIBIOMMU_KVM_DEVICE_FD;
	o.kvm_vfio_fd = null;
	expect_err(libiommu_kvm_new(ctx, vm, &o, &k), -EBADF, "not a kvm-vfio");
	close(null);
	close(vm);
}
END_TEST

/* ---------------------------------------------------------------- main */

static void add_tests(Suite *s, const char *name, bool kvm)
{
	TCase *tc = tu_tcase(s, name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, attached_edu_is_in_box_2_or_4_per_snoop_control);
	tcase_add_test(tc, unattached_edu_is_placed_by_its_capability);
	tu_add_iommufd_test(tc, vfio_compat_ioas_is_restored_after_a_report,
			    "the legacy backends ask their container, no IOAS is switched");
	tcase_add_test(tc, format_has_snprintf_semantics);
	tcase_add_test(tc, ioas_report_aggregates_its_devices);
	tcase_add_test(tc, force_enable_is_eopnotsupp_on_upstream_when_the_iommu_blocks);
	tcase_add_test(tc, force_enable_of_a_closed_device_is_eopnotsupp_on_upstream);
	tcase_add_test(tc, noncoherent_ioas_takes_edu_only_where_the_iommu_cannot_block);
	tcase_add_test(tc, require_coherent_ioas_refuses_edu_without_snoop_control);
	tu_add_iommufd_test(tc, require_coherent_also_guards_its_hwpts_and_replace,
			    "HWPTs are iommufd objects");
	tcase_add_test(tc, ioas_flags_exclude_each_other);
	tcase_add_test(tc, nosnoop_bit_of_edu_cannot_be_set);
	if (!kvm)
		return;
	tcase_add_test(tc, kvm_noncoherent_follows_file_add_and_del);
	tcase_add_test(tc, kvm_add_is_idempotent_and_del_of_unknown_is_enoent);
	tcase_add_test(tc, freeing_an_added_device_deletes_its_file_first);
	tcase_add_test(tc, ctx_free_releases_kvm_handles_and_files);
	tcase_add_test(tc, kvm_new_finds_the_vms_existing_kvm_vfio_device);
	tcase_add_test(tc, kvm_new_rejects_what_is_not_a_vm);
	tcase_add_loop_test(tc, kvm_new_never_takes_a_kvm_vfio_fd_it_cannot_tie_to_the_vm, 0, 2);
}

int main(void)
{
	bool vm = getenv("LIBIOMMU_VM") && !strcmp(getenv("LIBIOMMU_VM"), "1");
	const char *kdir = getenv("LIBIOMMU_KMOD_DIR");
	bool kvm = access("/dev/kvm", R_OK | W_OK) == 0;
	char ko[PATH_MAX] = "";
	int failed = 0;
	Suite *s;

	tu_require_iommufd();
	require_edu();
	if (!kvm)
		printf("note: no /dev/kvm: KVM tests left out\n");

	/*
	 * libiommu.ko alone is what a production host loads: in the VM the
	 * simulator (test equipment, not needed for edu) is unloaded for
	 * this pass and reloaded at the end.
	 */
	if (vm && access("/sys/module/libiommu_sim", F_OK) == 0) {
		int rc = ku_unload("libiommu_sim");

		if (rc) {
			printf("FAIL: cannot unload libiommu_sim: %s\n", strerror(-rc));
			failed = 1;
		} else {
			printf("note: libiommu_sim unloaded: libiommu.ko alone\n");
		}
	}
	s = suite_create(module_loaded() ? "coh-edu (libiommu.ko loaded)" : "coh-edu (no module)");
	add_tests(s, module_loaded() ? "module" : "no-module", kvm);
	failed |= tu_run(s);

	/* Again without the module: only in the VM, never on a developer's host. */
	if (kdir)
		snprintf(ko, sizeof(ko), "%s/libiommu.ko", kdir);
	if (vm && module_loaded() && *ko && access(ko, R_OK) == 0) {
		if (ku_run("rmmod", "libiommu", false) != 0) {
			printf("FAIL: rmmod libiommu failed: cannot run the no-module tests\n");
			failed = 1;
		} else {
			s = suite_create("coh-edu (module unloaded)");
			add_tests(s, "no-module", kvm);
			failed |= tu_run(s);
			if (ku_run("insmod", ko, false) != 0) {
				printf("FAIL: insmod %s failed\n", ko);
				failed = 1;
			}
		}
	} else {
		printf("note: not in the VM tier with the module loaded: no-module pass left out\n");
	}
	if (vm)
		ku_restore_modules();
	return failed ? 1 : 0;
}
