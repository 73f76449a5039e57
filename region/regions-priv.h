/* SPDX-License-Identifier: MIT */
/**
 * @file regions-priv.h  Fixed x86_64 addresses and sizes of the region table.
 *
 * Values of Documentation/arch/x86/x86_64/mm.rst, pgtable_64_types.h,
 * page_64_types.h, fixmap.h and arch/x86/mm/kaslr.c of Linux 6.1 and 6.12
 * (see docs/x86_64-layout.md §1, §2.2).  Private to the library.
 */
#ifndef VMR_REGION_REGIONS_PRIV_H
#define VMR_REGION_REGIONS_PRIV_H

#include <vmregion/layout.h>

#define VMR_TIB (UINT64_C(1) << 40)
#define VMR_GIB (UINT64_C(1) << 30)
#define VMR_MIB (UINT64_C(1) << 20)

/* Values of one paging mode (mm.rst tables; §1.1, §1.2). */
struct vmr_mode_consts {
	unsigned int levels;
	unsigned int va_bits;            /**< __VIRTUAL_MASK_SHIFT + 1 */
	unsigned int max_physmem_bits;   /**< MAX_PHYSMEM_BITS (asm/sparsemem.h) */
	uint64_t guard_start, guard_end; /**< GUARD_HOLE_PGD_ENTRY, 16 PGD entries */
	uint64_t ldt_start, ldt_end;     /**< LDT_PGD_ENTRY -240 */
	uint64_t vaddr_start;            /**< __PAGE_OFFSET_BASE_L4/_L5 (kaslr.c) */
	uint64_t def_page_offset, def_direct_map_size;
	uint64_t def_vmalloc, vmalloc_size; /**< VMALLOC_SIZE_TB_L4/_L5 */
	uint64_t def_vmemmap, def_vmemmap_size;
	uint64_t kasan_start, kasan_end;
};

/* Common to both modes (from fffffc0000000000 upward; §1.4). */
#define VMR_CPU_ENTRY_AREA_BASE UINT64_C(0xfffffe0000000000) /* also vaddr_end */
#define VMR_CPU_ENTRY_AREA_END  UINT64_C(0xfffffe7fffffffff) /* P4D_SIZE */
#define VMR_ESPFIX_BASE         UINT64_C(0xffffff0000000000)
#define VMR_ESPFIX_END          UINT64_C(0xffffff7fffffffff)
#define VMR_EFI_VA_END          UINT64_C(0xffffffef00000000) /* -68 GiB */
#define VMR_EFI_VA_START_LAST   UINT64_C(0xfffffffeffffffff) /* -4 GiB - 1 */
#ifndef VMR_START_KERNEL_MAP /* also in kernel-priv.h */
#define VMR_START_KERNEL_MAP 0xffffffff80000000ULL
#endif
#define VMR_KERNEL_IMAGE_SIZE   (UINT64_C(1) << 30)          /* RANDOMIZE_BASE=y */
#define VMR_MODULES_END         UINT64_C(0xffffffffff000000)
#define VMR_VSYSCALL_ADDR       UINT64_C(0xffffffffff600000)
#define VMR_FIXADDR_TOP         UINT64_C(0xffffffffff7ff000)
#define VMR_TOTAL_FIX_BTMAPS    512u /* NR_FIX_BTMAPS 64 * FIX_BTMAPS_SLOTS 8 */
#define VMR_STRUCT_PAGE_SIZE    64u  /* sizeof(struct page), usual configs */
/** CONFIG_RANDOMIZE_MEMORY_PHYSICAL_PADDING default with MEMORY_HOTPLUG. */
#define VMR_PHYSICAL_PADDING_TB 10u

/** @return the constants of 4- or 5-level paging (anything else: 4). */
const struct vmr_mode_consts *vmr_mode_consts(unsigned int levels);

#endif
