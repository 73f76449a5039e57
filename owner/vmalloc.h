/* SPDX-License-Identifier: MIT */
/**
 * @file vmalloc.h  Walks over the kernel's vmap areas (owner/vmalloc.c).
 *
 * The walks take a read callback and plain offsets, so that they run on
 * synthetic memory in tests as well as on a dump.  They never fail on bad
 * data: a fault, a cycle or an absurd value ends the walk, keeps what was
 * read and says why in the result's warning.  Only out-of-memory is an error.
 *
 * Kernel layouts (x86_64-layout.md §7.2):
 *  - up to 6.8: `vmap_area_list` (sorted list of busy areas through
 *    vmap_area.list) and the rb-tree `vmap_area_root` (vmap_area.rb_node);
 *  - 6.9+ (commit d093602919ad "mm: vmalloc: remove global vmap_area_root
 *    rb-tree"): `vmap_nodes` (struct vmap_node *) and `nr_vmap_nodes`, the
 *    busy areas of node i on vmap_nodes[i].busy.head.
 */
#ifndef VMR_OWNER_VMALLOC_H
#define VMR_OWNER_VMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/memory.h"

/** A member a kernel does not have. */
/** Most vmap nodes a kernel can have (nr_vmap_nodes <= NR_CPUS <= 8192). */
#define VMR_MAX_VMAP_NODES 8192u
/** Largest structure a walk reads in one piece. */
#define VMR_VMAP_MAX_STRUCT 512u

/** Byte offsets and sizes the walks need (VMR_NO_OFFSET: member absent). */
struct vmr_vmap_layout {
	uint64_t va_size;            /**< sizeof(struct vmap_area) */
	uint64_t va_start, va_end;
	uint64_t va_list;            /**< vmap_area.list */
	uint64_t va_rb_node;         /**< vmap_area.rb_node (tree walk) */
	uint64_t va_vm;              /**< vmap_area.vm (union with subtree_max_size) */
	uint64_t va_flags;           /**< vmap_area.flags (vm_map_ram marker) or NO_OFFSET */
	uint64_t vm_struct_size;     /**< sizeof(struct vm_struct) */
	uint64_t vm_addr, vm_size, vm_flags, vm_nr_pages, vm_phys_addr, vm_caller;
	uint64_t vm_requested_size;  /**< NO_OFFSET before vm_struct.requested_size */
	uint64_t node_size;          /**< 6.9+: sizeof(struct vmap_node) */
	uint64_t node_busy_head;     /**< 6.9+: offsetof(struct vmap_node, busy.head) */
};

/** One busy vmap area and, when it has one, its vm_struct. */
struct vmr_vmap_area {
	uint64_t va_start, va_end;   /**< [start, end), guard page included */
	uint64_t va_flags;           /**< vmap_area.flags (VMAP_RAM 0x1, VMAP_BLOCK 0x2) */
	uint64_t vm;                 /**< struct vm_struct address or 0 */
	bool has_vm;                 /**< the vm_struct below was read */
	bool has_requested_size;
	uint64_t addr, size, flags, nr_pages, phys_addr, caller, requested_size;
};

/** What a walk found.  Zero-initialize; free with vmr_vmap_result_free(). */
struct vmr_vmap_result {
	struct vmr_vmap_area *areas;
	size_t n, cap;
	bool incomplete;             /**< a walk stopped early (see warning) */
	unsigned int vm_unread;      /**< areas whose vm_struct could not be read */
	char warning[200];           /**< why a walk stopped early ("" if it did not) */
};

/** A set of addresses for cycle detection (zero-initialize). */
struct vmr_ptrset {
	uint64_t *slots;
	size_t cap, n;
};

/** @return 1 if @p p was added, 0 if it was there already, -1 out of memory. */
int vmr_ptrset_add(struct vmr_ptrset *s, uint64_t p);
/** @return true if @p p is in @p s. */
bool vmr_ptrset_has(const struct vmr_ptrset *s, uint64_t p);
void vmr_ptrset_free(struct vmr_ptrset *s);

/**
 * Walk the circular list of busy areas whose head (a struct list_head) is at
 * @p head, appending to @p res at most @p max areas in all.
 * @return NULL, or an out-of-memory error.  res->incomplete is set (and
 * res->warning says why) when the walk did not come back to @p head.
 */
struct vmr_error *vmr_vmap_walk_list(vmr_read_fn read, void *ctx, uint64_t head,
				     const struct vmr_vmap_layout *l, size_t max,
				     struct vmr_vmap_result *res);

/**
 * Walk the rb-tree whose first node (rb_root.rb_node) is @p root_node, in
 * order.  Same contract as vmr_vmap_walk_list().
 */
struct vmr_error *vmr_vmap_walk_tree(vmr_read_fn read, void *ctx, uint64_t root_node,
				     const struct vmr_vmap_layout *l, size_t max,
				     struct vmr_vmap_result *res);

/**
 * Walk the busy lists of @p nr_nodes struct vmap_node at @p nodes (6.9+).
 * An absurd @p nr_nodes (0 or over VMR_MAX_VMAP_NODES) is refused with a
 * warning.  Same contract as vmr_vmap_walk_list().
 */
struct vmr_error *vmr_vmap_walk_nodes(vmr_read_fn read, void *ctx, uint64_t nodes,
				      uint64_t nr_nodes, const struct vmr_vmap_layout *l,
				      size_t max, struct vmr_vmap_result *res);

/** Sort the areas of @p res by start and drop duplicates. */
void vmr_vmap_sort(struct vmr_vmap_result *res);

/**
 * The area of sorted @p areas containing @p addr, or NULL; then *@p nearest
 * (may be NULL) is the index of the closest area (SIZE_MAX if there is none).
 */
const struct vmr_vmap_area *vmr_vmap_find(const struct vmr_vmap_area *areas, size_t n,
					  uint64_t addr, size_t *nearest);

/** Words for VM_* flags like /proc/vmallocinfo ("vmalloc", "ioremap", ...). */
void vmr_vmap_flags_text(const struct vmr_vmap_area *a, char *buf, size_t size);

void vmr_vmap_result_free(struct vmr_vmap_result *res);

struct vmr_kernel;
/**
 * The busy vmap area of @p k containing @p addr (index built on first use).
 * @return NULL if there is none or no index could be built; the pointer is
 * valid until the kernel is closed.
 */
const struct vmr_vmap_area *vmr_vmap_lookup(struct vmr_kernel *k, uint64_t addr);

/**
 * All busy vmap areas of @p k, sorted (index built on first use).
 * @param[out] incomplete (may be NULL) whether the walk stopped early.
 * @return the number of areas; *@p areas is valid until the kernel is closed.
 */
size_t vmr_vmap_areas(struct vmr_kernel *k, const struct vmr_vmap_area **areas,
		      bool *incomplete);

#endif
