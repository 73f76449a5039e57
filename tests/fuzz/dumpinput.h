/* SPDX-License-Identifier: MIT */
/**
 * @file dumpinput.h  Open fuzz input as a dump file: the bytes go to a memfd
 * that vmr_dump_open() opens by its /proc/self/fd path (format detection,
 * zstd unwrapping, flattened reassembly, ELF or kdump reader), then the
 * accessors and a few physical reads run on what opened.
 */
#ifndef VMR_TESTS_FUZZ_DUMPINPUT_H
#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any include (memfd_create)"
#endif
#define VMR_TESTS_FUZZ_DUMPINPUT_H


#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmregion/dump.h>
#include <vmregion/vmcoreinfo.h>

#include "common/file.h"

/* libkdumpfile 0.5.1 is not freed after a failed open (vmcore/kdump.c says
 * why): that context is a known, deliberate leak, not a finding. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libkdumpfile.so\nleak:libaddrxlat.so\n";
}

/*
 * Open @p data as a dump file: a memfd opened by its /proc/self/fd path.
 * @return the memfd (close it after vmr_dump_close), or -1 when the input
 * could not be stored or did not open (*@p d NULL then).
 */
static inline int fuzz_open_dump(const uint8_t *data, size_t size, struct vmr_dump **d)
{
	*d = NULL;
	int fd = memfd_create("fuzz-dump", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct vmr_error *err = vmr_write_all(fd, data, size) ? NULL : vmr_dump_open(path, d);
	if (!*d) {
		vmr_error_free(err);
		close(fd);
		return -1;
	}
	return fd;
}

static inline void fuzz_read_some(struct vmr_dump *d, uint64_t paddr)
{
	static unsigned char page[2 * 4096];
	(void)vmr_dump_has_phys(d, paddr);
	vmr_error_free(vmr_dump_read_phys(d, paddr, page, 8));
	vmr_error_free(vmr_dump_read_phys(d, paddr, page, sizeof(page)));
}

static inline int fuzz_dump_input(const uint8_t *data, size_t size)
{
	struct vmr_dump *d;
	int fd = fuzz_open_dump(data, size, &d);
	if (fd < 0)
		return 0;
	struct vmr_error *err;
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	for (unsigned i = 0; i < info->ncpus && i < 64; i++)
		(void)vmr_dump_cpu(d, i);
	const char *text;
	size_t len;
	if (vmr_dump_vmcoreinfo(d, &text, &len)) {
		struct vmr_vmcoreinfo *vi = NULL;
		err = vmr_vmcoreinfo_parse(text, len, &vi);
		vmr_error_free(err);
		vmr_vmcoreinfo_free(vi);
	}
	const struct vmr_load_segment *segs;
	size_t nsegs = vmr_dump_segments(d, &segs);
	for (size_t i = 0; i < nsegs && i < 8; i++)
		fuzz_read_some(d, segs[i].paddr);
	fuzz_read_some(d, 0);
	fuzz_read_some(d, 0x1000);
	fuzz_read_some(d, 0x100000);
	if (info->max_paddr >= 4096)
		fuzz_read_some(d, info->max_paddr - 4096);
	fuzz_read_some(d, info->max_paddr);
	fuzz_read_some(d, UINT64_MAX - 4);
	vmr_dump_close(d);
	close(fd);
	return 0;
}

#endif
