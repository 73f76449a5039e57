/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the VMCOREINFO parser (vmcore/vmcoreinfo.c) and every typed
 * getter on the keys it found and on the keys vmregion asks for.  Seeds: the
 * VMCOREINFO notes of the corpus dumps.
 */
#include <stdio.h>

#include <vmregion/vmcoreinfo.h>

#include "fuzz.h"

static const char *const names[] = {
	"_stext", "init_top_pgt", "swapper_pg_dir", "phys_base", "page_offset_base",
	"vmalloc_base", "vmemmap_base", "pgtable_l5_enabled", "VMALLOC_START",
	"page.flags", "printk_ringbuffer", "kallsyms_names", "prb", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmr_vmcoreinfo *vi = NULL;
	struct vmr_error *err = vmr_vmcoreinfo_parse((const char *)data, size, &vi);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	uint64_t u;
	int64_t s;
	size_t n = vmr_vmcoreinfo_count(vi);
	for (size_t i = 0; i <= n; i++) {
		const char *key, *value;
		if (!vmr_vmcoreinfo_entry(vi, i, &key, &value))
			continue;
		(void)vmr_vmcoreinfo_get(vi, key);
		/* "SYMBOL(x)" -> x for the typed getters */
		const char *open = strchr(key, '('), *close = open ? strchr(open, ')') : NULL;
		char inner[128];
		if (open && close && (size_t)(close - open - 1) < sizeof(inner)) {
			memcpy(inner, open + 1, (size_t)(close - open - 1));
			inner[close - open - 1] = 0;
			vmr_vmcoreinfo_symbol(vi, inner, &u);
			vmr_vmcoreinfo_number(vi, inner, &s);
			vmr_vmcoreinfo_offset(vi, inner, &u);
			vmr_vmcoreinfo_size(vi, inner, &u);
			vmr_vmcoreinfo_length(vi, inner, &u);
		}
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		vmr_vmcoreinfo_symbol(vi, names[i], &u);
		vmr_vmcoreinfo_number(vi, names[i], &s);
		vmr_vmcoreinfo_offset(vi, names[i], &u);
		vmr_vmcoreinfo_size(vi, names[i], &u);
		vmr_vmcoreinfo_length(vi, names[i], &u);
	}
	vmr_vmcoreinfo_kerneloffset(vi, &u);
	(void)vmr_vmcoreinfo_get(vi, "OSRELEASE");
	(void)vmr_vmcoreinfo_bad_lines(vi);
	vmr_vmcoreinfo_free(vi);
	return 0;
}
