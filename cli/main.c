/* SPDX-License-Identifier: MIT */
/* vmregion: what is this kernel address?  Subcommand dispatch. */
#include "cli/cli.h"

#include <string.h>

static const char usage[] =
	"usage: vmregion COMMAND [ARGS]\n"
	"\n"
	"What is this x86_64 kernel address?  Reads crash dumps (ELF vmcore,\n"
	"kdump-compressed, flattened, QEMU, zstd-wrapped) with or without vmlinux.\n"
	"\n"
	"  info [--json] DUMP [-k VMLINUX]          layout of this boot, with sources\n"
	"  addr [--json] DUMP ADDR... [-k VMLINUX]  region and owner of addresses\n"
	"  dmesg [--json] [--caller] DUMP           the kernel log kept in the dump\n"
	"  mem [--json] DUMP ADDR [LEN] [--summary] [-k VMLINUX]\n"
	"  mem [--json] DUMP --stack cpu:N|pid:N|task:ADDR [-k VMLINUX]\n"
	"                                           annotate every pointer in memory\n"
	"  oops [--json] [-c DUMP] [-k VMLINUX] [FILE|-]  annotate an oops text\n"
	"  triage [--json] DUMP [-k VMLINUX]        one-screen summary of a crash\n"
	"  serve DUMP [-k VMLINUX]                  gdb remote target on stdin/stdout\n"
	"  serve --remote HOST:PORT [-k VMLINUX]    the same for a live kernel's gdb stub\n"
	"  gdb DUMP [VMLINUX]                       gdb on the dump, wired up\n"
	"  gdb --remote HOST:PORT VMLINUX           gdb on a live kernel, wired up\n"
	"\n"
	"  vmregion COMMAND --help    help for one command\n"
	"  vmregion --version         print the version\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "addr", cmd_addr },
	{ "dmesg", cmd_dmesg },
	{ "mem", cmd_mem },
	{ "oops", cmd_oops },
	{ "triage", cmd_triage },
	{ "serve", cmd_serve },
	{ "gdb", cmd_gdb },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_BAD;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vmregion %s\n", vmr_version());
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cli_error("%s: unknown command (see vmregion --help)", argv[1]);
	return EXIT_BAD;
}
