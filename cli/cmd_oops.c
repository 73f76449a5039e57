/* SPDX-License-Identifier: MIT */
/* vmregion oops: being written; the command says so until it lands. */
#include "cli/cli.h"

int cmd_oops(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("oops: not available in this build");
	return EXIT_BAD;
}
