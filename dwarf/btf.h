/* SPDX-License-Identifier: MIT */
/**
 * @file btf.h  Type facts from BTF (a vmlinux's .BTF section, or the bytes
 * between __start_BTF and __stop_BTF read from a dump): enumerator values,
 * type sizes and member offsets.  Internal to the library.
 *
 * The format is the kernel's include/uapi/linux/btf.h [k6.12]; only
 * little-endian BTF is read (x86_64).  Loading checks every record against
 * the buffer; lookups are hash lookups.
 */
#ifndef VMR_DWARF_BTF_H
#define VMR_DWARF_BTF_H

#include <vmregion/error.h>

struct vmr_btf;

/**
 * Parse BTF from @p data.
 * @param copy true: keep a private copy of @p data; false: @p data must
 *             outlive the handle.
 * @param[out] out the new handle (vmr_btf_free() it).
 * @return NULL, VMR_ERR_FORMAT naming the bad field or type id, VMR_ERR_LIMIT,
 *         VMR_ERR_UNSUPPORTED (big-endian BTF), VMR_ERR_NOMEM.
 */
struct vmr_error *vmr_btf_load(const void *data, size_t size, bool copy,
			       struct vmr_btf **out);

/** Free @p b (NULL is ignored). */
void vmr_btf_free(struct vmr_btf *b);

/** @return the number of types (type ids 1..count). */
size_t vmr_btf_type_count(const struct vmr_btf *b);

/** Value of enumerator @p name. @return NULL or VMR_ERR_NOT_FOUND. */
struct vmr_error *vmr_btf_enumerator(const struct vmr_btf *b, const char *name,
				     int64_t *value);

/**
 * sizeof(@p name): a struct/union tag first ("struct "/"union " prefixes
 * accepted), else a typedef, base type or enum of that name.
 * @return NULL or VMR_ERR_NOT_FOUND.
 */
struct vmr_error *vmr_btf_type_size(const struct vmr_btf *b, const char *name,
				    uint64_t *size);

/**
 * Byte offset of @p member (dotted path, anonymous members traversed) in the
 * struct or union @p type.  @return NULL or VMR_ERR_NOT_FOUND.
 */
struct vmr_error *vmr_btf_member_offset(const struct vmr_btf *b, const char *type,
					const char *member, uint64_t *off);

/**
 * The enumerator of the enum @p type ("fixed_addresses"; an "enum " prefix is
 * accepted) that names @p value: the one with the greatest value at or below
 * @p value, so that a caller can name a slot inside a range as NAME+k.
 * Among enumerators of that value, names not starting with "__" come first
 * (FIX_BTMAP_END before __end_of_permanent_fixed_addresses), then
 * declaration order.
 * @param[out] name the enumerator (valid while @p b lives).
 * @param[out] at its value (== @p value for an exact match); may be NULL.
 * @return NULL or VMR_ERR_NOT_FOUND (no such enum, or every value is above).
 */
struct vmr_error *vmr_btf_enum_name(const struct vmr_btf *b, const char *type,
				    int64_t value, const char **name, int64_t *at);

#endif
