/* SPDX-License-Identifier: MIT */
/*
 * vmr_kernel_symbols() and vmr_module_symbols() on every corpus dump,
 * without a vmlinux: the kernel's come in address order and agree with
 * vmr_kernel_symbolize() (start, %pS size, the first name at an address);
 * each module symbol lies in its module as vmr_owner_lookup() names it,
 * module by module in address order, text ones in a text part.  A dump
 * without kallsyms must say so (VMR_ERR_NOT_FOUND).
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

struct walk {
	struct vmr_kernel *k;
	size_t n, bad;
	uint64_t last;
	const char *last_module;
	char first_bad[256];
};

static void bad(struct walk *w, const char *what, const struct vmr_symbol *s)
{
	if (!w->bad++)
		snprintf(w->first_bad, sizeof(w->first_bad), "%s: %s%s%s%s at 0x%" PRIx64, what,
			 s->name, s->module ? " [" : "", s->module ? s->module : "",
			 s->module ? "]" : "", s->addr);
}

static bool kernel_sym(const struct vmr_symbol *s, void *ctx)
{
	struct walk *w = ctx;
	bool first_at_addr = !w->n || s->addr != w->last;
	if (w->n && s->addr < w->last)
		bad(w, "out of address order", s);
	w->n++;
	w->last = s->addr;
	if (s->module || !s->name)
		bad(w, "module or no name", s);
	/* Kernel-image symbols (not per-cpu offsets), 1 in 97: as symbolize. */
	if (s->addr < 0xffffffff80000000ULL || w->n % 97)
		return true;
	struct vmr_symbol t;
	if (!vmr_kernel_symbolize(w->k, s->addr, &t) || t.addr != s->addr ||
	    t.size != s->size || (first_at_addr && strcmp(t.name, s->name)))
		bad(w, "not as vmr_kernel_symbolize()", s);
	return true;
}

static bool module_sym(const struct vmr_symbol *s, void *ctx)
{
	struct walk *w = ctx;
	if (!s->module || !s->name || !strchr("trd", s->type)) {
		bad(w, "no module, name or type", s);
		return true;
	}
	if (w->n && w->last_module == s->module && s->addr < w->last)
		bad(w, "out of address order in its module", s);
	w->n++;
	w->last = s->addr;
	w->last_module = s->module;
	struct vmr_addrinfo info;
	struct vmr_owner o;
	vmr_kernel_describe(w->k, s->addr, &info);
	struct vmr_error *err = vmr_owner_lookup(w->k, &info, &o);
	if (err) {
		vmr_error_free(err);
		bad(w, "owner lookup failed", s);
	} else if (strcmp(o.module, s->module) ||
		   (s->type == 't') != !!strstr(o.module_part, "text")) {
		bad(w, "another module or part", s);
	}
	return true;
}

static void test_set(void **state)
{
	const struct corpus_case *c = *state;
	struct vmr_dump *d;
	struct vmr_kernel *k;
	corpus_open(c, &d, &k);
	struct vmr_error *err;
	struct walk kw = { .k = k }, mw = { .k = k };
	err = vmr_kernel_symbols(k, kernel_sym, &kw);
	if (err) {
		assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
		printf("%s: no kernel symbols: %s\n", c->test_name, vmr_error_message(err));
		vmr_error_free(err);
	} else {
		assert_true(kw.n > 1000);
	}
	err = vmr_module_symbols(k, module_sym, &mw);
	if (err) {
		printf("%s: no module symbols: %s\n", c->test_name, vmr_error_message(err));
		vmr_error_free(err);
	}
	printf("%s: %zu kernel symbols, %zu module symbols\n", c->test_name, kw.n, mw.n);
	if (kw.bad)
		printf("  kernel: %zu bad, first %s\n", kw.bad, kw.first_bad);
	if (mw.bad)
		printf("  modules: %zu bad, first %s\n", mw.bad, mw.first_bad);
	vmr_kernel_close(k);
	vmr_dump_close(d);
	assert_int_equal(kw.bad, 0);
	assert_int_equal(mw.bad, 0);
}

int main(void)
{
	return corpus_run_group("symiter_corpus", CORPUS_TRUTH_FILES, test_set);
}
