// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The legacy VFIO backends' devices (kernel tier, edu bound to vfio-pci):
 * devices opened through their VFIO group (by path or by a caller's fd),
 * the group's one-opener rule (another context, another process, the
 * device's cdev in use), unknown names, a group with two devices, a group
 * that is not viable, mappings made before the first device (and kept when
 * the last one goes), and type1 dirty page tracking.
 *
 * Runs with LIBIOMMU_TEST_BACKEND=type1 or compat (tests/vm/variants); on
 * iommufd the checks that groups are refused there, and that binding the
 * cdev of a device whose group is not viable, or whose group another
 * iommufd owns, fails with an error naming the cause.  The
 * two-device and not-viable groups need the VM's extra devices (two edus
 * behind one PCIe-to-PCI bridge; an edu and a virtio device behind
 * another, see tests/vm/run.sh); without them those cases say so and pass.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "test-dev.h"

#define SRC_IOVA UINT64_C(0x100000)
#define DST_IOVA UINT64_C(0x200000)
#define LEN EDU_MAX_DMA
#define MSI_IOVA UINT64_C(0xfee00000) /* x86's interrupt window: reserved */

static char edu_name[64], edu_group[64];
static uint8_t *src, *dst;

/* Copy @from into @buf, cut to fit. */
static void copy_str(char *buf, size_t len, const char *from)
{
	size_t n = strlen(from);

	if (n >= len)
		n = len - 1;
	memcpy(buf, from, n);
	buf[n] = '\0';
}

/* The basename of the link @path points to, into @buf; 0 or -1. */
static int link_base(const char *path, char *buf, size_t len)
{
	char l[PATH_MAX];
	ssize_t n = readlink(path, l, sizeof(l) - 1);
	const char *b;

	if (n <= 0)
		return -1;
	l[n] = '\0';
	b = strrchr(l, '/') ? strrchr(l, '/') + 1 : l;
	copy_str(buf, len, b);
	return 0;
}

/* The PCI name and group node of VFIO cdev @path (/dev/vfio/devices/vfioN). */
static int cdev_info(const char *path, char *name, size_t nlen, char *group,
		     size_t glen)
{
	char p[128], g[32];
	const char *v = strrchr(path, '/') + 1;

	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device", v);
	if (link_base(p, name, nlen))
		return -1;
	snprintf(p, sizeof(p), "/sys/class/vfio-dev/%s/device/iommu_group", v);
	if (link_base(p, g, sizeof(g)))
		return -1;
	snprintf(group, glen, "/dev/vfio/%.15s", g);
	return 0;
}

static bool is_edu(const char *pci)
{
	char p[PATH_MAX], v[16] = "", d[16] = "";
	FILE *f;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", pci);
	if ((f = fopen(p, "re"))) {
		if (!fgets(v, sizeof(v), f))
			v[0] = '\0';
		fclose(f);
	}
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", pci);
	if ((f = fopen(p, "re"))) {
		if (!fgets(d, sizeof(d), f))
			d[0] = '\0';
		fclose(f);
	}
	return !strncmp(v, "0x1234", 6) && !strncmp(d, "0x11e8", 6);
}

static void driver_of(const char *pci, char *buf, size_t len)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", pci);
	if (link_base(p, buf, len))
		snprintf(buf, len, "none");
}

/*
 * A group whose devices include at least @min_edus edus bound to vfio-pci
 * and, when @other, a device bound to another driver (bridges aside).
 * Fills @group ("/dev/vfio/N") and up to two edu names.
 */
static bool find_group(int min_edus, bool other, char *group, size_t glen,
		       char names[2][64])
{
	DIR *gd = opendir("/sys/kernel/iommu_groups");
	struct dirent *g;
	bool found = false;

	if (!gd)
		return false;
	while (!found && (g = readdir(gd))) {
		char dir[PATH_MAX], drv[64];
		struct dirent *e;
		int edus = 0;
		bool foreign = false;
		DIR *dd;

		if (g->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%s/devices",
			 g->d_name);
		dd = opendir(dir);
		if (!dd)
			continue;
		while ((e = readdir(dd))) {
			if (e->d_name[0] == '.')
				continue;
			driver_of(e->d_name, drv, sizeof(drv));
			if (is_edu(e->d_name) && !strcmp(drv, "vfio-pci")) {
				if (edus < 2)
					copy_str(names[edus], 64, e->d_name);
				edus++;
			} else if (strcmp(drv, "none") && strcmp(drv, "pcieport")) {
				foreign = true;
			}
		}
		closedir(dd);
		if (edus >= min_edus && foreign == other) {
			snprintf(group, glen, "/dev/vfio/%.15s", g->d_name);
			found = true;
		}
	}
	closedir(gd);
	return found;
}

static void setup(void)
{
	ioas_setup(); /* ctx and IOAS on the test backend, no device */
	src = xbuf(pgsz());
	dst = xbuf(pgsz());
	for (unsigned int i = 0; i < pgsz(); i++)
		src[i] = (uint8_t)(i * 5 + 1);
	memset(dst, 0, pgsz());
}

static void teardown(void)
{
	ioas_teardown();
}

static void map_src_dst(struct libiommu_ioas *a)
{
	uint64_t s = SRC_IOVA, d = DST_IOVA;

	expect_ok(libiommu_ioas_map(a, src, pgsz(), &s, LIBIOMMU_MAP_READ | FIXED));
	expect_ok(libiommu_ioas_map(a, dst, pgsz(), &d, LIBIOMMU_MAP_WRITE | FIXED));
}

/* RAM -> edu -> RAM through @d; the bytes arrive exactly. */
static void dma_round_trip(struct libiommu_dev *d)
{
	struct edu e;
	int rc = edu_init(&e, d);

	ck_assert_msg(rc == 0, "edu_init: %s; log:\n%s", strerror(-rc), lg.all);
	memset(dst, 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&e, SRC_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, DST_IOVA, LEN), 0);
	ck_assert_msg(memcmp(src, dst, LEN) == 0, "DMA round trip corrupted data");
	edu_fini(&e);
}

static struct libiommu_dev *open_by_group(struct libiommu_ctx *c,
					  const char *group, const char *name)
{
	struct libiommu_dev *d = NULL;

	expect_ok(libiommu_dev_open_group(c, group, name, NULL, &d));
	return d;
}

/* ---- opening through the group ------------------------------------------------ */

START_TEST(open_group_by_path_dma_and_regions)
{
	struct libiommu_region_info cfg = { .sz = sizeof(cfg) };
	struct libiommu_dev *d;
	uint16_t vendor = 0;

	map_src_dst(ioas);
	d = open_by_group(ctx, edu_group, edu_name);
	ck_assert_int_ge(libiommu_dev_fd(d), 0);
	ck_assert_uint_ne(libiommu_dev_id(d), 0);
	expect_ok(libiommu_dev_region_info(d, LIBIOMMU_PCI_CONFIG_REGION, &cfg));
	ck_assert_uint_ge(cfg.size, 256);
	expect_ok(libiommu_dev_region_read(d, LIBIOMMU_PCI_CONFIG_REGION, 0,
					   &vendor, sizeof(vendor)));
	ck_assert_uint_eq(vendor, EDU_VENDOR);
	expect_ok(libiommu_dev_attach_ioas(d, ioas));
	dma_round_trip(d);
}
END_TEST

START_TEST(open_group_fd_borrowed_then_owned)
{
	struct libiommu_dev *d = NULL;
	int fd = open(edu_group, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", edu_group, strerror(errno));
	map_src_dst(ioas);
	expect_ok(libiommu_dev_open_group_fd(ctx, fd, LIBIOMMU_FD_BORROW,
					     edu_name, NULL, &d));
	dma_round_trip(d);
	libiommu_dev_free(d);
	/* borrowed: still ours, and out of the container again */
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	expect_ok(libiommu_dev_open_group_fd(ctx, fd, LIBIOMMU_FD_OWN,
					     edu_name, NULL, &d));
	dma_round_trip(d);
	libiommu_dev_free(d);
	ck_assert_msg(fcntl(fd, F_GETFD) < 0 && errno == EBADF,
		      "an owned group fd stays open after its last device");
}
END_TEST

START_TEST(open_group_bad_arguments)
{
	struct libiommu_dev *d = NULL;

	expect_err(libiommu_dev_open_group(ctx, edu_group, "0000:7f:1f.7", NULL, &d),
		   -ENOENT, "has no device named \"0000:7f:1f.7\"");
	ck_assert_ptr_null(d);
	expect_err(libiommu_dev_open_group(ctx, edu_group, "", NULL, &d),
		   -EINVAL, "name is empty");
	expect_err(libiommu_dev_open_group(ctx, edu_group, NULL, NULL, &d),
		   -EINVAL, "name is NULL");
	expect_err(libiommu_dev_open_group(ctx, "/dev/vfio/4242", edu_name, NULL, &d),
		   -ENOENT, "/dev/vfio/4242 does not exist");
	expect_err(libiommu_dev_open_group_fd(ctx, -1, LIBIOMMU_FD_BORROW,
					      edu_name, NULL, &d),
		   -EBADF, "fd -1 is not an open file descriptor");
	expect_err(libiommu_dev_open_fd(ctx, 0, LIBIOMMU_FD_BORROW, NULL, &d),
		   -EOPNOTSUPP, "use libiommu_dev_open_group_fd()");
	/* nothing is left half-open: the real device opens fine */
	d = open_by_group(ctx, edu_group, edu_name);
	libiommu_dev_free(d);
}
END_TEST

/* ---- one opener per group ------------------------------------------------------- */

START_TEST(group_held_by_another_context_is_ebusy)
{
	struct tu_log l2;
	struct libiommu_ctx *c2 = new_ctx(&l2);
	struct libiommu_dev *d = open_by_group(ctx, edu_group, edu_name), *d2 = NULL;

	ck_assert_int_eq(libiommu_dev_open(c2, edu_path, NULL, &d2), -EBUSY);
	ck_assert_msg(strstr(l2.msg, "VFIO allows one opener per group"),
		      "message: %s", l2.msg);
	libiommu_dev_free(d);
	/* released with the device: the other context may have it now */
	ck_assert_int_eq(libiommu_dev_open(c2, edu_path, NULL, &d2), 0);
	libiommu_ctx_free(c2);
}
END_TEST

START_TEST(group_held_by_another_process_is_ebusy)
{
	int go[2], done[2];
	struct libiommu_dev *d = NULL;
	char c = 0;
	pid_t pid;
	int st;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct tu_log l2;
		struct libiommu_ctx *c2;
		struct libiommu_dev *d2 = NULL;
		int rc;

		/* never outlive the test: EOF or the alarm ends the wait */
		close(go[0]);
		close(done[1]);
		alarm(60);
		c2 = new_ctx(&l2);
		rc = libiommu_dev_open(c2, edu_path, NULL, &d2);
		c = rc == 0 ? 'y' : 'n';
		if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(3);
		libiommu_ctx_free(c2);
		_exit(rc == 0 ? 0 : 2);
	}
	close(go[1]);
	close(done[0]);
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	ck_assert_msg(c == 'y', "the child could not open the device");
	expect_err(libiommu_dev_open(ctx, edu_path, NULL, &d), -EBUSY,
		   "another process such as a VMM");
	ck_assert_int_eq(write(done[1], &c, 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the child's exit closed the group: ours now */
	expect_ok(libiommu_dev_open(ctx, edu_path, NULL, &d));
}
END_TEST

START_TEST(device_open_through_its_cdev_blocks_the_group)
{
	struct tu_log l2;
	struct libiommu_ctx_opts o = tu_ctx_opts(&l2, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *c2 = NULL;
	struct libiommu_dev *d2 = NULL, *d = NULL;

	o.backend = LIBIOMMU_BACKEND_IOMMUFD;
	ck_assert_int_eq(libiommu_ctx_new(&o, &c2), 0);
	ck_assert_int_eq(libiommu_dev_open(c2, edu_path, NULL, &d2), 0);
	expect_err(libiommu_dev_open_group(ctx, edu_group, edu_name, NULL, &d),
		   -EBUSY, "open through its cdev");
	libiommu_ctx_free(c2);
	d = open_by_group(ctx, edu_group, edu_name);
	libiommu_dev_free(d);
}
END_TEST

/* ---- the groups of the VM's extra devices ----------------------------------------- */

START_TEST(two_devices_of_one_group)
{
	char group[64], names[2][64];
	struct libiommu_dev *a, *b;

	if (!find_group(2, false, group, sizeof(group), names)) {
		printf("SKIP: two_devices_of_one_group: no group with two edus bound to vfio-pci (tests/vm/run.sh puts two behind one PCIe-to-PCI bridge)\n");
		return;
	}
	map_src_dst(ioas);
	a = open_by_group(ctx, group, names[0]);
	b = open_by_group(ctx, group, names[1]); /* the same group, held once */
	expect_ok(libiommu_dev_attach_ioas(a, ioas));
	expect_ok(libiommu_dev_attach_ioas(b, ioas));
	dma_round_trip(a);
	dma_round_trip(b);
	/* the group stays in the container while one of its devices is open */
	libiommu_dev_free(a);
	dma_round_trip(b);
	libiommu_dev_free(b);
	a = open_by_group(ctx, group, names[0]);
	dma_round_trip(a);
}
END_TEST

START_TEST(group_not_viable_is_ebusy)
{
	char group[64], names[2][64], want[96];
	struct libiommu_dev *d = NULL;

	if (!find_group(1, true, group, sizeof(group), names)) {
		printf("SKIP: group_not_viable_is_ebusy: no group with an edu on vfio-pci next to a device on another driver (tests/vm/run.sh puts an edu and a virtio device behind one bridge)\n");
		return;
	}
	snprintf(want, sizeof(want), "VFIO group %s is not viable", group + 10);
	expect_err(libiommu_dev_open_group(ctx, group, names[0], NULL, &d),
		   -EBUSY, want);
	tu_assert_logged(&lg, "(driver virtio-pci)");
	ck_assert_ptr_null(d);
}
END_TEST

/* ---- the address space around the devices ----------------------------------------- */

START_TEST(ranges_and_reserved_regions_around_the_first_device)
{
	struct libiommu_iova_range r[16];
	size_t nr = 16;
	uint64_t iova = MSI_IOVA, n;
	struct libiommu_dev *d = NULL;
	void *buf = xbuf(pgsz());

	/* no IOMMU yet: the whole space, as an iommufd IOAS without devices */
	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, NULL));
	ck_assert_uint_eq(nr, 1);
	ck_assert_uint_eq(r[0].start, 0);
	ck_assert_uint_eq(r[0].last, UINT64_MAX);
	/* a mapping in the MSI window keeps the device out, like iommufd's attach */
	expect_ok(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | FIXED));
	expect_err(libiommu_dev_open(ctx, edu_path, NULL, &d), -EADDRINUSE,
		   "overlaps a reserved IOVA region");
	expect_ok(libiommu_ioas_unmap(ioas, MSI_IOVA, pgsz(), &n));
	expect_ok(libiommu_dev_open(ctx, edu_path, NULL, &d));
	nr = 16;
	expect_ok(libiommu_ioas_get_ranges(ioas, r, &nr, NULL));
	ck_assert_msg(!in_ranges(ioas, MSI_IOVA, pgsz()),
		      "the MSI window is reported usable");
	iova = MSI_IOVA;
	expect_err(libiommu_ioas_map(ioas, buf, pgsz(), &iova, RW | FIXED),
		   -EINVAL, "not inside one usable range");
}
END_TEST

START_TEST(mappings_outlive_the_last_device)
{
	struct libiommu_dev *d;

	map_src_dst(ioas);
	d = open_by_group(ctx, edu_group, edu_name);
	dma_round_trip(d);
	libiommu_dev_free(d); /* type1: the container loses its IOMMU */
	d = open_by_group(ctx, edu_group, edu_name);
	dma_round_trip(d);
}
END_TEST

/*
 * The container's enforcement (VFIO_DMA_CC_IOMMU), asked when it is real:
 * on iommufd-compat only once the device fd exists (before, it says 1 even
 * when the IOMMU cannot enforce).  The VM's VT-d snoop control decides.
 */
START_TEST(container_coherency_follows_snoop_control)
{
	const char *snoop = getenv("LIBIOMMU_VM_SNOOP");
	struct libiommu_coherency *coh = NULL;
	struct libiommu_dev *d;
	const char *detail = NULL;

	if (!snoop) {
		printf("SKIP: container_coherency_follows_snoop_control: LIBIOMMU_VM_SNOOP is not set (VM tier only)\n");
		return;
	}
	d = open_by_group(ctx, edu_group, edu_name);
	expect_ok(libiommu_dev_attach_ioas(d, ioas));
	expect_ok(libiommu_coherency_get_dev(d, &coh));
	ck_assert_int_eq(libiommu_coherency_source(coh, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS,
						   &detail),
			 LIBIOMMU_COHERENCY_SOURCE_VFIO);
	ck_assert_msg(libiommu_coherency_iommu_blocks(coh) ==
			      (strcmp(snoop, "on") ? LIBIOMMU_COHERENCY_ANSWER_NO : LIBIOMMU_COHERENCY_ANSWER_YES),
		      "snoop-control=%s but the container says: %s", snoop,
		      detail ? detail : "?");
	libiommu_coherency_free(coh);
}
END_TEST

/* ---- dirty pages ----------------------------------------------------------------------- */

START_TEST(dirty_tracking_type1)
{
	struct libiommu_dev *d;
	struct edu e;
	uint64_t bm[1] = { 0 };
	const uint64_t base = SRC_IOVA, len = 2 * MiB; /* src..dst and after */
	uint64_t iova = DST_IOVA + pgsz();
	void *other = xbuf(2 * pgsz());

	map_src_dst(ioas);
	expect_ok(libiommu_ioas_map(ioas, other, 2 * pgsz(), &iova, RW | FIXED));
	expect_err(libiommu_ioas_set_dirty_tracking(ioas, true), -ENODEV,
		   "open a device first");
	d = open_by_group(ctx, edu_group, edu_name);
	ck_assert_int_eq(edu_init(&e, d), 0);
	expect_err(libiommu_ioas_get_dirty_bitmap(ioas, base, len, pgsz(), bm, 0),
		   -EINVAL, "dirty tracking is not started");
	expect_ok(libiommu_ioas_set_dirty_tracking(ioas, true));
	ck_assert_int_eq(edu_dma_from_ram(&e, SRC_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, DST_IOVA, LEN), 0);
	/* 512 pages from SRC_IOVA: bit 0 src, bit 256 dst, bits 257-258 other */
	{
		uint64_t big[8];

		expect_ok(libiommu_ioas_get_dirty_bitmap(ioas, base, len, pgsz(),
							 big, 0));
		ck_assert_msg(big[4] & 1, "the page the device wrote is not dirty");
		/* type1 cannot tell what an IOMMU-backed device wrote: every
		 * pinned page reads dirty, the unmapped ones clean */
		ck_assert(big[0] & 1);
		ck_assert_uint_eq(big[1], 0);
	}
	expect_err(libiommu_ioas_get_dirty_bitmap(ioas, base, len, pgsz(), bm,
						  LIBIOMMU_DIRTY_NO_CLEAR),
		   -EOPNOTSUPP, "not available on the type1 backend");
	expect_err(libiommu_ioas_get_dirty_bitmap(ioas, 0, 2 * MiB, 2 * MiB, bm, 0),
		   -EINVAL, "smallest IOMMU page size only");
	expect_err(libiommu_ioas_get_dirty_bitmap(ioas, DST_IOVA + pgsz(),
						  pgsz(), pgsz(), bm, 0),
		   -EINVAL, "type1 reports whole mappings only");
	expect_ok(libiommu_ioas_set_dirty_tracking(ioas, false));
	edu_fini(&e);
}
END_TEST

START_TEST(dirty_tracking_compat_is_eopnotsupp)
{
	expect_err(libiommu_ioas_set_dirty_tracking(ioas, true), -EOPNOTSUPP,
		   "not available on the iommufd-compat backend");
	tu_assert_logged(&lg, "no VFIO_IOMMU_DIRTY_PAGES");
}
END_TEST

/* The cdev path (/dev/vfio/devices/vfioN) of the PCI device @pci; 0 or -1. */
static int cdev_of(const char *pci, char *path, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = -1;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", pci);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(path, len, "/dev/vfio/devices/%.32s", e->d_name);
			rc = 0;
			break;
		}
	closedir(d);
	return rc;
}

START_TEST(cdev_of_a_group_that_is_not_viable_is_eperm_naming_the_blocker)
{
	char group[64], names[2][64], path[64], want[96];
	struct libiommu_dev *d = NULL;

	if (!find_group(1, true, group, sizeof(group), names) ||
	    cdev_of(names[0], path, sizeof(path))) {
		printf("SKIP: cdev_of_a_group_that_is_not_viable_is_eperm_naming_the_blocker: no edu cdev in a group with a device on another driver (tests/vm/run.sh puts an edu and a virtio device behind one bridge)\n");
		return;
	}
	snprintf(want, sizeof(want), "its IOMMU group %s is not viable", group + 10);
	expect_err(libiommu_dev_open(ctx, path, NULL, &d), -EPERM, want);
	tu_assert_logged(&lg, "(driver virtio-pci)");
	ck_assert_ptr_null(d);
}
END_TEST

START_TEST(cdev_of_a_group_another_iommufd_owns_is_eperm)
{
	char group[64], names[2][64], a[64], b[64], want[96];
	struct libiommu_ctx_opts o;
	struct libiommu_ctx *c2 = NULL;
	struct libiommu_dev *d2 = NULL, *d = NULL;
	struct tu_log l2;

	if (!find_group(2, false, group, sizeof(group), names) ||
	    cdev_of(names[0], a, sizeof(a)) || cdev_of(names[1], b, sizeof(b))) {
		printf("SKIP: cdev_of_a_group_another_iommufd_owns_is_eperm: no group with two edu cdevs (tests/vm/run.sh puts two edus behind one bridge)\n");
		return;
	}
	o = tu_ctx_opts(&l2, LIBIOMMU_LOG_DEBUG, NULL);
	o.backend = LIBIOMMU_BACKEND_IOMMUFD;
	ck_assert_int_eq(libiommu_ctx_new(&o, &c2), 0);
	ck_assert_int_eq(libiommu_dev_open(c2, a, NULL, &d2), 0);
	expect_err(libiommu_dev_open(ctx, b, NULL, &d), -EPERM,
		   "is bound to another iommufd");
	snprintf(want, sizeof(want), "of its IOMMU group %s (", group + 10);
	tu_assert_logged(&lg, want);
	ck_assert_ptr_null(d);
	/* once the other context lets go, the group is free for this one */
	libiommu_ctx_free(c2);
	expect_ok(libiommu_dev_open(ctx, b, NULL, &d));
	libiommu_dev_free(d);
}
END_TEST

START_TEST(iommufd_backend_has_no_groups)
{
	struct libiommu_dev *d = NULL;

	expect_err(libiommu_dev_open_group(ctx, "/dev/vfio/0", "0000:00:00.0",
					   NULL, &d),
		   -EOPNOTSUPP, "not available on the iommufd backend");
	tu_assert_logged(&lg, "LIBIOMMU_BACKEND_TYPE1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dev-legacy");
	TCase *tc;
	enum libiommu_backend b;

	tu_require_iommufd();
	require_edu();
	b = tu_backend();
	tc = tu_tcase(s, "legacy");
	tcase_add_checked_fixture(tc, setup, teardown);
	if (b == LIBIOMMU_BACKEND_IOMMUFD) {
		tcase_add_test(tc, iommufd_backend_has_no_groups);
		tcase_add_test(tc, cdev_of_a_group_that_is_not_viable_is_eperm_naming_the_blocker);
		tcase_add_test(tc, cdev_of_a_group_another_iommufd_owns_is_eperm);
		printf("SKIP: the group cases of dev-legacy on the iommufd backend: VFIO groups are the legacy backends' (tests/vm/variants runs them with LIBIOMMU_TEST_BACKEND=type1 and compat)\n");
		return tu_run(s);
	}
	if (cdev_info(edu_path, edu_name, sizeof(edu_name), edu_group,
		      sizeof(edu_group))) {
		printf("SKIP: cannot find the group of %s in sysfs\n", edu_path);
		return TU_EXIT_SKIP;
	}
	tcase_add_test(tc, open_group_by_path_dma_and_regions);
	tcase_add_test(tc, open_group_fd_borrowed_then_owned);
	tcase_add_test(tc, open_group_bad_arguments);
	tcase_add_test(tc, group_held_by_another_context_is_ebusy);
	tcase_add_test(tc, group_held_by_another_process_is_ebusy);
	tcase_add_test(tc, device_open_through_its_cdev_blocks_the_group);
	tcase_add_test(tc, two_devices_of_one_group);
	tcase_add_test(tc, group_not_viable_is_ebusy);
	tcase_add_test(tc, ranges_and_reserved_regions_around_the_first_device);
	tcase_add_test(tc, mappings_outlive_the_last_device);
	tcase_add_test(tc, container_coherency_follows_snoop_control);
	if (b == LIBIOMMU_BACKEND_TYPE1) {
		tcase_add_test(tc, dirty_tracking_type1);
	} else {
		tcase_add_test(tc, dirty_tracking_compat_is_eopnotsupp);
		tu_skip_test("dirty_tracking_type1",
			     "iommufd's VFIO compatibility has no VFIO_IOMMU_DIRTY_PAGES");
	}
	return tu_run(s);
}
