/* SPDX-License-Identifier: MIT */
/*
 * kallsyms of a kernel whose VMCOREINFO does not name the tables (before
 * 6.0: every 4.x and 5.x kernel, §7.7): found in the image by their shape
 * (dwarf/kallscan.h), then trusted only if the symbol table they make puts
 * _stext where VMCOREINFO (or the slide) does.
 */
#include "region/kernel-priv.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "dwarf/kallscan.h"
#include "dwarf/kallsyms.h"


/*
 * The range to search: from _stext to the lowest VMCOREINFO symbol above
 * it (init_uts_ns, swapper_pg_dir, vmap_area_list, prb ... are data, and
 * .rodata ends before the data), at most VMR_KALLSCAN_MAX_BYTES.  @p text is
 * where _stext must be.
 */
static bool search_range(struct vmr_kernel *k, uint64_t *lo, uint64_t *hi, uint64_t *text)
{
	uint64_t v;
	if (k->vmcoreinfo && vmr_vmcoreinfo_symbol(k->vmcoreinfo, "_stext", &v))
		*text = v;
	else if (k->layout.kaslr_offset.source != VMR_SRC_NONE)
		*text = VMR_DEFAULT_TEXT + k->layout.kaslr_offset.value;
	else
		return false;
	if (*text < VMR_START_KERNEL_MAP)
		return false;
	*lo = *text;
	*hi = *text + VMR_KALLSCAN_MAX_BYTES < *text ? UINT64_MAX : *text + VMR_KALLSCAN_MAX_BYTES;
	const char *key, *value;
	for (size_t i = 0; k->vmcoreinfo && vmr_vmcoreinfo_entry(k->vmcoreinfo, i, &key, &value);
	     i++) {
		/* SYMBOL(name): its value through the parser's own getter.  (The
		 * tables themselves, when named, are .rodata.) */
		char name[64];
		size_t n = strlen(key);
		if (strncmp(key, "SYMBOL(", 7) || !strncmp(key + 7, "kallsyms_", 9) ||
		    key[n - 1] != ')' || n - 8 >= sizeof(name))
			continue;
		memcpy(name, key + 7, n - 8);
		name[n - 8] = 0;
		if (vmr_vmcoreinfo_symbol(k->vmcoreinfo, name, &v) && v > *lo + 4096 && v < *hi)
			*hi = v;
	}
	return true;
}

bool vmr_kernel_scan_kallsyms(struct vmr_kernel *k, struct vmr_kallsyms **out, char *why,
			      size_t whylen)
{
	uint64_t lo, hi, text;
	if (!search_range(k, &lo, &hi, &text)) {
		snprintf(why, whylen, "neither _stext nor the slide is known");
		return false;
	}
	struct vmr_kallsyms_addrs cand[VMR_KALLSCAN_MAX_CAND];
	size_t n;
	struct vmr_error *err = vmr_kallsyms_scan(vmr_kernel_read_cb, k, lo, hi, cand, &n);
	if (err) {
		snprintf(why, whylen, "%s", vmr_error_message(err));
		vmr_error_free(err);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct vmr_kallsyms *ks;
		if ((err = vmr_kallsyms_load(&cand[i], vmr_kernel_read_cb, k, &ks))) {
			vmr_error_free(err);
			continue;
		}
		uint64_t at;
		if (vmr_kallsyms_lookup(ks, "_stext", &at, NULL) && at == text) {
			*out = ks;
			return true;
		}
		vmr_kallsyms_free(ks);
	}
	snprintf(why, whylen, "%zu table set(s) found, none with _stext at 0x%llx", n,
		 (unsigned long long)text);
	return false;
}
