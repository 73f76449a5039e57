/* SPDX-License-Identifier: MIT */
/*
 * Stacks: task stacks from the task list, per-CPU IRQ stacks, and (through
 * cea.c) the exception and entry stacks of the cpu_entry_area.
 *
 * The index is built once per kernel handle, on the first address that may
 * be a stack: every task from init_task (tasks list, then each thread group
 * by signal->thread_head, or thread_group on older kernels — chosen by member
 * presence), the idle tasks of the other CPUs (per-cpu idle_threads, the
 * runqueues' idle, the CPUs' current task), then the IRQ stack of each CPU
 * (per-cpu hardirq_stack_ptr, or pcpu_hot.hardirq_stack_ptr since 6.2 —
 * chosen by symbol presence).  Stacks are sorted for binary search.
 */
#include "owner/tasks.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/sort.h"

/* ---------------------------------------------------------------------- */
/* The task walk                                                          */

static void stop(struct vmr_task_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stop(struct vmr_task_result *res, const char *fmt, ...)
{
	va_list ap;
	res->incomplete = true;
	if (res->warning[0])
		return;
	va_start(ap, fmt);
	vsnprintf(res->warning, sizeof(res->warning), fmt, ap);
	va_end(ap);
}


/* Widen [*lo, *hi) to hold @p width bytes at @p off (NO_OFFSET ignored). */
static void span_add(uint64_t off, uint64_t width, uint64_t *lo, uint64_t *hi)
{
	if (off == VMR_NO_OFFSET)
		return;
	if (off > UINT64_MAX - 64) {
		*lo = 0;
		*hi = UINT64_MAX; /* absurd: refused by the caller */
		return;
	}
	if (off < *lo)
		*lo = off;
	if (off + width > *hi)
		*hi = off + width;
}

/* Prepare the span buffer.  @return why @p l is unusable, or NULL. */
static const char *prepare(const struct vmr_task_layout *l, struct vmr_task_result *res,
			   bool *oom)
{
	*oom = false;
	if (res->buf)
		return NULL;
	if (l->tasks == VMR_NO_OFFSET || l->pid == VMR_NO_OFFSET || l->comm == VMR_NO_OFFSET ||
	    l->stack == VMR_NO_OFFSET)
		return "task_struct layout unknown (tasks, pid, comm, stack)";
	uint64_t lo = UINT64_MAX, hi = 0;
	span_add(l->tasks, 16, &lo, &hi);
	span_add(l->pid, 4, &lo, &hi);
	span_add(l->comm, 16, &lo, &hi);
	span_add(l->stack, 8, &lo, &hi);
	if (l->thread_head != VMR_NO_OFFSET) {
		span_add(l->signal, 8, &lo, &hi);
		span_add(l->thread_node, 16, &lo, &hi);
	} else {
		span_add(l->thread_group, 16, &lo, &hi);
	}
	if (lo > hi || hi - lo > VMR_TASK_MAX_SPAN)
		return "task_struct layout absurd";
	if (l->thread_head != VMR_NO_OFFSET &&
	    (l->signal == VMR_NO_OFFSET || l->thread_node == VMR_NO_OFFSET ||
	     l->thread_head > VMR_TASK_MAX_SPAN))
		return "task_struct thread layout absurd";
	res->buf = malloc(hi - lo);
	if (!res->buf) {
		*oom = true;
		return "out of memory";
	}
	res->lo = lo;
	res->span = hi - lo;
	return NULL;
}

/* Read the task at @p task into res->buf.  @return false on a fault. */
static bool read_task(vmr_read_fn read, void *ctx, uint64_t task, struct vmr_task_result *res,
		      char *why, size_t why_size)
{
	if (task > UINT64_MAX - res->lo - res->span) {
		snprintf(why, why_size, "task_struct at 0x%" PRIx64 ": bad pointer", task);
		return false;
	}
	struct vmr_error *err = read(ctx, task + res->lo, res->buf, res->span);
	if (err) {
		snprintf(why, why_size, "task_struct at 0x%" PRIx64 ": %s", task,
			 vmr_error_message(err));
		vmr_error_free(err);
		return false;
	}
	return true;
}

/* A field of the task in res->buf. */
static uint64_t field(const struct vmr_task_result *res, uint64_t off)
{
	return vmr_get_u64(res->buf, off - res->lo);
}

/* Record the task in res->buf (already added to res->seen). */
static struct vmr_error *record(uint64_t task, const struct vmr_task_layout *l,
				struct vmr_task_result *res)
{
	if (res->n == res->cap) {
		size_t ncap = res->cap ? res->cap * 2 : 256;
		struct vmr_task_info *nt = realloc(res->tasks, ncap * sizeof(*nt));
		if (!nt)
			return &vmr_enomem;
		res->tasks = nt;
		res->cap = ncap;
	}
	struct vmr_task_info *t = &res->tasks[res->n++];
	memset(t, 0, sizeof(*t));
	t->task = task;
	t->stack = field(res, l->stack);
	int32_t pid;
	memcpy(&pid, res->buf + (l->pid - res->lo), sizeof(pid));
	t->pid = pid;
	memcpy(t->comm, res->buf + (l->comm - res->lo), 16);
	t->comm[16] = '\0';
	for (char *c = t->comm; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return NULL;
}

/*
 * The other threads of the group of @p leader (its task_struct was read and
 * recorded).  A broken thread list ends that list only.
 */
static struct vmr_error *walk_threads(vmr_read_fn read, void *ctx, uint64_t leader,
				      const struct vmr_task_layout *l, size_t max,
				      struct vmr_task_result *res)
{
	uint64_t head, link_off, next;
	if (l->thread_head != VMR_NO_OFFSET) {
		uint64_t signal = field(res, l->signal);
		if (!signal)
			return NULL; /* a dead task */
		head = signal + l->thread_head;
		link_off = l->thread_node;
	} else if (l->thread_group != VMR_NO_OFFSET) {
		head = leader + l->thread_group;
		link_off = l->thread_group;
	} else {
		return NULL;
	}
	struct vmr_error *err = read(ctx, head, &next, sizeof(next));
	if (err) {
		stop(res, "threads of task 0x%" PRIx64 ": %s", leader, vmr_error_message(err));
		vmr_error_free(err);
		return NULL;
	}
	char why[200];
	for (size_t steps = 0; next != head; steps++) {
		if (res->n >= max || steps > max) {
			stop(res, "more than %zu tasks: walk stopped", max);
			return NULL;
		}
		uint64_t task = next - link_off;
		if (task == leader) {
			/* the leader is on its own thread list */
		} else {
			int added = vmr_ptrset_add(&res->seen, task);
			if (added < 0)
				return &vmr_enomem;
			if (!added) {
				stop(res, "thread list of task 0x%" PRIx64 " loops back to 0x%" PRIx64
				     " (corrupt)", leader, task);
				return NULL;
			}
		}
		if (!read_task(read, ctx, task, res, why, sizeof(why))) {
			stop(res, "thread list of task 0x%" PRIx64 ": %s", leader, why);
			return NULL;
		}
		if (task != leader && (err = record(task, l, res)))
			return err;
		next = field(res, link_off);
	}
	return NULL;
}

/*
 * One direction of the task list from init_task (already recorded): forward
 * through tasks.next, or backward through tasks.prev (each step checks the
 * other pointer).  Backward, a task seen already is where the forward walk
 * stopped: the halves join.  *@p broken: it stopped early; *@p bound: at max.
 */
static struct vmr_error *walk_dir(vmr_read_fn read, void *ctx, uint64_t init_task,
				  uint64_t first, const struct vmr_task_layout *l, size_t max,
				  struct vmr_task_result *res, bool backward, bool *broken,
				  bool *bound)
{
	char why[200];
	uint64_t head = init_task + l->tasks, link = first, expect = head;
	uint64_t fwd = backward ? 8 : 0, rev = backward ? 0 : 8;
	struct vmr_error *err;
	*broken = true;
	*bound = false;
	while (link != head) {
		if (res->n >= max) {
			stop(res, "more than %zu tasks: walk stopped", max);
			*bound = true;
			return NULL;
		}
		if (link < l->tasks) {
			stop(res, "task list: bad pointer 0x%" PRIx64 " (corrupt)", link);
			return NULL;
		}
		uint64_t task = link - l->tasks;
		if (vmr_ptrset_has(&res->seen, task)) {
			if (!backward)
				stop(res, "task list loops back to 0x%" PRIx64 " (corrupt)", task);
			return NULL;
		}
		if (!read_task(read, ctx, task, res, why, sizeof(why))) {
			stop(res, "task list: %s", why);
			return NULL;
		}
		if (field(res, l->tasks + rev) != expect) {
			stop(res, "task list: 0x%" PRIx64 "->%s is 0x%" PRIx64 ", expected 0x%"
			     PRIx64 " (corrupt)", link, backward ? "next" : "prev",
			     field(res, l->tasks + rev), expect);
			return NULL;
		}
		/* only a sound task is marked: a broken one may be reached from the other side */
		if (vmr_ptrset_add(&res->seen, task) < 0)
			return &vmr_enomem;
		if ((err = record(task, l, res)))
			return err;
		uint64_t next = field(res, l->tasks + fwd);
		if ((err = walk_threads(read, ctx, task, l, max, res)))
			return err;
		expect = link;
		link = next;
	}
	*broken = false;
	return NULL;
}

struct vmr_error *vmr_tasks_walk(vmr_read_fn read, void *ctx, uint64_t init_task,
				 const struct vmr_task_layout *l, size_t max,
				 struct vmr_task_result *res)
{
	bool oom;
	const char *why_layout = prepare(l, res, &oom);
	if (oom)
		return &vmr_enomem;
	if (why_layout) {
		stop(res, "tasks: %s", why_layout);
		return NULL;
	}
	char why[200];
	if (!max) {
		stop(res, "more than 0 tasks: walk stopped");
		return NULL;
	}
	if (!read_task(read, ctx, init_task, res, why, sizeof(why))) {
		stop(res, "task list: %s", why);
		return NULL;
	}
	if (vmr_ptrset_add(&res->seen, init_task) < 0)
		return &vmr_enomem;
	struct vmr_error *err = record(init_task, l, res);
	if (err)
		return err;
	uint64_t next = field(res, l->tasks), prev = field(res, l->tasks + 8);
	if ((err = walk_threads(read, ctx, init_task, l, max, res)))
		return err;
	bool broken, bound;
	err = walk_dir(read, ctx, init_task, next, l, max, res, false, &broken, &bound);
	if (err || !broken || bound)
		return err;
	/* The list broke (a task_struct not in the dump...): read it from the other end. */
	size_t before = res->n;
	err = walk_dir(read, ctx, init_task, prev, l, max, res, true, &broken, &bound);
	if (!err && res->n > before) {
		size_t len = strlen(res->warning);
		snprintf(res->warning + len, sizeof(res->warning) - len,
			 "; %zu more read backward", res->n - before);
	}
	return err;
}

struct vmr_error *vmr_tasks_add(vmr_read_fn read, void *ctx, uint64_t task,
				const struct vmr_task_layout *l, size_t max,
				struct vmr_task_result *res)
{
	bool oom;
	if (!task || vmr_ptrset_has(&res->seen, task) || res->n >= max)
		return NULL;
	if (prepare(l, res, &oom))
		return oom ? &vmr_enomem : NULL;
	char why[200];
	if (!read_task(read, ctx, task, res, why, sizeof(why)))
		return NULL;
	if (vmr_ptrset_add(&res->seen, task) < 0)
		return &vmr_enomem;
	return record(task, l, res);
}

void vmr_tasks_result_free(struct vmr_task_result *res)
{
	free(res->tasks);
	free(res->buf);
	vmr_ptrset_free(&res->seen);
	memset(res, 0, sizeof(*res));
}

/* ---------------------------------------------------------------------- */
/* The stack index of a kernel                                            */

struct vmr_stack {
	uint64_t start, end;     /* [start, end) */
	uint64_t task;           /* 0 for per-CPU stacks */
	int32_t pid;
	int32_t cpu;             /* -1 unless per-CPU or running there */
	char comm[17];
	const char *which;       /* "task", "irq" */
};

struct vmr_tasks {
	bool index_tried;
	struct vmr_stack *stacks;
	size_t n;
	bool incomplete;
	char warning[200];
	char failure[200];       /* no task at all: why */

	bool pcpu_tried;
	unsigned int ncpus;
	uint64_t *pcpu_off;

	bool thread_size_known;
	uint64_t thread_size;

	struct vmr_cea *cea;
};

void vmr_owners_free_tasks(struct vmr_owners *o)
{
	if (!o || !o->tasks)
		return;
	struct vmr_tasks *t = o->tasks;
	free(t->stacks);
	free(t->pcpu_off);
	vmr_cea_free(t->cea);
	free(t);
	o->tasks = NULL;
}

static struct vmr_tasks *state(struct vmr_kernel *k)
{
	struct vmr_owners *o = vmr_owners_get(k);
	if (!o)
		return NULL;
	if (!o->tasks) {
		o->tasks = calloc(1, sizeof(*o->tasks));
		o->tasks_tried = true;
	}
	return o->tasks;
}

struct vmr_cea **vmr_tasks_cea_slot(struct vmr_kernel *k)
{
	struct vmr_tasks *t = state(k);
	return t ? &t->cea : NULL;
}

void vmr_tasks_layout(struct vmr_kernel *k, struct vmr_task_layout *l)
{
	*l = (struct vmr_task_layout){
		.tasks = vmr_owner_member(k, "task_struct", "tasks"),
		.pid = vmr_owner_member(k, "task_struct", "pid"),
		.comm = vmr_owner_member(k, "task_struct", "comm"),
		.stack = vmr_owner_member(k, "task_struct", "stack"),
		.signal = vmr_owner_member(k, "task_struct", "signal"),
		.thread_node = vmr_owner_member(k, "task_struct", "thread_node"),
		.thread_head = vmr_owner_member(k, "signal_struct", "thread_head"),
		.thread_group = vmr_owner_member(k, "task_struct", "thread_group"),
	};
	/* The thread_head walk needs both ends; older kernels use thread_group. */
	if (l->thread_node == VMR_NO_OFFSET)
		l->thread_head = VMR_NO_OFFSET;
}

static bool symbol(struct vmr_kernel *k, const char *name, uint64_t *addr)
{
	struct vmr_error *err = vmr_kernel_symbol_address(k, name, addr);
	vmr_error_free(err);
	return !err;
}

bool vmr_tasks_percpu_symbol(struct vmr_kernel *k, const char *name, uint64_t *off)
{
	uint64_t addr;
	enum vmr_source src;
	if (!vmr_kernel_find_symbol(k, name, &addr, &src))
		return false;
	/*
	 * x86_64 SMP links .data..percpu at 0 (x86_64-layout.md §7.5): a vmlinux
	 * symbol below __START_KERNEL_map is such an offset and is not moved by
	 * KASLR; kallsyms already gives it as an absolute value.
	 */
	if (src == VMR_SRC_VMLINUX && addr - k->layout.kaslr_offset.value < VMR_START_KERNEL_MAP)
		addr -= k->layout.kaslr_offset.value;
	*off = addr;
	return true;
}

unsigned int vmr_tasks_percpu_offsets(struct vmr_kernel *k, const uint64_t **off)
{
	struct vmr_tasks *t = state(k);
	*off = NULL;
	if (!t)
		return 0;
	if (!t->pcpu_tried) {
		t->pcpu_tried = true;
		uint64_t arr, nr_addr;
		uint32_t nr = 0;
		if (!symbol(k, "__per_cpu_offset", &arr))
			return 0;
		if (symbol(k, "nr_cpu_ids", &nr_addr)) {
			struct vmr_error *err = vmr_kernel_read_u32(k, nr_addr, &nr);
			vmr_error_free(err);
			if (err)
				nr = 0;
		}
		if (!nr || nr > VMR_MAX_CPUS)
			nr = vmr_dump_get_info(k->dump)->ncpus;
		if (!nr || nr > VMR_MAX_CPUS)
			return 0;
		uint64_t *o = calloc(nr, sizeof(*o));
		if (!o)
			return 0;
		struct vmr_error *err = vmr_kernel_read(k, arr, o, nr * sizeof(*o));
		if (err) {
			vmr_layout_warn(&k->layout, "__per_cpu_offset: %s", vmr_error_message(err));
			vmr_error_free(err);
			free(o);
			return 0;
		}
		t->pcpu_off = o;
		t->ncpus = nr;
	}
	*off = t->pcpu_off;
	return t->ncpus;
}

/* THREAD_SIZE is a power of two between 4 KiB and 1 MiB. */
static bool plausible_stack_size(uint64_t s)
{
	return s >= 4096 && s <= (1u << 20) && !(s & (s - 1));
}

uint64_t vmr_irq_stack_top(uint64_t hardirq_stack_ptr)
{
	if (!(hardirq_stack_ptr & 4095)) /* x86_64 pages */
		return hardirq_stack_ptr;
	return hardirq_stack_ptr > UINT64_MAX - 8 ? 0 : hardirq_stack_ptr + 8;
}

uint64_t vmr_tasks_thread_size(struct vmr_kernel *k)
{
	struct vmr_tasks *t = state(k);
	if (t && t->thread_size_known)
		return t->thread_size;
	uint64_t size = 0, a, b;
	/* union thread_union {unsigned long stack[THREAD_SIZE / sizeof(long)]} on x86 */
	struct vmr_error *err = vmr_kernel_type_size(k, "thread_union", &size);
	vmr_error_free(err);
	if (err || !plausible_stack_size(size)) {
		size = 0;
		/* The linker script puts init_stack .. __end_init_stack (6.12) or
		 * __end_init_task (6.1; may sit TOP_OF_KERNEL_STACK_PADDING below). */
		if (symbol(k, "init_stack", &a) &&
		    (symbol(k, "__end_init_stack", &b) || symbol(k, "__end_init_task", &b)) &&
		    b > a) {
			uint64_t s = (b - a + 63) & ~63ULL;
			if (plausible_stack_size(s))
				size = s;
		}
	}
	if (!size)
		size = k->layout.kasan.value ? 32768 : 16384; /* §7.4 */
	if (t) {
		t->thread_size = size;
		t->thread_size_known = true;
	}
	return size;
}

static struct vmr_error *add_stack(struct vmr_stack **v, size_t *n, size_t *cap,
				   const struct vmr_stack *s)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct vmr_stack *ns = realloc(*v, ncap * sizeof(*ns));
		if (!ns)
			return &vmr_enomem;
		*v = ns;
		*cap = ncap;
	}
	(*v)[(*n)++] = *s;
	return NULL;
}

static int cmp_stack(const void *pa, const void *pb)
{
	const struct vmr_stack *a = pa, *b = pb;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* Read the per-cpu pointer @p off of @p cpu; 0 if not readable. */
static uint64_t percpu_ptr(struct vmr_kernel *k, const uint64_t *pcpu, unsigned int cpu,
			   uint64_t off)
{
	uint64_t v;
	struct vmr_error *err = vmr_kernel_read_u64(k, pcpu[cpu] + off, &v);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	return v;
}

/* Per-cpu offset of a task pointer: plain variable, or a member of pcpu_hot. */
static bool percpu_field(struct vmr_kernel *k, const char *var, const char *hot_member,
			 uint64_t *off)
{
	if (vmr_tasks_percpu_symbol(k, var, off))
		return true;
	uint64_t hot, m;
	if (vmr_tasks_percpu_symbol(k, "pcpu_hot", &hot) &&
	    (m = vmr_owner_member(k, "pcpu_hot", hot_member)) != VMR_NO_OFFSET) {
		*off = hot + m;
		return true;
	}
	return false;
}

static struct vmr_error *build(struct vmr_kernel *k, struct vmr_tasks *t)
{
	struct vmr_task_layout l;
	vmr_tasks_layout(k, &l);
	uint64_t init_task;
	if (!symbol(k, "init_task", &init_task)) {
		snprintf(t->failure, sizeof(t->failure), "no init_task symbol");
		return NULL;
	}
	struct vmr_task_result res = {0};
	struct vmr_error *err = vmr_tasks_walk(vmr_kernel_read_cb, k, init_task, &l,
					       VMR_MAX_TASKS, &res);
	const uint64_t *pcpu;
	unsigned int ncpus = vmr_tasks_percpu_offsets(k, &pcpu);
	int32_t *running_cpu = NULL; /* per task index */
	uint64_t cur_off = 0, idle_off = 0, rq_off = 0, rq_idle = vmr_owner_member(k, "rq", "idle");
	bool has_cur = percpu_field(k, "current_task", "current_task", &cur_off);
	bool has_idle = vmr_tasks_percpu_symbol(k, "idle_threads", &idle_off);
	bool has_rq = rq_idle != VMR_NO_OFFSET && vmr_tasks_percpu_symbol(k, "runqueues", &rq_off);
	uint64_t *current = ncpus ? calloc(ncpus, sizeof(*current)) : NULL;
	/* Idle tasks of the other CPUs are not on the task list. */
	for (unsigned int cpu = 0; !err && cpu < ncpus; cpu++) {
		if (has_idle)
			err = vmr_tasks_add(vmr_kernel_read_cb, k, percpu_ptr(k, pcpu, cpu, idle_off),
					    &l, VMR_MAX_TASKS, &res);
		if (!err && has_rq)
			err = vmr_tasks_add(vmr_kernel_read_cb, k,
					    percpu_ptr(k, pcpu, cpu, rq_off + rq_idle), &l,
					    VMR_MAX_TASKS, &res);
		if (!err && has_cur) {
			uint64_t cur = percpu_ptr(k, pcpu, cpu, cur_off);
			if (current)
				current[cpu] = cur;
			err = vmr_tasks_add(vmr_kernel_read_cb, k, cur, &l, VMR_MAX_TASKS, &res);
		}
	}
	if (!err && res.n)
		running_cpu = malloc(res.n * sizeof(*running_cpu));
	if (!err && res.n && !running_cpu)
		err = &vmr_enomem;
	if (err)
		goto out;
	for (size_t i = 0; i < res.n; i++) {
		running_cpu[i] = -1;
		for (unsigned int cpu = 0; current && cpu < ncpus; cpu++)
			if (current[cpu] == res.tasks[i].task)
				running_cpu[i] = (int32_t)cpu;
	}

	uint64_t size = vmr_tasks_thread_size(k);
	size_t cap = 0;
	for (size_t i = 0; !err && i < res.n; i++) {
		const struct vmr_task_info *ti = &res.tasks[i];
		if (!ti->stack || ti->stack > UINT64_MAX - size)
			continue;
		struct vmr_stack s = {
			.start = ti->stack, .end = ti->stack + size, .task = ti->task,
			.pid = ti->pid, .cpu = running_cpu[i], .which = "task",
		};
		memcpy(s.comm, ti->comm, sizeof(s.comm));
		err = add_stack(&t->stacks, &t->n, &cap, &s);
	}
	/* IRQ stacks (irq_64.c). */
	uint64_t irq_off;
	if (!err && percpu_field(k, "hardirq_stack_ptr", "hardirq_stack_ptr", &irq_off)) {
		for (unsigned int cpu = 0; !err && cpu < ncpus; cpu++) {
			uint64_t top = vmr_irq_stack_top(percpu_ptr(k, pcpu, cpu, irq_off));
			if (top < size + 8)
				continue;
			struct vmr_stack s = {
				.start = top - size, .end = top, .pid = -1,
				.cpu = (int32_t)cpu, .which = "irq",
			};
			err = add_stack(&t->stacks, &t->n, &cap, &s);
		}
	}
	if (err)
		goto out;
	if (t->n)
		vmr_sort(t->stacks, t->n, sizeof(*t->stacks), cmp_stack);
	t->incomplete = res.incomplete;
	snprintf(t->warning, sizeof(t->warning), "%s", res.warning);
	if (res.incomplete)
		vmr_layout_warn(&k->layout, "tasks: %s; %zu tasks kept", res.warning, res.n);
	if (!res.n && !t->failure[0])
		snprintf(t->failure, sizeof(t->failure), "%s",
			 res.warning[0] ? res.warning : "no task read");
out:
	free(current);
	free(running_cpu);
	vmr_tasks_result_free(&res);
	return err;
}

static struct vmr_tasks *get_index(struct vmr_kernel *k)
{
	struct vmr_tasks *t = state(k);
	if (!t || t->index_tried)
		return t;
	t->index_tried = true;
	struct vmr_error *err = build(k, t);
	if (err) {
		/* out of memory: no index, the lookups say so */
		vmr_error_free(err);
		free(t->stacks);
		t->stacks = NULL;
		t->n = 0;
		snprintf(t->failure, sizeof(t->failure), "out of memory");
	}
	return t;
}

static void fill(const struct vmr_stack *s, uint64_t addr, struct vmr_owner *out)
{
	out->kind = VMR_OWNER_STACK;
	out->start = s->start;
	out->end = s->end;
	out->offset = addr - s->start;
	out->offset_from_top = s->end - addr;
	out->cpu = s->cpu;
	snprintf(out->which, sizeof(out->which), "%s", s->which);
	if (s->task) {
		out->task = s->task;
		out->has_pid = true;
		out->pid = s->pid;
		memcpy(out->comm, s->comm, sizeof(out->comm));
	}
}

bool vmr_owner_find_stack(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out)
{
	struct vmr_addrinfo info;
	vmr_classify(vmr_kernel_layout(k), addr, &info);
	if (info.region == VMR_REGION_CPU_ENTRY_AREA) {
		struct vmr_owner o;
		memset(&o, 0, sizeof(o));
		o.cpu = -1;
		o.allocated = -1;
		if (!vmr_cea_identify(k, addr, &o) || !o.which[0])
			return false;
		*out = o;
		out->kind = VMR_OWNER_STACK;
		return true;
	}
	struct vmr_tasks *t = get_index(k);
	if (!t || !t->n)
		return false;
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->stacks[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= t->stacks[lo - 1].end)
		return false;
	fill(&t->stacks[lo - 1], addr, out);
	return true;
}
