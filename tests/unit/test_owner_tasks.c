/* SPDX-License-Identifier: MIT */
/*
 * owner/tasks.c task walk on synthetic memory: the task list from init_task,
 * thread groups through signal->thread_head (k6.1+) and through thread_group
 * (older kernels), idle tasks added afterwards, cycles and corrupt pointers
 * (x86_64-layout.md §7.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "owner/tasks.h"

#define BASE 0xffff888000000000ULL
#define MEMSIZE 0x20000u
#define TASK(i) (BASE + 0x1000 + (uint64_t)(i) * 0x400) /* task_struct i */
#define SIG(i) (BASE + 0x10000 + (uint64_t)(i) * 0x100) /* signal_struct i */
#define STACK(i) (0xffffc90000000000ULL + (uint64_t)(i) * 0x5000)

struct mem {
	uint8_t bytes[MEMSIZE];
	unsigned int reads;
	uint64_t hole; /* an address whose reads fault (0: none) */
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	if (m->hole && addr <= m->hole && m->hole < addr + len)
		return vmr_error_fault(m->hole, "0x%llx: not in the dump",
				       (unsigned long long)m->hole);
	if (addr < BASE || addr - BASE > MEMSIZE || len > MEMSIZE - (addr - BASE))
		return vmr_error_fault(addr, "0x%llx: not mapped", (unsigned long long)addr);
	memcpy(buf, m->bytes + (addr - BASE), len);
	return NULL;
}

static void put64(struct mem *m, uint64_t addr, uint64_t v)
{
	assert_true(addr >= BASE && addr + 8 <= BASE + MEMSIZE);
	memcpy(m->bytes + (addr - BASE), &v, 8);
}

/* task_struct: stack @8, tasks @0x10, pid @0x40, comm @0x50, signal @0x60,
 * thread_node @0x70, thread_group @0x80; signal_struct.thread_head @0x10. */
static const struct vmr_task_layout L = {
	.tasks = 0x10, .pid = 0x40, .comm = 0x50, .stack = 0x8, .signal = 0x60,
	.thread_node = 0x70, .thread_head = 0x10, .thread_group = VMR_NO_OFFSET,
};

static void task(struct mem *m, unsigned int i, int32_t pid, const char *comm,
		 unsigned int sig)
{
	put64(m, TASK(i) + L.stack, STACK(i));
	memcpy(m->bytes + (TASK(i) + L.pid - BASE), &pid, 4);
	snprintf((char *)m->bytes + (TASK(i) + L.comm - BASE), 16, "%s", comm);
	put64(m, TASK(i) + L.signal, SIG(sig));
}

/* Circular list at @p head through the list_head at offset @p off of tasks. */
static void link(struct mem *m, uint64_t head, uint64_t off, const unsigned int *order,
		 unsigned int n)
{
	uint64_t prev = head;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t node = TASK(order[i]) + off;
		put64(m, prev, node);
		put64(m, node + 8, prev);
		prev = node;
	}
	put64(m, prev, head);
	put64(m, head + 8, prev);
}

/*
 * init_task (0, pid 0) -> 1 (pid 1, init) -> 2 (pid 50, sh); task 3 (pid 51)
 * and 4 (pid 52) are threads of 2; task 5 (pid 0, swapper/1) is an idle task
 * on no list.
 */
static struct mem *tasks(void)
{
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	task(m, 0, 0, "swapper/0", 0);
	task(m, 1, 1, "init", 1);
	task(m, 2, 50, "sh", 2);
	task(m, 3, 51, "sh-worker", 2);
	task(m, 4, 52, "sh-worker2", 2);
	task(m, 5, 0, "swapper/1", 0);
	/* the task list: the head is init_task.tasks itself */
	static const unsigned int leaders[] = {1, 2};
	uint64_t head = TASK(0) + L.tasks;
	link(m, head, L.tasks, leaders, 2);
	static const unsigned int g0[] = {0}, g1[] = {1}, g2[] = {2, 3, 4};
	link(m, SIG(0) + L.thread_head, L.thread_node, g0, 1);
	link(m, SIG(1) + L.thread_head, L.thread_node, g1, 1);
	link(m, SIG(2) + L.thread_head, L.thread_node, g2, 3);
	return m;
}

static const struct vmr_task_info *by_pid(const struct vmr_task_result *r, int32_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->tasks[i].pid == pid)
			return &r->tasks[i];
	return NULL;
}

static void test_walk(void **state)
{
	(void)state;
	struct mem *m = tasks();
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	if (r.incomplete)
		fail_msg("stopped: %s", r.warning);
	assert_int_equal(r.n, 5);
	const struct vmr_task_info *t = by_pid(&r, 1);
	assert_non_null(t);
	assert_string_equal(t->comm, "init");
	assert_int_equal(t->task, TASK(1));
	assert_int_equal(t->stack, STACK(1));
	assert_non_null(by_pid(&r, 51));
	assert_string_equal(by_pid(&r, 52)->comm, "sh-worker2");
	assert_string_equal(by_pid(&r, 0)->comm, "swapper/0");

	/* the idle task of another CPU, once; a known task is not added twice */
	assert_null(vmr_tasks_add(mem_read, m, TASK(5), &L, 100, &r));
	assert_null(vmr_tasks_add(mem_read, m, TASK(5), &L, 100, &r));
	assert_null(vmr_tasks_add(mem_read, m, TASK(2), &L, 100, &r));
	assert_null(vmr_tasks_add(mem_read, m, 0, &L, 100, &r));
	assert_null(vmr_tasks_add(mem_read, m, 0xdead000000000000ULL, &L, 100, &r));
	assert_int_equal(r.n, 6);
	assert_string_equal(r.tasks[5].comm, "swapper/1");
	vmr_tasks_result_free(&r);
	free(m);
}

static void test_thread_group(void **state)
{
	(void)state;
	/* older kernels: threads on task_struct.thread_group, no head */
	struct vmr_task_layout l = L;
	l.thread_head = VMR_NO_OFFSET;
	l.thread_group = 0x80;
	struct mem *m = tasks();
	/* thread_group ring 2 -> 3 -> 4 -> 2; singletons point at themselves */
	for (unsigned int i = 0; i < 5; i++) {
		put64(m, TASK(i) + 0x80, TASK(i) + 0x80);
		put64(m, TASK(i) + 0x88, TASK(i) + 0x80);
	}
	static const unsigned int ring[] = {3, 4};
	link(m, TASK(2) + 0x80, 0x80, ring, 2);
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &l, 100, &r));
	assert_false(r.incomplete);
	assert_int_equal(r.n, 5);
	vmr_tasks_result_free(&r);
	free(m);
}

static void test_task_list_cycle(void **state)
{
	(void)state;
	struct mem *m = tasks();
	/* task 2's next goes back to task 1, never to the head */
	put64(m, TASK(2) + L.tasks, TASK(1) + L.tasks);
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 1u << 22, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "loops back"));
	assert_int_equal(r.n, 5); /* everything read before the loop is kept */
	assert_true(m->reads < 50);
	vmr_tasks_result_free(&r);

	/* back to init_task without passing its list head */
	free(m);
	m = tasks();
	put64(m, TASK(2) + L.tasks, TASK(0) + L.tasks + 0x400);
	put64(m, TASK(1) + L.tasks + 8, 0); /* prev check off the path */
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 1u << 22, &r));
	assert_true(r.incomplete);
	vmr_tasks_result_free(&r);
	free(m);
}

static void test_thread_list_cycle(void **state)
{
	(void)state;
	struct mem *m = tasks();
	/* thread 4's next goes back to thread 3: that group ends, the walk goes on */
	put64(m, TASK(4) + L.thread_node, TASK(3) + L.thread_node);
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 1u << 22, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "thread list"));
	assert_int_equal(r.n, 5);
	assert_true(m->reads < 50);
	vmr_tasks_result_free(&r);
	free(m);
}

static void test_corrupt_pointer(void **state)
{
	(void)state;
	struct mem *m = tasks();
	/* task 1's next is wild: named, and task 2 with its threads read backward */
	put64(m, TASK(1) + L.tasks, 0xdead000000000100ULL);
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "not mapped"));
	assert_non_null(strstr(r.warning, "3 more read backward"));
	assert_int_equal(r.n, 5);
	vmr_tasks_result_free(&r);
	free(m);

	/* task 1 not in the dump: every other task, and no task 1 */
	m = tasks();
	m->hole = TASK(1) + L.pid;
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "not in the dump"));
	assert_int_equal(r.n, 4);
	assert_null(by_pid(&r, 1));
	assert_non_null(by_pid(&r, 52));
	vmr_tasks_result_free(&r);
	free(m);

	/* init_task itself not in the dump: nothing, and said */
	m = tasks();
	m->hole = TASK(0) + L.pid;
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 0);
	vmr_tasks_result_free(&r);

	/* a readable wrong pointer: its prev does not point back */
	free(m);
	m = tasks();
	put64(m, TASK(0) + L.tasks, TASK(2) + L.tasks);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "prev"));
	assert_int_equal(r.n, 5);
	vmr_tasks_result_free(&r);

	/* a signal pointer to nowhere: that thread list is skipped */
	free(m);
	m = tasks();
	put64(m, TASK(2) + L.signal, 0x10);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 3);
	vmr_tasks_result_free(&r);
	free(m);
}

static void test_bound_and_layout(void **state)
{
	(void)state;
	struct mem *m = tasks();
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 3, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 3);
	assert_non_null(strstr(r.warning, "more than 3"));
	vmr_tasks_result_free(&r);

	struct vmr_task_layout bad = L;
	bad.comm = 1u << 30;
	m->reads = 0;
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &bad, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 0);
	assert_int_equal(m->reads, 0);
	vmr_tasks_result_free(&r);

	bad = L;
	bad.stack = VMR_NO_OFFSET;
	memset(&r, 0, sizeof(r));
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &bad, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(m->reads, 0);
	vmr_tasks_result_free(&r);
	free(m);
}

static void test_comm_sanitized(void **state)
{
	(void)state;
	struct mem *m = tasks();
	memcpy(m->bytes + (TASK(1) + L.comm - BASE), "in\x01it\xff" "0123456789AB", 16);
	struct vmr_task_result r = {0};
	assert_null(vmr_tasks_walk(mem_read, m, TASK(0), &L, 100, &r));
	const struct vmr_task_info *t = by_pid(&r, 1);
	assert_non_null(t);
	assert_int_equal(strlen(t->comm), 16);
	assert_string_equal(t->comm, "in?it?0123456789");
	vmr_tasks_result_free(&r);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_thread_group),
		cmocka_unit_test(test_task_list_cycle),
		cmocka_unit_test(test_thread_list_cycle),
		cmocka_unit_test(test_corrupt_pointer),
		cmocka_unit_test(test_bound_and_layout),
		cmocka_unit_test(test_comm_sanitized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
