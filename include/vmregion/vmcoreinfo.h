/* SPDX-License-Identifier: MIT */
/**
 * @file vmcoreinfo.h  VMCOREINFO text: KEY=VALUE lines.
 *
 * Radices follow the kernel (x86_64-layout.md §3.1, §3.5): SYMBOL() and
 * KERNELOFFSET are hex without 0x, NUMBER() is signed decimal except
 * NUMBER(VMALLOC_START) (hex with 0x), SIZE/OFFSET/LENGTH are decimal.
 * Malformed lines are skipped and counted, never fatal.
 */
#ifndef VMREGION_VMCOREINFO_H
#define VMREGION_VMCOREINFO_H

#include <vmregion/error.h>

struct vmr_vmcoreinfo;

/**
 * Parse @p len bytes of VMCOREINFO text (need not be NUL-terminated).
 * @param[out] out the parsed table.
 * @return NULL, or VMR_ERR_NOMEM / VMR_ERR_FORMAT (no valid line at all).
 */
VMR_API struct vmr_error *vmr_vmcoreinfo_parse(const char *text, size_t len,
					       struct vmr_vmcoreinfo **out);
/** Free @p vi (NULL is ignored). */
VMR_API void vmr_vmcoreinfo_free(struct vmr_vmcoreinfo *vi);
/** @return the raw value of @p key (e.g. "SYMBOL(_stext)"), or NULL. */
VMR_API const char *vmr_vmcoreinfo_get(const struct vmr_vmcoreinfo *vi,
				       const char *key);
/** @return the number of valid lines; vmr_vmcoreinfo_entry() walks them. */
VMR_API size_t vmr_vmcoreinfo_count(const struct vmr_vmcoreinfo *vi);
/** Line @p i (in file order): @p key and @p value. @return false if out of range. */
VMR_API bool vmr_vmcoreinfo_entry(const struct vmr_vmcoreinfo *vi, size_t i,
				  const char **key, const char **value);
/** @return the number of malformed lines that were skipped. */
VMR_API size_t vmr_vmcoreinfo_bad_lines(const struct vmr_vmcoreinfo *vi);

/** SYMBOL(@p name): hex address. @return false if absent or malformed. */
VMR_API bool vmr_vmcoreinfo_symbol(const struct vmr_vmcoreinfo *vi,
				   const char *name, uint64_t *out);
/** NUMBER(@p name): signed decimal (or 0x hex). */
VMR_API bool vmr_vmcoreinfo_number(const struct vmr_vmcoreinfo *vi,
				   const char *name, int64_t *out);
/** OFFSET(@p name), e.g. "page.flags": decimal. */
VMR_API bool vmr_vmcoreinfo_offset(const struct vmr_vmcoreinfo *vi,
				   const char *name, uint64_t *out);
/** SIZE(@p name): decimal. */
VMR_API bool vmr_vmcoreinfo_size(const struct vmr_vmcoreinfo *vi,
				 const char *name, uint64_t *out);
/** LENGTH(@p name): decimal. */
VMR_API bool vmr_vmcoreinfo_length(const struct vmr_vmcoreinfo *vi,
				   const char *name, uint64_t *out);
/** KERNELOFFSET: hex. */
VMR_API bool vmr_vmcoreinfo_kerneloffset(const struct vmr_vmcoreinfo *vi,
					 uint64_t *out);

#endif
