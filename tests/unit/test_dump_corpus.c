/* SPDX-License-Identifier: MIT */
/**
 * @file test_dump_corpus.c  Every vmcore* of every corpus set (and of
 * samples/) opens, and agrees with its truth.json: CPU count, VMCOREINFO
 * present or not, OSRELEASE, container format.  One cmocka test per file.
 *
 * The files are found by fixtures/corpuscases.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vmregion/dump.h>

#include "fixtures/corpuscases.h"
#include "fixtures/truthjson.h"

/** The value of KEY= in VMCOREINFO text. */
static bool vmcoreinfo_value(const char *text, size_t len, const char *key, char *out,
			     size_t outlen)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen <= len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && !memcmp(text + i, key, klen)) {
			size_t j = 0;
			for (i += klen; i < len && text[i] != '\n' && j + 1 < outlen; i++)
				out[j++] = text[i];
			out[j] = '\0';
			return true;
		}
	}
	return false;
}

static void test_dump(void **state)
{
	const struct corpus_case *c = *state;
	char *json = slurp(c->truth);
	if (!json)
		fail_msg("cannot read %s", c->truth);
	const char *end = json + strlen(json);
	uint64_t cpus;
	if (!get_uint(json, end, "cpus", &cpus))
		fail_msg("%s: no \"cpus\"", c->truth);
	const char *p = after_key(json, end, "vmcoreinfo");
	if (!p)
		fail_msg("%s: no \"vmcoreinfo\"", c->truth);
	bool want_vmci = !strncmp(p, "true", 4);
	char release[128];
	if (!get_string(json, end, "release", release, sizeof(release)))
		fail_msg("%s: no kernel \"release\"", c->truth);
	/* "files": {"vmcore.elf.zst": "elf-qemu", ...} */
	char kind[128] = "";
	const char *files = after_key(json, end, "files");
	if (files && *files == '{')
		get_string(files, block_end(files), c->name, kind, sizeof(kind));
	free(json);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct vmr_dump *d = NULL;
	struct vmr_error *err = vmr_dump_open(c->path, &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	print_message("%s: %s%s%s, %s, producer %s, %u CPUs, %llu MiB, open %.1f ms\n",
		      c->path, info->format_name, info->flattened ? " (flattened)" : "",
		      info->zstd_wrapped ? " (zstd)" : "",
		      info->compression ? info->compression : "-",
		      info->producer ? info->producer : "?", info->ncpus,
		      (unsigned long long)(info->memory_bytes >> 20),
		      (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

	assert_int_equal(info->ncpus, (unsigned)cpus);
	const char *text;
	size_t len;
	bool has_vmci = vmr_dump_vmcoreinfo(d, &text, &len);
	assert_int_equal(has_vmci, want_vmci);
	if (has_vmci) {
		char osrelease[128];
		assert_true(vmcoreinfo_value(text, len, "OSRELEASE=", osrelease,
					     sizeof(osrelease)));
		assert_string_equal(osrelease, release);
	}
	for (unsigned i = 0; i < info->ncpus; i++) {
		const struct vmr_cpu_state *cpu = vmr_dump_cpu(d, i);
		assert_non_null(cpu);
		assert_true(cpu->has_prstatus || cpu->has_sysregs);
		if (cpu->has_sysregs)
			assert_true(cpu->cr[3] != 0);
	}
	assert_true(info->memory_bytes > 0);

	/* The container format the truth file names. */
	if (!kind[0])
		fail_msg("%s: truth.json \"files\" does not list %s", c->truth, c->name);
	if (!strncmp(kind, "elf-", 4)) {
		assert_int_equal(info->format, VMR_DUMP_ELF);
		assert_string_equal(info->producer, !strcmp(kind, "elf-qemu") ? "qemu"
										: "makedumpfile");
	} else {
		assert_int_equal(info->format, VMR_DUMP_KDUMP);
		assert_int_equal(info->flattened, !strncmp(kind, "flattened", 9));
		const char *comp = strrchr(kind, ' ');
		assert_non_null(comp);
		assert_string_equal(info->compression, comp + 1);
	}
	size_t n = strlen(c->name);
	assert_int_equal(info->zstd_wrapped, n > 4 && !strcmp(c->name + n - 4, ".zst"));

	/* A memory read: the first present page from 1 MiB on. */
	unsigned char page[4096];
	bool found = false;
	for (uint64_t pa = 0x100000; pa < info->max_paddr && !found; pa += 4096) {
		if (!vmr_dump_has_phys(d, pa))
			continue;
		err = vmr_dump_read_phys(d, pa, page, sizeof(page));
		if (err)
			fail_msg("0x%llx: %s", (unsigned long long)pa, vmr_error_message(err));
		found = true;
	}
	assert_true(found);
	vmr_dump_close(d);
}

int main(void)
{
	return corpus_run_group("corpus", CORPUS_VMCORE_FILES, test_dump);
}
