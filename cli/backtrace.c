/* SPDX-License-Identifier: MIT */
/*
 * ORC backtraces with names and stack slots (`triage`, `mem --stack`), and
 * their comparison with the call trace the kernel printed.
 */
#include "cli/backtrace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/describe.h"
#include "cli/report.h"

const char *bt_kind_name(enum vmr_frame_kind kind)
{
	switch (kind) {
	case VMR_FRAME_START:
		return "start";
	case VMR_FRAME_CALL:
		return "call";
	case VMR_FRAME_REGS:
		return "regs";
	case VMR_FRAME_REGS_PARTIAL:
		return "partial";
	}
	return "?";
}

/* Name @p bf: the function holding the call (ip - 1) of a return address,
 * the ip itself when it is exact (interrupted context, first frame). */
static void name_frame(struct vmr_kernel *k, struct bt_frame *bf)
{
	const struct vmr_frame *f = &bf->f;
	if (f->user || !f->ip)
		return;
	uint64_t at = f->signal ? f->ip : f->ip - 1;
	struct description d;
	describe(k, at, &d);
	const struct vmr_owner *w = &d.owner;
	if ((w->kind != VMR_OWNER_SYMBOL && w->kind != VMR_OWNER_MODULE) || !w->has_symbol)
		return;
	bf->has_sym = true;
	snprintf(bf->function, sizeof(bf->function), "%s", w->symbol);
	bf->offset = f->ip - w->symbol_addr;
	bf->size = w->symbol_size;
	if (w->kind == VMR_OWNER_MODULE)
		snprintf(bf->module, sizeof(bf->module), "%s", w->module);
	if (w->has_line) {
		bf->has_line = true;
		bf->line = w->line;
	}
}

struct vmr_error *bt_unwind(struct vmr_kernel *k, struct vmr_unwinder *uw, int cpu,
			    uint64_t task, struct backtrace *out)
{
	memset(out, 0, sizeof(*out));
	struct vmr_unwind *u;
	struct vmr_error *err = task ? vmr_unwind_start_task(uw, task, &u)
				     : vmr_unwind_start_cpu(uw, (unsigned int)cpu, &u);
	if (err)
		return err;
	/* grown as needed: a frame with its source line is ~3 KiB, and triage
	 * keeps the walks of every CPU */
	unsigned int cap = 0;
	struct vmr_frame f;
	while (out->n < VMR_UNWIND_MAX_FRAMES && vmr_unwind_next(u, &f)) {
		if (out->n == cap) {
			unsigned int ncap = cap ? 2 * cap : 16;
			struct bt_frame *p = realloc(out->frames, ncap * sizeof(*p));
			if (!p) {
				vmr_unwind_free(u);
				snprintf(out->end, sizeof(out->end), "out of memory");
				return NULL;
			}
			out->frames = p;
			cap = ncap;
		}
		struct bt_frame *bf = &out->frames[out->n++];
		memset(bf, 0, sizeof(*bf));
		bf->f = f;
		if (f.kind == VMR_FRAME_CALL)
			bf->slot = f.sp - 8; /* the CFA is the caller's sp */
		else if (f.kind == VMR_FRAME_REGS || f.kind == VMR_FRAME_REGS_PARTIAL)
			bf->slot = f.regs_addr + 8 * VMR_REG_RIP; /* pt_regs->ip */
		name_frame(k, bf);
	}
	const char *why;
	out->clean = vmr_unwind_end(u, &why);
	snprintf(out->end, sizeof(out->end), "%s", why);
	vmr_unwind_free(u);
	return NULL;
}

void bt_free(struct backtrace *bt)
{
	free(bt->frames);
	bt->frames = NULL;
	bt->n = 0;
}

void bt_frame_text(const struct bt_frame *f, char *buf, size_t size)
{
	if (!f->has_sym) {
		snprintf(buf, size, "?");
		return;
	}
	int n = snprintf(buf, size, "%s+0x%" PRIx64 "/0x%" PRIx64, f->function, f->offset, f->size);
	if (f->module[0] && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " [%s]", f->module);
}

void bt_frames_json(struct json *j, const struct backtrace *bt, bool source_lines)
{
	json_begin_array(j);
	for (unsigned int i = 0; i < bt->n; i++) {
		const struct bt_frame *f = &bt->frames[i];
		json_begin_object(j);
		json_kv_hex(j, "ip", f->f.ip);
		json_kv_hex(j, "sp", f->f.sp);
		json_kv_string(j, "kind", bt_kind_name(f->f.kind));
		if (f->f.stack[0])
			json_kv_string(j, "stack", f->f.stack);
		json_kv_bool(j, "reliable", f->f.reliable);
		if (f->f.user)
			json_kv_bool(j, "user", true);
		if (f->slot)
			json_kv_hex(j, "slot", f->slot);
		if (f->f.kind == VMR_FRAME_REGS || f->f.kind == VMR_FRAME_REGS_PARTIAL)
			json_kv_hex(j, "regs", f->f.regs_addr);
		if (f->has_sym) {
			json_kv_string(j, "function", f->function);
			json_kv_hex(j, "offset", f->offset);
			if (f->size)
				json_kv_hex(j, "size", f->size);
		}
		if (f->module[0])
			json_kv_string(j, "module", f->module);
		if (source_lines && f->has_line)
			source_line_json(j, &f->line);
		json_end_object(j);
	}
	json_end_array(j);
}

/* ---------------------------------------------------------------------- */
/* Comparison with the log                                                 */

enum { OP_MATCH, OP_LOG, OP_UNW };

static void add_name(struct bt_name *list, unsigned int *n, const char *name, unsigned int index)
{
	if (*n >= BT_CHECK_MAX)
		return;
	snprintf(list[*n].name, sizeof(list[*n].name), "%s", name);
	list[*n].index = index;
	(*n)++;
}

/* The kernel's stack-printing functions, which a call trace may begin with
 * (show_stack() appears above dump_stack_lvl() up to 5.x). */
static bool all_printers(const struct bt_name *v, unsigned int n)
{
	static const char *const printers[] = {
		"show_stack", "dump_stack_lvl", "dump_stack", "__dump_stack", "show_trace_log_lvl",
	};
	for (unsigned int i = 0; i < n; i++) {
		size_t k = 0;
		while (k < sizeof(printers) / sizeof(printers[0]) && strcmp(v[i].name, printers[k]))
			k++;
		if (k == sizeof(printers) / sizeof(printers[0]))
			return false;
	}
	return true;
}

void bt_check(const struct backtrace *bt, const struct vmr_oops_report *r, struct bt_check *out)
{
	memset(out, 0, sizeof(*out));
	/* the log's sequence: a kernel RIP, then the reliable entries */
	const char *L[VMR_OOPS_MAX_FRAMES + 1];
	unsigned int nl = 0;
	if (r->has_rip && !r->rip_user && r->rip.has_function)
		L[nl++] = r->rip.function;
	for (unsigned int i = 0; i < r->nframes; i++)
		if (!r->frames[i].unreliable && r->frames[i].sym.has_function)
			L[nl++] = r->frames[i].sym.function;
	/* the unwinder's: its kernel frames (index into bt->frames kept) */
	unsigned int ui[VMR_UNWIND_MAX_FRAMES], nu = 0;
	for (unsigned int i = 0; i < bt->n && nu < VMR_UNWIND_MAX_FRAMES; i++)
		if (bt_kernel_frame(&bt->frames[i]))
			ui[nu++] = i;
	out->log_frames = nl;
#define UNAME(x) (bt->frames[ui[x]].has_sym ? bt->frames[ui[x]].function : "?")
	/* longest common subsequence, from the ends (lcs[i][j]: of L[i..], U[j..]) */
	size_t w = nu + 1;
	unsigned short *lcs = calloc((size_t)(nl + 1) * w, sizeof(*lcs));
	if (!lcs)
		return;
	for (unsigned int i = nl; i-- > 0;)
		for (unsigned int jj = nu; jj-- > 0;)
			lcs[i * w + jj] = !strcmp(L[i], UNAME(jj))
				? (unsigned short)(lcs[(i + 1) * w + jj + 1] + 1)
				: lcs[(i + 1) * w + jj] > lcs[i * w + jj + 1] ? lcs[(i + 1) * w + jj]
									      : lcs[i * w + jj + 1];
	unsigned int i = 0, jj = 0;
	bool seen_match = false;
	while (i < nl || jj < nu) {
		int op;
		if (i < nl && jj < nu && !strcmp(L[i], UNAME(jj)) &&
		    lcs[i * w + jj] == lcs[(i + 1) * w + jj + 1] + 1)
			op = OP_MATCH;
		else if (jj < nu && (i == nl || lcs[i * w + jj + 1] >= lcs[(i + 1) * w + jj]))
			op = OP_UNW; /* unwound frames first: they sit above the log's */
		else
			op = OP_LOG;
		if (op == OP_MATCH) {
			out->matched++;
			seen_match = true;
			i++;
			jj++;
		} else if (op == OP_UNW) {
			const struct bt_frame *f = &bt->frames[ui[jj]];
			if (!seen_match)
				add_name(out->above, &out->nabove, UNAME(jj), ui[jj]);
			else if (f->f.kind != VMR_FRAME_REGS && f->f.kind != VMR_FRAME_REGS_PARTIAL)
				add_name(out->unwinder_only, &out->nunwinder_only, UNAME(jj), ui[jj]);
			jj++;
		} else {
			if (!seen_match)
				add_name(out->returned, &out->nreturned, L[i], i);
			else
				add_name(out->log_only, &out->nlog_only, L[i], i);
			i++;
		}
	}
#undef UNAME
	free(lcs);
	/* more than two log frames above the first common one, not all of them
	 * the stack printers: not a printing path */
	if (!out->matched || (out->nreturned > 2 && !all_printers(out->returned, out->nreturned))) {
		for (unsigned int k = 0; k < out->nreturned; k++)
			add_name(out->log_only, &out->nlog_only, out->returned[k].name,
				 out->returned[k].index);
		out->nreturned = 0;
	}
	out->agrees = out->matched && !out->nlog_only && !out->nunwinder_only;
}

static void names_json(struct json *j, const char *key, const struct bt_name *v, unsigned int n)
{
	json_key(j, key);
	json_begin_array(j);
	for (unsigned int i = 0; i < n; i++) {
		json_begin_object(j);
		json_kv_string(j, "function", v[i].name);
		json_kv_uint(j, "index", v[i].index);
		json_end_object(j);
	}
	json_end_array(j);
}

void bt_check_json(struct json *j, const struct bt_check *c)
{
	json_begin_object(j);
	json_kv_bool(j, "agrees", c->agrees);
	json_kv_uint(j, "log_frames", c->log_frames);
	json_kv_uint(j, "matched", c->matched);
	names_json(j, "above", c->above, c->nabove);
	names_json(j, "returned", c->returned, c->nreturned);
	names_json(j, "log_only", c->log_only, c->nlog_only);
	names_json(j, "unwinder_only", c->unwinder_only, c->nunwinder_only);
	json_end_object(j);
}
