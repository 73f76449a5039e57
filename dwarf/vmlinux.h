/* SPDX-License-Identifier: MIT */
/**
 * @file vmlinux.h  A vmlinux ELF file: build-id, symbols, sections (libelf),
 * and type facts (BTF first, DWARF through libdw as fallback), all internal.
 *
 * Opening reads only the ELF headers, the build-id note and .symtab; BTF and
 * DWARF are loaded the first time a type question is asked.  A handle is not
 * safe for concurrent use from several threads (lookups fill lazy caches);
 * separate handles are independent.
 */
#ifndef VMR_DWARF_VMLINUX_H
#define VMR_DWARF_VMLINUX_H

#include <vmregion/error.h>

struct vmr_vmlinux;

/**
 * Open @p path (plain or zstd-wrapped, via vmr_file_open_unwrapped()) and
 * index its symbols.
 * @param[out] out the new handle (vmr_vmlinux_close() it).
 * @return NULL, or an error naming @p path: VMR_ERR_IO, VMR_ERR_FORMAT (not an
 *         ELF64 x86_64 ET_EXEC file, or a corrupt one), VMR_ERR_LIMIT.
 */
struct vmr_error *vmr_vmlinux_open(const char *path, struct vmr_vmlinux **out);

/** Close @p v (NULL is ignored); every pointer it handed out dies with it. */
void vmr_vmlinux_close(struct vmr_vmlinux *v);

/** @return the path given to vmr_vmlinux_open(). */
const char *vmr_vmlinux_path(const struct vmr_vmlinux *v);

/** @return the GNU build-id as lowercase hex, or NULL if the file has none. */
const char *vmr_vmlinux_build_id(const struct vmr_vmlinux *v);

/**
 * @return true if the file is zstd-wrapped or has compressed sections: the
 *         vmlinux cache (vmlcache.h) would open faster.
 */
bool vmr_vmlinux_compressed(const struct vmr_vmlinux *v);

/** @return the number of symbols in the name index. */
size_t vmr_vmlinux_symbol_count(const struct vmr_vmlinux *v);

/**
 * Link-time address of the symbol @p name.  With several symbols of that
 * name (static functions), a global one wins, then a weak one, then the
 * first local one in .symtab order.
 * @param[out] addr link address; may be NULL.
 * @param[out] size st_size (0 for labels); may be NULL.
 * @return false if there is no such symbol.
 */
bool vmr_vmlinux_symbol(const struct vmr_vmlinux *v, const char *name,
			uint64_t *addr, uint64_t *size);

/**
 * The symbol containing the link address @p addr, the way the kernel's
 * kallsyms (%pS) names it.  Candidates are the symbols kallsyms would keep
 * (defined, in a section, no .L / $ / __crc_ / __kstrtab_ names).  At equal
 * addresses the kernel's order from scripts/kallsyms.c compare_symbols()
 * decides: non-weak first, then names that do not look linker-provided
 * (__start_*, __stop_*, __end_*, *_start, *_end), then fewer leading
 * underscores, then strcmp (nm -n order): `jiffies` before `jiffies_64`.
 * The size is the distance to the next symbol at a higher address, as %pS
 * prints it; if there is none within 32 MiB, st_size is used instead.
 * @param[out] name symbol name (valid until close); may be NULL.
 * @param[out] start its link address; may be NULL.
 * @param[out] size its %pS size (addr - start < size, or size 0 and
 *             addr == start); may be NULL.
 * @param[out] type nm-style letter ('T', 't', 'D', 'b', 'R', 'W', ...); may
 *             be NULL.
 * @return false if no symbol contains @p addr.
 */
bool vmr_vmlinux_symbolize(const struct vmr_vmlinux *v, uint64_t addr,
			   const char **name, uint64_t *start, uint64_t *size,
			   char *type);

/**
 * The section called @p name (e.g. ".orc_unwind_ip").
 * SHF_COMPRESSED sections are decompressed (once; the handle keeps them).
 * @param[out] addr its sh_addr (link address, 0 for non-allocated); may be NULL.
 * @param[out] size its (uncompressed) size; may be NULL.
 * @param[out] data its bytes (valid until close), NULL for SHT_NOBITS; may
 *             be NULL.
 * @return NULL, VMR_ERR_NOT_FOUND, or VMR_ERR_FORMAT for a corrupt section.
 */
struct vmr_error *vmr_vmlinux_section(struct vmr_vmlinux *v, const char *name,
				      uint64_t *addr, uint64_t *size,
				      const void **data);

/** Where type facts come from (tests force one; the default is AUTO). */
enum vmr_type_source {
	VMR_TYPES_AUTO,  /**< BTF if the file has .BTF (its answer is final),
			      else DWARF */
	VMR_TYPES_BTF,   /**< BTF only */
	VMR_TYPES_DWARF, /**< DWARF only (slow: libdw inflates every section) */
};

/** Choose where the type questions below look. */
void vmr_vmlinux_set_type_source(struct vmr_vmlinux *v, enum vmr_type_source src);

/**
 * Value of the enumerator @p name (e.g. "__end_of_permanent_fixed_addresses").
 * @return NULL, VMR_ERR_NOT_FOUND, or an error loading BTF/DWARF.
 */
struct vmr_error *vmr_vmlinux_enumerator(struct vmr_vmlinux *v, const char *name,
					 int64_t *value);

/**
 * The enumerator of the enum @p type that names @p value: the greatest value
 * at or below it, names without a "__" prefix first, then declaration order
 * (vmr_btf_enum_name()).
 * @param[out] name valid until close.  @param[out] at its value; may be NULL.
 * @return NULL, VMR_ERR_NOT_FOUND, or an error loading BTF/DWARF.
 */
struct vmr_error *vmr_vmlinux_enum_name(struct vmr_vmlinux *v, const char *type,
					int64_t value, const char **name, int64_t *at);

/**
 * sizeof the type @p name: a struct or union tag ("page"; "struct page" and
 * "union foo" are accepted too), else a typedef or base type of that name.
 * @return NULL, VMR_ERR_NOT_FOUND, or an error loading BTF/DWARF.
 */
struct vmr_error *vmr_vmlinux_type_size(struct vmr_vmlinux *v, const char *name,
					uint64_t *size);

/**
 * Byte offset of @p member in the struct or union @p type.  @p member may be
 * a dotted path ("thread.sp"); members of anonymous structs and unions are
 * found as the compiler finds them.  A bit-field gives the byte holding its
 * first bit.
 * @return NULL, VMR_ERR_NOT_FOUND, or an error loading BTF/DWARF.
 */
struct vmr_error *vmr_vmlinux_member_offset(struct vmr_vmlinux *v, const char *type,
					    const char *member, uint64_t *off);

/** Most inline levels vmr_vmlinux_source_line() reports. */
#define VMR_MAX_INLINE 16

/** Source position of an address (strings valid until close). */
struct vmr_source_line {
	const char *file;     /**< source file of the address */
	int line;             /**< its line (0 if unknown) */
	int column;           /**< its column (0 if unknown) */
	const char *function; /**< innermost function (inlined or not), or NULL */
	/**
	 * The callers the innermost function was inlined into, innermost
	 * first: inlined[i].function called inlined[i-1] (or @c function) from
	 * file:line.  The last entry is the real (out-of-line) function.
	 */
	struct vmr_inline_frame {
		const char *function;
		const char *file;
		int line;
	} inlined[VMR_MAX_INLINE];
	size_t n_inlined;
};

/**
 * File and line of the link address @p addr, with the chain of inlined
 * calls (DWARF; the first call costs libdw's loading of all debug sections).
 * @return NULL, VMR_ERR_NOT_FOUND (no line information for @p addr), or an
 *         error loading DWARF.
 */
struct vmr_error *vmr_vmlinux_source_line(struct vmr_vmlinux *v, uint64_t addr,
					  struct vmr_source_line *out);

/**
 * Start inflating compressed DWARF now, on background threads
 * (dwarfload.h), so that the first source line asked for later waits less;
 * nothing for a vmlinux whose DWARF is stored plain.
 */
void vmr_vmlinux_prefetch_lines(struct vmr_vmlinux *v);

#endif
