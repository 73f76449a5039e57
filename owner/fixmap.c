/* SPDX-License-Identifier: MIT */
/* Fixmap slots: the name of the enum fixed_addresses value of an address. */
#include "owner/owner-priv.h"

struct vmr_error *vmr_owner_fixmap(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out)
{
	(void)k; (void)info;
	vmr_owner_none(out, "fixmap slots are not identified yet");
	return NULL;
}
