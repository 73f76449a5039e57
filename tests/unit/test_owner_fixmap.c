/* SPDX-License-Identifier: MIT */
/*
 * Fixmap slot names: vmr_btf_enum_name() on an enum fixed_addresses written
 * here as BTF the way x86_64 kernels declare it (VSYSCALL_PAGE = 511, single
 * slots, ranges, __end_of_* bounds, FIX_BTMAP_END sharing a value with
 * __end_of_permanent_fixed_addresses or not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <sys/stat.h>

#include "common/error.h"
#include "dwarf/btf.h"
#include "dwarf/vmlinux.h"

struct enumerator {
	const char *name;
	int32_t value;
};

struct blob {
	uint8_t buf[8192];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/** BTF with type 1 = int, type 2 = enum @p ename {@p e...}, type 3 = enum other. */
static void make_btf(struct blob *b, const char *ename, const struct enumerator *e, size_t n)
{
	uint8_t types[4096], strs[4096];
	size_t tl = 0, sl = 1;
	strs[0] = '\0';
#define STR(s) (memcpy(strs + sl, (s), strlen(s) + 1), sl += strlen(s) + 1, (uint32_t)(sl - strlen(s) - 1))
	/* int */
	put32(types + tl, STR("int"));
	put32(types + tl + 4, 1u << 24);
	put32(types + tl + 8, 4);
	put32(types + tl + 12, (1u << 24) | 32); /* signed, 32 bits */
	tl += 16;
	/* the enum */
	put32(types + tl, STR(ename));
	put32(types + tl + 4, (6u << 24) | (uint32_t)n);
	put32(types + tl + 8, 4);
	tl += 12;
	for (size_t i = 0; i < n; i++, tl += 8) {
		put32(types + tl, STR(e[i].name));
		put32(types + tl + 4, (uint32_t)e[i].value);
	}
	/* another enum with a value every lookup would otherwise match */
	put32(types + tl, STR("other"));
	put32(types + tl + 4, (6u << 24) | 1);
	put32(types + tl + 8, 4);
	put32(types + tl + 12, STR("OTHER_ZERO"));
	put32(types + tl + 16, 0);
	tl += 20;
#undef STR
	uint8_t *h = b->buf;
	memset(h, 0, 24);
	h[0] = 0x9f;
	h[1] = 0xeb;
	h[2] = 1;
	put32(h + 4, 24);
	put32(h + 8, 0);
	put32(h + 12, (uint32_t)tl);
	put32(h + 16, (uint32_t)tl);
	put32(h + 20, (uint32_t)sl);
	memcpy(h + 24, types, tl);
	memcpy(h + 24 + tl, strs, sl);
	b->len = 24 + tl + sl;
}

/* x86_64 6.x with vsyscall emulation, IO-APIC, APEI GHES (values shortened). */
static const struct enumerator fixed[] = {
	{ "VSYSCALL_PAGE", 511 },
	{ "FIX_DBGP_BASE", 512 },
	{ "FIX_EARLYCON_MEM_BASE", 513 },
	{ "FIX_APIC_BASE", 514 },
	{ "FIX_IO_APIC_BASE_0", 515 },
	{ "FIX_IO_APIC_BASE_END", 642 },
	{ "FIX_APEI_GHES_IRQ", 643 },
	{ "FIX_APEI_GHES_NMI", 644 },
	{ "__end_of_permanent_fixed_addresses", 645 },
	{ "FIX_BTMAP_END", 1024 },
	{ "FIX_BTMAP_BEGIN", 1535 },
	{ "__end_of_fixed_addresses", 1536 },
};

static struct vmr_btf *load(const struct enumerator *e, size_t n)
{
	static struct blob b;
	make_btf(&b, "fixed_addresses", e, n);
	struct vmr_btf *btf = NULL;
	struct vmr_error *err = vmr_btf_load(b.buf, b.len, true, &btf);
	assert_null(err);
	return btf;
}

/* The name of slot @p v as fixmap.c prints it ("" = no slot). */
static const char *slot_name(struct vmr_btf *btf, int64_t v, int64_t *at)
{
	const char *name = NULL;
	struct vmr_error *err = vmr_btf_enum_name(btf, "fixed_addresses", v, &name, at);
	if (err) {
		assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
		vmr_error_free(err);
		return "";
	}
	return name;
}

static void test_slots(void **state)
{
	(void)state;
	struct vmr_btf *btf = load(fixed, sizeof(fixed) / sizeof(fixed[0]));
	int64_t at;
	assert_string_equal(slot_name(btf, 514, &at), "FIX_APIC_BASE");
	assert_int_equal(at, 514);
	assert_string_equal(slot_name(btf, 511, &at), "VSYSCALL_PAGE");
	/* inside a range: its first name, and the index from there */
	assert_string_equal(slot_name(btf, 518, &at), "FIX_IO_APIC_BASE_0");
	assert_int_equal(at, 515);
	assert_string_equal(slot_name(btf, 642, &at), "FIX_IO_APIC_BASE_END");
	assert_string_equal(slot_name(btf, 1027, &at), "FIX_BTMAP_END");
	assert_int_equal(at, 1024);
	assert_string_equal(slot_name(btf, 1535, &at), "FIX_BTMAP_BEGIN");
	/* bounds: the alignment gap and past the end are named by the bound */
	assert_string_equal(slot_name(btf, 700, &at), "__end_of_permanent_fixed_addresses");
	assert_string_equal(slot_name(btf, 4000, &at), "__end_of_fixed_addresses");
	/* below the first slot: none; the "enum " prefix is accepted */
	assert_string_equal(slot_name(btf, 3, &at), "");
	const char *name;
	assert_null(vmr_btf_enum_name(btf, "enum fixed_addresses", 512, &name, NULL));
	assert_string_equal(name, "FIX_DBGP_BASE");
	/* an enum that does not exist */
	struct vmr_error *err = vmr_btf_enum_name(btf, "no_such_enum", 0, &name, NULL);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
	vmr_btf_free(btf);
}

/* FIX_BTMAP_END == __end_of_permanent_fixed_addresses (already aligned):
 * the slot name wins over the bound, whatever the declaration order. */
static void test_shared_value(void **state)
{
	(void)state;
	const struct enumerator e[] = {
		{ "FIX_DBGP_BASE", 0 },
		{ "FIX_APIC_BASE", 1 },
		{ "__end_of_permanent_fixed_addresses", 512 },
		{ "FIX_BTMAP_END", 512 },
		{ "FIX_BTMAP_BEGIN", 1023 },
		{ "__end_of_fixed_addresses", 1024 },
	};
	struct vmr_btf *btf = load(e, sizeof(e) / sizeof(e[0]));
	int64_t at;
	assert_string_equal(slot_name(btf, 512, &at), "FIX_BTMAP_END");
	assert_string_equal(slot_name(btf, 600, &at), "FIX_BTMAP_END");
	assert_int_equal(at, 512);
	assert_string_equal(slot_name(btf, 0, &at), "FIX_DBGP_BASE");
	assert_string_equal(slot_name(btf, 1023, &at), "FIX_BTMAP_BEGIN");
	vmr_btf_free(btf);
}

/* The corpus vmlinux: BTF and DWARF name every index alike. */
static void test_vmlinux_btf_vs_dwarf(void **state)
{
	(void)state;
	const char *corpus = getenv("VMR_CORPUS");
	char path[1024];
	snprintf(path, sizeof(path), "%s/custom-6.12-vmlinux.zst",
		 corpus && *corpus ? corpus : "/work/shared/corpus");
	struct stat st;
	if (stat(path, &st))
		skip();
	struct vmr_vmlinux *v = NULL;
	struct vmr_error *err = vmr_vmlinux_open(path, &v);
	assert_null(err);
	const char *name;
	int64_t at;
	/* FIX_APIC_BASE is a slot of every x86_64 config with a local APIC */
	assert_null(vmr_vmlinux_enumerator(v, "FIX_APIC_BASE", &at));
	int64_t apic = at;
	assert_null(vmr_vmlinux_enum_name(v, "fixed_addresses", apic, &name, &at));
	assert_string_equal(name, "FIX_APIC_BASE");
	int64_t end;
	assert_null(vmr_vmlinux_enumerator(v, "__end_of_fixed_addresses", &end));
	static char btf_names[4096][64];
	static int64_t btf_at[4096];
	assert_true(end + 2 < 4096);
	for (int64_t i = 0; i <= end + 1; i++) {
		err = vmr_vmlinux_enum_name(v, "fixed_addresses", i, &name, &btf_at[i]);
		snprintf(btf_names[i], sizeof(btf_names[i]), "%s", err ? "" : name);
		vmr_error_free(err);
	}
	vmr_vmlinux_set_type_source(v, VMR_TYPES_DWARF);
	for (int64_t i = 0; i <= end + 1; i++) {
		err = vmr_vmlinux_enum_name(v, "fixed_addresses", i, &name, &at);
		assert_string_equal(err ? "" : name, btf_names[i]);
		if (!err)
			assert_int_equal(at, btf_at[i]);
		vmr_error_free(err);
	}
	assert_string_equal(btf_names[end + 1], "__end_of_fixed_addresses");
	vmr_vmlinux_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_shared_value),
		cmocka_unit_test(test_vmlinux_btf_vs_dwarf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
