/* SPDX-License-Identifier: MIT */
/* Per-cpu areas: __per_cpu_offset[] and the per-cpu symbols. */
#include "owner/owner-priv.h"

void vmr_owners_free_percpu(struct vmr_owners *o) { (void)o; }

bool vmr_owner_find_percpu(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out)
{
	(void)k; (void)addr; (void)out;
	return false;
}
