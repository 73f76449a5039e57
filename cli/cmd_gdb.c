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
 * gdb_commands() (cli/gdbsession.c) builds the command list. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/gdbsession.h"
#include "cli/remote.h"
#include "plugin/gdbfiles.h"
#include "plugin/symfile.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

int cmd_gdb(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	bool dry_run = false;
	int nopts = gdb_options_end(argc, argv);
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
	char dump_abs[PATH_MAX], vml_abs[PATH_MAX];
	if (!realpath(rest[0], dump_abs)) {
		cli_error("%s: %s", rest[0], strerror(errno));
		return EXIT_BAD;
	}
	const char *vmlinux = nrest == 2 ? rest[1] : opt.vmlinux;
	if (vmlinux && !realpath(vmlinux, vml_abs)) {
		cli_error("%s: %s", vmlinux, strerror(errno));
		return EXIT_BAD;
	}
	struct gdb_files files;
	if (!gdb_files_find(&files))
		return EXIT_BAD;

	/* The slide and build-id from the dump alone: fast, no vmlinux parsing
	 * (serve checks the vmlinux against the dump again). */
	struct cli_common dopt = { .dump_path = dump_abs };
	struct cli_session s;
	if ((rc = cli_open(&dopt, &s))) {
		gdb_files_free(&files);
		return rc;
	}
	uint64_t slide = vmr_kernel_layout(s.kernel)->kaslr_offset.value;
	const char *bid = vmr_kernel_build_id(s.kernel);
	char build_id[130] = "";
	if (bid)
		snprintf(build_id, sizeof(build_id), "%s", bid);
	struct vmr_gdb_symfiles syms = { 0 };
	gdb_symbol_files(s.kernel, files.cache_ok ? files.cache : NULL, !vmlinux, &syms);
	cli_close(&s);

	struct gdb_setup g = { .slide = slide, .symbols = syms.script, .script = files.script,
			       .jit_reader = files.reader, .read_only_memory = true,
			       .cache_dir = files.cache_ok ? files.cache : NULL };
	char *gdb_vmlinux = NULL;
	if (vmlinux) {
		bool created;
		struct vmr_error *err = vmr_gdb_vmlinux_file(vml_abs, g.cache_dir,
							     bid ? build_id : NULL, &gdb_vmlinux,
							     &created);
		if (err) {
			gdb_files_free(&files);
			vmr_gdb_symfiles_free(&syms);
			return cli_fail(err);
		}
		if (created)
			fprintf(stderr, "vmregion: %s decompressed for gdb into %s\n", vmlinux,
				gdb_vmlinux);
		g.vmlinux = gdb_vmlinux;
	}
	char *self = sh_quote(files.self), *dump = sh_quote(dump_abs);
	char *vml = gdb_vmlinux ? sh_quote(gdb_vmlinux) : NULL;
	g.target = gdb_fmt("target remote | exec %s serve %s%s%s", self ? self : "",
			   dump ? dump : "", vml ? " -k " : "", vml ? vml : "");
	free(self);
	free(dump);
	free(vml);
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

	const char *gdb = gdb_program();
	struct argv_list a = { 0 };
	if (g.target)
		gdb_commands(&g, gdb, &a);
	free(g.target);
	vmr_gdb_symfiles_free(&syms);
	gdb_files_free(&files);
	free(gdb_vmlinux);
	rc = EXIT_OK;
	if (!a.n) {
		cli_error("gdb: out of memory");
		rc = EXIT_BAD;
	} else if (dry_run) {
		static const char *const env[] = { "VMREGION_DUMP", "VMREGION_VMLINUX",
						   "VMREGION_KASLR_OFFSET", "VMREGION_BUILD_ID",
						   NULL };
		gdb_print_dry_run(&a, env);
	} else {
		rc = gdb_exec(gdb, &a);
	}
	argv_free(&a);
	return rc;
}
