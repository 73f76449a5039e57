/* SPDX-License-Identifier: MIT */
/**
 * @file bytes.h  Little-endian loads from untrusted byte buffers (any
 * alignment).  Callers check that the bytes are inside their buffer first.
 * And the value of a hex digit, for the text formats that carry numbers.
 */
#ifndef VMR_COMMON_BYTES_H
#define VMR_COMMON_BYTES_H

#include <stdint.h>

static inline uint16_t vmr_le16(const void *p)
{
	const unsigned char *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t vmr_le32(const void *p)
{
	const unsigned char *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t vmr_le64(const void *p)
{
	return (uint64_t)vmr_le32(p) | (uint64_t)vmr_le32((const char *)p + 4) << 32;
}

/** The u64 / u32 at byte @p off of @p buf (a structure read from the dump). */
static inline uint64_t vmr_get_u64(const void *buf, uint64_t off)
{
	return vmr_le64((const char *)buf + off);
}

static inline uint32_t vmr_get_u32(const void *buf, uint64_t off)
{
	return vmr_le32((const char *)buf + off);
}

/** The value of hex digit @p c (either case), or -1. */
static inline int vmr_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
