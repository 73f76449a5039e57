/* SPDX-License-Identifier: MIT */
/**
 * @file secstream.c  One compressed ELF section inflated a piece at a time
 * (see secstream.h).  Both decoders take their input in pieces of at most
 * 4 GiB (ISA-L counts in 32 bits) and write only into the caller's buffer
 * (ISA-L keeps its own copy of the 32 KiB window between calls).
 */
#include "dwarf/secstream.h"

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/** Most input handed to a decoder in one call (ISA-L's avail_in is 32-bit). */
#define IN_PIECE ((size_t)1 << 30)

struct vmr_error *vmr_secstream_init(struct vmr_secstream *s, uint32_t ctype,
				     const uint8_t *in, size_t in_size, uint64_t size)
{
	memset(s, 0, sizeof(*s));
	s->ctype = ctype;
	s->in = in;
	s->in_size = in_size;
	s->size = size;
	if (ctype == ELFCOMPRESS_ZLIB) {
		if (!(s->isal = malloc(sizeof(*s->isal))))
			return &vmr_enomem;
		isal_inflate_init(s->isal);
		s->isal->crc_flag = ISAL_ZLIB; /* header parsed, Adler-32 checked */
	} else if (ctype == ELFCOMPRESS_ZSTD) {
		if (!(s->zs = ZSTD_createDStream()))
			return &vmr_enomem;
	} else {
		return vmr_error_new(VMR_ERR_FORMAT, "unknown compression type %u", ctype);
	}
	return NULL;
}

static const char *isal_why(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
	case ISAL_INVALID_WRAPPER: return "invalid zlib header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported zlib method";
	case ISAL_INCORRECT_CHECKSUM: return "zlib checksum mismatch";
	case ISAL_NEED_DICT: return "zlib stream needs a preset dictionary";
	default: return "corrupt zlib stream";
	}
}

/**
 * One decoder step into @p dst (@p room bytes, at most 4 GiB).
 * @param[out] got bytes produced.  @param[out] moved input consumed or
 * output produced.  @return NULL or why the stream is bad.
 */
static const char *step(struct vmr_secstream *s, uint8_t *dst, uint64_t room, uint64_t *got,
			bool *moved)
{
	*got = 0;
	*moved = false;
	if (s->isal) {
		struct inflate_state *st = s->isal;
		if (!st->avail_in && s->in_pos < s->in_size) {
			size_t n = s->in_size - s->in_pos;
			st->next_in = (uint8_t *)s->in + s->in_pos;
			st->avail_in = (uint32_t)(n < IN_PIECE ? n : IN_PIECE);
			s->in_pos += st->avail_in;
		}
		uint32_t in_before = st->avail_in;
		st->next_out = dst;
		st->avail_out = (uint32_t)room;
		int r = isal_inflate(st);
		*got = room - st->avail_out;
		*moved = *got || st->avail_in != in_before;
		if (r < 0 || r == ISAL_NEED_DICT)
			return isal_why(r);
		s->ended = st->block_state == ISAL_BLOCK_FINISH;
		return NULL;
	}
	size_t n = s->in_size - s->in_pos;
	ZSTD_inBuffer ib = { s->in + s->in_pos, n < IN_PIECE ? n : IN_PIECE, 0 };
	ZSTD_outBuffer ob = { dst, (size_t)room, 0 };
	size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
	if (ZSTD_isError(r))
		return ZSTD_getErrorName(r);
	s->in_pos += ib.pos;
	*got = ob.pos;
	*moved = ob.pos || ib.pos;
	s->ended = r == 0;
	return NULL;
}

/** At the declared size: the stream must end there (checksum included). */
static const char *finish(struct vmr_secstream *s)
{
	while (!s->ended) {
		uint8_t extra;
		uint64_t got;
		bool moved;
		const char *why = step(s, &extra, 1, &got, &moved);
		if (why)
			return why;
		if (got)
			return "longer than its header says";
		if (!moved)
			return "stream truncated";
	}
	return NULL;
}

const char *vmr_secstream_read(struct vmr_secstream *s, uint8_t *dst, uint64_t room,
			       uint64_t *got)
{
	*got = 0;
	if (room > s->size - s->done)
		room = s->size - s->done;
	while (*got < room) {
		if (s->ended)
			return "shorter than its header says";
		uint64_t want = room - *got, n;
		if (want > UINT32_MAX)
			want = UINT32_MAX;
		bool moved;
		const char *why = step(s, dst + *got, want, &n, &moved);
		*got += n;
		s->done += n;
		if (why)
			return why;
		if (!moved)
			return "stream truncated";
	}
	return s->done == s->size ? finish(s) : NULL;
}

void vmr_secstream_end(struct vmr_secstream *s)
{
	free(s->isal);
	s->isal = NULL;
	ZSTD_freeDStream(s->zs);
	s->zs = NULL;
}
