/* SPDX-License-Identifier: MIT */
/**
 * @file fuzz.h  Shared pieces of the libFuzzer harnesses: a cursor that
 * takes parameters from the front of the input, and synthetic memory served
 * by a vmr_read_fn from the rest, the way the unit tests serve it.
 *
 * Each harness defines LLVMFuzzerTestOneInput(); the same file is linked
 * with libFuzzer (VMR_FUZZ=ON, clang) or with replay.c (every build), which
 * feeds the checked-in corpus and regression inputs through it.
 */
#ifndef VMR_TESTS_FUZZ_H
#define VMR_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/error.h"
#include "common/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Parameters read from the front of the input; zeros once it is used up. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes; i++) {
		uint8_t b = 0;
		if (in->n) {
			b = *in->p++;
			in->n--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

/**
 * Memory: @p size bytes at @p base.  With @p wrap, every address is served
 * (its offset from @p base taken modulo @p size), so that any pointer the
 * fuzzer writes leads somewhere; without it, reads outside fault.
 */
struct fuzz_mem {
	const uint8_t *buf;
	size_t size;
	uint64_t base;
	int wrap;
	size_t reads;
};

static inline struct vmr_error *fuzz_mem_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct fuzz_mem *m = ctx;
	m->reads++;
	uint64_t off = addr - m->base;
	if (!m->wrap || !m->size) {
		if (addr < m->base || off > m->size || len > m->size - off)
			return vmr_error_fault(addr, "0x%llx: not in memory",
					       (unsigned long long)addr);
		if (len)
			memcpy(out, m->buf + off, len);
		return NULL;
	}
	if (len > (64u << 20))
		return vmr_error_fault(addr, "0x%llx: read of %zu bytes too large",
				       (unsigned long long)addr, len);
	uint8_t *o = out;
	off %= m->size;
	while (len) {
		size_t n = m->size - off < len ? m->size - off : len;
		memcpy(o, m->buf + off, n);
		o += n;
		len -= n;
		off = 0;
	}
	return NULL;
}

#endif
