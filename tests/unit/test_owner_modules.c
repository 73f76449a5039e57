/* SPDX-License-Identifier: MIT */
/*
 * owner/modules.c on synthetic memory: a modules list laid out here with
 * both module layouts (mem[] and core_layout/init_layout), module kallsyms,
 * and the corruptions a dump can hold (cycles, bad links, absurd counts,
 * names without NUL), served from a buffer by a read callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "owner/modules.h"

#define VBASE 0xffffffffc1000000ull /* where the fake kernel data lives */
#define MEMSZ (6u << 20)
#define HEAD 0x0
#define MOD(i) (0x1000 + 0x1000 * (uint64_t)(i))    /* struct module i */
#define KS(i) (0x100000 + 0x10000 * (uint64_t)(i))  /* its mod_kallsyms */
#define TEXT(i) (0xffffffffc0000000ull + 0x100000 * (uint64_t)(i)) /* not backed */

/* The struct layouts of this test (offsets in struct module). */
#define O_STATE 0x00
#define O_LIST 0x08
#define O_NAME 0x18
#define O_MEM 0x50 /* 7 x {u64 base; u32 size; pad} = 0x70 */
#define O_CORE 0x50 /* module_layout: base, size, text, ro, ro_after_init: 0x18 */
#define O_INIT 0x68
#define O_KALLSYMS 0xc0
#define O_PERCPU 0xc8
#define O_PERCPU_SIZE 0xd0
#define STRUCT_SIZE 0x100

struct mem {
	uint8_t *buf;
	size_t reads;
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	if (addr < VBASE || addr - VBASE >= MEMSZ || len > MEMSZ - (addr - VBASE))
		return vmr_error_fault(addr, "no memory at %#llx", (unsigned long long)addr);
	memcpy(out, m->buf + (addr - VBASE), len);
	return NULL;
}

static void put64(struct mem *m, uint64_t off, uint64_t v)
{
	memcpy(m->buf + off, &v, 8);
}

static void put32(struct mem *m, uint64_t off, uint32_t v)
{
	memcpy(m->buf + off, &v, 4);
}

static struct vmr_module_offsets offsets(bool mem_layout)
{
	struct vmr_module_offsets o;
	memset(&o, 0xff, sizeof(o));
	o.struct_size = STRUCT_SIZE;
	o.list = O_LIST;
	o.name = O_NAME;
	o.state = O_STATE;
	o.kallsyms = O_KALLSYMS;
	o.percpu = O_PERCPU;
	o.percpu_size = O_PERCPU_SIZE;
	o.has_mem = mem_layout;
	if (mem_layout) {
		o.mem = O_MEM;
		o.mem_stride = 0x10;
		o.mem_base = 0;
		o.mem_size = 8;
		o.mem_count = 7;
		for (unsigned i = 0; i < VMR_MOD_PART__COUNT; i++)
			o.mem_index[i] = i;
	} else {
		o.core_layout = O_CORE;
		o.init_layout = O_INIT;
		o.lay_base = 0;
		o.lay_size = 8;
		o.lay_text_size = 0xc;
		o.lay_ro_size = 0x10;
		o.lay_ro_after_init_size = 0x14;
	}
	o.ks_symtab = 0;
	o.ks_num_symtab = 8;
	o.ks_strtab = 0x10;
	o.ks_typetab = 0x18;
	return o;
}

struct tsym {
	const char *name;
	uint64_t value;
	uint16_t shndx;
};

/**
 * Write the kallsyms of module @p i: symtab (null symbol first) at KS+0x100,
 * strtab at KS+0x2000 (or at @p strtab_off if not 0), typetab right after it
 * unless @p no_typetab.
 */
static void put_kallsyms(struct mem *m, unsigned i, const struct tsym *s, size_t n,
			 uint64_t strtab_off, bool no_typetab)
{
	uint64_t ks = KS(i), symtab = ks + 0x100;
	uint64_t strtab = strtab_off ? strtab_off : ks + 0x2000;
	put64(m, MOD(i) + O_KALLSYMS, VBASE + ks);
	put64(m, ks + 0, VBASE + symtab);
	put32(m, ks + 8, (uint32_t)(n + 1));
	put64(m, ks + 0x10, VBASE + strtab);
	size_t pos = 1; /* strtab[0] = "" */
	m->buf[strtab] = '\0';
	for (size_t j = 0; j < n; j++) {
		uint8_t *e = m->buf + symtab + (j + 1) * 24;
		uint32_t name = (uint32_t)pos;
		size_t len = strlen(s[j].name) + 1;
		memcpy(m->buf + strtab + pos, s[j].name, len);
		pos += len;
		memcpy(e, &name, 4);
		e[4] = 0;
		e[5] = 0;
		memcpy(e + 6, &s[j].shndx, 2);
		memcpy(e + 8, &s[j].value, 8);
	}
	put64(m, ks + 0x18, no_typetab ? 0 : VBASE + strtab + pos);
}

/* Module i with the mem[] layout: text, data and rodata parts. */
static void put_module_mem(struct mem *m, unsigned i, const char *name, uint64_t next)
{
	uint64_t mod = MOD(i);
	put64(m, mod + O_LIST, next);
	memcpy(m->buf + mod + O_NAME, name, strlen(name) + 1);
	uint64_t t = TEXT(i);
	/* mem[MOD_TEXT], [MOD_DATA], [MOD_RODATA] */
	put64(m, mod + O_MEM + 0x00, t);
	put32(m, mod + O_MEM + 0x08, 0x2000);
	put64(m, mod + O_MEM + 0x10, t + 0x2000);
	put32(m, mod + O_MEM + 0x18, 0x1000);
	put64(m, mod + O_MEM + 0x20, t + 0x4000);
	put32(m, mod + O_MEM + 0x28, 0x1000);
	put64(m, mod + O_PERCPU, 0x34000 + 0x100 * i);
	put32(m, mod + O_PERCPU_SIZE, 0x100);
}

static struct mem *new_mem(void)
{
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	m->buf = calloc(1, MEMSZ + 64); /* slack past what the reader serves */
	assert_non_null(m->buf);
	return m;
}

static void free_mem(struct mem *m)
{
	free(m->buf);
	free(m);
}

/* Three modules a -> b -> c, each with a few symbols. */
static struct mem *three_modules(void)
{
	struct mem *m = new_mem();
	put64(m, HEAD, VBASE + MOD(0) + O_LIST);
	put_module_mem(m, 0, "alpha", VBASE + MOD(1) + O_LIST);
	put_module_mem(m, 1, "beta", VBASE + MOD(2) + O_LIST);
	put_module_mem(m, 2, "gamma", VBASE + HEAD);
	const struct tsym a[] = {
		{ "fn_a", TEXT(0) + 0x10, 1 },
		{ "$x", TEXT(0) + 0x20, 1 },      /* mapping symbol: skipped */
		{ ".LC0", TEXT(0) + 0x30, 1 },    /* local label: skipped (mem[] rule) */
		{ "fn_b", TEXT(0) + 0x40, 1 },
		{ "printk", 0, 0 },               /* undefined: skipped */
		{ "data_a", TEXT(0) + 0x2020, 2 },
		{ "data_b", TEXT(0) + 0x2060, 2 },
		{ "ro_a", TEXT(0) + 0x4000, 3 },
		{ "pcpu_a", 0x34000, 4 },
		{ "pcpu_b", 0x34010, 4 },
	};
	put_kallsyms(m, 0, a, sizeof(a) / sizeof(a[0]), 0, false);
	const struct tsym b[] = { { "beta_fn", TEXT(1) + 0x100, 1 } };
	put_kallsyms(m, 1, b, 1, 0, false);
	const struct tsym c[] = { { "gamma_fn", TEXT(2), 1 } };
	put_kallsyms(m, 2, c, 1, 0, false);
	return m;
}

static struct vmr_modules *walk_ok(struct mem *m, bool mem_layout)
{
	struct vmr_module_offsets o = offsets(mem_layout);
	struct vmr_modules *mods = NULL;
	struct vmr_error *err = vmr_modules_walk(mem_read, m, VBASE + HEAD, &o, &mods);
	assert_null(err);
	assert_non_null(mods);
	return mods;
}

static void test_three_modules(void **state)
{
	(void)state;
	struct mem *m = three_modules();
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 3);
	assert_int_equal(mods->nwarnings, 0);
	assert_string_equal(mods->mods[0].name, "alpha");
	assert_string_equal(mods->mods[1].name, "beta");
	assert_string_equal(mods->mods[2].name, "gamma");
	/* bulk reads: head, then per module struct, kallsyms, symtab, strtab */
	assert_true(m->reads <= 1 + 3 * 4);

	enum vmr_mod_part part;
	const struct vmr_module *mod = vmr_modules_find(mods, TEXT(0) + 0x14, &part);
	assert_non_null(mod);
	assert_string_equal(mod->name, "alpha");
	assert_int_equal(part, VMR_MOD_TEXT);
	const char *name;
	uint64_t start, size;
	assert_true(vmr_module_symbol(mod, TEXT(0) + 0x14, &name, &start, &size));
	assert_string_equal(name, "fn_a");
	assert_int_equal(start, TEXT(0) + 0x10);
	assert_int_equal(size, 0x30); /* to fn_b: "$x" and ".LC0" are no symbols */
	/* last text symbol: up to the end of the text part */
	assert_true(vmr_module_symbol(mod, TEXT(0) + 0x50, &name, &start, &size));
	assert_string_equal(name, "fn_b");
	assert_int_equal(size, 0x2000 - 0x40);
	/* before the first symbol of the part: nothing */
	assert_false(vmr_module_symbol(mod, TEXT(0) + 0x8, &name, &start, &size));

	/* data: bounded by the data part (mem[] kernels) */
	mod = vmr_modules_find(mods, TEXT(0) + 0x2030, &part);
	assert_non_null(mod);
	assert_int_equal(part, VMR_MOD_DATA);
	assert_true(vmr_module_symbol(mod, TEXT(0) + 0x2030, &name, &start, &size));
	assert_string_equal(name, "data_a");
	assert_int_equal(size, 0x40);
	assert_true(vmr_module_symbol(mod, TEXT(0) + 0x2070, &name, &start, &size));
	assert_string_equal(name, "data_b");
	assert_int_equal(size, 0x1000 - 0x60);
	mod = vmr_modules_find(mods, TEXT(0) + 0x4008, &part);
	assert_int_equal(part, VMR_MOD_RODATA);

	/* per-cpu symbols by per-cpu pointer */
	assert_true(vmr_module_percpu_symbol(&mods->mods[0], 0x34014, &name, &start, &size));
	assert_string_equal(name, "pcpu_b");
	assert_int_equal(start, 0x34010);
	assert_int_equal(size, 0xf0);
	assert_false(vmr_module_percpu_symbol(&mods->mods[0], 0x34100, &name, &start, &size));
	assert_false(vmr_module_percpu_symbol(&mods->mods[1], 0x34008, &name, &start, &size));

	/* other modules; an address in no module */
	mod = vmr_modules_find(mods, TEXT(2) + 0x10, &part);
	assert_non_null(mod);
	assert_true(vmr_module_symbol(mod, TEXT(2) + 0x10, &name, &start, &size));
	assert_string_equal(name, "gamma_fn");
	assert_null(vmr_modules_find(mods, TEXT(1) + 0x5000, &part));
	uint64_t dist;
	mod = vmr_modules_nearest(mods, TEXT(1) + 0x5000, &part, &dist);
	assert_non_null(mod);
	assert_string_equal(mod->name, "beta");
	assert_int_equal(part, VMR_MOD_RODATA);
	assert_int_equal(dist, 0x1);
	vmr_modules_free(mods);
	free_mem(m);
}

/* <= 6.3 layout: core/init module_layout, text-end bound for every part. */
static void test_core_layout(void **state)
{
	(void)state;
	struct mem *m = new_mem();
	uint64_t c = TEXT(0), in = TEXT(1);
	put64(m, HEAD, VBASE + MOD(0) + O_LIST);
	put64(m, MOD(0) + O_LIST, VBASE + HEAD);
	memcpy(m->buf + MOD(0) + O_NAME, "old", 4);
	put64(m, MOD(0) + O_CORE + 0, c);
	put32(m, MOD(0) + O_CORE + 8, 0x4000);
	put32(m, MOD(0) + O_CORE + 0xc, 0x1000);
	put32(m, MOD(0) + O_CORE + 0x10, 0x2000);
	put32(m, MOD(0) + O_CORE + 0x14, 0x3000);
	put64(m, MOD(0) + O_INIT + 0, in);
	put32(m, MOD(0) + O_INIT + 8, 0x2000);
	put32(m, MOD(0) + O_INIT + 0xc, 0x800);
	put32(m, MOD(0) + O_INIT + 0x10, 0x1000);
	put32(m, MOD(0) + O_INIT + 0x14, 0x1000);
	const struct tsym s[] = {
		{ "fn", c + 0x4, 1 },
		{ "fn2", c + 0x24, 1 },
		{ ".LC1", c + 0x10, 1 }, /* a symbol for <= 6.3 kernels */
		{ "ro", c + 0x1ee0, 2 },
		{ "d1", c + 0x3020, 3 },
		{ "d2", c + 0x3060, 3 },
		{ "init_fn", in + 0x10, 4 },
	};
	put_kallsyms(m, 0, s, sizeof(s) / sizeof(s[0]), 0, false);
	struct vmr_modules *mods = walk_ok(m, false);
	assert_int_equal(mods->n, 1);
	const struct vmr_module *mod = &mods->mods[0];
	enum vmr_mod_part part;
	assert_ptr_equal(vmr_modules_find(mods, c + 0x1800, &part), mod);
	assert_int_equal(part, VMR_MOD_RODATA);
	assert_ptr_equal(vmr_modules_find(mods, c + 0x2800, &part), mod);
	assert_int_equal(part, VMR_MOD_RO_AFTER_INIT);
	assert_ptr_equal(vmr_modules_find(mods, c + 0x3030, &part), mod);
	assert_int_equal(part, VMR_MOD_DATA);
	assert_ptr_equal(vmr_modules_find(mods, in + 0x900, &part), mod);
	assert_int_equal(part, VMR_MOD_INIT_RODATA);
	assert_null(vmr_modules_find(mods, c + 0x4000, &part));

	const char *name;
	uint64_t start, size;
	assert_true(vmr_module_symbol(mod, c + 0x14, &name, &start, &size));
	assert_string_equal(name, ".LC1");
	assert_int_equal(size, 0x14);
	/* data and rodata: the kernel bounds the size by the end of the core
	 * text, below the symbol: a wrapped "negative" size */
	assert_true(vmr_module_symbol(mod, c + 0x3030, &name, &start, &size));
	assert_string_equal(name, "d1");
	assert_int_equal(start, c + 0x3020);
	assert_int_equal(size, (uint64_t)0x1000 - 0x3020);
	assert_true(vmr_module_symbol(mod, c + 0x1ee8, &name, &start, &size));
	assert_string_equal(name, "ro");
	assert_int_equal(size, 0xfffffffffffff120ull);
	/* init text: bounded by the init text end */
	assert_true(vmr_module_symbol(mod, in + 0x20, &name, &start, &size));
	assert_string_equal(name, "init_fn");
	assert_int_equal(size, 0x800 - 0x10);
	vmr_modules_free(mods);
	free_mem(m);
}

static void test_cycle(void **state)
{
	(void)state;
	struct mem *m = three_modules();
	put64(m, MOD(2) + O_LIST, VBASE + MOD(1) + O_LIST); /* gamma -> beta */
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 3);
	assert_non_null(strstr(mods->warning, "cycle"));
	vmr_modules_free(mods);
	/* a module whose next is itself */
	put64(m, MOD(0) + O_LIST, VBASE + MOD(0) + O_LIST);
	mods = walk_ok(m, true);
	assert_int_equal(mods->n, 1);
	assert_non_null(strstr(mods->warning, "cycle"));
	vmr_modules_free(mods);
	free_mem(m);
}

static void test_corrupt_next(void **state)
{
	(void)state;
	struct mem *m = three_modules();
	put64(m, MOD(1) + O_LIST, 0x1234); /* beta -> garbage */
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 2);
	assert_non_null(strstr(mods->warning, "corrupt link"));
	vmr_modules_free(mods);
	/* a kernel address that is not in the dump */
	put64(m, MOD(1) + O_LIST, VBASE + MEMSZ + 0x1000);
	mods = walk_ok(m, true);
	assert_int_equal(mods->n, 2);
	assert_non_null(strstr(mods->warning, "unreadable"));
	vmr_modules_free(mods);
	/* misaligned */
	put64(m, MOD(1) + O_LIST, VBASE + MOD(2) + O_LIST + 3);
	mods = walk_ok(m, true);
	assert_int_equal(mods->n, 2);
	vmr_modules_free(mods);
	free_mem(m);
}

static void test_absurd_num_symtab(void **state)
{
	(void)state;
	struct mem *m = three_modules();
	put32(m, KS(1) + 8, 0x7fffffff);
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 3);
	assert_int_equal(mods->mods[1].nsyms, 0);
	assert_non_null(strstr(mods->warning, "absurd"));
	assert_true(mods->mods[2].nsyms == 1); /* the walk went on */
	/* the module is still known, without symbols */
	enum vmr_mod_part part;
	const struct vmr_module *mod = vmr_modules_find(mods, TEXT(1) + 0x100, &part);
	assert_non_null(mod);
	assert_false(vmr_module_symbol(mod, TEXT(1) + 0x100, NULL, NULL, NULL));
	vmr_modules_free(mods);
	free_mem(m);
}

static void test_name_without_nul(void **state)
{
	(void)state;
	struct mem *m = three_modules();
	memset(m->buf + MOD(1) + O_NAME, 'A', VMR_MOD_NAME_LEN);
	m->buf[MOD(1) + O_NAME + 3] = '\n'; /* not printable */
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 3);
	assert_int_equal(strlen(mods->mods[1].name), VMR_MOD_NAME_LEN);
	assert_int_equal(mods->mods[1].name[3], '?');
	assert_non_null(strstr(mods->warning, "NUL"));
	vmr_modules_free(mods);
	free_mem(m);
}

/* strtab without typetab at the end of memory: read up to the first fault. */
static void test_strtab_at_end(void **state)
{
	(void)state;
	struct mem *m = three_modules();
	const struct tsym s[] = { { "last_fn", TEXT(2) + 0x8, 1 }, { "cut", TEXT(2) + 0x10, 1 } };
	put_kallsyms(m, 2, s, 2, MEMSZ - 12, true); /* "\0last_fn\0cu" fits */
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 3);
	const struct vmr_module *g = &mods->mods[2];
	assert_int_equal(g->nsyms, 1); /* "cut" lost its NUL */
	assert_non_null(strstr(mods->warning, "outside the strtab"));
	const char *name;
	assert_true(vmr_module_symbol(g, TEXT(2) + 0x20, &name, NULL, NULL));
	assert_string_equal(name, "last_fn");
	vmr_modules_free(mods);
	free_mem(m);
}

static void test_empty_and_bad_head(void **state)
{
	(void)state;
	struct mem *m = new_mem();
	put64(m, HEAD, VBASE + HEAD);
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, 0);
	assert_null(vmr_modules_find(mods, TEXT(0), NULL));
	assert_null(vmr_modules_nearest(mods, TEXT(0), NULL, NULL));
	vmr_modules_free(mods);
	struct vmr_module_offsets o = offsets(true);
	struct vmr_error *err = vmr_modules_walk(mem_read, m, 0xffffffff00000000ull, &o, &mods);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	assert_null(mods);
	vmr_error_free(err);
	/* implausible offsets are refused before any read */
	o.name = STRUCT_SIZE - 8;
	err = vmr_modules_walk(mem_read, m, VBASE + HEAD, &o, &mods);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
	free_mem(m);
}

/* A list longer than VMR_MAX_MODULES (no cycle) ends at the bound. */
static void test_too_many(void **state)
{
	(void)state;
	struct mem *m = new_mem();
	const uint64_t stride = 0x200, first = 0x1000;
	const unsigned n = VMR_MAX_MODULES + 10;
	assert_true(first + n * stride + STRUCT_SIZE < MEMSZ);
	put64(m, HEAD, VBASE + first + O_LIST);
	for (unsigned i = 0; i < n; i++)
		put64(m, first + i * stride + O_LIST, VBASE + first + (i + 1) * stride + O_LIST);
	struct vmr_modules *mods = walk_ok(m, true);
	assert_int_equal(mods->n, VMR_MAX_MODULES);
	assert_non_null(strstr(mods->warning, "more than"));
	vmr_modules_free(mods);
	free_mem(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_modules),
		cmocka_unit_test(test_core_layout),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_corrupt_next),
		cmocka_unit_test(test_absurd_num_symtab),
		cmocka_unit_test(test_name_without_nul),
		cmocka_unit_test(test_strtab_at_end),
		cmocka_unit_test(test_empty_and_bad_head),
		cmocka_unit_test(test_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
