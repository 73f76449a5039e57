/* SPDX-License-Identifier: MIT */
/* The .orc_lookup fast path of unwind/orc.c: the same answers as the binary
 * search over the whole table for every IP, with the kernel's table, with a
 * table built from the entries, and with tables that are rejected (not
 * non-decreasing, past the entries, all zeros) or wrong but in bounds (the
 * lookup falls back to the whole table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unwind/orc-priv.h"

#define STEXT 0xffffffff81000000ULL
#define TEXT_SIZE 0x40000ULL
#define N 3000

/* A table with entries at irregular IPs (some duplicates), entry i's
 * sp_offset = i so that answers can be told apart. */
static void make_table(struct vmr_orc_table *t)
{
	static uint8_t ips[4 * N], raw[6 * N];
	uint64_t ip = STEXT;
	uint32_t seed = 12345;
	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		if (i)
			ip += (seed >> 16) % 200; /* 0: a duplicate */
		int32_t off = (int32_t)(ip - (STEXT - 0x100000ULL + 4 * i));
		memcpy(ips + 4 * i, &off, 4);
		uint16_t sp = (uint16_t)i, bp = 0, b = VMR_ORC_REG_SP | 2u << 8; /* V3 CALL */
		memcpy(raw + 6 * i, &sp, 2);
		memcpy(raw + 6 * i + 2, &bp, 2);
		memcpy(raw + 6 * i + 4, &b, 2);
	}
	char why[200];
	assert_int_equal(vmr_orc_table_init(t, "vmlinux", STEXT - 0x100000ULL, ips, raw, N,
					    VMR_ORC_FMT_V3, STEXT, STEXT + TEXT_SIZE, why,
					    sizeof(why)), 0);
}

/* The kernel's orc_lookup[] for @p t (unwind_init()), little-endian. */
static uint8_t *kernel_lookup(const struct vmr_orc_table *t, size_t *nblocks)
{
	*nblocks = TEXT_SIZE / VMR_ORC_LOOKUP_BLOCK + 1;
	uint8_t *raw = malloc(4 * *nblocks);
	assert_non_null(raw);
	size_t i = 0;
	for (size_t b = 0; b < *nblocks; b++) {
		uint64_t at = STEXT + b * VMR_ORC_LOOKUP_BLOCK;
		while (i + 1 < t->n && t->ip[i + 1] <= at)
			i++;
		uint32_t v = (uint32_t)i;
		memcpy(raw + 4 * b, &v, 4);
	}
	return raw;
}

/* Every IP of the text (and around it) gives the same entry as @p ref. */
static void same_answers(const struct vmr_orc_table *t, const struct vmr_orc_table *ref)
{
	for (uint64_t ip = STEXT - 16; ip < STEXT + TEXT_SIZE + 16; ip++)
		if (vmr_orc_table_find(t, ip) != vmr_orc_table_find(ref, ip)) /* same arrays */
			fail_msg("ip %#llx: lookup and full search differ", (unsigned long long)ip);
}

static void copy_table(struct vmr_orc_table *dst, const struct vmr_orc_table *src)
{
	*dst = *src;
	dst->lookup = NULL;
	dst->nlookup = 0;
}

static void test_kernel_table(void **state)
{
	(void)state;
	struct vmr_orc_table t, ref;
	make_table(&t);
	copy_table(&ref, &t);
	size_t nb;
	uint8_t *raw = kernel_lookup(&t, &nb);
	char why[200] = "";
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT, raw, nb, why, sizeof(why)), 0);
	assert_non_null(t.lookup);
	same_answers(&t, &ref);
	free(raw);
	vmr_orc_table_fini(&t);
}

static void test_built_table(void **state)
{
	(void)state;
	struct vmr_orc_table t, ref;
	make_table(&t);
	copy_table(&ref, &t);
	assert_int_equal(vmr_orc_table_build_lookup(&t, STEXT, STEXT + TEXT_SIZE), 0);
	same_answers(&t, &ref);
	/* a range too big for the bound is refused */
	assert_int_equal(vmr_orc_table_build_lookup(&t, 0, UINT64_MAX), -1);
	vmr_orc_table_fini(&t);
}

static void test_rejected(void **state)
{
	(void)state;
	struct vmr_orc_table t;
	make_table(&t);
	size_t nb;
	uint8_t *raw = kernel_lookup(&t, &nb);
	char why[200];
	uint32_t v;
	/* decreasing */
	memcpy(&v, raw + 4 * 100, 4);
	uint32_t big = v + 50;
	memcpy(raw + 4 * 99, &big, 4);
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT, raw, nb, why, sizeof(why)), -1);
	assert_null(t.lookup);
	free(raw);
	/* past the entries */
	raw = kernel_lookup(&t, &nb);
	v = N;
	memcpy(raw + 4 * (nb - 1), &v, 4);
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT, raw, nb, why, sizeof(why)), -1);
	/* all zeros (the vmlinux file's copy) */
	memset(raw, 0, 4 * nb);
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT, raw, nb, why, sizeof(why)), -1);
	/* too small */
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT, raw, 1, why, sizeof(why)), -1);
	assert_null(t.lookup);
	free(raw);
	vmr_orc_table_fini(&t);
}

/* In bounds and non-decreasing, but for another text start: every answer
 * is still right (slots that do not bracket the IP fall back). */
static void test_wrong_but_valid(void **state)
{
	(void)state;
	struct vmr_orc_table t, ref;
	make_table(&t);
	copy_table(&ref, &t);
	size_t nb;
	uint8_t *raw = kernel_lookup(&t, &nb);
	char why[200];
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT + 0x3000, raw, nb, why, sizeof(why)), 0);
	same_answers(&t, &ref);
	/* every slot the same index */
	for (size_t b = 0; b < nb; b++) {
		uint32_t v = N / 2;
		memcpy(raw + 4 * b, &v, 4);
	}
	assert_int_equal(vmr_orc_table_set_lookup(&t, STEXT, raw, nb, why, sizeof(why)), 0);
	same_answers(&t, &ref);
	free(raw);
	vmr_orc_table_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_table),
		cmocka_unit_test(test_built_table),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_wrong_but_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
