/* SPDX-License-Identifier: MIT */
/* Finding kallsyms in memory by the shape of its tables (kallscan.h). */
#include "dwarf/kallscan.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"

#define STEP (1u << 20)
/* 256 tokens of at most 127 characters each, with their NULs. */
#define MAX_TOKEN_LEN 127u
#define TOKEN_TABLE_MAX (256u * (MAX_TOKEN_LEN + 1))
/* x86_64's kernel image and modules live at and above this. */
#define KERNEL_IMAGE_LOW 0xffffffff80000000ull

static size_t align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

/* A token: one or more graphic characters, then NUL at @p end - 1. */
static bool is_token(const unsigned char *s, size_t len)
{
	if (len < 2 || s[len - 1])
		return false;
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

size_t vmr_kallscan_tokens(const unsigned char *buf, size_t len, size_t at)
{
	if (at % 8 || len < 512 || at > len - 512)
		return SIZE_MAX;
	const unsigned char *ti = buf + at;
	uint16_t t[256];
	for (int i = 0; i < 256; i++) {
		t[i] = vmr_le16(ti + 2 * i);
		/* Rising by a token (2..128 bytes) each: most places fail at once. */
		if (i == 0 ? t[0] != 0 : t[i] < t[i - 1] + 2u || t[i] > t[i - 1] + MAX_TOKEN_LEN + 1)
			return SIZE_MAX;
	}
	/* The last token's length fixes where the table starts (8-aligned,
	 * zeros up to the index). */
	for (size_t l = 1; l <= MAX_TOKEN_LEN; l++) {
		size_t size = (size_t)t[255] + l + 1;
		if (align8(size) > at)
			break;
		size_t tt = at - align8(size);
		const unsigned char *tab = buf + tt;
		if (strnlen((const char *)tab + t[255], l + 1) != l)
			continue;
		bool ok = true;
		for (int i = 0; ok && i < 256; i++) {
			size_t end = i < 255 ? t[i + 1] : size;
			ok = is_token(tab + t[i], end - t[i]);
		}
		for (size_t i = size; ok && i < align8(size); i++)
			ok = tab[i] == 0;
		if (ok)
			return tt;
	}
	return SIZE_MAX;
}

/* Do N names from @p names end, 8-aligned, at @p markers (mk-byte
 * entries, every 256th name's offset)? */
static bool names_fit(const unsigned char *buf, size_t names, uint32_t n, size_t markers,
		      unsigned mk)
{
	size_t off = 0, limit = markers - names;
	for (uint32_t i = 0; i < n; i++) {
		if (i % 256 == 0) {
			const unsigned char *m = buf + markers + (size_t)(i / 256) * mk;
			uint64_t want = mk == 4 ? vmr_le32(m) : vmr_le64(m);
			if (want != off)
				return false;
		}
		if (off + 2 > limit)
			return false;
		size_t step = 1, l = buf[names + off];
		if (l & 0x80) { /* 6.1+: a two-byte length */
			l = (l & 0x7f) | (size_t)buf[names + off + 1] << 7;
			step = 2;
		}
		if (!l || l > limit - off - step)
			return false;
		off += step + l;
	}
	return align8(names + off) == markers;
}

uint32_t vmr_kallscan_num_syms(const unsigned char *buf, size_t tt, size_t p)
{
	if (p % 8 || tt % 8 || p + 16 > tt)
		return 0;
	uint32_t n = vmr_le32(buf + p);
	if (!n || n > VMR_KALLSYMS_MAX_SYMS || vmr_le32(buf + p + 4) != 0)
		return 0;
	size_t names = p + 8, nmark = (n + 255u) / 256u;
	/* Markers as unsigned int, then as unsigned long (older kernels);
	 * seqs_of_names (3 bytes a symbol) between them and the tokens or not. */
	static const struct { unsigned mk; bool seqs; } shapes[] = {
		{ 4, false }, { 4, true }, { 8, false },
	};
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		size_t seqs = shapes[s].seqs ? align8((size_t)n * 3) : 0;
		size_t marks = align8(nmark * shapes[s].mk);
		if (seqs + marks > tt - names)
			continue;
		size_t markers = tt - seqs - marks;
		if (markers - names < (size_t)n * 2 ||
		    (shapes[s].mk == 4 ? vmr_le32(buf + markers) : vmr_le64(buf + markers)))
			continue;
		if (names_fit(buf, names, n, markers, shapes[s].mk))
			return n;
	}
	return 0;
}

static bool read_u64(vmr_read_fn read_virt, void *ctx, uint64_t addr, uint64_t *v)
{
	unsigned char b[8];
	struct vmr_error *err = read_virt(ctx, addr, b, sizeof(b));
	if (err) {
		vmr_error_free(err);
		return false;
	}
	*v = vmr_le64(b);
	return true;
}

/* A kernel-image address in [KERNEL_IMAGE_LOW, @p hi) at @p at? */
static bool image_address_at(vmr_read_fn read_virt, void *ctx, uint64_t at, uint64_t hi)
{
	uint64_t v;
	return read_u64(read_virt, ctx, at, &v) && v >= KERNEL_IMAGE_LOW && v < hi;
}

/* The address tables of each layout (kallscan.h), likeliest first. */
static void candidates(vmr_read_fn read_virt, void *ctx, uint64_t lo, uint64_t hi,
		       uint64_t num_syms, uint32_t n, uint64_t tt, uint64_t ti,
		       struct vmr_kallsyms_addrs *out, size_t *count)
{
	struct vmr_kallsyms_addrs a = {
		.names = num_syms + 8, .num_syms = num_syms, .token_table = tt,
		.token_index = ti,
	};
	uint64_t offsets_size = align8((size_t)n * 4);
	*count = 0;
	/* relative_base is the lowest kernel address kallsyms holds (_text on
	 * x86_64): below the first data.  Up to 6.1: offsets, relative_base,
	 * then num_syms. */
	if (num_syms - lo >= 8 + offsets_size &&
	    image_address_at(read_virt, ctx, num_syms - 8, hi)) {
		out[*count] = a;
		out[*count].relative_base = num_syms - 8;
		out[*count].offsets = num_syms - 8 - offsets_size;
		(*count)++;
	}
	/* 6.2 on: offsets right after the token index, then relative_base. */
	uint64_t offs = ti + 512; /* 8-aligned already */
	if (offs + offsets_size + 8 <= hi &&
	    image_address_at(read_virt, ctx, offs + offsets_size, hi)) {
		out[*count] = a;
		out[*count].offsets = offs;
		out[*count].relative_base = offs + offsets_size;
		(*count)++;
	}
	/* 4.5 and older without KALLSYMS_BASE_RELATIVE: addresses, num_syms;
	 * the first ones may be per-cpu offsets, the last is in the image
	 * (perhaps past the first data). */
	if (num_syms - lo >= (uint64_t)n * 8 &&
	    image_address_at(read_virt, ctx, num_syms - 8, UINT64_MAX)) {
		out[*count] = a;
		out[*count].addresses = num_syms - (uint64_t)n * 8;
		(*count)++;
	}
}

struct vmr_error *vmr_kallsyms_scan(vmr_read_fn read_virt, void *ctx, uint64_t lo,
				    uint64_t hi,
				    struct vmr_kallsyms_addrs out[VMR_KALLSCAN_MAX_CAND],
				    size_t *n)
{
	*n = 0;
	lo = (lo + 7) & ~7ull;
	hi &= ~7ull;
	if (hi <= lo || hi - lo < 1024)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "kallsyms: no range to look in");
	size_t span = hi - lo > VMR_KALLSCAN_MAX_BYTES ? VMR_KALLSCAN_MAX_BYTES
							: (size_t)(hi - lo);
	uint64_t base = hi - span;
	/* Zeroed (lazily, by the kernel): bytes not read yet or unreadable
	 * are zeros, which no table shape accepts, and cost no page until
	 * written. */
	unsigned char *buf = calloc(1, span);
	if (!buf)
		return &vmr_enomem;
	size_t filled = span, ti = SIZE_MAX, tt = SIZE_MAX;
	/* Token indexes at or above this offset were looked at already. */
	size_t ti_done = span, p_done = 0;
	while (filled > 0) {
		size_t a = filled > STEP ? filled - STEP : 0;
		/* A read that faults leaves what it read and zeros: nothing to
		 * undo (a shape made of stray bytes fails the caller's check). */
		vmr_error_free(read_virt(ctx, base + a, buf + a, filled - a));
		filled = a;
		if (tt == SIZE_MAX) {
			/* A token table may be TOKEN_TABLE_MAX long: look at an
			 * index only once the bytes below it are all here. */
			size_t from = a ? a + TOKEN_TABLE_MAX : 0;
			for (size_t q = ti_done; q >= from + 8;) {
				q -= 8;
				ti_done = q;
				size_t t = vmr_kallscan_tokens(buf, span, q);
				if (t != SIZE_MAX) {
					ti = q;
					tt = t;
					p_done = tt & ~(size_t)7;
					break;
				}
			}
			if (tt == SIZE_MAX)
				continue;
		}
		/* kallsyms_num_syms: its names lie between it and the tokens,
		 * all read by now. */
		for (size_t p = p_done; p >= a + 8;) {
			p -= 8;
			p_done = p;
			uint32_t count = vmr_kallscan_num_syms(buf, tt, p);
			if (count) {
				candidates(read_virt, ctx, lo, hi, base + p, count, base + tt,
					   base + ti, out, n);
				if (*n) {
					free(buf);
					return NULL;
				}
			}
		}
	}
	free(buf);
	if (tt != SIZE_MAX)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "kallsyms: a token table at 0x%llx "
				     "but no names before it", (unsigned long long)(base + tt));
	return vmr_error_new(VMR_ERR_NOT_FOUND, "kallsyms: no token table in 0x%llx-0x%llx",
			     (unsigned long long)base, (unsigned long long)hi);
}
