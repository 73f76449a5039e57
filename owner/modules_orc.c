/* SPDX-License-Identifier: MIT */
/**
 * @file modules_orc.c  A module's ORC tables: module.arch.{num_orcs,
 * orc_unwind_ip, orc_unwind} (arch/x86/include/asm/module.h, k6.1 = k6.12),
 * offsets from VMCOREINFO, the vmlinux or the BTF in the dump.
 */
#include "owner/modules_orc.h"

#include "common/error.h"
#include "region/types.h"

#include <string.h>

struct vmr_error *vmr_module_orc_of(struct vmr_kernel *k, const struct vmr_module *mod,
				    struct vmr_module_orc *out)
{
	uint64_t arch, num, ip, ent;
	struct vmr_error *err = vmr_kernel_member_offset(k, "module", "arch", &arch);
	if (!err)
		err = vmr_kernel_member_offset(k, "mod_arch_specific", "num_orcs", &num);
	if (!err)
		err = vmr_kernel_member_offset(k, "mod_arch_specific", "orc_unwind_ip", &ip);
	if (!err)
		err = vmr_kernel_member_offset(k, "mod_arch_specific", "orc_unwind", &ent);
	if (err)
		return vmr_error_prefix(err, "module %s: no ORC layout", mod->name);
	uint32_t n32;
	memset(out, 0, sizeof(*out));
	out->mod = mod;
	err = vmr_kernel_read_u32(k, mod->addr + arch + num, &n32);
	if (!err)
		err = vmr_kernel_read_u64(k, mod->addr + arch + ip, &out->ip_addr);
	if (!err)
		err = vmr_kernel_read_u64(k, mod->addr + arch + ent, &out->entry_addr);
	if (err)
		return vmr_error_prefix(err, "module %s: ORC pointers", mod->name);
	out->num = n32;
	out->text_lo = UINT64_MAX;
	static const enum vmr_mod_part text[] = { VMR_MOD_TEXT, VMR_MOD_INIT_TEXT };
	for (size_t i = 0; i < 2; i++) {
		uint64_t b = mod->part[text[i]].base, s = mod->part[text[i]].size;
		if (!b || !s || b > UINT64_MAX - s)
			continue;
		if (b < out->text_lo)
			out->text_lo = b;
		if (b + s > out->text_hi)
			out->text_hi = b + s;
	}
	if (out->text_lo == UINT64_MAX)
		out->text_lo = out->text_hi = 0;
	return NULL;
}

struct vmr_error *vmr_module_orc_find(struct vmr_kernel *k, uint64_t addr,
				      struct vmr_module_orc *out)
{
	const struct vmr_modules *m = vmr_modules_get(k);
	enum vmr_mod_part part;
	const struct vmr_module *mod = m ? vmr_modules_find(m, addr, &part) : NULL;
	if (!mod || (part != VMR_MOD_TEXT && part != VMR_MOD_INIT_TEXT))
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%#llx: not in a module's text",
				     (unsigned long long)addr);
	return vmr_module_orc_of(k, mod, out);
}
