// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The operator tools next to a running VM (VM tier): this program plays the
 * VM -- it binds the edu device, maps buffers and runs DMA in a loop --
 * while libiommu-ls and libiommu-validate run beside it under a seccomp
 * filter that kills them on any ioctl (no bind, no iommufd object, no
 * VFIO call).  libiommu-ls must list the device with this process as its
 * holder and the IOMMU's snoop control as the guest has it; the DMA must
 * keep working during and after.  The JSON is printed between markers so
 * that it can be checked against tools/libiommu-ls.schema.json on the host
 * (tests/json-schema-check.py).  Skips (77) without /dev/iommu or edu.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "test-dev.h"

#define SRC_IOVA UINT64_C(0x100000)
#define DST_IOVA UINT64_C(0x200000)
#define LEN EDU_MAX_DMA

static struct libiommu_dev *dev;
static struct edu edu;
static uint8_t *src, *dst;
static char tooldir[PATH_MAX];

static void setup(void)
{
	int rc;

	ioas_setup();
	dev = open_edu(ctx);
	rc = edu_init(&edu, dev);
	ck_assert_msg(rc == 0, "edu_init: %s; log:\n%s", strerror(-rc), lg.all);
	src = xbuf(pgsz());
	dst = xbuf(pgsz());
	for (unsigned int i = 0; i < pgsz(); i++)
		src[i] = (uint8_t)(i * 5 + 1);
	expect_ok(libiommu_ioas_map(ioas, src, pgsz(), &(uint64_t){ SRC_IOVA },
				    LIBIOMMU_MAP_READ | FIXED));
	expect_ok(libiommu_ioas_map(ioas, dst, pgsz(), &(uint64_t){ DST_IOVA },
				    LIBIOMMU_MAP_WRITE | FIXED));
	expect_ok(libiommu_dev_attach_ioas(dev, ioas));
}

static void teardown(void)
{
	edu_fini(&edu);
	ioas_teardown();
}

/* One VM-like DMA: RAM -> edu -> RAM, checked. */
static void dma_once(void)
{
	memset(dst, 0, LEN);
	ck_assert_int_eq(edu_dma_from_ram(&edu, SRC_IOVA, LEN), 0);
	ck_assert_int_eq(edu_dma_to_ram(&edu, DST_IOVA, LEN), 0);
	ck_assert_msg(memcmp(src, dst, LEN) == 0, "the holder's DMA broke");
}

/* In the tool's child: any ioctl kills it (SIGSYS). */
static void forbid_ioctl(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_LEN(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(126);
}

/*
 * Run tools/@name with @args while doing DMA; its stdout in @out.  Returns
 * how many DMAs ran while the tool did; asserts it exited @want_rc.
 */
static int run_tool(const char *name, char *const args[], int want_rc,
		    char *out, size_t len)
{
	char path[PATH_MAX + 32], *argv[8];
	FILE *f = tmpfile();
	int status, n = 0, i;
	size_t got;
	pid_t pid;

	ck_assert_ptr_nonnull(f);
	snprintf(path, sizeof(path), "%s/%s", tooldir, name);
	argv[0] = path;
	for (i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fileno(f), 1);
		forbid_ioctl();
		execv(path, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		dma_once();
		n++;
	}
	ck_assert_msg(!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS,
		      "%s issued an ioctl (killed by the seccomp filter)", name);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == want_rc,
		      "%s: status 0x%x, expected exit %d", name, status, want_rc);
	rewind(f);
	got = fread(out, 1, len - 1, f);
	out[got] = '\0';
	fclose(f);
	return n;
}

static bool snoop_on(void)
{
	const char *s = getenv("LIBIOMMU_VM_SNOOP");

	return !s || strcmp(s, "off");
}

START_TEST(ls_lists_the_held_device_with_its_holder_and_binds_nothing)
{
	static char out[1 << 16];
	char want[256], comm[64] = "";
	char *args[] = { "--json", NULL };
	int during, fd;
	ssize_t n;

	fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	comm[strcspn(comm, "\n")] = '\0';

	dma_once();
	during = run_tool("libiommu-ls", args, 0, out, sizeof(out));
	printf("--- libiommu-ls --json ---\n%s--- end ---\n", out);
	printf("%d DMA round trips ran while libiommu-ls did\n", during);
	for (int i = 0; i < 3; i++)
		dma_once();

	snprintf(want, sizeof(want),
		 "\"holders\": [{\"pid\": %d, \"comm\": \"%s\", \"node\": \"%s\"}]",
		 (int)getpid(), comm, edu_path);
	ck_assert_msg(strstr(out, want), "no holder entry %s", want);
	ck_assert_ptr_nonnull(strstr(out, "\"iommufd\": true"));
	ck_assert_ptr_nonnull(strstr(out, "\"interrupt_remapping\": true"));
	ck_assert_ptr_nonnull(strstr(out, snoop_on() ? "\"snoop_control\": true" : "\"snoop_control\": false"));
	/* edu is conventional PCI: never no-snoop, box 2 (or 4 without SC) */
	snprintf(want, sizeof(want),
		 "\"row\": \"%s\", \"column\": \"never\", \"box\": %d",
		 snoop_on() ? "blocks" : "lets-through", snoop_on() ? 2 : 4);
	ck_assert_msg(strstr(out, want), "no coherency entry %s", want);
}
END_TEST

START_TEST(validate_says_what_the_guest_has)
{
	static char out[1 << 14];
	const char *bdf = getenv("LIBIOMMU_VM_EDU");
	char *args[] = { "--device", (char *)(bdf ? bdf : "00:03.0"),
			 "--guest-size", "1M", NULL };
	static const char *const pass[] = {
		"IOMMU enabled",
		"interrupt remapping",
		"iommufd",
		"VFIO device cdev",
		"IOMMU group viable",
		"memlock limit",
	};
	char want[128];

	run_tool("libiommu-validate", args, 0, out, sizeof(out));
	printf("--- libiommu-validate ---\n%s--- end ---\n", out);
	dma_once();
	for (unsigned int i = 0; i < ARRAY_LEN(pass); i++) {
		snprintf(want, sizeof(want), "%s", pass[i]);
		ck_assert_msg(strstr(out, want), "no line %s", want);
		snprintf(want, sizeof(want), "\n%-26s: PASS", pass[i]);
		ck_assert_msg(strstr(out, want) || !strncmp(out, want + 1, strlen(want) - 1),
			      "%s is not PASS", pass[i]);
	}
	ck_assert_ptr_nonnull(strstr(out, "device in use             : WARN (held by pid"));
	ck_assert_msg(strstr(out, snoop_on() ? ": PASS (the IOMMU blocks no-snoop" : ": WARN (the IOMMU cannot block no-snoop"),
		      "snoop control does not match snoop-control=%s",
		      snoop_on() ? "on" : "off");
}
END_TEST

int main(int argc, char **argv)
{
	char self[PATH_MAX], cand[PATH_MAX + 32];
	Suite *s = suite_create("tools-held");
	ssize_t n;
	TCase *tc;

	tu_require_iommufd();
	require_edu();
	/* the tools next to this program (VM tier) or in ../tools (build) */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		printf("cannot read /proc/self/exe\n");
		return 1;
	}
	self[n] = '\0';
	snprintf(tooldir, sizeof(tooldir), "%s", dirname(self));
	snprintf(cand, sizeof(cand), "%s/libiommu-ls", tooldir);
	if (access(cand, X_OK))
		strncat(tooldir, "/../tools", sizeof(tooldir) - strlen(tooldir) - 1);
	(void)argc;
	(void)argv;
	tc = tu_tcase(s, "tools");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ls_lists_the_held_device_with_its_holder_and_binds_nothing);
	tcase_add_test(tc, validate_says_what_the_guest_has);
	return tu_run(s);
}
