/* SPDX-License-Identifier: MIT */
/*
 * Kernel-image addresses: the nearest symbol (%pS style: name+off/size), the
 * section, and with a vmlinux the source line and its inline chain.
 */
#include "owner/owner-priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dwarf/vmlinux.h"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* File and line (with the inline chain) of a runtime address. */
static void fill_line(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out)
{
	if (!k->vmlinux)
		return;
	struct vmr_source_line sl;
	struct vmr_error *err = vmr_vmlinux_source_line(k->vmlinux,
							addr - k->layout.kaslr_offset.value, &sl);
	if (err) {
		vmr_error_free(err);
		return;
	}
	out->has_line = true;
	copy(out->line.file, sizeof(out->line.file), sl.file);
	out->line.line = sl.line;
	size_t n = sl.n_inlined;
	if (n > sizeof(out->line.inlined) / sizeof(out->line.inlined[0]))
		n = sizeof(out->line.inlined) / sizeof(out->line.inlined[0]);
	for (size_t i = 0; i < n; i++) {
		copy(out->line.inlined[i].function, sizeof(out->line.inlined[i].function),
		     sl.inlined[i].function);
		copy(out->line.inlined[i].file, sizeof(out->line.inlined[i].file),
		     sl.inlined[i].file);
		out->line.inlined[i].line = sl.inlined[i].line;
	}
	out->line.n_inlined = (unsigned)n;
}

struct vmr_error *vmr_owner_kernel_image(struct vmr_kernel *k, const struct vmr_addrinfo *info,
					 struct vmr_owner *out)
{
	struct vmr_symbol sym;
	if (info->section == VMR_SECTION_NONE) {
		/* No section: outside [_text, _end), or those bounds are not
		 * known (no vmlinux, no kallsyms). */
		const struct vmr_layout *l = vmr_kernel_layout(k);
		bool bounds = l->image_start.source != VMR_SRC_NONE &&
			      l->image_end.source != VMR_SRC_NONE;
		bool inside = bounds && info->addr >= l->image_start.value &&
			      info->addr < l->image_end.value;
		vmr_owner_none(out, inside ? "kernel image, between its sections (padding)"
				    : bounds ? "kernel-image window, outside the image [_text, _end)"
				    : "kernel-image window; the image's bounds and symbols "
				      "are unknown (no vmlinux, no kallsyms)");
		return NULL;
	}
	if (!vmr_kernel_symbolize(k, info->addr, &sym)) {
		vmr_owner_none(out, "no symbol (no vmlinux and no kallsyms in the dump)");
		return NULL;
	}
	out->kind = VMR_OWNER_SYMBOL;
	out->has_symbol = true;
	copy(out->symbol, sizeof(out->symbol), sym.name);
	out->symbol_addr = sym.addr;
	out->symbol_size = sym.size;
	out->offset = info->addr - sym.addr;
	fill_line(k, info->addr, out);
	return NULL;
}

bool vmr_owner_format_symbol(struct vmr_kernel *k, uint64_t addr, char *buf, size_t size)
{
	struct vmr_symbol sym;
	const struct vmr_layout *l = vmr_kernel_layout(k);
	if (addr >= l->image_start.value && l->image_end.source && addr < l->image_end.value &&
	    vmr_kernel_symbolize(k, addr, &sym)) {
		if (sym.size)
			snprintf(buf, size, "%s+0x%" PRIx64 "/0x%" PRIx64, sym.name,
				 addr - sym.addr, sym.size);
		else
			snprintf(buf, size, "%s+0x%" PRIx64, sym.name, addr - sym.addr);
		return true;
	}
	const char *mod, *name;
	uint64_t start, msize;
	if (vmr_module_symbolize(k, addr, &mod, &name, &start, &msize)) {
		if (msize)
			snprintf(buf, size, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]", name,
				 addr - start, msize, mod);
		else
			snprintf(buf, size, "%s+0x%" PRIx64 " [%s]", name, addr - start, mod);
		return true;
	}
	return false;
}
