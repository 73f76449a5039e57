/* SPDX-License-Identifier: MIT */
/* vmregion gdb: exec gdb wired to the dump: vmlinux at the KASLR slide,
 * `target remote | vmregion serve DUMP`, the vmregion.gdb script and, when
 * it is installed, the ORC unwinder (JIT reader vmregion-gdb.so), and the
 * symbol files of the dump's kallsyms and modules (plugin/symfile.h).
 *
 * The JIT reader learns about the dump from the environment of gdb, set
 * here before the exec:
 *   VMREGION_DUMP          the dump's path
 *   VMREGION_VMLINUX       the vmlinux gdb reads (plain ELF), if any
 *   VMREGION_KASLR_OFFSET  the KASLR slide, "0x" + hex
 *   VMREGION_BUILD_ID      the kernel's build-id (hex), if known
 * gdb_commands() builds the command list; add new steps there. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/remote.h"
#include "plugin/gdbfiles.h"
#include "plugin/symfile.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char cmd_gdb_usage[] =
	"usage: vmregion gdb DUMP [VMLINUX] [--dry-run] [-- GDB-ARGS...]\n"
	"       vmregion gdb --remote HOST:PORT VMLINUX   (see gdb --remote --help)\n"
	"\n"
	"Start gdb on DUMP: the vmlinux loaded at this boot's KASLR slide, the\n"
	"dump as a remote target (vmregion serve: one thread per CPU, any kernel\n"
	"address readable), `info vmregion EXPR` and `info vmregion-mem EXPR\n"
	"[COUNT]` defined, and the ORC unwinder loaded when it is installed.  A\n"
	"zstd-compressed VMLINUX is decompressed once into\n"
	"$XDG_CACHE_HOME/vmregion/BUILD-ID.vmlinux (default ~/.cache/vmregion),\n"
	"where gdb also keeps its symbol index, so that later starts are fast.\n"
	"\n"
	"Symbols from the dump alone: ELF symbol files written from the dump's\n"
	"kallsyms (6.0+ kernels) and every module's kallsyms give gdb function\n"
	"names without a vmlinux, and module names with one (the vmlinux then\n"
	"gives the kernel's).  They are kept in\n"
	"$XDG_CACHE_HOME/vmregion/symbols-HASH/ (HASH of their symbols; load.gdb\n"
	"loads them).\n"
	"\n"
	"  -k, --vmlinux   the matching vmlinux (same as the second argument)\n"
	"  --dry-run       print the gdb command line instead of running it\n"
	"  -- GDB-ARGS     more gdb arguments (e.g. -batch -ex 'info threads')\n"
	"\n"
	"The gdb run is $VMREGION_GDB, else gdb from $PATH.\n";

/* What the gdb session is made of. */
struct gdb_setup {
	const char *dump;        /* absolute */
	const char *vmlinux;     /* gdb-readable vmlinux (absolute), or NULL */
	const char *serve_vmlinux; /* the -k of serve: same file */
	uint64_t slide;
	const char *self;        /* this vmregion binary */
	const char *symbols;     /* gdb script loading the symbol files, or NULL */
	const char *script;      /* vmregion.gdb, or NULL */
	const char *jit_reader;  /* vmregion-gdb.so, or NULL */
	const char *cache_dir;   /* for gdb's index cache, or NULL */
	char **extra;            /* user's gdb arguments */
	int nextra;
};

struct argv_list {
	char **v;
	int n, cap;
};

static void add(struct argv_list *a, char *s)
{
	if (!s)
		return;
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? 2 * a->cap : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));
		if (!v)
			return;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* @p s quoted for sh: '...' with ' as '\''. */
static char *sh_quote(const char *s)
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
 * (symbol-file): double quotes with \ escapes when needed. */
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

/**
 * The gdb command line for @p g (argv[0] is the gdb program).  This is the
 * hook for new pieces of the session: each is one -iex/-ex here.
 */
static void gdb_commands(const struct gdb_setup *g, const char *gdb, struct argv_list *a)
{
	add(a, strdup(gdb));
	add(a, strdup("-q"));
	if (g->cache_dir) { /* gdb 13: symbol index by build-id, ~7x faster starts */
		add(a, strdup("-iex"));
		add(a, fmt("set index-cache directory %s", g->cache_dir));
		add(a, strdup("-iex"));
		add(a, strdup("set index-cache enabled on"));
	}
	if (g->vmlinux) {
		/* Before target remote, so the first frame is shown with symbols.
		 * -o moves every section by the slide (README B4); qOffsets is
		 * answered "" so gdb does not move them again. */
		char *q = gdb_quote(g->vmlinux);
		add(a, strdup("-ex"));
		add(a, fmt("symbol-file -o 0x%" PRIx64 " %s", g->slide, q ? q : g->vmlinux));
		free(q);
	}
	if (g->symbols) {
		/* Symbol files from the dump (plugin/symfile.h): the modules', and
		 * the kernel's when there is no vmlinux.  Sourced, so that
		 * add-symbol-file does not ask for confirmation. */
		char *q = gdb_quote(g->symbols);
		add(a, strdup("-ex"));
		add(a, fmt("source %s", q ? q : g->symbols));
		free(q);
	}
	if (g->script) {
		add(a, strdup("-ex"));
		add(a, fmt("source %s", g->script));
	}
	if (g->jit_reader) {
		add(a, strdup("-ex"));
		add(a, fmt("jit-reader-load %s", g->jit_reader));
	}
	/* A dump never changes: let gdb cache its memory and refuse writes. */
	add(a, strdup("-ex"));
	add(a, strdup("mem 0 0 ro cache"));
	char *self = sh_quote(g->self), *dump = sh_quote(g->dump);
	char *vml = g->serve_vmlinux ? sh_quote(g->serve_vmlinux) : NULL;
	add(a, strdup("-ex"));
	add(a, fmt("target remote | exec %s serve %s%s%s", self ? self : "", dump ? dump : "",
		   vml ? " -k " : "", vml ? vml : ""));
	free(self);
	free(dump);
	free(vml);
	for (int i = 0; i < g->nextra; i++)
		add(a, strdup(g->extra[i]));
}

static bool is_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* The first of @p dir/@p rel[i] that exists, absolute; NULL if none. */
static char *find_beside(const char *dir, const char *const *rel)
{
	for (size_t i = 0; rel[i]; i++) {
		char *p = fmt("%s/%s", dir, rel[i]);
		char real[PATH_MAX];
		if (p && is_file(p) && realpath(p, real)) {
			free(p);
			return strdup(real);
		}
		free(p);
	}
	return NULL;
}

/* $XDG_CACHE_HOME/vmregion, else ~/.cache/vmregion. */
static char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME");
	if (x && x[0] == '/')
		return fmt("%s/vmregion", x);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return fmt("%s/.cache/vmregion", home);
	return NULL;
}

/* The dump's symbols for gdb (kernel image's only when @p kernel: no
 * vmlinux), in @p cache; what is missing is said, never fatal. */
static void symbol_files(struct vmr_kernel *k, const char *cache, bool kernel,
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

static void print_dry_run(const struct argv_list *a)
{
	static const char *const env[] = { "VMREGION_DUMP", "VMREGION_VMLINUX",
					   "VMREGION_KASLR_OFFSET", "VMREGION_BUILD_ID" };
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
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

int cmd_gdb(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	bool dry_run = false;
	int nopts = argc;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			nopts = i;
			break;
		}
	char *args[nopts > 0 ? nopts : 1], *rest[nopts > 0 ? nopts : 1];
	int nargs = 0, nrest;
	for (int i = 0; i < nopts; i++) {
		if (i > 0 && !strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (i > 0 && !strncmp(argv[i], "--remote", 8))
			return cmd_gdb_remote(argc, argv); /* a live kernel: cmd_remote.c */
		else
			args[nargs++] = argv[i];
	}
	int rc = cli_parse_common(nargs, args, cmd_gdb_usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest < 1 || nrest > 2 || (nrest == 2 && opt.vmlinux) || opt.json) {
		cli_error("gdb: expected DUMP [VMLINUX] (see vmregion gdb --help)");
		return EXIT_BAD;
	}
	char dump_abs[PATH_MAX], vml_abs[PATH_MAX], self[PATH_MAX];
	if (!realpath(rest[0], dump_abs)) {
		cli_error("%s: %s", rest[0], strerror(errno));
		return EXIT_BAD;
	}
	const char *vmlinux = nrest == 2 ? rest[1] : opt.vmlinux;
	if (vmlinux && !realpath(vmlinux, vml_abs)) {
		cli_error("%s: %s", vmlinux, strerror(errno));
		return EXIT_BAD;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		cli_error("gdb: cannot find the vmregion binary (/proc/self/exe)");
		return EXIT_BAD;
	}
	self[n] = 0;

	/* The slide and build-id from the dump alone: fast, no vmlinux parsing
	 * (serve checks the vmlinux against the dump again). */
	struct cli_common dopt = { .dump_path = dump_abs };
	struct cli_session s;
	if ((rc = cli_open(&dopt, &s)))
		return rc;
	uint64_t slide = vmr_kernel_layout(s.kernel)->kaslr_offset.value;
	const char *bid = vmr_kernel_build_id(s.kernel);
	char build_id[130] = "";
	if (bid)
		snprintf(build_id, sizeof(build_id), "%s", bid);
	char *cache = cache_dir();
	struct vmr_gdb_symfiles syms = { 0 };
	symbol_files(s.kernel, cache, !vmlinux, &syms);
	cli_close(&s);

	struct gdb_setup g = { .dump = dump_abs, .slide = slide, .self = self,
			       .symbols = syms.script };
	char *gdb_vmlinux = NULL;
	if (vmlinux) {
		bool created;
		struct vmr_error *err = vmr_gdb_vmlinux_file(vml_abs, cache, bid ? build_id : NULL,
							     &gdb_vmlinux, &created);
		if (err) {
			free(cache);
			vmr_gdb_symfiles_free(&syms);
			return cli_fail(err);
		}
		if (created)
			fprintf(stderr, "vmregion: %s decompressed for gdb into %s\n", vmlinux,
				gdb_vmlinux);
		g.vmlinux = g.serve_vmlinux = gdb_vmlinux;
	}
	if (cache && !access(cache, W_OK))
		g.cache_dir = cache;

	char dir_buf[PATH_MAX];
	snprintf(dir_buf, sizeof(dir_buf), "%s", self);
	const char *bindir = dirname(dir_buf);
	static const char *const scripts[] = { "../plugin/vmregion.gdb",
					       "../share/vmregion/vmregion.gdb", NULL };
	static const char *const readers[] = { "../plugin/vmregion-gdb.so",
					       "../lib/vmregion/vmregion-gdb.so",
					       "../lib64/vmregion/vmregion-gdb.so",
					       "../lib/x86_64-linux-gnu/vmregion/vmregion-gdb.so",
					       NULL };
	char *script = find_beside(bindir, scripts), *reader = find_beside(bindir, readers);
	g.script = script;
	g.jit_reader = reader;
	if (!script)
		cli_warn("gdb: vmregion.gdb not found beside %s: info vmregion is not defined",
			 self);
	g.extra = argv + nopts + (nopts < argc);
	g.nextra = argc - nopts - (nopts < argc);

	setenv("VMREGION_DUMP", dump_abs, 1);
	if (gdb_vmlinux)
		setenv("VMREGION_VMLINUX", gdb_vmlinux, 1);
	char slide_text[32];
	snprintf(slide_text, sizeof(slide_text), "0x%" PRIx64, slide);
	setenv("VMREGION_KASLR_OFFSET", slide_text, 1);
	if (build_id[0])
		setenv("VMREGION_BUILD_ID", build_id, 1);

	const char *gdb = getenv("VMREGION_GDB");
	if (!gdb || !*gdb)
		gdb = "gdb";
	struct argv_list a = { 0 };
	gdb_commands(&g, gdb, &a);
	vmr_gdb_symfiles_free(&syms);
	free(script);
	free(reader);
	free(gdb_vmlinux);
	free(cache);
	rc = EXIT_OK;
	if (dry_run) {
		print_dry_run(&a);
	} else {
		fflush(NULL);
		execvp(gdb, a.v);
		cli_error("gdb: cannot run %s: %s", gdb, strerror(errno));
		rc = EXIT_BAD;
	}
	for (int i = 0; i < a.n; i++)
		free(a.v[i]);
	free(a.v);
	return rc;
}
