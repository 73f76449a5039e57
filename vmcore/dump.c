/* SPDX-License-Identifier: MIT */
/**
 * @file dump.c  Opening a dump: unwrap zstd, detect the format from the first
 * bytes (x86_64-layout.md §4.4), reassemble a flattened stream, hand over to
 * the ELF or kdump reader; the public accessors.
 */
#define _GNU_SOURCE
#include "vmcore/dump-priv.h"
#include "common/error.h"
#include "common/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum detected { DETECT_UNKNOWN, DETECT_ELF, DETECT_KDUMP, DETECT_FLAT };

static enum detected detect(const unsigned char *head, size_t n)
{
	if (n >= 4 && !memcmp(head, "\177ELF", 4))
		return DETECT_ELF;
	if (n >= 8 && (!memcmp(head, "KDUMP   ", 8) || !memcmp(head, "DISKDUMP", 8)))
		return DETECT_KDUMP;
	if (n >= 13 && !memcmp(head, "makedumpfile", 13))
		return DETECT_FLAT;
	return DETECT_UNKNOWN;
}

/** Detect and open the format of d->fd; @p flat_ok allows a flattened stream. */
static struct vmr_error *open_format(struct vmr_dump *d, bool flat_ok)
{
	if (d->file_size == 0)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: empty file", d->path);
	unsigned char head[16];
	size_t n = d->file_size < sizeof(head) ? (size_t)d->file_size : sizeof(head);
	int e = vmr_pread_all(d->fd, head, n, 0);
	if (e) {
		char buf[128];
		return vmr_error_new(VMR_ERR_IO, "%s: read: %s", d->path,
				     strerror_r(e, buf, sizeof(buf)));
	}
	switch (detect(head, n)) {
	case DETECT_ELF:
		return vmr_elf_open(d);
	case DETECT_KDUMP:
		return vmr_kdump_open(d);
	case DETECT_FLAT:
		if (flat_ok) {
			int mfd;
			uint64_t size;
			struct vmr_error *err =
				vmr_flat_reassemble(d->path, d->fd, d->file_size, &mfd, &size);
			if (err)
				return err;
			close(d->fd);
			d->fd = mfd;
			d->file_size = size;
			d->info.flattened = true;
			return open_format(d, false);
		}
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: flattened stream inside a flattened stream", d->path);
	case DETECT_UNKNOWN:
		break;
	}
	if (d->info.flattened)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: the reassembled flattened stream is not a crash dump",
				     d->path);
	return vmr_error_new(VMR_ERR_FORMAT, "%s: not a crash dump (unknown format)", d->path);
}

struct vmr_error *vmr_dump_open(const char *path, struct vmr_dump **out)
{
	if (!path || !out)
		return vmr_error_new(VMR_ERR_INVALID, "vmr_dump_open: NULL argument");
	*out = NULL;
	struct vmr_dump *d = calloc(1, sizeof(*d));
	if (!d)
		return &vmr_enomem;
	d->fd = -1;
	d->fd2 = -1;
	d->path = strdup(path);
	if (!d->path) {
		free(d);
		return &vmr_enomem;
	}
	struct vmr_error *err = vmr_file_open_unwrapped(path, &d->fd, &d->file_size,
							&d->info.zstd_wrapped);
	if (!err)
		err = open_format(d, true);
	if (err) {
		vmr_dump_close(d);
		return err;
	}
	d->info.ncpus = d->notes.ncpus;
	*out = d;
	return NULL;
}

void vmr_dump_close(struct vmr_dump *d)
{
	if (!d)
		return;
	vmr_kdump_close(d);
	vmr_live_close(d);
	if (d->map)
		munmap((void *)d->map, d->map_size);
	if (d->fd >= 0)
		close(d->fd);
	vmr_notes_deinit(&d->notes);
	free(d->loads);
	free(d->segs);
	free(d->path);
	free(d);
}

const char *vmr_dump_path(const struct vmr_dump *d)
{
	return d ? d->path : NULL;
}

const struct vmr_dump_info *vmr_dump_get_info(const struct vmr_dump *d)
{
	return d ? &d->info : NULL;
}

const struct vmr_cpu_state *vmr_dump_cpu(const struct vmr_dump *d, unsigned int i)
{
	if (!d || i >= d->notes.ncpus)
		return NULL;
	return &d->notes.cpus[i];
}

bool vmr_dump_vmcoreinfo(const struct vmr_dump *d, const char **text, size_t *len)
{
	if (!d || !d->notes.has_vmcoreinfo)
		return false;
	if (text)
		*text = d->notes.vmcoreinfo;
	if (len)
		*len = d->notes.vmcoreinfo_len;
	return true;
}

size_t vmr_dump_segments(const struct vmr_dump *d, const struct vmr_load_segment **segs)
{
	if (segs)
		*segs = d ? d->segs : NULL;
	return d ? d->nsegs : 0;
}

struct vmr_error *vmr_dump_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				     size_t len)
{
	if (!len)
		return NULL;
	if (!d || !buf)
		return vmr_error_new(VMR_ERR_INVALID, "vmr_dump_read_phys: NULL argument");
	if (len - 1 > UINT64_MAX - paddr)
		return vmr_error_fault(paddr, "physical range 0x%llx + 0x%zx wraps around",
				       (unsigned long long)paddr, len);
	if (d->kctx)
		return vmr_kdump_read_phys(d, paddr, buf, len);
	if (d->live)
		return vmr_live_read_phys(d, paddr, buf, len);
	return vmr_elf_read_phys(d, paddr, buf, len);
}

bool vmr_dump_has_phys(struct vmr_dump *d, uint64_t paddr)
{
	if (!d)
		return false;
	if (d->kctx)
		return vmr_kdump_has_phys(d, paddr);
	if (d->live)
		return vmr_live_has_phys(d, paddr);
	return vmr_elf_has_phys(d, paddr);
}
