/* SPDX-License-Identifier: MIT */
/**
 * @file test_mem_stacks.c  owner/stacks_api.c on the real dumps: for every
 * ${VMR_CORPUS:-/work/shared/corpus}/<set>/truth.json and samples/ (first
 * dump file of each set), the current task of the crashing CPU is the
 * crashing pid and its stack holds the CPU's saved RSP; the task found by
 * pid is the same task; an unknown pid is NOT_FOUND; a task stack has no
 * "previous" stack pointer.
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

#include <vmregion/kernel.h>
#include <vmregion/owner.h>

#include "owner/stacks_api.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = 0;
	fclose(f);
	return buf;
}

/* The integer after "key": inside the "crash" object; -1 if absent. */
static long crash_field(const char *json, const char *key)
{
	const char *c = strstr(json, "\"crash\":");
	if (!c)
		return -1;
	const char *end = strchr(c, '}');
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(c, pat);
	if (!p || (end && p > end))
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

/* The first file name of the "files" object whose file exists in @p dir. */
static bool first_file(const char *json, const char *dir, char *path, size_t size)
{
	const char *p = strstr(json, "\"files\":");
	if (!p || !(p = strchr(p, '{')))
		return false;
	const char *end = strchr(p, '}');
	while ((p = strchr(p + 1, '"')) && p < end) {
		const char *q = strchr(p + 1, '"');
		if (!q)
			return false;
		snprintf(path, size, "%s/%.*s", dir, (int)(q - p - 1), p + 1);
		struct stat st;
		if (!stat(path, &st))
			return true;
		p = strchr(q + 1, ',');
		if (!p || p > end)
			return false;
	}
	return false;
}

static int checked;

static void check_set(const char *dir)
{
	char truth_path[1024], dump_path[1024];
	snprintf(truth_path, sizeof(truth_path), "%s/truth.json", dir);
	char *json = slurp(truth_path);
	if (!json)
		return;
	long cpu = crash_field(json, "cpu"), pid = crash_field(json, "pid");
	if (cpu < 0 || !first_file(json, dir, dump_path, sizeof(dump_path))) {
		free(json);
		return;
	}
	struct vmr_dump *d;
	struct vmr_kernel *k;
	assert_null(vmr_dump_open(dump_path, &d));
	assert_null(vmr_kernel_open(d, NULL, &k));

	struct vmr_task_stack ts, byp;
	struct vmr_error *err = vmr_task_stack_of_cpu(k, (unsigned)cpu, &ts);
	if (err)
		fail_msg("%s: current task of cpu %ld: %s", dump_path, cpu, vmr_error_message(err));
	assert_int_equal(ts.cpu, cpu);
	assert_true(ts.end > ts.start);
	if (pid >= 0)
		assert_int_equal(ts.pid, pid);
	uint64_t rsp = vmr_dump_cpu(d, (unsigned)cpu)->gpr[VMR_REG_RSP];
	if (rsp < ts.start || rsp >= ts.end)
		fail_msg("%s: rsp 0x%lx of cpu %ld not on its task's stack 0x%lx-0x%lx", dump_path,
			 (unsigned long)rsp, cpu, (unsigned long)ts.start, (unsigned long)ts.end);

	assert_null(vmr_task_stack_by_pid(k, ts.pid, &byp));
	assert_int_equal(byp.task, ts.task);
	assert_int_equal(byp.start, ts.start);
	assert_int_equal(byp.cpu, cpu);

	err = vmr_task_stack_by_pid(k, 0x7ffffff0, &byp);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);

	struct vmr_owner w = { .kind = VMR_OWNER_STACK, .start = ts.start, .end = ts.end };
	snprintf(w.which, sizeof(w.which), "task");
	uint64_t sp;
	assert_false(vmr_stack_previous_sp(k, &w, &sp));

	printf("%s: cpu %ld current pid %d (%s), stack 0x%lx-0x%lx\n", dump_path, cpu, ts.pid,
	       ts.comm, (unsigned long)ts.start, (unsigned long)ts.end);
	checked++;
	vmr_kernel_close(k);
	vmr_dump_close(d);
	free(json);
}

static void test_corpus(void **state)
{
	(void)state;
	const char *corpus = getenv("VMR_CORPUS");
	const char *samples = getenv("VMR_SAMPLES");
	if (!corpus)
		corpus = "/work/shared/corpus";
	DIR *dir = opendir(corpus);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", corpus, e->d_name);
		check_set(path);
	}
	if (dir)
		closedir(dir);
	if (samples)
		check_set(samples);
	if (!checked)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
