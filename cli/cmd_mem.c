/* SPDX-License-Identifier: MIT */
/* vmregion mem: being written; the command says so until it lands. */
#include "cli/cli.h"

int cmd_mem(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("mem: not available in this build");
	return EXIT_BAD;
}
