/* SPDX-License-Identifier: MIT */
/* Every symbol of every loaded module (mod->kallsyms), sorted by address
 * per module, with the part it lies in as its type. */
#include "owner/modules.h"

#include <stdlib.h>

#include "common/error.h"
#include "common/sort.h"

struct sym_ref {
	uint64_t value;
	uint32_t name;
	int part;
};

static int by_value(const void *a, const void *b)
{
	const struct sym_ref *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static char part_type(int part)
{
	switch (part) {
	case VMR_MOD_TEXT:
	case VMR_MOD_INIT_TEXT:
		return 't';
	case VMR_MOD_RODATA:
	case VMR_MOD_RO_AFTER_INIT:
	case VMR_MOD_INIT_RODATA:
		return 'r';
	default:
		return 'd';
	}
}

/* @return false if @p fn stopped the walk. */
static bool one_module(const struct vmr_module *mod, struct sym_ref *refs, vmr_symbol_fn fn,
		       void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; i < mod->nsyms; i++) {
		int p = vmr_module_part_of(mod, mod->syms[i].value);
		if (p >= 0 && mod->syms[i].name < mod->strtab_len)
			refs[n++] = (struct sym_ref){ mod->syms[i].value, mod->syms[i].name, p };
	}
	vmr_sort(refs, n, sizeof(*refs), by_value);
	for (size_t i = 0; i < n; i++) {
		uint64_t end = mod->part[refs[i].part].base + mod->part[refs[i].part].size;
		for (size_t j = i + 1; j < n; j++)
			if (refs[j].value > refs[i].value) {
				if (refs[j].value < end)
					end = refs[j].value;
				break;
			}
		struct vmr_symbol s = {
			.name = mod->strtab + refs[i].name,
			.addr = refs[i].value,
			.size = end - refs[i].value,
			.type = part_type(refs[i].part),
			.module = mod->name,
		};
		if (!fn(&s, ctx))
			return false;
	}
	return true;
}

struct vmr_error *vmr_module_symbols(struct vmr_kernel *k, vmr_symbol_fn fn, void *ctx)
{
	const struct vmr_modules *m = vmr_modules_get(k);
	if (!m)
		return &vmr_enomem;
	if (m->unusable)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "modules unknown: %s", m->why);
	size_t most = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->mods[i].nsyms > most)
			most = m->mods[i].nsyms;
	struct sym_ref *refs = malloc((most ? most : 1) * sizeof(*refs));
	if (!refs)
		return &vmr_enomem;
	for (size_t i = 0; i < m->n; i++)
		if (!one_module(&m->mods[i], refs, fn, ctx))
			break;
	free(refs);
	return NULL;
}
