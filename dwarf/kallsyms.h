/* SPDX-License-Identifier: MIT */
/**
 * @file kallsyms.h  The kernel's symbol table decoded from a dump's memory
 * (x86-64-layout.md §7.7), for dumps without a vmlinux.  Internal.
 *
 * The tables are located by the runtime addresses VMCOREINFO exports since
 * 6.0 (SYMBOL(kallsyms_names) ...) and read through a vmr_read_fn in large
 * chunks; every length, index and count is checked.
 */
#ifndef VMR_DWARF_KALLSYMS_H
#define VMR_DWARF_KALLSYMS_H

#include <vmregion/error.h>

#include "common/memory.h"

/** Most symbols accepted (a big distro kernel has ~250k). */
#define VMR_KALLSYMS_MAX_SYMS (2u << 20)
/** A symbol's size is the distance to the next symbol, unless farther than
 * this (the end of a section): then it is unknown (0). */
#define VMR_KALLSYMS_MAX_SYM_GAP (32ull << 20)

/** Runtime addresses of the kallsyms tables (0 = not known). */
struct vmr_kallsyms_addrs {
	uint64_t names;         /**< kallsyms_names (u8 stream) */
	uint64_t num_syms;      /**< kallsyms_num_syms (unsigned int) */
	uint64_t token_table;   /**< kallsyms_token_table (256 C strings) */
	uint64_t token_index;   /**< kallsyms_token_index (u16[256]) */
	uint64_t offsets;       /**< kallsyms_offsets (int[]), with relative_base */
	uint64_t relative_base; /**< kallsyms_relative_base (unsigned long) */
	uint64_t addresses;     /**< kallsyms_addresses (unsigned long[]), used when
				     offsets is 0 (old !KALLSYMS_BASE_RELATIVE) */
};

struct vmr_kallsyms;

/**
 * Read kallsyms: the token table and the compressed names, which are
 * checked and indexed by a hash made from their tokens (no name is
 * expanded).  Addresses are read when asked for, 1024 at a time: the
 * table is in address order (the kernel's own binary search relies on it),
 * so a search by address reads a few blocks, a name lookup one.  The last
 * element is read here, so that a table cut short fails now.
 *
 * With kallsyms_offsets the address scheme is decided from the data:
 * under CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP up to 6.14) an offset
 * >= 0 is an absolute value (per-CPU symbols) and a negative one means
 * relative_base - 1 - offset; otherwise an address is relative_base +
 * (u32)offset.  scripts/kallsyms.c writes relative_base - addr - 1 (< 0)
 * for every image symbol in the first scheme and addr - relative_base
 * (>= 0) in the second, so: the offset of `_stext` is negative exactly
 * under ABSOLUTE_PERCPU; without `_stext`, a majority of negative offsets
 * among the text symbols (type t/T) decides.
 *
 * @param read_virt reads kernel virtual memory (@p ctx is passed through);
 *        both must stay valid until vmr_kallsyms_free().
 * @param[out] out the table (vmr_kallsyms_free() it).
 * @return NULL, VMR_ERR_INVALID (missing addresses), VMR_ERR_FAULT (from the
 *         reader, with context), VMR_ERR_FORMAT / VMR_ERR_LIMIT (corrupt
 *         tables: bad counts, lengths, tokens), VMR_ERR_NOMEM.
 */
struct vmr_error *vmr_kallsyms_load(const struct vmr_kallsyms_addrs *a,
				    vmr_read_fn read_virt, void *ctx,
				    struct vmr_kallsyms **out);

/** Free @p ks (NULL is ignored). */
void vmr_kallsyms_free(struct vmr_kallsyms *ks);

/** @return the number of symbols. */
size_t vmr_kallsyms_count(const struct vmr_kallsyms *ks);

/** @return true if the ABSOLUTE_PERCPU scheme was used to decode offsets. */
bool vmr_kallsyms_absolute_percpu(const struct vmr_kallsyms *ks);

/**
 * Runtime address of @p name.  With several symbols of that name a global
 * one (upper-case type) wins, then the first in kallsyms order.
 * @param[out] addr may be NULL.  @param[out] type letter; may be NULL.
 * @return false if there is no such symbol.
 */
bool vmr_kallsyms_lookup(struct vmr_kallsyms *ks, const char *name,
			 uint64_t *addr, char *type);

/**
 * The symbol containing @p addr as %pS names it: the last symbol at or
 * below @p addr, the first in kallsyms order among equal addresses
 * (get_symbol_pos()); size = distance to the next higher address, or 0
 * (exact match only) when that is over 32 MiB away or there is none.
 * @param[out] name valid until vmr_kallsyms_free(); may be NULL.
 * @param[out] start, size, type may be NULL.
 * @return false if no symbol contains @p addr.
 */
bool vmr_kallsyms_symbolize(struct vmr_kallsyms *ks, uint64_t addr,
			    const char **name, uint64_t *start, uint64_t *size,
			    char *type);

/**
 * The @p i-th symbol of the table, which is in address order (for
 * listings and tests).
 * @return false if @p i is out of range.
 */
bool vmr_kallsyms_symbol_at(struct vmr_kallsyms *ks, size_t i,
			    const char **name, uint64_t *addr, char *type);

#endif
