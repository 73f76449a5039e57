/* SPDX-License-Identifier: MIT */
/*
 * Slab objects: struct page -> head page -> struct slab -> kmem_cache ->
 * object (x86_64-layout.md §7.8), and whether the object is allocated.
 *
 * The walks (vmr_slab_*) take a read callback and the offsets of struct
 * vmr_slab_layout; the glue at the end resolves those offsets once per
 * kernel and keeps the kmem_caches it has read in a small hash.
 */
#include "owner/slab.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "owner/owner-priv.h"
#include "owner/page.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)

static void why_set(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t size, const char *fmt, ...)
{
	if (!why || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

/* Read @len bytes; true on success (the error is dropped: callers say why). */
static bool rd(vmr_read_fn read, void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct vmr_error *err = read(ctx, addr, buf, len);
	if (err) {
		vmr_error_free(err);
		return false;
	}
	return true;
}



/* Is the head page @p (its bytes) a slab? (x86_64-layout.md §3.3) */
static bool page_is_slab(const struct vmr_slab_layout *l, const uint8_t *p)
{
	switch (l->test) {
	case VMR_SLAB_TEST_FLAG:
		return (vmr_get_u64(p, l->off_flags) & l->slab_flag_mask) != 0;
	case VMR_SLAB_TEST_TYPE:
		return (vmr_get_u32(p, l->off_page_type) >> 24) == l->slab_type;
	case VMR_SLAB_TEST_TYPE_BIT:
		/* PageType(): (page_type & (PAGE_TYPE_BASE | flag)) == PAGE_TYPE_BASE */
		return (vmr_get_u32(p, l->off_page_type) & (0x80000000u | l->slab_type)) == 0x80000000u;
	case VMR_SLAB_TEST_NONE:
		break;
	}
	return false;
}

enum vmr_slab_page_result vmr_slab_page_read(const struct vmr_slab_layout *l,
					     vmr_read_fn read, void *ctx, uint64_t pfn,
					     struct vmr_slab_page *out, char *why,
					     size_t why_size)
{
	uint8_t page[VMR_MAX_STRUCT_PAGE];
	memset(out, 0, sizeof(*out));
	out->pfn = pfn;
	if (l->test == VMR_SLAB_TEST_NONE || !l->page_size || l->page_size > sizeof(page)) {
		why_set(why, why_size, "slab pages cannot be recognized in this kernel");
		return VMR_SLAB_PAGE_CORRUPT;
	}
	if (l->max_pfn && pfn >= l->max_pfn) {
		why_set(why, why_size, "pfn 0x%" PRIx64 " beyond max_pfn 0x%" PRIx64, pfn,
			l->max_pfn);
		return VMR_SLAB_PAGE_NOT_SLAB;
	}
	uint64_t sp = l->vmemmap_base + pfn * l->page_size;
	if (!rd(read, ctx, sp, page, l->page_size)) {
		why_set(why, why_size, "struct page 0x%016" PRIx64 " of pfn 0x%" PRIx64
			" not in the dump", sp, pfn);
		return VMR_SLAB_PAGE_UNREADABLE;
	}
	uint64_t head_pfn = pfn, head = sp;
	uint64_t ch = vmr_get_u64(page, l->off_compound_head);
	if (ch & 1) {
		/* A tail page: compound_head = head | 1 (include/linux/page-flags.h). */
		head = ch - 1;
		if (head < l->vmemmap_base || (head - l->vmemmap_base) % l->page_size) {
			why_set(why, why_size, "struct page 0x%016" PRIx64
				": compound_head 0x%" PRIx64 " is not a struct page", sp, ch);
			return VMR_SLAB_PAGE_CORRUPT;
		}
		head_pfn = (head - l->vmemmap_base) / l->page_size;
		if (head_pfn >= pfn || pfn - head_pfn >= VMR_MAX_COMPOUND_PAGES) {
			why_set(why, why_size, "struct page 0x%016" PRIx64
				": compound_head 0x%" PRIx64 " is not below it", sp, ch);
			return VMR_SLAB_PAGE_CORRUPT;
		}
		if (!rd(read, ctx, head, page, l->page_size)) {
			why_set(why, why_size, "head struct page 0x%016" PRIx64 " not in the dump",
				head);
			return VMR_SLAB_PAGE_UNREADABLE;
		}
		if (vmr_get_u64(page, l->off_compound_head) & 1) {
			why_set(why, why_size, "head struct page 0x%016" PRIx64
				" is itself a tail page", head);
			return VMR_SLAB_PAGE_CORRUPT;
		}
	}
	out->head_pfn = head_pfn;
	out->head_page = head;
	if (!page_is_slab(l, page))
		return VMR_SLAB_PAGE_NOT_SLAB;

	out->cache = vmr_get_u64(page, l->off_slab_cache);
	out->freelist = vmr_get_u64(page, l->off_freelist);
	/* counters: unsigned inuse:16, objects:15, frozen:1 (mm/slab.h), little-endian. */
	uint64_t counters = vmr_get_u64(page, l->off_counters);
	out->inuse = (uint32_t)(counters & 0xffff);
	out->objects = (uint32_t)((counters >> 16) & 0x7fff);
	out->frozen = (counters >> 31) & 1;
	out->base = l->page_offset_base + head_pfn * PAGE_SIZE;
	if (!out->cache || !out->objects || out->inuse > out->objects) {
		why_set(why, why_size, "slab 0x%016" PRIx64 ": cache 0x%" PRIx64
			", %u objects, %u in use: corrupt", head, out->cache, out->objects,
			out->inuse);
		return VMR_SLAB_PAGE_CORRUPT;
	}
	return VMR_SLAB_PAGE_SLAB;
}

/* Read a NUL-terminated string of at most size-1 bytes, never across a fault. */
static bool read_cstring(vmr_read_fn read, void *ctx, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;
	buf[0] = 0;
	while (got + 1 < size) {
		size_t chunk = PAGE_SIZE - ((addr + got) & (PAGE_SIZE - 1));
		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		if (!rd(read, ctx, addr + got, buf + got, chunk))
			return false;
		buf[got + chunk] = 0;
		if (memchr(buf + got, 0, chunk))
			break;
		got += chunk;
	}
	for (char *c = buf; *c; c++)
		if (*c < 0x20 || *c >= 0x7f)
			return false;
	return buf[0] != 0;
}

bool vmr_kmem_cache_read(const struct vmr_slab_layout *l, vmr_read_fn read, void *ctx,
			 uint64_t addr, struct vmr_kmem_cache *out, char *why, size_t why_size)
{
	uint64_t name_ptr;
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	if (!rd(read, ctx, addr + l->off_name, &name_ptr, 8) ||
	    !rd(read, ctx, addr + l->off_size, &out->size, 4) ||
	    !rd(read, ctx, addr + l->off_object_size, &out->object_size, 4) ||
	    !rd(read, ctx, addr + l->off_offset, &out->offset, 4) ||
	    (l->off_red_left_pad != UINT64_MAX &&
	     !rd(read, ctx, addr + l->off_red_left_pad, &out->red_left_pad, 4)) ||
	    (l->has_random && !rd(read, ctx, addr + l->off_random, &out->random, 8)) ||
	    (l->has_cpu_slab && !rd(read, ctx, addr + l->off_cpu_slab, &out->cpu_slab, 8))) {
		why_set(why, why_size, "kmem_cache 0x%016" PRIx64 " not in the dump", addr);
		return false;
	}
	if (!out->size || out->size > VMR_SLAB_MAX_SIZE || out->object_size > out->size ||
	    (uint64_t)out->offset + 8 > out->size || out->red_left_pad >= out->size) {
		why_set(why, why_size, "kmem_cache 0x%016" PRIx64 ": size %u, object_size %u, "
			"offset %u, red_left_pad %u: corrupt", addr, out->size, out->object_size,
			out->offset, out->red_left_pad);
		return false;
	}
	if (!read_cstring(read, ctx, name_ptr, out->name, sizeof(out->name))) {
		why_set(why, why_size, "kmem_cache 0x%016" PRIx64 ": name at 0x%" PRIx64
			" unreadable", addr, name_ptr);
		return false;
	}
	return true;
}

bool vmr_slab_object(const struct vmr_slab_page *slab, const struct vmr_kmem_cache *s,
		     uint64_t addr, uint64_t *object, uint32_t *index)
{
	if (!s->size || !slab->objects || addr < slab->base)
		return false;
	uint64_t rel = addr - slab->base;
	/* The slab holds objects × size bytes plus less than one size of leftover. */
	if (rel >= ((uint64_t)slab->objects + 1) * s->size)
		return false;
	uint64_t idx = rel / s->size;
	if (idx >= slab->objects)
		idx = slab->objects - 1; /* nearest_obj(): clamp to the last object */
	*object = slab->base + idx * s->size + s->red_left_pad;
	*index = (uint32_t)idx;
	return true;
}

uint64_t vmr_slab_decode_free_ptr(const struct vmr_slab_layout *l,
				  const struct vmr_kmem_cache *s, uint64_t stored,
				  uint64_t ptr_addr)
{
	if (!l->has_random)
		return stored;
	/* mm/slub.c freelist_ptr_decode(): ptr ^ s->random ^ swab(ptr_addr) */
	return stored ^ s->random ^ __builtin_bswap64(ptr_addr);
}

/* Index of free-list entry @p p, or -1 if it is no object start of @p slab. */
static int64_t object_index(const struct vmr_slab_page *slab, const struct vmr_kmem_cache *s,
			    uint64_t p)
{
	if (p < slab->base + s->red_left_pad)
		return -1;
	uint64_t rel = p - slab->base - s->red_left_pad;
	if (rel % s->size || rel / s->size >= slab->objects)
		return -1;
	return (int64_t)(rel / s->size);
}

enum vmr_freelist_result vmr_slab_freelist_find(const struct vmr_slab_layout *l,
						vmr_read_fn read, void *ctx,
						const struct vmr_slab_page *slab,
						const struct vmr_kmem_cache *s, uint64_t head,
						uint64_t object)
{
	uint8_t seen[(VMR_SLAB_MAX_OBJECTS + 8) / 8];
	memset(seen, 0, sizeof(seen));
	if (!s->size || slab->objects > VMR_SLAB_MAX_OBJECTS)
		return VMR_FREELIST_BROKEN;
	uint64_t cur = head;
	for (uint32_t steps = 0; cur; steps++) {
		int64_t idx = object_index(slab, s, cur);
		if (idx < 0 || steps >= slab->objects)
			return VMR_FREELIST_BROKEN;
		if (seen[idx / 8] & (1u << (idx % 8)))
			return VMR_FREELIST_BROKEN; /* a cycle */
		seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
		if (cur == object)
			return VMR_FREELIST_FOUND;
		uint64_t stored, ptr_addr = cur + s->offset;
		if (!rd(read, ctx, ptr_addr, &stored, sizeof(stored)))
			return VMR_FREELIST_BROKEN;
		cur = vmr_slab_decode_free_ptr(l, s, stored, ptr_addr);
	}
	return VMR_FREELIST_NOT_FOUND;
}

int vmr_slab_object_allocated(const struct vmr_slab_layout *l, vmr_read_fn read, void *ctx,
			      const struct vmr_slab_page *slab, const struct vmr_kmem_cache *s,
			      uint64_t object)
{
	enum vmr_freelist_result r =
		vmr_slab_freelist_find(l, read, ctx, slab, s, slab->freelist, object);
	if (r == VMR_FREELIST_FOUND)
		return 0;
	if (r == VMR_FREELIST_BROKEN)
		return -1;
	if (!slab->frozen)
		return 1; /* every free object of an unfrozen slab is on slab->freelist */
	/*
	 * Frozen: the active slab of some CPU, whose lockless free list is
	 * kmem_cache_cpu.freelist (and remote frees go to slab->freelist), or
	 * (before 6.8) on a CPU's partial list, whose free objects are all on
	 * slab->freelist.
	 */
	if (!l->has_cpu_slab || !l->nr_cpus || !l->percpu_offsets || !s->cpu_slab)
		return -1;
	for (uint32_t cpu = 0; cpu < l->nr_cpus; cpu++) {
		uint64_t c = s->cpu_slab + l->percpu_offsets[cpu];
		uint64_t cslab, cfree;
		if (!rd(read, ctx, c + l->off_c_slab, &cslab, 8))
			return -1;
		if (cslab != slab->head_page)
			continue;
		if (!rd(read, ctx, c + l->off_c_freelist, &cfree, 8))
			return -1;
		r = vmr_slab_freelist_find(l, read, ctx, slab, s, cfree, object);
		return r == VMR_FREELIST_FOUND ? 0 : r == VMR_FREELIST_NOT_FOUND ? 1 : -1;
	}
	return 1;
}

/* ---- glue: offsets from the kernel, kmem_cache hash, the owner ---- */

static bool member(struct vmr_kernel *k, const char *type, const char *name, uint64_t *off)
{
	struct vmr_error *err = vmr_kernel_member_offset(k, type, name, off);
	if (err) {
		vmr_error_free(err);
		return false;
	}
	return true;
}

struct vmr_slab_info *vmr_slab_info_get(struct vmr_kernel *k)
{
	struct vmr_owners *o = vmr_owners_get(k);
	if (!o)
		return NULL;
	if (!o->slab && !o->slab_tried) {
		o->slab_tried = true;
		o->slab = calloc(1, sizeof(struct vmr_slab_info));
	}
	return o->slab;
}

/* How to tell a slab page: by VMCOREINFO key, then by enumerator (§3.3). */
static bool resolve_slab_test(struct vmr_kernel *k, struct vmr_slab_layout *l)
{
	int64_t v;
	const struct vmr_vmcoreinfo *vi = k->vmcoreinfo;
	if (vi && vmr_vmcoreinfo_number(vi, "PAGE_SLAB_MAPCOUNT_VALUE", &v)) {
		uint32_t u = (uint32_t)v;
		if (!(u & 0x00ffffff)) {
			l->test = VMR_SLAB_TEST_TYPE; /* PGTY_slab << 24 (k6.12) */
			l->slab_type = u >> 24;
		} else {
			l->test = VMR_SLAB_TEST_TYPE_BIT; /* ~PG_slab, PAGE_TYPE_BASE scheme */
			l->slab_type = ~u & 0x00ffffff;
		}
		return true;
	}
	if (vi && vmr_vmcoreinfo_number(vi, "PG_slab", &v) && v >= 0 && v < 64) {
		l->test = VMR_SLAB_TEST_FLAG;
		l->slab_flag_mask = 1ULL << v;
		return true;
	}
	struct vmr_error *err = vmr_kernel_enumerator(k, "PGTY_slab", &v);
	if (!err && v > 0 && v < 256) {
		l->test = VMR_SLAB_TEST_TYPE;
		l->slab_type = (uint32_t)v;
		return true;
	}
	vmr_error_free(err);
	err = vmr_kernel_enumerator(k, "PG_slab", &v);
	if (!err && v >= 0 && v < 64) {
		l->test = VMR_SLAB_TEST_FLAG;
		l->slab_flag_mask = 1ULL << v;
		return true;
	}
	vmr_error_free(err);
	return false;
}

/* __per_cpu_offset[0..nr_cpu_ids) for the frozen-slab check (optional). */
static void resolve_percpu(struct vmr_kernel *k, struct vmr_slab_layout *l)
{
	uint64_t arr, nr_addr;
	uint32_t nr;
	const char *slab_member = "slab";
	if (!member(k, "kmem_cache", "cpu_slab", &l->off_cpu_slab) ||
	    !member(k, "kmem_cache_cpu", "freelist", &l->off_c_freelist))
		return;
	if (!member(k, "kmem_cache_cpu", slab_member, &l->off_c_slab) &&
	    !member(k, "kmem_cache_cpu", "page", &l->off_c_slab))
		return;
	if (!vmr_kernel_find_symbol(k, "__per_cpu_offset", &arr, NULL) ||
	    !vmr_kernel_find_symbol(k, "nr_cpu_ids", &nr_addr, NULL))
		return;
	struct vmr_error *err = vmr_kernel_read_u32(k, nr_addr, &nr);
	if (err || !nr || nr > 8192) {
		vmr_error_free(err);
		return;
	}
	uint64_t *offs = calloc(nr, sizeof(*offs));
	if (!offs)
		return;
	err = vmr_kernel_read(k, arr, offs, nr * sizeof(*offs));
	if (err) {
		vmr_error_free(err);
		free(offs);
		return;
	}
	l->percpu_offsets = offs;
	l->nr_cpus = nr;
	l->has_cpu_slab = true;
}

/* Fill the layout once; false (with si->why) if slabs cannot be read. */
static bool resolve_slab(struct vmr_kernel *k, struct vmr_slab_info *si)
{
	struct vmr_slab_layout *l = &si->l;
	if (!vmr_page_layout(k, si)) {
		snprintf(si->why, sizeof(si->why), "%s", si->page_why);
		return false;
	}
	*l = si->pl;
	if (!member(k, "page", "flags", &l->off_flags) ||
	    !member(k, "page", "compound_head", &l->off_compound_head) ||
	    !member(k, "page", "_mapcount", &l->off_page_type)) {
		snprintf(si->why, sizeof(si->why), "struct page members unknown");
		return false;
	}
	if (!resolve_slab_test(k, l)) {
		snprintf(si->why, sizeof(si->why), "no PG_slab or PAGE_SLAB_MAPCOUNT_VALUE");
		return false;
	}
	/* struct slab overlays struct page since 5.17; before, page.slab_cache. */
	const char *st = vmr_kernel_has_member(k, "slab", "slab_cache") ? "slab" : "page";
	if (!member(k, st, "slab_cache", &l->off_slab_cache) ||
	    !member(k, st, "freelist", &l->off_freelist) ||
	    !member(k, st, "counters", &l->off_counters)) {
		snprintf(si->why, sizeof(si->why), "struct %s: slab members unknown", st);
		return false;
	}
	uint64_t offs[] = { l->off_flags, l->off_compound_head, l->off_slab_cache,
			    l->off_freelist, l->off_counters, l->off_page_type };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (offs[i] + 8 > l->page_size && !(i == 5 && offs[i] + 4 <= l->page_size)) {
			snprintf(si->why, sizeof(si->why), "struct page offsets beyond SIZE(page)");
			return false;
		}
	if (!member(k, "kmem_cache", "name", &l->off_name) ||
	    !member(k, "kmem_cache", "size", &l->off_size) ||
	    !member(k, "kmem_cache", "object_size", &l->off_object_size) ||
	    !member(k, "kmem_cache", "offset", &l->off_offset)) {
		snprintf(si->why, sizeof(si->why), "struct kmem_cache members unknown");
		return false;
	}
	if (!member(k, "kmem_cache", "red_left_pad", &l->off_red_left_pad))
		l->off_red_left_pad = UINT64_MAX;
	l->has_random = member(k, "kmem_cache", "random", &l->off_random);
	resolve_percpu(k, l);
	return true;
}

static struct vmr_slab_info *slab_ready(struct vmr_kernel *k)
{
	struct vmr_slab_info *si = vmr_slab_info_get(k);
	if (!si)
		return NULL;
	if (!si->slab_tried) {
		si->slab_tried = true;
		si->slab_ok = resolve_slab(k, si);
	}
	return si->slab_ok ? si : NULL;
}

/* The kmem_cache at @addr, read once per kernel.  NULL if unusable. */
static const struct vmr_kmem_cache *cache_get(struct vmr_kernel *k, struct vmr_slab_info *si,
					      uint64_t addr, char *why, size_t why_size)
{
	uint64_t h = (addr >> 6) * 0x9e3779b97f4a7c15ULL;
	for (unsigned i = 0; i < VMR_SLAB_CACHE_SLOTS; i++) {
		struct vmr_slab_cache_slot *slot =
			&si->caches[(h + i) & (VMR_SLAB_CACHE_SLOTS - 1)];
		if (slot->state && slot->c.addr == addr) {
			if (slot->state == 1)
				return &slot->c;
			why_set(why, why_size, "%s", slot->why);
			return NULL;
		}
		if (!slot->state) {
			bool ok = vmr_kmem_cache_read(&si->l, vmr_kernel_read_cb, k, addr, &slot->c,
						      slot->why, sizeof(slot->why));
			slot->c.addr = addr;
			slot->state = ok ? 1 : 2;
			if (!ok)
				why_set(why, why_size, "%s", slot->why);
			return ok ? &slot->c : NULL;
		}
	}
	/* Table full (thousands of caches: corrupt): read without keeping it. */
	if (vmr_kmem_cache_read(&si->l, vmr_kernel_read_cb, k, addr, &si->scratch, why, why_size))
		return &si->scratch;
	return NULL;
}

void vmr_owners_free_slab(struct vmr_owners *o)
{
	if (!o || !o->slab)
		return;
	free(o->slab->l.percpu_offsets);
	free(o->slab);
	o->slab = NULL;
}

bool vmr_owner_find_slab(struct vmr_kernel *k, const struct vmr_addrinfo *info,
			 struct vmr_owner *out)
{
	struct vmr_slab_info *si = slab_ready(k);
	if (!si || !info->has_phys)
		return false;
	const struct vmr_slab_layout *l = &si->l;
	uint64_t pfn = info->phys >> PAGE_SHIFT;
	struct vmr_slab_page slab;
	char why[160];
	if (vmr_slab_page_read(l, vmr_kernel_read_cb, k, pfn, &slab, why, sizeof(why)) !=
	    VMR_SLAB_PAGE_SLAB)
		return false;
	const struct vmr_kmem_cache *s = cache_get(k, si, slab.cache, why, sizeof(why));
	uint64_t object;
	uint32_t index;
	if (!s || !vmr_slab_object(&slab, s, info->addr, &object, &index))
		return false;
	out->kind = VMR_OWNER_SLAB;
	snprintf(out->cache, sizeof(out->cache), "%s", s->name);
	out->object = object;
	out->object_size = s->object_size;
	if (info->addr >= object) {
		out->offset = info->addr - object;
		if (out->offset >= s->object_size)
			snprintf(out->field, sizeof(out->field), "metadata after the object");
	} else {
		out->offset = 0;
		snprintf(out->field, sizeof(out->field), "left red zone");
	}
	out->pfn = pfn;
	out->struct_page = l->vmemmap_base + pfn * l->page_size;
	out->page_addr = info->addr & ~(PAGE_SIZE - 1);
	out->start = slab.base;
	out->allocated = vmr_slab_object_allocated(l, vmr_kernel_read_cb, k, &slab, s, object);
	return true;
}

/* The slab view of a head page and the sizes of its members: struct slab
 * (mm/slab.h, 5.17+), or before it the slab alternative of struct page's
 * union (include/linux/mm_types.h [k5.10]: slab_list or next/pages/pobjects,
 * slab_cache, freelist, s_mem or counters). */
static const struct {
	const char *member, *name;
	uint64_t add, size;
} slab_members[] = {
	{ "__page_flags", "__page_flags", 0, 8 },
	{ "flags", "flags", 0, 8 },
	{ "slab_cache", "slab_cache", 0, 8 },
	{ "slab_list", "slab_list.next", 0, 8 },
	{ "slab_list", "slab_list.prev", 8, 8 },
	{ "next", "next", 0, 8 },
	{ "slabs", "slabs", 0, 4 },
	{ "pages", "pages", 0, 4 },
	{ "pobjects", "pobjects", 0, 4 },
	{ "freelist", "freelist", 0, 8 },
	{ "s_mem", "s_mem", 0, 8 },
	{ "counters", "counters", 0, 8 },
	{ "__page_type", "__page_type", 0, 4 },
	{ "__page_refcount", "__page_refcount", 0, 4 },
	{ "_refcount", "_refcount", 0, 4 },
	{ "obj_exts", "obj_exts", 0, 8 },
	{ "memcg_data", "memcg_data", 0, 8 },
};

bool vmr_slab_struct_field(struct vmr_kernel *k, uint64_t pfn, uint64_t off, char *buf,
			   size_t size)
{
	struct vmr_slab_info *si = slab_ready(k);
	if (!si)
		return false;
	if (!si->slab_fields_tried) {
		si->slab_fields_tried = true;
		const char *st = vmr_kernel_has_member(k, "slab", "slab_cache") ? "slab"
				 : vmr_kernel_has_member(k, "page", "slab_cache") ? "page" : NULL;
		if (st) {
			for (size_t i = 0; i < sizeof(slab_members) / sizeof(slab_members[0]); i++) {
				uint64_t o;
				if (!member(k, st, slab_members[i].member, &o) ||
				    si->nslab_fields >= VMR_PAGE_MAX_FIELDS ||
				    o + slab_members[i].add + slab_members[i].size > si->l.page_size)
					continue;
				si->slab_fields[si->nslab_fields++] = (struct vmr_page_field){
					slab_members[i].name, o + slab_members[i].add,
					slab_members[i].size };
			}
		}
	}
	if (!si->nslab_fields)
		return false;
	struct vmr_slab_page slab;
	if (vmr_slab_page_read(&si->l, vmr_kernel_read_cb, k, pfn, &slab, NULL, 0) !=
		    VMR_SLAB_PAGE_SLAB || slab.head_pfn != pfn)
		return false;
	return vmr_page_field_name(si->slab_fields, si->nslab_fields, off, buf, size);
}
