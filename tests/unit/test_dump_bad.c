/* SPDX-License-Identifier: MIT */
/**
 * @file test_dump_bad.c  Broken input: every case is one clean error that
 * names the file, never a crash (run under -fsanitize=address,undefined).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmregion/dump.h>
#include "fixtures/mkvmcore.h"

/** Opening @p path fails with @p code, a one-line message naming @p path and @p what. */
static void expect_error(const char *path, enum vmr_errcode code, const char *what)
{
	struct vmr_dump *d = (struct vmr_dump *)0x1;
	struct vmr_error *err = vmr_dump_open(path, &d);
	assert_non_null(err);
	assert_null(d);
	const char *msg = vmr_error_message(err);
	print_message("  %s\n", msg);
	assert_int_equal(vmr_error_code(err), code);
	assert_non_null(strstr(msg, path));
	assert_null(strchr(msg, '\n'));
	if (what && !strstr(msg, what))
		fail_msg("message \"%s\" does not say \"%s\"", msg, what);
	vmr_error_free(err);
}

static void bytes_case(const void *data, size_t len, enum vmr_errcode code, const char *what)
{
	char path[256];
	assert_int_equal(mkvmcore_write_bytes(data, len, path, sizeof(path)), 0);
	expect_error(path, code, what);
	unlink(path);
}

static void test_empty(void **state)
{
	(void)state;
	bytes_case("", 0, VMR_ERR_FORMAT, "empty file");
}

/* A zstd frame of a few bytes that declares gigabytes (its content size
 * field): refused before anything of that size is allocated. */
static void test_zstd_declared_size_lie(void **state)
{
	(void)state;
	/* magic, frame header: FCS 8 bytes (~18 GiB), then one RLE block */
	static const unsigned char bomb[] = {
		0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0xff, 0xd1, 0x8a, 0x74, 0x04, 0x00, 0x00,
		0x00, 0x72, 0x74, 0x61, 0x62, 0x09, 0x00, 0x00, 0x80,
	};
	bytes_case(bomb, sizeof(bomb), VMR_ERR_FORMAT, "more than it can hold");
}

static void test_ten_bytes(void **state)
{
	(void)state;
	bytes_case("0123456789", 10, VMR_ERR_FORMAT, "unknown format");
	bytes_case("\177ELF\2\1\1\0\0\0", 10, VMR_ERR_FORMAT, "truncated ELF header");
	bytes_case("KDUMP   \6\0", 10, VMR_ERR_FORMAT, "truncated kdump header");
	bytes_case("makedumpfi", 10, VMR_ERR_FORMAT, "unknown format");
}

static void test_text_file(void **state)
{
	(void)state;
	static const char text[] = "This is not a crash dump.\nJust some text.\n";
	bytes_case(text, sizeof(text) - 1, VMR_ERR_FORMAT, "not a crash dump (unknown format)");
}

static void test_missing_and_directory(void **state)
{
	(void)state;
	expect_error("/nonexistent/vmcore", VMR_ERR_IO, "No such file");
	expect_error("/tmp", VMR_ERR_IO, "directory");
	struct vmr_dump *d;
	struct vmr_error *err = vmr_dump_open(NULL, &d);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
}

/** A valid small dump to break in various ways. */
static int write_small(char *path, size_t len, struct mkvmcore_layout *lay)
{
	static const struct mkvmcore_load loads[] = {
		{ .paddr = 0, .filesz = 0x1000, .fill = MKVMCORE_FILL_ADDR },
		{ .paddr = 0x2000, .filesz = 0x1000, .fill = MKVMCORE_FILL_ADDR },
	};
	static const struct mkvmcore_cpu cpu = { .prstatus = true, .qemu = true };
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 2, .cpus = &cpu, .ncpus = 1,
				      .vmcoreinfo = "OSRELEASE=6.1.0\n" };
	return mkvmcore_write_layout(&spec, path, len, lay);
}

static void test_elf_truncated_phdrs(void **state)
{
	(void)state;
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	assert_int_equal(truncate(path, (off_t)(lay.phoff + sizeof(Elf64_Phdr) + 10)), 0);
	expect_error(path, VMR_ERR_FORMAT, "program headers");
	unlink(path);
}

static void test_elf_note_past_end(void **state)
{
	(void)state;
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	/* descsz of the first note (NT_PRSTATUS) made huge */
	uint32_t descsz = 0x7ffffff0;
	assert_int_equal(mkvmcore_patch(path, lay.note_offset + 4, &descsz, 4), 0);
	expect_error(path, VMR_ERR_FORMAT, "past the end of the notes");
	unlink(path);
	/* namesz too */
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	uint32_t namesz = 0xffffffff;
	assert_int_equal(mkvmcore_patch(path, lay.note_offset, &namesz, 4), 0);
	expect_error(path, VMR_ERR_FORMAT, "past the end of the notes");
	unlink(path);
}

static void test_elf_note_segment_past_end(void **state)
{
	(void)state;
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	uint64_t filesz = 0x100000000ULL;
	assert_int_equal(mkvmcore_patch(path, lay.phoff + offsetof(Elf64_Phdr, p_filesz),
					&filesz, 8), 0);
	expect_error(path, VMR_ERR_FORMAT, "PT_NOTE");
	uint64_t offset = UINT64_MAX - 4;
	filesz = 16;
	assert_int_equal(mkvmcore_patch(path, lay.phoff + offsetof(Elf64_Phdr, p_filesz),
					&filesz, 8), 0);
	assert_int_equal(mkvmcore_patch(path, lay.phoff + offsetof(Elf64_Phdr, p_offset),
					&offset, 8), 0);
	expect_error(path, VMR_ERR_FORMAT, "PT_NOTE");
	unlink(path);
}

static void test_elf_short_notes(void **state)
{
	(void)state;
	/* A QEMU note whose size says 100 and an NT_PRSTATUS of 200 bytes. */
	static const unsigned char bad_qemu[] = {
		5, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 'Q', 'E', 'M', 'U', 0, 0, 0, 0,
		1, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct mkvmcore_spec spec = { .extra_notes = bad_qemu,
				      .extra_notes_len = sizeof(bad_qemu) };
	char path[256];
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	expect_error(path, VMR_ERR_FORMAT, "QEMU CPU-state");
	unlink(path);
	unsigned char bad_prstatus[12 + 8 + 200] = { 5, 0, 0, 0, 200, 0, 0, 0, 1, 0, 0, 0,
						     'C', 'O', 'R', 'E' };
	spec.extra_notes = bad_prstatus;
	spec.extra_notes_len = sizeof(bad_prstatus);
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	expect_error(path, VMR_ERR_FORMAT, "NT_PRSTATUS");
	unlink(path);
}

static void test_elf_huge_phnum(void **state)
{
	(void)state;
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	uint16_t phnum = 0xfffe;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), &phnum, 2), 0);
	expect_error(path, VMR_ERR_FORMAT, "program headers");
	/* PN_XNUM without section headers */
	phnum = PN_XNUM;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_phnum), &phnum, 2), 0);
	expect_error(path, VMR_ERR_FORMAT, "PN_XNUM");
	unlink(path);

	/* PN_XNUM with an absurd real count in section header 0 */
	static const struct mkvmcore_load loads[] = { { .paddr = 0, .filesz = 0x1000 } };
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 1, .pn_xnum = true };
	assert_int_equal(mkvmcore_write_layout(&spec, path, sizeof(path), &lay), 0);
	uint32_t info = 0xffffffff;
	assert_int_equal(mkvmcore_patch(path, lay.shoff + offsetof(Elf64_Shdr, sh_info), &info, 4), 0);
	expect_error(path, VMR_ERR_LIMIT, "program headers");
	info = 100000;
	assert_int_equal(mkvmcore_patch(path, lay.shoff + offsetof(Elf64_Shdr, sh_info), &info, 4), 0);
	expect_error(path, VMR_ERR_FORMAT, "program headers");
	info = 0;
	assert_int_equal(mkvmcore_patch(path, lay.shoff + offsetof(Elf64_Shdr, sh_info), &info, 4), 0);
	expect_error(path, VMR_ERR_FORMAT, "without program headers");
	unlink(path);
}

static void test_elf_bad_header(void **state)
{
	(void)state;
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	uint16_t v = EM_AARCH64;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_machine), &v, 2), 0);
	expect_error(path, VMR_ERR_UNSUPPORTED, "x86_64");
	v = EM_X86_64;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_machine), &v, 2), 0);
	v = ET_EXEC;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_type), &v, 2), 0);
	expect_error(path, VMR_ERR_FORMAT, "not a core dump");
	v = ET_CORE;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_type), &v, 2), 0);
	v = 20;
	assert_int_equal(mkvmcore_patch(path, offsetof(Elf64_Ehdr, e_phentsize), &v, 2), 0);
	expect_error(path, VMR_ERR_FORMAT, "e_phentsize");
	unsigned char c = ELFCLASS32;
	assert_int_equal(mkvmcore_patch(path, EI_CLASS, &c, 1), 0);
	expect_error(path, VMR_ERR_FORMAT, "64-bit");
	unlink(path);
}

static void test_elf_load_overflow(void **state)
{
	(void)state;
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(write_small(path, sizeof(path), &lay), 0);
	uint64_t paddr = UINT64_MAX - 0x10;
	assert_int_equal(mkvmcore_patch(path, lay.phoff + sizeof(Elf64_Phdr) +
						 offsetof(Elf64_Phdr, p_paddr), &paddr, 8), 0);
	expect_error(path, VMR_ERR_FORMAT, "overflows");
	unlink(path);
}

/** A kdump header to break: signature, version 6, block size 4096, etc. */
static void kdump_header(unsigned char *h, size_t len)
{
	memset(h, 0, len);
	memcpy(h, "KDUMP   ", 8);
	int32_t v = 6;
	memcpy(h + 8, &v, 4);
	v = 4096;
	memcpy(h + 428, &v, 4); /* block_size */
	v = 1;
	memcpy(h + 432, &v, 4); /* sub_hdr_size */
	v = 2;
	memcpy(h + 436, &v, 4); /* bitmap_blocks */
	v = 16;
	memcpy(h + 440, &v, 4); /* max_mapnr */
}

static void test_kdump_bad_header(void **state)
{
	(void)state;
	size_t len = 4096 * 4;
	unsigned char *h = malloc(len);
	assert_non_null(h);
	int32_t v;
	static const int32_t bad_sizes[] = { 12345, 0, -4096, 1 << 30, 2048 };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		kdump_header(h, len);
		v = bad_sizes[i];
		memcpy(h + 428, &v, 4);
		bytes_case(h, len, VMR_ERR_FORMAT, "block_size");
	}
	kdump_header(h, len);
	v = 0x7fffffff;
	memcpy(h + 436, &v, 4); /* bitmap_blocks past the end */
	bytes_case(h, len, VMR_ERR_FORMAT, "bitmap");
	kdump_header(h, len);
	v = -1;
	memcpy(h + 432, &v, 4);
	bytes_case(h, len, VMR_ERR_FORMAT, "sub_hdr_size");
	kdump_header(h, len);
	v = 0x7fffffff;
	memcpy(h + 440, &v, 4); /* max_mapnr larger than the bitmap */
	bytes_case(h, len, VMR_ERR_FORMAT, "max_mapnr");
	/* notes past the end of the file */
	kdump_header(h, len);
	uint64_t off = 4096 * 3, size = 1 << 20;
	memcpy(h + 4096 + 48, &off, 8);
	memcpy(h + 4096 + 56, &size, 8);
	bytes_case(h, len, VMR_ERR_FORMAT, "kdump notes");
	/* notes with a descsz past their end */
	kdump_header(h, len);
	size = 64;
	memcpy(h + 4096 + 48, &off, 8);
	memcpy(h + 4096 + 56, &size, 8);
	uint32_t nhdr[3] = { 5, 1000, 1 };
	memcpy(h + off, nhdr, sizeof(nhdr));
	memcpy(h + off + 12, "CORE", 5);
	bytes_case(h, len, VMR_ERR_FORMAT, "past the end of the notes");
	/* VMCOREINFO of absurd size */
	kdump_header(h, len);
	size = (uint64_t)1 << 40;
	memcpy(h + 4096 + 32, &off, 8);
	memcpy(h + 4096 + 40, &size, 8);
	bytes_case(h, len, VMR_ERR_LIMIT, "VMCOREINFO");
	/* Headers only, no pages: opens, and every read faults. */
	kdump_header(h, len);
	char path[256];
	assert_int_equal(mkvmcore_write_bytes(h, len, path, sizeof(path)), 0);
	struct vmr_dump *d;
	struct vmr_error *err = vmr_dump_open(path, &d);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	assert_int_equal(vmr_dump_get_info(d)->ncpus, 0);
	assert_int_equal(vmr_dump_get_info(d)->memory_bytes, 0);
	assert_false(vmr_dump_vmcoreinfo(d, NULL, NULL));
	assert_false(vmr_dump_has_phys(d, 0x1000));
	uint64_t w;
	err = vmr_dump_read_phys(d, 0x1000, &w, 8);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
	vmr_dump_close(d);
	unlink(path);
	free(h);
}

static void test_flat_bad(void **state)
{
	(void)state;
	unsigned char h[4096 + 16 * 3 + 8] = { 0 };
	memcpy(h, "makedumpfile", 12);
	h[23] = 1;
	h[31] = 1;
	/* one record of 8 bytes at offset 0, then the end marker */
	unsigned char *r = h + 4096;
	r[15] = 8;
	memset(r + 16, 'x', 8);
	memset(r + 24, 0xff, 16);
	/* the whole stream is fine but what it holds is not a dump */
	bytes_case(h, sizeof(h) - 8, VMR_ERR_FORMAT, "reassembled");
	/* a record past the end of the file */
	r[14] = 0x10;
	bytes_case(h, sizeof(h) - 8, VMR_ERR_FORMAT, "past the end of the file");
	r[14] = 0;
	/* a negative offset */
	r[0] = 0x80;
	bytes_case(h, sizeof(h) - 8, VMR_ERR_FORMAT, "negative");
	r[0] = 0;
	/* an offset past every limit */
	r[1] = 0x7f;
	bytes_case(h, sizeof(h) - 8, VMR_ERR_LIMIT, "limit");
	r[1] = 0;
	/* no end marker */
	bytes_case(h, 4096 + 24, VMR_ERR_FORMAT, "no end marker");
	/* header only, cut */
	bytes_case(h, 100, VMR_ERR_FORMAT, "truncated flattened header");
	/* wrong version */
	h[31] = 2;
	bytes_case(h, sizeof(h) - 8, VMR_ERR_UNSUPPORTED, "version");
	h[31] = 1;
	/* an end marker only: no data */
	memset(r, 0xff, 16);
	bytes_case(h, 4096 + 16, VMR_ERR_FORMAT, "no data");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ten_bytes),
		cmocka_unit_test(test_zstd_declared_size_lie),
		cmocka_unit_test(test_text_file),
		cmocka_unit_test(test_missing_and_directory),
		cmocka_unit_test(test_elf_truncated_phdrs),
		cmocka_unit_test(test_elf_note_past_end),
		cmocka_unit_test(test_elf_note_segment_past_end),
		cmocka_unit_test(test_elf_short_notes),
		cmocka_unit_test(test_elf_huge_phnum),
		cmocka_unit_test(test_elf_bad_header),
		cmocka_unit_test(test_elf_load_overflow),
		cmocka_unit_test(test_kdump_bad_header),
		cmocka_unit_test(test_flat_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
