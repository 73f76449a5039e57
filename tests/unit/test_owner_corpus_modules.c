/* SPDX-License-Identifier: MIT */
/*
 * Module, per-cpu and fixmap owners of every corpus dump against its
 * truth.json: for each sample whose owner is a module symbol, a per-cpu
 * variable or a fixmap slot, vmr_owner_lookup() must name what the crashed
 * guest named (symbol, offset, %pS size, module; cpu; slot).  Custom sets
 * are run once more with their vmlinux (`vmlinux_file`).
 *
 * The files are found by fixtures/corpuscases.c; truth.json is read with a
 * few string searches (its layout is fixed by truth.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmregion/vmregion.h>

#include "fixtures/corpuscases.h"
#include "fixtures/truthjson.h"

/** End of the JSON value (object/array/string) starting at @p p. */
static const char *skip_value(const char *p)
{
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	if (*p != '{' && *p != '[') {
		while (*p && !strchr(",}]", *p))
			p++;
		return p;
	}
	int depth = 0;
	for (; *p; p++) {
		if (*p == '"') {
			p = skip_value(p) - 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return p;
}

/** The value of "key" among the members of the object [obj, end). */
static const char *member(const char *obj, const char *end, const char *key)
{
	size_t kl = strlen(key);
	const char *p = obj + 1; /* after '{' */
	while (p < end) {
		while (p < end && *p != '"' && *p != '}')
			p++;
		if (p >= end || *p == '}')
			return NULL;
		const char *k = p + 1;
		const char *kend = skip_value(p) - 1;
		p = kend + 1;
		while (p < end && (*p == ' ' || *p == ':' || *p == '\n'))
			p++;
		if ((size_t)(kend - k) == kl && !strncmp(k, key, kl))
			return p;
		p = skip_value(p);
	}
	return NULL;
}

/** Copy the string value at @p v (or "" if it is not a string). */
static void str_value(const char *v, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!v || *v != '"')
		return;
	const char *e = strchr(v + 1, '"');
	size_t n = e ? (size_t)(e - v - 1) : 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, v + 1, n);
	buf[n] = '\0';
}

static uint64_t num_value(const char *v)
{
	if (!v)
		return UINT64_MAX;
	return strtoull(*v == '"' ? v + 1 : v, NULL, 0);
}

struct want {
	char name[64], kind[32], symbol[128], module[64], slot[64];
	uint64_t addr, offset, size, cpu;
};

/** Compare one sample; append differences to @p diff. @return true if it matched. */
static bool check_sample(struct vmr_kernel *k, const struct want *w, char *diff, size_t dsize)
{
	struct vmr_addrinfo info;
	struct vmr_owner o;
	vmr_kernel_describe(k, w->addr, &info);
	struct vmr_error *err = vmr_owner_lookup(k, &info, &o);
	char got[512];
	bool ok;
	if (err) {
		snprintf(got, sizeof(got), "error %s", vmr_error_message(err));
		vmr_error_free(err);
		ok = false;
	} else if (!strcmp(w->kind, "symbol")) {
		ok = o.kind == VMR_OWNER_MODULE && o.has_symbol && !strcmp(o.symbol, w->symbol) &&
		     o.offset == w->offset && o.symbol_size == w->size && !strcmp(o.module, w->module);
		snprintf(got, sizeof(got), "%s %s+0x%" PRIx64 "/0x%" PRIx64 " [%s] %s",
			 vmr_owner_kind_name(o.kind), o.symbol, o.offset, o.symbol_size, o.module,
			 o.reason);
	} else if (!strcmp(w->kind, "percpu")) {
		ok = o.kind == VMR_OWNER_PERCPU && o.cpu == (int32_t)w->cpu && o.has_symbol &&
		     !strcmp(o.symbol, w->symbol) && o.offset == w->offset &&
		     !strcmp(o.module, w->module);
		snprintf(got, sizeof(got), "%s cpu %d %s+0x%" PRIx64 " [%s] %s",
			 vmr_owner_kind_name(o.kind), o.cpu, o.symbol, o.offset, o.module, o.reason);
	} else {
		ok = o.kind == VMR_OWNER_FIXMAP && !strcmp(o.slot, w->slot);
		snprintf(got, sizeof(got), "%s %s %s", vmr_owner_kind_name(o.kind), o.slot, o.reason);
	}
	if (!ok) {
		size_t l = strlen(diff);
		snprintf(diff + l, dsize - l, "  %s 0x%" PRIx64 ": got %s; want %s %s%s+0x%" PRIx64
			 "/0x%" PRIx64 " [%s] cpu %" PRId64 "\n", w->name, w->addr, got, w->kind,
			 w->slot, w->symbol, w->offset, w->size, w->module, (int64_t)w->cpu);
	}
	return ok;
}

static void test_set(void **state)
{
	const struct corpus_case *c = *state;
	const char *path = c->path;
	char *truth = slurp(c->truth);
	if (!truth)
		fail_msg("cannot read %s", c->truth);
	struct vmr_dump *d = NULL;
	struct vmr_kernel *k = NULL;
	struct vmr_error *err = vmr_dump_open(path, &d);
	if (!err)
		err = vmr_kernel_open(d, c->vmlinux[0] ? c->vmlinux : NULL, &k);
	if (err)
		fail_msg("%s: %s", path, vmr_error_message(err));

	const char *samples = strstr(truth, "\"samples\"");
	assert_non_null(samples);
	const char *p = strchr(samples, '[');
	assert_non_null(p);
	const char *arr_end = skip_value(p);
	static char diff[16384];
	diff[0] = '\0';
	unsigned checked = 0, matched = 0;
	for (p++; p < arr_end; ) {
		while (p < arr_end && *p != '{')
			p++;
		if (p >= arr_end)
			break;
		const char *end = skip_value(p);
		const char *owner = member(p, end, "owner");
		struct want w = { .cpu = UINT64_MAX };
		str_value(member(p, end, "name"), w.name, sizeof(w.name));
		w.addr = num_value(member(p, end, "addr"));
		if (owner && *owner == '{') {
			const char *oe = skip_value(owner);
			str_value(member(owner, oe, "kind"), w.kind, sizeof(w.kind));
			str_value(member(owner, oe, "symbol"), w.symbol, sizeof(w.symbol));
			str_value(member(owner, oe, "module"), w.module, sizeof(w.module));
			str_value(member(owner, oe, "slot"), w.slot, sizeof(w.slot));
			w.offset = num_value(member(owner, oe, "offset"));
			w.size = num_value(member(owner, oe, "symbol_size"));
			w.cpu = num_value(member(owner, oe, "cpu"));
		}
		p = end;
		bool mine = (!strcmp(w.kind, "symbol") && w.module[0]) || !strcmp(w.kind, "percpu") ||
			    !strcmp(w.kind, "fixmap");
		if (!mine)
			continue;
		checked++;
		matched += check_sample(k, &w, diff, sizeof(diff));
	}
	printf("%s: %u/%u module, per-cpu and fixmap owners as the guest named them\n",
	       c->test_name, matched, checked);
	if (diff[0])
		printf("%s", diff);
	vmr_kernel_close(k);
	vmr_dump_close(d);
	free(truth);
	assert_true(checked > 0);
	assert_int_equal(matched, checked);
}

int main(void)
{
	return corpus_run_group("owner_corpus_modules", CORPUS_TRUTH_FILES_AND_VMLINUX,
				 test_set);
}
