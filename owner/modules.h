/* SPDX-License-Identifier: MIT */
/**
 * @file modules.h  The index of loaded modules (owner/modules.c), shared
 * with the per-cpu lookup (module per-cpu variables) and the unit tests.
 *
 * The walk takes a read callback and plain offsets (resolved once from
 * VMCOREINFO, BTF or DWARF by the glue in modules.c), so that it runs on
 * synthetic memory as well as on a dump.  Layouts: x86_64-layout.md §7.1.
 */
#ifndef VMR_OWNER_MODULES_H
#define VMR_OWNER_MODULES_H

#include "common/memory.h"
#include "owner/owner-priv.h"

#define VMR_MOD_NAME_LEN 56               /* MODULE_NAME_LEN = 64 - sizeof(long) */
#define VMR_MOD_MAX_SYMS (1u << 20)       /* per module; a big one has ~20k */
#define VMR_MOD_MAX_STRTAB (16u << 20)    /* bytes of names read per module */
#define VMR_MOD_MAX_STRUCT (64u << 10)    /* sizeof(struct module) is ~1.3 KiB */

/** Parts of a module, in the order of the kernel's enum mod_mem_type. */
enum vmr_mod_part {
	VMR_MOD_TEXT,
	VMR_MOD_DATA,
	VMR_MOD_RODATA,
	VMR_MOD_RO_AFTER_INIT,
	VMR_MOD_INIT_TEXT,
	VMR_MOD_INIT_DATA,
	VMR_MOD_INIT_RODATA,
	VMR_MOD_PART__COUNT
};

/** @return "text", "data", "rodata", "ro_after_init", "init_text", ... */
const char *vmr_mod_part_name(enum vmr_mod_part part);

/** Where the walk finds things (byte offsets; VMR_OFF_NONE = absent). */
struct vmr_module_offsets {
	uint64_t struct_size;        /**< sizeof(struct module): one read per module */
	uint64_t list, name, kallsyms, percpu, percpu_size, state;
	bool has_mem;                /**< 6.4+: struct module_memory mem[] */
	uint64_t mem, mem_stride, mem_base, mem_size;
	unsigned int mem_count;      /**< MOD_MEM_NUM_TYPES */
	unsigned int mem_index[VMR_MOD_PART__COUNT]; /**< mem[] slot of each part */
	/* <= 6.3: struct module_layout core_layout, init_layout */
	uint64_t core_layout, init_layout;
	uint64_t lay_base, lay_size, lay_text_size, lay_ro_size, lay_ro_after_init_size;
	/* struct mod_kallsyms */
	uint64_t ks_symtab, ks_num_symtab, ks_strtab, ks_typetab;
};

/** One symbol of a module's kallsyms (symtab order is kept). */
struct vmr_mod_sym {
	uint64_t value;
	uint32_t name; /**< offset in the module's strtab copy */
};

struct vmr_module {
	char name[VMR_MOD_NAME_LEN + 1];
	uint64_t addr;                        /**< struct module */
	struct { uint64_t base, size; } part[VMR_MOD_PART__COUNT];
	bool mem_layout;                      /**< mem[] (6.4+) vs core/init layout */
	uint64_t core_base, core_size, core_text_size; /**< <= 6.3 only */
	uint64_t init_base, init_size, init_text_size;
	uint64_t percpu, percpu_size;         /**< per-cpu pointer and size */
	int state;                            /**< MODULE_STATE_*, -1 unknown */
	uint64_t sym0_value;                  /**< symtab[0].st_value */
	struct vmr_mod_sym *syms;
	size_t nsyms;
	char *strtab;
	size_t strtab_len;
};

struct vmr_modules {
	struct vmr_module *mods;
	size_t n;
	char warning[160];  /**< the first corruption met ("" if none) */
	size_t nwarnings;
	bool unusable;      /**< glue: no index could be built, see why */
	char why[160];
};

/**
 * Walk the list headed at @p head (the address of `modules`).  Bounded by
 * VMR_MAX_MODULES with cycle detection; a corrupt link, name, layout or
 * kallsyms yields a partial index and a warning (m->warning), never a hang.
 * @param[out] out the index (vmr_modules_free() it), also on corruption.
 * @return NULL, the fault reading @p head, or VMR_ERR_NOMEM.
 */
struct vmr_error *vmr_modules_walk(vmr_read_fn read, void *ctx, uint64_t head,
				   const struct vmr_module_offsets *off,
				   struct vmr_modules **out);

void vmr_modules_free(struct vmr_modules *m);

/** The part of @p mod holding @p addr (enum vmr_mod_part), or -1. */
int vmr_module_part_of(const struct vmr_module *mod, uint64_t addr);
/** The module and part containing @p addr, or NULL. */
const struct vmr_module *vmr_modules_find(const struct vmr_modules *m, uint64_t addr,
					  enum vmr_mod_part *part);

/**
 * The module part nearest to @p addr (for "in no module" reasons).
 * @param[out] dist distance from @p addr to that part.  @return NULL if none.
 */
const struct vmr_module *vmr_modules_nearest(const struct vmr_modules *m, uint64_t addr,
					     enum vmr_mod_part *part, uint64_t *dist);

/**
 * The symbol of @p mod naming @p addr the way the kernel's
 * find_kallsyms_symbol() does (so %pS): the last symbol at or below
 * @p addr, size = distance to the next symbol above it, bounded by the end
 * of the text (<= 6.3: core/init text end, whatever part @p addr is in,
 * which gives data and rodata their wrapped "negative" sizes) or of the part
 * holding @p addr (mem[] kernels, with the fix "module/kallsyms: fix nextval
 * for data symbol lookup" that 6.12.117 carries).
 * @return false if no symbol precedes @p addr.
 */
bool vmr_module_symbol(const struct vmr_module *mod, uint64_t addr, const char **name,
		       uint64_t *start, uint64_t *size);

/**
 * The per-cpu variable of @p mod at the per-cpu pointer @p ptr (inside
 * [percpu, percpu + percpu_size)): the last symbol whose value is in that
 * range and at or below @p ptr.  @p size: to the next one or the end.
 */
bool vmr_module_percpu_symbol(const struct vmr_module *mod, uint64_t ptr, const char **name,
			      uint64_t *start, uint64_t *size);

/**
 * The module index of @p k, built on first use.  @return NULL on OOM, else
 * an index that may be m->unusable (m->why says why).
 */
const struct vmr_modules *vmr_modules_get(struct vmr_kernel *k);

#endif
