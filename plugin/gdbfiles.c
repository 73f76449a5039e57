/* SPDX-License-Identifier: MIT */
/* A vmlinux gdb can read: zstd-wrapped files decompressed once into the
 * vmlinux cache (dwarf/vmlcache.h), shared with `-k`. */
#define _GNU_SOURCE
#include "plugin/gdbfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "dwarf/vmlcache.h"

/* Is @p path zstd-wrapped (by its magic)?  @return 0 or an errno. */
static int is_zstd(const char *path, bool *zstd)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	unsigned char m[4] = { 0 };
	*zstd = read(fd, m, 4) == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f &&
		m[3] == 0xfd;
	close(fd);
	return 0;
}

struct vmr_error *vmr_gdb_vmlinux_file(const char *path, const char *cache_dir,
				       const char *build_id, char **out, bool *created)
{
	bool zstd = false;
	if (created)
		*created = false;
	*out = NULL;
	int rc = is_zstd(path, &zstd);
	if (rc)
		return vmr_error_new(VMR_ERR_IO, "%s: %s", path, strerror(rc));
	if (!zstd) {
		*out = strdup(path);
		return *out ? NULL : &vmr_enomem;
	}
	if (!build_id || !cache_dir || !vmr_vmlcache_valid_id(build_id))
		return vmr_error_new(VMR_ERR_INVALID,
				     "%s: compressed, and no build-id or cache directory to "
				     "decompress it for gdb", path);
	/* Reuse a cache file made before (named by its checked build-id). */
	char *cached = vmr_vmlcache_path(cache_dir, build_id);
	struct stat st;
	if (!cached)
		return &vmr_enomem;
	if (!stat(cached, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		*out = cached;
		return NULL;
	}
	free(cached);
	struct vmr_error *err = vmr_vmlcache_write(path, cache_dir, build_id, out);
	if (!err && created)
		*created = true;
	return err;
}
