/* SPDX-License-Identifier: MIT */
/**
 * @file dump.h  An open crash dump: format, CPUs and registers, notes,
 * physical memory.
 *
 * Formats are detected from content: ELF vmcores (kdump /proc/vmcore copies,
 * makedumpfile -E, QEMU dump-guest-memory), /proc/kcore, kdump-compressed
 * files (read with libkdumpfile), the flattened stream (reassembled once into
 * an anonymous file for libkdumpfile), and any of these wrapped in zstd
 * (decompressed once into an anonymous file).  Dumps are opened read-only.
 */
#ifndef VMREGION_DUMP_H
#define VMREGION_DUMP_H

#include <vmregion/error.h>

struct vmr_dump;

/** Container format of a dump (after unwrapping zstd and flattening). */
enum vmr_dump_format {
	VMR_DUMP_ELF,   /**< ELF core: /proc/vmcore copy, makedumpfile -E, QEMU */
	VMR_DUMP_KDUMP, /**< kdump-compressed (diskdump) */
	VMR_DUMP_KCORE, /**< live /proc/kcore */
	VMR_DUMP_LIVE,  /**< a running kernel through a gdb stub (live.h) */
};

/**
 * General registers in the order of x86_64 user_regs_struct (= NT_PRSTATUS
 * pr_reg; the first 21 are struct pt_regs).
 */
enum vmr_greg {
	VMR_REG_R15, VMR_REG_R14, VMR_REG_R13, VMR_REG_R12, VMR_REG_RBP,
	VMR_REG_RBX, VMR_REG_R11, VMR_REG_R10, VMR_REG_R9, VMR_REG_R8,
	VMR_REG_RAX, VMR_REG_RCX, VMR_REG_RDX, VMR_REG_RSI, VMR_REG_RDI,
	VMR_REG_ORIG_RAX, VMR_REG_RIP, VMR_REG_CS, VMR_REG_EFLAGS,
	VMR_REG_RSP, VMR_REG_SS, VMR_REG_FS_BASE, VMR_REG_GS_BASE,
	VMR_REG_DS, VMR_REG_ES, VMR_REG_FS, VMR_REG_GS,
	VMR_NR_GREGS
};

/** What the dump says about one CPU (NT_PRSTATUS and/or QEMU CPU state). */
struct vmr_cpu_state {
	unsigned int index;     /**< order of the CPU in the dump */
	bool has_prstatus;      /**< an NT_PRSTATUS note was found */
	uint32_t pr_pid;        /**< its pr_pid (QEMU: vCPU index + 1) */
	uint64_t gpr[VMR_NR_GREGS]; /**< pr_reg, or QEMU's registers */
	bool has_sysregs;       /**< a QEMU "QEMU" CPU-state note was found */
	uint64_t cr[5];         /**< CR0..CR4 */
	uint64_t gdt_base, idt_base;
	uint32_t gdt_limit, idt_limit;
	uint64_t gs_base;       /**< GS segment base (per-CPU base in kernel mode) */
	bool has_kernel_gs_base;
	uint64_t kernel_gs_base;
};

/**
 * A PT_LOAD whose virtual address means something (kdump, kcore).  paddr is
 * UINT64_MAX for kcore segments that are not RAM (vmalloc, modules).
 */
struct vmr_load_segment {
	uint64_t vaddr, paddr, size;
};

/** Facts about an open dump. Strings are static or owned by the dump. */
struct vmr_dump_info {
	enum vmr_dump_format format;
	const char *format_name;  /**< "ELF vmcore", "kdump-compressed", "/proc/kcore" */
	const char *compression;  /**< kdump: "zlib", "lzo", "snappy", "zstd", "none"; else NULL */
	const char *producer;     /**< "qemu", "kdump", "makedumpfile" or NULL if unknown */
	bool flattened;           /**< the file was a flattened (makedumpfile -F) stream */
	bool zstd_wrapped;        /**< the file was wrapped in zstd */
	unsigned int ncpus;       /**< CPUs described by notes (or header) */
	uint64_t memory_bytes;    /**< RAM the dump describes (sum of PT_LOADs / RAM pfns) */
	uint64_t max_paddr;       /**< one past the highest physical address described */
	bool has_phys_base_header;/**< kdump sub-header phys_base is present */
	uint64_t phys_base_header;/**< kdump sub-header phys_base (untrusted for QEMU files) */
	bool truncated;           /**< the file ends before data its headers describe;
				       reads of the missing part fault */
	bool overlapping_loads;   /**< ELF vmcore: PT_LOADs hold the same physical
				       bytes twice (corrupt); one of them is read */
};

/**
 * Open the dump at @p path read-only and detect its format.
 * @param[out] out the dump on success.
 * @return NULL, or an error naming @p path and the problem.
 */
VMR_API struct vmr_error *vmr_dump_open(const char *path, struct vmr_dump **out);
/** Close @p dump (NULL is ignored). */
VMR_API void vmr_dump_close(struct vmr_dump *dump);
/** @return the path given to vmr_dump_open(). */
VMR_API const char *vmr_dump_path(const struct vmr_dump *dump);
/** @return facts about the dump (valid until vmr_dump_close). */
VMR_API const struct vmr_dump_info *vmr_dump_get_info(const struct vmr_dump *dump);
/** @return the state of CPU @p i (< info->ncpus), or NULL. */
VMR_API const struct vmr_cpu_state *vmr_dump_cpu(const struct vmr_dump *dump,
						 unsigned int i);
/**
 * The VMCOREINFO text of the dump's note (not NUL-terminated).
 * @return false if the dump has none.
 */
VMR_API bool vmr_dump_vmcoreinfo(const struct vmr_dump *dump, const char **text,
				 size_t *len);
/**
 * PT_LOADs with meaningful virtual addresses (kdump ELF, kcore); QEMU and
 * kdump-compressed dumps have none.
 * @return the number of segments; *segs points at them.
 */
VMR_API size_t vmr_dump_segments(const struct vmr_dump *dump,
				 const struct vmr_load_segment **segs);
/**
 * Read @p len bytes of physical memory at @p paddr.
 * @return NULL, or VMR_ERR_FAULT naming the first address not in the dump
 * (a page excluded by filtering is a fault, never zeros).
 */
VMR_API struct vmr_error *vmr_dump_read_phys(struct vmr_dump *dump, uint64_t paddr,
					     void *buf, size_t len);
/** @return true if the page holding @p paddr is in the dump. */
VMR_API bool vmr_dump_has_phys(struct vmr_dump *dump, uint64_t paddr);

#endif
