/* SPDX-License-Identifier: MIT */
/*
 * owner/page.c arithmetic: vmemmap address -> pfn and offset (bounds:
 * below vmemmap_base, max_pfn, SIZE(page) other than 64), and the names of
 * struct page members for an offset (k6.1 and k6.12 layouts, union members
 * joined with "/", gaps, short buffers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "owner/slab.h"

#define VMEMMAP 0xfffff68f80000000ULL

static void test_struct_page_of_address(void **state)
{
	(void)state;
	struct vmr_slab_layout l = { .vmemmap_base = VMEMMAP, .page_size = 64, .max_pfn = 0x10000 };
	uint64_t pfn, off;
	/* Truth of debian-6.1-sysrq: pfn 0x2a6c at 0xfffff68f800a9b00. */
	assert_true(vmr_page_of_struct_page(&l, 0xfffff68f800a9b00ULL, &pfn, &off));
	assert_int_equal(pfn, 0x2a6c);
	assert_int_equal(off, 0);
	assert_true(vmr_page_of_struct_page(&l, 0xfffff68f800a9b00ULL + 63, &pfn, &off));
	assert_int_equal(pfn, 0x2a6c);
	assert_int_equal(off, 63);
	assert_true(vmr_page_of_struct_page(&l, VMEMMAP, &pfn, &off));
	assert_int_equal(pfn, 0);
	assert_false(vmr_page_of_struct_page(&l, VMEMMAP - 1, &pfn, &off));
	assert_true(vmr_page_of_struct_page(&l, VMEMMAP + 0xffff * 64 + 8, &pfn, &off));
	assert_int_equal(pfn, 0xffff);
	assert_false(vmr_page_of_struct_page(&l, VMEMMAP + 0x10000 * 64, &pfn, &off));
	/* max_pfn unknown: any pfn. */
	l.max_pfn = 0;
	assert_true(vmr_page_of_struct_page(&l, VMEMMAP + 0x10000 * 64, &pfn, &off));
	assert_int_equal(pfn, 0x10000);
	/* A debug kernel's 80-byte struct page. */
	l.page_size = 80;
	assert_true(vmr_page_of_struct_page(&l, VMEMMAP + 3 * 80 + 79, &pfn, &off));
	assert_int_equal(pfn, 3);
	assert_int_equal(off, 79);
	l.page_size = 0;
	assert_false(vmr_page_of_struct_page(&l, VMEMMAP, &pfn, &off));
}

/* k6.12 x86_64 struct page: offsets of the Debian 6.12 DWARF. */
static const struct vmr_page_field fields_612[] = {
	{ "flags", 0, 8 },         { "lru.next", 8, 8 },   { "lru.prev", 16, 8 },
	{ "compound_head", 8, 8 }, { "mapping", 24, 8 },   { "index", 32, 8 },
	{ "private", 40, 8 },      { "_mapcount", 48, 4 }, { "page_type", 48, 4 },
	{ "_refcount", 52, 4 },    { "memcg_data", 56, 8 },
};

static void test_field_names(void **state)
{
	(void)state;
	char buf[48];
	unsigned n = sizeof(fields_612) / sizeof(fields_612[0]);
	static const struct {
		uint64_t off;
		const char *want;
	} cases[] = {
		{ 0, "flags" },       { 7, "flags" },
		{ 8, "lru.next/compound_head" }, { 15, "lru.next/compound_head" },
		{ 16, "lru.prev" },   { 24, "mapping" },      { 32, "index" },
		{ 40, "private" },    { 48, "_mapcount/page_type" }, { 51, "_mapcount/page_type" },
		{ 52, "_refcount" },  { 56, "memcg_data" },   { 63, "memcg_data" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(vmr_page_field_name(fields_612, n, cases[i].off, buf, sizeof(buf)));
		assert_string_equal(buf, cases[i].want);
	}
	/* Beyond every member, or no members known. */
	assert_false(vmr_page_field_name(fields_612, n, 64, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_false(vmr_page_field_name(fields_612, 0, 0, buf, sizeof(buf)));
	/* A gap (no memcg_data: CONFIG_MEMCG off). */
	assert_false(vmr_page_field_name(fields_612, n - 1, 60, buf, sizeof(buf)));
	/* A short buffer keeps whole names only. */
	char small[12];
	assert_true(vmr_page_field_name(fields_612, n, 8, small, sizeof(small)));
	assert_string_equal(small, "lru.next");
	char tiny[4];
	assert_false(vmr_page_field_name(fields_612, n, 8, tiny, sizeof(tiny)));
	assert_string_equal(tiny, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_page_of_address),
		cmocka_unit_test(test_field_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
