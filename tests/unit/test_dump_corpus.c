/* SPDX-License-Identifier: MIT */
/**
 * @file test_dump_corpus.c  Every vmcore* of every corpus set (and of
 * samples/) opens, and agrees with its truth.json: CPU count, VMCOREINFO
 * present or not, OSRELEASE, container format.  One cmocka test per file.
 *
 * The corpus is ${VMR_CORPUS:-/work/shared/corpus}; a missing default corpus
 * is reported as skipped, a missing $VMR_CORPUS fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vmregion/dump.h>

struct case_ {
	char path[1024];   /* the dump */
	char truth[1024];  /* its set's truth.json */
	char name[256];    /* file name inside the set */
	char test_name[512];
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[65536];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/** The text right after the first `"key":` (spaces skipped), or NULL. */
static const char *json_after(const char *json, const char *key)
{
	char pat[128];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(json, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == '\n')
		p++;
	return p;
}

/** Copy the JSON string value at @p p (starting with a quote) into @p out. */
static bool json_string(const char *p, char *out, size_t len)
{
	if (!p || *p != '"')
		return false;
	size_t i = 0;
	for (p++; *p && *p != '"' && i + 1 < len; p++)
		out[i++] = *p;
	out[i] = '\0';
	return *p == '"';
}

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
	const struct case_ *c = *state;
	char *json = slurp(c->truth);
	if (!json)
		fail_msg("cannot read %s", c->truth);

	const char *p = json_after(json, "cpus");
	if (!p)
		fail_msg("%s: no \"cpus\"", c->truth);
	unsigned cpus = (unsigned)strtoul(p, NULL, 10);
	p = json_after(json, "vmcoreinfo");
	if (!p)
		fail_msg("%s: no \"vmcoreinfo\"", c->truth);
	bool want_vmci = !strncmp(p, "true", 4);
	char release[128];
	if (!json_string(json_after(json, "release"), release, sizeof(release)))
		fail_msg("%s: no kernel \"release\"", c->truth);
	/* "files": {"vmcore.elf.zst": "elf-qemu", ...} */
	char kind[128] = "";
	const char *files = json_after(json, "files");
	if (files) {
		char key[300];
		snprintf(key, sizeof(key), "\"%s\":", c->name);
		const char *k = strstr(files, key);
		if (k) {
			k += strlen(key);
			while (*k == ' ')
				k++;
			json_string(k, kind, sizeof(kind));
		}
	}
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

	assert_int_equal(info->ncpus, cpus);
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

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct case_ *)a)->path, ((const struct case_ *)b)->path);
}

/** Add every vmcore* file of @p dir (which has a truth.json). */
static void add_set(const char *dir, struct case_ **cases, size_t *n)
{
	char truth[1024];
	snprintf(truth, sizeof(truth), "%s/truth.json", dir);
	struct stat st;
	if (stat(truth, &st))
		return;
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	struct dirent *e;
	while ((e = readdir(dh))) {
		if (strncmp(e->d_name, "vmcore", 6))
			continue;
		struct case_ *c = realloc(*cases, (*n + 1) * sizeof(**cases));
		if (!c)
			break;
		*cases = c;
		c = &c[(*n)++];
		snprintf(c->path, sizeof(c->path), "%s/%s", dir, e->d_name);
		snprintf(c->truth, sizeof(c->truth), "%s", truth);
		snprintf(c->name, sizeof(c->name), "%s", e->d_name);
		const char *set = strrchr(dir, '/');
		snprintf(c->test_name, sizeof(c->test_name), "%s/%s", set ? set + 1 : dir,
			 e->d_name);
	}
	closedir(dh);
}

int main(void)
{
	const char *corpus = getenv("VMR_CORPUS");
	bool explicit = corpus && *corpus;
	if (!explicit)
		corpus = "/work/shared/corpus";
	struct case_ *cases = NULL;
	size_t n = 0;

	DIR *dh = opendir(corpus);
	if (!dh && explicit) {
		fprintf(stderr, "VMR_CORPUS=%s: cannot open\n", corpus);
		return 1;
	}
	if (dh) {
		struct dirent *e;
		while ((e = readdir(dh))) {
			if (e->d_name[0] == '.')
				continue;
			char dir[1024];
			snprintf(dir, sizeof(dir), "%s/%s", corpus, e->d_name);
			add_set(dir, &cases, &n);
		}
		closedir(dh);
	} else {
		printf("corpus %s not found: its dumps are skipped\n", corpus);
	}
	/* samples/ of this source tree */
	char samples[1024];
	snprintf(samples, sizeof(samples), "%s", __FILE__);
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(samples, '/');
		if (slash)
			*slash = '\0';
	}
	strncat(samples, "/samples", sizeof(samples) - strlen(samples) - 1);
	size_t before = n;
	add_set(samples, &cases, &n);
	if (n == before)
		printf("%s has no dump: skipped\n", samples);

	if (!n) {
		printf("no dumps found: nothing to test (skipped)\n");
		return 0;
	}
	qsort(cases, n, sizeof(*cases), by_path);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ .name = cases[i].test_name,
						.test_func = test_dump,
						.initial_state = &cases[i] };
	int r = _cmocka_run_group_tests("corpus", tests, n, NULL, NULL);
	free(tests);
	free(cases);
	return r;
}
