/* SPDX-License-Identifier: MIT */
/*
 * vmalloc owners: the busy vmap areas of the kernel, their flags and
 * callers, and the task stacks inside them.
 *
 * The index is built once per kernel handle, on the first vmalloc address:
 * a bounded walk (owner/vmalloc.h) over whichever structure the kernel has —
 * detected by symbol presence, never by version — then sorted for binary
 * search.
 */
#include "owner/vmalloc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "owner/owner-priv.h"

#include "common/bytes.h"
#include "common/sort.h"

/* vmap_area.flags bits (mm/vmalloc.c [k6.12]). */
#define VMAP_RAM 0x1

/* VM_* flags (include/linux/vmalloc.h [k6.1, k6.12], x86_64-layout.md §7.2). */
#define VM_IOREMAP 0x1
#define VM_ALLOC 0x2
#define VM_MAP 0x4
#define VM_USERMAP 0x8
#define VM_DMA_COHERENT 0x10
#define VM_UNINITIALIZED 0x20
#define VM_MAP_PUT_PAGES 0x200
#define VM_SPARSE 0x1000

/* An rb-tree of 2^22 nodes is at most 2 * 23 deep; more is corruption. */
#define RB_MAX_DEPTH 96

/* ---------------------------------------------------------------------- */
/* Pointer sets (cycle detection)                                         */

static size_t ptr_hash(uint64_t p, size_t mask)
{
	p ^= p >> 33;
	p *= 0xff51afd7ed558ccdULL;
	p ^= p >> 33;
	return (size_t)p & mask;
}

bool vmr_ptrset_has(const struct vmr_ptrset *s, uint64_t p)
{
	if (!s->cap)
		return false;
	if (!p)
		p = 1; /* 0 marks an empty slot; 0 and 1 share a key (never valid) */
	for (size_t i = ptr_hash(p, s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slots[i])
			return false;
		if (s->slots[i] == p)
			return true;
	}
}

int vmr_ptrset_add(struct vmr_ptrset *s, uint64_t p)
{
	if (!p)
		p = 1;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			uint64_t v = s->slots[i];
			if (!v)
				continue;
			size_t j = ptr_hash(v, ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = v;
		}
		free(s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	size_t i = ptr_hash(p, s->cap - 1);
	for (; s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == p)
			return 0;
	s->slots[i] = p;
	s->n++;
	return 1;
}

void vmr_ptrset_free(struct vmr_ptrset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------------------------- */
/* Walks                                                                  */



/* Stop the walk: keep the first reason. */
static void stop(struct vmr_vmap_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stop(struct vmr_vmap_result *res, const char *fmt, ...)
{
	va_list ap;
	if (res->incomplete)
		return;
	res->incomplete = true;
	va_start(ap, fmt);
	vsnprintf(res->warning, sizeof(res->warning), fmt, ap);
	va_end(ap);
}

static bool fits(uint64_t off, uint64_t width, uint64_t size)
{
	return off != VMR_NO_OFFSET && off <= size && width <= size - off;
}

/* @return NULL if @p l can be used for a walk, else why not. */
static const char *layout_problem(const struct vmr_vmap_layout *l, bool tree)
{
	if (!l->va_size || l->va_size > VMR_VMAP_MAX_STRUCT)
		return "sizeof(struct vmap_area) unknown or absurd";
	if (!fits(l->va_start, 8, l->va_size) || !fits(l->va_end, 8, l->va_size))
		return "vmap_area.va_start/va_end outside the structure";
	if (tree ? !fits(l->va_rb_node, 24, l->va_size) : !fits(l->va_list, 16, l->va_size))
		return tree ? "vmap_area.rb_node outside the structure"
			    : "vmap_area.list outside the structure";
	if (l->va_vm != VMR_NO_OFFSET && !fits(l->va_vm, 8, l->va_size))
		return "vmap_area.vm outside the structure";
	if (l->va_flags != VMR_NO_OFFSET && !fits(l->va_flags, 8, l->va_size))
		return "vmap_area.flags outside the structure";
	if (l->va_vm != VMR_NO_OFFSET) {
		uint64_t s = l->vm_struct_size;
		if (!s || s > VMR_VMAP_MAX_STRUCT || !fits(l->vm_addr, 8, s) ||
		    !fits(l->vm_size, 8, s) || !fits(l->vm_flags, 8, s) ||
		    !fits(l->vm_nr_pages, 4, s) || !fits(l->vm_phys_addr, 8, s) ||
		    !fits(l->vm_caller, 8, s) ||
		    (l->vm_requested_size != VMR_NO_OFFSET && !fits(l->vm_requested_size, 8, s)))
			return "struct vm_struct layout unknown or absurd";
	}
	return NULL;
}

/* The vm_struct of @p a, when it has one; a failure only leaves has_vm false. */
static void read_vm(vmr_read_fn read, void *ctx, const struct vmr_vmap_layout *l,
		    struct vmr_vmap_area *a, struct vmr_vmap_result *res)
{
	uint8_t buf[VMR_VMAP_MAX_STRUCT];
	if (!a->vm || l->va_vm == VMR_NO_OFFSET)
		return;
	struct vmr_error *err = read(ctx, a->vm, buf, l->vm_struct_size);
	if (err) {
		vmr_error_free(err);
		res->vm_unread++;
		return;
	}
	uint64_t addr = vmr_get_u64(buf, l->vm_addr);
	if (addr != a->va_start) {
		/* Not this area's vm_struct: a stale or corrupt pointer. */
		res->vm_unread++;
		return;
	}
	a->has_vm = true;
	a->addr = addr;
	a->size = vmr_get_u64(buf, l->vm_size);
	a->flags = vmr_get_u64(buf, l->vm_flags);
	a->nr_pages = vmr_get_u32(buf, l->vm_nr_pages);
	a->phys_addr = vmr_get_u64(buf, l->vm_phys_addr);
	a->caller = vmr_get_u64(buf, l->vm_caller);
	if (l->vm_requested_size != VMR_NO_OFFSET) {
		a->has_requested_size = true;
		a->requested_size = vmr_get_u64(buf, l->vm_requested_size);
	}
}

/*
 * Read the vmap_area at @p va into @p buf and @p a.
 * @return false (with the walk stopped) on a fault or a corrupt area.
 */
static bool read_area(vmr_read_fn read, void *ctx, uint64_t va, const struct vmr_vmap_layout *l,
		      uint8_t *buf, struct vmr_vmap_area *a, struct vmr_vmap_result *res)
{
	struct vmr_error *err = read(ctx, va, buf, l->va_size);
	if (err) {
		stop(res, "vmap_area at 0x%" PRIx64 ": %s", va, vmr_error_message(err));
		vmr_error_free(err);
		return false;
	}
	memset(a, 0, sizeof(*a));
	a->va_start = vmr_get_u64(buf, l->va_start);
	a->va_end = vmr_get_u64(buf, l->va_end);
	if (a->va_end <= a->va_start) {
		stop(res, "vmap_area at 0x%" PRIx64 ": start 0x%" PRIx64 " not below end 0x%" PRIx64
		     " (corrupt)", va, a->va_start, a->va_end);
		return false;
	}
	if (l->va_flags != VMR_NO_OFFSET)
		a->va_flags = vmr_get_u64(buf, l->va_flags);
	if (l->va_vm != VMR_NO_OFFSET && !(a->va_flags & VMAP_RAM))
		a->vm = vmr_get_u64(buf, l->va_vm);
	return true;
}

static struct vmr_error *append(struct vmr_vmap_result *res, const struct vmr_vmap_area *a)
{
	if (res->n == res->cap) {
		size_t ncap = res->cap ? res->cap * 2 : 256;
		struct vmr_vmap_area *na = realloc(res->areas, ncap * sizeof(*na));
		if (!na)
			return &vmr_enomem;
		res->areas = na;
		res->cap = ncap;
	}
	res->areas[res->n++] = *a;
	return NULL;
}

/*
 * One direction of a list walk from @p head: forward through next, or
 * backward through prev (each step checks the other pointer).  Backward, an
 * area seen already is where the forward walk stopped: the two halves join.
 * @return NULL or out-of-memory; *@p broken tells whether it stopped early,
 * *@p bound whether that was the bound.
 */
static struct vmr_error *walk_dir(vmr_read_fn read, void *ctx, uint64_t head,
				  const struct vmr_vmap_layout *l, size_t max,
				  struct vmr_vmap_result *res, struct vmr_ptrset *seen,
				  bool backward, bool *broken, bool *bound)
{
	uint8_t buf[VMR_VMAP_MAX_STRUCT];
	uint64_t next, fwd = backward ? 8 : 0, rev = backward ? 0 : 8;
	const char *dir = backward ? "backward" : "";
	*broken = true;
	*bound = false;
	struct vmr_error *err = read(ctx, head + fwd, &next, sizeof(next));
	if (err) {
		stop(res, "vmap area list head 0x%" PRIx64 ": %s", head, vmr_error_message(err));
		vmr_error_free(err);
		return NULL;
	}
	uint64_t prev = head;
	while (next != head) {
		if (res->n >= max) {
			stop(res, "more than %zu vmap areas: walk stopped", max);
			*bound = true;
			return NULL;
		}
		if (vmr_ptrset_has(seen, next)) {
			if (!backward)
				stop(res, "vmap area list loops back to 0x%" PRIx64 " (corrupt)", next);
			return NULL;
		}
		if (next < l->va_list) {
			stop(res, "vmap area list%s: bad pointer 0x%" PRIx64 " (corrupt)", dir, next);
			return NULL;
		}
		struct vmr_vmap_area a;
		if (!read_area(read, ctx, next - l->va_list, l, buf, &a, res))
			return NULL;
		uint64_t back = vmr_get_u64(buf, l->va_list + rev);
		if (back != prev) {
			stop(res, "vmap area list: 0x%" PRIx64 "->%s is 0x%" PRIx64
			     ", expected 0x%" PRIx64 " (corrupt)", next, backward ? "next" : "prev",
			     back, prev);
			return NULL;
		}
		/* only a sound area is marked: a broken one may be reached from the other side */
		if (vmr_ptrset_add(seen, next) < 0)
			return &vmr_enomem;
		read_vm(read, ctx, l, &a, res);
		if ((err = append(res, &a)))
			return err;
		prev = next;
		next = vmr_get_u64(buf, l->va_list + fwd);
	}
	*broken = false;
	return NULL;
}

/*
 * One list; @p seen is shared by the lists of one index.  When the forward
 * walk breaks (a page not in the dump, a corrupt area), the walk backward
 * from the head recovers the areas behind the break.
 */
static struct vmr_error *walk_list(vmr_read_fn read, void *ctx, uint64_t head,
				   const struct vmr_vmap_layout *l, size_t max,
				   struct vmr_vmap_result *res, struct vmr_ptrset *seen)
{
	bool broken, bound;
	struct vmr_error *err = walk_dir(read, ctx, head, l, max, res, seen, false, &broken,
					 &bound);
	if (err || !broken || bound)
		return err;
	size_t before = res->n;
	err = walk_dir(read, ctx, head, l, max, res, seen, true, &broken, &bound);
	if (!err && res->n > before) {
		size_t len = strlen(res->warning);
		snprintf(res->warning + len, sizeof(res->warning) - len,
			 "; %zu more read backward", res->n - before);
	}
	return err;
}

struct vmr_error *vmr_vmap_walk_list(vmr_read_fn read, void *ctx, uint64_t head,
				     const struct vmr_vmap_layout *l, size_t max,
				     struct vmr_vmap_result *res)
{
	const char *why = layout_problem(l, false);
	if (why) {
		stop(res, "vmap areas: %s", why);
		return NULL;
	}
	struct vmr_ptrset seen = {0};
	struct vmr_error *err = walk_list(read, ctx, head, l, max, res, &seen);
	vmr_ptrset_free(&seen);
	return err;
}

struct vmr_error *vmr_vmap_walk_nodes(vmr_read_fn read, void *ctx, uint64_t nodes,
				      uint64_t nr_nodes, const struct vmr_vmap_layout *l,
				      size_t max, struct vmr_vmap_result *res)
{
	const char *why = layout_problem(l, false);
	if (why) {
		stop(res, "vmap areas: %s", why);
		return NULL;
	}
	if (!l->node_size || l->node_size > (1u << 20) ||
	    !fits(l->node_busy_head, 16, l->node_size)) {
		stop(res, "vmap areas: struct vmap_node layout unknown or absurd");
		return NULL;
	}
	if (!nr_nodes || nr_nodes > VMR_MAX_VMAP_NODES) {
		stop(res, "nr_vmap_nodes = %" PRIu64 " is absurd (corrupt)", nr_nodes);
		return NULL;
	}
	if (nodes > UINT64_MAX - nr_nodes * l->node_size) {
		stop(res, "vmap_nodes 0x%" PRIx64 ": array wraps around (corrupt)", nodes);
		return NULL;
	}
	struct vmr_ptrset seen = {0};
	struct vmr_error *err = NULL;
	for (uint64_t i = 0; i < nr_nodes && !err && res->n < max; i++)
		err = walk_list(read, ctx, nodes + i * l->node_size + l->node_busy_head, l, max,
				res, &seen);
	vmr_ptrset_free(&seen);
	return err;
}

struct vmr_error *vmr_vmap_walk_tree(vmr_read_fn read, void *ctx, uint64_t root_node,
				     const struct vmr_vmap_layout *l, size_t max,
				     struct vmr_vmap_result *res)
{
	const char *why = layout_problem(l, true);
	if (why) {
		stop(res, "vmap areas: %s", why);
		return NULL;
	}
	struct frame {
		struct vmr_vmap_area a;
		uint64_t right;
	};
	struct frame *stack = malloc(RB_MAX_DEPTH * sizeof(*stack));
	if (!stack)
		return &vmr_enomem;
	struct vmr_ptrset seen = {0};
	struct vmr_error *err = NULL;
	uint8_t buf[VMR_VMAP_MAX_STRUCT];
	unsigned int sp = 0;
	uint64_t node = root_node;
	while (node || sp) {
		while (node) {
			if (sp == RB_MAX_DEPTH) {
				stop(res, "vmap area tree deeper than %d (corrupt)", RB_MAX_DEPTH);
				goto out;
			}
			if (res->n + sp >= max) {
				stop(res, "more than %zu vmap areas: walk stopped", max);
				goto out;
			}
			int added = vmr_ptrset_add(&seen, node);
			if (added < 0) {
				err = &vmr_enomem;
				goto out;
			}
			if (!added) {
				stop(res, "vmap area tree loops back to 0x%" PRIx64 " (corrupt)",
				     node);
				goto out;
			}
			if (node < l->va_rb_node) {
				stop(res, "vmap area tree: bad pointer 0x%" PRIx64 " (corrupt)", node);
				goto out;
			}
			struct frame *f = &stack[sp];
			if (!read_area(read, ctx, node - l->va_rb_node, l, buf, &f->a, res))
				goto out;
			/* struct rb_node {__rb_parent_color, rb_right, rb_left} */
			f->right = vmr_get_u64(buf, l->va_rb_node + 8);
			node = vmr_get_u64(buf, l->va_rb_node + 16);
			sp++;
		}
		struct frame *f = &stack[--sp];
		read_vm(read, ctx, l, &f->a, res);
		if ((err = append(res, &f->a)))
			goto out;
		node = f->right;
	}
out:
	vmr_ptrset_free(&seen);
	free(stack);
	return err;
}

static int cmp_area(const void *pa, const void *pb)
{
	const struct vmr_vmap_area *a = pa, *b = pb;
	return a->va_start < b->va_start ? -1 : a->va_start > b->va_start;
}

void vmr_vmap_sort(struct vmr_vmap_result *res)
{
	if (!res->n)
		return;
	/* The list and the in-order tree walk give the areas in address order
	 * already (one sorted run per vmap node on 6.9+): sort only if not. */
	size_t run = 1;
	while (run < res->n && res->areas[run - 1].va_start <= res->areas[run].va_start)
		run++;
	if (run < res->n)
		vmr_sort(res->areas, res->n, sizeof(*res->areas), cmp_area);
	size_t w = 1;
	for (size_t i = 1; i < res->n; i++)
		if (res->areas[i].va_start != res->areas[w - 1].va_start)
			res->areas[w++] = res->areas[i];
	res->n = w;
}

const struct vmr_vmap_area *vmr_vmap_find(const struct vmr_vmap_area *areas, size_t n,
					  uint64_t addr, size_t *nearest)
{
	/* lo = number of areas starting at or below addr */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (areas[mid].va_start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < areas[lo - 1].va_end)
		return &areas[lo - 1];
	if (nearest) {
		*nearest = SIZE_MAX;
		if (lo && lo < n)
			*nearest = addr - areas[lo - 1].va_end < areas[lo].va_start - addr ? lo - 1
											  : lo;
		else if (lo)
			*nearest = lo - 1;
		else if (n)
			*nearest = 0;
	}
	return NULL;
}

void vmr_vmap_flags_text(const struct vmr_vmap_area *a, char *buf, size_t size)
{
	static const struct {
		uint64_t bit;
		const char *word;
	} words[] = {
		{VM_IOREMAP, "ioremap"}, {VM_SPARSE, "sparse"}, {VM_ALLOC, "vmalloc"},
		{VM_MAP, "vmap"}, {VM_USERMAP, "user"}, {VM_DMA_COHERENT, "dma-coherent"},
		{VM_MAP_PUT_PAGES, "vpages"}, {VM_UNINITIALIZED, "uninitialized"},
	};
	size_t len = 0;
	buf[0] = '\0';
	if (!a->has_vm) {
		snprintf(buf, size, "%s",
			 (a->va_flags & VMAP_RAM) || !a->vm ? "vm_map_ram"
							    : "unknown (vm_struct unreadable)");
		return;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!(a->flags & words[i].bit) || len >= size)
			continue;
		int w = snprintf(buf + len, size - len, "%s%s", len ? " " : "", words[i].word);
		if (w > 0)
			len += (size_t)w;
	}
	if (!len)
		snprintf(buf, size, "flags 0x%" PRIx64, a->flags);
}

void vmr_vmap_result_free(struct vmr_vmap_result *res)
{
	free(res->areas);
	memset(res, 0, sizeof(*res));
}

/* ---------------------------------------------------------------------- */
/* The index of a kernel                                                  */

struct vmr_vmap {
	struct vmr_vmap_result res;
	char method[48];       /* "vmap_nodes", "vmap_area_list", "vmap_area_root" */
	char failure[200];     /* no index at all: why */
};

void vmr_owners_free_vmap(struct vmr_owners *o)
{
	if (!o || !o->vmap)
		return;
	vmr_vmap_result_free(&o->vmap->res);
	free(o->vmap);
	o->vmap = NULL;
}

static uint64_t type_size(struct vmr_kernel *k, const char *type)
{
	uint64_t size;
	struct vmr_error *err = vmr_kernel_type_size(k, type, &size);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	return size;
}

/* Offsets from VMCOREINFO, the vmlinux or the BTF in the dump (region/types.h). */
static void kernel_layout(struct vmr_kernel *k, struct vmr_vmap_layout *l)
{
	l->va_start = vmr_owner_member(k, "vmap_area", "va_start");
	l->va_end = vmr_owner_member(k, "vmap_area", "va_end");
	l->va_list = vmr_owner_member(k, "vmap_area", "list");
	l->va_rb_node = vmr_owner_member(k, "vmap_area", "rb_node");
	l->va_vm = vmr_owner_member(k, "vmap_area", "vm");
	l->va_flags = vmr_owner_member(k, "vmap_area", "flags");
	l->va_size = type_size(k, "vmap_area");
	if (!l->va_size && l->va_start != VMR_NO_OFFSET && l->va_list != VMR_NO_OFFSET) {
		/* VMCOREINFO gives offsets but no size: read up to the list. */
		uint64_t top = l->va_list + 16;
		if (l->va_end != VMR_NO_OFFSET && l->va_end + 8 > top)
			top = l->va_end + 8;
		l->va_size = top;
	}
	l->vm_struct_size = type_size(k, "vm_struct");
	l->vm_addr = vmr_owner_member(k, "vm_struct", "addr");
	l->vm_size = vmr_owner_member(k, "vm_struct", "size");
	l->vm_flags = vmr_owner_member(k, "vm_struct", "flags");
	l->vm_nr_pages = vmr_owner_member(k, "vm_struct", "nr_pages");
	l->vm_phys_addr = vmr_owner_member(k, "vm_struct", "phys_addr");
	l->vm_caller = vmr_owner_member(k, "vm_struct", "caller");
	l->vm_requested_size = vmr_owner_member(k, "vm_struct", "requested_size");
	if (!l->vm_struct_size || l->vm_addr == VMR_NO_OFFSET || l->vm_caller == VMR_NO_OFFSET)
		l->va_vm = VMR_NO_OFFSET; /* areas without their vm_struct */
	l->node_size = type_size(k, "vmap_node");
	l->node_busy_head = vmr_owner_member(k, "vmap_node", "busy.head");
}

/* Runtime address of @p name (vmlinux, kallsyms or VMCOREINFO SYMBOL()). */
static bool symbol(struct vmr_kernel *k, const char *name, uint64_t *addr)
{
	struct vmr_error *err = vmr_kernel_symbol_address(k, name, addr);
	vmr_error_free(err);
	return !err;
}

static struct vmr_error *build(struct vmr_kernel *k, struct vmr_vmap *v)
{
	struct vmr_vmap_layout l;
	kernel_layout(k, &l);
	struct vmr_error *err = NULL;
	uint64_t sym;
	if (symbol(k, "vmap_nodes", &sym)) {
		/* 6.9+: vmap_nodes points at an array of nr_vmap_nodes nodes. */
		uint64_t nodes, nr_addr;
		uint32_t nr = 1;
		snprintf(v->method, sizeof(v->method), "vmap_nodes");
		err = vmr_kernel_read_u64(k, sym, &nodes);
		if (!err && symbol(k, "nr_vmap_nodes", &nr_addr))
			err = vmr_kernel_read_u32(k, nr_addr, &nr);
		if (err) {
			snprintf(v->failure, sizeof(v->failure), "vmap_nodes: %s",
				 vmr_error_message(err));
			vmr_error_free(err);
			return NULL;
		}
		err = vmr_vmap_walk_nodes(vmr_kernel_read_cb, k, nodes, nr, &l,
					  VMR_MAX_VMAP_AREAS, &v->res);
	} else if (symbol(k, "vmap_area_list", &sym)) {
		snprintf(v->method, sizeof(v->method), "vmap_area_list");
		err = vmr_vmap_walk_list(vmr_kernel_read_cb, k, sym, &l, VMR_MAX_VMAP_AREAS,
					 &v->res);
		uint64_t root, first;
		if (!err && v->res.incomplete && v->res.n < VMR_MAX_VMAP_AREAS &&
		    symbol(k, "vmap_area_root", &root) &&
		    !vmr_kernel_read_u64(k, root, &first)) {
			/* The tree may still reach what the broken list did not. */
			struct vmr_vmap_result t = {0};
			err = vmr_vmap_walk_tree(vmr_kernel_read_cb, k, first, &l,
						 VMR_MAX_VMAP_AREAS - v->res.n, &t);
			for (size_t i = 0; !err && i < t.n; i++)
				err = append(&v->res, &t.areas[i]);
			if (!err && !t.incomplete) {
				v->res.incomplete = false;
				snprintf(v->method, sizeof(v->method),
					 "vmap_area_list + vmap_area_root");
			}
			vmr_vmap_result_free(&t);
		}
	} else if (symbol(k, "vmap_area_root", &sym)) {
		uint64_t first;
		snprintf(v->method, sizeof(v->method), "vmap_area_root");
		err = vmr_kernel_read_u64(k, sym, &first);
		if (err) {
			snprintf(v->failure, sizeof(v->failure), "vmap_area_root: %s",
				 vmr_error_message(err));
			vmr_error_free(err);
			return NULL;
		}
		err = vmr_vmap_walk_tree(vmr_kernel_read_cb, k, first, &l, VMR_MAX_VMAP_AREAS,
					 &v->res);
	} else {
		snprintf(v->failure, sizeof(v->failure),
			 "no vmap_nodes, vmap_area_list or vmap_area_root symbol");
		return NULL;
	}
	if (err)
		return err;
	vmr_vmap_sort(&v->res);
	if (v->res.incomplete)
		vmr_layout_warn(&k->layout, "vmap areas (%s): %s; %zu areas kept", v->method,
				v->res.warning, v->res.n);
	if (v->res.vm_unread)
		vmr_layout_warn(&k->layout, "vmap areas: %u vm_struct not readable",
				v->res.vm_unread);
	return NULL;
}

/* The index of @p k, built on first use; NULL only on out-of-memory. */
static struct vmr_vmap *get_index(struct vmr_kernel *k)
{
	struct vmr_owners *o = vmr_owners_get(k);
	if (!o)
		return NULL;
	if (o->vmap_tried)
		return o->vmap;
	o->vmap_tried = true;
	struct vmr_vmap *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	struct vmr_error *err = build(k, v);
	if (err) {
		vmr_error_free(err);
		vmr_vmap_result_free(&v->res);
		free(v);
		return NULL;
	}
	o->vmap = v;
	return v;
}

const struct vmr_vmap_area *vmr_vmap_lookup(struct vmr_kernel *k, uint64_t addr)
{
	struct vmr_vmap *v = get_index(k);
	if (!v)
		return NULL;
	return vmr_vmap_find(v->res.areas, v->res.n, addr, NULL);
}

size_t vmr_vmap_areas(struct vmr_kernel *k, const struct vmr_vmap_area **areas,
		      bool *incomplete)
{
	struct vmr_vmap *v = get_index(k);
	*areas = v ? v->res.areas : NULL;
	if (incomplete)
		*incomplete = !v || v->res.incomplete;
	return v ? v->res.n : 0;
}

/* The area's caller, flags and pages into @p out (start/end left alone). */
static void fill_area(struct vmr_kernel *k, const struct vmr_vmap_area *a, struct vmr_owner *out)
{
	vmr_vmap_flags_text(a, out->flags_text, sizeof(out->flags_text));
	if (!a->has_vm)
		return;
	out->flags = a->flags;
	out->nr_pages = a->nr_pages;
	if (a->has_requested_size)
		out->requested_size = a->requested_size;
	if (a->flags & VM_IOREMAP) {
		out->has_phys_addr = true;
		out->phys_addr = a->phys_addr;
	}
	if (a->caller) {
		out->has_caller = true;
		out->caller_addr = a->caller;
		if (!vmr_owner_format_symbol(k, a->caller, out->caller, sizeof(out->caller)))
			snprintf(out->caller, sizeof(out->caller), "0x%" PRIx64, a->caller);
	}
}

struct vmr_error *vmr_owner_vmalloc(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				    struct vmr_owner *out)
{
	uint64_t addr = info->addr;
	struct vmr_vmap *v = get_index(k);
	if (!vmr_owners_get(k))
		return vmr_error_new(VMR_ERR_NOMEM, "vmap areas: out of memory");
	const struct vmr_vmap_area *a = NULL;
	size_t near = SIZE_MAX;
	if (v)
		a = vmr_vmap_find(v->res.areas, v->res.n, addr, &near);
	if (vmr_owner_find_stack(k, addr, out)) {
		/* A stack inside a vmap area: the stack range stays in start/end. */
		if (a) {
			out->area_start = a->va_start;
			out->area_end = a->va_end;
			fill_area(k, a, out);
		}
		return NULL;
	}
	if (!v) {
		vmr_owner_none(out, "vmap areas unknown (out of memory)");
		return NULL;
	}
	if (!v->res.n && v->failure[0]) {
		vmr_owner_none(out, "vmap areas unknown: %s", v->failure);
		return NULL;
	}
	if (a) {
		out->kind = VMR_OWNER_VMALLOC;
		out->start = a->va_start;
		out->end = a->va_end;
		out->offset = addr - a->va_start;
		fill_area(k, a, out);
		return NULL;
	}
	if (v->res.incomplete) {
		vmr_owner_none(out, "in none of the %zu vmap areas read (%s stopped early: %s)",
			       v->res.n, v->method, v->res.warning);
		return NULL;
	}
	if (near != SIZE_MAX) {
		const struct vmr_vmap_area *n = &v->res.areas[near];
		vmr_owner_none(out, "not in any vmap area (nearest 0x%" PRIx64 "-0x%" PRIx64 ", %s)",
			       n->va_start, n->va_end, n->va_end <= addr ? "below" : "above");
		return NULL;
	}
	vmr_owner_none(out, "not in any vmap area (%s holds none)", v->method);
	return NULL;
}
