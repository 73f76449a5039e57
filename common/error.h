/* SPDX-License-Identifier: MIT */
/** @file error.h  Making errors (internal to the library). */
#ifndef VMR_COMMON_ERROR_H
#define VMR_COMMON_ERROR_H

#include <vmregion/error.h>

/** The static out-of-memory error: never freed, never allocated. */
extern struct vmr_error vmr_enomem;

/** New error with a printf-formatted one-line message. */
struct vmr_error *vmr_error_new(enum vmr_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** New VMR_ERR_FAULT error carrying @p addr. */
struct vmr_error *vmr_error_fault(uint64_t addr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/**
 * Prepend context to @p err ("CONTEXT: old message"), keeping code and
 * address.  Returns the (possibly reallocated) error; @p err NULL gives NULL.
 */
struct vmr_error *vmr_error_prefix(struct vmr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
