/* SPDX-License-Identifier: MIT */
/**
 * @file btf.c  A bounded BTF reader: header, type records, a name index.
 * Layout: include/uapi/linux/btf.h [k6.12] (kinds 1..19, ENUM64 since 6.0).
 */
#include "dwarf/btf.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define BTF_MAGIC 0xeB9F
#define BTF_MAX_TYPES (1u << 24) /* the kernel's BTF_MAX_TYPE is 0xfffff */
#define BTF_MAX_DEPTH 64         /* typedef/qualifier chains, nesting */

enum {
	KIND_INT = 1, KIND_PTR, KIND_ARRAY, KIND_STRUCT, KIND_UNION, KIND_ENUM,
	KIND_FWD, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT,
	KIND_FUNC, KIND_FUNC_PROTO, KIND_VAR, KIND_DATASEC, KIND_FLOAT,
	KIND_DECL_TAG, KIND_TYPE_TAG, KIND_ENUM64,
};

struct btf_type {
	uint32_t name_off;
	uint32_t info; /* vlen 0-15, kind 24-28, kind_flag 31 */
	uint32_t size_type;
};

/** One name-index entry: a named type, or an enumerator of an enum type. */
struct name_ent {
	uint32_t name_off;
	uint32_t tid;
	uint32_t idx; /* UINT32_MAX: the type itself; else enumerator index */
	uint32_t hash;
};

struct vmr_btf {
	const uint8_t *types; /* type section */
	const char *strs;     /* string section, NUL-terminated */
	uint32_t str_len;
	uint32_t *type_off;   /* offset of type id i (1..n) in types; [0] unused */
	size_t ntypes;
	struct name_ent *ents; /* open addressing, name_off 0 = empty */
	size_t ent_mask;
	void *copy;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h | 1; /* never 0 */
}

static inline unsigned kind_of(const struct btf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

static inline unsigned vlen_of(const struct btf_type *t)
{
	return t->info & 0xffff;
}

static inline const struct btf_type *type_at(const struct vmr_btf *b, uint32_t tid)
{
	if (tid == 0 || tid > b->ntypes)
		return NULL;
	return (const struct btf_type *)(b->types + b->type_off[tid]);
}

static inline const char *name_of(const struct vmr_btf *b, uint32_t off)
{
	return off < b->str_len ? b->strs + off : "";
}

/** Bytes following the 12-byte record of a type of @p kind with @p vlen. */
static bool extra_size(unsigned kind, unsigned vlen, size_t *extra)
{
	switch (kind) {
	case KIND_INT: case KIND_VAR: case KIND_DECL_TAG:
		*extra = 4; return true;
	case KIND_PTR: case KIND_FWD: case KIND_TYPEDEF: case KIND_VOLATILE:
	case KIND_CONST: case KIND_RESTRICT: case KIND_FUNC: case KIND_FLOAT:
	case KIND_TYPE_TAG:
		*extra = 0; return true;
	case KIND_ARRAY:
		*extra = 12; return true;
	case KIND_STRUCT: case KIND_UNION: case KIND_DATASEC: case KIND_ENUM64:
		*extra = (size_t)vlen * 12; return true;
	case KIND_ENUM: case KIND_FUNC_PROTO:
		*extra = (size_t)vlen * 8; return true;
	}
	return false;
}

static void ent_insert(struct vmr_btf *b, uint32_t name_off, uint32_t tid, uint32_t idx)
{
	uint32_t h = str_hash(b->strs + name_off);
	size_t i = h & b->ent_mask;
	while (b->ents[i].name_off)
		i = (i + 1) & b->ent_mask;
	b->ents[i] = (struct name_ent){ name_off, tid, idx, h };
}

/** Walk the type section: count (@p fill false) or record offsets and names. */
static struct vmr_error *walk_types(struct vmr_btf *b, size_t len, bool fill,
				    size_t *count, size_t *names)
{
	size_t off = 0, n = 0, nn = 0;
	while (off < len) {
		if (len - off < sizeof(struct btf_type))
			return vmr_error_new(VMR_ERR_FORMAT, "BTF: type %zu truncated", n + 1);
		if (n + 1 >= BTF_MAX_TYPES)
			return vmr_error_new(VMR_ERR_LIMIT, "BTF: more than %u types",
					     BTF_MAX_TYPES);
		const struct btf_type *t = (const void *)(b->types + off);
		size_t extra;
		if (!extra_size(kind_of(t), vlen_of(t), &extra))
			return vmr_error_new(VMR_ERR_FORMAT, "BTF: type %zu has unknown kind %u",
					     n + 1, kind_of(t));
		if (len - off - sizeof(*t) < extra)
			return vmr_error_new(VMR_ERR_FORMAT, "BTF: type %zu truncated", n + 1);
		if (t->name_off >= b->str_len)
			return vmr_error_new(VMR_ERR_FORMAT, "BTF: type %zu name offset %#x "
					     "out of range", n + 1, t->name_off);
		n++;
		unsigned kind = kind_of(t);
		bool named = t->name_off && kind != KIND_FUNC && kind != KIND_VAR &&
			     kind != KIND_DATASEC && kind != KIND_DECL_TAG &&
			     kind != KIND_FUNC_PROTO;
		if (fill) {
			b->type_off[n] = (uint32_t)off;
			if (named)
				ent_insert(b, t->name_off, (uint32_t)n, UINT32_MAX);
		}
		nn += named;
		if (kind == KIND_ENUM || kind == KIND_ENUM64) {
			const uint8_t *m = b->types + off + sizeof(*t);
			size_t stride = kind == KIND_ENUM ? 8 : 12;
			for (unsigned i = 0; i < vlen_of(t); i++) {
				uint32_t no;
				memcpy(&no, m + i * stride, 4);
				if (no >= b->str_len)
					return vmr_error_new(VMR_ERR_FORMAT, "BTF: enumerator %u of "
							     "type %zu: bad name offset", i, n);
				if (!no)
					continue;
				nn++;
				if (fill)
					ent_insert(b, no, (uint32_t)n, i);
			}
		}
		off += sizeof(*t) + extra;
	}
	*count = n;
	*names = nn;
	return NULL;
}

struct vmr_error *vmr_btf_load(const void *data, size_t size, bool copy,
			       struct vmr_btf **out)
{
	*out = NULL;
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} h;
	if (size < sizeof(h))
		return vmr_error_new(VMR_ERR_FORMAT, "BTF: %zu bytes, too short", size);
	memcpy(&h, data, sizeof(h));
	if (h.magic == 0x9FeB)
		return vmr_error_new(VMR_ERR_UNSUPPORTED, "BTF: big-endian BTF");
	if (h.magic != BTF_MAGIC || h.version != 1)
		return vmr_error_new(VMR_ERR_FORMAT, "BTF: bad magic %#x or version %u",
				     h.magic, h.version);
	uint64_t body = size;
	if (h.hdr_len < sizeof(h) || h.hdr_len > body ||
	    (uint64_t)h.type_off + h.type_len > body - h.hdr_len ||
	    (uint64_t)h.str_off + h.str_len > body - h.hdr_len || h.str_len == 0 ||
	    h.type_off % 4 || h.hdr_len % 4)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "BTF: header sections out of range (size %zu)", size);

	struct vmr_btf *b = calloc(1, sizeof(*b));
	if (!b)
		return &vmr_enomem;
	const uint8_t *base = data;
	if (copy) {
		b->copy = malloc(size);
		if (!b->copy) {
			free(b);
			return &vmr_enomem;
		}
		memcpy(b->copy, data, size);
		base = b->copy;
	}
	b->types = base + h.hdr_len + h.type_off;
	b->strs = (const char *)base + h.hdr_len + h.str_off;
	b->str_len = h.str_len;
	struct vmr_error *err = NULL;
	if (b->strs[b->str_len - 1] != '\0') {
		err = vmr_error_new(VMR_ERR_FORMAT, "BTF: string section not terminated");
		goto fail;
	}
	/* Records are 4-byte multiples; an unaligned buffer needs a copy. */
	if (((uintptr_t)b->types & 3) && !copy) {
		vmr_btf_free(b);
		return vmr_btf_load(data, size, true, out);
	}
	size_t n, names;
	err = walk_types(b, h.type_len, false, &n, &names);
	if (err)
		goto fail;
	size_t cap = 16;
	while (cap < 2 * names + 2)
		cap <<= 1;
	b->type_off = malloc((n + 1) * sizeof(*b->type_off));
	b->ents = calloc(cap, sizeof(*b->ents));
	if (!b->type_off || !b->ents) {
		vmr_btf_free(b);
		return &vmr_enomem;
	}
	b->ent_mask = cap - 1;
	err = walk_types(b, h.type_len, true, &n, &names);
	if (err)
		goto fail;
	b->ntypes = n;
	*out = b;
	return NULL;
fail:
	vmr_btf_free(b);
	return err;
}

void vmr_btf_free(struct vmr_btf *b)
{
	if (!b)
		return;
	free(b->type_off);
	free(b->ents);
	free(b->copy);
	free(b);
}

size_t vmr_btf_type_count(const struct vmr_btf *b)
{
	return b->ntypes;
}

/** Iterate name-index entries for @p name: start with *pos = SIZE_MAX. */
static const struct name_ent *ent_next(const struct vmr_btf *b, const char *name,
				       uint32_t h, size_t *pos)
{
	size_t i = *pos == SIZE_MAX ? (h & b->ent_mask) : ((*pos + 1) & b->ent_mask);
	for (;; i = (i + 1) & b->ent_mask) {
		const struct name_ent *e = &b->ents[i];
		if (!e->name_off)
			return NULL;
		if (e->hash == h && !strcmp(b->strs + e->name_off, name)) {
			*pos = i;
			return e;
		}
	}
}

struct vmr_error *vmr_btf_enumerator(const struct vmr_btf *b, const char *name,
				     int64_t *value)
{
	uint32_t h = str_hash(name);
	size_t pos = SIZE_MAX;
	const struct name_ent *e;
	while ((e = ent_next(b, name, h, &pos))) {
		if (e->idx == UINT32_MAX)
			continue;
		const struct btf_type *t = type_at(b, e->tid);
		const uint8_t *m = (const uint8_t *)(t + 1);
		if (kind_of(t) == KIND_ENUM) {
			int32_t v32;
			uint32_t u32;
			memcpy(&v32, m + e->idx * 8 + 4, 4);
			memcpy(&u32, m + e->idx * 8 + 4, 4);
			/* kind_flag set: signed values (since 6.0) */
			*value = (t->info >> 31) ? v32 : (int64_t)u32;
		} else {
			uint32_t lo, hi;
			memcpy(&lo, m + e->idx * 12 + 4, 4);
			memcpy(&hi, m + e->idx * 12 + 8, 4);
			*value = (int64_t)((uint64_t)hi << 32 | lo);
		}
		return NULL;
	}
	return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no enumerator %s", name);
}

/** Follow typedefs and qualifiers from @p tid. @return 0 if the chain is bad. */
static uint32_t skip_mods(const struct vmr_btf *b, uint32_t tid)
{
	for (int d = 0; d < BTF_MAX_DEPTH; d++) {
		const struct btf_type *t = type_at(b, tid);
		if (!t)
			return 0;
		switch (kind_of(t)) {
		case KIND_TYPEDEF: case KIND_VOLATILE: case KIND_CONST:
		case KIND_RESTRICT: case KIND_TYPE_TAG:
			tid = t->size_type;
			break;
		default:
			return tid;
		}
	}
	return 0;
}

static bool size_of(const struct vmr_btf *b, uint32_t tid, uint64_t *size, int depth)
{
	if (depth > BTF_MAX_DEPTH)
		return false;
	tid = skip_mods(b, tid);
	const struct btf_type *t = type_at(b, tid);
	if (!t)
		return false;
	switch (kind_of(t)) {
	case KIND_INT: case KIND_STRUCT: case KIND_UNION: case KIND_ENUM:
	case KIND_ENUM64: case KIND_FLOAT: case KIND_DATASEC:
		*size = t->size_type;
		return true;
	case KIND_PTR:
		*size = 8;
		return true;
	case KIND_ARRAY: {
		uint32_t arr[3]; /* type, index_type, nelems */
		memcpy(arr, t + 1, sizeof(arr));
		uint64_t es;
		if (!size_of(b, arr[0], &es, depth + 1) ||
		    (arr[2] && es > UINT64_MAX / arr[2]))
			return false;
		*size = es * arr[2];
		return true;
	}
	}
	return false;
}

/** The struct/union (or, with @p any, other named type) called @p name. */
static uint32_t find_type(const struct vmr_btf *b, const char *name, bool any)
{
	unsigned want = 0;
	if (!strncmp(name, "struct ", 7)) {
		want = KIND_STRUCT;
		name += 7;
	} else if (!strncmp(name, "union ", 6)) {
		want = KIND_UNION;
		name += 6;
	} else if (!strncmp(name, "enum ", 5)) {
		want = KIND_ENUM;
		name += 5;
	}
	uint32_t h = str_hash(name), other = 0;
	size_t pos = SIZE_MAX;
	const struct name_ent *e;
	while ((e = ent_next(b, name, h, &pos))) {
		if (e->idx != UINT32_MAX)
			continue;
		unsigned k = kind_of(type_at(b, e->tid));
		if (want ? (k == want || (want == KIND_ENUM && k == KIND_ENUM64))
			 : (k == KIND_STRUCT || k == KIND_UNION))
			return e->tid;
		if (!want && any && k != KIND_FWD && !other)
			other = e->tid;
	}
	return other;
}

struct vmr_error *vmr_btf_type_size(const struct vmr_btf *b, const char *name,
				    uint64_t *size)
{
	uint32_t tid = find_type(b, name, true);
	if (!tid || !size_of(b, tid, size, 0))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no type %s", name);
	return NULL;
}

/** Members one lookup looks at, at most: anonymous members that contain
 * themselves (corrupt BTF) would otherwise make the search exponential. */
#define BTF_MAX_MEMBER_VISITS (1u << 18)

/**
 * Find member @p name (length @p len) in struct/union @p tid, looking into
 * anonymous members.  @p budget counts down the members looked at.
 * @return true with its bit offset and type.
 */
static bool find_member(const struct vmr_btf *b, uint32_t tid, const char *name,
			size_t len, uint64_t *bitoff, uint32_t *mtid, int depth,
			uint32_t *budget)
{
	if (depth > BTF_MAX_DEPTH)
		return false;
	const struct btf_type *t = type_at(b, skip_mods(b, tid));
	if (!t || (kind_of(t) != KIND_STRUCT && kind_of(t) != KIND_UNION))
		return false;
	bool bitfields = t->info >> 31;
	const uint32_t *m = (const uint32_t *)(t + 1); /* name_off, type, offset */
	for (unsigned i = 0; i < vlen_of(t); i++, m += 3) {
		if (!*budget)
			return false;
		--*budget;
		uint64_t off = bitfields ? (m[2] & 0xffffff) : m[2];
		if (m[0]) {
			const char *mn = name_of(b, m[0]);
			if (!strncmp(mn, name, len) && mn[len] == '\0') {
				*bitoff = off;
				*mtid = m[1];
				return true;
			}
		} else if (find_member(b, m[1], name, len, bitoff, mtid, depth + 1, budget)) {
			*bitoff += off;
			return true;
		}
	}
	return false;
}

struct vmr_error *vmr_btf_member_offset(const struct vmr_btf *b, const char *type,
					const char *member, uint64_t *off)
{
	uint32_t tid = find_type(b, type, true);
	if (!tid)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no type %s", type);
	uint64_t total = 0;
	const char *p = member;
	for (int d = 0; d < BTF_MAX_DEPTH; d++) {
		size_t len = strcspn(p, ".");
		uint64_t bo;
		uint32_t mtid, budget = BTF_MAX_MEMBER_VISITS;
		if (!len || !find_member(b, tid, p, len, &bo, &mtid, 0, &budget))
			return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no member %s in %s",
					     member, type);
		total += bo;
		if (!p[len]) {
			*off = total / 8;
			return NULL;
		}
		tid = mtid;
		p += len + 1;
	}
	return vmr_error_new(VMR_ERR_LIMIT, "BTF: member path %s too deep", member);
}

/** Value of enumerator @p i of the ENUM/ENUM64 type @p t. */
static int64_t enumerator_value(const struct btf_type *t, unsigned i)
{
	const uint8_t *m = (const uint8_t *)(t + 1);
	if (kind_of(t) == KIND_ENUM) {
		int32_t v32;
		uint32_t u32;
		memcpy(&v32, m + (size_t)i * 8 + 4, 4);
		memcpy(&u32, m + (size_t)i * 8 + 4, 4);
		return (t->info >> 31) ? v32 : (int64_t)u32;
	}
	uint32_t lo, hi;
	memcpy(&lo, m + (size_t)i * 12 + 4, 4);
	memcpy(&hi, m + (size_t)i * 12 + 8, 4);
	return (int64_t)((uint64_t)hi << 32 | lo);
}

struct vmr_error *vmr_btf_enum_name(const struct vmr_btf *b, const char *type,
				    int64_t value, const char **name, int64_t *at)
{
	char key[128];
	if (strncmp(type, "enum ", 5)) {
		size_t n = strlen(type);
		if (n + 6 > sizeof(key))
			return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no enum %s", type);
		memcpy(key, "enum ", 5);
		memcpy(key + 5, type, n + 1);
		type = key;
	}
	uint32_t tid = find_type(b, type, false);
	const struct btf_type *t = type_at(b, tid);
	if (!t || (kind_of(t) != KIND_ENUM && kind_of(t) != KIND_ENUM64))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no %s", type);
	size_t stride = kind_of(t) == KIND_ENUM ? 8 : 12;
	const uint8_t *m = (const uint8_t *)(t + 1);
	const char *best = NULL;
	int64_t best_val = 0;
	for (unsigned i = 0; i < vlen_of(t); i++) {
		int64_t v = enumerator_value(t, i);
		uint32_t no;
		memcpy(&no, m + (size_t)i * stride, 4);
		const char *n = name_of(b, no);
		if (v > value || !*n)
			continue;
		bool better = !best || v > best_val ||
			      (v == best_val && !strncmp(best, "__", 2) && strncmp(n, "__", 2));
		if (better) {
			best = n;
			best_val = v;
		}
	}
	if (!best)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "BTF: no enumerator of %s at or below %lld",
				     type, (long long)value);
	*name = best;
	if (at)
		*at = best_val;
	return NULL;
}
