/* SPDX-License-Identifier: MIT */
/**
 * @file tasks.h  Tasks and stacks (owner/tasks.c) and the cpu_entry_area
 * parts they share with owner/cea.c.
 *
 * The task walk takes a read callback and plain offsets so that it runs on
 * synthetic memory in tests.  It never fails on bad data: a fault, a cycle or
 * a bound ends it, keeps what was read and says why; only out-of-memory is an
 * error.  Kernel facts: x86_64-layout.md §7.4 (tasks, THREAD_SIZE), §7.5
 * (per-cpu current task and IRQ stack), §7.6 (cpu_entry_area).
 */
#ifndef VMR_OWNER_TASKS_H
#define VMR_OWNER_TASKS_H

#include "owner/owner-priv.h"
#include "owner/vmalloc.h"

/** Largest span of a task_struct the walk reads in one piece. */
#define VMR_TASK_MAX_SPAN (64u << 10)
/** Most CPUs looked at (NR_CPUS of x86_64 is at most 8192). */
#define VMR_MAX_CPUS 8192u

/** Byte offsets in struct task_struct / signal_struct (VMR_NO_OFFSET: absent). */
struct vmr_task_layout {
	uint64_t tasks;          /**< task_struct.tasks (list_head) */
	uint64_t pid;            /**< task_struct.pid (pid_t) */
	uint64_t comm;           /**< task_struct.comm (char[16]) */
	uint64_t stack;          /**< task_struct.stack (void *) */
	uint64_t signal;         /**< task_struct.signal (thread_head walk) */
	uint64_t thread_node;    /**< task_struct.thread_node (thread_head walk) */
	uint64_t thread_head;    /**< signal_struct.thread_head, or NO_OFFSET */
	uint64_t thread_group;   /**< task_struct.thread_group (older kernels) or NO_OFFSET */
};

/** One task as read. */
struct vmr_task_info {
	uint64_t task;           /**< task_struct address */
	uint64_t stack;          /**< task->stack (0: none, e.g. a dead task) */
	int32_t pid;
	char comm[17];
};

/** What the walk found.  Zero-initialize; free with vmr_tasks_result_free(). */
struct vmr_task_result {
	struct vmr_task_info *tasks;
	size_t n, cap;
	bool incomplete;         /**< the walk stopped early somewhere (see warning) */
	char warning[200];
	struct vmr_ptrset seen;  /**< task_struct addresses already listed */
	uint8_t *buf;            /**< span buffer */
	uint64_t lo, span;       /**< [lo, lo + span) of task_struct read per task */
};

/**
 * Walk every task: the task list from @p init_task through tasks, and the
 * thread group of each task.  At most @p max tasks are kept.
 * @return NULL, or an out-of-memory error (res keeps what was read).
 */
struct vmr_error *vmr_tasks_walk(vmr_read_fn read, void *ctx, uint64_t init_task,
				 const struct vmr_task_layout *l, size_t max,
				 struct vmr_task_result *res);
/**
 * Add the task at @p task if it is not listed yet (another CPU's idle task).
 * @return NULL, or out-of-memory; a task that cannot be read is skipped.
 */
struct vmr_error *vmr_tasks_add(vmr_read_fn read, void *ctx, uint64_t task,
				const struct vmr_task_layout *l, size_t max,
				struct vmr_task_result *res);
void vmr_tasks_result_free(struct vmr_task_result *res);
/** The task_struct/signal_struct offsets of @p k (absent members: VMR_NO_OFFSET). */
void vmr_tasks_layout(struct vmr_kernel *k, struct vmr_task_layout *l);

/*
 * Per-CPU data of a kernel (tasks.c), shared with cea.c.
 */
/**
 * __per_cpu_offset[] of @p k for its possible CPUs (read once).
 * @return the number of CPUs (0 if unknown); *@p off points at the offsets.
 */
unsigned int vmr_tasks_percpu_offsets(struct vmr_kernel *k, const uint64_t **off);
/**
 * The per-CPU offset of the per-cpu symbol @p name (the value to add to
 * __per_cpu_offset[cpu]).  @return false if the symbol is unknown.
 */
bool vmr_tasks_percpu_symbol(struct vmr_kernel *k, const char *name, uint64_t *off);
/** THREAD_SIZE of @p k (types, init_stack symbols, KASAN, 16 KiB default). */
uint64_t vmr_tasks_thread_size(struct vmr_kernel *k);
/**
 * The top of a per-CPU IRQ stack from its hardirq_stack_ptr: the top
 * itself before 5.12 (map_irq_stack(): va + IRQ_STACK_SIZE), 8 bytes below
 * it since ("x86/irq/64: Adjust the per CPU irq stack pointer by 8").  The
 * stack is whole pages, so a page-aligned pointer is the top.
 */
uint64_t vmr_irq_stack_top(uint64_t hardirq_stack_ptr);

/*
 * cpu_entry_area (cea.c).
 */
struct vmr_cea;
/**
 * Name the cpu_entry_area part holding @p addr: fills kind CPU_ENTRY_AREA,
 * cpu, part, offset, and for the IST and entry stacks which/start/end.
 * @return true if @p addr is in the RO IDT page or in a CPU's area.
 */
bool vmr_cea_identify(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out);
/** Free the cpu_entry_area state (NULL is ignored). */
void vmr_cea_free(struct vmr_cea *c);
/** The slot holding cea.c's state inside the task index of @p k (NULL: OOM). */
struct vmr_cea **vmr_tasks_cea_slot(struct vmr_kernel *k);

#endif
