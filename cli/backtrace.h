/* SPDX-License-Identifier: MIT */
/**
 * @file backtrace.h  ORC backtraces (unwind/) with names, for `triage` and
 * `mem --stack`: each frame's function+offset [module] and source line, the
 * stack slot its return address was read from, and the comparison of a
 * backtrace with the call trace the kernel printed in its log.
 */
#ifndef VMR_CLI_BACKTRACE_H
#define VMR_CLI_BACKTRACE_H

#include <vmregion/vmregion.h>

#include "cli/json.h"

/** One unwound frame, named. */
struct bt_frame {
	struct vmr_frame f;
	uint64_t slot;           /**< where f.ip was read: the return-address slot
				  *   (CALL), pt_regs->ip (REGS, REGS_PARTIAL); 0 for
				  *   the starting frame */
	bool has_sym;
	char function[128];
	uint64_t offset, size;   /**< f.ip - start of the function, its size */
	char module[64];         /**< "" for vmlinux */
	bool has_line;
	struct vmr_owner_line line; /**< of the call (ip - 1) unless f.signal */
};

/** A whole walk. */
struct backtrace {
	struct bt_frame *frames;
	unsigned int n;
	bool clean;              /**< ended at user mode or END_OF_STACK */
	char end[200];           /**< why it ended (or why it could not start) */
};

/**
 * Unwind CPU @p cpu of the dump from its registers (@p task 0) or the
 * sleeping task at @p task (its saved frame) with @p uw.
 * @return NULL (also for a walk that stopped on an error or ran out of
 *         memory: see @p out->end), or the error of a walk that cannot start.
 */
struct vmr_error *bt_unwind(struct vmr_kernel *k, struct vmr_unwinder *uw, int cpu,
			    uint64_t task, struct backtrace *out);
void bt_free(struct backtrace *bt);
/** "start", "call", "regs", "partial". */
const char *bt_kind_name(enum vmr_frame_kind kind);
/** "func+0xoff/0xsize [module]", or "?". */
void bt_frame_text(const struct bt_frame *f, char *buf, size_t size);
/** @return true for frames of the kernel (not the user-mode end). */
static inline bool bt_kernel_frame(const struct bt_frame *f)
{
	return !f->f.user;
}

/* ---------------------------------------------------------------------- */
/* A backtrace against the kernel's printed call trace                    */

#define BT_CHECK_MAX 64

/** One name of a comparison, with its index in its own sequence. */
struct bt_name {
	char name[128];
	unsigned int index;
};

/**
 * The unwinder's function sequence against the log's (a report's RIP when
 * in the kernel, then its reliable call-trace entries), aligned as a longest
 * common subsequence.  Differences that are expected are kept apart:
 *  - @c above: unwound frames before the first common one: the dump's
 *    registers were saved after the trace was printed (panic()'s wait
 *    loop), or the exception entry path the kernel leaves out of an oops's
 *    trace (it starts at the faulting pt_regs);
 *  - @c returned: at most two log entries before the first common one: the
 *    printing path (dump_stack_lvl ...), whose frames returned before the
 *    dump was taken;
 *  - unwound REGS frames the log lacks: the kernel prints an interrupted
 *    context's ip as a "RIP:" line, not as a call-trace entry.
 * Everything else is a difference: @c log_only and @c unwinder_only.
 */
struct bt_check {
	bool agrees;
	unsigned int log_frames, matched;
	struct bt_name above[BT_CHECK_MAX], returned[BT_CHECK_MAX];
	struct bt_name log_only[BT_CHECK_MAX], unwinder_only[BT_CHECK_MAX];
	unsigned int nabove, nreturned, nlog_only, nunwinder_only;
};

/** Compare @p bt with the report @p r of the log. */
void bt_check(const struct backtrace *bt, const struct vmr_oops_report *r, struct bt_check *out);
/** The check as one JSON object. */
void bt_check_json(struct json *j, const struct bt_check *c);
/** The frames of @p bt as a JSON array (@p source_lines: add them). */
void bt_frames_json(struct json *j, const struct backtrace *bt, bool source_lines);

#endif
