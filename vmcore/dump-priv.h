/* SPDX-License-Identifier: MIT */
/**
 * @file dump-priv.h  Internals of the dump formats (vmcore/ only).
 *
 * dump.c detects the format and owns struct vmr_dump; elf.c (ELF vmcores and
 * /proc/kcore), kdump.c (kdump-compressed via libkdumpfile) and flatten.c
 * (makedumpfile flattened stream) fill it in; notes.c parses ELF note chains
 * for both ELF and kdump files.
 */
#ifndef VMR_VMCORE_DUMP_PRIV_H
#define VMR_VMCORE_DUMP_PRIV_H

#include <vmregion/dump.h>

#include "common/bytes.h"
#include "common/file.h"

#include <libkdumpfile/kdumpfile.h>

/** At most this many CPUs are described by notes. */
#define VMR_MAX_CPUS 8192
/** At most this many notes in one dump. */
#define VMR_MAX_NOTES (1U << 20)
/** At most this many bytes of notes in one dump. */
#define VMR_MAX_NOTE_BYTES (64U << 20)
/** At most this many bytes of VMCOREINFO text. */
#define VMR_MAX_VMCOREINFO (1U << 20)
/** At most this many program headers. */
#define VMR_MAX_PHNUM (1U << 22)

/** What the notes of a dump say. */
struct vmr_notes {
	char *vmcoreinfo;          /**< copy of the first VMCOREINFO descriptor */
	size_t vmcoreinfo_len;
	bool has_vmcoreinfo;
	struct vmr_cpu_state *cpus;/**< ncpus entries */
	unsigned int ncpus;
	unsigned int nprstatus;    /**< "CORE" NT_PRSTATUS notes seen */
	unsigned int nqemu;        /**< "QEMU" CPU-state notes seen */
	unsigned int nnotes;       /**< all notes seen */
	bool has_eraseinfo;        /**< makedumpfile's "ERASEINFO" note */
	bool has_prpsinfo;         /**< "CORE" NT_PRPSINFO (kcore) */
	bool has_taskstruct;       /**< "CORE" NT_TASKSTRUCT (kcore) */
	bool prstatus_all_zero;    /**< every NT_PRSTATUS descriptor is zero (kcore) */
};

/**
 * Parse the note chain in @p buf (Elf64_Nhdr records, 4-byte aligned) and
 * add what it holds to @p notes.  Can be called for several PT_NOTEs.
 * An all-zero note header ends the chain.
 * @return NULL, or an error (no path) saying which note at which offset is
 * broken; @p notes keeps what was parsed before it.
 */
struct vmr_error *vmr_notes_parse(struct vmr_notes *notes, const void *buf, size_t len);
/** Free what @p notes holds. */
void vmr_notes_deinit(struct vmr_notes *notes);

/** One PT_LOAD usable for physical reads. */
struct vmr_elf_load {
	uint64_t paddr, filesz, memsz, offset;
	uint64_t max_end; /**< max(paddr + filesz) over this and all earlier loads */
};

struct vmr_dump {
	char *path;
	struct vmr_dump_info info;
	int fd;                  /**< the (unwrapped / reassembled) file */
	uint64_t file_size;
	struct vmr_notes notes;

	/* ELF and kcore */
	const unsigned char *map;/**< whole file mapped read-only, or NULL (pread) */
	size_t map_size;
	struct vmr_elf_load *loads; /**< sorted by paddr */
	size_t nloads;
	struct vmr_load_segment *segs;
	size_t nsegs;

	/* kdump-compressed */
	kdump_ctx_t *kctx;
	kdump_ctx_t *kctx2;      /**< second context for a helper thread, lazily */
	int fd2;                 /**< its own descriptor of the file, or -1 */
	bool kctx2_failed;
	kdump_bmp_t *pagemap;    /**< pages present in the file */
	uint64_t page_size;
	/* Page descriptors checked before libkdumpfile reads a page (kdump.c) */
	unsigned char *dumped;   /**< the "dumped" bitmap, dumped_bits bits */
	uint64_t dumped_bits;
	uint64_t *rank;          /**< set bits before each 4096-bit block */
	unsigned char *desc_ok;  /**< pfns whose descriptor was checked */
	uint64_t desc_off;       /**< file offset of the first page descriptor */

	/* live target (live.c) */
	struct vmr_live *live;
};

/** Open an ELF vmcore or kcore on d->fd (d->path, d->file_size set). */
struct vmr_error *vmr_elf_open(struct vmr_dump *d);
struct vmr_error *vmr_elf_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				    size_t len);
bool vmr_elf_has_phys(struct vmr_dump *d, uint64_t paddr);

/** Open a kdump-compressed file on d->fd (d->path, d->file_size set). */
struct vmr_error *vmr_kdump_open(struct vmr_dump *d);
struct vmr_error *vmr_kdump_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				      size_t len);
bool vmr_kdump_has_phys(struct vmr_dump *d, uint64_t paddr);
void vmr_kdump_close(struct vmr_dump *d);

/** Live target (live.c): cached physical reads; close frees d->live. */
struct vmr_error *vmr_live_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				     size_t len);
bool vmr_live_has_phys(struct vmr_dump *d, uint64_t paddr);
void vmr_live_close(struct vmr_dump *d);

/**
 * Reassemble the flattened stream on @p fd (size @p size) into a new memfd.
 * @param[out] out_fd the reassembled file; @param[out] out_size its size.
 * @return NULL, or an error naming @p path.
 */
struct vmr_error *vmr_flat_reassemble(const char *path, int fd, uint64_t size,
				      int *out_fd, uint64_t *out_size);



static inline uint64_t vmr_be64(const void *p)
{
	const unsigned char *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

#endif
