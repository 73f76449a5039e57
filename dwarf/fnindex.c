/* SPDX-License-Identifier: MIT */
/* The concrete functions of each DWARF unit by address (fnindex.h). */
#include "dwarf/fnindex.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/sort.h"

/** Deepest nesting of scopes followed inside one function. */
#define FN_MAX_DEPTH 64
/** Most ranges indexed for one unit (a kernel unit has a few thousand). */
#define FN_MAX_RANGES (1u << 20)
/** Most units indexed (a vmlinux has a few thousand). */
#define FN_MAX_UNITS (1u << 16)

struct fn_range {
	uint64_t lo, hi;   /**< [lo, hi) */
	Dwarf_Off die;     /**< the DW_TAG_subprogram */
};

struct unit_fns {
	Dwarf_Off cu;      /**< offset of the unit DIE */
	struct fn_range *r;
	size_t n;
};

struct vmr_fnindex {
	struct unit_fns *units; /**< sorted by cu */
	size_t n, cap;
};

struct vmr_fnindex *vmr_fnindex_new(void)
{
	return calloc(1, sizeof(struct vmr_fnindex));
}

void vmr_fnindex_free(struct vmr_fnindex *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		free(x->units[i].r);
	free(x->units);
	free(x);
}

/* By start, then in DIE order: of two functions at one address (an alias
 * in assembly, SYM_FUNC_ALIAS), libdw's walk meets the first DIE first. */
static int cmp_range(const void *a, const void *b)
{
	const struct fn_range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->die != y->die ? (x->die < y->die ? -1 : 1) : 0;
}

/** Index the top-level functions of @p cudie into @p u. */
static bool index_unit(Dwarf_Die *cudie, struct unit_fns *u)
{
	size_t cap = 0;
	Dwarf_Die die;
	if (dwarf_child(cudie, &die) != 0)
		return true; /* an empty unit */
	do {
		if (dwarf_tag(&die) != DW_TAG_subprogram)
			continue;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		while ((off = dwarf_ranges(&die, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			if (u->n == cap && cap >= FN_MAX_RANGES)
				return false;
			struct fn_range *r = vmr_grow(u->r, u->n, &cap, sizeof(*r), 256);
			if (!r)
				return false;
			u->r = r;
			u->r[u->n++] = (struct fn_range){ lo, hi, dwarf_dieoffset(&die) };
		}
	} while (dwarf_siblingof(&die, &die) == 0);
	vmr_sort(u->r, u->n, sizeof(*u->r), cmp_range); /* u->r NULL: no ranges */
	return true;
}

/** The index of @p cudie's unit, built on first use; NULL without memory. */
static struct unit_fns *unit(struct vmr_fnindex *x, Dwarf_Die *cudie)
{
	Dwarf_Off cu = dwarf_dieoffset(cudie);
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->units[mid].cu < cu)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->n && x->units[lo].cu == cu)
		return &x->units[lo];
	if (x->n == x->cap && x->cap >= FN_MAX_UNITS)
		return NULL;
	struct unit_fns *grown = vmr_grow(x->units, x->n, &x->cap, sizeof(*grown), 64);
	if (!grown)
		return NULL;
	x->units = grown;
	struct unit_fns nu = { .cu = cu };
	if (!index_unit(cudie, &nu)) {
		free(nu.r);
		return NULL;
	}
	memmove(&x->units[lo + 1], &x->units[lo], (x->n - lo) * sizeof(*x->units));
	x->units[lo] = nu;
	x->n++;
	return &x->units[lo];
}

/** The indexed function holding @p addr, or NULL. */
static const struct fn_range *find(const struct unit_fns *u, uint64_t addr)
{
	size_t lo = 0, hi = u->n;
	while (lo < hi) { /* the first range starting after addr */
		size_t mid = (lo + hi) / 2;
		if (u->r[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	size_t i = lo - 1; /* the first of the functions starting there */
	while (i && u->r[i - 1].lo == u->r[lo - 1].lo)
		i--;
	for (; i < lo; i++)
		if (addr < u->r[i].hi)
			return &u->r[i];
	return NULL;
}

static bool is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

int vmr_fnindex_scopes(struct vmr_fnindex *x, Dwarf_Die *cudie, uint64_t addr,
		       Dwarf_Die **out)
{
	*out = NULL;
	struct unit_fns *u = x ? unit(x, cudie) : NULL;
	if (!u)
		return -1;
	const struct fn_range *f = find(u, addr);
	if (!f)
		return 0;
	Dwarf_Die chain[FN_MAX_DEPTH];
	if (!dwarf_offdie(dwarf_cu_getdwarf(cudie->cu), f->die, &chain[0]))
		return -1;
	/* Down the function: at each level the child whose ranges hold addr. */
	int n = 1;
	while (n < FN_MAX_DEPTH) {
		Dwarf_Die child;
		bool down = false;
		if (dwarf_child(&chain[n - 1], &child) == 0) {
			do {
				if (dwarf_haspc(&child, addr) == 1) {
					chain[n++] = child;
					down = true;
					break;
				}
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		if (!down)
			break;
	}
	int k = n - 1; /* the innermost function (chain[0] is one) */
	while (k > 0 && !is_function(&chain[k]))
		k--;
	Dwarf_Die *s = malloc((size_t)(k + 1) * sizeof(*s));
	if (!s)
		return -1;
	for (int i = 0; i <= k; i++)
		s[i] = chain[k - i];
	*out = s;
	return k + 1;
}
