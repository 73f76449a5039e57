/* SPDX-License-Identifier: MIT */
/**
 * @file kallsyms.c  Decoding kallsyms from memory (kernel/kallsyms.c
 * kallsyms_expand_symbol() and kallsyms_sym_address() [k6.1, k6.12]).
 *
 * The names stay compressed: `vmregion info` needs about twenty of the
 * ~100k names and one address each, so expanding every name and reading
 * every address (most of the time of a kdump-compressed `info`) waits
 * until a search by address needs them, and names are expanded one by one
 * when handed out.
 */
#include "dwarf/kallsyms.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dwarf/symindex.h"

#define KSYM_NAME_LEN 512          /* include/linux/kallsyms.h [k6.12] */
#define NAMES_CHUNK (256u << 10)   /* bytes of kallsyms_names per read */
#define ADDRS_CHUNK (1u << 20)     /* bytes of offsets/addresses per read */
#define MAX_NAMES_BYTES (256u << 20) /* a real stream is a few MiB */

/** Names handed out live in chunks that never move. */
#define ARENA_CHUNK (64u << 10)
/** Addresses are read and decoded in blocks of this many (4 KiB of offsets). */
#define ADDR_BLOCK 1024u

struct tokens {
	char table[256 * 64 + KSYM_NAME_LEN];
	const char *str[256];
	uint16_t len[256];
	/* The hash of each token's text (symindex.h), and of its text without
	 * the first character (a name's first token begins with the type). */
	uint32_t hash[256], mul[256];
	uint32_t hash1[256], mul1[256];
};

struct chunk {
	struct chunk *next;
	size_t used;
	char data[ARENA_CHUNK];
};

struct vmr_kallsyms {
	size_t n;
	bool abs_percpu;
	struct tokens *tok;
	uint8_t *names;          /* the compressed kallsyms_names stream */
	size_t names_len;
	uint32_t *pos;           /* stream offset of each symbol's length byte */
	char *type;              /* type letter of each symbol */
	struct vmr_symnames by_name;

	/* Addresses, read a block at a time when first needed: the table is
	 * in address order (the kernel's get_symbol_pos() searches it too), so
	 * a search by address reads ~log2(n / ADDR_BLOCK) blocks. */
	vmr_read_fn read;
	void *ctx;
	uint64_t offsets, addresses;   /* where the tables are */
	uint64_t relative_base;        /* its value */
	uint64_t **block;        /* decoded addresses, NULL = not read yet */
	bool addr_failed;        /* a block could not be read */

	const char **decoded;    /* names expanded so far, by symbol */
	struct chunk *arena;
};

/** The compressed names stream, read into one growing buffer. */
struct reader {
	vmr_read_fn read;
	void *ctx;
	uint64_t base;
	uint8_t *buf;
	size_t len;     /* bytes read so far (stream offsets 0..len) */
	size_t cap;
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
	while (pos + need > r->len) {
		size_t want = (size_t)(pos + need - r->len);
		size_t len = NAMES_CHUNK;
		if (r->limit > r->len && r->limit - r->len < len)
			len = (size_t)(r->limit - r->len);
		if (len < want)
			len = want;
		if (r->len + len > r->cap) {
			size_t cap = r->cap ? 2 * r->cap : NAMES_CHUNK;
			while (cap < r->len + len)
				cap *= 2;
			uint8_t *nb = realloc(r->buf, cap);
			if (!nb)
				return &vmr_enomem;
			r->buf = nb;
			r->cap = cap;
		}
		for (;;) {
			uint64_t at = r->base + r->len;
			struct vmr_error *err = r->read(r->ctx, at, r->buf + r->len, len);
			if (!err) {
				r->len += len;
				break;
			}
			uint64_t fa;
			if (len == want || vmr_error_code(err) != VMR_ERR_FAULT)
				return vmr_error_prefix(err, "kallsyms_names at %#llx+%#llx",
							(unsigned long long)r->base,
							(unsigned long long)r->len);
			if (vmr_error_address(err, &fa) && fa > at && fa - at < len) {
				r->limit = fa - r->base;
				len = (size_t)(fa - at);
			} else {
				len /= 2;
			}
			if (len < want)
				len = want;
			vmr_error_free(err);
		}
	}
	return NULL;
}

static uint32_t mul_pow(size_t len)
{
	uint32_t m = 1;
	while (len--)
		m *= VMR_SYMHASH_MUL;
	return m;
}

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
		size_t len = (size_t)(nul - s);
		t->str[i] = s;
		t->len[i] = (uint16_t)len;
		t->hash[i] = vmr_symhash_bytes(0, s, len);
		t->mul[i] = mul_pow(len);
		t->hash1[i] = len ? vmr_symhash_bytes(0, s + 1, len - 1) : 0;
		t->mul1[i] = len ? mul_pow(len - 1) : 1;
	}
	return NULL;
}

/** Header of the symbol at stream offset @p pos (checked when loading). */
static const uint8_t *sym_tokens(const struct vmr_kallsyms *ks, uint32_t pos, size_t *len)
{
	const uint8_t *p = ks->names + pos;
	if (p[0] & 0x80) {
		*len = (p[0] & 0x7f) | (size_t)p[1] << 7;
		return p + 2;
	}
	*len = p[0];
	return p + 1;
}

/** Expand the name of symbol @p i (without its type letter) into @p out. */
static size_t expand(const struct vmr_kallsyms *ks, uint32_t i, char out[KSYM_NAME_LEN + 1])
{
	size_t len, nl = 0;
	const uint8_t *p = sym_tokens(ks, ks->pos[i], &len);
	const struct tokens *t = ks->tok;
	for (size_t k = 0; k < len; k++) {
		memcpy(out + nl, t->str[p[k]], t->len[p[k]]);
		nl += t->len[p[k]];
	}
	out[nl] = '\0';
	memmove(out, out + 1, nl); /* the type letter goes */
	return nl - 1;
}

/* symindex callbacks; ctx is the table. */
static bool sym_same(void *ctx, uint32_t a, uint32_t b)
{
	const struct vmr_kallsyms *ks = ctx;
	size_t la, lb;
	const uint8_t *pa = sym_tokens(ks, ks->pos[a], &la);
	const uint8_t *pb = sym_tokens(ks, ks->pos[b], &lb);
	if (la == lb && !memcmp(pa, pb, la))
		return true; /* same tokens, same name (and type) */
	char x[KSYM_NAME_LEN + 1], y[KSYM_NAME_LEN + 1];
	expand(ks, a, x);
	expand(ks, b, y);
	return !strcmp(x, y);
}

static bool is_global(char type)
{
	return type >= 'A' && type <= 'Z';
}

static bool sym_wins(void *ctx, uint32_t a, uint32_t b)
{
	const struct vmr_kallsyms *ks = ctx;
	return is_global(ks->type[a]) && !is_global(ks->type[b]);
}

static bool sym_is(void *ctx, uint32_t i, const char *name)
{
	char x[KSYM_NAME_LEN + 1];
	expand(ctx, i, x);
	return !strcmp(x, name);
}

/**
 * Walk every name once: check it, note where it starts and its type
 * letter, and hash it from its tokens (nothing is expanded).
 */
static struct vmr_error *read_names(struct vmr_kallsyms *ks,
				    const struct vmr_kallsyms_addrs *a, vmr_read_fn rd,
				    void *ctx, uint32_t *hash)
{
	struct reader r = { .read = rd, .ctx = ctx, .base = a->names, .limit = UINT64_MAX };
	const struct tokens *t = ks->tok;
	struct vmr_error *err = NULL;
	uint64_t pos = 0;
	for (size_t i = 0; i < ks->n; i++) {
		if (pos > MAX_NAMES_BYTES) {
			err = vmr_error_new(VMR_ERR_LIMIT, "kallsyms_names: longer than "
					    "%u bytes", MAX_NAMES_BYTES);
			break;
		}
		/* Most names lie well inside what was read: no call then. */
		bool room = pos + 2 + KSYM_NAME_LEN <= r.len;
		if (!room && (err = ensure(&r, pos, 1)))
			break;
		const uint8_t *p = r.buf + pos;
		size_t len = p[0], hdr = 1;
		if (len & 0x80) {
			/* two-byte length, commit 73bbb94466fd "kallsyms: support
			 * "big" kernel symbols" (6.1) */
			if (!room && (err = ensure(&r, pos, 2)))
				break;
			p = r.buf + pos;
			len = (len & 0x7f) | (size_t)p[1] << 7;
			hdr = 2;
		}
		if (len == 0 || len > KSYM_NAME_LEN) {
			err = vmr_error_new(VMR_ERR_FORMAT, "kallsyms_names: symbol %zu at "
					    "offset %#llx has %zu tokens", i,
					    (unsigned long long)pos, len);
			break;
		}
		if (!room && (err = ensure(&r, pos, hdr + len)))
			break;
		p = r.buf + pos + hdr;
		/* The first expanded character is the type letter; an empty
		 * token (hash 0, multiplier 1) changes nothing. */
		size_t nl = 0, k = 0;
		uint32_t h = 0;
		char type = 0;
		while (k < len && !t->len[p[k]])
			k++;
		if (k < len) {
			type = t->str[p[k]][0];
			h = t->hash1[p[k]];
			nl = t->len[p[k]];
			for (k++; k < len; k++) {
				h = vmr_symhash_concat(h, t->hash[p[k]], t->mul[p[k]]);
				nl += t->len[p[k]];
			}
		}
		if (nl > KSYM_NAME_LEN) {
			err = vmr_error_new(VMR_ERR_FORMAT, "kallsyms_names: symbol %zu "
					    "longer than %d bytes", i, KSYM_NAME_LEN);
			break;
		}
		if (nl < 2) {
			err = vmr_error_new(VMR_ERR_FORMAT, "kallsyms_names: symbol %zu "
					    "expands to %zu bytes", i, nl);
			break;
		}
		ks->pos[i] = (uint32_t)pos;
		ks->type[i] = type;
		hash[i] = h;
		pos += hdr + len;
	}
	ks->names = r.buf;
	ks->names_len = r.len;
	return err;
}

/** Storage for a name handed out (valid until vmr_kallsyms_free()). */
static const char *name_of(struct vmr_kallsyms *ks, uint32_t i)
{
	if (ks->decoded[i])
		return ks->decoded[i];
	char buf[KSYM_NAME_LEN + 1];
	size_t len = expand(ks, i, buf) + 1;
	if (!ks->arena || ks->arena->used + len > ARENA_CHUNK) {
		struct chunk *c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		c->next = ks->arena;
		c->used = 0;
		ks->arena = c;
	}
	char *s = ks->arena->data + ks->arena->used;
	memcpy(s, buf, len);
	ks->arena->used += len;
	return ks->decoded[i] = s;
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

/** The address an element of kallsyms_offsets stands for (see kallsyms.h). */
static uint64_t offset_addr(const struct vmr_kallsyms *ks, int32_t off)
{
	if (!ks->abs_percpu)
		return ks->relative_base + (uint32_t)off;
	if (off >= 0)
		return (uint64_t)off;
	return ks->relative_base - 1 - (uint64_t)(int64_t)off;
}

/* ks->block[] of a block that could not be read: not read again (a dump
 * does not change), so a search over a damaged table stays cheap. */
static uint64_t unreadable_block[1];

/** Read and decode the block of addresses holding symbol @p i. */
static uint64_t *addr_block(struct vmr_kallsyms *ks, size_t i)
{
	size_t b = i / ADDR_BLOCK;
	if (ks->block[b])
		return ks->block[b] == unreadable_block ? NULL : ks->block[b];
	size_t first = b * ADDR_BLOCK;
	size_t cnt = ks->n - first < ADDR_BLOCK ? ks->n - first : ADDR_BLOCK;
	uint64_t *v = malloc(ADDR_BLOCK * sizeof(*v));
	if (!v)
		return NULL;
	struct vmr_error *err;
	if (!ks->offsets) {
		err = ks->read(ks->ctx, ks->addresses + 8ull * first, v, 8 * cnt);
	} else {
		int32_t off[ADDR_BLOCK];
		err = ks->read(ks->ctx, ks->offsets + 4ull * first, off, 4 * cnt);
		for (size_t k = 0; !err && k < cnt; k++)
			v[k] = offset_addr(ks, off[k]);
	}
	if (err) {
		vmr_error_free(err);
		free(v);
		ks->block[b] = unreadable_block;
		return NULL;
	}
	return ks->block[b] = v;
}

/* vmr_symsearch() accessor; a block that cannot be read flags the table. */
static uint64_t addr_at(void *ctx, size_t i)
{
	struct vmr_kallsyms *ks = ctx;
	uint64_t *v = addr_block(ks, i);
	if (!v) {
		ks->addr_failed = true;
		return 0;
	}
	return v[i % ADDR_BLOCK];
}

/** The address of symbol @p i.  @return false if it cannot be read. */
static bool addr_of(struct vmr_kallsyms *ks, uint32_t i, uint64_t *out)
{
	uint64_t *v = addr_block(ks, i);
	if (v)
		*out = v[i % ADDR_BLOCK];
	return v;
}

/**
 * kallsyms_relative_base, the offset scheme (kallsyms.h), and a check that
 * the last address can be read (the rest is read when asked for).
 */
static struct vmr_error *probe_addrs(struct vmr_kallsyms *ks,
				     const struct vmr_kallsyms_addrs *a)
{
	uint64_t last = ks->offsets ? ks->offsets + 4ull * (ks->n - 1)
				    : ks->addresses + 8ull * (ks->n - 1);
	uint8_t b[8];
	struct vmr_error *err = ks->read(ks->ctx, last, b, ks->offsets ? 4 : 8);
	if (err)
		return vmr_error_prefix(err, ks->offsets ? "kallsyms_offsets"
							  : "kallsyms_addresses");
	if (!ks->offsets)
		return NULL;
	err = ks->read(ks->ctx, a->relative_base, &ks->relative_base, 8);
	if (err)
		return vmr_error_prefix(err, "kallsyms_relative_base");
	uint32_t stext;
	if (vmr_symnames_find(&ks->by_name, "_stext", sym_is, ks, &stext) &&
	    ks->type[stext] == 'T') {
		int32_t off;
		err = ks->read(ks->ctx, ks->offsets + 4ull * stext, &off, 4);
		if (err)
			return vmr_error_prefix(err, "kallsyms_offsets");
		ks->abs_percpu = off < 0;
		return NULL;
	}
	/* No _stext: most text symbols decide, so every offset is read. */
	int32_t *off = malloc(ks->n * sizeof(*off));
	if (!off)
		return &vmr_enomem;
	err = read_array(ks->read, ks->ctx, ks->offsets, ks->n, 4, off, "kallsyms_offsets");
	size_t text = 0, neg = 0;
	for (size_t i = 0; !err && i < ks->n; i++) {
		if (ks->type[i] == 't' || ks->type[i] == 'T') {
			text++;
			neg += off[i] < 0;
		}
	}
	ks->abs_percpu = 2 * neg > text;
	free(off);
	return err;
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
	struct vmr_kallsyms *ks = calloc(1, sizeof(*ks));
	uint32_t *hash = malloc(num * sizeof(*hash));
	if (ks) {
		ks->n = num;
		ks->read = read_virt;
		ks->ctx = ctx;
		ks->offsets = a->offsets && a->relative_base ? a->offsets : 0;
		ks->addresses = a->addresses;
		ks->tok = malloc(sizeof(*ks->tok));
		ks->pos = malloc(num * sizeof(*ks->pos));
		ks->type = malloc(num);
		ks->decoded = calloc(num, sizeof(*ks->decoded));
		ks->block = calloc((num + ADDR_BLOCK - 1) / ADDR_BLOCK, sizeof(*ks->block));
	}
	if (!ks || !hash || !ks->tok || !ks->pos || !ks->type || !ks->decoded || !ks->block) {
		free(hash);
		vmr_kallsyms_free(ks);
		return &vmr_enomem;
	}
	err = read_tokens(a, read_virt, ctx, ks->tok);
	if (!err)
		err = read_names(ks, a, read_virt, ctx, hash);
	if (!err)
		err = vmr_symnames_build(&ks->by_name, ks->n, hash, sym_same, sym_wins, ks);
	free(hash);
	if (!err)
		err = probe_addrs(ks, a);
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
	while (ks->arena) {
		struct chunk *c = ks->arena;
		ks->arena = c->next;
		free(c);
	}
	vmr_symnames_free(&ks->by_name);
	if (ks->block)
		for (size_t b = 0; b < (ks->n + ADDR_BLOCK - 1) / ADDR_BLOCK; b++)
			if (ks->block[b] != unreadable_block)
				free(ks->block[b]);
	free(ks->block);
	free(ks->decoded);
	free(ks->names);
	free(ks->pos);
	free(ks->type);
	free(ks->tok);
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

bool vmr_kallsyms_lookup(struct vmr_kallsyms *ks, const char *name, uint64_t *addr,
			 char *type)
{
	uint32_t i;
	if (!vmr_symnames_find(&ks->by_name, name, sym_is, ks, &i))
		return false;
	if (addr && !addr_of(ks, i, addr))
		return false;
	if (type)
		*type = ks->type[i];
	return true;
}

bool vmr_kallsyms_symbolize(struct vmr_kallsyms *ks, uint64_t addr, const char **name,
			    uint64_t *start, uint64_t *size, char *type)
{
	size_t i;
	uint64_t gap;
	ks->addr_failed = false;
	bool found = vmr_symsearch(ks->n, addr_at, ks, addr, &i, &gap);
	if (!found || ks->addr_failed)
		return false;
	uint64_t sa = addr_at(ks, i);
	uint64_t sz = gap <= VMR_KALLSYMS_MAX_SYM_GAP ? gap : 0;
	if (addr - sa >= sz && addr != sa)
		return false;
	const char *nm = NULL;
	if (name && !(nm = name_of(ks, (uint32_t)i)))
		return false;
	if (name)
		*name = nm;
	if (start)
		*start = sa;
	if (size)
		*size = sz;
	if (type)
		*type = ks->type[i];
	return true;
}

bool vmr_kallsyms_symbol_at(struct vmr_kallsyms *ks, size_t i, const char **name,
			    uint64_t *addr, char *type)
{
	uint64_t a;
	if (i >= ks->n || !addr_of(ks, (uint32_t)i, &a))
		return false;
	const char *nm = NULL;
	if (name && !(nm = name_of(ks, (uint32_t)i)))
		return false;
	if (name)
		*name = nm;
	if (addr)
		*addr = a;
	if (type)
		*type = ks->type[i];
	return true;
}
