/* SPDX-License-Identifier: MIT */
/**
 * @file gdbfiles.h  Files `vmregion gdb` hands to gdb.
 *
 * gdb 13 reads neither zstd-wrapped files nor compressed vmlinux images, so
 * a zstd-wrapped vmlinux is decompressed once into the vmlinux cache
 * (dwarf/vmlcache.h: a file named by its build-id, debug sections inflated,
 * the same one `-k` uses).  Exported for the command line only; not part of the installed
 * API.
 */
#ifndef VMR_PLUGIN_GDBFILES_H
#define VMR_PLUGIN_GDBFILES_H

#include <vmregion/error.h>

/**
 * A vmlinux gdb can read for @p path.  A plain file is @p path itself; a
 * zstd-wrapped one is decompressed into @p cache_dir/BUILD_ID.vmlinux (the
 * directory is created; an existing file is reused) and checked against
 * @p build_id (the dump's, lowercase hex).
 * @param[out] out the path to give gdb (malloc'd; the caller frees it).
 * @param[out] created true if the cache file was written now; may be NULL.
 * @return NULL, or an error: VMR_ERR_MISMATCH when the decompressed file has
 *         another build-id, VMR_ERR_INVALID when @p path is compressed and
 *         @p build_id or @p cache_dir is NULL, VMR_ERR_IO.
 */
VMR_API struct vmr_error *vmr_gdb_vmlinux_file(const char *path, const char *cache_dir,
					       const char *build_id, char **out,
					       bool *created);

#endif
