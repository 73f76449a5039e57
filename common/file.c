/* SPDX-License-Identifier: MIT */
/**
 * @file file.c  Opening input files read-only; zstd-wrapped files are
 * decompressed once into an anonymous file (memfd).
 *
 * Fast path: when every frame declares its content size (zstd(1) always
 * writes it for files), the memfd is sized and allocated up front and the
 * whole input is decompressed in one call straight into a shared mapping of
 * the memfd: no intermediate buffer, no write(2) copies.  Otherwise the
 * stream is decompressed in bounded chunks and written to the memfd.
 */
#define _GNU_SOURCE
#include "common/file.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/** Largest decompressed size we accept (the memfd lives in memory). */
#define VMR_ZSTD_MAX_OUTPUT (64ULL << 30)
/*
 * Most bytes a valid zstd stream yields per input byte: a block holds at
 * most 128 KiB and takes at least 4 bytes (a 3-byte header and one RLE
 * byte).  A larger declared size is a lie that must not be allocated.
 */
#define VMR_ZSTD_MAX_RATIO 32768
/** Chunk sizes of the streaming path. */
#define VMR_ZSTD_IN_CHUNK (1U << 20)
#define VMR_ZSTD_OUT_CHUNK (4U << 20)

static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/** Thread-safe strerror. */
static const char *errtext(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

static struct vmr_error *io_error(const char *path, const char *what, int e)
{
	char buf[128];
	if (what)
		return vmr_error_new(VMR_ERR_IO, "%s: %s: %s", path, what,
				     errtext(e, buf, sizeof(buf)));
	return vmr_error_new(VMR_ERR_IO, "%s: %s", path, errtext(e, buf, sizeof(buf)));
}

/** Write all of @p len bytes to @p fd. @return 0 or an errno value. */
/* One loop for every full read or write: retry EINTR, stop on 0 bytes. */
static int transfer_all(int fd, void *buf, size_t len, uint64_t off, bool at, bool wr)
{
	char *p = buf;
	while (len) {
		if (at && off > (uint64_t)INT64_MAX)
			return EINVAL;
		size_t chunk = len > (1U << 30) ? (1U << 30) : len;
		ssize_t n = wr ? (at ? pwrite(fd, p, chunk, (off_t)off) : write(fd, p, chunk))
			       : pread(fd, p, chunk, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int vmr_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return transfer_all(fd, buf, len, off, true, false);
}

int vmr_write_all(int fd, const void *buf, size_t len)
{
	return transfer_all(fd, (void *)buf, len, 0, false, true);
}

int vmr_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return transfer_all(fd, (void *)buf, len, off, true, true);
}

/**
 * Streaming decompression of @p in_fd into @p out_fd, bounded by
 * VMR_ZSTD_MAX_OUTPUT.  On failure the memfd content is undefined.
 */
static struct vmr_error *unzstd_stream(const char *path, int in_fd, int out_fd,
				       uint64_t *out_size)
{
	struct vmr_error *err = NULL;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	char *in = malloc(VMR_ZSTD_IN_CHUNK);
	char *out = malloc(VMR_ZSTD_OUT_CHUNK);
	uint64_t total = 0;
	size_t last = 1; /* 0 once a frame is complete at the end of input */
	bool any = false;

	if (!dctx || !in || !out) {
		err = &vmr_enomem;
		goto out;
	}
	if (lseek(in_fd, 0, SEEK_SET) < 0) {
		err = io_error(path, "seek", errno);
		goto out;
	}
	for (;;) {
		ssize_t n = read(in_fd, in, VMR_ZSTD_IN_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = io_error(path, "read", errno);
			goto out;
		}
		if (n == 0)
			break;
		any = true;
		ZSTD_inBuffer ib = { in, (size_t)n, 0 };
		/* Each pass consumes input or fills output: bounded by both. */
		while (ib.pos < ib.size || last != 0) {
			ZSTD_outBuffer ob = { out, VMR_ZSTD_OUT_CHUNK, 0 };
			size_t before = ib.pos;
			last = ZSTD_decompressStream(dctx, &ob, &ib);
			if (ZSTD_isError(last)) {
				err = vmr_error_new(VMR_ERR_FORMAT,
						    "%s: corrupt zstd stream: %s", path,
						    ZSTD_getErrorName(last));
				goto out;
			}
			if (ob.pos) {
				total += ob.pos;
				if (total > VMR_ZSTD_MAX_OUTPUT) {
					err = vmr_error_new(VMR_ERR_LIMIT,
						"%s: zstd stream decompresses to more than %llu bytes",
						path, (unsigned long long)VMR_ZSTD_MAX_OUTPUT);
					goto out;
				}
				int e = vmr_write_all(out_fd, out, ob.pos);
				if (e) {
					err = io_error(path, "writing the decompressed dump", e);
					goto out;
				}
			}
			/* No progress and output not full: needs more input. */
			if (ib.pos == before && ob.pos < ob.size)
				break;
		}
	}
	if (!any || last != 0) {
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: truncated zstd stream", path);
		goto out;
	}
	*out_size = total;
out:
	free(in);
	free(out);
	ZSTD_freeDCtx(dctx);
	return err;
}

/**
 * Sum of the content sizes the frames declare (ZSTD_findDecompressedSize is
 * not in the stable API).  Each frame is at least a few bytes: bounded.
 */
static unsigned long long total_content_size(const void *in, size_t in_size)
{
	const char *p = in;
	unsigned long long total = 0;
	while (in_size) {
		unsigned long long fcs = ZSTD_getFrameContentSize(p, in_size);
		if (fcs == ZSTD_CONTENTSIZE_ERROR || fcs == ZSTD_CONTENTSIZE_UNKNOWN)
			return fcs;
		size_t csize = ZSTD_findFrameCompressedSize(p, in_size);
		if (ZSTD_isError(csize) || csize == 0 || csize > in_size)
			return ZSTD_CONTENTSIZE_ERROR;
		if (fcs > VMR_ZSTD_MAX_OUTPUT || total + fcs > VMR_ZSTD_MAX_OUTPUT)
			return VMR_ZSTD_MAX_OUTPUT + 1;
		total += fcs;
		p += csize;
		in_size -= csize;
	}
	return total;
}

/**
 * One-shot decompression of the mapped input into a preallocated memfd of
 * the declared size.  @return NULL, or an error; *handled false means the
 * caller should use the streaming path instead (sizes not declared).
 */
static struct vmr_error *unzstd_mapped(const char *path, const void *in, size_t in_size,
				       int out_fd, uint64_t *out_size, bool *handled)
{
	*handled = false;
	unsigned long long total = total_content_size(in, in_size);
	if (total == ZSTD_CONTENTSIZE_UNKNOWN)
		return NULL;
	*handled = true;
	if (total == ZSTD_CONTENTSIZE_ERROR)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: corrupt or truncated zstd stream", path);
	if (total > VMR_ZSTD_MAX_OUTPUT)
		return vmr_error_new(VMR_ERR_LIMIT,
				     "%s: zstd stream declares more than %llu bytes",
				     path, (unsigned long long)VMR_ZSTD_MAX_OUTPUT);
	if (total / VMR_ZSTD_MAX_RATIO > in_size)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: zstd stream of %zu bytes declares %llu bytes: more "
				     "than it can hold", path, in_size, total);
	*out_size = total;
	if (total == 0)
		return NULL;
	/* Allocate now so that a full tmpfs is an error, never a SIGBUS. */
	int e = posix_fallocate(out_fd, 0, (off_t)total);
	if (e) {
		char buf[128];
		return vmr_error_new(e == ENOSPC || e == ENOMEM ? VMR_ERR_NOMEM : VMR_ERR_IO,
				     "%s: cannot hold the decompressed dump (%llu bytes) in memory: %s",
				     path, total, errtext(e, buf, sizeof(buf)));
	}
	void *out = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 out_fd, 0);
	if (out == MAP_FAILED)
		return io_error(path, "mapping the decompressed dump", errno);
	struct vmr_error *err = NULL;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (!dctx) {
		err = &vmr_enomem;
		goto out;
	}
	size_t n = ZSTD_decompressDCtx(dctx, out, total, in, in_size);
	if (ZSTD_isError(n))
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: corrupt zstd stream: %s", path,
				    ZSTD_getErrorName(n));
	else if (n != total)
		err = vmr_error_new(VMR_ERR_FORMAT,
				    "%s: zstd stream holds %zu bytes, its header says %llu",
				    path, n, total);
	ZSTD_freeDCtx(dctx);
out:
	munmap(out, total);
	return err;
}

static struct vmr_error *unzstd(const char *path, int in_fd, uint64_t in_size,
				int *out_fd, uint64_t *out_size)
{
	struct vmr_error *err = NULL;
	int mfd = memfd_create("vmregion-unzstd", MFD_CLOEXEC);
	if (mfd < 0)
		return io_error(path, "memfd_create", errno);

	bool handled = false;
	void *in = MAP_FAILED;
	if (in_size > 0 && in_size <= SIZE_MAX)
		in = mmap(NULL, in_size, PROT_READ, MAP_PRIVATE, in_fd, 0);
	if (in != MAP_FAILED) {
		madvise(in, in_size, MADV_SEQUENTIAL);
		err = unzstd_mapped(path, in, in_size, mfd, out_size, &handled);
		munmap(in, in_size);
	}
	if (!err && !handled)
		err = unzstd_stream(path, in_fd, mfd, out_size);
	if (err) {
		close(mfd);
		return err;
	}
	*out_fd = mfd;
	return NULL;
}

struct vmr_error *vmr_file_open_unwrapped(const char *path, int *fdp, uint64_t *sizep,
					  bool *was_zstd)
{
	if (was_zstd)
		*was_zstd = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_error(path, NULL, errno);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		struct vmr_error *err = io_error(path, "stat", errno);
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return vmr_error_new(VMR_ERR_IO, "%s: is a directory", path);
	}
	unsigned char magic[4];
	ssize_t n;
	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		struct vmr_error *err = io_error(path, "read", errno);
		close(fd);
		return err;
	}
	if (n == (ssize_t)sizeof(magic) && !memcmp(magic, zstd_magic, sizeof(magic))) {
		int mfd = -1;
		uint64_t size = 0;
		struct vmr_error *err = unzstd(path, fd, (uint64_t)st.st_size, &mfd, &size);
		close(fd);
		if (err)
			return err;
		*fdp = mfd;
		*sizep = size;
		if (was_zstd)
			*was_zstd = true;
		return NULL;
	}
	*fdp = fd;
	*sizep = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return NULL;
}

int vmr_make_dirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return ENOMEM;
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0700) && errno != EEXIST) {
			rc = errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}
