/* SPDX-License-Identifier: MIT */
/** @file test_live.c  A live target as a dump (vmcore/live.c) over mock callbacks:
 * bytes, page cache, small first reads, faults, invalidation, CPUs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <vmregion/dump.h>
#include <vmregion/error.h>
#include <vmregion/live.h>

#include "common/error.h"

#define MEM_SIZE (1u << 20)

/* The target: MEM_SIZE bytes, byte i = (i * 7 + gen) & 0xff; reads counted. */
struct target {
	unsigned calls;
	size_t bytes;
	unsigned gen;
	unsigned ncpus;
	bool cpus_fail;
};

static struct vmr_error *mock_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct target *t = ctx;
	t->calls++;
	t->bytes += len;
	assert_true(len <= 4096); /* max_read */
	if (paddr + len > MEM_SIZE)
		return vmr_error_fault(paddr, "mock: 0x%llx past the end", (unsigned long long)paddr);
	unsigned char *b = buf;
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)((paddr + i) * 7 + t->gen);
	return NULL;
}

static struct vmr_error *mock_cpus(void *ctx, struct vmr_cpu_state *cpus, unsigned max,
				   unsigned *n)
{
	struct target *t = ctx;
	if (t->cpus_fail)
		return vmr_error_new(VMR_ERR_IO, "mock: no threads");
	*n = t->ncpus < max ? t->ncpus : max;
	for (unsigned i = 0; i < *n; i++) {
		cpus[i].has_sysregs = true;
		cpus[i].cr[3] = 0x1000 * (i + 1) + t->gen;
	}
	return NULL;
}

static const struct vmr_live_ops ops = { .read_phys = mock_read, .read_cpus = mock_cpus,
					 .max_read = 4096, .max_paddr = MEM_SIZE,
					 .format_name = "mock" };

static bool same(const unsigned char *b, uint64_t paddr, size_t len, unsigned gen)
{
	for (size_t i = 0; i < len; i++)
		if (b[i] != (unsigned char)((paddr + i) * 7 + gen))
			return false;
	return true;
}

static void test_reads_and_cache(void **state)
{
	(void)state;
	struct target t = { .ncpus = 2 };
	struct vmr_dump *d;
	assert_null(vmr_dump_open_live("mock:1", &ops, &t, &d));
	const struct vmr_dump_info *di = vmr_dump_get_info(d);
	assert_int_equal(di->format, VMR_DUMP_LIVE);
	assert_string_equal(di->format_name, "mock");
	assert_int_equal(di->ncpus, 2);
	assert_int_equal(vmr_dump_cpu(d, 1)->cr[3], 0x2000);
	assert_string_equal(vmr_dump_path(d), "mock:1");

	/* A large read across pages: right bytes, then served from the cache. */
	static unsigned char buf[3 * 4096 + 100];
	assert_null(vmr_dump_read_phys(d, 0x10f00, buf, sizeof(buf)));
	assert_true(same(buf, 0x10f00, sizeof(buf), 0));
	unsigned calls = t.calls;
	memset(buf, 0, sizeof(buf));
	assert_null(vmr_dump_read_phys(d, 0x10f00, buf, sizeof(buf)));
	assert_true(same(buf, 0x10f00, sizeof(buf), 0));
	assert_int_equal(t.calls, calls);

	/* A small read of a new page: one read of just those bytes; the
	 * second touch fetches the page, the third is cached. */
	unsigned char small[16];
	size_t bytes = t.bytes;
	assert_null(vmr_dump_read_phys(d, 0x80008, small, sizeof(small)));
	assert_true(same(small, 0x80008, sizeof(small), 0));
	assert_int_equal(t.bytes - bytes, sizeof(small));
	assert_null(vmr_dump_read_phys(d, 0x80100, small, sizeof(small)));
	assert_true(same(small, 0x80100, sizeof(small), 0));
	assert_int_equal(t.bytes - bytes, sizeof(small) + 4096);
	calls = t.calls;
	assert_null(vmr_dump_read_phys(d, 0x80200, small, sizeof(small)));
	assert_int_equal(t.calls, calls);

	/* Past the target's memory: a fault naming the address. */
	struct vmr_error *err = vmr_dump_read_phys(d, MEM_SIZE - 8, small, sizeof(small));
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
	assert_false(vmr_dump_has_phys(d, MEM_SIZE));
	/* The fault marked its 2 MiB block absent (the memory scan skips
	 * it); reads there still go to the target. */
	assert_false(vmr_dump_has_phys(d, 0));
	assert_null(vmr_dump_read_phys(d, 0x10f00, buf, 16));

	/* The target ran: new bytes and new registers. */
	t.gen = 3;
	t.ncpus = 3;
	assert_null(vmr_dump_live_invalidate(d));
	assert_null(vmr_dump_read_phys(d, 0x10f00, buf, sizeof(buf)));
	assert_true(same(buf, 0x10f00, sizeof(buf), 3));
	assert_int_equal(vmr_dump_get_info(d)->ncpus, 3);
	assert_int_equal(vmr_dump_cpu(d, 2)->cr[3], 0x3003);
	assert_true(vmr_dump_has_phys(d, MEM_SIZE - 1));
	vmr_dump_close(d);
}

static void test_many_pages(void **state)
{
	(void)state;
	/* More pages than the cache holds: still the right bytes. */
	struct target t = { .ncpus = 1 };
	struct vmr_dump *d;
	assert_null(vmr_dump_open_live("mock:2", &ops, &t, &d));
	unsigned char *buf = malloc(MEM_SIZE);
	assert_non_null(buf);
	for (int round = 0; round < 2; round++) {
		assert_null(vmr_dump_read_phys(d, 0, buf, MEM_SIZE));
		assert_true(same(buf, 0, MEM_SIZE, 0));
	}
	free(buf);
	vmr_dump_close(d);
}

static void test_errors(void **state)
{
	(void)state;
	struct target t = { .cpus_fail = true };
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open_live("mock:3", &ops, &t, &d);
	assert_non_null(err);
	assert_null(d);
	assert_non_null(strstr(vmr_error_message(err), "mock:3"));
	vmr_error_free(err);
	struct vmr_live_ops none = { 0 };
	err = vmr_dump_open_live("mock:4", &none, &t, &d);
	assert_int_equal(vmr_error_code(err), VMR_ERR_INVALID);
	vmr_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_and_cache),
		cmocka_unit_test(test_many_pages),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
