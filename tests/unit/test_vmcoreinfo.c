/* SPDX-License-Identifier: MIT */
/*
 * vmcore/vmcoreinfo.c: the real VMCOREINFO text of a 6.1 dump, the keys and
 * radices of 6.12, and broken texts (x86_64-layout.md §3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmregion/vmcoreinfo.h>

/* From samples/vmcore.kdump-zlib (Debian 6.1.0-56-cloud-amd64), whole text. */
static const char real61[] =
	"OSRELEASE=6.1.0-56-cloud-amd64\n"
	"BUILD-ID=3b43fad5034874490492495d552c0af6a5fab235\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffffb2bf9b60\n"
	"OFFSET(uts_namespace.name)=0\n"
	"SYMBOL(node_online_map)=ffffffffb2c3b480\n"
	"SYMBOL(swapper_pg_dir)=ffffffffb2a10000\n"
	"SYMBOL(_stext)=ffffffffb1000000\n"
	"SYMBOL(vmap_area_list)=ffffffffb2b5a230\n"
	"SYMBOL(mem_section)=ffff8b93d7fd9000\n"
	"LENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\n"
	"OFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=27\n"
	"NUMBER(MAX_PHYSMEM_BITS)=46\n"
	"SIZE(page)=64\n"
	"SIZE(pglist_data)=174208\n"
	"SIZE(zone)=1536\n"
	"SIZE(free_area)=88\n"
	"SIZE(list_head)=16\n"
	"SIZE(nodemask_t)=128\n"
	"OFFSET(page.flags)=0\n"
	"OFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\n"
	"OFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\n"
	"OFFSET(page.private)=40\n"
	"OFFSET(page.compound_dtor)=16\n"
	"OFFSET(page.compound_order)=17\n"
	"OFFSET(page.compound_head)=8\n"
	"OFFSET(pglist_data.node_zones)=0\n"
	"OFFSET(pglist_data.nr_zones)=171552\n"
	"OFFSET(pglist_data.node_start_pfn)=171560\n"
	"OFFSET(pglist_data.node_spanned_pages)=171576\n"
	"OFFSET(pglist_data.node_id)=171584\n"
	"OFFSET(zone.free_area)=256\n"
	"OFFSET(zone.vm_stat)=1344\n"
	"OFFSET(zone.spanned_pages)=144\n"
	"OFFSET(free_area.free_list)=0\n"
	"OFFSET(list_head.next)=0\n"
	"OFFSET(list_head.prev)=8\n"
	"OFFSET(vmap_area.va_start)=0\n"
	"OFFSET(vmap_area.list)=40\n"
	"LENGTH(zone.free_area)=11\n"
	"SYMBOL(prb)=ffffffffb2a622c0\n"
	"SYMBOL(printk_rb_static)=ffffffffb2a622e0\n"
	"SYMBOL(clear_seq)=ffffffffb3316480\n"
	"SIZE(printk_ringbuffer)=88\n"
	"OFFSET(printk_ringbuffer.desc_ring)=0\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"OFFSET(printk_ringbuffer.fail)=80\n"
	"SIZE(prb_desc_ring)=48\n"
	"OFFSET(prb_desc_ring.count_bits)=0\n"
	"OFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\n"
	"OFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\n"
	"SIZE(prb_desc)=24\n"
	"OFFSET(prb_desc.state_var)=0\n"
	"OFFSET(prb_desc.text_blk_lpos)=8\n"
	"SIZE(prb_data_blk_lpos)=16\n"
	"OFFSET(prb_data_blk_lpos.begin)=0\n"
	"OFFSET(prb_data_blk_lpos.next)=8\n"
	"SIZE(printk_info)=88\n"
	"OFFSET(printk_info.seq)=0\n"
	"OFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\n"
	"OFFSET(printk_info.caller_id)=20\n"
	"OFFSET(printk_info.dev_info)=24\n"
	"SIZE(dev_printk_info)=64\n"
	"OFFSET(dev_printk_info.subsystem)=0\n"
	"LENGTH(printk_info_subsystem)=16\n"
	"OFFSET(dev_printk_info.device)=16\n"
	"LENGTH(printk_info_device)=48\n"
	"SIZE(prb_data_ring)=32\n"
	"OFFSET(prb_data_ring.size_bits)=0\n"
	"OFFSET(prb_data_ring.data)=8\n"
	"OFFSET(prb_data_ring.head_lpos)=16\n"
	"OFFSET(prb_data_ring.tail_lpos)=24\n"
	"SIZE(atomic_long_t)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n"
	"SIZE(latched_seq)=24\n"
	"OFFSET(latched_seq.val)=8\n"
	"LENGTH(free_area.free_list)=5\n"
	"NUMBER(NR_FREE_PAGES)=0\n"
	"NUMBER(PG_lru)=4\n"
	"NUMBER(PG_private)=13\n"
	"NUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\n"
	"NUMBER(PG_slab)=9\n"
	"NUMBER(PG_head_mask)=65536\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(HUGETLB_PAGE_DTOR)=2\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
	"SYMBOL(kallsyms_names)=ffffffffb2175590\n"
	"SYMBOL(kallsyms_num_syms)=ffffffffb2175588\n"
	"SYMBOL(kallsyms_token_table)=ffffffffb22c9d08\n"
	"SYMBOL(kallsyms_token_index)=ffffffffb22ca0a0\n"
	"SYMBOL(kallsyms_offsets)=ffffffffb21200b0\n"
	"SYMBOL(kallsyms_relative_base)=ffffffffb2175580\n"
	"NUMBER(phys_base)=-616562688\n"
	"SYMBOL(init_top_pgt)=ffffffffb2a10000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"SYMBOL(node_data)=ffffffffb2c368e0\n"
	"LENGTH(node_data)=1024\n"
	"KERNELOFFSET=30000000\n"
	"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
	"NUMBER(sme_mask)=0\n"
	"CRASHTIME=1795505145\n"
	;

/** Parse @p len bytes of @p text; the test fails unless it succeeds. */
static struct vmr_vmcoreinfo *parse_ok(const char *text, size_t len)
{
	struct vmr_vmcoreinfo *vi = NULL;
	struct vmr_error *err = vmr_vmcoreinfo_parse(text, len, &vi);
	if (err)
		fail_msg("parse: %s", vmr_error_message(err));
	assert_non_null(vi);
	return vi;
}

#define PARSE_STR(s) parse_ok((s), sizeof(s) - 1)

/** Parse and return the error code (the error is freed), or -1 on success. */
static int parse_code(const char *text, size_t len)
{
	struct vmr_vmcoreinfo *vi = (struct vmr_vmcoreinfo *)0x1;
	struct vmr_error *err = vmr_vmcoreinfo_parse(text, len, &vi);
	if (!err) {
		vmr_vmcoreinfo_free(vi);
		return -1;
	}
	assert_null(vi);
	int code = vmr_error_code(err);
	assert_true(vmr_error_message(err)[0] != '\0');
	vmr_error_free(err);
	return code;
}

static void test_real_61(void **state)
{
	(void)state;
	struct vmr_vmcoreinfo *vi = PARSE_STR(real61);
	assert_int_equal(vmr_vmcoreinfo_count(vi), 109);
	assert_int_equal(vmr_vmcoreinfo_bad_lines(vi), 0);

	assert_string_equal(vmr_vmcoreinfo_get(vi, "OSRELEASE"), "6.1.0-56-cloud-amd64");
	assert_string_equal(vmr_vmcoreinfo_get(vi, "BUILD-ID"),
			    "3b43fad5034874490492495d552c0af6a5fab235");
	assert_string_equal(vmr_vmcoreinfo_get(vi, "PAGESIZE"), "4096");
	assert_string_equal(vmr_vmcoreinfo_get(vi, "CRASHTIME"), "1795505145");
	assert_null(vmr_vmcoreinfo_get(vi, "NOSUCHKEY"));
	assert_null(vmr_vmcoreinfo_get(vi, "SYMBOL(_stext"));
	assert_null(vmr_vmcoreinfo_get(vi, NULL));

	uint64_t u = 0;
	int64_t s = 0;
	assert_true(vmr_vmcoreinfo_symbol(vi, "_stext", &u));
	assert_int_equal(u, 0xffffffffb1000000ULL);
	assert_true(vmr_vmcoreinfo_symbol(vi, "init_top_pgt", &u));
	assert_int_equal(u, 0xffffffffb2a10000ULL);
	assert_true(vmr_vmcoreinfo_symbol(vi, "mem_section", &u));
	assert_int_equal(u, 0xffff8b93d7fd9000ULL);
	assert_true(vmr_vmcoreinfo_kerneloffset(vi, &u));
	assert_int_equal(u, 0x30000000);
	/* phys_base is negative on this dump: %ld of a long, never hex. */
	assert_true(vmr_vmcoreinfo_number(vi, "phys_base", &s));
	assert_true(s == -616562688);
	assert_true(vmr_vmcoreinfo_number(vi, "pgtable_l5_enabled", &s));
	assert_true(s == 0);
	assert_true(vmr_vmcoreinfo_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &s));
	assert_true(s == -129);
	assert_true(vmr_vmcoreinfo_number(vi, "KERNEL_IMAGE_SIZE", &s));
	assert_true(s == 1073741824);
	assert_true(vmr_vmcoreinfo_number(vi, "PG_head_mask", &s));
	assert_true(s == 65536);
	assert_true(vmr_vmcoreinfo_offset(vi, "page._mapcount", &u));
	assert_int_equal(u, 48);
	assert_true(vmr_vmcoreinfo_offset(vi, "pglist_data.node_id", &u));
	assert_int_equal(u, 171584);
	assert_true(vmr_vmcoreinfo_offset(vi, "uts_namespace.name", &u));
	assert_int_equal(u, 0);
	assert_true(vmr_vmcoreinfo_size(vi, "pglist_data", &u));
	assert_int_equal(u, 174208);
	assert_true(vmr_vmcoreinfo_length(vi, "zone.free_area", &u));
	assert_int_equal(u, 11);
	assert_true(vmr_vmcoreinfo_length(vi, "node_data", &u));
	assert_int_equal(u, 1024);

	/* The type picks the key prefix. */
	assert_false(vmr_vmcoreinfo_number(vi, "_stext", &s));
	assert_false(vmr_vmcoreinfo_symbol(vi, "phys_base", &u));
	assert_false(vmr_vmcoreinfo_size(vi, "page.flags", &u));
	assert_false(vmr_vmcoreinfo_symbol(vi, "vmemmap", &u)); /* not in 6.1 */
	assert_false(vmr_vmcoreinfo_number(vi, "VMALLOC_START", &s));

	/* Entries in file order; every key finds its own line. */
	const char *k, *v;
	assert_true(vmr_vmcoreinfo_entry(vi, 0, &k, &v));
	assert_string_equal(k, "OSRELEASE");
	assert_true(vmr_vmcoreinfo_entry(vi, 108, &k, &v));
	assert_string_equal(k, "CRASHTIME");
	assert_false(vmr_vmcoreinfo_entry(vi, 109, &k, &v));
	for (size_t i = 0; i < vmr_vmcoreinfo_count(vi); i++) {
		assert_true(vmr_vmcoreinfo_entry(vi, i, &k, &v));
		assert_ptr_equal(vmr_vmcoreinfo_get(vi, k), v);
	}
	vmr_vmcoreinfo_free(vi);
}

/* Keys of 6.12 whose radix or sign differs (§3.1, §3.3). */
static void test_612_values(void **state)
{
	(void)state;
	struct vmr_vmcoreinfo *vi = PARSE_STR(
		"OSRELEASE=6.12.0\n"
		"NUMBER(VMALLOC_START)=0xffffb5e4c0000000\n"
		"SYMBOL(vmemmap)=ffffe2f780000000\n"
		"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
		"NUMBER(sme_mask)=140737488355328\n"
		"NUMBER(pgtable_l5_enabled)=1\n"
		"NUMBER(phys_base)=16777216\n");
	int64_t s = 0;
	uint64_t u = 0;
	assert_true(vmr_vmcoreinfo_number(vi, "VMALLOC_START", &s));
	assert_int_equal((uint64_t)s, 0xffffb5e4c0000000ULL);
	assert_true(vmr_vmcoreinfo_symbol(vi, "vmemmap", &u));
	assert_int_equal(u, 0xffffe2f780000000ULL);
	assert_true(vmr_vmcoreinfo_number(vi, "PAGE_SLAB_MAPCOUNT_VALUE", &s));
	assert_true(s == -184549376);
	assert_int_equal((uint32_t)s >> 24, 0xf5);
	assert_true(vmr_vmcoreinfo_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &s));
	assert_int_equal((uint32_t)s >> 24, 0xf0);
	assert_true(vmr_vmcoreinfo_number(vi, "sme_mask", &s));
	assert_true(s == (int64_t)1 << 47);
	assert_true(vmr_vmcoreinfo_number(vi, "pgtable_l5_enabled", &s));
	assert_true(s == 1);
	/* Decimal, as the kernel writes it, not QEMU's base-16 misreading. */
	assert_true(vmr_vmcoreinfo_number(vi, "phys_base", &s));
	assert_true(s == 0x1000000);
	assert_false(vmr_vmcoreinfo_kerneloffset(vi, &u));
	vmr_vmcoreinfo_free(vi);
}

/* Every numeric getter: accepted and rejected spellings. */
static void test_number_syntax(void **state)
{
	(void)state;
	struct vmr_vmcoreinfo *vi = PARSE_STR(
		"NUMBER(min)=-9223372036854775808\n"
		"NUMBER(max)=9223372036854775807\n"
		"NUMBER(over)=9223372036854775808\n"
		"NUMBER(under)=-9223372036854775809\n"
		"NUMBER(garbage)=12abc\n"
		"NUMBER(empty)=\n"
		"NUMBER(digits40)=1234567890123456789012345678901234567890\n"
		"NUMBER(bare0x)=0x\n"
		"NUMBER(space)= 12\n"
		"NUMBER(trail)=12 \n"
		"NUMBER(minus)=-\n"
		"NUMBER(neghex)=-0x10\n"
		"NUMBER(hexmax)=0xffffffffffffffff\n"
		"NUMBER(hex17)=0x1ffffffffffffffff\n"
		"NUMBER(plus)=+5\n"
		"NUMBER(zero)=0\n"
		"SYMBOL(max)=ffffffffffffffff\n"
		"SYMBOL(upper)=FFFFFFFF81000000\n"
		"SYMBOL(prefixed)=0xffffffff81000000\n"
		"SYMBOL(hex17)=1ffffffffffffffff\n"
		"SYMBOL(lz)=00000000000000000001\n"
		"SYMBOL(bad)=ffffffffg1000000\n"
		"SYMBOL(empty)=\n"
		"SIZE(max)=18446744073709551615\n"
		"SIZE(over)=18446744073709551616\n"
		"SIZE(neg)=-1\n"
		"SIZE(hex)=0x10\n"
		"OFFSET(a.b)=7x\n"
		"LENGTH(x)=\n"
		"KERNELOFFSET=zz\n");
	assert_int_equal(vmr_vmcoreinfo_bad_lines(vi), 0);
	int64_t s = 0;
	uint64_t u = 0;
	assert_true(vmr_vmcoreinfo_number(vi, "min", &s));
	assert_true(s == INT64_MIN);
	assert_true(vmr_vmcoreinfo_number(vi, "max", &s));
	assert_true(s == INT64_MAX);
	assert_true(vmr_vmcoreinfo_number(vi, "neghex", &s));
	assert_true(s == -16);
	assert_true(vmr_vmcoreinfo_number(vi, "hexmax", &s));
	assert_true(s == -1);
	assert_true(vmr_vmcoreinfo_number(vi, "zero", &s));
	assert_true(s == 0);
	static const char *const bad_numbers[] = {
		"over", "under", "garbage", "empty", "digits40", "bare0x", "space",
		"trail", "minus", "hex17", "plus", "absent",
	};
	for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(*bad_numbers); i++) {
		s = 42;
		if (vmr_vmcoreinfo_number(vi, bad_numbers[i], &s))
			fail_msg("NUMBER(%s) accepted", bad_numbers[i]);
		assert_true(s == 42); /* untouched */
	}
	assert_true(vmr_vmcoreinfo_symbol(vi, "max", &u));
	assert_int_equal(u, UINT64_MAX);
	assert_true(vmr_vmcoreinfo_symbol(vi, "upper", &u));
	assert_int_equal(u, 0xffffffff81000000ULL);
	assert_true(vmr_vmcoreinfo_symbol(vi, "prefixed", &u));
	assert_int_equal(u, 0xffffffff81000000ULL);
	assert_true(vmr_vmcoreinfo_symbol(vi, "lz", &u));
	assert_int_equal(u, 1);
	assert_false(vmr_vmcoreinfo_symbol(vi, "hex17", &u));
	assert_false(vmr_vmcoreinfo_symbol(vi, "bad", &u));
	assert_false(vmr_vmcoreinfo_symbol(vi, "empty", &u));
	assert_true(vmr_vmcoreinfo_size(vi, "max", &u));
	assert_int_equal(u, UINT64_MAX);
	assert_false(vmr_vmcoreinfo_size(vi, "over", &u));
	assert_false(vmr_vmcoreinfo_size(vi, "neg", &u));
	assert_false(vmr_vmcoreinfo_size(vi, "hex", &u));
	assert_false(vmr_vmcoreinfo_offset(vi, "a.b", &u));
	assert_false(vmr_vmcoreinfo_length(vi, "x", &u));
	assert_false(vmr_vmcoreinfo_kerneloffset(vi, &u));
	assert_string_equal(vmr_vmcoreinfo_get(vi, "NUMBER(empty)"), "");
	/* Outputs are optional. */
	assert_true(vmr_vmcoreinfo_number(vi, "max", NULL));
	/* A name too long for any key is simply absent. */
	char longname[400];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(vmr_vmcoreinfo_symbol(vi, longname, &u));
	vmr_vmcoreinfo_free(vi);
}

static void test_malformed_lines(void **state)
{
	(void)state;
	static const char text[] =
		"SIZE(a)=1\n"
		"no equals sign\n"
		"=value without key\n"
		"KEY WITH SPACE=1\n"
		"\n"
		"SIZE(b)=2\n"
		"CTRL=a\001b\n"
		"SIZE(c)=3\n"
		"\t=x\n";
	struct vmr_vmcoreinfo *vi = PARSE_STR(text);
	assert_int_equal(vmr_vmcoreinfo_count(vi), 3);
	assert_int_equal(vmr_vmcoreinfo_bad_lines(vi), 5);
	uint64_t u = 0;
	assert_true(vmr_vmcoreinfo_size(vi, "a", &u));
	assert_int_equal(u, 1);
	assert_true(vmr_vmcoreinfo_size(vi, "b", &u));
	assert_int_equal(u, 2);
	assert_true(vmr_vmcoreinfo_size(vi, "c", &u));
	assert_int_equal(u, 3);
	assert_null(vmr_vmcoreinfo_get(vi, "CTRL"));
	assert_null(vmr_vmcoreinfo_get(vi, "KEY"));
	assert_null(vmr_vmcoreinfo_get(vi, ""));
	vmr_vmcoreinfo_free(vi);
}

/* A 79-byte cut line runs into the next key (kernel/vmcore_info.c 0x50 buffer). */
static void test_overlong_merged_line(void **state)
{
	(void)state;
	static const char full[] = "OFFSET(a_very_long_structure_name_for_the_test."
				   "and_an_equally_long_member_name)=12345678\n";
	/* 79 bytes: what the kernel kept of a longer OFFSET line, no '\n'. */
	char head[80];
	assert_true(strlen(full) > 79);
	memcpy(head, full, 79);
	head[79] = '\0';
	char text[512];
	int n = snprintf(text, sizeof(text),
			 "SIZE(first)=10\n%sSIZE(page)=64\n%sNUMBER(phys_base)=-5\n"
			 "OSRELEASE=%s\n",
			 head, head,
			 "a-custom-release-string-that-is-rather-long-but-not-cut-"
			 "by-any-kernel-xxxxxxxxxxxxxxxxxxxxxxxxx");
	struct vmr_vmcoreinfo *vi = parse_ok(text, (size_t)n);
	uint64_t u = 0;
	int64_t s = 0;
	assert_true(vmr_vmcoreinfo_size(vi, "first", &u));
	assert_int_equal(u, 10);
	assert_true(vmr_vmcoreinfo_size(vi, "page", &u));
	assert_int_equal(u, 64);
	assert_true(vmr_vmcoreinfo_number(vi, "phys_base", &s));
	assert_true(s == -5);
	/* The cut heads are dropped and counted; the long line is kept whole. */
	assert_int_equal(vmr_vmcoreinfo_bad_lines(vi), 2);
	assert_false(vmr_vmcoreinfo_offset(vi, "a_very_long_structure_name_for_the_test."
					       "and_an_equally_long_member_name", &u));
	assert_int_equal(vmr_vmcoreinfo_count(vi), 4);
	const char *rel = vmr_vmcoreinfo_get(vi, "OSRELEASE");
	assert_non_null(rel);
	assert_true(strlen(rel) > 79);
	vmr_vmcoreinfo_free(vi);
}

static void test_no_final_newline_and_length(void **state)
{
	(void)state;
	struct vmr_vmcoreinfo *vi = PARSE_STR("PAGESIZE=4096\nSIZE(x)=5");
	uint64_t u = 0;
	assert_true(vmr_vmcoreinfo_size(vi, "x", &u));
	assert_int_equal(u, 5);
	vmr_vmcoreinfo_free(vi);

	/* Only len bytes count: no NUL at the end, more text after it. */
	static const char longer[] = "SIZE(a)=12345\nSIZE(b)=7\n";
	vi = parse_ok(longer, 10); /* "SIZE(a)=12" */
	assert_true(vmr_vmcoreinfo_size(vi, "a", &u));
	assert_int_equal(u, 12);
	assert_null(vmr_vmcoreinfo_get(vi, "SIZE(b)"));
	assert_int_equal(vmr_vmcoreinfo_count(vi), 1);
	vmr_vmcoreinfo_free(vi);

	char *exact = malloc(9);
	assert_non_null(exact);
	memcpy(exact, "SIZE(q)=9", 9); /* not NUL-terminated; ASan sees overreads */
	vi = parse_ok(exact, 9);
	free(exact);
	assert_true(vmr_vmcoreinfo_size(vi, "q", &u));
	assert_int_equal(u, 9);
	vmr_vmcoreinfo_free(vi);
}

static void test_nul_and_crlf(void **state)
{
	(void)state;
	static const char text[] =
		"SIZE(a)=1\r\n"
		"SIZE(b)=2\0junk\n"
		"SYM\0BOL(x)=ff\n"
		"SYMBOL(y)=ff\r\n"
		"SIZE(c)=3\0\0\0\0";
	struct vmr_vmcoreinfo *vi = parse_ok(text, sizeof(text) - 1);
	uint64_t u = 0;
	assert_true(vmr_vmcoreinfo_size(vi, "a", &u));
	assert_int_equal(u, 1);
	assert_string_equal(vmr_vmcoreinfo_get(vi, "SIZE(a)"), "1");
	assert_false(vmr_vmcoreinfo_size(vi, "b", &u));
	assert_true(vmr_vmcoreinfo_symbol(vi, "y", &u));
	assert_int_equal(u, 0xff);
	assert_true(vmr_vmcoreinfo_size(vi, "c", &u)); /* NUL padding dropped */
	assert_int_equal(u, 3);
	assert_null(vmr_vmcoreinfo_get(vi, "SYM"));
	assert_int_equal(vmr_vmcoreinfo_bad_lines(vi), 2);
	assert_int_equal(vmr_vmcoreinfo_count(vi), 3);
	vmr_vmcoreinfo_free(vi);
}

static void test_duplicates_first_wins(void **state)
{
	(void)state;
	struct vmr_vmcoreinfo *vi = PARSE_STR(
		"SIZE(a)=1\nSIZE(z)=26\nSIZE(a)=2\nSIZE(m)=13\nSIZE(a)=3\n");
	uint64_t u = 0;
	assert_true(vmr_vmcoreinfo_size(vi, "a", &u));
	assert_int_equal(u, 1);
	assert_int_equal(vmr_vmcoreinfo_count(vi), 5);
	const char *k, *v;
	assert_true(vmr_vmcoreinfo_entry(vi, 4, &k, &v));
	assert_string_equal(k, "SIZE(a)");
	assert_string_equal(v, "3");
	assert_true(vmr_vmcoreinfo_size(vi, "z", &u));
	assert_int_equal(u, 26);
	assert_true(vmr_vmcoreinfo_size(vi, "m", &u));
	assert_int_equal(u, 13);
	vmr_vmcoreinfo_free(vi);
}

static void test_empty_and_invalid(void **state)
{
	(void)state;
	assert_int_equal(parse_code("", 0), VMR_ERR_FORMAT);
	assert_int_equal(parse_code(NULL, 0), VMR_ERR_FORMAT);
	assert_int_equal(parse_code("\n\n\r\n", 4), VMR_ERR_FORMAT);
	assert_int_equal(parse_code("garbage\nmore garbage\n", 21), VMR_ERR_FORMAT);
	assert_int_equal(parse_code("\0\0\0\0", 4), VMR_ERR_FORMAT);
	assert_int_equal(parse_code(NULL, 5), VMR_ERR_INVALID);
	struct vmr_error *err = vmr_vmcoreinfo_parse("A=1", 3, NULL);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
	/* A NULL table answers nothing. */
	uint64_t u;
	assert_null(vmr_vmcoreinfo_get(NULL, "A"));
	assert_int_equal(vmr_vmcoreinfo_count(NULL), 0);
	assert_int_equal(vmr_vmcoreinfo_bad_lines(NULL), 0);
	assert_false(vmr_vmcoreinfo_entry(NULL, 0, NULL, NULL));
	assert_false(vmr_vmcoreinfo_symbol(NULL, "x", &u));
	assert_false(vmr_vmcoreinfo_kerneloffset(NULL, &u));
	vmr_vmcoreinfo_free(NULL);
}

/* 1 MiB of lines parses and every key is found; one byte more is refused. */
static void test_huge_input(void **state)
{
	(void)state;
	const size_t cap = 1u << 20;
	char *text = malloc(cap + 1);
	assert_non_null(text);
	size_t len = 0, lines = 0;
	for (;;) {
		char line[64];
		int n = snprintf(line, sizeof(line), "SIZE(k%zu)=%zu\n", lines, lines * 3);
		if (len + (size_t)n > cap)
			break;
		memcpy(text + len, line, (size_t)n);
		len += (size_t)n;
		lines++;
	}
	memset(text + len, '\n', cap + 1 - len);
	struct vmr_vmcoreinfo *vi = parse_ok(text, cap);
	assert_int_equal(vmr_vmcoreinfo_count(vi), lines);
	for (size_t i = 0; i < lines; i += 97) {
		char name[32];
		uint64_t u = 0;
		snprintf(name, sizeof(name), "k%zu", i);
		assert_true(vmr_vmcoreinfo_size(vi, name, &u));
		assert_int_equal(u, i * 3);
	}
	vmr_vmcoreinfo_free(vi);
	assert_int_equal(parse_code(text, cap + 1), VMR_ERR_LIMIT);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_61),
		cmocka_unit_test(test_612_values),
		cmocka_unit_test(test_number_syntax),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_overlong_merged_line),
		cmocka_unit_test(test_no_final_newline_and_length),
		cmocka_unit_test(test_nul_and_crlf),
		cmocka_unit_test(test_duplicates_first_wins),
		cmocka_unit_test(test_empty_and_invalid),
		cmocka_unit_test(test_huge_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
