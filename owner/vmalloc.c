/* SPDX-License-Identifier: MIT */
/* vmalloc owners: vmap areas, their flags and callers; stacks inside them. */
#include "owner/owner-priv.h"

void vmr_owners_free_vmap(struct vmr_owners *o) { (void)o; }

struct vmr_error *vmr_owner_vmalloc(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				    struct vmr_owner *out)
{
	if (vmr_owner_find_stack(k, info->addr, out))
		return NULL;
	vmr_owner_none(out, "vmap areas are not identified yet");
	return NULL;
}
