/* SPDX-License-Identifier: MIT */
/**
 * @file symfile.h  ELF symbol files that give gdb the kernel's and the
 * modules' symbols from the dump alone.
 *
 * Each file is an ELF64 x86-64 ET_EXEC with a .symtab at runtime addresses
 * and SHT_NOBITS sections covering them (gdb 13 names a pc only inside a
 * section of the objfile, and takes a minimal symbol's kind from its
 * section: SHF_EXECINSTR gives text).  No contents: gdb reads memory from
 * the target.  Exported for the command line only; not part of the
 * installed API.
 */
#ifndef VMR_PLUGIN_SYMFILE_H
#define VMR_PLUGIN_SYMFILE_H

#include <stddef.h>

#include <vmregion/kernel.h>

/**
 * Write @p n symbols (sorted by address) to a new file @p path.  Text
 * symbols (kallsyms T/t/W/w) become STT_FUNC, the others STT_OBJECT, with
 * their sizes; upper-case letters are global (W, V weak), lower-case
 * local.  A module's symbols get sections of their own, named after it.  Addresses below the kernel half (per-cpu offsets) are left out.
 * @return NULL, or VMR_ERR_IO / VMR_ERR_NOMEM.
 */
VMR_API struct vmr_error *vmr_symfile_write(const char *path, const struct vmr_symbol *syms,
					    size_t n);

/** What vmr_gdb_symbol_files() did. */
struct vmr_gdb_symfiles {
	char *dir;          /**< the directory of the files (malloc'd) */
	char *script;       /**< gdb script loading them (malloc'd), NULL if none */
	size_t kernel_syms; /**< kernel-image symbols in kallsyms.sym */
	size_t modules;     /**< modules with symbols in modules.sym */
	size_t module_syms;
	bool created;       /**< written now (false: found in the cache) */
	char kernel_why[160]; /**< why there are no kernel symbols, "" if there are */
	char modules_why[160];
};

/**
 * The symbol files of @p k for gdb under @p cache_dir: kallsyms.sym with
 * the kernel image's symbols (if @p kernel; without a vmlinux) and
 * modules.sym with every loaded module's (sections ".text [MODULE]", ...),
 * in cache_dir/symbols-HASH, HASH being
 * of every symbol written (so a directory never goes stale and two dumps
 * of the same boot share one), and load.gdb, a script that loads them
 * (symbol-file for the kernel's, add-symbol-file for the modules').
 * Files already there are reused; new ones are written in a temporary
 * directory renamed into place.
 * @return NULL (out->script NULL when no symbols are known), or an error.
 *         Free @p out with vmr_gdb_symfiles_free().
 */
VMR_API struct vmr_error *vmr_gdb_symbol_files(struct vmr_kernel *k, const char *cache_dir,
					       bool kernel, struct vmr_gdb_symfiles *out);

VMR_API void vmr_gdb_symfiles_free(struct vmr_gdb_symfiles *f);

#endif
