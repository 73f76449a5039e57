/* SPDX-License-Identifier: MIT */
/** @file vmlinux-priv.h  The vmlinux handle, shared by vmlinux.c and dwarfinfo.c. */
#ifndef VMR_DWARF_VMLINUX_PRIV_H
#define VMR_DWARF_VMLINUX_PRIV_H

#include <elfutils/libdw.h>
#include <libelf.h>

#include "dwarf/symindex.h"
#include "dwarf/vmlinux.h"

struct vmr_btf;
struct vmr_dwinfo;
struct vmr_fnindex;

/** One indexed ELF symbol; the name points into the mapped .strtab. */
struct vmr_vsym {
	const char *name;
	uint64_t addr;
	uint64_t size;   /**< st_size */
	char type;       /**< nm-style letter */
	uint8_t rank;    /**< name-lookup preference: 0 global, 1 weak, 2 local */
	uint8_t order;   /**< kallsyms tie-break key at equal addresses */
};

struct vmr_vmlinux {
	char *path;
	int fd;
	uint64_t file_size;
	Elf *elf;
	char build_id[129];
	bool has_build_id;
	bool compressed;       /**< zstd-wrapped, or has SHF_COMPRESSED sections */

	struct vmr_vsym *syms; /**< every indexed symbol, .symtab order */
	size_t nsyms;
	struct vmr_symnames names; /**< every indexed symbol by name */
	struct vmr_symaddrs addrs; /**< the symbolizable ones, kallsyms order */

	enum vmr_type_source type_source;
	struct vmr_btf *btf;
	bool btf_tried;        /**< .BTF was looked for (btf may still be NULL) */
	struct vmr_dwinfo *dw; /**< DWARF state, dwarfinfo.c */
};

/**
 * The source line of @p addr in @p cudie, with its inline chain
 * (dwarfinfo.c; also module lines, modsrc.c), its function found through
 * @p fns when not NULL (fnindex.h).
 * @param[out] found false if the unit has no line for @p addr.
 * @return false if a DIE of the chain refers to another unit that this
 * handle does not hold (a partial .debug_info): the caller asks again with
 * every unit.
 */
bool vmr_dwarf_line_in_unit(Dwarf_Die *cudie, uint64_t addr, struct vmr_fnindex *fns,
			    struct vmr_source_line *out, bool *found);

/** Find functions through the index (fnindex.h, the default) or by libdw's
 * walk of the whole unit only (tests compare the two). */
void vmr_vmlinux_set_fn_index(struct vmr_vmlinux *v, bool on);

/** Free the DWARF state of @p v (dwarfinfo.c). */
void vmr_vmlinux_dwarf_free(struct vmr_vmlinux *v);

#endif
