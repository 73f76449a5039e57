/* SPDX-License-Identifier: MIT */
/*
 * owner/vmalloc.c walks on synthetic memory: vmap areas on a list (k6.1
 * vmap_area_list), in an rb-tree (vmap_area_root) and on the busy lists of
 * vmap nodes (6.9+ vmap_nodes), with cycles, corrupt pointers, absurd counts
 * and unreadable vm_structs (x86_64-layout.md §7.2).
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
#include "owner/vmalloc.h"

/* Synthetic memory: one flat buffer at BASE; anything else faults. */
#define BASE 0xffff888000000000ULL
#define MEMSIZE 0x10000u
#define VA(i) (BASE + 0x1000 + (i) * 0x100)   /* struct vmap_area */
#define VM(i) (BASE + 0x4000 + (i) * 0x100)   /* struct vm_struct */
#define HEAD (BASE + 0x100)                  /* list_head vmap_area_list */
#define NODES (BASE + 0x8000)                /* struct vmap_node[] */
#define AREA(i) (0xffffc90000000000ULL + (uint64_t)(i) * 0x10000)

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

static void put32(struct mem *m, uint64_t addr, uint32_t v)
{
	assert_true(addr >= BASE && addr + 4 <= BASE + MEMSIZE);
	memcpy(m->bytes + (addr - BASE), &v, 4);
}

/* k6.12 layouts (vmap_area with flags, vm_struct with requested_size). */
static const struct vmr_vmap_layout L = {
	.va_size = 72, .va_start = 0, .va_end = 8, .va_rb_node = 16, .va_list = 40,
	.va_vm = 56, .va_flags = 64,
	.vm_struct_size = 72, .vm_addr = 8, .vm_size = 16, .vm_flags = 24, .vm_nr_pages = 44,
	.vm_phys_addr = 48, .vm_caller = 56, .vm_requested_size = 64,
	.node_size = 0x100, .node_busy_head = 0x18,
};

/* Area i: [AREA(i), AREA(i) + (pages + 1) pages), flags, its vm_struct. */
static void area(struct mem *m, unsigned int i, unsigned int pages, uint64_t flags)
{
	uint64_t va = VA(i), vm = VM(i);
	put64(m, va + L.va_start, AREA(i));
	put64(m, va + L.va_end, AREA(i) + (pages + 1) * 4096ULL);
	put64(m, va + L.va_vm, vm);
	put64(m, vm + L.vm_addr, AREA(i));
	put64(m, vm + L.vm_size, (pages + 1) * 4096ULL);
	put64(m, vm + L.vm_flags, flags);
	put32(m, vm + L.vm_nr_pages, pages);
	put64(m, vm + L.vm_phys_addr, flags & 1 ? 0xfee00000 : 0);
	put64(m, vm + L.vm_caller, 0xffffffff81234560ULL + i);
	put64(m, vm + L.vm_requested_size, pages * 4096ULL - 100);
}

/* Link areas @p order[0..n) into a circular list at @p head. */
static void link(struct mem *m, uint64_t head, const unsigned int *order, unsigned int n)
{
	uint64_t prev = head;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t node = VA(order[i]) + L.va_list;
		put64(m, prev, node);     /* prev->next */
		put64(m, node + 8, prev); /* node->prev */
		prev = node;
	}
	put64(m, prev, head);
	put64(m, head + 8, prev);
}

static struct mem *three_areas(void)
{
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	area(m, 0, 4, 0x2);        /* vmalloc */
	area(m, 1, 1, 0x1);        /* ioremap */
	area(m, 2, 2, 0x4);        /* vmap */
	static const unsigned int order[] = {0, 1, 2};
	link(m, HEAD, order, 3);
	return m;
}

static void test_list_three(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	assert_false(r.incomplete);
	assert_int_equal(r.n, 3);
	vmr_vmap_sort(&r);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(r.areas[i].va_start, AREA(i));
		assert_true(r.areas[i].has_vm);
		assert_true(r.areas[i].has_requested_size);
		assert_int_equal(r.areas[i].caller, 0xffffffff81234560ULL + i);
	}
	assert_int_equal(r.areas[0].nr_pages, 4);
	assert_int_equal(r.areas[0].va_end, AREA(0) + 5 * 4096);
	assert_int_equal(r.areas[0].requested_size, 4 * 4096 - 100);
	assert_int_equal(r.areas[1].phys_addr, 0xfee00000);

	char text[64];
	vmr_vmap_flags_text(&r.areas[0], text, sizeof(text));
	assert_string_equal(text, "vmalloc");
	vmr_vmap_flags_text(&r.areas[1], text, sizeof(text));
	assert_string_equal(text, "ioremap");
	vmr_vmap_flags_text(&r.areas[2], text, sizeof(text));
	assert_string_equal(text, "vmap");

	/* lookup: inside, guard page, between areas, below all, above all */
	size_t near;
	assert_ptr_equal(vmr_vmap_find(r.areas, r.n, AREA(1) + 10, &near), &r.areas[1]);
	assert_ptr_equal(vmr_vmap_find(r.areas, r.n, AREA(0) + 4 * 4096, &near), &r.areas[0]);
	assert_null(vmr_vmap_find(r.areas, r.n, AREA(0) + 5 * 4096, &near));
	assert_int_equal(near, 0);
	assert_null(vmr_vmap_find(r.areas, r.n, AREA(2) - 1, &near));
	assert_int_equal(near, 2);
	assert_null(vmr_vmap_find(r.areas, r.n, AREA(0) - 1, &near));
	assert_int_equal(near, 0);
	assert_null(vmr_vmap_find(r.areas, r.n, AREA(9), &near));
	assert_int_equal(near, 2);
	assert_null(vmr_vmap_find(r.areas, 0, AREA(0), &near));
	assert_int_equal(near, SIZE_MAX);
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_list_empty(void **state)
{
	(void)state;
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	link(m, HEAD, NULL, 0);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	assert_false(r.incomplete);
	assert_int_equal(r.n, 0);
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_list_cycle(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	/* area 2's next goes back to area 1 instead of the head */
	put64(m, VA(2) + L.va_list, VA(1) + L.va_list);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 1000000, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 3);
	assert_non_null(strstr(r.warning, "loops back"));
	assert_true(m->reads < 20);
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_list_self_loop(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	/* area 0 points at itself: the walk back from the head reads 2 and 1 */
	put64(m, VA(0) + L.va_list, VA(0) + L.va_list);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 1000000, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 3);
	assert_non_null(strstr(r.warning, "2 more read backward"));
	assert_true(m->reads < 20);

	/* a cycle in both directions: each walk ends */
	put64(m, VA(2) + L.va_list + 8, VA(2) + L.va_list);
	vmr_vmap_result_free(&r);
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 1000000, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 2);
	assert_true(m->reads < 40);
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_list_corrupt_next(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	/* area 1's next points outside memory: the fault is named, area 2 read backward */
	put64(m, VA(1) + L.va_list, 0xdead000000000100ULL);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 3);
	assert_non_null(strstr(r.warning, "not mapped"));
	vmr_vmap_result_free(&r);
	free(m);

	/* a readable but wrong pointer: its prev does not point back; the walk
	 * back from the head still reaches every area */
	m = three_areas();
	put64(m, VA(0) + L.va_list, VA(2) + L.va_list);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 3);
	assert_non_null(strstr(r.warning, "prev"));
	vmr_vmap_result_free(&r);
	free(m);

	/* an area not in the dump in the middle: the others, no wrong area */
	m = three_areas();
	m->hole = VA(1);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 2);
	vmr_vmap_sort(&r);
	assert_int_equal(r.areas[0].va_start, AREA(0));
	assert_int_equal(r.areas[1].va_start, AREA(2));
	assert_non_null(strstr(r.warning, "not in the dump"));
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_list_bad_area(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	put64(m, VA(1) + L.va_end, AREA(1)); /* end == start: areas 0 and 2 only */
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.warning, "corrupt"));
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_list_bound(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 2, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.warning, "more than 2"));
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_vm_unreadable_and_vm_map_ram(void **state)
{
	(void)state;
	struct mem *m = three_areas();
	m->hole = VM(1) + 8;                  /* area 1's vm_struct not in the dump */
	put64(m, VA(2) + L.va_flags, 0x1);    /* area 2: VMAP_RAM */
	put64(m, VM(0) + L.vm_addr, AREA(5)); /* area 0: vm_struct of another area */
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &L, 100, &r));
	if (r.incomplete)
		fail_msg("stopped: %s", r.warning);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.vm_unread, 2);
	vmr_vmap_sort(&r);
	assert_false(r.areas[0].has_vm);
	assert_false(r.areas[1].has_vm);
	assert_false(r.areas[2].has_vm);
	char text[64];
	vmr_vmap_flags_text(&r.areas[1], text, sizeof(text));
	assert_non_null(strstr(text, "unknown"));
	vmr_vmap_flags_text(&r.areas[2], text, sizeof(text));
	assert_string_equal(text, "vm_map_ram");
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_nodes(void **state)
{
	(void)state;
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	for (unsigned int i = 0; i < 5; i++)
		area(m, i, 1 + i, 0x2);
	/* node 0: areas 3, 0; node 1: empty; node 2: 4, 1, 2 */
	static const unsigned int n0[] = {0, 3}, n2[] = {1, 2, 4};
	link(m, NODES + 0 * L.node_size + L.node_busy_head, n0, 2);
	link(m, NODES + 1 * L.node_size + L.node_busy_head, NULL, 0);
	link(m, NODES + 2 * L.node_size + L.node_busy_head, n2, 3);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_nodes(mem_read, m, NODES, 3, &L, 100, &r));
	assert_false(r.incomplete);
	assert_int_equal(r.n, 5);
	vmr_vmap_sort(&r);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(r.areas[i].va_start, AREA(i));
	assert_ptr_equal(vmr_vmap_find(r.areas, r.n, AREA(4) + 4096, NULL), &r.areas[4]);
	vmr_vmap_result_free(&r);

	/* an area on two nodes' lists is a cycle of the index */
	link(m, NODES + 1 * L.node_size + L.node_busy_head, n0, 1);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_nodes(mem_read, m, NODES, 3, &L, 100, &r));
	assert_true(r.incomplete);
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_nodes_absurd(void **state)
{
	(void)state;
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_nodes(mem_read, m, NODES, 1u << 30, &L, 100, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "absurd"));
	assert_int_equal(m->reads, 0);
	vmr_vmap_result_free(&r);

	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_nodes(mem_read, m, NODES, 0, &L, 100, &r));
	assert_true(r.incomplete);
	vmr_vmap_result_free(&r);

	/* an array that wraps around the address space */
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_nodes(mem_read, m, UINT64_MAX - 0x200, 8, &L, 100, &r));
	assert_true(r.incomplete);
	vmr_vmap_result_free(&r);

	/* an unusable layout is refused before any read */
	struct vmr_vmap_layout bad = L;
	bad.va_size = 1u << 20;
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_list(mem_read, m, HEAD, &bad, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(m->reads, 0);
	vmr_vmap_result_free(&r);
	free(m);
}

/* rb_node of area i: {parent_color, right, left} at va + 16 */
static void rb(struct mem *m, unsigned int i, int left, int right)
{
	put64(m, VA(i) + L.va_rb_node + 8, right < 0 ? 0 : VA(right) + L.va_rb_node);
	put64(m, VA(i) + L.va_rb_node + 16, left < 0 ? 0 : VA(left) + L.va_rb_node);
}

static void test_tree(void **state)
{
	(void)state;
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	for (unsigned int i = 0; i < 5; i++)
		area(m, i, 1, 0x2);
	/*        3
	 *      1   4
	 *     0 2       */
	rb(m, 3, 1, 4);
	rb(m, 1, 0, 2);
	rb(m, 0, -1, -1);
	rb(m, 2, -1, -1);
	rb(m, 4, -1, -1);
	struct vmr_vmap_result r = {0};
	assert_null(vmr_vmap_walk_tree(mem_read, m, VA(3) + L.va_rb_node, &L, 100, &r));
	assert_false(r.incomplete);
	assert_int_equal(r.n, 5);
	for (unsigned int i = 0; i < 5; i++) /* in order without sorting */
		assert_int_equal(r.areas[i].va_start, AREA(i));
	vmr_vmap_result_free(&r);

	/* a child pointing back at the root */
	rb(m, 2, 3, -1);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_tree(mem_read, m, VA(3) + L.va_rb_node, &L, 1000000, &r));
	assert_true(r.incomplete);
	assert_non_null(strstr(r.warning, "loops back"));
	vmr_vmap_result_free(&r);

	/* a corrupt child pointer */
	rb(m, 2, -1, -1);
	put64(m, VA(4) + L.va_rb_node + 16, 0x1234);
	memset(&r, 0, sizeof(r));
	assert_null(vmr_vmap_walk_tree(mem_read, m, VA(3) + L.va_rb_node, &L, 100, &r));
	assert_true(r.incomplete);
	assert_int_equal(r.n, 4);
	vmr_vmap_result_free(&r);
	free(m);
}

static void test_ptrset(void **state)
{
	(void)state;
	struct vmr_ptrset s = {0};
	for (uint64_t i = 0; i < 10000; i++)
		assert_int_equal(vmr_ptrset_add(&s, BASE + i * 64), 1);
	for (uint64_t i = 0; i < 10000; i++)
		assert_int_equal(vmr_ptrset_add(&s, BASE + i * 64), 0);
	assert_true(vmr_ptrset_has(&s, BASE + 64 * 9999));
	assert_false(vmr_ptrset_has(&s, BASE + 8));
	assert_int_equal(s.n, 10000);
	vmr_ptrset_free(&s);
	assert_false(vmr_ptrset_has(&s, BASE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_three),
		cmocka_unit_test(test_list_empty),
		cmocka_unit_test(test_list_cycle),
		cmocka_unit_test(test_list_self_loop),
		cmocka_unit_test(test_list_corrupt_next),
		cmocka_unit_test(test_list_bad_area),
		cmocka_unit_test(test_list_bound),
		cmocka_unit_test(test_vm_unreadable_and_vm_map_ram),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_nodes_absurd),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_ptrset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
