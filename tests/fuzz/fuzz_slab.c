/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the slab and page owner walks on arbitrary kernel memory
 * (owner/slab.c: struct page/slab of a pfn, its kmem_cache, the object an
 * address falls in, the free lists of the slab and of the CPUs holding it;
 * owner/page.c: the pfn and field of a struct page address).
 * Input: a 48-byte header (flags: bit 0 wrap every address into the memory,
 * bits 1-2 the slab test (6.12 page type, 6.1 PG_slab, older page_type bit),
 * bit 3 freelist hardening, bit 4 per-cpu slabs, bit 5 memory at vmemmap
 * rather than the direct map; the pfn; the offset of an address in the
 * direct map; a CPU count and up to four per-cpu offsets), then the memory.
 * Layout of tests/unit/test_owner_slab.c.  Seeds: slabs written like that
 * test writes them.
 */
#include "owner/slab.h"

#include "fuzz.h"

#define VMEMMAP 0xffffea0000000000ull
#define DIRECT 0xffff888000000000ull
#define HDR 48

static const struct vmr_page_field fields[] = {
	{ "flags", 0, 8 }, { "compound_head", 8, 8 }, { "slab_cache", 8, 8 },
	{ "freelist", 32, 8 }, { "counters", 40, 8 }, { "page_type", 48, 4 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= HDR)
		return 0;
	struct fuzz_in in = { data, HDR };
	uint64_t flags = fuzz_take(&in, 4);
	uint64_t pfn = fuzz_take(&in, 4);
	uint64_t addr = DIRECT + fuzz_take(&in, 4);
	uint32_t ncpus = (uint32_t)fuzz_take(&in, 4) % 5;
	uint64_t offsets[4];
	for (int i = 0; i < 4; i++)
		offsets[i] = fuzz_take(&in, 8);
	struct fuzz_mem m = { .buf = data + HDR, .size = size - HDR,
			      .base = flags & 32 ? VMEMMAP : DIRECT, .wrap = flags & 1 };
	struct vmr_slab_layout l = {
		.vmemmap_base = VMEMMAP, .page_offset_base = DIRECT, .max_pfn = 0x10000,
		.page_size = 64, .off_flags = 0, .off_compound_head = 8, .off_page_type = 48,
		.test = VMR_SLAB_TEST_TYPE, .slab_type = 0xf5,
		.off_slab_cache = 8, .off_freelist = 32, .off_counters = 40,
		.off_name = 0x60, .off_size = 0x18, .off_object_size = 0x1c, .off_offset = 0x20,
		.off_red_left_pad = 0x24, .off_random = 0x28,
		.has_random = flags & 8, .has_cpu_slab = flags & 16,
		.off_cpu_slab = 0, .off_c_freelist = 0, .off_c_slab = 16,
		.nr_cpus = ncpus, .percpu_offsets = offsets,
	};
	switch ((flags >> 1) & 3) {
	case 1:
		l.test = VMR_SLAB_TEST_FLAG;
		l.slab_flag_mask = 1ull << 9;
		l.off_slab_cache = 24;
		break;
	case 2:
		l.test = VMR_SLAB_TEST_TYPE_BIT;
		l.slab_type = 0x1000;
		break;
	case 3:
		l.test = VMR_SLAB_TEST_NONE;
		break;
	}
	char why[160], name[64];
	uint64_t spfn, off;
	if (vmr_page_of_struct_page(&l, VMEMMAP + pfn * 8 + (addr & 63), &spfn, &off))
		(void)vmr_page_field_name(fields, sizeof(fields) / sizeof(fields[0]), off, name,
					  sizeof(name));
	struct vmr_slab_page slab;
	if (vmr_slab_page_read(&l, fuzz_mem_read, &m, pfn, &slab, why, sizeof(why)) !=
	    VMR_SLAB_PAGE_SLAB)
		return 0;
	struct vmr_kmem_cache s;
	if (!vmr_kmem_cache_read(&l, fuzz_mem_read, &m, slab.cache, &s, why, sizeof(why)))
		return 0;
	uint64_t object;
	uint32_t index;
	if (!vmr_slab_object(&slab, &s, slab.base + (addr - DIRECT) % 0x40000, &object, &index))
		return 0;
	(void)vmr_slab_decode_free_ptr(&l, &s, object, object + s.offset);
	(void)vmr_slab_freelist_find(&l, fuzz_mem_read, &m, &slab, &s, slab.freelist, object);
	(void)vmr_slab_object_allocated(&l, fuzz_mem_read, &m, &slab, &s, object);
	return 0;
}
