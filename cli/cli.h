/* SPDX-License-Identifier: MIT */
/** @file cli.h  What the subcommands share: opening, errors, parsing, sizes. */
#ifndef VMR_CLI_H
#define VMR_CLI_H

#include <stdio.h>
#include <vmregion/vmregion.h>

/** Exit statuses (DESIGN.md §4). */
enum {
	EXIT_OK = 0,
	EXIT_INCOMPLETE = 1, /* ran, but some answer is incomplete */
	EXIT_BAD = 2,        /* usage error or unusable input */
};

/** The options every dump-reading command takes. */
struct cli_common {
	bool json;
	const char *vmlinux;
	const char *dump_path;
};

/**
 * Take the -m/--modules PATH options (module .ko files or directories, for
 * source lines of module code) out of @p argv: the other arguments go to
 * @p keep (*@p nkeep), the paths to @p mods (*@p nmods; room for argc).
 * @return -1 to go on, or an exit status (a -m without PATH).
 */
int cli_take_modules(int argc, char **argv, char **keep, int *nkeep, const char **mods,
		     size_t *nmods);

/** An open dump and its kernel view. */
struct cli_session {
	struct vmr_dump *dump;
	struct vmr_kernel *kernel;
	unsigned warned;   /* layout warnings printed so far */
};

/** "vmregion: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** "vmregion: warning: MESSAGE" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print @p err as a one-line error and free it. @return EXIT_BAD. */
int cli_fail(struct vmr_error *err);

/** Open dump and kernel; on failure print the error. @return EXIT_OK or EXIT_BAD. */
int cli_open(const struct cli_common *opt, struct cli_session *s);
void cli_close(struct cli_session *s);
/** Print the layout warnings of @p s to stderr. */
void cli_print_warnings(struct cli_session *s);

/**
 * Parse an address: hex (0x... or bare hex digits), decimal with a 0d
 * prefix or digits only when not hex-looking, or symbol[+off] (needs @p k).
 * @return false after printing an error that names @p text.
 */
bool cli_parse_address(struct vmr_kernel *k, const char *text, uint64_t *out);

/** Human-readable size like the kernel's mm.rst ("32 TB", "1520 MB", "~16M TB"). */
const char *cli_size(uint64_t bytes, char buf[32]);

/** Subcommands. */
int cmd_info(int argc, char **argv);
int cmd_addr(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_oops(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_gdb(int argc, char **argv);

/** Usage texts. */
extern const char cmd_info_usage[];
extern const char cmd_addr_usage[];
extern const char cmd_dmesg_usage[];

/**
 * Parse the common options (--json, -k/--vmlinux, -h/--help) out of argv;
 * the rest is left in @p rest (argv order).  @return -1 on success, else an
 * exit status (help printed, or a usage error).
 */
int cli_parse_common(int argc, char **argv, const char *usage, struct cli_common *opt,
		     char **rest, int *nrest);

#endif
