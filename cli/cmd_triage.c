/* SPDX-License-Identifier: MIT */
/* vmregion triage: being written; the command says so until it lands. */
#include "cli/cli.h"

int cmd_triage(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("triage: not available in this build");
	return EXIT_BAD;
}
