/* SPDX-License-Identifier: MIT */
/*
 * Word-by-word annotation of kernel memory: the sweep (big reads, gaps for
 * pages not in the dump), the owner cache, return-address marks and the
 * counts of a summary.
 */
#include "cli/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_PAGE 4096u
/* Below vmcore/kdump.c's PARALLEL_READ_MIN (256 KiB): its two-thread reads crash
 * in libkdumpfile on some files (kdump-zlib of debian-6.1-sysrq). */
#define MEM_CHUNK (128u << 10)

/* ---------------------------------------------------------------------- */
/* The sweep                                                               */

bool mem_sweep_init(struct mem_sweep *s, struct vmr_kernel *k, uint64_t start, uint64_t end)
{
	memset(s, 0, sizeof(*s));
	s->k = k;
	s->pos = start;
	s->end = end;
	s->bufsize = MEM_CHUNK;
	s->buf = malloc(s->bufsize);
	return s->buf != NULL;
}

void mem_sweep_free(struct mem_sweep *s)
{
	free(s->buf);
	s->buf = NULL;
}

const char *mem_gap_text(enum mem_gap_kind g)
{
	return g == MEM_GAP_UNMAPPED ? "not mapped" : "not in the dump";
}

/* Why the page at @p addr cannot be read. */
static enum mem_gap_kind gap_kind(struct vmr_kernel *k, uint64_t addr)
{
	uint64_t pa;
	struct vmr_error *err = vmr_kernel_translate(k, addr, &pa, NULL);
	vmr_error_free(err);
	return err ? MEM_GAP_UNMAPPED : MEM_GAP_MISSING;
}

/* Bytes from @p pos to the end of its page, at most @p max. */
static uint64_t page_rest(uint64_t pos, uint64_t max)
{
	uint64_t n = MEM_PAGE - (pos & (MEM_PAGE - 1));
	return n < max ? n : max;
}

/* @return true if the page holding @p addr is mapped and in the dump. */
static bool page_present(struct vmr_kernel *k, uint64_t addr)
{
	uint64_t pa;
	struct vmr_error *err = vmr_kernel_translate(k, addr, &pa, NULL);
	if (err) {
		vmr_error_free(err);
		return false;
	}
	return vmr_dump_has_phys(vmr_kernel_dump(k), pa);
}

/*
 * Read the next data piece at s->pos into s->buf: the run of pages of the
 * next chunk that are in the dump.  Pages are checked before they are read,
 * so that no read fails half-way (libkdumpfile 0.5.1 has crashed on reads
 * after such failures).  @return its length (0: the page at s->pos is a gap).
 */
static uint64_t read_run(struct mem_sweep *s)
{
	uint64_t want = s->end - s->pos;
	/* End chunks on a page boundary so that the next one starts on one. */
	uint64_t max = s->bufsize - (s->pos & (MEM_PAGE - 1));
	if (want > max)
		want = max;
	uint64_t n = 0;
	while (n < want && page_present(s->k, s->pos + n))
		n += page_rest(s->pos + n, want - n);
	if (!n)
		return 0;
	struct vmr_error *err = vmr_kernel_read(s->k, s->pos, s->buf, n);
	if (!err)
		return n;
	vmr_error_free(err);
	/* The dump said it has the pages but cannot read one: page by page. */
	uint64_t off = 0;
	while (off < n) {
		uint64_t len = page_rest(s->pos + off, n - off);
		err = vmr_kernel_read(s->k, s->pos + off, s->buf + off, len);
		if (err) {
			vmr_error_free(err);
			break;
		}
		off += len;
	}
	return off;
}

bool mem_sweep_next(struct mem_sweep *s, struct mem_piece *p)
{
	if (s->has_held) {
		*p = s->held;
		s->has_held = false;
		return true;
	}
	while (s->pos < s->end) {
		uint64_t n = read_run(s);
		if (n) {
			struct mem_piece data = { s->pos, n, MEM_GAP_NONE, s->buf };
			s->pos += n;
			if (!s->has_pending) {
				*p = data;
				return true;
			}
			/* Hand out the gap first; the data stays in s->buf. */
			*p = s->pending;
			s->has_pending = false;
			s->held = data;
			s->has_held = true;
			return true;
		}
		struct mem_piece gap = { s->pos, page_rest(s->pos, s->end - s->pos),
					 gap_kind(s->k, s->pos), NULL };
		s->pos += gap.len;
		if (!s->has_pending) {
			s->pending = gap;
			s->has_pending = true;
		} else if (s->pending.gap == gap.gap && s->pending.addr + s->pending.len == gap.addr) {
			s->pending.len += gap.len;
		} else {
			*p = s->pending;
			s->pending = gap;
			return true;
		}
	}
	if (s->has_pending) {
		*p = s->pending;
		s->has_pending = false;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Annotation                                                              */

#define MEM_CACHE_BITS 10
#define MEM_CACHE_SIZE (1u << MEM_CACHE_BITS)

/*
 * A description valid for every address in [lo, hi): found for v0, it fits
 * any v in the range once its offsets are moved by v - v0 (done in place).
 */
struct mem_cache_entry {
	uint64_t lo, hi, v0;
	uint64_t offset0, from_top0;  /* owner offsets for v0 */
	struct description d;
};

bool mem_region_annotated(enum vmr_region_id id)
{
	switch (id) {
	case VMR_REGION_USER:
	case VMR_REGION_NON_CANONICAL:
	case VMR_REGION_GUARD_HOLE:
	case VMR_REGION_HOLE:
	case VMR_REGION__COUNT:
		return false;
	default:
		return true;
	}
}

bool mem_annot_init(struct mem_annot *a, struct vmr_kernel *k)
{
	memset(a, 0, sizeof(*a));
	a->k = k;
	a->l = vmr_kernel_layout(k);
	a->kmin = UINT64_MAX;
	for (unsigned i = 0; i < a->l->nregions; i++)
		if (mem_region_annotated(a->l->regions[i].id) && a->l->regions[i].start < a->kmin)
			a->kmin = a->l->regions[i].start;
	a->cache = calloc(MEM_CACHE_SIZE, sizeof(*a->cache));
	a->scratch = malloc(sizeof(*a->scratch));
	a->ret = malloc(sizeof(*a->ret));
	return a->cache && a->scratch && a->ret;
}

void mem_annot_free(struct mem_annot *a)
{
	free(a->cache);
	free(a->scratch);
	free(a->ret);
	a->cache = NULL;
	a->scratch = NULL;
	a->ret = NULL;
}

static struct mem_cache_entry *cache_slot(struct mem_annot *a, uint64_t v)
{
	return &a->cache[((v >> 12) * 0x9e3779b97f4a7c15ULL) >> (64 - MEM_CACHE_BITS)];
}

/*
 * The range in which the owner found for @p v stays the same apart from its
 * offsets, clipped to the page of @p v (the dump may hold one page of an
 * object and not the next).  @return false when it cannot be reused.
 */
static bool reuse_range(const struct description *d, uint64_t v, uint64_t *lo, uint64_t *hi)
{
	const struct vmr_owner *w = &d->owner;
	uint64_t a = 0, b = 0;
	if (w->has_line)
		return false; /* a source line per address */
	switch (w->kind) {
	case VMR_OWNER_SYMBOL:
	case VMR_OWNER_MODULE:
		if (!w->has_symbol || !w->symbol_size || w->offset >= w->symbol_size)
			return false;
		a = v - w->offset;
		b = a + w->symbol_size;
		break;
	case VMR_OWNER_VMALLOC:
		a = w->start;
		b = w->end;
		break;
	case VMR_OWNER_STACK:
		if (v - w->start != w->offset || w->end - v != w->offset_from_top)
			return false;
		a = w->start;
		b = w->end;
		break;
	case VMR_OWNER_SLAB:
		if (!w->object_size || w->offset >= w->object_size || v - w->object != w->offset)
			return false;
		a = w->object;
		b = w->object + w->object_size;
		break;
	case VMR_OWNER_PAGE:
		if (d->info.region != VMR_REGION_DIRECT_MAP || !w->page_addr ||
		    v - w->page_addr != w->offset || w->offset >= MEM_PAGE)
			return false;
		a = w->page_addr;
		b = a + MEM_PAGE;
		break;
	default:
		return false;
	}
	if (v < a || v >= b)
		return false;
	uint64_t pg = v & ~(uint64_t)(MEM_PAGE - 1);
	*lo = a > pg ? a : pg;
	*hi = b < pg + MEM_PAGE && b > pg ? b : pg + MEM_PAGE;
	return true;
}

const struct description *mem_describe(struct mem_annot *a, uint64_t v)
{
	struct mem_cache_entry *e = cache_slot(a, v);
	if (e->hi && v >= e->lo && v < e->hi) {
		a->hits++;
		struct description *d = &e->d;
		vmr_kernel_describe(a->k, v, &d->info);
		uint64_t delta = v - e->v0; /* modulo 2^64: also moves down */
		d->owner.offset = e->offset0 + delta;
		if (d->owner.kind == VMR_OWNER_STACK)
			d->owner.offset_from_top = e->from_top0 - delta;
		return d;
	}
	a->lookups++;
	describe(a->k, v, a->scratch);
	uint64_t lo, hi;
	if (!reuse_range(a->scratch, v, &lo, &hi))
		return a->scratch;
	e->lo = lo;
	e->hi = hi;
	e->v0 = v;
	e->d = *a->scratch;
	e->offset0 = e->d.owner.offset;
	e->from_top0 = e->d.owner.offset_from_top;
	return &e->d;
}

const struct description *mem_describe_return(struct mem_annot *a, uint64_t v,
					       const struct description *d)
{
	if (!v)
		return d;
	describe(a->k, v - 1, a->ret);
	struct vmr_owner *w = &a->ret->owner;
	if (!a->ret->has_owner || !w->has_symbol ||
	    (w->kind != VMR_OWNER_SYMBOL && w->kind != VMR_OWNER_MODULE))
		return d;
	w->offset++;
	vmr_kernel_describe(a->k, v, &a->ret->info);
	return a->ret;
}

const char *mem_mark_name(enum mem_mark m)
{
	switch (m) {
	case MEM_MARK_TEXT:
		return "text";
	case MEM_MARK_RET:
		return "ret";
	case MEM_MARK_FRAME:
		return "frame";
	default:
		return "";
	}
}

/* Length of the ModRM-addressed operand starting at @p m (ModRM byte
 * first), given @p avail bytes; 0 if it does not fit. */
static size_t modrm_len(const uint8_t *m, size_t avail)
{
	if (!avail)
		return 0;
	unsigned mod = m[0] >> 6, rm = m[0] & 7;
	size_t n = 1;
	if (mod == 3)
		return n;
	if (rm == 4) {
		if (avail < 2)
			return 0;
		n++;
		if (mod == 0 && (m[1] & 7) == 5)
			n += 4;
	} else if (mod == 0 && rm == 5) {
		n += 4; /* RIP-relative */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

bool mem_code_ends_with_call(const uint8_t *end, size_t len)
{
	/* call rel32: e8 xx xx xx xx */
	if (len >= 5 && end[-5] == 0xe8)
		return true;
	/* call *r/m64: ff /2 (a REX prefix before it does not change where it ends) */
	for (size_t n = 2; n <= 7 && n <= len; n++) {
		const uint8_t *op = end - n;
		if (op[0] != 0xff || ((op[1] >> 3) & 7) != 2)
			continue;
		if (1 + modrm_len(op + 1, n - 1) == n)
			return true;
	}
	return false;
}

enum mem_mark mem_mark_of(struct mem_annot *a, uint64_t v, const struct description *d)
{
	bool text = false;
	if (d->info.region == VMR_REGION_KERNEL_IMAGE)
		text = d->info.section == VMR_SECTION_TEXT;
	else if (d->info.region == VMR_REGION_MODULES)
		text = d->owner.kind == VMR_OWNER_MODULE && !strcmp(d->owner.module_part, "text");
	if (!text)
		return MEM_MARK_NONE;
	uint8_t code[8];
	if (v < sizeof(code))
		return MEM_MARK_TEXT;
	struct vmr_error *err = vmr_kernel_read(a->k, v - sizeof(code), code, sizeof(code));
	if (err) {
		vmr_error_free(err);
		return MEM_MARK_TEXT;
	}
	return mem_code_ends_with_call(code + sizeof(code), sizeof(code)) ? MEM_MARK_RET
									  : MEM_MARK_TEXT;
}

/* ---------------------------------------------------------------------- */
/* Summary                                                                 */

#define MEM_LABEL_LEN 112

struct mem_label {
	uint64_t hash, count;
	char text[MEM_LABEL_LEN];
};

bool mem_summary_init(struct mem_summary *s, bool owners)
{
	memset(s, 0, sizeof(*s));
	s->owners = owners;
	if (!owners)
		return true;
	s->cap = 1024;
	s->labels = calloc(s->cap, sizeof(*s->labels));
	return s->labels != NULL;
}

void mem_summary_free(struct mem_summary *s)
{
	free(s->labels);
	s->labels = NULL;
}

void mem_owner_label(const struct description *d, char *buf, size_t size)
{
	const struct vmr_owner *w = &d->owner;
	switch (w->kind) {
	case VMR_OWNER_SYMBOL:
		if (w->has_symbol)
			snprintf(buf, size, "%s", w->symbol);
		else
			snprintf(buf, size, "kernel-image %s",
				 vmr_section_name(d->info.section) ? vmr_section_name(d->info.section)
								   : "");
		break;
	case VMR_OWNER_MODULE:
		snprintf(buf, size, "%s %s%s%s", w->module, w->module_part, w->has_symbol ? " " : "",
			 w->has_symbol ? w->symbol : "");
		break;
	case VMR_OWNER_VMALLOC:
		snprintf(buf, size, "%s 0x%" PRIx64 "-0x%" PRIx64 "%s%s",
			 w->flags_text[0] ? w->flags_text : "vmalloc", w->start, w->end,
			 w->has_caller ? " by " : "", w->has_caller ? w->caller : "");
		break;
	case VMR_OWNER_STACK:
		if (w->has_pid)
			snprintf(buf, size, "%s stack of pid %d (%s)",
				 !strcmp(w->which, "task") ? "kernel" : w->which, w->pid, w->comm);
		else
			snprintf(buf, size, "%s stack cpu %d", w->which, w->cpu);
		break;
	case VMR_OWNER_PERCPU:
		snprintf(buf, size, "per-cpu of cpu %d %s", w->cpu, w->has_symbol ? w->symbol : "");
		break;
	case VMR_OWNER_SLAB:
		snprintf(buf, size, "slab %s", w->cache);
		break;
	case VMR_OWNER_PAGE:
		snprintf(buf, size, d->info.region == VMR_REGION_VMEMMAP ? "struct page"
									  : "page (not slab)");
		break;
	case VMR_OWNER_CPU_ENTRY_AREA:
		snprintf(buf, size, "cpu-entry-area cpu %d %s", w->cpu, w->part);
		break;
	case VMR_OWNER_FIXMAP:
		snprintf(buf, size, "fixmap %s", w->slot);
		break;
	default:
		snprintf(buf, size, "%s, no owner", vmr_region_name(d->info.region));
		break;
	}
}

static uint64_t hash_text(const char *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *t; t++)
		h = (h ^ (uint8_t)*t) * 0x100000001b3ULL;
	return h | 1; /* 0 marks a free slot */
}

static bool label_grow(struct mem_summary *s)
{
	size_t ncap = s->cap * 2;
	struct mem_label *nl = calloc(ncap, sizeof(*nl));
	if (!nl)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->labels[i].hash)
			continue;
		size_t j = s->labels[i].hash & (ncap - 1);
		while (nl[j].hash)
			j = (j + 1) & (ncap - 1);
		nl[j] = s->labels[i];
	}
	free(s->labels);
	s->labels = nl;
	s->cap = ncap;
	return true;
}

static void label_count(struct mem_summary *s, const char *text)
{
	if (s->nlabels * 2 >= s->cap && !label_grow(s))
		return; /* out of memory: owners stay uncounted */
	uint64_t h = hash_text(text);
	size_t j = h & (s->cap - 1);
	while (s->labels[j].hash) {
		if (s->labels[j].hash == h && !strcmp(s->labels[j].text, text)) {
			s->labels[j].count++;
			return;
		}
		j = (j + 1) & (s->cap - 1);
	}
	s->labels[j].hash = h;
	s->labels[j].count = 1;
	snprintf(s->labels[j].text, sizeof(s->labels[j].text), "%s", text);
	s->nlabels++;
}

void mem_summary_add(struct mem_summary *s, struct mem_annot *a, const uint8_t *data, size_t n)
{
	s->bytes += n;
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, data + i, 8);
		s->words++;
		enum vmr_region_id id;
		if (v < a->kmin) {
			if (v)
				s->other++;
			else
				s->zero++;
			continue;
		}
		if (!mem_pointer_region(a, v, &id)) {
			s->other++;
			continue;
		}
		s->pointers++;
		s->region[id]++;
		if (s->owners) {
			char label[MEM_LABEL_LEN];
			mem_owner_label(mem_describe(a, v), label, sizeof(label));
			label_count(s, label);
		}
	}
}

size_t mem_summary_top(const struct mem_summary *s, size_t max, const char **label,
		       uint64_t *count)
{
	size_t n = 0;
	for (size_t i = 0; i < s->cap; i++) {
		const struct mem_label *e = &s->labels[i];
		if (!e->hash)
			continue;
		/* insertion into the sorted top list (max is small) */
		size_t j = n < max ? n++ : max;
		if (j == max && (!max || count[max - 1] >= e->count))
			continue;
		if (j == max)
			j = max - 1;
		while (j > 0 && (count[j - 1] < e->count ||
				 (count[j - 1] == e->count && strcmp(label[j - 1], e->text) > 0))) {
			count[j] = count[j - 1];
			label[j] = label[j - 1];
			j--;
		}
		count[j] = e->count;
		label[j] = e->text;
	}
	return n;
}
