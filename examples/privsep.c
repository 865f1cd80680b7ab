// SPDX-License-Identifier: MIT
/*
 * privsep: a privilege-separated VMM.  The privileged parent opens
 * /dev/iommu and QEMU's edu device (a VFIO cdev) and binds the device; it
 * passes both fds and the device id to a child over a UNIX socket
 * (SCM_RIGHTS).  The child, which could drop every privilege first (it
 * opens nothing), creates its context on the received iommufd, adopts the
 * bound device with its id, allocates an IOAS, maps two buffers and
 * attaches the device; with --dma (it then writes to the device) it also
 * has it copy RAM -> device -> RAM through the IOMMU.
 *
 *   # ./privsep --dma
 *   parent: bound /dev/vfio/devices/vfio0 as device 1, sending fds 3 and 4
 *   child: adopted device 1 on fd 7, IOAS 2 attached, DMA round trip 4095 bytes OK
 *   child: exits; the parent's iommufd still holds IOAS 2 (OWN mode)
 *   parent: adopted the child's IOAS 2 and destroyed it
 *
 * The fd modes (libiommu_ctx_new_from_fd(3)): the child takes the iommufd
 * in LIBIOMMU_FD_OWN mode, so freeing its context destroys nothing while
 * the parent holds the file, and its IOAS stays in the parent's iommufd;
 * the parent adopts it (libiommu_ioas_adopt_id(3)) and destroys it.
 * With LIBIOMMU_FD_BORROW the child's libiommu_ctx_free() would destroy it.
 *
 * Exit status: 0 done, 1 a failure (no /dev/iommu, no edu bound to
 * vfio-pci, a call that failed in the parent or the child, a failed DMA),
 * 2 usage.
 *
 * Build: cc privsep.c $(pkg-config --cflags --libs libiommu)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "edu-dma.h"

#define SRC_IOVA UINT64_C(0x100000) /* below edu's 256 MiB DMA limit */
#define DST_IOVA UINT64_C(0x200000)

struct msg {
	uint32_t dev_id;
};

static int send_fds(int sock, int ifd, int dfd, uint32_t dev_id)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct msg m = { dev_id };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fds[2] = { ifd, dfd };

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	return sendmsg(sock, &msg, 0) == sizeof(m) ? 0 : -errno;
}

static int recv_fds(int sock, int *ifd, int *dfd, uint32_t *dev_id)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fds[2];

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(m))
		return -EIO;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(fds)))
		return -EIO;
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	*ifd = fds[0];
	*dfd = fds[1];
	*dev_id = m.dev_id;
	return 0;
}

static int fail(const char *who, const char *what, int rc)
{
	fprintf(stderr, "%s: %s: %s\n", who, what, strerror(-rc));
	return 1;
}

/* The unprivileged side: everything through the received fds. */
static int child(int sock, int dma)
{
	struct libiommu_ctx_opts opts = LIBIOMMU_OPTS(libiommu_ctx_opts,
						      .log_fn = libiommu_log_stderr);
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_dev *dev = NULL;
	struct libiommu_ioas *ioas = NULL;
	uint64_t src_iova = SRC_IOVA, dst_iova = DST_IOVA;
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *src, *dst;
	struct ex_edu edu;
	char what[64] = "no DMA (--dma runs one)";
	int ifd, dfd, rc;
	uint32_t id;

	rc = recv_fds(sock, &ifd, &dfd, &id);
	if (rc)
		return fail("child", "receiving the fds", rc);
	rc = libiommu_ctx_new_from_fd(ifd, LIBIOMMU_FD_OWN, &opts, &ctx);
	if (rc)
		return fail("child", "libiommu_ctx_new_from_fd", rc);
	rc = libiommu_dev_adopt_fd(ctx, dfd, LIBIOMMU_FD_OWN, id, &dev);
	if (rc)
		return fail("child", "libiommu_dev_adopt_fd", rc);
	rc = libiommu_ioas_alloc(ctx, NULL, &ioas);
	if (rc)
		return fail("child", "libiommu_ioas_alloc", rc);
	src = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return fail("child", "mmap", -errno);
	for (long i = 0; i < pg; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, pg);
	rc = libiommu_ioas_map(ioas, src, pg, &src_iova,
			       LIBIOMMU_MAP_READ | LIBIOMMU_MAP_FIXED_IOVA);
	if (!rc)
		rc = libiommu_ioas_map(ioas, dst, pg, &dst_iova,
				       LIBIOMMU_MAP_WRITE | LIBIOMMU_MAP_FIXED_IOVA);
	if (rc)
		return fail("child", "libiommu_ioas_map", rc);
	rc = libiommu_dev_attach_ioas(dev, ioas);
	if (rc)
		return fail("child", "libiommu_dev_attach_ioas", rc);
	if (dma) {
		rc = ex_edu_init(&edu, dev);
		if (!rc)
			rc = ex_edu_dma(&edu, SRC_IOVA, EX_EDU_MAX_DMA, 0);
		if (!rc)
			rc = ex_edu_dma(&edu, DST_IOVA, EX_EDU_MAX_DMA, 1);
		if (rc)
			return fail("child", "edu DMA", rc);
		if (memcmp(src, dst, EX_EDU_MAX_DMA)) {
			fprintf(stderr, "child: DMA round trip: data differs\n");
			return 1;
		}
		ex_edu_fini(&edu);
		snprintf(what, sizeof(what), "DMA round trip %u bytes OK",
			 EX_EDU_MAX_DMA);
	}
	printf("child: adopted device %u on fd %d, IOAS %u attached, %s\n",
	       id, dfd, libiommu_ioas_id(ioas), what);
	printf("child: exits; the parent's iommufd still holds IOAS %u (OWN mode)\n",
	       libiommu_ioas_id(ioas));
	fflush(stdout);
	id = libiommu_ioas_id(ioas);
	libiommu_ctx_free(ctx); /* detaches; closes its copies of both fds */
	return write(sock, &id, sizeof(id)) == sizeof(id) ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: privsep [--dma]\n"
		   "A parent binds QEMU's edu device (a VFIO cdev) and passes the iommufd and\n"
		   "device fds to a child over a UNIX socket; the child adopts them, maps two\n"
		   "buffers in an IOAS and attaches the device.\n"
		   "  --dma  the child also writes to the device: a DMA round trip\n"
		   "Exit status: 0 done, 1 a failure (no edu, a failed call or DMA), 2 usage.\n");
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts opts = LIBIOMMU_OPTS(libiommu_ctx_opts,
						      .log_fn = libiommu_log_stderr);
	struct libiommu_ctx *ctx = NULL;
	struct libiommu_dev *dev = NULL;
	struct libiommu_ioas *left = NULL;
	char path[64];
	uint32_t ioas_id;
	int sv[2], rc, status, dma = 0;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dma")) {
			dma = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (ex_edu_find(path, sizeof(path))) {
		fprintf(stderr, "privsep: no QEMU edu device (1234:11e8) bound to vfio-pci\n");
		return 1;
	}
	rc = libiommu_ctx_new(&opts, &ctx);
	if (rc)
		return fail("parent", "libiommu_ctx_new", rc);
	rc = libiommu_dev_open(ctx, path, NULL, &dev);
	if (rc)
		return fail("parent", "libiommu_dev_open", rc);
	printf("parent: bound %s as device %u, sending fds %d and %d\n", path,
	       libiommu_dev_id(dev), libiommu_ctx_fd(ctx), libiommu_dev_fd(dev));
	fflush(stdout);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return fail("parent", "socketpair", -errno);
	pid = fork();
	if (pid < 0)
		return fail("parent", "fork", -errno);
	if (pid == 0) {
		/* A real VMM would exec an unprivileged program here. */
		close(sv[0]);
		_exit(child(sv[1], dma));
	}
	close(sv[1]);
	rc = send_fds(sv[0], libiommu_ctx_fd(ctx), libiommu_dev_fd(dev),
		      libiommu_dev_id(dev));
	if (rc)
		return fail("parent", "sending the fds", rc);
	if (read(sv[0], &ioas_id, sizeof(ioas_id)) != sizeof(ioas_id))
		ioas_id = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "parent: the child failed\n");
		return 1;
	}
	rc = libiommu_ioas_adopt_id(ctx, ioas_id, &left);
	if (rc)
		return fail("parent", "adopting the child's IOAS", rc);
	rc = libiommu_ioas_destroy(left);
	if (rc)
		return fail("parent", "destroying the child's IOAS", rc);
	printf("parent: adopted the child's IOAS %u and destroyed it\n", ioas_id);
	close(sv[0]);
	libiommu_ctx_free(ctx);
	return 0;
}
