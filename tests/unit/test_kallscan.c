/* SPDX-License-Identifier: MIT */
/*
 * dwarf/kallscan.c: kallsyms tables laid out the way scripts/kallsyms.c
 * lays them out (up to 6.1 with and without seqs_of_names, 6.2 on, and
 * kallsyms_addresses), between other bytes, found by their shape; broken
 * tables are not found.  Then every corpus dump: the scan finds the tables
 * VMCOREINFO names, and the kernel's fallback finds as many symbols.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "dwarf/kallscan.h"
#include "dwarf/kallsyms.h"
#include "fixtures/corpuscases.h"
#include "region/kernel-priv.h"

#include <vmregion/dump.h>
#include <vmregion/vmcoreinfo.h>

#define VBASE 0xffffffff81e00000ull /* .rodata of the fake image */
#define TEXT 0xffffffff81000000ull  /* _text = relative_base */
#define NSYMS 700u                  /* three markers */
#define JUNK 0x12000u               /* other bytes before and after */

enum layout { UP_TO_6_1, UP_TO_6_1_SEQS, FROM_6_2, ADDRESSES };

struct image {
	unsigned char *buf;
	size_t len;
	struct vmr_kallsyms_addrs want;
};

static struct vmr_error *image_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	const struct image *im = ctx;
	if (addr < VBASE || addr - VBASE > im->len || len > im->len - (addr - VBASE))
		return vmr_error_fault(addr, "no memory at %#llx", (unsigned long long)addr);
	memcpy(out, im->buf + (addr - VBASE), len);
	return NULL;
}

static size_t align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t sym_addr(size_t i)
{
	return TEXT + 0x40 * i;
}

/* Token i is the character i when graphic, else "~" and two hex digits. */
static size_t token_table(unsigned char *p, uint16_t *index)
{
	size_t pos = 0;
	for (int i = 0; i < 256; i++) {
		index[i] = (uint16_t)pos;
		if (i > 0x20 && i < 0x7f)
			pos += (size_t)sprintf((char *)p + pos, "%c", i) + 1;
		else
			pos += (size_t)sprintf((char *)p + pos, "~%02x", i) + 1;
	}
	return pos;
}

/* Names "T" + "symNNNNN": one single-character token per character. */
static size_t names(unsigned char *p, uint32_t *markers)
{
	size_t pos = 0;
	for (size_t i = 0; i < NSYMS; i++) {
		if (i % 256 == 0)
			markers[i / 256] = (uint32_t)pos;
		char name[16];
		int l = snprintf(name, sizeof(name), "Tsym%05zu", i);
		p[pos++] = (unsigned char)l;
		memcpy(p + pos, name, (size_t)l);
		pos += (size_t)l;
	}
	return pos;
}

/* kallsyms_offsets and kallsyms_relative_base (= _text) at @p pos. */
static size_t put_offsets(unsigned char *b, size_t pos, struct vmr_kallsyms_addrs *w)
{
	w->offsets = VBASE + pos;
	for (size_t i = 0; i < NSYMS; i++)
		put32(b + pos + 4 * i, (uint32_t)(sym_addr(i) - TEXT));
	pos = align8(pos + 4 * NSYMS);
	w->relative_base = VBASE + pos;
	put64(b + pos, TEXT);
	return pos + 8;
}

static void build(struct image *im, enum layout lay)
{
	size_t cap = 2 * JUNK + NSYMS * 32 + 0x4000;
	memset(im, 0, sizeof(*im));
	im->buf = malloc(cap);
	assert_non_null(im->buf);
	srand(lay + 1);
	for (size_t i = 0; i < cap; i++)
		im->buf[i] = (unsigned char)rand();
	unsigned char *b = im->buf;
	struct vmr_kallsyms_addrs *w = &im->want;
	size_t pos = JUNK, nmark = (NSYMS + 255) / 256;
	uint32_t markers[8];

	if (lay == UP_TO_6_1 || lay == UP_TO_6_1_SEQS) {
		pos = put_offsets(b, pos, w);
	} else if (lay == ADDRESSES) {
		w->addresses = VBASE + pos;
		for (size_t i = 0; i < NSYMS; i++)
			put64(b + pos + 8 * i, sym_addr(i));
		pos += 8 * NSYMS;
	}
	w->num_syms = VBASE + pos;
	put32(b + pos, NSYMS);
	put32(b + pos + 4, 0);
	pos += 8;
	w->names = VBASE + pos;
	size_t nl = names(b + pos, markers);
	for (size_t i = pos + nl; i < align8(pos + nl); i++)
		b[i] = 0;
	pos = align8(pos + nl);
	for (size_t i = 0; i < nmark; i++)
		put32(b + pos + 4 * i, markers[i]);
	memset(b + pos + 4 * nmark, 0, align8(4 * nmark) - 4 * nmark);
	pos += align8(4 * nmark);
	if (lay == UP_TO_6_1_SEQS) {
		memset(b + pos, 0, align8(3 * NSYMS));
		for (size_t i = 0; i < NSYMS; i++)
			b[pos + 3 * i + 2] = (unsigned char)i;
		pos += align8(3 * NSYMS);
	}
	w->token_table = VBASE + pos;
	uint16_t index[256];
	size_t tl = token_table(b + pos, index);
	memset(b + pos + tl, 0, align8(tl) - tl);
	pos += align8(tl);
	w->token_index = VBASE + pos;
	memcpy(b + pos, index, sizeof(index));
	pos += sizeof(index);
	if (lay == FROM_6_2) {
		pos = put_offsets(b, pos, w);
	}
	im->len = pos + JUNK;
	assert_true(im->len <= cap);
}

static bool same(const struct vmr_kallsyms_addrs *a, const struct vmr_kallsyms_addrs *b)
{
	return a->names == b->names && a->num_syms == b->num_syms &&
	       a->token_table == b->token_table && a->token_index == b->token_index &&
	       a->offsets == b->offsets && a->relative_base == b->relative_base &&
	       a->addresses == b->addresses;
}

static void found_and_loads(enum layout lay)
{
	struct image im;
	build(&im, lay);
	struct vmr_kallsyms_addrs cand[VMR_KALLSCAN_MAX_CAND];
	size_t n = 0;
	struct vmr_error *err = vmr_kallsyms_scan(image_read, &im, VBASE, VBASE + im.len, cand,
						  &n);
	if (err)
		fail_msg("layout %d: %s", lay, vmr_error_message(err));
	size_t hit = n;
	for (size_t i = 0; i < n; i++)
		if (same(&cand[i], &im.want))
			hit = i;
	assert_true(hit < n);
	struct vmr_kallsyms *ks;
	err = vmr_kallsyms_load(&cand[hit], image_read, &im, &ks);
	if (err)
		fail_msg("layout %d: load: %s", lay, vmr_error_message(err));
	assert_int_equal(vmr_kallsyms_count(ks), NSYMS);
	uint64_t a;
	assert_true(vmr_kallsyms_lookup(ks, "sym00600", &a, NULL));
	assert_int_equal(a, sym_addr(600));
	vmr_kallsyms_free(ks);
	free(im.buf);
}

/* state: the enum layout to build */
static void test_layout(void **state)
{
	found_and_loads(*(const enum layout *)*state);
}

static void not_found(struct image *im, uint64_t hi)
{
	struct vmr_kallsyms_addrs cand[VMR_KALLSCAN_MAX_CAND];
	size_t n = 7;
	struct vmr_error *err = vmr_kallsyms_scan(image_read, im, VBASE, hi, cand, &n);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	vmr_error_free(err);
}

/* One broken piece each: the search must come back empty. */
static void test_broken(void **s)
{
	(void)s;
	struct image im;
	build(&im, UP_TO_6_1);
	size_t tt = im.want.token_table - VBASE, ti = im.want.token_index - VBASE;
	size_t nm = im.want.num_syms - VBASE, names = im.want.names - VBASE;
	size_t markers = tt - align8(4 * ((NSYMS + 255) / 256));

	assert_int_equal(vmr_kallscan_tokens(im.buf, im.len, ti), tt);
	assert_int_equal(vmr_kallscan_num_syms(im.buf, tt, nm), NSYMS);
	assert_int_equal(vmr_kallscan_num_syms(im.buf, tt, nm + 8), 0);

	/* the index cut off by the end of the range */
	not_found(&im, VBASE + ti + 256);
	/* a control character in a token */
	im.buf[tt + 5] = '\n';
	assert_int_equal(vmr_kallscan_tokens(im.buf, im.len, ti), SIZE_MAX);
	not_found(&im, VBASE + im.len);
	im.buf[tt + 5] = 0x23;
	assert_int_equal(vmr_kallscan_tokens(im.buf, im.len, ti), tt);
	/* a marker off by one */
	put32(im.buf + markers + 4, vmr_le32(im.buf + markers + 4) + 1);
	not_found(&im, VBASE + im.len);
	put32(im.buf + markers + 4, vmr_le32(im.buf + markers + 4) - 1);
	/* a name one byte longer than the bytes that follow it */
	im.buf[names] = 11;
	assert_int_equal(vmr_kallscan_num_syms(im.buf, tt, nm), 0);
	im.buf[names] = 9;
	/* a count that does not fit the markers */
	put32(im.buf + nm, NSYMS + 300);
	assert_int_equal(vmr_kallscan_num_syms(im.buf, tt, nm), 0);
	free(im.buf);
}

static struct vmr_error *no_memory(void *ctx, uint64_t addr, void *out, size_t len)
{
	(void)ctx;
	(void)out;
	(void)len;
	return vmr_error_fault(addr, "nothing at %#llx", (unsigned long long)addr);
}

static void test_nothing_readable(void **s)
{
	(void)s;
	struct vmr_kallsyms_addrs cand[VMR_KALLSCAN_MAX_CAND];
	size_t n;
	struct vmr_error *err = vmr_kallsyms_scan(no_memory, NULL, TEXT, TEXT + (8u << 20), cand,
						  &n);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
	/* empty and upside-down ranges */
	err = vmr_kallsyms_scan(no_memory, NULL, TEXT, TEXT, cand, &n);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
	err = vmr_kallsyms_scan(no_memory, NULL, TEXT + 4096, TEXT, cand, &n);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
}

/* ------------------------------------------------------------ corpus */

static void test_corpus(void **state)
{
	const struct corpus_case *c = *state;
	struct vmr_dump *d;
	struct vmr_kernel *k;
	corpus_open(c, &d, &k);
	struct vmr_error *err;
	struct vmr_kallsyms_addrs want = { 0 };
	uint64_t stext;
	const struct vmr_vmcoreinfo *vi = k->vmcoreinfo;
	if (!vi || !vmr_vmcoreinfo_symbol(vi, "kallsyms_names", &want.names) ||
	    !vmr_vmcoreinfo_symbol(vi, "kallsyms_num_syms", &want.num_syms) ||
	    !vmr_vmcoreinfo_symbol(vi, "kallsyms_token_table", &want.token_table) ||
	    !vmr_vmcoreinfo_symbol(vi, "kallsyms_token_index", &want.token_index) ||
	    !vmr_vmcoreinfo_symbol(vi, "kallsyms_offsets", &want.offsets) ||
	    !vmr_vmcoreinfo_symbol(vi, "kallsyms_relative_base", &want.relative_base) ||
	    !vmr_vmcoreinfo_symbol(vi, "_stext", &stext)) {
		printf("%s: VMCOREINFO names no kallsyms tables: nothing to compare\n",
		       c->test_name);
		goto out;
	}
	/* The scan on its own: the tables VMCOREINFO names are a candidate. */
	struct vmr_kallsyms_addrs cand[VMR_KALLSCAN_MAX_CAND];
	size_t n = 0;
	uint64_t hi = (want.relative_base > want.token_index ? want.relative_base
							     : want.token_index) + (1u << 20);
	err = vmr_kallsyms_scan(vmr_kernel_read_cb, k, stext, hi, cand, &n);
	if (err)
		fail_msg("%s: %s", c->test_name, vmr_error_message(err));
	bool hit = false;
	for (size_t i = 0; i < n; i++)
		hit |= same(&cand[i], &want);
	if (!hit)
		fail_msg("%s: %zu candidates, none the VMCOREINFO tables", c->test_name, n);

	/* The kernel's fallback (no range given) makes the same table. */
	uint64_t a;
	err = vmr_kernel_symbol_address(k, "jiffies", &a); /* loads k->kallsyms */
	if (err)
		fail_msg("%s: %s", c->test_name, vmr_error_message(err));
	struct vmr_kallsyms *ks = NULL;
	char why[120];
	if (!vmr_kernel_scan_kallsyms(k, &ks, why, sizeof(why)))
		fail_msg("%s: kallsyms not found: %s", c->test_name, why);
	assert_int_equal(vmr_kallsyms_count(ks), vmr_kallsyms_count(k->kallsyms));
	uint64_t b;
	assert_true(vmr_kallsyms_lookup(ks, "jiffies", &b, NULL));
	assert_int_equal(a, b);
	printf("%s: found as VMCOREINFO names them; %zu symbols\n", c->test_name,
	       vmr_kallsyms_count(ks));
	vmr_kallsyms_free(ks);
out:
	vmr_kernel_close(k);
	vmr_dump_close(d);
}

int main(void)
{
	static enum layout layouts[] = { UP_TO_6_1, UP_TO_6_1_SEQS, FROM_6_2, ADDRESSES };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_layout, &layouts[0]),
		cmocka_unit_test_prestate(test_layout, &layouts[1]),
		cmocka_unit_test_prestate(test_layout, &layouts[2]),
		cmocka_unit_test_prestate(test_layout, &layouts[3]),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_nothing_readable),
	};
	int rc = cmocka_run_group_tests_name("kallscan", tests, NULL, NULL);
	return rc | corpus_run_group("kallscan_corpus", CORPUS_TRUTH_FILES, test_corpus);
}
