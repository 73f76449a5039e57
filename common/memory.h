/* SPDX-License-Identifier: MIT */
/**
 * @file memory.h  The read callback that layers without I/O take (region/,
 * unwind/, kallsyms, page-table walks), as libaddrxlat does.
 */
#ifndef VMR_COMMON_MEMORY_H
#define VMR_COMMON_MEMORY_H

#include <vmregion/error.h>

/**
 * Read @p len bytes at @p addr (physical or virtual, per the callback's
 * contract) into @p buf.  @return NULL, or an error (VMR_ERR_FAULT with the
 * first missing address).
 */
typedef struct vmr_error *(*vmr_read_fn)(void *ctx, uint64_t addr, void *buf,
					 size_t len);

/** A structure member the kernel does not have, in the layouts walks take. */
#define VMR_NO_OFFSET UINT64_MAX

#endif
