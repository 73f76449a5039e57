/* SPDX-License-Identifier: MIT */
/*
 * Where a kernel stack starts and ends: a task's stack and saved stack
 * pointer, a CPU's current task, and the way back from an IRQ or exception
 * stack to the stack it interrupted.  Built on the task walk of tasks.c.
 */
#include "owner/stacks_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "owner/tasks.h"

/* Per-cpu offset of the current task: current_task, or pcpu_hot's member (6.2+). */
static bool current_task_offset(struct vmr_kernel *k, uint64_t *off)
{
	if (vmr_tasks_percpu_symbol(k, "current_task", off))
		return true;
	uint64_t hot, m;
	if (vmr_tasks_percpu_symbol(k, "pcpu_hot", &hot) &&
	    (m = vmr_owner_member(k, "pcpu_hot", "current_task")) != VMR_NO_OFFSET) {
		*off = hot + m;
		return true;
	}
	return false;
}

/* The task current on @p cpu, or 0. */
static uint64_t cpu_current(struct vmr_kernel *k, unsigned int cpu)
{
	const uint64_t *pcpu;
	unsigned int n = vmr_tasks_percpu_offsets(k, &pcpu);
	uint64_t off, task;
	if (cpu >= n || !current_task_offset(k, &off))
		return 0;
	struct vmr_error *err = vmr_kernel_read_u64(k, pcpu[cpu] + off, &task);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	return task;
}

struct vmr_error *vmr_task_stack_of_task(struct vmr_kernel *k, uint64_t task,
					 struct vmr_task_stack *out)
{
	memset(out, 0, sizeof(*out));
	out->cpu = -1;
	out->task = task;
	uint64_t o_stack = vmr_owner_member(k, "task_struct", "stack");
	uint64_t o_pid = vmr_owner_member(k, "task_struct", "pid");
	uint64_t o_comm = vmr_owner_member(k, "task_struct", "comm");
	uint64_t o_sp = vmr_owner_member(k, "task_struct", "thread.sp");
	if (o_stack == VMR_NO_OFFSET || o_pid == VMR_NO_OFFSET || o_comm == VMR_NO_OFFSET)
		return vmr_error_new(VMR_ERR_NOT_FOUND,
				     "task_struct layout unknown (stack, pid, comm)");
	if (o_stack > VMR_TASK_MAX_SPAN || o_pid > VMR_TASK_MAX_SPAN ||
	    o_comm > VMR_TASK_MAX_SPAN || (o_sp != VMR_NO_OFFSET && o_sp > VMR_TASK_MAX_SPAN))
		return vmr_error_new(VMR_ERR_LIMIT, "task_struct layout absurd");
	if (task > UINT64_MAX - VMR_TASK_MAX_SPAN)
		return vmr_error_new(VMR_ERR_INVALID, "0x%" PRIx64 ": not a task_struct", task);

	uint64_t stack;
	uint32_t pid;
	struct vmr_error *err = vmr_kernel_read_u64(k, task + o_stack, &stack);
	if (!err)
		err = vmr_kernel_read_u32(k, task + o_pid, &pid);
	if (!err)
		err = vmr_kernel_read(k, task + o_comm, out->comm, 16);
	if (err)
		return err;
	out->comm[16] = 0;
	for (char *c = out->comm; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	out->pid = (int32_t)pid;
	uint64_t size = vmr_tasks_thread_size(k);
	if (!stack || stack & 7 || stack > UINT64_MAX - size)
		return vmr_error_new(VMR_ERR_NOT_FOUND,
				     "task 0x%" PRIx64 " (pid %d): no kernel stack (0x%" PRIx64 ")",
				     task, out->pid, stack);
	out->start = stack;
	out->end = stack + size;
	if (o_sp != VMR_NO_OFFSET) {
		struct vmr_error *e = vmr_kernel_read_u64(k, task + o_sp, &out->sp);
		out->has_sp = !e;
		vmr_error_free(e);
	}
	unsigned int ncpus = vmr_dump_get_info(vmr_kernel_dump(k))->ncpus;
	const uint64_t *pcpu;
	unsigned int n = vmr_tasks_percpu_offsets(k, &pcpu);
	if (n > ncpus)
		ncpus = n;
	for (unsigned int cpu = 0; cpu < ncpus && cpu < VMR_MAX_CPUS; cpu++)
		if (cpu_current(k, cpu) == task) {
			out->cpu = (int32_t)cpu;
			break;
		}
	return NULL;
}

struct vmr_error *vmr_task_stack_of_cpu(struct vmr_kernel *k, unsigned int cpu,
					struct vmr_task_stack *out)
{
	uint64_t off;
	if (!current_task_offset(k, &off))
		return vmr_error_new(VMR_ERR_NOT_FOUND,
				     "no current_task (per-cpu variable or pcpu_hot member)");
	const uint64_t *pcpu;
	unsigned int n = vmr_tasks_percpu_offsets(k, &pcpu);
	if (cpu >= n)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "cpu %u: no per-cpu area (%u CPUs known)",
				     cpu, n);
	uint64_t task = cpu_current(k, cpu);
	if (!task)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "cpu %u: current task not readable", cpu);
	struct vmr_error *err = vmr_task_stack_of_task(k, task, out);
	if (!err)
		out->cpu = (int32_t)cpu;
	return err;
}

struct vmr_error *vmr_task_stack_by_pid(struct vmr_kernel *k, int32_t pid,
					struct vmr_task_stack *out)
{
	struct vmr_task_layout l;
	vmr_tasks_layout(k, &l);
	uint64_t init_task;
	struct vmr_error *err = vmr_kernel_symbol_address(k, "init_task", &init_task);
	if (err)
		return err;
	struct vmr_task_result res = {0};
	err = vmr_tasks_walk(vmr_kernel_read_cb, k, init_task, &l, VMR_MAX_TASKS, &res);
	/* The current tasks of the CPUs (other CPUs' idle tasks are not listed). */
	const uint64_t *pcpu;
	unsigned int n = vmr_tasks_percpu_offsets(k, &pcpu);
	for (unsigned int cpu = 0; !err && cpu < n; cpu++) {
		uint64_t cur = cpu_current(k, cpu);
		if (cur)
			err = vmr_tasks_add(vmr_kernel_read_cb, k, cur, &l, VMR_MAX_TASKS, &res);
	}
	uint64_t task = 0;
	for (size_t i = 0; !err && i < res.n && !task; i++)
		if (res.tasks[i].pid == pid)
			task = res.tasks[i].task;
	if (!err && !task)
		err = vmr_error_new(VMR_ERR_NOT_FOUND, "no task with pid %d (%zu tasks%s%s)", pid,
				    res.n, res.incomplete ? "; " : "",
				    res.incomplete ? res.warning : "");
	vmr_tasks_result_free(&res);
	if (err)
		return err;
	return vmr_task_stack_of_task(k, task, out);
}

bool vmr_stack_previous_sp(struct vmr_kernel *k, const struct vmr_owner *stack, uint64_t *sp)
{
	if (stack->kind != VMR_OWNER_STACK || stack->end < 16 || stack->end & 7)
		return false;
	uint64_t at;
	if (!strcmp(stack->which, "irq"))
		/* call_on_stack(): movq %rsp, (%[tos]); tos = hardirq_stack_ptr,
		 * the last word of the stack (arch/x86/include/asm/irq_stack.h). */
		at = stack->end - 8;
	else if (!strncmp(stack->which, "exception:", 10))
		/* The CPU pushes SS, RSP, RFLAGS, CS, RIP at the top of an IST stack. */
		at = stack->end - 16;
	else
		return false;
	struct vmr_error *err = vmr_kernel_read_u64(k, at, sp);
	vmr_error_free(err);
	return !err;
}
