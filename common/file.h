/* SPDX-License-Identifier: MIT */
/** @file file.h  Opening input files read-only, unwrapping zstd. */
#ifndef VMR_COMMON_FILE_H
#define VMR_COMMON_FILE_H

#include <vmregion/error.h>

/**
 * Open @p path read-only.  If its content starts with the zstd frame magic,
 * decompress it once into an anonymous file (memfd) and return that instead.
 * @param[out] fd the descriptor to read (the caller closes it).
 * @param[out] size its size in bytes.
 * @param[out] was_zstd true if @p path was zstd-wrapped; may be NULL.
 * @return NULL, or an error naming @p path (VMR_ERR_IO, VMR_ERR_FORMAT for a
 *         corrupt zstd stream, VMR_ERR_LIMIT for an absurd declared size).
 */
struct vmr_error *vmr_file_open_unwrapped(const char *path, int *fd, uint64_t *size,
					  bool *was_zstd);

/** Read exactly @p len bytes at @p off. @return 0 or an errno (EIO: file too short). */
int vmr_pread_all(int fd, void *buf, size_t len, uint64_t off);
/** Write all @p len bytes (at @p off for the p-variant). @return 0 or an errno. */
int vmr_write_all(int fd, const void *buf, size_t len);
int vmr_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/** mkdir -p @p dir; new levels get mode 0700 (caches of one user). @return 0 or an errno. */
int vmr_make_dirs(const char *dir);

#endif
