/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the x86_64 page-table walker (vmcore/pgtable.c) on arbitrary
 * physical memory.  Input: a 64-byte header (root, levels, SME mask, four
 * addresses to translate, a range for vmr_pgt_lowest_mapped, flags), then
 * the physical memory from address 0.  Flag bit 0 serves every physical
 * address (modulo the memory size), so that any entry leads to a table.
 * Seeds: page tables of synthetic dumps (4- and 5-level, large pages, an
 * entry pointing at its own table) and cut-down tables of corpus dumps.
 */
#include "vmcore/pgtable.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size < 64 ? size : 64 };
	struct fuzz_mem m = { .base = 0 };
	struct vmr_pgt pgt = { .read_phys = fuzz_mem_read, .ctx = &m };
	pgt.root = fuzz_take(&in, 8);
	uint64_t flags = fuzz_take(&in, 1);
	pgt.levels = flags & 2 ? 5 : 4;
	if (flags & 4) /* also the invalid ones */
		pgt.levels = (unsigned)(flags >> 4);
	m.wrap = flags & 1;
	pgt.sme_mask = flags & 8 ? 1ull << 47 : 0;
	fuzz_take(&in, 7);
	uint64_t va[4];
	for (int i = 0; i < 4; i++)
		va[i] = fuzz_take(&in, 8);
	uint64_t start = fuzz_take(&in, 8), end = fuzz_take(&in, 8);
	if (size <= 64)
		return 0;
	m.buf = data + 64;
	m.size = size - 64;

	uint64_t pa, ps;
	for (int i = 0; i < 4; i++)
		vmr_error_free(vmr_pgt_translate(&pgt, va[i], &pa, &ps));
	static struct vmr_tlb tlb;
	vmr_tlb_clear(&tlb);
	for (int i = 0; i < 4; i++) {
		vmr_error_free(vmr_pgt_translate_cached(&pgt, &tlb, va[i], &pa, &ps));
		vmr_error_free(vmr_pgt_translate_cached(&pgt, &tlb, va[i] + 4096, &pa, &ps));
	}
	(void)vmr_pgt_canonical(va[0], pgt.levels);
	(void)vmr_pgt_root_from_cr3(va[1], pgt.sme_mask);
	uint64_t v;
	vmr_error_free(vmr_pgt_lowest_mapped(&pgt, start, end, &v, &pa, &ps));
	/* the two searches the library makes: whole kernel half, image map */
	vmr_error_free(vmr_pgt_lowest_mapped(&pgt, 0xffff800000000000ull, UINT64_MAX, &v, &pa,
					     &ps));
	vmr_error_free(vmr_pgt_lowest_mapped(&pgt, 0xffffffff80000000ull, 0xffffffffbfffffffull,
					     &v, NULL, NULL));
	return 0;
}
