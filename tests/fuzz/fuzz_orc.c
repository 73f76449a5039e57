/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the ORC unwinder (unwind/orc.c) on arbitrary ORC tables and
 * stacks, and the frame-pointer step (unwind/fp.c): entry decoding (each format, or guessed), table checks and
 * lookups (.orc_lookup given or built), then up to 64 steps with the stack
 * checks of each step.
 * Input: a 32-byte header (flags: bits 0-1 the format, 0 = guess; bit 2
 * a given .orc_lookup, bit 3 a built one, bit 4 wrap every stack address
 * into the memory, bit 5 the frame-pointer step; the entry count; the lookup block count; the start ip,
 * sp and bp offsets; the address of the table's ip array relative to the
 * text), then 4 bytes per ip, 6 bytes per entry, 4 bytes per lookup block,
 * and the rest is the stack.  Layout of tests/unit/test_orc.c.  Seeds:
 * that test's table and stacks.
 */
#include "unwind/orc-priv.h"

#include "fuzz.h"

#define TEXT 0xffffffff81000000ull
#define STACK 0xffffc90000000000ull
#define STACK_SIZE 0x4000ull
#define HDR 32

struct orc_fuzz {
	struct vmr_orc_table t;
	struct fuzz_mem m;
};

static bool rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct orc_fuzz *f = ctx;
	struct vmr_error *err = fuzz_mem_read(&f->m, addr, buf, len);
	vmr_error_free(err);
	return !err;
}

static const struct vmr_orc_entry *find(void *ctx, uint64_t ip)
{
	struct orc_fuzz *f = ctx;
	return vmr_orc_table_find(&f->t, ip);
}

/* Stacks of STACK_SIZE bytes, aligned, anywhere in the 1 MiB after STACK. */
static bool stack_of(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	(void)ctx;
	if (addr < STACK || addr - STACK >= (1u << 20))
		return false;
	*lo = addr & ~(STACK_SIZE - 1);
	*hi = *lo + STACK_SIZE;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size <= HDR)
		return 0;
	struct fuzz_in in = { data, HDR };
	uint64_t flags = fuzz_take(&in, 4);
	size_t n = (size_t)fuzz_take(&in, 2);
	size_t nlookup = (size_t)fuzz_take(&in, 2);
	uint64_t ip = TEXT + fuzz_take(&in, 4);
	uint64_t sp = STACK + fuzz_take(&in, 4);
	uint64_t bp = fuzz_take(&in, 8);
	uint64_t ip_addr = TEXT + fuzz_take(&in, 4);
	size_t rest = size - HDR;
	if (n * 10 > rest)
		n = rest / 10;
	if (!(flags & 4) || nlookup * 4 > rest - n * 10)
		nlookup = 0;
	const uint8_t *ips = data + HDR, *raw = ips + 4 * n, *lookup = raw + 6 * n;
	const uint8_t *stack = lookup + 4 * nlookup;

	enum vmr_orc_format fmt = (enum vmr_orc_format)(flags & 3);
	if (fmt == VMR_ORC_FMT_UNKNOWN)
		fmt = vmr_orc_format_guess(raw, n);
	struct orc_fuzz f = { .m = { .buf = stack, .size = (size_t)(data + size - stack),
				      .base = STACK, .wrap = (flags & 16) != 0 } };
	char why[160];
	if (vmr_orc_table_init(&f.t, "fuzz", ip_addr, ips, raw, n, fmt, 0, 0, why,
			       sizeof(why))) {
		if (!(flags & 32))
			return 0;
		memset(&f.t, 0, sizeof(f.t)); /* the frame-pointer step needs no table */
	}
	if (nlookup)
		(void)vmr_orc_table_set_lookup(&f.t, TEXT, lookup, nlookup, why, sizeof(why));
	else if ((flags & 8) && f.t.hi - f.t.lo <= (64u << 20))
		/* larger ranges are allowed (up to 2^24 blocks) but only slow
		 * the fuzzer down with 64 MiB tables */
		(void)vmr_orc_table_build_lookup(&f.t, f.t.lo, f.t.hi);

	uint64_t regs[VMR_ORC_NREGS] = { 0 };
	regs[VMR_PT_IP] = ip;
	regs[VMR_PT_SP] = sp;
	regs[VMR_PT_BP] = bp;
	regs[VMR_PT_CS] = 0x10;
	struct vmr_orc_state s;
	vmr_orc_state_from_regs(&s, regs);
	struct vmr_orc_ops ops = { .read = rd, .find = find, .ctx = &f };
	struct vmr_orc_stacks w = { 0 };
	bool switched;
	uint64_t prev = 0;
	for (int i = 0; i < 64; i++) {
		if (!vmr_orc_check_stack(&w, stack_of, NULL, prev, s.sp, i == 0, &switched, why,
					 sizeof(why)))
			break;
		prev = s.sp;
		/* bit 5: the frame-pointer step of kernels without ORC instead */
		enum vmr_orc_status st =
			flags & 32 ? vmr_fp_step(&ops, &s, w.known ? w.hi : 0, why, sizeof(why))
				   : vmr_orc_step(&ops, &s, why, sizeof(why));
		if (st != VMR_ORC_OK)
			break;
	}
	vmr_orc_table_fini(&f.t);
	return 0;
}
