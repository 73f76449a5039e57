/* SPDX-License-Identifier: MIT */
/**
 * @file kallscan.h  Find the kallsyms tables in a kernel image in memory by
 * their shape, for kernels whose VMCOREINFO does not name them (before
 * 6.0, x86_64-layout.md §7.7) when no vmlinux is given.  Internal.
 *
 * scripts/kallsyms.c emits, each table 8-aligned, in .rodata:
 *   up to 6.1:  offsets, relative_base, num_syms, names, markers,
 *               [seqs_of_names (Debian 6.1)], token_table, token_index
 *   6.2 on:     num_syms, names, markers, token_table, token_index,
 *               offsets, relative_base, seqs_of_names
 * (kallsyms_addresses instead of offsets + relative_base without
 * KALLSYMS_BASE_RELATIVE, 4.5 and older; markers were unsigned long
 * before they became unsigned int).  The token index (256 rising u16, the
 * first 0) right after the 256 NUL-terminated tokens it indexes is found
 * first; then kallsyms_num_syms, whose count must make the names end where
 * the markers begin, with every 256th name at its marker.
 */
#ifndef VMR_DWARF_KALLSCAN_H
#define VMR_DWARF_KALLSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/memory.h"
#include "dwarf/kallsyms.h"

/** Most bytes read below the upper bound while looking. */
#define VMR_KALLSCAN_MAX_BYTES (64u << 20)
/** Most candidate table sets one scan gives (see vmr_kallsyms_scan()). */
#define VMR_KALLSCAN_MAX_CAND 3

/**
 * Look in [@p lo, @p hi) of kernel virtual memory (the image from _stext
 * to its first data), reading backwards from @p hi in 1 MiB steps (the
 * tables lie near the end of .rodata; unreadable steps are skipped), at
 * most VMR_KALLSCAN_MAX_BYTES.  The names, markers and tokens are checked
 * here; where the addresses are depends on the layout, so up to
 * VMR_KALLSCAN_MAX_CAND candidates come out, the likeliest first: the
 * caller loads each with vmr_kallsyms_load() until one names a symbol it
 * knows at the right address.
 * @return NULL with *@p n >= 1, VMR_ERR_NOT_FOUND, or &vmr_enomem.
 */
struct vmr_error *vmr_kallsyms_scan(vmr_read_fn read_virt, void *ctx, uint64_t lo,
				    uint64_t hi,
				    struct vmr_kallsyms_addrs out[VMR_KALLSCAN_MAX_CAND],
				    size_t *n);

/* The steps, on bytes in memory (unit tests): @p buf holds @p len bytes. */

/**
 * A token index at @p buf[@p at] (8-aligned) with its token table right
 * before it?  @return the table's offset in @p buf, or SIZE_MAX.
 */
size_t vmr_kallscan_tokens(const unsigned char *buf, size_t len, size_t at);

/**
 * With the token table at @p buf[@p tt] (8-aligned), is @p buf[@p p]
 * kallsyms_num_syms, its names ending at markers that end where the token
 * table (or seqs_of_names) begins?  @return the symbol count, or 0.
 */
uint32_t vmr_kallscan_num_syms(const unsigned char *buf, size_t tt, size_t p);

#endif
