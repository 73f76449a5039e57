/* SPDX-License-Identifier: MIT */
/**
 * @file layout.h  The x86_64 kernel address-space layout of one boot.
 *
 * struct vmr_layout is plain data: rebuilt values (each with its source) and
 * the region table that tiles the whole 64-bit address space.  vmr_classify()
 * is pure arithmetic over that table, does not allocate and does no I/O.
 */
#ifndef VMREGION_LAYOUT_H
#define VMREGION_LAYOUT_H

#include <vmregion/error.h>

/** Where a rebuilt value came from (DESIGN.md §3), best first. */
enum vmr_source {
	VMR_SRC_NONE = 0,     /**< unknown */
	VMR_SRC_VMCOREINFO,   /**< the dump's VMCOREINFO note (detail: key) */
	VMR_SRC_VMCOREINFO_MEM, /**< VMCOREINFO found in the dump's memory */
	VMR_SRC_VMLINUX,      /**< vmlinux symbol, read through the image mapping */
	VMR_SRC_KALLSYMS,     /**< kallsyms in the dump's memory, value read */
	VMR_SRC_DWARF,        /**< vmlinux DWARF (enumerators, sizes) */
	VMR_SRC_ELF_HEADERS,  /**< PT_LOAD addresses of a kdump/kcore ELF */
	VMR_SRC_DUMP_HEADER,  /**< kdump-compressed sub-header */
	VMR_SRC_CPU_STATE,    /**< CPU registers in the dump (CR4, ...) */
	VMR_SRC_PAGE_TABLES,  /**< a walk of the kernel page tables */
	VMR_SRC_IDT,          /**< the IDT method */
	VMR_SRC_MEM_SECTION,  /**< mem_section[] */
	VMR_SRC_DERIVED,      /**< computed from other values */
	VMR_SRC_DEFAULT,      /**< documented constant */
	VMR_SRC_GUESS,        /**< heuristic */
};

/** A rebuilt value and its provenance. */
struct vmr_value {
	uint64_t value;
	enum vmr_source source; /**< VMR_SRC_NONE: not known */
	char detail[80];        /**< e.g. "NUMBER(phys_base)", "page_offset_base (read)" */
};

/** Region ids (DESIGN.md §4); names by vmr_region_name(). */
enum vmr_region_id {
	VMR_REGION_USER,
	VMR_REGION_NON_CANONICAL,
	VMR_REGION_GUARD_HOLE,
	VMR_REGION_LDT_REMAP,
	VMR_REGION_DIRECT_MAP,
	VMR_REGION_VMALLOC,
	VMR_REGION_VMEMMAP,
	VMR_REGION_KASAN_SHADOW,
	VMR_REGION_KMSAN_SHADOW,
	VMR_REGION_KMSAN_ORIGIN,
	VMR_REGION_CPU_ENTRY_AREA,
	VMR_REGION_ESP_FIXUP,
	VMR_REGION_EFI,
	VMR_REGION_KERNEL_IMAGE,
	VMR_REGION_MODULES,
	VMR_REGION_FIXMAP,
	VMR_REGION_VSYSCALL,
	VMR_REGION_HOLE,
	VMR_REGION__COUNT
};

/** Parts of the kernel image (from its section symbols). */
enum vmr_image_section {
	VMR_SECTION_NONE,
	VMR_SECTION_TEXT,       /**< _text .. _etext */
	VMR_SECTION_RODATA,     /**< __start_rodata .. __end_rodata (and up to _sdata) */
	VMR_SECTION_DATA,       /**< _sdata .. _edata */
	VMR_SECTION_INIT,       /**< __init_begin .. __init_end */
	VMR_SECTION_BSS,        /**< __bss_start .. __bss_stop */
	VMR_SECTION_BRK,        /**< __brk_base .. _end */
	VMR_SECTION__COUNT
};

/** One row of the region table; rows tile [0, 2^64) in address order. */
struct vmr_region {
	uint64_t start;
	uint64_t end;           /**< inclusive (the last address), like mm.rst */
	enum vmr_region_id id;
	const char *description;/**< static text, e.g. "direct mapping of all physical memory" */
};

#define VMR_LAYOUT_MAX_REGIONS 48
#define VMR_LAYOUT_MAX_WARNINGS 16

/** The layout of this boot.  Plain values; copy freely. */
struct vmr_layout {
	struct vmr_value paging_levels;     /**< 4 or 5 */
	struct vmr_value kaslr_offset;      /**< virtual slide of the kernel image */
	struct vmr_value phys_base;
	struct vmr_value page_offset_base;  /**< direct map base */
	struct vmr_value vmalloc_base;
	struct vmr_value vmemmap_base;
	struct vmr_value sme_mask;
	struct vmr_value max_pfn;           /**< one past the highest RAM pfn */
	struct vmr_value direct_map_size;   /**< bytes reserved for the direct map */
	struct vmr_value vmalloc_size;      /**< bytes of the vmalloc window */
	struct vmr_value vmemmap_size;      /**< bytes reserved for vmemmap */
	struct vmr_value struct_page_size;  /**< sizeof(struct page) */
	struct vmr_value kernel_image_size; /**< KERNEL_IMAGE_SIZE */
	struct vmr_value modules_vaddr;
	struct vmr_value modules_end;       /**< exclusive */
	struct vmr_value fixaddr_start;     /**< permanent fixmap start */
	struct vmr_value fixaddr_tot_start; /**< incl. boot-time slots */
	struct vmr_value fixaddr_top;       /**< address of slot 0 */
	struct vmr_value kasan;             /**< 1 if KASAN shadow is configured */
	struct vmr_value kmsan;             /**< 1 if KMSAN quarters are configured */
	struct vmr_value pgd_phys;          /**< physical address of init_top_pgt */
	/** runtime start/end of the image sections (end exclusive); 0 if unknown */
	uint64_t section_start[VMR_SECTION__COUNT];
	uint64_t section_end[VMR_SECTION__COUNT];
	struct vmr_value image_start;       /**< _text */
	struct vmr_value image_end;         /**< _end (exclusive) */

	struct vmr_region regions[VMR_LAYOUT_MAX_REGIONS];
	unsigned int nregions;
	char warnings[VMR_LAYOUT_MAX_WARNINGS][160];
	unsigned int nwarnings;
};

/** The classification of one address.  Plain data, no allocation. */
struct vmr_addrinfo {
	uint64_t addr;
	enum vmr_region_id region;
	const struct vmr_region *row;     /**< the table row, or NULL */
	bool canonical;
	enum vmr_image_section section;   /**< kernel image only */
	bool has_phys;                    /**< direct map / kernel image: linear phys */
	uint64_t phys;
	bool has_pfn;                     /**< phys pfn, or for vmemmap the pfn described */
	uint64_t pfn;
	bool mapped;                      /**< filled by vmr_kernel_describe() */
	bool mapped_known;
};

/** @return the id string of @p id ("direct-map", "vmalloc", ...). */
VMR_API const char *vmr_region_name(enum vmr_region_id id);
/** @return the section name (".text", ".rodata", ...) or NULL for NONE. */
VMR_API const char *vmr_section_name(enum vmr_image_section s);
/** @return "vmcoreinfo", "vmlinux", "kallsyms", ... for @p src. */
VMR_API const char *vmr_source_name(enum vmr_source src);

/**
 * Fill @p layout->regions from the values in @p layout (paging levels and
 * bases must be set; unknown optional values use documented defaults).
 * @return NULL, or VMR_ERR_INVALID if the values cannot form a table.
 */
VMR_API struct vmr_error *vmr_layout_build_regions(struct vmr_layout *layout);

/**
 * Classify @p addr: region, canonical, kernel-image section, linear phys/pfn.
 * Pure arithmetic; sustains tens of millions of calls per second.
 */
VMR_API void vmr_classify(const struct vmr_layout *layout, uint64_t addr,
			  struct vmr_addrinfo *out);

/** Append a warning (formatted) to @p layout; extra warnings are dropped. */
VMR_API void vmr_layout_warn(struct vmr_layout *layout, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
