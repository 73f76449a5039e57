/* SPDX-License-Identifier: MIT */
/**
 * @file elf.c  ELF vmcores (/proc/vmcore copies, makedumpfile -E, QEMU
 * dump-guest-memory) and /proc/kcore (x86_64-layout.md §4.4).
 *
 * The file is mapped read-only when it can be (kcore cannot: reads go
 * through pread).  Every header value is checked against the file size with
 * overflow-checked arithmetic.  PT_LOADs are sorted by physical address for
 * an O(log n) lookup; bytes past p_filesz are not in the dump.
 */
#define _GNU_SOURCE
#include "vmcore/dump-priv.h"
#include "common/error.h"
#include "common/sort.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/** kcore marks PT_LOADs that are not RAM (vmalloc, modules...) with this. */
#define KCORE_NO_PADDR UINT64_MAX
/** One past the highest x86_64 physical address (52-bit MAXPHYADDR). */
#define MAX_PHYS (1ULL << 52)
/** Start of the kernel-image mapping (__START_KERNEL_map). */
#define KERNEL_IMAGE_START 0xffffffff80000000ULL


/** Copy @p len file bytes at @p off (already checked against the file). */
static struct vmr_error *file_read(struct vmr_dump *d, uint64_t off, void *buf, size_t len)
{
	if (d->map) {
		memcpy(buf, d->map + off, len);
		return NULL;
	}
	int e = vmr_pread_all(d->fd, buf, len, off);
	if (e) {
		char tmp[128];
		return vmr_error_new(VMR_ERR_IO, "%s: read of %zu bytes at offset 0x%llx: %s",
				     d->path, len, (unsigned long long)off,
				     e == EIO ? "file too short" : strerror_r(e, tmp, sizeof(tmp)));
	}
	return NULL;
}

/** @return true if [off, off + len) lies inside the file. */
static bool in_file(const struct vmr_dump *d, uint64_t off, uint64_t len)
{
	return off <= d->file_size && len <= d->file_size - off;
}

static int load_cmp(const void *a, const void *b)
{
	const struct vmr_elf_load *x = a, *y = b;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/** Number of program headers, following the PN_XNUM extension. */
static struct vmr_error *elf_phnum(struct vmr_dump *d, const Elf64_Ehdr *eh, uint64_t *phnum)
{
	*phnum = eh->e_phnum;
	if (eh->e_phnum != PN_XNUM)
		return NULL;
	/* The real count is in section header 0's sh_info (k6.12 uapi elf.h). */
	if (!eh->e_shoff || eh->e_shentsize < sizeof(Elf64_Shdr) ||
	    !in_file(d, eh->e_shoff, sizeof(Elf64_Shdr)))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: e_phnum is PN_XNUM but section header 0 (e_shoff 0x%llx) is not in the file",
				     d->path, (unsigned long long)eh->e_shoff);
	Elf64_Shdr sh;
	struct vmr_error *err = file_read(d, eh->e_shoff, &sh, sizeof(sh));
	if (err)
		return err;
	*phnum = sh.sh_info;
	return NULL;
}

static struct vmr_error *elf_check_ehdr(struct vmr_dump *d, const Elf64_Ehdr *eh)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: not a 64-bit ELF file (class %u)",
				     d->path, eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: not a little-endian ELF file",
				     d->path);
	if (eh->e_type != ET_CORE)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: ELF file is not a core dump (e_type %u)", d->path,
				     eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return vmr_error_new(VMR_ERR_UNSUPPORTED,
				     "%s: not an x86_64 dump (e_machine %u)", d->path,
				     eh->e_machine);
	/* e_ehsize is not checked: QEMU 7.2 writes 8 there. */
	if (eh->e_phentsize < sizeof(Elf64_Phdr))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: e_phentsize %u < %zu", d->path,
				     eh->e_phentsize, sizeof(Elf64_Phdr));
	return NULL;
}

/** Read and parse one PT_NOTE. */
static struct vmr_error *elf_notes(struct vmr_dump *d, unsigned int idx, const Elf64_Phdr *ph,
				   uint64_t *note_bytes)
{
	if (!in_file(d, ph->p_offset, ph->p_filesz))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: PT_NOTE %u (0x%llx bytes at offset 0x%llx) is not inside the file (0x%llx bytes)",
				     d->path, idx, (unsigned long long)ph->p_filesz,
				     (unsigned long long)ph->p_offset,
				     (unsigned long long)d->file_size);
	*note_bytes += ph->p_filesz;
	if (*note_bytes > VMR_MAX_NOTE_BYTES)
		return vmr_error_new(VMR_ERR_LIMIT, "%s: more than %u bytes of notes",
				     d->path, VMR_MAX_NOTE_BYTES);
	const void *buf;
	void *copy = NULL;
	if (d->map) {
		buf = d->map + ph->p_offset;
	} else {
		copy = malloc(ph->p_filesz ? ph->p_filesz : 1);
		if (!copy)
			return &vmr_enomem;
		struct vmr_error *err = file_read(d, ph->p_offset, copy, ph->p_filesz);
		if (err) {
			free(copy);
			return err;
		}
		buf = copy;
	}
	struct vmr_error *err = vmr_notes_parse(&d->notes, buf, ph->p_filesz);
	free(copy);
	return vmr_error_prefix(err, "%s: PT_NOTE %u", d->path, idx);
}

/** Add one PT_LOAD. */
static struct vmr_error *elf_load(struct vmr_dump *d, unsigned int idx, const Elf64_Phdr *ph,
				  bool *partial, uint64_t mem[2])
{
	uint64_t filesz = ph->p_filesz, memsz = ph->p_memsz;
	if (memsz < filesz)
		memsz = filesz;
	/* x86_64 physical addresses have at most 52 bits (MAXPHYADDR). */
	if (ph->p_paddr != KCORE_NO_PADDR &&
	    (ph->p_paddr > MAX_PHYS || memsz > MAX_PHYS - ph->p_paddr))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: PT_LOAD %u: p_paddr 0x%llx + p_memsz 0x%llx overflows the 52-bit physical address space",
				     d->path, idx, (unsigned long long)ph->p_paddr,
				     (unsigned long long)memsz);
	if (ph->p_offset > d->file_size) {
		d->info.truncated = true;
		filesz = 0;
	} else if (filesz > d->file_size - ph->p_offset) {
		/* A cut-short copy: keep what is there, the rest faults. */
		d->info.truncated = true;
		filesz = d->file_size - ph->p_offset;
	}
	if (ph->p_filesz < ph->p_memsz)
		*partial = true;
	/* mem[0]: all PT_LOADs; mem[1]: kcore's RAM (not vmalloc, not the image). */
	mem[0] += memsz;
	if (ph->p_paddr != KCORE_NO_PADDR && ph->p_vaddr < KERNEL_IMAGE_START)
		mem[1] += memsz;
	if ((ph->p_vaddr >> 63) && ph->p_vaddr != ph->p_paddr && memsz)
		d->segs[d->nsegs++] = (struct vmr_load_segment){
			.vaddr = ph->p_vaddr, .paddr = ph->p_paddr, .size = memsz,
		};
	if (ph->p_paddr == KCORE_NO_PADDR || !memsz)
		return NULL;
	d->loads[d->nloads++] = (struct vmr_elf_load){
		.paddr = ph->p_paddr, .filesz = filesz, .memsz = memsz,
		.offset = ph->p_offset,
	};
	return NULL;
}

/** Sort the loads and fill in memory_bytes, max_paddr, producer, format. */
static void elf_finish(struct vmr_dump *d, bool partial, const uint64_t mem[2])
{
	vmr_sort(d->loads, d->nloads, sizeof(*d->loads), load_cmp);
	uint64_t max_end = 0;
	for (size_t i = 0; i < d->nloads; i++) {
		struct vmr_elf_load *l = &d->loads[i];
		if (l->filesz && l->paddr < max_end)
			d->info.overlapping_loads = true; /* (not said for kcore, below) */
		if (l->paddr + l->filesz > max_end)
			max_end = l->paddr + l->filesz;
		l->max_end = max_end;
		if (l->paddr + l->memsz > d->info.max_paddr)
			d->info.max_paddr = l->paddr + l->memsz;
	}

	const struct vmr_notes *n = &d->notes;
	bool kcore = !strcmp(d->path, "/proc/kcore") ||
		     (n->has_taskstruct && n->prstatus_all_zero && d->nsegs > 0);
	d->info.format = kcore ? VMR_DUMP_KCORE : VMR_DUMP_ELF;
	d->info.format_name = kcore ? "/proc/kcore" : "ELF vmcore";
	d->info.memory_bytes = mem[kcore];
	/* kcore's one NT_PRSTATUS is a zero-filled placeholder (fs/proc/kcore.c),
	 * not a CPU: a running system has no saved registers. */
	if (kcore && n->prstatus_all_zero)
		d->notes.ncpus = 0;
	/* kcore maps the kernel text and RAM over the same physical pages. */
	if (kcore)
		d->info.overlapping_loads = false;
	/*
	 * Producer, best effort: makedumpfile leaves traces (an ERASEINFO note,
	 * or PT_LOADs whose excluded tail has p_filesz < p_memsz); QEMU writes
	 * "QEMU" notes; a /proc/vmcore copy has kernel virtual addresses.
	 */
	if (kcore)
		d->info.producer = NULL;
	else if (n->has_eraseinfo || partial)
		d->info.producer = "makedumpfile";
	else if (n->nqemu)
		d->info.producer = "qemu";
	else if (d->nsegs)
		d->info.producer = "kdump";
}

struct vmr_error *vmr_elf_open(struct vmr_dump *d)
{
	if (d->file_size < sizeof(Elf64_Ehdr))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: truncated ELF header (%llu bytes, need %zu)", d->path,
				     (unsigned long long)d->file_size, sizeof(Elf64_Ehdr));
	if (d->file_size <= SIZE_MAX) {
		void *m = mmap(NULL, d->file_size, PROT_READ, MAP_PRIVATE, d->fd, 0);
		if (m != MAP_FAILED) {
			d->map = m;
			d->map_size = d->file_size;
		}
	}
	Elf64_Ehdr eh;
	struct vmr_error *err = file_read(d, 0, &eh, sizeof(eh));
	if (!err)
		err = elf_check_ehdr(d, &eh);
	uint64_t phnum = 0;
	if (!err)
		err = elf_phnum(d, &eh, &phnum);
	if (err)
		return err;
	if (phnum == 0)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: ELF core without program headers",
				     d->path);
	if (phnum > VMR_MAX_PHNUM)
		return vmr_error_new(VMR_ERR_LIMIT, "%s: %llu program headers (limit %u)",
				     d->path, (unsigned long long)phnum, VMR_MAX_PHNUM);
	uint64_t ph_bytes = phnum * eh.e_phentsize; /* < 2^22 * 2^16: no overflow */
	if (!in_file(d, eh.e_phoff, ph_bytes))
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: program headers (%llu x %u bytes at offset 0x%llx) go past the end of the file (0x%llx bytes)",
				     d->path, (unsigned long long)phnum, eh.e_phentsize,
				     (unsigned long long)eh.e_phoff,
				     (unsigned long long)d->file_size);
	Elf64_Phdr *phdrs = malloc(ph_bytes);
	d->loads = calloc(phnum, sizeof(*d->loads));
	d->segs = calloc(phnum, sizeof(*d->segs));
	if (!phdrs || !d->loads || !d->segs) {
		free(phdrs);
		return &vmr_enomem;
	}
	err = file_read(d, eh.e_phoff, phdrs, ph_bytes);
	uint64_t note_bytes = 0;
	bool partial = false;
	uint64_t mem[2] = { 0, 0 };
	for (uint64_t i = 0; !err && i < phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, (char *)phdrs + i * eh.e_phentsize, sizeof(ph));
		if (ph.p_type == PT_NOTE)
			err = elf_notes(d, (unsigned int)i, &ph, &note_bytes);
		else if (ph.p_type == PT_LOAD)
			err = elf_load(d, (unsigned int)i, &ph, &partial, mem);
	}
	if (!err)
		elf_finish(d, partial, mem);
	free(phdrs);
	return err;
}

/**
 * The load holding @p paddr in its file bytes, or NULL.  Loads are sorted
 * by paddr; max_end lets the backward walk stop as soon as no earlier load
 * reaches @p paddr (loads may overlap, e.g. kcore's text and RAM).
 */
static const struct vmr_elf_load *find_load(const struct vmr_dump *d, uint64_t paddr)
{
	size_t lo = 0, hi = d->nloads;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->loads[mid].paddr <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && d->loads[i].max_end > paddr;) {
		const struct vmr_elf_load *l = &d->loads[i];
		if (paddr - l->paddr < l->filesz)
			return l;
	}
	return NULL;
}

struct vmr_error *vmr_elf_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				    size_t len)
{
	char *out = buf;
	while (len) {
		const struct vmr_elf_load *l = find_load(d, paddr);
		if (!l)
			return vmr_error_fault(paddr,
					       "physical address 0x%llx is not in the dump",
					       (unsigned long long)paddr);
		uint64_t in = paddr - l->paddr;
		uint64_t n = l->filesz - in;
		if (n > len)
			n = len;
		struct vmr_error *err = file_read(d, l->offset + in, out, n);
		if (err)
			return err;
		out += n;
		len -= n;
		paddr += n;
		if (len && paddr == 0)
			return vmr_error_fault(0, "physical address wraps around");
	}
	return NULL;
}

bool vmr_elf_has_phys(struct vmr_dump *d, uint64_t paddr)
{
	return find_load(d, paddr) != NULL;
}
