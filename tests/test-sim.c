/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated hardware (libiommu_sim.ko, kmod/sim/), through raw ioctls
 * on its node /dev/libiommu-sim, on libiommu.ko's /dev/libiommu (the
 * kernel's view and KVM's read-back, when that module is loaded too), on
 * /dev/iommu, the sim devices' VFIO cdevs and KVM:
 * all four boxes of the coherency matrix in one boot, DMA by IOVA (data
 * lands, unmapped and read-only IOVAs fault and write nothing), dirty
 * tracking, KVM's non-coherent read-back, force-enable (box 1 -> 3), the
 * attach-fails rule, teardown refusals, and load/create/destroy/unload
 * x100 without slab growth or kernel warnings.
 *
 * Skips (77) without /dev/libiommu-sim (everywhere but the VM tier).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmodutil.h"
#include "testutil.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"
#include "uapi/vfio.h"
#include "libiommu_kmod.h"

#define PG 4096u
#define IOVA_A 0x100000ull    /* where the tests map their first buffer */
#define IOVA_B 0x200000ull    /* ... and their second */
#define IOVA_HOLE 0x300000ull /* never mapped */

#define S_SNOOP LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL
#define S_DIRTY LIBIOMMU_KMOD_SIM_IOMMU_DIRTY
#define D_NSCAP LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP
#define D_NOENF LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE

/* ------------------------------------------------------------ plumbing */

/* Everything a test creates, undone by teardown even after a failure. */
#define MAXOBJ 16
static int ctl = -1, ifd = -1;	  /* the sim node, an iommufd */
static int mctl = -1;		  /* libiommu.ko's node, or -1 */
static int fds[4 * MAXOBJ], nfds; /* sim objects: ku_sim_* */

static int track_fd(int fd)
{
	ck_assert_int_lt(nfds, (int)(sizeof(fds) / sizeof(fds[0])));
	fds[nfds++] = fd;
	return fd;
}

static void close_fd(int fd)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i] == fd)
			fds[i] = -1;
	close(fd);
}

static void teardown(void);

static void setup(void)
{
	/* start from a known state, whatever a failed test left */
	ku_restore_modules();
	ku_sim_destroy_leftovers();
	ctl = ku_sim_open();
	mctl = open(LIBIOMMU_KMOD_DEVNODE, O_RDWR | O_CLOEXEC);
	ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ck_assert_msg(ifd >= 0, "open /dev/iommu: %s", strerror(errno));
}

static void teardown(void)
{
	/* device fds first (unbind), then the iommufd (frees domains) */
	for (int i = nfds - 1; i >= 0; i--)
		if (fds[i] >= 0)
			close(fds[i]);
	nfds = 0;
	if (ifd >= 0)
		close(ifd);
	ifd = -1;
	/* and whatever a failed test left open (a device fd blocks destroy) */
	ku_sim_close(&ctl);
	if (mctl >= 0)
		close(mctl);
	mctl = -1;
}

static uint32_t sim_iommu(uint32_t flags)
{
	return ku_sim_iommu(ctl, flags);
}

static uint32_t sim_dev(uint32_t iommu_id, uint32_t flags, uint32_t *vfio_index)
{
	return ku_sim_dev(ctl, iommu_id, flags, vfio_index);
}

static int sim_dev_set(uint32_t dev_id, uint32_t dev_flags)
{
	struct libiommu_kmod_sim_dev_set s = { .size = sizeof(s),
					       .dev_id = dev_id,
					       .dev_flags = dev_flags };

	return ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_SET, &s);
}

static struct libiommu_kmod_sim_dev_info sim_info(uint32_t dev_id)
{
	struct libiommu_kmod_sim_dev_info i = { .size = sizeof(i),
						.dev_id = dev_id };

	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_INFO, &i), 0);
	return i;
}

static int cdev_open(uint32_t vfio_index)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u", vfio_index);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return track_fd(fd);
}

static uint32_t dev_bind(int dev_fd, int iommufd)
{
	struct lx_vfio_device_bind_iommufd b = { .argsz = 16,
						 .iommufd = iommufd };

	ku_assert_rc(ku_ioctl(dev_fd, LX_VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	return b.out_devid;
}

static int attach(int dev_fd, uint32_t *pt_id)
{
	struct lx_vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
						      .pt_id = *pt_id };
	int rc = ku_ioctl(dev_fd, LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);

	if (!rc)
		*pt_id = a.pt_id;
	return rc;
}

static uint32_t ioas_new(int iommufd)
{
	struct lx_iommu_ioas_alloc a = { .size = sizeof(a) };

	ku_assert_rc(ku_ioctl(iommufd, LX_IOMMU_IOAS_ALLOC, &a), 0);
	return a.out_ioas_id;
}

static void *map(int iommufd, uint32_t ioas, uint64_t iova, size_t len,
		 uint32_t flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct lx_iommu_ioas_map m = {
		.size = sizeof(m),
		.ioas_id = ioas,
		.length = len,
		.iova = iova,
		.flags = LX_IOMMU_IOAS_MAP_FIXED_IOVA | flags,
	};

	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 0x11, len);
	m.user_va = (uintptr_t)p;
	ku_assert_rc(ku_ioctl(iommufd, LX_IOMMU_IOAS_MAP, &m), 0);
	return p;
}

#define RW (LX_IOMMU_IOAS_MAP_READABLE | LX_IOMMU_IOAS_MAP_WRITEABLE)

static void unmap(int iommufd, uint32_t ioas, uint64_t iova, size_t len)
{
	struct lx_iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len };

	ku_assert_rc(ku_ioctl(iommufd, LX_IOMMU_IOAS_UNMAP, &u), 0);
}

/* ------------------------------------------------------------ the device */

static uint64_t region_offset(int dev_fd, uint32_t index, uint64_t want_size)
{
	struct lx_vfio_region_info r = { .argsz = sizeof(r), .index = index };

	ku_assert_rc(ku_ioctl(dev_fd, LX_VFIO_DEVICE_GET_REGION_INFO, &r), 0);
	ck_assert_uint_eq(r.size, want_size);
	return r.offset;
}

static uint16_t cfg_read16(int fd, uint32_t off)
{
	uint64_t base = region_offset(fd, LX_VFIO_PCI_CONFIG_REGION_INDEX, 4096);
	uint16_t v;

	ck_assert_int_eq(pread(fd, &v, 2, (off_t)(base + off)), 2);
	return v;
}

static void cfg_write16(int fd, uint32_t off, uint16_t v)
{
	uint64_t base = region_offset(fd, LX_VFIO_PCI_CONFIG_REGION_INDEX, 4096);

	ck_assert_int_eq(pwrite(fd, &v, 2, (off_t)(base + off)), 2);
}

static uint64_t bar0(int fd)
{
	return region_offset(fd, LX_VFIO_PCI_BAR0_REGION_INDEX,
			     LIBIOMMU_KMOD_SIM_BAR0_SIZE);
}

static void reg_write(int fd, uint32_t reg, uint64_t v, size_t width)
{
	ck_assert_int_eq(pwrite(fd, &v, width, (off_t)(bar0(fd) + reg)),
			 (ssize_t)width);
}

static uint64_t reg_read(int fd, uint32_t reg, size_t width)
{
	uint64_t v = 0;

	ck_assert_int_eq(pread(fd, &v, width, (off_t)(bar0(fd) + reg)),
			 (ssize_t)width);
	return v;
}

/* Run one DMA command; returns LIBIOMMU_KMOD_SIM_ST_*. */
static uint32_t dma(int fd, uint32_t cmd, uint64_t src, uint64_t dst,
		    uint64_t len)
{
	reg_write(fd, LIBIOMMU_KMOD_SIM_REG_SRC, src, 8);
	reg_write(fd, LIBIOMMU_KMOD_SIM_REG_DST, dst, 8);
	reg_write(fd, LIBIOMMU_KMOD_SIM_REG_LEN, len, 8);
	reg_write(fd, LIBIOMMU_KMOD_SIM_REG_CMD, cmd, 4);
	return (uint32_t)reg_read(fd, LIBIOMMU_KMOD_SIM_REG_STATUS, 4);
}

static uint32_t dma_fill(int fd, uint64_t dst, uint64_t len, uint8_t byte)
{
	reg_write(fd, LIBIOMMU_KMOD_SIM_REG_PATTERN, byte, 4);
	return dma(fd, LIBIOMMU_KMOD_SIM_DMA_FILL, 0, dst, len);
}

static void bus_master(int fd, int on)
{
	uint16_t cmd = cfg_read16(fd, 0x04);

	cmd = on ? cmd | LIBIOMMU_KMOD_SIM_CMD_MASTER : cmd & ~LIBIOMMU_KMOD_SIM_CMD_MASTER;
	cfg_write16(fd, 0x04, cmd);
}

/*
 * One device of box @box (1..4), bound to ifd and attached to a fresh
 * IOAS, bus mastering on.  Box 1: snoop-control IOMMU, no-snoop capable
 * device; 2: snoop-control, incapable; 3: no snoop control, capable;
 * 4: neither.  @extra: more device flags (D_NOENF).
 */
struct box {
	uint32_t iommu, dev, vfio_index, devid, ioas, hwpt;
	int fd;
};

static uint32_t box_iommu_flags(int box)
{
	return S_DIRTY | (box <= 2 ? S_SNOOP : 0);
}

static uint32_t box_dev_flags(int box)
{
	return (box % 2) ? D_NSCAP : 0;
}

static struct box box_new(int box, uint32_t extra, bool do_attach)
{
	struct box b = { 0 };

	b.iommu = sim_iommu(box_iommu_flags(box));
	b.dev = sim_dev(b.iommu, box_dev_flags(box) | extra, &b.vfio_index);
	b.fd = cdev_open(b.vfio_index);
	b.devid = dev_bind(b.fd, ifd);
	b.ioas = ioas_new(ifd);
	if (do_attach) {
		b.hwpt = b.ioas;
		ku_assert_rc(attach(b.fd, &b.hwpt), 0);
		ck_assert_uint_ne(b.hwpt, b.ioas); /* a HWPT was made for it */
	}
	bus_master(b.fd, 1);
	return b;
}

/* ------------------------------------------------------------ KVM */

static int kvm_vm(void)
{
	return track_fd(ku_kvm_new_vm());
}

static int kvm_vfio_dev(int vm)
{
	return track_fd(ku_kvm_new_vfio_dev(vm));
}

/* kvm->arch.noncoherent_dma_count of @vm, through the module. */
static uint32_t kvm_noncoherent(int vm)
{
	struct libiommu_kmod_kvm_noncoherent kn = { .size = sizeof(kn),
						    .kvm_fd = vm };

	ku_assert_rc(ku_ioctl(mctl, LIBIOMMU_KMOD_KVM_NONCOHERENT, &kn), 0);
	ck_assert_uint_eq(!!(kn.out_flags & LIBIOMMU_KMOD_KVM_NONCOHERENT_DMA),
			  !!kn.out_noncoherent_dma_count);
	return kn.out_noncoherent_dma_count;
}

/* libiommu.ko's features (0 when it is not loaded). */
static uint64_t features(void)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };

	if (mctl < 0)
		return 0;
	ku_assert_rc(ku_ioctl(mctl, LIBIOMMU_KMOD_GET_VERSION, &v), 0);
	return v.out_features;
}

/* GET_DEV_INFO through libiommu.ko; false (with a note) without it. */
static bool dev_info(int fd, struct libiommu_kmod_dev_info *di)
{
	memset(di, 0, sizeof(*di));
	di->size = sizeof(*di);
	di->vfio_fd = fd;
	if (mctl < 0) {
		printf("note: libiommu.ko not loaded: GET_DEV_INFO not checked\n");
		return false;
	}
	ku_assert_rc(ku_ioctl(mctl, LIBIOMMU_KMOD_GET_DEV_INFO, di), 0);
	return true;
}

/* Linux's rule: KVM counts non-coherent DMA iff the IOMMU does not enforce. */
static void check_kvm(int dev_fd, uint32_t want)
{
	int vm, kdev;

	if (!(features() & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT)) {
		printf("note: KVM read-back unavailable, not checked\n");
		return;
	}
	vm = kvm_vm();
	kdev = kvm_vfio_dev(vm);
	ck_assert_uint_eq(kvm_noncoherent(vm), 0);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, dev_fd), 0);
	ck_assert_uint_eq(kvm_noncoherent(vm), want);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, dev_fd), 0);
	ck_assert_uint_eq(kvm_noncoherent(vm), 0);
	close_fd(kdev);
	close_fd(vm);
}

/* ------------------------------------------------------------ boxes */

START_TEST(version_reports_sim)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };

	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v), 0);
	ck_assert_uint_eq(v.out_version, LIBIOMMU_KMOD_VERSION);
	ck_assert_msg(v.out_features & LIBIOMMU_KMOD_FEAT_SIM,
		      "LIBIOMMU_KMOD_FEAT_SIM clear");
	ck_assert(v.out_features & LIBIOMMU_KMOD_FEAT_SIM_LAST_DMA);
	/* the other node's commands are not this one's */
	v.size = sizeof(v);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_GET_DEV_INFO, &v), -ENOTTY);
	if (mctl >= 0) {
		struct libiommu_kmod_sim_dev_info i = { .size = sizeof(i) };

		ku_assert_rc(ku_ioctl(mctl, LIBIOMMU_KMOD_SIM_DEV_INFO, &i),
			     -ENOTTY);
		ck_assert(!(features() & LIBIOMMU_KMOD_FEAT_SIM));
	}
}
END_TEST

/*
 * The whole matrix, one box per iteration (_i = box): what the kernel's
 * own functions say (GET_DEV_INFO), what the IOMMU really did to the
 * domain (SIM_DEV_INFO), whether a no-snoop DMA went out non-snooped, and
 * what KVM concluded.
 */
START_TEST(box_matrix)
{
	int box = _i;
	bool iommu_blocks = box <= 2, dev_can = box % 2;
	struct libiommu_kmod_dev_info di;
	struct libiommu_kmod_sim_dev_info si;
	struct box b = box_new(box, 0, true);
	uint8_t *a = map(ifd, b.ioas, IOVA_A, PG, RW);

	/*
	 * the kernel's view: IOMMU row, default policy; the kernel sees no
	 * PCI device (the PCIe side is the simulator's: below)
	 */
	if (dev_info(b.fd, &di)) {
		ck_assert_uint_eq(!!(di.out_flags & LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC),
				  iommu_blocks);
		ck_assert_uint_eq(!!(di.out_flags & LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC),
				  iommu_blocks);
		ck_assert_uint_eq(di.out_wbinvd_policy,
				  iommu_blocks ? LIBIOMMU_KMOD_WBINVD_DISABLE : LIBIOMMU_KMOD_WBINVD_ENABLE);
		ck_assert(!(di.out_flags & LIBIOMMU_KMOD_DEV_PCI));
		ck_assert_uint_eq(di.out_nosnoop, LIBIOMMU_KMOD_NOSNOOP_NOT_PCI);
		ck_assert_uint_eq(di.out_devid, b.devid);
	}
	ck_assert_uint_eq(!!(sim_info(b.dev).out_devctl &
			     LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN),
			  dev_can);

	/* the device's config space says the same through VFIO */
	ck_assert_uint_eq(cfg_read16(b.fd, 0), LIBIOMMU_KMOD_SIM_PCI_VENDOR);
	ck_assert_uint_eq(!!(cfg_read16(b.fd, LIBIOMMU_KMOD_SIM_CFG_DEVCTL) &
			     LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN),
			  dev_can);

	/* the domain iommufd allocated enforces exactly when it can */
	si = sim_info(b.dev);
	ck_assert(si.out_state & LIBIOMMU_KMOD_SIM_STATE_OPEN);
	ck_assert(si.out_state & LIBIOMMU_KMOD_SIM_STATE_ATTACHED);
	ck_assert_uint_eq(!!(si.out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC),
			  iommu_blocks);

	/* a no-snoop DMA: only box 3 really sends it */
	ck_assert_uint_eq(sim_info(b.dev).out_last_dma, 0); /* none yet */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, 64, 0xa0 + box),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(reg_read(b.fd, LIBIOMMU_KMOD_SIM_REG_LAST_NS, 4), 0);
	/* the truth of that DMA: snooped, enforced where the IOMMU blocks */
	ck_assert_uint_eq(sim_info(b.dev).out_last_dma,
			  LIBIOMMU_KMOD_SIM_LAST_DMA_DONE |
				  LIBIOMMU_KMOD_SIM_LAST_DMA_SNOOPED |
				  (iommu_blocks ? LIBIOMMU_KMOD_SIM_LAST_DMA_ENFORCED : 0));
	reg_write(b.fd, LIBIOMMU_KMOD_SIM_REG_PATTERN, 0xb0 + box, 4);
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_FILL | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP,
			      0, IOVA_A + 64, 64),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(reg_read(b.fd, LIBIOMMU_KMOD_SIM_REG_LAST_NS, 4),
			  box == 3);
	/*
	 * ... issued no-snoop where the device can; snooped unless nothing
	 * stopped it (box 3)
	 */
	ck_assert_uint_eq(sim_info(b.dev).out_last_dma,
			  LIBIOMMU_KMOD_SIM_LAST_DMA_DONE |
				  (dev_can ? LIBIOMMU_KMOD_SIM_LAST_DMA_NOSNOOP : 0) |
				  (iommu_blocks ? LIBIOMMU_KMOD_SIM_LAST_DMA_ENFORCED : 0) |
				  (box != 3 ? LIBIOMMU_KMOD_SIM_LAST_DMA_SNOOPED : 0));
	/* a faulting DMA moves nothing and leaves the last one's truth */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_HOLE, 8, 1), LIBIOMMU_KMOD_SIM_ST_FAULT);
	ck_assert(sim_info(b.dev).out_last_dma & LIBIOMMU_KMOD_SIM_LAST_DMA_DONE);
	ck_assert_uint_eq(a[0], 0xa0 + box);
	ck_assert_uint_eq(a[64], 0xb0 + box);
	ck_assert_uint_eq(a[128], 0x11);
	si = sim_info(b.dev);
	ck_assert_uint_eq(si.out_ns_pages != 0, box == 3);

	/* clearing Enable No Snoop takes box 3's device out of no-snoop */
	if (dev_can) {
		cfg_write16(b.fd, LIBIOMMU_KMOD_SIM_CFG_DEVCTL,
			    cfg_read16(b.fd, LIBIOMMU_KMOD_SIM_CFG_DEVCTL) &
				    ~LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN);
		ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_FILL | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP,
				      0, IOVA_A, 64),
				  LIBIOMMU_KMOD_SIM_ST_DONE);
		ck_assert_uint_eq(reg_read(b.fd, LIBIOMMU_KMOD_SIM_REG_LAST_NS, 4), 0);
	} else {
		/* hardwired to zero: a write does not stick */
		cfg_write16(b.fd, LIBIOMMU_KMOD_SIM_CFG_DEVCTL,
			    cfg_read16(b.fd, LIBIOMMU_KMOD_SIM_CFG_DEVCTL) |
				    LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN);
		ck_assert_uint_eq(cfg_read16(b.fd, LIBIOMMU_KMOD_SIM_CFG_DEVCTL) &
					  LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN,
				  0);
	}

	check_kvm(b.fd, iommu_blocks ? 0 : 1);
}
END_TEST

/*
 * SIM_DEV_CREATE's flags are the command's (none defined yet); the new
 * device's properties are in dev_flags.  Unknown bits in either, and a
 * non-zero __reserved, are EOPNOTSUPP; the properties given are the ones
 * the device gets.
 */
START_TEST(dev_create_takes_device_properties_in_dev_flags)
{
	struct libiommu_kmod_sim_dev_create c = { .size = sizeof(c) };
	struct libiommu_kmod_sim_dev_info i;
	uint32_t iommu = sim_iommu(S_SNOOP);

	c.iommu_id = iommu;
	c.flags = D_NSCAP; /* a property where a command flag goes */
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_CREATE, &c), -EOPNOTSUPP);
	c.flags = 0;
	c.dev_flags = 1u << 7;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_CREATE, &c), -EOPNOTSUPP);
	c.dev_flags = 0;
	c.__reserved = 1;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_CREATE, &c), -EOPNOTSUPP);
	ck_assert_uint_eq(c.out_dev_id, 0);

	i = sim_info(sim_dev(iommu, D_NSCAP | D_NOENF, NULL));
	ck_assert_uint_eq(i.out_dev_flags, D_NSCAP | D_NOENF);
	i = sim_info(sim_dev(iommu, 0, NULL));
	ck_assert_uint_eq(i.out_dev_flags, 0);
}
END_TEST

/* The simulator's node takes no struct above a page either. */
START_TEST(sim_structs_larger_than_a_page_are_e2big)
{
	uint8_t *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct libiommu_kmod_sim_iommu_create *c = (void *)p;

	ck_assert(p != MAP_FAILED);
	c->size = PG + 4;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, c), -E2BIG);
	c->size = UINT32_MAX;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, c), -E2BIG);
	ck_assert_uint_eq(c->out_iommu_id, 0);
	munmap(p, 2 * PG);
}
END_TEST

/* All four boxes at once, in one VM: kvm-vfio counts the VM once. */
START_TEST(four_boxes_one_vm)
{
	struct box b[4];
	int vm, kdev;

	for (int i = 0; i < 4; i++)
		b[i] = box_new(i + 1, 0, true);
	if (!(features() & LIBIOMMU_KMOD_FEAT_KVM_NONCOHERENT))
		return;
	vm = kvm_vm();
	kdev = kvm_vfio_dev(vm);
	for (int i = 0; i < 2; i++)
		ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, b[i].fd), 0);
	ck_assert_uint_eq(kvm_noncoherent(vm), 0);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, b[2].fd), 0);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, b[3].fd), 0);
	ck_assert_uint_eq(kvm_noncoherent(vm), 1);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, b[2].fd), 0);
	ck_assert_uint_eq(kvm_noncoherent(vm), 1);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, b[3].fd), 0);
	ck_assert_uint_eq(kvm_noncoherent(vm), 0);
}
END_TEST

/* ------------------------------------------------------------ DMA */

START_TEST(dma_data_lands_in_mapped_pages)
{
	struct box b = box_new(1, 0, true);
	uint8_t *a = map(ifd, b.ioas, IOVA_A, 4 * PG, RW);
	uint8_t *c = map(ifd, b.ioas, IOVA_B, 4 * PG, RW);
	uint8_t buf[LIBIOMMU_KMOD_SIM_BUF_SIZE];
	uint64_t off = bar0(b.fd) + LIBIOMMU_KMOD_SIM_BUF;

	ck_assert_uint_eq(reg_read(b.fd, LIBIOMMU_KMOD_SIM_REG_ID, 4),
			  LIBIOMMU_KMOD_SIM_ID);
	for (unsigned int i = 0; i < 4 * PG; i++)
		a[i] = (uint8_t)(i * 7 + 3);

	/* memory -> device, unaligned and across a page boundary */
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_TO_DEV, IOVA_A + 100,
			      0, PG),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_int_eq(pread(b.fd, buf, PG, (off_t)off), (ssize_t)PG);
	ck_assert_int_eq(memcmp(buf, a + 100, PG), 0);

	/* device -> memory */
	for (unsigned int i = 0; i < PG; i++)
		buf[i] = (uint8_t)~i;
	ck_assert_int_eq(pwrite(b.fd, buf, PG, (off_t)off), (ssize_t)PG);
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_FROM_DEV, 0,
			      IOVA_B + 2 * PG + 5, PG - 5 - 100),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_int_eq(memcmp(c + 2 * PG + 5, buf, PG - 105), 0);
	ck_assert_uint_eq(c[2 * PG + 4], 0x11);
	ck_assert_uint_eq(c[3 * PG + PG - 100], 0x11);

	/* memory -> memory, 3 pages, different alignments */
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_COPY, IOVA_A + 1,
			      IOVA_B + 3, 3 * PG),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_int_eq(memcmp(c + 3, a + 1, 3 * PG), 0);

	ck_assert_uint_eq(sim_info(b.dev).out_dma_bytes, PG + (PG - 105) + 3 * PG);
}
END_TEST

START_TEST(dma_to_unmapped_iova_faults_and_writes_nothing)
{
	struct box b = box_new(1, 0, true);
	uint8_t *a = map(ifd, b.ioas, IOVA_A, 2 * PG, RW);
	uint8_t ref[2 * PG];

	memcpy(ref, a, sizeof(ref));
	/* nothing mapped there at all */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_HOLE, 16, 0xee),
			  LIBIOMMU_KMOD_SIM_ST_FAULT);
	ck_assert_uint_eq(reg_read(b.fd, LIBIOMMU_KMOD_SIM_REG_FAULT_IOVA, 8),
			  IOVA_HOLE);
	/* starts in a mapped page, runs off the end: faults, writes nothing */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A + PG, 2 * PG, 0xee),
			  LIBIOMMU_KMOD_SIM_ST_FAULT);
	ck_assert_uint_eq(reg_read(b.fd, LIBIOMMU_KMOD_SIM_REG_FAULT_IOVA, 8),
			  IOVA_A + 2 * PG);
	ck_assert_int_eq(memcmp(ref, a, sizeof(ref)), 0);
	/* reading from an unmapped IOVA faults too */
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_COPY, IOVA_HOLE,
			      IOVA_A, 8),
			  LIBIOMMU_KMOD_SIM_ST_FAULT);
	ck_assert_int_eq(memcmp(ref, a, sizeof(ref)), 0);
	ck_assert_uint_eq(sim_info(b.dev).out_dma_faults, 3);
}
END_TEST

START_TEST(dma_after_unmap_faults)
{
	struct box b = box_new(2, 0, true);
	uint8_t *a = map(ifd, b.ioas, IOVA_A, PG, RW);

	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, PG, 0x5c),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(a[PG - 1], 0x5c);
	unmap(ifd, b.ioas, IOVA_A, PG);
	a[0] = 0;
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, PG, 0x6d),
			  LIBIOMMU_KMOD_SIM_ST_FAULT);
	ck_assert_uint_eq(a[0], 0);
}
END_TEST

START_TEST(dma_write_to_readonly_mapping_faults)
{
	struct box b = box_new(1, 0, true);
	uint8_t *ro = map(ifd, b.ioas, IOVA_A, PG, LX_IOMMU_IOAS_MAP_READABLE);
	uint8_t *rw = map(ifd, b.ioas, IOVA_B, PG, RW);

	ro[0] = 0x42;
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, 8, 0xee),
			  LIBIOMMU_KMOD_SIM_ST_FAULT_PERM);
	ck_assert_uint_eq(ro[0], 0x42);
	/* reading it is fine */
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_COPY, IOVA_A, IOVA_B, 8),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(rw[0], 0x42);
}
END_TEST

START_TEST(dma_needs_a_domain_and_bus_master)
{
	struct box b = box_new(1, 0, false); /* bound, not attached */

	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, 8, 1),
			  LIBIOMMU_KMOD_SIM_ST_BLOCKED);
	ck_assert_uint_eq(sim_info(b.dev).out_state &
				  LIBIOMMU_KMOD_SIM_STATE_ATTACHED,
			  0);
	b.hwpt = b.ioas;
	ku_assert_rc(attach(b.fd, &b.hwpt), 0);
	map(ifd, b.ioas, IOVA_A, PG, RW);
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, 8, 1), LIBIOMMU_KMOD_SIM_ST_DONE);
	bus_master(b.fd, 0);
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, 8, 1),
			  LIBIOMMU_KMOD_SIM_ST_NO_MASTER);
	bus_master(b.fd, 1);
	ck_assert_uint_eq(dma(b.fd, 99, 0, IOVA_A, 8), LIBIOMMU_KMOD_SIM_ST_BAD_CMD);
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, 0, 1), LIBIOMMU_KMOD_SIM_ST_BAD_CMD);
}
END_TEST

/* ------------------------------------------------------------ dirty */

static uint64_t dirty_bitmap(uint32_t hwpt, uint64_t iova, unsigned int pages,
			     uint32_t flags)
{
	uint64_t bits = 0;
	struct lx_iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g),
		.hwpt_id = hwpt,
		.flags = flags,
		.iova = iova,
		.length = (uint64_t)pages * PG,
		.page_size = PG,
		.data = (uintptr_t)&bits,
	};

	ku_assert_rc(ku_ioctl(ifd, LX_IOMMU_HWPT_GET_DIRTY_BITMAP, &g), 0);
	return bits;
}

static int set_dirty_tracking(uint32_t hwpt, bool on)
{
	struct lx_iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s),
		.hwpt_id = hwpt,
		.flags = on ? LX_IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	return ku_ioctl(ifd, LX_IOMMU_HWPT_SET_DIRTY_TRACKING, &s);
}

static int hwpt_alloc(uint32_t devid, uint32_t pt, uint32_t flags,
		      uint32_t *out)
{
	struct lx_iommu_hwpt_alloc h = { .size = sizeof(h), .flags = flags, .dev_id = devid, .pt_id = pt };
	int rc = ku_ioctl(ifd, LX_IOMMU_HWPT_ALLOC, &h);

	*out = h.out_hwpt_id;
	return rc;
}

START_TEST(dirty_bitmap_matches_pages_written)
{
	struct box b = box_new(1, 0, false);
	uint64_t want = 0;
	uint32_t hwpt;

	ku_assert_rc(hwpt_alloc(b.devid, b.ioas,
				LX_IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt),
		     0);
	b.hwpt = hwpt;
	ku_assert_rc(attach(b.fd, &b.hwpt), 0);
	ck_assert_uint_eq(b.hwpt, hwpt);
	map(ifd, b.ioas, IOVA_A, 16 * PG, RW);

	/* tracking off: writes leave no trace */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A, PG, 1), LIBIOMMU_KMOD_SIM_ST_DONE);
	ku_assert_rc(set_dirty_tracking(hwpt, true), 0);
	ck_assert_uint_eq(dirty_bitmap(hwpt, IOVA_A, 16, 0), 0);
	ck_assert(sim_info(b.dev).out_state &
		  LIBIOMMU_KMOD_SIM_STATE_DIRTY_TRACKING);

	/* page 1; pages 3..4 (one write across the boundary); page 10 */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A + PG + 8, 8, 2),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A + 4 * PG - 16, 32, 3),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(dma(b.fd, LIBIOMMU_KMOD_SIM_DMA_COPY, IOVA_A + 12 * PG,
			      IOVA_A + 10 * PG, 100),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	want = 1u << 1 | 1u << 3 | 1u << 4 | 1u << 10; /* page 12 only read */
	/* a faulting write dirties nothing */
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A + 15 * PG, 2 * PG, 4),
			  LIBIOMMU_KMOD_SIM_ST_FAULT);

	ck_assert_uint_eq(dirty_bitmap(hwpt, IOVA_A, 16,
				       LX_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR),
			  want);
	ck_assert_uint_eq(dirty_bitmap(hwpt, IOVA_A, 16, 0), want);
	ck_assert_uint_eq(dirty_bitmap(hwpt, IOVA_A, 16, 0), 0); /* cleared */

	/* off again: nothing recorded */
	ku_assert_rc(set_dirty_tracking(hwpt, false), 0);
	ck_assert_uint_eq(dma_fill(b.fd, IOVA_A + 5 * PG, 8, 5),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ku_assert_rc(set_dirty_tracking(hwpt, true), 0);
	ck_assert_uint_eq(dirty_bitmap(hwpt, IOVA_A, 16, 0), 0);
}
END_TEST

START_TEST(dirty_tracking_needs_the_capability)
{
	uint32_t si = sim_iommu(S_SNOOP), vi, hwpt;
	uint32_t dev = sim_dev(si, D_NSCAP, &vi);
	int fd = cdev_open(vi);
	uint32_t devid = dev_bind(fd, ifd), ioas = ioas_new(ifd);

	(void)dev;
	ku_assert_rc(hwpt_alloc(devid, ioas, LX_IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				&hwpt),
		     -EOPNOTSUPP);
	ku_assert_rc(hwpt_alloc(devid, ioas, 0, &hwpt), 0);
}
END_TEST

/* ------------------------------------------------------------ policy */

/* Force-enable: a box-1 device set NO_ENFORCE behaves as box 3, and back. */
START_TEST(force_enable_moves_box1_to_box3)
{
	struct libiommu_kmod_dev_info di;
	uint32_t si = sim_iommu(S_SNOOP | S_DIRTY), vi, ioas, hwpt;
	uint32_t dev = sim_dev(si, D_NSCAP, &vi);
	int fd;

	ku_assert_rc(sim_dev_set(dev, D_NOENF), 0);
	ck_assert_uint_eq(sim_info(dev).out_dev_flags, D_NSCAP | D_NOENF);
	fd = cdev_open(vi);
	/* frozen while open: iommufd and KVM sample it */
	ku_assert_rc(sim_dev_set(dev, 0), -EBUSY);
	dev_bind(fd, ifd);
	ioas = ioas_new(ifd);
	hwpt = ioas;
	ku_assert_rc(attach(fd, &hwpt), 0);
	map(ifd, ioas, IOVA_A, PG, RW);
	bus_master(fd, 1);

	if (dev_info(fd, &di)) {
		ck_assert_uint_eq(di.out_flags & (LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC |
						  LIBIOMMU_KMOD_DEV_VFIO_ENFORCED_CC),
				  0);
		ck_assert_uint_eq(di.out_wbinvd_policy, LIBIOMMU_KMOD_WBINVD_ENABLE);
	}
	ck_assert(sim_info(dev).out_devctl & LIBIOMMU_KMOD_SIM_DEVCTL_NOSNOOP_EN);
	ck_assert_uint_eq(sim_info(dev).out_state &
				  LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC,
			  0);
	ck_assert_uint_eq(dma(fd, LIBIOMMU_KMOD_SIM_DMA_FILL | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP, 0, IOVA_A, 8),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(reg_read(fd, LIBIOMMU_KMOD_SIM_REG_LAST_NS, 4), 1);
	ck_assert_uint_eq(sim_info(dev).out_last_dma,
			  LIBIOMMU_KMOD_SIM_LAST_DMA_DONE |
				  LIBIOMMU_KMOD_SIM_LAST_DMA_NOSNOOP); /* not snooped */
	check_kvm(fd, 1);

	/* closed (unbound, detached): the policy may change back to box 1 */
	close_fd(fd);
	ku_assert_rc(sim_dev_set(dev, 0), 0);
	fd = cdev_open(vi);
	dev_bind(fd, ifd);
	ioas = ioas_new(ifd);
	hwpt = ioas;
	ku_assert_rc(attach(fd, &hwpt), 0);
	map(ifd, ioas, IOVA_A, PG, RW);
	bus_master(fd, 1);
	ck_assert(sim_info(dev).out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC);
	ck_assert_uint_eq(dma(fd, LIBIOMMU_KMOD_SIM_DMA_FILL | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP, 0, IOVA_A, 8),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(reg_read(fd, LIBIOMMU_KMOD_SIM_REG_LAST_NS, 4), 0);
	check_kvm(fd, 0);
	/* only the policy can change; NOSNOOP_CAP is hardware */
	close_fd(fd);
	ku_assert_rc(sim_dev_set(dev, D_NSCAP), -EINVAL);
}
END_TEST

/*
 * The /dev/iommu proposal's rule: a device that cannot be forced to snoop cannot join a
 * coherent I/O page table.  iommufd's automatic attach to the IOAS then
 * makes it a separate, non-coherent one.
 */
START_TEST(unforceable_device_cannot_attach_to_coherent_hwpt)
{
	uint32_t snoop = sim_iommu(S_SNOOP), nosnoop = sim_iommu(0);
	uint32_t v1, v3, vf, v1b, cc_hwpt, pt, nc_hwpt;
	uint32_t d1 = sim_dev(snoop, D_NSCAP, &v1);	      /* box 1 */
	uint32_t d3 = sim_dev(nosnoop, D_NSCAP, &v3);	      /* box 3 */
	uint32_t df = sim_dev(snoop, D_NSCAP | D_NOENF, &vf); /* forced 1->3 */
	uint32_t d1b = sim_dev(snoop, D_NSCAP, &v1b);	      /* another box 1 */
	int f1 = cdev_open(v1), f3 = cdev_open(v3), ff = cdev_open(vf);
	int f1b = cdev_open(v1b);
	uint32_t ioas = ioas_new(ifd);
	uint8_t *a;

	dev_bind(f3, ifd);
	dev_bind(ff, ifd);
	dev_bind(f1b, ifd);
	ku_assert_rc(hwpt_alloc(dev_bind(f1, ifd), ioas, 0, &cc_hwpt), 0);
	pt = cc_hwpt;
	ku_assert_rc(attach(f1, &pt), 0);
	ck_assert(sim_info(d1).out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC);

	/* the coherent HWPT refuses both kinds of non-snooping device */
	pt = cc_hwpt;
	ku_assert_rc(attach(f3, &pt), -EINVAL);
	pt = cc_hwpt;
	ku_assert_rc(attach(ff, &pt), -EINVAL);
	ck_assert_uint_eq(sim_info(d3).out_state &
				  LIBIOMMU_KMOD_SIM_STATE_ATTACHED,
			  0);

	/* the same IOAS, automatic: a second, non-coherent HWPT */
	nc_hwpt = ioas;
	ku_assert_rc(attach(f3, &nc_hwpt), 0);
	ck_assert_uint_ne(nc_hwpt, cc_hwpt);
	ck_assert_uint_eq(sim_info(d3).out_state &
				  LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC,
			  0);
	pt = ioas;
	ku_assert_rc(attach(ff, &pt), 0);
	ck_assert_uint_ne(pt, cc_hwpt);
	ck_assert_uint_eq(sim_info(df).out_state &
				  LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC,
			  0);

	/*
	 * The other way round is allowed (VT-d does the same): a device that
	 * could enforce joins the non-coherent HWPT and its DMA is not
	 * enforced any more, while VFIO still tells KVM "coherent" (the cdev
	 * answer is the device's capability).  SIM_DEV_INFO shows the truth.
	 */
	pt = nc_hwpt;
	ku_assert_rc(attach(f1b, &pt), 0);
	ck_assert_uint_eq(sim_info(d1b).out_state &
				  (LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC |
				   LIBIOMMU_KMOD_SIM_STATE_CAP_ENFORCE_CC),
			  LIBIOMMU_KMOD_SIM_STATE_CAP_ENFORCE_CC);

	/* both HWPTs map the IOAS: every device's DMA works */
	a = map(ifd, ioas, IOVA_A, PG, RW);
	bus_master(f1, 1);
	bus_master(f3, 1);
	ck_assert_uint_eq(dma_fill(f1, IOVA_A, 8, 0x31), LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(dma_fill(f3, IOVA_A + 8, 8, 0x33),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(a[0], 0x31);
	ck_assert_uint_eq(a[8], 0x33);
}
END_TEST

/*
 * GET_DEV_INFO's "now": the enforcement of the HWPT a device is attached
 * to, not its IOMMU's capability.  A device whose IOMMU can enforce,
 * auto-attached to an IOAS whose only HWPT was made for a device whose
 * IOMMU cannot, lands on that non-enforcing HWPT (iommufd reuses it): the
 * module says so, and the simulated hardware agrees (no-snoop DMA goes
 * through).  Alone in an IOAS the same device gets an enforcing HWPT.
 */
START_TEST(dev_info_reports_the_attached_hwpts_enforcement)
{
	uint32_t nosnoop = sim_iommu(0), snoop = sim_iommu(S_SNOOP);
	uint32_t vb, va, hwpt_b, hwpt_a, ioas = ioas_new(ifd);
	uint32_t db = sim_dev(nosnoop, 0, &vb), da = sim_dev(snoop, D_NSCAP, &va);
	struct libiommu_kmod_dev_info di;
	struct libiommu_kmod_sim_dev_info si;
	int fb = cdev_open(vb), fa = cdev_open(va);

	(void)db;
	dev_bind(fb, ifd);
	dev_bind(fa, ifd);
	hwpt_b = ioas;
	ku_assert_rc(attach(fb, &hwpt_b), 0);
	hwpt_a = ioas;
	ku_assert_rc(attach(fa, &hwpt_a), 0);
	ck_assert_uint_eq(hwpt_a, hwpt_b); /* iommufd reused B's HWPT */
	if (!dev_info(fa, &di))
		return;
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_IOMMU_ENFORCE_CC); /* can */
	ck_assert_uint_eq(di.out_attach, LIBIOMMU_KMOD_ATTACH_PAGING);
	ck_assert_uint_eq(di.out_attach_hwpt_id, hwpt_b);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_ATTACH_KNOWN);
	ck_assert(!(di.out_flags & LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC)); /* does not */
	si = sim_info(da);
	ck_assert(!(si.out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC));
	map(ifd, ioas, IOVA_A, PG, RW);
	bus_master(fa, 1);
	ck_assert_uint_eq(dma(fa, LIBIOMMU_KMOD_SIM_DMA_FILL | LIBIOMMU_KMOD_SIM_DMA_NOSNOOP, 0, IOVA_A, 8),
			  LIBIOMMU_KMOD_SIM_ST_DONE);
	ck_assert_uint_eq(reg_read(fa, LIBIOMMU_KMOD_SIM_REG_LAST_NS, 4), 1);

	/* the same device alone in an IOAS: an enforcing HWPT of its own */
	hwpt_a = ioas_new(ifd);
	ku_assert_rc(attach(fa, &hwpt_a), 0);
	ck_assert(dev_info(fa, &di));
	ck_assert_uint_eq(di.out_attach_hwpt_id, hwpt_a);
	ck_assert(di.out_flags & LIBIOMMU_KMOD_DEV_ATTACH_ENFORCE_CC);
	ck_assert(sim_info(da).out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC);
}
END_TEST

/* ------------------------------------------------------------ privilege */

static int sim_create_errno(void *arg)
{
	struct libiommu_kmod_sim_iommu_create c = { .size = sizeof(c) };
	struct libiommu_kmod_version v = { .size = sizeof(v) };
	int fd = ku_sim_open(), rc;

	(void)arg;
	if (ku_drop_cap(21 /* CAP_SYS_ADMIN */))
		return 100;
	/* reading is still allowed; creating hardware is not */
	if (ku_ioctl(fd, LIBIOMMU_KMOD_GET_VERSION, &v))
		return 101;
	if (ku_ioctl(fd, LIBIOMMU_KMOD_SIM_DEV_DESTROY,
		     &(struct libiommu_kmod_sim_dev_destroy){ .size = 16,
							      .dev_id = 1 }) !=
	    -EPERM)
		return 102;
	rc = ku_ioctl(fd, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, &c);
	if (rc == 0) {
		struct libiommu_kmod_sim_iommu_destroy d = { .size = sizeof(d),
							     .iommu_id = c.out_iommu_id };

		ioctl(fd, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &d);
	}
	close(fd);
	return -rc;
}

/*
 * Creating and destroying simulated hardware changes the system's IOMMU
 * topology: the node's 0600 mode is not enough, CAP_SYS_ADMIN is needed
 * (a root process that dropped it is refused).
 */
START_TEST(sim_commands_need_cap_sys_admin)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(sim_create_errno(NULL));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == EPERM,
		      "SIM_IOMMU_CREATE without CAP_SYS_ADMIN: %s (exit %d), want EPERM",
		      strerror(WEXITSTATUS(status)), WEXITSTATUS(status));
}
END_TEST

/* ------------------------------------------------------------ teardown */

START_TEST(busy_objects_refuse_destruction)
{
	struct libiommu_kmod_sim_dev_destroy dd = { .size = sizeof(dd) };
	struct libiommu_kmod_sim_iommu_destroy id = { .size = sizeof(id) };
	struct box b = box_new(3, 0, true);
	int rc;

	map(ifd, b.ioas, IOVA_A, PG, RW);
	dd.dev_id = b.dev;
	id.iommu_id = b.iommu;
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd), -EBUSY);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id), -EBUSY);
	/* in use (devices, domains, this fd): the kernel refuses to unload */
	rc = ku_delete_module(LIBIOMMU_KMOD_SIM_MODNAME, O_NONBLOCK);
	ck_assert_msg(rc == -EWOULDBLOCK || rc == -EBUSY,
		      "delete_module: %d (%s)", rc, strerror(-rc));
	ck_assert_int_eq(access(LIBIOMMU_KMOD_SIM_DEVNODE, F_OK), 0);

	/* a closed device goes; then its instance */
	close_fd(b.fd);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd), 0);
	ku_sim_forget_devs();
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd), -ENOENT);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id), 0);
	ku_sim_forget_iommus();
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id), -ENOENT);
}
END_TEST

/* A fd held by KVM keeps the device open too. */
START_TEST(kvm_held_device_is_busy)
{
	struct libiommu_kmod_sim_dev_destroy dd = { .size = sizeof(dd) };
	uint32_t si = sim_iommu(S_SNOOP), vi;
	int fd, vm, kdev;

	if (access("/dev/kvm", F_OK)) {
		printf("note: no /dev/kvm, not checked\n");
		return;
	}
	dd.dev_id = sim_dev(si, 0, &vi);
	fd = cdev_open(vi);
	vm = kvm_vm();
	kdev = kvm_vfio_dev(vm);
	ku_assert_rc(ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, fd), 0);
	close_fd(fd);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd), -EBUSY);
	close_fd(kdev);
	close_fd(vm);
	ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd), 0);
	ku_sim_forget_devs();
}
END_TEST

/* One load's worth: a device through its whole life, with DMA. */
static const char *one_cycle(void)
{
	struct libiommu_kmod_sim_iommu_create ic = { .size = sizeof(ic),
						     .flags = S_SNOOP | S_DIRTY };
	struct libiommu_kmod_sim_dev_create dc = { .size = sizeof(dc),
						   .dev_flags = D_NSCAP };
	struct libiommu_kmod_sim_dev_destroy dd = { .size = sizeof(dd) };
	struct libiommu_kmod_sim_iommu_destroy id = { .size = sizeof(id) };
	const char *why = NULL;
	char path[64];
	int c, i = -1, d = -1;

	c = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);
	if (c < 0)
		return "open " LIBIOMMU_KMOD_SIM_DEVNODE;
	if (ioctl(c, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, &ic)) {
		why = "SIM_IOMMU_CREATE";
		goto out;
	}
	dc.iommu_id = id.iommu_id = ic.out_iommu_id;
	if (ioctl(c, LIBIOMMU_KMOD_SIM_DEV_CREATE, &dc)) {
		why = "SIM_DEV_CREATE";
		goto out_iommu;
	}
	dd.dev_id = dc.out_dev_id;
	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%u",
		 dc.out_vfio_index);
	d = open(path, O_RDWR | O_CLOEXEC);
	i = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d < 0 || i < 0) {
		why = "open cdev / iommufd";
	} else {
		struct lx_vfio_device_bind_iommufd b = { .argsz = 16, .iommufd = i };
		struct lx_iommu_ioas_alloc a = { .size = sizeof(a) };
		struct lx_vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
		static uint8_t page[PG] __attribute__((aligned(PG)));
		struct lx_iommu_ioas_map m = {
			.size = sizeof(m),
			.length = PG,
			.iova = IOVA_A,
			.user_va = (uintptr_t)page,
			.flags = LX_IOMMU_IOAS_MAP_FIXED_IOVA | RW,
		};
		uint16_t cmd = LIBIOMMU_KMOD_SIM_CMD_MASTER;
		struct {
			uint32_t reg;
			uint64_t v;
			size_t w;
		} seq[] = {
			{ LIBIOMMU_KMOD_SIM_REG_PATTERN, 0x77, 4 },
			{ LIBIOMMU_KMOD_SIM_REG_DST, IOVA_A, 8 },
			{ LIBIOMMU_KMOD_SIM_REG_LEN, PG, 8 },
			{ LIBIOMMU_KMOD_SIM_REG_CMD, LIBIOMMU_KMOD_SIM_DMA_FILL, 4 },
		};

		memset(page, 0, PG);
		if (ioctl(d, LX_VFIO_DEVICE_BIND_IOMMUFD, &b) ||
		    ioctl(i, LX_IOMMU_IOAS_ALLOC, &a))
			why = "bind / IOAS";
		at.pt_id = m.ioas_id = a.out_ioas_id;
		if (!why && (ioctl(d, LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) ||
			     ioctl(i, LX_IOMMU_IOAS_MAP, &m)))
			why = "attach / map";
		/* vfio-pci layout: config is region 7, BAR0 region 0 */
		if (!why && pwrite(d, &cmd, 2, (off_t)(7ull << 40) + 4) != 2)
			why = "config write";
		for (size_t k = 0; !why && k < sizeof(seq) / sizeof(seq[0]); k++)
			if (pwrite(d, &seq[k].v, seq[k].w, (off_t)seq[k].reg) !=
			    (ssize_t)seq[k].w)
				why = "BAR0 write";
		if (!why && (page[0] != 0x77 || page[PG - 1] != 0x77))
			why = "DMA result";
	}
	if (d >= 0)
		close(d);
	if (i >= 0)
		close(i);
	if (ioctl(c, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd) && !why)
		why = "SIM_DEV_DESTROY";
out_iommu:
	if (ioctl(c, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id) && !why)
		why = "SIM_IOMMU_DESTROY";
out:
	close(c);
	return why;
}

/* The module file, opened, or -1 (with a note) when it is not known. */
static int module_file(void)
{
	const char *dir = getenv("LIBIOMMU_KMOD_DIR");
	char path[256];
	int ko;

	if (!dir) {
		printf("note: LIBIOMMU_KMOD_DIR unset, module reload not tested\n");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.ko", dir, LIBIOMMU_KMOD_SIM_MODNAME);
	ko = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(ko >= 0, "%s: %s", path, strerror(errno));
	return ko;
}

/*
 * Why sim devices carry an isolated-MSI domain: without it (module
 * parameter sim_isolated_msi=0) iommufd refuses to bind them, unless the
 * whole system runs with iommufd.allow_unsafe_interrupts=1.
 */
START_TEST(without_isolated_msi_bind_is_eperm)
{
	struct lx_vfio_device_bind_iommufd b = { .argsz = 16 };
	uint32_t vi;
	int ko = module_file(), fd, rc;
	FILE *f;
	char unsafe = 'N';

	if (ko < 0)
		return;
	f = fopen("/sys/module/iommufd/parameters/allow_unsafe_interrupts", "r");
	if (f) {
		unsafe = (char)fgetc(f);
		fclose(f);
	}
	teardown();
	ku_require_module_idle(LIBIOMMU_KMOD_SIM_MODNAME);
	ku_assert_unloaded(LIBIOMMU_KMOD_SIM_MODNAME);
	rc = syscall(SYS_finit_module, ko, "sim_isolated_msi=0", 0) ? -errno : 0;
	if (rc == 0) {
		/* not setup(): it would put the default parameters back */
		ctl = ku_sim_open();
		ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		ck_assert_int_ge(ifd, 0);
		sim_dev(sim_iommu(S_SNOOP), 0, &vi);
		fd = cdev_open(vi);
		b.iommufd = ifd;
		rc = ku_ioctl(fd, LX_VFIO_DEVICE_BIND_IOMMUFD, &b);
		teardown();
		ku_unload(LIBIOMMU_KMOD_SIM_MODNAME);
		printf("sim_isolated_msi=0, iommufd.allow_unsafe_interrupts=%c: bind -> %s\n",
		       unsafe, rc ? strerror(-rc) : "ok");
		ck_assert_int_eq(rc, unsafe == 'Y' ? 0 : -EPERM);
	}
	ku_assert_rc(syscall(SYS_finit_module, ko, "", 0) ? -errno : 0, 0);
	close(ko);
	ck_assert_int_eq(rc == 0 || rc == -EPERM, 1);
}
END_TEST

#define RELOADS 100
#define WARMUP 5
/*
 * Allowed growth of unreclaimable slab over RELOADS cycles, in kB: seen
 * between -40 and +8 in the VM, so a leak above ~1 KiB per cycle shows
 * (a sim device alone is ~18 KiB; a leaked domain or device would also
 * pin the module and fail the next unload).
 */
#define SUNRECLAIM_SLACK_KB 96

START_TEST(load_create_destroy_unload_x100)
{
	long sunr0 = 0, sunr1, slab0 = 0, slab1;
	int bad0 = ku_kmsg_bad(), failed_at = -1, ko = module_file(), rc;
	const char *why = "";
	struct timespec t0, t1;

	if (ko < 0)
		return;
	teardown(); /* the fixture's fds would pin the module */
	ku_require_module_idle(LIBIOMMU_KMOD_SIM_MODNAME);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < WARMUP + RELOADS && failed_at < 0; i++) {
		if (i == WARMUP) {
			sunr0 = ku_meminfo("SUnreclaim");
			slab0 = ku_meminfo("Slab");
		}
		rc = ku_unload(LIBIOMMU_KMOD_SIM_MODNAME);
		if (rc) {
			errno = -rc;
			why = "delete_module";
			failed_at = i;
			break;
		}
		if (syscall(SYS_finit_module, ko, "", 0)) {
			why = "finit_module";
			failed_at = i;
			break;
		}
		why = one_cycle();
		if (why)
			failed_at = i;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* leave the module loaded for whoever runs next */
	if (access(LIBIOMMU_KMOD_SIM_DEVNODE, F_OK))
		syscall(SYS_finit_module, ko, "", 0);
	close(ko);
	ck_assert_msg(failed_at < 0, "cycle %d: %s failed: %s", failed_at, why,
		      strerror(errno));

	usleep(500000); /* RCU-deferred frees of the last unload */
	sunr1 = ku_meminfo("SUnreclaim");
	slab1 = ku_meminfo("Slab");
	printf("SReclaimable %ld kB\n", ku_meminfo("SReclaimable"));
	printf("%d x (load, create IOMMU + device, bind, attach, map, DMA, destroy, unload) in %.1f s; "
	       "over the last %d: SUnreclaim %ld -> %ld kB (%+ld), Slab %ld -> %ld kB (%+ld)\n",
	       WARMUP + RELOADS, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, RELOADS, sunr0, sunr1,
	       sunr1 - sunr0, slab0, slab1, slab1 - slab0);
	if (ku_slab_growth_means_leaks())
		ck_assert_msg(sunr1 - sunr0 <= SUNRECLAIM_SLACK_KB,
			      "SUnreclaim grew by %ld kB over %d cycles",
			      sunr1 - sunr0, RELOADS);
	ck_assert_int_eq(ku_kmsg_bad(), bad0);
}
END_TEST

int main(void)
{
	TCase *tc;
	Suite *s;
	int rc;

	ku_require_sim();

	/* created only now, so the skip paths above leak nothing (ASan) */
	s = suite_create("sim");
	tc = tu_tcase(s, "boxes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, version_reports_sim);
	tcase_add_test(tc, sim_structs_larger_than_a_page_are_e2big);
	tcase_add_test(tc, dev_create_takes_device_properties_in_dev_flags);
	tcase_add_loop_test(tc, box_matrix, 1, 5);
	tcase_add_test(tc, four_boxes_one_vm);

	tc = tu_tcase(s, "dma");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dma_data_lands_in_mapped_pages);
	tcase_add_test(tc, dma_to_unmapped_iova_faults_and_writes_nothing);
	tcase_add_test(tc, dma_after_unmap_faults);
	tcase_add_test(tc, dma_write_to_readonly_mapping_faults);
	tcase_add_test(tc, dma_needs_a_domain_and_bus_master);

	tc = tu_tcase(s, "dirty");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dirty_bitmap_matches_pages_written);
	tcase_add_test(tc, dirty_tracking_needs_the_capability);

	tc = tu_tcase(s, "policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, force_enable_moves_box1_to_box3);
	tcase_add_test(tc, unforceable_device_cannot_attach_to_coherent_hwpt);
	tcase_add_test(tc, dev_info_reports_the_attached_hwpts_enforcement);

	tc = tu_tcase(s, "privilege");
	tcase_add_test(tc, sim_commands_need_cap_sys_admin);

	tc = tu_tcase(s, "teardown");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, busy_objects_refuse_destruction);
	tcase_add_test(tc, kvm_held_device_is_busy);
	tcase_add_test(tc, without_isolated_msi_bind_is_eperm);
	if (tu_want_lifecycle("load_create_destroy_unload_x100")) {
		tcase_add_test(tc, load_create_destroy_unload_x100);
		tcase_set_timeout(tc, 100);
	}

	rc = tu_run(s);
	/* a failed test's leftovers would pin the simulator for the next program */
	ku_sim_destroy_leftovers();
	ku_restore_modules();
	return rc;
}
