/* SPDX-License-Identifier: MIT */
/*
 * owner/slab.c walks on synthetic memory: a few segments of kernel virtual
 * memory (struct pages in vmemmap, slab pages in the direct map, a
 * kmem_cache and its name, per-cpu kmem_cache_cpu) served by a callback.
 * Layouts of k6.1 (PG_slab flag, slab_cache @24) and k6.12 (page type,
 * slab_cache @8), x86_64-layout.md §3.3 and §7.8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "owner/slab.h"

#define VMEMMAP 0xffffea0000000000ULL
#define DIRECT 0xffff888000000000ULL
#define CACHE 0xffff888000800000ULL /* kmem_cache + name, in its own segment */
#define PCPU 0xffff888000900000ULL  /* per-cpu areas */
#define HEAD_PFN 0x100ULL
#define SP(pfn) (VMEMMAP + (pfn) * 64)
#define PA(pfn) (DIRECT + ((pfn) << 12))

struct seg {
	uint64_t addr, size;
	uint8_t *bytes;
	bool missing;
};

struct mem {
	struct seg seg[8];
	unsigned n;
	unsigned reads;
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	for (unsigned i = 0; i < m->n; i++) {
		struct seg *s = &m->seg[i];
		if (addr >= s->addr && addr - s->addr <= s->size && len <= s->size - (addr - s->addr)) {
			if (s->missing)
				return vmr_error_fault(addr, "0x%llx: not in the dump",
						       (unsigned long long)addr);
			memcpy(buf, s->bytes + (addr - s->addr), len);
			return NULL;
		}
	}
	return vmr_error_fault(addr, "0x%llx: not mapped", (unsigned long long)addr);
}

static uint8_t *seg_add(struct mem *m, uint64_t addr, uint64_t size)
{
	assert_true(m->n < 8);
	struct seg *s = &m->seg[m->n++];
	s->addr = addr;
	s->size = size;
	s->bytes = calloc(1, size);
	assert_non_null(s->bytes);
	return s->bytes;
}

static struct seg *seg_of(struct mem *m, uint64_t addr)
{
	for (unsigned i = 0; i < m->n; i++)
		if (addr >= m->seg[i].addr && addr - m->seg[i].addr < m->seg[i].size)
			return &m->seg[i];
	fail_msg("no segment for 0x%llx", (unsigned long long)addr);
	return NULL;
}

static void put64(struct mem *m, uint64_t addr, uint64_t v)
{
	struct seg *s = seg_of(m, addr);
	memcpy(s->bytes + (addr - s->addr), &v, 8);
}

static void put32(struct mem *m, uint64_t addr, uint32_t v)
{
	struct seg *s = seg_of(m, addr);
	memcpy(s->bytes + (addr - s->addr), &v, 4);
}

static void mem_free(struct mem *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->seg[i].bytes);
	free(m);
}

/* kmem_cache offsets of this test (any distinct values will do). */
enum { KC_NAME = 0x60, KC_SIZE = 0x18, KC_OBJSIZE = 0x1c, KC_OFFSET = 0x20,
       KC_RLP = 0x24, KC_RANDOM = 0x28, KC_CPU_SLAB = 0x00 };

static struct vmr_slab_layout layout_612(void)
{
	struct vmr_slab_layout l = {
		.vmemmap_base = VMEMMAP, .page_offset_base = DIRECT, .max_pfn = 0x10000,
		.page_size = 64, .off_flags = 0, .off_compound_head = 8, .off_page_type = 48,
		.test = VMR_SLAB_TEST_TYPE, .slab_type = 0xf5,
		.off_slab_cache = 8, .off_freelist = 32, .off_counters = 40,
		.off_name = KC_NAME, .off_size = KC_SIZE, .off_object_size = KC_OBJSIZE,
		.off_offset = KC_OFFSET, .off_red_left_pad = KC_RLP,
	};
	return l;
}

static struct vmr_slab_layout layout_61(void)
{
	struct vmr_slab_layout l = layout_612();
	l.test = VMR_SLAB_TEST_FLAG;
	l.slab_flag_mask = 1ULL << 9; /* PG_slab = 9 in k6.1 */
	l.off_slab_cache = 24;
	return l;
}

static uint64_t counters(uint32_t inuse, uint32_t objects, bool frozen)
{
	return inuse | (uint64_t)objects << 16 | (uint64_t)frozen << 31;
}

/*
 * A slab of @objects objects of @size bytes at HEAD_PFN spanning @pages
 * pages; kmem_cache "test_cache" with the free pointer at @fp_off.
 */
static struct mem *make_slab(const struct vmr_slab_layout *l, uint32_t objects,
			     uint32_t size, unsigned pages, uint32_t fp_off)
{
	struct mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	seg_add(m, SP(HEAD_PFN), 64 * 8);              /* struct pages of 8 pfns */
	seg_add(m, PA(HEAD_PFN), (uint64_t)pages << 12);  /* the slab's memory */
	seg_add(m, CACHE, 0x1000);                      /* kmem_cache and its name */
	uint64_t head = SP(HEAD_PFN);
	if (l->test == VMR_SLAB_TEST_FLAG)
		put64(m, head + l->off_flags, l->slab_flag_mask | (pages > 1 ? 1u << 16 : 0));
	else
		put32(m, head + l->off_page_type, l->slab_type << 24);
	put64(m, head + l->off_slab_cache, CACHE);
	put64(m, head + l->off_counters, counters(objects, objects, false));
	for (unsigned i = 1; i < pages; i++)
		put64(m, SP(HEAD_PFN + i) + l->off_compound_head, head | 1);
	put64(m, CACHE + KC_NAME, CACHE + 0x800);
	memcpy(seg_of(m, CACHE)->bytes + 0x800, "test_cache", 11);
	put32(m, CACHE + KC_SIZE, size);
	put32(m, CACHE + KC_OBJSIZE, size - 8);
	put32(m, CACHE + KC_OFFSET, fp_off);
	return m;
}

static uint64_t obj(uint32_t size, unsigned i)
{
	return PA(HEAD_PFN) + (uint64_t)i * size;
}

/* Set the free list to @n objects (indices), encoding with @random when hardened. */
static void set_freelist(struct mem *m, const struct vmr_slab_layout *l, uint32_t size,
			 uint32_t fp_off, uint64_t random, const unsigned *idx, unsigned n)
{
	put64(m, SP(HEAD_PFN) + l->off_freelist, n ? obj(size, idx[0]) : 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = obj(size, idx[i]) + fp_off;
		uint64_t next = i + 1 < n ? obj(size, idx[i + 1]) : 0;
		if (l->has_random)
			next ^= random ^ __builtin_bswap64(at);
		put64(m, at, next);
	}
	uint32_t inuse = 3 - n;
	uint64_t c;
	struct vmr_error *err = mem_read(m, SP(HEAD_PFN) + l->off_counters, &c, 8);
	assert_null(err);
	put64(m, SP(HEAD_PFN) + l->off_counters, (c & ~0xffffULL) | inuse);
}

/* Page -> slab -> cache -> object, and allocated, in one go. */
static int lookup(struct mem *m, const struct vmr_slab_layout *l, uint64_t addr,
		  uint64_t *object, struct vmr_kmem_cache *s)
{
	struct vmr_slab_page slab;
	char why[160];
	uint64_t pfn = (addr - DIRECT) >> 12;
	enum vmr_slab_page_result r = vmr_slab_page_read(l, mem_read, m, pfn, &slab, why,
							   sizeof(why));
	assert_int_equal(r, VMR_SLAB_PAGE_SLAB);
	assert_int_equal(slab.head_pfn, HEAD_PFN);
	assert_true(vmr_kmem_cache_read(l, mem_read, m, slab.cache, s, why, sizeof(why)));
	assert_string_equal(s->name, "test_cache");
	uint32_t index;
	assert_true(vmr_slab_object(&slab, s, addr, object, &index));
	return vmr_slab_object_allocated(l, mem_read, m, &slab, s, *object);
}

/* Three objects of 1 KiB in one page; free list obj2 -> obj0. */
static void test_three_objects_freelist(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 1024, 1, 512);
	unsigned fl[] = { 2, 0 };
	set_freelist(m, &l, 1024, 512, 0, fl, 2);
	struct vmr_kmem_cache s;
	uint64_t o;

	assert_int_equal(lookup(m, &l, obj(1024, 1) + 0x48, &o, &s), 1);
	assert_int_equal(o, obj(1024, 1));
	assert_int_equal(s.size, 1024);
	assert_int_equal(s.object_size, 1016);

	assert_int_equal(lookup(m, &l, obj(1024, 0), &o, &s), 0);
	assert_int_equal(o, obj(1024, 0));
	assert_int_equal(lookup(m, &l, obj(1024, 2) + 1023, &o, &s), 0);
	assert_int_equal(o, obj(1024, 2));

	/* The leftover 1 KiB after the 3 objects clamps to the last one (nearest_obj). */
	assert_int_equal(lookup(m, &l, obj(1024, 3) + 0x10, &o, &s), 0);
	assert_int_equal(o, obj(1024, 2));
	mem_free(m);
}

/* k6.1: the PG_slab flag on the head page; slab_cache at 24. */
static void test_flag_scheme_61(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_61();
	struct mem *m = make_slab(&l, 3, 1024, 1, 0);
	unsigned fl[] = { 1 };
	set_freelist(m, &l, 1024, 0, 0, fl, 1);
	struct vmr_kmem_cache s;
	uint64_t o;
	assert_int_equal(lookup(m, &l, obj(1024, 1) + 8, &o, &s), 0);
	assert_int_equal(o, obj(1024, 1));
	assert_int_equal(lookup(m, &l, obj(1024, 2) + 8, &o, &s), 1);

	/* Without the flag it is a plain page. */
	put64(m, SP(HEAD_PFN), 0);
	struct vmr_slab_page slab;
	char why[160];
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_NOT_SLAB);
	mem_free(m);
}

/* k6.12 page types: buddy (0xf0) and a mapped page (_mapcount 0) are not slabs. */
static void test_type_scheme_not_slab(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 1024, 1, 0);
	struct vmr_slab_page slab;
	char why[160];
	uint32_t types[] = { 0xf0000000u, 0, 0xffffffffu, 0xf4000000u };
	for (unsigned i = 0; i < 4; i++) {
		put32(m, SP(HEAD_PFN) + 48, types[i]);
		assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why,
						    sizeof(why)), VMR_SLAB_PAGE_NOT_SLAB);
	}
	/* Older PAGE_TYPE_BASE scheme: PG_slab bit cleared means slab. */
	l.test = VMR_SLAB_TEST_TYPE_BIT;
	l.slab_type = 0x1000;
	put32(m, SP(HEAD_PFN) + 48, ~0x1000u);
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_SLAB);
	put32(m, SP(HEAD_PFN) + 48, 0xffffffffu);
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_NOT_SLAB);
	mem_free(m);
}

/* An order-1 slab: the tail page's compound_head leads to the head. */
static void test_tail_page(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 2048, 2, 0);
	set_freelist(m, &l, 2048, 0, 0, NULL, 0);
	struct vmr_kmem_cache s;
	uint64_t o;
	uint64_t addr = PA(HEAD_PFN + 1) + 0x810; /* 0x1810 into the slab: object 2 */
	assert_int_equal(lookup(m, &l, addr, &o, &s), 1);
	assert_int_equal(o, obj(2048, 2));

	struct vmr_slab_page slab;
	char why[160];
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN + 1, &slab, why,
					    sizeof(why)), VMR_SLAB_PAGE_SLAB);
	assert_int_equal(slab.pfn, HEAD_PFN + 1);
	assert_int_equal(slab.head_page, SP(HEAD_PFN));
	assert_int_equal(slab.base, PA(HEAD_PFN));
	mem_free(m);
}

/* compound_head values that cannot be right end as CORRUPT, never followed. */
static void test_corrupt_compound_head(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 2048, 2, 0);
	struct vmr_slab_page slab;
	char why[160];
	uint64_t bad[] = {
		SP(HEAD_PFN + 1) | 1,        /* points at itself */
		SP(HEAD_PFN + 3) | 1,        /* above the tail */
		(SP(HEAD_PFN) + 8) | 1,      /* not a struct page boundary */
		0x1,                         /* below vmemmap */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put64(m, SP(HEAD_PFN + 1) + 8, bad[i]);
		why[0] = 0;
		assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN + 1, &slab, why,
						    sizeof(why)), VMR_SLAB_PAGE_CORRUPT);
		assert_true(why[0] != 0);
	}
	/* A head too far below (more than VMR_MAX_COMPOUND_PAGES). */
	struct vmr_slab_layout far = l;
	far.vmemmap_base = VMEMMAP - (1ULL << 19) * 64;
	far.max_pfn = 0;
	put64(m, SP(HEAD_PFN + 1) + 8, far.vmemmap_base | 1);
	assert_int_equal(vmr_slab_page_read(&far, mem_read, m, HEAD_PFN + 1 + (1u << 19), &slab,
					    why, sizeof(why)), VMR_SLAB_PAGE_CORRUPT);
	assert_non_null(strstr(why, "not below"));
	/* A head that is a tail itself. */
	put64(m, SP(HEAD_PFN + 1) + 8, SP(HEAD_PFN) | 1);
	put64(m, SP(HEAD_PFN) + 8, SP(HEAD_PFN + 2) | 1);
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN + 1, &slab, why,
					    sizeof(why)), VMR_SLAB_PAGE_CORRUPT);
	/* A struct page not in the dump. */
	m->seg[0].missing = true;
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_UNREADABLE);
	assert_non_null(strstr(why, "not in the dump"));
	/* Beyond max_pfn: not a slab, nothing read. */
	unsigned reads = m->reads;
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, 0x10000, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_NOT_SLAB);
	assert_int_equal(m->reads, reads);
	mem_free(m);
}

/* Corrupt counters: zero objects, inuse > objects, no cache. */
static void test_corrupt_counters(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 1024, 1, 0);
	struct vmr_slab_page slab;
	char why[160];
	put64(m, SP(HEAD_PFN) + 40, counters(0, 0, false));
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_CORRUPT);
	put64(m, SP(HEAD_PFN) + 40, counters(5, 3, false));
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_CORRUPT);
	put64(m, SP(HEAD_PFN) + 40, counters(3, 3, true));
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_SLAB);
	assert_int_equal(slab.inuse, 3);
	assert_int_equal(slab.objects, 3);
	assert_true(slab.frozen);
	put64(m, SP(HEAD_PFN) + 8, 0);
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_CORRUPT);
	mem_free(m);
}

/* A free list that loops, or leaves the slab, is BROKEN: allocated unknown. */
static void test_freelist_cycle_and_stray(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 1024, 1, 0);
	/* obj0 -> obj1 -> obj0 ... */
	put64(m, SP(HEAD_PFN) + 32, obj(1024, 0));
	put64(m, obj(1024, 0), obj(1024, 1));
	put64(m, obj(1024, 1), obj(1024, 0));
	struct vmr_kmem_cache s;
	uint64_t o;
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), -1);
	struct vmr_slab_page slab;
	char why[160];
	assert_int_equal(vmr_slab_page_read(&l, mem_read, m, HEAD_PFN, &slab, why, sizeof(why)),
			 VMR_SLAB_PAGE_SLAB);
	assert_int_equal(vmr_slab_freelist_find(&l, mem_read, m, &slab, &s, slab.freelist,
						obj(1024, 2)), VMR_FREELIST_BROKEN);
	/* ... but an object met before the loop is found. */
	assert_int_equal(vmr_slab_freelist_find(&l, mem_read, m, &slab, &s, slab.freelist,
						obj(1024, 1)), VMR_FREELIST_FOUND);
	/* A self-loop. */
	put64(m, obj(1024, 0), obj(1024, 0));
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), -1);
	/* Out of the slab, and off an object boundary. */
	put64(m, obj(1024, 0), 0xffff888012345000ULL);
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), -1);
	put64(m, obj(1024, 0), obj(1024, 1) + 8);
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), -1);
	/* A free pointer on a page not in the dump. */
	put64(m, obj(1024, 0), obj(1024, 1));
	put64(m, obj(1024, 1), 0);
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), 1);
	m->seg[1].missing = true;
	assert_int_equal(vmr_slab_object_allocated(&l, mem_read, m, &slab, &s, obj(1024, 2)), -1);
	mem_free(m);
}

/* CONFIG_SLAB_FREELIST_HARDENED: pointers stored as ptr ^ random ^ swab(&ptr). */
static void test_hardened_freelist(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	l.has_random = true;
	l.off_random = KC_RANDOM;
	const uint64_t random = 0x5a5aa5a512345678ULL;
	struct mem *m = make_slab(&l, 3, 1024, 1, 0x200);
	put64(m, CACHE + KC_RANDOM, random);
	unsigned fl[] = { 1, 2, 0 };
	set_freelist(m, &l, 1024, 0x200, random, fl, 3);
	struct vmr_kmem_cache s;
	uint64_t o;
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(lookup(m, &l, obj(1024, i) + 4, &o, &s), 0);
	assert_int_equal(s.random, random);

	/* Read without the hardening the list breaks instead of lying. */
	l.has_random = false;
	assert_int_equal(lookup(m, &l, obj(1024, 0), &o, &s), -1);
	/* A wrong random: the same. */
	l.has_random = true;
	put64(m, CACHE + KC_RANDOM, random ^ 0x1000);
	assert_int_equal(lookup(m, &l, obj(1024, 0), &o, &s), -1);

	/* Two allocated, one free. */
	put64(m, CACHE + KC_RANDOM, random);
	unsigned fl2[] = { 2 };
	set_freelist(m, &l, 1024, 0x200, random, fl2, 1);
	assert_int_equal(lookup(m, &l, obj(1024, 0), &o, &s), 1);
	assert_int_equal(lookup(m, &l, obj(1024, 1), &o, &s), 1);
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), 0);
	assert_int_equal(vmr_slab_decode_free_ptr(&l, &s, 0, 0x1000) , random ^ 0x0010000000000000ULL);
	mem_free(m);
}

/* A frozen slab: its CPU's kmem_cache_cpu.freelist decides. */
static void test_frozen_cpu_freelist(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	uint64_t offsets[2] = { 0, 0x1000 };
	l.has_cpu_slab = true;
	l.off_cpu_slab = KC_CPU_SLAB;
	l.off_c_freelist = 0;
	l.off_c_slab = 16;
	l.nr_cpus = 2;
	l.percpu_offsets = offsets;
	struct mem *m = make_slab(&l, 3, 1024, 1, 0);
	seg_add(m, PCPU, 0x2000);
	put64(m, CACHE + KC_CPU_SLAB, PCPU + 0x100);
	put64(m, SP(HEAD_PFN) + 40, counters(3, 3, true));
	put64(m, SP(HEAD_PFN) + 32, 0);
	struct vmr_kmem_cache s;
	uint64_t o;
	/* No CPU holds it (a k6.1 CPU partial slab): its free list is slab->freelist. */
	assert_int_equal(lookup(m, &l, obj(1024, 1), &o, &s), 1);
	/* CPU 1 holds it with obj1 -> obj2 free. */
	put64(m, PCPU + 0x1100 + 16, SP(HEAD_PFN));
	put64(m, PCPU + 0x1100, obj(1024, 1));
	put64(m, obj(1024, 1), obj(1024, 2));
	put64(m, obj(1024, 2), 0);
	assert_int_equal(lookup(m, &l, obj(1024, 0), &o, &s), 1);
	assert_int_equal(lookup(m, &l, obj(1024, 1), &o, &s), 0);
	assert_int_equal(lookup(m, &l, obj(1024, 2), &o, &s), 0);
	/* Per-cpu data unknown: unknown. */
	l.has_cpu_slab = false;
	assert_int_equal(lookup(m, &l, obj(1024, 0), &o, &s), -1);
	mem_free(m);
}

/* SLAB_RED_ZONE: objects start red_left_pad into their slot. */
static void test_red_left_pad(void **state)
{
	(void)state;
	struct vmr_slab_page slab = { .base = PA(HEAD_PFN), .objects = 3 };
	struct vmr_kmem_cache s = { .size = 1024, .object_size = 900, .red_left_pad = 64 };
	uint64_t o;
	uint32_t idx;
	assert_true(vmr_slab_object(&slab, &s, PA(HEAD_PFN) + 1024 + 64 + 5, &o, &idx));
	assert_int_equal(o, PA(HEAD_PFN) + 1024 + 64);
	assert_int_equal(idx, 1);
	assert_true(vmr_slab_object(&slab, &s, PA(HEAD_PFN) + 1024 + 3, &o, &idx));
	assert_int_equal(o, PA(HEAD_PFN) + 1024 + 64); /* in its left red zone */
	assert_false(vmr_slab_object(&slab, &s, PA(HEAD_PFN) - 1, &o, &idx));
	assert_false(vmr_slab_object(&slab, &s, PA(HEAD_PFN) + 4 * 1024, &o, &idx));
}

/* kmem_caches with impossible sizes or unreadable names are refused. */
static void test_corrupt_kmem_cache(void **state)
{
	(void)state;
	struct vmr_slab_layout l = layout_612();
	struct mem *m = make_slab(&l, 3, 1024, 1, 0);
	struct vmr_kmem_cache s;
	char why[160];
	assert_true(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	put32(m, CACHE + KC_SIZE, 0);
	assert_false(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	put32(m, CACHE + KC_SIZE, 512);
	assert_false(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	put32(m, CACHE + KC_SIZE, 1024);
	put32(m, CACHE + KC_OFFSET, 1020);
	assert_false(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	put32(m, CACHE + KC_OFFSET, 0);
	put64(m, CACHE + KC_NAME, 0xdead000000000000ULL);
	assert_false(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	assert_non_null(strstr(why, "name"));
	/* A name without NUL before the end of its page is cut, not overrun. */
	put64(m, CACHE + KC_NAME, CACHE + 0xffc);
	memcpy(seg_of(m, CACHE)->bytes + 0xffc, "abcd", 4);
	assert_false(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	put64(m, CACHE + KC_NAME, CACHE + 0xff0);
	memcpy(seg_of(m, CACHE)->bytes + 0xff0, "kmalloc-256", 12);
	assert_true(vmr_kmem_cache_read(&l, mem_read, m, CACHE, &s, why, sizeof(why)));
	assert_string_equal(s.name, "kmalloc-256");
	/* Not in the dump. */
	assert_false(vmr_kmem_cache_read(&l, mem_read, m, CACHE + 0x100000, &s, why, sizeof(why)));
	assert_non_null(strstr(why, "not in the dump"));
	mem_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_objects_freelist),
		cmocka_unit_test(test_flag_scheme_61),
		cmocka_unit_test(test_type_scheme_not_slab),
		cmocka_unit_test(test_tail_page),
		cmocka_unit_test(test_corrupt_compound_head),
		cmocka_unit_test(test_corrupt_counters),
		cmocka_unit_test(test_freelist_cycle_and_stray),
		cmocka_unit_test(test_hardened_freelist),
		cmocka_unit_test(test_frozen_cpu_freelist),
		cmocka_unit_test(test_red_left_pad),
		cmocka_unit_test(test_corrupt_kmem_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
