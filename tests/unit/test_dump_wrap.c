/* SPDX-License-Identifier: MIT */
/** @file test_dump_wrap.c  zstd-wrapped and flattened dumps (small synthetic files). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmregion/dump.h>
#include "fixtures/mkvmcore.h"

static const char vmcoreinfo[] = "OSRELEASE=6.12.0-wrap\nPAGESIZE=4096\n";

static const struct mkvmcore_load loads[] = {
	{ .paddr = 0, .filesz = 0x40000, .fill = MKVMCORE_FILL_ADDR },
	{ .paddr = 0x100000, .filesz = 0x3000, .memsz = 0x5000, .fill = MKVMCORE_FILL_ADDR },
};

static void write_elf(char *path, size_t len)
{
	struct mkvmcore_cpu cpu = { .prstatus = true, .pid = 7, .qemu = true,
				    .cr = { [3] = 0xabc000 } };
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 2, .cpus = &cpu, .ncpus = 1,
				      .vmcoreinfo = vmcoreinfo };
	assert_int_equal(mkvmcore_write(&spec, path, len), 0);
}

static struct vmr_dump *open_ok(const char *path)
{
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open(path, &d);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	return d;
}

static void expect_error(const char *path, enum vmr_errcode code, const char *what)
{
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open(path, &d);
	assert_non_null(err);
	assert_null(d);
	print_message("  %s\n", vmr_error_message(err));
	assert_int_equal(vmr_error_code(err), code);
	assert_non_null(strstr(vmr_error_message(err), path));
	if (what && !strstr(vmr_error_message(err), what))
		fail_msg("\"%s\" does not say \"%s\"", vmr_error_message(err), what);
	vmr_error_free(err);
}

/** The content of the synthetic dump, whatever the wrapping. */
static void check_content(struct vmr_dump *d)
{
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->format, VMR_DUMP_ELF);
	assert_int_equal(info->ncpus, 1);
	assert_int_equal(vmr_dump_cpu(d, 0)->pr_pid, 7);
	assert_int_equal(vmr_dump_cpu(d, 0)->cr[3], 0xabc000);
	const char *text;
	size_t len;
	assert_true(vmr_dump_vmcoreinfo(d, &text, &len));
	assert_int_equal(len, strlen(vmcoreinfo));
	assert_memory_equal(text, vmcoreinfo, len);
	for (uint64_t pa = 0; pa < 0x40000; pa += 0x1008) {
		uint64_t w;
		assert_null(vmr_dump_read_phys(d, pa, &w, 8));
		assert_int_equal(w, pa);
	}
	uint64_t w;
	assert_null(vmr_dump_read_phys(d, 0x102ff8, &w, 8));
	assert_int_equal(w, 0x102ff8);
	struct vmr_error *err = vmr_dump_read_phys(d, 0x103000, &w, 8);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
}

static void test_zstd(void **state)
{
	(void)state;
	char elf[256], zst[256];
	write_elf(elf, sizeof(elf));
	for (int sized = 0; sized < 2; sized++) {
		assert_int_equal(mkvmcore_zstd(elf, sized, zst, sizeof(zst)), 0);
		struct vmr_dump *d = open_ok(zst);
		assert_true(vmr_dump_get_info(d)->zstd_wrapped);
		assert_false(vmr_dump_get_info(d)->flattened);
		assert_string_equal(vmr_dump_path(d), zst);
		check_content(d);
		vmr_dump_close(d);
		unlink(zst);
	}
	unlink(elf);
}

static void test_zstd_corrupt(void **state)
{
	(void)state;
	char elf[256], zst[256];
	write_elf(elf, sizeof(elf));
	for (int sized = 0; sized < 2; sized++) {
		assert_int_equal(mkvmcore_zstd(elf, sized, zst, sizeof(zst)), 0);
		struct stat st;
		assert_int_equal(stat(zst, &st), 0);
		/* garbage in the middle of the compressed blocks */
		static const unsigned char junk[64] = {
			0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04,
		};
		assert_int_equal(mkvmcore_patch(zst, 12, junk, sizeof(junk)), 0);
		expect_error(zst, VMR_ERR_FORMAT, "zstd");
		unlink(zst);
		/* cut short */
		assert_int_equal(mkvmcore_zstd(elf, sized, zst, sizeof(zst)), 0);
		assert_int_equal(stat(zst, &st), 0);
		assert_int_equal(truncate(zst, st.st_size / 2), 0);
		expect_error(zst, VMR_ERR_FORMAT, "zstd");
		assert_int_equal(truncate(zst, 6), 0);
		expect_error(zst, VMR_ERR_FORMAT, "zstd");
		unlink(zst);
	}
	unlink(elf);
}

static void test_zstd_not_a_dump(void **state)
{
	(void)state;
	char txt[256], zst[256];
	static const char text[] = "hello, world\n";
	assert_int_equal(mkvmcore_write_bytes(text, sizeof(text) - 1, txt, sizeof(txt)), 0);
	assert_int_equal(mkvmcore_zstd(txt, true, zst, sizeof(zst)), 0);
	expect_error(zst, VMR_ERR_FORMAT, "unknown format");
	unlink(zst);
	/* an empty file compressed */
	assert_int_equal(truncate(txt, 0), 0);
	assert_int_equal(mkvmcore_zstd(txt, true, zst, sizeof(zst)), 0);
	expect_error(zst, VMR_ERR_FORMAT, "empty");
	unlink(zst);
	unlink(txt);
}

static void test_flattened_elf(void **state)
{
	(void)state;
	char elf[256], flat[256], zst[256];
	write_elf(elf, sizeof(elf));
	/* makedumpfile -F -E: an ELF dump as a flattened stream, any record order */
	static const struct { size_t record; int flags; } kinds[] = {
		{ 0, 0 }, { 777, MKVMCORE_FLAT_REVERSE }, { 1 << 20, 0 },
	};
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(mkvmcore_flatten(elf, kinds[k].record, kinds[k].flags, flat,
						  sizeof(flat)), 0);
		struct vmr_dump *d = open_ok(flat);
		assert_true(vmr_dump_get_info(d)->flattened);
		assert_false(vmr_dump_get_info(d)->zstd_wrapped);
		check_content(d);
		vmr_dump_close(d);
		unlink(flat);
	}
	/* zstd around a flattened stream */
	assert_int_equal(mkvmcore_flatten(elf, 0, 0, flat, sizeof(flat)), 0);
	assert_int_equal(mkvmcore_zstd(flat, true, zst, sizeof(zst)), 0);
	struct vmr_dump *d = open_ok(zst);
	assert_true(vmr_dump_get_info(d)->flattened);
	assert_true(vmr_dump_get_info(d)->zstd_wrapped);
	check_content(d);
	vmr_dump_close(d);
	unlink(zst);
	unlink(flat);
	unlink(elf);
}

static void test_flattened_broken(void **state)
{
	(void)state;
	char elf[256], flat[256];
	write_elf(elf, sizeof(elf));
	/* the last record cut in the middle: it runs past the end of the file */
	assert_int_equal(mkvmcore_flatten(elf, 0, 0, flat, sizeof(flat)), 0);
	struct stat st;
	assert_int_equal(stat(flat, &st), 0);
	assert_int_equal(truncate(flat, st.st_size - 16 - 100), 0);
	expect_error(flat, VMR_ERR_FORMAT, "past the end of the file");
	unlink(flat);
	/* no end marker */
	assert_int_equal(mkvmcore_flatten(elf, 0, MKVMCORE_FLAT_NO_END, flat, sizeof(flat)), 0);
	expect_error(flat, VMR_ERR_FORMAT, "no end marker");
	unlink(flat);
	/* a record whose size field is absurd */
	assert_int_equal(mkvmcore_flatten(elf, 0, 0, flat, sizeof(flat)), 0);
	static const unsigned char big[8] = { 0x00, 0x00, 0x10, 0, 0, 0, 0, 0 };
	assert_int_equal(mkvmcore_patch(flat, 4096 + 8, big, 8), 0);
	expect_error(flat, VMR_ERR_FORMAT, "past the end of the file");
	unlink(flat);
	/* the stream holds a broken ELF (program headers cut off) */
	assert_int_equal(truncate(elf, 100), 0);
	assert_int_equal(mkvmcore_flatten(elf, 0, 0, flat, sizeof(flat)), 0);
	expect_error(flat, VMR_ERR_FORMAT, "program headers");
	unlink(flat);
	unlink(elf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_zstd_corrupt),
		cmocka_unit_test(test_zstd_not_a_dump),
		cmocka_unit_test(test_flattened_elf),
		cmocka_unit_test(test_flattened_broken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
