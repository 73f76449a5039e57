/* SPDX-License-Identifier: MIT */
/*
 * dwarf/vmlcache.c: the cache file of the corpus 6.12 vmlinux (zstd-wrapped,
 * zlib-compressed DWARF) has the same sections, inflated, and gives the
 * same source lines; it is used only for files recorded as its sources;
 * wrong build-ids and non-ELF files leave no cache file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "dwarf/vmlcache.h"
#include "dwarf/vmlinux.h"

#define BUILD_ID "280c34ad87775d5a1867815cad74cca978154a7c"

struct state {
	char dir[64];
	char src[4096];
	char *cached;
};

static void rm_rf(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **st)
{
	static struct state s;
	const char *c = getenv("VMR_CORPUS");
	snprintf(s.src, sizeof(s.src), "%s/custom-6.12-vmlinux.zst",
		 c && *c ? c : "/work/shared/corpus");
	if (access(s.src, R_OK)) {
		fprintf(stderr, "%s: not readable\n", s.src);
		return -1;
	}
	strcpy(s.dir, "/tmp/vmr-vmlcache-XXXXXX");
	if (!mkdtemp(s.dir))
		return -1;
	*st = &s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;
	if (!s)
		return 0;
	free(s->cached);
	rm_rf(s->dir);
	return 0;
}

static void test_write(void **st)
{
	struct state *s = *st;
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/a/b", s->dir); /* made on the way */
	struct vmr_error *err = vmr_vmlcache_write(s->src, sub, BUILD_ID, &s->cached);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	assert_non_null(strstr(s->cached, "/a/b/" BUILD_ID ".vmlinux"));

	struct vmr_vmlinux *orig, *copy;
	assert_null(vmr_vmlinux_open(s->src, &orig));
	assert_null(vmr_vmlinux_open(s->cached, &copy));
	assert_true(vmr_vmlinux_compressed(orig));
	assert_false(vmr_vmlinux_compressed(copy));
	assert_string_equal(vmr_vmlinux_build_id(copy), BUILD_ID);
	assert_int_equal(vmr_vmlinux_symbol_count(copy), vmr_vmlinux_symbol_count(orig));

	/* Same bytes, compressed in one and plain in the other. */
	static const char *const secs[] = { ".text", ".rodata", ".BTF", ".debug_info",
					    ".debug_line", ".debug_abbrev", ".debug_str",
					    ".symtab", ".strtab", ".orc_unwind_ip" };
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		uint64_t a1, a2, n1, n2;
		const void *d1, *d2;
		err = vmr_vmlinux_section(orig, secs[i], &a1, &n1, &d1);
		if (err)
			fail_msg("%s: %s", secs[i], vmr_error_message(err));
		assert_null(vmr_vmlinux_section(copy, secs[i], &a2, &n2, &d2));
		assert_int_equal(a1, a2);
		assert_int_equal(n1, n2);
		assert_true(d1 && d2);
		if (memcmp(d1, d2, n1))
			fail_msg("section %s differs", secs[i]);
	}

	/* The same source line, without any inflating. */
	uint64_t addr;
	assert_true(vmr_vmlinux_symbol(copy, "_printk", &addr, NULL));
	struct vmr_source_line l1, l2;
	assert_null(vmr_vmlinux_source_line(orig, addr + 8, &l1));
	assert_null(vmr_vmlinux_source_line(copy, addr + 8, &l2));
	assert_string_equal(l1.file, l2.file);
	assert_int_equal(l1.line, l2.line);
	assert_true(l2.line > 0);
	vmr_vmlinux_close(orig);
	vmr_vmlinux_close(copy);

	/* The writer recorded its source; other files are not taken for it. */
	char *hit = vmr_vmlcache_lookup(sub, BUILD_ID, s->src);
	assert_non_null(hit);
	assert_string_equal(hit, s->cached);
	free(hit);
	assert_null(vmr_vmlcache_lookup(sub, BUILD_ID, "/etc/hostname"));
	assert_null(vmr_vmlcache_lookup(sub, "0123", s->src));
	vmr_vmlcache_note_source(sub, BUILD_ID, "/etc/hostname");
	hit = vmr_vmlcache_lookup(sub, BUILD_ID, "/etc/hostname");
	assert_non_null(hit);
	free(hit);
}

static void test_refused(void **st)
{
	struct state *s = *st;
	char sub[128], *out = (char *)1;
	snprintf(sub, sizeof(sub), "%s/refused", s->dir);
	/* another build-id: checked before the file is renamed into place */
	struct vmr_error *err = vmr_vmlcache_write(s->src, sub, "0123456789abcdef", &out);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_MISMATCH);
	assert_null(out);
	vmr_error_free(err);
	char path[256];
	snprintf(path, sizeof(path), "%s/0123456789abcdef.vmlinux", sub);
	assert_int_not_equal(access(path, F_OK), 0);

	err = vmr_vmlcache_write(s->src, sub, "../x", &out);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);

	/* not an ELF file */
	char junk[128];
	snprintf(junk, sizeof(junk), "%s/junk", s->dir);
	FILE *f = fopen(junk, "w");
	assert_non_null(f);
	fputs("not an ELF file\n", f);
	fclose(f);
	err = vmr_vmlcache_write(junk, sub, BUILD_ID, &out);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FORMAT);
	vmr_error_free(err);
	snprintf(path, sizeof(path), "%s/" BUILD_ID ".vmlinux", sub);
	assert_int_not_equal(access(path, F_OK), 0);
}

int main(void)
{
	/* The corpus vmlinux this test caches; another corpus may lack it. */
	const char *c = getenv("VMR_CORPUS");
	char src[4096];
	snprintf(src, sizeof(src), "%s/custom-6.12-vmlinux.zst", c && *c ? c : "/work/shared/corpus");
	if (access(src, R_OK)) {
		printf("skipped: no %s\n", src);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
