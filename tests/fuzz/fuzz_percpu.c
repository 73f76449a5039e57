/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the per-cpu owner pieces (owner/percpu.c): __per_cpu_offset[]
 * read from arbitrary memory, the unit size guessed from it, and the CPU
 * and per-cpu pointer of addresses.
 * Input: a 40-byte header (flags: bit 0 wrap every address into the memory,
 * bit 1 stop at the first unused entry; the CPU count; the boot offset;
 * __per_cpu_start and end; an address to look up), then the memory (the
 * array first).  Seeds: offset arrays like the unit test's.
 */
#include <stdlib.h>

#include "owner/percpu.h"

#include "fuzz.h"

#define VBASE 0xffffffff82000000ull
#define HDR 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= HDR)
		return 0;
	struct fuzz_in in = { data, HDR };
	uint64_t flags = fuzz_take(&in, 4);
	unsigned int n = (unsigned int)fuzz_take(&in, 4) % (VMR_MAX_CPUS + 2);
	uint64_t boot = fuzz_take(&in, 8);
	uint64_t start = fuzz_take(&in, 8), end = fuzz_take(&in, 8);
	uint64_t addr = fuzz_take(&in, 8);
	struct fuzz_mem m = { .buf = data + HDR, .size = size - HDR, .base = VBASE,
			      .wrap = flags & 1 };
	struct vmr_percpu pc = { .start = start, .end = end };
	struct vmr_error *err = vmr_percpu_read_offsets(fuzz_mem_read, &m, VBASE, n, boot,
							flags & 2, &pc);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	pc.unit_size = vmr_percpu_guess_unit_size(&pc);
	uint64_t ptr;
	(void)vmr_percpu_find_cpu(&pc, addr, &ptr);
	for (unsigned int i = 0; i < pc.ncpus && i < 4; i++)
		if (pc.offsets[i] != VMR_PERCPU_NONE)
			(void)vmr_percpu_find_cpu(&pc, pc.offsets[i] + start + (addr & 0xfff), &ptr);
	free(pc.offsets);
	return 0;
}
