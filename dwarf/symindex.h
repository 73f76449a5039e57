/* SPDX-License-Identifier: MIT */
/**
 * @file symindex.h  The two indexes of a kernel symbol table, shared by the
 * vmlinux .symtab (vmlinux.c) and the in-memory kallsyms (kallsyms.c):
 * name -> symbol (open addressing over name hashes) and address -> symbol
 * (a sorted array searched the way the kernel's get_symbol_pos() does).
 * Internal.
 *
 * The symbols stay with their owner, known here by number (0..n-1); the
 * index asks the owner, through callbacks, only when two hashes are equal:
 * are these the same name, which one wins.  Hashes are polynomial
 * (h = h * VMR_SYMHASH_MUL + c), so kallsyms can hash a name from its
 * compressed tokens without expanding it (vmr_symhash_concat()).
 */
#ifndef VMR_DWARF_SYMINDEX_H
#define VMR_DWARF_SYMINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmregion/error.h>

#define VMR_SYMHASH_MUL 0x01000193u /* odd; the FNV prime */

/** Hash of @p len bytes at @p s, continuing from @p h (start at 0). */
static inline uint32_t vmr_symhash_bytes(uint32_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = h * VMR_SYMHASH_MUL + (uint8_t)s[i];
	return h;
}

/** Hash of a C string. */
static inline uint32_t vmr_symhash(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++)
		h = h * VMR_SYMHASH_MUL + (uint8_t)*s;
	return h;
}

/**
 * Hash of the concatenation a + b from the hash of @p a, the hash of @p b
 * and VMR_SYMHASH_MUL to the power len(b) (@p mul_b).
 */
static inline uint32_t vmr_symhash_concat(uint32_t ha, uint32_t hb, uint32_t mul_b)
{
	return ha * mul_b + hb;
}

/* ------------------------------------------------------------ by name */

/** Do symbols @p a and @p b have the same name (their hashes are equal)? */
typedef bool (*vmr_sym_same_fn)(void *ctx, uint32_t a, uint32_t b);
/** Does symbol @p a win a name lookup over @p b (b came first)? */
typedef bool (*vmr_sym_wins_fn)(void *ctx, uint32_t a, uint32_t b);
/** Is @p name the name of symbol @p i? */
typedef bool (*vmr_sym_is_fn)(void *ctx, uint32_t i, const char *name);

struct vmr_symnames {
	struct vmr_symslot {
		uint32_t hash;
		uint32_t sym;   /**< UINT32_MAX: empty */
	} *slot;
	size_t mask;
};

/**
 * Index @p n symbols by name; @p hash[i] = vmr_symhash(name of i).  With
 * several symbols of one name, the first (lowest number) is kept unless a
 * later one wins by @p wins (NULL: the first always stays).
 * @return NULL or &vmr_enomem.
 */
struct vmr_error *vmr_symnames_build(struct vmr_symnames *t, size_t n, const uint32_t *hash,
				     vmr_sym_same_fn same, vmr_sym_wins_fn wins, void *ctx);

/** The symbol named @p name, checked by @p is.  @return false if none. */
bool vmr_symnames_find(const struct vmr_symnames *t, const char *name, vmr_sym_is_fn is,
		       void *ctx, uint32_t *sym);

void vmr_symnames_free(struct vmr_symnames *t);

/* --------------------------------------------------------- by address */

/** Order of two symbols at the same address (<0: @p a first). */
typedef int (*vmr_sym_tie_fn)(void *ctx, uint32_t a, uint32_t b);

struct vmr_symaddrs {
	struct vmr_symaddr {
		uint64_t addr;
		uint32_t sym;
	} *e;          /**< ascending address; ties by the tie function */
	size_t n;
};

/**
 * Index the symbols @p syms[0..n) (a subset, any order) at @p addr[sym] by
 * address.  At equal addresses @p tie decides (NULL: lower number first).
 * @return NULL or &vmr_enomem.
 */
struct vmr_error *vmr_symaddrs_build(struct vmr_symaddrs *t, const uint64_t *addr,
				     const uint32_t *syms, size_t n, vmr_sym_tie_fn tie,
				     void *ctx);

/**
 * Over @p n addresses in ascending order, read through @p at: the first
 * position of the highest address at or below @p addr (the kernel's
 * get_symbol_pos()), and the distance from it to the next higher address
 * (UINT64_MAX when there is none).  Inline, so that each caller's @p at is.
 * @return false if every address is above @p addr.
 */
static inline bool vmr_symsearch(size_t n, uint64_t (*at)(void *ctx, size_t i), void *ctx,
				 uint64_t addr, size_t *pos, uint64_t *gap)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (at(ctx, mid) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	uint64_t sa = at(ctx, lo - 1);
	/* The first of the addresses equal to sa: a binary search too, since a
	 * corrupt table can hold millions of equal addresses. */
	size_t i = 0, j = lo - 1;
	while (i < j) {
		size_t mid = i + (j - i) / 2;
		if (at(ctx, mid) < sa)
			i = mid + 1;
		else
			j = mid;
	}
	*pos = i;
	*gap = lo < n ? at(ctx, lo) - sa : UINT64_MAX;
	return true;
}

/** vmr_symsearch() over the index: @p pos is a position in t->e. */
bool vmr_symaddrs_find(const struct vmr_symaddrs *t, uint64_t addr, size_t *pos,
		       uint64_t *gap);

void vmr_symaddrs_free(struct vmr_symaddrs *t);

#endif
