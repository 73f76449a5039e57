/* SPDX-License-Identifier: MIT */
/*
 * The kernel log from a dump: the 5.10+ lockless ring buffer and the <= 5.9
 * log_buf (x86_64-layout.md §3.4, §7.3).  The walkers take a read callback
 * and a table of offsets; vmr_printk_read() fills both from the kernel.
 *
 * Every value read from the dump is checked: ring sizes are bounded, the
 * descriptor walk is bounded by the descriptor count, each record's state,
 * id, sequence number and data block must agree, and records that do not are
 * counted and skipped.  Each array is read in one piece; when that fails
 * because pages are missing from the dump, it is read page by page and the
 * records that touch a missing page are counted as missing.
 */
#include "triage/printk-priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "region/types.h"

#define PAGE_SIZE_4K 4096ull

/* kernel/printk/printk_ringbuffer.h [k6.1, k6.12]: 2 state bits on top of
 * the id in desc->state_var. */
#define DESC_SV_BITS 64
#define DESC_FLAGS_SHIFT (DESC_SV_BITS - 2)
#define DESC_ID_MASK (~(3ull << DESC_FLAGS_SHIFT))
enum desc_state {
	DESC_RESERVED = 0,
	DESC_COMMITTED = 1,
	DESC_FINALIZED = 2,
	DESC_REUSABLE = 3,
};
/* Data-less blocks have bit 0 set in both lpos values: FAILED_LPOS (a failed
 * reservation, text lost) and EMPTY_LINE_LPOS (k6.12; NO_LPOS in k6.1), a
 * record whose text is an empty line. */
#define FAILED_LPOS 0x1ull
#define EMPTY_LINE_LPOS 0x3ull

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- Bulk reads that survive missing pages ----------------------------- */

/* A copy of [addr, addr + len) of dump memory; pages that the dump does not
 * hold are zero-filled and marked in @missing. */
struct membuf {
	uint64_t addr;
	size_t len;
	uint8_t *data;
	uint8_t *missing; /* one byte per 4 KiB page from addr & ~0xfff, or NULL */
	uint64_t nmissing;
};

static void membuf_free(struct membuf *mb)
{
	free(mb->data);
	free(mb->missing);
	memset(mb, 0, sizeof(*mb));
}

/*
 * Read @len bytes at @addr: in one call, and if that faults, page by page.
 * @return NULL (some pages may be missing: mb->nmissing), or an error when
 * nothing at all could be read or the read failed for another reason.
 */
static struct vmr_error *membuf_read(vmr_read_fn read, void *rctx, uint64_t addr, size_t len,
				     const char *what, struct membuf *mb)
{
	memset(mb, 0, sizeof(*mb));
	if (len == 0 || addr + len - 1 < addr)
		return vmr_error_new(VMR_ERR_FORMAT, "printk %s at 0x%" PRIx64 ": bad size %zu",
				     what, addr, len);
	mb->addr = addr;
	mb->len = len;
	mb->data = malloc(len);
	if (!mb->data)
		return &vmr_enomem;
	struct vmr_error *err = read(rctx, addr, mb->data, len);
	if (!err)
		return NULL;
	if (vmr_error_code(err) != VMR_ERR_FAULT)
		goto fail;

	uint64_t first = addr & ~(PAGE_SIZE_4K - 1);
	size_t npages = (size_t)(((addr + len - 1) & ~(PAGE_SIZE_4K - 1)) - first) / PAGE_SIZE_4K + 1;
	mb->missing = calloc(npages, 1);
	if (!mb->missing) {
		vmr_error_free(err);
		membuf_free(mb);
		return &vmr_enomem;
	}
	uint64_t last = addr + len - 1; /* addr + len may be 2^64 */
	for (size_t i = 0; i < npages; i++) {
		uint64_t lo = first + i * PAGE_SIZE_4K, hi = lo + (PAGE_SIZE_4K - 1);
		if (lo < addr)
			lo = addr;
		if (hi > last)
			hi = last;
		size_t n = (size_t)(hi - lo) + 1;
		struct vmr_error *e = read(rctx, lo, mb->data + (lo - addr), n);
		if (!e)
			continue;
		if (vmr_error_code(e) != VMR_ERR_FAULT) {
			vmr_error_free(err);
			err = e;
			goto fail;
		}
		vmr_error_free(e);
		memset(mb->data + (lo - addr), 0, n);
		mb->missing[i] = 1;
		mb->nmissing++;
	}
	if (mb->nmissing < npages) {
		vmr_error_free(err);
		return NULL;
	}
fail:
	err = vmr_error_prefix(err, "printk %s (%zu bytes at 0x%" PRIx64 ")", what, len, addr);
	membuf_free(mb);
	return err;
}

/* @return true if [off, off + len) is inside @mb and none of it is missing. */
static bool membuf_ok(const struct membuf *mb, uint64_t off, uint64_t len)
{
	if (off > mb->len || len > mb->len - off)
		return false;
	if (!mb->missing || len == 0)
		return true;
	uint64_t first = mb->addr & ~(PAGE_SIZE_4K - 1);
	uint64_t p0 = (mb->addr + off - first) / PAGE_SIZE_4K;
	uint64_t p1 = (mb->addr + off + len - 1 - first) / PAGE_SIZE_4K;
	for (uint64_t p = p0; p <= p1; p++)
		if (mb->missing[p])
			return false;
	return true;
}

/* ---- 5.10+ lockless ring ------------------------------------------------ */

void vmr_prb_offsets_default(struct vmr_prb_offsets *off)
{
	*off = (struct vmr_prb_offsets){
		.ringbuffer_size = 88, .rb_desc_ring = 0, .rb_text_data_ring = 48,
		.dr_count_bits = 0, .dr_descs = 8, .dr_infos = 16, .dr_head_id = 24,
		.dr_tail_id = 32, .desc_size = 24, .desc_state_var = 0,
		.desc_text_blk_lpos = 8, .lpos_begin = 0, .lpos_next = 8, .info_size = 88,
		.info_seq = 0, .info_ts_nsec = 8, .info_text_len = 16, .info_caller_id = 20,
		.has_dev_info = true, .info_subsystem = 24, .subsystem_len = 16,
		.info_device = 40, .device_len = 48, .data_size_bits = 0, .data_data = 8,
		.atomic_counter = 0,
	};
}

/* @return true if a field of @width bytes at @off fits in a @size-byte struct. */
static bool fits(uint64_t off, uint64_t width, uint64_t size)
{
	return off <= size && width <= size - off;
}

static struct vmr_error *check_prb_offsets(const struct vmr_prb_offsets *o)
{
	const char *bad = NULL;
	uint64_t dr = o->rb_desc_ring, tr = o->rb_text_data_ring, rb = o->ringbuffer_size;
	const uint64_t all[] = { o->rb_desc_ring, o->rb_text_data_ring, o->dr_count_bits,
				 o->dr_descs, o->dr_infos, o->dr_head_id, o->dr_tail_id,
				 o->desc_state_var, o->desc_text_blk_lpos, o->lpos_begin,
				 o->lpos_next, o->info_seq, o->info_ts_nsec, o->info_text_len,
				 o->info_caller_id, o->info_subsystem, o->info_device,
				 o->data_size_bits, o->data_data };
	/* Each offset alone inside a struct first, so that sums cannot wrap. */
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] > VMR_PRB_MAX_STRUCT)
			return vmr_error_new(VMR_ERR_FORMAT, "printk ring: offset %" PRIu64
					     " out of bounds", all[i]);
	if (rb == 0 || rb > VMR_PRB_MAX_STRUCT || o->desc_size == 0 ||
	    o->desc_size > VMR_PRB_MAX_STRUCT || o->info_size == 0 ||
	    o->info_size > VMR_PRB_MAX_STRUCT || o->atomic_counter > 8)
		bad = "structure sizes";
	else if (!fits(dr + o->dr_count_bits, 4, rb) || !fits(dr + o->dr_descs, 8, rb) ||
		 !fits(dr + o->dr_infos, 8, rb) ||
		 !fits(dr + o->dr_head_id + o->atomic_counter, 8, rb) ||
		 !fits(dr + o->dr_tail_id + o->atomic_counter, 8, rb))
		bad = "prb_desc_ring";
	else if (!fits(tr + o->data_size_bits, 4, rb) || !fits(tr + o->data_data, 8, rb))
		bad = "prb_data_ring";
	else if (!fits(o->desc_state_var + o->atomic_counter, 8, o->desc_size) ||
		 !fits(o->desc_text_blk_lpos + o->lpos_begin, 8, o->desc_size) ||
		 !fits(o->desc_text_blk_lpos + o->lpos_next, 8, o->desc_size))
		bad = "prb_desc";
	else if (!fits(o->info_seq, 8, o->info_size) || !fits(o->info_ts_nsec, 8, o->info_size) ||
		 !fits(o->info_text_len, 4, o->info_size) ||
		 !fits(o->info_caller_id, 4, o->info_size) ||
		 (o->has_dev_info && (o->subsystem_len > 256 || o->device_len > 256 ||
				      !fits(o->info_subsystem, o->subsystem_len, o->info_size) ||
				      !fits(o->info_device, o->device_len, o->info_size))))
		bad = "printk_info";
	if (bad)
		return vmr_error_new(VMR_ERR_FORMAT, "printk ring: offsets of %s inconsistent", bad);
	return NULL;
}

/* The ring, read. */
struct prb {
	const struct vmr_prb_offsets *off;
	uint64_t count;     /* descriptors */
	unsigned size_bits; /* text data ring: 1 << size_bits bytes */
	struct membuf descs, infos, data;
};

/* Copy a NUL-padded string field of at most @len bytes into @out (256 + 1). */
static void copy_field(const uint8_t *p, uint64_t len, char *out)
{
	size_t n = 0;
	while (n < len && p[n])
		n++;
	memcpy(out, p, n);
	out[n] = 0;
}

/*
 * Locate the text of a data block (kernel get_data(), with the exact-fit
 * block at the end of the ring handled as a regular block).
 * @return true and the block offset and size (id word included) if @begin/@next
 * describe a valid block.
 */
static bool data_block(unsigned size_bits, uint64_t begin, uint64_t next, uint64_t *boff,
		       uint64_t *bsize)
{
	uint64_t size = 1ull << size_bits, mask = size - 1, wmask = ~0ull >> size_bits;
	uint64_t wb = begin >> size_bits, wn = (next - 1) >> size_bits;

	if ((begin & 7) || (next & 7) || begin == next)
		return false;
	/* lpos values start at -size (BLK0_LPOS) and wrap past 2^64: compare
	 * wrap counts modulo, sizes as differences. */
	if (wb == wn) {
		*boff = begin & mask;
		*bsize = next - begin;
	} else if (((wb + 1) & wmask) == wn) {
		/* Wrapping block: the data starts at the beginning of the ring. */
		*boff = 0;
		*bsize = ((next - 1) & mask) + 1;
	} else {
		return false;
	}
	return *bsize >= 8 && *bsize <= size - *boff;
}

/* Read the record of descriptor @id; @return 0, or the callback's stop value. */
static int prb_record(struct prb *r, uint64_t id, bool is_head, vmr_printk_fn fn, void *ctx,
		      struct vmr_printk_stats *st)
{
	const struct vmr_prb_offsets *o = r->off;
	uint64_t idx = id & (r->count - 1);
	uint64_t dofs = idx * o->desc_size, iofs = idx * o->info_size;

	if (!membuf_ok(&r->descs, dofs, o->desc_size)) {
		st->missing++;
		return 0;
	}
	const uint8_t *d = r->descs.data + dofs;
	uint64_t sv = get_u64(d + o->desc_state_var + o->atomic_counter);
	if ((sv & DESC_ID_MASK) != id) {
		/* desc_reserve() moves head_id before it writes the new state:
		 * a writer was in flight at the head; anywhere else it is corrupt. */
		if (is_head)
			st->reserved++;
		else
			st->corrupt++;
		return 0;
	}
	switch ((enum desc_state)(sv >> DESC_FLAGS_SHIFT)) {
	case DESC_RESERVED:
		st->reserved++;
		return 0;
	case DESC_REUSABLE:
		st->reusable++;
		return 0;
	case DESC_COMMITTED: /* complete, could still be extended by LOG_CONT */
	case DESC_FINALIZED:
		break;
	}

	if (!membuf_ok(&r->infos, iofs, o->info_size)) {
		st->missing++;
		return 0;
	}
	const uint8_t *in = r->infos.data + iofs;
	struct vmr_printk_record rec = { 0 };
	rec.seq = get_u64(in + o->info_seq);
	/* prb_reserve(): a slot's seq grows by the descriptor count per reuse,
	 * starting from its index, so seq and id agree modulo the count. */
	if ((rec.seq & (r->count - 1)) != idx) {
		st->corrupt++;
		return 0;
	}
	rec.ts_nsec = get_u64(in + o->info_ts_nsec);
	uint16_t text_len = get_u16(in + o->info_text_len);
	rec.facility = in[o->info_text_len + 2];
	rec.flags = in[o->info_text_len + 3] & 0x1f;
	rec.level = in[o->info_text_len + 3] >> 5;
	rec.caller_id = get_u32(in + o->info_caller_id);
	rec.has_caller = true;
	char subsystem[257] = "", device[257] = "";
	if (o->has_dev_info) {
		copy_field(in + o->info_subsystem, o->subsystem_len, subsystem);
		copy_field(in + o->info_device, o->device_len, device);
	}
	rec.subsystem = subsystem;
	rec.device = device;

	const uint8_t *lp = d + o->desc_text_blk_lpos;
	uint64_t begin = get_u64(lp + o->lpos_begin), next = get_u64(lp + o->lpos_next);
	if ((begin & 1) || (next & 1)) {
		if (begin == FAILED_LPOS && next == FAILED_LPOS) {
			st->failed++;
			return 0;
		}
		if (begin != EMPTY_LINE_LPOS || next != EMPTY_LINE_LPOS) {
			st->corrupt++;
			return 0;
		}
		rec.text = "";
		rec.text_len = 0;
	} else {
		uint64_t boff, bsize;
		if (!data_block(r->size_bits, begin, next, &boff, &bsize)) {
			st->corrupt++;
			return 0;
		}
		if (!membuf_ok(&r->data, boff, bsize)) {
			st->missing++;
			return 0;
		}
		/* data_alloc() writes the descriptor id in front of the text. */
		if (get_u64(r->data.data + boff) != id) {
			st->corrupt++;
			return 0;
		}
		bsize -= 8;
		if (text_len > bsize) {
			st->truncated++;
			text_len = (uint16_t)bsize;
		}
		rec.text = (const char *)r->data.data + boff + 8;
		rec.text_len = text_len;
	}
	st->records++;
	return fn(ctx, &rec);
}

struct vmr_error *vmr_prb_walk(vmr_read_fn read, void *rctx, const struct vmr_prb_offsets *o,
			       uint64_t prb_addr, vmr_printk_fn fn, void *ctx,
			       struct vmr_printk_stats *st, int *stopped_by)
{
	struct vmr_error *err = check_prb_offsets(o);
	if (err)
		return err;
	st->format = VMR_PRINTK_LOCKLESS;

	uint8_t rb[VMR_PRB_MAX_STRUCT];
	err = read(rctx, prb_addr, rb, o->ringbuffer_size);
	if (err)
		return vmr_error_prefix(err, "printk ring at 0x%" PRIx64, prb_addr);
	const uint8_t *dr = rb + o->rb_desc_ring, *tr = rb + o->rb_text_data_ring;
	uint32_t count_bits = get_u32(dr + o->dr_count_bits);
	uint32_t size_bits = get_u32(tr + o->data_size_bits);
	// The kernel sizes the descriptor ring from the text ring
	// (_DEFINE_PRINTKRB: text = descs << avgtextbits), so count_bits <= size_bits.
	if (count_bits > VMR_PRB_MAX_COUNT_BITS || size_bits > VMR_PRB_MAX_DATA_BITS ||
	    size_bits < 4 || count_bits > size_bits)
		return vmr_error_new(VMR_ERR_LIMIT,
				     "printk ring at 0x%" PRIx64 ": count_bits %" PRIu32
				     ", size_bits %" PRIu32 " out of bounds",
				     prb_addr, count_bits, size_bits);
	/* A ring larger than the machine's memory is a corrupt header, not a
	 * reason to allocate and read it. */
	if (o->mem_bytes && (1ull << size_bits) > o->mem_bytes)
		return vmr_error_new(VMR_ERR_LIMIT,
				     "printk ring at 0x%" PRIx64 ": a %llu-byte text ring is larger "
				     "than the dump's %llu bytes of memory", prb_addr,
				     1ull << size_bits, (unsigned long long)o->mem_bytes);
	struct prb r = { .off = o, .count = 1ull << count_bits, .size_bits = size_bits };
	uint64_t max_array = o->mem_bytes && o->mem_bytes < VMR_PRB_MAX_ARRAY ? o->mem_bytes
									       : VMR_PRB_MAX_ARRAY;
	if (r.count * o->desc_size > max_array || r.count * o->info_size > max_array)
		return vmr_error_new(VMR_ERR_LIMIT, "printk ring at 0x%" PRIx64
				     ": descriptor arrays over %llu bytes", prb_addr,
				     (unsigned long long)max_array);
	st->buffer_size = 1ull << size_bits;
	st->ring_records = r.count;

	uint64_t head = get_u64(dr + o->dr_head_id + o->atomic_counter) & DESC_ID_MASK;
	uint64_t tail = get_u64(dr + o->dr_tail_id + o->atomic_counter) & DESC_ID_MASK;
	uint64_t n = ((head - tail) & DESC_ID_MASK) + 1;
	if (n > r.count) {
		/* The kernel keeps head - tail below the count; a larger distance
		 * means a corrupt header: read the last count ids only. */
		st->corrupt++;
		n = r.count;
		tail = (head - (n - 1)) & DESC_ID_MASK;
	}

	if ((err = membuf_read(read, rctx, get_u64(dr + o->dr_descs), r.count * o->desc_size,
			       "descriptors", &r.descs)) ||
	    (err = membuf_read(read, rctx, get_u64(dr + o->dr_infos), r.count * o->info_size,
			       "infos", &r.infos)) ||
	    (err = membuf_read(read, rctx, get_u64(tr + o->data_data), 1ull << size_bits,
			       "text ring", &r.data)))
		goto out;
	st->missing_pages += r.descs.nmissing + r.infos.nmissing + r.data.nmissing;

	int stop = 0;
	for (uint64_t i = 0; i < n && !stop; i++) {
		uint64_t id = (tail + i) & DESC_ID_MASK;
		stop = prb_record(&r, id, id == head, fn, ctx, st);
	}
	if (stopped_by)
		*stopped_by = stop;
out:
	st->skipped = st->reserved + st->failed + st->corrupt + st->missing;
	membuf_free(&r.descs);
	membuf_free(&r.infos);
	membuf_free(&r.data);
	return err;
}

/* ---- <= 5.9 log_buf ------------------------------------------------------ */

struct vmr_error *vmr_logbuf_walk(vmr_read_fn read, void *rctx,
				  const struct vmr_logbuf_offsets *o,
				  const struct vmr_logbuf_symbols *sym, vmr_printk_fn fn, void *ctx,
				  struct vmr_printk_stats *st, int *stopped_by)
{
	uint64_t hs = o->log_size;
	if (hs < 16 || hs > VMR_PRB_MAX_STRUCT || !fits(o->log_ts_nsec, 8, hs) ||
	    !fits(o->log_len, 2, hs) || !fits(o->log_text_len, 2, hs) ||
	    !fits(o->log_dict_len, 4, hs) || (o->has_caller_id && !fits(o->log_caller_id, 4, hs)))
		return vmr_error_new(VMR_ERR_FORMAT, "printk_log: offsets inconsistent");
	st->format = VMR_PRINTK_LOG_BUF;

	uint64_t buf_addr, first_seq = 0;
	uint32_t buf_len, first_idx, next_idx;
	struct vmr_error *err;
	if ((err = read(rctx, sym->log_buf, &buf_addr, 8)) ||
	    (err = read(rctx, sym->log_buf_len, &buf_len, 4)) ||
	    (err = read(rctx, sym->log_first_idx, &first_idx, 4)) ||
	    (err = read(rctx, sym->log_next_idx, &next_idx, 4)))
		return vmr_error_prefix(err, "printk log_buf variables");
	if (sym->log_first_seq && (err = read(rctx, sym->log_first_seq, &first_seq, 8))) {
		vmr_error_free(err);
		first_seq = 0;
	}
	if (buf_len < hs || buf_len > (1u << VMR_PRB_MAX_DATA_BITS) || first_idx > buf_len ||
	    next_idx > buf_len || (o->mem_bytes && buf_len > o->mem_bytes))
		return vmr_error_new(VMR_ERR_LIMIT,
				     "printk log_buf: length %" PRIu32 ", first %" PRIu32
				     ", next %" PRIu32 " out of bounds",
				     buf_len, first_idx, next_idx);
	st->buffer_size = buf_len;

	struct membuf mb;
	if ((err = membuf_read(read, rctx, buf_addr, buf_len, "log_buf", &mb)))
		return err;
	st->missing_pages += mb.nmissing;

	uint64_t idx = first_idx, seq = first_seq, steps = 0, max_steps = buf_len / hs + 2;
	bool wrapped = false;
	int stop = 0;
	while (idx != next_idx && !stop) {
		if (++steps > max_steps) {
			st->corrupt++;
			st->stopped = true;
			break;
		}
		/* log_from_idx(): a zero length is the end-of-buffer marker. */
		bool marker = idx + hs > buf_len;
		if (!marker) {
			if (!membuf_ok(&mb, idx, hs)) {
				st->missing++;
				st->stopped = true; /* the chain of lengths is lost */
				break;
			}
			marker = get_u16(mb.data + idx + o->log_len) == 0;
		}
		if (marker) {
			if (wrapped) {
				st->corrupt++;
				st->stopped = true;
				break;
			}
			wrapped = true;
			idx = 0;
			continue;
		}
		const uint8_t *h = mb.data + idx;
		uint64_t len = get_u16(h + o->log_len), text_len = get_u16(h + o->log_text_len);
		uint64_t dict_len = get_u16(h + o->log_dict_len);
		if (len < hs + text_len + dict_len || idx + len > buf_len) {
			st->corrupt++;
			st->stopped = true;
			break;
		}
		if (!membuf_ok(&mb, idx + hs, text_len)) {
			st->missing++;
		} else {
			struct vmr_printk_record rec = {
				.seq = seq,
				.ts_nsec = get_u64(h + o->log_ts_nsec),
				.facility = h[o->log_dict_len + 2],
				.flags = h[o->log_dict_len + 3] & 0x1f,
				.level = h[o->log_dict_len + 3] >> 5,
				.text = (const char *)h + hs,
				.text_len = text_len,
				.subsystem = "",
				.device = "",
			};
			if (o->has_caller_id) {
				rec.caller_id = get_u32(h + o->log_caller_id);
				rec.has_caller = true;
			}
			st->records++;
			stop = fn(ctx, &rec);
		}
		idx += len;
		seq++;
	}
	if (stopped_by)
		*stopped_by = stop;
	st->skipped = st->reserved + st->failed + st->corrupt + st->missing;
	membuf_free(&mb);
	return NULL;
}

/* ---- From the kernel --------------------------------------------------- */

/* Address of a printk symbol: VMCOREINFO SYMBOL(), else vmlinux/kallsyms. */
static bool printk_symbol(struct vmr_kernel *k, const char *name, uint64_t *addr)
{
	const struct vmr_vmcoreinfo *vi = vmr_kernel_vmcoreinfo(k);
	if (vi && vmr_vmcoreinfo_symbol(vi, name, addr))
		return true;
	struct vmr_error *err = vmr_kernel_symbol_address(k, name, addr);
	vmr_error_free(err);
	return !err;
}

struct type_query {
	struct vmr_kernel *k;
	struct vmr_error *err; /* first failure */
};

static uint64_t q_off(struct type_query *q, const char *type, const char *member)
{
	uint64_t v = 0;
	if (q->err)
		return 0;
	q->err = vmr_kernel_member_offset(q->k, type, member, &v);
	return v;
}

static uint64_t q_size(struct type_query *q, const char *type)
{
	uint64_t v = 0;
	if (q->err)
		return 0;
	q->err = vmr_kernel_type_size(q->k, type, &v);
	return v;
}

/* The ring's offsets from VMCOREINFO (k6.1 = k6.12 keys), else the types. */
static struct vmr_error *prb_offsets(struct vmr_kernel *k, struct vmr_prb_offsets *o)
{
	struct type_query q = { .k = k };
	o->ringbuffer_size = q_size(&q, "printk_ringbuffer");
	o->rb_desc_ring = q_off(&q, "printk_ringbuffer", "desc_ring");
	o->rb_text_data_ring = q_off(&q, "printk_ringbuffer", "text_data_ring");
	o->dr_count_bits = q_off(&q, "prb_desc_ring", "count_bits");
	o->dr_descs = q_off(&q, "prb_desc_ring", "descs");
	o->dr_infos = q_off(&q, "prb_desc_ring", "infos");
	o->dr_head_id = q_off(&q, "prb_desc_ring", "head_id");
	o->dr_tail_id = q_off(&q, "prb_desc_ring", "tail_id");
	o->desc_size = q_size(&q, "prb_desc");
	o->desc_state_var = q_off(&q, "prb_desc", "state_var");
	o->desc_text_blk_lpos = q_off(&q, "prb_desc", "text_blk_lpos");
	o->lpos_begin = q_off(&q, "prb_data_blk_lpos", "begin");
	o->lpos_next = q_off(&q, "prb_data_blk_lpos", "next");
	o->info_size = q_size(&q, "printk_info");
	o->info_seq = q_off(&q, "printk_info", "seq");
	o->info_ts_nsec = q_off(&q, "printk_info", "ts_nsec");
	o->info_text_len = q_off(&q, "printk_info", "text_len");
	o->info_caller_id = q_off(&q, "printk_info", "caller_id");
	o->data_size_bits = q_off(&q, "prb_data_ring", "size_bits");
	o->data_data = q_off(&q, "prb_data_ring", "data");
	o->atomic_counter = q_off(&q, "atomic_long_t", "counter");
	if (q.err)
		return q.err;

	/* dev_info is optional (the first 5.10 patches had dict_len instead). */
	uint64_t dev = q_off(&q, "printk_info", "dev_info");
	uint64_t sub = q_off(&q, "dev_printk_info", "subsystem");
	uint64_t devn = q_off(&q, "dev_printk_info", "device");
	const struct vmr_vmcoreinfo *vi = vmr_kernel_vmcoreinfo(k);
	uint64_t sublen = 16, devlen = 48;
	if (vi) {
		vmr_vmcoreinfo_length(vi, "printk_info_subsystem", &sublen);
		vmr_vmcoreinfo_length(vi, "printk_info_device", &devlen);
	}
	o->has_dev_info = !q.err;
	vmr_error_free(q.err);
	o->info_subsystem = dev + sub;
	o->subsystem_len = sublen;
	o->info_device = dev + devn;
	o->device_len = devlen;
	return NULL;
}

static struct vmr_error *logbuf_offsets(struct vmr_kernel *k, struct vmr_logbuf_offsets *o)
{
	struct type_query q = { .k = k };
	o->log_size = q_size(&q, "printk_log");
	o->log_ts_nsec = q_off(&q, "printk_log", "ts_nsec");
	o->log_len = q_off(&q, "printk_log", "len");
	o->log_text_len = q_off(&q, "printk_log", "text_len");
	o->log_dict_len = q_off(&q, "printk_log", "dict_len");
	if (q.err)
		return q.err;
	o->log_caller_id = q_off(&q, "printk_log", "caller_id");
	o->has_caller_id = !q.err;
	vmr_error_free(q.err);
	return NULL;
}

struct vmr_error *vmr_printk_read(struct vmr_kernel *k, vmr_printk_fn fn, void *ctx,
				  struct vmr_printk_stats *stats, int *stopped_by)
{
	struct vmr_printk_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (stopped_by)
		*stopped_by = 0;

	uint64_t prb_ptr;
	if (printk_symbol(k, "prb", &prb_ptr)) {
		struct vmr_prb_offsets o;
		struct vmr_error *err = prb_offsets(k, &o);
		if (err)
			return vmr_error_prefix(err, "printk ring layout");
		o.mem_bytes = vmr_dump_get_info(vmr_kernel_dump(k))->memory_bytes;
		uint64_t prb;
		if ((err = vmr_kernel_read(k, prb_ptr, &prb, sizeof(prb))))
			return vmr_error_prefix(err, "printk: prb pointer");
		return vmr_prb_walk(vmr_kernel_read_cb, k, &o, prb, fn, ctx, stats, stopped_by);
	}

	struct vmr_logbuf_symbols sym = { 0 };
	if (printk_symbol(k, "log_buf", &sym.log_buf)) {
		if (!printk_symbol(k, "log_buf_len", &sym.log_buf_len) ||
		    !printk_symbol(k, "log_first_idx", &sym.log_first_idx) ||
		    !printk_symbol(k, "log_next_idx", &sym.log_next_idx))
			return vmr_error_new(VMR_ERR_NOT_FOUND,
					     "printk: log_buf without log_buf_len/log_first_idx/"
					     "log_next_idx symbols");
		if (!printk_symbol(k, "log_first_seq", &sym.log_first_seq))
			sym.log_first_seq = 0;
		struct vmr_logbuf_offsets o;
		struct vmr_error *err = logbuf_offsets(k, &o);
		if (err)
			return vmr_error_prefix(err, "printk_log layout");
		o.mem_bytes = vmr_dump_get_info(vmr_kernel_dump(k))->memory_bytes;
		return vmr_logbuf_walk(vmr_kernel_read_cb, k, &o, &sym, fn, ctx, stats, stopped_by);
	}
	return vmr_error_new(VMR_ERR_NOT_FOUND,
			     "printk buffer: neither prb nor log_buf known (no VMCOREINFO key, "
			     "no vmlinux, no kallsyms)");
}

size_t vmr_printk_format_time(uint64_t ts_nsec, char *buf, size_t size)
{
	int n = snprintf(buf, size, "[%5" PRIu64 ".%06" PRIu64 "] ", ts_nsec / 1000000000u,
			 ts_nsec % 1000000000u / 1000u);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}
