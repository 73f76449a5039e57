/* SPDX-License-Identifier: MIT */
/*
 * dwarf/vmlinux.c, btf.c, dwarfinfo.c against the corpus vmlinux and the
 * truth files of every corpus dump made with it ($VMR_CORPUS, default
 * /work/shared/corpus), plus broken inputs.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "dwarf/btf.h"
#include "dwarf/vmlinux-priv.h"
#include "dwarf/vmlinux.h"

#define BUILD_ID "280c34ad87775d5a1867815cad74cca978154a7c"
#define VMLINUX_NAME "custom-6.12-vmlinux.zst"

static const char *corpus(void)
{
	const char *c = getenv("VMR_CORPUS");
	return c && *c ? c : "/work/shared/corpus";
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = '\0';
	fclose(f);
	return s;
}

/* Tiny JSON peeking: the hex string value of "key" after "section" (the
 * first "section": { ... }); section NULL = anywhere. */
static uint64_t truth_hex(const char *json, const char *section, const char *key)
{
	char pat[256];
	const char *p = json;
	if (section) {
		snprintf(pat, sizeof(pat), "\"%s\": {", section);
		p = strstr(p, pat);
		assert_non_null(p);
	}
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(p, pat);
	assert_non_null(p);
	p += strlen(pat);
	if (*p == '{') { /* kallsyms: {"addr": "0x..", "type": ..} */
		p = strstr(p, "\"addr\": ");
		assert_non_null(p);
		p += 8;
	}
	assert_int_equal(*p, '"');
	return strtoull(p + 1, NULL, 16);
}

struct state {
	struct vmr_vmlinux *v;
	char path[4096];
};

static int setup(void **st)
{
	static struct state s;
	snprintf(s.path, sizeof(s.path), "%s/%s", corpus(), VMLINUX_NAME);
	double t0 = now_ms();
	struct vmr_error *err = vmr_vmlinux_open(s.path, &s.v);
	double t1 = now_ms();
	if (err) {
		fprintf(stderr, "open %s: %s\n", s.path, vmr_error_message(err));
		vmr_error_free(err);
		return -1;
	}
	printf("# vmlinux open (unwrap + ELF + %zu symbols indexed): %.1f ms\n",
	       vmr_vmlinux_symbol_count(s.v), t1 - t0);
	*st = &s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;
	if (s)
		vmr_vmlinux_close(s->v);
	return 0;
}

static void test_build_id(void **st)
{
	struct state *s = *st;
	assert_non_null(vmr_vmlinux_build_id(s->v));
	assert_string_equal(vmr_vmlinux_build_id(s->v), BUILD_ID);
	assert_true(vmr_vmlinux_symbol_count(s->v) > 50000);
}

/* Every corpus dump made from this vmlinux: truth kallsyms - kaslr_offset
 * = link address. */
static void test_symbols_match_truth(void **st)
{
	struct state *s = *st;
	static const char *const names[] = { "_stext", "_text", "init_task",
		"page_offset_base", "panic", "sysrq_handle_crash", "jiffies",
		"vmemmap_base", "init_top_pgt" };
	DIR *d = opendir(corpus());
	assert_non_null(d);
	struct dirent *de;
	int checked = 0;
	while ((de = readdir(d))) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s/truth.json", corpus(), de->d_name);
		char *json = slurp(p);
		if (!json)
			continue;
		if (!strstr(json, "\"build_id\": \"" BUILD_ID "\"")) {
			free(json);
			continue;
		}
		uint64_t slide = truth_hex(json, NULL, "kaslr_offset");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			uint64_t want = truth_hex(json, "kallsyms", names[i]) - slide;
			uint64_t addr = 0;
			assert_true(vmr_vmlinux_symbol(s->v, names[i], &addr, NULL));
			if (addr != want)
				fail_msg("%s: %s link %#lx, truth %#lx", de->d_name, names[i],
					 (unsigned long)addr, (unsigned long)want);
		}
		checked++;
		free(json);
	}
	closedir(d);
	assert_true(checked >= 1);
}

static void test_symbolize(void **st)
{
	struct state *s = *st;
	const char *name;
	uint64_t start, size, addr, ssize;
	char type;

	/* jiffies = jiffies_64 (linker alias): %pS says jiffies */
	assert_true(vmr_vmlinux_symbol(s->v, "jiffies_64", &addr, &ssize));
	assert_int_equal(ssize, 8);
	assert_true(vmr_vmlinux_symbolize(s->v, addr + 4, &name, &start, &size, &type));
	assert_string_equal(name, "jiffies");
	assert_int_equal(start, addr);
	assert_int_equal(type, 'D');

	/* serial.log of custom-6.12-sysrq: "sysrq_handle_crash+0xc/0x10" */
	assert_true(vmr_vmlinux_symbol(s->v, "sysrq_handle_crash", &addr, NULL));
	assert_true(vmr_vmlinux_symbolize(s->v, addr + 0xc, &name, &start, &size, &type));
	assert_string_equal(name, "sysrq_handle_crash");
	assert_int_equal(start, addr);
	assert_int_equal(size, 0x10);
	assert_int_equal(type, 't');

	/* startup_64, _stext and _text share an address; kallsyms puts the
	 * name with fewer leading underscores first */
	assert_true(vmr_vmlinux_symbolize(s->v, 0xffffffff81000000ull, &name, &start,
					  &size, NULL));
	assert_string_equal(name, "startup_64");

	assert_true(vmr_vmlinux_symbol(s->v, "init_task", &addr, &ssize));
	assert_true(vmr_vmlinux_symbolize(s->v, addr + ssize - 1, &name, NULL, NULL, NULL));
	assert_string_equal(name, "init_task");

	/* far past the per-CPU symbols, far below the image */
	assert_false(vmr_vmlinux_symbolize(s->v, 0x100000000000ull, &name, NULL, NULL,
					   NULL));
	assert_false(vmr_vmlinux_symbol(s->v, "no_such_symbol_at_all", NULL, NULL));
}

static void test_section(void **st)
{
	struct state *s = *st;
	uint64_t addr, size;
	const void *data;
	struct vmr_error *err = vmr_vmlinux_section(s->v, ".orc_unwind_ip", &addr, &size,
						    &data);
	assert_null(err);
	assert_int_equal(addr, 0xffffffff81acf144ull);
	assert_int_equal(size, 0x8bdfc);
	assert_non_null(data);
	/* a zlib-compressed section comes back inflated */
	err = vmr_vmlinux_section(s->v, ".debug_line_str", &addr, &size, &data);
	assert_null(err);
	assert_true(size > 0x2c2c);
	assert_non_null(memmem(data, size, "kernel", 6));
	err = vmr_vmlinux_section(s->v, ".no_such_section", NULL, NULL, NULL);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
}

/* FIXADDR_START = FIXADDR_TOP - (__end_of_permanent_fixed_addresses << 12) */
static void check_fixmap(struct state *s, enum vmr_type_source src, const char *what)
{
	vmr_vmlinux_set_type_source(s->v, src);
	int64_t end = 0, vsys = 0;
	double t0 = now_ms();
	struct vmr_error *err = vmr_vmlinux_enumerator(s->v,
		"__end_of_permanent_fixed_addresses", &end);
	double t1 = now_ms();
	if (err)
		fail_msg("%s", vmr_error_message(err));
	printf("# %s: first enumerator lookup %.1f ms\n", what, t1 - t0);
	/* This kernel has no VSYSCALL_PAGE: FIX_DBGP_BASE is the first slot. */
	assert_null(vmr_vmlinux_enumerator(s->v, "FIX_DBGP_BASE", &vsys));
	assert_int_equal(vsys, 0);
	assert_null(vmr_vmlinux_enumerator(s->v, "__end_of_fixed_addresses", &vsys));
	assert_true(vsys > end);

	char p[4096];
	snprintf(p, sizeof(p), "%s/custom-6.12-sysrq/truth.json", corpus());
	char *json = slurp(p);
	assert_non_null(json);
	uint64_t want = truth_hex(json, "layout", "fixaddr_start");
	free(json);
	assert_int_equal(0xffffffffff7ff000ull - ((uint64_t)end << 12), want);

	err = vmr_vmlinux_enumerator(s->v, "NO_SUCH_ENUMERATOR_XYZ", &end);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
}

static void check_types(struct state *s, enum vmr_type_source src, const char *what,
			uint64_t *stack, uint64_t *sp)
{
	vmr_vmlinux_set_type_source(s->v, src);
	uint64_t size = 0;
	double t0 = now_ms();
	struct vmr_error *err = vmr_vmlinux_type_size(s->v, "page", &size);
	double t1 = now_ms();
	if (err)
		fail_msg("%s", vmr_error_message(err));
	printf("# %s: first struct size lookup %.1f ms\n", what, t1 - t0);
	assert_int_equal(size, 64);
	assert_null(vmr_vmlinux_type_size(s->v, "struct list_head", &size));
	assert_int_equal(size, 16);
	assert_null(vmr_vmlinux_type_size(s->v, "pgd_t", &size));
	assert_int_equal(size, 8);
	/* sizeof(task_struct) = init_task's st_size */
	uint64_t ts, ssize;
	assert_null(vmr_vmlinux_type_size(s->v, "task_struct", &ts));
	assert_true(vmr_vmlinux_symbol(s->v, "init_task", NULL, &ssize));
	assert_int_equal(ts, ssize);

	assert_null(vmr_vmlinux_member_offset(s->v, "task_struct", "stack", stack));
	assert_true(*stack > 0 && *stack < ts);
	assert_null(vmr_vmlinux_member_offset(s->v, "task_struct", "thread.sp", sp));
	assert_true(*sp > *stack && *sp < ts);
	uint64_t off;
	assert_null(vmr_vmlinux_member_offset(s->v, "list_head", "prev", &off));
	assert_int_equal(off, 8);
	/* page.lru sits in an anonymous union of anonymous structs */
	assert_null(vmr_vmlinux_member_offset(s->v, "page", "lru", &off));
	assert_int_equal(off, 8);
	assert_null(vmr_vmlinux_member_offset(s->v, "page", "flags", &off));
	assert_int_equal(off, 0);

	err = vmr_vmlinux_member_offset(s->v, "task_struct", "no_such_member", &off);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
	err = vmr_vmlinux_type_size(s->v, "no_such_struct_xyz", &size);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
}

static void test_types_btf(void **st)
{
	uint64_t stack, sp;
	check_fixmap(*st, VMR_TYPES_BTF, "BTF");
	check_types(*st, VMR_TYPES_BTF, "BTF", &stack, &sp);
}

/* DWARF must agree with BTF. */
static void test_types_dwarf(void **st)
{
	uint64_t stack, sp, dstack, dsp;
	check_types(*st, VMR_TYPES_BTF, "BTF (again)", &stack, &sp);
	double t0 = now_ms();
	check_fixmap(*st, VMR_TYPES_DWARF, "DWARF (includes libdw load)");
	printf("# DWARF: load + enumerator tests %.1f ms\n", now_ms() - t0);
	check_types(*st, VMR_TYPES_DWARF, "DWARF", &dstack, &dsp);
	assert_int_equal(stack, dstack);
	assert_int_equal(sp, dsp);
	vmr_vmlinux_set_type_source(((struct state *)*st)->v, VMR_TYPES_AUTO);
}

static void test_source_line(void **st)
{
	struct state *s = *st;
	uint64_t addr;
	assert_true(vmr_vmlinux_symbol(s->v, "sysrq_handle_crash", &addr, NULL));
	struct vmr_source_line sl;
	/* +0xc is the return address of the call to panic(), past the 12-byte
	 * function: callers ask for return address - 1. */
	struct vmr_error *err = vmr_vmlinux_source_line(s->v, addr + 0xb, &sl);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	assert_non_null(sl.file);
	assert_non_null(strstr(sl.file, "drivers/tty/sysrq.c"));
	assert_true(sl.line > 0);
	assert_non_null(sl.function);
	printf("# sysrq_handle_crash+0xb: %s:%d in %s, %zu inlined\n", sl.file, sl.line,
	       sl.function, sl.n_inlined);
	/* Inlined calls: the last frame is the out-of-line function. */
	assert_true(vmr_vmlinux_symbol(s->v, "panic", &addr, NULL));
	err = vmr_vmlinux_source_line(s->v, addr + 0x20, &sl);
	assert_null(err);
	assert_true(sl.line > 0);
	if (sl.n_inlined)
		assert_string_equal(sl.inlined[sl.n_inlined - 1].function, "panic");
	else
		assert_string_equal(sl.function, "panic");
	/* vfree+0x40 is in vm_reset_perms(), inlined into vfree() (as
	 * addr2line -i says for this vmlinux) */
	assert_true(vmr_vmlinux_symbol(s->v, "vfree", &addr, NULL));
	err = vmr_vmlinux_source_line(s->v, addr + 0x40, &sl);
	assert_null(err);
	assert_string_equal(sl.function, "vm_reset_perms");
	assert_non_null(strstr(sl.file, "mm/vmalloc.c"));
	assert_true(sl.n_inlined >= 1);
	assert_string_equal(sl.inlined[0].function, "vfree");
	assert_non_null(sl.inlined[0].file);
	assert_non_null(strstr(sl.inlined[0].file, "mm/vmalloc.c"));
	assert_true(sl.inlined[0].line > 0);
	assert_string_equal(sl.inlined[sl.n_inlined - 1].function, "vfree");

	err = vmr_vmlinux_source_line(s->v, 0x1000, &sl);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
}

static void write_file(const char *path, const void *data, size_t len);

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/** Same file, line, column, function and inline chain. */
static void expect_same_line(uint64_t addr, const struct vmr_source_line *a,
			     const struct vmr_source_line *b)
{
	bool same = str_eq(a->file, b->file) && a->line == b->line &&
		    a->column == b->column && str_eq(a->function, b->function) &&
		    a->n_inlined == b->n_inlined;
	for (size_t i = 0; same && i < a->n_inlined; i++)
		same = str_eq(a->inlined[i].function, b->inlined[i].function) &&
		       str_eq(a->inlined[i].file, b->inlined[i].file) &&
		       a->inlined[i].line == b->inlined[i].line;
	if (!same)
		fail_msg("%#llx: %s:%d:%d in %s (%zu inlined) vs %s:%d:%d in %s (%zu inlined)",
			 (unsigned long long)addr, a->file, a->line, a->column, a->function,
			 a->n_inlined, b->file, b->line, b->column, b->function, b->n_inlined);
}

/** Text addresses spread over the kernel: every @p step-th function, +4. */
static size_t text_addrs(const struct vmr_vmlinux *v, size_t step, uint64_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < v->addrs.n && n < max; i += step) {
		const struct vmr_vsym *sym = &v->syms[v->addrs.e[i].sym];
		if ((sym->type == 'T' || sym->type == 't') && sym->size > 4)
			out[n++] = sym->addr + 4;
	}
	return n;
}

/**
 * The same lines and inline chains through handle @p w (fresh: compressed
 * sections inflated only as far as each address needs) as through the
 * reference handle @p ref (all DWARF loaded).  Addresses go up, then down
 * (the early answers' strings must survive the later growth), then a DWARF
 * type question loads everything, and more lines follow.
 */
static void check_lines_like(struct vmr_vmlinux *w, struct vmr_vmlinux *ref, size_t step)
{
	enum { MAX = 400 };
	static uint64_t addrs[MAX];
	static struct vmr_source_line got[MAX];
	size_t n = text_addrs(ref, step, addrs, MAX);
	assert_true(n > 50);
	size_t found = 0;
	for (size_t k = 0; k < n; k++) {
		/* the first half ascending, the second half descending */
		size_t i = k < n / 2 ? k : n - 1 - (k - n / 2);
		struct vmr_error *err = vmr_vmlinux_source_line(w, addrs[i], &got[i]);
		if (err) {
			assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
			vmr_error_free(err);
			got[i].file = NULL;
			got[i].line = -1;
		}
		if (k == n / 2 + n / 4) {
			uint64_t size;
			vmr_vmlinux_set_type_source(w, VMR_TYPES_DWARF);
			assert_null(vmr_vmlinux_type_size(w, "page", &size));
			vmr_vmlinux_set_type_source(w, VMR_TYPES_AUTO);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct vmr_source_line want;
		struct vmr_error *err = vmr_vmlinux_source_line(ref, addrs[i], &want);
		if (err) {
			vmr_error_free(err);
			if (got[i].line != -1)
				fail_msg("%#llx: a line only through the partial DWARF",
					 (unsigned long long)addrs[i]);
			continue;
		}
		found++;
		expect_same_line(addrs[i], &got[i], &want);
	}
	printf("# %zu of %zu text addresses: same lines and inline chains\n", found, n);
	assert_true(found > n / 2);
}

/* Partial inflating of .debug_info gives what libdw over everything gives. */
static void test_source_line_partial(void **st)
{
	struct state *s = *st;
	uint64_t size;
	/* s->v: every unit loaded */
	vmr_vmlinux_set_type_source(s->v, VMR_TYPES_DWARF);
	assert_null(vmr_vmlinux_type_size(s->v, "page", &size));
	vmr_vmlinux_set_type_source(s->v, VMR_TYPES_AUTO);

	struct vmr_vmlinux *w;
	assert_null(vmr_vmlinux_open(s->path, &w));
	/* A data address: no unit, nothing inflated. */
	uint64_t jiffies;
	assert_true(vmr_vmlinux_symbol(w, "jiffies", &jiffies, NULL));
	struct vmr_source_line sl;
	double t0 = now_ms();
	struct vmr_error *err = vmr_vmlinux_source_line(w, jiffies, &sl);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_NOT_FOUND);
	vmr_error_free(err);
	uint64_t vfree;
	assert_true(vmr_vmlinux_symbol(w, "vfree", &vfree, NULL));
	double t1 = now_ms();
	assert_null(vmr_vmlinux_source_line(w, vfree + 0x10, &sl));
	printf("# first lines: data address %.1f ms, vfree+0x10 %.1f ms (%s:%d)\n", t1 - t0,
	       now_ms() - t1, sl.file, sl.line);
	check_lines_like(w, s->v, 97);
	vmr_vmlinux_close(w);
}

/*
 * The function index (fnindex.h) finds the same scopes as libdw's walks of
 * the whole unit: same function, line and inline chain at several points
 * of every 7th function (prologue, inside, last byte: inlined code lies
 * inside), .cold parts included.
 */
static void test_fn_index_same_as_libdw(void **st)
{
	struct state *s = *st;
	struct vmr_vmlinux *fast, *slow;
	assert_null(vmr_vmlinux_open(s->path, &fast));
	assert_null(vmr_vmlinux_open(s->path, &slow));
	vmr_vmlinux_set_fn_index(slow, false);
	size_t checked = 0, inlined = 0;
	for (size_t i = 0; i < s->v->addrs.n; i += 7) {
		const struct vmr_vsym *sym = &s->v->syms[s->v->addrs.e[i].sym];
		if ((sym->type != 'T' && sym->type != 't') || sym->size < 8)
			continue;
		const uint64_t at[] = { 4, sym->size / 3, sym->size / 2, sym->size - 1 };
		for (size_t j = 0; j < sizeof(at) / sizeof(at[0]); j++) {
			struct vmr_source_line a, b;
			struct vmr_error *ea = vmr_vmlinux_source_line(fast, sym->addr + at[j], &a);
			struct vmr_error *eb = vmr_vmlinux_source_line(slow, sym->addr + at[j], &b);
			assert_int_equal(ea == NULL, eb == NULL);
			vmr_error_free(ea);
			vmr_error_free(eb);
			if (ea)
				continue;
			expect_same_line(sym->addr + at[j], &a, &b);
			checked++;
			inlined += a.n_inlined > 0;
		}
	}
	printf("# %zu addresses, %zu in inlined code: same scopes\n", checked, inlined);
	assert_true(checked > 1000 && inlined > 100);
	vmr_vmlinux_close(fast);
	vmr_vmlinux_close(slow);
}

/*
 * With the read-ahead started first (what `-k` does while the dump's layout
 * is rebuilt), the same lines; a handle closed while the read-ahead runs
 * stops it (no leak, no hang: ASan and the test's timeout see to that).
 */
static void test_source_line_prefetch(void **st)
{
	struct state *s = *st;
	struct vmr_vmlinux *w;
	assert_null(vmr_vmlinux_open(s->path, &w));
	vmr_vmlinux_prefetch_lines(w);
	vmr_vmlinux_prefetch_lines(w); /* twice: nothing more */
	check_lines_like(w, s->v, 89);
	vmr_vmlinux_close(w);

	for (int i = 0; i < 3; i++) {
		assert_null(vmr_vmlinux_open(s->path, &w));
		vmr_vmlinux_prefetch_lines(w);
		if (i == 1) {
			uint64_t vfree;
			struct vmr_source_line sl;
			assert_true(vmr_vmlinux_symbol(w, "vfree", &vfree, NULL));
			assert_null(vmr_vmlinux_source_line(w, vfree + 0x10, &sl));
		}
		vmr_vmlinux_close(w); /* at once, after one line, or (i == 2) ... */
		if (i == 2)
			break;
	}
	/* ... after a type question, which needs every unit. */
	assert_null(vmr_vmlinux_open(s->path, &w));
	vmr_vmlinux_prefetch_lines(w);
	uint64_t size;
	vmr_vmlinux_set_type_source(w, VMR_TYPES_DWARF);
	assert_null(vmr_vmlinux_type_size(w, "page", &size));
	vmr_vmlinux_close(w);
}

/* Sections compressed with zstd (CONFIG_DEBUG_INFO_COMPRESSED_ZSTD): libelf
 * 0.188 cannot inflate them, the loader can.  Needs objcopy with zstd. */
static void test_source_line_zstd_sections(void **st)
{
	struct state *s = *st;
	char dir[] = "/tmp/vmr-test-zsec-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char plain[300], zsec[300], cmd[1024];
	snprintf(plain, sizeof(plain), "%s/vmlinux", dir);
	snprintf(zsec, sizeof(zsec), "%s/vmlinux.zstd-sections", dir);
	int fd;
	uint64_t size;
	assert_null(vmr_file_open_unwrapped(s->path, &fd, &size, NULL));
	char *buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, size, 0), (ssize_t)size);
	close(fd);
	write_file(plain, buf, size);
	free(buf);
	snprintf(cmd, sizeof(cmd),
		 "objcopy --compress-debug-sections=zstd '%s' '%s' 2>/dev/null", plain, zsec);
	if (system(cmd) != 0) {
		printf("# objcopy cannot write zstd sections: not checked\n");
	} else {
		struct vmr_vmlinux *w;
		assert_null(vmr_vmlinux_open(zsec, &w));
		check_lines_like(w, s->v, 401);
		vmr_vmlinux_close(w);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void expect_format_error(const char *path, const char *needle)
{
	struct vmr_vmlinux *v = (void *)1;
	struct vmr_error *err = vmr_vmlinux_open(path, &v);
	assert_non_null(err);
	assert_null(v);
	assert_int_equal(vmr_error_code(err), VMR_ERR_FORMAT);
	assert_non_null(strstr(vmr_error_message(err), path));
	if (needle && !strstr(vmr_error_message(err), needle))
		fail_msg("message \"%s\" lacks \"%s\"", vmr_error_message(err), needle);
	vmr_error_free(err);
}

static void test_bad_files(void **st)
{
	struct state *s = *st;
	char dir[] = "/tmp/vmr-test-vmlinux-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];

	snprintf(path, sizeof(path), "%s/text", dir);
	write_file(path, "this is not an ELF file at all\n", 31);
	expect_format_error(path, "not an ELF");

	/* The corpus vmlinux cut at 8 MiB: the section headers are gone. */
	int fd;
	uint64_t size;
	struct vmr_error *err = vmr_file_open_unwrapped(s->path, &fd, &size, NULL);
	assert_null(err);
	size_t cut = 8u << 20;
	char *buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, size, 0), (ssize_t)size);
	close(fd);
	snprintf(path, sizeof(path), "%s/cut", dir);
	write_file(path, buf, cut);
	expect_format_error(path, NULL);

	/* Section headers intact, data cut: the last sections run past EOF. */
	uint64_t shoff;
	memcpy(&shoff, buf + 0x28, 8);
	assert_true(shoff < size);
	size_t shlen = size - shoff;
	memmove(buf + cut, buf + shoff, shlen);
	uint64_t newoff = cut;
	memcpy(buf + 0x28, &newoff, 8);
	snprintf(path, sizeof(path), "%s/cut2", dir);
	write_file(path, buf, cut + shlen);
	expect_format_error(path, "truncated");

	/* Not ET_EXEC. */
	buf[0x10] = 3; /* ET_DYN */
	snprintf(path, sizeof(path), "%s/dyn", dir);
	write_file(path, buf, size);
	expect_format_error(path, "ET_EXEC");
	buf[0x10] = 2;
	buf[0x12] = 0x28; /* EM_ARM */
	write_file(path, buf, size);
	expect_format_error(path, "x86_64");
	free(buf);

	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	expect_format_error(path, NULL);

	snprintf(path, sizeof(path), "%s/missing", dir);
	struct vmr_vmlinux *v;
	err = vmr_vmlinux_open(path, &v);
	assert_non_null(err);
	assert_int_equal(vmr_error_code(err), VMR_ERR_IO);
	vmr_error_free(err);

	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* BTF parser on garbage: clean errors, never a crash. */
static void test_btf_garbage(void **st)
{
	struct state *s = *st;
	const void *data;
	uint64_t size;
	assert_null(vmr_vmlinux_section(s->v, ".BTF", NULL, &size, &data));
	struct vmr_btf *b;
	double t0 = now_ms();
	assert_null(vmr_btf_load(data, size, false, &b));
	printf("# BTF parse + index of %zu types: %.1f ms\n", vmr_btf_type_count(b),
	       now_ms() - t0);
	vmr_btf_free(b);

	uint8_t *copy = malloc(size);
	assert_non_null(copy);
	/* truncations */
	size_t cuts[] = { 0, 10, 24, 1000, size / 2, size - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct vmr_error *err = vmr_btf_load(data, cuts[i], true, &b);
		assert_non_null(err);
		assert_null(b);
		vmr_error_free(err);
	}
	/* random corruption of the type section: error or a usable handle */
	srand(1);
	for (int round = 0; round < 200; round++) {
		memcpy(copy, data, size);
		for (int k = 0; k < 16; k++)
			copy[24 + (size_t)rand() % (size - 24)] = (uint8_t)rand();
		struct vmr_error *err = vmr_btf_load(copy, size, false, &b);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		int64_t val;
		uint64_t u;
		vmr_error_free(vmr_btf_enumerator(b, "VSYSCALL_PAGE", &val));
		vmr_error_free(vmr_btf_type_size(b, "page", &u));
		vmr_error_free(vmr_btf_member_offset(b, "task_struct", "thread.sp", &u));
		vmr_btf_free(b);
	}
	free(copy);
}

int main(void)
{
	/* The corpus vmlinux these tests read; another corpus may lack it. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", corpus(), VMLINUX_NAME);
	if (access(path, R_OK)) {
		printf("skipped: no %s\n", path);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_symbols_match_truth),
		cmocka_unit_test(test_symbolize),
		cmocka_unit_test(test_section),
		cmocka_unit_test(test_types_btf),
		cmocka_unit_test(test_types_dwarf),
		cmocka_unit_test(test_source_line),
		cmocka_unit_test(test_source_line_partial),
		cmocka_unit_test(test_source_line_prefetch),
		cmocka_unit_test(test_fn_index_same_as_libdw),
		cmocka_unit_test(test_source_line_zstd_sections),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_btf_garbage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
