/* SPDX-License-Identifier: MIT */
/*
 * Module owners: the modules list, module parts and module kallsyms
 * (x86_64-layout.md §7.1).  The walk reads each struct module in one read
 * and each module's symtab and strtab in one read each.
 */
#include "owner/modules.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define SHN_UNDEF 0
#define ELF64_SYM_SIZE 24  /* st_name u32, info u8, other u8, shndx u16, value, size */
#define KSYM_NAME_LEN 512  /* longest name read past the last st_name */
#define MODULE_STATE_UNFORMED 3
#define PAGE_SZ 4096u

static const char *const part_names[VMR_MOD_PART__COUNT] = {
	[VMR_MOD_TEXT] = "text",
	[VMR_MOD_DATA] = "data",
	[VMR_MOD_RODATA] = "rodata",
	[VMR_MOD_RO_AFTER_INIT] = "ro_after_init",
	[VMR_MOD_INIT_TEXT] = "init_text",
	[VMR_MOD_INIT_DATA] = "init_data",
	[VMR_MOD_INIT_RODATA] = "init_rodata",
};

const char *vmr_mod_part_name(enum vmr_mod_part part)
{
	return (unsigned)part < VMR_MOD_PART__COUNT ? part_names[part] : "?";
}

static void warn(struct vmr_modules *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keep the first warning; count the others. */
static void warn(struct vmr_modules *m, const char *fmt, ...)
{
	if (!m->nwarnings++) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m->warning, sizeof(m->warning), fmt, ap);
		va_end(ap);
	}
}

static uint64_t get_u64(const uint8_t *buf, uint64_t off)
{
	uint64_t v;
	memcpy(&v, buf + off, 8);
	return v;
}

static uint32_t get_u32(const uint8_t *buf, uint64_t off)
{
	uint32_t v;
	memcpy(&v, buf + off, 4);
	return v;
}

/** True if [off, off + len) lies in a struct of @p size bytes. */
static bool fits(uint64_t off, uint64_t len, uint64_t size)
{
	return off != VMR_NO_OFFSET && off <= size && len <= size - off;
}

/** fits() for member @p off of a nested struct at @p base. */
static bool fits2(uint64_t base, uint64_t off, uint64_t len, uint64_t size)
{
	return base != VMR_NO_OFFSET && off != VMR_NO_OFFSET && base <= size &&
	       fits(base + off, len, size);
}

/* A kernel pointer that a list or table may hold: canonical upper half. */
static bool kernel_ptr(uint64_t p)
{
	return p >= 0xff00000000000000ULL;
}

/*
 * Names find_kallsyms_symbol() skips besides empty ones: ARM-style mapping
 * symbols always; with mem[] (6.4+) also ".L*" and "L0*" (commit
 * 0a3bf86092c3 "module: Ignore L0 and rename is_arm_mapping_symbol()", v6.3).
 */
static bool mapping_symbol(const char *s, bool new_rule)
{
	if (new_rule && ((s[0] == '.' && s[1] == 'L') || (s[0] == 'L' && s[1] == '0')))
		return true;
	return s[0] == '$' && s[1] && strchr("adtx", s[1]) && (s[2] == '\0' || s[2] == '.');
}

/**
 * Read up to @p want bytes at @p addr: all at once, else page by page up to
 * the first fault.  @return the number of bytes read.
 */
static size_t read_prefix(vmr_read_fn read, void *ctx, uint64_t addr, uint8_t *buf,
			  size_t want)
{
	struct vmr_error *err = read(ctx, addr, buf, want);
	if (!err)
		return want;
	vmr_error_free(err);
	size_t got = 0;
	while (got < want) {
		uint64_t a = addr + got;
		size_t chunk = PAGE_SZ - (size_t)(a & (PAGE_SZ - 1));
		if (chunk > want - got)
			chunk = want - got;
		err = read(ctx, a, buf + got, chunk);
		if (err) {
			vmr_error_free(err);
			break;
		}
		got += chunk;
	}
	return got;
}

/**
 * Read the strtab of @p mod (one read) and keep the symbols whose name is
 * whole, non-empty and not a mapping symbol.
 */
static struct vmr_error *load_strtab(struct vmr_modules *m, struct vmr_module *mod,
				     vmr_read_fn read, void *ctx, uint64_t strtab,
				     uint64_t typetab, uint32_t max_name)
{
	/* core_kallsyms keeps strtab then typetab back to back: that is the
	 * exact size; otherwise read past the last name (bounded). */
	size_t want = (size_t)max_name + KSYM_NAME_LEN;
	if (typetab > strtab && typetab - strtab > max_name && typetab - strtab < want)
		want = (size_t)(typetab - strtab);
	mod->strtab = malloc(want + 1);
	if (!mod->strtab)
		return &vmr_enomem;
	mod->strtab_len = read_prefix(read, ctx, strtab, (uint8_t *)mod->strtab, want);
	mod->strtab[mod->strtab_len] = '\0';

	/* Keep the symbols whose name is whole, non-empty and not a mapping
	 * symbol. */
	size_t n = 0, cut = 0;
	for (size_t i = 0; i < mod->nsyms; i++) {
		struct vmr_mod_sym s = mod->syms[i];
		if (s.name >= mod->strtab_len ||
		    !memchr(mod->strtab + s.name, '\0', mod->strtab_len - s.name)) {
			cut++;
			continue;
		}
		const char *nm = mod->strtab + s.name;
		if (!*nm || mapping_symbol(nm, mod->mem_layout))
			continue;
		mod->syms[n++] = s;
	}
	if (cut)
		warn(m, "module %s: %zu symbol names outside the strtab at 0x%" PRIx64, mod->name,
		     cut, strtab);
	mod->nsyms = n;
	return NULL;
}

/** The module's kallsyms: symtab in one read, strtab in one read. */
static struct vmr_error *load_kallsyms(struct vmr_modules *m, struct vmr_module *mod,
				       vmr_read_fn read, void *ctx, uint64_t ks,
				       const struct vmr_module_offsets *off)
{
	uint8_t hdr[64];
	uint64_t hdr_len = 0;
	uint64_t fields[] = { off->ks_symtab, off->ks_num_symtab + 4, off->ks_strtab,
			      off->ks_typetab };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] != VMR_NO_OFFSET && fields[i] + 8 > hdr_len)
			hdr_len = fields[i] + 8;
	if (off->ks_symtab == VMR_NO_OFFSET || off->ks_num_symtab == VMR_NO_OFFSET ||
	    off->ks_strtab == VMR_NO_OFFSET || hdr_len > sizeof(hdr))
		return NULL; /* no layout for mod_kallsyms: names only */
	struct vmr_error *err = read(ctx, ks, hdr, hdr_len);
	if (err) {
		warn(m, "module %s: kallsyms at 0x%" PRIx64 " unreadable", mod->name, ks);
		vmr_error_free(err);
		return NULL;
	}
	uint64_t symtab = get_u64(hdr, off->ks_symtab);
	uint32_t num = get_u32(hdr, off->ks_num_symtab);
	uint64_t strtab = get_u64(hdr, off->ks_strtab);
	uint64_t typetab = off->ks_typetab != VMR_NO_OFFSET ? get_u64(hdr, off->ks_typetab) : 0;
	if (num == 0)
		return NULL;
	if (num > VMR_MOD_MAX_SYMS) {
		warn(m, "module %s: num_symtab %u is absurd (more than %u)", mod->name, num,
		     VMR_MOD_MAX_SYMS);
		return NULL;
	}
	if (!kernel_ptr(symtab) || !kernel_ptr(strtab)) {
		warn(m, "module %s: symtab 0x%" PRIx64 " or strtab 0x%" PRIx64 " is not a kernel "
		     "address", mod->name, symtab, strtab);
		return NULL;
	}
	size_t bytes = (size_t)num * ELF64_SYM_SIZE;
	uint8_t *raw = malloc(bytes);
	if (!raw)
		return &vmr_enomem;
	err = read(ctx, symtab, raw, bytes);
	if (err) {
		warn(m, "module %s: symtab of %u symbols at 0x%" PRIx64 " unreadable", mod->name,
		     num, symtab);
		vmr_error_free(err);
		free(raw);
		return NULL;
	}
	mod->syms = malloc((size_t)num * sizeof(*mod->syms));
	if (!mod->syms) {
		free(raw);
		return &vmr_enomem;
	}
	uint32_t max_name = 0;
	mod->sym0_value = get_u64(raw, 8);
	for (uint32_t i = 1; i < num; i++) {
		const uint8_t *s = raw + (size_t)i * ELF64_SYM_SIZE;
		uint32_t name = get_u32(s, 0);
		uint16_t shndx;
		memcpy(&shndx, s + 6, 2);
		if (shndx == SHN_UNDEF || name == 0 || name >= VMR_MOD_MAX_STRTAB)
			continue;
		mod->syms[mod->nsyms++] = (struct vmr_mod_sym){ get_u64(s, 8), name };
		if (name > max_name)
			max_name = name;
	}
	free(raw);
	if (!mod->nsyms)
		return NULL;
	return load_strtab(m, mod, read, ctx, strtab, typetab, max_name);
}

/** Parts of a <= 6.3 module_layout: text, rodata, ro_after_init, data. */
static void layout_parts(struct vmr_modules *m, struct vmr_module *mod, const uint8_t *buf,
			 uint64_t lay, const struct vmr_module_offsets *off, bool init)
{
	uint64_t base = get_u64(buf, lay + off->lay_base);
	uint64_t size = get_u32(buf, lay + off->lay_size);
	uint64_t text = get_u32(buf, lay + off->lay_text_size);
	uint64_t ro = get_u32(buf, lay + off->lay_ro_size);
	uint64_t roai = off->lay_ro_after_init_size != VMR_NO_OFFSET
				? get_u32(buf, lay + off->lay_ro_after_init_size) : ro;
	if (!base || !size)
		return;
	if (!(text <= ro && ro <= roai && roai <= size) || !kernel_ptr(base) ||
	    base + size < base) {
		warn(m, "module %s: %s layout base 0x%" PRIx64 " size %#" PRIx64 " text %#" PRIx64
		     " ro %#" PRIx64 " ro_after_init %#" PRIx64 " inconsistent", mod->name,
		     init ? "init" : "core", base, size, text, ro, roai);
		return;
	}
	enum vmr_mod_part t = init ? VMR_MOD_INIT_TEXT : VMR_MOD_TEXT;
	enum vmr_mod_part r = init ? VMR_MOD_INIT_RODATA : VMR_MOD_RODATA;
	enum vmr_mod_part d = init ? VMR_MOD_INIT_DATA : VMR_MOD_DATA;
	mod->part[t].base = base;
	mod->part[t].size = text;
	mod->part[r].base = base + text;
	mod->part[r].size = ro - text;
	if (!init) {
		mod->part[VMR_MOD_RO_AFTER_INIT].base = base + ro;
		mod->part[VMR_MOD_RO_AFTER_INIT].size = roai - ro;
	}
	mod->part[d].base = base + roai;
	mod->part[d].size = size - roai;
	if (init) {
		mod->init_base = base;
		mod->init_size = size;
		mod->init_text_size = text;
	} else {
		mod->core_base = base;
		mod->core_size = size;
		mod->core_text_size = text;
	}
}

static void mem_parts(struct vmr_modules *m, struct vmr_module *mod, const uint8_t *buf,
		      const struct vmr_module_offsets *off)
{
	for (unsigned p = 0; p < VMR_MOD_PART__COUNT; p++) {
		unsigned idx = off->mem_index[p];
		if (idx >= off->mem_count)
			continue;
		uint64_t at = off->mem + (uint64_t)idx * off->mem_stride;
		uint64_t base = get_u64(buf, at + off->mem_base);
		uint64_t size = get_u32(buf, at + off->mem_size);
		if (!base || !size)
			continue;
		if (!kernel_ptr(base) || base + size < base) {
			warn(m, "module %s: mem[%u] base 0x%" PRIx64 " size %#" PRIx64 " invalid",
			     mod->name, idx, base, size);
			continue;
		}
		mod->part[p].base = base;
		mod->part[p].size = size;
	}
}

/** Fill @p mod from the struct module bytes @p buf. */
static struct vmr_error *parse_module(struct vmr_modules *m, struct vmr_module *mod,
				      const uint8_t *buf, vmr_read_fn read, void *ctx,
				      const struct vmr_module_offsets *off)
{
	const char *nm = (const char *)buf + off->name;
	const char *nul = memchr(nm, '\0', VMR_MOD_NAME_LEN);
	size_t len = nul ? (size_t)(nul - nm) : VMR_MOD_NAME_LEN;
	memcpy(mod->name, nm, len);
	mod->name[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (mod->name[i] < 0x21 || mod->name[i] > 0x7e)
			mod->name[i] = '?';
	if (len == VMR_MOD_NAME_LEN)
		warn(m, "module at 0x%" PRIx64 ": name not NUL-terminated in %u bytes", mod->addr,
		     VMR_MOD_NAME_LEN);
	mod->state = off->state != VMR_NO_OFFSET ? (int)get_u32(buf, off->state) : -1;
	mod->mem_layout = off->has_mem;
	if (off->has_mem) {
		mem_parts(m, mod, buf, off);
	} else {
		if (off->core_layout != VMR_NO_OFFSET)
			layout_parts(m, mod, buf, off->core_layout, off, false);
		if (off->init_layout != VMR_NO_OFFSET)
			layout_parts(m, mod, buf, off->init_layout, off, true);
	}
	if (off->percpu != VMR_NO_OFFSET && off->percpu_size != VMR_NO_OFFSET) {
		mod->percpu = get_u64(buf, off->percpu);
		mod->percpu_size = get_u32(buf, off->percpu_size);
		if (!mod->percpu)
			mod->percpu_size = 0;
	}
	if (mod->state == MODULE_STATE_UNFORMED || off->kallsyms == VMR_NO_OFFSET)
		return NULL;
	uint64_t ks = get_u64(buf, off->kallsyms);
	if (!ks)
		return NULL;
	if (!kernel_ptr(ks)) {
		warn(m, "module %s: kallsyms pointer 0x%" PRIx64 " invalid", mod->name, ks);
		return NULL;
	}
	return load_kallsyms(m, mod, read, ctx, ks, off);
}

/* A set of visited list nodes (open addressing; 0 = empty). */
struct seen {
	uint64_t *slot;
	size_t mask;
};

/** @return true if @p p was already in the set (else adds it). */
static bool seen_add(struct seen *s, uint64_t p)
{
	size_t i = (size_t)((p >> 3) * 0x9e3779b97f4a7c15ULL) & s->mask;
	while (s->slot[i]) {
		if (s->slot[i] == p)
			return true;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = p;
	return false;
}

static bool offsets_ok(const struct vmr_module_offsets *o)
{
	uint64_t sz = o->struct_size;
	if (!sz || sz > VMR_MOD_MAX_STRUCT || !fits(o->list, 16, sz) ||
	    !fits(o->name, VMR_MOD_NAME_LEN, sz))
		return false;
	if (o->has_mem) {
		if (!o->mem_count || o->mem_count > 16 || o->mem_stride < 12 ||
		    o->mem_stride > VMR_MOD_MAX_STRUCT ||
		    !fits(o->mem, o->mem_stride * o->mem_count, sz) ||
		    !fits(o->mem_base, 8, o->mem_stride) || !fits(o->mem_size, 4, o->mem_stride))
			return false;
	} else {
		if (o->core_layout == VMR_NO_OFFSET ||
		    !fits2(o->core_layout, o->lay_base, 8, sz) ||
		    !fits2(o->core_layout, o->lay_size, 4, sz) ||
		    !fits2(o->core_layout, o->lay_text_size, 4, sz) ||
		    !fits2(o->core_layout, o->lay_ro_size, 4, sz) ||
		    (o->lay_ro_after_init_size != VMR_NO_OFFSET &&
		     !fits2(o->core_layout, o->lay_ro_after_init_size, 4, sz)) ||
		    (o->init_layout != VMR_NO_OFFSET &&
		     (!fits2(o->init_layout, o->lay_base, 8, sz) ||
		      !fits2(o->init_layout, o->lay_size, 4, sz) ||
		      !fits2(o->init_layout, o->lay_text_size, 4, sz) ||
		      !fits2(o->init_layout, o->lay_ro_size, 4, sz) ||
		      (o->lay_ro_after_init_size != VMR_NO_OFFSET &&
		       !fits2(o->init_layout, o->lay_ro_after_init_size, 4, sz)))))
			return false;
	}
	return (o->kallsyms == VMR_NO_OFFSET || fits(o->kallsyms, 8, sz)) &&
	       (o->percpu == VMR_NO_OFFSET || fits(o->percpu, 8, sz)) &&
	       (o->percpu_size == VMR_NO_OFFSET || fits(o->percpu_size, 4, sz)) &&
	       (o->state == VMR_NO_OFFSET || fits(o->state, 4, sz));
}

struct vmr_error *vmr_modules_walk(vmr_read_fn read, void *ctx, uint64_t head,
				   const struct vmr_module_offsets *off,
				   struct vmr_modules **out)
{
	*out = NULL;
	if (!offsets_ok(off))
		return vmr_error_new(VMR_ERR_INVALID, "struct module layout is implausible "
				     "(size %" PRIu64 ")", off->struct_size);
	uint64_t next;
	struct vmr_error *err = read(ctx, head, &next, sizeof(next));
	if (err)
		return vmr_error_prefix(err, "modules list head 0x%" PRIx64, head);
	struct vmr_modules *m = calloc(1, sizeof(*m));
	uint8_t *buf = malloc(off->struct_size);
	struct seen seen = { calloc(2 * VMR_MAX_MODULES, sizeof(uint64_t)),
			     2 * VMR_MAX_MODULES - 1 };
	size_t cap = 0;
	if (!m || !buf || !seen.slot) {
		err = &vmr_enomem;
		goto fail;
	}
	seen_add(&seen, head);
	while (next != head) {
		if (m->n >= VMR_MAX_MODULES) {
			warn(m, "modules list: more than %u modules, walk stopped", VMR_MAX_MODULES);
			break;
		}
		if (!kernel_ptr(next) || (next & 7) || next < off->list) {
			warn(m, "modules list: corrupt link 0x%" PRIx64 " after %zu modules", next,
			     m->n);
			break;
		}
		if (seen_add(&seen, next)) {
			warn(m, "modules list: cycle at 0x%" PRIx64 " after %zu modules", next, m->n);
			break;
		}
		uint64_t addr = next - off->list;
		err = read(ctx, addr, buf, off->struct_size);
		if (err) {
			warn(m, "modules list: struct module at 0x%" PRIx64 " unreadable (%s)", addr,
			     vmr_error_message(err));
			vmr_error_free(err);
			err = NULL;
			break;
		}
		if (m->n == cap) {
			cap = cap ? 2 * cap : 64;
			struct vmr_module *n = realloc(m->mods, cap * sizeof(*n));
			if (!n) {
				err = &vmr_enomem;
				goto fail;
			}
			m->mods = n;
		}
		struct vmr_module *mod = &m->mods[m->n++];
		memset(mod, 0, sizeof(*mod));
		mod->addr = addr;
		err = parse_module(m, mod, buf, read, ctx, off);
		if (err)
			goto fail;
		next = get_u64(buf, off->list);
	}
	free(buf);
	free(seen.slot);
	*out = m;
	return NULL;
fail:
	free(buf);
	free(seen.slot);
	vmr_modules_free(m);
	return err;
}

void vmr_modules_free(struct vmr_modules *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->mods[i].syms);
		free(m->mods[i].strtab);
	}
	free(m->mods);
	free(m);
}

int vmr_module_part_of(const struct vmr_module *mod, uint64_t addr)
{
	for (int p = 0; p < VMR_MOD_PART__COUNT; p++)
		if (mod->part[p].size && addr - mod->part[p].base < mod->part[p].size)
			return p;
	return -1;
}

const struct vmr_module *vmr_modules_find(const struct vmr_modules *m, uint64_t addr,
					  enum vmr_mod_part *part)
{
	for (size_t i = 0; m && i < m->n; i++) {
		int p = vmr_module_part_of(&m->mods[i], addr);
		if (p >= 0) {
			if (part)
				*part = (enum vmr_mod_part)p;
			return &m->mods[i];
		}
	}
	return NULL;
}

const struct vmr_module *vmr_modules_nearest(const struct vmr_modules *m, uint64_t addr,
					     enum vmr_mod_part *part, uint64_t *dist)
{
	const struct vmr_module *best = NULL;
	uint64_t bd = UINT64_MAX;
	for (size_t i = 0; m && i < m->n; i++) {
		const struct vmr_module *mod = &m->mods[i];
		for (unsigned p = 0; p < VMR_MOD_PART__COUNT; p++) {
			uint64_t b = mod->part[p].base, s = mod->part[p].size;
			if (!s)
				continue;
			uint64_t d = addr < b ? b - addr : addr - (b + s - 1);
			if (d < bd) {
				bd = d;
				best = mod;
				if (part)
					*part = (enum vmr_mod_part)p;
			}
		}
	}
	if (dist)
		*dist = bd;
	return best;
}

bool vmr_module_symbol(const struct vmr_module *mod, uint64_t addr, const char **name,
		       uint64_t *start, uint64_t *size)
{
	uint64_t nextval, bestval;
	if (mod->mem_layout) {
		/* The part holding addr bounds both ends (KALLSYMS_ALL). */
		const struct vmr_module *found = NULL;
		unsigned p;
		for (p = 0; p < VMR_MOD_PART__COUNT; p++)
			if (mod->part[p].size && addr - mod->part[p].base < mod->part[p].size) {
				found = mod;
				break;
			}
		if (!found)
			return false;
		nextval = mod->part[p].base + mod->part[p].size;
		bestval = mod->part[p].base - 1;
	} else {
		/* "At worse, next value is at end of module" -- of its text. */
		if (mod->init_size && addr - mod->init_base < mod->init_size)
			nextval = mod->init_base + mod->init_text_size;
		else
			nextval = mod->core_base + mod->core_text_size;
		bestval = mod->sym0_value;
	}
	const struct vmr_mod_sym *best = NULL;
	for (size_t i = 0; i < mod->nsyms; i++) {
		uint64_t v = mod->syms[i].value;
		if (v <= addr && v > bestval) {
			best = &mod->syms[i];
			bestval = v;
		}
		if (v > addr && v < nextval)
			nextval = v;
	}
	if (!best)
		return false;
	if (name)
		*name = mod->strtab + best->name;
	if (start)
		*start = bestval;
	if (size)
		*size = nextval - bestval; /* wraps below bestval as the kernel's does */
	return true;
}

bool vmr_module_percpu_symbol(const struct vmr_module *mod, uint64_t ptr, const char **name,
			      uint64_t *start, uint64_t *size)
{
	uint64_t lo = mod->percpu, end = mod->percpu + mod->percpu_size;
	if (!mod->percpu_size || ptr - lo >= mod->percpu_size)
		return false;
	const struct vmr_mod_sym *best = NULL;
	uint64_t nextval = end;
	for (size_t i = 0; i < mod->nsyms; i++) {
		uint64_t v = mod->syms[i].value;
		if (v - lo >= mod->percpu_size)
			continue;
		if (v <= ptr && (!best || v > best->value))
			best = &mod->syms[i];
		if (v > ptr && v < nextval)
			nextval = v;
	}
	if (!best)
		return false;
	if (name)
		*name = mod->strtab + best->name;
	if (start)
		*start = best->value;
	if (size)
		*size = nextval - best->value;
	return true;
}

/* ---- glue: offsets from the kernel's types, the lazily built index ---- */

static int64_t enumerator_or(struct vmr_kernel *k, const char *name, int64_t dflt)
{
	int64_t v;
	struct vmr_error *err = vmr_kernel_enumerator(k, name, &v);
	if (err) {
		vmr_error_free(err);
		return dflt;
	}
	return v;
}

/** Resolve every offset the walk needs.  @return false with @p why. */
static bool resolve_offsets(struct vmr_kernel *k, struct vmr_module_offsets *o,
			    char *why, size_t whylen)
{
	static const char *const mem_enum[VMR_MOD_PART__COUNT] = {
		"MOD_TEXT", "MOD_DATA", "MOD_RODATA", "MOD_RO_AFTER_INIT",
		"MOD_INIT_TEXT", "MOD_INIT_DATA", "MOD_INIT_RODATA",
	};
	struct vmr_error *err = vmr_kernel_type_size(k, "module", &o->struct_size);
	if (err) {
		snprintf(why, whylen, "struct module unknown: %s", vmr_error_message(err));
		vmr_error_free(err);
		return false;
	}
	o->list = vmr_owner_member(k, "module", "list");
	o->name = vmr_owner_member(k, "module", "name");
	o->kallsyms = vmr_owner_member(k, "module", "kallsyms");
	o->percpu = vmr_owner_member(k, "module", "percpu");
	o->percpu_size = vmr_owner_member(k, "module", "percpu_size");
	o->state = vmr_owner_member(k, "module", "state");
	o->mem = vmr_owner_member(k, "module", "mem");
	o->has_mem = o->mem != VMR_NO_OFFSET;
	if (o->has_mem) {
		struct vmr_error *e = vmr_kernel_type_size(k, "module_memory", &o->mem_stride);
		vmr_error_free(e);
		if (e)
			o->mem_stride = 0;
		o->mem_base = vmr_owner_member(k, "module_memory", "base");
		o->mem_size = vmr_owner_member(k, "module_memory", "size");
		o->mem_count = (unsigned)enumerator_or(k, "MOD_MEM_NUM_TYPES", 7);
		for (unsigned p = 0; p < VMR_MOD_PART__COUNT; p++)
			o->mem_index[p] = (unsigned)enumerator_or(k, mem_enum[p], p);
	} else {
		o->core_layout = vmr_owner_member(k, "module", "core_layout");
		o->init_layout = vmr_owner_member(k, "module", "init_layout");
		o->lay_base = vmr_owner_member(k, "module_layout", "base");
		o->lay_size = vmr_owner_member(k, "module_layout", "size");
		o->lay_text_size = vmr_owner_member(k, "module_layout", "text_size");
		o->lay_ro_size = vmr_owner_member(k, "module_layout", "ro_size");
		o->lay_ro_after_init_size = vmr_owner_member(k, "module_layout", "ro_after_init_size");
	}
	o->ks_symtab = vmr_owner_member(k, "mod_kallsyms", "symtab");
	o->ks_num_symtab = vmr_owner_member(k, "mod_kallsyms", "num_symtab");
	o->ks_strtab = vmr_owner_member(k, "mod_kallsyms", "strtab");
	o->ks_typetab = vmr_owner_member(k, "mod_kallsyms", "typetab");
	if (!offsets_ok(o)) {
		snprintf(why, whylen, "struct module layout incomplete (no list/name/%s)",
			 o->has_mem ? "mem[]" : "core_layout");
		return false;
	}
	return true;
}

void vmr_owners_free_modules(struct vmr_owners *o)
{
	if (!o)
		return;
	vmr_modules_free(o->modules);
	o->modules = NULL;
}

const struct vmr_modules *vmr_modules_get(struct vmr_kernel *k)
{
	struct vmr_owners *o = vmr_owners_get(k);
	if (!o)
		return NULL;
	if (o->modules_tried)
		return o->modules;
	o->modules_tried = true;
	char why[160] = "";
	uint64_t head;
	struct vmr_module_offsets off;
	memset(&off, 0xff, sizeof(off));
	off.has_mem = false;
	if (!vmr_kernel_find_symbol(k, "modules", &head, NULL)) {
		snprintf(why, sizeof(why), "no symbol `modules` (no vmlinux, no kallsyms)");
	} else if (resolve_offsets(k, &off, why, sizeof(why))) {
		struct vmr_error *err = vmr_modules_walk(vmr_kernel_read_cb, k, head, &off,
							 &o->modules);
		if (err == &vmr_enomem)
			return NULL;
		if (err) {
			snprintf(why, sizeof(why), "%s", vmr_error_message(err));
			vmr_error_free(err);
		} else if (o->modules->nwarnings) {
			vmr_layout_warn(&k->layout, "%s%s", o->modules->warning,
					o->modules->nwarnings > 1 ? " (and more)" : "");
		}
	}
	if (!o->modules) {
		o->modules = calloc(1, sizeof(*o->modules));
		if (!o->modules)
			return NULL;
		o->modules->unusable = true;
		snprintf(o->modules->why, sizeof(o->modules->why), "%s", why);
	}
	return o->modules;
}

struct vmr_error *vmr_owner_module(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out)
{
	const struct vmr_modules *m = vmr_modules_get(k);
	if (!m)
		return vmr_error_new(VMR_ERR_NOMEM, "module index: out of memory");
	if (m->unusable) {
		vmr_owner_none(out, "modules unknown: %s", m->why);
		return NULL;
	}
	enum vmr_mod_part part;
	const struct vmr_module *mod = vmr_modules_find(m, info->addr, &part);
	if (!mod) {
		uint64_t dist;
		const struct vmr_module *near = vmr_modules_nearest(m, info->addr, &part, &dist);
		if (near)
			vmr_owner_none(out, "in no module (%zu loaded; nearest: %s %s, 0x%" PRIx64
				       " bytes %s)", m->n, near->name, vmr_mod_part_name(part), dist,
				       info->addr < near->part[part].base ? "below" : "above");
		else
			vmr_owner_none(out, "in no module (no module loaded)");
		return NULL;
	}
	out->kind = VMR_OWNER_MODULE;
	snprintf(out->module, sizeof(out->module), "%s", mod->name);
	snprintf(out->module_part, sizeof(out->module_part), "%s", vmr_mod_part_name(part));
	out->module_base = mod->part[part].base;
	const char *name;
	uint64_t start, size;
	if (vmr_module_symbol(mod, info->addr, &name, &start, &size)) {
		out->has_symbol = true;
		snprintf(out->symbol, sizeof(out->symbol), "%s", name);
		out->symbol_addr = start;
		out->symbol_size = size;
		out->offset = info->addr - start;
	} else {
		out->offset = info->addr - out->module_base;
	}
	return NULL;
}

bool vmr_module_symbolize(struct vmr_kernel *k, uint64_t addr, const char **module,
			  const char **name, uint64_t *start, uint64_t *size)
{
	const struct vmr_modules *m = vmr_modules_get(k);
	const struct vmr_module *mod = vmr_modules_find(m, addr, NULL);
	if (!mod || !vmr_module_symbol(mod, addr, name, start, size))
		return false;
	if (module)
		*module = mod->name;
	return true;
}
