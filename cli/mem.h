/* SPDX-License-Identifier: MIT */
/**
 * @file mem.h  Word-by-word annotation of kernel memory (`vmregion mem`):
 * a sweep that reads big chunks and reports pages not in the dump as gaps,
 * the annotation of one word (cached per object, area or page), return
 * addresses, and the counts of a --summary.
 */
#ifndef VMR_CLI_MEM_H
#define VMR_CLI_MEM_H

#include <vmregion/vmregion.h>

#include "cli/describe.h"

/* ---------------------------------------------------------------------- */
/* The sweep: data pieces and gaps, in address order                       */

/** Why a piece of the range could not be read. */
enum mem_gap_kind {
	MEM_GAP_NONE,      /**< data */
	MEM_GAP_UNMAPPED,  /**< no translation (or a page table not in the dump) */
	MEM_GAP_MISSING,   /**< mapped, but the page is not in the dump (filtered) */
};

/** One piece of a sweep: bytes read, or a gap. */
struct mem_piece {
	uint64_t addr, len;
	enum mem_gap_kind gap;
	const uint8_t *data;  /**< len bytes (gap NONE); valid until the next call */
};

/** A sweep over [pos, end) of kernel virtual memory, 8-byte aligned. */
struct mem_sweep {
	struct vmr_kernel *k;
	uint64_t pos, end;
	uint8_t *buf;
	size_t bufsize;
	struct mem_piece pending; /**< a gap not yet handed out (merging) */
	bool has_pending;
	struct mem_piece held;    /**< data read behind that gap, handed out next */
	bool has_held;
};

/** Start a sweep of [@p start, @p end). @return false on out of memory. */
bool mem_sweep_init(struct mem_sweep *s, struct vmr_kernel *k, uint64_t start, uint64_t end);
/** The next piece (gaps merged). @return false at the end. */
bool mem_sweep_next(struct mem_sweep *s, struct mem_piece *p);
void mem_sweep_free(struct mem_sweep *s);
/** "not in the dump" / "not mapped". */
const char *mem_gap_text(enum mem_gap_kind g);

/* ---------------------------------------------------------------------- */
/* Annotation                                                              */

struct mem_cache_entry;

/** What annotation needs, per kernel: the layout and the owner cache. */
struct mem_annot {
	struct vmr_kernel *k;
	const struct vmr_layout *l;
	uint64_t kmin;              /**< below: never a kernel pointer */
	const struct vmr_region *last; /**< row of the last classification */
	struct mem_cache_entry *cache;
	struct description *scratch;   /**< a description not cached */
	struct description *ret;       /**< mem_describe_return()'s answer */
	uint64_t lookups, hits;     /**< owner lookups and cache hits (for tuning) */
};

bool mem_annot_init(struct mem_annot *a, struct vmr_kernel *k);
void mem_annot_free(struct mem_annot *a);

/** @return true if @p id is a region whose addresses are annotated. */
bool mem_region_annotated(enum vmr_region_id id);

/**
 * Classify @p v cheaply.  @return true (with *@p region) when @p v points
 * into a region that is annotated; user addresses, small integers,
 * non-canonical values and holes are not.
 */
static inline bool mem_pointer_region(struct mem_annot *a, uint64_t v, enum vmr_region_id *region)
{
	if (v < a->kmin)
		return false;
	const struct vmr_region *r = a->last;
	if (!r || v < r->start || v > r->end) {
		struct vmr_addrinfo info;
		vmr_classify(a->l, v, &info);
		if (!info.row)
			return false;
		a->last = r = info.row;
	}
	*region = r->id;
	return mem_region_annotated(r->id);
}

/**
 * Describe @p v exactly as describe() does (`vmregion addr`), reusing the
 * owner of an earlier value in the same object, area or page.
 * @return the description, valid until the next call.
 */
const struct description *mem_describe(struct mem_annot *a, uint64_t v);

/** How a word on a stack is marked. */
enum mem_mark {
	MEM_MARK_NONE,
	MEM_MARK_TEXT,   /**< points into kernel or module text */
	MEM_MARK_RET,    /**< ... right after a call instruction: a return address */
	MEM_MARK_FRAME,  /**< a return address the unwinder used (unwind/) */
};
/** "", "text", "ret", "frame". */
const char *mem_mark_name(enum mem_mark m);
/** Text or return address? (@p d describes @p v). */
enum mem_mark mem_mark_of(struct mem_annot *a, uint64_t v, const struct description *d);
/**
 * @p v as a return address, the way the kernel prints one (%pB): the
 * function of the call (v - 1) with the offset of @p v, so that the return
 * of a noreturn call at a function's very end is named after that function,
 * not the next one.  @p d describes @p v; it is returned when v - 1 has no
 * symbol.  @return valid until the next call.
 */
const struct description *mem_describe_return(struct mem_annot *a, uint64_t v,
					       const struct description *d);
/** @return true if the @p len bytes ending at @p end end with a call instruction. */
bool mem_code_ends_with_call(const uint8_t *end, size_t len);

/* ---------------------------------------------------------------------- */
/* Summary                                                                 */

struct mem_label;

/** Counts over a range. */
struct mem_summary {
	bool owners;                 /**< count owners too (else regions only) */
	uint64_t bytes, words, zero, other, pointers;
	uint64_t gaps, gap_bytes;
	uint64_t region[VMR_REGION__COUNT];
	struct mem_label *labels;    /**< open-addressing table of owner labels */
	size_t nlabels, cap;
};

bool mem_summary_init(struct mem_summary *s, bool owners);
void mem_summary_free(struct mem_summary *s);
/** Count the words of @p n bytes at @p data (8-byte aligned length). */
void mem_summary_add(struct mem_summary *s, struct mem_annot *a, const uint8_t *data, size_t n);
/** Short label of an owner for the top-owners table ("slab kmalloc-256"). */
void mem_owner_label(const struct description *d, char *buf, size_t size);
/** The @p max most frequent labels, most frequent first. @return how many. */
size_t mem_summary_top(const struct mem_summary *s, size_t max, const char **label,
		       uint64_t *count);

#endif
