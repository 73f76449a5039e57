/* SPDX-License-Identifier: MIT */
/*
 * plugin/symfile.c: the ELF symbol file read back with libelf: every kept
 * symbol lies in a section of its kind (SHF_EXECINSTR for functions) that
 * covers it, locals come first, per-cpu offsets, empty names and symbols
 * out of address order are left out; module symbols get sections of
 * their own named after the module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "plugin/symfile.h"

static const struct vmr_symbol syms[] = {
	{ "irq_stack_backing_store", 0x4000, 0x8000, 'A', NULL }, /* per-cpu offset */
	{ "_stext", 0xffffffff81000000, 0x10, 'T', NULL },
	{ "startup", 0xffffffff81000000, 0x10, 't', NULL },  /* an alias */
	{ "helper", 0xffffffff81000010, 0xff0, 't', NULL },
	{ "", 0xffffffff81000020, 0, 't', NULL },
	{ "init_task", 0xffffffff82000000, 0x3000, 'D', NULL },
	{ "weak_obj", 0xffffffff82003000, 0x100, 'V', NULL },
	{ "early", 0xffffffff81800000, 8, 'T', NULL },       /* out of order */
	{ "init_fn", 0xffffffff83000000, 0x40, 'W', NULL },
	{ "last", 0xffffffff83000040, 0, 'b', NULL },
};

struct sym_want {
	const char *name;
	unsigned char type, bind;
	uint64_t value, size;
};

static const struct sym_want want[] = {
	/* an alias after the first name at its address: no size, so that gdb
	 * names _stext there as kallsyms does */
	{ "startup", STT_FUNC, STB_LOCAL, 0xffffffff81000000, 0 },
	{ "helper", STT_FUNC, STB_LOCAL, 0xffffffff81000010, 0xff0 },
	{ "last", STT_OBJECT, STB_LOCAL, 0xffffffff83000040, 0 },
	{ "_stext", STT_FUNC, STB_GLOBAL, 0xffffffff81000000, 0x10 },
	{ "init_task", STT_OBJECT, STB_GLOBAL, 0xffffffff82000000, 0x3000 },
	{ "weak_obj", STT_OBJECT, STB_WEAK, 0xffffffff82003000, 0x100 },
	{ "init_fn", STT_FUNC, STB_WEAK, 0xffffffff83000000, 0x40 },
};

static void test_read_back(void **st)
{
	(void)st;
	char path[] = "/tmp/vmr-symfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct vmr_error *err = vmr_symfile_write(path, syms, sizeof(syms) / sizeof(syms[0]));
	assert_null(err);

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	GElf_Ehdr eh;
	assert_non_null(gelf_getehdr(e, &eh));
	assert_int_equal(eh.e_machine, EM_X86_64);
	assert_int_equal(eh.e_type, ET_EXEC);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);

	Elf_Scn *symscn = NULL, *scn = NULL;
	GElf_Shdr symsh = { 0 }, sh;
	size_t nnobits = 0;
	while ((scn = elf_nextscn(e, scn))) {
		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
		}
		nnobits += sh.sh_type == SHT_NOBITS;
	}
	assert_non_null(symscn);
	assert_int_equal(nnobits, 4); /* text, data, text, data */
	Elf_Data *d = elf_getdata(symscn, NULL);
	size_t n = symsh.sh_size / symsh.sh_entsize;
	assert_int_equal(n, 1 + sizeof(want) / sizeof(want[0]));
	assert_int_equal(symsh.sh_info, 4); /* the first global */
	for (size_t i = 1; i < n; i++) {
		GElf_Sym s;
		assert_non_null(gelf_getsym(d, (int)i, &s));
		const char *name = elf_strptr(e, symsh.sh_link, s.st_name);
		const struct sym_want *w = &want[i - 1];
		assert_string_equal(name, w->name);
		assert_int_equal(GELF_ST_TYPE(s.st_info), w->type);
		assert_int_equal(GELF_ST_BIND(s.st_info), w->bind);
		assert_int_equal(s.st_value, w->value);
		assert_int_equal(s.st_size, w->size);
		/* Its section covers it and has its kind. */
		assert_non_null(gelf_getshdr(elf_getscn(e, s.st_shndx), &sh));
		assert_int_equal(sh.sh_type, SHT_NOBITS);
		assert_true(s.st_value >= sh.sh_addr && s.st_value < sh.sh_addr + sh.sh_size);
		assert_int_equal(!!(sh.sh_flags & SHF_EXECINSTR), w->type == STT_FUNC);
		assert_true(sh.sh_flags & SHF_ALLOC);
	}
	elf_end(e);
	close(fd);
	unlink(path);
}

static void test_modules(void **st)
{
	(void)st;
	static const struct vmr_symbol mods[] = {
		{ "a_fn", 0xffffffffc0000000, 0x20, 't', "mod_a" },
		{ "b_fn", 0xffffffffc0000020, 0x20, 't', "mod_b" },
		{ "b_var", 0xffffffffc0001000, 0x8, 'd', "mod_b" },
	};
	static const char *const names[] = { ".text [mod_a]", ".text [mod_b]", ".data [mod_b]" };
	char path[] = "/tmp/vmr-symfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_null(vmr_symfile_write(path, mods, 3));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	size_t shstrndx;
	assert_int_equal(elf_getshdrstrndx(e, &shstrndx), 0);
	Elf_Scn *scn = NULL;
	size_t i = 0;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(e, scn)) && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOBITS) {
		assert_true(i < 3);
		assert_string_equal(elf_strptr(e, shstrndx, sh.sh_name), names[i]);
		assert_int_equal(sh.sh_addr, mods[i].addr);
		i++;
	}
	assert_int_equal(i, 3);
	elf_end(e);
	close(fd);
	unlink(path);
}

static void test_empty_and_bad_path(void **st)
{
	(void)st;
	char path[] = "/tmp/vmr-symfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_null(vmr_symfile_write(path, NULL, 0));
	unlink(path);
	struct vmr_error *err = vmr_symfile_write("/nonexistent-dir/x.sym", syms, 2);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_IO);
	vmr_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_empty_and_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
