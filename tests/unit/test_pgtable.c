/* SPDX-License-Identifier: MIT */
/*
 * vmcore/pgtable.c: 4- and 5-level walks over synthetic physical memory
 * (an array of 4 KiB pages served by a read callback), x86_64-layout.md §5.
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
#include "vmcore/pgtable.h"

#define NPAGES 512
#define PAGE 4096ULL

#define P (1ULL << 0)
#define RW (1ULL << 1)
#define A (1ULL << 5)
#define D (1ULL << 6)
#define PS (1ULL << 7)
#define G (1ULL << 8)
#define PAT_LARGE (1ULL << 12)
#define NX (1ULL << 63)
#define TABLE (P | RW | A | D) /* flags of a table entry (_KERNPG_TABLE) */

/** Physical memory: NPAGES pages at phys 0; some may be "missing". */
struct mem {
	uint8_t *bytes;
	bool missing[NPAGES];
	unsigned next_free; /* bump allocator for tables */
	uint64_t reads, bytes_read;
	size_t max_read;
	uint64_t sme; /* C-bit set in every table entry this test writes */
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	m->bytes_read += len;
	if (len > m->max_read)
		m->max_read = len;
	for (uint64_t a = addr; a < addr + len; a = (a | (PAGE - 1)) + 1) {
		if (a >= NPAGES * PAGE || a < addr)
			return vmr_error_fault(a, "phys 0x%llx beyond the test memory",
					       (unsigned long long)a);
		if (m->missing[a / PAGE])
			return vmr_error_fault(a, "phys 0x%llx excluded from the dump",
					       (unsigned long long)a);
	}
	memcpy(buf, m->bytes + addr, len);
	return NULL;
}

static struct mem *mem_new(void)
{
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	m->bytes = calloc(NPAGES, PAGE);
	assert_non_null(m->bytes);
	m->next_free = 16; /* pages 0-15 are for tests that place tables by hand */
	return m;
}

static void mem_free(struct mem *m)
{
	free(m->bytes);
	free(m);
}

static uint64_t alloc_table(struct mem *m)
{
	assert_true(m->next_free < NPAGES);
	return (uint64_t)m->next_free++ * PAGE;
}

static void set_entry(struct mem *m, uint64_t table, unsigned idx, uint64_t val)
{
	memcpy(m->bytes + table + idx * 8ULL, &val, 8); /* little-endian host */
}

static uint64_t get_entry(struct mem *m, uint64_t table, unsigned idx)
{
	uint64_t v;
	memcpy(&v, m->bytes + table + idx * 8ULL, 8);
	return v;
}

static const unsigned shifts5[5] = { 48, 39, 30, 21, 12 };

/**
 * Map @p va -> @p pa with a leaf of @p size under @p root, allocating
 * tables; @p leaf_flags are added to the leaf entry.
 */
static void map(struct mem *m, uint64_t root, unsigned levels, uint64_t va,
		uint64_t pa, uint64_t size, uint64_t leaf_flags)
{
	uint64_t table = root;
	for (unsigned i = 5 - levels; i < 5; i++) {
		unsigned shift = shifts5[i];
		unsigned idx = (va >> shift) & 511;
		if ((1ULL << shift) == size) {
			uint64_t ps = shift == 12 ? 0 : PS;
			set_entry(m, table, idx, pa | P | ps | leaf_flags | m->sme);
			return;
		}
		uint64_t e = get_entry(m, table, idx);
		if (!(e & P)) {
			e = alloc_table(m) | TABLE | m->sme;
			set_entry(m, table, idx, e);
		}
		table = e & 0x000ffffffffff000ULL & ~m->sme;
	}
	fail_msg("bad size");
}

static struct vmr_pgt pgt_of(struct mem *m, uint64_t root, unsigned levels)
{
	struct vmr_pgt p = { .root = root, .levels = levels, .sme_mask = m->sme,
			     .read_phys = mem_read, .ctx = m };
	return p;
}

/** Translate and expect success. */
static void expect_xlat(const struct vmr_pgt *p, uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t got_pa = 0, got_size = 0;
	struct vmr_error *err = vmr_pgt_translate(p, va, &got_pa, &got_size);
	if (err)
		fail_msg("0x%llx: %s", (unsigned long long)va, vmr_error_message(err));
	if (got_pa != pa || got_size != size)
		fail_msg("0x%llx -> 0x%llx (%llu), expected 0x%llx (%llu)",
			 (unsigned long long)va, (unsigned long long)got_pa,
			 (unsigned long long)got_size, (unsigned long long)pa,
			 (unsigned long long)size);
}

/** Translate and expect an error of @p code whose message contains @p what. */
static void expect_err(const struct vmr_pgt *p, uint64_t va, enum vmr_errcode code,
		       const char *what, bool has_addr, uint64_t addr)
{
	uint64_t pa = 0x1234, size = 0x5678;
	struct vmr_error *err = vmr_pgt_translate(p, va, &pa, &size);
	if (!err)
		fail_msg("0x%llx translated to 0x%llx", (unsigned long long)va,
			 (unsigned long long)pa);
	if (vmr_error_code(err) != code || !strstr(vmr_error_message(err), what))
		fail_msg("0x%llx: code %d, \"%s\"; expected %d with \"%s\"",
			 (unsigned long long)va, vmr_error_code(err),
			 vmr_error_message(err), code, what);
	uint64_t got = 0;
	assert_int_equal(vmr_error_address(err, &got), has_addr);
	if (has_addr)
		assert_int_equal(got, addr);
	assert_int_equal(pa, 0x1234); /* outputs untouched */
	assert_int_equal(size, 0x5678);
	vmr_error_free(err);
}

static void test_canonical(void **state)
{
	(void)state;
	assert_true(vmr_pgt_canonical(0, 4));
	assert_true(vmr_pgt_canonical(0x00007fffffffffffULL, 4));
	assert_false(vmr_pgt_canonical(0x0000800000000000ULL, 4));
	assert_false(vmr_pgt_canonical(0xffff7fffffffffffULL, 4));
	assert_true(vmr_pgt_canonical(0xffff800000000000ULL, 4));
	assert_true(vmr_pgt_canonical(UINT64_MAX, 4));
	assert_false(vmr_pgt_canonical(0xff00000000000000ULL, 4));
	assert_true(vmr_pgt_canonical(0xff00000000000000ULL, 5));
	assert_true(vmr_pgt_canonical(0x00ffffffffffffffULL, 5));
	assert_false(vmr_pgt_canonical(0x0100000000000000ULL, 5));
	assert_false(vmr_pgt_canonical(0xfeffffffffffffffULL, 5));
	assert_true(vmr_pgt_canonical(0x0000800000000000ULL, 5));
	assert_false(vmr_pgt_canonical(0, 3));
	assert_false(vmr_pgt_canonical(0, 6));
}

static void test_root_from_cr3(void **state)
{
	(void)state;
	/* PTI pair at 0x1a2b4000 (kernel) / 0x1a2b5000 (user), user PCID 0x801. */
	assert_int_equal(vmr_pgt_root_from_cr3(0x1a2b5801ULL, 0), 0x1a2b4000ULL);
	assert_int_equal(vmr_pgt_root_from_cr3(0x1a2b4001ULL, 0), 0x1a2b4000ULL);
	/* NOFLUSH, LAM_U57/U48, C-bit 47. */
	uint64_t cr3 = (1ULL << 63) | (1ULL << 62) | (1ULL << 61) | (1ULL << 47) |
		       0x7ffe1a2b5fffULL;
	assert_int_equal(vmr_pgt_root_from_cr3(cr3, 1ULL << 47), 0x7ffe1a2b4000ULL);
	assert_int_equal(vmr_pgt_root_from_cr3(cr3, 0), 0xfffe1a2b4000ULL);
}

/* 4-level: 4 KiB, 2 MiB and 1 GiB leaves with flag bits that must be masked. */
static void test_4level_leaves(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t root = alloc_table(m);
	map(m, root, 4, 0xffffffff81234000ULL, 0x3456000ULL, PAGE, NX | G | RW | (1ULL << 7));
	map(m, root, 4, 0xffffffff9f200000ULL, 0x1e400000ULL, 1ULL << 21,
	    NX | G | PAT_LARGE | (0xfULL << 59));
	map(m, root, 4, 0xffff888000000000ULL, 0x40000000ULL, 1ULL << 30, NX | PAT_LARGE);
	map(m, root, 4, 0x00007ffd12345000ULL, 0xabcdef000ULL, PAGE, 0);
	struct vmr_pgt p = pgt_of(m, root, 4);

	expect_xlat(&p, 0xffffffff81234567ULL, 0x3456567ULL, PAGE);
	expect_xlat(&p, 0xffffffff81234000ULL, 0x3456000ULL, PAGE);
	expect_xlat(&p, 0xffffffff9f3fffffULL, 0x1e5fffffULL, 1ULL << 21);
	expect_xlat(&p, 0xffffffff9f200000ULL, 0x1e400000ULL, 1ULL << 21);
	expect_xlat(&p, 0xffff8880123abcdeULL, 0x523abcdeULL, 1ULL << 30);
	expect_xlat(&p, 0x00007ffd12345ff8ULL, 0xabcdefff8ULL, PAGE);

	/* At most one 8-byte read per level. */
	m->reads = m->max_read = 0;
	expect_xlat(&p, 0xffffffff81234567ULL, 0x3456567ULL, PAGE);
	assert_int_equal(m->reads, 4);
	assert_int_equal(m->max_read, 8);
	m->reads = 0;
	expect_xlat(&p, 0xffff8880123abcdeULL, 0x523abcdeULL, 1ULL << 30);
	assert_int_equal(m->reads, 2);

	/* Outputs are optional. */
	assert_null(vmr_pgt_translate(&p, 0xffffffff81234567ULL, NULL, NULL));
	mem_free(m);
}

static void test_5level_leaves(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t root = alloc_table(m);
	/* 5-level direct map and vmalloc bases (§1.2), a low-half address. */
	map(m, root, 5, 0xff11000000000000ULL, 0x80000000ULL, 1ULL << 30, NX);
	map(m, root, 5, 0xffa0000000201000ULL, 0x7000ULL, PAGE, NX);
	map(m, root, 5, 0xffffffff81000000ULL, 0x1000000ULL, 1ULL << 21, 0);
	map(m, root, 5, 0x00ff000000000000ULL, 0xfff000ULL, PAGE, 0);
	struct vmr_pgt p = pgt_of(m, root, 5);
	expect_xlat(&p, 0xff11000000000010ULL, 0x80000010ULL, 1ULL << 30);
	expect_xlat(&p, 0xffa0000000201abcULL, 0x7abcULL, PAGE);
	expect_xlat(&p, 0xffffffff81012345ULL, 0x1012345ULL, 1ULL << 21);
	expect_xlat(&p, 0x00ff000000000008ULL, 0xfff008ULL, PAGE);
	m->reads = 0;
	expect_xlat(&p, 0xffa0000000201abcULL, 0x7abcULL, PAGE);
	assert_int_equal(m->reads, 5);
	/* With 4 levels the P4D table is taken for a PUD: index 510 is empty. */
	struct vmr_pgt p4 = pgt_of(m, root, 4);
	expect_err(&p4, 0xffffffff81012345ULL, VMR_ERR_FAULT, "PUD entry not present",
		   true, 0xffffffff81012345ULL);
	mem_free(m);
}

/* SME: the C-bit is set in every entry and in CR3. */
static void test_sme_mask(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	m->sme = 1ULL << 47;
	uint64_t root = alloc_table(m);
	map(m, root, 4, 0xffffffff81234000ULL, 0x3456000ULL, PAGE, NX);
	map(m, root, 4, 0xffffffff9f200000ULL, 0x1e400000ULL, 1ULL << 21, PAT_LARGE);
	map(m, root, 4, 0xffff888000000000ULL, 0x40000000ULL, 1ULL << 30, 0);
	struct vmr_pgt p = pgt_of(m, root | m->sme, 4);
	expect_xlat(&p, 0xffffffff81234567ULL, 0x3456567ULL, PAGE);
	expect_xlat(&p, 0xffffffff9f212345ULL, 0x1e412345ULL, 1ULL << 21);
	expect_xlat(&p, 0xffff888000000001ULL, 0x40000001ULL, 1ULL << 30);
	p.root = vmr_pgt_root_from_cr3(root | m->sme | 0x1000 | 0x5, m->sme);
	assert_int_equal(p.root, root);
	expect_xlat(&p, 0xffffffff81234567ULL, 0x3456567ULL, PAGE);
	/* Without the mask, the C-bit lands in the table address. */
	p.sme_mask = 0;
	uint64_t pa;
	struct vmr_error *err = vmr_pgt_translate(&p, 0xffffffff81234567ULL, &pa, NULL);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
	mem_free(m);
}

/* PTI: the root comes from a user CR3 (bit 12, PCID); the user half is empty. */
static void test_pti_root(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t kpgd = 2 * PAGE, upgd = 3 * PAGE; /* order-1 pair, 8 KiB aligned */
	map(m, kpgd, 4, 0xffffffff81234000ULL, 0x3456000ULL, PAGE, 0);
	uint64_t cr3 = upgd | 0x800 | 0x23; /* user PCID */
	struct vmr_pgt p = pgt_of(m, vmr_pgt_root_from_cr3(cr3, 0), 4);
	assert_int_equal(p.root, kpgd);
	expect_xlat(&p, 0xffffffff81234567ULL, 0x3456567ULL, PAGE);
	p.root = upgd;
	expect_err(&p, 0xffffffff81234567ULL, VMR_ERR_FAULT, "PGD entry not present", true,
		   0xffffffff81234567ULL);
	/* A raw CR3 is not a root. */
	p.root = cr3;
	expect_err(&p, 0xffffffff81234567ULL, VMR_ERR_INVALID, "page-aligned", false, 0);
	mem_free(m);
}

/* Not present at each level names the level and carries the address. */
static void test_not_present_each_level(void **state)
{
	(void)state;
	static const char *const names4[4] = { "PGD", "PUD", "PMD", "PTE" };
	static const char *const names5[5] = { "PGD", "P4D", "PUD", "PMD", "PTE" };
	for (unsigned levels = 4; levels <= 5; levels++) {
		for (unsigned lv = 0; lv < levels; lv++) {
			struct mem *m = mem_new();
			uint64_t root = alloc_table(m);
			uint64_t va = 0xffffffff81234567ULL;
			map(m, root, levels, va & ~(PAGE - 1), 0x5000, PAGE, 0);
			/* Clear the present bit of the entry at level lv. */
			uint64_t table = root;
			for (unsigned i = 0; i < levels; i++) {
				unsigned idx = (va >> shifts5[i + 5 - levels]) & 511;
				uint64_t e = get_entry(m, table, idx);
				if (i == lv) {
					set_entry(m, table, idx, e & ~P);
					break;
				}
				table = e & 0x000ffffffffff000ULL;
			}
			struct vmr_pgt p = pgt_of(m, root, levels);
			char what[64];
			snprintf(what, sizeof(what), "not mapped: %s entry not present",
				 levels == 4 ? names4[lv] : names5[lv]);
			expect_err(&p, va, VMR_ERR_FAULT, what, true, va);
			mem_free(m);
		}
	}
}

/* A table page excluded from the dump: the callback's fault, with the level. */
static void test_table_missing(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t root = alloc_table(m);
	uint64_t va = 0xffffffff81234567ULL;
	map(m, root, 4, va & ~(PAGE - 1), 0x5000, PAGE, 0);
	/* Tables were allocated in order: PGD, PUD, PMD, PTE. */
	uint64_t pmd = root + 2 * PAGE;
	m->missing[pmd / PAGE] = true;
	struct vmr_pgt p = pgt_of(m, root, 4);
	uint64_t entry_at = pmd + ((va >> 21) & 511) * 8;
	expect_err(&p, va, VMR_ERR_FAULT, "PMD entry at", true, entry_at);
	expect_err(&p, va, VMR_ERR_FAULT, "excluded from the dump", true, entry_at);

	uint64_t found;
	struct vmr_error *err = vmr_pgt_lowest_mapped(&p, 0xffffffff80000000ULL,
						      0xffffffffbfffffffULL, &found, NULL, NULL);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	assert_non_null(strstr(vmr_error_message(err), "PMD table at"));
	vmr_error_free(err);
	mem_free(m);
}

static void test_invalid(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t root = alloc_table(m);
	map(m, root, 4, 0xffffffff81234000ULL, 0x3456000ULL, PAGE, 0);
	struct vmr_pgt p = pgt_of(m, root, 4);
	expect_err(&p, 0x0000800000000000ULL, VMR_ERR_INVALID, "not canonical", false, 0);
	expect_err(&p, 0xff00000000000000ULL, VMR_ERR_INVALID, "not canonical", false, 0);
	expect_err(&p, 0xdead000000000100ULL, VMR_ERR_INVALID, "not canonical", false, 0);
	p.levels = 5;
	expect_err(&p, 0x0100000000000000ULL, VMR_ERR_INVALID, "not canonical", false, 0);
	expect_err(&p, 0xfe00000000000000ULL, VMR_ERR_INVALID, "not canonical", false, 0);
	p.levels = 3;
	expect_err(&p, 0xffffffff81234000ULL, VMR_ERR_INVALID, "paging levels", false, 0);
	p.levels = 4;
	p.root = root + 8;
	expect_err(&p, 0xffffffff81234000ULL, VMR_ERR_INVALID, "page-aligned", false, 0);
	p.root = 1ULL << 52;
	expect_err(&p, 0xffffffff81234000ULL, VMR_ERR_INVALID, "page-aligned", false, 0);
	p.root = root;
	p.read_phys = NULL;
	expect_err(&p, 0xffffffff81234000ULL, VMR_ERR_INVALID, "callback", false, 0);
	struct vmr_error *err = vmr_pgt_translate(NULL, 0, NULL, NULL);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);

	/* PS in a PGD entry is reserved. */
	p.read_phys = mem_read;
	set_entry(m, root, 511, get_entry(m, root, 511) | PS);
	expect_err(&p, 0xffffffff81234000ULL, VMR_ERR_FORMAT, "reserved PS", false, 0);
	uint64_t va;
	err = vmr_pgt_lowest_mapped(&p, 0xffffffff80000000ULL, 0xffffffffbfffffffULL, &va,
				    NULL, NULL);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
	err = vmr_pgt_lowest_mapped(&p, 2, 1, &va, NULL, NULL);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
	mem_free(m);
}

/** lowest_mapped that must succeed. */
static void expect_lowest(const struct vmr_pgt *p, uint64_t start, uint64_t end,
			  uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t got_va = 0, got_pa = 0, got_size = 0;
	struct vmr_error *err = vmr_pgt_lowest_mapped(p, start, end, &got_va, &got_pa,
						      &got_size);
	if (err)
		fail_msg("[0x%llx, 0x%llx]: %s", (unsigned long long)start,
			 (unsigned long long)end, vmr_error_message(err));
	if (got_va != va || got_pa != pa || got_size != size)
		fail_msg("[0x%llx, 0x%llx]: 0x%llx -> 0x%llx (%llu), expected 0x%llx -> 0x%llx (%llu)",
			 (unsigned long long)start, (unsigned long long)end,
			 (unsigned long long)got_va, (unsigned long long)got_pa,
			 (unsigned long long)got_size, (unsigned long long)va,
			 (unsigned long long)pa, (unsigned long long)size);
}

static void expect_lowest_code(const struct vmr_pgt *p, uint64_t start, uint64_t end,
			       enum vmr_errcode code)
{
	uint64_t va = 0x77;
	struct vmr_error *err = vmr_pgt_lowest_mapped(p, start, end, &va, NULL, NULL);
	if (!err)
		fail_msg("[0x%llx, 0x%llx]: found 0x%llx", (unsigned long long)start,
			 (unsigned long long)end, (unsigned long long)va);
	if (vmr_error_code(err) != code)
		fail_msg("[0x%llx, 0x%llx]: %s", (unsigned long long)start,
			 (unsigned long long)end, vmr_error_message(err));
	assert_int_equal(va, 0x77);
	vmr_error_free(err);
}

/* The KASLR page-table method (§2.4(b)4): the first present kernel-image PMD. */
static void test_lowest_mapped_ktext(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t root = alloc_table(m);
	/* _text at slide 0x1f200000; cleanup_highmap() zeroed the PMDs below. */
	for (uint64_t off = 0; off < 24 * (1ULL << 21); off += 1ULL << 21)
		map(m, root, 4, 0xffffffff9f200000ULL + off, 0x1e400000ULL + off,
		    1ULL << 21, G | NX);
	/* The fixmap PUD entry (last GiB) is present and must not be reached. */
	map(m, root, 4, 0xffffffffff5fe000ULL, 0x9000ULL, PAGE, 0);
	map(m, root, 4, 0xffffffffc0000000ULL, 0x8000ULL, PAGE, 0);
	struct vmr_pgt p = pgt_of(m, root, 4);
	m->reads = m->max_read = 0;
	expect_lowest(&p, 0xffffffff80000000ULL, 0xffffffffbfffffffULL,
		      0xffffffff9f200000ULL, 0x1e400000ULL, 1ULL << 21);
	assert_int_equal(m->max_read, PAGE); /* whole tables */
	assert_true(m->reads <= 3);
	/* Start inside a mapped page: start itself. */
	expect_lowest(&p, 0xffffffffa0000123ULL, 0xffffffffbfffffffULL,
		      0xffffffffa0000123ULL, 0x1f200123ULL, 1ULL << 21);
	/* Past the image: the next GiB holds 4 KiB pages. */
	expect_lowest(&p, 0xffffffffa2200000ULL, UINT64_MAX,
		      0xffffffffc0000000ULL, 0x8000ULL, PAGE);
	expect_lowest(&p, 0xffffffffc0001000ULL, UINT64_MAX,
		      0xffffffffff5fe000ULL, 0x9000ULL, PAGE);
	/* Nothing mapped before _text. */
	expect_lowest_code(&p, 0xffffffff80000000ULL, 0xffffffff9f1fffffULL,
			   VMR_ERR_NOT_FOUND);
	expect_lowest_code(&p, 0xffffffffff5ff000ULL, UINT64_MAX, VMR_ERR_NOT_FOUND);
	mem_free(m);
}

/* Scans skip the non-canonical hole, in both modes. */
static void test_lowest_mapped_hole(void **state)
{
	(void)state;
	for (unsigned levels = 4; levels <= 5; levels++) {
		struct mem *m = mem_new();
		uint64_t root = alloc_table(m);
		uint64_t dmap = levels == 4 ? 0xffff888000000000ULL : 0xff11000000000000ULL;
		map(m, root, levels, dmap + (5ULL << 30), 0, 1ULL << 30, 0);
		map(m, root, levels, 0x1000, 0x2000, PAGE, 0);
		struct vmr_pgt p = pgt_of(m, root, levels);
		expect_lowest(&p, 0, UINT64_MAX, 0x1000, 0x2000, PAGE);
		expect_lowest(&p, 0x2000, UINT64_MAX, dmap + (5ULL << 30), 0, 1ULL << 30);
		/* A start inside the hole jumps to the upper half. */
		expect_lowest(&p, 0x0100000000000000ULL, UINT64_MAX, dmap + (5ULL << 30), 0,
			      1ULL << 30);
		expect_lowest_code(&p, 0x2000, dmap + (5ULL << 30) - 1, VMR_ERR_NOT_FOUND);
		mem_free(m);
	}
}

/* A table whose every entry points at itself maps everything: quick answer. */
static void test_lowest_mapped_self_cycle(void **state)
{
	(void)state;
	struct mem *m = mem_new();
	uint64_t t = 4 * PAGE;
	for (unsigned i = 0; i < 512; i++)
		set_entry(m, t, i, t | TABLE);
	struct vmr_pgt p = pgt_of(m, t, 4);
	expect_lowest(&p, 0xffffffff80000000ULL, 0xffffffffbfffffffULL,
		      0xffffffff80000000ULL, t, PAGE);
	expect_xlat(&p, 0xffffffff81234567ULL, t | 0x567, PAGE);
	assert_true(m->reads < 10);
	mem_free(m);
}

/* Aliased tables, all empty at the bottom: 2^35 entries → VMR_ERR_LIMIT, fast. */
static void test_lowest_mapped_cycle_limit(void **state)
{
	(void)state;
	for (unsigned levels = 4; levels <= 5; levels++) {
		struct mem *m = mem_new();
		uint64_t root = 4 * PAGE, next = 5 * PAGE;
		/* root -> T1 -> T2 (-> T3) -> empty PTE table; each level aliases. */
		uint64_t table = root;
		for (unsigned i = 0; i + 1 < levels; i++) {
			for (unsigned k = 0; k < 512; k++)
				set_entry(m, table, k, next | TABLE);
			table = next;
			next += PAGE;
		}
		struct vmr_pgt p = pgt_of(m, root, levels);
		m->reads = m->bytes_read = 0;
		clock_t c0 = clock();
		expect_lowest_code(&p, 0, UINT64_MAX, VMR_ERR_LIMIT);
		double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
		assert_true(m->reads <= levels + 1);
		assert_true(secs < 5.0);
		mem_free(m);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_tlb(void **state)
{
	(void)state;
	struct vmr_tlb tlb;
	vmr_tlb_clear(&tlb);
	uint64_t pa = 0, size = 0;
	assert_false(vmr_tlb_lookup(&tlb, 0, &pa, &size));
	assert_false(vmr_tlb_lookup(&tlb, 0xffffffff81000000ULL, &pa, &size));
	vmr_tlb_insert(&tlb, 0xffffffff81234567ULL, 0x3456567ULL, PAGE);
	assert_true(vmr_tlb_lookup(&tlb, 0xffffffff81234ff8ULL, &pa, &size));
	assert_int_equal(pa, 0x3456ff8ULL);
	assert_int_equal(size, PAGE);
	assert_false(vmr_tlb_lookup(&tlb, 0xffffffff81235000ULL, &pa, &size));
	vmr_tlb_insert(&tlb, 0xffffffff9f3fffffULL, 0x1e5fffffULL, 1ULL << 21);
	assert_true(vmr_tlb_lookup(&tlb, 0xffffffff9f200008ULL, &pa, &size));
	assert_int_equal(pa, 0x1e400008ULL);
	assert_int_equal(size, 1ULL << 21);
	vmr_tlb_insert(&tlb, 0xffff888012345678ULL, 0x52345678ULL, 1ULL << 30);
	assert_true(vmr_tlb_lookup(&tlb, 0xffff88803fffffffULL, &pa, &size));
	assert_int_equal(pa, 0x7fffffffULL);
	assert_false(vmr_tlb_lookup(&tlb, 0xffff888040000000ULL, &pa, &size));
	vmr_tlb_insert(&tlb, 0x1000, 0x2000, 12345); /* ignored */
	assert_false(vmr_tlb_lookup(&tlb, 0x1000, &pa, &size));
	vmr_tlb_clear(&tlb);
	assert_false(vmr_tlb_lookup(&tlb, 0xffffffff81234ff8ULL, &pa, &size));

	/* translate_cached agrees with translate on a mixed layout. */
	struct mem *m = mem_new();
	uint64_t root = alloc_table(m);
	const uint64_t k4 = 0xffffc90000000000ULL, k2 = 0xffffffff80000000ULL;
	for (uint64_t off = 0; off < 16ULL << 20; off += PAGE) /* 16 MiB of 4 KiB */
		map(m, root, 4, k4 + off, 0x100000000ULL + ((off * 7919) & 0xfffffff000ULL),
		    PAGE, NX);
	for (uint64_t off = 0; off < 1ULL << 30; off += 1ULL << 21) /* 1 GiB of 2 MiB */
		map(m, root, 4, k2 + off, 0x200000000ULL + off, 1ULL << 21, 0);
	map(m, root, 4, 0xffff888000000000ULL, 0, 1ULL << 30, 0);
	struct vmr_pgt p = pgt_of(m, root, 4);
	uint64_t x = 88172645463325252ULL;
	for (unsigned i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t va;
		switch (i % 4) {
		case 0: va = k4 + (x & ((16ULL << 20) - 1)); break;
		case 1: va = k2 + (x & ((1ULL << 30) - 1)); break;
		case 2: va = 0xffff888000000000ULL + (x & ((1ULL << 31) - 1)); break;
		default: va = k4 + (16ULL << 20) + (x & 0xffff); break; /* unmapped */
		}
		uint64_t pa1 = 0, s1 = 0, pa2 = 0, s2 = 0;
		struct vmr_error *e1 = vmr_pgt_translate(&p, va, &pa1, &s1);
		struct vmr_error *e2 = vmr_pgt_translate_cached(&p, &tlb, va, &pa2, &s2);
		assert_int_equal(e1 == NULL, e2 == NULL);
		if (e1)
			assert_int_equal(vmr_error_code(e1), vmr_error_code(e2));
		else if (pa1 != pa2 || s1 != s2)
			fail_msg("0x%llx: 0x%llx/%llu vs cached 0x%llx/%llu",
				 (unsigned long long)va, (unsigned long long)pa1,
				 (unsigned long long)s1, (unsigned long long)pa2,
				 (unsigned long long)s2);
		vmr_error_free(e1);
		vmr_error_free(e2);
	}

	/* Throughput (printed, not asserted; targets live in bench/). */
	const unsigned n = 4000000;
	uint64_t sum = 0;
	double t0 = now();
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = k4 + ((uint64_t)i * 8 & ((16ULL << 20) - 1));
		assert_null(vmr_pgt_translate(&p, va, &pa, NULL));
		sum += pa;
	}
	double t1 = now();
	vmr_tlb_clear(&tlb);
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = k4 + ((uint64_t)i * 8 & ((16ULL << 20) - 1));
		assert_null(vmr_pgt_translate_cached(&p, &tlb, va, &pa, NULL));
		sum -= pa;
	}
	double t2 = now();
	assert_int_equal(sum, 0);
	/* 128 leaves of 2 MiB: a working set that fits the TLB. */
	const uint64_t span = 256ULL << 20;
	x = 1;
	for (unsigned i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_null(vmr_pgt_translate(&p, k2 + (x & (span - 1)), &pa, NULL));
		sum += pa;
	}
	double t3 = now();
	vmr_tlb_clear(&tlb);
	x = 1;
	for (unsigned i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_null(vmr_pgt_translate_cached(&p, &tlb, k2 + (x & (span - 1)),
						     &pa, NULL));
		sum -= pa;
	}
	double t4 = now();
	assert_int_equal(sum, 0);
	print_message("translate, 8-byte stride over 4 KiB pages: %.1f M/s uncached, "
		      "%.1f M/s with TLB\n", n / (t1 - t0) / 1e6, n / (t2 - t1) / 1e6);
	print_message("translate, random in 256 MiB of 2 MiB pages: %.1f M/s uncached, "
		      "%.1f M/s with TLB\n", n / (t3 - t2) / 1e6, n / (t4 - t3) / 1e6);
	mem_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_root_from_cr3),
		cmocka_unit_test(test_4level_leaves),
		cmocka_unit_test(test_5level_leaves),
		cmocka_unit_test(test_sme_mask),
		cmocka_unit_test(test_pti_root),
		cmocka_unit_test(test_not_present_each_level),
		cmocka_unit_test(test_table_missing),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_lowest_mapped_ktext),
		cmocka_unit_test(test_lowest_mapped_hole),
		cmocka_unit_test(test_lowest_mapped_self_cycle),
		cmocka_unit_test(test_lowest_mapped_cycle_limit),
		cmocka_unit_test(test_tlb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
