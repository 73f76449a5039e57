/* SPDX-License-Identifier: MIT */
/**
 * @file code.h  The `Code:` line of an oops decoded to instructions with
 * objdump (binutils), the faulting one marked, as the kernel's
 * scripts/decodecode does.  Shared by `oops` and `triage`.  Without
 * objdump, or with a line that is not a well-formed byte dump, nothing is
 * decoded and the caller leaves the line as is.
 */
#ifndef VMR_CLI_CODE_H
#define VMR_CLI_CODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/json.h"
#include "cli/report.h"

/** Most bytes a Code: line may carry (the kernel prints 64). */
#define CODE_MAX_BYTES 256
/** Most wall time objdump is given, in milliseconds. */
#define CODE_TIMEOUT_MS 5000

struct code_insn {
	int64_t offset;     /**< from the faulting byte (RIP) */
	bool faulting;      /**< starts at the faulting byte */
	char bytes[3 * 16]; /**< "c7 00 5a 5a 00 00" */
	char text[128];     /**< "movl   $0x5a5a,(%rax)" */
};

struct code_decoded {
	bool has_rip;          /**< addresses are known: rip + offset */
	uint64_t rip;
	bool resynced;         /**< the bytes before RIP did not decode up to it */
	unsigned n;
	struct code_insn insn[CODE_MAX_BYTES];
};

/** Most Code: lines decoded in one text (each runs objdump). */
#define CODE_MAX_DECODES 100

/** The RIP of the report a Code: line belongs to: the last RIP: line. */
struct code_rip {
	bool seen, known;
	uint64_t addr;
	unsigned decodes;   /**< objdump runs so far: at most CODE_MAX_DECODES */
};

/**
 * Follow the lines of a text: RIP: lines (a report header or an end of
 * trace forgets them), and decode a Code: line with the RIP of its report
 * (the first CODE_MAX_DECODES of them).
 * @p l is the parse of @p s.  @return true if @p code holds the decoding.
 */
bool code_follow(struct report_ctx *c, const char *s, size_t n, const struct vmr_oops_line *l,
		 struct code_rip *rip, struct code_decoded *code);

/**
 * The address of the RIP: line @p rip (its own "0033:0x..." address, or
 * func+off resolved by the annotator).  @return false if it is not known.
 */
bool code_rip_addr(struct report_ctx *c, const struct vmr_oops_line *rip, uint64_t *addr);

/**
 * Decode the Code: line @p line (@p len bytes, whole line, prefixes
 * included) of a report whose RIP is @p rip (if @p has_rip).
 * @return false (and @p out unusable) when the line is not a byte dump with
 * one marked byte, or objdump is missing, fails or runs out of time.
 */
bool code_decode(const char *line, size_t len, bool has_rip, uint64_t rip,
		 struct code_decoded *out);

/** The instructions, one a line, indented by @p indent spaces. */
void code_text(FILE *out, const struct code_decoded *d, size_t indent);

/** {"rip": .., "instructions": [{"addr"|"offset", "bytes", "insn", "faulting"}]} */
void code_json(struct json *j, const struct code_decoded *d);

#endif
