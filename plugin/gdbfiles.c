/* SPDX-License-Identifier: MIT */
/* A vmlinux gdb can read: zstd-wrapped files decompressed once into a cache. */
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
#include "common/file.h"
#include "dwarf/vmlinux.h"

/* mkdir -p for the cache directory (mode 0700 for new levels). */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return ENOMEM;
	int rc = 0;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
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
	}
	free(p);
	return rc;
}

static bool valid_build_id(const char *id)
{
	size_t n = strlen(id);
	return n && n <= 128 && strspn(id, "0123456789abcdef") == n;
}

/* Copy @p size bytes of @p fd into the new file @p path. */
static struct vmr_error *copy_out(int fd, uint64_t size, const char *path)
{
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return vmr_error_new(VMR_ERR_IO, "%s: %s", path, strerror(errno));
	enum { CHUNK = 4 << 20 };
	char *buf = malloc(CHUNK);
	int rc = buf ? 0 : ENOMEM;
	for (uint64_t off = 0; !rc && off < size; off += CHUNK) {
		size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		rc = vmr_pread_all(fd, buf, n, off);
		if (!rc)
			rc = vmr_write_all(out, buf, n);
	}
	free(buf);
	if (close(out) && !rc)
		rc = errno;
	if (rc)
		return vmr_error_new(VMR_ERR_IO, "%s: %s", path, strerror(rc));
	return NULL;
}

/* The file at @p path has the build-id @p want. */
static struct vmr_error *check_build_id(const char *path, const char *want, const char *shown)
{
	struct vmr_vmlinux *v;
	struct vmr_error *err = vmr_vmlinux_open(path, &v);
	if (err)
		return err;
	const char *have = vmr_vmlinux_build_id(v);
	if (!have || strcmp(have, want))
		err = vmr_error_new(VMR_ERR_MISMATCH, "%s: build-id %s, the dump's is %s", shown,
				    have ? have : "(none)", want);
	vmr_vmlinux_close(v);
	return err;
}

struct vmr_error *vmr_gdb_vmlinux_file(const char *path, const char *cache_dir,
				       const char *build_id, char **out, bool *created)
{
	int fd;
	uint64_t size;
	bool zstd;
	if (created)
		*created = false;
	*out = NULL;
	if (build_id && cache_dir && valid_build_id(build_id)) {
		/* Reuse a cache file made before (named by its checked build-id). */
		char *cached = NULL;
		if (asprintf(&cached, "%s/%s.vmlinux", cache_dir, build_id) < 0)
			return &vmr_enomem;
		struct stat st;
		int magic_fd = open(path, O_RDONLY | O_CLOEXEC);
		unsigned char m[4] = { 0 };
		bool is_zstd = magic_fd >= 0 && read(magic_fd, m, 4) == 4 &&
			       m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
		if (magic_fd >= 0)
			close(magic_fd);
		if (is_zstd && !stat(cached, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
			*out = cached;
			return NULL;
		}
		free(cached);
	}
	struct vmr_error *err = vmr_file_open_unwrapped(path, &fd, &size, &zstd);
	if (err)
		return err;
	if (!zstd) {
		close(fd);
		*out = strdup(path);
		return *out ? NULL : &vmr_enomem;
	}
	if (!build_id || !cache_dir || !valid_build_id(build_id)) {
		close(fd);
		return vmr_error_new(VMR_ERR_INVALID,
				     "%s: compressed, and no build-id or cache directory to "
				     "decompress it for gdb", path);
	}
	int rc = make_dirs(cache_dir);
	if (rc) {
		close(fd);
		return vmr_error_new(VMR_ERR_IO, "%s: %s", cache_dir, strerror(rc));
	}
	char *final = NULL, *tmp = NULL;
	if (asprintf(&final, "%s/%s.vmlinux", cache_dir, build_id) < 0 ||
	    asprintf(&tmp, "%s/.%s.vmlinux.%ld", cache_dir, build_id, (long)getpid()) < 0) {
		free(final);
		close(fd);
		return &vmr_enomem;
	}
	unlink(tmp);
	err = copy_out(fd, size, tmp);
	close(fd);
	if (!err)
		err = check_build_id(tmp, build_id, path);
	if (!err && rename(tmp, final))
		err = vmr_error_new(VMR_ERR_IO, "%s: %s", final, strerror(errno));
	if (err) {
		unlink(tmp);
		free(tmp);
		free(final);
		return err;
	}
	free(tmp);
	if (created)
		*created = true;
	*out = final;
	return NULL;
}
