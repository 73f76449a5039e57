/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the oops/console text parser (triage/oops.c): every line
 * through vmr_oops_parse_line() and the report parser, then the reports,
 * the crash report and its signature; the symbol-reference parser on each
 * line.  Seeds: serial consoles of the corpus (the oops parts) and
 * hand-made reports (BUG, WARNING, lockups, nested IRQ/NMI markers).
 */
#include <stdlib.h>

#include "triage/oops.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmr_oops_parser *p = NULL;
	struct vmr_error *err = vmr_oops_parser_create(&p);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	static struct vmr_oops_line line;
	const char *text = (const char *)data;
	size_t pos = 0;
	while (pos < size) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (text + pos)) : size - pos;
		/* each line in its own exactly-sized buffer: a read past the
		 * end of a line is a heap overflow ASan sees */
		char *copy = malloc(len ? len : 1);
		if (!copy)
			break;
		memcpy(copy, text + pos, len);
		vmr_oops_parser_feed(p, copy, len, &line);
		vmr_oops_parse_line(copy, len, &line);
		struct vmr_oops_symref ref;
		(void)vmr_oops_parse_symref(copy, len, &ref);
		free(copy);
		pos += len + 1;
	}
	size_t n = vmr_oops_parser_count(p);
	for (size_t i = 0; i <= n; i++) {
		const struct vmr_oops_report *r = vmr_oops_parser_report(p, i);
		if (!r)
			continue;
		struct vmr_signature sig;
		vmr_oops_signature(r, &sig);
		(void)vmr_oops_kind_name(r->kind);
		for (unsigned f = 0; f < r->nframes; f++) {
			char base[64];
			vmr_oops_base_name(r->frames[f].sym.function, base, sizeof(base));
			(void)vmr_oops_is_report_frame(base);
		}
	}
	const struct vmr_oops_report *crash = vmr_oops_parser_crash(p);
	if (crash) {
		struct vmr_signature sig;
		vmr_oops_signature(crash, &sig);
	}
	(void)vmr_oops_parser_panic(p);
	uint64_t off;
	(void)vmr_oops_parser_kernel_offset(p, &off);
	vmr_oops_parser_destroy(p);
	return 0;
}
