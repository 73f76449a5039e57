/* SPDX-License-Identifier: MIT */
/*
 * unwind/fp.c, the frame-pointer step for kernels without ORC, on stacks
 * built here the way such a kernel leaves them: a chain of [saved bp][return
 * address] frames, an interrupt's pt_regs behind a frame pointer with its
 * low bit set, and a syscall's user pt_regs at the top of the task stack
 * after the chain's bp 0; a kernel thread's regs end the walk; broken
 * chains stop with an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "unwind/orc-priv.h"

#define STACK_LO 0xffffc90000010000ull
#define STACK_SIZE 0x4000u
#define STACK_TOP (STACK_LO + STACK_SIZE)
#define TEXT 0xffffffff81000000ull
#define REGS_SIZE (VMR_ORC_NREGS * 8)

static uint64_t stack[STACK_SIZE / 8];

static bool stack_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < STACK_LO || addr > STACK_TOP || len > STACK_TOP - addr)
		return false;
	memcpy(buf, (char *)stack + (addr - STACK_LO), len);
	return true;
}

static void put(uint64_t addr, uint64_t v)
{
	stack[(addr - STACK_LO) / 8] = v;
}

static const struct vmr_orc_ops ops = { .read = stack_read };

static struct vmr_orc_state start(uint64_t ip, uint64_t sp, uint64_t bp)
{
	struct vmr_orc_state s;
	memset(&s, 0, sizeof(s));
	s.ip = ip;
	s.sp = sp;
	s.bp = bp;
	s.signal = true;
	s.reliable = true;
	return s;
}

/* A syscall: three frames, then bp 0 and the user pt_regs at the top. */
static void test_syscall_chain(void **st)
{
	(void)st;
	memset(stack, 0, sizeof(stack));
	uint64_t regs = STACK_TOP - REGS_SIZE;
	put(regs + 8 * VMR_PT_IP, 0x401000);
	put(regs + 8 * VMR_PT_CS, 0x33);
	put(regs + 8 * VMR_PT_SP, 0x7ffc0000);
	uint64_t f3 = regs - 16, f2 = f3 - 0x40, f1 = f2 - 0x80;
	put(f1, f2);
	put(f1 + 8, TEXT + 0x200);
	put(f2, f3);
	put(f2 + 8, TEXT + 0x300);
	put(f3, 0); /* entry code cleared rbp */
	put(f3 + 8, TEXT + 0x400);

	struct vmr_orc_state s = start(TEXT + 0x100, f1 - 0x20, f1);
	char why[160];
	uint64_t want_ip[] = { TEXT + 0x200, TEXT + 0x300, TEXT + 0x400 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_OK);
		assert_int_equal(s.ip, want_ip[i]);
		assert_int_equal(s.kind, VMR_ORC_KIND_CALL);
		assert_false(s.signal);
		assert_true(s.reliable);
	}
	assert_int_equal(s.sp, f3 + 16);
	/* bp 0: the syscall's regs, user mode */
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.kind, VMR_ORC_KIND_REGS);
	assert_int_equal(s.regs_addr, regs);
	assert_int_equal(s.ip, 0x401000);
	assert_true(s.user);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_END);
	assert_string_equal(why, "user mode");
}

/* An interrupt: its handler's frame pointer is the pt_regs address + 1. */
static void test_encoded_regs(void **st)
{
	(void)st;
	memset(stack, 0, sizeof(stack));
	uint64_t irq_regs = STACK_LO + 0x2000;
	uint64_t handler = irq_regs - 0x30;
	put(handler, irq_regs | 1);
	put(handler + 8, TEXT + 0x500);
	put(irq_regs + 8 * VMR_PT_IP, TEXT + 0x600); /* interrupted kernel code */
	put(irq_regs + 8 * VMR_PT_CS, 0x10);
	put(irq_regs + 8 * VMR_PT_SP, STACK_LO + 0x2400);
	put(irq_regs + 8 * VMR_PT_BP, STACK_LO + 0x2400);
	put(STACK_LO + 0x2400, 0);
	put(STACK_LO + 0x2408, TEXT + 0x700);

	struct vmr_orc_state s = start(TEXT + 0x100, handler - 8, handler);
	char why[160];
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, TEXT + 0x500);
	assert_int_equal(s.bp, irq_regs | 1);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.kind, VMR_ORC_KIND_REGS);
	assert_int_equal(s.regs_addr, irq_regs);
	assert_int_equal(s.cfa, irq_regs);
	assert_int_equal(s.ip, TEXT + 0x600);
	assert_true(s.signal);
	assert_false(s.user);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_OK);
	assert_int_equal(s.ip, TEXT + 0x700);
	/* no user regs at the top: the end */
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_END);
	assert_string_equal(why, "end of stack");
}

/* A kernel thread: copy_thread()'s regs at the top, kernel mode: the end. */
static void test_kthread_end(void **st)
{
	(void)st;
	memset(stack, 0, sizeof(stack));
	uint64_t regs = STACK_TOP - REGS_SIZE;
	put(regs + 8 * VMR_PT_CS, 0x10);
	struct vmr_orc_state s = start(TEXT + 0x100, regs - 0x40, regs | 1);
	char why[160];
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_END);
	assert_string_equal(why, "end of stack");
}

static void test_broken(void **st)
{
	(void)st;
	memset(stack, 0, sizeof(stack));
	char why[160];
	/* a frame pointer below sp */
	struct vmr_orc_state s = start(TEXT, STACK_LO + 0x1000, STACK_LO + 0x800);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_ERROR);
	/* misaligned */
	s = start(TEXT, STACK_LO + 0x1000, STACK_LO + 0x1004);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_ERROR);
	/* a return address that is not kernel text */
	put(STACK_LO + 0x1100, STACK_LO + 0x1200);
	put(STACK_LO + 0x1108, 0x1234);
	s = start(TEXT, STACK_LO + 0x1000, STACK_LO + 0x1100);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_ERROR);
	/* a frame outside readable memory */
	s = start(TEXT, STACK_LO + 0x1000, STACK_TOP + 0x1000);
	assert_int_equal(vmr_fp_step(&ops, &s, STACK_TOP, why, sizeof(why)), VMR_ORC_ERROR);
	/* encoded regs that cannot be read */
	s = start(TEXT, STACK_LO + 0x1000, (STACK_TOP + 0x1000) | 1);
	assert_int_equal(vmr_fp_step(&ops, &s, 0, why, sizeof(why)), VMR_ORC_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_chain),
		cmocka_unit_test(test_encoded_regs),
		cmocka_unit_test(test_kthread_end),
		cmocka_unit_test(test_broken),
	};
	return cmocka_run_group_tests_name("fp", tests, NULL, NULL);
}
