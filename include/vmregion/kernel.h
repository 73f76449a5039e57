/* SPDX-License-Identifier: MIT */
/**
 * @file kernel.h  The kernel in a dump: symbols, layout, virtual memory.
 *
 * A struct vmr_kernel borrows an open dump (close the kernel first), loads
 * the optional vmlinux (its build-id must match the dump's), rebuilds the
 * layout with provenance and reads kernel virtual memory through the page
 * tables.  Owner indexes are built lazily on first use.
 */
#ifndef VMREGION_KERNEL_H
#define VMREGION_KERNEL_H

#include <vmregion/dump.h>
#include <vmregion/layout.h>
#include <vmregion/vmcoreinfo.h>

struct vmr_kernel;

/** A symbol: runtime address, size (0 if unknown), type letter. */
struct vmr_symbol {
	const char *name;   /**< owned by the kernel handle */
	uint64_t addr;
	uint64_t size;
	char type;          /**< kallsyms letter ('T', 't', 'D', ...) or 0 */
	const char *module; /**< NULL for vmlinux */
};

/**
 * Build the kernel view of @p dump.
 * @param vmlinux path of the matching vmlinux (may be zstd-wrapped, may
 *        have compressed debug sections), or NULL.
 * @param[out] out the kernel on success.
 * @return NULL, or an error: VMR_ERR_MISMATCH when the vmlinux build-id
 *         differs from the dump's, VMR_ERR_FORMAT when no layout can be
 *         rebuilt at all.
 */
VMR_API struct vmr_error *vmr_kernel_open(struct vmr_dump *dump, const char *vmlinux,
					  struct vmr_kernel **out);
/** Close @p k (NULL is ignored); the dump stays open. */
VMR_API void vmr_kernel_close(struct vmr_kernel *k);

VMR_API struct vmr_dump *vmr_kernel_dump(const struct vmr_kernel *k);
VMR_API const struct vmr_layout *vmr_kernel_layout(const struct vmr_kernel *k);
/** @return the parsed VMCOREINFO (note or memory copy), or NULL. */
VMR_API const struct vmr_vmcoreinfo *vmr_kernel_vmcoreinfo(const struct vmr_kernel *k);
/**
 * Where the VMCOREINFO in use came from: "note" (the dump's note), "memory
 * copy at phys 0x..." (found in the dump's memory), or NULL if there is none.
 */
VMR_API const char *vmr_kernel_vmcoreinfo_origin(const struct vmr_kernel *k);
/**
 * Where the kernel's symbols come from: "vmlinux", "kallsyms in the dump,
 * N symbols (tables named by VMCOREINFO)" or "(tables found by their
 * shape)" for kernels before 6.0; NULL when there are none.  Loads kallsyms
 * if that was not done yet.
 */
VMR_API const char *vmr_kernel_symbols_origin(struct vmr_kernel *k);
/** @return OSRELEASE, or NULL if unknown. */
VMR_API const char *vmr_kernel_release(const struct vmr_kernel *k);
/** @return the kernel's GNU build-id in hex, or NULL if unknown. */
VMR_API const char *vmr_kernel_build_id(const struct vmr_kernel *k);
/** @return the vmlinux path in use, or NULL. */
VMR_API const char *vmr_kernel_vmlinux(const struct vmr_kernel *k);

/**
 * Translate kernel virtual @p vaddr through the kernel page tables.
 * @param[out] page_size size of the mapping leaf (4 KiB, 2 MiB, 1 GiB); may be NULL.
 * @return NULL, or VMR_ERR_FAULT (not mapped, or a table page not in the dump).
 */
VMR_API struct vmr_error *vmr_kernel_translate(struct vmr_kernel *k, uint64_t vaddr,
					       uint64_t *paddr, uint64_t *page_size);
/** Read @p len bytes of kernel virtual memory; faults name the first bad address. */
VMR_API struct vmr_error *vmr_kernel_read(struct vmr_kernel *k, uint64_t vaddr,
					  void *buf, size_t len);
/** Runtime address of the kernel symbol @p name (vmlinux, kallsyms or VMCOREINFO). */
VMR_API struct vmr_error *vmr_kernel_symbol_address(struct vmr_kernel *k,
						    const char *name, uint64_t *addr);
/** Nearest kernel-image symbol at or below @p addr. @return false if none. */
VMR_API bool vmr_kernel_symbolize(struct vmr_kernel *k, uint64_t addr,
				  struct vmr_symbol *out);
/**
 * Called for each symbol by vmr_kernel_symbols() and vmr_module_symbols();
 * @p sym is valid during the call, its strings until vmr_kernel_close().
 * @return false to stop the walk.
 */
typedef bool (*vmr_symbol_fn)(const struct vmr_symbol *sym, void *ctx);
/**
 * Call @p fn for every symbol of the kernel image in the dump's in-memory
 * kallsyms (6.0+ kernels export its tables in VMCOREINFO), in address
 * order.  size is the distance to the next higher address, or 0 when there
 * is none within 32 MiB; per-cpu offsets come as they are (small values).
 * @return NULL, or VMR_ERR_NOT_FOUND when the dump has no readable kallsyms.
 */
VMR_API struct vmr_error *vmr_kernel_symbols(struct vmr_kernel *k, vmr_symbol_fn fn,
					     void *ctx);
/** vmr_classify() plus whether the address is backed in this dump. */
VMR_API void vmr_kernel_describe(struct vmr_kernel *k, uint64_t addr,
				 struct vmr_addrinfo *out);

#endif
