/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the task walk (owner/tasks.c vmr_tasks_walk: the task list
 * and each thread group) and vmr_tasks_add, on arbitrary kernel memory.
 * Input: a 16-byte header (flags: bit 0 wrap every address into the memory,
 * bit 1 older kernels' thread_group list; the offsets of init_task and of an
 * extra (idle) task), then the memory.  Layout of
 * tests/unit/test_owner_tasks.c.  Seeds: task lists written like that test
 * writes them.
 */
#include "owner/tasks.h"

#include "fuzz.h"

#define VBASE 0xffff888000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= 16)
		return 0;
	struct fuzz_in in = { data, 16 };
	uint64_t flags = fuzz_take(&in, 4);
	uint64_t init = VBASE + fuzz_take(&in, 4);
	uint64_t idle = VBASE + fuzz_take(&in, 4);
	struct fuzz_mem m = { .buf = data + 16, .size = size - 16, .base = VBASE,
			      .wrap = flags & 1 };
	struct vmr_task_layout l = {
		.tasks = 0x10, .pid = 0x40, .comm = 0x50, .stack = 0x8, .signal = 0x60,
		.thread_node = 0x70, .thread_head = 0x10, .thread_group = VMR_NO_OFFSET,
	};
	if (flags & 2) {
		l.thread_head = VMR_NO_OFFSET;
		l.thread_group = 0x80;
	}
	struct vmr_task_result res = { 0 };
	vmr_error_free(vmr_tasks_walk(fuzz_mem_read, &m, init, &l, 100000, &res));
	vmr_error_free(vmr_tasks_add(fuzz_mem_read, &m, idle, &l, 100000, &res));
	unsigned sum = 0;
	for (size_t i = 0; i < res.n; i++)
		sum += (unsigned)strlen(res.tasks[i].comm) + (unsigned)res.tasks[i].pid;
	vmr_tasks_result_free(&res);
	return (int)(sum & 0);
}
