/* SPDX-License-Identifier: MIT */
/* The gdb command line of `vmregion gdb`, for dumps and live kernels, and
 * the symbol files it loads. */
#define _GNU_SOURCE
#include "cli/gdbsession.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "plugin/symfile.h"

void argv_add(struct argv_list *a, char *s)
{
	if (!s)
		return;
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? 2 * a->cap : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));
		if (!v) {
			free(s);
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void argv_free(struct argv_list *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

char *gdb_fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *sh_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = malloc(n), *w = q;
	if (!q)
		return NULL;
	*w++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(w, "'\\''", 4);
			w += 4;
		} else {
			*w++ = *p;
		}
	}
	*w++ = '\'';
	*w = 0;
	return q;
}

/* @p s as one argument of a gdb command that splits like gdb_buildargv
 * (symbol-file, source): double quotes with \ escapes when needed. */
static char *gdb_quote(const char *s)
{
	if (!strpbrk(s, " \t\"'\\"))
		return strdup(s);
	char *q = malloc(2 * strlen(s) + 3), *w = q;
	if (!q)
		return NULL;
	*w++ = '"';
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			*w++ = '\\';
		*w++ = *p;
	}
	*w++ = '"';
	*w = 0;
	return q;
}

/* "-ex" "VERB ARG" with ARG quoted for gdb. */
static void ex_file(struct argv_list *a, const char *verb, const char *arg)
{
	char *q = gdb_quote(arg);
	argv_add(a, strdup("-ex"));
	argv_add(a, gdb_fmt("%s%s", verb, q ? q : arg));
	free(q);
}

void gdb_commands(const struct gdb_setup *g, const char *gdb, struct argv_list *a)
{
	argv_add(a, strdup(gdb));
	argv_add(a, strdup("-q"));
	if (g->cache_dir) { /* gdb 13: symbol index by build-id, ~7x faster starts */
		argv_add(a, strdup("-iex"));
		argv_add(a, gdb_fmt("set index-cache directory %s", g->cache_dir));
		argv_add(a, strdup("-iex"));
		argv_add(a, strdup("set index-cache enabled on"));
	}
	/* Before target remote, so the first frame is shown with symbols.  -o
	 * moves every section by the slide (README B4); qOffsets is answered ""
	 * so gdb does not move them again. */
	if (g->vmlinux) {
		char *verb = gdb_fmt("symbol-file -o 0x%" PRIx64 " ", g->slide);
		if (verb)
			ex_file(a, verb, g->vmlinux);
		free(verb);
	}
	/* Symbol files from the dump (plugin/symfile.h): the modules', and the
	 * kernel's when there is no vmlinux.  Sourced, so that add-symbol-file
	 * does not ask for confirmation. */
	if (g->symbols)
		ex_file(a, "source ", g->symbols);
	if (g->script)
		ex_file(a, "source ", g->script);
	if (g->jit_reader) {
		argv_add(a, strdup("-ex"));
		argv_add(a, gdb_fmt("jit-reader-load %s", g->jit_reader));
	}
	/* A dump never changes: let gdb cache its memory and refuse writes. */
	if (g->read_only_memory) {
		argv_add(a, strdup("-ex"));
		argv_add(a, strdup("mem 0 0 ro cache"));
	}
	argv_add(a, strdup("-ex"));
	argv_add(a, strdup(g->target));
	for (int i = 0; i < g->nextra; i++)
		argv_add(a, strdup(g->extra[i]));
}

/* The first of @p dir/@p rel[i] that is a file, absolute; NULL if none. */
static char *find_beside(const char *dir, const char *const *rel)
{
	for (size_t i = 0; rel[i]; i++) {
		char *p = gdb_fmt("%s/%s", dir, rel[i]), real[PATH_MAX];
		struct stat st;
		if (p && !stat(p, &st) && S_ISREG(st.st_mode) && realpath(p, real)) {
			free(p);
			return strdup(real);
		}
		free(p);
	}
	return NULL;
}

/* $XDG_CACHE_HOME/vmregion, else ~/.cache/vmregion, created (with its
 * parent: ~/.cache may not exist yet). */
static char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = x && x[0] == '/' ? gdb_fmt("%s/vmregion", x)
		  : home && home[0] == '/' ? gdb_fmt("%s/.cache/vmregion", home) : NULL;
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0700);
		*slash = '/';
	}
	if (dir)
		mkdir(dir, 0700);
	return dir;
}

bool gdb_files_find(struct gdb_files *f)
{
	memset(f, 0, sizeof(*f));
	ssize_t n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	if (n <= 0) {
		cli_error("gdb: cannot find the vmregion binary (/proc/self/exe)");
		return false;
	}
	f->self[n] = 0;
	char dir_buf[sizeof(f->self)];
	snprintf(dir_buf, sizeof(dir_buf), "%s", f->self);
	const char *bindir = dirname(dir_buf);
	static const char *const scripts[] = { "../plugin/vmregion.gdb",
					       "../share/vmregion/vmregion.gdb", NULL };
	static const char *const readers[] = { "../plugin/vmregion-gdb.so",
					       "../lib/vmregion/vmregion-gdb.so",
					       "../lib64/vmregion/vmregion-gdb.so",
					       "../lib/x86_64-linux-gnu/vmregion/vmregion-gdb.so",
					       NULL };
	f->script = find_beside(bindir, scripts);
	f->reader = find_beside(bindir, readers);
	if (!f->script)
		cli_warn("gdb: vmregion.gdb not found beside %s: info vmregion is not defined",
			 f->self);
	f->cache = cache_dir();
	f->cache_ok = f->cache && !access(f->cache, W_OK);
	return true;
}

void gdb_files_free(struct gdb_files *f)
{
	free(f->script);
	free(f->reader);
	free(f->cache);
	memset(f, 0, sizeof(*f));
}

void gdb_print_dry_run(const struct argv_list *a, const char *const *env)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *v = getenv(env[i]);
		if (v) {
			char *q = sh_quote(v);
			printf("%s=%s \\\n", env[i], q ? q : v);
			free(q);
		}
	}
	for (int i = 0; i < a->n; i++) {
		char *q = sh_quote(a->v[i]);
		printf("%s%s", i ? " " : "", q ? q : a->v[i]);
		free(q);
	}
	putchar('\n');
}

int gdb_exec(const char *gdb, const struct argv_list *a)
{
	fflush(NULL);
	execvp(gdb, a->v);
	cli_error("gdb: cannot run %s: %s", gdb, strerror(errno));
	return EXIT_BAD;
}

const char *gdb_program(void)
{
	const char *gdb = getenv("VMREGION_GDB");
	return gdb && *gdb ? gdb : "gdb";
}

int gdb_options_end(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return argc;
}

void gdb_symbol_files(struct vmr_kernel *k, const char *cache, bool kernel,
		      struct vmr_gdb_symfiles *out)
{
	if (!cache) {
		cli_warn("gdb: no cache directory ($XDG_CACHE_HOME, $HOME): no symbols from the "
			 "dump");
		return;
	}
	struct vmr_error *err = vmr_gdb_symbol_files(k, cache, kernel, out);
	if (err) {
		cli_warn("gdb: symbols from the dump: %s", vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	if (kernel && out->kernel_why[0])
		cli_warn("gdb: no kernel symbols without a vmlinux: %s", out->kernel_why);
	if (out->modules_why[0])
		cli_warn("gdb: no module symbols: %s", out->modules_why);
	if (out->created)
		fprintf(stderr, "vmregion: %zu kernel and %zu module symbols (%zu modules) "
			"written for gdb into %s\n", out->kernel_syms, out->module_syms,
			out->modules, out->dir);
}
