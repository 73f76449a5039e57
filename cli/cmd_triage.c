/* SPDX-License-Identifier: MIT */
/* vmregion triage: one screen about a fresh dump: kernel, reason, crashing
 * CPU and task, the crash report annotated, the other CPUs, the end of the
 * log, and a crash signature. */
#include "cli/cli.h"
#include "cli/describe.h"
#include "cli/json.h"
#include "cli/monitor.h"
#include "cli/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vmregion triage [--json] DUMP [-k VMLINUX]\n"
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
	"  --json          one JSON document with the same facts\n"
	"  -k, --vmlinux   the matching vmlinux (source lines; build-id must match)\n";

/* The ORC backtrace of each CPU, for dumps whose log has no call trace. */
static void unwound_backtraces(FILE *out, struct report_ctx *c, unsigned ncpus)
{
	struct vmr_unwinder *uw;
	struct vmr_error *err = vmr_unwinder_open(c->k, &uw);
	if (err) {
		fprintf(out, "  (no backtrace: %s)\n", vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	for (unsigned cpu = 0; cpu < ncpus; cpu++) {
		struct vmr_unwind *u;
		if ((err = vmr_unwind_start_cpu(uw, cpu, &u))) {
			fprintf(out, "  cpu %u: %s\n", cpu, vmr_error_message(err));
			vmr_error_free(err);
			continue;
		}
		fprintf(out, "  cpu %u:\n", cpu);
		struct vmr_frame f;
		for (unsigned n = 0; n < 24 && vmr_unwind_next(u, &f); n++) {
			struct vmr_symbol sym;
			char name[256] = "?";
			if (vmr_kernel_symbolize(c->k, f.signal ? f.ip : f.ip - 1, &sym))
				snprintf(name, sizeof(name), "%s+0x%" PRIx64, sym.name, f.ip - sym.addr);
			fprintf(out, "    %s%016" PRIx64 "  %s\n", f.reliable ? "" : "? ", f.ip, name);
			if (f.user)
				break;
		}
		vmr_unwind_free(u);
	}
	vmr_unwinder_close(uw);
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
	}
	if (!t->crash || !t->crash->nframes) {
		fprintf(out, "\nbacktraces (ORC, from the dump's registers; the log has no call trace):\n");
		unwound_backtraces(out, c, info->ncpus);
	}
	fprintf(out, "\nCPUs (registers of the dump's notes%s):\n",
		t->qemu ? ", taken when QEMU stopped the guest" : "");
	cpus_text(out, c, t);
	if (t->n_last) {
		fprintf(out, "\nlog (last %u lines):\n", t->n_last);
		for (unsigned i = 0; i < t->n_last; i++)
			fprintf(out, "  %s\n", t->last_lines[i]);
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
	}
	cpus_json(&j, c, t);
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
	char *rest[argc > 0 ? argc : 1];
	int nrest, rc = cli_parse_common(argc, argv, usage, &opt, rest, &nrest);
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
