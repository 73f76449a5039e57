/* SPDX-License-Identifier: MIT */
/**
 * @file percpu.h  The per-cpu areas of a kernel (owner/percpu.c), and the
 * pieces of their lookup that the unit tests run on synthetic memory.
 * Layout: x86_64-layout.md §7.5.
 */
#ifndef VMR_OWNER_PERCPU_H
#define VMR_OWNER_PERCPU_H

#include "common/memory.h"
#include "owner/owner-priv.h"

#define VMR_MAX_CPUS 8192u          /* NR_CPUS is at most 8192 on x86_64 */
#define VMR_PERCPU_NONE UINT64_MAX  /* offset of a CPU that is not possible */

/** The per-cpu areas: one unit per possible CPU. */
struct vmr_percpu {
	uint64_t *offsets;      /**< __per_cpu_offset[cpu], VMR_PERCPU_NONE if unused */
	unsigned int ncpus;     /**< entries in offsets */
	unsigned int npossible; /**< entries that are not VMR_PERCPU_NONE */
	uint64_t start, end;    /**< __per_cpu_start, __per_cpu_end (per-cpu pointers) */
	uint64_t unit_size;     /**< bytes of each CPU's unit (0: unknown) */
	bool unusable;
	char why[160];
};

/**
 * Read @p n entries of __per_cpu_offset[] at @p array (one read) and keep
 * those of possible CPUs: an entry that is 0, equals @p boot (the
 * BOOT_PERCPU_OFFSET every slot starts with, 0 if unknown), or repeats
 * CPU 0's entry is a CPU that is not possible.  With @p stop_at_unused
 * (n only a guess) the array ends at the first such entry.
 * @param[out] pc offsets, ncpus and npossible are filled.
 * @return NULL, a fault, VMR_ERR_INVALID (n is 0 or over VMR_MAX_CPUS, or no
 *         entry is usable), VMR_ERR_NOMEM.
 */
struct vmr_error *vmr_percpu_read_offsets(vmr_read_fn read, void *ctx, uint64_t array,
					  unsigned int n, uint64_t boot, bool stop_at_unused,
					  struct vmr_percpu *pc);

/**
 * The unit size when pcpu_unit_size cannot be read: the smallest distance
 * between the sorted offsets of possible CPUs (units are laid out back to
 * back in the first chunk).  @return 0 with fewer than two CPUs.
 */
uint64_t vmr_percpu_guess_unit_size(const struct vmr_percpu *pc);

/**
 * The CPU whose unit holds @p addr.  @param[out] ptr the per-cpu pointer
 * (addr - __per_cpu_offset[cpu]), what per-cpu symbols are valued at.
 * @return the CPU, or -1.
 */
int vmr_percpu_find_cpu(const struct vmr_percpu *pc, uint64_t addr, uint64_t *ptr);

#endif
