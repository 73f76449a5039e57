/* SPDX-License-Identifier: MIT */
/** @file remote.h  `vmregion serve --remote` and `vmregion gdb --remote` (cmd_remote.c). */
#ifndef VMR_CLI_REMOTE_H
#define VMR_CLI_REMOTE_H

/** `vmregion serve --remote HOST:PORT [-k VMLINUX]`: argv as cmd_serve() got it. */
int cmd_serve_remote(int argc, char **argv);
/** `vmregion gdb --remote HOST:PORT VMLINUX [--dry-run] [-- GDB-ARGS]`. */
int cmd_gdb_remote(int argc, char **argv);

#endif
