/* SPDX-License-Identifier: MIT */
/**
 * @file owner.h  Who owns an address: symbol, module, vmalloc area, stack,
 * per-cpu variable, slab object, page, cpu_entry_area part, fixmap slot.
 *
 * Owner indexes (module list, vmap areas, tasks and stacks, ...) are built
 * once per struct vmr_kernel, lazily, on the first address of their region.
 * Every walk over dump data is bounded and detects cycles; a corrupt
 * structure yields a partial answer plus a warning, never a crash or a hang.
 */
#ifndef VMREGION_OWNER_H
#define VMREGION_OWNER_H

#include <vmregion/kernel.h>

/** DESIGN.md §4 owner kinds; names by vmr_owner_kind_name(). */
enum vmr_owner_kind {
	VMR_OWNER_NONE,           /**< nobody known: see reason */
	VMR_OWNER_SYMBOL,         /**< kernel-image symbol */
	VMR_OWNER_MODULE,         /**< inside a module's memory */
	VMR_OWNER_VMALLOC,        /**< a vmap area */
	VMR_OWNER_STACK,          /**< a kernel stack (task, IRQ, exception) */
	VMR_OWNER_PERCPU,         /**< a CPU's per-cpu area */
	VMR_OWNER_SLAB,           /**< a slab object */
	VMR_OWNER_PAGE,           /**< a page (direct map) or its struct page (vmemmap) */
	VMR_OWNER_CPU_ENTRY_AREA, /**< a part of a CPU's cpu_entry_area */
	VMR_OWNER_FIXMAP,         /**< a fixmap slot */
	VMR_OWNER__COUNT
};

#define VMR_OWNER_NAME_LEN 128

/** Source position from DWARF (with -k VMLINUX). */
struct vmr_owner_line {
	char file[160];
	int line;
	unsigned int n_inlined;   /**< inlined-into chain, innermost first */
	struct {
		char function[VMR_OWNER_NAME_LEN];
		char file[160];
		int line;
	} inlined[8];
};

/**
 * What owns an address.  Plain data; fields that do not apply are zero.
 * A nested "symbol" is filled wherever a symbol names the address (kernel
 * image, module, per-cpu variable) and "caller" for vmalloc areas.
 */
struct vmr_owner {
	enum vmr_owner_kind kind;
	char reason[160];                   /**< kind NONE: why nobody is known */

	/* symbol (kernel image, module, per-cpu): name+offset/size */
	bool has_symbol;
	char symbol[VMR_OWNER_NAME_LEN];
	uint64_t symbol_addr, symbol_size;
	bool has_line;
	struct vmr_owner_line line;

	/* module: name and part ("text", "data", "rodata", "ro_after_init",
	 * "init_text", "init_data", "init_rodata") */
	char module[64];
	char module_part[16];
	uint64_t module_base;               /**< start of that part */

	/* vmalloc: the area [start, end), its flags, caller, phys for ioremap */
	uint64_t start, end;                /**< also stacks: [start, end) */
	uint64_t requested_size;            /**< vm_struct.requested_size when known */
	uint64_t flags;
	char flags_text[64];                /**< "vmalloc", "ioremap", "vmap", ... */
	bool has_caller;
	char caller[VMR_OWNER_NAME_LEN + 64]; /**< "func+0x2d/0x40 [module]" */
	uint64_t caller_addr;
	bool has_phys_addr;
	uint64_t phys_addr;                 /**< ioremap: physical address mapped */
	uint64_t nr_pages;

	/* stack: whose, which, where */
	bool has_pid;
	int32_t pid;
	char comm[16 + 1];
	int32_t cpu;                        /**< -1 if not per-CPU */
	char which[24];                     /**< "task", "irq", "exception:NMI", "entry" */
	uint64_t task;                      /**< task_struct address */
	uint64_t area_start, area_end;      /**< stack in vmalloc: its vmap area (caller above) */
	uint64_t offset_from_top;

	/* percpu: cpu + symbol; slab: cache, object, offset; page: pfn ... */
	uint64_t offset;                    /**< offset in the object/area/variable */
	char cache[64];
	uint64_t object, object_size;
	int allocated;                      /**< 1 yes, 0 free, -1 unknown */
	uint64_t pfn, struct_page, page_addr; /**< page: pfn, its struct page, its direct-map address */
	char field[48];                     /**< struct page member the address is in */

	/* cpu-entry-area: part ("gdt", "entry_stack", "tss", "exception stack NMI",
	 * "idt", ...); fixmap: slot name */
	char part[48];
	char slot[64];
};

/** @return the DESIGN.md name of @p kind ("symbol", "vmalloc", ...). */
VMR_API const char *vmr_owner_kind_name(enum vmr_owner_kind kind);

/**
 * Find the owner of @p addr (already described by @p info from
 * vmr_kernel_describe()).
 * @return NULL with @p out filled (kind NONE with a reason when nobody owns
 * it), or an error only for out-of-memory or a broken handle.
 */
VMR_API struct vmr_error *vmr_owner_lookup(struct vmr_kernel *k,
					   const struct vmr_addrinfo *info,
					   struct vmr_owner *out);

/**
 * Call @p fn for every symbol of every loaded module (its mod->kallsyms),
 * module by module in list order, each module's in address order.  Only
 * symbols inside one of the module's parts come; type is 't' (text and
 * init text), 'r' (rodata, ro_after_init) or 'd' (data); size is the
 * distance to the next symbol or the end of the part; module names it.
 * @return NULL, or VMR_ERR_NOT_FOUND (with why) when the module list is
 *         unknown, VMR_ERR_NOMEM.
 */
VMR_API struct vmr_error *vmr_module_symbols(struct vmr_kernel *k, vmr_symbol_fn fn,
					     void *ctx);

#endif
