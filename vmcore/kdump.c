/* SPDX-License-Identifier: MIT */
/**
 * @file kdump.c  kdump-compressed (diskdump) files: our own header checks and
 * note parsing, page reads through libkdumpfile (x86_64-layout.md §4.4).
 *
 * Pages are read by machine physical address (KDUMP_MACHPHYSADDR), which on
 * non-Xen dumps is the kernel physical address and needs no address
 * translation: libkdumpfile's own Linux translation setup is never relied
 * upon, so dumps without VMCOREINFO (QEMU's) open and read as well.
 */
#define _GNU_SOURCE
#include "vmcore/dump-priv.h"
#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>

/* struct disk_dump_header, x86_64 (makedumpfile diskdump_mod.h). */
#define DH_SIGNATURE 0
#define DH_VERSION 8
#define DH_UTSNAME 12 /* struct new_utsname: sysname first */
#define DH_STATUS 424
#define DH_BLOCK_SIZE 428
#define DH_SUB_HDR_SIZE 432
#define DH_BITMAP_BLOCKS 436
#define DH_MAX_MAPNR 440
#define DH_NR_CPUS 460
#define DH_SIZE 464

/* struct kdump_sub_header, x86_64. */
#define SH_PHYS_BASE 0
#define SH_OFFSET_VMCOREINFO 32 /* v3+ */
#define SH_SIZE_VMCOREINFO 40
#define SH_OFFSET_NOTE 48       /* v4+ */
#define SH_SIZE_NOTE 56
#define SH_OFFSET_ERASEINFO 64  /* v4+ */
#define SH_SIZE_ERASEINFO 72
#define SH_MAX_MAPNR_64 96      /* v6+ */
#define SH_SIZE 104

#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define DUMP_DH_COMPRESSED_LZO 0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_ZSTD 0x20

/** Page sizes we accept (libkdumpfile allows the same range). */
#define MIN_BLOCK_SIZE 4096
#define MAX_BLOCK_SIZE (256 * 1024)

static struct vmr_error *read_error(const struct vmr_dump *d, const char *what, int e)
{
	char buf[128];
	return vmr_error_new(VMR_ERR_IO, "%s: reading %s: %s", d->path, what,
			     e == EIO ? "file too short" : strerror_r(e, buf, sizeof(buf)));
}

static bool in_file(const struct vmr_dump *d, uint64_t off, uint64_t len)
{
	return off <= d->file_size && len <= d->file_size - off;
}

/** Read @p len bytes at @p off into a new buffer after checking the bounds. */
static struct vmr_error *read_blob(struct vmr_dump *d, const char *what, uint64_t off,
				   uint64_t len, uint64_t max, unsigned char **out)
{
	if (len > max)
		return vmr_error_new(VMR_ERR_LIMIT, "%s: %s of %llu bytes (limit %llu)",
				     d->path, what, (unsigned long long)len,
				     (unsigned long long)max);
	if (!in_file(d, off, len))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: %s (0x%llx bytes at offset 0x%llx) is not inside the file (0x%llx bytes)",
				     d->path, what, (unsigned long long)len,
				     (unsigned long long)off, (unsigned long long)d->file_size);
	unsigned char *buf = malloc(len + 1);
	if (!buf)
		return &vmr_enomem;
	int e = vmr_pread_all(d->fd, buf, len, off);
	if (e) {
		free(buf);
		return read_error(d, what, e);
	}
	buf[len] = 0;
	*out = buf;
	return NULL;
}

/** Count the set bits of the bitmap at @p bitmap_off below bit @p max_mapnr. */
static struct vmr_error *count_bits(struct vmr_dump *d, uint64_t bitmap_off, uint64_t max_mapnr,
				    uint64_t *pages)
{
	enum { CHUNK = 1 << 20 };
	uint64_t bytes = (max_mapnr + 7) / 8;
	unsigned char *buf = malloc(bytes < CHUNK ? (bytes ? bytes : 1) : CHUNK);
	if (!buf)
		return &vmr_enomem;
	uint64_t count = 0;
	for (uint64_t done = 0; done < bytes;) {
		size_t n = bytes - done < CHUNK ? (size_t)(bytes - done) : CHUNK;
		int e = vmr_pread_all(d->fd, buf, n, bitmap_off + done);
		if (e) {
			free(buf);
			return read_error(d, "the page bitmap", e);
		}
		if (done + n == bytes && max_mapnr % 8)
			buf[n - 1] &= (unsigned char)((1U << (max_mapnr % 8)) - 1);
		size_t i = 0;
		for (; i + 8 <= n; i += 8) {
			uint64_t w;
			memcpy(&w, buf + i, 8);
			count += (uint64_t)__builtin_popcountll(w);
		}
		for (; i < n; i++)
			count += (uint64_t)__builtin_popcount(buf[i]);
		done += n;
	}
	free(buf);
	*pages = count;
	return NULL;
}

/*
 * A copy cut short is the most common damage: the page descriptors follow
 * the bitmaps, one per set bit of the second ("dumped") bitmap, in pfn order,
 * and makedumpfile writes page data in the same order, except that all zero
 * pages share one copy near the start.  So the data of the last descriptors
 * (zero pages aside) ends the file: if it lies past the end, say so once here
 * instead of failing page by page later.
 */
static struct vmr_error *check_truncation(struct vmr_dump *d, uint64_t bitmap_off,
					  uint64_t bitmap_len, uint64_t max_mapnr)
{
	enum { PAGE_DESC_SIZE = 24, TAIL = 4096 };
	uint64_t dumped;
	if (max_mapnr > bitmap_len / 2 * 8)
		return NULL; /* a single bitmap (old diskdump): nothing to check */
	struct vmr_error *err = count_bits(d, bitmap_off + bitmap_len / 2, max_mapnr, &dumped);
	if (err || !dumped)
		return err;
	uint64_t n = dumped < TAIL ? dumped : TAIL;
	uint64_t first = bitmap_off + bitmap_len + (dumped - n) * PAGE_DESC_SIZE;
	if (!in_file(d, first, n * PAGE_DESC_SIZE)) {
		d->info.truncated = true;
		return NULL;
	}
	unsigned char *pd = malloc(n * PAGE_DESC_SIZE);
	if (!pd)
		return &vmr_enomem;
	int e = vmr_pread_all(d->fd, pd, n * PAGE_DESC_SIZE, first);
	if (e) {
		free(pd);
		return read_error(d, "the page descriptors", e);
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = vmr_le64(pd + i * PAGE_DESC_SIZE);
		uint64_t size = vmr_le32(pd + i * PAGE_DESC_SIZE + 8);
		if (!in_file(d, off, size)) {
			d->info.truncated = true;
			break;
		}
	}
	free(pd);
	return NULL;
}

/*
 * libkdumpfile 0.5.1 trusts page descriptors: a compressed size larger than
 * the page overflows its page buffer (a heap write), an offset past the end
 * of the file fails late or not at all.  So the descriptor of every page is
 * checked once, before the first kdump_read() that touches it: its index is
 * the number of dumped pages below it (the bitmap libkdumpfile uses, as
 * read_bitmap() picks it), found through a rank table per 4096 pfns.
 */
#define RANK_BITS 4096

/** Load the dumped-pages bitmap and its rank table. */
static struct vmr_error *desc_index(struct vmr_dump *d, uint64_t bitmap_off,
				    uint64_t bitmap_len, uint64_t max_mapnr)
{
	uint64_t off = bitmap_off, bits = bitmap_len * 8;
	if (max_mapnr <= bits / 2) { /* two bitmaps: the second says "dumped" */
		off += bitmap_len / 2;
		bits /= 2;
	}
	if (bits > max_mapnr)
		bits = max_mapnr;
	uint64_t bytes = (bits + 7) / 8, nrank = bits / RANK_BITS + 1;
	d->dumped = malloc(bytes ? bytes : 1);
	d->rank = malloc(nrank * sizeof(*d->rank));
	d->desc_ok = calloc(bytes ? bytes : 1, 1);
	if (!d->dumped || !d->rank || !d->desc_ok)
		return &vmr_enomem;
	int e = vmr_pread_all(d->fd, d->dumped, bytes, off);
	if (e)
		return read_error(d, "the page bitmap", e);
	if (bits % 8)
		d->dumped[bytes - 1] &= (unsigned char)((1U << (bits % 8)) - 1);
	uint64_t count = 0;
	for (uint64_t i = 0; i < bytes; i++) {
		if (i % (RANK_BITS / 8) == 0)
			d->rank[i / (RANK_BITS / 8)] = count;
		count += (uint64_t)__builtin_popcount(d->dumped[i]);
	}
	d->dumped_bits = bits;
	d->desc_off = bitmap_off + bitmap_len;
	return NULL;
}

/** Check the descriptors of the dumped pages in [pfn, last]. */
static struct vmr_error *check_descs(struct vmr_dump *d, uint64_t pfn, uint64_t last)
{
	enum { PAGE_DESC_SIZE = 24 };
	for (; pfn <= last && pfn < d->dumped_bits; pfn++) {
		unsigned char bit = (unsigned char)(1U << (pfn % 8));
		if (!(d->dumped[pfn / 8] & bit) || (d->desc_ok[pfn / 8] & bit))
			continue;
		uint64_t idx = d->rank[pfn / RANK_BITS];
		for (uint64_t i = pfn / RANK_BITS * (RANK_BITS / 8); i < pfn / 8; i++)
			idx += (uint64_t)__builtin_popcount(d->dumped[i]);
		idx += (uint64_t)__builtin_popcount(d->dumped[pfn / 8] & (bit - 1));
		unsigned char pd[PAGE_DESC_SIZE];
		int e = vmr_pread_all(d->fd, pd, sizeof(pd), d->desc_off + idx * PAGE_DESC_SIZE);
		if (e)
			return vmr_error_fault(pfn * d->page_size,
					       "%s: physical address 0x%llx: page descriptor %llu is not in the file",
					       d->path, (unsigned long long)(pfn * d->page_size),
					       (unsigned long long)idx);
		uint64_t off = vmr_le64(pd), size = vmr_le32(pd + 8);
		if (size > d->page_size || !in_file(d, off, size))
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: physical address 0x%llx: corrupt page descriptor %llu (0x%llx bytes at offset 0x%llx)",
					     d->path, (unsigned long long)(pfn * d->page_size),
					     (unsigned long long)idx, (unsigned long long)size,
					     (unsigned long long)off);
		d->desc_ok[pfn / 8] |= bit;
	}
	return NULL;
}

static const char *compression_name(uint32_t status)
{
	if (status & DUMP_DH_COMPRESSED_ZLIB)
		return "zlib";
	if (status & DUMP_DH_COMPRESSED_LZO)
		return "lzo";
	if (status & DUMP_DH_COMPRESSED_SNAPPY)
		return "snappy";
	if (status & DUMP_DH_COMPRESSED_ZSTD)
		return "zstd";
	return "none";
}

/*
 * libkdumpfile 0.5.1 reads the sub-header of any header_version >= 1, for
 * both signatures, and allocates the notes (v4+), VMCOREINFO (v3) and
 * erase info (v4+) it names before checking them against the file: huge
 * sizes there are huge allocations.  Refuse what is not inside the file.
 */
static struct vmr_error *sub_header_blobs(struct vmr_dump *d, const unsigned char *sh,
					  int32_t version)
{
	static const struct {
		const char *what;
		int min_version, max_version;
		unsigned off, size;
	} blobs[] = {
		{ "the kdump notes", 4, 1000, SH_OFFSET_NOTE, SH_SIZE_NOTE },
		{ "the VMCOREINFO text", 3, 3, SH_OFFSET_VMCOREINFO, SH_SIZE_VMCOREINFO },
		{ "the erase info", 4, 1000, SH_OFFSET_ERASEINFO, SH_SIZE_ERASEINFO },
	};
	for (size_t i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++) {
		if (version < blobs[i].min_version || version > blobs[i].max_version)
			continue;
		uint64_t off = vmr_le64(sh + blobs[i].off), len = vmr_le64(sh + blobs[i].size);
		if (len > VMR_MAX_NOTE_BYTES)
			return vmr_error_new(VMR_ERR_LIMIT, "%s: %s of %llu bytes (limit %u)",
					     d->path, blobs[i].what, (unsigned long long)len,
					     VMR_MAX_NOTE_BYTES);
		if (len && !in_file(d, off, len))
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: %s (0x%llx bytes at offset 0x%llx) is not inside the file (0x%llx bytes)",
					     d->path, blobs[i].what, (unsigned long long)len,
					     (unsigned long long)off,
					     (unsigned long long)d->file_size);
	}
	return NULL;
}

/*
 * libkdumpfile 0.5.1 turns each VMCOREINFO line into an attribute path, one
 * component per '.': a line that starts with '.' (an empty first component)
 * makes it read past its buffer inside kdump_open_fd() (a SEGV).  No kernel
 * writes such a line, so a dump with one is refused before libkdumpfile
 * parses it: every VMCOREINFO text it parses (the kdump notes named
 * VMCOREINFO*, v4+; the sub-header text, v3) is checked here.
 */
static struct vmr_error *check_vmcoreinfo_lines(const struct vmr_dump *d, const char *what,
						const unsigned char *t, uint64_t len)
{
	unsigned line = 1;
	for (uint64_t i = 0; i < len; i++) {
		if (t[i] == '.' && (i == 0 || t[i - 1] == '\n'))
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: %s: line %u starts with '.' (no kernel writes that; libkdumpfile cannot parse it)",
					     d->path, what, line);
		line += t[i] == '\n';
	}
	return NULL;
}

static struct vmr_error *check_note_vmcoreinfo(const struct vmr_dump *d,
					       const unsigned char *buf, uint64_t len)
{
	for (uint64_t off = 0; len - off >= 12;) {
		uint64_t namesz = vmr_le32(buf + off), descsz = vmr_le32(buf + off + 4);
		uint64_t desc = off + 12 + ((namesz + 3) & ~3ull);
		if (desc > len || descsz > len - desc)
			break;
		if (namesz >= 10 && !memcmp(buf + off + 12, "VMCOREINFO", 10)) {
			struct vmr_error *err = check_vmcoreinfo_lines(d, "VMCOREINFO note",
								       buf + desc, descsz);
			if (err)
				return err;
		}
		off = desc + ((descsz + 3) & ~3ull);
		if (off > len)
			break;
	}
	return NULL;
}

/** Sub-header facts: phys_base, notes, VMCOREINFO, 64-bit max_mapnr. */
static struct vmr_error *kdump_sub_header(struct vmr_dump *d, int32_t version,
					  uint64_t block_size, uint64_t *max_mapnr)
{
	unsigned char sh[SH_SIZE] = { 0 };
	int e = vmr_pread_all(d->fd, sh, SH_SIZE, block_size);
	if (e)
		return read_error(d, "the kdump sub-header", e);
	struct vmr_error *err = sub_header_blobs(d, sh, version);
	if (err)
		return err;
	d->info.has_phys_base_header = true;
	d->info.phys_base_header = vmr_le64(sh + SH_PHYS_BASE);
	if (version >= 6 && vmr_le64(sh + SH_MAX_MAPNR_64))
		*max_mapnr = vmr_le64(sh + SH_MAX_MAPNR_64);

	unsigned char *buf;
	if (version >= 4 && vmr_le64(sh + SH_SIZE_NOTE)) {
		uint64_t off = vmr_le64(sh + SH_OFFSET_NOTE);
		uint64_t len = vmr_le64(sh + SH_SIZE_NOTE);
		err = read_blob(d, "the kdump notes", off, len, VMR_MAX_NOTE_BYTES, &buf);
		if (err)
			return err;
		err = check_note_vmcoreinfo(d, buf, len);
		if (err) {
			free(buf);
			return err;
		}
		err = vmr_notes_parse(&d->notes, buf, len);
		free(buf);
		if (err)
			return vmr_error_prefix(err, "%s: kdump notes at offset 0x%llx", d->path,
						(unsigned long long)off);
	}
	if (!d->notes.has_vmcoreinfo && version >= 3 && vmr_le64(sh + SH_SIZE_VMCOREINFO)) {
		uint64_t off = vmr_le64(sh + SH_OFFSET_VMCOREINFO);
		uint64_t len = vmr_le64(sh + SH_SIZE_VMCOREINFO);
		err = read_blob(d, "the VMCOREINFO text", off, len, VMR_MAX_VMCOREINFO, &buf);
		if (err)
			return err;
		err = version == 3 ? check_vmcoreinfo_lines(d, "the sub-header VMCOREINFO text",
							     buf, len) : NULL;
		if (err) {
			free(buf);
			return err;
		}
		while (len && buf[len - 1] == '\0')
			len--;
		d->notes.vmcoreinfo = (char *)buf;
		d->notes.vmcoreinfo_len = len;
		d->notes.has_vmcoreinfo = true;
	}
	return NULL;
}

/** Give every CPU the header counts a (register-less) state. */
static struct vmr_error *header_cpus(struct vmr_dump *d, int32_t nr_cpus)
{
	if (nr_cpus <= 0 || d->notes.ncpus)
		return NULL;
	if (nr_cpus > VMR_MAX_CPUS)
		return vmr_error_new(VMR_ERR_LIMIT, "%s: nr_cpus %d (limit %u)", d->path,
				     nr_cpus, VMR_MAX_CPUS);
	d->notes.cpus = calloc((size_t)nr_cpus, sizeof(*d->notes.cpus));
	if (!d->notes.cpus)
		return &vmr_enomem;
	for (int32_t i = 0; i < nr_cpus; i++)
		d->notes.cpus[i].index = (unsigned int)i;
	d->notes.ncpus = (unsigned int)nr_cpus;
	return NULL;
}

/*
 * libkdumpfile 0.5.1 maps the file by default and copies page data out of
 * the mapping: a page descriptor pointing past the end of a truncated file
 * is then a SIGBUS, not an error.  read(2) only gives a short read.
 */
static kdump_status kdump_open_no_mmap(kdump_ctx_t *ctx, int fd)
{
	kdump_status s = kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY,
					       KDUMP_MMAP_NEVER);
	return s != KDUMP_OK ? s : kdump_open_fd(ctx, fd);
}

static struct vmr_error *kdump_lib_open(struct vmr_dump *d)
{
	d->kctx = kdump_new();
	if (!d->kctx)
		return &vmr_enomem;
	kdump_status s = kdump_open_no_mmap(d->kctx, d->fd);
	if (s != KDUMP_OK) {
		struct vmr_error *err = vmr_error_new(VMR_ERR_FORMAT, "%s: libkdumpfile: %s",
						      d->path, kdump_get_err(d->kctx)
						      ? kdump_get_err(d->kctx) : kdump_strerror(s));
		/* libkdumpfile 0.5.1 can crash in kdump_free() on a context whose
		 * open failed half-way (seen with a corrupt max_mapnr): leaking
		 * one context on a refused dump is the lesser evil. */
		d->kctx = NULL;
		return err;
	}
	kdump_attr_t attr = { .type = KDUMP_BITMAP };
	if (kdump_get_typed_attr(d->kctx, KDUMP_ATTR_FILE_PAGEMAP, &attr) == KDUMP_OK) {
		d->pagemap = attr.val.bitmap;
		kdump_bmp_incref(d->pagemap);
	}
	return NULL;
}

/*
 * libkdumpfile 0.5.1 tries the 32-bit header layout first (little-endian,
 * then big-endian) and keeps it when its block_size is a power of two from
 * 4 KiB to 256 KiB and its bitmap covers its max_mapnr.  In an x86_64
 * header those fields are the timestamp's microseconds, the status and our
 * block_size: a header that passes is read with fields none of our checks
 * saw (a corrupt one asked for an 8 GiB buffer).  It is refused instead.
 */
#define DH32_BLOCK_SIZE 416
#define DH32_BITMAP_BLOCKS 424
#define DH32_MAX_MAPNR 428

/** @return the block size libkdumpfile would take from a 32-bit layout, or 0. */
static uint32_t read_as_32bit(const unsigned char *h, bool *big_endian)
{
	for (int be = 0; be < 2; be++) {
		uint32_t bs = vmr_le32(h + DH32_BLOCK_SIZE);
		uint32_t blocks = vmr_le32(h + DH32_BITMAP_BLOCKS);
		uint32_t max = vmr_le32(h + DH32_MAX_MAPNR);
		if (be) {
			bs = __builtin_bswap32(bs);
			blocks = __builtin_bswap32(blocks);
			max = __builtin_bswap32(max);
		}
		if (bs < MIN_BLOCK_SIZE || bs > MAX_BLOCK_SIZE || (bs & (bs - 1)))
			continue;
		if ((uint64_t)8 * blocks * bs >= max) {
			*big_endian = be;
			return bs;
		}
	}
	return 0;
}

struct vmr_error *vmr_kdump_open(struct vmr_dump *d)
{
	unsigned char h[DH_SIZE];
	if (d->file_size < DH_SIZE)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: truncated kdump header (%llu bytes, need %u)", d->path,
				     (unsigned long long)d->file_size, DH_SIZE);
	int e = vmr_pread_all(d->fd, h, DH_SIZE, 0);
	if (e)
		return read_error(d, "the kdump header", e);
	bool kdump = !memcmp(h + DH_SIGNATURE, "KDUMP   ", 8);
	int32_t version = (int32_t)vmr_le32(h + DH_VERSION);
	uint32_t status = vmr_le32(h + DH_STATUS);
	int32_t block_size = (int32_t)vmr_le32(h + DH_BLOCK_SIZE);
	int32_t sub_hdr_size = (int32_t)vmr_le32(h + DH_SUB_HDR_SIZE);
	uint32_t bitmap_blocks = vmr_le32(h + DH_BITMAP_BLOCKS);
	uint64_t max_mapnr = vmr_le32(h + DH_MAX_MAPNR);
	int32_t nr_cpus = (int32_t)vmr_le32(h + DH_NR_CPUS);

	bool be32 = false;
	uint32_t bs32 = read_as_32bit(h, &be32);
	if (bs32)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: kdump header: libkdumpfile would take it for a 32-bit %s-endian header (block_size %u at offset %u)",
				     d->path, be32 ? "big" : "little", bs32, DH32_BLOCK_SIZE);
	if (block_size < MIN_BLOCK_SIZE || block_size > MAX_BLOCK_SIZE ||
	    (block_size & (block_size - 1)))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: kdump header: invalid block_size %d (a power of two from %d to %d expected)",
				     d->path, block_size, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE);
	if (version < 1 || version > 1000)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: kdump header: invalid header_version %d",
				     d->path, version);
	if (sub_hdr_size < 0 || (kdump && sub_hdr_size < 1))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: kdump header: invalid sub_hdr_size %d",
				     d->path, sub_hdr_size);
	uint64_t bs = (uint64_t)block_size;
	uint64_t bitmap_off = (1 + (uint64_t)sub_hdr_size) * bs;
	uint64_t bitmap_len = (uint64_t)bitmap_blocks * bs;
	if (!bitmap_blocks || !in_file(d, bitmap_off, bitmap_len))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: kdump header: bitmap (%u blocks at offset 0x%llx) is not inside the file (0x%llx bytes)",
				     d->path, bitmap_blocks, (unsigned long long)bitmap_off,
				     (unsigned long long)d->file_size);
	d->page_size = bs;

	struct vmr_error *err = NULL;
	if (kdump) {
		err = kdump_sub_header(d, version, bs, &max_mapnr);
	} else {
		/* DISKDUMP: libkdumpfile reads a sub-header all the same */
		unsigned char sh[SH_SIZE] = { 0 };
		e = vmr_pread_all(d->fd, sh, SH_SIZE, bs);
		err = e ? read_error(d, "the kdump sub-header", e) : sub_header_blobs(d, sh, version);
	}
	if (err)
		return err;
	/* Two bitmaps (RAM, dumped) of one bit per pfn, or (old) one. */
	if (max_mapnr > bitmap_len * 8)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: kdump header: max_mapnr %llu does not fit the bitmap (%llu bytes)",
				     d->path, (unsigned long long)max_mapnr,
				     (unsigned long long)bitmap_len);
	uint64_t ram_pages = 0;
	err = count_bits(d, bitmap_off, max_mapnr, &ram_pages);
	if (!err && kdump)
		err = check_truncation(d, bitmap_off, bitmap_len, max_mapnr);
	if (!err)
		err = desc_index(d, bitmap_off, bitmap_len, max_mapnr);
	if (!err)
		err = header_cpus(d, nr_cpus);
	if (!err)
		err = kdump_lib_open(d);
	if (err)
		return err;

	d->info.format = VMR_DUMP_KDUMP;
	d->info.format_name = "kdump-compressed";
	d->info.compression = compression_name(status);
	d->info.memory_bytes = ram_pages * bs;
	d->info.max_paddr = max_mapnr * bs;
	/*
	 * QEMU fills in only utsname.machine (qemu dump/dump.c create_header64);
	 * makedumpfile copies the kernel's utsname and keeps QEMU's CPU notes
	 * when it converts a QEMU ELF dump.
	 */
	if (d->notes.nqemu && h[DH_UTSNAME] == '\0')
		d->info.producer = "qemu";
	else if (kdump)
		d->info.producer = "makedumpfile";
	return NULL;
}

/* One kdump_read on one context: status and the bytes read before a failure. */
struct kread {
	kdump_ctx_t *ctx;
	uint64_t paddr;
	void *buf;
	size_t len, got;
	kdump_status s;
};

static void *kread_run(void *arg)
{
	struct kread *r = arg;
	r->got = r->len;
	r->s = kdump_read(r->ctx, KDUMP_MACHPHYSADDR, r->paddr, r->buf, &r->got);
	if (r->got > r->len)
		r->got = 0;
	return NULL;
}

/*
 * A second libkdumpfile context on its own descriptor (contexts are not
 * shared between threads), for the helper thread of large reads.
 */
static kdump_ctx_t *second_context(struct vmr_dump *d)
{
	if (d->kctx2 || d->kctx2_failed)
		return d->kctx2;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", d->fd);
	d->fd2 = open(path, O_RDONLY | O_CLOEXEC);
	kdump_ctx_t *c = d->fd2 >= 0 ? kdump_new() : NULL;
	if (!c || kdump_open_no_mmap(c, d->fd2) != KDUMP_OK) {
		/* Never kdump_free() a context whose open failed (see
		 * kdump_lib_open); large reads then stay on one thread. */
		d->kctx2_failed = true;
		return NULL;
	}
	d->kctx2 = c;
	return c;
}

/* Reads this large are split between two threads (two contexts): page
 * decompression is what large reads (kallsyms, BTF, log rings) cost. */
#define PARALLEL_READ_MIN (256u << 10)

/*
 * libkdumpfile (0.5.1 to 0.5.4) leaves its page cache broken after a failed
 * page read: the failed entry is discarded, the cache is no longer full,
 * and the next hit on a "ghost" entry (a page evicted earlier) takes its
 * buffer from the wrong list and gets none, so the page is read into NULL
 * (a segfault in kdump_read).  Page-table walks over a dump with excluded
 * pages do exactly that.  Two defences: pages the dump leaves out are
 * refused here, from our copy of the same bitmap, so libkdumpfile never
 * fails on them; and after any other failure the context's cache is
 * replaced by a new one (setting cache.size reallocates it; the same value
 * would be ignored, hence the toggled low bit).
 */
static bool pfn_dumped(const struct vmr_dump *d, uint64_t pfn)
{
	return pfn < d->dumped_bits && (d->dumped[pfn / 8] & (1U << (pfn % 8)));
}

static void reset_cache(kdump_ctx_t *ctx)
{
	kdump_num_t n;
	if (kdump_get_number_attr(ctx, "cache.size", &n) == KDUMP_OK && n)
		kdump_set_number_attr(ctx, "cache.size", n ^ 1);
}

/** The first page of [paddr, paddr + len) that is not in the dump, or len. */
static size_t dumped_prefix(const struct vmr_dump *d, uint64_t paddr, size_t len)
{
	uint64_t end = len - 1 > UINT64_MAX - paddr ? UINT64_MAX : paddr + len - 1;
	uint64_t pfn = paddr / d->page_size, last = end / d->page_size;
	for (; pfn <= last; pfn++)
		if (!pfn_dumped(d, pfn))
			return pfn * d->page_size <= paddr ? 0 : (size_t)(pfn * d->page_size - paddr);
	return len;
}

static struct vmr_error *not_dumped(uint64_t paddr)
{
	return vmr_error_fault(paddr, "physical address 0x%llx is not in the dump",
			       (unsigned long long)paddr);
}

/** Read pages that are all in the dump. */
static struct vmr_error *read_dumped(struct vmr_dump *d, uint64_t paddr, void *buf,
				     size_t len)
{
	struct vmr_error *err = check_descs(d, paddr / d->page_size,
					    (paddr + len - 1) / d->page_size);
	if (err)
		return err;
	struct kread a = { .ctx = d->kctx, .paddr = paddr, .buf = buf, .len = len };
	struct kread b = { .s = KDUMP_OK };
	pthread_t helper;
	bool parallel = false;
	if (len >= PARALLEL_READ_MIN && second_context(d)) {
		size_t half = (len / 2) & ~(size_t)(d->page_size - 1);
		b = (struct kread){ .ctx = d->kctx2, .paddr = paddr + half,
				    .buf = (char *)buf + half, .len = len - half };
		a.len = half;
		parallel = pthread_create(&helper, NULL, kread_run, &b) == 0;
		if (!parallel)
			a.len = len;
	}
	kread_run(&a);
	if (parallel)
		pthread_join(helper, NULL);
	if (a.s != KDUMP_OK)
		reset_cache(a.ctx);
	if (parallel && b.s != KDUMP_OK)
		reset_cache(b.ctx);
	/* The first failure in address order is the one to report. */
	struct kread *bad = a.s != KDUMP_OK ? &a : parallel && b.s != KDUMP_OK ? &b : NULL;
	if (!bad)
		return NULL;
	uint64_t at = bad->paddr + bad->got;
	if (bad->s == KDUMP_ERR_NODATA || bad->s == KDUMP_ERR_ADDRXLAT)
		return not_dumped(at);
	const char *msg = kdump_get_err(bad->ctx);
	return vmr_error_new(bad->s == KDUMP_ERR_SYSTEM ? VMR_ERR_IO : VMR_ERR_FORMAT,
			     "%s: physical address 0x%llx: %s", d->path,
			     (unsigned long long)at, msg ? msg : kdump_strerror(bad->s));
}

struct vmr_error *vmr_kdump_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				      size_t len)
{
	if (!len)
		return NULL;
	size_t n = dumped_prefix(d, paddr, len);
	struct vmr_error *err = n ? read_dumped(d, paddr, buf, n) : NULL;
	if (err || n == len)
		return err;
	return not_dumped(paddr + n);
}

bool vmr_kdump_has_phys(struct vmr_dump *d, uint64_t paddr)
{
	uint64_t pfn = paddr / d->page_size;
	if (d->pagemap) {
		unsigned char bit = 0;
		if (kdump_bmp_get_bits(d->pagemap, pfn, pfn, &bit) != KDUMP_OK)
			return false;
		return bit & 1;
	}
	if (!pfn_dumped(d, pfn))
		return false;
	struct vmr_error *err = check_descs(d, pfn, pfn);
	if (err) {
		vmr_error_free(err);
		return false;
	}
	unsigned char byte;
	size_t one = 1;
	if (kdump_read(d->kctx, KDUMP_MACHPHYSADDR, pfn * d->page_size, &byte, &one) ==
	    KDUMP_OK)
		return true;
	reset_cache(d->kctx);
	return false;
}

void vmr_kdump_close(struct vmr_dump *d)
{
	if (d->pagemap)
		kdump_bmp_decref(d->pagemap);
	if (d->kctx)
		kdump_free(d->kctx);
	if (d->kctx2)
		kdump_free(d->kctx2);
	if (d->fd2 >= 0)
		close(d->fd2);
	free(d->dumped);
	free(d->rank);
	free(d->desc_ok);
	d->dumped = d->desc_ok = NULL;
	d->rank = NULL;
	d->dumped_bits = 0;
	d->pagemap = NULL;
	d->kctx = NULL;
	d->kctx2 = NULL;
	d->fd2 = -1;
}
