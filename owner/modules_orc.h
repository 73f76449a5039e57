/* SPDX-License-Identifier: MIT */
/**
 * @file modules_orc.h  Where a module's ORC tables are (owner/modules_orc.c):
 * struct mod_arch_specific {unsigned int num_orcs; int *orc_unwind_ip;
 * struct orc_entry *orc_unwind;} at module.arch (x86_64-layout.md §6.2).
 */
#ifndef VMR_OWNER_MODULES_ORC_H
#define VMR_OWNER_MODULES_ORC_H

#include "owner/modules.h"

/** A module's ORC arrays (runtime addresses) and its text. */
struct vmr_module_orc {
	const struct vmr_module *mod;  /**< in the module index of the kernel */
	uint64_t num;                  /**< arch.num_orcs */
	uint64_t ip_addr;              /**< arch.orc_unwind_ip (s32[num]) */
	uint64_t entry_addr;           /**< arch.orc_unwind (6-byte entries[num]) */
	uint64_t text_lo, text_hi;     /**< [lowest, highest) text address (core and init) */
};

/**
 * The ORC arrays of the module whose text holds @p addr.
 * @return NULL, VMR_ERR_NOT_FOUND (no module text there, or no module.arch
 *         layout known), or a fault reading struct module.
 */
struct vmr_error *vmr_module_orc_find(struct vmr_kernel *k, uint64_t addr,
				      struct vmr_module_orc *out);
/** The same for module @p mod of the index. */
struct vmr_error *vmr_module_orc_of(struct vmr_kernel *k, const struct vmr_module *mod,
				    struct vmr_module_orc *out);

#endif
