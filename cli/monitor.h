/* SPDX-License-Identifier: MIT */
/**
 * @file monitor.h  The text of subcommands as functions writing to a FILE *,
 * shared by the subcommands and the monitor commands of `vmregion serve`.
 */
#ifndef VMR_CLI_MONITOR_H
#define VMR_CLI_MONITOR_H

#include "cli/cli.h"

/** The text `vmregion info` prints (without the layout warnings). */
void info_print_text(FILE *out, const struct cli_common *opt, struct cli_session *s);

/**
 * The text `vmregion dmesg [--caller]` prints on @p out, its warnings and
 * errors as "vmregion: ..." lines on @p err_out.
 * @return the exit status of `vmregion dmesg`.
 */
int dmesg_print_text(struct vmr_kernel *k, bool caller, FILE *out, FILE *err_out);

/**
 * The text `vmregion triage DUMP` prints, on @p out; errors as "vmregion: ..."
 * lines on @p out too.  @return the exit status of `vmregion triage`.
 */
int triage_print_text(struct cli_session *s, FILE *out);

/**
 * The text `vmregion mem DUMP ADDR LEN` prints for @p len bytes at @p start
 * (rounded to 8-byte words as there), on @p out; with @p mark_frames the
 * stack slots of the frames the unwinder finds from every CPU's registers
 * are marked, as `vmregion mem DUMP cpuN:REG LEN` marks those of CPU N.
 * @return the exit status of `vmregion mem` (1: some pages not in the dump).
 */
int mem_print_text(struct cli_session *s, uint64_t start, uint64_t len, bool mark_frames,
		   FILE *out);

/**
 * Answer one monitor command of `vmregion serve` (vmregion ADDR..., mem,
 * info, dmesg, triage, help) on @p out.  @p ctx is the struct cli_session plus options
 * (struct monitor_ctx).  @return 0, or non-zero for a failed command.
 */
struct monitor_ctx {
	struct cli_common opt;
	struct cli_session *s;
};
int monitor_command(void *ctx, struct vmr_kernel *k, const char *command, FILE *out);

#endif
