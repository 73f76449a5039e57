/* SPDX-License-Identifier: MIT */
/**
 * @file report.h  Annotated oops reports, shared by `oops` and `triage`:
 * code locations (address, source line), values (region and owner with a
 * dump, what can be known without one), reports and signatures as text
 * and JSON.
 */
#ifndef VMR_CLI_REPORT_H
#define VMR_CLI_REPORT_H

#include <stdio.h>
#include <vmregion/vmregion.h>

#include "cli/json.h"

struct report_ctx {
	struct vmr_kernel *k;     /**< the dump's kernel, or NULL */
	struct vmr_annotator *a;
	bool incomplete;          /**< an address was not in the dump */
};

/** "ADDR  file:line (inlined in ...)" or a note for @p s; "" if nothing is known. */
void location_text(struct report_ctx *c, const struct vmr_oops_symref *s, bool return_address,
		   char *buf, size_t size);
/**
 * What @p v is (describe_text with a dump, vmr_annotate_nodump without).
 * @p any: also user-space values.  @return false if @p v is not worth a line.
 */
bool value_text(struct report_ctx *c, uint64_t v, bool any, char *buf, size_t size);
/** A code location as a JSON object (function, offset, addr, source_line ...). */
void location_json(struct json *j, struct report_ctx *c, const struct vmr_oops_symref *s,
		   bool return_address);
/** "file:line (inlined in F file:line)..." of @p l. */
void source_line_text(const struct vmr_owner_line *l, char *buf, size_t size);
/** "source_line": {"file", "line", "inlined": [...]} (key included). */
void source_line_json(struct json *j, const struct vmr_owner_line *l);
/** A value as a JSON object: {"value": "0x..", "description": {...}|"text"}. */
void value_json(struct json *j, struct report_ctx *c, uint64_t v);
/** A report as one JSON object. */
void report_json(struct json *j, struct report_ctx *c, const struct vmr_oops_report *r);
void signature_json(struct json *j, const struct vmr_signature *s);
/** "%016llx" signature hash. */
void signature_hash_text(const struct vmr_signature *s, char buf[20]);
/** @return "task", "irq", "nmi", ... */
const char *context_name(enum vmr_oops_context ctx);
/** The RIP, registers and call trace of @p r, annotated, indented by 2. */
void report_text(FILE *out, struct report_ctx *c, const struct vmr_oops_report *r);

#endif
