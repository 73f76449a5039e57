/* SPDX-License-Identifier: MIT */
/*
 * dwarf/kallsyms.c on kallsyms tables encoded here the way
 * scripts/kallsyms.c writes them (token table, two-byte lengths, both
 * offset schemes and kallsyms_addresses), served from a buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "dwarf/kallsyms.h"

#define VBASE 0xffffffff82000000ull /* where the fake tables live */
#define TEXT 0xffffffff81000000ull  /* relative_base = _text */

/* Offsets of the tables in the buffer. */
#define O_NUM 0x0
#define O_BASE 0x8
#define O_TOKIDX 0x100
#define O_TOKTAB 0x400
#define O_OFFSETS 0x4000

struct mem {
	uint8_t *buf;
	size_t len;
	size_t reads;
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	if (addr < VBASE || addr - VBASE > m->len)
		return vmr_error_fault(addr, "no memory at %#lx", (unsigned long)addr);
	if (len > m->len - (addr - VBASE))
		return vmr_error_fault(VBASE + m->len, "no memory at %#lx",
				       (unsigned long)(VBASE + m->len));
	memcpy(out, m->buf + (addr - VBASE), len);
	return NULL;
}

struct sym {
	const char *name;
	char type;
	uint64_t addr;
	bool percpu;
};

enum scheme { ABS_PERCPU, RELATIVE, ADDRESSES };

/* Tokens: printable characters stand for themselves; a few slots hold
 * multi-character tokens, as the kernel's compressor makes them. */
static const char *const multi[] = { "sys_", "crash", "jiffies", "__", "_64", "Tsys_" };

struct table {
	struct mem mem;
	struct vmr_kallsyms_addrs addrs;
	size_t names_off; /* where kallsyms_names starts */
	size_t names_len;
};

static size_t put_token(char *table, uint16_t *index, size_t pos, int slot, const char *s)
{
	index[slot] = (uint16_t)pos;
	size_t n = strlen(s) + 1;
	memcpy(table + pos, s, n);
	return pos + n;
}

/** Encode @p syms (already in kallsyms order) into a fresh buffer. */
static void encode(struct table *t, const struct sym *syms, size_t n, enum scheme sc)
{
	size_t names_off = O_OFFSETS + ((n * 8 + 0xfff) & ~(size_t)0xfff);
	size_t cap = names_off + n * (2 + 600) + 16;
	memset(t, 0, sizeof(*t));
	t->mem.buf = calloc(1, cap);
	assert_non_null(t->mem.buf);
	uint8_t *b = t->mem.buf;

	uint16_t index[256];
	char *table = (char *)b + O_TOKTAB;
	size_t pos = 0;
	for (int i = 0; i < 256; i++) {
		char s[2] = { (char)i, 0 };
		if (i >= 1 && i <= (int)(sizeof(multi) / sizeof(multi[0])))
			pos = put_token(table, index, pos, i, multi[i - 1]);
		else if (i >= 0x20 && i < 0x7f)
			pos = put_token(table, index, pos, i, s);
		else
			pos = put_token(table, index, pos, i, "?"); /* unused */
	}
	memcpy(b + O_TOKIDX, index, sizeof(index));

	uint32_t num = (uint32_t)n;
	memcpy(b + O_NUM, &num, 4);
	uint64_t base = TEXT;
	memcpy(b + O_BASE, &base, 8);

	size_t np = names_off;
	for (size_t i = 0; i < n; i++) {
		char full[600];
		snprintf(full, sizeof(full), "%c%s", syms[i].type, syms[i].name);
		uint8_t enc[600];
		size_t len = 0;
		for (const char *p = full; *p;) {
			int best = (uint8_t)*p;
			size_t blen = 1;
			for (size_t k = 0; k < sizeof(multi) / sizeof(multi[0]); k++) {
				size_t ml = strlen(multi[k]);
				if (ml > blen && !strncmp(p, multi[k], ml)) {
					best = (int)k + 1;
					blen = ml;
				}
			}
			enc[len++] = (uint8_t)best;
			p += blen;
		}
		if (len >= 0x80) {
			b[np++] = (uint8_t)(0x80 | (len & 0x7f));
			b[np++] = (uint8_t)(len >> 7);
		} else {
			b[np++] = (uint8_t)len;
		}
		memcpy(b + np, enc, len);
		np += len;

		if (sc == ADDRESSES) {
			memcpy(b + O_OFFSETS + i * 8, &syms[i].addr, 8);
			continue;
		}
		int32_t off;
		if (sc == RELATIVE)
			off = (int32_t)(uint32_t)(syms[i].addr - base);
		else if (syms[i].percpu)
			off = (int32_t)syms[i].addr;
		else
			off = (int32_t)(int64_t)(base - syms[i].addr - 1);
		memcpy(b + O_OFFSETS + i * 4, &off, 4);
	}
	/* The buffer ends right after the names: a big read there faults. */
	t->mem.len = np;
	t->names_off = names_off;
	t->names_len = np - names_off;
	t->addrs = (struct vmr_kallsyms_addrs){
		.names = VBASE + names_off,
		.num_syms = VBASE + O_NUM,
		.token_table = VBASE + O_TOKTAB,
		.token_index = VBASE + O_TOKIDX,
	};
	if (sc == ADDRESSES) {
		t->addrs.addresses = VBASE + O_OFFSETS;
	} else {
		t->addrs.offsets = VBASE + O_OFFSETS;
		t->addrs.relative_base = VBASE + O_BASE;
	}
}

static char long_name[400];

static const struct sym base_syms[] = {
	{ "fixed_percpu_data", 'A', 0x0, true },
	{ "pcpu_hot", 'A', 0x20280, true },
	{ "__per_cpu_end", 'A', 0x30000, true },
	{ "_stext", 'T', TEXT, false },
	{ "_text", 'T', TEXT, false },
	{ "startup_64_helper", 't', TEXT + 0x100, false },
	{ "sys_crash", 'T', TEXT + 0x200, false },
	{ "dup_name", 't', TEXT + 0x300, false },
	{ "dup_name", 'T', TEXT + 0x400, false },
	{ NULL /* long_name */, 't', TEXT + 0x500, false },
	{ "jiffies", 'D', TEXT + 0x100000, false },
	{ "jiffies_64", 'D', TEXT + 0x100000, false },
	{ "_end", 'B', TEXT + 0x200000, false },
};
#define NBASE (sizeof(base_syms) / sizeof(base_syms[0]))

static void make_syms(struct sym *out, bool percpu, bool with_stext, size_t *n)
{
	memset(long_name, 'L', sizeof(long_name) - 1);
	memcpy(long_name, "long_", 5);
	*n = 0;
	for (size_t i = 0; i < NBASE; i++) {
		if ((base_syms[i].percpu && !percpu) ||
		    (!with_stext && !strcmp(base_syms[i].name ? base_syms[i].name : "", "_stext")))
			continue;
		out[*n] = base_syms[i];
		if (!out[*n].name)
			out[*n].name = long_name;
		(*n)++;
	}
}

static struct vmr_kallsyms *load_ok(struct table *t)
{
	struct vmr_kallsyms *ks = NULL;
	struct vmr_error *err = vmr_kallsyms_load(&t->addrs, mem_read, &t->mem, &ks);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	return ks;
}

static void check_common(struct vmr_kallsyms *ks, bool percpu)
{
	uint64_t addr, start, size;
	char type;
	const char *name;

	assert_true(vmr_kallsyms_lookup(ks, "sys_crash", &addr, &type));
	assert_int_equal(addr, TEXT + 0x200);
	assert_int_equal(type, 'T');
	/* the global of two same-named symbols wins */
	assert_true(vmr_kallsyms_lookup(ks, "dup_name", &addr, &type));
	assert_int_equal(addr, TEXT + 0x400);
	assert_int_equal(type, 'T');
	/* the 2-byte length (over 127 tokens) decodes */
	assert_true(vmr_kallsyms_lookup(ks, long_name, &addr, &type));
	assert_int_equal(addr, TEXT + 0x500);
	assert_int_equal(type, 't');
	assert_false(vmr_kallsyms_lookup(ks, "sys_cras", NULL, NULL));

	assert_true(vmr_kallsyms_symbolize(ks, TEXT + 0x214, &name, &start, &size, &type));
	assert_string_equal(name, "sys_crash");
	assert_int_equal(start, TEXT + 0x200);
	assert_int_equal(size, 0x100);
	/* equal addresses: the first in table order, as %pS */
	assert_true(vmr_kallsyms_symbolize(ks, TEXT + 0x100008, &name, &start, &size, NULL));
	assert_string_equal(name, "jiffies");
	assert_int_equal(size, 0x100000);
	assert_true(vmr_kallsyms_symbolize(ks, TEXT, &name, NULL, NULL, NULL));
	assert_string_equal(name, vmr_kallsyms_lookup(ks, "_stext", NULL, NULL) ? "_stext"
										   : "_text");
	/* the last symbol: exact only */
	assert_true(vmr_kallsyms_symbolize(ks, TEXT + 0x200000, &name, NULL, &size, NULL));
	assert_string_equal(name, "_end");
	assert_int_equal(size, 0);
	assert_false(vmr_kallsyms_symbolize(ks, TEXT + 0x200001, &name, NULL, NULL, NULL));
	if (percpu) {
		assert_true(vmr_kallsyms_symbolize(ks, 0x20284, &name, &start, &size, &type));
		assert_string_equal(name, "pcpu_hot");
		assert_int_equal(start, 0x20280);
		assert_int_equal(type, 'A');
		/* nothing between the per-CPU symbols and the image */
		assert_false(vmr_kallsyms_symbolize(ks, 0x10000000, &name, NULL, NULL, NULL));
	}
	assert_false(vmr_kallsyms_symbolize(ks, TEXT - 1, &name, NULL, NULL, NULL));
}

static void test_absolute_percpu(void **st)
{
	(void)st;
	struct sym syms[NBASE];
	size_t n;
	make_syms(syms, true, true, &n);
	struct table t;
	encode(&t, syms, n, ABS_PERCPU);
	struct vmr_kallsyms *ks = load_ok(&t);
	assert_int_equal(vmr_kallsyms_count(ks), n);
	assert_true(vmr_kallsyms_absolute_percpu(ks));
	check_common(ks, true);
	vmr_kallsyms_free(ks);

	/* Without _stext the majority of text offsets decides. */
	make_syms(syms, true, false, &n);
	free(t.mem.buf);
	encode(&t, syms, n, ABS_PERCPU);
	ks = load_ok(&t);
	assert_true(vmr_kallsyms_absolute_percpu(ks));
	check_common(ks, true);
	vmr_kallsyms_free(ks);
	free(t.mem.buf);
}

static void test_relative(void **st)
{
	(void)st;
	struct sym syms[NBASE];
	size_t n;
	struct table t;
	for (int with_stext = 1; with_stext >= 0; with_stext--) {
		make_syms(syms, false, with_stext, &n);
		encode(&t, syms, n, RELATIVE);
		struct vmr_kallsyms *ks = load_ok(&t);
		assert_false(vmr_kallsyms_absolute_percpu(ks));
		check_common(ks, false);
		vmr_kallsyms_free(ks);
		free(t.mem.buf);
	}
}

static void test_addresses(void **st)
{
	(void)st;
	struct sym syms[NBASE];
	size_t n;
	make_syms(syms, true, true, &n);
	struct table t;
	encode(&t, syms, n, ADDRESSES);
	struct vmr_kallsyms *ks = load_ok(&t);
	check_common(ks, true);
	const char *name;
	uint64_t addr;
	assert_true(vmr_kallsyms_symbol_at(ks, 0, &name, &addr, NULL));
	assert_string_equal(name, "fixed_percpu_data");
	assert_false(vmr_kallsyms_symbol_at(ks, n, &name, &addr, NULL));
	vmr_kallsyms_free(ks);
	free(t.mem.buf);
}

static void expect_error(struct table *t, enum vmr_errcode code)
{
	struct vmr_kallsyms *ks = (void *)1;
	struct vmr_error *err = vmr_kallsyms_load(&t->addrs, mem_read, &t->mem, &ks);
	assert_non_null(err);
	assert_null(ks);
	if (vmr_error_code(err) != code)
		fail_msg("code %d, wanted %d: %s", vmr_error_code(err), code,
			 vmr_error_message(err));
	vmr_error_free(err);
}

static void test_garbage(void **st)
{
	(void)st;
	struct sym syms[NBASE];
	size_t n;
	make_syms(syms, true, true, &n);
	struct table t;
	encode(&t, syms, n, ABS_PERCPU);
	uint8_t *b = t.mem.buf;
	uint32_t num;

	/* absurd counts */
	num = 0;
	memcpy(b + O_NUM, &num, 4);
	expect_error(&t, VMR_ERR_LIMIT);
	num = 3u << 20;
	memcpy(b + O_NUM, &num, 4);
	expect_error(&t, VMR_ERR_LIMIT);
	/* more symbols than the names stream holds: runs off memory */
	num = (uint32_t)n + 1;
	memcpy(b + O_NUM, &num, 4);
	expect_error(&t, VMR_ERR_FAULT);
	num = (uint32_t)n;
	memcpy(b + O_NUM, &num, 4);

	/* truncated names stream (memory ends early) */
	size_t full = t.mem.len;
	t.mem.len = t.names_off + t.names_len / 2;
	expect_error(&t, VMR_ERR_FAULT);
	t.mem.len = full;

	/* a zero length byte */
	uint8_t save = b[t.names_off];
	b[t.names_off] = 0;
	expect_error(&t, VMR_ERR_FORMAT);
	/* a two-byte length beyond KSYM_NAME_LEN */
	b[t.names_off] = 0xff;
	expect_error(&t, VMR_ERR_FORMAT);
	b[t.names_off] = save;

	/* token index past any table; unterminated token table */
	uint16_t idx;
	memcpy(&idx, b + O_TOKIDX + 2 * 'a', 2);
	uint16_t bad = 0xfff0;
	memcpy(b + O_TOKIDX + 2 * 'a', &bad, 2);
	expect_error(&t, VMR_ERR_FORMAT);
	memcpy(b + O_TOKIDX + 2 * 'a', &idx, 2);
	uint8_t *tt = b + O_TOKTAB;
	uint8_t saved_tt[0x3c00];
	memcpy(saved_tt, tt, sizeof(saved_tt));
	memset(tt, 'x', sizeof(saved_tt));
	expect_error(&t, VMR_ERR_FORMAT);
	memcpy(tt, saved_tt, sizeof(saved_tt));

	/* unreadable pieces: the fault address survives */
	struct vmr_kallsyms_addrs good = t.addrs;
	t.addrs.num_syms = 0x1000;
	struct vmr_kallsyms *ks;
	struct vmr_error *err = vmr_kallsyms_load(&t.addrs, mem_read, &t.mem, &ks);
	assert_non_null(err);
	uint64_t fa;
	assert_true(vmr_error_address(err, &fa));
	assert_int_equal(fa, 0x1000);
	assert_non_null(strstr(vmr_error_message(err), "kallsyms_num_syms"));
	vmr_error_free(err);
	t.addrs = good;
	t.addrs.offsets = VBASE + t.mem.len - 4;
	expect_error(&t, VMR_ERR_FAULT);
	t.addrs = good;
	t.addrs.token_index = 0;
	expect_error(&t, VMR_ERR_INVALID);
	t.addrs = good;

	/* still fine after all that */
	ks = load_ok(&t);
	vmr_kallsyms_free(ks);

	/* random corruption of the names: an error or a table, never a crash */
	uint8_t *copy = malloc(t.mem.len);
	assert_non_null(copy);
	memcpy(copy, b, t.mem.len);
	srand(2);
	for (int round = 0; round < 2000; round++) {
		memcpy(b, copy, t.mem.len);
		for (int k = 0; k < 4; k++)
			b[t.names_off + (size_t)rand() % t.names_len] = (uint8_t)rand();
		ks = NULL;
		err = vmr_kallsyms_load(&t.addrs, mem_read, &t.mem, &ks);
		if (err) {
			assert_null(ks);
			vmr_error_free(err);
			continue;
		}
		const char *name;
		vmr_kallsyms_symbolize(ks, TEXT + 0x250, &name, NULL, NULL, NULL);
		vmr_kallsyms_lookup(ks, "sys_crash", NULL, NULL);
		vmr_kallsyms_free(ks);
	}
	free(copy);
	free(t.mem.buf);
}

/* 150k symbols, like a distribution kernel: decoding must take milliseconds. */
static void test_speed(void **st)
{
	(void)st;
	size_t n = 150000;
	struct sym *syms = calloc(n, sizeof(*syms));
	char *names = malloc(n * 32);
	assert_non_null(syms);
	assert_non_null(names);
	for (size_t i = 0; i < n; i++) {
		char *nm = names + i * 32;
		snprintf(nm, 32, "%s_func_%zu", i % 3 ? "sys" : "do_crash", i);
		syms[i] = (struct sym){ nm, i % 5 ? 't' : 'T', TEXT + i * 0x40, false };
	}
	syms[0].name = "_stext";
	struct table t;
	encode(&t, syms, n, ABS_PERCPU);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct vmr_kallsyms *ks = load_ok(&t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	printf("# kallsyms: %zu symbols (%zu bytes of names) decoded in %.1f ms, %zu reads\n",
	       n, t.names_len, ms, t.mem.reads);
	uint64_t addr;
	assert_true(vmr_kallsyms_lookup(ks, syms[n - 1].name, &addr, NULL));
	assert_int_equal(addr, TEXT + (n - 1) * 0x40);
	const char *name;
	assert_true(vmr_kallsyms_symbolize(ks, TEXT + 1234 * 0x40 + 7, &name, NULL, NULL,
					   NULL));
	assert_string_equal(name, syms[1234].name);
	assert_true(t.mem.reads < 100);
	vmr_kallsyms_free(ks);
	free(t.mem.buf);
	free(syms);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_percpu),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
