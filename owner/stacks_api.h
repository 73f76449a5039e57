/* SPDX-License-Identifier: MIT */
/**
 * @file stacks_api.h  Where a kernel stack starts and ends, for commands that
 * walk one (`vmregion mem --stack`): the stack of a task (by pid or
 * task_struct), the current task of a CPU, and the stack pointer saved at the
 * top of an IRQ or exception stack (the way back to the interrupted stack).
 *
 * Kernel facts: x86_64-layout.md §7.4 (task->stack, THREAD_SIZE,
 * thread.sp), §7.5 (per-cpu current_task / pcpu_hot, hardirq_stack_ptr),
 * §7.6 (IST stacks in cpu_entry_area).
 */
#ifndef VMR_OWNER_STACKS_API_H
#define VMR_OWNER_STACKS_API_H

#include <vmregion/owner.h>

/** The kernel stack of one task. */
struct vmr_task_stack {
	uint64_t task;          /**< task_struct address */
	int32_t pid;
	char comm[17];
	uint64_t start, end;    /**< [task->stack, task->stack + THREAD_SIZE) */
	bool has_sp;            /**< @p sp was read */
	uint64_t sp;            /**< task->thread.sp: saved at its last switch */
	int32_t cpu;            /**< the CPU it is current on, or -1 */
};

/**
 * The stack of the task with pid @p pid (the first one found; pid 0 is the
 * boot CPU's idle task).
 * @return NULL, VMR_ERR_NOT_FOUND when no task has that pid, or another
 * error when the tasks cannot be walked at all.
 */
VMR_API struct vmr_error *vmr_task_stack_by_pid(struct vmr_kernel *k, int32_t pid,
						struct vmr_task_stack *out);
/**
 * The stack of the task current on CPU @p cpu (per-cpu current_task, or
 * pcpu_hot.current_task).
 * @return NULL, or an error naming what could not be read.
 */
VMR_API struct vmr_error *vmr_task_stack_of_cpu(struct vmr_kernel *k, unsigned int cpu,
						struct vmr_task_stack *out);
/** The stack of the task_struct at @p task. */
VMR_API struct vmr_error *vmr_task_stack_of_task(struct vmr_kernel *k, uint64_t task,
						 struct vmr_task_stack *out);
/**
 * The stack pointer that was current when the CPU switched to the IRQ or
 * exception stack described by @p stack (a kind STACK owner from
 * vmr_owner_lookup()): for the IRQ stack the word at its top
 * (call_on_irqstack stores the old RSP there), for an IST exception stack the
 * RSP of the hardware frame the CPU pushed at its top.
 * @return false for a task stack, an unknown kind, or a word not in the dump.
 */
VMR_API bool vmr_stack_previous_sp(struct vmr_kernel *k, const struct vmr_owner *stack,
				   uint64_t *sp);

#endif
