/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the printk buffer walkers (triage/printk.c) on arbitrary
 * kernel memory: the 5.10+ lockless ring (vmr_prb_walk, with the k6.1/k6.12
 * offsets) and the <= 5.9 log_buf (vmr_logbuf_walk).  Input: a 32-byte
 * header (flags: bit 0 wrap every address into the memory, bit 1 log_buf;
 * the ring's offset; the five log_buf symbol offsets), then the memory.
 * Seeds: rings and log_bufs written the way the kernel writes them.
 */
#include "triage/printk-priv.h"

#include "fuzz.h"

#define VBASE 0xffffffff82000000ull

static int consume(void *ctx, const struct vmr_printk_record *rec)
{
	unsigned *sum = ctx;
	for (size_t i = 0; i < rec->text_len; i++)
		*sum += (unsigned char)rec->text[i];
	*sum += (unsigned)strlen(rec->subsystem) + (unsigned)strlen(rec->device);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= 32)
		return 0;
	struct fuzz_in in = { data, 32 };
	uint64_t flags = fuzz_take(&in, 4);
	uint64_t prb = VBASE + fuzz_take(&in, 4);
	struct vmr_logbuf_symbols sym;
	sym.log_buf = VBASE + fuzz_take(&in, 4);
	sym.log_buf_len = VBASE + fuzz_take(&in, 4);
	sym.log_first_idx = VBASE + fuzz_take(&in, 4);
	sym.log_next_idx = VBASE + fuzz_take(&in, 4);
	uint64_t seq = fuzz_take(&in, 4);
	sym.log_first_seq = seq ? VBASE + seq : 0;
	struct fuzz_mem m = { .buf = data + 32, .size = size - 32, .base = VBASE,
			      .wrap = flags & 1 };
	struct vmr_printk_stats st = { 0 };
	unsigned sum = 0;
	int stop = 0;
	struct vmr_error *err;
	if (flags & 2) {
		/* struct printk_log of 5.x with PRINTK_CALLER */
		struct vmr_logbuf_offsets o = {
			.log_size = 16 + (flags & 4 ? 4 : 0), .log_ts_nsec = 0, .log_len = 8,
			.log_text_len = 10, .log_dict_len = 12, .has_caller_id = flags & 4,
			.log_caller_id = 16,
		};
		err = vmr_logbuf_walk(fuzz_mem_read, &m, &o, &sym, consume, &sum, &st, &stop);
	} else {
		struct vmr_prb_offsets o;
		vmr_prb_offsets_default(&o);
		err = vmr_prb_walk(fuzz_mem_read, &m, &o, prb, consume, &sum, &st, &stop);
	}
	vmr_error_free(err);
	return (int)(sum & 0);
}
