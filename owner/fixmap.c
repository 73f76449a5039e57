/* SPDX-License-Identifier: MIT */
/*
 * Fixmap slots: the name of the enum fixed_addresses value of an address
 * (x86_64-layout.md §1.4): slot = (FIXADDR_TOP - (addr & PAGE_MASK)) >> 12.
 */
#include "owner/owner-priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

#define PAGE_MASK_4K (~(uint64_t)0xfff)

struct vmr_error *vmr_owner_fixmap(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out)
{
	const struct vmr_layout *l = vmr_kernel_layout(k);
	uint64_t top = l->fixaddr_top.value;
	uint64_t page = info->addr & PAGE_MASK_4K;
	if (!l->fixaddr_top.source || page > top) {
		vmr_owner_none(out, "above FIXADDR_TOP 0x%" PRIx64 ": no fixmap slot", top);
		return NULL;
	}
	uint64_t slot = (top - page) >> 12;
	char name[64];
	int64_t at;
	struct vmr_error *err = vmr_kernel_enum_name(k, "fixed_addresses", (int64_t)slot, name,
						     sizeof(name), &at);
	if (err) {
		vmr_owner_none(out, "fixmap index %" PRIu64 ": no slot name (%s)", slot,
			       vmr_error_message(err));
		vmr_error_free(err);
		return NULL;
	}
	int64_t k_off = (int64_t)slot - at;
	/*
	 * __end_of_permanent_fixed_addresses and __end_of_fixed_addresses are
	 * bounds, not slots: an index at or past one of them that no slot
	 * name claims is unused (the alignment gap before FIX_BTMAP_END) or
	 * beyond the fixmap.
	 */
	if (!strncmp(name, "__", 2)) {
		vmr_owner_none(out, "fixmap index %" PRIu64 " is no slot (%s+%" PRId64 ")", slot,
			       name, k_off);
		return NULL;
	}
	out->kind = VMR_OWNER_FIXMAP;
	if ((int64_t)slot == at)
		snprintf(out->slot, sizeof(out->slot), "%s", name);
	else
		snprintf(out->slot, sizeof(out->slot), "%.42s+%" PRId64, name, k_off);
	out->offset = info->addr - page;
	return NULL;
}
