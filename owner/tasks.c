/* SPDX-License-Identifier: MIT */
/* Stacks: task stacks from the task list, IRQ stacks, exception stacks. */
#include "owner/owner-priv.h"

void vmr_owners_free_tasks(struct vmr_owners *o) { (void)o; }

bool vmr_owner_find_stack(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out)
{
	(void)k; (void)addr; (void)out;
	return false;
}
