/* SPDX-License-Identifier: MIT */
/* vmregion dmesg: the kernel log from the dump's printk buffer, printed as
 * the kernel prints it on the console: "[%5lu.%06lu] text", every line of a
 * multi-line record with the same prefix. */
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/monitor.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char cmd_dmesg_usage[] =
	"usage: vmregion dmesg [--json] [--caller] DUMP [-k VMLINUX]\n"
	"\n"
	"Print the kernel log kept in DUMP's memory (the printk ring buffer of\n"
	"5.10+ kernels, or log_buf of older ones), oldest record first, each line\n"
	"as \"[seconds.micros] text\".  Records that cannot be read (being written\n"
	"at crash time, failed, inconsistent, or in pages missing from the dump)\n"
	"are skipped and counted on stderr; the exit status is then 1.\n"
	"\n"
	"  --json          one JSON document: {\"records\": [...], \"skipped\": N, ...}\n"
	"  --caller        show the caller id after the time: [  T162] (task pid)\n"
	"                  or [    C1] (CPU, outside task context), like crash's log -c\n"
	"  -k, --vmlinux   the matching vmlinux (optional; build-id must match)\n";

struct dmesg_out {
	bool caller;
	FILE *out;
	struct json *j;
	char *buf; /* scratch for one JSON string */
	size_t bufsize;
};

static void caller_text(uint32_t id, char *buf, size_t size)
{
	snprintf(buf, size, "%c%" PRIu32, (id & VMR_PRINTK_CALLER_CPU) ? 'C' : 'T',
		 id & ~VMR_PRINTK_CALLER_CPU);
}

/* One record as text: each '\n'-separated line with the full prefix, as the
 * kernel's record_print_text() does (a trailing '\n' gives an empty line).
 * Bytes that are neither printable nor white space print as '.', as crash
 * does, so that the log cannot drive the terminal. */
static int print_text_record(void *ctx, const struct vmr_printk_record *rec)
{
	struct dmesg_out *o = ctx;
	char prefix[64];
	size_t plen = vmr_printk_format_time(rec->ts_nsec, prefix, sizeof(prefix));
	if (o->caller && rec->has_caller) {
		char id[16];
		caller_text(rec->caller_id, id, sizeof(id));
		int n = snprintf(prefix + plen, sizeof(prefix) - plen, "[%6s] ", id);
		if (n > 0)
			plen += (size_t)n < sizeof(prefix) - plen ? (size_t)n : 0;
	}
	const unsigned char *p = (const unsigned char *)rec->text, *end = p + rec->text_len;
	for (;;) {
		fwrite(prefix, 1, plen, o->out);
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *stop = nl ? nl : end;
		for (const unsigned char *q = p; q < stop; q++) {
			unsigned c = *q;
			putc(c < 0x80 && (isprint((int)c) || isspace((int)c)) ? (int)c : '.', o->out);
		}
		putc('\n', o->out);
		if (!nl)
			break;
		p = nl + 1;
	}
	return ferror(o->out) ? 1 : 0;
}

/* Length of the valid UTF-8 sequence at @p (at most @n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* @p text as a NUL-terminated UTF-8 string in o->buf; bytes that are not
 * UTF-8 (and NULs) become U+FFFD.  @return the string, or NULL (no memory). */
static const char *json_text(struct dmesg_out *o, const char *text, size_t len)
{
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	size_t need = len * 3 + 1;
	if (need > o->bufsize) {
		char *nb = realloc(o->buf, need);
		if (!nb)
			return NULL;
		o->buf = nb;
		o->bufsize = need;
	}
	const unsigned char *p = (const unsigned char *)text;
	char *w = o->buf;
	for (size_t i = 0; i < len;) {
		size_t l = utf8_len(p + i, len - i);
		if (l) {
			memcpy(w, p + i, l);
			w += l;
			i += l;
		} else {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			i++;
		}
	}
	*w = 0;
	return o->buf;
}

static int print_json_record(void *ctx, const struct vmr_printk_record *rec)
{
	struct dmesg_out *o = ctx;
	struct json *j = o->j;
	const char *text = json_text(o, rec->text, rec->text_len);
	if (!text)
		return 2;
	json_begin_object(j);
	json_kv_uint(j, "seq", rec->seq);
	json_kv_uint(j, "ts_nsec", rec->ts_nsec);
	json_kv_uint(j, "level", rec->level);
	if (rec->facility)
		json_kv_uint(j, "facility", rec->facility);
	if (rec->flags)
		json_kv_uint(j, "flags", rec->flags);
	if (rec->has_caller) {
		char id[16];
		caller_text(rec->caller_id, id, sizeof(id));
		json_kv_string(j, "caller", id);
	}
	json_kv_string(j, "text", text);
	if (rec->subsystem && rec->subsystem[0])
		json_kv_string(j, "subsystem", json_text(o, rec->subsystem, strlen(rec->subsystem)));
	if (rec->device && rec->device[0])
		json_kv_string(j, "device", json_text(o, rec->device, strlen(rec->device)));
	json_end_object(j);
	return ferror(o->out) ? 1 : 0;
}

/* The warnings of a walk, one line each (at most 3). */
static unsigned stats_warnings(const struct vmr_printk_stats *st, char w[3][200])
{
	unsigned n = 0;
	if (st->skipped)
		snprintf(w[n++], 200,
			 "%" PRIu64 " log record%s skipped (%" PRIu64 " being written, %" PRIu64
			 " failed, %" PRIu64 " inconsistent, %" PRIu64 " in pages not in the dump)",
			 st->skipped, st->skipped == 1 ? "" : "s", st->reserved, st->failed,
			 st->corrupt, st->missing);
	if (st->missing_pages)
		snprintf(w[n++], 200, "%" PRIu64 " page%s of the printk buffer not in the dump",
			 st->missing_pages, st->missing_pages == 1 ? " is" : "s are");
	if (st->stopped)
		snprintf(w[n++], 200, "the log_buf walk stopped at an unreadable record: "
			 "later records are not shown");
	return n;
}

static void json_stats(struct json *j, const struct vmr_printk_stats *st)
{
	json_kv_uint(j, "skipped", st->skipped);
	json_kv_string(j, "format", st->format == VMR_PRINTK_LOG_BUF ? "log_buf" : "lockless");
	json_key(j, "stats");
	json_begin_object(j);
	json_kv_uint(j, "records", st->records);
	json_kv_uint(j, "reserved", st->reserved);
	json_kv_uint(j, "failed", st->failed);
	json_kv_uint(j, "corrupt", st->corrupt);
	json_kv_uint(j, "missing", st->missing);
	json_kv_uint(j, "reusable", st->reusable);
	json_kv_uint(j, "truncated", st->truncated);
	json_kv_uint(j, "missing_pages", st->missing_pages);
	json_kv_uint(j, "buffer_size", st->buffer_size);
	if (st->ring_records)
		json_kv_uint(j, "ring_records", st->ring_records);
	json_kv_bool(j, "stopped", st->stopped);
	json_end_object(j);
}

int dmesg_print_text(struct vmr_kernel *k, bool caller, FILE *out, FILE *err_out)
{
	struct dmesg_out o = { .caller = caller, .out = out };
	struct vmr_printk_stats st;
	int stop = 0;
	struct vmr_error *err = vmr_printk_read(k, print_text_record, &o, &st, &stop);
	fflush(out);
	if (err) {
		fprintf(err_out, "vmregion: %s\n", vmr_error_message(err));
		vmr_error_free(err);
		return EXIT_BAD;
	}
	char warnings[3][200];
	unsigned nw = stats_warnings(&st, warnings);
	for (unsigned i = 0; i < nw; i++)
		fprintf(err_out, "vmregion: warning: %s\n", warnings[i]);
	if (stop == 2) {
		fprintf(err_out, "vmregion: dmesg: out of memory\n");
		return EXIT_BAD;
	}
	return st.skipped || st.stopped ? EXIT_INCOMPLETE : EXIT_OK;
}

int cmd_dmesg(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	struct dmesg_out o = { .out = stdout };
	/* --caller is ours; the rest are the common options. */
	char *args[argc > 0 ? argc : 1];
	int nargs = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--caller"))
			o.caller = true;
		else
			args[nargs++] = argv[i];
	}
	char *rest[nargs > 0 ? nargs : 1];
	int nrest, rc = cli_parse_common(nargs, args, cmd_dmesg_usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest != 1) {
		cli_error("dmesg: expected one DUMP (see vmregion dmesg --help)");
		return EXIT_BAD;
	}
	opt.dump_path = rest[0];
	struct cli_session s;
	if ((rc = cli_open(&opt, &s)))
		return rc;

	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (!opt.json) {
		rc = dmesg_print_text(s.kernel, o.caller, stdout, stderr);
		cli_close(&s);
		return rc;
	}
	struct vmr_printk_stats st;
	struct vmr_error *err;
	int stop = 0;
	struct json j;
	if (opt.json) {
		o.j = &j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "records");
		json_begin_array(&j);
		err = vmr_printk_read(s.kernel, print_json_record, &o, &st, &stop);
	} else {
		err = vmr_printk_read(s.kernel, print_text_record, &o, &st, &stop);
	}
	if (err) {
		fflush(stdout);
		cli_close(&s);
		free(o.buf);
		return cli_fail(err);
	}
	char warnings[3][200];
	unsigned nw = stats_warnings(&st, warnings);
	if (opt.json) {
		json_end_array(&j);
		json_stats(&j, &st);
		json_key(&j, "warnings");
		json_begin_array(&j);
		for (unsigned i = 0; i < nw; i++)
			json_string(&j, warnings[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	}
	fflush(stdout);
	for (unsigned i = 0; i < nw; i++)
		cli_warn("%s", warnings[i]);
	cli_close(&s);
	free(o.buf);
	if (stop == 2) {
		cli_error("dmesg: out of memory");
		return EXIT_BAD;
	}
	return st.skipped || st.stopped ? EXIT_INCOMPLETE : EXIT_OK;
}
