/* SPDX-License-Identifier: MIT */
/**
 * @file kallsyms.c  Decoding kallsyms from memory (kernel/kallsyms.c
 * kallsyms_expand_symbol() and kallsyms_sym_address() [k6.1, k6.12]).
 */
#include "dwarf/kallsyms.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define KSYM_NAME_LEN 512          /* include/linux/kallsyms.h [k6.12] */
#define NAMES_CHUNK (256u << 10)   /* bytes of kallsyms_names per read */
#define ADDRS_CHUNK (1u << 20)     /* bytes of offsets/addresses per read */
#define MAX_SYM_GAP (32ull << 20)  /* beyond: no "next symbol" (size 0) */
#define MAX_NAMES_BYTES (256u << 20) /* a real stream is a few MiB */

struct ksym {
	uint64_t addr;
	uint32_t name;  /* offset in the name arena */
	uint32_t index; /* position in the kernel's table */
	uint32_t hash;
	char type;
};

struct vmr_kallsyms {
	struct ksym *syms; /* address order, ties in table order */
	size_t n;
	char *arena;
	uint32_t *hash;    /* indices into syms, UINT32_MAX = empty */
	size_t hash_mask;
	bool abs_percpu;
};

/** A window over the names stream, refilled in big reads. */
struct reader {
	vmr_read_fn read;
	void *ctx;
	uint64_t base;
	uint8_t *buf;
	uint64_t start; /* stream offset of buf[0] */
	size_t len;
	uint64_t limit; /* stream offset where memory faulted, or UINT64_MAX */
};

/**
 * Make stream bytes [pos, pos + need) available in r->buf.  Reads are
 * NAMES_CHUNK long; one that runs past the end of readable memory is
 * retried up to the faulting address (remembered in r->limit), or halved,
 * down to what is needed.
 */
static struct vmr_error *ensure(struct reader *r, uint64_t pos, size_t need)
{
	if (pos >= r->start && pos + need <= r->start + r->len)
		return NULL;
	size_t len = NAMES_CHUNK;
	if (r->limit > pos && r->limit - pos < len)
		len = (size_t)(r->limit - pos);
	if (len < need)
		len = need;
	for (;;) {
		struct vmr_error *err = r->read(r->ctx, r->base + pos, r->buf, len);
		if (!err) {
			r->start = pos;
			r->len = len;
			return NULL;
		}
		uint64_t fa;
		if (len == need || vmr_error_code(err) != VMR_ERR_FAULT) {
			r->len = 0;
			return vmr_error_prefix(err, "kallsyms_names at %#llx+%#llx",
						(unsigned long long)r->base,
						(unsigned long long)pos);
		}
		if (vmr_error_address(err, &fa) && fa > r->base + pos &&
		    fa - (r->base + pos) < len) {
			r->limit = fa - r->base;
			len = (size_t)(fa - (r->base + pos));
		} else {
			len /= 2;
		}
		if (len < need)
			len = need;
		vmr_error_free(err);
	}
}

struct tokens {
	char table[256 * 64 + KSYM_NAME_LEN];
	const char *str[256];
	uint16_t len[256];
};

static struct vmr_error *read_tokens(const struct vmr_kallsyms_addrs *a, vmr_read_fn rd,
				     void *ctx, struct tokens *t)
{
	uint16_t index[256];
	struct vmr_error *err = rd(ctx, a->token_index, index, sizeof(index));
	if (err)
		return vmr_error_prefix(err, "kallsyms_token_index");
	size_t max = 0;
	for (int i = 0; i < 256; i++)
		if (index[i] > max)
			max = index[i];
	if (max >= 256 * 64)
		return vmr_error_new(VMR_ERR_FORMAT, "kallsyms_token_index: offset %zu "
				     "is beyond any token table", max);
	/* The table ends with the string at @max: read some slack after it,
	 * less if that runs off mapped memory. */
	static const size_t slack[] = { KSYM_NAME_LEN, 64, 16, 1 };
	size_t got = 0;
	for (size_t s = 0; s < sizeof(slack) / sizeof(slack[0]); s++) {
		err = rd(ctx, a->token_table, t->table, max + slack[s]);
		if (!err) {
			got = max + slack[s];
			break;
		}
		if (s + 1 < sizeof(slack) / sizeof(slack[0]))
			vmr_error_free(err);
	}
	if (!got)
		return vmr_error_prefix(err, "kallsyms_token_table");
	for (int i = 0; i < 256; i++) {
		const char *s = t->table + index[i];
		const char *nul = memchr(s, '\0', got - index[i]);
		if (!nul)
			return vmr_error_new(VMR_ERR_FORMAT, "kallsyms_token_table: token %d "
					     "at offset %u is not terminated", i, index[i]);
		t->str[i] = s;
		t->len[i] = (uint16_t)(nul - s);
	}
	return NULL;
}

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/** Expand every name into ks->arena and ks->syms[i].name/type/hash. */
static struct vmr_error *read_names(struct vmr_kallsyms *ks,
				    const struct vmr_kallsyms_addrs *a, vmr_read_fn rd,
				    void *ctx, const struct tokens *t)
{
	struct reader r = { .read = rd, .ctx = ctx, .base = a->names, .limit = UINT64_MAX };
	r.buf = malloc(NAMES_CHUNK);
	size_t cap = ks->n * 24 + 4096, used = 0;
	ks->arena = malloc(cap);
	if (!r.buf || !ks->arena) {
		free(r.buf);
		return &vmr_enomem;
	}
	struct vmr_error *err = NULL;
	uint64_t pos = 0;
	char name[KSYM_NAME_LEN + 1];
	for (size_t i = 0; i < ks->n; i++) {
		if (pos > MAX_NAMES_BYTES) {
			err = vmr_error_new(VMR_ERR_LIMIT, "kallsyms_names: longer than "
					    "%u bytes", MAX_NAMES_BYTES);
			break;
		}
		if ((err = ensure(&r, pos, 1)))
			break;
		const uint8_t *p = r.buf + (pos - r.start);
		size_t len = p[0], hdr = 1;
		if (len & 0x80) {
			/* two-byte length, commit 73bbb94466fd "kallsyms: support
			 * "big" kernel symbols" (6.1) */
			if ((err = ensure(&r, pos, 2)))
				break;
			p = r.buf + (pos - r.start);
			len = (len & 0x7f) | (size_t)p[1] << 7;
			hdr = 2;
		}
		if (len == 0 || len > KSYM_NAME_LEN) {
			err = vmr_error_new(VMR_ERR_FORMAT, "kallsyms_names: symbol %zu at "
					    "offset %#llx has %zu tokens", i,
					    (unsigned long long)pos, len);
			break;
		}
		if ((err = ensure(&r, pos, hdr + len)))
			break;
		p = r.buf + (pos - r.start) + hdr;
		size_t nl = 0;
		for (size_t k = 0; k < len; k++) {
			const struct tokens *tk = t;
			uint8_t tok = p[k];
			if (nl + tk->len[tok] > KSYM_NAME_LEN) {
				err = vmr_error_new(VMR_ERR_FORMAT, "kallsyms_names: symbol %zu "
						    "longer than %d bytes", i, KSYM_NAME_LEN);
				goto out;
			}
			memcpy(name + nl, tk->str[tok], tk->len[tok]);
			nl += tk->len[tok];
		}
		if (nl < 2) {
			err = vmr_error_new(VMR_ERR_FORMAT, "kallsyms_names: symbol %zu "
					    "expands to %zu bytes", i, nl);
			break;
		}
		name[nl] = '\0';
		if (used + nl > cap) {
			size_t ncap = cap * 2;
			char *n = realloc(ks->arena, ncap);
			if (!n) {
				err = &vmr_enomem;
				break;
			}
			ks->arena = n;
			cap = ncap;
		}
		/* The first expanded character is the type letter. */
		ks->syms[i].type = name[0];
		ks->syms[i].name = (uint32_t)used;
		ks->syms[i].index = (uint32_t)i;
		ks->syms[i].hash = str_hash(name + 1);
		memcpy(ks->arena + used, name + 1, nl); /* with the NUL */
		used += nl;
		pos += hdr + len;
	}
out:
	free(r.buf);
	return err;
}

/** Read @p n elements of @p esize bytes at @p addr into @p out, in chunks. */
static struct vmr_error *read_array(vmr_read_fn rd, void *ctx, uint64_t addr,
				    size_t n, size_t esize, void *out, const char *what)
{
	size_t total = n * esize;
	for (size_t off = 0; off < total; off += ADDRS_CHUNK) {
		size_t len = total - off < ADDRS_CHUNK ? total - off : ADDRS_CHUNK;
		struct vmr_error *err = rd(ctx, addr + off, (uint8_t *)out + off, len);
		if (err)
			return vmr_error_prefix(err, "%s", what);
	}
	return NULL;
}

/** Fill the addresses: kallsyms_addresses, or offsets with the right scheme. */
static struct vmr_error *read_addrs(struct vmr_kallsyms *ks,
				    const struct vmr_kallsyms_addrs *a, vmr_read_fn rd,
				    void *ctx)
{
	if (!a->offsets) {
		uint64_t *v = malloc(ks->n * sizeof(*v));
		if (!v)
			return &vmr_enomem;
		struct vmr_error *err = read_array(rd, ctx, a->addresses, ks->n, 8, v,
						   "kallsyms_addresses");
		for (size_t i = 0; !err && i < ks->n; i++)
			ks->syms[i].addr = v[i];
		free(v);
		return err;
	}
	uint64_t base;
	struct vmr_error *err = rd(ctx, a->relative_base, &base, sizeof(base));
	if (err)
		return vmr_error_prefix(err, "kallsyms_relative_base");
	int32_t *off = malloc(ks->n * sizeof(*off));
	if (!off)
		return &vmr_enomem;
	err = read_array(rd, ctx, a->offsets, ks->n, 4, off, "kallsyms_offsets");
	if (err) {
		free(off);
		return err;
	}
	/* Decide the scheme (see kallsyms.h). */
	size_t text = 0, neg = 0;
	int stext = -1;
	for (size_t i = 0; i < ks->n; i++) {
		char ty = ks->syms[i].type;
		if (ty == 't' || ty == 'T') {
			text++;
			neg += off[i] < 0;
		}
		if (stext < 0 && ty == 'T' && !strcmp(ks->arena + ks->syms[i].name, "_stext"))
			stext = (int)i;
	}
	ks->abs_percpu = stext >= 0 ? off[stext] < 0 : 2 * neg > text;
	for (size_t i = 0; i < ks->n; i++) {
		if (!ks->abs_percpu)
			ks->syms[i].addr = base + (uint32_t)off[i];
		else if (off[i] >= 0)
			ks->syms[i].addr = (uint64_t)off[i];
		else
			ks->syms[i].addr = base - 1 - (uint64_t)(int64_t)off[i];
	}
	free(off);
	return NULL;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool is_global(char type)
{
	return type >= 'A' && type <= 'Z';
}

static struct vmr_error *build_index(struct vmr_kallsyms *ks)
{
	bool sorted = true;
	for (size_t i = 1; i < ks->n && sorted; i++)
		sorted = cmp_sym(&ks->syms[i - 1], &ks->syms[i]) < 0;
	if (!sorted)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_sym);
	size_t cap = 16;
	while (cap < 2 * ks->n)
		cap <<= 1;
	ks->hash = malloc(cap * sizeof(*ks->hash));
	if (!ks->hash)
		return &vmr_enomem;
	memset(ks->hash, 0xff, cap * sizeof(*ks->hash));
	ks->hash_mask = cap - 1;
	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym *s = &ks->syms[i];
		const char *nm = ks->arena + s->name;
		for (size_t h = s->hash & ks->hash_mask;; h = (h + 1) & ks->hash_mask) {
			uint32_t cur = ks->hash[h];
			if (cur == UINT32_MAX) {
				ks->hash[h] = (uint32_t)i;
				break;
			}
			const struct ksym *c = &ks->syms[cur];
			if (c->hash == s->hash && !strcmp(ks->arena + c->name, nm)) {
				bool better = is_global(s->type) != is_global(c->type)
						      ? is_global(s->type)
						      : s->index < c->index;
				if (better)
					ks->hash[h] = (uint32_t)i;
				break;
			}
		}
	}
	return NULL;
}

struct vmr_error *vmr_kallsyms_load(const struct vmr_kallsyms_addrs *a,
				    vmr_read_fn read_virt, void *ctx,
				    struct vmr_kallsyms **out)
{
	*out = NULL;
	if (!a->names || !a->num_syms || !a->token_table || !a->token_index ||
	    !((a->offsets && a->relative_base) || a->addresses))
		return vmr_error_new(VMR_ERR_INVALID, "kallsyms: table addresses missing");
	uint32_t num;
	struct vmr_error *err = read_virt(ctx, a->num_syms, &num, sizeof(num));
	if (err)
		return vmr_error_prefix(err, "kallsyms_num_syms");
	if (num == 0 || num > VMR_KALLSYMS_MAX_SYMS)
		return vmr_error_new(VMR_ERR_LIMIT, "kallsyms_num_syms: %u symbols "
				     "(expected 1..%u)", num, VMR_KALLSYMS_MAX_SYMS);
	struct tokens *t = malloc(sizeof(*t));
	struct vmr_kallsyms *ks = calloc(1, sizeof(*ks));
	if (ks)
		ks->syms = calloc(num, sizeof(*ks->syms));
	if (!t || !ks || !ks->syms) {
		free(t);
		vmr_kallsyms_free(ks);
		return &vmr_enomem;
	}
	ks->n = num;
	err = read_tokens(a, read_virt, ctx, t);
	if (!err)
		err = read_names(ks, a, read_virt, ctx, t);
	free(t);
	if (!err)
		err = read_addrs(ks, a, read_virt, ctx);
	if (!err)
		err = build_index(ks);
	if (err) {
		vmr_kallsyms_free(ks);
		return err;
	}
	*out = ks;
	return NULL;
}

void vmr_kallsyms_free(struct vmr_kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->arena);
	free(ks->hash);
	free(ks);
}

size_t vmr_kallsyms_count(const struct vmr_kallsyms *ks)
{
	return ks->n;
}

bool vmr_kallsyms_absolute_percpu(const struct vmr_kallsyms *ks)
{
	return ks->abs_percpu;
}

bool vmr_kallsyms_lookup(const struct vmr_kallsyms *ks, const char *name,
			 uint64_t *addr, char *type)
{
	uint32_t h = str_hash(name);
	for (size_t i = h & ks->hash_mask;; i = (i + 1) & ks->hash_mask) {
		uint32_t cur = ks->hash[i];
		if (cur == UINT32_MAX)
			return false;
		const struct ksym *s = &ks->syms[cur];
		if (s->hash == h && !strcmp(ks->arena + s->name, name)) {
			if (addr)
				*addr = s->addr;
			if (type)
				*type = s->type;
			return true;
		}
	}
}

bool vmr_kallsyms_symbolize(const struct vmr_kallsyms *ks, uint64_t addr,
			    const char **name, uint64_t *start, uint64_t *size,
			    char *type)
{
	size_t lo = 0, hi = ks->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	size_t i = lo - 1;
	uint64_t sa = ks->syms[i].addr;
	while (i > 0 && ks->syms[i - 1].addr == sa)
		i--;
	uint64_t sz = 0;
	if (lo < ks->n && ks->syms[lo].addr - sa <= MAX_SYM_GAP)
		sz = ks->syms[lo].addr - sa;
	if (addr - sa >= sz && addr != sa)
		return false;
	if (name)
		*name = ks->arena + ks->syms[i].name;
	if (start)
		*start = sa;
	if (size)
		*size = sz;
	if (type)
		*type = ks->syms[i].type;
	return true;
}

bool vmr_kallsyms_symbol_at(const struct vmr_kallsyms *ks, size_t i,
			    const char **name, uint64_t *addr, char *type)
{
	if (i >= ks->n)
		return false;
	if (name)
		*name = ks->arena + ks->syms[i].name;
	if (addr)
		*addr = ks->syms[i].addr;
	if (type)
		*type = ks->syms[i].type;
	return true;
}
