/* SPDX-License-Identifier: MIT */
/*
 * triage/oops.c on oops texts written here in the kernel's formats for the
 * shapes the corpus lacks (page-fault NULL dereference, general protection
 * fault, kernel BUG at, WARNING with ---[ end trace, soft lockup, hung task,
 * RCU stall, module frames with build ids, old [<addr>] traces), with the
 * prefixes of dmesg, syslog and /dev/kmsg, and fuzz-style inputs: truncated
 * lines, binary garbage, 1 MB lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triage/oops.h"

/* 6.1 page fault on a NULL store in a module (arch/x86/mm/fault.c). */
static const char null_deref[] =
	"[   11.386174] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
	"[   11.386321] #PF: supervisor write access in kernel mode\n"
	"[   11.386392] #PF: error_code(0x0002) - not-present page\n"
	"[   11.386492] PGD 0 P4D 0 \n"
	"[   11.386700] Oops: 0002 [#1] PREEMPT SMP NOPTI\n"
	"[   11.386827] CPU: 3 PID: 4242 Comm: modprobe Tainted: G           OE      6.1.0 #1\n"
	"[   11.387058] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)\n"
	"[   11.387101] RIP: 0010:foo_store+0x16/0x20 [foo 0123456789abcdef0123456789abcdef01234567]\n"
	"[   11.387101] Code: 48 8b 05 ec 33 00 00 <c7> 40 08 5a 5a 00 00 c3\n"
	"[   11.387101] RSP: 0018:ffffb5e4c0463d70 EFLAGS: 00010246\n"
	"[   11.387101] RAX: 0000000000000000 RBX: ffff9d2c01901c80 RCX: 0000000000000000\n"
	"[   11.387101] RDX: 0000000000000000 RSI: ffffffffc0a02010 RDI: 0000000000000001\n"
	"[   11.387101] RBP: ffffb5e4c0463d88 R08: 0000000000000000 R09: 0000000000000000\n"
	"[   11.387101] R10: 0000000000000003 R11: ffffffffa0e01234 R12: 0000000000000005\n"
	"[   11.387101] R13: ffff9d2c01901c80 R14: 0000000000000000 R15: 0000000000000000\n"
	"[   11.387101] FS:  00007f1e3c5d8740(0000) GS:ffff9d2c0fd00000(0000) knlGS:0000000000000000\n"
	"[   11.387101] CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033\n"
	"[   11.387101] CR2: 0000000000000008 CR3: 0000000017e0e000 CR4: 0000000000750ea0\n"
	"[   11.387101] Call Trace:\n"
	"[   11.387101]  <TASK>\n"
	"[   11.387101]  foo_write+0x7c/0xa0 [foo]\n"
	"[   11.387101]  ? __pfx_foo_write+0x10/0x10 [foo]\n"
	"[   11.387101]  vfs_write+0x235/0x3f0\n"
	"[   11.387101]  ksys_write+0x6b/0xf0\n"
	"[   11.387101]  do_syscall_64+0x5d/0x90\n"
	"[   11.387101]  entry_SYSCALL_64_after_hwframe+0x6e/0xd8\n"
	"[   11.387101] RIP: 0033:0x7f1e3c6d2a37\n"
	"[   11.387101] RSP: 002b:00007ffe09791e78 EFLAGS: 00000246 ORIG_RAX: 0000000000000001\n"
	"[   11.387101] RAX: ffffffffffffffda RBX: 0000000000000001 RCX: 00007f1e3c6d2a37\n"
	"[   11.387101]  </TASK>\n"
	"[   11.387101] Modules linked in: foo(OE)\n"
	"[   11.387101] CR2: 0000000000000008\n"
	"[   11.387101] ---[ end trace 0000000000000000 ]---\n";

/* 6.12 general protection fault (die() prefixes "Oops: "). */
static const char gpf[] =
	"Oops: general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI\n"
	"CPU: 0 UID: 0 PID: 77 Comm: kworker/0:2 Not tainted 6.12.0 #1\n"
	"Workqueue: events bar_work\n"
	"RIP: 0010:list_del_entry_valid+0x5/0x80\n"
	"RSP: 0018:ffffb5e4c0013e48 EFLAGS: 00010286\n"
	"RAX: dead000000000122 RBX: ffff9d2c04a1b2c0 RCX: 0000000000000000\n"
	"Call Trace:\n"
	" <TASK>\n"
	" ? die_addr+0x36/0x90\n"
	" ? exc_general_protection+0x1c5/0x430\n"
	" ? asm_exc_general_protection+0x26/0x30\n"
	" bar_remove+0x1d/0x60 [bar]\n"
	" bar_work+0x40/0x70 [bar]\n"
	" process_one_work+0x174/0x340\n"
	" worker_thread+0x27e/0x390\n"
	" kthread+0xd2/0x100\n"
	" ret_from_fork+0x34/0x50\n"
	" ret_from_fork_asm+0x1a/0x30\n"
	" </TASK>\n"
	"---[ end trace 0000000000000000 ]---\n"
	"Kernel panic - not syncing: Fatal exception\n"
	"Kernel Offset: 0x1f200000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n";

/* kernel BUG at, old style (4.x): "invalid opcode" oops line, [<addr>] entries. */
static const char bug_at[] =
	"<4>[  100.000001] ------------[ cut here ]------------\n"
	"<2>[  100.000002] kernel BUG at mm/slub.c:3921!\n"
	"<4>[  100.000003] invalid opcode: 0000 [#1] SMP PTI\n"
	"<4>[  100.000004] CPU: 1 PID: 1 Comm: swapper/0 Not tainted 4.19.0 #1\n"
	"<4>[  100.000005] RIP: 0010:[<ffffffff8121a3c5>]  [<ffffffff8121a3c5>] kfree+0x165/0x180\n"
	"<4>[  100.000006] RSP: 0000:ffffc90000013d90  EFLAGS: 00010246\n"
	"<4>[  100.000007] Call Trace:\n"
	"<4>[  100.000008]  [<ffffffff81300a10>] baz_release+0x20/0x40\n"
	"<4>[  100.000009]  [<ffffffff81300b20>] ? baz_helper+0x10/0x30\n"
	"<4>[  100.000010]  [<ffffffff81001234>] do_one_initcall+0x44/0x190\n";

/* WARNING with panic_on_warn (kernel/panic.c __warn, check_panic_on_warn). */
static const char warning[] =
	"Nov 24 07:25:45 host kernel: [   55.100000] ------------[ cut here ]------------\n"
	"Nov 24 07:25:45 host kernel: [   55.100001] WARNING: CPU: 2 PID: 900 at drivers/qux/qux.c:77 qux_check+0x2a/0x40 [qux]\n"
	"Nov 24 07:25:45 host kernel: [   55.100002] Modules linked in: qux\n"
	"Nov 24 07:25:45 host kernel: [   55.100003] CPU: 2 PID: 900 Comm: quxd Tainted: G        W 6.1.0 #1\n"
	"Nov 24 07:25:45 host kernel: [   55.100004] RIP: 0010:qux_check+0x2a/0x40 [qux]\n"
	"Nov 24 07:25:45 host kernel: [   55.100005] Call Trace:\n"
	"Nov 24 07:25:45 host kernel: [   55.100006]  <TASK>\n"
	"Nov 24 07:25:45 host kernel: [   55.100007]  qux_ioctl+0x90/0x120 [qux]\n"
	"Nov 24 07:25:45 host kernel: [   55.100008]  __x64_sys_ioctl+0x8d/0xd0\n"
	"Nov 24 07:25:45 host kernel: [   55.100009]  do_syscall_64+0x5d/0x90\n"
	"Nov 24 07:25:45 host kernel: [   55.100010]  </TASK>\n"
	"Nov 24 07:25:45 host kernel: [   55.100011] ---[ end trace 1a2b3c4d5e6f7a8b ]---\n"
	"Nov 24 07:25:45 host kernel: [   55.100012] Kernel panic - not syncing: kernel: panic_on_warn set ...\n"
	"Nov 24 07:25:45 host kernel: [   55.100013] CPU: 2 PID: 900 Comm: quxd Tainted: G        W 6.1.0 #1\n"
	"Nov 24 07:25:45 host kernel: [   55.100014] Call Trace:\n"
	"Nov 24 07:25:45 host kernel: [   55.100015]  <TASK>\n"
	"Nov 24 07:25:45 host kernel: [   55.100016]  dump_stack_lvl+0x44/0x5c\n"
	"Nov 24 07:25:45 host kernel: [   55.100017]  panic+0x118/0x2f4\n"
	"Nov 24 07:25:45 host kernel: [   55.100018]  check_panic_on_warn.cold+0x19/0x19\n"
	"Nov 24 07:25:45 host kernel: [   55.100019]  __warn+0x7b/0xc0\n";

/* Soft lockup (kernel/watchdog.c): RIP is the stuck function; IRQ frames are the detector. */
static const char soft_lockup[] =
	"[  200.000000] watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [spinner:321]\n"
	"[  200.000001] Modules linked in: spin\n"
	"[  200.000002] CPU: 3 PID: 321 Comm: spinner Tainted: G             L     6.1.0 #1\n"
	"[  200.000003] RIP: 0010:spin_forever+0x5/0x10 [spin]\n"
	"[  200.000004] RSP: 0018:ffffb5e4c0013e48 EFLAGS: 00000202\n"
	"[  200.000005] Call Trace:\n"
	"[  200.000006]  <IRQ>\n"
	"[  200.000007]  watchdog_timer_fn+0x1b0/0x210\n"
	"[  200.000008]  __hrtimer_run_queues+0x112/0x2b0\n"
	"[  200.000009]  hrtimer_interrupt+0xfe/0x220\n"
	"[  200.000010]  </IRQ>\n"
	"[  200.000011]  <TASK>\n"
	"[  200.000012]  asm_sysvec_apic_timer_interrupt+0x16/0x20\n"
	"[  200.000013]  spin_thread+0x20/0x40 [spin]\n"
	"[  200.000014]  kthread+0xd2/0x100\n"
	"[  200.000015]  </TASK>\n"
	"[  200.000016] Kernel panic - not syncing: softlockup: hung tasks\n";

/* Hung task (kernel/hung_task.c). */
static const char hung_task[] =
	"[ 1234.000000] INFO: task jbd2/sda1-8:245 blocked for more than 120 seconds.\n"
	"[ 1234.000001]       Not tainted 6.1.0 #1\n"
	"[ 1234.000002] \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n"
	"[ 1234.000003] task:jbd2/sda1-8     state:D stack:0     pid:245   ppid:2      flags:0x00004000\n"
	"[ 1234.000004] Call Trace:\n"
	"[ 1234.000005]  <TASK>\n"
	"[ 1234.000006]  __schedule+0x34d/0x9e0\n"
	"[ 1234.000007]  schedule+0x5a/0xd0\n"
	"[ 1234.000008]  io_schedule+0x42/0x70\n"
	"[ 1234.000009]  bit_wait_io+0xd/0x60\n"
	"[ 1234.000010]  __wait_on_bit+0x4b/0x140\n"
	"[ 1234.000011]  jbd2_journal_commit_transaction+0x1234/0x1a00 [jbd2]\n"
	"[ 1234.000012]  </TASK>\n"
	"[ 1234.000013] Kernel panic - not syncing: hung_task: blocked tasks\n"
	"[ 1234.000014] CPU: 0 PID: 40 Comm: khungtaskd Not tainted 6.1.0 #1\n"
	"[ 1234.000015] Call Trace:\n"
	"[ 1234.000016]  <TASK>\n"
	"[ 1234.000017]  dump_stack_lvl+0x44/0x5c\n"
	"[ 1234.000018]  panic+0x118/0x2f4\n"
	"[ 1234.000019]  watchdog.cold+0x1e/0x1e\n"
	"[ 1234.000020]  kthread+0xd2/0x100\n"
	"[ 1234.000021]  </TASK>\n";

/* RCU stall (kernel/rcu/tree_stall.h). */
static const char rcu_stall[] =
	"[  300.000000] rcu: INFO: rcu_preempt self-detected stall on CPU\n"
	"[  300.000001] rcu: \t1-....: (21000 ticks this GP) idle=7fc/1/0x4000000000000000\n"
	"[  300.000002] \t(t=21001 jiffies g=1234 q=567 ncpus=4)\n"
	"[  300.000003] NMI backtrace for cpu 1\n"
	"[  300.000004] CPU: 1 PID: 555 Comm: looper Not tainted 6.1.0 #1\n"
	"[  300.000005] RIP: 0010:loop_locked+0x12/0x30 [looper]\n"
	"[  300.000006] Call Trace:\n"
	"[  300.000007]  <IRQ>\n"
	"[  300.000008]  rcu_dump_cpu_stacks+0xa0/0xe0\n"
	"[  300.000009]  rcu_sched_clock_irq+0x3a0/0xd00\n"
	"[  300.000010]  </IRQ>\n"
	"[  300.000011]  <TASK>\n"
	"[  300.000012]  loop_fn+0x30/0x60 [looper]\n"
	"[  300.000013]  </TASK>\n";

/* Feed a NUL-terminated text line by line. */
static struct vmr_oops_parser *parse_text(const char *text)
{
	struct vmr_oops_parser *p;
	assert_null(vmr_oops_parser_create(&p));
	const char *s = text;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		vmr_oops_parser_feed(p, s, n, NULL);
		s += n + (nl ? 1 : 0);
	}
	return p;
}

static void signature_of(const char *text, struct vmr_signature *sig)
{
	struct vmr_oops_parser *p = parse_text(text);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_non_null(r);
	vmr_oops_signature(r, sig);
	vmr_oops_parser_destroy(p);
}

static void test_null_deref(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(null_deref);
	assert_int_equal(vmr_oops_parser_count(p), 1);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_int_equal(r->kind, VMR_OOPS_NULL_DEREF);
	assert_string_equal(r->title, "BUG: kernel NULL pointer dereference, address: 0000000000000008");
	assert_string_equal(r->oops_line, "Oops: 0002 [#1] PREEMPT SMP NOPTI");
	assert_true(r->has_cpu && r->has_pid);
	assert_int_equal(r->cpu, 3);
	assert_int_equal(r->pid, 4242);
	assert_string_equal(r->comm, "modprobe");
	assert_true(r->has_rip && !r->rip_user);
	assert_string_equal(r->rip.function, "foo_store");
	assert_int_equal(r->rip.offset, 0x16);
	assert_int_equal(r->rip.size, 0x20);
	assert_string_equal(r->rip.module, "foo");
	assert_string_equal(r->rip.build_id, "0123456789abcdef0123456789abcdef01234567");
	/* the first register block (kernel), not the user one after the trace */
	assert_int_equal(r->regs[VMR_OOPS_RSP], 0xffffb5e4c0463d70ull);
	assert_int_equal(r->regs[VMR_OOPS_RAX], 0);
	assert_int_equal(r->regs[VMR_OOPS_RBX], 0xffff9d2c01901c80ull);
	assert_int_equal(r->regs[VMR_OOPS_GS], 0xffff9d2c0fd00000ull);
	assert_int_equal(r->regs[VMR_OOPS_CR2], 8);
	assert_true(r->has_code && r->ended);
	assert_int_equal(r->nframes, 6);
	assert_string_equal(r->frames[0].sym.function, "foo_write");
	assert_string_equal(r->frames[0].sym.module, "foo");
	assert_int_equal(r->frames[0].ctx, VMR_OOPS_CTX_TASK);
	assert_true(r->frames[1].unreliable);
	assert_false(r->frames[2].unreliable);
	assert_null(vmr_oops_parser_panic(p));
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	assert_string_equal(sig.title, "BUG: kernel NULL pointer dereference in foo_store");
	assert_int_equal(sig.nframes, 5);
	assert_string_equal(sig.frames[1], "foo_write");
	assert_string_equal(sig.frames[2], "vfs_write");
	vmr_oops_parser_destroy(p);
}

static void test_gpf(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(gpf);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_int_equal(r->kind, VMR_OOPS_GPF);
	assert_int_equal(r->cpu, 0);
	assert_int_equal(r->pid, 77);
	assert_string_equal(r->comm, "kworker/0:2");
	assert_string_equal(vmr_oops_parser_panic(p), "Kernel panic - not syncing: Fatal exception");
	uint64_t off;
	assert_true(vmr_oops_parser_kernel_offset(p, &off));
	assert_int_equal(off, 0x1f200000);
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	/* RIP, then the reliable frames: the exception entry ("? ") is skipped */
	assert_string_equal(sig.title, "general protection fault in list_del_entry_valid");
	assert_string_equal(sig.frames[1], "bar_remove");
	assert_string_equal(sig.frames[2], "bar_work");
	vmr_oops_parser_destroy(p);
}

static void test_bug_at(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(bug_at);
	assert_int_equal(vmr_oops_parser_count(p), 1);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_int_equal(r->kind, VMR_OOPS_BUG_AT);
	assert_string_equal(r->oops_line, "invalid opcode: 0000 [#1] SMP PTI");
	assert_string_equal(r->comm, "swapper/0");
	assert_true(r->rip.has_addr);
	assert_int_equal(r->rip.addr, 0xffffffff8121a3c5ull);
	assert_string_equal(r->rip.function, "kfree");
	assert_int_equal(r->nframes, 3);
	assert_true(r->frames[0].sym.has_addr);
	assert_int_equal(r->frames[0].sym.addr, 0xffffffff81300a10ull);
	assert_true(r->frames[1].unreliable);
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	assert_string_equal(sig.kind, "kernel BUG at mm/slub.c");
	assert_string_equal(sig.title, "kernel BUG at mm/slub.c in kfree");
	vmr_oops_parser_destroy(p);
}

static void test_warning(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(warning);
	assert_int_equal(vmr_oops_parser_count(p), 2);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	/* the panic was caused by the WARNING: the WARNING explains the crash */
	assert_int_equal(r->kind, VMR_OOPS_WARNING);
	assert_true(r->ended);
	assert_int_equal(r->cpu, 2);
	assert_int_equal(r->pid, 900);
	assert_string_equal(r->comm, "quxd");
	assert_string_equal(r->rip.function, "qux_check");
	assert_int_equal(r->nframes, 3);
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	assert_string_equal(sig.title, "WARNING in qux_check");
	assert_string_equal(sig.frames[1], "qux_ioctl");
	assert_string_equal(sig.frames[2], "__x64_sys_ioctl");
	/* the panic report on its own: machinery frames skipped, .cold dropped */
	const struct vmr_oops_report *pr = vmr_oops_parser_report(p, 1);
	assert_int_equal(pr->kind, VMR_OOPS_PANIC);
	vmr_oops_signature(pr, &sig);
	assert_int_equal(sig.nframes, 0);
	vmr_oops_parser_destroy(p);

	struct vmr_oops_line l;
	const char *w = "WARNING: CPU: 2 PID: 900 at drivers/qux/qux.c:77 qux_check+0x2a/0x40 [qux]";
	vmr_oops_parse_line(w, strlen(w), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_HEADER);
	assert_true(l.has_cpu && l.has_pid);
	assert_string_equal(l.sym.function, "qux_check");
	assert_string_equal(l.sym.module, "qux");
}

static void test_soft_lockup(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(soft_lockup);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_int_equal(r->kind, VMR_OOPS_SOFT_LOCKUP);
	assert_int_equal(r->cpu, 3);
	assert_int_equal(r->pid, 321);
	assert_string_equal(r->comm, "spinner");
	assert_int_equal(r->frames[0].ctx, VMR_OOPS_CTX_IRQ);
	assert_int_equal(r->frames[4].ctx, VMR_OOPS_CTX_TASK);
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	assert_string_equal(sig.title, "BUG: soft lockup in spin_forever");
	assert_int_equal(sig.nframes, 3);
	assert_string_equal(sig.frames[1], "spin_thread");
	assert_string_equal(sig.frames[2], "kthread");
	vmr_oops_parser_destroy(p);
}

static void test_hung_task(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(hung_task);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_int_equal(r->kind, VMR_OOPS_HUNG_TASK);
	assert_int_equal(r->pid, 245);
	assert_string_equal(r->comm, "jbd2/sda1-8");
	assert_false(r->has_cpu);
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	assert_string_equal(sig.title, "INFO: task hung in bit_wait_io");
	assert_string_equal(sig.frames[2], "jbd2_journal_commit_transaction");
	vmr_oops_parser_destroy(p);
}

static void test_rcu_stall(void **state)
{
	(void)state;
	struct vmr_oops_parser *p = parse_text(rcu_stall);
	/* the "NMI backtrace" CPU: line belongs to the stall report */
	assert_int_equal(vmr_oops_parser_count(p), 1);
	const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
	assert_int_equal(r->kind, VMR_OOPS_RCU_STALL);
	assert_int_equal(r->cpu, 1);
	assert_string_equal(r->comm, "looper");
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	assert_string_equal(sig.title, "INFO: rcu detected stall in loop_locked");
	assert_int_equal(sig.nframes, 2);
	assert_string_equal(sig.frames[1], "loop_fn");
	vmr_oops_parser_destroy(p);
}

/* Same crash, other boot: other addresses, offsets, times, slide, prefixes. */
static void test_signature_stable(void **state)
{
	(void)state;
	static const char other_boot[] =
		"<1>[    3.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
		"<1>[    3.000001] Oops: 0002 [#1] SMP\n"
		"<4>[    3.000002] CPU: 0 PID: 99 Comm: insmod Tainted: G OE 6.1.0 #1\n"
		"<4>[    3.000003] RIP: 0010:foo_store+0x1a/0x30 [foo]\n"
		"<4>[    3.000004] Call Trace:\n"
		"<4>[    3.000005]  <TASK>\n"
		"<4>[    3.000006]  foo_write+0x80/0xb0 [foo]\n"
		"<4>[    3.000006]  ? some_other_noise+0x1/0x2\n"
		"<4>[    3.000007]  vfs_write.part.0+0x233/0x3f0\n"
		"<4>[    3.000008]  ksys_write+0x6b/0xf0\n"
		"<4>[    3.000009]  do_syscall_64+0x5d/0x90\n";
	struct vmr_signature a, b, c;
	signature_of(null_deref, &a);
	signature_of(other_boot, &b);
	assert_int_equal(a.hash, b.hash);
	assert_string_equal(a.title, b.title);
	signature_of(gpf, &c);
	assert_int_not_equal(a.hash, c.hash);
	signature_of(warning, &c);
	assert_int_not_equal(a.hash, c.hash);
}

static void test_lines(void **state)
{
	(void)state;
	struct vmr_oops_line l;
	const char *s = "[    5.777268] CPU: 1 UID: 0 PID: 219 Comm: sh Tainted: G OE 6.12.117 #1";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_CPU);
	assert_true(l.has_time);
	assert_int_equal(l.time_usec, 5777268);
	assert_int_equal(l.cpu, 1);
	assert_int_equal(l.pid, 219);
	assert_string_equal(l.comm, "sh");

	s = "2026-11-24T07:25:45.123456+00:00 host kernel: RSP: 0018:ffffd13b40463d70 EFLAGS: 00000246";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_REGS);
	assert_int_equal(l.n_words, 2);
	assert_string_equal(l.words[0].reg, "RSP");
	assert_int_equal(l.words[0].value, 0xffffd13b40463d70ull);
	assert_int_equal(l.words[0].len, 16);
	assert_memory_equal(s + l.words[0].pos, "ffffd13b40463d70", 16);

	s = "[  12.0] [  T162]  ? do_user_addr_fault+0x1b0/0x560\r";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_FRAME);
	assert_true(l.unreliable);
	assert_string_equal(l.sym.function, "do_user_addr_fault");

	s = "RIP: 0033:0x47b7a0";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_RIP);
	assert_int_equal(l.cs, 0x33);
	assert_true(l.sym.has_addr && !l.sym.has_function);
	assert_int_equal(l.sym.addr, 0x47b7a0);

	s = " <NMI>";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_MARKER);
	assert_int_equal(l.ctx, VMR_OOPS_CTX_NMI);
	s = " </IRQ>";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_true(l.ctx_end);

	s = "Kernel Offset: 0x2f000000 from 0xffffffff81000000 (relocation range: ...)";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_KERNEL_OFFSET);
	assert_int_equal(l.kernel_offset, 0x2f000000);

	s = "some text 0xffff888012345678 and ffffffffa0e01234, not 1234abcd";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_OTHER);
	assert_int_equal(l.n_words, 2);
	assert_int_equal(l.words[1].value, 0xffffffffa0e01234ull);

	/* not frames: a name without +0x, a module tag never closed */
	s = " vfs_write";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_OTHER);
	s = " vfs_write+0x1/0x2 [mod";
	vmr_oops_parse_line(s, strlen(s), &l);
	assert_int_equal(l.type, VMR_OOPS_LINE_OTHER);

	char buf[64];
	vmr_oops_base_name("__handle_sysrq.cold", buf, sizeof(buf));
	assert_string_equal(buf, "__handle_sysrq");
	vmr_oops_base_name("arch_exit_to_user_mode_prepare.constprop.0", buf, sizeof(buf));
	assert_string_equal(buf, "arch_exit_to_user_mode_prepare");
}

static double seconds(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* Every prefix of every text, random garbage, 1 MB lines: no crash, linear time. */
static void test_fuzz(void **state)
{
	(void)state;
	const char *texts[] = { null_deref, gpf, bug_at, warning, soft_lockup, hung_task, rcu_stall };
	double t0 = seconds();
	struct vmr_oops_line l;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		size_t n = strlen(texts[t]);
		/* truncated lines: each line cut at every length */
		const char *s = texts[t];
		while (*s) {
			const char *nl = strchr(s, '\n');
			size_t len = nl ? (size_t)(nl - s) : strlen(s);
			for (size_t k = 0; k <= len; k++)
				vmr_oops_parse_line(s, k, &l);
			s += len + (nl ? 1 : 0);
		}
		/* the whole text cut at every length, fed to a parser */
		for (size_t cut = 0; cut < n; cut += 7) {
			char *copy = malloc(cut + 1);
			assert_non_null(copy);
			memcpy(copy, texts[t], cut);
			copy[cut] = 0;
			struct vmr_oops_parser *p = parse_text(copy);
			const struct vmr_oops_report *r = vmr_oops_parser_crash(p);
			if (r) {
				struct vmr_signature sig;
				vmr_oops_signature(r, &sig);
			}
			vmr_oops_parser_destroy(p);
			free(copy);
		}
	}
	/* binary garbage, with oops words sprinkled in */
	static const char *const words[] = { "RIP: ", "CPU: ", "[<", ">]", "+0x", "/0x", " [",
					     "]", "Call Trace:", "<IRQ>", "? ", "Oops: ", "BUG: ",
					     "ffffffff", "Kernel panic - not syncing: " };
	unsigned seed = 12345;
	struct vmr_oops_parser *p;
	assert_null(vmr_oops_parser_create(&p));
	char line[512];
	for (int i = 0; i < 100000; i++) {
		size_t n = 0, want = (seed = seed * 1103515245 + 12345) >> 16 & 511;
		while (n < want) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 20 & 3) == 0) {
				const char *w = words[(seed >> 8) % (sizeof(words) / sizeof(words[0]))];
				size_t wl = strlen(w);
				if (n + wl > want)
					break;
				memcpy(line + n, w, wl);
				n += wl;
			} else {
				line[n++] = (char)(seed >> 12);
			}
		}
		vmr_oops_parser_feed(p, line, n, &l);
		assert_true(l.n_words <= VMR_OOPS_MAX_WORDS);
	}
	for (size_t i = 0; i < vmr_oops_parser_count(p); i++) {
		struct vmr_signature sig;
		const struct vmr_oops_report *r = vmr_oops_parser_report(p, i);
		assert_true(r->nframes <= VMR_OOPS_MAX_FRAMES);
		vmr_oops_signature(r, &sig);
	}
	vmr_oops_parser_destroy(p);

	/* 1 MB (and longer) lines: one character, a frame-like text, spaces, digits */
	size_t big = VMR_OOPS_LINE_MAX + 4096;
	char *b = malloc(big);
	assert_non_null(b);
	const char fill[] = { 'A', ' ', '0', 'f', '[' };
	for (size_t f = 0; f < sizeof(fill); f++) {
		memset(b, fill[f], big);
		double s0 = seconds();
		vmr_oops_parse_line(b, big, &l);
		assert_true(l.len == VMR_OOPS_LINE_MAX);
		assert_true(seconds() - s0 < 2.0);
	}
	memset(b, ' ', big);
	memcpy(b + big - 40, "foo+0x1/0x2 [", 13);
	vmr_oops_parse_line(b, big, &l);
	memcpy(b, "RAX: ", 5);
	vmr_oops_parse_line(b, big, &l);
	memcpy(b, "[   11.387174] Kernel panic - not syncing: ", 44);
	assert_null(vmr_oops_parser_create(&p));
	for (int i = 0; i < 8; i++)
		vmr_oops_parser_feed(p, b, big, NULL);
	assert_non_null(vmr_oops_parser_panic(p));
	vmr_oops_parser_destroy(p);
	free(b);
	/* bounded time overall (tens of milliseconds on a laptop) */
	assert_true(seconds() - t0 < 30.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_deref), cmocka_unit_test(test_gpf),
		cmocka_unit_test(test_bug_at),     cmocka_unit_test(test_warning),
		cmocka_unit_test(test_soft_lockup), cmocka_unit_test(test_hung_task),
		cmocka_unit_test(test_rcu_stall),  cmocka_unit_test(test_signature_stable),
		cmocka_unit_test(test_lines),      cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
