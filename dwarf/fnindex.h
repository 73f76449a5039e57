/* SPDX-License-Identifier: MIT */
/**
 * @file fnindex.h  The concrete functions of each DWARF unit by address,
 * and the scope chain of an address found through them (internal to
 * dwarf/).
 *
 * dwarf_getscopes() finds the scopes of an address by visiting the unit's
 * DIEs from the top, and dwarf_getscopes_die() walks the unit again to find
 * a DIE's parents: ~0.4 ms per address in a large kernel unit, the whole
 * cost of a source line once the unit is loaded.  Here a unit's top-level
 * DW_TAG_subprogram ranges are indexed once (dwarf_ranges(): split .cold
 * parts included); an address then costs a binary search and a walk down
 * that one function's DIEs, keeping the children whose ranges hold it
 * (dwarf_haspc(), as libdw's own walk prunes).
 */
#ifndef VMR_DWARF_FNINDEX_H
#define VMR_DWARF_FNINDEX_H

#include <elfutils/libdw.h>
#include <stdint.h>

struct vmr_fnindex;

/** An empty index (units are added on first use); NULL without memory. */
struct vmr_fnindex *vmr_fnindex_new(void);
void vmr_fnindex_free(struct vmr_fnindex *x);

/**
 * The concrete scopes of @p addr in unit @p cudie, innermost first: from
 * the innermost DW_TAG_inlined_subroutine or DW_TAG_subprogram holding
 * @p addr out to its DW_TAG_subprogram (lexical blocks between them
 * included), the order dwarf_getscopes_die() gives.
 * @param[out] out the DIEs (free() it), NULL when 0 is returned.
 * @return their count; 0 if no top-level function of the unit holds
 *         @p addr (the caller may ask libdw's way); -1 on a libdw error or
 *         without memory.
 */
int vmr_fnindex_scopes(struct vmr_fnindex *x, Dwarf_Die *cudie, uint64_t addr,
		       Dwarf_Die **out);

#endif
