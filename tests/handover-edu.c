// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hand-over and live update between processes (kernel tier, QEMU's edu
 * bound to vfio-pci): a "previous owner" process opens /dev/iommu, binds
 * the device (and for a live update maps memfd guest RAM and attaches),
 * sends the fds and ids over a UNIX socket (SCM_RIGHTS) and exits when
 * told; the test process adopts them (libiommu_ctx_new_from_fd(),
 * libiommu_dev_adopt_fd(), libiommu_ioas_adopt_id()) and runs DMA through
 * them, before and after the previous owner is gone.  The failure cases:
 * a wrong device id, an unbound or non-VFIO fd, a wrong IOAS id, and
 * IOMMU_IOAS_CHANGE_PROCESS refused for a mapping of process memory,
 * named in the message.  What the fd modes leave behind when a child
 * that used the iommufd exits is checked too.  Where the kernel lacks
 * IOMMU_IOAS_MAP_FILE (6.12), the previous owner maps the memfd through its
 * own mapping of it instead and the test asserts the library's
 * -EOPNOTSUPP naming ioas_map_file; the rest of the hand-over is the same.
 * Skips (77) without /dev/iommu or without the edu device.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "test-dev.h"

/* IOVAs below edu's 28-bit DMA mask, away from the x86 MSI window. */
#define RAM_IOVA UINT64_C(0x100000)
#define LEN EDU_MAX_DMA

/* What the previous owner hands over besides its fds. */
struct handover {
	uint32_t dev_id, ioas_id;
	int rc; /* 0, or the negative errno of the step that failed */
	/* the kernel lacks IOAS_MAP_FILE: guest RAM is mapped by address */
	bool by_address;
};

/* fds handed over: iommufd, device, memfd (guest RAM; -1 when none) */
#define NR_FDS 3

static int send_fds(int sock, const int *fds, const struct handover *h)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NR_FDS)];
	struct iovec iov = { (void *)h, sizeof(*h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int n = h->rc ? 0 : NR_FDS;

	memset(cbuf, 0, sizeof(cbuf));
	if (n) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	return sendmsg(sock, &msg, 0) == (ssize_t)sizeof(*h) ? 0 : -errno;
}

static void recv_fds(int sock, int *fds, struct handover *h)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NR_FDS)];
	struct iovec iov = { h, sizeof(*h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	ck_assert_int_eq(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), sizeof(*h));
	ck_assert_msg(h->rc == 0, "the previous owner failed: %s",
		      strerror(-h->rc));
	cm = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(cm);
	ck_assert_int_eq(cm->cmsg_len, CMSG_LEN(sizeof(int) * NR_FDS));
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * NR_FDS);
}

/* Fill a page with a pattern that differs per @seed. */
static void pattern(uint8_t *p, unsigned int seed)
{
	for (unsigned int i = 0; i < pgsz(); i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/*
 * The previous owner, in a child: bind the edu; with @live also allocate an
 * IOAS, map two pages of a memfd at RAM_IOVA, attach the device and run a
 * DMA round trip; with @anon also map a page of its own memory.  Hand
 * everything over, wait for a byte, and leave without freeing anything
 * (as a process does that exec()s or dies: the kernel objects stay while
 * another process holds the files).
 */
static int previous_owner(int sock, bool live, bool anon)
{
	struct handover h = { 0 };
	struct libiommu_ctx *c = NULL;
	struct libiommu_dev *d = NULL;
	struct libiommu_ioas *a = NULL;
	int fds[NR_FDS] = { -1, -1, -1 };
	struct edu e = { 0 };
	uint8_t *ram = NULL;
	uint64_t iova = RAM_IOVA;
	char byte;

	h.rc = libiommu_ctx_new(NULL, &c);
	if (!h.rc)
		h.rc = libiommu_dev_open(c, edu_path, NULL, &d);
	if (!h.rc && live) {
		fds[2] = memfd_create("guest-ram", MFD_CLOEXEC);
		if (fds[2] < 0 || ftruncate(fds[2], 2 * pgsz()))
			h.rc = -errno;
	}
	if (!h.rc && live) {
		ram = mmap(NULL, 2 * pgsz(), PROT_READ | PROT_WRITE, MAP_SHARED,
			   fds[2], 0);
		if (ram == MAP_FAILED)
			h.rc = -errno;
	}
	if (!h.rc && live) {
		pattern(ram, 3);
		memset(ram + pgsz(), 0, pgsz());
		h.rc = libiommu_ioas_alloc(c, NULL, &a);
	}
	if (!h.rc && live) {
		int has = libiommu_ctx_has_feature(c, LIBIOMMU_FEAT_IOAS_MAP_FILE);

		h.rc = libiommu_ioas_map_file(a, fds[2], 0, 2 * pgsz(), &iova,
					      RW | FIXED);
		if (has == 0 && h.rc == -EOPNOTSUPP) {
			/* the same pages, pinned through this process */
			h.by_address = true;
			h.rc = libiommu_ioas_map(a, ram, 2 * pgsz(), &iova,
						 RW | FIXED);
		} else if (has != 1 && h.rc == 0) {
			h.rc = -EPROTO; /* the probe said no, the kernel did it */
		}
	}
	if (!h.rc && anon) {
		void *buf = mmap(NULL, pgsz(), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		iova = RAM_IOVA + 16 * pgsz();
		h.rc = buf == MAP_FAILED ? -errno : libiommu_ioas_map(a, buf, pgsz(), &iova, RW | FIXED);
	}
	if (!h.rc && live)
		h.rc = libiommu_dev_attach_ioas(d, a);
	if (!h.rc && live)
		h.rc = edu_init(&e, d);
	if (!h.rc && live)
		h.rc = edu_dma_from_ram(&e, RAM_IOVA, LEN);
	if (!h.rc && live)
		h.rc = edu_dma_to_ram(&e, RAM_IOVA + pgsz(), LEN);
	if (!h.rc && live && memcmp(ram, ram + pgsz(), LEN))
		h.rc = -EIO;
	if (!h.rc) {
		fds[0] = libiommu_ctx_fd(c);
		fds[1] = libiommu_dev_fd(d);
		h.dev_id = libiommu_dev_id(d);
		h.ioas_id = a ? libiommu_ioas_id(a) : 0;
		if (fds[2] < 0)
			fds[2] = fds[0]; /* a placeholder, closed by the receiver */
	}
	if (send_fds(sock, fds, &h))
		return 2;
	/* Stay until told (or the receiver is gone), then just exit. */
	(void)!read(sock, &byte, 1);
	return h.rc ? 1 : 0;
}

static pid_t owner_pid = -1;
static int owner_sock = -1;
static int fds_before;

/* Start the previous owner; its fds arrive in @fds. */
static void start_owner(bool live, bool anon, int *fds, struct handover *h)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv),
			 0);
	owner_pid = fork();
	ck_assert_int_ge(owner_pid, 0);
	if (owner_pid == 0) {
		close(sv[0]);
		_exit(previous_owner(sv[1], live, anon));
	}
	close(sv[1]);
	owner_sock = sv[0];
	recv_fds(owner_sock, fds, h);
}

/* Let the previous owner exit; it must have succeeded. */
static void stop_owner(void)
{
	int status;

	if (owner_pid < 0)
		return;
	ck_assert_int_eq(write(owner_sock, "x", 1), 1);
	ck_assert_int_eq(waitpid(owner_pid, &status, 0), owner_pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the previous owner ended with status 0x%x", status);
	owner_pid = -1;
	close(owner_sock);
	owner_sock = -1;
}

static void setup(void)
{
	fds_before = tu_count_fds();
	log_reset(&lg);
}

static void teardown(void)
{
	stop_owner();
	ck_assert_int_eq(tu_count_fds(), fds_before);
}

/* The receiver's context on the handed-over iommufd (owned). */
static struct libiommu_ctx *adopt_ctx(int fd)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *c = NULL;

	expect_ok(libiommu_ctx_new_from_fd(fd, LIBIOMMU_FD_OWN, &opts, &c));
	return c;
}

START_TEST(an_adopted_device_fd_attaches_and_runs_dma)
{
	struct handover h;
	int fds[NR_FDS];
	struct libiommu_dev *d = NULL;
	struct libiommu_ioas *a = NULL;
	struct edu e;
	uint8_t *ram = xbuf(2 * pgsz());
	uint64_t iova = RAM_IOVA;

	start_owner(false, false, fds, &h);
	close(fds[2]); /* the placeholder */
	ctx = adopt_ctx(fds[0]);
	expect_ok(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_OWN, h.dev_id, &d));
	ck_assert_uint_eq(libiommu_dev_id(d), h.dev_id);
	ck_assert_int_eq(libiommu_dev_fd(d), fds[1]);
	/* The device outlives the process that bound it. */
	stop_owner();
	expect_ok(libiommu_ioas_alloc(ctx, NULL, &a));
	expect_ok(libiommu_ioas_map(a, ram, 2 * pgsz(), &iova, RW | FIXED));
	expect_ok(libiommu_dev_attach_ioas(d, a));
	expect_ok(edu_init(&e, d)); /* region mmap and config space */
	pattern(ram, 11);
	memset(ram + pgsz(), 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&e, RAM_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, RAM_IOVA + pgsz(), LEN), 0);
	ck_assert_msg(memcmp(ram, ram + pgsz(), LEN) == 0,
		      "DMA through the adopted device corrupted data");
	edu_fini(&e);
	expect_ok(libiommu_dev_detach(d));
	libiommu_ctx_free(ctx); /* closes both owned fds */
	ctx = NULL;
	munmap(ram, 2 * pgsz());
}
END_TEST

START_TEST(adopting_with_a_wrong_id_or_fd_fails_and_names_it)
{
	struct handover h;
	int fds[NR_FDS], unbound;
	struct libiommu_dev *d = NULL, *d2 = NULL;
	struct libiommu_ioas *a = NULL;

	start_owner(false, false, fds, &h);
	close(fds[2]);
	ctx = adopt_ctx(fds[0]);
	expect_ok(libiommu_ioas_alloc(ctx, NULL, &a));
	/* an id no object has, and an object that is not a device */
	expect_err(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_BORROW,
					 h.dev_id + 1000, &d),
		   -ENOENT, "is not a bound device");
	ck_assert_ptr_null(d);
	expect_err(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_BORROW,
					 libiommu_ioas_id(a), &d),
		   -ENOENT, "is not a bound device");
	expect_err(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_BORROW, 0, &d),
		   -EINVAL, "0 is not an iommufd object id");
	/* the iommufd itself is no VFIO device */
	expect_err(libiommu_dev_adopt_fd(ctx, fds[0], LIBIOMMU_FD_BORROW,
					 h.dev_id, &d),
		   -ENOTTY, "not a VFIO device fd");
	/* a second open of the cdev is not bound */
	unbound = open(edu_path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(unbound, 0);
	expect_err(libiommu_dev_adopt_fd(ctx, unbound, LIBIOMMU_FD_OWN,
					 h.dev_id, &d),
		   -EINVAL, "not bound to an iommufd yet");
	ck_assert_int_ge(fcntl(unbound, F_GETFD), 0); /* an owned fd stays open */
	close(unbound);
	/* open_fd on the bound fd points at adopt_fd */
	expect_err(libiommu_dev_open_fd(ctx, fds[1], LIBIOMMU_FD_BORROW, NULL, &d),
		   -EINVAL, "libiommu_dev_adopt_fd()");
	/* a wrong IOAS id: the device's */
	expect_err(libiommu_ioas_adopt_id(ctx, h.dev_id, &a), -ENOENT,
		   "is not an IOAS");
	ck_assert_ptr_null(a);
	/* and one handle per device */
	expect_ok(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_BORROW, h.dev_id, &d));
	expect_err(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_BORROW,
					 h.dev_id, &d2),
		   -EEXIST, "already has a handle");
	libiommu_ctx_free(ctx);
	ctx = NULL;
	close(fds[1]);
}
END_TEST

START_TEST(live_update_keeps_dma_through_the_handed_over_ioas)
{
	struct handover h;
	int fds[NR_FDS];
	struct libiommu_dev *d = NULL;
	struct libiommu_ioas *a = NULL, *b = NULL;
	struct edu e;
	uint8_t *ram;
	int has;

	start_owner(true, false, fds, &h);
	ram = mmap(NULL, 2 * pgsz(), PROT_READ | PROT_WRITE, MAP_SHARED, fds[2], 0);
	ck_assert_ptr_ne(ram, MAP_FAILED);
	/* the previous owner's DMA copied page 0 to page 1 */
	ck_assert_int_eq(ram[5], (uint8_t)(5 * 7 + 3));
	ck_assert_msg(memcmp(ram, ram + pgsz(), LEN) == 0, "no DMA before the hand-over");
	ctx = adopt_ctx(fds[0]);
	expect_ok(libiommu_ioas_adopt_id(ctx, h.ioas_id, &a));
	/* the previous owner mapped the memfd by file exactly when it could */
	has = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_MAP_FILE);
	ck_assert_int_ge(has, 0);
	ck_assert_int_eq(h.by_address, !has);
	if (!has) {
		uint64_t iova = RAM_IOVA + 8 * pgsz();

		expect_err(libiommu_ioas_map_file(a, fds[2], 0, pgsz(), &iova,
						  RW | FIXED),
			   -EOPNOTSUPP, "ioas_map_file");
	}
	expect_err(libiommu_ioas_adopt_id(ctx, h.ioas_id, &b), -EEXIST,
		   "already has a handle");
	expect_ok(libiommu_dev_adopt_fd(ctx, fds[1], LIBIOMMU_FD_OWN, h.dev_id, &d));
	/* Still attached by the previous owner: DMA works before anything. */
	expect_ok(edu_init(&e, d));
	pattern(ram, 29);
	memset(ram + pgsz(), 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&e, RAM_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, RAM_IOVA + pgsz(), LEN), 0);
	ck_assert_msg(memcmp(ram, ram + pgsz(), LEN) == 0,
		      "DMA right after the hand-over corrupted data");

	has = libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS);
	ck_assert_int_ge(has, 0);
	if (has) {
		expect_ok(libiommu_ctx_change_process(ctx));
	} else {
		expect_err(libiommu_ctx_change_process(ctx), -EOPNOTSUPP,
			   "ioas_change_process");
	}
	/* The previous owner goes: the mappings and the attachment stay. */
	stop_owner();
	expect_ok(libiommu_dev_attach_ioas(d, a)); /* now through this handle */
	pattern(ram, 41);
	memset(ram + pgsz(), 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&e, RAM_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, RAM_IOVA + pgsz(), LEN), 0);
	ck_assert_msg(memcmp(ram, ram + pgsz(), LEN) == 0,
		      "DMA after the previous owner left corrupted data");
	edu_fini(&e);
	expect_ok(libiommu_dev_detach(d));
	libiommu_ctx_free(ctx);
	ctx = NULL;
	munmap(ram, 2 * pgsz());
	close(fds[2]);
}
END_TEST

START_TEST(change_process_refuses_a_mapping_of_process_memory_and_names_it)
{
	struct libiommu_ioas *a = NULL;
	uint8_t *buf = xbuf(pgsz());
	uint64_t iova = RAM_IOVA + 3 * pgsz();
	char want[96];

	ctx = new_ctx(&lg);
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS) != 1) {
		expect_err(libiommu_ctx_change_process(ctx), -EOPNOTSUPP,
			   "ioas_change_process");
		goto out;
	}
	expect_ok(libiommu_ctx_change_process(ctx)); /* nothing mapped */
	expect_ok(libiommu_ioas_alloc(ctx, NULL, &a));
	expect_ok(libiommu_ioas_map(a, buf, pgsz(), &iova, RW | FIXED));
	snprintf(want, sizeof(want), "IOAS %u IOVA [0x%llx, 0x%llx] (process memory at %p)",
		 libiommu_ioas_id(a), (unsigned long long)iova,
		 (unsigned long long)(iova + pgsz() - 1), (void *)buf);
	expect_err(libiommu_ctx_change_process(ctx), -EINVAL, want);
	expect_ok(libiommu_ioas_unmap(a, iova, pgsz(), NULL));
	expect_ok(libiommu_ctx_change_process(ctx));
out:
	libiommu_ctx_free(ctx);
	ctx = NULL;
	munmap(buf, pgsz());
}
END_TEST

START_TEST(change_process_names_a_foreign_mapping_of_process_memory)
{
	struct handover h;
	int fds[NR_FDS];

	start_owner(true, true, fds, &h);
	close(fds[1]);
	close(fds[2]);
	ctx = adopt_ctx(fds[0]);
	if (libiommu_ctx_has_feature(ctx, LIBIOMMU_FEAT_IOAS_CHANGE_PROCESS) == 1)
		expect_err(libiommu_ctx_change_process(ctx), -EINVAL,
			   "has no record of");
	else
		expect_err(libiommu_ctx_change_process(ctx), -EOPNOTSUPP,
			   "ioas_change_process");
	libiommu_ctx_free(ctx);
	ctx = NULL;
}
END_TEST

/*
 * A child takes the inherited iommufd with @mode, allocates an IOAS,
 * frees its context and exits; returns the IOAS id.
 */
static uint32_t child_allocates(int fd, enum libiommu_fd_mode mode)
{
	uint32_t id = 0;
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct libiommu_ctx *c = NULL;
		struct libiommu_ioas *a = NULL;

		if (libiommu_ctx_new_from_fd(fd, mode, NULL, &c) ||
		    libiommu_ioas_alloc(c, NULL, &a))
			_exit(1);
		id = libiommu_ioas_id(a);
		if (write(p[1], &id, sizeof(id)) != sizeof(id))
			_exit(2);
		libiommu_ctx_free(c);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &id, sizeof(id)), sizeof(id));
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	return id;
}

START_TEST(a_child_in_own_mode_leaves_its_ioas_in_the_shared_iommufd)
{
	struct libiommu_ioas *a = NULL;
	uint32_t id;

	ctx = new_ctx(&lg);
	id = child_allocates(libiommu_ctx_fd(ctx), LIBIOMMU_FD_OWN);
	expect_ok(libiommu_ioas_adopt_id(ctx, id, &a));
	expect_ok(libiommu_ioas_destroy(a));
	libiommu_ctx_free(ctx);
	ctx = NULL;
}
END_TEST

START_TEST(a_child_in_borrow_mode_destroys_its_ioas_when_it_frees_the_context)
{
	struct libiommu_ioas *a = NULL;
	uint32_t id;

	ctx = new_ctx(&lg);
	id = child_allocates(libiommu_ctx_fd(ctx), LIBIOMMU_FD_BORROW);
	expect_err(libiommu_ioas_adopt_id(ctx, id, &a), -ENOENT, "is not an IOAS");
	libiommu_ctx_free(ctx);
	ctx = NULL;
}
END_TEST

START_TEST(an_adopted_ioas_outlives_the_context_that_adopted_it)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *c2 = NULL;
	struct libiommu_ioas *a = NULL, *b = NULL;
	uint8_t *buf = xbuf(pgsz());
	uint64_t iova = 0;
	uint32_t id;

	ctx = new_ctx(&lg);
	expect_ok(libiommu_ioas_alloc(ctx, NULL, &a));
	id = libiommu_ioas_id(a);
	/* a borrowing context destroys what it made, not what it adopted */
	expect_ok(libiommu_ctx_new_from_fd(libiommu_ctx_fd(ctx),
					   LIBIOMMU_FD_BORROW, &opts, &c2));
	expect_ok(libiommu_ioas_adopt_id(c2, id, &b));
	libiommu_ctx_free(c2);
	/* still there: the kernel maps into it */
	expect_ok(libiommu_ioas_map(a, buf, pgsz(), &iova, RW));
	expect_ok(libiommu_ioas_destroy(a));
	libiommu_ctx_free(ctx);
	ctx = NULL;
	munmap(buf, pgsz());
}
END_TEST

START_TEST(an_adopted_hwpt_takes_the_device_and_its_maker_keeps_it)
{
	struct libiommu_ctx_opts opts = tu_ctx_opts(&lg, LIBIOMMU_LOG_DEBUG, NULL);
	struct libiommu_ctx *c2 = NULL;
	struct libiommu_ioas *a = NULL, *a2 = NULL;
	struct libiommu_hwpt *h = NULL, *h2 = NULL, *h3 = NULL;
	struct libiommu_dev *d = NULL, *d2 = NULL;
	uint8_t *ram = xbuf(2 * pgsz());
	uint64_t iova = RAM_IOVA;
	struct edu e;

	/* the maker: IOAS, mapping, a paging HWPT for the edu */
	ctx = new_ctx(&lg);
	expect_ok(libiommu_ioas_alloc(ctx, NULL, &a));
	expect_ok(libiommu_ioas_map(a, ram, 2 * pgsz(), &iova, RW | FIXED));
	d = open_edu(ctx);
	expect_ok(libiommu_hwpt_alloc(d, a, NULL, &h));
	/* the taker, on the same iommufd */
	expect_ok(libiommu_ctx_new_from_fd(libiommu_ctx_fd(ctx),
					   LIBIOMMU_FD_BORROW, &opts, &c2));
	expect_ok(libiommu_ioas_adopt_id(c2, libiommu_ioas_id(a), &a2));
	expect_err(libiommu_hwpt_adopt_id(a2, libiommu_ioas_id(a), &h2), -ENOENT,
		   "is not a paging HWPT");
	ck_assert_ptr_null(h2);
	expect_err(libiommu_hwpt_adopt_id(a2, libiommu_dev_id(d), &h2), -ENOENT,
		   "is not a paging HWPT");
	expect_ok(libiommu_hwpt_adopt_id(a2, libiommu_hwpt_id(h), &h2));
	ck_assert_uint_eq(libiommu_hwpt_id(h2), libiommu_hwpt_id(h));
	expect_err(libiommu_hwpt_adopt_id(a2, libiommu_hwpt_id(h), &h3), -EEXIST,
		   "already has a handle");
	expect_err(libiommu_ioas_destroy(a2), -EBUSY, "still attached");
	expect_ok(libiommu_dev_adopt_fd(c2, libiommu_dev_fd(d), LIBIOMMU_FD_BORROW,
					libiommu_dev_id(d), &d2));
	expect_ok(libiommu_dev_attach_hwpt(d2, h2));
	expect_ok(edu_init(&e, d2));
	pattern(ram, 53);
	memset(ram + pgsz(), 0, pgsz());
	ck_assert_int_eq(edu_dma_from_ram(&e, RAM_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&e, RAM_IOVA + pgsz(), LEN), 0);
	ck_assert_msg(memcmp(ram, ram + pgsz(), LEN) == 0,
		      "DMA through the adopted HWPT corrupted data");
	edu_fini(&e);
	/* a borrowing context leaves what it adopted: the maker destroys it */
	libiommu_ctx_free(c2);
	expect_ok(libiommu_ctx_new_from_fd(libiommu_ctx_fd(ctx),
					   LIBIOMMU_FD_BORROW, &opts, &c2));
	expect_ok(libiommu_ioas_adopt_id(c2, libiommu_ioas_id(a), &a2));
	expect_ok(libiommu_hwpt_adopt_id(a2, libiommu_hwpt_id(h), &h2));
	libiommu_ctx_free(c2);
	expect_ok(libiommu_hwpt_destroy(h));
	libiommu_ctx_free(ctx);
	ctx = NULL;
	munmap(ram, 2 * pgsz());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("handover-edu");
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	tc = tu_tcase(s, "handover");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_adopted_device_fd_attaches_and_runs_dma);
	tcase_add_test(tc, adopting_with_a_wrong_id_or_fd_fails_and_names_it);
	tcase_add_test(tc, live_update_keeps_dma_through_the_handed_over_ioas);
	tcase_add_test(tc, change_process_refuses_a_mapping_of_process_memory_and_names_it);
	tcase_add_test(tc, change_process_names_a_foreign_mapping_of_process_memory);
	tcase_add_test(tc, a_child_in_own_mode_leaves_its_ioas_in_the_shared_iommufd);
	tcase_add_test(tc, a_child_in_borrow_mode_destroys_its_ioas_when_it_frees_the_context);
	tcase_add_test(tc, an_adopted_ioas_outlives_the_context_that_adopted_it);
	tcase_add_test(tc, an_adopted_hwpt_takes_the_device_and_its_maker_keeps_it);
	return tu_run(s);
}
