/* SPDX-License-Identifier: MIT */
/*
 * owner/percpu.c on synthetic memory: __per_cpu_offset[] with CPUs that are
 * not possible (0, the boot offset, repeats of CPU 0), the unit size guess,
 * and which CPU's unit holds an address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "owner/percpu.h"

#define ARRAY 0xffffffff82a00000ull
#define BOOT 0xffffffff83000000ull /* __per_cpu_load */
#define DM 0xffff888000000000ull   /* first chunk in the direct map */
#define UNIT 0x100000ull

struct mem {
	uint64_t v[64];
	size_t n; /* entries served */
	size_t reads;
};

static struct vmr_error *mem_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct mem *m = ctx;
	m->reads++;
	if (addr < ARRAY || addr - ARRAY > m->n * 8 || len > m->n * 8 - (addr - ARRAY))
		return vmr_error_fault(addr, "no memory at %#llx", (unsigned long long)addr);
	memcpy(out, (uint8_t *)m->v + (addr - ARRAY), len);
	return NULL;
}

static void test_zero_entry(void **state)
{
	(void)state;
	/* CPU 2 is not possible (0); CPU 3 is. */
	struct mem m = { { DM, DM + UNIT, 0, DM + 3 * UNIT }, 4, 0 };
	struct vmr_percpu pc = { 0 };
	struct vmr_error *err = vmr_percpu_read_offsets(mem_read, &m, ARRAY, 4, BOOT, false, &pc);
	assert_null(err);
	assert_int_equal(m.reads, 1);
	assert_int_equal(pc.ncpus, 4);
	assert_int_equal(pc.npossible, 3);
	assert_int_equal(pc.offsets[2], VMR_PERCPU_NONE);
	assert_int_equal(vmr_percpu_guess_unit_size(&pc), UNIT);
	pc.unit_size = UNIT;
	pc.start = 0;
	uint64_t ptr;
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 0x34000, &ptr), 0);
	assert_int_equal(ptr, 0x34000);
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + UNIT + 0x28, &ptr), 1);
	assert_int_equal(ptr, 0x28);
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 2 * UNIT + 8, &ptr), -1); /* CPU 2 */
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 4 * UNIT - 1, &ptr), 3);
	assert_int_equal(ptr, UNIT - 1);
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 4 * UNIT, &ptr), -1);
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM - 1, &ptr), -1);
	/* unknown unit size: nothing is claimed */
	pc.unit_size = 0;
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 8, &ptr), -1);
	free(pc.offsets);
}

/* NR_CPUS slots that were never set hold the boot offset or repeat CPU 0. */
static void test_unused_slots(void **state)
{
	(void)state;
	struct mem m = { { DM, DM + UNIT, BOOT, BOOT, DM, 0 }, 6, 0 };
	struct vmr_percpu pc = { 0 };
	assert_null(vmr_percpu_read_offsets(mem_read, &m, ARRAY, 6, BOOT, false, &pc));
	assert_int_equal(pc.npossible, 2);
	assert_int_equal(pc.offsets[2], VMR_PERCPU_NONE);
	assert_int_equal(pc.offsets[4], VMR_PERCPU_NONE);
	free(pc.offsets);
	memset(&pc, 0, sizeof(pc));
	/* only a guess of the count: stop at the first unused slot */
	assert_null(vmr_percpu_read_offsets(mem_read, &m, ARRAY, 6, BOOT, true, &pc));
	assert_int_equal(pc.ncpus, 2);
	assert_int_equal(pc.npossible, 2);
	free(pc.offsets);
	memset(&pc, 0, sizeof(pc));
	/* a single CPU: no distance to guess a unit size from */
	assert_null(vmr_percpu_read_offsets(mem_read, &m, ARRAY, 1, BOOT, false, &pc));
	assert_int_equal(pc.npossible, 1);
	assert_int_equal(vmr_percpu_guess_unit_size(&pc), 0);
	free(pc.offsets);
}

static void test_bad_arrays(void **state)
{
	(void)state;
	struct mem m = { { 0, 0, 0 }, 3, 0 };
	struct vmr_percpu pc = { 0 };
	struct vmr_error *err = vmr_percpu_read_offsets(mem_read, &m, ARRAY, 3, BOOT, false, &pc);
	assert_non_null(err); /* no CPU at all */
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	assert_null(pc.offsets);
	vmr_error_free(err);
	err = vmr_percpu_read_offsets(mem_read, &m, ARRAY, 0, BOOT, false, &pc);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
	err = vmr_percpu_read_offsets(mem_read, &m, ARRAY, VMR_MAX_CPUS + 1, BOOT, false, &pc);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
	/* more entries than memory holds: a fault, nothing kept */
	m.v[0] = DM;
	err = vmr_percpu_read_offsets(mem_read, &m, ARRAY, 8, BOOT, false, &pc);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	assert_null(pc.offsets);
	vmr_error_free(err);
}

/* Units in any order; the smallest gap is the unit (not the first gap). */
static void test_unit_guess_unsorted(void **state)
{
	(void)state;
	struct mem m = { { DM + 2 * UNIT, DM, DM + 5 * UNIT, DM + UNIT }, 4, 0 };
	struct vmr_percpu pc = { 0 };
	assert_null(vmr_percpu_read_offsets(mem_read, &m, ARRAY, 4, 0, false, &pc));
	assert_int_equal(vmr_percpu_guess_unit_size(&pc), UNIT);
	pc.unit_size = UNIT;
	uint64_t ptr;
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 5 * UNIT + 0x10, &ptr), 2);
	assert_int_equal(vmr_percpu_find_cpu(&pc, DM + 3 * UNIT + 0x10, &ptr), -1);
	/* non-zero-based per-cpu pointers (__per_cpu_start in the image) */
	pc.start = 0xffffffff82000000ull;
	assert_int_equal(vmr_percpu_find_cpu(&pc, pc.start + DM + 0x10, &ptr), 1);
	assert_int_equal(ptr, pc.start + 0x10);
	free(pc.offsets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_entry),
		cmocka_unit_test(test_unused_slots),
		cmocka_unit_test(test_bad_arrays),
		cmocka_unit_test(test_unit_guess_unsorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
