/* SPDX-License-Identifier: MIT */
/* vmregion serve: being written; the command says so until it lands. */
#include "cli/cli.h"

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("serve: not available in this build");
	return EXIT_BAD;
}
