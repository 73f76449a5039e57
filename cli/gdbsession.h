/* SPDX-License-Identifier: MIT */
/**
 * @file gdbsession.h  The gdb command line of `vmregion gdb` for a dump and
 * for a live kernel (--remote): the pieces they share, built in one place.
 */
#ifndef VMR_CLI_GDBSESSION_H
#define VMR_CLI_GDBSESSION_H

#include <stdbool.h>
#include <stdint.h>

/** A NULL-terminated argv that grows; strings are owned. */
struct argv_list {
	char **v;
	int n, cap;
};

/** Append @p s (owned; NULL, from a failed allocation, is dropped). */
void argv_add(struct argv_list *a, char *s);
void argv_free(struct argv_list *a);

/** printf into a new string, or NULL. */
char *gdb_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/** @p s quoted for sh: '...' with ' as '\''. */
char *sh_quote(const char *s);

/** What the gdb session is made of. */
struct gdb_setup {
	const char *vmlinux;     /**< gdb-readable vmlinux (absolute), or NULL */
	uint64_t slide;
	const char *symbols;     /**< gdb script loading symbol files, or NULL */
	const char *script;      /**< vmregion.gdb, or NULL */
	const char *jit_reader;  /**< vmregion-gdb.so, or NULL */
	const char *cache_dir;   /**< for gdb's index cache, or NULL */
	bool read_only_memory;   /**< a dump: gdb may cache memory, writes refused */
	char *target;            /**< "target remote | ..." (owned by the caller) */
	char **extra;            /**< user's gdb arguments */
	int nextra;
};

/** The gdb command line for @p g (argv[0] is @p gdb). */
void gdb_commands(const struct gdb_setup *g, const char *gdb, struct argv_list *a);

/** Files beside this vmregion binary, and the cache directory. */
struct gdb_files {
	char self[4096];         /**< this vmregion binary */
	char *script;            /**< vmregion.gdb, or NULL */
	char *reader;            /**< vmregion-gdb.so, or NULL */
	char *cache;             /**< $XDG_CACHE_HOME/vmregion or ~/.cache/vmregion, or NULL */
	bool cache_ok;           /**< it exists and is writable */
};

/**
 * Find this binary, vmregion.gdb and the JIT reader beside it (build tree
 * or installed layout), and the cache directory (created if missing).
 * A missing vmregion.gdb is warned about.  @return false (error said) when
 * the binary itself cannot be found.
 */
bool gdb_files_find(struct gdb_files *f);
void gdb_files_free(struct gdb_files *f);

/**
 * --dry-run: the command line, quoted for sh, after the environment
 * variables of @p env (NULL-terminated names) that are set.
 */
void gdb_print_dry_run(const struct argv_list *a, const char *const *env);

/** Run gdb (only returns on failure, with the exit status to give). */
int gdb_exec(const char *gdb, const struct argv_list *a);

/** The index of the first "--" in @p argv (gdb's own arguments follow), or @p argc. */
int gdb_options_end(int argc, char **argv);

struct vmr_kernel;
struct vmr_gdb_symfiles;

/**
 * The symbol files of @p k for gdb (plugin/symfile.h; the kernel image's
 * only when @p kernel, i.e. without a vmlinux) under @p cache: what is
 * missing is warned about, never fatal.
 */
void gdb_symbol_files(struct vmr_kernel *k, const char *cache, bool kernel,
		      struct vmr_gdb_symfiles *out);

/** $VMREGION_GDB, else "gdb". */
const char *gdb_program(void);

#endif
