/* SPDX-License-Identifier: MIT */
/**
 * @file vmlcache.h  The vmlinux cache: one file per build-id,
 * CACHE_DIR/BUILD_ID.vmlinux, holding the vmlinux unwrapped from zstd and
 * with its compressed debug sections inflated.  `vmregion gdb` hands it to
 * gdb (which reads neither zstd files nor, quickly, compressed DWARF), and
 * `-k` opens it instead of a compressed vmlinux of that build-id: a source
 * line then needs no inflating (~20 ms instead of ~110 ms for a 6.12
 * vmlinux with zlib-compressed DWARF, plus 45-60 ms of zstd unwrapping).
 *
 * CACHE_DIR is $XDG_CACHE_HOME/vmregion, else $HOME/.cache/vmregion; a
 * non-empty $VMREGION_NO_CACHE turns the cache off for `-k` (not for gdb,
 * which needs the file).  Files are named by the build-id and checked
 * against it when written and when used.  Internal.
 */
#ifndef VMR_DWARF_VMLCACHE_H
#define VMR_DWARF_VMLCACHE_H

#include <stdbool.h>

#include <vmregion/error.h>

/** The cache directory (malloc'd), or NULL when there is none. */
char *vmr_vmlcache_dir(void);

/** @return true if @p id is a plausible build-id (lowercase hex, 1..128). */
bool vmr_vmlcache_valid_id(const char *id);

/** CACHE_DIR/BUILD_ID.vmlinux (malloc'd), or NULL (no memory, bad id). */
char *vmr_vmlcache_path(const char *dir, const char *build_id);

/**
 * The cache file to open instead of @p path: it exists, and @p path (the
 * same device, inode, size and mtime) was checked before to have
 * @p build_id.  @return its path (malloc'd), or NULL.
 */
char *vmr_vmlcache_lookup(const char *dir, const char *build_id, const char *path);

/**
 * Record that @p path has @p build_id (the caller checked it), when the
 * cache file for that build-id exists: later lookups of @p path find it.
 */
void vmr_vmlcache_note_source(const char *dir, const char *build_id, const char *path);

/**
 * Write the cache file for @p path (plain or zstd-wrapped): created under a
 * temporary name, checked to have the build-id @p build_id, then renamed
 * into place (so readers never see half a file; concurrent writers each
 * finish, the last rename wins).
 * @param[out] out its path (malloc'd).
 * @return NULL, VMR_ERR_MISMATCH (another build-id), VMR_ERR_INVALID (bad
 *         build-id), VMR_ERR_FORMAT (a layout this writer does not handle:
 *         an allocated section after a compressed one, or a corrupt file),
 *         VMR_ERR_LIMIT (a section inflating past 4 GiB), VMR_ERR_IO.
 */
struct vmr_error *vmr_vmlcache_write(const char *path, const char *dir,
				     const char *build_id, char **out);

/**
 * Write the cache file for @p path in a detached background process at
 * the lowest priority, unless one is being written or (without @p replace)
 * exists: the caller answers from the compressed file meanwhile, later
 * runs from the cache.  Nothing is reported; a failure leaves no cache.
 * @p replace rewrites a cache file that is still compressed (older
 * versions only unwrapped zstd); @p path may then be that file itself.
 */
void vmr_vmlcache_write_background(const char *path, const char *dir,
				   const char *build_id, bool replace);

#endif
