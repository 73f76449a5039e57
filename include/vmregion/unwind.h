/* SPDX-License-Identifier: MIT */
/**
 * @file unwind.h  Kernel backtraces with the kernel's ORC data (or its
 * frame pointers, for kernels built without ORC).
 *
 * A struct vmr_unwinder holds the ORC tables of one kernel: the vmlinux's
 * (.orc_unwind_ip / .orc_unwind from the vmlinux file, else from the dump's
 * memory through kallsyms) and each module's (module.arch, read on first
 * use).  The entry format (<= 6.2, 6.3, 6.4+) comes from .orc_header when
 * there is one, else from the layout of the entries themselves.  A struct
 * vmr_unwind walks one stack from a register set or a sleeping task, frame
 * by frame, following CALL, REGS (pt_regs) and REGS_PARTIAL (IRET frame)
 * entries across IRQ, exception and task stacks, with the null and
 * frame-pointer fallbacks of unwind_orc.c.  Every read goes through the
 * kernel's page tables; the walk is bounded (frames, same-stack sp growth,
 * each stack at most once), and corrupt tables or stacks give an error,
 * never a crash or a hang.  Facts: x86_64-layout.md §6.
 */
#ifndef VMREGION_UNWIND_H
#define VMREGION_UNWIND_H

#include <vmregion/kernel.h>

struct vmr_unwinder;
struct vmr_unwind;

/** How a frame was reached. */
enum vmr_frame_kind {
	VMR_FRAME_START,         /**< the starting registers or the task's saved frame */
	VMR_FRAME_CALL,          /**< a return address (ORC CALL entry) */
	VMR_FRAME_REGS,          /**< a full pt_regs: interrupt, exception, syscall entry */
	VMR_FRAME_REGS_PARTIAL,  /**< a hardware IRET frame only */
};

/** One frame of a backtrace. */
struct vmr_frame {
	uint64_t ip;        /**< return address, or the exact ip when @c signal */
	uint64_t sp, bp;
	enum vmr_frame_kind kind;
	bool signal;        /**< ip is exact (interrupted): name ip, not ip - 1 */
	bool reliable;      /**< every step up to here had ORC data (or followed the
			         frame-pointer chain of a kernel without ORC) */
	bool user;          /**< user-mode registers: the end of the kernel stack */
	uint64_t regs_addr; /**< REGS / REGS_PARTIAL: the pt_regs (IRET frame - 128) */
	uint64_t regs[21];  /**< REGS: the pt_regs words (r15 .. ss); else zero */
	char stack[24];     /**< sp's stack: "task", "irq", "exception:NMI", "entry", "" */
	int32_t cpu;        /**< the stack's CPU for per-CPU stacks, else -1 */
};

/** Most frames one walk gives (vmr_unwind_set_max() may lower it). */
#define VMR_UNWIND_MAX_FRAMES 256

/**
 * Load the vmlinux ORC table of @p k (the kernel must outlive the unwinder).
 * @return NULL, VMR_ERR_NOT_FOUND (no ORC in the vmlinux nor in memory),
 *         VMR_ERR_FORMAT (unknown entry format, sizes that disagree, an
 *         unsorted table), a fault, or VMR_ERR_NOMEM.
 */
VMR_API struct vmr_error *vmr_unwinder_open(struct vmr_kernel *k, struct vmr_unwinder **out);
VMR_API void vmr_unwinder_close(struct vmr_unwinder *uw);
/**
 * The entry format in use: 1 (<= 6.2), 2 (6.3), 3 (6.4+), and how it was
 * decided ("orc_header", "layout evidence").
 */
VMR_API int vmr_unwinder_format(const struct vmr_unwinder *uw, const char **how);
/**
 * "ORC", or "frame pointers" for a kernel built without ORC
 * (CONFIG_UNWINDER_FRAME_POINTER): its bp chain is walked as its own
 * unwinder does (pt_regs where bp has the low bit set).
 */
VMR_API const char *vmr_unwinder_method(const struct vmr_unwinder *uw);
/** Number of vmlinux ORC entries. */
VMR_API size_t vmr_unwinder_entries(const struct vmr_unwinder *uw);

/**
 * Start a walk at a register set in user_regs_struct order (NT_PRSTATUS
 * pr_reg; the first 21 words are struct pt_regs), e.g. vmr_cpu_state.gpr.
 */
VMR_API struct vmr_error *vmr_unwind_start_regs(struct vmr_unwinder *uw,
						const uint64_t regs[VMR_NR_GREGS],
						struct vmr_unwind **out);
/** Start at CPU @p cpu's registers in the dump. */
VMR_API struct vmr_error *vmr_unwind_start_cpu(struct vmr_unwinder *uw, unsigned int cpu,
					       struct vmr_unwind **out);
/**
 * Start at a sleeping task's saved frame (task->thread.sp -> struct
 * inactive_task_frame).  For a task running on a CPU use that CPU's
 * registers instead: its thread.sp is stale.
 */
VMR_API struct vmr_error *vmr_unwind_start_task(struct vmr_unwinder *uw, uint64_t task,
						struct vmr_unwind **out);
/** Lower the frame bound of @p u (at most VMR_UNWIND_MAX_FRAMES). */
VMR_API void vmr_unwind_set_max(struct vmr_unwind *u, unsigned int max);
/**
 * The next frame (the first call gives the starting frame).
 * @return false at the end; vmr_unwind_end() says why.
 */
VMR_API bool vmr_unwind_next(struct vmr_unwind *u, struct vmr_frame *out);
/**
 * Why the walk ended: "user mode", "end of stack", or what went wrong.
 * @return true if it ended cleanly (user mode or END_OF_STACK).
 */
VMR_API bool vmr_unwind_end(const struct vmr_unwind *u, const char **why);
VMR_API void vmr_unwind_free(struct vmr_unwind *u);

#endif
