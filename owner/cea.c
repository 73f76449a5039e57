/* SPDX-License-Identifier: MIT */
/* cpu_entry_area: which CPU and which part (GDT, entry stack, TSS, IST stacks, IDT). */
#include "owner/owner-priv.h"

struct vmr_error *vmr_owner_cpu_entry_area(struct vmr_kernel *k, const struct vmr_addrinfo *info,
					   struct vmr_owner *out)
{
	(void)k; (void)info;
	vmr_owner_none(out, "cpu_entry_area parts are not identified yet");
	return NULL;
}
