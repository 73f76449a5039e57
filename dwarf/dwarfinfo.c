/* SPDX-License-Identifier: MIT */
/**
 * @file dwarfinfo.c  Type facts and source lines of a vmlinux, loaded on the
 * first question: BTF (.BTF, ~2 MB, parsed in a few ms) answers enumerators,
 * sizes and member offsets; DWARF (libdw) answers them when the file has
 * no .BTF (or when asked to), and is the only source of line numbers.
 *
 * Why BTF first: libdw inflates every SHF_COMPRESSED debug section when the
 * Dwarf handle is created (dwarf_begin_elf, elfutils 0.188), ~330 ms for the
 * 6.12 corpus vmlinux with zlib-compressed DWARF 5 and no .debug_names --
 * more than the whole budget of a cold `vmregion addr`.  With compressed
 * sections, libdw gets them from dwarfload.c instead: a source line inflates
 * .debug_info only up to the end of its unit, type scans all of it.
 *
 * The DWARF searches scan the top-level DIEs of each unit, starting with the
 * unit of the previous hit (related types tend to share headers and CUs),
 * and cache every answer.
 */
#include "dwarf/vmlinux-priv.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/grow.h"
#include "dwarf/btf.h"
#include "dwarf/dwarfload.h"
#include "dwarf/fnindex.h"

#define DW_MAX_DEPTH 32
#define DW_MAX_CACHE 4096

enum cache_kind { C_ENUMERATOR, C_SIZE, C_MEMBER };

struct cache_ent {
	enum cache_kind kind;
	char *key; /* name, or "type\0member" for members */
	size_t keylen;
	bool found;
	int64_t value;
};

struct vmr_dwinfo {
	Dwarf *dbg;                 /* every unit (owned by load, if any) */
	struct vmr_dwload *load;    /* compressed sections, inflated on demand */
	bool load_tried;
	struct vmr_error *open_err; /* sticky: why DWARF is unusable */
	Dwarf_Off *cus;             /* offsets of every unit DIE */
	bool cus_listed;
	struct vmr_arange *ar;      /* .debug_aranges, without the loader */
	size_t nar;
	bool ar_tried;
	size_t ncus;
	size_t last_hit;            /* index in cus of the previous hit */
	struct cache_ent *cache;
	size_t ncache, capcache;
	struct vmr_fnindex *fns;    /* functions by address, per unit */
	bool fns_off;               /* libdw's scope walk only (tests) */
};

void vmr_vmlinux_dwarf_free(struct vmr_vmlinux *v)
{
	struct vmr_dwinfo *dw = v->dw;
	if (!dw)
		return;
	if (dw->dbg && !dw->load)
		dwarf_end(dw->dbg);
	vmr_dwload_close(dw->load);
	vmr_error_free(dw->open_err);
	for (size_t i = 0; i < dw->ncache; i++)
		free(dw->cache[i].key);
	free(dw->cache);
	vmr_fnindex_free(dw->fns);
	free(dw->cus);
	free(dw->ar);
	free(dw);
	v->dw = NULL;
}

/** Copy of a sticky error, so that every caller gets its own. */
static struct vmr_error *copy_err(const struct vmr_error *e)
{
	return vmr_error_new(vmr_error_code(e), "%s", vmr_error_message(e));
}

/** The DWARF state, and the on-demand loader if the sections are compressed. */
static struct vmr_error *dwarf_state(struct vmr_vmlinux *v, struct vmr_dwinfo **out)
{
	if (!v->dw && !(v->dw = calloc(1, sizeof(*v->dw))))
		return &vmr_enomem;
	struct vmr_dwinfo *dw = v->dw;
	if (!dw->load_tried) {
		dw->load_tried = true;
		struct vmr_error *err = vmr_dwload_open(v->elf, v->path, &dw->load);
		if (err)
			dw->open_err = err == &vmr_enomem ? vmr_error_new(VMR_ERR_NOMEM, "%s: "
						"out of memory loading DWARF", v->path) : err;
	}
	if (dw->open_err)
		return copy_err(dw->open_err);
	*out = dw;
	return NULL;
}

void vmr_vmlinux_prefetch_lines(struct vmr_vmlinux *v)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_state(v, &dw);
	if (err) {
		if (err != &vmr_enomem)
			vmr_error_free(err); /* kept in dw, said at the first question */
		return;
	}
	if (dw->load && !dw->dbg)
		vmr_dwload_prefetch(dw->load);
}

/** Create the Dwarf handle over every unit, once (no unit is read). */
static struct vmr_error *dwarf_handle(struct vmr_vmlinux *v, struct vmr_dwinfo **out)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_state(v, &dw);
	if (err)
		return err;
	if (!dw->dbg) {
		if (dw->load) {
			err = vmr_dwload_all(dw->load, &dw->dbg);
			if (err) {
				if (err == &vmr_enomem)
					return err;
				dw->open_err = err;
				return copy_err(err);
			}
		} else {
			dw->dbg = dwarf_begin_elf(v->elf, DWARF_C_READ, NULL);
		}
		if (!dw->dbg)
			dw->open_err = vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no usable DWARF: %s",
						     v->path, dwarf_errmsg(-1));
	}
	if (dw->open_err)
		return copy_err(dw->open_err);
	*out = dw;
	return NULL;
}

/**
 * The handle and the list of every unit, for the type scans.  A source
 * line needs neither the list nor the unit headers it reads, which are
 * spread over all of .debug_info (160 MB in the Debian 6.1 vmlinux).
 */
static struct vmr_error *dwarf_load(struct vmr_vmlinux *v, struct vmr_dwinfo **out)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_handle(v, &dw);
	if (err)
		return err;
	if (!dw->cus_listed) {
		dw->cus_listed = true;
		size_t cap = 0;
		Dwarf_CU *cu = NULL;
		Dwarf_Die cudie;
		uint8_t unit_type;
		while (!dwarf_get_units(dw->dbg, cu, &cu, NULL, &unit_type, &cudie, NULL)) {
			if (dw->ncus == cap) {
				cap = cap ? 2 * cap : 1024;
				Dwarf_Off *n = realloc(dw->cus, cap * sizeof(*n));
				if (!n) {
					dw->cus_listed = false;
					return &vmr_enomem;
				}
				dw->cus = n;
			}
			dw->cus[dw->ncus++] = dwarf_dieoffset(&cudie);
			if (dw->ncus > (1u << 22))
				break;
		}
	}
	*out = dw;
	return NULL;
}

static struct cache_ent *cache_find(struct vmr_dwinfo *dw, enum cache_kind kind,
				    const char *key, size_t keylen)
{
	for (size_t i = 0; i < dw->ncache; i++)
		if (dw->cache[i].kind == kind && dw->cache[i].keylen == keylen &&
		    !memcmp(dw->cache[i].key, key, keylen))
			return &dw->cache[i];
	return NULL;
}

static void cache_put(struct vmr_dwinfo *dw, enum cache_kind kind, const char *key,
		      size_t keylen, bool found, int64_t value)
{
	if (dw->ncache >= DW_MAX_CACHE)
		return;
	struct cache_ent *grown = vmr_grow(dw->cache, dw->ncache, &dw->capcache,
					   sizeof(*grown), 32);
	if (!grown)
		return; /* a cache miss is only slower */
	dw->cache = grown;
	char *k = malloc(keylen);
	if (!k)
		return;
	memcpy(k, key, keylen);
	dw->cache[dw->ncache++] = (struct cache_ent){ kind, k, keylen, found, value };
}

/** Callback of scan_units(): true when @p die (a top-level DIE) answers. */
typedef bool (*die_fn)(Dwarf_Die *die, const void *arg, int64_t *result);

/**
 * Call @p fn on the top-level DIEs of every unit, starting at the unit of
 * the previous hit.  @return true with fn's result on the first hit.
 */
static bool scan_units(struct vmr_dwinfo *dw, die_fn fn, const void *arg,
		       int64_t *result)
{
	for (size_t k = 0; k < dw->ncus; k++) {
		size_t i = (dw->last_hit + k) % dw->ncus;
		Dwarf_Die cudie, die;
		if (!dwarf_offdie(dw->dbg, dw->cus[i], &cudie) || dwarf_child(&cudie, &die))
			continue;
		do {
			if (fn(&die, arg, result)) {
				dw->last_hit = i;
				return true;
			}
		} while (dwarf_siblingof(&die, &die) == 0);
	}
	return false;
}

/** DW_AT_name, following DW_AT_abstract_origin / DW_AT_specification. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
}

static bool name_is(Dwarf_Die *die, const char *name)
{
	const char *n = dwarf_diename(die);
	return n && !strcmp(n, name);
}

static bool enumerator_fn(Dwarf_Die *die, const void *arg, int64_t *result)
{
	if (dwarf_tag(die) != DW_TAG_enumeration_type)
		return false;
	Dwarf_Die child;
	if (dwarf_child(die, &child))
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_enumerator || !name_is(&child, arg))
			continue;
		Dwarf_Attribute attr;
		Dwarf_Sword s;
		Dwarf_Word u;
		if (!dwarf_attr(&child, DW_AT_const_value, &attr))
			return false;
		/* Signed forms say so; data1..data8 follow the enum's type, but
		 * kernel enum constants that matter here are small. */
		if (dwarf_whatform(&attr) == DW_FORM_sdata ||
		    dwarf_whatform(&attr) == DW_FORM_implicit_const) {
			if (dwarf_formsdata(&attr, &s))
				return false;
			*result = s;
		} else {
			if (dwarf_formudata(&attr, &u))
				return false;
			*result = (int64_t)u;
		}
		return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/** A complete struct/union definition named @p name; @p result = its offset. */
static bool aggregate_fn(Dwarf_Die *die, const void *arg, int64_t *result)
{
	int tag = dwarf_tag(die);
	if ((tag != DW_TAG_structure_type && tag != DW_TAG_union_type) ||
	    dwarf_hasattr(die, DW_AT_declaration) || !name_is(die, arg))
		return false;
	*result = (int64_t)dwarf_dieoffset(die);
	return true;
}

/** Any other named type (typedef, base type, enum) called @p name. */
static bool other_type_fn(Dwarf_Die *die, const void *arg, int64_t *result)
{
	int tag = dwarf_tag(die);
	if ((tag != DW_TAG_typedef && tag != DW_TAG_base_type &&
	     tag != DW_TAG_enumeration_type) ||
	    dwarf_hasattr(die, DW_AT_declaration) || !name_is(die, arg))
		return false;
	*result = (int64_t)dwarf_dieoffset(die);
	return true;
}

/** Offset of the DIE of type @p name (struct/union first). */
static bool dwarf_find_type(struct vmr_dwinfo *dw, const char *name, Dwarf_Die *out)
{
	size_t keylen = strlen(name) + 1;
	struct cache_ent *c = cache_find(dw, C_SIZE, name, keylen);
	int64_t off = 0;
	if (c) {
		if (!c->found)
			return false;
		off = c->value;
	} else {
		const char *bare = name;
		if (!strncmp(bare, "struct ", 7))
			bare += 7;
		else if (!strncmp(bare, "union ", 6))
			bare += 6;
		bool found = scan_units(dw, aggregate_fn, bare, &off) ||
			     (bare == name && scan_units(dw, other_type_fn, bare, &off));
		cache_put(dw, C_SIZE, name, keylen, found, off);
		if (!found)
			return false;
	}
	return dwarf_offdie(dw->dbg, (Dwarf_Off)off, out) != NULL;
}

/** Find member @p name[0..len) in struct/union @p agg (anonymous ones too). */
static bool dwarf_find_member(Dwarf_Die *agg, const char *name, size_t len,
			      uint64_t *off, Dwarf_Die *mtype, int depth)
{
	Dwarf_Die child, tdie;
	Dwarf_Attribute attr;
	if (depth > DW_MAX_DEPTH || dwarf_child(agg, &child))
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		uint64_t moff = 0;
		Dwarf_Word w;
		if (dwarf_attr(&child, DW_AT_data_member_location, &attr)) {
			if (dwarf_formudata(&attr, &w))
				continue; /* a location expression: not in C */
			moff = w;
		} else if (dwarf_attr(&child, DW_AT_data_bit_offset, &attr) &&
			   !dwarf_formudata(&attr, &w)) {
			moff = w / 8;
		}
		const char *mn = dwarf_diename(&child);
		bool has_type = dwarf_attr(&child, DW_AT_type, &attr) &&
				dwarf_formref_die(&attr, &tdie) &&
				dwarf_peel_type(&tdie, &tdie) == 0;
		if (mn) {
			if (strncmp(mn, name, len) || mn[len])
				continue;
			*off = moff;
			if (has_type)
				*mtype = tdie;
			else
				memset(mtype, 0, sizeof(*mtype));
			return true;
		}
		if (has_type && dwarf_find_member(&tdie, name, len, off, mtype, depth + 1)) {
			*off += moff;
			return true;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static struct vmr_error *dwarf_member_offset(struct vmr_vmlinux *v, const char *type,
					     const char *member, uint64_t *off)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_load(v, &dw);
	if (err)
		return err;
	Dwarf_Die die;
	if (!dwarf_find_type(dw, type, &die) || dwarf_peel_type(&die, &die))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: DWARF: no type %s", v->path, type);
	uint64_t total = 0;
	const char *p = member;
	for (int d = 0; d < DW_MAX_DEPTH; d++) {
		size_t len = strcspn(p, ".");
		uint64_t moff;
		Dwarf_Die mtype;
		if (!len || !dwarf_find_member(&die, p, len, &moff, &mtype, 0))
			break;
		total += moff;
		if (!p[len]) {
			*off = total;
			return NULL;
		}
		die = mtype;
		p += len + 1;
	}
	return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: DWARF: no member %s in %s", v->path,
			     member, type);
}

static struct vmr_error *dwarf_type_size(struct vmr_vmlinux *v, const char *name,
					 uint64_t *size)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_load(v, &dw);
	if (err)
		return err;
	Dwarf_Die die;
	Dwarf_Word sz;
	if (!dwarf_find_type(dw, name, &die) || dwarf_aggregate_size(&die, &sz))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: DWARF: no type %s", v->path, name);
	*size = sz;
	return NULL;
}

static struct vmr_error *dwarf_enumerator(struct vmr_vmlinux *v, const char *name,
					  int64_t *value)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_load(v, &dw);
	if (err)
		return err;
	size_t keylen = strlen(name) + 1;
	struct cache_ent *c = cache_find(dw, C_ENUMERATOR, name, keylen);
	bool found;
	int64_t val = 0;
	if (c) {
		found = c->found;
		val = c->value;
	} else {
		found = scan_units(dw, enumerator_fn, name, &val);
		cache_put(dw, C_ENUMERATOR, name, keylen, found, val);
	}
	if (!found)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: DWARF: no enumerator %s",
				     v->path, name);
	*value = val;
	return NULL;
}

/** Parse .BTF once; *out stays NULL (and no error) if the file has none. */
static struct vmr_error *btf_get(struct vmr_vmlinux *v, struct vmr_btf **out)
{
	*out = NULL;
	if (!v->btf_tried) {
		v->btf_tried = true;
		const void *data;
		uint64_t size;
		struct vmr_error *err = vmr_vmlinux_section(v, ".BTF", NULL, &size, &data);
		if (err) {
			vmr_error_free(err);
			return NULL;
		}
		if (!data)
			return NULL;
		err = vmr_btf_load(data, size, false, &v->btf);
		if (err)
			return vmr_error_prefix(err, "%s", v->path);
	}
	*out = v->btf;
	return NULL;
}

/**
 * Ask BTF unless DWARF is forced, DWARF if BTF is forced off or the file
 * has no .BTF.  A BTF "not found" is final in AUTO mode: pahole writes
 * every type of the DWARF into .BTF, and falling back would make each probe
 * for a member that this kernel version lacks (x86_64-layout.md §7: decide
 * by member presence) pay for loading DWARF.
 */
#define TYPE_QUERY(v, btf_call, dw_call)                                        \
	do {                                                                    \
		if ((v)->type_source != VMR_TYPES_DWARF) {                      \
			struct vmr_btf *b;                                      \
			struct vmr_error *err_ = btf_get((v), &b);              \
			if (err_)                                               \
				return err_;                                    \
			if (b) {                                                \
				err_ = (btf_call);                              \
				return err_ ? vmr_error_prefix(err_, "%s", (v)->path) \
					    : NULL;                             \
			}                                                       \
			if ((v)->type_source == VMR_TYPES_BTF)                  \
				return vmr_error_new(VMR_ERR_NOT_FOUND,         \
						     "%s: no .BTF section", (v)->path); \
		}                                                               \
		return (dw_call);                                               \
	} while (0)

struct vmr_error *vmr_vmlinux_enumerator(struct vmr_vmlinux *v, const char *name,
					 int64_t *value)
{
	TYPE_QUERY(v, vmr_btf_enumerator(b, name, value),
		   dwarf_enumerator(v, name, value));
}

/** A question for enum_name_fn(): the enum, the value, the answer. */
struct enum_query {
	const char *type;
	int64_t value;
	const char **name;
	int64_t *at;
};

/** The enum named q->type: its enumerator for q->value (see vmr_btf_enum_name()). */
static bool enum_name_fn(Dwarf_Die *die, const void *arg, int64_t *result)
{
	const struct enum_query *q = arg;
	Dwarf_Die child;
	if (dwarf_tag(die) != DW_TAG_enumeration_type || !name_is(die, q->type) ||
	    dwarf_child(die, &child))
		return false;
	const char *best = NULL;
	int64_t best_val = 0;
	do {
		Dwarf_Attribute attr;
		Dwarf_Sword s;
		Dwarf_Word u;
		int64_t v;
		const char *n = dwarf_diename(&child);
		if (dwarf_tag(&child) != DW_TAG_enumerator || !n || !*n ||
		    !dwarf_attr(&child, DW_AT_const_value, &attr))
			continue;
		if (dwarf_whatform(&attr) == DW_FORM_sdata ||
		    dwarf_whatform(&attr) == DW_FORM_implicit_const) {
			if (dwarf_formsdata(&attr, &s))
				continue;
			v = s;
		} else {
			if (dwarf_formudata(&attr, &u))
				continue;
			v = (int64_t)u;
		}
		if (v > q->value)
			continue;
		if (!best || v > best_val ||
		    (v == best_val && !strncmp(best, "__", 2) && strncmp(n, "__", 2))) {
			best = n;
			best_val = v;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	if (!best)
		return false;
	*q->name = best;
	*result = best_val;
	return true;
}

static struct vmr_error *dwarf_enum_name(struct vmr_vmlinux *v, const char *type,
					 int64_t value, const char **name, int64_t *at)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_load(v, &dw);
	if (err)
		return err;
	if (!strncmp(type, "enum ", 5))
		type += 5;
	int64_t found;
	struct enum_query q = { type, value, name, at };
	if (!scan_units(dw, enum_name_fn, &q, &found))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: DWARF: no enumerator of enum %s "
				     "at or below %lld", v->path, type, (long long)value);
	if (at)
		*at = found;
	return NULL;
}

struct vmr_error *vmr_vmlinux_enum_name(struct vmr_vmlinux *v, const char *type,
					int64_t value, const char **name, int64_t *at)
{
	TYPE_QUERY(v, vmr_btf_enum_name(b, type, value, name, at),
		   dwarf_enum_name(v, type, value, name, at));
}

struct vmr_error *vmr_vmlinux_type_size(struct vmr_vmlinux *v, const char *name,
					uint64_t *size)
{
	TYPE_QUERY(v, vmr_btf_type_size(b, name, size), dwarf_type_size(v, name, size));
}

struct vmr_error *vmr_vmlinux_member_offset(struct vmr_vmlinux *v, const char *type,
					    const char *member, uint64_t *off)
{
	TYPE_QUERY(v, vmr_btf_member_offset(b, type, member, off),
		   dwarf_member_offset(v, type, member, off));
}

/*
 * @p file relative to the source tree when it is an absolute path there:
 * the line tables of assembly units name files by absolute build paths
 * ("/build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S"),
 * those of C units relative ones ("kernel/printk/printk.c").  The tree is
 * the longest leading directory the file shares with the unit's build
 * directory (DW_AT_comp_dir: the tree itself, or an out-of-tree build
 * directory inside it), of at least two components.
 */
static const char *tree_relative(Dwarf_Die *cudie, const char *file)
{
	Dwarf_Attribute attr;
	const char *dir = dwarf_attr(cudie, DW_AT_comp_dir, &attr) ? dwarf_formstring(&attr)
								     : NULL;
	if (!file || !dir || file[0] != '/' || dir[0] != '/')
		return file;
	size_t common = 0, parts = 0; /* just past the last shared '/' */
	for (size_t i = 1; file[i] && file[i] == dir[i]; i++) {
		if (file[i] == '/') {
			common = i + 1;
			parts++;
		}
	}
	/* dir itself may end where file goes on with '/' */
	size_t n = strlen(dir);
	if (n > 1 && !strncmp(file, dir, n) && file[n] == '/') {
		common = n + 1;
		parts++;
	}
	return parts >= 2 && file[common] ? file + common : file;
}

static const char *call_file(Dwarf_Files *files, size_t nfiles, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx;
	if (!files || !dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) ||
	    idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/**
 * The unit DIE of @p addr: from the on-demand loader (which inflates
 * .debug_info up to the end of that unit) when there is one and @p whole is
 * false, else from the Dwarf handle over every unit.
 */
static struct vmr_error *unit_of(struct vmr_vmlinux *v, uint64_t addr, bool whole,
				 Dwarf_Die *cudie)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_state(v, &dw);
	if (err)
		return err;
	if (dw->load && !dw->dbg && !whole) {
		Dwarf *dbg;
		return vmr_dwload_unit(dw->load, addr, &dbg, cudie);
	}
	if ((err = dwarf_handle(v, &dw)))
		return err;
	if (!dw->load && !dw->ar_tried) {
		/* Our index of .debug_aranges: dwarf_addrdie() checks every unit
		 * header first, which maps most of .debug_info. */
		dw->ar_tried = true;
		const void *d = NULL;
		uint64_t size = 0;
		struct vmr_error *e = vmr_vmlinux_section(v, ".debug_aranges", NULL, &size, &d);
		if (!e && d)
			e = vmr_aranges_index(d, size, v->path, &dw->ar, &dw->nar);
		if (e == &vmr_enomem)
			return e;
		vmr_error_free(e);
	}
	uint64_t cu;
	if (dw->ar) {
		Dwarf_Off next;
		size_t hsize;
		if (!vmr_aranges_find(dw->ar, dw->nar, addr, &cu))
			return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no line information for %#llx",
					     v->path, (unsigned long long)addr);
		if (!dwarf_next_unit(dw->dbg, cu, &next, &hsize, NULL, NULL, NULL, NULL, NULL,
				     NULL) &&
		    dwarf_offdie(dw->dbg, cu + hsize, cudie))
			return NULL;
	}
	if (!dwarf_addrdie(dw->dbg, addr, cudie))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no line information for %#llx",
				     v->path, (unsigned long long)addr);
	return NULL;
}

struct vmr_error *vmr_vmlinux_source_line(struct vmr_vmlinux *v, uint64_t addr,
					  struct vmr_source_line *out)
{
	memset(out, 0, sizeof(*out));
	Dwarf_Die cudie;
	struct vmr_error *err = unit_of(v, addr, false, &cudie);
	if (err)
		return err;
	struct vmr_dwinfo *dw = v->dw;
	if (!dw->fns && !dw->fns_off)
		dw->fns = vmr_fnindex_new(); /* NULL: libdw's walk */
	struct vmr_fnindex *fns = dw->fns_off ? NULL : dw->fns;
	bool found;
	if (!vmr_dwarf_line_in_unit(&cudie, addr, fns, out, &found)) {
		memset(out, 0, sizeof(*out));
		if ((err = unit_of(v, addr, true, &cudie)))
			return err;
		vmr_dwarf_line_in_unit(&cudie, addr, fns, out, &found);
	}
	if (!found)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no line information for %#llx",
				     v->path, (unsigned long long)addr);
	return NULL;
}

/** DW_AT_abstract_origin (or _specification) that does not resolve. */
static bool dangling_origin(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Die target;
	if (!dwarf_attr(die, DW_AT_abstract_origin, &attr) &&
	    !dwarf_attr(die, DW_AT_specification, &attr))
		return false;
	return !dwarf_formref_die(&attr, &target);
}

/**
 * The concrete scopes of @p addr, innermost function first: through the
 * function index @p fns when it has the function, else libdw's walks
 * (dwarf_getscopes() stops at the innermost inlined instance and goes on in
 * its abstract definition; the concrete nesting comes from
 * dwarf_getscopes_die()).  @return the count, or -1 (see line_in_unit).
 */
static int concrete_scopes(Dwarf_Die *cudie, uint64_t addr, struct vmr_fnindex *fns,
			   Dwarf_Die **out)
{
	int n = fns ? vmr_fnindex_scopes(fns, cudie, addr, out) : 0;
	if (n > 0)
		return n;
	free(*out);
	*out = NULL;
	Dwarf_Die *scopes = NULL, fn_die;
	n = dwarf_getscopes(cudie, addr, &scopes);
	if (n < 0)
		return -1; /* e.g. an inlined instance whose origin is elsewhere */
	bool have_fn = false;
	for (int i = 0; i < n && !have_fn; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram) {
			fn_die = scopes[i];
			have_fn = true;
		}
	}
	free(scopes);
	return have_fn ? dwarf_getscopes_die(&fn_die, out) : 0;
}

void vmr_vmlinux_set_fn_index(struct vmr_vmlinux *v, bool on)
{
	struct vmr_dwinfo *dw;
	struct vmr_error *err = dwarf_state(v, &dw);
	if (err) {
		if (err != &vmr_enomem)
			vmr_error_free(err);
		return;
	}
	dw->fns_off = !on;
}

bool vmr_dwarf_line_in_unit(Dwarf_Die *cudie, uint64_t addr, struct vmr_fnindex *fns,
			    struct vmr_source_line *out, bool *found)
{
	Dwarf_Line *line = dwarf_getsrc_die(cudie, addr);
	*found = line != NULL;
	if (!line)
		return true;
	out->file = tree_relative(cudie, dwarf_linesrc(line, NULL, NULL));
	dwarf_lineno(line, &out->line);
	dwarf_linecol(line, &out->column);

	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	if (dwarf_getsrcfiles(cudie, &files, &nfiles))
		files = NULL;
	Dwarf_Die *scopes = NULL;
	int n = concrete_scopes(cudie, addr, fns, &scopes);
	if (n < 0)
		return false;
	Dwarf_Die *inl = NULL; /* the inlined_subroutine met last */
	bool first = true;
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		const char *fn = die_name(&scopes[i]);
		if (!fn && dangling_origin(&scopes[i])) {
			free(scopes);
			return false;
		}
		if (first) {
			out->function = fn;
			first = false;
		} else if (inl && out->n_inlined < VMR_MAX_INLINE) {
			struct vmr_inline_frame *f = &out->inlined[out->n_inlined++];
			Dwarf_Attribute attr;
			Dwarf_Word w = 0;
			f->function = fn;
			f->file = tree_relative(cudie, call_file(files, nfiles, inl));
			if (dwarf_attr(inl, DW_AT_call_line, &attr))
				dwarf_formudata(&attr, &w);
			f->line = w > INT32_MAX ? 0 : (int)w;
		}
		inl = tag == DW_TAG_inlined_subroutine ? &scopes[i] : NULL;
		if (tag == DW_TAG_subprogram)
			break;
	}
	free(scopes);
	return true;
}
