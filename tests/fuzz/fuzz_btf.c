/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the BTF reader (dwarf/btf.c) and its lookups.  The input is
 * a whole .BTF section.  Seeds: small BTF blobs (a struct with nested
 * anonymous members, enums, typedefs) and a cut-down .BTF of the corpus
 * vmlinux.
 */
#include "dwarf/btf.h"

#include "fuzz.h"

static const char *const types[] = {
	"task_struct", "struct task_struct", "union thread_union", "list_head",
	"module", "vmap_area", "fixed_addresses", "enum fixed_addresses", "int",
	"printk_ringbuffer", "s", "u", "",
};
static const char *const members[] = {
	"tasks", "pid", "comm", "thread.sp", "mem.base", "a.b.c", "list.next", "x", "",
	".", "a..b",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmr_btf *b = NULL;
	struct vmr_error *err = vmr_btf_load(data, size, size & 1, &b);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	(void)vmr_btf_type_count(b);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint64_t v;
		int64_t e, at;
		const char *name;
		vmr_error_free(vmr_btf_type_size(b, types[i], &v));
		vmr_error_free(vmr_btf_enumerator(b, types[i], &e));
		vmr_error_free(vmr_btf_enum_name(b, types[i], 0, &name, &at));
		vmr_error_free(vmr_btf_enum_name(b, types[i], INT64_MAX, &name, &at));
		vmr_error_free(vmr_btf_enum_name(b, types[i], INT64_MIN, &name, NULL));
		for (size_t j = 0; j < sizeof(members) / sizeof(members[0]); j++)
			vmr_error_free(vmr_btf_member_offset(b, types[i], members[j], &v));
	}
	vmr_btf_free(b);
	return 0;
}
