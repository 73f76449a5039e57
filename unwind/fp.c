/* SPDX-License-Identifier: MIT */
/*
 * The frame-pointer step, for kernels built without ORC
 * (CONFIG_UNWINDER_FRAME_POINTER, e.g. Ubuntu's 5.15): what
 * arch/x86/kernel/unwind_frame.c [k5.15] does.  Each frame is
 * [saved bp][return address] at bp; interrupt and exception entries store
 * their pt_regs pointer with the low bit set (ENCODE_FRAME_POINTER), and
 * the chain ends with bp 0 (entry code clears rbp) right below the
 * syscall's pt_regs at the top of the task stack, which entry code does
 * not encode.  The frames are what that kernel's own unwinder reports:
 * reliable as long as the chain holds.
 */
#include "unwind/orc-priv.h"

#include "common/bytes.h"

#define PT_REGS_SIZE (VMR_ORC_NREGS * 8)

static bool rd(const struct vmr_orc_ops *ops, uint64_t addr, uint64_t *words, size_t n)
{
	uint8_t b[PT_REGS_SIZE];
	if (n * 8 > sizeof(b) || !ops->read(ops->ctx, addr, b, n * 8))
		return false;
	for (size_t i = 0; i < n; i++)
		words[i] = vmr_le64(b + 8 * i);
	return true;
}

/* Make @p s the frame of the pt_regs at @p at. */
static bool regs_frame(const struct vmr_orc_ops *ops, struct vmr_orc_state *s, uint64_t at,
		       char *why, size_t whylen)
{
	struct vmr_orc_state n = *s;
	if (!rd(ops, at, n.regs, VMR_ORC_NREGS)) {
		vmr_orc_say(why, whylen, "cannot read the pt_regs at %#llx", (unsigned long long)at);
		return false;
	}
	n.regs_mask = VMR_PT_ALL_MASK;
	n.ip = n.regs[VMR_PT_IP];
	n.sp = n.regs[VMR_PT_SP];
	n.bp = n.regs[VMR_PT_BP];
	n.kind = VMR_ORC_KIND_REGS;
	n.regs_addr = at;
	n.cfa = at; /* as an ORC REGS entry's: where the pt_regs begin */
	n.signal = true;
	n.user = (n.regs[VMR_PT_CS] & 3) == 3;
	*s = n;
	return true;
}

enum vmr_orc_status vmr_fp_step(const struct vmr_orc_ops *ops, struct vmr_orc_state *s,
				uint64_t stack_top, char *why, size_t whylen)
{
	if (s->user) {
		vmr_orc_say(why, whylen, "user mode");
		return VMR_ORC_END;
	}
	uint64_t bp = s->bp;
	/* The pt_regs the task stack ends with (task_pt_regs()). */
	uint64_t top_regs = stack_top > PT_REGS_SIZE ? stack_top - PT_REGS_SIZE : 0;
	if (bp & 1) {
		uint64_t at = bp & ~1ULL;
		/* A kernel thread's regs from copy_thread(): nothing above. */
		if (at == top_regs) {
			uint64_t cs;
			if (rd(ops, at + 8 * VMR_PT_CS, &cs, 1) && (cs & 3) != 3) {
				vmr_orc_say(why, whylen, "end of stack");
				return VMR_ORC_END;
			}
		}
		return regs_frame(ops, s, at, why, whylen) ? VMR_ORC_OK : VMR_ORC_ERROR;
	}
	if (!bp) {
		/* The end of the chain: the syscall's regs, if user mode. */
		uint64_t cs;
		if (top_regs && s->sp <= top_regs && rd(ops, top_regs + 8 * VMR_PT_CS, &cs, 1) &&
		    (cs & 3) == 3)
			return regs_frame(ops, s, top_regs, why, whylen) ? VMR_ORC_OK
									 : VMR_ORC_ERROR;
		vmr_orc_say(why, whylen, "end of stack");
		return VMR_ORC_END;
	}
	if (bp & 7 || bp < s->sp) {
		vmr_orc_say(why, whylen, "frame pointer %#llx is not a frame above sp %#llx",
		    (unsigned long long)bp, (unsigned long long)s->sp);
		return VMR_ORC_ERROR;
	}
	uint64_t frame[2];
	if (!rd(ops, bp, frame, 2)) {
		vmr_orc_say(why, whylen, "cannot read the frame at %#llx", (unsigned long long)bp);
		return VMR_ORC_ERROR;
	}
	if (!vmr_orc_kernel_addr(frame[1])) {
		vmr_orc_say(why, whylen, "return address %#llx at %#llx is not a kernel address",
		    (unsigned long long)frame[1], (unsigned long long)(bp + 8));
		return VMR_ORC_ERROR;
	}
	struct vmr_orc_state n = *s;
	n.ip = frame[1];
	n.sp = bp + 16;
	n.bp = frame[0];
	n.cfa = bp + 16;
	n.kind = VMR_ORC_KIND_CALL;
	n.signal = false;
	n.regs_mask = 0;
	n.regs_addr = 0;
	*s = n;
	return VMR_ORC_OK;
}

enum vmr_orc_status vmr_kernel_unwind_step(const struct vmr_orc_ops *ops,
					   struct vmr_orc_state *s, bool frame_pointers,
					   uint64_t stack_top, char *why, size_t whylen)
{
	return frame_pointers ? vmr_fp_step(ops, s, stack_top, why, whylen)
			      : vmr_orc_step(ops, s, why, whylen);
}
