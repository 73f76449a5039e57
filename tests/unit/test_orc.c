/* SPDX-License-Identifier: MIT */
/* ORC unwinder core (unwind/orc.c) on synthetic tables and stacks: entry
 * formats and their detection, lookup, each entry type and register rule,
 * a pt_regs frame down to user mode, an IRQ-to-task stack switch, an IRET
 * frame, the null and frame-pointer fallbacks, corrupt tables, unreadable
 * stacks, and a loop in the stack (bounded). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "unwind/orc-priv.h"

#define TEXT 0xffffffff81000000ULL
#define FN(i) (TEXT + 0x1000ULL * (i))
enum { F_LEAF = 1, F_PUSHBP, F_BPFRAME, F_ENTRY, F_IRET, F_SWITCH, F_R10, F_END, F_UNDEF,
       F_DI, F_LAST };
#define TASK 0xffffc90000100000ULL
#define IRQ 0xffffc90000200000ULL
#define STACK_SIZE 0x4000ULL

/* ---- synthetic memory: two stacks ---- */
static uint8_t task_mem[STACK_SIZE], irq_mem[STACK_SIZE];

static uint8_t *at(uint64_t addr, size_t len)
{
	if (addr >= TASK && addr + len <= TASK + STACK_SIZE && addr + len >= addr)
		return task_mem + (addr - TASK);
	if (addr >= IRQ && addr + len <= IRQ + STACK_SIZE && addr + len >= addr)
		return irq_mem + (addr - IRQ);
	return NULL;
}

static void poke(uint64_t addr, uint64_t v)
{
	uint8_t *p = at(addr, 8);
	assert_non_null(p);
	memcpy(p, &v, 8);
}

static bool rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	uint8_t *p = at(addr, len);
	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

static bool stack_of(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	(void)ctx;
	uint64_t base = addr >= TASK && addr < TASK + STACK_SIZE ? TASK :
			addr >= IRQ && addr < IRQ + STACK_SIZE ? IRQ : 0;
	if (!base)
		return false;
	*lo = base;
	*hi = base + STACK_SIZE;
	return true;
}

/* ---- raw entries ---- */
static void raw(uint8_t *p, int sp_off, int bp_off, unsigned int b)
{
	p[0] = (uint8_t)sp_off;
	p[1] = (uint8_t)((unsigned int)sp_off >> 8);
	p[2] = (uint8_t)bp_off;
	p[3] = (uint8_t)((unsigned int)bp_off >> 8);
	p[4] = (uint8_t)b;
	p[5] = (uint8_t)(b >> 8);
}

static unsigned int v3(unsigned int sp, unsigned int bp, unsigned int type, unsigned int sig)
{
	return sp | bp << 4 | type << 8 | sig << 11;
}

static struct vmr_orc_table tab;

/* One V3 entry per synthetic function, plus a terminator. */
static void build_table(void)
{
	static const struct { int sp_off, bp_off; unsigned int sp, bp, type, sig; } e[F_LAST] = {
		[0] = { 0, 0, VMR_ORC_REG_UNDEFINED, 0, VMR_ORC_TYPE_UNDEFINED, 0 },
		[F_LEAF] = { 8, 0, VMR_ORC_REG_SP, 0, VMR_ORC_TYPE_CALL, 0 },
		[F_PUSHBP] = { 16, -16, VMR_ORC_REG_SP, VMR_ORC_REG_PREV_SP, VMR_ORC_TYPE_CALL, 0 },
		[F_BPFRAME] = { 16, -16, VMR_ORC_REG_BP, VMR_ORC_REG_PREV_SP, VMR_ORC_TYPE_CALL, 0 },
		[F_ENTRY] = { 0, 0, VMR_ORC_REG_SP, 0, VMR_ORC_TYPE_REGS, 1 },
		[F_IRET] = { 0, 0, VMR_ORC_REG_SP, 0, VMR_ORC_TYPE_REGS_PARTIAL, 1 },
		[F_SWITCH] = { 8, 0, VMR_ORC_REG_SP_INDIRECT, 0, VMR_ORC_TYPE_CALL, 0 },
		[F_R10] = { 0, 0, VMR_ORC_REG_R10, 0, VMR_ORC_TYPE_CALL, 0 },
		[F_END] = { 0, 0, VMR_ORC_REG_UNDEFINED, 0, VMR_ORC_TYPE_END_OF_STACK, 0 },
		[F_UNDEF] = { 0, 0, VMR_ORC_REG_UNDEFINED, 0, VMR_ORC_TYPE_UNDEFINED, 0 },
		[F_DI] = { 0, 0, VMR_ORC_REG_DI, 0, VMR_ORC_TYPE_CALL, 0 },
	};
	uint8_t ips[4 * (F_LAST + 1)], ents[6 * (F_LAST + 1)];
	uint64_t ip_addr = TEXT + 0x800000;
	for (unsigned int i = 0; i <= F_LAST; i++) {
		uint64_t ip = FN(i);
		int32_t rel = (int32_t)(int64_t)(ip - (ip_addr + 4 * i));
		memcpy(ips + 4 * i, &rel, 4);
		if (i < F_LAST)
			raw(ents + 6 * i, e[i].sp_off, e[i].bp_off, v3(e[i].sp, e[i].bp, e[i].type, e[i].sig));
		else
			raw(ents + 6 * i, 0, 0, v3(0, 0, VMR_ORC_TYPE_UNDEFINED, 0));
	}
	assert_int_equal(vmr_orc_table_init(&tab, "test", ip_addr, ips, ents, F_LAST + 1,
					    VMR_ORC_FMT_V3, 0, 0, NULL, 0), 0);
}

static const struct vmr_orc_entry *find(void *ctx, uint64_t ip)
{
	(void)ctx;
	return vmr_orc_table_find(&tab, ip);
}

static const struct vmr_orc_ops ops = { .read = rd, .find = find };

static int setup(void **state)
{
	(void)state;
	memset(task_mem, 0, sizeof(task_mem));
	memset(irq_mem, 0, sizeof(irq_mem));
	build_table();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vmr_orc_table_fini(&tab);
	return 0;
}

static void start(struct vmr_orc_state *s, uint64_t ip, uint64_t sp, uint64_t bp)
{
	uint64_t regs[VMR_ORC_NREGS] = {0};
	regs[VMR_PT_IP] = ip;
	regs[VMR_PT_SP] = sp;
	regs[VMR_PT_BP] = bp;
	regs[VMR_PT_CS] = 0x10;
	vmr_orc_state_from_regs(s, regs);
}

/* ---- formats ---- */
static void test_decode_formats(void **state)
{
	(void)state;
	uint8_t r[6];
	struct vmr_orc_entry e;
	/* V1 (<= 6.2): type:2 end:1 */
	raw(r, 16, -16, VMR_ORC_REG_SP | VMR_ORC_REG_PREV_SP << 4 | 0 << 8);
	vmr_orc_decode(r, VMR_ORC_FMT_V1, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_CALL);
	assert_int_equal(e.signal, 0);
	assert_int_equal(e.sp_offset, 16);
	assert_int_equal(e.bp_offset, -16);
	assert_int_equal(e.bp_reg, VMR_ORC_REG_PREV_SP);
	raw(r, 0, 0, VMR_ORC_REG_SP | 1 << 8);
	vmr_orc_decode(r, VMR_ORC_FMT_V1, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_REGS);
	assert_int_equal(e.signal, 1);
	raw(r, 0, 0, VMR_ORC_REG_SP | 2 << 8);
	vmr_orc_decode(r, VMR_ORC_FMT_V1, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_REGS_PARTIAL);
	assert_int_equal(e.signal, 1);
	raw(r, 0, 0, VMR_ORC_REG_UNDEFINED | 1 << 10);
	vmr_orc_decode(r, VMR_ORC_FMT_V1, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_END_OF_STACK);
	raw(r, 0, 0, VMR_ORC_REG_UNDEFINED);
	vmr_orc_decode(r, VMR_ORC_FMT_V1, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_UNDEFINED);
	/* V2 (6.3): type:2 signal:1 end:1 */
	raw(r, 8, 0, VMR_ORC_REG_SP | 0 << 8 | 1 << 10);
	vmr_orc_decode(r, VMR_ORC_FMT_V2, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_CALL);
	assert_int_equal(e.signal, 1);
	raw(r, 0, 0, VMR_ORC_REG_UNDEFINED | 1 << 11);
	vmr_orc_decode(r, VMR_ORC_FMT_V2, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_END_OF_STACK);
	/* V3 (6.4+): type:3 signal:1 */
	raw(r, 8, 0, v3(VMR_ORC_REG_SP, 0, VMR_ORC_TYPE_REGS_PARTIAL, 1));
	vmr_orc_decode(r, VMR_ORC_FMT_V3, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_REGS_PARTIAL);
	assert_int_equal(e.signal, 1);
	raw(r, 0, 0, v3(VMR_ORC_REG_SP, 0, 7, 0));
	vmr_orc_decode(r, VMR_ORC_FMT_V3, &e);
	assert_int_equal(e.type, VMR_ORC_TYPE_UNDEFINED);
}

static void test_format_evidence(void **state)
{
	(void)state;
	enum { N = 100 };
	uint8_t r[6 * N];
	/* V3: CALL (2) dominates, REGS with signal */
	for (int i = 0; i < N; i++)
		raw(r + 6 * i, 8, 0, v3(VMR_ORC_REG_SP, 0, i % 10 ? VMR_ORC_TYPE_CALL : VMR_ORC_TYPE_REGS, i % 10 == 0));
	assert_int_equal(vmr_orc_format_guess(r, N), VMR_ORC_FMT_V3);
	/* V1: CALL (0) dominates, REGS 1, end only with sp_reg UNDEFINED */
	for (int i = 0; i < N; i++)
		raw(r + 6 * i, 8, 0, i == 0 ? (1u << 10) : VMR_ORC_REG_SP | (i % 10 ? 0u : 1u) << 8);
	assert_int_equal(vmr_orc_format_guess(r, N), VMR_ORC_FMT_V1);
	/* V2: the same plus signal (bit 10) on REGS entries */
	for (int i = 0; i < N; i++)
		raw(r + 6 * i, 8, 0, i == 0 ? (1u << 11) : VMR_ORC_REG_SP | (i % 10 ? 0u : (1u << 8 | 1u << 10)));
	assert_int_equal(vmr_orc_format_guess(r, N), VMR_ORC_FMT_V2);
	assert_int_equal(vmr_orc_format_guess(r, 0), VMR_ORC_FMT_UNKNOWN);
	static const uint8_t h64[20] = { 0xfe, 0x5d, 0x32, 0xbf, 0x58, 0x1b, 0xd6, 0x3b, 0x2c, 0xa9,
					 0xa5, 0xc6, 0x5b, 0xa5, 0xa6, 0x25, 0xea, 0xb3, 0xfe, 0x24 };
	assert_int_equal(vmr_orc_format_from_hash(h64), VMR_ORC_FMT_V3);
	uint8_t other[20] = {1};
	assert_int_equal(vmr_orc_format_from_hash(other), VMR_ORC_FMT_UNKNOWN);
}

/* ---- tables ---- */
static void test_lookup(void **state)
{
	(void)state;
	assert_null(vmr_orc_table_find(&tab, FN(0) - 1));
	assert_ptr_equal(vmr_orc_table_find(&tab, FN(F_LEAF)), &tab.e[F_LEAF]);
	assert_ptr_equal(vmr_orc_table_find(&tab, FN(F_LEAF) + 0xfff), &tab.e[F_LEAF]);
	assert_ptr_equal(vmr_orc_table_find(&tab, FN(F_PUSHBP)), &tab.e[F_PUSHBP]);
	assert_null(vmr_orc_table_find(&tab, FN(F_LAST) + 1)); /* past hi */
	/* duplicates: the rightmost wins */
	uint8_t ips[12], ents[18];
	uint64_t ip_addr = TEXT;
	for (int i = 0; i < 3; i++) {
		int32_t rel = (int32_t)(int64_t)(FN(1 + (i > 0)) - (ip_addr + 4 * i));
		memcpy(ips + 4 * i, &rel, 4);
		raw(ents + 6 * i, 8 * (i + 1), 0, v3(VMR_ORC_REG_SP, 0, VMR_ORC_TYPE_CALL, 0));
	}
	struct vmr_orc_table t;
	assert_int_equal(vmr_orc_table_init(&t, "dup", ip_addr, ips, ents, 3, VMR_ORC_FMT_V3,
					    FN(0), FN(4), NULL, 0), 0);
	assert_int_equal(vmr_orc_table_find(&t, FN(2) + 4)->sp_offset, 24);
	vmr_orc_table_fini(&t);
}

static void test_corrupt_tables(void **state)
{
	(void)state;
	uint8_t ips[8], ents[12] = {0};
	char why[200];
	struct vmr_orc_table t;
	/* unsorted */
	int32_t a = 0x100, b = -0x100;
	memcpy(ips, &a, 4);
	memcpy(ips + 4, &b, 4);
	assert_int_equal(vmr_orc_table_init(&t, "bad", TEXT, ips, ents, 2, VMR_ORC_FMT_V3, 0, 0,
					    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not sorted"));
	assert_null(t.ip);
	/* empty, absurd, or unknown format */
	assert_int_equal(vmr_orc_table_init(&t, "bad", TEXT, ips, ents, 0, VMR_ORC_FMT_V3, 0, 0,
					    why, sizeof(why)), -1);
	assert_int_equal(vmr_orc_table_init(&t, "bad", TEXT, ips, ents, VMR_ORC_MAX_ENTRIES + 1,
					    VMR_ORC_FMT_V3, 0, 0, why, sizeof(why)), -1);
	assert_int_equal(vmr_orc_table_init(&t, "bad", TEXT, ips, ents, 1, VMR_ORC_FMT_UNKNOWN, 0, 0,
					    why, sizeof(why)), -1);
	/* a lookup in a failed (zeroed) table finds nothing */
	assert_null(vmr_orc_table_find(&t, TEXT));
}

/* ---- steps ---- */
/* leaf -> push-bp frame -> syscall entry (pt_regs) -> user mode */
static void test_call_regs_user(void **state)
{
	(void)state;
	struct vmr_orc_state s;
	char why[160];
	start(&s, FN(F_LEAF) + 5, TASK + 0x100, 0x1111);
	poke(TASK + 0x100, FN(F_PUSHBP) + 0x10);   /* leaf's return address */
	poke(TASK + 0x108, TASK + 0x3000);         /* pushed bp */
	poke(TASK + 0x110, FN(F_ENTRY) + 4);       /* return into the entry code */
	/* pt_regs at TASK + 0x118 (entry: sp_reg SP, offset 0, REGS) */
	uint64_t pt = TASK + 0x118;
	for (unsigned int i = 0; i < VMR_ORC_NREGS; i++)
		poke(pt + 8 * i, 0x1000 + i);
	poke(pt + 8 * VMR_PT_IP, 0x401000);
	poke(pt + 8 * VMR_PT_SP, 0x7ffe0000);
	poke(pt + 8 * VMR_PT_BP, 0x7ffe0100);
	poke(pt + 8 * VMR_PT_CS, 0x33);

	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.kind, VMR_ORC_KIND_CALL);
	assert_int_equal(s.ip, FN(F_PUSHBP) + 0x10);
	assert_int_equal(s.sp, TASK + 0x108);
	assert_int_equal(s.bp, 0x1111); /* bp_reg UNDEFINED, no regs: unchanged */
	assert_false(s.signal);
	assert_int_equal(s.regs_mask, 0);

	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, FN(F_ENTRY) + 4);
	assert_int_equal(s.sp, TASK + 0x118);
	assert_int_equal(s.bp, TASK + 0x3000); /* PREV_SP - 16 */
	assert_int_equal(s.cfa, TASK + 0x118);

	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.kind, VMR_ORC_KIND_REGS);
	assert_int_equal(s.regs_addr, pt);
	assert_int_equal(s.ip, 0x401000);
	assert_int_equal(s.sp, 0x7ffe0000);
	assert_int_equal(s.bp, 0x7ffe0100); /* from the pt_regs */
	assert_int_equal(s.regs[VMR_PT_R15], 0x1000);
	assert_int_equal(s.regs_mask, VMR_PT_ALL_MASK);
	assert_true(s.user);
	assert_true(s.signal);
	assert_true(s.reliable);

	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_END);
	assert_string_equal(why, "user mode");
}

/* IRQ stack -> task stack through SP_INDIRECT, then END_OF_STACK */
static void test_irq_to_task(void **state)
{
	(void)state;
	struct vmr_orc_state s;
	struct vmr_orc_stacks w = {0};
	char why[160];
	bool sw;
	start(&s, FN(F_SWITCH) + 4, IRQ + 0x3f00, 0);
	assert_true(vmr_orc_check_stack(&w, stack_of, NULL, 0, s.sp, true, &sw, why, sizeof(why)));
	assert_true(sw);
	assert_int_equal(w.lo, IRQ);
	poke(IRQ + 0x3f00, TASK + 0x200);          /* the interrupted sp, on the task stack */
	poke(TASK + 0x200, FN(F_PUSHBP) + 0x20);   /* return address at CFA - 8 */
	poke(TASK + 0x208, 0);
	poke(TASK + 0x210, FN(F_END) + 4);
	uint64_t prev = s.sp;
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.sp, TASK + 0x208);
	assert_int_equal(s.ip, FN(F_PUSHBP) + 0x20);
	assert_true(vmr_orc_check_stack(&w, stack_of, NULL, prev, s.sp, false, &sw, why, sizeof(why)));
	assert_true(sw);
	assert_int_equal(w.lo, TASK);
	prev = s.sp;
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_true(vmr_orc_check_stack(&w, stack_of, NULL, prev, s.sp, false, &sw, why, sizeof(why)));
	assert_false(sw);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_END);
	assert_string_equal(why, "end of stack");
	/* going back to the IRQ stack is refused */
	assert_false(vmr_orc_check_stack(&w, stack_of, NULL, s.sp, IRQ + 0x3f80, false, &sw, why,
					 sizeof(why)));
	assert_non_null(strstr(why, "twice"));
}

/* R10 rule from full regs, then an IRET frame, then DI from prev regs */
static void test_register_rules_and_iret(void **state)
{
	(void)state;
	struct vmr_orc_state s;
	char why[160];
	uint64_t regs[VMR_ORC_NREGS] = {0};
	regs[VMR_PT_IP] = FN(F_R10) + 4;
	regs[VMR_PT_SP] = TASK + 0x100;
	regs[VMR_PT_R10] = TASK + 0x300;
	regs[VMR_PT_CS] = 0x10;
	vmr_orc_state_from_regs(&s, regs);
	poke(TASK + 0x2f8, FN(F_IRET) + 4);
	/* IRET frame at 0x300: ip, cs, flags, sp, ss */
	poke(TASK + 0x300, FN(F_LEAF) + 1);
	poke(TASK + 0x308, 0x10);
	poke(TASK + 0x310, 0x246);
	poke(TASK + 0x318, TASK + 0x400);
	poke(TASK + 0x320, 0x18);
	poke(TASK + 0x400, FN(F_END) + 4);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.sp, TASK + 0x300); /* R10 itself, no offset */
	assert_int_equal(s.ip, FN(F_IRET) + 4);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.kind, VMR_ORC_KIND_PARTIAL);
	assert_int_equal(s.regs_addr, TASK + 0x300 - VMR_PT_IRET_OFFSET);
	assert_int_equal(s.ip, FN(F_LEAF) + 1);
	assert_int_equal(s.sp, TASK + 0x400);
	assert_int_equal(s.regs_mask, VMR_PT_IRET_MASK); /* the frame before was a call */
	assert_true(s.signal);
	assert_false(s.user);
	/* signal: the leaf is looked up at ip, not ip - 1 (FN(F_LEAF) + 1 - 1 would
	 * still be the leaf; check the exact-ip rule at a function start) */
	s.ip = FN(F_LEAF);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, FN(F_END) + 4);
	/* a DI rule without registers is an error */
	start(&s, FN(F_DI) + 4, TASK + 0x100, 0);
	s.regs_mask = 0;
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_ERROR);
	assert_non_null(strstr(why, "missing di"));
	/* with full regs it works */
	start(&s, FN(F_DI) + 4, TASK + 0x100, 0);
	s.regs[VMR_PT_DI] = TASK + 0x408;
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, FN(F_END) + 4);
}

static void test_fallbacks_and_errors(void **state)
{
	(void)state;
	struct vmr_orc_state s;
	char why[160];
	/* ip 0 (call through a NULL pointer): the return address at sp */
	start(&s, 0, TASK + 0x100, 0);
	poke(TASK + 0x100, FN(F_END) + 4);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, FN(F_END) + 4);
	assert_int_equal(s.sp, TASK + 0x108);
	assert_true(s.reliable);
	/* no ORC (BPF, trampolines): frame pointer guess, unreliable */
	start(&s, 0xffffffffa0000000ULL, TASK + 0x100, TASK + 0x200);
	poke(TASK + 0x200, TASK + 0x300);
	poke(TASK + 0x208, FN(F_END) + 4);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, FN(F_END) + 4);
	assert_int_equal(s.sp, TASK + 0x210);
	assert_int_equal(s.bp, TASK + 0x300);
	assert_false(s.reliable);
	/* undefined entry */
	start(&s, FN(F_UNDEF) + 4, TASK + 0x100, 0);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_ERROR);
	/* unreadable stack */
	start(&s, FN(F_LEAF) + 4, TASK + STACK_SIZE, 0);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_ERROR);
	assert_non_null(strstr(why, "cannot read"));
	/* a user address as ip */
	start(&s, 0x401000, TASK + 0x100, 0);
	assert_int_equal(vmr_orc_step(&ops, &s, why, sizeof(why)), VMR_ORC_ERROR);
}

/* A frame whose saved bp points at itself: the walk stops, bounded. */
static void test_loop_bounded(void **state)
{
	(void)state;
	struct vmr_orc_state s;
	struct vmr_orc_stacks w = {0};
	char why[160];
	bool sw;
	uint64_t x = TASK + 0x800;
	poke(x, x);                       /* saved bp = itself */
	poke(x + 8, FN(F_BPFRAME) + 0x10); /* returns into the same function */
	start(&s, FN(F_BPFRAME) + 4, TASK + 0x700, x);
	unsigned int steps = 0;
	bool ok = vmr_orc_check_stack(&w, stack_of, NULL, 0, s.sp, true, &sw, why, sizeof(why));
	while (ok && steps < 1000) {
		uint64_t prev = s.sp;
		if (vmr_orc_step(&ops, &s, why, sizeof(why)) != VMR_ORC_OK)
			break;
		steps++;
		ok = vmr_orc_check_stack(&w, stack_of, NULL, prev, s.sp, false, &sw, why, sizeof(why));
	}
	assert_false(ok);
	assert_true(steps <= 2);
	assert_non_null(strstr(why, "wrong direction"));
}

/* Many steps per second (the library's target is 100k frames/s). */
static void test_speed(void **state)
{
	(void)state;
	struct vmr_orc_state s;
	for (unsigned int i = 0; i < 64; i++)
		poke(TASK + 0x100 + 8 * i, FN(F_LEAF) + 4);
	clock_t t0 = clock();
	unsigned long frames = 0;
	for (int r = 0; r < 20000; r++) {
		start(&s, FN(F_LEAF) + 4, TASK + 0x100, 0);
		for (int i = 0; i < 60; i++, frames++)
			if (vmr_orc_step(&ops, &s, NULL, 0) != VMR_ORC_OK)
				break;
	}
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("%lu frames in %.3f s\n", frames, secs);
	assert_true(secs < 1.0 || frames / secs > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decode_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_regs_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_to_task, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_rules_and_iret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallbacks_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
