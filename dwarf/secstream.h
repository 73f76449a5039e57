/* SPDX-License-Identifier: MIT */
/**
 * @file secstream.h  The stream of one compressed ELF section
 * (SHF_COMPRESSED, after its Elf64_Chdr), inflated a piece at a time:
 * zlib through ISA-L's igzip (about twice as fast as zlib's own inflate,
 * which bounds the first source line of a vmlinux with compressed DWARF),
 * zstd through libzstd.  The stream must produce exactly the size its
 * header claims, and a zlib stream must end with its Adler-32 checked.
 * Internal to dwarf/ (the DWARF loader and the vmlinux cache).
 */
#ifndef VMR_DWARF_SECSTREAM_H
#define VMR_DWARF_SECSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include <vmregion/error.h>

#ifndef ELFCOMPRESS_ZLIB
#define ELFCOMPRESS_ZLIB 1
#endif
#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2 /* gABI 2022; glibc < 2.37 lacks it */
#endif

struct inflate_state;

struct vmr_secstream {
	uint32_t ctype;          /**< ELFCOMPRESS_ZLIB or ELFCOMPRESS_ZSTD */
	const uint8_t *in;       /**< the compressed bytes (after the Chdr) */
	size_t in_size;
	uint64_t size;           /**< inflated size (ch_size) */
	uint64_t done;           /**< bytes produced so far */
	size_t in_pos;           /**< input handed to the decoder so far */
	bool ended;              /**< the decoder saw the end of the stream */
	struct inflate_state *isal;
	ZSTD_DStream *zs;
};

/**
 * Start inflating @p in (@p in_size bytes of type @p ctype) whose header
 * says @p size bytes.  @return NULL, VMR_ERR_FORMAT (unknown type), or
 * &vmr_enomem.
 */
struct vmr_error *vmr_secstream_init(struct vmr_secstream *s, uint32_t ctype,
				     const uint8_t *in, size_t in_size, uint64_t size);

/**
 * Inflate the next bytes of the section into @p dst, as many as @p room
 * (never past the declared size); the output may move between calls.
 * @param[out] got bytes written to @p dst.
 * @return NULL, or why the stream is bad (a static string: corrupt,
 *         truncated, shorter or longer than declared, checksum); the
 *         section is complete when s->done == s->size.
 */
const char *vmr_secstream_read(struct vmr_secstream *s, uint8_t *dst, uint64_t room,
			       uint64_t *got);

/** Free the decoder (the stream may be unfinished); idempotent. */
void vmr_secstream_end(struct vmr_secstream *s);

#endif
