/* SPDX-License-Identifier: MIT */
/**
 * @file error.h  Error objects.
 *
 * Every fallible function returns a struct vmr_error * (NULL = success).  The
 * error carries a code, a one-line message that names the file, field or
 * address, and for VMR_ERR_FAULT the faulting address.  Out of memory returns
 * a static error that vmr_error_free() ignores, so failing never allocates.
 */
#ifndef VMREGION_ERROR_H
#define VMREGION_ERROR_H

#include <vmregion/common.h>

/** The error codes and their generic text, one table so they cannot drift. */
#define VMR_ERRORS(X)                                                          \
	X(VMR_ERR_NOMEM, "out of memory")                                      \
	X(VMR_ERR_IO, "input/output error")                                    \
	X(VMR_ERR_FORMAT, "not a valid dump or file format")                   \
	X(VMR_ERR_FAULT, "address not in the dump")                            \
	X(VMR_ERR_NOT_FOUND, "not found")                                      \
	X(VMR_ERR_MISMATCH, "files do not match")                              \
	X(VMR_ERR_INVALID, "invalid argument")                                 \
	X(VMR_ERR_UNSUPPORTED, "not supported")                                \
	X(VMR_ERR_LIMIT, "a bound was exceeded (corrupt data?)")

enum vmr_errcode {
#define VMR_ERR_ENUM(code, text) code,
	VMR_ERRORS(VMR_ERR_ENUM)
#undef VMR_ERR_ENUM
	VMR_ERR__COUNT
};

struct vmr_error;

/** @return the code of @p err. */
VMR_API enum vmr_errcode vmr_error_code(const struct vmr_error *err);
/** @return the one-line message of @p err (never NULL). */
VMR_API const char *vmr_error_message(const struct vmr_error *err);
/**
 * @param[out] addr the faulting address, if the error carries one.
 * @return true if @p err carries an address.
 */
VMR_API bool vmr_error_address(const struct vmr_error *err, uint64_t *addr);
/** Free @p err; NULL and the static out-of-memory error are ignored. */
VMR_API void vmr_error_free(struct vmr_error *err);
/** @return the generic text of @p code. */
VMR_API const char *vmr_errcode_text(enum vmr_errcode code);

#endif
