/* SPDX-License-Identifier: MIT */
/**
 * @file test_owner_corpus_slab.c  Slab and page owners of the real dumps:
 * every dump file of every ${VMR_CORPUS:-/work/shared/corpus}/<set>/
 * truth.json and of samples/, without and (custom sets) with the vmlinux,
 * against the truth samples cache_obj, cache_obj_inner, kmalloc_obj,
 * task_struct, page_directmap and page_struct.
 *
 * Files marked `incomplete` (makedumpfile 1.7.2 on 6.12) may lack a slab
 * page: there the answer must be right or say "not in the dump" (mapped
 * false and no slab owner), never a wrong cache or object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vmregion/kernel.h>
#include <vmregion/owner.h>

#include "fixtures/corpuscases.h"
#include "fixtures/truthjson.h"



/* ---- the checks ---- */

struct owner_truth {
	char kind[16], cache[64];
	uint64_t addr, object, offset, object_size, pfn, struct_page, phys;
	bool has_object_size;
};

static bool read_truth(const char *json, const char *name, struct owner_truth *t)
{
	const char *s, *e;
	memset(t, 0, sizeof(*t));
	if (!find_sample(json, name, &s, &e))
		return false;
	if (!get_hex(s, e, "addr", &t->addr))
		return false;
	const char *o = after_key(s, e, "owner");
	if (!o || *o != '{')
		return false;
	const char *oe = block_end(o);
	get_string(o, oe, "kind", t->kind, sizeof(t->kind));
	get_string(o, oe, "cache", t->cache, sizeof(t->cache));
	get_hex(o, oe, "object", &t->object);
	get_hex(o, oe, "offset", &t->offset);
	get_hex(o, oe, "pfn", &t->pfn);
	get_hex(o, oe, "struct_page", &t->struct_page);
	get_hex(o, oe, "phys", &t->phys);
	t->has_object_size = get_uint(o, oe, "object_size", &t->object_size);
	return true;
}

static const char *const slab_samples[] = { "cache_obj", "cache_obj_inner", "kmalloc_obj",
					    "task_struct" };

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void check_slab(const struct corpus_case *c, struct vmr_kernel *k, const char *name,
		       const struct owner_truth *t, bool incomplete, unsigned *named)
{
	struct vmr_addrinfo info;
	struct vmr_owner o;
	vmr_kernel_describe(k, t->addr, &info);
	assert_int_equal(info.region, VMR_REGION_DIRECT_MAP);
	assert_null(vmr_owner_lookup(k, &info, &o));
	if (incomplete && info.mapped_known && !info.mapped && o.kind != VMR_OWNER_SLAB) {
		print_message("  %s: not in the dump (%s)\n", name, o.reason);
		return;
	}
	if (o.kind != VMR_OWNER_SLAB)
		fail_msg("%s %s 0x%" PRIx64 ": owner %s (%s), want slab %s", c->test_name, name,
			 t->addr, vmr_owner_kind_name(o.kind), o.reason, t->cache);
	assert_string_equal(o.cache, t->cache);
	assert_int_equal(o.object, t->object);
	assert_int_equal(o.offset, t->offset);
	/* task_struct's "size" in the truth is mem_dump_obj()'s (usersize on 6.1). */
	if (t->has_object_size && strcmp(name, "task_struct"))
		assert_int_equal(o.object_size, t->object_size);
	/* Every sample object is alive: never "free"; known unless memory is missing. */
	assert_int_not_equal(o.allocated, 0);
	if (!incomplete || info.mapped)
		assert_int_equal(o.allocated, 1);
	print_message("  %s: slab %s object 0x%" PRIx64 "+0x%" PRIx64 " allocated %d%s\n", name,
		      o.cache, o.object, o.offset, o.allocated,
		      info.mapped ? "" : " (not in the dump)");
	(*named)++;
}

static void test_owners(void **state)
{
	const struct corpus_case *c = *state;
	char *json = slurp(c->truth);
	if (!json)
		fail_msg("cannot read %s", c->truth);
	bool incomplete = false;
	const char *fd = after_key(json, json + strlen(json), "files_detail");
	if (fd && *fd == '{') {
		const char *fde = block_end(fd);
		const char *me = after_key(fd, fde, c->name);
		if (me && *me == '{')
			incomplete = after_key(me, block_end(me), "incomplete") != NULL;
	}
	uint64_t page_offset_base = 0;
	assert_true(get_hex(json, json + strlen(json), "page_offset_base", &page_offset_base));

	struct vmr_dump *d;
	struct vmr_kernel *k;
	corpus_open(c, &d, &k);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned named = 0;
	struct owner_truth t;
	for (size_t i = 0; i < sizeof(slab_samples) / sizeof(slab_samples[0]); i++) {
		if (!read_truth(json, slab_samples[i], &t))
			fail_msg("%s: no sample %s", c->truth, slab_samples[i]);
		assert_string_equal(t.kind, "slab");
		check_slab(c, k, slab_samples[i], &t, incomplete, &named);
	}

	/* page_directmap: the page, its pfn and struct page. */
	struct vmr_addrinfo info;
	struct vmr_owner o;
	assert_true(read_truth(json, "page_directmap", &t));
	vmr_kernel_describe(k, t.addr, &info);
	assert_null(vmr_owner_lookup(k, &info, &o));
	assert_int_equal(o.kind, VMR_OWNER_PAGE);
	assert_int_equal(o.pfn, t.pfn);
	assert_int_equal(o.struct_page, t.struct_page);
	assert_int_equal(o.offset, t.offset);
	assert_int_equal(o.page_addr, t.addr & ~0xfffULL);
	assert_int_equal(o.pfn << 12, t.phys);
	assert_non_null(strstr(o.flags_text, info.mapped ? "in the dump" : "not in the dump"));
	named++;

	/* page_struct: the struct page of that pfn, at offset 0 (flags). */
	uint64_t pfn = t.pfn;
	assert_true(read_truth(json, "page_struct", &t));
	assert_int_equal(t.pfn, pfn);
	vmr_kernel_describe(k, t.addr, &info);
	assert_int_equal(info.region, VMR_REGION_VMEMMAP);
	assert_null(vmr_owner_lookup(k, &info, &o));
	assert_int_equal(o.kind, VMR_OWNER_PAGE);
	assert_int_equal(o.pfn, t.pfn);
	assert_int_equal(o.struct_page, t.addr);
	assert_int_equal(o.offset, 0);
	assert_int_equal(o.page_addr, page_offset_base + (t.pfn << 12));
	assert_string_equal(o.field, "flags");
	/* Further into the same struct page: union members and the refcount. */
	vmr_kernel_describe(k, t.addr + 8, &info);
	assert_null(vmr_owner_lookup(k, &info, &o));
	assert_non_null(strstr(o.field, "compound_head"));
	vmr_kernel_describe(k, t.addr + 52, &info);
	assert_null(vmr_owner_lookup(k, &info, &o));
	assert_string_equal(o.field, "_refcount");
	named++;

	/* The struct page of a slab's head page is a struct slab: slab_cache named. */
	uint64_t vmemmap_base;
	assert_true(get_hex(json, json + strlen(json), "vmemmap_base", &vmemmap_base));
	assert_true(read_truth(json, "cache_obj", &t));
	vmr_kernel_describe(k, t.addr, &info);
	assert_null(vmr_owner_lookup(k, &info, &o));
	if (o.kind == VMR_OWNER_SLAB) {
		uint64_t head = vmemmap_base + ((o.start - page_offset_base) >> 12) * 64;
		bool seen = false;
		for (uint64_t off = 0; off < 64; off += 8) {
			vmr_kernel_describe(k, head + off, &info);
			assert_null(vmr_owner_lookup(k, &info, &o));
			assert_int_equal(o.kind, VMR_OWNER_PAGE);
			seen |= !strcmp(o.field, "slab_cache");
		}
		assert_true(seen);
	}

	/* 100 direct-map addresses through the slab objects' pages: cheap. */
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(read_truth(json, "kmalloc_obj", &t));
	for (unsigned i = 0; i < 100; i++) {
		vmr_kernel_describe(k, (t.addr & ~0xfffULL) + i * 40, &info);
		assert_null(vmr_owner_lookup(k, &info, &o));
		if (!incomplete || info.mapped)
			assert_int_equal(o.kind, VMR_OWNER_SLAB);
	}
	double ms100 = ms_since(&t1);
	print_message("%s: %u/6 owners as the guest named them; %.1f ms in all, %.2f ms for "
		      "100 slab addresses\n", c->test_name, named, ms_since(&t0), ms100);
	/* (printed, not judged: bench/run measures speed) */

	vmr_kernel_close(k);
	vmr_dump_close(d);
	free(json);
}

int main(void)
{
	return corpus_run_group("owner-corpus-slab", CORPUS_TRUTH_FILES_AND_VMLINUX, test_owners);
}
