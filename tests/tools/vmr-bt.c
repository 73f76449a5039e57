/* SPDX-License-Identifier: MIT */
/**
 * @file vmr-bt.c  Test tool: each CPU's kernel backtrace from its registers
 * in a dump, with the library's ORC unwinder (tests/corpus/check_bt.py).
 *
 *   vmr-bt DUMP [-k VMLINUX] [--cpu N] [--bench SECONDS] [--no-lookup]
 *
 * Output, per CPU:
 *   cpu N format F (HOW) entries E lookup WHERE-THE-FAST-LOOKUP-CAME-FROM
 *   #I IP KIND STACK RELIABLE SYMBOL
 *   end clean|error: WHY
 * SYMBOL is "name+0xoff/0xsize [module]" of ip (of ip - 1 for return
 * addresses, like the kernel's %pB), or "?".  --bench unwinds every CPU
 * over and over and prints frames per second, then ORC lookups per second
 * of the IPs those walks looked up; --no-lookup drops the vmlinux table's
 * fast lookup (.orc_lookup) first, for a before/after comparison.
 */
#include <vmregion/vmregion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "owner/owner-priv.h"
#include "unwind/unwind-priv.h"

static const char *kind_name(enum vmr_frame_kind k)
{
	switch (k) {
	case VMR_FRAME_START: return "start";
	case VMR_FRAME_CALL: return "call";
	case VMR_FRAME_REGS: return "regs";
	case VMR_FRAME_REGS_PARTIAL: return "partial";
	}
	return "?";
}

static void die(struct vmr_error *err)
{
	fprintf(stderr, "vmr-bt: %s\n", vmr_error_message(err));
	exit(2);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_cpu(struct vmr_kernel *k, struct vmr_unwinder *uw, unsigned int cpu)
{
	const char *how;
	int fmt = vmr_unwinder_format(uw, &how);
	printf("cpu %u %s format %d (%s) entries %zu lookup %s\n", cpu,
	       vmr_unwinder_method(uw), fmt, how, vmr_unwinder_entries(uw), uw->lookup_how);
	struct vmr_unwind *u;
	struct vmr_error *err = vmr_unwind_start_cpu(uw, cpu, &u);
	if (err) {
		printf("end error: %s\n", vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	struct vmr_frame f;
	unsigned int i = 0;
	while (vmr_unwind_next(u, &f)) {
		char sym[256] = "?";
		uint64_t at = f.signal || f.user ? f.ip : f.ip - 1;
		if (!f.user && !vmr_owner_format_symbol(k, at, sym, sizeof(sym)))
			snprintf(sym, sizeof(sym), "?");
		printf("#%u %016llx %s %s %s %s\n", i++, (unsigned long long)f.ip,
		       kind_name(f.kind), f.stack[0] ? f.stack : "-",
		       f.reliable ? "reliable" : "unreliable", sym);
	}
	const char *why;
	bool clean = vmr_unwind_end(u, &why);
	printf("end %s: %s\n", clean ? "clean" : "error", why);
	vmr_unwind_free(u);
}

static void bench(struct vmr_unwinder *uw, unsigned int ncpus, double seconds)
{
	unsigned long frames = 0, walks = 0;
	double t0 = now(), t;
	do {
		for (unsigned int cpu = 0; cpu < ncpus; cpu++) {
			struct vmr_unwind *u;
			struct vmr_error *err = vmr_unwind_start_cpu(uw, cpu, &u);
			if (err)
				die(err);
			struct vmr_frame f;
			while (vmr_unwind_next(u, &f))
				frames++;
			vmr_unwind_free(u);
			walks++;
		}
		t = now();
	} while (t - t0 < seconds);
	printf("bench: %lu walks, %lu frames in %.3f s: %.0f frames/s\n", walks, frames,
	       t - t0, frames / (t - t0));

	/* the lookups alone: the IPs the walks looked up (ip - 1 unless exact) */
	uint64_t ips[1024];
	size_t nips = 0;
	for (unsigned int cpu = 0; cpu < ncpus && nips < 1024; cpu++) {
		struct vmr_unwind *u;
		struct vmr_error *err = vmr_unwind_start_cpu(uw, cpu, &u);
		if (err)
			die(err);
		struct vmr_frame f;
		while (nips < 1024 && vmr_unwind_next(u, &f))
			if (!f.user)
				ips[nips++] = f.signal ? f.ip : f.ip - 1;
		vmr_unwind_free(u);
	}
	unsigned long lookups = 0, found = 0;
	t0 = now();
	do {
		for (int rep = 0; rep < 1000; rep++)
			for (size_t i = 0; i < nips; i++, lookups++)
				found += vmr_unwinder_find(uw, ips[i]) != NULL;
		t = now();
	} while (t - t0 < seconds && nips);
	printf("lookups: %lu (%lu found) in %.3f s: %.1f M lookups/s (lookup %s)\n", lookups,
	       found, t - t0, lookups / (t - t0) / 1e6, uw->lookup_how);
}

int main(int argc, char **argv)
{
	const char *dump_path = NULL, *vmlinux = NULL;
	int only = -1;
	bool no_lookup = false;
	double bench_s = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-k") && i + 1 < argc)
			vmlinux = argv[++i];
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			only = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bench") && i + 1 < argc)
			bench_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "--no-lookup"))
			no_lookup = true;
		else if (!dump_path)
			dump_path = argv[i];
		else {
			fprintf(stderr, "usage: vmr-bt DUMP [-k VMLINUX] [--cpu N] [--bench S]\n");
			return 2;
		}
	}
	if (!dump_path) {
		fprintf(stderr, "usage: vmr-bt DUMP [-k VMLINUX] [--cpu N] [--bench S]\n");
		return 2;
	}
	struct vmr_dump *dump;
	struct vmr_kernel *k;
	struct vmr_unwinder *uw;
	struct vmr_error *err = vmr_dump_open(dump_path, &dump);
	if (err)
		die(err);
	if ((err = vmr_kernel_open(dump, vmlinux, &k)))
		die(err);
	double t0 = now();
	if ((err = vmr_unwinder_open(k, &uw)))
		die(err);
	double t1 = now();
	if (no_lookup) {
		free(uw->vmlinux.lookup);
		uw->vmlinux.lookup = NULL;
		uw->vmlinux.nlookup = 0;
		snprintf(uw->lookup_how, sizeof(uw->lookup_how), "none (--no-lookup)");
	}
	unsigned int ncpus = vmr_dump_get_info(dump)->ncpus;
	if (bench_s > 0) {
		printf("open: %.1f ms\n", (t1 - t0) * 1e3);
		bench(uw, ncpus, bench_s);
	} else {
		for (unsigned int cpu = 0; cpu < ncpus; cpu++)
			if (only < 0 || (unsigned int)only == cpu)
				print_cpu(k, uw, cpu);
	}
	vmr_unwinder_close(uw);
	vmr_kernel_close(k);
	vmr_dump_close(dump);
	return 0;
}
