/* SPDX-License-Identifier: MIT */
/** @file symindex.c  Name and address indexes of a symbol table (symindex.h). */
#define _GNU_SOURCE /* qsort_r */
#include "dwarf/symindex.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* The low bits of a polynomial hash are weak (bit 0 is the parity of the
 * bytes): mix before taking a slot (murmur3's finalizer). */
static size_t slot_of(uint32_t h, size_t mask)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & mask;
}

struct vmr_error *vmr_symnames_build(struct vmr_symnames *t, size_t n, const uint32_t *hash,
				     vmr_sym_same_fn same, vmr_sym_wins_fn wins, void *ctx)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	t->slot = malloc(cap * sizeof(*t->slot));
	if (!t->slot)
		return &vmr_enomem;
	memset(t->slot, 0xff, cap * sizeof(*t->slot));
	t->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t h = hash[i];
		for (size_t s = slot_of(h, t->mask);; s = (s + 1) & t->mask) {
			struct vmr_symslot *e = &t->slot[s];
			if (e->sym == UINT32_MAX) {
				*e = (struct vmr_symslot){ h, (uint32_t)i };
				break;
			}
			if (e->hash == h && same(ctx, e->sym, (uint32_t)i)) {
				if (wins && wins(ctx, (uint32_t)i, e->sym))
					e->sym = (uint32_t)i;
				break;
			}
		}
	}
	return NULL;
}

bool vmr_symnames_find(const struct vmr_symnames *t, const char *name, vmr_sym_is_fn is,
		       void *ctx, uint32_t *sym)
{
	if (!t->slot)
		return false;
	uint32_t h = vmr_symhash(name);
	for (size_t s = slot_of(h, t->mask);; s = (s + 1) & t->mask) {
		const struct vmr_symslot *e = &t->slot[s];
		if (e->sym == UINT32_MAX)
			return false;
		if (e->hash == h && is(ctx, e->sym, name)) {
			*sym = e->sym;
			return true;
		}
	}
}

void vmr_symnames_free(struct vmr_symnames *t)
{
	free(t->slot);
	t->slot = NULL;
}

struct tie_ctx {
	vmr_sym_tie_fn tie;
	void *ctx;
};

static int cmp_addr(const void *a, const void *b, void *arg)
{
	const struct vmr_symaddr *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	const struct tie_ctx *tc = arg;
	if (tc->tie) {
		int c = tc->tie(tc->ctx, x->sym, y->sym);
		if (c)
			return c;
	}
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

/*
 * Stable LSD radix sort on the address, a byte at a time, skipping the
 * bytes every address shares (a kernel's addresses differ in 4 or 5 of
 * them): a few linear passes where qsort made ~n log n calls.
 */
static struct vmr_error *radix_sort(struct vmr_symaddr *e, size_t n)
{
	struct vmr_symaddr *tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return &vmr_enomem;
	struct vmr_symaddr *src = e, *dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[(src[i].addr >> shift) & 0xff]++;
		if (count[(src[0].addr >> shift) & 0xff] == n)
			continue;
		size_t pos = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].addr >> shift) & 0xff]++] = src[i];
		struct vmr_symaddr *t = src;
		src = dst;
		dst = t;
	}
	if (src != e)
		memcpy(e, src, n * sizeof(*e));
	free(tmp);
	return NULL;
}

struct vmr_error *vmr_symaddrs_build(struct vmr_symaddrs *t, const uint64_t *addr,
				     const uint32_t *syms, size_t n, vmr_sym_tie_fn tie,
				     void *ctx)
{
	t->e = malloc((n ? n : 1) * sizeof(*t->e));
	if (!t->e)
		return &vmr_enomem;
	t->n = n;
	struct tie_ctx tc = { tie, ctx };
	bool sorted = true;
	for (size_t i = 0; i < n; i++) {
		t->e[i] = (struct vmr_symaddr){ addr[syms[i]], syms[i] };
		if (i && sorted)
			sorted = cmp_addr(&t->e[i - 1], &t->e[i], &tc) < 0;
	}
	/* kallsyms is in address order already: no sort then. */
	if (sorted || n < 2)
		return NULL;
	struct vmr_error *err = radix_sort(t->e, n);
	if (err)
		return err;
	/* Then each run of equal addresses in tie order (runs are short). */
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && t->e[j].addr == t->e[i].addr)
			j++;
		if (j - i > 1)
			qsort_r(t->e + i, j - i, sizeof(*t->e), cmp_addr, &tc);
		i = j;
	}
	return NULL;
}

static uint64_t entry_addr(void *ctx, size_t i)
{
	const struct vmr_symaddrs *t = ctx;
	return t->e[i].addr;
}

bool vmr_symaddrs_find(const struct vmr_symaddrs *t, uint64_t addr, size_t *pos,
		       uint64_t *gap)
{
	return vmr_symsearch(t->n, entry_addr, (void *)t, addr, pos, gap);
}

void vmr_symaddrs_free(struct vmr_symaddrs *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
}
