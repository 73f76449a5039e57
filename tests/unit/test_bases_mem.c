/* SPDX-License-Identifier: MIT */
/*
 * region/bases_mem.c on every corpus dump: vmemmap_base decoded from
 * mem_section, and vmalloc_base from the lowest vmap area (kernels that
 * export SYMBOL(vmap_area_list)), against what the guest said (truth.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/corpuscases.h"
#include "fixtures/truthjson.h"
#include "region/kernel-priv.h"

#include <vmregion/dump.h>
#include <vmregion/vmcoreinfo.h>

static void test_set(void **state)
{
	const struct corpus_case *c = *state;
	char *json = slurp(c->truth);
	assert_non_null(json);
	const char *end = json + strlen(json);
	uint64_t want_vmemmap, want_vmalloc;
	assert_true(get_hex(json, end, "vmemmap_base", &want_vmemmap));
	assert_true(get_hex(json, end, "vmalloc_base", &want_vmalloc));
	free(json);

	struct vmr_dump *d;
	struct vmr_kernel *k;
	corpus_open(c, &d, &k);
	uint64_t v, sym;
	if (vmr_vmemmap_from_mem_section(k, &v)) {
		assert_int_equal(v, want_vmemmap);
		printf("%s: vmemmap 0x%llx from mem_section\n", c->test_name, (unsigned long long)v);
	} else {
		/* every corpus kernel is SPARSEMEM_VMEMMAP with the keys */
		fail_msg("%s: no vmemmap_base from mem_section", c->test_name);
	}
	bool listed = k->vmcoreinfo && vmr_vmcoreinfo_symbol(k->vmcoreinfo, "vmap_area_list", &sym);
	if (vmr_vmalloc_from_vmap_list(k, &v)) {
		assert_int_equal(v, want_vmalloc);
		printf("%s: vmalloc 0x%llx from the lowest vmap area\n", c->test_name,
		       (unsigned long long)v);
	} else {
		assert_false(listed);
		printf("%s: no SYMBOL(vmap_area_list) (6.9+)\n", c->test_name);
	}
	vmr_kernel_close(k);
	vmr_dump_close(d);
}

int main(void)
{
	return corpus_run_group("bases_mem", CORPUS_TRUTH_FILES, test_set);
}
