/* SPDX-License-Identifier: MIT */
/* vmregion serve --remote / gdb --remote: a live kernel behind a gdb stub
 * (QEMU -s).  serve relays gdb's packets to the stub and answers vmregion's
 * monitor commands from the live kernel, read over the same connection;
 * gdb starts gdb with the vmlinux at the live slide and that relay as its
 * target. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/gdbsession.h"
#include "cli/monitor.h"
#include "cli/remote.h"
#include "plugin/gdbfiles.h"
#include "plugin/jit/config.h"
#include "plugin/relay.h"
#include "plugin/remote.h"
#include "plugin/symfile.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char serve_remote_usage[] =
	"usage: vmregion serve --remote HOST:PORT [-k VMLINUX]\n"
	"\n"
	"Relay gdb (on stdin/stdout) to the gdb stub of a running kernel, e.g.\n"
	"QEMU started with -s (localhost:1234):\n"
	"    (gdb) target remote | vmregion serve --remote localhost:1234 -k VMLINUX\n"
	"Every packet goes to the stub, except the monitor commands of vmregion,\n"
	"answered from the live kernel read through the same connection:\n"
	"    monitor vmregion ADDR...   what `vmregion addr` prints\n"
	"    monitor info               what `vmregion info` prints\n"
	"    monitor dmesg [--caller]   what `vmregion dmesg` prints\n"
	"    monitor help\n"
	"Other monitor commands go to the stub (QEMU: monitor info registers).\n"
	"The layout is rebuilt from the kernel's memory (its VMCOREINFO through\n"
	"the vmlinux symbols, else CR3 and a memory scan) and again after the\n"
	"target has run.  Physical memory is read with QEMU's PhyMemMode.\n"
	"\n"
	"  -k, --vmlinux   the running kernel's vmlinux (optional; recommended)\n";

static const char gdb_remote_usage[] =
	"usage: vmregion gdb --remote HOST:PORT VMLINUX [--dry-run] [-- GDB-ARGS...]\n"
	"\n"
	"Start gdb on the running kernel behind the gdb stub HOST:PORT (QEMU -s):\n"
	"the vmlinux loaded at the live KASLR slide, the target reached through\n"
	"`vmregion serve --remote`, `info vmregion EXPR` defined, the ORC\n"
	"unwinder loaded when it is installed, and symbol files of the modules\n"
	"loaded at start, written from their kallsyms (see vmregion gdb --help).\n"
	"\n"
	"  -k, --vmlinux   the vmlinux (same as the second argument)\n"
	"  --dry-run       print the gdb command line instead of running it\n"
	"  -- GDB-ARGS     more gdb arguments\n";

/* Monitor commands vmregion answers; everything else is the stub's. */
static bool is_ours(const char *command)
{
	static const char *const words[] = { "vmregion", "addr", "dmesg", "mem", "triage", "help" };
	size_t n = strcspn(command, " \t");
	if (n == 4 && !strncmp(command, "info", 4))
		return command[strspn(command + 4, " \t") + 4] == 0; /* QEMU has "info X" */
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !strncmp(command, words[i], n))
			return true;
	return false;
}

/* A live kernel: the stub connection, its dump, the kernel view opened
 * on first use and again after the target ran. */
struct live {
	struct vmr_remote *r;
	struct cli_common opt;
	struct cli_session s;
	bool stale;
};

static struct vmr_error *live_kernel(struct live *l)
{
	struct vmr_error *err;
	if (l->s.kernel && !l->stale)
		return NULL;
	vmr_kernel_close(l->s.kernel);
	l->s.kernel = NULL;
	if (!l->s.dump) {
		if ((err = vmr_remote_direct_map(l->r, l->opt.vmlinux)))
			return err; /* no PhyMemMode, and the direct map not found */
		err = vmr_dump_open_live(vmr_remote_name(l->r), vmr_remote_live_ops(l->r), l->r,
					 &l->s.dump);
	} else {
		err = vmr_dump_live_invalidate(l->s.dump);
	}
	if (!err)
		err = vmr_kernel_open(l->s.dump, l->opt.vmlinux, &l->s.kernel);
	if (!err)
		l->stale = false;
	return err;
}

static void live_close(struct live *l)
{
	vmr_kernel_close(l->s.kernel);
	vmr_dump_close(l->s.dump);
	vmr_remote_close(l->r);
}

static int relay_monitor(void *ctx, const char *command, FILE *out)
{
	struct live *l = ctx;
	const char *c = command + strspn(command, " \t");
	if (!is_ours(c))
		return -1;
	struct monitor_ctx m = { .opt = l->opt, .s = &l->s };
	if (!strncmp(c, "help", 4)) { /* no kernel needed */
		int rc = monitor_command(&m, NULL, c, out);
		fputs("Any other monitor command goes to the stub "
		      "(QEMU: monitor info registers, monitor info mtree, ...).\n", out);
		return rc;
	}
	struct vmr_error *err = live_kernel(l);
	if (err) {
		fprintf(out, "vmregion: %s\n", vmr_error_message(err));
		vmr_error_free(err);
		return 1;
	}
	return monitor_command(&m, l->s.kernel, c, out);
}

static void relay_resumed(void *ctx)
{
	((struct live *)ctx)->stale = true;
}

/* --remote HOST:PORT out of argv (into *@p hostport); the rest in @p args.
 * -h/--help anywhere prints @p usage. */
static int take_remote(int argc, char **argv, const char *usage, const char **hostport,
		       char **args, int *nargs)
{
	*hostport = NULL;
	*nargs = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--remote")) {
			if (i + 1 >= argc) {
				cli_error("%s: missing HOST:PORT after --remote", argv[0]);
				return EXIT_BAD;
			}
			*hostport = argv[++i];
		} else if (i > 0 && !strncmp(argv[i], "--remote=", 9)) {
			*hostport = argv[i] + 9;
		} else {
			args[(*nargs)++] = argv[i];
		}
	}
	return -1;
}

int cmd_serve_remote(int argc, char **argv)
{
	struct live l = { 0 };
	char *args[argc > 0 ? argc : 1], *rest[argc > 0 ? argc : 1];
	int nargs, nrest, rc = take_remote(argc, argv, serve_remote_usage, &l.opt.dump_path, args,
							&nargs);
	if (rc >= 0)
		return rc;
	if ((rc = cli_parse_common(nargs, args, serve_remote_usage, &l.opt, rest, &nrest)) >= 0)
		return rc;
	if (nrest > 1 || (nrest == 1 && l.opt.vmlinux) || l.opt.json || !l.opt.dump_path) {
		cli_error("serve: expected --remote HOST:PORT [-k VMLINUX] (see vmregion serve --help)");
		return EXIT_BAD;
	}
	if (nrest == 1)
		l.opt.vmlinux = rest[0];
	struct vmr_error *err = vmr_remote_connect(l.opt.dump_path, &l.r);
	if (err)
		return cli_fail(err);
	if (!vmr_remote_has_phys(l.r))
		cli_warn("%s: the stub has no physical-memory mode (qqemu.PhyMemMode): "
			 "vmregion reads the kernel through its direct map%s", l.opt.dump_path,
			 l.opt.vmlinux ? "" : " (needs -k VMLINUX)");
	struct vmr_relay_options ro = { .monitor = relay_monitor, .resumed = relay_resumed,
					.ctx = &l };
	bool closed;
	err = vmr_relay_run(l.r, STDIN_FILENO, STDOUT_FILENO, &ro, &closed);
	if (closed)
		cli_error("%s: the stub closed the connection", l.opt.dump_path);
	live_close(&l);
	return err ? cli_fail(err) : EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* vmregion gdb --remote */

/* What the live kernel says: slide, build-id, the JIT reader's
 * configuration written to @p config (when non-NULL), and the symbol files
 * of the modules loaded now under @p cache (when non-NULL). */
static int probe(const char *hostport, const char *vmlinux, uint64_t *slide, char *build_id,
		 size_t size, const char *config, bool *config_ok, const char *cache,
		 struct vmr_gdb_symfiles *syms)
{
	struct live l = { .opt = { .dump_path = hostport, .vmlinux = vmlinux } };
	struct vmr_error *err = vmr_remote_connect(hostport, &l.r);
	if (!err)
		err = live_kernel(&l);
	if (err) {
		live_close(&l);
		return cli_fail(err);
	}
	*slide = vmr_kernel_layout(l.s.kernel)->kaslr_offset.value;
	const char *bid = vmr_kernel_build_id(l.s.kernel);
	snprintf(build_id, size, "%s", bid ? bid : "");
	*config_ok = false;
	if (config) {
		err = vmr_gdb_config_write(l.s.kernel, config);
		if (err) {
			cli_warn("gdb: no ORC unwinder: %s", vmr_error_message(err));
			vmr_error_free(err);
		} else {
			*config_ok = true;
		}
	}
	if (cache)
		gdb_symbol_files(l.s.kernel, cache, false, syms);
	live_close(&l);
	return EXIT_OK;
}

int cmd_gdb_remote(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	const char *hostport;
	bool dry_run = false;
	int nopts = gdb_options_end(argc, argv);
	char *args[nopts > 0 ? nopts : 1], *rest[nopts > 0 ? nopts : 1];
	int nargs, nrest, rc = take_remote(nopts, argv, gdb_remote_usage, &hostport, args, &nargs);
	if (rc >= 0)
		return rc;
	int k = 0;
	for (int i = 0; i < nargs; i++) {
		if (i > 0 && !strcmp(args[i], "--dry-run"))
			dry_run = true;
		else
			args[k++] = args[i];
	}
	if ((rc = cli_parse_common(k, args, gdb_remote_usage, &opt, rest, &nrest)) >= 0)
		return rc;
	if (!hostport || nrest > 1 || (nrest == 1 && opt.vmlinux) || (!nrest && !opt.vmlinux) ||
	    opt.json) {
		cli_error("gdb: expected --remote HOST:PORT VMLINUX (see vmregion gdb --help)");
		return EXIT_BAD;
	}
	const char *vmlinux = nrest ? rest[0] : opt.vmlinux;
	char vml_abs[PATH_MAX], build_id[130];
	if (!realpath(vmlinux, vml_abs)) {
		cli_error("%s: %s", vmlinux, strerror(errno));
		return EXIT_BAD;
	}
	struct gdb_files files;
	if (!gdb_files_find(&files))
		return EXIT_BAD;
	/* The JIT reader's tables: gdb must not reopen the live target.  One
	 * file per target, overwritten at each start: the tables change with
	 * the modules loaded. */
	char *config = files.reader && files.cache_ok
			       ? gdb_fmt("%s/live-%s.gdbconfig", files.cache, hostport) : NULL;
	for (char *c = config ? strrchr(config, '/') + 1 : NULL; c && *c; c++)
		if (*c == '/' || *c == ':' || *c == '[' || *c == ']')
			*c = '_';
	uint64_t slide = 0;
	bool config_ok = false, created;
	char *gdb_vmlinux = NULL;
	struct argv_list a = { 0 };
	struct vmr_gdb_symfiles syms = { 0 };
	struct vmr_error *err;
	const char *cache = files.cache_ok ? files.cache : NULL;
	if ((rc = probe(hostport, vml_abs, &slide, build_id, sizeof(build_id), config, &config_ok,
			cache, &syms)))
		goto out;
	err = vmr_gdb_vmlinux_file(vml_abs, cache, build_id[0] ? build_id : NULL, &gdb_vmlinux,
				   &created);
	if (err) {
		rc = cli_fail(err);
		goto out;
	}
	if (created)
		fprintf(stderr, "vmregion: %s decompressed for gdb into %s\n", vmlinux, gdb_vmlinux);
	if (config_ok)
		setenv("VMR_GDB_CONFIG", config, 1);
	/* The target runs: no memory cache, writes go to the stub. */
	struct gdb_setup g = { .vmlinux = gdb_vmlinux, .slide = slide, .symbols = syms.script,
			       .script = files.script,
			       .jit_reader = config_ok ? files.reader : NULL, .cache_dir = cache,
			       .extra = argv + nopts + (nopts < argc),
			       .nextra = argc - nopts - (nopts < argc) };
	char *qs = sh_quote(files.self), *qh = sh_quote(hostport), *qv = sh_quote(gdb_vmlinux);
	g.target = gdb_fmt("target remote | exec %s serve --remote %s -k %s", qs ? qs : "",
			   qh ? qh : "", qv ? qv : "");
	free(qs);
	free(qh);
	free(qv);
	const char *gdb = gdb_program();
	if (g.target)
		gdb_commands(&g, gdb, &a);
	free(g.target);
	if (!a.n) {
		cli_error("gdb: out of memory");
		rc = EXIT_BAD;
	} else if (dry_run) {
		static const char *const env[] = { "VMR_GDB_CONFIG", NULL };
		gdb_print_dry_run(&a, env);
		if (config_ok)
			unlink(config);
		rc = EXIT_OK;
	} else {
		rc = gdb_exec(gdb, &a);
	}
out:
	argv_free(&a);
	vmr_gdb_symfiles_free(&syms);
	free(gdb_vmlinux);
	free(config);
	gdb_files_free(&files);
	return rc;
}
