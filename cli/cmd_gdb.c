/* SPDX-License-Identifier: MIT */
/* vmregion gdb: being written; the command says so until it lands. */
#include "cli/cli.h"

int cmd_gdb(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("gdb: not available in this build");
	return EXIT_BAD;
}
