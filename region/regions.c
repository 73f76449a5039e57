/* SPDX-License-Identifier: MIT */
/**
 * @file regions.c  The region table of one boot and classify().
 *
 * vmr_layout_build_regions() turns the rebuilt values of a struct vmr_layout
 * into rows that tile [0, 2^64) in address order: every row of the kernel's
 * own table (Documentation/arch/x86/x86_64/mm.rst, 6.1 and 6.12) with this
 * boot's bases, the holes between them included.  vmr_classify() is a
 * binary search over those rows plus a little arithmetic; it neither
 * allocates nor reads anything but the layout.
 *
 * Rules chosen where the dump cannot tell (docs/x86_64-layout.md §1, §2.2):
 *
 * - Memory KASLR off (all three bases at their mm.rst defaults): the rows
 *   are exactly mm.rst's (direct map 64 TiB / 32 PiB, vmemmap 1 TiB /
 *   0.5 PiB).
 * - Memory KASLR on, sizes not given: the reservations of
 *   arch/x86/mm/kaslr.c kernel_randomize_memory().  Direct map: 1 <<
 *   (MAX_PHYSMEM_BITS - 40) TiB (64 TiB / 4 PiB), reduced when max_pfn is
 *   known to DIV_ROUND_UP(max_pfn << 12, 1 TiB) + 10 TiB (the default
 *   CONFIG_RANDOMIZE_MEMORY_PHYSICAL_PADDING of MEMORY_HOTPLUG kernels such
 *   as Debian's).  A kernel with CONFIG_ZONE_DEVICE keeps the full size, so
 *   this is an estimate of the reservation; RAM itself always lies inside.
 *   It is also cut so that it ends at least 1 GiB below vmalloc_base, as the
 *   kernel leaves it.  vmalloc: VMALLOC_SIZE_TB (32 TiB / 12800 TiB).
 *   vmemmap: DIV_ROUND_UP(direct-map TiB << 28 * sizeof(struct page), 1 TiB)
 *   TiB (1 TiB for any direct map up to 64 TiB with a 64-byte struct page,
 *   the value crash assumes), cut at cpu_entry_area (or the KASAN shadow).
 * - KERNEL_IMAGE_SIZE unknown: 1 GiB (CONFIG_RANDOMIZE_BASE=y, the
 *   default); MODULES_VADDR = __START_KERNEL_map + KERNEL_IMAGE_SIZE;
 *   MODULES_END 0xffffffffff000000; FIXADDR_TOP 0xffffffffff7ff000.
 * - Fixmap: [FIXADDR_TOT_START, FIXADDR_TOP + 4096).  FIXADDR_TOT_START
 *   unknown: computed from FIXADDR_START like fixmap.h places the 512
 *   boot-time FIX_BTMAP slots (without a possible FIX_TBOOT_BASE); both
 *   unknown: the fixmap row starts at MODULES_END.  Boot-time slots and the
 *   permanent fixmap are separate `fixmap` rows when FIXADDR_START is known.
 * - vsyscall: the page 0xffffffffff600000 is fixmap slot 511, a permanent
 *   slot only with CONFIG_X86_VSYSCALL_EMULATION.  It is its own `vsyscall`
 *   row when FIXADDR_START <= 0xffffffffff600000 (Debian kernels), or when
 *   FIXADDR_START is unknown (the Kconfig default is y).  Otherwise
 *   (custom kernels without the emulation, FIXADDR_START 0xffffffffff77c000)
 *   the address is a boot-time fixmap slot and no vsyscall row exists.
 * - KMSAN: the vmalloc window is split in four quarters (§1.5): vmalloc,
 *   kmsan-shadow, kmsan-origin, then module shadow and module origins
 *   (MODULES_LEN each) followed by a hole.
 */
#include "region/regions-priv.h"

#include "common/error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct vmr_mode_consts mode4 = {
	.levels = 4,
	.va_bits = 48,
	.max_physmem_bits = 46,
	.guard_start = UINT64_C(0xffff800000000000),
	.guard_end = UINT64_C(0xffff87ffffffffff),
	.ldt_start = UINT64_C(0xffff880000000000),
	.ldt_end = UINT64_C(0xffff887fffffffff),
	.vaddr_start = UINT64_C(0xffff888000000000),
	.def_page_offset = UINT64_C(0xffff888000000000),
	.def_direct_map_size = 64 * VMR_TIB,
	.def_vmalloc = UINT64_C(0xffffc90000000000),
	.vmalloc_size = 32 * VMR_TIB,
	.def_vmemmap = UINT64_C(0xffffea0000000000),
	.def_vmemmap_size = VMR_TIB,
	.kasan_start = UINT64_C(0xffffec0000000000),
	.kasan_end = UINT64_C(0xfffffbffffffffff),
};

static const struct vmr_mode_consts mode5 = {
	.levels = 5,
	.va_bits = 57,
	.max_physmem_bits = 52,
	.guard_start = UINT64_C(0xff00000000000000),
	.guard_end = UINT64_C(0xff0fffffffffffff),
	.ldt_start = UINT64_C(0xff10000000000000),
	.ldt_end = UINT64_C(0xff10ffffffffffff),
	.vaddr_start = UINT64_C(0xff11000000000000),
	.def_page_offset = UINT64_C(0xff11000000000000),
	.def_direct_map_size = 32768 * VMR_TIB, /* mm.rst: 32 PiB */
	.def_vmalloc = UINT64_C(0xffa0000000000000),
	.vmalloc_size = 12800 * VMR_TIB,
	.def_vmemmap = UINT64_C(0xffd4000000000000),
	.def_vmemmap_size = 512 * VMR_TIB,
	.kasan_start = UINT64_C(0xffdf000000000000),
	.kasan_end = UINT64_C(0xfffffbffffffffff),
};

const struct vmr_mode_consts *vmr_mode_consts(unsigned int levels)
{
	return levels == 5 ? &mode5 : &mode4;
}

/* ---- names ------------------------------------------------------------ */

static const char *const region_names[VMR_REGION__COUNT] = {
	[VMR_REGION_USER] = "user",
	[VMR_REGION_NON_CANONICAL] = "non-canonical",
	[VMR_REGION_GUARD_HOLE] = "guard-hole",
	[VMR_REGION_LDT_REMAP] = "ldt-remap",
	[VMR_REGION_DIRECT_MAP] = "direct-map",
	[VMR_REGION_VMALLOC] = "vmalloc",
	[VMR_REGION_VMEMMAP] = "vmemmap",
	[VMR_REGION_KASAN_SHADOW] = "kasan-shadow",
	[VMR_REGION_KMSAN_SHADOW] = "kmsan-shadow",
	[VMR_REGION_KMSAN_ORIGIN] = "kmsan-origin",
	[VMR_REGION_CPU_ENTRY_AREA] = "cpu-entry-area",
	[VMR_REGION_ESP_FIXUP] = "esp-fixup",
	[VMR_REGION_EFI] = "efi",
	[VMR_REGION_KERNEL_IMAGE] = "kernel-image",
	[VMR_REGION_MODULES] = "modules",
	[VMR_REGION_FIXMAP] = "fixmap",
	[VMR_REGION_VSYSCALL] = "vsyscall",
	[VMR_REGION_HOLE] = "hole",
};

const char *vmr_region_name(enum vmr_region_id id)
{
	if ((unsigned int)id >= VMR_REGION__COUNT)
		return "unknown";
	return region_names[id];
}

static const char *const section_names[VMR_SECTION__COUNT] = {
	[VMR_SECTION_NONE] = NULL,
	[VMR_SECTION_TEXT] = ".text",
	[VMR_SECTION_RODATA] = ".rodata",
	[VMR_SECTION_DATA] = ".data",
	[VMR_SECTION_INIT] = ".init",
	[VMR_SECTION_BSS] = ".bss",
	[VMR_SECTION_BRK] = ".brk",
};

const char *vmr_section_name(enum vmr_image_section s)
{
	if ((unsigned int)s >= VMR_SECTION__COUNT)
		return NULL;
	return section_names[s];
}

static const char *const source_names[] = {
	[VMR_SRC_NONE] = "unknown",
	[VMR_SRC_VMCOREINFO] = "vmcoreinfo",
	[VMR_SRC_VMCOREINFO_MEM] = "vmcoreinfo-memory",
	[VMR_SRC_VMLINUX] = "vmlinux",
	[VMR_SRC_KALLSYMS] = "kallsyms",
	[VMR_SRC_DWARF] = "dwarf",
	[VMR_SRC_ELF_HEADERS] = "elf-headers",
	[VMR_SRC_DUMP_HEADER] = "dump-header",
	[VMR_SRC_CPU_STATE] = "cpu-state",
	[VMR_SRC_PAGE_TABLES] = "page-tables",
	[VMR_SRC_IDT] = "idt",
	[VMR_SRC_MEM_SECTION] = "mem-section",
	[VMR_SRC_DERIVED] = "derived",
	[VMR_SRC_DEFAULT] = "default",
	[VMR_SRC_GUESS] = "guess",
};

const char *vmr_source_name(enum vmr_source src)
{
	if ((unsigned int)src >= sizeof(source_names) / sizeof(source_names[0]) ||
	    !source_names[src])
		return "unknown";
	return source_names[src];
}

/* ---- warnings --------------------------------------------------------- */

void vmr_layout_warn(struct vmr_layout *layout, const char *fmt, ...)
{
	char buf[sizeof(layout->warnings[0])];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (layout->nwarnings > VMR_LAYOUT_MAX_WARNINGS)
		layout->nwarnings = VMR_LAYOUT_MAX_WARNINGS;
	/* Building the table twice must not repeat its warnings. */
	for (unsigned int i = 0; i < layout->nwarnings; i++)
		if (!strcmp(layout->warnings[i], buf))
			return;
	if (layout->nwarnings == VMR_LAYOUT_MAX_WARNINGS)
		return;
	memcpy(layout->warnings[layout->nwarnings++], buf, sizeof(buf));
}

/* ---- the plan: every bound of the table, checked ----------------------- */

/** All bounds of the table, decided before any row is written. */
struct plan {
	const struct vmr_mode_consts *m;
	bool ldt;                  /**< the LDT remap row exists */
	uint64_t pob, dm_size;     /**< direct map */
	uint64_t vb, vm_size;      /**< vmalloc window (VMALLOC_START..VMEMORY_END) */
	uint64_t vmb, vmm_size;    /**< vmemmap */
	bool kasan, kmsan;
	uint64_t image_size;       /**< KERNEL_IMAGE_SIZE */
	uint64_t mod_start, mod_end; /**< [MODULES_VADDR, MODULES_END) */
	uint64_t fix_tot, fix_start, fix_top;
	bool fix_start_known;      /**< split boot-time and permanent slots */
	bool vsyscall;             /**< vsyscall page has its own row */
};

static bool known(const struct vmr_value *v)
{
	return v->source != VMR_SRC_NONE;
}

static bool known_nz(const struct vmr_value *v)
{
	return v->source != VMR_SRC_NONE && v->value != 0;
}

static uint64_t div_round_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static struct vmr_error *invalid(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static struct vmr_error *invalid(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return vmr_error_new(VMR_ERR_INVALID, "layout: %s", buf);
}

/** Direct map: base window and reservation size. */
static struct vmr_error *plan_direct_map(struct vmr_layout *L, struct plan *p,
					 bool kaslr_off)
{
	const struct vmr_mode_consts *m = p->m;

	if (p->pob < m->ldt_start)
		return invalid("page_offset_base 0x%016" PRIx64
			       " is below the %u-level direct-map window (0x%016" PRIx64 ")",
			       p->pob, m->levels, m->vaddr_start);
	p->ldt = true;
	if (p->pob <= m->ldt_end) {
		p->ldt = false;
		vmr_layout_warn(L, "page_offset_base 0x%016" PRIx64
				" overlaps the LDT remap area (pre-4.20 layout?); no ldt-remap row",
				p->pob);
	}
	if (p->vb <= p->pob)
		return invalid("vmalloc_base 0x%016" PRIx64
			       " is not above page_offset_base 0x%016" PRIx64,
			       p->vb, p->pob);

	uint64_t gap = p->vb - p->pob;
	if (known_nz(&L->direct_map_size)) {
		p->dm_size = L->direct_map_size.value;
		if (p->dm_size > gap)
			return invalid("direct map (page_offset_base 0x%016" PRIx64
				       " + size 0x%" PRIx64 ") overlaps vmalloc_base 0x%016" PRIx64,
				       p->pob, p->dm_size, p->vb);
		return NULL;
	}
	if (kaslr_off) {
		p->dm_size = m->def_direct_map_size;
	} else {
		uint64_t full = VMR_TIB << (m->max_physmem_bits - 40);
		p->dm_size = full;
		if (known_nz(&L->max_pfn) && L->max_pfn.value < (full >> 12)) {
			uint64_t tb = div_round_up(L->max_pfn.value << 12, VMR_TIB) +
				      VMR_PHYSICAL_PADDING_TB;
			if (tb * VMR_TIB < full)
				p->dm_size = tb * VMR_TIB;
		}
	}
	if (p->dm_size > gap) {
		/* kaslr.c leaves at least 1 GiB after each region; sizes are TiB. */
		uint64_t cut = gap > VMR_GIB ? gap - VMR_GIB : gap;
		if (cut >= VMR_TIB)
			cut -= cut % VMR_TIB;
		p->dm_size = cut;
	}
	return NULL;
}

/** vmalloc window and vmemmap reservation. */
static struct vmr_error *plan_vmalloc_vmemmap(struct vmr_layout *L,
					      struct plan *p, bool kaslr_off)
{
	const struct vmr_mode_consts *m = p->m;

	p->vm_size = known_nz(&L->vmalloc_size) ? L->vmalloc_size.value
						 : m->vmalloc_size;
	if (p->vmb <= p->vb)
		return invalid("vmemmap_base 0x%016" PRIx64
			       " is not above vmalloc_base 0x%016" PRIx64, p->vmb, p->vb);
	if (p->vm_size > p->vmb - p->vb)
		return invalid("vmalloc (vmalloc_base 0x%016" PRIx64 " + size 0x%" PRIx64
			       ") overlaps vmemmap_base 0x%016" PRIx64,
			       p->vb, p->vm_size, p->vmb);

	uint64_t limit = p->kasan ? m->kasan_start : VMR_CPU_ENTRY_AREA_BASE;
	if (p->vmb >= limit)
		return invalid("vmemmap_base 0x%016" PRIx64 " is not below %s 0x%016" PRIx64,
			       p->vmb, p->kasan ? "the KASAN shadow" : "cpu_entry_area",
			       limit);
	if (known_nz(&L->vmemmap_size)) {
		p->vmm_size = L->vmemmap_size.value;
		if (p->vmm_size > limit - p->vmb)
			return invalid("vmemmap (vmemmap_base 0x%016" PRIx64 " + size 0x%" PRIx64
				       ") overlaps %s 0x%016" PRIx64, p->vmb, p->vmm_size,
				       p->kasan ? "the KASAN shadow" : "cpu_entry_area", limit);
		return NULL;
	}
	if (kaslr_off) {
		p->vmm_size = m->def_vmemmap_size;
	} else {
		uint64_t sps = VMR_STRUCT_PAGE_SIZE;
		if (known_nz(&L->struct_page_size) && L->struct_page_size.value <= 4096)
			sps = L->struct_page_size.value;
		uint64_t dm_tb = div_round_up(p->dm_size, VMR_TIB);
		p->vmm_size = div_round_up((dm_tb << 28) * sps, VMR_TIB) * VMR_TIB;
	}
	if (p->vmm_size > limit - p->vmb) {
		vmr_layout_warn(L, "vmemmap reservation cut at 0x%016" PRIx64
				" (vmemmap_base 0x%016" PRIx64 ", estimated size 0x%" PRIx64 ")",
				limit, p->vmb, p->vmm_size);
		p->vmm_size = limit - p->vmb;
	}
	return NULL;
}

/** Kernel image, modules and fixmap. */
static struct vmr_error *plan_top(struct vmr_layout *L, struct plan *p)
{
	p->image_size = known_nz(&L->kernel_image_size) ? L->kernel_image_size.value
							 : VMR_KERNEL_IMAGE_SIZE;
	if (p->image_size >= VMR_MODULES_END - VMR_START_KERNEL_MAP)
		return invalid("KERNEL_IMAGE_SIZE 0x%" PRIx64 " leaves no module space",
			       p->image_size);
	if (p->image_size != 512 * VMR_MIB && p->image_size != VMR_GIB)
		vmr_layout_warn(L, "KERNEL_IMAGE_SIZE 0x%" PRIx64
				" is neither 512 MiB nor 1 GiB", p->image_size);
	uint64_t image_end = VMR_START_KERNEL_MAP + p->image_size;

	p->mod_start = known_nz(&L->modules_vaddr) ? L->modules_vaddr.value : image_end;
	p->mod_end = known_nz(&L->modules_end) ? L->modules_end.value : VMR_MODULES_END;
	if (p->mod_start < image_end)
		return invalid("modules_vaddr 0x%016" PRIx64
			       " is below __START_KERNEL_map + KERNEL_IMAGE_SIZE 0x%016" PRIx64,
			       p->mod_start, image_end);
	if (p->mod_start > image_end)
		vmr_layout_warn(L, "modules_vaddr 0x%016" PRIx64
				" is above __START_KERNEL_map + KERNEL_IMAGE_SIZE 0x%016" PRIx64,
				p->mod_start, image_end);
	if (p->mod_end <= p->mod_start)
		return invalid("modules_end 0x%016" PRIx64 " is not above modules_vaddr 0x%016" PRIx64,
			       p->mod_end, p->mod_start);

	p->fix_top = known_nz(&L->fixaddr_top) ? L->fixaddr_top.value : VMR_FIXADDR_TOP;
	if ((p->fix_top & 0xfff) || p->fix_top > UINT64_MAX - 0xfff ||
	    p->fix_top < p->mod_end)
		return invalid("fixaddr_top 0x%016" PRIx64
			       " is not a page between modules_end 0x%016" PRIx64 " and 2^64",
			       p->fix_top, p->mod_end);
	p->fix_start_known = known_nz(&L->fixaddr_start);
	p->fix_start = p->fix_start_known ? L->fixaddr_start.value : 0;
	if (p->fix_start_known && (p->fix_start < p->mod_end || p->fix_start > p->fix_top))
		return invalid("fixaddr_start 0x%016" PRIx64 " is outside [modules_end 0x%016" PRIx64
			       ", fixaddr_top 0x%016" PRIx64 "]",
			       p->fix_start, p->mod_end, p->fix_top);

	uint64_t ceiling = p->fix_start_known ? p->fix_start : p->fix_top;
	if (known_nz(&L->fixaddr_tot_start)) {
		p->fix_tot = L->fixaddr_tot_start.value;
		if (p->fix_tot < p->mod_end || p->fix_tot > ceiling)
			return invalid("fixaddr_tot_start 0x%016" PRIx64
				       " is outside [modules_end 0x%016" PRIx64 ", 0x%016" PRIx64 "]",
				       p->fix_tot, p->mod_end, ceiling);
	} else if (p->fix_start_known) {
		/* fixmap.h: FIX_BTMAP_END rounds up so the 512 slots share one PTE page. */
		uint64_t perm = (p->fix_top - p->fix_start) >> 12;
		uint64_t bt_end = perm;
		if ((perm ^ (perm + VMR_TOTAL_FIX_BTMAPS - 1)) & ~(uint64_t)511)
			bt_end = perm + VMR_TOTAL_FIX_BTMAPS - (perm & (VMR_TOTAL_FIX_BTMAPS - 1));
		uint64_t span = (bt_end + VMR_TOTAL_FIX_BTMAPS) << 12;
		p->fix_tot = p->fix_top - p->mod_end >= span ? p->fix_top - span : p->mod_end;
	} else {
		p->fix_tot = p->mod_end;
	}

	if (p->fix_start_known)
		p->vsyscall = p->fix_start <= VMR_VSYSCALL_ADDR &&
			      VMR_VSYSCALL_ADDR <= p->fix_top;
	else
		p->vsyscall = p->fix_tot <= VMR_VSYSCALL_ADDR && VMR_VSYSCALL_ADDR <= p->fix_top;
	return NULL;
}

static struct vmr_error *plan_layout(struct vmr_layout *L, struct plan *p)
{
	struct vmr_error *err;

	if (!known(&L->paging_levels) ||
	    (L->paging_levels.value != 4 && L->paging_levels.value != 5))
		return invalid("paging_levels %" PRIu64 "%s: must be 4 or 5",
			       L->paging_levels.value,
			       known(&L->paging_levels) ? "" : " (unknown)");
	p->m = vmr_mode_consts((unsigned int)L->paging_levels.value);

	static const struct {
		size_t off;
		const char *name;
	} bases[] = {
		{ offsetof(struct vmr_layout, page_offset_base), "page_offset_base" },
		{ offsetof(struct vmr_layout, vmalloc_base), "vmalloc_base" },
		{ offsetof(struct vmr_layout, vmemmap_base), "vmemmap_base" },
	};
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		const struct vmr_value *v =
			(const struct vmr_value *)((const char *)L + bases[i].off);
		if (!known_nz(v))
			return invalid("%s is not known", bases[i].name);
		if (v->value & (VMR_GIB - 1))
			vmr_layout_warn(L, "%s 0x%016" PRIx64 " is not 1 GiB aligned",
					bases[i].name, v->value);
	}
	p->pob = L->page_offset_base.value;
	p->vb = L->vmalloc_base.value;
	p->vmb = L->vmemmap_base.value;
	p->kasan = known(&L->kasan) && L->kasan.value;
	p->kmsan = known(&L->kmsan) && L->kmsan.value;

	bool kaslr_off = p->pob == p->m->def_page_offset && p->vb == p->m->def_vmalloc &&
			 p->vmb == p->m->def_vmemmap;
	if (p->kasan && !kaslr_off)
		vmr_layout_warn(L, "KASAN is configured but the bases are randomized");

	err = plan_direct_map(L, p, kaslr_off);
	if (!err)
		err = plan_vmalloc_vmemmap(L, p, kaslr_off);
	if (!err)
		err = plan_top(L, p);
	if (err)
		return err;

	if (known(&L->image_start) && known(&L->image_end) &&
	    (L->image_start.value < VMR_START_KERNEL_MAP ||
	     L->image_end.value > VMR_START_KERNEL_MAP + p->image_size ||
	     L->image_end.value < L->image_start.value))
		vmr_layout_warn(L, "kernel image [0x%016" PRIx64 ", 0x%016" PRIx64
				") is not inside the kernel text mapping",
				L->image_start.value, L->image_end.value);
	return NULL;
}

/* ---- writing rows ------------------------------------------------------ */

struct builder {
	struct vmr_layout *layout;
	uint64_t next;   /**< first address not yet covered */
	bool full;       /**< up to 2^64 - 1 covered */
	struct vmr_error *err;
};

static void push(struct builder *b, uint64_t start, uint64_t end,
		 enum vmr_region_id id, const char *desc)
{
	struct vmr_layout *L = b->layout;

	if (L->nregions == VMR_LAYOUT_MAX_REGIONS) {
		b->err = vmr_error_new(VMR_ERR_LIMIT, "layout: more than %d regions",
				       VMR_LAYOUT_MAX_REGIONS);
		return;
	}
	L->regions[L->nregions++] = (struct vmr_region){
		.start = start, .end = end, .id = id, .description = desc,
	};
}

/** Append row [start, end]; a gap before it becomes a hole row. */
static void add(struct builder *b, uint64_t start, uint64_t end,
		enum vmr_region_id id, const char *desc)
{
	if (b->err)
		return;
	if (end < start || b->full || start < b->next) {
		const struct vmr_region *prev =
			b->layout->nregions ? &b->layout->regions[b->layout->nregions - 1] : NULL;
		b->err = invalid("%s 0x%016" PRIx64 "-0x%016" PRIx64 " overlaps %s ending at 0x%016" PRIx64,
				 vmr_region_name(id), start, end,
				 prev ? vmr_region_name(prev->id) : "nothing",
				 prev ? prev->end : 0);
		return;
	}
	if (start > b->next)
		push(b, b->next, start - 1, VMR_REGION_HOLE, "unused hole");
	if (b->err)
		return;
	push(b, start, end, id, desc);
	if (end == UINT64_MAX)
		b->full = true;
	else
		b->next = end + 1;
}

static void add_vmalloc(struct builder *b, const struct plan *p)
{
	if (!p->kmsan) {
		add(b, p->vb, p->vb + p->vm_size - 1, VMR_REGION_VMALLOC,
		    "vmalloc/ioremap space (vmalloc_base)");
		return;
	}
	uint64_t q = p->vm_size / 4; /* VMALLOC_QUARTER_SIZE */
	uint64_t mlen = p->mod_end - p->mod_start;
	if (mlen > q / 2)
		mlen = q / 2;
	add(b, p->vb, p->vb + q - 1, VMR_REGION_VMALLOC,
	    "vmalloc/ioremap space (vmalloc_base), first KMSAN quarter");
	add(b, p->vb + q, p->vb + 2 * q - 1, VMR_REGION_KMSAN_SHADOW,
	    "KMSAN shadow of vmalloc space");
	add(b, p->vb + 2 * q, p->vb + 3 * q - 1, VMR_REGION_KMSAN_ORIGIN,
	    "KMSAN origins of vmalloc space");
	if (mlen) {
		add(b, p->vb + 3 * q, p->vb + 3 * q + mlen - 1, VMR_REGION_KMSAN_SHADOW,
		    "KMSAN shadow of module space");
		add(b, p->vb + 3 * q + mlen, p->vb + 3 * q + 2 * mlen - 1,
		    VMR_REGION_KMSAN_ORIGIN, "KMSAN origins of module space");
	}
}

static void add_fixmap(struct builder *b, const struct plan *p)
{
	uint64_t last = p->fix_top + 0xfff;
	uint64_t from = p->fix_tot;

	if (p->fix_start_known && p->fix_start > p->fix_tot) {
		add(b, p->fix_tot, p->fix_start - 1, VMR_REGION_FIXMAP,
		    "boot-time fixmap slots (early_ioremap)");
		from = p->fix_start;
	}
	if (!p->vsyscall) {
		add(b, from, last, VMR_REGION_FIXMAP,
		    "kernel-internal fixmap range, variable size and offset");
		return;
	}
	if (from < VMR_VSYSCALL_ADDR)
		add(b, from, VMR_VSYSCALL_ADDR - 1, VMR_REGION_FIXMAP,
		    "kernel-internal fixmap range, variable size and offset");
	add(b, VMR_VSYSCALL_ADDR, VMR_VSYSCALL_ADDR + 0xfff, VMR_REGION_VSYSCALL,
	    "legacy vsyscall ABI (fixmap slot 511)");
	if (last > VMR_VSYSCALL_ADDR + 0xfff)
		add(b, VMR_VSYSCALL_ADDR + 0x1000, last, VMR_REGION_FIXMAP,
		    "fixmap slots 510..0 (FIXADDR_TOP)");
}

static struct vmr_error *write_rows(struct vmr_layout *L, const struct plan *p)
{
	const struct vmr_mode_consts *m = p->m;
	struct builder b = { .layout = L };
	uint64_t half = UINT64_C(1) << (m->va_bits - 1);

	add(&b, 0, half - 1, VMR_REGION_USER,
	    "user-space virtual memory, different per mm");
	add(&b, half, m->guard_start - 1, VMR_REGION_NON_CANONICAL,
	    "non-canonical addresses");
	add(&b, m->guard_start, m->guard_end, VMR_REGION_GUARD_HOLE,
	    "guard hole, also reserved for hypervisor");
	if (p->ldt)
		add(&b, m->ldt_start, m->ldt_end, VMR_REGION_LDT_REMAP, "LDT remap for PTI");
	add(&b, p->pob, p->pob + p->dm_size - 1, VMR_REGION_DIRECT_MAP,
	    "direct mapping of all physical memory (page_offset_base)");
	add_vmalloc(&b, p);
	add(&b, p->vmb, p->vmb + p->vmm_size - 1, VMR_REGION_VMEMMAP,
	    "virtual memory map (vmemmap_base)");
	if (p->kasan)
		add(&b, m->kasan_start, m->kasan_end, VMR_REGION_KASAN_SHADOW,
		    "KASAN shadow memory");
	add(&b, VMR_CPU_ENTRY_AREA_BASE, VMR_CPU_ENTRY_AREA_END, VMR_REGION_CPU_ENTRY_AREA,
	    "cpu_entry_area mapping");
	add(&b, VMR_ESPFIX_BASE, VMR_ESPFIX_END, VMR_REGION_ESP_FIXUP,
	    "%esp fixup stacks");
	add(&b, VMR_EFI_VA_END, VMR_EFI_VA_START_LAST, VMR_REGION_EFI,
	    "EFI region mapping space");
	add(&b, VMR_START_KERNEL_MAP, VMR_START_KERNEL_MAP + p->image_size - 1,
	    VMR_REGION_KERNEL_IMAGE,
	    "kernel text mapping, mapped to physical address 0 (__START_KERNEL_map)");
	add(&b, p->mod_start, p->mod_end - 1, VMR_REGION_MODULES, "module mapping space");
	add_fixmap(&b, p);
	if (!b.err && !b.full)
		push(&b, b.next, UINT64_MAX, VMR_REGION_HOLE, "unused hole");
	return b.err;
}

struct vmr_error *vmr_layout_build_regions(struct vmr_layout *layout)
{
	struct plan p = { 0 };
	struct vmr_error *err;

	layout->nregions = 0;
	err = plan_layout(layout, &p);
	if (!err)
		err = write_rows(layout, &p);
	if (err)
		layout->nregions = 0;
	return err;
}

/* ---- classify ---------------------------------------------------------- */

static enum vmr_image_section image_section(const struct vmr_layout *L, uint64_t addr)
{
	for (unsigned int s = VMR_SECTION_TEXT; s < VMR_SECTION__COUNT; s++)
		if (L->section_start[s] <= addr && addr < L->section_end[s])
			return (enum vmr_image_section)s;
	return VMR_SECTION_NONE;
}

/** The row holding @p addr: the last row whose start is <= addr. */
static const struct vmr_region *find_row(const struct vmr_layout *L, uint64_t addr)
{
	const struct vmr_region *r = L->regions;
	unsigned int n = L->nregions;

	if (n == 0 || n > VMR_LAYOUT_MAX_REGIONS || r[0].start > addr)
		return NULL;
	/* Most words of memory are zero or small numbers: the first row. */
	if (addr <= r[0].end)
		return r;
	while (n > 1) {
		unsigned int half = n / 2;
		r = r[half].start <= addr ? r + half : r;
		n -= half;
	}
	return addr <= r->end ? r : NULL;
}

void vmr_classify(const struct vmr_layout *layout, uint64_t addr,
		  struct vmr_addrinfo *out)
{
	const struct vmr_layout *L = layout;
	unsigned int shift = L->paging_levels.value == 5 ? 7 : 16;
	const struct vmr_region *row = find_row(L, addr);

	*out = (struct vmr_addrinfo){ .addr = addr, .row = row };
	out->canonical = (uint64_t)((int64_t)(addr << shift) >> shift) == addr;
	if (!row) {
		/* No table: only what the paging mode says. */
		out->region = !out->canonical ? VMR_REGION_NON_CANONICAL
			      : (int64_t)addr >= 0 ? VMR_REGION_USER : VMR_REGION_HOLE;
		return;
	}
	out->region = row->id;

	bool max_known = L->max_pfn.source != VMR_SRC_NONE && L->max_pfn.value;
	switch (row->id) {
	case VMR_REGION_DIRECT_MAP: {
		uint64_t phys = addr - L->page_offset_base.value;
		if (max_known && (phys >> 12) >= L->max_pfn.value)
			break;
		out->has_phys = out->has_pfn = true;
		out->phys = phys;
		out->pfn = phys >> 12;
		break;
	}
	case VMR_REGION_KERNEL_IMAGE:
		out->section = image_section(L, addr);
		if (L->phys_base.source != VMR_SRC_NONE &&
		    L->image_start.source != VMR_SRC_NONE &&
		    L->image_end.source != VMR_SRC_NONE &&
		    L->image_start.value <= addr && addr < L->image_end.value) {
			out->has_phys = out->has_pfn = true;
			out->phys = addr - VMR_START_KERNEL_MAP + L->phys_base.value;
			out->pfn = out->phys >> 12;
		}
		break;
	case VMR_REGION_VMEMMAP: {
		uint64_t sps = L->struct_page_size.value;
		if (L->struct_page_size.source == VMR_SRC_NONE || sps == 0)
			sps = VMR_STRUCT_PAGE_SIZE;
		uint64_t pfn = (addr - L->vmemmap_base.value) / sps;
		if (max_known && pfn >= L->max_pfn.value)
			break;
		out->has_pfn = true;
		out->pfn = pfn;
		break;
	}
	default:
		break;
	}
}
