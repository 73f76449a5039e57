/* SPDX-License-Identifier: MIT */
/* Module owners: the modules list, module parts and module kallsyms. */
#include "owner/owner-priv.h"

void vmr_owners_free_modules(struct vmr_owners *o) { (void)o; }

struct vmr_error *vmr_owner_module(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out)
{
	(void)k; (void)info;
	vmr_owner_none(out, "module owners are not identified yet");
	return NULL;
}

bool vmr_module_symbolize(struct vmr_kernel *k, uint64_t addr, const char **module,
			  const char **name, uint64_t *start, uint64_t *size)
{
	(void)k; (void)addr; (void)module; (void)name; (void)start; (void)size;
	return false;
}
