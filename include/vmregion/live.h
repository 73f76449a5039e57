/* SPDX-License-Identifier: MIT */
/**
 * @file live.h  A running kernel as a dump: physical memory and CPU
 * registers come from callbacks (a gdb stub such as QEMU's, reached by the
 * `vmregion serve --remote` relay), not from a file.
 *
 * The dump opened this way works with vmr_kernel_open() like any other: the
 * layout is rebuilt with the methods for dumps without a VMCOREINFO note
 * (x86_64-layout.md §2.4: page tables from CR3, the in-memory VMCOREINFO
 * through the vmlinux symbols, else a memory scan).  Memory is cached per
 * page while the target is stopped; call vmr_dump_live_invalidate() when it
 * has run, and open a new struct vmr_kernel (its own caches are stale too).
 */
#ifndef VMREGION_LIVE_H
#define VMREGION_LIVE_H

#include <vmregion/dump.h>

/** Where a live dump's memory and registers come from. */
struct vmr_live_ops {
	/**
	 * Read @p len bytes of physical memory at @p paddr (at most
	 * max_read bytes are asked at once).
	 * @return NULL, or an error (VMR_ERR_FAULT naming the address).
	 */
	struct vmr_error *(*read_phys)(void *ctx, uint64_t paddr, void *buf, size_t len);
	/**
	 * Fill @p cpus (at most @p max) with the CPUs' registers: gpr,
	 * cr[0..4], gs_base, kernel_gs_base (has_sysregs when the control
	 * registers are known).  *@p n gets the number of CPUs.
	 */
	struct vmr_error *(*read_cpus)(void *ctx, struct vmr_cpu_state *cpus, unsigned int max,
				       unsigned int *n);
	/** Largest read_phys request, bytes (0: 64 KiB). */
	size_t max_read;
	/** One past the highest physical address to scan (0: 4 GiB). */
	uint64_t max_paddr;
	/** What the target is, for vmr_dump_get_info()->format_name. */
	const char *format_name;
};

/**
 * Open a live target as a dump.  @p name stands for the path in messages
 * ("localhost:1234"); @p ops and @p ctx must outlive the dump.
 * @return NULL, or the error of reading the CPUs.
 */
VMR_API struct vmr_error *vmr_dump_open_live(const char *name, const struct vmr_live_ops *ops,
					     void *ctx, struct vmr_dump **out);
/**
 * The target ran: forget cached memory and read the CPUs again.
 * @return NULL, or the error of reading the CPUs.
 */
VMR_API struct vmr_error *vmr_dump_live_invalidate(struct vmr_dump *dump);

#endif
