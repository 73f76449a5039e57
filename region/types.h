/* SPDX-License-Identifier: MIT */
/**
 * @file types.h  Layouts of kernel structures, from the best source there is.
 *
 * Order: VMCOREINFO OFFSET()/SIZE() (the kernel's own numbers, when the key
 * exists), the vmlinux (BTF, else DWARF), then the BTF the kernel carries in
 * its memory (__start_BTF .. __stop_BTF, found through kallsyms), so that
 * structure walks work from the dump alone (x86_64-layout.md §7).  Callers
 * resolve the offsets they need once, when they build an index; these calls
 * are not meant for hot paths.
 */
#ifndef VMR_REGION_TYPES_H
#define VMR_REGION_TYPES_H

#include "region/kernel-priv.h"

/** sizeof(struct/union/typedef @p type). */
struct vmr_error *vmr_kernel_type_size(struct vmr_kernel *k, const char *type,
				       uint64_t *size);
/** Byte offset of @p member (dotted path) in @p type. */
struct vmr_error *vmr_kernel_member_offset(struct vmr_kernel *k, const char *type,
					   const char *member, uint64_t *off);
/** @return true if @p type has @p member (for "detect by member presence"). */
bool vmr_kernel_has_member(struct vmr_kernel *k, const char *type, const char *member);
/** Value of the enumerator @p name (any enum). */
struct vmr_error *vmr_kernel_enumerator(struct vmr_kernel *k, const char *name,
					int64_t *value);

/** Read a u64 / u32 of kernel virtual memory. */
struct vmr_error *vmr_kernel_read_u64(struct vmr_kernel *k, uint64_t addr, uint64_t *out);
struct vmr_error *vmr_kernel_read_u32(struct vmr_kernel *k, uint64_t addr, uint32_t *out);

/**
 * Name of @p value in the enum @p type ("fixed_addresses"): the enumerator
 * with the greatest value at or below it (vmr_btf_enum_name()), copied into
 * @p buf; @p at (may be NULL) gets its value, == @p value for an exact match.
 * Sources: the vmlinux (BTF, else DWARF), else the BTF in the dump.
 */
struct vmr_error *vmr_kernel_enum_name(struct vmr_kernel *k, const char *type, int64_t value,
				       char *buf, size_t size, int64_t *at);

#endif
