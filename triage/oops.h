/* SPDX-License-Identifier: MIT */
/**
 * @file oops.h  Helpers of the oops parser (triage/oops.c) shared with
 * triage/triage.c and the unit tests.
 */
#ifndef VMR_TRIAGE_OOPS_H
#define VMR_TRIAGE_OOPS_H

#include <vmregion/triage.h>

/**
 * Parse "func+0x16/0x20 [mod buildid]" (also without /size, module or build
 * id) filling @p out; the text must be exactly that (trailing blanks allowed).
 * @return true if it is.
 */
bool vmr_oops_parse_symref(const char *s, size_t n, struct vmr_oops_symref *out);

/**
 * Copy the function name @p name without its compiler suffix (".cold",
 * ".constprop.0", ".isra.0", ".part.0", ".llvm.123") into @p buf.
 */
void vmr_oops_base_name(const char *name, char *buf, size_t size);

/** @return true if @p name is a frame of the reporting machinery (panic, __warn ...). */
bool vmr_oops_is_report_frame(const char *name);

#endif
