/* SPDX-License-Identifier: MIT */
/**
 * @file pgtable.c  x86_64 4- and 5-level page-table walks (x86_64-layout.md
 * §1.3, §5), reading tables through a physical-memory callback.
 */
#include "vmcore/pgtable.h"

#include <endian.h>
#include <inttypes.h>
#include <string.h>

#include "common/error.h"

#define PTRS_PER_TABLE 512
#define TABLE_BYTES 4096

/** Index shifts of the five levels, top first (pgtable_64_types.h [k6.12]). */
static const unsigned level_shift[5] = { 48, 39, 30, 21, 12 };
static const char *const level_name5[5] = { "PGD", "P4D", "PUD", "PMD", "PTE" };

/** Shift of level @p i (0 = top) with @p levels levels. */
static inline unsigned shift_of(unsigned levels, unsigned i)
{
	return level_shift[i + 5 - levels];
}

/** Kernel name of level @p i (0 = top): the top level is always the PGD. */
static const char *name_of(unsigned levels, unsigned i)
{
	return i == 0 ? "PGD" : level_name5[i + 5 - levels];
}

bool vmr_pgt_canonical(uint64_t vaddr, unsigned levels)
{
	unsigned bits;
	if (levels == 4)
		bits = 48;
	else if (levels == 5)
		bits = 57;
	else
		return false;
	uint64_t top = vaddr >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

uint64_t vmr_pgt_root_from_cr3(uint64_t cr3, uint64_t sme_mask)
{
	/* Kernel PGD = (CR3 & 0x000ffffffffff000 & ~sme_mask) & ~0x1000:
	 * asm/processor-flags.h, asm/pgtable.h (PTI_PGTABLE_SWITCH_BIT) [k6.12]. */
	return cr3 & VMR_PGT_ADDR_MASK & ~sme_mask & ~(1ULL << 12);
}

/** Check @p pgt; @return NULL with the top table's address in @p table. */
static struct vmr_error *check_pgt(const struct vmr_pgt *pgt, uint64_t *table)
{
	if (!pgt || !pgt->read_phys)
		return vmr_error_new(VMR_ERR_INVALID, "page tables: no read callback");
	if (pgt->levels != 4 && pgt->levels != 5)
		return vmr_error_new(VMR_ERR_INVALID,
				     "page tables: %u paging levels (4 or 5 expected)",
				     pgt->levels);
	uint64_t root = pgt->root & ~pgt->sme_mask;
	if (root & ~VMR_PGT_ADDR_MASK)
		return vmr_error_new(VMR_ERR_INVALID,
				     "page tables: root 0x%" PRIx64
				     " is not a page-aligned physical address",
				     pgt->root);
	*table = root;
	return NULL;
}

/** Address bits of a leaf of size 1 << @p shift, or of a table (shift 12). */
static inline uint64_t entry_addr(uint64_t entry, unsigned shift, uint64_t sme)
{
	return entry & VMR_PGT_ADDR_MASK & ~((1ULL << shift) - 1) & ~sme;
}

/** PS in a PUD or PMD entry makes a leaf; in a PGD/P4D entry it is reserved. */
static inline bool is_leaf(uint64_t entry, unsigned shift)
{
	return shift == 12 || (entry & VMR_PGT_PS);
}

struct vmr_error *vmr_pgt_translate(const struct vmr_pgt *pgt, uint64_t vaddr,
				    uint64_t *paddr, uint64_t *page_size)
{
	uint64_t table;
	struct vmr_error *err = check_pgt(pgt, &table);
	if (err)
		return err;
	if (!vmr_pgt_canonical(vaddr, pgt->levels))
		return vmr_error_new(VMR_ERR_INVALID,
				     "0x%016" PRIx64 " is not canonical with %u-level paging",
				     vaddr, pgt->levels);

	for (unsigned i = 0; i < pgt->levels; i++) {
		unsigned shift = shift_of(pgt->levels, i);
		uint64_t at = table + ((vaddr >> shift) & (PTRS_PER_TABLE - 1)) * 8;
		uint64_t raw;
		err = pgt->read_phys(pgt->ctx, at, &raw, sizeof(raw));
		if (err)
			return vmr_error_prefix(err, "0x%016" PRIx64 ": %s entry at 0x%" PRIx64,
						vaddr, name_of(pgt->levels, i), at);
		uint64_t entry = le64toh(raw);
		if (!(entry & VMR_PGT_PRESENT))
			return vmr_error_fault(vaddr, "0x%016" PRIx64
					       " not mapped: %s entry not present",
					       vaddr, name_of(pgt->levels, i));
		if (shift >= 39 && (entry & VMR_PGT_PS))
			return vmr_error_new(VMR_ERR_FORMAT, "0x%016" PRIx64
					     ": %s entry 0x%016" PRIx64 " at 0x%" PRIx64
					     " has the reserved PS bit",
					     vaddr, name_of(pgt->levels, i), entry, at);
		if (is_leaf(entry, shift)) {
			uint64_t size = 1ULL << shift;
			if (paddr)
				*paddr = entry_addr(entry, shift, pgt->sme_mask) |
					 (vaddr & (size - 1));
			if (page_size)
				*page_size = size;
			return NULL;
		}
		table = entry_addr(entry, 12, pgt->sme_mask);
	}
	/* Unreachable: the last level is always a leaf. */
	return vmr_error_new(VMR_ERR_FORMAT, "0x%016" PRIx64 ": page-table walk ran off", vaddr);
}

/** One cached table page per level for vmr_pgt_lowest_mapped(). */
struct scan_table {
	uint64_t phys;
	bool valid;
	uint64_t ent[PTRS_PER_TABLE];
};

/** Sign-extend a top-level index's address to a canonical one. */
static inline uint64_t sign_extend(uint64_t va, unsigned levels)
{
	unsigned drop = levels == 5 ? 7 : 16;
	return (uint64_t)((int64_t)(va << drop) >> drop);
}

/** Make sure @p t holds the table at @p phys (level @p i); reads 4 KiB. */
static struct vmr_error *load_table(const struct vmr_pgt *pgt, struct scan_table *t,
				    uint64_t phys, unsigned i, uint64_t va)
{
	if (t->valid && t->phys == phys)
		return NULL;
	t->valid = false;
	struct vmr_error *err = pgt->read_phys(pgt->ctx, phys, t->ent, TABLE_BYTES);
	if (err)
		return vmr_error_prefix(err, "0x%016" PRIx64 ": %s table at 0x%" PRIx64,
					va, name_of(pgt->levels, i), phys);
	for (unsigned k = 0; k < PTRS_PER_TABLE; k++)
		t->ent[k] = le64toh(t->ent[k]);
	t->phys = phys;
	t->valid = true;
	return NULL;
}

struct vmr_error *vmr_pgt_lowest_mapped(const struct vmr_pgt *pgt,
					uint64_t start, uint64_t end,
					uint64_t *vaddr, uint64_t *paddr,
					uint64_t *page_size)
{
	uint64_t root;
	struct vmr_error *err = check_pgt(pgt, &root);
	if (err)
		return err;
	if (start > end)
		return vmr_error_new(VMR_ERR_INVALID, "page tables: empty range 0x%" PRIx64
				     "-0x%" PRIx64, start, end);

	const unsigned levels = pgt->levels;
	/* First canonical address of the upper half. */
	const uint64_t upper = sign_extend(1ULL << (shift_of(levels, 0) + 8), levels);
	struct scan_table tables[5];
	for (unsigned i = 0; i < levels; i++)
		tables[i].valid = false;
	uint64_t budget = VMR_PGT_VISIT_BUDGET;
	uint64_t va = start;

	for (;;) {
		if (!vmr_pgt_canonical(va, levels))
			va = upper; /* va is inside the hole, below upper */
		if (va > end)
			break;
		uint64_t table = root;
		bool advanced = false;
		for (unsigned i = 0; i < levels && !advanced; i++) {
			unsigned shift = shift_of(levels, i);
			struct scan_table *t = &tables[i];
			err = load_table(pgt, t, table, i, va);
			if (err)
				return err;
			unsigned idx = (va >> shift) & (PTRS_PER_TABLE - 1);
			unsigned first = idx;
			uint64_t entry = 0;
			for (; idx < PTRS_PER_TABLE; idx++) {
				if (!budget--)
					return vmr_error_new(VMR_ERR_LIMIT,
							     "page tables: more than %u entries visited looking for a mapping in 0x%016"
							     PRIx64 "-0x%016" PRIx64 " (cyclic tables?)",
							     VMR_PGT_VISIT_BUDGET, start, end);
				entry = t->ent[idx];
				if ((entry & VMR_PGT_PRESENT) &&
				    !(shift >= 39 && (entry & VMR_PGT_PS)))
					break;
			}
			uint64_t span = 1ULL << shift;
			if (idx == PTRS_PER_TABLE) {
				/* Table exhausted: on to the parent's next entry. */
				if (i == 0)
					goto not_found;
				uint64_t cover = span * PTRS_PER_TABLE;
				uint64_t next = (va & ~(cover - 1)) + cover;
				if (next < va)
					goto not_found; /* wrapped past 2^64 */
				va = next;
				advanced = true;
				break;
			}
			if (idx != first) {
				if (i == 0)
					va = sign_extend((uint64_t)idx << shift, levels);
				else
					va = (va & ~(span * PTRS_PER_TABLE - 1)) |
					     ((uint64_t)idx << shift);
				if (va > end)
					goto not_found;
			}
			if (is_leaf(entry, shift)) {
				if (vaddr)
					*vaddr = va;
				if (paddr)
					*paddr = entry_addr(entry, shift, pgt->sme_mask) |
						 (va & (span - 1));
				if (page_size)
					*page_size = span;
				return NULL;
			}
			table = entry_addr(entry, 12, pgt->sme_mask);
		}
	}
not_found:
	return vmr_error_new(VMR_ERR_NOT_FOUND, "page tables: nothing mapped in 0x%016"
			     PRIx64 "-0x%016" PRIx64, start, end);
}

/* ---- Translation cache ---- */

void vmr_tlb_clear(struct vmr_tlb *tlb)
{
	memset(tlb, 0, sizeof(*tlb));
}

void vmr_tlb_insert(struct vmr_tlb *tlb, uint64_t vaddr, uint64_t paddr,
		    uint64_t page_size)
{
	unsigned k, shift;
	if (page_size == VMR_PGT_4K)
		k = 0, shift = 12;
	else if (page_size == VMR_PGT_2M)
		k = 1, shift = 21;
	else if (page_size == VMR_PGT_1G)
		k = 2, shift = 30;
	else
		return;
	uint64_t mask = page_size - 1;
	struct vmr_tlb_entry *e = &tlb->e[vmr_tlb_slot(vaddr, shift)];
	e->tag = (vaddr & ~mask) | (k + 1);
	e->pbase = (paddr - (vaddr & mask)) & ~mask;
}

struct vmr_error *vmr_pgt_translate_cached(const struct vmr_pgt *pgt,
					   struct vmr_tlb *tlb, uint64_t vaddr,
					   uint64_t *paddr, uint64_t *page_size)
{
	if (tlb && vmr_tlb_lookup(tlb, vaddr, paddr, page_size))
		return NULL;
	uint64_t pa, size;
	struct vmr_error *err = vmr_pgt_translate(pgt, vaddr, &pa, &size);
	if (err)
		return err;
	if (tlb)
		vmr_tlb_insert(tlb, vaddr, pa, size);
	if (paddr)
		*paddr = pa;
	if (page_size)
		*page_size = size;
	return NULL;
}
