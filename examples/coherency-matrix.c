// SPDX-License-Identifier: MIT
/* Copyright (C) 2025-2026 The libiommu authors */
/*
 * coherency-matrix: where each VFIO device sits in the IOMMU-vs-device
 * no-snoop matrix of the /dev/ioasid RFC, what KVM makes of it, and which
 * of the RFC's policy changes this machine allows.
 *
 *                        device may issue no-snoop   device never does
 *   IOMMU blocks no-snoop            1                        2
 *   IOMMU lets it through            3                        4
 *
 * DMA is coherent in boxes 1, 2 and 4; only box 3 needs KVM to emulate
 * WBINVD.  KVM emulates it when VFIO says a device is not enforced-coherent,
 * which VFIO answers from the IOMMU's capability: boxes 3 and 4, except a
 * device whose IOMMU could enforce running on a HWPT that does not (the
 * "KVM hazard": box 3 without WBINVD).  The library places every device on
 * a HWPT that enforces exactly when its IOMMU can, and the example shows
 * which HWPT each device landed on.
 *
 * For every cdev in /dev/vfio/devices/ it binds the device to /dev/iommu,
 * attaches it to an IOAS and prints its coherency report: the matrix with
 * the device's box in [brackets], each answer with where it came from
 * (IOMMU_GET_HW_INFO, VFIO, the companion module, config space), the
 * kernel's default WBINVD policy and the possible and impossible policy
 * changes with their reasons.  With --kvm (and /dev/kvm) it then creates a VM, gives
 * the device to its kvm-vfio device and reads back whether KVM treats the
 * VM's DMA as non-coherent, before and after KVM_DEV_VFIO_FILE_ADD and
 * after KVM_DEV_VFIO_FILE_DEL (that read-back needs the companion module,
 * kmod/; without it the example says it cannot be known).
 *
 * QEMU's devices reach boxes 2 and 4 only.  When the companion module is
 * loaded with its simulated hardware (kmod/, LIBIOMMU_KMOD_FEAT_SIM),
 * the example then creates one simulated device per box, shows all four
 * boxes filled, and performs the policy changes that hardware allows:
 * force-enable (box 1 -> 3, KVM following), clearing and setting the
 * device's Enable No Snoop bit, and the IOAS policy flags.  That part runs
 * only with --sim; the simulated devices are removed at the end.
 *
 * Without --kvm and --sim the program creates nothing outside itself: it
 * binds each device in turn (a device another process holds fails to
 * bind and is reported), attaches it to an IOAS of its own and reads.
 *
 * Exit status: 0 shown, 1 no /dev/iommu, 2 usage.
 *
 * Build: cc coherency-matrix.c $(pkg-config --cflags --libs libiommu) \
 *           -I$(pkg-config --variable=includedir libiommu)/libiommu
 * (the second path is for the module's uAPI header, libiommu_kmod.h, which
 * `make install` puts next to libiommu.h)
 * Run as root (or with access to /dev/iommu, the cdevs and /dev/kvm).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libiommu/libiommu.h>

#include "libiommu_kmod.h" /* the companion module's simulated hardware */

/* <linux/kvm.h>'s KVM_CREATE_VM, without depending on the header. */
#define KVM_CREATE_VM_IOCTL _IO(0xAE, 0x01)

static int by_number(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name + 4) - atoi((*b)->d_name + 4);
}

static int is_vfio_cdev(const struct dirent *de)
{
	return strncmp(de->d_name, "vfio", 4) == 0;
}

/*
 * The library's last message: the example prints it where a call fails,
 * in place, instead of letting it go to stderr on its own.
 */
static char last[512];

static void keep_last(void *userdata, enum libiommu_log_level level,
		      const char *msg)
{
	(void)userdata;
	(void)level;
	snprintf(last, sizeof(last), "%s", msg);
}

/* KVM's state as one line, from the VM's report (quiet when unknown). */
static void kvm_line(struct libiommu_kvm *kvm, const char *when)
{
	struct libiommu_coherency *coh = NULL;
	enum libiommu_coherency_answer a;
	const char *why = "";
	uint32_t count = 0;

	if (libiommu_coherency_get_kvm(kvm, &coh))
		return;
	a = libiommu_coherency_kvm_noncoherent(coh, &count);
	libiommu_coherency_source(coh, LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT, &why);
	if (a == LIBIOMMU_COHERENCY_ANSWER_UNKNOWN)
		printf("    %-30s KVM non-coherent DMA: %s\n", when, why);
	else
		printf("    %-30s KVM non-coherent DMA: %-3s (count %u)%s\n", when,
		       a == LIBIOMMU_COHERENCY_ANSWER_YES ? "yes" : "no", count,
		       a == LIBIOMMU_COHERENCY_ANSWER_YES ? "  -> KVM emulates WBINVD" : "");
	libiommu_coherency_free(coh);
}

static int use_kvm; /* --kvm: create KVM VMs */

static void show_kvm(struct libiommu_ctx *ctx, struct libiommu_dev *dev)
{
	struct libiommu_coherency *coh = NULL;
	struct libiommu_kvm *kvm = NULL;
	enum libiommu_coherency_answer need;
	int sys, vm;

	if (!use_kvm) {
		printf("  KVM: left out (--kvm creates a VM to show it)\n");
		return;
	}
	sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (sys < 0) {
		printf("  KVM: no /dev/kvm (%s): KVM side left out\n", strerror(errno));
		return;
	}
	vm = ioctl(sys, KVM_CREATE_VM_IOCTL, 0);
	close(sys);
	if (vm < 0) {
		printf("  KVM: KVM_CREATE_VM failed (%s): KVM side left out\n",
		       strerror(errno));
		return;
	}
	if (libiommu_kvm_new(ctx, vm, NULL, &kvm)) {
		printf("  KVM: no kvm-vfio device for the VM: KVM side left out\n");
		close(vm);
		return;
	}
	printf("  KVM (a new VM, its kvm-vfio device):\n");
	kvm_line(kvm, "before KVM_DEV_VFIO_FILE_ADD:");
	if (libiommu_kvm_add_dev(kvm, dev) == 0) {
		kvm_line(kvm, "after KVM_DEV_VFIO_FILE_ADD:");
		if (libiommu_coherency_get_kvm(kvm, &coh) == 0) {
			libiommu_coherency_kvm_wbinvd(coh, &need);
			printf("    %-30s KVM %s WBINVD; its DMA %s it\n",
			       "the device says:",
			       libiommu_coherency_kvm_wbinvd(coh, NULL) == LIBIOMMU_COHERENCY_ANSWER_YES ? "emulates" : "does not emulate",
			       need == LIBIOMMU_COHERENCY_ANSWER_YES ? "needs" : "does not need");
			libiommu_coherency_free(coh);
		}
		libiommu_kvm_del_dev(kvm, dev);
		kvm_line(kvm, "after KVM_DEV_VFIO_FILE_DEL:");
	}
	libiommu_kvm_free(kvm);
	close(vm);
}

static void show_device(struct libiommu_ctx *ctx, const char *path)
{
	struct libiommu_coherency *coh = NULL;
	struct libiommu_ioas *ioas = NULL;
	struct libiommu_dev *dev = NULL;
	int rc;

	printf("=== %s ===\n", path);
	last[0] = '\0';
	rc = libiommu_dev_open(ctx, path, NULL, &dev);
	if (rc) {
		printf("  cannot bind it to /dev/iommu: %s\n    %s\n\n", strerror(-rc),
		       last);
		return;
	}
	/* Attached: the row is then what the HWPT it runs on enforces. */
	if (libiommu_ioas_alloc(ctx, NULL, &ioas) == 0 &&
	    libiommu_dev_attach_ioas(dev, ioas) != 0)
		printf("  (not attached: %s; the row comes from the capability)\n",
		       strerror(errno));
	rc = libiommu_coherency_get_dev(dev, &coh);
	if (rc) {
		printf("  no coherency report: %s\n\n", strerror(-rc));
	} else {
		enum libiommu_coherency_answer enf;
		uint32_t hwpt = libiommu_coherency_hwpt_id(coh, &enf);

		if (hwpt)
			printf("  placement: IOAS %u, HWPT %u, which %s\n",
			       libiommu_ioas_id(ioas), hwpt,
			       enf == LIBIOMMU_COHERENCY_ANSWER_YES  ? "forces snooping"
			       : enf == LIBIOMMU_COHERENCY_ANSWER_NO ? "does not force snooping"
								     : "may or may not force snooping (not known)");
		fflush(stdout);
		libiommu_coherency_write(coh, STDOUT_FILENO);
		libiommu_coherency_free(coh);
		show_kvm(ctx, dev);
		printf("\n");
	}
	libiommu_dev_free(dev);
	libiommu_ioas_destroy(ioas);
}

/* ------------------------------------------------ simulated devices */

static int ctl = -1; /* /dev/libiommu */
static uint32_t sim_iommus[16], sim_devs[16];
static int nsim_iommus, nsim_devs;

/* A simulated IOMMU (with snoop control when @snoop_ctl); its id or 0. */
static uint32_t sim_iommu(bool snoop_ctl)
{
	struct libiommu_kmod_sim_iommu_create ic = {
		.size = sizeof(ic),
		.flags = snoop_ctl ? LIBIOMMU_KMOD_SIM_IOMMU_SNOOP_CTL : 0,
	};

	if (nsim_iommus == 16 || ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_CREATE, &ic))
		return 0;
	sim_iommus[nsim_iommus++] = ic.out_iommu_id;
	return ic.out_iommu_id;
}

/* A simulated device (LIBIOMMU_KMOD_SIM_DEV_* @flags) behind @iommu. */
static int sim_dev(uint32_t iommu, uint32_t flags, char *path, size_t len)
{
	struct libiommu_kmod_sim_dev_create dc = {
		.size = sizeof(dc),
		.iommu_id = iommu,
		.dev_flags = flags,
	};

	if (!iommu || nsim_devs == 16)
		return -ENOSPC;
	if (ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_CREATE, &dc))
		return -errno;
	sim_devs[nsim_devs++] = dc.out_dev_id;
	snprintf(path, len, "/dev/vfio/devices/vfio%u", dc.out_vfio_index);
	return 0;
}

/* A simulated device of box @box (1-4); its cdev path into @path. */
static int sim_create(int box, char *path, size_t len)
{
	return sim_dev(sim_iommu(box <= 2),
		       box % 2 ? LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP : 0, path, len);
}

static void sim_destroy_all(void)
{
	struct libiommu_kmod_sim_dev_destroy dd = { .size = sizeof(dd) };
	struct libiommu_kmod_sim_iommu_destroy id = { .size = sizeof(id) };

	while (nsim_devs) {
		dd.dev_id = sim_devs[--nsim_devs];
		ioctl(ctl, LIBIOMMU_KMOD_SIM_DEV_DESTROY, &dd);
	}
	while (nsim_iommus) {
		id.iommu_id = sim_iommus[--nsim_iommus];
		ioctl(ctl, LIBIOMMU_KMOD_SIM_IOMMU_DESTROY, &id);
	}
}

static bool sim_available(void)
{
	struct libiommu_kmod_version v = { .size = sizeof(v) };

	ctl = open(LIBIOMMU_KMOD_SIM_DEVNODE, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return false;
	if (ioctl(ctl, LIBIOMMU_KMOD_GET_VERSION, &v) == 0 &&
	    (v.out_features & LIBIOMMU_KMOD_FEAT_SIM))
		return true;
	close(ctl);
	ctl = -1;
	return false;
}

static const char *ans(enum libiommu_coherency_answer a)
{
	return libiommu_coherency_answer_name(a);
}

/* The device's box, and KVM's read-back for a fresh VM holding it. */
static int box_of(struct libiommu_dev *dev)
{
	struct libiommu_coherency *c;
	int box;

	if (libiommu_coherency_get_dev(dev, &c))
		return 0;
	box = libiommu_coherency_box(c);
	libiommu_coherency_free(c);
	return box;
}

static const char *kvm_says(struct libiommu_ctx *ctx, struct libiommu_dev *dev,
			    char *buf, size_t len)
{
	struct libiommu_kvm *kvm = NULL;
	uint32_t count = 0;
	int sys, vm, rc = -1;

	snprintf(buf, len, "-");
	if (!use_kvm)
		return buf;
	sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (sys < 0)
		return buf;
	vm = ioctl(sys, KVM_CREATE_VM_IOCTL, 0);
	close(sys);
	if (vm < 0)
		return buf;
	if (libiommu_kvm_new(ctx, vm, NULL, &kvm) == 0 &&
	    libiommu_kvm_add_dev(kvm, dev) == 0) {
		struct libiommu_coherency *c;

		if (libiommu_coherency_get_kvm(kvm, &c) == 0) {
			rc = libiommu_coherency_kvm_noncoherent(c, &count);
			libiommu_coherency_free(c);
		}
	}
	if (rc == LIBIOMMU_COHERENCY_ANSWER_YES || rc == LIBIOMMU_COHERENCY_ANSWER_NO)
		snprintf(buf, len, "%s (count %u)",
			 rc == LIBIOMMU_COHERENCY_ANSWER_YES ? "yes" : "no", count);
	else if (kvm)
		snprintf(buf, len, "cannot be known");
	libiommu_kvm_free(kvm);
	close(vm);
	return buf;
}

static struct libiommu_dev *open_attached(struct libiommu_ctx *ctx,
					  const char *path,
					  struct libiommu_ioas *ioas)
{
	struct libiommu_dev *dev = NULL;

	if (libiommu_dev_open(ctx, path, NULL, &dev))
		return NULL;
	if (ioas && libiommu_dev_attach_ioas(dev, ioas)) {
		libiommu_dev_free(dev);
		return NULL;
	}
	return dev;
}

static void show_simulated(struct libiommu_ctx *ctx)
{
	struct libiommu_ioas_opts rq = { .sz = sizeof(rq),
					 .flags = LIBIOMMU_IOAS_REQUIRE_COHERENT };
	struct libiommu_nosnoop_result r = { .sz = sizeof(r) };
	struct libiommu_coherency *c;
	struct libiommu_dev *dev[5] = { 0 }, *d;
	struct libiommu_ioas *ioas = NULL, *rq_ioas = NULL;
	char path[5][64], fpath[64], kvm[40];
	enum libiommu_coherency_reason why;
	int box, rc;

	printf("=== simulated devices: one per box (companion module kmod/) ===\n");
	if (libiommu_ioas_alloc(ctx, NULL, &ioas))
		return;
	for (box = 1; box <= 4; box++) {
		if (sim_create(box, path[box], sizeof(path[box])) ||
		    !(dev[box] = open_attached(ctx, path[box], ioas))) {
			printf("  cannot create a simulated device: %s\n", strerror(errno));
			goto out;
		}
	}
	printf("  %-20s %-4s %-6s %-13s %-13s %-9s %-15s %s\n", "device", "box", "HWPT",
	       "IOMMU blocks", "may no-snoop", "coherent", "KVM emulates", "KVM read-back");
	printf("  %-20s %-4s %-6s %-13s %-13s %-9s %-15s %s\n", "", "", "", "no-snoop (HWPT)",
	       "", "DMA", "WBINVD", "(FILE_ADD)");
	for (box = 1; box <= 4; box++) {
		char short_name[64];
		const char *name;
		uint32_t hwpt;

		if (libiommu_coherency_get_dev(dev[box], &c))
			continue;
		/* "libiommu_sim1 (vfio4, ...)" -> "libiommu_sim1 vfio4" */
		name = libiommu_coherency_name(c);
		snprintf(short_name, sizeof(short_name), "%.*s %.*s",
			 (int)strcspn(name, " "), name,
			 (int)strcspn(name + strcspn(name, "(") + 1, ","),
			 name + strcspn(name, "(") + 1);
		hwpt = libiommu_coherency_hwpt_id(c, NULL);
		printf("  %-20s [%d]  %-6u %-13s %-13s %-9s %-15s %s\n",
		       short_name, libiommu_coherency_box(c), hwpt,
		       ans(libiommu_coherency_iommu_blocks(c)),
		       ans(libiommu_coherency_dev_nosnoop(c)),
		       ans(libiommu_coherency_dma_coherent(c)),
		       ans(libiommu_coherency_kvm_wbinvd(c, NULL)),
		       kvm_says(ctx, dev[box], kvm, sizeof(kvm)));
		libiommu_coherency_free(c);
	}
	/* All four in one IOAS: the matrix with every box filled. */
	if (libiommu_coherency_get_ioas(ioas, &c) == 0) {
		char *text;
		int n = libiommu_coherency_format(c, NULL, 0);

		text = malloc((size_t)n + 1);
		if (text) {
			libiommu_coherency_format(c, text, (size_t)n + 1);
			/* its header, matrix and verdict: the first five lines */
			for (n = 0, box = 0; text[n] && box < 5; n++)
				box += text[n] == '\n';
			printf("\n%.*s", n, text);
			free(text);
		}
		libiommu_coherency_free(c);
	}

	printf("\n  policy changes, done:\n");
	/* force-enable 1 -> 3: set while the device is closed, then reopen */
	if (sim_create(1, fpath, sizeof(fpath)) == 0 &&
	    (d = open_attached(ctx, fpath, ioas))) {
		int before = box_of(d);
		char kb[40];

		kvm_says(ctx, d, kb, sizeof(kb));
		libiommu_dev_free(d);
		rc = libiommu_coherency_force_enable(ctx, fpath, true, &why);
		d = rc ? NULL : open_attached(ctx, fpath, ioas);
		if (d)
			printf("    %-24s on a new box-1 device: box %d -> %d; KVM non-coherent DMA %s -> %s\n",
			       "force-enable (1->3)", before, box_of(d), kb,
			       kvm_says(ctx, d, kvm, sizeof(kvm)));
		else
			printf("    %-24s failed: %s\n", "force-enable (1->3)", last);
		libiommu_dev_free(d);
	}
	/* Enable No Snoop, cleared and set back */
	if (libiommu_coherency_set_nosnoop(dev[1], false, &r) == 0) {
		printf("    %-24s on the box-1 device: box %d -> %d (Device Control 0x%04x -> 0x%04x)\n",
		       "clear Enable No Snoop", r.box_before, r.box_after,
		       r.devctl_before, r.devctl_after);
		if (libiommu_coherency_set_nosnoop(dev[1], true, &r) == 0)
			printf("    %-24s on the box-1 device: box %d -> %d\n", "set it again",
			       r.box_before, r.box_after);
	}
	rc = libiommu_coherency_set_nosnoop(dev[2], true, &r);
	printf("    %-24s on the box-2 device: %s: box %d stays box %d\n",
	       "set Enable No Snoop",
	       rc ? "the write did not stick (hardwired to 0)" : "done",
	       r.box_before, r.box_after);
	/* An IOAS that requires coherent DMA: the refusals are the point. */
	if (libiommu_ioas_alloc(ctx, &rq, &rq_ioas) == 0) {
		for (box = 1; box <= 4; box++) {
			last[0] = '\0';
			rc = libiommu_dev_attach_ioas(dev[box], rq_ioas);
			printf("    %-24s box-%d device %s\n",
			       box == 1 ? "require-coherent IOAS" : "", box,
			       rc ? "refused, EPERM:" : "joins");
			if (rc)
				printf("%38s%s\n", "", strstr(last, "but ") ? strstr(last, "but ") + 4 : last);
			else
				libiommu_dev_attach_ioas(dev[box], ioas);
		}
		libiommu_ioas_destroy(rq_ioas);
	}
out:
	for (box = 1; box <= 4; box++)
		libiommu_dev_free(dev[box]);
	libiommu_ioas_destroy(ioas);
	printf("\n");
}

/*
 * Two no-snoop capable devices behind one snoop-control IOMMU, in one
 * IOAS: A can be forced to snoop, B cannot (the IOMMU does not enforce
 * for it).  B is attached first.  Left to the kernel
 * (LIBIOMMU_IOAS_KERNEL_HWPT), A joins B's HWPT, which does not enforce:
 * A's no-snoop DMA bypasses the caches while VFIO tells KVM it is
 * coherent.  The library's own placement gives A a HWPT that enforces.
 */
static void show_shared(struct libiommu_ctx *ctx)
{
	static const char *const how[2] = { "placed by the library (default)",
					    "placed by the kernel (LIBIOMMU_IOAS_KERNEL_HWPT)" };
	int k;

	printf("=== one IOAS, two devices behind one IOMMU: A can be forced to snoop, B cannot ===\n");
	printf("  %-50s %-3s %-5s %-13s %-4s %-9s %s\n", "", "dev", "HWPT", "IOMMU blocks",
	       "box", "coherent", "KVM hazard (box 3, KVM not emulating WBINVD)");
	for (k = 0; k < 2; k++) {
		struct libiommu_ioas_opts o = { .sz = sizeof(o),
						.flags = k ? LIBIOMMU_IOAS_KERNEL_HWPT : 0 };
		struct libiommu_ioas *ioas = NULL;
		struct libiommu_dev *d[2] = { NULL, NULL };
		uint32_t iommu = sim_iommu(true);
		char path[2][64];
		int i;

		if (sim_dev(iommu, LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP, path[0], sizeof(path[0])) ||
		    sim_dev(iommu, LIBIOMMU_KMOD_SIM_DEV_NOSNOOP_CAP | LIBIOMMU_KMOD_SIM_DEV_NO_ENFORCE,
			    path[1], sizeof(path[1])) ||
		    libiommu_ioas_alloc(ctx, &o, &ioas)) {
			printf("  cannot create the devices: %s\n", last);
			return;
		}
		/* B first, then A */
		d[1] = open_attached(ctx, path[1], ioas);
		d[0] = d[1] ? open_attached(ctx, path[0], ioas) : NULL;
		for (i = 0; i < 2 && d[0]; i++) {
			struct libiommu_coherency *c;

			if (libiommu_coherency_get_dev(d[i], &c))
				continue;
			printf("  %-50s %-3s %-5u %-13s [%d]  %-9s %s\n", i ? "" : how[k],
			       i ? "B" : "A", libiommu_coherency_hwpt_id(c, NULL),
			       ans(libiommu_coherency_iommu_blocks(c)), libiommu_coherency_box(c),
			       ans(libiommu_coherency_dma_coherent(c)),
			       ans(libiommu_coherency_kvm_hazard(c)));
			libiommu_coherency_free(c);
		}
		if (!d[0])
			printf("  %-50s attach failed: %s\n", how[k], last);
		libiommu_dev_free(d[0]);
		libiommu_dev_free(d[1]);
		libiommu_ioas_destroy(ioas);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct libiommu_ctx_opts opts = {
		.sz = sizeof(opts),
		.log_fn = keep_last, /* shown where a call fails */
		.log_level = LIBIOMMU_LOG_ERR,
	};
	struct libiommu_ctx *ctx = NULL;
	struct dirent **names = NULL;
	struct utsname u;
	int n, i, rc, sim = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kvm")) {
			use_kvm = 1;
		} else if (!strcmp(argv[i], "--sim")) {
			sim = 1;
		} else if (!strcmp(argv[i], "--no-sim")) {
			sim = 0; /* the default; accepted for old scripts */
		} else {
			int help = !strcmp(argv[i], "--help") ||
				   !strcmp(argv[i], "-h");

			fprintf(help ? stdout : stderr,
				"Usage: coherency-matrix [--kvm] [--sim]\n"
				"Bind each VFIO device cdev to /dev/iommu, attach it to an IOAS and\n"
				"print its coherency report (the no-snoop matrix, KVM's WBINVD policy,\n"
				"the possible policy changes).\n"
				"  --kvm   also create a KVM VM and show what KVM makes of each device\n"
				"  --sim   also create the companion module's simulated devices (all\n"
				"          four boxes) and perform the policy changes on them\n"
				"  --help  print this help\n"
				"Exit status: 0 shown, 1 no /dev/iommu, 2 usage.\n");
			return help ? 0 : 2;
		}
	}
	/* Whole lines, so that the library's messages on stderr do not cut ours. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("libiommu %s coherency matrix on Linux %s\n", libiommu_version(),
	       u.release);
	printf("Boxes: 1 IOMMU blocks no-snoop, device may issue it   2 IOMMU blocks it, device never does\n");
	printf("       3 IOMMU lets it through, device may issue it   4 IOMMU lets it through, device never does\n");
	printf("DMA is coherent in 1, 2, 4; only 3 needs WBINVD.  KVM emulates it when VFIO says the\n"
	       "device is not enforced-coherent (from the IOMMU's capability, not from the HWPT it is on).\n");
	printf("companion module (/dev/libiommu): %s\n\n",
	       access("/dev/libiommu", F_OK) == 0 ? "loaded" : "not loaded: the kernel's policy is derived, KVM's state cannot be read back");

	rc = libiommu_ctx_new(&opts, &ctx);
	if (rc) {
		fprintf(stderr, "coherency-matrix: %s\n", last);
		return 1;
	}
	n = scandir("/dev/vfio/devices", &names, is_vfio_cdev, by_number);
	if (n <= 0)
		printf("no VFIO device cdevs in /dev/vfio/devices (bind a device to vfio-pci)\n");
	for (i = 0; i < n; i++) {
		char path[300];

		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", names[i]->d_name);
		show_device(ctx, path);
		free(names[i]);
	}
	free(names);
	if (sim && !sim_available())
		printf("--sim: the companion module's simulated hardware is not available\n");
	if (sim && sim_available()) {
		show_simulated(ctx);
		show_shared(ctx);
		libiommu_ctx_free(ctx); /* closes the devices first */
		ctx = NULL;
		sim_destroy_all();
		close(ctl);
	}
	libiommu_ctx_free(ctx);
	return 0;
}
