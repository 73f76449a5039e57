/* SPDX-License-Identifier: MIT */
/*
 * Region bases from kernel structures VMCOREINFO locates, without any
 * symbol table (x86_64-layout.md §2.4(d)): vmemmap_base from mem_section,
 * vmalloc_base from the vmap area list.  Each result is checked for the
 * 1 GiB alignment every randomized base has (§2.2).
 */
#include "region/kernel-priv.h"

#include <stdlib.h>

#include "common/bytes.h"
#include "common/error.h"

#define GIB (1ULL << 30)
#define PAGE 4096u
/* Kernel half of 4- and 5-level paging; bases lie below cpu_entry_area. */
#define KERNEL_HALF_L5 0xff00000000000000ULL
#define CPU_ENTRY_AREA 0xfffffe0000000000ULL
/* section_mem_map flag bits (PRESENT .. TAINT_ZONE_DEVICE and later). */
#define SECTION_HAS_MEM_MAP 0x2ULL
#define SECTION_FLAGS 0x3fULL
/* Roots looked at before giving up (empty ones are memory holes). */
#define MAX_ROOTS 64u

static bool plausible_base(uint64_t v)
{
	return v >= KERNEL_HALF_L5 && v < CPU_ENTRY_AREA && !(v & (GIB - 1));
}

static bool read_u64(struct vmr_kernel *k, uint64_t va, uint64_t *out)
{
	struct vmr_error *err = vmr_kernel_read(k, va, out, sizeof(*out));
	vmr_error_free(err);
	return !err;
}

bool vmr_vmemmap_from_mem_section(struct vmr_kernel *k, uint64_t *out)
{
	const struct vmr_vmcoreinfo *vi = k->vmcoreinfo;
	uint64_t ms, size, off, roots;
	if (!vi || !vmr_vmcoreinfo_symbol(vi, "mem_section", &ms) ||
	    !vmr_vmcoreinfo_size(vi, "mem_section", &size) ||
	    !vmr_vmcoreinfo_offset(vi, "mem_section.section_mem_map", &off) ||
	    !vmr_vmcoreinfo_length(vi, "mem_section", &roots) || size < 8 || size > PAGE ||
	    off > size - 8)
		return false;
	/* SPARSEMEM_EXTREME (every x86_64 distro kernel): the value is the
	 * array of roots, each a page of sections, allocated at boot (direct
	 * map); otherwise the static two-level array in the image. */
	bool extreme = ms < VMR_START_KERNEL_MAP;
	unsigned char *page = malloc(PAGE);
	if (!page)
		return false;
	bool found = false;
	for (uint64_t r = 0; !found && r < roots && r < MAX_ROOTS; r++) {
		uint64_t root = ms + r * PAGE;
		if (extreme && !read_u64(k, ms + 8 * r, &root))
			break;
		struct vmr_error *err = root ? vmr_kernel_read(k, root, page, PAGE) : NULL;
		if (!root || err) {
			vmr_error_free(err);
			continue;
		}
		for (size_t s = 0; s + size <= PAGE; s += size) {
			uint64_t map = vmr_le64(page + s + off);
			if (!(map & SECTION_HAS_MEM_MAP))
				continue;
			/* mem_map - first pfn of the section = vmemmap (VMEMMAP) */
			found = plausible_base(map & ~SECTION_FLAGS);
			if (found)
				*out = map & ~SECTION_FLAGS;
			break; /* one section decides */
		}
		break; /* the first root with sections decides */
	}
	free(page);
	return found;
}

bool vmr_vmalloc_from_vmap_list(struct vmr_kernel *k, uint64_t *out)
{
	const struct vmr_vmcoreinfo *vi = k->vmcoreinfo;
	uint64_t head, list_off, start_off, next;
	if (!vi || !vmr_vmcoreinfo_symbol(vi, "vmap_area_list", &head) ||
	    !vmr_vmcoreinfo_offset(vi, "vmap_area.list", &list_off) ||
	    !vmr_vmcoreinfo_offset(vi, "vmap_area.va_start", &start_off) ||
	    !read_u64(k, head, &next) || next == head || next < list_off)
		return false;
	/* The list is in address order (mm/vmalloc.c keeps it sorted): its
	 * first area is the lowest, and the allocator starts at VMALLOC_START,
	 * where the early, never-freed areas (IRQ stacks, ...) lie. */
	uint64_t start;
	if (!read_u64(k, next - list_off + start_off, &start))
		return false;
	uint64_t base = start & ~(GIB - 1);
	if (!plausible_base(base))
		return false;
	*out = base;
	return true;
}
