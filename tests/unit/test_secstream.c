/* SPDX-License-Identifier: MIT */
/*
 * dwarf/secstream.c: a compressed section comes back byte for byte whatever
 * the size of the pieces asked for, and every bad stream (truncated, shorter
 * or longer than its header, corrupt, wrong checksum, unknown type) ends in
 * a reason, never in bytes past the declared size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "common/error.h"
#include "dwarf/secstream.h"

#define PLAIN_SIZE (300u * 1024) /* several deflate blocks, a window of history */

static uint8_t *plain;

/** Text with long repeats (back-references across pieces) and noise. */
static int setup(void **st)
{
	(void)st;
	plain = malloc(PLAIN_SIZE);
	assert_non_null(plain);
	uint32_t x = 12345;
	for (size_t i = 0; i < PLAIN_SIZE; i++) {
		x = x * 1103515245u + 12345u;
		plain[i] = (i / 4096) % 3 ? (uint8_t)("DW_TAG_subprogram "[i % 18])
					  : (uint8_t)(x >> 24);
	}
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	free(plain);
	return 0;
}

/** A zlib stream of @p n bytes of plain (ISA-L's compressor). */
static uint8_t *zlib_of(size_t n, size_t *out_len)
{
	size_t cap = n + n / 2 + 1024;
	uint8_t *out = malloc(cap);
	assert_non_null(out);
	struct isal_zstream zs;
	isal_deflate_init(&zs);
	zs.gzip_flag = IGZIP_ZLIB;
	zs.level = 1;
	zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	zs.level_buf = malloc(zs.level_buf_size);
	assert_non_null(zs.level_buf);
	zs.end_of_stream = 1;
	zs.flush = NO_FLUSH;
	zs.next_in = plain;
	zs.avail_in = (uint32_t)n;
	zs.next_out = out;
	zs.avail_out = (uint32_t)cap;
	assert_int_equal(isal_deflate(&zs), COMP_OK);
	assert_int_equal(zs.internal_state.state, ZSTATE_END);
	free(zs.level_buf);
	*out_len = zs.total_out;
	return out;
}

static uint8_t *zstd_of(size_t n, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(n);
	uint8_t *out = malloc(cap);
	assert_non_null(out);
	*out_len = ZSTD_compress(out, cap, plain, n, 3);
	assert_false(ZSTD_isError(*out_len));
	return out;
}

/**
 * Read the stream of @p in declared as @p size bytes in pieces of @p piece.
 * @return the reason it failed, or NULL; @p got the bytes read (checked
 * against plain).
 */
static const char *read_all(uint32_t type, const uint8_t *in, size_t in_len, uint64_t size,
			    uint64_t piece, uint64_t *total)
{
	struct vmr_secstream s;
	assert_null(vmr_secstream_init(&s, type, in, in_len, size));
	uint8_t *out = malloc(size + 1);
	assert_non_null(out);
	const char *why = NULL;
	*total = 0;
	while (!why && s.done < size) {
		uint64_t got;
		why = vmr_secstream_read(&s, out + *total, piece, &got);
		assert_true(got <= piece);
		*total += got;
		assert_int_equal(*total, s.done);
		if (!why && !got)
			fail_msg("no progress and no reason");
	}
	assert_true(*total <= size);
	size_t cmp = *total < PLAIN_SIZE ? *total : PLAIN_SIZE;
	assert_memory_equal(out, plain, cmp);
	vmr_secstream_end(&s);
	vmr_secstream_end(&s); /* idempotent */
	free(out);
	return why;
}

static void test_whole_in_any_pieces(void **st)
{
	(void)st;
	static const uint64_t pieces[] = { 1, 7, 4096, 65536, PLAIN_SIZE, 1u << 30 };
	size_t zl, sl;
	uint8_t *z = zlib_of(PLAIN_SIZE, &zl), *s = zstd_of(PLAIN_SIZE, &sl);
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		uint64_t total;
		assert_null(read_all(ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE, pieces[i], &total));
		assert_int_equal(total, PLAIN_SIZE);
		assert_null(read_all(ELFCOMPRESS_ZSTD, s, sl, PLAIN_SIZE, pieces[i], &total));
		assert_int_equal(total, PLAIN_SIZE);
	}
	free(z);
	free(s);
}

static void test_truncated(void **st)
{
	(void)st;
	size_t zl, sl;
	uint8_t *z = zlib_of(PLAIN_SIZE, &zl), *s = zstd_of(PLAIN_SIZE, &sl);
	static const size_t cuts[] = { 0, 1, 2, 3, 100 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		uint64_t total;
		assert_non_null(read_all(ELFCOMPRESS_ZLIB, z, cuts[i], PLAIN_SIZE, 4096, &total));
		assert_true(total < PLAIN_SIZE);
		assert_non_null(read_all(ELFCOMPRESS_ZSTD, s, cuts[i], PLAIN_SIZE, 4096, &total));
	}
	uint64_t total;
	/* Cut inside the data, and cut only the 4-byte Adler-32 trailer. */
	assert_non_null(read_all(ELFCOMPRESS_ZLIB, z, zl / 2, PLAIN_SIZE, 4096, &total));
	assert_non_null(read_all(ELFCOMPRESS_ZLIB, z, zl - 4, PLAIN_SIZE, 4096, &total));
	assert_non_null(read_all(ELFCOMPRESS_ZSTD, s, sl / 2, PLAIN_SIZE, 4096, &total));
	assert_non_null(read_all(ELFCOMPRESS_ZSTD, s, sl - 1, PLAIN_SIZE, 4096, &total));
	free(z);
	free(s);
}

static void test_size_lies(void **st)
{
	(void)st;
	size_t zl, sl;
	uint8_t *z = zlib_of(PLAIN_SIZE, &zl), *s = zstd_of(PLAIN_SIZE, &sl);
	uint64_t total;
	assert_string_equal(read_all(ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE + 1, 4096, &total),
			    "shorter than its header says");
	assert_int_equal(total, PLAIN_SIZE);
	assert_string_equal(read_all(ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE - 1, 4096, &total),
			    "longer than its header says");
	assert_int_equal(total, PLAIN_SIZE - 1); /* never past the declared size */
	assert_string_equal(read_all(ELFCOMPRESS_ZSTD, s, sl, PLAIN_SIZE + 1, 4096, &total),
			    "shorter than its header says");
	assert_string_equal(read_all(ELFCOMPRESS_ZSTD, s, sl, PLAIN_SIZE - 1, 4096, &total),
			    "longer than its header says");
	assert_int_equal(total, PLAIN_SIZE - 1);
	/* A stream with bytes whose header claims none. */
	struct vmr_secstream e;
	uint8_t out[16];
	assert_null(vmr_secstream_init(&e, ELFCOMPRESS_ZLIB, z, zl, 0));
	assert_string_equal(vmr_secstream_read(&e, out, sizeof(out), &total),
			    "longer than its header says");
	assert_int_equal(total, 0);
	vmr_secstream_end(&e);
	free(z);
	free(s);
}

static void test_corrupt(void **st)
{
	(void)st;
	size_t zl;
	uint8_t *z = zlib_of(PLAIN_SIZE, &zl);
	uint64_t total;
	/* The Adler-32 trailer. */
	z[zl - 1] ^= 0x55;
	assert_string_equal(read_all(ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE, 65536, &total),
			    "zlib checksum mismatch");
	z[zl - 1] ^= 0x55;
	/* The header: a method other than deflate, a preset dictionary. */
	uint8_t h0 = z[0], h1 = z[1];
	z[0] = 0x7f;
	assert_non_null(read_all(ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE, 65536, &total));
	z[0] = 0x78;
	z[1] = 0xbb; /* FDICT set, check bits right: (0x78 << 8 | 0xbb) % 31 == 0 */
	assert_non_null(read_all(ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE, 65536, &total));
	z[0] = h0;
	z[1] = h1;
	/* Every byte of the data flipped in turn (a sample of them): a reason
	 * or, rarely, a stream that still decodes and then fails its checksum;
	 * never a crash, never more than declared. */
	for (size_t off = 2; off < zl - 4; off += zl / 97 + 1) {
		z[off] ^= 0xa5;
		struct vmr_secstream s;
		assert_null(vmr_secstream_init(&s, ELFCOMPRESS_ZLIB, z, zl, PLAIN_SIZE));
		uint8_t *out = malloc(PLAIN_SIZE);
		assert_non_null(out);
		const char *why = NULL;
		while (!why && s.done < PLAIN_SIZE) {
			uint64_t got;
			why = vmr_secstream_read(&s, out + s.done, 8192, &got);
			if (!why && !got)
				fail_msg("no progress and no reason");
		}
		assert_true(s.done <= PLAIN_SIZE);
		assert_non_null(why);
		vmr_secstream_end(&s);
		free(out);
		z[off] ^= 0xa5;
	}
	free(z);
}

static void test_unknown_type(void **st)
{
	(void)st;
	struct vmr_secstream s;
	uint8_t b[4] = { 0 };
	struct vmr_error *err = vmr_secstream_init(&s, 3, b, sizeof(b), 10);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FORMAT);
	vmr_error_free(err);
	vmr_secstream_end(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_in_any_pieces),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_size_lies),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_unknown_type),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
