/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Races between the simulated hardware's control commands and what user
 * space does with the devices at the same time (raw ioctls on the sim
 * control node, the devices' VFIO cdevs, /dev/iommu and KVM):
 *
 *  - SIM_DEV_SET while the device is being opened and bound: the policy
 *    iommufd samples at bind, the page table format chosen at attach and
 *    the flags SIM_DEV_INFO reports must agree, and the kernel must not
 *    warn;
 *  - SIM_DEV_DESTROY while the cdev is being opened and handed to KVM's
 *    kvm-vfio device: destroy must neither block until that fd is closed
 *    nor leave the device usable;
 *  - a user copy stalled on purpose (userfaultfd) inside a device access
 *    must not hold up attach, detach or any other command.
 *
 * The racing loops wake a SCHED_FIFO thread at random moments so that it
 * preempts the other side anywhere, also inside the kernel.  Each loop
 * prints after how many iterations it first saw the race (or that it saw
 * none in its budget).  Skips (77) without the module's simulation.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kmodutil.h"
#include "testutil.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"
#include "uapi/vfio.h"
#include "libiommu_kmod.h"

#define PG 4096u
#define S_SNOOP LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL
#define D_NSCAP LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP
#define D_NOENF LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE

/* ------------------------------------------------------------ plumbing */

static int ctl = -1, ifd = -1;

static void teardown(void)
{
	if (ifd >= 0)
		close(ifd);
	ifd = -1;
	ku_sim_close(&ctl);
}

static void setup(void)
{
	/* start from a known state, whatever a failed test left */
	ku_sim_destroy_leftovers();
	ctl = ku_sim_open();
	ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ck_assert_msg(ifd >= 0, "open /dev/iommu: %s", strerror(errno));
}

/*
 * A racing loop's time budget: @dflt seconds, or LIBIOMMU_TEST_RACE_SECS
 * (the debug kernel's VM run shortens them: KASAN and lockdep make every
 * iteration several times slower, and they look at what runs, however
 * often).
 */
static double race_secs(double dflt)
{
	const char *v = getenv("LIBIOMMU_TEST_RACE_SECS");

	return v && atof(v) > 0 ? atof(v) : dflt;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec t = { .tv_sec = us / 1000000,
			      .tv_nsec = (us % 1000000) * 1000 };

	nanosleep(&t, NULL);
}

/*
 * Busy for @us: without high-resolution timers (the VM kernel has none) a
 * sleep ends on a tick, so a loop of sleeps stays in phase with the tick;
 * spinning a random time first puts the next wakeup at a random point of
 * what the other thread is doing.
 */
static void spin_us(long us)
{
	double end = now() + (double)us / 1e6;

	while (now() < end)
		;
}

/* A thread that runs SCHED_OTHER whatever its creator runs. */
static void start_other(pthread_t *t, void *(*fn)(void *), void *arg)
{
	struct sched_param p = { .sched_priority = 0 };
	pthread_attr_t a;

	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_OTHER);
	pthread_attr_setschedparam(&a, &p);
	ck_assert_int_eq(pthread_create(t, &a, fn, arg), 0);
	pthread_attr_destroy(&a);
}

/* This thread runs SCHED_FIFO: its wakeups preempt the others at once. */
static void go_fifo(void)
{
	struct sched_param p = { .sched_priority = 1 };

	ck_assert_msg(sched_setscheduler(0, SCHED_FIFO, &p) == 0,
		      "SCHED_FIFO: %s", strerror(errno));
}

static void cdev_path(uint32_t vfio_index, char *path, size_t len)
{
	snprintf(path, len, "/dev/vfio/devices/vfio%u", vfio_index);
}

static int sim_set(int c, uint32_t dev, uint32_t dev_flags)
{
	struct libiommu_kmod_sim_dev_set s = { .size = sizeof(s),
					       .dev_id = dev,
					       .dev_flags = dev_flags };

	return ku_ioctl(c, LIBIOMMU_KMOD_SIM_DEV_SET, &s);
}

static int sim_info(uint32_t dev, struct libiommu_kmod_sim_dev_info *i)
{
	memset(i, 0, sizeof(*i));
	i->size = sizeof(*i);
	i->dev_id = dev;
	return ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_INFO, i);
}

static int bind(int fd)
{
	struct lx_vfio_device_bind_iommufd b = { .argsz = 16, .iommufd = ifd };

	return ku_ioctl(fd, LX_VFIO_DEVICE_BIND_IOMMUFD, &b);
}

static int attach(int fd, uint32_t pt)
{
	struct lx_vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a),
						      .pt_id = pt };

	return ku_ioctl(fd, LX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int detach(int fd)
{
	struct lx_vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return ku_ioctl(fd, LX_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static uint32_t ioas_new(void)
{
	struct lx_iommu_ioas_alloc a = { .size = sizeof(a) };

	ku_assert_rc(ku_ioctl(ifd, LX_IOMMU_IOAS_ALLOC, &a), 0);
	return a.out_ioas_id;
}

static void obj_destroy(uint32_t id)
{
	struct lx_iommu_destroy d = { .size = sizeof(d), .id = id };

	ku_ioctl(ifd, LX_IOMMU_DESTROY, &d);
}

/* ------------------------------------------------ SIM_DEV_SET vs bind */

struct setter {
	int ctl;
	uint32_t dev;
	volatile int stop;
	unsigned long sets; /* SIM_DEV_SET calls that succeeded */
};

static void *setter_thread(void *arg)
{
	struct setter *s = arg;

	while (!s->stop) {
		if (sim_set(s->ctl, s->dev, D_NOENF) == 0)
			s->sets++;
		if (sim_set(s->ctl, s->dev, 0) == 0)
			s->sets++;
	}
	return NULL;
}

#define SET_RACE_ITERS 20000
#define SET_RACE_BUDGET_S race_secs(8.0)

/*
 * While one thread flips the device's NO_ENFORCE policy as fast as it
 * can, this one (SCHED_FIFO) opens, binds and attaches the device at
 * random moments.  The policy is frozen while an fd is open: whatever it
 * was when the fd was opened must be what the device's domain follows,
 * what SIM_DEV_INFO says while the fd is open, and attach must work
 * without a kernel warning.
 */
START_TEST(sim_dev_set_racing_open_and_bind_never_splits_the_policy)
{
	struct libiommu_kmod_sim_dev_info i1, i2;
	struct setter s = { .ctl = ctl };
	uint32_t vi, ioas;
	int bad0 = ku_kmsg_bad(), iter, hit = -1, fd, rc;
	const char *what = NULL;
	char path[64];
	pthread_t t;
	double t0 = now();

	s.dev = ku_sim_dev(ctl, ku_sim_iommu(ctl, S_SNOOP), D_NSCAP, &vi);
	cdev_path(vi, path, sizeof(path));
	srand(1);
	start_other(&t, setter_thread, &s);
	go_fifo();
	for (iter = 0; iter < SET_RACE_ITERS && hit < 0 &&
		       now() - t0 < SET_RACE_BUDGET_S;
	     iter++) {
		sleep_us(20 + rand() % 400);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue; /* ENODEV: the device is being changed */
		if (bind(fd)) {
			close(fd);
			continue;
		}
		/* let the setter run between bind and attach */
		sleep_us(500);
		ioas = ioas_new();
		rc = attach(fd, ioas);
		if (rc) {
			what = "attach failed";
			printf("attach: %s (device flags now %#x)\n", strerror(-rc),
			       sim_info(s.dev, &i1) ? 0u : i1.out_dev_flags);
		} else if (sim_info(s.dev, &i1)) {
			what = "SIM_DEV_INFO failed";
		} else if (!!(i1.out_state & LIBIOMMU_KMOD_SIM_STATE_ENFORCE_CC) !=
			   !(i1.out_dev_flags & D_NOENF)) {
			what = "the domain does not follow the device's policy";
		} else {
			sleep_us(1000); /* the setter again, fd still open */
			if (sim_info(s.dev, &i2))
				what = "SIM_DEV_INFO failed";
			else if (i2.out_dev_flags != i1.out_dev_flags)
				what = "the policy changed under an open fd";
		}
		if (!what && ku_kmsg_bad() != bad0)
			what = "the kernel warned";
		if (what)
			hit = iter;
		close(fd);
		obj_destroy(ioas);
	}
	s.stop = 1;
	pthread_join(t, NULL);
	printf("%d iterations in %.1f s, %lu policy changes by the other thread: %s%s (at iteration %d)\n",
	       iter, now() - t0, s.sets, what ? "RACE: " : "no race seen",
	       what ? what : "", hit);
	ck_assert_msg(!what, "iteration %d: %s", hit, what);
	ck_assert_int_eq(ku_kmsg_bad(), bad0);
	ck_assert_uint_gt(s.sets, 0);
}
END_TEST

/* -------------------------------------------- SIM_DEV_DESTROY vs open */

struct destroyer {
	int ctl;
	uint32_t dev;
	int rc;
	double secs;
	volatile int done;
};

static void *destroyer_thread(void *arg)
{
	struct libiommu_kmod_sim_dev_destroy d = { .size = sizeof(d) };
	struct destroyer *x = arg;
	double t0 = now();

	d.dev_id = x->dev;
	x->rc = ku_ioctl(x->ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &d);
	x->secs = now() - t0;
	x->done = 1;
	return NULL;
}

#define DESTROY_RACE_ITERS 20000
#define DESTROY_RACE_BUDGET_S race_secs(16.0)
/* Longer than any destroy takes unprovoked (about 5 ms in the VM). */
#define DESTROY_HANG_S 5.0

/*
 * One thread destroys a closed device; this one (SCHED_FIFO) wakes at a
 * random moment, opens the device's cdev if it still can and hands it to
 * a kvm-vfio device (what a VMM does), and keeps it until destroy has
 * returned.  Destroy must return within DESTROY_HANG_S either way: EBUSY
 * (the fd came first) or 0 (then the device is gone: a late fd cannot
 * bind it, and the instance is free once that fd is closed).
 */
START_TEST(sim_dev_destroy_racing_open_and_kvm_add_never_blocks)
{
	uint32_t iommu = ku_sim_iommu(ctl, S_SNOOP), vi;
	int iter, hit = -1, late_fds = 0, busy = 0, vm = -1, kdev = -1, fd;
	int open_errno = 0;
	bool kvm = access("/dev/kvm", F_OK) == 0;
	struct libiommu_kmod_sim_iommu_destroy idd = { .size = sizeof(idd),
						       .iommu_id = iommu };
	const char *what = NULL;
	struct destroyer x;
	char path[64];
	pthread_t t;
	double t0 = now(), w, span = 0;

	if (kvm) {
		vm = ku_kvm_new_vm();
		kdev = ku_kvm_new_vfio_dev(vm);
	}
	/* how long a destroy takes: the racing opens land within that */
	for (iter = 0; iter < 5; iter++) {
		memset(&x, 0, sizeof(x));
		x.ctl = ctl;
		x.dev = ku_sim_dev(ctl, iommu, 0, &vi);
		destroyer_thread(&x);
		ku_assert_rc(x.rc, 0);
		ku_sim_forget_devs();
		if (x.secs > span)
			span = x.secs;
	}
	srand(2);
	go_fifo();
	for (iter = 0; iter < DESTROY_RACE_ITERS && !what &&
		       now() - t0 < DESTROY_RACE_BUDGET_S;
	     iter++) {
		memset(&x, 0, sizeof(x));
		x.ctl = ctl;
		x.dev = ku_sim_dev(ctl, iommu, 0, &vi);
		cdev_path(vi, path, sizeof(path));
		spin_us(rand() % 4000);
		start_other(&t, destroyer_thread, &x);
		sleep_us(rand() % (long)(span * 1.2e6 + 1));
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && open_errno == 0)
			open_errno = errno;
		if (fd >= 0 && kvm)
			ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_ADD, fd);
		for (w = now(); !x.done && now() - w < DESTROY_HANG_S;)
			sleep_us(1000);
		if (!x.done) {
			what = "SIM_DEV_DESTROY blocked while a late fd was open";
			hit = iter;
		} else if (fd >= 0 && x.rc == 0) {
			late_fds++;
			if (bind(fd) == 0)
				what = "a destroyed device could be bound";
		} else if (x.rc == -EBUSY) {
			busy++;
		} else if (x.rc) {
			what = "SIM_DEV_DESTROY failed";
		}
		if (what && hit < 0)
			hit = iter;
		/* release the device (this unblocks a hanging destroy) */
		if (fd >= 0 && kvm)
			ku_kvm_vfio_file(kdev, LX_KVM_DEV_VFIO_FILE_DEL, fd);
		if (fd >= 0)
			close(fd);
		pthread_join(t, NULL);
		if (x.rc == -EBUSY) {
			struct libiommu_kmod_sim_dev_destroy d = { .size = sizeof(d),
								   .dev_id = x.dev };

			ku_assert_rc(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &d), 0);
		}
		ku_sim_forget_devs();
	}
	printf("destroy takes up to %.2f ms (first failed open: %s); ", span * 1e3,
	       strerror(open_errno));
	printf("%d iterations in %.1f s: destroy refused %d times (fd first), %d late fds; %s%s (at iteration %d)\n",
	       iter, now() - t0, busy, late_fds, what ? "RACE: " : "no race seen",
	       what ? what : "", hit);
	if (kvm) {
		close(kdev);
		close(vm);
	}
	ck_assert_msg(!what, "iteration %d: %s", hit, what);
	/* every device is gone once its last fd closed: the instance goes */
	for (w = now(); now() - w < DESTROY_HANG_S; sleep_us(10000))
		if (ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &idd) == 0)
			break;
	ku_sim_forget_iommus();
	ck_assert_int_eq(ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &idd),
			 -ENOENT);
}
END_TEST

/* ------------------------------------------- a stalled user copy */

struct call {
	const char *name;
	int (*fn)(void *arg);
	void *arg;
	int rc;
	volatile int done;
};

static void *call_thread(void *arg)
{
	struct call *c = arg;

	c->rc = c->fn(c->arg);
	c->done = 1;
	return NULL;
}

struct dev_ctx {
	uint32_t dev, ioas;
	int fd;
};

static int call_info(void *arg)
{
	struct libiommu_kmod_sim_dev_info i;

	return sim_info(((struct dev_ctx *)arg)->dev, &i);
}

static int call_reattach(void *arg)
{
	struct dev_ctx *d = arg;
	int rc = detach(d->fd);

	return rc ? rc : attach(d->fd, d->ioas);
}

static int call_iommu_create(void *arg)
{
	struct libiommu_kmod_sim_iommu_create c = { .size = sizeof(c) };
	struct libiommu_kmod_sim_iommu_destroy d = { .size = sizeof(d) };
	int rc = ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, &c);

	(void)arg;
	if (rc)
		return rc;
	d.iommu_id = c.out_iommu_id;
	return ku_ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &d);
}

struct stalled_write {
	int fd;
	void *src;
	off_t off;
	ssize_t ret;
};

static void *stalled_write_thread(void *arg)
{
	struct stalled_write *w = arg;

	w->ret = pwrite(w->fd, w->src, PG, w->off);
	return NULL;
}

static uint64_t region_offset(int fd, uint32_t index)
{
	struct lx_vfio_region_info r = { .argsz = sizeof(r), .index = index };

	ku_assert_rc(ku_ioctl(fd, LX_VFIO_DEVICE_GET_REGION_INFO, &r), 0);
	return r.offset;
}

/*
 * A write into the device's memory from a page that is not there yet,
 * with userfaultfd holding the fault: the copy stalls until this test
 * resolves it.  Meanwhile SIM_DEV_INFO of the device, detach + attach
 * of the device and an unrelated SIM_IOMMU_CREATE must all complete.
 */
START_TEST(a_stalled_user_copy_blocks_no_other_command)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zp = { .mode = 0 };
	struct stalled_write w;
	struct pollfd pfd;
	struct uffd_msg msg;
	struct dev_ctx d;
	struct call calls[] = {
		{ "SIM_DEV_INFO of the device", call_info, &d, 0, 0 },
		{ "detach + attach of the device", call_reattach, &d, 0, 0 },
		{ "SIM_IOMMU_CREATE + DESTROY", call_iommu_create, NULL, 0, 0 },
	};
	pthread_t wt, ct[3];
	bool blocked[3];
	uint32_t vi;
	int uffd, n = (int)(sizeof(calls) / sizeof(calls[0]));
	void *page;
	double t0;

	d.dev = ku_sim_dev(ctl, ku_sim_iommu(ctl, S_SNOOP), D_NSCAP, &vi);
	{
		char path[64];

		cdev_path(vi, path, sizeof(path));
		d.fd = open(path, O_RDWR | O_CLOEXEC);
		ck_assert_msg(d.fd >= 0, "open %s: %s", path, strerror(errno));
	}
	ku_assert_rc(bind(d.fd), 0);
	d.ioas = ioas_new();
	ku_assert_rc(attach(d.fd, d.ioas), 0);

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		printf("note: userfaultfd: %s: not tested\n", strerror(errno));
		return;
	}
	ku_assert_rc(ku_ioctl(uffd, UFFDIO_API, &api), 0);
	page = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ck_assert_ptr_ne(page, MAP_FAILED);
	reg.range.start = (uintptr_t)page;
	reg.range.len = PG;
	ku_assert_rc(ku_ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	w.fd = d.fd;
	w.src = page;
	w.off = (off_t)(region_offset(d.fd, LX_VFIO_PCI_BAR0_REGION_INDEX) +
			LIBIOMMU_KMOD_SIM_BUF);
	ck_assert_int_eq(pthread_create(&wt, NULL, stalled_write_thread, &w), 0);
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ck_assert_msg(poll(&pfd, 1, 5000) == 1, "the write never faulted");
	ck_assert_int_eq(read(uffd, &msg, sizeof(msg)), (ssize_t)sizeof(msg));
	ck_assert_uint_eq(msg.event, UFFD_EVENT_PAGEFAULT);

	/* the copy is stalled now; everything else must go on */
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&ct[i], NULL, call_thread, &calls[i]), 0);
	for (t0 = now(); now() - t0 < 3.0;) {
		int all = 1;

		for (int i = 0; i < n; i++)
			all &= calls[i].done;
		if (all)
			break;
		sleep_us(10000);
	}
	for (int i = 0; i < n; i++) {
		blocked[i] = !calls[i].done;
		printf("%s while the copy is stalled: %s\n", calls[i].name,
		       blocked[i] ? "BLOCKED" : calls[i].rc ? strerror(-calls[i].rc)
							    : "done");
	}
	/* resolve the fault: everything completes now, whatever happened */
	zp.range.start = (uintptr_t)page;
	zp.range.len = PG;
	ku_assert_rc(ku_ioctl(uffd, UFFDIO_ZEROPAGE, &zp), 0);
	pthread_join(wt, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(ct[i], NULL);
	ck_assert_int_eq(w.ret, (ssize_t)PG);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(!blocked[i], "%s waited for the stalled copy",
			      calls[i].name);
		ck_assert_msg(calls[i].rc == 0, "%s: %s", calls[i].name,
			      strerror(-calls[i].rc));
	}
	close(d.fd);
	close(uffd);
	munmap(page, PG);
}
END_TEST

int main(void)
{
	TCase *tc;
	Suite *s;
	int rc;

	ku_require_sim();
	s = suite_create("sim-race");
	tc = tu_tcase(s, "race");
	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, setup, teardown);
	/* the racing loops do not depend on the boot: once per VM run */
	if (tu_want_lifecycle("the racing loops")) {
		tcase_add_test(tc, sim_dev_set_racing_open_and_bind_never_splits_the_policy);
		tcase_add_test(tc, sim_dev_destroy_racing_open_and_kvm_add_never_blocks);
	}
	tcase_add_test(tc, a_stalled_user_copy_blocks_no_other_command);
	rc = tu_run(s);
	/* a failed test's leftovers would pin the simulator for the next program */
	ku_sim_destroy_leftovers();
	ku_restore_modules();
	return rc;
}
