/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the vmap area walks (owner/vmalloc.c): the sorted list
 * (<= 6.8 vmap_area_list), the rb-tree (vmap_area_root) and the per-node
 * busy lists (6.9+ vmap_nodes), then sort, find and flag names, on arbitrary
 * kernel memory.  Input: a 16-byte header (flags: bit 0 wrap every address
 * into the memory, bits 1-2 which walk; the offset of the head, root or
 * node array; the node count), then the memory.  Layouts: k6.12, as in
 * tests/unit/test_owner_vmalloc.c.  Seeds: lists, trees and nodes written
 * like that test writes them.
 */
#include "owner/vmalloc.h"

#include "fuzz.h"

#define VBASE 0xffff888000000000ull

static const struct vmr_vmap_layout L = {
	.va_size = 72, .va_start = 0, .va_end = 8, .va_rb_node = 16, .va_list = 40,
	.va_vm = 56, .va_flags = 64,
	.vm_struct_size = 72, .vm_addr = 8, .vm_size = 16, .vm_flags = 24, .vm_nr_pages = 44,
	.vm_phys_addr = 48, .vm_caller = 56, .vm_requested_size = 64,
	.node_size = 0x100, .node_busy_head = 0x18,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= 16)
		return 0;
	struct fuzz_in in = { data, 16 };
	uint64_t flags = fuzz_take(&in, 4);
	uint64_t at = VBASE + fuzz_take(&in, 4);
	uint64_t nr = fuzz_take(&in, 4);
	uint64_t probe = 0xffffc90000000000ull + fuzz_take(&in, 4);
	struct fuzz_mem m = { .buf = data + 16, .size = size - 16, .base = VBASE,
			      .wrap = flags & 1 };
	struct vmr_vmap_result res = { 0 };
	struct vmr_error *err;
	switch ((flags >> 1) & 3) {
	case 0:
		err = vmr_vmap_walk_list(fuzz_mem_read, &m, at, &L, 100000, &res);
		break;
	case 1:
		err = vmr_vmap_walk_tree(fuzz_mem_read, &m, at, &L, 100000, &res);
		break;
	default:
		err = vmr_vmap_walk_nodes(fuzz_mem_read, &m, at, nr, &L, 100000, &res);
		break;
	}
	vmr_error_free(err);
	vmr_vmap_sort(&res);
	char text[128];
	for (size_t i = 0; i < res.n; i++) {
		size_t near;
		(void)vmr_vmap_find(res.areas, res.n, res.areas[i].va_start, &near);
		(void)vmr_vmap_find(res.areas, res.n, res.areas[i].va_end - 1, &near);
		vmr_vmap_flags_text(&res.areas[i], text, sizeof(text));
		vmr_vmap_flags_text(&res.areas[i], text, 4);
	}
	size_t near;
	(void)vmr_vmap_find(res.areas, res.n, probe, &near);
	vmr_vmap_result_free(&res);
	return 0;
}
