/* SPDX-License-Identifier: MIT */
/*
 * srcline-bench: cost of the first source-line lookup in a vmlinux, the way
 * a cold `vmregion addr -k VMLINUX` pays it.  Each address gets a fresh
 * vmlinux handle (the page cache stays warm), so every line is a first
 * lookup; the last row asks for all of them through one handle.
 *
 *   libdw   dwarf_begin_elf() on the file (libdw inflates every compressed
 *           section), dwarf_addrdie(), lines and scopes: the old way
 *   all-1   dwarfload.c: only the sections a line lookup reads, whole,
 *           on one thread
 *   all-2   the same, small sections on a second thread
 *   unit-1  dwarfload.c: .debug_info only up to the end of the address's
 *           unit, one thread
 *   unit    vmr_vmlinux_source_line() as shipped (unit, two threads)
 *
 * Usage: srcline-bench VMLINUX [MODE] [SYMBOL+0xOFF | 0xLINKADDR]...
 * (MODE one of the above or "every"; default the kernel-text addresses of
 * the 6.12 corpus samples and serial-log call traces).
 *
 * Build: cc -O2 -I include -I . bench/srcline-bench.c BUILD/libvmregion_static.a \
 *        $(pkg-config --libs libelf libdw libkdumpfile libzstd libisal) -lpthread \
 *        -o srcline-bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include "common/error.h"
#include "common/file.h"
#include "dwarf/dwarfload.h"
#include "dwarf/vmlinux-priv.h"
#include "dwarf/vmlinux.h"

static const char *const default_addrs[] = {
	"_printk+0x8", "vfree+0x10", "entry_SYSCALL_64_after_hwframe+0x76",
	"__handle_sysrq+0x99", "do_dup2+0xa1", "do_syscall_64+0x3b", "filp_close+0x4d",
	"kernel_clone+0xa9", "kernfs_fop_write_iter+0x118", "ksys_write+0x56",
	"load_module+0x66f", "module_attr_store+0x18", "n_tty_open+0xf",
	"param_attr_store+0x5d", "panic+0x30b", "proc_reg_write+0x50",
	"sysrq_handle_crash+0xb", "vfs_write+0xbe", "vfs_write+0x267",
	"write_sysrq_trigger+0x50",
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(struct vmr_error *err)
{
	fprintf(stderr, "srcline-bench: %s\n", vmr_error_message(err));
	exit(2);
}

/** SYMBOL+0xOFF or a hex link address. */
static uint64_t resolve(struct vmr_vmlinux *v, const char *s)
{
	if (!strncmp(s, "0x", 2))
		return strtoull(s, NULL, 16);
	char name[256];
	const char *plus = strchr(s, '+');
	size_t n = plus ? (size_t)(plus - s) : strlen(s);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, s, n);
	name[n] = '\0';
	uint64_t addr;
	if (!vmr_vmlinux_symbol(v, name, &addr, NULL)) {
		fprintf(stderr, "srcline-bench: no symbol %s\n", name);
		exit(2);
	}
	return addr + (plus ? strtoull(plus + 1, NULL, 16) : 0);
}

/** The old way: libdw over the whole file. @return the line, or 0. */
static int lookup_libdw(struct vmr_vmlinux *v, uint64_t addr)
{
	Dwarf *dbg = dwarf_begin_elf(v->elf, DWARF_C_READ, NULL);
	Dwarf_Die cudie, *scopes = NULL;
	int line = 0;
	Dwarf_Line *l;
	if (dbg && dwarf_addrdie(dbg, addr, &cudie) && (l = dwarf_getsrc_die(&cudie, addr))) {
		dwarf_lineno(l, &line);
		if (dwarf_getscopes(&cudie, addr, &scopes) > 0)
			free(scopes);
	}
	dwarf_end(dbg);
	return line;
}

/** dwarfload.c directly. @return the line, or 0; *frac = .debug_info share. */
static int lookup_load(struct vmr_vmlinux *v, uint64_t addr, bool whole, bool two,
		       double *frac)
{
	struct vmr_dwload *l;
	struct vmr_error *err = vmr_dwload_open(v->elf, v->path, &l);
	if (err)
		die(err);
	if (!l) {
		fprintf(stderr, "srcline-bench: no compressed DWARF: only libdw and unit apply\n");
		exit(2);
	}
	vmr_dwload_set_threads(l, two);
	Dwarf *dbg;
	Dwarf_Die cudie, *scopes = NULL;
	int line = 0;
	err = whole ? vmr_dwload_all(l, &dbg) : vmr_dwload_unit(l, addr, &dbg, &cudie);
	if (err)
		die(err);
	Dwarf_Line *ln;
	if ((!whole || dwarf_addrdie(dbg, addr, &cudie)) &&
	    (ln = dwarf_getsrc_die(&cudie, addr))) {
		dwarf_lineno(ln, &line);
		if (dwarf_getscopes(&cudie, addr, &scopes) > 0)
			free(scopes);
	}
	uint64_t done, total;
	vmr_dwload_progress(l, &done, &total);
	*frac = total ? (double)done / (double)total : 0;
	vmr_dwload_close(l);
	return line;
}

static int lookup_shipped(struct vmr_vmlinux *v, uint64_t addr)
{
	struct vmr_source_line sl;
	struct vmr_error *err = vmr_vmlinux_source_line(v, addr, &sl);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	return sl.line;
}

enum mode { M_LIBDW, M_ALL1, M_ALL2, M_UNIT1, M_UNIT, M_N };
static const char *const mode_names[M_N] = { "libdw", "all-1", "all-2", "unit-1", "unit" };

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: srcline-bench VMLINUX [MODE] [SYMBOL+0xOFF|0xADDR]...\n");
		return 2;
	}
	const char *path = argv[1];
	int first_addr = 2;
	bool run[M_N] = { false };
	if (argc > 2 && strcmp(argv[2], "every") && strncmp(argv[2], "0x", 2) &&
	    !strchr(argv[2], '+')) {
		int m;
		for (m = 0; m < M_N && strcmp(argv[2], mode_names[m]); m++)
			;
		if (m == M_N) {
			fprintf(stderr, "srcline-bench: unknown mode %s\n", argv[2]);
			return 2;
		}
		run[m] = true;
		first_addr = 3;
	} else {
		if (argc > 2 && !strcmp(argv[2], "every"))
			first_addr = 3;
		for (int m = 0; m < M_N; m++)
			run[m] = true;
	}
	const char *const *names = default_addrs;
	size_t n = sizeof(default_addrs) / sizeof(default_addrs[0]);
	if (argc > first_addr) {
		names = (const char *const *)argv + first_addr;
		n = (size_t)(argc - first_addr);
	}

	double t0 = now_ms();
	struct vmr_vmlinux *v;
	struct vmr_error *err = vmr_vmlinux_open(path, &v);
	if (err)
		die(err);
	printf("# %s: open (unwrap, symbols) %.1f ms\n", path, now_ms() - t0);
	uint64_t *addrs = calloc(n, sizeof(*addrs));
	for (size_t i = 0; i < n; i++)
		addrs[i] = resolve(v, names[i]);

	printf("| address | line |");
	for (int m = 0; m < M_N; m++)
		if (run[m])
			printf(" %s ms |", mode_names[m]);
	printf(" .debug_info inflated |\n|---|---|");
	for (int m = 0; m < M_N; m++)
		if (run[m])
			printf("---|");
	printf("---|\n");
	double sum[M_N] = { 0 }, fsum = 0;
	for (size_t i = 0; i < n; i++) {
		int line = 0;
		double frac = -1;
		printf("| %s | ", names[i]);
		double t[M_N];
		for (int m = 0; m < M_N; m++) {
			if (!run[m])
				continue;
			/* A fresh handle: the first lookup, as in a new process. */
			struct vmr_vmlinux *w;
			if ((err = vmr_vmlinux_open(path, &w)))
				die(err);
			double a = now_ms();
			int ln;
			if (m == M_LIBDW)
				ln = lookup_libdw(w, addrs[i]);
			else if (m == M_UNIT)
				ln = lookup_shipped(w, addrs[i]);
			else
				ln = lookup_load(w, addrs[i], m == M_ALL1 || m == M_ALL2,
						 m != M_ALL1 && m != M_UNIT1, &frac);
			t[m] = now_ms() - a;
			sum[m] += t[m];
			vmr_vmlinux_close(w);
			if (line && ln != line)
				printf("(line %d differs: %d) ", line, ln);
			line = ln;
		}
		printf("%d |", line);
		for (int m = 0; m < M_N; m++)
			if (run[m])
				printf(" %.1f |", t[m]);
		if (frac >= 0) {
			printf(" %.0f%% |\n", 100 * frac);
			if (run[M_UNIT1])
				fsum += frac;
		} else {
			printf(" |\n");
		}
	}
	printf("| **mean** | |");
	for (int m = 0; m < M_N; m++)
		if (run[m])
			printf(" **%.1f** |", sum[m] / (double)n);
	printf(" %s |\n", run[M_UNIT1] ? "" : "");
	if (run[M_UNIT1])
		printf("# unit-1: on average %.0f%% of .debug_info inflated\n",
		       100 * fsum / (double)n);

	/* Every address through one handle: what `vmregion addr A B C...` pays. */
	double a = now_ms();
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found += lookup_shipped(v, addrs[i]) > 0;
	printf("# all %zu addresses through one handle (shipped path): %.1f ms, %d with a line\n",
	       n, now_ms() - a, found);
	vmr_vmlinux_close(v);
	free(addrs);
	return 0;
}
