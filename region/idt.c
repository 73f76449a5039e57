/* SPDX-License-Identifier: MIT */
/**
 * @file idt.c  KASLR slide and phys_base from a CPU's IDT (§2.4(b)5).
 *
 * On current kernels the IDTR holds the read-only alias in the
 * cpu_entry_area (CPU_ENTRY_AREA_RO_IDT = 0xfffffe0000000000, mapped by
 * setup_cpu_entry_area() to the page of idt_table [k6.12
 * arch/x86/mm/cpu_entry_area.c]); older kernels load idt_table's own
 * address.  Either way the physical page is idt_table's.
 * Fails on dumps taken during early boot, when the IDT is the early one.
 */
#include "region/idt.h"

#include <inttypes.h>
#include <string.h>

#include "common/error.h"
#include "region/kernel-priv.h"

#define GATE_SIZE 16
#define GATE_INTERRUPT 0xe
#define GATE_TRAP 0xf

bool vmr_idt_gate_target(const unsigned char g[16], uint64_t *target)
{
	uint16_t low = (uint16_t)(g[0] | g[1] << 8);
	uint16_t seg = (uint16_t)(g[2] | g[3] << 8);
	uint16_t bits = (uint16_t)(g[4] | g[5] << 8);
	uint16_t mid = (uint16_t)(g[6] | g[7] << 8);
	uint32_t high = (uint32_t)g[8] | (uint32_t)g[9] << 8 | (uint32_t)g[10] << 16 |
			(uint32_t)g[11] << 24;
	unsigned type = (bits >> 8) & 0x1f;
	bool present = bits >> 15;
	if (!present || (type != GATE_INTERRUPT && type != GATE_TRAP) ||
	    seg != VMR_IDT_KERNEL_CS)
		return false;
	uint64_t t = low | (uint64_t)mid << 16 | (uint64_t)high << 32;
	if (!(t >> 63))
		return false;
	*target = t;
	return true;
}

struct vmr_error *vmr_idt_read_gate0(const struct vmr_pgt *pgt, uint64_t idt_base,
				     uint32_t idt_limit, struct vmr_idt_gate0 *out)
{
	if (idt_limit < GATE_SIZE - 1)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "IDTR limit %" PRIu32
				     " holds no gate", idt_limit);
	uint64_t pa;
	struct vmr_error *err = vmr_pgt_translate(pgt, idt_base, &pa, NULL);
	if (err)
		return vmr_error_prefix(err, "IDTR base 0x%016" PRIx64, idt_base);
	unsigned char gate[GATE_SIZE];
	/* A real IDT is page aligned; a base that puts gate 0 across a page
	 * boundary is read through two translations. */
	uint64_t in_page = VMR_PGT_4K - (idt_base & (VMR_PGT_4K - 1));
	if (in_page >= GATE_SIZE) {
		err = pgt->read_phys(pgt->ctx, pa, gate, GATE_SIZE);
	} else {
		uint64_t pa2;
		err = pgt->read_phys(pgt->ctx, pa, gate, (size_t)in_page);
		if (!err)
			err = vmr_pgt_translate(pgt, idt_base + in_page, &pa2, NULL);
		if (!err)
			err = pgt->read_phys(pgt->ctx, pa2, gate + in_page,
					     GATE_SIZE - (size_t)in_page);
	}
	if (err)
		return vmr_error_prefix(err, "IDT gate 0 at 0x%016" PRIx64, idt_base);
	uint64_t target;
	if (!vmr_idt_gate_target(gate, &target))
		return vmr_error_new(VMR_ERR_NOT_FOUND,
				     "IDT gate 0 at 0x%016" PRIx64 " is not a kernel interrupt gate "
				     "(early-boot or foreign IDT)", idt_base);
	out->idt_va = idt_base;
	out->idt_pa = pa;
	out->handler = target;
	return NULL;
}

bool vmr_idt_solve(const struct vmr_idt_gate0 *g, uint64_t handler_link,
		   uint64_t idt_table_link, uint64_t *slide, uint64_t *phys_base)
{
	uint64_t s = g->handler - handler_link;
	if (s & (VMR_PGT_4K - 1))
		return false;
	*slide = s;
	/* The alias maps the page of idt_table; keep the offset inside it. */
	uint64_t idt_table_pa = (g->idt_pa & ~(VMR_PGT_4K - 1)) |
				(idt_table_link & (VMR_PGT_4K - 1));
	*phys_base = idt_table_pa - (idt_table_link + s - VMR_START_KERNEL_MAP);
	return true;
}
