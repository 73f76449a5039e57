/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the kallsyms decoder (dwarf/kallsyms.c) on arbitrary kernel
 * memory.  Input: a 32-byte header (seven u32 offsets of the tables from the
 * memory base, 0 = absent; a flags byte: bit 0 serves every address modulo
 * the memory size, bit 1 uses kallsyms_addresses instead of offsets), then
 * the memory.  Seeds: tables written like scripts/kallsyms.c does, both
 * address schemes.
 */
#include "dwarf/kallsyms.h"

#include "fuzz.h"

#define VBASE 0xffffffff82000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= 32)
		return 0;
	struct fuzz_in in = { data, 32 };
	uint64_t off[7];
	for (int i = 0; i < 7; i++)
		off[i] = fuzz_take(&in, 4);
	uint64_t flags = fuzz_take(&in, 1);
	struct fuzz_mem m = { .buf = data + 32, .size = size - 32, .base = VBASE,
			      .wrap = flags & 1 };
#define A(i) (off[i] ? VBASE + off[i] : 0)
	struct vmr_kallsyms_addrs a = {
		.names = A(0), .num_syms = A(1), .token_table = A(2), .token_index = A(3),
		.offsets = flags & 2 ? 0 : A(4), .relative_base = flags & 2 ? 0 : A(5),
		.addresses = flags & 2 ? A(6) : 0,
	};
	struct vmr_kallsyms *ks = NULL;
	struct vmr_error *err = vmr_kallsyms_load(&a, fuzz_mem_read, &m, &ks);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	size_t n = vmr_kallsyms_count(ks);
	(void)vmr_kallsyms_absolute_percpu(ks);
	const char *name;
	uint64_t addr, start, sz;
	char type;
	for (size_t i = 0; i < n && i < 64; i++) {
		if (!vmr_kallsyms_symbol_at(ks, i, &name, &addr, &type))
			continue;
		(void)vmr_kallsyms_lookup(ks, name, &addr, &type);
		(void)vmr_kallsyms_symbolize(ks, addr + 1, &name, &start, &sz, &type);
		(void)vmr_kallsyms_symbolize(ks, addr - 1, &name, &start, &sz, &type);
	}
	(void)vmr_kallsyms_symbol_at(ks, n, &name, &addr, &type);
	(void)vmr_kallsyms_lookup(ks, "_stext", &addr, NULL);
	(void)vmr_kallsyms_symbolize(ks, 0, NULL, NULL, NULL, NULL);
	(void)vmr_kallsyms_symbolize(ks, UINT64_MAX, &name, &start, &sz, &type);
	vmr_kallsyms_free(ks);
	return 0;
}
