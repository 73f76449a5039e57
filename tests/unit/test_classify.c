/* SPDX-License-Identifier: MIT */
/*
 * The region table and vmr_classify(), on layouts built from the values of
 * real dumps (samples/truth.json; corpus custom-6.12-sysrq and
 * custom-6.12-la57-oops) and on the mm.rst default layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vmregion/layout.h>

#define TIB (UINT64_C(1) << 40)

static void set(struct vmr_value *v, uint64_t x)
{
	v->value = x;
	v->source = VMR_SRC_VMCOREINFO;
	snprintf(v->detail, sizeof(v->detail), "test");
}

static void set_section(struct vmr_layout *L, enum vmr_image_section s,
			uint64_t start, uint64_t end)
{
	L->section_start[s] = start;
	L->section_end[s] = end;
}

/* samples/truth.json: Debian 6.1.0-56, 4-level, vsyscall emulation, 384 MiB. */
static void layout_sample_61(struct vmr_layout *L)
{
	memset(L, 0, sizeof(*L));
	set(&L->paging_levels, 4);
	set(&L->kaslr_offset, 0x30000000);
	set(&L->phys_base, UINT64_C(0xffffffffdb400000));
	set(&L->page_offset_base, UINT64_C(0xffff8b93c0000000));
	set(&L->vmalloc_base, UINT64_C(0xffffd13b40000000));
	set(&L->vmemmap_base, UINT64_C(0xfffffb3cc0000000));
	set(&L->max_pfn, 0x17fdd); /* System RAM ends at 0x17fdcfff */
	set(&L->struct_page_size, 64);
	set(&L->kernel_image_size, UINT64_C(0x40000000));
	set(&L->modules_vaddr, UINT64_C(0xffffffffc0000000));
	set(&L->modules_end, UINT64_C(0xffffffffff000000));
	set(&L->fixaddr_start, UINT64_C(0xffffffffff579000));
	set(&L->fixaddr_top, UINT64_C(0xffffffffff7ff000));
	set(&L->image_start, UINT64_C(0xffffffffb1000000));
	set(&L->image_end, UINT64_C(0xffffffffb3830000));
	set_section(L, VMR_SECTION_TEXT, UINT64_C(0xffffffffb1000000), UINT64_C(0xffffffffb1e01ef2));
	/* rodata and bss from /proc/iomem "Kernel rodata"/"Kernel bss" */
	set_section(L, VMR_SECTION_RODATA, UINT64_C(0xffffffffb2000000), UINT64_C(0xffffffffb2827000));
	set_section(L, VMR_SECTION_DATA, UINT64_C(0xffffffffb2a00000), UINT64_C(0xffffffffb2c45e00));
	set_section(L, VMR_SECTION_BSS, UINT64_C(0xffffffffb32b1000), UINT64_C(0xffffffffb3800000));
	set_section(L, VMR_SECTION_BRK, UINT64_C(0xffffffffb3800000), UINT64_C(0xffffffffb3830000));
}

/* corpus/custom-6.12-sysrq: 4-level, no vsyscall emulation, 256 MiB. */
static void layout_custom_612(struct vmr_layout *L)
{
	memset(L, 0, sizeof(*L));
	set(&L->paging_levels, 4);
	set(&L->kaslr_offset, 0x35000000);
	set(&L->phys_base, UINT64_C(0xffffffffd1200000));
	set(&L->page_offset_base, UINT64_C(0xffff8cd8c0000000));
	set(&L->vmalloc_base, UINT64_C(0xffffab4d40000000));
	set(&L->vmemmap_base, UINT64_C(0xffffd00600000000));
	set(&L->max_pfn, 0xffe0);
	set(&L->fixaddr_start, UINT64_C(0xffffffffff77c000));
	set(&L->fixaddr_top, UINT64_C(0xffffffffff7ff000));
	set(&L->image_start, UINT64_C(0xffffffffb6000000));
	set(&L->image_end, UINT64_C(0xffffffffb6e20000));
	set_section(L, VMR_SECTION_TEXT, UINT64_C(0xffffffffb6000000), UINT64_C(0xffffffffb6600000));
	set_section(L, VMR_SECTION_DATA, UINT64_C(0xffffffffb6a00000), UINT64_C(0xffffffffb6ac43c0));
}

/* corpus/custom-6.12-la57-oops: 5-level, no vsyscall emulation, 256 MiB. */
static void layout_la57_612(struct vmr_layout *L)
{
	memset(L, 0, sizeof(*L));
	set(&L->paging_levels, 5);
	set(&L->kaslr_offset, 0x4000000);
	set(&L->phys_base, 0x7600000);
	set(&L->page_offset_base, UINT64_C(0xff3e0a67c0000000));
	set(&L->vmalloc_base, UINT64_C(0xff843e6e00000000));
	set(&L->vmemmap_base, UINT64_C(0xffc6a55500000000));
	set(&L->max_pfn, 0xffe0);
	set(&L->struct_page_size, 64);
	set(&L->fixaddr_start, UINT64_C(0xffffffffff77c000));
	set(&L->fixaddr_top, UINT64_C(0xffffffffff7ff000));
	set(&L->image_start, UINT64_C(0xffffffff85000000));
	set(&L->image_end, UINT64_C(0xffffffff85e20000));
	set_section(L, VMR_SECTION_TEXT, UINT64_C(0xffffffff85000000), UINT64_C(0xffffffff85600000));
	set_section(L, VMR_SECTION_DATA, UINT64_C(0xffffffff85a00000), UINT64_C(0xffffffff85ac43c0));
}

/* Memory KASLR off: the mm.rst bases; fixmap values unknown. */
static void layout_default(struct vmr_layout *L, unsigned int levels)
{
	memset(L, 0, sizeof(*L));
	set(&L->paging_levels, levels);
	if (levels == 5) {
		set(&L->page_offset_base, UINT64_C(0xff11000000000000));
		set(&L->vmalloc_base, UINT64_C(0xffa0000000000000));
		set(&L->vmemmap_base, UINT64_C(0xffd4000000000000));
	} else {
		set(&L->page_offset_base, UINT64_C(0xffff888000000000));
		set(&L->vmalloc_base, UINT64_C(0xffffc90000000000));
		set(&L->vmemmap_base, UINT64_C(0xffffea0000000000));
	}
}

static void build_ok(struct vmr_layout *L)
{
	struct vmr_error *err = vmr_layout_build_regions(L);
	if (err)
		fail_msg("build_regions: %s", vmr_error_message(err));
	assert_true(L->nregions > 0);
}

static struct vmr_addrinfo classify(const struct vmr_layout *L, uint64_t addr)
{
	struct vmr_addrinfo ai;
	memset(&ai, 0xa5, sizeof(ai)); /* every field must be written */
	vmr_classify(L, addr, &ai);
	assert_int_equal(ai.addr, addr);
	return ai;
}

static void expect_invalid(struct vmr_layout *L, const char *needle);

static const char *region_of(const struct vmr_layout *L, uint64_t addr)
{
	return vmr_region_name(classify(L, addr).region);
}

/** The row holding exactly [start, end] with @p id, or fail. */
static const struct vmr_region *row_is(const struct vmr_layout *L, uint64_t start,
				       uint64_t end, enum vmr_region_id id)
{
	for (unsigned int i = 0; i < L->nregions; i++) {
		const struct vmr_region *r = &L->regions[i];
		if (r->start == start && r->end == end && r->id == id)
			return r;
	}
	fail_msg("no %s row 0x%016llx-0x%016llx", vmr_region_name(id),
		 (unsigned long long)start, (unsigned long long)end);
	return NULL;
}

static unsigned int count_rows(const struct vmr_layout *L, enum vmr_region_id id)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < L->nregions; i++)
		n += L->regions[i].id == id;
	return n;
}

/* ---- tiling ------------------------------------------------------------ */

static void check_tiles(const struct vmr_layout *L)
{
	assert_true(L->nregions > 0 && L->nregions <= VMR_LAYOUT_MAX_REGIONS);
	assert_int_equal(L->regions[0].start, 0);
	assert_int_equal(L->regions[L->nregions - 1].end, UINT64_MAX);
	for (unsigned int i = 0; i < L->nregions; i++) {
		const struct vmr_region *r = &L->regions[i];
		assert_true(r->start <= r->end);
		assert_non_null(r->description);
		assert_true((unsigned int)r->id < VMR_REGION__COUNT);
		if (i > 0)
			assert_int_equal(r->start, L->regions[i - 1].end + 1);
		/* adjacent holes would be one row */
		if (i > 0 && r->id == VMR_REGION_HOLE)
			assert_int_not_equal(L->regions[i - 1].id, VMR_REGION_HOLE);
	}
	assert_int_equal(count_rows(L, VMR_REGION_USER), 1);
	assert_int_equal(count_rows(L, VMR_REGION_NON_CANONICAL), 1);
	assert_int_equal(count_rows(L, VMR_REGION_DIRECT_MAP), 1);
	assert_int_equal(count_rows(L, VMR_REGION_VMALLOC), 1);
	assert_int_equal(count_rows(L, VMR_REGION_VMEMMAP), 1);
	assert_int_equal(count_rows(L, VMR_REGION_KERNEL_IMAGE), 1);
	assert_int_equal(count_rows(L, VMR_REGION_MODULES), 1);
	assert_int_equal(count_rows(L, VMR_REGION_CPU_ENTRY_AREA), 1);
}

static void test_tiling(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_sample_61(&L);
	build_ok(&L);
	check_tiles(&L);
	layout_custom_612(&L);
	build_ok(&L);
	check_tiles(&L);
	layout_la57_612(&L);
	build_ok(&L);
	check_tiles(&L);
	for (unsigned int lv = 4; lv <= 5; lv++) {
		layout_default(&L, lv);
		build_ok(&L);
		check_tiles(&L);
		set(&L.kasan, 1);
		build_ok(&L);
		check_tiles(&L);
		set(&L.kasan, 0);
		set(&L.kmsan, 1);
		build_ok(&L);
		check_tiles(&L);
	}
}

/* ---- the samples of the truth files ---------------------------------- */

struct sample {
	const char *name;
	uint64_t addr;
	const char *truth;  /**< "region" in truth.json */
	const char *expect; /**< what vmregion must say, if not truth */
};

static const struct sample sample_61_samples[] = {
	{ "init_task", UINT64_C(0xffffffffb2a1aa40), "kernel-image", NULL },
	{ "jiffies", UINT64_C(0xffffffffb2a079c0), "kernel-image", NULL },
	{ "kernel_text_vfree", UINT64_C(0xffffffffb12dfc80), "kernel-image", NULL },
	{ "kernel_text_printk", UINT64_C(0xffffffffb19d2ca1), "kernel-image", NULL },
	{ "module_text", UINT64_C(0xffffffffc032c004), "modules", NULL },
	{ "module_oops_fn", UINT64_C(0xffffffffc032c040), "modules", NULL },
	{ "module_data", UINT64_C(0xffffffffc032f030), "modules", NULL },
	{ "module_rodata", UINT64_C(0xffffffffc032dee8), "modules", NULL },
	{ "vmalloc_buf", UINT64_C(0xffffd13b4038d123), "vmalloc", NULL },
	{ "cache_obj", UINT64_C(0xffff8b93d7f378c0), "direct-map", NULL },
	{ "cache_obj_inner", UINT64_C(0xffff8b93d7f37908), "direct-map", NULL },
	{ "kmalloc_obj", UINT64_C(0xffff8b93d7fc6c00), "direct-map", NULL },
	{ "task_stack", UINT64_C(0xffffd13b40010100), "vmalloc", NULL },
	{ "task_struct", UINT64_C(0xffff8b93c11f0000), "direct-map", NULL },
	{ "page_directmap", UINT64_C(0xffff8b93d7f36080), "direct-map", NULL },
	{ "page_struct", UINT64_C(0xfffffb3cc05fcd80), "vmemmap", NULL },
	{ "percpu_cpu0", UINT64_C(0xffff8b93d6834000), "direct-map", NULL },
	{ "percpu_cpu1", UINT64_C(0xffff8b93d6934000), "direct-map", NULL },
	{ "cea_idt", UINT64_C(0xfffffe0000000000), "cpu-entry-area", NULL },
	{ "cea_gdt", UINT64_C(0xfffffe0000001000), "cpu-entry-area", NULL },
	{ "fixmap_apic", UINT64_C(0xffffffffff5fd000), "fixmap", NULL },
};

/*
 * fixmap_apic of the custom kernels: truth.json says "hole" because its
 * generator (corpus/build/truth.py region_of) takes the fixmap as
 * [FIXADDR_START, 0xffffffffff600000), empty when FIXADDR_START is above
 * the vsyscall page.  FIX_APIC_BASE at FIXADDR_TOP - 2 pages is a permanent
 * fixmap slot of these kernels ([FIXADDR_START, FIXADDR_TOP + 4096)).
 */
static const struct sample custom_612_samples[] = {
	{ "init_task", UINT64_C(0xffffffffb6a08b40), "kernel-image", NULL },
	{ "jiffies", UINT64_C(0xffffffffb6a069c0), "kernel-image", NULL },
	{ "kernel_text_vfree", UINT64_C(0xffffffffb61af520), "kernel-image", NULL },
	{ "kernel_text_printk", UINT64_C(0xffffffffb60a9e88), "kernel-image", NULL },
	{ "module_text", UINT64_C(0xffffffffc0103014), "modules", NULL },
	{ "module_oops_fn", UINT64_C(0xffffffffc0103070), "modules", NULL },
	{ "module_data", UINT64_C(0xffffffffc0105070), "modules", NULL },
	{ "module_rodata", UINT64_C(0xffffffffc0107ee8), "modules", NULL },
	{ "vmalloc_buf", UINT64_C(0xffffab4d4012d123), "vmalloc", NULL },
	{ "cache_obj", UINT64_C(0xffff8cd8c0376000), "direct-map", NULL },
	{ "cache_obj_inner", UINT64_C(0xffff8cd8c0376048), "direct-map", NULL },
	{ "kmalloc_obj", UINT64_C(0xffff8cd8c037a800), "direct-map", NULL },
	{ "task_stack", UINT64_C(0xffffab4d40010100), "vmalloc", NULL },
	{ "task_struct", UINT64_C(0xffff8cd8c0190000), "direct-map", NULL },
	{ "page_directmap", UINT64_C(0xffff8cd8c0988080), "direct-map", NULL },
	{ "page_struct", UINT64_C(0xffffd00600026200), "vmemmap", NULL },
	{ "percpu_cpu0", UINT64_C(0xffff8cd8cf821fe0), "direct-map", NULL },
	{ "percpu_cpu1", UINT64_C(0xffff8cd8cf921fe0), "direct-map", NULL },
	{ "cea_idt", UINT64_C(0xfffffe0000000000), "cpu-entry-area", NULL },
	{ "cea_gdt", UINT64_C(0xfffffe2c83111000), "cpu-entry-area", NULL },
	{ "fixmap_apic", UINT64_C(0xffffffffff7fd000), "hole", "fixmap" },
};

static const struct sample la57_612_samples[] = {
	{ "init_task", UINT64_C(0xffffffff85a08b40), "kernel-image", NULL },
	{ "jiffies", UINT64_C(0xffffffff85a069c0), "kernel-image", NULL },
	{ "kernel_text_vfree", UINT64_C(0xffffffff851af520), "kernel-image", NULL },
	{ "kernel_text_printk", UINT64_C(0xffffffff850a9e88), "kernel-image", NULL },
	{ "module_text", UINT64_C(0xffffffffc0256014), "modules", NULL },
	{ "module_oops_fn", UINT64_C(0xffffffffc0256070), "modules", NULL },
	{ "module_data", UINT64_C(0xffffffffc0258070), "modules", NULL },
	{ "module_rodata", UINT64_C(0xffffffffc025aee8), "modules", NULL },
	{ "vmalloc_buf", UINT64_C(0xff843e6e00125123), "vmalloc", NULL },
	{ "cache_obj", UINT64_C(0xff3e0a67c09c4000), "direct-map", NULL },
	{ "cache_obj_inner", UINT64_C(0xff3e0a67c09c4048), "direct-map", NULL },
	{ "kmalloc_obj", UINT64_C(0xff3e0a67c02ace00), "direct-map", NULL },
	{ "task_stack", UINT64_C(0xff843e6e00010100), "vmalloc", NULL },
	{ "task_struct", UINT64_C(0xff3e0a67c0188000), "direct-map", NULL },
	{ "page_directmap", UINT64_C(0xff3e0a67c0a26080), "direct-map", NULL },
	{ "page_struct", UINT64_C(0xffc6a55500028980), "vmemmap", NULL },
	{ "percpu_cpu0", UINT64_C(0xff3e0a67cf621fe0), "direct-map", NULL },
	{ "percpu_cpu1", UINT64_C(0xff3e0a67cf721fe0), "direct-map", NULL },
	{ "cea_idt", UINT64_C(0xfffffe0000000000), "cpu-entry-area", NULL },
	{ "cea_gdt", UINT64_C(0xfffffe0ef2457000), "cpu-entry-area", NULL },
	{ "fixmap_apic", UINT64_C(0xffffffffff7fd000), "hole", "fixmap" },
};

static void check_samples(const struct vmr_layout *L, const struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *want = s[i].expect ? s[i].expect : s[i].truth;
		const char *got = region_of(L, s[i].addr);
		if (strcmp(got, want))
			fail_msg("%s 0x%016llx: %s, expected %s", s[i].name,
				 (unsigned long long)s[i].addr, got, want);
		assert_true(classify(L, s[i].addr).canonical);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_samples(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_sample_61(&L);
	build_ok(&L);
	check_samples(&L, sample_61_samples, N(sample_61_samples));
	layout_custom_612(&L);
	build_ok(&L);
	check_samples(&L, custom_612_samples, N(custom_612_samples));
	layout_la57_612(&L);
	build_ok(&L);
	check_samples(&L, la57_612_samples, N(la57_612_samples));
}

/* ---- every row boundary ------------------------------------------------ */

static bool canonical_ref(uint64_t a, unsigned int levels)
{
	uint64_t half = UINT64_C(1) << (levels == 5 ? 56 : 47);
	return a < half || a >= (uint64_t)0 - half;
}

static void check_boundaries(const struct vmr_layout *L)
{
	unsigned int levels = (unsigned int)L->paging_levels.value;

	for (unsigned int i = 0; i < L->nregions; i++) {
		const struct vmr_region *r = &L->regions[i];
		uint64_t probes[] = { r->start, r->end, r->start + (r->end - r->start) / 2 };
		for (size_t k = 0; k < N(probes); k++) {
			struct vmr_addrinfo ai = classify(L, probes[k]);
			assert_ptr_equal(ai.row, r);
			assert_int_equal(ai.region, r->id);
			assert_int_equal(ai.canonical, canonical_ref(probes[k], levels));
			assert_int_equal(ai.canonical, r->id != VMR_REGION_NON_CANONICAL);
		}
		if (r->end != UINT64_MAX)
			assert_ptr_equal(classify(L, r->end + 1).row, r + 1);
		if (r->start != 0)
			assert_ptr_equal(classify(L, r->start - 1).row, r - 1);
	}
}

static void test_boundaries(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_sample_61(&L);
	build_ok(&L);
	check_boundaries(&L);
	layout_custom_612(&L);
	build_ok(&L);
	check_boundaries(&L);
	layout_la57_612(&L);
	build_ok(&L);
	check_boundaries(&L);
	for (unsigned int lv = 4; lv <= 5; lv++) {
		layout_default(&L, lv);
		set(&L.kasan, 1);
		set(&L.kmsan, 1);
		build_ok(&L);
		check_boundaries(&L);
	}
}

/* ---- rows of the mm.rst tables ----------------------------------------- */

static void test_default_4level(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_default(&L, 4);
	build_ok(&L);
	static const struct vmr_region want[] = {
		{ 0, UINT64_C(0x00007fffffffffff), VMR_REGION_USER, NULL },
		{ UINT64_C(0x0000800000000000), UINT64_C(0xffff7fffffffffff), VMR_REGION_NON_CANONICAL, NULL },
		{ UINT64_C(0xffff800000000000), UINT64_C(0xffff87ffffffffff), VMR_REGION_GUARD_HOLE, NULL },
		{ UINT64_C(0xffff880000000000), UINT64_C(0xffff887fffffffff), VMR_REGION_LDT_REMAP, NULL },
		{ UINT64_C(0xffff888000000000), UINT64_C(0xffffc87fffffffff), VMR_REGION_DIRECT_MAP, NULL },
		{ UINT64_C(0xffffc88000000000), UINT64_C(0xffffc8ffffffffff), VMR_REGION_HOLE, NULL },
		{ UINT64_C(0xffffc90000000000), UINT64_C(0xffffe8ffffffffff), VMR_REGION_VMALLOC, NULL },
		{ UINT64_C(0xffffe90000000000), UINT64_C(0xffffe9ffffffffff), VMR_REGION_HOLE, NULL },
		{ UINT64_C(0xffffea0000000000), UINT64_C(0xffffeaffffffffff), VMR_REGION_VMEMMAP, NULL },
		{ UINT64_C(0xffffeb0000000000), UINT64_C(0xfffffdffffffffff), VMR_REGION_HOLE, NULL },
		{ UINT64_C(0xfffffe0000000000), UINT64_C(0xfffffe7fffffffff), VMR_REGION_CPU_ENTRY_AREA, NULL },
		{ UINT64_C(0xfffffe8000000000), UINT64_C(0xfffffeffffffffff), VMR_REGION_HOLE, NULL },
		{ UINT64_C(0xffffff0000000000), UINT64_C(0xffffff7fffffffff), VMR_REGION_ESP_FIXUP, NULL },
		{ UINT64_C(0xffffff8000000000), UINT64_C(0xffffffeeffffffff), VMR_REGION_HOLE, NULL },
		{ UINT64_C(0xffffffef00000000), UINT64_C(0xfffffffeffffffff), VMR_REGION_EFI, NULL },
		{ UINT64_C(0xffffffff00000000), UINT64_C(0xffffffff7fffffff), VMR_REGION_HOLE, NULL },
		{ UINT64_C(0xffffffff80000000), UINT64_C(0xffffffffbfffffff), VMR_REGION_KERNEL_IMAGE, NULL },
		{ UINT64_C(0xffffffffc0000000), UINT64_C(0xfffffffffeffffff), VMR_REGION_MODULES, NULL },
		/* fixmap values unknown: fixmap from MODULES_END, vsyscall assumed */
		{ UINT64_C(0xffffffffff000000), UINT64_C(0xffffffffff5fffff), VMR_REGION_FIXMAP, NULL },
		{ UINT64_C(0xffffffffff600000), UINT64_C(0xffffffffff600fff), VMR_REGION_VSYSCALL, NULL },
		{ UINT64_C(0xffffffffff601000), UINT64_C(0xffffffffff7fffff), VMR_REGION_FIXMAP, NULL },
		{ UINT64_C(0xffffffffff800000), UINT64_C(0xffffffffffffffff), VMR_REGION_HOLE, NULL },
	};
	assert_int_equal(L.nregions, N(want));
	for (size_t i = 0; i < N(want); i++) {
		assert_int_equal(L.regions[i].start, want[i].start);
		assert_int_equal(L.regions[i].end, want[i].end);
		assert_int_equal(L.regions[i].id, want[i].id);
	}
	assert_string_equal(L.regions[4].description,
			    "direct mapping of all physical memory (page_offset_base)");
	assert_int_equal(L.nwarnings, 0);
}

static void test_default_5level(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_default(&L, 5);
	build_ok(&L);
	row_is(&L, 0, UINT64_C(0x00ffffffffffffff), VMR_REGION_USER);
	row_is(&L, UINT64_C(0x0100000000000000), UINT64_C(0xfeffffffffffffff), VMR_REGION_NON_CANONICAL);
	row_is(&L, UINT64_C(0xff00000000000000), UINT64_C(0xff0fffffffffffff), VMR_REGION_GUARD_HOLE);
	row_is(&L, UINT64_C(0xff10000000000000), UINT64_C(0xff10ffffffffffff), VMR_REGION_LDT_REMAP);
	row_is(&L, UINT64_C(0xff11000000000000), UINT64_C(0xff90ffffffffffff), VMR_REGION_DIRECT_MAP);
	row_is(&L, UINT64_C(0xff91000000000000), UINT64_C(0xff9fffffffffffff), VMR_REGION_HOLE);
	row_is(&L, UINT64_C(0xffa0000000000000), UINT64_C(0xffd1ffffffffffff), VMR_REGION_VMALLOC);
	row_is(&L, UINT64_C(0xffd2000000000000), UINT64_C(0xffd3ffffffffffff), VMR_REGION_HOLE);
	row_is(&L, UINT64_C(0xffd4000000000000), UINT64_C(0xffd5ffffffffffff), VMR_REGION_VMEMMAP);
	row_is(&L, UINT64_C(0xffd6000000000000), UINT64_C(0xfffffdffffffffff), VMR_REGION_HOLE);
	row_is(&L, UINT64_C(0xfffffe0000000000), UINT64_C(0xfffffe7fffffffff), VMR_REGION_CPU_ENTRY_AREA);
	row_is(&L, UINT64_C(0xffffffff80000000), UINT64_C(0xffffffffbfffffff), VMR_REGION_KERNEL_IMAGE);
}

/* Sizes of randomized layouts: kaslr.c reservations, truth.json vmalloc_end. */
static void test_kaslr_sizes(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_sample_61(&L);
	build_ok(&L);
	/* 384 MiB: DIV_ROUND_UP = 1 TiB + 10 TiB padding */
	row_is(&L, UINT64_C(0xffff8b93c0000000), UINT64_C(0xffff8b93c0000000) + 11 * TIB - 1,
	       VMR_REGION_DIRECT_MAP);
	row_is(&L, UINT64_C(0xffffd13b40000000), UINT64_C(0xfffff13b3fffffff), VMR_REGION_VMALLOC);
	row_is(&L, UINT64_C(0xfffffb3cc0000000), UINT64_C(0xfffffb3cc0000000) + TIB - 1,
	       VMR_REGION_VMEMMAP);
	assert_string_equal(region_of(&L, UINT64_C(0xffff8b93c0000000) + 11 * TIB), "hole");

	/* max_pfn unknown: the full 64 TiB */
	L.max_pfn.source = VMR_SRC_NONE;
	build_ok(&L);
	row_is(&L, UINT64_C(0xffff8b93c0000000), UINT64_C(0xffff8b93c0000000) + 64 * TIB - 1,
	       VMR_REGION_DIRECT_MAP);

	/* explicit sizes win */
	set(&L.direct_map_size, 2 * TIB);
	set(&L.vmalloc_size, 16 * TIB);
	set(&L.vmemmap_size, 2 * TIB);
	build_ok(&L);
	row_is(&L, UINT64_C(0xffff8b93c0000000), UINT64_C(0xffff8b93c0000000) + 2 * TIB - 1,
	       VMR_REGION_DIRECT_MAP);
	row_is(&L, UINT64_C(0xffffd13b40000000), UINT64_C(0xffffd13b40000000) + 16 * TIB - 1,
	       VMR_REGION_VMALLOC);
	row_is(&L, UINT64_C(0xfffffb3cc0000000), UINT64_C(0xfffffb3cc0000000) + 2 * TIB - 1,
	       VMR_REGION_VMEMMAP);

	layout_la57_612(&L);
	build_ok(&L);
	row_is(&L, UINT64_C(0xff843e6e00000000), UINT64_C(0xffb63e6dffffffff), VMR_REGION_VMALLOC);
	row_is(&L, UINT64_C(0xff3e0a67c0000000), UINT64_C(0xff3e0a67c0000000) + 11 * TIB - 1,
	       VMR_REGION_DIRECT_MAP);
	L.max_pfn.source = VMR_SRC_NONE;
	build_ok(&L);
	/* 4 PiB direct map -> 64 TiB of struct pages */
	row_is(&L, UINT64_C(0xff3e0a67c0000000), UINT64_C(0xff3e0a67c0000000) + 4096 * TIB - 1,
	       VMR_REGION_DIRECT_MAP);
	row_is(&L, UINT64_C(0xffc6a55500000000), UINT64_C(0xffc6a55500000000) + 64 * TIB - 1,
	       VMR_REGION_VMEMMAP);
	assert_int_equal(L.nwarnings, 0);
}

/* ---- canonical --------------------------------------------------------- */

static void test_noncanonical(void **state)
{
	(void)state;
	struct vmr_layout L;
	struct vmr_addrinfo ai;

	layout_sample_61(&L);
	build_ok(&L);
	ai = classify(&L, UINT64_C(0x0000800000000000));
	assert_false(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_NON_CANONICAL);
	ai = classify(&L, UINT64_C(0xff00000000000000));
	assert_false(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_NON_CANONICAL);
	ai = classify(&L, UINT64_C(0xdead000000000100));
	assert_false(ai.canonical);
	ai = classify(&L, UINT64_C(0xffff7fffffffffff));
	assert_false(ai.canonical);
	ai = classify(&L, UINT64_C(0x00007fffffffffff));
	assert_true(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_USER);
	ai = classify(&L, UINT64_C(0xffff800000000000));
	assert_true(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_GUARD_HOLE);

	layout_la57_612(&L);
	build_ok(&L);
	ai = classify(&L, UINT64_C(0x0000800000000000));
	assert_true(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_USER);
	ai = classify(&L, UINT64_C(0xff00000000000000));
	assert_true(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_GUARD_HOLE);
	ai = classify(&L, UINT64_C(0x0100000000000000));
	assert_false(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_NON_CANONICAL);
	ai = classify(&L, UINT64_C(0xfeffffffffffffff));
	assert_false(ai.canonical);
	assert_int_equal(ai.region, VMR_REGION_NON_CANONICAL);
	/* 4-level kernel addresses are user space under 5-level paging */
	assert_string_equal(region_of(&L, UINT64_C(0x00ff8b93c0000000)), "user");
}

/* ---- KASAN / KMSAN ----------------------------------------------------- */

static void test_kasan(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_default(&L, 4);
	build_ok(&L);
	assert_string_equal(region_of(&L, UINT64_C(0xfffff00000000000)), "hole");
	assert_int_equal(count_rows(&L, VMR_REGION_KASAN_SHADOW), 0);
	set(&L.kasan, 1);
	build_ok(&L);
	row_is(&L, UINT64_C(0xffffeb0000000000), UINT64_C(0xffffebffffffffff), VMR_REGION_HOLE);
	row_is(&L, UINT64_C(0xffffec0000000000), UINT64_C(0xfffffbffffffffff), VMR_REGION_KASAN_SHADOW);
	row_is(&L, UINT64_C(0xfffffc0000000000), UINT64_C(0xfffffdffffffffff), VMR_REGION_HOLE);
	assert_string_equal(region_of(&L, UINT64_C(0xfffff00000000000)), "kasan-shadow");
	assert_int_equal(L.nwarnings, 0);

	layout_default(&L, 5);
	set(&L.kasan, 1);
	build_ok(&L);
	row_is(&L, UINT64_C(0xffdf000000000000), UINT64_C(0xfffffbffffffffff), VMR_REGION_KASAN_SHADOW);
	assert_string_equal(region_of(&L, UINT64_C(0xffe0000000000000)), "kasan-shadow");

	/* a vmemmap reaching into the shadow is refused */
	layout_default(&L, 4);
	set(&L.kasan, 1);
	set(&L.vmemmap_size, 3 * TIB);
	expect_invalid(&L, "overlaps the KASAN shadow");
}

static void test_kmsan(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_default(&L, 4);
	set(&L.kmsan, 1);
	build_ok(&L);
	uint64_t vb = UINT64_C(0xffffc90000000000), q = 8 * TIB, mlen = 0x3f000000;
	row_is(&L, vb, vb + q - 1, VMR_REGION_VMALLOC);
	row_is(&L, vb + q, vb + 2 * q - 1, VMR_REGION_KMSAN_SHADOW);
	row_is(&L, vb + 2 * q, vb + 3 * q - 1, VMR_REGION_KMSAN_ORIGIN);
	row_is(&L, vb + 3 * q, vb + 3 * q + mlen - 1, VMR_REGION_KMSAN_SHADOW);
	row_is(&L, vb + 3 * q + mlen, vb + 3 * q + 2 * mlen - 1, VMR_REGION_KMSAN_ORIGIN);
	row_is(&L, vb + 3 * q + 2 * mlen, UINT64_C(0xffffe9ffffffffff), VMR_REGION_HOLE);
	assert_string_equal(region_of(&L, vb + q + 5), "kmsan-shadow");
	assert_string_equal(region_of(&L, vb + 2 * q + 5), "kmsan-origin");
	assert_string_equal(region_of(&L, vb + q - 1), "vmalloc");
	check_tiles(&L);
}

/* ---- fixmap and vsyscall ----------------------------------------------- */

static void test_fixmap(void **state)
{
	(void)state;
	struct vmr_layout L;

	/* Debian: FIXADDR_START 0xffffffffff579000, vsyscall page is slot 511 */
	layout_sample_61(&L);
	build_ok(&L);
	/* 646 permanent slots -> FIX_BTMAP_END 1024, 1536 slots in all */
	row_is(&L, UINT64_C(0xffffffffff000000), UINT64_C(0xffffffffff1fefff), VMR_REGION_HOLE);
	row_is(&L, UINT64_C(0xffffffffff1ff000), UINT64_C(0xffffffffff578fff), VMR_REGION_FIXMAP);
	row_is(&L, UINT64_C(0xffffffffff579000), UINT64_C(0xffffffffff5fffff), VMR_REGION_FIXMAP);
	row_is(&L, UINT64_C(0xffffffffff600000), UINT64_C(0xffffffffff600fff), VMR_REGION_VSYSCALL);
	row_is(&L, UINT64_C(0xffffffffff601000), UINT64_C(0xffffffffff7fffff), VMR_REGION_FIXMAP);
	row_is(&L, UINT64_C(0xffffffffff800000), UINT64_MAX, VMR_REGION_HOLE);
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff600400)), "vsyscall");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff5ff000)), "fixmap");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff7ff000)), "fixmap");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff7fffff)), "fixmap");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff800000)), "hole");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffffff4111)), "hole");

	/* Custom 6.12: FIXADDR_START 0xffffffffff77c000, no vsyscall slot */
	layout_custom_612(&L);
	build_ok(&L);
	assert_int_equal(count_rows(&L, VMR_REGION_VSYSCALL), 0);
	row_is(&L, UINT64_C(0xffffffffff3ff000), UINT64_C(0xffffffffff77bfff), VMR_REGION_FIXMAP);
	row_is(&L, UINT64_C(0xffffffffff77c000), UINT64_C(0xffffffffff7fffff), VMR_REGION_FIXMAP);
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff600000)), "fixmap");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff7fd000)), "fixmap");
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff3fe000)), "hole");

	/* FIXADDR_TOT_START given: used as is */
	set(&L.fixaddr_tot_start, UINT64_C(0xffffffffff3fe000));
	build_ok(&L);
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff3fe000)), "fixmap");

	/* la57 kernel: same top of the address space */
	layout_la57_612(&L);
	build_ok(&L);
	assert_int_equal(count_rows(&L, VMR_REGION_VSYSCALL), 0);
	assert_string_equal(region_of(&L, UINT64_C(0xffffffffff7fd000)), "fixmap");
}

/* ---- phys, pfn, sections ----------------------------------------------- */

static void test_phys(void **state)
{
	(void)state;
	struct vmr_layout L;
	struct vmr_addrinfo ai;

	layout_sample_61(&L);
	build_ok(&L);
	/* page_directmap: phys 0x17f36000 + 0x80 */
	ai = classify(&L, UINT64_C(0xffff8b93d7f36080));
	assert_true(ai.has_phys && ai.has_pfn);
	assert_int_equal(ai.phys, 0x17f36080);
	assert_int_equal(ai.pfn, 0x17f36);
	assert_int_equal(ai.section, VMR_SECTION_NONE);
	assert_false(ai.mapped_known);
	/* beyond max_pfn: still direct map, no phys */
	ai = classify(&L, UINT64_C(0xffff8b93c0000000) + (UINT64_C(0x17fdd) << 12));
	assert_int_equal(ai.region, VMR_REGION_DIRECT_MAP);
	assert_false(ai.has_phys);
	assert_false(ai.has_pfn);
	/* page_struct: the struct page of pfn 0x17f36 (and inside it) */
	ai = classify(&L, UINT64_C(0xfffffb3cc05fcd80));
	assert_int_equal(ai.region, VMR_REGION_VMEMMAP);
	assert_true(ai.has_pfn);
	assert_false(ai.has_phys);
	assert_int_equal(ai.pfn, 0x17f36);
	assert_int_equal(classify(&L, UINT64_C(0xfffffb3cc05fcdbf)).pfn, 0x17f36);
	assert_false(classify(&L, UINT64_C(0xfffffb3cc0000000) + 64 * UINT64_C(0x17fdd)).has_pfn);
	/* _text -> "Kernel code" 0xc400000 */
	ai = classify(&L, UINT64_C(0xffffffffb1000000));
	assert_true(ai.has_phys);
	assert_int_equal(ai.phys, 0xc400000);
	assert_int_equal(ai.pfn, 0xc400);
	assert_int_equal(ai.section, VMR_SECTION_TEXT);
	assert_string_equal(vmr_section_name(ai.section), ".text");
	/* vfree+0x10 and jiffies */
	assert_int_equal(classify(&L, UINT64_C(0xffffffffb12dfc80)).section, VMR_SECTION_TEXT);
	assert_int_equal(classify(&L, UINT64_C(0xffffffffb2a079c0)).section, VMR_SECTION_DATA);
	assert_int_equal(classify(&L, UINT64_C(0xffffffffb2000000)).section, VMR_SECTION_RODATA);
	assert_int_equal(classify(&L, UINT64_C(0xffffffffb32b1000)).section, VMR_SECTION_BSS);
	assert_int_equal(classify(&L, UINT64_C(0xffffffffb382ffff)).section, VMR_SECTION_BRK);
	/* image row but outside [_text, _end): no phys, no section */
	ai = classify(&L, UINT64_C(0xffffffffb3830000));
	assert_int_equal(ai.region, VMR_REGION_KERNEL_IMAGE);
	assert_false(ai.has_phys);
	assert_int_equal(ai.section, VMR_SECTION_NONE);
	ai = classify(&L, UINT64_C(0xffffffff80000000));
	assert_int_equal(ai.region, VMR_REGION_KERNEL_IMAGE);
	assert_false(ai.has_phys);
	/* vmalloc and modules: no linear phys */
	assert_false(classify(&L, UINT64_C(0xffffd13b4038d123)).has_phys);
	assert_false(classify(&L, UINT64_C(0xffffffffc032c004)).has_pfn);

	/* la57: direct map and vmemmap of pfn 0xa26 */
	layout_la57_612(&L);
	build_ok(&L);
	ai = classify(&L, UINT64_C(0xff3e0a67c0a26080));
	assert_int_equal(ai.phys, 0xa26080);
	ai = classify(&L, UINT64_C(0xffc6a55500028980));
	assert_int_equal(ai.pfn, 0xa26);
	ai = classify(&L, UINT64_C(0xffffffff85000000));
	assert_int_equal(ai.phys, 0xc600000);
}

/* ---- invalid layouts --------------------------------------------------- */

static void expect_invalid(struct vmr_layout *L, const char *needle)
{
	struct vmr_error *err = vmr_layout_build_regions(L);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	if (!strstr(vmr_error_message(err), needle))
		fail_msg("message \"%s\" lacks \"%s\"", vmr_error_message(err), needle);
	vmr_error_free(err);
	assert_int_equal(L->nregions, 0);
}

static void test_invalid(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_sample_61(&L);
	set(&L.paging_levels, 3);
	expect_invalid(&L, "paging_levels 3");

	layout_sample_61(&L);
	L.paging_levels.source = VMR_SRC_NONE;
	expect_invalid(&L, "paging_levels");

	/* vmalloc below the direct map */
	layout_sample_61(&L);
	set(&L.vmalloc_base, UINT64_C(0xffff8a0000000000));
	expect_invalid(&L, "0xffff8a0000000000");

	layout_sample_61(&L);
	L.vmemmap_base.source = VMR_SRC_NONE;
	L.vmemmap_base.value = 0;
	expect_invalid(&L, "vmemmap_base");

	/* page_offset_base in the guard hole */
	layout_sample_61(&L);
	set(&L.page_offset_base, UINT64_C(0xffff800000000000));
	expect_invalid(&L, "page_offset_base 0xffff800000000000");

	/* a 4-level base under 5-level paging */
	layout_sample_61(&L);
	set(&L.paging_levels, 5);
	set(&L.vmemmap_base, UINT64_C(0xfffffe0000000000));
	expect_invalid(&L, "vmemmap_base 0xfffffe0000000000");

	/* given sizes that overlap */
	layout_sample_61(&L);
	set(&L.direct_map_size, 80 * TIB);
	expect_invalid(&L, "overlaps vmalloc_base");
	layout_sample_61(&L);
	set(&L.vmalloc_size, 64 * TIB);
	expect_invalid(&L, "overlaps vmemmap_base");

	/* modules inside the kernel image window */
	layout_sample_61(&L);
	set(&L.modules_vaddr, UINT64_C(0xffffffffa0000000));
	expect_invalid(&L, "modules_vaddr 0xffffffffa0000000");

	layout_sample_61(&L);
	set(&L.fixaddr_top, UINT64_C(0xffffffffff7ff800));
	expect_invalid(&L, "fixaddr_top");
	layout_sample_61(&L);
	set(&L.fixaddr_start, UINT64_C(0xfffffffffe000000));
	expect_invalid(&L, "fixaddr_start");
}

/* ---- mild cases: warnings ---------------------------------------------- */

static void test_warnings(void **state)
{
	(void)state;
	struct vmr_layout L;

	layout_sample_61(&L);
	set(&L.page_offset_base, UINT64_C(0xffff8b93c0200000));
	build_ok(&L);
	assert_int_equal(L.nwarnings, 1);
	assert_non_null(strstr(L.warnings[0], "page_offset_base 0xffff8b93c0200000"));
	build_ok(&L); /* same warning is not repeated */
	assert_int_equal(L.nwarnings, 1);

	/* pre-4.20 direct map at 0xffff880000000000: no LDT row */
	layout_default(&L, 4);
	set(&L.page_offset_base, UINT64_C(0xffff880000000000));
	build_ok(&L);
	check_tiles(&L);
	assert_int_equal(count_rows(&L, VMR_REGION_LDT_REMAP), 0);
	assert_int_equal(L.nwarnings, 1);

	memset(&L, 0, sizeof(L));
	for (int i = 0; i < 40; i++)
		vmr_layout_warn(&L, "warning %d\n", i);
	assert_int_equal(L.nwarnings, VMR_LAYOUT_MAX_WARNINGS);
	assert_string_equal(L.warnings[0], "warning 0 ");
	char longer[400];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	memset(&L, 0, sizeof(L));
	vmr_layout_warn(&L, "%s", longer);
	assert_int_equal(strlen(L.warnings[0]), sizeof(L.warnings[0]) - 1);
}

/* ---- names, empty table ------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < VMR_REGION__COUNT; i++) {
		const char *a = vmr_region_name((enum vmr_region_id)i);
		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, vmr_region_name((enum vmr_region_id)j));
	}
	assert_string_equal(vmr_region_name(VMR_REGION_DIRECT_MAP), "direct-map");
	assert_string_equal(vmr_region_name(VMR_REGION_ESP_FIXUP), "esp-fixup");
	assert_string_equal(vmr_region_name(VMR_REGION__COUNT), "unknown");
	assert_null(vmr_section_name(VMR_SECTION_NONE));
	assert_string_equal(vmr_section_name(VMR_SECTION_RODATA), ".rodata");
	assert_null(vmr_section_name(VMR_SECTION__COUNT));
	assert_string_equal(vmr_source_name(VMR_SRC_VMCOREINFO), "vmcoreinfo");
	assert_string_equal(vmr_source_name(VMR_SRC_PAGE_TABLES), "page-tables");
	assert_string_equal(vmr_source_name(VMR_SRC_GUESS), "guess");
	assert_string_equal(vmr_source_name((enum vmr_source)99), "unknown");
}

static void test_no_table(void **state)
{
	(void)state;
	struct vmr_layout L;
	struct vmr_addrinfo ai;

	memset(&L, 0, sizeof(L));
	ai = classify(&L, 0x1000);
	assert_null(ai.row);
	assert_int_equal(ai.region, VMR_REGION_USER);
	ai = classify(&L, UINT64_C(0x0000800000000000));
	assert_int_equal(ai.region, VMR_REGION_NON_CANONICAL);
	assert_false(ai.has_phys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiling),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_default_4level),
		cmocka_unit_test(test_default_5level),
		cmocka_unit_test(test_kaslr_sizes),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_kasan),
		cmocka_unit_test(test_kmsan),
		cmocka_unit_test(test_fixmap),
		cmocka_unit_test(test_phys),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_no_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
