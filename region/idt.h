/* SPDX-License-Identifier: MIT */
/**
 * @file idt.h  The IDT method of finding the KASLR slide and phys_base
 * (x86_64-layout.md §2.4(b)5, crash calc_kaslr_offset_from_idt()).
 *
 * The IDTR base of a CPU (from QEMU's CPU-state note) is translated through
 * the kernel page tables; gate 0 points at the divide-error entry, whose
 * link address the vmlinux knows, and the IDT's physical page is the page
 * of idt_table.  No I/O of its own: page tables and memory are read through
 * the struct vmr_pgt callback.
 */
#ifndef VMR_REGION_IDT_H
#define VMR_REGION_IDT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcore/pgtable.h"

/** __KERNEL_CS on x86_64 (GDT_ENTRY_KERNEL_CS 2, asm/segment.h [k6.12]). */
#define VMR_IDT_KERNEL_CS 0x10

/** What gate 0 of one CPU's IDT says. */
struct vmr_idt_gate0 {
	uint64_t idt_va;  /**< IDTR base (CPU_ENTRY_AREA_RO_IDT on 4.15+) */
	uint64_t idt_pa;  /**< its physical address (the page of idt_table) */
	uint64_t handler; /**< gate 0's target: asm_exc_divide_error / divide_error */
};

/**
 * Decode one 16-byte struct gate_struct (asm/desc_defs.h [k6.12]: u16
 * offset_low, u16 segment, u16 bits {ist:3, zero:5, type:5, dpl:2, p:1},
 * u16 offset_middle, u32 offset_high, u32 reserved).
 * @param[out] target offset_low | middle << 16 | high << 32.
 * @return false unless the gate is a present interrupt or trap gate (type
 *         0xe/0xf) into __KERNEL_CS with a kernel-half target.
 */
bool vmr_idt_gate_target(const unsigned char gate[16], uint64_t *target);

/**
 * Read gate 0 of the IDT at @p idt_base through @p pgt.
 * @param idt_limit the IDTR limit (at least 15 for one gate).
 * @return NULL, VMR_ERR_NOT_FOUND (limit too small, gate not a kernel
 *         gate: an early-boot or foreign IDT), or the translation/read
 *         error prefixed with the address.  @p out is filled only on success.
 */
struct vmr_error *vmr_idt_read_gate0(const struct vmr_pgt *pgt, uint64_t idt_base,
				     uint32_t idt_limit, struct vmr_idt_gate0 *out);

/**
 * Slide and phys_base from gate 0 and the vmlinux: slide = handler −
 * @p handler_link; phys_base = idt_pa − (@p idt_table_link + slide −
 * __START_KERNEL_map) (idt_table is page aligned, __page_aligned_bss).
 * @return false when the slide is not page aligned (the gate does not point
 *         at that entry: wrong vmlinux or a replaced IDT).
 */
bool vmr_idt_solve(const struct vmr_idt_gate0 *g, uint64_t handler_link,
		   uint64_t idt_table_link, uint64_t *slide, uint64_t *phys_base);

#endif
