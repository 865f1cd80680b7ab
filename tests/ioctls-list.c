// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libiommu_ioctls(): the list of ioctls each public function may issue
 * (host tier).  Every exported function has a list; every row's name is
 * the kernel's name of its request number (as our lib/uapi defines both,
 * which tests/test-uapi-compare.sh holds to the kernel's headers); the
 * arguments are checked like every options and result struct's; what a
 * VMM does with cloud-hypervisor's four commands stays inside them; and
 * man/libiommu_ioctls.3's table is what the function says.
 *
 * Whether the functions issue what their list says is checked by running
 * them: tests/ioctls-fake.c (host, a fake iommufd) and
 * tests/ioctls-kernel.c (VM tier, the real kernel).
 *
 * `ioctls-list --man-table` prints the man page's table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "uapi/iommufd.h"
#include "uapi/kvm.h"
#include "libiommu_kmod.h"
#include "uapi/vfio.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FUNCTIONS 256

/* Every request the library may issue, by the kernel's name. */
#define K(n) \
	{ \
#n, LX_##n \
	}
#define KM(n) \
	{ \
		"LIBIOMMU_KMOD_" #n, LIBIOMMU_KMOD_##n \
	}
static const struct {
	const char *name;
	uint32_t request;
} known[] = {
	K(IOMMU_DESTROY),
	K(IOMMU_IOAS_ALLOC),
	K(IOMMU_IOAS_ALLOW_IOVAS),
	K(IOMMU_IOAS_COPY),
	K(IOMMU_IOAS_IOVA_RANGES),
	K(IOMMU_IOAS_MAP),
	K(IOMMU_IOAS_MAP_FILE),
	K(IOMMU_IOAS_UNMAP),
	K(IOMMU_OPTION),
	K(IOMMU_HWPT_ALLOC),
	K(IOMMU_GET_HW_INFO),
	K(IOMMU_HWPT_SET_DIRTY_TRACKING),
	K(IOMMU_HWPT_GET_DIRTY_BITMAP),
	K(IOMMU_HWPT_INVALIDATE),
	K(IOMMU_FAULT_QUEUE_ALLOC),
	K(IOMMU_VIOMMU_ALLOC),
	K(IOMMU_VDEVICE_ALLOC),
	K(IOMMU_IOAS_CHANGE_PROCESS),
	K(IOMMU_VEVENTQ_ALLOC),
	K(IOMMU_HW_QUEUE_ALLOC),
	K(IOMMU_IOAS_NOIOMMU_GET_PA),
	K(VFIO_GET_API_VERSION),
	K(VFIO_CHECK_EXTENSION),
	K(VFIO_SET_IOMMU),
	K(VFIO_GROUP_GET_STATUS),
	K(VFIO_GROUP_SET_CONTAINER),
	K(VFIO_GROUP_UNSET_CONTAINER),
	K(VFIO_GROUP_GET_DEVICE_FD),
	K(VFIO_DEVICE_GET_INFO),
	K(VFIO_DEVICE_GET_REGION_INFO),
	K(VFIO_DEVICE_GET_IRQ_INFO),
	K(VFIO_DEVICE_SET_IRQS),
	K(VFIO_DEVICE_RESET),
	K(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
	K(VFIO_DEVICE_PCI_HOT_RESET),
	K(VFIO_DEVICE_BIND_IOMMUFD),
	K(VFIO_DEVICE_ATTACH_IOMMUFD_PT),
	K(VFIO_DEVICE_DETACH_IOMMUFD_PT),
	K(VFIO_IOMMU_GET_INFO),
	K(VFIO_IOMMU_MAP_DMA),
	K(VFIO_IOMMU_UNMAP_DMA),
	K(VFIO_IOMMU_DIRTY_PAGES),
	K(VFIO_DEVICE_FEATURE),
	K(VFIO_MIG_GET_PRECOPY_INFO),
	K(KVM_CHECK_EXTENSION),
	K(KVM_CREATE_DEVICE),
	K(KVM_SET_DEVICE_ATTR),
	KM(GET_VERSION),
	KM(GET_DEV_INFO),
	KM(SIM_DEV_INFO),
	KM(SIM_DEV_SET),
	KM(KVM_NONCOHERENT),
};

static char *functions[MAX_FUNCTIONS];
static size_t nr_functions;

/*
 * The exported functions, from lib/libiommu.map (the version script that
 * tests/test-symbols.sh holds to the library and the header), in its
 * order.  false when the source tree is not at hand (the VM tier).
 */
static bool read_map(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096], line[256], name[128];
	FILE *f;

	if (nr_functions)
		return true;
	snprintf(path, sizeof(path), "%s/lib/libiommu.map", top ? top : ".");
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %127[a-z0-9_] ;", name) == 1 &&
		    strncmp(name, "libiommu_", 9) == 0 &&
		    nr_functions < MAX_FUNCTIONS)
			functions[nr_functions++] = strdup(name);
	}
	fclose(f);
	/* Not an assertion: this also runs outside a test (--man-table). */
	if (nr_functions < 50) {
		fprintf(stderr, "%s: only %zu functions read\n", path, nr_functions);
		exit(1);
	}
	return true;
}

#define NEED_MAP() \
	do { \
		if (!read_map()) { \
			printf("note: no lib/libiommu.map here (top_srcdir unset): %s checks nothing\n", \
			       __func__); \
			return; \
		} \
	} while (0)

static struct libiommu_ioctl entry(const char *fn,
				   const struct libiommu_ioctls_opts *o,
				   size_t i)
{
	struct libiommu_ioctl e = { .sz = sizeof(e) };
	int rc = libiommu_ioctls(fn, o, i, &e);

	ck_assert_msg(rc > (int)i, "%s, entry %zu: %d", fn, i, rc);
	return e;
}

START_TEST(every_exported_function_has_a_list)
{
	size_t i;
	int rc;

	NEED_MAP();
	for (i = 0; i < nr_functions; i++) {
		errno = 0;
		rc = libiommu_ioctls(functions[i], NULL, 0, NULL);
		ck_assert_msg(rc >= 0,
			      "%s has no list in lib/ioctls.c (%d): every exported function needs one, also an empty one",
			      functions[i], rc);
	}
}
END_TEST

START_TEST(an_unknown_function_is_enoent)
{
	tu_assert_err(libiommu_ioctls("libiommu_no_such_function", NULL, 0, NULL),
		      -ENOENT);
	tu_assert_err(libiommu_ioctls("", NULL, 0, NULL), -ENOENT);
	tu_assert_err(libiommu_ioctls("ioctl", NULL, 0, NULL), -ENOENT);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
	struct libiommu_ioctls_opts o = { .sz = sizeof(o) };
	struct libiommu_ioctl e = { .sz = sizeof(e) };
	int n;

	tu_assert_err(libiommu_ioctls(NULL, NULL, 0, NULL), -EINVAL);
	o.sz = 4;
	tu_assert_err(libiommu_ioctls("libiommu_ioas_map", &o, 0, NULL), -EINVAL);
	o.sz = sizeof(o);
	o.reserved = 1;
	tu_assert_err(libiommu_ioctls("libiommu_ioas_map", &o, 0, NULL), -E2BIG);
	o.reserved = 0;
	o.backend = (enum libiommu_backend)99;
	tu_assert_err(libiommu_ioctls("libiommu_ioas_map", &o, 0, NULL), -EINVAL);
	o.backend = LIBIOMMU_BACKEND_IOMMUFD;
	e.sz = 0;
	tu_assert_err(libiommu_ioctls("libiommu_ioas_map", &o, 0, &e), -EINVAL);
	e.sz = sizeof(e);
	n = libiommu_ioctls("libiommu_ioas_map", &o, 0, NULL);
	ck_assert_int_gt(n, 0);
	tu_assert_err(libiommu_ioctls("libiommu_ioas_map", &o, (size_t)n, &e),
		      -ERANGE);
	/* a getter issues none: any entry is out of range */
	ck_assert_int_eq(libiommu_ioctls("libiommu_ioas_id", NULL, 0, NULL), 0);
	tu_assert_err(libiommu_ioctls("libiommu_ioas_id", NULL, 0, &e), -ERANGE);
}
END_TEST

/* A newer caller's larger struct: what this library does not know is zero. */
START_TEST(result_struct_sizes_are_honoured)
{
	struct {
		struct libiommu_ioctl e;
		unsigned char tail[16];
	} big;
	struct libiommu_ioctl small;
	size_t i;

	memset(&big, 0xff, sizeof(big));
	big.e.sz = sizeof(big);
	ck_assert_int_gt(libiommu_ioctls("libiommu_ioas_map", NULL, 0, &big.e), 0);
	ck_assert_uint_eq(big.e.sz, sizeof(big));
	ck_assert_ptr_nonnull(big.e.name);
	for (i = 0; i < sizeof(big.tail); i++)
		ck_assert_uint_eq(big.tail[i], 0);
	/* an older caller's: only what it has is written */
	memset(&small, 0xff, sizeof(small));
	small.sz = offsetof(struct libiommu_ioctl, when);
	ck_assert_int_gt(libiommu_ioctls("libiommu_ioas_map", NULL, 0, &small), 0);
	ck_assert_ptr_nonnull(small.name);
	ck_assert_ptr_eq(small.when, (const char *)(uintptr_t)UINTPTR_MAX);
}
END_TEST

/* One backend's list of a function: the request names, in order, joined. */
static void names_of(const char *fn, enum libiommu_backend b, char *buf,
		     size_t len)
{
	struct libiommu_ioctls_opts o = { .sz = sizeof(o), .backend = b };
	int n = libiommu_ioctls(fn, &o, 0, NULL), i;

	ck_assert_int_ge(n, 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		struct libiommu_ioctl e = entry(fn, &o, (size_t)i);

		ck_assert_msg(b == LIBIOMMU_BACKEND_AUTO || (e.backends & (1u << b)),
			      "%s: %s is not for backend %d", fn, e.name, b);
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i ? " " : "", e.name);
	}
}

START_TEST(the_backend_picks_the_rows)
{
	char buf[512];

	names_of("libiommu_ioas_map", LIBIOMMU_BACKEND_IOMMUFD, buf, sizeof(buf));
	ck_assert_str_eq(buf, "IOMMU_IOAS_MAP");
	names_of("libiommu_ioas_map", LIBIOMMU_BACKEND_TYPE1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "VFIO_IOMMU_MAP_DMA VFIO_IOMMU_UNMAP_DMA");
	names_of("libiommu_ioas_map", LIBIOMMU_BACKEND_AUTO, buf, sizeof(buf));
	ck_assert_str_eq(buf, "IOMMU_IOAS_MAP VFIO_IOMMU_MAP_DMA VFIO_IOMMU_UNMAP_DMA");
	names_of("libiommu_ioas_map_file", LIBIOMMU_BACKEND_TYPE1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(every_row_names_its_request_and_is_well_formed)
{
	size_t f, k;
	int n, i;

	NEED_MAP();
	for (f = 0; f < nr_functions; f++) {
		n = libiommu_ioctls(functions[f], NULL, 0, NULL);
		for (i = 0; i < n; i++) {
			struct libiommu_ioctl e = entry(functions[f], NULL, (size_t)i);

			ck_assert_ptr_nonnull(e.name);
			for (k = 0; k < ARRAY_LEN(known); k++)
				if (!strcmp(known[k].name, e.name))
					break;
			ck_assert_msg(k < ARRAY_LEN(known), "%s: unknown request name %s",
				      functions[f], e.name);
			ck_assert_msg(known[k].request == e.request,
				      "%s: %s is 0x%x, the row says 0x%x",
				      functions[f], e.name, known[k].request,
				      e.request);
			ck_assert_uint_lt(e.fd, LIBIOMMU_IOCTL_FD__COUNT);
			ck_assert_msg(e.backends && !(e.backends & ~0xeu),
				      "%s: %s: backends 0x%x", functions[f], e.name,
				      e.backends);
			ck_assert_uint_eq(e.flags & ~(LIBIOMMU_IOCTL_QUERY | LIBIOMMU_IOCTL_ON_FAILURE),
					  0);
			/* iommufd's and VFIO's ioctls go to the files they belong to */
			if (!strncmp(e.name, "IOMMU_", 6))
				ck_assert_uint_eq(e.fd, LIBIOMMU_IOCTL_FD_CTX);
			if (!strncmp(e.name, "LIBIOMMU_KMOD_", 14))
				ck_assert_uint_eq(e.fd, LIBIOMMU_IOCTL_FD_MODULE);
		}
	}
}
END_TEST

/*
 * What a VMM does under cloud-hypervisor's filter: every ioctl these
 * functions may issue on the iommufd, unless only a flag the VMM does not
 * pass asks for it, is one of the four.
 */
START_TEST(the_vmm_sequence_stays_inside_the_four_commands)
{
	static const char *const seq[] = {
		"libiommu_ctx_new",
		"libiommu_ioas_alloc",
		"libiommu_ioas_map",
		"libiommu_ioas_unmap",
		"libiommu_ioas_destroy",
		"libiommu_ctx_free",
	};
	static const uint32_t four[] = { LX_IOMMU_DESTROY, LX_IOMMU_IOAS_ALLOC,
					 LX_IOMMU_IOAS_MAP, LX_IOMMU_IOAS_UNMAP };
	struct libiommu_ioctls_opts o = { .sz = sizeof(o),
					  .backend = LIBIOMMU_BACKEND_IOMMUFD };
	size_t f, k;
	int n, i, seen = 0;

	for (f = 0; f < ARRAY_LEN(seq); f++) {
		n = libiommu_ioctls(seq[f], &o, 0, NULL);
		ck_assert_int_ge(n, 0);
		for (i = 0; i < n; i++) {
			struct libiommu_ioctl e = entry(seq[f], &o, (size_t)i);

			if (e.fd != LIBIOMMU_IOCTL_FD_CTX || e.call_flags)
				continue;
			for (k = 0; k < ARRAY_LEN(four); k++)
				if (four[k] == e.request)
					break;
			ck_assert_msg(k < ARRAY_LEN(four),
				      "%s may issue %s on the iommufd (%s): not one of the four",
				      seq[f], e.name, e.when ? e.when : "always");
			seen++;
		}
	}
	ck_assert_int_ge(seen, 4);
}
END_TEST

static const char *fd_word(uint32_t fd)
{
	static const char *const w[] = {
		[LIBIOMMU_IOCTL_FD_CTX] = "ctx",
		[LIBIOMMU_IOCTL_FD_DEV] = "device",
		[LIBIOMMU_IOCTL_FD_GROUP] = "group",
		[LIBIOMMU_IOCTL_FD_KVM_VM] = "VM",
		[LIBIOMMU_IOCTL_FD_KVM_DEV] = "kvm-vfio",
		[LIBIOMMU_IOCTL_FD_MODULE] = "module",
		[LIBIOMMU_IOCTL_FD_MIG] = "data fd",
	};

	return fd < ARRAY_LEN(w) ? w[fd] : "?";
}

static const char *backends_word(uint32_t b)
{
	switch (b) {
	case 0xe:
		return "all";
	case 1u << LIBIOMMU_BACKEND_IOMMUFD:
		return "iommufd";
	case (1u << LIBIOMMU_BACKEND_TYPE1) | (1u << LIBIOMMU_BACKEND_IOMMUFD_COMPAT):
		return "type1, compat";
	case 1u << LIBIOMMU_BACKEND_TYPE1:
		return "type1";
	default:
		return "?";
	}
}

/*
 * Append the man page's table (tbl source) to @out: first the functions
 * that issue no ioctl, then a table with a row per ioctl under a row per
 * function; -errno when the list cannot be read.  No assertions: it also
 * runs outside a test (--man-table).
 */
static int man_table(FILE *out)
{
	size_t f, none = 0;
	int n, i;

	fprintf(out, ".PP\nThese functions issue no ioctl:\n");
	for (f = 0; f < nr_functions; f++) {
		n = libiommu_ioctls(functions[f], NULL, 0, NULL);
		if (n < 0)
			return n;
		if (n == 0)
			fprintf(out, "%s.BR %s ()", none++ ? ",\n" : "", functions[f]);
	}
	fprintf(out, ".\n.PP\nThe others:\n");
	fprintf(out, ".TS\nallbox tab(|);\nlb lb.\n");
	fprintf(out, "Request|File; backends; when\n");
	for (f = 0; f < nr_functions; f++) {
		n = libiommu_ioctls(functions[f], NULL, 0, NULL);
		if (n <= 0)
			continue;
		fprintf(out, ".T&\nlb s.\n%s()\n.T&\nl lw(38n).\n",
			functions[f]);
		for (i = 0; i < n; i++) {
			struct libiommu_ioctl e = { .sz = sizeof(e) };
			int rc = libiommu_ioctls(functions[f], NULL, (size_t)i, &e);
			const char *q = e.flags & LIBIOMMU_IOCTL_QUERY ? "query" : "";

			if (rc < 0)
				return rc;
			fprintf(out, "%s|T{\n%s; %s; ", e.name, fd_word(e.fd),
				backends_word(e.backends));
			if (e.flags & LIBIOMMU_IOCTL_ON_FAILURE)
				fprintf(out, "%s%son failure: ", q, *q ? ", " : "");
			else if (*q)
				fprintf(out, "%s: ", q);
			fprintf(out, "%s\nT}\n", e.when ? e.when : "always");
		}
	}
	fprintf(out, ".TE\n");
	return 0;
}

#define MAN_BEGIN ".\\\" BEGIN TABLE (generated: tests/ioctls-list --man-table)\n"
#define MAN_END ".\\\" END TABLE\n"

START_TEST(the_man_page_table_is_what_the_function_says)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *page = NULL, *want = NULL, *b, *e;
	size_t plen = 0, wlen = 0;
	FILE *f, *m;
	bool same;

	NEED_MAP();
	snprintf(path, sizeof(path), "%s/man/libiommu_ioctls.3", top ? top : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	m = open_memstream(&page, &plen);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	m = open_memstream(&want, &wlen);
	ck_assert_int_eq(man_table(m), 0);
	fclose(m);
	b = strstr(page, MAN_BEGIN);
	e = b ? strstr(b, MAN_END) : NULL;
	ck_assert_msg(b && e, "%s has no generated table between its markers", path);
	b += strlen(MAN_BEGIN);
	same = (size_t)(e - b) == wlen && !memcmp(b, want, wlen);
	free(page);
	free(want);
	ck_assert_msg(same,
		      "%s's table differs from libiommu_ioctls(): regenerate it with tests/ioctls-list --man-table",
		      path);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("ioctls-list");
	TCase *tc;

	if (argc == 2 && !strcmp(argv[1], "--man-table")) {
		if (!read_map()) {
			fprintf(stderr, "cannot read lib/libiommu.map: set top_srcdir\n");
			return 2;
		}
		printf("%s", MAN_BEGIN);
		if (man_table(stdout))
			return 1;
		printf("%s", MAN_END);
		return 0;
	}
	tc = tu_tcase(s, "list");
	tcase_add_test(tc, every_exported_function_has_a_list);
	tcase_add_test(tc, an_unknown_function_is_enoent);
	tcase_add_test(tc, bad_arguments_are_refused);
	tcase_add_test(tc, result_struct_sizes_are_honoured);
	tcase_add_test(tc, the_backend_picks_the_rows);
	tcase_add_test(tc, every_row_names_its_request_and_is_well_formed);
	tcase_add_test(tc, the_vmm_sequence_stays_inside_the_four_commands);
	tcase_add_test(tc, the_man_page_table_is_what_the_function_says);
	return tu_run(s);
}
