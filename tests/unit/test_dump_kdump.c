/* SPDX-License-Identifier: MIT */
/**
 * @file test_dump_kdump.c  kdump-compressed files: the real sample dump
 * (read in place), the same dump as a flattened stream made by the test, and
 * corrupt copies of its header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vmregion/dump.h>
#include "fixtures/mkvmcore.h"

static char sample[1024];

/** samples/ of this source tree, else the shared one. */
static int find_sample(void **state)
{
	(void)state;
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	const char *dirs[] = { dir, "/work/shared" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(sample, sizeof(sample), "%s/samples/vmcore.kdump-zlib", dirs[i]);
		if (!access(sample, R_OK))
			return 0;
	}
	sample[0] = '\0';
	return 0;
}

#define NEED_SAMPLE()                                                          \
	do {                                                                   \
		if (!sample[0]) {                                              \
			print_message("no samples/vmcore.kdump-zlib: skipped\n"); \
			skip();                                                \
		}                                                              \
	} while (0)

static struct vmr_dump *open_ok(const char *path)
{
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open(path, &d);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	return d;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/** The value of "KEY=" in the VMCOREINFO text, or NULL. */
static const char *vmcoreinfo_value(const char *text, size_t len, const char *key,
				    char *buf, size_t buflen)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen <= len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && !memcmp(text + i, key, klen)) {
			size_t j = 0;
			for (i += klen; i < len && text[i] != '\n' && j + 1 < buflen; i++)
				buf[j++] = text[i];
			buf[j] = '\0';
			return buf;
		}
	}
	return NULL;
}

static void test_sample(void **state)
{
	(void)state;
	NEED_SAMPLE();
	double t0 = now_ms();
	struct vmr_dump *d = open_ok(sample);
	const char *text;
	size_t len;
	assert_true(vmr_dump_vmcoreinfo(d, &text, &len));
	print_message("open + VMCOREINFO of %s: %.2f ms\n", sample, now_ms() - t0);

	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	assert_int_equal(info->format, VMR_DUMP_KDUMP);
	assert_string_equal(info->format_name, "kdump-compressed");
	assert_string_equal(info->compression, "zlib");
	assert_string_equal(info->producer, "makedumpfile");
	assert_false(info->flattened);
	assert_false(info->zstd_wrapped);
	assert_int_equal(info->ncpus, 2);
	assert_true(info->memory_bytes > 0 && info->memory_bytes <= info->max_paddr);

	char v[128];
	assert_non_null(vmcoreinfo_value(text, len, "OSRELEASE=", v, sizeof(v)));
	assert_string_equal(v, "6.1.0-56-cloud-amd64");
	/* makedumpfile's sub-header phys_base agrees with VMCOREINFO. */
	assert_true(info->has_phys_base_header);
	assert_non_null(vmcoreinfo_value(text, len, "NUMBER(phys_base)=", v, sizeof(v)));
	assert_int_equal(info->phys_base_header, (uint64_t)strtoll(v, NULL, 10));

	/* The crashing CPU (1) ran pid 162 ("sh"), per the sample's truth.json. */
	const struct vmr_cpu_state *c1 = vmr_dump_cpu(d, 1);
	assert_true(c1->has_prstatus);
	assert_false(c1->has_sysregs);
	assert_int_equal(c1->pr_pid, 162);
	assert_true(c1->gpr[VMR_REG_RIP] >> 63);
	assert_int_equal(vmr_dump_segments(d, NULL), 0);
	vmr_dump_close(d);
}

/** has_phys agrees with reads; a read into an excluded page faults at its start. */
static void test_sample_reads(void **state)
{
	(void)state;
	NEED_SAMPLE();
	struct vmr_dump *d = open_ok(sample);
	static unsigned char page[2 * 4096];
	unsigned in = 0, out = 0, boundary = 0;
	bool prev = false;
	for (uint64_t pa = 0; pa < (64ULL << 20); pa += 4096) {
		bool has = vmr_dump_has_phys(d, pa);
		struct vmr_error *err = vmr_dump_read_phys(d, pa, page, 4096);
		if (has) {
			if (err)
				fail_msg("0x%llx: has_phys but %s", (unsigned long long)pa,
					 vmr_error_message(err));
			in++;
		} else {
			assert_non_null(err);
			assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
			uint64_t at;
			assert_true(vmr_error_address(err, &at));
			assert_int_equal(at, pa);
			vmr_error_free(err);
			out++;
		}
		/* A read from the last bytes of a present page into a missing one. */
		if (prev && !has && boundary < 10) {
			err = vmr_dump_read_phys(d, pa - 16, page, 32);
			assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
			uint64_t at;
			assert_true(vmr_error_address(err, &at));
			assert_int_equal(at, pa);
			vmr_error_free(err);
			boundary++;
		}
		prev = has;
	}
	print_message("first 64 MiB: %u pages present, %u excluded\n", in, out);
	assert_true(in > 100);
	assert_true(out > 100);
	assert_true(boundary > 0);
	/* Beyond the end of memory. */
	uint64_t w;
	struct vmr_error *err = vmr_dump_read_phys(d, 1ULL << 50, &w, 8);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
	vmr_error_free(err);
	assert_false(vmr_dump_has_phys(d, 1ULL << 50));
	vmr_dump_close(d);
}

/** Compare two opens of the same dump: facts, notes and memory. */
static void same_dump(struct vmr_dump *a, struct vmr_dump *b)
{
	const struct vmr_dump_info *x = vmr_dump_get_info(a), *y = vmr_dump_get_info(b);
	assert_int_equal(x->format, y->format);
	assert_string_equal(x->compression, y->compression);
	assert_int_equal(x->ncpus, y->ncpus);
	assert_int_equal(x->memory_bytes, y->memory_bytes);
	assert_int_equal(x->max_paddr, y->max_paddr);
	assert_int_equal(x->phys_base_header, y->phys_base_header);
	for (unsigned i = 0; i < x->ncpus; i++)
		assert_memory_equal(vmr_dump_cpu(a, i), vmr_dump_cpu(b, i),
				    sizeof(struct vmr_cpu_state));
	const char *t1, *t2;
	size_t l1, l2;
	assert_true(vmr_dump_vmcoreinfo(a, &t1, &l1));
	assert_true(vmr_dump_vmcoreinfo(b, &t2, &l2));
	assert_int_equal(l1, l2);
	assert_memory_equal(t1, t2, l1);
	static unsigned char p1[4096], p2[4096];
	for (uint64_t pa = 0; pa < x->max_paddr; pa += 0x101000) {
		struct vmr_error *e1 = vmr_dump_read_phys(a, pa, p1, sizeof(p1));
		struct vmr_error *e2 = vmr_dump_read_phys(b, pa, p2, sizeof(p2));
		assert_int_equal(!e1, !e2);
		if (!e1)
			assert_memory_equal(p1, p2, sizeof(p1));
		vmr_error_free(e1);
		vmr_error_free(e2);
	}
}

static void test_sample_flattened(void **state)
{
	(void)state;
	NEED_SAMPLE();
	static const struct { size_t record; int flags; } kinds[] = {
		{ 4096, 0 }, { 1000, MKVMCORE_FLAT_REVERSE },
	};
	struct vmr_dump *direct = open_ok(sample);
	for (size_t k = 0; k < 2; k++) {
		char flat[256];
		assert_int_equal(mkvmcore_flatten(sample, kinds[k].record, kinds[k].flags, flat,
						  sizeof(flat)), 0);
		double t0 = now_ms();
		struct vmr_dump *d = open_ok(flat);
		print_message("flattened open: %.2f ms\n", now_ms() - t0);
		assert_true(vmr_dump_get_info(d)->flattened);
		assert_string_equal(vmr_dump_path(d), flat);
		same_dump(direct, d);
		vmr_dump_close(d);
		unlink(flat);
	}
	vmr_dump_close(direct);
}

/** Copy the first @p len bytes of the sample, break them, expect an error. */
static void broken_header(size_t len, size_t off, const void *val, size_t vlen,
			  enum vmr_errcode code, const char *what)
{
	unsigned char *buf = malloc(len);
	assert_non_null(buf);
	int fd = open(sample, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
	close(fd);
	if (val)
		memcpy(buf + off, val, vlen);
	char path[256];
	assert_int_equal(mkvmcore_write_bytes(buf, len, path, sizeof(path)), 0);
	free(buf);
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open(path, &d);
	assert_non_null(err);
	assert_null(d);
	print_message("  %s\n", vmr_error_message(err));
	assert_int_equal(vmr_error_code(err), code);
	assert_non_null(strstr(vmr_error_message(err), path));
	assert_non_null(strstr(vmr_error_message(err), what));
	vmr_error_free(err);
	unlink(path);
}

static void test_sample_corrupt(void **state)
{
	(void)state;
	NEED_SAMPLE();
	int32_t bs = 0x10001;
	broken_header(64 * 1024, 428, &bs, 4, VMR_ERR_FORMAT, "block_size");
	bs = 1 << 20;
	broken_header(64 * 1024, 428, &bs, 4, VMR_ERR_FORMAT, "block_size");
	/* cut inside the bitmaps */
	broken_header(3 * 4096, 0, NULL, 0, VMR_ERR_FORMAT, "bitmap");
	/* cut right after the header block */
	broken_header(4096, 0, NULL, 0, VMR_ERR_FORMAT, "bitmap");
	uint64_t huge = (uint64_t)1 << 62;
	broken_header(64 * 1024, 4096 + 56, &huge, 8, VMR_ERR_LIMIT, "notes");
	broken_header(64 * 1024, 4096 + 48, &huge, 8, VMR_ERR_FORMAT, "notes");
}

/*
 * Pages read again after more than a cache's worth of others, each after a
 * read of a page the dump left out: libkdumpfile's page cache, once left
 * short of an entry by a failed read, handed such a page a NULL buffer and
 * kdump_read() crashed.  Each page must come back with the same bytes.
 */
static void test_sample_reread_after_gap(void **state)
{
	(void)state;
	NEED_SAMPLE();
	/* FILL: a little over libkdumpfile's default cache (1024 pages), so
	 * that the first pages are evicted but still remembered ("ghosts"). */
	enum { REREAD = 64, FILL = 1100 };
	struct vmr_dump *d = open_ok(sample);
	static uint64_t present[REREAD + FILL];
	static unsigned char first[REREAD][4096];
	unsigned char page[4096];
	unsigned n = 0;
	uint64_t hole = UINT64_MAX;
	for (uint64_t pa = 0; pa < (1ULL << 32) && n < REREAD + FILL; pa += 4096) {
		if (vmr_dump_has_phys(d, pa))
			present[n++] = pa;
		else if (hole == UINT64_MAX)
			hole = pa;
	}
	if (n < REREAD + FILL || hole == UINT64_MAX) {
		print_message("%u pages present: too few for the cache test\n", n);
		vmr_dump_close(d);
		skip();
	}
	for (unsigned i = 0; i < n; i++) {
		struct vmr_error *err = vmr_dump_read_phys(d, present[i],
							   i < REREAD ? first[i] : page, 4096);
		if (err)
			fail_msg("0x%llx: %s", (unsigned long long)present[i],
				 vmr_error_message(err));
	}
	for (unsigned i = 0; i < REREAD; i++) {
		struct vmr_error *err = vmr_dump_read_phys(d, hole, page, 8);
		assert_int_equal(vmr_error_code(err), VMR_ERR_FAULT);
		vmr_error_free(err);
		err = vmr_dump_read_phys(d, present[i], page, sizeof(page));
		if (err)
			fail_msg("0x%llx again: %s", (unsigned long long)present[i],
				 vmr_error_message(err));
		assert_memory_equal(page, first[i], sizeof(page));
	}
	vmr_dump_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_sample_reads),
		cmocka_unit_test(test_sample_flattened),
		cmocka_unit_test(test_sample_corrupt),
		cmocka_unit_test(test_sample_reread_after_gap),
	};
	return cmocka_run_group_tests(tests, find_sample, NULL);
}
