/* SPDX-License-Identifier: MIT */
/**
 * @file vmlcache.c  The vmlinux cache (vmlcache.h): writing a vmlinux
 * unwrapped and with its debug sections inflated, and knowing which source
 * files it stands for.
 *
 * The file written keeps every byte of the original up to the first
 * compressed section (headers, program headers and every allocated
 * section, which a vmlinux places before its debug sections), then lays
 * the remaining sections out again, inflated, and the section headers
 * after them.  A layout where an allocated section or a segment comes
 * after a compressed section is refused rather than rewritten.
 *
 * CACHE_DIR/BUILD_ID.sources lists the files (device, inode, size,
 * mtime) known to have that build-id, so that `-k FILE` uses the cache
 * only for a file checked before: a vmlinux of another build must still be
 * reported as such, not replaced silently by the dump's.
 */
#define _GNU_SOURCE
#include "dwarf/vmlcache.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "dwarf/secstream.h"
#include "dwarf/vmlinux.h"

#define COPY_CHUNK (4u << 20)
/** Largest inflated section written (a zlib stream can claim ~1000x). */
#define MAX_SECTION (4ull << 30)

char *vmr_vmlcache_dir(void)
{
	char *d = NULL;
	const char *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (x && x[0] == '/') {
		if (asprintf(&d, "%s/vmregion", x) < 0)
			d = NULL;
	} else if (home && home[0] == '/') {
		if (asprintf(&d, "%s/.cache/vmregion", home) < 0)
			d = NULL;
	}
	return d;
}

bool vmr_vmlcache_valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n && n <= 128 && strspn(id, "0123456789abcdef") == n;
}

char *vmr_vmlcache_path(const char *dir, const char *build_id)
{
	char *p;
	if (!vmr_vmlcache_valid_id(build_id) || asprintf(&p, "%s/%s.vmlinux", dir, build_id) < 0)
		return NULL;
	return p;
}

/* ------------------------------------------------------ source files */

static void source_line(const struct stat *st, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 ".%09ld\n",
		 (uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_size,
		 (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

/** Is @p path listed in CACHE_DIR/BUILD_ID.sources (same file, unchanged)? */
static bool source_known(const char *dir, const char *build_id, const char *path)
{
	struct stat st;
	char *list;
	if (stat(path, &st) || asprintf(&list, "%s/%s.sources", dir, build_id) < 0)
		return false;
	FILE *f = fopen(list, "re");
	free(list);
	if (!f)
		return false;
	char want[128], line[256];
	source_line(&st, want, sizeof(want));
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	fclose(f);
	return found;
}

/** Add @p path (checked to have BUILD_ID) to CACHE_DIR/BUILD_ID.sources. */
static void source_add(const char *dir, const char *build_id, const char *path)
{
	struct stat st;
	char *list;
	if (stat(path, &st) || source_known(dir, build_id, path) ||
	    asprintf(&list, "%s/%s.sources", dir, build_id) < 0)
		return;
	/* One short write with O_APPEND: concurrent writers do not interleave. */
	int fd = open(list, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(list);
	if (fd < 0)
		return;
	char line[128];
	source_line(&st, line, sizeof(line));
	(void)!vmr_write_all(fd, line, strlen(line));
	close(fd);
}

char *vmr_vmlcache_lookup(const char *dir, const char *build_id, const char *path)
{
	char *cached = vmr_vmlcache_path(dir, build_id);
	struct stat st;
	if (!cached || stat(cached, &st) || !S_ISREG(st.st_mode) ||
	    !source_known(dir, build_id, path)) {
		free(cached);
		return NULL;
	}
	return cached;
}

void vmr_vmlcache_note_source(const char *dir, const char *build_id, const char *path)
{
	char *cached = vmr_vmlcache_path(dir, build_id);
	if (cached && !access(cached, R_OK))
		source_add(dir, build_id, path);
	free(cached);
}

/* ------------------------------------------------------------ writing */

static struct vmr_error *io_err(const char *path, int rc)
{
	return vmr_error_new(VMR_ERR_IO, "%s: %s", path, strerror(rc));
}

static struct vmr_error *copy_range(int in, int out, uint64_t off, uint64_t len,
				    const char *tmp, uint8_t *buf)
{
	for (uint64_t done = 0; done < len; done += COPY_CHUNK) {
		size_t n = len - done < COPY_CHUNK ? (size_t)(len - done) : COPY_CHUNK;
		int rc = vmr_pread_all(in, buf, n, off + done);
		if (!rc)
			rc = vmr_pwrite_all(out, buf, n, off + done);
		if (rc)
			return io_err(tmp, rc);
	}
	return NULL;
}

/** Inflate a section's stream into @p out at @p pos; exactly @p size bytes. */
static struct vmr_error *inflate_to(int out, uint64_t pos, const uint8_t *in, size_t in_len,
				    uint32_t type, uint64_t size, uint8_t *buf,
				    const char *src, const char *name, const char *tmp)
{
	struct vmr_secstream st;
	struct vmr_error *err = vmr_secstream_init(&st, type, in, in_len, size);
	const char *why = NULL;
	while (!err && !why && st.done < size) {
		uint64_t at = st.done, got;
		why = vmr_secstream_read(&st, buf, COPY_CHUNK, &got);
		int rc = vmr_pwrite_all(out, buf, got, pos + at);
		if (rc)
			err = io_err(tmp, rc);
	}
	vmr_secstream_end(&st);
	if (!err && why)
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %s: %s", src, name, why);
	else if (err && vmr_error_code(err) == VMR_ERR_FORMAT) {
		vmr_error_free(err);
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %s: unknown compression", src,
				    name);
	}
	return err;
}

/** Write the inflated ELF image of @p in (@p size bytes) into @p out. */
static struct vmr_error *write_image(int in, uint64_t size, int out, const char *src,
				     const char *tmp)
{
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(in, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	size_t shnum = 0, phnum = 0, shstrndx = 0;
	Elf64_Shdr *sh = NULL;
	uint8_t *buf = NULL;
	struct vmr_error *err = NULL;
	if (!e || elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64 ||
	    !gelf_getehdr(e, &eh) || elf_getshdrnum(e, &shnum) || elf_getphdrnum(e, &phnum) ||
	    elf_getshdrstrndx(e, &shstrndx) || !shnum || shnum > (1u << 20)) {
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: not an ELF64 file with sections", src);
		goto out;
	}
	sh = calloc(shnum, sizeof(*sh));
	buf = malloc(COPY_CHUNK);
	if (!sh || !buf) {
		err = &vmr_enomem;
		goto out;
	}
	/* Everything before the first compressed section stays as it is. */
	uint64_t cut = size;
	for (size_t i = 0; i < shnum; i++) {
		GElf_Shdr g;
		Elf_Scn *scn = elf_getscn(e, i);
		if (!scn || !gelf_getshdr(scn, &g)) {
			err = vmr_error_new(VMR_ERR_FORMAT, "%s: bad section header %zu", src, i);
			goto out;
		}
		sh[i] = (Elf64_Shdr){ g.sh_name, g.sh_type, g.sh_flags, g.sh_addr, g.sh_offset,
				      g.sh_size, g.sh_link, g.sh_info, g.sh_addralign,
				      g.sh_entsize };
		if (i && g.sh_type != SHT_NOBITS &&
		    (g.sh_offset > size || g.sh_size > size - g.sh_offset)) {
			err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %zu lies past the end "
					    "of the file", src, i);
			goto out;
		}
		if (i && (g.sh_flags & SHF_COMPRESSED) && g.sh_type != SHT_NOBITS &&
		    g.sh_offset < cut)
			cut = g.sh_offset;
	}
	if (cut > size) {
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: truncated", src);
		goto out;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) ||
		    (ph.p_filesz && (ph.p_offset > cut || ph.p_filesz > cut - ph.p_offset))) {
			err = vmr_error_new(VMR_ERR_FORMAT, "%s: a segment lies after the "
					    "compressed sections", src);
			goto out;
		}
	}
	if (sizeof(Elf64_Ehdr) > cut ||
	    (phnum && (eh.e_phoff > cut || phnum * sizeof(Elf64_Phdr) > cut - eh.e_phoff))) {
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: program headers after the "
				    "compressed sections", src);
		goto out;
	}
	if ((err = copy_range(in, out, 0, cut, tmp, buf)))
		goto out;
	uint64_t pos = cut;
	for (size_t i = 1; i < shnum; i++) {
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset + sh[i].sh_size <= cut)
			continue;
		const char *name = elf_strptr(e, shstrndx, sh[i].sh_name);
		if (!name)
			name = "?";
		if (sh[i].sh_offset < cut || (sh[i].sh_flags & SHF_ALLOC)) {
			err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %s lies after or "
					    "across the compressed sections", src, name);
			goto out;
		}
		Elf_Data *raw = elf_rawdata(elf_getscn(e, i), NULL);
		if (!raw || raw->d_size != sh[i].sh_size || (raw->d_size && !raw->d_buf)) {
			err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %s unreadable", src, name);
			goto out;
		}
		uint64_t align = sh[i].sh_addralign, len = sh[i].sh_size;
		Elf64_Chdr ch = { 0 };
		bool compressed = sh[i].sh_flags & SHF_COMPRESSED;
		if (compressed) {
			if (raw->d_size < sizeof(ch)) {
				err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %s: no "
						    "compression header", src, name);
				goto out;
			}
			memcpy(&ch, raw->d_buf, sizeof(ch));
			align = ch.ch_addralign;
			len = ch.ch_size;
			if (len > MAX_SECTION) {
				err = vmr_error_new(VMR_ERR_LIMIT, "%s: section %s inflates to "
						    "%llu bytes", src, name,
						    (unsigned long long)len);
				goto out;
			}
		}
		if (align > 1 && align <= 4096)
			pos = (pos + align - 1) & ~(align - 1);
		sh[i].sh_offset = pos;
		if (compressed) {
			err = inflate_to(out, pos, (const uint8_t *)raw->d_buf + sizeof(ch),
					 raw->d_size - sizeof(ch), ch.ch_type, len, buf, src, name,
					 tmp);
			if (err)
				goto out;
			sh[i].sh_size = len;
			sh[i].sh_flags &= ~(uint64_t)SHF_COMPRESSED;
			sh[i].sh_addralign = align;
		} else {
			int rc = vmr_pwrite_all(out, raw->d_buf, raw->d_size, pos);
			if (rc) {
				err = io_err(tmp, rc);
				goto out;
			}
		}
		pos += len;
	}
	pos = (pos + 7) & ~7ull;
	Elf64_Ehdr raw_eh;
	int rc = vmr_pwrite_all(out, sh, shnum * sizeof(*sh), pos);
	if (!rc)
		rc = vmr_pread_all(in, &raw_eh, sizeof(raw_eh), 0);
	if (!rc) {
		raw_eh.e_shoff = pos;
		rc = vmr_pwrite_all(out, &raw_eh, sizeof(raw_eh), 0);
	}
	if (rc)
		err = io_err(tmp, rc);
out:
	free(sh);
	free(buf);
	if (e)
		elf_end(e);
	return err;
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

struct vmr_error *vmr_vmlcache_write(const char *path, const char *dir,
				     const char *build_id, char **out)
{
	*out = NULL;
	if (!vmr_vmlcache_valid_id(build_id))
		return vmr_error_new(VMR_ERR_INVALID, "%s: no usable build-id to name its "
				     "cache file", path);
	int rc = vmr_make_dirs(dir);
	if (rc)
		return io_err(dir, rc);
	char *final = vmr_vmlcache_path(dir, build_id), *tmp = NULL;
	if (!final || asprintf(&tmp, "%s/.%s.vmlinux.%ld", dir, build_id, (long)getpid()) < 0) {
		free(final);
		return &vmr_enomem;
	}
	int fd, ofd = -1;
	uint64_t size;
	struct vmr_error *err = vmr_file_open_unwrapped(path, &fd, &size, NULL);
	if (!err) {
		unlink(tmp);
		ofd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (ofd < 0)
			err = io_err(tmp, errno);
		else
			err = write_image(fd, size, ofd, path, tmp);
		if (ofd >= 0 && close(ofd) && !err)
			err = io_err(tmp, errno);
		close(fd);
	}
	if (!err)
		err = check_build_id(tmp, build_id, path);
	if (!err && rename(tmp, final))
		err = io_err(final, errno);
	if (err) {
		unlink(tmp);
		free(tmp);
		free(final);
		return err;
	}
	source_add(dir, build_id, path);
	free(tmp);
	*out = final;
	return NULL;
}

void vmr_vmlcache_write_background(const char *path, const char *dir, const char *build_id,
				   bool replace)
{
	char *final = dir ? vmr_vmlcache_path(dir, build_id) : NULL;
	if (!final || (!replace && !access(final, F_OK))) {
		free(final);
		return;
	}
	free(final);
	/* Twice: the caller reaps the first child at once, the worker is
	 * adopted by init and outlives the caller. */
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (fork() != 0)
		_exit(0);
	setsid();
	/* Hold nothing of the caller's open: a pipe it reads from must see
	 * its end of file when the caller exits. */
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
	}
	close_range(3, ~0u, 0);
	(void)!nice(19);
	if (vmr_make_dirs(dir))
		_exit(0);
	char *lock;
	if (asprintf(&lock, "%s/.%s.lock", dir, build_id) < 0)
		_exit(0);
	int lfd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB))
		_exit(0); /* another process is writing it */
	char *done = vmr_vmlcache_path(dir, build_id);
	if (done && (replace || access(done, F_OK))) {
		char *out = NULL;
		struct vmr_error *err = vmr_vmlcache_write(path, dir, build_id, &out);
		vmr_error_free(err);
		free(out);
	}
	_exit(0);
}
