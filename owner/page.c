/* SPDX-License-Identifier: MIT */
/* Pages: a direct-map page and its struct page; a struct page and its page. */
#include "owner/owner-priv.h"

void vmr_owner_page(struct vmr_kernel *k, const struct vmr_addrinfo *info,
		    struct vmr_owner *out)
{
	(void)k;
	vmr_owner_none(out, "page owners are not identified yet (pfn 0x%llx)",
		       (unsigned long long)(info->phys >> 12));
}

struct vmr_error *vmr_owner_vmemmap(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				    struct vmr_owner *out)
{
	(void)k; (void)info;
	vmr_owner_none(out, "struct page owners are not identified yet");
	return NULL;
}
