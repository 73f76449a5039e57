/* SPDX-License-Identifier: MIT */
/* vmregion triage: one screen about a fresh dump: kernel, reason, crashing
 * CPU and task, the crash report annotated, the other CPUs, the end of the
 * log, and a crash signature. */
#include "cli/backtrace.h"
#include "cli/cli.h"
#include "cli/code.h"
#include "cli/describe.h"
#include "cli/json.h"
#include "cli/monitor.h"
#include "cli/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vmregion triage [--json] DUMP [-k VMLINUX] [-m MODULES]...\n"
	"\n"
	"One screen about DUMP: kernel release and build id, uptime, the panic\n"
	"reason (the log's \"Kernel panic - not syncing:\" line, else the first line\n"
	"of the last oops), the crashing CPU and its task, the crash report of the\n"
	"log (RIP, registers, call trace) annotated with regions, owners and source\n"
	"lines, each CPU's RIP from the dump's notes, the last log lines, and a\n"
	"crash signature: the kind of crash and the function names of its top\n"
	"reliable frames, hashed (equal for dumps of one crash whatever the KASLR\n"
	"slide, different for different crashes).\n"
	"\n"
	"Each CPU's backtrace is unwound from its registers in the dump with the\n"
	"kernel's ORC data (vmlinux and module tables), or its frame pointers when\n"
	"it was built without ORC.  For the crashing CPU, whose\n"
	"call trace the crash report holds, the two function sequences are compared:\n"
	"\"unwinder agrees\", or the frames only one of them has.  Frames above the\n"
	"log's trace (the dump's registers were saved after it was printed, e.g. in\n"
	"panic()'s wait loop; an oops's exception path, which the kernel leaves out)\n"
	"and the printing path at its top (returned before the dump) are listed\n"
	"apart.  Other CPUs' backtraces are printed, with source lines when a\n"
	"vmlinux is given.\n"
	"\n"
	"  --json          one JSON document with the same facts\n"
	"  -k, --vmlinux   the matching vmlinux (source lines; build-id must match)\n"
	"  -m, --modules PATH\n"
	"                  a module's .ko, or a directory searched for MODULE.ko\n"
	"                  (/lib/modules/RELEASE): source lines of module frames\n"
	"                  in the crash report (repeatable)\n";

/* Each CPU's ORC backtrace from its registers (NT_PRSTATUS or QEMU's). */
struct cpu_bts {
	struct vmr_unwinder *uw;
	char error[200];           /* the unwinder could not be loaded: why */
	unsigned int n;
	struct backtrace *bt;      /* per CPU; bt[i].end says why one is empty */
	bool *ok;                  /* bt[i] was unwound */
};

static void unwind_cpus(struct vmr_kernel *k, unsigned int ncpus, struct cpu_bts *b)
{
	memset(b, 0, sizeof(*b));
	struct vmr_error *err = vmr_unwinder_open(k, &b->uw);
	if (err) {
		snprintf(b->error, sizeof(b->error), "%s", vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	b->bt = calloc(ncpus ? ncpus : 1, sizeof(*b->bt));
	b->ok = calloc(ncpus ? ncpus : 1, sizeof(*b->ok));
	if (!b->bt || !b->ok) {
		snprintf(b->error, sizeof(b->error), "out of memory");
		return;
	}
	b->n = ncpus;
	for (unsigned int cpu = 0; cpu < ncpus; cpu++) {
		err = bt_unwind(k, b->uw, (int)cpu, 0, &b->bt[cpu]);
		if (err) {
			snprintf(b->bt[cpu].end, sizeof(b->bt[cpu].end), "%s", vmr_error_message(err));
			vmr_error_free(err);
			continue;
		}
		b->ok[cpu] = true;
	}
}

static void free_cpus(struct cpu_bts *b)
{
	for (unsigned int i = 0; i < b->n; i++)
		bt_free(&b->bt[i]);
	free(b->bt);
	free(b->ok);
	vmr_unwinder_close(b->uw);
}

/* The log's call trace for @p cpu: the crash report's, if it is that CPU's. */
static const struct vmr_oops_report *log_trace(const struct vmr_triage *t, unsigned int cpu)
{
	const struct vmr_oops_report *r = t->crash;
	if (!r || !r->nframes || !t->has_cpu || (unsigned int)t->cpu != cpu)
		return NULL;
	return r;
}

static void frames_text(FILE *out, const struct backtrace *bt)
{
	char sym[256], line[1024];
	for (unsigned int i = 0; i < bt->n; i++) {
		const struct bt_frame *f = &bt->frames[i];
		if (f->f.user) {
			fprintf(out, "    #%-2u %016" PRIx64 "  %-9s user mode (pt_regs at 0x%" PRIx64
				")\n", i, f->f.ip, "", f->f.regs_addr);
			continue;
		}
		bt_frame_text(f, sym, sizeof(sym));
		if (f->f.kind == VMR_FRAME_REGS || f->f.kind == VMR_FRAME_REGS_PARTIAL)
			strncat(sym, " (pt_regs)", sizeof(sym) - strlen(sym) - 1);
		line[0] = 0;
		if (f->has_line)
			source_line_text(&f->line, line, sizeof(line));
		fprintf(out, "    #%-2u %016" PRIx64 "  %-9s %s%-*s%s%s\n", i, f->f.ip,
			f->f.stack[0] ? f->f.stack : "-", f->f.reliable ? "" : "? ",
			line[0] ? 44 : 0, sym, line[0] ? "  " : "", line);
	}
	fprintf(out, "    (%s%s)\n", bt->clean ? "" : "stopped: ", bt->end);
}

static void names_text(FILE *out, const char *what, const struct bt_name *v, unsigned int n)
{
	if (!n)
		return;
	fprintf(out, "    %s:", what);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, " %s", v[i].name);
	fputc('\n', out);
}

static void backtraces_text(FILE *out, const struct vmr_triage *t, const struct cpu_bts *b)
{
	fprintf(out, "\nbacktraces (%s unwinder, from each CPU's registers in the dump):\n",
		b->uw ? vmr_unwinder_method(b->uw) : "ORC");
	if (b->error[0]) {
		fprintf(out, "  (none: %s)\n", b->error);
		return;
	}
	for (unsigned int cpu = 0; cpu < b->n; cpu++) {
		const char *crashing = t->has_cpu && (unsigned int)t->cpu == cpu ? " (crashing)" : "";
		if (!b->ok[cpu]) {
			fprintf(out, "  cpu %u%s: %s\n", cpu, crashing, b->bt[cpu].end);
			continue;
		}
		const struct vmr_oops_report *r = log_trace(t, cpu);
		if (!r) {
			fprintf(out, "  cpu %u%s:\n", cpu, crashing);
			frames_text(out, &b->bt[cpu]);
			continue;
		}
		struct bt_check c;
		bt_check(&b->bt[cpu], r, &c);
		if (c.agrees)
			fprintf(out, "  cpu %u%s: unwinder agrees with the log's call trace (%u of %u "
				"frames)\n", cpu, crashing, c.matched, c.log_frames);
		else
			fprintf(out, "  cpu %u%s: unwinder DIFFERS from the log's call trace (%u of %u "
				"frames in common)\n", cpu, crashing, c.matched, c.log_frames);
		names_text(out, "above the trace (later registers, exception path)", c.above,
			   c.nabove);
		names_text(out, "printing path (returned before the dump)", c.returned,
			   c.nreturned);
		names_text(out, "log only", c.log_only, c.nlog_only);
		names_text(out, "unwinder only", c.unwinder_only, c.nunwinder_only);
		if (!c.agrees)
			frames_text(out, &b->bt[cpu]);
	}
}

static void backtraces_json(struct json *j, const struct vmr_triage *t, const struct cpu_bts *b,
			    bool source_lines)
{
	if (b->error[0]) {
		json_kv_string(j, "backtraces_error", b->error);
		return;
	}
	json_kv_string(j, "unwinder", vmr_unwinder_method(b->uw));
	json_key(j, "backtraces");
	json_begin_array(j);
	for (unsigned int cpu = 0; cpu < b->n; cpu++) {
		json_begin_object(j);
		json_kv_uint(j, "cpu", cpu);
		json_kv_bool(j, "crashing", t->has_cpu && (unsigned int)t->cpu == cpu);
		if (!b->ok[cpu]) {
			json_kv_string(j, "error", b->bt[cpu].end);
			json_end_object(j);
			continue;
		}
		json_key(j, "frames");
		bt_frames_json(j, &b->bt[cpu], source_lines);
		json_kv_string(j, "end", b->bt[cpu].end);
		json_kv_bool(j, "end_clean", b->bt[cpu].clean);
		const struct vmr_oops_report *r = log_trace(t, cpu);
		if (r) {
			struct bt_check c;
			bt_check(&b->bt[cpu], r, &c);
			json_key(j, "log_check");
			bt_check_json(j, &c);
		}
		json_end_object(j);
	}
	json_end_array(j);
}

static void cpus_text(FILE *out, struct report_ctx *c, const struct vmr_triage *t)
{
	struct vmr_dump *d = vmr_kernel_dump(c->k);
	unsigned n = vmr_dump_get_info(d)->ncpus;
	for (unsigned i = 0; i < n; i++) {
		const struct vmr_cpu_state *cs = vmr_dump_cpu(d, i);
		if (!cs)
			continue;
		uint64_t rip = cs->gpr[VMR_REG_RIP];
		char ann[512] = "";
		value_text(c, rip, true, ann, sizeof(ann));
		fprintf(out, "  cpu %-3u RIP %016" PRIx64 "  %s%s\n", i, rip, ann,
			t->has_cpu && (unsigned)t->cpu == i ? "   <- crashing CPU" : "");
	}
}

static void cpus_json(struct json *j, struct report_ctx *c, const struct vmr_triage *t)
{
	struct vmr_dump *d = vmr_kernel_dump(c->k);
	unsigned n = vmr_dump_get_info(d)->ncpus;
	json_key(j, "cpus");
	json_begin_array(j);
	for (unsigned i = 0; i < n; i++) {
		const struct vmr_cpu_state *cs = vmr_dump_cpu(d, i);
		if (!cs)
			continue;
		json_begin_object(j);
		json_kv_uint(j, "cpu", i);
		json_kv_bool(j, "crashing", t->has_cpu && (unsigned)t->cpu == i);
		if (cs->has_prstatus && !t->qemu)
			json_kv_uint(j, "pr_pid", cs->pr_pid);
		json_key(j, "rip");
		value_json(j, c, cs->gpr[VMR_REG_RIP]);
		json_key(j, "rsp");
		value_json(j, c, cs->gpr[VMR_REG_RSP]);
		json_end_object(j);
	}
	json_end_array(j);
}

static void task_text(FILE *out, const struct vmr_triage *t)
{
	if (!t->has_cpu) {
		fprintf(out, "task       unknown (no CPU: line in the log)\n");
		return;
	}
	fprintf(out, "task       CPU %d", t->cpu);
	if (t->has_pid)
		fprintf(out, "  pid %d  comm %s", t->pid, t->comm);
	fprintf(out, "   (%s", t->cpu_source);
	if (t->has_note_pid)
		fprintf(out, "; NT_PRSTATUS pr_pid %d %s", t->note_pid,
			t->has_pid && t->note_pid == t->pid ? "agrees" : "DIFFERS");
	if (t->qemu)
		fprintf(out, "; QEMU dump: its pr_pid is the vCPU number + 1, not a pid");
	fprintf(out, ")\n");
}

/* The crash report's Code: line decoded at its RIP (free it), or NULL.
 * A report with only a user-mode RIP (a panic with no oops, e.g. sysrq-c on
 * 6.12) has only that Code: line: decoded at its own address. */
static struct code_decoded *crash_code(struct report_ctx *c, const struct vmr_oops_report *r)
{
	if (!r->has_code || !r->code[0])
		return NULL;
	uint64_t rip = 0;
	bool has_rip = false;
	if (r->has_rip) {
		if (r->rip.has_addr) {        /* RIP: 0033:0x47b7a0 */
			rip = r->rip.addr;
			has_rip = true;
		} else if (r->rip.has_function && !r->rip_user) {
			struct vmr_code_location loc;
			vmr_annotate_location(c->a, &r->rip, false, &loc);
			rip = loc.addr;
			has_rip = loc.has_addr;
		}
	}
	struct code_decoded *code = malloc(sizeof(*code));
	if (code && !code_decode(r->code, strlen(r->code), has_rip, rip, code)) {
		free(code);
		code = NULL;
	}
	return code;
}

static void crash_code_text(FILE *out, struct report_ctx *c, const struct vmr_oops_report *r)
{
	if (!r->has_code || !r->code[0])
		return;
	fprintf(out, "  %s\n", r->code);
	struct code_decoded *code = crash_code(c, r);
	if (code)
		code_text(out, code, 4);
	free(code);
}

static void print_text(FILE *out, struct report_ctx *c, const struct cli_session *s,
		       const struct vmr_triage *t)
{
	const struct vmr_dump_info *info = vmr_dump_get_info(s->dump);
	fprintf(out, "dump       %s   %s%s%s, %u CPUs%s%s\n", vmr_dump_path(s->dump),
		info->format_name, info->compression ? " " : "",
		info->compression ? info->compression : "", info->ncpus,
		info->producer ? ", by " : "", info->producer ? info->producer : "");
	const char *vml = vmr_kernel_vmlinux(s->kernel);
	fprintf(out, "kernel     %s   build-id %s   vmlinux: %s\n", t->release[0] ? t->release : "?",
		t->build_id[0] ? t->build_id : "?", vml ? vml : "none");
	if (t->has_uptime)
		fprintf(out, "uptime     %" PRIu64 ".%06" PRIu64 " s (last log record)\n",
			t->uptime_ns / 1000000000, t->uptime_ns % 1000000000 / 1000);
	if (t->log_error[0])
		fprintf(out, "log        not readable: %s\n", t->log_error);
	fprintf(out, "reason     %s\n", t->has_reason ? t->reason : "unknown (no report in the log)");
	task_text(out, t);
	if (t->has_signature) {
		char h[20];
		signature_hash_text(&t->signature, h);
		fprintf(out, "signature  %s  [%s]\n", t->signature.title, h);
	}
	if (t->crash) {
		fprintf(out, "\ncrash report: %s", t->crash->title);
		if (t->crash->oops_line[0] && strcmp(t->crash->oops_line, t->crash->title))
			fprintf(out, " / %s", t->crash->oops_line);
		fputc('\n', out);
		report_text(out, c, t->crash);
		crash_code_text(out, c, t->crash);
	}
	struct cpu_bts b;
	unwind_cpus(c->k, info->ncpus, &b);
	backtraces_text(out, t, &b);
	free_cpus(&b);
	fprintf(out, "\nCPUs (registers of the dump's notes%s):\n",
		t->qemu ? ", taken when QEMU stopped the guest" : "");
	cpus_text(out, c, t);
	if (t->n_last) {
		fprintf(out, "\nlog (last %u lines):\n", t->n_last);
		/* Code: lines decoded with the RIP: line before them. */
		struct code_decoded *code = malloc(sizeof(*code));
		struct vmr_oops_line *l = malloc(sizeof(*l));
		struct code_rip rip = { 0 };
		for (unsigned i = 0; i < t->n_last; i++) {
			const char *line = t->last_lines[i];
			fprintf(out, "  %s\n", line);
			if (!code || !l)
				continue;
			vmr_oops_parse_line(line, strlen(line), l);
			if (code_follow(c, line, strlen(line), l, &rip, code))
				code_text(out, code, 2 + l->msg);
		}
		free(code);
		free(l);
	}
}

static void print_json(struct report_ctx *c, const struct cli_session *s,
		       const struct vmr_triage *t)
{
	struct json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	const struct vmr_dump_info *info = vmr_dump_get_info(s->dump);
	json_key(&j, "dump");
	json_begin_object(&j);
	json_kv_string(&j, "path", vmr_dump_path(s->dump));
	json_kv_string(&j, "format", info->format_name);
	if (info->producer)
		json_kv_string(&j, "producer", info->producer);
	json_kv_uint(&j, "cpus", info->ncpus);
	json_end_object(&j);
	json_key(&j, "kernel");
	json_begin_object(&j);
	if (t->release[0])
		json_kv_string(&j, "release", t->release);
	if (t->build_id[0])
		json_kv_string(&j, "build_id", t->build_id);
	if (vmr_kernel_vmlinux(s->kernel))
		json_kv_string(&j, "vmlinux", vmr_kernel_vmlinux(s->kernel));
	json_end_object(&j);
	if (t->has_uptime)
		json_kv_uint(&j, "uptime_ns", t->uptime_ns);
	if (t->has_reason)
		json_kv_string(&j, "reason", t->reason);
	if (t->has_cpu) {
		json_kv_uint(&j, "cpu", (uint64_t)t->cpu);
		json_kv_string(&j, "task_source", t->cpu_source);
	}
	if (t->has_pid) {
		json_kv_uint(&j, "pid", (uint64_t)t->pid);
		json_kv_string(&j, "comm", t->comm);
	}
	if (t->has_note_pid)
		json_kv_uint(&j, "note_pid", (uint64_t)t->note_pid);
	json_kv_bool(&j, "qemu", t->qemu);
	if (t->has_signature) {
		json_key(&j, "signature");
		signature_json(&j, &t->signature);
	}
	if (t->crash) {
		json_key(&j, "crash");
		report_json(&j, c, t->crash);
		struct code_decoded *code = crash_code(c, t->crash);
		if (code) {
			json_key(&j, "crash_code");
			code_json(&j, code);
		}
		free(code);
	}
	cpus_json(&j, c, t);
	struct cpu_bts b;
	unwind_cpus(c->k, info->ncpus, &b);
	backtraces_json(&j, t, &b, vmr_kernel_vmlinux(s->kernel) != NULL);
	free_cpus(&b);
	json_key(&j, "log_tail");
	json_begin_array(&j);
	for (unsigned i = 0; i < t->n_last; i++)
		json_string(&j, t->last_lines[i]);
	json_end_array(&j);
	json_key(&j, "log");
	json_begin_object(&j);
	json_kv_uint(&j, "records", t->log_records);
	json_kv_uint(&j, "skipped", t->log_skipped);
	if (t->log_error[0])
		json_kv_string(&j, "error", t->log_error);
	json_end_object(&j);
	json_end_object(&j);
	json_finish(&j);
}

int triage_print_text(struct cli_session *s, FILE *out)
{
	struct report_ctx c = { .k = s->kernel };
	struct vmr_triage *t = NULL;
	struct vmr_error *err = vmr_annotator_create(s->kernel, NULL, &c.a);
	if (!err)
		err = vmr_triage_run(s->kernel, &t);
	if (err) {
		fprintf(out, "vmregion: %s\n", vmr_error_message(err));
		vmr_error_free(err);
		vmr_annotator_destroy(c.a);
		return EXIT_BAD;
	}
	print_text(out, &c, s, t);
	int rc = t->log_error[0] || !t->has_reason ? EXIT_INCOMPLETE : EXIT_OK;
	vmr_triage_free(t);
	vmr_annotator_destroy(c.a);
	return rc;
}

int cmd_triage(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	char *margs[argc > 0 ? argc : 1];
	const char *mods[argc > 0 ? argc : 1];
	size_t nmods;
	int nm, rc = cli_take_modules(argc, argv, margs, &nm, mods, &nmods);
	if (rc >= 0)
		return rc;
	char *rest[argc > 0 ? argc : 1];
	int nrest;
	rc = cli_parse_common(nm, margs, usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest != 1) {
		cli_error("triage: expected one DUMP (see vmregion triage --help)");
		return EXIT_BAD;
	}
	opt.dump_path = rest[0];
	struct cli_session s;
	if ((rc = cli_open(&opt, &s)))
		return rc;
	cli_print_warnings(&s);
	struct report_ctx c = { .k = s.kernel };
	struct vmr_triage *t = NULL;
	struct vmr_error *err = vmr_annotator_create(s.kernel, NULL, &c.a);
	if (!err)
		err = vmr_annotator_set_modules(c.a, mods, nmods);
	if (!err)
		err = vmr_triage_run(s.kernel, &t);
	if (err) {
		vmr_annotator_destroy(c.a);
		cli_close(&s);
		return cli_fail(err);
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (opt.json)
		print_json(&c, &s, t);
	else
		print_text(stdout, &c, &s, t);
	fflush(stdout);
	if (t->log_error[0])
		cli_warn("%s: kernel log not readable: %s", opt.dump_path, t->log_error);
	rc = t->log_error[0] || !t->has_reason ? EXIT_INCOMPLETE : EXIT_OK;
	vmr_triage_free(t);
	vmr_annotator_destroy(c.a);
	cli_close(&s);
	return rc;
}
