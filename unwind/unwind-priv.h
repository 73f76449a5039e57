/* SPDX-License-Identifier: MIT */
/** @file unwind-priv.h  The inside of struct vmr_unwinder (unwind/ only). */
#ifndef VMR_UNWIND_UNWIND_PRIV_H
#define VMR_UNWIND_UNWIND_PRIV_H

#include <vmregion/unwind.h>

#include "owner/modules_orc.h"
#include "unwind/orc-priv.h"

/** A module's table, or a failed one (ok false) so it is not retried. */
struct vmr_unwinder_mod {
	uint64_t lo, hi;             /**< the module's text */
	bool ok;
	struct vmr_orc_table t;
};

struct vmr_unwinder {
	struct vmr_kernel *k;        /* borrowed */
	enum vmr_orc_format fmt;
	char fmt_how[64];
	struct vmr_orc_table vmlinux;
	struct vmr_unwinder_mod *mods;
	size_t nmods, cap;
	uint64_t ret_from_fork;      /* ret_from_fork_asm (6.6+) or ret_from_fork */
	char lookup_how[160];        /* where the vmlinux fast lookup came from, or why none */
	bool fp;                     /* no ORC in this kernel: frame pointers (unwind/fp.c) */
};

/** vmr_orc_ops.find over @p ctx = struct vmr_unwinder *. */
const struct vmr_orc_entry *vmr_unwinder_find(void *ctx, uint64_t ip);
/** vmr_orc_ops.read over @p ctx = struct vmr_unwinder * (kernel virtual). */
bool vmr_unwinder_read(void *ctx, uint64_t addr, void *buf, size_t len);
/** Read and cache the table of module @p mo. @return it, or NULL. */
struct vmr_orc_table *vmr_unwinder_add_module(struct vmr_unwinder *uw,
					      const struct vmr_module_orc *mo);

#endif
