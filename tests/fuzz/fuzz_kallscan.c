/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the kallsyms search by shape (dwarf/kallscan.c) over
 * arbitrary kernel memory, then the decoder on every candidate it gives.
 * Input: the memory (at a fixed .rodata address).  Seeds: tables laid out
 * as scripts/kallsyms.c does up to 6.1 (with and without seqs_of_names),
 * from 6.2 on, and with kallsyms_addresses.
 */
#include "dwarf/kallscan.h"

#include "fuzz.h"

#define VBASE 0xffffffff81e00000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem m = { .buf = data, .size = size, .base = VBASE };
	struct vmr_kallsyms_addrs cand[VMR_KALLSCAN_MAX_CAND];
	size_t n = 0;
	struct vmr_error *err = vmr_kallsyms_scan(fuzz_mem_read, &m, VBASE, VBASE + size, cand,
						  &n);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct vmr_kallsyms *ks = NULL;
		err = vmr_kallsyms_load(&cand[i], fuzz_mem_read, &m, &ks);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		uint64_t addr;
		(void)vmr_kallsyms_lookup(ks, "_stext", &addr, NULL);
		vmr_kallsyms_free(ks);
	}
	return 0;
}
