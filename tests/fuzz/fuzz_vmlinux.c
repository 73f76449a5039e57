/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the vmlinux reader (dwarf/vmlinux.c, dwarfinfo.c,
 * dwarfload.c, secstream.c): ELF and section checks, the symbol index,
 * the build-id note, sections, BTF and DWARF types, and source lines
 * through the on-demand loader of compressed DWARF (.debug_aranges index,
 * partial inflating, read-ahead).  The input is a whole vmlinux (ELF,
 * possibly zstd-wrapped).  Seeds: small executables built with -g and
 * zlib-compressed, plain and DWARF 4 debug sections (mkseeds.py).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/file.h"
#include "dwarf/vmlinux.h"

#include "fuzz.h"

/* libdw 0.188's dwarf_getscopes() keeps the scope array it was building
 * when a later step fails on corrupt DWARF (it returns -1 and hands out
 * nothing to free): tens of bytes per failed lookup, in libdw, not here.
 * The fast unwinder names only libdw.so (no frame pointers there), so the
 * suppression is by library; a missing dwarf_end() of ours would still
 * show in the unit and corpus tests under ASan, which do not suppress it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libdw.so\n";
}

static const char *const names[] = {
	"_start", "main", "f", "_text", "jiffies", "init_task", "", "vmr_fuzz_data",
};
static const char *const sections[] = {
	".text", ".BTF", ".debug_info", ".debug_aranges", ".orc_unwind", ".data", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-vmlinux", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct vmr_vmlinux *v = NULL;
	struct vmr_error *err = vmr_write_all(fd, data, size) ? NULL : vmr_vmlinux_open(path, &v);
	vmr_error_free(err);
	if (!v) {
		close(fd);
		return 0;
	}
	/* The last byte picks the read-ahead (threads) or questions alone. */
	if (size && data[size - 1] & 1)
		vmr_vmlinux_prefetch_lines(v);
	(void)vmr_vmlinux_build_id(v);
	(void)vmr_vmlinux_compressed(v);
	(void)vmr_vmlinux_symbol_count(v);
	uint64_t addrs[2 * sizeof(names) / sizeof(names[0])];
	size_t naddr = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t a, sz;
		if (vmr_vmlinux_symbol(v, names[i], &a, &sz)) {
			addrs[naddr++] = a;
			addrs[naddr++] = a + (sz > 1 ? sz - 1 : 0);
		}
	}
	for (size_t i = 0; i < naddr; i++) {
		const char *name;
		uint64_t start, sz;
		char type;
		(void)vmr_vmlinux_symbolize(v, addrs[i], &name, &start, &sz, &type);
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		uint64_t addr, ssize;
		const void *bytes;
		vmr_error_free(vmr_vmlinux_section(v, sections[i], &addr, &ssize, &bytes));
	}
	uint64_t tsize;
	vmr_vmlinux_set_type_source(v, VMR_TYPES_BTF);
	vmr_error_free(vmr_vmlinux_type_size(v, "task_struct", &tsize));
	/* Lines first (partial loading), then a DWARF type (every unit). */
	for (size_t i = 0; i < naddr; i++) {
		struct vmr_source_line sl;
		vmr_error_free(vmr_vmlinux_source_line(v, addrs[i], &sl));
	}
	vmr_vmlinux_set_type_source(v, VMR_TYPES_DWARF);
	vmr_error_free(vmr_vmlinux_type_size(v, "struct s", &tsize));
	vmr_error_free(vmr_vmlinux_member_offset(v, "s", "b", &tsize));
	vmr_vmlinux_close(v);
	close(fd);
	return 0;
}
