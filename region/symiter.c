/* SPDX-License-Identifier: MIT */
/* Every kernel-image symbol of the dump's in-memory kallsyms, in address
 * order, for consumers that want the whole table (gdb symbol files). */
#include "region/kernel-priv.h"

#include "common/error.h"
#include "dwarf/kallsyms.h"

struct vmr_error *vmr_kernel_symbols(struct vmr_kernel *k, vmr_symbol_fn fn, void *ctx)
{
	uint64_t dummy;
	if (!k->kallsyms_tried)
		vmr_kernel_find_symbol(k, "_text", &dummy, NULL); /* loads kallsyms */
	if (!k->kallsyms)
		return vmr_error_new(VMR_ERR_NOT_FOUND,
				     "no kallsyms in the dump (no SYMBOL(kallsyms_*) in VMCOREINFO: "
				     "kernels before 6.0, or unreadable)");
	size_t n = vmr_kallsyms_count(k->kallsyms), next = 0;
	uint64_t next_addr = 0;
	for (size_t i = 0; i < n; i++) {
		struct vmr_symbol s = { 0 };
		if (!vmr_kallsyms_symbol_at(k->kallsyms, i, &s.name, &s.addr, &s.type))
			continue;
		/* The first entry above this address (the table is sorted). */
		if (next <= i || next_addr <= s.addr) {
			if (next <= i)
				next = i + 1;
			for (; next < n; next++)
				if (vmr_kallsyms_symbol_at(k->kallsyms, next, NULL, &next_addr, NULL) &&
				    next_addr > s.addr)
					break;
		}
		if (next < n && next_addr - s.addr <= VMR_KALLSYMS_MAX_SYM_GAP)
			s.size = next_addr - s.addr;
		if (!fn(&s, ctx))
			break;
	}
	return NULL;
}
