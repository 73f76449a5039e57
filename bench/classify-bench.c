/* SPDX-License-Identifier: MIT */
/*
 * classify-bench: addresses per second of vmr_classify() on the layout of
 * samples/truth.json (Debian 6.1, 4-level).  Usage: classify-bench [N]
 * (default 20000000 addresses, a mix of every region, kernel and user).
 *
 * Build: cc -O2 -I include -I . bench/classify-bench.c BUILD/libvmregion_static.a \
 *        $(pkg-config --libs libelf libdw libkdumpfile libzstd) -o classify-bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmregion/layout.h>

static void set(struct vmr_value *v, uint64_t x)
{
	v->value = x;
	v->source = VMR_SRC_VMCOREINFO;
}

static void sample_layout(struct vmr_layout *L)
{
	memset(L, 0, sizeof(*L));
	set(&L->paging_levels, 4);
	set(&L->kaslr_offset, 0x30000000);
	set(&L->phys_base, UINT64_C(0xffffffffdb400000));
	set(&L->page_offset_base, UINT64_C(0xffff8b93c0000000));
	set(&L->vmalloc_base, UINT64_C(0xffffd13b40000000));
	set(&L->vmemmap_base, UINT64_C(0xfffffb3cc0000000));
	set(&L->max_pfn, 0x17fdd);
	set(&L->struct_page_size, 64);
	set(&L->kernel_image_size, UINT64_C(0x40000000));
	set(&L->fixaddr_start, UINT64_C(0xffffffffff579000));
	set(&L->fixaddr_top, UINT64_C(0xffffffffff7ff000));
	set(&L->image_start, UINT64_C(0xffffffffb1000000));
	set(&L->image_end, UINT64_C(0xffffffffb3830000));
	L->section_start[VMR_SECTION_TEXT] = UINT64_C(0xffffffffb1000000);
	L->section_end[VMR_SECTION_TEXT] = UINT64_C(0xffffffffb1e01ef2);
	L->section_start[VMR_SECTION_DATA] = UINT64_C(0xffffffffb2a00000);
	L->section_end[VMR_SECTION_DATA] = UINT64_C(0xffffffffb2c45e00);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
	struct vmr_layout L;
	struct vmr_error *err;

	sample_layout(&L);
	err = vmr_layout_build_regions(&L);
	if (err) {
		fprintf(stderr, "classify-bench: %s\n", vmr_error_message(err));
		vmr_error_free(err);
		return 2;
	}
	/* The mix: a random row, then a random offset inside it, or a random
	 * address near a kernel object (direct map, image, vmalloc, modules). */
	static const uint64_t hot[] = {
		UINT64_C(0xffff8b93d7f36080), UINT64_C(0xffffffffb12dfc80),
		UINT64_C(0xffffd13b4038d123), UINT64_C(0xffffffffc032c004),
		UINT64_C(0xfffffb3cc05fcd80), UINT64_C(0x00007ffd12345678),
	};
	uint64_t *addrs = malloc(n * sizeof(*addrs));
	if (!addrs) {
		fprintf(stderr, "classify-bench: out of memory\n");
		return 2;
	}
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = xorshift(&seed);
		if (r & 1) {
			const struct vmr_region *row = &L.regions[(r >> 1) % L.nregions];
			uint64_t span = row->end - row->start;
			uint64_t off = xorshift(&seed);
			addrs[i] = row->start + (span == UINT64_MAX ? off : off % (span + 1));
		} else {
			addrs[i] = hot[(r >> 1) % 6] + ((r >> 8) & 0xffff);
		}
	}

	struct vmr_addrinfo ai;
	uint64_t sink = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		vmr_classify(&L, addrs[i], &ai);
		sink += (uint64_t)ai.region + ai.pfn;
	}
	double dt = now() - t0;
	printf("classified %zu addresses in %.3f s: %.1f million addresses/second "
	       "(%.1f ns each; checksum %llx)\n",
	       n, dt, (double)n / dt / 1e6, dt * 1e9 / (double)n, (unsigned long long)sink);
	free(addrs);
	return 0;
}
