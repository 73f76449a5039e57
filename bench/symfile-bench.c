/* SPDX-License-Identifier: MIT */
/*
 * symfile-bench: what `vmregion gdb` pays for the symbol files it gives
 * gdb (plugin/symfile.c): decoding the dump's kallsyms, walking the
 * modules' kallsyms, and writing the kernel's ELF symbol file.
 *
 * Usage: symfile-bench DUMP [OUT.sym]   (OUT default /tmp/symfile-bench.sym)
 *
 * Build: cc -O2 -I include -I . bench/symfile-bench.c BUILD/libvmregion_static.a \
 *        $(pkg-config --libs libelf libdw libkdumpfile libzstd zlib) -lpthread \
 *        -o symfile-bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vmregion/vmregion.h>

#include "plugin/symfile.h"

struct list {
	struct vmr_symbol *v;
	size_t n, cap;
};

static bool add(const struct vmr_symbol *s, void *ctx)
{
	struct list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			exit(1);
	}
	l->v[l->n++] = *s;
	return true;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: symfile-bench DUMP [OUT.sym]\n");
		return 2;
	}
	const char *out = argc > 2 ? argv[2] : "/tmp/symfile-bench.sym";
	struct vmr_dump *d;
	struct vmr_kernel *k;
	struct vmr_error *err = vmr_dump_open(argv[1], &d);
	if (!err)
		err = vmr_kernel_open(d, NULL, &k);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[1], vmr_error_message(err));
		return 2;
	}
	struct list ks = { 0 }, ms = { 0 };
	double t0 = now();
	err = vmr_kernel_symbols(k, add, &ks);
	double t1 = now();
	if (!err)
		err = vmr_module_symbols(k, add, &ms);
	double t2 = now();
	if (!err)
		err = vmr_symfile_write(out, ks.v, ks.n);
	double t3 = now();
	if (err) {
		fprintf(stderr, "%s\n", vmr_error_message(err));
		return 1;
	}
	printf("kallsyms decode: %zu symbols %.1f ms\nmodules: %zu symbols %.1f ms\n"
	       "write %s: %.1f ms\n", ks.n, t1 - t0, ms.n, t2 - t1, out, t3 - t2);
	return 0;
}
