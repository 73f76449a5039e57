/* SPDX-License-Identifier: MIT */
/**
 * @file flatten.c  The makedumpfile flattened stream (makedumpfile -F, QEMU
 * before 8.2), reassembled once into an anonymous file (x86_64-layout.md
 * §4.4 "Flattened format").
 *
 * Layout: a 4096-byte header {"makedumpfile" NUL-padded to 16, be64 type 1,
 * be64 version 1}, then records {be64 offset, be64 size, size bytes}, each
 * meaning "these bytes go at offset of the reassembled file", ended by a
 * record with offset -1.  Records are written in stream order, so a later
 * record overwrites an earlier overlapping one, as makedumpfile -R does.
 */
#define _GNU_SOURCE
#include "vmcore/dump-priv.h"
#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FLAT_HEADER_SIZE 4096
#define FLAT_SIGNATURE "makedumpfile"
/** Largest reassembled file we accept (the memfd is sparse; this bounds offsets). */
#define FLAT_MAX_OUTPUT (1ULL << 40)


/** Check the 4096-byte header of the mapped stream. */
static struct vmr_error *flat_header(const char *path, const unsigned char *m, uint64_t size)
{
	if (size < FLAT_HEADER_SIZE)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: truncated flattened header (%llu bytes, need %u)",
				     path, (unsigned long long)size, FLAT_HEADER_SIZE);
	if (memcmp(m, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: bad flattened signature", path);
	uint64_t type = vmr_be64(m + 16), version = vmr_be64(m + 24);
	if (type != 1 || version != 1)
		return vmr_error_new(VMR_ERR_UNSUPPORTED,
				     "%s: flattened stream of type %llu version %llu (1, 1 expected)",
				     path, (unsigned long long)type, (unsigned long long)version);
	return NULL;
}

/** Copy every record of the stream into @p mfd. */
static struct vmr_error *flat_copy(const char *path, const unsigned char *m, uint64_t size,
				   int mfd, uint64_t *out_size)
{
	uint64_t pos = FLAT_HEADER_SIZE, end = 0;
	/* Each record takes at least 16 bytes: the loop ends by pos < size. */
	for (uint64_t rec = 0;; rec++) {
		if (size - pos < 16)
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: truncated flattened stream: no end marker (record %llu at 0x%llx)",
					     path, (unsigned long long)rec,
					     (unsigned long long)pos);
		int64_t off = (int64_t)vmr_be64(m + pos);
		int64_t len = (int64_t)vmr_be64(m + pos + 8);
		if (off == -1)
			break;
		pos += 16;
		if (off < 0 || len < 0)
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: flattened record %llu at 0x%llx: negative offset or size",
					     path, (unsigned long long)rec,
					     (unsigned long long)(pos - 16));
		if ((uint64_t)len > size - pos)
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: flattened record %llu at 0x%llx: size 0x%llx goes past the end of the file (0x%llx bytes)",
					     path, (unsigned long long)rec,
					     (unsigned long long)(pos - 16), (unsigned long long)len,
					     (unsigned long long)size);
		if ((uint64_t)off > FLAT_MAX_OUTPUT || (uint64_t)len > FLAT_MAX_OUTPUT - (uint64_t)off)
			return vmr_error_new(VMR_ERR_LIMIT,
					     "%s: flattened record %llu writes at 0x%llx+0x%llx (limit 0x%llx)",
					     path, (unsigned long long)rec, (unsigned long long)off,
					     (unsigned long long)len,
					     (unsigned long long)FLAT_MAX_OUTPUT);
		int e = vmr_pwrite_all(mfd, m + pos, (size_t)len, (uint64_t)off);
		if (e) {
			char buf[128];
			return vmr_error_new(e == ENOSPC || e == ENOMEM ? VMR_ERR_NOMEM : VMR_ERR_IO,
					     "%s: reassembling the flattened stream: %s", path,
					     strerror_r(e, buf, sizeof(buf)));
		}
		/* An empty record writes nothing: the memfd does not grow to
		 * its offset, so it must not count (mapping past the end of a
		 * file is a SIGBUS). */
		if (len && (uint64_t)(off + len) > end)
			end = (uint64_t)(off + len);
		pos += (uint64_t)len;
	}
	if (!end)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: flattened stream holds no data", path);
	*out_size = end;
	return NULL;
}

struct vmr_error *vmr_flat_reassemble(const char *path, int fd, uint64_t size,
				      int *out_fd, uint64_t *out_size)
{
	if (size < FLAT_HEADER_SIZE)
		return flat_header(path, NULL, size); /* the size check comes first */
	const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		char buf[128];
		return vmr_error_new(VMR_ERR_IO, "%s: mapping the flattened stream: %s", path,
				     strerror_r(errno, buf, sizeof(buf)));
	}
	madvise((void *)m, size, MADV_SEQUENTIAL);
	struct vmr_error *err = flat_header(path, m, size);
	int mfd = -1;
	if (!err) {
		mfd = memfd_create("vmregion-flat", MFD_CLOEXEC);
		if (mfd < 0) {
			char buf[128];
			err = vmr_error_new(VMR_ERR_IO, "%s: memfd_create: %s", path,
					    strerror_r(errno, buf, sizeof(buf)));
		}
	}
	if (!err)
		err = flat_copy(path, m, size, mfd, out_size);
	munmap((void *)m, size);
	if (err) {
		if (mfd >= 0)
			close(mfd);
		return err;
	}
	*out_fd = mfd;
	return NULL;
}
