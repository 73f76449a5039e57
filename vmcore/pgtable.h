/* SPDX-License-Identifier: MIT */
/**
 * @file pgtable.h  x86_64 page-table walker (internal to the library).
 *
 * Does no I/O itself: page-table entries are read through a vmr_read_fn on
 * physical addresses, as libaddrxlat does.  Facts: x86_64-layout.md §1.3
 * (canonical addresses, levels) and §5 (entry bits, masks, CR3, PTI).
 * Not thread-safe per struct vmr_tlb; a struct vmr_pgt is read-only here.
 */
#ifndef VMR_VMCORE_PGTABLE_H
#define VMR_VMCORE_PGTABLE_H

#include <vmregion/error.h>

#include "common/memory.h"

/** Physical address bits of an entry or CR3: 51:12 (PTE_PFN_MASK). */
#define VMR_PGT_ADDR_MASK 0x000ffffffffff000ULL
/** Entry bits used by the walker (asm/pgtable_types.h [k6.12]). */
#define VMR_PGT_PRESENT (1ULL << 0)
#define VMR_PGT_PS (1ULL << 7)
/** Page sizes of the three leaf kinds. */
#define VMR_PGT_4K (1ULL << 12)
#define VMR_PGT_2M (1ULL << 21)
#define VMR_PGT_1G (1ULL << 30)
/**
 * Most table entries vmr_pgt_lowest_mapped() inspects before it gives up
 * with VMR_ERR_LIMIT (about 8192 table pages when every one is empty).
 */
#define VMR_PGT_VISIT_BUDGET (1u << 22)

/** One address space: where its top-level table is and how to read it. */
struct vmr_pgt {
	uint64_t root; /**< physical address of the top-level table (PGD) */
	unsigned levels; /**< 4 or 5 */
	uint64_t sme_mask; /**< C-bit cleared from every entry; 0 if none */
	vmr_read_fn read_phys; /**< reads physical memory */
	void *ctx; /**< passed to read_phys */
};

/**
 * Translate @p vaddr: at most @p pgt->levels 8-byte reads.
 * @param[out] paddr the physical address (may be NULL).
 * @param[out] page_size 4 KiB, 2 MiB or 1 GiB: the leaf holding @p vaddr
 *             (may be NULL).
 * @return NULL; VMR_ERR_INVALID for a bad @p pgt (levels not 4 or 5, root not
 *         a page-aligned physical address) or a non-canonical @p vaddr;
 *         VMR_ERR_FAULT carrying @p vaddr when an entry is not present
 *         ("... not mapped: PMD entry not present"); the read callback's
 *         error prefixed with the level when a table page cannot be read;
 *         VMR_ERR_FORMAT for a PS bit in a PGD/P4D entry (reserved).
 *         On error the outputs are untouched.
 */
struct vmr_error *vmr_pgt_translate(const struct vmr_pgt *pgt, uint64_t vaddr,
				    uint64_t *paddr, uint64_t *page_size);

/**
 * The lowest mapped virtual address in [@p start, @p end] (inclusive), for
 * the KASLR page-table method (x86_64-layout.md §2.4(b)4) and the direct-map
 * heuristic (§2.4(d)4).  Skips non-present entries at every level and the
 * non-canonical hole; reads whole 4 KiB tables, each at most once in a row
 * per level.  Entries a translation would reject (PS in a PGD/P4D entry) are
 * skipped as unmapped.  If @p start lies inside a mapped page, @p start is
 * the answer.
 * @param[out] vaddr the address found (may be NULL).
 * @param[out] paddr its physical address (may be NULL).
 * @param[out] page_size the size of the leaf that maps it (may be NULL).
 * @return NULL; VMR_ERR_NOT_FOUND if nothing in the range is mapped;
 *         VMR_ERR_INVALID for a bad @p pgt or @p start > @p end;
 *         VMR_ERR_LIMIT after VMR_PGT_VISIT_BUDGET entries (cyclic or
 *         aliased tables); a read error, prefixed with the level.
 */
struct vmr_error *vmr_pgt_lowest_mapped(const struct vmr_pgt *pgt,
					uint64_t start, uint64_t end,
					uint64_t *vaddr, uint64_t *paddr,
					uint64_t *page_size);

/**
 * The kernel PGD's physical address from a CR3 value: keeps bits 51:12 and
 * clears the C-bit @p sme_mask and bit 12, which drops PCID (11:0), LAM
 * (61, 62), NOFLUSH (63) and selects the kernel half of a PTI pair.
 * Clearing bit 12 assumes CONFIG_PAGE_TABLE_ISOLATION (order-1, 8 KiB
 * aligned PGDs; every distribution kernel since 2018): on a kernel built
 * without it a PGD may sit at an odd page, so check the result (e.g.
 * against init_top_pgt, §2.4(c)).
 */
uint64_t vmr_pgt_root_from_cr3(uint64_t cr3, uint64_t sme_mask);

/**
 * @return true if @p vaddr is canonical with @p levels paging levels (bits
 * 63..47 equal for 4, 63..56 for 5); false for any other @p levels.
 */
bool vmr_pgt_canonical(uint64_t vaddr, unsigned levels);

/* ---- A small translation cache ---- */

/** Entries of a struct vmr_tlb (a power of two). */
#define VMR_TLB_ENTRIES 256

/** One cached leaf: tag = virtual base | size code (0 = empty). */
struct vmr_tlb_entry {
	uint64_t tag;
	uint64_t pbase;
};

/**
 * Direct-mapped cache of leaf mappings of one struct vmr_pgt.  A lookup
 * probes one slot per leaf size (4 KiB, 2 MiB, 1 GiB), so any address
 * inside a cached large leaf hits.  No allocation; zero-initialised (or
 * vmr_tlb_clear()) means empty.  Clear it whenever the page tables or the
 * root it caches change.
 */
struct vmr_tlb {
	struct vmr_tlb_entry e[VMR_TLB_ENTRIES];
};

/** Empty @p tlb. */
void vmr_tlb_clear(struct vmr_tlb *tlb);

/** Slot of the leaf of size 1 << @p shift holding @p vaddr (internal). */
static inline unsigned vmr_tlb_slot(uint64_t vaddr, unsigned shift)
{
	uint64_t vpn = vaddr >> shift;
	return (unsigned)((vpn ^ (vpn >> 8) ^ shift) & (VMR_TLB_ENTRIES - 1));
}

/**
 * Look @p vaddr up in @p tlb.
 * @param[out] paddr its physical address (may be NULL).
 * @param[out] page_size the size of the cached leaf (may be NULL).
 * @return true on a hit.
 */
static inline bool vmr_tlb_lookup(const struct vmr_tlb *tlb, uint64_t vaddr,
				  uint64_t *paddr, uint64_t *page_size)
{
	static const unsigned shifts[3] = { 12, 21, 30 };
	for (unsigned k = 0; k < 3; k++) {
		unsigned s = shifts[k];
		uint64_t size = 1ULL << s;
		const struct vmr_tlb_entry *e = &tlb->e[vmr_tlb_slot(vaddr, s)];
		if (e->tag == ((vaddr & ~(size - 1)) | (k + 1))) {
			if (paddr)
				*paddr = e->pbase | (vaddr & (size - 1));
			if (page_size)
				*page_size = size;
			return true;
		}
	}
	return false;
}

/**
 * Cache the leaf of size @p page_size (4 KiB, 2 MiB or 1 GiB; other sizes
 * are ignored) that maps @p vaddr to @p paddr, evicting the slot's entry.
 */
void vmr_tlb_insert(struct vmr_tlb *tlb, uint64_t vaddr, uint64_t paddr,
		    uint64_t page_size);

/**
 * vmr_pgt_translate() through @p tlb: a hit costs no read; a miss walks and
 * caches the leaf.  Errors are never cached.
 */
struct vmr_error *vmr_pgt_translate_cached(const struct vmr_pgt *pgt,
					   struct vmr_tlb *tlb, uint64_t vaddr,
					   uint64_t *paddr, uint64_t *page_size);

#endif
