/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the module list walk (owner/modules.c vmr_modules_walk) and
 * the lookups on its index, on arbitrary kernel memory.  Input: a 16-byte
 * header (flags: bit 0 wrap every address into the memory, bit 1 the <= 6.3
 * core/init layout instead of mem[]; the offset of the list head), then the
 * memory.  The struct layouts are those of tests/unit/test_owner_modules.c.
 * Seeds: lists written like that test writes them.
 */
#include "owner/modules.h"

#include "fuzz.h"

#define VBASE 0xffffffffc1000000ull

static struct vmr_module_offsets offsets(int mem_layout)
{
	struct vmr_module_offsets o;
	memset(&o, 0xff, sizeof(o));
	o.struct_size = 0x100;
	o.list = 0x08;
	o.name = 0x18;
	o.state = 0x00;
	o.kallsyms = 0xc0;
	o.percpu = 0xc8;
	o.percpu_size = 0xd0;
	o.has_mem = mem_layout;
	if (mem_layout) {
		o.mem = 0x50;
		o.mem_stride = 0x10;
		o.mem_base = 0;
		o.mem_size = 8;
		o.mem_count = 7;
		for (unsigned i = 0; i < VMR_MOD_PART__COUNT; i++)
			o.mem_index[i] = i;
	} else {
		o.core_layout = 0x50;
		o.init_layout = 0x68;
		o.lay_base = 0;
		o.lay_size = 8;
		o.lay_text_size = 0xc;
		o.lay_ro_size = 0x10;
		o.lay_ro_after_init_size = 0x14;
	}
	o.ks_symtab = 0;
	o.ks_num_symtab = 8;
	o.ks_strtab = 0x10;
	o.ks_typetab = 0x18;
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= 16)
		return 0;
	struct fuzz_in in = { data, 16 };
	uint64_t flags = fuzz_take(&in, 4);
	uint64_t head = VBASE + fuzz_take(&in, 4);
	uint64_t probe = fuzz_take(&in, 8);
	struct fuzz_mem m = { .buf = data + 16, .size = size - 16, .base = VBASE,
			      .wrap = flags & 1 };
	struct vmr_module_offsets o = offsets(!(flags & 2));
	struct vmr_modules *mods = NULL;
	struct vmr_error *err = vmr_modules_walk(fuzz_mem_read, &m, head, &o, &mods);
	vmr_error_free(err);
	if (!mods)
		return 0;
	for (size_t i = 0; i < mods->n; i++) {
		const struct vmr_module *mod = &mods->mods[i];
		for (unsigned p = 0; p < VMR_MOD_PART__COUNT; p++) {
			uint64_t a = mod->part[p].base + mod->part[p].size / 2;
			enum vmr_mod_part part;
			uint64_t start, sz, dist;
			const char *name;
			const struct vmr_module *f = vmr_modules_find(mods, a, &part);
			if (f)
				(void)vmr_module_symbol(f, a, &name, &start, &sz);
			(void)vmr_modules_nearest(mods, a, &part, &dist);
			(void)vmr_mod_part_name((enum vmr_mod_part)p);
		}
		for (size_t s = 0; s < mod->nsyms && s < 16; s++) {
			const char *name;
			uint64_t start, sz;
			(void)vmr_module_symbol(mod, mod->syms[s].value, &name, &start, &sz);
			(void)vmr_module_percpu_symbol(mod, mod->syms[s].value, &name, &start,
						       &sz);
		}
		const char *name;
		uint64_t start, sz;
		(void)vmr_module_symbol(mod, probe, &name, &start, &sz);
		(void)vmr_module_percpu_symbol(mod, mod->percpu + (probe & 0xffff), &name,
					       &start, &sz);
	}
	enum vmr_mod_part part;
	uint64_t dist;
	(void)vmr_modules_find(mods, probe, &part);
	(void)vmr_modules_nearest(mods, probe, &part, &dist);
	vmr_modules_free(mods);
	return 0;
}
