/* SPDX-License-Identifier: MIT */
/**
 * @file slab.h  Slab and struct page walks over a read callback (owner/
 * only), so that they run on synthetic memory in the unit tests.
 *
 * The glue in slab.c and page.c resolves the offsets below once per kernel
 * from VMCOREINFO / vmlinux / BTF (region/types.h); the walks only read.
 * Layouts: x86_64-layout.md §3.3 (page types), §5 (vmemmap), §7.8 (slab).
 */
#ifndef VMR_OWNER_SLAB_H
#define VMR_OWNER_SLAB_H

#include <stdbool.h>
#include <stdint.h>

#include "common/memory.h"

/** Largest struct page we accept (64 on common configs, debug options grow it). */
#define VMR_MAX_STRUCT_PAGE 512
/** A head page is at most this many pfns below its tail (1 GiB folio). */
#define VMR_MAX_COMPOUND_PAGES (1u << 18)
/** objects is a 15-bit field of struct slab. */
#define VMR_SLAB_MAX_OBJECTS 32767u
/** kmem_cache.size sanity bound (SLUB orders stay far below this). */
#define VMR_SLAB_MAX_SIZE (64u << 20)

/** How to tell a slab page (detected by VMCOREINFO key / type member). */
enum vmr_slab_test {
	VMR_SLAB_TEST_NONE,   /**< unknown: no slab lookups */
	VMR_SLAB_TEST_FLAG,   /**< page flag PG_slab on the head page (k6.1) */
	VMR_SLAB_TEST_TYPE,   /**< (page_type >> 24) == PGTY_slab (k6.12) */
	VMR_SLAB_TEST_TYPE_BIT, /**< page_type bit PG_slab cleared under PAGE_TYPE_BASE
				     (PAGE_SLAB_MAPCOUNT_VALUE = ~PG_slab, before PGTY) */
};

/** Offsets and values the walks need; filled by vmr_slab_layout_resolve(). */
struct vmr_slab_layout {
	/* struct page and vmemmap */
	uint64_t vmemmap_base;
	uint64_t page_offset_base;
	uint64_t max_pfn;              /**< one past the last pfn; 0 = unknown */
	uint64_t page_size;            /**< SIZE(page) */
	uint64_t off_flags;            /**< OFFSET(page.flags) */
	uint64_t off_compound_head;    /**< OFFSET(page.compound_head) */
	uint64_t off_page_type;        /**< OFFSET(page._mapcount) = page_type */
	enum vmr_slab_test test;
	uint64_t slab_flag_mask;       /**< FLAG: 1 << NUMBER(PG_slab) */
	uint32_t slab_type;            /**< TYPE: PGTY_slab (0xf5); TYPE_BIT: PG_slab bit */
	/* struct slab (5.17+) or struct page (older) */
	uint64_t off_slab_cache;
	uint64_t off_freelist;
	uint64_t off_counters;         /**< word holding inuse:16 objects:15 frozen:1 */
	/* struct kmem_cache */
	uint64_t off_name, off_size, off_object_size, off_offset, off_red_left_pad;
	bool has_random;               /**< CONFIG_SLAB_FREELIST_HARDENED */
	uint64_t off_random;
	/* per-cpu slabs (optional: allocated known for frozen slabs) */
	bool has_cpu_slab;
	uint64_t off_cpu_slab;         /**< kmem_cache.cpu_slab (__percpu pointer) */
	uint64_t off_c_freelist;       /**< kmem_cache_cpu.freelist */
	uint64_t off_c_slab;           /**< kmem_cache_cpu.slab (or .page) */
	uint32_t nr_cpus;              /**< entries of percpu_offsets */
	uint64_t *percpu_offsets;      /**< __per_cpu_offset[0..nr_cpus) (owned) */
};

/** The head struct page of a slab and what struct slab says. */
struct vmr_slab_page {
	uint64_t pfn;                  /**< the pfn asked about */
	uint64_t head_pfn;
	uint64_t head_page;            /**< struct page/slab address of the head */
	uint64_t cache;                /**< slab_cache */
	uint64_t freelist;
	uint32_t inuse, objects;
	bool frozen;
	uint64_t base;                 /**< page_address(head): first object slot */
};

/** What is kept of a kmem_cache. */
struct vmr_kmem_cache {
	uint64_t addr;
	char name[64];
	uint32_t size, object_size, offset, red_left_pad;
	uint64_t random;
	uint64_t cpu_slab;
};

/** Result of vmr_slab_page_read(). */
enum vmr_slab_page_result {
	VMR_SLAB_PAGE_SLAB,            /**< a slab page: out filled */
	VMR_SLAB_PAGE_NOT_SLAB,        /**< a page, not a slab */
	VMR_SLAB_PAGE_UNREADABLE,      /**< a struct page is not in the dump */
	VMR_SLAB_PAGE_CORRUPT,         /**< compound_head or counters make no sense */
};

/**
 * Read the struct page of @p pfn, follow compound_head to the head page and
 * tell whether it is a slab; for a slab, read struct slab.
 * @param[out] why for UNREADABLE / CORRUPT: a one-line reason.
 */
enum vmr_slab_page_result vmr_slab_page_read(const struct vmr_slab_layout *l,
					     vmr_read_fn read, void *ctx, uint64_t pfn,
					     struct vmr_slab_page *out, char *why,
					     size_t why_size);

/**
 * Read the kmem_cache at @p addr and check its sizes.
 * @return false (with @p why) if unreadable or insane.
 */
bool vmr_kmem_cache_read(const struct vmr_slab_layout *l, vmr_read_fn read, void *ctx,
			 uint64_t addr, struct vmr_kmem_cache *out, char *why, size_t why_size);

/**
 * The object of @p slab holding @p addr, as the kernel's nearest_obj():
 * slot = (addr - base) / size clamped to objects - 1, object = base +
 * slot × size + red_left_pad (red_left_pad is non-zero only with
 * SLAB_RED_ZONE, mm/slub.c calculate_sizes()).
 * @return false if @p addr is not in the slab's pages.
 */
bool vmr_slab_object(const struct vmr_slab_page *slab, const struct vmr_kmem_cache *s,
		     uint64_t addr, uint64_t *object, uint32_t *index);

/** Decode a stored free pointer (CONFIG_SLAB_FREELIST_HARDENED, mm/slub.c freelist_ptr_decode). */
uint64_t vmr_slab_decode_free_ptr(const struct vmr_slab_layout *l,
				  const struct vmr_kmem_cache *s, uint64_t stored,
				  uint64_t ptr_addr);

/** Result of a freelist walk. */
enum vmr_freelist_result {
	VMR_FREELIST_FOUND,            /**< the object is on the list: free */
	VMR_FREELIST_NOT_FOUND,        /**< the whole list was walked */
	VMR_FREELIST_BROKEN,           /**< unreadable, out-of-slab pointer, cycle, too long */
};

/**
 * Walk the free list starting at @p head (an object address, 0 = empty)
 * looking for @p object.  Bounded by slab->objects; a pointer outside the
 * slab or off an object boundary, a repeated object or an unreadable free
 * pointer ends the walk as BROKEN.
 */
enum vmr_freelist_result vmr_slab_freelist_find(const struct vmr_slab_layout *l,
						vmr_read_fn read, void *ctx,
						const struct vmr_slab_page *slab,
						const struct vmr_kmem_cache *s, uint64_t head,
						uint64_t object);

/**
 * Whether @p object is allocated: free if on slab->freelist or, for a
 * frozen slab, on the freelist of the CPU whose kmem_cache_cpu.slab it is.
 * @return 1 allocated, 0 free, -1 unknown (broken list, missing memory,
 * per-cpu data unknown).
 */
int vmr_slab_object_allocated(const struct vmr_slab_layout *l, vmr_read_fn read, void *ctx,
			      const struct vmr_slab_page *slab, const struct vmr_kmem_cache *s,
			      uint64_t object);

/** Pages: the struct page member holding byte @p off of a struct page. */
struct vmr_page_field {
	const char *name;
	uint64_t off, size;
};

/**
 * Name the member(s) of struct page covering @p off: "flags",
 * "lru.next/compound_head", "_mapcount/page_type", ... joined with "/"
 * when union members overlap.  @return false (buf "") if none does.
 */
bool vmr_page_field_name(const struct vmr_page_field *fields, unsigned n, uint64_t off,
			 char *buf, size_t size);

/**
 * The pfn whose struct page holds the vmemmap address @p addr, and the
 * byte offset in it: pfn = (addr - vmemmap_base) / SIZE(page).
 * @return false if @p addr is below vmemmap_base or the pfn is at or
 * beyond l->max_pfn (when known), or SIZE(page) is unknown.
 */
bool vmr_page_of_struct_page(const struct vmr_slab_layout *l, uint64_t addr, uint64_t *pfn,
			     uint64_t *offset);

#endif
