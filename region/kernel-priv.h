/* SPDX-License-Identifier: MIT */
/** @file kernel-priv.h  The inside of struct vmr_kernel (region/ only). */
#ifndef VMR_REGION_KERNEL_PRIV_H
#define VMR_REGION_KERNEL_PRIV_H

#include <vmregion/kernel.h>

#include "vmcore/pgtable.h"

struct vmr_vmlinux;
struct vmr_kallsyms;
struct vmr_btf;

/** Fixed constants of the top 2 GiB (x86_64-layout.md §1.4). */
#define VMR_START_KERNEL_MAP 0xffffffff80000000ULL
#define VMR_DEFAULT_TEXT 0xffffffff81000000ULL /* __START_KERNEL with defaults */
#define VMR_KERNEL_WINDOW (1ULL << 30)       /* image always inside 1 GiB */

struct vmr_kernel {
	struct vmr_dump *dump;              /* borrowed */
	struct vmr_vmcoreinfo *vmcoreinfo;  /* owned; note or memory copy */
	enum vmr_source vmcoreinfo_source;  /* VMCOREINFO or VMCOREINFO_MEM */
	char vmcoreinfo_where[64];          /* where the memory copy was found */
	struct vmr_vmlinux *vmlinux;        /* owned; NULL without -k */
	struct vmr_kallsyms *kallsyms;      /* owned; loaded on first use */
	bool kallsyms_tried;
	bool kallsyms_scanned;              /* its tables found by shape (kallsyms_scan.c) */
	char symbols_origin[96];            /* vmr_kernel_symbols_origin() */
	struct vmr_btf *mem_btf;            /* BTF from the dump's memory, lazily */
	void *mem_btf_data;
	bool mem_btf_tried;
	void *owners;                       /* owner/ indexes, built lazily */
	void (*owners_free)(void *owners);
	struct vmr_layout layout;
	struct vmr_pgt pgt;                 /* kernel page tables */
	bool pgt_ready;
	struct vmr_tlb tlb;
	char release[72];
	char build_id[48];
	char *vmlinux_path;
	struct vmr_symbol last_symbol;      /* storage for symbolize() */
};

/**
 * Rebuild every layout value of @p k with its source (x86_64-layout.md §2.4)
 * and the region table.  Needs k->dump, k->vmcoreinfo (may be NULL) and
 * k->vmlinux (may be NULL); may replace k->vmcoreinfo by a copy found in
 * memory.  @return NULL, or an error when nothing usable could be rebuilt.
 */
struct vmr_error *vmr_rebuild_layout(struct vmr_kernel *k);

/** Read kernel virtual memory (vmr_read_fn shape, ctx = struct vmr_kernel *). */
struct vmr_error *vmr_kernel_read_cb(void *ctx, uint64_t addr, void *buf, size_t len);
/** Read physical memory (vmr_read_fn shape, ctx = struct vmr_dump *). */
struct vmr_error *vmr_dump_read_cb(void *ctx, uint64_t addr, void *buf, size_t len);

/**
 * Runtime address of @p name from the vmlinux (+ slide) or the in-memory
 * kallsyms, and which one answered.  @return false if neither knows it.
 */
bool vmr_kernel_find_symbol(struct vmr_kernel *k, const char *name, uint64_t *addr,
			    enum vmr_source *src);

/**
 * vmemmap_base decoded from the first section of mem_section that has a
 * memory map (x86_64-layout.md §2.4(d)3; exact).  @return false if unknown.
 */
bool vmr_vmemmap_from_mem_section(struct vmr_kernel *k, uint64_t *out);
/**
 * vmalloc_base as the lowest vmap area rounded down to 1 GiB (kernels with
 * SYMBOL(vmap_area_list), before 6.9): a guess for when nothing names the
 * base.  @return false if unknown.
 */
bool vmr_vmalloc_from_vmap_list(struct vmr_kernel *k, uint64_t *out);

/**
 * kallsyms found in the image by its shape (region/kallsyms_scan.c), for
 * kernels whose VMCOREINFO does not name it; kept only if it puts _stext
 * where VMCOREINFO or the slide does.  @return false if not found (@p why
 * says why).
 */
bool vmr_kernel_scan_kallsyms(struct vmr_kernel *k, struct vmr_kallsyms **out, char *why,
			      size_t whylen);

#endif
