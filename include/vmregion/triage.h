/* SPDX-License-Identifier: MIT */
/**
 * @file triage.h  Oops and console texts, their annotation, and the triage
 * of a dump: panic reason, crashing task, call trace, crash signature.
 *
 * The parser is a set of pure functions on text lines: it takes a console
 * or dmesg text line by line (with or without "[   11.387174] " time
 * stamps, syslog prefixes "Nov 24 07:25:45 host kernel: ", "<4>" levels)
 * and builds structured reports (header, CPU/PID/Comm, RIP, registers,
 * call trace).  It is bounded: a line is looked at up to
 * VMR_OOPS_LINE_MAX bytes, every array has a fixed size, and the work per
 * line is linear in its length, whatever bytes it holds.
 */
#ifndef VMREGION_TRIAGE_H
#define VMREGION_TRIAGE_H

#include <vmregion/kernel.h>
#include <vmregion/owner.h>

/** Bytes of a line the parser looks at (the rest is ignored). */
#define VMR_OOPS_LINE_MAX (1u << 20)
#define VMR_OOPS_NAME_LEN 128
#define VMR_OOPS_MODULE_LEN 64
#define VMR_OOPS_TITLE_LEN 256
/** Room for a Code: line (the kernel prints 64 bytes: about 200 characters). */
#define VMR_OOPS_CODE_LEN 512
#define VMR_OOPS_MAX_FRAMES 128
#define VMR_OOPS_MAX_WORDS 16
#define VMR_OOPS_MAX_REPORTS 64

/** What a report is about (its first line). */
enum vmr_oops_kind {
	VMR_OOPS_NONE,        /**< a stack dump without a known header */
	VMR_OOPS_NULL_DEREF,  /**< BUG: kernel NULL pointer dereference */
	VMR_OOPS_PAGE_FAULT,  /**< BUG: unable to handle page fault / paging request */
	VMR_OOPS_GPF,         /**< general protection fault */
	VMR_OOPS_BUG_AT,      /**< kernel BUG at FILE:LINE! */
	VMR_OOPS_BUG,         /**< another "BUG: " line (scheduling while atomic, ...) */
	VMR_OOPS_WARNING,     /**< WARNING: CPU: N PID: N at FILE:LINE func+off/size */
	VMR_OOPS_OOPS,        /**< an "Oops: " line (invalid opcode, ...) without a header */
	VMR_OOPS_SOFT_LOCKUP, /**< watchdog: BUG: soft lockup - CPU#N stuck */
	VMR_OOPS_HARD_LOCKUP, /**< Watchdog detected hard LOCKUP on cpu N */
	VMR_OOPS_HUNG_TASK,   /**< INFO: task X:N blocked for more than N seconds */
	VMR_OOPS_RCU_STALL,   /**< rcu: INFO: rcu_sched detected stalls / self-detected stall */
	VMR_OOPS_PANIC,       /**< Kernel panic - not syncing: */
	VMR_OOPS__COUNT
};

/** What one line is. */
enum vmr_oops_line_type {
	VMR_OOPS_LINE_OTHER,
	VMR_OOPS_LINE_HEADER,       /**< the first line of a report (kind set) */
	VMR_OOPS_LINE_OOPS,         /**< "Oops: 0002 [#1] ..." (kind OOPS or GPF) */
	VMR_OOPS_LINE_CPU,          /**< CPU: N [UID: N] PID: N Comm: X */
	VMR_OOPS_LINE_RIP,          /**< RIP: 0010:func+0x16/0x20 [mod] */
	VMR_OOPS_LINE_REGS,         /**< RAX: ... RBX: ... (words[] = registers) */
	VMR_OOPS_LINE_CALL_TRACE,   /**< Call Trace: */
	VMR_OOPS_LINE_FRAME,        /**< one call-trace entry */
	VMR_OOPS_LINE_MARKER,       /**< <IRQ> </IRQ> <TASK> </TASK> <NMI> ... */
	VMR_OOPS_LINE_CODE,         /**< Code: ... */
	VMR_OOPS_LINE_MODULES,      /**< Modules linked in: */
	VMR_OOPS_LINE_END_TRACE,    /**< ---[ end trace ... ]--- */
	VMR_OOPS_LINE_KERNEL_OFFSET,/**< Kernel Offset: 0x... from 0xffffffff81000000 */
};

/** Stack contexts of the call-trace markers. */
enum vmr_oops_context {
	VMR_OOPS_CTX_NONE,
	VMR_OOPS_CTX_TASK,
	VMR_OOPS_CTX_IRQ,
	VMR_OOPS_CTX_SOFTIRQ,
	VMR_OOPS_CTX_NMI,
	VMR_OOPS_CTX_EXCEPTION, /**< <#DF>, <#MC>, <#DB>, <EOE> ... */
};

/** A code location as the text gives it: func+0x16/0x20 [mod buildid], or an address. */
struct vmr_oops_symref {
	bool has_function;
	char function[VMR_OOPS_NAME_LEN];
	uint64_t offset;
	uint64_t size;                  /**< 0 if the text gave none */
	char module[VMR_OOPS_MODULE_LEN]; /**< "" for vmlinux */
	char build_id[41];              /**< module build id in the text, or "" */
	bool has_addr;                  /**< [<ffffffff...>] or RIP 0033:0x47b7a0 */
	uint64_t addr;
};

/** A hex word in a line: a register value, or a word that may be an address. */
struct vmr_oops_word {
	size_t pos, len;   /**< where in the line (whole line, prefixes included) */
	uint64_t value;
	char reg[10];      /**< register name on register lines ("RAX", "CR2"), else "" */
};

/** One parsed line.  Fields that do not apply are zero. */
struct vmr_oops_line {
	enum vmr_oops_line_type type;
	size_t msg;                 /**< offset of the kernel message (after prefixes) */
	size_t len;                 /**< bytes looked at (<= VMR_OOPS_LINE_MAX) */
	bool has_time;
	uint64_t time_usec;         /**< the [seconds.micros] stamp */
	enum vmr_oops_kind kind;    /**< HEADER, OOPS */
	bool has_cpu, has_pid;      /**< CPU line, WARNING header */
	int cpu, pid;
	char comm[17];
	struct vmr_oops_symref sym; /**< RIP, FRAME, WARNING header */
	bool has_cs;
	unsigned cs;                /**< RIP: the code segment (0x10 kernel, 0x33 user) */
	bool unreliable;            /**< FRAME: "? " */
	enum vmr_oops_context ctx;  /**< MARKER */
	bool ctx_end;               /**< MARKER: </...> */
	uint64_t kernel_offset;     /**< KERNEL_OFFSET */
	struct vmr_oops_word words[VMR_OOPS_MAX_WORDS];
	unsigned n_words;
};

/**
 * Parse one line (without its newline; a trailing '\r' is ignored).
 * Pure, bounded and linear in min(@p len, VMR_OOPS_LINE_MAX).
 */
VMR_API void vmr_oops_parse_line(const char *line, size_t len, struct vmr_oops_line *out);

/** Registers a report can carry (the kernel's __show_regs names). */
enum vmr_oops_reg {
	VMR_OOPS_RAX, VMR_OOPS_RBX, VMR_OOPS_RCX, VMR_OOPS_RDX, VMR_OOPS_RSI,
	VMR_OOPS_RDI, VMR_OOPS_RBP, VMR_OOPS_RSP, VMR_OOPS_R08, VMR_OOPS_R09,
	VMR_OOPS_R10, VMR_OOPS_R11, VMR_OOPS_R12, VMR_OOPS_R13, VMR_OOPS_R14,
	VMR_OOPS_R15, VMR_OOPS_ORIG_RAX, VMR_OOPS_EFLAGS, VMR_OOPS_FS,
	VMR_OOPS_GS, VMR_OOPS_KNLGS, VMR_OOPS_CS, VMR_OOPS_DS, VMR_OOPS_ES,
	VMR_OOPS_CR0, VMR_OOPS_CR2, VMR_OOPS_CR3, VMR_OOPS_CR4, VMR_OOPS_DR0,
	VMR_OOPS_DR1, VMR_OOPS_DR2, VMR_OOPS_DR3, VMR_OOPS_DR6, VMR_OOPS_DR7,
	VMR_OOPS_PKRU,
	VMR_OOPS_NREGS
};
/** @return the name of @p r as the kernel prints it ("RAX", "R08", "CR2"), or NULL. */
VMR_API const char *vmr_oops_reg_name(enum vmr_oops_reg r);
/** @return true if the value of @p r can be an address (not flags, CR3, selectors). */
VMR_API bool vmr_oops_reg_is_pointer(enum vmr_oops_reg r);
/** @return "null-deref", "page-fault", "gpf", ... for @p kind. */
VMR_API const char *vmr_oops_kind_name(enum vmr_oops_kind kind);

/** One call-trace entry of a report. */
struct vmr_oops_frame {
	struct vmr_oops_symref sym;
	bool unreliable;            /**< "? " */
	enum vmr_oops_context ctx;  /**< the marker it is under */
	size_t line_no;             /**< its line (0-based) in the input */
};

/** One report: an oops, a BUG, a WARNING, a panic, a lockup, a stall. */
struct vmr_oops_report {
	enum vmr_oops_kind kind;
	char title[VMR_OOPS_TITLE_LEN];     /**< the first line, message only */
	char oops_line[VMR_OOPS_TITLE_LEN]; /**< "Oops: 0002 [#1] ..." if any */
	size_t first_line, last_line;       /**< 0-based line numbers */
	bool has_cpu, has_pid;
	int cpu, pid;
	char comm[17];
	bool has_rip;                       /**< the first RIP line of the report */
	struct vmr_oops_symref rip;
	unsigned rip_cs;
	bool rip_user;                      /**< RIP: 0033: (user mode) */
	uint64_t regs[VMR_OOPS_NREGS];      /**< the first register block */
	uint64_t reg_mask;                  /**< bit r set: regs[r] is known */
	bool has_trace;                     /**< "Call Trace:" seen */
	struct vmr_oops_frame frames[VMR_OOPS_MAX_FRAMES];
	unsigned nframes;
	bool frames_truncated;
	bool has_code;
	char code[VMR_OOPS_CODE_LEN];       /**< the first Code: line, message only */
	bool ended;                         /**< ---[ end trace ]--- */
};

struct vmr_oops_parser;
/** @return NULL, or the static out-of-memory error. */
VMR_API struct vmr_error *vmr_oops_parser_create(struct vmr_oops_parser **out);
VMR_API void vmr_oops_parser_destroy(struct vmr_oops_parser *p);
/**
 * Feed the next line (no newline).  @p parsed (may be NULL) receives the
 * line's parse, so that a caller can print it annotated.
 */
VMR_API void vmr_oops_parser_feed(struct vmr_oops_parser *p, const char *line, size_t len,
				  struct vmr_oops_line *parsed);
/** @return the number of reports kept (the last VMR_OOPS_MAX_REPORTS). */
VMR_API size_t vmr_oops_parser_count(const struct vmr_oops_parser *p);
/** @return report @p i (oldest first), or NULL. */
VMR_API const struct vmr_oops_report *vmr_oops_parser_report(const struct vmr_oops_parser *p,
							     size_t i);
/** @return the message of the last "Kernel panic - not syncing:" line, or NULL. */
VMR_API const char *vmr_oops_parser_panic(const struct vmr_oops_parser *p);
/** @return true with the slide of the last "Kernel Offset:" line. */
VMR_API bool vmr_oops_parser_kernel_offset(const struct vmr_oops_parser *p, uint64_t *off);
/**
 * The report that explains the crash: the last report, except that a panic
 * caused by an earlier report ("Fatal exception", "hung_task: blocked
 * tasks", "softlockup: hung tasks", panic_on_warn, ...) gives that report.
 * @return NULL if there is no report.
 */
VMR_API const struct vmr_oops_report *vmr_oops_parser_crash(const struct vmr_oops_parser *p);

/** Frames a signature hashes. */
#define VMR_SIGNATURE_FRAMES 5
/** A crash signature: a title like syzbot's and a hash that groups dumps of one bug. */
struct vmr_signature {
	char kind[VMR_OOPS_TITLE_LEN];   /**< normalized header: "BUG: kernel NULL pointer dereference" */
	char title[VMR_OOPS_TITLE_LEN + VMR_OOPS_NAME_LEN + 8]; /**< kind + " in " + first frame */
	char frames[VMR_SIGNATURE_FRAMES][VMR_OOPS_NAME_LEN]; /**< function names hashed */
	unsigned nframes;
	uint64_t hash;                   /**< FNV-1a 64 of kind and frames */
};
/**
 * The signature of @p r: its normalized kind (addresses, numbers and line
 * numbers dropped) and the function names (compiler suffixes .cold,
 * .constprop.N ... dropped) of its top reliable frames: the kernel RIP,
 * then the call trace without "? " entries and without the frames of the
 * reporting machinery (panic, dump_stack, __warn, page_fault_oops, ...).
 * Addresses, offsets and module load addresses never enter it, so two dumps
 * of one crash on different KASLR slides give the same hash.
 */
VMR_API void vmr_oops_signature(const struct vmr_oops_report *r, struct vmr_signature *out);

/*
 * Annotation of addresses and code locations found in a text.
 */

/** Where a func+off of a text is: runtime address and source line. */
struct vmr_code_location {
	bool has_addr;             /**< runtime address (dump, or slide known) */
	uint64_t addr;
	bool has_link;             /**< vmlinux link address */
	uint64_t link;
	bool has_line;
	struct vmr_owner_line line; /**< file:line of addr (return addresses: addr - 1) */
	char note[160];            /**< why something is missing, or "" */
};

struct vmr_annotator;
/**
 * An annotator over a dump's kernel @p k (may be NULL) and/or a vmlinux
 * @p vmlinux (may be NULL; ignored when @p k is given: k's vmlinux is used).
 * @return NULL, or an error opening @p vmlinux.
 */
VMR_API struct vmr_error *vmr_annotator_create(struct vmr_kernel *k, const char *vmlinux,
					       struct vmr_annotator **out);
VMR_API void vmr_annotator_destroy(struct vmr_annotator *a);
/**
 * Where the modules' .ko files are (files, or directories searched for
 * MODULE.ko such as /lib/modules/RELEASE): module code locations then get
 * their source lines from the module's own DWARF.  @return NULL or OOM.
 */
VMR_API struct vmr_error *vmr_annotator_set_modules(struct vmr_annotator *a,
						    const char *const *paths, size_t n);
/** @return true if a vmlinux is in use. */
VMR_API bool vmr_annotator_has_vmlinux(const struct vmr_annotator *a);
/**
 * Learn the KASLR slide from a parsed line when no dump gives it: a
 * "Kernel Offset:" line, or an address next to a func+off ("[<addr>] func+off",
 * old RIP lines) resolved through the vmlinux.  @return true if learnt now.
 */
VMR_API bool vmr_annotator_learn(struct vmr_annotator *a, const struct vmr_oops_line *l);
/** @return true with the slide and where it came from. */
VMR_API bool vmr_annotator_slide(const struct vmr_annotator *a, uint64_t *slide,
				 const char **how);
/** Paging of the text when there is no dump: 5-level if @p la57. */
VMR_API void vmr_annotator_set_la57(struct vmr_annotator *a, bool la57);
/**
 * Resolve @p s: its runtime address (dump or known slide) and its source
 * line (vmlinux).  @p return_address: the entry is a return address (call
 * trace), so the line is the one of addr - 1 (the call), as
 * scripts/decode_stacktrace.sh does.
 */
VMR_API void vmr_annotate_location(struct vmr_annotator *a, const struct vmr_oops_symref *s,
				   bool return_address, struct vmr_code_location *out);
/**
 * One line about @p addr without a dump: symbol (vmlinux + known slide),
 * "kernel-image", "modules", "user", "non-canonical", fixed regions, or
 * "kernel (region unknown without a dump)".  @return false if the value does
 * not look like an address worth a line (small numbers).
 */
VMR_API bool vmr_annotate_nodump(struct vmr_annotator *a, uint64_t addr, char *buf, size_t size);

/*
 * Triage of a dump.
 */

#define VMR_TRIAGE_LAST_LINES 20

/** What triage found; see vmr_triage_run(). */
struct vmr_triage {
	char release[72];
	char build_id[48];
	bool has_uptime;
	uint64_t uptime_ns;              /**< time stamp of the last log record */
	bool has_reason;
	char reason[VMR_OOPS_TITLE_LEN]; /**< "Kernel panic - not syncing: ..." or the first oops line */
	const struct vmr_oops_report *crash; /**< the crash report of the log, or NULL */
	bool has_cpu, has_pid;
	int cpu, pid;
	char comm[17];
	char cpu_source[96];             /**< where cpu/pid/comm come from */
	bool has_note_pid;               /**< kdump: NT_PRSTATUS pr_pid of that CPU */
	int note_pid;
	bool qemu;                       /**< QEMU dump: pr_pid is vCPU + 1, not a pid */
	struct vmr_signature signature;
	bool has_signature;
	char last_lines[VMR_TRIAGE_LAST_LINES][512]; /**< "[ts] text", oldest first */
	unsigned n_last;
	uint64_t log_records, log_skipped;
	char log_error[160];             /**< the log could not be read: why ("" if it could) */
	struct vmr_oops_parser *parser;  /**< the log's reports (owned) */
};

/**
 * Read the kernel log of @p k and find the crash: reason, CPU and task,
 * report, signature, last log lines.  A log that cannot be read is not an
 * error: t->log_error says why and the rest stays empty.
 * @return NULL, or out-of-memory.
 */
VMR_API struct vmr_error *vmr_triage_run(struct vmr_kernel *k, struct vmr_triage **out);
VMR_API void vmr_triage_free(struct vmr_triage *t);

#endif
