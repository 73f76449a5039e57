/* SPDX-License-Identifier: MIT */
#include "region/types.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "dwarf/btf.h"
#include "dwarf/vmlinux.h"

/* Kernel BTF is a few MiB (Debian 6.1: ~5 MiB); anything far larger is corrupt. */
#define MAX_MEMORY_BTF (64u << 20)

/* The BTF in the dump's memory, loaded on first use. */
static struct vmr_btf *memory_btf(struct vmr_kernel *k)
{
	if (k->mem_btf_tried)
		return k->mem_btf;
	k->mem_btf_tried = true;
	uint64_t start, stop;
	if (!vmr_kernel_find_symbol(k, "__start_BTF", &start, NULL) ||
	    !vmr_kernel_find_symbol(k, "__stop_BTF", &stop, NULL) || stop <= start ||
	    stop - start > MAX_MEMORY_BTF)
		return NULL;
	size_t size = (size_t)(stop - start);
	void *buf = malloc(size);
	if (!buf)
		return NULL;
	struct vmr_error *err = vmr_kernel_read(k, start, buf, size);
	if (!err)
		err = vmr_btf_load(buf, size, false, &k->mem_btf);
	if (err) {
		vmr_layout_warn(&k->layout, "BTF in the dump unusable: %s", vmr_error_message(err));
		vmr_error_free(err);
		free(buf);
		k->mem_btf = NULL;
		return NULL;
	}
	k->mem_btf_data = buf;
	return k->mem_btf;
}

static struct vmr_error *no_types(const char *what)
{
	return vmr_error_new(VMR_ERR_NOT_FOUND,
			     "%s: unknown (no VMCOREINFO key, no vmlinux, no BTF in the dump)", what);
}

struct vmr_error *vmr_kernel_type_size(struct vmr_kernel *k, const char *type, uint64_t *size)
{
	if (k->vmcoreinfo && vmr_vmcoreinfo_size(k->vmcoreinfo, type, size))
		return NULL;
	if (k->vmlinux)
		return vmr_vmlinux_type_size(k->vmlinux, type, size);
	struct vmr_btf *btf = memory_btf(k);
	if (btf)
		return vmr_btf_type_size(btf, type, size);
	return no_types(type);
}

struct vmr_error *vmr_kernel_member_offset(struct vmr_kernel *k, const char *type,
					   const char *member, uint64_t *off)
{
	char key[160];
	snprintf(key, sizeof(key), "%s.%s", type, member);
	if (k->vmcoreinfo && vmr_vmcoreinfo_offset(k->vmcoreinfo, key, off))
		return NULL;
	if (k->vmlinux)
		return vmr_vmlinux_member_offset(k->vmlinux, type, member, off);
	struct vmr_btf *btf = memory_btf(k);
	if (btf)
		return vmr_btf_member_offset(btf, type, member, off);
	return no_types(key);
}

bool vmr_kernel_has_member(struct vmr_kernel *k, const char *type, const char *member)
{
	uint64_t off;
	struct vmr_error *err = vmr_kernel_member_offset(k, type, member, &off);
	vmr_error_free(err);
	return !err;
}

struct vmr_error *vmr_kernel_enumerator(struct vmr_kernel *k, const char *name, int64_t *value)
{
	if (k->vmlinux)
		return vmr_vmlinux_enumerator(k->vmlinux, name, value);
	struct vmr_btf *btf = memory_btf(k);
	if (btf)
		return vmr_btf_enumerator(btf, name, value);
	return no_types(name);
}

struct vmr_error *vmr_kernel_read_u64(struct vmr_kernel *k, uint64_t addr, uint64_t *out)
{
	return vmr_kernel_read(k, addr, out, sizeof(*out));
}

struct vmr_error *vmr_kernel_read_u32(struct vmr_kernel *k, uint64_t addr, uint32_t *out)
{
	return vmr_kernel_read(k, addr, out, sizeof(*out));
}

struct vmr_error *vmr_kernel_enum_name(struct vmr_kernel *k, const char *type, int64_t value,
				       char *buf, size_t size, int64_t *at)
{
	const char *name = NULL;
	struct vmr_error *err;
	if (k->vmlinux) {
		err = vmr_vmlinux_enum_name(k->vmlinux, type, value, &name, at);
	} else {
		struct vmr_btf *btf = memory_btf(k);
		if (!btf)
			return no_types(type);
		err = vmr_btf_enum_name(btf, type, value, &name, at);
	}
	if (!err)
		snprintf(buf, size, "%s", name);
	return err;
}
