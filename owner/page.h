/* SPDX-License-Identifier: MIT */
/**
 * @file page.h  Per-kernel facts shared by the page and slab owners
 * (owner/ only): the struct page layout, the struct page field table, the
 * slab layout and the kmem_caches already read.  Hung off struct
 * vmr_owners.slab, built lazily, freed by vmr_owners_free_slab().
 */
#ifndef VMR_OWNER_PAGE_H
#define VMR_OWNER_PAGE_H

#include "owner/owner-priv.h"
#include "owner/slab.h"

/** kmem_caches kept per kernel (open addressing; a power of two). */
#define VMR_SLAB_CACHE_SLOTS 512u
/** struct page members named for vmemmap addresses. */
#define VMR_PAGE_MAX_FIELDS 16

struct vmr_slab_cache_slot {
	int state;                     /**< 0 empty, 1 good, 2 unusable (why) */
	struct vmr_kmem_cache c;
	char why[96];
};

struct vmr_slab_info {
	/* page.c: vmemmap_base, page_offset_base, max_pfn, page_size of pl */
	bool page_tried, page_ok;
	char page_why[128];
	struct vmr_slab_layout pl;
	bool fields_tried;
	struct vmr_page_field fields[VMR_PAGE_MAX_FIELDS];
	unsigned nfields;
	/* slab.c */
	bool slab_tried, slab_ok;
	char why[160];
	struct vmr_slab_layout l;
	struct vmr_slab_cache_slot caches[VMR_SLAB_CACHE_SLOTS];
	struct vmr_kmem_cache scratch;
	bool slab_fields_tried;
	struct vmr_page_field slab_fields[VMR_PAGE_MAX_FIELDS];
	unsigned nslab_fields;
};

/** The shared facts of @p k (allocated on first call; NULL on OOM). */
struct vmr_slab_info *vmr_slab_info_get(struct vmr_kernel *k);

/**
 * Fill si->pl's vmemmap_base, page_offset_base, max_pfn and page_size
 * from the layout (once).  @return false (si->page_why) if vmemmap or
 * SIZE(page) are unknown.
 */
bool vmr_page_layout(struct vmr_kernel *k, struct vmr_slab_info *si);

/**
 * For a vmemmap address in the struct page of @p pfn: when that page is the
 * head of a slab, name the struct slab member at @p off ("slab_cache",
 * "freelist", "counters", ...) in @p buf.  @return false if the page is no
 * slab head (or slabs cannot be read): the caller names struct page members.
 */
bool vmr_slab_struct_field(struct vmr_kernel *k, uint64_t pfn, uint64_t off, char *buf,
			   size_t size);

#endif
