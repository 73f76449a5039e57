/* SPDX-License-Identifier: MIT */
/*
 * triage/printk.c on synthetic printk buffers written here the way the
 * kernel writes them (kernel/printk/printk_ringbuffer.c prb_reserve /
 * data_alloc / data_push_tail, k6.1 = k6.12; 5.x printk.c log_store),
 * served from a buffer with optional holes: normal and wrapped rings, id and
 * lpos wrap-around, reserved/failed/empty-line records, corrupt descriptors,
 * absurd geometry, missing pages, random garbage; log_buf with its wrap
 * marker and corrupt lengths.
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
#include "triage/printk-priv.h"

#define VBASE 0xffffffff82000000ull
#define MEMSIZE (1u << 20)
#define O_RB 0x0
#define O_DESCS 0x1000
#define O_INFOS 0x10000
#define O_DATA 0x40000

#define ID_MASK (~(3ull << 62))
#define ST_RESERVED 0ull
#define ST_COMMITTED 1ull
#define ST_FINALIZED 2ull
#define ST_REUSABLE 3ull

/* Synthetic memory: one buffer at VBASE, 4 KiB pages that can be holes. */
struct mem {
	uint8_t *buf;
	uint8_t hole[MEMSIZE / 4096];
	size_t reads;
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	if (addr < VBASE || addr - VBASE > MEMSIZE || len > MEMSIZE - (addr - VBASE))
		return vmr_error_fault(addr, "no memory at %#llx", (unsigned long long)addr);
	for (uint64_t a = addr & ~4095ull; a < addr + len; a += 4096)
		if (m->hole[(a - VBASE) / 4096])
			return vmr_error_fault(a < addr ? addr : a, "page %#llx not in the dump",
					       (unsigned long long)a);
	memcpy(out, m->buf + (addr - VBASE), len);
	return NULL;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- A lockless ring, written like the kernel does ----------------------- */

#define MAXLIVE 4096

struct ring {
	struct mem mem;
	struct vmr_prb_offsets off;
	unsigned cbits, sbits;
	uint64_t count, size;
	uint64_t head_id, tail_id;     /* descriptor ring */
	uint64_t head_lpos, tail_lpos; /* data ring */
	uint64_t seq;
	/* records whose data is in the ring, oldest first (for data_push_tail) */
	uint64_t live_id[MAXLIVE], live_next[MAXLIVE];
	size_t nlive, live0;
};

static uint8_t *rb(struct ring *r) { return r->mem.buf + O_RB; }
static uint8_t *desc(struct ring *r, uint64_t id) { return r->mem.buf + O_DESCS + (id & (r->count - 1)) * 24; }
static uint8_t *info(struct ring *r, uint64_t id) { return r->mem.buf + O_INFOS + (id & (r->count - 1)) * 88; }

/* Write head/tail ids and lpos back into the struct printk_ringbuffer. */
static void sync_header(struct ring *r)
{
	put32(rb(r) + 0, r->cbits);
	put64(rb(r) + 8, VBASE + O_DESCS);
	put64(rb(r) + 16, VBASE + O_INFOS);
	put64(rb(r) + 24, r->head_id);
	put64(rb(r) + 32, r->tail_id);
	put32(rb(r) + 48 + 0, r->sbits);
	put64(rb(r) + 48 + 8, VBASE + O_DATA);
	put64(rb(r) + 48 + 16, r->head_lpos);
	put64(rb(r) + 48 + 24, r->tail_lpos);
}

/* prb_init(): DESC0_ID, BLK0_LPOS, the bootstrap descriptor (reusable). */
static void ring_init(struct ring *r, unsigned cbits, unsigned sbits)
{
	memset(r, 0, sizeof(*r));
	r->mem.buf = calloc(1, MEMSIZE);
	assert_non_null(r->mem.buf);
	vmr_prb_offsets_default(&r->off);
	r->cbits = cbits;
	r->sbits = sbits;
	r->count = 1ull << cbits;
	r->size = 1ull << sbits;
	assert_true(O_DESCS + r->count * 24 <= O_INFOS && O_INFOS + r->count * 88 <= O_DATA &&
		    O_DATA + r->size <= MEMSIZE);
	r->head_id = r->tail_id = (0 - r->count - 1) & ID_MASK; /* DESC0_ID */
	r->head_lpos = r->tail_lpos = 0 - r->size;             /* BLK0_LPOS */
	put64(desc(r, r->head_id), (ST_REUSABLE << 62) | r->head_id);
	put64(desc(r, r->head_id) + 8, 1);
	put64(desc(r, r->head_id) + 16, 1);
	sync_header(r);
}

static void ring_free(struct ring *r) { free(r->mem.buf); }

/* data_push_tail(): recycle the oldest data blocks until @lpos fits. */
static void push_data_tail(struct ring *r, uint64_t next)
{
	while (next - r->tail_lpos > r->size) {
		assert_true(r->nlive > 0);
		size_t i = r->live0 % MAXLIVE;
		uint64_t id = r->live_id[i];
		uint8_t *d = desc(r, id);
		if ((get64(d) & ID_MASK) == id)
			put64(d, (ST_REUSABLE << 62) | id);
		r->tail_lpos = r->live_next[i];
		r->live0++;
		r->nlive--;
	}
}

/* get_next_lpos(): a block that would wrap is stored at the ring's start. */
static uint64_t next_lpos(struct ring *r, uint64_t begin, uint64_t size)
{
	uint64_t next = begin + size;
	if ((begin >> r->sbits) == ((next - 1) >> r->sbits))
		return next;
	return (next & ~(r->size - 1)) + size;
}

enum kind { NORMAL, EMPTY_LINE, FAILED };

/* prb_reserve() + prb_final_commit() of one record. @return its id. */
static uint64_t ring_add(struct ring *r, const char *text, uint64_t ts, uint32_t caller,
			 enum kind kind, uint64_t state)
{
	uint64_t id = (r->head_id + 1) & ID_MASK;
	if (((id - r->tail_id) & ID_MASK) >= r->count) {
		/* desc_push_tail(): the oldest descriptor must be reusable. */
		if (r->nlive && r->live_id[r->live0 % MAXLIVE] == r->tail_id) {
			/* its data is still live: data_push_tail() past it first */
			r->tail_lpos = r->live_next[r->live0 % MAXLIVE];
			r->live0++;
			r->nlive--;
		}
		r->tail_id = (r->tail_id + 1) & ID_MASK;
	}
	r->head_id = id;
	size_t len = strlen(text);
	uint8_t *d = desc(r, id), *in = info(r, id);
	memset(in, 0, 88);
	put64(in + 0, r->seq++);
	put64(in + 8, ts);
	put16(in + 16, (uint16_t)len);
	in[18] = 0;                /* facility */
	in[19] = (6 << 5) | 2;     /* level 6, LOG_NEWLINE */
	put32(in + 20, caller);
	strcpy((char *)in + 24, "pci");
	strcpy((char *)in + 40, "+pci:0000:00:01.0");
	if (kind == FAILED || kind == EMPTY_LINE) {
		uint64_t lp = kind == FAILED ? 1 : 3;
		put64(d + 8, lp);
		put64(d + 16, lp);
		if (kind == EMPTY_LINE)
			put16(in + 16, 0);
	} else {
		uint64_t size = (8 + len + 7) & ~7ull;
		assert_true(size <= r->size / 2);
		uint64_t begin = r->head_lpos, next = next_lpos(r, begin, size);
		push_data_tail(r, next);
		uint64_t off = (next - size) & (r->size - 1);
		put64(r->mem.buf + O_DATA + off, id);
		memcpy(r->mem.buf + O_DATA + off + 8, text, len);
		put64(d + 8, begin);
		put64(d + 16, next);
		r->head_lpos = next;
		assert_true(r->nlive < MAXLIVE);
		r->live_id[(r->live0 + r->nlive) % MAXLIVE] = id;
		r->live_next[(r->live0 + r->nlive) % MAXLIVE] = next;
		r->nlive++;
	}
	put64(d, (state << 62) | id);
	sync_header(r);
	return id;
}

/* What a walk delivered. */
struct got {
	size_t n;
	uint64_t seq[4096];
	char text[4096][80];
	size_t len[4096];
	uint32_t caller[4096];
	uint8_t level[4096];
	char subsystem[32], device[64];
	int stop_after; /* stop the walk after this many records (0: never) */
};

static int collect(void *ctx, const struct vmr_printk_record *rec)
{
	struct got *g = ctx;
	assert_true(g->n < 4096);
	g->seq[g->n] = rec->seq;
	g->len[g->n] = rec->text_len;
	size_t l = rec->text_len < 79 ? rec->text_len : 79;
	memcpy(g->text[g->n], rec->text, l);
	g->text[g->n][l] = 0;
	g->caller[g->n] = rec->caller_id;
	g->level[g->n] = rec->level;
	snprintf(g->subsystem, sizeof(g->subsystem), "%s", rec->subsystem);
	snprintf(g->device, sizeof(g->device), "%s", rec->device);
	g->n++;
	return g->stop_after && g->n >= (size_t)g->stop_after ? 7 : 0;
}

static struct vmr_error *walk(struct ring *r, struct got *g, struct vmr_printk_stats *st)
{
	memset(st, 0, sizeof(*st));
	int stop = 0;
	struct vmr_error *err = vmr_prb_walk(mem_read, &r->mem, &r->off, VBASE + O_RB, collect, g,
					     st, &stop);
	if (g->stop_after && !err)
		assert_int_equal(stop, 7);
	return err;
}

static void test_normal(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 4, 10);
	ring_add(&r, "Linux version 6.1", 0, 0, NORMAL, ST_FINALIZED);
	ring_add(&r, "line one\nline two", 1500000, 0x80000001u, NORMAL, ST_FINALIZED);
	ring_add(&r, "", 2000000, 1, EMPTY_LINE, ST_FINALIZED);
	ring_add(&r, "last, still open", 3000000, 162, NORMAL, ST_COMMITTED);

	static struct got g;
	memset(&g, 0, sizeof(g));
	struct vmr_printk_stats st;
	assert_null(walk(&r, &g, &st));
	assert_int_equal(g.n, 4);
	assert_string_equal(g.text[0], "Linux version 6.1");
	assert_string_equal(g.text[1], "line one\nline two");
	assert_int_equal(g.len[2], 0);
	assert_string_equal(g.text[3], "last, still open");
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(g.seq[i], i);
	assert_int_equal(g.caller[1], 0x80000001u);
	assert_int_equal(g.caller[3], 162);
	assert_int_equal(g.level[0], 6);
	assert_string_equal(g.subsystem, "pci");
	assert_string_equal(g.device, "+pci:0000:00:01.0");
	assert_int_equal(st.records, 4);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.reusable, 1); /* the bootstrap descriptor at the tail */
	assert_int_equal(st.format, VMR_PRINTK_LOCKLESS);
	assert_int_equal(st.ring_records, 16);
	assert_int_equal(st.buffer_size, 1024);

	/* The callback can stop the walk. */
	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	assert_null(walk(&r, &g, &st));
	assert_int_equal(g.n, 2);
	ring_free(&r);
}

/* Many records through a small ring: both rings wrap many times, ids wrap
 * past the 62-bit mask and lpos values past 2^64. */
static void test_wrapped(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 4, 9); /* 16 descriptors, 512 bytes of text */
	char text[64];
	uint64_t total = 1000;
	for (uint64_t i = 0; i < total; i++) {
		snprintf(text, sizeof(text), "record %llu %.*s", (unsigned long long)i,
			 (int)(i * 7 % 40), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		ring_add(&r, text, i * 1000, (uint32_t)i, NORMAL, ST_FINALIZED);
	}
	static struct got g;
	memset(&g, 0, sizeof(g));
	struct vmr_printk_stats st;
	assert_null(walk(&r, &g, &st));
	assert_int_equal(st.skipped, 0);
	assert_true(g.n >= 5 && g.n <= 16);
	assert_int_equal(g.n + st.reusable, ((r.head_id - r.tail_id) & ID_MASK) + 1);
	/* The newest records, in order, ending with the last one written. */
	for (size_t i = 0; i < g.n; i++) {
		uint64_t want = total - g.n + i;
		assert_int_equal(g.seq[i], want);
		snprintf(text, sizeof(text), "record %llu %.*s", (unsigned long long)want,
			 (int)(want * 7 % 40), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		assert_string_equal(g.text[i], text);
	}
	ring_free(&r);
}

/* A block that ends exactly at the end of the ring is a regular block. */
static void test_exact_fit(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 4, 8); /* 256 bytes */
	/* 8 + 56 = 64 bytes per block: four blocks fill the ring exactly. */
	const char *t = "0123456789012345678901234567890123456789012345678901234";
	for (int i = 0; i < 6; i++)
		ring_add(&r, t, (uint64_t)i, 0, NORMAL, ST_FINALIZED);
	static struct got g;
	memset(&g, 0, sizeof(g));
	struct vmr_printk_stats st;
	assert_null(walk(&r, &g, &st));
	assert_int_equal(st.skipped, 0);
	assert_int_equal(g.n, 4);
	for (size_t i = 0; i < g.n; i++)
		assert_string_equal(g.text[i], t);
	ring_free(&r);
}

static void test_reserved_failed(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 4, 10);
	ring_add(&r, "a", 1, 0, NORMAL, ST_FINALIZED);
	ring_add(&r, "lost", 2, 0, FAILED, ST_FINALIZED);
	ring_add(&r, "b", 3, 0, NORMAL, ST_FINALIZED);
	ring_add(&r, "being written", 4, 0, NORMAL, ST_RESERVED);

	static struct got g;
	memset(&g, 0, sizeof(g));
	struct vmr_printk_stats st;
	assert_null(walk(&r, &g, &st));
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "a");
	assert_string_equal(g.text[1], "b");
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.reserved, 1);
	assert_int_equal(st.skipped, 2);

	/* A writer in flight at the head: head_id moved, state not yet written. */
	r.head_id = (r.head_id + 1) & ID_MASK;
	sync_header(&r);
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_int_equal(st.reserved, 2);
	assert_int_equal(st.corrupt, 0);
	ring_free(&r);
}

static void test_corrupt(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 4, 10);
	uint64_t ids[8];
	for (int i = 0; i < 8; i++)
		ids[i] = ring_add(&r, "record text", (uint64_t)i, 0, NORMAL, ST_FINALIZED);
	static struct got g;
	struct vmr_printk_stats st;

	/* 1: state_var with another id; 2: seq not congruent to the slot;
	 * 3: data block id wrong; 4: lpos in no valid wrap; 5: misaligned lpos;
	 * 6: text_len larger than the block (truncated, not skipped). */
	put64(desc(&r, ids[1]), (ST_FINALIZED << 62) | ((ids[1] + 16) & ID_MASK));
	put64(info(&r, ids[2]), 12345);
	uint64_t b3 = get64(desc(&r, ids[3]) + 8);
	put64(r.mem.buf + O_DATA + (b3 & 1023), 0xdead);
	put64(desc(&r, ids[4]) + 16, get64(desc(&r, ids[4]) + 8) + 5 * 1024);
	put64(desc(&r, ids[5]) + 8, get64(desc(&r, ids[5]) + 8) + 4);
	put16(info(&r, ids[6]) + 16, 60000);
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_int_equal(st.corrupt, 5);
	assert_int_equal(st.skipped, 5);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[1], 16); /* the block: 24 bytes - 8 for the id */
	assert_memory_equal(g.text[1], "record text", 11);
	assert_string_equal(g.text[2], "record text");

	/* Odd lpos pairs other than FAILED/EMPTY_LINE are corrupt. */
	put64(desc(&r, ids[7]) + 8, 5);
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_int_equal(st.corrupt, 6);
	ring_free(&r);
}

/* Header values that would loop, over-allocate or overflow. */
static void test_absurd(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 4, 10);
	for (int i = 0; i < 5; i++)
		ring_add(&r, "x", (uint64_t)i, 0, NORMAL, ST_FINALIZED);
	static struct got g;
	struct vmr_printk_stats st;
	struct vmr_error *err;

	/* head - tail far beyond the count: only the last count ids are read. */
	put64(rb(&r) + 32, (r.head_id - 1000000) & ID_MASK);
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_int_equal(g.n, 5);
	assert_true(st.corrupt >= 1);
	/* tail after head (the loop must not run 2^62 times). */
	put64(rb(&r) + 32, (r.head_id + 1) & ID_MASK);
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_true(g.n <= 16);
	sync_header(&r);

	static const uint32_t bad_bits[][2] = { { 31, 40 }, { 4, 31 }, { 12, 10 }, { 0, 2 },
						{ 0xffffffff, 0xffffffff } };
	for (size_t i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
		put32(rb(&r), bad_bits[i][0]);
		put32(rb(&r) + 48, bad_bits[i][1]);
		memset(&g, 0, sizeof(g));
		err = walk(&r, &g, &st);
		assert_non_null(err);
		assert_int_equal(vmr_error_code(err), VMR_ERR_LIMIT);
		vmr_error_free(err);
		assert_int_equal(g.n, 0);
	}
	sync_header(&r);

	/* A ring larger than the dump's memory: refused before any read. */
	r.off.mem_bytes = r.size / 2;
	memset(&g, 0, sizeof(g));
	err = walk(&r, &g, &st);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_LIMIT);
	vmr_error_free(err);
	assert_int_equal(g.n, 0);
	r.off.mem_bytes = 64 * r.size; /* the descriptor arrays are bigger than the text */
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	r.off.mem_bytes = 0;

	/* Arrays at addresses the dump does not have. */
	put64(rb(&r) + 8, 0x1000);
	err = walk(&r, &g, &st);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
	put64(rb(&r) + 8, 0xfffffffffffff000ull); /* wraps past 2^64 */
	err = walk(&r, &g, &st);
	assert_non_null(err);
	vmr_error_free(err);
	sync_header(&r);

	/* Offsets that do not fit their structures. */
	struct vmr_prb_offsets good = r.off;
	r.off.info_caller_id = 86;
	err = walk(&r, &g, &st);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FORMAT);
	vmr_error_free(err);
	r.off = good;
	r.off.ringbuffer_size = 1u << 20;
	err = walk(&r, &g, &st);
	assert_non_null(err);
	vmr_error_free(err);
	r.off = good;
	r.off.dr_head_id = ~0ull - 4;
	err = walk(&r, &g, &st);
	assert_non_null(err);
	vmr_error_free(err);
	ring_free(&r);
}

/* Pages missing from the dump: the records in them are counted, the rest read. */
static void test_missing_pages(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 8, 14); /* 256 descriptors, 16 KiB of text = 4 pages */
	char text[100];
	for (int i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "record %03d ......................................", i);
		ring_add(&r, text, (uint64_t)i, 0, NORMAL, ST_FINALIZED);
	}
	static struct got g;
	memset(&g, 0, sizeof(g));
	struct vmr_printk_stats st;
	assert_null(walk(&r, &g, &st));
	assert_int_equal(g.n, 200);

	r.mem.hole[(O_DATA + 4096) / 4096] = 1; /* second text page */
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_true(st.missing >= 60 && st.missing <= 70);
	assert_int_equal(st.missing_pages, 1);
	assert_int_equal(g.n + st.missing, 200);
	for (size_t i = 1; i < g.n; i++)
		assert_true(g.seq[i] > g.seq[i - 1]);
	for (size_t i = 0; i < g.n; i++)
		assert_memory_equal(g.text[i], "record ", 7);

	r.mem.hole[(O_INFOS) / 4096] = 1; /* infos of the first 46 slots */
	memset(&g, 0, sizeof(g));
	assert_null(walk(&r, &g, &st));
	assert_int_equal(st.missing_pages, 2);
	assert_int_equal(g.n + st.missing, 200);

	/* Every descriptor page missing: nothing to read, an error. */
	memset(r.mem.hole, 0, sizeof(r.mem.hole));
	for (uint64_t a = O_DESCS; a < O_DESCS + 256 * 24; a += 4096)
		r.mem.hole[a / 4096] = 1;
	struct vmr_error *err = walk(&r, &g, &st);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
	ring_free(&r);
}

/* Random bytes everywhere but sane geometry: no crash, bounded output. */
static void test_garbage(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 6, 12);
	srand(12345);
	static struct got g;
	for (int round = 0; round < 300; round++) {
		for (size_t i = O_DESCS; i < O_DATA + 4096; i++)
			r.mem.buf[i] = (uint8_t)rand();
		/* Half the rounds: plausible states and ids, random rest. */
		if (round & 1)
			for (uint64_t id = r.tail_id; id != ((r.head_id + 1) & ID_MASK);
			     id = (id + 1) & ID_MASK)
				put64(desc(&r, id), ((uint64_t)(rand() & 3) << 62) | id);
		put64(rb(&r) + 24, ((uint64_t)rand() << 32 | (uint64_t)rand()) & ID_MASK);
		put64(rb(&r) + 32, ((uint64_t)rand() << 32 | (uint64_t)rand()) & ID_MASK);
		memset(&g, 0, sizeof(g));
		struct vmr_printk_stats st;
		struct vmr_error *err = walk(&r, &g, &st);
		assert_null(err);
		assert_true(g.n + st.skipped + st.reusable <= 65);
		for (size_t i = 0; i < g.n; i++)
			assert_true(g.len[i] <= 4096);
	}
	ring_free(&r);
}

/* ---- log_buf (<= 5.9) ----------------------------------------------------- */

#define O_LOGBUF 0x2000
#define LOGBUF_LEN 512
#define O_VARS 0x100

static const struct vmr_logbuf_offsets logbuf_off = {
	.log_size = 24, .log_ts_nsec = 0, .log_len = 8, .log_text_len = 10,
	.log_dict_len = 12, .has_caller_id = true, .log_caller_id = 16,
};

static const struct vmr_logbuf_symbols logbuf_sym = {
	.log_buf = VBASE + O_VARS, .log_buf_len = VBASE + O_VARS + 8,
	.log_first_idx = VBASE + O_VARS + 12, .log_next_idx = VBASE + O_VARS + 16,
	.log_first_seq = VBASE + O_VARS + 24,
};

struct logbuf {
	struct mem mem;
	uint32_t first, next;
	uint64_t first_seq, next_seq;
};

static void logbuf_sync(struct logbuf *l)
{
	uint8_t *v = l->mem.buf + O_VARS;
	put64(v, VBASE + O_LOGBUF);
	put32(v + 8, LOGBUF_LEN);
	put32(v + 12, l->first);
	put32(v + 16, l->next);
	put64(v + 24, l->first_seq);
}

static uint16_t logbuf_len_at(struct logbuf *l, uint32_t idx)
{
	uint16_t len;
	memcpy(&len, l->mem.buf + O_LOGBUF + idx + 8, 2);
	return len;
}

/* 5.x printk.c logbuf_has_space(): room for the record and a wrap marker. */
static bool logbuf_has_space(struct logbuf *l, uint32_t size, bool empty)
{
	uint32_t free;
	if (l->next > l->first || empty)
		free = LOGBUF_LEN - l->next > l->first ? LOGBUF_LEN - l->next : l->first;
	else
		free = l->first - l->next;
	return free >= size + 24;
}

/* 5.x log_store() with log_make_free_space() and log_next(). */
static void logbuf_add(struct logbuf *l, const char *text, uint64_t ts)
{
	uint8_t *buf = l->mem.buf + O_LOGBUF;
	uint32_t tlen = (uint32_t)strlen(text), dlen = 3;
	uint32_t size = (24 + tlen + dlen + 7) & ~7u;
	while (l->first_seq < l->next_seq && !logbuf_has_space(l, size, false)) {
		uint16_t len = logbuf_len_at(l, l->first);
		l->first = len ? l->first + len : logbuf_len_at(l, 0);
		l->first_seq++;
	}
	if (l->first_seq == l->next_seq)
		assert_true(logbuf_has_space(l, size, true));
	if (l->next + size + 24 > LOGBUF_LEN) {
		memset(buf + l->next, 0, 24);
		l->next = 0;
	}
	uint8_t *h = buf + l->next;
	memset(h, 0, size);
	put64(h, ts);
	put16(h + 8, (uint16_t)size);
	put16(h + 10, (uint16_t)tlen);
	put16(h + 12, (uint16_t)dlen);
	h[15] = (uint8_t)(4 << 5);
	put32(h + 16, 42);
	memcpy(h + 24, text, tlen);
	memcpy(h + 24 + tlen, "D=1", 3);
	l->next += size;
	l->next_seq++;
	logbuf_sync(l);
}

static struct vmr_error *logbuf_walk(struct logbuf *l, struct got *g, struct vmr_printk_stats *st)
{
	memset(st, 0, sizeof(*st));
	memset(g, 0, sizeof(*g));
	return vmr_logbuf_walk(mem_read, &l->mem, &logbuf_off, &logbuf_sym, collect, g, st, NULL);
}

static void test_logbuf(void **state)
{
	(void)state;
	struct logbuf l = { 0 };
	l.mem.buf = calloc(1, MEMSIZE);
	assert_non_null(l.mem.buf);
	logbuf_sync(&l);
	static struct got g;
	struct vmr_printk_stats st;

	assert_null(logbuf_walk(&l, &g, &st));
	assert_int_equal(g.n, 0);

	char text[64];
	for (int i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "old record %d", i);
		logbuf_add(&l, text, (uint64_t)i * 1000);
	}
	assert_true(l.first > l.next); /* the buffer wrapped */
	assert_null(logbuf_walk(&l, &g, &st));
	assert_int_equal(st.format, VMR_PRINTK_LOG_BUF);
	assert_int_equal(st.skipped, 0);
	assert_true(g.n >= 5);
	for (size_t i = 0; i < g.n; i++) {
		uint64_t want = 40 - g.n + i;
		snprintf(text, sizeof(text), "old record %llu", (unsigned long long)want);
		assert_string_equal(g.text[i], text);
		assert_int_equal(g.seq[i], want);
		assert_int_equal(g.caller[i], 42);
		assert_int_equal(g.level[i], 4);
	}

	/* A record length that points outside: the walk stops, counted. */
	uint8_t *buf = l.mem.buf + O_LOGBUF;
	uint32_t oldest = logbuf_len_at(&l, l.first) ? l.first : 0;
	uint32_t second = oldest + logbuf_len_at(&l, oldest);
	assert_true(logbuf_len_at(&l, second) != 0 && second != l.next);
	put16(buf + second + 8, 60000);
	assert_null(logbuf_walk(&l, &g, &st));
	assert_true(st.stopped);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(g.n, 1);
	/* A length smaller than the header: corrupt. */
	put16(buf + second + 8, 8);
	assert_null(logbuf_walk(&l, &g, &st));
	assert_true(st.stopped);
	assert_int_equal(g.n, 1);
	/* Zero lengths (wrap markers) at both places: one wrap, then stop. */
	put16(buf + second + 8, 0);
	put16(buf + 8, 0);
	assert_null(logbuf_walk(&l, &g, &st));
	assert_true(st.stopped);
	/* A page of log_buf missing: the chain of lengths is lost there. */
	put16(buf + 8, 1);

	l.mem.hole[O_LOGBUF / 4096] = 1;
	struct vmr_error *e = logbuf_walk(&l, &g, &st);
	assert_non_null(e); /* the whole (one-page) buffer is missing */
	assert_int_equal(vmr_error_code(e), VMR_ERR_FAULT);
	vmr_error_free(e);
	l.mem.hole[O_LOGBUF / 4096] = 0;

	/* Indices beyond the buffer: an error. */
	put32(l.mem.buf + O_VARS + 12, LOGBUF_LEN + 8);
	struct vmr_error *err = logbuf_walk(&l, &g, &st);
	assert_non_null(err);
	vmr_error_free(err);
	free(l.mem.buf);
}

static void test_format_time(void **state)
{
	(void)state;
	char buf[32];
	vmr_printk_format_time(5590653123ull, buf, sizeof(buf));
	assert_string_equal(buf, "[    5.590653] ");
	vmr_printk_format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "[    0.000000] ");
	vmr_printk_format_time(123456789000000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "[123456789.000000] ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_reserved_failed),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_absurd),
		cmocka_unit_test(test_missing_pages),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_logbuf),
		cmocka_unit_test(test_format_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
