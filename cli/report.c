/* SPDX-License-Identifier: MIT */
/* Annotated oops reports as text and JSON (shared by `oops` and `triage`). */
#include "cli/report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "cli/describe.h"

/* Appends printf output to a fixed buffer, never past its end. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

const char *context_name(enum vmr_oops_context ctx)
{
	switch (ctx) {
	case VMR_OOPS_CTX_TASK:
		return "task";
	case VMR_OOPS_CTX_IRQ:
		return "irq";
	case VMR_OOPS_CTX_SOFTIRQ:
		return "softirq";
	case VMR_OOPS_CTX_NMI:
		return "nmi";
	case VMR_OOPS_CTX_EXCEPTION:
		return "exception";
	default:
		return "";
	}
}

static void put_line(struct out *o, const struct vmr_owner_line *l)
{
	put(o, "%s:%d", l->file, l->line);
	for (unsigned i = 0; i < l->n_inlined; i++)
		put(o, " (inlined in %s %s:%d)", l->inlined[i].function, l->inlined[i].file,
		    l->inlined[i].line);
}

void source_line_text(const struct vmr_owner_line *l, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	buf[0] = 0;
	put_line(&o, l);
}

void location_text(struct report_ctx *c, const struct vmr_oops_symref *s, bool return_address,
		   char *buf, size_t size)
{
	struct vmr_code_location loc;
	vmr_annotate_location(c->a, s, return_address, &loc);
	struct out o = { buf, size, 0 };
	buf[0] = 0;
	if (loc.has_addr)
		put(&o, "%016" PRIx64, loc.addr);
	if (loc.has_addr && !s->has_function && c->k) {
		struct description d;
		char t[512];
		describe(c->k, loc.addr, &d);
		describe_text(&d, t, sizeof(t));
		c->incomplete |= description_incomplete(&d);
		put(&o, "  %s", t);
	} else if (loc.has_addr && !s->has_function) {
		char t[256];
		if (vmr_annotate_nodump(c->a, loc.addr, t, sizeof(t)))
			put(&o, "  %s", t);
	}
	if (loc.has_line) {
		put(&o, "%s", o.len ? "  " : "");
		put_line(&o, &loc.line);
	}
	if (loc.note[0])
		put(&o, "%s(%s)", o.len ? "  " : "", loc.note);
}

/* -1 .. -4095: an error code (ERR_PTR), not an address. */
static bool is_errno(uint64_t v)
{
	return v >= (uint64_t)-4095;
}

bool value_text(struct report_ctx *c, uint64_t v, bool any, char *buf, size_t size)
{
	bool kernel_half = (v >> 47) != 0;
	if (!kernel_half && (!any || v < 0x10000))
		return false;
	if (is_errno(v)) {
		snprintf(buf, size, "error code %lld (ERR_PTR), not an address",
			 (long long)(int64_t)v);
		return true;
	}
	if (c->k) {
		struct description d;
		describe(c->k, v, &d);
		describe_text(&d, buf, size);
		c->incomplete |= description_incomplete(&d);
		return true;
	}
	return vmr_annotate_nodump(c->a, v, buf, size);
}

void source_line_json(struct json *j, const struct vmr_owner_line *l)
{
	json_key(j, "source_line");
	json_begin_object(j);
	json_kv_string(j, "file", l->file);
	json_kv_uint(j, "line", (uint64_t)l->line);
	if (l->n_inlined) {
		json_key(j, "inlined");
		json_begin_array(j);
		for (unsigned i = 0; i < l->n_inlined; i++) {
			json_begin_object(j);
			json_kv_string(j, "function", l->inlined[i].function);
			json_kv_string(j, "file", l->inlined[i].file);
			json_kv_uint(j, "line", (uint64_t)l->inlined[i].line);
			json_end_object(j);
		}
		json_end_array(j);
	}
	json_end_object(j);
}

static void json_kv_int_errno(struct json *j, uint64_t v)
{
	json_key(j, "error_code");
	json_int(j, (int64_t)v);
}

void value_json(struct json *j, struct report_ctx *c, uint64_t v)
{
	json_begin_object(j);
	json_kv_hex(j, "value", v);
	if (is_errno(v)) {
		json_kv_int_errno(j, v);
	} else if (c->k && (v >> 47)) {
		struct description d;
		describe(c->k, v, &d);
		c->incomplete |= description_incomplete(&d);
		json_key(j, "description");
		describe_json(j, &d);
	} else if (!c->k) {
		char t[256];
		if (vmr_annotate_nodump(c->a, v, t, sizeof(t)))
			json_kv_string(j, "description", t);
	}
	json_end_object(j);
}

void location_json(struct json *j, struct report_ctx *c, const struct vmr_oops_symref *s,
		   bool return_address)
{
	struct vmr_code_location loc;
	vmr_annotate_location(c->a, s, return_address, &loc);
	json_begin_object(j);
	if (s->has_function) {
		json_kv_string(j, "function", s->function);
		json_kv_hex(j, "offset", s->offset);
		if (s->size)
			json_kv_hex(j, "size", s->size);
	}
	if (s->module[0])
		json_kv_string(j, "module", s->module);
	if (s->build_id[0])
		json_kv_string(j, "build_id", s->build_id);
	if (loc.has_addr)
		json_kv_hex(j, "addr", loc.addr);
	if (loc.has_link)
		json_kv_hex(j, "link_addr", loc.link);
	if (loc.has_line)
		source_line_json(j, &loc.line);
	if (loc.has_addr && !s->has_function) {
		json_key(j, "description");
		value_json(j, c, loc.addr);
	}
	if (loc.note[0])
		json_kv_string(j, "note", loc.note);
	json_end_object(j);
}

void signature_hash_text(const struct vmr_signature *s, char buf[20])
{
	snprintf(buf, 20, "%016" PRIx64, s->hash);
}

void signature_json(struct json *j, const struct vmr_signature *s)
{
	char h[20];
	signature_hash_text(s, h);
	json_begin_object(j);
	json_kv_string(j, "title", s->title);
	json_kv_string(j, "kind", s->kind);
	json_kv_string(j, "hash", h);
	json_key(j, "frames");
	json_begin_array(j);
	for (unsigned i = 0; i < s->nframes; i++)
		json_string(j, s->frames[i]);
	json_end_array(j);
	json_end_object(j);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

void report_json(struct json *j, struct report_ctx *c, const struct vmr_oops_report *r)
{
	json_begin_object(j);
	json_kv_string(j, "kind", vmr_oops_kind_name(r->kind));
	json_kv_string(j, "title", r->title);
	if (r->oops_line[0])
		json_kv_string(j, "oops_line", r->oops_line);
	json_kv_uint(j, "first_line", r->first_line + 1);
	json_kv_uint(j, "last_line", r->last_line + 1);
	if (r->has_cpu)
		json_kv_uint(j, "cpu", (uint64_t)r->cpu);
	if (r->has_pid) {
		json_kv_uint(j, "pid", (uint64_t)r->pid);
		json_kv_string(j, "comm", r->comm);
	}
	if (r->has_rip) {
		json_key(j, "rip");
		location_json(j, c, &r->rip, false);
		json_kv_bool(j, "rip_user", r->rip_user);
	}
	if (r->reg_mask) {
		json_key(j, "registers");
		json_begin_object(j);
		for (int i = 0; i < VMR_OOPS_NREGS; i++) {
			if (!(r->reg_mask >> i & 1))
				continue;
			char name[12];
			const char *n = vmr_oops_reg_name((enum vmr_oops_reg)i);
			size_t k = 0;
			for (; n[k] && k < sizeof(name) - 1; k++)
				name[k] = lower(n[k]);
			name[k] = 0;
			json_key(j, name);
			if (vmr_oops_reg_is_pointer((enum vmr_oops_reg)i))
				value_json(j, c, r->regs[i]);
			else
				json_hex(j, r->regs[i]);
		}
		json_end_object(j);
	}
	json_key(j, "call_trace");
	json_begin_array(j);
	for (unsigned i = 0; i < r->nframes; i++) {
		const struct vmr_oops_frame *f = &r->frames[i];
		json_begin_object(j);
		json_kv_bool(j, "reliable", !f->unreliable);
		if (f->ctx != VMR_OOPS_CTX_NONE)
			json_kv_string(j, "context", context_name(f->ctx));
		json_kv_uint(j, "line", f->line_no + 1);
		json_key(j, "location");
		location_json(j, c, &f->sym, true);
		json_end_object(j);
	}
	json_end_array(j);
	if (r->frames_truncated)
		json_kv_bool(j, "call_trace_truncated", true);
	json_kv_bool(j, "ended", r->ended);
	struct vmr_signature sig;
	vmr_oops_signature(r, &sig);
	json_key(j, "signature");
	signature_json(j, &sig);
	json_end_object(j);
}

static void symref_text(const struct vmr_oops_symref *s, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	buf[0] = 0;
	if (s->has_function) {
		put(&o, "%s+0x%" PRIx64, s->function, s->offset);
		if (s->size)
			put(&o, "/0x%" PRIx64, s->size);
		if (s->module[0])
			put(&o, " [%s]", s->module);
	} else if (s->has_addr) {
		put(&o, "0x%" PRIx64, s->addr);
	}
}

void report_text(FILE *out, struct report_ctx *c, const struct vmr_oops_report *r)
{
	char sym[256], ann[1024];
	if (r->has_rip) {
		symref_text(&r->rip, sym, sizeof(sym));
		location_text(c, &r->rip, false, ann, sizeof(ann));
		fprintf(out, "  RIP %04x:%-40s %s\n", r->rip_cs, sym, ann);
	}
	if (r->rip_user && r->reg_mask)
		fprintf(out, "  (the registers of this report are the user-mode ones saved at "
			"system call entry)\n");
	for (int i = 0; i < VMR_OOPS_NREGS && !r->rip_user; i++) {
		if (!(r->reg_mask >> i & 1) || !vmr_oops_reg_is_pointer((enum vmr_oops_reg)i))
			continue;
		fprintf(out, "  %-6s %016" PRIx64, vmr_oops_reg_name((enum vmr_oops_reg)i),
			r->regs[i]);
		if (value_text(c, r->regs[i], !r->rip_user, ann, sizeof(ann)))
			fprintf(out, "  %s", ann);
		fputc('\n', out);
	}
	if (!r->nframes)
		return;
	fprintf(out, "  Call Trace:\n");
	enum vmr_oops_context ctx = VMR_OOPS_CTX_NONE;
	for (unsigned i = 0; i < r->nframes; i++) {
		const struct vmr_oops_frame *f = &r->frames[i];
		if (f->ctx != ctx) {
			if (f->ctx != VMR_OOPS_CTX_NONE)
				fprintf(out, "   <%s>\n", context_name(f->ctx));
			ctx = f->ctx;
		}
		symref_text(&f->sym, sym, sizeof(sym));
		location_text(c, &f->sym, true, ann, sizeof(ann));
		fprintf(out, "   %s%-44s %s\n", f->unreliable ? "? " : "  ", sym, ann);
	}
}
