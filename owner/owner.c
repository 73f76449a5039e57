/* SPDX-License-Identifier: MIT */
/*
 * Who owns an address: dispatch by region to the lookups of this layer, and
 * the owner indexes hung off the kernel handle.
 */
#include "owner/owner-priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static const char *const kind_names[VMR_OWNER__COUNT] = {
	[VMR_OWNER_NONE] = "none",
	[VMR_OWNER_SYMBOL] = "symbol",
	[VMR_OWNER_MODULE] = "module",
	[VMR_OWNER_VMALLOC] = "vmalloc",
	[VMR_OWNER_STACK] = "stack",
	[VMR_OWNER_PERCPU] = "percpu",
	[VMR_OWNER_SLAB] = "slab",
	[VMR_OWNER_PAGE] = "page",
	[VMR_OWNER_CPU_ENTRY_AREA] = "cpu-entry-area",
	[VMR_OWNER_FIXMAP] = "fixmap",
};

const char *vmr_owner_kind_name(enum vmr_owner_kind kind)
{
	if ((unsigned)kind >= VMR_OWNER__COUNT)
		return "none";
	return kind_names[kind];
}

uint64_t vmr_owner_member(struct vmr_kernel *k, const char *type, const char *name)
{
	uint64_t off;
	struct vmr_error *err = vmr_kernel_member_offset(k, type, name, &off);
	if (err) {
		vmr_error_free(err);
		return VMR_NO_OFFSET;
	}
	return off;
}

void vmr_owner_none(struct vmr_owner *out, const char *fmt, ...)
{
	va_list ap;
	out->kind = VMR_OWNER_NONE;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static void owners_free(void *p)
{
	/* Each index is freed by its own file through these hooks. */
	struct vmr_owners *o = p;
	if (!o)
		return;
	vmr_owners_free_modules(o);
	vmr_owners_free_vmap(o);
	vmr_owners_free_tasks(o);
	vmr_owners_free_percpu(o);
	vmr_owners_free_slab(o);
	free(o);
}

struct vmr_owners *vmr_owners_get(struct vmr_kernel *k)
{
	if (!k->owners) {
		k->owners = calloc(1, sizeof(struct vmr_owners));
		if (k->owners)
			k->owners_free = owners_free;
	}
	return k->owners;
}

/*
 * The direct map holds everything at once: the embedded first per-cpu chunk,
 * task stacks without VMAP_STACK, slab objects and plain pages.  The most
 * precise owner wins; the page facts are the fallback every address has.
 */
struct vmr_error *vmr_owner_direct_map(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				       struct vmr_owner *out)
{
	if (vmr_owner_find_percpu(k, info->addr, out))
		return NULL;
	if (vmr_owner_find_stack(k, info->addr, out))
		return NULL;
	if (vmr_owner_find_slab(k, info, out))
		return NULL;
	vmr_owner_page(k, info, out);
	return NULL;
}

struct vmr_error *vmr_owner_lookup(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out)
{
	memset(out, 0, sizeof(*out));
	out->cpu = -1;
	out->allocated = -1;
	if (!vmr_owners_get(k))
		return vmr_error_new(VMR_ERR_NOMEM, "owner indexes: out of memory");
	switch (info->region) {
	case VMR_REGION_KERNEL_IMAGE:
		return vmr_owner_kernel_image(k, info, out);
	case VMR_REGION_MODULES:
		return vmr_owner_module(k, info, out);
	case VMR_REGION_VMALLOC:
		return vmr_owner_vmalloc(k, info, out);
	case VMR_REGION_DIRECT_MAP:
		return vmr_owner_direct_map(k, info, out);
	case VMR_REGION_VMEMMAP:
		return vmr_owner_vmemmap(k, info, out);
	case VMR_REGION_CPU_ENTRY_AREA:
		return vmr_owner_cpu_entry_area(k, info, out);
	case VMR_REGION_FIXMAP:
	case VMR_REGION_VSYSCALL:
		return vmr_owner_fixmap(k, info, out);
	default:
		vmr_owner_none(out, "%s: no owner is kept for this region",
			       vmr_region_name(info->region));
		return NULL;
	}
}
