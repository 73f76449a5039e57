/* SPDX-License-Identifier: MIT */
/**
 * @file orc-priv.h  The ORC unwinder core (unwind/orc.c): entry formats,
 * tables, lookup and the unwind step.
 *
 * No I/O and no other vmregion layer: memory and ORC lookups come through
 * struct vmr_orc_ops, so that the same code runs in the library
 * (unwind/unwind.c, over a struct vmr_kernel), in gdb's JIT reader
 * (plugin/jit/vmregion-gdb.c, over gdb's callbacks) and in the unit tests
 * (synthetic memory).  Errors are a status plus a message in a caller's
 * buffer, never an allocation.
 *
 * Kernel facts: x86_64-layout.md §6 (arch/x86/include/asm/orc_types.h,
 * arch/x86/kernel/unwind_orc.c of k6.1 and k6.12).
 */
#ifndef VMR_UNWIND_ORC_PRIV_H
#define VMR_UNWIND_ORC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** ORC_REG_* (v1-v3; k6.1 = k6.12). */
enum vmr_orc_reg {
	VMR_ORC_REG_UNDEFINED = 0,
	VMR_ORC_REG_PREV_SP = 1,
	VMR_ORC_REG_DX = 2,
	VMR_ORC_REG_DI = 3,
	VMR_ORC_REG_BP = 4,
	VMR_ORC_REG_SP = 5,
	VMR_ORC_REG_R10 = 6,
	VMR_ORC_REG_R13 = 7,
	VMR_ORC_REG_BP_INDIRECT = 8,
	VMR_ORC_REG_SP_INDIRECT = 9,
};

/** Entry types, normalized to the 6.4+ numbering (ORC_TYPE_* of k6.12). */
enum vmr_orc_type {
	VMR_ORC_TYPE_UNDEFINED = 0,
	VMR_ORC_TYPE_END_OF_STACK = 1,
	VMR_ORC_TYPE_CALL = 2,
	VMR_ORC_TYPE_REGS = 3,
	VMR_ORC_TYPE_REGS_PARTIAL = 4,
};

/**
 * Layouts of the 6-byte struct orc_entry (x86_64-layout.md §6.1; numbering
 * as drgn's).  V1: <= 6.2, type:2 end:1; V2: 6.3, type:2 signal:1 end:1;
 * V3: 6.4+, type:3 signal:1 with END_OF_STACK/UNDEFINED types.
 */
enum vmr_orc_format {
	VMR_ORC_FMT_UNKNOWN = 0,
	VMR_ORC_FMT_V1 = 1,
	VMR_ORC_FMT_V2 = 2,
	VMR_ORC_FMT_V3 = 3,
};

/** A decoded entry (any format), 8 bytes. */
struct vmr_orc_entry {
	int16_t sp_offset;
	int16_t bp_offset;
	uint8_t sp_reg;   /**< enum vmr_orc_reg */
	uint8_t bp_reg;   /**< enum vmr_orc_reg */
	uint8_t type;     /**< enum vmr_orc_type */
	uint8_t signal;   /**< the frame's ip is exact (signal/interrupt frame) */
};

/** Decode the raw 6-byte entry @p raw of format @p fmt. */
void vmr_orc_decode(const uint8_t raw[6], enum vmr_orc_format fmt,
		    struct vmr_orc_entry *out);

/**
 * The format named by a 20-byte .orc_header hash (ORC_HASH), or UNKNOWN
 * (6.3.10+ hash: V2; 6.4+: V3; others, e.g. 7.1's renumbered registers,
 * are not supported).
 */
enum vmr_orc_format vmr_orc_format_from_hash(const uint8_t hash[20]);

/**
 * The format of @p n raw entries by layout evidence alone (no header, no
 * version): in every format the dominant entry is a CALL frame, whose type
 * is 2 in bits 8-10 for V3 and 0 in bits 8-9 for V1/V2.  Between V1 and V2:
 * V1 never sets bits 11-15 and sets bit 10 (end) only together with
 * sp_reg UNDEFINED; V2 sets bit 11 (end) on terminators and bit 10 (signal)
 * on REGS entries, whose sp_reg is defined.
 * @return UNKNOWN when @p n is 0 or the evidence is contradictory.
 */
enum vmr_orc_format vmr_orc_format_guess(const uint8_t *raw, size_t n);

/** An ORC table: sorted absolute IPs and their entries. */
struct vmr_orc_table {
	uint64_t lo, hi;              /**< IPs it answers for: [lo, hi) */
	size_t n;
	uint64_t *ip;                 /**< sorted ascending (duplicates allowed) */
	struct vmr_orc_entry *e;
	char name[64];                /**< "vmlinux" or the module name */
	/* the fast lookup (.orc_lookup): lookup[i] = index of the entry that
	 * covers lookup_start + 256 * i; NULL: binary search over all */
	uint32_t *lookup;
	size_t nlookup;
	uint64_t lookup_start;
};

/** Bytes of text per .orc_lookup slot (LOOKUP_BLOCK_SIZE, asm/orc_lookup.h k6.12). */
#define VMR_ORC_LOOKUP_BLOCK 256u
/** Most .orc_lookup slots: 1 GiB of text, the kernel image window (KERNEL_IMAGE_SIZE). */
#define VMR_ORC_MAX_LOOKUP (1u << 22)

/** Most entries of one table (vmlinux has ~10^5). */
#define VMR_ORC_MAX_ENTRIES (1u << 24)

/**
 * Build @p t from the kernel's arrays: @p ip_bytes holds @p n s32 offsets,
 * entry i's IP being ip_addr + 4 * i + offset (orc_ip()); @p raw holds @p n
 * 6-byte entries of format @p fmt.  [lo, hi) = the IPs the table answers
 * for (0, 0: from its first IP to its last + 1).
 * @return 0, or -1 with @p why filled (unsorted, too big, out of memory).
 */
int vmr_orc_table_init(struct vmr_orc_table *t, const char *name, uint64_t ip_addr,
		       const uint8_t *ip_bytes, const uint8_t *raw, size_t n,
		       enum vmr_orc_format fmt, uint64_t lo, uint64_t hi,
		       char *why, size_t whylen);
/** Free what vmr_orc_table_init() allocated (a zeroed table is fine). */
void vmr_orc_table_fini(struct vmr_orc_table *t);
/**
 * Use the kernel's .orc_lookup for @p t: @p nblocks little-endian u32 of
 * @p raw, slot i for the text at @p start + 256 * i (LOOKUP_START_IP =
 * _stext).  The kernel fills the table at boot (unwind_init()): take it from
 * the dump's memory, not from the vmlinux file, where it is zeros.
 * @return 0, or -1 with @p why (a table that is not non-decreasing, an
 * index past the entries, all zeros, too many slots): then lookups stay
 * binary searches over the whole table.
 */
int vmr_orc_table_set_lookup(struct vmr_orc_table *t, uint64_t start, const uint8_t *raw,
			     size_t nblocks, char *why, size_t whylen);
/**
 * Build the same fast lookup from the table itself for the text
 * [@p start, @p stop) (when the kernel's cannot be read).  @return 0 or -1
 * (out of memory, a range over VMR_ORC_MAX_LOOKUP slots).
 */
int vmr_orc_table_build_lookup(struct vmr_orc_table *t, uint64_t start, uint64_t stop);

/**
 * The entry of the rightmost IP <= @p ip (__orc_find()), or NULL if @p ip
 * is outside [lo, hi) or before the first IP.  With a fast lookup, IPs of
 * its range search only their slot's entries; a slot whose entries do not
 * bracket @p ip (a corrupt table) falls back to the whole table.
 */
const struct vmr_orc_entry *vmr_orc_table_find(const struct vmr_orc_table *t, uint64_t ip);

/** Words of struct pt_regs (x86_64: 21 = r15 .. ss, user_regs_struct order). */
#define VMR_ORC_NREGS 21
enum {
	VMR_PT_R15 = 0, VMR_PT_R14, VMR_PT_R13, VMR_PT_R12, VMR_PT_BP, VMR_PT_BX,
	VMR_PT_R11, VMR_PT_R10, VMR_PT_R9, VMR_PT_R8, VMR_PT_AX, VMR_PT_CX,
	VMR_PT_DX, VMR_PT_SI, VMR_PT_DI, VMR_PT_ORIG_AX, VMR_PT_IP, VMR_PT_CS,
	VMR_PT_FLAGS, VMR_PT_SP, VMR_PT_SS,
};
#define VMR_PT_IRET_OFFSET (VMR_PT_IP * 8)   /* IRET_FRAME_OFFSET = 128 */
#define VMR_PT_IRET_MASK (0x1fu << VMR_PT_IP) /* ip, cs, flags, sp, ss */
#define VMR_PT_ALL_MASK ((1u << VMR_ORC_NREGS) - 1)

/** How the unwinder reached a frame. */
enum vmr_orc_kind {
	VMR_ORC_KIND_START = 0,   /**< the starting registers */
	VMR_ORC_KIND_CALL,        /**< a return address (CALL entry) */
	VMR_ORC_KIND_REGS,        /**< a full pt_regs (REGS entry) */
	VMR_ORC_KIND_PARTIAL,     /**< an IRET frame (REGS_PARTIAL entry) */
};

/** The unwinder's state: one frame. */
struct vmr_orc_state {
	uint64_t ip, sp, bp;
	bool signal;            /**< ip is exact: look it up as is, not ip - 1 */
	bool user;              /**< the registers are user mode: nothing above */
	bool reliable;          /**< every step so far had ORC data */
	uint64_t regs[VMR_ORC_NREGS]; /**< register values known in this frame */
	uint32_t regs_mask;     /**< bit i: regs[i] is known */
	enum vmr_orc_kind kind; /**< how this frame was reached */
	uint64_t regs_addr;     /**< REGS/PARTIAL: address of the pt_regs */
	uint64_t cfa;           /**< after a step: the CFA of the frame left */
};

/** Where the step gets memory and ORC data. */
struct vmr_orc_ops {
	/** Read @p len bytes at @p addr; false if unreadable. */
	bool (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/** The entry for @p ip, or NULL if no table has it. */
	const struct vmr_orc_entry *(*find)(void *ctx, uint64_t ip);
	void *ctx;
};

enum vmr_orc_status {
	VMR_ORC_OK = 0,     /**< @p s is now the caller's frame */
	VMR_ORC_END,        /**< clean end: user mode or END_OF_STACK */
	VMR_ORC_ERROR,      /**< cannot go on; the message says why */
};

/** Start from a full register set (pt_regs order; NT_PRSTATUS pr_reg). */
void vmr_orc_state_from_regs(struct vmr_orc_state *s, const uint64_t regs[VMR_ORC_NREGS]);

/**
 * One step of k6.12 unwind_next_frame() (x86_64-layout.md §6.3): find the
 * entry of s->ip (ip - 1 unless s->signal; ip 0: the null entry; no entry:
 * the frame-pointer guess and s->reliable = false), compute the CFA, read
 * the return address or the pt_regs, then bp.  Stack-identity checks (same
 * stack: sp must grow; no stack visited twice) belong to the caller, who
 * knows the stacks.
 * @param why message buffer for END and ERROR (may be NULL).
 */
enum vmr_orc_status vmr_orc_step(const struct vmr_orc_ops *ops, struct vmr_orc_state *s,
				 char *why, size_t whylen);

/** printf into @p why (@p len bytes; nothing when NULL): the steps' messages. */
void vmr_orc_say(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * One step of the frame-pointer unwinder (unwind/fp.c; k5.15
 * unwind_frame.c) for kernels without ORC: [saved bp][return address] at
 * bp, pt_regs where bp has its low bit set, and at the end (bp 0) the
 * syscall's user pt_regs below @p stack_top (the top of sp's stack, 0 if
 * unknown).  ops->find is not used.
 */
enum vmr_orc_status vmr_fp_step(const struct vmr_orc_ops *ops, struct vmr_orc_state *s,
				uint64_t stack_top, char *why, size_t whylen);

/**
 * One step of the kernel's own unwinder: vmr_fp_step() for a kernel built
 * without ORC (@p frame_pointers), else vmr_orc_step() (@p stack_top
 * unused) — for the library and the gdb JIT reader alike.
 */
enum vmr_orc_status vmr_kernel_unwind_step(const struct vmr_orc_ops *ops,
					   struct vmr_orc_state *s, bool frame_pointers,
					   uint64_t stack_top, char *why, size_t whylen);

/** Where a walk is: the stack of the last frame and the stacks it left. */
struct vmr_orc_stacks {
	bool known;                 /**< cur is a known stack */
	uint64_t lo, hi;            /**< the current stack, [lo, hi) */
	uint64_t visited[16];       /**< starts of the stacks left */
	unsigned int nvisited;
};

/**
 * The stack holding @p addr: [*lo, *hi).  @return false if none is known
 * (then only "sp must grow" applies, as if all unknown stacks were one).
 */
typedef bool (*vmr_orc_stack_fn)(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi);

/**
 * The walk's bounds (k6.12 unwind_next_frame() and its stack_mask): on the
 * same stack sp must grow; a stack left is never entered again.  Call it for
 * every new frame (@p first for the starting one).
 * @return true if switched to another stack or stayed on the same;
 *         false (and @p why) when the walk must stop.
 * @param[out] switched true when @p sp is on another stack than before.
 */
bool vmr_orc_check_stack(struct vmr_orc_stacks *w, vmr_orc_stack_fn stack_of, void *ctx,
			 uint64_t prev_sp, uint64_t sp, bool first, bool *switched,
			 char *why, size_t whylen);

/** @return true if @p addr is a canonical kernel (upper-half) address. */
static inline bool vmr_orc_kernel_addr(uint64_t addr)
{
	return addr >= 0xff00000000000000ULL;
}

#endif
