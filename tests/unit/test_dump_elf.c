/* SPDX-License-Identifier: MIT */
/** @file test_dump_elf.c  Synthetic ELF vmcores: notes, registers, physical reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmregion/dump.h>
#include "fixtures/mkvmcore.h"

static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nKERNELOFFSET=1c400000\n";

static unsigned char tail_data[0x4000];

static const struct mkvmcore_load two_loads[] = {
	{ .paddr = 0, .filesz = 0x10000, .fill = MKVMCORE_FILL_ADDR },
	/* bytes 0x104000..0x108000 are described but excluded (memsz > filesz) */
	{ .paddr = 0x100000, .filesz = 0x4000, .memsz = 0x8000, .data = tail_data },
};

static void two_cpus(struct mkvmcore_cpu cpus[2])
{
	memset(cpus, 0, 2 * sizeof(cpus[0]));
	cpus[0].prstatus = true;
	cpus[0].pid = 1234;
	for (int i = 0; i < VMR_NR_GREGS; i++)
		cpus[0].gpr[i] = 0x1000 + (uint64_t)i;
	cpus[0].qemu = true;
	cpus[0].qemu_size = 440;
	cpus[0].cr[0] = 0x80050033;
	cpus[0].cr[3] = 0x2782000;
	cpus[0].cr[4] = 0x750eb0;
	cpus[0].gdt_base = 0xfffffe0000001000ULL;
	cpus[0].gdt_limit = 0x7f;
	cpus[0].idt_base = 0xfffffe0000000000ULL;
	cpus[0].idt_limit = 0xfff;
	cpus[0].gs_base = 0xffff8dac0f800000ULL;
	cpus[0].kernel_gs_base = 0x7f0000001000ULL;
	/* CPU 1: QEMU note only, old size without kernel_gs_base. */
	cpus[1].qemu = true;
	cpus[1].qemu_size = 432;
	cpus[1].gpr[VMR_REG_RIP] = 0xffffffff81000010ULL;
	cpus[1].gpr[VMR_REG_RSP] = 0xffffc90000003f00ULL;
	cpus[1].gpr[VMR_REG_RAX] = 0xaa;
	cpus[1].gpr[VMR_REG_R15] = 0xf15;
	cpus[1].gpr[VMR_REG_EFLAGS] = 0x246;
	cpus[1].gpr[VMR_REG_CS] = 0x10;
	cpus[1].cr[3] = 0x1234000;
	cpus[1].gs_base = 0xffff8dac0f900000ULL;
}

static struct vmr_dump *open_ok(const char *path)
{
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open(path, &d);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	assert_non_null(d);
	return d;
}

static void expect_fault(struct vmr_dump *d, uint64_t paddr, size_t len, uint64_t want)
{
	unsigned char buf[64];
	assert_true(len <= sizeof(buf));
	struct vmr_error *err = vmr_dump_read_phys(d, paddr, buf, len);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	uint64_t at = 0;
	assert_true(vmr_error_address(err, &at));
	assert_int_equal(at, want);
	vmr_error_free(err);
}

static void check_two_loads(struct vmr_dump *d)
{
	uint64_t words[4];
	assert_null(vmr_dump_read_phys(d, 0x1238, words, sizeof(words)));
	for (int i = 0; i < 4; i++)
		assert_int_equal(words[i], 0x1238 + 8 * i);
	/* An unaligned read keeps the bytes of the address pattern. */
	unsigned char b[3];
	assert_null(vmr_dump_read_phys(d, 0xfff9, b, 3));
	assert_int_equal(b[0], 0xff); /* word 0xfff8: f8 ff 00 ... */
	assert_int_equal(b[1], 0x00);
	assert_int_equal(b[2], 0x00);
	unsigned char t[16];
	assert_null(vmr_dump_read_phys(d, 0x103ff0, t, sizeof(t)));
	assert_memory_equal(t, tail_data + 0x3ff0, sizeof(t));
	/* A read running off the end of a load faults at the first missing byte. */
	expect_fault(d, 0xfff8, 16, 0x10000);
	/* In the gap between loads. */
	expect_fault(d, 0x20000, 8, 0x20000);
	/* Inside p_memsz but past p_filesz: not in the dump. */
	expect_fault(d, 0x104000, 8, 0x104000);
	expect_fault(d, 0x103ffc, 8, 0x104000);
	/* Past everything, and a range that wraps around. */
	expect_fault(d, 0xfffffffffffffff0ULL, 8, 0xfffffffffffffff0ULL);
	expect_fault(d, 0xfffffffffffffffcULL, 8, 0xfffffffffffffffcULL);
	assert_true(vmr_dump_has_phys(d, 0));
	assert_true(vmr_dump_has_phys(d, 0xffff));
	assert_false(vmr_dump_has_phys(d, 0x10000));
	assert_true(vmr_dump_has_phys(d, 0x103fff));
	assert_false(vmr_dump_has_phys(d, 0x104000));
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->memory_bytes, 0x10000 + 0x8000);
	assert_int_equal(info->max_paddr, 0x108000);
	assert_null(vmr_dump_read_phys(d, 0x20000, NULL, 0)); /* empty read */
}

static void check_two_cpus(struct vmr_dump *d)
{
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->ncpus, 2);
	const struct vmr_cpu_state *c0 = vmr_dump_cpu(d, 0), *c1 = vmr_dump_cpu(d, 1);
	assert_non_null(c0);
	assert_non_null(c1);
	assert_null(vmr_dump_cpu(d, 2));
	assert_int_equal(c0->index, 0);
	assert_true(c0->has_prstatus);
	assert_int_equal(c0->pr_pid, 1234);
	for (int i = 0; i < VMR_NR_GREGS; i++)
		assert_int_equal(c0->gpr[i], 0x1000 + (uint64_t)i);
	assert_true(c0->has_sysregs);
	assert_int_equal(c0->cr[0], 0x80050033);
	assert_int_equal(c0->cr[3], 0x2782000);
	assert_int_equal(c0->cr[4], 0x750eb0);
	assert_int_equal(c0->gdt_base, 0xfffffe0000001000ULL);
	assert_int_equal(c0->gdt_limit, 0x7f);
	assert_int_equal(c0->idt_base, 0xfffffe0000000000ULL);
	assert_int_equal(c0->idt_limit, 0xfff);
	assert_int_equal(c0->gs_base, 0xffff8dac0f800000ULL);
	assert_true(c0->has_kernel_gs_base);
	assert_int_equal(c0->kernel_gs_base, 0x7f0000001000ULL);

	assert_int_equal(c1->index, 1);
	assert_false(c1->has_prstatus);
	assert_true(c1->has_sysregs);
	assert_false(c1->has_kernel_gs_base);
	assert_int_equal(c1->cr[3], 0x1234000);
	/* Registers come from the QEMU note, mapped into user_regs_struct order. */
	assert_int_equal(c1->gpr[VMR_REG_RIP], 0xffffffff81000010ULL);
	assert_int_equal(c1->gpr[VMR_REG_RSP], 0xffffc90000003f00ULL);
	assert_int_equal(c1->gpr[VMR_REG_RAX], 0xaa);
	assert_int_equal(c1->gpr[VMR_REG_R15], 0xf15);
	assert_int_equal(c1->gpr[VMR_REG_EFLAGS], 0x246);
	assert_int_equal(c1->gpr[VMR_REG_CS], 0x10);
	assert_int_equal(c1->gpr[VMR_REG_GS_BASE], 0xffff8dac0f900000ULL);
}

static void round_trip(bool qemu_layout, bool pn_xnum)
{
	for (size_t i = 0; i < sizeof(tail_data); i++)
		tail_data[i] = (unsigned char)(i * 7 + 3);
	struct mkvmcore_cpu cpus[2];
	two_cpus(cpus);
	struct mkvmcore_spec spec = {
		.loads = two_loads, .nloads = 2, .cpus = cpus, .ncpus = 2,
		.vmcoreinfo = vmcoreinfo, .qemu_layout = qemu_layout, .pn_xnum = pn_xnum,
	};
	char path[256];
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	struct vmr_dump *d = open_ok(path);
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->format, VMR_DUMP_ELF);
	assert_string_equal(info->format_name, "ELF vmcore");
	assert_null(info->compression);
	/* QEMU notes, but an excluded tail: makedumpfile -E made it. */
	assert_string_equal(info->producer, "makedumpfile");
	assert_false(info->flattened);
	assert_false(info->zstd_wrapped);
	assert_false(info->truncated);
	assert_false(info->has_phys_base_header);
	assert_string_equal(vmr_dump_path(d), path);
	const char *text;
	size_t len;
	assert_true(vmr_dump_vmcoreinfo(d, &text, &len));
	assert_int_equal(len, strlen(vmcoreinfo));
	assert_memory_equal(text, vmcoreinfo, len);
	const struct vmr_load_segment *segs;
	assert_int_equal(vmr_dump_segments(d, &segs), 0);
	check_two_cpus(d);
	check_two_loads(d);
	vmr_dump_close(d);
	unlink(path);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip(false, false);
}

static void test_qemu_layout(void **state)
{
	(void)state;
	round_trip(true, false);
}

static void test_pn_xnum(void **state)
{
	(void)state;
	round_trip(true, true);
	round_trip(false, true);
}

/** A QEMU-style complete dump: producer qemu, no segments, no VMCOREINFO. */
static void test_qemu_producer(void **state)
{
	(void)state;
	static const struct mkvmcore_load loads[] = {
		{ .paddr = 0, .filesz = 0x3000, .fill = MKVMCORE_FILL_BYTE, .byte = 0x11 },
		{ .paddr = 0x3000, .filesz = 0x1000, .fill = MKVMCORE_FILL_BYTE, .byte = 0x22 },
	};
	struct mkvmcore_cpu cpu = { .prstatus = true, .pid = 1, .qemu = true };
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 2, .cpus = &cpu, .ncpus = 1,
				      .qemu_layout = true };
	char path[256];
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	struct vmr_dump *d = open_ok(path);
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_string_equal(info->producer, "qemu");
	assert_int_equal(info->ncpus, 1);
	assert_true(vmr_dump_cpu(d, 0)->has_kernel_gs_base); /* size 440 by default */
	assert_false(vmr_dump_vmcoreinfo(d, NULL, NULL));
	/* A read spanning two adjacent loads. */
	unsigned char b[32];
	assert_null(vmr_dump_read_phys(d, 0x2ff0, b, sizeof(b)));
	assert_int_equal(b[0], 0x11);
	assert_int_equal(b[15], 0x11);
	assert_int_equal(b[16], 0x22);
	assert_int_equal(b[31], 0x22);
	vmr_dump_close(d);
	unlink(path);
}

/** A /proc/vmcore copy: kernel virtual addresses, NT_PRSTATUS only. */
static void test_kdump_elf(void **state)
{
	(void)state;
	static const uint64_t pgd[2] = { 0x1063, 0x2063 };
	static const struct mkvmcore_poke pokes[] = { { .paddr = 0x1ff0, .data = pgd, .len = 16 } };
	static const struct mkvmcore_load loads[] = {
		/* kernel text through __START_KERNEL_map */
		{ .paddr = 0x1000000, .vaddr = 0xffffffff81000000ULL, .filesz = 0x2000 },
		/* RAM through the direct map */
		{ .paddr = 0x1000, .vaddr = 0xffff888000001000ULL, .filesz = 0x2000,
		  .fill = MKVMCORE_FILL_ADDR },
	};
	struct mkvmcore_cpu cpus[2] = {
		{ .prstatus = true, .pid = 0 },
		{ .prstatus = true, .pid = 162, .gpr = { [VMR_REG_RIP] = 0xffffffffc032c07cULL } },
	};
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 2, .pokes = pokes, .npokes = 1,
				      .cpus = cpus, .ncpus = 2, .vmcoreinfo = vmcoreinfo };
	char path[256];
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	struct vmr_dump *d = open_ok(path);
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->format, VMR_DUMP_ELF);
	assert_string_equal(info->producer, "kdump");
	assert_int_equal(info->ncpus, 2);
	assert_false(vmr_dump_cpu(d, 1)->has_sysregs);
	assert_int_equal(vmr_dump_cpu(d, 1)->pr_pid, 162);
	assert_int_equal(vmr_dump_cpu(d, 1)->gpr[VMR_REG_RIP], 0xffffffffc032c07cULL);
	const struct vmr_load_segment *segs;
	assert_int_equal(vmr_dump_segments(d, &segs), 2);
	assert_int_equal(segs[0].vaddr, 0xffffffff81000000ULL);
	assert_int_equal(segs[0].paddr, 0x1000000);
	assert_int_equal(segs[0].size, 0x2000);
	assert_int_equal(segs[1].vaddr, 0xffff888000001000ULL);
	/* Pokes land over the fill. */
	uint64_t w[3];
	assert_null(vmr_dump_read_phys(d, 0x1fe8, w, sizeof(w)));
	assert_int_equal(w[0], 0x1fe8);
	assert_int_equal(w[1], 0x1063);
	assert_int_equal(w[2], 0x2063);
	assert_null(vmr_dump_read_phys(d, 0x1000000, w, 8));
	assert_int_equal(w[0], 0);
	expect_fault(d, 0x3000, 8, 0x3000);
	vmr_dump_close(d);
	unlink(path);
}

/** kcore: not-RAM loads (p_paddr -1), kernel text overlapping RAM. */
static void test_kcore_shape(void **state)
{
	(void)state;
	static const struct mkvmcore_load loads[] = {
		{ .paddr = 0x100000, .vaddr = 0xffffffff81000000ULL, .filesz = 0x2000,
		  .fill = MKVMCORE_FILL_ADDR },
		{ .paddr = UINT64_MAX, .vaddr = 0xffffc90000000000ULL, .filesz = 0x1000 },
		{ .paddr = 0, .vaddr = 0xffff888000000000ULL, .filesz = 0x400000,
		  .fill = MKVMCORE_FILL_ADDR },
	};
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 3, .kcore = true,
				      .vmcoreinfo = vmcoreinfo };
	char path[256];
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	struct vmr_dump *d = open_ok(path);
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->format, VMR_DUMP_KCORE);
	assert_string_equal(info->format_name, "/proc/kcore");
	assert_null(info->producer);
	assert_int_equal(info->memory_bytes, 0x400000);
	/* Its zero-filled NT_PRSTATUS is no CPU. */
	assert_int_equal(info->ncpus, 0);
	assert_null(vmr_dump_cpu(d, 0));
	const struct vmr_load_segment *segs;
	assert_int_equal(vmr_dump_segments(d, &segs), 3);
	assert_int_equal(segs[1].paddr, UINT64_MAX);
	/* Overlapping loads: every address of RAM is found. */
	uint64_t w;
	for (uint64_t pa = 0x8; pa < 0x400000; pa += 0x3f8) {
		assert_null(vmr_dump_read_phys(d, pa, &w, 8));
		assert_int_equal(w, pa);
	}
	assert_null(vmr_dump_read_phys(d, 0x101000, &w, 8));
	assert_int_equal(w, 0x101000);
	expect_fault(d, 0x400000, 8, 0x400000);
	vmr_dump_close(d);
	unlink(path);
}

/** A copy cut short inside the data: opens, says truncated, faults past the cut. */
static void test_truncated_data(void **state)
{
	(void)state;
	static const struct mkvmcore_load loads[] = {
		{ .paddr = 0, .filesz = 0x2000, .fill = MKVMCORE_FILL_ADDR },
		{ .paddr = 0x10000, .filesz = 0x2000, .fill = MKVMCORE_FILL_ADDR },
	};
	struct mkvmcore_spec spec = { .loads = loads, .nloads = 2 };
	char path[256];
	struct mkvmcore_layout lay;
	assert_int_equal(mkvmcore_write_layout(&spec, path, sizeof(path), &lay), 0);
	assert_int_equal(truncate(path, (off_t)(lay.file_size - 0x1000)), 0);
	struct vmr_dump *d = open_ok(path);
	assert_true(vmr_dump_get_info(d)->truncated);
	uint64_t w;
	assert_null(vmr_dump_read_phys(d, 0x10ff8, &w, 8));
	assert_int_equal(w, 0x10ff8);
	expect_fault(d, 0x10ff8, 16, 0x11000);
	assert_false(vmr_dump_has_phys(d, 0x11000));
	vmr_dump_close(d);
	unlink(path);
}

/** Two handles on the same file are independent. */
static void test_two_handles(void **state)
{
	(void)state;
	struct mkvmcore_spec spec = { .loads = two_loads, .nloads = 2,
				      .vmcoreinfo = vmcoreinfo };
	char path[256];
	assert_int_equal(mkvmcore_write(&spec, path, sizeof(path)), 0);
	struct vmr_dump *a = open_ok(path), *b = open_ok(path);
	vmr_dump_close(a);
	uint64_t w;
	assert_null(vmr_dump_read_phys(b, 0x100, &w, 8));
	assert_int_equal(w, 0x100);
	assert_int_equal(vmr_dump_get_info(b)->ncpus, 0);
	assert_null(vmr_dump_cpu(b, 0));
	vmr_dump_close(b);
	vmr_dump_close(NULL);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_qemu_layout),
		cmocka_unit_test(test_pn_xnum),
		cmocka_unit_test(test_qemu_producer),
		cmocka_unit_test(test_kdump_elf),
		cmocka_unit_test(test_kcore_shape),
		cmocka_unit_test(test_truncated_data),
		cmocka_unit_test(test_two_handles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
