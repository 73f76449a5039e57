/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: vmr_kernel_open() on an arbitrary small dump (the whole
 * kernel view: VMCOREINFO, KASLR slide and bases, page tables, kallsyms and
 * the other in-memory sources, without a vmlinux), then the description
 * and owner of an address in each region of the layout it built (owner
 * walks: modules, vmap areas, tasks and stacks, per-cpu, slab, page).
 * Input: a dump file, usually ELF.  Seeds: the synthetic ELF dumps of the
 * dump target (page tables and VMCOREINFO) and heads of the corpus's ELF
 * dumps.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmregion/dump.h>
#include <vmregion/kernel.h>
#include <vmregion/owner.h>

#include "dumpinput.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmr_dump *d;
	struct vmr_kernel *k = NULL;
	int fd = fuzz_open_dump(data, size, &d);
	if (fd < 0)
		return 0;
	struct vmr_error *err = vmr_kernel_open(d, NULL, &k);
	if (err) {
		vmr_error_free(err);
		vmr_dump_close(d);
		close(fd);
		return 0;
	}
	const struct vmr_layout *l = vmr_kernel_layout(k);
	struct vmr_addrinfo info;
	struct vmr_owner owner;
	for (unsigned int i = 0; i < l->nregions && i < VMR_LAYOUT_MAX_REGIONS; i++) {
		uint64_t a = l->regions[i].start + 0x1000;
		if (a < l->regions[i].start || a > l->regions[i].end)
			a = l->regions[i].start;
		vmr_kernel_describe(k, a, &info);
		vmr_error_free(vmr_owner_lookup(k, &info, &owner));
	}
	uint64_t w;
	vmr_error_free(vmr_kernel_read(k, l->image_start.value, &w, sizeof(w)));
	vmr_kernel_close(k);
	vmr_dump_close(d);
	close(fd);
	return 0;
}
