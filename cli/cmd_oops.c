/* SPDX-License-Identifier: MIT */
/* vmregion oops: an oops, panic, WARNING or whole console text printed back
 * with every code location and address annotated. */
#include "cli/cli.h"
#include "cli/code.h"
#include "cli/json.h"
#include "cli/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vmregion oops [--json] [-c DUMP] [-k VMLINUX] [-m MODULES]... [FILE|-]\n"
	"\n"
	"Read an oops, a panic, a WARNING or a whole dmesg/console text (FILE, or\n"
	"stdin) and print it back annotated: RIP and call-trace entries get their\n"
	"address and source file:line with inline chains (with a vmlinux; return\n"
	"addresses are looked up at addr-1, as scripts/decode_stacktrace.sh does),\n"
	"register values and other words that look like kernel addresses get their\n"
	"region and owner (with a dump), or what can be known without one.\n"
	"Without a dump the KASLR slide comes from the text (a \"Kernel Offset:\"\n"
	"line, or an address printed beside a func+off).\n"
	"\n"
	"A Code: line is followed by its bytes decoded with objdump (binutils), the\n"
	"faulting instruction (the <..> byte) marked, as scripts/decodecode does;\n"
	"addresses are RIP's when it is known (a dump, a vmlinux with the slide, or\n"
	"a user-mode RIP), else relative to it.  Without objdump in PATH, or for a\n"
	"line that is not a byte dump, the Code: line is left as is.\n"
	"\n"
	"  --json          one JSON document: the reports and the annotated values\n"
	"  -c, --core DUMP the crash dump the text comes from\n"
	"  -k, --vmlinux   the matching vmlinux (DWARF for source lines)\n"
	"  -m, --modules PATH\n"
	"                  a module's .ko, or a directory searched for MODULE.ko\n"
	"                  (/lib/modules/RELEASE): source lines of module frames\n"
	"                  from the module's own DWARF (repeatable)\n";

/* Most input read (the rest is ignored, with a warning). */
#define MAX_INPUT (1ull << 30)

static char *read_all(FILE *f, size_t *len, bool *cut)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	*cut = false;
	if (!buf)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_INPUT) {
				*cut = true;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	*len = n;
	return buf;
}

/* The line as text, bytes that could drive a terminal shown as '.'. */
static void print_sanitized(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		putc((c >= 0x20 && c < 0x7f) || c == '\t' ? (int)c : '.', out);
	}
}

static void pad(FILE *out, size_t n)
{
	if (n > 40)
		n = 40;
	for (size_t i = 0; i < n; i++)
		putc(' ', out);
}

struct line_iter {
	const char *p, *end;
};

static bool next_line(struct line_iter *it, const char **s, size_t *n)
{
	if (it->p >= it->end)
		return false;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	*s = it->p;
	*n = (size_t)((nl ? nl : it->end) - it->p);
	it->p = nl ? nl + 1 : it->end;
	return true;
}

/* Paging from the text: CR4.LA57 (bit 12), else a kernel value that is
 * canonical only under 5-level paging. */
static void learn_paging(struct vmr_annotator *a, const struct vmr_oops_line *l, int *la57)
{
	for (unsigned i = 0; i < l->n_words; i++) {
		const struct vmr_oops_word *w = &l->words[i];
		if (!strcmp(w->reg, "CR4")) {
			*la57 = (w->value >> 12) & 1 ? 2 : -2;
		} else if (*la57 > -2 && *la57 < 2 && (w->value >> 63) &&
			   (w->value >> 47) != 0x1ffff && (w->value >> 56) == 0xff) {
			*la57 = 1;
		}
	}
	vmr_annotator_set_la57(a, *la57 > 0);
}

static void annotate_line_text(FILE *out, struct report_ctx *c, const char *s,
			       const struct vmr_oops_line *l)
{
	char ann[1024];
	size_t shown = l->len;
	print_sanitized(out, s, shown);
	if (l->type == VMR_OOPS_LINE_RIP || l->type == VMR_OOPS_LINE_FRAME) {
		bool kernel = !(l->has_cs && (l->cs & 3) == 3);
		if (kernel) {
			location_text(c, &l->sym, l->type == VMR_OOPS_LINE_FRAME, ann, sizeof(ann));
			if (ann[0])
				fprintf(out, "  %s", ann);
		}
		putc('\n', out);
		return;
	}
	putc('\n', out);
	bool regs = l->type == VMR_OOPS_LINE_REGS;
	for (unsigned i = 0; i < l->n_words; i++) {
		const struct vmr_oops_word *w = &l->words[i];
		if (regs) {
			int r = -1;
			for (int k = 0; k < VMR_OOPS_NREGS; k++)
				if (!strcmp(vmr_oops_reg_name((enum vmr_oops_reg)k), w->reg))
					r = k;
			if (r < 0 || !vmr_oops_reg_is_pointer((enum vmr_oops_reg)r))
				continue;
		}
		if (!value_text(c, w->value, regs, ann, sizeof(ann)))
			continue;
		pad(out, l->msg);
		fprintf(out, "  = %s%s%016" PRIx64 "  %s\n", w->reg, w->reg[0] ? " " : "",
			w->value, ann);
	}
}

static void json_line_words(struct json *j, struct report_ctx *c, size_t line_no,
			    const struct vmr_oops_line *l)
{
	bool regs = l->type == VMR_OOPS_LINE_REGS;
	for (unsigned i = 0; i < l->n_words; i++) {
		const struct vmr_oops_word *w = &l->words[i];
		if (!(w->value >> 47) && (!regs || w->value < 0x10000))
			continue;
		if (regs) {
			bool ptr = false;
			for (int k = 0; k < VMR_OOPS_NREGS; k++)
				if (!strcmp(vmr_oops_reg_name((enum vmr_oops_reg)k), w->reg))
					ptr = vmr_oops_reg_is_pointer((enum vmr_oops_reg)k);
			if (!ptr)
				continue;
		}
		json_begin_object(j);
		json_kv_uint(j, "line", line_no + 1);
		if (w->reg[0])
			json_kv_string(j, "register", w->reg);
		json_key(j, "value");
		value_json(j, c, w->value);
		json_end_object(j);
	}
}

int cmd_oops(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	const char *core = NULL;
	char *margs[argc > 0 ? argc : 1];
	const char *mods[argc > 0 ? argc : 1];
	size_t nmods;
	int nm, mrc = cli_take_modules(argc, argv, margs, &nm, mods, &nmods);
	if (mrc >= 0)
		return mrc;
	argc = nm;
	argv = margs;
	char *args[argc > 0 ? argc : 1];
	int nargs = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--core"))) {
			if (i + 1 >= argc) {
				cli_error("oops: missing DUMP after %s", argv[i]);
				return EXIT_BAD;
			}
			core = argv[++i];
		} else {
			args[nargs++] = argv[i];
		}
	}
	char *rest[nargs > 0 ? nargs : 1];
	int nrest, rc = cli_parse_common(nargs, args, usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest > 1) {
		cli_error("oops: expected at most one FILE (see vmregion oops --help)");
		return EXIT_BAD;
	}
	const char *path = nrest ? rest[0] : "-";
	FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!in) {
		cli_error("%s: cannot open: %s", path, strerror(errno));
		return EXIT_BAD;
	}
	size_t len = 0;
	bool cut = false;
	char *text = read_all(in, &len, &cut);
	bool rerr = ferror(in);
	if (in != stdin)
		fclose(in);
	if (!text || rerr) {
		free(text);
		cli_error("%s: %s", path, text ? "read error" : "out of memory");
		return EXIT_BAD;
	}
	if (cut)
		cli_warn("%s: only the first %llu bytes are read", path,
			 (unsigned long long)MAX_INPUT);

	struct cli_session s = { 0 };
	if (core) {
		opt.dump_path = core;
		if ((rc = cli_open(&opt, &s))) {
			free(text);
			return rc;
		}
		cli_print_warnings(&s);
	}
	struct report_ctx c = { .k = s.kernel };
	struct vmr_error *err = vmr_annotator_create(s.kernel, core ? NULL : opt.vmlinux, &c.a);
	if (!err)
		err = vmr_annotator_set_modules(c.a, mods, nmods);
	if (err) {
		free(text);
		cli_close(&s);
		return cli_fail(err);
	}
	struct vmr_oops_parser *p;
	if ((err = vmr_oops_parser_create(&p))) {
		vmr_annotator_destroy(c.a);
		free(text);
		cli_close(&s);
		return cli_fail(err);
	}

	/* Pass 1: reports, the slide, the paging mode. */
	struct code_decoded *code = NULL;
	struct vmr_oops_line *l = malloc(sizeof(*l));
	if (!l) {
		cli_error("oops: out of memory");
		rc = EXIT_BAD;
		goto out;
	}
	struct line_iter it = { text, text + len };
	const char *ls;
	size_t ln, nlines = 0;
	int la57 = 0;
	while (next_line(&it, &ls, &ln)) {
		vmr_oops_parser_feed(p, ls, ln, l);
		vmr_annotator_learn(c.a, l);
		if (!core)
			learn_paging(c.a, l, &la57);
		nlines++;
	}
	code = malloc(sizeof(*code));
	if (!code) {
		cli_error("oops: out of memory");
		rc = EXIT_BAD;
		goto out;
	}
	struct code_rip rip = { 0 };
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	uint64_t slide = 0;
	const char *how = NULL;
	bool has_slide = vmr_annotator_slide(c.a, &slide, &how);

	/* Pass 2: print. */
	it = (struct line_iter){ text, text + len };
	if (opt.json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_uint(&j, "lines", nlines);
		if (has_slide) {
			json_kv_hex(&j, "kaslr_offset", slide);
			json_kv_string(&j, "kaslr_offset_source", how);
		}
		if (vmr_oops_parser_panic(p))
			json_kv_string(&j, "panic", vmr_oops_parser_panic(p));
		json_key(&j, "reports");
		json_begin_array(&j);
		const struct vmr_oops_report *crash = vmr_oops_parser_crash(p);
		size_t crash_index = 0;
		for (size_t i = 0; i < vmr_oops_parser_count(p); i++) {
			const struct vmr_oops_report *r = vmr_oops_parser_report(p, i);
			if (r == crash)
				crash_index = i;
			report_json(&j, &c, r);
		}
		json_end_array(&j);
		if (crash) {
			json_kv_uint(&j, "crash_report", crash_index);
			struct vmr_signature sig;
			vmr_oops_signature(crash, &sig);
			json_key(&j, "signature");
			signature_json(&j, &sig);
		}
		json_key(&j, "values");
		json_begin_array(&j);
		size_t no = 0;
		while (next_line(&it, &ls, &ln)) {
			vmr_oops_parse_line(ls, ln, l);
			if (l->type != VMR_OOPS_LINE_RIP && l->type != VMR_OOPS_LINE_FRAME &&
			    l->type != VMR_OOPS_LINE_CODE)
				json_line_words(&j, &c, no, l);
			no++;
		}
		json_end_array(&j);
		json_key(&j, "code");
		json_begin_array(&j);
		it = (struct line_iter){ text, text + len };
		rip = (struct code_rip){ 0 };
		no = 0;
		while (next_line(&it, &ls, &ln)) {
			vmr_oops_parse_line(ls, ln, l);
			if (code_follow(&c, ls, ln, l, &rip, code)) {
				json_begin_object(&j);
				json_kv_uint(&j, "line", no + 1);
				json_key(&j, "decoded");
				code_json(&j, code);
				json_end_object(&j);
			}
			no++;
		}
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		if (!core) {
			if (has_slide)
				printf("# kaslr slide 0x%" PRIx64 " (from %s)\n", slide, how);
			else if (vmr_annotator_has_vmlinux(c.a))
				printf("# kaslr slide unknown (the text has no \"Kernel Offset:\" line "
				       "and no address beside a func+off): source lines only\n");
		}
		while (next_line(&it, &ls, &ln)) {
			vmr_oops_parse_line(ls, ln, l);
			annotate_line_text(stdout, &c, ls, l);
			if (code_follow(&c, ls, ln, l, &rip, code))
				code_text(stdout, code, l->msg);
			if (ln > VMR_OOPS_LINE_MAX)
				printf("# (line cut: %zu more bytes not looked at)\n", ln - l->len);
		}
		const struct vmr_oops_report *crash = vmr_oops_parser_crash(p);
		if (crash) {
			struct vmr_signature sig;
			char h[20];
			vmr_oops_signature(crash, &sig);
			signature_hash_text(&sig, h);
			printf("# signature: %s [%s]\n", sig.title, h);
		}
	}
	fflush(stdout);
	rc = c.incomplete ? EXIT_INCOMPLETE : EXIT_OK;
out:
	free(code);
	free(l);
	vmr_oops_parser_destroy(p);
	vmr_annotator_destroy(c.a);
	free(text);
	if (core)
		cli_close(&s);
	return rc;
}
